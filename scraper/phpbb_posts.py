"""The three post markups of phpBB: prosilver and subsilver2 (phpBB 3) and subSilver (phpBB 2).

Each reader returns the posts of a page in page order, unnumbered (the page's offset numbers them
in `scraper.phpbb`). What the markups share is read once at the end: quote blocks and their
"X wrote:" headers, profile lines, and the line of underscores a phpBB 2 signature follows.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag

from scraper.fields import is_signature_rule, set_profile_field
from scraper.html import clean, text_of, tidy
from scraper.models import AUTHOR_FROM_PAGE, Post, Quote
from scraper.phpbb_page import Page, param, when

_WROTE = re.compile(r"^(.*?)\s*(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|napisał)\b",
                    re.I)
_POST_ID = re.compile(r"^p\d+$")
_PERMALINK = re.compile(r"#p\d+$")
_PERMALINK_2 = re.compile(r"viewtopic\.php\?p=\d+")


def prosilver(doc: BeautifulSoup, page: Page) -> list[Post]:
    """prosilver (phpBB 3.0 - 3.3): div.post#pN > div.postbody + dl.postprofile."""
    posts = []
    for el in doc.find_all("div", id=_POST_ID, class_="post"):
        content = el.find("div", class_="content")
        if content is None:
            continue
        quotes, skip = _quotes(content, "blockquote", None)
        skip += content.find_all("div", class_="inline-attachment")
        skip += [box.dt for box in content.find_all("dl", class_="codebox") if box.dt]
        post = Post(body=text_of(content, skip=skip), post_id=str(el["id"])[1:], quotes=quotes)
        byline = el.find("p", class_="author")
        if byline is not None:
            name = byline.find("strong")
            post.author = clean(name.get_text()) if name else None
            link = byline.find("a", href=_PERMALINK)
            post.url = page.url(str(link["href"])) if link else None
            stamp = byline.find("time", datetime=True)
            shown = byline.get_text().rsplit("»", 1)[-1]
            post.posted_at = str(stamp["datetime"]) if stamp else when(shown, page)
        profile = el.find("dl", class_="postprofile")
        if profile is not None:
            _prosilver_profile(post, profile)
        sig = el.find("div", class_="signature")
        post.signature = (text_of(sig) or None) if sig else None
        posts.append(_finish(post))
    return posts


def _prosilver_profile(post: Post, profile: Tag) -> None:
    _profile(post, text_of(profile))
    # 3.1+ marks the rank dd; 3.0 leaves it the first dd without a "Label:" <strong>
    rank = profile.find("dd", class_="profile-rank") or next(
        (dd for dd in profile.find_all("dd") if dd.strong is None), None)
    post.author_title = clean(rank.get_text()) if rank else None
    dt = profile.find("dt")
    if post.author is None and dt is not None:  # the avatar link comes first and has no text
        names = [clean(n.get_text()) for n in dt.find_all(["a", "strong"])]
        post.author = next((n for n in reversed(names) if n), None)


def subsilver2(doc: BeautifulSoup, page: Page) -> list[Post]:
    """subsilver2 (phpBB 3): one table.tablebg per post, a[name=pN] + span.postauthor."""
    posts = []
    for name in doc.find_all("span", class_="postauthor"):
        anchor = name.find_previous_sibling("a", attrs={"name": _POST_ID})
        table = name.find_parent("table", class_="tablebg")
        body = table.find("div", class_="postbody") if table else None
        if anchor is None or table is None or body is None:
            continue
        quotes, skip = _quotes(body, "div", "quotecontent")
        skip += body.find_all("div", class_="codetitle")
        post = Post(body=text_of(body, skip=skip), post_id=str(anchor["name"])[1:],
                    author=clean(name.get_text()), quotes=quotes)
        for cell in table.find_all("td", class_="gensmall"):
            if "Posted:" in cell.get_text():
                link = cell.find("a", href=_PERMALINK)
                post.url = page.url(str(link["href"])) if link else None
                post.posted_at = when(cell.get_text().split("Posted:", 1)[1], page)
                break
        details = table.find("span", class_="postdetails")
        _profile(post, text_of(details) if details else "")
        rank = table.find("td", class_="postdetails")
        post.author_title = clean(rank.get_text()) if rank else None
        signatures = (_split_signature(text_of(s))[1]
                      for s in table.find_all("span", class_="postbody"))
        post.signature = next((sig for sig in signatures if sig), None)
        posts.append(_finish(post))
    return posts


def subsilver(doc: BeautifulSoup, page: Page) -> list[Post]:
    """subSilver (phpBB 2): one <tr> per post, span.name + span.postdetails + span.postbody."""
    posts = []
    for name in doc.find_all("span", class_="name"):
        row = name.parent.parent if name.parent and name.parent.name == "td" else None
        cells = row.find_all("td", recursive=False) if row else []
        first = cells[1].find("span", class_="postbody") if len(cells) > 1 else None
        if first is None or first.parent is None:
            continue
        body = first.parent
        quotes, skip = _quotes(body, "td", "quote")
        skip += _phpbb2_chrome(body)
        text, signature = _split_signature(text_of(body, skip=skip))
        anchor = name.find("a", attrs={"name": True})
        post = Post(body=text, signature=signature, author=clean(name.get_text()), quotes=quotes,
                    post_id=str(anchor["name"]) if anchor else None)
        info = cells[1].find("span", class_="postdetails")
        if info is not None:
            shown = info.get_text().split("Posted:", 1)[-1].split("Post subject")[0]
            post.posted_at = when(shown, page)
        link = cells[1].find("a", href=_PERMALINK_2)
        post.url = page.url(str(link["href"])) if link else None
        details = cells[0].find("span", class_="postdetails")
        lines = text_of(details).split("\n") if details else []
        _profile(post, "\n".join(lines))
        post.author_title = clean(lines[0]) if lines and ":" not in lines[0] else None
        posts.append(_finish(post))
    return posts


def _phpbb2_chrome(body: Tag) -> list[Tag]:
    """The "Code:" headers and "Last edited by" notes inside a phpBB 2 message cell."""
    tables = [code.find_parent("table") for code in body.find_all("td", class_="code")]
    heads = [t.find("span", class_="genmed") for t in tables if t is not None]
    notes = [s for s in body.find_all("span", class_="gensmall") if "Last edited" in s.text]
    return [h for h in heads if h is not None] + notes


# ---- what the three markups share ----------------------------------------------------------

def _quotes(body: Tag, name: str, cls: str | None) -> tuple[list[Quote], list[Tag]]:
    """The outermost quote blocks in `body` as Quotes, and every element to leave out of the body.

    Nested quotes stay out of the outer quote's text: only the outermost is a Quote.
    """
    attrs: dict[str, Any] = {"class": cls} if cls else {}  # class_=None: "has no class"
    blocks = body.find_all(name, attrs=attrs)
    ids = {id(b) for b in blocks}
    outer = [b for b in blocks if not any(id(p) in ids for p in b.parents)]
    quotes, skip = [], []
    for block in outer:
        header, own, post_id = _quote_header(block)
        inner = [part for b in block.find_all(name, attrs=attrs) for part in _quote_parts(b)]
        m = _WROTE.match(header or "")
        # A quote that only wraps another quote (plus images) keeps the nested words.
        text = text_of(block, skip=inner + own) or text_of(block, skip=own)
        quotes.append(Quote(text=text, post_id=post_id,
                            author=clean(m.group(1).strip("\"' ")) if m else None))
        skip += _quote_parts(block)
    return quotes, skip


def _quote_parts(block: Tag) -> list[Tag]:
    """The elements one quote occupies: phpBB 2 wraps header and text in a table, subsilver2
    puts div.quotetitle before div.quotecontent, prosilver keeps both in the blockquote."""
    if block.name == "td":
        return [block.find_parent("table") or block]
    title = block.find_previous_sibling("div", class_="quotetitle")
    return [block, title] if block.name == "div" and title else [block]


def _quote_header(block: Tag) -> tuple[str | None, list[Tag], str | None]:
    """A quote's "X wrote:" text, the header elements inside the block, the quoted post's id."""
    if block.name == "blockquote":  # prosilver; 3.2+ links the quoted post
        cite = block.find("cite")
        if cite is None or cite.find_parent("blockquote") is not block:
            return None, [], None
        link = cite.find("a", attrs={"data-post-id": True})
        post_id = str(link["data-post-id"]) if link else param(str(block.get("cite", "")), "p")
        return cite.get_text(), [cite], post_id
    if block.name == "td":
        table = block.find_parent("table")
        head = table.find("span", class_="genmed") if table else None
        return (head.get_text() if head else None), [], None
    title = block.find_previous_sibling("div", class_="quotetitle")
    return (title.get_text() if title else None), [], None


def _split_signature(text: str) -> tuple[str, str | None]:
    """Body and signature of text where phpBB put a line of underscores before the signature
    (the last such line: a member may draw one in the post itself)."""
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
