"""The post store, the source of truth: what it offers (`Store`) and how to open one.

Two implementations hold the same tables at the same schema versions: SQLite, one file in the
data dir (kb/store/sqlite.py, the default, nothing to configure), and PostgreSQL, one database
many kb processes on many machines share (kb/store/postgres.py, `--db postgresql://...`). Both
keep what each input file's parser produced (`parts`): when another page of a thread arrives,
the thread is merged and normalised again from those, so the result never depends on ingest
order. Every write transaction takes one change number (`seq`), in commit order, and derived
data (index, term counts) follows the store by it (`changes(after)`).

All SQL of kb lives in this package.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, TypedDict

from kb.rows import IndexedPost, StoredPost, ThreadRows
from kb.store.schema import SCHEMA_VERSION
from scraper.models import Thread

__all__ = ["SCHEMA_VERSION", "IndexedPost", "Store", "StoreError", "StoreStats", "StoredPost",
           "digest", "is_database_url", "open_store", "shown"]


class StoreStats(TypedDict):
    """What `kb stats` and the web front page count."""

    threads: int
    posts: int
    authors: int
    sources: int  # input files ingested
    formats: dict[str, int]  # input files per format
    first_posted: str | None
    last_posted: str | None


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says what to do."""


def digest(data: bytes) -> str:
    """Content hash that decides whether an input file was seen before."""
    return hashlib.sha256(data).hexdigest()


class Store(Protocol):
    """The operations kb performs on its store; `SQLiteStore` and `PostgresStore` offer them.

    Writes happen inside `transaction()`: one at a time per store, each with one change number.
    Nested in another (a crawled page's ingest inside the crawl's transaction for that page) or
    inside `batch()` (a big ingest), transactions are savepoints that commit with the outer
    one; a batch inside a transaction leaves the commit to it.
    """

    url: str  # where it is, to show: "sqlite:PATH" or the database URL, password hidden
    target: str  # what `open_store` takes to open it again (another process); never shown

    def transaction(self) -> AbstractContextManager[None]: ...
    def batch(self) -> AbstractContextManager[Callable[[], None]]: ...
    def close(self) -> None: ...
    def schema_version(self) -> int: ...
    # input files
    def source_state(self, path: str, sha256: str) -> str: ...
    def has_source(self, path: str) -> bool: ...
    def seen(self, sha256: str) -> tuple[int, int] | None: ...
    def put_source(self, path: str, sha256: str, fmt: str, threads: int, posts: int) -> None: ...
    def nested_sources(self) -> list[str]: ...
    def drop_source(self, path: str) -> None: ...
    def drop_source_parts(self, path: str) -> list[str]: ...
    # what each file's parser produced
    def put_part(self, thread_id: str, source_path: str, data: str) -> None: ...
    def part_count(self, thread_id: str) -> int: ...
    def parts(self, thread_id: str) -> list[Thread]: ...
    def all_parts(self) -> list[tuple[int, str, str, Thread]]: ...
    def set_part(self, seq: int, thread: Thread) -> None: ...
    # thread identity (kb.identity)
    def thread_key(self, forum: str, own_id: str) -> str: ...
    def register_key(self, key: str, forum: str, own_id: str) -> None: ...
    def rename_thread(self, old: str, new: str) -> None: ...
    def drop_thread(self, key: str) -> None: ...
    def set_thread_forum(self, key: str, forum: str) -> None: ...
    def thread_ids(self) -> set[str]: ...
    # normalised threads and posts; change numbers
    def write_thread(self, thread: Thread | ThreadRows) -> dict[str, int]: ...
    def max_post_id(self) -> int: ...
    def last_seq(self) -> int: ...
    def changes(self, after: int, upto: int | None = None, after_id: int = 0,
                limit: int | None = None) -> tuple[list[IndexedPost], list[int], int]: ...
    # reading
    def thread_head(self, thread_id: str) -> Thread | None: ...
    def thread(self, thread_id: str) -> Thread | None: ...
    def find_thread_ids(self, ref: str) -> list[str]: ...
    def posts_by_ids(self, ids: list[int]) -> dict[int, StoredPost]: ...
    def opening_posts(self, thread_ids: list[str]) -> dict[str, int]: ...
    def threads(self, limit: int | None = None, offset: int = 0) -> list[Thread]: ...
    def post_counts(self, thread_ids: list[str]) -> dict[str, int]: ...
    def iter_threads(self) -> Iterator[Thread]: ...
    def stats(self) -> StoreStats: ...
    def is_empty(self) -> bool: ...
    # whole tables, keys and all (kb migrate; schema.TABLES names them)
    def table_rows(self, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]: ...
    def load_rows(self, table: str, columns: list[str],
                  rows: Iterable[Sequence[Any]]) -> None: ...


_POSTGRES = ("postgresql://", "postgres://")


def is_database_url(target: str | Path | None) -> bool:
    """True for a PostgreSQL URL (what --db and KB_DATABASE_URL take)."""
    return isinstance(target, str) and target.startswith(_POSTGRES)


def shown(url: str) -> str:
    """A URL fit for a message: the password replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def open_store(target: str | Path) -> Store:
    """The store at `target`: a postgresql:// URL, "sqlite:PATH", or a SQLite file's path.

    Raises `StoreError` (one line saying what to do) when it cannot be opened.
    """
    if is_database_url(target):
        from kb.store.postgres import PostgresStore

        return PostgresStore(str(target))
    text = str(target)
    if text.startswith("sqlite:"):
        text = text[len("sqlite:"):].removeprefix("//")
    elif re.match(r"[a-z][a-z0-9+.-]*://", text):
        raise StoreError(f"cannot open {shown(text)!r}: kb stores posts in PostgreSQL "
                         "(postgresql://user:password@host/database) or SQLite (sqlite:PATH)")
    from kb.store.sqlite import SQLiteStore

    return SQLiteStore(text)
