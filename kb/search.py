"""Ranking posts for a query, and the search results built from the ranking.

Whoosh's scorer over a whole 100k-post index misses a 30 ms budget by far (130-190 ms measured,
DECISIONS.md and bench/query.py), so plain queries are scored from the term counts kept beside
the index (kb/tfidf.py): BM25F with Whoosh's own formula plus the thread taken whole. Queries
with filters or phrases are matched by Whoosh, which knows authors, threads and dates, and the
matches are ordered the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kb.query import Query, parse_query, phrase_matches
from kb.store import StoredPost
from kb.text import stem, tokens

RRF_K = 60
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


def expand_spelling(kb: Any, terms: list[str]) -> tuple[list[str], dict[str, float], dict[str, str]]:
    """Add the likely intended word for terms no post uses ("strenth" -> "strength").

    Only unknown terms are corrected: on SemEval dev, correcting rare-but-real words invented
    questions (wool -> cool, sinner -> dinner). The most common one-edit neighbour is added,
    weighted a little below an exact term, so the misspelling still matches whatever it
    matched and the word the asker meant is found too.
    """
    t = kb.tfidf
    out, weights, fixes = list(terms), {}, {}
    for term in dict.fromkeys(terms):
        if t.df(term) or len(term) < 4 or term.isdigit():
            continue
        best, best_df = None, 0
        for cand in _edits(term):
            cdf = t.df(cand)
            if cdf > best_df:
                best, best_df = cand, cdf
        if best:
            out.append(best)
            weights[best] = 0.8
            fixes[term] = best
    return out, weights, fixes


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return {stem(w) for w in out} - {word}


def rank(kb: Any, q: Query, k: int = CANDIDATES,
         mode: str = "kb") -> tuple[list[tuple[int, float]], dict[str, str]]:
    """(post id, score) best first, and the spelling fixes applied.

    `mode` "kb" is the product: BM25F over title and body computed from the term counts (the
    Whoosh formula, at a tenth of Whoosh's cost) with a coordination factor for short queries.
    The others are for the evaluation harness: "bm25", "tfidf", "fused" (reciprocal rank fusion
    of the two: it lost to BM25F alone on SemEval dev, so the product does not use it), and
    "whoosh" (Whoosh's own scorer over the whole index). Queries with filters or phrases are
    matched by Whoosh, then ordered by the mode's scores.
    """
    terms, weights, fixes = expand_spelling(kb, q.terms)
    allowed = None
    if q.has_filters or mode == "whoosh":
        lexical = kb.index.search(_lexical(q, terms), limit=None if q.has_filters else k)
        if mode == "whoosh" or not terms:
            return lexical[:k], fixes
        allowed = {pid for pid, _ in lexical}
    depth = k if allowed is None else len(kb.tfidf.ids)
    rankings = []
    for name in (("bm25", "tfidf") if mode == "fused" else (mode,)):
        top = kb.tfidf.top(terms, k=depth, mode=name, term_weights=weights)
        rankings.append([(p, s) for p, s, _ in top if allowed is None or p in allowed][:k])
    if mode != "fused":
        return rankings[0], fixes
    fused: dict[int, float] = {}
    for ranking in rankings:
        for r, (pid, _) in enumerate(ranking):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + r + 1)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0])), fixes


def _lexical(q: Query, terms: list[str]) -> Any:
    from kb.index import LexicalQuery

    return LexicalQuery(terms=terms, excluded=q.excluded, title_only=q.title_only,
                        author=q.author, thread=q.thread, after=q.after, before=q.before,
                        required=[t for p in q.phrases for t in tokens(p)])


def search(kb: Any, raw: str, limit: int = 10, offset: int = 0,
           per_thread: bool = True) -> SearchResult:
    """Ranked posts for a query in the search syntax; one hit per thread unless per_thread=False."""
    q = parse_query(raw)
    kb.ensure_fresh()
    ranked, fixes = rank(kb, q)
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


def _title_match_first(kb: Any, q: Query, hits: list[Hit]) -> list[Hit]:
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
