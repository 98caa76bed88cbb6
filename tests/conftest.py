"""Fixtures: a tiny index from tests/data (12 real records), and the real corpus index."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from index.build import build_index
from service import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = ROOT / "tests" / "data"
REAL_CORPUS = ROOT / "corpus"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Path:
    """An index built from the 12-record fixture corpus."""
    index_dir = tmp_path_factory.mktemp("fixture-index")
    build_index(FIXTURE_CORPUS / "codes.jsonl", index_dir, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Path:
    """An index of the real corpus (built once per session, or reused from CODESEARCH_TEST_REAL_INDEX)."""
    reuse = os.environ.get("CODESEARCH_TEST_REAL_INDEX")
    if reuse and (Path(reuse) / "current").exists():
        return Path(reuse)
    index_dir = tmp_path_factory.mktemp("real-index")
    build_index(REAL_CORPUS, index_dir, progress=False)
    return index_dir


@pytest.fixture()
def app(fixture_index):
    """The app serving the fixture index."""
    return create_app({"INDEX_DIR": str(fixture_index), "TESTING": True})


@pytest.fixture()
def client(app):
    """A test client of the fixture app."""
    return app.test_client()


@pytest.fixture(scope="session")
def real_app(real_index):
    """The app serving the real corpus."""
    return create_app({"INDEX_DIR": str(real_index), "TESTING": True})


@pytest.fixture()
def real_client(real_app):
    """A test client of the real-corpus app."""
    return real_app.test_client()


@pytest.fixture()
def copy_fixture_corpus(tmp_path) -> Path:
    """A writable copy of the fixture corpus folder."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


# -- the browser tests (test_browser.py, test_page_browser.py) ---------------------------------------
@pytest.fixture(scope="session")
def live_server(real_index):
    """The app on the real index, on a free 127.0.0.1 port (one thread: one open index)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, create_app({"INDEX_DIR": str(real_index)}), threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (never a downloaded browser); one per session, as Playwright's sync API
    allows only one running instance per thread."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; scripts/test.sh does it)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(items):
    """Mark each test by what it needs, so `-m "not browser and not server and not real_corpus"` runs
    the fast ones: Chromium (browser), a gunicorn or HTTP server process (server), the full index."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "browser" in names:
            item.add_marker(pytest.mark.browser)
        if "live_server" in names or hasattr(item.module, "LiveServer"):
            item.add_marker(pytest.mark.server)
        if "real_index" in names:
            item.add_marker(pytest.mark.real_corpus)
