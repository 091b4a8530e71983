"""Passages: the 1–3 consecutive sentences of a post that answer a question and read on their own.

A sentence that leans on the one before it ("That's what billboardset does.", "It works.",
"Yes, …") keeps its antecedent; a lead-in ending in ":" keeps the list it introduces. Which
sentence anchors the passage is decided by the question, so the line that answers wins over a
joke beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.text import sentences

MAX_SENTENCES = 3
MAX_CHARS = 480

# Openings that point back at what was said before: the sentence means nothing alone.
_LEANS_BACK = re.compile(
    r"^\W*(that|this|these|those|it|its|it's|they|them|their|he|she|his|her|so|but|and|or|also|"
    r"then|which|same|otherwise|instead|because|yes|yeah|no|nope|both|either|neither|such|"
    r"there|here|another|other|plus|however|though|although|too|as well|in that case|"
    r"if so|if not|the (former|latter|above|same|other|first|second|one|ones))\b", re.I)
_LEAD_IN = re.compile(r"[:;]\s*$|\b(following|below|these steps|as follows)\W*$", re.I)
_LIST_ITEM = re.compile(r"^\s*([-*•]|\d+[.)]|[a-z][.)])\s")
_CODE = re.compile(r"^\s*(//|#include|import \w|def \w+\(|class \w+[:(]|return\b|</?\w+>)|"
                   r"\w\([^)]*\);\s*$|[{}]\s*$|^\s*[\w:<>*&]+(::|->|\.)\w+\(")
_URL = re.compile(r"\S*(https?://|www\.)\S*")
_CHATTER = re.compile(r"^\W*(thanks|thank you|thx|cheers|welcome|lol|haha|bump|\+1|same here|"
                      r"agreed|good luck|hope (this|that|it) helps|will try|let me know|edit\b)",
                      re.I)


@dataclass(frozen=True, slots=True)
class Passage:
    """Sentences `start`..`end` (exclusive) of a post, and their text."""

    start: int
    end: int
    text: str


def split(body: str) -> list[str]:
    """The post's sentences, as the passage builder sees them."""
    return sentences(body)


def citable(sentence: str) -> bool:
    """Can this sentence anchor an answer: words, not code, a link, a question or chatter."""
    if not 20 <= len(sentence) <= 500 or sentence.rstrip().endswith("?"):
        return False
    if _CODE.search(sentence) or _CHATTER.search(sentence):
        return False
    return len(_URL.sub("", sentence).split()) >= 4


def usable(sentence: str) -> bool:
    """Weaker than `citable`, for a post with no prose to cite: a code line or a terse fix
    ("use LineEdit::SetEchoCharacter(unsigned). 42 for asterix.") is still the answer."""
    if len(sentence) < 8 or sentence.rstrip().endswith("?") or _CHATTER.search(sentence):
        return False
    return bool(_URL.sub("", sentence).strip())


def leans_back(sentence: str) -> bool:
    return bool(_LEANS_BACK.match(sentence))


def around(sents: list[str], anchor: int) -> Passage:
    """The passage built around sentence `anchor`: its antecedents and the list it leads into."""
    start, end = anchor, anchor + 1
    # Pull in antecedents while the first sentence points back (at most MAX_SENTENCES in all).
    while start > 0 and end - start < MAX_SENTENCES and leans_back(sents[start]):
        start -= 1
    # A lead-in keeps what it leads into; a list item keeps its lead-in.
    while (end < len(sents) and end - start < MAX_SENTENCES
           and (_LEAD_IN.search(sents[end - 1]) or _LIST_ITEM.match(sents[end]))):
        end += 1
    if (start > 0 and end - start < MAX_SENTENCES and _LIST_ITEM.match(sents[start])
            and _LEAD_IN.search(sents[start - 1])):
        start -= 1
    # A very short anchor reads better with the sentence that carries it on.
    if (end < len(sents) and end - start < MAX_SENTENCES and len(" ".join(sents[start:end])) < 60
            and leans_back(sents[end])):
        end += 1
    while end - start > 1 and len(" ".join(sents[start:end])) > MAX_CHARS:
        if end - 1 > anchor:
            end -= 1
        else:
            start += 1
    return Passage(start=start, end=end, text=" ".join(sents[start:end]))


def opening(sents: list[str]) -> Passage:
    """The reply's first sentence as a passage; a bare "Yes." or "Nope." keeps what follows."""
    passage = around(sents, 0)
    if len(passage.text) < 40 and passage.end < len(sents):
        passage = Passage(0, passage.end + 1, " ".join(sents[: passage.end + 1]))
    return passage


def locate(body: str, start: int, end: int) -> tuple[str, str, str] | None:
    """Sentences `start`..`end` of `body` found in the body as written: (before, them, after),
    None when the span is not in this post (a changed post, a hand-made link)."""
    sents = split(body)
    if not 0 <= start < end <= len(sents):
        return None
    words = " ".join(sents[start:end]).split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, body)
    if m is None:
        return None
    return body[: m.start()], body[m.start(): m.end()], body[m.end():]
