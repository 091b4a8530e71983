"""A thread from the schema.org data a page carries for search engines, when its markup yields
no post records: script-built forums (and themes that defeat record mining) still describe the
thread as JSON-LD `DiscussionForumPosting` (with its `comment`s) or `QAPage` (a `Question` with
`acceptedAnswer` / `suggestedAnswer`s), which Google asks every forum to publish.

Only a last resort: where the markup has posts, the JSON-LD is a copy of them and is dropped as
chrome (kb/generic.py never reads <script>).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html
from lxml.etree import ParserError, _Element

from scraper.fields import slug
from scraper.html import element_text, tidy
from scraper.models import Post, Thread

FORMAT = "generic-html"
_THREADS = {"DiscussionForumPosting", "SocialMediaPosting", "Question", "Article", "BlogPosting"}


def threads(root: _Element) -> list[Thread]:
    """The threads the page's JSON-LD describes with their replies, in page order."""
    out: list[Thread] = []
    for node in _nodes(root):
        thread = _thread(node)
        if thread is not None and thread.posts:
            out.append(thread)
    return out


def _nodes(root: _Element) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object naming a thread type, nested in @graph or mainEntity or not."""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue  # hostile or broken JSON: the rest of the page still counts
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                if _types(item) & _THREADS:
                    yield item
                elif "QAPage" in _types(item) or "WebPage" in _types(item) or "@graph" in item:
                    stack[:0] = [item.get("mainEntity"), item.get("@graph")]


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    return {str(k) for k in kind} if isinstance(kind, list) else {str(kind)}


def _thread(node: dict[str, Any]) -> Thread | None:
    title = _text(node.get("headline") or node.get("name"))
    opener = _post(node, 1)
    if not title and opener is None:
        return None
    replies = [r for r in (_post(c, 0, accepted) for c, accepted in _replies(node))
               if r is not None]
    posts = ([opener] if opener else []) + replies
    for n, p in enumerate(posts, 1):
        p.post_number = n
    url = _str(node.get("url")) or _str(node.get("mainEntityOfPage")) or None
    declared = node.get("commentCount") or node.get("answerCount")
    return Thread(thread_id=slug(title or (posts[0].body[:60] if posts else "thread")),
                  title=title or "", posts=posts, url=url,
                  posts_declared=int(declared) + 1 if isinstance(declared, int) else None)


def _replies(node: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """(comment or answer, accepted?), each once, in the order given, the accepted answer first."""
    out: list[tuple[dict[str, Any], bool]] = []
    for key in ("acceptedAnswer", "suggestedAnswer", "comment"):
        value = node.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and all(item is not seen for seen, _ in out):
                out.append((item, key == "acceptedAnswer"))
    return out


def _post(item: dict[str, Any], number: int, accepted: bool = False) -> Post | None:
    body = _body(item.get("text") or item.get("articleBody"))
    if not body:
        return None
    author = item.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    name = _text(author.get("name")) if isinstance(author, dict) else _text(author)
    votes = item.get("upvoteCount")
    return Post(body=body, post_number=number or None, author=name or None,
                author_source="page" if name else None,
                posted_at=_str(item.get("datePublished") or item.get("dateCreated")),
                url=_str(item.get("url")), score=votes if isinstance(votes, int) else None,
                accepted=accepted, source_format=FORMAT)


def _body(value: object) -> str:
    """The post's words: JSON-LD text is plain or HTML, either way read as text."""
    text = _str(value)
    if not text:
        return ""
    if "<" not in text:
        return tidy(text)
    try:
        return tidy(element_text(lxml_html.fragment_fromstring(text, create_parent="div")))
    except (ParserError, ValueError):
        return tidy(text)


def _text(value: object) -> str:
    return " ".join(_str(value).split()) if value is not None else ""


def _str(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    return value.strip() if isinstance(value, str) else ""
