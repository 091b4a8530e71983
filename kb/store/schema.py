"""The store's schema: `MIGRATIONS[i]` moves a SQLite store from version i to i + 1, and
`PG_MIGRATIONS[i]` a PostgreSQL one, at the same version numbers (a store migrated across keeps
its version, its post ids and its change numbers, so derived indexes keep following it).

Kept apart from the queries (`kb/store/sql.py`) so each reads in one sitting; all are the store
package, which holds all of kb's SQL.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    """
    CREATE TABLE sources (
        path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, format TEXT, threads INTEGER,
        posts INTEGER, ingested_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
    CREATE INDEX sources_sha ON sources(sha256);
    CREATE TABLE parts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, thread_id TEXT NOT NULL, source_path TEXT NOT NULL,
        data TEXT NOT NULL, UNIQUE(thread_id, source_path));
    CREATE TABLE threads (
        thread_id TEXT PRIMARY KEY, title TEXT NOT NULL, posts_declared INTEGER, forum TEXT,
        url TEXT, format TEXT, posts INTEGER NOT NULL DEFAULT 0, first_posted TEXT,
        last_posted TEXT);
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY, thread_id TEXT NOT NULL, post_number INTEGER NOT NULL,
        post_id TEXT, author TEXT, author_source TEXT, author_title TEXT, author_joined TEXT,
        author_location TEXT, author_posts INTEGER, posted_at TEXT, body TEXT NOT NULL,
        quotes TEXT NOT NULL, signature TEXT, url TEXT, reply_to INTEGER, score INTEGER,
        accepted INTEGER NOT NULL DEFAULT 0, source_path TEXT, source_format TEXT,
        source_page INTEGER, digest TEXT NOT NULL, UNIQUE(thread_id, post_number));
    CREATE INDEX posts_author ON posts(author);
    """,
    # v2: change tracking, so the search index follows the store incrementally.
    """
    ALTER TABLE posts ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX posts_seq ON posts(seq);
    CREATE TABLE removed (id INTEGER NOT NULL, seq INTEGER NOT NULL);
    CREATE INDEX removed_seq ON removed(seq);
    """,
    # v3: a changed file's parts are found by path.
    """
    CREATE INDEX parts_source ON parts(source_path);
    """,
    # v4: a thread is (forum, the forum's own id); kb.identity says which key names it. Old
    # stores kept two forums' topic 7210 apart only by title, so their keys are worked out
    # again from the parts (`kb.identity.rekey`).
    """
    CREATE TABLE thread_keys (
        thread_id TEXT PRIMARY KEY, forum TEXT NOT NULL, own_id TEXT NOT NULL,
        UNIQUE(forum, own_id));
    CREATE INDEX thread_keys_own ON thread_keys(own_id);
    """,
    # v5: `kb crawl`. The frontier (every page a crawl found, queued, done or failed, with the
    # scope its links may lead to), every response it got, and the WARC files that hold them.
    # IF NOT EXISTS: tests build older stores by rolling a new store's version number back.
    """
    CREATE TABLE IF NOT EXISTS crawl_pages (
        url TEXT PRIMARY KEY, kind TEXT NOT NULL, page_key TEXT NOT NULL,
        page_order INTEGER NOT NULL DEFAULT 0, scope TEXT NOT NULL, prefix TEXT NOT NULL,
        state TEXT NOT NULL, reason TEXT, queued INTEGER NOT NULL, active TEXT, alt TEXT);
    CREATE INDEX IF NOT EXISTS crawl_pages_state ON crawl_pages(state, queued);
    CREATE INDEX IF NOT EXISTS crawl_pages_queued ON crawl_pages(queued);
    CREATE INDEX IF NOT EXISTS crawl_pages_key ON crawl_pages(page_key, page_order);
    CREATE TABLE IF NOT EXISTS fetches (
        id INTEGER PRIMARY KEY, url TEXT NOT NULL, status INTEGER, fetched_at TEXT NOT NULL,
        etag TEXT, last_modified TEXT, sha256 TEXT, bytes INTEGER, warc TEXT, error TEXT);
    CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
    CREATE TABLE IF NOT EXISTS warcs (
        path TEXT PRIMARY KEY,
        created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# PostgreSQL: the same tables and columns. Integers are BIGINT (SQLite's are 64-bit); keys and
# dates compare bytewise (COLLATE "C", as SQLite does), so order does not hang on the server's
# locale.
PG_MIGRATIONS: list[str] = [
    """
    CREATE TABLE sources (
        path TEXT COLLATE "C" PRIMARY KEY, sha256 TEXT NOT NULL, format TEXT, threads BIGINT,
        posts BIGINT,
        ingested_at TEXT DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
    CREATE INDEX sources_sha ON sources(sha256);
    CREATE TABLE parts (
        seq BIGSERIAL PRIMARY KEY, thread_id TEXT COLLATE "C" NOT NULL,
        source_path TEXT COLLATE "C" NOT NULL, data TEXT NOT NULL, UNIQUE(thread_id, source_path));
    CREATE TABLE threads (
        thread_id TEXT COLLATE "C" PRIMARY KEY, title TEXT NOT NULL, posts_declared BIGINT,
        forum TEXT COLLATE "C", url TEXT, format TEXT, posts BIGINT NOT NULL DEFAULT 0,
        first_posted TEXT COLLATE "C", last_posted TEXT COLLATE "C");
    CREATE TABLE posts (
        id BIGSERIAL PRIMARY KEY, thread_id TEXT COLLATE "C" NOT NULL, post_number BIGINT NOT NULL,
        post_id TEXT, author TEXT, author_source TEXT, author_title TEXT, author_joined TEXT,
        author_location TEXT, author_posts BIGINT, posted_at TEXT COLLATE "C", body TEXT NOT NULL,
        quotes TEXT NOT NULL, signature TEXT, url TEXT, reply_to BIGINT, score BIGINT,
        accepted BIGINT NOT NULL DEFAULT 0, source_path TEXT, source_format TEXT,
        source_page BIGINT, digest TEXT NOT NULL, UNIQUE(thread_id, post_number));
    CREATE INDEX posts_author ON posts(author);
    """,
    """
    ALTER TABLE posts ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
    CREATE INDEX posts_seq ON posts(seq);
    CREATE TABLE removed (id BIGINT NOT NULL, seq BIGINT NOT NULL);
    CREATE INDEX removed_seq ON removed(seq);
    """,
    """
    CREATE INDEX parts_source ON parts(source_path);
    """,
    """
    CREATE TABLE thread_keys (
        thread_id TEXT COLLATE "C" PRIMARY KEY, forum TEXT COLLATE "C" NOT NULL,
        own_id TEXT COLLATE "C" NOT NULL, UNIQUE(forum, own_id));
    CREATE INDEX thread_keys_own ON thread_keys(own_id);
    """,
    """
    CREATE TABLE IF NOT EXISTS crawl_pages (
        url TEXT COLLATE "C" PRIMARY KEY, kind TEXT NOT NULL, page_key TEXT COLLATE "C" NOT NULL,
        page_order BIGINT NOT NULL DEFAULT 0, scope TEXT NOT NULL, prefix TEXT COLLATE "C" NOT NULL,
        state TEXT NOT NULL, reason TEXT, queued BIGINT NOT NULL, active TEXT, alt TEXT);
    CREATE INDEX IF NOT EXISTS crawl_pages_state ON crawl_pages(state, queued);
    CREATE INDEX IF NOT EXISTS crawl_pages_queued ON crawl_pages(queued);
    CREATE INDEX IF NOT EXISTS crawl_pages_key ON crawl_pages(page_key, page_order);
    CREATE TABLE IF NOT EXISTS fetches (
        id BIGSERIAL PRIMARY KEY, url TEXT COLLATE "C" NOT NULL, status BIGINT,
        fetched_at TEXT NOT NULL, etag TEXT, last_modified TEXT, sha256 TEXT, bytes BIGINT,
        warc TEXT, error TEXT);
    CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
    CREATE TABLE IF NOT EXISTS warcs (
        path TEXT COLLATE "C" PRIMARY KEY,
        created_at TEXT DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
    """,
]
assert len(PG_MIGRATIONS) == SCHEMA_VERSION, "one PostgreSQL migration per SQLite one"

THREAD_COLUMNS = ["thread_id", "title", "posts_declared", "forum", "url", "format", "posts",
                  "first_posted", "last_posted"]
_POST_COLUMNS = ("id thread_id post_number post_id author author_source author_title"
                 " author_joined author_location author_posts posted_at body quotes signature url"
                 " reply_to score accepted source_path source_format source_page digest seq")
# Every table of the store with its columns, key first: what `kb migrate` copies and checks.
TABLES: dict[str, list[str]] = {
    "sources": ["path", "sha256", "format", "threads", "posts", "ingested_at"],
    "parts": ["seq", "thread_id", "source_path", "data"],
    "threads": THREAD_COLUMNS,
    "posts": _POST_COLUMNS.split(),
    "removed": ["id", "seq"],
    "thread_keys": ["thread_id", "forum", "own_id"],
    "crawl_pages": ["url", "kind", "page_key", "page_order", "scope", "prefix", "state",
                    "reason", "queued", "active", "alt"],
    "fetches": ["id", "url", "status", "fetched_at", "etag", "last_modified", "sha256", "bytes",
                "warc", "error"],
    "warcs": ["path", "created_at"],
}
# Columns whose values come from a sequence: PostgreSQL's must move past what was copied.
SERIALS = {"parts": "seq", "posts": "id", "fetches": "id"}
