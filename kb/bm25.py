"""kb's ranking, computed from the term counts (kb/counts.py) in the style of bm25s: short,
vectorised functions over the query terms' columns.

- `bm25f_scores`: BM25F over title and body with Whoosh's formula, idf and title boost, so it
  ranks as the Whoosh index does (tests/test_counts.py checks the two agree): queries with filters
  are matched by Whoosh and ordered by these scores.
- `thread_bm25`: BM25 of each thread taken whole (its posts' bodies as one document).
- `post_and_thread_scores`: the product's ranking, the first plus the second.

One BM25 term formula (`length_norm`, `saturated`) serves both; they differ in idf only, each
named for where it comes from.
"""

from __future__ import annotations

import numpy as np

from kb.config import TITLE_BOOST
from kb.counts import TermCounts, counted

K1, B = 1.2, 0.75
COORD_MAX_TERMS = 4
THREAD_WEIGHT = 0.6  # a post's thread, taken whole, against the post itself (tuned on dev)

Weights = dict[str, float]  # query term -> weight (spelling fixes count a little less)


def whoosh_idf(posts: int, df: np.ndarray) -> np.ndarray:
    """Whoosh's BM25F idf, log(N / (df + 1)) + 1: the counts must rank as the index does."""
    return np.log(posts / (df + 1.0)) + 1.0


def lucene_idf(posts: int, df: int) -> np.float64:
    """Lucene's BM25 idf, log(1 + (N - df + 0.5) / (df + 0.5)): never negative, so a word in
    most threads still counts a little (the thread ranking was tuned with it). A float64: the
    thread scores are summed at that precision."""
    return np.float64(np.log(1.0 + (posts - df + 0.5) / (df + 0.5)))


def length_norm(lengths: np.ndarray, avg: float) -> np.ndarray:
    """BM25's document-length term, k1 * (1 - b + b * length / average length)."""
    return K1 * ((1 - B) + B * lengths / avg)


def saturated(weight: float, tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """BM25's term score: `weight` (query weight x idf) times tf saturated by k1 and length."""
    return weight * tf * (K1 + 1) / (tf + norm)


def _field_idf(counts: TermCounts) -> tuple[np.ndarray, np.ndarray]:
    def compute() -> tuple[np.ndarray, np.ndarray]:
        st = counts.stats()
        return whoosh_idf(st.posts, st.df_body), whoosh_idf(st.posts, st.df_title)

    return counts.memo("field_idf", compute)  # type: ignore[return-value]


def _field_norms(counts: TermCounts) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `length_norm` in body and title, once per change of the counts: per query
    term it was three passes over the term's postings (the same values, element by element)."""
    def compute() -> tuple[np.ndarray, np.ndarray]:
        st = counts.stats()
        return (length_norm(counts.body_len, st.avg_body),
                length_norm(counts.title_len, st.avg_title))

    return counts.memo("field_norms", compute)  # type: ignore[return-value]


def bm25f_scores(counts: TermCounts, terms: list[str], weights: Weights | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(BM25F score, distinct query terms held) per row of the counts; dead rows score 0."""
    scores, hits, _ = _bm25f(counts, terms, weights)
    assert hits is not None  # counted unless asked not to
    return scores, hits


def _bm25f(counts: TermCounts, terms: list[str], weights: Weights | None,
           count_hits: bool = True) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """`bm25f_scores` (no hit counts unless `count_hits`: half the passes over a long query's
    postings), and the rows holding any of the terms (unordered, each once), found from the
    terms' postings: np.flatnonzero over every row's score was a fifth of ranking at 515k
    posts (a tenth of them matched: a branch per row, mispredicted)."""
    rows = len(counts.ids)
    scores = np.zeros(rows, dtype=np.float32)
    hits = np.zeros(rows, dtype=np.int16) if count_hits else None
    if not counts.built or not terms:
        return scores, hits, np.zeros(0, dtype=np.int64)
    idf_body, idf_title = _field_idf(counts)
    norm_body, norm_title = _field_norms(counts)
    weights = weights or {}
    # Per row, the number of the last term that held it (0: none yet): rows new to the query
    # and a term's title rows not in its body, each in one pass over the term's postings.
    last = np.zeros(rows, dtype=np.int16)
    touched = []
    for k, (term, qtf) in enumerate(counted(terms).items(), 1):
        col = counts.vocab.get(term)
        if col is None:
            continue
        w = qtf * weights.get(term, 1.0)
        rb, tb = counts.postings(counts.body, col)
        rt, tt = counts.postings(counts.title, col)
        scores[rb] += saturated(w * idf_body[col], tb, norm_body[rb])
        scores[rt] += saturated(w * idf_title[col], tt * TITLE_BOOST, norm_title[rt])
        touched.append(rb[last[rb] == 0])
        last[rb] = k
        before = last[rt]
        touched.append(rt[before == 0])
        rt = rt[before != k]  # in the title only
        last[rt] = k
        if hits is not None:  # touching only the term's postings (np.isin sorted both)
            hits[rb] += 1
            hits[rt] += 1
    scores[_dead(counts)] = 0.0
    return scores, hits, np.concatenate(touched) if touched else np.zeros(0, dtype=np.int64)


def _dead(counts: TermCounts) -> np.ndarray:
    """The rows of replaced or removed posts (few), found once per change of the counts."""
    return counts.memo("dead_rows", lambda: np.flatnonzero(~counts.live))  # type: ignore[return-value]


def thread_bm25(counts: TermCounts, terms: list[str], weights: Weights | None = None
                ) -> np.ndarray:
    """BM25 of each thread taken whole (its live posts' bodies as one document), by thread index."""
    lengths, avg, n = counts.thread_lengths()
    out = np.zeros(len(lengths), dtype=np.float32)
    if not counts.built:
        return out
    weights = weights or {}
    norm: np.ndarray = counts.memo(  # type: ignore[assignment]
        "thread_norm", lambda: length_norm(lengths, avg))
    all_live = len(_dead(counts)) == 0  # the usual case: no posts to leave out
    for term, qtf in counted(terms).items():
        col = counts.vocab.get(term)
        if col is None:
            continue
        rows, tf_rows = counts.postings(counts.body, col)
        if not all_live:
            keep = counts.live[rows]
            rows, tf_rows = rows[keep], tf_rows[keep]
        tf = np.bincount(counts.thread_of[rows], weights=tf_rows,
                         minlength=len(lengths)).astype(np.float32)
        idf = lucene_idf(n, int(np.count_nonzero(tf)))
        out += saturated(qtf * weights.get(term, 1.0) * idf, tf, norm)
    return out


def post_and_thread_scores(counts: TermCounts, terms: list[str], weights: Weights | None = None,
                           hits_wanted: bool = True
                           ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The product's score per row: the post's BM25F plus its whole thread's BM25; the distinct
    query terms each row holds (None when not `hits_wanted` and the score needs none); and the
    rows holding any (unordered).

    A reply is read in its thread: posts of a thread that as a whole is about the question
    rise (SemEval dev, thread nDCG@10 0.554 -> 0.576, comments 0.289 -> 0.311; StackFAQ
    0.875 -> 0.890; bench/eval_retrieval.py). Short queries also scale a post by how many
    of their words it holds (Discourse-like: one word repeated must not outrank all the
    words once); long questions carry words no answer repeats, so that fades out past four.
    """
    n = len(set(terms))
    coordinated = 1 < n <= COORD_MAX_TERMS
    scores, hits, touched = _bm25f(counts, terms, weights, hits_wanted or coordinated)
    # Only rows holding a query word score (dead rows are zeroed already): the rest is done on
    # those alone, element by element as on every row, so the scores are the same to the bit
    # at a fraction of the cost (whole-collection passes were half of `ask` at 515k posts).
    rows = touched[scores[touched] != 0]
    held = scores[rows]
    if coordinated and hits is not None:
        held = held * (0.5 + 0.5 * hits[rows] / n)
    whole = thread_bm25(counts, terms, weights)
    if whole.any() and len(rows):
        held = held / (float(held.max()) or 1.0)
        held += (THREAD_WEIGHT * (whole / float(whole.max())))[counts.thread_of[rows]]
    out = np.zeros(len(scores), dtype=held.dtype)
    out[rows] = held
    return out, hits, touched


def top(counts: TermCounts, scores: np.ndarray, hits: np.ndarray, k: int
        ) -> list[tuple[int, float, int]]:
    """(post id, score, distinct query terms held) of the k best scoring rows; ties by post id."""
    nz = np.flatnonzero(scores)
    if len(nz) > k:
        nz = nz[np.argpartition(-scores[nz], k)[:k]]
    order = nz[np.lexsort((counts.ids[nz], -scores[nz]))]
    return [(int(counts.ids[r]), float(scores[r]), int(hits[r])) for r in order]
