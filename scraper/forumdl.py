"""forum-dl's JSONL output: one entry per line, boards, threads, posts and files.

Each line is forum-dl's `Entry` (forum_dl/writers/common.py): {"generator": "forum-dl",
"version", "extractor": "discourse" | "phpbb" | "pipermail" | …, "download_time", "type":
"board" | "thread" | "post" | "file", "item": {…}}. A thread item has `path` (board ids then its
own id), `url` and `title`; a post item has its thread's `path`, a `subpath` (its own id, or the
reply chain in Hyperkitty), `author`, `creation_time`, `content` (the post's HTML) and `data`
(the engine's raw record: Discourse's post_number and reply_to_post_number). Versions before
the Entry wrapper wrote the item alone; both read.
"""

from __future__ import annotations

import json
import re
from typing import Any

import lxml.html
from lxml.etree import ParserError, _Element

from scraper.discourse_text import cooked_text
from scraper.html import clean, element_text
from scraper.mailtext import split_mail
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread
from scraper.quote_words import WROTE_ANY

FORMAT = "forum-dl-jsonl"

_GENERATOR = re.compile(r'"generator"\s*:\s*"forum-dl"')
_MAIL_EXTRACTORS = {"pipermail", "hyperkitty", "hypermail"}
_WROTE = re.compile(rf"^\s*(?P<name>.+?)\s+(?:{WROTE_ANY})\s*:?\s*$", re.I)


def sniff(head: str, name: str) -> str | None:
    """The first line is a forum-dl entry (or, before the Entry wrapper, a bare item)."""
    first = head.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    if not first.startswith("{"):
        return None
    if _GENERATOR.search(first):
        return FORMAT
    return FORMAT if all(f'"{k}"' in first for k in ("path", "origin", "data", "url")) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """Every thread the file holds posts of, in first-seen order, posts in file order."""
    threads: dict[tuple[str, ...], Thread] = {}
    titles: dict[tuple[str, ...], str] = {}
    for lineno, line in enumerate(data.decode("utf-8-sig", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        kind, extractor, item = _entry(line, lineno)
        path = tuple(str(p) for p in item.get("path") or [])
        if kind == "thread":
            titles[path] = str(item.get("title") or "")
        elif kind == "post" and path:
            thread = threads.get(path)
            if thread is None:
                thread = threads[path] = Thread(thread_id=path[-1], title="", format=FORMAT,
                                                forum=_host(str(item.get("url") or "")))
            thread.posts.append(_post(item, extractor, path[-1], len(thread.posts) + 1))
    if not threads:
        raise ParseError("no posts found: forum-dl JSONL without post entries "
                         "(run forum-dl with --posts)")
    for path, thread in threads.items():
        thread.title = titles.get(path) or thread.thread_id
        thread.url = next((p.url.rsplit("/", 1)[0] for p in thread.posts[:1]
                           if p.url and p.post_number and p.url.endswith(f"/{p.post_number}")),
                          None)
    return list(threads.values())


def _entry(line: str, lineno: int) -> tuple[str, str, dict[str, Any]]:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise ParseError(f"line {lineno}: invalid JSON ({exc}); not forum-dl JSONL") from None
    if not isinstance(obj, dict):
        raise ParseError(f"line {lineno}: expected a forum-dl entry object")
    wrapped = obj.get("item")
    item: dict[str, Any] = wrapped if isinstance(wrapped, dict) else obj
    kind = str(obj.get("type") or "")
    if not kind:  # a bare item: a post has content and an author, a thread only a title
        kind = "post" if "content" in item and "author" in item else (
            "thread" if "title" in item and "subpath" not in item else "")
    return kind, str(obj.get("extractor") or ""), item


def _post(item: dict[str, Any], extractor: str, thread_id: str, position: int) -> Post:
    found = item.get("data")
    raw: dict[str, Any] = found if isinstance(found, dict) else {}
    body, quotes = _content(str(item.get("content") or ""), extractor, thread_id)
    signature = None
    if extractor in _MAIL_EXTRACTORS:
        body, mail_quotes, signature = split_mail(body)
        quotes += mail_quotes
    number = raw.get("post_number") if isinstance(raw.get("post_number"), int) else position
    subpath = [str(s) for s in item.get("subpath") or []]
    author = clean(str(item.get("author") or "")) or None
    reply = raw.get("reply_to_post_number")
    return Post(body=body, post_number=number, post_id=subpath[-1] if subpath else None,
                author=author, author_source=AUTHOR_FROM_PAGE if author else None,
                posted_at=str(item.get("creation_time") or "") or None, quotes=quotes,
                signature=signature, url=str(item.get("url") or "") or None,
                reply_to=reply if isinstance(reply, int) else None)


def _content(html: str, extractor: str, thread_id: str) -> tuple[str, list[Quote]]:
    if not html.strip():
        return "", []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ParserError, ValueError):
        return html, []
    if extractor == "discourse":
        return cooked_text(root, thread_id)
    if extractor in _MAIL_EXTRACTORS:
        return root.text_content(), []
    return blockquote_text(root)


def blockquote_text(root: _Element) -> tuple[str, list[Quote]]:
    """A post's HTML as own text and its outermost <blockquote>s as quotes, the author from
    a leading <cite> ("X wrote:", phpBB's and XenForo's form) when there is one."""
    blocks = [b for b in root.iter("blockquote")
              if not any(a.tag == "blockquote" for a in b.iterancestors())]
    quotes = []
    for block in blocks:
        cites = block.xpath("./cite | ./div/cite")
        author = None
        if cites:
            m = _WROTE.match(cites[0].text_content())
            author = m.group("name") if m else clean(cites[0].text_content())
        text = element_text(block, skip=cites)
        if text:
            quotes.append(Quote(text=text, author=author))
    return element_text(root, skip=blocks), quotes


def _host(url: str) -> str | None:
    m = re.match(r"https?://([^/:?#]+)", url)
    return m.group(1).lower() if m else None
