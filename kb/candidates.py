"""Candidate answer posts for a question: the replies of the best retrieved threads, each with
its best passage and what the cite model reads (kb/cite_model.json, bench/train_cites.py).

The unit of relevance is the thread: a thread is *about* a question when its title with its
opening post, or its title with one of its posts, holds most of the question's idf weight —
one shared common word is not enough. Inside a thread every reply is a candidate (the fix that
shares no word with the question is still the fix), scored by how likely it answers its
thread's question (kb/answer_posts.py). The asker's own posts and "same problem" posts are not
candidates, unless the asker posts the solution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kb import answer_posts, passages, stance
from kb.text import analysed
from scraper.models import Post, Thread

if TYPE_CHECKING:
    from kb.knowledge import KB
    from kb.rows import StoredPost

THREADS = 4  # threads read per question
LONG_THREAD = 40  # above this many replies, a thread's candidates are its first and best-retrieved
FIRST_REPLIES = 10
PER_THREAD = 8  # candidates read closely per thread
# A word no post uses (and no respelling explains) names what the forum never discussed.
UNKNOWN = 2.0
MAX_ANCHORS = 6  # sentences of a prose-less post that may anchor its passage
FEATURES = ("thread_rel", "thread_order", "thread_cos", "about", "p_answer", "post_cos",
            "post_rel", "sentence_cos")


@dataclass
class Candidate:
    post: Post  # the stored post, read with its thread
    thread_id: str
    thread_title: str
    passage: passages.Passage
    x: np.ndarray  # FEATURES
    about: float
    stance: str | None = None  # for a yes/no question: the side the passage plainly takes


@dataclass
class ThreadSeen:
    """A retrieved thread, as "related" lists it."""

    thread_id: str
    thread_title: str
    post_number: int
    url: str | None
    about: float

    def to_dict(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id, "thread_title": self.thread_title,
                "post_number": self.post_number, "url": self.url, "about": round(self.about, 3)}


def collect(kb: KB, qterms: list[str], fixes: dict[str, str], qvec: np.ndarray,
            ranked: list[tuple[int, float]], need: float = 0.0,
            yes_no: str | None = None) -> tuple[list[Candidate], list[ThreadSeen]]:
    """Candidates from the first THREADS threads of the ranking that are about the question
    (aboutness >= `need`), and all those threads. `yes_no`: the question, when it is one."""
    best = ranked[0][1] if ranked else 1.0
    threads: dict[str, dict[int, float]] = {}  # thread -> {post number: normalised score}
    rows = kb.store.posts_by_ids([pid for pid, _ in ranked[:200]])
    hits: dict[str, list[StoredPost]] = {}
    for pid, score in ranked[:200]:
        row = rows.get(pid)
        if row is None or (row.thread_id not in threads and len(threads) >= THREADS):
            continue
        threads.setdefault(row.thread_id, {})[int(row.post_number)] = score / (best or 1.0)
        hits.setdefault(row.thread_id, []).append(row)
    top_idf = kb.counts.max_idf()
    weights = {t: kb.counts.idf(t) or (top_idf if t in fixes else UNKNOWN * top_idf)
               for t in dict.fromkeys(qterms)}
    openers = kb.store.opening_posts(list(threads))
    units = {tid: [openers[tid]] if tid in openers else [] for tid in threads}
    for tid, rs in hits.items():
        units[tid] += [int(r.id) for r in rs]
    held = kb.counts.holders([*weights, *fixes.values()], [i for u in units.values() for i in u])
    out: list[Candidate] = []
    seen: list[ThreadSeen] = []
    for order, (tid, scores) in enumerate(threads.items()):
        first = hits[tid][0]
        about = aboutness(weights, fixes, held, units[tid])
        seen.append(ThreadSeen(tid, first.title, int(first.post_number), first.url, about))
        if about < need:
            continue  # reading the thread costs more than all the rest: only when it may answer
        thread = kb.store.thread(tid)
        if thread is not None and thread.posts:
            out.extend(_thread_candidates(kb, thread, order, max(scores.values()), scores,
                                          about, qvec, yes_no))
    return out, seen


def aboutness(weights: dict[str, float], fixes: dict[str, str], held: dict[str, set[int]],
              units: list[int]) -> float:
    """Share of the question's idf weight held by one post of a thread with the thread's title
    (the opening post or a retrieved one). Words scattered over several posts ("capital" in
    one, "France" in another) do not make a thread about the question; a respelt word counts
    at a discount. `held`: term -> the posts holding it (title included)."""
    if not weights:
        return 0.0
    total = sum(weights.values())
    best = 0.0
    for pid in units:
        got = sum(w if pid in held.get(term, ()) else
                  0.6 * w if pid in held.get(fixes.get(term, ""), ()) else 0.0
                  for term, w in weights.items())
        best = max(best, got / total)
    return best


def _thread_candidates(kb: KB, thread: Thread, order: int, thread_rel: float,
                       retrieved: dict[int, float], about: float, qvec: np.ndarray,
                       yes_no: str | None) -> list[Candidate]:
    posts = thread.posts
    asker = posts[0].author if posts[0].post_number == 1 else None
    keep = [i for i in range(1, len(posts)) if _may_answer(posts[i], asker)]
    if len(keep) > LONG_THREAD:
        # A long thread's candidates: its first replies and its best-retrieved posts.
        hits = sorted((i for i in keep if posts[i].post_number in retrieved),
                      key=lambda i: -retrieved[posts[i].post_number or 0])[:LONG_THREAD // 2]
        keep = sorted({i for i in keep if i <= FIRST_REPLIES} | set(hits))
    prob_of = dict(zip(keep, answer_posts.answer_probability(posts, thread.title, keep)))
    # Passages are read for the likeliest answers only: the answer-post model and retrieval
    # pick them (reading every reply's sentences is most of the cost of a question).
    keep = sorted(keep, key=lambda i: -(prob_of[i] + retrieved.get(posts[i].post_number or 0, 0)))
    keep = sorted(keep[:PER_THREAD])
    t = kb.counts
    head = t.vectorize([analysed(f"{thread.title} {posts[0].body}")])
    thread_cos = float(head.dot(qvec)[0])
    # One vectorize call for every sentence of every candidate: per-post calls cost 5x more.
    split = {i: passages.split(posts[i].body) for i in keep}
    ok = {i: [j for j, s in enumerate(split[i]) if passages.citable(s)] for i in keep}
    for i in keep:
        if not ok[i]:  # no prose: the code or terse fix it holds is the answer
            ok[i] = [j for j, s in enumerate(split[i]) if passages.usable(s)][:MAX_ANCHORS]
    texts = [analysed(posts[i].body) for i in keep]
    texts += [analysed(split[i][j]) for i in keep for j in ok[i]]
    if not texts:
        return []
    cos = t.vectorize(texts).dot(qvec)
    body_cos, sent_cos = cos[:len(keep)], cos[len(keep):]
    out, at = [], 0
    for n, i in enumerate(keep):
        scores = sent_cos[at: at + len(ok[i])]
        at += len(ok[i])
        if not len(scores):
            continue
        # Earlier sentences of a reply tend to carry its answer; ties go to them.
        j = int(np.argmax(scores - 0.01 * np.arange(len(scores))))
        p = min(max(float(prob_of[i]), 1e-4), 1 - 1e-4)
        x = np.asarray([thread_rel, 1.0 / (1 + order), thread_cos, about, math.log(p / (1 - p)),
                        float(body_cos[n]), retrieved.get(posts[i].post_number or 0, 0.0),
                        float(scores[j])])
        passage = passages.around(split[i], ok[i][j])
        side = None
        if yes_no and _answers_opener(posts, i, asker):
            side = stance.stance(yes_no, split[i][0])
            if side:  # "Yes, …" / "I don't think it's necessary": the reply's own answer leads
                passage = passages.opening(split[i])
            else:
                side = stance.stance(yes_no, passage.text)
        out.append(Candidate(post=posts[i], thread_id=thread.thread_id,
                             thread_title=thread.title, passage=passage, x=x, about=about,
                             stance=side))
    return out


def _answers_opener(posts: list[Post], i: int, asker: str | None) -> bool:
    """Does reply `i` answer the opening question, not a later one? A "Yes, …" after the asker
    asked something else ("Is it possible to have several zones?") answers that."""
    return not asker or not any(posts[j].author == asker and "?" in posts[j].body
                                for j in range(1, i))


def _may_answer(post: Post, asker: str | None) -> bool:
    """Not the asker's follow-ups (unless they post the solution), not "same problem here"."""
    if asker and post.author == asker and not answer_posts.SOLUTION.search(post.body):
        return False
    return not (answer_posts.SAME_PROBLEM.search(post.body) and len(post.body) < 300)
