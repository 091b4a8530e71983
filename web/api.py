"""JSON twins of the pages, in the shapes `kb ask/search/show --json` print; and /healthz.

Errors are {"error": message} with the status code (see `web.errors`).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, abort, request

from web.kbapp import get_kb, int_arg, overview, query_arg

bp = Blueprint("api", __name__)

MAX_LIMIT = 100
MAX_OFFSET = 10_000


@bp.get("/api/ask")
def api_ask() -> dict[str, Any]:
    """`Answer.to_dict()` for ?q=."""
    from kb.answer import ask

    return ask(get_kb(), query_arg()).to_dict()


@bp.get("/api/search")
def api_search() -> dict[str, Any]:
    """`SearchResult.to_dict()` for ?q=, with limit, offset and posts=1 (every post)."""
    from kb.search import search

    q = query_arg()
    limit = int_arg("limit", 10, 1, MAX_LIMIT)
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    every = request.args.get("posts") == "1"
    return search(get_kb(), q, limit=limit, offset=offset, per_thread=not every).to_dict()


@bp.get("/api/threads/<path:thread_id>")
def api_thread(thread_id: str) -> dict[str, Any]:
    """A thread as `kb export` lines under its id and title."""
    thread = get_kb().store.thread(thread_id)
    if thread is None:
        abort(404, description=f"no thread {thread_id!r}")
    return {"thread_id": thread.thread_id, "thread_title": thread.title,
            "posts": [p.to_export(thread) for p in thread.posts]}


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """Liveness, with the number of posts the store holds and the answering process's id (which
    worker answered, under `kb serve --workers`)."""
    return {"ok": True, "posts": overview().stats()["posts"], "pid": os.getpid()}
