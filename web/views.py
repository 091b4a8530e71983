"""HTML pages: front page, answer, search results, thread. Templates only lay out what these pass.

Forum text is hostile: it reaches templates as plain strings and Jinja escapes it. The one place
markup is built from post text is `marked`, which escapes each piece before adding <mark>.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from kb.answer_view import group_by_stance
from web import search_page as sp
from web.kbapp import BadQuery, get_kb, int_arg, overview, query_arg

bp = Blueprint("views", __name__)

MAX_PAGE = 100
THREAD_PAGE = 100  # posts per page of a thread


@bp.app_template_filter("marked")
def marked(snippet: str) -> Markup:
    """A snippet whose matches are wrapped in ** as HTML: escaped text, matches in <mark>."""
    parts = (snippet or "").split("**")
    out = [Markup("<mark>%s</mark>") % p if i % 2 else escape(p) for i, p in enumerate(parts)]
    return Markup("").join(out)


# http(s) URLs in post text; trailing punctuation is the sentence's, not the link's.
_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.I)
_URL_TAIL = ".,;:!?'\")]}*"


@bp.app_template_filter("linked")
def linked(text: str | None) -> Markup:
    """Post text as HTML: escaped, with http(s) URLs made links that pass no referrer or rank.
    Only the scheme-checked URL becomes an href, escaped again as an attribute; any other
    scheme (javascript:, data:) stays text."""
    text = text or ""
    out: list[Markup] = []
    last = 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_URL_TAIL)
        if url.count("(") > url.count(")") and m.group(0)[len(url):].startswith(")"):
            url += ")"  # a Wikipedia-style URL that ends in its own parenthesis
        start, end = m.start(), m.start() + len(url)
        out.append(escape(text[last:start]))
        out.append(Markup('<a href="%s" rel="nofollow noopener noreferrer">%s</a>') % (url, url))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.app_template_filter("day")
def day(value: str | None) -> str:
    """The date part of an ISO timestamp."""
    return (value or "")[:10]


@bp.app_template_filter("web_url")
def web_url(value: str | None) -> str | None:
    """The URL if it is http(s), else None: a post's url field could say javascript:."""
    if value and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


@bp.get("/")
def index() -> str:
    """Search box, what the knowledge base holds, example questions."""
    ov = overview()
    return render_template("index.html", stats=ov.stats(), examples=ov.examples())


@bp.get("/ask")
def ask_page() -> str:
    """The answer: cited sentences (grouped by stance when they take one) and source cards."""
    from kb.answer import ask

    q = query_arg()
    answer = ask(get_kb(), q)
    return render_template("ask.html", q=q, answer=answer, groups=group_by_stance(answer),
                           sources={s["k"]: s for s in answer.sources})


@bp.get("/search")
def search_page() -> str | Response:
    """Ranked posts, one per thread unless posts=1, ten to a page; the filter controls write
    their values into q as search syntax and come back here (web/search_page.py)."""
    q = query_arg()
    if request.args.get("filters"):
        return _filtered(q)
    page = int_arg("page", 1, 1, MAX_PAGE)
    every = request.args.get("posts") == "1"
    sort, forum = _sort_arg(), request.args.get("forum") or None
    size = current_app.config["PAGE_SIZE"]
    kb = get_kb()
    found = sp.page_of_hits(kb, q, page, size, every, sort, forum)
    pages = min(MAX_PAGE, max(1, math.ceil(found.listed / size)))
    if page > pages:
        abort(404, description=f"Page {page} is past the end: this search has {pages} "
                               f"page{'s' if pages > 1 else ''} of results.")
    filters = sp.split_filters(q)[1]
    forum_names = sp.forums(kb, current_app.extensions.setdefault("kb_forums", {}))
    return render_template(
        "search.html", q=q, result=found.result, matched=found.matched, note=found.note,
        page=page, pages=pages, every=every, first=(page - 1) * size + 1, sort=sort,
        sorts=sp.SORTS, forum=forum, forums=forum_names, filters=filters,
        facts=sp.hit_facts(kb, found.result.hits), on_search=True)


def _filtered(q: str) -> Response:
    """The search the filter form asks for, as a link: its controls written into q."""
    controls = {k: request.args.get(k, "") for k in sp.CONTROLS}
    sort = _sort_arg()
    args: dict[str, Any] = {"q": sp.compose(q, controls) or q,
                            "posts": request.args.get("posts") or None,
                            "sort": sort if sort != "relevance" else None,
                            "forum": request.args.get("forum") or None}
    return redirect(url_for("views.search_page", **args))


def _sort_arg() -> str:
    sort = request.args.get("sort") or "relevance"
    if sort not in sp.SORTS:
        raise BadQuery(f"sort must be one of {', '.join(sp.SORTS)}, got {sort[:20]!r}.")
    return sort


@bp.get("/t/<path:thread_id>")
def thread_page(thread_id: str) -> str | tuple[str, int]:
    """A thread, post by post; `hl=N` highlights post N (the one an answer cited). An id two
    forums share names no thread: 300, with the threads it may mean."""
    store = get_kb().store
    ids = store.find_thread_ids(thread_id)
    if len(ids) > 1:
        heads = [(tid, store.thread_head(tid)) for tid in ids]
        choices = "; ".join(f"/t/{tid} ({h.title})" for tid, h in heads if h)
        return render_template(
            "error.html", code=300, title="Which thread?", q="",
            message=f"{thread_id!r} is a thread id in {len(ids)} forums; open one by its full "
                    f"id: {choices}"), 300
    thread = store.thread(ids[0]) if ids else None
    if thread is None:
        abort(404, description=f"There is no thread {thread_id!r} in this knowledge base.")
    hl = request.args.get("hl", type=int)
    numbers = [p.post_number for p in thread.posts]
    pages = max(1, math.ceil(len(numbers) / THREAD_PAGE))
    page_of = {n: i // THREAD_PAGE + 1 for i, n in enumerate(numbers)}
    # A citation link names only the post: open the page that holds it.
    page = request.args.get("page", type=int) or page_of.get(hl or 0, 1)
    page = min(max(page, 1), pages)
    shown = thread.posts[(page - 1) * THREAD_PAGE: page * THREAD_PAGE]

    def post_href(n: int) -> str:
        on = page_of.get(n, page)
        return f"#post-{n}" if on == page else f"?page={on}#post-{n}"

    cited = next((p for p in shown if p.post_number == hl), None)
    passage = _passage(cited.body, request.args.get("s", "")) if cited else None
    q, k = request.args.get("q", ""), request.args.get("k", type=int)
    back = url_for("views.ask_page", q=q, _anchor=f"src-{k}" if k else None) if q else None
    return render_template("thread.html", thread=thread, posts=shown, hl=hl, page=page,
                           pages=pages, post_href=post_href, passage=passage, back=back)


def _passage(body: str, span: str) -> tuple[str, str, str] | None:
    """The cited passage ("START-END" sentences of the post) as (before, passage, after) of
    the body as written, so the page marks it in place."""
    from kb.passages import locate

    try:
        start, end = (int(x) for x in span.split("-", 1))
    except ValueError:
        return None
    return locate(body, start, end)
