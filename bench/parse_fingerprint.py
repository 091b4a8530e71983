"""Everything the HTML parsers read from the pages, as one JSON file and its digest: to check
that a speed change leaves every parse as it was.

    .venv/bin/python bench/parse_fingerprint.py OUT.json   # then diff against a run before

For every HTML page under ../shared/data (and its more-engines pages and Discourse crawler
responses) and tests/fixtures: `scraper.parse` (detected format, normalised) and
`generic.parse` forced on the same page, as bench/parse_speed.py's generic groups read them.
A page a parser refuses is kept as its error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scraper  # noqa: E402
import scraper.generic as generic  # noqa: E402
from scraper.models import Thread  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def pages() -> list[Path]:
    found = set(DATA.rglob("*.html")) | set(DATA.rglob("*.response")) \
        | set((ROOT / "tests" / "fixtures").rglob("*.html")) \
        | {p for p in (DATA / "more-engines").rglob("*") if p.suffix not in (".json", ".txt")}
    return sorted(p for p in found if p.is_file())


def _key(path: Path) -> str:
    """The page's name in the dump, the same from any worktree."""
    if path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    return f"data/{path.relative_to(DATA)}"


def _read(parse: Callable[[bytes, str], list[Thread]], data: bytes, name: str) -> Any:
    try:
        return [dataclasses.asdict(t) for t in parse(data, name)]
    except Exception as e:  # noqa: BLE001 - a refusal is part of the output
        return f"{type(e).__name__}: {e}"


def main() -> None:
    out = {}
    for path in pages():
        data = path.read_bytes()
        out[_key(path)] = {
            "parse": _read(scraper.parse, data, path.name),
            "generic": _read(generic.parse, data, path.name)}
    blob = json.dumps(out, indent=1, sort_keys=True, default=str)
    Path(sys.argv[1]).write_text(blob)
    print(len(out), "pages", hashlib.sha256(blob.encode()).hexdigest()[:16])


if __name__ == "__main__":
    main()
