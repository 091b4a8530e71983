"""A thread page of one post (a topic nobody has answered yet), the most common page there is:
record mining needs two records of a shape, so each engine page is cut down to its first post
here and must still give that post, read as on the whole page."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import scraper
import scraper.generic as generic
from tests.conftest import FIXTURES, SHARED_DATA

# Engine pages whose one-post cut reads right (Flarum's noscript view below): all 24.
PAGES = [FIXTURES / "engines" / f"{name}.html" for name in (
    "bbpress-2", "fluxbb-1.5-page2", "invision-3", "invision-5", "kunena-6", "mybb",
    "phorum-5-emerald", "punbb-1.4", "smf-1.1", "smf-2.1", "woltlab-5")] + [
    SHARED_DATA / "more-engines" / path for path in (
        "custom/pistonheads.com-topic-1858583.html", "fluxbb/bbs.archlinux.org-viewtopic-249553.html",
        "invision/neowin.net-topic-1393830.html", "smf/geekhack.org-topic-92066.html",
        "woltlab/med1.de-thread-969551.html", "phorum/blog.angelman-asa.org-read-2-132.html",
        "phpbb3-custom/airliners.net-t1428699.html", "insided/community.kaspersky.com-8313.html",
        "kunena/proxer.me-386665.html")]


def _first_post_only(data: bytes) -> bytes:
    """The page without its records after the first, as the extractor finds them."""
    root = generic.tree(data)
    for record in generic.record_groups(root)[0][1:]:
        for part in record.parts():
            parent = part.getparent()
            if parent is not None:
                parent.remove(part)
    return etree.tostring(root, encoding="utf-8", method="html")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_of_one_post_gives_that_post(page: Path) -> None:
    if not page.exists():
        pytest.skip(f"{page} absent")
    data = page.read_bytes()
    [whole] = scraper.parse(data, page.name)
    assert whole.format == "generic-html"
    [cut] = scraper.parse(_first_post_only(data), page.name)
    # One post, or two where the page shows the topic apart from its replies (inSided's
    # question box): the page's first posts.
    assert 1 <= len(cut.posts) <= 2
    leading = whole.posts[:len(cut.posts)]
    assert [(p.author, p.body, p.posted_at) for p in cut.posts] == [
        (p.author, p.body, p.posted_at) for p in leading]


def test_a_flarum_topic_of_one_post_in_its_noscript_view() -> None:
    # Flarum serves readers without JavaScript its posts in <noscript>: an <article> each with
    # a name and no date. Cut to its first, the page still gives that post.
    page = FIXTURES / "engines" / "flarum-noscript.html"
    data = page.read_bytes()
    [whole] = scraper.parse(data, page.name)
    root = generic.tree(data)
    for article in list(root.iter("article"))[1:]:
        article.getparent().remove(article)
    [cut] = scraper.parse(etree.tostring(root, encoding="utf-8", method="html"), page.name)
    assert [(p.author, p.body) for p in cut.posts] == [(whole.posts[0].author, whole.posts[0].body)]
    assert cut.posts[0].author == "crumb_and_co"
