"""Load on the web app: `kb serve` (waitress) on loopback, /api/ask from N client threads.

    .venv/bin/python bench/web_load.py --data-dir /tmp/kb147 --clients 4 --duration 30

The server runs in its own process, as in production, so the clients' Python does not share its
GIL. Questions: a few fixed everyday ones plus thread titles drawn (seeded) from the store.
Prints requests/s and latency percentiles as the clients saw them (keep-alive connections).
"""

from __future__ import annotations

import argparse
import http.client
import json
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
    from kb.store import Store

    store = Store(data_dir / STORE_FILE)
    titles = [t.title[:500] for t in store.threads()]
    store.close()
    rng = random.Random(seed)
    return FIXED + rng.sample(titles, min(n, len(titles)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int, threads: int, timeout: float = 300) -> subprocess.Popen:
    """`kb serve` in a child process; returns once /healthz answers."""
    kb = Path(sys.executable).with_name("kb")
    proc = subprocess.Popen([str(kb), "--data-dir", str(data_dir), "serve", "--port", str(port),
                             "--threads", str(threads)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"kb serve exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            body = json.loads(conn.getresponse().read())
            print(f"server up: {body['posts']:,} posts, {threads} waitress threads", flush=True)
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


def pct(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(round(p * (len(sorted_ms) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    ap.add_argument("--threads", type=int, default=4, help="waitress worker threads")
    ap.add_argument("--titles", type=int, default=200, help="thread titles to sample as questions")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    args = ap.parse_args()

    qs = questions(args.data_dir, args.titles)
    port = free_port()
    proc = start_server(args.data_dir, port, args.threads)
    try:
        run(port, qs, args.clients, args.warmup)
        ms, errors, wall = run(port, qs, args.clients, args.duration)
    finally:
        proc.terminate()
        proc.wait(10)
    ms.sort()
    print(f"{len(ms):,} requests in {wall:.1f} s from {args.clients} clients, "
          f"{len(qs)} distinct questions, {len(errors)} errors")
    print(f"throughput {len(ms) / wall:7.1f} req/s")
    if ms:
        print(f"latency    p50 {statistics.median(ms):6.1f} ms   p90 {pct(ms, 0.90):6.1f} ms   "
              f"p99 {pct(ms, 0.99):6.1f} ms   max {ms[-1]:6.1f} ms")
    for e in errors[:5]:
        print("  error:", e)


if __name__ == "__main__":
    main()
