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
        # Through the store's own statement helpers (either store; ? placeholders, SQL that
        # SQLite and PostgreSQL both read).
        self._rows = store._rows  # type: ignore[attr-defined]
        self._run = store._run  # type: ignore[attr-defined]

    def add(self, page: FrontierPage, active: str | None = None) -> bool:
        """Queue a page not seen before, by URL or by what it is (one page of a thread, or
        of a board, reached by two spellings of its address); True when it is new."""
        if self._rows("SELECT 1 FROM crawl_pages WHERE page_key = ? AND page_order = ?"
                      " AND kind = ? AND url != ? AND coalesce(alt, '') != ?",
                      (page.key, page.order, page.kind, page.url, page.url)):
            return False
        if self.known(page.url):
            return False
        self._run(
            "INSERT INTO crawl_pages(url, kind, page_key, page_order, scope, prefix,"
            " state, queued, active, alt) VALUES (?,?,?,?,?,?,?,"
            " (SELECT coalesce(max(queued), 0) + 1 FROM crawl_pages), ?, ?)"
            " ON CONFLICT DO NOTHING",
            (page.url, page.kind, page.key, page.order, page.scope, page.prefix, QUEUED, active,
             page.alt))
        return True

    def requeue(self, url: str) -> None:
        """Ask for a finished page again (a re-crawl's revalidation)."""
        self._run("UPDATE crawl_pages SET state = ?, reason = NULL, queued ="
                  " (SELECT max(queued) + 1 FROM crawl_pages) WHERE url = ? AND state != ?",
                  (QUEUED, url, QUEUED))

    def known(self, url: str) -> bool:
        return bool(self._rows("SELECT 1 FROM crawl_pages WHERE url = ?", (url,)))

    def pending(self) -> int:
        return int(self._rows("SELECT count(*) FROM crawl_pages WHERE state = ?", (QUEUED,))[0][0])

    def next(self, limit: int, skip: set[str] | None = None) -> list[FrontierPage]:
        """The oldest queued pages (breadth first), leaving out `skip` (those in flight)."""
        rows = self._rows(
            "SELECT url, kind, page_key, page_order, scope, prefix, alt FROM crawl_pages"
            " WHERE state = ? ORDER BY queued LIMIT ?", (QUEUED, limit + len(skip or ())))
        pages = [FrontierPage(*r) for r in rows if not skip or r[0] not in skip]
        return pages[:limit]

    def finish(self, url: str, state: str, reason: str | None = None) -> None:
        self._run("UPDATE crawl_pages SET state = ?, reason = ? WHERE url = ?", (state, reason, url))

    def page(self, url: str) -> FrontierPage | None:
        rows = self._rows("SELECT url, kind, page_key, page_order, scope, prefix, alt"
                          " FROM crawl_pages WHERE url = ?", (url,))
        return FrontierPage(*rows[0]) if rows else None

    def to_revalidate(self, prefix: str) -> list[str]:
        """A re-crawl's questions, under `prefix`: the first page of every board (new threads,
        threads that grew) and the last known page of every thread (its new posts, its link
        to a page that did not exist yet)."""
        rows = self._rows(
            "SELECT url FROM crawl_pages c WHERE state = ? AND prefix = ? AND page_order ="
            " (SELECT CASE c.kind WHEN 'thread' THEN max(page_order) ELSE min(page_order) END"
            "  FROM crawl_pages d WHERE d.page_key = c.page_key AND d.state = ?)"
            " ORDER BY queued", (DONE, prefix, DONE))
        return [r[0] for r in rows]

    def state(self, url: str) -> tuple[str, str | None] | None:
        """(state, reason) of a page, or None when the frontier does not hold it."""
        rows = self._rows("SELECT state, reason FROM crawl_pages WHERE url = ?", (url,))
        return (rows[0][0], rows[0][1]) if rows else None

    def to_retry(self, prefix: str) -> list[str]:
        """Pages under `prefix` given up on for a reason that may pass (timeouts, dropped
        connections, server errors), not those robots.txt forbids or the server says are gone."""
        rows = self._rows(
            "SELECT url FROM crawl_pages WHERE state = ? AND prefix = ? AND coalesce(reason, '')"
            " NOT LIKE 'robots.txt%' AND coalesce(reason, '') NOT LIKE 'HTTP 4%'"
            " ORDER BY queued", (FAILED, prefix))
        return [r[0] for r in rows]

    def failed(self) -> list[tuple[str, str]]:
        return [(r[0], r[1] or "") for r in self._rows(
            "SELECT url, reason FROM crawl_pages WHERE state = ? ORDER BY queued", (FAILED,))]

    def thread_pages(self) -> dict[str, str]:
        """URL -> kind of every page the frontier holds (which to ingest on a reparse)."""
        return {r[0]: r[1] for r in self._rows("SELECT url, kind FROM crawl_pages")}

    # -- responses and archives ---------------------------------------------------------------

    def record_fetch(self, url: str, status: int | None, fetched_at: str, etag: str | None,
                     last_modified: str | None, sha256: str | None, size: int | None,
                     warc: str | None, error: str | None = None) -> None:
        self._run(
            "INSERT INTO fetches(url, status, fetched_at, etag, last_modified, sha256, bytes,"
            " warc, error) VALUES (?,?,?,?,?,?,?,?,?)",
            (url, status, fetched_at, etag, last_modified, sha256, size, warc, error))

    def validators(self, url: str) -> Validators | None:
        """The last full (200) response's ETag, Last-Modified and content hash."""
        rows = self._rows("SELECT etag, last_modified, sha256 FROM fetches WHERE url = ?"
                          " AND status = 200 ORDER BY id DESC LIMIT 1", (url,))
        return Validators(*rows[0]) if rows else None

    def add_warc(self, path: str) -> None:
        self._run("INSERT INTO warcs(path) VALUES (?) ON CONFLICT DO NOTHING", (path,))

    def warcs(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT path FROM warcs ORDER BY created_at, path")]
