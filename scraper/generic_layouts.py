"""Post records that are more than one block of a generic page: a post in several table
rows, and threaded replies (records that hold the records answering them). And the blocks
that look like records and are not: a list of topics.

A page that nests replies under the comment they answer (HealthUnlocked, Reddit-like and blog
comment trees) repeats one block per comment at every depth: the siblings record mining finds
are the top-level threads, each holding a whole subtree of comments. The comment is the block
of one shape that recurs inside them, each with a name and a date of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from lxml.etree import _Element

from scraper.generic_count import Counts
from scraper.generic_words import QUOTE_CLASS

_ALTERNATING = re.compile(r"^(?:odd|even|alt|bg|row|first|last|new|unread|read|on|off|"
                          r"active|selected|hidden|clearfix|)$", re.I)
_DIGITS = re.compile(r"\d+")
_JOINS = re.compile(r"[-_]+")
ROWS = ("tr", "tbody", "dt")  # blocks whose record may go on in the rows after it
Shape = Callable[[_Element], tuple[str, str]]


def shape(el: _Element) -> tuple[str, str]:
    """What makes siblings the same kind of block: the tag and the first class that is not an
    odd/even or state marker (phpBB "post bg1"/"post bg2", SMF "windowbg"/"windowbg2"), nor
    one written with such a marker ("post-even"/"post-odd", "row_alt"), which counts as what
    it is without the marker."""
    classes = el.get("class") or ""
    kind = _KINDS.get(classes)
    if kind is None:
        if len(_KINDS) >= 1 << 14:
            _KINDS.clear()  # bounded: a page's class names repeat, a site's pages share them
        kind = _KINDS[classes] = _kind(classes)
    return str(el.tag), kind


_KINDS: dict[str, str] = {}  # a class attribute -> the class `shape` goes by


def _kind(classes: str) -> str:
    for token in classes.split():
        token = _DIGITS.sub("", token)
        if not _ALTERNATING.match(token):
            if "-" in token or "_" in token:  # (few classes hold either: no split for most)
                token = "-".join(p for p in _JOINS.split(token) if not _ALTERNATING.match(p))
            if token:
                return token
    return ""


def partner_rows(members: list[_Element], good: list[_Element]) -> int:
    """How many of a table's rows are the rows of a record after its first (a post in three
    rows: name and date, body, reply link): they are part of the records, not other blocks."""
    if members[0].tag not in ROWS:
        return 0
    first = members.index(good[0])
    return len(members) - first - len(good)


def same_rows(good: list[_Element], shape: Shape) -> list[_Element]:
    """Of a table's dated rows, those built as most are (cells of the same shapes): a body
    row that mentions a date is a row of the record above it, not a record of its own."""
    if len(good) < 3 or good[0].tag not in ROWS:
        return good
    cells = [tuple(shape(c) for c in row if isinstance(c.tag, str)) for row in good]
    common, n = Counter(cells).most_common(1)[0]
    return [row for row, c in zip(good, cells) if c == common] if n > len(good) / 2 else good


def topic_list(counts: Counts, group: list[_Element]) -> float:
    """1, or a quarter for a group with half its text in links: a list of topics (title,
    starter, last post, each a link) beside the thread, named and dated as posts are."""
    total = sum(counts.text[el] for el in group)
    linked = sum(counts.text[a] for el in group for a in el.iter("a"))
    return 0.25 if total and linked >= total / 2 else 1.0


def nested_records(counts: Counts, records: list[_Element], shape: Shape) -> list[_Element]:
    """The comments inside `records` when each holds a tree of them, in page order; else
    `records`. A comment is the outermost element of the one shape that every record holds,
    some record more than once, each with a name and a date: more of them than records."""
    inside: dict[tuple[str, str], list[_Element]] = {}
    held: dict[tuple[str, str], set[int]] = {}
    if all(counts.dates.get(r, 0) < 2 for r in records):
        return records  # one date each: no reply inside any
    for k, record in enumerate(records):
        for el in record.iterdescendants():
            # (A table's rows are one post's parts, not replies: vBulletin 3's post table,
            # the name and words in one row, the date and the poster's links in the next.)
            if el in counts.dates and el in counts.names and counts.text[el] >= 2 \
                    and el.tag not in ROWS:
                key = shape(el)
                if key[1] and not QUOTE_CLASS.search(key[1]):
                    inside.setdefault(key, []).append(el)
                    held.setdefault(key, set()).add(k)
    best: list[_Element] = []
    for key, els in inside.items():
        if len(held[key]) < len(records):
            continue  # not a part of every record
        outer = _outermost(els)  # (of equal counts the first, the outermost, wins)
        if len(outer) > max(len(records), len(best)):
            best = outer
    return best or records


def _outermost(els: list[_Element]) -> list[_Element]:
    """`els` (in page order) without those inside another of them."""
    found = set(els)
    return [el for el in els if not any(a in found for a in el.iterancestors())]

