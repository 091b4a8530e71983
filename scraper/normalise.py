"""The clean-up every format shares, run once per thread after any parser.

Parsers of HTML and JSON already split quotes from the markup; plain-text copies cannot, so here
a quote's end is found by matching its lines against the earlier posts of the thread. Then quotes
are linked to the posts they quote, authors missing from the page are recovered from later quotes
("Originally Posted by X" over X's words), and signatures repeated under one author are split off.
A pure function of the thread: the store re-runs it when another page of the thread arrives.
"""

from __future__ import annotations

import re
from collections import defaultdict

from scraper.fields import SIGNATURE_RULE
from scraper.models import AUTHOR_FROM_QUOTE, Post, Quote, Thread
from scraper.text_quotes import plain_quotes

# "Quote Originally Posted by X View Post" (vBulletin), "Originally Posted by X", "X wrote:" (phpBB).
_QUOTE_HEAD = re.compile(
    r"^(?:Quote:?\s*)?(?:Originally Posted by\s+(?P<vb>.+?)(?:\s+View Post)?|"
    r"(?P<php>[^\s].{0,40}?)\s+wrote:)\s*$", re.I)
_MIN_VERBATIM = 60  # an unmarked line this long found in an earlier post is a quote, not a coincidence
# What an engine shows in place of a post by a member the saver ignores: the engine's words,
# never the member's (vBulletin, phpBB, XenForo, SMF, in English and German).
_IGNORED = re.compile(
    r"^[ \t]*(?:This message is hidden because .{1,80}? is on your ignore list\.?"
    r"|This post was made by .{1,80}? who is currently on your foe list\.?(?:\s*Display this post\.?)?"
    r"|You are ignoring content by this member\.?(?:\s*Show ignored content)?"
    r"|You are ignoring this user\.?(?:\s*Show me the post\.?)?"
    r"|Dieser Beitrag wurde von .{1,80}? verfasst, (?:der|die|den) sich auf deiner Ignorier-?Liste "
    r"befindet\.?(?:\s*Beitrag anzeigen\.?)?"
    r"|Du ignorierst Inhalte dieses Mitglieds\.?(?:\s*Ignorierte Inhalte anzeigen)?)[ \t]*$",
    re.I | re.M)


def normalise(thread: Thread) -> Thread:
    """Number posts, split text quotes, link quotes, recover authors, split signatures."""
    _storable(thread)
    number_posts(thread)
    seen = _Seen()
    for post in thread.posts:
        if "gnor" in post.body or "foe list" in post.body:
            post.body = _IGNORED.sub("", post.body).strip()
        _split_marked_quotes(post)
        seen.add(post, _split_text_quotes(post, seen))
    _link_quotes(thread)
    _link_replies(thread)
    _recover_authors(thread)
    _split_signatures(thread)
    _untitled(thread)
    return thread


def _split_marked_quotes(post: Post) -> None:
    """The quotes a post's text marks with "> " lines, as a mail does (a forum's posts
    migrated from a list or a newsgroup), split off: left in, each line found again in the
    post it quotes was split off alone, and the bare ">" between them stayed."""
    if "\n>" in "\n" + post.body:
        body, quotes = plain_quotes(post.body)
        if quotes:
            post.body = body
            post.quotes.extend(quotes)


def _untitled(thread: Thread, most: int = 80) -> None:
    """A thread no file gave a title (a Reddit dump's comments without their submission) is
    named as a reader would name it: by its first post's opening words. Parts are stored as
    parsed, so the merge still takes a real title from any file that has one."""
    if thread.title.strip() or not thread.posts:
        return
    words = " ".join(thread.posts[0].body.split())
    if len(words) > most:
        words = words[:most].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    thread.title = words


_SURROGATE = re.compile("[\ud800-\udfff]")
_INT64 = range(-(1 << 63), 1 << 63)


def _storable(thread: Thread) -> None:
    """What no store can hold made harmless, where a thread holding it was lost whole: lone
    surrogates (a JSON "\\ud83d" cut from its pair, a mail header's raw bytes) as U+FFFD, and
    numbers past 64 bits (a dump's "post_number": 99999999999999999999) as unknown."""
    def scrub(obj: object) -> None:
        for name, value in vars(obj).items():
            if isinstance(value, str):
                if not value.isascii() and _SURROGATE.search(value):
                    setattr(obj, name, _SURROGATE.sub("\ufffd", value))
            elif isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
                setattr(obj, name, None)

    scrub(thread)
    for post in thread.posts:
        scrub(post)
        for quote in post.quotes:
            scrub(quote)


class _Seen:
    """The thread's earlier posts, keyed once for matching (normalising is per post, not per pair)."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.keys: list[str] = []
        self.lines: list[set[str]] = []
        self.by_line: dict[str, Post] = {}

    def add(self, post: Post, keys: list[str] | None = None) -> None:
        """`keys`: those of the post's lines as its body stands, when already made."""
        if keys is None:
            keys = [_key(x) for x in post.body.split("\n")]
        lines = set(keys)
        lines.discard("")
        self.posts.append(post)
        self.keys.append(" ".join(k for k in keys if k))  # = _key(post.body), a line at a time
        self.lines.append(lines)
        for line in lines:
            self.by_line[line] = post

    def containing(self, text: str) -> Post | None:
        """The latest earlier post whose words contain `text` (keyed)."""
        for post, key in zip(reversed(self.posts), reversed(self.keys)):
            if text in key:
                return post
        return None


def number_posts(thread: Thread) -> None:
    """Give every post a number: those the page did not number follow the last numbered one
    (or the page's offset), unless the page gives that number to another post (vBulletin 5's
    comments between replies #3 and #4): then they follow the page's highest. No two posts
    share a number, as the store keeps one post a number."""
    known = [p.post_number for p in thread.posts if p.post_number]
    if len(known) == len(thread.posts):
        return
    taken = set(known)
    nxt = (max(known) + 1) if known else 1
    if not known and thread.page and thread.page > 1 and thread.posts_declared is None:
        nxt = (thread.page - 1) * len(thread.posts) + 1
    after = nxt  # the next number after the page's highest not yet given
    for post in thread.posts:
        if not post.post_number:
            if nxt in taken:
                nxt, after = after, after + 1
            post.post_number = nxt
            taken.add(nxt)
            after = max(after, nxt + 1)
        nxt = post.post_number + 1


def _key(line: str) -> str:
    return " ".join(line.lower().split())


def _split_text_quotes(post: Post, seen: _Seen) -> list[str] | None:
    """Split off quotes a plain-text copy left unmarked; the keys of the body's lines, unless
    that changed the body. Each line is keyed once, for every lookup and for `seen`."""
    lines = post.body.split("\n")
    keys = [" ".join(x.split()) for x in post.body.lower().split("\n")]  # _key of each line
    heads = "osted by" in post.body or "POSTED BY" in post.body or "wrote:" in post.body \
        or "WROTE:" in post.body
    if not heads and not _maybe_verbatim(keys, post.body, seen):
        return keys  # most posts: nothing to look at line by line
    own: list[str] = []
    i = 0
    while i < len(lines):
        head = _QUOTE_HEAD.match(lines[i].strip()) if heads else None
        if heads and lines[i].strip() in ("Quote:", "Quote") and i + 1 < len(lines) \
                and _QUOTE_HEAD.match(lines[i + 1].strip()):
            i += 1  # vB3 copies: "Quote:" on its own line above "Originally Posted by X"
            continue
        if head:
            author = head.group("vb") or head.group("php")
            n, source = _quoted_span(lines[i + 1:], keys[i + 1:], seen, author)
            text = "\n".join(lines[i + 1: i + 1 + n]).strip()
            if text:
                number = source.post_number if source else None
                post.quotes.append(Quote(text=text, author=author, post_number=number))
            i += 1 + n
            continue
        quoted = _verbatim_source(lines[i], keys[i], seen, post.author)
        if quoted is not None:
            text = _quoted_inline(lines[i].strip()) or lines[i].strip()
            post.quotes.append(Quote(text=text, author=quoted.author,
                                     post_number=quoted.post_number))
        else:
            own.append(lines[i])
        i += 1
    if len(own) == len(lines):
        return keys
    post.body = re.sub(r"\n{3,}", "\n\n", "\n".join(own)).strip()
    return None


def _maybe_verbatim(keys: list[str], body: str, seen: _Seen) -> bool:
    """Could a line be copied from an earlier post (`_verbatim_source`)? Asked of the whole
    post at once, in C, before asking each line."""
    if not seen.posts:
        return False
    if not seen.by_line.keys().isdisjoint(keys):
        return True
    return any(k[:1] in _OPENERS and k[-1:] in _CLOSERS or _QUOTE_LABEL.match(k) for k in keys)


def _quoted_span(lines: list[str], keys: list[str], seen: _Seen, author: str | None
                 ) -> tuple[int, Post | None]:
    """How many of `lines` are quoted text, and from which earlier post.

    The quote runs as long as its lines are lines of one earlier post (the quoted author's
    preferred). With no such post on hand (it is on another page), the first paragraph is the
    quote when own words follow it, else all but the last line.
    """
    best, best_post = 0, None
    for cand, own in zip(reversed(seen.posts), reversed(seen.lines)):
        n = _run_length(keys, own)
        if n > best or (n == best and n and author and cand.author == author
                        and (best_post is None or best_post.author != author)):
            best, best_post = n, cand
    if best:
        return best, best_post
    stripped = [x.strip() for x in lines]
    if "" in stripped[1:] and any(stripped[stripped.index("", 1):]):
        return stripped.index("", 1), None
    return max(len([x for x in stripped if x]) - 1, 0), None


def _run_length(keys: list[str], own: set[str]) -> int:
    n = matched = 0
    for i, k in enumerate(keys):
        if not k:
            continue
        if k not in own:
            break
        n, matched = i + 1, matched + 1
    return n if matched else 0


# A line that marks itself as quoted words: an aside "(…)", words in quotation marks, or a
# label typed before them ("Quote: A watchdog should only…", "> a hop needs a stand", where
# the forum had no quote button or the member did not use it).
_OPENERS, _CLOSERS = "(\"“„«", ")\"”“»"
_QUOTE_LABEL = re.compile(r"^(?:(?:quote|zitat|citation|cita|lainaus|idézet|cytat|citaat)\s*:|>)"
                          r"\s*(?=\S)", re.I)


def _quoted_inline(line: str) -> str | None:
    """The words a (stripped) line marks as quoted; None when it marks none."""
    m = _QUOTE_LABEL.match(line)
    if m:
        line = line[m.end():]
        return (line[1:-1] if line[:1] in _OPENERS and line[-1:] in _CLOSERS else line).strip()
    if len(line) > 2 and line[0] in _OPENERS and line[-1] in _CLOSERS:
        return line[1:-1].strip()
    return None


def _verbatim_source(line: str, key: str, seen: _Seen, author: str | None = None
                     ) -> Post | None:
    """A line copied from an earlier post without a quote header.

    A long line that is a whole line of an earlier post, or a line marked as quoted
    (`_quoted_inline`) holding an earlier post's words (searched as a substring: it may join
    several of their lines). A line that `author` wrote before is no quote: members post
    their code, their list, their question again, changed or not.
    """
    s = line.strip()
    if not s or not seen.posts:
        return None
    inner = _quoted_inline(s)
    if inner is not None:  # a few words are enough after a label or "> " (Hacker News)
        least = 10 if _QUOTE_LABEL.match(s) else 20
        source = seen.containing(_key(inner)) if len(inner) >= least else None
    else:
        source = seen.by_line.get(key) if len(s) >= _MIN_VERBATIM else None
    # (a line of code opens with ">" too: ">&2 echo" in a batch file posted again)
    return None if source is not None and author and source.author == author else source


def _link_quotes(thread: Thread) -> None:
    """Give every quote the number of the post it quotes: by the forum's post id, else by text."""
    by_id = {p.post_id: p for p in thread.posts if p.post_id}
    keys: list[str] = []  # of the bodies, made when a quote first needs them
    for i, post in enumerate(thread.posts):
        for quote in post.quotes:
            if quote.post_number:
                continue
            if quote.post_id and quote.post_id in by_id:
                quote.post_number = by_id[quote.post_id].post_number
                continue
            probe = _key(quote.text)[:120]
            if len(probe) < 12:
                continue
            keys = keys or [_key(p.body) for p in thread.posts]
            matches = [p for p, key in zip(thread.posts[:i], keys) if probe in key]
            preferred = [p for p in matches if quote.author and p.author == quote.author]
            if preferred or matches:
                quote.post_number = (preferred or matches)[-1].post_number


def _link_replies(thread: Thread) -> None:
    """Give a reply the number of the post it names as its parent, when its own file did not
    hold that post (the reply is in one month's archive, its parent in another's)."""
    by_id = {p.post_id: p.post_number for p in thread.posts if p.post_id}
    for post in thread.posts:
        if post.reply_to is None and post.reply_to_id:
            parent = by_id.get(post.reply_to_id)
            if parent is not None and parent != post.post_number:
                post.reply_to = parent


def _recover_authors(thread: Thread) -> None:
    """A post with no author on the page is whoever a later quote of it names."""
    by_number = {p.post_number: p for p in thread.posts}
    for post in thread.posts:
        for quote in post.quotes:
            quoted = by_number.get(quote.post_number)
            if quoted is not None and quoted is not post and quote.author and not quoted.author:
                quoted.author, quoted.author_source = quote.author, AUTHOR_FROM_QUOTE
            elif quoted is not None and not quote.author and quoted.author:
                quote.author = quoted.author


def _split_signatures(thread: Thread) -> None:
    """Signatures: after a "______" rule, or the same closing lines under several posts of one author."""
    for post in thread.posts:
        if post.signature:
            continue
        parts = SIGNATURE_RULE.split(post.body, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            post.body, post.signature = parts[0].strip(), parts[1].strip()
    by_author: dict[str, list[Post]] = defaultdict(list)
    for post in thread.posts:
        if post.author and not post.signature:
            by_author[post.author].append(post)
    for posts in by_author.values():
        if len(posts) < 2:
            continue
        tail = _common_tail([p.body.split("\n") for p in posts])
        if not tail:
            continue
        for post in posts:
            lines = post.body.split("\n")
            post.body = "\n".join(lines[: len(lines) - len(tail)]).strip()
            post.signature = "\n".join(tail).strip()


def _common_tail(bodies: list[list[str]]) -> list[str]:
    """The closing lines all bodies share, provided every body keeps words of its own above them."""
    tail: list[str] = []
    shortest = min(len(b) for b in bodies)
    for k in range(1, shortest):
        lines = {b[-k].strip() for b in bodies}
        if len(lines) != 1:
            break
        tail.insert(0, bodies[0][-k])
    while tail and not tail[0].strip():
        tail.pop(0)
    if not "".join(tail).strip() or len(" ".join(tail)) < 8:
        return []
    return tail
