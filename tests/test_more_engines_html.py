"""Real pages of engines kb has no parser of its own for, scored against their expect.json.

Fields per page: the post count, then for every expected post its author and the first six words
of its own text, the post found by the number the README of more-engines defines. Each page must
get at least 95% of its fields right.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import scraper
from scraper.models import Post
from tests.conftest import SHARED_DATA

MORE = SHARED_DATA / "more-engines"
TARGET = 0.95
# The other formats of that folder (mail archives, Reddit JSON) are scored by their own tests.
HTML_ENGINES = {"smf-2.0", "vanilla-2", "invision-4", "fluxbb-1.5", "woltlab-wbb",
                "drupal-6-forum", "phorum-5", "insided", "phpbb-3.2-custom", "kunena",
                "custom-pistonheads"}


def _pages() -> list[dict[str, Any]]:
    if not (MORE / "expect.json").exists():
        return []
    pages = json.loads((MORE / "expect.json").read_text(encoding="utf-8"))
    return [p for p in pages if p["engine"] in HTML_ENGINES]


def first_words(text: str, n: int = 6) -> str:
    """The first `n` whitespace-separated tokens, the way expect.json counts them."""
    return " ".join(text.split()[:n])


def score(page: dict[str, Any], posts: list[Post]) -> tuple[int, int, list[str]]:
    """(fields right, fields in all, what was wrong) for one page's parsed posts."""
    by_number = {p.post_number: p for p in posts}
    right, wrong = int(len(posts) == page["posts"]), []
    if not right:
        wrong.append(f"count {len(posts)} != {page['posts']}")
    for item in page["items"]:
        post = by_number.get(item["post_number"])
        author = post.author if post else None
        if author == item["author"]:
            right += 1
        else:
            wrong.append(f"#{item['post_number']} author {author!r} != {item['author']!r}")
        words = first_words(post.body) if post else None
        accepted = {item["first_words"], item.get("alt_first_words", item["first_words"])}
        if words in accepted:
            right += 1
        else:
            wrong.append(f"#{item['post_number']} words {words!r} != {item['first_words']!r}")
    return right, 1 + 2 * len(page["items"]), wrong


def page_accuracy(page: dict[str, Any]) -> tuple[float, list[str]]:
    """The share of one page's fields right, through `scraper.parse` as `kb ingest` runs it."""
    path = MORE / page["file"]
    posts = [p for t in scraper.parse(path.read_bytes(), str(path)) for p in t.posts]
    right, total, wrong = score(page, posts)
    return right / total, wrong


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p["engine"])
def test_page_accuracy(page: dict[str, Any]) -> None:
    accuracy, wrong = page_accuracy(page)
    print(f"{page['engine']:20} {accuracy:7.1%}  {page['file']}")
    assert accuracy >= TARGET, "\n".join(wrong[:20])


def test_pages_present() -> None:
    if not MORE.exists():
        pytest.skip("../shared/data/more-engines absent")
    assert len(_pages()) == len(HTML_ENGINES)


if __name__ == "__main__":
    for p in _pages():
        try:
            acc, errs = page_accuracy(p)
        except Exception as e:  # noqa: BLE001 - a report of every page, crashes included
            acc, errs = 0.0, [repr(e)]
        print(f"{p['engine']:20} {acc:7.1%}  " + "; ".join(errs[:4]))
