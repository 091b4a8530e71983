"""`kb reparse`: every archived crawl response parsed again and re-ingested, with no network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kb.ingest import Source, Summary, ingest
from kb.knowledge import KB
from kb.scope import holds_posts
from kb.store.frontier import Frontier
from scraper.urls import classify


def reparse(kb: KB, progress: Callable[[int], None] | None = None) -> Summary:
    """Re-ingest every thread page in the recorded WARCs, parsed again (after a parser
    improved): no network. The last full capture of each URL is the one read."""
    from kb.archive import responses

    frontier = Frontier(kb.store)
    kinds = frontier.thread_pages()
    latest: dict[str, bytes] = {}
    for path in frontier.warcs():
        if not Path(path).exists():
            continue
        for url, status, _ctype, body in responses(Path(path)):
            page = classify(url)
            kind = kinds.get(url) or (page.kind if page else None)
            if status == 200 and kind and holds_posts(url, kind):
                latest[url] = body
    sources = (Source(url, body, explicit=False) for url, body in latest.items())
    summary = ingest(sources, kb.store, reparse=True,
                     on_file=(lambda s: progress(1)) if progress else None)
    kb.sync()
    return summary
