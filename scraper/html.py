"""Shared HTML helpers for the engine parsers: decoding, soup, post markup to plain text.

Every engine parser turns a post's markup into text the same way, so that quotes, paragraphs and
line breaks look alike whichever forum they came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from bs4 import BeautifulSoup, NavigableString, Tag
from lxml.etree import _Element

# An image's alt that is no words: a file name, "image", or an emoji's short code (":smile:",
# ":+1:", ":mrgreen:"), which Discourse and the smiley sets of phpBB and XenForo print as alt.
_FILE_ALT = re.compile(r"\.(png|gif|jpe?g|webp)$|^image$|^:[\w+-]+:$", re.I)
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
    never fails and is what "ISO-8859-1" pages usually mean. Text that was UTF-8 read as
    Windows-1252 somewhere upstream ("thatâ€™s" in a Wayback capture) is repaired.
    """
    text, raw, codec = _decoded(data)
    # (Windows-1252 gives no byte a C1 character: nothing to look for in what it read.)
    if codec != "cp1252" and not text.isascii() \
            and (_C1_UTF8.search(raw) if codec == "utf-8" else _C1.search(text)):
        text = text.translate(_C1_AS_CP1252)
    return _unmojibake(text) if _has_mojibake(text, raw, codec) else text


# C1 control characters are never text: where a page holds them (U+0092 for "'"), Windows-1252
# bytes were read as Latin-1 upstream (a crawler's store, an old database's dump), and each is
# the character Windows-1252 gives its byte; the five bytes it leaves undefined stay.
_C1 = re.compile("[\u0080-\u009f]")
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")  # the same in UTF-8 bytes: a tenth of the time
_C1_AS_CP1252 = {c: bytes([c]).decode("cp1252") for c in range(0x80, 0xA0)
                 if c not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


# UTF-8 read as Windows-1252: "â€™" for "’", "Ã©" for "é". Checked first: repairing costs
# ~1 ms per KB, and most pages need none.
_MOJIBAKE = re.compile("â€[\u0080-\u00bf\u0152-\u2122]|Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]")


# The pattern's lead characters as the bytes of a page read as UTF-8 or Windows-1252 hold them:
# searched in the bytes, 10 µs, where the three searches of a text that is not ASCII (two
# bytes a character) took 120-350 µs.
_MARK_BYTES = {"utf-8": (b"\xc3\xa2\xe2\x82\xac", b"\xc3\x83", b"\xc3\x82"),
               "cp1252": (b"\xe2\x80", b"\xc3", b"\xc2")}


def _has_mojibake(text: str, raw: bytes, codec: str) -> bool:
    # The lead characters by plain search first: the pattern alone tries every offset of the
    # page, ~1 ms on a 190 KB page that is not ASCII.
    if text.isascii():
        return False
    marks = _MARK_BYTES.get(codec)
    lead = any(m in raw for m in marks) if marks else "â€" in text or "Ã" in text or "Â" in text
    return lead and _MOJIBAKE.search(text) is not None


def _unmojibake(text: str) -> str:
    """Each line that shows the marks, repaired: ftfy over a whole 54 KB capture took 75 ms
    for the one garbled line in it (its own `fix_text` also works a line at a time)."""
    import ftfy  # a well-kept library that undoes exactly this, and only where it is sure

    lines = text.split("\n")
    return "\n".join(str(ftfy.fix_encoding(ln)) if _MOJIBAKE.search(ln) else ln for ln in lines)


def _decoded(data: bytes) -> tuple[str, bytes, str]:
    """The text, the bytes it was read from, and the codec that read them."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), data, "utf-8"
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii", "replace").lower()
        if name in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
            name = "cp1252"
        try:
            return data.decode(name), data, name
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace"), data, "cp1252"


class Led(NamedTuple):
    """A pattern over a whole page that opens with the literal `lead` (no flags): searched by
    str.find of the lead and a match where it is found, the same leftmost match as its own
    search. sre looks for a pattern's opening a character at a time; str.find skips, a third
    of the time on a 100 KB page where there is nothing to find."""

    lead: str
    pattern: re.Pattern[str]

    def search(self, text: str, end: int | None = None) -> re.Match[str] | None:
        """`pattern.search(text)`, but only of matches that open before `end`."""
        at = text.find(self.lead, 0, None if end is None else end + len(self.lead) - 1)
        while at >= 0:
            m = self.pattern.match(text, at)
            if m:
                return m
            at = text.find(self.lead, at + 1, None if end is None else end + len(self.lead) - 1)
        return None


def led(lead: str, rest: str) -> Led:
    """`Led` of the pattern `lead` (a literal) followed by `rest` (a regular expression)."""
    return Led(lead, re.compile(re.escape(lead) + rest))


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
    their alt text only when it is words (smilies' alt like ":)" are kept; file names and emoji
    short codes like ":smile:" are dropped).
    """
    if el is None:
        return ""
    parts: list[str] = []
    _walk(_soup_children(el), parts, {id(s) for s in skip}, False, _soup_children)
    return tidy("".join(parts))


def element_text(el: _Element, skip: Iterable[_Element] = (), gaps: bool = False) -> str:
    """`text_of` for an lxml element (the fast path the parsers take): same output. With
    `gaps`, a block left out still parts the lines either side ("X wrote:" over a quote
    taken out, and the reply after it)."""
    parts: list[str] = []
    _walk_lxml(el, parts, set(skip), False, gaps)
    return tidy("".join(parts))


def _walk_lxml(el: _Element, out: list[str], skip: set[_Element], pre: bool,
               gaps: bool = False) -> None:
    """`_walk` over an lxml tree without the generator between: the hot loop of every post.
    Source newlines become spaces; the other whitespace `_FLOW` folds, `tidy` folds too."""
    text = el.text
    if text:
        out.append(text if pre else text.replace("\n", " "))
    for child in el:
        name = child.tag
        if gaps and child in skip and name in BLOCK:
            out.append("\n\n")
        elif isinstance(name, str) and name not in DROP and child not in skip:
            if name == "br":
                out.append("\n")
            elif name == "img":
                alt = (child.get("alt") or "").strip()
                if alt and not _FILE_ALT.search(alt):
                    out.append(alt)
            elif name in BLOCK:
                out.append("\n\n")
                _walk_lxml(child, out, skip, pre or name == "pre", gaps)
                out.append("\n\n")
            else:
                _walk_lxml(child, out, skip, pre or name == "pre", gaps)
                if name == "td" or name == "th":
                    out.append(" ")
        tail = child.tail
        if tail:
            out.append(tail if pre else tail.replace("\n", " "))


# Source newlines and indentation in HTML are not the author's line breaks (<br> and blocks
# are); only inside <pre> is whitespace kept as written.
_FLOW = re.compile(r"[ \t\r\n\f\v]+")

# What a walk sees of an element's content, whichever parser built the tree: its text, and its
# child elements as (tag name, element).
Child = str | tuple[str, Any]


def _soup_children(el: Tag) -> Iterator[Child]:
    for child in el.children:
        if isinstance(child, Tag):
            yield child.name, child
        elif type(child) is NavigableString or child.__class__.__name__ == "CData":
            yield str(child)  # comments, doctypes and processing instructions are not words


def _walk(children: Iterable[Child], out: list[str], skip: set[int], pre: bool,
          children_of: Callable[[Any], Iterable[Child]]) -> None:
    """The HTML-to-text walk over a BeautifulSoup tree (`_walk_lxml` is its twin for lxml)."""
    for child in children:
        if isinstance(child, str):
            out.append(child if pre else _FLOW.sub(" ", child))
            continue
        name, node = child
        if name in DROP or id(node) in skip:
            continue
        inner = pre or name == "pre"
        if name == "br":
            out.append("\n")
        elif name == "img":
            alt = str(node.get("alt") or "").strip()
            if alt and not _FILE_ALT.search(alt):
                out.append(alt)
        elif name in BLOCK:
            out.append("\n\n")
            _walk(children_of(node), out, skip, inner, children_of)
            out.append("\n\n")
        else:
            _walk(children_of(node), out, skip, inner, children_of)
            if name in ("td", "th"):
                out.append(" ")


def page_url(doc: BeautifulSoup) -> str | None:
    """The page's own address: its canonical link, else its og:url."""
    link = doc.find("link", rel="canonical")
    if isinstance(link, Tag) and link.get("href"):
        return str(link["href"])
    og = doc.find("meta", property="og:url")
    return str(og["content"]) if isinstance(og, Tag) and og.get("content") else None


def outermost(el: Tag, ids: set[int], stop: Tag) -> bool:
    """Is `el` inside `stop` without another of the elements `ids` names around it?

    A quote nested in a quote is part of the outer one's text, not a quote of the post.
    """
    for parent in el.parents:
        if parent is stop:
            return True
        if id(parent) in ids:
            return False
    return False


def get_text(el: Tag | None) -> str | None:
    """`el.get_text()`, or None when there is no element."""
    return el.get_text() if el is not None else None


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_SPACE_CHARS = "\t\r\f\v\u00a0"  # what _SPACES folds besides " "
# Two spaces, then any more: led by the two, sre skips a lone space in its prefix scan, where
# " {2,}" starts a match at every space (4x the time on a post's text).
_RUN = re.compile("  " + " *")
# Blank lines, once every line is stripped: what r"\n\s*\n+" finds then, led the same way.
_BLANK_LINES = re.compile("\n\n" + "\n*")


def tidy(text: str) -> str:
    """Collapse runs of spaces, trim lines, keep paragraphs (one blank line between them)."""
    text = _spaces(text)
    if "\n" not in text:  # most names, dates and titles: one line, nothing more to fold
        return text.strip()
    text = "\n".join([line.strip() for line in text.split("\n")])
    # Lines are stripped: a run of blank lines is a run of "\n" now, or there is none.
    return _BLANK_LINES.sub("\n\n", text).strip() if "\n\n" in text else text.strip()


def _spaces(text: str) -> str:
    """`_SPACES.sub(" ", text)` by hand: each of its characters to " ", then runs of " " to
    one. The class alone is tried at every offset; these are plain searches (half the time of
    a post's text). A zero-width space goes: a site puts one where a long word may break
    ("mini-mousa\u200bille"), and the reader sees none."""
    if "\u200b" in text:
        text = text.replace("\u200b", "")
    for char in _SPACE_CHARS:
        if char in text:
            text = text.replace(char, " ")
    return _RUN.sub(" ", text) if "  " in text else text


_LOWERED: tuple[str, str] = ("", "")


def lower_head(head: str) -> str:
    """`head.lower()`, made once for every sniffer that asks of the same head (each engine's
    sniffer searches it in lower case, without re.I: a case-blind search of 64 KB took most of
    the 0.6 ms a page's detection cost)."""
    global _LOWERED
    if _LOWERED[0] is not head:
        _LOWERED = (head, head.lower())
    return _LOWERED[1]


def clean(text: str | None) -> str | None:
    """Whitespace-normalised one-line text, or None when empty."""
    if text is None:
        return None
    text = _spaces(text.replace("\n", " ")).strip()
    return text or None


