"""The counts record mining groups a page's blocks by: each element's text length, and how many
member names and dates its subtree holds.

One pass over the whole page is the floor (every element's text counts), so it does only
what every element needs: its text and tail measured, the few names and dates (a handful per
post) kept only where there are any. What only some elements need is found before the pass,
by lxml in C: the elements classed as a name or a date (XPath over the class attributes), the
links, the <time>s and the elements that are not content, so the pass reads no attribute.
The rule for what counts: nothing in an element that is not content (<script>, <svg>, <select>,
<button>…) counts for it or above it, but its tail does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.etree import _Element

from scraper.generic_words import (
    CLASS_ATTRS,
    DATE_HINT,
    DATED,
    ITEMPROP_ATTRS,
    NAMED,
    Hints,
    add_ids,
    add_itemprop,
    add_roles,
    guest_name,
    is_date,
    is_name,
    is_profile_link,
    label_then_name,
    mask,
    sentence,
    text_of,
)

NOT_CONTENT = {"script", "style", "noscript", "template", "head", "svg", "select", "option",
               "textarea", "iframe", "button"}


@dataclass
class Counts:
    """A page's counts. `order` is every element in reversed page order (the order the groups
    are read in); `names` and `dates` hold only the elements that have any; `named` the
    elements that are a name themselves; `hints` what each element's class, id and itemprop
    say it is (`generic_words.hints_of`), for the records read from the page."""

    order: list[_Element]
    text: dict[_Element, int]
    names: dict[_Element, int]
    dates: dict[_Element, int]
    named: set[_Element]
    hints: Hints


def count(root: _Element) -> Counts:
    """Each element's text length, names and dates, counted over its subtree. In reversed
    page order every child comes before its parent and adds itself to it (measured faster
    than iterwalk's start and end events, and than adding each name up its ancestors)."""
    order = list(root.iter(etree.Element))  # elements only, listed in C
    order.reverse()
    skipped = set(root.iter(*NOT_CONTENT))
    hints, named_at, date_classed = _classed(root, skipped)
    hints.order = order
    counts = Counts(order, dict.fromkeys(order, 0), {}, {}, named_at, hints)
    text, names, dates = counts.text, counts.names, counts.dates
    timed = set(root.iter("time")) | _stamped(root, date_classed)
    seen: dict[str, bool] = {}  # texts repeat page after page ("Quote", "Reply", "2")
    for el in order:
        tail = el.tail
        if tail:  # (its length without the indentation of the page's source around it)
            tail = tail.strip()
        if el in skipped:  # what its children added does not count
            n = text[el] = named = dated = 0
            names.pop(el, None)
            dates.pop(el, None)
        else:
            own = el.text
            if own:
                own = own.strip()
                n = text[el] = text[el] + len(own)
            else:
                own, n = "", text[el]
            named = names.get(el, 0)
            if el in named_at:
                named = names[el] = named + 1
            dated = dates.get(el, 0)
            # A date is a short text of its own (a post body that mentions one is not a date
            # line), or a short tail after the element.
            own_dated = 0 < len(own) < 80 and (el in date_classed or _cached_date(seen, own))
            if el in timed or own_dated or tail and len(tail) < 80 and _cached_date(seen, tail):
                dated = dates[el] = dated + 1
            # A guest's name in a dated header's own text ("Submitted by Guest on Tue,
            # 12/02/2013 - 10:06"), or after a byline's word in an element of its own
            # (Slashdot's "<span>by </span>Anonymous Coward"): a name where no element is one.
            if own_dated and el not in named_at and guest_name(own) is not None \
                    or tail and len(own) <= 12 and el not in named_at \
                    and label_then_name(el) is not None:
                named_at.add(el)
                named = names[el] = named + 1
        if tail:
            n += len(tail)
        if n or named or dated:  # most elements add nothing: no need to find the parent
            parent = el.getparent()
            if parent is not None:
                text[parent] += n
                if named:
                    names[parent] = names.get(parent, 0) + named
                if dated:
                    dates[parent] = dates.get(parent, 0) + dated
    return counts


def is_record(counts: Counts, el: _Element) -> bool:
    """Could `el` be a post's record: dated, with text."""
    return el in counts.dates and counts.text[el] >= 2


def _classed(root: _Element, skipped: set[_Element]
             ) -> tuple[Hints, set[_Element], set[_Element]]:
    """What each element's class, id and itemprop say it is (`generic_words.hints_of`), found
    here with the elements that are a member's name (classed or itemprop'd as one, or a
    profile link, with a short text) and those classed as a date. A page repeats its class
    names and links post after post: each is asked once."""
    hints = Hints()
    names, dates = set(), set()
    for cls in CLASS_ATTRS(root):
        bits = mask(str(cls))
        if bits:
            el = cls.getparent()
            hints[el] = bits
            if bits & NAMED:
                names.add(el)
            if bits & DATED:
                dates.add(el)
    for prop in ITEMPROP_ATTRS(root):  # few pages have any
        el, value = prop.getparent(), str(prop)
        # (an itemprop="name" names a member as a class would)
        if (hints.get(el, 0) | mask(value)) & NAMED:
            names.add(el)
        add_itemprop(hints, el, value)
    add_ids(hints, root)
    add_roles(hints, root)
    profiles: dict[str, bool] = {}  # a member's link repeats post after post
    for a in root.iter("a"):
        href = a.get("href", "")
        linked = profiles.get(href)
        if linked is None:
            linked = profiles[href] = is_profile_link(href)
        if linked:
            names.add(a)
    return hints, {el for el in names if el not in skipped and _name_like(text_of(el))}, dates


_PUBLISHED = ("datePublished", "dateCreated")


def date_stamp(el: _Element) -> str | None:
    """The date an element with no text holds in its attributes: schema.org's `<meta
    itemprop="datePublished" content="…">`, a date-classed element's title (NodeBB's `<span
    class="timeago" title="…">`)."""
    if el.get("itemprop") in _PUBLISHED:
        return el.get("content") or el.get("datetime")
    title = el.get("title")
    return title if title and DATE_HINT.search(el.get("class") or "") \
        and not text_of(el).strip() and is_date(title) else None


def _stamped(root: _Element, date_classed: set[_Element]) -> set[_Element]:
    """The elements `date_stamp` reads a date from, the date-classed ones among them."""
    found = {el for prop in ITEMPROP_ATTRS(root) if str(prop) in _PUBLISHED
             and date_stamp(el := prop.getparent()) is not None}
    return found | {el for el in date_classed if date_stamp(el) is not None}


def _name_like(text: str) -> bool:
    """A short text that could be a name, not a sentence nor a profile line ("Last seen: 21
    hours ago", "Joined:" in elements classed as the author pane's: Drupal's Author Pane)."""
    text = text.strip()
    return 0 < len(text) < 60 and not sentence(text) and is_name(text) \
        and not (":" in text and _PROFILE_LINE.match(text))


_PROFILE_LINE = re.compile(r"[^\W\d][\w .'-]{0,24}:(?:\s|$)")


def _cached_date(seen: dict[str, bool], text: str) -> bool:
    dated = seen.get(text)
    if dated is None:
        dated = seen[text] = is_date(text)
    return dated
