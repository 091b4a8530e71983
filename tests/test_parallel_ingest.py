"""An ingest that parses in worker processes stores exactly what a serial one stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb import parsing
from kb.ingest import Source, expand, ingest, read_sources
from kb.store.sqlite import SQLiteStore as Store
from tests.conftest import FIXTURES


def _stored(store: Store) -> list[tuple[object, ...]]:
    return [(t.thread_id, t.title, t.forum, p.post_number, p.author, p.posted_at, p.body,
             [(q.author, q.post_number, q.text) for q in p.quotes], p.signature, p.source_path)
            for t in store.iter_threads() for p in t.posts]


def _paths() -> list[str]:
    # pages of one thread in several files and representations (merges), several engines
    found = expand([str(FIXTURES / d) for d in ("merge", "vbulletin_text", "discourse", "phpbb",
                                                 "xenforo", "mbox", "reddit")])
    return found + list(reversed(found[:6]))  # met again, in the workers' window: unchanged


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_store_what_a_serial_ingest_stores(tmp_path: Path, workers: int) -> None:
    serial, parallel = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    one = ingest(read_sources(_paths()), serial)
    two = ingest(read_sources(_paths()), parallel, workers=workers)
    assert one.to_dict() == two.to_dict()
    assert one.added > 50
    assert _stored(serial) == _stored(parallel)


def test_a_worker_that_dies_costs_only_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent, real = os.getpid(), parsing.parse_with_format
    here: list[str] = []  # files parsed in this process

    def dies_in_a_worker(data: bytes, path: str, *args: object, **kwargs: object) -> object:
        if os.getpid() != parent and path.endswith("sprint-drills-p2.txt"):
            os._exit(3)  # as a segfault in a parser would
        if os.getpid() == parent:
            here.append(path)
        return real(data, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parsing, "parse_with_format", dies_in_a_worker)  # the forked workers inherit it
    serial, parallel = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    paths = _paths()
    assert any(p.endswith("sprint-drills-p2.txt") for p in paths)
    one = ingest(read_sources(paths), serial)
    here.clear()
    two = ingest(read_sources(paths), parallel, workers=1)
    assert one.to_dict() == two.to_dict()
    assert any(p.endswith("sprint-drills-p2.txt") for p in here)  # parsed here after the death
    assert _stored(serial) == _stored(parallel)


def test_unreadable_and_unchanged_sources_pass_through_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    good = FIXTURES / "vbulletin_text" / "sprint-drills-p1.txt"
    sources = [Source("missing.txt", None, True, "cannot read: No such file"),
               Source(str(good), good.read_bytes(), True),
               Source(str(good), good.read_bytes(), True)]
    seen: list[str] = []
    summary = ingest(iter(sources), store, on_file=lambda s: seen.append(s.path), workers=1)
    assert seen == ["missing.txt", str(good), str(good)]
    assert summary.skipped == [("missing.txt", "cannot read: No such file")]
    # the second copy was checked before the first was stored, and is still seen as unchanged
    assert summary.files == 2 and summary.files_unchanged == 1


def test_archive_members_and_files_changed_since_read(tmp_path: Path) -> None:
    # Workers read files themselves: an archive member has no file of its own (it goes to them
    # as a copy), and a file whose bytes changed after the ingest read them is parsed from the
    # bytes the ingest read, as a serial ingest would.
    import tarfile

    archive = tmp_path / "dump.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for path in _paths()[:20]:
            tf.add(path, arcname=Path(path).name)
    moved = tmp_path / "moved.jsonl"
    moved.write_text('{"thread_id": "m", "post_number": 1, "body": "what the ingest read"}\n')

    def sources() -> list[Source]:
        read = list(read_sources([str(archive)]))
        assert len(read) >= 2 * parsing.CHUNK
        return read + [Source(str(moved), moved.read_bytes(), True)]

    serial, parallel = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    want = sources()
    one = ingest(iter(want), serial)
    got = sources()
    moved.write_text('{"thread_id": "m", "post_number": 1, "body": "written after"}\n')
    two = ingest(iter(got), parallel, workers=2)
    assert one.to_dict() == two.to_dict()
    assert _stored(serial) == _stored(parallel)
    assert [p.body for t in parallel.iter_threads() if t.thread_id == "m" for p in t.posts] == [
        "what the ingest read"]
    assert all("kb-parse-" not in str(row[-1]) for row in _stored(parallel))  # sources as named
