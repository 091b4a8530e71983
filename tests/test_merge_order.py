"""One thread in several representations merges to the same posts whatever the order they arrive.

Every `kb export` line is compared, its `source` too: which file a post's words come from is
decided by fidelity (scraper.merge), not by which file came last.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path

import pytest

from bench.merge_order import both_orders, differing, export_lines, paired_topics
from kb.identity import forum_of
from scraper import ParseError, parse
from scraper.merge import merge
from tests.conftest import FIXTURES, SHARED_DATA, shared

MERGE = FIXTURES / "merge"
JSON = MERGE / "gear-ratio-for-hill-climbs.9001.json"
RAW = MERGE / "raw" / "gear-ratio-for-hill-climbs.9001.md"
MD = MERGE / "md" / "9001_gear-ratio-for-hill-climbs.md"


def _same_thread_pairs(folder: Path) -> list[tuple[str, str]]:
    """Every pair of files under `folder` that hold parts of one thread (pages, captures, URLs)."""
    by_thread: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith(("README", "SOURCE", "expect")):
            continue
        try:
            threads = parse(path.read_bytes(), str(path), normalised=False)
        except (ParseError, ValueError):
            continue
        for t in threads:
            by_thread[(forum_of(t, str(path)), t.thread_id)].append(str(path))
    return [pair for files in by_thread.values() for pair in itertools.combinations(files, 2)]


def _pairs() -> list[tuple[str, str]]:
    pairs = _same_thread_pairs(FIXTURES)
    wayback = SHARED_DATA / "theavalanches-phpbb-wayback"
    return pairs + (_same_thread_pairs(wayback) if wayback.exists() else [])


def _name(pair: tuple[str, str]) -> str:
    return " + ".join(Path(p).parent.name + "/" + Path(p).name for p in pair)


PAIRS = _pairs()


@pytest.mark.parametrize("pair", PAIRS, ids=[_name(p) for p in PAIRS])
def test_every_pair_in_both_orders(pair: tuple[str, str]) -> None:
    a, b = both_orders([pair[0]], [pair[1]])
    assert a and differing(a, b) == 0


def test_the_pairs_include_captures_urls_pages_and_representations() -> None:
    names = {_name(p) for p in PAIRS}
    assert any("sprint-drills-p1" in n and "sprint-drills-p2" in n for n in names)  # pages 1, 2
    assert any(JSON.name in n and RAW.name in n for n in names)  # JSON and /raw text
    # one mailing list as an mbox and as its web archive's message and thread pages
    for page in ("pipermail-message.html", "pipermail-c3.html", "hyperkitty-message.html",
                 "hyperkitty-thread.html", "hypermail-message.html"):
        assert any("bike-list-2025-03.mbox" in n and f"mailman/{page}" in n for n in names)
    if (SHARED_DATA / "theavalanches-phpbb-wayback").exists():
        assert any("20100812" in n and "20200914" in n for n in names)  # two captures
        assert any("p7553" in n and "p7650" in n for n in names)  # one topic, two URLs


def test_urho3d_json_and_raw_in_both_orders() -> None:
    """A seeded sample of the topics held both ways (bench/merge_order.py runs all 670)."""
    json_files, raw_files = paired_topics(shared("urho3d-discourse"), sample=60)
    assert len(json_files) == 60
    a, b = both_orders(json_files, raw_files)
    assert len(a) > 300 and differing(a, b) == 0


# --- the hand-made topic: each copy lacks what another has -------------------------------------

def _merged(paths: tuple[Path, ...], tmp_path: Path) -> dict[int, dict]:  # type: ignore[type-arg]
    where = tmp_path / "-".join(p.parent.name for p in paths)
    where.mkdir()
    rows = [json.loads(line) for line in export_lines([str(p) for p in paths], where)]
    assert {r["thread_id"] for r in rows} == {"9001"}
    return {r["post_number"]: r for r in rows}


@pytest.mark.parametrize("paths", [*itertools.permutations((JSON, RAW)),
                                   *itertools.permutations((JSON, MD)),
                                   *itertools.permutations((JSON, RAW, MD))],
                         ids=lambda ps: ">".join(p.parent.name for p in ps))
def test_merged_post_has_the_json_authors_and_the_text_quote(paths: tuple[Path, ...],
                                                             tmp_path: Path) -> None:
    posts = _merged(paths, tmp_path)
    assert sorted(posts) == [1, 2, 3]
    reply = posts[2]
    # who, when, ids, likes, acceptance: the JSON's (the /raw dates are the last edits)
    assert (reply["author"], reply["post_id"], reply["score"], reply["accepted"]) == (
        "bob", "102", 3, True)
    assert (reply["posted_at"], reply["reply_to"], reply["author_title"]) == (
        "2021-05-01T10:00:00Z", 1, "Builder")
    assert reply["url"] == "https://forum.hillclimb.example/t/gear-ratio-for-hill-climbs/9001/2"
    # the words and the quote the JSON lacks: a text copy's
    assert reply["body"] == "Go to 44 teeth and keep the motor under 80 degrees."
    assert reply["quotes"] == [{"author": "alice", "post_number": 1, "text":
                                "My 36 tooth pulley overheats the motor after two minutes."}]
    assert reply["source"]["format"] in ("discourse-raw", "discourse-md")
    assert [posts[n]["author"] for n in (1, 3)] == ["alice", "alice"]
    assert reply["thread_title"] == "Gear ratio for hill climbs?"  # not the slug of /raw
    assert reply["forum"] == "forum.hillclimb.example"


def test_merge_is_a_function_of_the_set_of_parts() -> None:
    parts = [t for p in (JSON, RAW, MD) for t in parse(p.read_bytes(), str(p), normalised=False)]
    for t in parts:
        t.thread_id = "9001"
    shapes = {json.dumps([p.to_export(m) for p in m.posts])
              for m in (merge(list(order)) for order in itertools.permutations(parts))}
    assert len(shapes) == 1


def test_the_newest_capture_numbers_the_posts() -> None:
    folder = shared("theavalanches-phpbb-wayback", "forum", "t1294_s20")
    old, new = (parse(p.read_bytes(), str(p), normalised=False)[0]
                for p in sorted(folder.glob("*.html")))
    for order in ([old, new], [new, old]):
        posts = {p.post_number: p for p in merge(order).posts}
        # 2010's #35 and #36 were deleted by 2020, whose #35 is 2010's #37
        assert (posts[35].post_id, posts[36].post_id, posts[37].post_id) == (
            "21180", "21207", "21208")
        assert "21176" not in {p.post_id for p in posts.values()}
        assert posts[22].author_posts == 214 and "20200914" in (posts[22].source_path or "")


def test_fidelity_ranks() -> None:
    from scraper.merge import body_rank, meta_rank

    assert meta_rank("discourse-json") < meta_rank("phpbb-html") < meta_rank("discourse-raw")
    assert meta_rank("stackexchange-xml") == meta_rank("kb-jsonl") == meta_rank("reddit-json")
    assert body_rank("discourse-raw") < body_rank("discourse-json") < body_rank("vbulletin-text")
    assert body_rank("vbulletin-html") == body_rank("some-new-engine-html")
