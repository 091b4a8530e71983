"""Thread dumps in, normalised `Thread`s out.

Every format lives in its own module and exposes two pure functions (no I/O, no store, no globals):

    sniff(head: str, name: str) -> str | None
        `head` is the first 64 KiB of the input decoded leniently, `name` the file name (may be "").
        Returns the format name this module recognises (e.g. "vbulletin-html"), else None.
        Key on each engine's stable markup, never on one site's theme classes.

    parse(data: bytes, name: str = "", format: str | None = None) -> list[Thread]
        The threads (usually one: the page's thread) with their posts in page order.
        Raises `ParseError` with a one-line reason a user can act on when the input is not usable.

`parse` below detects the format and then runs the shared clean-up of `normalise` once, for every
format: parsers never repeat it.
"""

from __future__ import annotations

from scraper.models import ParseError, Thread

__all__ = ["ParseError", "parse"]


def parse(data: bytes, name: str = "", format: str | None = None) -> list[Thread]:
    """Detect the format of `data` (unless given), parse it and normalise every thread."""
    from scraper import detect, normalise

    fmt = format or detect.detect(data, name)
    threads = detect.parser_for(fmt)(data, name, fmt)
    for thread in threads:
        thread.format = thread.format or fmt
        normalise.normalise(thread)
    return threads
