"""Train the cite model (kb/candidates.py features) and write kb/cite_model.json.

    .venv/bin/python bench/train_cites.py [--data ../shared/data] [--data-dir DIR] [--dry-run]

The cite model says how likely a candidate reply answers the *asked* question: it weighs the
thread's retrieval rank and closeness to the question, the answer-post model's probability
(kb/answer_posts.py) and the post's and passage's closeness. Labels: SemEval-2016 Task 3 dev
comments judged Good for the original question (PotentiallyUseful and Bad are negatives;
candidates outside the question's judged threads are left out). The dev set is also the
benchmark, so the figures printed are 5-fold cross-validated by question.

SemEval's questions are long and its threads only loosely related; forum members ask short
questions of threads that are often right on topic. So the model also learns from thread titles
asked as questions of the forums they come from (Urho3D topic JSON, beer and coffee Stack
Exchange): the title's thread's accepted answer (Stack Exchange: or an answer scored >= 3) is
positive, every other candidate negative.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import runs  # noqa: E402
from bench.convert import GOOD, parse_semeval, plain_words, post_key  # noqa: E402
from kb import candidates, logistic  # noqa: E402
from kb.answer import CITE_MODEL, query_vector  # noqa: E402
from kb.query import parse_query  # noqa: E402
from kb.search import rank  # noqa: E402

SEMEVAL = "semeval2016-task3-qatarliving/SemEval2016-Task3-CQA-QL-dev.xml"


def labelled(kb, coll) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Features, labels and question ids of every judged candidate."""
    xs, ys, groups = [], [], []
    for qid, text in sorted(coll.queries["subject+body"].items()):
        q = parse_query(plain_words(text))
        ranking = rank(kb, q, k=200)
        ranked, fixes = ranking.posts, ranking.spelling.stems
        cands, _ = candidates.collect(kb, q.terms, fixes, query_vector(kb, q.terms, fixes), ranked)
        judged = coll.post_qrels[qid]
        for c in cands:
            key = post_key(c.thread_id, int(c.post.post_number or 0))
            if key in judged:
                xs.append(c.x)
                ys.append(int(judged[key] >= GOOD))
                groups.append(qid)
    return np.vstack(xs), np.asarray(ys), np.asarray(groups)


TITLE_FORUMS = ["urho3d-discourse/posts/json", "stackexchange-beer-coffee"]


def title_questions(kb, limit: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Thread titles as questions: their own thread's accepted answers are the positives."""
    xs, ys, groups = [], [], []
    threads = [t for t in kb.store.iter_threads() if len(t.posts) > 2]
    for thread in threads[:: max(1, len(threads) // limit)]:
        good = {p.post_number for p in thread.posts[1:] if p.accepted or (p.score or 0) >= 3}
        if not good:
            continue
        q = parse_query(plain_words(thread.title))
        ranking = rank(kb, q, k=200)
        ranked, fixes = ranking.posts, ranking.spelling.stems
        cands, _ = candidates.collect(kb, q.terms, fixes, query_vector(kb, q.terms, fixes), ranked)
        for c in cands:
            xs.append(c.x)
            ys.append(int(c.thread_id == thread.thread_id and c.post.post_number in good))
            groups.append(f"title:{thread.thread_id}")
    return np.vstack(xs), np.asarray(ys), np.asarray(groups)


def forums_kb(data: Path, data_dir: Path):  # type: ignore[no-untyped-def]
    from kb.ingest import expand, read_sources
    from kb.knowledge import KB

    kb = KB(data_dir)
    if kb.store.is_empty():
        named = [str(data / f) for f in TITLE_FORUMS]
        kb.ingest(read_sources(expand(named), explicit=set(named)))
    kb.ensure_fresh()
    return kb


def balanced(groups: np.ndarray) -> np.ndarray:
    """Sample weights giving SemEval and the title questions equal say."""
    titles = np.char.startswith(groups, "title:")
    return np.where(titles, 0.5 / max(1, titles.sum()), 0.5 / max(1, (~titles).sum())) * len(groups)


def cross_validate(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import GroupKFold

    pred = np.zeros(len(y))
    w = balanced(groups)
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        m = logistic.Logistic(logistic.to_json(x[train], y[train], candidates.FEATURES,
                                               weight=w[train]),
                              candidates.FEATURES, "fold")
        pred[test] = m.probability(x[test])
    out = {}
    for name, sel in (("semeval", ~np.char.startswith(groups, "title:")),
                      ("titles", np.char.startswith(groups, "title:"))):
        ys, ps, gs = y[sel], pred[sel], groups[sel]
        top1 = [ys[gs == g][np.argmax(ps[gs == g])] for g in sorted(set(gs))]
        out[name] = {"AP": round(float(average_precision_score(ys, ps)), 4),
                     "AUC": round(float(roc_auc_score(ys, ps)), 4),
                     "base rate": round(float(ys.mean()), 4),
                     "top-1 candidate positive": round(float(np.mean(top1)), 4)}
    return out


def heldout_cites(kb, coll, x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """`kb ask`'s cite precision on SemEval questions whose fold the cite model never saw."""
    from sklearn.model_selection import GroupKFold

    from bench.measures import score_cites
    from kb.answer import ask

    qids = np.asarray(sorted(coll.queries["subject+body"]))
    w = balanced(groups)
    cited: dict[str, list[str]] = {}
    for _, test_q in GroupKFold(n_splits=5).split(qids, groups=qids):
        held = set(qids[test_q])
        train = ~np.isin(groups, list(held))
        model = logistic.Logistic(logistic.to_json(x[train], y[train], candidates.FEATURES,
                                                   weight=w[train]), candidates.FEATURES, "fold")
        for qid in held:
            a = ask(kb, plain_words(coll.queries["subject+body"][qid]), model=model)
            cited[qid] = [post_key(s["thread_id"], int(s["post_number"])) for s in a.sources]
    return score_cites(cited, coll.post_qrels, GOOD).to_dict()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--data-dir", type=Path, help="reuse a SemEval data dir built before")
    parser.add_argument("--forums-dir", type=Path, help="reuse a title-questions data dir")
    parser.add_argument("--dry-run", action="store_true", help="cross-validate, write nothing")
    args = parser.parse_args(argv)
    coll = parse_semeval((args.data / SEMEVAL).read_bytes())
    with tempfile.TemporaryDirectory(prefix="kb-cites-") as tmp:
        if args.data_dir and args.data_dir.exists():
            from kb.knowledge import KB

            kb = KB(args.data_dir)
            kb.ensure_fresh()
        else:
            kb = runs.build_kb(coll, args.data_dir or Path(tmp) / "data")
        x, y, groups = labelled(kb, coll)
        fkb = forums_kb(args.data, args.forums_dir or Path(tmp) / "forums")
        tx, ty, tg = title_questions(fkb)
        fkb.close()
        x, y, groups = np.vstack([x, tx]), np.concatenate([y, ty]), np.concatenate([groups, tg])
        held = heldout_cites(kb, coll, x, y, groups)
        kb.close()
    report = cross_validate(x, y, groups)
    report["semeval ask, cite model cross-validated by question"] = held
    print(json.dumps({"candidates": len(y), "questions": len(set(groups)), **report}, indent=2))
    model = logistic.to_json(x, y, candidates.FEATURES, weight=balanced(groups),
                             trained_on={"candidates": len(y), "questions": len(set(groups)),
                                         "cv": report})
    print(json.dumps(dict(zip(candidates.FEATURES, model["coef"])), indent=2))  # type: ignore[arg-type]
    if not args.dry_run:
        CITE_MODEL.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CITE_MODEL}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
