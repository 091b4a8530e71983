"""The four post markups of vBulletin pages (vB3, vB4, vB5, Something Awful), one reader each.

What they share is read once here: quote blocks and the member they name, dates as the page
prints them, profile lines, the author's name and title. Each reader takes one post's container
and the page's base address, and gives the Post, or None when the message is missing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urljoin

from lxml.etree import _Element

from scraper.fields import day_first, is_signature_rule, set_profile_field, shown_date, to_int
from scraper.html import clean, element_text
from scraper.models import AUTHOR_FROM_PAGE, Post, Quote
from scraper.tree import attr, cls, find, first_text, get_text, has_class, has_token, own_strings

POST_ID = re.compile(r"^post_?(\d+)$")
_LINKED_POST = re.compile(r"[?&](?:amp;)?p(?:ostid)?=(\d+)|#post(\d+)")
_SA_POSTED = re.compile(r'^(.*?)(?:"\s*post="(\d+))?\s+posted:$', re.S)
_PROFILE_LINE = re.compile(r"^\s*([A-Z][\w ]{1,20}):\s*(.+?)\s*$", re.M)
_DATE_FORMATS = (
    "%m-%d-%Y, %I:%M %p", "%m-%d-%Y, %H:%M", "%Y-%m-%d, %H:%M", "%d-%m-%Y, %H:%M",
    "%d.%m.%Y, %H:%M", "%m/%d/%Y, %I:%M %p", "%d/%m/%Y, %H:%M", "%b %d, %Y %H:%M",
    "%b %d, %Y, %I:%M %p", "%B %d, %Y, %I:%M %p", "%d %B %Y, %H:%M", "%d %b %Y, %H:%M",
)
# Code blocks share the quote containers ("bbc-block code", "bbcode_container" + pre), so key on
# what only a quote holds. vB3: a "Quote:" caption then a table ("Code:" uses <pre> or <div>):
# the table right after a div.smallfont that is the first child of a div. Asked in Python of
# each div and table, as these XPath expressions ask (`_quote_blocks`): the two queries were a
# fifth of an SA post's quotes.
#   .//div[cls(bbcode_container) and div[cls(bbcode_quote)]
#          or cls(bbc-block) and not(cls(code)) and blockquote]
#   .//table[parent::div and preceding-sibling::*[1][self::div[cls(smallfont)]
#                                                    and not(preceding-sibling::*)]]


def post_id(el: _Element) -> str:
    """The id in a container's "post123" / "post_123" (`POST_ID.sub(r"\1", id)`, without the
    template's cost)."""
    value = el.get("id") or ""
    m = POST_ID.match(value)
    return value if m is None else m.group(1) + value[m.end():]  # "$" allows a final "\n"


def text_of(el: _Element | None, skip: list[_Element] | None = None) -> str:
    return element_text(el, skip or ()) if el is not None else ""


# --- parts every flavour shares ------------------------------------------------------------

def _quotes(message: _Element) -> tuple[list[Quote], list[_Element]]:
    """The message's Quotes (outermost blocks only) and the blocks to leave out of its body."""
    blocks = _quote_blocks(message)
    found = set(blocks)
    outer = [b for b in blocks if not any(p in found for p in b.iterancestors())]
    quotes = []
    for block in outer:
        header, words = _quote_parts(block)
        nested = [b for b in blocks if b is not block and block in set(b.iterancestors())]
        text = text_of(words, skip=[header, *nested] if header is not None else nested)
        if not text and nested:  # it only quotes another quote: keep those words, not headers
            headers = [header, *(_quote_parts(b)[0] for b in nested)]
            text = text_of(words, skip=[h for h in headers if h is not None])
        author, post_id = _quoted_member(header)
        quotes.append(Quote(text=text, author=author, post_id=post_id))
    return quotes, outer


def _quote_blocks(message: _Element) -> list[_Element]:
    """vB4/5's and SA's quote containers in `message`, else the divs around vB3's quote tables."""
    blocks = [div for div in message.iterdescendants("div") if (
        has_token(div, "bbcode_container")
        and any(has_token(d, "bbcode_quote") for d in div.iterchildren("div"))
        or has_token(div, "bbc-block") and not has_token(div, "code")
        and next(div.iterchildren("blockquote"), None) is not None)]
    return blocks or [div for table in message.iterdescendants("table")
                      if (div := table.getparent()) is not None and div.tag == "div"
                      and _after_caption(table)]


def _after_caption(table: _Element) -> bool:
    """Is the element before `table` a div.smallfont with none before it?"""
    caption = next(table.itersiblings("*", preceding=True), None)
    return caption is not None and caption.tag == "div" and has_token(caption, "smallfont") \
        and next(caption.itersiblings("*", preceding=True), None) is None


def _quote_parts(block: _Element) -> tuple[_Element | None, _Element]:
    """A quote block's header (names the quoted member, if any) and the quoted words."""
    if has_class(block, "bbc-block"):  # SA: <h4>X posted:</h4><blockquote>
        words = next(block.iterdescendants("blockquote"), None)
        return block.find("h4"), block if words is None else words
    box = find(block, f"div[{cls('bbcode_quote')}]/div[{cls('quote_container')}]")
    if box is not None:  # vB4/5: div.bbcode_postedby + div.message, or the bare words
        words = find(box, f"div[{cls('message')}]")
        return find(box, f"div[{cls('bbcode_postedby')}]"), box if words is None else words
    cell = find(block, f".//td[{cls('alt2')}]")  # vB3: header div + italic div, or bare words
    cell = block if cell is None else cell
    first = cell.find("div")
    words = next(first.itersiblings("div"), None) if first is not None else None
    if first is None or words is None or next(first.iterdescendants("strong"), None) is None:
        return None, cell
    return first, words


def _quoted_member(header: _Element | None) -> tuple[str | None, str | None]:
    """(author, post id) from a quote header: vB's <strong>X</strong> + link, SA's "X posted:"."""
    if header is None:
        return None, None
    link = next((a for a in header.iterdescendants("a") if a.get("href") is not None), None)
    m = _LINKED_POST.search(attr(link, "href") or "")
    post_id = next((g for g in m.groups() if g), None) if m else None
    strong = next(header.iterdescendants("strong"), None)
    if strong is not None:
        return clean(get_text(strong)), post_id
    said = _SA_POSTED.match(clean(get_text(header)) or "")  # a bare "quote:" names nobody
    return (clean(said.group(1)), post_id or said.group(2)) if said else (None, post_id)


def _shape(fmt: str) -> re.Pattern[str]:
    """What strptime could accept for `fmt`, loosely: a failed strptime costs ~75 µs, and a
    page's dates would try most of the formats before the one that fits."""
    pattern = re.escape(fmt).replace(r"\ ", r"\s+")
    for code, what in (("%Y", r"\d{4}"), ("%b", r"\w+"), ("%B", r"\w+"), ("%p", r"\w+")):
        pattern = pattern.replace(code, what)
    return re.compile(re.sub(r"%[mdIHM]", r"\\s*\\d{1,2}", pattern), re.I)


_SHAPES = [(fmt, _shape(fmt)) for fmt in _DATE_FORMATS]
# SA's "Sep 20, 2012 11:16" ("%b %d, %Y %H:%M"), read by hand: strptime takes 25 µs a date,
# most of a post's time after its text. Only where strptime would read the same; any other
# text goes to it. No format before this one fits a text that opens with a letter.
_SA_DATE = re.compile(r"([A-Za-z]{3}) ([0-9]{1,2}), ([0-9]{4}) ([0-9]{1,2}):([0-9]{2})")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _sa_iso(text: str) -> str | None:
    m = _SA_DATE.fullmatch(text)
    month = _MONTHS.get(m.group(1).lower()) if m else None
    if m is None or month is None:
        return None
    try:
        return datetime(int(m.group(3)), month, int(m.group(2)), int(m.group(4)),
                        int(m.group(5))).isoformat()
    except ValueError:  # 31 Apr, 25:00: strptime refuses those too, and says what next
        return None


def _iso(text: str | None, page: _Element | None = None) -> str | None:
    """A page date ("06-15-2016, 03:03 PM", "Sep 20, 2012 11:16") as ISO 8601, else None.

    "Today"/"Yesterday" would need the day the page was saved, which the page does not say.
    """
    text = clean(text)
    quick = _sa_iso(text) if text else None
    if quick:
        return quick
    for fmt, shape in _SHAPES if text else ():
        if not shape.fullmatch(text):  # type: ignore[arg-type]
            continue
        try:
            return datetime.strptime(text, fmt).isoformat()  # type: ignore[arg-type]
        except ValueError:
            continue
    # A theme's own words around the date ("#5 Posted Apr 5, 2020, 7:39 PM"): vB's formats
    # inside the text, else the date as any page shows one ("16.03.2020 23:59").
    for fmt, shape in _SHAPES if text else ():
        found = shape.search(text)  # type: ignore[arg-type]
        if found:
            try:
                return datetime.strptime(found.group().strip(), fmt).isoformat()
            except ValueError:
                continue
    if not text:
        return None
    # 05/06/2015: the page's language says which is the day ("fr": 5 June)
    lang = page.getroottree().getroot().get("lang") if page is not None else None
    return shown_date(text, first_day=day_first(lang))


def _profile(post: Post, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        set_profile_field(post, label, clean(value))


def _author(post: Post, name: _Element | None, title: _Element | None) -> None:
    post.author = clean(text_of(name)) if name is not None else None
    post.author_source = AUTHOR_FROM_PAGE if post.author else None
    post.author_title = clean(text_of(title)) if title is not None else None


def _body(post: Post, message: _Element | None, also_skip: list[_Element] | None = None
          ) -> Post | None:
    if message is None:
        return None
    post.quotes, blocks = _quotes(message)
    post.body = text_of(message, skip=blocks + (also_skip or []))
    return post


def _words(el: _Element | None) -> str | None:
    return text_of(el) or None if el is not None else None


def _first_by_class(root: _Element, names: str, stop: str | None = None) -> dict[str, _Element]:
    """The first element under `root` carrying each class in `names`, in one walk of the tree,
    which ends at the first element of class `stop` (where another post's parts begin).

    One walk per post instead of one query per field.
    """
    wanted, found = set(names.split()), {}
    for el in root.iterdescendants():
        classes = el.get("class")
        if not classes:
            continue
        if stop is not None and stop in classes.split():
            break
        for name in classes.split():
            if name in wanted and name not in found:
                found[name] = el
        if len(found) == len(wanted):
            break
    return found


def _link(base: str | None, el: _Element | None) -> str | None:
    href = attr(el, "href")
    return urljoin(base, href) if base and href else href or None


# --- one reader per flavour ----------------------------------------------------------------

def vb3_post(table: _Element, base: str | None) -> Post | None:
    """vB3: table#post123, the number in a#postcount, the words in div#post_message_123."""
    post = Post(body="", post_id=post_id(table))
    count = _by_id(table, "a", "postcount")
    post.post_number = to_int(attr(count, "name") or get_text(count)) if count is not None else None
    post.url = _link(base, _by_id(table, "a", "postlink"))
    date = _by_token(table.iterdescendants("td"), "thead")
    post.posted_at = _iso(get_text(date, " "), table) if date is not None else None
    menu = _by_id(table, "div", "postmenu_")
    title = _by_token(menu.itersiblings("div"), "smallfont") if menu is not None else None
    if title is not None and ":" in get_text(title):
        title = None  # no user title: the next block is already the "Join Date:" list
    # The name is the a.bigusername: beside it in the menu, the online-status icon's alt text
    # ("Razor is offline") is no part of it.
    name = _by_token(menu.iterdescendants("a"), "bigusername") if menu is not None else None
    _author(post, name if name is not None else menu, title)
    user_cell = next(menu.iterancestors("td"), None) if menu is not None else None
    if user_cell is not None:
        _profile(post, dict(_PROFILE_LINE.findall(get_text(user_cell, "\n"))))
    post.signature = _vb3_signature(table)
    return _body(post, _by_id(table, "div", "post_message_"))


# vB3's parts by tag in C and the test in Python: the nine XPath queries they replace were a
# fifth of a vB3 post's time.

def _by_id(root: _Element, tag: str, prefix: str) -> _Element | None:
    """The first of `.//tag[starts-with(@id, prefix)]`."""
    return next((e for e in root.iterdescendants(tag) if (e.get("id") or "").startswith(prefix)),
                None)


def _by_token(found: Iterator[_Element], name: str) -> _Element | None:
    """The first of `found` that XPath's `cls(name)` would select."""
    return next((e for e in found if has_token(e, name)), None)


def _vb3_signature(table: _Element) -> str | None:
    """vB3 prints the signature after a line of underscores, outside the message div."""
    cell = _by_id(table, "td", "td_post_")
    for div in cell.findall("div") if cell is not None else []:
        first = first_text(div)
        if first and is_signature_rule(first):
            return text_of(div).lstrip("_").strip() or None
    return None


def vb4_post(li: _Element, base: str | None) -> Post | None:
    """vB4: li.postcontainer#post_123, its parts found by class in one walk."""
    post = Post(body="", post_id=post_id(li))
    el = _first_by_class(li, "postcounter date username usertitle userinfo_extra postcontent "
                             "signaturecontainer")
    post.post_number = to_int(get_text(el["postcounter"])) if "postcounter" in el else None
    post.url = _link(base, el.get("postcounter"))
    post.posted_at = _iso(get_text(el["date"], " "), li) if "date" in el else None
    _author(post, el.get("username"), el.get("usertitle"))  # a guest's is a plain span.username
    if "userinfo_extra" in el:
        _profile(post, {get_text(dt): get_text(dd) for dt in el["userinfo_extra"].iterdescendants("dt")
                        if (dd := next(dt.itersiblings("dd"), None)) is not None})
    post.signature = _words(el.get("signaturecontainer"))
    return _body(post, el.get("postcontent"))


def vb5_post(li: _Element, base: str | None) -> Post | None:
    """vB5: li.b-post[data-node-id], its parts found by class in one walk; a comment under a
    reply (li.b-post.b-comment) by `vb5_comment`."""
    if has_token(li, "b-comment"):
        return vb5_comment(li, base)
    post = Post(body="", post_id=attr(li, "data-node-id"))
    # The reply's comments follow its parts, in div.b-comments: their authors, dates and
    # counters are theirs, not the reply's.
    el = _first_by_class(li, "b-userinfo author usertitle b-post__count b-post__timestamp "
                             "js-post__content-text post-signature", stop="b-comments")
    post.post_number = to_int(get_text(el["b-post__count"])) if "b-post__count" in el else None
    post.url = _link(base, el.get("b-post__count"))
    stamp = el.get("b-post__timestamp")
    time = next(stamp.iterdescendants("time"), None) if stamp is not None else None
    post.posted_at = attr(time, "datetime") if stamp is not None else None  # already ISO
    _author(post, el.get("author"), el.get("usertitle"))
    if "b-userinfo" in el:
        items = [(item, label) for item in el["b-userinfo"].iterdescendants("li")
                 if (label := next(item.iterdescendants("label"), None)) is not None]
        _profile(post, {get_text(label): get_text(item).replace(get_text(label), "")
                        for item, label in items})
    post.signature = _words(el.get("post-signature"))
    message = el.get("js-post__content-text")
    comments = [c for c in message.iterdescendants("li") if has_token(c, "b-comment")] \
        if message is not None else []
    return _body(post, message, comments)


_COMMENT_COUNT = re.compile(r"#?\s*(\d+)\s*\.\s*\d+")  # "#3.1": the first comment on reply #3


def vb5_comment(li: _Element, base: str | None) -> Post | None:
    """vB5: a comment on a reply, li.b-post.b-comment inside the reply's div.b-comments.

    Its counter ("#3.1") is no place in the thread's count of replies ("#4" follows "#3" and
    its comments), so it has no post number; `reply_to` is the reply's number.
    """
    post = Post(body="", post_id=attr(li, "data-node-id"))
    el = _first_by_class(li, "b-comment__author b-post__count b-post__timestamp")
    count = el.get("b-post__count")
    post.url = _link(base, count)
    m = _COMMENT_COUNT.search(get_text(count)) if count is not None else None
    post.reply_to = int(m.group(1)) if m else _reply_number(li)
    stamp = el.get("b-post__timestamp")
    time = next(stamp.iterdescendants("time"), None) if stamp is not None else None
    # A comment prints its date as text ("03-13-2017, 02:45 PM"), not in a <time datetime>.
    if stamp is not None:
        post.posted_at = attr(time, "datetime") or _iso(get_text(stamp), li)
    _author(post, el.get("b-comment__author"), None)
    text = next((d for d in li.iterdescendants("div") if d.get("itemprop") == "commentText"), None)
    return _body(post, text)


def vb5_comment_clock(posts: list[tuple[_Element, Post]]) -> None:
    """Comments' dates on the clock of the replies' <time datetime>.

    A reply's datetime and the date it prints differ by the page's zone (-2 h on one board, +1 h
    on another); a comment prints only the shown date. Shifted by the difference most replies
    show, a comment's date is on the same clock as the replies' dates.
    """
    shifts = Counter(shift for li, post in posts
                     if not has_token(li, "b-comment") and (shift := _zone_shift(li, post)) is not None)
    shift = shifts.most_common(1)[0][0] if shifts else None
    for li, post in posts:
        if shift and has_token(li, "b-comment") and post.posted_at:
            try:
                post.posted_at = (_naive(post.posted_at) + shift).isoformat()
            except ValueError:  # a datetime attribute that is no ISO date: as the page has it
                continue


def _zone_shift(reply: _Element, post: Post) -> timedelta | None:
    """The reply's datetime less the date it prints, to the quarter hour (the printed date has
    no seconds; zones are whole quarters)."""
    stamp = _first_by_class(reply, "b-post__timestamp", stop="b-comments").get("b-post__timestamp")
    time = next(stamp.iterdescendants("time"), None) if stamp is not None else None
    shown = _iso(get_text(time), reply) if time is not None else None
    if not shown or not post.posted_at:
        return None
    try:
        seconds = (_naive(post.posted_at) - _naive(shown)).total_seconds()
    except ValueError:  # a datetime attribute that is no ISO date
        return None
    return timedelta(minutes=15 * round(seconds / 900))


def _naive(iso: str) -> datetime:
    """The wall clock of an ISO date, its zone (if any) left out."""
    return datetime.fromisoformat(iso[:19])


def _reply_number(comment: _Element) -> int | None:
    """The number of the reply whose li.b-post holds `comment`."""
    reply = next((a for a in comment.iterancestors("li")
                  if has_token(a, "b-post") and not has_token(a, "b-comment")), None)
    found = _first_by_class(reply, "b-post__count", stop="b-comments") if reply is not None else {}
    return to_int(get_text(found["b-post__count"])) if found else None


@lru_cache(maxsize=16)
def _sa_goto(base: str) -> str:
    """SA's address of a post, but its id, for the page's base: one urljoin a page, not a post
    (the id is digits, which join as they are)."""
    return urljoin(base, "/showthread.php?goto=post&postid=")


def sa_post(table: _Element, base: str | None) -> Post | None:
    """Something Awful: table.post#post123[data-idx], numbered by data-idx for now."""
    pid = post_id(table)
    post = Post(body="", post_id=pid, post_number=to_int(attr(table, "data-idx")))
    post.url = _sa_goto(base) + pid if base else None
    el = _first_by_class(table, "author registered title postdate postbody editedby signature")
    _author(post, el.get("author"), el.get("title"))
    post.author_joined = clean(get_text(el["registered"])) if "registered" in el else None
    if "postdate" in el:  # the date is the cell's own text, after the "#" and "?" links
        post.posted_at = _iso(" ".join(own_strings(el["postdate"])))
    post.signature = _words(el.get("signature"))
    return _body(post, el.get("postbody"), [el[k] for k in ("editedby", "signature") if k in el])


# The post reader of each markup, by the name `vbulletin_html` tells them apart with.
READERS: dict[str, Callable[[_Element, str | None], Post | None]] = {
    "sa": sa_post, "vb5": vb5_post, "vb4": vb4_post, "vb3": vb3_post}
