"""How `scraper.parse` reads pages it was never tuned on: a random sample of a forum mirror's
thread pages, with no labels, counted for what a reader would see go wrong.

    .venv/bin/python bench/eval_mirrors.py GIT_DIR PATTERN [--sample 80] [--seed 7] [--json]

GIT_DIR is the bare git dir of a repository that archives a forum (`fetch` brings one to
/work/.mirror/<owner>+<name>/repo), PATTERN a regular expression the sampled paths match in
full. The mirrors the more-engines pages come from, each with another site's pages of the same
engine (the issue's held-out pages are such pages):

    /work/.mirror/openenergymonitor+forum-archive/repo 'node/[0-9]+\\.html'        (Drupal 6)
    /work/.mirror/29th+vanilla-forums-archive/repo \\
        'html/vanilla.29th.org/discussion/[0-9]+/[^/]+/index\\.html'               (Vanilla 2)
    ... 'forum/.*' and '.../(categories|discussions)/.*index\\.html': the boards' lists

Per sample: pages, pages that give nothing (with each reason: a page that is no thread, such
as "Page not found" or a board's list, is right to), posts, posts without an author, posts
without a date, posts with neither words nor quotes. Without labels this says nothing of
whether an author or a text is the right one: eval_harvest.py does, on its gold pages.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scraper  # noqa: E402
from scraper.models import ParseError  # noqa: E402


def sample(git_dir: str, pattern: str, n: int, seed: int) -> list[str]:
    listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", "HEAD"],
                             check=True, capture_output=True, text=True).stdout.splitlines()
    paths = sorted(p for p in listing if re.fullmatch(pattern, p))
    return sorted(random.Random(seed).sample(paths, min(n, len(paths))))


def read(git_dir: str, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"],
                          check=True, capture_output=True).stdout


def check(git_dir: str, paths: list[str]) -> dict[str, object]:
    counts: Counter[str] = Counter()
    nothing: list[tuple[str, str]] = []
    for path in paths:
        counts["pages"] += 1
        try:
            threads = scraper.parse(read(git_dir, path), Path(path).name)
        except ParseError as e:
            nothing.append((path, str(e)))
            continue
        for post in (p for t in threads for p in t.posts):
            counts["posts"] += 1
            counts["no author"] += not post.author
            counts["undated"] += not post.posted_at
            counts["no words nor quotes"] += not post.body.strip() and not post.quotes
    return {**counts, "nothing": nothing}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("git_dir")
    ap.add_argument("pattern")
    ap.add_argument("--sample", type=int, default=80)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = check(args.git_dir, sample(args.git_dir, args.pattern, args.sample, args.seed))
    if args.json:
        print(json.dumps(result, indent=1))
        return
    nothing = result.pop("nothing")
    assert isinstance(nothing, list)
    print(", ".join(f"{k} {v}" for k, v in result.items()) + f", giving nothing {len(nothing)}")
    for path, reason in nothing:
        print(f"  {path}: {reason}")


if __name__ == "__main__":
    main()
