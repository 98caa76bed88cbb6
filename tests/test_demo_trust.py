"""The demo page's search box never opens the wrong code: headless Chromium (Playwright) on the real index.

Latency and failures are injected with ``page.route``: a search or code response is held until the test
releases it, or answered with an error, so each race is reproduced in a fixed order rather than by timing.
Every request the page makes through ``fetch`` is logged in ``window.__fetched``, so "no code was opened"
is checked as "no /v1/codes/ request was made", not by waiting.

The ``live_server`` and ``browser`` fixtures are in conftest.py (Debian's /usr/bin/chromium, never a
downloaded browser); skipped, with the reason, when Playwright or Chromium is missing.
"""
from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
TITLE = "HCPCS Level II code search"
TYPEAHEAD = 8

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
expect = playwright_api.expect
PlaywrightError = playwright_api.Error
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does it)")

LOG_FETCHES = """
window.__fetched = [];
(function () {
  var original = window.fetch;
  window.fetch = function (input) {
    window.__fetched.push(String((input && input.url) || input));
    return original.apply(this, arguments);
  };
})();
"""

# true when the element's centre is not covered by another element (what a mouse click would reach)
UNCOVERED = """node => {
  const box = node.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return hit !== null && node.contains(hit);
}"""


# -- helpers ------------------------------------------------------------------------------------------
def api(live_server: str, path: str, **params) -> dict:
    url = f"{live_server}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def api_all(live_server: str, q: str, **params) -> list[dict]:
    """Every result the API lists for q, page by page (offset at most 1000)."""
    hits: list[dict] = []
    while True:
        body = api(live_server, "/v1/search", q=q, limit=50, offset=len(hits), **params)
        hits.extend(body["results"])
        if not body["results"] or len(hits) >= body["total"] or len(hits) > 1000:
            return hits


def query_of(url: str) -> str | None:
    parts = urllib.parse.urlparse(url)
    if not parts.path.endswith("/v1/search"):
        return None
    return urllib.parse.parse_qs(parts.query).get("q", [None])[0]


def is_search_for(text: str):
    return lambda url: query_of(url) == text


class Held:
    """Holds the responses of the requests page.route matches until release() lets them through."""

    def __init__(self, page, matches):
        self.routes: list = []
        page.route(matches, lambda route: self.routes.append(route))

    def release(self) -> None:
        while self.routes:
            route = self.routes.pop(0)
            try:
                route.continue_()
            except PlaywrightError:  # the page gave up on it (aborted): nothing to deliver
                pass


def codes_fetched(page) -> list[str]:
    return [url.rsplit("/", 1)[-1] for url in page.evaluate("window.__fetched") if "/v1/codes/" in url]


def option_codes(page) -> list[str]:
    return page.locator("#results [role=option]").evaluate_all("items => items.map(i => i.dataset.code)")


def settle(page, live_server: str) -> None:
    """A round trip through the page's own network queue, after which a response already delivered to it
    has been handled (no clock involved)."""
    page.evaluate("url => fetch(url).then(r => r.text())", f"{live_server}/healthz")


def wait_for_list(page, first_code: str):
    expect(page.locator("#results [role=option]").first).to_have_attribute("data-code", first_code)


def wait_for_codes(page, codes: list[str]) -> None:
    """Until the list shows exactly these codes, in this order."""
    page.wait_for_function(
        "codes => JSON.stringify([...document.querySelectorAll('#results [role=option]')]"
        ".map(item => item.dataset.code)) === JSON.stringify(codes)", arg=codes)


@pytest.fixture()
def page(browser):
    """A fresh desktop-sized page that logs its fetches; fails the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.add_init_script(LOG_FETCHES)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not errors, errors


# -- 1. Enter acts only on results of the current text that have arrived -------------------------------
def test_enter_after_a_choice_opens_no_other_code(page, live_server):
    page.goto(f"{live_server}/")
    box = page.get_by_role("combobox")
    box.fill("cpap")
    wait_for_list(page, "E0601")
    chosen = option_codes(page)[1]
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.locator("#code-code")).to_have_text(chosen)
    box.press("Enter")
    assert codes_fetched(page) == [chosen]
    expect(page.locator("#code-code")).to_have_text(chosen)
    expect(page.get_by_role("listbox")).to_be_visible()  # Enter shows the list again; it opens nothing


def test_enter_while_a_newer_search_is_in_flight_opens_nothing(page, live_server):
    held = Held(page, is_search_for("cpap mask"))
    page.goto(f"{live_server}/")
    box = page.get_by_role("combobox")
    box.fill("cpap")
    wait_for_list(page, "E0601")
    with page.expect_request(lambda request: query_of(request.url) == "cpap mask"):
        box.fill("cpap mask")
    box.press("Enter")
    box.press("ArrowDown")
    box.press("Enter")
    assert codes_fetched(page) == []
    expect(page.locator("#code")).to_be_hidden()

    held.release()
    first = api(live_server, "/v1/search", q="cpap mask", limit=TYPEAHEAD)["results"][0]["code"]
    assert first != "E0601"
    wait_for_list(page, first)
    box.press("Enter")
    expect(page.locator("#code-code")).to_have_text(first)
    assert codes_fetched(page) == [first]


@pytest.mark.parametrize("failure", ["error", "network"])
def test_a_failed_search_clears_the_list_shows_its_error_and_enter_opens_nothing(page, live_server, failure):
    def fail(route):
        if failure == "network":
            route.abort()
        else:
            route.fulfill(status=503, content_type="application/json", body=json.dumps(
                {"error": {"status": 503, "code": "unavailable", "message": "the index is being rebuilt"}}))

    page.route(is_search_for("cpap mask"), fail)
    page.goto(f"{live_server}/")
    box = page.get_by_role("combobox")
    box.fill("cpap")
    wait_for_list(page, "E0601")
    box.fill("cpap mask")
    status = page.locator("#status")
    expect(status).to_contain_text("Search failed")
    if failure == "error":
        expect(status).to_contain_text("the index is being rebuilt")
    expect(page.locator("#results [role=option]")).to_have_count(0)
    expect(page.get_by_role("listbox")).to_be_hidden()
    assert status.evaluate(UNCOVERED)

    box.press("Enter")
    box.press("ArrowDown")
    box.press("Enter")
    expect(status).to_contain_text("Search failed")
    assert codes_fetched(page) == []
    expect(page.locator("#code")).to_be_hidden()


def test_a_slow_code_never_replaces_the_code_chosen_after_it(page, live_server):
    held = Held(page, lambda url: url.endswith("/v1/codes/E0601"))
    page.goto(f"{live_server}/")
    box = page.get_by_role("combobox")
    box.fill("cpap")
    wait_for_list(page, "E0601")
    with page.expect_request(lambda request: request.url.endswith("/v1/codes/E0601")):
        page.locator("#results [data-code=E0601]").click()
    box.fill("cpap")
    page.locator("#results [data-code=A7027]").click()
    expect(page.locator("#code-code")).to_have_text("A7027")
    held.release()  # E0601 arrives last (unless the page has already given up on it)
    settle(page, live_server)
    expect(page.locator("#code-code")).to_have_text("A7027")
    expect(page).to_have_url(re.compile(r"#A7027$"))
    expect(page).to_have_title(re.compile("A7027"))


# -- 3. the chosen code keeps the query; stale answer and status are cleared -------------------------
def test_the_chosen_code_keeps_the_typed_query_and_clears_stale_text(page, live_server):
    page.goto(f"{live_server}/")
    box = page.get_by_role("combobox")
    page.get_by_label("Ask a question").check()
    box.fill("when is G9306 used")
    box.press("Enter")
    expect(page.locator("#answer-text")).to_contain_text("G9306")
    expect(page.locator("#code-code")).to_have_text("G9306")

    page.get_by_label("Find a code").check()
    box.fill("cpap")
    wait_for_list(page, "E0601")
    expect(page.locator("#status")).to_contain_text("codes match")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.locator("#code-code")).to_have_text("E0601")
    expect(box).to_have_value("cpap")
    expect(page.locator("#answer")).to_be_hidden()
    expect(page.locator("#status")).not_to_contain_text("codes match")


# -- 4. "did you mean" is not covered by the list -----------------------------------------------------
def test_did_you_mean_is_reachable_by_mouse_and_keyboard(page, live_server):
    body = api(live_server, "/v1/search", q="wlaker", limit=TYPEAHEAD)
    suggestion = body["did_you_mean"]
    assert suggestion and body["results"]
    first = api(live_server, "/v1/search", q=suggestion, limit=TYPEAHEAD)["results"][0]["code"]

    page.goto(f"{live_server}/")
    box = page.get_by_role("combobox")
    box.fill("wlaker")
    button = page.locator("#status").get_by_role("button", name=suggestion)
    expect(button).to_be_visible()
    expect(page.get_by_role("listbox")).to_be_visible()
    assert button.evaluate(UNCOVERED)
    button.click()
    expect(box).to_have_value(suggestion)
    wait_for_list(page, first)

    box.fill("wlaker")
    expect(button).to_be_visible()
    box.focus()
    for _ in range(12):
        if button.evaluate("node => document.activeElement === node"):
            break
        page.keyboard.press("Tab")
    assert button.evaluate("node => document.activeElement === node")
    page.keyboard.press("Enter")
    expect(box).to_have_value(suggestion)
    wait_for_list(page, first)


# -- 5. every result is reachable ---------------------------------------------------------------------
def test_show_all_pages_through_every_result(page, live_server):
    expected = [hit["code"] for hit in api_all(live_server, "supply")]
    total = api(live_server, "/v1/search", q="supply")["total"]
    assert len(expected) == total > 300

    page.goto(f"{live_server}/")
    box = page.get_by_role("combobox")
    box.fill("supply")
    wait_for_list(page, expected[0])
    expect(page.locator("#status")).to_contain_text(f"{total:,} codes match")
    assert len(option_codes(page)) == TYPEAHEAD
    page.get_by_role("button", name=f"Show all {total:,}").click()
    seen: list[str] = []
    next_button = page.get_by_role("button", name="Next 50")
    while True:
        start = len(seen)
        expect(page.locator("#result-range")).to_contain_text(f"{start + 1}–{min(start + 50, total)} of {total}")
        seen.extend(option_codes(page))
        if len(seen) >= total:
            break
        next_button.click()
    expect(next_button).to_be_hidden()
    assert seen == expected

    previous = (total - 1) // 50 * 50 - 50  # where the page before the last one starts
    page.get_by_role("button", name="Previous 50").click()
    expect(page.locator("#result-range")).to_contain_text(f"{previous + 1}–{previous + 50} of {total}")
    wait_for_codes(page, expected[previous:previous + 50])
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.locator("#code-code")).to_have_text(expected[previous])
    assert codes_fetched(page) == [expected[previous]]


def test_show_all_says_how_far_the_listing_goes(page, live_server):
    total = api(live_server, "/v1/search", q="injection")["total"]
    assert total > 1050
    page.goto(f"{live_server}/")
    page.get_by_role("combobox").fill("injection")
    page.get_by_role("button", name=f"Show all {total:,}").click()
    expect(page.locator("#result-range")).to_contain_text("first 1,050")


# -- 6. filters -------------------------------------------------------------------------------------
def test_status_filter_asks_the_api_for_terminated_codes(page, live_server):
    expected = [hit["code"] for hit in api(live_server, "/v1/search", q="mask", status="terminated",
                                           limit=TYPEAHEAD)["results"]]
    assert expected
    page.goto(f"{live_server}/")
    page.get_by_role("radio", name="Terminated", exact=True).check()
    page.get_by_role("combobox").fill("mask")
    wait_for_codes(page, expected)
    expect(page.locator("#results [role=option] .badge.inactive")).to_have_count(len(expected))


def test_kind_filter_keeps_codes_or_modifiers(page, live_server):
    hits = api_all(live_server, "modifier right")
    modifiers = [hit["code"] for hit in hits if hit["kind"] == "modifier"]
    procedures = [hit["code"] for hit in hits if hit["kind"] == "procedure"]
    assert modifiers and procedures
    page.goto(f"{live_server}/")
    page.get_by_role("combobox").fill("modifier right")
    wait_for_list(page, hits[0]["code"])
    page.get_by_role("radio", name="Modifiers", exact=True).check()
    wait_for_codes(page, modifiers[:TYPEAHEAD])
    expect(page.locator("#results [role=option] .badge.modifier")).to_have_count(min(len(modifiers), TYPEAHEAD))
    page.get_by_role("radio", name="Codes", exact=True).check()
    wait_for_codes(page, procedures[:TYPEAHEAD])
    expect(page.locator("#results [role=option] .badge.modifier")).to_have_count(0)
    expect(page.locator("#status")).to_contain_text(f"{len(procedures)} codes match")


def test_section_filter_keeps_codes_of_one_letter_and_pages_them(page, live_server):
    section_e = [hit["code"] for hit in api_all(live_server, "oxygen") if hit["code"].startswith("E")]
    assert TYPEAHEAD < len(section_e)
    page.goto(f"{live_server}/")
    page.get_by_role("radio", name=re.compile("^E:")).check()
    box = page.get_by_role("combobox")
    box.fill("oxygen")
    wait_for_codes(page, section_e[:TYPEAHEAD])
    page.get_by_role("button", name=re.compile(r"^Show all")).click()
    expect(page.locator("#result-range")).to_contain_text(f"1–{len(section_e)} of {len(section_e)}")
    wait_for_codes(page, section_e)
    expect(page.locator("#status")).to_contain_text(f"{len(section_e)} codes match")


# -- 7. modifier badge, copy button -------------------------------------------------------------------
def test_modifier_results_carry_a_modifier_badge(page, live_server):
    page.goto(f"{live_server}/")
    page.get_by_role("combobox").fill("RT")
    wait_for_list(page, "RT")
    expect(page.locator("#results [data-code=RT] .badge.modifier")).to_have_text("modifier")
    kinds = {hit["code"]: hit["kind"] for hit in api(live_server, "/v1/search", q="RT", limit=TYPEAHEAD)["results"]}
    for code, kind in kinds.items():
        expect(page.locator(f"#results [data-code={code}] .badge.modifier")).to_have_count(int(kind == "modifier"))


def test_copy_button_writes_the_code_to_the_clipboard(browser, live_server):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server}/#E0601")
        expect(page.locator("#code-code")).to_have_text("E0601")
        page.get_by_role("button", name="Copy code").click()
        expect(page.locator("#copy-note")).to_contain_text("E0601")
        assert page.evaluate("navigator.clipboard.readText()") == "E0601"
    finally:
        context.close()


def test_copy_button_falls_back_without_the_clipboard_api(browser, live_server):
    """Served over plain HTTP to another host, navigator.clipboard is absent: the button still copies."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.add_init_script("""
        Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined, configurable: true});
        window.__copied = [];
        document.execCommand = function (command) {
          if (command !== 'copy') return false;
          const field = document.activeElement;
          window.__copied.push(field.value.slice(field.selectionStart, field.selectionEnd));
          return true;
        };
    """)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server}/#J1100")
        expect(page.locator("#code-code")).to_have_text("J1100")
        page.get_by_role("button", name="Copy code").click()
        expect(page.locator("#copy-note")).to_contain_text("J1100")
        assert page.evaluate("window.__copied") == ["J1100"]
    finally:
        context.close()


# -- 8. history and title -----------------------------------------------------------------------------
def test_back_and_forward_move_between_opened_codes_inside_the_page(page, live_server):
    page.goto(f"{live_server}/")
    expect(page).to_have_title(TITLE)
    box = page.get_by_role("combobox")
    box.fill("cpap")
    wait_for_list(page, "E0601")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.locator("#code-code")).to_have_text("E0601")
    expect(page).to_have_url(re.compile(r"/#E0601$"))
    expect(page).to_have_title(re.compile(r"^E0601\b.*" + TITLE))

    box.fill("cpap mask")
    wait_for_list(page, "A7027")
    page.locator("#results [data-code=A7030]").click()
    expect(page.locator("#code-code")).to_have_text("A7030")
    expect(page).to_have_url(re.compile(r"/#A7030$"))
    expect(page).to_have_title(re.compile(r"^A7030\b"))

    page.go_back()
    expect(page.locator("#code-code")).to_have_text("E0601")
    expect(page).to_have_url(re.compile(r"/#E0601$"))
    expect(page).to_have_title(re.compile(r"^E0601\b"))
    expect(box).to_have_value("cpap")

    page.go_back()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("#code")).to_be_hidden()
    expect(page).to_have_title(TITLE)

    page.go_forward()
    expect(page.locator("#code-code")).to_have_text("E0601")

    page.evaluate("location.hash = '#J1100'")
    expect(page.locator("#code-code")).to_have_text("J1100")
    expect(page).to_have_title(re.compile(r"^J1100\b"))
    page.go_back()
    expect(page.locator("#code-code")).to_have_text("E0601")


def test_a_code_that_fails_to_load_leaves_no_other_code_on_show(page, live_server):
    page.goto(f"{live_server}/#E0601")
    expect(page.locator("#code-code")).to_have_text("E0601")
    page.evaluate("location.hash = '#E0609'")  # no such code: 404
    expect(page.locator("#status")).to_contain_text("E0609")
    expect(page.locator("#code")).to_be_hidden()
    expect(page).to_have_title(TITLE)


# -- 9. the API's note ----------------------------------------------------------------------------------
def test_a_cpt_code_shows_the_apis_note_instead_of_no_match(page, live_server):
    body = api(live_server, "/v1/search", q="99213", limit=TYPEAHEAD)
    assert body["total"] == 0 and "CPT" in body["note"]
    page.goto(f"{live_server}/")
    page.get_by_role("combobox").fill("99213")
    status = page.locator("#status")
    expect(status).to_contain_text(body["note"])
    expect(status).not_to_contain_text("No codes match")


def test_an_icd10_code_shows_the_note_beside_its_results(page, live_server):
    body = api(live_server, "/v1/search", q="E11.9", limit=TYPEAHEAD)
    assert body["results"] and "ICD-10" in body["note"]
    page.goto(f"{live_server}/")
    page.get_by_role("combobox").fill("E11.9")
    wait_for_list(page, body["results"][0]["code"])
    expect(page.locator("#status")).to_contain_text(body["note"])


# -- phone width ------------------------------------------------------------------------------------
def test_filters_and_paging_fit_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server}/")
        for name in ("Terminated", "Modifiers", "All"):
            expect(page.get_by_role("radio", name=name, exact=True)).to_be_visible()
        box = page.get_by_role("combobox")
        box.fill("supply")
        page.get_by_role("button", name=re.compile(r"^Show all")).tap()
        next_button = page.get_by_role("button", name="Next 50")
        next_button.scroll_into_view_if_needed()
        expect(next_button).to_be_visible()
        for locator in (page.get_by_role("listbox"), next_button, page.get_by_role("radio", name=re.compile("^Z:"))):
            box_ = locator.bounding_box()
            assert box_["x"] >= 0 and box_["x"] + box_["width"] <= 375
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
