"""The three post markups of phpBB: prosilver and subsilver2 (phpBB 3) and subSilver (phpBB 2).

Each reader returns the posts of a page in page order, unnumbered (the page's offset numbers them
in `scraper.phpbb`). What the markups share is read once at the end: quote blocks and their
"X wrote:" headers, profile lines, and the line of underscores a phpBB 2 signature follows.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from scraper.fields import is_signature_rule, set_profile_field
from scraper.html import clean, element_text, tidy
from scraper.models import AUTHOR_FROM_PAGE, Post, Quote
from scraper.phpbb_page import Page, param, when
from scraper.quote_words import WROTE_ANY
from scraper.tree import ancestor, by_class, first_class, get_text, has_class

# A quote's head in the board's language: "X wrote:", "X писал(а):", "X írta:"
_WROTE = re.compile(rf"^(.*?)\s*\b(?:{WROTE_ANY})\b", re.I)  # a <cite>: "X wrote:", "X írta:"
_POST_ID = re.compile(r"^p\d+$")
_PERMALINK = re.compile(r"#p\d+$")
_PERMALINK_2 = re.compile(r"viewtopic\.php\?p=\d+")


def text_of(el: _Element, skip: list[_Element] | None = None) -> str:
    return element_text(el, skip or ())


def _first(el: _Element, tag: str) -> _Element | None:
    """The first `tag` under `el` (bs4's el.find(tag))."""
    return next(el.iterdescendants(tag), None)


def _link(el: _Element, href: re.Pattern[str]) -> _Element | None:
    """The first link under `el` whose href `href` finds."""
    return next((a for a in el.iterdescendants("a") if href.search(a.get("href") or "")), None)


def prosilver(doc: _Element, page: Page) -> list[Post]:
    """prosilver (phpBB 3.0 - 3.3): div.post#pN > div.postbody + dl.postprofile."""
    posts = []
    for el in by_class(doc, "div", "post"):
        content = first_class(el, "div", "content")
        if content is None or not _POST_ID.search(el.get("id") or ""):
            continue
        quotes, skip = _quotes(content, "blockquote", None)
        skip += by_class(content, "div", "inline-attachment")
        skip += [dt for box in by_class(content, "dl", "codebox") if (dt := _first(box, "dt")) is not None]
        post = Post(body=text_of(content, skip=skip), post_id=str(el.get("id"))[1:], quotes=quotes)
        byline = first_class(el, "p", "author")
        if byline is None:  # a theme's <div class="author"> (the Raspberry Pi forum's "raspite")
            byline = first_class(el, "div", "author")
        if byline is not None:
            name = _first(byline, "strong")
            post.author = clean(get_text(name)) if name is not None else None
            link = _link(byline, _PERMALINK)
            post.url = page.url(link.get("href")) if link is not None else None
            stamp = next((t for t in byline.iterdescendants("time") if t.get("datetime") is not None),
                         None)
            shown = get_text(byline).rsplit("»", 1)[-1]
            post.posted_at = str(stamp.get("datetime")) if stamp is not None else when(shown, page)
        if post.posted_at is None:  # a style that moves the byline out, before the post (Aeolus)
            stamp = next((t for sib in el.itersiblings(preceding=True) for t in sib.iter("time")
                          if t.get("datetime") is not None), None)
            post.posted_at = str(stamp.get("datetime")) if stamp is not None else None
        profile = first_class(el, "dl", "postprofile")
        if profile is not None:
            _prosilver_profile(post, profile)
        sig = first_class(el, "div", "signature")
        post.signature = (text_of(sig) or None) if sig is not None else None
        posts.append(_finish(post))
    return posts


def _prosilver_profile(post: Post, profile: _Element) -> None:
    _profile(post, text_of(profile))
    # 3.1+ marks the rank dd; 3.0 leaves it the first dd without a "Label:" <strong>
    rank = first_class(profile, "dd", "profile-rank")
    if rank is None:
        rank = next((dd for dd in profile.iterdescendants("dd") if _first(dd, "strong") is None), None)
    post.author_title = clean(get_text(rank)) if rank is not None else None
    dt = _first(profile, "dt")
    if post.author is None and dt is not None:  # the avatar link comes first and has no text
        names = [clean(get_text(n)) for n in dt.iterdescendants("a", "strong")]
        post.author = next((n for n in reversed(names) if n), None)


def subsilver2(doc: _Element, page: Page) -> list[Post]:
    """subsilver2 (phpBB 3): one table.tablebg per post, a[name=pN] + b.postauthor (the
    style's own template; some themes made it a span)."""
    posts = []
    for name in by_class(doc, "*", "postauthor"):
        anchor = next((a for a in name.itersiblings("a", preceding=True)
                       if _POST_ID.search(a.get("name") or "")), None)
        table = ancestor(name, "table", "tablebg")
        body = first_class(table, "div", "postbody")
        if anchor is None or table is None or body is None:
            continue
        quotes, skip = _quotes(body, "div", "quotecontent")
        skip += by_class(body, "div", "codetitle")
        post = Post(body=text_of(body, skip=skip), post_id=str(anchor.get("name"))[1:],
                    author=clean(get_text(name)), quotes=quotes)
        # The first td.gensmall that says "Posted:", the cells after it not looked at.
        for cell in (td for td in table.iterdescendants("td") if has_class(td, "gensmall")):
            shown = get_text(cell)
            if "Posted:" in shown:
                link = _link(cell, _PERMALINK)
                post.url = page.url(link.get("href")) if link is not None else None
                post.posted_at = when(shown.split("Posted:", 1)[1], page)
                break
        details = first_class(table, "span", "postdetails")
        _profile(post, text_of(details) if details is not None else "")
        rank = first_class(table, "td", "postdetails")
        post.author_title = clean(get_text(rank)) if rank is not None else None
        signatures = (_split_signature(text_of(s))[1] for s in by_class(table, "*", "postbody"))
        post.signature = next((sig for sig in signatures if sig), None)
        posts.append(_finish(post))
    return posts


def subsilver(doc: _Element, page: Page) -> list[Post]:
    """subSilver (phpBB 2): one <tr> per post, span.name + span.postdetails + span.postbody."""
    posts = []
    for name in by_class(doc, "span", "name"):
        cell = name.getparent()
        row = cell.getparent() if cell is not None and cell.tag == "td" else None
        cells = row.findall("td") if row is not None else []
        first = first_class(cells[1], "span", "postbody") if len(cells) > 1 else None
        if first is None or first.getparent() is None:
            continue
        body = first.getparent()
        quotes, skip = _quotes(body, "td", "quote")
        skip += _phpbb2_chrome(body)
        text, signature = _split_signature(text_of(body, skip=skip))
        anchor = next((a for a in name.iterdescendants("a") if a.get("name") is not None), None)
        post = Post(body=text, signature=signature, author=clean(get_text(name)), quotes=quotes,
                    post_id=str(anchor.get("name")) if anchor is not None else None)
        info = first_class(cells[1], "span", "postdetails")
        if info is not None:
            shown = get_text(info).split("Posted:", 1)[-1].split("Post subject")[0]
            post.posted_at = when(shown, page)
        link = _link(cells[1], _PERMALINK_2)
        post.url = page.url(link.get("href")) if link is not None else None
        details = first_class(cells[0], "span", "postdetails")
        lines = text_of(details).split("\n") if details is not None else []
        _profile(post, "\n".join(lines))
        post.author_title = clean(lines[0]) if lines and ":" not in lines[0] else None
        posts.append(_finish(post))
    return posts


def _phpbb2_chrome(body: _Element) -> list[_Element]:
    """The "Code:" headers and "Last edited by" notes inside a phpBB 2 message cell."""
    tables = [ancestor(code, "table") for code in by_class(body, "td", "code")]
    heads = [first_class(t, "span", "genmed") for t in tables if t is not None]
    notes = [s for s in by_class(body, "span", "gensmall") if "Last edited" in get_text(s)]
    return [h for h in heads if h is not None] + notes


# ---- what the three markups share ----------------------------------------------------------

def _blocks(body: _Element, name: str, cls: str | None) -> list[_Element]:
    return by_class(body, name, cls) if cls else list(body.iterdescendants(name))


def _quotes(body: _Element, name: str, cls: str | None) -> tuple[list[Quote], list[_Element]]:
    """The outermost quote blocks in `body` as Quotes, and every element to leave out of the body.

    Nested quotes stay out of the outer quote's text: only the outermost is a Quote.
    """
    blocks = _blocks(body, name, cls)
    found = set(blocks)
    outer = [b for b in blocks if not any(p in found for p in b.iterancestors())]
    quotes, skip = [], []
    for block in outer:
        header, own, post_id = _quote_header(block)
        inner = [part for b in _blocks(block, name, cls) for part in _quote_parts(b)]
        m = _WROTE.match(header or "")
        # A quote that only wraps another quote (plus images) keeps the nested words.
        text = text_of(block, skip=inner + own) or text_of(block, skip=own)
        quotes.append(Quote(text=text, post_id=post_id,
                            author=clean(m.group(1).strip("\"' ")) if m else None))
        skip += _quote_parts(block)
    return quotes, skip


def _quote_title(block: _Element) -> _Element | None:
    """subsilver2's div.quotetitle before the quote's div.quotecontent."""
    return next((d for d in block.itersiblings("div", preceding=True)
                 if "quotetitle" in (d.get("class") or "").split()), None)


def _quote_parts(block: _Element) -> list[_Element]:
    """The elements one quote occupies: phpBB 2 wraps header and text in a table, subsilver2
    puts div.quotetitle before div.quotecontent, prosilver keeps both in the blockquote."""
    if block.tag == "td":
        table = ancestor(block, "table")
        return [block if table is None else table]
    title = _quote_title(block)
    return [block, title] if block.tag == "div" and title is not None else [block]


def _quote_header(block: _Element) -> tuple[str | None, list[_Element], str | None]:
    """A quote's "X wrote:" text, the header elements inside the block, the quoted post's id."""
    if block.tag == "blockquote":  # prosilver; 3.2+ links the quoted post
        cite, cited = _first(block, "cite"), str(block.get("cite", ""))
        if cite is None or ancestor(cite, "blockquote") is not block:
            return None, [], None
        ids = [str(a.get("data-post-id")) for a in cite.iterdescendants("a")
               if a.get("data-post-id") is not None]
        return get_text(cite), [cite], ids[0] if ids else param(cited, "p")
    if block.tag == "td":
        table = ancestor(block, "table")
        head = first_class(table, "span", "genmed")
        return (get_text(head) if head is not None else None), [], None
    title = _quote_title(block)
    return (get_text(title) if title is not None else None), [], None


def _split_signature(text: str) -> tuple[str, str | None]:
    """Body and signature of text where phpBB put a line of underscores before the signature
    (the last such line: a member may draw one in the post itself)."""
    if "______" not in text:  # a rule's six underscores: most posts have none
        return text, None
    lines = text.split("\n")
    rules = [i for i, line in enumerate(lines) if is_signature_rule(line)]
    if not rules:
        return text, None
    at = rules[-1]
    return tidy("\n".join(lines[:at])), tidy("\n".join(lines[at + 1:])) or None


def _profile(post: Post, text: str) -> None:
    """Posts / Joined / Location from a profile block's "Label: value" lines."""
    for line in text.split("\n"):
        label, _, value = line.partition(":")
        set_profile_field(post, label, clean(value))


def _finish(post: Post) -> Post:
    post.author_source = AUTHOR_FROM_PAGE if post.author else None
    return post
