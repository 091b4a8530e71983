"""What a page's own style sheet hides from its readers: blocks no reader sees are no posts.

Some forums salt their pages with decoy posts for scrapers, hidden by a rule in a <style> of
the page under class names that change page to page (Bitcointalk: `.m92cad35 {display:none}`
on a table row dressed as a post). The rules read here are the plain ones such a trick needs:
`display: none` on selectors of tags, classes and ids, maybe one inside another. Rules under
@media (print, small screens) and selectors with states (`:hover`, `[open]`) are left alone,
and so is a rule keyed on a class of <html> or <body> ("no-js", "logged-out"): a state of the
page that scripts change, not a block hidden for good.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.etree import _Element

_MEDIA = re.compile(r"@[^{}]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}")  # @media … { rules }
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.I)
_COMPOUND = re.compile(r"([a-zA-Z][\w-]*)?((?:[.#][\w-]+)+)?$")
_PART = re.compile(r"([.#])([\w-]+)")


def hidden_selectors(css: str) -> list[str]:
    """The selectors (as XPath) of the style sheet's top-level rules that hide what they match."""
    css = _MEDIA.sub("", _COMMENT.sub("", css))
    out = []
    for selectors, body in _RULE.findall(css):
        if not _NONE.search(body.strip()):
            continue
        for selector in selectors.split(","):
            xpath = _xpath(selector.split())
            if xpath:
                out.append(xpath)
    return out


def _xpath(compounds: list[str]) -> str | None:
    steps = []
    for compound in compounds:
        m = _COMPOUND.match(compound)
        if not compound or m is None or not (m.group(1) or m.group(2)):
            return None  # a state, an attribute, a child or sibling combinator: not read
        tests = "".join(
            f"[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]" if kind == "."
            else f"[@id='{name}']" for kind, name in _PART.findall(m.group(2) or ""))
        steps.append((m.group(1) or "*").lower() + tests)
    return "//" + "//".join(steps) if steps else None


def drop_hidden(root: _Element) -> int:
    """Take out of the page what its own <style> rules hide (their tails stay); the number of
    blocks taken out."""
    sheets = [s.text for s in root.iter("style") if s.text and "none" in s.text]
    if not sheets:
        return 0
    page_states = {el for el in (root, next(root.iter("body"), None)) if el is not None}
    dropped = 0
    for xpath in {x for css in sheets for x in hidden_selectors(css)}:
        try:
            found = etree.XPath(xpath)(root)
        except etree.XPathError:
            continue
        first = xpath.split("//")[1]
        if any(etree.XPath("self::" + first)(el) for el in page_states):
            continue
        for el in found:
            if isinstance(el, _Element) and el not in page_states and el.getparent() is not None:
                _drop(el)
                dropped += 1
    return dropped


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
