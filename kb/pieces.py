"""Dumps of one record a line, read in pieces: a subreddit's Pushshift comments are gigabytes
once unpacked, where any other input is read whole (up to 512 MiB, `kb.ingest.MAX_BYTES`).

A piece is PIECE bytes of whole lines, a file of its own to the ingest ("RC.zst!lines
1-81234"): parsed by a worker while the next is read, its threads parts that the merge joins
by their posts' names, as it joins one month's comments to the next month's (scraper.merge).
A dump no bigger than one piece is one file, under its own name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import chain
from typing import BinaryIO

from scraper.compressed import compression, unpacked_blocks
from scraper.models import ParseError
from scraper.reddit_dump import one_record_a_line

PIECE = 64 << 20  # a worker holds about ten times its piece while it parses it
_HEAD = 1 << 16  # what format detection reads (scraper.detect)


def expected(path: str) -> int:
    """How many pieces the file at `path` will be read in, for a progress bar: 1 for any other
    input, else its size over PIECE, unpacked at about the ratio zstd and gzip get on Reddit's
    JSON. Only a file that big is opened (a folder of a million pages is counted by size)."""
    try:
        size = os.stat(path).st_size
        if size * _RATIO <= PIECE:
            return 1
        with open(path, "rb") as fh:
            unpacked = size * (_RATIO if compression(fh.read(16)) else 1)
            fh.seek(0)
            is_dump = unpacked > PIECE and pieces("", fh, size) is not None
    except OSError:
        return 1
    return -(-unpacked // PIECE) if is_dump else 1


_RATIO = 7


def pieces(path: str, fh: BinaryIO, size: int) -> Iterator[tuple[str, bytes]] | None:
    """`fh`'s records in pieces, (name, bytes) each, read as they are asked for, when it is a
    dump of one record a line (compressed or not) that may be over one piece; else None, with
    `fh` rewound, to be read whole. A damaged stream raises ParseError where it shows."""
    kind = compression(fh.read(16))  # the longest magic (bzip2's) is 10 bytes
    fh.seek(0)
    if kind is None and size <= PIECE:
        return None
    blocks = unpacked_blocks(fh, kind) if kind else iter(lambda: fh.read(1 << 20), b"")
    first = bytearray()
    try:
        for block in blocks:
            first += block
            if len(first) >= _HEAD:
                break
    except ParseError:
        first.clear()  # read whole, the parse says what is wrong with it
    if not one_record_a_line(bytes(first[:_HEAD]).decode("utf-8", errors="replace")):
        fh.seek(0)
        return None
    return _cut(path, first, blocks)


def _cut(path: str, buffer: bytearray, blocks: Iterator[bytes]) -> Iterator[tuple[str, bytes]]:
    """Pieces ending at the last line's end within PIECE bytes (or, for a longer line, at its
    end): where a piece ends depends on the lines alone, not on how the blocks came, so the
    same dump read again gives the same pieces, which the ingest finds unchanged."""
    line, whole = 1, True
    for block in chain([b""], blocks):
        buffer += block
        while len(buffer) >= PIECE:
            end = buffer.rfind(b"\n", 0, PIECE) + 1 or buffer.find(b"\n", PIECE) + 1
            if not end:
                break  # a line longer than a piece: read on to its end
            piece = bytes(buffer[:end])
            del buffer[:end]
            lines = piece.count(b"\n")
            yield f"{path}!lines {line}-{line + lines - 1}", piece
            line, whole = line + lines, False
    if buffer:
        last = line + buffer.count(b"\n") - buffer.endswith(b"\n")
        yield (path if whole else f"{path}!lines {line}-{last}"), bytes(buffer)
