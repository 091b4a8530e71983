"""Search totals, pages, negated filters and filters alone, against counts made directly from the
store's posts: on real Urho3D topics (670 threads, 4,809 posts) and a thread of 600 posts."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kb.ingest import expand, read_sources
from kb.knowledge import KB
from kb.query import Filter, parse_query
from kb.rows import IndexedPost
from kb.search import CANDIDATES, SearchResult, search
from kb.text import tokens, words
from tests.conftest import shared


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> KB:
    paths = [str(shared("urho3d-discourse", "posts", "json"))]
    k = KB(tmp_path_factory.mktemp("urho3d"))
    k.ingest(read_sources(expand(paths), explicit=set(paths)))
    return k


@pytest.fixture(scope="module")
def posts(real: KB) -> list[IndexedPost]:
    """Every stored post, read straight from the store (what the expected counts come from)."""
    rows, _, _ = real.store.changes(-1)
    return rows


def holds(post: IndexedPost, word: str, title_only: bool = False) -> bool:
    term = tokens(word)[0]
    return term in tokens(post.title) or (not title_only and term in tokens(post.body))


def day(post: IndexedPost) -> str:
    return (post.posted_at or "")[:10]


def every_hit(kb: KB, query: str, per_thread: bool, page: int = 100) -> list[Any]:
    """Every hit of `query`, page after page, as the web pager and `offset` walk them."""
    first = search(kb, query, limit=page, per_thread=per_thread)
    hits = list(first.hits)
    while len(hits) < first.total:
        more = search(kb, query, limit=page, offset=len(hits), per_thread=per_thread).hits
        assert more, f"page at offset {len(hits)} of {first.total} came back empty"
        hits += more
    return hits


def totals(kb: KB, query: str) -> tuple[int, int]:
    """(threads, posts) that `query` matches."""
    return search(kb, query).total, search(kb, query, per_thread=False).total


# -- exact totals and pages past the candidate cut ---------------------------------------------

@pytest.mark.parametrize("word", ["scene", "node", "shader"])
def test_totals_count_every_post_and_thread_holding_the_word(real: KB, posts: list[IndexedPost],
                                                             word: str) -> None:
    matching = [p for p in posts if holds(p, word)]
    assert len(matching) > CANDIDATES  # past the cut the ranking hands on
    assert totals(real, word) == (len({p.thread_id for p in matching}), len(matching))


def test_pages_walk_through_every_matching_thread_and_post(real: KB,
                                                           posts: list[IndexedPost]) -> None:
    matching = [p for p in posts if holds(p, "shader")]
    threads = every_hit(real, "shader", per_thread=True)
    assert sorted(h.thread_id for h in threads) == sorted({p.thread_id for p in matching})
    every = every_hit(real, "shader", per_thread=False)
    assert sorted(h.post_id for h in every) == sorted(p.id for p in matching)
    # Pages are slices of one ranking: best first all the way down.
    assert [h.post_id for h in every[:10]] == [
        h.post_id for h in search(real, "shader", per_thread=False).hits]
    scores = [h.score for h in every]
    assert scores == sorted(scores, reverse=True)
    # One hit per thread is each thread's best post.
    best = {h.thread_id: h.post_id for h in reversed(every)}
    assert all(best[h.thread_id] == h.post_id for h in threads)


def test_in_title_total_is_every_thread_whose_title_holds_the_word(
        real: KB, posts: list[IndexedPost]) -> None:
    titled = {p.thread_id for p in posts if holds(p, "scene", title_only=True)}
    assert search(real, "scene in:title").total == len(titled) > 10
    assert {h.thread_id for h in every_hit(real, "scene in:title", True)} == titled


def test_a_phrase_total_checks_every_post_holding_its_words(real: KB,
                                                            posts: list[IndexedPost]) -> None:
    want = [p for p in posts if " render path " in f" {' '.join(words(p.title + ' ' + p.body))} "]
    r = search(real, '"render path"', per_thread=False)
    assert (r.total, r.total_exact) == (len(want), True) and len(want) > 10
    assert {h.post_id for h in every_hit(real, '"render path"', False)} == {p.id for p in want}


def test_a_spent_time_budget_says_the_total_is_not_exact(real: KB) -> None:
    r = search(real, '"render path"', budget=0.0)
    assert not r.total_exact and r.to_dict()["total_exact"] is False
    assert search(real, '"render path"').total_exact


# -- negation -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def prolific(posts: list[IndexedPost]) -> str:
    """The member with most posts holding "scene"."""
    return Counter(p.author for p in posts if p.author and holds(p, "scene")).most_common(1)[0][0]


def test_negated_author_excludes_that_member(real: KB, posts: list[IndexedPost],
                                             prolific: str) -> None:
    for query in (f"scene -author:{prolific}", f"scene -@{prolific}"):
        hits = every_hit(real, query, per_thread=False)
        assert hits and prolific not in {h.author for h in hits}
        assert len(hits) == len([p for p in posts if holds(p, "scene") and p.author != prolific])
    by = search(real, f"scene author:{prolific}", per_thread=False)
    assert {h.author for h in by.hits} == {prolific}
    unfiltered = search(real, "scene", per_thread=False).total
    assert by.total + search(real, f"scene -author:{prolific}", per_thread=False).total == unfiltered


def test_negated_thread_excludes_that_thread(real: KB, posts: list[IndexedPost]) -> None:
    tid = Counter(p.thread_id for p in posts if holds(p, "scene")).most_common(1)[0][0]
    hits = every_hit(real, f"scene -thread:{tid}", per_thread=False)
    assert tid not in {h.thread_id for h in hits}
    assert {h.thread_id for h in search(real, f"scene thread:{tid}", per_thread=False).hits} == {tid}
    for per_thread in (True, False):
        parts = [search(real, f"scene {f}thread:{tid}", per_thread=per_thread).total
                 for f in ("", "-")]
        assert sum(parts) == search(real, "scene", per_thread=per_thread).total


def test_negated_in_title_keeps_matches_outside_titles(real: KB, posts: list[IndexedPost]) -> None:
    hits = every_hit(real, "scene -in:title", per_thread=True)
    assert hits and not any("scene" in tokens(h.thread_title) for h in hits)
    for per_thread in (True, False):
        parts = [search(real, q, per_thread=per_thread).total
                 for q in ("scene in:title", "scene -in:title")]
        assert sum(parts) == search(real, "scene", per_thread=per_thread).total


@pytest.mark.parametrize("key", ["before", "after"])
def test_negated_dates_are_the_other_side_of_the_date(real: KB, posts: list[IndexedPost],
                                                      key: str) -> None:
    middle = sorted(day(p) for p in posts if p.posted_at)[len(posts) // 2]
    hits = every_hit(real, f"scene -{key}:{middle}", per_thread=False)
    # before: is up to the day before; after: from that day on. Negated, the other side.
    outside = [h for h in hits if h.posted_at and (day(h) < middle if key == "before"  # type: ignore[arg-type]
                                                   else day(h) >= middle)]  # type: ignore[arg-type]
    assert hits and not outside
    parts = [search(real, f"scene {n}{key}:{middle}", per_thread=False).total for n in ("", "-")]
    assert all(parts) and sum(parts) == search(real, "scene", per_thread=False).total


def test_every_negated_filter_is_parsed_as_negated() -> None:
    q = parse_query('x -author:"two words" -@ann -thread:7 -in:title -before:2019 -after:2018-05')
    assert q.filters == [Filter("author", "two words", True), Filter("author", "ann", True),
                         Filter("thread", "7", True), Filter("title", "title", True),
                         Filter("before", datetime(2019, 1, 1), True),
                         Filter("after", datetime(2018, 5, 1), True)]
    assert (q.author, q.thread, q.title_only, q.before, q.after) == (None, None, False, None, None)


# -- filters alone ------------------------------------------------------------------------------

def test_filters_alone_count_every_post_newest_first(real: KB, posts: list[IndexedPost],
                                                     prolific: str) -> None:
    year = min(day(p) for p in posts if p.posted_at)[:4]
    since = [p for p in posts if p.posted_at and day(p) >= f"{int(year) + 2}"]
    r = search(real, f"after:{int(year) + 2}", limit=20, per_thread=False)
    assert r.total == len(since) > CANDIDATES
    newest = sorted(since, key=lambda p: (p.posted_at or "", p.id), reverse=True)[:20]
    assert [h.post_id for h in r.hits] == [p.id for p in newest]
    assert search(real, f"after:{int(year) + 2}").total == len({p.thread_id for p in since})
    mine = [p for p in posts if p.author == prolific]
    assert totals(real, f"author:{prolific}") == (len({p.thread_id for p in mine}), len(mine))
    assert totals(real, f"-author:{prolific}") == (
        len({p.thread_id for p in posts if p.author != prolific}), len(posts) - len(mine))
    threads = every_hit(real, f"author:{prolific}", per_thread=True)
    stamps = [h.posted_at for h in threads]
    assert stamps == sorted(stamps, reverse=True)  # each thread at its newest post by them


def test_filters_alone_never_score(real: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a filter-only query reached a scorer")

    monkeypatch.setattr("kb.search.post_and_thread_scores", refuse)
    tid = real.store.threads(limit=1)[0].thread_id
    r = search(real, f"thread:{tid}", per_thread=False)
    assert r.total == len(real.store.thread(tid).posts)  # type: ignore[union-attr]
    assert search(real, "after:1900").total == len(real.store.threads())


# -- one thread of 600 posts ----------------------------------------------------------------------

def test_a_thread_of_hundreds_of_posts_counts_and_pages_whole(tmp_path: Path) -> None:
    lines = [{"thread_id": "long", "thread_title": "The long thread", "post_number": n,
              "author": f"m{n % 7}", "posted_at": f"2020-01-01T00:{n // 60:02d}:{n % 60:02d}",
              "body": f"gearing post {n}"} for n in range(1, 601)]
    lines += [{"thread_id": f"t{n}", "thread_title": f"Other {n}", "post_number": 1,
               "body": "gearing once" if n % 2 else "nothing here"} for n in range(40)]
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    kb = KB(tmp_path / "kb")
    kb.ingest(read_sources([str(path)]))
    assert totals(kb, "gearing") == (1 + 20, 600 + 20)
    assert len({h.post_id for h in every_hit(kb, "gearing", per_thread=False)}) == 620
    assert len(every_hit(kb, "gearing", per_thread=True, page=7)) == 21
    assert totals(kb, "gearing -author:m0") == (21, 620 - 85)
    r: SearchResult = search(kb, "thread:long", per_thread=False, limit=3)
    assert (r.total, [h.post_number for h in r.hits]) == (600, [600, 599, 598])


# -- the CLI, the web and the API alike ---------------------------------------------------------

def test_negation_in_the_cli_the_api_and_the_search_page(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main
    from tests.conftest import FIXTURES, SEED
    from web import create_app

    data = tmp_path / "data"
    KB(data).ingest(read_sources([str(SEED), str(FIXTURES / "jsonl" / "bikes.jsonl")]))
    runner = CliRunner()

    def cli(query: str) -> dict[str, Any]:
        out = runner.invoke(main, ["--data-dir", str(data), "search", "--posts", "-n", "50",
                                   "--json", query], catch_exceptions=False)
        return json.loads(out.output)

    client = create_app({"TESTING": True, "KB_DATA_DIR": str(data)}).test_client()
    for name in ("author:ben", "@ben"):
        every, without, only = (cli(q) for q in ("tubeless", f"tubeless -{name}",
                                                 f"tubeless {name}"))
        assert {h["author"] for h in only["hits"]} == {"ben"}
        assert "ben" not in {h["author"] for h in without["hits"]} and without["hits"]
        assert only["total"] + without["total"] == every["total"]
        api = client.get("/api/search", query_string={"q": f"tubeless -{name}", "posts": "1",
                                                      "limit": "50"}).get_json()
        assert api == without
    page = client.get("/search", query_string={"q": "rain -thread:bikes-2", "posts": "1"})
    assert b"bikes-1" in page.data and b"/t/bikes-2" not in page.data
    assert cli("after:2020")["hits"][0]["posted_at"] >= cli("-after:2020")["hits"][0]["posted_at"]
