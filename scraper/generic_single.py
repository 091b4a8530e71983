"""A page of one post: a topic nobody has answered yet, the most common thread page there is.
Record mining needs two records of a shape, so a page with one post either finds none or
takes a pair of blocks of its chrome (a menu, the footer) for the thread.

Most engines give a post's element the post's number as its id ("post_1041", "msg48190",
"p16402", "Comment_9931", "post-4873"): one such element that is a record with a name is the
post, unless a group of records found holds a name in each of two or more, or another post so
numbered. Else, where no group is dated, the smallest element classed as a post, or the one
block a bare number links to itself in (Kunena's `<a href="#832769" id="832769">`).
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree
from lxml.etree import _Element

from scraper.generic_count import Counts, is_record
from scraper.generic_post import Record
from scraper.generic_words import NUMBERED_POST

_WITH_ID = etree.XPath("//*[@id]")
_NAMED_ANCHORS = etree.XPath("//a[@name]")
_SELF_LINKS = etree.XPath("//a[@id and starts-with(@href, '#')]")
_POST_CLASS = re.compile(r"(?:[a-z]+[-_])?(?:post|message|comment|entry|reply)", re.I)


def single(root: _Element, counts: Counts, best: list[Record]) -> list[Record]:
    """The page's one post, as a group of one record, when it has one; or the numbered posts
    inside a short group of blocks some of which hold none (inSided's question box beside the
    box of its one reply); else []."""
    named = sum(1 for r in best if r.el in counts.names)
    if named >= 2 and len(best) > 3:
        return []  # a thread of posts (most pages): not looked for
    numbered = [_anchored(el) for el in _WITH_ID(root) if NUMBERED_POST.fullmatch(el.get("id") or "")]
    numbered += [_anchored(a) for a in _NAMED_ANCHORS(root) if NUMBERED_POST.fullmatch(a.get("name"))]
    # Once each: IP.Board 4 numbers both the empty anchor and the post after it.
    numbered = list(dict.fromkeys(numbered))
    records = [el for el in (_dated_around(counts, el) for el in numbered) if el is not None]
    # Named ones: a guest's view of some engines links no profile (FluxBB prints "<dt><strong>")
    named_posts = _outermost([el for el in records if el in counts.names])
    if named >= 2:
        return _posts_inside(best, named_posts)
    outer = named_posts or _outermost(records)
    if len(outer) == 1 and _weak(best, counts, numbered, outer[0]):
        others = {a for el in numbered if el is not outer[0] for a in el.iterancestors()}
        return [Record(_whole(outer[0], counts, others), [])]
    if len(named_posts) >= 2 and not _holds_any(best, numbered):
        return _numbered_posts(counts, named_posts, numbered)
    if best:
        return []
    linked = _self_linked(root, counts)
    return _classed_post(counts) or ([Record(_whole(linked[0], counts, set()), [])]
                                     if len(linked) == 1 else [])


def _dated_around(counts: Counts, el: _Element) -> _Element | None:
    """`el` when it is a record; else, for an anchor inside the element of a name (`<div
    class="username">X <a name="post48451"></a></div>`), the nearest block around it, a few
    levels up, that is one with a name."""
    if is_record(counts, el):
        return el
    if el.tag != "a" or el.getparent() not in counts.named:  # (an anchor in the name's element)
        return None
    for around in islice(el.iterancestors(), 5):
        if around.tag in ("body", "html"):
            return None
        if is_record(counts, around) and around in counts.names:
            return around
    return None


def _posts_inside(best: list[Record], posts: list[_Element]) -> list[Record]:
    """The numbered posts inside the group's blocks, when some block holds one and another
    none: the blocks are a topic's parts, not its posts."""
    inside = [[p for p in posts if p is not r.el and r.el in p.iterancestors()] for r in best]
    if any(inside) and not all(inside):
        return [Record(p, []) for found in inside for p in found]
    return []


def _anchored(a: _Element) -> _Element:
    """The post an empty numbered anchor stands before (SMF's <a name="msg20417"></a>,
    Drupal's <a id="comment-6739"></a>)."""
    if a.tag != "a" or a.text or len(a):
        return a
    nxt = a.getnext()
    return nxt if nxt is not None else a


def _self_linked(root: _Element, counts: Counts) -> list[_Element]:
    """The posts a bare number links to itself in (Kunena's `<a href="#832769" id="832769">`
    in the post's header): the smallest block around it with a name, a date and words besides
    (not the header line that holds the name and the date alone)."""
    out = []
    for a in _SELF_LINKS(root):
        if a.get("href") == f"#{a.get('id')}" and (a.get("id") or "").isdigit():
            post = next((p for p in a.iterancestors() if p in counts.names and is_record(counts, p)
                         and counts.text[p] >= 100), None)
            if post is not None and post.tag not in ("body", "html"):
                out.append(post)
    return out


def _whole(el: _Element, counts: Counts, others: set[_Element]) -> _Element:
    """The post around a numbered element that is only a part of it, up to the blocks that
    hold other numbered ones: its body (SMF 2 numbers the "inner" div of the words) up to the
    block with the name, its header (punBB numbers the "posthead", beside the body) up to the
    block it holds under a third of the text of."""
    if el not in counts.names:
        named = next((a for a in el.iterancestors() if a in counts.names), None)
        if named is not None and named.tag not in ("body", "html") and named not in others:
            el = named
    parent = el.getparent()
    while parent is not None and parent.tag not in ("body", "html") and parent not in others \
            and counts.text[el] * 3 < counts.text[parent]:
        el, parent = parent, parent.getparent()
    return el


def _weak(best: list[Record], counts: Counts, numbered: list[_Element], post: _Element) -> bool:
    """Is the best group (fewer than two of its records named) no thread of posts: none of
    its records but the one holding `post` numbered as a post?"""
    holders = {a for el in numbered for a in el.iterancestors()} | set(numbered)
    around = set(post.iterancestors()) | {post}
    return not any(r.el in holders and r.el not in around and post not in r.el.iterdescendants()
                   for r in best)


def _holds_any(best: list[Record], numbered: list[_Element]) -> bool:
    """Does a record of the group hold a numbered post, or is it one?"""
    holders = {a for el in numbered for a in el.iterancestors()} | set(numbered)
    return any(r.el in holders for r in best)


def _numbered_posts(counts: Counts, posts: list[_Element], numbered: list[_Element]
                    ) -> list[Record]:
    """Named posts numbered by their ids that are no siblings of a shape, in page order: a
    topic and its one reply in containers of their own (Vanilla's "Discussion_10090" and
    "Comment_42886"), where the best group holds none of them."""
    ahead = {el: k for k, el in enumerate(counts.order)}  # reversed page order
    posts = sorted(posts, key=lambda el: -ahead.get(el, 0))
    return [Record(_whole(el, counts, {a for o in numbered if o is not el
                                       for a in o.iterancestors()} - {el}), [])
            for el in posts]


def _outermost(els: list[_Element]) -> list[_Element]:
    found = set(els)
    return [el for el in els if not any(a in found for a in el.iterancestors())]


def _classed_post(counts: Counts) -> list[Record]:
    """The smallest element classed as a post ("message", "forum-post", not "message-user-info")
    that has a name and a date."""
    for el in counts.order:
        if 1 <= counts.names.get(el, 0) <= 10 and is_record(counts, el) \
                and any(_POST_CLASS.fullmatch(c) for c in (el.get("class") or "").split()):
            return [Record(el, [])]
    return []
