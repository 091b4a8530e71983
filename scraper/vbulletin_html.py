"""vBulletin thread pages saved as HTML: vB 3.x, 4.x, 5.x and Something Awful's custom vB 3.

One format, four post markups. Here: telling the markups apart and reading the thread's id,
title and pages; each markup's post reader, and the quote blocks, dates and profile fields they
share, are in `vbulletin_posts`.

  vB3  table#post123, a#postcount123 name="21", div#post_message_123, "Quote:" caption + table,
       signature after a "__________________" line.
  vB4  li.postcontainer#post_123, a.postcounter "#1", div.bbcode_container quotes,
       div.signaturecontainer.
  vB5  li.b-post[data-node-id], a.b-post__count, the same bbcode quotes, div.post-signature.
  SA   table.post#post123[data-idx] (data-idx: position in the thread, or in a filtered view),
       div.bbc-block quotes headed by <h4>X posted:</h4>.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlparse

from lxml.etree import _Element

from scraper.fields import slug, to_int
from scraper.html import clean, decode, led, lower_head
from scraper.models import ParseError, Post, Thread
from scraper.tree import attr, by_class, cls, find, find_all, first, get_text, has_class, head, page_tree
from scraper.vbulletin_posts import POST_ID, READERS, text_of, vb5_comment_clock

FORMAT = "vbulletin-html"

# One pattern each, each opening with a character that has no case: under re.I a pattern that
# opens with a letter, or an alternation, is tried at every offset (3 ms on the 64 KB head of
# another engine's page); one that opens with "<" or "_" jumps from one of those to the next.
# The lookbehinds put back the letters before the "_". SA's, the cheapest, is asked first.
# (searched in the page's head in lower case: `lower_head`)
_SNIFFS = [re.compile(p) for p in (
    r"""<body[^>]+id=["']something_awful["']""", r"""<meta[^>]+content=["']vbulletin\b""",
    r"_(?<=vbulletin_)(?:global|menu)\.js", r"""_message_\d(?<=id=["']post_message_\d)""")]
# One of these is in every page a pattern finds, as the engine writes it (or in capitals)
_SNIFF_WORDS = ("something_awful", "vBulletin", "vbulletin", "VBULLETIN", "post_message_",
                "POST_MESSAGE_")
_SA_PAGE = re.compile(r"""<body[^>]+id=["']something_awful|<table class="post[^"]*" id="post\d+"""
                      r"""" data-idx""")
_VB5_PAGE = re.compile(r"""<li\b[^>]*\sclass=["']b-post\b""")
_VB4_PAGE = re.compile(r"""<li\b[^>]*\sclass=["'][^"']*\bpostcontainer\b""")
_SA_HOST = "forums.somethingawful.com"
_SA_PER_PAGE = 40
_PAGE_OF = re.compile(r">\s*Page (\d+) of (\d+)\s*<")
# Led by a literal, checked behind: a pattern that opens with a class ("[Rr]") is tried at
# every offset of the page, 1-5 ms on a 190 KB page.
_RESULTS = led("esults", r"(?<=[Rr]esults) [\d,.]+ to [\d,.]+ of ([\d,.]+)")
# SA's <body data-thread> or div#thread.thread:N, vB3/4's reply form field "t", vB5's pageData.
# Each led by its literal (`Led`): as one alternation, whose branches open with common letters,
# the pattern was tried at every offset (1.7 ms on a 215 KB vB3 page). The leftmost match
# wins, as it did in the alternation.
_THREAD_IDS = [led('data-thread="', r'(\d+)"'), led('class="thread:', r'(\d+)"'),
               led('name="t" value="', r'(\d+)"'), led('"nodeid":', r'\s*"(\d+)"')]
_SLUG_ID = re.compile(r"/(\d+)-[^/]*$|[?&]t(?:hreadid)?=(\d+)")
_THREAD_LINK = re.compile(r"showthread\.php\?(?:[^\"'<>]*?&(?:amp;)?)?t(?:hreadid)?=(\d+)")
_HOST_LINK = re.compile(r"""href=["']https?://([\w.-]+)/[^"']*forumdisplay\.php""")
_FORUM_LINK = "forumdisplay.php"


def sniff(head: str, name: str) -> str | None:
    """'vbulletin-html' for a saved vBulletin 3/4/5 (or Something Awful) page, else None."""
    if not any(word in head for word in _SNIFF_WORDS):  # (plain searches: most pages have none)
        return None
    low = lower_head(head)
    return FORMAT if any(p.search(low) for p in _SNIFFS) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's thread with its posts in page order."""
    text = decode(data)
    doc = page_tree(text)
    flavour, items = _containers(doc, text)
    if not items:
        raise ParseError("no posts found: not a vBulletin thread page")
    thread = _thread(doc, text, flavour)
    base = attr(find(head(doc), ".//base[@href]"), "href")
    base = base or (f"https://{thread.forum}/" if thread.forum else thread.url)
    read = READERS[flavour]
    # A post without its message (a truncated page, a deleted-post stub) holds nothing to keep.
    posts = [(item, p) for item in items if (p := read(item, base)) is not None]
    if flavour == "vb5":
        vb5_comment_clock(posts)
    thread.posts = _without_ad_slots([p for _item, p in posts])
    if not thread.posts:
        raise ParseError("no posts found: not a vBulletin thread page")
    if flavour == "sa":
        _sa_numbers(doc, items[0], thread)
    return [thread]


def _containers(doc: _Element, text: str) -> tuple[str, list[_Element]]:
    # Decided on the raw text, then one query: failed queries over the whole tree cost more.
    if _SA_PAGE.search(text):
        return "sa", _with_post_id(by_class(doc, "table", "post"))
    if _VB5_PAGE.search(text):
        return "vb5", [li for li in by_class(doc, "li", "b-post") if li.get("data-node-id") is not None]
    if _VB4_PAGE.search(text):
        return "vb4", _with_post_id(by_class(doc, "li", "postcontainer"))
    return "vb3", _with_post_id(find_all(doc, "descendant::table[@id]"))


def _without_ad_slots(posts: list[Post]) -> list[Post]:
    """The posts without the advert slots some themes build from the post template: an empty
    "post" by "Publicité" under the id of the post before it (a post's id is its own)."""
    seen: set[str] = set()
    kept = []
    for post in posts:
        if not (post.post_id in seen and not post.body.strip() and not post.quotes):
            kept.append(post)
        seen.add(post.post_id or "")
    return kept


def _with_post_id(found: list[_Element]) -> list[_Element]:
    return [el for el in found if POST_ID.search(el.get("id", ""))]


# --- the thread ----------------------------------------------------------------------------

def _thread(doc: _Element, text: str, flavour: str) -> Thread:
    url = _canonical(head(doc))
    host = urlparse(url).hostname if url else None
    if not host:
        m = _host_link(text)
        host = m.group(1) if m else (_SA_HOST if flavour == "sa" and _SA_HOST in text else None)
    title = _title(doc, flavour)
    m = _thread_id(text) or _SLUG_ID.search(url or "") or _THREAD_LINK.search(text)
    tid = next((g for g in m.groups() if g), None) if m else None
    tid = tid or slug(title)
    if not url and host and tid.isdigit():  # vB3 and SA print no canonical link
        url = f"https://{host}/showthread.php?{'threadid' if flavour == 'sa' else 't'}={tid}"
    thread = Thread(thread_id=tid, title=title, forum=host, url=url, format=FORMAT)
    results = _RESULTS.search(text)
    thread.posts_declared = to_int(results.group(1)) if results else None
    thread.page, thread.page_count = _pages(doc, text, flavour)
    return thread


def _thread_id(text: str) -> re.Match[str] | None:
    """The first of SA's, vB3/4's and vB5's thread id fields in the page."""
    found = None
    for field in _THREAD_IDS:
        # Only before the one found so far: a field the page lacks costs a search of all of it.
        found = field.search(text, None if found is None else found.start()) or found
    return found


def _host_link(text: str) -> re.Match[str] | None:
    """`_HOST_LINK.search(text)`, begun at the quote before the page's first forum link: no
    match starts before it (the address between its quote and the link holds no quote)."""
    at = text.find(_FORUM_LINK)
    if at < 0:
        return None
    quote = max(text.rfind('"', 0, at), text.rfind("'", 0, at))
    return _HOST_LINK.search(text, max(quote - len("href="), 0))


def _canonical(head: _Element | None) -> str | None:
    if head is None:
        return None
    base = attr(find(head, ".//base[@href]"), "href")
    link = attr(find(head, ".//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]"),
                "href")
    url = link or attr(find(head, ".//meta[@property='og:url']"), "content")
    return urljoin(base, url) if base and url else url


_TITLES = {"sa": ("a", "bclast"), "vb5": ("h1", "main-title"), "vb4": ("span", "threadtitle"),
           "vb3": ("td", "navbar")}


def _title(doc: _Element, flavour: str) -> str:
    # The first one, found lazily: the breadcrumb is near the top, and a Python test of each
    # tag up to it costs less than one XPath over the page.
    tag, name = _TITLES[flavour]
    found = (el for el in doc.iterdescendants(tag) if has_class(el, name))
    if flavour == "vb3":  # td.navbar > strong
        found = (strong for td in found for strong in td.findall("strong"))
    page_title = first(doc, "title")
    head = clean(get_text(page_title)) if page_title is not None else None
    el = _vb5_title(list(found), head) if flavour == "vb5" else next(found, None)
    title = clean(text_of(el)) if el is not None else None
    if title or not head:
        return title or "untitled"
    if flavour == "sa":  # SA puts its name first on single-post pages, last elsewhere
        return re.sub(r"^The Something Awful Forums - | - The Something Awful Forums$", "", head)
    head = re.sub(r" - Page \d+", "", head)  # vB3/5 end with " - Forum Name"; vB4 adds nothing
    return head.rsplit(" - ", 1)[0] if flavour != "vb4" and " - " in head else head


def _vb5_title(found: list[_Element], head: str | None) -> _Element | None:
    """The thread's h1.main-title among every module's (vB5 heads each module with one: the
    announcements above the thread, the birthdays below): the page-title module's, else the
    one the page's <title> opens with, else the first."""
    in_page_title = (h1 for h1 in found
                     if any(has_class(div, "page-title-widget") for div in h1.iterancestors("div")))
    named = (h1 for h1 in found if head and (text := clean(text_of(h1))) and head.startswith(text))
    for candidates in (in_page_title, named, iter(found)):
        el = next(candidates, None)
        if el is not None:
            return el
    return None


def _pages(doc: _Element, text: str, flavour: str) -> tuple[int | None, int | None]:
    if flavour == "vb5":
        num = next((i for i in by_class(doc, "input", "js-pagenum") if i.get("value") is not None),
                   None)
        total = next(iter(by_class(doc, "*", "pagetotal")), None)
        return to_int(attr(num, "value")), to_int(get_text(total)) if total is not None else None
    if flavour == "sa":
        # By tag in C, the test in Python: an XPath per question walked the page at four
        # times the cost.
        page = to_int(attr(_in_pages(o for o in doc.iterdescendants("option")
                                     if "selected" in o.attrib), "value"))
        last = _in_pages(a for a in doc.iterdescendants("a") if a.get("title") == "Last page")
        m = re.search(r"pagenumber=(\d+)", attr(last, "href") or "")
        return page, int(m.group(1)) if m else page  # no "Last page" link: this is the last
    m = _PAGE_OF.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def _in_pages(found: Iterable[_Element]) -> _Element | None:
    """The first of `found` inside SA's div.pages (the page list above and below the posts)."""
    return next((el for el in found if any(has_class(d, "pages") for d in el.iterancestors("div"))),
                None)


def _sa_numbers(doc: _Element, first_post: _Element, thread: Thread) -> None:
    """SA's data-idx counts the posts shown: the thread position only in a whole-thread view."""
    filtered = find(first_post, f".//a[{cls('user_jump')}][@title='Remove user filter']")
    if filtered is not None or "showpost" in (attr(first(doc, "body"), "class") or "").split():
        for post in thread.posts:
            post.post_number = None
        return
    start = (thread.page - 1) * _SA_PER_PAGE + 1 if thread.page else None
    for i, post in enumerate(thread.posts):
        if post.post_number is None and start is not None:
            post.post_number = start + i
