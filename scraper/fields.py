"""What engines print alike about a thread and its posts, read one way for every parser.

A thread id from a title, for pages that show none of the forum's own; the profile lines beside
a post ("Join Date: Mar 2009", "Posts: 1,529"); the line of underscores a signature opens with.
"""

from __future__ import annotations

import re

from scraper.html import to_int
from scraper.models import Post

_WORD = re.compile(r"[a-z0-9]+")

# Profile labels as vBulletin, phpBB and XenForo print them, and the author field each fills.
_PROFILE_FIELDS = {
    "join date": "author_joined", "joined": "author_joined", "registered": "author_joined",
    "location": "author_location",
    "posts": "author_posts", "messages": "author_posts",
}

# vBulletin prints 18 underscores before a signature, phpBB 2 and subsilver2 17; members who
# sign by hand draw the line shorter.
SIGNATURE_RULE = re.compile(r"^_{6,}\s*$", re.M)


def slug(title: str) -> str:
    """A thread id from its title ("Sprint drills?" -> "sprint-drills"), for pages that show no
    id of the forum's own; "" when the title has no letters or digits."""
    return "-".join(_WORD.findall(title.lower()))


def is_signature_rule(line: str) -> bool:
    """Is this line the rule a signature opens with?"""
    return SIGNATURE_RULE.fullmatch(line.strip()) is not None


def profile_field(label: str) -> str | None:
    """The author field a profile label names ("Join Date:" -> "author_joined"), else None."""
    return _PROFILE_FIELDS.get(label.strip(" :").lower())


def set_profile_field(post: Post, label: str, value: str | None) -> None:
    """Put one profile line's value in the author field its label names; other labels (rank,
    reputation, age) are left alone. Post counts become numbers ("1,529" -> 1529)."""
    field = profile_field(label)
    if field == "author_posts":
        post.author_posts = to_int(value)
    elif field:
        setattr(post, field, value)
