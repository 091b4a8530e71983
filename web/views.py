"""HTML pages: front page, answer, search results, thread. Templates only lay out what these pass.

Forum text is hostile: it reaches templates as plain strings and Jinja escapes it. The one place
markup is built from post text is `marked`, which escapes each piece before adding <mark>.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from web import BadQuery, int_arg, kb, overview, query_arg

bp = Blueprint("views", __name__)

HEADS = {"yes": "Members who say yes", "no": "Members who say no", None: "Also said"}
MAX_PAGE = 100
THREAD_PAGE = 100  # posts per page of a thread


@bp.app_template_filter("marked")
def marked(snippet: str) -> Markup:
    """A snippet whose matches are wrapped in ** as HTML: escaped text, matches in <mark>."""
    parts = (snippet or "").split("**")
    out = [Markup("<mark>%s</mark>") % p if i % 2 else escape(p) for i, p in enumerate(parts)]
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
    answer = ask(kb(), q)
    return render_template("ask.html", q=q, answer=answer, groups=stance_groups(answer),
                           sources={s["k"]: s for s in answer.sources})


def stance_groups(answer: Any) -> list[dict[str, Any]]:
    """Runs of sentences under the CLI's headings; one run without a heading when none takes
    a stance. Each: {"stance": "yes"|"no"|None, "heading": str|None, "sentences": [...]}."""
    if not any(s.stance for s in answer.sentences):
        plain = {"stance": None, "heading": None, "sentences": list(answer.sentences)}
        return [plain] if answer.sentences else []
    groups: list[dict[str, Any]] = []
    for s in answer.sentences:
        if not groups or groups[-1]["stance"] != s.stance:
            groups.append({"stance": s.stance, "heading": HEADS[s.stance], "sentences": []})
        groups[-1]["sentences"].append(s)
    return groups


@bp.get("/search")
def search_page() -> str:
    """Ranked posts, one per thread unless posts=1, ten to a page."""
    from kb.search import search

    q = query_arg()
    page = int_arg("page", 1, 1, MAX_PAGE)
    every = request.args.get("posts") == "1"
    size = current_app.config["PAGE_SIZE"]
    result = search(kb(), q, limit=size, offset=(page - 1) * size, per_thread=not every)
    pages = min(MAX_PAGE, max(1, math.ceil(result.total / size)))
    return render_template("search.html", q=q, result=result, page=page, pages=pages,
                           every=every, first=(page - 1) * size + 1)


@bp.get("/t/<path:thread_id>")
def thread_page(thread_id: str) -> str:
    """A thread, post by post; `hl=N` highlights post N (the one an answer cited)."""
    thread = kb().store.thread(thread_id)
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

    return render_template("thread.html", thread=thread, posts=shown, hl=hl, page=page,
                           pages=pages, post_href=post_href)


def register_errors(app: Flask) -> None:
    """400 for bad queries, 404 and the rest as a page, or as {"error": ...} under /api."""
    from kb.query import QueryError

    @app.errorhandler(BadQuery)
    @app.errorhandler(QueryError)
    def bad_query(exc: Exception) -> tuple[Any, int]:
        return error(400, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Any, int]:
        return error(exc.code or 500, exc.description or exc.name)


def error(code: int, message: str) -> tuple[Any, int]:
    """The error as JSON for API paths, else as a page with the search box."""
    if request.path.startswith("/api/"):
        return {"error": message}, code
    titles = {400: "That query did not work", 404: "Not found"}
    q = request.args.get("q", "")[:MAX_QUERY_ECHO]
    return render_template("error.html", code=code, title=titles.get(code, "Something went wrong"),
                           message=message, q=q), code


MAX_QUERY_ECHO = 500  # an over-long query is put back in the box cut to the limit
