"""Train the answer-post model (kb/answer_posts.py) and write kb/answer_posts.json.

    .venv/bin/python bench/train_answer_posts.py [--data ../shared/data] [--dry-run]

Labelled posts, each in its thread:
- SemEval-2016 Task 3 dev (Qatar Living): a comment is positive when judged Good for its own
  thread's question (RELC_RELEVANCE2RELQ), else negative. Grouped by original question, because
  the dev set is also kb's benchmark: cross-validation never trains on a question it scores.
- Urho3D Discourse topic JSON: the accepted answer positive, the other posts negative (noisy: an
  unaccepted reply can answer too, which is why the three sources are pooled).
- Stack Exchange (beer, coffee, cstheory meta): accepted or score >= 3 positive; the question
  and answers scored <= 0 negative; the rest left out.

Logistic regression and gradient boosting are compared by grouped 5-fold cross-validation
(average precision per source); the shipped model is logistic regression unless boosting wins by
more than 0.02 AP on SemEval, since its weights are a short JSON file.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb import logistic  # noqa: E402
from kb.answer_posts import FEATURES, MODEL_FILE, features  # noqa: E402
from scraper.models import Post  # noqa: E402

SEMEVAL = "semeval2016-task3-qatarliving/SemEval2016-Task3-CQA-QL-dev.xml"
URHO = "urho3d-discourse/posts/json"
STACK = ["stackexchange-beer-coffee/beer.stackexchange.com/Posts.xml",
         "stackexchange-beer-coffee/coffee.stackexchange.com/Posts.xml",
         "stackexchange/cstheory-meta/Posts.xml"]


@dataclass
class Rows:
    x: list[np.ndarray]
    y: list[np.ndarray]
    group: list[str]
    source: list[str]

    def add(self, posts: list[Post], title: str, labels: list[int | None], group: str,
            source: str) -> None:
        feats = features(posts, title)
        keep = [i for i, lab in enumerate(labels) if lab is not None]
        if not keep:
            return
        self.x.append(feats[keep])
        self.y.append(np.asarray([labels[i] for i in keep]))
        self.group.extend([group] * len(keep))
        self.source.extend([source] * len(keep))


def semeval(path: Path, rows: Rows) -> None:
    seen: set[str] = set()
    for org in ET.fromstring(path.read_bytes()).iter("OrgQuestion"):
        qid = org.get("ORGQ_ID", "")
        for thread in org.findall("Thread"):
            relq = thread.find("RelQuestion")
            assert relq is not None
            tid = relq.get("RELQ_ID", "")
            if tid in seen:
                continue
            seen.add(tid)
            title = " ".join((relq.findtext("RelQSubject") or "").split())
            body = " ".join((relq.findtext("RelQBody") or "").split()) or title
            posts = [Post(body=body, post_number=1, author=relq.get("RELQ_USERNAME"))]
            labels: list[int | None] = [None]
            for n, c in enumerate(thread.findall("RelComment"), 2):
                posts.append(Post(body=" ".join((c.findtext("RelCText") or "").split()),
                                  post_number=n, author=c.get("RELC_USERNAME")))
                labels.append(int(c.get("RELC_RELEVANCE2RELQ") == "Good"))
            rows.add(posts, title, labels, qid, "semeval")


def urho(folder: Path, rows: Rows) -> None:
    import scraper

    for path in sorted(folder.glob("*.json")):
        for thread in scraper.parse(path.read_bytes(), path.name):
            if not any(p.accepted for p in thread.posts):
                continue
            labels: list[int | None] = [int(p.accepted) for p in thread.posts]
            rows.add(thread.posts, thread.title, labels, f"urho:{thread.thread_id}", "urho3d")


def stack(path: Path, rows: Rows) -> None:
    import scraper

    for thread in scraper.parse(path.read_bytes(), path.name):
        labels: list[int | None] = []
        for i, p in enumerate(thread.posts):
            score = p.score or 0
            if i == 0:
                labels.append(0)
            elif p.accepted or score >= 3:
                labels.append(1)
            elif score <= 0:
                labels.append(0)
            else:
                labels.append(None)
        if len(thread.posts) > 1:
            rows.add(thread.posts, thread.title, labels, f"se:{thread.thread_id}", "stackexchange")


def cross_validate(x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                   sources: np.ndarray) -> dict[str, dict[str, float]]:
    """Average precision per source of out-of-fold predictions, for each candidate model."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    candidates = {
        "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)),
        "boosting": lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                                           max_leaf_nodes=15),
    }
    out: dict[str, dict[str, float]] = {}
    for name, make in candidates.items():
        pred = np.zeros(len(y))
        for train, test in GroupKFold(n_splits=5).split(x, y, groups):
            m = make().fit(x[train], y[train])
            pred[test] = m.predict_proba(x[test])[:, 1]
        out[name] = {}
        for src in sorted(set(sources)):
            sel = sources == src
            out[name][f"{src} AP"] = round(float(average_precision_score(y[sel], pred[sel])), 4)
            out[name][f"{src} AUC"] = round(float(roc_auc_score(y[sel], pred[sel])), 4)
            out[name][f"{src} base rate"] = round(float(y[sel].mean()), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--dry-run", action="store_true", help="cross-validate, write nothing")
    args = parser.parse_args(argv)
    rows = Rows([], [], [], [])
    semeval(args.data / SEMEVAL, rows)
    urho(args.data / URHO, rows)
    for rel in STACK:
        stack(args.data / rel, rows)
    x, y = np.vstack(rows.x), np.concatenate(rows.y)
    groups, sources = np.asarray(rows.group), np.asarray(rows.source)
    counts = {s: int((sources == s).sum()) for s in sorted(set(sources))}
    print(f"labelled posts: {counts}", file=sys.stderr)
    report = cross_validate(x, y, groups, sources)
    print(json.dumps(report, indent=2))
    model = logistic.to_json(x, y, FEATURES, trained_on={"posts": counts, "cv": report,
                                                         "positives": int(y.sum())})
    print(json.dumps(dict(zip(FEATURES, model["coef"])), indent=2))  # type: ignore[arg-type]
    if not args.dry_run:
        MODEL_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
