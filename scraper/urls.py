"""Forum URLs: one spelling per page, and what a page is (a thread's page, a board's, neither).

`classify(url)` knows the URL schemes of the engines kb reads (phpBB, vBulletin, XenForo, SMF,
Discourse, NodeBB, MyBB, punBB/FluxBB, Invision, Vanilla, WoltLab, Phorum, Flarum) and falls
back on the words forums put in their addresses ("topic", "thread", "forum", "board");
`thread_number(url)` says which number in a thread's address is the thread's. Pure functions
of the URL string: no network, no page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

THREAD, BOARD = "thread", "board"


@dataclass(frozen=True)
class Page:
    """A page a crawl may fetch: `key` names its thread or board (every page of one thread has
    the same key), `order` sorts the pages of one key (a page number or a post offset)."""

    url: str
    kind: str  # THREAD | BOARD
    key: str
    order: int = 0
    engine: bool = True  # named by an engine's own URL scheme, not guessed from its words
    alt: str = ""  # the page as HTML, where `url` asks for an API (a Discourse topic's JSON)


SKIP = Page("", "", "")  # an engine's address that is no thread or board page

# Query parameters that change how a page looks, not which page it is: sessions, search
# highlights, sort orders, tracking. Dropping them gives one page one URL.
_DROP = {"sid", "phpsessid", "sessionid", "sesc", "highlight", "hilit", "sort", "order", "sk",
         "sd", "sortby", "sort_by", "direction", "daysprune", "prune", "postdays", "postorder",
         "nojs", "fbclid", "gclid", "ref", "from", "no_definitions"}
_VB_SESSION = re.compile(r"^[0-9a-f]{32}$")
# Addresses that are never a thread or board page, whatever they contain: actions, accounts,
# single posts, print and feed views.
_NEVER = {
    "login", "logout", "register", "ucp", "usercp", "profile", "member", "members", "memberlist",
    "search", "posting", "newreply", "newthread", "reply", "editpost", "report", "reactions",
    "react", "watch", "whoreplied", "threadmarks", "reader", "printthread", "showpost", "print",
    "rss", "feed", "atom", "attachment", "attachments", "download", "file", "avatar", "misc",
    "help", "faq", "calendar", "tags", "tag", "users", "user", "u", "groups", "private",
    "conversations", "account", "goto", "unread", "contact", "compose", "share", "vote", "poll",
    "subscribe", "subscription", "bookmarks", "online", "whats-new", "find-new", "recent",
    "popular", "top", "posts", "post", "markread", "mark-read", "latest-activity", "lostpassword",
    "privmsg", "pm", "modcp", "admin", "sendmessage", "album", "group", "badges",
    "leaderboard", "rules", "privacy", "terms", "tos", "cookies", "viewonline", "live", "new",
    "whosonline", "css", "js", "watched", "link-forums", "watch-confirm",
    "votetally", "whoposted", "permalink", "quote", "edit", "delete", "history"}
_VERBS = ("mode", "do", "view", "func", "goto", "act", "task", "layout")
_ASSETS = re.compile(r"\.(?:css|js|png|gif|jpe?g|webp|svg|ico|pdf|zip|gz|mp[34]|woff2?|"
                     r"xml|rss)$", re.I)


def normalise(url: str) -> str:
    """`url` without fragment, session ids, sort orders and tracking; the scheme and host in
    lower case. Two spellings of one page left after this (`?f=2&t=77` and `?t=77`) share the
    key and order `classify` gives them, which is what the crawl's frontier checks."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = parts.query
    if query and ";" not in query and "," not in query:  # SMF and Phorum spell their own
        # Kept as the forum wrote them, in its order: a saved copy served by address knows
        # only that spelling. Only the parameters that do not choose the page are dropped.
        kept = []
        for raw in query.split("&"):
            k, _, v = raw.partition("=")
            k = unquote(k).lower()
            if raw and k not in _DROP and not k.startswith("utm_") and \
                    not (k == "s" and _VB_SESSION.match(unquote(v))):
                kept.append(raw)
        query = "&".join(kept)
    elif query:
        query = re.sub(r"(?:^|[;&])(?:PHPSESSID|sesc)=[^;&]*", "", query).lstrip(";&")
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))


def _q(url: str) -> dict[str, str]:
    return {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def _base(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _php(url: str) -> Page | None:
    """phpBB, punBB/FluxBB, vBulletin 3/4, MyBB: script names with ids in the query."""
    path = urlsplit(url).path
    m = re.search(r"/([a-z]+\.php)(/.*)?$", path, re.I)
    if not m:
        return None
    script, tail = m.group(1).lower(), (m.group(2) or "").lstrip("/")
    q = _q(url)
    base = _base(url)[: len(_base(url)) - len(m.group(2) or "")]
    if script == "viewtopic.php":
        if "t" in q and q["t"].isdigit():
            start = _int(q.get("start"))
            return Page(base + f"?t={q['t']}" + (f"&start={start}" if start else ""), THREAD,
                        f"{base}?t={q['t']}", start)
        if "id" in q and q["id"].isdigit():  # punBB / FluxBB: p is the page
            p = _int(q.get("p"))
            return Page(base + f"?id={q['id']}" + (f"&p={p}" if p > 1 else ""), THREAD,
                        f"{base}?id={q['id']}", max(p, 1))
        return SKIP  # ?p= alone: one post's permalink, a page reached another way
    if script == "viewforum.php":
        fid = q.get("f") or q.get("id")
        if fid and fid.isdigit():
            name = "f" if "f" in q else "id"
            start = _int(q.get("start")) or _int(q.get("p"))
            extra = (f"&start={start}" if "start" in q and start else
                     f"&p={start}" if start > 1 else "")
            return Page(f"{base}?{name}={fid}{extra}", BOARD, f"{base}?{name}={fid}", start)
        return SKIP
    if script == "showthread.php":
        # vBulletin 4's friendly forms: showthread.php?123-title/page2, showthread.php/123-title
        m = re.match(r"(\d+)(?:-[^/]*)?(?:/page(\d+))?", tail or urlsplit(url).query or "")
        tid = q.get("t") or q.get("tid") or q.get("threadid") or (m.group(1) if m else None)
        if not tid or not tid.isdigit() or q.get("goto") or "p" in q or "pid" in q or \
                q.get("postid") or q.get("userid", "0") != "0":
            return SKIP
        name = next((n for n in ("tid", "threadid") if n in q), "t")
        page = (_int(q.get("page")) or _int(q.get("pagenumber"))
                or (_int(m.group(2)) if m and m.group(2) else 0))
        if name == "threadid":  # vBulletin 2 and Something Awful's vB3: page by pagenumber
            return Page(f"{base}?threadid={tid}" + (f"&pagenumber={page}" if page > 1 else ""),
                        THREAD, f"{base}?threadid={tid}", max(page, 1))
        return Page(f"{base}?{name}={tid}" + (f"&page={page}" if page > 1 else ""), THREAD,
                    f"{base}?{name}={tid}", max(page, 1))
    if script == "forumdisplay.php":
        m = re.match(r"(\d+)", tail or urlsplit(url).query or "")
        fid = q.get("f") or q.get("fid") or q.get("forumid") or (m.group(1) if m else None)
        if fid and fid.isdigit():
            name = next((n for n in ("fid", "forumid") if n in q), "f")
            page = _int(q.get("page")) or _int(q.get("pagenumber"))
            return Page(f"{base}?{name}={fid}" + (f"&page={page}" if page > 1 else ""), BOARD,
                        f"{base}?{name}={fid}", max(page, 1))
        return SKIP
    return None


def _smf(url: str) -> Page | None:
    """SMF: index.php?topic=N.OFFSET and ?board=N.OFFSET, `;` between parameters; with
    friendly URLs index.php/topic,N.OFFSET.html."""
    parts = urlsplit(url)
    seo = re.match(r"^(?P<base>.*/)(?P<kind>topic|board),(?P<id>\d+)\.(?P<at>\d+|msg\d+|new)\.html$",
                   parts.path)
    if seo:
        if not seo.group("at").isdigit():
            return SKIP
        kind = THREAD if seo.group("kind") == "topic" else BOARD
        key = urlunsplit((parts.scheme, parts.netloc,
                          f"{seo.group('base')}{seo.group('kind')},{seo.group('id')}", "", ""))
        return Page(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), kind, key,
                    int(seo.group("at")))
    if not parts.path.lower().endswith(("/index.php", "/")):
        return None
    if re.match(r"topic=\d+\.(?:msg\d+|new|from\d+)", parts.query):
        return SKIP  # a post's permalink or "first unread": a page reached another way
    m = re.match(r"(topic|board)=(\d+)\.(\d+)$", parts.query)
    if not m:
        # ";prev_next=next" (the next topic), ";all", ";wap2": other views of pages read already
        return SKIP if re.match(r"(?:topic|board)=\d+", parts.query) else None
    kind = THREAD if m.group(1) == "topic" else BOARD
    base = _base(url)
    return Page(url, kind, f"{base}?{m.group(1)}={m.group(2)}", int(m.group(3)))


# Engines that put ids in the path: (pattern on the path, kind, group naming the page).
_PATHS: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.I), k) for p, k in (
    # XenForo: /threads/slug.123/page-4, /forums/slug.9/page-2
    (r"^(?P<key>.*/threads/(?:[^/]*\.)?\d+)/?(?:page-(?P<page>\d+))?/?$", THREAD),
    (r"^(?P<key>.*/(?:forums|categories)/(?:[^/]*\.)?\d+)/?(?:page-(?P<page>\d+))?/?$", BOARD),
    # NodeBB: /topic/123/slug/7 (7 is a post's index on some page), /category/5/slug
    (r"^(?P<canon>(?P<key>.*/topic/\d+)(?:/[^/]*[a-z][^/]*)?)(?:/\d+)?/?$", THREAD),
    (r"^(?P<key>.*/category/\d+)(?:/[^/]+)?/?$", BOARD),
    # Invision 4, vBulletin 4/5 friendly URLs, WoltLab: /topic/123-slug/page/2, /123-slug/page2
    (r"^(?P<key>.*/(?:topic|thread|threads)/\d+-[^/]*)/?(?:page/?(?P<page>\d+)/?)?$", THREAD),
    (r"^(?P<key>.*/(?:forum|board)/\d+-[^/]*)/?(?:page/?(?P<page>\d+)/?)?$", BOARD),
    # Vanilla: /discussion/123/slug/p2, /categories/slug/p2
    (r"^(?P<key>.*/discussion/\d+)(?:/[^/]+?)?(?:/p(?P<page>\d+))?/?$", THREAD),
    (r"^(?P<key>.*/categories/[^/]+)(?:/p(?P<page>\d+))?/?$", BOARD),
    # Flarum: /d/123-slug
    (r"^(?P<key>.*/d/\d+)(?:-[^/]*)?/?$", THREAD),
    # vBulletin 5: /forum/board/sub-board/123-title/page2
    (r"^(?P<key>.*/forum/(?:[^/]+/)*\d+-[^/]+)(?:/page(?P<page>\d+))?/?$", THREAD),
    # WoltLab 5 and others: /forum/board/title-969551/
    (r"^(?P<key>.*/forums?/(?:[^/]+/)*[^/]*[a-z][^/]*-\d{3,})/?(?:page-?(?P<page>\d+)/?)?$",
     THREAD),
)]


def _by_path(url: str) -> Page | None:
    parts = urlsplit(url)
    for pattern, kind in _PATHS:
        m = pattern.match(parts.path)
        if m:
            q = _q(url)
            if {"p", "pid", "post", "postid"} & set(q):
                return SKIP  # "the page holding post N": a page reached another way
            page = _int(m.group("page") if "page" in pattern.groupindex else None)
            paging = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() in ("page", "pageno")]
            page = page or max((_int(v) for _, v in paging), default=0)
            key = urlunsplit((parts.scheme, parts.netloc, m.group("key"), "", ""))
            path = m.group("canon") if "canon" in pattern.groupindex else parts.path
            query = urlencode(paging) if page > 1 else ""  # filters and post anchors dropped
            url = urlunsplit((parts.scheme, parts.netloc, path, query, ""))
            return Page(url, kind, key, max(page, 1))
    return None


_DISCOURSE_TOPIC = re.compile(r"^(?P<root>.*?)/t/(?:[^/]+/)?(?P<id>\d+)(?:/\d+)?(?P<json>\.json)?/?$")


def _discourse(url: str) -> Page | None:
    """Discourse topics are read as `/t/{id}.json` (authors, dates and ids as the forum keeps
    them), a page of 20 posts per `?page=`."""
    parts = urlsplit(url)
    m = _DISCOURSE_TOPIC.match(parts.path)
    if not m:
        if re.match(r"^.*/(?:c/[^?]+|latest(?:\.json)?)$", parts.path):
            page = _int(_q(url).get("page"))
            return Page(url, BOARD, _base(url).removesuffix(".json"), page)
        return None
    page = _int(_q(url).get("page"))
    root = urlunsplit((parts.scheme, parts.netloc, m.group("root"), "", ""))
    json_url = f"{root}/t/{m.group('id')}.json" + (f"?page={page}" if page > 1 else "")
    html = "" if m.group("json") else urlunsplit(
        (parts.scheme, parts.netloc, re.sub(r"(/t/[^/]+/\d+)/\d+/?$", r"\1", parts.path),
         f"page={page}" if page > 1 else "", ""))
    return Page(json_url, THREAD, f"{root}/t/{m.group('id')}", max(page, 1), alt=html)


_PHORUM = re.compile(r"^(?P<kind>read|list)\.php$")


def _phorum(url: str) -> Page | None:
    """Phorum: read.php?FORUM,THREAD(,page=N) and list.php?FORUM."""
    parts = urlsplit(url)
    m = _PHORUM.match(parts.path.rsplit("/", 1)[-1])
    q = re.match(r"(\d+)(?:,(\d+))?(?:,page=(\d+))?$", parts.query)
    if not m:
        return None
    if not q:
        return SKIP if re.match(r"\d+,", parts.query) else None  # ",older": another thread
    base = _base(url)
    if m.group("kind") == "read" and q.group(2):
        return Page(url, THREAD, f"{base}?{q.group(1)},{q.group(2)}", _int(q.group(3)) or 1)
    if m.group("kind") == "list":
        return Page(url, BOARD, f"{base}?{q.group(1)}", _int(q.group(3)) or 1)
    return None


_THREAD_WORDS = {"thread", "threads", "topic", "topics", "viewtopic", "showthread", "showtopic",
                 "discussion", "discussions", "t", "d", "node", "read", "question", "questions"}
_BOARD_WORDS = {"forum", "forums", "board", "boards", "category", "categories", "viewforum",
                "forumdisplay", "showforum", "c", "f", "subforum", "section", "list", "index"}
# A page number in an address no engine rule knows: /page-2, -page-2.html (MyBB), /p2,
# topic123-15.html (phpBB SEO's offset), ?page=2, &start=20 ...
_PAGING = re.compile(r"(?:[/_-]page[/_-]?\d+|/p\d+|(?<=\d)-\d+(?=\.html?$))(?:\.html?)?/?$|"
                     r"[?&](?:page|p|start|offset|pageno|limitstart|st|pg)=\d+", re.I)


def _generic(url: str) -> Page | None:
    """Any other forum: a thread's or board's word in the address, with an id for a thread."""
    parts = urlsplit(url)
    words = {w for w in re.findall(r"[a-z]+|\d+", f"{parts.path} {parts.query}".lower())
             if len(w) > 1}
    words |= {s.lower() for s in parts.path.split("/") if len(s) == 1}  # /t/ and /d/, not t=
    paging = _PAGING.search(url)
    key = url[: paging.start()] + url[paging.end():] if paging else url
    key = re.sub(r"\.html?$", "", key)
    if "?" not in key and "&" in key:  # "?st=20&t=4" lost its "?" with the page
        key = key.replace("&", "?", 1)
    order = int(re.findall(r"\d+", paging.group(0))[0]) if paging else 1
    if re.search(r"\d", key) and _THREAD_WORDS & words:
        return Page(url, THREAD, key, order, engine=False)
    # vBSEO and the like: /board-name/12345-thread-title(-2).html, the -2 its page
    seo = re.match(r"^(?P<key>.*/\d{3,}-[a-z0-9-]*?)(?:-(?P<page>\d{1,3}))?\.html?$",
                   parts.path, re.I)
    if seo and not parts.query:
        key = urlunsplit((parts.scheme, parts.netloc, seo.group("key"), "", ""))
        return Page(url, THREAD, key, int(seo.group("page") or 1), engine=False)
    # inSided and the like: /category-slug-11/topic-title-8313, the topic's id last
    if re.match(r"^/(?:[^/]+/)+[a-z0-9-]*[a-z][a-z0-9-]*-\d{3,}/?$", parts.path, re.I) \
            and not parts.query:
        return Page(url, THREAD, url.rstrip("/"), 1, engine=False)
    if _BOARD_WORDS & words:
        return Page(url, BOARD, key, order, engine=False)
    return None


def _never(path: str, url: str) -> bool:
    """An account, action, single-post, print or feed address (a path segment or a verb in the
    query says so; words in a thread's slug do not)."""
    for segment in path.lower().split("/"):
        # "posting.php", and a saved copy's "posting.php%3Fmode=reply.html"
        if segment in _NEVER or re.split(r"\.|%3f", segment)[0] in _NEVER:
            return True
        if re.match(r"post-?\d+$|page-?\d+#", segment):
            return True
    q = _q(url)
    return any(q.get(v, "").lower() in _NEVER | {"print", "next", "previous"} for v in _VERBS)


_ENGINES = (_php, _smf, _discourse, _phorum, _by_path)


def classify(url: str) -> Page | None:
    """The page `url` names once normalised, or None when it is no thread or board page."""
    page = judge(url)
    return None if page is SKIP else page


def judge(url: str) -> Page | None:
    """As `classify`, but telling apart what is surely no page (`SKIP`: an action, an account,
    a post's permalink) from what no rule knows (None: a pager's "next" may still be one)."""
    url = normalise(url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or _ASSETS.search(parts.path):
        return SKIP
    if _never(parts.path, url) or re.search(r"(?:^|[;&?])action=", parts.query):
        return SKIP  # accounts, single posts, feeds; SMF's and others' verbs
    for engine in _ENGINES:
        page = engine(url)
        if page is not None and page is not SKIP and engine is _php:
            # Fetched as the forum links it (a saved copy may hold only that spelling); the
            # key and order built from the ids say which page it is.
            return replace(page, url=url)
        if page:
            return page
    return _generic(url)


def is_stack_exchange(host: str) -> bool:
    """Stack Exchange sites are read from their data dumps, never crawled."""
    host = host.lower().split(":", 1)[0]
    return host.endswith(("stackexchange.com", "stackoverflow.com", "superuser.com",
                          "serverfault.com", "askubuntu.com", "mathoverflow.net"))


def thread_number(url: str | None) -> str | None:
    """The thread's number in its address: the query's topic parameter where it has one
    ("default.aspx?f=34&m=4099304", "topic.asp?f=63&t=1858583": the board's number first
    would make one thread of all its topics), the path's topic segment, the number that opens
    its last segment or ends it; else the number written most often, the first of those. Not
    the fragment's (a post's anchor)."""
    url = (url or "").split("#", 1)[0]
    path = url.split("?", 1)[0]
    named = _TOPIC_PARAM.search(url) or _TOPIC_PATH.search(url) or _OPENS_SEGMENT.search(path) \
        or _ENDS_PATH.search(path)
    if named:
        number = next(g for g in named.groups() if g)
        # "/topic/146535/168685925/1/Title": the board's number, then the topic's (FanFiction);
        # a smaller one after it is a page ("/topic/98765/2"). Not after Discourse's "/t/slug/
        # 123/4567", which is the topic's post 4567.
        after = _AFTER_TOPIC.match(url, named.end(1)) if named.re is _TOPIC_PATH \
            and named.group(1) else None
        return after.group(1) if after and int(after.group(1)) > int(number) else number
    ids = re.findall(r"\d{2,}", url)
    return Counter(ids).most_common(1)[0][0] if ids else None


# A query parameter engines name their topic by (phpBB t=, SMF topic=, vBulletin threadid=,
# IP.Board showtopic=, ASP.NET forums' m=), its number
_TOPIC_PARAM = re.compile(r"[?&;](?:t|topic|topicid|topic_id|thread|threadid|thread_id|tid|"
                          r"showtopic|m)=(\d+)", re.I)
# or a path's: "/topics/3456", "/threads/some-title.12345/", "/discussion/412/title",
# "/t/some-title/12345" (Discourse)
# or the number that opens the last segment, before its title ("showthread.php/9687-Bob-Dorr-
# dies-at-76", vBulletin 4), or else ends the path ("/board-11/topic-title-8313", inSided;
# "/show/250747")
_AFTER_TOPIC = re.compile(r"/(\d{2,})(?:[/?#]|$)")
_OPENS_SEGMENT = re.compile(r"/(\d{2,})-[^/]*/?$")
_ENDS_PATH = re.compile(r"[-/_](\d{2,})(?:\.html?|\.php)?/?$")
_TOPIC_PATH = re.compile(r"/(?:topics?|threads?|discussions?)/(?:[^/?]*?[.-])??(\d+)(?:[/?.-]|$)|"
                         r"/t/[^/?\d][^/?]*/(\d+)(?:[/?]|$)", re.I)
