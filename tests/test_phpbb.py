"""phpBB 2 subSilver, phpBB 3 prosilver and subsilver2: our hand-made fixtures, then real pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import scraper
from scraper import ParseError, detect, phpbb
from scraper.models import Thread
from tests.conftest import FIXTURES, shared

HERE = FIXTURES / "phpbb"


def _head(data: bytes) -> str:
    return data[:65536].decode("utf-8", errors="replace")


def _parse(path: Path) -> Thread:
    [thread] = phpbb.parse(path.read_bytes(), path.name)
    return thread


def _no_quote_in_body(thread: Thread) -> None:
    for post in thread.posts:
        for quote in post.quotes:
            if len(quote.text) > 20:
                assert quote.text[:60] not in post.body, (post.post_number, quote.text[:60])


# --- prosilver, phpBB 3.0 (Windows-1252 bytes under an ISO-8859-1 meta), page 2 of 2 ----------

@pytest.fixture(scope="module")
def pro30() -> Thread:
    return _parse(HERE / "prosilver30.html")


def test_prosilver30_thread(pro30: Thread) -> None:
    assert (pro30.thread_id, pro30.title) == ("321", "Tomatoes splitting after rain")
    assert pro30.forum == "forum.example.org"  # from the board's feed link
    assert pro30.url == "http://forum.example.org/viewtopic.php?t=321"
    assert (pro30.posts_declared, pro30.page, pro30.page_count) == (5, 2, 2)
    assert pro30.format == "phpbb-html"


def test_prosilver30_member_post(pro30: Thread) -> None:
    post = pro30.posts[0]
    assert (post.post_number, post.post_id) == (4, "104")  # start=3 on the title link
    assert (post.author, post.author_source) == ("Zoë", "page")
    assert (post.author_title, post.author_posts) == ("Green Thumb", 1234)
    assert post.author_joined == "Sat Mar 01, 2008 10:00 am"
    assert post.author_location == "Dijon, France"
    assert post.posted_at == "2009-07-14T21:05:00+01:00"  # "All times are UTC + 1 hour"
    assert post.url == "http://forum.example.org/viewtopic.php?p=104#p104"
    assert post.body == ("Uneven watering is the usual cause. Water deeply twice a week instead."
                         "\n\nMulch helps the soil stay evenly moist – it’s cheap too.\n"
                         "Straw works best.")
    assert post.signature == "Grow your own. :)"
    [quote] = post.quotes  # the nested uncited quote is not a second Quote
    assert (quote.author, quote.text) == ("Ann", "That advice is why mine split, the skins "
                                                 "can't keep up.")


def test_prosilver30_guest_post(pro30: Thread) -> None:
    post = pro30.posts[1]
    assert (post.post_number, post.post_id, post.author) == (5, "107", "GuestBob")
    assert post.author_title is None and post.author_posts is None
    assert post.body == "Thanks, trying that now."  # attachments left out
    assert [(q.author, q.text) for q in post.quotes] == [
        (None, "Water deeply twice a week instead.")]
    assert post.signature is None


# --- prosilver, phpBB 3.3: canonical link, <time>, quotes that name the quoted post ------------

@pytest.fixture(scope="module")
def pro33() -> Thread:
    return _parse(HERE / "prosilver33.html")


def test_prosilver33_thread(pro33: Thread) -> None:
    assert (pro33.thread_id, pro33.title, pro33.forum) == ("77", "Replacing a bike chain",
                                                           "bikes.example.com")
    assert pro33.url == "https://www.bikes.example.com/forum/viewtopic.php?t=77"
    assert (pro33.posts_declared, pro33.page, pro33.page_count) == (12, 2, 2)


def test_prosilver33_posts(pro33: Thread) -> None:
    first, guest = pro33.posts
    assert [p.post_number for p in pro33.posts] == [11, 12]
    assert (first.author, first.author_title, first.author_posts) == ("chainring",
                                                                      "Wrench Wizard", 2048)
    assert (first.author_joined, first.author_location) == ("Mon Feb 02, 2015 8:15 am", "Utrecht")
    assert first.posted_at == "2021-03-04T18:22:05+00:00"
    assert first.url == "https://www.bikes.example.com/forum/viewtopic.php?p=901#p901"
    assert first.body == ("Use a chain checker: at 0.5% stretch replace the chain, at 0.75% the "
                          "cassette too.\n\nstretch = (length - 304.8) / 304.8")
    [quote] = first.quotes
    assert (quote.author, quote.post_id) == ("spokey", "888")
    assert quote.text == "How do I know when the chain is worn out?"
    assert first.signature == "Ride more, fix less."
    assert (guest.author, guest.author_title) == ("Anonymous visitor", None)
    assert guest.body == "Does a KMC chain need a special tool?"  # edit notice left out
    assert guest.posted_at == "2021-03-05T07:01:00+00:00"


@pytest.mark.parametrize("head", ["писал(а):", "írta:", "kirjoitti:", "escreveu:", "yazdı:", "skrev:"])
def test_a_quote_head_in_the_board_s_language_names_the_quoted_member(head: str) -> None:
    # The language pack writes the head: a Russian board's "spokey писал(а):".
    data = (HERE / "prosilver33.html").read_bytes().replace(b"</a> wrote: <a",
                                                            f"</a> {head} <a".encode())
    [thread] = scraper.parse(data, "prosilver33.html")
    [quote] = thread.posts[0].quotes
    assert (quote.author, quote.text) == ("spokey", "How do I know when the chain is worn out?")


# --- subsilver2 (phpBB 3) ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def sub2() -> Thread:
    return _parse(HERE / "subsilver2.html")


def test_subsilver2(sub2: Thread) -> None:
    assert (sub2.thread_id, sub2.title, sub2.posts_declared) == ("4410", "Best antenna for 20m?", 3)
    assert (sub2.page, sub2.page_count, sub2.forum) == (1, 1, None)  # the site name is no host
    assert [p.post_number for p in sub2.posts] == [1, 2, 3]
    assert [p.post_id for p in sub2.posts] == ["5001", "5003", "5004"]
    assert [p.author for p in sub2.posts] == ["kd9xyz", "Old Sparky", "Visitor"]
    assert [p.author_title for p in sub2.posts] == ["Elmer", "Moderator", None]
    assert [p.author_posts for p in sub2.posts] == [17, 9876, None]
    # "Yesterday" against "It is currently Sat Jun 12, 2010"; UTC - 5 hours plus DST
    assert sub2.posts[0].posted_at == "2010-06-11T21:15:00-04:00"
    assert sub2.posts[0].url == "viewtopic.php?p=5001#p5001"  # session id dropped
    assert sub2.posts[0].signature == "73 de KD9XYZ"
    sparky = sub2.posts[1]
    assert sparky.body == ("A vertical with radials fits almost anywhere.\n\n"
                           "An end-fed half wave is the other easy choice.")
    assert [(q.author, q.text) for q in sparky.quotes] == [("kd9xyz", "I have a small yard.")]
    assert sparky.signature == "Sparky\nQRV daily"
    assert sub2.posts[2].body == "+1 for the end-fed." and sub2.posts[2].signature is None


# --- subSilver (phpBB 2), page 2 from start=15 -------------------------------------------------

@pytest.fixture(scope="module")
def sub() -> Thread:
    return _parse(HERE / "phpbb2_subsilver.html")


def test_phpbb2_thread(sub: Thread) -> None:
    assert (sub.thread_id, sub.title) == ("88", "Cloudy water after a week")
    assert (sub.page, sub.page_count, sub.posts_declared) == (2, 2, None)


def test_phpbb2_posts(sub: Thread) -> None:
    assert [p.post_number for p in sub.posts] == [16, 17, 18]
    assert [p.author for p in sub.posts] == ["reefer", "Guest", "tankgirl"]
    reefer = sub.posts[0]
    assert (reefer.author_title, reefer.author_posts) == ("Fish Whisperer", 1532)
    assert (reefer.author_joined, reefer.author_location) == ("04 Feb 2003", "Hobart")
    assert reefer.posted_at == "2003-06-02T18:23:00+10:00"
    assert reefer.url == "viewtopic.php?p=7001#7001"
    # "\n<br />\n" is one line break; the edit note and the signature are not body text
    assert reefer.body == ("That’s a bacterial bloom – it clears by itself.\n\n"
                           "Don’t add more chemicals.")
    assert reefer.signature == "Keep calm and cycle on"
    [quote] = reefer.quotes
    assert (quote.author, quote.text) == ("tankgirl", "My tank went milky on day six.")
    assert sub.posts[1].body == "Mine cleared after ten days Smile"
    assert sub.posts[1].author_joined is None
    last = sub.posts[2]
    assert (last.body, last.signature) == ("It did. Crystal clear now.", None)
    assert [(q.author, q.text) for q in last.quotes] == [(None, "it clears by itself")]


# --- a Wayback Machine capture: toolbar dropped, archived URLs turned back into the original ---

def test_wayback_capture() -> None:
    thread = _parse(HERE / "wayback_phpbb2.html")
    assert (thread.thread_id, thread.title, thread.forum) == ("562", "Sample spotting",
                                                              "music.example.net")
    assert thread.url == "http://www.music.example.net/phpBB2/viewtopic.php?t=562"
    assert [p.post_number for p in thread.posts] == [1, 2]
    assert [p.author for p in thread.posts] == ["fat ho", "digger"]
    assert thread.posts[0].url == "http://www.music.example.net/phpBB2/viewtopic.php?p=4230#4230"
    assert thread.posts[0].body == "Post the samples you have spotted here.\nOne per line please."
    assert thread.posts[0].signature == "never dropped science"
    assert not any("toolbar" in p.body or "donate" in p.body for p in thread.posts)


def test_sniff_fixtures() -> None:
    for name in ("prosilver30.html", "prosilver33.html", "subsilver2.html",
                 "phpbb2_subsilver.html", "wayback_phpbb2.html"):
        assert phpbb.sniff(_head((HERE / name).read_bytes()), name) == "phpbb-html", name


def test_not_a_topic_page() -> None:
    with pytest.raises(ParseError, match="no posts found"):
        phpbb.parse((HERE / "not_a_topic.html").read_bytes())


def test_truncated_page() -> None:
    data = (HERE / "prosilver30.html").read_bytes()
    with pytest.raises(ParseError):
        phpbb.parse(data[: data.index(b'<div id="p104"')])
    with pytest.raises(ParseError):
        phpbb.parse(b"")


# --- real pages ---------------------------------------------------------------------------------

def _real_files() -> list[Path]:
    shared("theavalanches-phpbb-wayback")
    wayback = sorted(shared("theavalanches-phpbb-wayback").glob("*/*/*.html"))
    return [shared("nettally-fixtures", "phpBB.html"), *wayback]


# Post containers counted straight from the markup: prosilver div.post#pN, subsilver2
# span.postauthor, phpBB 2 span.name holding the post's anchor.
_CONTAINERS = re.compile(rb'<div id="p\d+" class="post |<span class="postauthor"'
                         rb'|<span class="name"><a name="\d+"></a>')


def test_real_pages_sniff_as_phpbb_only() -> None:
    others = [sniff for sniff in detect.SNIFFERS if sniff is not phpbb.sniff]
    for path in _real_files():
        head = _head(path.read_bytes())
        assert phpbb.sniff(head, path.name) == "phpbb-html", path
        assert [s.__module__ for s in others if s(head, path.name)] == [], path
        assert detect.detect(path.read_bytes(), path.name) == "phpbb-html", path


def test_real_pages_posts_numbers_quotes() -> None:
    for path in _real_files():
        thread = _parse(path)
        assert len(thread.posts) == len(_CONTAINERS.findall(path.read_bytes())), path
        numbers = [p.post_number or 0 for p in thread.posts]
        assert numbers[0] >= 1, path
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), path
        assert all(p.post_id and p.post_id.isdigit() for p in thread.posts), path
        assert all(p.author and p.posted_at for p in thread.posts), path
        assert thread.thread_id.isdigit() and thread.forum, path
        _no_quote_in_body(thread)


def test_real_prosilver_page() -> None:
    thread = _parse(shared("nettally-fixtures", "phpBB.html"))
    assert (thread.thread_id, thread.title, thread.forum) == ("194998", "Biological Will",
                                                              "ilovephilosophy.com")
    assert (thread.posts_declared, thread.page, thread.page_count) == (247, 2, 10)
    assert [p.post_number for p in thread.posts] == list(range(26, 51))  # start=25
    by_number = {p.post_number: p for p in thread.posts}
    assert (by_number[26].author, by_number[26].post_id) == ("Jakob", "2729870")
    assert by_number[26].posted_at == "2019-05-26T16:34:00+01:00"
    assert by_number[26].signature == "For behold, all acts of love and pleasure are my rituals"
    assert by_number[40].author == "Artimas"
    assert by_number[45].author == "Silhouette"
    assert [q.author for q in by_number[45].quotes] == ["promethean75", "Silhouette"]
    assert by_number[45].body.startswith("In spite of your best (and laudible!) efforts")
    assert sum(len(p.quotes) for p in thread.posts) == 13


def test_real_phpbb2_page_one_of_three() -> None:
    [path] = shared("theavalanches-phpbb-wayback", "phpBB2", "t562").glob("*.html")
    thread = _parse(path)
    assert (thread.thread_id, thread.title) == ("562", "THE SAMPLE THREAD.")
    assert (thread.page, thread.page_count, thread.forum) == (1, 3, "theavalanches.com")
    assert [p.post_number for p in thread.posts] == list(range(1, 16))
    assert [p.author for p in thread.posts[:3]] == ["fat ho", "fat ho", "groovypanda"]
    assert thread.posts[0].posted_at == "2003-06-02T06:23:00"  # "EST (Australia)": no offset
    assert thread.posts[0].signature == ("never dropped science in your life, except in your "
                                         "freshman year")
    assert "_________________" not in thread.posts[0].body


def test_real_page_two_captured_in_2010_and_2020_merges() -> None:
    folder = shared("theavalanches-phpbb-wayback", "forum", "t1294_s20")
    old, new = (_parse(p) for p in sorted(folder.glob("*.html")))
    assert old.thread_id == new.thread_id == "1294"
    assert old.title == new.title == "2010 - any news?"
    assert old.posts[0].post_number == new.posts[0].post_number == 21
    # Both generations number the same posts the same, up to the posts deleted by 2020.
    same = [(p.post_number, p.post_id, p.author) for p in old.posts[:14]]
    assert same == [(p.post_number, p.post_id, p.author) for p in new.posts[:14]]
    assert (old.posts[5].author, old.posts[5].author_title) == ("theavalanchesdotcom", "Site Admin")
    assert [q.author for q in old.posts[5].quotes] == [q.author for q in new.posts[5].quotes]
    assert old.posts[5].quotes[0].text == new.posts[5].quotes[0].text


def test_real_same_topic_under_two_permalinks() -> None:
    folder = shared("theavalanches-phpbb-wayback", "forum")
    [a] = (folder / "p7553").glob("*.html")
    [b] = (folder / "p7650").glob("*.html")
    first, second = _parse(a), _parse(b)
    assert first.thread_id == second.thread_id == "1088"
    assert [p.post_number for p in first.posts] == [p.post_number for p in second.posts]
    assert [p.post_id for p in first.posts] == [p.post_id for p in second.posts]
    assert first.posts[0].post_number == 21
    assert "7553" in {p.post_id for p in first.posts} and "7650" in {p.post_id for p in first.posts}


def test_a_theme_s_byline_in_a_div() -> None:
    # The Raspberry Pi forum's "raspite" theme writes prosilver's byline as <div class="author">
    # ("by <strong><a>X</a></strong> » Wed Jan 02, 2013 7:14 pm"), and its logged-out view
    # leaves the profile's name empty: the byline is the only place the name is.
    page = (HERE / "prosilver30.html").read_bytes().decode("latin-1")
    plain = scraper.parse(page.encode("latin-1"), "viewtopic.php")[0]
    themed = re.sub(r'<p class="author">(.*?)</p>', r'<div class="author">\1</div>', page, flags=re.S)
    themed = re.sub(r'(<dl class="postprofile"[^>]*>\s*<dt[^>]*>).*?(</dt>)', r"\1\2", themed, flags=re.S)
    assert themed != page
    t = scraper.parse(themed.encode("latin-1"), "viewtopic.php")[0]
    assert [(p.author, p.posted_at) for p in t.posts] == [(p.author, p.posted_at) for p in plain.posts]
    assert all(p.author and p.posted_at for p in t.posts)


def test_a_theme_phpbb_cannot_read_is_still_named_as_its_topic() -> None:
    # A phpBB 2 theme with each post's words in a table of their own (a Freeman Cruiser owners'
    # board): the generic extractor reads the posts, and phpBB's chrome names the topic. The
    # generic <title> rule had named it by the board ("Canal Boaters :: View topic - …") and
    # keyed every topic of the board alike.
    t = scraper.parse((HERE / "phpbb2_cells_theme.html").read_bytes(), "viewtopic.php")[0]
    assert (t.thread_id, t.title) == ("612", "Stern gland leaking")
    assert t.url == "viewtopic.php?t=612"
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("tillerpin", "2008-04-12T09:14:00"), ("Mo Hutchins", "2008-04-12T13:40:00"),
        ("tillerpin", "2008-04-14T18:05:00")]
    assert t.posts[1].body.startswith("Repack it afloat")


def test_the_next_topic_link_names_the_topic_shown() -> None:
    # phpBB 2 and 3.0 link "View next topic" from the topic shown (a locked topic has no reply
    # link, a guest's view may have no title link).
    from scraper.phpbb_page import read_page

    chrome = '<a href="viewtopic.php?t=612&amp;view=next">View next topic</a>'
    assert read_page(chrome, None).topic_id == "612"
    assert read_page('<a href="viewtopic.php?t=612">Other topic</a>', None).topic_id is None
