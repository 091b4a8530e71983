"""PostgreSQL beyond the shared contract: it holds exactly what SQLite holds for every fixture,
`kb migrate` copies a store across (checked, all or nothing), `kb serve --workers` runs on it
and follows what another node ingests, and a bad URL or a server that is not there is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kb.ingest import expand, ingest, read_sources
from tests.conftest import FIXTURES, ROOT
from tests.test_serve import _get, _port


def _kb(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("KB_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "kb", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def test_postgres_holds_what_sqlite_holds(pg_url: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.store import open_store

    # Batches commit by file count alone: a batch also ends after BATCH_SECONDS, and on a busy
    # machine the two ingests would then make different numbers of change numbers.
    monkeypatch.setattr("kb.ingest.BATCH_SECONDS", 3600.0)
    files = expand([str(FIXTURES)])
    lite, pg = open_store(tmp_path / "kb.sqlite3"), open_store(pg_url)
    a, b = ingest(read_sources(files), lite), ingest(read_sources(files), pg)
    assert a.to_dict() == b.to_dict() and a.added > 100
    assert list(lite.iter_threads()) == list(pg.iter_threads())  # every field of every post
    assert lite.threads() == pg.threads() and lite.stats() == pg.stats()
    # The same change numbers; ids differ only where SQLite reused a removed post's id.
    (lite_rows, lite_gone, lite_seq), (pg_rows, pg_gone, pg_seq) = lite.changes(-1), pg.changes(-1)
    assert [(r.thread_id, r.post_number, r.body) for r in lite_rows] == [
        (r.thread_id, r.post_number, r.body) for r in pg_rows]
    assert (len(lite_gone), lite_seq) == (len(pg_gone), pg_seq)
    assert {(r.thread_id, r.post_number): r.id for r in pg_rows} == {
        (r.thread_id, r.post_number): r.id for r in pg.changes(0)[0]}
    for ref in ("7210", "t1", "nope"):
        assert lite.find_thread_ids(ref) == pg.find_thread_ids(ref)
    lite.close()
    pg.close()


def test_migrate_copies_and_the_index_follows(pg_url: str, data_dir: Path) -> None:
    assert _kb("--data-dir", str(data_dir), "ingest", str(FIXTURES / "jsonl")).returncode == 0
    question = ["search", "--json", "--posts", "tubeless punctures"]
    before = json.loads(_kb("--data-dir", str(data_dir), *question).stdout)
    counts = data_dir / "index" / "counts.bin"
    built = counts.stat().st_mtime_ns
    done = _kb("migrate", "--from", f"sqlite:{data_dir / 'kb.sqlite3'}", "--to", pg_url, "--json")
    assert done.returncode == 0, done.stderr
    tables = json.loads(done.stdout)["tables"]
    stats = json.loads(_kb("--data-dir", str(data_dir), "stats", "--json").stdout)
    assert tables["posts"]["rows"] == stats["posts"] > 0
    assert tables["sources"]["rows"] == stats["sources"]
    after = json.loads(_kb("--data-dir", str(data_dir), "--db", pg_url, *question).stdout)
    assert after["hits"] == before["hits"] and before["hits"]
    assert counts.stat().st_mtime_ns == built  # same ids, same change numbers: nothing to redo

    back = _kb("migrate", "--from", pg_url, "--to", f"sqlite:{data_dir / 'back.sqlite3'}", "--json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["tables"] == tables  # the same rows and hashes, both ways

    again = _kb("migrate", "--from", f"sqlite:{data_dir / 'kb.sqlite3'}", "--to", pg_url)
    assert again.returncode == 1
    assert again.stderr.startswith("kb: ") and "already holds a store" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_a_copy_that_does_not_check_out_commits_nothing(pg_url: str, tmp_path: Path) -> None:
    from kb.migrate import MigrateError, migrate
    from kb.store import open_store

    source = open_store(tmp_path / "kb.sqlite3")
    assert ingest(read_sources(expand([str(FIXTURES / "jsonl")])), source).added > 10

    class Lossy:  # drops the last post on the way in
        def __init__(self, store: Any) -> None:
            self.store = store

        def load_rows(self, table: str, columns: list[str], rows: Any) -> None:
            rows = list(rows)
            self.store.load_rows(table, columns, rows[:-1] if table == "posts" else rows)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.store, name)

    target = open_store(pg_url)
    with pytest.raises(MigrateError, match="table posts: .* differ; nothing was committed"):
        migrate(source, Lossy(target))  # type: ignore[arg-type]
    assert target.is_empty() and target.stats()["sources"] == 0


@pytest.mark.parametrize("url, says", [
    ("postgresql://kb:secret@/kb?host=/nonexistent-dir", "kb: cannot connect to postgresql://kb:***@"),
    ("mysql://kb@localhost/kb", "kb: cannot open 'mysql://kb@localhost/kb': kb stores posts in"),
])
def test_a_bad_database_url_is_one_line(url: str, says: str, data_dir: Path) -> None:
    r = _kb("--data-dir", str(data_dir), "--db", url, "stats")
    assert r.returncode == 1
    assert r.stderr.startswith(says) and "secret" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_database_that_is_not_there_is_one_line(pg_server: Any, data_dir: Path) -> None:
    r = _kb("--data-dir", str(data_dir), "--db", pg_server.url("no_such_db"), "stats")
    assert r.returncode == 1 and 'database "no_such_db" does not exist' in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_workers_serve_one_database_and_follow_another_node(pg_url: str, tmp_path: Path) -> None:
    import signal

    web, writer = tmp_path / "web-node", tmp_path / "ingest-node"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "--data-dir", str(web), "--db", pg_url, "serve",
         "--host", "127.0.0.1", "--port", "0", "--workers", "2", "--threads", "2"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        port = _port(proc)  # type: ignore[arg-type]
        pids: set[int] = set()
        deadline = time.monotonic() + 30
        while len(pids) < 2 and time.monotonic() < deadline:  # the kernel picks who accepts
            status, body = _get(port, "/healthz")
            assert status == 200 and body["posts"] == 10  # the bundled corpus, seeded once
            pids.add(body["pid"])
        assert len(pids) == 2
        status, body = _get(port, "/api/ask?q=leg+strength")
        assert status == 200 and body["sources"]
        added = _kb("--data-dir", str(writer), "--db", pg_url, "ingest",
                    str(FIXTURES / "vbulletin_text" / "sprint-drills-p1.txt"))
        assert added.returncode == 0, added.stderr
        for _ in range(4):  # both workers see it, each syncing its node's index first
            status, body = _get(port, "/api/search?q=sprint+drills")
            assert status == 200
            assert body["hits"][0]["thread_id"] == "best-sprint-drills-for-beginners"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
        assert proc.stderr is not None
        proc.stderr.close()


def test_a_reader_node_that_lost_its_index_rebuilds_it(pg_url: str, tmp_path: Path) -> None:
    import shutil

    writer, reader = tmp_path / "writer", tmp_path / "reader"
    assert _kb("--data-dir", str(writer), "--db", pg_url, "ingest",
               str(FIXTURES / "jsonl")).returncode == 0
    question = ["search", "--json", "--posts", "tubeless punctures"]
    first = json.loads(_kb("--data-dir", str(reader), "--db", pg_url, *question).stdout)
    shutil.rmtree(reader / "index")
    again = json.loads(_kb("--data-dir", str(reader), "--db", pg_url, *question).stdout)
    assert again["hits"] == first["hits"] and first["hits"]
    assert not (reader / "kb.sqlite3").exists()  # the node holds its index only


def test_a_database_lost_mid_command_is_one_line(pg_url: str, data_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg
    from click.testing import CliRunner

    from kb.cli import main
    from kb.store.postgres import PostgresStore

    def gone(self: Any) -> None:
        raise psycopg.OperationalError("server closed the connection unexpectedly\n\tmore")

    monkeypatch.setattr(PostgresStore, "stats", gone)
    r = CliRunner().invoke(main, ["--data-dir", str(data_dir), "--db", pg_url, "stats"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip().splitlines()[-1] == (  # after the line saying the corpus went in
        "kb: lost the database connection (server closed the connection unexpectedly); "
        "check that the server is up and run the command again")


def test_the_cli_starts_without_importing_psycopg() -> None:
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "kb", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0 and "--db URL" in out.stdout
    assert "psycopg" not in out.stderr and "kb.store" not in out.stderr
