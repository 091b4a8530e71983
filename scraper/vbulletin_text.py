"""vBulletin thread pages copied as plain text (what a browser's "select all, copy" gives).

The copy keeps the post headers ("#7", rank, "Join Date", "Posts") and the quote headers
("Quote Originally Posted by X View Post") but loses every boundary the markup had: where a quote
ends is found later by `normalise`, which matches quoted lines against earlier posts.
"""

from __future__ import annotations

import re
from datetime import datetime

from scraper.fields import profile_field, set_profile_field, slug, to_int
from scraper.html import decode
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Thread

FORMAT = "vbulletin-text"

# "  1. #1" (vB4 copies) or "Old 11-05-2008, 10:23 PM   #7" (vB3: the post's date, then its number)
_POST_MARK = re.compile(r"^[ \t]*(?:\d+\.[ \t]+)?(?:(?:Old[ \t]+)?(?P<date>\d{1,2}-\d{1,2}-\d{4},?[ \t]+"
                        r"\d{1,2}:\d{2}[ \t]*(?:[AP]M)?)[ \t]+)?#(?P<n>\d+)[ \t]*$", re.M | re.I)
_RESULTS = re.compile(r"Results\s+\d+\s+to\s+\d+\s+of\s+([\d,]+)", re.I)
_PAGE = re.compile(r"^\s*Page\s+(\d+)\s+of\s+(\d+)", re.I | re.M)
_THREAD = re.compile(r"^\s*Thread:\s*(.+?)\s*$", re.M)
_AVATAR = re.compile(r"^(.*?)\s*(\S[^\n]*?)'s Avatar$")
_ONLINE = re.compile(r"^(.+?) is (?:offline|online)$", re.I)
_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4}),?\s+(\d{1,2}):(\d{2})\s*([AP]M)?$", re.I)
_RANKS = ("senior member", "junior member", "registered user", "super moderator", "moderator",
          "administrator", "new member", "banned", "member", "guest")
# Page chrome after the last post: nothing below these lines is anyone's words.
_FOOTER = re.compile(r"^\s*(Posting Permissions|Quick Navigation|« Previous Thread|"
                     r"Similar Threads|Bookmarks|Tags for this Thread)", re.M)


def sniff(head: str, name: str) -> str | None:
    """A text copy of a vBulletin page: "#N" post marks, and vBulletin's own words around them."""
    if re.search(r"<(html|body|div|table)\b", head[:4096], re.I):
        return None
    if not _POST_MARK.search(head):
        return None
    markers = ("Originally Posted by", "Join Date", "Results ", "Thread:", "View Post")
    return FORMAT if sum(m in head for m in markers) >= 2 else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's thread with its posts; bodies still hold quotes (see module docstring)."""
    text = decode(data).replace("\r\n", "\n")
    footer = _FOOTER.search(text)
    if footer:
        text = text[: footer.start()]
    marks = list(_POST_MARK.finditer(text))
    if not marks:
        raise ParseError("no posts found: not a vBulletin text copy")
    title_m = _THREAD.search(text[: marks[0].start()])
    title = title_m.group(1) if title_m else _first_title(text, marks[0].end())
    # A text copy shows no thread id: the title's slug is the id, cut short as it always was
    # (stored threads are keyed by it).
    thread_id = slug(title)[:80].rstrip("-") or "untitled"
    thread = Thread(thread_id=thread_id, title=title, format=FORMAT)
    results = _RESULTS.search(text)
    thread.posts_declared = to_int(results.group(1)) if results else None
    page = _PAGE.search(text[: marks[0].start()])
    if page:
        thread.page, thread.page_count = int(page.group(1)), int(page.group(2))
    for mark, nxt in zip(marks, marks[1:] + [None]):
        chunk = text[mark.end(): nxt.start() if nxt else len(text)]
        post = _post(int(mark.group("n")), chunk, title)
        if mark.group("date") and not post.posted_at:
            date = _DATE.match(" ".join(mark.group("date").split()))
            post.posted_at = _iso(date) if date else None
        thread.posts.append(post)
    return [thread]


def _first_title(text: str, start: int) -> str:
    for line in text[start:].split("\n"):
        line = _strip_default(line.strip())
        if line.lower().startswith("re:"):
            return line[3:].strip()
    raise ParseError("no thread title found: not a vBulletin text copy")


def _post(number: int, chunk: str, title: str) -> Post:
    lines = [line.strip() for line in chunk.strip("\n").split("\n")]
    post = Post(body="", post_number=number)
    # The header is everything up to the post title line ("Re: <title>" or the title itself).
    head_end = next((i for i, line in enumerate(lines)
                     if _strip_default(line) in (title, f"Re: {title}")), None)
    if head_end is None:
        head_end = next((i for i, line in enumerate(lines) if not line), 0)
    _header(post, [line for line in lines[:head_end] if line])
    post.body = "\n".join(lines[head_end + 1:]).strip()
    post.body = re.sub(r"\n{3,}", "\n\n", post.body)
    return post


def _strip_default(line: str) -> str:
    """vB3 copies put the post icon's alt text, "Default", before the post title."""
    return line[len("Default "):] if line.startswith("Default ") else line


def _is_rank(line: str) -> bool:
    low = line.lower().rstrip(":")
    return low in _RANKS or low.startswith("join date")


def _header(post: Post, lines: list[str]) -> None:
    # vB3 copies: the member's name alone on the line before their rank or join date.
    if lines and len(lines) > 1 and _is_rank(lines[1]) and not _is_rank(lines[0]) \
            and len(lines[0]) <= 40 and not _DATE.match(lines[0]) and ":" not in lines[0] \
            and not _ONLINE.match(lines[0]) and not lines[0].endswith("'s Avatar"):
        post.author = lines[0]
        lines = lines[1:]
    i = 0
    while i < len(lines):
        line, low = lines[i], lines[i].lower().rstrip(":")
        if profile_field(line) and i + 1 < len(lines):  # the label, its value on the next line
            set_profile_field(post, line, lines[i + 1])
            i += 2
            continue
        key, colon, value = line.partition(":")
        if colon and profile_field(key):
            set_profile_field(post, key, value.strip())
        elif m := _ONLINE.match(line):
            post.author = m.group(1)
        elif m := _AVATAR.match(line):
            _rank_and_name(post, line[: -len("'s Avatar")])
        elif m := _DATE.match(line):
            post.posted_at = _iso(m)
        elif low in _RANKS or (post.author and not post.author_title and i > 0):
            post.author_title = line
        i += 1
    if post.author:
        post.author_source = AUTHOR_FROM_PAGE


def _rank_and_name(post: Post, text: str) -> None:
    """'Senior Member RB34' -> rank and name; a name already read from "X is offline" wins."""
    if post.author and text.endswith(post.author):
        post.author_title = text[: -len(post.author)].strip() or post.author_title
        return
    low = text.lower()
    for rank in _RANKS:
        if low.startswith(rank + " "):
            post.author_title, post.author = text[: len(rank)], text[len(rank):].strip()
            return
    rank, _, name = text.rpartition(" ")
    post.author, post.author_title = name, rank or post.author_title


def _iso(m: re.Match[str]) -> str | None:
    month, day, year, hour, minute, ampm = m.groups()
    h = int(hour) % 12 + (12 if ampm and ampm.upper() == "PM" else 0) if ampm else int(hour)
    try:
        return datetime(int(year), int(month), int(day), h, int(minute)).isoformat()
    except ValueError:
        return None
