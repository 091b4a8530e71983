"""Opening a knowledge base: the one way the CLI, the web app and scripts get a `KB`.

The store is the data dir's SQLite file, or the PostgreSQL database `db` names (then the data
dir holds only this node's index and term counts). An empty store is first given the bundled
example corpus (so a fresh install can answer at once). Opening never syncs the rankers: whoever
is about to rank asks `KB.needs_sync()` once per command or request (the CLI with a progress
bar, the web app per request).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kb.config import STORE_FILE

if TYPE_CHECKING:
    from kb.ingest import Summary
    from kb.knowledge import KB
    from kb.store import Store


def open_kb(data_dir: Path | str, seed: bool = True, *, per_worker: bool = False,
            on_seed: Callable[[Summary], None] | None = None, db: str | None = None) -> KB:
    """The knowledge base in `data_dir`, created when missing.

    seed: an empty store first gets the bundled corpus; `on_seed` hears what went in.
    per_worker: each thread that reads gets its own connection (a threaded web server).
    db: a postgresql:// URL to keep the posts in instead of the data dir's SQLite file.
    Raises `kb.store.StoreError` when the store cannot be opened.
    """
    from kb.knowledge import KB
    from kb.store import open_store

    data_dir = Path(data_dir)
    target: str | Path = db or data_dir / STORE_FILE
    store = open_store(target)
    if seed and store.is_empty():
        from kb.ingest import corpus_sources, ingest

        summary = ingest(corpus_sources(), store)
        if on_seed:
            on_seed(summary)
    if per_worker:
        store.close()
        # Duck-typed: PerWorkerStore forwards every Store method to this thread's connection.
        store = cast("Store", PerWorkerStore(target))
    return KB(data_dir, store=store)


class PerWorkerStore:
    """Looks like a `kb.store.Store`; each worker thread that touches it gets its own connection,
    so one slow read never queues the others behind a shared connection's mutex."""

    def __init__(self, target: Path | str) -> None:
        self.target = target
        self._local = threading.local()

    def _store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            from kb.store import open_store

            store = self._local.store = open_store(self.target)
        return cast("Store", store)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store(), name)
