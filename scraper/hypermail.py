"""Hypermail's archive pages (lists.w3.org and many older lists' archives): one message a page.

Written by hypermail's print.c: the message's fields in comments before the body
(`<!-- name="Bob Hub" -->`, `<!-- isosent="20250303150155" -->` in UTC, `<!-- id="…" -->`,
the Message-ID), and the body between `<!-- body="start" -->` and `<!-- body="end" -->`: an
`<address class="headers">` block (From, Date), the mail's lines ending in `<br />`, quoted
lines in `<em|span class="quotelevN">`, then "Received on". The title ends with the archive's
label in brackets, which names the list ("(www-style@w3.org from March 2005)").

As with pipermail pages, messages are grouped by the list and the subject less "Re:"
(`scraper.maillist`), and a post's id is its Message-ID: the same message from an mbox, a
pipermail page or a Hyperkitty page is one post.
"""

from __future__ import annotations

import html
import re

import lxml.html
from lxml.etree import ParserError

from scraper.html import clean, decode, element_text
from scraper.maillist import thread_name, thread_subject
from scraper.mailtext import split_mail
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Thread

FORMAT = "hypermail-html"

_GENERATOR = re.compile(r"""<meta\s+name=["']generator["']\s+content=["']hypermail\b""", re.I)
_FIELD = re.compile(r'<!-- (\w+)="(.*?)" -->', re.S)
_BODY = re.compile(r'<!-- body="start" -->(.*?)<!-- body="end" -->', re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ISO = re.compile(r"(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$")


def sniff(head: str, name: str) -> str | None:
    """Hypermail's generator line, and the fields of a message (not an index page); or, where
    a site's own header replaces hypermail's (a PHP include), the fields and the body's mark."""
    if "<!-- isosent=" not in head:
        return None
    if "hypermail" in head[:4096].lower() and _GENERATOR.search(head) \
            or '<!-- name="' in head and '<!-- body="start" -->' in head:
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's message as a thread of one post."""
    text = decode(data)
    body = _BODY.search(text)
    if body is None:
        raise ParseError('no message found: hypermail page without <!-- body="start" -->')
    fields = {k: html.unescape(v) for k, v in _FIELD.findall(text[:body.start()])}
    subject = clean(fields.get("subject", "")) or ""
    tid = thread_name(subject)
    if not tid:
        raise ParseError("hypermail message page without a subject to name its thread")
    body_text, quotes, signature = split_mail(_mail_text(body.group(1)))
    author = clean(fields.get("name", "")) or None
    post = Post(body=body_text, author=author, author_source=AUTHOR_FROM_PAGE if author else None,
                posted_at=_iso(fields.get("isosent", "")), quotes=quotes, signature=signature,
                post_id=fields.get("id", "").strip("<> ") or None)
    return [Thread(thread_id=tid, title=thread_subject(subject) or subject, posts=[post],
                   forum=_list(text), format=FORMAT)]


def _mail_text(fragment: str) -> str:
    """The mail's lines: the body without its From/Date block and its "Received on" line."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        raise ParseError("no message found: hypermail body unreadable") from None
    for el in root.xpath("//address[contains(@class, 'headers')] | //span[@id='received']"):
        el.drop_tree()
    return element_text(root)


def _iso(value: str) -> str | None:
    """"20250303150155", UTC (hypermail's secs_to_iso prints gmtime)."""
    m = _ISO.match(value.strip())
    if not m:
        return None
    y, mo, d, h, mi, s = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}+00:00"


def _list(text: str) -> str | None:
    """The list's address in the archive's label, at the title's end in brackets."""
    title = _TITLE.search(text[:8192])
    label = re.search(r"\(([^()]*)\)\s*$", html.unescape(title.group(1)).strip()) if title else None
    found = _ADDRESS.search(label.group(1)) if label else None
    return found.group(0).lower() if found else None
