"""kb.answer_view: the one grouping of an answer's sentences that `kb ask` and /ask both show."""

from __future__ import annotations

from kb.answer import Answer, Item
from kb.answer_view import group_by_stance


def _answer(*stances: str | None) -> Answer:
    return Answer(question="q?", items=[Item(f"s{i}", [1], st) for i, st in enumerate(stances)])


def test_no_stance_is_one_run_without_a_heading() -> None:
    groups = group_by_stance(_answer(None, None))
    assert [(g.stance, g.heading, [s.text for s in g.items]) for g in groups] == [
        (None, None, ["s0", "s1"])]
    assert group_by_stance(_answer()) == []


def test_stances_are_runs_under_their_headings_in_order() -> None:
    groups = group_by_stance(_answer("yes", "yes", "no", None, "yes"))
    assert [(g.heading, len(g.items)) for g in groups] == [
        ("Members who say yes", 2), ("Members who say no", 1), ("Also said", 1),
        ("Members who say yes", 1)]
