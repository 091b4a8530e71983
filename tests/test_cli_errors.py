"""Issue 11's small defects in the CLI: one-line errors with meaningful exit codes, no tracebacks."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest


def test_reindex_on_a_new_data_dir_is_zero_posts_not_a_crash(kb: Any, data_dir: Path) -> None:
    r = kb("reindex")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "reindexed 0 posts"
    assert "Traceback" not in r.output and "vocabulary" not in r.output


def test_ingest_of_only_unrecognised_files_into_an_empty_dir(kb: Any, tmp_path: Path) -> None:
    page = tmp_path / "smf-topic.html"
    page.write_text("<html><body><div id='forumposts'>An SMF page kb cannot read</div></body></html>")
    r = kb("ingest", page)
    assert r.exit_code == 1  # a file was skipped: said, not crashed
    assert "skipped" in r.output and "Traceback" not in r.output
    assert "0 thread(s)" in r.output
    again = kb("reindex")
    assert again.exit_code == 0 and "reindexed 0 posts" in again.output


def test_empty_counts_score_nothing(tmp_path: Path) -> None:
    from kb.counts import TermCounts, filing
    from kb.rows import IndexedPost

    counts = TermCounts(tmp_path / "c.npz")
    counts.fit([], [], [])
    assert counts.vocab == {} and counts.body.shape == (0, 0) and counts.built
    counts.save()
    again = TermCounts(tmp_path / "c.npz")
    assert again.load() and again.vocab == {}
    post = IndexedPost(1, "t", "", 1, None, None, "   ", 0)  # a post with no words at all
    counts.fit([1], [post], [filing("t", None, None)])
    assert counts.body.shape == (1, 0) and counts.df("battery") == 0
    assert counts.vectorize(["battery"]).shape == (1, 0)


@pytest.mark.parametrize("args", [("search", "-n", "-5", "leg"), ("search", "-n", "0", "leg"),
                                  ("threads", "-n", "-5")])
def test_a_negative_limit_is_a_usage_error(kb: Any, args: tuple[str, ...]) -> None:
    r = kb(*args)
    assert r.exit_code == 2
    assert "-n" in r.output and "x>=1" in r.output


@pytest.mark.parametrize("args", [("ask", ""), ("ask", "  ", " "), ("search", ""),
                                  ("search", "\t")])
def test_an_empty_question_is_a_usage_error(kb: Any, args: tuple[str, ...]) -> None:
    r = kb(*args)
    assert r.exit_code == 2
    assert r.output.startswith("kb: nothing to look for")
    assert len(r.output.strip().splitlines()) == 1


def test_threads_json_counts_the_stored_posts(kb: Any) -> None:
    assert kb("stats").exit_code == 0  # fills the new data dir with the bundled corpus
    rows = json.loads(kb("threads", "--json").output)
    assert rows and all(isinstance(r["posts"], int) for r in rows)
    shown = json.loads(kb("show", rows[0]["thread_id"], "--json").output)
    assert rows[0]["posts"] == len(shown) == 10
    assert rows[0]["posts_declared"] == 13  # what the page said; kept beside the count


def test_serve_on_a_busy_port_is_one_line(kb: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = kb("serve", "--port", str(port))
    assert r.exit_code == 1
    last = r.output.strip().splitlines()[-1]
    assert last == f"kb: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert "Traceback" not in r.output


@pytest.mark.parametrize("host", ["no-such-host.invalid", "300.1.1.1"])
def test_serve_on_a_bad_host_is_a_usage_error(kb: Any, host: str) -> None:
    r = kb("serve", "--host", host, "--port", "0")
    assert r.exit_code == 2
    assert r.output.startswith(f"kb: --host {host!r} is not an address")
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


def test_serve_on_an_address_not_ours_is_one_line(kb: Any) -> None:
    r = kb("serve", "--host", "192.0.2.1", "--port", "0")  # TEST-NET-1: never this machine's
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1].startswith("kb: cannot listen on 192.0.2.1:0: ")
