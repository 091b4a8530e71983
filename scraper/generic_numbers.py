"""Post numbers of a generic page: what each record shows of its own number ("Reply #3", a
"#4" label, an id like "msg5"), kept only where it runs on by one from record to record.
"""

from __future__ import annotations

import re

from scraper.generic_post import Record
from scraper.generic_words import text_of
from scraper.models import Post

_REPLY_NO = re.compile(r"\bReply\s*#\s*(\d+)|\bAntwort\s*#\s*(\d+)|\bRespuesta\s*#\s*(\d+)", re.I)
_HASH_NO = re.compile(r"^\s*#\s*(\d{1,6})\s*$")
_ID_NO = re.compile(r"^(?:message|msg|post|reply|comment)[-_]?(\d{1,4})$", re.I)


def _numbers(record: Record) -> dict[str, int]:
    """The numbers a record shows for itself, by kind: "Reply #N", a "#N" label, an id."""
    found: dict[str, int] = {}
    m = _ID_NO.match(record.el.get("id") or "")
    if m:
        found["id"] = int(m.group(1))
    for part in record.parts():
        for el in part.iter():
            own = el.text
            # Both "Reply #N" and a "#N" label are in an element's own text: most have none.
            if not own or "#" not in own or el.tag == "blockquote" or not isinstance(el.tag, str):
                continue
            if "reply" not in found and _may_reply(own):
                r = _REPLY_NO.search(own)
                if r:
                    found["reply"] = int(next(g for g in r.groups() if g)) + 1
            # A "#N" label's own text opens with the "#" (the rest may be in a child).
            if "hash" not in found and own.lstrip().startswith("#"):
                h = _HASH_NO.match(text_of(el)) if len(own) < 12 and el.tag == "a" \
                    or el.tag in ("span", "strong", "b", "small") else None
                if h:
                    found["hash"] = int(h.group(1))
    return found


def _may_reply(text: str) -> bool:
    """Can _REPLY_NO find `text`? Its regex costs ~0.5 ms on a long text (a code block with a
    "#"); an ASCII text is asked by plain searches of its lower case (re.I folds no other
    letters in)."""
    if not text.isascii():
        return True
    lowered = text.lower()
    return "reply" in lowered or "antwort" in lowered or "respuesta" in lowered


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
