"""How an answer is laid out for reading: its sentences in runs under stance headings.

Shared by `kb ask` and the web's answer page so the two group and head an answer the same way;
each renders the groups in its own medium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.answer import Answer, Sentence

HEADINGS = {"yes": "Members who say yes", "no": "Members who say no", None: "Also said"}


@dataclass
class StanceGroup:
    """A run of consecutive sentences taking one stance ("yes", "no", or None)."""

    stance: str | None
    heading: str | None  # None when no sentence of the answer takes a stance
    sentences: list[Sentence] = field(default_factory=list)


def group_by_stance(answer: Answer) -> list[StanceGroup]:
    """Runs of sentences under their stance's heading; one run without a heading when none
    takes a stance; no runs for an answer without sentences."""
    if not any(s.stance for s in answer.sentences):
        return [StanceGroup(None, None, list(answer.sentences))] if answer.sentences else []
    groups: list[StanceGroup] = []
    for s in answer.sentences:
        if not groups or groups[-1].stance != s.stance:
            groups.append(StanceGroup(s.stance, HEADINGS[s.stance]))
        groups[-1].sentences.append(s)
    return groups
