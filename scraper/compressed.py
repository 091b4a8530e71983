"""Compressed single files read as what they hold: gzip, bzip2, xz and zstd, known by magic bytes.

Mailing lists publish their monthly archives gzipped (pipermail's `2019-January.txt.gz`) and
people save pages as `.html.gz`; Reddit's dumps (Pushshift, Arctic Shift) are zstd. The parsers
read the bytes inside. Archives of several files
(zip, tar) are expanded by name where the files are read (`kb.ingest.read_sources`), not here.

A gzipped WARC stays as it is: `scraper.warc` reads it member by member (warcio), which is how
a crawl cut short still gives its first pages, so it is never inflated here.
"""

from __future__ import annotations

import bz2
import lzma
import re
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol

from scraper.models import ParseError

# The ingest's limit on one input (kb.ingest.MAX_BYTES is this): what a file holds may be no
# larger than a file may be, or a small bomb (1 GiB of zeros is 1 MiB of gzip, 800 bytes of
# bzip2) would take the memory a plain file is refused.
MAX_BYTES = 512 * 1024 * 1024

_GZIP = b"\x1f\x8b\x08"  # magic and method 8 (deflate), the only one gzip defines
_XZ = b"\xfd7zXZ\x00"
_ZSTD = b"\x28\xb5\x2f\xfd"  # a zstd frame's magic number, little-endian 0xFD2FB528
# "BZh" and the block size, then the first block's magic (pi) or, for an empty stream, the
# end-of-stream magic (sqrt pi): a text file may well start with "BZh9".
_BZIP2 = re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)")
_SUFFIX = re.compile(r"\.(?:gz|gzip|bz2|xz|zst|zstd)$", re.I)


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...


def compression(data: bytes) -> str | None:
    """"gzip", "bzip2", "xz" or "zstd" when `data` starts with that format's magic bytes."""
    if data.startswith(_GZIP):
        return "gzip"
    if data.startswith(_XZ):
        return "xz"
    if data.startswith(_ZSTD):
        return "zstd"
    if _BZIP2.match(data):
        return "bzip2"
    return None


def unpacked(data: bytes, limit: int = MAX_BYTES) -> bytes:
    """What a gzip, bzip2, xz or zstd file holds (every member or stream of it, in order); any other
    input, a gzipped WARC included, as it is. ParseError, in one line, for a damaged or cut
    stream and for one that expands past `limit` bytes."""
    kind = compression(data)
    if kind is None or kind == "gzip" and _gzipped_warc(data):
        return data
    new = _DECOMPRESSORS[kind]
    parts: list[bytes] = []
    size, rest = 0, data
    while rest:
        decompressor = new()
        try:
            # At most one byte past the limit: a call that returns less has used all its input.
            part = decompressor.decompress(rest, limit + 1 - size)
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
            raise ParseError(f"corrupt {kind} data: {_reason(exc)}") from None
        size += len(part)
        if size > limit:
            raise ParseError(f"{kind} file holds more than {_size(limit)}; split it first")
        if not decompressor.eof:
            raise ParseError(f"{kind} data cut short (the file ends inside a stream)")
        parts.append(part)
        # The next member (gzip -c a b > ab.gz, pbzip2's streams); zeros pad some tapes and xz.
        rest = decompressor.unused_data.lstrip(b"\0")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def unpacked_blocks(fh: BinaryIO, kind: str, block: int = 1 << 16) -> Iterator[bytes]:
    """What a `kind` stream holds (every member or frame of it, in order), a block at a time
    as `fh` is read: for an input too big to unpack whole (a subreddit's Pushshift dump is
    gigabytes). ParseError, in one line, for a damaged or cut stream; a block of input gives
    at most what its codec can expand it to (a few tens of MB)."""
    decompressor, pending, begun = _DECOMPRESSORS[kind](), b"", False
    while True:
        data, pending = pending or fh.read(block), b""
        if not data:
            break
        if decompressor.eof:  # the next member, past the zeros that pad some tapes and xz
            data = data.lstrip(b"\0")
            if not data:
                continue
            decompressor = _DECOMPRESSORS[kind]()
        begun = True
        try:
            out = decompressor.decompress(data)
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
            raise ParseError(f"corrupt {kind} data: {_reason(exc)}") from None
        if out:
            yield out
        if decompressor.eof:
            pending = decompressor.unused_data
    if begun and not decompressor.eof:
        raise ParseError(f"{kind} data cut short (the file ends inside a stream)")


def inner_name(name: str) -> str:
    """The name of what a compressed file holds: "2019-January.txt.gz" -> "2019-January.txt"."""
    return _SUFFIX.sub("", name)


def _gzipped_warc(data: bytes) -> bool:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[:4096], 5) == b"WARC/"
    except zlib.error:
        return False  # unpacked says what is wrong with it


def _size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit} bytes"


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _gzip() -> _Decompressor:
    return zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: a gzip header and trailer, checked


class _Zstd:
    """One zstd frame, decompressed as the loop in `unpacked` asks: at most about `max_length`
    bytes (zstandard's own call has no such bound), `eof` and `unused_data` as zlib gives them."""

    _STEP = 4096  # input bytes a call; zstd expands them by at most a few MB

    def __init__(self) -> None:
        import zstandard  # lazily: only Reddit dumps need it

        self._error = zstandard.ZstdError
        # Pushshift's dumps are made with --long=31, a 2 GiB window zstd refuses by default.
        self._frame = zstandard.ZstdDecompressor(max_window_size=1 << 31).decompressobj()
        self.unused_data = b""

    @property
    def eof(self) -> bool:
        return bool(self._frame.eof)

    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes:
        out: list[bytes] = []
        size = 0
        for at in range(0, len(data), self._STEP):
            try:
                piece = self._frame.decompress(data[at:at + self._STEP])
            except self._error as exc:
                raise OSError(str(exc)) from None
            out.append(piece)
            size += len(piece)
            if self._frame.eof:
                self.unused_data = self._frame.unused_data + data[at + self._STEP:]
                break
            if 0 <= max_length < size:
                break
        return b"".join(out)


_DECOMPRESSORS: dict[str, Callable[[], _Decompressor]] = {
    "gzip": _gzip,
    "bzip2": bz2.BZ2Decompressor,
    "xz": lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ),
    "zstd": _Zstd,
}
