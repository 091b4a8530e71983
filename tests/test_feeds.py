"""Archives and feeds: mbox, pipermail and Hyperkitty pages, Reddit JSON, forum-dl JSONL, WARC."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scraper import ParseError, parse
from scraper.detect import detect
from scraper.mailtext import attribution_name, split_mail
from tests.conftest import FIXTURES


def _read(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


# --- mbox ---------------------------------------------------------------------------------

def test_mbox_threads_by_references_and_splits_quotes_and_signatures() -> None:
    data = _read("mbox", "wheel-truing.mbox")
    assert detect(data, "x.mbox") == "mbox"
    truing, chain = parse(data, "wheel-truing.mbox")
    # named as a pipermail page of any of its messages names it (scraper.maillist)
    assert truing.thread_id == "truing-a-wheel-without-a-stand"
    assert truing.title == "Truing a wheel without a stand"
    assert truing.forum is None  # a pipermail .txt archive: no List-Post, List-Id, To or Cc
    assert [p.author for p in truing.posts] == ["Alice Spoke", "Bob Hub", "Carol Rim"]
    alice, bob, carol = truing.posts
    assert alice.signature == "Alice, riding since 1998"
    assert bob.body.startswith("Yes. Tighten the spoke") and "wrote" not in bob.body
    assert bob.body.endswith("Café mechanics do it all the time.")  # quoted-printable UTF-8
    assert bob.signature == "Bob" and bob.reply_to == 1
    assert [(q.author, q.post_number) for q in bob.quotes] == [("Alice Spoke", 1)]
    assert carol.body == "And check the dish afterwards with a ruler."
    assert [(q.author, q.post_number) for q in carol.quotes] == [("Bob Hub", 2)]
    assert bob.posted_at == "2025-03-03T10:15:00+00:00" and bob.post_id == "b2@example.net"
    assert [p.author for p in chain.posts] == ["Dave Crank"]
    assert chain.posts[0].body.endswith("\nFrom the shop: the cheap ones overstate wear.")


def test_mbox_joins_a_reply_whose_parent_id_was_rewritten_by_subject() -> None:
    data = (b"From a  Mon Mar  3 09:00:00 2025\nFrom: A <a@x.org>\nSubject: [l] Spokes\n"
            b"Message-ID: <1@x.org>\n\nHow many?\n\n"
            b"From b  Mon Mar  3 10:00:00 2025\nFrom: B <b@x.org>\nSubject: Re: [l] Spokes\n"
            b"Message-ID: <2@x.org>\nIn-Reply-To: <1@rewritten.org>\n\n32.\n\n"
            b"From c  Mon Mar  3 11:00:00 2025\nFrom: C <c@x.org>\nSubject: [l] Spokes\n"
            b"Message-ID: <3@x.org>\n\nA new question with an old subject.\n")
    threads = parse(data, "l.mbox")
    assert [[p.author for p in t.posts] for t in threads] == [["A", "B"], ["C"]]
    # one name for both would make them one thread: the later is told apart by its Message-ID
    assert [t.thread_id for t in threads] == ["spokes", "spokes~3@x.org"]
    assert [t.title for t in threads] == ["Spokes", "Spokes"]


@pytest.mark.parametrize(("line", "name"), [
    ("On Sat, 2015-11-14 at 21:29 +0100, Andy Grunwald wrote:", "Andy Grunwald"),
    ("2015-11-15 23:43 GMT+01:00 Jesus M. Gonzalez-Barahona <jgb at example.com>:",
     "Jesus M. Gonzalez-Barahona"),
    ("Am 03.03.2025 um 09:00 schrieb Alice Spoke:", "Alice Spoke"),
    ("Bob Hub <bob@example.net> wrote:", "Bob Hub"),
    ("On Mon, Mar 3, 2025 at 9:00 AM Alice Spoke <alice@example.org> wrote:", "Alice Spoke"),
    ("On Mar 3, 2025, at 09:00, Alice Spoke <alice@example.org> wrote:", "Alice Spoke"),
    ("On 3/3/25, Alice Spoke wrote:", "Alice Spoke"),
    ("Le 3 mars 2025 à 09:00, Alice Spoke a écrit :", "Alice Spoke"),
    # Lotus Notes: the date after the verb
    ("Alice Spoke schrieb am 23.02.2006 22:04:19:", "Alice Spoke"),
    ("Alice Spoke wrote on 02/23/2006 10:04:19 PM:", "Alice Spoke"),
    # mutt, as many set it: the name, the address and the date, starred
    ("* Carl Knoos (cknoos@example.com) [000331 01:39]:", "Carl Knoos"),
])
def test_attribution_names(line: str, name: str) -> None:
    assert attribution_name(line) == name


def test_split_mail_drops_mailman_chrome() -> None:
    body, quotes, sig = split_mail("Own words.\n> quoted\n_______________________________"
                                   "________________\nbikes mailing list\nbikes at x.org\n"
                                   "-------------- next part --------------\nscrubbed")
    assert (body, [q.text for q in quotes], sig) == ("Own words.", ["quoted"], None)


def test_a_quoted_line_the_client_wrapped_stays_in_its_quote() -> None:
    # The quoting client wrapped a long quoted line and lost its "> ": the rest of the line,
    # between two quoted lines, is quoted too. A short answer under a short quoted line is
    # the member's own.
    body, quotes, _ = split_mail(
        "Hans Meier schrieb am 23.02.2006 22:04:19:\n\n> > we need a standard name for the "
        "advection of\n\"atmosphere_water_content\".\n> > I propose\n\nThat would do.")
    assert body == "That would do."
    assert [(q.author, q.text) for q in quotes] == [
        ("Hans Meier", '> we need a standard name for the advection of "atmosphere_water_content".'
         "\n> I propose")]
    body, quotes, _ = split_mail("> is it broken?\nYes.\n> and the rim?\nFine.")
    assert body == "Yes.\n\nFine." and [q.text for q in quotes] == ["is it broken?", "and the rim?"]
    assert [q.author for q in split_mail("On Mon, Ann Spoke wrote:\n> is it broken?\nYes.\n"
                                         "> and the rim?\nFine.")[1]] == ["Ann Spoke"] * 2


def test_split_mail_outlook_original_message_is_a_quote() -> None:
    body, quotes, _ = split_mail("Sure, Tuesday.\n\n-----Original Message-----\nFrom: Alice Spoke "
                                 "[mailto:alice@example.org]\nSent: Monday\nTo: list\n"
                                 "Subject: Ride\n\nTuesday ride?\n")
    assert body == "Sure, Tuesday."
    assert [(q.author, q.text) for q in quotes] == [("Alice Spoke", "Tuesday ride?")]


def test_not_an_mbox_raises() -> None:
    with pytest.raises(ParseError, match="not an mbox"):
        parse(b"just some text\n", "x.mbox", "mbox")


# --- pipermail and Hyperkitty -------------------------------------------------------------

@pytest.mark.parametrize(("file", "fmt"), [("pipermail-message.html", "pipermail-html"),
                                           ("hyperkitty-message.html", "hyperkitty-html")])
def test_mailman_message_pages(file: str, fmt: str) -> None:
    data = _read("mailman", file)
    assert detect(data, file) == fmt
    [thread] = parse(data, file)
    assert thread.thread_id == "truing-a-wheel-without-a-stand"
    assert thread.forum == "bike-list@lists.example.org"
    [post] = thread.posts
    assert post.author == "Bob Hub" and post.post_number == 1
    assert post.post_id == "b2@example.net"  # the Message-ID, from the page's reply link
    assert post.body == "Yes. Tighten the spoke opposite the rub a quarter turn at a time."
    assert [(q.author, q.text) for q in post.quotes] == [
        ("Alice Spoke", "Can I true a rear wheel with the bike upside down?")]
    assert post.posted_at == "2025-03-03T10:15:00"


def test_mbox_keeps_every_message_and_splits_only_at_envelope_lines() -> None:
    # A message with no From header (ELM's, named by its Reply-To and its envelope line); a body
    # line that begins "From " is no new message; a "No Subject" joins nothing; a Message-ID
    # an archiver spaced is still the id the reply names.
    data = (b"From markov Sun Aug  8 10:04:17 1999\nSubject: Resize with transparency\n"
            b"Date: Sun, 8 Aug 1999 10:04:17 +0200\nReply-To: markov@example.nl (Mark Overmeer)\n\n"
            b"Is there a way to keep the alpha channel?\n\n"
            b"From carl@example.com Mon Aug  9 09:00:00 1999\nFrom: Carl <carl@example.com>\n"
            b"Subject: No Subject\nMessage-ID: <1@ casa.example.edu >\n"
            b"Date: Mon, 9 Aug 1999 09:00:00 +0000\nIn-Reply-To: <gone@example.com>\n\n"
            b"Welcome to the list. Read this:\nFrom Black's Law Dictionary:\n"
            b"a definition the mbox must keep.\n\n"
            b"From dana@example.com Mon Aug  9 10:00:00 1999\nFrom: Dana <dana@example.com>\n"
            b"Subject: No Subject\nMessage-ID: <2@example.com>\nIn-Reply-To: <gone2@example.com>\n"
            b"Date: Mon, 9 Aug 1999 10:00:00 +0000\n\nsubscribe\n\n"
            b"From erin@example.com Mon Aug  9 11:00:00 1999\nFrom: Erin <erin@example.com>\n"
            b"Subject: Re: No Subject\nMessage-ID: <3@example.com>\n"
            b"In-Reply-To: <1@casa.example.edu>\nDate: Mon, 9 Aug 1999 11:00:00 +0000\n\nThanks.\n")
    threads = parse(data, "l.mbox")
    assert [[p.author for p in t.posts] for t in threads] == [["Mark Overmeer"], ["Carl", "Erin"],
                                                              ["Dana"]]
    carl = threads[1].posts[0]
    assert carl.post_id == "1@casa.example.edu"
    assert carl.body.endswith("From Black's Law Dictionary:\na definition the mbox must keep.")
    assert threads[1].posts[1].reply_to == 1


def test_mail_quotes_of_mutt_and_outlook_on_behalf_and_a_rule_over_the_first_words() -> None:
    body, quotes, _ = split_mail("* Carl Knoos (cknoos@example.com) [000331 01:39]:\n"
                                 "> I tried -resize\n\nUse -geometry.\n")
    assert (body, [(q.author, q.text) for q in quotes]) == (
        "Use -geometry.", [("Carl Knoos", "I tried -resize")])
    body, quotes, _ = split_mail(
        "Thanks.\n\n-----Original Message-----\nFrom: users-bounces_at_[hidden] "
        "[mailto:users-bounces_at_[hidden]] On\nBehalf Of Jeff Squyres (jsquyres)\n"
        "Sent: Wednesday, January 16, 2013 4:39 PM\nSubject: Re: x\n\nUse the wrapper.\n")
    assert (body, [(q.author, q.text) for q in quotes]) == ("Thanks.", [("Jeff Squyres",
                                                                        "Use the wrapper.")])
    body, _, signature = split_mail("--\nWelcome to the list.\n-- \nThe list owner\n")
    assert ("Welcome to the list." in body, signature) == (True, "The list owner")


def test_a_hypermail_page_whose_site_replaced_its_head() -> None:
    # The generator line gone (a site's own header, included by PHP): the fields and the body
    # mark still say what it is.
    page = _read("mailman", "hypermail-message.html").decode()
    page = re.sub(r"<meta[^>]*generator[^>]*>", "", page, flags=re.I)
    assert "generator" not in page.lower()
    assert detect(page.encode(), "0001.php") == "hypermail-html"
    [thread] = parse(page.encode(), "0001.php")
    assert [p.author for p in thread.posts] == ["Bob Hub"]


def test_hypermail_message_page() -> None:
    # hypermail's print.c: the fields in comments, the body between body="start" and "end",
    # its From/Date block and "Received on" line no words of the message.
    data = _read("mailman", "hypermail-message.html")
    assert detect(data, "0001.html") == "hypermail-html"
    [thread] = parse(data, "0001.html")
    assert (thread.thread_id, thread.forum) == ("truing-a-wheel-without-a-stand",
                                                "bike-list@lists.example.org")
    [post] = thread.posts
    assert (post.author, post.post_id, post.posted_at) == ("Bob Hub", "b2@example.net",
                                                           "2025-03-03T10:15:00+00:00")
    assert post.body == "Yes. Tighten the spoke opposite the rub a quarter turn at a time."
    assert [(q.author, q.text) for q in post.quotes] == [
        ("Alice Spoke", "Can I true a rear wheel with the bike upside down?")]
    assert post.signature == "Bob"


def test_hyperkitty_thread_page_gives_every_email() -> None:
    page = _read("mailman", "hyperkitty-message.html").decode()
    start, end = page.index('<div class="email email-first">'), page.index("        </section>")
    reply = (page[start:end].replace("B2HASH", "C3HASH").replace("Bob Hub", "Carol Rim")
             .replace("email email-first", "email").replace("b2%40example.net", "c3%40example.com")
             .replace("Yes. Tighten the spoke", "Check the dish. Tighten the spoke"))
    [thread] = parse((page[:end] + reply + page[end:]).encode(), "thread.html")
    assert [(p.post_number, p.author, p.post_id) for p in thread.posts] == [
        (1, "Bob Hub", "b2@example.net"), (2, "Carol Rim", "c3@example.com")]
    assert thread.posts[1].body.startswith("Check the dish.")


def test_one_message_from_pipermail_and_hyperkitty_is_one_post(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    pages = [str(FIXTURES / "mailman" / f) for f in ("pipermail-message.html",
                                                     "hyperkitty-message.html")]
    for i, order in enumerate((pages, pages[::-1])):
        data = ["--data-dir", str(tmp_path / str(i))]
        for page in order:  # one file at a time: the second finds the first in the store
            assert CliRunner().invoke(main, [*data, "ingest", page]).exit_code == 0
        out = CliRunner().invoke(main, [*data, "export"]).output
        rows = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        assert [(r["thread_id"], r["post_id"], r["author"]) for r in rows] == [
            ("truing-a-wheel-without-a-stand", "b2@example.net", "Bob Hub")]


def test_message_id_of_a_reply_link_keeps_its_plus() -> None:
    page = _read("mailman", "pipermail-message.html").replace(b"b2%40example.net",
                                                               b"CA+b2%40example.net")
    [thread] = parse(page, "m.html")
    assert thread.posts[0].post_id == "CA+b2@example.net"


def test_mbox_html_only_message_and_encoded_headers() -> None:
    data = (b"From x  Mon Mar  3 09:00:00 2025\nFrom: =?utf-8?q?Ren=C3=A9e_Rim?= <r@x.org>\n"
            b"Subject: =?utf-8?q?Caf=C3=A9_ride?=\nMessage-ID: <1@x.org>\n"
            b"Content-Type: text/html; charset=utf-8\n\n<p>Meet at <b>nine</b>.</p><p>Bring tubes.</p>\n")
    [thread] = parse(data, "x.mbox")
    assert thread.title == "Café ride"
    [post] = thread.posts
    assert (post.author, post.body) == ("Renée Rim", "Meet at nine.\n\nBring tubes.")


def test_mbox_raw_eight_bit_and_misdeclared_header_words_are_read(tmp_path: Path) -> None:
    # A name in raw 8-bit bytes (no RFC 2047 word) and a word that says UTF-8 over Latin-1
    # bytes, as real archives have them: the email package keeps the first as surrogates,
    # which no store can hold, and cannot decode the second.
    data = (b"From x  Mon Mar  3 09:00:00 2025\nFrom: \"\xc3\x94lafur Rim\" <o@x.org>\n"
            b"Subject: Spoke tension\nMessage-ID: <1@x.org>\n\nHow tight is tight enough?\n\n"
            b"From x  Mon Mar  3 10:00:00 2025\nFrom: =?UTF-8?Q?Luc=eda_Hub?= <l@x.org>\n"
            b"Subject: Re: Spoke tension\nMessage-ID: <2@x.org>\nIn-Reply-To: <1@x.org>\n\n"
            b"Pluck them: a clear note.\n")
    [thread] = parse(data, "x.mbox")
    assert [p.author for p in thread.posts] == ["\u00d4lafur Rim", "Luc\u00eda Hub"]
    from click.testing import CliRunner

    from kb.cli import main

    (tmp_path / "x.mbox").write_bytes(data)
    out = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "ingest",
                                    str(tmp_path / "x.mbox")])
    assert out.exit_code == 0 and "2 added" in out.output, out.output


def test_a_lone_surrogate_is_replaced_not_the_thread_lost() -> None:
    # A JSON "\\ud83d" cut from its pair decodes to a lone surrogate.
    from scraper.models import Post, Thread
    from scraper.normalise import normalise

    thread = normalise(Thread(thread_id="1", title="Wheels \ud83d", format="x",
                              posts=[Post(body="True it \ud83d now", author="Ann")]))
    assert (thread.title, thread.posts[0].body) == ("Wheels \ufffd", "True it \ufffd now")


def test_pipermail_page_without_article_raises() -> None:
    with pytest.raises(ParseError, match="no message found"):
        parse(b"<html><body><h1>x</h1></body></html>", "x.html", "pipermail-html")


# --- Reddit -------------------------------------------------------------------------------

def test_reddit_comment_tree_in_render_order() -> None:
    data = _read("reddit", "truing.json")
    assert detect(data, "truing.json") == "reddit-json"
    [thread] = parse(data, "truing.json")
    assert (thread.thread_id, thread.forum, thread.posts_declared) == ("abc123", "reddit.com", 6)
    assert thread.title == "Truing a wheel without a stand?"
    got = [(p.post_number, p.author, p.reply_to, p.body) for p in thread.posts]
    assert got == [
        (1, "spokey", None, "Zip ties on the chainstay work?"),
        (2, "hubnut", 1, "Yes, quarter turns & patience."),  # "&amp;amp;" unescaped once
        (3, "spokey", 2, "Thanks, worked."),
        (4, "[deleted]", 1, "[removed]"),  # "more" stubs are skipped, [deleted] kept
        (5, "brakeman", 4, "Or just use the brake pads as a guide."),  # markdown only
    ]
    quote = thread.posts[2].quotes[0]
    assert (quote.text, quote.post_number, quote.author) == ("quarter turns", 2, "hubnut")
    assert thread.posts[1].score == 7 and thread.posts[1].post_id == "t1_c1"


def test_reddit_subreddit_listing_gives_each_submission_and_merges_with_its_comments(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    page = json.loads(_read("reddit", "truing.json"))
    other = json.loads(json.dumps(page[0]["data"]["children"][0]))
    other["data"].update(id="zz9", name="t3_zz9", title="Tubeless sealant", permalink="/r/x/zz9/")
    listing = {"kind": "Listing", "data": {"children": [page[0]["data"]["children"][0], other]}}
    threads = parse(json.dumps(listing).encode(), "r.json")
    assert [(len(t.posts), t.title) for t in threads] == [
        (1, page[0]["data"]["children"][0]["data"]["title"]), (1, "Tubeless sealant")]
    (tmp_path / "r.json").write_text(json.dumps(listing))
    files = [str(tmp_path / "r.json"), str(FIXTURES / "reddit" / "truing.json")]
    exports = []
    for i, order in enumerate((files, files[::-1])):
        data = ["--data-dir", str(tmp_path / str(i))]
        for f in order:
            assert CliRunner().invoke(main, [*data, "ingest", f]).exit_code == 0
        exports.append(CliRunner().invoke(main, [*data, "export"]).output)
    assert exports[0] == exports[1]
    [full] = parse(_read("reddit", "truing.json"), "truing.json")
    assert exports[0].count('"thread_id"') == len(full.posts) + 1  # and the other submission


REDDIT_DUMPS = ["RS_2023-11_bikewrench.ndjson", "RC_2023-11_bikewrench.ndjson",
                "RC_2023-12_bikewrench.ndjson", "arctic-shift-tree.json"]


@pytest.mark.parametrize("name", REDDIT_DUMPS)
def test_reddit_dumps_are_detected_by_their_records(name: str) -> None:
    assert detect(_read("reddit", name), name) == "reddit-dump"


def test_a_reddit_comments_dump_groups_its_comments_by_submission() -> None:
    """Pushshift's old lines: string times, no name, no permalink, a comment twice."""
    truing, meter, orphan = parse(_read("reddit", "RC_2023-11_bikewrench.ndjson"), "RC.ndjson")
    assert [t.thread_id for t in (truing, meter, orphan)] == ["abc123", "def456", "zzz999"]
    got = [(p.post_number, p.post_id, p.author, p.reply_to, p.body) for p in truing.posts]
    assert got == [  # by posting time, then id; the second copy of c3 left out
        (1, "t1_c1", "hubnut", None, "Yes, quarter turns & patience."),
        (2, "t1_c2", "[deleted]", None, "[removed]"),
        (3, "t1_c3", "spokey", 1, "Thanks, worked."),
        (4, "t1_c4", "brakeman", 2, "Or just use the brake pads as a guide."),
    ]
    quote = truing.posts[2].quotes[0]
    assert (quote.text, quote.post_number, quote.author) == ("quarter turns", 1, "hubnut")
    assert truing.posts[0].posted_at == "2023-11-14T22:13:20+00:00"
    assert truing.posts[0].url == "https://www.reddit.com/r/bikewrench/comments/abc123/_/c1/"
    assert truing.url == "https://www.reddit.com/r/bikewrench/comments/abc123/"
    assert meter.posts[0].author_title == "Wheelbuilder"
    # no file gave it a title: its first words, until its submission's file comes
    assert orphan.title == "Check the hub bearings before you blame the rim."


def test_arctic_shift_s_comment_tree_is_flattened_and_its_more_stub_skipped() -> None:
    [meter] = parse(_read("reddit", "arctic-shift-tree.json"), "tree.json")
    assert [(p.post_id, p.reply_to) for p in meter.posts] == [("t1_d1", None), ("t1_d2", 1)]
    assert meter.posts[1].url.endswith("/which_spoke_tension_meter/d2/")


def test_a_reddit_thread_from_dumps_and_its_comments_page_is_one_in_any_order(
        tmp_path: Path) -> None:
    """Submissions, two months of comments, the comments page and the comment tree: the same
    export whatever the order; a reply whose parent is last month's is linked to it."""
    from click.testing import CliRunner

    from kb.cli import main

    files = [str(FIXTURES / "reddit" / n) for n in [*REDDIT_DUMPS, "truing.json"]]
    exports = []
    for i, order in enumerate((files, files[::-1], files[2:] + files[:2])):
        data = ["--data-dir", str(tmp_path / str(i))]
        for f in order:
            assert CliRunner().invoke(main, [*data, "ingest", f]).exit_code == 0
        exports.append(CliRunner().invoke(main, [*data, "export"]).output)
    assert exports[0] == exports[1] == exports[2]
    rows = [json.loads(x) for x in exports[0].splitlines()]
    meter = sorted((r for r in rows if r["thread_id"] == "def456"), key=lambda r: r["post_number"])
    assert [(r["post_id"], r["reply_to"]) for r in meter] == [
        ("t3_def456", None), ("t1_d1", 1), ("t1_d2", 2)]
    assert meter[0]["thread_title"] == "Which spoke tension meter?"
    assert [q["post_number"] for q in meter[2]["quotes"]] == [2]
    truing = [r for r in rows if r["thread_id"] == "abc123"]
    [page] = parse(_read("reddit", "truing.json"), "truing.json")
    assert len(truing) == len(page.posts)  # the dumps' copies matched by name, none twice


def test_a_comment_in_its_submission_s_second_comes_after_it(tmp_path: Path) -> None:
    """AutoModerator answers in the second a submission is posted; in the merge of the two
    files (the comments' sorting first by name) the submission is still post 1."""
    from click.testing import CliRunner

    from kb.cli import main

    sub = {"id": "q1", "title": "Creaking bottom bracket", "selftext": "Clicks under load.",
           "author": "crankyboi", "created_utc": 1700000000, "num_comments": 1,
           "subreddit": "bikewrench"}
    bot = {"id": "k1", "body": "Please include your bike's model.", "author": "AutoModerator",
           "created_utc": 1700000000, "link_id": "t3_q1", "parent_id": "t3_q1",
           "subreddit": "bikewrench"}
    (tmp_path / "a_comments.ndjson").write_text(json.dumps(bot))
    (tmp_path / "b_submissions.ndjson").write_text(json.dumps(sub))
    data = ["--data-dir", str(tmp_path / "data")]
    for name in ("b_submissions.ndjson", "a_comments.ndjson"):
        assert CliRunner().invoke(main, [*data, "ingest", str(tmp_path / name)]).exit_code == 0
    rows = [json.loads(x) for x in CliRunner().invoke(main, [*data, "export"]).output.splitlines()]
    assert [(r["post_number"], r["author"], r["reply_to"]) for r in rows] == [
        (1, "crankyboi", None), (2, "AutoModerator", 1)]


def test_a_reddit_dump_cut_mid_line_keeps_its_whole_lines() -> None:
    data = _read("reddit", "RC_2023-11_bikewrench.ndjson")
    threads = parse(data[:-40], "RC.ndjson")
    assert sum(len(t.posts) for t in threads) == 5  # the last line (e1) is cut
    with pytest.raises(ParseError, match="line 2: invalid JSON"):
        parse(data.replace(b'"c2"', b'"c2', 1), "RC.ndjson", "reddit-dump")


def test_reddit_user_page_of_comments_from_many_threads_is_refused() -> None:
    things = [{"kind": "t1", "data": {"name": "t1_a", "link_id": "t3_x", "body": "Nice."}},
              {"kind": "t3", "data": {"name": "t3_y", "id": "y", "title": "Mine"}}]
    data = json.dumps({"kind": "Listing", "data": {"children": things}}).encode()
    with pytest.raises(ParseError, match="a user's page"):
        parse(data, "u.json", "reddit-json")


def test_reddit_listing_without_submission_raises() -> None:
    with pytest.raises(ParseError, match="no submission"):
        parse(b'[{"kind": "Listing", "data": {"children": []}}]', "x.json", "reddit-json")


# --- forum-dl JSONL -----------------------------------------------------------------------

def test_forum_dl_jsonl_posts_of_a_thread() -> None:
    data = _read("forumdl", "truing.jsonl")
    assert detect(data, "truing.jsonl") == "forum-dl-jsonl"
    [thread] = parse(data, "truing.jsonl")  # board and file entries are not posts
    assert (thread.thread_id, thread.title, thread.forum) == (
        "345", "Truing without a stand", "forum.example.org")
    got = [(p.post_number, p.post_id, p.author, p.body) for p in thread.posts]
    assert got == [
        (1, "9001", "spokey", "Can I use zip ties as guides?\nThe rim rubs at the valve."),
        (2, "9002", "hubnut", "Yes, and go a quarter turn at a time."),
        (3, "9003", "spokey", "Worked. Thanks!"),
    ]
    [quote] = thread.posts[1].quotes
    assert (quote.author, quote.text, quote.post_number) == (
        "spokey", "Can I use zip ties as guides?", 1)
    assert thread.posts[0].posted_at == "2025-03-03T09:00:00+00:00"


def test_forum_dl_jsonl_bad_line_raises_with_its_number() -> None:
    first, second, *_ = _read("forumdl", "truing.jsonl").splitlines(keepends=True)
    with pytest.raises(ParseError, match="line 3: invalid JSON"):
        parse(first + second + b'{"generator": "forum-dl", "item": \n', "x.jsonl")


# --- WARC ---------------------------------------------------------------------------------

def _warc(records: list[tuple[str, str, int, bytes]], gzip: bool) -> bytes:
    """A WARC of HTTP responses (url, content type, status, body), made with warcio."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    for url, ctype, status, body in records:
        http = StatusAndHeaders(f"{status} {'OK' if status == 200 else 'Not Found'}",
                                [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                      http_headers=http))
    return out.getvalue()


@pytest.mark.parametrize("gzip", [False, True])
def test_warc_yields_the_threads_of_every_response(gzip: bool) -> None:
    phpbb = _read("phpbb", "prosilver33.html")
    topic = _read("discourse", "topic.4321.json")
    data = _warc([
        ("https://forum.example.org/viewtopic.php?t=1", "text/html; charset=UTF-8", 200, phpbb),
        ("https://forum.example.org/robots.txt", "text/plain", 200, b"User-agent: *\n"),
        ("https://forum.example.org/logo.png", "image/png", 200, b"\x89PNG\r\n\x1a\n\x00"),
        ("https://forum.example.org/gone", "text/html", 404, phpbb),
        ("https://forum.example.org/index.php", "text/html",
         200, _read("phpbb", "not_a_topic.html")),
        ("https://meta.example.org/t/4321.json", "application/json", 200, topic),
    ], gzip)
    name = "crawl.warc.gz" if gzip else "crawl.warc"
    assert detect(data, name) == "warc"
    threads = parse(data, name)
    alone = {t.format: t for t in (parse(phpbb, "p.html") + parse(topic, "4321.json"))}
    assert [t.format for t in threads] == list(alone)  # the 404 copy and the rest give nothing
    for thread in threads:
        want = alone[thread.format or ""]
        assert thread.thread_id == want.thread_id
        assert [(p.author, p.body) for p in thread.posts] == [
            (p.author, p.body) for p in want.posts]
        assert {p.source_format for p in thread.posts} == {"warc"}


def test_warc_two_captures_of_a_page_give_one_thread() -> None:
    phpbb = _read("phpbb", "prosilver33.html")
    url = "https://forum.example.org/viewtopic.php?t=1"
    data = _warc([(url, "text/html", 200, phpbb), (url, "text/html", 200, phpbb)], False)
    [thread] = parse(data, "twice.warc")
    assert len(thread.posts) == len(parse(phpbb, "p.html")[0].posts)


def test_warc_without_thread_pages_or_unreadable_raises() -> None:
    data = _warc([("https://x.org/", "text/html", 200, b"<html><body>hi</body></html>")], False)
    with pytest.raises(ParseError, match="no thread pages in this WARC"):
        parse(data, "x.warc")
    with pytest.raises(ParseError, match="not a readable WARC"):
        parse(b"WARC/1.0\r\ngarbage\r\n\r\n", "x.warc")
    with pytest.raises(ParseError):
        parse(b"\x1f\x8b\x08\x00garbage", "x.warc.gz")


def test_warc_cut_short_keeps_the_pages_before_the_cut(capsys: pytest.CaptureFixture[str]) -> None:
    phpbb = _read("phpbb", "prosilver33.html")
    topic = _read("discourse", "topic.4321.json")
    data = _warc([("https://f.example.org/t1", "text/html", 200, phpbb),
                  ("https://m.example.org/t/4321.json", "application/json", 200, topic)], True)
    cut = data[: len(data) - len(topic) // 2]
    assert [t.format for t in parse(cut, "cut.warc.gz")] == ["phpbb-html"]
    assert capsys.readouterr().err == ""  # warcio's warnings are not printed


@pytest.mark.parametrize("file", ["mbox/wheel-truing.mbox", "mailman/hyperkitty-message.html",
                                  "mailman/pipermail-message.html", "reddit/truing.json",
                                  "forumdl/truing.jsonl"])
def test_damaged_copies_parse_or_raise_parse_error(file: str) -> None:
    import random

    data = _read(*file.split("/"))
    rnd = random.Random(12)
    for _ in range(60):
        damaged = bytearray(data[: rnd.randrange(1, len(data))])
        for _ in range(rnd.randrange(0, 8)):
            damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        try:
            parse(bytes(damaged), file)
        except ParseError as exc:
            assert "\n" not in str(exc)


# --- MHTML --------------------------------------------------------------------------------

def _mhtml(parts: list[tuple[str, str, bytes]]) -> bytes:
    """A browser's single-file save: (Content-Type, transfer encoding, body) per part."""
    import base64
    import quopri

    out = [b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://f.example/t/77\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype=\"text/html\";\r\n"
           b"\tboundary=\"----B--\"\r\n\r\n"]
    for ctype, encoding, body in parts:
        coded = quopri.encodestring(body) if encoding == "quoted-printable" \
            else base64.encodebytes(body)
        out.append(f"------B--\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: {encoding}"
                   "\r\nContent-Location: https://f.example/t/77\r\n\r\n".encode() + coded + b"\r\n")
    return b"".join(out) + b"------B----\r\n"


def test_a_page_saved_as_one_file_reads_as_the_page() -> None:
    saved = _read("mhtml", "lacing-pattern.mhtml")  # the fixture page, saved by Chrome
    page = _read("generic", "alternating-post-classes.html")
    assert detect(saved, "t.mhtml") == "mhtml"
    [thread] = parse(saved, "t.mhtml")
    [plain] = parse(page, "t.html")
    assert [(p.author, p.posted_at, p.body, p.signature) for p in thread.posts] == \
        [(p.author, p.posted_at, p.body, p.signature) for p in plain.posts]
    assert thread.url == "https://community.example.org/default.aspx?f=3&m=951"


def test_mhtml_parts_in_their_declared_charset_and_without_a_page() -> None:
    page = ("<html><body><h1>Цепь</h1>" + "".join(
        f'<div class="post"><a class="username" href="/u/{n}">{n}</a>'
        f'<span class="date">12.03.2015 10:0{i}</span><div class="message">Смазка {i}: '
        f'воск или масло?</div></div>' for i, n in enumerate(["Иван", "Пётр"])) + "</body></html>")
    saved = _mhtml([("text/html; charset=windows-1251", "base64", page.encode("cp1251")),
                    ("image/png", "base64", b"\x89PNG")])
    [thread] = parse(saved, "chain.mht")
    assert [p.author for p in thread.posts] == ["Иван", "Пётр"]
    assert thread.posts[1].body == "Смазка 1: воск или масло?"
    with pytest.raises(ParseError, match="no HTML page"):
        parse(_mhtml([("image/png", "base64", b"\x89PNG")]), "x.mht")
    # A mail with pictures in it (no address it was saved from) is no saved page; an mbox
    # of such mails is an mbox.
    mail = saved.replace(b"Snapshot-Content-Location", b"X-Spam").replace(
        b"Content-Location", b"X-Location").replace(b"From: <Saved by Blink>", b"From: a@b.example")
    with pytest.raises(ParseError, match="not a recognised"):
        detect(mail, "x.eml")
    assert detect(b"From a@b.example Mon Mar  3 09:00:00 2025\nDate: Mon, 3 Mar 2025\n" + saved,
                  "x") == "mbox"


def test_a_terse_reply_under_a_long_quoted_line_is_the_reply_s() -> None:
    body, quotes, _ = split_mail("> Is the 2019 model compatible with the older charger and the dock "
                                 "station?\nYes.\n> And the price?\nSame.")
    assert body == "Yes.\n\nSame." and len(quotes) == 2
