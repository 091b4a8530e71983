"""NodeBB server-rendered topic pages ("nodebb-html").

NodeBB themes mark every part of a topic with a `component` attribute: `li[component="post"]`
carries data-index (0 = the topic's first post), data-pid, data-username and data-timestamp;
the words are in `[component="post/content"]`. A quote is a <blockquote> preceded by a paragraph
"@user said in <a href="/post/123">Topic</a>:". The page also embeds its data as JSON in
`<script id="ajaxify-data">`, used here only for what the HTML does not show.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from scraper.fields import slug, to_int
from scraper.html import Index, clean, get_text, index_by, outermost, page_url, soup, text_of
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread

FORMAT = "nodebb-html"


# One pattern each, each opening with a character that has no case (see vbulletin_html).
_SNIFFS = [re.compile(r"""=(?<=component=)["'](?:post|topic)["/]""", re.I),
           re.compile(r"""<script id=["']ajaxify-data""", re.I)]
_TOPIC_ID = re.compile(r"/topic/(\d+)")
_POST_LINK = re.compile(r"/post/(\d+)")
_EMBED = re.compile(r"embeds?-container|^iframely")
_SAID_IN = re.compile(r"^@?(.+?)\s+said in\s.*:\s*$", re.S)


def sniff(head: str, name: str) -> str | None:
    """'nodebb-html' when the page is a NodeBB topic (its `component` attributes), else None."""
    return FORMAT if any(p.search(head) for p in _SNIFFS) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's topic with its posts, in page order."""
    doc = soup(data)
    idx = index_by(doc, "component")
    ajaxify = _ajaxify(doc)
    url = page_url(doc)
    users = {str(p.get("pid")): p.get("user") or {} for p in ajaxify.get("posts") or []
             if isinstance(p, dict)}
    posts: list[Post] = []
    parents: list[str | None] = []
    # Persona renders posts as <li>; other themes put data-pid on whatever element they use.
    for li in (el for el in idx.get("post", []) if el.name == "li" or el.get("data-pid")):
        post, parent = _post(li, url, users)
        if post is not None:
            posts.append(post)
            parents.append(parent)
    if not posts:
        raise ParseError("no posts found: not a NodeBB topic page")
    number = {p.post_id: p.post_number for p in posts}
    for post, parent in zip(posts, parents, strict=True):
        post.reply_to = number.get(parent) if parent else None
    thread = _thread(doc, idx, ajaxify, url)
    thread.posts = posts
    return [thread]


def _first(idx: Index, component: str) -> Tag | None:
    found = idx.get(component)
    return found[0] if found else None


def _ajaxify(doc: BeautifulSoup) -> dict[str, Any]:
    script = doc.find("script", id="ajaxify-data")
    try:
        data = json.loads(script.string or "") if isinstance(script, Tag) else {}
    except ValueError:  # a truncated page cuts the JSON short; the HTML still has the posts
        return {}
    return data if isinstance(data, dict) else {}



def _thread(doc: BeautifulSoup, idx: Index, ajaxify: dict[str, Any], url: str | None) -> Thread:
    title = clean(get_text(_first(idx, "topic/title"))) or clean(str(ajaxify.get("titleRaw") or ""))
    if not title:
        og = doc.find("meta", property="og:title")
        raw = str(og.get("content", "")) if isinstance(og, Tag) else ""
        raw = raw or (doc.title.get_text() if doc.title else "")
        title = clean(raw.split(" | ")[0]) or "untitled"
    topic = _first(idx, "topic")
    tid = str(topic.get("data-tid", "")) if topic is not None else ""
    if not tid.isdigit():
        m = _TOPIC_ID.search(url or "")
        tid = m.group(1) if m else str(ajaxify.get("tid") or "")
    tid = tid or slug(title) or "nodebb"
    count = _first(idx, "topic/post-count")
    declared = to_int(str(count.get("title") or count.get_text())) if count is not None else None
    if declared is None:
        declared = to_int(str(ajaxify.get("postcount", "")))
    page, page_count = _pages(idx, ajaxify)
    return Thread(thread_id=tid, title=title, posts_declared=declared, url=url,
                  forum=urlparse(url).hostname if url else None,
                  page=page, page_count=page_count, format=FORMAT)


def _pages(idx: Index, ajaxify: dict[str, Any]) -> tuple[int | None, int | None]:
    pagination = ajaxify.get("pagination")
    if isinstance(pagination, dict) and pagination.get("pageCount"):
        return (to_int(str(pagination.get("currentPage", ""))),
                to_int(str(pagination.get("pageCount", ""))))
    nav = _first(idx, "pagination")
    if nav is None:
        return None, None
    numbers = [n for n in (to_int(str(a.get("data-page"))) for a in nav.find_all("a")) if n]
    active = nav.find("li", class_="active")
    return (to_int(active.get_text()) if active else None, max(numbers, default=None))


def _post(li: Tag, base: str | None, users: dict[str, Any]) -> tuple[Post | None, str | None]:
    """One post, and the pid of the post it replies to (NodeBB's toPid), when it names one."""
    idx = index_by(li, "component")
    content = _first(idx, "post/content")
    if content is None:
        return None, None
    quotes, skip = _quotes(content)
    # Link-preview plugins (github-embed, iframely) add cards about the linked page: not words.
    skip += content.find_all("div", class_=_EMBED)
    pid = str(li.get("data-pid", "")) or None
    index = to_int(str(li.get("data-index", "")))
    link = li.find("a", class_="permalink", href=True)
    votes = _first(idx, "post/vote-count")
    sig = _first(idx, "post/signature")
    user = users.get(pid or "") or {}
    post = Post(body=text_of(content, skip=skip), quotes=quotes, post_id=pid,
                post_number=index + 1 if index is not None else None,
                posted_at=_posted_at(li),
                url=urljoin(base or "", str(link["href"])) if isinstance(link, Tag) else None,
                signature=(text_of(sig) or None) if sig is not None else None,
                score=to_int(str(votes.get("data-votes") or votes.get_text())) if votes else None,
                # NodeBB's topic view does not print the post count; its page data has it.
                author_posts=to_int(str(user.get("postcount", ""))) if isinstance(user, dict)
                else None)
    shown = li.find(itemprop="author")
    name = clean(get_text(shown)) or clean(str(li.get("data-username", "")))
    post.author, post.author_source = name, AUTHOR_FROM_PAGE if name else None
    parent = _first(idx, "post/parent")
    return post, (str(parent.get("data-topid", "")) or None) if parent is not None else None


def _posted_at(li: Tag) -> str | None:
    stamp = to_int(str(li.get("data-timestamp", "")))  # milliseconds since 1970, UTC
    if stamp:
        return datetime.fromtimestamp(stamp / 1000, UTC).isoformat(timespec="seconds")
    meta = li.find("meta", itemprop="datePublished")
    text = str(meta.get("content", "")) if isinstance(meta, Tag) else ""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat(timespec="seconds")
    except ValueError:
        return None


def _quotes(content: Tag) -> tuple[list[Quote], list[Tag]]:
    """The outermost blockquotes as Quotes; the blockquotes and their headers to leave out."""
    found = content.find_all("blockquote")
    ids = {id(q) for q in found}
    quotes: list[Quote] = []
    skip: list[Tag] = []
    for bq in found:
        if not outermost(bq, ids, content):
            continue
        header = _header(bq)
        nested = bq.find_all("blockquote")
        inner_skip = nested + [h for h in map(_header, nested) if h is not None]
        author, pid = _attribution(header)
        quotes.append(Quote(text=text_of(bq, skip=inner_skip), author=author, post_id=pid))
        skip += [bq] + ([header] if header is not None else [])
    return quotes, skip



def _header(bq: Tag) -> Tag | None:
    """The "@user said in <topic>:" paragraph just before a quote, if it is one."""
    prev = bq.find_previous_sibling()
    if not isinstance(prev, Tag) or prev.name != "p":
        return None
    text = clean(prev.get_text()) or ""
    has_link = prev.find("a", href=_POST_LINK) is not None
    return prev if text.endswith(":") and (has_link or _SAID_IN.match(text)) else None


def _attribution(header: Tag | None) -> tuple[str | None, str | None]:
    """(quoted member, quoted pid) from a "@user said in <a href="/post/123">" header."""
    if header is None:
        return None, None
    mention = header.find("a", class_="plugin-mentions-user")
    m = _SAID_IN.match(clean(header.get_text()) or "")
    author = clean(get_text(mention)) if mention is not None else (m.group(1) if m else None)
    link = header.find("a", href=_POST_LINK)
    pid = _POST_LINK.search(str(link["href"])) if isinstance(link, Tag) else None
    return (author or "").lstrip("@") or None, pid.group(1) if pid else None
