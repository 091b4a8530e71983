"""Yes or no: which side of a yes/no question a passage takes, only when it says so plainly.

A wrong grouping misleads more than none, so this reads only what is unambiguous: an answer
word opening the passage ("Yes, …", "Nope.", "Absolutely not"), or the question's own claim
restated with or without a negation ("Urho3D does not support Vulkan" for "Does Urho3D support
Vulkan?"). "No pathogens can survive in beer" opens with "No" but answers "is it safe?" with
yes: "no" followed by a noun is not an answer word, and such a passage is left ungrouped.
Precision is measured by bench/eval_answers.py on bench/labels/stance.jsonl.
"""

from __future__ import annotations

import re

from kb.text import tokens

_YES_NO_QUESTION = re.compile(
    r"^\W*(do|does|did|is|are|was|were|should|can|could|will|would|has|have|had|must|need|"
    r"shall|am|may|might)\b", re.I)
_YES = re.compile(r"^\W*(yes|yeah|yep|yup|absolutely|definitely|of course|certainly|sure)\b"
                  r"(?!\s+(not|no)\b)\s*([,.!;:-]|$|(it|you|they|he|she|that|this|i|we)\b)",
                  re.I)
_NO = re.compile(r"^\W*((no|nope|nah)\s*([,.!;:-]|$)|not really\b|absolutely not\b|"
                 r"definitely not\b|of course not\b|certainly not\b|no way\b)", re.I)
# "Is it necessary / worth it / do I need …?" is answered by saying so or denying it.
_NEED_QUESTION = re.compile(r"\b(need|needs|necessary|required|essential|worth|have to|must)\b", re.I)
_NOT_NEEDED = re.compile(
    r"\b(don't|do not|doesn't|does not|isn't|is not|aren't|are not|not|never)\s+(really\s+)?"
    r"(think\s+)?(that\s+)?((it|they|you|this|that)('s|\s+is|\s+are|\s+will be)?\s+)?"
    r"(really\s+|that\s+|very\s+|strictly\s+|absolutely\s+)?"
    r"(necessary|needed|required|essential|worth|need)\b|\bno need\b|\bunnecessary\b", re.I)
_NEEDED = re.compile(r"\b(it's|it is|they're|they are|is|are)\s+(definitely\s+|absolutely\s+|"
                     r"very\s+|really\s+|totally\s+)?(necessary|needed|required|essential|"
                     r"worth it)\b", re.I)
# "The short answer is yes.", "In short, no.", "TL;DR: No."
_IN_SHORT = re.compile(r"^\W*(in short|short answer|the short answer( is)?|tl;? ?dr;?|in a word)"
                       r"\W*(yes|no)\b", re.I)
# "Is it safe to …?" answered by calling it safe, or harmless ("it won't be harmful").
_SAFE_QUESTION = re.compile(r"\bsafe\b", re.I)
_NOT_SAFE = re.compile(r"(\bnot|n't|\bnever)\s+(be\s+)?(very\s+|really\s+|entirely\s+)?safe\b", re.I)
_SAFE = re.compile(r"\b(is|it's|be|are|they're|perfectly|completely|totally|still|quite)\s+safe\b",
                   re.I)
_HARM = re.compile(r"\b(harmful|dangerous|toxic|poisonous|make you sick)\b", re.I)
_HARMLESS = re.compile(r"(\bnot|n't|\bnever|\bunlikely to|\bno)\s+(be\s+|going to be\s+)?(very\s+|really\s+)?"
                       r"(harmful|dangerous|toxic|poisonous|make you sick)\b|\bharmless\b", re.I)
_NEGATION = re.compile(r"\b(not|never|no longer|n't|cannot|can't|doesn't|don't|isn't|aren't|"
                       r"won't|wouldn't|shouldn't|didn't)\b", re.I)


def is_yes_no(question: str) -> bool:
    """A question a member could answer with yes or no ("Does …?", "Should I …?")."""
    return bool(_YES_NO_QUESTION.match(question)) and " or " not in question.lower()


def stance(question: str, passage: str) -> str | None:
    """"yes", "no", or None when the passage does not plainly take a side."""
    opening = passage[:80]
    if _NO.match(opening):
        return "no"
    if _YES.match(opening):
        return "yes"
    short = _IN_SHORT.match(opening)
    if short:
        return short.group(3).lower()
    first = re.split(r"(?<=[.!?;])\s+", passage, maxsplit=1)[0]
    if _SAFE_QUESTION.search(question) and not _NEGATION.search(question):
        side = _safety(first)
        if side:
            return side
    if _NEED_QUESTION.search(question):
        if _NOT_NEEDED.search(first):
            return "no"
        if _NEEDED.search(first) and not re.search(r"\bif\b|n't\b|\bnot\b", first, re.I):
            return "yes"
    return _restated(question, passage)


def _safety(sentence: str) -> str | None:
    """Safe ("it is perfectly safe", "it won't be harmful") or not ("not safe", "toxic")."""
    if re.search(r"\bif\b|\bunless\b", sentence, re.I):
        return None
    if _NOT_SAFE.search(sentence):
        return "no"
    if _HARMLESS.search(sentence) or _SAFE.search(sentence):
        return "yes"
    if _HARM.search(sentence):
        return "no"
    return None


def _restated(question: str, passage: str) -> str | None:
    """The first sentence restates the question's claim negated: every content word of the
    question (up to its three longest) in one clause, and a negation right before one of them
    ("does not support Vulkan"); "adjust for coarseness, not speed" negates something else."""
    first = re.split(r"(?<=[.!?;])\s+|,\s+but\b", passage, maxsplit=1)[0]
    q = [t for t in tokens(question) if len(t) > 2]
    if len(q) < 2 or _NEGATION.search(question.split("?")[0]):
        return None
    key = set(sorted(set(q), key=len, reverse=True)[:3])
    if not key <= set(tokens(first)):
        return None
    for neg in _NEGATION.finditer(first):
        if key & set(tokens(" ".join(first[neg.end():].split()[:3]))):
            return "no"
    return None
