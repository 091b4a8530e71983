"""vBulletin 3/4/5 and Something Awful pages: our small fixtures, then the real saved pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scraper import ParseError, detect, parse_with_format
from scraper import vbulletin_html as vb
from scraper.models import Thread

FIXTURES = Path(__file__).parent / "fixtures" / "vbulletin_html"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def parse(path: Path) -> Thread:
    threads = vb.parse(path.read_bytes(), path.name)
    assert len(threads) == 1
    return threads[0]


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", errors="replace")


# --- our fixtures ------------------------------------------------------------------------

def test_vb3_legacy_thread_fields() -> None:
    thread = parse(FIXTURES / "vb3_legacy.html")
    assert thread.thread_id == "4321"
    assert thread.title == "Sprint drills for the 400m"
    assert (thread.page, thread.page_count, thread.posts_declared) == (2, 3, 23)
    assert thread.forum == "forum.tracktalk.example"
    assert [p.post_number for p in thread.posts] == [11, 12, 13]
    assert [p.post_id for p in thread.posts] == ["1011", "1012", "1013"]
    assert [p.author for p in thread.posts] == ["Alice", "Visitor", "Bob"]


def test_vb3_legacy_posts() -> None:
    alice, guest, bob = parse(FIXTURES / "vb3_legacy.html").posts
    # ISO-8859-1 page with Windows-1252 bytes: the en dash survives.
    assert alice.body == ("Usually four reps at race pace, with a full walk back.\n\n"
                          "Then a café stop – naïve, maybe, but it works.")
    assert [(q.author, q.post_id, q.text) for q in alice.quotes] == [
        ("Bob", "1001", "How many 150m reps do you run before a race?")]
    assert alice.signature == "Run tall, finish strong."
    assert (alice.author_title, alice.author_joined, alice.author_location) == (
        "Senior Member", "Nov 2004", "Leeds")
    assert alice.author_posts == 1529
    assert alice.posted_at == "2010-11-05T21:15:00"
    assert alice.author_source == "page"
    assert alice.url == "https://forum.tracktalk.example/showthread.php?p=1011#post1011"
    # A guest: name as shown, no profile; "Today" is not a date we can know; edit note dropped.
    assert (guest.author, guest.author_title, guest.author_posts) == ("Visitor", "Guest", None)
    assert guest.posted_at is None
    assert guest.body == "Agreed, but hills on Tuesdays too."
    assert [(q.author, q.text) for q in guest.quotes] == [
        (None, "Four reps at race pace is plenty for most club runners.")]
    assert guest.signature is None
    # Only the outer quote is a Quote, without the nested one; code stays in the body.
    assert [(q.author, q.post_id, q.text) for q in bob.quotes] == [
        ("Alice", "1011", "Four reps, walk back, then coffee.")]
    assert bob.body == "My session log:\n\nCode:\n\n4 x 150m @ 19s\n\nWorks for me."
    assert bob.author_title is None and bob.author_joined == "Mar 2008"
    assert bob.author == "Bob"  # not "Bob Bob is offline": the status icon's alt is no name


def test_vb4_posts() -> None:
    thread = parse(FIXTURES / "vb4.html")
    assert (thread.thread_id, thread.title) == ("812", "Best spikes for wet tracks?")
    assert (thread.page, thread.page_count, thread.posts_declared) == (1, 2, 12)
    assert thread.url == "https://boards.example.org/showthread.php/812-Best-spikes-for-wet-tracks"
    carla, lurker, dmitri = thread.posts  # the advert slot under post_9001's id is no post
    assert [p.post_number for p in thread.posts] == [1, 2, 3]
    assert carla.body == (
        "It rains here nine months a year.\n\nWhich spikes grip best on a wet track?")
    assert carla.signature == "PB 400m: 58.2"
    assert (carla.author, carla.author_title, carla.author_location, carla.author_posts) == (
        "Carla", "Junior Member", "Bergen", 2048)
    assert carla.posted_at == "2015-03-14T09:26:00"
    assert carla.url is not None and carla.url.startswith("https://boards.example.org/showthread")
    assert (lurker.author, lurker.author_title) == ("Lurker", "Guest")
    assert [(q.author, q.post_id, q.text) for q in lurker.quotes] == [
        ("Carla", "9001", "Which spikes grip best on a wet track?")]
    assert lurker.body == "Longer pins: 9mm instead of 6mm."
    assert lurker.posted_at == "2015-03-14T23:02:00"
    assert [(q.author, q.text) for q in dmitri.quotes] == [
        (None, "Longer pins are banned on some indoor tracks.")]
    assert dmitri.body.startswith("Check the meet rules first.")
    assert "spikes: 9mm outdoor, 6mm indoor" in dmitri.body
    assert "Last edited" not in dmitri.body
    assert dmitri.signature == "Coach, Bergen Friidrett"


def test_vb5_posts() -> None:
    thread = parse(FIXTURES / "vb5.html")
    assert (thread.thread_id, thread.title, thread.forum) == (
        "5150", "Recovery between rounds", "talk.example.net")
    assert (thread.page, thread.page_count) == (1, 1)
    erin, guest = thread.posts
    assert [p.post_number for p in thread.posts] == [1, 2]
    assert [p.post_id for p in thread.posts] == ["5150", "5163"]
    assert erin.body == "How long do you rest between 400m heats and the final?"
    assert erin.signature == "Erin — 800m"
    assert (erin.author, erin.author_title, erin.author_joined, erin.author_posts) == (
        "Erin", "Member", "Jan 2019", 311)
    assert erin.posted_at == "2019-04-09T08:37:23"
    assert guest.author == "Guest"
    assert [(q.author, q.post_id, q.text) for q in guest.quotes] == [
        ("Erin", "5150", "How long do you rest between 400m heats and the final?")]
    assert guest.body == "At least ninety minutes; eat something small after the heat."


VB5 = Path(__file__).parent / "fixtures" / "vbulletin5"


def test_vb5_comments_are_posts_after_their_reply() -> None:
    thread = parse(VB5 / "comments.html")
    assert [(p.post_id, p.author) for p in thread.posts] == [
        ("2210", "Marisol"), ("2214", "Tobin"), ("2219", "Ines"), ("2216", "Obi")]
    # "#1.1" is no place in the count of replies: #2 follows #1 and its comments
    assert [p.post_number for p in thread.posts] == [1, None, None, 2]
    assert [p.reply_to for p in thread.posts] == [None, 1, 1, None]
    # a comment prints its date, moved to the clock of the replies' <time datetime> (+1 h here)
    assert [p.posted_at for p in thread.posts] == [
        "2021-05-02T09:10:44", "2021-05-02T10:30:00", "2021-05-03T20:05:00", "2021-05-02T11:02:09"]
    marisol, tobin, ines, obi = thread.posts
    assert marisol.body == "Start slower than feels right and hold it for the first hour."
    assert (marisol.author_title, tobin.author_title) == ("Pacer", None)
    assert tobin.body.startswith("Heart rate helps")
    assert ines.body.startswith("Walking the steep bits")
    assert obi.body.startswith("Negative splits")
    for words in ("Heart rate", "Walking", "2 comments", "Type your comment"):
        assert words not in marisol.body
    assert tobin.url == ("https://trails.example.org/forum/running/long-runs/"
                         "2210-pacing-the-long-run?p=2214#post2214")


def test_vb5_title_is_the_thread_s_not_the_announcement_module_s() -> None:
    thread = parse(VB5 / "comments.html")
    assert (thread.thread_id, thread.title, thread.forum) == (
        "2210", "Pacing the long run", "trails.example.org")
    page = (VB5 / "comments.html").read_bytes()
    # no page-title module: the h1.main-title the page's <title> opens with
    bare = page.replace(b"page-title-widget", b"other-widget")
    assert vb.parse(bare, "comments.html")[0].title == "Pacing the long run"


def test_vb5_comments_survive_normalising() -> None:
    fmt, threads = parse_with_format((VB5 / "comments.html").read_bytes(), "comments.html")
    assert fmt == "vbulletin-html" and len(threads) == 1
    posts = threads[0].posts
    assert [(p.post_id, p.reply_to) for p in posts] == [
        ("2210", None), ("2214", 1), ("2219", 1), ("2216", None)]
    assert [posts[0].post_number, posts[3].post_number] == [1, 2]
    assert [p.body.split()[0] for p in posts] == ["Start", "Heart", "Walking", "Negative"]


def test_vb5_comments_get_numbers_no_reply_has() -> None:
    # (The store keeps one post a number: a comment numbered as the reply after it was lost.)
    posts = parse_with_format((VB5 / "comments.html").read_bytes(), "comments.html")[1][0].posts
    assert len({p.post_number for p in posts}) == len(posts)


def test_something_awful_page() -> None:
    thread = parse(FIXTURES / "sa_showthread.html")
    assert (thread.thread_id, thread.title) == ("3600001", "Shoe rotation megathread")
    assert (thread.page, thread.page_count, thread.forum) == (2, 3, "forums.somethingawful.com")
    pit, tantrum, hills = thread.posts
    assert [p.post_number for p in thread.posts] == [41, 42, 43]
    assert [p.author for p in thread.posts] == ["Gravel Pit", "Tempo Tantrum", "Hill Repeats"]
    assert (pit.author_title, pit.author_joined, pit.posted_at) == (
        "Slow but steady", "Mar 3, 2009", "2013-04-02T07:58:00")
    assert [(q.author, q.post_id, q.text) for q in pit.quotes] == [
        ("Tempo Tantrum", "499999990", "How many pairs are you all rotating?")]
    assert pit.body.startswith("Three pairs: one for tempo, one for long runs, one for races.")
    assert "tempo / long / race" in pit.body  # a code block is the post's own words
    assert "fucked around" not in pit.body
    assert pit.url == "https://forums.somethingawful.com/showthread.php?goto=post&postid=500000041"
    # Outer quote only, without its nested quote; a bare "quote:" names nobody.
    own_words = "Three pairs: one for tempo, one for long runs, one for races."
    assert [(q.author, q.post_id, q.text) for q in tantrum.quotes] == [
        ("Gravel Pit", "500000041", own_words), (None, None, "Rotate or regret.")]
    assert tantrum.body == "Same here, and they last much longer."
    # SA's malformed header 'X" post="123 posted:'; a quote of a quote keeps the inner words.
    assert [(q.author, q.post_id, q.text) for q in hills.quotes] == [
        ("Tempo Tantrum", "500000042", "Three pairs is a lot of money.")]
    assert hills.body == ""


def test_something_awful_filtered_view_has_no_numbers() -> None:
    thread = parse(FIXTURES / "sa_oneuser.html")
    (post,) = thread.posts
    # data-idx="1" counts the filtered view, not the thread: the number is unknowable.
    assert post.post_number is None
    assert post.post_id == "500000042"
    assert post.author == "Tempo Tantrum"


def test_sniff_names_every_fixture() -> None:
    for path in FIXTURES.glob("*.html"):
        assert vb.sniff(head(path), path.name) == "vbulletin-html", path.name


def test_sniff_declines_other_pages() -> None:
    assert vb.sniff("<html><body><div class='message'>hi</div></body></html>", "x.html") is None
    assert vb.sniff("#1\nOriginally Posted by Bob\nJoin Date: 2004\n", "copy.txt") is None


@pytest.mark.parametrize("data", [
    b"<html><head><meta name='generator' content='vBulletin 4.2.3'></head><body></body></html>",
    b"",
    (FIXTURES / "vb4.html").read_bytes()[:1200],  # truncated before the first post
    (FIXTURES / "vb4.html").read_bytes()[:1700],  # truncated inside the first post's header
])
def test_no_posts_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="no posts found"):
        vb.parse(data, "page.html")


def test_truncated_page_keeps_the_posts_it_holds() -> None:
    data = (FIXTURES / "vb4.html").read_bytes()
    cut = data[: data.index(b'id="post_9003"') + 400]
    posts = vb.parse(cut, "vb4.html")[0].posts
    assert [p.author for p in posts] == ["Carla", "Lurker"]


def test_missing_fields_are_none_not_crashes() -> None:
    page = (b'<html><head><meta name="generator" content="vBulletin 3.8.1"></head><body>'
            b'<table id="post77"><tr><td><div id="post_message_77">Just words.</div></td></tr>'
            b"</table></body></html>")
    (post,) = vb.parse(page, "bare.html")[0].posts
    assert (post.body, post.post_id, post.author, post.post_number) == ("Just words.", "77",
                                                                        None, None)
    assert post.author_source is None and post.posted_at is None


# --- the real saved pages ------------------------------------------------------------------

# file -> (container pattern, first post number or None, authors of a few posts we read by eye)
REAL = {
    "nettally-fixtures/vBulletin3.html": (r'<table id="post\d+"', 3021, {
        0: "Shirohige", 1: "BBOvenGuy", 4: "karice67", 19: "Kamieichi"}),
    "nettally-fixtures/vBulletin4.html": (r'<li class="[^"]*postcontainer[^"]*" id="post_\d+"', 1,
                                          {0: "Rainmaker", 1: "Mjölnir", 9: "sandsjames"}),
    "nettally-fixtures/vBulletin5.html": (r"<li data-node-id=", 1, {
        0: "Buckeye", 2: "General Hentai", 4: "Gildor"}),
    "awful-somethingawful-vb3/showthread.html": (r'<table class="post[^"]*" id="post\d+"', 161, {
        0: "Majuju", 1: "Pinterest Mom", 3: "THC", 39: "Louis Riel"}),
    "awful-somethingawful-vb3/showthread3.html": (r'<table class="post[^"]*" id="post\d+"', 48561,
                                                  {0: "VikingofRock", 1: "Absurd Alhazred"}),
    "awful-somethingawful-vb3/showthread-last.html": (
        r'<table class="post[^"]*" id="post\d+"', 3041, {0: "Jazerus", 1: "Gestalt Intellect"}),
    "awful-somethingawful-vb3/showthread-oneuser.html": (
        r'<table class="post[^"]*" id="post\d+"', None, {0: "Khelmar", 1: "Khelmar"}),
    "awful-somethingawful-vb3/showpost.html": (
        r'<table class="post[^"]*" id="post\d+"', None, {0: "The Dave"}),
}
# Outermost quote blocks, counted by reading the pages (SA's "bbc-block code" are code).
REAL_QUOTES = {"vBulletin3.html": 25, "vBulletin4.html": 5, "vBulletin5.html": 5,
               "showthread.html": 33, "showthread3.html": 22, "showthread-last.html": 15,
               "showthread-oneuser.html": 3, "showpost.html": 0}


def real(rel: str) -> Path:
    path = DATA / rel
    if not path.exists():
        pytest.skip("../shared/data absent")
    return path


@pytest.mark.parametrize("rel", sorted(REAL))
def test_real_page_is_sniffed_as_vbulletin_only(rel: str) -> None:
    path = real(rel)
    assert detect.detect(path.read_bytes(), path.name) == "vbulletin-html"
    others = [sniff for sniff in detect.SNIFFERS if sniff is not vb.sniff]
    assert [s.__module__ for s in others if s(head(path), path.name)] == []


@pytest.mark.parametrize("rel", sorted(REAL))
def test_real_page_posts(rel: str) -> None:
    path = real(rel)
    pattern, first, authors = REAL[rel]
    thread = parse(path)
    expected = len(re.findall(pattern, path.read_text(encoding="utf-8", errors="replace")))
    assert len(thread.posts) == expected > 0
    numbers = [p.post_number for p in thread.posts]
    if first is None:  # filtered or single-post view: position in the thread is unknowable
        assert numbers == [None] * expected
    else:
        assert numbers == list(range(first, first + expected))
    assert all(p.post_id and p.post_id.isdigit() for p in thread.posts)
    assert len({p.post_id for p in thread.posts}) == expected
    for index, author in authors.items():
        assert thread.posts[index].author == author
    assert sum(len(p.quotes) for p in thread.posts) == REAL_QUOTES[path.name]
    for post in thread.posts:
        assert post.body or post.quotes, post.post_id
        for quote in post.quotes:
            if len(quote.text) > 20:
                assert quote.text[:60] not in post.body, (post.post_id, quote.text[:60])
        if post.signature:
            assert post.signature[:40] not in post.body


def test_real_thread_fields() -> None:
    v3 = parse(real("nettally-fixtures/vBulletin3.html"))
    assert (v3.thread_id, v3.page, v3.page_count, v3.posts_declared) == ("128882", 152, 155, 3086)
    assert v3.title.endswith("Hibike! Euphonium [anime]") and v3.forum == "forums.animesuki.com"
    assert v3.posts[4].signature and "Chihayafuru" in v3.posts[4].signature
    assert v3.posts[0].quotes[0].author == "TinyRedLeaf"
    assert v3.posts[0].quotes[0].post_id == "5768621"
    v4 = parse(real("nettally-fixtures/vBulletin4.html"))
    assert (v4.thread_id, v4.page, v4.page_count, v4.posts_declared) == ("9687", 1, 2, 15)
    assert v4.title == "Legendary military columnist, author Bob Dorr dies at 76"
    assert v4.posts[1].signature == (
        "The most important six inches on the battlefield ... is between your ears.")
    v5 = parse(real("nettally-fixtures/vBulletin5.html"))
    assert (v5.thread_id, v5.title, v5.page_count) == (
        "727744", "Isekai Quartet Discussion Thread", 2)
    assert v5.posts[2].quotes[0].author == "Buckeye"
    sa = parse(real("awful-somethingawful-vb3/showthread.html"))
    assert (sa.thread_id, sa.page, sa.page_count, sa.forum) == (
        "3507451", 5, 151, "forums.somethingawful.com")
    assert sa.title == "Canadian Politics Thread: Revenge of Trudeaumania: Brawl Me, Maybe"
    assert (sa.posts[0].quotes[0].author, sa.posts[0].quotes[0].post_id) == (
        "MikeSevigny", "407732523")
    last = parse(real("awful-somethingawful-vb3/showthread-last.html"))
    assert (last.page, last.page_count) == (77, 77)
    one = parse(real("awful-somethingawful-vb3/showpost.html"))
    assert (one.thread_id, one.title) == ("3510131", "Awful iPhone/iPad app - error code -1002")


@pytest.mark.parametrize("header, iso", [
    ("Posted <b>Apr 5, 2020, 7:39 PM</b>", "2020-04-05T19:39:00"),  # a theme's own words
    ("16.03.2020 23:59", "2020-03-16T23:59:00"),  # a German board's day first
    ("06-15-2016, 03:03 PM", "2016-06-15T15:03:00"),  # vB's own format
    ("Today, 09:12 AM", None),  # the page does not say which day it was saved
])
def test_a_vb3_date_in_a_theme_s_words(header: str, iso: str | None) -> None:
    page = (b'<html><head><meta name="generator" content="vBulletin 3.8.1"></head><body>'
            b'<table id="post77"><tr><td class="thead">#<a id="postcount77" name="1">1</a> '
            + header.encode() + b'</td></tr><tr><td><div id="post_message_77">Just words.</div>'
            b"</td></tr></table></body></html>")
    (post,) = vb.parse(page, "themed.html")[0].posts
    assert post.posted_at == iso


def test_a_day_first_date_on_a_french_page() -> None:
    page = (b'<html lang="fr"><head><meta name="generator" content="vBulletin 4.2"></head><body>'
            b'<ol id="posts"><li class="postbitlegacy postcontainer" id="post_616780">'
            b'<span class="date">10/05/2006,&nbsp;<span class="time">13h16</span></span>'
            b'<div class="postcontent">Bienvenue aux nouveaux moderateurs.</div></li></ol>'
            b"</body></html>")
    (post,) = vb.parse(page, "fr.html")[0].posts
    assert post.posted_at == "2006-05-10T13:16:00"


def test_the_print_view_is_read_by_the_generic_extractor() -> None:
    # printthread.php: vBulletin's generator line, none of its thread markup. The quote's
    # "Originally Posted by <strong>alice_spoke</strong>" is no byline of the reply's.
    data = (FIXTURES / "printthread.html").read_bytes()
    fmt, [thread] = parse_with_format(data, "printthread.html")
    assert fmt == "generic-html"
    assert [(p.author, p.posted_at) for p in thread.posts] == [
        ("alice_spoke", "2009-03-03T09:00:00"), ("Bob Hub", "2009-03-03T10:15:00"),
        ("carol", "2009-03-04T08:00:00")]
    assert thread.posts[1].body == "Yes. Tighten the spoke opposite the rub a quarter turn at a time."
    assert [q.author for q in thread.posts[1].quotes] == ["alice_spoke"]
