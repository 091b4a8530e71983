"""Every thread page and dump in ../shared/data goes in: none skipped, pages merged, no quoted
text left in a body. Per-format details live in each parser's own tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.ingest import expand, ingest, read_sources
from kb.store.sqlite import SQLiteStore as Store
from tests.conftest import SHARED_DATA, shared

NOT_THREADS = {"README.md", "README.txt", "SOURCE.txt", "LICENSE.txt", "PostLinks.xml"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data absent")
    folders = ["nettally-fixtures", "awful-somethingawful-vb3", "theavalanches-phpbb-wayback",
               "discourse-crawler-html", "urho3d-discourse", "esk8-builders-discourse-md",
               "stackexchange", "stackexchange-beer-coffee"]
    paths = [str(SHARED_DATA / f) for f in folders] + [str(SHARED_DATA.parent / "seed")]
    store = Store(tmp_path_factory.mktemp("real") / "kb.sqlite3")
    summary = ingest(read_sources(expand(paths), explicit=set()), store)
    return store, summary


def test_every_thread_file_goes_in(loaded) -> None:  # type: ignore[no-untyped-def]
    store, summary = loaded
    assert summary.skipped == []
    assert {Path(f).name for f, _ in summary.ignored} <= NOT_THREADS
    # 7 nettally + 5 SA + 13 phpBB + 2 crawler + 670 JSON + 670 raw + the tarball's 5,046
    # + 1,657 esk8 + 3 Posts.xml + the seed
    assert summary.files >= 7 + 5 + 13 + 2 + 670 + 670 + 5046 + 1657 + 3 + 1
    assert store.stats()["posts"] > 75_000  # raw topics also in the tarball count once


def _thread(store: Store, tid: str):  # type: ignore[no-untyped-def]
    ids = store.find_thread_ids(tid)
    assert len(ids) == 1, f"{tid} names {ids}"
    return store.thread(ids[0])


def test_pages_of_one_thread_merge(loaded) -> None:  # type: ignore[no-untyped-def]
    store, _ = loaded
    # phpBB: one topic reached by two post permalinks, 20 posts either way
    t1088 = _thread(store, "theavalanches.com:1088")  # Urho3D has a topic 1088 too
    assert len(t1088.posts) == 20
    assert len({p.post_id for p in t1088.posts}) == 20
    # phpBB page 2 captured in 2010 and 2020: one thread, numbered from 21, no post twice
    t1294 = _thread(store, "theavalanches.com:1294")
    numbers = [p.post_number for p in t1294.posts]
    assert min(numbers) == 21 and len(set(numbers)) == len(numbers)
    assert len({p.post_id for p in t1294.posts}) == len(t1294.posts)
    # Discourse crawler page saved twice
    assert len(_thread(store, "meta.discourse.org:12483").posts) == 2


def test_two_forums_topics_with_one_id_stay_apart(loaded) -> None:  # type: ignore[no-untyped-def]
    store, _ = loaded
    forums = dict(store.db.execute("SELECT forum, count(*) FROM threads GROUP BY forum").fetchall())
    # every Urho3D topic once (its JSON, its /raw and the tarball's copy merged), every esk8 one
    assert forums["discourse.urho3d.io"] == 5046
    assert forums["electric-skateboard.builders"] == 1657
    assert sorted(store.find_thread_ids("7210")) == [
        "discourse.urho3d.io:7210", "electric-skateboard.builders:7210"]
    # no thread holds posts of two forums' dumps
    mixed = store.db.execute(
        "SELECT thread_id FROM posts GROUP BY thread_id HAVING count(DISTINCT source_format) > 1"
        " AND sum(source_format = 'discourse-md') > 0").fetchall()
    assert mixed == []


def test_no_quoted_text_left_in_html_bodies(loaded) -> None:  # type: ignore[no-untyped-def]
    store, _ = loaded
    html_formats = ("vbulletin-html", "phpbb-html", "xenforo-html", "nodebb-html",
                    "discourse-html", "vbulletin-text")
    checked = 0
    for row in store.db.execute("SELECT body, quotes FROM posts WHERE source_format IN "
                                f"({','.join('?' * len(html_formats))})", html_formats):
        for quote in json.loads(row["quotes"]):
            if len(quote["text"]) > 20:
                assert quote["text"][:60] not in row["body"]
                checked += 1
    assert checked > 100


def test_authors_and_numbers(loaded) -> None:  # type: ignore[no-untyped-def]
    store, _ = loaded
    example = _thread(store, "is-leg-strenth-training-necessary-for-a-400m-runner")
    assert [p.author for p in example.posts][:2] == ["volle", None]
    for tid in ("theavalanches.com:1088", "12483"):
        posts = _thread(store, tid).posts
        assert all(p.author for p in posts)
        numbers = [p.post_number for p in posts]
        assert numbers == sorted(numbers)


def test_shared_helper_skips_cleanly() -> None:
    assert shared("nettally-fixtures").is_dir()
