"""Ingest throughput on the real dumps, replicated past 100k posts.

    .venv/bin/python bench/ingest.py [--copies 2] [--data ../shared/data]

Reads the Urho3D `/raw` tarball (36,990 posts) and the esk8 markdown dumps (37,439 posts) into
memory, gives each copy its own thread ids (the ids live in the file names), then times:
parse+store (`kb.ingest.ingest`), the term counts afterwards (`KB.sync`), and both together as
`kb ingest` runs them (counts grown in a second process, files parsed in workers). Disk reads are
outside the timings; the store is on local disk as in real use.
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.ingest import Source, ingest  # noqa: E402
from kb.knowledge import KB  # noqa: E402
from kb.parsing import workers_for  # noqa: E402


def load(data: Path) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every topic in the two big dumps."""
    files: list[tuple[str, bytes]] = []
    with tarfile.open(data / "urho3d-discourse" / "posts_raw_all_5046_topics.tar.gz") as tf:
        for m in tf:
            if m.isfile() and m.name.endswith(".md"):
                handle = tf.extractfile(m)
                if handle:
                    files.append((m.name, handle.read()))
    esk8 = data / "esk8-builders-discourse-md" / "view"
    for path in sorted(esk8.rglob("*.md")):
        if re.match(r"\d+_", path.name):
            files.append((str(path.relative_to(esk8)), path.read_bytes()))
    return files


def renamed(name: str, copy: int) -> str:
    """The same topic under another id: copy 0 keeps its id; later copies shift it."""
    if copy == 0:
        return name
    shift = copy * 10_000_000
    head, _, base = name.rpartition("/")
    base = re.sub(r"\.(\d+)\.md$", lambda m: f".{int(m.group(1)) + shift}.md", base)
    base = re.sub(r"^(\d+)_", lambda m: f"{int(m.group(1)) + shift}_", base)
    return f"{head}/c{copy}/{base}" if head else f"c{copy}/{base}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--keep", type=Path, help="Build the data dir here and keep it (for bench/query.py).")
    args = ap.parse_args()
    files = load(args.data)
    # Identical bytes are "unchanged" whatever their name: each copy ends in its own blank lines.
    sources = [(renamed(n, c), d + b"\n" * c) for c in range(args.copies) for n, d in files]
    with tempfile.TemporaryDirectory() as tmp:
        store_only = KB(Path(tmp) / "store-only")
        t0 = time.perf_counter()
        summary = ingest((Source(n, d, True) for n, d in sources), store_only.store)
        t1 = time.perf_counter()
        posts = summary.added
        print(f"files {len(sources)}, threads {len(summary.threads)}, posts {posts}, "
              f"skipped {len(summary.skipped)}")
        for f, reason in summary.skipped[:5]:
            print(f"  skipped {f}: {reason}")
        print(f"parse+store            : {t1 - t0:6.1f} s  {posts / (t1 - t0):7.0f} posts/s")
        t2 = time.perf_counter()
        store_only.sync()
        t3 = time.perf_counter()
        print(f"counts afterwards      : {t3 - t2:6.1f} s  {posts / (t3 - t2):7.0f} posts/s")
        kb = KB(args.keep or Path(tmp) / "data")
        t4 = time.perf_counter()
        kb.ingest((Source(n, d, True) for n, d in sources), stream=True,
                  workers=workers_for(len(sources)))
        t5 = time.perf_counter()
        print(f"ingest, counts growing : {t5 - t4:6.1f} s  {posts / (t5 - t4):7.0f} posts/s"
              "  (what `kb ingest` does)")


if __name__ == "__main__":
    main()
