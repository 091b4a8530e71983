"""The topic's opening post where a generic page shows it apart from the replies (Vanilla's
discussion, Drupal's node, inSided's question): built like the records, or like their bodies
in a block with an author of its own, outside every record.
"""

from __future__ import annotations

from collections import Counter

from lxml.etree import _Element

from scraper.generic_count import Counts
from scraper.generic_layouts import shape
from scraper.generic_post import Record, byline, read_post
from scraper.generic_words import (
    IS_BODY,
    NAME_HINT,
    hinted,
    hints_of,
    is_date,
    is_profile_link,
    sentence,
    text_of,
)
from scraper.models import Post


def with_lead(root: _Element, counts: Counts, found: list[tuple[Record, Post]]
              ) -> list[tuple[Record, Post]]:
    """The records and, before them, the topic's opening post where the page shows it apart
    from the replies (Vanilla's discussion, Drupal's node, inSided's question): built like the
    records, or like their bodies in a block with an author of its own, outside every record;
    else the block around the last name before the records (`_around_last_name`)."""
    bodies = Counter(shape(r.body) for r, _ in found if r.body is not None)
    if not bodies:
        return found
    body_shape = bodies.most_common(1)[0][0]
    first = found[0][0].el
    first_shape = shape(first)
    # Elements themselves, not id()s: lxml makes a new proxy per visit, and a dead one's id
    # comes back for another element.
    inside = {el for r, _ in found for part in r.parts() for el in part.iter()}
    # Nor a block around the records, shaped like them (Bootstrap's "row-fluid" page row
    # around Kunena's "row-fluid message" posts)
    holding = set(first.iterancestors())
    lead: list[tuple[Record, Post]] = []
    last_name = None
    for el in root.iter():
        if el is first:
            break
        if el in counts.named and el not in inside:
            last_name = el
        if el.tag not in (body_shape[0], first_shape[0]) or el in inside or el in holding \
                or not el.get("class"):
            continue
        block = Record(el) if shape(el) == first_shape else \
            _block_with_author(el, inside) if shape(el) == body_shape else None
        if block is not None:
            post = read_post(block, counts.hints)
            # Not a list's header row ("Author | Posts"): dated, or words of its own.
            if post is not None and post.author and \
                    (len(post.body.split()) > 3 or any(_dated(p) for p in block.parts())):
                lead.append((block, post))
                inside.update(x for p in block.parts() for x in p.iter())
    if not lead and last_name is not None and not any(x in inside for x in last_name.iter()):
        found_lead = _around_last_name(last_name, first, inside)
        lead = [found_lead] if found_lead is not None else []
    return lead + found


def _around_last_name(name: _Element, first: _Element, inside: set[_Element]
                      ) -> tuple[Record, Post] | None:
    """The smallest block around the last name before the records that reads as a post: dated,
    its words beside the name (medhelp's question card, HealthUnlocked's post: a header with
    the name and the date, and a body, built unlike the replies). Not a block that holds the
    records, nor one whose words are a date line ("11 days ago • 68 Replies") or chrome."""
    holding_records = set(first.iterancestors())
    before = name
    for block in name.iterancestors():
        if block in holding_records:
            # The post's header (the name and the date) and its body are the blocks before the
            # replies (HealthUnlocked)
            record = _header_and_after(before, inside) if _dated(before) else None
            return _read_lead(record) if record is not None else None
        before = block
        if _dated(block):
            found = _read_lead(Record(block))
            if found is not None:
                return found
    return None


def _header_and_after(header: _Element, inside: set[_Element]) -> Record:
    """`header` and the blocks after it up to the one that holds the records."""
    after = []
    for block in header.itersiblings():
        if any(x in inside for x in block.iter()):
            break
        if isinstance(block.tag, str):
            after.append(block)
    return Record(header, after)


def _read_lead(record: Record) -> tuple[Record, Post] | None:
    """The post `record` holds if it is dated beside its words, with a body classed as one:
    not the page's header ("Logged in as X. Last visit: today", "FAQ • Search. It is
    currently Sat Jul 20, 2019")."""
    post = read_post(record)
    if post is not None and post.author and post.posted_at and record.body is not None \
            and hints_of([record.body]).get(record.body, 0) & IS_BODY and len(post.body.split()) >= 8 \
            and not _mostly_linked(record.body):
        return record, post
    return None


def _mostly_linked(el: _Element) -> bool:
    """Are most of the words of `el` in links: a trail of them ("Forum > Home Brewing > Beer
    and Cider > topic", Kunena's breadcrumb in the box of the member's own links)?"""
    linked = sum(len(text_of(a).strip()) for a in el.iter("a"))
    return linked >= len(text_of(el).strip()) / 2


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
    """Does `el` name a member? Not a mention in the words ("@larriglue loves NYU"), which
    links to the profile of the member talked about."""
    hint = f"{el.get('class', '')} {el.get('itemprop', '')}"
    return hinted(NAME_HINT, hint) and not sentence(text_of(el)) \
        or el.tag == "a" and is_profile_link(el.get("href", "")) \
        and not text_of(el).lstrip().startswith("@") or byline(el) is not None
