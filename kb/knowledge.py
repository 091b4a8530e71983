"""The knowledge base one data dir holds: store, Whoosh index and term counts, kept in step.

`KB` is what the CLI and the web app open (with `kb.open.open_kb`). Derived data follows the
store by change number: `sync()` applies whatever the store changed since the index last looked,
so an interrupted ingest or a deleted index heals on the next run instead of leaving store and
index apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.config import COUNTS_FILE, INDEX_DIR, STORE_FILE
from kb.store import IndexedPost, Store, open_store

if TYPE_CHECKING:
    from kb.counts import Filed, TermCounts
    from kb.index import Index

Progress = Callable[[int], None]


class KB:
    """Open lazily; safe to share across threads for reading (one lock guards syncing)."""

    def __init__(self, data_dir: Path | str, store: Store | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = store or open_store(self.data_dir / STORE_FILE)
        self._index: Index | None = None
        self._counts: TermCounts | None = None
        self._titles: dict[str, str] | None = None
        self._forums: dict[str, str | None] = {}
        self._lock = threading.Lock()

    @property
    def index(self) -> Index:
        if self._index is None:
            from kb.index import Index

            self._index = Index(self.data_dir / INDEX_DIR / "whoosh")
        return self._index

    @property
    def counts(self) -> TermCounts:
        """The term counts kb ranks from (a pickle an older kb left beside them is never read).

        Counts made by an older analysis (kb/text.py ANALYSIS_VERSION) mean the index beside
        them holds the old terms too: both are dropped, and the next sync rebuilds them from
        the store. Index and counts are saved by the same sync, counts last, so the counts'
        version speaks for both."""
        if self._counts is None:
            from kb.counts import TermCounts

            t = TermCounts(self.data_dir / INDEX_DIR / COUNTS_FILE)
            if not t.load() and t.outdated:
                self.index.reset()
                self._index = None
            self._counts = t
        return self._counts

    def stale(self) -> bool:
        """True when the store has changes the rankers have not seen."""
        last = self.store.last_seq()
        if self.counts.seq < last:
            self._reload_counts()  # another process (an ingest) may have saved newer counts
        return self.index.applied_seq() < last or self.counts.seq < last

    def _reload_counts(self) -> None:
        from kb.counts import TermCounts

        fresh = TermCounts(self.counts.path)
        if fresh.load() and fresh.seq > self.counts.seq:
            self._counts = fresh
            self._titles = None

    def sync(self, progress: Progress | None = None) -> int:
        """Bring index and term counts up to the store; returns how many posts were (re)indexed."""
        with self._lock:
            return self._sync(progress)

    def _sync(self, progress: Progress | None) -> int:
        applied = min(self.index.writable_seq(), self.counts.seq)
        if applied >= self.store.last_seq():
            return 0
        rows, gone, upto = self.store.changes(applied)
        texts = _analyse(rows)  # once, for both rankers
        if self.index.applied_seq() < upto:
            fresh = applied < 0 and self.index.doc_count() == 0
            self.index.apply(rows, texts, gone, upto, fresh=fresh, on_post=progress)
        if self.counts.seq < upto:
            self._update_counts([r.id for r in rows], texts, _filed(rows), gone, upto)
        self._titles = None
        return len(rows)

    def _update_counts(self, ids: list[int], texts: list[tuple[str, str]], filed: list[Filed],
                       gone: list[int], upto: int) -> None:
        """Append the changes, or build anew when the counts are missing or mostly dead."""
        t = self.counts
        if t.needs_rebuild() and t.seq >= 0:
            rows, _, _ = self.store.changes(-1)
            ids, texts, filed = [r.id for r in rows], _analyse(rows), _filed(rows)
        if t.needs_rebuild():
            t.fit(ids, texts, filed)
        else:
            t.update(ids, texts, filed, gone)
        t.seq = upto
        t.save()

    def ingest(self, sources: Iterable[Any], fmt: str | None = None,
               on_file: Callable[[Any], None] | None = None, stream: bool = False) -> Any:
        """Ingest and keep the rankers current: `stream` overlaps indexing with parsing (for
        big batches); otherwise the rankers catch up once at the end."""
        from kb.ingest import ingest

        if not stream:
            summary = ingest(iter(sources), self.store, fmt, on_file)
            self.sync()
            return summary
        with self.streaming() as push:
            def after(source: Any) -> None:
                push(batch=True)
                if on_file:
                    on_file(source)

            return ingest(iter(sources), self.store, fmt, after)

    @contextmanager
    def streaming(self) -> Iterator[Callable[..., None]]:
        """Index while an ingest runs: call the yielded function after each stored file.

        Whoosh's writer processes work while the ingest parses (the two overlap on two cores);
        the term counts are built from the texts analysed on the way. A killed ingest leaves the index's
        recorded change number where it was, so the next run re-applies what it missed.
        """
        with self._lock:
            if self.counts.outdated and self.counts.seq < 0:
                self._sync(None)  # an older analysis: rebuild at once, with the big writer
            feeder = _Feeder(self)
            try:
                yield feeder.push
            except BaseException:
                feeder.cancel()
                raise
            feeder.finish()
            self._titles = None

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild index and term counts from the store (the store is the truth)."""
        with self._lock:
            self.index.reset()
            self._index = None
            self.counts.path.unlink(missing_ok=True)
            self._counts = None
            return self._sync(progress)

    def needs_sync(self) -> bool:
        """Has the store moved on (an ingest was killed, or an older kb wrote it) with nobody
        bringing the rankers up to it?

        While another process is writing the index (an ingest under way), readers answer from
        the index as it stands rather than queue behind the writer: the ingest brings it up to
        date itself.
        """
        return self.stale() and not self.index.busy()

    def ensure_fresh(self, progress: Progress | None = None) -> int:
        """Sync when `needs_sync()`; returns how many posts were (re)indexed."""
        return self.sync(progress) if self.needs_sync() else 0

    def titles(self) -> dict[str, str]:
        """Normalised thread title -> thread id, for "an exact title match wins"."""
        if self._titles is None:
            from kb.text import words

            threads = self.store.threads()
            self._titles = {" ".join(words(t.title)): t.thread_id for t in threads}
            self._forums = {t.thread_id: t.forum for t in threads}
        return self._titles

    def thread_forums(self) -> dict[str, str | None]:
        """Thread id -> its forum, for search's forum filter (read with the titles)."""
        self.titles()
        return self._forums

    def close(self) -> None:
        self.store.close()


class _Feeder:
    """Hands the store's new changes to a streaming index writer, file by file."""

    def __init__(self, kb: KB) -> None:
        self.kb = kb
        self.stream = kb.index.stream(new_after=kb.store.max_post_id())
        # The index's write lock is ours only now: another ingest into this data dir may have
        # indexed more while this one waited for it, so where to start is read after.
        self.stream.new_after = kb.store.max_post_id()
        kb._reload_counts()
        self.base = min(kb.index.writable_seq(), kb.counts.seq)
        self.last = self.base
        self.texts: dict[int, tuple[Filed, tuple[str, str]]] = {}
        self.removed: list[int] = []
        self.files = 0

    def push(self, batch: bool = False) -> None:
        """Feed the writer what the store changed since the last push. With `batch`, wait until
        a few thousand posts have piled up: fewer, larger batches cost the parent less."""
        self.files += 1
        if batch and self.files % 200:
            return
        rows, gone, upto = self.kb.store.changes(self.last)
        if not rows and not gone:
            return
        texts = _analyse(rows)
        self.stream.add(rows, texts, gone)
        for r, f, text in zip(rows, _filed(rows), texts):
            self.texts[int(r.id)] = (f, text)
        for pid in gone:
            self.texts.pop(pid, None)
        self.removed.extend(gone)
        self.last = upto

    def finish(self) -> None:
        """Commit the index while the term counts are built: the commit mostly waits for the writer
        processes, so the parent's CPU is free for the counts."""
        self.push()
        counts = threading.Thread(target=self._build_counts)
        counts.start()
        try:
            self.stream.finish(self.last)
        finally:
            counts.join()

    def _build_counts(self) -> None:
        if self.kb.counts.seq < self.last:
            filed = [v[0] for v in self.texts.values()]
            texts = [v[1] for v in self.texts.values()]
            self.kb._update_counts(list(self.texts), texts, filed, self.removed, self.last)

    def cancel(self) -> None:
        self.stream.cancel()


def _filed(rows: list[IndexedPost]) -> list[Filed]:
    """What the query filters read of each post (kept beside its counts)."""
    from kb.counts import Filed

    return [Filed(r.thread_id, r.author, r.posted_at) for r in rows]


def _analyse(rows: list[IndexedPost]) -> list[tuple[str, str]]:
    """(title, body) as index terms; a thread's title is analysed once, not once per post."""
    from kb.text import analysed

    titles: dict[str, str] = {}
    out = []
    for r in rows:
        title = titles.get(r.title)
        if title is None:
            title = titles[r.title] = analysed(r.title)
        out.append((title, analysed(r.body)))
    return out
