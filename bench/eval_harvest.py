"""How well does `scraper.parse` read the thread pages of the fhgr/harvest gold corpus?

    .venv/bin/python bench/eval_harvest.py [--gold PATH] [--json] [--verbose]

fhgr/harvest (Apache-2.0) holds ~100 real forum pages of ~50 sites with every post annotated by
hand: its author, date and text. It is the nearest thing we have to the issue's held-out pages,
and it is not in CI: `--gold` is the bare git dir of a clone (default: the local mirror) or a
folder of its `corpus/goldDocuments/*.json`.

Each page's `html` is encoded as UTF-8 and named from its url, then read as `kb ingest` reads a
file (`scraper.parse`: detection, the format's parser, normalise). Fields per page, as
tests/test_more_engines_html.py counts them: the post count, and per gold post its author and
its text.

- Alignment: gold posts and ours are paired in page order by the alignment (dynamic
  programming, no crossing pairs) that gets most fields right; ties keep more pairs. A gold post
  left without a partner has both its fields wrong; a post of ours without one costs the count.
- Author: gold gives the name, or (on most sites) the href of the author's profile link; an href
  is resolved to the text of the page's links to it. Compared with whitespace collapsed and case
  folded. An href whose links all read the same as other members' ("Quote") resolves to no name:
  that field is not scored (reported as `unscored`).
- Text: gold post text includes the quotes, so the first six words of our own text (tokens of
  letters and digits, case folded) must occur in order in the gold text, starting at one token
  and spread over at most 12. They must also not be words of an earlier gold post unless they
  open this one: a reply whose quote of the post above was kept as its own words is wrong. An
  empty own text is right when the gold text is empty or lies within our quotes.

- Dates, apart from the fields (the figures above stay comparable): a paired post is dated
  right when its `posted_at` names the day its gold date shows, read by `shown_date` (a day
  either side when ours carries its zone: the page shows local time); a gold date that names
  no day ("2 days ago") is not scored.

Pages: those whose file is in ../shared/data/more-engines (expect.json "source") are reported
apart. The others are split before any tuning, by site and file name: the first page of each
site is for tuning, the second is held out (a site with a page in more-engines has its other
page held out). Tune on "tuning" only; "held-out" is the honest figure, with the caveat that
its pages come from the sites tuned on (another page of the same template), not from new
sites. (A split by a hash of the host, tried first, put all five pages that yield nothing into
held-out sites, leaving the worst failure nothing to be tuned on; it was dropped before any
extraction code changed.)

Baseline, measured 2026-12-02 21:31 UTC (the machine's `date`) at main ad7fbae,
`.venv/bin/python bench/eval_harvest.py`:

    tuning       75.2% of 1309 fields on 44 pages (9 below 80%), nothing from 2
    held-out     86.9% of 1309 fields on 50 pages (11 below 80%), nothing from 3
    more-engines 100.0% of 132 fields on 8 pages
    other        81.0% of 2618 fields on 94 pages (20 below 80%), nothing from 5

After the accuracy work of branch harvest-eval, 2026-12-02 22:16 UTC at ca270e4, same command:

    tuning       97.3% of 1309 fields on 44 pages (1 below 80%), nothing from 0
    held-out     96.5% of 1309 fields on 50 pages (3 below 80%), nothing from 0
    more-engines 100.0% of 132 fields on 8 pages
    other        96.9% of 2618 fields on 94 pages (4 below 80%), nothing from 0

(Pages below 80%: medschat.com both pages, the body is loose text beside "<b>name</b> Says:";
medhelp.org and the second healthunlocked.com page, the opening post is built unlike the
replies and is missed. The scorer also counts smiley alt text kept in the words, ":mrgreen:",
as wrong, where expect.json's alt_first_words would accept it.)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_GOLD = Path("/work/.mirror/fhgr+harvest/repo")
GOLD_DIR = "corpus/goldDocuments"
MORE = ROOT.parent / "shared" / "data" / "more-engines" / "expect.json"
WORDS = 6


@dataclass
class PageScore:
    file: str
    host: str
    half: str  # "more-engines", "tuning" or "held-out"
    parser: str
    gold_posts: int
    posts: int
    right: int = 0
    total: int = 0
    unscored: int = 0
    dates_right: int = 0  # apart from the fields: the day of each paired post whose gold date
    dates: int = 0  # reads as a day (not "2 days ago")
    error: str = ""
    wrong: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


# --------------------------------------------------------------------------- gold pages

def gold_documents(gold: Path) -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) of every gold page, from a bare git dir or a folder."""
    if (gold / "HEAD").exists() and (gold / "objects").exists():
        def git(*args: str) -> str:
            return subprocess.run(["git", f"--git-dir={gold}", *args], check=True,
                                  capture_output=True, text=True).stdout
        names = git("ls-tree", "-r", "--name-only", "HEAD", GOLD_DIR).split("\n")
        return [(Path(n).name, json.loads(git("show", f"HEAD:{n}"))) for n in names if n]
    folder = gold / GOLD_DIR if (gold / GOLD_DIR).is_dir() else gold
    return [(p.name, json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(folder.glob("*.json"))]


def more_engines_files() -> set[str]:
    """The gold files ../shared/data/more-engines copied a page from."""
    if not MORE.exists():
        return set()
    sources = [p.get("source", "") for p in json.loads(MORE.read_text(encoding="utf-8"))]
    return {Path(s.split(":", 1)[1]).name for s in sources if s.startswith("fhgr/harvest@")}


def halves(docs: list[tuple[str, dict[str, Any]]], in_more: set[str]) -> dict[str, str]:
    """Each file's half: the first page of a site (by file name) is for tuning, the second is
    held out; a site with a page in more-engines has its other page held out."""
    by_host: dict[str, list[str]] = {}
    for f, d in sorted(docs, key=lambda fd: (fd[0] not in in_more, fd[0])):
        by_host.setdefault(urlparse(d["url"]).hostname or "", []).append(f)
    out = {}
    for files in by_host.values():
        for k, f in enumerate(files):
            out[f] = "more-engines" if f in in_more else "tuning" if k == 0 else "held-out"
    return out


# --------------------------------------------------------------------------- comparing

def tokens(text: str) -> list[str]:
    text = re.sub(r"<[^>]{0,200}>", " ", text or "")  # a few gold texts kept their <p> tags
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def _name(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def _is_href(user: str) -> bool:
    return bool(re.search(r"[/?=]|\.php|^javascript:", user))


def gold_authors(doc: dict[str, Any]) -> list[str | None]:
    """Each gold post's author as displayed: a profile href read as its links' text; None
    where the gold names no one we can read."""
    from lxml import html as lxml_html

    users = [(a.get("user") or {}).get("surface_form") or "" for a in
             doc["gold_standard_annotation"]]
    hrefs = {u for u in users if _is_href(u)}
    texts: dict[str, Counter[str]] = {h: Counter() for h in hrefs}
    if hrefs:
        for a in lxml_html.fromstring(doc["html"].encode("utf-8", "surrogatepass")).iter("a"):
            h = a.get("href")
            if h in texts:
                t = " ".join(a.text_content().split())
                if 0 < len(t) <= 60:
                    texts[h][t] += 1
    # The name over a letter avatar ("B" for Blobba) is a link to the profile too.
    names = {h: max(c, key=lambda t: (len(t) > 1, c[t], -len(t))) if c else None
             for h, c in texts.items()}
    clash = Counter(n for n in names.values() if n)
    return [(names[u] if clash[names[u] or ""] == 1 or len(hrefs) == 1 else None)
            if u in hrefs else (u or None) for u in users]


def _occurs(words: list[str], gold: list[str]) -> int:
    """Where `words` start in `gold`, in order within a short span; -1 if not."""
    for i, g in enumerate(gold):
        if g != words[0]:
            continue
        k = 1
        for g2 in gold[i + 1:i + 2 * WORDS]:
            if k < len(words) and g2 == words[k]:
                k += 1
        if k == len(words):
            return i
    return -1


def text_right(post: Any, gold: list[str], earlier: list[list[str]]) -> bool:
    own = tokens(post.body)[:WORDS]
    if not own:
        quoted = [t for q in post.quotes for t in tokens(q.text)]
        return not gold or _occurs(gold[:WORDS], quoted) >= 0
    at = _occurs(own, gold)
    if at < 0:
        return False
    return at == 0 or not any(_occurs(own, e) >= 0 for e in earlier)


# --------------------------------------------------------------------------- one page

def align(gold_n: int, ours_n: int, score: Any) -> list[tuple[int, int]]:
    """The order-keeping pairing (gold i, ours j) with the most fields right, ties to more pairs."""
    best = [[0.0] * (ours_n + 1) for _ in range(gold_n + 1)]
    for i in range(gold_n - 1, -1, -1):
        for j in range(ours_n - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1],
                             best[i + 1][j + 1] + score(i, j) + 1e-3)
    pairs, i, j = [], 0, 0
    while i < gold_n and j < ours_n:
        if best[i][j] == best[i + 1][j + 1] + score(i, j) + 1e-3:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def score_dates(doc: dict[str, Any], posts: list[Any], pairs: dict[int, int]) -> tuple[int, int]:
    """(posts dated on the right day, gold dates that name a day). A gold post without a
    partner has its date wrong."""
    from scraper.fields import shown_date

    right = scored = 0
    for i, gold in enumerate(doc["gold_standard_annotation"]):
        shown = (gold.get("datetime") or {}).get("surface_form")
        day = shown_date(" ".join(shown.split())) if shown else None
        if not day:
            continue
        scored += 1
        j = pairs.get(i)
        right += j is not None and _same_day(posts[j].posted_at or "", day)
    return right, scored


def _same_day(ours: str, shown: str) -> bool:
    """Does our stamp name the day the page shows? A stamp with its zone (UTC from the
    markup) may be a day off the page's local clock."""
    from datetime import date

    if ours[:10] == shown[:10]:
        return True
    zoned = ours.endswith("Z") or re.search(r"[+-]\d\d:?\d\d$", ours) is not None
    try:
        return zoned and abs((date.fromisoformat(ours[:10]) - date.fromisoformat(shown[:10])).days) == 1
    except ValueError:
        return False


def score_page(doc: dict[str, Any], posts: list[Any]
               ) -> tuple[int, int, int, list[str], dict[int, int]]:
    """(fields right, fields scored, author fields not scored, what was wrong, the pairing)."""
    gold = doc["gold_standard_annotation"]
    authors = gold_authors(doc)
    texts = [tokens(a["post_text"]["surface_form"]) for a in gold]
    fields: dict[tuple[int, int], tuple[bool, bool]] = {}

    def both(i: int, j: int) -> tuple[bool, bool]:
        if (i, j) not in fields:
            fields[i, j] = (authors[i] is not None and _name(authors[i]) == _name(posts[j].author),
                            text_right(posts[j], texts[i], texts[:i]))
        return fields[i, j]

    pairs = dict(align(len(gold), len(posts), lambda i, j: sum(both(i, j))))
    right, wrong = int(len(posts) == len(gold)), []
    if not right:
        wrong.append(f"count {len(posts)} != {len(gold)}")
    for i in range(len(gold)):
        j = pairs.get(i)
        a, t = both(i, j) if j is not None else (False, False)
        right += a + t
        if not a and authors[i] is not None:
            wrong.append(f"#{i + 1} author {posts[j].author if j is not None else None!r} "
                         f"!= {authors[i]!r}")
        if not t:
            ours = " ".join(posts[j].body.split()[:WORDS]) if j is not None else None
            wrong.append(f"#{i + 1} text {ours!r} !~ {' '.join(texts[i][:WORDS])!r}")
    unscored = sum(a is None for a in authors)
    return right, 1 + 2 * len(gold) - unscored, unscored, wrong, pairs


def run_page(file: str, doc: dict[str, Any], half: str) -> PageScore:
    import scraper
    from scraper.detect import detect

    url = urlparse(doc["url"])
    name = re.sub(r"[^\w.-]+", "_", f"{url.hostname}{url.path}?{url.query}").strip("_") + ".html"
    data = doc["html"].encode("utf-8", "surrogatepass")
    s = PageScore(file, url.hostname or "", half, "", len(doc["gold_standard_annotation"]), 0)
    try:
        s.parser = detect(data, name)
        posts = [p for t in scraper.parse(data, name) for p in t.posts]
    except Exception as e:  # noqa: BLE001 - a ParseError or a crash: the page yields nothing
        posts, s.error = [], f"{type(e).__name__}: {e}"
    s.posts = len(posts)
    s.right, s.total, s.unscored, s.wrong, pairs = score_page(doc, posts)
    s.dates_right, s.dates = score_dates(doc, posts, pairs)
    return s


# --------------------------------------------------------------------------- report

def summary(scores: list[PageScore]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for half in ("tuning", "held-out", "more-engines", "other"):
        group = [s for s in scores if s.half == half or half == "other" and s.half != "more-engines"]
        right, total = sum(s.right for s in group), sum(s.total for s in group)
        out[half] = {"pages": len(group), "fields": total, "right": right,
                     "accuracy": round(right / total, 4) if total else None,
                     "mean_page": round(sum(s.accuracy for s in group) / len(group), 4)
                     if group else None,
                     "pages_below_80": sum(s.accuracy < 0.8 for s in group),
                     "dates": sum(s.dates for s in group),
                     "dates_right": sum(s.dates_right for s in group),
                     "nothing": [s.file for s in group if not s.posts]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="print what was wrong on each page")
    args = ap.parse_args(argv)
    if not args.gold.exists():
        print(f"{args.gold} absent: clone github.com/fhgr/harvest and pass --gold PATH "
              "(the clone, its bare git dir or its corpus/goldDocuments)", file=sys.stderr)
        return 2
    docs = gold_documents(args.gold)
    half = halves(docs, more_engines_files())
    scores = [run_page(f, d, half[f]) for f, d in docs]
    totals = summary(scores)
    if args.json:
        print(json.dumps({"pages": [{**asdict(s), "accuracy": round(s.accuracy, 4)}
                                    for s in scores], "summary": totals}, indent=1))
        return 0
    for s in sorted(scores, key=lambda s: (s.half, s.file)):
        print(f"{s.accuracy:7.1%} {s.half:12} {s.parser or '-':16} {s.posts:3}/{s.gold_posts:<3} "
              f"{s.file[:70]}{'  ' + s.error[:60] if s.error else ''}")
        if args.verbose:
            print("        " + "; ".join(s.wrong[:8]) + f" (dates {s.dates_right}/{s.dates})")
    for half, t in totals.items():
        print(f"{half:12} {t['accuracy']:.1%} of {t['fields']} fields on {t['pages']} pages "
              f"(mean page {t['mean_page']:.1%}, {t['pages_below_80']} below 80%), "
              f"nothing from {len(t['nothing'])}: {', '.join(t['nothing'])}; "
              f"dated on the right day {t['dates_right']} of {t['dates']} posts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
