"""Fixtures: a tiny index from tests/data (12 real records), and the real corpus index."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from index.build import build_index
from service import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = ROOT / "tests" / "data"
REAL_CORPUS = ROOT / "corpus"


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
