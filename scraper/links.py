"""The pages a forum page leads to: its thread's other pages, a board's threads and next pages.

`discover(url, data)` reads the links of one fetched page (HTML, or Discourse's JSON) and names
each as `scraper.urls` classifies it; a "next page" link (`rel="next"`, a pager's "Next" or "»")
that no rule knows is taken as the next page of whatever the page itself is, so a forum engine
kb has never seen still gets its threads read to the end. Pure: bytes in, pages out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from scraper.urls import BOARD, SKIP, THREAD, Page, classify, judge, normalise

_NEXT_TEXT = re.compile(r"^\s*(?:next(?: page)?|older|weiter|suivant|siguiente|volgende|›|»|>|"
                        r">>|next\s*[›»>]+|[›»>]+)\s*$", re.I)
_ROW_TAGS = {"tr", "li", "article", "div", "section", "dl"}


@dataclass(frozen=True)
class Found:
    """A page linked from the one read; `active` is the newest date the listing shows beside
    it (a board row's last post), for `kb crawl --since`."""

    page: Page
    next_of_current: bool = False
    active: str | None = None


def discover(url: str, data: bytes, content_type: str = "") -> list[Found]:
    """Every thread or board page `data` (fetched from `url`) links to, each URL once."""
    if "json" in content_type or data.lstrip()[:1] in (b"{", b"["):
        return _discourse_json(url, data)
    return _html(url, data)


def _html(url: str, data: bytes) -> list[Found]:
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(data)
    except (ValueError, TypeError, lxml.etree.ParserError):
        return []
    base = url
    for el in doc.iter("base"):
        if el.get("href"):
            base = urljoin(url, el.get("href"))
            break
    current = classify(url)
    alias = _copied_from(doc, url)
    found: dict[str, Found] = {}
    for el in doc.iter("a", "link"):
        href = (el.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        is_next = _is_next(el)
        if el.tag == "link" and not is_next and "prev" not in (el.get("rel") or "").lower():
            continue  # stylesheets, icons, feeds
        target = normalise(urljoin(base, href))
        if alias and target.startswith(alias[0] + "/"):
            target = alias[1] + target[len(alias[0]):]
        page = judge(target)
        if page is SKIP:
            continue
        if page and not page.engine and current and current.engine and not is_next:
            page = None  # on an engine kb knows, what its rules do not name is not a page
        if is_next and current is not None and (page is None or not page.engine):
            # A pager's "next" where the address alone says little: the next page of this one.
            page = Page(target, current.kind, current.key, current.order + 1, engine=False)
        elif page is None and is_next:
            page = Page(target, BOARD, target, 1)
        if page is None or page.url == (current.url if current else normalise(url)):
            continue
        active = _row_date(el) if page.kind == THREAD else None
        old = found.get(page.url)
        if old is None or (is_next and not old.next_of_current) or (active and not old.active):
            found[page.url] = Found(page, is_next or bool(old and old.next_of_current),
                                    active or (old.active if old else None))
    return list(found.values())


def _copied_from(doc: object, url: str) -> tuple[str, str] | None:
    """(where a saved copy of a page was taken from, where it is served now), when those
    differ: its canonical link names another host with the same path (the copy may sit in a
    folder of its own). Links to the first are read as links into the copy: saved SMF and
    vBulletin pages link to their forum with absolute URLs."""
    us = urlsplit(normalise(url))
    for el in doc.iter("base"):  # type: ignore[attr-defined]
        them = urlsplit(normalise(urljoin(url, el.get("href") or "")))
        if them.netloc and them.netloc != us.netloc:  # vBulletin 3 names its forum's root
            return f"{them.scheme}://{them.netloc}", f"{us.scheme}://{us.netloc}"
    for el in doc.iter("link", "meta"):  # type: ignore[attr-defined]
        rel = (el.get("rel") or el.get("property") or "").lower()
        if rel not in ("canonical", "og:url"):
            continue
        them = urlsplit(normalise(urljoin(url, el.get("href") or el.get("content") or "")))
        if them.netloc and them.netloc != us.netloc and us.path.endswith(them.path):
            folder = us.path[: len(us.path) - len(them.path)]
            return f"{them.scheme}://{them.netloc}", f"{us.scheme}://{us.netloc}{folder}"
    return None


def _is_next(el: object) -> bool:
    rel = el.get("rel") or ""  # type: ignore[attr-defined]
    if "next" in rel.lower().split():
        return True
    if el.tag != "a":  # type: ignore[attr-defined]
        return False
    classes = (el.get("class") or "").lower()  # type: ignore[attr-defined]
    if re.search(r"(?:^|[\s_-])next(?:$|[\s_-])", classes):
        return True
    text = el.text_content() or el.get("title") or el.get("aria-label") or ""  # type: ignore[attr-defined]
    return bool(_NEXT_TEXT.match(text)) or text.strip().lower() in {"next page", "next"}


def _row_date(el: object) -> str | None:
    """The newest date in the listing row that holds this link: `<time datetime>`, XenForo's
    `data-time`, Discourse's `data-bumped-at`, or a plain ISO date. Best effort."""
    row = el
    for _ in range(6):
        row = row.getparent()  # type: ignore[attr-defined]
        if row is None:
            return None
        if row.tag in _ROW_TAGS and len(row.xpath(".//a")) <= 40:
            dates = _dates(row)
            if dates:
                return max(dates)
    return None


def _dates(row: object) -> list[str]:
    out = []
    for t in row.xpath(".//*[@datetime or @data-time or @data-timestamp]"):  # type: ignore[attr-defined]
        stamp = t.get("datetime") or t.get("data-time") or t.get("data-timestamp") or ""
        day = _iso(stamp)
        if day:
            out.append(day)
    if not out:
        text = row.text_content()  # type: ignore[attr-defined]
        out = re.findall(r"\b(?:19|20)\d\d-\d\d-\d\d\b", text)
    return out


def _iso(stamp: str) -> str | None:
    stamp = stamp.strip()
    if stamp.isdigit():
        seconds = int(stamp) / (1000 if len(stamp) > 11 else 1)
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    m = re.match(r"(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d)?))?", stamp)
    if not m:
        return None
    return m.group(1) + ("T" + m.group(2) if m.group(2) else "")


# -- Discourse's JSON ---------------------------------------------------------------------

CHUNK = 20  # posts per page of /t/{id}.json, Discourse's fixed chunk size


def _discourse_json(url: str, data: bytes) -> list[Found]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(doc, dict):
        return []
    parts = urlsplit(url)
    root = url[: url.index(parts.path)] if parts.path else url
    m = re.match(r"(.*)/t/(?:[^/]+/)?\d+", parts.path)
    if m:
        root += m.group(1)
    if "post_stream" in doc:
        return _topic_next(url, doc)
    topics = (doc.get("topic_list") or {}).get("topics") or []
    out = []
    for t in topics:
        if isinstance(t, dict) and str(t.get("id", "")).isdigit():
            page = classify(f"{root}/t/{t.get('slug') or 'topic'}/{t['id']}")
            active = _iso(str(t.get("last_posted_at") or t.get("bumped_at") or ""))
            if page:
                out.append(Found(page, active=active))
    more = (doc.get("topic_list") or {}).get("more_topics_url")
    if isinstance(more, str) and more:
        nxt = urlsplit(urljoin(url, more))
        path = nxt.path if nxt.path.endswith(".json") else nxt.path + ".json"
        target = normalise(f"{nxt.scheme}://{nxt.netloc}{path}?{nxt.query}")
        page = classify(target) or Page(target, BOARD, target, 1)
        out.append(Found(page, next_of_current=True))
    for c in (doc.get("category_list") or {}).get("categories") or []:
        if isinstance(c, dict) and c.get("slug") and str(c.get("id", "")).isdigit():
            page = classify(f"{root}/c/{c['slug']}/{c['id']}.json")
            if page:
                out.append(Found(page))
    return out


def _topic_next(url: str, doc: dict[str, object]) -> list[Found]:
    """The next `?page=` of a topic while the topic holds more posts than the pages so far."""
    page = classify(url)
    count = doc.get("posts_count")
    if page is None or not isinstance(count, int) or page.order * CHUNK >= count:
        return []
    nxt = classify(f"{page.key}.json?page={page.order + 1}")
    return [Found(replace(nxt), next_of_current=True)] if nxt else []
