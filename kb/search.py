"""Ranking posts for a query, and the search results built from the ranking.

Whoosh's scorer over a whole 100k-post index misses a 30 ms budget by far (130-190 ms measured,
DECISIONS.md and bench/query.py), so plain queries are scored from the term counts kept beside
the index (kb/counts.py, kb/bm25.py): BM25F with Whoosh's own formula plus the thread taken
whole. Filters, negated or not, are masks over the same rows (kb/matching.py), so a query's total
counts every post it matches, pages go as deep as asked, and filters alone list the newest posts
without scoring anything.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from kb.bm25 import post_and_thread_scores
from kb.counts import UNDATED
from kb.matching import (
    admitted,
    admitted_rows,
    distinct_threads,
    holding_all,
    in_order,
    newest_first,
    words_only,
)
from kb.query import Query, QueryError, parse_query
from kb.store import StoredPost
from kb.text import fold, spelt, stem, tokens, word_spans, words

if TYPE_CHECKING:
    from kb.counts import TermCounts
    from kb.knowledge import KB

CANDIDATES = 200  # posts `rank` hands the answer builder
# Seconds a search may spend reading post text to check phrases (everything else is array work
# of a few milliseconds): no query holds a server thread for seconds. Measured at 147k posts:
# see README "Benchmarks".
BUDGET = 0.5
PHRASE_BATCH = 500


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
    total_exact: bool = True  # False: the time budget ran out checking phrases (see `search`)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "total_exact": self.total_exact,
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
    names = _typed_as_names(typed)
    for term in dict.fromkeys(terms):
        # An accented word's spelt form rides with its folded one, which is corrected instead.
        if counts.df(term) or len(term) < 4 or term.isdigit() or fold(term) != term:
            continue
        best, best_df = None, 0
        for cand in sorted(_edits(term)):  # sorted: equal counts fall the same way every run
            cdf = counts.df(cand)
            if cdf > best_df:
                best, best_df = cand, cdf
        # A name is respelt only as a name: "capital of Peru" is not "capital of perks".
        if best and term in names and not _written_as_name(kb, best):
            continue
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


def _typed_as_names(typed: str) -> set[str]:
    """The terms of words typed as names: capitalised inside a sentence ("the capital of Peru",
    "my Garmin"), in a query that writes its other words in lower case (in "Best Running Shoes"
    every word is capitalised, and none of them says it is a name)."""
    spans = [(s, e, made) for s, e, made in word_spans(typed) if typed[s].isalpha()]
    if sum(typed[s].islower() for s, _, _ in spans) * 2 < len(spans):
        return set()
    out: set[str] = set()
    for s, _, made in spans:
        before = typed[:s].rstrip()
        if typed[s].isupper() and before and before[-1] not in ".?!:\"'(":
            out.update(made)
    return out


def _written_forms(kb: KB, term: str, sample: int = 20) -> dict[str, int]:
    """How often posts write each word that makes `term` (a stem: "charg" -> "charger",
    "Chargers"), read from a few of the posts that hold it. The counts keep terms, not words;
    a correction is shown once per query, so reading `sample` posts then costs less than a
    stem -> word map would at every ingest."""
    counts = kb.counts
    col = counts.vocab.get(term)
    if col is None:
        return {}
    rows = np.concatenate([counts.postings(m, col)[0] for m in (counts.body, counts.title)])
    ids = [int(counts.ids[r]) for r in rows if counts.live[r]][:sample]
    seen: dict[str, int] = {}
    for post in kb.store.posts_by_ids(ids).values():
        for text in (post.title, post.body):
            for s, e, made in word_spans(text):
                if term in made:
                    word = unicodedata.normalize("NFC", text[s:e]).replace("’", "'").split("'", 1)[0]
                    seen[word] = seen.get(word, 0) + 1
    return seen


def _shown_word(kb: KB, term: str) -> str:
    """The word posts most often write for `term`, case-folded."""
    seen: dict[str, int] = {}
    for word, n in _written_forms(kb, term).items():
        seen[spelt(word)] = seen.get(spelt(word), 0) + n
    return max(seen, key=lambda w: (seen[w], w == fold(w))) if seen else term


def _written_as_name(kb: KB, term: str) -> bool:
    """Do posts mostly write `term` capitalised ("Strava", "GPS"), as a name is?"""
    forms = _written_forms(kb, term)
    named = sum(n for word, n in forms.items() if word[:1].isupper())
    return named * 2 > sum(forms.values())


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


@dataclass(frozen=True)
class Matches:
    """Every post a query matches (rows of the term counts) and the order they list in."""

    rows: np.ndarray  # matching rows: unordered, or in list order when there is no key
    key: np.ndarray | None  # per row, ascending: best first (None for filters alone)
    tie: np.ndarray | None  # per row, for equal keys
    scores: np.ndarray  # per row (0 for filters alone)


def rank(kb: KB, q: Query, k: int = CANDIDATES) -> Ranking:
    """The product's ranking: BM25F over title and body from the term counts (Whoosh's formula
    at a tenth of Whoosh's cost) plus each post's thread taken whole (kb/bm25.py), over the
    posts the query's filters admit; filters alone list the newest posts first."""
    spelling = expand_spelling(kb, q.terms, q.text)
    m = match(kb, q, spelling)
    rows = in_order(m.rows, m.key, m.tie, k)
    ids = kb.counts.ids
    return Ranking([(int(ids[r]), float(m.scores[r])) for r in rows], spelling)


def match(kb: KB, q: Query, spelling: Spelling, title_first: bool = False) -> Matches:
    """Every post `q` matches: scored when it has words; newest first (like Discourse) when it
    has filters alone, without scoring anything. `title_first`: a query that is a thread's
    title lists that thread first (search does; the answer ranks by score alone)."""
    counts = kb.counts
    if spelling.terms:
        scores, held, touched = post_and_thread_scores(counts, spelling.terms, spelling.weights,
                                                       hits_wanted=not words_only(q))
        rows = admitted_rows(counts, q, spelling.terms, held, touched)
        # Keys of the rows holding a word alone: no other row is read (they stay 0, as -0.0).
        key = np.zeros(len(scores), dtype=np.float64)
        key[touched] = -scores[touched]
        if title_first and len(key):
            for index in _title_threads(kb, q):
                key[counts.thread_of == index] -= float(np.abs(key).max()) + 1.0
        return Matches(rows, key, counts.ids, scores)
    zeros = np.zeros(len(counts.ids), dtype=np.float32)
    if not q.has_filters:
        return Matches(np.zeros(0, dtype=np.int64), None, None, zeros)
    order = newest_first(counts)
    return Matches(order[admitted(counts, q, [])[order]], None, None, zeros)


def _title_threads(kb: KB, q: Query) -> list[int]:
    """The counts' index of the thread whose title the query is, if one is."""
    tid = kb.titles().get(" ".join(words(q.text))) if q.text else None
    index = kb.counts.threads.get(tid) if tid is not None else None
    return [] if index is None else [index]


def search(kb: KB, raw: str, limit: int = 10, offset: int = 0, per_thread: bool = True,
           budget: float = BUDGET, sort: str = "relevance", forum: str | None = None
           ) -> SearchResult:
    """Ranked posts for a query in the search syntax; one hit per thread unless per_thread=False.

    The total counts every match; the page is ranked as deep as `offset` needs. Only checking
    phrases reads post text, best first and for at most `budget` seconds: past it, the posts
    not yet checked are left out and the result says its total is not exact. `sort`:
    "relevance", "newest" or "oldest" (undated posts last either way); `forum`: only threads
    of that forum (a thread's forum, as `kb threads` shows it)."""
    deadline = time.monotonic() + budget
    q = parse_query(raw)
    counts = kb.counts
    spelling = expand_spelling(kb, q.terms, q.text)
    m = _sorted(counts, _in_forum(kb, match(kb, q, spelling, title_first=True), forum), sort)
    rows, exact = m.rows, True
    if q.phrases or q.excluded_phrases:
        rows, exact = _phrases_checked(kb, q, in_order(rows, m.key, m.tie, len(rows)), deadline)
    thread_of = counts.thread_of if per_thread else None
    listed = in_order(rows, m.key, m.tie, offset + limit, thread_of)[offset:]
    total = distinct_threads(counts, rows) if per_thread else len(rows)
    posts = kb.store.posts_by_ids([int(counts.ids[r]) for r in listed])
    stems = set(q.terms) | set(spelling.stems.values())
    hits = []
    for r in listed:
        row = posts.get(int(counts.ids[r]))
        if row is not None:  # gone from the store since the counts were saved
            hits.append(_hit(row, float(m.scores[r]), stems))
    return SearchResult(query=raw, total=total, hits=hits, corrected=spelling.fixes,
                        total_exact=exact)


def _in_forum(kb: KB, m: Matches, forum: str | None) -> Matches:
    """`m` within one forum's threads."""
    if not forum:
        return m
    counts = kb.counts
    forums = kb.thread_forums()
    names = list(counts.threads)  # index -> thread id
    keep = np.asarray([forums.get(names[i]) == forum for i in range(len(names))], dtype=bool)
    rows = m.rows[keep[counts.thread_of[m.rows]]] if len(names) else m.rows[:0]
    return Matches(rows, m.key, m.tie, m.scores)


def _sorted(counts: TermCounts, m: Matches, sort: str) -> Matches:
    """`m` by date instead of by score: newest or oldest first, undated posts last."""
    if sort == "relevance":
        return m
    if sort not in ("newest", "oldest"):
        raise QueryError(f"sort by relevance, newest or oldest, not {sort!r}")
    stamp = counts.stamp.astype(np.float64)
    undated = counts.stamp == UNDATED
    key = np.where(undated, np.inf, -stamp if sort == "newest" else stamp)
    return Matches(m.rows, key, -counts.ids if sort == "newest" else counts.ids, m.scores)


def _phrases_checked(kb: KB, q: Query, rows: np.ndarray, deadline: float
                     ) -> tuple[np.ndarray, bool]:
    """`rows` (best first) whose post holds every phrase and no excluded phrase, read from the
    store in batches until `deadline`; and whether every row was checked in time."""
    counts = kb.counts
    suspect = np.ones(len(counts.ids), dtype=bool)
    if not q.phrases:  # only posts holding an excluded phrase's every word can hold the phrase
        suspect = np.zeros(len(counts.ids), dtype=bool)
        for p in q.excluded_phrases:
            suspect |= holding_all(counts, tokens(p))
    keep = ~suspect[rows]
    check = np.flatnonzero(suspect[rows])
    for start in range(0, len(check), PHRASE_BATCH):
        if time.monotonic() > deadline:
            return rows[keep], False
        batch = check[start: start + PHRASE_BATCH]
        posts = kb.store.posts_by_ids([int(counts.ids[rows[i]]) for i in batch])
        for i in batch:
            post = posts.get(int(counts.ids[rows[i]]))
            keep[i] = post is not None and _phrases_ok(q, post)
    return rows[keep], True


def _phrases_ok(q: Query, row: StoredPost) -> bool:
    text = f" {' '.join(words(f'{row.title} {row.body}'))} "
    return all(f" {' '.join(words(p))} " in text for p in q.phrases) and not any(
        f" {' '.join(words(p))} " in text for p in q.excluded_phrases)


def _hit(row: StoredPost, score: float, stems: set[str]) -> Hit:
    return Hit(post_id=row.id, thread_id=row.thread_id, thread_title=row.title,
               post_number=row.post_number, author=row.author, posted_at=row.posted_at,
               score=score, body=row.body, url=row.url, snippet=snippet(row.body, stems))


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
