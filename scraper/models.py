"""What a parser returns: the forum's own nouns, Thread, Post and Quote, and `ParseError`.

Parsers build these; `kb` stores, indexes and cites them, so `scraper` owns them and never
imports `kb`. `Post.to_export()` is the one place that defines the `kb export` line shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AUTHOR_FROM_PAGE = "page"
AUTHOR_FROM_QUOTE = "quote"


class ParseError(ValueError):
    """The input is not a thread dump we can read; the message says why in one line."""


class NotAThread(ParseError):
    """The input was read and holds no thread, as files beside a forum's threads do: a file of
    no format kb reads, a board's list of topics. Found in a folder, it is passed over, not
    reported as a failure."""


@dataclass
class Quote:
    """Text a post quotes from an earlier post, split from the post's own words."""

    text: str
    author: str | None = None
    post_number: int | None = None  # of the quoted post, when it can be matched
    post_id: str | None = None  # the forum's own id of the quoted post, when the markup names it

    def to_dict(self) -> dict[str, Any]:
        return {"author": self.author, "post_number": self.post_number, "text": self.text}


@dataclass
class Post:
    """One post: the author's own words, with quotes, signature and chrome split off."""

    body: str
    post_number: int | None = None  # 1-based position in the thread
    post_id: str | None = None  # the forum's own post id, when the page has one
    author: str | None = None
    author_source: str | None = None  # AUTHOR_FROM_PAGE | AUTHOR_FROM_QUOTE | None
    author_title: str | None = None
    author_joined: str | None = None
    author_location: str | None = None
    author_posts: int | None = None
    posted_at: str | None = None  # ISO 8601
    quotes: list[Quote] = field(default_factory=list)
    signature: str | None = None
    url: str | None = None
    reply_to: int | None = None  # post_number this post answers, when the engine records it
    score: int | None = None  # votes / likes, when the engine records them
    accepted: bool = False  # the accepted answer of a Q&A thread
    source_path: str | None = None
    source_format: str | None = None
    source_page: int | None = None
    # The forum's id of the post this one answers, where that post may be in another file (a
    # mailing list's last month, a Reddit dump's other month): `reply_to` once the thread is
    # whole (scraper.normalise). The parts the store keeps carry it; its posts table does not.
    reply_to_id: str | None = None

    def to_export(self, thread: Thread) -> dict[str, Any]:
        """The `kb export` / kb-jsonl line for this post."""
        return {
            "thread_id": thread.thread_id,
            "thread_title": thread.title,
            "thread_posts_declared": thread.posts_declared,
            "post_number": self.post_number,
            "post_id": self.post_id,
            "author": self.author,
            "author_source": self.author_source,
            "author_title": self.author_title,
            "author_joined": self.author_joined,
            "author_location": self.author_location,
            "author_posts": self.author_posts,
            "posted_at": self.posted_at,
            "body": self.body,
            "quotes": [q.to_dict() for q in self.quotes],
            "signature": self.signature,
            "url": self.url,
            "reply_to": self.reply_to,
            "score": self.score,
            "accepted": self.accepted,
            "forum": thread.forum,
            "thread_url": thread.url,
            "source": {
                "path": self.source_path,
                "format": self.source_format,
                "page": self.source_page,
            },
        }


@dataclass
class Thread:
    """One thread, or the part of it one input file holds (one page of several)."""

    thread_id: str
    title: str
    posts: list[Post] = field(default_factory=list)
    posts_declared: int | None = None  # what the page says the whole thread holds
    forum: str | None = None  # site host, when the page names it
    url: str | None = None
    page: int | None = None  # which page of the thread this file is (1-based)
    page_count: int | None = None
    format: str | None = None
