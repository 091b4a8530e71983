"""The words engines name a post's parts with, for the generic extractor: in class names and
ids ("author", "postbody", "quote", "signature"), in profile links, in dates and in the lines a
quote opens with ("X wrote:"). And the one cache of what they find.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from lxml import etree
from lxml.etree import _Element

from scraper.fields import MONTH_WORDS
from scraper.mailtext import attribution_name
from scraper.quote_words import WROTE, WROTE_WITH_COLON

# A class or id naming a member: the name element of a post's author pane.
# A class that is just "user" (Nairaland's name link) names one too; "user-avatar" does not.
# Not a BEM modifier: Drupal classes every field "field--name-<field>" ("field--name-body").
NAME_HINT = re.compile(r"author|user-?name|poster|member-?name|nick|(?<!--)\bname\b|\busername|"
                       r"(?:^|\s)user(?:$|\s)", re.I)
# Not a share button's link ("facebook.com/sharer/sharer.php?u=<the thread>"), nor the
# visitor's own "Log in" and "Register" (Drupal's /user/login).
PROFILE_LINK = re.compile(
    r"^(?!.*\bshare(?:r|\b))(?!.*(?:log-?in|log-?out|register|sign-?up|sign-?in|password)\b)"
    # (not SMF's "action=profile" naming no member: the viewer's own menu, "Summary")
    r"(?!(?!.*[?&;](?:u|uid|user|userid|id|username|name)=\w).*action=profile)"
    r".*?(?:"
    r"(?:^|/)(?:members?|users?|profiles?|u|user|people|benutzer|mitglied|account|community/"
    # and as other languages name them ("/profil/12", "/membres/jean", "/utente/123")
    r"profile|profil|perfil|membres?|miembros?|membr[io]s?|utent[ei]|usuarios?|utilisateurs?|"
    r"mitglieder|gebruikers?|leden|uzytkownik|uzytkownicy|kayttaja|felhasznalo|kullanici)"
    r"(?:/|\.php|$|-\d)|memberlist\.php\?mode=viewprofile|profile\.php|[?&](?:u|uid|user|"
    r"userid|showuser|action=profile)=|action=profile|/profile/|/user/|/members/|"
    r"user_?(?:profile|info)\b|/user-?dashboard/|"
    # "user?id=alice" (Hacker News and custom engines): the member named in the query
    r"(?:^|/)(?:users?|members?|profile|account)\?(?:id|name|u|user|username)=|"
    # "//slashdot.org/~alice": a member's page as Unix names a home
    r"^(?:https?:)?//[^/?#]+/~[\w.-]+/?$)", re.I)
_MONTHS = "|".join(MONTH_WORDS)  # each a name's beginning: "(?:{_MONTHS})[^\W\d_]*"
# A date relative to the day the page was saved ("3 days ago", "vor 2 Tagen", "il y a 3
# heures", "hace 2 días", "3 giorni fa", "1 Jahr 2 Tage her", "3 часа назад"): no day, but a
# post's date line all the same. ("hier", French for yesterday, is German for here; "her"
# alone is English.)
_RELATIVE = (r"\b(?:ago|today|yesterday|heute|gestern|aujourd'hui|vor \d+|il y a (?:\d+|une?)|"
             r"hace (?:\d+|una?)|há (?:\d+|uma?)|geleden|temu|sitten|ezelőtt|önce|just now|"
             r"gerade eben|à l'instant|назад|сегодня|вчера)\b|\b\d+\s+[^\W\d_]+\s+(?:fa|her)\b")
def _dated(months: str, letters: str) -> str:
    """DATE's alternatives that name a day (all but the relative ones)."""
    return (
        rf"\b(?:19|20)\d\d(?:[-/.]\d\d?[-/.]\d\d?\b|"
        # the year first: Hungarian "2015. márc. 12."
        rf"\.?\s+(?:{months}){letters}*\.?\s+\d\d?\b)|"
        rf"\b\d\d?[-/.]\d\d?[-/.](?:19|20)?\d\d\b|"
        rf"\b(?:{months}){letters}*\.?\s+\d\d?(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d|"
        rf"\b\d\d?\.?\s+(?:de\s+)?(?:{months}){letters}*\.?,?\s+(?:de\s+)?(?:19|20)\d\d|"
        rf"\b\d\d?:\d\d(?:[ap]m)?\b|"
        rf"\b\d\d?(?:st|nd|rd|th)\s+(?:{months})")


_DATED = _dated(_MONTHS, r"[^\W\d_]") + r"|(?:19|20)\d\d\s*[年년]\s*\d\d?\s*[月월]"  # 2015年3月12日
DATE = re.compile(f"{_DATED}|{_RELATIVE}", re.I)
# DATE's two halves, asked apart (`is_date`), and for a text in ASCII, lowered (`lowered`),
# with the month names in ASCII each once (not "januar" beside "jan"): a pattern tries
# every alternative at every word, and with the names and relative words of more languages
# one pattern was three times slower on the Avalanches pages' texts.
_ASCII_MONTHS = "|".join(sorted(
    {m for m in _MONTHS.split("|") if m.isascii()
     if not any(m != o and m.startswith(o) for o in _MONTHS.split("|") if o.isascii())},
    key=lambda m: (-len(m), m)))
_DATED_I, _RELATIVE_I = re.compile(_DATED, re.I), re.compile(_RELATIVE, re.I)
_DATED_LOWER = re.compile(_dated(_ASCII_MONTHS, "[a-z]"))
_RELATIVE_LOWER = re.compile(_RELATIVE.replace(r"[^\W\d_]", "[a-z]"))

# A day of a month with no year ("Apr 24", "24. März"): no date DATE takes, but no name either.
_MONTH = rf"(?:{_MONTHS})(?:uary|ruary|ch|il|e|y|ust|tember|ober|ember|o|io|ier|rier)?\.?"
MONTH_DAY = re.compile(rf"^(?:{_MONTH}\s+\d\d?(?:st|nd|rd|th)?|\d\d?(?:st|nd|rd|th)?\.?\s+{_MONTH})$",
                       re.I)

# Every part of DATE but its words holds a digit, and in one of these shapes (a date's
# separator or year, a "3rd"): a text with neither is no date, and most texts of a page are
# neither (the pattern itself costs ~3-6 µs a text).
_DIGIT = re.compile(r"\d")
_DATE_DIGITS = re.compile(r"\d\d?[-/.:]\d|(?:19|20)\d\d|\d(?:st|nd|rd|th)", re.I)
# and every relative date one of these words (searched in lower case; " fa" and " her" apart,
# as a pattern's word opening with a space is tried at every space of a text)
_DATE_WORDS = re.compile("ago|today|yesterday|heute|gestern|aujourd'hui|vor |il y a|hace|há |"
                         "geleden|temu|sitten|ezelőtt|önce|just now|gerade eben|à l'instant|"
                         "назад|сегодня|вчера")


# (those in ASCII, for a text in ASCII: fewer words to try at each letter)
_DATE_WORDS_ASCII = re.compile("|".join(w for w in _DATE_WORDS.pattern.split("|") if w.isascii()))


def _relative_words(lower: str) -> bool:
    return " fa" in lower or " her" in lower or (
        _DATE_WORDS_ASCII if lower.isascii() else _DATE_WORDS).search(lower) is not None


def lowered(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` without re.I, to search an ASCII text in lower case: the patterns here spell
    their words in lower case and re.I folds no other letters into ASCII ones, so the two find
    the same. Case-blind matching costs 1.5-2.5 times as much (DATE on the generic pages'
    date lines 9.8 µs a text against 3.9, NAME_HINT on their class names 4.3 against 1.7)."""
    return re.compile(pattern.pattern, pattern.flags & ~re.I)


def found(pattern: re.Pattern[str], twin: re.Pattern[str], text: str) -> bool:
    """Does `pattern` find `text`? Asked of its `lowered` twin when the text is ASCII."""
    if text.isascii():
        return twin.search(text.lower()) is not None
    return pattern.search(text) is not None


_DATE_DIGITS_LOWER = lowered(_DATE_DIGITS)


def is_date(text: str) -> bool:
    """Does DATE find a date in `text`? Its days first, each shape of them with a digit, then
    its relative dates, each with a word of _DATE_WORDS."""
    if text.isascii():  # ASCII: re.I folds no other letters in
        lower = text.lower()
        if _DIGIT.search(text) and _DATE_DIGITS_LOWER.search(lower) \
                and _DATED_LOWER.search(lower):
            return True
        return _relative_words(lower) and _RELATIVE_LOWER.search(lower) is not None
    if _DATE_DIGITS.search(text) and _DATED_I.search(text):
        return True
    # (lower(), as re.I folds: "ſep" is "sep")
    lower = text.lower()
    return _relative_words(lower) and _RELATIVE_I.search(text) is not None


# (?<!-): not a BEM modifier, Drupal's "field--name-taxonomy-forums" on every field. A class
# of camel-cased words that ends in "User" (Kentico's "PostUser") is one too.
AUTHOR_CLASS = re.compile(r"(?<!-)(?:^|[-_ ])(?:author|username|user-name|poster|postername|"
                           r"member-?name|nick|name)(?:$|[-_ ])|username|author|"
                           r"(?:^|\s)user(?:$|\s)|(?-i:(?<=[a-z])User)(?:$|\s)", re.I)
BADGE = re.compile(r"badge|rank|reput|title|status|online|offline|icon|avatar|flair|level|"
                    r"karma|points|count|star", re.I)
# "text" but not a presentational utility class ("x_textsize_1", "text-center", "text-muted").
BODY_CLASS = re.compile(r"body|content|message|msg|text(?!-?(?:size|align|center|left|right|muted|"
                        r"small|large|bold|color))|entry|post(?!er)|comment|article|bbwrapper", re.I)
# Not after "--": a BEM modifier says which variant, not what it is (IP.Board 5's post text is
# `ipsRichText--user`, user content, not a user pane). "small" is a meta line's class (SMF's
# "smalltext"), not Foundation's grid ("small-12 columns", "hide-for-small-only").
# "posted" is a date line's class ("Posted: 03/08/2021"), not a body's; vBulletin's quote head
# "bbcode_postedby" is neither.
NOT_BODY = re.compile(r"(?<!--)(?:head|foot|author|signature|sig\b|meta|info|details\b|date|time|"
                       r"title|posted(?!_?-?by)|"
                       r"subject|user(?!-?(?:content|text))|profile|avatar|(?<!select)quote(?!less)|sidebar|control|action|button|toolbar|"
                       r"share|like|vote|rating|nav|menu|breadcrumb|small(?!-(?:\d|offset|push|pull|centered|"
                       r"uncentered|collapse|only|up|order|block))|keyinfo|count|poster|"
                       r"postleft|utils|tools|controls|options|buttons)", re.I)
# Chrome inside a post body: never the member's own words.
CHROME = re.compile(r"signature|\bsig\b|moderatorbar|modnote|moderator-?note|post-?edit\b|"
                     r"edit(?:ed)?[-_]?(?:by|note|reason)|last[-_]?edit|\bedited\b|topic-navigation|forum-topic-navigation|"
                     r"gutter|line-?numbers|linenums|lineno|spoiler-?(?:title|label|head)|"
                     r"toggle|expand(?:-?link|-?button|-?label|er)?\b|collapse|reactions|likes|"
                     r"post-?footer|attachments?\b|\bnotice\b|"
                     r"printfooter|hidden|sr-only|visually-?hidden", re.I)
# A post's number as its element's id; an engine's prefix before it ("elComment_", "post_id_").
# Vanilla numbers its opening post as the discussion ("Discussion_35143", the replies
# "Comment_46622").
NUMBERED_POST = re.compile(r"(?:[a-z]+[-_]|el|js-)?(?:post|msg|message|p|comment|reply|entry|answer|"
                           r"discussion)[-_]?"
                           r"(?:id[-_])?\d+", re.I)
# Not XenForo 1's "SelectQuoteContainer", the post's own words that a selection quotes from.
# (not Tailwind's "prose-quoteless", a body's class that says its quotes get no quote marks)
QUOTE_CLASS = re.compile(r"(?<!select)quote(?!less)|citation|\bcite\b", re.I)
SIGNATURE = re.compile(r"signature|\bsig\b", re.I)
QUOTE_AUTHOR_ATTRS = ("data-author", "data-username", "data-user", "data-name", "data-ipsquote-"
                       "username", "data-quote-author")
# Attribution lines quotes open with, in the languages forums speak.
ATTRIBUTION = re.compile(
    r"^(?:.{0,40}\bago,\s+(?P<c>.{1,60}?)\s+said:"
    # "(date) X Wrote:" (MyBB's <cite>) names X: the bracketed date before the name is no part
    # of it; " wrote:" (a deleted member's quote) names no one; '"X" post="N posted:"' is the
    # BBCode [quote="X" post=N] half rendered; Something Awful's "X posted:" counts only with
    # its colon ("X posted" ends sentences too)
    r"|(?:\([^()\n]{1,40}\)\s*)?@?(?:(?P<a>.{1,60}?)(?:\"\s*post=\"\d+)?\s+)?"
    rf"(?:(?:{WROTE})\s*:?|posted\s*:|said\s+in\s+[^\n]{{1,150}}:"  # NodeBB: "@X said in Topic:"
    # and, with their colon (without, they end sentences), the verbs of more languages:
    # phpBB's "X писал(а):", IP.Board's "X sagte:", "X a dit :", "X disse:"
    rf"|(?:{WROTE_WITH_COLON})\s*:)"
    # vBulletin's "Originally Posted by X" (its quote's header, and its version 2's whole box)
    r"|(?:Quote:?\s*)?Originally\s+Posted\s+by\s+(?P<d>[^\n]{1,60}?)(?:\s+View\s+Post)?"
    r"|(?:Quote from|Quote|Zitat von|Zitat|Citation de|Cita de|Lainaus|Idézet|Cytat|Citaat|"
    r"Citação de|Citação|Citazione di|Citazione|Citat|Цитата|Alıntı)"
    r"\s*:?\s*(?P<b>[^\n]{0,80}?)(?:\s+(?:on|am|le|el)\s+.*)?"
    # and the arrow some link to the quoted post with (Vanilla's "X wrote: »")
    r")\s*[»›→↑⇧^]?\s*$", re.I)


def attributed(head: re.Match[str]) -> str | None:
    """The name an ATTRIBUTION match gives; a mail's "On Mon, 3 Mar 2025, X <x@y.org> wrote:"
    (a list archive's posts, a forum's mail gateway) names X."""
    name = head.group("a")
    if name and (name[:3].lower() == "on " or "<" in name or "@" in name[1:]):
        return attribution_name(head.group(0)) or name
    return name or head.group("b") or head.group("c") or head.group("d")


# A word every attribution line holds, searched first (in the lower case, by plain searches:
# ATTRIBUTION's own backtracking over each line of each post was a tenth of the time of a page,
# and a pattern of the words, re.I, scans a text ten times slower than these searches). A
# stem stands for the verbs it opens ("schr": schrieb, schreef; "escr": escribió, escreveu);
# a text in ASCII is searched for the words in ASCII only.
_ATTRIBUTION_ASCII = ("ago", "wrote", "said", "schr", "scri", "escr", "kirjoitti", "skrev",
                      "posted", "quote", "zitat", "cita", "lainaus", "cytat", "originally",
                      "napis", "napsal", "yazd", "dijo", "a dit", "sagte", "zei", "ha detto",
                      "disse", "sanoi")
_ATTRIBUTION_WORDS = (*_ATTRIBUTION_ASCII, "a écrit", "írta", "idézet", "писал", "пишет",
                      "сказал", "цитата", "alıntı")


# "… by Nobody: 12:19pm On Apr 24", "Submitted by jensk (not verified) on Mon, 11/02/2013 -
# 13:15.": a guest's name in the header's plain text, no element of its own (Nairaland,
# phpBB 2's and Drupal's guests), before a colon or before the date.
BY_GUEST = re.compile(r"(?:^|\s)(?:posted |written |submitted )?(?:by|von|par|por)\s+"
                       r"([^\W\d][\w.-]{0,30}(?: [\w.-]{1,30})?)"
                       r"(?:\s*\((?:not verified|guest|unregistered|unverified)\))?"
                       r"(?:\s*:\s*$|\s+(?:on|am|le|el|at)\s+(.{4,40})$|\s*[»,]\s*(.{4,40})$)", re.I)


# "Posted on 2003-04-24 17:36:30 by jakor": the name closing a line that is only a date. The
# date opens with a digit, a day's or a month's name, so no sentence ("Released on 12 May 2004
# by Microsoft") reads as one; the name is as shown (">Matrix<", "*unknown*").
_DATED_BY = re.compile(r"^(?:(?:posted|written|submitted|sent|added)\s+)?(?:(?:on|am|le|el)\s+)?"
                       r"((?=\d|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|"
                       r"sep|oct|nov|dec|today|yesterday))\S.{3,40}?)\s+(?:by|von|par|por)\s+"
                       r"(\S{1,30}(?:\s{1,2}\S{1,30}){0,3})\s*$", re.I)


# "#17040 - Daegon - Sun Feb 29, 2004 12:45 pm": the name, then the date, in a header of its own
# set apart by dashes or bars (archives rebuilt from a forum's database); the post's number
# before them. The date opens as _DATED_BY's does.
_NAME_THEN_DATE = re.compile(r"^(?:#\d+\s+[-–|•·]\s+)?([^\s#:|•·–-][^:|•·–]{0,39}?)\s+[-–|•·]\s+"
                             r"((?=\d|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|"
                             r"aug|sep|oct|nov|dec))\S.{3,40}?)\s*$", re.I)


def guest_name(text: str, dated: bool = False) -> str | None:
    """The guest's name a header's text gives after "by", before a colon or a date (with
    `dated`, only a date), or after the date it opens with; or before the date it ends with,
    set apart by a dash."""
    if len(text) >= 120:
        return None
    if "by" not in text.lower():
        m = _NAME_THEN_DATE.match(text.strip()) if " - " in text or " | " in text \
            or " – " in text or " • " in text or " · " in text else None
        name = m.group(1) if m and len(m.group(1).split()) <= 4 and is_date(m.group(2)) \
            else None
        return name if name and not name[0].isdigit() else None
    text = text.strip()
    m = BY_GUEST.search(text)
    when = (m.group(2) or m.group(3)) if m else None
    if m and (when is not None and is_date(when) or when is None and not dated):
        return m.group(1)
    m = _DATED_BY.match(text)
    return m.group(2) if m and is_date(m.group(1)) else None


def may_attribute(text: str) -> bool:
    """Does `text` hold a word every attribution line holds?"""
    lowered = text.lower()
    words = _ATTRIBUTION_ASCII if lowered.isascii() else _ATTRIBUTION_WORDS
    return any(word in lowered for word in words)


def attribution_lines(text: str) -> list[str]:
    """The lines of `text` that hold a word every attribution line holds, found from where
    the words are in the whole text rather than by asking each line."""
    lowered = text.lower()
    words = [word for word in (_ATTRIBUTION_ASCII if lowered.isascii() else _ATTRIBUTION_WORDS)
             if word in lowered]
    if not words:
        return []
    if len(lowered) != len(text):  # a letter whose lower case is two ("İ"): offsets differ
        return [line for line in text.split("\n") if may_attribute(line)]
    starts: set[int] = set()
    for word in words:
        at = lowered.find(word)
        while at >= 0:
            starts.add(lowered.rfind("\n", 0, at) + 1)
            at = lowered.find(word, at + 1)
    ends = ((start, text.find("\n", start)) for start in sorted(starts))
    return [text[start:] if end < 0 else text[start:end] for start, end in ends]



# Every link PROFILE_LINK finds holds one of these in lower case. Most of a page's links (its
# topics, pages, posts) hold none and are answered without the pattern, whose lookaheads are
# tried at every position of the link (~8 µs a link on the SA pages). (One pattern of the
# words: half the time of a plain search for each, 23 of them, on the Avalanches' links.)
_PROFILE_WORDS = re.compile("member|user|profil|perfil|people|benutzer|mitglied|account|u/|u\\.php|/~|"
                            "u=|uid=|membr|miembro|utent|usuario|utilisateur|gebruiker|leden|"
                            "uzytkownik|kayttaja|felhasznalo|kullanici")
_PROFILE_LOWER = lowered(PROFILE_LINK)


def is_profile_link(href: str) -> bool:
    """Does `href` link to a member's profile (PROFILE_LINK)? Each link is asked once a page."""
    if href.isascii():  # re.I folds no other letters into ASCII ones
        lower = href.lower()
        return (_PROFILE_WORDS.search(lower) is not None or lower == "u" or lower.endswith("/u")) \
            and hinted(_PROFILE_LOWER, lower)
    return hinted(PROFILE_LINK, href)


# The labels of a post's buttons that link to the poster's profile, not the poster's name.
_BUTTON_LABELS = frozenset({"profile", "view profile", "pm", "send pm", "message", "send message",
                            "email", "e-mail", "www", "website", "homepage", "home page",
                            "post history", "find posts", "contact"})


# The word of a byline before a name: "by <strong>X</strong>", "<span>by </span>X".
BYLINE = frozenset({"by", "by:", "posted by", "written by", "von", "von:", "geschrieben von", "par",
                    "por", "door", "av", "di", "da", "przez", "od", "tarafından"})


def label_then_name(label: _Element) -> str | None:
    """The plain name after a byline's word in an element of its own, the one element of its
    parent (Slashdot's `<span class="by"><span class="byby">by </span>Anonymous Coward</span>`);
    not "<b>by</b> the way" inside a member's words: a name's length, no sentence's end."""
    if len(label) or not isinstance(label.tag, str) \
            or (label.text or "").strip().lower() not in BYLINE:
        return None
    parent = label.getparent()
    if parent is None or len(parent) != 1 or (parent.text or "").strip():
        return None
    name = " ".join((label.tail or "").split())
    if 0 < len(name) <= 40 and len(name.split()) <= 4 and not name.endswith((".", "!", "?", ",")) \
            and is_name(name) and not sentence(name):
        return name
    return None


def is_name(text: str) -> bool:
    """Could a short text be a member's name as shown: not punctuation alone (vBulletin's "?"
    linking to the poster's other posts), not a button's label ("Profile", "PM")."""
    return any(c.isalnum() for c in text) and " ".join(text.split()).lower() not in _BUTTON_LABELS


# hinted's answers, a table per pattern, found by the pattern's id(): a re.Pattern's own hash
# digests its whole compiled program each time (2-3 µs for NOT_BODY or CHROME), so an
# lru_cache keyed on (pattern, hint) spent more time hashing than the searches it saved. The
# table holds each pattern, so no other can come to have its id.
_HINTED: dict[int, tuple[re.Pattern[str], dict[str, bool]]] = {}


def hinted(pattern: re.Pattern[str], hint: str) -> bool:
    """Does `pattern` find `hint` (class names, an id, a link)? A page repeats its class names
    post after post, so each is searched once: those searches were a third of a post's time."""
    entry = _HINTED.get(id(pattern))
    if entry is None:
        entry = _HINTED[id(pattern)] = (pattern, {})
    seen = entry[1]
    found = seen.get(hint)
    if found is None:
        if len(seen) >= 1 << 14:
            seen.clear()  # bounded, as the lru_cache was: links and ids vary page to page
        found = seen[hint] = pattern.search(hint) is not None
    return found


# What a class, id and itemprop say an element is, as bits of one mask: every part of a
# record is looked for in the same elements, and a page repeats its class names post after
# post, so each hint is searched once for all the words, and asked after by a bit test.
# NAMED and DATED are the words `generic_count` finds a member's name and a date by.
IS_AUTHOR, IS_BADGE, IS_BODY, IS_NOT_BODY, IS_CHROME, IS_QUOTE, IS_SIGNATURE, NAMED, DATED = (
    1 << i for i in range(9))
DATE_HINT = re.compile(r"date|time|posted|published|created", re.I)
_MASK_WORDS = ((IS_AUTHOR, AUTHOR_CLASS), (IS_BADGE, BADGE), (IS_BODY, BODY_CLASS),
               (IS_NOT_BODY, NOT_BODY), (IS_CHROME, CHROME), (IS_QUOTE, QUOTE_CLASS),
               (IS_SIGNATURE, SIGNATURE), (NAMED, NAME_HINT), (DATED, DATE_HINT))
_MASKS: dict[str, int] = {}


def mask(hint: str) -> int:
    """The IS_ bits of the words `hint` (class names, id, itemprop) holds."""
    found = _MASKS.get(hint)
    if found is None:
        if len(_MASKS) >= 1 << 14:
            _MASKS.clear()  # bounded: ids vary page to page
        found = _MASKS[hint] = sum(bit for bit, words in _MASK_WORDS if words.search(hint))
    return found


class Hints(dict[_Element, int]):
    """The IS_ bits of the elements of a page (or a record) that carry any: an element not in
    it has none. `under` lists a record's elements that carry any without walking the rest
    (a seventh of them on the Avalanches pages), from their places in the page's order."""

    order: list[_Element] | None = None  # the page's elements in reversed page order, if known
    _index: tuple[dict[_Element, int], list[int], list[_Element]] | None = None

    def under(self, el: _Element, self_too: bool = True) -> list[_Element]:
        """The elements under `el` (and `el` itself, with `self_too`) that carry bits, in page
        order."""
        if self.order is not None and self._index is None:
            self._index = self._indexed(self.order)
        index = self._index
        first = index[0].get(el) if index is not None else None
        if index is None or first is None:  # a record's own hints (not worth an index)
            return [e for e in (el.iter() if self_too else el.iterdescendants()) if e in self]
        place, places, elements = index
        last = el
        while len(last):  # down the last children to the subtree's last element
            kid = last[-1]
            if not isinstance(kid.tag, str):  # a comment closes it
                kids = [k for k in last if isinstance(k.tag, str)]
                if not kids:
                    break
                kid = kids[-1]
            last = kid
        lo = bisect_left(places, first if self_too else first + 1)
        return elements[lo:bisect_right(places, place[last], lo)]

    def _indexed(self, order: list[_Element]) -> tuple[dict[_Element, int], list[int], list[_Element]]:
        order = order[::-1]
        place = dict(zip(order, range(len(order))))
        places = sorted(place[el] for el in self)
        return place, places, [order[i] for i in places]


# Each class attribute with its element: a scan of the attributes in C costs a third of
# reading every element's class from Python (17 M instructions against 35 M on the
# Avalanches pages).
CLASS_ATTRS = etree.XPath("descendant-or-self::*/@class")
ITEMPROP_ATTRS = etree.XPath("descendant-or-self::*/@itemprop")
_ID_ATTRS = etree.XPath("descendant-or-self::*/@id")
# Invision's `data-role="memberSignature"`: a signature named in no class
_ROLE_ATTRS = etree.XPath("descendant-or-self::*/@data-role")
_DIGITS = "0123456789"


def hints_of(roots: list[_Element]) -> Hints:
    """The masks of the elements under `roots`, from their class, id and itemprop, each
    attribute listed in C and asked apart: no word is found across two of them (each pattern's
    delimiters match a string's ends as they match the spaces that would join them)."""
    hints = Hints()
    for root in roots:
        for attr in CLASS_ATTRS(root):
            bits = mask(str(attr))
            if bits:
                hints[attr.getparent()] = bits
        for attr in ITEMPROP_ATTRS(root):
            add_itemprop(hints, attr.getparent(), str(attr))
        add_ids(hints, root)
        add_roles(hints, root)
    return hints


def add_itemprop(hints: Hints, el: _Element, prop: str) -> None:
    """schema.org's "name" is the name of whatever item holds it (the topic's title in a
    Question), so it says nothing of the element; the author's is in its itemprop="author"."""
    bits = 0 if prop == "name" else mask(prop)
    if bits:
        hints[el] = hints.get(el, 0) | bits


def add_roles(hints: Hints, root: _Element) -> None:
    """The signatures an element's `data-role` names (Invision's "memberSignature")."""
    for role in _ROLE_ATTRS(root):  # (the attributes listed in C: few pages have any)
        if role == "memberSignature":
            el = role.getparent()
            hints[el] = hints.get(el, 0) | IS_SIGNATURE | IS_CHROME


def add_ids(hints: Hints, root: _Element) -> None:
    """The ids' words. An id's trailing digits are asked as one "0", which every pattern reads
    as it reads any digits ("post_1234"): ids are unique on a page, their stems are not."""
    for attr in _ID_ATTRS(root):
        value = str(attr)
        stem = value.rstrip(_DIGITS)
        bits = mask(stem + "0" if len(stem) < len(value) else value)
        if bits:
            el = attr.getparent()
            hints[el] = hints.get(el, 0) | bits


def sentence(text: str) -> bool:
    """Is `text` a sentence, not a name: over six words, with a sentence's punctuation
    ("Want to join? Log in or sign up in seconds.", Reddit's `<span class="user">`; a name
    may be long, "x Bout as Stable as the Wind x")."""
    if text.count(" ") < 6:  # (most names: asked no more)
        return False
    words = text.split()
    return len(words) > 6 and (any(c in text for c in "?!") or words[-1].endswith("."))


def text_of(el: _Element) -> str:
    """All text under `el` (lxml.html's text_content, for a plain lxml.etree tree)."""
    return "".join(el.itertext())
