"""bench/speed.py's own logic: the reference ingest's split and the ratios against the targets."""

from __future__ import annotations

from pathlib import Path

from bench.speed import markdown, ratios, reference_ingest

ESK8 = """# A title

## \\#1 Posted by: ann Posted at: 2016-03-17T08:47:02.773Z Reads: 109

```
Which battery for a first build?
```

---
## \\#2 Posted by: bob Posted at: 2016-03-17T23:29:42.216Z Reads: 67

```
A 10s2p pack of good cells.
```
"""
URHO = "Gentle22 | 2017-08-07 18:12:55 UTC | #1\n\nWaves in real time.\n\n" \
       "-------------------------\n\nLumak | 2017-08-08 01:00:00 UTC | #2\n\nNice work.\n"


def test_reference_ingest_splits_both_dumps_at_post_headers(tmp_path: Path) -> None:
    (tmp_path / "1_a.md").write_text(ESK8)
    (tmp_path / "waves.3430.md").write_text(URHO)
    paths = [str(tmp_path / "1_a.md"), str(tmp_path / "waves.3430.md")]
    assert reference_ingest(paths, tmp_path / "ref.sqlite3") == 4


def _figures(one: float, two: float) -> dict:  # type: ignore[type-arg]
    ask = {"p50_ms": 30.0, "p99_ms": 90.0}
    return {
        "machine": {"date": "2026-12-02", "cpu": "x", "cores": 2, "python": "3.11", "commit": "c",
                    "load_avg": 1.0},
        "command": "bench/speed.py", "quick": False,
        "ingest": {"esk8": {"files": 2, "posts": 100, "kb_ingest_s": 2.0, "store_only_s": 1.6,
                            "reference_s": 1.0}},
        "ask": {"main": {"posts": 100, "questions": 3, "ask": ask, "rank_kb": ask,
                         "rank_bm25s": {"p50_ms": 40.0, "p99_ms": 90.0},
                         "cold_help_ms": [100.0, 110.0], "cold_ask_ms": [300.0, 500.0]}},
        "web": {"1": [{"req_s": one, "p99_ms": 1.0, "server_cores": 1.0}],
                "2": [{"req_s": two, "p99_ms": 1.0, "server_cores": 2.0}]},
    }


def test_ratios_say_which_targets_are_met() -> None:
    got = {x["what"].split(",")[0]: (x["measured"], x["met"]) for x in ratios(_figures(10, 18))}
    assert got["`kb ingest` / store-only ingest"] == (1.25, True)
    assert got["`kb ingest` / reference ingest"] == (2.0, True)
    assert got["kb ranking p50 / bm25s p50"] == (0.75, True)
    assert got["cold `kb ask` / cold `kb --help`"] == (3.81, True)
    assert got["`/api/ask` req/s"] == (1.8, True)
    assert not [x for x in ratios(_figures(10, 12)) if "req/s" in x["what"]][0]["met"]


def test_markdown_names_the_machine_and_every_ratio() -> None:
    figures = _figures(10, 18)
    figures["ratios"] = ratios(figures)
    text = markdown(figures)
    assert text.startswith("Measured 2026-12-02 on x (2 cores)")
    assert text.count("| yes |") == len(figures["ratios"])


def test_the_size_ratio_is_taken_from_the_alternated_runs_when_there_are_some() -> None:
    figures = _figures(10, 18)
    large = {**figures["ask"]["main"], "posts": 500, "ask": {"p50_ms": 60.0, "p99_ms": 99.0}}
    figures["ask"]["large"] = large
    what = "`ask` warm p50 at 500 / at 100 posts"
    single = [x for x in ratios(figures) if x["what"].startswith(what)][0]
    assert (single["measured"], single["met"]) == (2.0, False)  # 60 ms against 30, run apart
    figures["ask_alternated"] = {"small": [30.0, 40.0, 35.0], "large": [50.0, 49.0, 70.0]}
    turns = [x for x in ratios(figures) if x["what"].startswith(what)][0]
    assert (turns["measured"], turns["met"]) == (1.43, True)  # medians 50 / 35
    assert "alternated" in turns["what"]
    figures["ratios"] = ratios(figures)
    assert "| `ask` warm p50, the two sizes in turns (3 runs each), smaller / larger | " \
           "30.0–40.0 / 49.0–70.0 ms |" in markdown(figures)
