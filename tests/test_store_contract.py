"""The store contract, run against SQLite and PostgreSQL alike (the `backend` fixture): ingest
is idempotent, a changed file replaces what it brought, pages merge in any order, every write
transaction takes one change number, and a follower reading changes while writers commit never
misses one. PostgreSQL runs skip, saying why, when no server can be started."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from kb.ingest import ingest, read_sources
from tests.conftest import FIXTURES, Backend


def _jsonl(path: Path, thread: str, numbers: range, words: str = "", title: str = "") -> Path:
    lines = [json.dumps({"thread_id": thread, "thread_title": title or f"Thread {thread}",
                         "post_number": n, "author": f"user{n % 3}",
                         "body": f"Post {n} of {thread}: {words or 'plain words'} m{thread}x{n}."})
             for n in numbers]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _load(store: Any, *paths: Path) -> Any:
    return ingest(read_sources([str(p) for p in paths]), store)


def snapshot(store: Any) -> list[tuple[Any, ...]]:
    """Every stored post as the forum would see it (store ids and change numbers left out)."""
    return [(t.thread_id, t.title, t.forum, p.post_number, p.author, p.body, p.posted_at,
             len(p.quotes)) for t in store.iter_threads() for p in t.posts]


def test_ingest_is_idempotent(backend: Backend, tmp_path: Path) -> None:
    files = [_jsonl(tmp_path / "in" / f"{i}.jsonl", f"t{i}", range(1, 6)) for i in range(4)]
    store = backend.open()
    first = _load(store, *files)
    assert (first.files, first.added) == (4, 20)
    before, seq = snapshot(store), store.last_seq()
    again = _load(store, *files)
    assert (again.files_unchanged, again.added, again.updated, again.unchanged) == (4, 0, 0, 20)
    assert snapshot(store) == before and store.last_seq() == seq
    assert store.stats()["posts"] == 20 and store.stats()["sources"] == 4
    store.close()


def test_changed_file_replaces_what_it_brought(backend: Backend, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "a.jsonl", "t1", range(1, 4))
    store = backend.open()
    _load(store, path)
    seq = store.last_seq()
    old_ids = {p.post_number: p.id for p in store.changes(-1)[0]}
    _jsonl(path, "t1", range(1, 3), words="edited words")
    summary = _load(store, path)
    assert (summary.updated, summary.removed, summary.added) == (2, 1, 0)
    rows, gone, upto = store.changes(seq)
    assert upto == seq + 1
    assert sorted(r.post_number for r in rows) == [1, 2]
    assert all("edited words" in r.body for r in rows)
    assert gone == [old_ids[3]]
    assert [p.post_number for p in store.thread("t1").posts] == [1, 2]
    store.close()


def test_pages_merge_in_any_order(backend: Backend, tmp_path: Path) -> None:
    pages = [FIXTURES / "vbulletin_text" / f"sprint-drills-p{n}.txt" for n in (1, 2)]
    one, two = backend.open(), backend.another(tmp_path / "other").open()
    _load(one, *pages)
    _load(two, *reversed(pages))
    assert snapshot(one) == snapshot(two)
    assert len(one.thread_ids()) == 1 and [row[3] for row in snapshot(one)] == [1, 2, 3, 4, 5]
    one.close()
    two.close()


def test_one_change_number_per_commit(backend: Backend, tmp_path: Path) -> None:
    """Each committed batch of files takes the next change number (an ingest's files commit
    together, kb/ingest.py BATCH_FILES); what came after a number is exactly what it wrote."""
    store = backend.open()
    files = [_jsonl(tmp_path / f"{i}.jsonl", f"t{i}", range(1, 4)) for i in range(3)]
    assert store.last_seq() == 0
    _load(store, files[0])
    assert store.last_seq() == 1
    _load(store, *files[1:])
    assert store.last_seq() == 2
    rows, gone, upto = store.changes(1)
    assert ({r.thread_id for r in rows}, gone, upto) == ({"t1", "t2"}, [], 2)
    assert store.changes(2)[0] == [] and len(store.changes(0, upto=1)[0]) == 3
    with store.batch() as commit:
        with store.transaction():
            store.drop_thread("t0")
        commit()
        with store.transaction():
            store.drop_thread("t1")
    assert store.last_seq() == 4
    assert (len(store.changes(2, upto=3)[1]), len(store.changes(3)[1])) == (3, 3)
    # A page at a time: the first `limit` by id over `after_id`, the removed ids once
    everything, gone, _ = store.changes(-1)
    first, first_gone, _ = store.changes(-1, limit=2)
    rest, rest_gone, _ = store.changes(-1, after_id=first[-1].id)
    assert [r.id for r in first + rest] == [r.id for r in everything] and len(first) == 2
    assert (first_gone, rest_gone) == (gone, [])
    store.close()


def test_thread_keys_stay_apart_across_forums(backend: Backend) -> None:
    """Two forums' topic 7210: two threads, the earlier renamed once the second arrives."""
    store = backend.open()
    with store.transaction():
        assert store.thread_key("a.example", "7210") == "7210"
        assert store.thread_key("b.example", "7210") == "b.example:7210"
        assert store.thread_key("a.example", "7210") == "a.example:7210"
    assert store.find_thread_ids("7210") == []  # keys only: no thread was written
    store.close()


def test_a_follower_never_misses_a_change(backend: Backend, tmp_path: Path) -> None:
    """Two writers commit while a follower applies "changes after my last" in a loop: it ends
    holding every post, and never sees the newest change number go down."""
    dumps = [[_jsonl(tmp_path / f"w{w}" / f"{i}.jsonl", f"w{w}t{i}", range(1, 4))
              for i in range(40)] for w in range(2)]
    backend.open().close()  # create the schema before three connections race to
    done = threading.Event()
    errors: list[BaseException] = []

    def write(files: list[Path]) -> None:
        try:
            store = backend.open()
            for f in files:
                _load(store, f)
            store.close()
        except BaseException as exc:  # noqa: BLE001  # reported by the main thread
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(d,)) for d in dumps]
    follower, seen, last = backend.open(), set(), 0
    for w in writers:
        w.start()
    threading.Thread(target=lambda: ([w.join() for w in writers], done.set())).start()
    while not done.is_set():
        rows, gone, upto = follower.changes(last)
        assert upto >= last
        seen.update(r.id for r in rows)
        seen.difference_update(gone)
        last = upto
    rows, gone, _ = follower.changes(last)
    seen.update(r.id for r in rows)
    assert not errors, errors
    assert seen == {r.id for r in follower.changes(-1)[0]}
    assert len(seen) == 2 * 40 * 3 and follower.last_seq() == 80
    follower.close()


def test_posts_read_back_equal_to_a_new_parse_are_left_alone(backend: Backend,
                                                              tmp_path: Path) -> None:
    # Posts are compared with what the store holds by value: every column of a full page
    # (quotes, signature, profile numbers, dates) must read back equal to a new parse of it,
    # or a changed file would rewrite all its posts.
    page = (FIXTURES / "engines" / "phpbb-3.3-prosilver.html").read_bytes()
    path = tmp_path / "topic.html"
    path.write_bytes(page)
    store = backend.open()
    first = _load(store, path)
    path.write_bytes(page + b"\n<!-- saved again -->\n")  # other bytes, the same posts
    again = _load(store, path)
    assert first.added == 4 and again.files_unchanged == 0
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    store.close()


def test_an_archive_read_again_without_a_member_drops_what_it_gave(backend: Backend,
                                                                 tmp_path: Path) -> None:
    import zipfile

    store = backend.open()
    members = [_jsonl(tmp_path / f"{t}.jsonl", t, range(1, 3)) for t in ("ta", "tb")]
    pages = tmp_path / "pages.zip"
    for kept in (members, members[:1]):
        with zipfile.ZipFile(pages, "w") as zf:
            for m in kept:
                zf.write(m, m.name)
        summary = _load(store, pages)
    assert summary.removed == 2 and store.nested_sources() == [f"{pages}!ta.jsonl"]
    assert {t.thread_id for t in store.iter_threads()} == {"ta"}
    assert _load(store, pages).removed == 0
    store.close()
