"""The web app through Flask's test client: every route, error and JSON shape; hostile post text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kb.answer import NOTHING

THREAD = "is-leg-strenth-training-necessary-for-a-400m-runner"
QUESTION = "do 400m runners need leg strength?"
XSS_THREAD = "xss-1"
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
JS_LINK = '<a href="javascript:window.__xss=1">javascript: link</a>'
XSS_QUESTION = "are tubeless tyres worth it for commuting"


def xss_posts() -> list[dict[str, Any]]:
    """kb-jsonl lines whose every text field tries to run script."""
    title = f"Tubeless tyres {SCRIPT} worth it?"
    return [
        {"thread_id": XSS_THREAD, "thread_title": title, "post_number": 1,
         "author": '<b onmouseover="window.__xss=1">mallory</b>', "author_title": SCRIPT,
         "author_location": IMG, "author_joined": "2019", "author_posts": 3,
         "posted_at": "2019-03-02T10:00:00", "url": "javascript:window.__xss=1",
         "body": f"Are tubeless tyres worth it for commuting? {SCRIPT} {IMG} {JS_LINK}",
         "signature": f"my sig {IMG}"},
        {"thread_id": XSS_THREAD, "thread_title": title, "post_number": 2, "author": "ben",
         "posted_at": "2019-03-03T10:00:00",
         "quotes": [{"author": SCRIPT, "post_number": 1, "text": f"quoted {SCRIPT} {IMG}"}],
         "body": f"Yes, tubeless tyres are definitely worth it for commuting {SCRIPT} because the "
                 f"sealant plugs punctures. The **{IMG}** sealant in tubeless tyres also {JS_LINK} "
                 "seals small cuts."},
    ]


def make_data_dir(path: Path, xss: bool = False) -> Path:
    """A data dir holding the bundled corpus and, with xss=True, the hostile thread too."""
    from kb.config import STORE_FILE
    from kb.ingest import corpus_sources, ingest, read_sources
    from kb.store import Store

    path.mkdir(parents=True, exist_ok=True)
    store = Store(path / STORE_FILE)
    ingest(corpus_sources(), store)
    if xss:
        src = path.parent / f"{path.name}-xss.jsonl"
        src.write_text("".join(json.dumps(p) + "\n" for p in xss_posts()))
        summary = ingest(read_sources([str(src)]), store)
        assert summary.added == 2, summary.to_dict()
    store.close()
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from web import create_app

    # An empty data dir: the app fills it with the bundled corpus, as the CLI does.
    data = tmp_path_factory.mktemp("web") / "data"
    return create_app({"TESTING": True, "KB_DATA_DIR": str(data), "PAGE_SIZE": 3})


@pytest.fixture(scope="module")
def xss_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from web import create_app

    data = make_data_dir(tmp_path_factory.mktemp("webxss") / "data", xss=True)
    return create_app({"TESTING": True, "KB_DATA_DIR": str(data)})


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def post_link(n: int, thread: str = THREAD) -> str:
    return f'href="/t/{thread}?hl={n}#post-{n}"'


# -- pages -----------------------------------------------------------------------------------


def test_front_page_shows_holdings_examples_and_the_search_box(client: Any) -> None:
    r = client.get("/")
    assert r.status_code == 200
    page = html(r)
    assert re.search(r"<strong>1</strong> threads ·\s*<strong>10</strong> posts", page)
    assert '<form class="search" action="/ask"' in page and 'name="q"' in page
    assert 'formaction="/search"' in page
    assert "Is leg strenth training necessary for a 400m runner?" in page  # an example question
    assert "/ask?q=Is+leg+strenth" in page


def test_security_headers_everywhere_and_no_inline_script(client: Any) -> None:
    for url in ("/", f"/ask?q={QUESTION}", "/search?q=squat", f"/t/{THREAD}", "/t/nope",
                "/api/ask?q=", "/static/style.css"):
        r = client.get(url)
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, url
        assert "unsafe-inline" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        if r.content_type.startswith("text/html"):
            scripts = re.findall(r"<script[^>]*>", html(r))
            assert scripts and all('src="/static/' in s for s in scripts), url


def test_answer_page_cites_posts_and_groups_stances(client: Any) -> None:
    page = html(client.get("/ask", query_string={"q": QUESTION}))
    assert "Members who say yes" in page and "Members who say no" in page and "Also said" in page
    assert page.index("Members who say yes") < page.index("Members who say no")
    marks = re.findall(r'<sup class="cite"><a href="/t/([^"?]+)\?hl=(\d+)[^"#]*#post-(\d+)"', page)
    assert marks and all(t == THREAD and a == b for t, a, b in marks)
    cards = re.findall(r'<li class="card" id="src-(\d+)">', page)
    assert cards == [str(i) for i in range(1, len(cards) + 1)]
    assert "post #5 · DMA" in page  # a card names post, author
    assert "I don&#39;t think it&#39;s necessary for any sprinter really." in page


def test_answer_page_says_the_note_when_nothing_matches(client: Any) -> None:
    page = html(client.get("/ask", query_string={"q": "sourdough bread hydration recipe"}))
    assert NOTHING in page
    assert 'class="card"' not in page


def test_search_page_marks_matches_and_paginates(client: Any) -> None:
    page = html(client.get("/search", query_string={"q": "squat"}))
    assert "1 threads matched" in page
    assert "<mark>squat" in page.lower()
    every = html(client.get("/search", query_string={"q": "strength", "posts": "1"}))
    total = int(re.search(r"([\d,]+) posts matched", every).group(1))  # type: ignore[union-attr]
    assert total > 3 and 'rel="next"' in every and 'rel="prev"' not in every
    second = html(client.get("/search", query_string={"q": "strength", "posts": "1", "page": "2"}))
    assert '<ol class="hits" start="4">' in second and 'rel="prev"' in second
    assert "posts=1" in re.search(r'rel="prev" href="([^"]+)"', second).group(1)  # type: ignore[union-attr]


def test_search_page_syntax_is_the_cli_syntax(client: Any) -> None:
    page = html(client.get("/search", query_string={"q": "author:RB34 squat", "posts": "1"}))
    authors = re.findall(r"post #\d+ · ([^<·]+?)\s*(?:·|</p>)", page)
    assert authors and set(authors) == {"RB34"}


def test_thread_page_posts_in_order_with_anchors_quotes_and_highlight(client: Any) -> None:
    page = html(client.get(f"/t/{THREAD}?hl=5"))
    ids = re.findall(r'<section class="post[^"]*" id="post-(\d+)"', page)
    assert ids == [str(i) for i in range(1, 11)]
    assert '<section class="post hl" id="post-5">' in page
    assert page.count(' hl"') == 1
    assert '<blockquote>' in page and '<a href="#post-7">lr1400 wrote (#7)</a>' in page
    assert "Senior Member" in page and "joined Nov 2004" in page and "Toronto, Ontario, Canada" in page
    assert "750 posts" in page


def test_unknown_thread_is_a_404_page(client: Any) -> None:
    r = client.get("/t/no-such-thread")
    assert r.status_code == 404 and "no-such-thread" in html(r)
    assert 'name="q"' in html(r)  # the page still offers the search box


@pytest.mark.parametrize("url", ["/ask?q=", "/search?q=", "/ask", "/search?q=%20%20"])
def test_empty_query_is_a_friendly_400(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 400 and "Type a question" in html(r)


def test_overlong_query_is_a_400_and_500_chars_are_fine(client: Any) -> None:
    r = client.get("/search", query_string={"q": "x" * 501})
    assert r.status_code == 400 and "the limit is 500" in html(r)
    assert client.get("/search", query_string={"q": "leg " * 125}).status_code == 200


def test_bad_filter_is_a_400_with_the_query_error(client: Any) -> None:
    r = client.get("/search", query_string={"q": "squat before:yesterday"})
    assert r.status_code == 400 and "before:yesterday is not a date" in html(r)
    r = client.get("/api/search", query_string={"q": "in:body squat"})
    assert r.status_code == 400 and "in:body" in r.get_json()["error"]


# -- JSON API ----------------------------------------------------------------------------------


def test_api_ask_is_the_cli_json_shape(app: Any, client: Any) -> None:
    from kb.answer import ask

    r = client.get("/api/ask", query_string={"q": QUESTION})
    assert r.status_code == 200 and r.content_type == "application/json"
    body = r.get_json()
    assert list(body) == ["question", "answer", "sources", "note", "abstained", "searched_for",
                          "related"]
    assert body == json.loads(json.dumps(ask(app.extensions["kb"], QUESTION).to_dict()))
    assert body["sources"][0]["thread_id"] == THREAD and body["answer"][0]["cites"]


def test_api_search_is_the_cli_json_shape_with_limit_and_offset(app: Any, client: Any) -> None:
    from kb.search import search

    args = {"q": "strength", "posts": "1", "limit": "2", "offset": "1"}
    body = client.get("/api/search", query_string=args).get_json()
    want = search(app.extensions["kb"], "strength", limit=2, offset=1, per_thread=False).to_dict()
    assert body == json.loads(json.dumps(want))
    assert list(body) == ["query", "total", "total_exact", "hits"] and len(body["hits"]) == 2
    assert client.get("/api/search?q=strength").get_json()["total"] == 1


def test_api_thread_is_export_lines_and_healthz_counts_posts(app: Any, client: Any) -> None:
    body = client.get(f"/api/threads/{THREAD}").get_json()
    thread = app.extensions["kb"].store.thread(THREAD)
    assert body["thread_id"] == THREAD and body["thread_title"] == thread.title
    assert body["posts"] == json.loads(json.dumps([p.to_export(thread) for p in thread.posts]))
    assert client.get("/healthz").get_json() == {"ok": True, "posts": 10}


@pytest.mark.parametrize("url,code,needle", [
    ("/api/ask?q=", 400, "Type a question"),
    ("/api/search?q=" + "y" * 501, 400, "limit is 500"),
    ("/api/search?q=leg&limit=abc", 400, "limit must be a whole number"),
    ("/api/search?q=leg&limit=1000", 400, "between 1 and 100"),
    ("/api/ask?q=leg+after:someday", 400, "after:someday is not a date"),
    ("/api/threads/nope", 404, "no thread 'nope'"),
    ("/api/unknown", 404, "not found"),
])
def test_api_errors_are_json(client: Any, url: str, code: int, needle: str) -> None:
    r = client.get(url)
    assert r.status_code == code and r.content_type == "application/json"
    assert set(r.get_json()) == {"error"} and needle.lower() in r.get_json()["error"].lower()


def test_no_endpoint_writes_to_the_store(app: Any, client: Any) -> None:
    store = app.extensions["kb"].store
    before = (store.last_seq(), store.stats())
    for url in ("/", f"/ask?q={QUESTION}", "/search?q=leg", f"/t/{THREAD}", "/api/ask?q=leg",
                "/api/search?q=leg", f"/api/threads/{THREAD}", "/healthz"):
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 405
    assert (store.last_seq(), store.stats()) == before


# -- hostile post text ------------------------------------------------------------------------


def assert_inert(page: str) -> None:
    """No tag from the post survives; its text is shown escaped."""
    assert "<script>window" not in page and "<img" not in page and "<b onmouseover" not in page
    assert 'href="javascript' not in page.lower()
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_xss_post_is_text_on_the_thread_page(xss_app: Any) -> None:
    page = html(xss_app.test_client().get(f"/t/{XSS_THREAD}"))
    assert_inert(page)
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in page  # body, location, sig
    assert "&lt;b onmouseover=" in page  # the author's name
    assert '<a href="#post-1">&lt;script&gt;' in page  # quote author, linked to the quoted post


def test_xss_post_is_text_in_search_results_and_marks(xss_app: Any) -> None:
    page = html(xss_app.test_client().get("/search?q=sealant&posts=1"))
    assert_inert(page)
    assert "<mark>sealant</mark>" in page
    assert "<mark>&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;</mark>" in page


def test_xss_post_is_text_in_answers(xss_app: Any) -> None:
    client = xss_app.test_client()
    page = html(client.get("/ask", query_string={"q": XSS_QUESTION}))
    assert_inert(page)
    assert 'class="cite"' in page
    data = client.get("/api/ask", query_string={"q": XSS_QUESTION}).get_json()
    assert SCRIPT in data["answer"][0]["text"]  # JSON carries the text as it is


def test_marked_escapes_before_marking() -> None:
    from web.views import marked

    assert str(marked("a **<b>x</b>** <i>")) == "a <mark>&lt;b&gt;x&lt;/b&gt;</mark> &lt;i&gt;"
    assert str(marked("odd ** <s>")) == "odd <mark> &lt;s&gt;</mark>"
    assert str(marked("")) == ""


def test_only_web_urls_become_links() -> None:
    from web.views import web_url

    assert web_url("https://x.org/t/1") and web_url("http://x")
    assert not any(web_url(u) for u in ("javascript:alert(1)", " JAVASCRIPT:x", "data:,x", None))


# -- kb serve -----------------------------------------------------------------------------------


def test_kb_serve_runs_waitress_by_default_and_flask_with_debug(kb: Any, monkeypatch: Any) -> None:
    import flask
    import waitress

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append(("waitress", kw)))
    monkeypatch.setattr(flask.Flask, "run", lambda self, **kw: calls.append(("flask", kw)))
    result = kb("serve", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert calls[0] == ("waitress", {"host": "127.0.0.1", "port": 8123, "threads": 4, "ident": "kb"})
    assert kb("serve", "--debug", "--host", "0.0.0.0").exit_code == 0
    assert calls[1] == ("flask", {"host": "0.0.0.0", "port": 8000, "debug": True})


def test_long_thread_pages_and_a_cited_post_opens_its_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json as _json

    from kb.ingest import read_sources
    from kb.knowledge import KB
    from web import create_app

    dump = tmp_path / "long.jsonl"
    rows = [{"thread_id": "long-1", "thread_title": "A very long thread", "post_number": n,
             "body": f"Reply number {n} about gear ratios."
             + (" Quoting the first." if n == 250 else "")} for n in range(1, 251)]
    rows[-1]["quotes"] = [{"author": None, "post_number": 1, "text": "Reply number 1"}]
    dump.write_text("\n".join(_json.dumps(r) for r in rows))
    data = tmp_path / "data"
    kb = KB(data)
    kb.ingest(read_sources([str(dump)]))
    client = create_app({"KB_DATA_DIR": str(data), "TESTING": True}).test_client()
    first = client.get("/t/long-1").get_data(as_text=True)
    assert 'id="post-1"' in first and 'id="post-101"' not in first and "page 1 of 3" in first
    cited = client.get("/t/long-1?hl=250").get_data(as_text=True)
    assert 'id="post-250"' in cited and "page 3 of 3" in cited
    assert 'href="?page=1#post-1"' in cited  # the quote links to the page that holds #1
