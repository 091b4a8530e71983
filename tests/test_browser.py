"""The web app in a real browser: Playwright driving Debian's Chromium (never a downloaded one).

The app is served on a free loopback port by werkzeug in a thread. Skipped, with the reason,
when playwright or /usr/bin/chromium is missing (`apt-get install -y chromium`,
`pip install playwright`; never `playwright install`).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web import QUESTION, XSS_QUESTION, XSS_THREAD, make_data_dir

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS = Path(__file__).resolve().parents[1] / "docs"
SCREENSHOT = DOCS / "answer.png"  # README picture
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
TAP = 44  # px: the smallest tap target

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)
expect = sync_api.expect


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the bundled corpus plus a hostile thread, on a free loopback port."""
    from werkzeug.serving import make_server

    from web import create_app

    data = make_data_dir(tmp_path_factory.mktemp("browser") / "data", xss=True, qa=True)
    server = make_server("127.0.0.1", 0, create_app({"KB_DATA_DIR": str(data)}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    yield from _page(browser, {"width": 1100, "height": 900})


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    yield from _page(browser, PHONE)


def _page(browser: Any, viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, **options)
    p = context.new_page()
    p.set_default_timeout(15_000)
    p.csp_errors = []  # type: ignore[attr-defined]
    p.on("console", lambda m: "Content Security Policy" in m.text and p.csp_errors.append(m.text))
    yield p
    context.close()


def test_question_to_cited_post(page: Any, base_url: str, tmp_path: Path) -> None:
    page.goto(base_url + "/")
    box = page.locator("form.search input[name=q]")
    box.fill(QUESTION)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/ask\?q="))
    expect(page.locator("h1.question")).to_have_text(QUESTION)
    cards = page.locator(".sources .card")
    assert cards.count() >= 2
    expect(cards.first).to_contain_text("Is leg strenth training necessary for a 400m runner?")
    expect(page.get_by_role("heading", name="Members who say yes")).to_be_visible()
    # The README's picture is refreshed with KB_SCREENSHOT=1; other runs leave the repo alone.
    shot = SCREENSHOT if os.environ.get("KB_SCREENSHOT") else tmp_path / "answer.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    mark = page.locator("sup.cite a").first
    href = mark.get_attribute("href")
    n = re.search(r"#post-(\d+)$", href).group(1)  # type: ignore[union-attr]
    mark.click()
    page.wait_for_url(re.compile(rf"/t/.+\?hl={n}(&[^#]*)?#post-{n}$"))
    assert page.evaluate("location.hash") == f"#post-{n}"
    post = page.locator(f"#post-{n}")
    expect(post).to_be_visible()
    expect(post).to_be_in_viewport()
    expect(post).to_have_class(re.compile(r"\bhl\b"))
    expect(post.locator("mark.cited")).to_be_visible()  # the cited passage, marked in place
    expect(post.get_by_role("link", name="← back to the answer")).to_be_visible()
    assert page.evaluate("document.querySelector(':target').id") == f"post-{n}"
    background = post.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert page.csp_errors == []


def test_search_page_pages_and_marks(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.locator("form.search input[name=q]").fill("leg strength")
    page.get_by_role("button", name="Search posts").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    expect(page.locator("ol.hits mark").first).to_be_visible()
    page.get_by_role("link", name="every post").click()
    expect(page.locator("ol.hits li")).to_have_count(10)
    assert page.csp_errors == []


@pytest.mark.parametrize("path", [f"/t/{XSS_THREAD}", "/search?q=sealant&posts=1",
                                  f"/ask?q={XSS_QUESTION.replace(' ', '+')}"])
def test_hostile_post_is_shown_as_text_and_nothing_runs(page: Any, base_url: str,
                                                        path: str) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(base_url + path)
    page.wait_for_load_state("load")
    expect(page.get_by_text("<script>window.__xss=1</script>").first).to_be_visible()
    page.get_by_text("javascript: link").first.click()  # text, not a link: goes nowhere
    for who in page.locator(".post .author").all():
        who.hover()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("main img, main script, main a[href^='javascript']").count() == 0
    assert dialogs == []
    assert page.csp_errors == []  # nothing even tried: no tag reached the DOM
    assert page.url.startswith(base_url + path.split("?")[0])


# -- issue 11: the pages at 1280 px and on a 390 px phone -------------------------------------

PAGES = {"search": "/search?q=chain+skipping&posts=1",
         "answer": f"/ask?q={QUESTION.replace(' ', '+')}",
         "thread": "/t/qa-1", "long thread": "/t/is-leg-strenth-training-necessary-for-a-400m-runner"}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_no_page_scrolls_sideways(browser: Any, base_url: str, viewport: dict[str, int]) -> None:
    for name, path in PAGES.items():
        for p in _page(browser, viewport):
            p.goto(base_url + path)
            width = p.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (name, width)
            assert p.csp_errors == []


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box  # type: ignore[no-any-return]


def test_phone_search_box_is_full_width_and_tap_targets_are_44px(phone: Any,
                                                                 base_url: str) -> None:
    phone.goto(base_url + "/search?q=chain+leg+strength+tubeless&posts=1")  # 11+ posts: 2 pages
    inner = phone.evaluate("window.innerWidth")
    box = _box(phone.locator("header form.search input[name=q]"))
    assert box["width"] >= inner - 2 * 16 - 1 and box["height"] >= TAP  # the page's padding only
    for button in phone.locator("header form.search button").all():
        assert _box(button)["height"] >= TAP
    pager = phone.locator("nav.pager a")
    assert pager.count() >= 1
    for link in pager.all():
        b = _box(link)
        assert b["height"] >= TAP and b["width"] >= TAP
    phone.locator("details.filters summary").click()
    for control in phone.locator("form.filters input:not([type=hidden]), form.filters select, "
                                 "form.filters button").all():
        assert _box(control)["height"] >= TAP
    # A long unbroken title wraps inside the screen.
    phone.goto(base_url + "/search?q=chain+skipping+cassette&posts=1")
    title = _box(phone.locator("ol.hits .card-title").first)
    assert title["x"] + title["width"] <= inner

    phone.goto(base_url + PAGES["answer"])
    marks = phone.locator("sup.cite a")
    assert marks.count() >= 2
    for mark in marks.all():
        b = _box(mark)
        assert b["height"] >= TAP and b["width"] >= TAP, b
    shot = DOCS / "answer-phone.png"
    if os.environ.get("KB_SCREENSHOT"):
        phone.screenshot(path=str(shot), full_page=True)


def test_desktop_search_box_and_buttons(page: Any, base_url: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(base_url + "/search?q=chain")
    box = _box(page.locator("header form.search input[name=q]"))
    assert box["width"] >= 300
    page.goto(base_url + "/")
    assert _box(page.locator(".hero form.search input[name=q]"))["width"] >= 400


def test_enter_on_the_search_page_searches(page: Any, base_url: str) -> None:
    page.goto(base_url + "/search?q=chain")
    box = page.locator("header form.search input[name=q]")
    box.fill("chain rain")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=chain\+rain$"))
    expect(page.locator("h1.question")).to_have_text("chain rain")
    assert page.locator("ol.hits li").count() >= 1


def test_a_filter_control_narrows_results(phone: Any, base_url: str) -> None:
    phone.goto(base_url + "/search?q=chain+skipping&posts=1")
    before = phone.locator("ol.hits li").count()
    assert before >= 3
    phone.locator("details.filters summary").click()
    phone.get_by_label("Author").fill("dana")
    phone.get_by_role("button", name="Apply").click()
    phone.wait_for_url(re.compile(r"q=chain\+skipping\+author(:|%3A)dana"))
    expect(phone.locator("h1.question")).to_have_text("chain skipping author:dana")
    expect(phone.locator("ol.hits li")).to_have_count(1)
    expect(phone.get_by_label("Author")).to_have_value("dana")
    phone.get_by_label("Sort").select_option("newest")
    phone.get_by_label("Forum").select_option("forum.cycling.example")
    phone.get_by_role("button", name="Apply").click()
    phone.wait_for_url(re.compile(r"sort=newest"))
    expect(phone.locator("ol.hits li")).to_have_count(1)
    if os.environ.get("KB_SCREENSHOT"):
        phone.goto(base_url + "/search?q=chain+skipping&posts=1")
        phone.locator("details.filters summary").click()
        phone.screenshot(path=str(DOCS / "search-phone.png"), full_page=True)
    assert phone.csp_errors == []


def test_dark_theme_follows_the_system(browser: Any, base_url: str) -> None:
    for p in _page(browser, PHONE, color_scheme="dark"):
        p.goto(base_url + "/search?q=chain")
        bg = p.evaluate("getComputedStyle(document.body).backgroundColor")
        ink = p.evaluate("getComputedStyle(document.body).color")
        assert bg == "rgb(22, 25, 29)" and ink == "rgb(230, 233, 236)"
