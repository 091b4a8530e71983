"""Dumps of one record a line are read in pieces of whole lines (kb.pieces): the same posts as
the whole file, a damaged stream's first pieces kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zstandard

import kb.pieces
from kb.ingest import ingest, read_sources
from kb.store.sqlite import SQLiteStore
from tests.conftest import FIXTURES

REDDIT = FIXTURES / "reddit"
DUMPS = [REDDIT / "RS_2023-11_bikewrench.ndjson", REDDIT / "RC_2023-11_bikewrench.ndjson",
         REDDIT / "RC_2023-12_bikewrench.ndjson"]


def _export(paths: list[Path], where: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Each post's export line (less the file it came from), sorted; and what was skipped."""
    store = SQLiteStore(where / "kb.sqlite")
    try:
        summary = ingest(read_sources([str(p) for p in paths]), store)
        rows = []
        for thread in store.iter_threads():
            for post in thread.posts:
                row = post.to_export(thread)
                row["source"].pop("path")
                rows.append(json.dumps(row, sort_keys=True))
        return sorted(rows), summary.skipped
    finally:
        store.close()


def _one_dump(tmp_path: Path) -> Path:
    """The fixtures' lines as one comments-and-submissions dump, zstd as Pushshift ships it."""
    lines = b"".join(p.read_bytes() for p in DUMPS)
    dump = tmp_path / "bikewrench.zst"
    dump.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(lines))
    return dump


def test_a_dump_in_pieces_gives_the_posts_the_whole_file_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = _one_dump(tmp_path)
    whole, skipped = _export([dump], tmp_path / "whole")
    assert not skipped and len(whole) == 9
    monkeypatch.setattr(kb.pieces, "PIECE", 600)  # a few lines a piece
    names = [s.path for s in read_sources([str(dump)])]
    assert len(names) > 3 and names[0].startswith(f"{dump}!lines 1-")
    cut, skipped = _export([dump], tmp_path / "cut")
    assert not skipped and cut == whole


def test_a_dump_damaged_after_its_first_pieces_keeps_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    comments = [{"id": f"x{i}", "author": f"rider{i % 7}", "link_id": "t3_big", "parent_id":
                 "t3_big", "body": f"Comment {i}: check the spoke tension first.", "score": 1,
                 "created_utc": 1700000000 + i, "subreddit": "bikewrench"} for i in range(1000)]
    lines = "".join(json.dumps(c) + "\n" for c in comments).encode()
    assert len(lines) > 1 << 16  # past what detection reads first
    dump = tmp_path / "bikewrench_comments.zst"
    dump.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(lines)[:-40])
    monkeypatch.setattr(kb.pieces, "PIECE", 8192)
    rows, skipped = _export([dump], tmp_path / "cut")
    assert skipped == [(str(dump), "zstd data cut short (the file ends inside a stream)")]
    assert 500 < len(rows) < 1000  # the pieces before the damage


def test_other_compressed_input_is_read_whole(tmp_path: Path) -> None:
    mbox = tmp_path / "2025-March.txt.zst"
    mbox.write_bytes(zstandard.ZstdCompressor().compress(
        (FIXTURES / "mbox" / "wheel-truing.mbox").read_bytes()))
    [source] = read_sources([str(mbox)])
    assert source.path == str(mbox) and source.data == mbox.read_bytes()


def test_a_progress_bar_expects_a_big_dump_s_pieces(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.ingest import count_files

    dump = tmp_path / "RC.ndjson"
    dump.write_bytes(b"".join(p.read_bytes() for p in DUMPS))
    page = tmp_path / "page.html"
    page.write_bytes(b"<html>" + b" " * dump.stat().st_size + b"</html>")
    monkeypatch.setattr(kb.pieces, "PIECE", 600)
    read = len(list(read_sources([str(dump)])))
    assert count_files([str(dump)]) == -(-dump.stat().st_size // 600)
    assert abs(count_files([str(dump)]) - read) <= 1
    assert count_files([str(page)]) == 1


def test_a_dump_read_again_gives_only_what_it_holds_now(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Read in pieces, then shrunk (its last pieces gone), then read whole: each time the
    # store holds the posts the file gives, and reading it again changes nothing.
    monkeypatch.setattr(kb.pieces, "PIECE", 600)
    lines = b"".join(p.read_bytes() for p in DUMPS).splitlines(keepends=True)
    dump = tmp_path / "bikewrench.zst"
    store = SQLiteStore(tmp_path / "kb.sqlite")

    def ingest_lines(some: list[bytes]) -> tuple[int, set[str]]:
        dump.write_bytes(zstandard.ZstdCompressor().compress(b"".join(some)))
        summary = ingest(read_sources([str(dump)]), store)
        assert not summary.skipped
        return summary.removed, {p.body for t in store.iter_threads() for p in t.posts}

    try:
        _, everything = ingest_lines(lines)
        removed, fewer = ingest_lines(lines[:4])  # the submissions and a comment or two
        assert removed == len(everything) - len(fewer) > 0 and fewer < everything
        monkeypatch.setattr(kb.pieces, "PIECE", 1 << 20)  # now one piece, under its own name
        assert ingest_lines(lines[:4]) == (0, fewer)
        assert store.nested_sources() == [] and store.has_source(str(dump))
        removed, again = ingest_lines(lines)
        assert (removed, again) == (0, everything)
        assert ingest(read_sources([str(dump)]), store).added == 0
    finally:
        store.close()


def test_a_member_taken_out_of_an_archive_is_gone_on_the_next_read(tmp_path: Path) -> None:
    import zipfile

    pages = tmp_path / "pages.zip"
    store = SQLiteStore(tmp_path / "kb.sqlite")
    try:
        for members in (DUMPS, DUMPS[:1]):
            with zipfile.ZipFile(pages, "w") as zf:
                for p in members:
                    zf.write(p, p.name)
            ingest(read_sources([str(pages)]), store)
        assert store.nested_sources() == [f"{pages}!{DUMPS[0].name}"]
        assert {p.body for t in store.iter_threads() for p in t.posts} == {
            p.body for t in _threads(DUMPS[0]) for p in t.posts}
    finally:
        store.close()


def _threads(path: Path) -> list:
    import scraper

    return scraper.parse(path.read_bytes(), str(path))
