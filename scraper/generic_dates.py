"""What a generic page's posts are read against once they are all read: the dates a record
alone could not give (05/06/2015 where the page's other dates say which is the day, the
page's schema.org copy of its thread, "Today at 09:03 PM" by the clock the page shows), and
the signatures that only a member's posts side by side show.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from lxml.etree import _Element

from scraper import structured
from scraper.fields import day_first_ordered, day_first_shown, shown_date, shown_day
from scraper.generic_post import Record
from scraper.models import Post


def date_from_the_page(root: _Element, found: list[tuple[Record, Post]]) -> None:
    """Date the undated posts by what the page shows beside them, each way in turn."""
    posts = [p for _, p in found]
    _dated_in_page_order(found)
    if any(p.posted_at is None for p in posts):
        _dated_as_described(root, posts)
    if any(p.posted_at is None for p in posts):
        _dated_by_the_page_clock(root, found)


_WORD = re.compile(r"\w+")


def signed_under_rules(found: list[tuple[Record, Post]]) -> None:
    """The words under a rule at the end of a member's posts are their signature where two of
    those posts share a line of them (a rule alone may part a post's own sections). The same
    closing lines `normalise` finds too, but this takes the lines that change from post to
    post ("Meds: 200 mg", then "Meds: 300 mg") with the ones that do not."""
    ruled: dict[str, list[tuple[str, Post]]] = {}
    for record, post in found:
        if record.ruled and post.author and not post.signature:
            ruled.setdefault(post.author, []).append((record.ruled, post))
    for signed in ruled.values():
        seen = Counter(line for text, _ in signed for line in set(text.split("\n"))
                       if len(line) >= 8)
        if not any(n >= 2 for n in seen.values()):
            continue
        for text, post in signed:
            words = text.split()
            tail = re.search(r"\s+".join(map(re.escape, words)) + r"\s*\Z", post.body)
            if tail is not None and tail.start() > 0:
                post.body, post.signature = post.body[:tail.start()].rstrip(), text


def _dated_in_page_order(found: list[tuple[Record, Post]]) -> None:
    """Date the posts whose date could be day or month first (05/06/2015, where the page's
    language does not say) as the page's other dates show theirs (13/06/2015), else as keeps
    them in the page's order (`fields.day_first_ordered`)."""
    shown = [r.shown for r, _ in found if r.shown]
    first = day_first_shown(shown)
    if first is None and any(p.posted_at is None for _, p in found):
        first = day_first_ordered(shown)
    if first is None:
        return
    for record, post in found:
        if post.posted_at is None and record.shown:
            post.posted_at = shown_date(record.shown, first_day=first)


def _dated_as_described(root: _Element, posts: list[Post]) -> None:
    """Date the posts that show no date from the schema.org copy of the thread the page
    carries for search engines (inSided's question: "dateCreated" there, "3 days ago" shown
    nowhere), matched by author and the first words."""
    def start(text: str) -> list[str]:
        return _WORD.findall(text.lower())[:6]

    described = [d for t in structured.threads(root) for d in t.posts if d.posted_at]
    for post in posts:
        if post.posted_at is not None or not post.body:
            continue
        words = start(post.body)
        match = next((d for d in described if d.author == post.author
                      and start(d.body) == words), None)
        if match is not None and match.posted_at:
            # "2020-04-18 04:08:49" as ISO 8601 writes it
            post.posted_at = re.sub(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d)", r"\1T\2", match.posted_at)


def _dated_by_the_page_clock(root: _Element, found: list[tuple[Record, Post]]) -> None:
    """Date "Today at 09:03 PM" and "Yesterday at …" by the day the page shows as its clock:
    labelled ("It is currently Thu Jul 31, 2014"), or the date and time to the second that
    SMF's header shows before the posts, no earlier than any post's date."""
    relative = [(r, p) for r, p in found if p.posted_at is None and r.shown]
    if not relative:
        return
    today = _page_clock(root, found)
    if today is None:
        return
    for record, post in relative:
        post.posted_at = shown_date(record.shown or "", today=today)


# The clock a page labels ("It is currently …", "Aktuelle Zeit: …", "Nous sommes le …")
_CLOCK_LABEL = re.compile(r"(?:it is currently|the current time is|current time:|aktuelle zeit:|"
                          r"es ist jetzt|nous sommes le|il est actuellement|fecha actual:?|"
                          r"la fecha y hora actual es|oggi è il|het is nu)\s*(.{6,60})", re.I)
_TO_THE_SECOND = re.compile(r"\b\d{1,2}:\d\d:\d\d\b")


def _page_clock(root: _Element, found: list[tuple[Record, Post]]) -> date | None:
    first = found[0][0].el
    latest = max((p.posted_at[:10] for _, p in found if p.posted_at), default="")
    seen = 0
    for el in root.iter():
        if el is first:
            break
        seen += 1
        own = (el.text or "").strip() if isinstance(el.tag, str) and el.tag not in (
            "script", "style") else ""
        if not own or len(own) > 80:
            continue
        label = _CLOCK_LABEL.search(own)
        day = shown_day(label.group(1)) if label else \
            shown_day(own) if _TO_THE_SECOND.search(own) else None
        if day is not None and day.isoformat() >= latest:
            return day
    return None


