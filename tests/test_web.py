"""The web app through Flask's test client: every route, error and JSON shape; hostile post text."""

from __future__ import annotations

import json
import os
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


LONG_WORD = "replacement_part_CN_HG701_11speed_chain_with_quicklink_for_the_cassette_2019"
QA_FORUM, OTHER_FORUM = "bicycles.stackexchange.com", "forum.cycling.example"


def qa_posts() -> list[dict[str, Any]]:
    """Two chain threads from two forums: one solved, with an accepted answer, scores, links
    and a long unbroken title; one from another forum by another member."""
    title = f"[SOLVED] Chain keeps skipping under load after fitting a {LONG_WORD}"
    qa = {"thread_id": "qa-1", "thread_title": title, "forum": QA_FORUM}
    rows = [
        {**qa, "post_number": 1, "author": "asker", "posted_at": "2020-05-01T09:00:00", "score": 3,
         "body": "My chain keeps skipping on the big cog under load. The manual "
                 "(https://si.example.com/manual.pdf) did not help."},
        {**qa, "post_number": 2, "author": "wrencher", "posted_at": "2021-06-01T09:00:00",
         "score": 1, "body": "A worn chain skipping on a new cassette? Measure the chain stretch."},
        {**qa, "post_number": 3, "author": "mechanic", "posted_at": "2022-07-01T09:00:00",
         "score": 12, "accepted": True,
         "body": "The chain skipping is a worn chain: replace it, see "
                 "https://sheldonbrown.example/chains.html. Not javascript:alert(1) either."},
    ]
    other = {"thread_id": "other-1", "thread_title": "Chain skipping on my commuter",
             "forum": OTHER_FORUM}
    rows += [
        {**other, "post_number": 1, "author": "dana", "posted_at": "2019-01-01T09:00:00",
         "body": "My chain is skipping on the commuter since the rain."},
        {**other, "post_number": 2, "author": "erin", "posted_at": "2023-01-01T09:00:00",
         "body": "Chain skipping after rain: clean and lube the chain."},
    ]
    return rows


def make_data_dir(path: Path, xss: bool = False, qa: bool = False) -> Path:
    """A data dir holding the bundled corpus and, with xss=True, the hostile thread too; with
    qa=True two chain threads from two forums (`qa_posts`)."""
    from kb.config import STORE_FILE
    from kb.ingest import corpus_sources, ingest, read_sources
    from kb.store.sqlite import SQLiteStore as Store

    path.mkdir(parents=True, exist_ok=True)
    store = Store(path / STORE_FILE)
    ingest(corpus_sources(), store)
    if xss:
        src = path.parent / f"{path.name}-xss.jsonl"
        src.write_text("".join(json.dumps(p) + "\n" for p in xss_posts()))
        summary = ingest(read_sources([str(src)]), store)
        assert summary.added == 2, summary.to_dict()
    if qa:
        src = path.parent / f"{path.name}-qa.jsonl"
        src.write_text("".join(json.dumps(p) + "\n" for p in qa_posts()))
        assert ingest(read_sources([str(src)]), store).added == len(qa_posts())
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


@pytest.fixture(scope="module")
def qa_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from web import create_app

    data = make_data_dir(tmp_path_factory.mktemp("webqa") / "data", qa=True)
    return create_app({"TESTING": True, "KB_DATA_DIR": str(data), "PAGE_SIZE": 2}).test_client()


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
    assert client.get("/healthz").get_json() == {"ok": True, "posts": 10, "pid": os.getpid()}


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
        refused = client.post(url)
        assert refused.status_code == 405
        assert set(refused.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}, url
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


# -- issue 11: the search page ------------------------------------------------------------------


def hit_titles(page: str) -> list[str]:
    return re.findall(r'<a class="card-title" href="[^"]+">([^<]+)</a>', page)


def test_enter_on_the_search_page_searches_and_on_the_front_page_asks(client: Any) -> None:
    # Enter submits with the form's first button and the form's action (HTML implicit submission).
    front = html(client.get("/"))
    form = re.search(r'<form class="search" action="([^"]+)".*?</form>', front, re.S)
    assert form and form.group(1) == "/ask"
    assert re.search(r"<button[^>]*>([^<]+)</button>", form.group(0)).group(1) == "Ask"  # type: ignore[union-attr]
    results = html(client.get("/search", query_string={"q": "squat"}))
    form = re.search(r'<form class="search compact" action="([^"]+)".*?</form>', results, re.S)
    assert form and form.group(1) == "/search"
    first = re.search(r"<button([^>]*)>([^<]+)</button>", form.group(0))
    assert first and first.group(2) == "Search posts" and "formaction" not in first.group(1)
    assert 'formaction="/ask"' in form.group(0)  # asking is still one click away
    answer = html(client.get("/ask", query_string={"q": QUESTION}))
    assert '<form class="search compact" action="/ask"' in answer


def test_a_page_past_the_end_is_a_404_not_page_20_of_7(client: Any) -> None:
    r = client.get("/search", query_string={"q": "strength", "posts": "1", "page": "20"})
    assert r.status_code == 404
    body = html(r)
    assert "page 20 of" not in body.lower() and "past the end" in body
    pages = int(re.search(r"has (\d+) pages?", body).group(1))  # type: ignore[union-attr]
    last = client.get("/search", query_string={"q": "strength", "posts": "1", "page": pages})
    assert last.status_code == 200 and f"page {pages} of {pages}" in html(last)
    assert client.get("/search", query_string={"q": "zzzqqq", "page": "2"}).status_code == 404


def test_filter_controls_write_the_query_syntax(qa_client: Any) -> None:
    args = {"q": "chain author:nobody -author:erin", "filters": "1", "author": "dana",
            "after": "2018", "before": "", "sort": "newest", "posts": "1"}
    r = qa_client.get("/search", query_string=args)
    assert r.status_code == 302
    assert r.headers["Location"] == ("/search?q=chain+-author:erin+author:dana+after:2018"
                                     "&posts=1&sort=newest")
    page = html(qa_client.get(r.headers["Location"]))
    assert '<input type="text" name="author" value="dana"' in page
    assert '<input type="text" name="after" value="2018"' in page
    assert '<option value="newest" selected>' in page
    spaced = qa_client.get("/search", query_string={"q": "chain", "filters": "1",
                                                     "author": 'Jo "J" Smith'})
    assert spaced.headers["Location"] == '/search?q=chain+author:%22Jo+J+Smith%22'


def test_the_author_filter_narrows_results(qa_client: Any) -> None:
    every = html(qa_client.get("/search", query_string={"q": "chain skipping", "posts": "1"}))
    dana = html(qa_client.get("/search", query_string={"q": "chain skipping author:dana",
                                                        "posts": "1"}))
    n_every = int(re.search(r"([\d,]+) posts matched", every).group(1))  # type: ignore[union-attr]
    n_dana = int(re.search(r"([\d,]+) posts matched", dana).group(1))  # type: ignore[union-attr]
    assert n_every == 5 and n_dana == 1


def test_sort_newest_and_oldest_order_by_date(qa_client: Any) -> None:
    def dates(sort: str) -> list[str]:
        page = html(qa_client.get("/search", query_string={"q": "chain", "posts": "1",
                                                            "sort": sort}))
        return re.findall(r'<time datetime="([^"]+)"', page)

    newest, oldest = dates("newest"), dates("oldest")
    assert newest == ["2023-01-01T09:00:00", "2022-07-01T09:00:00"]  # page 1 of 2-post pages
    assert oldest == ["2019-01-01T09:00:00", "2020-05-01T09:00:00"]
    page2 = html(qa_client.get("/search", query_string={"q": "chain", "posts": "1",
                                                         "sort": "newest", "page": "2"}))
    assert "sort=newest" in re.search(r'rel="prev" href="([^"]+)"', page2).group(1)  # type: ignore[union-attr]
    assert qa_client.get("/search?q=chain&sort=sideways").status_code == 400


def test_forum_filter_and_each_hit_names_its_forum(qa_client: Any) -> None:
    page = html(qa_client.get("/search", query_string={"q": "chain", "posts": "1"}))
    assert f'<option value="{QA_FORUM}">' in page and f'<option value="{OTHER_FORUM}">' in page
    assert f'<span class="forum">{QA_FORUM}</span>' in page
    only = html(qa_client.get("/search", query_string={"q": "chain", "posts": "1",
                                                        "forum": OTHER_FORUM}))
    assert "2 posts matched" in only
    assert set(re.findall(r'<span class="forum">([^<]+)</span>', only)) == {OTHER_FORUM}


def test_solved_titles_and_accepted_answers_get_badges(qa_client: Any) -> None:
    page = html(qa_client.get("/search", query_string={"q": "worn chain replace", "posts": "1"}))
    hit = re.search(r'<li class="hit">.*?</li>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "post #3" in hit and "score 12" in hit
    assert '<span class="badge solved">Solved</span>' in hit
    assert '<span class="badge accepted">Accepted answer</span>' in hit
    other = html(qa_client.get("/search", query_string={"q": "rain lube", "posts": "1"}))
    assert "badge" not in re.search(r'<ol class="hits".*?</ol>', other, re.S).group(0)  # type: ignore[union-attr]


def test_links_in_posts_are_clickable_and_nothing_else_is(qa_client: Any) -> None:
    page = html(qa_client.get("/t/qa-1"))
    rel = 'rel="nofollow noopener noreferrer"'
    assert (f'(<a href="https://si.example.com/manual.pdf" {rel}>'
            "https://si.example.com/manual.pdf</a>)") in page
    assert f'<a href="https://sheldonbrown.example/chains.html" {rel}>' in page
    assert "chains.html</a>. Not javascript:alert(1) either." in page


@pytest.mark.parametrize("text,want", [
    ("see http://a.example/x.", 'see <a href="http://a.example/x" R>http://a.example/x</a>.'),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ('<a href="javascript:x">j</a>', "&lt;a href=&#34;javascript:x&#34;&gt;j&lt;/a&gt;"),
    ('https://x.example/"onmouseover="alert(1)',
     '<a href="https://x.example/" R>https://x.example/</a>&#34;onmouseover=&#34;alert(1)'),
    ("https://x.example/a?b=1&c=<script>",
     '<a href="https://x.example/a?b=1&amp;c=" R>https://x.example/a?b=1&amp;c=</a>&lt;script&gt;'),
    ("(https://en.example/wiki/A_(b))", '(<a href="https://en.example/wiki/A_(b)" R>'
                                        "https://en.example/wiki/A_(b)</a>)"),
    ("data:text/html,<b>x</b> ftp://x.example", "data:text/html,&lt;b&gt;x&lt;/b&gt; ftp://x.example"),
    ("javascript:http://ok.example", 'javascript:<a href="http://ok.example" R>http://ok.example</a>'),
    ("", ""),
])
def test_linked_escapes_first_and_links_only_http(text: str, want: str) -> None:
    from web.views import linked

    assert str(linked(text)) == want.replace(" R>", ' rel="nofollow noopener noreferrer">')


# -- issue 11: contrast ---------------------------------------------------------------------------

# (text, background) pairs as the stylesheet uses them
CONTRAST_PAIRS = [
    ("ink", "paper"), ("ink", "card"), ("muted", "paper"), ("muted", "card"), ("muted", "hl"),
    ("faint", "paper"), ("faint", "card"), ("faint", "hl"), ("faint", "quote"),
    ("accent", "paper"), ("accent", "card"), ("accent", "accent-soft"), ("accent", "hl"),
    ("on-accent", "accent"), ("yes", "paper"), ("yes", "card"), ("yes", "hl"), ("no", "paper"),
    ("quote-ink", "quote"), ("excerpt", "card"), ("ink", "mark"), ("ink", "field"),
    ("ink", "code"), ("muted", "quote"),
]


def css_palettes() -> dict[str, dict[str, str]]:
    css = (Path(__file__).resolve().parents[1] / "web" / "static" / "style.css").read_text()
    light = css[css.index(":root {"):css.index("}", css.index(":root {"))]
    start = css.index("@media (prefers-color-scheme: dark)")
    dark = css[start:css.index("}", start)]
    def palette(block: str) -> dict[str, str]:
        return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})\b", block, re.I))
    return {"light": palette(light), "dark": {**palette(light), **palette(dark)}}


def contrast(fg: str, bg: str) -> float:
    def lum(h: str) -> float:
        rgb = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_is_at_least_4_5_in_both_themes(theme: str) -> None:
    colours = css_palettes()[theme]
    low = {f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
           for fg, bg in CONTRAST_PAIRS if contrast(colours[fg], colours[bg]) < 4.5}
    assert low == {}
