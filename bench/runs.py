"""kb as the product runs it, driven for the evaluation: a fresh data dir, ranked posts, cites.

Everything goes through kb's public functions (ingest, KB.sync, parse_query, rank, ask); the
questions only lose accidental search syntax first (bench.convert.plain_words).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.convert import Collection, plain_words, post_key

Rankings = dict[str, list[str]]  # qid -> post keys, best first
DEPTH = 1000  # posts per query: deep enough for 100 distinct threads (the product asks for 200)


class Clock:
    """Seconds per named step, for the report."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 2)


def build_kb(coll: Collection, data_dir: Path) -> Any:
    """A fresh KB holding the collection's posts, counted (rankings break ties by post id, so
    runs repeat exactly)."""
    from kb.ingest import from_bytes, ingest
    from kb.knowledge import KB

    kb = KB(data_dir)
    summary = ingest(from_bytes(f"{coll.name}.jsonl", coll.jsonl()), kb.store, format="kb-jsonl")
    if summary.skipped:
        raise SystemExit(f"ingest of {coll.name} failed: {summary.skipped}")
    kb.sync()
    stored = set(post_keys(kb).values())
    expected = {post_key(p["thread_id"], p["post_number"]) for p in coll.posts}
    if stored != expected or int(kb.counts.live.sum()) != len(expected):
        raise SystemExit(f"{coll.name}: the store or the term counts do not hold the converted posts")
    return kb


def post_keys(kb: Any) -> dict[int, str]:
    """Store post id -> "THREAD#N"."""
    rows, _, _ = kb.store.changes(-1)
    return {int(r.id): post_key(r.thread_id, int(r.post_number)) for r in rows}


def kb_rankings(kb: Any, keys: dict[int, str], queries: dict[str, str], mode: str) -> Rankings:
    """Each query's posts as ranker `mode` (bench/rankers.py) orders them."""
    from bench.rankers import rank_by
    from kb.query import parse_query

    out: Rankings = {}
    for qid in sorted(queries):
        ranked = rank_by(kb, parse_query(plain_words(queries[qid])), DEPTH, mode)
        out[qid] = [keys[pid] for pid, _ in ranked if pid in keys]
    return out


def ask_cites(kb: Any, queries: dict[str, str]) -> Rankings:
    """The posts `kb ask` cites for each question, in citation order (none: it declined)."""
    from kb.answer import ask

    return {qid: [post_key(s["thread_id"], int(s["post_number"]))
                  for s in ask(kb, plain_words(queries[qid])).sources] for qid in sorted(queries)}


def thread_docs(coll: Collection) -> dict[str, str]:
    """One document per thread for the BM25 anchor: title, opening post and every reply."""
    return {tid: " ".join([posts[0]["thread_title"]] + [p["body"] for p in posts])
            for tid, posts in coll.threads().items()}


def reply_docs(coll: Collection) -> dict[str, str]:
    """One document per reply (post 2..) for the BM25 comment anchor."""
    return {post_key(p["thread_id"], p["post_number"]): p["body"]
            for p in coll.posts if p["post_number"] > 1}


def stats(kb: Any, coll: Collection) -> dict[str, int]:
    """What was ingested and how many queries ran."""
    s = kb.store.stats()
    return {"threads": int(s["threads"]), "posts": int(s["posts"]),
            "queries": len(next(iter(coll.queries.values())))}
