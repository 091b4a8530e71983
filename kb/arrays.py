"""Named NumPy arrays in one uncompressed file, read memory-mapped: what the term counts
(kb/counts.py) are saved as.

A cold `kb ask` maps the file and touches only the pages its query reads (a few columns of the
counts), instead of reading and copying every array as `np.load` of an `.npz` does: ~120 ms at
147k posts down to well under a millisecond, and server processes share one copy of the file
in the page cache.

One file rather than one `.npy` per array keeps today's crash-safety with one atomic replace:
the new file is written beside the old one and renamed over it, so a reader in another process
maps the old file or the new one, never half of each, and a map it already holds stays valid
(the old inode lives until the last map of it closes). A file killed half-written is never the
one renamed in; a damaged one (wrong size, bad header) loads as None and is rebuilt by the
caller. The header is JSON and the arrays plain numbers (`allow_pickle=False` in spirit):
loading a data dir never runs code from it.
"""

from __future__ import annotations

import json
import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"KBARRAYS1\n"
_ALIGN = 64  # each array starts on a cache line, as np.load(mmap_mode=...) would map it


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def save(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write `arrays` and the JSON-able `meta` to `path` atomically (write beside, rename over)."""
    entries: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, a in arrays.items():
        entries[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset}
        offset = _aligned(offset + a.nbytes)
    header = json.dumps({"meta": meta, "arrays": entries, "data": offset}).encode()
    start = _aligned(len(MAGIC) + 8 + len(header))
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC + len(header).to_bytes(8, "little") + header)
        for name, a in arrays.items():
            fh.seek(start + entries[name]["offset"])
            fh.write(np.ascontiguousarray(a).tobytes())
        fh.truncate(start + offset)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def load(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """(meta, read-only arrays mapped from the file), or None when it is missing or damaged."""
    try:
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if mm[: len(MAGIC)] != MAGIC:
            return None
        size = int.from_bytes(mm[len(MAGIC): len(MAGIC) + 8], "little")
        head = json.loads(mm[len(MAGIC) + 8: len(MAGIC) + 8 + size].decode())
        start = _aligned(len(MAGIC) + 8 + size)
        if len(mm) != start + int(head["data"]):
            return None  # cut short (or grown): not a file this module finished writing
        arrays = {name: _mapped(mm, start, e) for name, e in head["arrays"].items()}
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    return head["meta"], arrays


def _mapped(mm: mmap.mmap, start: int, entry: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(entry["dtype"])
    if dtype.hasobject:
        raise ValueError("object arrays are never loaded")
    shape = tuple(int(n) for n in entry["shape"])
    count = int(np.prod(shape, dtype=np.int64))
    if count == 0:
        return np.zeros(shape, dtype=dtype)
    return np.frombuffer(mm, dtype=dtype, count=count, offset=start + int(entry["offset"])
                         ).reshape(shape)
