"""Reddit dumps: Pushshift's and Arctic Shift's NDJSON, one submission or comment a line.

The monthly dumps (RS_2023-01: submissions, RC_2023-01: comments), the per-subreddit files cut
from them, and Arctic Shift's downloads hold Reddit's own objects without the API's kind/data
wrapper, one per line; Arctic Shift's search API returns them as a JSON list under "data".
A submission has a title; a comment has a `link_id` (its submission, "t3_…") and a `parent_id`
(the comment or submission it answers). Old dumps give `created_utc` as a string and no `name`
or `permalink`; both are made from the ids, as Reddit names them.

Comments are grouped by `link_id` into their submission's thread, whose id is the one
`scraper.reddit` gives it, so a thread read from dumps and from its comments page merge. A
thread's submission and comments are in separate files, and its comments in as many monthly
files as it was commented in: within one file posts are numbered in the order they were
posted, places in the file that the merge renumbers (scraper.merge), matching copies by their
"t1_…" names. A reply to a post in another file names it (`Post.reply_to_id`); the link is made
once the thread is whole (scraper.normalise).
"""

from __future__ import annotations

import json
import re
from typing import Any

from scraper.models import ParseError, Post, Thread
from scraper.reddit import body_and_quotes, int_or_none, thing_post

FORMAT = "reddit-dump"

_COMMENT_KEYS = ('"link_id"', '"parent_id"', '"body"')
_SUBMISSION_KEYS = ('"title"', '"selftext"', '"num_comments"')


_RESPONSE = re.compile(r'\{\s*"data"\s*:\s*\[')


def sniff(head: str, name: str) -> str | None:
    """The first record (a line, or the first of an Arctic Shift "data" list) is a comment or
    submission of a subreddit, bare or (the comment-tree API) in its "kind" wrapper. The
    Reddit API's own Listings are `scraper.reddit`'s."""
    start = head.lstrip("\ufeff \t\r\n")
    if start[:1] not in "[{" or '"subreddit"' not in start[:8192]:
        return None
    if _RESPONSE.match(start) or start.startswith("["):
        first = start[:8192]
    else:
        first = start.split("\n", 1)[0]
        if '"kind"' in first[:200]:
            return None
    if all(k in first for k in _COMMENT_KEYS) or all(k in first for k in _SUBMISSION_KEYS):
        return FORMAT
    return None


def one_record_a_line(head: str) -> bool:
    """Is this a dump of one record a line (not a JSON list or API response), which can be
    read in pieces cut at any line's end (`kb.pieces`)?"""
    start = head.lstrip("\ufeff \t\r\n")
    return start.startswith("{") and not _RESPONSE.match(start) and sniff(head, "") == FORMAT


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """A thread per submission and per `link_id` the file holds, in first-seen order."""
    things = _records(data)
    threads: dict[str, list[dict[str, Any]]] = {}
    for thing in things:
        link = _link(thing)
        if link:
            threads.setdefault(link, []).append(thing)
    if not threads:
        raise ParseError("no Reddit submissions or comments found (each line should be a "
                         "submission with an id, or a comment with a link_id)")
    return [_thread(link, members) for link, members in threads.items()]


def _records(data: bytes) -> list[dict[str, Any]]:
    text = data.decode("utf-8-sig", errors="replace")
    if text.lstrip().startswith("["):
        return _listed(text, "a JSON list")
    if _RESPONSE.match(text.lstrip()):
        return _listed(text, "an Arctic Shift response")
    records: list[dict[str, Any]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            # A dump cut short mid-line (a download stopped, `head -c`): the lines before
            # it are whole; a bad line inside is a damaged file.
            if lineno == len(text.splitlines()) and records:
                break
            raise ParseError(f"line {lineno}: invalid JSON ({exc}); not a Reddit dump") from None
        if isinstance(obj, dict):
            records.append(obj)
    return records


def _listed(text: str, what: str) -> list[dict[str, Any]]:
    try:
        page = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"not a Reddit dump: {what} with invalid JSON ({exc})") from None
    items = page.get("data") if isinstance(page, dict) else page
    return _unwrapped(items) if isinstance(items, list) else []


def _unwrapped(items: list[Any]) -> list[dict[str, Any]]:
    """The records of a list, each bare or in its API wrapper ({"kind": "t1", "data": …},
    replies nested in a Listing, as Arctic Shift's comment tree gives them); "more" stubs
    and anything else left out."""
    records, stack = [], list(reversed(items))
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if "kind" not in item:
            records.append(item)
            continue
        data = item.get("data")
        if item.get("kind") not in ("t1", "t3") or not isinstance(data, dict):
            continue
        records.append(data)
        replies = data.get("replies")
        children = replies.get("data", {}).get("children") if isinstance(replies, dict) else None
        stack.extend(reversed(children if isinstance(children, list) else []))
    return records


def _link(thing: dict[str, Any]) -> str:
    """The id of the submission `thing` belongs to ("" for neither kind)."""
    link = thing.get("link_id")
    if isinstance(link, str) and link:
        return link.removeprefix("t3_")
    if "title" in thing:
        return str(thing.get("id") or "")
    return ""


def _thread(link: str, things: list[dict[str, Any]]) -> Thread:
    submissions = [t for t in things if "link_id" not in t]
    # Dumps hold some comments twice (captured again by a later crawl): the first copy stands.
    unique = {str(t.get("id") or i): t for i, t in reversed(list(enumerate(things)))
              if "link_id" in t}
    comments = sorted(unique.values(), key=_posted)
    submission = submissions[0] if submissions else None
    sub = str((submission or comments[0]).get("subreddit") or "")
    numbers: dict[str, int] = {}
    posts: list[Post] = []
    if submission is not None:
        numbers[f"t3_{link}"] = 1
        body, quotes = body_and_quotes(None, submission.get("selftext"))
        posts.append(thing_post(_named(submission, "t3", sub, link), body, quotes, 1, None))
    for comment in comments:
        posts.append(_comment(_named(comment, "t1", sub, link), len(posts) + 1, numbers))
        numbers[str(posts[-1].post_id)] = len(posts)
    permalink = str((submission or {}).get("permalink") or f"/r/{sub}/comments/{link}/")
    title = str((submission or {}).get("title") or comments[0].get("link_title") or "")
    return Thread(thread_id=link, title=" ".join(title.split()), posts=posts,
                  posts_declared=int_or_none((submission or {}).get("num_comments"), 1),
                  forum="reddit.com", url=f"https://www.reddit.com{permalink}", format=FORMAT)


def _comment(data: dict[str, Any], number: int, numbers: dict[str, int]) -> Post:
    body, quotes = body_and_quotes(None, data.get("body"))
    parent = str(data.get("parent_id") or "") or None
    reply_to = numbers.get(parent or "")
    for quote in quotes:
        # on Reddit a quote is almost always of the parent, which may be in another file
        quote.post_number, quote.post_id = reply_to, parent
    post = thing_post(data, body, quotes, number, reply_to)
    post.reply_to_id = parent
    return post


def _named(thing: dict[str, Any], kind: str, sub: str, link: str) -> dict[str, Any]:
    """`thing` with the `name` and `permalink` old dumps leave out."""
    own = str(thing.get("id") or "")
    named = dict(thing)
    if not named.get("name") and own:
        named["name"] = f"{kind}_{own}"
    if not named.get("permalink") and own and sub:
        path = f"/r/{sub}/comments/{link}/"
        named["permalink"] = path if kind == "t3" else f"{path}_/{own}/"
    return named


_BASE36 = re.compile(r"[0-9a-z]+")


def _posted(thing: dict[str, Any]) -> tuple[float, int]:
    """When `thing` was posted, then its id (base 36, given in posting order): the order
    of a thread's posts, the same whichever files they were read from."""
    try:
        when = float(thing.get("created_utc") or 0)
    except (TypeError, ValueError):
        when = 0.0
    own = str(thing.get("id") or "").lower()
    return when, int(own, 36) if _BASE36.fullmatch(own) else 0
