"""The search page beyond the engine's hits: filter and sort controls, and what each hit shows.

The controls write the search syntax itself (`author:X after:Y before:Z`) into `q`, so the box
always shows the whole query and a link to the page is the query a user could type in the CLI.
Sort and forum are URL parameters (`sort=newest`, `forum=host`): the query syntax has no word
for them. `kb.search.search` is given them when it takes them; until it does, the view sorts and
filters the engine's best `WINDOW` matches itself (`page_of_hits`).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from kb.knowledge import KB
    from kb.search import Hit, SearchResult

SORTS = ("relevance", "newest", "oldest")
WINDOW = 200  # matches the view sorts or filters itself, when the engine cannot
CONTROLS = ("author", "after", "before")

# The positive filters the controls own; a negated one (-author:x) is the user's own text.
_CONTROLLED = re.compile(r'(?<![\S-])(?:(?P<key>author|user|after|before):(?:"(?P<qval>[^"]*)"'
                         r'|(?P<val>\S+))|@(?P<at>\S+))', re.I)
# "[SOLVED]", "(solved)", "Solved: …", "… - solved": what forums write when a thread is answered.
_SOLVED = re.compile(r"[\[(]\s*solved\s*[\])]|^\s*solved\b|[-–:]\s*solved\s*[!.]*\s*$", re.I)


def split_filters(q: str) -> tuple[str, dict[str, str]]:
    """The query without the filters the controls own, and those filters' values."""
    values: dict[str, str] = {}
    for m in _CONTROLLED.finditer(q):
        key = (m.group("key") or "author").lower()
        key = "author" if key == "user" else key
        values[key] = next(v for v in (m.group("qval"), m.group("val"), m.group("at"), "")
                           if v is not None)
    return " ".join(_CONTROLLED.sub(" ", q).split()), values


def compose(q: str, controls: dict[str, str]) -> str:
    """`q` with the controls' filters put in place of its own (an empty control drops one)."""
    words, _ = split_filters(q)
    parts = [words] if words else []
    for key in CONTROLS:
        value = " ".join(controls.get(key, "").replace('"', "").split())
        if value:
            parts.append(f'{key}:"{value}"' if " " in value else f"{key}:{value}")
    return " ".join(parts)


def engine_takes(name: str) -> bool:
    """Whether `kb.search.search` accepts the keyword `name` (sort=, forum=)."""
    from kb.search import search

    return name in inspect.signature(search).parameters


@dataclass
class Page:
    """One page of hits; how many matched and how many the pager walks through (fewer when the
    view sorted or filtered the engine's best WINDOW itself, said in `note`)."""

    result: SearchResult
    matched: int
    listed: int
    note: str | None = None


def page_of_hits(kb: KB, q: str, page: int, size: int, every: bool, sort: str,
                 forum: str | None) -> Page:
    """The hits of page `page`: ranked by the engine; sorted or filtered to a forum by it when
    it can, else by the view over the best WINDOW matches."""
    from kb.search import search

    extra: dict[str, Any] = {}
    if sort != "relevance" and engine_takes("sort"):
        extra["sort"] = sort
    if forum and engine_takes("forum"):
        extra["forum"] = forum
    ours_sort = sort != "relevance" and "sort" not in extra
    ours_forum = bool(forum) and "forum" not in extra
    if not (ours_sort or ours_forum):
        result = search(kb, q, limit=size, offset=(page - 1) * size, per_thread=not every,
                        **extra)
        return Page(result, result.total, result.total)
    result = search(kb, q, limit=WINDOW, per_thread=not every, **extra)
    hits = result.hits
    if ours_forum:
        hits = [h for h in hits if forum_of(kb, h) == forum]
    if ours_sort:
        dated = sorted((h for h in hits if h.posted_at), key=lambda h: h.posted_at or "",
                       reverse=sort == "newest")
        hits = dated + [h for h in hits if not h.posted_at]
    cut = result.total > len(result.hits)
    note = (f"{'Sorted' if ours_sort else 'Filtered'} among the best {WINDOW} matches."
            if cut else None)
    matched = result.total if not ours_forum else len(hits)
    result.hits = hits[(page - 1) * size: page * size]
    return Page(result, matched, len(hits), note)


def forum_of(kb: KB, hit: Hit) -> str | None:
    """The forum a hit came from: its thread's forum (site host), else the host of its URL."""
    head = kb.store.thread_head(hit.thread_id)
    if head is not None and head.forum:
        return head.forum
    for url in (hit.url, head.url if head else None):
        host = urlsplit(url or "").hostname
        if host:
            return host.removeprefix("www.")
    return None


@dataclass
class HitFacts:
    """What a hit's line shows beyond the engine's fields."""

    forum: str | None
    accepted: bool  # the accepted answer of a Q&A thread
    solved: bool  # the thread's title says it was solved
    score: int | None  # votes, where the engine records them


def hit_facts(kb: KB, hits: list[Hit]) -> dict[int, HitFacts]:
    """Forum, accepted answer, solved title and score of each hit, by store post id."""
    rows = kb.store.posts_by_ids([h.post_id for h in hits])
    out = {}
    for h in hits:
        row = rows.get(h.post_id)
        out[h.post_id] = HitFacts(forum=forum_of(kb, h), accepted=bool(row and row.accepted),
                                  solved=bool(_SOLVED.search(h.thread_title or "")),
                                  score=row.score if row else None)
    return out


def forums(kb: KB, cache: dict[str, Any]) -> list[str]:
    """The forums the store holds threads of, recomputed when the store changes."""
    seq = kb.store.last_seq()
    if cache.get("seq") != seq:
        names = {t.forum for t in kb.store.threads()}
        cache.update(seq=seq, forums=sorted(n for n in names if n))
    return list(cache["forums"])
