"""How an answer is laid out for reading: its passages in runs under stance headings.

Shared by `kb ask` and the web's answer page so the two group and head an answer the same way;
each renders the groups in its own medium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.answer import Answer, Item

HEADINGS = {"yes": "Members who say yes", "no": "Members who say no", None: "Also said"}


@dataclass
class StanceGroup:
    """A run of consecutive passages taking one stance ("yes", "no", or None)."""

    stance: str | None
    heading: str | None  # None when no sentence of the answer takes a stance
    items: list[Item] = field(default_factory=list)


def group_by_stance(answer: Answer) -> list[StanceGroup]:
    """Runs of passages under their stance's heading; one run without a heading when none
    takes a stance; no runs for an answer without passages."""
    if not any(s.stance for s in answer.items):
        return [StanceGroup(None, None, list(answer.items))] if answer.items else []
    groups: list[StanceGroup] = []
    for s in answer.items:
        if not groups or groups[-1].stance != s.stance:
            groups.append(StanceGroup(s.stance, HEADINGS[s.stance]))
        groups[-1].items.append(s)
    return groups
