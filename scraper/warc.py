"""WARC files (web archive crawls, how forum archives are distributed): every thread inside.

Each HTML or JSON response record (status 200) goes through detection and its format's parser,
exactly as if it had been saved as a file named by its URL; records no format recognises
(index pages, images, robots.txt) are passed over. Pages of one thread captured in one WARC
come out as one thread, a later capture of a post replacing an earlier one: the store keeps
one parse per thread and file.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

from scraper.models import ParseError, Post, Thread

FORMAT = "warc"

_WANTED = re.compile(r"html|json|xml|text/plain", re.I)


def sniff(head: str, name: str) -> str | None:
    """A WARC record header opens the file; a gzipped WARC is known by its name and magic
    bytes only (its header is compressed), and `parse` checks the rest."""
    if re.match(r"WARC/\d\.\d+\r?\n", head):
        return FORMAT
    if head.startswith("\x1f\ufffd") and re.search(r"\.warc\.gz(?:ip)?$", name, re.I):
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The threads of every thread page or dump the WARC's responses hold."""
    threads: list[Thread] = []
    read = records = 0
    for url, payload, error in _records(data):
        if error:
            if threads:  # a crawl cut short still gives the pages before the cut
                break
            raise ParseError(f"not a readable WARC file: {error}")
        records += 1
        if payload is not None:
            read += 1
            threads.extend(threads_of(payload, url))
    if not records:
        raise ParseError("not a readable WARC file: no WARC records in it")
    if not threads:
        raise ParseError(f"no thread pages in this WARC ({read} HTML/JSON responses read)")
    return combine(threads)


def _records(data: bytes) -> list[tuple[str, bytes | None, str | None]]:
    """(target URL, wanted payload or None, None) for each record, then ("", None, reason)
    if the file stops being readable.

    warcio fails on hostile input in ways of its own (AttributeError on a header line it
    cannot split, zlib errors on a damaged member), so any exception from it ends the read;
    and it writes a warning to stderr for every bad Content-Length, which is ours to report,
    not a library's: kept off the terminal while it reads.
    """
    from warcio.archiveiterator import ArchiveIterator

    out: list[tuple[str, bytes | None, str | None]] = []
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            for record in ArchiveIterator(io.BytesIO(data)):
                if record.rec_type is not None:
                    out.append((_target(record), _payload(record), None))
        except Exception as exc:  # noqa: BLE001 - see the docstring
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            out.append(("", None, reason[:200]))
    return out


def _payload(record: Any) -> bytes | None:
    """The body of an HTML/JSON response with status 200 (or a resource record), else None."""
    if record.rec_type == "response" and record.http_headers is not None:
        if record.http_headers.get_statuscode() != "200":
            return None
        ctype = record.http_headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource":
        ctype = record.rec_headers.get_header("Content-Type") or ""
    else:
        return None
    if ctype and not _WANTED.search(ctype):
        return None
    body: bytes = record.content_stream().read()
    return body


def _target(record: Any) -> str:
    return str(record.rec_headers.get_header("WARC-Target-URI") or "")


def threads_of(payload: bytes, url: str, within: str = FORMAT) -> list[Thread]:
    """The threads of one page (or dump) a container holds (a WARC's response, an MHTML's
    HTML part), read as a file saved from `url` would be; none where no format reads it."""
    # Imported here: the registry imports this module.
    from scraper.detect import detect, parser_for

    try:
        fmt = detect(payload, url)
        if fmt == within:
            return []  # a container inside one of its kind is not a page
        threads = parser_for(fmt)(payload, url, fmt)
    except ParseError:
        return []
    for thread in threads:
        thread.url = thread.url or url or None
        thread.format = thread.format or fmt
        for post in thread.posts:
            post.source_page = post.source_page or thread.page
    return threads


def combine(threads: list[Thread]) -> list[Thread]:
    """One thread per (forum, id): its pages' posts in page order, a re-captured post (same
    id, else same number) replacing the earlier capture in place."""
    groups: dict[tuple[str | None, str], list[Thread]] = {}
    for thread in threads:
        groups.setdefault((thread.forum, thread.thread_id), []).append(thread)
    out = []
    for parts in groups.values():
        if len(parts) == 1:
            out.append(parts[0])
            continue
        parts.sort(key=lambda t: t.page or 0)
        posts: dict[tuple[str, str], Post] = {}
        for i, post in enumerate(p for part in parts for p in part.posts):
            key = (("id", post.post_id) if post.post_id else
                   ("n", str(post.post_number)) if post.post_number else ("i", str(i)))
            posts[key] = post
        base = parts[0]
        base.posts = list(posts.values())
        base.page = None
        base.page_count = max((p.page_count or 0 for p in parts), default=0) or None
        base.posts_declared = max((p.posts_declared or 0 for p in parts), default=0) or None
        out.append(base)
    return out
