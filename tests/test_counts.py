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


def test_counts_round_trip_through_their_file(kb: KB) -> None:
    saved = kb.counts
    again = TermCounts(saved.path)
    assert saved.path.name == "counts.npz" and again.load()
    assert again.vocab == saved.vocab and again.threads == saved.threads and again.seq == saved.seq
    for name in ("ids", "live", "thread_of", "body_len", "title_len"):
        assert np.array_equal(getattr(again, name), getattr(saved, name))
    for name in ("body", "title"):
        assert (getattr(again, name) != getattr(saved, name)).nnz == 0
    q = parse_query("tubeless tyres punctures")
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
