"""XenForo 1 and 2 thread pages: our hand-made fixtures, then the real saved pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import scraper
from scraper import ParseError, detect, xenforo
from scraper.models import Thread
from tests.conftest import FIXTURES, SHARED_DATA, shared

HERE = FIXTURES / "xenforo"


def _head(data: bytes) -> str:
    return data[:65536].decode("utf-8", errors="replace")


def _parse(path: Path) -> Thread:
    [thread] = xenforo.parse(path.read_bytes(), path.name)
    return thread


@pytest.fixture(scope="module")
def xf1() -> Thread:
    return _parse(HERE / "xf1-page.html")


@pytest.fixture(scope="module")
def xf2() -> Thread:
    return _parse(HERE / "xf2-page.html")


# --- XenForo 1 fixture (Windows-1252 bytes under an ISO-8859-1 meta) -------------------------

def test_xf1_thread_fields(xf1: Thread) -> None:
    assert xf1.thread_id == "4711"
    assert xf1.title == "Tuning a Café Racer"  # prefix label "Help" left out
    assert xf1.forum == "forum.example.org"
    assert xf1.url == "https://forum.example.org/threads/tuning-a-cafe-racer.4711/page-52"
    assert (xf1.page, xf1.page_count) == (52, 60)
    assert xf1.posts_declared is None  # XenForo 1 pages do not say
    assert xf1.format == "xenforo-html"


def test_xf1_posts_numbers_and_authors(xf1: Thread) -> None:
    # The deleted-post placeholder (Dave) has no words and is left out.
    assert [p.post_number for p in xf1.posts] == [1021, 1022, 1023]
    assert [p.post_id for p in xf1.posts] == ["1001", "1002", "1003"]
    assert [p.author for p in xf1.posts] == ["Alice", "Bob", "Guest Gary"]
    assert {p.author_source for p in xf1.posts} == {"page"}
    assert [p.author_title for p in xf1.posts] == ["Senior Member", "Member", "Guest"]


def test_xf1_first_post(xf1: Thread) -> None:
    alice = xf1.posts[0]
    # Split on newlines: whether "<br>" + source newline makes one or two is html.py's call.
    assert re.split(r"\n+", alice.body) == [
        "Jetting first: the carbs were set for sea level.", "Then the float height.",
        "Café owners always skip the float height — don’t."]
    assert "Report" not in alice.body and "Reply" not in alice.body
    assert alice.signature == "Ride safe. Alice's garage log."
    assert "Ride safe" not in alice.body
    assert (alice.author_joined, alice.author_posts, alice.author_location) == (
        "Mar 3, 2011", 1529, "Lyon")
    assert alice.posted_at == "2015-01-05T15:04:00+00:00"  # abbr data-time, Unix seconds
    assert alice.url == "https://forum.example.org/posts/1001/"
    assert alice.score == 4  # "Bob, Carol and 2 others like this."
    assert alice.quotes == []


def test_xf1_quote_with_nested_quote(xf1: Thread) -> None:
    bob = xf1.posts[1]
    assert bob.body == "Agreed on the jetting, but what needle position did you settle on?"
    [quote] = bob.quotes  # the nested Carol quote is not a Quote of its own
    assert (quote.author, quote.post_id) == ("Alice", "1001")
    assert quote.text == "Jetting first: the carbs were set for sea level."
    assert "Carol" not in quote.text and "Click to expand" not in quote.text
    assert bob.posted_at == "2015-01-05T16:30:00"  # from the title: forum-local time
    assert bob.signature is None and bob.score is None


def test_xf1_guest_anonymous_quote_and_image(xf1: Thread) -> None:
    gary = xf1.posts[2]
    [quote] = gary.quotes
    assert (quote.author, quote.post_id) == (None, None)
    assert quote.text == "A quote with no name on it, pasted from the manual."
    assert "Here is my float bowl:" in gary.body and "Looks clean to me." in gary.body
    assert "IMG" not in gary.body and "pasted from the manual" not in gary.body
    assert "Last edited" not in gary.body
    # "Janvier 5, 2015" read as any page's date; the "Last edited" date above it is not it.
    assert gary.posted_at == "2015-01-05"


# --- XenForo 2 fixture ------------------------------------------------------------------------

def test_xf2_thread_fields(xf2: Thread) -> None:
    assert xf2.thread_id == "4242"
    assert xf2.title == "Best tyre pressure for gravel?"  # "Question" prefix left out
    assert xf2.forum == "riders.example.com"
    assert (xf2.page, xf2.page_count) == (2, 5)
    assert xf2.posts_declared == 88  # 87 replies + the first post, from schema.org


def test_xf2_posts(xf2: Thread) -> None:
    assert [p.post_number for p in xf2.posts] == [21, 22, 23]
    assert [p.author for p in xf2.posts] == ["Dana", "Eve", "Visitor Vic"]
    assert [p.author_title for p in xf2.posts] == ["Well-known member", "Member", "Guest"]
    dana = xf2.posts[0]
    assert re.split(r"\n+", dana.body) == [
        "I run 35 psi front and 38 rear on 40 mm tyres.", "Tubeless lets you go lower."]
    assert "Last edited" not in dana.body and "Like" not in dana.body
    assert dana.signature == "Dana — 12,000 km of gravel and counting"
    assert (dana.author_joined, dana.author_posts, dana.author_location) == (
        "Nov 4, 2010", 3301, "Leeds")
    assert dana.posted_at == "2019-05-02T08:15:00+01:00"
    assert dana.score == 4  # "Eve and 3 others"
    assert dana.url == ("https://riders.example.com/community/threads/"
                        "best-tyre-pressure-for-gravel.4242/post-5001")


def test_xf2_quotes(xf2: Thread) -> None:
    eve, vic = xf2.posts[1], xf2.posts[2]
    [quote] = eve.quotes
    assert (quote.author, quote.post_id) == ("Dana", "5001")
    assert quote.text == "I run 35 psi front and 38 rear on 40 mm tyres."
    assert "Frank" not in quote.text and "Click to expand" not in quote.text
    assert eve.body == ("That seems high for 40 mm. I drop to 30 on washboard roads."
                        "\n\nfront=30 rear=32")
    # XenForo 2.0 quote: no data attributes, name and post in the "X said:" jump link.
    [quote] = vic.quotes
    assert (quote.author, quote.post_id, quote.text) == ("Eve", "5002",
                                                         "That seems high for 40 mm.")
    assert vic.body == "Thirty is what the shop told me too."


# --- sniffing and unusable input ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["xf1-page.html", "xf2-page.html"])
def test_sniff_fixture(name: str) -> None:
    data = (HERE / name).read_bytes()
    assert xenforo.sniff(_head(data), name) == "xenforo-html"
    assert detect.detect(data, name) == "xenforo-html"


def test_sniff_rejects_other_html() -> None:
    page = "<html><head><title>Hi</title></head><body><li class='message'>x</li></body></html>"
    assert xenforo.sniff(page, "page.html") is None


def test_page_without_posts_is_a_parse_error() -> None:
    data = (HERE / "xf2-page.html").read_bytes()
    cut = data[: data.index(b"<article class=\"message")]
    with pytest.raises(ParseError, match="no posts found"):
        xenforo.parse(cut)


def test_class_named_twice_is_read_once() -> None:
    # BeautifulSoup's class index listed such an element twice, and the post or quote with it.
    data = (HERE / "xf1-page.html").read_bytes()
    data = data.replace(b'<li id="post-1002" class="message "', b'<li id="post-1002" class="message message"')
    data = data.replace(b'class="bbCodeBlock bbCodeQuote" data-author="Alice"',
                        b'class="bbCodeBlock bbCodeQuote bbCodeQuote" data-author="Alice"')
    [thread] = xenforo.parse(data)
    assert [p.post_id for p in thread.posts] == ["1001", "1002", "1003"]
    assert [q.author for q in thread.posts[1].quotes] == ["Alice"]


def test_truncated_page_keeps_whole_posts() -> None:
    data = (HERE / "xf1-page.html").read_bytes()
    cut = data[: data.index(b'<li id="post-1003"') + 200]
    [thread] = xenforo.parse(cut)
    assert [p.author for p in thread.posts][:2] == ["Alice", "Bob"]


# --- the real saved pages ------------------------------------------------------------------------

# file -> (posts on the page, number of the first, quote blocks, authors checked by reading it)
REAL: dict[str, tuple[int, int, int, dict[int, str]]] = {
    "Xenforo1.html": (25, 1326, 20, {
        1326: "TheBleachDoctor", 1327: "Crow", 1329: "Higure", 1340: "Entropy Judge",
        1348: "Hyp3rB14d3", 1350: "Entropy Judge"}),
    "Xenforo2.html": (8, 1, 0, {
        1: "dieketzer", 2: "krstep", 5: "T3G Silas", 7: "AndyB", 8: "sub_ubi"}),
}
POST_CONTAINER = re.compile(
    rb'<li id="post-\d+" class="message|<article class="message message--post')


def _real(name: str) -> Path:
    return shared("nettally-fixtures", name)


def _other_sniffers() -> list[detect.Sniffer]:
    return [sniff for sniff in detect.SNIFFERS if sniff is not xenforo.sniff]


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_page_sniffed_as_xenforo_only(name: str) -> None:
    data = _real(name).read_bytes()
    assert xenforo.sniff(_head(data), name) == "xenforo-html"
    claims = [sniff(_head(data), name) for sniff in _other_sniffers()]
    assert not any(claims), claims
    assert detect.detect(data, name) == "xenforo-html"


def test_other_real_pages_not_sniffed_as_xenforo() -> None:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data absent")
    pages = [p for p in SHARED_DATA.rglob("*.htm*") if p.name not in REAL]
    assert pages
    for page in pages[:60]:
        assert xenforo.sniff(_head(page.read_bytes()), page.name) is None, page


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_page_posts(name: str) -> None:
    data = _real(name).read_bytes()
    count, first, quotes, authors = REAL[name]
    [thread] = xenforo.parse(data, name)
    assert len(thread.posts) == len(POST_CONTAINER.findall(data)) == count
    assert [p.post_number for p in thread.posts] == list(range(first, first + count))
    by_number = {p.post_number: p for p in thread.posts}
    for number, author in authors.items():
        assert by_number[number].author == author
    assert sum(len(p.quotes) for p in thread.posts) == quotes
    assert all(p.body for p in thread.posts)
    assert all(p.post_id and p.url and p.posted_at for p in thread.posts)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_page_no_quoted_text_in_bodies(name: str) -> None:
    [thread] = xenforo.parse(_real(name).read_bytes(), name)
    for post in thread.posts:
        for quote in post.quotes:
            if len(quote.text) > 20:
                assert quote.text[:60] not in post.body, (post.post_number, quote.text[:60])
        assert "Click to expand" not in post.body and " said:" not in post.body
        if post.signature:
            assert post.signature[:40] not in post.body


def test_real_xenforo1_details() -> None:
    [thread] = xenforo.parse(_real("Xenforo1.html").read_bytes())
    assert (thread.thread_id, thread.title) == ("10402", "Renascence: A Homura Quest")
    assert (thread.page, thread.page_count, thread.forum) == (
        54, 347, "forums.sufficientvelocity.com")
    crow = thread.posts[1]
    assert [(q.author, q.post_id) for q in crow.quotes] == [
        ("Higure", "2146285"), ("TheBleachDoctor", "2146286")]
    assert crow.quotes[1].text == "Rolling."
    assert crow.body.startswith("OOC behavior? which part?")
    assert crow.signature and crow.signature.startswith("Quests: Verdant Dreams")
    assert crow.posted_at == "2014-10-30T22:49:00"
    assert thread.posts[0].author_location == "The Plane of Infinite Kittens"
    assert thread.posts[0].author_title == "Secretly a Cat"
    assert "IMG" not in thread.posts[7].body  # #1333: image alt "[IMG]" is not words


def test_real_xenforo2_details() -> None:
    [thread] = xenforo.parse(_real("Xenforo2.html").read_bytes())
    assert (thread.thread_id, thread.title, thread.posts_declared) == (
        "8276", "a dark theme option", 8)
    assert thread.forum == "xenforo.com"
    first = thread.posts[0]
    assert first.posted_at == "2010-11-21T10:51:58+00:00"
    assert first.author_title == "Well-known member"
    assert first.score == 15  # "Niro, Dadparvar, siONtI and 12 others"
    assert first.body.startswith("it would be great if by default a dark theme shipped")


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_page_through_the_whole_pipeline(name: str) -> None:
    data = _real(name).read_bytes()
    [thread] = scraper.parse(data, name)
    assert thread.format == "xenforo-html"
    assert len(thread.posts) == REAL[name][0]


_XF1_THEMED = """<html lang="{lang}" id="XenForo"><body><ol class="messageList" id="messageList">
<li id="post-7" class="message"><div class="messageUserInfo"><h3 class="userText">
<a href="members/kataster.5/" class="username">Kataster</a>{beside}</h3>
<div class="extraUserInfo"><dl><dt>Registriert seit:</dt><dd>01.02.2009</dd></dl></div></div>
<div class="messageInfo primaryContent">{above}<div class="messageContent"><article>
<blockquote class="messageText ugc baseHtml">Die Kasse muss das erstatten.</blockquote></article></div>
<div class="messageMeta">{meta}</div></div></li></ol></body></html>"""


@pytest.mark.parametrize("lang, beside, above, meta, iso", [
    # the DateTime moved out of the meta line into a bar above the words (GTPlanet)
    ("en", "", '<div class="gtp_abovePost"><span class="DateTime" title="May 15, 2018 at 1:20 PM">'
     "May 15, 2018</span></div>", "", "2018-05-15T13:20:00"),
    # a German board's own wording in the DateTime's title
    ("de-DE", "", "", '<span class="DateTime" title="17. April 2020 um 20:56 Uhr">17. April 2020'
     "</span>", "2020-04-17T20:56:00"),
    # no DateTime at all: the date as plain text under the name, not the registration date
    ("de-DE", "<small><span>03.04.2020, 12:31</span></small>", "", "", "2020-04-03T12:31:00"),
])
def test_xf1_post_dates_where_themes_put_them(lang: str, beside: str, above: str, meta: str,
                                              iso: str) -> None:
    page = _XF1_THEMED.format(lang=lang, beside=beside, above=above, meta=meta).encode()
    [post] = xenforo.parse(page, "themed.html")[0].posts
    assert post.posted_at == iso


def test_a_sponsor_pane_dressed_as_a_post_is_no_post() -> None:
    # RaGEZONE puts an advert after the first post: an article of XenForo's post classes
    # holding one linked image, without the author, number and id every post carries.
    data = (HERE / "xf2-page.html").read_bytes()
    ad = (b'<header class="message-attribution">Sponsor</header>'
          b'<article class="message message--post"><div class="message-inner">'
          b'<div class="message-cell message-cell--main"><div class="bbWrapper">'
          b'<div class="samItem"><a href="https://ads.example.org/"><img alt="The Best DDoS '
          b'Protected Servers" src="ad.png"></a></div></div></div></div></article>')
    second = data.index(b'<article class="message message--post js-post js-inlineModContainer" '
                        b'data-author="Eve"')
    [with_ad] = scraper.parse(data[:second] + ad + data[second:], "xf2-page.html")
    [plain] = scraper.parse(data, "xf2-page.html")
    assert [(p.author, p.post_number, p.body) for p in with_ad.posts] == [
        (p.author, p.post_number, p.body) for p in plain.posts]


def test_mail_style_quotes_of_imported_posts_split_whole() -> None:
    """Posts a forum imported from a newsgroup keep its "> " lines (keskustelu.kauppalehti.fi's
    XenForo): each quote is one quote of the post it quotes, rewrapped lines and all, and no
    bare ">" is left in the member's words."""
    [thread] = scraper.parse((HERE / "xf2-mail-quotes.html").read_bytes(), "xf2-mail-quotes.html")
    first, reply, thanks = thread.posts
    assert first.quotes == []
    assert reply.body == ("Switch to unbleached flour for a week and keep it stiffer, about 60% "
                          "water.\n\nChlorinated tap water slows it down too.")
    [quote] = reply.quotes
    assert (quote.author, quote.post_number) == ("Ola", 1)
    assert quote.text.startswith("My rye starter rose well") and quote.text.endswith("change first?")
    assert thanks.body == "That was it: filtered water brought it back in three days."
    assert [(q.author, q.post_number, q.text) for q in thanks.quotes] == [
        ("Pekka", 2, "Chlorinated tap water slows it down too.")]
