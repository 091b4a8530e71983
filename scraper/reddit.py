"""Reddit comment pages as JSON (`/comments/{id}.json`): the submission and its comment tree;
and a subreddit's listing of submissions (`/r/{name}.json`), each its thread's opening post.

The page is two Listings, the submission (kind t3) and the comments (kind t1), each comment's
replies nested in its `replies` Listing ("" when it has none). Posts are numbered in the
depth-first order Reddit renders; `parent_id` ("t1_…" a comment, "t3_…" the submission) gives
the post each answers. "more" stubs are ids of comments the page did not load: skipped.
Deleted and removed comments keep the "[deleted]" author and "[removed]" body Reddit shows.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Any

import lxml.html
from lxml.etree import ParserError

from scraper.forumdl import blockquote_text
from scraper.mailtext import split_mail
from scraper.models import AUTHOR_FROM_PAGE, NotAThread, ParseError, Post, Quote, Thread

FORMAT = "reddit-json"

_LISTING = re.compile(r'"kind"\s*:\s*"Listing"')
_SUBMISSION = re.compile(r'"kind"\s*:\s*"t3"')


def sniff(head: str, name: str) -> str | None:
    """A JSON array (or object) of Listings holding a t3 submission."""
    start = head.lstrip("\ufeff \t\r\n")
    if start[:1] in "[{" and _LISTING.search(head) and _SUBMISSION.search(head):
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The submission (post 1) and every loaded comment, in the order Reddit shows them."""
    try:
        page = json.loads(data)
    except ValueError as exc:
        raise ParseError(f"not Reddit JSON: invalid JSON ({exc})") from None
    listings = page if isinstance(page, list) else [page]
    things = [c for lst in listings if isinstance(lst, dict)
              for c in _children(lst)]
    if len(listings) == 1:
        return _listed(things)
    submission = next((t["data"] for t in things if t.get("kind") == "t3"), None)
    if not isinstance(submission, dict):
        raise ParseError("not a Reddit comments page: no submission (kind t3) in the JSON")
    comments = [t for t in things if t.get("kind") == "t1"]
    return [_thread(submission, comments)]


def _listed(things: list[dict[str, Any]]) -> list[Thread]:
    """A subreddit's listing (`/r/{name}.json`): each submission a thread of its opening post,
    which its comments page, ingested later, completes. A listing of comments (a user's page,
    each from another thread) is no thread: their places in their threads are not in it."""
    kinds = {t.get("kind") for t in things}
    if "t1" in kinds:
        raise NotAThread("a Reddit listing of comments from several threads (a user's page), "
                         "not a thread: save each thread's /comments/<id>.json instead")
    submissions = [t["data"] for t in things if t.get("kind") == "t3"]
    if not submissions:
        raise ParseError("not a Reddit comments page: no submission (kind t3) in the JSON")
    return [_thread(s, []) for s in submissions]


def _thread(submission: dict[str, Any], comments: list[dict[str, Any]]) -> Thread:
    posts = [_submission_post(submission)]
    numbers = {str(submission.get("name") or ""): 1}
    for comment in comments:
        _walk(comment, posts, numbers)
    sub_id = str(submission.get("id") or "")
    if not sub_id:
        raise ParseError("Reddit submission without an id")
    permalink = str(submission.get("permalink") or "")
    return Thread(thread_id=sub_id, title=str(submission.get("title") or "").strip(),
                  posts=posts, posts_declared=int_or_none(submission.get("num_comments"), 1),
                  forum="reddit.com", url=f"https://www.reddit.com{permalink}" if permalink else None,
                  format=FORMAT)


def _children(listing: dict[str, Any]) -> list[dict[str, Any]]:
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    return [c for c in children or [] if isinstance(c, dict) and isinstance(c.get("data"), dict)]


def _walk(thing: dict[str, Any], posts: list[Post], numbers: dict[str, int]) -> None:
    """Pre-order: the comment, then its replies (iteratively: threads nest hundreds deep)."""
    stack = [thing]
    while stack:
        node = stack.pop()
        if node.get("kind") != "t1":
            continue  # "more" stubs and anything else
        data = node["data"]
        post = _comment_post(data, len(posts) + 1, numbers)
        numbers[str(data.get("name") or "")] = post.post_number or 0
        posts.append(post)
        replies = data.get("replies")
        if isinstance(replies, dict):
            stack.extend(reversed(_children(replies)))


def _submission_post(data: dict[str, Any]) -> Post:
    body, quotes = body_and_quotes(data.get("selftext_html"), data.get("selftext"))
    return thing_post(data, body, quotes, 1, None)


def _comment_post(data: dict[str, Any], number: int, numbers: dict[str, int]) -> Post:
    body, quotes = body_and_quotes(data.get("body_html"), data.get("body"))
    reply_to = numbers.get(str(data.get("parent_id") or ""))
    for quote in quotes:
        quote.post_number = reply_to  # on Reddit a quote is almost always of the parent
    return thing_post(data, body, quotes, number, reply_to)


def thing_post(data: dict[str, Any], body: str, quotes: list[Quote], number: int,
               reply_to: int | None) -> Post:
    author = str(data.get("author") or "") or None
    permalink = str(data.get("permalink") or "")
    return Post(body=body, post_number=number, post_id=str(data.get("name") or "") or None,
                author=author, author_source=AUTHOR_FROM_PAGE if author else None,
                posted_at=utc_iso(data.get("created_utc")), quotes=quotes,
                url=f"https://www.reddit.com{permalink}" if permalink else None,
                reply_to=reply_to, score=int_or_none(data.get("score")),
                author_title=str(data.get("author_flair_text") or "") or None)


def body_and_quotes(body_html: Any, markdown: Any) -> tuple[str, list[Quote]]:
    """Own text and quotes: from the rendered HTML (blockquotes), else the markdown's "> "."""
    if isinstance(body_html, str) and body_html.strip():
        try:
            root = lxml.html.fragment_fromstring(html.unescape(body_html), create_parent="div")
        except (ParserError, ValueError):
            root = None
        if root is not None:
            return blockquote_text(root)
    text, quotes, _ = split_mail(html.unescape(str(markdown or "")), signatures=False)
    return text, quotes


def utc_iso(value: Any) -> str | None:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def int_or_none(value: Any, plus: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) + plus
