"""The knowledge base one data dir holds: store, Whoosh index and TF-IDF, kept in step.

`KB` is what the CLI and the web app open. Derived data follows the store by change number:
`sync()` applies whatever the store changed since the index last looked, so an interrupted ingest
or a deleted index heals on the next run instead of leaving store and index apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.config import INDEX_DIR, STORE_FILE
from kb.store import Store

Progress = Callable[[int], None]


class KB:
    """Open lazily; safe to share across threads for reading (one lock guards syncing)."""

    def __init__(self, data_dir: Path | str, store: Store | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = store or Store(self.data_dir / STORE_FILE)
        self._index: Any = None
        self._tfidf: Any = None
        self._titles: dict[str, str] | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> Any:
        if self._index is None:
            from kb.index import Index

            self._index = Index(self.data_dir / INDEX_DIR / "whoosh")
        return self._index

    @property
    def tfidf(self) -> Any:
        if self._tfidf is None:
            from kb.tfidf import Tfidf

            t = Tfidf(self.data_dir / INDEX_DIR / "tfidf.pickle")
            t.load()
            self._tfidf = t
        return self._tfidf

    def stale(self) -> bool:
        """True when the store has changes the rankers have not seen."""
        last = self.store.last_seq()
        return self.index.applied_seq() < last or self.tfidf.seq < last

    def sync(self, progress: Progress | None = None) -> int:
        """Bring index and TF-IDF up to the store; returns how many posts were (re)indexed."""
        with self._lock:
            return self._sync(progress)

    def _sync(self, progress: Progress | None) -> int:
        applied = min(self.index.applied_seq(), self.tfidf.seq)
        if applied >= self.store.last_seq():
            return 0
        rows, gone, upto = self.store.changes(applied)
        texts = _analyse(rows)  # once, for both rankers
        if self.index.applied_seq() < upto:
            fresh = applied < 0 and self.index.doc_count() == 0
            self.index.apply(rows, texts, gone, upto, fresh=fresh, on_post=progress)
        t = self.tfidf
        if t.seq < upto:
            if t.needs_rebuild() and applied >= 0:
                all_rows, _, _ = self.store.changes(-1)
                t.fit([r["id"] for r in all_rows], _analyse(all_rows),
                      [r["thread_id"] for r in all_rows])
            elif t.needs_rebuild():
                t.fit([r["id"] for r in rows], texts, [r["thread_id"] for r in rows])
            else:
                t.update([r["id"] for r in rows], texts, [r["thread_id"] for r in rows], gone)
            t.seq = upto
            t.save()
        self._titles = None
        return len(rows)

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild index and TF-IDF from the store (the store is the truth)."""
        with self._lock:
            self.index.reset()
            self._index = None
            self.tfidf.path.unlink(missing_ok=True)
            self._tfidf = None
            return self._sync(progress)

    def ensure_fresh(self) -> None:
        """Sync if the store moved on (another process ingested, or an ingest was killed)."""
        if self.stale():
            self.sync()

    def titles(self) -> dict[str, str]:
        """Normalised thread title -> thread id, for "an exact title match wins"."""
        if self._titles is None:
            from kb.text import words

            self._titles = {" ".join(words(t.title)): t.thread_id for t in self.store.threads()}
        return self._titles

    def close(self) -> None:
        self.store.close()


def _analyse(rows: list[Any]) -> list[tuple[str, str]]:
    """(title, body) as index terms; a thread's title is analysed once, not once per post."""
    from kb.text import analysed

    titles: dict[str, str] = {}
    out = []
    for r in rows:
        title = titles.get(r["title"])
        if title is None:
            title = titles[r["title"]] = analysed(r["title"])
        out.append((title, analysed(r["body"])))
    return out
