"""NodeBB topic pages: our hand-made fixture, then the real saved page."""

from __future__ import annotations

import re

import pytest

import scraper
from scraper import ParseError, detect, nodebb
from scraper.models import Thread
from tests.conftest import FIXTURES, SHARED_DATA, shared

FIXTURE = FIXTURES / "nodebb" / "topic-page2.html"


def _head(data: bytes) -> str:
    return data[:65536].decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def topic() -> Thread:
    [thread] = nodebb.parse(FIXTURE.read_bytes(), FIXTURE.name)
    return thread


# --- hand-made fixture: page 2, no ajaxify JSON (HTML only) -----------------------------------

def test_thread_fields(topic: Thread) -> None:
    assert topic.thread_id == "777"
    assert topic.title == "Sourdough starter keeps dying"
    assert topic.forum == "bakers.example.net"
    assert topic.url == "https://bakers.example.net/topic/777/sourdough-starter-keeps-dying"
    assert topic.posts_declared == 31
    assert (topic.page, topic.page_count) == (2, 3)
    assert topic.format == "nodebb-html"


def test_posts_numbers_authors(topic: Thread) -> None:
    assert [p.post_number for p in topic.posts] == [21, 22, 23, 24]  # data-index + 1
    assert [p.post_id for p in topic.posts] == ["9001", "9002", "9003", "9004"]
    assert [p.author for p in topic.posts] == ["alice", "bob", "Guest", "dave"]
    assert {p.author_source for p in topic.posts} == {"page"}


def test_first_post(topic: Thread) -> None:
    alice = topic.posts[0]
    assert alice.body == ("Feed it twice a day at room temperature.\n\n"
                          "Use rye flour for the first week. It wakes up faster 😄")
    assert alice.signature == "Baking since 1999 · alice's crumb shots"
    assert alice.score == 3
    assert alice.posted_at == "2019-03-24T19:54:11+00:00"
    assert alice.url == "https://bakers.example.net/post/9001"
    assert alice.quotes == [] and alice.reply_to is None


def test_quote_with_nested_quote(topic: Thread) -> None:
    bob = topic.posts[1]
    [quote] = bob.quotes  # carol's nested quote is not a Quote of its own
    assert (quote.author, quote.post_id) == ("alice", "9001")
    assert quote.text == "Feed it twice a day at room temperature."
    assert bob.body == ("Twice a day is a lot for a cold kitchen.\n\n"
                        "Once a day worked for me in winter.")
    assert "said in" not in bob.body and "Chlorinated" not in bob.body
    assert bob.reply_to == 21  # post/parent names pid 9001, which is #21 on this page
    assert bob.signature is None and bob.score == 0


def test_guest_plain_quote_and_embed(topic: Thread) -> None:
    guest = topic.posts[2]
    [quote] = guest.quotes
    assert (quote.author, quote.post_id) == (None, None)
    assert quote.text == "Flour, water and patience are all a starter needs."
    # The github-embed card is about the linked page, not the guest's words.
    assert guest.body == "That line from the old bakery book says it all. See also:"


def test_quote_of_user_without_mention_link(topic: Thread) -> None:
    dave = topic.posts[3]
    [quote] = dave.quotes
    assert (quote.author, quote.post_id) == ("ghost", "8000")
    assert quote.text == "Mine smells like nail varnish, is that normal?"
    assert re.split(r"\n+", dave.body) == [
        "Acetone smell means it is hungry. Feed it more often.", "Then wait a day."]
    assert dave.reply_to is None  # its parent post is not on this page


# --- sniffing and unusable input ---------------------------------------------------------------

def test_sniff_fixture() -> None:
    data = FIXTURE.read_bytes()
    assert nodebb.sniff(_head(data), FIXTURE.name) == "nodebb-html"
    assert detect.detect(data, FIXTURE.name) == "nodebb-html"


def test_sniff_rejects_other_html() -> None:
    assert nodebb.sniff("<html><body><ul class='posts'><li>x</li></ul></body></html>", "") is None


def test_page_without_posts_is_a_parse_error() -> None:
    data = FIXTURE.read_bytes()
    with pytest.raises(ParseError, match="no posts found"):
        nodebb.parse(data[: data.index(b'<li component="post"')])


def test_truncated_page_keeps_whole_posts() -> None:
    data = FIXTURE.read_bytes()
    [thread] = nodebb.parse(data[: data.index(b'data-index="22"') + 10])
    assert [p.author for p in thread.posts][:2] == ["alice", "bob"]


# --- the real saved page -------------------------------------------------------------------

AUTHORS = {1: "youhosi", 2: "MJ", 3: "fgallese", 7: "scottalanmiller", 10: "JJSagan",
           12: "arranka", 13: "tonylee123321"}


@pytest.fixture(scope="module")
def real() -> bytes:
    return shared("nettally-fixtures", "NodeBB.html").read_bytes()


def test_real_page_sniffed_as_nodebb_only(real: bytes) -> None:
    assert nodebb.sniff(_head(real), "NodeBB.html") == "nodebb-html"
    others = [sniff for sniff in detect.SNIFFERS if sniff is not nodebb.sniff]
    claims = [sniff(_head(real), "NodeBB.html") for sniff in others]
    assert not any(claims), claims
    assert detect.detect(real, "NodeBB.html") == "nodebb-html"


def test_other_real_pages_not_sniffed_as_nodebb() -> None:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data absent")
    pages = [p for p in SHARED_DATA.rglob("*.htm*") if p.name != "NodeBB.html"]
    assert pages
    for page in pages[:60]:
        assert nodebb.sniff(_head(page.read_bytes()), page.name) is None, page


def test_real_page_posts(real: bytes) -> None:
    [thread] = nodebb.parse(real, "NodeBB.html")
    assert len(thread.posts) == len(re.findall(rb'<li component="post"', real)) == 13
    assert [p.post_number for p in thread.posts] == list(range(1, 14))
    for number, author in AUTHORS.items():
        assert thread.posts[number - 1].author == author
    assert (thread.thread_id, thread.title) == ("13803", "New desing for NodeBB chat!")
    assert (thread.posts_declared, thread.page, thread.page_count) == (13, 1, 1)
    assert thread.forum == "community.nodebb.org"
    assert all(p.body and p.post_id and p.posted_at and p.url for p in thread.posts)
    assert sum(len(p.quotes) for p in thread.posts) == 4


def test_real_page_quotes_and_replies(real: bytes) -> None:
    [thread] = nodebb.parse(real, "NodeBB.html")
    posts = thread.posts
    assert [(q.author, q.post_id) for q in posts[3].quotes] == [("MJ", "73814")]
    assert posts[3].reply_to == 2
    # #9 quotes arranka's #8, which itself quoted scottalanmiller's #7.
    [quote] = posts[8].quotes
    assert (quote.author, quote.post_id) == ("arranka", "73868")
    assert quote.text.startswith("for chat app dedicated to cell phones")
    assert "I might be happier" not in quote.text
    assert posts[8].body.startswith("That really doesn't affect anything.")
    assert (posts[7].reply_to, posts[8].reply_to, posts[10].reply_to) == (7, 8, 10)
    assert posts[0].score == 11 and posts[1].author_posts == 511
    assert posts[0].posted_at == "2019-03-24T19:54:11+00:00"
    assert "created this issue" not in posts[9].body  # github-embed card left out


def test_real_page_no_quoted_text_in_bodies(real: bytes) -> None:
    [thread] = nodebb.parse(real, "NodeBB.html")
    for post in thread.posts:
        for quote in post.quotes:
            if len(quote.text) > 20:
                assert quote.text[:60] not in post.body, (post.post_number, quote.text[:60])
        assert " said in " not in post.body


def test_real_page_through_the_whole_pipeline(real: bytes) -> None:
    [thread] = scraper.parse(real, "NodeBB.html")
    assert thread.format == "nodebb-html"
    assert len(thread.posts) == 13
