"""Passages read on their own: antecedents kept, lead-ins keep their lists, code-only answers."""

from __future__ import annotations

from kb.passages import around, citable, locate, opening, split, usable


def test_a_sentence_that_leans_back_keeps_its_antecedent() -> None:
    body = ("You can batch thousands of sprites into one draw call with a BillboardSet component. "
            "That's sort of what billboardset does. It keeps one vertex buffer for all of them.")
    sents = split(body)
    p = around(sents, 1)  # the anchor points back ("That's")
    assert p.start == 0 and sents[0] in p.text and sents[1] in p.text


def test_a_lead_in_keeps_its_list() -> None:
    body = ("I rebuilt my pack last month.\n"
            "A couple of potential pitfalls are:\n"
            "- the balance lead order must match the cells\n"
            "- never charge above 4.2 V per cell\n"
            "Good luck with it.")
    sents = split(body)
    lead = next(i for i, s in enumerate(sents) if s.endswith(":"))
    p = around(sents, lead)
    assert "pitfalls are:" in p.text and "balance lead order" in p.text
    item = around(sents, lead + 1)  # a list item pulls in its lead-in
    assert "pitfalls are:" in item.text


def test_passages_stay_short() -> None:
    sents = split(" ".join(f"That is sentence number {i} and it goes on for a while." for i in range(9)))
    p = around(sents, 8)
    assert 1 <= p.end - p.start <= 3 and len(p.text) <= 480


def test_a_bare_answer_word_keeps_what_follows() -> None:
    p = opening(split("Nope. The stock charger only balances 2-6 cells, so a 10s pack needs another."))
    assert p.text.startswith("Nope.") and "10s pack" in p.text


def test_code_and_chatter_do_not_anchor_but_a_terse_fix_can() -> None:
    assert not citable("lineEdit->SetEchoCharacter('*');")
    assert not citable("Thanks, that worked for me!")
    assert not citable("Did you try restarting it?")
    assert citable("Hi, use LineEdit::SetEchoCharacter(unsigned) with 42 for an asterisk.")
    assert usable("lineEdit->SetEchoCharacter('*');")
    assert not usable("Thanks!")


def test_locate_marks_the_passage_in_the_body_as_written() -> None:
    body = "First line here.\n\nSecond   sentence\nspans lines. Third one."
    sents = split(body)
    before, mark, after = locate(body, 1, 2) or ("", "", "")
    assert mark.split() == sents[1].split()
    assert before + mark + after == body
    assert locate(body, 5, 9) is None
