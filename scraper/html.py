"""Shared HTML helpers for the engine parsers: decoding, soup, post markup to plain text.

Every engine parser turns a post's markup into text the same way, so that quotes, paragraphs and
line breaks look alike whichever forum they came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

_FILE_ALT = re.compile(r"\.(png|gif|jpe?g|webp)$|^image$", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.I)

# Elements whose content is never part of what a member wrote.
DROP = {"script", "style", "noscript", "iframe", "object", "embed", "svg", "button", "form",
         "input", "select", "textarea", "template", "head"}
BLOCK = {"p", "div", "blockquote", "pre", "ul", "ol", "li", "table", "tr", "h1", "h2", "h3",
          "h4", "h5", "h6", "section", "article", "aside", "header", "footer", "dl", "dt", "dd",
          "hr", "figure", "figcaption", "details", "summary", "center", "fieldset", "tbody"}


def decode(data: bytes) -> str:
    """Bytes of a saved page to text.

    Pages lie about their charset (a Latin-1 meta over UTF-8 bytes is common in old forums), so
    valid UTF-8 wins; otherwise the declared charset; Windows-1252 as the last resort, which
    never fails and is what "ISO-8859-1" pages usually mean.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii", "replace").lower()
        if name in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
            name = "cp1252"
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace")


def soup(data: bytes | str) -> BeautifulSoup:
    """Parse a page with lxml (measured fastest of BeautifulSoup's parsers, see DECISIONS.md)."""
    text = decode(data) if isinstance(data, bytes) else data
    return BeautifulSoup(text, "lxml")


Index = dict[str, list[Tag]]


def index_by(root: Tag, attr: str = "class") -> Index:
    """Every element under `root` by the values of `attr` (each class name, for "class"), in
    page order: one walk per post instead of a CSS select per field. soupsieve visits the whole
    subtree for each select_one; a XenForo 1 page took 100 ms that way, 5 ms this way."""
    idx: Index = {}
    for node in root.descendants:
        if type(node) is Tag and attr in node.attrs:
            value = node.attrs[attr]
            for key in value if isinstance(value, list) else (str(value),):
                idx.setdefault(key, []).append(node)
    return idx


def text_of(el: Tag | None, skip: Iterable[Tag] = ()) -> str:
    """A post's markup as plain text: paragraphs separated by a blank line, <br> as newline.

    Elements in `skip` (quote blocks, signatures already taken out) are left out. Images become
    their alt text only when it is words (smilies' alt like ":)" are kept, file names dropped).
    """
    if el is None:
        return ""
    skipped = {id(s) for s in skip}
    parts: list[str] = []
    _walk(el, parts, skipped)
    return tidy("".join(parts))


# Source newlines and indentation in HTML are not the author's line breaks (<br> and blocks
# are); only inside <pre> is whitespace kept as written.
_FLOW = re.compile(r"[ \t\r\n\f\v]+")


def _walk(el: Tag, out: list[str], skipped: set[int], pre: bool = False) -> None:
    for child in el.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString or child.__class__.__name__ == "CData":
                out.append(str(child) if pre else _FLOW.sub(" ", str(child)))
            continue
        if not isinstance(child, Tag) or id(child) in skipped:
            continue
        name = child.name
        inner = pre or name == "pre"
        if name in DROP:
            continue
        if name == "br":
            out.append("\n")
        elif name == "img":
            alt = str(child.get("alt") or "").strip()
            if alt and not _FILE_ALT.search(alt):
                out.append(alt)
        elif name in BLOCK:
            out.append("\n\n")
            _walk(child, out, skipped, inner)
            out.append("\n\n")
        elif name in {"td", "th"}:
            _walk(child, out, skipped, inner)
            out.append(" ")
        else:
            _walk(child, out, skipped, inner)


def element_text(el: Any, skip: Any = frozenset()) -> str:
    """`text_of` for an lxml element (the fast path some parsers take): same output."""
    parts: list[str] = [_FLOW.sub(" ", el.text or "")]
    _walk_lxml(el, parts, skip, el.tag == "pre")
    return tidy("".join(parts))


def _walk_lxml(el: Any, out: list[str], skip: Any, pre: bool) -> None:
    for child in el:
        name = child.tag
        if isinstance(name, str) and child not in skip and name not in DROP:
            inner = pre or name == "pre"
            text = child.text or ""
            text = text if inner else _FLOW.sub(" ", text)
            if name == "br":
                out.append("\n")
            elif name == "img":
                alt = (child.get("alt") or "").strip()
                if alt and not _FILE_ALT.search(alt):
                    out.append(alt)
            elif name in BLOCK:
                out.extend(("\n\n", text))
                _walk_lxml(child, out, skip, inner)
                out.append("\n\n")
            else:
                out.append(text)
                _walk_lxml(child, out, skip, inner)
                if name in ("td", "th"):
                    out.append(" ")
        tail = child.tail or ""
        out.append(tail if pre else _FLOW.sub(" ", tail))


_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANKS = re.compile(r"\n\s*\n+")


def tidy(text: str) -> str:
    """Collapse runs of spaces, trim lines, keep paragraphs (one blank line between them)."""
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANKS.sub("\n\n", text).strip()


def clean(text: str | None) -> str | None:
    """Whitespace-normalised one-line text, or None when empty."""
    if text is None:
        return None
    text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
    return text or None


def to_int(text: str | None) -> int | None:
    """'1,529' -> 1529; None when there is no number."""
    if not text:
        return None
    digits = re.sub(r"[^\d]", "", text)
    return int(digits) if digits else None
