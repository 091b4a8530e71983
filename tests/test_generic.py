"""The generic thread-page extractor on hand-made pages of its hard cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import scraper
from scraper import NotAThread, ParseError, detect, generic
from scraper.fields import day_first, day_first_ordered, day_first_shown, shown_date
from scraper.generic_words import ATTRIBUTION, attributed, may_attribute
from scraper.mailtext import attribution_name
from scraper.models import Thread
from scraper.quote_words import WROTE_ANY
from tests.conftest import FIXTURES

HERE = FIXTURES / "generic"


def _parse(name: str) -> Thread:
    [thread] = scraper.parse((HERE / name).read_bytes(), name)
    return thread


def test_table_layout_author_row_apart_from_body_row() -> None:
    t = _parse("table-layout.html")
    assert t.format == "generic-html"
    assert [(p.post_number, p.author) for p in t.posts] == [(1, "Alice"), (2, "Bob"), (3, "Alice")]
    assert t.posts[1].body == "Lower it by the difference in crank length, then ride a week."
    assert t.posts[2].body == "That worked, thanks."  # the signature is chrome


def test_unclosed_tags_and_repeated_ids() -> None:
    t = _parse("unclosed-ids.html")
    assert [p.author for p in t.posts] == ["Carla", "Dan", "Guest", "Dan"]
    assert t.posts[0].body == "Citric acid or vinegar for a kettle?\n\nMine is very hard water."
    assert t.posts[1].body == "Citric acid, no smell at all"


def test_quote_header_in_its_own_element_in_german() -> None:
    post = _parse("unclosed-ids.html").posts[2]
    assert post.body == "Agreed, café owners use it too."  # &eacute; under a Latin-1 meta
    assert [(q.author, q.text, q.post_number) for q in post.quotes] == [
        ("Dan", "Citric acid, no smell at all", 2)]


def test_quote_only_post() -> None:
    post = _parse("unclosed-ids.html").posts[3]
    assert post.body == ""
    assert [(q.author, q.text) for q in post.quotes] == [("Guest", "Agreed, café owners use it too.")]


def test_page_two_numbers_from_the_page() -> None:
    t = _parse("page2.html")
    assert [p.post_number for p in t.posts] == [51, 52, 53]
    assert t.thread_id == "8812"
    assert t.posts[2].author == "[deleted]"  # kept as displayed, not invented
    assert t.posts[0].posted_at == "2022-01-03T10:00:00Z"


@pytest.mark.parametrize("attribution, author", [
    ("Dan wrote:", "Dan"), ("Quote from: Dan on 12 May 2020, 10:00", "Dan"),
    ("Dan schrieb:", "Dan"), ("Dan a écrit :", "Dan"), ("Dan kirjoitti:", "Dan"),
    ("Idézet: Dan", "Dan"), ("14 hours ago, Dan said:", "Dan"), ("Dan posted:", "Dan"),
    ('Dan" post="493812414 posted:', "Dan"),
    ("Dan писал(а):", "Dan"), ("Dan escreveu:", "Dan"), ("Dan yazdı:", "Dan"),
    ("Dan napisał(a):", "Dan"), ("Dan sagte:", "Dan"), ("Dan a dit :", "Dan"),
    ("Citazione di Dan", "Dan"), ("Цитата: Dan", "Dan"), ("Citação de Dan", "Dan"),
])
def test_attribution_lines(attribution: str, author: str) -> None:
    page = ("<html><body>" + "".join(
        f'<div class="post"><a class="username" href="/u/{n}">{n}</a><span class="date">'
        f'2020-05-1{i} 10:00</span><div class="content">{body}</div></div>'
        for i, (n, body) in enumerate([
            ("Dan", "Tea first."),
            ("Eve", f"<div>{attribution}</div><blockquote>Tea first.</blockquote>Milk after."),
        ])) + "</body></html>").encode()
    [t] = scraper.parse(page, "x.html")
    assert t.posts[1].body == "Milk after."
    assert [q.author for q in t.posts[1].quotes] == [author]


# Every verb of scraper.quote_words, as forums write it.
QUOTE_VERBS = ["wrote", "said", "schrieb", "a écrit", "kirjoitti", "escribió", "scrive",
               "ha scritto", "schreef", "napisał", "írta", "skrev", "escreveu", "yazdı", "napsal",
               "napsala", "napsal(a)", "napisała", "napisał(a)", "писал", "написала", "писал(а)",
               "пишет", "сказал", "сказала", "сказал(а)", "dijo", "a dit", "sagte", "zei",
               "ha detto", "disse", "sanoi"]


@pytest.mark.parametrize("verb", QUOTE_VERBS)
def test_every_quote_verb_names_the_quoted_member_wherever_a_head_is_read(verb: str) -> None:
    assert re.fullmatch(f"(?:{WROTE_ANY})", verb)  # the table's own
    line = f"Kovács Anna {verb}:"
    assert may_attribute(line)  # the cheap gate asked before the pattern
    head = ATTRIBUTION.match(line)
    assert head is not None and attributed(head) == "Kovács Anna"
    assert attribution_name(f"On Mon, 3 Mar 2025, Kovács Anna {verb}:") == "Kovács Anna"


def test_no_post_records_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no repeated post records"):
        scraper.parse((HERE / "no-posts.html").read_bytes(), "no-posts.html")


@pytest.mark.parametrize("data", [b"<html>", b"<div>\xff\xfe</div>", b"<html><body></body>"])
def test_bad_input_never_crashes(data: bytes) -> None:
    with pytest.raises(ParseError):
        generic.parse(data)


def test_asked_last() -> None:
    # A page a named parser reads is never claimed by the fallback.
    data = (FIXTURES / "xenforo" / "xf2-page.html").read_bytes()
    assert detect.detect(data, "xf2-page.html") == "xenforo-html"
    assert detect.detect((HERE / "page2.html").read_bytes(), "page2.html") == "generic-html"


def test_the_topic_title_not_the_site_name() -> None:
    from lxml import etree

    from scraper.generic import _title

    def title(html: str) -> str:
        return _title(etree.fromstring(html, etree.HTMLParser()))

    assert title("<html><head><title>Dock fails after replug / Kernel / Arch Linux Forums"
                 "</title></head><body><h1>Arch Linux</h1></body></html>") == (
        "Dock fails after replug")
    assert title("<html><head><title>Chain wax - Bikes Community</title></head>"
                 "<body><h1>Bikes</h1><h2>Chain wax</h2></body></html>") == "Chain wax"
    assert title("<html><head><title>Grammatikfehler - Proxer.Me Forum</title></head>"
                 "<body><h1>THEMA: Grammatikfehler</h1></body></html>") == "Grammatikfehler"
    assert title("<html><body><h1>Only a heading</h1></body></html>") == "Only a heading"
    # Kunena's "Site: Topic (1/2)" over "TOPIC: Topic": the page, the site and the label out
    assert title("<html><head><title>Brew Shed: Stuck at 1.030 (1/2)</title></head>"
                 "<body><h1>TOPIC: Stuck at 1.030</h1></body></html>") == "Stuck at 1.030"
    assert title("<html><head><title>Ratio (3/2)</title></head><body></body></html>") == "Ratio (3/2)"
    # phpBB's print view: the site's name opens the title, the topic's heading follows it
    assert title("<html><head><title>DosTips.com &bull; Get arguments without a file - Page 2"
                 "</title></head><body><h1>DosTips.com</h1><h2>Get arguments without a file</h2>"
                 "</body></html>") == "Get arguments without a file"


def test_real_pages_get_their_topic_titles() -> None:
    import scraper
    from tests.conftest import shared

    page = shared("more-engines", "fluxbb", "bbs.archlinux.org-viewtopic-249553.html")
    (thread,) = scraper.parse(page.read_bytes(), str(page))
    assert thread.title == "Thinkpad Thunderbolt 3 Dock does not work correctly after replug"


@pytest.mark.parametrize("folder, pattern", [
    # vBulletin 3's post: a table, name and words in one row, the date and the poster's "?",
    # "Profile" and "Post History" links in the next; "X posted:" over its quotes.
    ("awful-somethingawful-vb3", "*.html"),
    # vB3's quote box: "Quote:" over a table holding "Originally Posted by X" and the words.
    ("nettally-fixtures", "vBulletin3.html"),
    # XenForo 1: the words in <blockquote class="messageText SelectQuoteContainer">, no quote.
    ("nettally-fixtures", "Xenforo1.html"),
    # NodeBB: dated only by attributes (datePublished, a timeago span's title); "@X said in
    # Topic:" over its quotes.
    ("nettally-fixtures", "NodeBB.html"),
    # phpBB 2: the "Posted: ... Post subject:" header classed "postdetails" beside short words.
    ("theavalanches-phpbb-wayback/phpBB2/t125", "*.html"),
    ("theavalanches-phpbb-wayback/phpBB2/t537", "*.html"),
])
def test_pages_read_generically_as_their_engine_s_parser_reads_them(folder: str,
                                                                    pattern: str) -> None:
    """Where an engine's parser fails (a theme it does not know), the generic extractor reads
    the page: on pages both read, each post's author, date, first words and quotes' authors
    agree (of the named quotes with words: the generic extractor keeps only quoted words,
    and also splits off "> " lines, as mail quotes)."""
    from scraper.detect import detect as detect_format
    from scraper.detect import parser_for
    from tests.conftest import shared

    def fields(thread: Thread) -> list[tuple[str | None, str, str, list[str | None]]]:
        # (words: a smiley's alt text, ":(", is kept by some engines' parsers, none by this)
        return [(p.author, (p.posted_at or "")[:16],
                 " ".join([w for w in p.body.split() if any(c.isalnum() for c in w)][:6]),
                 [q.author for q in p.quotes if q.text and q.author]) for p in thread.posts]

    pages = sorted(shared(*folder.split("/")).rglob(pattern))
    assert pages
    for page in pages:
        data = page.read_bytes()
        fmt = detect_format(data, page.name)
        [named] = parser_for(fmt)(data, page.name, fmt)
        [read] = generic.parse(data, page.name)
        assert fields(read) == fields(named), page.name


def test_names_in_a_header_of_number_name_and_date_and_phpbb_2_bodies() -> None:
    """An archive rebuilt from a board's database: "#20411 - pixelwren - Tue Mar 02, 2004
    8:15 pm" over phpBB 2's body (spans cut around quote and code tables, "X wrote:" in the
    row over the quote, "Code:" over the code, an edit note); the topic from a "Board > Topic"
    heading, not the site's <h1>."""
    [t] = scraper.parse((FIXTURES / "generic" / "name-dash-date-headers.html").read_bytes(),
                        "x.html")
    assert t.title == "Which linker script for multiboot?"
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("pixelwren", "2004-03-02T20:15:00"), ("Tom Okafor", "2004-03-02T21:02:00"),
        ("pixelwren", "2004-03-03T07:40:00")]
    reply = t.posts[1]
    assert reply.body == "Link at 0x02000000, not the cartridge address. Mine:\n\nORIGIN = 0x02000000"
    assert [(q.author, q.text) for q in reply.quotes] == [
        ("pixelwren", "runs on the emulator but not over the cable")]
    assert reply.signature == "tom's tools page"


def test_a_page_of_one_post_named_in_its_header() -> None:
    page = (FIXTURES / "generic" / "name-dash-date-headers.html").read_text()
    first = page.index('<div class="post">', page.index('<div class="post">') + 1)
    one = page[:first] + "</div></body></html>"
    [t] = scraper.parse(one.encode(), "x.html")
    assert [(p.author, p.posted_at, p.body[:28]) for p in t.posts] == [
        ("pixelwren", "2004-03-02T20:15:00", "My multiboot image runs on t")]


@pytest.mark.parametrize("header, name", [
    ("#20411 - pixelwren - Tue Mar 02, 2004 8:15 pm", "pixelwren"),
    ("Tom Okafor | 2020-05-01 10:00", "Tom Okafor"),
    ("Chapter 5 - May 2004", None),  # a number is no name
    ("Re: linker scripts - Tue Mar 02, 2004", None),  # a subject line is none
])
def test_a_name_set_apart_from_the_date_by_a_dash(header: str, name: str | None) -> None:
    from scraper.generic_words import guest_name

    assert guest_name(header) == name


def test_a_script_built_page_is_read_from_its_schema_org_data() -> None:
    # No post markup at all: the page describes its thread to search engines as JSON-LD.
    [thread] = scraper.parse((HERE / "jsonld-discussion.html").read_bytes(), "x.html", normalised=False)
    assert thread.title == "Do 400m runners need leg strength?"
    assert thread.url == "https://forum.example.org/topic/48213/do-400m-runners-need-leg-strength"
    assert thread.thread_id == "48213" and thread.forum == "forum.example.org"
    assert [(p.post_number, p.author) for p in thread.posts] == [
        (1, "lapcounter"), (2, "Coach Ramírez"), (3, "sprint_mum")]  # the empty comment dropped
    assert thread.posts[0].body.startswith("I run the 400m and my coach")
    assert thread.posts[1].posted_at == "2021-03-02T19:10:00+00:00"
    assert "speed endurance matters more" in thread.posts[2].body and "&amp;" not in thread.posts[2].body
    assert thread.posts_declared == 4


def test_a_qa_page_keeps_the_accepted_answer_and_votes() -> None:
    [thread] = scraper.parse((HERE / "jsonld-qapage.html").read_bytes(), "q.html", normalised=False)
    assert thread.title == "How do I reset the controller?"
    assert [(p.author, p.accepted, p.score) for p in thread.posts] == [
        ("newbie42", False, None), ("fwguru", True, 7), ("helper", False, 1)]
    assert thread.posts[1].url == "https://board.example.com/q/77#a2"


def test_broken_json_ld_is_not_a_thread() -> None:
    page = b"<html><head><script type='application/ld+json'>{not json</script></head><body></body></html>"
    with pytest.raises(ParseError):
        scraper.parse(page, "broken.html")


def test_a_post_in_three_table_rows_with_a_date_in_its_body() -> None:
    # Name and date, body, reply link: three rows per post, only the first dated; a body row
    # that mentions a date is still the body of the post above it.
    t = _parse("three-row-table.html")
    assert [(p.author, p.body.split()[:3]) for p in t.posts] == [
        ("Margit", ["Is", "early", "March"]), ("Tomasz", ["Not", "at", "all."]),
        ("Margit", ["Thanks,", "will", "do."])]  # shorter than the subject cell beside the name


def test_a_date_in_an_indented_tail_after_the_name() -> None:
    # "<a>name</a><br />\n            Jun 04, 2020 5:28 PM\n        ": the source's indentation
    # is no part of the date's length.
    t = _parse("indented-date-tail.html")
    assert [p.author for p in t.posts] == ["ferngully", "Coach_Ines"]
    assert t.posts[1].body == "Try lacing them looser over the top of the foot first."


def test_a_name_classed_user_and_a_time_with_am_pm() -> None:
    t = _parse("user-class-am-pm.html")
    assert [p.author for p in t.posts] == ["Ngozi", "Emeka77", "Ngozi"]
    # The like count under the words ("2 Likes"), in a line of its own, is no word of theirs.
    assert t.posts[1].body == "Wait for the second rain, the first one fools everybody."
    assert t.posts[0].body.endswith("The rains came early this year.")


def test_threaded_replies_are_posts_of_their_own() -> None:
    # The siblings are the top-level threads; each comment in them is a post, its author the
    # name beside "in reply to X", not X (nor "Hidden in reply to X" where the name is no link).
    t = _parse("threaded-replies.html")
    assert [p.author for p in t.posts] == ["wintertom", "lena_k", "wintertom", "grit", "Hidden"]
    assert t.posts[1].body == "Which brand? Mine still let the wind through."


def test_rows_of_alternating_classes_in_grid_columns_and_signatures_under_a_rule() -> None:
    # "post-even"/"post-odd" are one kind of block, and a grid's "small-12 columns" no
    # author pane: the body is the post's words, not the rank under the name.
    t = _parse("alternating-post-classes.html")
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("spokewright", "2021-03-14T13:17:00"), ("truing_stand", "2021-03-14T20:44:00"),
        ("spokewright", "2021-03-15T09:02:00"), ("truing_stand", "2021-03-15T09:30:00")]
    assert t.posts[1].body == ("Radial on the non-drive side works on most hubs.\n"
                               "Check that the hub maker allows it first.")
    # What follows a rule under two of a member's posts is their signature, the line that
    # changes with the one that does not; a rule in one post alone parts its own words.
    assert [p.signature for p in t.posts] == [
        None, "Wheel Forum Moderator\nWheels built: 112", None,
        "Wheel Forum Moderator\nWheels built: 113"]
    assert t.posts[3].body == "Glad it worked out."
    assert t.posts[2].body.split() == "Thanks, the hub is fine with it. Going radial.".split()


def test_decoys_the_page_hides_are_no_posts_and_a_quote_of_a_quote_is_the_outer_author_s() -> None:
    # A row hidden by the page's own <style> (`.r71ab {display: none}`) is a decoy for
    # scrapers, no post; a rule under @media print or keyed on <html>'s "no-js" hides nothing
    # from a reader. SMF's quote of a quote: the header before the block names it.
    t = _parse("hidden-decoys-nested-quotes.html")
    assert [(p.post_number, p.author) for p in t.posts] == [(1, "cassette_kid"), (2, "derailleur_dan")]
    reply = t.posts[1]
    assert [q.author for q in reply.quotes] == ["cassette_kid"]
    assert reply.body.startswith("Replace it now: at 0.75") and reply.body.endswith("Show more")


def test_hidden_selectors_read_only_plain_rules() -> None:
    from scraper.css_hidden import hidden_selectors

    css = (".a {display:none} @media print { .b {display:none} } .c td, #d .e {color:red; "
           "display: none !important} .f:hover {display:none} .g {display:block} /* .h{display:none} */")
    found = [[(c.tag, sorted(c.classes), c.id) for c in steps] for steps in hidden_selectors(css)]
    assert found == [[(None, ["a"], None)], [(None, ["c"], None), ("td", [], None)],
                     [(None, [], "d"), (None, ["e"], None)]]
    # hidden on small screens, shown again on large ones: not hidden from a reader
    assert hidden_selectors(".x {display:none} @media (min-width: 768px) {.x {display:block}}") == ()


def test_posts_with_names_win_over_a_longer_list_of_related_topics() -> None:
    t = _parse("related-topics.html")
    assert [p.author for p in t.posts] == ["Hedda", "Ruud"]


def test_the_next_group_when_the_best_has_no_post() -> None:
    from lxml import etree

    root = etree.fromstring((HERE / "related-topics.html").read_bytes(), etree.HTMLParser())
    groups = generic.record_groups(root)
    assert [len(g) for g in groups] == [2, 4]  # the answers, then the related topics


def test_the_opening_post_built_like_the_replies_in_a_section_of_its_own() -> None:
    t = _parse("lead-in-own-section.html")
    assert [(p.post_number, p.author) for p in t.posts] == [(1, "Pia"), (2, "Jonas"), (3, "Pia")]
    assert t.posts[0].body == "My starter smells like nail polish remover. Is it dead?"


def test_a_list_of_other_topics_is_not_the_thread_and_user_content_is_the_body() -> None:
    # The topic list is named, dated and longer, but its text is in links; the reply's words
    # are in div.Message.userContent, not the "#1" number beside them.
    t = _parse("topic-list-beside.html")
    assert [p.author for p in t.posts] == ["spokes", "derailleur_dan"]
    assert t.posts[0].body == "Check the limit screw first, then the cable tension."



@pytest.mark.parametrize("href, profile", [
    ("https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fforum.example%2Fd%2F9", False),
    ("https://twitter.com/share?url=https%3A%2F%2Fforum.example%2Fd%2F9", False),
    ("/profile/christa", True), ("memberlist.php?mode=viewprofile&u=12", True),
    ("index.php?action=profile;u=3", True), ("index.php?kategorie=x&user_profile=493", True),
    # SMF's menu of the viewer's own profile ("Summary", "Account Settings") names no member
    ("https://f.example/index.php?action=profile", False),
    ("https://f.example/index.php?action=profile;area=account", False),
    ("https://f.example/index.php?action=profile;area=showposts;u=77", True),
    ("member.php?action=profile&uid=12", True),
    # as other languages name a member's page
    ("/profil/123", True), ("/membres/jean", True), ("/utente/123", True), ("/usuario/pepe", True),
    ("https://forum.hardware.fr/profil-12345.htm", True), ("/profile-settings", False),
])
def test_a_share_button_is_no_profile_link(href: str, profile: bool) -> None:
    # A share button's ?u= is the thread's address: taken for a profile link, the button's
    # label ("Share on Facebook") was the opening post's author.
    from scraper.generic_words import PROFILE_LINK

    assert bool(PROFILE_LINK.search(href)) is profile

@pytest.mark.parametrize("text", [
    "Posted: Sat Mar 13, 2004 2:36 pm", "SEP 20, 2012", "8th MARCH", "3 DÉC. 2019",
    "12 Août 2020", "vor 3 Tagen", "Yesterday", "HEUTE", "Joined: 2004", "Posts: 1,234",
    "Reply #3", "on Tue, 30/06/2015 - 11:48.", "Mon Jan 01", "ſep 20, 2012", "Kesä 3, 2011",
    "il y a 3 heures", "hace 2 días", "3 giorni fa", "2 dagen geleden", "3 часа назад",
    "1 Jahr 2 Tage her", "Just now", "12 de marzo de 2015", "2015. márc. 12.", "Ask her",
    "hier klicken"])
def test_is_date_finds_what_the_date_pattern_finds(text: str) -> None:
    from scraper.generic_words import DATE, is_date

    assert is_date(text) == (DATE.search(text) is not None)


@pytest.mark.parametrize("text, dated", [
    ("il y a 3 heures", True), ("hace 2 días", True), ("3 giorni fa", True),
    ("2 dagen geleden", True), ("3 часа назад", True), ("2 dni temu", True),
    ("1 Jahr 2 Tage her", True), ("just now", True), ("12 de marzo de 2015", True),
    ("2015. márc. 12.", True), ("2015年3月12日", True),
    # a short text that only holds a word some language dates with is no date line
    ("Ask her", False), ("hier klicken", False), ("Tell her 2 times", False),
])
def test_relative_and_foreign_date_lines(text: str, dated: bool) -> None:
    # A page whose posts show only "vor 2 Tagen" or "il y a 3 heures" has no other date
    # for its records to be found by.
    from scraper.generic_words import is_date

    assert is_date(text) is dated


def test_a_tree_under_one_top_level_comment_wins_over_a_list_of_other_topics() -> None:
    # No two comments are siblings: the only sibling group is the list of other topics.
    t = _parse("single-thread-of-replies.html")
    assert [p.author for p in t.posts] == ["marit", "oddvar", "marit"]
    assert t.posts[1].body == "Does it leave a taste? Vinegar did for days."


@pytest.mark.parametrize("shown, iso", [
    ("Mon Jun 02, 2003 6:23 am", "2003-06-02T06:23:00"),
    ("« Reply #1 on: March 02, 2009, 07:05:52 PM »", "2009-03-02T19:05:52"),
    ("4. März 2019, 18:05", "2019-03-04T18:05:00"),
    ("le 5 avr. 2012 à 14:03", "2012-04-05T14:03:00"),
    ("12 de agosto de 2015 10:00", "2015-08-12T10:00:00"),
    ("11-August-2011 16:02", "2011-08-11T16:02:00"),
    ("on Sat, 20/06/2015 - 15:23.", "2015-06-20T15:23:00"),  # the day is the one over 12
    ("06/20/2015", "2015-06-20"),
    ("05/06/2015", None),  # May 6 or 5 June: not guessed
    ("On 2019.08.03 15:35", "2019-08-03T15:35:00"),  # the year first, with dots
    ("2019/8/3", "2019-08-03"),  # the year first: no doubt which is the day
    ("2019-08-03T12:00:00", "2019-08-03T12:00:00"),  # the hour after the "T"
    ("20-06-2015", "2015-06-20"),  # dashes, the day over 12
    ("03-05-2024, 09:12 AM", "2024-03-05T09:12:00"),  # dashes: the engines' US default
    ("Jun  8, 2009", "2009-06-08"),  # spaced as strftime pads a day
    ("Joined: Mar 2009", None),  # no day
    ("Feb 31, 2020", None),
    ("3 years ago", None),  # the page does not say when it was saved
    # Month names of more languages, and the year first
    ("12 maart 2015 14:32", "2015-03-12T14:32:00"), ("12. maaliskuuta 2015", "2015-03-12"),
    ("12 lipca 2015, 09:05", "2015-07-12T09:05:00"), ("12 марта 2015 в 14:32", "2015-03-12T14:32:00"),
    ("2015. márc. 12. 14:32", "2015-03-12T14:32:00"), ("2015年3月12日 14:32", "2015-03-12T14:32:00"),
    ("12 Ara 2015", "2015-12-12"),
    # a name read by its longest known beginning, not its first three letters: June and July
    # share "jui", March and Finnish November "mar"
    ("12 juin 2015", "2015-06-12"), ("12 juillet 2015 à 10:30", "2015-07-12T10:30:00"),
    ("12. marraskuuta 2015", "2015-11-12"), ("3 set 2015", "2015-09-03"),
    # a two-digit year after a named month, joined by dashes (Mumsnet's "Thu 21-Nov-19")
    ("Thu 21-Nov-19 11:07:27", "2019-11-21T11:07:27"), ("3-Feb-98", "1998-02-03"),
    ("21 Nov 19 replies", None),  # spaced: as likely a count after a date with no year
])
def test_dates_shown_as_text(shown: str, iso: str | None) -> None:
    assert shown_date(shown) == iso


@pytest.mark.parametrize("lang, iso", [
    ("fr", "2015-12-08T08:08:00"), ("de-DE", "2015-12-08T08:08:00"),
    ("en-GB", "2015-12-08T08:08:00"), ("en-US", "2015-08-12T08:08:00"),
    ("en", None), (None, None),  # plain English could be either
])
def test_the_page_language_says_which_comes_first(lang: str | None, iso: str | None) -> None:
    assert shown_date("08/12/2015, 08h08", first_day=day_first(lang)) == iso


@pytest.mark.parametrize("shown, iso", [
    ("Mon, 12/01/2015 - 17:38", "2015-01-12T17:38:00"),  # 12 January was a Monday
    ("Tue, 01/12/2015", "2015-12-01"),  # 1 December was a Tuesday
    ("Montag, 12.01.2015", "2015-01-12"),
    ("Fri, 08/02/2013 - 17:00", None),  # 8 February and 2 August 2013 were both Fridays
    ("Wed, 11/11/2015", "2015-11-11"), ("05/05/2015", "2015-05-05"),  # the same either way
])
def test_the_weekday_or_a_day_that_is_its_month_says_which_comes_first(shown: str,
                                                                       iso: str | None) -> None:
    assert shown_date(shown) == iso


def test_a_birthday_in_the_profile_is_not_the_post_s_date() -> None:
    from scraper.generic_post import _date

    beside = [("Date of Birth:", None, ""), ("14/6/1978 (Age: 24)", None, ""),
              ("Posts: 12", None, ""), ("12/30/2017", None, "")]
    root = generic.tree(b"<html><body><div>x</div></body></html>")
    assert _date([root], beside)[0] == "2017-12-30"
    # Discuz!'s sidebar: the member's "注册" (registered) date above the post's own
    beside = [("注册:", None, ""), ("2007-11-25", None, ""), ("2014-7-21 10:09 AM", None, "")]
    assert _date([root], beside)[0] == "2014-07-21T10:09:00"


def test_engine_edit_notes_and_zero_width_spaces_are_no_words() -> None:
    # forum.hardware.fr: `<div class="edited">Message édité par X le …</div>` under the words,
    # and a zero-width space where a long name may break ("mini-mousa&#8203;ille")
    from scraper.generic_words import IS_CHROME, mask
    from scraper.html import clean

    assert [bool(mask(c) & IS_CHROME) for c in ("edited", "post-edited", "edited_by", "unedited")] \
        == [True, True, True, False]
    assert clean("mini-mousa\u200bille a\u00a0 b") == "mini-mousaille a b"


@pytest.mark.parametrize("texts, first", [
    (["Mon, 12/01/2015 - 17:38", "Tue, 13/01/2015 - 10:25"], True),
    (["01/12/2015 5:38 PM", "01/13/2015 10:25 AM"], False),
    (["12/01/2015", "11/02/2015"], None),  # nothing says
    (["13/01/2015", "01/13/2015"], None),  # the page contradicts itself
])
def test_a_page_s_unambiguous_dates_say_which_comes_first(texts: list[str], first: bool | None
                                                          ) -> None:
    assert day_first_shown(texts) is first


@pytest.mark.parametrize("texts, first", [
    # 3, 7, 11 April or 4 March, 4 July, 4 November: both in order, the first far closer
    (["03/04/2015 10:00", "07/04/2015 09:12", "11/04/2015"], True),
    (["05/06/2015 10:00", "05/07/2015 11:00", "05/09/2015"], False),  # 6, 7, 9 May
    (["10/04/2015", "02/05/2015"], True),  # 2 October after 4 February: out of order
    (["05/05/2015", "05/05/2015 11:00"], None),  # the same either way
    (["03/04/2015 10:00", "03/04/2015 12:00"], None),  # one day, either way
    (["02/03/2015", "04/05/2015"], None),  # in order both ways, 2 months or 1 apart
    (["03/04/2015"], None),
])
def test_dates_either_way_round_read_as_keeps_them_in_order(texts: list[str], first: bool | None
                                                           ) -> None:
    assert day_first_ordered(texts) is first


@pytest.mark.parametrize("header", ['<div class="posted">', "<div>"])
def test_a_date_line_heading_the_body_dates_the_post_and_is_no_words_of_it(header: str) -> None:
    # Every date could be day or month first and the page is plain "en": 3, 4, 6 and 11 August
    # keep the posts in order, 8 March, 8 April, 8 June and 8 November are months apart. The
    # date line ("Posted: 03/08/2021 19:42") opens the cell that holds the words.
    page = (HERE / "dates-either-way-round.html").read_text().replace('<div class="posted">', header)
    [t] = scraper.parse(page.encode(), "dates-either-way-round.html")
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("marrowman", "2021-08-03T19:42:00"), ("Jean Pryor", "2021-08-04T07:15:00"),
        ("marrowman", "2021-08-06T18:03:00"), ("plotholder_ed", "2021-08-11T21:30:00")]
    assert t.posts[0].body.startswith("Brown patches on the lower leaves")
    assert not any("Posted" in p.body for p in t.posts)


def test_guests_named_before_the_date_and_dates_read_in_the_page_s_order() -> None:
    # Drupal's "Submitted by camilosti (not verified) on Wed, 11/09/2013 - 03:42.": a guest's
    # name in plain text. 12/02/2013 could be either; the page's 13/09/2013 says day first.
    t = _parse("guests-submitted-by.html")
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("Guest", "2013-02-12T10:06:00"), ("JBecker", "2013-02-12T10:25:00"),
        ("camilosti", "2013-09-11T03:42:00"), ("gloorung", "2013-09-13T08:43:00")]
    assert t.posts[0].body.startswith("Hello, I am new to this.")
    assert "Voltage check" not in t.posts[0].body  # the prev/next topic links


def test_a_topic_of_guests_only_in_containers_of_their_own() -> None:
    # No member's name anywhere, and the topic and its one reply are no siblings: the guests'
    # "Submitted by X on <date>" lines name them, and the reply's empty numbered anchor
    # (<a id="comment-9901"></a>) finds it.
    t = _parse("guests-only.html")
    assert [(p.author, p.posted_at, p.body[:20]) for p in t.posts] == [
        ("Guest", "2013-02-12T10:06:00", "My receiver worked f"),
        ("blusolar", "2013-02-16T20:45:00", "This is embarrassing")]


@pytest.mark.parametrize("name", ["board-topic-list.html", "discussions-table.html"])
def test_a_board_s_list_of_topics_is_no_thread(name: str) -> None:
    # Site mirrors hold the boards' topic lists beside the threads: rows named and dated as
    # posts are, each linking to its own thread (Drupal's forum list), or with no word
    # outside their links (Vanilla's starter and last-poster cells).
    with pytest.raises(ParseError, match="a list of topics"):
        generic.parse((HERE / name).read_bytes(), name)


def test_a_mirror_s_list_pages_are_passed_over_and_its_threads_go_in(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    for name in ("board-topic-list.html", "guests-submitted-by.html", "discussions-table.html"):
        (tmp_path / name).write_bytes((HERE / name).read_bytes())
    out = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "ingest", str(tmp_path)])
    assert "1 thread(s); posts: 4 added" in out.output, out.output
    # Files beside the threads, as unrecognised ones are: listed, no failure (exit 0).
    assert out.output.count("ignored ") == 2 and "a list of topics, not a thread page" in out.output
    assert out.exit_code == 0
    # Named on the command line, a list is reported as skipped.
    one = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "ingest",
                                    str(tmp_path / "board-topic-list.html")])
    assert one.exit_code == 1 and "skipped" in one.output


def test_an_unanswered_discussion_is_its_opening_post() -> None:
    # Vanilla numbers the opening post as the discussion ("Discussion_35143"); with no
    # comments the page has no two records of a shape.
    [post] = _parse("unanswered-discussion.html").posts
    assert (post.author, post.posted_at) == ("PFC Noonan", "2019-12-06T02:40:37+00:00")
    assert post.body.startswith("The following soldier has been transferred")


def test_a_discussion_and_its_one_comment_in_containers_of_their_own() -> None:
    # "Discussion_10090" and "Comment_42886": numbered posts, but no two of them siblings,
    # and the opening post's words a link.
    t = _parse("discussion-and-one-comment.html")
    assert t.posts[0].body == "Read the full story here"
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("PFC Noonan", "2019-12-06T02:40:37+00:00"), ("Sgt Hall", "2019-12-07T09:12:05+00:00")]
    assert t.posts[1].body == ("Sorry, but you fail to meet our age requirement. You may apply "
                               "again next year.")


def test_a_generic_post_without_a_time_element_is_dated_by_its_shown_date() -> None:
    # SMF 1.1 prints "« Reply #1 on: March 02, 2009, 07:05:52 PM »" and no <time>; the body's
    # own dates are not the post's.
    t = scraper.parse((HERE.parent / "engines" / "smf-1.1.html").read_bytes(), "smf.html")[0]
    assert [p.posted_at for p in t.posts] == [
        "2009-03-02T18:41:17", "2009-03-02T19:05:52", "2009-03-03T08:19:03"]


def test_a_relative_date_is_read_from_its_title() -> None:
    # Kunena shows "2 weeks 4 days ago" and keeps the date in the tooltip's title.
    t = scraper.parse((HERE.parent / "engines" / "kunena-6.html").read_bytes(), "k.html")[0]
    assert [p.posted_at for p in t.posts] == [
        "2024-11-02T08:41:00", "2024-11-02T10:17:00", "2024-11-03T19:05:00", "2024-11-05T07:52:00"]


def test_quotes_marked_only_by_mail_style_lines() -> None:
    from scraper.text_quotes import plain_quotes

    own, quotes = plain_quotes("Ann Wrote:\n-----------\n> Wash the swatch first.\n> Then measure."
                               "\n\nGood advice.")
    assert own.strip() == "Good advice." and [(q.author, q.text) for q in quotes] == [
        ("Ann", "Wash the swatch first.\nThen measure.")]
    # One line that opens with ">" under no attribution is the member's own, unless it is a
    # paragraph of words of its own (Hacker News quotes the article so)
    assert plain_quotes("Speeds:\n> 50 mph is too fast here.\nAgreed?") == (
        "Speeds:\n> 50 mph is too fast here.\nAgreed?", [])
    assert plain_quotes("> 50 mph is too fast here.\n\nAgreed?")[1] == []
    own, quotes = plain_quotes("> Swift is a successor to both C and Objective-C.\n\nThis says it all.")
    assert own == "This says it all." and [q.text for q in quotes] == [
        "Swift is a successor to both C and Objective-C."]


def test_an_opening_post_whose_text_sits_beside_the_replies() -> None:
    # The topic's header and text are children of the very element that holds the replies
    # (a Drupal theme without Olivero's node__content wrapper).
    page = b"""<html><head><title>Descaling - Club</title></head><body>
    <article class="node">
      <header><span>By <span>ines</span>, 9 May 2024</span></header>
      <div class="text-content">My kettle is furred up after a month. Citric acid or vinegar?</div>
      <section class="comments">
        <article class="comment"><a class="comment__author" href="/user/12">ole</a>
          <span>10 May 2024</span>
          <div class="text-content">Citric acid, it leaves no smell behind.</div></article>
        <article class="comment"><a class="comment__author" href="/user/13">ines</a>
          <span>11 May 2024</span>
          <div class="text-content">Done, and it worked in ten minutes.</div></article>
      </section>
    </article></body></html>"""
    posts = scraper.parse(page, "d.html")[0].posts
    assert [(p.author, p.body[:20]) for p in posts] == [
        ("ines", "My kettle is furred "), ("ole", "Citric acid, it leav"), ("ines", "Done, and it worked ")]


def test_words_loose_beside_the_name_and_the_date_are_the_body() -> None:
    # "<strong>name</strong> Says:", the date, then the words, all in one element that holds
    # the name: the post's number box ("1") and its button bar ("REPLY REPORT") are no body.
    t = _parse("words-beside-the-name.html")
    assert [(p.post_number, p.author) for p in t.posts] == [
        (1, "marta"), (2, "Coach Ines"), (3, "Tomasz"), (4, "marta")]
    assert [p.body for p in t.posts] == [
        "My shins hurt after every hill session. Should I stop the hills?",
        "Cut the hill volume in half for two weeks and add calf raises.",
        "Same here. New shoes fixed it for me after a month of pain.",  # in a highlight <span>
        "Thanks both, halving it now."]
    assert t.posts[2].posted_at == "2021-04-03T18:45:00Z"


@pytest.mark.parametrize("name, opening", [
    # the question in a card of its own (header with the name and date, then its body)
    ("question-card-before-replies.html",
     ("rosalind", "2022-05-10T21:00:00Z", "Every night after long runs my calves cramp")),
    # the post's header and body are the blocks before the replies, in the same container
    ("post-header-then-replies.html",
     ("HelenaB", "2020-09-01T07:15:00Z", "My father's tremor is much worse")),
])
def test_the_opening_post_built_unlike_the_replies_is_found_by_its_name(
        name: str, opening: tuple[str, str, str]) -> None:
    t = _parse(name)
    assert len(t.posts) == 3  # the page's header ("Last visit: Today", "It is currently") is none
    first = t.posts[0]
    assert (first.post_number, first.author, first.posted_at) == (1, *opening[:2])
    assert first.body.startswith(opening[2])
    assert [p.post_number for p in t.posts] == [1, 2, 3]


@pytest.mark.parametrize("alt, kept", [
    (":mrgreen:", False), (":+1:", False), (":slight_smile:", False), ("smile.gif", False),
    (":)", True), ("[IMG]", True), ("Mount Fuji at dawn", True)])
def test_an_emoji_short_code_is_no_word_of_the_post(alt: str, kept: bool) -> None:
    # Discourse and the smiley sets of phpBB and XenForo print an emoji's code as its alt.
    from lxml import etree

    from scraper.html import element_text

    el = etree.fromstring(f'<div>Way to go! <img class="emoji" alt="{alt}"/></div>')
    assert element_text(el) == (f"Way to go! {alt}" if kept else "Way to go!")


def test_a_camel_cased_user_class_names_the_author_whose_profile_is_hidden() -> None:
    # The opening poster's profile is hidden: no profile link, only the class "PostUser".
    t = _parse("camel-case-user-class.html")
    assert [p.author for p in t.posts] == ["kmoss", "trailrat", "kmoss"]
    assert t.posts[0].body.startswith("My knee aches after every run")


def test_a_guest_named_in_plain_text_and_quotes_opening_with_a_linked_name() -> None:
    t = _parse("guest-byline-linked-quote.html")
    # "by Nobody:" is a guest's name, no element of its own; a bold date ("Mar 03") is no name.
    assert [p.author for p in t.posts] == ["Adaeze", "Nobody", "Obinna", "Chidi", None, "Emeka"]
    assert t.posts[1].body == "Wait until the ground is soft after the first rains."
    # "<a href=/post/7001><b>Adaeze</b></a>:" opens a quote of post 7001 by Adaeze. A post
    # all quote has no words of its own, its tallies ("1 Like 1 Share") none either.
    quoting = t.posts[2]
    assert quoting.body == ""
    assert [(q.author, q.post_number, q.text) for q in quoting.quotes] == [
        ("Adaeze", 1, "When should I plant yams in the south? The rains are late this year.")]
    answer = t.posts[3]
    assert answer.body == "Agreed, and mulch them well against the sun."
    assert [(q.author, q.post_number) for q in answer.quotes] == [("Nobody", 2)]
    # A reply of one smiley is a post of no words, not lost.
    assert (t.posts[5].post_number, t.posts[5].body, t.posts[5].post_id) == (6, "", "7006")


def test_a_mention_in_the_opening_post_is_not_its_author() -> None:
    # "@quickfeet" links to a profile inside the discussion's words: the opening post is the
    # whole discussion block, by the name in its header.
    t = _parse("mention-in-the-opening-post.html")
    assert [p.author for p in t.posts] == ["host_mira", "lena", "quickfeet"]
    assert t.posts[0].body.startswith("Our guest this week ran the Boston marathon twice.")
    assert t.posts[0].posted_at == "2021-03-01T10:00:00+00:00"


def test_a_registration_date_is_no_post_date_and_an_indented_date_line_is_one() -> None:
    t = _parse("registered-label-and-indented-date.html")
    assert [(p.author, p.author_joined) for p in t.posts] == [
        ("klara", "21. Januar 2013"), ("jonas", "18. Oktober 2016")]
    # The first date line runs long only by the source's indentation around its edit note.
    assert [p.posted_at for p in t.posts] == ["2020-04-20T11:17:00", "2020-04-20T11:20:00"]


def test_a_date_classed_as_the_member_s_registration_is_no_post_date() -> None:
    t = _parse("registered-class-before-date.html")
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("gravelgus", "2012-09-20T11:16:00"), ("Rin", "2012-09-20T14:43:00")]


def test_an_undated_post_is_dated_from_the_page_s_schema_org_copy() -> None:
    # The question shows only "3 days ago"; the JSON-LD the page carries for search engines
    # says when, for the post of the same author and words.
    t = _parse("undated-question-described-in-json-ld.html")
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("David27", "2020-04-18T04:08:49"), ("FLOOD", "2020-04-18"), ("David27", "2020-04-19")]


def test_a_comment_inside_an_answer_is_not_the_answer_s_words() -> None:
    # A longer comment by another member under the answer: its words are not the answer's.
    t = _parse("comment-inside-an-answer.html")
    assert [(p.author, p.body) for p in t.posts][:2] == [
        ("heart2222", "Thanks for your comment. My doctor said to try ablation if the drug fails."),
        ("Jerry_NJ", "Ablation is a long procedure, but most people are home the next day.")]


@pytest.mark.parametrize("lang, iso", [("fr", "2015-06-05T10:00:00"), ("en-US", "2015-05-06T10:00:00"),
                                       ("en", None)])
def test_a_generic_page_s_language_says_which_comes_first(lang: str, iso: str | None) -> None:
    page = (HERE / "registered-label-and-indented-date.html").read_text(encoding="utf-8")
    page = page.replace('lang="de"', f'lang="{lang}"').replace("20. April 2020 11:17", "05/06/2015 10:00")
    [thread] = scraper.parse(page.encode(), "lang.html")
    assert thread.posts[0].posted_at == iso


@pytest.mark.parametrize("line", [
    "Quote: A watchdog should only recover from power glitches, not cover up bugs.",
    "\u201cA watchdog should only recover from power glitches, not cover up bugs.\u201d",
    "(A watchdog should only recover from power glitches)",
])
def test_a_hand_typed_quote_of_an_earlier_post_is_a_quote(line: str) -> None:
    # No quote button used: the member typed a label, quotation marks or an aside around the
    # earlier post's words.
    from scraper.models import Post, Thread
    from scraper.normalise import normalise

    earlier = Post(body="A watchdog should only recover from power glitches, not cover up bugs.",
                   author="MartinR")
    reply = Post(body=f"{line}\nI still want a second alarm clock.", author="JBecker")
    thread = normalise(Thread(thread_id="1", title="t", format="x", posts=[earlier, reply]))
    assert reply.body == "I still want a second alarm clock."
    [quote] = reply.quotes
    assert (quote.author, quote.post_number) == ("MartinR", 1)
    assert quote.text.startswith("A watchdog should only recover from power glitches")
    assert thread.posts[0].quotes == []


def test_a_stack_exchange_question_page() -> None:
    # Its live markup's shape: the question and answers numbered "answer-N" (the comments
    # under them "comment-N" must not be taken for the posts), "edited" dates above "asked"
    # ones, the title inside "python - … - Stack Overflow", schema.org's accepted answer.
    t = _parse("stack-exchange-question.html")
    assert t.title == "How do I remove a trailing newline?"
    assert [(p.author, p.posted_at, p.accepted, p.score) for p in t.posts] == [
        ("Georgy", "2008-11-08T18:25:00", False, None),
        ("Markus", "2008-11-08T18:31:00", True, 2398),
        ("Mike", "2008-11-28T17:31:00", False, 233),
        ("Ryan Ginstrom", "2008-11-08T21:52:00", False, 179)]
    assert t.posts[1].body.startswith("Try the method rstrip()")
    assert not any("Superset" in p.body or "keeps other trailing" in p.body for p in t.posts)


def test_an_old_reddit_comments_page() -> None:
    # Its live markup's shape: the submission's text in a collapsed "expando" (no chrome), in
    # a "usertext-body" (the member's text, not a user pane), the comment tree nested in
    # "child" blocks, and the header's <span class="user">Want to join? Log in…</span>,
    # a sentence, no name.
    t = _parse("old-reddit-comments.html")
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("spoke_newbie", "2023-10-25T14:03:11+00:00"), ("alice_rides", "2023-10-25T14:20:00+00:00"),
        ("spoke_newbie", "2023-10-25T15:02:45+00:00"), ("carol_climbs", "2023-10-26T08:11:09+00:00")]
    assert t.posts[0].body.startswith("My rear wheel wobbles a few millimetres.")
    assert t.posts[2].body == "Worked a treat, thanks. Took ten minutes."
    assert [q.text for q in t.posts[2].quotes] == ["tighten the spokes opposite the rub"]


def test_a_vbulletin_archive_page() -> None:
    # vBulletin 3's archive view (archive/index.php/t-N.html, as search engines and crawls
    # kept it): no engine markup the vBulletin parser knows, read as any page.
    t = _parse("vbulletin-archive.html")
    assert t.title == "Truing a wheel without a stand"
    assert [(p.author, p.posted_at) for p in t.posts] == [
        ("alice_spoke", "2009-03-03T09:00:00"), ("Bob Hub", "2009-03-03T10:15:00"),
        ("carol", "2009-03-04T08:00:00")]
    assert t.posts[1].body == "Yes. Tighten the spoke opposite the rub a quarter turn at a time."
    assert [q.author for q in t.posts[1].quotes] == ["alice_spoke"]


def test_a_thread_of_shared_links_is_no_list_of_topics() -> None:
    # Each post a titled link and a few words, as a board's list rows are, but to other sites.
    posts = "".join(
        f'<div class="post" id="p{n}"><div class="author"><a href="/user/{n}">member{n}</a></div>'
        f'<div class="date">Mon, 0{n}/03/2025 - 10:0{n}</div><div class="content">'
        f'<a href="https://www.youtube.com/watch?v=v{n}">Video number {n} of the climb</a> '
        f'this one!</div></div>' for n in range(1, 7))
    page = f"<html><head><title>Your favourite climbs</title></head><body>{posts}</body></html>"
    [thread] = generic.parse(page.encode(), "climbs.html")
    assert [p.author for p in thread.posts] == [f"member{n}" for n in range(1, 7)]


def test_a_thread_of_linked_images_is_no_list_of_topics() -> None:
    # No word outside links in any post, as Vanilla's list cells, but no words at all either.
    posts = "".join(
        f'<li class="Item" id="Comment_{n}"><span class="Author"><a href="/profile/m{n}" '
        f'class="Username">m{n}</a></span><a href="/discussion/comment/{n}#Comment_{n}" '
        f'class="Permalink"><time datetime="2021-03-0{n}T10:00:00+00:00">March 2021</time></a>'
        f'<div class="Message userContent"><a href="/uploads/{n}.jpg"><img src="/uploads/{n}.jpg">'
        f'</a></div></li>' for n in range(1, 7))
    page = f"<html><head><title>Your bikes</title></head><body><ul>{posts}</ul></body></html>"
    [thread] = generic.parse(page.encode(), "bikes.html")
    assert [p.author for p in thread.posts] == [f"m{n}" for n in range(1, 7)]


def test_a_redirect_stub_is_no_thread() -> None:
    # A mirror's page for a thread's old address: a meta refresh over one line of text.
    page = (b'<html><head><meta http-equiv="refresh" content="0; url=../topics/10-unicode.html">'
            b'<title>Unicode</title></head><body><p><a href="../topics/10-unicode.html">Unicode'
            b'</a></p></body></html>')
    with pytest.raises(NotAThread, match="a redirect to ../topics/10-unicode.html"):
        generic.parse(page, "10.html")


def test_a_member_s_profile_page_is_no_thread() -> None:
    # A mirror saves one per member, named as its address ("member.php?u=12"), or says so in
    # its canonical link; a thread in a folder called "user" is still a thread.
    data = (HERE / "table-layout.html").read_bytes()
    assert generic.parse(data, "/home/user/forum/table-layout.html")[0].posts
    assert generic.parse(data, "showthread.php?t=123&u=5.html")[0].posts  # a thread's address
    with pytest.raises(NotAThread, match="profile page"):
        generic.parse(data, "member.php?u=12.html")
    profile = data.replace(b"<head>", b'<head><link rel="canonical" '
                           b'href="https://forum.example.com/members/alice.12/">', 1)
    assert profile != data
    with pytest.raises(NotAThread, match="profile page"):
        generic.parse(profile, "index.html")


def test_a_meta_line_under_the_body_names_the_member_after_the_date() -> None:
    # "Posted on 2003-04-24 17:36:30 by nibble" under each post, no name element anywhere: the
    # name closes the dated line, as shown ("*unknown*", ">Byte<"). A bold word of the post
    # ("<strong>nibble</strong>, pass …") or of a quote is no author, nor is "by Ada
    # Lovelace:" inside the words. The site's name, a heading linking home, is no title.
    t = _parse("meta-line-under-the-body.html")
    assert t.title == "Linker map question"
    assert [(p.post_number, p.author, p.posted_at) for p in t.posts] == [
        (1, "nibble", "2003-04-24T17:36:30"), (2, "*unknown*", "2003-04-24T17:41:15"),
        (3, ">Byte<", "2003-04-25T12:28:04")]
    assert t.posts[1].body.startswith("nibble, pass /MAP to the linker.")
    assert t.posts[2].body == "That gave me the file, thanks."
    assert [(q.author, q.text) for q in t.posts[2].quotes] == [("*unknown*", "pass /MAP to the linker")]


def test_post_blocks_of_one_repeated_id_among_clearing_divs() -> None:
    # Tekken Zaibatsu's vBulletin-2-era theme: every post a `<div id="postbit">`, unclassed, a
    # clearing <div> after each, its date split over two bolds ("Dec 5th, 2020 <b>02:10</b>").
    # The bar of links over the words ("#2", "Quote", "Edit Post") is no body, however short
    # the post, nor when the post is a link alone; a box opening "Originally posted by X" is a
    # quote, also where it is most of the post.
    t = _parse("postbit-repeated-ids.html")
    assert t.title == "Parrying her lows"
    assert [(p.post_number, p.author, p.posted_at) for p in t.posts] == [
        (1, "Kestrel", "2020-12-05T02:10:00"), (2, "Brannock", "2020-12-05T02:11:00"),
        (3, "Mirela", "2020-12-05T02:14:00"), (4, "Osric", "2020-12-06T17:02:00")]
    assert t.posts[1].body == "Good to know, thanks!"
    assert t.posts[2].body == "https://example.org/frame-data"
    assert t.posts[3].body == "That is why I stopped spamming lows against her."
    [quote] = t.posts[3].quotes
    assert (quote.author, quote.post_number) == ("Kestrel", 1)
    assert quote.text.startswith("Her low parry is the easiest")
    assert t.posts[0].author_joined == "Sep 2000"


def test_one_post_whose_anchor_is_inside_the_author_pane() -> None:
    # The page's one post, numbered only by `<a name="post4845268">` inside its name's <div>:
    # the post is the dated block around it, not the two bolds of its date line.
    t = _parse("postbit-one-post.html")
    [post] = t.posts
    assert (post.author, post.posted_at, post.body) == (
        "Salvatore", "2020-11-27T11:36:00", "https://example.org/tier-list")


def test_a_quote_s_citation_head_in_any_language_is_no_part_of_its_words() -> None:
    # IP.Board's <div class="ipsQuote_citation"> says who said it and when, in the board's
    # language ("В 22.05.2025 в 11:39, Ruth сказал:"): the quote's words are the rest.
    page = FIXTURES / "engines" / "invision-5.html"
    data = page.read_bytes().replace(b"Ruth on gravel said:",
                                     "В 02.06.2024 в 08:14, Ruth on gravel сказал:".encode())
    [thread] = scraper.parse(data, page.name)
    [quote] = [q for p in thread.posts for q in p.quotes]
    assert quote.author == "Ruth on gravel"
    assert quote.text == "Is three months normal for it to dry out in summer, or did I use too little?"


@pytest.mark.parametrize("folder", ["more-engines", "theavalanches-phpbb-wayback/phpBB2/t125",
                                    "awful-somethingawful-vb3"])
def test_a_page_s_hinted_elements_under_a_record_are_those_a_walk_finds(folder: str) -> None:
    """`Hints.under` finds a record's classed elements from their places in the page: the same
    elements, in the same order, as walking the record finds, on every record of real pages."""
    from scraper.generic_count import count
    from tests.conftest import shared

    pages = sorted(p for p in shared(*folder.split("/")).rglob("*.html"))[:6]
    assert pages
    asked = 0
    for page in pages:
        root = generic.tree(page.read_bytes())
        counts = count(root)
        for records in generic.record_groups(root, counts):
            for part in (p for r in records for p in r.parts()):
                walked = [e for e in part.iter() if e in counts.hints]
                assert counts.hints.under(part) == walked, page.name
                assert counts.hints.under(part, self_too=False) == [e for e in walked
                                                                    if e is not part]
                asked += 1
    assert asked >= 20


@pytest.mark.parametrize("members, dates", [
    ("membres", ["il y a 3 heures", "il y a 2 heures", "il y a 40 minutes"]),
    ("utente", ["3 giorni fa", "2 giorni fa", "5 ore fa"]),
    ("profil", ["vor 3 Tagen", "1 Jahr 2 Tage her", "gerade eben"]),
    ("usuario", ["hace 2 días", "hace 5 horas", "hace una hora"]),
])
def test_a_page_in_another_language_with_only_relative_dates(members: str, dates: list[str]
                                                            ) -> None:
    # No class names an engine would give, no <time>: the posts are found by the members'
    # links as the site's language names them and by dates shown relative to the day the
    # page was saved.
    names = ["Lucie", "Marco", "Pilar"]
    posts = "".join(
        f'<table width="100%"><tr><td><a href="/{members}/{n + 11}">{name}</a><br>'
        f'<span>{when}</span></td><td>Message {n} : le joint fuit encore après le serrage, '
        f'faut-il le remplacer ?</td></tr></table>'
        for n, (name, when) in enumerate(zip(names, dates)))
    page = (f"<html><head><title>Joint qui fuit</title></head><body><div>{posts}</div>"
            f"</body></html>")
    [thread] = generic.parse(page.encode(), "joint.html")
    assert [p.author for p in thread.posts] == names
    assert thread.posts[2].body.startswith("Message 2 : le joint fuit")


def test_a_line_a_member_posted_before_is_theirs_again_and_anothers_is_a_quote() -> None:
    from scraper.models import Post
    from scraper.normalise import normalise

    code = "for /F \"tokens=3 delims=:\" %%F in (\"%~0\") do goto %%F & rem the thread's label"
    posts = [Post(body=f"My script:\n{code}\nIt stops after the first line.", author="dbenham"),
             Post(body="Which Windows version do you run it on?", author="jeb"),
             Post(body=f"Fixed it:\n{code}\n>&2 echo Unable to redirect\nNow it runs.",
                  author="dbenham"),
             Post(body=f"{code}\nThis line is the one that fails for me.", author="sst")]
    t = normalise(Thread(thread_id="1", title="t", posts=posts))
    assert t.posts[2].quotes == [] and code in t.posts[2].body  # his own code, posted again
    assert [q.author for q in t.posts[3].quotes] == ["dbenham"]  # another member's copy of it
    assert t.posts[3].body == "This line is the one that fails for me."


def test_a_byline_word_and_a_quote_head_s_arrow_and_date_are_no_part_of_a_name() -> None:
    row = ('<div class="post"><div class="author">by <strong>{name}</strong></div>'
           '<div class="date">{date}</div><div class="content">{body}</div></div>')
    quote = ('<blockquote><div><cite><a href="memberlist.php?mode=viewprofile&amp;u=5">Jan Antonin'
             '</a> wrote: <a href="viewtopic.php?p=101#p101">↑</a><div class="responsive-hide">23 May '
             '2018 10:49</div></cite>Here my three ideas.</div></blockquote>But why not pipe it?')
    page = ("<html><body><h2>Piping into a script</h2>" + row.format(
        name="Jan Antonin", date="23 May 2018 10:49", body="Here my three ideas for the script.")
        + row.format(name="Ed Dyreen", date="23 May 2018 13:21", body=quote) + "</body></html>")
    [t] = scraper.parse(page.encode(), "print.html")
    assert [p.author for p in t.posts] == ["Jan Antonin", "Ed Dyreen"]
    assert [q.author for q in t.posts[1].quotes] == ["Jan Antonin"]
    assert t.posts[1].body == "But why not pipe it?"


@pytest.mark.parametrize("placeholder", [
    "This message is hidden because spoke_sam is on your ignore list.",
    "This post was made by spoke_sam who is currently on your foe list. Display this post",
    "You are ignoring content by this member.\nShow ignored content",
    "You are ignoring this user. Show me the post.",
    "Dieser Beitrag wurde von spoke_sam verfasst, der sich auf deiner Ignorier-Liste befindet.",
])
def test_an_engine_s_word_for_an_ignored_member_s_post_is_none_of_theirs(placeholder: str) -> None:
    from scraper.models import Post
    from scraper.normalise import normalise

    posts = [Post(body="Which wax for a wet winter?", author="marta"),
             Post(body=placeholder, author="spoke_sam"),
             Post(body=f"{placeholder}\nI ignore nobody: wax it weekly.", author="derailleur_dan")]
    t = normalise(Thread(thread_id="1", title="t", posts=posts))
    assert [p.body for p in t.posts] == ["Which wax for a wet winter?", "",
                                         "I ignore nobody: wax it weekly."]


def test_a_comment_tree_with_members_pages_at_tilde_names_an_anonymous_reader_and_undated_replies(
        ) -> None:
    # Slashdot's way: "//host/~name" is a member's page, the member's number beside the name
    # is none of it, and an anonymous reader's name is plain text after a "by" label.
    t = _parse("tilde-profiles-comment-tree.html")
    assert [(p.post_number, p.author) for p in t.posts] == [
        (1, "wintertom"), (2, "Anonymous Reader"), (3, "lena_k"), (4, "grit")]
    assert t.posts[1].body.startswith("Add a splash of glycol")
    # A reply shown on one line, undated, is a post all the same (built as the dated ones,
    # named, with words); a comment below the reader's threshold (its block classed
    # "hidden", only its member's name in it) is none.
    assert t.posts[2].posted_at is None and t.posts[2].body.startswith("Glycol worked")


def test_a_style_sheet_that_hides_the_whole_thread_until_a_script_shows_it_hides_nothing() -> None:
    page = (HERE / "alternating-post-classes.html").read_text().replace(
        "</head>", "<style>.section-body {display: none}</style></head>")
    [t] = scraper.parse(page.encode(), "fade-in.html")
    assert [p.author for p in t.posts] == ["spokewright", "truing_stand", "spokewright", "truing_stand"]


def test_today_and_yesterday_are_read_by_the_clock_the_page_shows() -> None:
    page = (HERE / "today-by-the-page-clock.html").read_text()
    [t] = scraper.parse(page.encode(), "smf1.html")
    assert [p.posted_at for p in t.posts] == [
        "2014-07-30T20:49:09", "2014-07-30T22:30:22", "2014-07-31T21:03:11"]
    # A date before the latest post's is no clock (a "last visit" line): no day for "Today"
    [t] = scraper.parse(page.replace("July 31, 2014, 10:26:29 PM", "July 29, 2014, 10:26:29 PM")
                        .encode(), "smf1.html")
    assert [p.posted_at for p in t.posts][1:] == [None, None]
    # labelled, in another language
    [t] = scraper.parse(page.replace("July 31, 2014, 10:26:29 PM", "Aktuelle Zeit: 31.07.2014")
                        .replace("<b>Today</b> at", "<b>Heute</b> um").encode(), "smf1.html")
    assert t.posts[2].posted_at == "2014-07-31T21:03:11"


def test_a_plain_text_quote_head_in_lower_case_opens_a_quote() -> None:
    # vBulletin's archive view writes "Originally posted by X" as plain text, as it was typed
    from scraper.models import Post
    from scraper.normalise import normalise

    posts = [Post(body="Allez! Time to handicap the field of this year's Tour.", author="MavRick"),
             Post(body="Originally posted by MavRick\nAllez! Time to handicap the field of this "
                       "year's Tour.\n\nVinokourov is out after a crash.", author="nanookfan")]
    t = normalise(Thread(thread_id="1", title="t", posts=posts))
    assert t.posts[1].body == "Vinokourov is out after a crash."
    assert [(q.author, q.post_number) for q in t.posts[1].quotes] == [("MavRick", 1)]


@pytest.mark.parametrize("url, thread", [
    ("https://www.healingwell.com/community/default.aspx?f=34&m=4099304", "4099304"),
    ("https://www.pistonheads.com/gassing/topic.asp?h=0&f=63&t=1858583", "1858583"),
    ("https://f.example/index.php?topic=92066.msg2506054#msg2506054", "92066"),
    ("https://f.example/forum/index.php/Thread/1873-Cloudy-water-in-a-60-litre-tank/", "1873"),
    ("https://f.example/threads/chain-wax.12345/", "12345"),
    ("https://f.example/t/most-stars-in-2013-octoverse/12483", "12483"),
    ("https://f.example/forums/12/topics/3456", "3456"),
    ("https://f.example/showthread.php?128882-some-title/page3", "128882"),
    ("showthread.php/9687-Legendary-columnist-Bob-Dorr-dies-at-76", "9687"),
    ("https://community.f.example/security-cloud-11/portuguese-in-free-version-8313", "8313"),
    ("https://f.example/posts/Heart-Disease/Wolfe-Parkinson-White/show/250747", "250747"),
    # the board's number, then the topic's (FanFiction); a page after a topic's number; a
    # Discourse topic's post
    ("https://www.fanfiction.net/topic/146535/168685925/1/The-OC-Creation", "168685925"),
    ("https://f.example/topic/98765/2", "98765"),
    ("https://f.example/t/some-title/123/4567", "123"),
])
def test_the_thread_s_number_in_its_address_not_its_board_s(url: str, thread: str) -> None:
    # a board's number first would make one thread of all the board's topics
    from scraper.urls import thread_number

    assert thread_number(url) == thread


def test_a_block_built_as_a_post_inside_a_post_is_part_of_it() -> None:
    # undated blocks built as the records are posts only outside the records: one inside a
    # post (a quote the theme styles as a post) is that post's
    post = ('<div class="entry"><a href="/members/{n}">{n}</a> <span class="date">{d} 2021</span>'
            '<div class="text">{body}</div></div>')
    inner = ('<div class="entry"><a href="/members/bob">bob</a> said the chain was fine at '
             'four thousand kilometres</div>')
    page = "<html><body><h1>Chain wear</h1><div id='thread'>" + "".join(
        post.format(n=n, d=d, body=b) for n, d, b in [
            ("ann", "3 March", "How long does a chain last on a gravel bike, roughly?"),
            ("cy", "4 March", inner + "Mine lasted five thousand, measured every month."),
            ("dee", "5 March", "Replace at 0.5% stretch and the cassette lives longer.")]) \
        + "</div></body></html>"
    [t] = scraper.parse(page.encode(), "wear.html")
    assert [p.author for p in t.posts] == ["ann", "cy", "dee"]


def test_a_comment_s_author_bar_inside_its_text_and_a_permalink_classed_as_the_comment() -> None:
    # JoyReactor's comments: the unclassed words, then the author's bar in the same block, with
    # the permalink `<a class="comment_link">ссылка</a>`, no words of the member's. The title is
    # in Cyrillic letters only: its slug keeps them, or every such page would be one thread.
    t = _parse("author-bar-inside-the-text.html")
    assert [(p.author, p.posted_at, p.body) for p in t.posts] == [
        ("Pinguin", "2017-04-03T22:30:00", "Шипы нужны только на льду, по снегу хватает широкой покрышки."),
        ("Diablero", "2017-04-03T22:43:00", "Согласен, а давление лучше снизить до двух атмосфер."),
        ("LYVrus", "2017-04-04T08:05:00", "Wasted!")]
    assert t.thread_id == "велосипед"


def test_a_body_classed_prose_quoteless_is_no_quote() -> None:
    # Tailwind's typography classes on a Drupal 10 theme (vauva.fi): "prose-quoteless" says the
    # body's quotes get no quote marks; read as a quote, the body was the flag link under it.
    t = _parse("prose-quoteless-bodies.html")
    assert [(p.author, p.body) for p in t.posts] == [
        ("Vierailija", "Kumpi on laihduttajalle parempi, riisi vai peruna?"),
        ("Vierailija", "Unohda molemmat, kummallakaan ei ole ravinnollista merkitystä."),
        ("Peruna-Pekka", "Keitetty peruna pitää nälän poissa pidempään kuin riisi.")]
    assert not any(p.quotes for p in t.posts)


def test_a_name_and_a_date_on_labelled_lines_opening_the_words() -> None:
    # An old Phorum template (hevostalli.net): "<b>Lähettäjä</b>: Huoh<br>Päivämäärä: 27.8.24
    # 21:10:13<br><br>words", all in the message's one paragraph. The label was every post's
    # "name", and the words' block, holding it, was passed over for the subject row.
    t = _parse("labelled-name-and-date-lines.html")
    assert [(p.author, p.posted_at) for p in t.posts] == [
        (":(", "2024-08-27T21:08:52"), ("Huoh", "2024-08-27T21:10:13"),
        ("Valkku", "2024-08-28T07:16:15")]
    assert t.posts[1].body == ("Pisteet kertovat suorituksesta, eivät ratsastajan iästä. "
                               "Lue kommentit, niistä oppii eniten.")


@pytest.mark.parametrize("shown, iso", [
    ("27.8.24 21:08:52", "2024-08-27T21:08:52"),  # two-digit year, a clock after it
    ("27.8.24", None), ("version 3.10.12", None),  # no clock: as likely a version
])
def test_dotted_dates_with_a_two_digit_year(shown: str, iso: str | None) -> None:
    assert shown_date(shown) == iso


@pytest.mark.parametrize("title", [
    "Old Board :: View topic - Bike fit question",
    "Altes Forum • Thema anzeigen - Bike fit question",
])
def test_a_view_topic_label_in_the_title_precedes_the_topic(title: str) -> None:
    # phpBB's "Board :: View topic - Topic" names the board first: the topic follows the label.
    page = (FIXTURES / "generic" / "table-layout.html").read_text()
    page = page.replace("<title>Bike fit question - Old Board</title>", f"<title>{title}</title>")
    page = page.replace("<h1>Bike fit question", "<h1>Old Board")
    assert title in page and "<h1>Old Board" in page
    [thread] = generic.parse(page.encode(), "viewtopic.php")
    assert thread.title == "Bike fit question"
