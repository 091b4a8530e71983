"""The shared store: one PostgreSQL database that many kb processes, on many machines, write and
read at once (`--db postgresql://...` or $KB_DATABASE_URL). Each node keeps its own derived
index and term counts in its data dir, following this store by change number.

Change numbers are why writes are serialised: a follower asks for "changes after seq X", so if
writer A took seq 10 and writer B seq 11 and B committed first, a follower that read up to 11
would never see 10. Every write transaction therefore begins by taking one advisory lock
(`pg_advisory_xact_lock`, released at commit or when the connection dies, kill -9 included);
seq is allocated under it, so seqs commit in order. Parsing happens before the transaction, so
writers overlap on everything but the database writes. psycopg is imported only when a
PostgreSQL store is opened, so the CLI starts as fast as ever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from kb.store import IndexedPost, StoreError, shown
from kb.store.schema import PG_MIGRATIONS, SCHEMA_VERSION, SERIALS, THREAD_COLUMNS
from kb.store.sql import _POST_INSERT_COLS, AFTER, SQLStore, upsert

WRITE_LOCK = 0x6B62_5752  # "kbWR": the one advisory lock every write transaction takes
_SOURCE_COLS = ["path", "sha256", "format", "threads", "posts"]


@lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    """The store's shared SQL with psycopg's placeholders (a literal % doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStore(SQLStore):
    """One PostgreSQL database; one connection per process (per thread in the web app)."""

    _UPSERT_SOURCE = upsert("sources", _SOURCE_COLS, "path", "ingested_at = excluded.ingested_at")
    # A replaced part goes to the end of its thread's ingest order, as in SQLite.
    _UPSERT_PART = upsert("parts", ["thread_id", "source_path", "data"], "thread_id, source_path",
                          "seq = nextval(pg_get_serial_sequence('parts', 'seq'))")
    _UPSERT_THREAD = upsert("threads", THREAD_COLUMNS, "thread_id")
    _UPSERT_POSTS = upsert("posts", _POST_INSERT_COLS, "thread_id, post_number")
    _THREADS_PAGE = ("SELECT * FROM threads ORDER BY last_posted DESC NULLS LAST, thread_id"
                     " LIMIT ? OFFSET ?")
    _NO_LIMIT = None
    _LIKE = "ILIKE"  # SQLite's LIKE ignores case

    def __init__(self, url: str) -> None:
        self.url, self.target = shown(url), url
        try:
            import psycopg
        except ImportError:
            raise StoreError("a PostgreSQL store needs psycopg: pip install 'kb[postgres]'"
                             ) from None
        self._psycopg = psycopg
        try:
            self.db = psycopg.connect(url, autocommit=True, connect_timeout=10,
                                      application_name="kb")
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0]  # the rest is libpq's hint, on more lines
            raise StoreError(f"cannot connect to {self.url}: {reason}; check --db or "
                             "KB_DATABASE_URL (postgresql://user:password@host/database) and "
                             "that the server is running") from None
        except Exception as exc:  # a malformed URL: psycopg raises ProgrammingError et al.
            raise StoreError(f"cannot read the database URL {self.url}: {exc}") from None
        try:
            self._migrate()
        except psycopg.Error as exc:
            raise StoreError(f"cannot set up the store in {self.url}: "
                             f"{str(exc).strip().splitlines()[0]}") from None

    def _migrate(self) -> None:
        if self.schema_version() == SCHEMA_VERSION:
            return
        with self.transaction():  # the write lock: one process migrates, the others wait
            self.db.execute("CREATE TABLE IF NOT EXISTS kb_schema (version INTEGER NOT NULL)")
            if self._one("SELECT count(*) FROM kb_schema") == 0:
                self.db.execute("INSERT INTO kb_schema VALUES (0)")
            version = self.schema_version()
            if version > SCHEMA_VERSION:
                raise StoreError(f"the store in {self.url} was written by a newer kb "
                                 f"(schema {version}); upgrade kb")
            for i in range(version, SCHEMA_VERSION):
                for statement in PG_MIGRATIONS[i].split(";"):
                    if statement.strip():
                        self.db.execute(statement)  # type: ignore[call-overload]  # ours
                if i + 1 in AFTER:
                    AFTER[i + 1](self)
                self.db.execute("UPDATE kb_schema SET version = %s", (i + 1,))

    def schema_version(self) -> int:
        """The schema version, 0 for a database kb never wrote."""
        if self._one("SELECT to_regclass('kb_schema')") is None:
            return 0
        return int(self._one("SELECT coalesce(max(version), 0) FROM kb_schema"))

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, holding the write lock: writers, wherever they run, commit
        one after another, so change numbers are taken and committed in the same order.
        Nested (inside `batch()` or another transaction), a savepoint, undone alone if it
        fails, committed with the outer one (which holds the lock)."""
        if self._in_transaction():
            with self.db.transaction():  # psycopg makes it a savepoint: a transaction is open
                yield
            return
        with self.db.transaction():
            self._begin_writing()
            yield

    def _begin_writing(self) -> None:
        self.db.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        self._seq = None

    @contextmanager
    def batch(self) -> Iterator[Callable[[], None]]:
        """Transactions that commit together (a big ingest's files), holding the write lock
        from one `commit` to the next: other writers wait a batch (at most ~0.5 s), not a
        file. A kill loses the uncommitted files whole; the next run reads them again. Inside
        a caller's transaction, the caller commits."""
        if self._in_transaction():
            yield lambda: None
            return
        self.db.execute("BEGIN")
        self._begin_writing()

        def commit() -> None:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self._begin_writing()

        try:
            yield commit
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _in_transaction(self) -> bool:
        from psycopg import pq

        return self.db.info.transaction_status != pq.TransactionStatus.IDLE

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(_pg(sql), params).fetchall()  # type: ignore[arg-type]

    def _records(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        from psycopg.rows import dict_row

        with self.db.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(_pg(sql), params).fetchall()  # type: ignore[arg-type]

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.db.execute(_pg(sql), params)  # type: ignore[arg-type]

    def _run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.db.cursor() as cursor:
            cursor.executemany(_pg(sql), rows)  # type: ignore[arg-type]

    def last_seq(self) -> int:
        """The newest change number in the store (0 when nothing was written)."""
        return int(self._one("SELECT greatest(coalesce((SELECT max(seq) FROM posts), 0),"
                             " coalesce((SELECT max(seq) FROM removed), 0))"))

    def changes(self, after: int, upto: int | None = None, after_id: int = 0,
                limit: int | None = None) -> tuple[list[IndexedPost], list[int], int]:
        """As `SQLStore.changes`, read from one snapshot (a writer may commit in between)."""
        if self.db.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
            return super().changes(after, upto, after_id, limit)
        with self.db.transaction():
            self.db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return super().changes(after, upto, after_id, limit)

    def table_rows(self, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        """Every row of a table, streamed from the server in key order."""
        with self.db.transaction(), self.db.cursor(name=f"kb_rows_{table}") as cursor:
            cursor.itersize = 5000
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}")
            yield from cursor

    def load_rows(self, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> None:
        """Append rows to a table as they are, with COPY (kb migrate: ~40k posts/s), then move
        the table's id sequence past them."""
        with self.db.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if table in SERIALS:
                col = SERIALS[table]
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'),"
                               f" coalesce((SELECT max({col}) FROM {table}), 0) + 1, false)")
