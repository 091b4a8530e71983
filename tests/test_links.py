"""Link discovery (scraper/urls.py, scraper/links.py) on URLs of the engines kb reads and on
real thread pages from ../shared/data: one URL per page, the thread's other pages found, the
chrome (accounts, posting, single posts) left out."""

from __future__ import annotations

import pytest

from scraper.links import discover
from scraper.urls import BOARD, THREAD, classify, normalise
from tests.conftest import shared


@pytest.mark.parametrize("url, kind, canonical", [
    ("https://f.example/forum/viewtopic.php?f=2&t=77&start=10&sid=0123456789abcdef0123456789abcdef",
     THREAD, "https://f.example/forum/viewtopic.php?f=2&t=77&start=10"),
    ("https://f.example/forum/viewforum.php?f=27&start=50", BOARD,
     "https://f.example/forum/viewforum.php?f=27&start=50"),
    ("https://f.example/showthread.php?s=0123456789abcdef0123456789abcdef&t=5&page=2#post9",
     THREAD, "https://f.example/showthread.php?t=5&page=2"),
    ("https://f.example/showthread.php?128882-some-title/page3", THREAD,
     "https://f.example/showthread.php?128882-some-title/page3"),
    ("https://f.example/community/threads/tyre-pressure.4242/page-2", THREAD,
     "https://f.example/community/threads/tyre-pressure.4242/page-2"),
    ("https://f.example/community/forums/bikes.3/?prefix_id=2", BOARD,
     "https://f.example/community/forums/bikes.3/"),
    ("https://f.example/index.php?topic=1882.15", THREAD, "https://f.example/index.php?topic=1882.15"),
    ("https://f.example/index.php?board=3.0", BOARD, "https://f.example/index.php?board=3.0"),
    ("https://f.example/t/some-slug/12345/7", THREAD, "https://f.example/t/12345.json"),
    ("https://f.example/topic/4286/integrating-nodebb/7", THREAD,
     "https://f.example/topic/4286/integrating-nodebb"),
    ("https://f.example/viewtopic.php?id=249553&p=2", THREAD,
     "https://f.example/viewtopic.php?id=249553&p=2"),
    ("https://f.example/discussion/17135/some-title/p2", THREAD,
     "https://f.example/discussion/17135/some-title/p2"),
    ("https://f.example/read.php?2,132,page=2", THREAD, "https://f.example/read.php?2,132,page=2"),
    ("https://f.example/forum/board/title-969551/?postID=1#post1", None, None),
])
def test_one_spelling_per_page(url: str, kind: str | None, canonical: str | None) -> None:
    page = classify(url)
    assert (page.kind, page.url) == (kind, canonical) if page else kind is None


@pytest.mark.parametrize("url", [
    "https://f.example/forum/viewtopic.php?p=901#p901", "https://f.example/member.php?u=4",
    "https://f.example/posting.php?mode=reply&t=77", "https://f.example/index.php?topic=1.msg2",
    "https://f.example/community/threads/x.4242/post-5001", "https://f.example/style.css",
    "https://f.example/index.php?action=profile;u=771", "https://f.example/u/frost_rider",
])
def test_chrome_is_no_page(url: str) -> None:
    assert classify(url) is None


def test_normalise_drops_fragments_and_sessions() -> None:
    assert normalise("HTTP://F.Example:80/a?b=2&a=1&PHPSESSID=x#top") == "http://f.example/a?b=2&a=1"


@pytest.mark.parametrize("one, other", [
    ("https://f.example/viewtopic.php?f=2&t=77", "https://f.example/viewtopic.php?t=77&start=0"),
    ("https://f.example/showthread.php?128882-some-title/page3",
     "https://f.example/showthread.php?t=128882&page=3"),
    ("https://f.example/showthread.php?threadid=35&userid=0&perpage=40&pagenumber=6",
     "https://f.example/showthread.php?pagenumber=6&threadid=35"),
    ("https://f.example/showthread.php/9687-title/page2", "https://f.example/showthread.php?t=9687&page=2"),
])
def test_two_spellings_of_one_page_are_one_page(one: str, other: str) -> None:
    """Fetched as linked, known as one page by key and order (the frontier checks both)."""
    a, b = classify(one), classify(other)
    assert a and b and (a.kind, a.key, a.order) == (b.kind, b.key, b.order)


@pytest.mark.parametrize("folder, name, url, next_url", [
    ("nettally-fixtures", "phpBB.html",
     "http://www.ilovephilosophy.com/viewtopic.php?f=1&t=194998&start=25",
     "http://www.ilovephilosophy.com/viewtopic.php?f=1&t=194998&start=50"),
    ("nettally-fixtures", "vBulletin3.html",
     "https://forums.animesuki.com/showthread.php?t=128882&page=152",
     "https://forums.animesuki.com/showthread.php?t=128882&page=153"),
    ("nettally-fixtures", "Xenforo1.html",
     "https://forums.sufficientvelocity.com/threads/renascence-a-homura-quest.10402/page-54",
     "https://forums.sufficientvelocity.com/threads/renascence-a-homura-quest.10402/page-55"),
    ("awful-somethingawful-vb3", "showthread.html",
     "https://forums.somethingawful.com/showthread.php?threadid=3507451&pagenumber=5",
     "https://forums.somethingawful.com/showthread.php?threadid=3507451&userid=0&perpage=40"
     "&pagenumber=6"),
    ("more-engines", "smf/geekhack.org-topic-92066.html", "https://geekhack.org/index.php?topic=92066.0",
     "https://geekhack.org/index.php?topic=92066.50"),
])
def test_real_pages_lead_to_their_next_page(folder: str, name: str, url: str, next_url: str) -> None:
    found = discover(url, shared(folder, name).read_bytes())
    assert [f.page.url for f in found if f.next_of_current] == [next_url]
    own = classify(url)
    assert own is not None
    same = [f.page for f in found if f.page.key == own.key]
    assert next_url in {p.url for p in same} and all(p.kind == THREAD for p in same)
    assert not [f for f in found if "member" in f.page.url or "posting" in f.page.url]


def test_a_saved_copy_served_locally_links_into_itself() -> None:
    """A saved SMF page links to its forum with absolute URLs; served from 127.0.0.1, those
    links are read as links into the copy (its canonical link names where it was saved from)."""
    data = shared("more-engines", "smf", "geekhack.org-topic-92066.html").read_bytes()
    found = discover("http://127.0.0.1:8123/index.php?topic=92066.0", data)
    nxt = [f.page.url for f in found if f.next_of_current]
    assert nxt == ["http://127.0.0.1:8123/index.php?topic=92066.50"]
    assert not [f for f in found if "geekhack.org" in f.page.url]


def test_a_wget_mirror_s_file_names_are_read_too() -> None:
    page = b"""<html><body><a href="viewtopic.php%3Ft=3&amp;start=10.html">2</a>
    <a href="posting.php%3Fmode=reply&amp;t=3.html">Reply</a>
    <a href="viewforum.php%3Ff=2.html">Board</a></body></html>"""
    here = "http://127.0.0.1:8123/viewtopic.php%3Ft=3.html"
    found = {f.page.url: f.page.kind for f in discover(here, page)}
    assert found == {"http://127.0.0.1:8123/viewtopic.php%3Ft=3&start=10.html": THREAD,
                     "http://127.0.0.1:8123/viewforum.php%3Ff=2.html": BOARD}


@pytest.mark.parametrize("first, later, order", [
    ("https://f.example/index.php/topic,123.0.html", "https://f.example/index.php/topic,123.15.html",
     15),  # SMF's friendly URLs
    ("https://f.example/thread-55.html", "https://f.example/thread-55-page-2.html", 2),  # MyBB
    ("https://f.example/f2/topic123.html", "https://f.example/f2/topic123-15.html", 15),  # phpBB SEO
    ("https://f.example/general-chat/12345-best-tyres.html",
     "https://f.example/general-chat/12345-best-tyres-2.html", 2),  # vBSEO
    ("https://f.example/index.php?showtopic=4", "https://f.example/index.php?showtopic=4&st=20",
     20),  # Invision 2
])
def test_pages_of_one_thread_share_a_key(first: str, later: str, order: int) -> None:
    a, b = classify(first), classify(later)
    assert a and b and a.kind == b.kind == THREAD
    assert a.key == b.key and b.order == order


def test_a_base_href_to_the_original_site_is_read_as_the_copy() -> None:
    page = b"""<html><head><base href="http://forums.example.com/"></head><body>
    <a href="showthread.php?t=5&amp;page=2">2</a></body></html>"""
    found = [f.page.url for f in discover("http://127.0.0.1:8123/showthread.php?t=5", page)]
    assert found == ["http://127.0.0.1:8123/showthread.php?t=5&page=2"]
