"""Term counts over the same posts as the Whoosh index: the ranker on the hot path, and the
sentence scorer.

Keeps raw term counts per post (body and thread title, CSC sparse matrices, built with
scikit-learn's CountVectorizer) and scores only the columns of the query's terms: measured
~1.5 ms at 112k posts against ~14 ms for a naive `X @ q.T` and 130-190 ms for Whoosh's own
scorer at 147k (DECISIONS.md, bench/query.py). From the counts come two rankings:

- `bm25`: BM25F over title and body with Whoosh's formula, idf and title boost, so it ranks as
  the Whoosh index does (tests/test_tfidf.py checks the two agree); the product adds each
  thread's BM25 taken whole (`blended`);
- `tfidf`: sublinear tf-idf; scores answer sentences, and is a ranker of its own for the
  evaluation harness (fused with BM25F it lost there, so the product does not fuse).

idf comes from column counts at query time, so new posts append rows (and new words append
columns) without a refit; replaced posts are masked dead and compacted away on a rebuild.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from kb.index import TITLE_BOOST

K1, B = 1.2, 0.75
COMPACT_SHARE = 0.25  # rebuild when this share of rows is dead
COORD_MAX_TERMS = 4
THREAD_WEIGHT = 0.6  # a post's thread, taken whole, against the post itself (tuned on dev)


class Tfidf:
    """Counts and scorers keyed by store post id."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.vocab: dict[str, int] = {}
        self.body: Any = None  # CSC counts, rows = posts
        self.title: Any = None
        self.body_len = np.zeros(0, dtype=np.float32)
        self.title_len = np.zeros(0, dtype=np.float32)
        self.norm = np.zeros(0, dtype=np.float32)  # l2 norm of each row's tf-idf vector at build
        self.ids = np.zeros(0, dtype=np.int64)
        self.live = np.zeros(0, dtype=bool)
        self.thread_of = np.zeros(0, dtype=np.int32)  # row -> index into self.threads
        self.threads: dict[str, int] = {}
        self.seq = -1
        self._row_of: dict[int, int] | None = None
        self._stats: tuple[np.ndarray, np.ndarray, np.ndarray, float, float] | None = None
        self._threads_cache: tuple[np.ndarray, float, int] | None = None

    # -- persistence --------------------------------------------------------------------------

    def load(self) -> bool:
        """Read the saved counts; False when there are none (or they are damaged)."""
        try:
            with open(self.path, "rb") as fh:
                state = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return False
        if not isinstance(state, dict) or "body" not in state:
            return False
        self.__dict__.update(state)
        self._row_of, self._stats, self._threads_cache = None, None, None
        return True

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_") and k != "path"}
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.path)

    # -- building -------------------------------------------------------------------------------

    def _thread_rows(self, tids: list[str]) -> np.ndarray:
        return np.asarray([self.threads.setdefault(t, len(self.threads)) for t in tids],
                          dtype=np.int32)

    def fit(self, ids: list[int], texts: list[tuple[str, str]], tids: list[str]) -> None:
        """Build from analysed (title, body) pairs (space-separated terms, see kb/text.py)."""
        from sklearn.feature_extraction.text import CountVectorizer

        vec = CountVectorizer(analyzer=str.split, dtype=np.float32)
        vec.fit(t for pair in texts for t in pair)
        self.vocab = {t: int(i) for t, i in vec.vocabulary_.items()}
        self.title = vec.transform([t for t, _ in texts]).tocsc()
        self.body = vec.transform([b for _, b in texts]).tocsc()
        self.ids = np.asarray(ids, dtype=np.int64)
        self.live = np.ones(len(ids), dtype=bool)
        self.threads = {}
        self.thread_of = self._thread_rows(tids)
        self._after_change()
        self.norm = self._norms(np.arange(len(ids)))

    def needs_rebuild(self) -> bool:
        dead = int((~self.live).sum())
        return self.body is None or dead > COMPACT_SHARE * max(len(self.ids), 1)

    def update(self, ids: list[int], texts: list[tuple[str, str]], tids: list[str],
               removed: list[int]) -> None:
        """Append changed posts (new words get new columns); mask their old rows."""
        from scipy import sparse

        self.kill(list(removed) + list(ids))
        if not ids:
            self._after_change()
            return
        for title, body in texts:
            for term in f"{title} {body}".split():
                if term not in self.vocab:
                    self.vocab[term] = len(self.vocab)
        width = len(self.vocab)
        title_rows = self._counts([t for t, _ in texts], width)
        body_rows = self._counts([b for _, b in texts], width)
        self.title = sparse.vstack([_widen(self.title, width), title_rows]).tocsc()
        self.body = sparse.vstack([_widen(self.body, width), body_rows]).tocsc()
        start = len(self.ids)
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.live = np.concatenate([self.live, np.ones(len(ids), dtype=bool)])
        self.thread_of = np.concatenate([self.thread_of, self._thread_rows(tids)])
        self._after_change()
        self.norm = np.concatenate([self.norm, self._norms(np.arange(start, len(self.ids)))])

    def kill(self, ids: list[int]) -> None:
        row_of = self.row_of()
        for pid in ids:
            row = row_of.get(int(pid))
            if row is not None:
                self.live[row] = False

    def _counts(self, docs: list[str], width: int) -> Any:
        from scipy import sparse

        indptr: list[int] = [0]
        indices: list[int] = []
        data: list[int] = []
        for doc in docs:
            counts: dict[int, int] = {}
            for term in doc.split():
                col = self.vocab[term]
                counts[col] = counts.get(col, 0) + 1
            indices.extend(counts)
            data.extend(counts.values())
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(data, dtype=np.float32), indices, indptr),
                                 shape=(len(docs), width))

    def _after_change(self) -> None:
        self._row_of, self._stats, self._threads_cache = None, None, None
        self.body_len = np.asarray(self.body.sum(axis=1)).ravel().astype(np.float32)
        self.title_len = np.asarray(self.title.sum(axis=1)).ravel().astype(np.float32)

    def _norms(self, rows: np.ndarray) -> np.ndarray:
        """l2 norms of the rows' tf-idf vectors (title and body words together)."""
        both = (self.title[rows] + self.body[rows]).tocsr()
        idf = self.stats()[2]
        both.data = (1.0 + np.log(both.data)) * idf[both.indices]
        return np.sqrt(np.asarray(both.multiply(both).sum(axis=1)).ravel()).astype(np.float32) + 1e-9

    def row_of(self) -> dict[int, int]:
        if self._row_of is None:
            self._row_of = {int(pid): i for i, pid in enumerate(self.ids)}
        return self._row_of

    def stats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        """Per term: body idf, title idf (Whoosh's formula), tf-idf idf; average field lengths."""
        if self._stats is None:
            n = max(int(self.live.sum()), 1)
            df_body = np.diff(self.body.indptr).astype(np.float32)
            df_title = np.diff(self.title.indptr).astype(np.float32)
            idf_body = np.log(n / (df_body + 1.0)) + 1.0
            idf_title = np.log(n / (df_title + 1.0)) + 1.0
            df_any = np.maximum(df_body, df_title)
            idf = np.log((1.0 + n) / (1.0 + df_any)) + 1.0  # scikit-learn's smooth idf
            live = self.live
            avg_body = float(self.body_len[live].mean()) if live.any() else 1.0
            avg_title = float(self.title_len[live].mean()) if live.any() else 1.0
            self._stats = (idf_body, idf_title, idf.astype(np.float32), avg_body or 1.0,
                           avg_title or 1.0)
        return self._stats

    # -- scoring --------------------------------------------------------------------------------

    def scores(self, terms: list[str], mode: str = "bm25",
               term_weights: dict[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(score per row, distinct query terms per row) for every row; dead rows score 0."""
        rows = len(self.ids)
        scores = np.zeros(rows, dtype=np.float32)
        hits = np.zeros(rows, dtype=np.int16)
        if self.body is None or not terms:
            return scores, hits
        idf_body, idf_title, idf, avg_body, avg_title = self.stats()
        weights = term_weights or {}
        for term, qtf in _counted(terms).items():
            col = self.vocab.get(term)
            if col is None:
                continue
            w = qtf * weights.get(term, 1.0)
            postings = []
            for matrix, lengths, avg, field_idf, boost in (
                    (self.body, self.body_len, avg_body, idf_body, 1.0),
                    (self.title, self.title_len, avg_title, idf_title, TITLE_BOOST)):
                lo, hi = matrix.indptr[col], matrix.indptr[col + 1]
                r, tf = matrix.indices[lo:hi], matrix.data[lo:hi]
                postings.append((r, tf))
                if mode == "bm25":
                    tf = tf * boost
                    norm = K1 * ((1 - B) + B * lengths[r] / avg)
                    scores[r] += w * field_idf[col] * tf * (K1 + 1) / (tf + norm)
            # Rows holding the term in body or title, without a pass over every row.
            (rb, tb), (rt, tt) = postings
            title_only = ~np.isin(rt, rb)
            hits[rb] += 1
            hits[rt[title_only]] += 1
            if mode == "tfidf":
                r = np.concatenate([rb, rt[title_only]])
                tf_sum = np.concatenate([tb, tt[title_only]])
                if len(rt) and len(rb):
                    both = np.isin(rb, rt)
                    extra = np.zeros(len(self.ids), dtype=np.float32)
                    extra[rt] = tt
                    tf_sum[: len(rb)][both] += extra[rb[both]]
                scores[r] += w * idf[col] * idf[col] * (1.0 + np.log(tf_sum)) / self.norm[r]
        scores[~self.live] = 0.0
        return scores, hits

    def blended(self, terms: list[str], term_weights: dict[str, float] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """The product's score per row: the post's BM25F plus its whole thread's BM25.

        A reply is read in its thread: posts of a thread that as a whole is about the question
        rise (SemEval dev, thread nDCG@10 0.554 -> 0.576, comments 0.289 -> 0.311; StackFAQ
        0.875 -> 0.890; bench/eval_retrieval.py). Short queries also scale a post by how many
        of their words it holds (Discourse-like: one word repeated must not outrank all the
        words once); long questions carry words no answer repeats, so that fades out past four.
        """
        scores, hits = self.scores(terms, "bm25", term_weights)
        n = len(set(terms))
        if 1 < n <= COORD_MAX_TERMS:
            scores = scores * (0.5 + 0.5 * hits / n)
        whole = self.thread_scores(terms, term_weights)
        if whole.any():
            matched = scores > 0
            scores = scores / (float(scores.max()) or 1.0)
            scores += THREAD_WEIGHT * (whole / float(whole.max()))[self.thread_of] * matched
        scores[~self.live] = 0.0
        return scores, hits

    def thread_scores(self, terms: list[str], term_weights: dict[str, float] | None = None
                      ) -> np.ndarray:
        """BM25 of each thread taken whole (its posts' bodies as one document)."""
        lengths, avg, n = self._thread_stats()
        out = np.zeros(len(lengths), dtype=np.float32)
        if self.body is None:
            return out
        weights = term_weights or {}
        norm = K1 * ((1 - B) + B * lengths / avg)
        for term, qtf in _counted(terms).items():
            col = self.vocab.get(term)
            if col is None:
                continue
            lo, hi = self.body.indptr[col], self.body.indptr[col + 1]
            rows = self.body.indices[lo:hi]
            keep = self.live[rows]
            tf = np.bincount(self.thread_of[rows[keep]], weights=self.body.data[lo:hi][keep],
                             minlength=len(lengths)).astype(np.float32)
            df = int(np.count_nonzero(tf))
            idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            out += qtf * weights.get(term, 1.0) * idf * tf * (K1 + 1) / (tf + norm)
        return out

    def _thread_stats(self) -> tuple[np.ndarray, float, int]:
        """Thread lengths (live posts' words), their mean, and how many threads have words."""
        if self._threads_cache is None:
            lengths = np.bincount(self.thread_of[self.live], weights=self.body_len[self.live],
                                  minlength=len(self.threads)).astype(np.float32)
            full = lengths > 0
            avg = float(lengths[full].mean()) if full.any() else 1.0
            self._threads_cache = (lengths, avg, max(int(full.sum()), 1))
        return self._threads_cache

    def top(self, terms: list[str], k: int = 100, mode: str = "bm25",
            term_weights: dict[str, float] | None = None) -> list[tuple[int, float, int]]:
        """(post id, score, distinct query terms held) of the k best live posts; ties by id."""
        if mode == "kb":
            scores, hits = self.blended(terms, term_weights)
        else:
            scores, hits = self.scores(terms, mode, term_weights)
        nz = np.flatnonzero(scores)
        if len(nz) > k:
            nz = nz[np.argpartition(-scores[nz], k)[:k]]
        order = nz[np.lexsort((self.ids[nz], -scores[nz]))]
        return [(int(self.ids[r]), float(scores[r]), int(hits[r])) for r in order]

    def holders(self, terms: list[str], ids: list[int]) -> dict[str, set[int]]:
        """Which of the posts `ids` hold each term, in body or thread title (from the counts,
        without analysing any text again)."""
        row_of = self.row_of()
        rows = np.asarray([row_of.get(int(i), -1) for i in ids])
        out: dict[str, set[int]] = {}
        for term in dict.fromkeys(terms):
            col = self.vocab.get(term)
            hit = np.zeros(len(ids), dtype=bool)
            if col is not None and self.body is not None:
                for m in (self.body, self.title):
                    hit |= np.isin(rows, m.indices[m.indptr[col]: m.indptr[col + 1]])
            out[term] = {int(i) for i, h in zip(ids, hit) if h}
        return out

    def df(self, term: str) -> int:
        """Posts whose body or title holds `term` (0 when unknown): for spelling correction."""
        col = self.vocab.get(term)
        if col is None or self.body is None:
            return 0
        return int(max(self.body.indptr[col + 1] - self.body.indptr[col],
                       self.title.indptr[col + 1] - self.title.indptr[col]))

    def idf(self, term: str) -> float | None:
        """The tf-idf idf of `term`, None when no post uses it."""
        col = self.vocab.get(term)
        return None if col is None or self.body is None else float(self.stats()[2][col])

    def max_idf(self) -> float:
        return float(np.log(1.0 + max(int(self.live.sum()), 1)) + 1.0)

    def vectorize(self, docs: list[str], query: bool = False) -> Any:
        """l2-normed sublinear tf-idf rows for analysed texts (sentences, questions)."""
        from scipy import sparse

        idf = self.stats()[2] if self.body is not None else np.zeros(0, dtype=np.float32)
        indptr, indices, data = [0], [], []
        for doc in docs:
            counts = _counted([t for t in doc.split() if t in self.vocab])
            cols = np.fromiter((self.vocab[t] for t in counts), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            w = (1.0 + np.log(tf)) * idf[cols] if len(cols) else tf
            norm = float(np.sqrt((w * w).sum())) or 1.0
            indices.extend(cols.tolist())
            data.extend((w / norm).tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(data, dtype=np.float32), indices, indptr),
                                 shape=(len(docs), len(self.vocab)))


def _counted(terms: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in terms:
        out[t] = out.get(t, 0) + 1
    return out


def _widen(matrix: Any, width: int) -> Any:
    """The same counts with room for new words' columns."""
    from scipy import sparse

    csr = sparse.csr_matrix(matrix)
    csr.resize((csr.shape[0], width))
    return csr
