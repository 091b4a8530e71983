"""A post whose words lie loose beside its author's name, with no element of their own:
"<strong>name</strong> Says:", the date, then the words, all in the element that holds the
name (medschat). The body found by `generic_body` is then a stand-in (the post's number box,
its button bar), and the words are that element's less its header.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from scraper.generic_words import IS_BODY, IS_CHROME, IS_NOT_BODY, Hints, is_date, text_of

# "<strong>name</strong> Says:": the label a name stands before, left of the words it opens.
_LABEL = re.compile(r"^[^\W\d]+(?: [^\W\d]+)?\s*:$")


def around_author(parts: list[_Element], author_el: _Element | None, body: _Element | None,
                  hints: Hints) -> tuple[_Element, list[_Element], str] | None:
    """The post's words when they lie loose beside the author's name, in the element that
    holds the name and the date (medschat: "<strong>name</strong> Says:", the date, then the
    text, all in one div): that element, its header children to leave out (everything up to
    the date after the name) and the label after the name. Asked only where the body found
    is a stand-in (`_stand_in`): a body element, even an empty one, is the post's."""
    if author_el is None:
        return None
    if body is not None and not _stand_in(body, hints):
        return None
    tops = set(parts)
    for holder in author_el.iterancestors():
        found = _header(holder, author_el)
        if _words_besides(holder, found[1]) - len(found[2].split()) >= 4:
            return found
        if holder in tops:
            return None
    return None


def _stand_in(body: _Element, hints: Hints) -> bool:
    """Is `body` what was found where no element holds the words: the post's buttons
    ("REPLY REPORT", classed as a bar) or its number ("1", classed "post_number")?"""
    if hints.get(body, 0) & (IS_NOT_BODY | IS_CHROME) and not hints.get(body, 0) & IS_BODY:
        return True
    shown = ""
    for text in body.itertext():  # a body's words, most of a post: not joined to be told apart
        shown += text
        if len(shown) > 40:
            return False
    return _NUMBER.fullmatch(shown) is not None


_NUMBER = re.compile(r"\W*\d+\W*")


def _words_besides(holder: _Element, header: list[_Element]) -> int:
    """How many words `holder` holds besides its header: its loose texts but date lines, and
    its other children's."""
    loose = (t.strip() for t in (holder.text, *(c.tail for c in holder)) if t)
    words = sum(len(t.split()) for t in loose if t and (len(t) >= 80 or not is_date(t)))
    return words + sum(len(text_of(c).split()) for c in holder
                       if isinstance(c.tag, str) and c.tag not in ("script", "style")
                       and c not in header)


def _header(holder: _Element, author_el: _Element) -> tuple[_Element, list[_Element], str]:
    header: list[_Element] = []
    label = ""
    named = False
    for child in holder:
        if not isinstance(child.tag, str):
            continue
        if not named and (child is author_el or author_el in child.iterdescendants()):
            named = True
            tail = (child.tail or "").strip()
            label = tail if _LABEL.match(tail) else ""
            header.append(child)
            continue
        text = text_of(child).strip()
        if named and (child.tag == "time" or next(child.iter("time"), None) is not None
                      or 0 < len(text) < 80 and is_date(text)):
            header.append(child)
            break
        if named and len(text) >= 20:
            break  # words before any date: the header was the name alone
        header.append(child)
    else:
        header = header[:_after_name(header, author_el)]
    return holder, header, label


def _after_name(header: list[_Element], author_el: _Element) -> int:
    """How many of the header's children go up to the name: no date came after it."""
    for k, child in enumerate(header):
        if child is author_el or author_el in child.iterdescendants():
            return k + 1
    return len(header)
