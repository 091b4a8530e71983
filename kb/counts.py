"""Term counts per post, beside the Whoosh index: what kb's rankers (kb/bm25.py) score from, and
the tf-idf vectors answer sentences are compared with.

Raw counts of each post's body and thread title are kept as CSC sparse matrices (rows = posts),
so a query reads only its terms' columns: measured ~1.5 ms at 112k posts against ~14 ms for a
naive `X @ q.T` and 130-190 ms for Whoosh's own scorer at 147k (DECISIONS.md, bench/query.py).
Document frequencies come from the columns at query time, so new posts append rows (and new
words append columns) without a refit; replaced posts are masked dead and compacted away on a
rebuild.

Each row also keeps what the query filters read of its post (thread, author, date: `Filed`), so
kb/matching.py answers every filter, negated or not, with array masks in milliseconds.

Saved uncompressed in one file and read memory-mapped (kb/arrays.py): a cold `kb ask` maps the
counts in well under a millisecond and reads only the columns its query touches; scipy is
imported only to build or grow them. Counts saved as `.npz` (before issue 13) are read once
the old way and replaced by the next save; counts saved without the filter columns (before
issue 11) fail to load and are rebuilt from the store.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from kb import arrays as saved
from kb.sparse_rows import Columns, TfidfRows
from kb.text import ANALYSIS_VERSION, TermNumbers
from kb.vocab import MappedVocab
from kb.vocab import saved_arrays as vocab_arrays

if TYPE_CHECKING:
    from scipy import sparse

    from kb.rows import IndexedPost

COMPACT_SHARE = 0.25  # rebuild when this share of rows is dead
_MATRICES = ("title", "body")
_ARRAYS = ("ids", "live", "thread_of", "body_len", "title_len", "author_of", "day", "stamp")
LEGACY_FILE = "counts.npz"  # how counts were saved before issue 13: read, then replaced
UNDATED = -(2**62)  # the `stamp` of a post without a date: listed after every dated one


class Filed(NamedTuple):
    """Where a post is filed: what the query filters read of it (`filing` makes one)."""

    thread_id: str
    author: str | None
    day: int  # YYYYMMDD as written, 0 when undated
    stamp: int  # seconds since 1970, UNDATED when undated


def filing(thread_id: str, author: str | None, posted_at: str | None) -> Filed:
    """The post's filing, its date read once: where posts are read (a growing ingest reads them
    batch by batch), not all at once when the counts are saved."""
    return Filed(thread_id, author, *_posted(posted_at))


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
        self.vocab: dict[str, int] | MappedVocab = {}
        self._numbers: TermNumbers | None = None  # word -> column, for `vocab` as it grows
        self.body = Columns.empty()  # counts, rows = posts
        self.title = Columns.empty()
        self.built = False
        self.body_len = np.zeros(0, dtype=np.float32)
        self.title_len = np.zeros(0, dtype=np.float32)
        self.ids = np.zeros(0, dtype=np.int64)
        self.live = np.zeros(0, dtype=bool)
        self.thread_of = np.zeros(0, dtype=np.int32)  # row -> index into self.threads
        self.author_of = np.zeros(0, dtype=np.int32)  # row -> index into self.authors
        self.day = np.zeros(0, dtype=np.int32)  # YYYYMMDD as written (0: no date)
        self.stamp = np.zeros(0, dtype=np.int64)  # seconds since 1970 UTC (UNDATED: no date)
        self.seq = -1
        self.outdated = False  # load() found counts of an older analysis (kb/text.py)
        self._memo: dict[str, object] = {}
        self._saved: dict[str, Any] = {}  # the loaded file's meta
        # store thread id -> index; lower-cased author ("" for none) -> index. Kept as their
        # saved JSON until first read: `ask` never reads them.
        self._names: dict[str, dict[str, int] | str | np.ndarray] = {"threads": {}, "authors": {}}

    @property
    def threads(self) -> dict[str, int]:
        return self._named("threads")

    @threads.setter
    def threads(self, value: dict[str, int]) -> None:
        self._names["threads"] = value

    @property
    def authors(self) -> dict[str, int]:
        return self._named("authors")

    @authors.setter
    def authors(self, value: dict[str, int]) -> None:
        self._names["authors"] = value

    def _named(self, key: str) -> dict[str, int]:
        names = self._names[key]
        if isinstance(names, np.ndarray):  # the saved JSON's bytes, mapped
            names = bytes(names).decode()
        if isinstance(names, str):
            listed = json.loads(names)
            names = dict(zip(listed, range(len(listed))))
        self._names[key] = names
        return names

    def thread_count(self) -> int:
        """How many threads the counts know (without reading their names)."""
        if isinstance(self._names["threads"], dict) or "n_threads" not in self._saved:
            return len(self.threads)
        return int(self._saved["n_threads"])

    def _writable(self) -> dict[str, int]:
        """The vocabulary as a dict that can grow (a loaded one is read in place until then)."""
        if isinstance(self.vocab, MappedVocab):
            self.vocab = self.vocab.as_dict()
        return self.vocab

    # -- persistence --------------------------------------------------------------------------

    def load(self) -> bool:
        """Map the saved counts; False when there are none (or they are damaged)."""
        got = saved.load(self.path)
        if got is None:
            got = _legacy(self.path.with_name(LEGACY_FILE))
        if got is None:
            return False
        meta, arrays = got
        if meta.get("analysis", 1) != ANALYSIS_VERSION:
            self.outdated = True
            return False
        try:
            if "vocab_blob" in arrays:
                self.vocab = MappedVocab(arrays["vocab_blob"], arrays["vocab_offsets"],
                                         arrays["vocab_cols"])
                self._names = {k: arrays[f"{k}_json"] for k in ("threads", "authors")}
            else:  # saved before the vocabulary was mapped
                vocab = str(meta["vocab"]).split("\n") if meta["vocab"] else []
                self.vocab = dict(zip(vocab, range(len(vocab))))
                self._names = {k: json.dumps(meta[k]) if isinstance(meta[k], list)
                               else str(meta[k]) for k in ("threads", "authors")}
            self.seq = int(meta["seq"])
            for m in _MATRICES:
                setattr(self, m, Columns(arrays[f"{m}_data"], arrays[f"{m}_indices"],
                                         arrays[f"{m}_indptr"],
                                         (int(arrays[f"{m}_shape"][0]), int(arrays[f"{m}_shape"][1]))))
            for name in _ARRAYS:
                setattr(self, name, arrays[name])
        except (KeyError, IndexError, TypeError, ValueError):
            return False
        self.built = True
        self._memo = {}
        self._saved = meta
        self._seed(meta, arrays)
        return True

    def _seed(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Take the collection statistics saved with the counts, so a cold `kb ask` computes
        none of them (each is a pass over every post or every word)."""
        if "df_body" not in arrays:
            return
        self._memo["stats"] = FieldStats(arrays["df_body"], arrays["df_title"], arrays["idf"],
                                         int(meta["live_posts"]), float(meta["avg_body"]),
                                         float(meta["avg_title"]))
        self._memo["thread_lengths"] = (arrays["thread_len"], float(meta["avg_thread"]),
                                        int(meta["threads_with_words"]))
        order = arrays["id_order"]
        self._memo["id_order"] = (None, self.ids) if not len(order) else (order, self.ids[order])

    def save(self) -> None:
        """Write atomically (a reader in another process sees the old file or the new one),
        with the statistics readers would otherwise compute (`_seed`)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        st = self.stats()
        lengths, avg_thread, with_words = self.thread_lengths()
        order, _ = self._id_order()
        meta = {"seq": self.seq, "analysis": ANALYSIS_VERSION, "n_threads": len(self.threads),
                "live_posts": st.posts, "avg_body": st.avg_body, "avg_title": st.avg_title,
                "avg_thread": avg_thread, "threads_with_words": with_words}
        arrays: dict[str, np.ndarray] = dict(vocab_arrays(self.vocab))
        for key, names in (("threads", self.threads), ("authors", self.authors)):
            text = json.dumps(sorted(names, key=names.__getitem__)).encode()
            arrays[f"{key}_json"] = np.frombuffer(text, dtype=np.uint8)
        arrays.update({"df_body": st.df_body, "df_title": st.df_title, "idf": st.idf,
                       "thread_len": lengths,
                       "id_order": np.zeros(0, np.int64) if order is None else order})
        for name in _MATRICES:
            m = getattr(self, name)
            arrays.update({f"{name}_data": m.data, f"{name}_indices": m.indices,
                           f"{name}_indptr": m.indptr, f"{name}_shape": np.asarray(m.shape)})
        arrays.update({a: getattr(self, a) for a in _ARRAYS})
        saved.save(self.path, arrays, meta)
        self.path.with_name(LEGACY_FILE).unlink(missing_ok=True)

    # -- building -------------------------------------------------------------------------------

    def fit(self, ids: list[int], rows: Sequence[IndexedPost], filed: list[Filed]) -> None:
        """Build anew from the store's posts."""
        self.vocab = {}
        title, body = self.count_posts(rows)
        self.fit_rows(ids, title, body, filed)

    def fit_rows(self, ids: list[int], title: sparse.csr_matrix, body: sparse.csr_matrix,
                 filed: list[Filed]) -> None:
        """Build anew from rows `count_posts` made (with this vocabulary). Words are numbered in
        sorted order, as scikit-learn's CountVectorizer numbers them, so counts built in one go
        or grown batch by batch are the same arrays."""
        order = sorted(self.vocab)
        renumber = np.zeros(len(order), dtype=np.int32)
        renumber[[self.vocab[t] for t in order]] = np.arange(len(order), dtype=np.int32)
        self.vocab = dict(zip(order, range(len(order))))
        self.title, self.body = (Columns.of(_renumbered(m, renumber, len(order)))
                                 for m in (title, body))
        self.ids = np.asarray(ids, dtype=np.int64)
        self.live = np.ones(len(ids), dtype=bool)
        self.threads, self.authors = {}, {}
        self.thread_of, self.author_of, self.day, self.stamp = self._filed_rows(filed)
        self.built = True
        self._after_change()

    def needs_rebuild(self) -> bool:
        dead = int((~self.live).sum())
        return not self.built or dead > COMPACT_SHARE * max(len(self.ids), 1)

    def thread_lengths(self) -> tuple[np.ndarray, float, int]:
        """Per thread its live posts' words, their mean over threads with words, how many."""
        def compute() -> tuple[np.ndarray, float, int]:
            live = self.live
            lengths = np.bincount(self.thread_of[live], weights=self.body_len[live],
                                  minlength=self.thread_count()).astype(np.float32)
            full = lengths > 0
            avg = float(lengths[full].mean()) if full.any() else 1.0
            return lengths, avg, max(int(full.sum()), 1)

        return self.memo("thread_lengths", compute)  # type: ignore[return-value]

    def update(self, ids: list[int], rows: Sequence[IndexedPost], filed: list[Filed],
               removed: list[int]) -> None:
        """Append changed posts (new words get new columns); mask their old rows."""
        title, body = self.count_posts(rows)
        self.append(ids, title, body, filed, removed)

    def append(self, ids: list[int], title: sparse.csr_matrix, body: sparse.csr_matrix,
               filed: list[Filed], removed: list[int]) -> None:
        """Append rows `count_posts` made (with this vocabulary); mask the rows they replace and
        those of `removed` posts."""
        from scipy import sparse

        self._kill(list(removed) + list(ids))
        if not ids:
            self._after_change()
            return
        width = len(self.vocab)
        self.title = Columns.of(sparse.vstack([_widen(self.title, width), _wide(title, width)]))
        self.body = Columns.of(sparse.vstack([_widen(self.body, width), _wide(body, width)]))
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.live = np.concatenate([self.live, np.ones(len(ids), dtype=bool)])
        new = self._filed_rows(filed)
        for name, rows in zip(("thread_of", "author_of", "day", "stamp"), new):
            setattr(self, name, np.concatenate([getattr(self, name), rows]))
        self._after_change()

    def count_posts(self, rows: Sequence[IndexedPost]
                    ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """(title, body) counts of posts as CSR rows, new words numbered as they come (the
        vocabulary grows; earlier rows stay valid, only narrower). Each word goes to its column
        in one lookup, with no analysed text between; a thread's title is counted once."""
        vocab = self._writable()
        if self._numbers is None or self._numbers.vocab is not vocab:
            self._numbers = TermNumbers(vocab)
        number = self._numbers.of
        titles: dict[str, list[int]] = {}
        title_docs = []
        for r in rows:
            title = titles.get(r.title)
            if title is None:
                title = titles[r.title] = number(r.title)
            title_docs.append(title)
        body_docs = [number(r.body) for r in rows]
        return _term_rows(title_docs, len(vocab)), _term_rows(body_docs, len(vocab))

    def _filed_rows(self, filed: list[Filed]) -> tuple[np.ndarray, ...]:
        """(thread index, author index, day, stamp) per post."""
        threads, authors = self.threads, self.authors
        thread_of = [threads.setdefault(f.thread_id, len(threads)) for f in filed]
        author_of = [authors.setdefault((f.author or "").lower(), len(authors)) for f in filed]
        return (np.asarray(thread_of, dtype=np.int32), np.asarray(author_of, dtype=np.int32),
                np.fromiter((f.day for f in filed), dtype=np.int32, count=len(filed)),
                np.fromiter((f.stamp for f in filed), dtype=np.int64, count=len(filed)))

    def _kill(self, ids: list[int]) -> None:
        rows = self.rows_of(ids)
        self.live = np.array(self.live)  # a writable copy: loaded arrays are mapped read-only
        self.live[rows[rows >= 0]] = False

    def _after_change(self) -> None:
        self._memo = {}
        self.body_len = _row_sums(self.body)
        self.title_len = _row_sums(self.title)

    # -- reading --------------------------------------------------------------------------------

    def memo(self, key: str, compute: Callable[[], object]) -> object:
        """A value derived from the counts, computed once until they change."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def rows_of(self, ids: list[int]) -> np.ndarray:
        """The row of each store post id (its latest, when a replaced post left dead rows), -1
        for ids the counts do not hold. A binary search over the ids, which ascend as posts are
        stored: no per-process map of every post (30-50 ms at 147k on a cold `kb ask`)."""
        got: tuple[np.ndarray | None, np.ndarray] = self.memo(  # type: ignore[assignment]
            "id_order", self._id_order)
        order, keys = got
        want = np.asarray(ids, dtype=np.int64).reshape(-1)
        at = np.searchsorted(keys, want, side="right") - 1
        found = (at >= 0) & (keys[np.maximum(at, 0)] == want) if len(keys) else at < -1
        rows = at if order is None else order[np.maximum(at, 0)]
        return np.where(found, rows, -1).astype(np.int64)

    def _id_order(self) -> tuple[np.ndarray | None, np.ndarray]:
        """(rows by ascending id or None when they ascend already, the ids in that order)."""
        ids = self.ids
        if bool(np.all(ids[1:] > ids[:-1])):
            return None, ids
        order = np.argsort(ids, kind="stable")
        return order, ids[order]

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

    def postings(self, matrix: Columns, col: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, counts) of the posts holding column `col` of `matrix` (body or title)."""
        lo, hi = matrix.indptr[col], matrix.indptr[col + 1]
        return matrix.indices[lo:hi], matrix.data[lo:hi]

    def holders(self, terms: list[str], ids: list[int]) -> dict[str, set[int]]:
        """Which of the posts `ids` hold each term, in body or thread title (from the counts,
        without analysing any text again)."""
        rows = self.rows_of(ids)
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

    def vectorize(self, docs: list[str], query: bool = False) -> TfidfRows:
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
        return TfidfRows(np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64),
                         np.asarray(indptr, dtype=np.int64), (len(docs), len(self.vocab)))


def _legacy(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """(meta, arrays) of counts saved as `.npz` (before issue 13), None when there are none."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            meta["vocab"] = "\n".join(meta["vocab"])
            return meta, {name: z[name] for name in z.files if name != "meta"}
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None


def _posted(value: str | None) -> tuple[int, int]:
    """(YYYYMMDD as written, seconds since 1970) of an ISO timestamp; (0, UNDATED) without one.
    The day is the post's own calendar day, as the Whoosh index files it (kb/index.py)."""
    if not value:
        return 0, UNDATED
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return 0, UNDATED
    day = when.year * 10000 + when.month * 100 + when.day
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return day, int(when.timestamp())


def counted(terms: list[str]) -> dict[str, int]:
    """Each distinct term with how often it occurs, in first-seen order."""
    out: dict[str, int] = {}
    for t in terms:
        out[t] = out.get(t, 0) + 1
    return out


def _row_sums(m: Columns) -> np.ndarray:
    """Each row's total count (a post's length in words)."""
    return np.bincount(m.indices, weights=m.data, minlength=m.shape[0]).astype(np.float32)


def _widen(matrix: Columns, width: int) -> sparse.csr_matrix:
    """The same counts with room for new words' columns."""
    return _wide(matrix.csc().tocsr(), width)


def _wide(csr: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    csr.resize((csr.shape[0], width))  # CSR rows gain columns in place: no copy
    return csr


def _term_rows(docs: list[list[int]], width: int) -> sparse.csr_matrix:
    """One row per document of its word numbers' counts (repeats summed by scipy, in C)."""
    from scipy import sparse

    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    cols = np.fromiter(chain.from_iterable(docs), dtype=np.int32, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(docs), dtype=np.int32), lengths)
    m = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)),
                          shape=(len(docs), width))
    m.sum_duplicates()
    return m


def _renumbered(csr: sparse.csr_matrix, renumber: np.ndarray, width: int) -> sparse.csr_matrix:
    """`csr` with column j moved to `renumber[j]`."""
    from scipy import sparse

    out = sparse.csr_matrix((csr.data, renumber[csr.indices], csr.indptr), shape=(csr.shape[0], width))
    out.sort_indices()
    return out
