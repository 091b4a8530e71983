"""Query speed: `ask` and `search` in-process (p50/p99), each ranker alone, and cold starts.

    .venv/bin/python bench/ingest.py --copies 2 --keep /tmp/kb147   # build >=100k posts once
    .venv/bin/python bench/query.py --data-dir /tmp/kb147

Questions: a fixed list of everyday ones plus thread titles drawn (seeded) from the store, each
asked as a question would be.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.rankers import rank_by  # noqa: E402
from kb.answer import ask  # noqa: E402
from kb.knowledge import KB  # noqa: E402
from kb.query import parse_query  # noqa: E402
from kb.search import search  # noqa: E402

EVERYDAY = [
    "what battery should I use for my first build?", "how do I program the vesc?",
    "why does my motor stutter at startup?", "which wheels are best for rough roads?",
    "how to render shadows on mobile?", "lua or angelscript for scripting?",
    "how fast can a 6s board go?", "do I need a bms?", "how to load a scene from xml?",
    "belt drive or hub motor?",
]


def questions(kb: KB, n: int) -> list[str]:
    threads = kb.store.threads()
    rng = random.Random(7)
    return EVERYDAY + [t.title for t in rng.sample(threads, min(n, len(threads)))]


def filters_alone(kb: KB) -> list[str]:
    """Queries with no words (newest first, every match counted): dates, the busiest member
    and thread, negated or not."""
    counts = kb.counts
    names = sorted(counts.authors, key=counts.authors.__getitem__)
    busiest = names[int(np.bincount(counts.author_of[counts.live]).argmax())] or "nobody"
    thread = sorted(counts.threads, key=counts.threads.__getitem__)[
        int(np.bincount(counts.thread_of[counts.live]).argmax())]
    return ["after:1900", "before:2019-01-01", f'author:"{busiest}"', f"thread:{thread}",
            f'after:2018 -author:"{busiest}"', f"-thread:{thread}"]


def timed(fn, items) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    print(f"{label:<22} p50 {statistics.median(ms):7.1f} ms   p99 {p99:7.1f} ms   (n={len(ms)})")


def cold(args: list[str], env_dir: Path, runs: int = 5) -> float:
    best = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "kb"), "--data-dir", str(env_dir), *args],
                       check=True, capture_output=True)
        best.append(time.perf_counter() - t0)
    return statistics.median(best) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("-n", type=int, default=190, help="thread titles to ask besides the fixed ten")
    args = ap.parse_args()
    kb = KB(args.data_dir)
    kb.ensure_fresh()
    qs = questions(kb, args.n)
    print(f"{kb.store.stats()['posts']} posts, {len(qs)} questions")
    for q in qs[:5]:  # warm caches (index files, TF-IDF arrays)
        ask(kb, q)
    report("ask", timed(lambda q: ask(kb, q), qs))
    report("search", timed(lambda q: search(kb, q), qs))
    alone = filters_alone(kb) * 10
    report("search filters alone", timed(lambda q: search(kb, q), alone))
    report("  ... --posts", timed(lambda q: search(kb, q, per_thread=False), alone))
    parsed = [parse_query(q) for q in qs]
    for mode in ("kb", "bm25", "tfidf", "fused", "whoosh"):
        report(f"rank {mode}", timed(lambda q, m=mode: rank_by(kb, q, 200, m), parsed))
    print(f"cold `kb --help`        {cold(['--help'], args.data_dir):7.0f} ms")
    print(f"cold `kb ask`           {cold(['ask', EVERYDAY[0]], args.data_dir):7.0f} ms")


if __name__ == "__main__":
    main()
