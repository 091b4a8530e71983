"""Inside one post record of a page no engine parser reads: author, date, number, body, quotes.

Engines name their parts alike ("author", "username", "postbody", "message", "quote",
"signature"), so the parts are found by those words in class names and ids, and by shape where
the words fail: the body is the element holding most of the record's text without its author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml.etree import _Element

from scraper.html import clean, element_text
from scraper.models import AUTHOR_FROM_PAGE, Post, Quote


@dataclass
class Record:
    """One post's element, and the rows that belong to it in a table layout."""

    el: _Element
    partners: list[_Element] = field(default_factory=list)
    body: _Element | None = None  # found by read_post
    author: _Element | None = None

    def parts(self) -> list[_Element]:
        return [self.el, *self.partners]


_AUTHOR_CLASS = re.compile(r"(?:^|[-_ ])(?:author|username|user-name|poster|postername|"
                           r"member-?name|nick|name)(?:$|[-_ ])|username|author", re.I)
_BADGE = re.compile(r"badge|rank|reput|title|status|online|offline|icon|avatar|flair|level|"
                    r"karma|points|count|star", re.I)
_BODY_CLASS = re.compile(r"body|content|message|msg|text|entry|post(?!er)|comment|article|bbwrapper",
                         re.I)
_NOT_BODY = re.compile(r"head|foot|author|signature|sig\b|meta|info|date|time|title|subject|user|"
                       r"profile|avatar|quote|sidebar|control|action|button|toolbar|share|"
                       r"like|vote|rating|nav|menu|breadcrumb|small|keyinfo|count|poster|postleft|utils|tools|"
                       r"controls|options|buttons", re.I)
# Chrome inside a post body: never the member's own words.
_CHROME = re.compile(r"signature|\bsig\b|moderatorbar|modnote|moderator-?note|edit(?:ed)?-?(?:by|"
                     r"note|reason)|last-?edit|topic-navigation|forum-topic-navigation|"
                     r"gutter|line-?numbers|linenums|lineno|spoiler-?(?:title|label|head)|"
                     r"toggle|expand|collapse|reactions|likes|post-?footer|attachments?\b|"
                     r"printfooter|hidden|sr-only|visually-?hidden", re.I)
_QUOTE_CLASS = re.compile(r"quote|citation|\bcite\b", re.I)
_SIGNATURE = re.compile(r"signature|\bsig\b", re.I)
_QUOTE_AUTHOR_ATTRS = ("data-author", "data-username", "data-user", "data-name", "data-ipsquote-"
                       "username", "data-quote-author")
# Attribution lines quotes open with, in the languages forums speak.
ATTRIBUTION = re.compile(
    r"^(?:.{0,40}\bago,\s+(?P<c>.{1,60}?)\s+said:"
    # "(date) X Wrote:" (MyBB's <cite>) names X: the bracketed date before the name is no part of it
    r"|(?:\([^()\n]{1,40}\)\s*)?@?(?P<a>.{1,60}?)\s+(?:wrote|said|schrieb|a écrit|kirjoitti|"
    r"escribió|scrive|ha scritto|schreef|napisał|írta|skrev)\s*:?"
    r"|(?:Quote from|Quote|Zitat von|Zitat|Citation de|Cita de|Lainaus|Idézet|Cytat|Citaat)"
    r"\s*:?\s*(?P<b>[^\n]{0,80}?)(?:\s+(?:on|am|le|el)\s+.*)?"
    r")\s*$", re.I)
_REPLY_NO = re.compile(r"\bReply\s*#\s*(\d+)|\bAntwort\s*#\s*(\d+)|\bRespuesta\s*#\s*(\d+)", re.I)
_HASH_NO = re.compile(r"^\s*#\s*(\d{1,6})\s*$")
_ID_NO = re.compile(r"^(?:message|msg|post|reply|comment)[-_]?(\d{1,4})$", re.I)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}  # subject lines over a post's words


@lru_cache(maxsize=1 << 14)
def _hinted(pattern: re.Pattern[str], hint: str) -> bool:
    """Does `pattern` find `hint` (class names, an id, a link)? A page repeats its class names
    post after post, so each is searched once: those searches were a third of a post's time."""
    return pattern.search(hint) is not None


def text_of(el: _Element) -> str:
    """All text under `el` (lxml.html's text_content, for a plain lxml.etree tree)."""
    return "".join(el.itertext())


def read_post(record: Record) -> Post | None:
    """The post one record holds, or None when it has no author and no text (an advert pane,
    a placeholder row)."""
    parts = record.parts()
    author_el = _author_element(parts)
    author = _name(author_el) if author_el is not None else None
    body_el = _body_element(parts, author_el)
    if body_el is None:
        return None
    record.body, record.author = body_el, author_el
    for img in body_el.iter("img"):
        img.set("alt", "")  # images and smileys are no words of the member's
    quotes, skip = _quotes_and_chrome(body_el)
    text = _own_text(body_el, skip)
    if author is None and not text:
        return None
    post = Post(body=text, author=author, quotes=quotes,
                author_source=AUTHOR_FROM_PAGE if author else None)
    post.posted_at = _date(parts)
    post.signature = _signature(parts)
    post.post_id = _post_id(record.el)
    return post


def _classes(el: _Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')}"


def _author_element(parts: list[_Element]) -> _Element | None:
    from scraper.generic import PROFILE_LINK

    classed, linked = None, None
    for part in parts:
        for el in part.iter():
            if not isinstance(el.tag, str) or _hinted(_QUOTE_CLASS, _classes(el)) \
                    or el.tag == "blockquote":
                continue
            if classed is None and _hinted(_AUTHOR_CLASS, _classes(el)) and _short_name(el):
                classed = _innermost(el)
            if linked is None and el.tag == "a" and _hinted(PROFILE_LINK, el.get("href", "")) \
                    and _short_name(el):
                linked = el
    if classed is not None:
        # The classed pane holds avatar, rank and name; its profile link is the name itself.
        inner = [a for a in classed.iter("a") if _short_name(a)]
        return inner[0] if len(inner) == 1 else classed
    return linked if linked is not None else _bold_name(parts)


def _innermost(el: _Element) -> _Element:
    for inner in el.iterdescendants():
        if isinstance(inner.tag, str) and _hinted(_AUTHOR_CLASS, _classes(inner)) \
                and _short_name(inner):
            return _innermost(inner)
    return el


def _bold_name(parts: list[_Element]) -> _Element | None:
    """A guest view's name: no link, no class, the first short bold or term text of the pane."""
    from scraper.generic import DATE

    for part in parts:
        for el in part.iter("dt", "strong", "b", "h4", "h5", "cite"):
            text = text_of(el).strip()
            if _short_name(el) and len(text.split()) <= 4 and not DATE.search(text) \
                    and not re.fullmatch(r"[#\d\W]+", text):
                return el
    return None


def _short_name(el: _Element) -> bool:
    text = " ".join(text_of(el).split())
    return 0 < len(text) <= 60


def _name(el: _Element) -> str | None:
    """The name as displayed, without the reputation badge or rank inside the name element."""
    parts: list[str] = []
    _name_text(el, parts)
    return clean("".join(parts))


def _name_text(el: _Element, out: list[str]) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("script", "style", "img") \
                and not _hinted(_BADGE, _classes(child)) \
                and not re.fullmatch(r"\s*[\d,.]+\s*", text_of(child)):
            _name_text(child, out)
        if child.tail:
            out.append(child.tail)


def _body_element(parts: list[_Element], author_el: _Element | None) -> _Element | None:
    """The element holding the post's words: of the elements classed as a body that hold its
    words without the author pane, headers and tool bars, the deepest that holds (nearly) all."""
    author_path = set(author_el.iterancestors()) | {author_el} if author_el is not None else set()
    found: list[tuple[int, int, _Element]] = []
    lengths: dict[_Element, int] = {}  # body classes nest: each subtree measured once
    for part in parts:
        for el in part.iterdescendants():
            if not isinstance(el.tag, str) or el in author_path:
                continue
            hint = _classes(el)
            if _hinted(_BODY_CLASS, hint) and not _hinted(_NOT_BODY, hint) \
                    and not _in_pane(el, part):
                found.append((_clean_len(el, lengths), len(text_of(el)), el))
    if not found:
        return _largest_block(parts, author_path)
    most = max(n for n, _, _ in found)
    return min((f for f in found if f[0] >= 0.9 * most), key=lambda f: f[1])[2]


def _in_pane(el: _Element, record: _Element) -> bool:
    """Is `el` inside the author pane, a header or a tool bar of the record?"""
    for parent in el.iterancestors():
        if parent is record:
            return False
        hint = _classes(parent)
        if _hinted(_NOT_BODY, hint) and not _hinted(_BODY_CLASS, hint) or _hinted(_CHROME, hint):
            return True
    return False


def _clean_len(el: _Element, known: dict[_Element, int]) -> int:
    """Text length without the headers, dates and tool bars inside."""
    n = known.get(el)
    if n is not None:
        return n
    n = len((el.text or "").strip())
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _HEADINGS:
            hint = _classes(child)
            if not (_hinted(_NOT_BODY, hint) or _hinted(_CHROME, hint)) or _hinted(_QUOTE_CLASS, hint):
                n += _clean_len(child, known)
        n += len((child.tail or "").strip())
    known[el] = n
    return n


def _largest_block(parts: list[_Element], avoid: set[_Element]) -> _Element | None:
    best, best_len = None, 0
    for part in parts:
        for el in part.iter("div", "td", "p", "section", "article", "blockquote"):
            if el in avoid:
                continue
            n = len(text_of(el))
            if n > best_len:
                best, best_len = el, n
    return best


def _quotes_and_chrome(body: _Element) -> tuple[list[Quote], list[_Element]]:
    quotes: list[Quote] = []
    skip: list[_Element] = []
    for el in body.iterdescendants():
        if not isinstance(el.tag, str) or any(s in el.iterancestors() for s in skip):
            continue
        hint = _classes(el)
        if el.tag == "blockquote" or "quote" in el.tag or _hinted(_QUOTE_CLASS, hint) \
                and el.tag not in ("span", "a", "b", "strong", "i", "em"):
            if not _hinted(_QUOTE_CLASS, hint) and el.tag == "blockquote" and _is_whole(el, body) \
                    and not _attributed(el):
                continue  # a body all in <blockquote> is the member's words, not a quote
            quote = _quote(el)
            quote.author = quote.author or _attribution_before(el)
            quotes.append(quote)
            skip.append(el)
        elif _hinted(_CHROME, hint) or el.tag in ("script", "style"):
            skip.append(el)
    # A quote header in an element of its own ("X schrieb:" over the quoted box) names the
    # author of the quote after it.
    kept: list[Quote] = []
    for q in quotes:
        if kept and not kept[-1].text and kept[-1].author and not q.author:
            q.author = kept.pop().author
        kept.append(q)
    return [q for q in kept if q.text], skip


def _attribution_before(el: _Element) -> str | None:
    """The author an "X wrote:" line just before the quote block names."""
    prev = el.getprevious()
    before = (prev.tail or "") if prev is not None else (el.getparent().text or "")
    if prev is not None and not before.strip():
        before = text_of(prev)
    lines = [ln.strip() for ln in before.split("\n") if ln.strip()]
    head = ATTRIBUTION.match(lines[-1]) if lines else None
    return clean(head.group("a") or head.group("b") or head.group("c")) if head else None


def _attributed(el: _Element) -> bool:
    first = element_text(el).split("\n", 1)[0].strip()
    return next(el.iter("cite"), None) is not None or bool(ATTRIBUTION.match(first))


def _is_whole(el: _Element, body: _Element) -> bool:
    return len(text_of(el).strip()) >= 0.9 * len(text_of(body).strip())


def _quote(el: _Element) -> Quote:
    author = next((el.get(a) for a in _QUOTE_AUTHOR_ATTRS if el.get(a)), None)
    cite = next(el.iter("cite"), None)
    if cite is not None:  # phpBB's <cite>X wrote:</cite> inside the quote
        head = ATTRIBUTION.match(" ".join(text_of(cite).split()))
        author = author or (clean(head.group("a") or head.group("b") or head.group("c"))
                            if head else clean(text_of(cite)))
        return Quote(text=element_text(el, [cite]), author=author)
    text = element_text(el)
    lines = text.split("\n")
    head = ATTRIBUTION.match(lines[0].strip()) if lines else None
    if head:
        author = author or clean(head.group("a") or head.group("b") or head.group("c"))
        text = "\n".join(lines[1:]).strip()
    return Quote(text=text, author=author)


def _own_text(body: _Element, skip: list[_Element]) -> str:
    """The body's words with quotes and chrome left out, and the attribution lines that stood
    over the quotes ("X wrote:" as plain text just before a quote block) dropped too."""
    text = element_text(body, skip)
    lines = [ln for ln in text.split("\n") if not ATTRIBUTION.match(ln.strip())]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _signature(parts: list[_Element]) -> str | None:
    """The text of the record's signature pane, inside the body or beside it, when it has one."""
    for part in parts:
        for el in part.iter():
            if isinstance(el.tag, str) and _hinted(_SIGNATURE, _classes(el)) \
                    and not any(_hinted(_QUOTE_CLASS, _classes(a)) or a.tag == "blockquote"
                                for a in el.iterancestors()):
                text = clean(element_text(el))
                if text:
                    return text
    return None


def _date(parts: list[_Element]) -> str | None:
    for part in parts:
        for el in part.iter("time"):
            value = el.get("datetime") or el.get("title")
            if value:
                return value
    return None


def _post_id(el: _Element) -> str | None:
    m = re.search(r"(\d+)$", el.get("id") or "")
    return m.group(1) if m else None


def _numbers(record: Record) -> dict[str, int]:
    """The numbers a record shows for itself, by kind: "Reply #N", a "#N" label, an id."""
    found: dict[str, int] = {}
    m = _ID_NO.match(record.el.get("id") or "")
    if m:
        found["id"] = int(m.group(1))
    for part in record.parts():
        for el in part.iter():
            if not isinstance(el.tag, str) or el.tag == "blockquote":
                continue
            own = el.text or ""
            if "reply" not in found:
                r = _REPLY_NO.search(own)
                if r:
                    found["reply"] = int(next(g for g in r.groups() if g)) + 1
            if "hash" not in found:
                h = _HASH_NO.match(text_of(el)) if len(own) < 12 and el.tag == "a" \
                    or el.tag in ("span", "strong", "b", "small") else None
                if h and own.strip():
                    found["hash"] = int(h.group(1))
    return found


def number_posts(records: list[Record], posts: list[Post]) -> None:
    """Number posts by what the page shows, when it shows a running count: numbers that rise
    by one from record to record are post numbers, a message id ("#832769") is not. A first
    record without a number (the topic's opening post shown apart) is one less than the next."""
    if not posts:
        return
    shown = [_numbers(r) for r in records]
    for kind in ("reply", "hash", "id"):
        seq = [s.get(kind) for s in shown]
        known = [(i, n) for i, n in enumerate(seq) if n is not None]
        if len(known) < max(1, len(seq) - 1):
            continue
        if all(b[1] - a[1] == b[0] - a[0] for a, b in zip(known, known[1:])):
            i0, n0 = known[0]
            if n0 - i0 < 1:
                continue
            for i, post in enumerate(posts):
                post.post_number = n0 - i0 + i
            return
