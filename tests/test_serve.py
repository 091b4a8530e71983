"""`kb serve --workers`: gunicorn in a child process on loopback, each worker its own app.

The server runs for real (a subprocess, killed with its process group in teardown) because
what is under test is the process model: two workers answering, each with its own knowledge base.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
UP_WITHIN = 60.0  # seconds: seeding the bundled corpus, indexing it, forking two workers


@pytest.fixture
def two_workers(data_dir: Path) -> Iterator[int]:
    """`kb serve --workers 2` on 127.0.0.1 (port chosen by the kernel); yields the port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1",
         "--port", "0", "--workers", "2", "--threads", "2"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        yield _port(proc)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the arbiter and its workers: the group we started
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


def _port(proc: subprocess.Popen[str]) -> int:
    """The port from the "kb: serving ... on http://127.0.0.1:PORT/" line, once /healthz answers."""
    assert proc.stderr is not None
    deadline = time.monotonic() + UP_WITHIN
    port = None
    while port is None and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            pytest.fail(f"kb serve exited with {proc.returncode}")
        found = re.search(r"serving .* on http://127\.0\.0\.1:(\d+)/", line)
        port = int(found.group(1)) if found else None
    assert port, "kb serve did not say where it listens"
    while time.monotonic() < deadline:
        try:
            _get(port, "/healthz")
            return port
        except OSError:
            time.sleep(0.1)
    pytest.fail("kb serve --workers 2 did not answer /healthz in time")


def _get(port: int, path: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_two_workers_answer_healthz_and_ask_each_with_its_own_process(two_workers: int) -> None:
    pids: set[int] = set()
    deadline = time.monotonic() + 20
    while len(pids) < 2 and time.monotonic() < deadline:  # the kernel picks who accepts
        status, body = _get(two_workers, "/healthz")
        assert status == 200 and body["ok"] and body["posts"] == 10
        pids.add(body["pid"])
    assert len(pids) == 2 and os.getpid() not in pids
    status, body = _get(two_workers, "/api/ask?q=leg+strength")
    assert status == 200 and body["answer"] and body["sources"]


def test_workers_on_a_busy_port_is_one_line(kb: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = kb("serve", "--port", str(port), "--workers", "2")
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [f"kb: cannot listen on 127.0.0.1:{port}: Address already in use"]


def test_workers_on_a_bad_host_is_a_usage_error(kb: Any) -> None:
    r = kb("serve", "--host", "no-such-host.invalid", "--port", "0", "--workers", "2")
    assert r.exit_code == 2
    assert r.output.startswith("kb: --host 'no-such-host.invalid' is not an address")
    assert len(r.output.strip().splitlines()) == 1


def test_workers_on_an_address_not_ours_is_one_line(kb: Any) -> None:
    r = kb("serve", "--host", "192.0.2.1", "--port", "0", "--workers", "2")
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        "kb: cannot listen on 192.0.2.1:0: Cannot assign requested address"]


def test_workers_with_debug_is_a_usage_error(kb: Any) -> None:
    r = kb("serve", "--workers", "2", "--debug")
    assert r.exit_code == 2 and "do not go together" in r.output
