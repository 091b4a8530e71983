"""TF-IDF over the same posts as the index: a fast first-stage ranker and the sentence scorer.

Fitted with scikit-learn; persisted as plain arrays (vocabulary, idf, a CSC matrix, post ids) so
a query needs only NumPy/SciPy. Scoring touches only the columns of the query's terms: measured
~1.5 ms at 112k posts, against ~14 ms for a naive `X @ q.T` (DECISIONS.md).

Kept current without a refit per batch: new and changed posts are transformed with the fitted
vocabulary and appended, replaced rows are masked dead; a full refit happens when appended rows
pass a quarter of the matrix (or on `kb reindex`).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

REFIT_SHARE = 0.25


class Tfidf:
    """Post vectors keyed by store post id."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.matrix: Any = None  # scipy.sparse CSC, rows = posts
        self.ids = np.zeros(0, dtype=np.int64)
        self.live = np.zeros(0, dtype=bool)
        self.fitted_rows = 0
        self.seq = -1
        self._row_of: dict[int, int] | None = None

    # -- persistence --------------------------------------------------------------------------

    def load(self) -> bool:
        """Read the saved model; False when there is none (or it is damaged)."""
        try:
            with open(self.path, "rb") as fh:
                state = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return False
        self.__dict__.update(state)
        self._row_of = None
        return True

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {k: v for k, v in self.__dict__.items() if k not in ("path", "_row_of")}
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.path)

    # -- building -------------------------------------------------------------------------------

    def fit(self, ids: list[int], docs: list[str]) -> None:
        """Fit on analysed texts (space-separated terms, see kb/text.py)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, dtype=np.float32,
                              min_df=1)
        matrix = vec.fit_transform(docs) if docs else None
        self.vocab = {t: int(i) for t, i in vec.vocabulary_.items()} if docs else {}
        self.idf = vec.idf_.astype(np.float32) if docs else np.zeros(0, dtype=np.float32)
        self.matrix = matrix.tocsc() if matrix is not None else None
        self.ids = np.asarray(ids, dtype=np.int64)
        self.live = np.ones(len(ids), dtype=bool)
        self.fitted_rows = len(ids)
        self._row_of = None

    def needs_refit(self, incoming: int) -> bool:
        return self.matrix is None or (len(self.ids) + incoming - self.fitted_rows
                                       > REFIT_SHARE * max(self.fitted_rows, 1))

    def update(self, ids: list[int], docs: list[str], removed: Iterable[int]) -> None:
        """Append changed posts with the fitted vocabulary; mask their old rows."""
        from scipy import sparse

        self.kill(list(removed) + list(ids))
        if not ids:
            return
        rows = sparse.csr_matrix(self.vectorize(docs))
        self.matrix = sparse.vstack([self.matrix, rows]).tocsc()
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.live = np.concatenate([self.live, np.ones(len(ids), dtype=bool)])
        self._row_of = None

    def kill(self, ids: list[int]) -> None:
        row_of = self.row_of()
        for pid in ids:
            row = row_of.get(pid)
            if row is not None:
                self.live[row] = False

    def row_of(self) -> dict[int, int]:
        if self._row_of is None:
            self._row_of = {int(pid): i for i, pid in enumerate(self.ids)}
        return self._row_of

    # -- scoring --------------------------------------------------------------------------------

    def vectorize(self, docs: list[str]) -> Any:
        """Rows for analysed texts, weighted as at fit time (sublinear tf × idf, l2-normed)."""
        from scipy import sparse

        indptr, indices, data = [0], [], []
        for doc in docs:
            counts: dict[int, int] = {}
            for term in doc.split():
                col = self.vocab.get(term)
                if col is not None:
                    counts[col] = counts.get(col, 0) + 1
            cols = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            w = (1.0 + np.log(tf)) * self.idf[cols] if len(cols) else tf
            norm = float(np.sqrt((w * w).sum())) or 1.0
            indices.extend(cols.tolist())
            data.extend((w / norm).tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(data, dtype=np.float32), indices, indptr),
                                 shape=(len(docs), len(self.idf)))

    def query_weights(self, terms: list[str]) -> dict[int, float]:
        """Column -> weight of the query's terms (idf; repeats add)."""
        weights: dict[int, float] = {}
        for t in terms:
            col = self.vocab.get(t)
            if col is not None:
                weights[col] = weights.get(col, 0.0) + float(self.idf[col])
        return weights

    def top(self, terms: list[str], k: int = 100,
            term_weights: dict[str, float] | None = None) -> list[tuple[int, float, int]]:
        """(post id, score, distinct query terms matched) of the k best live posts."""
        weights = self.query_weights(terms)
        if term_weights:
            for t, w in term_weights.items():
                col = self.vocab.get(t)
                if col is not None and col in weights:
                    weights[col] *= w
        if not weights or self.matrix is None:
            return []
        m = self.matrix
        scores = np.zeros(m.shape[0], dtype=np.float32)
        hits = np.zeros(m.shape[0], dtype=np.int16)
        for col, w in weights.items():
            lo, hi = m.indptr[col], m.indptr[col + 1]
            rows = m.indices[lo:hi]
            scores[rows] += m.data[lo:hi] * w
            hits[rows] += 1
        scores[~self.live] = 0.0
        nz = np.flatnonzero(scores)
        if len(nz) > k:
            nz = nz[np.argpartition(-scores[nz], k)[:k]]
        order = nz[np.argsort(-scores[nz], kind="stable")]
        return [(int(self.ids[r]), float(scores[r]), int(hits[r])) for r in order]

    def coverage(self, ids: list[int], terms: list[str],
                 fixes: dict[str, str] | None = None) -> dict[int, float]:
        """Share of the distinct query terms each post holds (a fixed misspelling counts as
        found when its correction is). Posts the matrix does not know are left out."""
        fixes = fixes or {}
        if not terms or self.matrix is None:
            return {}
        row_of = self.row_of()
        rows = np.asarray([row_of.get(i, -1) for i in ids])
        known = rows >= 0
        found = np.zeros(len(ids), dtype=np.float32)
        m = self.matrix
        for term in terms:
            hit = np.zeros(len(ids), dtype=bool)
            for t in (term, fixes.get(term)):
                col = self.vocab.get(t) if t else None
                if col is None:
                    continue
                postings = m.indices[m.indptr[col]: m.indptr[col + 1]]
                hit |= np.isin(rows, postings)
            found += hit
        share = found / len(terms)
        return {int(i): float(s) for i, s, k in zip(ids, share, known) if k}

    def df(self, term: str) -> int:
        """Documents containing `term` (0 when unknown): for spelling correction."""
        col = self.vocab.get(term)
        if col is None or self.matrix is None:
            return 0
        return int(self.matrix.indptr[col + 1] - self.matrix.indptr[col])
