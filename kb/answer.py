"""Answers: passages of the posts that answer the question, each citing its post, or an honest
"nothing here answers that" with the closest threads.

1. Retrieve posts (kb/search.py) and read their threads: which thread is *about* the question
   (its title and opening post hold the question's key words, not just one common word), and
   which posts answer their thread's question (kb/answer_posts.py, a learned model).
2. Abstain when no retrieved thread is about the question; list those threads as related.
3. Never cite the asker: the opening post and the asker's later posts are context, unless the
   asker posts the solution. "Same problem here" posts are not answers either.
4. From the best answer posts take the passage that answers (kb/passages.py), keep passages
   that say something new (a passage making a picked point again adds its citation there, so
   agreement shows as [1][2]), group yes/no answers by the side they plainly take
   (kb/stance.py), and number citations in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb import candidates, logistic, stance
from kb.candidates import Candidate
from kb.query import parse_query
from kb.search import rank
from kb.text import analysed

if TYPE_CHECKING:
    from kb.knowledge import KB
    from kb.sparse_rows import TfidfRows

CITE_MODEL = Path(__file__).with_name("cite_model.json")
MAX_ITEMS = 4
SAME_POINT = 0.6  # cosine above which two passages make the same point
KEEP = 0.7  # a passage whose cite probability is under this share of the best is left out
FLOOR = 0.3  # nor one under this probability, for a thread only partly about the question
# A thread is about the question when one unit of it holds this share of the question's idf
# weight (short questions; long ones need less, see `need`).
ABOUT = 0.58
SLOPE = 0.75
FLOOR_SPAN = 0.3  # the floor falls to 0 over the last FLOOR_SPAN of aboutness
NOTHING = "Nothing here answers that."


@dataclass
class Item:
    """One passage of the answer and the sources (1-based) that make its point."""

    text: str
    cites: list[int]
    stance: str | None = None  # "yes" | "no" | None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "cites": self.cites, "stance": self.stance}


@dataclass
class Answer:
    question: str
    items: list[Item] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    yes_no: bool = False
    note: str | None = None  # said instead of an answer
    searched_for: dict[str, str] = field(default_factory=dict)  # respelt word -> word searched
    related: list[dict[str, Any]] = field(default_factory=list)  # closest threads on abstention

    @property
    def abstained(self) -> bool:
        return not self.items

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": [i.to_dict() for i in self.items],
                "sources": self.sources, "note": self.note, "abstained": self.abstained,
                "searched_for": self.searched_for, "related": self.related}


def ask(kb: KB, question: str, model: logistic.Logistic | None = None) -> Answer:
    """Cited passages that answer `question`, or a note and the closest threads. `model`: a
    cite model other than the shipped one (cross-validation in bench/train_cites.py)."""
    q = parse_query(question)
    q.phrases = []  # a question is words, not search syntax: a stray quote mark must not filter
    answer = Answer(question=question, yes_no=stance.is_yes_no(q.text))
    ranking = rank(kb, q, k=200)
    stems = ranking.spelling.stems  # misspelt term -> the term searched instead
    answer.searched_for = dict(ranking.spelling.fixes)  # as the asker typed and posts write it
    cands, seen = candidates.collect(kb, q.terms, stems, query_vector(kb, q.terms, stems),
                                     ranking.posts,
                                     need=need(len(set(q.terms))),
                                     yes_no=question if answer.yes_no else None)
    picked = _pick(kb, cands, model or logistic.load(CITE_MODEL, candidates.FEATURES))
    if not picked:
        answer.note = NOTHING
        answer.related = [t.to_dict() for t in seen[:5]]
        return answer
    _cite(answer, picked)
    return answer


def need(terms: int) -> float:
    """The aboutness a thread needs: long questions carry words no thread repeats."""
    return ABOUT * min(1.0, (4 / max(terms, 1)) ** SLOPE)


def query_vector(kb: KB, qterms: list[str], fixes: dict[str, str]) -> np.ndarray:
    """The question as a dense l2-normed tf-idf vector (spelling fixes weighted down)."""
    t = kb.counts
    terms = list(dict.fromkeys([*qterms, *fixes.values()]))
    qvec = t.vectorize([" ".join(terms)]).dense()[0]
    for fixed in fixes.values():
        col = t.vocab.get(fixed)
        if col is not None:
            qvec[col] *= 0.8
    return qvec / (float(np.linalg.norm(qvec)) or 1.0)


def floor(about: float) -> float:
    """The cite probability a passage needs. A thread whose one post holds the whole question
    needs little more; where the question's words are only partly there (long questions,
    loosely related threads), the cite model decides (calibrated on SemEval dev)."""
    return FLOOR * min(1.0, (1.0 - about) / FLOOR_SPAN)


def cite_probability(cands: list[Candidate], model: logistic.Logistic) -> np.ndarray:
    """P(a candidate is a good answer to the question)."""
    if not cands:
        return np.zeros(0)
    return model.probability(np.vstack([c.x for c in cands]))


Picked = tuple[Candidate, list[Candidate]]


def _pick(kb: KB, cands: list[Candidate], model: logistic.Logistic) -> list[Picked]:
    """The most probable answers, best first; a passage making a picked point again becomes
    an extra citation of it."""
    if not cands:
        return []
    prob = cite_probability(cands, model)
    order = np.argsort(-prob, kind="stable")
    top = float(prob[order[0]])
    picked: list[Picked] = []
    vecs: list[TfidfRows] = []
    for i in order:
        c = cands[int(i)]
        if len(picked) >= MAX_ITEMS or prob[i] < KEEP * top:
            break
        if prob[i] < floor(c.about):
            continue
        vec = kb.counts.vectorize([analysed(c.passage.text)])
        sims = [vec.dot_row(v) for v in vecs]
        if sims and max(sims) > SAME_POINT:
            same = picked[int(np.argmax(sims))]
            if all(_key(c) != _key(o) for o in [same[0], *same[1]]):
                same[1].append(c)
            continue
        picked.append((c, []))
        vecs.append(vec)
    return picked


def _key(c: Candidate) -> tuple[str, int]:
    return c.thread_id, int(c.post.post_number or 0)


def _cite(answer: Answer, picked: list[Picked]) -> None:
    """Items in reading order (grouped yes, no, then the rest for a yes/no question), sources
    numbered as their marks first appear."""
    items = []
    for cand, same in picked:
        items.append((cand.stance, cand, same))
    if any(side for side, _, _ in items):
        rank_of = {"yes": 0, "no": 1, None: 2}
        items.sort(key=lambda x: rank_of[x[0]])
    numbers: dict[tuple[str, int], int] = {}
    for side, cand, same in items:
        cites = []
        for c in [cand, *same]:
            if _key(c) not in numbers:
                numbers[_key(c)] = len(numbers) + 1
                answer.sources.append(_source(numbers[_key(c)], c, c is cand))
            cites.append(numbers[_key(c)])
        answer.items.append(Item(text=cand.passage.text, cites=cites, stance=side))


def _source(k: int, c: Candidate, cited_passage: bool) -> dict[str, Any]:
    post = c.post
    passage = c.passage.text if cited_passage else None
    return {"k": k, "thread_id": c.thread_id, "thread_title": c.thread_title,
            "post_number": post.post_number, "author": post.author,
            "posted_at": post.posted_at, "url": post.url, "path": post.source_path,
            "excerpt": _excerpt(post.body, c.passage.text), "passage": passage,
            "span": [c.passage.start, c.passage.end] if cited_passage else None}


def _excerpt(body: str, passage: str, width: int = 280) -> str:
    text = " ".join(body.split())
    at = text.find(" ".join(passage.split())) if passage else 0
    start = max(0, at - 60) if at > 0 else 0
    if start:
        start = text.find(" ", start) + 1
    out = text[start: start + width]
    return ("…" if start else "") + out + ("…" if start + width < len(text) else "")
