"""XenForo 1.x and 2.x thread pages ("xenforo-html").

XenForo 1 lists posts as `li.message` with the words in `blockquote.messageText`; XenForo 2 uses
`article.message--post` with the words in `article.message-body .bbWrapper`. Quotes are
`div.bbCodeQuote` (1.x) or `blockquote.bbCodeBlock--quote` (2.x); both carry the quoted member
in a data attribute and the quoted post in a "goto/post?id=123" link or `data-source="post: 123"`.

Read from an lxml tree (`scraper.tree`), as the vBulletin and phpBB parsers are: building
BeautifulSoup's tree and walking it in Python held the parse to ~190 posts/s on the saved pages.
What BeautifulSoup read as text is what is read here, to the character (`_blank_unread`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlparse

from lxml.etree import _Element

from scraper.fields import day_first, set_profile_field, shown_date, slug, to_int
from scraper.html import clean, decode, element_text, lower_head
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread
from scraper.tree import by_class, find, first_class, get_text, page_tree, page_url, xpath

FORMAT = "xenforo-html"


# One pattern each, each opening with a character that has no case (see vbulletin_html).
# (searched in the page's head in lower case: `lower_head`)
_SNIFFS = [re.compile(p) for p in (
    r"""<html[^>]+id=["'](?:xenforo|xf)["']""",
    r'="message message--post(?<=class="message message--post)',
    r"/xenforo/xenforo\.js(?<=js/xenforo/xenforo\.js)", r'<ol class="messagelist"')]
# One of these is in every page a pattern finds, as the engine writes it (or in capitals)
_SNIFF_WORDS = ("XenForo", "xenforo", "XENFORO", 'id="XF"', "id='XF'", 'id="xf"', "id='xf'",
                "message--post", "messageList", "messagelist", "MESSAGELIST")
_QUOTE_CLASSES = ("bbCodeQuote", "bbCodeBlock--quote")
# "Click to expand...", the "X said:" header and images (alt "[IMG]") are chrome, not words.
_QUOTE_CHROME = ("quoteExpand", "bbCodeBlock-expandLink", "attribution", "bbCodeBlock-title",
                 "bbCodeImage", "bbImage")
_QUOTE_HEADS = ("attribution", "bbCodeBlock-title")
_QUOTE_WORDS = ("quote", "bbCodeBlock-expandContent", "bbCodeBlock-content")
# Thread prefixes ("Solved", "Question") are labels, not part of the title.
_TITLE_LABELS = ("label", "labelLink", "prefix", "label-append")
_THREAD_ID = re.compile(r"/threads/(?:[^/?#]*\.)?(\d+)(?:/|$|\?|#)")
_THREAD_LINK = re.compile(r"threads/")
_POST_ID = re.compile(r"(?:post[:\-]\s*|[?&]id=|/posts/)(\d+)")
_SAID = re.compile(r"^(.*?)\s+said:?\s*$", re.S)
_OTHERS = re.compile(r"(\d[\d,]*)\s+others?")
_SCHEMA_REPLIES = re.compile(r"(Reply|Comment)Action$")

# The classes the page's and each post's fields are found by, indexed in one walk (`_index`):
# each query by class was a walk of its own in XPath, 2 ms a query over a XenForo 1 page.
_PAGE_FIELDS = frozenset(("message--post", "message", "titleBar", "p-title-value", "PageNav",
                          "pageNav-main"))
_LIKES = ("reactionsBar-link", "LikeText", "dark_postrating_outputlist")
_XF1_FIELDS = frozenset(("messageText", "bbCodeQuote", "datePermalink", "postNumber",
                         "messageMeta", "bbCodeImage", "type", "signature", "userTitle",
                         "username", "extraUserInfo", *_LIKES))
_XF2_FIELDS = frozenset(("message-body", "bbWrapper", "bbCodeBlock--quote",
                         "message-attribution-main", "message-attribution-opposite", "bbImage",
                         "bbCodeBlock-title", "message-signature", "message-userTitle",
                         "message-name", "message-userExtras", *_LIKES))
# Strings BeautifulSoup, which this parser was first written over, never counted as text:
# scripts, styles, templates and ruby annotations (bs4's string containers). lxml keeps them.
_UNREAD = ("script", "style", "template", "rt", "rp")

Index = dict[str, list[_Element]]


def sniff(head: str, name: str) -> str | None:
    """'xenforo-html' when the page is built by XenForo 1 or 2, else None."""
    if not any(word in head for word in _SNIFF_WORDS):  # (plain searches: most pages have none)
        return None
    low = lower_head(head)
    return FORMAT if any(p.search(low) for p in _SNIFFS) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's thread with its posts, in page order."""
    doc = page_tree(decode(data))
    idx = _index(doc, _PAGE_FIELDS)
    base = _base_url(doc)
    items = _posts_only(_named(idx, "message--post", "article")
                        or _named(idx, "message", "article"))
    xf2 = bool(items)
    declared = _declared(doc) if xf2 else None  # read before the scripts are blanked
    _blank_unread(doc)
    if xf2:
        posts = [_post_xf2(el, _index(el, _XF2_FIELDS), base) for el in items]
    else:
        items = [li for li in _named(idx, "message", "li")
                 if (li.get("id") or "").startswith("post-")] or _named(idx, "message", "li")
        posts = [_post_xf1(el, _index(el, _XF1_FIELDS), base) for el in items]
    found = [p for p in posts if p is not None]
    if not found:
        raise ParseError("no posts found: not a XenForo thread page")
    thread = _thread(doc, idx, base)
    thread.posts = found
    thread.posts_declared = declared
    return [thread]


def _posts_only(items: list[_Element]) -> list[_Element]:
    """The articles that are posts: XenForo gives each its author and number (data-author,
    data-content="post-N", id="js-post-N"); a site's sponsor pane dressed as a post
    (`<article class="message message--post">` of one linked image) has none of them."""
    posts = [el for el in items if el.get("data-author") is not None
             or el.get("data-content") is not None or el.get("id") is not None]
    return posts or items


def _blank_unread(doc: _Element) -> None:
    """Empty the strings inside `_UNREAD` elements (not the text after them), so that every
    text read below, `get_text` and `element_text` alike, is what BeautifulSoup read."""
    for el in doc.iter(*_UNREAD):
        el.text = None
        for inner in el.iterdescendants():
            inner.text = None
            inner.tail = None


def _index(root: _Element, wanted: frozenset[str]) -> Index:
    """The elements under `root` carrying each class in `wanted`, in page order. An element
    that names a class twice is listed once (the soup's index listed it twice, and read such a
    post or quote twice; no saved page does that)."""
    idx: Index = {}
    for el in root.iterdescendants("*"):
        classes = el.get("class")
        if classes:
            for name in wanted.intersection(classes.split()):
                idx.setdefault(name, []).append(el)
    return idx


def _named(idx: Index, name: str, tag: str | None = None) -> list[_Element]:
    return [el for el in idx.get(name, ()) if tag is None or el.tag == tag]


def _first(idx: Index, name: str, tag: str | None = None) -> _Element | None:
    found = _named(idx, name, tag)
    return found[0] if found else None


def _with_classes(root: _Element, names: tuple[str, ...]) -> list[_Element]:
    """The elements under `root` carrying any of the classes `names`, in page order (bs4's
    find_all(class_=[...])): a substring test in XPath, then the token test."""
    test = " or ".join(f"contains(@class, '{n}')" for n in names)
    wanted = set(names)
    return [el for el in xpath(f"descendant::*[{test}]")(root)
            if not wanted.isdisjoint((el.get("class") or "").split())]


def _first_with(root: _Element, names: tuple[str, ...]) -> _Element | None:
    found = _with_classes(root, names)
    return found[0] if found else None


def _text(el: _Element | None) -> str | None:
    """All the text under `el`, or None when there is no element."""
    return get_text(el) if el is not None else None


# --- the thread ----------------------------------------------------------------------------

def _thread(doc: _Element, idx: Index, base: str | None) -> Thread:
    title = _title(doc, idx)
    canonical = page_url(doc)
    tid = None
    for url in (canonical, base or "", _content_key(doc)):
        m = _THREAD_ID.search(url or "")
        if m:
            tid = m.group(1)
            break
    if tid is None:
        link = next((a for a in doc.iter("a") if _THREAD_LINK.search(a.get("href") or "")), None)
        m = _THREAD_ID.search("/" + (link.get("href") or "")) if link is not None else None
        tid = m.group(1) if m else slug(title) or "xenforo"
    page, page_count = _pages(idx)
    url = canonical or base
    return Thread(thread_id=tid, title=title, forum=urlparse(url).hostname if url else None,
                  url=url, page=page, page_count=page_count, format=FORMAT)


def _title(doc: _Element, idx: Index) -> str:
    h1 = _first(idx, "p-title-value")
    bar = _first(idx, "titleBar")
    if h1 is None and bar is not None:
        h1 = next(bar.iterdescendants("h1"), None)
    if h1 is None:
        h1 = next(doc.iter("h1"), None)
    if h1 is not None:
        text = clean(element_text(h1, _with_classes(h1, _TITLE_LABELS)))
        if text:
            return text
    og = _meta(doc, "og:title")
    raw = clean(og.get("content") or "") if og is not None else None
    raw = raw or clean(_text(next(doc.iter("title"), None))) or "untitled"
    return raw.split(" | ")[0]


def _meta(doc: _Element, prop: str) -> _Element | None:
    """The first <meta property=`prop`> (an Open Graph field), wherever it stands."""
    return next((m for m in doc.iter("meta") if m.get("property") == prop), None)


def _base_url(doc: _Element) -> str | None:
    el = find(doc, "descendant::base[@href]")
    return el.get("href") if el is not None else page_url(doc)


def _content_key(doc: _Element) -> str:
    # XenForo 2 names the thread on <html data-content-key="thread-8276">.
    html = next(doc.iter("html"), None)
    key = (html.get("data-content-key") or "") if html is not None else ""
    return "/threads/" + key.removeprefix("thread-") + "/" if key.startswith("thread-") else ""


def _pages(idx: Index) -> tuple[int | None, int | None]:
    nav1 = _first(idx, "PageNav")
    if nav1 is not None and nav1.get("data-page"):
        return to_int(nav1.get("data-page")), to_int(nav1.get("data-last"))
    nav2 = _first(idx, "pageNav-main")
    if nav2 is None:
        return None, None
    numbers = [n for n in (to_int(get_text(li)) for li in by_class(nav2, "li", "pageNav-page")) if n]
    current = first_class(nav2, "li", "pageNav-page--current")
    return (to_int(get_text(current)) if current is not None else None, max(numbers, default=None))


def _declared(doc: _Element) -> int | None:
    """Replies + 1 from XenForo 2's schema.org block; XenForo 1 pages do not say."""
    for script in doc.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            stats = json.loads(script.text or "").get("interactionStatistic")
        except (ValueError, AttributeError):
            continue
        for stat in stats if isinstance(stats, list) else [stats]:
            if isinstance(stat, dict) and _SCHEMA_REPLIES.search(str(stat.get("interactionType", ""))):
                count = to_int(str(stat.get("userInteractionCount", "")))
                return count + 1 if count is not None else None
    return None


# --- the posts -----------------------------------------------------------------------------

def _post_xf1(li: _Element, idx: Index, base: str | None) -> Post | None:
    body = _first(idx, "messageText", "blockquote")
    if body is None:  # deleted or ignored placeholder: no words to keep
        return None
    quotes, quote_els = _quotes(body, idx.get("bbCodeQuote", []))
    link = _first(idx, "datePermalink")
    link = _first(idx, "postNumber") if link is None else link
    meta = _first(idx, "messageMeta")
    # "Code:" / "PHP:" labels of code blocks are div.type, like a quote's attribution.
    chrome = idx.get("bbCodeImage", []) + idx.get("type", [])
    href = link.get("href") if link is not None else None
    post = Post(body=element_text(body, quote_els + chrome), quotes=quotes,
                post_id=(li.get("id") or "").removeprefix("post-") or None,
                post_number=_hash_number(_first(idx, "postNumber")),
                signature=_signature(_first(idx, "signature")),
                url=urljoin(base or "", href) if href else None,
                posted_at=_xf1_posted(li, body, meta),
                author_title=clean(_text(_first(idx, "userTitle"))),
                score=_likes(idx))
    return _member(post, li, idx, "username", "extraUserInfo")


def _post_xf2(art: _Element, idx: Index, base: str | None) -> Post | None:
    article = _first(idx, "message-body")
    body = first_class(article, "*", "bbWrapper") if article is not None \
        else _first(idx, "bbWrapper")
    if body is None:
        return None
    quotes, quote_els = _quotes(body, idx.get("bbCodeBlock--quote", []))
    main = _first(idx, "message-attribution-main")
    when = next(main.iterdescendants("time"), None) if main is not None else None
    link = find(main, "descendant::a[@href]")
    opposite = _first(idx, "message-attribution-opposite")
    numbers = [a for a in (opposite.iterdescendants("a") if opposite is not None else [])
               if get_text(a).strip().startswith("#")]
    chrome = idx.get("bbImage", []) + idx.get("bbCodeBlock-title", [])
    post = Post(body=element_text(body, quote_els + chrome), quotes=quotes,
                post_id=(art.get("data-content") or "").removeprefix("post-") or None,
                post_number=_hash_number(numbers[0] if numbers else None),
                signature=_signature(_first(idx, "message-signature")),
                url=urljoin(base or "", link.get("href")) if link is not None else None,
                posted_at=_iso(when.get("datetime") or "") if when is not None else None,
                author_title=clean(_text(_first(idx, "message-userTitle"))),
                score=_likes(idx))
    return _member(post, art, idx, "message-name", "message-userExtras")


def _quotes(body: _Element, found: list[_Element]) -> tuple[list[Quote], list[_Element]]:
    """The outermost quote blocks in `body` as Quotes, and the blocks to leave out of it."""
    blocks = set(found)
    # Under `body` only: a quote in the signature is not one the post makes.
    outer = [q for q in found if _outermost(q, blocks, body)]
    return [_quote(q) for q in outer], outer


def _outermost(el: _Element, blocks: set[_Element], stop: _Element) -> bool:
    """Is `el` inside `stop` without another of `blocks` around it? A quote nested in a quote
    is part of the outer one's text, not a quote of the post."""
    for parent in el.iterancestors():
        if parent is stop:
            return True
        if parent in blocks:
            return False
    return False


def _quote(q: _Element) -> Quote:
    head = _first_with(q, _QUOTE_HEADS)
    author = q.get("data-quote") or q.get("data-author")
    if not author and head is not None:
        m = _SAID.match(clean(get_text(head)) or "")
        author = m.group(1) if m else None
    source = q.get("data-source") or ""
    if not source and head is not None:
        jump = next(head.iterdescendants("a"), None)
        source = (jump.get("href") or jump.get("data-content-selector") or "") \
            if jump is not None else ""
    m = _POST_ID.search(source)
    content = _first_with(q, _QUOTE_WORDS)
    content = q if content is None else content
    skip = _with_classes(content, _QUOTE_CLASSES + _QUOTE_CHROME)
    return Quote(text=element_text(content, skip), author=clean(author) if author else None,
                 post_id=m.group(1) if m else None)


def _member(post: Post, el: _Element, idx: Index, name_class: str, extras_class: str) -> Post:
    """The author's name, and 'Joined', 'Messages', 'Location' from the member block's <dl>
    pairs (XenForo 1 and 2 differ only in the class names)."""
    name = el.get("data-author") or _text(_first(idx, name_class))
    post.author = clean(name) if name else None
    post.author_source = AUTHOR_FROM_PAGE if post.author else None
    extras = _first(idx, extras_class)
    for dl in extras.iterdescendants("dl") if extras is not None else []:
        for dt in dl.iterdescendants("dt"):
            dd = next(dt.itersiblings("dd"), None)
            set_profile_field(post, clean(get_text(dt)) or "", clean(_text(dd)))
    return post


def _likes(idx: Index) -> int | None:
    """Members who liked / reacted: 'A, B and 12 others' counts 14."""
    bar = _first(idx, "reactionsBar-link")
    bar = _first(idx, "LikeText") if bar is None else bar
    if bar is not None:
        names = sum(1 for _ in bar.iterdescendants("bdi")) or len(by_class(bar, "a", "username"))
        m = _OTHERS.search(get_text(bar))
        return names + (to_int(m.group(1)) or 0) if m else names
    # Sufficient Velocity's post-rating add-on: "Like x 3", "Hugs x 1".
    ratings = _first(idx, "dark_postrating_outputlist")
    counts = [to_int(get_text(s)) or 0 for s in ratings.iterdescendants("strong")] \
        if ratings is not None else []
    return sum(counts) if counts else None


def _signature(el: _Element | None) -> str | None:
    return (element_text(el) or None) if el is not None else None


def _hash_number(a: _Element | None) -> int | None:
    text = get_text(a).strip() if a is not None else ""
    return to_int(text) if text.startswith("#") else None


def _xf1_posted(li: _Element, body: _Element, meta: _Element | None) -> str | None:
    """The post's date: its DateTime in the message's meta line, else wherever the theme moved
    it (GTPlanet's bar above the words), else a date shown as plain text beside the name
    (juraforum's "03.04.2020, 12:31" under it). Not the words', nor the profile's."""
    outside = [body, *by_class(li, "*", "extraUserInfo"), *by_class(li, "*", "signature")]
    stamp = first_class(meta, "*", "DateTime") if meta is not None else None
    if stamp is None:
        stamp = next((el for el in by_class(li, "*", "DateTime")
                      if not any(el is o or o in el.iterancestors() for o in outside)), None)
    if stamp is not None:
        return _xf1_date(stamp)
    first = day_first(li.getroottree().getroot().get("lang"))
    for el in li.iter():
        if el is not li and any(el is o or o in el.iterancestors() for o in outside):
            continue
        text = el.text.strip() if isinstance(el.tag, str) and el.text else ""
        shown = shown_date(text, first_day=first) if 0 < len(text) < 40 else None
        if shown:
            return shown
    return None


def _xf1_date(el: _Element) -> str | None:
    if el.get("data-time"):  # <abbr class="DateTime" data-time="1414709280">: Unix seconds
        stamp = to_int(el.get("data-time"))
        return datetime.fromtimestamp(stamp, UTC).isoformat() if stamp else None
    # Older posts: <span class="DateTime" title="Oct 30, 2014 at 10:48 PM">, forum-local time;
    # a German board's "17. April 2020 um 20:56 Uhr" as any page shows a date.
    text = clean(el.get("title") or get_text(el)) or ""
    try:
        return datetime.strptime(text, "%b %d, %Y at %I:%M %p").isoformat()
    except ValueError:
        return shown_date(text, first_day=day_first(el.getroottree().getroot().get("lang")))


def _iso(text: str) -> str | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").isoformat()
    except ValueError:
        return None
