"""How fast each HTML parser reads the big saved pages in ../shared/data, in posts per second.

    .venv/bin/python bench/parse_speed.py [--repeat 7] [--json] [--profile GROUP]

Each group is a set of real pages and the parser that reads them (the format's own parser as
`scraper.parse` calls it, decoding included; `normalise`, shared by every format, is left out).
A group's figure is its posts over the best CPU time (`time.process_time`) of `--repeat` passes
over all its pages: the machine is shared, and the best pass is the one least disturbed.
`--profile GROUP` prints where one group's time goes (cProfile, by own time and by cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scraper.generic as generic  # noqa: E402
from bench import machine as bench_machine  # noqa: E402
from scraper.detect import detect, parser_for  # noqa: E402
from scraper.models import ParseError, Thread  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SA = "awful-somethingawful-vb3"
AVALANCHES = "theavalanches-phpbb-wayback"
NETTALLY = "nettally-fixtures"

Parse = Callable[[bytes, str], list[Thread]]


def own_parser(data: bytes, name: str) -> list[Thread]:
    """The parser `scraper.parse` would pick for the page, without the shared clean-up."""
    fmt = detect(data, name)
    return parser_for(fmt)(data, name, fmt)


def generic_parser(data: bytes, name: str) -> list[Thread]:
    return generic.parse(data, name)


def _pages(folder: str, pattern: str = "*.html") -> list[Path]:
    return sorted((DATA / folder).rglob(pattern))


def groups() -> dict[str, tuple[str, Parse, list[Path]]]:
    """Name -> (what it is, parser, pages). Groups whose pages are absent are left out."""
    more = [p for p in _pages("more-engines") if "pipermail" not in p.parts]
    table: dict[str, tuple[str, Parse, list[Path]]] = {
        "vbulletin-sa": ("vBulletin HTML, Something Awful vB3 pages", own_parser, _pages(SA)),
        "vbulletin-nettally": ("vBulletin HTML, vB3/4/5 pages", own_parser,
                               _pages(NETTALLY, "vBulletin*.html")),
        "phpbb-avalanches": ("phpBB, The Avalanches Wayback pages", own_parser, _pages(AVALANCHES)),
        "phpbb-nettally": ("phpBB, prosilver page", own_parser, _pages(NETTALLY, "phpBB.html")),
        "generic-more": ("generic extractor, more-engines pages", own_parser, more),
        "generic-sa": ("generic extractor on the SA vB3 pages", generic_parser, _pages(SA)),
        "generic-avalanches": ("generic extractor on the Avalanches phpBB pages", generic_parser,
                               _pages(AVALANCHES)),
        "xenforo": ("XenForo 1/2 HTML", own_parser, _pages(NETTALLY, "Xenforo*.html")),
        "discourse-html": ("Discourse crawler view", own_parser,
                           _pages("discourse-crawler-html", "*.response")),
        "nodebb": ("NodeBB HTML", own_parser, _pages(NETTALLY, "NodeBB.html")),
    }
    return {k: v for k, v in table.items() if v[2]}


def one_pass(parse: Parse, pages: list[tuple[str, bytes]]) -> int:
    posts = 0
    for name, data in pages:
        try:
            posts += sum(len(t.posts) for t in parse(data, name))
        except ParseError:
            pass  # a page the parser refuses counts no posts, as in an ingest
    return posts


def measure(parse: Parse, paths: list[Path], repeat: int) -> dict[str, Any]:
    pages = [(p.name, p.read_bytes()) for p in paths]
    posts = one_pass(parse, pages)  # warm-up: imports, regex compiles
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        one_pass(parse, pages)
        times.append(time.process_time() - t0)
    best = min(times)
    return {"pages": len(pages), "kb": sum(len(d) for _, d in pages) / 1024, "posts": posts,
            "best_s": best, "median_s": sorted(times)[len(times) // 2],
            "posts_per_s": posts / best if best else 0.0}


def machine() -> dict[str, Any]:
    import lxml.etree

    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            **bench_machine.machine(), "lxml": ".".join(map(str, lxml.etree.LXML_VERSION[:3]))}


def profile(parse: Parse, paths: list[Path], rows: int = 25) -> None:
    pages = [(p.name, p.read_bytes()) for p in paths]
    one_pass(parse, pages)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        one_pass(parse, pages)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(rows)
    stats.sort_stats("cumulative").print_stats(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", nargs="*", help="Group names to time (default: all).")
    ap.add_argument("--profile", metavar="GROUP", help="Print cProfile of one group instead.")
    args = ap.parse_args()
    table = groups()
    if not table:
        sys.exit(f"no pages under {DATA}")
    if args.profile:
        _, parse, paths = table[args.profile]
        profile(parse, paths)
        return
    m = machine()
    results = {name: {"what": what, **measure(parse, paths, args.repeat)}
               for name, (what, parse, paths) in table.items()
               if not args.only or name in args.only}
    if args.json:
        print(json.dumps({"machine": m, "repeat": args.repeat, "groups": results}, indent=1))
        return
    print(f"{m['date']}, {m['cpu']} ({m['cores']} cores), Python {m['python']}, lxml {m['lxml']}, "
          f"commit {m['commit']}, load average {m['load_avg']}; best of {args.repeat}, CPU time")
    print(f"{'group':20} {'pages':>5} {'KB':>6} {'posts':>6} {'best ms':>8} {'posts/s':>8}  what")
    for name, r in results.items():
        print(f"{name:20} {r['pages']:5} {r['kb']:6.0f} {r['posts']:6} {r['best_s'] * 1000:8.1f} "
              f"{r['posts_per_s']:8,.0f}  {r['what']}")


if __name__ == "__main__":
    main()
