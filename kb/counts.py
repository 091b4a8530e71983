"""Term counts per post, beside the Whoosh index: what kb's rankers (kb/bm25.py) score from, and
the tf-idf vectors answer sentences are compared with.

Raw counts of each post's body and thread title are kept as CSC sparse matrices (rows = posts),
so a query reads only its terms' columns: measured ~1.5 ms at 112k posts against ~14 ms for a
naive `X @ q.T` and 130-190 ms for Whoosh's own scorer at 147k (DECISIONS.md, bench/query.py).
Document frequencies come from the columns at query time, so new posts append rows (and new
words append columns) without a refit; replaced posts are masked dead and compacted away on a
rebuild.

Saved as one `.npz` of plain arrays, loaded with `allow_pickle=False`: reading a data dir never
runs code from it.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from kb.text import ANALYSIS_VERSION

COMPACT_SHARE = 0.25  # rebuild when this share of rows is dead
_MATRICES = ("title", "body")
_ARRAYS = ("ids", "live", "thread_of", "body_len", "title_len")


@dataclass(frozen=True)
class FieldStats:
    """Per term: posts holding it in body and title; the tf-idf idf; live posts; mean lengths."""

    df_body: np.ndarray
    df_title: np.ndarray
    idf: np.ndarray  # scikit-learn's smooth idf over body or title, for tf-idf vectors
    posts: int  # live posts (at least 1)
    avg_body: float
    avg_title: float


class TermCounts:
    """Counts keyed by store post id; `seq` is the store change number they include."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.vocab: dict[str, int] = {}
        self.body = sparse.csc_matrix((0, 0), dtype=np.float32)  # counts, rows = posts
        self.title = sparse.csc_matrix((0, 0), dtype=np.float32)
        self.built = False
        self.body_len = np.zeros(0, dtype=np.float32)
        self.title_len = np.zeros(0, dtype=np.float32)
        self.ids = np.zeros(0, dtype=np.int64)
        self.live = np.zeros(0, dtype=bool)
        self.thread_of = np.zeros(0, dtype=np.int32)  # row -> index into self.threads
        self.threads: dict[str, int] = {}  # store thread id -> index
        self.seq = -1
        self.outdated = False  # load() found counts of an older analysis (kb/text.py)
        self._memo: dict[str, object] = {}

    # -- persistence --------------------------------------------------------------------------

    def load(self) -> bool:
        """Read the saved counts; False when there are none (or they are damaged)."""
        try:
            with np.load(self.path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode())
                mats = {m: sparse.csc_matrix((z[f"{m}_data"], z[f"{m}_indices"], z[f"{m}_indptr"]),
                                             shape=tuple(z[f"{m}_shape"])) for m in _MATRICES}
                arrays = {a: z[a] for a in _ARRAYS}
        except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
            return False
        if meta.get("analysis", 1) != ANALYSIS_VERSION:
            self.outdated = True
            return False
        self.vocab = {t: i for i, t in enumerate(meta["vocab"])}
        self.threads = {t: i for i, t in enumerate(meta["threads"])}
        self.seq = int(meta["seq"])
        self.title, self.body = mats["title"], mats["body"]
        for name, value in arrays.items():
            setattr(self, name, value)
        self.built = True
        self._memo = {}
        return True

    def save(self) -> None:
        """Write atomically (a reader in another process sees the old file or the new one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"vocab": sorted(self.vocab, key=self.vocab.__getitem__),
                "threads": sorted(self.threads, key=self.threads.__getitem__), "seq": self.seq,
                "analysis": ANALYSIS_VERSION}
        arrays: dict[str, np.ndarray] = {
            "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
        for name in _MATRICES:
            m = getattr(self, name)
            arrays.update({f"{name}_data": m.data, f"{name}_indices": m.indices,
                           f"{name}_indptr": m.indptr, f"{name}_shape": np.asarray(m.shape)})
        arrays.update({a: getattr(self, a) for a in _ARRAYS})
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        tmp.replace(self.path)

    # -- building -------------------------------------------------------------------------------

    def fit(self, ids: list[int], texts: list[tuple[str, str]], tids: list[str]) -> None:
        """Build from analysed (title, body) pairs (space-separated terms, see kb/text.py)."""
        from sklearn.feature_extraction.text import CountVectorizer

        if any(t.split() for pair in texts for t in pair):
            vec = CountVectorizer(analyzer=str.split, dtype=np.float32)
            vec.fit(t for pair in texts for t in pair)
            self.vocab = {t: int(i) for t, i in vec.vocabulary_.items()}
            self.title = vec.transform([t for t, _ in texts]).tocsc()
            self.body = vec.transform([b for _, b in texts]).tocsc()
        else:  # an empty store (a new data dir) has empty counts; scikit-learn would refuse
            self.vocab = {}
            self.title = sparse.csc_matrix((len(ids), 0), dtype=np.float32)
            self.body = sparse.csc_matrix((len(ids), 0), dtype=np.float32)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.live = np.ones(len(ids), dtype=bool)
        self.threads = {}
        self.thread_of = self._thread_rows(tids)
        self.built = True
        self._after_change()

    def needs_rebuild(self) -> bool:
        dead = int((~self.live).sum())
        return not self.built or dead > COMPACT_SHARE * max(len(self.ids), 1)

    def update(self, ids: list[int], texts: list[tuple[str, str]], tids: list[str],
               removed: list[int]) -> None:
        """Append changed posts (new words get new columns); mask their old rows."""
        self._kill(list(removed) + list(ids))
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
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.live = np.concatenate([self.live, np.ones(len(ids), dtype=bool)])
        self.thread_of = np.concatenate([self.thread_of, self._thread_rows(tids)])
        self._after_change()

    def _thread_rows(self, tids: list[str]) -> np.ndarray:
        return np.asarray([self.threads.setdefault(t, len(self.threads)) for t in tids],
                          dtype=np.int32)

    def _kill(self, ids: list[int]) -> None:
        row_of = self.row_of()
        for pid in ids:
            row = row_of.get(int(pid))
            if row is not None:
                self.live[row] = False

    def _counts(self, docs: list[str], width: int) -> sparse.csr_matrix:
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
        self._memo = {}
        self.body_len = np.asarray(self.body.sum(axis=1)).ravel().astype(np.float32)
        self.title_len = np.asarray(self.title.sum(axis=1)).ravel().astype(np.float32)

    # -- reading --------------------------------------------------------------------------------

    def memo(self, key: str, compute: Callable[[], object]) -> object:
        """A value derived from the counts, computed once until they change."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def row_of(self) -> dict[int, int]:
        """Store post id -> row."""
        row_of = self.memo("row_of", lambda: {int(pid): i for i, pid in enumerate(self.ids)})
        return row_of  # type: ignore[return-value]

    def stats(self) -> FieldStats:
        return self.memo("stats", self._stats)  # type: ignore[return-value]

    def _stats(self) -> FieldStats:
        n = max(int(self.live.sum()), 1)
        df_body = np.diff(self.body.indptr).astype(np.float32)
        df_title = np.diff(self.title.indptr).astype(np.float32)
        df_any = np.maximum(df_body, df_title)
        idf = np.log((1.0 + n) / (1.0 + df_any)) + 1.0  # scikit-learn's smooth idf
        live = self.live
        avg_body = float(self.body_len[live].mean()) if live.any() else 1.0
        avg_title = float(self.title_len[live].mean()) if live.any() else 1.0
        return FieldStats(df_body, df_title, idf.astype(np.float32), n, avg_body or 1.0,
                          avg_title or 1.0)

    def postings(self, matrix: sparse.csc_matrix, col: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, counts) of the posts holding column `col` of `matrix` (body or title)."""
        lo, hi = matrix.indptr[col], matrix.indptr[col + 1]
        return matrix.indices[lo:hi], matrix.data[lo:hi]

    def holders(self, terms: list[str], ids: list[int]) -> dict[str, set[int]]:
        """Which of the posts `ids` hold each term, in body or thread title (from the counts,
        without analysing any text again)."""
        row_of = self.row_of()
        rows = np.asarray([row_of.get(int(i), -1) for i in ids], dtype=np.int64)
        out: dict[str, set[int]] = {}
        for term in dict.fromkeys(terms):
            col = self.vocab.get(term)
            hit = np.zeros(len(ids), dtype=bool)
            if col is not None and self.built:
                for m in (self.body, self.title):
                    # A column's rows are sorted: binary search beats np.isin's sort of both.
                    held = self.postings(m, col)[0]
                    if len(held):
                        at = np.minimum(np.searchsorted(held, rows), len(held) - 1)
                        hit |= held[at] == rows
            out[term] = {int(i) for i, h in zip(ids, hit) if h}
        return out

    def df(self, term: str) -> int:
        """Posts whose body or title holds `term` (0 when unknown): for spelling correction."""
        col = self.vocab.get(term)
        if col is None or not self.built:
            return 0
        return int(max(self.body.indptr[col + 1] - self.body.indptr[col],
                       self.title.indptr[col + 1] - self.title.indptr[col]))

    def idf(self, term: str) -> float | None:
        """The tf-idf idf of `term`, None when no post uses it."""
        col = self.vocab.get(term)
        return None if col is None or not self.built else float(self.stats().idf[col])

    def max_idf(self) -> float:
        """The idf a word no post uses would have."""
        return float(np.log(1.0 + max(int(self.live.sum()), 1)) + 1.0)

    def vectorize(self, docs: list[str], query: bool = False) -> sparse.csr_matrix:
        """l2-normed sublinear tf-idf rows for analysed texts (sentences, questions)."""
        idf = self.stats().idf if self.built else np.zeros(0, dtype=np.float32)
        indptr, indices, data = [0], [], []
        for doc in docs:
            counts = counted([t for t in doc.split() if t in self.vocab])
            cols = np.fromiter((self.vocab[t] for t in counts), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            w = (1.0 + np.log(tf)) * idf[cols] if len(cols) else tf
            norm = float(np.sqrt((w * w).sum())) or 1.0
            indices.extend(cols.tolist())
            data.extend((w / norm).tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(data, dtype=np.float32), indices, indptr),
                                 shape=(len(docs), len(self.vocab)))


def counted(terms: list[str]) -> dict[str, int]:
    """Each distinct term with how often it occurs, in first-seen order."""
    out: dict[str, int] = {}
    for t in terms:
        out[t] = out.get(t, 0) + 1
    return out


def _widen(matrix: sparse.spmatrix, width: int) -> sparse.csr_matrix:
    """The same counts with room for new words' columns."""
    csr = sparse.csr_matrix(matrix)
    csr.resize((csr.shape[0], width))
    return csr
