"""A Whoosh index of the store's posts: every call to Whoosh lives here (its writer classes in
kb/whoosh_writers.py). The store is the truth; this is derived.

kb's queries no longer read it (kb/knowledge.py says why), so `kb ingest` does not write it:
the benchmarks build one with `follow` to compare kb's ranking with Whoosh's own scorer.

Documents are posts, keyed by the store's post id, and hold pre-analysed text only (see
kb/text.py): Whoosh stores ids, never the text. The index remembers the store's last change
number it applied (`state.json`, written after each commit), so it follows the store
incrementally and a lost, stale or corrupt index is rebuilt rather than fatal.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from kb.config import TITLE_BOOST
from kb.query import Query
from kb.store import IndexedPost, Store

if TYPE_CHECKING:  # Whoosh has no type hints: these name what a value is, mypy sees Any
    from whoosh.fields import Schema
    from whoosh.index import FileIndex
    from whoosh.query import Query as WhooshQuery
    from whoosh.writing import IndexWriter

Doc = dict[str, str | int | None]  # a Whoosh document: field -> value

WRITER_TIMEOUT = 300.0  # a second writer waits this long for the lock instead of failing
# Big builds: two writer processes (both cores) with room to sort in memory; measured at 147k
# posts, limitmb=128 took 2.3x as long as 512 (more runs spilled to disk and merged).
BIG_WRITER: dict[str, int | bool] = {"procs": 2, "limitmb": 1024, "multisegment": True,
                               "batchsize": 1000}


@dataclass
class LexicalQuery:
    """What the index can match: analysed terms plus the filters of the query syntax."""

    terms: list[str] = field(default_factory=list)  # any of these (ranked)
    required: list[str] = field(default_factory=list)  # all of these (phrase words)
    excluded: list[str] = field(default_factory=list)
    title_only: bool = False
    author: str | None = None
    thread: str | None = None
    after: datetime | None = None
    before: datetime | None = None


def _schema() -> Schema:
    from whoosh import fields
    from whoosh.analysis import SpaceSeparatedTokenizer

    pre = SpaceSeparatedTokenizer()
    # Ids as ID (one term each) and the date as a 32-bit day number with a coarse trie: Whoosh's
    # default NUMERIC/DATETIME index 16 trie terms per value, which measured a third of all
    # postings written for a post.
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        thread=fields.ID(),
        author=fields.ID(),
        posted=fields.NUMERIC(int, bits=32, signed=False, shift_step=16),
        title=fields.TEXT(analyzer=pre, phrase=False, field_boost=TITLE_BOOST),
        body=fields.TEXT(analyzer=pre, phrase=False),
    )


class Index:
    """A Whoosh index in `path` (a folder in the data dir)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ix: FileIndex | None = None

    # -- opening and state --------------------------------------------------------------------

    @property
    def ix(self) -> FileIndex:
        if self._ix is None:
            from whoosh import index

            try:
                if index.exists_in(str(self.path)):
                    self._ix = index.open_dir(str(self.path))
                    return self._ix
            except Exception:  # a damaged index is rebuilt from the store, never fatal
                shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir(parents=True, exist_ok=True)
            self._ix = index.create_in(str(self.path), _schema())
            self._save_state(-1)
        return self._ix

    def applied_seq(self) -> int:
        """The store change number this index has applied (-1: nothing yet).

        Read from state.json alone: opening Whoosh costs a cold `kb ask` 60-90 ms, and queries
        no longer read the index (kb/matching.py answers filters from the counts). A damaged
        index is found, and rebuilt, when the next ingest opens it to write."""
        try:
            return int(json.loads((self.path / "state.json").read_text())["seq"])
        except (OSError, ValueError, KeyError):
            self.ix  # noqa: B018  (creates an empty index and state when missing)
            return -1

    def writable_seq(self) -> int:
        """`applied_seq` for a writer: the index is opened first, so a damaged one is thrown
        away (its state with it) and rebuilt whole rather than topped up."""
        self.ix  # noqa: B018
        return self.applied_seq()

    def _save_state(self, seq: int) -> None:
        tmp = self.path / "state.json.tmp"
        tmp.write_text(json.dumps({"seq": seq}))
        tmp.replace(self.path / "state.json")

    def reset(self) -> None:
        """Throw the index away (kb reindex)."""
        self._ix = None
        shutil.rmtree(self.path, ignore_errors=True)

    # -- writing --------------------------------------------------------------------------------

    def apply(self, rows: list[IndexedPost], texts: list[tuple[str, str]], removed: list[int], upto: int,
              fresh: bool, on_post: Callable[[int], None] | None = None) -> int:
        """Write changed posts, delete removed ones, then record `upto` as applied.

        A fresh build takes both cores (procs=2, measured ~1.6x faster on this machine); small
        incremental batches use one writer, which starts faster.
        """
        big = fresh and len(rows) > 5000
        opts: dict[str, float | int | bool] = {"timeout": WRITER_TIMEOUT}
        if big:
            opts.update(BIG_WRITER)
        writer = _writer(self.ix, **opts)
        try:
            for pid in removed:
                writer.delete_by_term("id", str(pid))
            add = writer.add_document if fresh else writer.update_document
            for i, (r, text) in enumerate(zip(rows, texts), 1):
                add(**_doc(r, text))
                if on_post and i % 500 == 0:
                    on_post(500)
            writer.commit(merge=not big)
        except BaseException:
            writer.cancel()
            raise
        self._ix = None  # reopen to see the new segments
        self._save_state(upto)
        return len(rows)

    # -- reading --------------------------------------------------------------------------------

    def search(self, q: LexicalQuery, limit: int | None = 100) -> list[tuple[int, float]]:
        """(post id, BM25F score) best first, ties by post id (stable across rebuilds)."""
        from whoosh import query as Q
        from whoosh.scoring import BM25F

        built = _build(q, Q)
        if built is None:
            return []
        with self.ix.searcher(weighting=BM25F(B=0.75, K1=1.2)) as s:
            results = s.search(built, limit=limit)
            hits = [(int(hit["id"]), float(hit.score or 0.0)) for hit in results]
        return sorted(hits, key=lambda h: (-h[1], h[0]))

    def doc_count(self) -> int:
        with self.ix.searcher() as s:
            return int(s.doc_count())


def lexical_query(q: Query, terms: list[str]) -> LexicalQuery:
    """What Whoosh matches for `q`: `terms` (spelling-expanded) and the positive filters."""
    from kb.text import tokens

    return LexicalQuery(terms=terms, excluded=q.excluded, title_only=q.title_only,
                        author=q.author, thread=q.thread, after=q.after, before=q.before,
                        required=[t for p in q.phrases for t in tokens(p)])


def follow(path: Path, store: Store) -> Index:
    """The Whoosh index at `path`, brought up to the store's posts."""
    from kb.knowledge import analyse

    index = Index(path)
    applied = index.writable_seq()
    if applied < store.last_seq():
        rows, gone, upto = store.changes(applied)
        fresh = applied < 0 and index.doc_count() == 0
        index.apply(rows, analyse(rows), gone, upto, fresh=fresh)
    return index


def _writer(ix: FileIndex, **options: float | int | bool) -> IndexWriter:
    """A writer of kb's own classes (kb/whoosh_writers.py), Whoosh's left as they are."""
    from kb.whoosh_writers import writer

    return writer(ix, **options)


def _doc(r: IndexedPost, text: tuple[str, str]) -> Doc:
    return {"id": str(r.id), "thread": r.thread_id, "author": (r.author or "").lower(),
            "posted": _day(r.posted_at), "title": text[0], "body": text[1]}


def _build(q: LexicalQuery, Q: ModuleType) -> WhooshQuery | None:
    fields = ["title"] if q.title_only else ["title", "body"]

    def any_field(term: str) -> WhooshQuery:
        return Q.Or([Q.Term(f, term) for f in fields]) if len(fields) > 1 else Q.Term(fields[0], term)

    parts: list[WhooshQuery] = []
    if q.terms:
        parts.append(Q.Or([any_field(t) for t in q.terms]))
    parts.extend(any_field(t) for t in q.required)
    filters = []
    if q.author:
        filters.append(Q.Term("author", q.author.lower()))
    if q.thread:
        filters.append(Q.Term("thread", q.thread))
    if q.after or q.before:
        filters.append(Q.NumericRange("posted", _day(q.after), _day(q.before), endexcl=True))
    if not parts and not filters:
        return None
    built = Q.And(parts + filters) if len(parts + filters) > 1 else (parts + filters)[0]
    if not parts:
        built = Q.And(filters + [Q.Every()]) if len(filters) > 1 else Q.And([filters[0], Q.Every()])
    if q.excluded:
        built = Q.AndNot(built, Q.Or([any_field(t) for t in q.excluded]))
    return built


def _day(value: str | datetime | None) -> int | None:
    """A date as the number YYYYMMDD (orders like the date; one value per day)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value.year * 10000 + value.month * 100 + value.day
