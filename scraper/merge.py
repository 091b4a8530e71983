"""The parts of one thread, from any number of files in any order, as one thread.

A thread arrives in several representations: its pages, two captures of one page, one page under
two URLs, a Discourse topic as JSON and as `/raw` text. The merge is a function of the SET of
parts, never of their arrival: parts are ranked by how faithfully their format records a thing,
and every field is taken from the best-ranked part that has it.

Precedence (measured on the 670 Urho3D topics held both as JSON and as `/raw` text):
- who and when (author, date, post ids, likes, accepted, reply links, author details): structured
  data first (JSON, XML, kb-jsonl), then HTML pages, then text copies. The `/raw` dump's date is
  the post's last edit, not its posting; it has no ids, likes or acceptance.
- the post's own words with their quotes and signature, as one unit: the copy holding the most
  quotes (a quote lost is structure nobody can recover), then the author's markup source (`/raw`,
  markdown dumps: code, list numbers and links as typed, where the rendered HTML has smart
  quotes, "–" for "--" inside commands and link previews for links), then HTML and JSON, then
  plain-text copies of pages (their quotes are guessed).
- the title: a real title before a file-name slug ("using texture as depth map"), then by rank.
- between parts of one format (two captures of one page): the newest capture (the 14-digit
  Wayback time in its path), then the path. The best part's numbering holds; a post of a worse
  part whose number the best part gives to another post (deleted before the newer capture) is
  left out.
- mailing lists: an mbox holds each message as it was sent (the date with its zone, the sender's
  name, In-Reply-To, the text before pipermail obscured its addresses), so it ranks with the
  structured data, and its words as the author's source. Its post numbers are places in one
  file (next month's archive numbers a conversation's later replies from 1 again), so its posts
  are matched by Message-ID alone and numbered in the merge, their reply links and quotes
  renumbered to match. Reddit dumps likewise: a thread's submission and its comments of each
  month are in separate files, matched by "t1_…" name and numbered in the order posted.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from scraper.models import Post, Thread
from scraper.normalise import normalise

STRUCTURED, PAGE, TEXT = 0, 1, 2
# Formats whose name does not say what they are; the rest go by suffix (_kind).
_META = {"kb-jsonl": STRUCTURED, "mbox": STRUCTURED, "reddit-dump": STRUCTURED, "discourse-raw": TEXT,
         "discourse-md": TEXT, "vbulletin-text": TEXT}
# A Reddit dump's markdown ("**chainstay**") keeps no more than the comments page's rendering.
_BODY = {"discourse-raw": 0, "discourse-md": 0, "mbox": 0, "vbulletin-text": 2, "reddit-dump": 2}
_LOCAL_NUMBERS = {"mbox", "reddit-dump"}  # formats whose post numbers are places in the file, not the thread
_META_FIELDS = ("post_id", "posted_at", "url", "reply_to", "reply_to_id", "score", "author_title",
                "author_joined", "author_location", "author_posts")
_CAPTURE = re.compile(r"(?<!\d)((?:19|20)\d{12})(?!\d)")  # Wayback's yyyymmddhhmmss
_SLUG = re.compile(r"[a-z0-9]+(?:[ _-][a-z0-9]+)*")


def meta_rank(fmt: str | None) -> int:
    """How well `fmt` records who posted when (0 best): structured data, pages, text copies."""
    fmt = fmt or ""
    if fmt in _META:
        return _META[fmt]
    if fmt.endswith(("-json", "-xml", "jsonl")):
        return STRUCTURED
    if fmt.endswith(("-text", "-txt", "-raw", "-md")):
        return TEXT
    return PAGE


def body_rank(fmt: str | None) -> int:
    """How well `fmt` keeps a post's own words and quotes (0 best): the author's markup source,
    rendered markup (HTML, JSON's cooked HTML), then plain-text copies of pages."""
    fmt = fmt or ""
    return _BODY.get(fmt, 2 if meta_rank(fmt) == TEXT else 1)


def part_key(part: Thread) -> tuple[int, int, str]:
    """Where a part ranks among the parts of its thread (smallest first); a total order, as no
    two parts of a thread come from one file."""
    path = _path(part)
    stamps = _CAPTURE.findall(path)
    return meta_rank(part.format or _format(part)), -int(max(stamps, default="0")), path


def merge(parts: list[Thread]) -> Thread:
    """One normalised thread from its parsed parts, whatever their order.

    A post is the same post when the forum's post id matches, else when its number does. Posts
    no page numbered (a "posts by one user" view) that no numbered page holds go after the
    numbered ones, so they can never displace a real post.
    """
    ranked = sorted(copy.deepcopy(parts), key=part_key)
    if len(ranked) == 1:
        return normalise(ranked[0])
    best = ranked[0]
    merged = Thread(thread_id=best.thread_id, title=_title(ranked), format=best.format)
    merged.posts_declared = max((p.posts_declared or 0 for p in ranked), default=0) or None
    merged.forum = next((p.forum for p in ranked if p.forum), None)
    merged.url = next((p.url for p in ranked if p.url and (p.page or 1) == 1), None) or next(
        (p.url for p in ranked if p.url), None)
    groups, local = _group(ranked)
    nxt = max((g.number for g in groups if g.number), default=0) + 1
    # Posts no part numbers (a mailing list's: its pages', and its mboxes' file-local numbers)
    # in the order they were posted: a conversation spans monthly archives, and the files'
    # names ("2019-April", "2019-March") do not sort as the months do. Undated ones last.
    for g in sorted((g for g in groups if not g.number), key=_posted):
        g.number, nxt = nxt, nxt + 1
    merged.posts = [_merge_post(g, local) for g in sorted(groups, key=lambda g: g.number or 0)]
    return normalise(merged)


@dataclass
class _Group:
    """The copies of one post, best part first."""

    number: int | None
    posts: list[Post] = field(default_factory=list)
    parts: list[int] = field(default_factory=list)  # the ranked part each copy comes from

    def ids(self) -> set[str]:
        return {p.post_id for p in self.posts if p.post_id}


# (ranked part, its own number of a post) -> the post's group, for parts of _LOCAL_NUMBERS
_Local = dict[tuple[int, int], _Group]


def _group(ranked: list[Thread]) -> tuple[list[_Group], _Local]:
    groups: list[_Group] = []
    numbered: dict[int, _Group] = {}
    by_id: dict[str, _Group] = {}
    loose: dict[str, _Group] = {}
    local: _Local = {}
    for at, part in enumerate(ranked):
        own = (part.format or _format(part)) in _LOCAL_NUMBERS
        for post in part.posts:
            group = by_id.get(post.post_id) if post.post_id else None
            n = None if own else post.post_number
            if group is None and n and n in numbered:
                group = numbered[n]
                if post.post_id and group.ids():
                    continue  # a better part gives this number to another post
            key = "" if n else post.post_id or f"{post.author}\0{post.body[:200]}"
            if group is None and key:
                group = loose.get(key)
            if group is None:
                group = _Group(None)
                groups.append(group)
                if key:
                    loose[key] = group
            if n and not group.number and n not in numbered:
                group.number, numbered[n] = n, group
            group.posts.append(post)
            group.parts.append(at)
            if post.post_id:
                by_id.setdefault(post.post_id, group)
            if own and post.post_number:
                local[(at, post.post_number)] = group
    return groups, local


def _posted(group: _Group) -> tuple[bool, str, bool]:
    # The wall clock's ISO text: pipermail gives no zone, and a few hours' error between
    # archives matters less than an order that does not depend on which copy has a zone.
    when = next((p.posted_at for p in group.posts if p.posted_at), None)
    # In one second, what answers nothing first: a reply never comes before what it answers
    # (a subreddit's AutoModerator comments in the second its submission is posted).
    replying = any(p.reply_to is not None or p.reply_to_id for p in group.posts)
    return when is None, (when or "")[:19], replying


def _merge_post(group: _Group, local: _Local) -> Post:
    """The body, quotes and signature of the copy that keeps them best; every other field from
    the best-ranked copy that has it."""
    copies = group.posts
    text = min(range(len(copies)),
               key=lambda i: (-len(copies[i].quotes), body_rank(copies[i].source_format), i))
    post = copies[text]
    # Asked before the fields below are set on `post`, which is one of the copies.
    replying = next((i for i, c in enumerate(copies) if c.reply_to is not None), None)
    for name in _META_FIELDS:
        setattr(post, name, next((getattr(c, name) for c in copies
                                  if getattr(c, name) not in (None, "")), None))
    named = next((c for c in copies if c.author), None)
    post.author = named.author if named else None
    post.author_source = named.author_source if named else None
    post.accepted = any(c.accepted for c in copies)  # only the formats that record it say True
    post.post_number = group.number
    # A number a copy gives is in its own part's numbering: the merge's, but for _LOCAL_NUMBERS.
    if replying is not None:
        post.reply_to = _renumbered(local, group.parts[replying], copies[replying].reply_to)
    for quote in post.quotes:
        quote.post_number = _renumbered(local, group.parts[text], quote.post_number)
    return post


def _renumbered(local: _Local, part: int, number: int | None) -> int | None:
    found = local.get((part, number)) if number else None
    return found.number if found is not None else number


def _title(ranked: list[Thread]) -> str:
    """A real title before a slug standing in for one; by rank among equals."""
    titled = [p for p in ranked if p.title.strip()] or ranked
    return min(titled, key=lambda p: bool(_SLUG.fullmatch(p.title.strip()))).title


def _path(part: Thread) -> str:
    return next((p.source_path for p in part.posts if p.source_path), "") or ""


def _format(part: Thread) -> str | None:
    return next((p.source_format for p in part.posts if p.source_format), None)
