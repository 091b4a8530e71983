"""Discourse topics: the server-rendered crawler page, `/t/{id}.json`, `/raw` and markdown dumps.

Here: telling the four forms apart and reading the page's and the JSON's topic structure. The
posts' own source, "cooked" HTML or markdown, becomes text and quotes in `discourse_text`, which
also reads the two plain-text dumps.
"""

from __future__ import annotations

import json
import re
from typing import Any

import lxml.html
from lxml.etree import ParserError, _Element

from scraper.discourse_text import (
    MD_COUNTS,
    MD_HEADER,
    RAW_HEADER,
    cooked_bodies,
    cooked_text,
    iso_time,
    name_id,
    parse_md,
    parse_raw,
)
from scraper.fields import slug, to_int
from scraper.html import clean, decode
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Thread

FORMATS = ("discourse-html", "discourse-json", "discourse-raw", "discourse-md")

# Only looked for where the literal is there: the pattern alone is tried at every offset.
_CRAWLER = re.compile(r"""class=["'][^"']*\bcrawler-post\b""")
_GENERATOR = '<meta name="generator" content="Discourse'
_MD_START = re.compile(r"# \S")
_TOPIC_URL = re.compile(r"/t/(?:[^/?#]+/)?(\d+)")
_AVATAR_HOST = re.compile(r"/user_avatar/([a-z0-9.-]+\.[a-z]{2,})/", re.I)
_LIKE = 2  # Discourse's post action type id for a like
_POSTS = "//div[contains(concat(' ', normalize-space(@class), ' '), ' crawler-post ')]"
_OLD_POSTS = "//*[contains(@itemtype, 'DiscussionForumPosting')]"


def sniff(head: str, name: str) -> str | None:
    """Which Discourse form `head` is: discourse-html, -json, -raw or -md; None if none."""
    start = head.lstrip("\ufeff \t\r\n")
    if start.startswith("{"):
        return "discourse-json" if '"post_stream"' in head else None
    if RAW_HEADER.match(start):
        return "discourse-raw"
    if _MD_START.match(start) and (MD_COUNTS.search(head) or MD_HEADER.search(head)):
        return "discourse-md"
    if _GENERATOR in head or "crawler-post" in head and "<" in head and _CRAWLER.search(head):
        return "discourse-html"
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The one topic of a Discourse page or dump (format sniffed unless given)."""
    fmt = fmt or sniff(decode(data[:65536]), name)
    if fmt == "discourse-json":
        return [_parse_json(data, name)]
    text = decode(data)
    if fmt == "discourse-raw":
        return [parse_raw(text, name)]
    if fmt == "discourse-md":
        return [parse_md(text, name)]
    if fmt == "discourse-html":
        return [_parse_html(_strip_http(text))]
    raise ParseError(f"not a Discourse topic (format {fmt!r})")


# --- /t/{id}.json ----------------------------------------------------------------------------

def _parse_json(data: bytes, name: str) -> Thread:
    try:
        topic = json.loads(data)
    except ValueError as exc:
        raise ParseError(f"not a Discourse topic: invalid JSON ({exc})") from None
    stream = topic.get("post_stream") if isinstance(topic, dict) else None
    raw = [p for p in (stream or {}).get("posts") or [] if isinstance(p, dict)]
    if not raw:
        raise ParseError("no posts found: not a Discourse topic JSON")
    thread_id = str(topic.get("id") or name_id(name) or topic.get("slug") or "")
    if not thread_id:
        raise ParseError("Discourse topic JSON without a topic id")
    host = _avatar_host(raw)
    url = f"https://{host}/t/{topic.get('slug') or 'topic'}/{thread_id}" if host else None
    accepted = (topic.get("accepted_answer") or {}).get("post_number")
    bodies = cooked_bodies([str(p.get("cooked") or "") for p in raw])
    posts = [_json_post(p, body, thread_id, url, accepted)
             for p, body in zip(raw, bodies, strict=True)]
    return Thread(thread_id=thread_id, title=str(topic.get("title") or "").strip(),
                  posts=posts, posts_declared=to_int(str(topic.get("posts_count") or "")),
                  forum=host, url=url, format="discourse-json")


def _json_post(p: dict[str, Any], body: _Element, thread_id: str, url: str | None,
               accepted: int | None) -> Post:
    text, quotes = cooked_text(body, thread_id)
    number = p.get("post_number") if isinstance(p.get("post_number"), int) else None
    author = p.get("username") or p.get("name") or None
    return Post(body=text, post_number=number, post_id=_str(p.get("id")), author=author,
                author_source=AUTHOR_FROM_PAGE if author else None,
                author_title=p.get("user_title") or None,
                posted_at=iso_time(str(p.get("created_at") or "")), quotes=quotes,
                url=f"{url}/{number}" if url and number else None,
                reply_to=p.get("reply_to_post_number") or None, score=_likes(p),
                accepted=bool(p.get("accepted_answer")) or (number is not None and
                                                            number == accepted))


def _likes(p: dict[str, Any]) -> int | None:
    """Likes from actions_summary, which lists only actions that happened (none = 0 likes)."""
    actions = p.get("actions_summary")
    if not isinstance(actions, list):
        return None
    for action in actions:
        if isinstance(action, dict) and action.get("id") == _LIKE:
            return to_int(str(action.get("count")))
    return 0


def _avatar_host(raw: list[dict[str, Any]]) -> str | None:
    """The forum's host: Discourse serves local avatars from /user_avatar/{host}/."""
    for p in raw:
        m = _AVATAR_HOST.search(str(p.get("avatar_template") or ""))
        if m:
            return m.group(1).lower()
    return None


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# --- server-rendered crawler page ------------------------------------------------------------

def _strip_http(text: str) -> str:
    """Drop the HTTP status line and headers some saved responses start with."""
    if text.lstrip().startswith("HTTP/"):
        cut = re.search(r"\r?\n\r?\n", text)
        return text[cut.end():] if cut else ""
    return text


def _parse_html(text: str) -> Thread:
    try:
        doc = lxml.html.document_fromstring(text)
    except (ParserError, ValueError):
        raise ParseError("no posts found: not a Discourse topic page") from None
    url = _first(doc, "//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content")
    m = _TOPIC_URL.search(url or "")
    thread_id = m.group(1) if m else ""
    base = url.split("?")[0].rstrip("/") if url else None
    containers = doc.xpath(_POSTS) or doc.xpath(_OLD_POSTS)
    posts = [p for p in (_crawler_post(c, thread_id, base) for c in containers) if p]
    if not posts:
        raise ParseError("no posts found: not a Discourse topic page")
    title = _first(doc, "//meta[@property='og:title']/@content",
                   "//h1[contains(@class, 'crawler-topic-title')]",
                   "//h1/a[contains(@href, '/t/')]")
    if not title:
        # "<topic> - <category> - <site>"; the topic itself may hold " - ".
        parts = (_first(doc, "//title") or "").rsplit(" - ", 2)
        title = parts[0] if len(parts) == 3 else " - ".join(parts)
    thread_id = thread_id or slug(title)
    page = re.search(r"[?&]page=(\d+)", url or "")
    thread = Thread(thread_id=thread_id, title=title, posts=posts, url=url, forum=_host(url),
                    page=int(page.group(1)) if page else None, format="discourse-html")
    _merge_preloaded(doc, thread)
    return thread


def _crawler_post(el: _Element, thread_id: str, base: str | None) -> Post | None:
    body = _one(el, ".//*[@itemprop='articleBody' or @itemprop='text']",
                ".//div[@class='post']")
    if body is None:
        return None  # the "next page" navigation block shares the crawler-post class
    who = _one(el, ".//*[@itemprop='author']")
    name = _one(who, ".//*[@itemprop='name']") if who is not None else None
    author = clean(_content(name if name is not None else who)) if who is not None else None
    date = _one(el, ".//*[@itemprop='datePublished']")
    stamp = (date.get("datetime") or date.get("content")) if date is not None else None
    position = _one(el, ".//*[@itemprop='position']")
    number = to_int(position.text_content()) if position is not None else None
    if number is None and re.fullmatch(r"post_\d+", el.get("id") or ""):
        number = int((el.get("id") or "")[5:])
    text, quotes = cooked_text(body, thread_id)
    return Post(body=text, post_number=number, author=author,
                author_source=AUTHOR_FROM_PAGE if author else None,
                posted_at=iso_time(stamp or ""), quotes=quotes, score=_page_likes(el),
                url=f"{base}/{number}" if base and number else None)


def _page_likes(el: _Element) -> int | None:
    likes = el.xpath(".//*[@itemprop='interactionStatistic'][.//*[@itemprop='interactionType']"
                     "[contains(@content, 'LikeAction')]]//*[@itemprop='userInteractionCount']"
                     "/@content | .//meta[@itemprop='interactionCount']"
                     "[starts-with(@content, 'UserLikes')]/@content")
    return to_int(str(likes[0])) if likes else None


def _merge_preloaded(doc: _Element, thread: Thread) -> None:
    """Post ids, replies, accepted answers and the post count from the page's preloaded JSON.

    Best effort: saved pages may have the blob cut or mangled, and the crawler view already
    gave every post, so a failure only leaves these fields empty.
    """
    topic = _preloaded_topic(doc, thread.thread_id)
    if not topic:
        return
    thread.posts_declared = to_int(str(topic.get("posts_count") or ""))
    raw = {p.get("post_number"): p for p in (topic.get("post_stream") or {}).get("posts") or []
           if isinstance(p, dict)}
    for post in thread.posts:
        p = raw.get(post.post_number)
        if p:
            post.post_id = _str(p.get("id"))
            post.reply_to = p.get("reply_to_post_number") or None
            post.accepted = bool(p.get("accepted_answer"))
            post.author_title = p.get("user_title") or None


def _preloaded_topic(doc: _Element, thread_id: str) -> dict[str, Any] | None:
    found = doc.xpath("//*[@id='data-preloaded']/@data-preloaded")
    blob = str(found[0]) if found else ""
    if not blob or not thread_id:
        return None
    # The blob maps keys to JSON strings; decode only the topic's own string, so a mangled
    # "site" entry elsewhere in it does not cost us the topic.
    key = re.search(rf'"topic_{thread_id}"\s*:\s*(")', blob)
    try:
        value, _ = json.JSONDecoder().raw_decode(blob, key.start(1)) if key else (None, 0)
        topic = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return topic if isinstance(topic, dict) else None


def _one(el: _Element, *paths: str) -> _Element | None:
    for path in paths:
        found = el.xpath(path)
        if found:
            return found[0]
    return None


def _first(doc: _Element, *paths: str) -> str | None:
    """The first non-empty string any of the XPaths gives, whitespace-normalised."""
    for path in paths:
        for value in doc.xpath(path):
            text = clean(value.text_content() if hasattr(value, "text_content") else str(value))
            if text:
                return text
    return None


def _content(el: _Element) -> str:
    return el.get("content") or "" if el.tag == "meta" else el.text_content()


def _host(url: str | None) -> str | None:
    m = re.match(r"https?://([^/:?#]+)", url or "")
    return m.group(1).lower() if m else None
