"""The four post markups of vBulletin pages (vB3, vB4, vB5, Something Awful), one reader each.

What they share is read once here: quote blocks and the member they name, dates as the page
prints them, profile lines, the author's name and title. Each reader takes one post's container
and the page's base address, and gives the Post, or None when the message is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urljoin

from bs4 import Tag

from scraper.fields import is_signature_rule, set_profile_field
from scraper.html import clean, text_of, to_int
from scraper.models import AUTHOR_FROM_PAGE, Post, Quote

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
# what only a quote holds. vB3: a "Quote:" caption then a table ("Code:" uses <pre> or <div>).
_QUOTE_SELECT = ("div.bbcode_container:has(> div.bbcode_quote), "
                 "div.bbc-block:not(.code):has(> blockquote)")
_VB3_QUOTE_SELECT = "div > div.smallfont:first-child + table"


def attr(el: Tag | None, name: str) -> str | None:
    """An attribute as one string (bs4 gives class-like attributes as lists), None if absent."""
    value = el.get(name) if el is not None else None
    return " ".join(value) if isinstance(value, list) else value


# --- parts every flavour shares ------------------------------------------------------------

def _quotes(message: Tag) -> tuple[list[Quote], list[Tag]]:
    """The message's Quotes (outermost blocks only) and the blocks to leave out of its body."""
    blocks = message.select(_QUOTE_SELECT) or [
        t.parent for t in message.select(_VB3_QUOTE_SELECT) if t.parent is not None]
    ids = {id(b) for b in blocks}
    outer = [b for b in blocks if not any(id(p) in ids for p in b.parents)]
    quotes = []
    for block in outer:
        header, words = _quote_parts(block)
        nested = [b for b in blocks if b is not block and block in b.parents]
        text = text_of(words, skip=[header, *nested] if header else nested)
        if not text and nested:  # it only quotes another quote: keep those words, not headers
            headers = [header, *(_quote_parts(b)[0] for b in nested)]
            text = text_of(words, skip=[h for h in headers if h is not None])
        author, post_id = _quoted_member(header)
        quotes.append(Quote(text=text, author=author, post_id=post_id))
    return quotes, outer


def _quote_parts(block: Tag) -> tuple[Tag | None, Tag]:
    """A quote block's header (names the quoted member, if any) and the quoted words."""
    if "bbc-block" in (block.get("class") or ()):  # SA: <h4>X posted:</h4><blockquote>
        return block.find("h4", recursive=False), block.find("blockquote") or block
    box = block.select_one(":scope > div.bbcode_quote > div.quote_container")
    if box is not None:  # vB4/5: div.bbcode_postedby + div.message, or the bare words
        return (box.find("div", class_="bbcode_postedby", recursive=False),
                box.find("div", class_="message", recursive=False) or box)
    cell = block.select_one("td.alt2") or block  # vB3: header div + italic div, or bare words
    first = cell.find("div", recursive=False)
    words = first.find_next_sibling("div") if first else None
    if first is None or words is None or first.find("strong") is None:
        return None, cell
    return first, words


def _quoted_member(header: Tag | None) -> tuple[str | None, str | None]:
    """(author, post id) from a quote header: vB's <strong>X</strong> + link, SA's "X posted:"."""
    if header is None:
        return None, None
    m = _LINKED_POST.search(attr(header.find("a", href=True), "href") or "")
    post_id = next((g for g in m.groups() if g), None) if m else None
    strong = header.find("strong")
    if strong is not None:
        return clean(strong.get_text()), post_id
    said = _SA_POSTED.match(clean(header.get_text()) or "")  # a bare "quote:" names nobody
    return (clean(said.group(1)), post_id or said.group(2)) if said else (None, post_id)


def _iso(text: str | None) -> str | None:
    """A page date ("06-15-2016, 03:03 PM", "Sep 20, 2012 11:16") as ISO 8601, else None.

    "Today"/"Yesterday" would need the day the page was saved, which the page does not say.
    """
    text = clean(text)
    for fmt in _DATE_FORMATS if text else ():
        try:
            return datetime.strptime(text, fmt).isoformat()  # type: ignore[arg-type]
        except ValueError:
            continue
    return None


def _profile(post: Post, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        set_profile_field(post, label, clean(value))


def _author(post: Post, name: Tag | None, title: Tag | None) -> None:
    post.author = clean(text_of(name)) if name else None
    post.author_source = AUTHOR_FROM_PAGE if post.author else None
    post.author_title = clean(text_of(title)) if title else None


def _body(post: Post, message: Tag | None, also_skip: list[Tag] | None = None) -> Post | None:
    if message is None:
        return None
    post.quotes, blocks = _quotes(message)
    post.body = text_of(message, skip=blocks + (also_skip or []))
    return post


def _words(el: Tag | None) -> str | None:
    return text_of(el) or None if el is not None else None


def _first_by_class(root: Tag, names: str) -> dict[str, Tag]:
    """The first element under `root` carrying each class in `names`, in one walk of the tree.

    One walk per post instead of one CSS select per field: the selects were most of the time.
    """
    wanted, found = set(names.split()), {}
    for el in root.find_all(True):
        for name in el.get("class") or ():
            if name in wanted and name not in found:
                found[name] = el
        if len(found) == len(wanted):
            break
    return found


def _link(base: str | None, el: Tag | None) -> str | None:
    href = attr(el, "href")
    return urljoin(base, href) if base and href else href or None


# --- one reader per flavour ----------------------------------------------------------------

def vb3_post(table: Tag, base: str | None) -> Post | None:
    """vB3: table#post123, the number in a#postcount, the words in div#post_message_123."""
    post = Post(body="", post_id=POST_ID.sub(r"\1", attr(table, "id") or ""))
    count = table.select_one("a[id^=postcount]")
    post.post_number = to_int(attr(count, "name") or count.get_text()) if count else None
    post.url = _link(base, table.select_one("a[id^=postlink]"))
    date = table.find("td", class_="thead")
    post.posted_at = _iso(date.get_text(" ")) if date else None
    menu = table.select_one("div[id^=postmenu_]")
    title = menu.find_next_sibling("div", class_="smallfont") if menu else None
    if title is not None and ":" in title.get_text():
        title = None  # no user title: the next block is already the "Join Date:" list
    _author(post, menu, title)
    user_cell = menu.find_parent("td") if menu else None
    if user_cell is not None:
        _profile(post, dict(_PROFILE_LINE.findall(user_cell.get_text("\n"))))
    post.signature = _vb3_signature(table)
    return _body(post, table.select_one("div[id^=post_message_]"))


def _vb3_signature(table: Tag) -> str | None:
    """vB3 prints the signature after a line of underscores, outside the message div."""
    cell = table.select_one("td[id^=td_post_]")
    for div in cell.find_all("div", recursive=False) if cell else []:
        first = div.find(string=True)
        if first and is_signature_rule(first):
            return text_of(div).lstrip("_").strip() or None
    return None


def vb4_post(li: Tag, base: str | None) -> Post | None:
    """vB4: li.postcontainer#post_123, its parts found by class in one walk."""
    post = Post(body="", post_id=POST_ID.sub(r"\1", attr(li, "id") or ""))
    el = _first_by_class(li, "postcounter date username usertitle userinfo_extra postcontent "
                             "signaturecontainer")
    post.post_number = to_int(el["postcounter"].get_text()) if "postcounter" in el else None
    post.url = _link(base, el.get("postcounter"))
    post.posted_at = _iso(el["date"].get_text(" ")) if "date" in el else None
    _author(post, el.get("username"), el.get("usertitle"))  # a guest's is a plain span.username
    if "userinfo_extra" in el:
        _profile(post, {dt.get_text(): dd.get_text() for dt in el["userinfo_extra"].find_all("dt")
                        if (dd := dt.find_next_sibling("dd"))})
    post.signature = _words(el.get("signaturecontainer"))
    return _body(post, el.get("postcontent"))


def vb5_post(li: Tag, base: str | None) -> Post | None:
    """vB5: li.b-post[data-node-id], its parts found by class in one walk."""
    post = Post(body="", post_id=attr(li, "data-node-id"))
    el = _first_by_class(li, "b-userinfo author usertitle b-post__count b-post__timestamp "
                             "js-post__content-text post-signature")
    post.post_number = to_int(el["b-post__count"].get_text()) if "b-post__count" in el else None
    post.url = _link(base, el.get("b-post__count"))
    stamp = el.get("b-post__timestamp")
    post.posted_at = attr(stamp.find("time"), "datetime") if stamp else None  # already ISO
    _author(post, el.get("author"), el.get("usertitle"))
    if "b-userinfo" in el:
        _profile(post, {item.label.get_text(): item.get_text().replace(item.label.get_text(), "")
                        for item in el["b-userinfo"].find_all("li") if item.label})
    post.signature = _words(el.get("post-signature"))
    return _body(post, el.get("js-post__content-text"))


def sa_post(table: Tag, base: str | None) -> Post | None:
    """Something Awful: table.post#post123[data-idx], numbered by data-idx for now."""
    pid = POST_ID.sub(r"\1", attr(table, "id") or "")
    post = Post(body="", post_id=pid, post_number=to_int(attr(table, "data-idx")))
    post.url = urljoin(base, f"/showthread.php?goto=post&postid={pid}") if base else None
    el = _first_by_class(table, "author registered title postdate postbody editedby signature")
    _author(post, el.get("author"), el.get("title"))
    post.author_joined = clean(el["registered"].get_text()) if "registered" in el else None
    if "postdate" in el:  # the date is the cell's own text, after the "#" and "?" links
        post.posted_at = _iso(" ".join(el["postdate"].find_all(string=True, recursive=False)))
    post.signature = _words(el.get("signature"))
    return _body(post, el.get("postbody"), [el[k] for k in ("editedby", "signature") if k in el])


# The post reader of each markup, by the name `vbulletin_html` tells them apart with.
READERS: dict[str, Callable[[Tag, str | None], Post | None]] = {
    "sa": sa_post, "vb5": vb5_post, "vb4": vb4_post, "vb3": vb3_post}
