"""The pages of one thread, from any number of files in any order, as one thread."""

from __future__ import annotations

import copy

from kb.models import Post, Thread
from scraper.normalise import normalise, number_posts


def _identity(post: Post) -> tuple[str, str]:
    if post.post_id:
        return ("id", post.post_id)
    if post.post_number:
        return ("n", str(post.post_number))
    return ("body", f"{post.author}\0{post.body[:200]}")


def merge(parts: list[Thread]) -> Thread:
    """One normalised thread from its parsed parts (oldest first; a later copy of a post wins).

    A post is the same post when the forum's post id matches, else its post number. Posts the
    pages did not number keep their page order after the numbered ones of earlier pages.
    """
    parts = copy.deepcopy(parts)
    base = parts[-1]
    merged = Thread(thread_id=base.thread_id, title=base.title, format=base.format)
    merged.posts_declared = max((p.posts_declared or 0 for p in parts), default=0) or None
    merged.forum = next((p.forum for p in reversed(parts) if p.forum), None)
    merged.url = next((p.url for p in parts if p.url and (p.page or 1) == 1), None) or next(
        (p.url for p in parts if p.url), None)
    posts: dict[tuple[str, str], Post] = {}
    by_number: dict[int, tuple[str, str]] = {}
    for part in sorted(parts, key=lambda t: t.page or 0):
        if len(parts) == 1:
            merged.page, merged.page_count = part.page, part.page_count
        for post in _numbered(part):
            key = _identity(post)
            if post.post_number in by_number and by_number[post.post_number] != key:
                posts.pop(by_number[post.post_number], None)  # a re-captured page wins
            posts[key] = post
            if post.post_number:
                by_number[post.post_number] = key
    merged.posts = sorted(posts.values(), key=lambda p: p.post_number or 0)
    return normalise(merged)


def _numbered(part: Thread) -> list[Post]:
    """Number a single page's posts first, so pages without numbers still interleave."""
    if all(p.post_number for p in part.posts):
        return part.posts
    single = Thread(thread_id=part.thread_id, title=part.title, posts=part.posts,
                    posts_declared=part.posts_declared, page=part.page)
    number_posts(single)
    return single.posts
