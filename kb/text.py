"""Words and sentences: the one tokenizer the index, TF-IDF and the answer builder share.

Indexing pre-analysed tokens (stems, stop words out) lets Whoosh and scikit-learn skip analysis
of their own, and keeps the two rankers and the sentence scorer agreeing on what a term is.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

STOP_WORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each few for from further had hadn't has hasn't have haven't having he he'd
he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into
is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only
or other ought our ours ourselves out over own same shan't she she'd she'll she's should
shouldn't so some such than that that's the their theirs them themselves then there there's
these they they'd they'll they're they've this those through to too under until up very was
wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while
who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
yourself yourselves just also really get got im dont doesnt didnt ive s t re ve ll d m
anyone anybody someone something thing things way ways
""".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Porter stem, cached: forum text repeats its words, so the cache hit rate is high."""
    if len(word) < 4 or not word.isalpha():
        return word
    from whoosh.lang.porter import stem as porter

    return str(porter(word))


def words(text: str) -> list[str]:
    """Lower-cased words, stop words kept (for phrases and display)."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def tokens(text: str) -> list[str]:
    """Index terms: lower-cased, possessives and stop words out, stemmed."""
    out = []
    for w in _WORD.findall(text.lower()):
        w = w.replace("’", "'")
        if w in STOP_WORDS:
            continue
        if "'" in w:
            w = w.split("'", 1)[0]
            if w in STOP_WORDS or not w:
                continue
        out.append(stem(w))
    return out


def analysed(text: str) -> str:
    """`tokens` joined by spaces: what the index stores for a text field."""
    return " ".join(tokens(text))


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=[-*•\d])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|Mr|Mrs|Dr|St|no|fig)\.$", re.I)


def sentences(text: str) -> list[str]:
    """A post's sentences, in order. A line break ends a sentence too: forum posters write one
    thought per line and often leave the full stop out."""
    out: list[str] = []
    for para in text.split("\n"):
        pieces = [p.strip() for p in _SENTENCE_END.split(para) if p and p.strip()]
        merged: list[str] = []
        for piece in pieces:
            if merged and _ABBREV.search(merged[-1]):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        for s in merged:
            for line in s.split("\n"):
                line = " ".join(line.split())
                if line:
                    out.append(line)
    return out
