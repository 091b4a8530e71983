"""`kb crawl` and `kb reparse` against a small phpBB forum served on 127.0.0.1 (tests/forum_server.py).

Network only to 127.0.0.1; delays of 0.05 s; the one timing asserted is the spacing between
requests, from the server's own arrival times.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, shared
from tests.forum_server import Forum, ForumServer

FAST = ["--delay", "0.05", "--timeout", "1", "--retries", "1"]
# Threads whose pages answer: every post of these must be in the store after a crawl.
GOOD = {1: 7, 2: 4, 3: 3, 4: 5, 5: 4, 8: 6}


def _posts(data_dir: Path) -> set[tuple[str, int, str, str]]:
    from kb.config import STORE_FILE
    from kb.store.sqlite import SQLiteStore as Store

    store = Store(data_dir / STORE_FILE)
    try:
        return {(t.title, p.post_number or 0, p.author or "", p.body)
                for t in store.iter_threads() for p in t.posts}
    finally:
        store.close()


def _crawl(kb, url: str, *extra: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = kb("crawl", url, *FAST, "--json", *extra)
    return result.exit_code, json.loads(result.output)


def _well_behaved() -> Forum:
    return Forum(flaky=set(), dropping=set(), endless=set())


def test_crawl_reads_every_thread_politely(kb, data_dir: Path) -> None:
    with ForumServer() as srv:
        code, out = _crawl(kb, srv.url)
        log = list(srv.log)
    paths = [r.path for r in log]
    assert code == 1  # two pages were given up on
    reasons = {e["url"].split("?")[-1]: e["reason"] for e in out["errors"]}
    assert set(reasons) == {"f=2&t=6", "f=2&t=7"}  # as the board links them
    assert "disconnected" in reasons["f=2&t=6"] and "2 attempts" in reasons["f=2&t=6"]
    assert "within 1 s" in reasons["f=2&t=7"]
    # robots.txt first, and the path it disallows never asked for
    assert paths[0] == "/robots.txt"
    assert not [p for p in paths if p.startswith("/forum/staff/")]
    assert out["disallowed"] == [f"{srv.base}/forum/staff/viewtopic.php?t=1"]
    # never an account, posting or single-post page
    assert not [p for p in paths if "posting" in p or "memberlist" in p or "ucp" in p
                or "p=" in p.replace("start=", "")]
    # one request per page, but for the retried ones
    retried = {f"/forum/viewtopic.php?f=2&t={t}" for t in (5, 6, 7)}
    assert {p for p in paths if paths.count(p) > 1} == retried
    assert all(paths.count(p) == 2 for p in retried)
    # 429 with Retry-After: 1 was waited for
    t5 = [r.at for r in log if r.path == "/forum/viewtopic.php?f=2&t=5"]
    assert t5[1] - t5[0] >= 1.0
    # spacing between requests to the host: at least the delay, measured by the server
    gaps = [b.at - a.at for a, b in zip(log, log[1:])]
    assert min(gaps) >= 0.05
    posts = _posts(data_dir)
    assert len(posts) == sum(GOOD.values()) == out["ingest"]["posts"]["added"]
    by_thread: dict[str, int] = {}
    for title, *_ in posts:
        by_thread[title] = by_thread.get(title, 0) + 1
    titles = {t: srv.forum.threads[t][1] for t in GOOD}
    assert by_thread == {titles[t]: n for t, n in GOOD.items()}


def test_warc_holds_every_response_and_reparse_rebuilds(kb, data_dir: Path, tmp_path: Path) -> None:
    from kb.archive import responses

    warc = tmp_path / "forum.warc.gz"
    with ForumServer() as srv:
        _crawl(kb, srv.url, "--warc", str(warc))
        answered = [r.path for r in srv.log if not r.path.endswith(("&t=6", "&t=7"))]
    records = [(u, s) for u, s, _, _ in responses(warc)]
    assert sorted(u.removeprefix(srv.base) for u, _ in records) == sorted(answered)
    assert sorted(s for _, s in records).count(429) == 1
    crawled = _posts(data_dir)
    # The same store, parsed again from the archive: nothing changes.
    again = kb("reparse", "--json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output)
    assert summary["files"] == 12  # every thread page that answered
    assert (summary["posts"]["added"], summary["posts"]["updated"],
            summary["posts"]["removed"]) == (0, 0, 0)
    assert _posts(data_dir) == crawled


def test_archive_only_then_reparse_gives_the_same_posts(kb, data_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    with ForumServer(_well_behaved()) as srv:
        kb("crawl", srv.url, *FAST)
        other = tmp_path / "archive-only"
        run = CliRunner().invoke(main, ["--data-dir", str(other), "crawl", srv.url, *FAST,
                                        "--no-ingest", "--json"], catch_exceptions=False)
    assert json.loads(run.output)["ingest"]["posts"]["added"] == 0
    assert _posts(other) == set()
    rebuilt = CliRunner().invoke(main, ["--data-dir", str(other), "reparse"],
                                 catch_exceptions=False)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _posts(other) == _posts(data_dir) and len(_posts(other)) == 33


def test_kill_mid_crawl_then_resume(kb, data_dir: Path, tmp_path: Path) -> None:
    with ForumServer(_well_behaved()) as srv:
        whole = tmp_path / "whole"
        from click.testing import CliRunner

        from kb.cli import main

        CliRunner().invoke(main, ["--data-dir", str(whole), "crawl", srv.url, *FAST],
                           catch_exceptions=False)
        srv.log.clear()
        held = "/forum/viewtopic.php?t=2&start=3"
        srv.hold = held
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-m", "kb", "--data-dir", str(data_dir), "crawl",
                                 srv.url, *FAST, "--timeout", "30"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert srv.held.wait(60), "the crawl never reached the held page"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        before = len(_posts(data_dir))
        srv.hold = None
        srv.release.set()
        code, out = _crawl(kb, srv.url)
        paths = srv.paths()
    assert code == 0, out
    assert 0 < before < 33  # killed in the middle, with pages stored
    assert _posts(data_dir) == _posts(whole)
    twice = {p for p in paths if paths.count(p) > 1}
    assert twice <= {"/robots.txt", held}  # robots.txt is read once per run
    assert paths.count(held) == 2


def test_recrawl_fetches_only_the_new_page_of_a_grown_thread(kb, data_dir: Path) -> None:
    with ForumServer(_well_behaved()) as srv:
        _crawl(kb, srv.url)
        first = len(_posts(data_dir))
        board, title, _ = srv.forum.threads[2]
        srv.forum.threads[2] = (board, title, 7)  # three replies: a third page
        srv.log.clear()
        code, out = _crawl(kb, srv.url)
        log = list(srv.log)
    assert code == 0, out
    unconditional = [r.path for r in log if "If-None-Match" not in r.headers
                     and r.path != "/robots.txt"]
    assert unconditional == ["/forum/viewtopic.php?t=2&start=6"]
    asked = {r.path for r in log}
    # earlier pages of the thread that grew, and of the others, were not asked again
    assert "/forum/viewtopic.php?f=1&t=2" not in asked and "/forum/viewtopic.php?t=2" not in asked
    assert "/forum/viewtopic.php?t=1&start=3" not in asked
    assert "/forum/viewtopic.php?t=1&start=6" in asked  # a last page, asked if it changed
    assert len(_posts(data_dir)) == first + 3
    assert out["pages"]["not_modified"] >= 6


def test_robots_crawl_delay_is_honoured(kb) -> None:
    forum = Forum(threads={1: (1, "Replacing a bike chain", 2)}, flaky=set(), dropping=set(),
                  endless=set())
    with ForumServer(forum, crawl_delay=1) as srv:
        kb("crawl", srv.url, *FAST, "--max-pages", "3")
        log = list(srv.log)
    assert len(log) == 4  # robots.txt, then three pages
    assert min(b.at - a.at for a, b in zip(log, log[1:])) >= 1.0


def test_user_errors_are_one_line(kb) -> None:
    bad = kb("crawl", "not a url")
    assert bad.exit_code == 2 and "not a web address" in bad.output
    se = kb("crawl", "https://cooking.stackexchange.com/questions/1")
    assert se.exit_code == 2 and "data dumps" in se.output
    with ForumServer() as srv:
        port = srv.port
    gone = kb("crawl", f"http://127.0.0.1:{port}/forum/", "--retries", "0", "--delay", "0")
    assert gone.exit_code == 1
    assert "cannot reach 127.0.0.1" in gone.output and "Traceback" not in gone.output


def test_robots_forbidding_the_start_url_says_so(kb) -> None:
    with ForumServer() as srv:
        out = kb("crawl", f"{srv.base}/forum/staff/viewtopic.php?t=1", *FAST)
        assert not [p for p in srv.paths() if p.startswith("/forum/staff")]
    assert out.exit_code == 1
    assert "robots.txt disallows it" in out.output and "kb respects that" in out.output


@pytest.mark.parametrize("since, expected", [("2021-03-05", {5, 8}), ("2020", set(GOOD))])
def test_since_skips_threads_idle_on_the_board(kb, data_dir: Path, since: str,
                                              expected: set[int]) -> None:
    with ForumServer() as srv:
        _crawl(kb, srv.url, "--since", since)
        titles = {t for t, n, _, _ in _posts(data_dir)}
        wanted = {srv.forum.threads[t][1] for t in expected}
    assert titles == wanted


@pytest.mark.parametrize("api", [True, False])
def test_discourse_topics_by_json_or_from_a_saved_copy(kb, data_dir: Path, api: bool) -> None:
    from tests.forum_server import DiscourseServer

    with DiscourseServer(json=api) as srv:
        code, out = _crawl(kb, srv.url)
        paths = srv.paths()
    assert code == 0, out
    posts = _posts(data_dir)
    assert {(t, n) for t, n, _, _ in posts} == (
        {("Winter tyres on a cargo bike", n) for n in range(1, 26)}
        | {("Chain lube in the rain", n) for n in range(1, 4)})
    if api:
        assert "/t/31.json?page=2" in paths and not [p for p in paths if p.startswith("/t/topic")]
    else:  # one JSON request found the API missing; every topic then read as HTML
        assert [p for p in paths if p.endswith(".json")] == ["/t/31.json"]
        assert "/t/topic-31/31?page=2" in paths


def test_concurrency_fetches_hosts_side_by_side_one_request_each(kb, data_dir: Path) -> None:
    """Two forums on two ports are two hosts: fetched at once, each still one request at a
    time with the delay between."""
    with ForumServer(_well_behaved()) as one, ForumServer(_well_behaved()) as two:
        code, out = _crawl(kb, one.url, two.url, "--concurrency", "2")
        logs = [list(one.log), list(two.log)]
    assert code == 0, out
    for log in logs:
        assert min(b.at - a.at for a, b in zip(log, log[1:])) >= 0.05
        assert len({r.path for r in log}) == len(log)
    # kb names a forum by its host without the port: the two copies are one forum to it
    assert out["ingest"]["threads"] == 8 and len(_posts(data_dir)) == 33
    assert out["pages"]["fetched"] == 2 * 19
    # side by side: each forum's crawl overlaps the other's
    assert logs[0][0].at < logs[1][-1].at and logs[1][0].at < logs[0][-1].at


def test_progress_and_summary_for_people(kb) -> None:
    with ForumServer(_well_behaved()) as one, ForumServer(_well_behaved()) as two:
        out = kb("crawl", one.url, two.url, *FAST)
    assert out.exit_code == 0
    assert "pages fetched 25" in out.output  # the progress line every 25 pages, on stderr
    assert "38 page(s) fetched (0 unchanged)" in out.output and "33 added" in out.output


def test_a_forum_that_moved_is_followed(kb, data_dir: Path) -> None:
    with ForumServer(_well_behaved()) as srv:
        code, out = _crawl(kb, f"{srv.base}/old/index.php")
        paths = srv.paths()
    assert code == 0, out
    assert paths[1:3] == ["/old/index.php", "/forum/index.php"]
    assert len(_posts(data_dir)) == 33


def test_a_rerun_retries_pages_given_up_on_for_a_passing_reason(kb, data_dir: Path) -> None:
    with ForumServer() as srv:
        _crawl(kb, srv.url)
        srv.forum.dropping.clear()  # the server is mended; t=7 still never finishes
        srv.log.clear()
        code, out = _crawl(kb, srv.url)
        asked = srv.paths()
    assert "/forum/viewtopic.php?f=2&t=6" in asked and "/forum/viewtopic.php?f=2&t=7" in asked
    assert not [p for p in asked if p.startswith("/forum/staff/")]
    assert [e["url"].split("?")[-1] for e in out["errors"]] == ["f=2&t=7"] and code == 1
    assert len(_posts(data_dir)) == sum(GOOD.values()) + 2


def test_a_saved_copy_of_a_real_phpbb_forum_crawls_like_its_files_ingest(
        kb, data_dir: Path, tmp_path: Path) -> None:
    """Real phpBB 2 and 3 topic pages (Wayback captures), served at the addresses they were
    saved from: the crawl finds them from an index, follows their own links, and stores the
    same posts as `kb ingest` of the files does."""
    import re

    from click.testing import CliRunner

    from kb.cli import main
    from tests.forum_server import CopyServer

    root = shared("theavalanches-phpbb-wayback")
    pages: dict[str, bytes] = {}
    files = []
    for folder in sorted(root.glob("*/t*")):
        m = re.fullmatch(r"t(\d+)(?:_s(\d+))?", folder.name)
        if not m:
            continue
        latest = sorted(folder.glob("*.html"))[-1]
        start = f"&start={m.group(2)}" if m.group(2) else ""
        pages[f"/{folder.parent.name}/viewtopic.php?t={m.group(1)}{start}"] = latest.read_bytes()
        files.append(latest)
    with CopyServer(pages) as srv:
        code, out = _crawl(kb, srv.url)
        asked = srv.paths()
    assert set(pages) <= set(asked)
    # what else was asked: only pages these topics link to that the copy does not hold
    assert {e["url"].removeprefix(srv.base) for e in out["errors"]} == set(asked) - set(pages) \
        - {"/robots.txt", "/index.html"}
    assert all("HTTP 404" in e["reason"] for e in out["errors"])
    other = tmp_path / "ingested"
    CliRunner().invoke(main, ["--data-dir", str(other), "ingest", *map(str, files)],
                       catch_exceptions=False)
    assert _posts(data_dir) == _posts(other) and len(_posts(other)) > 50


def test_saved_pages_of_many_engines_crawl_like_their_files_ingest(
        kb, data_dir: Path, tmp_path: Path) -> None:
    """Real thread pages of vBulletin 4/5, XenForo 1/2, NodeBB, SMF, FluxBB, Invision, WoltLab,
    inSided, a themed phpBB and a one-site engine, each served at the address its canonical
    link names: an index's links find every one, and the posts are those `kb ingest` of the
    files gives."""
    import re
    from html import unescape
    from urllib.parse import urlsplit

    from click.testing import CliRunner

    from kb.cli import main
    from tests.forum_server import CopyServer

    files = [*sorted(shared("nettally-fixtures").glob("*.html")),
             *sorted(shared("more-engines").glob("*/*.html"))]
    pages: dict[str, bytes] = {}
    served = []
    for f in files:
        data = f.read_bytes()
        m = re.search(rb'<link[^>]+rel="canonical"[^>]+href="([^"]+)"', data)
        u = urlsplit(unescape(m.group(1).decode())) if m else None
        if u and u.path.startswith("/") and (u.path.count("/") > 1 or u.query):
            pages[u.path + (f"?{u.query}" if u.query else "")] = data
            served.append(f)
    assert len(pages) >= 10
    with CopyServer(pages) as srv:
        _crawl(kb, srv.url, "--delay", "0", "--max-pages", "80")
        asked = srv.paths()
    assert set(pages) <= set(asked)
    other = tmp_path / "ingested"
    CliRunner().invoke(main, ["--data-dir", str(other), "ingest", *map(str, served)],
                       catch_exceptions=False)
    assert _posts(data_dir) == _posts(other)


def test_a_crawl_into_postgresql_stores_what_sqlite_stores(kb, data_dir: Path, pg_url: str,
                                                           tmp_path: Path) -> None:
    # The frontier, fetch records and WARCs live in whichever store --db names; a PostgreSQL
    # node keeps only its counts in its data dir. Then reparse, from the archive, changes nothing.
    from click.testing import CliRunner

    from kb.cli import main
    from kb.store import open_store

    with ForumServer(_well_behaved()) as srv:
        code, out = _crawl(kb, srv.url)
    node = tmp_path / "pg-node"
    runner = CliRunner()

    def pg(*args: str) -> dict:  # type: ignore[type-arg]
        result = runner.invoke(main, ["--data-dir", str(node), "--db", pg_url, *args, "--json"],
                               catch_exceptions=False)
        return json.loads(result.output)

    with ForumServer(_well_behaved()) as srv:
        crawled = pg("crawl", srv.url, *FAST)
    assert crawled["ingest"]["posts"] == out["ingest"]["posts"] and crawled["pages"] == out["pages"]
    store = open_store(pg_url)
    try:
        in_pg = {(t.title, p.post_number or 0, p.author or "", p.body)
                 for t in store.iter_threads() for p in t.posts}
    finally:
        store.close()
    assert in_pg == _posts(data_dir) and len(in_pg) == out["ingest"]["posts"]["added"] > 20
    again = pg("reparse")
    assert again["posts"]["added"] == 0 and again["posts"]["removed"] == 0
