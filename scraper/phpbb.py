"""phpBB topic pages: phpBB 2 subSilver, phpBB 3 prosilver and subsilver2, live or Wayback captures.

phpBB prints no post numbers, so they come from the page's start offset (start=N in the topic's
own links, or "Page x of y" times posts per page) plus the post's position on the page. Wayback
Machine captures are read as the original page: the toolbar is dropped and archived URLs
(https://web.archive.org/web/2010.../http://host/path) are turned back into the original ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from scraper.fields import is_signature_rule, set_profile_field, slug
from scraper.html import clean, decode, text_of, tidy, to_int
from scraper.models import AUTHOR_FROM_PAGE, ParseError, Post, Quote, Thread

FORMAT = "phpbb-html"

# Every phpBB style links each post's permalink (viewtopic.php?p=N#pN, phpBB 2: #N) or shows the
# quote/reply buttons; the class names are phpBB's own template names, not one site's theme.
_SNIFF_LINK = re.compile(r"viewtopic\.php\?[^\"'<>\s]*?\bp=(\d+)[^\"'<>\s]*#p?\1\b"
                         r"|posting\.php\?mode=(?:quote|reply)")
_SNIFF_MARK = re.compile(r"class=\"[^\"]*\b(?:postprofile|postauthor|postbody)\b")

_WB_TOOLBAR = re.compile(r"<!-- BEGIN WAYBACK TOOLBAR INSERT -->.*?"
                         r"<!-- END WAYBACK TOOLBAR INSERT -->", re.S)
_WB_ORIGINAL = re.compile(r"__wm\.wombat\(\s*\"([^\"]+)\"")
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
_DECLARED = re.compile(r"\[\s*(\d[\d,]*)\s+posts?\s*\]|class=\"pagination\">\s*(?:<a[^>]*>[^<]*"
                       r"</a>\s*&bull;\s*)?(\d[\d,]*)\s+posts?\b")
# phpBB 2 / 3.0 state one fixed offset ("All times are GMT + 10 Hours [ DST ]"); 3.1+ names a
# zone whose offset moves with DST, so those dates stay without an offset.
_ZONE = re.compile(r"All times are (?:UTC|GMT)(?: ([+-]) ([\d.]+) [Hh]ours?)?\s*"
                   r"(\[ ?(?:<[^>]+>)?DST(?:</abbr>)? ?\])?(?![+\-:\d])")
_NOW = re.compile(r"It is currently ([^<]+)")
_FEED = re.compile(r"<link[^>]+href=\"(https?://[^\"]+/)feed\.php[^\"]*\"")
_SITENAME = re.compile(r"<title>\s*(?:www\.)?([\w-]+(?:\.[\w-]+)*\.[a-z]{2,})\s*(?:::|&bull;|•)",
                       re.I)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_WROTE = re.compile(r"^(.*?)\s*(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|napisał)\b",
                    re.I)

_MONTHS = {m: i for i, m in enumerate("- jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DATES = [  # (regex, order of year/month/day groups)
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
    (re.compile(r"\b([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})"), (3, 1, 2)),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\.? ([A-Za-z]{3})[a-z]*\.?,? (\d{4})"), (3, 2, 1)),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
]
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\b\.?)?", re.I)
_POST_ID = re.compile(r"^p\d+$")
_PERMALINK = re.compile(r"#p\d+$")
_PERMALINK_2 = re.compile(r"viewtopic\.php\?p=\d+")
_PHPBB2_BREAK = re.compile(r"\r?\n<br />\r?\n")


def sniff(head: str, name: str) -> str | None:
    """'phpbb-html' when `head` is a phpBB topic page (any of the three styles)."""
    if _SNIFF_LINK.search(head) and _SNIFF_MARK.search(head):
        return FORMAT
    return None


def parse(data: bytes, name: str = "", fmt: str | None = None) -> list[Thread]:
    """The topic page as one Thread holding that page's posts, numbered from the page's offset."""
    text = decode(data)
    wayback = _WB_ORIGINAL.search(text)
    if wayback or "WAYBACK TOOLBAR" in text:
        text = _WB_TOOLBAR.sub("", text)
    # phpBB 2 prints each line break of a message as "\n<br />\n": one break, not a paragraph.
    doc = BeautifulSoup(_PHPBB2_BREAK.sub("<br />", text), "lxml")
    if "wm-ipp" in text:
        for chrome in doc.find_all(id=["wm-ipp-base", "wm-ipp", "donato"]):
            chrome.decompose()
    page = _page(text, wayback.group(1) if wayback else None)
    posts = _prosilver(doc, page) or _subsilver2(doc, page) or _subsilver(doc, page)
    if not posts:
        raise ParseError("no posts found: not a phpBB topic page")
    start = _start(text, page)
    for i, post in enumerate(posts):
        post.post_number = None if start is None else start + i + 1
    return [_thread(doc, text, page, posts)]


@dataclass
class _Page:
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


def _page(text: str, wayback: str | None) -> _Page:
    page_href = _match(_PAGE_LINKS, text)
    topic_href = page_href if _param(page_href, "t") else _match(_TOPIC_LINKS, text)
    topic_id = _param(topic_href, "t") or (topic_href if (topic_href or "").isdigit() else None)
    if topic_id is None and topic_href:  # SEO-rewritten boards: /some-topic-t123.html
        m = re.search(r"[-/]t(?:opic)?(\d+)(?:-s\d+)?\.html", topic_href)
        topic_id = m.group(1) if m else None
    base = None
    for candidate in (page_href, wayback, _match(_FEED, text)):
        candidate = _WB_PREFIX.sub("", unescape(candidate or ""))
        if candidate.startswith(("http://", "https://")):
            base = urljoin(candidate, ".")
            break
    host = urlsplit(base).hostname if base else (_match(_SITENAME, text) or "").lower()
    zone = _zone(_ZONE.search(text))
    now = _match(_NOW, text)
    today = _date_parts(now) if now else None
    return _Page(base, host.removeprefix("www.") if host else None, zone,
                 date(*today) if today else None, page_href, topic_id)


def _match(patterns: re.Pattern[str] | list[re.Pattern[str]], text: str) -> str | None:
    """Group 1 of the first pattern that matches, HTML entities decoded."""
    for pattern in patterns if isinstance(patterns, list) else [patterns]:
        m = pattern.search(text)
        if m:
            return unescape(m.group(1))
    return None


def _param(href: str | None, key: str) -> str | None:
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


def _start(text: str, page: _Page) -> int | None:
    """Posts before this page: start= of the page's own link, else (page - 1) x posts per page."""
    start = _param(page.page_href, "start")
    current = _pages(text)[0]
    if start is not None and (int(start) > 0 or current in (None, 1)):
        return int(start)
    if current == 1 or (current is None and page.page_href):
        return 0  # phpBB leaves start= out of page 1's links
    per_page = _match(_PER_PAGE, text)
    if per_page is None:  # page links: "3" -> start=50 means 25 a page
        sizes = [int(s) // (int(n) - 1) for s, n in _PAGE_LINK.findall(text) if int(n) > 1]
        per_page = str(min(sizes)) if sizes else None
    return (current - 1) * int(per_page) if current and per_page else None


def _thread(doc: BeautifulSoup, text: str, page: _Page, posts: list[Post]) -> Thread:
    title_el = doc.select_one("h2.topic-title a, h2 a[href*=viewtopic], a.maintitle, a.titles")
    title = clean(title_el.get_text()) if title_el else None
    if not title:
        raw = clean(unescape(_match(_TITLE, text) or "")) or ""
        title = re.split(r"\s(?:::|•)\s(?:View topic - )?", raw)[-1].removeprefix("View topic - ")
    if not title and not page.topic_id:
        raise ParseError("no topic title or id found: not a phpBB topic page")
    title = title or f"Topic {page.topic_id}"
    thread_id = page.topic_id or slug(title)
    current, count = _pages(text)
    declared = _DECLARED.search(text)
    return Thread(
        thread_id=thread_id, title=title, posts=posts, format=FORMAT, forum=page.host,
        posts_declared=to_int(declared.group(1) or declared.group(2)) if declared else None,
        url=page.url(f"viewtopic.php?t={page.topic_id}") if page.topic_id else None,
        page=current, page_count=count)


def _pages(text: str) -> tuple[int | None, int | None]:
    """(this page, pages in all) from "Page 2 of 3", else from 3.1+'s page list."""
    m = _PAGE_OF.search(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    active = _ACTIVE_PAGE.search(text)
    if not active:
        return None, None
    current = int(active.group(1))
    return current, max([current] + [int(n) for _, n in _PAGE_LINK.findall(text)])


# ---- prosilver (phpBB 3.0 - 3.3): div.post#pN > div.postbody + dl.postprofile -------------

def _prosilver(doc: BeautifulSoup, page: _Page) -> list[Post]:
    posts = []
    for el in doc.find_all("div", id=_POST_ID, class_="post"):
        content = el.find("div", class_="content")
        if content is None:
            continue
        quotes, skip = _quotes(content, "blockquote", None)
        skip += content.find_all("div", class_="inline-attachment")
        skip += [box.dt for box in content.find_all("dl", class_="codebox") if box.dt]
        post = Post(body=text_of(content, skip=skip), post_id=str(el["id"])[1:], quotes=quotes)
        byline = el.find("p", class_="author")
        if byline is not None:
            name = byline.find("strong")
            post.author = clean(name.get_text()) if name else None
            link = byline.find("a", href=_PERMALINK)
            post.url = page.url(str(link["href"])) if link else None
            stamp = byline.find("time", datetime=True)
            shown = byline.get_text().rsplit("»", 1)[-1]
            post.posted_at = str(stamp["datetime"]) if stamp else _when(shown, page)
        profile = el.find("dl", class_="postprofile")
        if profile is not None:
            _prosilver_profile(post, profile)
        sig = el.find("div", class_="signature")
        post.signature = (text_of(sig) or None) if sig else None
        posts.append(_finish(post))
    return posts


def _prosilver_profile(post: Post, profile: Tag) -> None:
    _profile(post, text_of(profile))
    # 3.1+ marks the rank dd; 3.0 leaves it the first dd without a "Label:" <strong>
    rank = profile.find("dd", class_="profile-rank") or next(
        (dd for dd in profile.find_all("dd") if dd.strong is None), None)
    post.author_title = clean(rank.get_text()) if rank else None
    dt = profile.find("dt")
    if post.author is None and dt is not None:  # the avatar link comes first and has no text
        names = [clean(n.get_text()) for n in dt.find_all(["a", "strong"])]
        post.author = next((n for n in reversed(names) if n), None)


# ---- subsilver2 (phpBB 3): one table.tablebg per post, a[name=pN] + span.postauthor -------

def _subsilver2(doc: BeautifulSoup, page: _Page) -> list[Post]:
    posts = []
    for name in doc.find_all("span", class_="postauthor"):
        anchor = name.find_previous_sibling("a", attrs={"name": _POST_ID})
        table = name.find_parent("table", class_="tablebg")
        body = table.find("div", class_="postbody") if table else None
        if anchor is None or table is None or body is None:
            continue
        quotes, skip = _quotes(body, "div", "quotecontent")
        skip += body.find_all("div", class_="codetitle")
        post = Post(body=text_of(body, skip=skip), post_id=str(anchor["name"])[1:],
                    author=clean(name.get_text()), quotes=quotes)
        for cell in table.find_all("td", class_="gensmall"):
            if "Posted:" in cell.get_text():
                link = cell.find("a", href=_PERMALINK)
                post.url = page.url(str(link["href"])) if link else None
                post.posted_at = _when(cell.get_text().split("Posted:", 1)[1], page)
                break
        details = table.find("span", class_="postdetails")
        _profile(post, text_of(details) if details else "")
        rank = table.find("td", class_="postdetails")
        post.author_title = clean(rank.get_text()) if rank else None
        signatures = (_split_signature(text_of(s))[1]
                      for s in table.find_all("span", class_="postbody"))
        post.signature = next((sig for sig in signatures if sig), None)
        posts.append(_finish(post))
    return posts


# ---- subSilver (phpBB 2): one <tr> per post, span.name + span.postdetails + span.postbody ---

def _subsilver(doc: BeautifulSoup, page: _Page) -> list[Post]:
    posts = []
    for name in doc.find_all("span", class_="name"):
        row = name.parent.parent if name.parent and name.parent.name == "td" else None
        cells = row.find_all("td", recursive=False) if row else []
        first = cells[1].find("span", class_="postbody") if len(cells) > 1 else None
        if first is None or first.parent is None:
            continue
        body = first.parent
        quotes, skip = _quotes(body, "td", "quote")
        skip += _phpbb2_chrome(body)
        text, signature = _split_signature(text_of(body, skip=skip))
        anchor = name.find("a", attrs={"name": True})
        post = Post(body=text, signature=signature, author=clean(name.get_text()), quotes=quotes,
                    post_id=str(anchor["name"]) if anchor else None)
        info = cells[1].find("span", class_="postdetails")
        if info is not None:
            shown = info.get_text().split("Posted:", 1)[-1].split("Post subject")[0]
            post.posted_at = _when(shown, page)
        link = cells[1].find("a", href=_PERMALINK_2)
        post.url = page.url(str(link["href"])) if link else None
        details = cells[0].find("span", class_="postdetails")
        lines = text_of(details).split("\n") if details else []
        _profile(post, "\n".join(lines))
        post.author_title = clean(lines[0]) if lines and ":" not in lines[0] else None
        posts.append(_finish(post))
    return posts


def _phpbb2_chrome(body: Tag) -> list[Tag]:
    """The "Code:" headers and "Last edited by" notes inside a phpBB 2 message cell."""
    tables = [code.find_parent("table") for code in body.find_all("td", class_="code")]
    heads = [t.find("span", class_="genmed") for t in tables if t is not None]
    notes = [s for s in body.find_all("span", class_="gensmall") if "Last edited" in s.text]
    return [h for h in heads if h is not None] + notes


# ---- shared pieces --------------------------------------------------------------------------

def _quotes(body: Tag, name: str, cls: str | None) -> tuple[list[Quote], list[Tag]]:
    """The outermost quote blocks in `body` as Quotes, and every element to leave out of the body.

    Nested quotes stay out of the outer quote's text: only the outermost is a Quote.
    """
    attrs: dict[str, Any] = {"class": cls} if cls else {}  # class_=None: "has no class"
    blocks = body.find_all(name, attrs=attrs)
    ids = {id(b) for b in blocks}
    outer = [b for b in blocks if not any(id(p) in ids for p in b.parents)]
    quotes, skip = [], []
    for block in outer:
        header, own, post_id = _quote_header(block)
        inner = [part for b in block.find_all(name, attrs=attrs) for part in _quote_parts(b)]
        m = _WROTE.match(header or "")
        # A quote that only wraps another quote (plus images) keeps the nested words.
        text = text_of(block, skip=inner + own) or text_of(block, skip=own)
        quotes.append(Quote(text=text, post_id=post_id,
                            author=clean(m.group(1).strip("\"' ")) if m else None))
        skip += _quote_parts(block)
    return quotes, skip


def _quote_parts(block: Tag) -> list[Tag]:
    """The elements one quote occupies: phpBB 2 wraps header and text in a table, subsilver2
    puts div.quotetitle before div.quotecontent, prosilver keeps both in the blockquote."""
    if block.name == "td":
        return [block.find_parent("table") or block]
    title = block.find_previous_sibling("div", class_="quotetitle")
    return [block, title] if block.name == "div" and title else [block]


def _quote_header(block: Tag) -> tuple[str | None, list[Tag], str | None]:
    """A quote's "X wrote:" text, the header elements inside the block, the quoted post's id."""
    if block.name == "blockquote":  # prosilver; 3.2+ links the quoted post
        cite = block.find("cite")
        if cite is None or cite.find_parent("blockquote") is not block:
            return None, [], None
        link = cite.find("a", attrs={"data-post-id": True})
        post_id = str(link["data-post-id"]) if link else _param(str(block.get("cite", "")), "p")
        return cite.get_text(), [cite], post_id
    if block.name == "td":
        table = block.find_parent("table")
        head = table.find("span", class_="genmed") if table else None
        return (head.get_text() if head else None), [], None
    title = block.find_previous_sibling("div", class_="quotetitle")
    return (title.get_text() if title else None), [], None


def _split_signature(text: str) -> tuple[str, str | None]:
    """Body and signature of text where phpBB put a line of underscores before the signature
    (the last such line: a member may draw one in the post itself)."""
    lines = text.split("\n")
    rules = [i for i, line in enumerate(lines) if is_signature_rule(line)]
    if not rules:
        return text, None
    at = rules[-1]
    return tidy("\n".join(lines[:at])), tidy("\n".join(lines[at + 1:])) or None


def _profile(post: Post, text: str) -> None:
    """Posts / Joined / Location from a profile block's "Label: value" lines."""
    for line in text.split("\n"):
        label, _, value = line.partition(":")
        set_profile_field(post, label, clean(value))


def _finish(post: Post) -> Post:
    post.author_source = AUTHOR_FROM_PAGE if post.author else None
    post.source_format = FORMAT
    return post


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


def _when(text: str, page: _Page) -> str | None:
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
