"""kill -9 in the middle of an ingest leaves store and index consistent, and a re-run completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

FILES, POSTS = 300, 20


def _write_dump(folder: Path) -> None:
    folder.mkdir()
    for t in range(FILES):
        lines = [json.dumps({"thread_id": f"t{t}", "thread_title": f"Thread number {t}",
                             "post_number": n, "author": f"user{n % 7}",
                             "body": f"Post {n} of thread {t}: marker{t}x{n} words here."})
                 for n in range(1, POSTS + 1)]
        (folder / f"{t:04d}.jsonl").write_text("\n".join(lines))


def _kb(data: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "kb", "--data-dir", str(data), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _sources(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=5)
        n = con.execute("SELECT count(*) FROM sources").fetchone()[0]
        con.close()
        return int(n)
    except sqlite3.Error:
        return 0


def test_kill_during_ingest_then_rerun(tmp_path: Path) -> None:
    dump, data = tmp_path / "dump", tmp_path / "data"
    _write_dump(dump)
    proc = _kb(data, "ingest", "--quiet", str(dump))
    deadline = time.time() + 60
    while _sources(data / "kb.sqlite3") < 40 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    # A reader while the ingest is mid-write: answers at once from what is stored and indexed
    # so far. The writer is paused (SIGSTOP, locks and all) so a slow reader start on a busy
    # machine cannot let the ingest run to its end before the kill.
    assert proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGSTOP)
    reader = _kb(data, "search", "--json", "marker0x1")
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err.decode()
    assert "hits" in json.loads(out)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"

    con = sqlite3.connect(data / "kb.sqlite3")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    files = con.execute("SELECT count(*) FROM sources").fetchone()[0]
    assert 0 < files < FILES
    # every file recorded as ingested has all of its posts; no post without its file
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == files * POSTS
    assert con.execute("SELECT count(DISTINCT source_path) FROM posts").fetchone()[0] == files
    con.close()

    rerun = _kb(data, "ingest", "--json", str(dump))
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    summary = json.loads(out)
    assert summary["files_unchanged"] == files
    assert summary["posts"]["added"] == (FILES - files) * POSTS

    search = _kb(data, "search", "--json", "--posts", f"marker{FILES - 1}x{POSTS}")
    found = json.loads(search.communicate(timeout=120)[0])
    assert [(h["thread_id"], h["post_number"]) for h in found["hits"]] == [(f"t{FILES - 1}", POSTS)]
    first = _kb(data, "search", "--json", "--posts", "marker0x1")
    assert json.loads(first.communicate(timeout=120)[0])["hits"][0]["thread_id"] == "t0"


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _grower(pid: int) -> int | None:
    """The ingest's counts worker (kb/growing.py), once it runs."""
    for child in _children(pid):
        try:
            if b"kb.growing" in Path(f"/proc/{child}/cmdline").read_bytes():
                return child
        except OSError:
            pass
    return None


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def _wait_for(data: Path, proc: subprocess.Popen[bytes], files: int) -> int:
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        grower = _grower(proc.pid)
        if grower and _sources(data / "kb.sqlite3") >= files:
            return grower
        time.sleep(0.02)
    raise AssertionError("the ingest ended (or never grew counts) before the kill")


def _all_found(data: Path) -> None:
    for marker, tid in ((f"marker{FILES - 1}x{POSTS}", f"t{FILES - 1}"), ("marker0x1", "t0"),
                        ("marker150x7", "t150")):
        out = _kb(data, "search", "--json", "--posts", marker).communicate(timeout=120)[0]
        assert [h["thread_id"] for h in json.loads(out)["hits"]] == [tid]


def test_kill_the_counts_worker_mid_growth_and_the_ingest_catches_up(tmp_path: Path) -> None:
    dump, data = tmp_path / "dump", tmp_path / "data"
    _write_dump(dump)
    proc = _kb(data, "ingest", "--json", str(dump))
    grower = _wait_for(data, proc, 100)  # it has grown counts from earlier batches
    os.kill(grower, signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["posts"]["added"] == FILES * POSTS
    _all_found(data)


def test_kill_the_ingest_during_count_growth_then_rerun(tmp_path: Path) -> None:
    dump, data = tmp_path / "dump", tmp_path / "data"
    _write_dump(dump)
    proc = _kb(data, "ingest", "--quiet", str(dump))
    grower = _wait_for(data, proc, 100)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while _alive(grower) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(grower), "the counts worker outlived the ingest"
    con = sqlite3.connect(data / "kb.sqlite3")
    files = con.execute("SELECT count(*) FROM sources").fetchone()[0]
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == files * POSTS
    con.close()
    rerun = _kb(data, "ingest", "--json", str(dump))
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert json.loads(out)["posts"]["added"] == (FILES - files) * POSTS
    _all_found(data)
