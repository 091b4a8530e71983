"""Rankings kb does not ship, kept to compare against: Whoosh's own scorer (`whoosh`), BM25F
from the counts alone (`bm25`), sublinear tf-idf alone (`tfidf`) and the reciprocal rank fusion
of those two (`fused`: it lost to BM25F alone on SemEval dev, so the product does not fuse).
`kb` is the product's ranking, `kb.search.rank`.

Queries go through the product's spelling expansion and are matched as the product matches
them (kb/matching.py), then ordered by the mode's scores. `whoosh` builds a Whoosh index of the
store beside the counts the first time it is asked for (kb ingest no longer writes one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse

from kb.bm25 import Weights, bm25f_scores, top
from kb.config import INDEX_DIR
from kb.counts import TermCounts, counted
from kb.index import Index, follow, lexical_query
from kb.knowledge import KB
from kb.matching import admitted
from kb.query import Query
from kb.search import expand_spelling, rank

MODES = ("whoosh", "bm25", "tfidf", "fused", "kb")
RRF_K = 60
Ranked = list[tuple[int, float]]  # (store post id, score), best first


def rank_by(kb: KB, q: Query, k: int, mode: str) -> Ranked:
    """The `k` best posts for `q` as ranker `mode` orders them."""
    if mode == "kb" or not q.terms:  # filters alone: no scores to order by, the product's order
        return rank(kb, q, k).posts
    terms, weights, *_ = expand_spelling(kb, q.terms)
    if mode == "whoosh":
        return whoosh_index(kb).search(lexical_query(q, terms), limit=k)
    counts = kb.counts
    allowed = None
    if q.has_filters:
        allowed = set(counts.ids[admitted(counts, q, terms)].tolist())
    depth = k if allowed is None else len(counts.ids)
    rankings = []
    for name in (("bm25", "tfidf") if mode == "fused" else (mode,)):
        scores, hits = SCORERS[name](counts, terms, weights)
        ranked = top(counts, scores, hits, depth)
        rankings.append([(p, s) for p, s, _ in ranked if allowed is None or p in allowed][:k])
    if mode != "fused":
        return rankings[0]
    fused: dict[int, float] = {}
    for ranking in rankings:
        for r, (pid, _) in enumerate(ranking):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + r + 1)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


def whoosh_index(kb: KB) -> Index:
    """A Whoosh index of `kb`'s store, in its data dir, brought up to the store."""
    got = _WHOOSH.get(kb.data_dir)
    if got is None or got.applied_seq() < kb.store.last_seq():
        got = _WHOOSH[kb.data_dir] = follow(kb.data_dir / INDEX_DIR / "bench-whoosh", kb.store)
    return got


_WHOOSH: dict[Path, Index] = {}


def tfidf_scores(counts: TermCounts, terms: list[str], weights: Weights | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(cosine of sublinear tf-idf vectors, distinct query terms held) per row; dead rows 0."""
    rows = len(counts.ids)
    scores = np.zeros(rows, dtype=np.float32)
    hits = np.zeros(rows, dtype=np.int16)
    if not counts.built or not terms:
        return scores, hits
    idf = counts.stats().idf
    norm = _row_norms(counts)
    weights = weights or {}
    for term, qtf in counted(terms).items():
        col = counts.vocab.get(term)
        if col is None:
            continue
        w = qtf * weights.get(term, 1.0)
        rb, tb = counts.postings(counts.body, col)
        rt, tt = counts.postings(counts.title, col)
        title_only = ~np.isin(rt, rb)
        hits[rb] += 1
        hits[rt[title_only]] += 1
        r = np.concatenate([rb, rt[title_only]])
        tf_sum = np.concatenate([tb, tt[title_only]])
        if len(rt) and len(rb):
            both = np.isin(rb, rt)
            extra = np.zeros(rows, dtype=np.float32)
            extra[rt] = tt
            tf_sum[: len(rb)][both] += extra[rb[both]]
        scores[r] += w * idf[col] * idf[col] * (1.0 + np.log(tf_sum)) / norm[r]
    scores[~counts.live] = 0.0
    return scores, hits


def _row_norms(counts: TermCounts) -> np.ndarray:
    """l2 norms of each row's tf-idf vector (title and body words together)."""
    def compute() -> np.ndarray:
        both = sparse.csr_matrix(counts.title.csc() + counts.body.csc())
        both.data = (1.0 + np.log(both.data)) * counts.stats().idf[both.indices]
        return np.sqrt(np.asarray(both.multiply(both).sum(axis=1)).ravel()).astype(np.float32) + 1e-9

    return counts.memo("tfidf_row_norms", compute)  # type: ignore[return-value]


Scorer = Callable[[TermCounts, list[str], Weights | None], tuple[np.ndarray, np.ndarray]]
SCORERS: dict[str, Scorer] = {"bm25": bm25f_scores, "tfidf": tfidf_scores}
