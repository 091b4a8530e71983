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
ONE_WRITER = 5000  # kb/index.py: a fresh build above this many posts uses two writer processes


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
    """A fresh KB holding the collection's posts, indexed.

    Above 5,000 posts kb builds a fresh Whoosh index with two writer processes, whose segment
    split varies run to run and with it the order of equal BM25 scores (measured: the rankings
    of all 50 SemEval questions differed between two builds). Ingesting in halves with a sync
    between keeps each write under that threshold so runs repeat exactly; the second half is
    big enough to force a TF-IDF refit over all posts, as a single ingest would.
    """
    from kb.engine import KB
    from kb.ingest import from_bytes, ingest

    kb = KB(data_dir)
    for i, part in enumerate(_halves(coll)):
        summary = ingest(from_bytes(f"{coll.name}-{i}.jsonl", part), kb.store, format="kb-jsonl")
        if summary.skipped:
            raise SystemExit(f"ingest of {coll.name} failed: {summary.skipped}")
        kb.sync()
    stored = set(post_keys(kb).values())
    expected = {post_key(p["thread_id"], p["post_number"]) for p in coll.posts}
    if stored != expected or kb.tfidf.fitted_rows != len(expected):
        raise SystemExit(f"{coll.name}: the store or TF-IDF does not hold the converted posts")
    return kb


def _halves(coll: Collection) -> list[bytes]:
    if len(coll.posts) <= ONE_WRITER:
        return [coll.jsonl()]
    if len(coll.posts) > 2 * ONE_WRITER:
        raise SystemExit(f"{coll.name}: {len(coll.posts)} posts; ingest it in more parts")
    threads = list(coll.threads().values())
    cut = len(threads) // 2
    return [Collection(coll.name, [p for t in part for p in t]).jsonl()
            for part in (threads[:cut], threads[cut:])]


def post_keys(kb: Any) -> dict[int, str]:
    """Store post id -> "THREAD#N"."""
    rows, _, _ = kb.store.changes(-1)
    return {int(r["id"]): post_key(r["thread_id"], int(r["post_number"])) for r in rows}


def kb_rankings(kb: Any, keys: dict[int, str], queries: dict[str, str], mode: str) -> Rankings:
    """Each query's posts as kb's `mode` ranker ("whoosh", "tfidf", "fused") orders them."""
    from kb.query import parse_query
    from kb.search import rank

    out: Rankings = {}
    for qid in sorted(queries):
        ranked, _ = rank(kb, parse_query(plain_words(queries[qid])), k=DEPTH, mode=mode)
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
