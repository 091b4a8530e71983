"""The scoring of bench/eval_answers.py on tiny hand-made labels and answers."""

from __future__ import annotations

import json
from pathlib import Path

from bench.eval_answers import LABELS, cited_keys, load_jsonl, score_asks, score_stance


def _ans(*sentences: tuple[str, list[int], str | None], sources: dict[int, str] | None = None):
    srcs = [{"k": k, "thread_id": key.rsplit("#", 1)[0], "post_number": int(key.rsplit("#", 1)[1])}
            for k, key in (sources or {}).items()]
    return {"question": "q", "answer": [{"text": t, "cites": c, "stance": s}
                                        for t, c, s in sentences],
            "sources": srcs, "note": None}


ASKS = [
    {"id": "a1", "forum": "x", "question": "how?", "answerable": True,
     "answers": ["t1#2", "t1#3"], "note": ""},
    {"id": "a2", "forum": "x", "question": "why?", "answerable": True,
     "answers": ["t2#4"], "note": ""},
    {"id": "a3", "forum": "x", "question": "which?", "answerable": True,
     "answers": ["t3#2"], "note": ""},
    {"id": "u1", "forum": "offtopic", "question": "capital?", "answerable": False,
     "answers": [], "kind": "off-topic", "note": ""},
    {"id": "u2", "forum": "x", "question": "in domain?", "answerable": False,
     "answers": [], "kind": "in-domain", "note": ""},
]


def test_cited_keys_maps_source_numbers_and_dedupes():
    a = _ans(("s1", [2, 1], None), ("s2", [1], None), sources={1: "t1#2", 2: "t1#1"})
    assert cited_keys(a) == ["t1#1", "t1#2"]
    assert cited_keys({"answer": [{"text": "x", "cites": ["t9#3"], "stance": None}]}) == ["t9#3"]


def test_score_asks():
    answers = {
        # a1: one right post, one opener -> answered, 1/2 precise, 1 own
        "a1": _ans(("s", [1], None), ("s", [2], None), sources={1: "t1#2", 2: "t1#1"}),
        # a2: only a wrong post -> not answered
        "a2": _ans(("s", [1], None), sources={1: "t2#3"}),
        # a3: abstained
        "a3": _ans(),
        # u1 abstained, u2 answered (wrongly)
        "u1": _ans(),
        "u2": _ans(("s", [1], None), sources={1: "t5#2"}),
    }
    roles = {"t1#1": "opener", "t1#2": "reply", "t2#3": "reply"}
    r = score_asks(ASKS, answers, roles)
    a, u = r["answerable"], r["unanswerable"]
    assert a["questions"] == 3
    assert a["answered_with_labelled_post"] == 1
    assert a["answered_share"] == round(1 / 3, 3)
    assert a["abstained"] == 1
    assert (a["cited_in_answers"], a["cited_posts"]) == (1, 3)
    assert a["cite_precision"] == round(1 / 3, 3)
    assert a["cited_opener_or_asker"] == 1
    assert u["questions"] == 2 and u["abstained"] == 1
    assert u["by_kind"] == {"off-topic": {"abstained": 1, "total": 1},
                            "in-domain": {"abstained": 0, "total": 1}}
    rows = {x["id"]: x for x in r["per_question"]}
    assert rows["a1"]["hits"] == [True, False] and rows["a1"]["own"] == [False, True]
    assert [rows[i]["answered"] for i in ("a1", "a2", "a3")] == [True, False, False]
    assert [rows[i]["abstained"] for i in ("a1", "a2", "a3", "u1", "u2")] == [
        False, False, True, True, False]


def test_score_asks_missing_answer_counts_as_abstained():
    r = score_asks(ASKS[:1], {})
    assert r["answerable"]["abstained"] == 1
    assert r["answerable"]["cite_precision"] is None


STANCE = [
    {"id": "s1", "question": "is it safe?", "threads": ["t1"],
     "posts": {"t1#2": "yes", "t1#3": "no", "t1#4": "neither"}},
    {"id": "s2", "question": "does it work?", "threads": ["t2"],
     "posts": {"t2#2": "yes", "t2#3": "yes"}},
    {"id": "s3", "question": "can I?", "threads": ["t3"], "posts": {"t3#2": "no"}},
    {"id": "s4", "question": "should I?", "threads": ["t4"], "posts": {"t4#2": "yes"}},
]


def test_score_stance():
    answers = {
        # s1: right yes, wrong no (t1#4 is neither), one stance on an unlabelled post,
        #     one sentence citing two labelled posts counts twice
        "s1": _ans(("yes", [1], "yes"), ("no", [2], "no"), ("no", [3], "no"),
                   ("both", [1, 4], "yes"), ("plain", [4], None), ("again", [4], "no"),
                   sources={1: "t1#2", 2: "t1#4", 3: "t9#2", 4: "t1#3"}),
        # s2: no stance at all
        "s2": _ans(("plain", [1], None), sources={1: "t2#2"}),
        # s3: abstained
        "s3": _ans(),
        # s4: one right yes, grouped on one side only
        "s4": _ans(("yes", [1], "yes"), sources={1: "t4#2"}),
    }
    r = score_stance(STANCE, answers)
    # shown on labelled posts: t1#2 yes ✓, t1#4 no ✗, t1#2 yes ✓, t1#3 yes ✗, t1#3 no ✓
    assert r["shown_stances"] == 6
    assert r["correct"] == 4
    assert r["precision"] == round(4 / 6, 3)
    assert r["unlabelled_shown"] == 1
    assert r["questions_grouped"] == 2
    assert r["questions_grouped_both_sides"] == 1
    assert r["questions_with_both_sides_in_labels"] == 1
    assert r["grouped_where_labels_have_both"] == 1


def test_score_stance_nothing_shown():
    r = score_stance(STANCE, {})
    assert r["shown_stances"] == 0 and r["precision"] is None and r["questions_grouped"] == 0


def test_label_files_are_well_formed():
    asks = load_jsonl(LABELS / "asks.jsonl")
    stance = load_jsonl(LABELS / "stance.jsonl")
    ids = [x["id"] for x in asks]
    assert len(ids) == len(set(ids))
    assert sum(x["answerable"] for x in asks) >= 40
    un = [x for x in asks if not x["answerable"]]
    assert len(un) >= 15 and all(x["answers"] == [] and x.get("kind") for x in un)
    assert sum(x["kind"] == "in-domain" for x in un) >= 8
    for x in asks:
        assert all("#" in k and not k.endswith("#1") for k in x["answers"]), x["id"]
        assert not x["answerable"] or x["answers"], x["id"]
    assert len(stance) >= 30
    ask_ids = set(ids)
    for s in stance:
        assert s["posts"] and set(s["posts"].values()) <= {"yes", "no", "neither"}
        assert all(k.rsplit("#", 1)[0] in s["threads"] for k in s["posts"]), s["id"]
        assert s.get("ask_id") is None or s["ask_id"] in ask_ids
    json.dumps(asks)  # serialisable
    assert Path(LABELS / "README.md").exists()
