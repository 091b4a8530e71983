"""The pages of one thread, from any number of files in any order, as one thread."""

from __future__ import annotations

import copy

from scraper.models import Post, Thread
from scraper.normalise import normalise


def merge(parts: list[Thread]) -> Thread:
    """One normalised thread from its parsed parts (oldest first; a later copy of a post wins).

    A post is the same post when the forum's post id matches, else when its number does. Posts
    no page numbered (a "posts by one user" view) that no numbered page holds go after the
    numbered ones, so they can never displace a real post.
    """
    parts = copy.deepcopy(parts)
    base = parts[-1]
    merged = Thread(thread_id=base.thread_id, title=base.title, format=base.format)
    merged.posts_declared = max((p.posts_declared or 0 for p in parts), default=0) or None
    merged.forum = next((p.forum for p in reversed(parts) if p.forum), None)
    merged.url = next((p.url for p in parts if p.url and (p.page or 1) == 1), None) or next(
        (p.url for p in parts if p.url), None)
    if len(parts) == 1:
        merged.page, merged.page_count = base.page, base.page_count
    numbered: dict[int, Post] = {}
    loose: dict[str, Post] = {}
    for part in sorted(parts, key=lambda t: t.page or 0):
        for post in part.posts:
            _place(post, numbered, loose)
    ids = {p.post_id for p in numbered.values() if p.post_id}
    nxt = max(numbered, default=0) + 1
    for post in loose.values():
        if post.post_id in ids:
            continue
        post.post_number, nxt = nxt, nxt + 1
        numbered[post.post_number] = post
    merged.posts = [numbered[n] for n in sorted(numbered)]
    return normalise(merged)


def _place(post: Post, numbered: dict[int, Post], loose: dict[str, Post]) -> None:
    if post.post_number:
        stale = [n for n, p in numbered.items() if post.post_id and p.post_id == post.post_id]
        for n in stale:
            del numbered[n]
        numbered[post.post_number] = post  # a re-captured page wins
        return
    for n, p in numbered.items():
        if post.post_id and p.post_id == post.post_id:
            post.post_number = n
            numbered[n] = post
            return
    key = post.post_id or f"{post.author}\0{post.body[:200]}"
    loose[key] = post
