"""The pages in a real headless browser (Debian's Chromium through Playwright).

The server is scripts/serve.py on 127.0.0.1; the browser types, clicks and
reads the page as a person would, and any script that an article managed
to smuggle into a page would set window.__xss.
"""
from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is missing: run the test command from README (it installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def test_search_from_the_home_page(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="Search the archive").fill("Kursk")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=Kursk")
    first = page.locator("ol.hits li.hit").first
    assert first.locator("h3").inner_text().startswith("North Korean Supreme Leader")
    assert first.locator(".snippet mark").first.inner_text() == "Kursk"
    assert "1 result" in page.locator(".summary").inner_text()


def test_titles_with_markup_stay_text(page, live_server):
    page.goto(live_server.url + "/search?q=onerror")
    title = page.locator("ol.hits h3").first.inner_text()
    assert title == "<script>window.__xss = 1</script> Markets & <b>bold</b> claims"
    page.locator("ol.hits h3 a").first.click()
    page.wait_for_load_state()
    assert "<b>bold</b>" in page.locator("h1").inner_text()
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_open_an_article_and_filter_by_a_facet(page, live_server):
    page.goto(live_server.url + "/search?q=cocoa")
    page.get_by_role("link", name="Wire Desk").click()
    page.wait_for_url("**source=Wire+Desk**")
    assert page.locator("ol.hits li.hit").count() == 1
    page.locator("ol.hits h3 a").first.click()
    page.wait_for_url("**/articles/t-cocoa-1?q=cocoa")
    assert page.locator(".body mark").count() == 2
    assert page.locator("article").get_attribute("lang") == "en"  # detected: the source gave none
    page.get_by_role("link", name="Ivory Coast").click()
    assert "Ivory Coast" in page.locator("h1").inner_text()


def test_error_message_marks_the_position(page, live_server):
    response = page.goto(live_server.url + "/search?q=cocoa%20*ocoa")
    assert response.status == 400
    assert page.locator(".query-marked mark").inner_text() == "*"
    assert "may not start a word" in page.locator("[role=alert]").inner_text()
