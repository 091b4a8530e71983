"""A mailing-list thread's identity, one for every archive of the list: the list's address and
the conversation's subject.

The same message reaches kb as a message of an mbox archive, as a pipermail page and as a
Hyperkitty page; its post id is its Message-ID in all three. For the three to land in one
thread they must also name the thread alike, and a message page knows only its own subject and
the list's address (the mailto link it prints), not its conversation's root. So a thread is
(list address, subject less reply prefixes and "[list]" tags, lower-cased, words joined by "-"):
what the mbox names a conversation by its first message, a page computes from any message of
it that kept the subject.

The list address comes from the headers an archive kept: List-Post's mailto, else List-Id
(RFC 2919 "<name.host>", which Mailman makes of the address "name@host"), else a To/Cc address
whose local part is the subject's list tag. Pipermail's public `.txt` archives keep none of
these (only From, Date, Subject, In-Reply-To, References, Message-ID, and the sender's address
as "x at host"), so their threads name no list and stay apart from the list's pages.
"""

from __future__ import annotations

import email.utils
import re
from urllib.parse import unquote

_SUBJECT_NOISE = re.compile(r"^\s*(?:(?:re|fwd?|aw|sv|vs|antw)\s*(?:\[\d+\])?\s*:\s*|\[[^\]]+\]\s*)",
                            re.I)
_TAG = re.compile(r"\[([^\]\s]+)\]")
_MAILTO = re.compile(r"<\s*mailto:([^>?\s]+)", re.I)
_LIST_ID = re.compile(r"<([^<>\s]+)>")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def thread_subject(subject: str) -> str:
    """A subject without reply prefixes and list tags: "Re: [list] Docker" -> "Docker"."""
    subject = " ".join(subject.split())
    while True:
        stripped = _SUBJECT_NOISE.sub("", subject, count=1)
        if stripped == subject:
            return subject
        subject = stripped


def thread_name(subject: str) -> str:
    """The id of a list's thread about `subject` ("" when it has none): "Re: [bike-list]
    Truing a wheel" -> "truing-a-wheel". Not a slug of [a-z0-9]: a Chinese subject would name
    no thread."""
    return "-".join(thread_subject(subject).lower().split())


def list_address(list_post: str, list_id: str) -> str | None:
    """The list's posting address from the List-Post ("<mailto:l@host>"; "NO" on an announce
    list) or List-Id ("Bike list <bike-list.lists.example.org>") header, lower-cased."""
    for found in _MAILTO.findall(list_post):
        address = unquote(found).strip().lower()
        if _ADDRESS.fullmatch(address):
            return address
    ids = _LIST_ID.findall(list_id) or list_id.split()[-1:]
    name, _, host = (ids[0].lower() if ids else "").partition(".")
    return f"{name}@{host}" if name and "." in host else None


def tagged_address(subject: str, recipients: str) -> str | None:
    """The To/Cc address ("l@host", lower-cased) whose local part is the subject's list tag:
    "[bike-list] Truing" sent to "bike-list@lists.example.org"."""
    tags = {t.lower() for t in _TAG.findall(subject)}
    if not tags:
        return None
    for _, address in email.utils.getaddresses([recipients]):
        address = address.strip().lower()
        if _ADDRESS.fullmatch(address) and address.split("@")[0] in tags:
            return address
    return None
