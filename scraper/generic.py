"""Thread pages of engines kb has no parser for ("generic-html"): posts found by record mining.

A thread page repeats one block per post: sibling elements of the same shape, each carrying a
member's name (a profile link, an element classed author/username/poster), a date and a body of
text. That is the idea behind MDR / DEPTA ("mining data records"), done here on counts taken in
one bottom-up pass over the lxml tree (`generic_count`), so that a page of 200 posts costs one
walk, not one per candidate. Inside each record `scraper.generic_post` reads author, date and
id, `generic_body` the body, quotes and signature, `generic_numbers` the post numbers,
`generic_dates` what the posts side by side still say (dates, signatures); the words all of
them look for are in `generic_words`. `generic_pages` says when a page holds no
thread at all (a board's list of topics, a redirect stub).

Registered last: every named engine parser is asked first, and this one claims only pages that
look like HTML; a page where no records are found raises ParseError saying so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from itertools import islice
from urllib.parse import urlparse

from lxml import etree
from lxml.etree import ParserError, _Element

from scraper import structured
from scraper.css_hidden import drop_hidden
from scraper.fields import slug
from scraper.generic_count import Counts, count, is_record
from scraper.generic_dates import date_from_the_page, signed_under_rules
from scraper.generic_layouts import ROWS, nested_records, partner_rows, same_rows, shape, topic_list
from scraper.generic_lead import with_lead
from scraper.generic_numbers import number_posts
from scraper.generic_pages import canonical, is_member_page, lists_topics, redirect, site_host
from scraper.generic_post import Record, read_post
from scraper.generic_single import single
from scraper.generic_words import text_of
from scraper.html import clean, decode
from scraper.models import NotAThread, ParseError, Post, Thread
from scraper.urls import thread_number

FORMAT = "generic-html"

_SNIFF = re.compile(r"<html|<!doctype html|<body|<div", re.I)
# lxml.etree, not lxml.html: lxml.html looks up a Python class for every element it hands out,
# a fifth of the time of a page. No table of ids (nothing here asks XPath's id()): a tenth of
# the parse.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                           collect_ids=False)



def sniff(head: str, name: str) -> str | None:
    """'generic-html' for any HTML page: asked last, after every engine's own sniffer."""
    return FORMAT if _SNIFF.search(head[:4096]) else None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The page's thread with the posts its repeated records hold, in page order."""
    root = tree(data)
    drop_hidden(root)  # decoy posts a page's own style sheet hides from its readers
    if is_member_page(root, name):
        raise NotAThread("a member's profile page, not a thread page")
    counts = count(root)
    groups = record_groups(root, counts)
    if not groups and _open_noscript(root):
        counts = count(root)
        groups = record_groups(root, counts) or _lone_article(root, counts)
    if not groups:
        described = structured.threads(root)
        if described:  # no post markup, but the page describes its thread to search engines
            return [_described(root, t) for t in described]
        moved = redirect(root, counts)
        if moved is not None:
            raise NotAThread(f"a redirect to {moved}, not a thread page")
        raise ParseError("no repeated post records found: not a thread page kb can read")
    found: list[tuple[Record, Post]] = []
    for records in groups:  # the best group first; the next when none of its has a post
        found = [(r, p) for r, p in ((r, read_post(r, counts.hints)) for r in records) if p is not None]
        found = with_lead(root, counts, found)
        if found:
            break
    if not found:
        raise ParseError("post records found but none has an author and text")
    if lists_topics(counts, found, lambda: site_host(root)):
        raise NotAThread("a list of topics, not a thread page: each row links to another thread")
    posts = [p for _, p in found]
    signed_under_rules(found)
    number_posts([r for r, _ in found], posts)
    if any(p.posted_at is None for p in posts):
        date_from_the_page(root, found)
    return [_thread(root, posts)]


def _open_noscript(root: _Element) -> bool:
    """Read what <noscript> holds as the page's content, when nothing outside it is a thread:
    a script-built forum (Flarum) serves its posts to readers without JavaScript there. True
    when there was any such content to open."""
    opened = False
    for el in list(root.iter("noscript")):
        if len(el):
            el.tag = "div"
            opened = True
    return opened


def _lone_article(root: _Element, counts: Counts) -> list[list[Record]]:
    """A script-built forum's topic of one post, in the content it serves readers without
    JavaScript (Flarum's noscript view): the page's one <article>, with a name and words
    besides, undated as every post there is."""
    articles = list(root.iter("article"))
    if len(articles) == 1 and _is_undated_record(counts, articles[0]):
        return [[Record(articles[0])]]
    return []


def tree(data: bytes) -> _Element:
    """The page's lxml tree, decoded by its bytes (valid UTF-8 wins over a lying <meta>)."""
    text = decode(data)
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (ParserError, ValueError, etree.XMLSyntaxError) as e:
        raise ParseError(f"not an HTML page: {e}") from None
    if root is None:
        raise ParseError("not an HTML page: nothing to parse")
    return root


def find_records(root: _Element) -> list[Record]:
    """The page's post records: the best group of same-shape siblings that each carry a name,
    a date and text; a table layout's author row and body row taken together. A page with no
    dated records nor a single post (a script-built forum's plain fallback, Flarum's posts
    with only a name over each) takes siblings that each carry one name and words besides."""
    groups = record_groups(root)
    return groups[0] if groups else []


def record_groups(root: _Element, counts: Counts | None = None) -> list[list[Record]]:
    """The candidates for `find_records`, the few best, best first."""
    counts = counts or count(root)
    dated = _groups(counts, counts.dates, is_record, len, anywhere=True)
    one = single(root, counts, dated[0] if dated else [])
    if one:
        return [one, *dated]
    return dated or _groups(counts, counts.names, _is_undated_record, lambda good: 0)


def _groups(counts: Counts, pool: dict[_Element, int],
            is_record: Callable[[Counts, _Element], bool],
            need: Callable[[list[_Element]], int], anywhere: bool = False
            ) -> list[list[Record]]:
    """The best groups of same-shape siblings that `is_record`, where at least half of the
    group are (`need` of them more are shapes alike that are not, at the most). A record is
    in `pool` (the elements holding a date, or a name): only parents of two or more of them
    are grouped, a few dozen elements of a page's thousands. With `anywhere`, also records of
    one shape that are not siblings (`_scattered`)."""
    ranked: list[tuple[float, int, list[_Element]]] = []
    parents = {p for p, n in Counter(el.getparent() for el in pool).items() if n >= 2}
    shapes: dict[tuple[str, str | None], tuple[str, str]] = {}  # by tag and class, once a page
    for parent in counts.order:  # page order reversed: the first of equal scores wins
        if parent not in parents:
            continue
        groups: dict[tuple[str, str], list[_Element]] = {}
        for kid in parent:
            tag = kid.tag
            if not isinstance(tag, str):
                continue
            key = (tag, kid.get("class"))
            found = shapes.get(key)
            if found is None:
                found = shapes[key] = shape(kid)
            groups.setdefault(found, []).append(kid)
        for members in groups.values():
            if len(members) < 2:
                continue
            good = same_rows([m for m in members if is_record(counts, m)], shape)
            if len(good) < 2:
                continue
            # Blocks with no text (a float's clearing <div>, a spacer) are none alike.
            alike = len(members) if members[0].tag in ROWS else \
                sum(1 for m in members if counts.text[m])
            if alike - len(good) - partner_rows(members, good) > need(good):
                continue
            named = sum(1 for m in good if m in counts.names or _named_after(counts, m))
            # Unnamed records count a quarter: related topics outnumber a short thread's posts.
            score = named + (len(good) - named) / 4 + named / len(good) + sum(
                counts.text[m] for m in good) / 1e7
            ranked.append((-score, len(ranked), good))  # of equal scores the first found
    if anywhere:
        for good in _scattered(counts, pool, is_record, shapes):
            named = sum(1 for m in good if m in counts.names)
            score = named + named / len(good) + sum(counts.text[m] for m in good) / 1e7
            ranked.append((-score, len(ranked), good))
    best = sorted((score * topic_list(counts, g), k, g) for score, k, g in sorted(ranked)[:5])
    return [_records(counts, good) for _, _, good in best[:3]]


def _scattered(counts: Counts, pool: dict[_Element, int],
               is_record: Callable[[Counts, _Element], bool],
               shapes: dict[tuple[str, str | None], tuple[str, str]]) -> list[list[_Element]]:
    """Named records of one classed shape nested at several depths, a comment tree: the
    replies inside the container of the comment they answer, under a single top-level comment
    (HealthUnlocked), where no two records are siblings. They compete with the sibling groups
    on the same score, so they win only by holding more named records."""
    by_shape: dict[tuple[str, str], list[_Element]] = {}
    for el in counts.order:  # reversed page order, as `pool` is not kept
        if el not in pool or el not in counts.names or not is_record(counts, el):
            continue
        key = (el.tag, el.get("class"))
        found = shapes.get(key)
        if found is None:
            found = shapes[key] = shape(el)
        if found[1]:
            by_shape.setdefault(found, []).append(el)
    out = []
    for els in by_shape.values():
        if len(els) < 2 or len({el.getparent() for el in els}) == 1:
            continue
        members = set(els)
        outer = [el for el in els if not any(a in members for a in el.iterancestors())]
        parents = {el.getparent() for el in outer}
        # A tree: a record's container holds another record further down.
        if len(outer) >= 2 and any(a in parents for el in outer for a in el.iterancestors()
                                   if a is not el.getparent()):
            outer.reverse()  # found in reversed page order
            out.append(outer)
    return out


def _records(counts: Counts, group: list[_Element]) -> list[Record]:
    records = _with_undated(counts, nested_records(counts, group, shape))
    partners = [_partners(counts, el, records) for el in records]
    # A nameless record whose next block is built as the others' partners is paired too,
    # whatever dates that block holds (Kunena 3's header, then the post's table, dated by
    # its "Last Edit: 1 week ago" note).
    kinds = Counter(shape(p[0]) for p in partners if len(p) == 1)
    kind, n = kinds.most_common(1)[0] if kinds else (None, 0)
    if len(records) >= 3 and n >= len(records) / 2:
        for el, mine in zip(records, partners):
            nxt = el.getnext()
            if not mine and nxt is not None and nxt not in records and el.tag not in ROWS \
                    and el not in counts.names and shape(nxt) == kind:
                mine.append(nxt)
    return [Record(el, p) for el, p in zip(records, partners)]




def _with_undated(counts: Counts, records: list[_Element]) -> list[_Element]:
    """The records, and the blocks built as they are beside them or in their tree that show
    a name and words but no date (Slashdot's comments shown on one line, undated): posts
    the dates alone did not find, in page order."""
    kinds = {shape(r) for r in records}
    if len(kinds) != 1 or not next(iter(kinds))[1] or records[0].tag in ROWS:
        return records
    kind = next(iter(kinds))
    have = set(records)
    # (within the block that holds every record: the thread, not a sidebar's recent posts)
    holder = _common_ancestor(records[0], records[-1])
    # (nor inside a record: a block there built as a post is a part of that post, a quote)
    found = [el for el in holder.iterdescendants(kind[0]) if el not in have
             and _undated_like(counts, el, kind) and not _stands_in(el, holder)
             and not any(a in have for a in el.iterancestors())] \
        if holder is not None else []
    if not found:
        return records
    place = {el: i for i, el in enumerate(counts.order)}  # reversed page order
    return sorted(set(records) | set(found), key=lambda el: -place[el])


def _common_ancestor(a: _Element, b: _Element) -> _Element | None:
    above = set(a.iterancestors())
    return next((x for x in b.iterancestors() if x in above), None)


# A block built as a post that stands in for one (XenForo's "message deleted placeholder")
_STAND_IN = re.compile(r"deleted|placeholder|removed|ignored|hidden|collapsed", re.I)


def _undated_like(counts: Counts, el: _Element, kind: tuple[str, str]) -> bool:
    return el not in counts.dates and el in counts.names and counts.text[el] >= 20 \
        and shape(el) == kind


def _stands_in(el: _Element, holder: _Element) -> bool:
    """Is `el`, or the block it is the post of (its parent, inside `holder`), classed as a
    stand-in for a post? (Not a block further out: a hidden comment's replies are shown.)"""
    parent = el.getparent()
    return any(_STAND_IN.search(x.get("class") or "") for x in (el, parent)
               if x is not None and x is not holder)


def _is_undated_record(counts: Counts, el: _Element) -> bool:
    return counts.names.get(el) == 1 and counts.text[el] >= 40


def _partners(counts: Counts, el: _Element, members: list[_Element]) -> list[_Element]:
    """The rows after a record's own row up to the next record, when the record's row holds
    no text of its own (a table with the author row apart from the body row); or the block
    after a record that holds no name, when that block holds one and no date (bbPress: the
    date and permalink in a header, the author and the text in the block after it)."""
    out: list[_Element] = []
    nxt = el.getnext()
    if el.tag not in ROWS:
        return [nxt] if nxt is not None and nxt not in members and _named_after(counts, el) else []
    while nxt is not None and nxt not in members:
        out.append(nxt)
        nxt = nxt.getnext()
    return out


def _named_after(counts: Counts, el: _Element) -> bool:
    """Is `el` nameless, its next sibling named and undated (the rest of its post)?"""
    if el in counts.names:
        return False
    nxt = el.getnext()
    return nxt is not None and nxt in counts.names and nxt not in counts.dates


# How a page title joins the topic to the board and the site: "Topic / Board / Site Forums".
_TITLE_PARTS = re.compile(r"\s+(?:/|\||::|»|•|·|—)\s+")
# "Topic - Proxer.Me Anime und Manga Forum": a " - " tail naming the site, not the topic.
_SITE_TAIL = re.compile(r"\s+[-–]\s+[^-–]*\b(forums?|community|board|bbs|discussions?)\s*$", re.I)


def _title(root: _Element) -> str:
    """The topic's title. The first <h1> is often the site's name ("Arch Linux"), so a heading
    the page's <title> starts with wins, else one it holds; else the <title>'s first part
    before " / " or " | "; else the first heading."""
    # iter() with tag names, in C, stops at what is needed; "//title" listed the whole page.
    t = next(root.iter("title"), None)
    page = (clean(text_of(t)) if t is not None else "") or ""
    viewed = _VIEWED.search(page)
    if viewed and viewed.end() < len(page):  # "Board :: View topic - Topic": after the label
        page = page[viewed.end():]
    heads: list[str] = []
    for e in islice(root.iter("h1", "h2", "h3"), 30):
        h = clean(text_of(e)) or ""
        if not _home_link(e):
            heads += [h] if h else []
            # "Beginners > What programs do you use?": a heading of the board and the topic
            crumbs = _CRUMBS.split(h) if h else []
            heads += [crumbs[-1]] if len(crumbs) > 1 else []
            # "TOPIC: Stuck fermentation" (Kunena): the heading's label is no part of the topic
            label = _HEAD_LABEL.match(h)
            heads += [h[label.end():]] if label and label.end() < len(h) else []
        # "Topic - Forums - Assembly Corner" under <h1><a href="/">Assembly Corner</a>
        elif h and page.endswith(f" {h}") and _TITLE_DASH.search(page[:-len(h)]):
            page = _TITLE_DASH.sub("", page[:-len(h)])
    leading = [h for h in heads if len(h) >= 4 and page.startswith(h)]
    if leading:
        lead = max(leading, key=len)
        # "DosTips.com • Topic - Page 2" over <h1>DosTips.com</h1><h2>Topic</h2>: the site's
        # name opens the title, the topic's heading follows it
        after = [h for h in heads if len(h) >= 12 and h not in leading and h in page[len(lead):]]
        if after and _TITLE_PARTS.match(page, len(lead)):
            return _unpaged(max(after, key=len))
        return _unpaged(lead)
    # "python - How do I remove a trailing newline? - Stack Overflow": the heading inside,
    # unless it is the site's name closing the title ("Topic / Board / Hearth & Crumb")
    parts = _TITLE_PARTS.split(page)
    site = parts[-1].strip() if len(parts) > 1 else None
    within = [h for h in heads if len(h) >= 12 and h in page and h != site]
    if within:
        return _unpaged(max(within, key=len))
    if page:
        first = _TITLE_PARTS.split(page)[0]
        # (twice: "Topic - Forums - ASM Community")
        return _unpaged(_SITE_TAIL.sub("", _SITE_TAIL.sub("", first) or first) or first)
    return _unpaged(heads[0]) if heads else "untitled"


# phpBB's "Board :: View topic - Topic" (and the label in its language packs): what the page
# shows comes after the label, the board's name before it.
_VIEWED = re.compile(r"\s(?:::|•|-|\|)\s+(?:view (?:topic|thread)|thema anzeigen|voir le sujet|"
                     r"ver tema|ver tópico|visualizza argomento|bekijk onderwerp|zobacz temat|"
                     r"näytä aihe|visa ämne|просмотр темы)\s+[-:]\s+", re.I)
_CRUMBS = re.compile(r"\s+[>»›]\s+")
_HEAD_LABEL = re.compile(r"(?:topic|thema|sujet|tema|aihe|téma|temat|тема|konu|onderwerp|assunto|"
                         r"argomento|thread|discussion|subject|betreff)\s*:\s*", re.I)
_TITLE_DASH = re.compile(r"\s+(?:[-–—|/»•·]|::)\s*$")
# The site's front page: "/", "../../", "index.php", "https://example.org/".
_HOME = re.compile(r"(?:\.\.?/)*|/|(?:https?:)?//[^/]+/?|(?:\.?\.?/)*index\.(?:php|html?)", re.I)


def _home_link(heading: _Element) -> bool:
    """Is the heading the site's name, a link to its front page and nothing else?"""
    return len(heading) == 1 and heading[0].tag == "a" and not (heading.text or "").strip() \
        and _HOME.fullmatch(heading[0].get("href", "x").strip()) is not None


# "Topic (Page 2)", "Topic - Page 3 of 9", "Topic - Seite 2": the page, not the topic.
_PAGE_SUFFIX = re.compile(r"\s*(?:[-–|:,]\s*|\(\s*)(?:page|seite|página|pagina|pagina|sivu|strona)"
                          r"\s+\d+(?:\s*(?:of|von|de|di|/)\s*\d+)?\s*\)?\s*$", re.I)


# "Topic [Archive]": vBulletin's archive view (archive/index.php/t-N.html), the thread itself.
_ARCHIVE_SUFFIX = re.compile(r"\s*\[Archive\]\s*$", re.I)


# "Topic (1/2)": the page of a topic of two (Kunena's title)
_PAGE_OF = re.compile(r"\s*\(\s*(\d+)\s*/\s*(\d+)\s*\)\s*$")


def _unpaged(title: str) -> str:
    paged = _PAGE_OF.search(title)
    if paged and 1 <= int(paged.group(1)) <= int(paged.group(2)) and paged.start():
        title = title[:paged.start()]
    return _ARCHIVE_SUFFIX.sub("", _PAGE_SUFFIX.sub("", title)) or title


def _described(root: _Element, described: Thread) -> Thread:
    """A thread read from the page's schema.org data, named as the page's records would be."""
    thread = _thread(root, described.posts)
    thread.title = described.title or thread.title
    thread.posts_declared = described.posts_declared
    return thread


def _thread(root: _Element, posts: list[Post]) -> Thread:
    url = canonical(root)
    title = _title(root)
    thread_id = thread_number(url) or slug(title) or "thread"
    host = urlparse(url).hostname if url else None
    return Thread(thread_id=thread_id, title=title, posts=posts, forum=host, url=url,
                  format=FORMAT)
