"""How the store's records map to the forum's nouns (kb/models.py) and back, without SQL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from operator import attrgetter
from typing import Any

from scraper.models import Post, Quote, Thread

# reply_to_id is resolved into reply_to before a thread is stored (scraper.normalise).
POST_COLUMNS = [f.name for f in fields(Post) if f.name not in ("quotes", "reply_to_id")] + ["quotes"]


@dataclass(slots=True)
class IndexedPost:
    """What the search index and the term counts need of a post (`Store.changes`): reading
    only these columns keeps a full rebuild's read of the store at the speed of plain rows.

    Records are read, never changed; they are not `frozen`, which made building 147k of them
    5x slower (0.12 s against 0.02 s), a third of what a rebuild's read of the store costs."""

    id: int  # the store's post id (rankers and the index key posts by it)
    thread_id: str
    title: str  # the thread's
    post_number: int
    author: str | None
    posted_at: str | None
    body: str
    accepted: int  # 1 for a Q&A thread's accepted answer, else 0


@dataclass(slots=True)
class StoredPost(IndexedPost):
    """A post as the store holds it, with its thread's title: what search and answers read.
    Columns keep their names; quotes stay behind (`Store.thread` has them)."""

    post_id: str | None
    author_source: str | None  # where the author's name was found (AUTHOR_FROM_PAGE | _QUOTE)
    author_title: str | None
    author_joined: str | None
    author_location: str | None
    author_posts: int | None
    signature: str | None
    url: str | None
    reply_to: int | None
    score: int | None
    source_path: str | None  # the input file the post came from
    source_format: str | None
    source_page: int | None


def part(thread: Thread) -> dict[str, Any]:
    """`asdict(thread)`, five times faster: the models are flat dataclasses."""
    data = dict(vars(thread))
    data["posts"] = [{**vars(p), "quotes": [vars(q) for q in p.quotes]} for p in thread.posts]
    return data


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False), made once
_ACCEPTED = POST_COLUMNS.index("accepted")
POST_NUMBER = POST_COLUMNS.index("post_number")
_PLAIN_VALUES = attrgetter(*POST_COLUMNS[:-1])  # every column but quotes, in one C call


def part_json(thread: Thread) -> str:
    """What the store keeps of one file's parse of a thread, for later merges."""
    return json.dumps(part(thread))


def post_values(post: Post) -> list[Any]:
    """The post's values in POST_COLUMNS order: the row the store writes, and compares with
    the row it holds, to leave unchanged posts alone. (Compared as values: a digest of each
    post, JSON-encoded and hashed, cost the parse worker a sixth of its time on the esk8 dump.)"""
    values = list(_PLAIN_VALUES(post))
    values[_ACCEPTED] = int(post.accepted)
    # vars(): `asdict` of these flat dataclasses without its deep copy (6.7 -> 0.8 us a post)
    values.append(_JSON.encode([vars(q) for q in post.quotes]) if post.quotes else "[]")
    return values


@dataclass(slots=True)
class ThreadRows:
    """A normalised thread as the store writes it: its own fields (`head`, without posts) and
    each post's `post_values`. Made where the thread was parsed, so a parse worker, not the
    store's one writer, pays for the rows and their digests."""

    head: Thread
    rows: list[list[Any]]
    first_posted: str | None
    last_posted: str | None


def thread_rows(thread: Thread) -> ThreadRows:
    dates = [p.posted_at for p in thread.posts if p.posted_at]
    return ThreadRows(replace(thread, posts=[]), [post_values(p) for p in thread.posts],
                      min(dates) if dates else None, max(dates) if dates else None)


def post_from_row(row: Mapping[str, Any]) -> Post:
    values = {c: row[c] for c in POST_COLUMNS}
    values["accepted"] = bool(values["accepted"])
    values["quotes"] = [Quote(**q) for q in json.loads(values["quotes"])]
    return Post(**values)


def thread_from_row(row: Mapping[str, Any]) -> Thread:
    return Thread(thread_id=row["thread_id"], title=row["title"],
                  posts_declared=row["posts_declared"], forum=row["forum"], url=row["url"],
                  format=row["format"])


def thread_from_dict(data: dict[str, Any]) -> Thread:
    posts = [Post(**{**p, "quotes": [Quote(**q) for q in p["quotes"]]}) for p in data["posts"]]
    return Thread(**{**data, "posts": posts})
