"""kb-jsonl: our own export, and the simple format users convert their own data to.

One JSON object per line, one post per object. Only `thread_id`, `post_number` and `body` are
required; every other key of `kb export` is optional. Export then ingest gives the same posts back.
"""

from __future__ import annotations

import json
from typing import Any

from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread

FORMAT = "kb-jsonl"
REQUIRED = ("thread_id", "post_number", "body")


def sniff(head: str, name: str) -> str | None:
    """The first line is a JSON object carrying the required keys."""
    first = head.lstrip().split("\n", 1)[0].strip()
    if not first.startswith("{"):
        return None
    try:
        obj = json.loads(first)
    except ValueError:
        return None
    return FORMAT if isinstance(obj, dict) and all(k in obj for k in REQUIRED) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """Threads in first-seen order, posts as the lines give them."""
    threads: dict[str, Thread] = {}
    text = data.decode("utf-8-sig", errors="replace")
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        obj = _load(line, lineno)
        tid = str(obj["thread_id"])
        thread = threads.get(tid)
        if thread is None:
            thread = threads[tid] = Thread(
                thread_id=tid,
                title=str(obj.get("thread_title") or tid),
                posts_declared=_int(obj.get("thread_posts_declared")),
                forum=obj.get("forum"),
                url=obj.get("thread_url"),
                format=FORMAT,
            )
        thread.posts.append(_post(obj))
    if not threads:
        raise ParseError("no posts found: empty kb-jsonl file")
    return list(threads.values())


def _load(line: str, lineno: int) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ParseError(f"line {lineno}: invalid JSON ({exc.msg}); fix or remove that line") from None
    if not isinstance(obj, dict):
        raise ParseError(f"line {lineno}: expected a JSON object per line")
    missing = [k for k in REQUIRED if obj.get(k) is None]
    if missing:
        raise ParseError(f"line {lineno}: missing required key(s) {', '.join(missing)}")
    if _int(obj["post_number"]) is None:
        raise ParseError(f"line {lineno}: post_number must be an integer")
    return obj


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _post(obj: dict[str, Any]) -> Post:
    author = obj.get("author")
    source: dict[str, Any] = obj["source"] if isinstance(obj.get("source"), dict) else {}
    quotes = [
        Quote(text=str(q.get("text") or ""), author=q.get("author"),
              post_number=_int(q.get("post_number")))
        for q in obj.get("quotes") or [] if isinstance(q, dict) and q.get("text")
    ]
    return Post(
        body=str(obj["body"]),
        post_number=_int(obj["post_number"]),
        post_id=_str(obj.get("post_id")),
        author=author,
        author_source=obj.get("author_source") or (AUTHOR_FROM_PAGE if author else None),
        author_title=obj.get("author_title"),
        author_joined=_str(obj.get("author_joined")),
        author_location=obj.get("author_location"),
        author_posts=_int(obj.get("author_posts")),
        posted_at=_str(obj.get("posted_at")),
        quotes=quotes,
        signature=obj.get("signature"),
        url=obj.get("url"),
        reply_to=_int(obj.get("reply_to")),
        score=_int(obj.get("score")),
        accepted=bool(obj.get("accepted")),
        source_page=_int(source.get("page")),
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
