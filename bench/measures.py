"""Rankings to scores: thread rankings from post rankings, reranking views, ir-measures, tables.

Every metric comes from ir-measures (pytrec_eval underneath); nothing here computes one by hand
except the share of cited posts judged Good, which is a plain ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ir_measures
from ir_measures import AP, RR, R, nDCG

Rankings = dict[str, list[str]]  # qid -> doc keys, best first
Qrels = dict[str, dict[str, int]]
COLUMNS = ("nDCG@10", "MAP", "MRR@10", "R@100")
RERANK_COLUMNS = COLUMNS[:3]  # every candidate is ranked: recall is 1 wherever there is a relevant


def measures(binary_at: int = 1) -> dict[str, Any]:
    """Our column names -> ir-measures measures. nDCG uses the grades; MAP, MRR and recall count
    a document relevant from grade `binary_at` up (SemEval comments: 2, Good only)."""
    if binary_at == 1:
        return {"nDCG@10": nDCG @ 10, "MAP": AP, "MRR@10": RR @ 10, "R@100": R @ 100}
    return {"nDCG@10": nDCG @ 10, "MAP": AP(rel=binary_at), "MRR@10": RR(rel=binary_at) @ 10,
            "R@100": R(rel=binary_at) @ 100}


def evaluate(qrels: Qrels, rankings: Rankings, binary_at: int = 1,
             columns: tuple[str, ...] = COLUMNS) -> dict[str, float]:
    """Mean of each column over every query in `qrels` (a query ranked nothing scores 0).

    Scores handed to ir-measures are rank-derived, so ties cannot reorder what the ranker said.
    """
    run = {qid: {doc: float(len(docs) - i) for i, doc in enumerate(docs)}
           for qid, docs in rankings.items() if docs}
    named = {c: m for c, m in measures(binary_at).items() if c in columns}
    got = ir_measures.calc_aggregate(list(named.values()), qrels, run)
    return {col: float(got.get(m, 0.0)) for col, m in named.items()}


def thread_of(key: str) -> str:
    return key.rsplit("#", 1)[0]


def post_number(key: str) -> int:
    return int(key.rsplit("#", 1)[1])


def threads_from_posts(rankings: Rankings) -> Rankings:
    """A thread ranks where its best post ranks (first occurrence)."""
    return {qid: list(dict.fromkeys(thread_of(k) for k in keys)) for qid, keys in rankings.items()}


def replies_only(rankings: Rankings) -> Rankings:
    """Posts 2.. only: the opening post of a thread is the question, not an answer."""
    return {qid: [k for k in keys if post_number(k) > 1] for qid, keys in rankings.items()}


def within_judged(rankings: Rankings, qrels: Qrels, fallback: Rankings) -> Rankings:
    """Rerank view: each query's ranking cut to its judged documents; judged documents the
    ranker never returned follow in `fallback` order, so each query ranks all its candidates."""
    out: Rankings = {}
    for qid, judged in qrels.items():
        got = [k for k in rankings.get(qid, []) if k in judged]
        have = set(got)
        out[qid] = got + [k for k in fallback.get(qid, sorted(judged)) if k not in have]
    return out


@dataclass
class CiteScore:
    """How many cited posts the annotators judged, and how many of those were Good answers."""

    questions: int = 0
    cites: int = 0
    judged: int = 0
    good: int = 0
    questions_with_good: int = 0
    unanswered: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"questions": self.questions, "cites": self.cites, "judged": self.judged,
                "good": self.good, "precision": _ratio(self.good, self.judged),
                "good_of_all_cites": _ratio(self.good, self.cites),
                "questions_with_good": self.questions_with_good, "unanswered": self.unanswered}


def score_cites(cited: Rankings, qrels: Qrels, good: int) -> CiteScore:
    """Cited post keys per question against comment labels (>= `good` counts as Good)."""
    s = CiteScore()
    for qid in qrels:
        keys = cited.get(qid, [])
        s.questions += 1
        s.unanswered += not keys
        judged = [k for k in keys if k in qrels[qid]]
        hits = sum(qrels[qid][k] >= good for k in judged)
        s.cites, s.judged, s.good = s.cites + len(keys), s.judged + len(judged), s.good + hits
        s.questions_with_good += hits > 0
    return s


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def markdown(rows: dict[str, dict[str, Any]], columns: tuple[str, ...] = COLUMNS) -> str:
    """A markdown table: one row per ranker, one column per metric."""
    lines = ["| ranker | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name, values in rows.items():
        cells = [_cell(values.get(c)) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "" if v is None else str(v)
