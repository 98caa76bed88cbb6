"""In a real browser (Debian's Chromium driven by Playwright), against a real server on the real index:
the demo page at / and the NLM autocomplete-lhc widget pointed at /api/hcpcs/v3/search.

Skipped, with the reason, when Playwright, /usr/bin/chromium or tests/browser/node_modules is missing
(scripts/test.sh installs all three).
"""
from __future__ import annotations

import functools
import http.server
import posixpath
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_DIR = ROOT / "tests" / "browser"
WIDGET_PACKAGE = BROWSER_DIR / "node_modules" / "autocomplete-lhc"
SCREENSHOT = ROOT / "docs" / "demo.png"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
expect = playwright_api.expect
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does it)")
needs_widget = pytest.mark.skipif(
    not WIDGET_PACKAGE.is_dir(), reason="autocomplete-lhc is missing (npm install --prefix tests/browser)")


# -- servers ----------------------------------------------------------------------------------------
def _serve(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def bundle_commonjs(package: Path, entry: str) -> str:
    """The package's CommonJS modules as one browser script (the package ships no built file)."""
    modules: dict[str, tuple[str, dict[str, str]]] = {}
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in modules:
            continue
        source = (package / name).read_text(encoding="utf-8")
        deps = {}
        for dep in re.findall(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)", source):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), dep))
            deps[dep] = target if target.endswith(".js") else f"{target}.js"
            pending.append(deps[dep])
        modules[name] = (source, deps)
    defs = ",\n".join(
        f"{name!r}: [function (module, exports, require) {{\n{source}\n}}, {deps!r}]"
        for name, (source, deps) in modules.items())
    return ("(function () {\nvar defs = {" + defs + "};\nvar cache = {};\n"
            "function load(name) {\n  if (cache[name]) return cache[name].exports;\n"
            "  var module = cache[name] = {exports: {}};\n"
            "  defs[name][0](module, module.exports, function (dep) { return load(defs[name][1][dep]); });\n"
            "  return module.exports;\n}\n"
            f"window.Def = load({entry!r});\n}})();\n")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def widget_server(live_server, tmp_path_factory):
    """A page on another origin (another port) with autocomplete-lhc pointed at our CTSS endpoint."""
    if not WIDGET_PACKAGE.is_dir():
        pytest.skip("autocomplete-lhc is missing (npm install --prefix tests/browser)")
    site = tmp_path_factory.mktemp("widget-site")
    for asset in (WIDGET_PACKAGE / "source").glob("*"):
        if asset.suffix in (".css", ".png"):
            shutil.copy(asset, site / asset.name)
    (site / "autocomplete-lhc.js").write_text(bundle_commonjs(WIDGET_PACKAGE, "source/index.js"))
    page = (BROWSER_DIR / "widget.html").read_text().replace("__API__", live_server)
    (site / "widget.html").write_text(page)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    _serve(server)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


# -- browser (the live_server and browser fixtures are in conftest.py, shared with test_page_browser.py) -----
@pytest.fixture()
def page(browser):
    """A fresh desktop-sized page; fails the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not errors, errors


def type_query(page, text: str) -> None:
    box = page.get_by_role("combobox")
    box.fill("")
    box.press_sequentially(text, delay=20)


# -- the demo page --------------------------------------------------------------------------------
def test_typing_cpap_lists_e0601_with_matches_marked(page, live_server):
    page.goto(f"{live_server}/")
    type_query(page, "cpap")
    first = page.get_by_role("option").first
    expect(first).to_contain_text("E0601")
    expect(first.locator("mark").first).to_be_visible()
    expect(page.get_by_role("combobox")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status")).to_contain_text("E0601 is first")


def test_choosing_with_the_keyboard_opens_the_code_panel(page, live_server):
    page.goto(f"{live_server}/")
    type_query(page, "cpap")
    box = page.get_by_role("combobox")
    expect(page.get_by_role("option").first).to_contain_text("E0601")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "result-0")
    expect(page.locator("#result-0")).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    panel = page.locator("#code")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", level=2)).to_contain_text("E0601")
    expect(panel).to_contain_text("Continuous positive airway pressure (cpap) device")
    expect(panel.locator("#code-faq summary").first).to_contain_text("What is E0601?")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("cpap")  # the typed query stays in the box after a choice


def test_clicking_a_result_shows_rvus(page, live_server):
    page.goto(f"{live_server}/")
    type_query(page, "annual wellness")
    page.get_by_role("option").filter(has_text="G0438").click()
    expect(page.locator("#code-rvu")).to_contain_text("Work RVU")
    expect(page.locator("#code-rvu")).to_contain_text("2.6")


def test_code_in_the_address_opens_its_panel_with_drug_names(page, live_server):
    page.goto(f"{live_server}/#J1100")
    expect(page.locator("#code-drugs")).to_contain_text("Dexamethasone Sodium Phosphate")


def test_terminated_codes_carry_an_inactive_badge(page, live_server):
    page.goto(f"{live_server}/")
    type_query(page, "ct radiation dose")
    expect(page.get_by_role("option").locator(".badge.inactive").first).to_have_text("inactive")


def test_escape_closes_the_list_then_clears_the_box(page, live_server):
    page.goto(f"{live_server}/")
    type_query(page, "walker")
    box = page.get_by_role("combobox")
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Escape")
    expect(box).to_have_value("")


def test_question_mode_answers(page, live_server):
    page.goto(f"{live_server}/")
    page.get_by_label("Ask a question").check()
    box = page.get_by_role("combobox")
    box.fill("when is G9306 used?")
    box.press("Enter")
    expect(page.locator("#answer-text")).to_contain_text("Use G9306")
    expect(page.locator("#code-code")).to_have_text("G9306")


def test_usable_at_phone_width(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/")
        type_query(page, "cpap")
        first = page.get_by_role("option").first
        expect(first).to_contain_text("E0601")
        box = page.get_by_role("listbox").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        first.tap()
        expect(page.locator("#code")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_screenshot_of_the_demo(page, live_server):
    """docs/demo.png (referenced from the README): a code panel, and the list over it."""
    page.goto(f"{live_server}/#G0438")
    expect(page.locator("#code-rvu")).to_contain_text("Work RVU")
    type_query(page, "radiation dose index")
    expect(page.get_by_role("option").locator(".badge.inactive").first).to_be_visible()
    page.get_by_role("combobox").press("ArrowDown")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size < 300_000


# -- the NLM widget ------------------------------------------------------------------------------
@needs_widget
def test_autocomplete_lhc_widget_selects_a_code(page, widget_server):
    page.goto(f"{widget_server}/widget.html")
    field = page.locator("#hcpcs")
    field.click()
    field.press_sequentially("cpap", delay=30)
    rows = page.locator("#completionOptions tbody tr")
    expect(rows.first).to_contain_text("E0601")
    expect(rows.first).to_contain_text("Continuous positive airway pressure")
    rows.first.click()
    expect(field).to_have_value("E0601")
    expect(page.locator("#chosen")).to_have_text("E0601")


@needs_widget
def test_autocomplete_lhc_widget_keyboard_and_code_prefix(page, widget_server):
    page.goto(f"{widget_server}/widget.html")
    field = page.locator("#hcpcs")
    field.click()
    field.press_sequentially("E014", delay=30)
    expect(page.locator("#completionOptions tbody tr").first).to_contain_text("E0140")
    field.press("ArrowDown")
    field.press("Enter")
    expect(page.locator("#chosen")).to_have_text("E0140")
