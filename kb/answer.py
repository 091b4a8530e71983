"""Extractive answers: the members' own sentences, chosen for relevance and diversity, cited.

Candidates are sentences of the best-ranked posts' own words (quotes were split off at ingest, so
quoted text can never be cited as the quoting member's). The asker's opening post is a question,
not advice, and is left out. Sentences are picked by maximal marginal relevance over TF-IDF
vectors; a sentence that repeats one already picked adds its citation there instead, so
agreement shows as [1][2]; for yes/no questions the picks are grouped by the stance they take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kb.query import parse_query
from kb.search import expand_spelling, rank
from kb.text import analysed, sentences

MAX_SENTENCES = 5
MIN_SENTENCES = 2
POSTS = 30
LAMBDA = 0.7  # MMR: relevance against novelty
SAME_POINT = 0.6  # cosine above which two sentences make the same point
STANCE_CHARS = 60


@dataclass
class Sentence:
    text: str
    cites: list[int]  # source numbers, 1-based
    stance: str | None = None  # "yes" | "no" | None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "cites": self.cites, "stance": self.stance}


@dataclass
class Answer:
    question: str
    sentences: list[Sentence] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    yes_no: bool = False
    note: str | None = None  # said instead of an answer when nothing relevant was found

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": [s.to_dict() for s in self.sentences],
                "sources": self.sources, "note": self.note}


@dataclass
class _Cand:
    text: str
    post: Any
    rel: float
    idx: int  # row in the candidates' similarity matrix


_YES_NO = re.compile(r"^\s*(do|does|did|is|are|was|were|should|can|could|will|would|has|have|"
                     r"must|need|shall|am)\b", re.I)
_SKIP = re.compile(r"^(thanks|thank you|thx|cheers|welcome|lol|haha|bump|\+1|same here|agreed)\b|"
                   r"\b(can|could) (someone|anyone|you) (tell|help|explain)|\bdoes anyone know\b|"
                   r"\bI (need|want|would like) to know\b|\bany (ideas|suggestions|help)\b", re.I)
_ASKING = re.compile(r"\b(I need (some )?(help|advice|suggestions)|any (ideas|suggestions|advice|help)|"
                     r"please (help|advise)|can (someone|anyone)|does anyone|looking for advice)\b",
                     re.I)
_URL = re.compile(r"\S*(https?://|www\.)\S*")
_LIST_ITEM = re.compile(r"^\s*([-*•]|\d+[.)])\s")
# Code, markup and log lines are not sentences anyone can cite as advice.
_CODE = re.compile(r"^\s*(//|#include|import \w|def \w+\(|class \w+[:(]|return\b|</?\w+>)|"
                   r"\w\([^)]*\);\s*$|[{}]\s*$|::\w")
_NO = re.compile(
    r"^(no|nope|nah)\b|\b(don't|do not|doesn't|does not|isn't|is not|aren't|not)\s+(think|believe)?"
    r"\s*(it's|it is|they|you|that)?\s*(is\s+|are\s+|be\s+)?"
    r"(really\s+|very\s+|that\s+)?"
    r"(necessary|needed|required|important|essential|worth|helpful|need)|\bno need\b|"
    r"\bunnecessary\b|\bwaste of time\b|\bbetter without\b|\bdon't need\b|\bnot needed\b", re.I)
_YES = re.compile(
    r"^(yes|yeah|yep|absolutely|definitely)\b|\b(is|are|it's|definitely|absolutely)\s+"
    r"(definitely\s+|absolutely\s+|very\s+|really\s+)?(necessary|needed|essential|important|"
    r"required|key|crucial|worth it)\b|\byou (do|definitely) need\b|\bshould\s+(definitely\s+)?"
    r"(do|include|add|train)\b", re.I)


def ask(kb: Any, question: str) -> Answer:
    """An answer of 2–6 cited sentences, or a plain note when nothing relevant was found."""
    kb.ensure_fresh()
    q = parse_query(question)
    q.phrases = []  # a question is words, not search syntax: a stray quote mark must not filter
    answer = Answer(question=question, yes_no=bool(_YES_NO.match(q.text)))
    ranked = rank(kb, q, k=POSTS * 4).posts
    posts = kb.store.posts_by_ids([pid for pid, _ in ranked[:POSTS]])
    ordered = [posts[pid] for pid, _ in ranked[:POSTS] if pid in posts]
    terms, weights, fixes = expand_spelling(kb, q.terms)
    if not ordered or not _covers(kb, q.terms, fixes, ordered):
        answer.note = "Nothing in the knowledge base answers this question."
        return answer
    cands, sim = _candidates(kb, terms, weights, ordered)
    picked = _select(cands, sim)
    if answer.yes_no:
        _both_sides(picked, cands)
    if not picked:
        answer.note = "The matching posts hold no sentence that answers this question."
        return answer
    _cite(answer, picked)
    return answer


def _covers(kb: Any, terms: list[str], fixes: dict[str, str], rows: list[Any]) -> bool:
    """Does one of the best threads (its title and its retrieved posts) hold enough of the
    question?

    Enough is a share of the question's idf weight that falls as questions grow: short
    questions must be matched on their key words, long ones carry words no thread repeats. A
    word no post has ever used weighs as much as the rarest word, so a question about bread put
    to a running forum is not answered by the one post that says "long".
    """
    t = kb.counts
    weights = {term: t.idf(term) or t.max_idf() for term in dict.fromkeys(terms)}
    if not weights:
        return False
    total = sum(weights.values())
    need = 0.5 if len(weights) <= 3 else 0.4 if len(weights) <= 6 else 0.3
    probe = [t for t in weights] + [f for f in fixes.values()]
    holders = t.holders(probe, [int(r.id) for r in rows])
    threads: dict[str, set[int]] = {}
    for row in rows:
        threads.setdefault(row.thread_id, set()).add(int(row.id))
    for posts in list(threads.values())[:5]:
        got = sum(w for term, w in weights.items()
                  if holders[term] & posts or holders.get(fixes.get(term, ""), set()) & posts)
        if got >= need * total:
            return True
    return False


def _is_opening_question(row: Any) -> bool:
    """The thread's first post asks rather than advises: a question, or a request for help."""
    return bool(row.post_number == 1 and ("?" in row.title or "?" in row.body
                                             or _ASKING.search(row.body)))


def _citable(sentence: str) -> bool:
    """A sentence that can stand as advice: long enough, not a question or a request, not code,
    not a bare link or a parts-list line."""
    if not 25 <= len(sentence) <= 400 or sentence.rstrip().endswith("?"):
        return False
    if _SKIP.search(sentence) or _CODE.search(sentence):
        return False
    words = _URL.sub("", sentence).split()
    return len(words) >= (7 if _LIST_ITEM.match(sentence) else 5)


def _candidates(kb: Any, terms: list[str], weights: dict[str, float],
                rows: list[Any]) -> tuple[list[_Cand], np.ndarray]:
    """Scored sentences of the posts' own words, and their pairwise cosine similarities."""
    texts, owners, priors = [], [], []
    openers = kb.store.openers([r.thread_id for r in rows])
    for rank_no, row in enumerate(rows):
        # The asker's question and the asker's follow-ups ("thanks, will try") are not advice.
        if _is_opening_question(row) or (row.post_number > 1 and row.author
                                          and row.author == openers.get(row.thread_id)):
            continue
        for s in sentences(row.body):
            if _citable(s):
                texts.append(s)
                owners.append(row)
                # Better-ranked posts first; a one-liner rarely carries the answer (post
                # length under ~200 characters weighs it down: +3 Good cites on SemEval dev).
                priors.append(min(1.0, len(row.body) / 200.0) ** 0.5 / (1.0 + rank_no / 4.0))
    if not texts:
        return [], np.zeros((0, 0), dtype=np.float32)
    t = kb.counts
    vecs = t.vectorize([analysed(s) for s in texts])
    qvec = _query_vector(t, terms, weights)
    cos = np.asarray(vecs @ qvec).ravel()
    # A reply answers its thread's title too: a sentence sharing words with a relevant title
    # ("necessary" in "Is leg training necessary…?") is on topic even without the asker's words.
    titles = sorted({o.title for o in owners})
    tvecs = t.vectorize([analysed(x) for x in titles])
    tq = np.asarray(tvecs @ qvec).ravel()
    trow = {x: i for i, x in enumerate(titles)}
    cols = np.asarray([trow[o.title] for o in owners])
    st = (vecs @ tvecs.T).toarray()
    ctx = st[np.arange(len(texts)), cols] * tq[cols]
    sim = (vecs @ vecs.T).toarray()
    # Relevance: the sentence's own words against the question, and its post's rank (weights
    # tuned on SemEval dev: precision of cites 0.31). Sharing words with a relevant title only
    # admits a sentence as a candidate; as a score it cost Good cites.
    cands = [_Cand(text=s, post=o, rel=0.55 * float(c) + 0.7 * p, idx=i)
             for i, (s, o, c, x, p) in enumerate(zip(texts, owners, cos, ctx, priors))
             if c > 0 or x > 0 or p > 0.5]
    return cands, sim


def _query_vector(t: Any, terms: list[str], weights: dict[str, float]) -> Any:
    """The question as a dense l2-normed tf-idf vector (spelling fixes weighted down)."""
    qvec = np.asarray(t.vectorize([" ".join(terms)]).todense()).ravel()
    for term, w in weights.items():
        col = t.vocab.get(term)
        if col is not None:
            qvec[col] *= w
    return qvec / (float(np.linalg.norm(qvec)) or 1.0)


def _select(cands: list[_Cand], sim: np.ndarray) -> list[tuple[_Cand, list[_Cand]]]:
    """MMR picks; each with the other posts' sentences that make the same point."""
    if not cands:
        return []
    picked: list[tuple[_Cand, list[_Cand]]] = []
    per_post: dict[int, int] = {}
    rel = np.asarray([c.rel for c in cands], dtype=np.float32)
    rows = np.asarray([c.idx for c in cands])
    closest = np.zeros(len(cands), dtype=np.float32)  # max similarity to a picked sentence
    open_ = np.ones(len(cands), dtype=bool)
    best_rel = float(rel.max())
    while open_.any() and len(picked) < MAX_SENTENCES:
        score = np.where(open_, LAMBDA * rel - (1 - LAMBDA) * closest, -np.inf)
        i = int(np.argmax(score))
        open_[i] = False
        best = cands[i]
        if best.rel < 0.45 * best_rel and len(picked) >= MIN_SENTENCES:
            break
        if picked and closest[i] > SAME_POINT:
            same = max(picked, key=lambda p: sim[best.idx, p[0].idx])
            if best.post.id != same[0].post.id:
                same[1].append(best)
            continue
        if per_post.get(best.post.id, 0) >= 2:
            continue
        per_post[best.post.id] = per_post.get(best.post.id, 0) + 1
        picked.append((best, []))
        closest = np.maximum(closest, sim[rows, best.idx])
    return picked


def _both_sides(picked: list[tuple[_Cand, list[_Cand]]], cands: list[_Cand]) -> None:
    """When members disagree, show both: add the best sentence of a stance not yet picked."""
    if not picked:
        return
    chosen = {id(c) for p, same in picked for c in [p, *same]}
    have = {_stance(p.text) for p, _ in picked}
    floor = 0.3 * max(c.rel for c in cands)
    for side in ("yes", "no"):
        if side in have:
            continue
        best = max((c for c in cands if id(c) not in chosen and c.rel >= floor
                    and _stance(c.text) == side), key=lambda c: c.rel, default=None)
        if best is not None:
            if len(picked) >= MAX_SENTENCES + 1:
                picked.pop()
            picked.append((best, []))


def _stance(text: str) -> str | None:
    """"yes"/"no" when the sentence opens with a stance ("Yes, …", "I don't think it's
    necessary…"); a cue deep in a sentence ("…there's no need to connect the B- wire") is
    usually about something else."""
    opening = text[:STANCE_CHARS]
    if _NO.search(opening):
        return "no"
    if _YES.search(opening):
        return "yes"
    return None


def _cite(answer: Answer, picked: list[tuple[_Cand, list[_Cand]]]) -> None:
    numbers: dict[int, int] = {}
    for cand, same in picked:
        cites = []
        for c in [cand, *same]:
            pid = c.post.id
            if pid not in numbers:
                numbers[pid] = len(numbers) + 1
                answer.sources.append(_source(numbers[pid], c))
            if numbers[pid] not in cites:
                cites.append(numbers[pid])
        stance = _stance(cand.text) if answer.yes_no else None
        answer.sentences.append(Sentence(text=cand.text, cites=cites, stance=stance))
    if answer.yes_no and any(s.stance for s in answer.sentences):
        order = {"yes": 0, "no": 1, None: 2}
        answer.sentences.sort(key=lambda s: order[s.stance])


def _source(k: int, cand: _Cand) -> dict[str, Any]:
    row = cand.post
    return {"k": k, "thread_id": row.thread_id, "thread_title": row.title,
            "post_number": row.post_number, "author": row.author,
            "posted_at": row.posted_at, "url": row.url, "path": row.source_path,
            "excerpt": _excerpt(row.body, cand.text)}


def _excerpt(body: str, sentence: str, width: int = 280) -> str:
    text = " ".join(body.split())
    at = text.find(" ".join(sentence.split()))
    start = max(0, at - 60) if at > 0 else 0
    if start:
        start = text.find(" ", start) + 1
    out = text[start: start + width]
    return ("…" if start else "") + out + ("…" if start + width < len(text) else "")
