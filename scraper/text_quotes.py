"""Quotes a post's plain text marks as mail does, with "> " at the head of each quoted line:
Phorum's own quote button, Markdown left unrendered, posts a forum migrated from a mailing list
or a newsgroup (XenForo's imports keep their "> " lines). Every format's posts are asked, the
generic extractor's when it reads a body and every other's in `normalise`.
"""

from __future__ import annotations

import re

from scraper.generic_words import ATTRIBUTION
from scraper.mailtext import split_mail
from scraper.models import Quote

_RULE = re.compile(r"^\s*[-_=]{5,}\s*$")


def plain_quotes(text: str) -> tuple[str, list[Quote]]:
    """`text` without its "> " quoted lines, and those as quotes named by the "X wrote:" line
    over them. Only "> " lines under an attribution, or two or more of them, are a quote: a
    line that opens with ">" alone may be the member's ("> 50 mph")."""
    if "\n>" not in "\n" + text:
        return text, []
    lines = text.split("\n")
    keep: list[str] = []
    quoted = False
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _RULE.match(line) and nxt.startswith(">") and keep and ATTRIBUTION.match(keep[-1].strip()):
            continue  # Phorum's rule between "X Wrote:" and the quote
        if line.startswith(">") and (nxt.startswith(">") or keep and keep[-1].startswith(">")
                                     or keep and ATTRIBUTION.match(keep[-1].strip())
                                     or _quoted_paragraph(line, keep[-1] if keep else "", nxt)):
            quoted = True
        keep.append(line)
    if not quoted:
        return text, []
    own, quotes, _ = split_mail("\n".join(keep), signatures=False)
    return own, quotes


# "> Swift is a successor to both C and Objective-C." as a paragraph of its own (Hacker News,
# Markdown without its renderer): words after the mark, not a number ("> 50 mph")
_QUOTED_WORDS = re.compile(r">\s?[^\W\d_][^\n]*(?:\s+\S+){3}")


def _quoted_paragraph(line: str, before: str, after: str) -> bool:
    """Is `line`, opening with ">", a quoted paragraph: words, a blank line or the text's edge
    either side?"""
    return not before.strip() and not after.strip() and _QUOTED_WORDS.match(line) is not None
