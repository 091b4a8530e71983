"""The app's knowledge base and what each request reads from it: what views and API share.

The knowledge base is opened once per app (`init_app`, from the factory), never at import, and
shared by the server's threads: the rankers' arrays are read-only between syncs and `KB` locks
syncing; the store gets one connection per worker thread (`kb.open.PerWorkerStore`). Per request,
`get_kb()` puts it on `flask.g` after checking, once, that the rankers have seen the whole store.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app, g, request

if TYPE_CHECKING:
    from kb.knowledge import KB

EXAMPLES = 5  # example questions on the front page

_QUESTION = re.compile(r"\?\s*$|^(how|what|why|when|where|which|who|is|are|do|does|did|can|"
                       r"could|should|would|will|has|have|any)\b", re.I)


class BadQuery(ValueError):
    """A query the app refuses (empty, too long, bad filter); the message is shown to the user."""


def init_app(app: Flask) -> None:
    """Open the knowledge base in config KB_DATA_DIR, its posts in KB_DATABASE_URL when set
    (an empty store gets the bundled corpus)."""
    from kb.open import open_kb

    knowledge = open_kb(Path(app.config["KB_DATA_DIR"]), per_worker=True,
                        db=app.config.get("KB_DATABASE_URL"))
    app.extensions["kb"] = knowledge
    app.extensions["kb_overview"] = Overview(knowledge)


def get_kb() -> KB:
    """This request's knowledge base, its rankers brought up to the store on first use."""
    if "kb" not in g:
        knowledge = cast("KB", current_app.extensions["kb"])
        knowledge.ensure_fresh()
        g.kb = knowledge
    return cast("KB", g.kb)


class Overview:
    """What the front page and /healthz show, recomputed only when the store changes."""

    def __init__(self, kb: KB) -> None:
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
            self._stats = dict(self.kb.store.stats())
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


def overview() -> Overview:
    """The current app's `Overview`."""
    return cast(Overview, current_app.extensions["kb_overview"])


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
