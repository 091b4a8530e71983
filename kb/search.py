"""Ranking posts for a query, and the search results built from the ranking.

Whoosh's scorer over a whole 100k-post index misses a 30 ms budget by far (130-190 ms measured,
DECISIONS.md and bench/query.py), so plain queries are scored from the term counts kept beside
the index (kb/counts.py, kb/bm25.py): BM25F with Whoosh's own formula plus the thread taken whole. Queries
with filters or phrases are matched by Whoosh, which knows authors, threads and dates, and the
matches are ordered the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from kb.bm25 import post_and_thread_scores, top
from kb.counts import TermCounts
from kb.index import LexicalQuery
from kb.query import Query, parse_query, phrase_matches
from kb.store import StoredPost
from kb.text import stem, tokens

if TYPE_CHECKING:
    from kb.knowledge import KB

CANDIDATES = 200


@dataclass
class Hit:
    """One ranked post, with what a result list shows."""

    post_id: int
    thread_id: str
    thread_title: str
    post_number: int
    author: str | None
    posted_at: str | None
    score: float
    body: str
    url: str | None = None
    snippet: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id, "thread_title": self.thread_title,
                "post_number": self.post_number, "author": self.author,
                "posted_at": self.posted_at, "score": round(self.score, 6),
                "snippet": self.snippet, "url": self.url}


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    corrected: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total,
                "hits": [h.to_dict() for h in self.hits]}


class Spelling(NamedTuple):
    """A query's terms with the likely intended words for those no post uses."""

    terms: list[str]  # the query's terms, then the fixes
    weights: dict[str, float]  # fixes weigh a little below exact terms
    fixes: dict[str, str]  # misspelt term -> the word added for it


def expand_spelling(kb: KB, terms: list[str]) -> Spelling:
    """Add the likely intended word for terms no post uses ("strenth" -> "strength").

    Only unknown terms are corrected: on SemEval dev, correcting rare-but-real words invented
    questions (wool -> cool, sinner -> dinner). The most common one-edit neighbour is added,
    weighted a little below an exact term, so the misspelling still matches whatever it
    matched and the word the asker meant is found too.
    """
    counts = kb.counts
    out, weights, fixes = list(terms), {}, {}
    for term in dict.fromkeys(terms):
        if counts.df(term) or len(term) < 4 or term.isdigit():
            continue
        best, best_df = None, 0
        for cand in _edits(term):
            cdf = counts.df(cand)
            if cdf > best_df:
                best, best_df = cand, cdf
        if best:
            out.append(best)
            weights[best] = 0.8
            fixes[term] = best
    return Spelling(out, weights, fixes)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return {stem(w) for w in out} - {word}


@dataclass(frozen=True)
class Ranking:
    """Posts best first, and the spelling expansion the ranking used (the answer reuses it)."""

    posts: list[tuple[int, float]]  # (store post id, score)
    spelling: Spelling


def rank(kb: KB, q: Query, k: int = CANDIDATES) -> Ranking:
    """The product's ranking: BM25F over title and body from the term counts (Whoosh's formula
    at a tenth of Whoosh's cost) plus each post's thread taken whole (kb/bm25.py). Queries with
    filters or phrases are matched by Whoosh, then ordered the same way."""
    spelling = expand_spelling(kb, q.terms)
    allowed = matched_by_index(kb, q, spelling.terms)
    if allowed is not None and not spelling.terms:
        return Ranking(allowed[:k], spelling)
    counts = kb.counts
    scores, hits = post_and_thread_scores(counts, spelling.terms, spelling.weights)
    return Ranking(_top(counts, scores, hits, k, allowed), spelling)


def matched_by_index(kb: KB, q: Query, terms: list[str]) -> list[tuple[int, float]] | None:
    """(post id, Whoosh score) of every post the query's filters and phrases admit; None when
    the query has none (every post may rank)."""
    if not q.has_filters:
        return None
    return kb.index.search(lexical_query(q, terms), limit=None)


def _top(counts: TermCounts, scores: np.ndarray, hits: np.ndarray, k: int,
         allowed: list[tuple[int, float]] | None) -> list[tuple[int, float]]:
    if allowed is None:
        return [(p, s) for p, s, _ in top(counts, scores, hits, k)]
    keep = {pid for pid, _ in allowed}
    return [(p, s) for p, s, _ in top(counts, scores, hits, len(counts.ids)) if p in keep][:k]


def lexical_query(q: Query, terms: list[str]) -> LexicalQuery:
    """What Whoosh matches for `q`: `terms` (the spelling-expanded ones) and the filters."""
    return LexicalQuery(terms=terms, excluded=q.excluded, title_only=q.title_only,
                        author=q.author, thread=q.thread, after=q.after, before=q.before,
                        required=[t for p in q.phrases for t in tokens(p)])


def search(kb: KB, raw: str, limit: int = 10, offset: int = 0,
           per_thread: bool = True) -> SearchResult:
    """Ranked posts for a query in the search syntax; one hit per thread unless per_thread=False."""
    q = parse_query(raw)
    kb.ensure_fresh()
    ranking = rank(kb, q)
    ranked, fixes = ranking.posts, ranking.spelling.fixes
    posts = kb.store.posts_by_ids([pid for pid, _ in ranked])
    hits = []
    for pid, score in ranked:
        row = posts.get(pid)
        if row is None or not _phrases_ok(q, row):
            continue
        hits.append(_hit(row, score, q))
    hits = _title_match_first(kb, q, hits)
    if per_thread:
        best: dict[str, Hit] = {}
        for h in hits:
            best.setdefault(h.thread_id, h)
        hits = list(best.values())
    page = hits[offset: offset + limit]
    stems = set(q.terms) | set(fixes.values())
    for h in page:
        h.snippet = snippet(h.body, stems)
    return SearchResult(query=raw, total=len(hits), hits=page, corrected=fixes)


def _phrases_ok(q: Query, row: StoredPost) -> bool:
    text = f"{row.title}\n{row.body}"
    return all(phrase_matches(p, text) for p in q.phrases) and not any(
        phrase_matches(p, text) for p in q.excluded_phrases)


def _hit(row: StoredPost, score: float, q: Query) -> Hit:
    return Hit(post_id=row.id, thread_id=row.thread_id, thread_title=row.title,
               post_number=row.post_number, author=row.author,
               posted_at=row.posted_at, score=score, body=row.body, url=row.url)


def _title_match_first(kb: KB, q: Query, hits: list[Hit]) -> list[Hit]:
    """Like Discourse: a query that is a thread's title puts that thread first."""
    from kb.text import words

    tid = kb.titles().get(" ".join(words(q.text))) if q.text else None
    if tid is None:
        return hits
    top = [h for h in hits if h.thread_id == tid]
    return top + [h for h in hits if h.thread_id != tid]


_WORDISH = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def snippet(body: str, stems: set[str], width: int = 220) -> str:
    """The window of `body` with most query words, matches wrapped in ** (markdown bold)."""
    spans = [(m.start(), m.end()) for m in _WORDISH.finditer(body)
             if stem(m.group().lower().split("'")[0]) in stems]
    if not spans:
        text = " ".join(body.split())
        return text[:width] + ("…" if len(text) > width else "")
    best, best_n = spans[0][0], 0
    for i, (s, _) in enumerate(spans):
        n = sum(1 for a, _ in spans[i:] if a < s + width)
        if n > best_n:
            best, best_n = s, n
    start = max(0, body.rfind(" ", 0, max(0, best - 40)) + 1) if best > 40 else 0
    end = min(len(body), start + width)
    out, pos = [], start
    for s, e in spans:
        if s >= start and e <= end:
            out.append(body[pos:s] + "**" + body[s:e] + "**")
            pos = e
    out.append(body[pos:end])
    text = " ".join("".join(out).split())
    return ("…" if start else "") + text + ("…" if end < len(body) else "")
