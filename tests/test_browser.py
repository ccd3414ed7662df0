"""The pages in a real headless browser (Debian's Chromium through Playwright).

One server (scripts/serve.py on 127.0.0.1) and one browser for the module,
over a copy of the small index with tests/data/browser.jsonl added: records
whose titles, bodies, sources, actors and URLs carry script payloads, and an
Urdu story. The browser types, clicks and reads the page as a person would;
any script an article managed to smuggle into a page would set window.__xss
or open a dialog. Screenshots of the main pages go to reports/screenshots/.
"""
from __future__ import annotations

import json
import re
import shutil
import urllib.request

import pytest

from tests.conftest import ROOT, Server
from tests.test_pages import add_browser_data

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
AXE_SCRIPT = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "reports" / "screenshots"


@pytest.fixture(scope="module")
def server(small_index, tmp_path_factory):
    index_dir = add_browser_data(small_index, tmp_path_factory.mktemp("browser") / "index")
    running = Server(index_dir)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is missing: run the test command from README (it installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def open_page(browser, **options):
    """A fresh context and page that records dialogs, script errors and blocked requests."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.dialogs, page.errors, page.foreign = [], [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(message.text)  # e.g. a CSP report
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None)
    page.on("request", lambda request: page.foreign.append(request.url)
            if request.url.startswith(("http:", "https:"))
            and not request.url.startswith("http://127.0.0.1:") else None)
    return page


@pytest.fixture()
def page(browser):
    page = open_page(browser)
    yield page
    assert page.errors == [] and page.foreign == []  # no script errors, nothing from other hosts
    page.context.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


def summary_count(page) -> int:
    return int(page.locator(".summary strong").inner_text().replace(",", ""))


def test_search_from_the_home_page(page, server):
    page.goto(server.url + "/")
    page.get_by_label("Search the archive").fill("Kursk")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search?q=Kursk")
    first = page.locator("ol.hits li.hit").first
    assert first.locator("h2").inner_text().startswith("North Korean Supreme Leader")
    assert first.locator(".snippet mark").first.inner_text() == "Kursk"
    assert re.search(r"^1 result in [\d.]+ ms$", page.locator(".summary").inner_text())


def test_autocomplete_suggests_names_and_fills_the_query(page, server):
    page.goto(server.url + "/")
    box = page.get_by_role("combobox", name="Search the archive")
    box.press_sequentially("cocoa maria lo", delay=20)
    option = page.get_by_role("option", name=re.compile("Maria Lopez"))
    expect(option).to_be_visible()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    box.press("Enter")
    assert box.input_value() == 'cocoa person:"Maria Lopez" '
    assert box.get_attribute("aria-expanded") == "false"
    box.fill('person:"Maria Lopez"')
    box.press("Enter")
    page.wait_for_url("**/search?q=person*")
    assert summary_count(page) == 1


def test_a_facet_click_filters_and_a_second_click_removes_it(page, server):
    page.goto(server.url + "/search?q=cocoa")
    assert summary_count(page) == 6
    titles = page.locator("ol.hits h2").all_inner_texts()
    sources = page.get_by_role("region", name="Sources")
    sources.get_by_role("link", name="Wire Desk").click()
    page.wait_for_url("**source=Wire+Desk**")
    assert summary_count(page) == 1
    assert page.locator("ol.hits h2").all_inner_texts() == [titles[0]]
    expect(page.get_by_role("link", name="Remove filter Source: Wire Desk")).to_be_visible()
    sources.get_by_role("link", name="Wire Desk").click()  # selected: a second click removes it
    page.wait_for_url(re.compile(r"/search\?q=cocoa$"))
    assert summary_count(page) == 6


def test_set_a_date_range(page, server):
    page.goto(server.url + "/search?q=cocoa")
    page.get_by_label("From", exact=True).fill("2025-08-01")
    page.get_by_label("To", exact=True).fill("2025-08-31")
    page.get_by_role("button", name="Apply dates").click()
    page.wait_for_url("**from=2025-08-01&to=2025-08-31**")
    assert summary_count(page) == 2
    dates = page.locator("ol.hits time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates and all(value.startswith("2025-08") for value in dates)
    page.get_by_role("link", name=re.compile("Remove the date range")).click()
    page.wait_for_url(re.compile(r"/search\?q=cocoa$"))
    assert summary_count(page) == 6


def test_timeline_click_and_drag_narrow_the_dates(page, server):
    page.goto(server.url + "/search?q=*&from=2025-06-01&to=2025-08-31")
    chart = page.get_by_role("group", name=re.compile("Matching stories by day"))
    bars = chart.get_by_role("link")
    assert bars.evaluate_all("els => els.filter(e => e.tabIndex === 0).length") == 1  # one stop
    bars.last.focus()
    page.keyboard.press("ArrowLeft")  # arrow keys move between the bars
    expect(chart.get_by_role("link", name="11 August 2025: 1 story")).to_be_focused()
    chart.get_by_role("link", name="5 August 2025: 2 stories").click()
    page.wait_for_url("**from=2025-08-05&to=2025-08-05")
    assert summary_count(page) == 2
    page.go_back()
    start = chart.locator('[data-from="2025-07-31"]').bounding_box()
    end = chart.locator('[data-from="2025-08-04"]').bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 5, steps=5)
    page.mouse.up()
    page.wait_for_url("**from=2025-07-31&to=2025-08-04")
    assert summary_count(page) == 5


def test_page_forward_by_number_and_by_cursor(page, server):
    page.goto(server.url + "/search?q=*&sort=newest&page_size=5")
    first_page = page.locator("ol.hits h2").all_inner_texts()
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next →").click()
    page.wait_for_url("**page=2")
    assert page.locator("ol.hits").get_attribute("start") == "6"
    assert "page 2 of" in page.locator(".summary").inner_text()
    second_page = page.locator("ol.hits h2").all_inner_texts()
    assert len(second_page) == 5 and not set(first_page) & set(second_page)
    with urllib.request.urlopen(server.url + "/api/v1/search?q=*&sort=newest&page_size=5") as r:
        cursor = json.load(r)["next_cursor"]
    page.goto(server.url + "/search?q=*&sort=newest&page_size=5&cursor=" + cursor)
    assert page.locator("ol.hits h2").all_inner_texts() == second_page  # the same five
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile("cursor=(?!" + re.escape(cursor) + ")"))
    assert not set(page.locator("ol.hits h2").all_inner_texts()) & set(second_page)


def test_open_an_article_with_highlights_copies_and_related_stories(page, server):
    page.goto(server.url + "/search?q=cocoa")
    page.locator("ol.hits h2 a").first.click()
    page.wait_for_url("**/articles/t-cocoa-1?q=cocoa")
    assert page.locator(".body mark").count() == 2
    assert page.locator("h1").get_attribute("lang") == "en"  # detected: the source gave none
    related = page.get_by_role("region", name="Related stories").get_by_role("link")
    assert related.count() >= 1
    title = related.first.inner_text()
    related.first.click()
    page.wait_for_url("**/articles/**")
    assert page.locator("h1").inner_text() == title


def test_syndicated_copies_expand_without_script(page, server):
    page.goto(server.url + "/search?q=central+bank+rates")
    copies = page.locator("details.copies").first
    expect(copies.get_by_role("link", name="Le Temps")).to_be_hidden()
    copies.locator("summary").click()
    copies.get_by_role("link", name="All 3 copies").click()
    page.wait_for_url("**collapse=none**")
    assert summary_count(page) == 3


def test_visit_an_actor_page_and_its_company(page, server):
    page.goto(server.url + "/search?q=cocoa")
    page.locator("ol.hits .chip.place", has_text="Ivory Coast").first.click()
    page.wait_for_url("**/actors/place/Ivory%20Coast")
    assert page.locator("h1").inner_text() == "Ivory Coast"
    expect(page.get_by_role("group", name=re.compile("Matching stories by"))).to_be_visible()
    company = page.get_by_role("complementary", name="Often in the same stories")
    company.get_by_role("link", name="Jane Smith").click()
    page.wait_for_url("**/actors/person/Jane%20Smith")
    assert "Cocoa prices climb" in page.locator("ol.hits").inner_text()


def test_zero_results_suggest_a_spelling_and_name_the_clause(page, server):
    page.goto(server.url + "/search?q=chocolat")
    page.get_by_role("link", name="chocolate").click()
    page.wait_for_url("**q=chocolate")
    assert summary_count(page) >= 1
    page.goto(server.url + "/search?q=cocoa+zzzqqq")
    assert "Without zzzqqq there would be 6 results" in page.locator(".diagnosis").inner_text()


def test_error_message_marks_the_position(page, server):
    response = page.goto(server.url + "/search?q=cocoa%20*ocoa")
    assert response.status == 400
    assert page.locator(".query-marked mark").inner_text() == "*"
    assert "may not start a word" in page.locator("[role=alert]").inner_text()


def test_keyboard_shortcuts(page, server):
    page.goto(server.url + "/search?q=cocoa")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.locator("ol.hits h2 a").nth(1)
    expect(second).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator("ol.hits h2 a").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/t-cocoa-1?q=cocoa")


def test_right_to_left_text_displays_right_to_left(page, server):
    page.goto(server.url + "/search?q=*&source=Urdu+Desk")
    title = page.locator("ol.hits h2").first
    assert title.get_attribute("lang") == "ur"
    assert title.evaluate("e => e.matches(':dir(rtl)')")
    assert not page.locator(".summary").evaluate("e => e.matches(':dir(rtl)')")


def test_everything_works_without_javascript(browser, server):
    page = open_page(browser, java_script_enabled=False)
    page.goto(server.url + "/")
    page.get_by_role("searchbox", name="Search the archive").fill("*")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?q=(\*|%2A)$"))
    page.get_by_role("region", name="Sources").get_by_role("link", name="Wire Desk").click()
    page.wait_for_url("**source=Wire+Desk**")
    page.get_by_label("From", exact=True).fill("2025-08-01")
    page.get_by_role("button", name="Apply dates").click()
    page.wait_for_url("**from=2025-08-01**")
    page.get_by_label("Sort", exact=True).select_option("oldest")
    page.get_by_role("button", name="Sort", exact=True).click()
    page.wait_for_url("**sort=oldest**")
    assert "source=Wire+Desk" in page.url
    dates = page.locator("ol.hits time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates == sorted(dates) and dates[0] >= "2025-08-01"
    twin_url = server.url + page.get_by_role("link", name="JSON", exact=True).get_attribute("href")
    with urllib.request.urlopen(twin_url) as twin:
        assert json.load(twin)["total"] == summary_count(page) == len(dates)
    page.goto(server.url + "/search?q=*&page_size=5")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**page=2**")
    assert page.errors == [] and page.dialogs == []
    page.context.close()


def test_narrow_screens_do_not_scroll_sideways(browser, server):
    page = open_page(browser, viewport={"width": 320, "height": 640})
    for path in ("/search?q=cocoa", "/articles/t-hostile-1?q=quagga", "/help",
                 "/actors/place/United%20States", "/search?q=quagga&collapse=none"):
        page.goto(server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
    page.context.close()


HOSTILE_PAGES = ("/search?q=quagga", "/search?q=quagga&collapse=none", "/search?q=onerror",
                 "/articles/t-hostile-1?q=quagga", "/articles/t-hostile-2?q=herds",
                 "/articles/t-xss?q=markets")


def test_script_payloads_in_articles_stay_text(page, server):
    for path in HOSTILE_PAGES:
        page.goto(server.url + path)
        for details in page.locator("details").all():
            details.locator("summary").click()
        assert page.locator("img, iframe, object, embed, svg:not(.timeline-chart)").count() == 0
        scripts = page.locator("script").evaluate_all("els => els.map(e => e.src)")
        assert scripts == [server.url + "/static/morgue.js"], path
    page.goto(server.url + "/search?q=quagga&collapse=none")
    titles = page.locator("ol.hits h2").all_inner_texts()
    assert any(title.startswith("</mark><script>window.__xss = 11") for title in titles)
    for chip in ("<script>window.__xss = 19</script> Quagga Smith",
                 '"><svg onload="window.__xss = 20; alert(20)">', "javascript:alert(21"):
        page.goto(server.url + "/search?q=quagga&collapse=none")
        page.locator(".chip", has_text=chip).first.click()
        page.wait_for_url("**/actors/**")
        assert page.locator("h1").inner_text() == chip
    page.goto(server.url + "/articles/t-hostile-1")
    assert page.get_by_role("link", name="Original").count() == 0  # a javascript: URL
    page.get_by_role("combobox").press_sequentially("quag", delay=20)
    expect(page.get_by_role("option", name=re.compile("Quagga Smith"))).to_be_visible()
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_pages_pass_axe_and_are_photographed(browser, server):
    assert AXE_SCRIPT.exists(), "axe-core is missing: run the test command from README"
    # axe is injected as an inline script, which the pages' own policy rightly forbids.
    page = open_page(browser, bypass_csp=True, viewport={"width": 1280, "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {"home": "/", "search": "/search?q=cocoa", "article": "/articles/t-syn-1?q=rates",
             "actor": "/actors/place/United%20States", "help": "/help",
             "zero-results": "/search?q=cocoa+zzzqqq", "error": "/search?q=cocoa%20*ocoa",
             "hostile": "/search?q=quagga&collapse=none", "urdu": "/search?q=*&source=Urdu+Desk"}
    failures = {}
    for name, path in pages.items():
        page.goto(server.url + path)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        page.add_script_tag(path=str(AXE_SCRIPT))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. "
                   f"{v['nodes'][0]['html'][:120]})"
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            failures[name] = serious
    page.context.close()
    assert failures == {}
