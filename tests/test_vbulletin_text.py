"""The example thread, normalised post by post."""

from __future__ import annotations

import pytest

from scraper import detect, parse
from tests.conftest import SEED

TITLE = "Is leg strenth training necessary for a 400m runner?"


@pytest.fixture(scope="module")
def thread():  # type: ignore[no-untyped-def]
    [t] = parse(SEED.read_bytes(), SEED.name)
    return t


def test_detected_as_vbulletin_text() -> None:
    assert detect.detect(SEED.read_bytes(), SEED.name) == "vbulletin-text"


def test_thread_fields(thread) -> None:  # type: ignore[no-untyped-def]
    assert thread.title == TITLE
    assert thread.thread_id == "is-leg-strenth-training-necessary-for-a-400m-runner"
    assert thread.posts_declared == 13
    assert (thread.page, thread.page_count) == (1, 2)
    assert [p.post_number for p in thread.posts] == list(range(1, 11))


EXPECTED_AUTHORS = {
    1: ("volle", "quote"), 2: (None, None), 3: (None, None), 4: (None, None),
    5: ("DMA", "page"), 6: ("RB34", "page"), 7: ("lr1400", "quote"), 8: ("RB34", "page"),
    9: ("RB34", "page"), 10: ("boldwarrior", "page"),
}


@pytest.mark.parametrize("number", range(1, 11))
def test_authors(thread, number: int) -> None:  # type: ignore[no-untyped-def]
    post = thread.posts[number - 1]
    assert (post.author, post.author_source) == EXPECTED_AUTHORS[number]


def test_author_details_from_the_page(thread) -> None:  # type: ignore[no-untyped-def]
    p2, p5, p10 = thread.posts[1], thread.posts[4], thread.posts[9]
    assert (p2.author_title, p2.author_joined, p2.author_location, p2.author_posts) == (
        "Senior Member", "Nov 2004", "Toronto, Ontario, Canada", 750)
    assert (p5.author_title, p5.author_joined, p5.author_posts) == ("Member", "Jan 2003", 1529)
    assert p10.author_location == "Brisbane - Qld - Aust" and p10.author_posts == 3128


EXPECTED_QUOTES = {
    2: [("volle", 1, "Is leg strength training really necessary")],
    4: [("volle", 1, "On the other hand seems like I respond more well to plyos.")],
    6: [("volle", 1, "Is leg strength training really necessary")],
    8: [("lr1400", 7, "That's what I do. 2-3x3-6 from 60%-80% tops.")],
    10: [("RB34", 9, "I would like to add that I am enjoying strength training")],
}


@pytest.mark.parametrize("number", range(1, 11))
def test_quotes_split_and_linked(thread, number: int) -> None:  # type: ignore[no-untyped-def]
    post = thread.posts[number - 1]
    got = [(q.author, q.post_number, q.text) for q in post.quotes]
    want = EXPECTED_QUOTES.get(number, [])
    assert len(got) == len(want)
    for (author, num, text), (w_author, w_num, w_start) in zip(got, want):
        assert (author, num) == (w_author, w_num)
        assert text.startswith(w_start)
        assert text[:60] not in post.body
    assert "Originally Posted by" not in post.body
    assert "View Post" not in post.body


def test_own_words_kept(thread) -> None:  # type: ignore[no-untyped-def]
    bodies = {p.post_number: p.body for p in thread.posts}
    assert bodies[2].startswith("Did you read the Lactate Threshold Ebook")
    assert bodies[4].startswith("I think you have answered your own question here.")
    assert bodies[6] == ("If your strength training is done correctly you shouldn't have any "
                         "issues. I don't understand how doing squats 2-3 sets of 5 reps at "
                         "60-65% can trash your legs.")
    assert bodies[10] == "IT's about time ;-)\nI've been waiting for that to click with you!"
    assert "\n\nWeek 4:\nMonday: 3x5x70%" in bodies[8]  # paragraphs kept
    assert bodies[7].startswith("That's what I do.") and "\n\n1-2x per week." in bodies[7]


def test_no_page_chrome(thread) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(p.body for p in thread.posts)
    for chrome in ("Posting Permissions", "You may not post", "Join Date", "Re: Is leg",
                   "Results 1 to 10", "Avatar"):
        assert chrome not in text


def test_post_one_keeps_the_question(thread) -> None:  # type: ignore[no-untyped-def]
    body = thread.posts[0].body
    assert body.startswith("Is leg strength training really necessary for a 400m runner?")
    assert body.endswith("Or do 400m runners just dont need that much strength?")


def test_vb3_style_copy() -> None:
    """Date and number on one line, the name alone above the rank, "Default" before titles."""
    from tests.conftest import FIXTURES

    path = FIXTURES / "vbulletin_text" / "vb3-copy.txt"
    assert detect.detect(path.read_bytes(), path.name) == "vbulletin-text"
    [t] = parse(path.read_bytes(), path.name)
    assert (t.thread_id, t.title) == ("spikes-for-the-800m", "Spikes for the 800m?")
    p1, p2, p3 = t.posts
    assert (p1.author, p1.author_title, p1.author_joined, p1.author_location, p1.author_posts) == (
        "milerjen", "Junior Member", "Feb 2009", "Leeds", 31)
    assert p1.posted_at == "2009-03-14T21:12:00" and p2.posted_at == "2009-03-14T22:40:00"
    assert p2.body == "Middle distance spikes. Sprint plates are too stiff for two laps."
    assert [(q.author, q.post_number) for q in p2.quotes] == [("milerjen", 1)]
    assert (p3.author, p3.author_title, p3.author_posts) == (None, "Registered User", 77)
    assert p3.body.startswith("I race 800s")
