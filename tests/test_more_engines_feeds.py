"""The mail-archive and Reddit pages of ../shared/data/more-engines against its expect.json:
post count, and per post author and first six words of own text (README.txt there)."""

from __future__ import annotations

import json

import pytest

from scraper import parse
from tests.conftest import shared

PAGES = ["mbox/metrics-grimoire-2015-11.mbox", "pipermail/china-pm-2008-01-001126.html",
         "reddit-json/reddit.com-r-crafts-gallery.json"]
TARGET = 0.95


def _first_words(text: str) -> str:
    return " ".join(text.split()[:6])


def accuracy(page: dict) -> tuple[float, list[str]]:  # type: ignore[type-arg]
    """Share of fields right (post count, then author and first words of every post) and
    what was wrong."""
    path = shared("more-engines", page["file"])
    posts = [p for t in parse(path.read_bytes(), str(path)) for p in t.posts]
    by_number = {p.post_number: p for p in posts}
    right, total, wrong = int(len(posts) == page["posts"]), 1, []
    if not right:
        wrong.append(f"{len(posts)} posts, expected {page['posts']}")
    for item in page["items"]:
        post = by_number.get(item["post_number"])
        words = _first_words(post.body) if post else None
        accepted = {item["first_words"], item.get("alt_first_words", item["first_words"])}
        for ok, what in ((post is not None and post.author == item["author"], "author"),
                         (words in accepted, "first_words")):
            total += 1
            right += ok
            if not ok:
                got = (post.author if what == "author" else words) if post else "(no post)"
                wrong.append(f"#{item['post_number']} {what}: {got!r}")
    return right / total, wrong


@pytest.mark.parametrize("file", PAGES)
def test_page_reaches_target(file: str) -> None:
    expect = json.loads(shared("more-engines", "expect.json").read_text(encoding="utf-8"))
    page = next(p for p in expect if p["file"] == file)
    score, wrong = accuracy(page)
    print(f"{file}: {score:.1%} of fields right")
    assert score >= TARGET, wrong
