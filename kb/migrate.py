"""`kb migrate`: copy a store into another (SQLite into PostgreSQL, or back), verified.

Rows are copied as they are, post ids and change numbers included, so a data dir whose index
followed the old store goes on following the new one without a rebuild. The copy is one
transaction on the target: it is checked (row counts and a content hash per table, read back
from the target) before it commits, and a mismatch leaves the target as empty as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kb.store import Store, StoreError
from kb.store.schema import TABLES

_MOD = 1 << 128


@dataclass
class Fingerprint:
    """A table's row count and an order-free hash of its rows (the sum of each row's hash:
    the two databases may return rows sharing a key in different orders)."""

    rows: int = 0
    total: int = 0

    def add(self, row: Iterable[Any]) -> None:
        self.rows += 1
        text = repr(tuple(row)).encode("utf-8", "surrogatepass")
        self.total = (self.total + int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(),
                                                  "big")) % _MOD

    @property
    def hash(self) -> str:
        return f"{self.total:032x}"


def fingerprint(rows: Iterable[Iterable[Any]]) -> Fingerprint:
    f = Fingerprint()
    for row in rows:
        f.add(row)
    return f


def _counted(rows: Iterator[tuple[Any, ...]], into: Fingerprint) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        into.add(row)
        yield row


class MigrateError(StoreError):
    """The copy could not be made or did not check out; the target is left as it was."""


def migrate(source: Store, target: Store) -> dict[str, Fingerprint]:
    """Copy every table of `source` into the empty `target`; the per-table fingerprints,
    equal on both sides (else `MigrateError`, and nothing is committed)."""
    if source.schema_version() != target.schema_version():
        raise MigrateError(f"the stores are at schema {source.schema_version()} and "
                           f"{target.schema_version()}; open both with the same kb first")
    copied: dict[str, Fingerprint] = {}
    with target.transaction():
        if not _empty(target):
            raise MigrateError(f"{target.url} already holds a store; migrate into an empty one "
                               "(drop and create the database, or pick another)")
        for table, columns in TABLES.items():
            copied[table] = Fingerprint()
            target.load_rows(table, columns, _counted(source.table_rows(table, columns),
                                                      copied[table]))
        for table, columns in TABLES.items():
            back = fingerprint(target.table_rows(table, columns))
            if (back.rows, back.total) != (copied[table].rows, copied[table].total):
                raise MigrateError(f"table {table}: {copied[table].rows} rows read, {back.rows} "
                                   f"written, content hashes {copied[table].hash} and "
                                   f"{back.hash} differ; nothing was committed")
    return copied


def _empty(store: Store) -> bool:
    return store.is_empty() and store.stats()["sources"] == 0 and not store.thread_ids()
