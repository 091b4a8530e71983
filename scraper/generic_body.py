"""A post record's body: the element that holds the member's words, the quotes in it, the
chrome to leave out (signatures, edit notes, code gutters), and the signature beside it.

The body is found by shape where the class names fail: of the elements classed as a body, the
deepest that holds (nearly) all of the record's words without its author pane and tool bars.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.etree import _Element

from scraper.generic_words import (
    ATTRIBUTION,
    IS_AUTHOR,
    IS_BODY,
    IS_CHROME,
    IS_NOT_BODY,
    IS_QUOTE,
    IS_SIGNATURE,
    NUMBERED_POST,
    QUOTE_AUTHOR_ATTRS,
    Hints,
    attributed,
    attribution_lines,
    hinted,
    is_profile_link,
    may_attribute,
    text_of,
)
from scraper.html import clean, element_text
from scraper.models import Quote
from scraper.text_quotes import plain_quotes

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}  # subject lines over a post's words


def body_element(parts: list[_Element], author_el: _Element | None, hints: Hints
                 ) -> _Element | None:
    """The element holding the post's words: of the elements classed as a body that hold its
    words without the author pane, headers and tool bars, the deepest that holds (nearly) all."""
    author_path = set(author_el.iterancestors()) | {author_el} if author_el is not None else set()
    found: list[tuple[int, int, _Element]] = []
    lengths: dict[_Element, tuple[int, int]] = {}  # body classes nest: each measured once
    others: list[_Element] = []  # the name panes of other members inside the record
    for part in parts:
        # A record's own element holds its author; the blocks after it may be the body itself.
        for el in hints.under(part, self_too=part is not parts[0]):
            if el in author_path:
                continue
            hint = hints[el]
            # (a link classed as a comment's is its permalink: "comment_link", no words)
            if hint & IS_BODY and not hint & IS_NOT_BODY and el.tag != "a" \
                    and not _in_pane(el, part, hints):
                found.append((*_clean_len(el, lengths, hints), el))
            elif hint & IS_AUTHOR and author_el is not None and not hint & IS_QUOTE:
                others.append(el)
    if others and len(found) > 1:
        found = _own(found, others, author_el, author_path, parts) or found
    if not found:
        return _largest_block(parts, author_path)
    # Measured by the words outside links where there are any: a post's own words are.
    at = 1 if any(f[1] for f in found) else 0
    if not at:  # a post of a link alone: in the block named a body, not the bar of links
        named = [f for f in found if hinted(_NAMED_BODY, f[2].get("class") or "")]
        found = named or found
    most = max(f[at] for f in found)
    near = [f[2] for f in found if f[at] >= 0.9 * most]
    # The deepest of those, and of blocks side by side (a header bar, the words, a signature
    # unclassed as one), the one named a body more than a post's part, else the first.
    holders = {a for el in near for a in el.iterancestors()}
    deepest = [el for el in near if el not in holders]
    body = min(deepest, key=lambda el: not hinted(_NAMED_BODY, el.get("class") or ""))
    return _split_body(body, author_path, parts)


def _split_body(body: _Element, author_path: set[_Element], parts: list[_Element]) -> _Element:
    """The block around a body cut into sibling pieces of one class, and the quotes between
    them: phpBB 2 closes its <span class="postbody"> before each quote's table and opens
    another after it."""
    parent = body.getparent()
    cls = body.get("class")
    if not cls or parent is None or parent in author_path or parent in parts:
        return body
    for sibling in parent:
        if sibling is not body and sibling.tag == body.tag and sibling.get("class") == cls:
            return parent
    return body


# BODY_CLASS's words without "post", which engines' headers and bars are classed by too
# ("postdetails", "postdata") as much as their words.
_NAMED_BODY = re.compile(r"body|content|message|msg|text(?!-?(?:size|align|center|left|right|"
                         r"muted|small|large|bold|color))|entry|comment|article|bbwrapper", re.I)


def _own(found: list[tuple[int, int, _Element]], others: list[_Element],
         author_el: _Element | None, author_path: set[_Element], parts: list[_Element]
         ) -> list[tuple[int, int, _Element]]:
    """The bodies neither in nor around another member's post inside the record: a comment on
    an answer, numbered as a post and named by its own member, with longer words than the
    answer's (medhelp's comments under each answer)."""
    name = " ".join(text_of(author_el).split()) if author_el is not None else ""
    stop = author_path | set(parts)
    blocks = set()
    for other in others:
        shown = " ".join(text_of(other).split())
        if not shown or len(shown) > 40 or shown.startswith(name):
            continue  # no name, a whole pane, or the author's own name again
        for a in other.iterancestors():
            if a in stop:
                break
            if NUMBERED_POST.fullmatch(a.get("id") or ""):
                blocks.add(a)
                break
    if not blocks:
        return found
    around = {a for b in blocks for a in b.iterancestors()}
    return [f for f in found if f[2] not in blocks and f[2] not in around
            and not any(a in blocks for a in f[2].iterancestors())]


def _in_pane(el: _Element, record: _Element, hints: Hints) -> bool:
    """Is `el` inside the author pane, a header or a tool bar of the record?"""
    for parent in el.iterancestors():
        if parent is record:
            return False
        hint = hints.get(parent, 0)
        if hint & IS_NOT_BODY and not hint & IS_BODY or hint & IS_CHROME:
            return True
    return False


def _clean_len(el: _Element, known: dict[_Element, tuple[int, int]], hints: Hints
               ) -> tuple[int, int]:
    """Text length without the headers, dates and tool bars inside; and of that, the length
    outside links (a bar of "#21", "Quote", "Edit" links is none of the member's words)."""
    found = known.get(el)
    if found is not None:
        return found
    n = len((el.text or "").strip())
    unlinked = 0 if el.tag == "a" else n
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _HEADINGS:
            hint = hints.get(child, 0)
            # (A block of hundreds of words is no header nor bar, whatever its class says:
            # "inset small", a quote box classed by its size; unless a block named a body is
            # in it, which is measured itself: Kunena's "badger-info" box around the words.)
            if not hint & (IS_NOT_BODY | IS_CHROME) or hint & IS_QUOTE \
                    or not hint & IS_CHROME and len(text_of(child)) > _NO_HEADER \
                    and not _holds_a_body(child, hints):
                inner, inner_unlinked = _clean_len(child, known, hints)
                n += inner
                unlinked += 0 if el.tag == "a" else inner_unlinked
        tail = len((child.tail or "").strip())
        n += tail
        unlinked += 0 if el.tag == "a" else tail
    known[el] = n, unlinked
    return n, unlinked


_NO_HEADER = 400


def _holds_a_body(el: _Element, hints: Hints) -> bool:
    return any(hints[d] & IS_BODY and not hints[d] & IS_NOT_BODY
               for d in hints.under(el, self_too=False))


def _largest_block(parts: list[_Element], avoid: set[_Element]) -> _Element | None:
    best, best_len = None, 0
    for part in parts:
        for el in part.iter("div", "td", "p", "section", "article", "blockquote"):
            if el in avoid:
                continue
            n = len(text_of(el))
            if n > best_len:
                best, best_len = el, n
    return best


def quotes_and_chrome(body: _Element, hints: Hints) -> tuple[list[Quote], list[_Element]]:
    """The body's quotes, and the quote blocks and chrome to leave out of its own words."""
    quotes: list[Quote] = []
    skip: list[_Element] = []
    skipped: set[_Element] = set()  # the same, to ask the ancestors up to the body once each
    for el in body.iterdescendants():
        if not isinstance(el.tag, str) or skipped and _inside(el, skipped, body):
            continue
        hint = hints.get(el, 0)
        if el.tag == "blockquote" or "quote" in el.tag or hint & IS_QUOTE \
                and el.tag not in ("span", "a", "b", "strong", "i", "em"):
            if not hint & IS_QUOTE and el.tag == "blockquote" and _is_whole(el, body) \
                    and not _attributed(el):
                continue  # a body all in <blockquote> is the member's words, not a quote
            # The line over the block names it; a line opening the block then names a quote
            # inside it (Something Awful's "A posted:" over a quote of "B posted:").
            before = _attribution_before(el)
            quote = _quote(el, headed=before is not None)
            # (before a head the block holds: SMF's quote of a quote holds the inner quote's
            # "Quote from: B" header over it, its own "Quote from: A" is the block before)
            quote.author = before or quote.author
            quotes.append(quote)
            skip.append(el)
            skipped.add(el)
        elif el.tag in _BOXES and _opens_attributed(el) and not _holds_a_quote(el, hints):
            quotes.append(_quote(el))  # vBulletin 2's "<div><b>Originally posted by X</b>"
            skip.append(el)
            skipped.add(el)
        elif hint & IS_CHROME or el.tag in ("script", "style") or _button_bar(el) \
                or _edit_note(el):
            skip.append(el)
            skipped.add(el)
    # A quote header in an element of its own ("X schrieb:" over the quoted box) names the
    # author of the quote after it.
    kept: list[Quote] = []
    for q in quotes:
        # (a header's text may be a toggle's "..." alone: Hyperkitty's "quoted-switch")
        if kept and not any(c.isalnum() for c in kept[-1].text) and kept[-1].author \
                and not q.author:
            q.author = kept.pop().author
        kept.append(q)
    return [q for q in kept if any(c.isalnum() for c in q.text)], skip


_BOXES = {"div", "table", "td", "fieldset"}


def _holds_a_quote(el: _Element, hints: Hints) -> bool:
    """Does `el` hold a quote block of its own? Then the attribution it opens with is that
    quote's (Kunena 3: "<b>X wrote:</b>" over a div.kmsgtext-quote, then the reply), and `el`
    is the post's words, not a quote."""
    return any(d.tag == "blockquote" or hints.get(d, 0) & IS_QUOTE for d in el.iterdescendants())


def _opens_attributed(el: _Element) -> bool:
    """Does the block open with an attribution line ("Originally posted by X", "X wrote:")
    of its own, in its text or in the bold (or italic) element it starts with?"""
    head = (el.text or "").strip()
    if not head and len(el) and el[0].tag in ("b", "strong", "i", "em", "span", "font"):
        head = text_of(el[0]).strip()
    elif not head and 1 < len(el) <= 3 and el[0].tag == "div" \
            and not any((c.tail or "").strip() for c in el):
        # vBulletin 3's box: <div class="smallfont">Quote:</div> over the quoted table, and
        # nothing else (a post whose own words follow a header and a quote is no quote)
        head = text_of(el[0]).strip()
    return bool(head) and len(head) < 80 and may_attribute(head) \
        and ATTRIBUTION.match(head) is not None


_BAR = re.compile(r"option|action|button|control|tool", re.I)
# "Last edited by X on …; edited 1 time in total", an element of its own unclassed as a note.
_EDIT_NOTE = re.compile(r"\s*(?:last\s+edited|edited|zuletzt\s+(?:bearbeitet|geändert))\s+"
                        r"(?:by|von)\s|\s*(?:dernière\s+)?modifié\s+par\s", re.I)


# The label over a code block, in an element of its own (phpBB 2's "<b>Code:</b>" in the
# row over the code's cell, vBulletin's "<div class="smallfont">Code:</div>").
_CODE_LABEL = re.compile(r"\s*(?:code|kod|código|codice|quellcode|source code)\s*:?\s*", re.I)


def _edit_note(el: _Element) -> bool:
    """Is `el` a note of the post's last edit, or the label over a code block?"""
    if el.tag not in ("span", "div", "p", "em", "i", "small", "font", "b", "strong", "td"):
        return False
    text = text_of(el)
    return len(text) < 250 and _EDIT_NOTE.match(text) is not None \
        or len(text) < 20 and _CODE_LABEL.fullmatch(text) is not None


def _button_bar(el: _Element) -> bool:
    """A block of the post's buttons inside its body ("Reply Quote"): classed as options or
    actions, and every word of it a link's or a button's."""
    if not _BAR.search(el.get("class") or "") or el.tag in ("a", "button"):
        return False
    words = text_of(el).split()
    linked = sum(len(text_of(a).split()) for a in el.iter("a", "button"))
    return 0 < len(words) <= 8 and linked == len(words)


def _inside(el: _Element, among: set[_Element], top: _Element) -> bool:
    """Is `el` inside one of `among`, all of them under `top`?"""
    for parent in el.iterancestors():
        if parent is top:
            return False
        if parent in among:
            return True
    return False


def _attribution_before(el: _Element) -> str | None:
    """The author an "X wrote:" line just before the quote block names."""
    prev = el.getprevious()
    parent = el.getparent()
    if prev is None and parent is not None and parent.tag == "tr" and not (parent.text or "").strip():
        # phpBB 2's quote table: "X wrote:" in the row over the quote's cell
        prev = parent.getprevious()
    before = (prev.tail or "") if prev is not None else (el.getparent().text or "")
    if prev is not None and not before.strip():
        before = text_of(prev)
    lines = [ln.strip() for ln in before.split("\n") if ln.strip()]
    head = ATTRIBUTION.match(lines[-1]) if lines else None
    return clean(attributed(head)) if head else None


def _attributed(el: _Element) -> bool:
    first = element_text(el).split("\n", 1)[0].strip()
    return next(el.iter("cite"), None) is not None or bool(ATTRIBUTION.match(first)) \
        or _linked_head(el) is not None


# The quoted post's id in the link a quote opens with ("/post/88792842", "#p123", "?pid=9").
_QUOTED_POST = re.compile(r"(?:/posts?/|[?&](?:p|pid|post|postid)=|#(?:p|post-?|msg))(\d+)\b")


def _linked_head(el: _Element) -> tuple[_Element, str] | None:
    """The link a quote opens with and the name it shows, when the quote reads "name:" and
    then the words (Nairaland's `<a href=/post/123><b>name</b></a>:`): no attribution word,
    but a linked name and a colon before anything else."""
    if (el.text or "").strip():
        return None
    first = next((c for c in el if isinstance(c.tag, str)), None)
    if first is None or first.tag != "a" or not (first.tail or "").lstrip().startswith(":"):
        return None
    name = " ".join(text_of(first).split())
    return (first, name) if 0 < len(name) <= 40 else None


def _is_whole(el: _Element, body: _Element) -> bool:
    return len(text_of(el).strip()) >= 0.9 * len(text_of(body).strip())


# The element a quote's header is classed by (IP.Board's "ipsQuote_citation", "quote-header",
# "bbCodeBlock-title"), holding who said it and when, not the words.
_QUOTE_HEAD_CLASS = re.compile(r"citation|quote-?(?:header|head|title|cite|author)\b|"
                               r"bbCodeBlock-title", re.I)


def _quote(el: _Element, headed: bool = False) -> Quote:
    """The quote `el` holds; with `headed`, its attribution line is over it, not in it."""
    author = next((el.get(a) for a in QUOTE_AUTHOR_ATTRS if el.get(a)), None)
    cite = next(el.iter("cite"), None)
    if cite is not None:  # phpBB's <cite>X wrote:</cite> inside the quote
        head = ATTRIBUTION.match(" ".join(text_of(cite).split()))
        # phpBB 3.2: <cite><a href=…viewprofile…>X</a> wrote: <a>↑</a><div>28 Aug 2018</div>
        profile = next((a for a in cite.iter("a") if is_profile_link(a.get("href") or "")), None)
        author = author or (clean(attributed(head)) if head and profile is None
                            else clean(text_of(profile)) if profile is not None
                            else clean(text_of(cite)))
        return Quote(text=element_text(el, [cite]), author=author)
    head_el = next((h for h in el.iterdescendants() if isinstance(h.tag, str)
                    and _QUOTE_HEAD_CLASS.search(h.get("class") or "")), None)
    if head_el is not None:  # "В 22.05.2025 в 11:39, sLeia сказал:": the head, in any language
        head = ATTRIBUTION.match(" ".join(text_of(head_el).split()))
        return Quote(text=element_text(el, [head_el]),
                     author=author or (clean(attributed(head)) if head else None))
    linked = _linked_head(el)
    if linked is not None:
        link, name = linked
        m = _QUOTED_POST.search(link.get("href") or "")
        text = element_text(el, [link]).lstrip()[1:].strip()  # the colon after the name
        return Quote(text=text, author=author or name, post_id=m.group(1) if m else None)
    text = element_text(el)
    # Up to two heads: vBulletin 3's "Quote:" then "Originally Posted by X" on a line of its own.
    for _ in range(0 if headed else 2):
        first, _, rest = text.lstrip().partition("\n")
        head = ATTRIBUTION.match(first.strip())
        if not head:
            break
        author = author or clean(attributed(head) or "") or None
        text = rest.strip()
        if author is None and head.group("b") == "":  # "Quote" alone, the name bold below it
            name, _, after = text.partition("\n")
            if after and _bold_name_first(el, name.strip()):
                author, text = name.strip(), after.strip()
                break
    return Quote(text=text, author=author)


def _bold_name_first(el: _Element, line: str) -> bool:
    """Is `line` a short name the quote shows in a bold element of its own, before its words
    (Phorum's <small>Quote</small><strong>X</strong><br>)?"""
    if not 0 < len(line) <= 40 or line.endswith((".", "!", "?")):
        return False
    bold = next((b for b in el.iter("strong", "b")), None)
    return bold is not None and " ".join(text_of(bold).split()) == line


def own_text(body: _Element, skip: list[_Element]) -> tuple[str, list[Quote]]:
    """The body's words with quotes and chrome left out, and the attribution lines that stood
    over the quotes ("X wrote:" as plain text just before a quote block) dropped too; and the
    quotes marked only by "> " lines, as mail marks them (Phorum's own quote button)."""
    text, quotes = plain_quotes(element_text(body, skip, gaps=True))
    heads = {line for line in attribution_lines(text) if _over_a_quote(line)}
    if heads:
        text = "\n".join(line for line in text.split("\n") if line not in heads)
    text = _TALLY.sub("", re.sub(r"\n{3,}", "\n\n", text).strip()).rstrip()
    return _EDIT_LINE.sub("", text).rstrip() if "dit" in text[-200:] else text, quotes


# The edit note an engine writes into the post's own text as its last line (Phorum's "Edited 1
# time(s). Last edit at 03/15/2015 10:26AM by X.", phpBB 2's "Last edited by X on …; edited 1
# time in total"): the engine's words, not the member's.
_EDIT_LINE = re.compile(r"(?:\A|\n)[ \t]*(?:(?:edited \d+ times?(?:\(s\))?\.?[ \t]*)?"
                        r"last edit(?:ed)?[ \t]+(?:at|on|by)\b[^\n]{1,120}"
                        # Invision's "Edited March 8 by X" (a date, then the editor)
                        r"|edited[ \t]+(?:on[ \t]+)?[^\n]{1,40}?[ \t]by[ \t]+[^\n]{1,60})$", re.I)


def _over_a_quote(line: str) -> bool:
    """Is `line` (one of attribution_lines) an attribution that stood over a quote block? Not
    vBulletin's "Originally Posted by X" in plain text: with the quoted words after it, a
    hand-typed quote that normalise splits off whole."""
    head = ATTRIBUTION.match(line.strip())
    return head is not None and head.group("d") is None


# The post's tallies in a line of their own after its words ("3 Likes 2 Shares", Nairaland's
# counters in the body's cell), or alone where a post is all quote: counts, not words.
_TALLY = re.compile(r"(?:\A|\n)\s*(?:\d[\d,.]*\s*(?:likes?|shares?|reactions?|thanks|upvotes?|"
                    r"downvotes?|votes?|points?|kudos)\b\s*)+$", re.I)


def after_rule(body: _Element, skip: list[_Element]) -> str | None:
    """The words after the last rule (<hr>) the body holds at its own level: where a member's
    posts repeat them, the signature an engine writes under a rule with no class to say so
    (HealingWell's <hr class="PostHR">). None where the body holds no such rule."""
    rules = [child for child in body if child.tag == "hr"]
    if not rules:
        return None
    rule = rules[-1]
    pieces = [rule.tail or ""]
    for sibling in rule.itersiblings():
        if isinstance(sibling.tag, str) and sibling not in skip:
            pieces.append(element_text(sibling, skip))
        pieces.append(sibling.tail or "")
    lines = [clean(line) for piece in pieces for line in piece.split("\n")]
    return "\n".join(line for line in lines if line) or None


def signature(parts: list[_Element], hints: Hints) -> str | None:
    """The text of the record's signature pane, inside the body or beside it, when it has one."""
    for part in parts:
        for el in hints.under(part):
            if hints[el] & IS_SIGNATURE \
                    and not any(hints.get(a, 0) & IS_QUOTE or a.tag == "blockquote"
                                for a in el.iterancestors()):
                menus = [d for d in el.iterdescendants() if isinstance(d.tag, str)
                         and _MENU.search(d.get("class") or "")]
                text = clean(element_text(el, menus))
                if text:
                    return text
    return None


# A menu inside the signature's pane (Invision's "Hide X's signature" in a hidden ipsMenu)
_MENU = re.compile(r"menu\b|\bhide\b|hidden\b|ipsHide", re.I)


# Flarum opens a reply with a link to the post it answers ("@name#123", shown as the name):
# /d/{discussion}-{slug}/{post number}.
_MENTION = "PostMention"
_MENTIONED_NUMBER = re.compile(r"/(\d+)/?$")


def replied_post(body: _Element) -> tuple[_Element | None, int | None]:
    """The link a reply opens with to the post it answers, and that post's number: the link
    is the reply's `reply_to`, not its words. (None, None) when the body opens otherwise."""
    for item in _in_order(body):
        if isinstance(item, str):
            if item.strip():
                return None, None
        elif item.tag == "a" and _MENTION in (item.get("class") or "").split():
            m = _MENTIONED_NUMBER.search(item.get("href") or "")
            return (item, int(m.group(1))) if m else (None, None)
    return None, None


def _in_order(el: _Element) -> Iterator[_Element | str]:
    """The elements and strings under `el` in the order they read."""
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str):
            yield child
            yield from _in_order(child)
        if child.tail:
            yield child.tail
