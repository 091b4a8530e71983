"""Where a crawl may go: the start pages a user named, and which links it follows from a page.

A crawl stays on its start URL's host and under its path ("prefix"). From a thread's page it
goes only to that thread's other pages; from a board (scope `board:KEY`) to its threads and its
own next pages; from a forum's index (scope `site`) to every thread and board under the prefix.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from kb.store.frontier import FrontierPage
from scraper.urls import BOARD, THREAD, Page, classify, is_stack_exchange, normalise

SITE = "site"  # a scope: every thread and board under the prefix


class CrawlError(ValueError):
    """A crawl that cannot start; the message says what to do."""


def start_pages(urls: list[str], whole_host: bool = False) -> list[FrontierPage]:
    """The frontier entries of the URLs a user named, or CrawlError saying what is wrong."""
    out = []
    for raw in urls:
        parts = urlsplit(raw.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlError(f"{raw!r} is not a web address; give one like "
                             "https://forum.example.com/viewforum.php?f=2")
        if is_stack_exchange(parts.hostname):
            raise CrawlError(f"{parts.hostname} is a Stack Exchange site: kb reads those from "
                             "their data dumps (kb ingest Posts.xml), it does not crawl them")
        url = normalise(raw)
        page = classify(url) or Page(url, BOARD, url, 0, engine=False)
        path = urlsplit(url).path
        prefix = f"{parts.scheme}://{urlsplit(url).netloc}" + ("/" if whole_host else
                                                              path[: path.rfind("/") + 1])
        scope = (f"thread:{page.key}" if page.kind == THREAD else
                 f"board:{page.key}" if page.engine else SITE)
        out.append(FrontierPage(page.url, page.kind, page.key, page.order, scope, prefix))
    return out


def follows(parent: FrontierPage, page: Page) -> bool:
    """May a crawl go from `parent` to `page`? Under the prefix; from a thread only to its own
    pages; from a board (scope board:KEY) to threads and that board's own pages; from a
    forum's index (scope site) to every thread and board."""
    if not page.url.startswith(parent.prefix):
        return False
    if parent.kind == THREAD:
        return page.kind == THREAD and page.key == parent.key
    if page.kind == THREAD or parent.scope == SITE:
        return True
    return parent.scope == f"board:{page.key}"


def holds_posts(url: str, kind: str) -> bool:
    """Is this page ingested? A thread's pages; and a start page no rule names, which may
    itself be a thread of an engine kb has no rules for (a listing is ignored by ingest)."""
    return kind == THREAD or (kind == BOARD and classify(url) is None)


def site(netloc: str) -> str:
    netloc = netloc.lower()
    return netloc[4:] if netloc.startswith("www.") else netloc
