"""The crawl's state in the store: the frontier, every response's record, the WARC files.

A page is `queued` until its response is handled, then `done` or `failed`; the caller marks it
in the same transaction that stores the page's posts (`Store.transaction` nests), so a killed
crawl resumes with exactly the pages it had not finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.store import Store

QUEUED, DONE, FAILED = "queued", "done", "failed"


@dataclass(frozen=True)
class FrontierPage:
    """One page of the frontier: what it is (`kind`, `key`, `order`, as `scraper.urls` named
    it) and how far its links may lead (`scope`, `prefix`)."""

    url: str
    kind: str
    key: str
    order: int
    scope: str
    prefix: str
    alt: str = ""  # the page as HTML when `url` is an API's (read when the API is not there)


@dataclass(frozen=True)
class Validators:
    """What the last full response of a URL said, to ask the server whether it changed."""

    etag: str | None
    last_modified: str | None
    sha256: str | None


class Frontier:
    """The crawl tables of one store (all their SQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def add(self, page: FrontierPage, active: str | None = None) -> bool:
        """Queue a page not seen before, by URL or by what it is (one page of a thread, or
        of a board, reached by two spellings of its address); True when it is new."""
        if self.db.execute("SELECT 1 FROM crawl_pages WHERE page_key = ? AND page_order = ?"
                           " AND kind = ? AND url != ? AND coalesce(alt, '') != ?",
                           (page.key, page.order, page.kind, page.url, page.url)).fetchone():
            return False
        cur = self.db.execute(
            "INSERT OR IGNORE INTO crawl_pages(url, kind, page_key, page_order, scope, prefix,"
            " state, queued, active, alt) VALUES (?,?,?,?,?,?,?,"
            " (SELECT coalesce(max(queued), 0) + 1 FROM crawl_pages), ?, ?)",
            (page.url, page.kind, page.key, page.order, page.scope, page.prefix, QUEUED, active,
             page.alt))
        return cur.rowcount > 0

    def requeue(self, url: str) -> None:
        """Ask for a finished page again (a re-crawl's revalidation)."""
        self.db.execute("UPDATE crawl_pages SET state = ?, reason = NULL, queued ="
                        " (SELECT max(queued) + 1 FROM crawl_pages) WHERE url = ? AND state != ?",
                        (QUEUED, url, QUEUED))

    def known(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM crawl_pages WHERE url = ?", (url,)).fetchone() \
            is not None

    def pending(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM crawl_pages WHERE state = ?",
                                   (QUEUED,)).fetchone()[0])

    def next(self, limit: int, skip: set[str] | None = None) -> list[FrontierPage]:
        """The oldest queued pages (breadth first), leaving out `skip` (those in flight)."""
        rows = self.db.execute(
            "SELECT url, kind, page_key, page_order, scope, prefix, alt FROM crawl_pages"
            " WHERE state = ? ORDER BY queued LIMIT ?", (QUEUED, limit + len(skip or ())))
        pages = [FrontierPage(*r) for r in rows if not skip or r[0] not in skip]
        return pages[:limit]

    def finish(self, url: str, state: str, reason: str | None = None) -> None:
        self.db.execute("UPDATE crawl_pages SET state = ?, reason = ? WHERE url = ?",
                        (state, reason, url))

    def page(self, url: str) -> FrontierPage | None:
        row = self.db.execute("SELECT url, kind, page_key, page_order, scope, prefix, alt"
                              " FROM crawl_pages WHERE url = ?", (url,)).fetchone()
        return FrontierPage(*row) if row else None

    def to_revalidate(self, prefix: str) -> list[str]:
        """A re-crawl's questions, under `prefix`: the first page of every board (new threads,
        threads that grew) and the last known page of every thread (its new posts, its link
        to a page that did not exist yet)."""
        rows = self.db.execute(
            "SELECT url FROM crawl_pages c WHERE state = ? AND prefix = ? AND page_order ="
            " (SELECT CASE c.kind WHEN 'thread' THEN max(page_order) ELSE min(page_order) END"
            "  FROM crawl_pages d WHERE d.page_key = c.page_key AND d.state = ?)"
            " ORDER BY queued", (DONE, prefix, DONE))
        return [r[0] for r in rows]

    def state(self, url: str) -> tuple[str, str | None] | None:
        """(state, reason) of a page, or None when the frontier does not hold it."""
        row = self.db.execute("SELECT state, reason FROM crawl_pages WHERE url = ?",
                              (url,)).fetchone()
        return (row[0], row[1]) if row else None

    def to_retry(self, prefix: str) -> list[str]:
        """Pages under `prefix` given up on for a reason that may pass (timeouts, dropped
        connections, server errors), not those robots.txt forbids or the server says are gone."""
        rows = self.db.execute(
            "SELECT url FROM crawl_pages WHERE state = ? AND prefix = ? AND coalesce(reason, '')"
            " NOT LIKE 'robots.txt%' AND coalesce(reason, '') NOT LIKE 'HTTP 4%'"
            " ORDER BY queued", (FAILED, prefix))
        return [r[0] for r in rows]

    def failed(self) -> list[tuple[str, str]]:
        return [(r[0], r[1] or "") for r in self.db.execute(
            "SELECT url, reason FROM crawl_pages WHERE state = ? ORDER BY queued", (FAILED,))]

    def thread_pages(self) -> dict[str, str]:
        """URL -> kind of every page the frontier holds (which to ingest on a reparse)."""
        return dict(self.db.execute("SELECT url, kind FROM crawl_pages").fetchall())

    # -- responses and archives ---------------------------------------------------------------

    def record_fetch(self, url: str, status: int | None, fetched_at: str, etag: str | None,
                     last_modified: str | None, sha256: str | None, size: int | None,
                     warc: str | None, error: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO fetches(url, status, fetched_at, etag, last_modified, sha256, bytes,"
            " warc, error) VALUES (?,?,?,?,?,?,?,?,?)",
            (url, status, fetched_at, etag, last_modified, sha256, size, warc, error))

    def validators(self, url: str) -> Validators | None:
        """The last full (200) response's ETag, Last-Modified and content hash."""
        row = self.db.execute("SELECT etag, last_modified, sha256 FROM fetches WHERE url = ?"
                              " AND status = 200 ORDER BY id DESC LIMIT 1", (url,)).fetchone()
        return Validators(*row) if row else None

    def add_warc(self, path: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO warcs(path) VALUES (?)", (path,))

    def warcs(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM warcs ORDER BY created_at, path")]
