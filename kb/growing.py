"""Term counts grown beside an ingest, in a second process: the ingest parses and stores on one
core while this one reads what it stored, analyses it and counts its words on the other.

Measured on the esk8 dump (37,439 posts, 2 cores): analysis and counting are about a third of
the work of parsing and storing, so grown alongside they finish with the last file instead of
after it, and the saved counts are ready a few hundred milliseconds later (stacking the batches'
rows, in C: no refit).

The worker follows the store by change number, as any reader does: it reads each batch of
changes from the store itself (SQLite's WAL lets it read while the ingest writes), so the ingest
sends it nothing but "more is stored" and, at the end, the change number to stop at. The counts
it saves carry that number; if either process dies before they are saved, the counts on disk
keep their older number and the next `kb` command brings them up to the store (`KB.sync`). The
worker dies with the ingest (kill -9 included) and exits when the ingest closes the pipe.

Run as `python -m kb.growing COUNTS` with the store to read in $KB_GROWING_STORE (a path, or a
database URL: not in argv, where `ps` would show its password), driven through stdin/stdout by
`Grower`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scipy import sparse

    from kb.counts import Filed, TermCounts
    from kb.rows import IndexedPost
    from kb.store import Store

FINISH_TIMEOUT = 600.0  # seconds the ingest waits for the last batch and the save
PAGE = 20_000  # posts read from the store at a time


class Grower:
    """The ingest's side: start the worker, tell it when more is stored, wait for the save."""

    def __init__(self, store: str, counts_path: Path) -> None:
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "KB_GROWING_STORE": store, "PYTHONPATH": os.pathsep.join(
            [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kb.growing", str(counts_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            text=True, bufsize=1)

    def grow(self) -> None:
        """More is stored: read it now (never blocks the ingest; a dead worker is found later)."""
        self._send("grow")

    def finish(self, upto: int) -> bool:
        """Count everything up to change `upto`, save, and stop. False when the worker died or
        failed: the caller then brings the counts up to the store itself."""
        if not self._send(f"finish {upto}"):
            self.cancel()
            return False
        try:
            out, _ = self.proc.communicate(timeout=FINISH_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.cancel()
            return False
        return self.proc.returncode == 0 and out.strip().endswith(f"saved {upto}")

    def cancel(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def _send(self, line: str) -> bool:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False


class Growth:
    """The worker's side: counts as they stood, plus the rows of every batch read since."""

    def __init__(self, counts: TermCounts) -> None:
        self.counts = counts
        self.fresh = not counts.built or counts.needs_rebuild()
        if self.fresh:
            counts.vocab, counts.seq = {}, -1
        self.last = counts.seq
        self.ids: list[int] = []  # per row read: its post
        self.filed: list[Filed] = []
        self.title: list[sparse.csr_matrix] = []  # per batch: its rows
        self.body: list[sparse.csr_matrix] = []
        self.latest: dict[int, int] = {}  # post -> its latest row read (none once removed)
        self.removed: list[int] = []

    def take(self, store: Store, upto: int | None = None) -> int:
        """Count what the store changed since the last batch (up to `upto`, when given), a page
        of posts at a time: only the counts are kept, not the posts' text (a dump's 1.4 M posts
        read at once held gigabytes). How many posts were counted."""
        rows, gone, last = store.changes(self.last, upto, limit=PAGE)
        counted = 0
        while rows or gone:
            self._count(rows, gone)
            counted += len(rows)
            if len(rows) < PAGE:
                break
            rows, gone, _ = store.changes(self.last, last, after_id=rows[-1].id, limit=PAGE)
        self.last = max(self.last, last)
        return counted

    def _count(self, rows: list[IndexedPost], gone: list[int]) -> None:
        from kb.knowledge import filed

        title, body = self.counts.count_posts(rows)
        # The rows a batch reads are its posts as they stand now, so a removal read with them
        # happened before them (a post removed, then stored again under the same id).
        for pid in gone:
            self.latest.pop(pid, None)
        for i, r in enumerate(rows, len(self.ids)):
            self.latest[int(r.id)] = i
        self.ids.extend(int(r.id) for r in rows)
        self.filed.extend(filed(rows))
        self.title.append(title)
        self.body.append(body)
        self.removed.extend(gone)

    def save(self, upto: int) -> None:
        """Stack the batches into the counts and save them as of change `upto`."""
        ids, filed, title, body = self._latest()
        if self.fresh:
            self.counts.fit_rows(ids, title, body, filed)
        else:
            self.counts.append(ids, title, body, filed, self.removed)
        self.counts.seq = upto
        self.counts.save()

    def _latest(self) -> tuple[list[int], list[Filed], sparse.csr_matrix, sparse.csr_matrix]:
        """Every batch's rows stacked, keeping only the latest row of a post stored twice (a later
        page re-normalised its thread) and none of a post removed after it was read."""
        import numpy as np
        from scipy import sparse

        width = len(self.counts.vocab)
        for m in self.title + self.body:
            m.resize((m.shape[0], width))
        title = sparse.vstack(self.title, format="csr") if self.title else _empty(width)
        body = sparse.vstack(self.body, format="csr") if self.body else _empty(width)
        keep = np.fromiter(sorted(self.latest.values()), dtype=np.int64, count=len(self.latest))
        if len(keep) < len(self.ids):
            title, body = title[keep], body[keep]
        return [self.ids[i] for i in keep], [self.filed[i] for i in keep], title, body


def _empty(width: int) -> sparse.csr_matrix:
    from scipy import sparse

    return sparse.csr_matrix((0, width), dtype="float32")


def main(store: str, counts_path: str) -> int:
    """The worker: grow on each "grow" line, save and say so on "finish N", stop at EOF."""
    from kb.counts import TermCounts
    from kb.store import open_store
    die_with_parent()
    counts = TermCounts(Path(counts_path))
    counts.load()
    growth = Growth(counts)
    reader = open_store(store)
    for line in sys.stdin:
        word, _, arg = line.strip().partition(" ")
        if word == "grow":
            growth.take(reader)
        elif word == "finish":
            growth.take(reader, int(arg))
            growth.save(int(arg))
            print(f"saved {arg}", flush=True)
            return 0
    return 1  # the ingest went away without finishing: save nothing


def die_with_parent() -> None:
    """On Linux, ask the kernel to kill this process with its parent (kill -9 included)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main(os.environ["KB_GROWING_STORE"], sys.argv[1]))
