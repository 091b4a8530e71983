"""Sparse shapes as plain arrays: the term counts' columns (posts holding a term) and tf-idf rows
(sentences, questions). Reading them needs no scipy, which a cold `kb ask` never imports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse


class Columns(NamedTuple):
    """A CSC matrix's arrays (rows = posts): column j's rows are indices[indptr[j]:indptr[j+1]]
    (sorted), its counts data[...]. Reading needs no scipy; `csc()` builds the matrix."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, matrix: Any) -> Columns:
        m = matrix.tocsc()
        m.sort_indices()
        return cls(m.data, m.indices, m.indptr, (int(m.shape[0]), int(m.shape[1])))

    @classmethod
    def empty(cls, rows: int = 0) -> Columns:
        return cls(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int32), (rows, 0))

    def csc(self) -> sparse.csc_matrix:
        from scipy import sparse

        return sparse.csc_matrix((self.data, self.indices, self.indptr), shape=self.shape)



class TfidfRows(NamedTuple):
    """tf-idf rows as CSR arrays, with the products `ask` takes of them and no scipy import
    (~250 ms of a cold `kb ask`). Sums run in float32 term by term in row order, as scipy's
    sparse products do, so scores come out bit for bit the same."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    def dense(self) -> np.ndarray:
        """The rows as a dense (rows, vocabulary) float32 array."""
        out = np.zeros(self.shape, dtype=np.float32)
        out[np.repeat(np.arange(self.shape[0]), np.diff(self.indptr)), self.indices] = self.data
        return out

    def dot(self, vector: np.ndarray) -> np.ndarray:
        """Each row's dot product with a dense float32 `vector` (one per vocabulary word)."""
        return _row_sums_in_order(self.data * vector[self.indices], self.indptr)

    def dot_row(self, other: TfidfRows) -> float:
        """The first row's dot product with `other`'s first row (their cosine: both l2-normed)."""
        dense = np.zeros(other.shape[1], dtype=np.float32)
        dense[other.indices[: other.indptr[1]]] = other.data[: other.indptr[1]]
        return float(TfidfRows(self.data[: self.indptr[1]], self.indices[: self.indptr[1]],
                               self.indptr[:2], (1, self.shape[1])).dot(dense)[0])


def _row_sums_in_order(products: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per row, its products summed left to right in float32 (np.add.reduceat sums pairwise, so
    its last bits may differ): one padded row per row, accumulated sequentially."""
    rows = len(indptr) - 1
    lengths = np.diff(indptr)
    width = int(lengths.max()) if rows else 0
    if width == 0:
        return np.zeros(rows, dtype=np.float32)
    padded = np.zeros((rows, width), dtype=np.float32)
    row = np.repeat(np.arange(rows), lengths)
    padded[row, np.arange(len(products)) - indptr[row]] = products
    return np.add.accumulate(padded, axis=1)[:, -1]
