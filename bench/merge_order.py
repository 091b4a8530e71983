"""Does ingest order change what kb holds? The Urho3D topics as JSON and as `/raw` text, both ways.

    .venv/bin/python bench/merge_order.py [--data ../shared/data] [--sample N]

Ingests `urho3d-discourse/posts/json` then `posts/raw` into one fresh store, the other order into
another, and prints how many `kb export` lines (sorted) one export has that the other lacks. The
README promises 0: the pages of one thread merge into one thread whatever the order.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.ingest import ingest, read_sources  # noqa: E402
from kb.store.sqlite import SQLiteStore as Store  # noqa: E402


def export_lines(paths: list[str], where: Path) -> list[str]:
    """`kb export`'s lines, sorted, after ingesting `paths` in this order into a fresh store."""
    store = Store(where / "kb.sqlite")
    try:
        ingest(read_sources(paths), store)
        return sorted(json.dumps(p.to_export(t), ensure_ascii=False)
                      for t in store.iter_threads() for p in t.posts)
    finally:
        store.close()


def differing(a: list[str], b: list[str]) -> int:
    """Lines one export has and the other lacks (a multiset difference, both ways)."""
    ca, cb = Counter(a), Counter(b)
    return sum(((ca - cb) + (cb - ca)).values())


def both_orders(first: list[str], second: list[str]) -> tuple[list[str], list[str]]:
    """The exports of `first + second` and of `second + first`, each into its own store."""
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp, "a"), Path(tmp, "b")
        one.mkdir()
        two.mkdir()
        return export_lines(first + second, one), export_lines(second + first, two)


def paired_topics(folder: Path, sample: int | None = None, seed: int = 12) -> tuple[list[str], list[str]]:
    """(JSON files, raw files) of the topics both folders hold; a seeded sample when asked."""
    json_dir, raw_dir = folder / "posts" / "json", folder / "posts" / "raw"
    stems = sorted({p.stem for p in json_dir.glob("*.json")} & {p.stem for p in raw_dir.glob("*.md")})
    if sample:
        stems = sorted(random.Random(seed).sample(stems, min(sample, len(stems))))
    return ([str(json_dir / f"{s}.json") for s in stems], [str(raw_dir / f"{s}.md") for s in stems])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sample", type=int, help="Only this many topics (seeded sample).")
    args = ap.parse_args()
    started = time.perf_counter()
    json_files, raw_files = paired_topics(args.data / "urho3d-discourse", args.sample)
    a, b = both_orders(json_files, raw_files)
    print(f"{len(json_files)} topics, {len(a)} / {len(b)} export lines; "
          f"differing lines: {differing(a, b)} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
