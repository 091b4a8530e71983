"""Stack Exchange data dump `Posts.xml`: every question with its answers, one Thread each.

The dump is one `<posts>` element of `<row>` elements, one per post, with the post's HTML in the
`Body` attribute. Questions are PostTypeId 1, answers PostTypeId 2 (ParentId = the question); tag
wikis and other kinds are skipped. Dumps run to gigabytes, so rows are streamed with lxml's
iterparse and freed as they go; each Body is parsed on its own with the shared HTML helpers.

Blockquotes in SE bodies are the author citing outside text (SE has no reply quoting), so they
become `Quote`s with no author, as other engines' quote blocks do.

Posts.xml names most authors only by OwnerUserId; the dump's `Users.xml` beside it has their
display names (and where they live, when they joined). `parse_counted` takes that map; `parse`,
the registry's entry, reads it from a `Users.xml` next to the file it was given, when there is
one: the one read a parser makes besides its input, because the dump is a folder of files.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from bs4 import Tag
from lxml import etree

from scraper.html import clean, soup, text_of
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread

FORMAT = "stackexchange-xml"

QUESTION, ANSWER = "1", "2"

_ROOT = re.compile(r"^\ufeff?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<posts[\s>/]", re.S)
# Hosts of the Stack Exchange network; a dump folder is named after its site ("beer.stackexchange
# .com", or "stackoverflow.com-Posts" for the split Stack Overflow archive).
_HOST = re.compile(r"^((?:[a-z0-9-]+\.)*(?:(?:stackexchange|stackoverflow|serverfault|superuser|"
                   r"askubuntu|stackapps)\.com|mathoverflow\.net))(?:[-_]posts)?(?:\.xml|\.7z)?$")
# Old SE closed questions as duplicates by writing this notice into the body as a blockquote:
# it is neither the author's words nor a citation.
_DUPLICATE_NOTICE = re.compile(r"^(?:possible|exact) duplicates?\s*:", re.I)

# The alt text SE's editor gives every uploaded image unless the author writes one: not words.
_PLACEHOLDER_ALT = "enter image description here"


def sniff(head: str, name: str) -> str | None:
    """A `<posts>` root whose rows carry PostTypeId (Users/Comments/PostLinks dumps do not)."""
    if not _ROOT.match(head[:4096]):
        return None
    if "PostTypeId=" in head or _basename(name).lower() == "posts.xml":
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """Every question of the dump as a Thread: the question, then its answers by CreationDate.

    Answers whose question is not in the file are dropped (a partial dump); see `parse_counted`.
    """
    return parse_counted(data, name, sibling_users(name))[0]


class User(NamedTuple):
    """What Users.xml says of one member."""

    name: str
    location: str | None
    joined: str | None  # YYYY-MM-DD


def sibling_users(name: str) -> dict[str, User]:
    """The members in the Users.xml beside the dump file `name`, or {} when there is none
    (a file read from an archive or stdin, a dump shipped without it, an unreadable one)."""
    if not name:
        return {}
    path = Path(name).with_name("Users.xml")
    try:
        if path == Path(name) or not path.is_file():
            return {}
        return users(path.read_bytes())
    except (OSError, ParseError):
        return {}


def users(data: bytes) -> dict[str, User]:
    """Users.xml as {user id: User}; rows without a display name are left out."""
    out: dict[str, User] = {}
    for row in _rows(data, root="users"):
        name = clean(row.get("DisplayName"))
        if row.get("Id") and name:
            joined = _iso(row.get("CreationDate"))
            out[row["Id"]] = User(name, clean(row.get("Location")) or None,
                                  joined[:10] if joined else None)
    return out


def parse_counted(data: bytes, name: str = "",
                  members: dict[str, User] | None = None) -> tuple[list[Thread], int]:
    """`parse`, plus how many answers were dropped because their question is not in the file.
    `members` (from `users`) names the authors Posts.xml gives only by OwnerUserId."""
    forum = forum_from_name(name)
    questions: dict[str, tuple[dict[str, str], Post]] = {}
    answers: dict[str, list[tuple[str, int, Post]]] = defaultdict(list)
    for row in _rows(data):
        kind = row.get("PostTypeId")
        if kind == QUESTION and row.get("Id"):
            questions[row["Id"]] = (_thread_fields(row), _post(row, forum, members))
        elif kind == ANSWER and row.get("ParentId"):
            key = (row.get("CreationDate") or "", _int(row.get("Id")) or 0)
            answers[row["ParentId"]].append((*key, _post(row, forum, members)))
    if not questions:
        raise ParseError("no questions found: not a Stack Exchange Posts.xml")
    threads = [_thread(qid, fields, post, answers.pop(qid, []), forum)
               for qid, (fields, post) in questions.items()]
    dropped = sum(len(rows) for rows in answers.values())
    return threads, dropped


def forum_from_name(name: str) -> str | None:
    """The site host named by the dump's path ('…/beer.stackexchange.com/Posts.xml'), else None."""
    for part in reversed(re.split(r"[\\/]", name)):
        m = _HOST.match(part.lower())
        if m:
            return m.group(1)
    return None


def _rows(data: bytes, root: str = "posts") -> Iterator[dict[str, str]]:
    """The attributes of every <row>, streamed; the tree is freed behind us to bound memory."""
    events = etree.iterparse(io.BytesIO(data), events=("end",), tag="row", huge_tree=True,
                             resolve_entities=False, no_network=True)
    first = True
    try:
        for _, el in events:
            parent = el.getparent()
            if first and (parent is None or parent.tag != root):
                found = parent.tag if parent is not None else "row"
                raise ParseError(f"not a Stack Exchange {root.title()}.xml: root element is "
                                 f"<{found}>")
            first = False
            yield dict(el.attrib)
            el.clear()
            while el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as e:
        reason = str(e).splitlines()[0] if str(e) else "unreadable XML"
        raise ParseError(f"truncated or malformed Stack Exchange XML: {reason}") from None


def _thread_fields(row: dict[str, str]) -> dict[str, str]:
    keep = ("Title", "AnswerCount", "AcceptedAnswerId")
    return {k: row[k] for k in keep if k in row}


def _thread(qid: str, fields: dict[str, str], question: Post,
            answers: list[tuple[str, int, Post]], forum: str | None) -> Thread:
    answers.sort(key=lambda a: (a[0], a[1]))
    accepted = fields.get("AcceptedAnswerId")
    question.post_number = 1
    posts = [question]
    for number, (_, _, answer) in enumerate(answers, start=2):
        answer.post_number = number
        answer.reply_to = 1
        answer.accepted = accepted is not None and answer.post_id == accepted
        posts.append(answer)
    count = _int(fields.get("AnswerCount"))
    return Thread(thread_id=qid, title=clean(fields.get("Title")) or "", posts=posts,
                  posts_declared=None if count is None else count + 1, forum=forum,
                  url=question.url, format=FORMAT)


def _post(row: dict[str, str], forum: str | None, members: dict[str, User] | None = None) -> Post:
    body, quotes = _body(row.get("Body") or "")
    # OwnerDisplayName is only set for posts of deleted or unregistered users; a bare
    # OwnerUserId names no one unless Users.xml is there to join.
    member = (members or {}).get(row.get("OwnerUserId") or "")
    author = member.name if member else clean(row.get("OwnerDisplayName"))
    post_id = row.get("Id")
    url = None
    if forum and post_id:
        url = (f"https://{forum}/questions/{post_id}" if row.get("PostTypeId") == QUESTION
               else f"https://{forum}/a/{post_id}")
    return Post(body=body, post_id=post_id, author=author,
                author_source=AUTHOR_FROM_PAGE if author else None,
                author_location=member.location if member else None,
                author_joined=member.joined if member else None,
                posted_at=_iso(row.get("CreationDate")), quotes=quotes,
                score=_int(row.get("Score")), url=url)


def _body(html: str) -> tuple[str, list[Quote]]:
    """A Body's own words and the outside text it cites (outermost blockquotes only)."""
    if not html.strip():
        return "", []
    doc = soup(html)
    if _PLACEHOLDER_ALT in html:
        for img in doc.find_all("img", alt=_PLACEHOLDER_ALT):
            img.decompose()
    skip: list[Tag] = []
    quotes: list[Quote] = []
    # Most bodies cite nothing: skipping the search there is a measured 10% of parse time.
    blocks = doc.find_all("blockquote") if "<blockquote" in html else []
    for block in blocks:
        # `>!` spoilers are the author's own words, merely hidden.
        if "spoiler" in (block.get("class") or []) or block.find_parent("blockquote"):
            continue
        skip.append(block)
        text = text_of(block)
        if text and not _DUPLICATE_NOTICE.match(text):
            quotes.append(Quote(text=text))
    return text_of(doc.body or doc, skip), quotes


def _iso(text: str | None) -> str | None:
    """SE dump dates are ISO 8601 UTC with milliseconds: kept to the second, like other engines."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).isoformat(timespec="seconds")
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    # Not html.to_int: scores are signed.
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _basename(name: str) -> str:
    return re.split(r"[\\/]", name)[-1] if name else ""
