"""kb ask on real forums (Urho3D topic JSON, beer.stackexchange): it abstains where nothing
answers, never cites the asker, shows what it respelt, and numbers its marks in reading order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.answer import NOTHING, Answer, ask
from kb.ingest import expand, read_sources
from kb.knowledge import KB
from tests.conftest import shared

SOLUTION = re.compile(r"\b(solved|fixed it|figured (it )?out|the (problem|issue|fix|solution) "
                      r"(was|is)|turns? out|got it (working|to work))\b", re.I)
QUESTIONS = [
    "how do I make a LineEdit show asterisks for a password field?",
    "How can I call a function after a delay of two seconds?",
    "How do I bring a UI window to the front from code?",
    "Does a frozen glass water down my beer?",
    "Does drinking hot beer help prevent a cold?",
    "is it safe to drink beer after its expiration date?",
    "Can I leave canned beer in the freezer?",
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KB:
    paths = [str(shared("urho3d-discourse", "posts", "json")),
             str(shared("stackexchange-beer-coffee", "beer.stackexchange.com"))]
    k = KB(tmp_path_factory.mktemp("real"))
    k.ingest(read_sources(expand(paths), explicit=set(paths)))
    return k


@pytest.mark.parametrize("question", ["What is the capital of France?", "best lasagna recipe",
                                      "Who wrote Pride and Prejudice?", "blarg fnord wibble zzkt"])
def test_abstains_when_nothing_is_about_the_question(kb: KB, question: str) -> None:
    a = ask(kb, question)
    assert a.abstained and a.items == [] and a.sources == []
    assert a.note == NOTHING
    assert a.to_dict()["abstained"] is True


def test_gibberish_respelt_is_shown_and_still_abstains(kb: KB) -> None:
    a = ask(kb, "qwzx beerr")
    assert a.searched_for == {"beerr": "beer"}
    assert a.to_dict()["searched_for"] == {"beerr": "beer"}
    assert a.abstained


def test_related_threads_are_listed_on_abstention(kb: KB) -> None:
    a = ask(kb, "Does Urho3D have a WebGPU backend?")
    assert a.abstained
    assert a.related and all({"thread_id", "thread_title", "post_number"} <= set(t)
                              for t in a.related)


def test_answers_and_never_cites_the_asker(kb: KB) -> None:
    answers = [ask(kb, q) for q in QUESTIONS]
    assert sum(not a.abstained for a in answers) >= 5
    for a in answers:
        _no_asker(kb, a)


def _no_asker(kb: KB, a: Answer) -> None:
    question = a.question
    for src in a.sources:
        thread = kb.store.thread(src["thread_id"])
        assert thread is not None
        post = next(p for p in thread.posts if p.post_number == src["post_number"])
        assert post.post_number != 1, (question, src)
        asker = thread.posts[0].author
        if asker and post.author == asker:
            assert SOLUTION.search(post.body), (question, src)


@pytest.mark.parametrize("question", QUESTIONS)
def test_citation_marks_in_reading_order(kb: KB, question: str) -> None:
    a = ask(kb, question)
    first_seen = list(dict.fromkeys(k for item in a.items for k in item.cites))
    assert first_seen == list(range(1, len(a.sources) + 1))
    assert [s["k"] for s in a.sources] == first_seen


def _cited_passage_in_post(kb: KB, a: Answer) -> None:
    for item in a.items:
        src = a.sources[item.cites[0] - 1]
        thread = kb.store.thread(src["thread_id"])
        assert thread is not None
        body = next(p.body for p in thread.posts if p.post_number == src["post_number"])
        assert item.text in " ".join(body.split())
        assert 1 <= src["span"][1] - src["span"][0] <= 3


def test_each_item_is_a_passage_of_its_first_cited_post(kb: KB) -> None:
    for q in QUESTIONS:
        _cited_passage_in_post(kb, ask(kb, q))


def test_plain_no_is_grouped_as_no(kb: KB) -> None:
    # "Does drinking hot beer help prevent a cold?" — the accepted answer opens "No, …".
    a = ask(kb, "Does drinking hot beer help prevent a cold?")
    sides = [i.stance for i in a.items if i.stance]
    assert sides and set(sides) == {"no"}


def test_web_marks_the_cited_passage(kb: KB, tmp_path: Path) -> None:
    from web import create_app

    app = create_app({"KB_DATA_DIR": str(kb.data_dir), "TESTING": True})
    q = next(q for q in QUESTIONS if not ask(kb, q).abstained)
    page = app.test_client().get("/ask", query_string={"q": q}).get_data(as_text=True)
    link = re.search(r'<sup class="cite"><a href="([^"]+)"', page)
    assert link
    thread = app.test_client().get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert '<mark class="cited">' in thread
    assert "back to the answer" in thread
