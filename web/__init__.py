"""The web app: `create_app()` builds a Flask app over one data dir (flaskr's factory pattern).

Every page has a JSON twin under /api (Datasette's habit). The knowledge base is opened per app,
never at import, and shared by the server's threads: the rankers' arrays are read-only between
syncs and `KB` locks syncing; SQLite gets one connection per server worker (`PerWorkerStore`), so one
slow read never queues the others behind a shared connection's mutex.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

MAX_QUERY_CHARS = 500
PAGE_SIZE = 10
EXAMPLES = 5

# Content-Security-Policy: nothing but our own files; no inline script, no plugins, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

_QUESTION = re.compile(r"\?\s*$|^(how|what|why|when|where|which|who|is|are|do|does|did|can|"
                       r"could|should|would|will|has|have|any)\b", re.I)


class BadQuery(ValueError):
    """A query the app refuses (empty, too long, bad filter); the message is shown to the user."""


class PerWorkerStore:
    """Looks like a `kb.store.Store`; each server worker (an OS thread) gets its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def _store(self) -> Any:
        store = getattr(self._local, "store", None)
        if store is None:
            from kb.store import Store

            store = self._local.store = Store(self.path)
        return store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store(), name)


def open_kb(data_dir: Path) -> Any:
    """The data dir's knowledge base, filled with the bundled corpus when empty, rankers synced."""
    from kb.config import STORE_FILE
    from kb.knowledge import KB
    from kb.store import Store

    first = Store(data_dir / STORE_FILE)
    try:
        if first.is_empty():
            from kb.ingest import corpus_sources, ingest

            ingest(corpus_sources(), first)
    finally:
        first.close()
    kb = KB(data_dir, store=PerWorkerStore(data_dir / STORE_FILE))  # type: ignore[arg-type]
    kb.ensure_fresh()
    return kb


class Overview:
    """What the front page and /healthz show, recomputed only when the store changes."""

    def __init__(self, kb: Any) -> None:
        self.kb = kb
        self._seq = -1
        self._stats: dict[str, Any] = {}
        self._examples: list[str] = []
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        seq = self.kb.store.last_seq()
        if seq == self._seq:
            return
        with self._lock:
            self._stats = self.kb.store.stats()
            recent = self.kb.store.threads(limit=400)
            asked = [t.title for t in recent if _QUESTION.search(t.title) and len(t.title) <= 90]
            self._examples = list(dict.fromkeys(asked))[:EXAMPLES]
            self._seq = seq

    def stats(self) -> dict[str, Any]:
        self._refresh()
        return self._stats

    def examples(self) -> list[str]:
        self._refresh()
        return self._examples


def kb() -> Any:
    """The current app's knowledge base."""
    return current_app.extensions["kb"]


def overview() -> Overview:
    return current_app.extensions["kb_overview"]  # type: ignore[no-any-return]


def query_arg() -> str:
    """`?q=`, stripped; BadQuery when empty or over the length limit."""
    q = " ".join(request.args.get("q", "").split())
    if not q:
        raise BadQuery("Type a question or some words to search for.")
    limit = current_app.config["MAX_QUERY_CHARS"]
    if len(q) > limit:
        raise BadQuery(f"That query is {len(q)} characters long; the limit is {limit}.")
    return q


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; BadQuery otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, got {raw[:20]!r}.") from None
    if not low <= value <= high:
        raise BadQuery(f"{name} must be between {low} and {high}.")
    return value


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A Flask app over the data dir in config KB_DATA_DIR (default: kb's usual data dir)."""
    from kb.config import default_data_dir

    app = Flask(__name__)
    app.config.from_mapping(KB_DATA_DIR=str(default_data_dir()), MAX_QUERY_CHARS=MAX_QUERY_CHARS,
                            PAGE_SIZE=PAGE_SIZE)
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    knowledge = open_kb(Path(app.config["KB_DATA_DIR"]))
    app.extensions["kb"] = knowledge
    app.extensions["kb_overview"] = Overview(knowledge)

    from web import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    views.register_errors(app)
    app.after_request(_headers)
    return app


def _headers(response: Any) -> Any:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
