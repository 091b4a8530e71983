"""What a page the generic extractor reads is when it holds no thread, and where it is.

Site mirrors hold, beside the threads, the boards' lists of topics (rows named and dated as
posts are), stubs that only send the reader on, and members' profiles: `lists_topics`,
`redirect` and `is_member_page` tell them apart, so that `generic.parse` says "no thread"
(NotAThread) and an ingest passes them over. `canonical` and `site_host` say which site a
page is on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from urllib.parse import urljoin, urlparse

from lxml.etree import _Element

from scraper.generic_count import Counts
from scraper.generic_post import Record
from scraper.generic_words import is_profile_link, text_of
from scraper.models import Post
from scraper.urls import THREAD, judge


def is_member_page(root: _Element, name: str) -> bool:
    """Is the page a member's profile (its address, or the name a mirror saved it under, is a
    profile link: "member.php?u=12", "/members/alice.123/", "/u/alice")? A mirror holds one
    per member beside the threads. Only the file's own name is asked, not its folders
    ("/home/user/…" is a path, not a profile)."""
    url = canonical(root)
    return any(is_profile_link(u) and not _thread_address(u)
               for u in (url or "", re.split(r"[\\/]", name)[-1]) if u)


def _thread_address(url: str) -> bool:
    """Does `url` name a thread page ("showthread.php?t=123&u=5": the "u=" of a profile link
    in a thread's address)?"""
    page = judge(urljoin("http://site.invalid/", url))
    return page is not None and getattr(page, "kind", None) == THREAD


def _host(root: _Element) -> str | None:
    url = canonical(root)
    return urlparse(url).hostname if url else None


# A Wayback Machine capture's links: "https://web.archive.org/web/20010619170258/http://…".
_WAYBACK = re.compile(r"^(?:https?:)?//web\.archive\.org/web/[^/]+/(.+)$", re.I)


def _link_host(href: str) -> str | None:
    """The host a link goes to, the captured one for a Wayback Machine link; None for a link
    within the page's site (a relative one)."""
    m = _WAYBACK.match(href)
    try:
        return urlparse(m.group(1) if m else href).hostname
    except ValueError:  # a malformed address ("http://[x")
        return None


def site_host(root: _Element) -> str | None:
    """The page's site: its canonical address's host, else the host most of its links go to
    (a saved page's navigation is the site's own), None where most stay on it relatively."""
    host = _host(root)
    if host is not None:
        return host
    # Relative links count for the site too (None): more of them than of any one host, and
    # the site is the one they stay on.
    hosts = Counter(_link_host(a.get("href") or "") for a in root.iter("a")
                    if (a.get("href") or "")[:1] not in ("", "#"))
    return hosts.most_common(1)[0][0] if hosts else None


def lists_topics(counts: Counts, found: list[tuple[Record, Post]],
                  site: Callable[[], str | None]) -> bool:
    """Are the records the rows of a board's list of topics (a forum index, as saved site
    mirrors hold beside the threads), named and dated as posts are? Five or more, and either
    each row's first titled link names another thread (a title of its own, to a page of the
    site's own) with few words beside, or no row has a word outside its links, yet words
    (Vanilla's starter and last-poster cells: the date links' "March 2021"). Threads' posts
    have words of their own: the fewest beside the links on the pages at hand is a median of
    14 characters, a list's most 60. A thread of members sharing links with a few words each
    links elsewhere; one of linked images has no words."""
    records = [r for r, _ in found]
    if len(records) < 5:
        return False
    links = [[a for part in r.parts() for a in part.iter("a")] for r in records]
    beside = sorted(sum(counts.text[p] for p in r.parts()) - sum(counts.text[a] for a in own)
                    for r, own in zip(records, links))
    words = beside[len(beside) // 2]
    if words == 0:  # and words read all the same: a thread of images has none
        return sum(1 for _, p in found if p.body) > len(found) / 2
    if words >= 120:  # (most threads: no title asked for)
        return False
    titles, targets = [], []
    for own in links:
        for a in own:
            href = (a.get("href") or "").strip()
            title = " ".join(text_of(a).split())
            if len(title.split()) >= 2 and href and not href.startswith(("#", "javascript:")) \
                    and not is_profile_link(href):
                titles.append(title.lower())
                targets.append(href.split("#")[0])
                break
    replies = sum(1 for t in titles if t.startswith("re:"))  # a thread's "Re: <topic>" links
    host = site()
    on_site = sum(1 for t in targets if _link_host(t) in (None, host))
    return len(titles) >= 0.8 * len(records) and len(set(titles)) >= 0.9 * len(titles) \
        and len(set(targets)) >= 0.9 * len(titles) and replies < 0.2 * len(titles) \
        and on_site >= 0.9 * len(titles)


_REFRESH_URL = re.compile(r"^\s*\d+\s*;\s*url\s*=\s*['\"]?([^'\"]+)", re.I)


def redirect(root: _Element, counts: Counts) -> str | None:
    """Where a page that only sends the reader on points (`<meta http-equiv="refresh"
    content="0; url=…">` over a line of text: a mirror's stub for a thread's old address)."""
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").lower() == "refresh":
            m = _REFRESH_URL.match(meta.get("content") or "")
            body = next(root.iter("body"), None)
            if m and (body is None or counts.text.get(body, 0) < 200):
                return m.group(1).strip()
    return None


def canonical(root: _Element) -> str | None:
    """The page's own address: the first canonical link or og:url, in page order."""
    for el in root.iter("link", "meta"):
        if el.tag == "link" and el.get("rel") == "canonical" and el.get("href") is not None:
            return str(el.get("href"))
        if el.tag == "meta" and el.get("property") == "og:url" and el.get("content") is not None:
            return str(el.get("content"))
    return None
