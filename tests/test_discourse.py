"""Discourse: crawler HTML, /t/{id}.json, /raw text and markdown dumps.

Hand-made fixtures first (exact values), then every real file in ../shared/data.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

import scraper
from scraper import ParseError, discourse
from scraper.detect import detect
from scraper.models import Thread

FIXTURES = Path(__file__).parent / "fixtures" / "discourse"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
URHO = DATA / "urho3d-discourse"
ESK8 = DATA / "esk8-builders-discourse-md" / "view"
CRAWLER = DATA / "discourse-crawler-html"

# Posts whose author repeats words of the passage they quote (checked by reading the dumps):
# the quote was cut out, the same words are the member's own.
REPEATED_WORDS = {
    ("3107_psychotiller-mount-loose.md", 39), ("51118_venom-torque-block.md", 27),
    ("72649_shorted-motor-windings-repair.md", 15), ("asset-importer-fails.6067.md", 6),
    ("crowdagent-must-set-the-movement-through-rigidbody.2414.md", 5),
    ("script-dockerized-error-on-linux-mint.6935.md", 3), ("object-within-radius.3252.md", 12),
    ("cross-compiling-errors-help.1458.md", 1), ("litsolid-ao-missing-vertex-element.4810.md", 9),
}
# Markdown dumps that list posts out of order, as the dump file does (posts merged in later).
OUT_OF_ORDER = {"1589_how-to-discharge-in-series-and-charge-in-parallel-solved.md",
                "674_how-to-make-motor-mounting-bracket-for-dr-tongue-truck.md",
                "6855_torque-calculations.md"}
RAW_HEADER = re.compile(r"^\S+ \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \| #(\d+)$", re.M)
MD_HEADER = re.compile(r"^## \\#(\d+) Posted by: (\S+) Posted at", re.M)


def fixture(name: str) -> Thread:
    data = (FIXTURES / name).read_bytes()
    assert discourse.sniff(data[:65536].decode("utf-8", "replace"), name) is not None
    [thread] = discourse.parse(data, name)
    return thread


def need(path: Path) -> None:
    if not path.exists():
        pytest.skip("../shared/data absent")


def head(data: bytes) -> str:
    return data[:65536].decode("utf-8", "replace")


def other_sniffers() -> list[Callable[[str, str], str | None]]:
    """Every other format module's sniff(), so that no two modules claim one file (the generic
    extractor, asked after all of them, claims any HTML page by design)."""
    found = []
    for info in pkgutil.iter_modules(scraper.__path__):
        if info.name.startswith("discourse") or info.name == "generic":
            continue
        try:
            module = importlib.import_module(f"scraper.{info.name}")
        except Exception:  # a sibling module still being written must not fail this test
            continue
        if callable(getattr(module, "sniff", None)):
            found.append(module.sniff)
    return found


def assert_clean(thread: Thread, file_name: str) -> None:
    """No quote markup or quoted words left in a body; numbers unique and (mostly) rising."""
    numbers = [p.post_number or 0 for p in thread.posts]
    assert len(set(numbers)) == len(numbers), file_name
    if file_name not in OUT_OF_ORDER:
        assert numbers == sorted(numbers), file_name
    for post in thread.posts:
        assert "[/quote]" not in post.body.lower(), (file_name, post.post_number)
        for quote in post.quotes:
            assert quote.text
            if len(quote.text) > 20 and (file_name, post.post_number) not in REPEATED_WORDS:
                assert quote.text[:60] not in post.body, (file_name, post.post_number)


# --- hand-made fixtures ----------------------------------------------------------------------

def test_crawler_page_with_http_headers_preloaded_json_and_nav_block() -> None:
    t = fixture("crawler_topic.html")
    assert (t.thread_id, t.title, t.forum) == ("777", "Winter tyres on a cargo bike?",
                                               "forum.pedal.example")
    assert t.page == 1 and t.posts_declared == 23  # posts_count from data-preloaded
    assert [p.post_number for p in t.posts] == [1, 2, 3]  # the "next page" block is no post
    assert [p.author for p in t.posts] == ["frost_rider", "wheelwright", "system"]
    assert [p.post_id for p in t.posts] == ["9001", "9004", "9010"]
    assert [p.reply_to for p in t.posts] == [None, 1, 2]
    assert [p.accepted for p in t.posts] == [False, True, False]
    first, second, third = t.posts
    assert first.posted_at == "2023-01-09T07:15:00Z" and first.score == 4
    assert first.body.startswith("Do studded tyres make sense on a long-tail cargo bike?")
    assert "1200×800" not in first.body and "ice.jpg" not in first.body  # lightbox caption
    assert first.url == "https://forum.pedal.example/t/winter-tyres-on-a-cargo-bike/777/1"
    assert second.author_title == "Mechanic"
    assert second.body == ("Yes. Run 120 studs at the back & 240 up front, and drop the pressure"
                           " to 2.5 bar.\n\nThe Winter Tyre Guide\n\nStuds wear fast on dry"
                           " tarmac, though.")  # onebox reduced to its title
    [q] = second.quotes
    assert (q.author, q.post_number, q.text) == ("frost_rider", 1,
                                                 "The hills here ice over every morning.")
    [q] = third.quotes  # nested quote: only the outer one, without the inner text
    assert (q.author, q.post_number, q.text) == ("wheelwright", 2, "Run 120 studs at the back")
    assert third.body == "Thanks, ordered a pair of 120-stud tyres."


def test_old_crawler_markup_and_latin1_page() -> None:
    t = fixture("crawler_old.html")
    assert (t.thread_id, t.title, t.forum) == ("58", "Lathe chatter on long shafts",
                                               "shoptalk.example")
    assert t.posts_declared is None
    one, two = t.posts
    assert (one.post_number, one.author, one.score) == (1, "swarf", 2)
    assert one.posted_at == "2016-02-11T14:03:22Z"
    assert "Café owner's lathe" in one.body
    assert (two.post_number, two.author, two.score) == (2, "tailstock", 0)
    [q] = two.quotes  # no data-username: the author is named in the quote title
    assert (q.author, q.post_number, q.text) == ("swarf", 1, "gives chatter past the middle")
    assert two.body == "Use a steady rest, or support it with the tailstock centre."


def test_topic_json() -> None:
    t = fixture("topic.4321.json")
    assert (t.thread_id, t.title, t.posts_declared) == ("4321", "Celadon glaze crawling & pinholes",
                                                        6)
    assert t.forum == "forum.kiln.example"  # from /user_avatar/{host}/ avatar paths
    assert t.url == "https://forum.kiln.example/t/celadon-glaze-crawling-pinholes/4321"
    assert [p.post_number for p in t.posts] == [1, 2, 3, 4, 5]
    assert [p.author for p in t.posts] == ["glazemaker", "potter_joe", "old_hand", "archivist",
                                           "glazemaker"]
    assert [p.accepted for p in t.posts] == [False, True, False, False, False]
    assert [p.score for p in t.posts] == [0, 7, 1, None, 0]
    one, two, three, four, five = t.posts
    assert one.posted_at == "2021-03-02T10:00:00Z" and one.post_id == "501"
    assert one.body == ("My celadon glaze crawls off the rim after the second firing.\n\n"
                        "Bisque at cone 04, glaze at cone 6.")
    assert (two.reply_to, two.author_title) == (1, "Kiln Wizard")
    assert two.body == "Wipe the bisque with a damp sponge first: dust makes glaze crawl."
    assert [(q.author, q.post_number, q.text) for q in two.quotes] == [
        ("glazemaker", 1, "crawls off the rim after the second firing")]
    # A quote naming its author in the title, then a preview of another topic's post.
    assert [(q.author, q.post_number, q.text) for q in three.quotes] == [
        ("potter_joe", 2, "dust makes glaze crawl"),
        (None, None, "Crawling is mostly about surface tension and dirty bisque.")]
    assert three.body == "Also apply the glaze thinner.\n\nkiln/glazes/celadon.md"
    # An imported post whose BBCode quote was never cooked.
    assert [(q.author, q.text) for q in four.quotes] == [
        ("glazemaker", "Bisque at cone 04, glaze at cone 6.")]
    assert four.body == "Imported reply: try cone 5 with a slow cool."
    assert five.body == "" and five.quotes == []  # "closed the topic" small action


def test_raw_dump() -> None:
    t = fixture("sourdough-starter-smells-like-acetone.2718.md")
    assert (t.thread_id, t.title) == ("2718", "sourdough starter smells like acetone")
    assert t.posts_declared is None and t.forum is None
    assert [p.post_number for p in t.posts] == [1, 2, 3, 4, 5]
    assert [p.author for p in t.posts] == ["baker_kim", "crumbshot", "baker_kim", "levain_lou",
                                           "baker_kim"]
    one, two, three, four, five = t.posts
    assert one.posted_at == "2019-05-01T06:30:00Z"
    assert one.body == ("My starter smells like nail polish remover after 12 hours.\n"
                        "Fed 1:1:1 with rye, kitchen at 26 °C.\n\nstarter")
    assert two.body == ("That is acetone from a *hungry* starter. Feed it 1:5:5 and see the"
                        " feeding guide.")
    assert [(q.author, q.post_number) for q in two.quotes] == [("baker_kim", 1)]
    assert two.quotes[0].text == "My starter smells like nail polish remover after 12 hours."
    [q] = three.quotes  # nested: outer only, inner text left out
    assert (q.author, q.post_number, q.text) == ("crumbshot", 2,
                                                 "That is acetone from a hungry starter.")
    assert three.body == "Switched to 1:5:5, the smell is gone by the evening feed."
    assert [(q.author, q.post_number, q.text) for q in four.quotes] == [
        ("crumbshot", None, "Rye ferments twice as fast as white flour."),  # another topic
        (None, None, "Fed 1:1:1 with rye"), ("crumbshot", None, "Feed it 1:5:5")]
    assert four.body == ("Agreed with all of the above.\n\nUnrelated tip:\n"
                         + "-" * 25 + "\nSeparator-looking line above is part of my post.")
    assert five.quotes == []  # unclosed [quote]: Discourse shows it as text
    assert five.body == "I never closed this quote tag, Discourse shows it as text."


def test_raw_dump_in_windows_1252() -> None:
    [post] = fixture("cafe-bakes.31.md").posts
    assert post.author == "café_owner"
    assert post.body == "We bake at the café every morning – 120 loaves."


def test_markdown_dump() -> None:
    t = fixture("4242_motor-mount-flex-solved.md")
    assert t.thread_id == "4242"
    assert t.title == "Motor mount flex at full throttle [SOLVED] – dual 6374"
    assert t.posts_declared == 5  # Replies: 4
    assert [p.post_number for p in t.posts] == [1, 2, 4]
    assert [p.author for p in t.posts] == ["deckbuilder", "truckguy", "deckbuilder"]
    one, two, four = t.posts
    assert one.posted_at == "2018-07-04T12:00:00Z"
    assert one.body == ("My motor mount flexes when I hit full throttle & the belt skips.\n\n"
                        "What I tried\n\n- tightened the clamp bolts")
    assert two.body == ("Add a second clamp. Code I used for the tension calc:\n\n"
                        "tension = torque / radius\n\nIt’s cheap.")
    assert [(q.author, q.post_number, q.text) for q in two.quotes] == [
        ("deckbuilder", 1, "My motor mount flexes when I hit full throttle")]
    assert [(q.author, q.post_number) for q in four.quotes] == [("truckguy", 2)]
    assert four.body == "Second clamp fixed it, thanks!"


def test_markdown_dump_without_id_in_name_uses_title_slug() -> None:
    data = (FIXTURES / "4242_motor-mount-flex-solved.md").read_bytes()
    [t] = discourse.parse(data, "")
    assert t.thread_id == "motor-mount-flex-at-full-throttle-solved-dual-6374"


def test_sniff_says_which_form_and_rejects_others() -> None:
    forms = {"crawler_topic.html": "discourse-html", "crawler_old.html": "discourse-html",
             "topic.4321.json": "discourse-json", "cafe-bakes.31.md": "discourse-raw",
             "sourdough-starter-smells-like-acetone.2718.md": "discourse-raw",
             "4242_motor-mount-flex-solved.md": "discourse-md", "README.md": None}
    for name, form in forms.items():
        assert discourse.sniff(head((FIXTURES / name).read_bytes()), name) == form, name
    assert discourse.sniff('{"posts": []}', "x.json") is None
    assert discourse.sniff("<html><body><div class='post'>hi</div></body></html>", "") is None


@pytest.mark.parametrize("data, form", [
    (b"<html><head><meta name=\"generator\" content=\"Discourse 3\"></head><body><p>Latest",
     "discourse-html"),
    (b'{"post_stream": {"posts": [', "discourse-json"),
    (b'{"post_stream": {"posts": []}, "id": 5}', "discourse-json"),
    (b"[1, 2]", "discourse-json"),
    (b"# Title only\n\n### Replies: 0 Views: 1\n", "discourse-md"),
    (b"just some words", "discourse-raw"),
])
def test_unusable_input_raises_parse_error(data: bytes, form: str) -> None:
    with pytest.raises(ParseError):
        discourse.parse(data, "", form)


# --- real files ------------------------------------------------------------------------------

def test_real_crawler_pages() -> None:
    need(CRAWLER)
    for name in ("discourse_topic.response", "discourse_topic_reply.response"):
        data = (CRAWLER / name).read_bytes()
        assert discourse.sniff(head(data), name) == "discourse-html"
        assert all(sniff(head(data), name) is None for sniff in other_sniffers())
        [t] = discourse.parse(data, name)
        assert (t.thread_id, t.forum) == ("12483", "meta.discourse.org")
        assert t.title == "Congratulations, most stars in 2013 GitHub Octoverse!"
        assert len(t.posts) == data.count(b"itemprop='articleBody'") == 2
        assert [p.post_number for p in t.posts] == [1, 2]
        assert [p.author for p in t.posts] == ["techAPJ", "codinghorror"]
        assert [p.posted_at for p in t.posts] == ["2014-02-06T04:55:19Z", "2014-02-06T05:27:06Z"]
        assert [p.score for p in t.posts] == [8, 1]
        assert t.posts[0].body.startswith("Congratulations Discourse for qualifying Repositories")
        assert "217 KB" not in t.posts[0].body
        assert t.posts[1].body.startswith("Ah, cool. I was not sure how to see that")
    # Only the second page's preloaded JSON is intact (the first has mangled escapes).
    [t] = discourse.parse((CRAWLER / "discourse_topic_reply.response").read_bytes())
    assert t.posts_declared == 2
    assert [p.post_id for p in t.posts] == ["39739", "39741"]


def test_real_topic_json() -> None:
    need(URHO)
    files = sorted((URHO / "posts" / "json").glob("*.json"))
    assert len(files) == 670
    sniffers = other_sniffers()
    total = quotes = 0
    for path in files:
        data = path.read_bytes()
        assert discourse.sniff(head(data), path.name) == "discourse-json", path.name
        assert all(sniff(head(data), path.name) is None for sniff in sniffers), path.name
        [t] = discourse.parse(data, path.name)
        topic = json.loads(data)
        raw = topic["post_stream"]["posts"]
        assert t.thread_id == path.name.rsplit(".", 2)[1] == str(topic["id"])
        assert [p.post_number for p in t.posts] == [p["post_number"] for p in raw]
        assert [p.author for p in t.posts] == [p["username"] for p in raw]
        # The topic names one accepted answer; a few topics also flag an older one.
        accepted = topic["accepted_answer"]["post_number"]
        assert [p.accepted for p in t.posts] == [
            bool(p["accepted_answer"]) or p["post_number"] == accepted for p in raw], path.name
        assert t.posts_declared == topic["posts_count"]
        assert_clean(t, path.name)
        total += len(t.posts)
        quotes += sum(len(p.quotes) for p in t.posts)
    assert total == 4809 and quotes > 500
    [t] = discourse.parse((URHO / "posts/json/1-byte-per-pixel-8bpp-texture-support-e-g-luminance"
                                  ".6454.json").read_bytes())
    post = {p.post_number: p for p in t.posts}
    assert post[7].author == "Eugene" and post[7].accepted and post[7].reply_to == 5
    assert [(q.author, q.post_number, q.text) for q in post[5].quotes] == [
        ("SirNate0", 4, "GetLuminanceFormat")]
    assert "GetLuminanceFormat" not in post[5].body
    assert t.forum == "discourse.urho3d.io"


def test_real_raw_dumps_agree_with_json() -> None:
    need(URHO)
    files = sorted((URHO / "posts" / "raw").glob("*.md"))
    assert len(files) == 670
    for path in files:
        data = path.read_bytes()
        assert discourse.sniff(head(data), path.name) == "discourse-raw", path.name
        [t] = discourse.parse(data, path.name)
        numbers = [int(n) for n in RAW_HEADER.findall(data.decode("utf-8"))]
        assert [p.post_number for p in t.posts] == numbers, path.name
        assert_clean(t, path.name)
        # The same topic as JSON: same id, posts and authors.
        topic = json.loads((URHO / "posts" / "json" / (path.name[:-3] + ".json")).read_bytes())
        assert t.thread_id == str(topic["id"])
        assert [p.author for p in t.posts] == [p["username"] for p in topic["post_stream"]["posts"]]
    [t] = discourse.parse((URHO / "posts/raw/1-byte-per-pixel-8bpp-texture-support-e-g-luminance"
                                  ".6454.md").read_bytes(),
                          "1-byte-per-pixel-8bpp-texture-support-e-g-luminance.6454.md")
    assert t.title == "1 byte per pixel 8bpp texture support e g luminance"
    assert t.posts[1].posted_at == "2020-10-22T07:55:12Z"
    assert t.posts[4].quotes[0].author == "SirNate0" and t.posts[4].quotes[0].post_number == 4


def test_real_raw_tarball_sample() -> None:
    need(URHO)
    seen = posts = 0
    with tarfile.open(URHO / "posts_raw_all_5046_topics.tar.gz") as tar:
        for i, member in enumerate(m for m in tar if m.isfile()):
            if i % 10:
                continue
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            name = Path(member.name).name
            assert discourse.sniff(head(data), name) == "discourse-raw", name
            [t] = discourse.parse(data, name)
            assert t.thread_id == name.rsplit(".", 2)[1]
            headers = RAW_HEADER.findall(data.decode("utf-8"))
            assert [p.post_number for p in t.posts] == [int(n) for n in headers], name
            assert all(p.author and p.posted_at for p in t.posts)
            assert_clean(t, name)
            seen, posts = seen + 1, posts + len(t.posts)
    assert seen == 505 and posts > 3000


def test_real_markdown_dumps() -> None:
    need(ESK8)
    files = sorted(ESK8.rglob("*.md"))
    sniffers = other_sniffers()
    topics = posts = 0
    for path in files:
        data = path.read_bytes()
        form = discourse.sniff(head(data), path.name)
        if path.name == "README.md":
            assert form is None, path
            continue
        assert form == "discourse-md", path
        assert all(sniff(head(data), path.name) is None for sniff in sniffers), path.name
        [t] = discourse.parse(data, path.name)
        text = data.decode("utf-8")
        headers = MD_HEADER.findall(text)
        assert [(p.post_number, p.author) for p in t.posts] == [
            (int(n), a) for n, a in headers], path.name
        assert t.thread_id == path.name.split("_", 1)[0]
        replies = re.search(r"^### Replies: (\d+)", text, re.M)
        assert replies and t.posts_declared == int(replies.group(1)) + 1
        assert "\\[" not in t.title and "&rsquo;" not in t.title
        assert_clean(t, path.name)
        topics, posts = topics + 1, posts + len(t.posts)
    assert (topics, posts) == (1657, 37439)


def test_real_markdown_title_and_quote() -> None:
    need(ESK8)
    [path] = ESK8.rglob("1849_possible-to-charge-lipos-connected-in-parallel-solved.md")
    [t] = discourse.parse(path.read_bytes(), path.name)
    assert t.title == "Possible to charge LiPos connected in parallel? [solved]"
    assert [(p.post_number, p.author) for p in t.posts] == [(1, "DeathCookies"), (2, "lowGuido")]
    assert t.posts[0].posted_at == "2016-03-17T08:47:02Z"


def test_other_engines_files_are_not_discourse() -> None:
    need(DATA)
    checked = 0
    for path in sorted(DATA.rglob("*")):
        top = path.relative_to(DATA).parts[0]
        if not path.is_file() or "discourse" in top:
            continue
        with path.open("rb") as fh:
            assert discourse.sniff(head(fh.read(65536)), path.name) is None, path
        checked += 1
    assert checked > 20


def test_a_topic_saved_from_the_browser_is_read_by_the_generic_extractor() -> None:
    # Discourse's generator line claims the page, but it is the page its scripts built, not
    # the crawler view: the Discourse parser finds no posts, the generic extractor does (the
    # dates in the titles of the date-classed spans that show "Oct '23").
    data = (FIXTURES / "browser-saved-topic.html").read_bytes()
    assert detect(data, "t.html") == "discourse-html"
    with pytest.raises(ParseError):
        discourse.parse(data, "t.html", "discourse-html")
    fmt, [thread] = scraper.parse_with_format(data, "t.html")
    assert fmt == "generic-html" and thread.title == "Truing a wheel without a stand"
    assert [(p.author, p.posted_at) for p in thread.posts] == [
        ("spoke_newbie", "2023-10-25T14:03:00"), ("alice", "2023-10-25T14:20:00"),
        ("carol", "2023-10-26T08:11:00")]


def test_an_engine_page_neither_reads_keeps_the_engine_s_reason() -> None:
    page = b'<html><head><meta name="generator" content="Discourse 3.1"></head><body></body></html>'
    with pytest.raises(ParseError, match="not a Discourse topic page"):
        scraper.parse(page, "t.html")


def test_an_engine_page_known_to_be_no_thread_says_so() -> None:
    # A member's page the Discourse sniffer claims: the generic extractor knows it for a
    # profile, which an ingest passes over (NotAThread), not the Discourse parser's failure.
    from scraper import NotAThread

    page = (b'<html><head><meta name="generator" content="Discourse 3.1"><link rel="canonical" '
            b'href="https://forum.example.org/u/alice"></head><body><p>alice</p></body></html>')
    with pytest.raises(NotAThread, match="profile page"):
        scraper.parse(page, "alice.html")
