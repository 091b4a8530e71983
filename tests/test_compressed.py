"""Compressed single files (gzip, bzip2, xz, zstd) are read as what they hold; a gzipped WARC as
a WARC."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

from kb.cli import main
from kb.parsing import parse_file
from scraper import ParseError, parse
from scraper.compressed import compression, inner_name, unpacked
from tests.conftest import FIXTURES
from tests.test_feeds import _warc

MBOX = FIXTURES / "mbox" / "wheel-truing.mbox"
PLAIN = MBOX.read_bytes()
COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress,
    "zst": zstandard.ZstdCompressor(write_checksum=True).compress}  # as the zstd command writes


def _export(data_dir: Path, *paths: Path) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    """`kb ingest` of `paths` into a fresh data dir: its exit code and `kb export`'s rows."""
    where = ["--data-dir", str(data_dir)]
    code = CliRunner().invoke(main, [*where, "ingest", *map(str, paths)]).exit_code
    out = CliRunner().invoke(main, [*where, "export"]).output
    return code, [json.loads(x) for x in out.splitlines() if x.startswith("{")]


def _without_path(rows: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    for row in rows:
        row["source"].pop("path")
    return rows


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_compressed_mbox_ingests_as_the_plain_file(tmp_path: Path, suffix: str) -> None:
    packed = tmp_path / f"2025-March.txt.{suffix}"
    packed.write_bytes(COMPRESSORS[suffix](PLAIN))
    code, rows = _export(tmp_path / "packed", packed)
    assert code == 0 and len(rows) == 4
    assert {r["source"]["path"] for r in rows} == {str(packed)}
    assert {r["source"]["format"] for r in rows} == {"mbox"}
    copy = tmp_path / "2025-March.txt"  # beside it: the folder's README would name the forum
    copy.write_bytes(PLAIN)
    _, plain = _export(tmp_path / "plain", copy)
    assert _without_path(rows) == _without_path(plain)


def test_every_member_of_a_multi_member_file() -> None:
    half = PLAIN.index(b"\nFrom carol") + 1
    for compress in COMPRESSORS.values():
        assert unpacked(compress(PLAIN[:half]) + compress(PLAIN[half:])) == PLAIN
    assert unpacked(gzip.compress(PLAIN) + b"\0" * 512) == PLAIN  # padded to a block


def test_other_input_is_returned_as_it_is() -> None:
    for data in (PLAIN, b"", b"BZh9 is a fine way to start a text file", b"\x1f\x8b"):
        assert unpacked(data) is data
        assert compression(data) is None
    assert inner_name("lists/2019-January.txt.gz") == "lists/2019-January.txt"
    assert inner_name("Posts.xml.BZ2") == "Posts.xml"


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_damaged_or_cut_streams_raise_one_line(suffix: str) -> None:
    packed = COMPRESSORS[suffix](PLAIN)
    middle = len(packed) // 2
    flipped = packed[:middle] + bytes(b ^ 0x55 for b in packed[middle:middle + 8]) + packed[middle + 8:]
    for damaged in (packed[:-6], flipped):
        with pytest.raises(ParseError) as exc:
            unpacked(damaged)
        assert "\n" not in str(exc.value)


def test_a_file_that_expands_past_the_limit_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (4 << 20))
    assert len(bomb) < 8192
    with pytest.raises(ParseError, match="more than 1 MB"):
        unpacked(bomb, limit=1 << 20)
    for compress in (bz2.compress, COMPRESSORS["zst"]):
        with pytest.raises(ParseError, match="more than 1 MB"):
            unpacked(compress(b"\0" * (4 << 20)), limit=1 << 20)
    assert len(unpacked(bomb, limit=4 << 20)) == 4 << 20


def test_a_pushshift_dump_s_two_gigabyte_window_is_read(tmp_path: Path) -> None:
    """Pushshift compressed its Reddit dumps with `zstd --long=31`: frames that declare a 2 GiB
    window, which zstd refuses to decode unless told it may."""
    plain = (FIXTURES / "reddit" / "RC_2023-11_bikewrench.ndjson").read_bytes()
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31)
    sink = io.BytesIO()  # streamed, as zstd writes it: no content size, so the window is declared
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(sink, closefd=False) as w:
        w.write(plain)
    packed = sink.getvalue()
    with pytest.raises(zstandard.ZstdError, match="too much memory"):
        zstandard.ZstdDecompressor().decompressobj().decompress(packed)
    assert unpacked(packed) == plain
    dump = tmp_path / "bikewrench_comments.zst"
    dump.write_bytes(packed)
    code, rows = _export(tmp_path / "data", dump)
    assert code == 0 and len(rows) == 6
    assert {r["source"]["format"] for r in rows} == {"reddit-dump"}


def test_a_corrupt_gz_is_reported_and_the_rest_goes_in(tmp_path: Path) -> None:
    bad = tmp_path / "2025-April.txt.gz"
    bad.write_bytes(gzip.compress(PLAIN)[:-40])
    good = tmp_path / "2025-March.txt.gz"
    good.write_bytes(gzip.compress(PLAIN))
    where = ["--data-dir", str(tmp_path / "data")]
    result = CliRunner().invoke(main, [*where, "ingest", "--json", str(bad), str(good)])
    assert result.exit_code == 1  # some file was skipped
    summary = json.loads(result.stdout)
    assert summary["skipped"] == [{"file": str(bad), "reason":
                                   "gzip data cut short (the file ends inside a stream)"}]
    assert summary["posts"]["added"] == 4


def test_parse_file_unpacks_what_the_worker_read() -> None:
    parsed = parse_file(gzip.compress(PLAIN), "2025-March.txt.gz", None)
    assert parsed.error is None and parsed.fmt == "mbox"
    assert sum(t.posts for t in parsed.threads) == 4
    broken = parse_file(gzip.compress(PLAIN)[:-40], "x.gz", None)
    assert broken.rejected and broken.error and "cut short" in broken.error


def test_a_gzipped_warc_is_still_read_member_by_member(tmp_path: Path) -> None:
    phpbb = (FIXTURES / "phpbb" / "prosilver33.html").read_bytes()
    topic = (FIXTURES / "discourse" / "topic.4321.json").read_bytes()
    records = [("https://forum.example.org/viewtopic.php?t=1", "text/html", 200, phpbb),
               ("https://meta.example.org/t/4321.json", "application/json", 200, topic)]
    packed = _warc(records, True)
    assert unpacked(packed) is packed  # warcio reads it: a cut crawl keeps its first pages
    threads = parse(packed, "crawl.warc.gz")
    assert [t.format for t in threads] == ["phpbb-html", "discourse-json"]
    # A WARC compressed as a whole (bzip2, xz) is unpacked and read as the plain WARC.
    plain = _warc(records, False)
    for compress in (bz2.compress, lzma.compress):
        assert [t.thread_id for t in parse(compress(plain), "crawl.warc.xz")] == [
            t.thread_id for t in threads]
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(packed)
    code, rows = _export(tmp_path / "data", path)
    assert code == 0 and {r["source"]["format"] for r in rows} == {"warc"}


def test_a_gzipped_html_page_is_the_page() -> None:
    page = (FIXTURES / "mailman" / "pipermail-message.html").read_bytes()
    [thread] = parse(gzip.compress(page), "msg042.html.gz")
    [plain] = parse(page, "msg042.html")
    assert thread.format == "pipermail-html"
    assert [(p.post_id, p.body) for p in thread.posts] == [(p.post_id, p.body) for p in plain.posts]
