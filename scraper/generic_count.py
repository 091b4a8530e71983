"""The counts record mining groups a page's blocks by: each element's text length, and how many
member names and dates its subtree holds.

One pass over the whole page is the floor (every element's text counts), so it does only
what every element needs: its text and tail measured, its class looked up in a table made
as the page is read, the few names and dates (a handful per post) kept only where there are
any.
The rule for what counts: nothing in an element that is not content (<script>, <svg>, <select>,
<button>…) counts for it or above it, but its tail does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.etree import _Element

from scraper.generic_words import NAME_HINT, PROFILE_LINK, is_date, text_of

NOT_CONTENT = {"script", "style", "noscript", "template", "head", "svg", "select", "option",
               "textarea", "iframe", "button"}
_DATE_HINT = re.compile(r"date|time|posted|published|created", re.I)


@dataclass
class Counts:
    """A page's counts. `order` is every element in reversed page order (the order the groups
    are read in); `names` and `dates` hold only the elements that have any."""

    order: list[_Element]
    text: dict[_Element, int]
    names: dict[_Element, int]
    dates: dict[_Element, int]


def count(root: _Element) -> Counts:
    """Each element's text length, names and dates, counted over its subtree. In reversed
    page order every child comes before its parent and adds itself to it (measured faster
    than iterwalk's start and end events, and than adding each name up its ancestors)."""
    order = list(root.iter(etree.Element))  # elements only, listed in C
    order.reverse()
    counts = Counts(order, dict.fromkeys(order, 0), {}, {})
    text, names, dates = counts.text, counts.names, counts.dates
    seen: dict[str, bool] = {}  # texts repeat page after page ("Quote", "Reply", "2")
    # A page repeats its class names and links post after post: each is asked once.
    kinds: dict[tuple[str | None, str | None], tuple[bool, bool]] = {}
    links: dict[str, bool] = {}
    for el in order:
        tag, tail = el.tag, el.tail
        if tag in NOT_CONTENT:  # what its children added does not count
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
            cls, itemprop = el.get("class"), el.get("itemprop")
            kind = kinds.get((cls, itemprop))
            if kind is None:
                kind = kinds[cls, itemprop] = _kind(cls, itemprop)
            named = names.get(el, 0)
            if (kind[0] or tag == "a" and _cached_link(links, el.get("href", ""))) \
                    and 0 < len(text_of(el).strip()) < 60:
                named = names[el] = named + 1
            dated = dates.get(el, 0)
            # A date is a short text of its own (a post body that mentions one is not a date
            # line), or a short tail after the element.
            # (The tail's length without the indentation of the page's source around it.)
            if tag == "time" or 0 < len(own) < 80 and (kind[1] or _cached_date(seen, own)) \
                    or tail and 0 < len(tail.strip()) < 80 and _cached_date(seen, tail):
                dated = dates[el] = dated + 1
        if tail:
            n += len(tail.strip())
        if n or named or dated:  # most elements add nothing: no need to find the parent
            parent = el.getparent()
            if parent is not None:
                text[parent] += n
                if named:
                    names[parent] = names.get(parent, 0) + named
                if dated:
                    dates[parent] = dates.get(parent, 0) + dated
    return counts


def _kind(cls: str | None, itemprop: str | None) -> tuple[bool, bool]:
    """Does a class and itemprop name a member, does the class name a date?"""
    hint = f"{cls} {itemprop}" if cls or itemprop else ""
    return (bool(hint) and NAME_HINT.search(hint) is not None,
            bool(cls) and _DATE_HINT.search(cls or "") is not None)


def _cached_link(links: dict[str, bool], href: str) -> bool:
    found = links.get(href)
    if found is None:
        found = links[href] = PROFILE_LINK.search(href) is not None
    return found


def _cached_date(seen: dict[str, bool], text: str) -> bool:
    found = seen.get(text)
    if found is None:
        found = seen[text] = is_date(text)
    return found
