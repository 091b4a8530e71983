"""What a phpBB page says about itself, read from its raw text: where the board lives, its clock
and time zone, and which page of the topic it is.

These sit in the page chrome, outside any post, and phpBB 2 and 3 print them alike, so they are
read with regular expressions, one pass over the text each, rather than from the parsed tree.
Wayback Machine captures give back the original addresses: the archive prefix and phpBB's
session ids are dropped from every link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

from scraper.fields import shown_date, shown_day
from scraper.html import Led, led

_WB_PREFIX = re.compile(r"^(?:https?:)?(?://web\.archive\.org)?/web/\d{4,14}(?:[a-z]{2}_)?/")
_SID = re.compile(r"[?&]sid=[0-9a-fA-F]+(?=$|[&#])")

# Links that name the page being shown, most trusted first. Regexes on the raw page: these sit
# in the chrome, and one pass over the text is cheaper than a tree walk per selector. Each led
# by its literal (`Led`): most are not on the page, and looking for one cost 100 µs a page.
_PAGE_LINKS: list[re.Pattern[str] | Led] = [
    led("<link", r"[^>]+rel=\"canonical\"[^>]*href=\"([^\"]+)\""),
    led("<link", r"[^>]+href=\"([^\"]+)\"[^>]*rel=\"canonical\""),
    led("<meta", r"[^>]+property=\"og:url\"[^>]*content=\"([^\"]+)\""),
    led("<h2", r"[^>]*>\s*<a[^>]+href=\"([^\"]*viewtopic[^\"]*)\""),
    re.compile(r"class=\"(?:maintitle|titles)\"[^>]*href=\"([^\"]*viewtopic[^\"]*)\""),
    # (phpBB 2's title link inside its cell: <td class="maintitle">&nbsp;<a href="viewtopic…">)
    re.compile(r"class=\"maintitle\"[^>]*>(?:\s|&nbsp;)*<a [^>]*href=\"([^\"]*viewtopic[^\"]*)\""),
    led("<form", r"[^>]+action=\"([^\"]*viewtopic\.php[^\"]*)\""),
]
# Links that name the topic but not the page.
_TOPIC_LINKS: list[re.Pattern[str] | Led] = [
    led("base_url = '", r"([^']*viewtopic[^']*)'"),
    re.compile(r"href=\"([^\"]*posting\.php\?mode=reply[^\"]*)\""),
    led("<link", r"[^>]+rel=\"(?:prev|next)\"[^>]*href=\"([^\"]*viewtopic[^\"]*)\""),
    # phpBB 2 and 3.0's "View next topic" and "View previous topic" links start from this one
    re.compile(r"href=\"([^\"]*viewtopic\.php\?t=\d+&(?:amp;)?view=(?:next|previous))\""),
    led("<input", r"[^>]+value=\"(\d+)\"[^>]+name=\"t\""),
    led("<input", r"[^>]+name=\"t\"[^>]+value=\"(\d+)\""),
]
_PAGE_LINK = re.compile(r"<a[^>]+href=\"[^\"]*start=(\d+)[^\"]*\"[^>]*>\s*(\d+)\s*</a>")
_PER_PAGE = led("per_page = '", r"(\d+)'")
_ACTIVE_PAGE = led("<li class=\"active\"><span>", r"(\d+)</span>")  # 3.1+ with < 7 pages
_PAGE_OF = re.compile(r"Page\s*(?:<[^>]+>\s*)*(\d+)\s*(?:<[^>]+>\s*)*of\s*(?:<[^>]+>\s*)*(\d+)")
# phpBB 2 / 3.0 state one fixed offset ("All times are GMT + 10 Hours [ DST ]"); 3.1+ names a
# zone whose offset moves with DST, so those dates stay without an offset.
_ZONE = led("All times are ", r"(?:UTC|GMT)(?: ([+-]) ([\d.]+) [Hh]ours?)?\s*"
                              r"(\[ ?(?:<[^>]+>)?DST(?:</abbr>)? ?\])?(?![+\-:\d])")
_NOW = led("It is currently ", r"([^<]+)")
_FEED = led("<link", r"[^>]+href=\"(https?://[^\"]+/)feed\.php[^\"]*\"")
_SITENAME = re.compile(r"<title>\s*(?:www\.)?([\w-]+(?:\.[\w-]+)*\.[a-z]{2,})\s*(?:::|&bull;|•)",
                       re.I)

@dataclass
class Page:
    """What every post on a page is read against: where it lives, its clock and time zone."""

    base: str | None  # absolute directory of the board, when the page reveals it
    host: str | None
    zone: str  # "+10:00", or "" when the page states no fixed offset
    today: date | None  # the page's "It is currently ..." date, for "Today, 10:15 am"
    page_href: str | None  # the link that names the page shown (canonical, title link, form)
    topic_id: str | None
    number: int | None = None  # this page of the topic, and the pages in all (`pages`)
    count: int | None = None

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
    for candidate in _addresses(page_href, wayback, text):
        candidate = _WB_PREFIX.sub("", unescape(candidate or ""))
        if candidate.startswith(("http://", "https://")):
            base = urljoin(candidate, ".")
            break
    host = urlsplit(base).hostname if base else (match(_SITENAME, text) or "").lower()
    zone = _zone(_ZONE.search(text))
    now = match(_NOW, text)
    return Page(base, host.removeprefix("www.") if host else None, zone,
                shown_day(now) if now else None, page_href, topic_id, *pages(text))


def _addresses(page_href: str | None, wayback: str | None, text: str) -> Iterator[str | None]:
    """Where the board's address may be read, most trusted first; the feed link is looked for
    only when the page's own addresses are not absolute."""
    yield page_href
    yield wayback
    yield match(_FEED, text)


Pattern = re.Pattern[str] | Led


def match(patterns: Pattern | list[Pattern], text: str) -> str | None:
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
    current = page.number
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



def when(text: str, page: Page) -> str | None:
    """A shown post date ("Mon Jun 02, 2003 6:23 am", "Today, 10:15") as ISO 8601."""
    return shown_date(text, page.today, page.zone)
