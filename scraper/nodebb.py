"""NodeBB server-rendered topic pages ("nodebb-html").

NodeBB themes mark every part of a topic with a `component` attribute: `li[component="post"]`
carries data-index (0 = the topic's first post), data-pid, data-username and data-timestamp;
the words are in `[component="post/content"]`. A quote is a <blockquote> preceded by a paragraph
"@user said in <a href="/post/123">Topic</a>:". The page also embeds its data as JSON in
`<script id="ajaxify-data">`, used here only for what the HTML does not show.

Read from an lxml tree (`scraper.tree`), as it was read from BeautifulSoup's: classes match by
token (bs4's class_=), attribute values exactly, and each find is of descendants only.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlparse

from lxml import etree
from lxml.etree import _Element

from scraper.fields import slug, to_int
from scraper.html import clean, decode, element_text, lower_head
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread
from scraper.tree import find, has_class, page_tree, page_url, xpath

FORMAT = "nodebb-html"

Index = dict[str, list[_Element]]

# One pattern each, each opening with a character that has no case (see vbulletin_html).
# (searched in the page's head in lower case: `lower_head`)
_SNIFFS = [re.compile(r"""=(?<=component=)["'](?:post|topic)["/]"""),
           re.compile(r"""<script id=["']ajaxify-data""")]
_TOPIC_ID = re.compile(r"/topic/(\d+)")
_POST_LINK = re.compile(r"/post/(\d+)")
_EMBED = re.compile(r"embeds?-container|^iframely")
_SAID_IN = re.compile(r"^@?(.+?)\s+said in\s.*:\s*$", re.S)


def sniff(head: str, name: str) -> str | None:
    """'nodebb-html' when the page is a NodeBB topic (its `component` attributes), else None."""
    if not any(word in head for word in ("component=", "COMPONENT=", "ajaxify-data")):
        return None  # (plain searches, in C: most pages have none)
    low = lower_head(head)
    return FORMAT if any(p.search(low) for p in _SNIFFS) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's topic with its posts, in page order."""
    doc = page_tree(decode(data))
    idx = _components(doc)
    ajaxify = _ajaxify(doc)
    url = page_url(doc)
    users = {str(p.get("pid")): p.get("user") or {} for p in ajaxify.get("posts") or []
             if isinstance(p, dict)}
    posts: list[Post] = []
    parents: list[str | None] = []
    # Persona renders posts as <li>; other themes put data-pid on whatever element they use.
    for li in (el for el in idx.get("post", []) if el.tag == "li" or el.get("data-pid")):
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


def _components(root: _Element) -> Index:
    """The elements under `root` by their `component`, in page order: one query for the page
    and one per post, instead of one per field."""
    idx: Index = {}
    for el in xpath("descendant::*[@component]")(root):
        idx.setdefault(el.get("component"), []).append(el)
    return idx


def _first(idx: Index, component: str) -> _Element | None:
    found = idx.get(component)
    return found[0] if found else None


# bs4's get_text left out the strings of <script>, <style>, <template> and ruby annotations
# (<rt>, <rp>), wherever the element sits; so do these words, so that a title reads as it did.
_WORDS = ("descendant::text()[not(ancestor::script or ancestor::style or ancestor::template"
          " or ancestor::rt or ancestor::rp)]")


def _words(el: _Element | None) -> str | None:
    """All the text under `el` as bs4's get_text gave it (None when there is no element)."""
    return "".join(xpath(_WORDS)(el)) if el is not None else None


def _text(el: _Element, skip: list[_Element] | None = None) -> str:
    """`element_text`, ruby annotations left out: bs4's text_of passed over their strings."""
    return element_text(el, [*(skip or ()), *el.iterdescendants("rt", "rp")])


def _ajaxify(doc: _Element) -> dict[str, Any]:
    script = find(doc, "descendant::script[@id='ajaxify-data']")
    try:
        data = json.loads(script.text or "") if script is not None else {}
    except ValueError:  # a truncated page cuts the JSON short; the HTML still has the posts
        return {}
    return data if isinstance(data, dict) else {}


def _thread(doc: _Element, idx: Index, ajaxify: dict[str, Any], url: str | None) -> Thread:
    title = clean(_words(_first(idx, "topic/title"))) or clean(str(ajaxify.get("titleRaw") or ""))
    if not title:
        og = find(doc, "descendant::meta[@property='og:title']")
        raw = og.get("content", "") if og is not None else ""
        raw = raw or (_words(next(doc.iter("title"), None)) or "")
        title = clean(raw.split(" | ")[0]) or "untitled"
    topic = _first(idx, "topic")
    tid = topic.get("data-tid", "") if topic is not None else ""
    if not tid.isdigit():
        m = _TOPIC_ID.search(url or "")
        tid = m.group(1) if m else str(ajaxify.get("tid") or "")
    tid = tid or slug(title) or "nodebb"
    count = _first(idx, "topic/post-count")
    declared = to_int(count.get("title") or _words(count)) if count is not None else None
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
    numbers = [n for n in (to_int(str(a.get("data-page"))) for a in nav.iterdescendants("a")) if n]
    active = next((li for li in nav.iterdescendants("li") if has_class(li, "active")), None)
    return (to_int(_words(active)) if active is not None else None, max(numbers, default=None))


def _post(li: _Element, base: str | None, users: dict[str, Any]) -> tuple[Post | None, str | None]:
    """One post, and the pid of the post it replies to (NodeBB's toPid), when it names one."""
    idx = _components(li)
    content = _first(idx, "post/content")
    if content is None:
        return None, None
    quotes, skip = _quotes(content)
    # Link-preview plugins (github-embed, iframely) add cards about the linked page: not words.
    # The pattern meets one class token at a time, as bs4's class_=pattern did.
    skip += [div for div in content.iterdescendants("div")
             if any(_EMBED.search(c) for c in (div.get("class") or "").split())]
    pid = li.get("data-pid", "") or None
    index = to_int(li.get("data-index", ""))
    link = next((a for a in li.iterdescendants("a")
                 if a.get("href") is not None and has_class(a, "permalink")), None)
    votes = _first(idx, "post/vote-count")
    sig = _first(idx, "post/signature")
    user = users.get(pid or "") or {}
    post = Post(body=_text(content, skip), quotes=quotes, post_id=pid,
                post_number=index + 1 if index is not None else None,
                posted_at=_posted_at(li),
                url=urljoin(base or "", link.get("href", "")) if link is not None else None,
                signature=(_text(sig) or None) if sig is not None else None,
                score=to_int(votes.get("data-votes") or _words(votes)) if votes is not None
                else None,
                # NodeBB's topic view does not print the post count; its page data has it.
                author_posts=to_int(str(user.get("postcount", ""))) if isinstance(user, dict)
                else None)
    shown = find(li, "descendant::*[@itemprop='author']")
    name = clean(_words(shown)) or clean(li.get("data-username", ""))
    post.author, post.author_source = name, AUTHOR_FROM_PAGE if name else None
    parent = _first(idx, "post/parent")
    return post, (parent.get("data-topid", "") or None) if parent is not None else None


def _posted_at(li: _Element) -> str | None:
    stamp = to_int(li.get("data-timestamp", ""))  # milliseconds since 1970, UTC
    if stamp:
        return datetime.fromtimestamp(stamp / 1000, UTC).isoformat(timespec="seconds")
    meta = find(li, "descendant::meta[@itemprop='datePublished']")
    text = meta.get("content", "") if meta is not None else ""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat(timespec="seconds")
    except ValueError:
        return None


def _quotes(content: _Element) -> tuple[list[Quote], list[_Element]]:
    """The outermost blockquotes as Quotes; the blockquotes and their headers to leave out."""
    quotes: list[Quote] = []
    skip: list[_Element] = []
    for bq in content.iterdescendants("blockquote"):
        if not _outermost(bq, content):
            continue
        header = _header(bq)
        nested = list(bq.iterdescendants("blockquote"))
        inner_skip = nested + [h for h in map(_header, nested) if h is not None]
        author, pid = _attribution(header)
        quotes.append(Quote(text=_text(bq, inner_skip), author=author, post_id=pid))
        skip += [bq] + ([header] if header is not None else [])
    return quotes, skip


def _outermost(bq: _Element, content: _Element) -> bool:
    """A quote nested in a quote is part of the outer one's text, not a quote of the post."""
    for parent in bq.iterancestors():
        if parent is content:
            return True
        if parent.tag == "blockquote":
            return False
    return False


def _header(bq: _Element) -> _Element | None:
    """The "@user said in <topic>:" paragraph just before a quote, if it is one."""
    # The previous element, not node: a comment between is passed over, as bs4 passed it.
    prev = next(bq.itersiblings(etree.Element, preceding=True), None)
    if prev is None or prev.tag != "p":
        return None
    text = clean(_words(prev)) or ""
    return prev if text.endswith(":") and (_post_link(prev) is not None or _SAID_IN.match(text)) \
        else None


def _post_link(el: _Element) -> _Element | None:
    """The first link under `el` to a post ("/post/123")."""
    return next((a for a in el.iterdescendants("a") if _POST_LINK.search(a.get("href") or "")),
                None)


def _attribution(header: _Element | None) -> tuple[str | None, str | None]:
    """(quoted member, quoted pid) from a "@user said in <a href="/post/123">" header."""
    if header is None:
        return None, None
    mention = next((a for a in header.iterdescendants("a")
                    if has_class(a, "plugin-mentions-user")), None)
    m = _SAID_IN.match(clean(_words(header)) or "")
    author = clean(_words(mention)) if mention is not None else (m.group(1) if m else None)
    link = _post_link(header)
    pid = _POST_LINK.search(link.get("href") or "") if link is not None else None
    return (author or "").lstrip("@") or None, pid.group(1) if pid else None
