"""Scale-out on PostgreSQL: ingest into one database, a reader node following it, /api/ask.

    .venv/bin/python bench/pg_scale.py [--copies 7] [--db postgresql://...] [--seconds 30]

`--copies 7` is bench/ingest.py's replica set at 514,850 posts (Urho3D + esk8, ids shifted per
copy). Without --db a throwaway server is started (tests/pg.py: Unix socket, fsync on,
synchronous_commit off, as SQLite's synchronous=NORMAL). Measured:

1. one writer: parse + store into PostgreSQL (`kb.ingest.ingest`, one transaction per file),
   with the share of the time spent inside the write transactions;
2. two writer processes at once into a second database, each half the files (two nodes);
3. `kb migrate` of the first database into a third (COPY), rows/s;
4. a reader node (its own data dir): term counts built from the database, then `ask`
   p50/p99, then how long it takes to follow a small ingest by the writer;
5. `/api/ask` req/s with `kb serve --workers 1, 2, 4` on the reader node (bench/web_load.py).
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import web_load  # noqa: E402
from bench.ingest import load, renamed  # noqa: E402
from bench.query import questions, report, timed  # noqa: E402
from kb.answer import ask  # noqa: E402
from kb.ingest import Source, ingest  # noqa: E402
from kb.knowledge import KB  # noqa: E402
from kb.parsing import workers_for  # noqa: E402
from kb.store import open_store  # noqa: E402


def replicas(data: Path, copies: int, limit: int | None = None) -> list[tuple[str, bytes]]:
    files = load(data)[:limit]
    return [(renamed(n, c), d + b"\n" * c) for c in range(copies) for n, d in files]


@contextmanager
def server(url: str | None) -> Iterator[Any]:
    """(new_database(name) -> URL) on the given server, or on a throwaway one."""
    if url:
        base = url.rsplit("/", 1)[0]
        yield lambda name: _create(url, name, base)
        return
    from tests import pg

    srv = pg.start(durable=True)
    try:
        yield lambda name: pg.create_database(srv, name)
    finally:
        srv.stop()


def _create(url: str, name: str, base: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def one_writer(url: str, sources: list[tuple[str, bytes]]) -> dict[str, float]:
    store = open_store(url)
    in_tx = [0.0]
    plain = store.transaction

    @contextmanager
    def timed_tx() -> Iterator[None]:
        t0 = time.perf_counter()
        with plain():
            yield
        in_tx[0] += time.perf_counter() - t0

    store.transaction = timed_tx  # type: ignore[method-assign]
    t0 = time.perf_counter()
    summary = ingest((Source(n, d, True) for n, d in sources), store,
                     workers=workers_for(len(sources)))
    wall = time.perf_counter() - t0
    store.close()
    print(f"files {len(sources)}, posts {summary.added}, skipped {len(summary.skipped)}")
    return {"posts": summary.added, "s": wall, "tx_s": in_tx[0]}


def _write_half(url: str, half: list[tuple[str, bytes]]) -> None:
    store = open_store(url)  # after the fork: a connection of its own
    ingest((Source(n, d, True) for n, d in half), store)
    store.close()


def two_writers(url: str, sources: list[tuple[str, bytes]]) -> float:
    """Two writer processes at once (two nodes), each half the files, parse + store; wall s."""
    open_store(url).close()  # the schema first
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_half, args=(url, sources[k::2])) for k in (0, 1)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0, f"a writer failed ({p.exitcode})"
    return time.perf_counter() - t0


def sqlite_writer(sources: list[tuple[str, bytes]], work: Path) -> float:
    store = open_store(work / "sqlite" / "kb.sqlite3")
    t0 = time.perf_counter()
    ingest((Source(n, d, True) for n, d in sources), store, workers=workers_for(len(sources)))
    store.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=7)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--db", help="A PostgreSQL URL to create the bench databases beside.")
    ap.add_argument("--seconds", type=float, default=30.0, help="/api/ask load per worker count")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--skip-two-writers", action="store_true")
    ap.add_argument("--sqlite", action="store_true", help="Also time the ingest into SQLite.")
    ap.add_argument("--limit", type=int, help="Files per copy (a quick try of the script).")
    args = ap.parse_args()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.2f} at the start, {os.cpu_count()} cores")
    sources = replicas(args.data, args.copies, args.limit)
    rows: list[tuple[str, str]] = []
    with server(args.db) as new_db, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = new_db("kb_bench")
        w = one_writer(url, sources)
        posts = w["posts"]
        rows.append(("ingest, one writer (parse workers + store, as `kb ingest`)",
                     f"{posts / w['s']:,.0f} posts/s ({w['s']:.0f} s; "
                     f"{100 * w['tx_s'] / w['s']:.0f}% of it storing files)"))
        print(rows[-1])
        if not args.skip_two_writers:
            two = new_db("kb_bench_two")
            s = two_writers(two, sources)
            held = open_store(two).stats()["posts"]
            rows.append(("ingest, two writer processes at once (each parses its own files)",
                         f"{posts / s:,.0f} posts/s ({s:.0f} s; {held:,} posts stored)"))
            print(rows[-1])
        if args.sqlite:
            s = sqlite_writer(sources, work)
            rows.append(("for comparison: the one-writer ingest into SQLite",
                         f"{posts / s:,.0f} posts/s"
                         f" ({s:.0f} s)"))
            print(rows[-1])
        from kb.migrate import migrate

        copy_to = open_store(new_db("kb_bench_copy"))
        t0 = time.perf_counter()
        tables = migrate(open_store(url), copy_to)
        s = time.perf_counter() - t0
        rows.append(("`kb migrate` (COPY, checked)", f"{tables['posts'].rows / s:,.0f} posts/s "
                     f"({s:.0f} s)"))
        print(rows[-1])

        reader = work / "reader"
        kb = KB(reader, store=open_store(url))
        t0 = time.perf_counter()
        kb.sync()
        s = time.perf_counter() - t0
        rows.append(("reader node: term counts built from the database", f"{posts / s:,.0f} posts/s"
                     f" ({s:.0f} s)"))
        qs = questions(kb, 190)
        for q in qs[:5]:
            ask(kb, q)
        ms = sorted(timed(lambda q: ask(kb, q), qs))
        report("ask", ms)
        print(rows[-1])
        rows.append((f"`ask` on the reader node, warm, {len(qs)} questions",
                     f"p50 {ms[len(ms) // 2]:.1f} ms, p99 {ms[int(0.99 * (len(ms) - 1))]:.1f} ms"))
        extra = [(renamed(n, args.copies), d + b"\n" * args.copies)
                 for n, d in load(args.data)[:50]]
        ingest((Source(n, d, True) for n, d in extra), open_store(url))
        t0 = time.perf_counter()
        followed = kb.ensure_fresh()
        rows.append(("reader follows a 50-file ingest (its next request)",
                     f"{(time.perf_counter() - t0) * 1000:.0f} ms for {followed} posts"))
        kb.close()
        for workers in (1, 2, 4):
            r = web_load.measure(reader, qs, args.clients, args.seconds, 3.0, 4, workers, db=url)
            rows.append((f"`/api/ask`, `kb serve --workers {workers}`, {args.clients} clients",
                         f"{r['req_s']:.1f} req/s, p50 {r['p50_ms']:.0f} ms, p99 "
                         f"{r['p99_ms']:.0f} ms, server on {r['server_cores']:.2f} cores"))
            print(rows[-1])
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end; {posts:,} posts\n")
    print("| what | figure |\n|---|---|")
    for what, figure in rows:
        print(f"| {what} | {figure} |")


if __name__ == "__main__":
    main()
