"""What a phpBB page says about itself, read from its raw text: where the board lives, its clock
and time zone, and which page of the topic it is.

These sit in the page chrome, outside any post, and phpBB 2 and 3 print them alike, so they are
read with regular expressions, one pass over the text each, rather than from the parsed tree.
Wayback Machine captures give back the original addresses: the archive prefix and phpBB's
session ids are dropped from every link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

_WB_PREFIX = re.compile(r"^(?:https?:)?(?://web\.archive\.org)?/web/\d{4,14}(?:[a-z]{2}_)?/")
_SID = re.compile(r"[?&]sid=[0-9a-fA-F]+(?=$|[&#])")

# Links that name the page being shown, most trusted first. Regexes on the raw page: these sit
# in the chrome, and one pass over the text is cheaper than a tree walk per selector.
_PAGE_LINKS = [re.compile(p) for p in (
    r"<link[^>]+rel=\"canonical\"[^>]*href=\"([^\"]+)\"",
    r"<link[^>]+href=\"([^\"]+)\"[^>]*rel=\"canonical\"",
    r"<meta[^>]+property=\"og:url\"[^>]*content=\"([^\"]+)\"",
    r"<h2[^>]*>\s*<a[^>]+href=\"([^\"]*viewtopic[^\"]*)\"",
    r"class=\"(?:maintitle|titles)\"[^>]*href=\"([^\"]*viewtopic[^\"]*)\"",
    r"<form[^>]+action=\"([^\"]*viewtopic\.php[^\"]*)\"",
)]
# Links that name the topic but not the page.
_TOPIC_LINKS = [re.compile(p) for p in (
    r"base_url = '([^']*viewtopic[^']*)'",
    r"href=\"([^\"]*posting\.php\?mode=reply[^\"]*)\"",
    r"<link[^>]+rel=\"(?:prev|next)\"[^>]*href=\"([^\"]*viewtopic[^\"]*)\"",
    r"<input[^>]+value=\"(\d+)\"[^>]+name=\"t\"",
    r"<input[^>]+name=\"t\"[^>]+value=\"(\d+)\"",
)]
_PAGE_LINK = re.compile(r"<a[^>]+href=\"[^\"]*start=(\d+)[^\"]*\"[^>]*>\s*(\d+)\s*</a>")
_PER_PAGE = re.compile(r"per_page = '(\d+)'")
_ACTIVE_PAGE = re.compile(r"<li class=\"active\"><span>(\d+)</span>")  # 3.1+ with < 7 pages
_PAGE_OF = re.compile(r"Page\s*(?:<[^>]+>\s*)*(\d+)\s*(?:<[^>]+>\s*)*of\s*(?:<[^>]+>\s*)*(\d+)")
# phpBB 2 / 3.0 state one fixed offset ("All times are GMT + 10 Hours [ DST ]"); 3.1+ names a
# zone whose offset moves with DST, so those dates stay without an offset.
_ZONE = re.compile(r"All times are (?:UTC|GMT)(?: ([+-]) ([\d.]+) [Hh]ours?)?\s*"
                   r"(\[ ?(?:<[^>]+>)?DST(?:</abbr>)? ?\])?(?![+\-:\d])")
_NOW = re.compile(r"It is currently ([^<]+)")
_FEED = re.compile(r"<link[^>]+href=\"(https?://[^\"]+/)feed\.php[^\"]*\"")
_SITENAME = re.compile(r"<title>\s*(?:www\.)?([\w-]+(?:\.[\w-]+)*\.[a-z]{2,})\s*(?:::|&bull;|•)",
                       re.I)

_MONTHS = {m: i for i, m in enumerate("- jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DATES = [  # (regex, order of year/month/day groups)
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
    (re.compile(r"\b([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})"), (3, 1, 2)),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\.? ([A-Za-z]{3})[a-z]*\.?,? (\d{4})"), (3, 2, 1)),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
]
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\b\.?)?", re.I)


@dataclass
class Page:
    """What every post on a page is read against: where it lives, its clock and time zone."""

    base: str | None  # absolute directory of the board, when the page reveals it
    host: str | None
    zone: str  # "+10:00", or "" when the page states no fixed offset
    today: date | None  # the page's "It is currently ..." date, for "Today, 10:15 am"
    page_href: str | None  # the link that names the page shown (canonical, title link, form)
    topic_id: str | None

    def url(self, href: str | None) -> str | None:
        """An href from the page as the original URL: Wayback prefix and session id dropped."""
        if not href:
            return None
        href = _SID.sub("", _WB_PREFIX.sub("", unescape(href).strip()))
        if "?" not in href and "&" in href:  # the sid was the first parameter
            href = href.replace("&", "?", 1)
        return urljoin(self.base, href) if self.base else href.removeprefix("./")


def read_page(text: str, wayback: str | None) -> Page:
    page_href = match(_PAGE_LINKS, text)
    topic_href = page_href if param(page_href, "t") else match(_TOPIC_LINKS, text)
    topic_id = param(topic_href, "t") or (topic_href if (topic_href or "").isdigit() else None)
    if topic_id is None and topic_href:  # SEO-rewritten boards: /some-topic-t123.html
        m = re.search(r"[-/]t(?:opic)?(\d+)(?:-s\d+)?\.html", topic_href)
        topic_id = m.group(1) if m else None
    base = None
    for candidate in (page_href, wayback, match(_FEED, text)):
        candidate = _WB_PREFIX.sub("", unescape(candidate or ""))
        if candidate.startswith(("http://", "https://")):
            base = urljoin(candidate, ".")
            break
    host = urlsplit(base).hostname if base else (match(_SITENAME, text) or "").lower()
    zone = _zone(_ZONE.search(text))
    now = match(_NOW, text)
    today = _date_parts(now) if now else None
    return Page(base, host.removeprefix("www.") if host else None, zone,
                 date(*today) if today else None, page_href, topic_id)


def match(patterns: re.Pattern[str] | list[re.Pattern[str]], text: str) -> str | None:
    """Group 1 of the first pattern that matches, HTML entities decoded."""
    for pattern in patterns if isinstance(patterns, list) else [patterns]:
        m = pattern.search(text)
        if m:
            return unescape(m.group(1))
    return None


def param(href: str | None, key: str) -> str | None:
    if not href or "?" not in href:
        return None
    values = parse_qs(urlsplit(unescape(href)).query).get(key)
    return values[0] if values and values[0].isdigit() else None


def _zone(m: re.Match[str] | None) -> str:
    if not m:
        return ""
    hours = float(m.group(2) or 0) * (-1 if m.group(1) == "-" else 1) + (1 if m.group(3) else 0)
    minutes = round(abs(hours) * 60)
    return f"{'-' if hours < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def post_offset(text: str, page: Page) -> int | None:
    """Posts before this page: start= of the page's own link, else (page - 1) x posts per page."""
    start = param(page.page_href, "start")
    current = pages(text)[0]
    if start is not None and (int(start) > 0 or current in (None, 1)):
        return int(start)
    if current == 1 or (current is None and page.page_href):
        return 0  # phpBB leaves start= out of page 1's links
    per_page = match(_PER_PAGE, text)
    if per_page is None:  # page links: "3" -> start=50 means 25 a page
        sizes = [int(s) // (int(n) - 1) for s, n in _PAGE_LINK.findall(text) if int(n) > 1]
        per_page = str(min(sizes)) if sizes else None
    return (current - 1) * int(per_page) if current and per_page else None


def pages(text: str) -> tuple[int | None, int | None]:
    """(this page, pages in all) from "Page 2 of 3", else from 3.1+'s page list."""
    m = _PAGE_OF.search(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    active = _ACTIVE_PAGE.search(text)
    if not active:
        return None, None
    current = int(active.group(1))
    return current, max([current] + [int(n) for _, n in _PAGE_LINK.findall(text)])



def _date_parts(text: str) -> tuple[int, int, int] | None:
    for pattern, (y, mo, d) in _DATES:
        for m in pattern.finditer(text):
            month = m.group(mo)
            month_no = int(month) if month.isdigit() else _MONTHS.get(month[:3].lower(), 0)
            if 1 <= month_no <= 12 and 1 <= int(m.group(d)) <= 31:
                return int(m.group(y)), month_no, int(m.group(d))
    return None


def _day(text: str, today: date | None) -> date | None:
    parts = _date_parts(text)
    lowered = text.lower()
    if parts is None and today and ("today" in lowered or "yesterday" in lowered):
        return today - timedelta(days=1 if "yesterday" in lowered else 0)
    try:
        return date(*parts) if parts else None
    except ValueError:  # 31 Feb
        return None


def when(text: str, page: Page) -> str | None:
    """A shown post date ("Mon Jun 02, 2003 6:23 am", "Today, 10:15") as ISO 8601."""
    day = _day(text, page.today)
    m = _TIME.search(text)
    if day is None or m is None:
        return day.isoformat() if day else None
    hour = int(m.group(1))
    if m.group(4):  # 12-hour clock
        hour = hour % 12 + (12 if m.group(4).lower() == "p" else 0)
    if hour > 23 or int(m.group(2)) > 59:
        return day.isoformat()
    return f"{day.isoformat()}T{hour:02d}:{m.group(2)}:{m.group(3) or '00'}{page.zone}"
