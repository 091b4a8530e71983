"""The registry of formats: which parser reads which format, and which format an input is.

Detection is by content, never by file extension alone. The registry is two static tables: the
sniffers in the order they are asked, and the parser of every format name.
"""

from __future__ import annotations

from collections.abc import Callable

import scraper.discourse as discourse
import scraper.forumdl as forumdl
import scraper.generic as generic
import scraper.hypermail as hypermail
import scraper.jsonl as jsonl
import scraper.mailman as mailman
import scraper.mbox as mbox
import scraper.mhtml as mhtml
import scraper.nodebb as nodebb
import scraper.phpbb as phpbb
import scraper.reddit as reddit
import scraper.reddit_dump as reddit_dump
import scraper.stackexchange as stackexchange
import scraper.vbulletin_html as vbulletin_html
import scraper.vbulletin_text as vbulletin_text
import scraper.warc as warc
import scraper.xenforo as xenforo
from scraper.models import NotAThread, ParseError, Thread

Sniffer = Callable[[str, str], "str | None"]
Parser = Callable[[bytes, str, "str | None"], list[Thread]]

# Most specific first: a Discourse crawler page also looks like generic HTML, a kb-jsonl line
# like any JSON. Each sniffer names the format it recognises, or None.
SNIFFERS: tuple[Sniffer, ...] = (
    warc.sniff,
    mhtml.sniff,
    mbox.sniff,
    mailman.sniff,
    hypermail.sniff,
    reddit.sniff,
    reddit_dump.sniff,
    forumdl.sniff,
    jsonl.sniff,
    stackexchange.sniff,
    discourse.sniff,
    vbulletin_html.sniff,
    xenforo.sniff,
    phpbb.sniff,
    nodebb.sniff,
    vbulletin_text.sniff,
)
# Asked after every sniffer above: any HTML page no engine's own parser claimed is mined for
# its post records.
FALLBACK: Sniffer = generic.sniff

PARSERS: dict[str, Parser] = {
    warc.FORMAT: warc.parse,
    mhtml.FORMAT: mhtml.parse,
    mbox.FORMAT: mbox.parse,
    **{name: mailman.parse for name in mailman.FORMATS},
    hypermail.FORMAT: hypermail.parse,
    reddit.FORMAT: reddit.parse,
    reddit_dump.FORMAT: reddit_dump.parse,
    forumdl.FORMAT: forumdl.parse,
    jsonl.FORMAT: jsonl.parse,
    stackexchange.FORMAT: stackexchange.parse,
    **{name: discourse.parse for name in discourse.FORMATS},
    vbulletin_html.FORMAT: vbulletin_html.parse,
    xenforo.FORMAT: xenforo.parse,
    phpbb.FORMAT: phpbb.parse,
    nodebb.FORMAT: nodebb.parse,
    vbulletin_text.FORMAT: vbulletin_text.parse,
    generic.FORMAT: generic.parse,
}


# Pages an engine's sniffer claims that its parser may find no posts in: another view of the
# engine (a page saved from the browser after its scripts ran, an archive or print view). The
# generic extractor reads those (`scraper.parse`).
HTML_ENGINES = frozenset({vbulletin_html.FORMAT, xenforo.FORMAT, phpbb.FORMAT, nodebb.FORMAT,
                          "discourse-html", *mailman.FORMATS, hypermail.FORMAT})

_NOT_BINARY = (b"\xff\xfe", b"\xfe\xff", b"\x1f\x8b", b"WARC/")


def detect(data: bytes, name: str = "") -> str:
    """The format name of `data`, or ParseError saying why nothing recognised it."""
    if not data.strip():
        raise ParseError("empty file")
    # UTF-16 text, and WARCs (plain or gzipped), which hold images beside their pages.
    if b"\x00" in data[:8192] and not data.startswith(_NOT_BINARY):
        raise ParseError("binary file, not a thread dump")
    head = data[:65536].decode("utf-8", errors="replace")
    if head.startswith("\ufeff"):
        head = head[1:]
    for sniff in (*SNIFFERS, FALLBACK):
        fmt = sniff(head, name)
        if fmt:
            return fmt
    raise NotAThread("not a recognised forum thread format (see `kb ingest --help` for formats)")


def formats() -> list[str]:
    """Every format name some parser reads, for `--format` choices."""
    return list(PARSERS)


def parser_for(fmt: str) -> Parser:
    """The parser that reads `fmt`, or ParseError naming the formats there are."""
    try:
        return PARSERS[fmt]
    except KeyError:
        raise ParseError(f"unknown format {fmt!r}; choose one of: {', '.join(formats())}") from None
