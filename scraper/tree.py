"""A page as an lxml tree, and the few questions the engine parsers ask of one.

The hot path of the HTML parsers: BeautifulSoup builds its tree in Python, one object per tag
and string, which was two thirds of a vBulletin or phpBB page's time; lxml builds it in C.
Comments stay in the tree (the walks skip them) so that text reads exactly as it did from the
soup: the strings either side of a comment stay two strings, as BeautifulSoup kept them.
XPath expressions are compiled once (`xpath`); classes match as bs4's `class_=` did, by token.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree
from lxml.etree import _Element

# No table of ids (no parser asks XPath's id()): a tenth of the parse of a vB3 page.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_pis=True, collect_ids=False)


def page_tree(text: str) -> _Element:
    """The lxml tree of a decoded page. Never fails: what lxml cannot read (an empty file,
    bytes that are not markup) is an empty <html>, where the parser finds no posts and says so
    in its own words, as it did over BeautifulSoup."""
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        root = None
    return etree.Element("html") if root is None else root


def cls(name: str) -> str:
    """An XPath test for one class token (as bs4's class_="name" matched). The plain substring
    test first: libxml2 stops an `and` at a false left side, and the token test builds two
    strings an element (a vB3 page's quote query alone was a tenth of the page)."""
    return f"contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@lru_cache(maxsize=256)
def xpath(path: str) -> etree.XPath:
    """`path` compiled, once per process."""
    return etree.XPath(path)


def find_all(el: _Element, path: str) -> list[_Element]:
    """The elements `path` selects from `el`, in page order."""
    return [e for e in xpath(path)(el) if isinstance(e, _Element)]


def find(el: _Element | None, path: str) -> _Element | None:
    """The first element `path` selects from `el` (None when none, or no `el`)."""
    if el is None:
        return None
    found = xpath(path)(el)
    return found[0] if found else None


def by_class(root: _Element, tag: str, name: str) -> list[_Element]:
    """The `tag` elements under `root` that carry the class `name`, in page order. A named tag
    is found by lxml's iterator, in C, and tested in Python: a fifth faster than an XPath
    query, whose call alone costs more than a post's few candidates. Any tag ("*"): a substring
    test in XPath first, then the token test in Python (XPath's own token test, `cls`, costs a
    microsecond an element, over a whole page a millisecond a query)."""
    if tag != "*":
        return [el for el in root.iterdescendants(tag) if has_class(el, name)]
    found = xpath(f"descendant::*[contains(@class, '{name}')]")(root)
    return [el for el in found if has_class(el, name)]


def first_class(el: _Element | None, tag: str, name: str) -> _Element | None:
    """The first `tag` under `el` with the class `name` (bs4's find(tag, class_=name)); the
    rest of `el` is not looked at."""
    if el is None:
        return None
    if tag != "*":
        return next((e for e in el.iterdescendants(tag) if has_class(e, name)), None)
    found = by_class(el, tag, name)
    return found[0] if found else None


def ancestor(el: _Element, tag: str, name: str | None = None) -> _Element | None:
    """The nearest `tag` around `el`, with the class `name` if given (bs4's find_parent)."""
    return next((a for a in el.iterancestors(tag) if name is None or has_class(a, name)), None)


def drop(el: _Element) -> None:
    """Take `el` out of its tree, keeping the text after it (lxml's remove() takes that too)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def has_class(el: _Element, name: str) -> bool:
    # The substring first: most elements asked carry no class, or another one.
    classes = el.get("class")
    return classes is not None and name in classes and name in classes.split()


def has_token(el: _Element, name: str) -> bool:
    """`cls(name)`'s test in Python: the class split at XML's whitespace (space, tab, CR, LF),
    as XPath's normalize-space splits it; `has_class` splits at any whitespace, as bs4 did."""
    classes = el.get("class")
    return classes is not None and name in classes and name in classes.replace(
        "\t", " ").replace("\n", " ").replace("\r", " ").split(" ")


def get_text(el: _Element, sep: str = "") -> str:
    """All the text under `el`, comments left out (bs4's get_text)."""
    return sep.join(el.itertext())


def first_text(el: _Element) -> str | None:
    """The first string under `el` (bs4's find(string=True))."""
    return next(el.itertext(), None)


def own_strings(el: _Element) -> list[str]:
    """The strings directly in `el`, not in its children (bs4's find_all(string=True,
    recursive=False))."""
    out = [el.text] if el.text else []
    return out + [c.tail for c in el if c.tail]


def attr(el: _Element | None, name: str) -> str | None:
    """An attribute's value, None when absent or there is no element. Class-like attributes
    come with their whitespace collapsed, as bs4 gave them."""
    value = el.get(name) if el is not None else None
    if value is not None and name in ("class", "rel"):
        return " ".join(value.split())
    return value


def first(root: _Element, tag: str) -> _Element | None:
    """The first `tag` in `root` or under it, in page order: next(root.iter(tag), None), child
    by child. lxml's iterator finds the match after the one it gives before giving it, so on
    its own it walks the whole page for a <head> or <title> (50 µs on a 130 KB page)."""
    if root.tag == tag:
        return root
    for child in root:
        found = next(child.iter(tag), None)
        if found is not None:
            return found
    return None


def head(root: _Element) -> _Element | None:
    return first(root, "head")


def page_url(root: _Element) -> str | None:
    """The page's own address: its first canonical link if that has an address, else og:url
    (bs4's page_url). rel is split in Python, as bs4 split it (at any Unicode space)."""
    link = next((el for el in root.iter("link") if "canonical" in (el.get("rel") or "").split()),
                None)
    if link is not None and link.get("href"):
        return link.get("href")
    og = next((m for m in root.iter("meta") if m.get("property") == "og:url"), None)
    return (og.get("content") or None) if og is not None else None
