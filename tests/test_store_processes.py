"""The store contract across processes, against SQLite and PostgreSQL (the `backend` fixture):
a `kb ingest` killed with SIGKILL in the middle of a write transaction loses nothing a re-run
does not bring back, and two `kb ingest` runs at once (for PostgreSQL, two nodes with their own
data dirs) over overlapping files neither lose nor duplicate a post; every node's term counts
and index then match the store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, Backend
from tests.test_store_contract import snapshot

POSTS = 20


def _write(folder: Path, name: str, thread: str, numbers: range) -> Path:
    lines = [json.dumps({"thread_id": thread, "thread_title": f"Thread {thread} title",
                         "post_number": n, "author": f"user{n % 7}",
                         "body": f"Post {n} of thread {thread}: m{thread}x{n} words here."})
             for n in numbers]
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _kb(backend: Backend, *args: str, node: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("KB_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "kb", *backend.args(node), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc: subprocess.Popen[bytes], timeout: float = 300) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode()[-2000:]
    return json.loads(out) if out.strip().startswith(b"{") else {}


def _writing(backend: Backend, store: Any) -> bool:
    """Does some process hold the store's write lock (is a write transaction open)?"""
    if backend.db:
        from kb.store.postgres import WRITE_LOCK

        return bool(store._one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                               " AND objid = ? AND granted", (WRITE_LOCK,)))
    con = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()


def _stop_mid_transaction(proc: subprocess.Popen[bytes], backend: Backend, store: Any) -> None:
    """Pause the writer (SIGSTOP) at a moment it holds the write lock."""
    for _ in range(2000):
        proc.send_signal(signal.SIGSTOP)
        if _writing(backend, store):
            return
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.003)
    raise AssertionError("never caught the ingest inside a write transaction")


def consistent(node: Path, store: Any) -> None:
    """The node's term counts hold exactly the store's posts, at its change number."""
    from kb.knowledge import KB

    kb = KB(node, store=store)
    ids = [r.id for r in store.changes(-1)[0]]
    assert not kb.stale()
    assert kb.counts.seq == store.last_seq()
    assert sorted(kb.counts.ids[kb.counts.live].tolist()) == sorted(ids)


def test_kill_9_mid_transaction_then_rerun(backend: Backend, tmp_path: Path) -> None:
    files = 200
    dump = tmp_path / "dump"
    for t in range(files):
        _write(dump, f"{t:04d}.jsonl", f"t{t}", range(1, POSTS + 1))
    store = backend.open()
    proc = _kb(backend, "ingest", "--quiet", str(dump))
    deadline = time.time() + 120
    while store.stats()["sources"] < 30 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "ingest finished before it could be killed"
    _stop_mid_transaction(proc, backend, store)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    deadline = time.time() + 30
    while _writing(backend, store) and time.time() < deadline:  # the server notices the death
        time.sleep(0.05)

    kept = store.stats()
    assert 0 < kept["sources"] < files
    per_thread: dict[str, int] = {}
    for row in store.changes(-1)[0]:
        per_thread[row.thread_id] = per_thread.get(row.thread_id, 0) + 1
    assert len(per_thread) == kept["sources"] and set(per_thread.values()) == {POSTS}

    summary = _finish(_kb(backend, "ingest", "--json", str(dump)))
    assert summary["files_unchanged"] == kept["sources"]
    assert summary["posts"]["added"] == (files - kept["sources"]) * POSTS
    reference = backend.another(tmp_path / "ref")
    _finish(_kb(reference, "ingest", "--json", str(dump)))
    ref_store = reference.open()
    assert snapshot(store) == snapshot(ref_store) and len(snapshot(store)) == files * POSTS
    ref_store.close()
    consistent(backend.data_dir, store)
    store.close()


def test_two_writers_at_once(backend: Backend, tmp_path: Path) -> None:
    """Writers A and B share a third of their files, and each brings one page of 40 threads
    whose other page the other brings: merges happen across writers."""
    dump = tmp_path / "dump"
    own = [_write(dump, f"own/{t:03d}.jsonl", f"a{t}", range(1, POSTS + 1)) for t in range(120)]
    half = POSTS // 2
    first = [_write(dump, f"pages/{t:03d}-1.jsonl", f"p{t}", range(1, half + 1)) for t in range(40)]
    second = [_write(dump, f"pages/{t:03d}-2.jsonl", f"p{t}", range(half + 1, POSTS + 1))
              for t in range(40)]
    writer_a = own[:80] + first
    writer_b = second + own[40:]
    nodes = [tmp_path / "node-a", tmp_path / "node-b"] if backend.db else [backend.data_dir] * 2
    backend.open().close()  # the schema, before two processes race to create it
    procs = [_kb(backend, "ingest", "--json", "--quiet", *map(str, files), node=node)
             for files, node in zip((writer_a, writer_b), nodes)]
    summaries = [_finish(p) for p in procs]
    assert sum(s["files"] for s in summaries) == len(writer_a) + len(writer_b)

    store = backend.open()
    posts = snapshot(store)
    assert len(posts) == len({(p[0], p[3]) for p in posts}) == (120 + 40) * POSTS
    reference = backend.another(tmp_path / "ref")
    _finish(_kb(reference, "ingest", "--json", "--quiet", *map(str, own + first + second)))
    ref_store = reference.open()
    assert posts == snapshot(ref_store)
    ref_store.close()
    for node, marker in zip(nodes, ("ma119x20", "ma0x1")):  # each finds the other's posts
        found = _finish(_kb(backend, "search", "--json", "--posts", marker, node=node))
        assert [h["post_number"] for h in found["hits"]] == [int(marker.split("x")[1])]
        consistent(node, store)
    store.close()
