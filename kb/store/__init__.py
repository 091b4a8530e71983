"""The post store: SQLite, the source of truth. All SQL of kb lives in this module.

Schema is versioned with `PRAGMA user_version`; `MIGRATIONS[i]` moves a store from version i to
i + 1, so an old data dir opens with a newer kb. Besides the normalised posts the store keeps what
each input file's parser produced (`parts`): when another page of a thread arrives, the thread is
merged and normalised again from those, so the result never depends on ingest order.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from itertools import starmap
from pathlib import Path
from typing import TypedDict

from kb.identity import qualified, rekey
from kb.rows import (
    POST_COLUMNS,
    IndexedPost,
    StoredPost,
    part,
    post_from_row,
    post_row,
    thread_from_dict,
    thread_from_row,
)
from kb.store.schema import MIGRATIONS, SCHEMA_VERSION
from scraper.models import Thread

# Run after the SQL of the same version, in its transaction.
_AFTER: dict[int, Callable[[Store], None]] = {4: rekey}


def _select(record: type[IndexedPost]) -> str:
    """The columns of `record`'s fields: t.title is the thread's, the others the post's."""
    return ", ".join("t.title" if f.name == "title" else f"p.{f.name}" for f in fields(record))


_INDEXED_SELECT, _STORED_SELECT = _select(IndexedPost), _select(StoredPost)


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


class Store:
    """One SQLite database in the data dir; open it per process (or per web app)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.row_factory = sqlite3.Row
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}; "
                             "pass another --data-dir or remove the damaged file") from None
        except OSError as exc:
            raise StoreError(f"cannot create the data dir {self.path.parent}: "
                             f"{exc.strerror or exc}; pass a writable --data-dir") from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"the store {self.path} was written by a newer kb "
                             f"(schema {version}); upgrade kb")
        for i in range(version, SCHEMA_VERSION):
            with self.transaction():
                if self.db.execute("PRAGMA user_version").fetchone()[0] > i:
                    continue  # another process migrated it while this one waited
                for statement in MIGRATIONS[i].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                if i + 1 in _AFTER:
                    _AFTER[i + 1](self)
                self.db.execute(f"PRAGMA user_version = {i + 1}")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; a second writer waits (busy timeout) instead of failing.
        Nested (inside `batch()`, or a crawl's transaction for one page), a savepoint: undone
        alone if it fails, committed with the outer one, so a crawled page's posts, its fetch
        record and its frontier state commit together or not at all."""
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
        self._seq: int | None = None
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

    # -- sources ------------------------------------------------------------------------------

    def source_state(self, path: str, sha256: str) -> str:
        """'unchanged' (these bytes were ingested), 'changed' (the path had other bytes) or 'new'."""
        if self.seen(sha256):
            return "unchanged"
        if self.db.execute("SELECT 1 FROM sources WHERE path = ?", (path,)).fetchone():
            return "changed"
        return "new"

    def has_source(self, path: str) -> bool:
        return self.db.execute("SELECT 1 FROM sources WHERE path = ?", (path,)).fetchone() \
            is not None

    def seen(self, sha256: str) -> tuple[int, int] | None:
        """(threads, posts) an identical file brought in before, or None."""
        row = self.db.execute("SELECT threads, posts FROM sources WHERE sha256 = ? LIMIT 1",
                              (sha256,)).fetchone()
        return (row[0], row[1]) if row else None

    def put_source(self, path: str, sha256: str, fmt: str, threads: int, posts: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sources(path, sha256, format, threads, posts) VALUES (?,?,?,?,?)",
            (path, sha256, fmt, threads, posts))

    def drop_source_parts(self, path: str) -> list[str]:
        """Forget what a changed file contributed; returns the threads to rebuild."""
        rows = self.db.execute("SELECT thread_id FROM parts WHERE source_path = ?", (path,))
        ids = [r[0] for r in rows]
        self.db.execute("DELETE FROM parts WHERE source_path = ?", (path,))
        return ids

    # -- parser output (parts) ----------------------------------------------------------------

    def put_part(self, thread: Thread, source_path: str) -> None:
        """Keep what the parser produced from one file for one thread (before normalising)."""
        self.db.execute("INSERT OR REPLACE INTO parts(thread_id, source_path, data) VALUES (?,?,?)",
                        (thread.thread_id, source_path, json.dumps(part(thread))))

    def part_count(self, thread_id: str) -> int:
        return int(self.db.execute("SELECT count(*) FROM parts WHERE thread_id = ?",
                                   (thread_id,)).fetchone()[0])

    def parts(self, thread_id: str) -> list[Thread]:
        """Every file's parse of this thread, in ingest order."""
        rows = self.db.execute("SELECT data FROM parts WHERE thread_id = ? ORDER BY seq",
                               (thread_id,))
        parts = [thread_from_dict(json.loads(r[0])) for r in rows]
        for p in parts:
            p.thread_id = thread_id  # the data keeps the key it had before a rename
        return parts

    def all_parts(self) -> list[tuple[int, str, str, Thread]]:
        """(seq, thread key, source path, parse) of every part, in ingest order."""
        rows = self.db.execute("SELECT seq, thread_id, source_path, data FROM parts ORDER BY seq")
        return [(r[0], r[1], r[2], thread_from_dict(json.loads(r[3]))) for r in rows]

    def set_part(self, seq: int, thread: Thread) -> None:
        """Give part `seq` the key and forum `thread` has now."""
        self.db.execute("UPDATE parts SET thread_id = ?, data = ? WHERE seq = ?",
                        (thread.thread_id, json.dumps(part(thread)), seq))

    # -- thread identity (kb.identity) --------------------------------------------------------

    def thread_key(self, forum: str, own_id: str) -> str:
        """The key of the forum's thread `own_id`, assigned on first sight: the bare id while
        no other forum has it; once two do, `forum:id` for each (the earlier one renamed)."""
        row = self.db.execute("SELECT thread_id FROM thread_keys WHERE forum = ? AND own_id = ?",
                              (forum, own_id)).fetchone()
        if row:
            return str(row[0])
        others = self.db.execute("SELECT thread_id, forum FROM thread_keys WHERE own_id = ?",
                                 (own_id,)).fetchall()
        for key, other in others:
            if key == own_id:
                self.rename_thread(key, qualified(other, own_id))
        key = own_id
        if others or self.db.execute("SELECT 1 FROM thread_keys WHERE thread_id = ?",
                                     (key,)).fetchone():
            key = qualified(forum, own_id)
        self.register_key(key, forum, own_id)
        return key

    def register_key(self, key: str, forum: str, own_id: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO thread_keys(thread_id, forum, own_id)"
                        " VALUES (?,?,?)", (key, forum, own_id))

    def rename_thread(self, old: str, new: str) -> None:
        """Move a thread to another key; its posts count as changed, so the index follows."""
        self.db.execute("UPDATE thread_keys SET thread_id = ? WHERE thread_id = ?", (new, old))
        self.db.execute("UPDATE threads SET thread_id = ? WHERE thread_id = ?", (new, old))
        self.db.execute("UPDATE parts SET thread_id = ? WHERE thread_id = ?", (new, old))
        self.db.execute("UPDATE posts SET thread_id = ?, seq = ? WHERE thread_id = ?",
                        (new, self._next_seq(), old))

    def drop_thread(self, key: str) -> None:
        """Forget a thread and its posts (the index is told they are gone)."""
        seq = self._next_seq()
        self.db.execute("INSERT INTO removed(id, seq) SELECT id, ? FROM posts WHERE thread_id = ?",
                        (seq, key))
        self.db.execute("DELETE FROM posts WHERE thread_id = ?", (key,))
        self.db.execute("DELETE FROM threads WHERE thread_id = ?", (key,))

    def set_thread_forum(self, key: str, forum: str) -> None:
        self.db.execute("UPDATE threads SET forum = ? WHERE thread_id = ?", (forum, key))

    def thread_ids(self) -> set[str]:
        """Every stored thread's key."""
        return {r[0] for r in self.db.execute("SELECT thread_id FROM threads")}

    # -- normalised threads and posts ---------------------------------------------------------

    def write_thread(self, thread: Thread) -> dict[str, int]:
        """Make the stored thread equal `thread`, touching only posts that differ."""
        posts = thread.posts
        dates = sorted(p.posted_at for p in posts if p.posted_at)
        self.db.execute(
            "INSERT OR REPLACE INTO threads(thread_id, title, posts_declared, forum, url, format,"
            " posts, first_posted, last_posted) VALUES (?,?,?,?,?,?,?,?,?)",
            (thread.thread_id, thread.title, thread.posts_declared, thread.forum, thread.url,
             thread.format, len(posts), dates[0] if dates else None, dates[-1] if dates else None))
        old = dict(self.db.execute("SELECT post_number, digest FROM posts WHERE thread_id = ?",
                                   (thread.thread_id,)).fetchall())
        counts = {"added": 0, "updated": 0, "unchanged": 0, "removed": 0}
        rows = []
        for post in posts:
            row = post_row(post)
            mark = row["digest"]
            before = old.pop(post.post_number, None)
            if before == mark:
                counts["unchanged"] += 1
                continue
            counts["updated" if before else "added"] += 1
            rows.append([thread.thread_id] + [row[c] for c in POST_COLUMNS] + [mark])
        seq = self._next_seq()
        if old:
            counts["removed"] = len(old)
            gone = [(thread.thread_id, n) for n in old]
            self.db.executemany(
                "INSERT INTO removed(id, seq) SELECT id, ? FROM posts"
                " WHERE thread_id = ? AND post_number = ?", [(seq, *g) for g in gone])
            self.db.executemany("DELETE FROM posts WHERE thread_id = ? AND post_number = ?", gone)
        cols = ", ".join(["thread_id"] + POST_COLUMNS + ["digest", "seq"])
        marks = ", ".join("?" * (len(POST_COLUMNS) + 3))
        updates = ", ".join(f"{c}=excluded.{c}" for c in POST_COLUMNS + ["digest", "seq"])
        self.db.executemany(
            f"INSERT INTO posts({cols}) VALUES ({marks}) ON CONFLICT(thread_id, post_number) "
            f"DO UPDATE SET {updates}", [r + [seq] for r in rows])
        return counts

    def _next_seq(self) -> int:
        """One change number per write transaction: the index asks for changes after its last."""
        if getattr(self, "_seq", None) is None:
            self._seq = self.last_seq() + 1
        return self._seq  # type: ignore[return-value]

    def max_post_id(self) -> int:
        """The highest post id so far: posts written later get higher ones."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0])

    def last_seq(self) -> int:
        """The newest change number in the store (0 when nothing was written)."""
        row = self.db.execute("SELECT max(coalesce((SELECT max(seq) FROM posts), 0),"
                              " coalesce((SELECT max(seq) FROM removed), 0))").fetchone()
        return int(row[0])

    def changes(self, after: int, upto: int | None = None
                ) -> tuple[list[IndexedPost], list[int], int]:
        """Posts written and post ids removed after change `after` (up to change `upto`, else
        the newest), and the change number they go up to."""
        upto = self.last_seq() if upto is None else upto
        cursor = self.db.cursor()
        cursor.row_factory = None  # plain tuples, straight into the dataclass
        posts = list(starmap(IndexedPost, cursor.execute(
            f"SELECT {_INDEXED_SELECT} FROM posts p JOIN threads t USING (thread_id)"
            " WHERE p.seq > ? AND p.seq <= ? ORDER BY p.id", (after, upto))))
        gone = [r[0] for r in self.db.execute(
            "SELECT id FROM removed WHERE seq > ? AND seq <= ?", (after, upto))]
        return posts, gone, upto

    def _stored_posts(self, sql: str, params: Sequence[object]) -> list[StoredPost]:
        cursor = self.db.cursor()
        cursor.row_factory = None
        return list(starmap(StoredPost, cursor.execute(sql, params)))

    def thread_head(self, thread_id: str) -> Thread | None:
        """A stored thread's title and forum, without posts."""
        row = self.db.execute("SELECT * FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
        return thread_from_row(row) if row else None

    def thread(self, thread_id: str) -> Thread | None:
        """A stored thread with its posts in order, or None."""
        row = self.db.execute("SELECT * FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
        if row is None:
            return None
        thread = thread_from_row(row)
        thread.posts = [post_from_row(r) for r in self.db.execute(
            "SELECT * FROM posts WHERE thread_id = ? ORDER BY post_number", (thread_id,))]
        return thread

    def find_thread_ids(self, ref: str) -> list[str]:
        """The keys of the threads `ref` may name: its own key; "forum:id"; the forum's own
        id, which names one thread per forum that has it (several: the caller asks which)."""
        if self.db.execute("SELECT 1 FROM threads WHERE thread_id = ?", (ref,)).fetchone():
            return [ref]
        for i in (i for i, c in enumerate(ref) if c == ":"):
            row = self.db.execute(
                "SELECT k.thread_id FROM thread_keys k JOIN threads USING (thread_id)"
                " WHERE k.forum = ? AND k.own_id = ?", (ref[:i], ref[i + 1:])).fetchone()
            if row:
                return [row[0]]
        rows = self.db.execute(
            "SELECT k.thread_id FROM thread_keys k JOIN threads USING (thread_id)"
            " WHERE k.own_id = ? ORDER BY k.forum LIMIT 20", (ref,)).fetchall()
        if not rows:
            rows = self.db.execute("SELECT thread_id FROM threads WHERE thread_id LIKE ?"
                                   " ORDER BY thread_id LIMIT 20", (f"%:{ref}",)).fetchall()
        return [r[0] for r in rows]

    def posts_by_ids(self, ids: list[int]) -> dict[int, StoredPost]:
        """Posts (with their thread's title) by store id."""
        out: dict[int, StoredPost] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i: i + 500]
            posts = self._stored_posts(
                f"SELECT {_STORED_SELECT} FROM posts p JOIN threads t USING (thread_id)"
                f" WHERE p.id IN ({','.join('?' * len(chunk))})", chunk)
            out.update((p.id, p) for p in posts)
        return out

    def opening_posts(self, thread_ids: list[str]) -> dict[str, int]:
        """The store id of each thread's post #1."""
        ids = list(dict.fromkeys(thread_ids))
        rows = self.db.execute(
            f"SELECT thread_id, id FROM posts WHERE post_number = 1 AND thread_id IN "
            f"({','.join('?' * len(ids))})", ids) if ids else []
        return {r[0]: r[1] for r in rows}

    def threads(self, limit: int | None = None, offset: int = 0) -> list[Thread]:
        """Threads (without posts), most recently active first."""
        rows = self.db.execute(
            "SELECT * FROM threads ORDER BY last_posted DESC, thread_id LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, offset))
        return [thread_from_row(r) for r in rows]

    def post_counts(self, thread_ids: list[str]) -> dict[str, int]:
        """How many posts the store holds of each thread (not what its pages declare, which
        most engines never say)."""
        out: dict[str, int] = {}
        for i in range(0, len(thread_ids), 500):
            chunk = thread_ids[i: i + 500]
            out.update(self.db.execute(
                f"SELECT thread_id, posts FROM threads WHERE thread_id IN"
                f" ({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def iter_threads(self) -> Iterator[Thread]:
        """Every thread with its posts, in thread id order (for export and reindex)."""
        ids = [r[0] for r in self.db.execute("SELECT thread_id FROM threads ORDER BY thread_id")]
        for tid in ids:
            thread = self.thread(tid)
            if thread is not None:
                yield thread

    def stats(self) -> StoreStats:
        """Counts for `kb stats` and the web front page."""
        one = self.db.execute
        return {
            "threads": one("SELECT count(*) FROM threads").fetchone()[0],
            "posts": one("SELECT count(*) FROM posts").fetchone()[0],
            "authors": one("SELECT count(DISTINCT author) FROM posts").fetchone()[0],
            "sources": one("SELECT count(*) FROM sources").fetchone()[0],
            "formats": dict(one("SELECT format, count(*) FROM sources GROUP BY format").fetchall()),
            "first_posted": one("SELECT min(first_posted) FROM threads").fetchone()[0],
            "last_posted": one("SELECT max(last_posted) FROM threads").fetchone()[0],
        }

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM posts LIMIT 1").fetchone() is None
