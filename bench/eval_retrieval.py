"""Retrieval quality of kb on labelled forum data: SemEval-2016 Task 3 (dev) and StackFAQ.

    .venv/bin/python bench/eval_retrieval.py [--data DIR] [--only semeval|stackfaq] [--json]

Each benchmark is converted to kb-jsonl (bench/convert.py), ingested into a fresh data dir in a
temporary folder, and every query is run through kb's rankers (bench/runs.py, bench/rankers.py):
Whoosh alone, BM25F from the counts alone, TF-IDF alone, their reciprocal-rank fusion, and `kb`
(the product's ranking). Scores come from ir-measures
(bench/measures.py). The floors to beat are plain BM25 anchors (bench/bm25.py): over whole threads
for thread ranking, and over single comments (its top 3) for what `kb ask` cites.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import runs  # noqa: E402
from bench.bm25 import bm25_rank, implementation  # noqa: E402
from bench.convert import GOOD, Collection, parse_semeval, parse_stackfaq, post_key  # noqa: E402
from bench.measures import (  # noqa: E402
    COLUMNS,
    RERANK_COLUMNS,
    Rankings,
    evaluate,
    markdown,
    replies_only,
    score_cites,
    threads_from_posts,
    within_judged,
)
from bench.rankers import MODES  # noqa: E402

SEMEVAL = "semeval2016-task3-qatarliving/SemEval2016-Task3-CQA-QL-dev.xml"
STACKFAQ = "stackfaq-webapps/stackExchange-FAQ.xml"
CITE_COLUMNS = ("questions", "cites", "judged", "good", "precision", "good_of_all_cites",
                "questions_with_good", "unanswered")
Tables = dict[str, dict[str, Any]]  # table -> row -> column -> value


# -- SemEval-2016 Task 3 ---------------------------------------------------------------------------


def run_semeval(path: Path) -> dict[str, Any]:
    """Threads and comments ranked for the 50 original questions, and what `kb ask` cites."""
    coll = parse_semeval(path.read_bytes())
    clock = runs.Clock()
    tables: Tables = {"threads": {}, "threads_rerank": {}, "comments": {},
                      "comments_rerank": {}, "cites": {}}
    given = "search engine's order (given)"
    tables["threads_rerank"][given] = evaluate(coll.thread_qrels, coll.given_order,
                                               columns=RERANK_COLUMNS)
    tables["comments_rerank"][given] = evaluate(coll.post_qrels, _given_comments(coll),
                                                binary_at=GOOD, columns=RERANK_COLUMNS)
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        with clock("ingest+index"):
            kb = runs.build_kb(coll, Path(tmp) / "data")
        keys = runs.post_keys(kb)
        for form, queries in coll.queries.items():
            posts = {}
            for mode in MODES:
                with clock(f"{mode} ({form})"):
                    posts[mode] = runs.kb_rankings(kb, keys, queries, mode)
            with clock(f"kb ask ({form})"):
                cited = runs.ask_cites(kb, queries)
            _score_semeval(coll, form, posts, cited, tables)
        out = {"stats": runs.stats(kb, coll), "tables": tables, "seconds": clock.seconds}
        kb.close()
    return out


def _given_comments(coll: Collection) -> Rankings:
    """The benchmark's own order for comments: its threads in search-engine order, then the
    comments in thread order (the official subtask C gold file's IR baseline)."""
    return {q: [post_key(t, n) for t in threads for n in range(2, 12)
                if post_key(t, n) in coll.post_qrels[q]]
            for q, threads in coll.given_order.items()}


def _score_semeval(coll: Collection, form: str, posts: dict[str, Rankings], cited: Rankings,
                   tables: Tables) -> None:
    queries = coll.queries[form]
    threads = {"BM25 whole thread": bm25_rank(runs.thread_docs(coll), queries, runs.DEPTH)}
    threads.update({m: threads_from_posts(r) for m, r in posts.items()})
    comments = {"BM25 comments": bm25_rank(runs.reply_docs(coll), queries, runs.DEPTH)}
    comments.update({m: replies_only(r) for m, r in posts.items()})
    given_comments = _given_comments(coll)
    for name, r in threads.items():
        row = f"{name} ({form})"
        tables["threads"][row] = evaluate(coll.thread_qrels, r)
        tables["threads_rerank"][row] = evaluate(
            coll.thread_qrels, within_judged(r, coll.thread_qrels, coll.given_order),
            columns=RERANK_COLUMNS)
    for name, r in comments.items():
        row = f"{name} ({form})"
        tables["comments"][row] = evaluate(coll.post_qrels, r, binary_at=GOOD)
        tables["comments_rerank"][row] = evaluate(
            coll.post_qrels, within_judged(r, coll.post_qrels, given_comments), binary_at=GOOD,
            columns=RERANK_COLUMNS)
    cites = tables["cites"]
    cites[f"kb ask ({form})"] = score_cites(cited, coll.post_qrels, GOOD).to_dict()
    for name in ("BM25 comments", "kb"):
        top3 = {q: r[:3] for q, r in comments[name].items()}
        cites[f"{name} top 3 ({form})"] = score_cites(top3, coll.post_qrels, GOOD).to_dict()


# -- StackFAQ ----------------------------------------------------------------------------------------


def run_stackfaq(path: Path) -> dict[str, Any]:
    """Paraphrased questions -> their thread."""
    coll = parse_stackfaq(path.read_bytes())
    clock = runs.Clock()
    queries = coll.queries["paraphrase"]
    rows: dict[str, Any] = {"BM25 whole thread": evaluate(
        coll.thread_qrels, bm25_rank(runs.thread_docs(coll), queries, runs.DEPTH))}
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        with clock("ingest+index"):
            kb = runs.build_kb(coll, Path(tmp) / "data")
        keys = runs.post_keys(kb)
        for mode in MODES:
            with clock(mode):
                posts = runs.kb_rankings(kb, keys, queries, mode)
            rows[mode] = evaluate(coll.thread_qrels, threads_from_posts(posts))
        out = {"stats": runs.stats(kb, coll), "tables": {"threads": rows},
               "seconds": clock.seconds}
        kb.close()
    return out


# -- output ------------------------------------------------------------------------------------------

_TITLES = {
    "threads": "Threads, whole collection (PerfectMatch=2, Relevant=1; MAP/MRR/R: grade >= 1)",
    "threads_rerank": "Threads, rerank each question's 10 (official subtask B setting: MAP; "
                      "the given order scores 0.7135 with the official scorer)",
    "comments": "Comments, whole collection (Good=2, PotentiallyUseful=1; MAP/MRR/R: Good only)",
    "comments_rerank": "Comments, rerank each question's 100 (subtask C setting; trec MAP, not "
                       "the official scorer's MAP over the top 10)",
    "cites": "Cited posts judged Good (precision = Good / cited comments judged for the "
             "question; unanswered = questions with no cite)",
}
_NAMES = {"semeval": "SemEval-2016 Task 3 dev (Qatar Living)",
          "stackfaq": "StackFAQ (Web Applications): paraphrase -> its thread"}


def to_markdown(report: dict[str, Any]) -> str:
    """The report as markdown tables, one section per benchmark."""
    out = [f"BM25 anchors: {report['bm25']}. kb rankers asked for the top {report['depth']} "
           "posts; a thread ranks where its best post does."]
    for name, res in report["results"].items():
        s = res["stats"]
        out.append(f"\n## {_NAMES[name]}\n{s['threads']} threads, {s['posts']} posts, "
                   f"{s['queries']} queries. Seconds: "
                   + ", ".join(f"{k} {v}" for k, v in res["seconds"].items()))
        for table, rows in res["tables"].items():
            title = _TITLES[table] if name == "semeval" else "Threads (one relevant each)"
            cols = {"cites": CITE_COLUMNS, "threads_rerank": RERANK_COLUMNS,
                    "comments_rerank": RERANK_COLUMNS}.get(table, COLUMNS)
            out.append(f"\n### {title}\n" + markdown(rows, cols))
    out.append(f"\nTotal {report['seconds']} s.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks found under --data; exit 2 when one is missing."""
    parser = argparse.ArgumentParser(description="Retrieval quality of kb on labelled data.")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="the folder holding the labelled sets (default ../shared/data)")
    parser.add_argument("--only", choices=["semeval", "stackfaq"])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    benchmarks = {"semeval": (SEMEVAL, run_semeval), "stackfaq": (STACKFAQ, run_stackfaq)}
    start = time.perf_counter()
    report: dict[str, Any] = {"bm25": implementation(), "depth": runs.DEPTH, "results": {}}
    for name, (rel, run) in benchmarks.items():
        if args.only and args.only != name:
            continue
        path = args.data / rel
        if not path.exists():
            print(f"{name}: {path} not found", file=sys.stderr)
            return 2
        report["results"][name] = run(path)
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=2) if args.json else to_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
