"""The embedded store: one SQLite file in the data dir, what kb uses with no --db.

Schema is versioned with `PRAGMA user_version`; `MIGRATIONS[i]` moves a store from version i to
i + 1, so an old data dir opens with a newer kb. Writers queue on SQLite's write lock (BEGIN
IMMEDIATE, with a busy timeout), which also makes change numbers follow commit order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kb.store import StoreError
from kb.store.schema import MIGRATIONS, SCHEMA_VERSION
from kb.store.sql import AFTER, SQLStore


class SQLiteStore(SQLStore):
    """One SQLite database file; open it per process (or per web worker thread)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.url = self.target = f"sqlite:{self.path}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.row_factory = sqlite3.Row  # for whoever reads `db` itself (tests, scripts)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}; "
                             "pass another --data-dir or remove the damaged file") from None
        except OSError as exc:
            raise StoreError(f"cannot create the data dir {self.path.parent}: "
                             f"{exc.strerror or exc}; pass a writable --data-dir") from None

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(f"the store {self.path} was written by a newer kb "
                             f"(schema {version}); upgrade kb")
        for i in range(version, SCHEMA_VERSION):
            with self.transaction():
                if self.schema_version() > i:
                    continue  # another process migrated it while this one waited
                for statement in MIGRATIONS[i].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                if i + 1 in AFTER:
                    AFTER[i + 1](self)
                self.db.execute(f"PRAGMA user_version = {i + 1}")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; a second writer waits (busy timeout) instead of failing.
        Nested (inside `batch()` or another transaction), a savepoint: undone alone if it
        fails, committed with the outer one."""
        if self.db.in_transaction:
            self.db.execute("SAVEPOINT one")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK TO one")
                self.db.execute("RELEASE one")
                raise
            self.db.execute("RELEASE one")
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._seq = None
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def batch(self) -> Iterator[Callable[[], None]]:
        """Transactions that commit together, for an ingest of many small files: a commit per
        file cost ~1 ms, a tenth of storing a typical thread. Yields `commit`, which commits what
        is done so far and goes on in a new transaction. A kill loses the uncommitted files
        whole (each file's posts and its source record commit together), so they are read again
        by the next run. Inside a caller's transaction, the caller commits."""
        if self.db.in_transaction:
            yield lambda: None
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._seq = None

        def commit() -> None:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN IMMEDIATE")
            self._seq = None

        try:
            yield commit
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.db.cursor()
        cursor.row_factory = None  # plain tuples: straight into the dataclasses, 2x faster
        return cursor.execute(sql, params).fetchall()

    def _records(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        return self.db.execute(sql, params).fetchall()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.db.execute(sql, params)

    def _run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.db.executemany(sql, rows)

    def last_seq(self) -> int:
        """The newest change number in the store (0 when nothing was written)."""
        row = self.db.execute("SELECT max(coalesce((SELECT max(seq) FROM posts), 0),"
                              " coalesce((SELECT max(seq) FROM removed), 0))").fetchone()
        return int(row[0])

    def table_rows(self, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        """Every row of a table in key order, read as it is consumed."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        yield from cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}")

    def load_rows(self, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> None:
        """Append rows to a table as they are, keys and all (`kb migrate`)."""
        marks = ", ".join("?" * len(columns))
        self.db.executemany(f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})", rows)
