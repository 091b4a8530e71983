"""`kb crawl`: fetch a forum's threads politely, archive every response, ingest as it goes.

The frontier lives in the store (`kb.store.frontier`): each page is marked done in the same
transaction that stores its posts and its fetch record, so a killed crawl resumes where it
stopped and fetches no finished page again. A crawl with nothing left queued is a re-crawl: it
asks again, with If-None-Match / If-Modified-Since, for the first page of each board and the
last known page of each thread, and follows only what changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from kb.fetch import Fetcher, Response
from kb.ingest import Source, Summary, ingest
from kb.knowledge import KB
from kb.scope import SITE, CrawlError, follows, holds_posts, site, start_pages
from kb.store import digest
from kb.store.frontier import DONE, FAILED, Frontier, FrontierPage
from scraper.urls import BOARD, THREAD, Page, classify, normalise

SYNC_EVERY = 200  # thread pages between two catch-ups of the search index and counts

__all__ = ["SITE", "CrawlError", "CrawlSummary", "Options", "crawl", "follows", "start_pages"]

@dataclass
class Options:
    max_pages: int | None = None
    delay: float = 1.0
    concurrency: int = 1
    warc: Path | None = None
    since: str | None = None  # YYYY[-MM[-DD]]: skip threads a board shows idle since before
    ingest: bool = True
    timeout: float = 30.0
    retries: int = 3
    whole_host: bool = False


@dataclass
class CrawlSummary:
    """What a crawl did; `errors` holds (url, reason) of the pages given up on."""

    fetched: int = 0
    not_modified: int = 0
    queued: int = 0
    disallowed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    start_failures: list[tuple[str, str]] = field(default_factory=list)  # what the user named
    warc: str = ""
    ingest: Summary = field(default_factory=Summary)

    def to_dict(self) -> dict[str, object]:
        return {"pages": {"fetched": self.fetched, "not_modified": self.not_modified,
                          "queued": self.queued},
                "disallowed": self.disallowed,
                "errors": [{"url": u, "reason": r} for u, r in self.errors],
                "start_failures": [{"url": u, "reason": r} for u, r in self.start_failures],
                "warc": self.warc, "ingest": self.ingest.to_dict()}


Progress = Callable[[CrawlSummary], None]


def crawl(kb: KB, urls: list[str], opts: Options, progress: Progress | None = None) -> CrawlSummary:
    """Crawl from `urls` (resuming an unfinished crawl first); never raises for one page."""
    starts = start_pages(urls, opts.whole_host)
    run = _Run(kb, opts, progress)
    try:
        run.seed(starts)
        run.loop()
        for start in starts:
            state = run.frontier.state(start.url)
            if state and state[0] == FAILED:
                run.summary.start_failures.append((start.url, state[1] or "failed"))
    finally:
        run.close()
    if opts.ingest:
        kb.sync()
    return run.summary


class _Run:
    def __init__(self, kb: KB, opts: Options, progress: Progress | None) -> None:
        from kb.archive import Archive

        self.kb, self.opts, self.progress = kb, opts, progress
        self.store = kb.store
        self.frontier = Frontier(kb.store)
        self.summary = CrawlSummary()
        path = opts.warc or _default_warc(kb.data_dir)
        self.archive = Archive(path)
        self.summary.warc = str(path)
        with self.store.transaction():
            self.frontier.add_warc(str(path.resolve()))
        self.fetcher = Fetcher(opts.delay, opts.timeout, opts.retries, self.archive.write)
        self.since = _since(opts.since)
        self.synced = 0  # thread pages ingested when the rankers last caught up
        self.html_only: set[str] = set()  # hosts whose API answered no (a static copy)

    def close(self) -> None:
        self.fetcher.close()
        self.archive.close()
        self.summary.queued = self.frontier.pending()

    def seed(self, starts: list[FrontierPage]) -> None:
        """Queue the start pages; a finished crawl's pages are asked again (revalidated)."""
        resuming = self.frontier.pending() > 0
        with self.store.transaction():
            for start in starts:
                if self.frontier.add(start) or resuming:
                    continue
                self.frontier.requeue(start.url)
                for url in self.frontier.to_revalidate(start.prefix):
                    self.frontier.requeue(url)
                for url in self.frontier.to_retry(start.prefix):
                    self.frontier.requeue(url)

    def loop(self) -> None:
        pool = ThreadPoolExecutor(max_workers=max(1, self.opts.concurrency))
        flying: dict[Future[Response | str], FrontierPage] = {}
        try:
            while True:
                room = self._room(len(flying))
                busy = {urlsplit(p.url).netloc for p in flying.values()}
                swapped = False
                for page in self.frontier.next(room * 4, skip={p.url for p in flying.values()}):
                    host = urlsplit(page.url).netloc
                    if page.alt and host in self.html_only:
                        self._as_html(page)
                        swapped = True
                        continue
                    if len(flying) >= self._room(0) or host in busy:
                        continue
                    busy.add(host)
                    flying[pool.submit(self._fetch, page, self._ask(page))] = page
                if not flying and not swapped:
                    return
                if not flying:
                    continue
                done, _ = wait(list(flying), return_when=FIRST_COMPLETED)
                for future in done:
                    self._handle(flying.pop(future), future.result())
        except BaseException:
            # Interrupted: what is in flight is dropped (those pages stay queued).
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def _as_html(self, page: FrontierPage) -> None:
        """A page queued as JSON on a host found to have none: read its HTML instead."""
        with self.store.transaction():
            self._queue(page, Page(page.alt, page.kind, page.key, page.order))
            self.frontier.finish(page.url, DONE, "no JSON on this host: read as HTML")

    def _room(self, in_flight: int) -> int:
        limit = max(1, self.opts.concurrency)
        if self.opts.max_pages is not None:
            limit = min(limit, self.opts.max_pages - self.summary.fetched - in_flight)
        return max(0, limit - in_flight)

    def _ask(self, page: FrontierPage) -> dict[str, str]:
        """Conditional headers from the page's last full response (a re-crawl's question)."""
        headers = {}
        known = self.frontier.validators(page.url)
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return headers

    def _fetch(self, page: FrontierPage, headers: dict[str, str]) -> Response | str:
        """The page's response, or why it may not be asked for (robots.txt; never requested).
        Runs in a worker thread: network only, the store is the main thread's."""
        refusal = self.fetcher.refusal(page.url)
        return refusal if refusal else self.fetcher.get(page.url, headers)

    def _handle(self, page: FrontierPage, r: Response | str) -> None:
        with self.store.transaction():
            if isinstance(r, str):
                if r.startswith("robots.txt disallows"):
                    self.summary.disallowed.append(page.url)
                else:
                    self.summary.errors.append((page.url, r))
                self.frontier.finish(page.url, FAILED, r)
            else:
                self._record(page, r)
            self.summary.queued = self.frontier.pending()
        if self.opts.ingest and self.summary.ingest.files >= self.synced + SYNC_EVERY:
            self.synced = self.summary.ingest.files
            self.kb.sync()  # a long crawl's posts are searchable before it ends
        if self.progress:
            self.progress(self.summary)

    def _record(self, page: FrontierPage, r: Response) -> None:
        s = self.summary
        sha = digest(r.body) if r.status == 200 else None
        self.frontier.record_fetch(page.url, r.status, r.fetched_at, r.header("ETag"),
                                   r.header("Last-Modified"), sha, len(r.body) if r.status else None,
                                   self.summary.warc, r.error)
        s.fetched += 1
        if r.error or r.status is None:
            s.errors.append((page.url, r.error or "no response"))
            self.frontier.finish(page.url, FAILED, r.error)
        elif r.status == 304:
            s.not_modified += 1
            self.frontier.finish(page.url, DONE)
        elif 300 <= r.status < 400 and r.header("Location"):
            self._redirect(page, urljoin(page.url, r.header("Location") or ""))
            self.frontier.finish(page.url, DONE)
        elif page.alt and (r.status in (400, 403, 404, 406, 410) or
                           (r.status == 200 and not r.body.lstrip().startswith(b"{"))):
            # No JSON here (a saved copy of the forum, an API switched off): read the HTML.
            self.html_only.add(urlsplit(page.url).netloc)
            self._queue(page, Page(page.alt, page.kind, page.key, page.order))
            self.frontier.finish(page.url, DONE, f"HTTP {r.status}: read as HTML instead")
        elif r.status != 200:
            s.errors.append((page.url, f"HTTP {r.status} {r.reason}".strip()))
            self.frontier.finish(page.url, FAILED, f"HTTP {r.status}")
        else:
            self._page(page, r)
            self.frontier.finish(page.url, DONE)

    def _redirect(self, page: FrontierPage, target: str) -> None:
        """Follow a redirect on the site; one to https or to the "www." name (or back) moves
        the crawl's prefix along."""
        there, here = urlsplit(normalise(target)), urlsplit(page.url)
        if site(there.netloc) != site(here.netloc):
            self.summary.errors.append((page.url, f"redirects off the site, to {target}"))
            return
        found = classify(target) or Page(normalise(target), page.kind, page.key, page.order)
        prefix = page.prefix
        if not found.url.startswith(prefix):
            old = urlsplit(prefix).path
            # The start page moved (a forum moved to another folder): the crawl moves with it.
            moved = old == here.path[: here.path.rfind("/") + 1]
            path = there.path[: there.path.rfind("/") + 1] if moved else old
            prefix = f"{there.scheme}://{there.netloc}{path}"
        self._queue(FrontierPage(page.url, page.kind, page.key, page.order, page.scope, prefix),
                    found)

    def _queue(self, parent: FrontierPage, page: Page, active: str | None = None) -> None:
        """Put a page found on `parent` in the frontier, with `parent`'s scope."""
        if page.alt and urlsplit(page.url).netloc in self.html_only:
            page = Page(page.alt, page.kind, page.key, page.order)
        self.frontier.add(FrontierPage(page.url, page.kind, page.key, page.order, parent.scope,
                                       parent.prefix, page.alt), active)

    def _page(self, page: FrontierPage, r: Response) -> None:
        from scraper.links import discover

        for found in discover(page.url, r.body, r.header("Content-Type") or ""):
            if not follows(page, found.page):
                continue
            if self.since and found.page.kind == THREAD and found.active and \
                    found.active < self.since and page.kind == BOARD:
                continue
            self._queue(page, found.page, found.active)
        if self.opts.ingest and holds_posts(page.url, page.kind):
            one = ingest(iter([Source(page.url, r.body, explicit=False)]), self.store)
            _add(self.summary.ingest, one)


def _add(total: Summary, one: Summary) -> None:
    total.files += one.files
    total.files_unchanged += one.files_unchanged
    total.threads |= one.threads
    total.added += one.added
    total.updated += one.updated
    total.unchanged += one.unchanged
    total.removed += one.removed
    total.skipped += one.skipped
    total.ignored += one.ignored
    total.changed_threads |= one.changed_threads


def _default_warc(data_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return data_dir / "crawl" / f"crawl-{stamp}.warc.gz"


def _since(value: str | None) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", value):
        raise CrawlError(f"--since {value!r}: give a date as YYYY, YYYY-MM or YYYY-MM-DD")
    return value
