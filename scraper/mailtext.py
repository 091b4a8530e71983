"""A mail message's text as a post: own words, "> " quotes with their attribution, signature.

Mailing-list archives (mbox, pipermail and Hyperkitty pages, forum-dl's mail extractors) all
carry plain-text mail, where a quote is marked only by "> " at the start of its lines and named
by the line above it ("On Sat, 14 Nov 2015, X wrote:", Gmail's "2015-11-15 23:43 GMT+01:00 X
<x@y>:"). Mailman appends a "next part" notice for scrubbed attachments and a list footer below
a rule of underscores; neither is the author's.
"""

from __future__ import annotations

import re

from scraper.models import Quote
from scraper.quote_words import WROTE_ANY, WROTE_IN_MAIL

# Mailman's scrubber notice: everything below it is attachment chrome.
_NEXT_PART = re.compile(r"^-{5,} ?next part ?-{5,}\s*$", re.I | re.M)
_LIST_FOOTER = re.compile(r"^_{20,}\s*\n[^\n]*mailing list[^\n]*\n(?:[^\n]*\S[^\n]*\n?)*", re.I | re.M)
_ORIGINAL = re.compile(r"^(?:-{3,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine"
                       r"|Mensaje original)\s*-{3,}|_{20,}(?=\s*\n\s*(?:From|Von|De)\s*:))\s*$",
                       re.I | re.M)
_OUTLOOK_HEADER = re.compile(r"^\s*(?:From|Sent|To|Cc|Subject|Date|Von|Gesendet|An|Betreff|De|"
                             r"Envoyé|À|Objet)\s*:", re.I)
_SIG_DASHES = re.compile(r"^-- ?$")
# Attribution verbs: the forums' and mail clients' own.
_VERB = f"(?:{WROTE_ANY}|{WROTE_IN_MAIL})"
_ON = r"^(?:On|Am|Le|El|Il|Op|Em|Den)\s"
_ON_START = re.compile(_ON, re.I)
# Lotus Notes puts the date after the verb: "X schrieb am 23.02.2006 22:04:19:", "X wrote on
# 02/23/2006 10:04:19 PM:".
_DATED_VERB = rf"\b{_VERB}\s+(?:am|on|le|el|il|op|em|den)\s+[\d./-]+(?:\s+[\d:]+(?:\s*[AaPp][Mm])?)?\s*:"
# mutt's "* Carl Knoos (cknoos@atg.com) [000331 01:39]:", the name and address starred
_STARRED = r"^\*\s+\S.*\[[^\]]*\d[^\]]*\]\s*:\s*$"
_ATTRIBUTION = re.compile(rf"(?:\b{_VERB}\s*:|{_DATED_VERB}|\S@\S+>?\s*:|\bat\b\s\S+>\s*:)\s*$"
                          rf"|{_ON}.*\b{_VERB}\s.+:\s*$|{_STARRED}", re.I)
# Thunderbird in German and French puts the verb first: "Am 3.3.2025 um 09:00 schrieb X:".
_VERB_FIRST = re.compile(rf"{_ON}.*\b{_VERB}\s+(?P<name>[^:]+?)\s*:\s*$", re.I)
_NAME_TAIL = re.compile(rf"\s*(?:\(?<[^>]*>\)?|\[[^\]]*\])?\s*(?:{_DATED_VERB}|(?:{_VERB})?\s*:)\s*$",
                        re.I)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?"
                    r"(?:\s*(?:[+-]\d{4}|[A-Z]{2,5}|\([A-Z]{2,5}\)))*,?\s+(?P<name>\S.*)$")
_DATE_HEAD = re.compile(r"^[\d\s:/.,+-]+(?:GMT|UTC)?[\d+:-]*\s+")


def split_mail(text: str, signatures: bool = True) -> tuple[str, list[Quote], str | None]:
    """The author's own text, the quoted blocks (with the name their attribution gives) and
    the signature (after a "-- " line) of a plain-text mail body."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = _NEXT_PART.search(text)
    text = _LIST_FOOTER.sub("", text[: cut.start()] if cut else text)
    text, forwarded = _split_original(text)
    own: list[str] = []
    signature: list[str] = []
    quotes: list[Quote] = []
    block: list[str] = []
    in_sig = False
    lines = text.split("\n") + ["\0"]
    for k, line in enumerate(lines):
        if line.startswith(">"):
            block.append(line[2:] if line.startswith("> ") else line[1:])
            in_sig = False
            continue
        if block and block[-1] and k + 1 < len(lines) and _wrapped(lines[k - 1], line, lines[k + 1]):
            block[-1] = f"{block[-1].rstrip()} {line.strip()}"  # the quoted line, rewrapped
            continue
        if block and not line.strip():
            block.append("")  # a blank line may sit inside a quote
            continue
        if block:
            quotes.append(_quote(block, own))
            block = []
            if own:
                own.append("")  # the words either side of a quote are paragraphs apart
        if line == "\0":
            break
        # (a "--" rule over the first words opens no signature: Majordomo's digests)
        if signatures and _SIG_DASHES.match(line) and any(o.strip() for o in own):
            in_sig = True
            continue
        (signature if in_sig else own).append(line)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(own)).strip()
    sig = "\n".join(signature).strip() or None
    # A reply between the lines it answers quotes one mail: its attribution, over the first
    # quoted block, names the blocks after it too
    for before, quote in zip(quotes, quotes[1:]):
        quote.author = quote.author or before.author
    return body, quotes + forwarded, sig


_WRAP = 70  # mail clients wrap at 72 to 80 characters


def _wrapped(quoted: str, line: str, after: str) -> bool:
    """Is `line` the end of the quoted line before it that the quoting client wrapped, its
    "> " lost: short, between two quoted lines, too long to have fitted on the line before,
    which ends mid-sentence, and not opening one ("> … the advection of" then
    "atmosphere_water_content".)? A reply's own line under the quoted one ("Yes.") is not."""
    words = line.split()
    return bool(words) and after.startswith(">") and len(line) < 40 \
        and len(quoted.rstrip()) + 1 + len(words[0]) > _WRAP \
        and not quoted.rstrip().endswith((".", "?", "!", ":", ";")) and not words[0][0].isupper()


def _split_original(text: str) -> tuple[str, list[Quote]]:
    """Outlook quotes top-posted replies unmarked, below "-----Original Message-----" (or a
    rule of underscores) and the quoted mail's From:/Sent:/To:/Subject: lines."""
    m = _ORIGINAL.search(text)
    if not m:
        return text, []
    tail = text[m.end():].lstrip("\n").split("\n")
    author = None
    while tail and (_OUTLOOK_HEADER.match(tail[0]) or not tail[0].strip()):
        line = tail.pop(0)
        if line.lower().startswith(("from:", "von:", "de :", "de:")) and author is None:
            # "From: list-bounces [mailto:…] On\nBehalf Of Jeff Squyres": wrapped, and the
            # list's address first, the sender after "On Behalf Of"
            while tail and tail[0].strip() and not _OUTLOOK_HEADER.match(tail[0]):
                line = f"{line} {tail.pop(0).strip()}"
            behalf = _BEHALF.search(line)
            value = behalf.group(1) if behalf else line.split(":", 1)[1]
            author = re.sub(r"\s*[<\[(].*$", "", value).strip(" \"'") or None
    quoted = "\n".join(tail).strip()
    return text[: m.start()], [Quote(text=quoted, author=author)] if quoted else []


_BEHALF = re.compile(r"\bOn\s+Behalf\s+Of\s+(.+)$", re.I)


def _quote(block: list[str], own: list[str]) -> Quote:
    """One quoted block; its attribution line(s), if the last own lines are one, leave `own`."""
    author = None
    while own and not own[-1].strip():
        own.pop()
    if own and _ATTRIBUTION.search(own[-1]):
        head = own.pop().strip()
        if len(own) and own[-1].strip() and _ON_START.match(own[-1].strip()) \
                and not _ON_START.match(head):
            head = own.pop().strip() + " " + head  # "On …, X\nwrote:" wrapped by the client
        author = attribution_name(head)
    return Quote(text="\n".join(block).strip(), author=author)


def attribution_name(line: str) -> str | None:
    """Who an attribution line names: "On Sat, 14 Nov 2015, Andy Grunwald wrote:" -> "Andy
    Grunwald"; "2015-11-15 23:43 GMT+01:00 Jesus <jgb at x.es>:" -> "Jesus"."""
    verb_first = _VERB_FIRST.match(line.strip())
    name = verb_first.group("name") if verb_first else _NAME_TAIL.sub("", line.strip())
    if _ON_START.match(name):
        clock = _CLOCK.search(name)
        if clock:  # Gmail puts no comma before the name: "On Mon, Mar 3, 2025 at 9:00 AM X"
            name = clock.group("name")
        else:
            name = name.rsplit(", ", 1)[-1] if ", " in name else name.split(None, 1)[-1]
    name = _DATE_HEAD.sub("", name).strip(" \"'*")
    if "@" in name or " at " in name and "." in name.rsplit(" at ", 1)[-1]:
        name = re.split(r"\s+\(?\S+(?:@| at )\S+", name)[0].strip(" \"'")
    return name or None
