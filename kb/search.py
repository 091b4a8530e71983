"""Ranking posts for a query, and the search results built from the ranking.

Whoosh's scorer over a whole 100k-post index misses a 30 ms budget by far (130-190 ms measured,
DECISIONS.md and bench/query.py), so plain queries are scored from the term counts kept beside
the index (kb/counts.py, kb/bm25.py): BM25F with Whoosh's own formula plus the thread taken whole. Queries
with filters or phrases are matched by Whoosh, which knows authors, threads and dates, and the
matches are ordered the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from kb.bm25 import post_and_thread_scores, top
from kb.counts import TermCounts
from kb.index import LexicalQuery
from kb.query import Query, parse_query, phrase_matches
from kb.store import StoredPost
from kb.text import fold, spelt, stem, tokens, word_spans

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
    fixes: dict[str, str]  # the word as typed -> the word meant, as posts write it (to show)
    stems: dict[str, str]  # misspelt term -> the term added for it (to rank with)


def expand_spelling(kb: KB, terms: list[str], typed: str = "") -> Spelling:
    """Add the likely intended word for terms no post uses ("strenth" -> "strength").

    Only unknown terms are corrected: on SemEval dev, correcting rare-but-real words invented
    questions (wool -> cool, sinner -> dinner). The most common one-edit neighbour is added,
    weighted a little below an exact term, so the misspelling still matches whatever it
    matched and the word the asker meant is found too. `typed` (the query's words) lets
    `fixes` name the words as typed rather than their stems.
    """
    counts = kb.counts
    out, weights, stems = list(terms), {}, {}
    for term in dict.fromkeys(terms):
        # An accented word's spelt form rides with its folded one, which is corrected instead.
        if counts.df(term) or len(term) < 4 or term.isdigit() or fold(term) != term:
            continue
        best, best_df = None, 0
        for cand in _edits(term):
            cdf = counts.df(cand)
            if cdf > best_df:
                best, best_df = cand, cdf
        if best:
            out.append(best)
            weights[best] = 0.8
            stems[term] = best
    as_typed = _typed_words(typed, set(stems))
    fixes = {as_typed.get(t, t): _shown_word(kb, s) for t, s in stems.items()}
    return Spelling(out, weights, fixes, stems)


def _typed_words(typed: str, terms: set[str]) -> dict[str, str]:
    """Term -> the query word it came from, as typed (case-folded)."""
    out: dict[str, str] = {}
    for s, e, made in word_spans(typed):
        for t in made:
            if t in terms:
                out.setdefault(t, spelt(typed[s:e]))
    return out


def _shown_word(kb: KB, term: str, sample: int = 20) -> str:
    """The word posts most often write for `term` (a stem: "charg" -> "charger"), read from a
    few of the posts that hold it. The counts keep terms, not words; a correction is shown
    once per query, so reading `sample` posts then costs less than a stem -> word map would
    at every ingest."""
    counts = kb.counts
    col = counts.vocab.get(term)
    if col is None:
        return term
    rows = np.concatenate([counts.postings(m, col)[0] for m in (counts.body, counts.title)])
    ids = [int(counts.ids[r]) for r in rows if counts.live[r]][:sample]
    seen: dict[str, int] = {}
    for post in kb.store.posts_by_ids(ids).values():
        for text in (post.title, post.body):
            for s, e, made in word_spans(text):
                if term in made:
                    word = spelt(text[s:e]).split("'", 1)[0]
                    seen[word] = seen.get(word, 0) + 1
    return max(seen, key=lambda w: (seen[w], w == fold(w))) if seen else term


# The letters an edit may put in, by the script of the word (after folding).
_ALPHABETS = {"latin": "abcdefghijklmnopqrstuvwxyz",
              "cyrillic": "абвгдежзиклмнопрстуфхцчшщъыьэюя",
              "greek": "αβγδεζηθικλμνξοπρστυφχψω"}


def _alphabet(word: str) -> str:
    if word.isascii():
        return _ALPHABETS["latin"]
    if all("\u0400" <= c <= "\u04ff" for c in word):
        return _ALPHABETS["cyrillic"]
    if all("\u0370" <= c <= "\u03ff" for c in word):
        return _ALPHABETS["greek"]
    return ""  # no edits by letter in other scripts: deletions and swaps only


def _edits(word: str) -> set[str]:
    letters = _alphabet(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
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
    spelling = expand_spelling(kb, q.terms, q.text)
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
    stems = set(q.terms) | set(ranking.spelling.stems.values())
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


def snippet(body: str, stems: set[str], width: int = 220) -> str:
    """The window of `body` with most query words, matches wrapped in ** (markdown bold).
    Words are read as the index reads them (kb/text.py), so what is marked is what matched."""
    spans: list[tuple[int, int]] = []
    for s, e, made in word_spans(body):
        if stems.intersection(made):
            if spans and s < spans[-1][1]:  # overlapping CJK bigrams: one mark
                spans[-1] = (spans[-1][0], e)
            else:
                spans.append((s, e))
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
