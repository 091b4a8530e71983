"""The count-based rankers: BM25F from counts agrees with Whoosh's scorer; updates need no refit."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from bench.rankers import rank_by
from kb.bm25 import thread_bm25
from kb.counts import TermCounts
from kb.ingest import ingest, read_sources
from kb.knowledge import KB
from kb.query import parse_query
from kb.search import rank
from tests.conftest import FIXTURES, SEED

BIKES = FIXTURES / "jsonl" / "bikes.jsonl"
QUERIES = ["tubeless tyres punctures", "chain lube winter rain", "leg strength squats",
           "patch kit pump", "saddle width", "plyos performance", "strength training volume"]


@pytest.fixture
def kb(tmp_path: Path) -> KB:
    k = KB(tmp_path / "kb")
    ingest(read_sources([str(SEED), str(BIKES)]), k.store)
    k.sync()
    return k


@pytest.mark.parametrize("text", QUERIES)
def test_bm25_from_counts_ranks_as_whoosh_does(kb: KB, text: str) -> None:
    q = parse_query(text)
    ours = [pid for pid, _ in rank_by(kb, q, 5, "bm25")]
    whoosh = [pid for pid, _ in rank_by(kb, q, 5, "whoosh")]
    assert ours and ours[0] == whoosh[0]
    assert len(set(ours[:3]) & set(whoosh[:5])) >= 2


def test_new_words_and_replaced_posts_without_refit(kb: KB, tmp_path: Path) -> None:
    rows_before = len(kb.counts.ids)
    page = tmp_path / "page.jsonl"
    page.write_text(json.dumps({"thread_id": "t-9", "thread_title": "Cassette choice",
                                "post_number": 1, "body": "An 11-34 cassette for zorbhills."}))
    ingest(read_sources([str(page)]), kb.store)
    kb.sync()
    assert len(kb.counts.ids) == rows_before + 1 and "cassett" in kb.counts.vocab
    page.write_text(json.dumps({"thread_id": "t-9", "thread_title": "Cassette choice",
                                "post_number": 1, "body": "A wide-range cassette for gravel."}))
    ingest(read_sources([str(page)]), kb.store)
    kb.sync()
    assert len(kb.counts.ids) == rows_before + 2  # appended, the old row masked
    assert int((~kb.counts.live).sum()) == 1
    assert rank(kb, parse_query("zorbhills")).posts == []
    [(pid, _)] = rank(kb, parse_query("gravel cassette")).posts
    assert kb.store.posts_by_ids([pid])[pid].thread_id == "t-9"


def test_thread_taken_whole_lifts_its_posts(kb: KB) -> None:
    """A post whose thread as a whole is about the query outranks an equal post elsewhere."""
    scores = thread_bm25(kb.counts, ["tubeless", "sealant", "punctur"])
    best = max(kb.counts.threads, key=lambda t: scores[kb.counts.threads[t]])
    assert best == "bikes-1"


def test_counts_read_a_page_of_posts_at_a_time_are_those_read_at_once(
        kb: KB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb import growing

    monkeypatch.setattr(growing, "PAGE", 3)  # the fixture's posts over several pages
    paged = KB(tmp_path / "paged")
    ingest(read_sources([str(SEED), str(BIKES)]), paged.store)
    assert paged.sync() == len(kb.counts.ids) > 3
    a, b = kb.counts, paged.counts
    assert a.vocab == b.vocab and list(a.ids) == list(b.ids) and list(a.day) == list(b.day)
    assert (a.body.csc() != b.body.csc()).nnz == 0 and (a.title.csc() != b.title.csc()).nnz == 0


def test_counts_round_trip_through_their_file(kb: KB) -> None:
    saved = kb.counts
    again = TermCounts(saved.path)
    assert saved.path.name == "counts.bin" and again.load()
    assert again.vocab == saved.vocab and again.threads == saved.threads and again.seq == saved.seq
    for name in ("ids", "live", "thread_of", "body_len", "title_len"):
        assert np.array_equal(getattr(again, name), getattr(saved, name))
    for name in ("body", "title"):
        assert (getattr(again, name).csc() != getattr(saved, name).csc()).nnz == 0
    q = parse_query("tubeless tyres punctures")
    assert rank(KB(kb.data_dir), q).posts == rank(kb, q).posts


def test_a_cold_reader_computes_no_statistics_and_reads_the_vocabulary_in_place(
        kb: KB, tmp_path: Path) -> None:
    extra = tmp_path / "words.jsonl"
    extra.write_text(json.dumps({"thread_id": "u-1", "thread_title": "Kölsch und Weißbier",
                                 "post_number": 1, "body": "Ein Kölsch, bitte. 東京の地図"}))
    ingest(read_sources([str(extra)]), kb.store)
    kb.sync()
    built = kb.counts  # computes its statistics itself
    cold = TermCounts(built.path)
    assert cold.load()
    assert "stats" in cold._memo and "thread_lengths" in cold._memo  # read, not computed
    assert not isinstance(cold._names["threads"], dict)  # names not parsed...
    assert cold.thread_count() == len(built.threads)  # ...to count them
    fresh, saved = built._stats(), cold.stats()
    for field in ("df_body", "df_title", "idf"):
        assert np.array_equal(getattr(fresh, field), getattr(saved, field))
    assert (fresh.posts, fresh.avg_body, fresh.avg_title) == (saved.posts, saved.avg_body,
                                                              saved.avg_title)
    built._memo.pop("thread_lengths", None)
    lengths, avg, full = built.thread_lengths()
    assert np.array_equal(lengths, cold.thread_lengths()[0]) and (avg, full) == cold.thread_lengths()[1:]
    for term in ["kolsch", "kölsch", "東京", "tubeless", "tyre", "zzz-no-such", ""]:
        assert cold.vocab.get(term) == built.vocab.get(term), term
        assert (term in cold.vocab) == (term in built.vocab)
    assert len(cold.vocab) == len(built.vocab) and dict(cold.vocab.items()) == dict(built.vocab)
    q = parse_query("Kölsch bitte")
    assert rank(KB(kb.data_dir), q).posts == rank(kb, q).posts


class _Planted:
    """Unpickling this would create a file: the proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


def test_a_planted_pickle_is_never_loaded(kb: KB, tmp_path: Path) -> None:
    marker = tmp_path / "pickle-was-loaded"
    index_dir = kb.counts.path.parent
    payload = pickle.dumps({"body": _Planted(marker)})
    (index_dir / "tfidf.pickle").write_bytes(payload)  # what an older kb kept, or an attacker
    kb.counts.path.write_bytes(payload)  # under the new name too
    again = KB(kb.data_dir)
    assert not again.counts.load()
    assert ids_of(again, "tubeless tyres punctures") == ids_of(kb, "tubeless tyres punctures")
    assert again.counts.load()  # rebuilt from the store, saved as plain arrays
    assert not marker.exists()


def ids_of(k: KB, text: str) -> list[int]:
    k.ensure_fresh()
    return [pid for pid, _ in rank(k, parse_query(text)).posts]


# A child that stores a new post and syncs, stopping (then killed) after the counts file's first
# array is written and before the file is complete: what kill -9 mid-save leaves behind.
_KILLED_MID_SAVE = """
import os, sys, time
from pathlib import Path
import numpy as np
from kb import arrays
from kb.ingest import ingest, read_sources
from kb.knowledge import KB

data, page, marker = (Path(a) for a in sys.argv[1:4])
class Slow:  # numpy, but stalling as the counts file's second array is about to be written
    written = 0
    def __getattr__(self, name):
        return getattr(np, name)
    def ascontiguousarray(self, a):
        Slow.written += 1
        if Slow.written == 2:
            marker.write_text("mid-save")
            time.sleep(60)
        return np.ascontiguousarray(a)
arrays.np = Slow()
k = KB(data)
ingest(read_sources([str(page)]), k.store)
k.sync()
"""


def test_kill_while_counts_are_written_next_open_heals(kb: KB, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    path, before = kb.counts.path, kb.counts.path.read_bytes()
    page, marker = tmp_path / "page.jsonl", tmp_path / "marker"
    page.write_text(json.dumps({"thread_id": "t-9", "thread_title": "Cassette choice",
                                "post_number": 1, "body": "An 11-34 cassette for zorbhills."}))
    kb.close()
    child = subprocess.Popen([sys.executable, "-c", _KILLED_MID_SAVE, str(kb.data_dir), str(page),
                              str(marker)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the child never reached the counts' save"
    child.send_signal(signal.SIGKILL)
    child.wait()
    half = path.with_name(path.name + ".tmp")
    assert half.exists() and path.read_bytes() == before  # the old counts, whole, still in place
    assert TermCounts(half).load() is False  # a half-written file never loads
    again = KB(kb.data_dir)
    assert again.counts.seq < again.store.last_seq() and again.needs_sync()
    again.ensure_fresh()
    [(pid, _)] = rank(again, parse_query("zorbhills")).posts
    assert again.store.posts_by_ids([pid])[pid].thread_id == "t-9"
    assert TermCounts(path).load()
    # A counts file cut short (a disk that lost its tail) is rebuilt from the store too.
    path.write_bytes(path.read_bytes()[:-100])
    third = KB(kb.data_dir)
    assert third.counts.seq < 0 and third.needs_sync()
    third.ensure_fresh()
    assert [p for p, _ in rank(third, parse_query("zorbhills")).posts] == [pid]


def test_counts_are_mapped_not_read_and_old_npz_counts_still_load(kb: KB) -> None:
    counts = TermCounts(kb.counts.path)
    assert counts.load()
    assert not counts.body.indices.flags.writeable and not counts.ids.flags.writeable
    legacy = kb.counts.path.with_name("counts.npz")
    with open(legacy, "wb") as fh:  # the format before issue 13
        meta = {"vocab": sorted(counts.vocab, key=counts.vocab.__getitem__), "seq": counts.seq,
                "threads": sorted(counts.threads, key=counts.threads.__getitem__),
                "authors": sorted(counts.authors, key=counts.authors.__getitem__),
                "analysis": json.loads(json.dumps(__import__("kb.text").text.ANALYSIS_VERSION))}
        np.savez(fh, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                 **{f"{m}_{p}": getattr(getattr(counts, m), p) for m in ("body", "title")
                    for p in ("data", "indices", "indptr")},
                 **{f"{m}_shape": np.asarray(getattr(counts, m).shape) for m in ("body", "title")},
                 **{a: getattr(counts, a) for a in ("ids", "live", "thread_of", "body_len",
                                                     "title_len", "author_of", "day", "stamp")})
    kb.counts.path.unlink()
    old = KB(kb.data_dir)
    assert old.counts.built and not old.needs_sync() and old.counts.vocab == counts.vocab
    q = parse_query("tubeless tyres punctures")
    assert rank(old, q).posts == rank(kb, q).posts
    old.counts.save()  # the next save replaces the old file
    assert kb.counts.path.exists() and not legacy.exists()
