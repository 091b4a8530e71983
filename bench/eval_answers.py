"""Does `kb ask` answer, abstain and group yes/no answers as a careful reader would?

    .venv/bin/python bench/eval_answers.py [--data-dir /tmp/kb-forums] [--json] [--verbose]

Labels (written by reading the threads, see bench/labels/README.md):
  bench/labels/asks.jsonl    questions, whether the data answers them, and every post that does
  bench/labels/stance.jsonl  yes/no questions with every reply of the listed threads labelled
                             yes / no / neither relative to the question's polarity

The data dir is built with `kb ingest` over the forums the product is judged on when it does not
exist yet. Every question is then asked in-process (`kb.answer.ask`) and scored by the pure
functions `score_asks` and `score_stance` (tested in tests/test_eval_answers.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LABELS = ROOT / "bench" / "labels"
DEFAULT_DATA_DIR = Path("/tmp/kb-forums")
SHARED = ROOT.parent / "shared" / "data"
SOURCES = [
    ROOT / "corpus",
    SHARED / "esk8-builders-discourse-md",
    SHARED / "urho3d-discourse",
    SHARED / "stackexchange" / "cstheory-meta",
    SHARED / "stackexchange-beer-coffee",
]

OPENER, ASKER, REPLY = "opener", "asker", "reply"


# --------------------------------------------------------------------------- product access

def _open(data_dir: Path) -> Any:
    """The product, opened on `data_dir` (the one place that names kb's modules)."""
    from kb.open import open_kb

    kb = open_kb(data_dir, seed=False)
    kb.ensure_fresh()
    return kb


def _ask(kb: Any, question: str) -> dict[str, Any]:
    from kb.answer import ask
    return ask(kb, question).to_dict()


def build_data_dir(data_dir: Path) -> None:
    """Ingest the judged forums into `data_dir` (only when it does not exist yet)."""
    missing = [str(p) for p in SOURCES if not p.exists()]
    if missing:
        raise SystemExit(f"cannot build {data_dir}: missing {', '.join(missing)}")
    cmd = [sys.executable, "-m", "kb", "--data-dir", str(data_dir), "ingest", *map(str, SOURCES)]
    print(f"building {data_dir} (takes a minute or two): {' '.join(cmd)}", file=sys.stderr)
    t = time.time()
    # `kb ingest` exits 1 when it skips a file (corpus/__init__.py is one), so judge by the result
    rc = subprocess.run(cmd, cwd=ROOT, stdout=sys.stderr).returncode
    if not data_dir.exists() or not any(data_dir.iterdir()):
        raise SystemExit(f"kb ingest failed (exit {rc}); {data_dir} was not built")
    print(f"built {data_dir} in {time.time() - t:.0f}s (kb ingest exit {rc})", file=sys.stderr)


def post_roles(kb: Any, thread_ids: Iterable[str]) -> dict[str, str]:
    """"THREAD#N" -> opener (post 1) / asker (a later post by post 1's author) / reply."""
    roles: dict[str, str] = {}
    for tid in dict.fromkeys(thread_ids):
        thread = kb.store.thread(tid)
        if thread is None:
            continue
        opener = next((p.author for p in thread.posts if p.post_number == 1), None)
        for p in thread.posts:
            key = f"{tid}#{p.post_number}"
            if p.post_number == 1:
                roles[key] = OPENER
            elif opener and p.author == opener:
                roles[key] = ASKER
            else:
                roles[key] = REPLY
    return roles


# --------------------------------------------------------------------------- pure scoring

def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def abstained(answer: dict[str, Any]) -> bool:
    return not answer.get("answer")


def cited_keys(answer: dict[str, Any]) -> list[str]:
    """Distinct cited posts as "THREAD#N", in order of first citation.

    A cite is either a key already ("THREAD#N") or a number naming an entry of `sources`.
    """
    by_k = {s.get("k"): f"{s['thread_id']}#{s['post_number']}"
            for s in answer.get("sources") or [] if "thread_id" in s}
    out: list[str] = []
    for sentence in answer.get("answer") or []:
        for c in sentence.get("cites") or []:
            key = c if isinstance(c, str) and "#" in c else by_k.get(c)
            if key is not None and key not in out:
                out.append(key)
    return out


def _share(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def score_asks(labels: list[dict[str, Any]], answers: dict[str, dict[str, Any]],
               roles: dict[str, str] | None = None) -> dict[str, Any]:
    """Score answers to asks.jsonl questions.

    labels: asks.jsonl rows; answers: question id -> answer dict; roles: "THREAD#N" -> opener /
    asker / reply (missing keys count as replies).
    """
    roles = roles or {}
    ok = abst = cites = good = own = 0
    n_ans = 0
    kinds: dict[str, dict[str, int]] = {}
    rows = []
    for lab in labels:
        ans = answers.get(lab["id"], {"answer": []})
        keys = cited_keys(ans)
        gold = set(lab.get("answers") or [])
        hit = [k in gold for k in keys]
        row = {"id": lab["id"], "question": lab["question"], "answerable": lab["answerable"],
               "abstained": abstained(ans), "cites": keys, "hits": hit,
               "own": [roles.get(k) in (OPENER, ASKER) for k in keys],
               "answered": any(hit)}
        rows.append(row)
        if lab["answerable"]:
            n_ans += 1
            abst += row["abstained"]
            ok += row["answered"]
            cites += len(keys)
            good += sum(hit)
            own += sum(row["own"])
        else:
            kind = lab.get("kind") or "unknown"
            k = kinds.setdefault(kind, {"abstained": 0, "total": 0})
            k["total"] += 1
            k["abstained"] += row["abstained"]
    un_total = sum(k["total"] for k in kinds.values())
    un_abst = sum(k["abstained"] for k in kinds.values())
    return {
        "answerable": {
            "questions": n_ans,
            "answered_with_labelled_post": ok,
            "answered_share": _share(ok, n_ans),
            "abstained": abst,
            "cited_posts": cites,
            "cited_in_answers": good,
            "cite_precision": _share(good, cites),
            "cited_opener_or_asker": own,
            "opener_or_asker_share": _share(own, cites),
        },
        "unanswerable": {
            "questions": un_total,
            "abstained": un_abst,
            "abstained_share": _share(un_abst, un_total),
            "by_kind": kinds,
        },
        "per_question": rows,
    }


def score_stance(labels: list[dict[str, Any]],
                 answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Score yes/no grouping against stance.jsonl.

    Every sentence with a stance counts once per cited post: labelled posts are "shown", correct
    when the label equals the stance; cited posts outside the labelled threads are "unlabelled".
    """
    shown = correct = unlabelled = grouped = both = 0
    both_in_labels = grouped_where_both = 0
    rows = []
    for lab in labels:
        ans = answers.get(lab["id"], {"answer": []})
        posts = lab["posts"]
        by_k = {s.get("k"): f"{s['thread_id']}#{s['post_number']}"
                for s in ans.get("sources") or [] if "thread_id" in s}
        stances: set[str] = set()
        marks = []
        for sentence in ans.get("answer") or []:
            st = sentence.get("stance")
            if st is None:
                continue
            stances.add(st)
            for c in sentence.get("cites") or []:
                key = c if isinstance(c, str) and "#" in c else by_k.get(c)
                if key is None:
                    continue
                if key in posts:
                    shown += 1
                    correct += posts[key] == st
                    marks.append((key, st, posts[key]))
                else:
                    unlabelled += 1
                    marks.append((key, st, None))
        labelled_sides = {v for v in posts.values() if v in ("yes", "no")}
        has_both = labelled_sides == {"yes", "no"}
        both_in_labels += has_both
        grouped += bool(stances)
        both += {"yes", "no"} <= stances
        grouped_where_both += bool(stances) and has_both
        rows.append({"id": lab["id"], "question": lab["question"], "abstained": abstained(ans),
                     "stances": sorted(stances), "marks": marks})
    return {
        "questions": len(labels),
        "shown_stances": shown,
        "correct": correct,
        "precision": _share(correct, shown),
        "unlabelled_shown": unlabelled,
        "questions_grouped": grouped,
        "questions_grouped_both_sides": both,
        "questions_with_both_sides_in_labels": both_in_labels,
        "grouped_where_labels_have_both": grouped_where_both,
        "per_question": rows,
    }


# --------------------------------------------------------------------------- report

def _fmt(v: Any) -> str:
    return "–" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def markdown(asks: dict[str, Any], stance: dict[str, Any], verbose: bool = False) -> str:
    a, u = asks["answerable"], asks["unanswerable"]
    out = ["## Answerable questions", "", "| measure | value |", "|---|---|"]
    out += [
        f"| questions | {a['questions']} |",
        f"| answered with ≥1 labelled answer post | {a['answered_with_labelled_post']} "
        f"({_fmt(a['answered_share'])}) |",
        f"| abstained | {a['abstained']} |",
        f"| cite precision (cited posts in answers / cited posts) | {a['cited_in_answers']}"
        f"/{a['cited_posts']} = {_fmt(a['cite_precision'])} |",
        f"| cited posts that are the opener or the asker's own | {a['cited_opener_or_asker']} "
        f"({_fmt(a['opener_or_asker_share'])}) |",
        "", "## Unanswerable questions", "", "| kind | abstained / total |", "|---|---|",
    ]
    for kind, k in sorted(u["by_kind"].items()):
        out.append(f"| {kind} | {k['abstained']}/{k['total']} |")
    out.append(f"| **all** | {u['abstained']}/{u['questions']} ({_fmt(u['abstained_share'])}) |")
    s = stance
    out += ["", "## Yes/no grouping", "", "| measure | value |", "|---|---|",
            f"| questions | {s['questions']} |",
            f"| shown stances on labelled posts | {s['shown_stances']} |",
            f"| correct | {s['correct']} |",
            f"| precision | {_fmt(s['precision'])} |",
            f"| shown stances on unlabelled posts | {s['unlabelled_shown']} |",
            f"| questions with any grouping | {s['questions_grouped']} |",
            f"| questions grouped with both sides | {s['questions_grouped_both_sides']} |",
            f"| questions whose labels hold both sides | "
            f"{s['questions_with_both_sides_in_labels']} (grouped: "
            f"{s['grouped_where_labels_have_both']}) |"]
    if verbose:
        out += ["", "## Per question (asks)", ""]
        for r in asks["per_question"]:
            tag = "answerable" if r["answerable"] else "unanswerable"
            cites = " ".join(f"{k}{'✓' if h else '✗'}{'(own)' if o else ''}"
                             for k, h, o in zip(r["cites"], r["hits"], r["own"]))
            out.append(f"- `{r['id']}` ({tag}) {r['question']} — "
                       f"{'ABSTAINED' if r['abstained'] else cites or 'no cites'}")
        out += ["", "## Per question (stance)", ""]
        for r in s["per_question"]:
            marks = " ".join(f"{k}:{st}{'✓' if st == lab else ('?' if lab is None else '✗')}"
                             for k, st, lab in r["marks"])
            out.append(f"- `{r['id']}` {r['question']} — "
                       f"{'ABSTAINED' if r['abstained'] else (marks or 'no grouping')}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--json", action="store_true", help="numbers as JSON")
    ap.add_argument("--verbose", action="store_true", help="per-question lines")
    args = ap.parse_args(argv)

    if not args.data_dir.exists():
        build_data_dir(args.data_dir)
    asks_l = load_jsonl(args.labels / "asks.jsonl")
    stance_l = load_jsonl(args.labels / "stance.jsonl")

    kb = _open(args.data_dir)
    t = time.time()
    answers_a = {lab["id"]: _ask(kb, lab["question"]) for lab in asks_l}
    answers_s = {lab["id"]: _ask(kb, lab["question"]) for lab in stance_l}
    print(f"asked {len(answers_a) + len(answers_s)} questions in {time.time() - t:.1f}s",
          file=sys.stderr)
    tids = [k.rsplit("#", 1)[0] for a in answers_a.values() for k in cited_keys(a)]
    roles = post_roles(kb, tids)
    asks = score_asks(asks_l, answers_a, roles)
    stance = score_stance(stance_l, answers_s)
    if args.json:
        if not args.verbose:
            asks = {k: v for k, v in asks.items() if k != "per_question"}
            stance = {k: v for k, v in stance.items() if k != "per_question"}
        print(json.dumps({"asks": asks, "stance": stance}, ensure_ascii=False, indent=2))
    else:
        print(markdown(asks, stance, args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
