"""Which posts a query matches, as a mask over the term counts' rows, and the order they list in.

Each row of the counts (kb/counts.py) keeps its post's thread, author and date beside its words,
so every filter of the query syntax, negated or not, is an array comparison: matching costs a few
milliseconds whether a query matches ten posts or all 147k of them, and totals are exact. (The
filters went through Whoosh before, which scored every match: `after:1900` took ~3 s at 130k.)

A negated filter matches what the rest of the query matches minus what the filter alone would:
a post without a date is not `after:2018`, so it is `-after:2018`, and a filter's total and its
negation's always add up to the total without it. `-in:title` keeps the posts whose words match
outside their thread's title only. Positive `author:` (or `thread:`) filters name any of several
members (threads); every other filter narrows.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from kb.counts import TermCounts
from kb.query import Filter, Query
from kb.text import tokens


def admitted(counts: TermCounts, q: Query, terms: list[str],
             held: np.ndarray | None = None) -> np.ndarray:
    """Per row: is it a live post that `q` matches? `terms` (the spelling-expanded words): any of
    them; with none, the filters alone decide. `held`, when the caller has it: the rows holding
    any term in title or body (kb/bm25.py's hit counts > 0)."""
    mask = counts.live.copy()
    if not counts.built:
        return mask
    title_only = any(f.key == "title" and not f.negated for f in q.filters)
    if terms:
        mask &= held if held is not None and not title_only else holding(counts, terms, title_only)
        if any(f.key == "title" and f.negated for f in q.filters):
            mask &= ~holding(counts, terms, title_only=True)
    elif title_only:
        mask[:] = False  # in:title says where the words must be; without words nothing matches
    for term in (t for p in q.phrases for t in tokens(p)):
        mask &= holding(counts, [term], title_only)
    if q.excluded:
        mask &= ~holding(counts, q.excluded, title_only)
    if any(f.key != "title" for f in q.filters):
        mask &= filtered(counts, q.filters)
    return mask


def words_only(q: Query) -> bool:
    """Does `q` match by its words alone (no filter, phrase or excluded word)?"""
    return not (q.filters or q.phrases or q.excluded)


def admitted_rows(counts: TermCounts, q: Query, terms: list[str], hits: np.ndarray | None,
                  touched: np.ndarray) -> np.ndarray:
    """The rows `admitted` lets through (unordered), given each row's distinct terms held (if
    counted) and the rows holding any (kb/bm25.py's): a query of words alone matches the live
    ones of those, found without a pass over every row."""
    if terms and counts.built and words_only(q):
        return touched[counts.live[touched]]
    return np.flatnonzero(admitted(counts, q, terms, None if hits is None else hits > 0))


def holding(counts: TermCounts, terms: list[str], title_only: bool = False) -> np.ndarray:
    """Per row: does the post hold any of `terms` in its thread's title (or its body)?"""
    mask = np.zeros(len(counts.ids), dtype=bool)
    matrices = (counts.title,) if title_only else (counts.title, counts.body)
    for term in dict.fromkeys(terms):
        col = counts.vocab.get(term)
        if col is None or not counts.built:
            continue
        for matrix in matrices:
            mask[counts.postings(matrix, col)[0]] = True
    return mask


def holding_all(counts: TermCounts, terms: list[str]) -> np.ndarray:
    """Per row: does the post hold every one of `terms` (title or body)?"""
    mask = np.ones(len(counts.ids), dtype=bool)
    for term in dict.fromkeys(terms):
        mask &= holding(counts, [term])
    return mask


def filtered(counts: TermCounts, filters: list[Filter]) -> np.ndarray:
    """Per row: does the post pass the author, thread and date filters (in:title aside)?"""
    mask = np.ones(len(counts.ids), dtype=bool)
    any_of: dict[str, np.ndarray] = {}
    for f in filters:
        if f.key == "title":
            continue
        rows = _rows(counts, f)
        if f.negated:
            mask &= ~rows
        elif f.key in ("author", "thread"):
            any_of[f.key] = any_of[f.key] | rows if f.key in any_of else rows
        else:
            mask &= rows
    for rows in any_of.values():
        mask &= rows
    return mask


def _rows(counts: TermCounts, f: Filter) -> np.ndarray:
    """The rows filter `f` admits, before any negation."""
    if f.key == "author":
        code = counts.authors.get(str(f.value).lower())
        return counts.author_of == code if code is not None else np.zeros(len(counts.ids), bool)
    if f.key == "thread":
        return np.isin(counts.thread_of, thread_indexes(counts, str(f.value)))
    assert isinstance(f.value, datetime)
    day = f.value.year * 10000 + f.value.month * 100 + f.value.day
    if f.key == "after":  # from that day on
        return counts.day >= day
    return (counts.day > 0) & (counts.day < day)  # before: up to the day before


def thread_indexes(counts: TermCounts, thread_id: str) -> list[int]:
    """The counts' indexes of thread `thread_id`, or, when no thread has that id, of those whose
    id ends ":" + it (as `kb show` finds "123" for a forum-qualified id)."""
    exact = counts.threads.get(thread_id)
    if exact is not None:
        return [exact]
    suffix = ":" + thread_id
    return [i for t, i in counts.threads.items() if t.endswith(suffix)]


def in_order(rows: np.ndarray, key: np.ndarray | None, tie: np.ndarray | None, need: int,
             thread_of: np.ndarray | None = None) -> np.ndarray:
    """The first `need` of `rows` by (`key`, `tie`) ascending, both indexed by row (no `key`:
    `rows` are in order already); with `thread_of`, only each thread's first row counts (one
    hit per thread).

    Only as much is sorted as the list needs: the `need` smallest keys first (ties at the cut
    kept), four times as deep while threads repeat, so a deep page sorts deeper on demand."""
    depth = max(need, 1)
    while True:
        part = rows[:depth]
        if key is not None and tie is not None:
            part = rows
            if depth < len(rows):
                keys = key[rows]
                part = rows[keys <= np.partition(keys, depth - 1)[depth - 1]]
            part = part[np.lexsort((tie[part], key[part]))]
        if thread_of is not None:
            _, first = np.unique(thread_of[part], return_index=True)
            part = part[np.sort(first)]
        if len(part) >= need or depth >= len(rows):
            return part[:need]
        depth *= 4


def newest_first(counts: TermCounts) -> np.ndarray:
    """Every row, newest post first (undated last; ties: the later stored first), sorted once
    per change of the counts: filters alone list in this order without sorting anything."""
    order = counts.memo("newest_first", lambda: np.lexsort((-counts.ids, -counts.stamp)))
    return order  # type: ignore[return-value]


def distinct_threads(counts: TermCounts, rows: np.ndarray) -> int:
    """How many threads `rows` fall in."""
    if not len(rows):
        return 0
    return int(np.count_nonzero(np.bincount(counts.thread_of[rows])))
