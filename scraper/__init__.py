"""Thread dumps in, normalised `Thread`s out: `parse` is the one way in.

Every format lives in its own module and exposes two pure functions (no I/O, no store, no globals),
listed in the registry of `scraper.detect`:

    sniff(head: str, name: str) -> str | None
        `head` is the first 64 KiB of the input decoded leniently, `name` the file name (may be "").
        Returns the format name this module recognises (e.g. "vbulletin-html"), else None.
        Key on each engine's stable markup, never on one site's theme classes.

    parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]
        The threads (usually one: the page's thread) with their posts in page order.
        Raises `ParseError` with a one-line reason a user can act on when the input is not usable.

`parse` below unpacks a gzip, bzip2, xz or zstd file (`scraper.compressed`), detects the
format, runs its parser, tags every post with the file it came from and then runs the shared
clean-up of `normalise` once, for every format: parsers never repeat it. Merging the pages of
a thread that came in separate files (`scraper.merge`) happens where those files are kept, in
`kb.ingest`.
"""

from __future__ import annotations

from scraper.models import NotAThread, ParseError, Thread

__all__ = ["NotAThread", "ParseError", "parse", "parse_with_format"]


def parse(data: bytes, path: str = "", fmt: str | None = None, *,
          normalised: bool = True) -> list[Thread]:
    """The threads in one file: unpacked if compressed, its format detected (unless `fmt` names
    it), parsed, normalised.

    With `normalised=False` the threads come as the parser read them, which is what the store
    keeps of each file: when another page of a thread arrives, the parts are merged and the
    merge is normalised once (normalising twice is not the same as once).
    """
    return parse_with_format(data, path, fmt, normalised=normalised)[1]


def parse_with_format(data: bytes, path: str = "", fmt: str | None = None, *,
                      normalised: bool = True) -> tuple[str, list[Thread]]:
    """`parse`, and the format it read the file as (what it holds, for a compressed file)."""
    # Imported here, not above: the parsers bring in bs4 and lxml (~150 ms), and every `kb`
    # command imports `scraper.models` (through the store) whether it parses anything or not.
    from scraper.compressed import inner_name, unpacked
    from scraper.detect import HTML_ENGINES, parser_for
    from scraper.detect import detect as detect_format
    from scraper.normalise import normalise

    held = unpacked(data)
    # The parsers are told the name of what the file holds ("Posts.xml", not "Posts.xml.gz"),
    # so a compressed copy reads as the plain file does; the posts keep the real path.
    name = path if held is data else inner_name(path)
    detected = fmt is None
    fmt = fmt or detect_format(held, name)
    try:
        threads = parser_for(fmt)(held, name, fmt)
    except ParseError as engine_error:
        # Another view of a known engine (a Discourse topic saved from the browser, not its
        # crawler view): its parser finds no posts, the generic extractor may. Where that
        # finds none either, the engine's parser says why, unless the page is known to be no
        # thread (a board's list of topics, a member's profile).
        if not detected or fmt not in HTML_ENGINES:
            raise
        import scraper.generic as generic

        try:
            threads = generic.parse(held, name)
        except NotAThread:
            raise
        except ParseError:
            raise engine_error from None
        fmt = generic.FORMAT
    for thread in threads:
        for post in thread.posts:
            post.source_path, post.source_format = path, fmt
            post.source_page = post.source_page or thread.page
        thread.format = thread.format or fmt
    return fmt, [normalise(t) for t in threads] if normalised else threads
