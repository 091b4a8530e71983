"""The benchmark converters (bench/convert.py) on tiny hand-made files in the real shapes."""

from __future__ import annotations

import json

from bench.convert import parse_semeval, parse_stackfaq, plain_words
from bench.measures import evaluate, score_cites, threads_from_posts, within_judged
from scraper.jsonl import parse as parse_jsonl

# Two original questions; related thread Q1_R2 is listed under both (ingested once).
SEMEVAL = b"""<?xml version="1.0" encoding="utf-8"?>
<xml version="1.0">
<OrgQuestion ORGQ_ID="Q1">
  <OrgQSubject>Good Bank</OrgQSubject>
  <OrgQBody>Which is a good bank in Doha</OrgQBody>
  <Thread THREAD_SEQUENCE="Q1_R2">
    <RelQuestion RELQ_ID="Q1_R2" RELQ_RANKING_ORDER="2" RELQ_CATEGORY="Advice"
        RELQ_DATE="2013-05-02 19:43:00" RELQ_USERID="U1" RELQ_USERNAME="ankur"
        RELQ_RELEVANCE2ORGQ="PerfectMatch">
      <RelQSubject>Best Bank</RelQSubject>
      <RelQBody>Which is the best bank in Qatar ?</RelQBody>
    </RelQuestion>
    <RelComment RELC_ID="Q1_R2_C1" RELC_DATE="2013-05-03 07:23:20" RELC_USERID="U2"
        RELC_USERNAME="dil" RELC_RELEVANCE2ORGQ="Good" RELC_RELEVANCE2RELQ="Good">
      <RelCText>Commercial bank</RelCText>
    </RelComment>
    <RelComment RELC_ID="Q1_R2_C2" RELC_DATE="2013-05-03 08:00:00" RELC_USERID="U3"
        RELC_USERNAME="sid" RELC_RELEVANCE2ORGQ="PotentiallyUseful" RELC_RELEVANCE2RELQ="Good">
      <RelCText>Visit a few banks first</RelCText>
    </RelComment>
  </Thread>
</OrgQuestion>
<OrgQuestion ORGQ_ID="Q1">
  <OrgQSubject>Good Bank</OrgQSubject>
  <OrgQBody>Which is a good bank in Doha</OrgQBody>
  <Thread THREAD_SEQUENCE="Q1_R1">
    <RelQuestion RELQ_ID="Q1_R1" RELQ_RANKING_ORDER="1" RELQ_CATEGORY="Advice"
        RELQ_DATE="2013-01-01 10:00:00" RELQ_USERID="U4" RELQ_USERNAME="bob"
        RELQ_RELEVANCE2ORGQ="Irrelevant">
      <RelQSubject>Car loan</RelQSubject>
      <RelQBody></RelQBody>
    </RelQuestion>
    <RelComment RELC_ID="Q1_R1_C1" RELC_DATE="2013-01-02 10:00:00" RELC_USERID="U2"
        RELC_USERNAME="dil" RELC_RELEVANCE2ORGQ="Bad" RELC_RELEVANCE2RELQ="Bad">
      <RelCText>lol</RelCText>
    </RelComment>
  </Thread>
</OrgQuestion>
<OrgQuestion ORGQ_ID="Q2">
  <OrgQSubject>"Bank hours</OrgQSubject>
  <OrgQBody>When do banks open?</OrgQBody>
  <Thread THREAD_SEQUENCE="Q1_R2">
    <RelQuestion RELQ_ID="Q1_R2" RELQ_RANKING_ORDER="1" RELQ_CATEGORY="Advice"
        RELQ_DATE="2013-05-02 19:43:00" RELQ_USERID="U1" RELQ_USERNAME="ankur"
        RELQ_RELEVANCE2ORGQ="Relevant">
      <RelQSubject>Best Bank</RelQSubject>
      <RelQBody>Which is the best bank in Qatar ?</RelQBody>
    </RelQuestion>
    <RelComment RELC_ID="Q1_R2_C1" RELC_DATE="2013-05-03 07:23:20" RELC_USERID="U2"
        RELC_USERNAME="dil" RELC_RELEVANCE2ORGQ="Bad" RELC_RELEVANCE2RELQ="Good">
      <RelCText>Commercial bank</RelCText>
    </RelComment>
    <RelComment RELC_ID="Q1_R2_C2" RELC_DATE="2013-05-03 08:00:00" RELC_USERID="U3"
        RELC_USERNAME="sid" RELC_RELEVANCE2ORGQ="Good" RELC_RELEVANCE2RELQ="Good">
      <RelCText>Visit a few banks first</RelCText>
    </RelComment>
  </Thread>
</OrgQuestion>
</xml>
"""

STACKFAQ = b"""<root>
<qapair>
<rephr>
How to make font strikethrough on github.
</rephr>
<rephr>
*
</rephr>
<rephr>
Crossed-out text in github markdown?
</rephr>
<question>
Strikethrough with GitHub Markdown
</question>
<answer>
   Use ~~tildes around the words~~.
</answer>
<answer>
   I used &lt;del&gt; ... &lt;/del&gt; successfully.
</answer>
</qapair>
<qapair>
<rephr>
How can I delete my facebook account?
</rephr>
<question>
How do I delete my Facebook account?
</question>
<answer>
   Go to the help page and click Submit.
</answer>
</qapair>
</root>
"""


def test_semeval_threads_and_posts() -> None:
    coll = parse_semeval(SEMEVAL)
    threads = coll.threads()
    assert list(threads) == ["Q1_R2", "Q1_R1"]  # Q1_R2 listed twice, ingested once
    assert [p["post_number"] for p in threads["Q1_R2"]] == [1, 2, 3]
    first = threads["Q1_R2"][0]
    assert first["thread_title"] == "Best Bank" and first["author"] == "ankur"
    assert first["posted_at"] == "2013-05-02T19:43:00"
    assert threads["Q1_R1"][0]["body"] == "Car loan"  # empty question body: its subject
    assert threads["Q1_R2"][2]["body"] == "Visit a few banks first"


def test_semeval_queries_and_qrels() -> None:
    coll = parse_semeval(SEMEVAL)
    assert coll.queries["subject+body"]["Q1"] == "Good Bank Which is a good bank in Doha"
    assert coll.queries["subject"] == {"Q1": "Good Bank", "Q2": '"Bank hours'}
    assert coll.thread_qrels == {"Q1": {"Q1_R2": 2, "Q1_R1": 0}, "Q2": {"Q1_R2": 1}}
    assert coll.post_qrels["Q1"] == {"Q1_R2#2": 2, "Q1_R2#3": 1, "Q1_R1#2": 0}
    assert coll.post_qrels["Q2"] == {"Q1_R2#2": 0, "Q1_R2#3": 2}
    assert coll.given_order == {"Q1": ["Q1_R1", "Q1_R2"], "Q2": ["Q1_R2"]}


def test_converted_posts_are_kb_jsonl() -> None:
    threads = parse_jsonl(parse_semeval(SEMEVAL).jsonl())
    assert [(t.thread_id, len(t.posts)) for t in threads] == [("Q1_R2", 3), ("Q1_R1", 2)]
    line = json.loads(parse_stackfaq(STACKFAQ).jsonl().splitlines()[0])
    assert line["thread_id"] == "stackfaq-1" and line["post_number"] == 1


def test_stackfaq() -> None:
    coll = parse_stackfaq(STACKFAQ)
    threads = coll.threads()
    assert {t: len(p) for t, p in threads.items()} == {"stackfaq-1": 3, "stackfaq-2": 2}
    assert threads["stackfaq-1"][0]["body"] == "Strikethrough with GitHub Markdown"
    assert threads["stackfaq-1"][2]["body"] == "I used <del> ... </del> successfully."
    assert coll.queries["paraphrase"] == {  # the "*" placeholder is skipped
        "stackfaq-1.1": "How to make font strikethrough on github.",
        "stackfaq-1.3": "Crossed-out text in github markdown?",
        "stackfaq-2.1": "How can I delete my facebook account?"}
    assert coll.thread_qrels["stackfaq-1.3"] == {"stackfaq-1": 1}


def test_plain_words_defuses_search_syntax() -> None:
    assert plain_words('"Pray Before Eating') == "Pray Before Eating"
    assert plain_words("party @ KFC -tonight in:title salaam-hello") == \
        "party KFC tonight in title salaam-hello"


def test_scoring_helpers() -> None:
    posts = {"Q1": ["Q1_R1#2", "Q1_R2#3", "Q1_R1#1", "Q1_R2#2"]}
    assert threads_from_posts(posts) == {"Q1": ["Q1_R1", "Q1_R2"]}
    qrels = {"Q1": {"Q1_R2": 2, "Q1_R1": 0, "Q1_R3": 1}}
    assert within_judged({"Q1": ["Q1_R9", "Q1_R2"]}, qrels, {"Q1": ["Q1_R3", "Q1_R1", "Q1_R2"]}) \
        == {"Q1": ["Q1_R2", "Q1_R3", "Q1_R1"]}
    perfect = evaluate(qrels, {"Q1": ["Q1_R2", "Q1_R3", "Q1_R1"]})
    assert perfect["MAP"] == 1.0 and perfect["MRR@10"] == 1.0
    cites = score_cites({"Q1": ["Q1_R2#2", "Q1_R2#3", "Q9_R1#2"]},
                        {"Q1": {"Q1_R2#2": 2, "Q1_R2#3": 1}}, good=2).to_dict()
    assert (cites["cites"], cites["judged"], cites["good"], cites["precision"]) == (3, 2, 1, 0.5)


def test_real_sets_convert_whole() -> None:
    from tests.conftest import shared

    semeval = parse_semeval(shared("semeval2016-task3-qatarliving",
                                   "SemEval2016-Task3-CQA-QL-dev.xml").read_bytes())
    assert (len(semeval.threads()), len(semeval.posts)) == (500, 5500)
    assert len(semeval.queries["subject+body"]) == 50
    assert sum(len(t) for t in semeval.thread_qrels.values()) == 500
    assert sum(len(c) for c in semeval.post_qrels.values()) == 5000
    stackfaq = parse_stackfaq(shared("stackfaq-webapps", "stackExchange-FAQ.xml").read_bytes())
    assert (len(stackfaq.threads()), len(stackfaq.posts)) == (125, 844)
    assert len(stackfaq.queries["paraphrase"]) == 1249  # 1,375 less 125 "*" and one empty
