"""XenForo 1.x and 2.x thread pages ("xenforo-html").

XenForo 1 lists posts as `li.message` with the words in `blockquote.messageText`; XenForo 2 uses
`article.message--post` with the words in `article.message-body .bbWrapper`. Quotes are
`div.bbCodeQuote` (1.x) or `blockquote.bbCodeBlock--quote` (2.x); both carry the quoted member
in a data attribute and the quoted post in a "goto/post?id=123" link or `data-source="post: 123"`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from scraper.fields import set_profile_field, slug, to_int
from scraper.html import Index, clean, get_text, index_by, outermost, page_url, soup, text_of
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread

FORMAT = "xenforo-html"


# One pattern each, each opening with a character that has no case (see vbulletin_html).
_SNIFFS = [re.compile(p, re.I) for p in (
    r"""<html[^>]+id=["'](?:XenForo|XF)["']""",
    r'="message message--post(?<=class="message message--post)',
    r"/xenforo/xenforo\.js(?<=js/xenforo/xenforo\.js)", r'<ol class="messageList"')]
_QUOTE_CLASSES = ["bbCodeQuote", "bbCodeBlock--quote"]
# "Click to expand...", the "X said:" header and images (alt "[IMG]") are chrome, not words.
_QUOTE_CHROME = ["quoteExpand", "bbCodeBlock-expandLink", "attribution", "bbCodeBlock-title",
                 "bbCodeImage", "bbImage"]
_THREAD_ID = re.compile(r"/threads/(?:[^/?#]*\.)?(\d+)(?:/|$|\?|#)")
_POST_ID = re.compile(r"(?:post[:\-]\s*|[?&]id=|/posts/)(\d+)")
_SAID = re.compile(r"^(.*?)\s+said:?\s*$", re.S)


def sniff(head: str, name: str) -> str | None:
    """'xenforo-html' when the page is built by XenForo 1 or 2, else None."""
    return FORMAT if any(p.search(head) for p in _SNIFFS) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's thread with its posts, in page order."""
    doc = soup(data)
    idx = index_by(doc)
    base = _base_url(doc)
    items = _named(idx, "message--post", "article") or _named(idx, "message", "article")
    xf2 = bool(items)
    if xf2:
        posts = [_post_xf2(el, index_by(el), base) for el in items]
    else:
        items = [li for li in _named(idx, "message", "li")
                 if str(li.get("id", "")).startswith("post-")] or _named(idx, "message", "li")
        posts = [_post_xf1(el, index_by(el), base) for el in items]
    found = [p for p in posts if p is not None]
    if not found:
        raise ParseError("no posts found: not a XenForo thread page")
    thread = _thread(doc, idx, base)
    thread.posts = found
    thread.posts_declared = _declared(doc) if xf2 else None
    return [thread]


def _named(idx: Index, cls: str, tag: str | None = None) -> list[Tag]:
    return [el for el in idx.get(cls, ()) if tag is None or el.name == tag]


def _first(idx: Index, cls: str, tag: str | None = None) -> Tag | None:
    found = _named(idx, cls, tag)
    return found[0] if found else None


def _thread(doc: BeautifulSoup, idx: Index, base: str | None) -> Thread:
    title = _title(doc, idx)
    canonical = page_url(doc)
    tid = None
    for url in (canonical, base or "", _content_key(doc)):
        m = _THREAD_ID.search(url or "")
        if m:
            tid = m.group(1)
            break
    if tid is None:
        link = doc.find("a", href=re.compile(r"threads/"))
        m = _THREAD_ID.search("/" + str(link.get("href", ""))) if link else None
        tid = m.group(1) if m else slug(title) or "xenforo"
    page, page_count = _pages(idx)
    url = canonical or base
    return Thread(thread_id=tid, title=title, forum=urlparse(url).hostname if url else None,
                  url=url, page=page, page_count=page_count, format=FORMAT)


def _title(doc: BeautifulSoup, idx: Index) -> str:
    bar = _first(idx, "titleBar")
    h1 = _first(idx, "p-title-value") or (bar.find("h1") if bar else None) or doc.find("h1")
    if isinstance(h1, Tag):
        # Thread prefixes ("Solved", "Question") are labels, not part of the title.
        skip = h1.find_all(class_=["label", "labelLink", "prefix", "label-append"])
        text = clean(text_of(h1, skip=skip))
        if text:
            return text
    og = doc.find("meta", property="og:title")
    raw = clean(str(og.get("content", ""))) if isinstance(og, Tag) else None
    raw = raw or clean(doc.title.get_text() if doc.title else None) or "untitled"
    return raw.split(" | ")[0]



def _base_url(doc: BeautifulSoup) -> str | None:
    el = doc.find("base", href=True)
    return str(el["href"]) if isinstance(el, Tag) else page_url(doc)


def _content_key(doc: BeautifulSoup) -> str:
    # XenForo 2 names the thread on <html data-content-key="thread-8276">.
    key = str(doc.html.get("data-content-key", "")) if doc.html else ""
    return "/threads/" + key.removeprefix("thread-") + "/" if key.startswith("thread-") else ""


def _pages(idx: Index) -> tuple[int | None, int | None]:
    nav1 = _first(idx, "PageNav")
    if nav1 is not None and nav1.get("data-page"):
        return to_int(str(nav1.get("data-page"))), to_int(str(nav1.get("data-last")))
    nav2 = _first(idx, "pageNav-main")
    if nav2 is None:
        return None, None
    pages = nav2.find_all("li", class_="pageNav-page")
    numbers = [n for n in (to_int(li.get_text()) for li in pages) if n]
    current = nav2.find("li", class_="pageNav-page--current")
    return (to_int(current.get_text()) if current else None, max(numbers, default=None))


def _declared(doc: BeautifulSoup) -> int | None:
    """Replies + 1 from XenForo 2's schema.org block; XenForo 1 pages do not say."""
    for script in doc.find_all("script", type="application/ld+json"):
        try:
            stats = json.loads(script.string or "").get("interactionStatistic")
        except (ValueError, AttributeError):
            continue
        for stat in stats if isinstance(stats, list) else [stats]:
            if isinstance(stat, dict) and re.search(r"(Reply|Comment)Action$",
                                                     str(stat.get("interactionType", ""))):
                count = to_int(str(stat.get("userInteractionCount", "")))
                return count + 1 if count is not None else None
    return None


def _post_xf1(li: Tag, idx: Index, base: str | None) -> Post | None:
    body = _first(idx, "messageText", "blockquote")
    if body is None:  # deleted or ignored placeholder: no words to keep
        return None
    quotes, quote_els = _quotes(body, idx.get("bbCodeQuote", []))
    link = _first(idx, "datePermalink") or _first(idx, "postNumber")
    meta = _first(idx, "messageMeta")
    # "Code:" / "PHP:" labels of code blocks are div.type, like a quote's attribution.
    chrome = idx.get("bbCodeImage", []) + idx.get("type", [])
    post = Post(body=text_of(body, skip=quote_els + chrome), quotes=quotes,
                post_id=str(li.get("id", "")).removeprefix("post-") or None,
                post_number=_hash_number(_first(idx, "postNumber")),
                signature=_signature(_first(idx, "signature")),
                url=urljoin(base or "", str(link["href"])) if link and link.get("href") else None,
                posted_at=_xf1_date(meta.find(class_="DateTime") if meta else None),
                author_title=clean(get_text(_first(idx, "userTitle"))),
                score=_likes(idx))
    return _member(post, li, idx, "username", "extraUserInfo")


def _post_xf2(art: Tag, idx: Index, base: str | None) -> Post | None:
    article = _first(idx, "message-body")
    body = article.find(class_="bbWrapper") if article else _first(idx, "bbWrapper")
    if not isinstance(body, Tag):
        return None
    quotes, quote_els = _quotes(body, idx.get("bbCodeBlock--quote", []))
    main = _first(idx, "message-attribution-main")
    when, link = (main.find("time"), main.find("a", href=True)) if main else (None, None)
    opposite = _first(idx, "message-attribution-opposite")
    numbers = [a for a in (opposite.find_all("a") if opposite else [])
               if a.get_text().strip().startswith("#")]
    chrome = idx.get("bbImage", []) + idx.get("bbCodeBlock-title", [])
    post = Post(body=text_of(body, skip=quote_els + chrome), quotes=quotes,
                post_id=str(art.get("data-content", "")).removeprefix("post-") or None,
                post_number=_hash_number(numbers[0] if numbers else None),
                signature=_signature(_first(idx, "message-signature")),
                url=urljoin(base or "", str(link["href"])) if isinstance(link, Tag) else None,
                posted_at=_iso(str(when.get("datetime", ""))) if isinstance(when, Tag) else None,
                author_title=clean(get_text(_first(idx, "message-userTitle"))),
                score=_likes(idx))
    return _member(post, art, idx, "message-name", "message-userExtras")


def _quotes(body: Tag, found: list[Tag]) -> tuple[list[Quote], list[Tag]]:
    """The outermost quote blocks in `body` as Quotes, and the blocks to leave out of it."""
    ids = {id(q) for q in found}
    # Under `body` only: a quote in the signature is not one the post makes.
    outer = [q for q in found if outermost(q, ids, body)]
    return [_quote(q) for q in outer], outer


def _quote(q: Tag) -> Quote:
    head = q.find(class_=["attribution", "bbCodeBlock-title"])
    author = q.get("data-quote") or q.get("data-author")
    if not author and isinstance(head, Tag):
        m = _SAID.match(clean(head.get_text()) or "")
        author = m.group(1) if m else None
    source = str(q.get("data-source", ""))
    if not source and isinstance(head, Tag):
        jump = head.find("a")
        source = str(jump.get("href", "") or jump.get("data-content-selector", "")) if jump else ""
    m = _POST_ID.search(source)
    content = q.find(class_=["quote", "bbCodeBlock-expandContent", "bbCodeBlock-content"])
    content = content if isinstance(content, Tag) else q
    skip = content.find_all(class_=_QUOTE_CLASSES + _QUOTE_CHROME)
    return Quote(text=text_of(content, skip=skip), author=clean(str(author)) if author else None,
                 post_id=m.group(1) if m else None)


def _member(post: Post, el: Tag, idx: Index, name_class: str, extras_class: str) -> Post:
    """The author's name, and 'Joined', 'Messages', 'Location' from the member block's <dl>
    pairs (XenForo 1 and 2 differ only in the class names)."""
    name = el.get("data-author") or get_text(_first(idx, name_class))
    post.author = clean(str(name)) if name else None
    post.author_source = AUTHOR_FROM_PAGE if post.author else None
    extras = _first(idx, extras_class)
    for dl in extras.find_all("dl") if extras else []:
        for dt in dl.find_all("dt"):
            dd = dt.find_next_sibling("dd")
            set_profile_field(post, clean(dt.get_text()) or "", clean(get_text(dd)))
    return post


def _likes(idx: Index) -> int | None:
    """Members who liked / reacted: 'A, B and 12 others' counts 14."""
    bar = _first(idx, "reactionsBar-link") or _first(idx, "LikeText")
    if bar is not None:
        names = len(bar.find_all("bdi")) or len(bar.find_all("a", class_="username"))
        m = re.search(r"(\d[\d,]*)\s+others?", bar.get_text())
        return names + (to_int(m.group(1)) or 0) if m else names
    # Sufficient Velocity's post-rating add-on: "Like x 3", "Hugs x 1".
    ratings = _first(idx, "dark_postrating_outputlist")
    counts = [to_int(s.get_text()) or 0 for s in ratings.find_all("strong")] if ratings else []
    return sum(counts) if counts else None


def _signature(el: Tag | None) -> str | None:
    return (text_of(el) or None) if el is not None else None


def _hash_number(a: Tag | None) -> int | None:
    text = a.get_text().strip() if a is not None else ""
    return to_int(text) if text.startswith("#") else None


def _xf1_date(el: Tag | None) -> str | None:
    if el is None:
        return None
    if el.get("data-time"):  # <abbr class="DateTime" data-time="1414709280">: Unix seconds
        stamp = to_int(str(el["data-time"]))
        return datetime.fromtimestamp(stamp, UTC).isoformat() if stamp else None
    # Older posts: <span class="DateTime" title="Oct 30, 2014 at 10:48 PM">, forum-local time.
    text = clean(str(el.get("title") or el.get_text())) or ""
    try:
        return datetime.strptime(text, "%b %d, %Y at %I:%M %p").isoformat()
    except ValueError:
        return None


def _iso(text: str) -> str | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").isoformat()
    except ValueError:
        return None
