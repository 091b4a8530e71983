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
import pickle
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from scraper import ParseError, parse
from scraper.detect import detect
from scraper.models import Thread
from scraper.normalise import normalise

K = TypeVar("K")
AHEAD = 6  # files queued per worker: enough to keep it busy, few enough to bound memory


@dataclass
class Parsed:
    """What detecting and parsing one file gave: its format and threads, or why not."""

    fmt: str | None
    threads: list[Thread]  # as the parser read them: the store keeps these
    error: str | None = None
    rejected: bool = False  # the parsers refused it (ParseError), rather than failed on it
    normalised: list[Thread] | None = None  # `threads` normalised, when a worker had time to


def parse_file(data: bytes, path: str, format: str | None, normalised: bool = False) -> Parsed:
    """Detect and parse `data`, as the parser read it (the store normalises once what it merges)
    and, with `normalised`, a normalised copy too; never raises for bad input."""
    try:
        fmt = format or detect(data, path)
        threads = parse(data, path, fmt, normalised=False)
        if not threads or not any(t.posts for t in threads):
            raise ParseError("no posts found")
        ready = [normalise(t) for t in pickle.loads(pickle.dumps(threads))] if normalised else None
        return Parsed(fmt, threads, normalised=ready)
    except ParseError as exc:
        return Parsed(None, [], str(exc), rejected=True)
    except Exception as exc:  # hostile input must never abort the batch
        return Parsed(None, [], f"parser failed: {type(exc).__name__}: {exc}"[:300])


@dataclass
class _Queued(Generic[K]):
    key: K
    data: bytes | None
    path: str
    future: Future[Parsed] | None


def parsed_in_order(items: Iterator[tuple[K, bytes | None, str]], format: str | None,
                    workers: int) -> Iterator[tuple[K, Parsed | None]]:
    """(key, parse) for each (key, data, path), in order; None for items without data."""
    if workers <= 0:
        for key, data, path in items:
            yield key, None if data is None else parse_file(data, path, format)
        return
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_init_worker)
    queued: deque[_Queued[K]] = deque()
    try:
        for key, data, path in items:
            queued.append(_Queued(key, data, path, _submit(pool, data, path, format)))
            while len(queued) > AHEAD * workers:
                yield _result(queued.popleft(), format)
        while queued:
            yield _result(queued.popleft(), format)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, data: bytes | None, path: str,
            format: str | None) -> Future[Parsed] | None:
    if data is None:
        return None
    try:
        return pool.submit(parse_file, data, path, format, True)
    except RuntimeError:  # a broken pool (a worker died) takes no more work
        return None


def _result(q: _Queued[K], format: str | None) -> tuple[K, Parsed | None]:
    if q.data is None:
        return q.key, None
    if q.future is not None:
        try:
            return q.key, q.future.result()
        except Exception:  # the worker died on it: parse it here
            pass
    return q.key, parse_file(q.data, q.path, format)


def workers_for(files: int) -> int:
    """Parse workers for an ingest of `files` files: one core is the ingest's own."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, 3)) if files >= 2 * AHEAD else 0


def _context() -> multiprocessing.context.BaseContext:
    """fork on Linux: a worker starts in a millisecond with the parsers already imported, and
    runs no `__main__` again (spawn and forkserver re-run a calling script that lacks a main
    guard). The SQLite connection it inherits is never used or closed there: pool workers end
    with os._exit. Elsewhere spawn, where fork is unsafe."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _init_worker() -> None:
    from kb.growing import die_with_parent

    die_with_parent()
