"""The web app: `create_app()` builds a Flask app over one data dir (flaskr's factory pattern).

The factory only wires things up: config, the knowledge base (`web.kbapp`), the pages
(`web.views`) and their JSON twins under /api (`web.api`, Datasette's habit), error pages
(`web.errors`) and security headers. Nothing is opened at import.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from web import api, errors, kbapp, views

MAX_QUERY_CHARS = 500
PAGE_SIZE = 10

# Content-Security-Policy: nothing but our own files; no inline script, no plugins, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A Flask app over the data dir in config KB_DATA_DIR (default: kb's usual data dir) and
    the PostgreSQL store in KB_DATABASE_URL (default: $KB_DATABASE_URL; none: SQLite)."""
    from kb.config import database_url, default_data_dir

    app = Flask(__name__)
    app.config.from_mapping(KB_DATA_DIR=str(default_data_dir()), KB_DATABASE_URL=database_url(),
                            MAX_QUERY_CHARS=MAX_QUERY_CHARS, PAGE_SIZE=PAGE_SIZE)
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    kbapp.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    errors.register(app)
    app.after_request(security_headers)
    return app


def security_headers(response: Response) -> Response:
    """No script, style or frame from elsewhere; no MIME sniffing; no referrer off-site."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
