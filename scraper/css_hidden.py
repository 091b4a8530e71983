"""What a page's own style sheet hides from its readers: blocks no reader sees are no posts.

Some forums salt their pages with decoy posts for scrapers, hidden by a rule in a <style> of
the page under class names that change page to page (Bitcointalk: `.m92cad35 {display:none}`
on a table row dressed as a post). The rules read here are the plain ones such a trick needs:
`display: none` on selectors of tags, classes and ids, maybe one inside another. Rules under
@media (print, small screens) and selectors with states (`:hover`, `[open]`) are left alone,
and so is a rule keyed on a class of <html> or <body> ("no-js", "logged-out"): a state of the
page that scripts change, not a block hidden for good.

Matched in one pass over the page's classed elements, as a browser matches, right to left: a
page's style sheet may hide dozens of menus and pop-ups, and an XPath search per selector was
twice the time of reading the page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from lxml import etree
from lxml.etree import _Element

_MEDIA = re.compile(r"@[^{}]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}")  # @media … { rules }
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.I)
_DISPLAY = re.compile(r"(?:^|;)\s*display\s*:", re.I)
_COMPOUND = re.compile(r"([a-zA-Z][\w-]*)?((?:[.#][\w-]+)+)?$")
_PART = re.compile(r"([.#])([\w-]+)")
_CLASSED = etree.XPath("//@class")
_IDS = etree.XPath("//@id")


class Compound(NamedTuple):
    """One step of a selector: `tag.a.b#id`, any part of it left out."""

    tag: str | None
    classes: frozenset[str]
    id: str | None

    def matches(self, el: _Element) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.id is not None and el.get("id") != self.id:
            return False
        return not self.classes or self.classes <= set((el.get("class") or "").split())


Selector = tuple[Compound, ...]  # outermost first: ".k92 table" is (.k92, table)


@lru_cache(maxsize=64)  # a site's pages repeat their style sheet
def hidden_selectors(css: str) -> tuple[Selector, ...]:
    """The selectors of the style sheet's top-level rules that hide what they match, but
    those another rule shows again (a block hidden on small screens, shown on large ones by
    an @media rule: `.x {display:none} @media (min-width: 768px) {.x {display:block}}`)."""
    css = _COMMENT.sub("", css)
    shown = {selector.strip() for selectors, body in _RULE.findall(css)
             if _DISPLAY.search(body) and not _NONE.search(body.strip())
             for selector in selectors.split(",")}
    out = []
    for selectors, body in _RULE.findall(_MEDIA.sub("", css)):
        if not _NONE.search(body.strip()):
            continue
        for selector in selectors.split(","):
            steps = _steps(selector.split()) if selector.strip() not in shown else None
            if steps:
                out.append(steps)
    return tuple(out)


def _steps(compounds: list[str]) -> Selector | None:
    steps = []
    for compound in compounds:
        m = _COMPOUND.match(compound)
        if not compound or m is None or not (m.group(1) or m.group(2)):
            return None  # a state, an attribute, a child or sibling combinator: not read
        parts = _PART.findall(m.group(2) or "")
        ids = [name for kind, name in parts if kind == "#"]
        steps.append(Compound((m.group(1) or "").lower() or None,
                              frozenset(name for kind, name in parts if kind == "."),
                              ids[0] if ids else None))
    return tuple(steps) or None


def drop_hidden(root: _Element) -> int:
    """Take out of the page what its own <style> rules hide (their tails stay); the number of
    blocks taken out."""
    sheets = [s.text for s in root.iter("style") if s.text and "none" in s.text]
    if not sheets:
        return 0
    states = [el for el in (root, next(root.iter("body"), None)) if el is not None]
    selectors = {s for css in sheets for s in hidden_selectors(css)
                 if not any(s[0].matches(el) for el in states)}
    hidden = [el for el in _hidden(root, selectors) if el not in states]
    # Decoys are a few blocks among the posts; a sheet that hides the page's content until a
    # script shows it (a fade-in, a consent wall) hides what a reader will see: left alone.
    if hidden and 2 * sum(len(_text(el)) for el in _outermost(hidden)) > len(_text(states[-1])):
        return 0
    for el in hidden:
        if el.getparent() is not None:
            _drop(el)
    return len(hidden)


def _outermost(els: list[_Element]) -> list[_Element]:
    inside = set(els)
    return [el for el in els if not any(a in inside for a in el.iterancestors())]


def _text(el: _Element) -> str:
    return "".join(t for t in el.itertext() if t.strip())


def _hidden(root: _Element, selectors: set[Selector]) -> list[_Element]:
    """The elements the selectors match, each once, found by their last steps' class, id or
    tag: each classed element is asked only of the selectors ending in one of its classes."""
    by_class: dict[str, list[Selector]] = {}
    by_id: dict[str, list[Selector]] = {}
    by_tag: dict[str, list[Selector]] = {}
    for s in selectors:
        last = s[-1]
        if last.classes:
            by_class.setdefault(min(last.classes), []).append(s)
        elif last.id is not None:
            by_id.setdefault(last.id, []).append(s)
        elif last.tag:
            by_tag.setdefault(last.tag, []).append(s)
    found: dict[_Element, None] = {}
    for attrs, index in ((_CLASSED, by_class), (_IDS, by_id)):
        if not index:
            continue
        keys = index.keys()
        for attr in attrs(root):
            names = str(attr).split()
            if keys.isdisjoint(names):  # most of a page's classes: no selector ends in them
                continue
            el = attr.getparent()
            if any(_matches(el, s) for key in names for s in index.get(key, ())):
                found[el] = None
    for el in root.iter(*by_tag) if by_tag else ():
        if any(_matches(el, s) for s in by_tag[el.tag]):
            found[el] = None
    return list(found)


def _matches(el: _Element, selector: Selector) -> bool:
    """Does `selector` match `el`: its last step `el`, each step before it an ancestor of the
    one after (greedy, right to left: for descendant steps the nearest match will do)?"""
    if not selector[-1].matches(el):
        return False
    steps = list(selector[:-1])
    for ancestor in el.iterancestors():
        if not steps:
            break
        if steps[-1].matches(ancestor):
            steps.pop()
    return not steps


def _drop(el: _Element) -> None:
    parent = el.getparent()
    tail = el.tail
    if tail and tail.strip():
        before = el.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
