"""phpBB topic pages: phpBB 2 subSilver, phpBB 3 prosilver and subsilver2, live or Wayback captures.

phpBB prints no post numbers, so they come from the page's start offset (start=N in the topic's
own links, or "Page x of y" times posts per page) plus the post's position on the page. Wayback
Machine captures are read as the original page: the toolbar is dropped and archived URLs
(https://web.archive.org/web/2010.../http://host/path) are turned back into the original ones.
"""

from __future__ import annotations

import re
from html import unescape

from lxml.etree import _Element

from scraper.fields import slug, to_int
from scraper.html import clean, decode, led
from scraper.models import ParseError, Post, Thread
from scraper.phpbb_page import Page, match, post_offset, read_page
from scraper.phpbb_posts import prosilver, subsilver, subsilver2
from scraper.tree import drop, find_all, get_text, has_class, page_tree

FORMAT = "phpbb-html"

# Every phpBB style links each post's permalink (viewtopic.php?p=N#pN, phpBB 2: #N) or shows the
# quote/reply buttons; the class names are phpBB's own template names, not one site's theme.
# Two patterns, not one alternation: each opens with a literal the search can jump to.
_SNIFF_LINKS = [re.compile(r"viewtopic\.php\?[^\"'<>\s]*?\bp=(\d+)[^\"'<>\s]*#p?\1\b"),
                re.compile(r"posting\.php\?mode=(?:quote|reply)")]
_SNIFF_MARK = re.compile(r"class=\"[^\"]*\b(?:postprofile|postauthor|postbody)\b")

_WB_TOOLBAR = re.compile(r"<!-- BEGIN WAYBACK TOOLBAR INSERT -->.*?"
                         r"<!-- END WAYBACK TOOLBAR INSERT -->", re.S)
_WB_ORIGINAL = re.compile(r"__wm\.wombat\(\s*\"([^\"]+)\"")
# Two patterns, each led by a literal (one alternation is tried at every offset): the count
# is the first either finds.
_DECLARED = [led("[", r"\s*(\d[\d,]*)\s+posts?\s*\]"),
             led("class=\"pagination\">", r"\s*(?:<a[^>]*>[^<]*</a>\s*&bull;\s*)?(\d[\d,]*)\s+posts?\b")]
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
# "\r?\n<br />\r?\n" with its "\r" looked at by hand: a pattern that opens with an optional
# character is tried at every offset of the page (1-2 ms a page), one led by a literal is not.
_PHPBB2_BREAK = re.compile(r"\n<br />\r?\n")


def sniff(head: str, name: str) -> str | None:
    """'phpbb-html' when `head` is a phpBB topic page (any of the three styles)."""
    if any(p.search(head) for p in _SNIFF_LINKS) and _SNIFF_MARK.search(head):
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The topic page as one Thread holding that page's posts, numbered from the page's offset."""
    text = decode(data)
    wayback = _WB_ORIGINAL.search(text)
    if wayback or "WAYBACK TOOLBAR" in text:
        text = _WB_TOOLBAR.sub("", text)
    # phpBB 2 prints each line break of a message as "\n<br />\n": one break, not a paragraph.
    doc = page_tree(_one_break(text))
    if "wm-ipp" in text:
        for chrome in find_all(doc, "descendant::*[@id='wm-ipp-base' or @id='wm-ipp' or @id='donato']"):
            drop(chrome)
    page = read_page(text, wayback.group(1) if wayback else None)
    posts = prosilver(doc, page) or subsilver2(doc, page) or subsilver(doc, page)
    if not posts:
        # A theme that renamed phpBB's post markup: mine the page for its post records.
        from scraper import generic

        try:
            threads = generic.parse(data, name, fmt)
        except ParseError:
            raise ParseError("no posts found: not a phpBB topic page") from None
        return [_named_by_page(t, doc, text, page) for t in threads]
    start = post_offset(text, page)
    for i, post in enumerate(posts):
        post.post_number = None if start is None else start + i + 1
    return [_thread(doc, text, page, posts)]


def _one_break(text: str) -> str:
    """phpBB 2's "\r?\n<br />\r?\n" as the one "<br />" it means."""
    # Split in C, the "\r" before each break dropped from the piece it ends.
    pieces = _PHPBB2_BREAK.split(text)
    return "<br />".join([p[:-1] if p.endswith("\r") else p for p in pieces[:-1]] + pieces[-1:])


def _title_link(doc: _Element) -> _Element | None:
    """The first of "h2.topic-title a, h2 a[href*=viewtopic], a.maintitle, a.titles"."""
    # Every link in page order, by tag in C: the XPath union of the two kinds was 0.4 ms a page.
    in_h2 = {a for h2 in doc.iter("h2") for a in h2.iterdescendants("a")}
    for a in doc.iterdescendants("a"):
        if has_class(a, "maintitle") or has_class(a, "titles") or a in in_h2 and (
                "viewtopic" in (a.get("href") or "") or any(
                    has_class(h, "topic-title") for h in a.iterancestors("h2"))):
            return a
    return None


def _named_by_page(thread: Thread, doc: _Element, text: str, page: Page) -> Thread:
    """A thread the generic extractor read from a phpBB page, named as phpBB's chrome names
    the topic: its t= and its title (the generic <title> rule took the board's name from
    phpBB 2's "Board :: View topic - Topic", and keyed every topic of the board by it)."""
    if page.topic_id:
        thread.thread_id = page.topic_id
        thread.url = page.url(f"viewtopic.php?t={page.topic_id}")
    title_el = _title_link(doc)
    title = clean(get_text(title_el)) if title_el is not None else None
    board, topic = _title_parts(text)
    thread.title = title or (topic if topic and thread.title == board else thread.title)
    thread.forum = thread.forum or page.host
    return thread


def _title_parts(text: str) -> tuple[str | None, str]:
    """The <title>'s board and topic: phpBB 2 and 3.0 write "Board :: View topic - Topic" and
    "Board • View topic - Topic"; a title of one part is the topic's (None its board's)."""
    raw = clean(unescape(match(_TITLE, text) or "")) or ""
    parts = re.split(r"\s(?:::|•)\s(?:View topic - )?", raw)
    return parts[0] if len(parts) > 1 else None, parts[-1].removeprefix("View topic - ")


def _topic_title(doc: _Element, text: str) -> str | None:
    title_el = _title_link(doc)
    title = clean(get_text(title_el)) if title_el is not None else None
    return title or _title_parts(text)[1] or None


def _thread(doc: _Element, text: str, page: Page, posts: list[Post]) -> Thread:
    title = _topic_title(doc, text)
    if not title and not page.topic_id:
        raise ParseError("no topic title or id found: not a phpBB topic page")
    title = title or f"Topic {page.topic_id}"
    thread_id = page.topic_id or slug(title)
    found = [m for m in (p.search(text) for p in _DECLARED) if m]
    declared = min(found, key=lambda m: m.start()) if found else None
    return Thread(
        thread_id=thread_id, title=title, posts=posts, format=FORMAT, forum=page.host,
        posts_declared=to_int(declared.group(1)) if declared else None,
        url=page.url(f"viewtopic.php?t={page.topic_id}") if page.topic_id else None,
        page=page.number, page_count=page.count)
