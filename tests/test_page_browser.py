"""The code pages in headless Chromium: readable at phone width with JavaScript off, no sideways scroll.

Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser), against the real index served
in-process by werkzeug: the ``live_server`` and ``browser`` fixtures of conftest.py, shared with
tests/test_browser.py. Skipped, with the reason, when Playwright or /usr/bin/chromium is missing
(scripts/test.sh installs both).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from service.pages import SECTION_IDS

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 375, "height": 740}

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
expect = playwright_api.expect
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does it)")


@pytest.fixture()
def phone(browser):
    """A phone-sized page with JavaScript turned off."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# E0601 (the brief's page), G0471 (140 NCCI pairs), G0556 (the longest descriptor), RR (a modifier).
@pytest.mark.parametrize("code", ["E0601", "G0471", "G0556", "RR"])
def test_code_page_reads_at_phone_width_without_javascript(phone, live_server, code):
    response = phone.goto(f"{live_server}/codes/{code}")
    assert response.status == 200
    expect(phone.locator("h1")).to_contain_text(code)
    for section_id in SECTION_IDS:
        section = phone.locator(f"section#{section_id}")
        section.scroll_into_view_if_needed()
        expect(section).to_be_visible()
        expect(section.locator("h2")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_not_found_page_reads_at_phone_width(phone, live_server):
    response = phone.goto(f"{live_server}/codes/E0609")
    assert response.status == 404
    expect(phone.locator("h1")).to_contain_text("E0609")
    phone.get_by_role("link", name="E0610").click()
    expect(phone.locator("h1")).to_contain_text("E0610")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_demo_code_panel_links_to_the_code_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/#E0601")
        link = page.get_by_role("link", name="Full code page")
        expect(link).to_have_attribute("href", "/codes/E0601")
        link.click()
        expect(page.locator("h1")).to_contain_text("E0601")
        expect(page.locator("section#modifiers")).to_contain_text("RR")
    finally:
        context.close()
