"""The search syntax users know from forum search, parsed into what the rankers need.

    "exact phrase"  author:NAME (or @NAME)  thread:ID  in:title  before:2019-05-01  after:2018
    -word  -"phrase"  and every filter negated: -author:NAME -@NAME -thread:ID -in:title ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from kb.text import tokens, words

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<key>author|user|thread|in|before|after):(?:"(?P<qval>[^"]*)"|(?P<val>\S+))'
    r'|@(?P<at>\S+)|"(?P<phrase>[^"]*)"|(?P<word>\S+))', re.I)


@dataclass(frozen=True)
class Filter:
    """One filter as typed: `negated` for its `-` form (kb/matching.py applies both)."""

    key: str  # "author", "thread", "title" (in:title), "before" or "after"
    value: str | datetime
    negated: bool = False


@dataclass
class Query:
    """A parsed query: free text for ranking plus filters."""

    raw: str
    text: str = ""  # the free words, as typed (for sentence scoring and title matching)
    terms: list[str] = field(default_factory=list)  # analysed free words and phrase words
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # analysed
    excluded_phrases: list[str] = field(default_factory=list)
    author: str | None = None
    thread: str | None = None
    title_only: bool = False
    before: datetime | None = None
    after: datetime | None = None
    # Every filter, negated ones too; the fields above are the last positive one of each kind.
    filters: list[Filter] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(self.filters or self.excluded or self.excluded_phrases or self.phrases)


class QueryError(ValueError):
    """The query cannot be understood; the message says how to fix it."""


def parse_query(raw: str) -> Query:
    """Split `raw` into free text, phrases and filters."""
    q = Query(raw=raw)
    free: list[str] = []
    for m in _TOKEN.finditer(raw):
        neg = bool(m.group("neg"))
        key = (m.group("key") or "").lower()
        value = m.group("qval") if m.group("qval") is not None else m.group("val")
        if key:
            _apply_filter(q, key, value or "", neg)
        elif m.group("at"):
            _apply_filter(q, "author", m.group("at"), neg)
        elif m.group("phrase") is not None:
            phrase = " ".join(m.group("phrase").split())
            if phrase:
                (q.excluded_phrases if neg else q.phrases).append(phrase)
        else:
            word = m.group("word").strip('"')
            if not word:
                continue
            if neg and len(word) > 1:
                q.excluded.extend(tokens(word))
            else:
                free.append(m.group(0))
    q.text = " ".join(free + q.phrases)
    q.terms = tokens(q.text)
    return q


def _apply_filter(q: Query, key: str, value: str, neg: bool) -> None:
    if key in ("author", "user", "thread"):
        key = "author" if key == "user" else key
        if not value:
            return
        parsed: str | datetime = value
    elif key == "in":
        if value.lower() != "title":
            raise QueryError(f"unknown filter in:{value}; only in:title is supported")
        key, parsed = "title", "title"
    else:
        date = _date(value)
        if date is None:
            raise QueryError(f"{key}:{value} is not a date; write {key}:YYYY-MM-DD")
        parsed = date
    q.filters.append(Filter(key, parsed, neg))
    if neg:
        return
    if key == "title":
        q.title_only = True
    else:
        setattr(q, key, parsed)


def _date(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def phrase_matches(phrase: str, text: str) -> bool:
    """Exact phrase, ignoring case, punctuation and spacing."""
    return f" {' '.join(words(phrase))} " in f" {' '.join(words(text))} "
