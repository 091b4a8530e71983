"""Input files detected, parsed and normalised in worker processes, a few files ahead of the
ingest that stores them: that is a third to a half of the work of ingesting a file, and the
store has one writer, so on two cores a big ingest parses the next files while it writes this
one.

Results come back in the order the files went in, so an ingest with workers does exactly what
one without does. The workers die with the ingest (kill -9 included); a worker that crashes on a
file costs nothing but time: that file, and every one after it, is parsed here instead.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from kb.identity import forum_of
from kb.rows import ThreadRows, part_json, thread_rows
from scraper import ParseError, parse
from scraper.detect import detect
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


def parse_file(data: bytes, path: str, format: str | None) -> Parsed:
    """Detect and parse `data`, and make each thread ready for the store; never raises for bad
    input."""
    try:
        fmt = format or detect(data, path)
        threads = parse(data, path, fmt, normalised=False)
        if not threads or not any(t.posts for t in threads):
            raise ParseError("no posts found")
        return Parsed(fmt, [_ready(t, path) for t in threads])
    except ParseError as exc:
        return Parsed(None, [], str(exc), rejected=True)
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
    """Files handed to a worker as one task (`future` once handed)."""

    jobs: list[tuple[bytes, str]]
    future: Future[list[Parsed]] | None = None


@dataclass
class _Queued(Generic[K]):
    key: K
    data: bytes | None
    path: str
    chunk: _Chunk | None = None
    at: int = 0  # its place in the chunk


def parsed_in_order(items: Iterator[tuple[K, bytes | None, str]], format: str | None,
                    workers: int) -> Iterator[tuple[K, Parsed | None]]:
    """(key, parse) for each (key, data, path), in order; None for items without data."""
    if workers <= 0:
        for key, data, path in items:
            yield key, None if data is None else parse_file(data, path, format)
        return
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_init_worker)
    queued: deque[_Queued[K]] = deque()
    forming = _Chunk([])
    try:
        for key, data, path in items:
            q = _Queued(key, data, path)
            if data is not None:
                q.chunk, q.at = forming, len(forming.jobs)
                forming.jobs.append((data, path))
                if len(forming.jobs) >= CHUNK:
                    _hand(pool, forming, format)
                    forming = _Chunk([])
            queued.append(q)
            while len(queued) > AHEAD * CHUNK * workers:
                if queued[0].chunk is forming:  # needed before it filled up
                    _hand(pool, forming, format)
                    forming = _Chunk([])
                yield _result(queued.popleft(), format)
        if forming.jobs:
            _hand(pool, forming, format)
        while queued:
            yield _result(queued.popleft(), format)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _hand(pool: ProcessPoolExecutor, chunk: _Chunk, format: str | None) -> None:
    try:
        chunk.future = pool.submit(parse_files, chunk.jobs, format)
    except RuntimeError:  # a broken pool (a worker died) takes no more work
        pass


def _result(q: _Queued[K], format: str | None) -> tuple[K, Parsed | None]:
    if q.data is None:
        return q.key, None
    if q.chunk is not None and q.chunk.future is not None:
        try:
            return q.key, q.chunk.future.result()[q.at]
        except Exception:  # the worker died on it: parse it here
            pass
    return q.key, parse_file(q.data, q.path, format)


def workers_for(files: int) -> int:
    """Parse workers for an ingest of `files` files: one core is the ingest's own."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, 3)) if files >= 2 * CHUNK else 0


def _context() -> multiprocessing.context.BaseContext:
    """fork on Linux: a worker starts in a millisecond with the parsers already imported, and
    runs no `__main__` again (spawn and forkserver re-run a calling script that lacks a main
    guard). The SQLite connection it inherits is never used or closed there: pool workers end
    with os._exit. Elsewhere spawn, where fork is unsafe."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _init_worker() -> None:
    from kb.growing import die_with_parent

    die_with_parent()
