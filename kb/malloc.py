"""Memory for per-query arrays handed back to the next query instead of to the kernel.

Ranking makes a dozen arrays of one value per post for each query (2-4 MB each at 515k posts).
glibc's malloc serves blocks that size with a fresh mmap and unmaps them when freed, so every
query faulted thousands of fresh pages in, each zeroed by the kernel: at 515k posts that was
a fifth of ranking (bench/speed.py's 100 questions, p50 21 -> 17.5 ms with the settings below).
Told to serve blocks up to 32 MB from its heap and to keep up to 64 MB of freed heap, it reuses
the same pages query after query; the price is that much memory held between queries.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20

_set = False


def keep_freed_memory() -> None:
    """Set once per process, on Linux with glibc; elsewhere nothing changes."""
    global _set
    if _set or not sys.platform.startswith("linux"):
        return
    _set = True
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):  # no mallopt: not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
