"""Errors as the user sees them: a page with the search box, or {"error": message} under /api/."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from web.kbapp import BadQuery

MAX_QUERY_ECHO = 500  # an over-long query is put back in the box cut to the limit
TITLES = {400: "That query did not work", 404: "Not found"}


def register(app: Flask) -> None:
    """400 for bad queries, 404 and the rest as a page, or as JSON under /api."""
    from kb.query import QueryError

    @app.errorhandler(BadQuery)
    @app.errorhandler(QueryError)
    def bad_query(exc: Exception) -> tuple[Any, int]:
        return error(400, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Any, int, list[tuple[str, str]]]:
        body, code = error(exc.code or 500, exc.description or exc.name)
        # werkzeug's own headers for the error (a 405's Allow, a 401's WWW-Authenticate), but
        # not its Content-Type: our body is a page or JSON, not its plain text.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return body, code, headers


def error(code: int, message: str) -> tuple[Any, int]:
    """The error as JSON for API paths, else as a page with the search box."""
    if request.path.startswith("/api/"):
        return {"error": message}, code
    q = request.args.get("q", "")[:MAX_QUERY_ECHO]
    return render_template("error.html", code=code, title=TITLES.get(code, "Something went wrong"),
                           message=message, q=q), code
