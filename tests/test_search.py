"""Search: rankings, the query syntax, spelling, one hit per thread, index upkeep."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from kb.ingest import ingest, read_sources
from kb.knowledge import KB
from kb.search import search
from tests.conftest import FIXTURES, SEED

BIKES = FIXTURES / "jsonl" / "bikes.jsonl"


@pytest.fixture
def kb(tmp_path: Path) -> KB:
    k = KB(tmp_path / "kb")
    ingest(read_sources([str(SEED), str(BIKES)]), k.store)
    k.sync()
    return k


def ids(result) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(h.thread_id, h.post_number) for h in result.hits]


def test_best_post_first(kb: KB) -> None:
    r = search(kb, "clean the chain weekly", per_thread=False)
    assert ids(r)[0] == ("bikes-2", 2)


def test_one_hit_per_thread_unless_posts(kb: KB) -> None:
    r = search(kb, "tubeless tyres")
    assert [h.thread_id for h in r.hits].count("bikes-1") == 1
    every = search(kb, "tubeless tyres", per_thread=False)
    assert len([1 for t, _ in ids(every) if t == "bikes-1"]) >= 3


def test_repeated_word_does_not_drown_the_rest(kb: KB) -> None:
    r = search(kb, "puncture patch kit", per_thread=False)
    assert ids(r)[0] in {("bikes-3", 2), ("bikes-3", 4)}
    assert ("bikes-3", 3) not in ids(r)[:2]


def test_exact_title_wins(kb: KB) -> None:
    r = search(kb, "Best saddle for long rides")
    assert r.hits[0].thread_id == "bikes-4"
    r = search(kb, "is leg strenth training necessary for a 400m runner")
    assert r.hits[0].thread_id == "is-leg-strenth-training-necessary-for-a-400m-runner"


def test_misspelling_still_finds(kb: KB) -> None:
    r = search(kb, "sqauts", per_thread=False)
    assert r.corrected == {"sqauts": "squats"}  # words as typed and as posts write them
    assert {n for _, n in ids(r)} == {6, 7, 8}


def test_a_name_is_respelt_only_as_a_name(tmp_path: Path) -> None:
    """"Peru" typed inside a sentence is a name: not respelt as "perks", which posts write in
    lower case; "Stravva" is respelt as the name posts write, "Strava"."""
    posts = [("perks", "The perks of a club: group rides and a discount at the shop."),
             ("strava", "I log every ride on Strava and compare segments with Strava friends.")]
    dump = tmp_path / "names.jsonl"
    dump.write_text("".join(json.dumps({"thread_id": t, "post_number": 1, "title": t,
                                        "body": b}) + "\n" for t, b in posts))
    k = KB(tmp_path / "kb")
    ingest(read_sources([str(dump)]), k.store)
    k.sync()
    assert search(k, "what is the capital of Peru?").corrected == {}
    assert search(k, "is my ride on Stravva?").corrected == {"stravva": "strava"}
    # every word capitalised: the capitals say nothing, and the typo is respelt as ever
    assert search(k, "Club Peru Discounts").corrected == {"peru": "perks"}


def test_phrase_author_thread_title_dates_and_negation(kb: KB) -> None:
    assert ids(search(kb, '"bench squats"', per_thread=False)) == [
        ("is-leg-strenth-training-necessary-for-a-400m-runner", 7)]
    assert {h.author for h in search(kb, "author:RB34 squats", per_thread=False).hits} == {"RB34"}
    assert {h.author for h in search(kb, "@ben", per_thread=False).hits} == {"ben"}
    assert {t for t, _ in ids(search(kb, "rain thread:bikes-2", per_thread=False))} == {"bikes-2"}
    assert [t for t, _ in ids(search(kb, "in:title winter"))] == ["bikes-2"]
    before = search(kb, "rain before:2020-01-01", per_thread=False)
    assert {t for t, _ in ids(before)} == {"bikes-1"}
    after = search(kb, "rain after:2020", per_thread=False)
    assert {t for t, _ in ids(after)} == {"bikes-2"}
    without = search(kb, "tubeless -sealant", per_thread=False)
    assert ("bikes-1", 2) not in ids(without) and ("bikes-1", 4) in ids(without)


def test_snippet_highlights_query_words(kb: KB) -> None:
    hit = search(kb, "sealant punctures", per_thread=False).hits[0]
    assert "**sealant**" in hit.snippet and "**punctures**" in hit.snippet


def test_index_follows_ingest_incrementally(kb: KB, tmp_path: Path) -> None:
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"thread_id": "new-1", "thread_title": "Gravel gearing",
                                 "post_number": 1, "body": "Which cassette for gravel climbs?"}))
    ingest(read_sources([str(extra)]), kb.store)
    assert kb.stale()
    assert kb.sync() == 1
    assert ids(search(kb, "cassette gravel")) == [("new-1", 1)]


def test_lost_or_corrupt_counts_are_rebuilt(kb: KB) -> None:
    path = kb.counts.path
    kb.close()
    path.write_bytes(b"garbage" * 100)
    again = KB(kb.data_dir)
    assert again.needs_sync()
    again.ensure_fresh()  # what the CLI and the web app do once per command or request
    assert ids(search(again, "clean the chain weekly", per_thread=False))[0] == ("bikes-2", 2)
    path.unlink()
    third = KB(kb.data_dir)
    third.ensure_fresh()
    assert ids(search(third, "clean the chain weekly", per_thread=False))[0] == ("bikes-2", 2)


def test_second_writer_waits_instead_of_failing(kb: KB, tmp_path: Path) -> None:
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"thread_id": "w-1", "post_number": 1, "body": "derailleur hanger"}))
    ingest(read_sources([str(extra)]), kb.store)
    other = KB(kb.data_dir)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            other.sync()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    with kb._writing():  # another writer (an ingest) holds the counts
        assert other.busy() and not other.needs_sync()
        t = threading.Thread(target=run)
        t.start()
        t.join(1.0)
        assert t.is_alive()  # waiting for the lock, not dead
    t.join(30)
    assert not errors
    assert ids(search(other, "derailleur hanger")) == [("w-1", 1)]


def test_a_long_running_reader_sees_another_process_ingest(kb: KB, tmp_path: Path) -> None:
    reader = KB(kb.data_dir)  # e.g. the web app, opened before the ingest
    assert ids(search(reader, "clean the chain weekly", per_thread=False))[0] == ("bikes-2", 2)
    writer = KB(kb.data_dir)
    extra = tmp_path / "later.jsonl"
    extra.write_text(json.dumps({"thread_id": "later-1", "thread_title": "Disc brake squeal",
                                 "post_number": 1, "body": "Sand the pads to stop the squeal."}))
    ingest(read_sources([str(extra)]), writer.store)
    writer.sync()
    seq = reader.counts.seq
    reader.ensure_fresh()  # the web app's once-per-request check
    assert ids(search(reader, "brake squeal pads")) == [("later-1", 1)]
    assert reader.counts.seq > seq  # picked up the writer's counts, not rebuilt its own


def test_damaged_counts_are_rebuilt_whole_by_the_next_ingest(kb: KB, tmp_path: Path) -> None:
    # A damaged file must make the next writer count every post, not only the new file's.
    path = kb.counts.path
    kb.close()
    path.write_bytes(path.read_bytes()[:200])
    (path.parent / "whoosh").mkdir()  # an index an older kb wrote: deleted by the next write
    again = KB(kb.data_dir)
    extra = tmp_path / "late.jsonl"
    extra.write_text(json.dumps({"thread_id": "late-1", "post_number": 1, "body": "spoke tension"}))
    ingest(read_sources([str(extra)]), again.store)
    again.sync()
    assert int(again.counts.live.sum()) == int(again.store.stats()["posts"])
    assert ids(search(again, "spoke tension")) == [("late-1", 1)]
    assert not (path.parent / "whoosh").exists()
