"""Inside one post record of a page no engine parser reads: its author, date and id here; its
body, quotes and signature in `generic_body`; its number in `generic_numbers`.

Engines name their parts alike ("author", "username", "postbody", "message", "quote",
"signature"), so the parts are found by those words in class names and ids, and by shape where
the words fail: the body is the element holding most of the record's text without its author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain

from lxml import etree
from lxml.etree import _Element

from scraper.fields import day_first, profile_field, set_profile_field, shown_date, to_int
from scraper.generic_body import (
    after_rule,
    body_element,
    own_text,
    quotes_and_chrome,
    replied_post,
    signature,
)
from scraper.generic_count import date_stamp
from scraper.generic_loose import around_author
from scraper.generic_words import (
    BYLINE,
    IS_AUTHOR,
    IS_BADGE,
    IS_QUOTE,
    MONTH_DAY,
    Hints,
    guest_name,
    hints_of,
    is_date,
    is_name,
    is_profile_link,
    label_then_name,
    sentence,
    text_of,
)
from scraper.html import clean
from scraper.models import AUTHOR_FROM_PAGE, Post

# What a record shows outside its body, in page order: each text, its element's title and
# class ("" for a tail).
Beside = list[tuple[str, str | None, str]]


@dataclass
class Record:
    """One post's element, and the rows that belong to it in a table layout."""

    el: _Element
    partners: list[_Element] = field(default_factory=list)
    body: _Element | None = None  # found by read_post
    author: _Element | None = None
    shown: str | None = None  # the date text its date was read from, or could not be
    ruled: str | None = None  # the words under a rule at the body's end (`after_rule`)

    def parts(self) -> list[_Element]:
        return [self.el, *self.partners]


def read_post(record: Record, hints: Hints | None = None) -> Post | None:
    """The post one record holds, or None when it has no author and no text (an advert pane,
    a placeholder row). `hints`: the page's (`Counts.hints`), else the record's are found."""
    parts = record.parts()
    if hints is None:
        hints = hints_of(parts)
    author_el = _author_element(parts, hints)
    guest = _guest(parts) if author_el is None else None
    labelled = _labelled_name(parts) if author_el is None and guest is None else None
    if author_el is None and guest is None and labelled is None:
        author_el = _bold_name(parts)  # a guest's view: the first short bold text of the pane
    author = guest[1] if guest is not None else labelled if labelled is not None \
        else _name(author_el, hints) if author_el is not None else None
    # A guest's header is no more the body than a member's pane is; a labelled one opens the
    # words' own block (`_labelled_head`).
    body_el = body_element(parts, author_el if guest is None else guest[0], hints)
    if body_el is None:  # no words at all: an author's is a post of images (a smiley)
        if author is None:
            return None
        post = Post(body="", author=author, author_source=AUTHOR_FROM_PAGE)
        return _details(post, record, _texts_outside(parts, None), hints)
    header: list[_Element] = []
    label = ""
    loose = around_author(parts, author_el, body_el, hints)
    if loose is not None:
        body_el, header, label = loose
    beside = _texts_outside(header, None) + _texts_outside(parts, body_el)
    lead = _dated_lead(body_el, beside)
    if lead is not None:
        header.append(lead)
        beside = _texts_outside([lead], None) + beside
    record.body, record.author = body_el, author_el
    for img in body_el.iter("img"):
        img.set("alt", "")  # images and smileys are no words of the member's
    quotes, skip = quotes_and_chrome(body_el, hints)
    mention, reply_to = replied_post(body_el)
    text, plain = own_text(body_el, [*skip, *header] if mention is None else [*skip, *header, mention])
    if labelled is not None:
        text, head = _labelled_head(text)
        beside = [(line, None, "") for line in head] + beside
    if label and text.startswith(label):
        text = text[len(label):].lstrip()
    quotes += plain
    record.ruled = after_rule(body_el, skip)
    if author is None and not text:
        return None
    post = Post(body=text, author=author, quotes=quotes, reply_to=reply_to,
                author_source=AUTHOR_FROM_PAGE if author else None)
    # The header beside the name (its date) first: it opens the post.
    return _details(post, record, beside, hints)


def _dated_lead(body: _Element, beside: Beside) -> _Element | None:
    """The body's first block where it is a date line alone ("Posted: 03/08/2021 19:42") and
    the record shows no date outside the body: the record's header, inside the block that
    holds the words, not the member's words."""
    if (body.text or "").strip() or any(len(text) < 80 and is_date(text) for text, _, _ in beside):
        return None
    first = next((el for el in body if isinstance(el.tag, str)), None)
    if first is None or (first.tail or "").strip():
        return None
    line = " ".join(text_of(first).split())
    if not (0 < len(line) < 60 and len(line.split()) <= 8 and is_date(line)) \
            or len(line) == len(" ".join(text_of(body).split())):
        return None
    return first


def _details(post: Post, record: Record, beside: Beside, hints: Hints
             ) -> Post:
    """`post` with what the record shows beside its words: date, signature, id, profile."""
    post.posted_at, record.shown = _date(record.parts(), beside)
    post.signature = signature(record.parts(), hints)
    post.post_id = _post_id(record)
    _profile(post, beside)
    _as_answer(post, record.el)
    return post


def _as_answer(post: Post, el: _Element) -> None:
    """A schema.org Answer's votes and whether it is the accepted one, where the record is
    one (`itemprop="acceptedAnswer"`, Stack Exchange's pages and Q&A engines like them)."""
    prop = el.get("itemprop")
    if prop not in ("acceptedAnswer", "suggestedAnswer"):
        return
    post.accepted = prop == "acceptedAnswer"
    votes = next(el.iterfind(".//*[@itemprop='upvoteCount']"), None)
    if votes is not None:
        post.score = to_int(votes.get("content") or votes.get("data-value") or text_of(votes))


_LABELLED = re.compile(r"^([^\W\d][^\W\d ]*(?: [^\W\d]+){0,2})\s*:\s*(.*)$")


def _profile(post: Post, beside: Beside) -> None:
    """The member's profile lines beside the post ("Posts: 1,529", "Registriert: 4. März
    2019"), a label and its value in one text or in two texts one after the other."""
    pending = None
    for text, _, _ in beside:
        if pending:
            set_profile_field(post, pending, " ".join(text.split()))
            pending = None
            continue
        m = _LABELLED.match(text) if len(text) < 60 and ":" in text else None
        if m and profile_field(m.group(1)) and not getattr(post, profile_field(m.group(1)) or ""):
            if m.group(2):
                set_profile_field(post, m.group(1), " ".join(m.group(2).split()))
            else:
                pending = m.group(1)


def _author_element(parts: list[_Element], hints: Hints) -> _Element | None:
    """The first element classed as the author's name, else the first profile link, else a
    name after "By" (read_post falls back to a guest's name, then a bold one)."""
    linked = None
    for part in parts:
        for el in part.iter():
            if not isinstance(el.tag, str) or hints.get(el, 0) & IS_QUOTE \
                    or el.tag == "blockquote":
                continue
            if hints.get(el, 0) & IS_AUTHOR:
                # The classed pane holds avatar, rank and name; its profile link is the
                # name itself. Found, it wins over any link: the rest is not looked at.
                linked_name = _profile_link(el)
                if linked_name is not None:
                    return linked_name
            if hints.get(el, 0) & IS_AUTHOR and _short_name(el):
                classed = _innermost(el, hints)
                inner = [a for a in classed.iter("a") if _short_name(a)
                         and not _in_reply_to(a, classed)]
                return inner[0] if len(inner) == 1 else classed
            if linked is None and el.tag == "a" and is_profile_link(el.get("href", "")) \
                    and _short_name(el):
                linked = el
    if linked is not None:
        return linked
    return _byline(parts)


def _guest(parts: list[_Element]) -> tuple[_Element, str] | None:
    """The name a record's header gives in plain text after "by", before a colon or a date,
    and the element whose text holds it. A dated one first: "by Matt Pietrek:" may be the
    post's words, above the "Posted on 2003-02-24 by aweX" under them."""
    for dated in (True, False):
        for part in parts:
            for el in part.iter():
                for text, holder in ((el.text, el),
                                     (el.tail if el is not part else None, el.getparent())):
                    if text and holder is not None:
                        name = guest_name(text, dated)
                        if name is not None:
                            return holder, name
    for part in parts:
        for el in part.iter("span", "div", "p", "small", "em", "i"):
            name = label_then_name(el[0]) if len(el) == 1 else None
            if name is not None:
                return el, name
    return None


# "By levain_lucy, 9 May 2024": a byline's name in an element of its own right after "By".
_BY = re.compile(r"(?:^|\s)(?:posted |written |submitted )?(?:by|von|par|por|door|da)\s*$", re.I)
# "Originally Posted by <b>X</b>", vBulletin's quote header: X is the quoted member.
_QUOTED_BY = re.compile(r"originally\s+posted\s+by\s*$", re.I)


def _byline(parts: list[_Element]) -> _Element | None:
    for part in parts:
        for el in part.iter():
            name = byline(el)
            if name is not None:
                return name
    return None


def byline(el: _Element) -> _Element | None:
    """The name `el` opens with after "By", in an element of its own."""
    if not el.text or not len(el) or not isinstance(el.tag, str) or not _BY.search(el.text) \
            or _QUOTED_BY.search(el.text):
        return None
    first = el[0]
    if isinstance(first.tag, str) and _short_name(first) and len(text_of(first).split()) <= 4:
        return first
    return None


def _profile_link(pane: _Element) -> _Element | None:
    """The author pane's one profile link with a name to it (SMF's pane also classes its
    "Logged" IP link "poster_ip"; the avatar's link has no text; "@name" is a mention of the
    member answered)."""
    links = [a for a in pane.iter("a") if _short_name(a) and is_profile_link(a.get("href", ""))
             and not _in_reply_to(a, pane) and not text_of(a).strip().startswith("@")]
    return links[0] if links and len({" ".join(text_of(a).split()) for a in links}) == 1 else None


def _innermost(el: _Element, hints: Hints) -> _Element:
    for inner in el.iterdescendants():
        if isinstance(inner.tag, str) and hints.get(inner, 0) & IS_AUTHOR \
                and _short_name(inner) and not _replied(inner):
            return _innermost(inner, hints)
    return el


# "in reply to X" beside the author's name (HealthUnlocked's "response-header__reply-author"):
# X is the member answered, not the author.
_REPLY_TO = re.compile(r"in-?reply|reply-?to|reply-?author|parent-?author", re.I)


def _in_reply_to(el: _Element, top: _Element) -> bool:
    for parent in el.iterancestors():
        if parent is top:
            return False
        if _replied(parent):
            return True
    return False


def _replied(el: _Element) -> bool:
    return el.keys() != [] and _REPLY_TO.search(el.get("class") or "") is not None


# The labels of a post's header lines, in the languages forums speak: its author's, its date's.
_NAME_LABELS = frozenset("author autor auteur autore verfasser poster kirjoittaja lähettäjä "
                         "nimimerkki auteur schrijver författare forfatter nick name".split())
_DATE_LABELS = frozenset("date datum fecha data päivämäärä pvm aika posted time zeit".split())
_LABEL_LINE = re.compile(r"([^\W\d_][\w ]{1,20}?)\s*:\s*(\S.{0,60})$")


def _labelled_name(parts: list[_Element]) -> str | None:
    """The name a header line gives after its label, the label bold ("<b>Lähettäjä</b>: Valkku
    <br>Päivämäärä: 27.8.24 21:08:52", old Phorum templates): the member's name, where no
    element holds it alone."""
    for part in parts:
        for el in part.iter("b", "strong"):
            label = (el.text or "").strip().rstrip(":").strip().lower()
            tail = " ".join((el.tail or "").split())
            if label in _NAME_LABELS and not len(el) and tail.startswith(":"):
                name = tail[1:].strip()
                if 0 < len(name) <= 40 and len(name.split()) <= 4 and not sentence(name):
                    return name
    return None


def _labelled_head(text: str) -> tuple[str, list[str]]:
    """The words without the labelled header lines that open them (author, date), and those
    lines."""
    lines = text.split("\n")
    head: list[str] = []
    while lines and len(head) < 4:
        m = _LABEL_LINE.match(lines[0].strip())
        if lines[0].strip() and not (m and m.group(1).lower() in _NAME_LABELS | _DATE_LABELS):
            break
        line = lines.pop(0).strip()
        if line:
            head.append(line)
    return "\n".join(lines).strip(), head


def _bold_name(parts: list[_Element]) -> _Element | None:
    """A guest view's name: no link, no class, the first short bold or term text of the pane."""
    for part in parts:
        for el in part.iter("dt", "strong", "b", "h4", "h5", "cite"):
            text = text_of(el).strip()
            if _short_name(el) and len(text.split()) <= 4 and not is_date(text) \
                    and not MONTH_DAY.match(text) and not re.fullmatch(r"[#\d\W]+", text) \
                    and not text.endswith(":") and not _in_words(el):
                return el
    return None


def _in_words(el: _Element) -> bool:
    """Is `el` a bold word of a sentence ("where is the <b>u</b>?", "<b>Bob</b>, I wish"), or
    in a quote, not a name standing on its own ("by <b>Bob</b>", "<b>Bob</b> says:")?"""
    before = el.getprevious()
    lead = (before.tail if before is not None else el.getparent().text) or ""
    if re.search(r"\w\s*$", lead) and not _BY.search(lead) or re.match(r"\s*[,;]", el.tail or ""):
        return True
    return any(a.tag == "blockquote" or "quote" in (a.get("class") or "").lower()
               for a in el.iterancestors())


def _short_name(el: _Element) -> bool:
    """Could `el`'s text be a name: short, no sentence, no date ("by GuestBob » Wed Jul 15,
    2009 12:30 am", a guest's byline classed as the author)? No button's label either."""
    text = " ".join(text_of(el).split())
    return 0 < len(text) <= 60 and not sentence(text) and not (len(text) > 8 and is_date(text)) \
        and is_name(text)


def _name(el: _Element, hints: Hints) -> str | None:
    """The name as displayed, without the reputation badge or rank inside the name element,
    nor the word of a byline before it (phpBB's print view: <div class="author">by
    <strong>X</strong></div>)."""
    kids = [c for c in el if isinstance(c.tag, str)]
    if len(kids) == 1 and (el.text or "").strip().lower() in BYLINE \
            and not (kids[0].tail or "").strip():
        el = kids[0]
    parts: list[str] = []
    _name_text(el, parts, hints)
    return clean("".join(parts))


def _name_text(el: _Element, out: list[str], hints: Hints) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("script", "style", "img") \
                and not hints.get(child, 0) & IS_BADGE and not _replied(child) \
                and not re.fullmatch(r"\s*[(\[#]?[\d,.]+[)\]]?\s*", text_of(child)):
            _name_text(child, out, hints)
        if child.tail:
            out.append(child.tail)


_ISO = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$")


def _stamp(value: str) -> str | None:
    """A <time>'s machine-readable date as ISO 8601: as it stands when it is one, else read as
    a shown date (Slashdot's datetime="on Tuesday July 24, @12:06PM" names no year: none)."""
    value = value.strip()
    if _ISO.match(value):
        return value.replace(" ", "T", 1)
    return shown_date(value) if value else None


def _date(parts: list[_Element], beside: Beside) -> tuple[str | None, str | None]:
    """A <time>'s stamp, else the first date shown outside the body ("Reply #3 on: June 02,
    2003, 06:23:11 PM"): a short text or tail that names a day. And the text it was read
    from, or the first that could not be (05/06/2015 on a page whose language does not say
    which is the day): the page's other dates may say (`fields.day_first_shown`)."""
    for part in parts:
        for el in part.iter("time"):
            value = _stamp(el.get("datetime") or el.get("title") or "")
            if value:
                return value, None
    label = False  # the text before was a profile label ("Joined:"): this is no post date
    edit = False  # the text before was an edit's ("edited"): this is the edit's date
    edited: tuple[str, str] | None = None  # the first edit's date: the post's if none other
    # 05/06/2015: the page's language says which is the day (asked once, at the first date)
    first: bool | None = None
    asked = False
    unsure = None
    for k, (text, title, classes) in enumerate(beside):
        after_label, after_edit = label, edit
        # (short once the source's indentation inside it is collapsed)
        dated = (len(text) < 80 or len(" ".join(text.split())) < 80) and is_date(text) \
            or bool(title) and "ate" in classes and _DATE_CLASS.search(classes) is not None \
            and is_date(title or "")  # "Oct '23", the date in a date-classed element's title
        label = not dated and bool(_PROFILE_DATE.match(text))  # "Joined:" alone
        edit = not dated and bool(_EDITED.match(text))
        if after_label or not dated or _PROFILE_DATE.match(text) or _JOINED.search(classes):
            continue
        if not asked:
            first, asked = day_first(parts[0].getroottree().getroot().get("lang")), True
        shown = shown_date(text, first_day=first)
        if shown and "T" not in shown and k + 1 < len(beside) \
                and _CLOCK.fullmatch(beside[k + 1][0]):  # "Dec 5th, 2020 <b>02:10</b>"
            shown = shown_date(f"{text} {beside[k + 1][0]}", first_day=first) or shown
        stamp = shown_date(title, first_day=first) if title else None
        # The day shown, its hour in the element's title ("on Oct 25, 2023" over
        # title="2023-10-25T14:20:00", Hacker News), or the title's date where the text is
        # relative ("2 weeks ago", Kunena's tooltip)
        if shown and stamp and "T" in stamp and "T" not in shown and stamp[:10] == shown:
            shown = stamp
        if not (shown or stamp):
            # ("<b>Today</b> at 09:03:11 PM": the clock after the day, for the page's to date)
            after = beside[k + 1][0] if k + 1 < len(beside) else ""
            unsure = unsure or (f"{text} {after}" if _AT_CLOCK.fullmatch(after) else text)
        elif after_edit or _EDITED.match(text):  # "edited Jun 14, 2021" above "asked Nov 8, 2008"
            edited = edited or (shown or stamp or "", text)
        else:
            return shown or stamp, text
    for part in parts:  # a stamp with no text: schema.org's datePublished, NodeBB's timeago
        for el in part.iter("meta", "span", "abbr", "div"):
            value = date_stamp(el) if el.get("itemprop") or el.get("class") else None
            if value and shown_date(value):
                return shown_date(value), None
    return edited or (None, unsure)


_CLOCK = re.compile(r"\d{1,2}:\d\d(?::\d\d)?(?:\s*[ap]\.?m\.?)?", re.I)
_AT_CLOCK = re.compile(r"(?:at|um|à|a las|alle|om|,)?\s*" + _CLOCK.pattern + r"\s*[^\w\s]*", re.I)
_DATE_CLASS = re.compile(r"(?:^|[-_ ])(?:relative-?)?date(?:$|[-_ ])", re.I)
# An edit's label before its date, or in the same text ("Last edited by X on …").
_EDITED = re.compile(r"^\W*(?:last\s+)?(?:edited|modified|updated|bearbeitet|zuletzt bearbeitet|"
                     r"geändert|modifié|édité|editado|modificato|muokattu)\b", re.I)


# The dates of a member's profile beside the post, not the post's: labelled, or classed so
# (Something Awful's <dd class="registered">).
_JOINED = re.compile(r"regist|joined|join-?date|member-?since|regdate", re.I)
_PROFILE_DATE = re.compile(r"^\W*(?:registered|joined|join date|member since|registriert|"
                           r"mitglied seit|dabei seit|anmeldu?ngsdatum|anmeldedatum|inscrit|"
                           r"inscription|registrado|miembro desde|fecha de registro|membro desde|"
                           r"data (?:di )?iscrizione|iscritto|lid sinds|rekisteröitynyt|"
                           r"регистрация|зарегистрирован|дата регистрации|rekisteröity|"
                           r"注册|註冊|登録|登録日|加入|"
                           r"birthday|date of birth|born|geburtstag|geburtsdatum|"
                           r"date de naissance|fecha de nacimiento)\b", re.I)


def _texts_outside(parts: list[_Element], body: _Element | None) -> Beside:
    """The texts (stripped, with their element's title and class) and tails of `parts`, in
    page order, but none inside `body` (most of a post: left out by a set lookup a text)."""
    out: Beside = []
    inside = set(body.iter()) if body is not None else ()
    for part in parts:
        # Listed in C, blank ones left out there: the page's indentation is most of its texts.
        for found in _TEXTS(part):
            holder = found.getparent()
            if found.is_tail:
                if holder in parts or holder in inside and holder is not body:
                    continue
                text, title, classes = found.strip(), None, ""
            else:
                if holder in inside:
                    continue
                text = found.strip()
                title = holder.get("title") or (_wrapper_title(holder) if holder.tag == "a"
                                                 else None)
                classes = holder.get("class") or ""
            if text:
                out.append((text, title, classes))
    return out


_TEXTS = etree.XPath("descendant-or-self::text()[normalize-space()]")


def _wrapper_title(el: _Element) -> str | None:
    """The title of the element a link is the whole of (Hacker News's `<span class="age"
    title="2023-10-25T14:20:00"><a>on Oct 25, 2023</a></span>`)."""
    parent = el.getparent()
    if parent is None or len(parent) != 1 or (parent.text or "").strip() or parent.get("title") is None:
        return None
    return parent.get("title")


# The anchors engines give a post: SMF's "msg_2506099", Drupal's "comment-123", Phorum's
# name="msg-4826", phpBB's "p123", Kunena's bare "2071".
_POST_ANCHOR = re.compile(r"(?:msg|post|p|comment|reply|message|entry|m|)[-_]?(\d+)", re.I)


def _post_id(record: Record) -> str | None:
    """The digits of the record's own id; else of the anchor just before it, or the first
    post-like anchor inside it."""
    m = re.search(r"(\d+)$", record.el.get("id") or "")
    if m:
        return m.group(1)
    before = record.el.getprevious()
    inside = (el for part in record.parts() for el in part.iter("a", "div", "article", "li")
              if el.get("id") or el.get("name"))  # asked in order, up to the first that is one
    for el in chain([before] if before is not None and before.tag == "a" else [], inside):
        for value in (el.get("id"), el.get("name")):
            m = _POST_ANCHOR.fullmatch(value or "")
            if m:
                return m.group(1)
    return None
