"""What engines print alike about a thread and its posts, read one way for every parser.

A thread id from a title, for pages that show none of the forum's own; the profile lines beside
a post ("Join Date: Mar 2009", "Posts: 1,529"); the line of underscores a signature opens with;
a post's date as the page shows it ("Mon Jun 02, 2003 6:23 am", "4. März 2019, 18:05").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from scraper.models import Post

_NOT_DIGIT = re.compile(r"[^\d]")


def to_int(text: str | None) -> int | None:
    """'1,529' -> 1529; None when there is no number."""
    if not text:
        return None
    if text.isdecimal():  # the usual "161": nothing to take out (\d is isdecimal's Nd)
        return int(text)
    digits = _NOT_DIGIT.sub("", text)
    return int(digits) if digits else None


_WORD = re.compile(r"[a-z0-9]+")
_ANY_WORD = re.compile(r"[^\W_]+")

# Profile labels as vBulletin, phpBB, XenForo and the engines the generic extractor reads print
# them (in English, German, French and Spanish), and the author field each fills.
_PROFILE_FIELDS = {
    "join date": "author_joined", "joined": "author_joined", "registered": "author_joined",
    "member since": "author_joined", "registriert": "author_joined",
    "registriert seit": "author_joined", "mitglied seit": "author_joined",
    "dabei seit": "author_joined", "inscrit le": "author_joined", "inscription": "author_joined",
    "registrado": "author_joined", "anmeldungsdatum": "author_joined",
    "anmeldedatum": "author_joined", "fecha de registro": "author_joined",
    "membro desde": "author_joined", "miembro desde": "author_joined",
    "location": "author_location", "from": "author_location", "wohnort": "author_location",
    "ort": "author_location", "localisation": "author_location", "ubicación": "author_location",
    "posts": "author_posts", "messages": "author_posts", "beiträge": "author_posts",
    "mensajes": "author_posts",
}

# vBulletin prints 18 underscores before a signature, phpBB 2 and subsilver2 17; members who
# sign by hand draw the line shorter.
SIGNATURE_RULE = re.compile(r"^_{6,}\s*$", re.M)


def slug(title: str) -> str:
    """A thread id from its title ("Sprint drills?" -> "sprint-drills"), for pages that show no
    id of the forum's own; "" when the title has no letters or digits. A title in another
    script keeps its letters ("велосипед-зима", "北理-ftp-联盟"): its Latin ones alone would
    make one thread of many, or of all."""
    lower = title.lower()
    if any(c > "\u024f" and c.isalpha() for c in lower):
        return "-".join(_ANY_WORD.findall(lower))
    return "-".join(_WORD.findall(lower))


def is_signature_rule(line: str) -> bool:
    """Is this line the rule a signature opens with?"""
    return SIGNATURE_RULE.fullmatch(line.strip()) is not None


def profile_field(label: str) -> str | None:
    """The author field a profile label names ("Join Date:" -> "author_joined"), else None."""
    return _PROFILE_FIELDS.get(label.strip(" :").lower())


def set_profile_field(post: Post, label: str, value: str | None) -> None:
    """Put one profile line's value in the author field its label names; other labels (rank,
    reputation, age) are left alone. Post counts become numbers ("1,529" -> 1529)."""
    field = profile_field(label)
    if field == "author_posts":
        post.author_posts = to_int(value)
    elif field:
        setattr(post, field, value)


# Month names by the letters that begin them, in English, German, French, Spanish, Italian,
# Portuguese, Dutch, Finnish, Polish, Hungarian, Turkish and Russian: what a page's texts are
# searched for (`scraper.generic_words` makes its date pattern of these) and what is read
# here. A name another language gives another month is left out (Czech, whose "červen" and
# "červenec" are June and July); so is a beginning too short to tell in running text ("set",
# "lis"), which is read as a date's month all the same (_READ).
MONTH_WORDS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "januar": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7, "okt": 10,  # de
    "dez": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,  # es
    "agosto": 8, "sept": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janv": 1, "févr": 2, "mars": 3, "avr": 4, "juin": 6, "juil": 7, "août": 8,  # fr
    "déc": 12,
    "tammi": 1, "helmi": 2, "maalis": 3, "huhti": 4, "touko": 5, "kesä": 6, "heinä": 7,  # fi
    "elo": 8, "syys": 9, "loka": 10, "marras": 11, "joulu": 12,
    "gennaio": 1, "febbraio": 2, "maggio": 5, "giugno": 6, "luglio": 7, "ottobre": 10,  # it
    "dicembre": 12,
    "março": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9, "outubro": 10,  # pt
    "dezembro": 12,
    "maart": 3, "mei": 5,  # nl
    "stycz": 1, "lut": 2, "kwie": 4, "maj": 5, "czerw": 6, "lip": 7, "sierp": 8,  # pl
    "wrze": 9, "paźdz": 10, "listop": 11, "grud": 12,
    "márc": 3, "ápr": 4, "máj": 5, "jún": 6, "júl": 7, "szept": 9,  # hu
    "ocak": 1, "şubat": 2, "nisan": 4, "mayıs": 5, "haziran": 6, "temmuz": 7,  # tr
    "ağustos": 8, "eylül": 9, "ekim": 10, "kasım": 11, "aralık": 12,
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6, "июл": 7,  # ru
    "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}


def _reading(words: dict[str, int]) -> dict[str, int]:
    """A name's beginning -> its month, for `_month`: every word above, its first three
    letters where they name one month only (the abbreviations "ene", "set", "lis"; not "jui",
    juin or juillet), and the spellings without accents or abbreviated as no word begins."""
    months: dict[str, set[int]] = {}
    for word, month in words.items():
        months.setdefault(word[:3], set()).add(month)
    table = {start: found.pop() for start, found in months.items() if len(found) == 1}
    table.update(words)
    table.update({"mae": 3, "fev": 2, "aou": 8, "mrt": 3, "paz": 10})  # Maerz, fevr, aout, nl
    return table


_READ = _reading(MONTH_WORDS)
_LONGEST = max(map(len, _READ))
_LETTERS = r"[^\W\d_]"
_DATES = [  # (regex, order of year/month/day groups)
    # 2019-08-03, and the dots or slashes some engines print it with (2019.08.03, 2019/8/3)
    (re.compile(r"(?<!\d)(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?!\d)"), (1, 3, 4)),
    (re.compile(rf"\b({_LETTERS}{{3,}})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})"),
     (3, 1, 2)),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\.?[ -](?:de )?({_LETTERS}{{3,}})\.?,?"
                rf"[ -](?:de )?(\d{{4}})"), (3, 2, 1)),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
    # 27.8.24 21:08:52: a two-digit year after dots, only with a clock after it (no version
    # number, "3.10.12")
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d\d),?\s+(?:klo\s+|um\s+|à\s+)?(?=\d{1,2}:\d\d)"),
     (3, 2, 1)),
    # 21-Nov-19: a two-digit year after a named month, joined by dashes (Mumsnet, Oracle's
    # default); spaced, "21 Nov 19" is as likely a count after a date with no year.
    (re.compile(rf"\b(\d{{1,2}})-({_LETTERS}{{3,}})-(\d\d)\b"), (3, 2, 1)),
    # The year first, the month named (Hungarian "2015. márc. 12."), or marked (2015年3月12日)
    (re.compile(rf"\b(\d{{4}})\.? ({_LETTERS}{{3,}})\.? (\d{{1,2}})\b"), (1, 2, 3)),
    (re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]"), (1, 2, 3)),
    # 20/06/2015 (day first) or 06/20/2015 (month first), read where one of the two is over
    # 12 or the page's language says: 05/06/2015 could be either. With dashes, 06-20-2015 as
    # vBulletin and MyBB print it by default.
    (re.compile(r"\b(\d{1,2})([/-])(\d{1,2})\2(\d{4})\b"), (4, 3, 1)),
    (re.compile(r"\b(\d{1,2})([/-])(\d{1,2})\2(\d{4})\b"), (4, 1, 3)),
]
_DAY_FIRST = len(_DATES) - 2  # the index of 20/06/2015 above: the last two read either way
_TIME = re.compile(r"(?<![\d:])(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\b\.?)?", re.I)


def _month(name: str) -> int:
    """The month a number or a month's name gives, by the longest beginning `_READ` knows
    ("marraskuuta" is November, not March; "juin" June, not July); 0 for none."""
    if name.isdigit():
        return int(name)
    lower = name.lower()
    for n in range(min(len(lower), _LONGEST), 2, -1):
        month = _READ.get(lower[:n])
        if month:
            return month
    return 0


def day_first(lang: str | None) -> bool | None:
    """Does a page in `lang` (its <html lang>) write 05/06/2015 for 5 June? Every language
    but American English does; plain "en" could be either."""
    tag = (lang or "").strip().lower().replace("_", "-")
    if not tag or tag == "en":
        return None
    return tag != "en-us"


_NUMERIC = _DATES[_DAY_FIRST][0]
# The weekday a date may open with, Monday first: English, and the other languages' full names
# (their short forms are words too: "mar", "do").
_WEEKDAYS = {name: day for day, names in enumerate((
    "mon monday montag lundi lunes lunedì maandag",
    "tue tues tuesday dienstag mardi martes martedì dinsdag",
    "wed wednesday mittwoch mercredi miércoles mercoledì woensdag",
    "thu thur thurs thursday donnerstag jeudi jueves giovedì donderdag",
    "fri friday freitag vendredi viernes venerdì vrijdag",
    "sat saturday samstag samedi sábado sabato zaterdag",
    "sun sunday sonntag dimanche domingo domenica zondag")) for name in names.split()}
_WEEKDAY = re.compile(r"\b(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b\W{0,3}$",
                      re.I)


def _by_weekday(text: str, m: re.Match[str]) -> bool | None:
    """Is the day first in the numeric date `m` of `text`, as the weekday just before it
    says ("Mon, 12/01/2015": 12 January 2015 was a Monday, 1 December a Tuesday)?"""
    w = _WEEKDAY.search(text, max(0, m.start() - 16), m.start())
    if w is None:
        return None
    weekday, a, b, year = _WEEKDAYS[w.group(1).lower()], int(m.group(1)), int(m.group(3)), \
        int(m.group(4))
    fits = set()
    for first, (day, month) in ((True, (a, b)), (False, (b, a))):
        try:
            if date(year, month, day).weekday() == weekday:
                fits.add(first)
        except ValueError:
            pass
    return fits.pop() if len(fits) == 1 else None


def day_first_shown(texts: list[str]) -> bool | None:
    """Is the day first in a page's dates, as those whose day is over 12 show (13/01/2015,
    01/13/2015), or whose weekday does? A page prints every date alike; None where none
    shows it, or they differ."""
    seen = set()
    for text in texts:
        m = _NUMERIC.search(text)
        if m:
            first, second = int(m.group(1)), int(m.group(3))
            said = first > 12 if (first > 12) != (second > 12) else _by_weekday(text, m)
            if said is not None:
                seen.add(said)
    return seen.pop() if len(seen) == 1 else None



def day_first_ordered(texts: list[str]) -> bool | None:
    """Which way round a page's dates read where none shows it (05/06/2015, 09/06/2015 and
    11/06/2015 alone): the one that keeps them in the page's order, a thread's posts following
    one another in time; where both do, the one that puts them closer together, by four times
    at least (replies come days apart far more often than months). None where neither says."""
    spans = {}
    for first in (True, False):
        stamps = [s for s in (shown_date(t, first_day=first) for t in texts) if s]
        ordered = stamps == sorted(stamps) or stamps == sorted(stamps, reverse=True)
        if len(stamps) < 2 or not ordered:
            continue
        days = sorted(date.fromisoformat(s[:10]) for s in stamps)
        spans[first] = (days[-1] - days[0]).days
    if len(spans) == 1:
        return spans.popitem()[0]
    if len(spans) == 2 and spans[True] != spans[False]:
        near, far = sorted(spans, key=spans.__getitem__)
        return near if spans[far] >= 4 * max(spans[near], 1) else None
    return None

# phpBB's default "Mon Jun 02, 2003 6:23 am", and the same without the weekday or time: the one
# date in it is the month's, as the patterns above read it (none opens before the month name,
# nor in the time), so its parts are taken as they stand. A fifth of a phpBB post's time.
_PLAIN_DATE = re.compile(r"(?:[A-Za-z]{3} )?([A-Za-z]{3}) ([0-9]{1,2}), ([0-9]{4})"
                         r"(?: [0-9]{1,2}:[0-9]{2}(?: [ap]m)?)?")


def _date_parts(text: str, first_day: bool | None = None) -> tuple[int, int, int] | None:
    """The first date `text` shows, in its own order ("05/06/2015 10:00 (edited 21. April
    2020)" is the 5 June or 6 May, not the edit), whichever shape it takes."""
    plain = _PLAIN_DATE.fullmatch(text)
    if plain and 1 <= _month(plain.group(1)) <= 12 and 1 <= int(plain.group(2)) <= 31:
        return int(plain.group(3)), _month(plain.group(1)), int(plain.group(2))
    best: tuple[int, tuple[int, int, int]] | None = None
    unsure = len(text)  # where a date shows that could be either day or month first
    for k, (pattern, (y, mo, d)) in enumerate(_DATES):
        for m in pattern.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            month_no = _month(m.group(mo))
            if k >= _DAY_FIRST and int(m.group(d)) <= 12 and month_no <= 12:
                # Which is the day? The weekday before it may say ("Mon, 12/01/2015" is 12
                # January), else the page's language; dashes are the engines' US default
                # where neither does.
                first = True if int(m.group(1)) == int(m.group(3)) else _by_weekday(text, m)
                if first is None:
                    first = first_day if first_day is not None or m.group(2) == "/" else False
                if first is None:
                    unsure = min(unsure, m.start())
                if first is None or first != (k == _DAY_FIRST):
                    continue
            if 1 <= month_no <= 12 and 1 <= int(m.group(d)) <= 31:
                year = int(m.group(y))
                if year < 100:  # '19 is 2019, '98 1998
                    year += 2000 if year < 70 else 1900
                best = (m.start(), (year, month_no, int(m.group(d))))
                break
    # A later date is not this one (an edit's): where the first could be either, none.
    return best[1] if best and best[0] < unsure else None


# The day the page was saved, and the one before, as engines write them in a post's date
_TODAY = frozenset("today heute aujourd'hui hoy oggi hoje vandaag tänään dzisiaj сегодня".split())
_YESTERDAY = frozenset("yesterday gestern hier ayer ieri ontem gisteren eilen wczoraj tegnap вчера"
                       .split())
_DAY_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def shown_day(text: str, today: date | None = None, first_day: bool | None = None
              ) -> date | None:
    """The day a shown date names; "Today"/"Yesterday" only when the page says what day it
    is (`today`); 05/06/2015 only when `first_day` says which comes first (`day_first`)."""
    text = " ".join(text.split())  # "9  May,  2024" as the page's source spaced it
    parts = _date_parts(text, first_day)
    lowered = text.lower()
    if parts is None and today:
        words = set(_DAY_WORD.findall(lowered))
        if words & _TODAY:
            return today
        if words & _YESTERDAY:
            return today - timedelta(days=1)
    try:
        return date(*parts) if parts else None
    except ValueError:  # 31 Feb
        return None


def shown_date(text: str, today: date | None = None, zone: str = "",
               first_day: bool | None = None) -> str | None:
    """A shown post date as ISO 8601, with the time when it shows one and `zone` ("+10:00")
    when the page states its clock's offset; None when it names no day."""
    day = shown_day(text, today, first_day)
    m = _TIME.search(text)
    if day is None or m is None:
        return day.isoformat() if day else None
    hour = int(m.group(1))
    if m.group(4):  # 12-hour clock
        hour = hour % 12 + (12 if m.group(4).lower() == "p" else 0)
    if hour > 23 or int(m.group(2)) > 59:
        return day.isoformat()
    return f"{day.isoformat()}T{hour:02d}:{m.group(2)}:{m.group(3) or '00'}{zone}"
