"""Input files detected, parsed and normalised in worker processes, a few files ahead of the
ingest that stores them: that is a third to a half of the work of ingesting a file, and the
store has one writer, so on two cores a big ingest parses the next files while it writes this
one.

Results come back in the order the files went in, so an ingest with workers does exactly what
one without does. A worker reads each file itself (the ingest sends paths, and copies only what
has no file of its own, an archive's members), checks it holds the bytes the ingest read, and
sends back each thread ready for the store (`Ready`). The workers die with the ingest (kill -9
included); a worker that crashes on a file costs nothing but time: the files it held are parsed
here instead, and it gets no more.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import stat
import sys
import tempfile
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Generic, TypeVar

from kb.identity import forum_of
from kb.rows import ThreadRows, part_json, thread_rows
from scraper import NotAThread, ParseError, parse_with_format
from scraper.models import Thread
from scraper.normalise import normalise

K = TypeVar("K")
CHUNK = 8  # files per worker task
AHEAD = 3  # tasks queued per worker: enough to keep it busy, few enough to bound memory


@dataclass
class Ready:
    """One thread of a file, ready for the store: the parser's id and the forum it belongs to
    (kb.identity.forum_of), the parse as the store keeps it for merges, and the thread
    normalised, as rows. Only the store can give the key, the one thing left to do."""

    own_id: str
    forum: str
    part: str  # part_json of the parse, its forum set, its id the parser's
    rows: ThreadRows  # the thread normalised
    posts: int


@dataclass
class Parsed:
    """What detecting and parsing one file gave: its format and threads, or why not."""

    fmt: str | None
    threads: list[Ready]
    error: str | None = None
    rejected: bool = False  # the parsers refused it (ParseError), rather than failed on it
    not_thread: bool = False  # read, and no thread (NotAThread): a list of topics, no format


def parse_file(data: bytes, path: str, format: str | None) -> Parsed:
    """Detect and parse `data`, and make each thread ready for the store; never raises for bad
    input."""
    try:
        # Detected and parsed in one call, so that a compressed file is unpacked once, here in
        # the worker that read it (scraper.compressed), and detected as what it holds.
        fmt, threads = parse_with_format(data, path, format, normalised=False)
        if not threads or not any(t.posts for t in threads):
            raise ParseError("no posts found")
        return Parsed(fmt, [_ready(t, path) for t in threads])
    except ParseError as exc:
        return Parsed(None, [], str(exc), rejected=True, not_thread=isinstance(exc, NotAThread))
    except Exception as exc:  # hostile input must never abort the batch
        return Parsed(None, [], f"parser failed: {type(exc).__name__}: {exc}"[:300])


def _ready(thread: Thread, path: str) -> Ready:
    thread.forum = forum_of(thread, path)
    data, posts = part_json(thread), len(thread.posts)  # before normalising changes the posts
    return Ready(thread.thread_id, thread.forum, data, thread_rows(normalise(thread)), posts)


def parse_files(jobs: list[tuple[bytes, str]], format: str | None) -> list[Parsed]:
    """`parse_file` of each job: one worker task for several files, since handing a task to a
    worker costs the ingest about as much as storing a small file."""
    return [parse_file(data, path, format) for data, path in jobs]


@dataclass
class _Chunk:
    """Files handed to a worker as one task, and once read back, what it made of them (None
    for a file it could not read as the ingest did: the ingest parses that one itself)."""

    jobs: list[tuple[str, int, int]]  # (path, size, crc32): the worker reads the file itself
    worker: _Worker | None = None
    results: list[Parsed | None] | None = None


@dataclass
class _Queued(Generic[K]):
    key: K
    data: bytes | None
    path: str
    chunk: _Chunk | None = None
    at: int = 0  # its place in the chunk


class _Worker:
    """One parse process and its two pipes. Tasks are a few paths (a pipe's buffer holds many),
    so handing one never blocks; results are read as soon as they are ready (`ready`) or
    needed, in the order the tasks went. No threads: ProcessPoolExecutor's feeder and manager
    threads took the ingest's GIL for a quarter of its own time."""

    def __init__(self, format: str | None) -> None:
        ctx = _context()
        self.tasks, their_tasks = ctx.Pipe(duplex=False)[::-1]
        self.results, their_results = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_work, args=(their_tasks, their_results, format),
                                daemon=True)
        self.proc.start()
        their_tasks.close()
        their_results.close()
        self.handed: deque[_Chunk] = deque()
        self.alive = True

    def hand(self, chunk: _Chunk) -> bool:
        try:
            self.tasks.send(chunk.jobs)
        except (OSError, ValueError):
            self._died()
            return False
        chunk.worker = self
        self.handed.append(chunk)
        return True

    def ready(self) -> None:
        """Read every result already there."""
        while self.alive and self.handed and self.results.poll(0):
            self._read_one()

    def wait_for(self, chunk: _Chunk) -> None:
        while chunk.results is None and self.alive and self.handed:
            self._read_one()

    def _read_one(self) -> None:
        try:
            results = pickle.loads(self.results.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            self._died()
            return
        self.handed.popleft().results = results

    def _died(self) -> None:
        """Its unfinished files are parsed by the ingest; it gets no more."""
        self.alive = False
        for chunk in self.handed:
            chunk.results = [None] * len(chunk.jobs)
        self.handed.clear()

    def close(self) -> None:
        for end in (self.tasks, self.results):
            end.close()
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(1)


def _work(tasks: Connection, results: Connection, format: str | None) -> None:
    from kb.growing import die_with_parent

    die_with_parent()
    while True:
        try:
            jobs = tasks.recv()
        except EOFError:  # the ingest is done (or gone)
            return
        results.send_bytes(pickle.dumps([_parse_path(path, size, crc, format)
                                         for path, size, crc in jobs],
                                        protocol=pickle.HIGHEST_PROTOCOL))


def _parse_path(path: str, size: int, crc: int, format: str | None) -> Parsed | None:
    """The file at `path` parsed, if it still holds the bytes the ingest read (else None)."""
    copy, _, named = path.partition("\0")
    try:
        data = Path(copy).read_bytes()
        if named:
            os.unlink(copy)
    except OSError:
        return None
    path = named or copy
    if len(data) != size or zlib.crc32(data) != crc:
        return None
    return parse_file(data, path, format)


def parsed_in_order(items: Iterator[tuple[K, bytes | None, str]], format: str | None,
                    workers: int) -> Iterator[tuple[K, Parsed | None]]:
    """(key, parse) for each (key, data, path), in order; None for items without data."""
    if workers <= 0:
        for key, data, path in items:
            yield key, None if data is None else parse_file(data, path, format)
        return
    pool = [_Worker(format) for _ in range(workers)]
    queued: deque[_Queued[K]] = deque()
    forming = _Chunk([])
    spool = _Spool()
    try:
        for key, data, path in items:
            q = _Queued(key, data, path)
            if data is not None:
                q.chunk, q.at = forming, len(forming.jobs)
                forming.jobs.append(_job(data, path, spool))
                if len(forming.jobs) >= CHUNK:
                    _hand(pool, forming)
                    forming = _Chunk([])
            queued.append(q)
            for worker in pool:
                worker.ready()
            while len(queued) > AHEAD * CHUNK * workers:
                if queued[0].chunk is forming:  # needed before it filled up
                    _hand(pool, forming)
                    forming = _Chunk([])
                yield _result(queued.popleft(), format)
        if forming.jobs:
            _hand(pool, forming)
        while queued:
            yield _result(queued.popleft(), format)
    finally:
        for worker in pool:
            worker.close()
        spool.close()


class _Spool:
    """A folder for copies of inputs that are not files of their own, made when first needed
    (an ingest of plain files, killed, leaves nothing behind)."""

    def __init__(self) -> None:
        self.dir: tempfile.TemporaryDirectory[str] | None = None

    def copy(self, data: bytes) -> str:
        if self.dir is None:
            self.dir = tempfile.TemporaryDirectory(prefix="kb-parse-")
        fd, copy = tempfile.mkstemp(dir=self.dir.name)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return copy

    def close(self) -> None:
        if self.dir is not None:
            self.dir.cleanup()


def _job(data: bytes, path: str, spool: _Spool) -> tuple[str, int, int]:
    """What a worker needs to read the file: its path, or a copy's when it is not a file of
    its own (an archive member, stdin)."""
    try:
        st = os.stat(path)
        on_disk = stat.S_ISREG(st.st_mode) and st.st_size == len(data)
    except (OSError, ValueError):  # no such file; a name with a NUL in it (stdin, members)
        on_disk = False
    # A copy's name would become the posts' source: the worker is told the real one.
    where = path if on_disk else f"{spool.copy(data)}\0{path}"
    return where, len(data), zlib.crc32(data)


def _hand(pool: list[_Worker], chunk: _Chunk) -> None:
    """To the live worker with the least in hand (none alive: the ingest parses it)."""
    for worker in sorted((w for w in pool if w.alive), key=lambda w: len(w.handed)):
        if worker.hand(chunk):
            return


def _result(q: _Queued[K], format: str | None) -> tuple[K, Parsed | None]:
    if q.data is None:
        return q.key, None
    chunk = q.chunk
    if chunk is not None and chunk.worker is not None:
        chunk.worker.wait_for(chunk)
        if chunk.results is not None and chunk.results[q.at] is not None:
            return q.key, chunk.results[q.at]
    return q.key, parse_file(q.data, q.path, format)


def workers_for(files: int) -> int:
    """Parse workers for an ingest of `files` files: one per core (up to 3) when there are
    two or more. The ingest's own process is not a core's worth of work: it waits on the
    workers' results and on its store's writes, and the counts' worker waits on the store, so
    with one parse worker on 2 cores a core stood idle a fifth of the time (kb ingest of the
    147k replicas: 44 CPU-s in 28 s); a second worker takes that time up."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return min(cores, 3) if cores >= 2 and files >= 2 * CHUNK else 0


def _context() -> Any:  # Any: mypy types the fork and spawn contexts apart
    """fork on Linux: a worker starts in a millisecond with the parsers already imported, and
    runs no `__main__` again (spawn and forkserver re-run a calling script that lacks a main
    guard). The SQLite connection it inherits is never used or closed there: a worker ends
    with os._exit. Elsewhere spawn, where fork is unsafe."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
