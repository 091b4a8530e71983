"""How likely a post answers its thread's question, from cues that carry across forums.

A logistic model over a thread's structure and a post's form: a reply rather than the opening
post, not by the asker, thanked by the asker afterwards, quoted by others, advice-shaped (second
person, imperatives, numbers with units), on the thread's topic. It is trained offline by
`bench/train_answer_posts.py` (SemEval-2016 comment labels, Discourse and Stack Exchange accepted
answers) and ships as `answer_posts.json`: weights, not code, so a model file cannot run anything.
Nothing trains at query time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kb import logistic
from kb.text import tokens

MODEL_FILE = Path(__file__).with_name("answer_posts.json")


class ThreadPost(Protocol):
    """What the features read of a post: scraper's Post and the store's posts both have it."""

    post_number: int | None
    author: str | None
    body: str
    reply_to: int | None


_THANKS = re.compile(r"\b(thanks?|thank you|thx|ty|cheers|appreciated?)\b|"
                     r"\b(that|this|it|which) (did the trick|worked|works|fixed|solved|helped)\b|"
                     r"\b(works|working) now\b|\bproblem solved\b|\bsolved\b", re.I)
# The asker posting the fix, and "same problem here": also what kb/candidates.py leaves out.
SOLUTION = re.compile(r"\b(solved|fixed it|figured (it )?out|the (problem|issue|fix|solution) "
                       r"(was|is)|turns? out|got it (working|to work)|found the (problem|issue|"
                       r"solution|fix))\b", re.I)
SAME_PROBLEM = re.compile(r"\b(same (problem|issue|thing|question) (here|as)|i have the same|"
                   r"me too|having the same|\+1|any (news|update)|bump)\b", re.I)
_THANKS_OPENING = re.compile(r"^\W*(thanks|thank you|thx|cheers|great|nice|lol|haha|wow)\b", re.I)
_ADVICE = re.compile(r"\byou (can|could|should|need|must|might|may|will|want|have to)\b|"
                     r"\b(try|make sure|i would|i'd|i recommend|i suggest|recommend)\b|"
                     r"\b(don't|do not|never|always) \w+", re.I)
_IMPERATIVE = frozenset("""try use check make set add put install run go get take buy look
remove replace change turn open close keep avoid download read see call enable disable build
update upgrade switch start stop ask contact visit apply use just drink store let""".split())
_EXPERIENCE = re.compile(r"\b(i|we) (had|have|use|used|did|tried|found|bought|run|ran|went|got|"
                         r"made|built|do)\b", re.I)
_URL = re.compile(r"https?://|www\.")
_CODE = re.compile(r"[{};]\s*$|^\s*(#include|import |def |class |//|\$ )|`|::|\w\(\)", re.M)
_UNITS = re.compile(r"\b\d+(\.\d+)?\s?(%|mm|cm|m|km|kg|g|lbs?|mph|kmh|km/h|v|a|ah|mah|w|kv|"
                    r"ml|l|oz|c|f|°[cf]?|qr|riyals?|\$|hours?|days?|weeks?|months?|years?|"
                    r"mins?|minutes?|seconds?|s|ms|fps|px|mb|gb)\b", re.I)

FEATURES = ("opener", "by_asker", "asker_thanked", "asker_solution", "quoted_by", "log_position",
            "log_words", "short", "questions", "url", "code", "units", "imperative", "advice",
            "experience", "same_problem", "thanks_opening", "topic_overlap")


def features(posts: Sequence[ThreadPost], title: str,
             wanted: Sequence[int] | None = None) -> np.ndarray:
    """One row of FEATURES per post of one thread (`posts` in thread order), or per post of
    `wanted` (indexes into `posts`): the whole thread is context either way."""
    if not posts:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    wanted = range(len(posts)) if wanted is None else wanted
    asker = posts[0].author if posts[0].post_number in (None, 1) else None
    topic = set(tokens(f"{title} {posts[0].body}"))
    thanked = _thanked(posts, asker)
    cited = _quoted_counts(posts)
    rows = []
    for i in wanted:
        p = posts[i]
        body = p.body or ""
        words = body.split()
        sents = [s for s in re.split(r"(?<=[.!?])\s+|\n+", body) if s.strip()]
        mine = set(tokens(body))
        by_asker = bool(i and asker and p.author == asker)
        first = words[0].lower().strip(",.!:") if words else ""
        rows.append([
            float(i == 0),
            float(by_asker),
            float(i in thanked),
            float(by_asker and bool(SOLUTION.search(body))),
            math.log1p(cited.get(p.post_number or 0, 0)),
            math.log(i + 1),
            math.log1p(len(words)),
            float(len(words) < 8),
            sum(s.rstrip().endswith("?") for s in sents) / max(1, len(sents)),
            float(bool(_URL.search(body))),
            float(bool(_CODE.search(body))),
            float(bool(_UNITS.search(body))),
            float(first in _IMPERATIVE),
            float(bool(_ADVICE.search(body))),
            float(bool(_EXPERIENCE.search(body))),
            float(bool(SAME_PROBLEM.search(body)) and len(words) < 40),
            float(bool(_THANKS_OPENING.match(body)) and len(words) < 25),
            len(mine & topic) / max(1, len(topic)) if i else 0.0,
        ])
    return np.asarray(rows, dtype=np.float64)


def _thanked(posts: Sequence[ThreadPost], asker: str | None) -> set[int]:
    """Indexes of posts the asker later thanks or says worked: the post the asker's reply quotes
    or replies to, else the last post by someone else before it."""
    out: set[int] = set()
    if not asker:
        return out
    index = {p.post_number: i for i, p in enumerate(posts)}
    for i, p in enumerate(posts[1:], 1):
        if p.author != asker or not _THANKS.search(p.body or ""):
            continue
        targets = [index[n] for n in _refs(p) if n in index and index[n] < i]
        if not targets:
            targets = [j for j in range(i - 1, 0, -1) if posts[j].author != asker][:1]
        out.update(j for j in targets if posts[j].author != asker)
    return out


def _refs(p: ThreadPost) -> list[int]:
    quoted = [q.post_number for q in getattr(p, "quotes", []) or [] if q.post_number]
    return quoted + ([p.reply_to] if p.reply_to else [])


def _quoted_counts(posts: Sequence[ThreadPost]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for p in posts:
        for n in set(_refs(p)):
            if n != p.post_number:
                counts[n] = counts.get(n, 0) + 1
    return counts


def answer_probability(posts: Sequence[ThreadPost], title: str,
                       wanted: Sequence[int] | None = None) -> np.ndarray:
    """P(post answers the thread's question) for each post of one thread (or of `wanted`)."""
    return logistic.load(MODEL_FILE, FEATURES).probability(features(posts, title, wanted))
