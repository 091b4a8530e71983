"""mbox mailing-list archives: one thread per conversation, one post per message.

Messages are threaded by Message-ID, In-Reply-To and References; conversations whose first
message is missing from the archive (or whose ids an archiver rewrote, as Mailman's address
scrubbing does) are joined to the one with the same subject less "Re:" and "[list]" tags, the
fallback of JWZ's threading algorithm. Posts keep archive order.

A conversation is named as Mailman's web archives name it (`scraper.maillist`): the list's
address and its first message's subject, so that its messages read from pipermail or Hyperkitty
pages join the same thread. Two conversations of one archive that would get one name (a new
question with an old subject) are kept apart by the later one's first Message-ID.
"""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from scraper.html import decode, element_text
from scraper.maillist import list_address, tagged_address, thread_name, thread_subject
from scraper.mailtext import split_mail
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Thread

FORMAT = "mbox"

_FROM_LINE = re.compile(rb"^From \S+.*$", re.M)
# An envelope line names its time and year ("From x@y Sun Aug  8 10:04:17 1999", Mailman's
# "From x at y  Tue Jan  1 10:22:35 2008"); a body line that begins "From " (an unescaped
# "From Black's Law Dictionary:") does not, nor is it followed by a mail header.
_ENVELOPE = re.compile(rb"\b\d{1,2}:\d\d\b.*\b(?:19|20)\d\d\b|\b(?:19|20)\d\d\b.*\b\d{1,2}:\d\d\b")
_NEXT_HEADER = re.compile(rb"\r?\n(?:Return-Path|Received|From|Date|Subject|Message-ID|Delivered-To|To"
                          rb"|X-[\w-]+):", re.I)
_HEADER = re.compile(r"^(?:From|Date|Subject|Message-ID|Return-Path|Received):", re.I | re.M)
# (some archivers write a Message-ID with spaces in it: "<1234@ casa.Stanford.EDU >")
_IDS = re.compile(r"<([^<>]{1,250})>")
# Subjects that name no topic: conversations are not joined by them.
_NO_SUBJECT = frozenset({"no subject", "(no subject)", "untitled", "none", "(none)", "no title"})
_REPLY = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:re|aw|sv|antw)\s*(?:\[\d+\])?\s*:", re.I)


def sniff(head: str, name: str) -> str | None:
    """An mbox starts with a "From " separator line followed by mail headers."""
    start = head.lstrip("\r\n")
    if start.startswith("From ") and len(_HEADER.findall(start[:4000])) >= 2:
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The conversations of an mbox file, each with its messages in archive order."""
    messages = [m for m in (_message(chunk) for chunk in _chunks(data)) if m is not None]
    if not messages:
        raise ParseError("no messages found: not an mbox file (no 'From ' separator lines)")
    groups = conversations(messages)
    # A message without list headers is still the archive's list's, when the archive names one.
    lists = {found for found in map(posted_to, messages) if found}
    archive_list = lists.pop() if len(lists) == 1 else None
    threads: list[Thread] = []
    taken: set[tuple[str | None, str]] = set()
    for group in groups:
        thread = _thread(group, archive_list)
        if (thread.forum, thread.thread_id) in taken:
            thread.thread_id = f"{thread.thread_id}~{_first_id(group)}"
        taken.add((thread.forum, thread.thread_id))
        threads.append(thread)
    return threads


def _chunks(data: bytes) -> list[bytes]:
    starts = [m.start() for m in _FROM_LINE.finditer(data)
              if m.start() == 0 or data[m.start() - 1:m.start()] == b"\n"
              and (_ENVELOPE.search(m.group()) or _NEXT_HEADER.match(data, m.end()))]
    ends = starts[1:] + [len(data)]
    # mboxrd escapes a body line "From " as ">From "; undo one level.
    return [re.sub(rb"(?m)^>(>*From )", rb"\1", data[s:e]) for s, e in zip(starts, ends)]


def _message(chunk: bytes) -> EmailMessage | None:
    msg = BytesParser(policy=policy.default).parsebytes(chunk)
    if not isinstance(msg, EmailMessage) or not any(
            header(msg, name) for name in ("From", "Message-ID", "Date", "Subject")):
        return None
    return msg


def conversations(messages: list[EmailMessage]) -> list[list[EmailMessage]]:
    """Messages grouped into conversations, in archive order within and between groups."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra

    keys = [message_id(m) or f"#{i}" for i, m in enumerate(messages)]
    for key, msg in zip(keys, messages):
        for ref in _refs(msg):
            union(ref, key)
    present = set(keys)
    by_subject: dict[str, str] = {}
    for key, msg in zip(keys, messages):
        raw = header(msg, "Subject")
        subject = thread_subject(raw).lower()
        if not subject or subject in _NO_SUBJECT:
            continue
        # Joined by subject only when it is a reply whose parent is not in the archive: two
        # unrelated threads titled "Help" stay apart.
        orphan = root(key) not in present or _REPLY.match(raw)
        if subject in by_subject and orphan:
            union(by_subject[subject], key)
        by_subject.setdefault(subject, root(key))
    groups: dict[str, list[EmailMessage]] = {}
    for key, msg in zip(keys, messages):
        groups.setdefault(root(key), []).append(msg)
    return list(groups.values())


def _refs(msg: EmailMessage) -> list[str]:
    return _ids(f"{header(msg, 'References')} {header(msg, 'In-Reply-To')}")


def _ids(value: str) -> list[str]:
    return ["".join(found.split()) for found in _IDS.findall(value)]


def message_id(msg: EmailMessage) -> str | None:
    found = _IDS.findall(header(msg, "Message-ID"))
    return "".join(found[0].split()) if found else None


def posted_to(msg: EmailMessage) -> str | None:
    """The address of the list `msg` went through, from the headers it kept (scraper.maillist)."""
    return list_address(header(msg, "List-Post"), header(msg, "List-Id")) or tagged_address(
        header(msg, "Subject"), f"{header(msg, 'To')}, {header(msg, 'Cc')}")


def _thread(messages: list[EmailMessage], archive_list: str | None) -> Thread:
    first = messages[0]
    numbers = {message_id(m): i for i, m in enumerate(messages, 1) if message_id(m)}
    posts = [_post(m, i, numbers) for i, m in enumerate(messages, 1)]
    subject = " ".join(header(first, "Subject").split())
    title = thread_subject(subject) or subject or "(no subject)"
    tid = thread_name(subject) or _first_id(messages) or f"mbox:{title}"
    forum = next((found for found in map(posted_to, messages) if found), archive_list)
    return Thread(thread_id=tid, title=title, posts=posts, forum=forum, format=FORMAT)


def _first_id(messages: list[EmailMessage]) -> str:
    first = messages[0]
    return message_id(first) or next((r for r in _refs(first)), "")


def _post(msg: EmailMessage, number: int, numbers: dict[str | None, int]) -> Post:
    author = sender_name(header(msg, "From") or header(msg, "Sender") or header(msg, "Reply-To")
                         or _envelope_sender(msg))
    body, quotes, signature = split_mail(body_text(msg))
    parents = _ids(header(msg, "In-Reply-To")) or _refs(msg)[-1:]
    replied = [numbers[r] for r in parents if r in numbers]
    reply_to = replied[0] if replied else None
    for quote in quotes[:1]:
        quote.post_number = reply_to
    return Post(body=body, post_number=number, post_id=message_id(msg), author=author,
                author_source=AUTHOR_FROM_PAGE if author else None,
                posted_at=mail_date(header(msg, "Date")), quotes=quotes,
                signature=signature, reply_to=reply_to,
                reply_to_id=parents[0] if parents else None)


def _envelope_sender(msg: EmailMessage) -> str:
    """The sender the "From " line names, for a message with no From header ("From markov Sun
    Aug  8 10:04:17 1999")."""
    words = (msg.get_unixfrom() or "").split()
    return words[1] if len(words) > 1 and words[1] != "-" else ""


def header(msg: EmailMessage, name: str) -> str:
    """A header as written, its RFC 2047 words decoded, "" when absent.

    Not `msg[name]`: the parsed form of Mailman's "x at y (Name)" loses the name, and the
    email package's header parser raises on some malformed headers of real archives.
    """
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            raw = _eight_bit(str(value))
            try:
                return str(email.header.make_header(email.header.decode_header(raw)))
            except (LookupError, UnicodeError):
                return _words(raw)
            except (ValueError, email.errors.HeaderParseError):
                return raw
    return ""


def _eight_bit(value: str) -> str:
    """A header's raw 8-bit bytes (no RFC 2047 words: "From: \"\xc3\x94...\" <x@y>"), which the
    email package keeps as surrogates no store can hold: read as UTF-8, else Windows-1252."""
    if value.isascii() or not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    return _text(value.encode("utf-8", "surrogateescape"), None)


def _words(raw: str) -> str:
    """RFC 2047 words whose bytes are not in the charset they name ("=?UTF-8?Q?Luc=eda?=",
    Latin-1 bytes): each read in its charset, else UTF-8, else Windows-1252."""
    try:
        parts = email.header.decode_header(raw)
    except (ValueError, email.errors.HeaderParseError):
        return raw
    return "".join(p if isinstance(p, str) else _text(p, charset) for p, charset in parts)


def _text(data: bytes, charset: str | None) -> str:
    for name in (charset, "utf-8"):
        if name:
            try:
                return data.decode(name)
            except (LookupError, UnicodeError):
                pass
    return data.decode("cp1252", "replace")


def sender_name(value: str) -> str | None:
    """The display name of a From header, else its mailbox part: Mailman's "x at y (Name)"
    and "Name <x@y>" alike."""
    name, addr = email.utils.parseaddr(value)
    name = " ".join(name.split()).strip("\"' ")
    if name and " at " not in name:
        return name
    local = (addr or value).split("@")[0].split(" at ")[0].strip(" <>\"'")
    return local or None


def mail_date(value: str) -> str | None:
    try:
        return email.utils.parsedate_to_datetime(value).isoformat() if value else None
    except (TypeError, ValueError, IndexError):
        return None


# What the email package raises on the malformed MIME parts of real archives.
_MIME_ERRORS = (LookupError, UnicodeError, AssertionError, KeyError, AttributeError, ValueError,
                TypeError, IndexError)


def body_text(msg: EmailMessage) -> str:
    """The message's text: its text/plain part, else its HTML part as text."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        html = part.get_content_subtype() == "html"
    except _MIME_ERRORS:
        part, html = msg, False
    try:
        content = part.get_content()
    except _MIME_ERRORS:
        try:
            content = part.get_payload(decode=True)
        except _MIME_ERRORS:
            content = ""
    if not isinstance(content, str):
        content = decode(content) if isinstance(content, bytes) else ""
    return _html_text(content) if html else content


def _html_text(html: str) -> str:
    import lxml.html
    from lxml.etree import ParserError

    try:
        return element_text(lxml.html.fromstring(html))
    except (ParserError, ValueError):
        return ""
