"""Mailman's web archives: pipermail (Mailman 2) and Hyperkitty (Mailman 3) message pages.

A pipermail page is one message, generated from a fixed template: subject in <H1>, sender in
<B>, date in <I>, the plain-text body in <PRE> between <!--beginarticle--> and <!--endarticle-->.
A Hyperkitty message or thread page holds `div.email` blocks (templates/hyperkitty/messages/
message.html): `.email-author .name`, `.time span[title]`, `.email-body`, where its
`snip_quoted` filter has moved each run of "> " lines into a `div.quoted-text` behind a
`quoted-switch` link. Either body is mail text, split by `scraper.mailtext`.

A message page names no thread id, so pages are grouped by the list's address and the subject
less "Re:" and list tags, as an mbox of the list names its conversations (scraper.maillist), and
their posts stay unnumbered so that the message pages of one conversation add up
instead of replacing one another as "post 1". A post's id is the message's Message-ID, which
both archives put in the reply link they print (`mailto:list?In-Reply-To=<id>`: pipermail's
article template and Hyperkitty's "Reply" button both reply to the message shown): the same
message read from a pipermail page and from a Hyperkitty page is one post of one thread.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote

import lxml.html
from lxml.etree import ParserError, _Element

from scraper.html import clean, decode, element_text
from scraper.maillist import thread_name, thread_subject
from scraper.mailtext import split_mail
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Thread

FORMATS = ("pipermail-html", "hyperkitty-html")

_ARTICLE = re.compile(r"<!--beginarticle-->(.*?)<!--endarticle-->", re.S | re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HTML = re.compile(r"<(?:html|!doctype html)\b", re.I)
_HK = re.compile(r"""class=["'][^"']*\bemail-header\b""")
_HK_BODY = re.compile(r"""class=["'][^"']*\bemail-body\b""")
_LIST_ADDR = re.compile(r"mailto:([^?\"'\s]+?)(?:%40|@)([^?\"'\s]+)\?", re.I)
_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"


def sniff(head: str, name: str) -> str | None:
    """pipermail: the template's article comments; Hyperkitty: its email header and body."""
    if "<!--beginarticle-->" in head and _HTML.search(head):
        return "pipermail-html"
    # The literals first: the patterns alone try every class attribute of the page.
    if "email-author" in head and "email-body" in head and _HK.search(head) \
            and _HK_BODY.search(head):
        return "hyperkitty-html"
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The message(s) of a pipermail or Hyperkitty page as one thread."""
    # lxml refuses control characters in text it is given, and a damaged page may hold them.
    text = _CONTROL.sub("", decode(data))
    fmt = fmt or sniff(text[:65536], name)
    if fmt == "pipermail-html":
        return [_pipermail(text)]
    if fmt == "hyperkitty-html":
        return [_hyperkitty(text)]
    raise ParseError(f"not a Mailman archive page (format {fmt!r})")


def _doc(text: str) -> _Element:
    try:
        return lxml.html.document_fromstring(text)
    except (ParserError, ValueError):
        raise ParseError("no message found: not a Mailman archive page") from None


def _pipermail(text: str) -> Thread:
    article = _ARTICLE.search(text)
    if not article:
        raise ParseError("no message found: pipermail page without <!--beginarticle-->")
    head = _doc(text[: article.start()] + "</body></html>")
    subject = clean(" ".join(head.xpath("//h1//text()"))) or clean(
        " ".join(head.xpath("//title//text()"))) or ""
    author = clean(" ".join(head.xpath("(//body//b)[1]//text()")))
    when = clean(" ".join(head.xpath("(//body//i)[1]//text()")))
    body_doc = _doc(f"<html><body>{article.group(1)}</body></html>")
    # element_text, not text_content: <PRE> keeps its lines either way, and an archive that
    # kept HTML mail keeps its paragraphs.
    body, quotes, signature = split_mail(element_text(body_doc.xpath("//body")[0]))
    post = Post(body=body, author=author, author_source=AUTHOR_FROM_PAGE if author else None,
                posted_at=_pipermail_date(when), quotes=quotes, signature=signature,
                post_id=_message_id(head.xpath("//a/@href | //link/@href")) or _message_number(head))
    return Thread(thread_id=_thread_id(subject), title=thread_subject(subject) or subject,
                  posts=[post], forum=_list_address(text), format="pipermail-html")


def _hyperkitty(text: str) -> Thread:
    doc = _doc(text)
    posts = [p for p in (_hk_post(e) for e in doc.xpath(f"//div[{_CLASS.format('email')}]"))
             if p is not None]
    if not posts:
        raise ParseError("no message found: Hyperkitty page without div.email blocks")
    subject = clean(" ".join(doc.xpath(
        f"//div[{_CLASS.format('message-header')}]//h1//text() | "
        f"//div[{_CLASS.format('thread-header')}]//h3//text()"))) or clean(
        " ".join(doc.xpath("//title//text()"))) or ""
    return Thread(thread_id=_thread_id(subject), title=thread_subject(subject) or subject,
                  posts=posts, forum=_list_address(text), format="hyperkitty-html")


def _hk_post(email: _Element) -> Post | None:
    bodies = email.xpath(f".//div[{_CLASS.format('email-body')}]")
    if not bodies:
        return None
    body_el = bodies[0]
    for switch in body_el.xpath(f".//*[{_CLASS.format('quoted-switch')}]"):
        switch.drop_tree()
    for quoted in body_el.xpath(f".//*[{_CLASS.format('quoted-text')}]"):
        lines = quoted.text_content().strip("\n").split("\n")
        quoted.text, quoted.tail = "\n" + "\n".join(f">{x}" for x in lines) + "\n", quoted.tail
        for child in list(quoted):
            quoted.remove(child)
    body, quotes, signature = split_mail(body_el.text_content())
    author = clean(" ".join(email.xpath(
        f".//div[{_CLASS.format('email-author')}]//*[{_CLASS.format('name')}]//text()")))
    stamp = email.xpath(f".//div[{_CLASS.format('time')}]//span/@title")
    header = email.xpath(f".//div[{_CLASS.format('email-header')}]/@id")
    post_id = _message_id(email.xpath(f".//a[{_CLASS.format('reply-mailto')}]/@href"))
    return Post(body=body, author=author, author_source=AUTHOR_FROM_PAGE if author else None,
                posted_at=_hk_date(str(stamp[0])) if stamp else None, quotes=quotes,
                signature=signature, post_id=post_id or (str(header[0]) if header else None))


def _thread_id(subject: str) -> str:
    tid = thread_name(subject)  # as an mbox names the conversation (scraper.maillist)
    if not tid:
        raise ParseError("Mailman message page without a subject to name its thread")
    return tid


def _list_address(text: str) -> str | None:
    m = _LIST_ADDR.search(text)
    return f"{m.group(1)}@{m.group(2)}".lower() if m else None


def _message_id(hrefs: list[str]) -> str | None:
    """The Message-ID a reply link carries ("mailto:list?In-Reply-To=%3Cb2%40example.net%3E"),
    as mbox gives it: without the angle brackets."""
    for href in hrefs:
        href = str(href)
        if not href.lower().startswith("mailto:") or "?" not in href:
            continue
        for field in href.split("?", 1)[1].split("&"):
            name, _, value = field.partition("=")
            # unquote, not parse_qs: a "+" in a Message-ID ("CA+Tgm...") is no space
            found = unquote(value).strip().strip("<>").strip() if name.lower() == "in-reply-to" else ""
            if found:
                return found
    return None


def _message_number(head: _Element) -> str | None:
    """pipermail names a message by its archive number: the "date.html#1126" links."""
    for href in head.xpath("//a/@href"):
        m = re.search(r"(?:date|thread)\.html#(\d+)$", str(href))
        if m:
            return m.group(1)
    return None


def _pipermail_date(value: str | None) -> str | None:
    """"Tue Jan  1 22:23:52 PST 2008": the zone is a name Python cannot resolve, so the time
    is kept as the sender's wall clock."""
    if not value:
        return None
    parts = value.split()
    if len(parts) == 6:
        parts = parts[:4] + parts[5:]
    try:
        return datetime.strptime(" ".join(parts), "%a %b %d %H:%M:%S %Y").isoformat()
    except ValueError:
        return None


def _hk_date(title: str) -> str | None:
    """Django's DATETIME_FORMAT in English: "Oct. 3, 2019, 8:05 p.m.", "March 3, 2025, 10
    a.m." (no minutes on the hour), "Sept.", "noon"."""
    value = re.sub(r"^[^:]*time:\s*", "", title).strip()
    value = value.replace("a.m.", "AM").replace("p.m.", "PM").replace("Sept.", "Sep.")
    value = value.replace("noon", "12 PM").replace("midnight", "12 AM")
    for fmt in ("%b. %d, %Y, %I:%M %p", "%B %d, %Y, %I:%M %p", "%b. %d, %Y, %I %p",
                "%B %d, %Y, %I %p", "%a, %d %b %Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).isoformat()
        except ValueError:
            continue
    return None
