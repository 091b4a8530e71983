"""Search sorted by date and kept to one forum, done by the engine over every match (the web
page's sort and forum controls pass straight through)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.knowledge import KB
from kb.query import QueryError
from kb.search import search


def _post(tid: str, n: int, forum: str, when: str | None, body: str) -> str:
    return json.dumps({"thread_id": tid, "thread_title": f"Thread {tid}", "post_number": n,
                       "forum": forum, "posted_at": when, "body": body})


@pytest.fixture
def kb(tmp_path: Path) -> KB:
    from kb.ingest import read_sources

    lines = [_post("a1", 1, "bikes.example", "2019-05-01T10:00:00", "chain wax in winter"),
             _post("a2", 1, "bikes.example", "2021-02-03T10:00:00", "chain wax for racing"),
             _post("b1", 1, "boards.example", "2020-07-07T10:00:00", "chain drive or belt"),
             _post("b2", 1, "boards.example", None, "a chain with no date at all")]
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines))
    k = KB(tmp_path / "data")
    k.ingest(read_sources([str(dump)]))
    return k


def test_newest_and_oldest_first_undated_last(kb: KB) -> None:
    newest = [h.thread_id for h in search(kb, "chain", sort="newest").hits]
    oldest = [h.thread_id for h in search(kb, "chain", sort="oldest").hits]
    assert newest == ["a2", "b1", "a1", "b2"]
    assert oldest == ["a1", "b1", "a2", "b2"]
    assert search(kb, "chain", sort="newest").total == 4


def test_one_forum_only_with_exact_total(kb: KB) -> None:
    r = search(kb, "chain", forum="boards.example")
    assert {h.thread_id for h in r.hits} == {"b1", "b2"} and r.total == 2
    assert search(kb, "wax", forum="boards.example").total == 0
    assert [h.thread_id for h in search(kb, "after:2018", forum="bikes.example",
                                        sort="oldest").hits] == ["a1", "a2"]


def test_an_unknown_sort_is_a_query_error(kb: KB) -> None:
    with pytest.raises(QueryError):
        search(kb, "chain", sort="sideways")


def test_the_cli_sorts_and_keeps_to_a_forum(kb: KB) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    args = ["--data-dir", str(kb.data_dir), "search", "--json", "chain"]
    out = json.loads(CliRunner().invoke(main, [*args, "--sort", "oldest"]).stdout)
    assert [h["thread_id"] for h in out["hits"]] == ["a1", "b1", "a2", "b2"]
    out = json.loads(CliRunner().invoke(main, [*args, "--forum", "bikes.example"]).stdout)
    assert out["total"] == 2 and {h["thread_id"] for h in out["hits"]} == {"a1", "a2"}
