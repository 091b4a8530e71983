"""Words and sentences: the one tokenizer the index, the term counts, snippets and the answer
builder share.

Indexing pre-analysed tokens (stems, stop words out) lets Whoosh and the term counts skip
analysis of their own, and keeps the rankers, the snippets and the sentence scorer agreeing on
what a term is.

Any script is a word: Unicode letters, digits and combining marks, case-folded. A word with
accents is indexed twice, folded (`kölsch` -> `kolsch`, so `Kolsch` and `Kölsch` find each other)
and as spelt (`kölsch`, so a query typed with the accent ranks the posts that wrote it first).
Han, kana and Hangul runs, written without spaces, become overlapping character bigrams. Only
ASCII words are stemmed (Porter is English) and checked against the English stop words; ASCII
text is analysed exactly as before Unicode came in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

# Bump when a word's terms change: a data dir whose term counts record an older version is
# reindexed from its store on first open (kb/knowledge.py).
ANALYSIS_VERSION = 2

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")  # ASCII text, lower-cased first
_ASCII_SPAN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")  # the same words in unlowered text
# Scripts written without spaces between words.
_CJK = ("\u1100-\u11ff\u3005\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
        "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f")
# Marks are folded away only after these bases: Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic
# (below U+0800) and Latin/Greek extended. An Indic vowel sign is part of the letter it follows.
_FOLDABLE_BELOW, _FOLDABLE_EXTENDED = 0x0800, range(0x1E00, 0x2000)
# Latin letters NFKD leaves whole; tatweel only stretches Arabic words.
_LETTER_FOLDS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "æ": "ae",
                               "œ": "oe", "þ": "th", "ð": "d", "ŧ": "t", "ŀ": "l", "\u0640": ""})

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
    """Porter stem of an ASCII word, cached: forum text repeats its words, so the cache hit rate
    is high. Other words are returned as they are (Porter knows only English)."""
    if len(word) < 4 or not word.isalpha() or not word.isascii():
        return word
    from whoosh.lang.porter import stem as porter

    return str(porter(word))


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """`word` case-folded, compatibility forms and accents folded away (`Kölsch` -> `kolsch`,
    `Ἑλλάς` -> `ελλασ`, `أَهْلًا` -> `اهلا`); marks of other scripts are kept."""
    if word.isascii():
        return word.lower()
    out, strip = [], False
    for ch in _decomposed(word.casefold()):
        if unicodedata.category(ch)[0] == "M":
            if not strip:
                out.append(ch)
            continue
        cp = ord(ch)
        strip = cp < _FOLDABLE_BELOW or cp in _FOLDABLE_EXTENDED
        if ch.isalnum() or ch == "'":  # NFKD can leave a fraction slash or a space
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out).translate(_LETTER_FOLDS))


def _decomposed(word: str) -> Iterator[str]:
    """NFKD, except numbers like ½ and ⁰, whose compatibility digits would read as another
    number (2½ is not 212)."""
    for ch in word:
        if unicodedata.category(ch) == "No":
            yield ch
        else:
            yield from unicodedata.normalize("NFKD", ch)


def spelt(word: str) -> str:
    """`word` as written, in one normal form and case-folded: the exact-spelling term."""
    return unicodedata.normalize("NFC", word).casefold().replace("’", "'")


def words(text: str) -> list[str]:
    """Folded words, stop words kept (for phrases and exact titles); Han, kana and Hangul one
    character a word, so a phrase of them matches inside a longer run."""
    if _ascii_words(text):
        return [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    out: list[str] = []
    for m in _unicode_words().finditer(text):
        if m.lastgroup == "cjk":
            out.extend(_cjk(m.group()))
        else:
            out.append(fold(m.group().replace("’", "'")))
    return out


def tokens(text: str) -> list[str]:
    """Index terms: case- and accent-folded, possessives and stop words out, ASCII words
    stemmed; an accented word also as spelt; CJK runs as character bigrams."""
    if _ascii_words(text):  # the ingest's hot path: one dict lookup per word
        return [t for t in map(_ASCII_TERMS.__getitem__, _WORD.findall(text.lower())) if t]
    out: list[str] = []
    for m in _unicode_words().finditer(text):
        out.extend(_bigrams(m.group()) if m.lastgroup == "cjk" else _word_terms(m.group()))
    return out


class _AsciiTerms(dict[str, str]):
    """A lower-cased ASCII word -> its term ("" for a stop word), filled as words are met:
    forum text repeats its words, so nearly every lookup is a hit in C."""

    LIMIT = 500_000

    def __missing__(self, word: str) -> str:
        term = _ascii_term(word)
        if len(self) < self.LIMIT:
            self[word] = term
        return term


def _ascii_term(word: str) -> str:
    w = word.replace("’", "'")
    if w in STOP_WORDS:
        return ""
    if "'" in w:
        w = w.split("'", 1)[0]
        if w in STOP_WORDS or not w:
            return ""
    return stem(w)


_ASCII_TERMS = _AsciiTerms()


class TermNumbers(dict[str, int]):
    """A lower-cased ASCII word -> the column `vocab` gives its term (-1 for a stop word), the
    vocabulary growing as words come: `tokens` and numbering in one dict lookup per word, where
    counting `analysed` text took three (word, term, column) and a join and split between."""

    def __init__(self, vocab: dict[str, int]) -> None:
        super().__init__()
        self.vocab = vocab

    def __missing__(self, word: str) -> int:
        term = _ASCII_TERMS[word]
        n = self.vocab.setdefault(term, len(self.vocab)) if term else -1
        if len(self) < _AsciiTerms.LIMIT:
            self[word] = n
        return n

    def of(self, text: str) -> list[int]:
        """The column of each of `tokens(text)`."""
        if _ascii_words(text):
            return [n for n in map(self.__getitem__, _WORD.findall(text.lower())) if n >= 0]
        vocab = self.vocab
        return [vocab.setdefault(t, len(vocab)) for t in tokens(text) if t]


def analysed(text: str) -> str:
    """`tokens` joined by spaces: what the index stores for a text field."""
    return " ".join(tokens(text))


def word_spans(text: str) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(start, end, terms) of each word of `text` as written, with the index terms `tokens`
    makes of it: what snippets highlight. A CJK run gives one span per bigram."""
    if _ascii_words(text):
        for m in _ASCII_SPAN.finditer(text):
            yield m.start(), m.end(), _ascii_terms(m.group().lower().replace("’", "'"))
        return
    for m in _unicode_words().finditer(text):
        s, e, w = m.start(), m.end(), m.group()
        if m.lastgroup != "cjk":
            yield s, e, _word_terms(w)
        elif e - s == 1:
            yield s, e, _bigrams(w)
        else:
            for i in range(e - s - 1):
                yield s + i, s + i + 2, _bigrams(w[i: i + 2])


def _ascii_words(text: str) -> bool:
    """Are all of `text`'s words ASCII? Then the ASCII tokenizer reads it, 2-3x faster: most
    posts of English forums carry a curly quote or an emoji, few a non-ASCII letter."""
    return text.isascii() or not any(map(_wordish, _NON_ASCII.findall(text)))


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _wordish(ch: str) -> bool:
    """Can `ch` be part of a word (a letter, digit or combining mark)?"""
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


@lru_cache(maxsize=200_000)
def _ascii_terms(w: str) -> tuple[str, ...]:
    """The term of one lower-cased ASCII word (none for a stop word): `tokens`' loop, a word
    at a time."""
    w = w.replace("’", "'")
    if w in STOP_WORDS:
        return ()
    if "'" in w:
        w = w.split("'", 1)[0]
        if w in STOP_WORDS or not w:
            return ()
    return (stem(w),)


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, ...]:
    """The terms of one word of any alphabetic script: folded (stemmed when that is ASCII),
    then as spelt when the spelling differs."""
    word = word.replace("’", "'")
    if word.isascii():
        return _ascii_terms(word.lower())
    folded, exact = fold(word), spelt(word)
    if folded in STOP_WORDS:
        return ()
    if "'" in folded:
        folded, exact = folded.split("'", 1)[0], exact.split("'", 1)[0]
        if not folded or folded in STOP_WORDS:
            return ()
    term = stem(folded)
    return (term,) if exact == folded else (term, exact)


@lru_cache(maxsize=50_000)
def _bigrams(run: str) -> tuple[str, ...]:
    """Overlapping character pairs of a Han/kana/Hangul run (a lone character stands alone)."""
    run = unicodedata.normalize("NFKC", run)
    if len(run) < 2:
        return (run,)
    return tuple(run[i: i + 2] for i in range(len(run) - 1))


def _cjk(run: str) -> list[str]:
    return list(unicodedata.normalize("NFKC", run))


@lru_cache(maxsize=1)
def _unicode_words() -> re.Pattern[str]:
    """Words of any script (letters, digits and their combining marks) or a CJK run. Built on
    first use: Python's `\\w` leaves combining marks out, so their ranges are read from
    unicodedata (a few milliseconds, only once a post has non-ASCII text)."""
    marks = _ranges(ch for lo, hi in ((0x0300, 0x2000), (0x20D0, 0x2100), (0xA670, 0xAB00),
                                      (0xFB1E, 0xFB1F), (0xFE20, 0xFE30))
                    for ch in map(chr, range(lo, hi)) if unicodedata.category(ch)[0] == "M")
    letter, alnum = f"[^\\W\\d_{_CJK}]", f"[^\\W_{_CJK}]"
    # A word starts with a letter or digit: a stray mark (an emoji's variation selector) is not one.
    word = f"{alnum}(?:{alnum}|[{marks}])*(?:['’]{letter}(?:{letter}|[{marks}])*)?"
    return re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<word>{word})")


def _ranges(chars: Iterator[str]) -> str:
    """A regex class body for the characters (consecutive ones as ranges)."""
    out: list[list[int]] = []
    for ch in chars:
        cp = ord(ch)
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return "".join(f"\\u{lo:04x}-\\u{hi:04x}" if hi > lo else f"\\u{lo:04x}" for lo, hi in out)


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
