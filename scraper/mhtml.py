"""MHTML: a page a browser saved as one file (Chrome's and Edge's "Webpage, Single File",
`.mhtml`; Internet Explorer's and Word's `.mht`), the way many people kept the forum threads
they cared about.

The file is a MIME message (multipart/related): the page's HTML in one part, quoted-printable
or base64, with the address it was saved from (Content-Location), and its images and style
sheets in the others. Each HTML part (the page, and any frame with a page of its own) goes
through detection and its format's parser as a saved page of that address would; the standard
library's `email` package reads the MIME.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message

from scraper.models import ParseError, Thread
from scraper.warc import combine, threads_of

FORMAT = "mhtml"

# The message header, up to its first blank line: a MIME version and a multipart/related body.
_HEADER_END = re.compile(r"\r?\n\r?\n")
_RELATED = re.compile(r"^content-type:\s*multipart/related\b", re.I | re.M)
_MIME = re.compile(r"^mime-version:", re.I | re.M)


# A page's own address, which a saved page names and a mail with pictures in it does not
_SAVED = re.compile(r"^(?:snapshot-)?content-location:|^from:.*\bsaved by\b", re.I | re.M)


def sniff(head: str, name: str) -> str | None:
    """A MIME message of related parts that names the address it was saved from; not an mbox
    (its "From " separator first), whose messages may be multipart/related too."""
    start = head.lstrip()
    if start.startswith(("<", "{", "[", "From ")):  # a page, JSON, an mbox: asked of every file
        return None
    end = _HEADER_END.search(head)
    header = head[: end.start()] if end else head[:4096]
    if _MIME.search(header) and _RELATED.search(header) and _SAVED.search(head):
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The threads of the page (and frames) the file holds."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if not message.is_multipart():
        raise ParseError("not a readable MHTML file: no parts in it")
    pages = [part for part in message.walk()
             if part.get_content_type() in ("text/html", "application/xhtml+xml")]
    if not pages:
        raise ParseError("not a readable MHTML file: no HTML page in it")
    threads: list[Thread] = []
    for part in pages:
        html = _html(part)
        if html:
            url = str(part.get("Content-Location") or message.get("Snapshot-Content-Location")
                      or name)
            threads.extend(threads_of(html, url, FORMAT))
    if not threads:
        raise ParseError(f"no thread page in this MHTML file ({len(pages)} HTML part(s) read)")
    return combine(threads)


def _html(part: Message) -> bytes | None:
    """The part's HTML as UTF-8 bytes where its charset is declared (the page's own <meta> may
    name another, or none), else its bytes as they are, for the parsers to decode."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    charset = part.get_content_charset()
    if charset:
        try:
            return payload.decode(charset).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            pass
    return payload
