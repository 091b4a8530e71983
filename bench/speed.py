"""The README's speed table, regenerated from scratch in one run, with the ratios issue 13 asks for.

    .venv/bin/python bench/speed.py            # ~10 min: esk8 dump, 147k replicas, 1 vs 2 workers
    .venv/bin/python bench/speed.py --quick    # ~1 min: 300 esk8 topics, short load runs
    .venv/bin/python bench/speed.py --large    # adds ~515k posts (7 replicas): ask, ranking, cold
    .venv/bin/python bench/speed.py --json     # the same figures as JSON

Absolute figures move between machines and with the load on them; the ratios compare things
measured side by side in this run. Ingest: `kb ingest` (the CLI, a child process, end to end)
against the store-only library ingest (`kb.ingest.ingest`: parse + SQLite, no index) and a
minimal reference ingest (`reference_ingest`) of the same files on disk. Ask: in-process warm
p50/p99 over the same questions; kb's ranking against bm25s over the same posts and analyser;
cold `kb ask` against cold `kb --help`. Web: `/api/ask` req/s on `kb serve --workers 1` and
`--workers 2`, alternated. Runs that repeat (load, cold starts) show their range.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import ingest as replicas  # noqa: E402
from bench import machine as bench_machine  # noqa: E402
from bench import web_load  # noqa: E402
from bench.query import EVERYDAY  # noqa: E402

ESK8 = "esk8-builders-discourse-md"
NAMES = {"esk8": "esk8 dump", "replicas": "147k replicas", "large": "~515k replicas"}
LARGE_COPIES = 7  # 7 x 73,550 posts: ~515k, the size the issue measured at
# Post headers of the two dumps: esk8's "## \#3 Posted by: ..." and Urho3D's "name | date | #3".
POST_HEAD = re.compile(r"^(?:## \\#\d+ Posted by: .*|\S.* \| .+ \| #\d+)$", re.M)


def reference_ingest(paths: Iterable[str], db_path: Path) -> int:
    """The floor: read each file, split it at post headers, analyse each post with kb's own
    tokeniser, insert rows into SQLite (one transaction). Returns the posts stored."""
    from kb.text import tokens

    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE post (id INTEGER PRIMARY KEY, file TEXT, n INTEGER, body TEXT, "
               "terms TEXT)")
    stored = 0
    with db:
        for path in paths:
            text = Path(path).read_bytes().decode("utf-8", "replace")
            bodies = POST_HEAD.split(text)[1:]
            db.executemany("INSERT INTO post (file, n, body, terms) VALUES (?, ?, ?, ?)",
                           [(path, n, b, " ".join(tokens(b))) for n, b in enumerate(bodies, 1)])
            stored += len(bodies)
    db.close()
    return stored


def kb_cmd(data_dir: Path | None, *args: str) -> list[str]:
    """`python -m kb` of this checkout (the venv's `kb` script may belong to another one)."""
    head = [sys.executable, "-m", "kb"] + (["--data-dir", str(data_dir)] if data_dir else [])
    return head + list(args)


def run_kb(data_dir: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(kb_cmd(data_dir, *args), capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def ingest_figures(files_dir: Path, work: Path, keep: Path) -> dict[str, Any]:
    """`kb ingest` into `keep`, store-only and reference ingest of the files under `files_dir`."""
    from kb.config import STORE_FILE
    from kb.ingest import expand, ingest, read_sources
    from kb.store.sqlite import SQLiteStore as Store

    paths = expand([str(files_dir)])
    cli_s, done = timed(lambda: run_kb(keep, "ingest", "--json", "--quiet", str(files_dir)))
    posts = json.loads(done.stdout)["posts"]["added"]
    store = Store(work / "store-only" / STORE_FILE)
    store_s, summary = timed(lambda: ingest(read_sources(paths), store))
    store.close()
    ref_s, ref_posts = timed(lambda: reference_ingest(paths, work / "reference.sqlite3"))
    return {"files": len(paths), "posts": posts, "kb_ingest_s": cli_s, "store_only_s": store_s,
            "store_only_posts": summary.added, "reference_s": ref_s, "reference_posts": ref_posts}


def write_replicas(dest: Path, copies: int) -> Path:
    """bench/ingest.py's replicas (Urho3D + esk8, `copies` times, ids shifted) as files on disk."""
    for copy in range(copies):
        for name, data in replicas.load(ROOT.parent / "shared" / "data"):
            path = dest / replicas.renamed(name, copy)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data + b"\n" * copy)  # identical bytes would count as unchanged
    return dest


def pcts(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {"p50_ms": statistics.median(ms), "p99_ms": web_load.pct(ms, 0.99)}


def warmed(data_dir: Path, questions: int) -> tuple[Any, list[str]]:
    """The knowledge base in `data_dir`, brought up to its store, and the benchmark's questions,
    the first five asked once to warm the page cache and the rankers' arrays."""
    from kb.answer import ask
    from kb.knowledge import KB

    kb = KB(data_dir)
    kb.ensure_fresh()
    qs = web_load.questions(data_dir, questions - len(EVERYDAY))[len(web_load.FIXED):]
    qs = (EVERYDAY + qs)[:questions]
    for q in qs[:5]:
        ask(kb, q)
    return kb, qs


def ask_figures(data_dir: Path, questions: int, cold_runs: int) -> dict[str, Any]:
    """Warm `ask`, kb's ranking against bm25s (top 10), cold `kb ask` against cold `kb --help`."""
    import bm25s

    from bench.rankers import rank_by
    from kb.answer import ask
    from kb.query import parse_query
    from kb.text import tokens

    kb, qs = warmed(data_dir, questions)
    out: dict[str, Any] = {"posts": kb.store.stats()["posts"], "questions": len(qs)}
    out["ask"] = pcts([timed(lambda q=q: ask(kb, q))[0] * 1000 for q in qs])
    parsed = [parse_query(q) for q in qs]
    out["rank_kb"] = pcts([timed(lambda p=p: rank_by(kb, p, 10, "kb"))[0] * 1000 for p in parsed])
    posts = kb.store.changes(0)[0]
    kb.close()
    model = bm25s.BM25(k1=1.5, b=0.75)
    model.index([tokens(f"{p.title} {p.body}" if p.post_number == 1 else p.body) for p in posts],
                show_progress=False)
    analysed = [tokens(q) or [""] for q in qs]
    out["rank_bm25s"] = pcts([timed(lambda a=a: model.retrieve(
        [a], k=10, show_progress=False, n_threads=1))[0] * 1000 for a in analysed])
    helps, asks = [], []
    for _ in range(cold_runs):  # alternated, so a burst of load on the machine hits both
        helps.append(timed(lambda: run_kb(None, "--help"))[0] * 1000)
        asks.append(timed(lambda: run_kb(data_dir, "ask", EVERYDAY[0]))[0] * 1000)
    out["cold_help_ms"], out["cold_ask_ms"] = sorted(helps), sorted(asks)
    return out


def warm_asks(data_dirs: list[Path], questions: int, rounds: int) -> list[list[float]]:
    """Warm `ask` p50 (ms) of each data dir, the dirs taken in turn `rounds` times, so that a
    change in the machine's load during the run weighs on every size alike. Each turn is a
    process of its own, as a user's `kb` is: two knowledge bases in one process share its
    caches, and the larger came out slower than alone."""
    out: list[list[float]] = [[] for _ in data_dirs]
    for _ in range(rounds):
        for i, d in enumerate(data_dirs):
            done = subprocess.run([sys.executable, __file__, "--warm-ask", str(d),
                                   "--questions", str(questions)], capture_output=True,
                                  text=True, check=True, cwd=ROOT)
            out[i].append(float(done.stdout.strip()))
    return out


def warm_ask_p50(data_dir: Path, questions: int) -> float:
    """Warm `ask` p50 (ms) over the usual questions, after five to warm up."""
    from kb.answer import ask

    kb, qs = warmed(data_dir, questions)
    p50 = pcts([timed(lambda q=q: ask(kb, q))[0] * 1000 for q in qs])["p50_ms"]
    kb.close()
    return p50


def web_figures(data_dir: Path, runs: list[int], seconds: float, warmup: float) -> dict[str, Any]:
    """/api/ask req/s on gunicorn with each worker count in `runs`, in that order (alternate)."""
    qs = web_load.questions(data_dir, 200)
    out: dict[str, Any] = {}
    for workers in runs:
        r = web_load.measure(data_dir, qs, 4, seconds, warmup, threads=4, workers=workers)
        out.setdefault(str(workers), []).append(r)
    return out


def machine() -> dict[str, Any]:
    return {"date": datetime.date.today().isoformat(), **bench_machine.machine()}


def _span(values: list[float], fmt: str = "{:,.0f}") -> str:
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}–{fmt.format(hi)}"


def ratios(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 13's "Done means", each as (what, measured, target, met) from this run's figures."""
    out: list[dict[str, Any]] = []

    def add(what: str, value: float, target: str) -> None:
        bound = float(target[2:])
        out.append({"what": what, "measured": round(value, 2), "target": target,
                    "met": value <= bound if target.startswith("≤") else value >= bound})

    for key, label in NAMES.items():
        if key in r["ingest"] and "reference_s" in r["ingest"][key]:
            i = r["ingest"][key]
            label = "esk8, first 300 topics" if key == "esk8" and r["quick"] else label
            add(f"`kb ingest` / store-only ingest, {label}", i["kb_ingest_s"] / i["store_only_s"], "≤ 1.3")
            add(f"`kb ingest` / reference ingest, {label}", i["kb_ingest_s"] / i["reference_s"], "≤ 3")
    sizes = sorted(r["ask"], key=lambda k: r["ask"][k]["posts"])
    big = r["ask"][sizes[-1]]
    at = f"at {big['posts']:,} posts"
    add(f"kb ranking p50 / bm25s p50, {at}", big["rank_kb"]["p50_ms"] / big["rank_bm25s"]["p50_ms"], "≤ 0.8")
    add(f"kb ranking p99 / bm25s p99, {at}", big["rank_kb"]["p99_ms"] / big["rank_bm25s"]["p99_ms"], "≤ 1")
    if len(sizes) > 1:
        small = r["ask"][sizes[0]]
        turns = r.get("ask_alternated")
        if turns:  # measured in turns: the figures' medians
            ratio = statistics.median(turns["large"]) / statistics.median(turns["small"])
            how = f" (medians of {len(turns['large'])} alternated runs)"
        else:
            ratio, how = big["ask"]["p50_ms"] / small["ask"]["p50_ms"], ""
        add(f"`ask` warm p50 at {big['posts']:,} / at {small['posts']:,} posts{how}",
            ratio, "≤ 1.5")
    add(f"cold `kb ask` / cold `kb --help`, {at} (medians)",
        statistics.median(big["cold_ask_ms"]) / statistics.median(big["cold_help_ms"]), "≤ 4")
    web = r["web"]
    if "1" in web and "2" in web:
        one = statistics.median(x["req_s"] for x in web["1"])
        two = statistics.median(x["req_s"] for x in web["2"])
        add("`/api/ask` req/s, 2 workers / 1 worker (medians)", two / one, "≥ 1.7")
    return out


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores), Python {m['python']}, "
             f"commit {m['commit']}, load average {m['load_avg']:.1f} at the start: "
             f"`{r['command']}`", "", "| what | figure |", "|---|---|"]
    for key, i in r["ingest"].items():
        what = f"{i['posts']:,} posts, {i['files']:,} files"
        name = NAMES[key] if key != "esk8" or not r["quick"] else "esk8, first 300 topics"
        for label, secs in (("`kb ingest` (CLI, end to end)", i["kb_ingest_s"]),
                            ("store-only ingest (parse + SQLite)", i.get("store_only_s")),
                            ("reference ingest (split, tokenise, SQLite)", i.get("reference_s"))):
            if secs:
                lines.append(f"| {label}, {name} ({what}) | {secs:.1f} s, "
                             f"{i['posts'] / secs:,.0f} posts/s |")
    for a in r["ask"].values():
        at = f"at {a['posts']:,} posts, {a['questions']} questions"
        lines.append(f"| `ask` in-process, warm, {at} | p50 {a['ask']['p50_ms']:.1f} ms, "
                     f"p99 {a['ask']['p99_ms']:.1f} ms |")
        lines.append(f"| ranking, top 10: kb / bm25s, {at} | p50 {a['rank_kb']['p50_ms']:.1f} / "
                     f"{a['rank_bm25s']['p50_ms']:.1f} ms, p99 {a['rank_kb']['p99_ms']:.1f} / "
                     f"{a['rank_bm25s']['p99_ms']:.1f} ms |")
        lines.append(f"| cold `kb --help` / `kb ask`, at {a['posts']:,} posts "
                     f"({len(a['cold_ask_ms'])} runs each) | {_span(a['cold_help_ms'])} / "
                     f"{_span(a['cold_ask_ms'])} ms |")
    turns = r.get("ask_alternated")
    if turns:
        lines.append(f"| `ask` warm p50, the two sizes in turns ({len(turns['small'])} runs "
                     f"each), smaller / larger | {_span(turns['small'], '{:.1f}')} / "
                     f"{_span(turns['large'], '{:.1f}')} ms |")
    for workers, runs in r["web"].items():
        lines.append(f"| `/api/ask`, `kb serve --workers {workers}` (gunicorn × 4 threads), 4 "
                     f"clients, {len(runs)} run(s) | {_span([x['req_s'] for x in runs], '{:,.1f}')}"
                     f" req/s, p99 {_span([x['p99_ms'] for x in runs])} ms, server on "
                     f"{_span([x['server_cores'] for x in runs], '{:.2f}')} cores |")
    lines += ["", "| ratio (this run) | measured | target | met |", "|---|---|---|---|"]
    lines += [f"| {x['what']} | {x['measured']:.2f} | {x['target']} | {'yes' if x['met'] else 'no'} |"
              for x in r["ratios"]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small subset, about a minute")
    ap.add_argument("--large", action="store_true", help="also ~515k posts (long: builds them)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--warm-ask", type=Path, metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--questions", type=int, default=100, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.warm_ask:  # one turn of `warm_asks`, in a process of its own
        print(warm_ask_p50(args.warm_ask, args.questions))
        return
    r: dict[str, Any] = {"machine": machine(), "command": "bench/speed.py " + " ".join(sys.argv[1:]),
                         "quick": args.quick, "ingest": {}, "ask": {}, "web": {}}
    def say(s: str) -> None:
        print(s, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="kb-speed-") as tmp:
        work = Path(tmp)
        esk8 = args.data / ESK8
        if args.quick:  # the first 300 topics of the dump, copied aside
            from kb.ingest import expand

            esk8 = work / "esk8-quick"
            for i, path in enumerate(p for p in expand([str(args.data / ESK8)]) if p.endswith(".md")):
                if i < 300 and re.match(r"\d+_", Path(path).name):
                    esk8.mkdir(exist_ok=True)
                    shutil.copy(path, esk8 / f"{i:04d}_{Path(path).name}")
        say(f"ingest: {esk8}")
        (work / "e").mkdir()
        r["ingest"]["esk8"] = ingest_figures(esk8, work / "e", work / "esk8-data")
        served = work / "esk8-data"
        if not args.quick:
            say("ingest: the 147k replicas")
            (work / "r").mkdir()
            files = write_replicas(work / "replica-files", 2)
            r["ingest"]["replicas"] = ingest_figures(files, work / "r", work / "147k-data")
            shutil.rmtree(files)
            served = work / "147k-data"
        say(f"ask: {served}")
        r["ask"]["main"] = ask_figures(served, 30 if args.quick else 100, 3 if args.quick else 5)
        if args.large:
            say(f"ingest: {LARGE_COPIES} replicas (~515k posts), `kb ingest` alone")
            files = write_replicas(work / "large-files", LARGE_COPIES)
            secs, done = timed(lambda: run_kb(work / "large-data", "ingest", "--json", "--quiet",
                                              str(files)))
            r["ingest"]["large"] = {"files": sum(1 for _ in files.rglob("*.md")), "kb_ingest_s": secs,
                                    "posts": json.loads(done.stdout)["posts"]["added"]}
            shutil.rmtree(files)
            r["ask"]["large"] = ask_figures(work / "large-data", 100, 5)
            say("ask: both sizes in turns")
            small, large = warm_asks([served, work / "large-data"], 100, 3)
            r["ask_alternated"] = {"small": small, "large": large}
        say(f"web: {served}")
        runs = [1, 2, 1, 2]  # alternated: a burst of load elsewhere hits both counts
        r["web"] = web_figures(served, runs, 5 if args.quick else 20, 1 if args.quick else 3)
    r["ratios"] = ratios(r)
    print(json.dumps(r, indent=2) if args.json else markdown(r))


if __name__ == "__main__":
    main()
