"""A small phpBB forum on 127.0.0.1 for the crawl tests: pages in prosilver markup (as
tests/fixtures/phpbb/prosilver33.html), a board index, two boards (one of two pages), threads of
several pages, a robots.txt that disallows /forum/staff/, and pages that misbehave: one answers
429 before 200, one drops the connection, one never finishes its body.

Every request is logged with the time it arrived (server side) and its headers. `hold` makes
the server keep one page's answer until `release` is set (the kill test kills the crawler
while it waits).
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PER_PAGE = 3
WORDS = ("chain wear checker stretch cassette derailleur spoke tension truing rim brake pad "
         "caliper cable housing bottom bracket crank pedal saddle height tyre pressure tube "
         "valve sealant tubeless wheel hub bearing grease").split()


@dataclass
class Request:
    at: float
    path: str
    headers: dict[str, str]


@dataclass
class Forum:
    """The forum's content: thread id -> (board, title, post count)."""

    threads: dict[int, tuple[int, str, int]] = field(default_factory=lambda: {
        1: (1, "Replacing a bike chain", 7),
        2: (1, "Truing a wheel at home", 4),
        3: (1, "Tubeless sealant top-ups", 3),
        4: (1, "Which bottom bracket tool", 5),
        5: (2, "Brake pads squeal in the rain", 4),  # answers 429 first
        6: (2, "Saddle height rule of thumb", 2),  # drops the connection
        7: (2, "Cable housing lengths", 2),  # never finishes
        8: (2, "Hub bearing grease", 6),
    })
    flaky: set[int] = field(default_factory=lambda: {5})
    dropping: set[int] = field(default_factory=lambda: {6})
    endless: set[int] = field(default_factory=lambda: {7})


def _post_text(tid: int, n: int) -> str:
    words = [WORDS[(tid * 7 + n * 3 + i) % len(WORDS)] for i in range(12)]
    return f"Post {n} of topic {tid}: " + " ".join(words) + "."


class ForumServer:
    """Start with `with ForumServer() as srv:`; `srv.url` is the forum's index."""

    def __init__(self, forum: Forum | None = None, crawl_delay: int | None = None) -> None:
        self.forum = forum or Forum()
        self.crawl_delay = crawl_delay
        self.log: list[Request] = []
        self.hold: str | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self._served_429: set[int] = set()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"srv": self})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/forum/index.php"

    def __enter__(self) -> ForumServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def raw(self, target: str) -> bytes | None:
        """Saved bytes to answer `target` with as they are (see CopyServer)."""
        return None

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.log]

    # -- pages ------------------------------------------------------------------------------

    def page(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, str] | None:
        """(status, content type, body) of a path, or None for 404."""
        if path == "/robots.txt":
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay else ""
            return 200, "text/plain", f"User-agent: *\nDisallow: /forum/staff/\n{delay}"
        q = {k: v[0] for k, v in query.items()}
        if path in ("/forum/", "/forum/index.php"):
            return 200, "text/html", self.index()
        if path == "/forum/viewforum.php" and q.get("f", "").isdigit():
            return 200, "text/html", self.board(int(q["f"]), int(q.get("start", 0)))
        if path in ("/forum/viewtopic.php", "/forum/staff/viewtopic.php") and \
                q.get("t", "").isdigit() and int(q["t"]) in self.forum.threads:
            return 200, "text/html", self.topic(int(q["t"]), int(q.get("start", 0)))
        return None

    def index(self) -> str:
        rows = "".join(f'<li class="row"><a href="./viewforum.php?f={f}" class="forumtitle">'
                       f"Board {f}</a></li>" for f in (1, 2))
        return _html("Index page - Cycling Workshop",
                     f'<ul class="topiclist forums">{rows}</ul>'
                     '<a href="./ucp.php?mode=login">Login</a>'
                     '<a href="./staff/viewtopic.php?t=1">Staff copy</a>'
                     '<a href="./memberlist.php">Members</a>')

    def board(self, f: int, start: int) -> str:
        tids = sorted(t for t, (b, _, _) in self.forum.threads.items() if b == f)
        shown = tids[start: start + PER_PAGE]
        rows = "".join(
            f'<li class="row"><dl><dt><a href="./viewtopic.php?f={f}&amp;t={t}" '
            f'class="topictitle">{escape(self.forum.threads[t][1])}</a></dt>'
            f'<dd class="posts">{self.forum.threads[t][2]}</dd>'
            f'<dd class="lastpost"><time datetime="2021-03-{t:02d}T10:00:00+00:00">'
            f"Mar {t}, 2021</time></dd></dl></li>" for t in shown)
        pager = ""
        if start + PER_PAGE < len(tids):
            pager = (f'<div class="pagination"><a href="./viewforum.php?f={f}&amp;start='
                     f'{start + PER_PAGE}" rel="next">Next</a></div>')
        return _html(f"Board {f} - Cycling Workshop",
                     f'<ul class="topiclist topics">{rows}</ul>{pager}')

    def topic(self, t: int, start: int) -> str:
        _, title, count = self.forum.threads[t]
        pages = [f'<li><a class="button" href="./viewtopic.php?t={t}'
                 f'{"&amp;start=" + str(s) if s else ""}">{s // PER_PAGE + 1}</a></li>'
                 if s != start else f'<li class="active"><span>{s // PER_PAGE + 1}</span></li>'
                 for s in range(0, count, PER_PAGE)]
        nxt = (f'<li class="arrow next"><a href="./viewtopic.php?t={t}&amp;start='
               f'{start + PER_PAGE}" rel="next">Next</a></li>' if start + PER_PAGE < count else "")
        posts = "".join(_post(t, n, title) for n in range(start + 1, min(count, start + PER_PAGE) + 1))
        canonical = f"{self.base}/forum/viewtopic.php?t={t}" + (f"&amp;start={start}" if start else "")
        body = (f'<h2 class="topic-title"><a href="./viewtopic.php?t={t}">{escape(title)}</a></h2>'
                f'<div class="action-bar bar-top"><a href="./posting.php?mode=reply&amp;t={t}" '
                f'class="button">Post Reply</a><div class="pagination">{count} posts<ul>'
                f'{"".join(pages)}{nxt}</ul></div></div>{posts}'
                '<a href="./viewforum.php?f=1">Back to board</a>')
        return _html(f"{title} - Cycling Workshop", body, canonical)


def _post(t: int, n: int, title: str) -> str:
    pid = t * 100 + n
    author = ("chainring", "spokey", "rimbrake")[n % 3]
    return f"""
<div id="p{pid}" class="post has-profile bg2"><div class="inner">
<dl class="postprofile" id="profile{pid}"><dt class="has-profile-rank">
<a href="./memberlist.php?mode=viewprofile&amp;u={n % 3 + 50}" class="username">{author}</a></dt></dl>
<div class="postbody"><div id="post_content{pid}">
<h3><a href="#p{pid}">Re: {escape(title)}</a></h3>
<p class="author"><a class="unread" href="./viewtopic.php?p={pid}#p{pid}" title="Post"></a>
<span class="responsive-hide">by <strong><a href="./memberlist.php?mode=viewprofile&amp;u={n % 3 + 50}"
class="username">{author}</a></strong> &raquo; </span><time datetime="2021-03-{n:02d}T18:22:05+00:00">
Mar {n}, 2021</time></p>
<div class="content">{_post_text(t, n)}</div>
</div></div></div></div><hr class="divider" />"""


def _html(title: str, body: str, canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f'<!DOCTYPE html><html dir="ltr" lang="en-gb"><head><meta charset="utf-8" />'
            f"<title>{escape(title)}</title>{link}</head>"
            f'<body id="phpbb" class="section-viewtopic"><div id="wrap" class="wrap">'
            f'<div id="page-body" class="page-body" role="main">{body}</div>'
            f'<div class="page-footer">All times are <span title="UTC">UTC</span></div>'
            f"</div></body></html>")


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (the crawler cut a page short, or was killed)


class _Handler(BaseHTTPRequestHandler):
    srv: ForumServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        srv = self.srv
        with srv._lock:
            srv.log.append(Request(time.monotonic(), self.path, dict(self.headers.items())))
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        t = int(query["t"][0]) if query.get("t", [""])[0].isdigit() else None
        if parts.path == "/old/index.php":  # the forum moved
            self._send(301, "text/plain", b"moved", {"Location": "/forum/index.php"})
            return
        if srv.hold and self.path == srv.hold:
            srv.held.set()
            srv.release.wait(30)
        if t in srv.forum.dropping and parts.path.endswith("viewtopic.php"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)  # no status line at all
            return
        if t in srv.forum.endless and parts.path.endswith("viewtopic.php"):
            self._endless()
            return
        if t in srv.forum.flaky and t not in srv._served_429:
            srv._served_429.add(t)
            self._send(429, "text/plain", b"slow down", {"Retry-After": "1"})
            return
        saved = srv.raw(self.path) if parts.path != "/robots.txt" else None
        if saved is not None:
            self._send(200, "text/html", saved)
            return
        page = srv.page(parts.path, query)
        if page is None:
            self._send(404, "text/plain", b"not found")
            return
        status, ctype, text = page
        body = text.encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, ctype, b"", {"ETag": etag})
            return
        self._send(status, ctype + "; charset=utf-8", body, {"ETag": etag})

    def _send(self, status: int, ctype: str, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "100000000")
        self.end_headers()
        try:
            for _ in range(600):
                self.wfile.write(b"<p>still coming</p>\n")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass


class DiscourseServer(ForumServer):
    """A Discourse forum: `/latest` (HTML topic list), `/t/{id}.json?page=N` (20 posts a page)
    and, with `json=False`, only the HTML of each topic, as a saved copy of the site has."""

    TOPICS = {31: ("Winter tyres on a cargo bike", 25), 32: ("Chain lube in the rain", 3)}

    def __init__(self, json: bool = True) -> None:
        super().__init__()
        self.json = json
        self.url = f"{self.base}/latest"

    def page(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, str] | None:
        import json as _json
        import re

        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nDisallow: /admin/\n"
        if path == "/latest":
            rows = "".join(f'<tr><td><a href="/t/topic-{t}/{t}" class="title">{escape(title)}'
                           f"</a></td></tr>" for t, (title, _) in self.TOPICS.items())
            return 200, "text/html", ('<html><head><meta name="generator" content="Discourse '
                                      f'3.1.0"></head><body><table>{rows}</table></body></html>')
        page = int(query.get("page", ["1"])[0])
        m = re.fullmatch(r"/t/(\d+)\.json", path)
        if m and self.json and int(m.group(1)) in self.TOPICS:
            return 200, "application/json", _json.dumps(self._topic(int(m.group(1)), page))
        m = re.fullmatch(r"/t/topic-(\d+)/(\d+)", path)
        if m and int(m.group(2)) in self.TOPICS:
            return 200, "text/html", self._crawler_page(int(m.group(2)), page)
        return None

    def _numbers(self, t: int, page: int) -> range:
        count = self.TOPICS[t][1]
        return range((page - 1) * 20 + 1, min(count, page * 20) + 1)

    def _topic(self, t: int, page: int) -> dict[str, object]:
        title, count = self.TOPICS[t]
        posts = [{"id": t * 1000 + n, "post_number": n, "username": f"rider{n % 4}",
                  "created_at": f"2023-01-{n % 28 + 1:02d}T07:15:00.000Z", "post_type": 1,
                  "reply_to_post_number": None, "cooked": f"<p>{_post_text(t, n)}</p>"}
                 for n in self._numbers(t, page)]
        return {"id": t, "title": title, "fancy_title": title, "slug": f"topic-{t}",
                "posts_count": count, "post_stream": {"posts": posts,
                                                      "stream": [p["id"] for p in posts]}}

    def _crawler_page(self, t: int, page: int) -> str:
        title, count = self.TOPICS[t]
        posts = "".join(
            f'<div id="post_{n}" itemprop="comment" class="topic-body crawler-post">'
            f'<div class="crawler-post-meta"><span class="creator" itemprop="author">'
            f'<a itemprop="url" href="/u/rider{n % 4}"><span itemprop="name">rider{n % 4}'
            f'</span></a></span><span class="crawler-post-infos"><time itemprop="datePublished"'
            f' datetime="2023-01-{n % 28 + 1:02d}T07:15:00Z" class="post-time">Jan</time>'
            f'<span itemprop="position">{n}</span></span></div>'
            f'<div class="post" itemprop="text"><p>{_post_text(t, n)}</p></div></div>'
            for n in self._numbers(t, page))
        nxt = (f'<div role="navigation"><span><b><a rel="next" href="/t/topic-{t}/{t}?page='
               f'{page + 1}">next page →</a></b></span></div>' if page * 20 < count else "")
        return ('<!DOCTYPE html><html><head><meta name="generator" content="Discourse 3.1.0">'
                f'<link rel="canonical" href="{self.base}/t/topic-{t}/{t}'
                f'{"?page=" + str(page) if page > 1 else ""}"></head><body>'
                f'<div id="main-outlet"><h1 class="crawler-topic-title"><a href="/t/topic-{t}/{t}">'
                f"{escape(title)}</a></h1>{posts}{nxt}</div></body></html>")


class CopyServer(ForumServer):
    """A saved copy of a forum served as it was: `pages` maps each path (with its query) to
    the saved bytes; `/index.html` links to every page; everything else is 404."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        super().__init__()
        self.pages = pages
        self.url = f"{self.base}/index.html"

    def page(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, str] | None:
        return None  # answered in `raw` instead: the saved bytes, whatever their charset

    def raw(self, target: str) -> bytes | None:
        if target == "/index.html":
            links = "".join(f'<li><a href="{escape(p)}">{escape(p)}</a></li>' for p in self.pages)
            return f"<html><body><h1>Forum index</h1><ul>{links}</ul></body></html>".encode()
        return self.pages.get(target)
