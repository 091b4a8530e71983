"""The Whoosh index: every call to Whoosh lives here. The store is the truth; this is derived.

Documents are posts, keyed by the store's post id, and hold pre-analysed text only (see
kb/text.py): Whoosh stores ids, never the text. The index remembers the store's last change
number it applied (`state.json`, written after each commit), so it follows the store
incrementally and a lost, stale or corrupt index is rebuilt rather than fatal.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kb.text import analysed

WRITER_TIMEOUT = 300.0  # a second writer waits this long for the lock instead of failing
TITLE_BOOST = 2.5


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


def _schema() -> Any:
    from whoosh import fields
    from whoosh.analysis import SpaceSeparatedTokenizer

    pre = SpaceSeparatedTokenizer()
    return fields.Schema(
        id=fields.NUMERIC(stored=True, unique=True, bits=64, signed=False),
        thread=fields.ID(),
        author=fields.ID(),
        posted=fields.DATETIME(),
        title=fields.TEXT(analyzer=pre, phrase=False, field_boost=TITLE_BOOST),
        body=fields.TEXT(analyzer=pre, phrase=False),
    )


class Index:
    """A Whoosh index in `path` (a folder in the data dir)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ix: Any = None

    # -- opening and state --------------------------------------------------------------------

    @property
    def ix(self) -> Any:
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
        """The store change number this index has applied (-1: nothing yet)."""
        self.ix  # noqa: B018  (creates an empty index and state when missing)
        try:
            return int(json.loads((self.path / "state.json").read_text())["seq"])
        except (OSError, ValueError, KeyError):
            return -1

    def _save_state(self, seq: int) -> None:
        tmp = self.path / "state.json.tmp"
        tmp.write_text(json.dumps({"seq": seq}))
        tmp.replace(self.path / "state.json")

    def reset(self) -> None:
        """Throw the index away (kb reindex)."""
        self._ix = None
        shutil.rmtree(self.path, ignore_errors=True)

    # -- writing --------------------------------------------------------------------------------

    def apply(self, rows: Iterable[Any], removed: list[int], upto: int, fresh: bool,
              on_post: Callable[[int], None] | None = None) -> int:
        """Write changed posts, delete removed ones, then record `upto` as applied.

        A fresh build takes both cores (procs=2, measured ~1.6x faster on this machine); small
        incremental batches use one writer, which starts faster.
        """
        rows = list(rows)
        big = fresh and len(rows) > 5000
        opts: dict[str, Any] = {"timeout": WRITER_TIMEOUT}
        if big:
            opts.update(procs=2, limitmb=256, multisegment=True)
        writer = self.ix.writer(**opts)
        try:
            for pid in removed:
                writer.delete_by_term("id", pid)
            add = writer.add_document if fresh else writer.update_document
            for i, r in enumerate(rows, 1):
                add(id=r["id"], thread=r["thread_id"], author=(r["author"] or "").lower(),
                    posted=_date(r["posted_at"]), title=analysed(r["title"]),
                    body=analysed(r["body"]))
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

    def search(self, q: LexicalQuery, limit: int = 100,
               allow: set[int] | None = None) -> list[tuple[int, float]]:
        """(post id, BM25F score) best first."""
        from whoosh import query as Q
        from whoosh.scoring import BM25F

        built = _build(q, Q)
        if built is None:
            return []
        with self.ix.searcher(weighting=BM25F(B=0.75, K1=1.2)) as s:
            kwargs: dict[str, Any] = {"limit": limit}
            if allow is not None:
                kwargs["filter"] = Q.Or([Q.Term("id", i) for i in allow]) if allow else Q.NullQuery
            results = s.search(built, **kwargs)
            return [(int(hit["id"]), float(hit.score)) for hit in results]

    def doc_count(self) -> int:
        with self.ix.searcher() as s:
            return int(s.doc_count())


def _build(q: LexicalQuery, Q: Any) -> Any:
    fields = ["title"] if q.title_only else ["title", "body"]

    def any_field(term: str) -> Any:
        return Q.Or([Q.Term(f, term) for f in fields]) if len(fields) > 1 else Q.Term(fields[0], term)

    parts: list[Any] = []
    if q.terms:
        parts.append(Q.Or([any_field(t) for t in q.terms]))
    parts.extend(any_field(t) for t in q.required)
    filters = []
    if q.author:
        filters.append(Q.Term("author", q.author.lower()))
    if q.thread:
        filters.append(Q.Term("thread", q.thread))
    if q.after or q.before:
        filters.append(Q.DateRange("posted", q.after, q.before))
    if not parts and not filters:
        return None
    built = Q.And(parts + filters) if len(parts + filters) > 1 else (parts + filters)[0]
    if not parts:
        built = Q.And(filters + [Q.Every()]) if len(filters) > 1 else Q.And([filters[0], Q.Every()])
    if q.excluded:
        built = Q.AndNot(built, Q.Or([any_field(t) for t in q.excluded]))
    return built


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=None)
    except ValueError:
        return None
