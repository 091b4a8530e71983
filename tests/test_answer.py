"""Answers: cited sentences from the members' own words, both sides shown, no noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.answer import ask
from kb.ingest import ingest, read_sources
from kb.knowledge import KB
from tests.conftest import FIXTURES, SEED

BIKES = FIXTURES / "jsonl" / "bikes.jsonl"
QUESTION = "do 400m runners need leg strength?"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KB:
    k = KB(tmp_path_factory.mktemp("kb"))
    ingest(read_sources([str(SEED), str(BIKES)]), k.store)
    k.sync()
    return k


def _posts(kb: KB, answer) -> dict[int, object]:  # type: ignore[no-untyped-def]
    thread = kb.store.thread(answer.sources[0]["thread_id"])
    return {p.post_number: p for p in thread.posts}


def test_example_question_cites_several_replies(kb: KB) -> None:
    a = ask(kb, QUESTION)
    assert a.note is None
    assert 2 <= len(a.items) <= 6
    cited = {s["post_number"] for s in a.sources}
    assert len(cited) >= 3
    assert 1 not in cited  # the asker's opening post is a question, not advice
    posts = _posts(kb, a)
    for sentence in a.items:
        assert sentence.cites
        for k in sentence.cites:
            src = a.sources[k - 1]
            assert src["k"] == k
            post = posts[src["post_number"]]
            quoted = " ".join(q.text for q in post.quotes)  # type: ignore[attr-defined]
            # the first citation is where the sentence's words come from
            if k == sentence.cites[0]:
                assert sentence.text in " ".join(post.body.split())  # type: ignore[attr-defined]
            assert sentence.text not in quoted


def test_disagreement_is_visible(kb: KB) -> None:
    a = ask(kb, QUESTION)
    stances = {s.stance for s in a.items}
    assert {"yes", "no"} <= stances
    yes = next(s for s in a.items if s.stance == "yes")
    no = next(s for s in a.items if s.stance == "no")
    assert "necessary" in yes.text and "don't think" in no.text


def test_answer_on_another_thread(kb: KB) -> None:
    a = ask(kb, "are tubeless tyres worth it for commuting?")
    threads = {s["thread_id"] for s in a.sources}
    assert threads == {"bikes-1"}
    assert {s["post_number"] for s in a.sources} >= {2, 3}
    assert {"yes", "no"} <= {s.stance for s in a.items}


def test_nothing_relevant_says_so(kb: KB) -> None:
    a = ask(kb, "how long should I proof sourdough bread?")
    assert a.items == [] and a.sources == []
    assert a.note and "Nothing" in a.note


def test_cli_ask_human_and_json(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    run = CliRunner()
    args = ["--data-dir", str(tmp_path / "d")]
    human = run.invoke(main, [*args, "ask", QUESTION])
    assert human.exit_code == 0
    assert "[1]" in human.stdout and "Sources:" in human.stdout
    data = json.loads(run.invoke(main, [*args, "ask", "--json", QUESTION]).stdout)
    assert set(data) >= {"question", "answer", "sources"}
    assert data["question"] == QUESTION
    for item in data["answer"]:
        assert set(item) >= {"text", "cites"} and all(isinstance(k, int) for k in item["cites"])
    for k, src in enumerate(data["sources"], 1):
        assert src["k"] == k
        assert set(src) >= {"thread_id", "thread_title", "post_number", "author", "url", "excerpt"}


def test_cli_search_json_shape(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    args = ["--data-dir", str(tmp_path / "d")]
    out = CliRunner().invoke(main, [*args, "search", "--json", "-n", "3", "squats"]).stdout
    data = json.loads(out)
    assert data["query"] == "squats" and data["total"] == 1  # one thread
    hit = data["hits"][0]
    assert set(hit) >= {"thread_id", "thread_title", "post_number", "author", "score", "snippet"}
    posts = json.loads(CliRunner().invoke(main, [*args, "search", "--json", "--posts",
                                                 "squats"]).stdout)
    assert posts["total"] == 3
    bad = CliRunner().invoke(main, [*args, "search", "before:yesterday"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_respelt_word_is_shown_on_the_cli_and_in_json(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    run = CliRunner()
    args = ["--data-dir", str(tmp_path / "d")]
    question = "do 400m runners need leg strenght?"
    human = run.invoke(main, [*args, "ask", question])
    assert human.exit_code == 0
    assert "searched for: strength (for “strenght”)" in human.stdout
    data = json.loads(run.invoke(main, [*args, "ask", "--json", question]).stdout)
    assert data["searched_for"] == {"strenght": "strength"}
    assert data["answer"] and not data["abstained"]
