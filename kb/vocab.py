"""A saved vocabulary (term -> column of the term counts) read where it lies, in the counts' file.

Building a dict of every term cost a cold `kb ask` 60-80 ms at 515k posts (76k terms), and
grows with the vocabulary, while an ask looks up a few thousand terms at most. So the terms
are saved sorted, as one UTF-8 blob with offsets, beside each term's column; a lookup is a
binary search over the mapped blob (a few microseconds), remembered for the process. Writers
(an ingest growing the counts) turn it into a plain dict first (`as_dict`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np


def saved_arrays(vocab: Mapping[str, int]) -> dict[str, np.ndarray]:
    """`vocab` as the arrays `MappedVocab` reads: terms sorted (code point order is UTF-8 byte
    order), their UTF-8 bytes end to end, where each starts, and each term's column."""
    terms = sorted(vocab)
    encoded = [t.encode() for t in terms]
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return {"vocab_blob": np.frombuffer(b"".join(encoded), dtype=np.uint8),
            "vocab_offsets": offsets,
            "vocab_cols": np.asarray([vocab[t] for t in terms], dtype=np.int32)}


class MappedVocab(Mapping[str, int]):
    """Read-only term -> column over `saved_arrays`' arrays (memory-mapped)."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, cols: np.ndarray) -> None:
        self._blob = blob.data  # memoryviews: indexing gives Python ints at C speed
        self._offsets = offsets.data
        self._cols = cols.data
        self._n = len(cols)
        self._memo: dict[str, int] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, term: str) -> int:
        col = self._memo.get(term)
        if col is None:
            col = self._memo[term] = self._find(term)
        if col < 0:
            raise KeyError(term)
        return col

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def get(self, term: str, default: int | None = None) -> int | None:  # type: ignore[override]
        try:
            return self[term]
        except KeyError:
            return default

    def _find(self, term: str) -> int:
        key, blob, at = term.encode(), self._blob, self._offsets
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) // 2
            if bytes(blob[at[mid]:at[mid + 1]]) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < self._n and bytes(blob[at[lo]:at[lo + 1]]) == key:
            return int(self._cols[lo])
        return -1

    def __iter__(self) -> Iterator[str]:
        text = bytes(self._blob)
        at = self._offsets
        for i in range(self._n):
            yield text[at[i]:at[i + 1]].decode()

    def as_dict(self) -> dict[str, int]:
        """Every term and its column, as a plain dict a writer can grow."""
        return dict(zip(self, self._cols.tolist()))
