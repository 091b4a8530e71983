"""One mailing list read as an mbox and as pipermail / Hyperkitty pages is one set of threads:
each message once, whatever the order the files come in (scraper.maillist, scraper.merge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.merge_order import both_orders, differing, export_lines
from kb.cli import main
from scraper import parse
from scraper.maillist import list_address, tagged_address, thread_name
from tests.conftest import FIXTURES

MBOX = FIXTURES / "mbox" / "bike-list-2025-03.mbox"
PAGES = [FIXTURES / "mailman" / name for name in (
    "pipermail-message.html", "pipermail-c3.html", "pipermail-e5.html",
    "hyperkitty-message.html", "hyperkitty-thread.html")]
LIST = "bike-list@lists.example.org"
TRUING = "truing-a-wheel-without-a-stand"


def _rows(lines: list[str]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize(("post", "list_id", "address"), [
    ("<mailto:Bike-List@Lists.Example.org>", "", LIST),
    ("<mailto:bike-list@lists.example.org?subject=help>, <http://x.org/>", "", LIST),
    ("NO", "Bike list <bike-list.lists.example.org>", LIST),  # an announce-only list
    ("", "<metrics-grimoire.lists.libresoft.es>", "metrics-grimoire@lists.libresoft.es"),
    ("", "bike-list.lists.example.org", LIST),
    ("", "<localhost>", None),
    ("", "", None),
])
def test_list_address_from_list_post_else_list_id(post: str, list_id: str, address: str | None) -> None:
    assert list_address(post, list_id) == address


def test_a_recipient_named_by_the_subject_tag_is_the_list() -> None:
    assert tagged_address("Re: [Bike-List] Truing", f"bob@example.net, Bike <{LIST}>") == LIST
    assert tagged_address("Truing", LIST) is None  # no tag: a personal mail, maybe
    assert tagged_address("[bike-list] Truing", "bob@example.net") is None


def test_pages_and_the_mbox_name_the_conversation_alike() -> None:
    [mbox_thread, _chain] = parse(MBOX.read_bytes(), str(MBOX), normalised=False)
    assert (mbox_thread.thread_id, mbox_thread.forum, mbox_thread.title) == (
        TRUING, LIST, "Truing a wheel without a stand")
    for page in PAGES:
        [thread] = parse(page.read_bytes(), str(page), normalised=False)
        assert (thread.thread_id, thread.forum) == (TRUING, LIST), page.name
    assert thread_name("Re: [bike-list]  Re: Truing a wheel without a stand") == TRUING
    assert thread_name("[PerlChina] Perl 5.10 发布稿翻译") == "perl-5.10-发布稿翻译"


def test_mbox_and_every_page_in_either_order_give_each_message_once() -> None:
    files = [str(MBOX), *map(str, PAGES)]
    forward, backward = both_orders(files, [])
    _, pages_first = both_orders([*map(str, PAGES), str(MBOX)][::-1], [])
    assert differing(forward, backward) == differing(forward, pages_first) == 0
    rows = _rows(forward)
    truing = sorted((r for r in rows if r["thread_id"] == TRUING), key=lambda r: r["post_number"])
    assert [(r["post_number"], r["post_id"], r["author"]) for r in truing] == [
        (1, "a1@example.org", "Alice Spoke"), (2, "b2@example.net", "Bob Hub"),
        (3, "c3@example.com", "Carol Rim"), (4, "e5@example.org", "Erin Nipple")]
    assert {r["forum"] for r in rows} == {LIST}
    # who and when from the message as sent (the pages' dates have no zone), words included
    assert truing[1]["posted_at"] == "2025-03-03T10:15:00+00:00"
    assert truing[1]["source"]["format"] == "mbox" and truing[1]["reply_to"] == 1
    assert [(q["author"], q["post_number"]) for q in truing[2]["quotes"]] == [("Bob Hub", 2)]
    assert truing[3]["source"]["format"] == "pipermail-html"  # a page of a message not in the mbox


@pytest.mark.parametrize("page", ["pipermail-message.html", "hyperkitty-thread.html"])
def test_one_file_at_a_time_and_again_changes_nothing(tmp_path: Path, page: str) -> None:
    files = [str(MBOX), str(FIXTURES / "mailman" / page)]
    exports = []
    for i, order in enumerate((files, files[::-1])):
        where = ["--data-dir", str(tmp_path / str(i))]
        for path in order + order:  # each a `kb ingest` of its own, then all of them again
            assert CliRunner().invoke(main, [*where, "ingest", path]).exit_code == 0
        again = CliRunner().invoke(main, [*where, "ingest", "--json", *order])
        assert json.loads(again.stdout)["posts"]["added"] == 0
        out = CliRunner().invoke(main, [*where, "export"]).output
        exports.append(sorted(x for x in out.splitlines() if x.startswith("{")))
    assert exports[0] == exports[1]
    assert sorted(r["post_id"] for r in _rows(exports[0])) == [
        "a1@example.org", "b2@example.net", "c3@example.com", "d4@example.com"]


def test_next_months_archive_adds_its_replies_without_losing_any(tmp_path: Path) -> None:
    """April's mbox numbers its reply to a March conversation 1: matched by Message-ID, not
    by that number, and its reply link points to the merged thread's number."""
    april = tmp_path / "2025-April.mbox"
    april.write_bytes(
        b"From erin@example.org  Tue Apr  1 07:30:00 2025\nFrom: Erin Nipple <erin@example.org>\n"
        b"To: bike-list@lists.example.org\nDate: Tue, 1 Apr 2025 07:30:00 +0000\n"
        b"Subject: Re: [bike-list] Truing a wheel without a stand\n"
        b"In-Reply-To: <c3@example.com>\nReferences: <a1@example.org> <c3@example.com>\n"
        b"Message-ID: <e5@example.org>\nList-Post: <mailto:bike-list@lists.example.org>\n\n"
        b"A month on: the zip ties held and the wheel is still true.\n\n"
        b"From bob@example.net  Tue Apr  1 09:00:00 2025\nFrom: Bob Hub <bob@example.net>\n"
        b"To: bike-list@lists.example.org\nDate: Tue, 1 Apr 2025 09:00:00 +0000\n"
        b"Subject: Re: [bike-list] Truing a wheel without a stand\n"
        b"In-Reply-To: <e5@example.org>\nReferences: <a1@example.org> <e5@example.org>\n"
        b"Message-ID: <f6@example.net>\nList-Post: <mailto:bike-list@lists.example.org>\n\n"
        b"Good to hear.\n")
    one, two = both_orders([str(MBOX)], [str(april)])
    assert differing(one, two) == 0
    truing = sorted((r for r in _rows(one) if r["thread_id"] == TRUING),
                    key=lambda r: r["post_number"])
    assert [r["post_id"] for r in truing] == [  # by date: "2025-April" sorts before "bike-..."
        "a1@example.org", "b2@example.net", "c3@example.com", "e5@example.org", "f6@example.net"]
    assert truing[4]["reply_to"] == 4  # Erin's, not April's own #1 (Alice's in the thread)
    assert truing[3]["reply_to"] == 3  # its parent is in March's file: found by Message-ID


def test_two_lists_with_one_subject_stay_two_threads(tmp_path: Path) -> None:
    other = tmp_path / "wheels.mbox"
    other.write_bytes(MBOX.read_bytes().replace(b"bike-list", b"wheel-list"))
    rows = _rows(export_lines([str(MBOX), str(other)], tmp_path))
    assert sorted({(r["forum"], r["thread_id"]) for r in rows if TRUING in r["thread_id"]}) == [
        (LIST, f"{LIST}:{TRUING}"), ("wheel-list@lists.example.org",
                                     f"wheel-list@lists.example.org:{TRUING}")]


def test_an_archive_without_list_headers_names_no_list(tmp_path: Path) -> None:
    """Pipermail's public .txt archive keeps no List-*, To or Cc: its threads cannot be told to
    be the list's, and stay apart from its pages (the posts are not merged into them)."""
    txt = FIXTURES / "mbox" / "wheel-truing.mbox"
    page = FIXTURES / "mailman" / "pipermail-message.html"
    rows = _rows(export_lines([str(txt), str(page)], tmp_path))
    assert sorted(r["forum"] for r in rows if r["post_id"] == "b2@example.net") == [
        LIST, "forum.example.com"]  # the checkout's README names the txt archive's site
