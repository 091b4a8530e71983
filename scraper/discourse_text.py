"""Discourse post source to text: cooked HTML, markdown, and the two plain-text dumps.

The crawler page and the JSON carry each post as "cooked" HTML (`cooked_text`); `/raw/{id}` text
and markdown thread dumps carry its markdown source, with quotes as BBCode-like
`[quote="user, post:N, topic:T"] ... [/quote]` blocks. The dumps run to tens of thousands of
posts, so they are read with regular expressions only: no HTML parser.
"""

from __future__ import annotations

import hashlib
import re
from html import unescape
from pathlib import PurePosixPath

import lxml.html
from lxml.etree import ParserError, _Element

from scraper.fields import slug
from scraper.html import clean, element_text, tidy
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread

# "najak3d | 2020-10-22 01:38:38 UTC | #1" opens each post of a /raw dump; the separator line of
# dashes before it is Discourse's, but a member's markdown may hold the same line, so posts are
# cut at header lines, not at separators.
_RAW_MARK = " UTC | #"  # in every /raw post header, and nowhere else of its line
RAW_HEADER = re.compile(r"^(\S[^\n|]*?) \| (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC \| #(\d+)[ \t]*$",
                        re.M)

# "## \#2 Posted by: bayetan Posted at: 2019-09-06T23:44:47.643Z Reads: 11"
MD_HEADER = re.compile(r"^## \\?#(\d+) Posted by: (.*?) Posted at: (\S+)(?: Reads: (\d+))?[ \t]*$",
                       re.M)
MD_COUNTS = re.compile(r"^### Replies: (\d+)(?: Views: (\d+))?", re.M)
_MD_TITLE = re.compile(r"^# (.+)$", re.M)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")

# [quote], [quote=user], [quote="user, post:3, topic:6454, full:true"], and the closing tag.
_QUOTE_TAG = re.compile(r"\[quote(?:=([^\]\n]*))?\]|\[/quote\]", re.I)
_ID_NAME = re.compile(r"(?:^|\.)(\d+)\.(?:md|txt|raw|json)$|^(\d+)_", re.I)

# Markdown to plain text, mirroring what scraper.html.text_of keeps of the rendered post: link
# and image words, not their addresses; no emphasis markers, heading hashes or code fences.
_IMAGE = re.compile(r"!\[([^\]|\n]*)(?:\|[^\]\n]*)?\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\((\S*?)(?: \"[^\"\n]*\")?\)")
_BBCODE = re.compile(r"\[/?(?:b|i|u|s|color|size|font|url|img|code|flash|center|left|right|"
                     r"spoiler|details|summary|list|\*|email|youtube|video)(?:=[^\]\n]*)?\]", re.I)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)
_FENCE = re.compile(r"^[ \t]*(```|~~~).*$", re.M)
_BLOCKQUOTE = re.compile(r"^[ \t]*>[ \t]?", re.M)
_BR = re.compile(r"<br\s*/?>", re.I)
# Only HTML tag names: `std::vector<string>` in code must survive.
_HTML_TAG = re.compile(r"</?(?:a|b|i|u|s|em|strong|small|big|sup|sub|span|div|p|img|font|center|"
                       r"details|summary|kbd|code|pre|iframe|video|source|table|thead|tbody|tr|td|"
                       r"th|ul|ol|li|h[1-6]|hr|blockquote|strike|del|ins|mark)\b[^>\n]*>", re.I)
_FILE_ALT = re.compile(r"\.(png|gif|jpe?g|webp)$|^image$", re.I)  # as scraper.html.text_of


def markdown_text(text: str) -> str:
    """A post's markdown source as plain text: entities decoded, markup and link targets gone."""
    # Each pass only when its marker occurs: most posts are plain words (measured: the
    # substitutions were the parse's largest cost on the 74k-post dumps).
    if "&" in text:
        text = unescape(text)
    if "](" in text:
        text = _IMAGE.sub(_image_alt, text)
        text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    if "[" in text:
        text = _BBCODE.sub("", text)
    if "<" in text:
        text = _BR.sub("\n", text)
        text = _HTML_TAG.sub("", text)
    if "**" in text or "__" in text:
        text = _BOLD.sub(r"\2", text)
    if "#" in text:
        text = _HEADING.sub("", text)
    if "```" in text or "~~~" in text:
        text = _FENCE.sub("", text)
    if ">" in text:
        text = _BLOCKQUOTE.sub("", text)
    return tidy(text)


def _image_alt(m: re.Match[str]) -> str:
    alt = m.group(1).strip()
    return "" if _FILE_ALT.search(alt) else alt


def split_quotes(text: str, thread_id: str | None) -> tuple[str, list[Quote]]:
    """Cut the outermost `[quote]` blocks out of markdown: (own words, quotes).

    A nested quote's text is left out of its outer quote. An unclosed `[quote]` is not a quote
    (Discourse shows it literally), so its text stays in the body without the tag.
    """
    if "[" not in text:
        return text, []
    body: list[str] = []
    quotes: list[Quote] = []
    depth, pos = 0, 0
    attr: str | None = None
    inner: list[str] = []
    for m in _QUOTE_TAG.finditer(text):
        closing = m.group(0)[1] == "/"
        if depth == 0:
            body.append(text[pos:m.start()])
            if not closing:
                depth, attr, inner = 1, m.group(1), []
        elif closing and depth == 1:
            inner.append(text[pos:m.start()])
            quote = _quote(attr, "".join(inner), thread_id)
            if quote.text:  # an image-only quote leaves no words to match or show
                quotes.append(quote)
            depth = 0
        else:
            if depth == 1:
                inner.append(text[pos:m.start()])
            depth += -1 if closing else 1
        pos = m.end()
    tail = text[pos:]
    if depth:
        tail = "".join(inner) + tail
    body.append(_QUOTE_TAG.sub("", tail))
    return "".join(body), quotes


def _quote(attr: str | None, text: str, thread_id: str | None) -> Quote:
    """A Quote from `[quote="user, post:N, topic:T"]`'s attribute and its markdown."""
    author: str | None = None
    number: int | None = None
    if attr:
        parts = [p.strip() for p in attr.strip().strip("\"'\u201c\u201d").split(",")]
        author = parts[0] or None
        fields = dict(p.split(":", 1) for p in parts[1:] if ":" in p)
        topic = fields.get("topic", "").strip()
        post = fields.get("post", "").strip()
        # A post number only names a post of this thread when the quote comes from it.
        if post.isdigit() and (not topic or topic == thread_id):
            number = int(post)
    return Quote(text=markdown_text(text), author=author, post_number=number)


def _post(number: int, author: str, posted_at: str | None, source: str,
          thread_id: str | None) -> Post:
    own, quotes = split_quotes(source, thread_id)
    return Post(body=markdown_text(own), post_number=number, author=author or None,
                author_source=AUTHOR_FROM_PAGE if author else None, posted_at=posted_at,
                quotes=quotes)


def name_id(name: str) -> str | None:
    """The forum's topic id carried by a dump file name ("slug.6454.md", "89810_slug.md")."""
    m = _ID_NAME.search(PurePosixPath(name).name)
    return (m.group(1) or m.group(2)) if m else None


def _name_slug(name: str) -> str:
    stem = PurePosixPath(name).name.rsplit(".", 1)[0]
    return re.sub(r"^\d+_|\.\d+$", "", stem)


def parse_raw(text: str, name: str = "") -> Thread:
    """One `/raw/{id}` dump. It has no title: the file name's slug stands in for it."""
    heads = _raw_heads(text)
    if not heads:
        raise ParseError("no posts found: not a Discourse /raw dump")
    slug = _name_slug(name) if name else ""
    thread_id = name_id(name) or slug or _digest(heads[0].group(0))
    title = slug.replace("-", " ").strip() or f"Discourse topic {thread_id}"
    posts = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        source = _without_separator(text[m.end():end])
        posted = f"{m.group(2)}T{m.group(3)}Z"
        posts.append(_post(int(m.group(4)), m.group(1).strip(), posted, source, thread_id))
    return Thread(thread_id=thread_id, title=title, posts=posts, format="discourse-raw")


def _raw_heads(text: str) -> list[re.Match[str]]:
    """`RAW_HEADER.finditer(text)`, asked only of the lines holding " UTC | #": tried at every
    line, the pattern's lazy name scan cost a tenth of a /raw dump's parse."""
    heads = []
    at = text.find(_RAW_MARK)
    while at >= 0:
        m = RAW_HEADER.match(text, text.rfind("\n", 0, at) + 1)
        if m:
            heads.append(m)
        eol = text.find("\n", at)
        at = text.find(_RAW_MARK, eol) if eol >= 0 else -1
    return heads


def _without_separator(chunk: str) -> str:
    r"""The run of 20 or more dashes closing a /raw post, with the newlines before it and the
    space after it, gone: `re.sub(r"\n*-{20,}\s*$", "", chunk)` by hand, as that pattern is
    tried at every offset of the post (a fifth of the time of parsing a /raw dump)."""
    end = chunk.rstrip()
    core = end.rstrip("-")
    return core.rstrip("\n") if len(end) - len(core) >= 20 else chunk


def parse_md(text: str, name: str = "") -> Thread:
    """One markdown topic dump: "# Title", "### Replies: N", "## \\#k Posted by: ..." posts."""
    heads = list(MD_HEADER.finditer(text))
    if not heads:
        raise ParseError("no posts found: not a Discourse markdown dump")
    m_title = _MD_TITLE.search(text, 0, heads[0].start())
    title = unescape(_MD_ESCAPE.sub(r"\1", m_title.group(1))).strip() if m_title else ""
    counts = MD_COUNTS.search(text, 0, heads[0].start())
    thread_id = name_id(name) or slug(title) or _digest(heads[0].group(0))
    posts = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        source = _unfence(text[m.end():end])
        posts.append(_post(int(m.group(1)), m.group(2).strip(), iso_time(m.group(3)), source,
                           thread_id))
    return Thread(thread_id=thread_id, title=title or f"Discourse topic {thread_id}",
                  posts=posts, format="discourse-md",
                  posts_declared=int(counts.group(1)) + 1 if counts else None)


def _unfence(chunk: str) -> str:
    """The post's markdown from "```\\n...\\n```\\n\\n---": the dump's own wrapper removed."""
    chunk = chunk.strip()
    if chunk.endswith("---"):
        chunk = chunk[:-3].rstrip()
    if chunk.startswith("```"):
        chunk = chunk[3:]
    if chunk.endswith("```"):
        chunk = chunk[:-3]
    return chunk


def iso_time(stamp: str) -> str | None:
    """'2019-04-08T15:31:34.907Z' -> '2019-04-08T15:31:34Z' (seconds, as every Discourse dump)."""
    m = re.match(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?", stamp)
    if not m:
        return None
    zone = m.group(3) or "Z"
    return f"{m.group(1)}T{m.group(2)}{'Z' if zone in ('Z', '+00:00', '+0000') else zone}"


def _digest(line: str) -> str:
    """A stable id for a dump that names no topic: from its first post's header line."""
    return "discourse-" + hashlib.sha1(line.encode("utf-8")).hexdigest()[:12]


# --- cooked HTML (crawler page and JSON) -----------------------------------------------------

def cooked_text(el: _Element, thread_id: str) -> tuple[str, list[Quote]]:
    """A cooked post's own words and its quotes; link previews cut down to their title.

    Cooked HTML is read with lxml directly, not BeautifulSoup: over the 670 Urho3D topic JSONs
    (4,809 posts) BeautifulSoup parsed ~4,200 posts/s, lxml ~10,000, same text out.
    """
    quotes: list[Quote] = []
    skip: set[_Element] = set()
    for aside in list(el.iter("aside")):
        classes = (aside.get("class") or "").split()
        if "onebox" in classes:
            _reduce_onebox(aside)
        elif "quote" in classes and not any(_is_quote(a) for a in aside.iterancestors("aside")):
            quote = _cooked_quote(aside, thread_id)
            if quote.text:  # an image-only quote leaves no words to match or show
                quotes.append(quote)
            skip.add(aside)
    # An uploaded image's "filename 1365×718 217 KB" caption is lightbox chrome, not words.
    skip.update(el.iterfind(".//div[@class='meta']"))
    text = element_text(el, skip)
    if "[quote" in text.lower():
        # Posts imported from an older forum keep their BBCode quotes uncooked, as text.
        text, more = split_quotes(text, thread_id)
        text, quotes = tidy(text), quotes + more
    return text, quotes


def _is_quote(el: _Element) -> bool:
    return "quote" in (el.get("class") or "").split()


def _cooked_quote(aside: _Element, thread_id: str) -> Quote:
    block = aside.find(".//blockquote")
    nested = {a for a in block.iter("aside") if _is_quote(a)} if block is not None else set()
    author = aside.get("data-username")
    title = aside.find("./div[@class='title']")
    if not author and title is not None and title.find(".//a") is None:
        # Older quotes name the author only in the title: "<img class=avatar> Modanung:". A
        # title with a link is a preview of another topic: it names the topic, not a member.
        author = (clean(title.text_content()) or "").rstrip(":").strip()
    post, topic = aside.get("data-post") or "", aside.get("data-topic")
    number = int(post) if post.isdigit() and (not topic or topic == thread_id) else None
    text = element_text(block, nested) if block is not None else ""
    return Quote(text=text, author=author or None, post_number=number)


def _reduce_onebox(aside: _Element) -> None:
    """Replace a link preview (site icon, description, stats) with its title or address."""
    head = next(aside.iter("h3", "h4"), None)
    label = clean(head.text_content()) if head is not None else None
    if not label:
        link = next(aside.iter("a"), None)
        label = link.get("href") if link is not None else None
    tail = aside.tail
    aside.clear()  # lxml's clear() also drops the text after the element: put it back
    aside.text, aside.tail = label, tail


def cooked_bodies(cooked: list[str]) -> list[_Element]:
    """Every post's cooked HTML parsed in one go (one tree per topic, not one per post).

    If a post's markup ever breaks out of its wrapper, each post is parsed on its own instead.
    """
    bodies = _fragments("".join(f"<kbpost>{c}</kbpost>" for c in cooked))
    if len(bodies) == len(cooked):
        return bodies
    return [(_fragments(f"<kbpost>{c}</kbpost>") or [lxml.html.Element("kbpost")])[0]
            for c in cooked]


def _fragments(markup: str) -> list[_Element]:
    try:
        body = lxml.html.document_fromstring(f"<html><body>{markup}</body></html>").body
    except (ParserError, ValueError):
        return []
    return list(body.findall("kbpost"))
