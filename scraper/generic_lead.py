"""The topic's opening post where a generic page shows it apart from the replies (Vanilla's
discussion, Drupal's node, inSided's question): built like the records, or like their bodies
in a block with an author of its own, outside every record.
"""

from __future__ import annotations

from collections import Counter

from lxml.etree import _Element

from scraper.generic_layouts import shape
from scraper.generic_post import Record, byline, read_post
from scraper.generic_words import NAME_HINT, hinted, is_date, is_profile_link, text_of
from scraper.models import Post


def with_lead(root: _Element, found: list[tuple[Record, Post]]) -> list[tuple[Record, Post]]:
    """The records and, before them, the topic's opening post where the page shows it apart
    from the replies (Vanilla's discussion, Drupal's node, inSided's question): built like the
    records, or like their bodies in a block with an author of its own, outside every record."""
    bodies = Counter(shape(r.body) for r, _ in found if r.body is not None)
    if not bodies:
        return found
    body_shape = bodies.most_common(1)[0][0]
    first = found[0][0].el
    first_shape = shape(first)
    # Elements themselves, not id()s: lxml makes a new proxy per visit, and a dead one's id
    # comes back for another element.
    inside = {el for r, _ in found for part in r.parts() for el in part.iter()}
    lead: list[tuple[Record, Post]] = []
    for el in root.iter():
        if el is first:
            break
        if el.tag not in (body_shape[0], first_shape[0]) or el in inside or not el.get("class"):
            continue
        block = Record(el) if shape(el) == first_shape else \
            _block_with_author(el, inside) if shape(el) == body_shape else None
        if block is not None:
            post = read_post(block)
            # Not a list's header row ("Author | Posts"): dated, or words of its own.
            if post is not None and post.author and \
                    (len(post.body.split()) > 3 or any(_dated(p) for p in block.parts())):
                lead.append((block, post))
                inside.update(x for p in block.parts() for x in p.iter())
    return lead + found


def _dated(el: _Element) -> bool:
    return next(el.iter("time"), None) is not None or is_date(text_of(el))


def _block_with_author(el: _Element, inside: set[_Element]) -> Record | None:
    """The smallest block around `el` with a name in it, unless it reaches into a record; or
    where it would, the blocks before the one holding the records, when they hold the name
    (Drupal prints the comments inside the topic's <article>, after its header and text).
    Each ancestor's subtree holds the one before it, which was looked at already: only the
    rest of it is."""
    before = None
    for parent in el.iterancestors():
        new = [parent, *(x for child in parent if child is not before for x in child.iter())]
        if any(x in inside for x in new):
            return _blocks_before_records(parent, el if before is None else before, inside)
        if any(_is_name(x) for x in new if x is not el):
            return Record(parent)
        before = parent
    return None


def _blocks_before_records(parent: _Element, before: _Element, inside: set[_Element]
                           ) -> Record | None:
    blocks: list[_Element] = []
    for child in parent:
        if any(x in inside for x in child.iter()):
            break
        if isinstance(child.tag, str):
            blocks.append(child)
    if before not in blocks or not any(_is_name(x) for b in blocks for x in b.iter()):
        return None
    return Record(blocks[0], blocks[1:])


def _is_name(el: _Element) -> bool:
    hint = f"{el.get('class', '')} {el.get('itemprop', '')}"
    return hinted(NAME_HINT, hint) or el.tag == "a" and is_profile_link(el.get("href", "")) \
        or byline(el) is not None
