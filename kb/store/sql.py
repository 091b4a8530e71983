"""What both stores do the same way: the queries and the bookkeeping around them.

`SQLStore` holds every operation of `kb.store.Store` written once, in the SQL SQLite and
PostgreSQL share (`?` placeholders; the PostgreSQL store rewrites them). A subclass opens the
connection, runs transactions, migrates, and overrides the few statements whose spelling
differs (`_UPSERT_*`, `last_seq`). Row decoding is kb/rows.py's, for both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from itertools import starmap
from typing import TYPE_CHECKING, Any

from kb.identity import qualified, rekey
from kb.rows import (
    POST_COLUMNS,
    POST_NUMBER,
    IndexedPost,
    StoredPost,
    ThreadRows,
    part_json,
    post_from_row,
    thread_from_dict,
    thread_from_row,
    thread_rows,
)
from kb.store.schema import THREAD_COLUMNS
from scraper.models import Thread

if TYPE_CHECKING:
    from kb.store import StoreStats


def _select(record: type[IndexedPost]) -> str:
    """The columns of `record`'s fields: t.title is the thread's, the others the post's."""
    return ", ".join("t.title" if f.name == "title" else f"p.{f.name}" for f in fields(record))


_INDEXED_SELECT, _STORED_SELECT = _select(IndexedPost), _select(StoredPost)
# "digest" is written empty: posts are compared by value (write_thread); stores written before
# hold a digest there that nothing reads.
_POST_INSERT_COLS = ["thread_id"] + POST_COLUMNS + ["digest", "seq"]
# Run after the SQL of the same version, in its transaction (either dialect).
AFTER: dict[int, Callable[[Any], None]] = {4: rekey}
CHUNK = 500  # ids per IN (...) list: SQLite allows 32766 parameters, but short lists plan faster


def upsert(table: str, columns: list[str], key: str, renew: str = "") -> str:
    """INSERT that replaces the row with the same `key` (both dialects since SQLite 3.24);
    `renew` sets further columns (PostgreSQL gives a replaced part a new seq, as SQLite's
    INSERT OR REPLACE does)."""
    sets = ", ".join([f"{c} = excluded.{c}" for c in columns if c not in key.split(", ")]
                     + ([renew] if renew else []))
    return (f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            f" ON CONFLICT ({key}) DO UPDATE SET {sets}")


class SQLStore:
    """The store's operations over a DB-API connection; subclasses say how to talk to it."""

    # SQLite's spelling; the PostgreSQL store gives its own.
    _UPSERT_SOURCE = ("INSERT OR REPLACE INTO sources(path, sha256, format, threads, posts)"
                      " VALUES (?,?,?,?,?)")
    _UPSERT_PART = "INSERT OR REPLACE INTO parts(thread_id, source_path, data) VALUES (?,?,?)"
    _UPSERT_THREAD = (f"INSERT OR REPLACE INTO threads({', '.join(THREAD_COLUMNS)})"
                      f" VALUES ({', '.join('?' * len(THREAD_COLUMNS))})")
    _UPSERT_POSTS = upsert("posts", _POST_INSERT_COLS, "thread_id, post_number")
    _STORED_POSTS = f"SELECT {', '.join(POST_COLUMNS)} FROM posts WHERE thread_id = ?"
    _THREADS_PAGE = "SELECT * FROM threads ORDER BY last_posted DESC, thread_id LIMIT ? OFFSET ?"
    _NO_LIMIT: int | None = -1
    _LIKE = "LIKE"
    _seq: int | None = None

    # What a subclass provides: plain tuples (`_rows`), rows by column name (`_records`).
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _records(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        raise NotImplementedError

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def _run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def last_seq(self) -> int:
        raise NotImplementedError

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        rows = self._rows(sql, params)
        return rows[0][0] if rows else None

    # -- sources ------------------------------------------------------------------------------

    def source_state(self, path: str, sha256: str) -> str:
        """'unchanged' (these bytes were ingested), 'changed' (the path had other bytes) or 'new'."""
        rows = self._rows("SELECT max(CASE WHEN sha256 = ? THEN 1 ELSE 0 END), count(*) FROM sources"
                          " WHERE sha256 = ? OR path = ?",
                          (sha256, sha256, path))  # one round trip: PostgreSQL's cost per file
        if rows[0][0]:
            return "unchanged"
        return "changed" if rows[0][1] else "new"

    def has_source(self, path: str) -> bool:
        return bool(self._rows("SELECT 1 FROM sources WHERE path = ?", (path,)))

    def seen(self, sha256: str) -> tuple[int, int] | None:
        """(threads, posts) an identical file brought in before, or None."""
        rows = self._rows("SELECT threads, posts FROM sources WHERE sha256 = ? LIMIT 1", (sha256,))
        return (rows[0][0], rows[0][1]) if rows else None

    def put_source(self, path: str, sha256: str, fmt: str, threads: int, posts: int) -> None:
        self._run(self._UPSERT_SOURCE, (path, sha256, fmt, threads, posts))

    def nested_sources(self) -> list[str]:
        """The sources that are part of a file: a dump's pieces, an archive's members
        ("RC.zst!lines 1-9", "pages.zip!t/1.html")."""
        return [r[0] for r in self._rows("SELECT path FROM sources WHERE path LIKE ?", ("%!%",))]

    def drop_source(self, path: str) -> None:
        """Forget that a source was ingested (its parts first: `drop_source_parts`)."""
        self._run("DELETE FROM sources WHERE path = ?", (path,))

    def drop_source_parts(self, path: str) -> list[str]:
        """Forget what a changed file contributed; returns the threads to rebuild."""
        return [r[0] for r in self._rows("DELETE FROM parts WHERE source_path = ? RETURNING thread_id",
                                         (path,))]

    # -- parser output (parts) ----------------------------------------------------------------

    def put_part(self, thread_id: str, source_path: str, data: str) -> None:
        """Keep what the parser produced from one file for one thread (`part_json`, before
        normalising)."""
        self._run(self._UPSERT_PART, (thread_id, source_path, data))

    def part_count(self, thread_id: str) -> int:
        return int(self._one("SELECT count(*) FROM parts WHERE thread_id = ?", (thread_id,)))

    def parts(self, thread_id: str) -> list[Thread]:
        """Every file's parse of this thread, in ingest order."""
        rows = self._rows("SELECT data FROM parts WHERE thread_id = ? ORDER BY seq", (thread_id,))
        parts = [thread_from_dict(json.loads(r[0])) for r in rows]
        for p in parts:
            p.thread_id = thread_id  # the data keeps the key it had before a rename
        return parts

    def all_parts(self) -> list[tuple[int, str, str, Thread]]:
        """(seq, thread key, source path, parse) of every part, in ingest order."""
        rows = self._rows("SELECT seq, thread_id, source_path, data FROM parts ORDER BY seq")
        return [(r[0], r[1], r[2], thread_from_dict(json.loads(r[3]))) for r in rows]

    def set_part(self, seq: int, thread: Thread) -> None:
        """Give part `seq` the key and forum `thread` has now."""
        self._run("UPDATE parts SET thread_id = ?, data = ? WHERE seq = ?",
                  (thread.thread_id, part_json(thread), seq))

    # -- thread identity (kb.identity) --------------------------------------------------------

    def thread_key(self, forum: str, own_id: str) -> str:
        """The key of the forum's thread `own_id`, assigned on first sight: the bare id while
        no other forum has it; once two do, `forum:id` for each (the earlier one renamed)."""
        found = self._one("SELECT thread_id FROM thread_keys WHERE forum = ? AND own_id = ?",
                          (forum, own_id))
        if found is not None:
            return str(found)
        others = self._rows("SELECT thread_id, forum FROM thread_keys WHERE own_id = ?", (own_id,))
        for key, other in others:
            if key == own_id:
                self.rename_thread(key, qualified(other, own_id))
        key = own_id
        if others or self._one("SELECT 1 FROM thread_keys WHERE thread_id = ?", (key,)):
            key = qualified(forum, own_id)
        self.register_key(key, forum, own_id)
        return key

    def register_key(self, key: str, forum: str, own_id: str) -> None:
        """Key `key` names (forum, own_id), replacing whatever held either (INSERT OR REPLACE
        spelt out: PostgreSQL's upsert resolves one unique constraint, this table has two)."""
        self._run("DELETE FROM thread_keys WHERE thread_id = ? OR (forum = ? AND own_id = ?)",
                  (key, forum, own_id))
        self._run("INSERT INTO thread_keys(thread_id, forum, own_id) VALUES (?,?,?)",
                  (key, forum, own_id))

    def rename_thread(self, old: str, new: str) -> None:
        """Move a thread to another key; its posts count as changed, so the index follows."""
        self._run("UPDATE thread_keys SET thread_id = ? WHERE thread_id = ?", (new, old))
        self._run("UPDATE threads SET thread_id = ? WHERE thread_id = ?", (new, old))
        self._run("UPDATE parts SET thread_id = ? WHERE thread_id = ?", (new, old))
        self._run("UPDATE posts SET thread_id = ?, seq = ? WHERE thread_id = ?",
                  (new, self._next_seq(), old))

    def drop_thread(self, key: str) -> None:
        """Forget a thread and its posts (the index is told they are gone)."""
        self._run("INSERT INTO removed(id, seq) SELECT id, ? FROM posts WHERE thread_id = ?",
                  (self._next_seq(), key))
        self._run("DELETE FROM posts WHERE thread_id = ?", (key,))
        self._run("DELETE FROM threads WHERE thread_id = ?", (key,))

    def set_thread_forum(self, key: str, forum: str) -> None:
        self._run("UPDATE threads SET forum = ? WHERE thread_id = ?", (forum, key))

    def thread_ids(self) -> set[str]:
        """Every stored thread's key."""
        return {r[0] for r in self._rows("SELECT thread_id FROM threads")}

    # -- normalised threads and posts ---------------------------------------------------------

    def write_thread(self, thread: Thread | ThreadRows) -> dict[str, int]:
        """Make the stored thread equal `thread`, touching only posts that differ."""
        t = thread if isinstance(thread, ThreadRows) else thread_rows(thread)
        head, tid = t.head, t.head.thread_id
        self._run(self._UPSERT_THREAD, (
            tid, head.title, head.posts_declared, head.forum, head.url, head.format,
            len(t.rows), t.first_posted, t.last_posted))
        old = {r[POST_NUMBER]: r for r in self._rows(self._STORED_POSTS, (tid,))}
        counts = {"added": 0, "updated": 0, "unchanged": 0, "removed": 0}
        rows = []
        for values in t.rows:
            before = old.pop(values[POST_NUMBER], None)
            if before is not None and tuple(values) == tuple(before):
                counts["unchanged"] += 1
                continue
            counts["added" if before is None else "updated"] += 1
            rows.append([tid, *values, ""])  # digest: unused, posts are compared by value
        seq = self._next_seq()
        if old:
            counts["removed"] = len(old)
            gone = [(tid, n) for n in old]
            self._run_many("INSERT INTO removed(id, seq) SELECT id, ? FROM posts"
                           " WHERE thread_id = ? AND post_number = ?", [(seq, *g) for g in gone])
            self._run_many("DELETE FROM posts WHERE thread_id = ? AND post_number = ?", gone)
        if rows:
            self._run_many(self._UPSERT_POSTS, [r + [seq] for r in rows])
        return counts

    def _next_seq(self) -> int:
        """One change number per write transaction: the index asks for changes after its last.
        Safe because write transactions run one at a time (each store's `transaction`)."""
        if self._seq is None:
            self._seq = self.last_seq() + 1
        return self._seq

    def max_post_id(self) -> int:
        """The highest post id so far: posts written later get higher ones."""
        return int(self._one("SELECT coalesce(max(id), 0) FROM posts"))

    def changes(self, after: int, upto: int | None = None, after_id: int = 0,
                limit: int | None = None) -> tuple[list[IndexedPost], list[int], int]:
        """Posts written and post ids removed after change `after` (up to change `upto`, else
        the newest), and the change number they go up to. A page of them with `limit`: the
        first `limit` posts by id over `after_id`, and the removed ids with the first page
        only (one transaction of a big dump writes hundreds of thousands of posts)."""
        upto = self.last_seq() if upto is None else upto
        page = "" if limit is None else f" LIMIT {int(limit)}"
        posts = list(starmap(IndexedPost, self._rows(
            f"SELECT {_INDEXED_SELECT} FROM posts p JOIN threads t USING (thread_id)"
            f" WHERE p.seq > ? AND p.seq <= ? AND p.id > ? ORDER BY p.id{page}",
            (after, upto, after_id))))
        gone = [] if after_id else [r[0] for r in self._rows(
            "SELECT id FROM removed WHERE seq > ? AND seq <= ?", (after, upto))]
        return posts, gone, upto

    def thread_head(self, thread_id: str) -> Thread | None:
        """A stored thread's title and forum, without posts."""
        rows = self._records("SELECT * FROM threads WHERE thread_id = ?", (thread_id,))
        return thread_from_row(rows[0]) if rows else None

    def thread(self, thread_id: str) -> Thread | None:
        """A stored thread with its posts in order, or None."""
        thread = self.thread_head(thread_id)
        if thread is not None:
            thread.posts = [post_from_row(r) for r in self._records(
                "SELECT * FROM posts WHERE thread_id = ? ORDER BY post_number", (thread_id,))]
        return thread

    def find_thread_ids(self, ref: str) -> list[str]:
        """The keys of the threads `ref` may name: its own key; "forum:id"; the forum's own
        id, which names one thread per forum that has it (several: the caller asks which)."""
        if self._one("SELECT 1 FROM threads WHERE thread_id = ?", (ref,)):
            return [ref]
        for i in (i for i, c in enumerate(ref) if c == ":"):
            found = self._one("SELECT k.thread_id FROM thread_keys k JOIN threads USING (thread_id)"
                              " WHERE k.forum = ? AND k.own_id = ?", (ref[:i], ref[i + 1:]))
            if found is not None:
                return [found]
        rows = self._rows("SELECT k.thread_id FROM thread_keys k JOIN threads USING (thread_id)"
                          " WHERE k.own_id = ? ORDER BY k.forum LIMIT 20", (ref,))
        if not rows:
            rows = self._rows(f"SELECT thread_id FROM threads WHERE thread_id {self._LIKE} ?"
                              " ORDER BY thread_id LIMIT 20", (f"%:{ref}",))
        return [r[0] for r in rows]

    def posts_by_ids(self, ids: list[int]) -> dict[int, StoredPost]:
        """Posts (with their thread's title) by store id."""
        out: dict[int, StoredPost] = {}
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i: i + CHUNK]
            posts = starmap(StoredPost, self._rows(
                f"SELECT {_STORED_SELECT} FROM posts p JOIN threads t USING (thread_id)"
                f" WHERE p.id IN ({','.join('?' * len(chunk))})", chunk))
            out.update((p.id, p) for p in posts)
        return out

    def opening_posts(self, thread_ids: list[str]) -> dict[str, int]:
        """The store id of each thread's post #1."""
        ids = list(dict.fromkeys(thread_ids))
        out: dict[str, int] = {}
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i: i + CHUNK]
            out.update(self._rows(f"SELECT thread_id, id FROM posts WHERE post_number = 1 AND "
                                  f"thread_id IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def threads(self, limit: int | None = None, offset: int = 0) -> list[Thread]:
        """Threads (without posts), most recently active first."""
        rows = self._records(self._THREADS_PAGE,
                             (self._NO_LIMIT if limit is None else limit, offset))
        return [thread_from_row(r) for r in rows]

    def post_counts(self, thread_ids: list[str]) -> dict[str, int]:
        """How many posts the store holds of each thread (not what its pages declare, which
        most engines never say)."""
        out: dict[str, int] = {}
        for i in range(0, len(thread_ids), CHUNK):
            chunk = thread_ids[i: i + CHUNK]
            out.update(self._rows(f"SELECT thread_id, posts FROM threads WHERE thread_id IN"
                                  f" ({','.join('?' * len(chunk))})", chunk))
        return out

    def iter_threads(self) -> Iterator[Thread]:
        """Every thread with its posts, in thread id order (for export and reindex)."""
        for (tid,) in self._rows("SELECT thread_id FROM threads ORDER BY thread_id"):
            thread = self.thread(tid)
            if thread is not None:
                yield thread

    def stats(self) -> StoreStats:
        """Counts for `kb stats` and the web front page."""
        one = self._one
        return {
            "threads": one("SELECT count(*) FROM threads"),
            "posts": one("SELECT count(*) FROM posts"),
            "authors": one("SELECT count(DISTINCT author) FROM posts"),
            "sources": one("SELECT count(*) FROM sources"),
            "formats": dict(self._rows("SELECT format, count(*) FROM sources GROUP BY format")),
            "first_posted": one("SELECT min(first_posted) FROM threads"),
            "last_posted": one("SELECT max(last_posted) FROM threads"),
        }

    def is_empty(self) -> bool:
        return self._one("SELECT 1 FROM posts LIMIT 1") is None

    # -- whole tables (kb migrate) ------------------------------------------------------------

    def table_rows(self, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        """Every row of one of the store's tables (`schema.TABLES`), in key order."""
        return iter(self._rows(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}"))
