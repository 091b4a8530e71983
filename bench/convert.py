"""The labelled benchmarks in ../shared/data, converted to kb-jsonl posts, queries and qrels.

Pure functions from the files' bytes: no store, no index. A post's key in the qrels is
"THREAD_ID#POST_NUMBER" ("Q268_R4#3" is the second comment of thread Q268_R4), which is what the
harness gets back from the store for a ranked post id.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

# SemEval-2016 Task 3 labels. Threads: the official subtask B scorer counts PerfectMatch and
# Relevant as "true". Comments: the official subtask C scorer counts only Good as "true"; we grade
# PotentiallyUseful 1 so nDCG credits it, and binary metrics threshold at 2 (Good only).
THREAD_GRADES = {"PerfectMatch": 2, "Relevant": 1, "Irrelevant": 0}
COMMENT_GRADES = {"Good": 2, "PotentiallyUseful": 1, "Bad": 0}
GOOD = 2


@dataclass
class Collection:
    """One benchmark as kb sees it: posts to ingest, queries (by form) and relevance labels."""

    name: str
    posts: list[dict[str, Any]] = field(default_factory=list)  # kb-jsonl objects, thread order
    queries: dict[str, dict[str, str]] = field(default_factory=dict)  # form -> {qid: text}
    thread_qrels: dict[str, dict[str, int]] = field(default_factory=dict)  # qid -> {thread: grade}
    post_qrels: dict[str, dict[str, int]] = field(default_factory=dict)  # qid -> {post key: grade}
    # The ranking the benchmark's own search engine gave (SemEval: RELQ_RANKING_ORDER), best first.
    given_order: dict[str, list[str]] = field(default_factory=dict)

    def threads(self) -> dict[str, list[dict[str, Any]]]:
        """Thread id -> its posts, in order."""
        out: dict[str, list[dict[str, Any]]] = {}
        for p in self.posts:
            out.setdefault(p["thread_id"], []).append(p)
        return out

    def jsonl(self) -> bytes:
        """The posts as kb-jsonl bytes (one JSON object per line)."""
        return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in self.posts).encode()


def post_key(thread_id: str, post_number: int) -> str:
    """How qrels and runs name a post."""
    return f"{thread_id}#{post_number}"


def _text(el: ET.Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _date(value: str | None) -> str | None:
    # "2013-05-02 19:43:00" -> ISO 8601, which the index's date field parses.
    return value.replace(" ", "T") if value else None


# -- SemEval-2016 Task 3 (Qatar Living), the dev set ---------------------------------------------


def parse_semeval(data: bytes) -> Collection:
    """Each related thread becomes a kb thread: post 1 the related question (its subject when the
    body is empty, as in 5 threads), posts 2.. its comments in order.

    The XML repeats an OrgQuestion element per related thread; they are grouped by ORGQ_ID. A
    related thread listed under two original questions is ingested once, labelled for both.
    """
    root = ET.fromstring(data)
    coll = Collection(name="semeval2016-task3-dev",
                      queries={"subject+body": {}, "subject": {}})
    seen: set[str] = set()
    given: dict[str, list[tuple[int, str]]] = {}
    for org in root.iter("OrgQuestion"):
        qid = org.get("ORGQ_ID", "")
        subject, body = _text(org.find("OrgQSubject")), _text(org.find("OrgQBody"))
        coll.queries["subject+body"][qid] = f"{subject} {body}".strip()
        coll.queries["subject"][qid] = subject
        for thread in org.findall("Thread"):
            given.setdefault(qid, []).append(_semeval_thread(thread, qid, coll, seen))
    coll.given_order = {qid: [t for _, t in sorted(ts)] for qid, ts in given.items()}
    return coll


def _semeval_thread(thread: ET.Element, qid: str, coll: Collection,
                    seen: set[str]) -> tuple[int, str]:
    """Label the thread for `qid`, add its posts unless seen; (search engine's rank, thread id)."""
    relq = thread.find("RelQuestion")
    if relq is None:
        raise ValueError(f"{qid}: Thread without RelQuestion")
    tid = relq.get("RELQ_ID", "")
    coll.thread_qrels.setdefault(qid, {})[tid] = THREAD_GRADES[relq.get("RELQ_RELEVANCE2ORGQ", "")]
    comments = thread.findall("RelComment")
    labels = coll.post_qrels.setdefault(qid, {})
    for n, c in enumerate(comments, 2):
        labels[post_key(tid, n)] = COMMENT_GRADES[c.get("RELC_RELEVANCE2ORGQ", "")]
    order = int(relq.get("RELQ_RANKING_ORDER") or 0)
    if tid in seen:
        return order, tid
    seen.add(tid)
    title = _text(relq.find("RelQSubject"))
    coll.posts.append({"thread_id": tid, "thread_title": title, "post_number": 1,
                       "body": _text(relq.find("RelQBody")) or title,
                       "author": relq.get("RELQ_USERNAME"),
                       "posted_at": _date(relq.get("RELQ_DATE"))})
    for n, c in enumerate(comments, 2):
        coll.posts.append({"thread_id": tid, "thread_title": title, "post_number": n,
                           "body": _text(c.find("RelCText")), "author": c.get("RELC_USERNAME"),
                           "posted_at": _date(c.get("RELC_DATE"))})
    return order, tid


# -- StackFAQ (Stack Exchange Web Applications) ---------------------------------------------------


def parse_stackfaq(data: bytes) -> Collection:
    """Each qapair becomes a thread (post 1 the question, then the answers); each paraphrase a
    query whose one relevant document is that thread. "*" paraphrases are placeholders: skipped."""
    root = ET.fromstring(data)
    coll = Collection(name="stackfaq-webapps", queries={"paraphrase": {}})
    for i, pair in enumerate(root.iter("qapair"), 1):
        tid = f"stackfaq-{i}"
        title = _text(pair.find("question"))
        coll.posts.append({"thread_id": tid, "thread_title": title, "post_number": 1,
                           "body": title})
        for n, answer in enumerate(pair.findall("answer"), 2):
            coll.posts.append({"thread_id": tid, "thread_title": title, "post_number": n,
                               "body": _text(answer)})
        for j, rephr in enumerate(pair.findall("rephr"), 1):
            text = _text(rephr)
            if not text or text == "*":
                continue
            qid = f"{tid}.{j}"
            coll.queries["paraphrase"][qid] = text
            coll.thread_qrels[qid] = {tid: 1}
    return coll


# -- questions as plain words ---------------------------------------------------------------------

_SYNTAX = re.compile(r'["“”]|(?<!\S)[-@]+|\b(author|user|thread|in|before|after):', re.I)


def plain_words(text: str) -> str:
    """A forum question with the search syntax defused: a stray quote mark, a leading "-" or "@"
    or "in:" in a real question would otherwise turn into a phrase, exclusion or filter."""
    return " ".join(_SYNTAX.sub(lambda m: f"{m.group(1)} " if m.group(1) else " ", text).split())
