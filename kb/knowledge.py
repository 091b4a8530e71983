"""The knowledge base one data dir holds: the store and the term counts kb ranks from, in step.

`KB` is what the CLI and the web app open (with `kb.open.open_kb`). The counts follow the store
by change number: `sync()` applies whatever the store changed since the counts last looked, so
an interrupted ingest or deleted counts heal on the next run instead of leaving store and counts
apart.

There is no Whoosh index any more (issue 13): every query kb serves is answered from the counts
and the store (words and totals from the counts, filters from the counts' filed columns in
kb/matching.py, phrases from post text), and writing a Whoosh index was over half of the CPU
time of `kb ingest` for nothing any query read. Whoosh stays the reference scorer of the
benchmarks (kb/index.py, bench/rankers.py). An index an older kb left is deleted by the next
write.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kb.config import COUNTS_FILE, INDEX_DIR, STORE_FILE

try:
    import fcntl
except ImportError:  # not POSIX (Windows): no advisory locks, so one writer at a time
    fcntl = None  # type: ignore[assignment]
from kb.store import IndexedPost, Store, open_store

if TYPE_CHECKING:
    from kb.counts import Filed, TermCounts

Progress = Callable[[int], None]
LOCK_FILE = "write.lock"  # in INDEX_DIR: held by whoever writes the counts
OLD_INDEX = "whoosh"  # in INDEX_DIR: what kbs before issue 13 wrote
LOCK_TIMEOUT = 300.0  # seconds a second writer waits for the first instead of failing
GROW_EVERY = 50  # files stored between two "more is stored" to the counts worker


class KB:
    """Open lazily; safe to share across threads for reading (one lock guards syncing)."""

    def __init__(self, data_dir: Path | str, store: Store | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = store or open_store(self.data_dir / STORE_FILE)
        self._counts: TermCounts | None = None
        self._titles: dict[str, str] | None = None
        self._forums: dict[str, str | None] = {}
        self._lock = threading.Lock()

    @property
    def counts(self) -> TermCounts:
        """The term counts kb ranks from (a pickle an older kb left beside them is never read).

        Counts made by an older analysis (kb/text.py ANALYSIS_VERSION) fail to load and are
        rebuilt from the store by the next sync."""
        if self._counts is None:
            from kb.counts import TermCounts
            from kb.malloc import keep_freed_memory

            keep_freed_memory()  # a process that ranks: its per-query arrays reuse memory
            t = TermCounts(self.data_dir / INDEX_DIR / COUNTS_FILE)
            t.load()
            self._counts = t
        return self._counts

    def stale(self) -> bool:
        """True when the store has changes the rankers have not seen."""
        last = self.store.last_seq()
        if self.counts.seq < last:
            self._reload_counts()  # another process (an ingest) may have saved newer counts
        return self.counts.seq < last

    def _reload_counts(self) -> None:
        from kb.counts import TermCounts

        fresh = TermCounts(self.counts.path)
        if fresh.load() and fresh.seq > self.counts.seq:
            self._counts = fresh
            self._titles = None

    def sync(self, progress: Progress | None = None) -> int:
        """Bring the term counts up to the store; returns how many posts were (re)counted."""
        with self._lock, self._writing():
            self._reload_counts()  # the writer before this one may have done the work
            return self._sync(progress)

    def _sync(self, progress: Progress | None) -> int:
        t = self.counts
        if t.built and t.seq >= self.store.last_seq():
            return 0
        from kb.growing import Growth

        # Counted a page of posts at a time, as the ingest's worker grows them (kb/growing.py),
        # anew when the counts are missing or mostly dead rows
        growth = Growth(t)
        counted = growth.take(self.store)
        growth.save(growth.last)
        if progress:
            progress(counted)
        self._titles = None
        return counted

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the data dir's write lock (another writer waits for it, up to LOCK_TIMEOUT)."""
        path = self.data_dir / INDEX_DIR / LOCK_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(path.parent / OLD_INDEX, ignore_errors=True)
        with open(path, "a+b") as fh:
            if fcntl is None:
                yield
                return
            _lock(fh, LOCK_TIMEOUT)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def busy(self) -> bool:
        """Is another process (an ingest) writing the counts right now?"""
        path = self.data_dir / INDEX_DIR / LOCK_FILE
        if fcntl is None:
            return False
        try:
            with open(path, "rb") as fh:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(fh, fcntl.LOCK_UN)
                return False
        except BlockingIOError:
            return True
        except OSError:
            return False

    def ingest(self, sources: Iterable[Any], fmt: str | None = None,
               on_file: Callable[[Any], None] | None = None, stream: bool = False,
               workers: int = 0) -> Any:
        """Ingest and keep the counts current: `stream` grows them in a second process while
        the ingest stores (big batches); otherwise they catch up once at the end. `workers`
        processes parse files ahead of the store (kb/parsing.py)."""
        from kb.ingest import ingest

        if not stream:
            summary = ingest(iter(sources), self.store, fmt, on_file, workers)
            self.sync()
            return summary
        with self.streaming() as stored:
            def after(source: Any) -> None:
                stored()
                if on_file:
                    on_file(source)

            return ingest(iter(sources), self.store, fmt, after, workers)

    @contextmanager
    def streaming(self) -> Iterator[Callable[[], None]]:
        """Grow the counts while an ingest runs: call the yielded function after each stored file.

        The counts are grown by a worker process (kb/growing.py) from what the store holds, so
        a killed ingest leaves the counts' change number where it was, and the next run
        brings them up to the store. If the worker dies, this process catches up itself."""
        from kb.growing import Grower

        with self._lock, self._writing():
            grower = Grower(self.store.target, self.counts.path)
            files = 0

            def stored() -> None:
                nonlocal files
                files += 1
                if files % GROW_EVERY == 0:
                    grower.grow()

            try:
                yield stored
            except BaseException:
                grower.cancel()
                raise
            if not grower.finish(self.store.last_seq()):
                self._counts = None
                self._sync(None)
            self._counts = None  # the worker saved them: read its file
            self._titles = None

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild the term counts from the store (the store is the truth)."""
        with self._lock, self._writing():
            self.counts.path.unlink(missing_ok=True)
            self._counts = None
            return self._sync(progress)

    def needs_sync(self) -> bool:
        """Has the store moved on (an ingest was killed, or an older kb wrote it) with nobody
        bringing the counts up to it?

        While another process is writing (an ingest under way), readers answer from the counts
        as they stand rather than queue behind the writer: the ingest brings them up to date
        itself.
        """
        return self.stale() and not self.busy()

    def ensure_fresh(self, progress: Progress | None = None) -> int:
        """Sync when `needs_sync()`; returns how many posts were (re)counted."""
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


def filed(rows: list[IndexedPost]) -> list[Filed]:
    """What the query filters read of each post (kept beside its counts)."""
    from kb.counts import filing

    return [filing(r.thread_id, r.author, r.posted_at) for r in rows]


def analyse(rows: list[IndexedPost]) -> list[tuple[str, str]]:
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


def _lock(fh: IO[bytes], timeout: float) -> None:
    """An exclusive lock on `fh`, waiting up to `timeout` seconds for another holder."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"another kb process has held {fh.name} for {timeout:.0f} s; "
                                   "wait for it to finish, or stop it") from None
            time.sleep(0.05)
