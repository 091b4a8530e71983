"""Load on the web app: `kb serve` (waitress, or gunicorn with --workers) on loopback, /api/ask
from N client threads.

    .venv/bin/python bench/web_load.py --data-dir /tmp/kb147 --clients 4 --duration 30
    .venv/bin/python bench/web_load.py --data-dir /tmp/kb147 --workers 1,2,1,2   # alternated

The server runs in its own process, as in production, so the clients' Python does not share its
GIL. Questions: a few fixed everyday ones plus thread titles drawn (seeded) from the store.
Prints requests/s and latency percentiles as the clients saw them (keep-alive connections).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXED = [
    "do 400m runners need leg strength?", "what battery should I use for my first build?",
    "how do I load a scene from xml?", "why does my motor stutter at startup?",
    "how to render shadows on mobile?", "lua or angelscript for scripting?",
]


def questions(data_dir: Path, n: int, seed: int = 7) -> list[str]:
    """The fixed questions plus `n` thread titles sampled from the store."""
    from kb.config import STORE_FILE
    from kb.store.sqlite import SQLiteStore as Store

    store = Store(data_dir / STORE_FILE)
    titles = [t.title[:500] for t in store.threads()]
    store.close()
    rng = random.Random(seed)
    return FIXED + rng.sample(titles, min(n, len(titles)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int, threads: int, workers: int | None = None,
                 timeout: float = 300, db: str | None = None) -> subprocess.Popen:
    """`kb serve` in a child process (gunicorn with `workers`; the store in PostgreSQL with
    `db`); returns once /healthz answers."""
    more = ["--workers", str(workers)] if workers else []
    store = ["--db", db] if db else []
    # `python -m kb` of this checkout (the venv's `kb` script may belong to another one)
    proc = subprocess.Popen([sys.executable, "-m", "kb", "--data-dir", str(data_dir), *store, "serve",
                             "--port", str(port), "--threads", str(threads), *more],
                            stderr=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"kb serve exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            body = json.loads(conn.getresponse().read())
            how = f"{workers} gunicorn workers x {threads} threads" if workers else \
                f"{threads} waitress threads"
            print(f"server up: {body['posts']:,} posts, {how}", file=sys.stderr, flush=True)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("kb serve did not come up in time")


def client(port: int, qs: list[str], start: int, until: float,
           latencies: list[float], errors: list[str]) -> None:
    """Ask questions in turn over one keep-alive connection until the deadline."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = start
    while time.monotonic() < until:
        path = "/api/ask?" + urllib.parse.urlencode({"q": qs[i % len(qs)]})
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            ms = (time.perf_counter() - t0) * 1000
            if resp.status != 200:
                errors.append(f"{resp.status} {path}")
            latencies.append(ms)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


def run(port: int, qs: list[str], clients: int, seconds: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    t0 = time.perf_counter()
    workers = [threading.Thread(target=client, args=(port, qs, k * 37, until, latencies, errors))
               for k in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, errors, time.perf_counter() - t0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children that are still running (Linux
    /proc; 0 elsewhere): how many cores the server actually got, whatever else the machine ran."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def measure(data_dir: Path, qs: list[str], clients: int, seconds: float, warmup: float,
            threads: int, workers: int | None = None, db: str | None = None) -> dict[str, float]:
    """One server up, `warmup` seconds of load, then `seconds` measured; the server stopped."""
    port = free_port()
    proc = start_server(data_dir, port, threads, workers, db=db)
    try:
        run(port, qs, clients, warmup)
        cpu0 = cpu_seconds(proc.pid)
        ms, errors, wall = run(port, qs, clients, seconds)
        cpu = cpu_seconds(proc.pid) - cpu0
    finally:
        proc.terminate()  # SIGTERM: waitress stops; gunicorn's arbiter stops its workers
        proc.wait(30)
    ms.sort()
    for e in errors[:5]:
        print("  error:", e)
    return {"requests": len(ms), "errors": len(errors), "seconds": wall,
            "req_s": len(ms) / wall, "server_cores": cpu / wall,
            "cpu_ms_per_request": 1000 * cpu / max(1, len(ms)),
            "p50_ms": statistics.median(ms) if ms else 0.0,
            "p90_ms": pct(ms, 0.90) if ms else 0.0, "p99_ms": pct(ms, 0.99) if ms else 0.0,
            "max_ms": ms[-1] if ms else 0.0}


def pct(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(round(p * (len(sorted_ms) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    ap.add_argument("--threads", type=int, default=4, help="threads per server process")
    ap.add_argument("--workers", default="",
                    help="gunicorn worker counts, comma-separated, one run each in turn "
                         "(e.g. 1,2,1,2); without it, one run on waitress")
    ap.add_argument("--titles", type=int, default=200, help="thread titles to sample as questions")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    args = ap.parse_args()

    qs = questions(args.data_dir, args.titles)
    runs: list[int | None] = [int(w) for w in args.workers.split(",") if w] or [None]
    for workers in runs:
        r = measure(args.data_dir, qs, args.clients, args.duration, args.warmup, args.threads,
                    workers)
        print(f"{r['requests']:,} requests in {r['seconds']:.1f} s from {args.clients} clients, "
              f"{len(qs)} distinct questions, {r['errors']} errors")
        print(f"throughput {r['req_s']:7.1f} req/s   server used {r['server_cores']:.2f} cores, "
              f"{r['cpu_ms_per_request']:.1f} CPU-ms per request")
        print(f"latency    p50 {r['p50_ms']:6.1f} ms   p90 {r['p90_ms']:6.1f} ms   "
              f"p99 {r['p99_ms']:6.1f} ms   max {r['max_ms']:6.1f} ms", flush=True)


if __name__ == "__main__":
    main()
