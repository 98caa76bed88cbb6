"""Settings, each overridable by an environment variable.

| variable                    | default                         | meaning                                  |
|-----------------------------|---------------------------------|------------------------------------------|
| CODESEARCH_INDEX_DIR        | <checkout>/var/index            | where the live index (``current``) lives |
| CODESEARCH_CORPUS_DIR       | <checkout>/corpus               | the corpus the index is built from       |
| CODESEARCH_DATA_DIR         | <checkout>/../shared/data       | CMS files read by ``import-cms``         |
| CODESEARCH_HOST             | 127.0.0.1                       | bind address of ``serve``                |
| CODESEARCH_PORT             | 8000                            | port of ``serve``                        |
| CODESEARCH_WORKERS          | 2                               | gunicorn worker processes                |
| CODESEARCH_CORS_ORIGINS     | *                               | comma-separated origins allowed by CORS  |
| CODESEARCH_PUBLIC_URL       | http://127.0.0.1:8000           | base of the code-page URLs in answers    |
| CODESEARCH_MAX_QUERY_LENGTH | 512                             | longest query accepted                   |
| CODESEARCH_SEARCH_CACHE     | 4096                            | search results cached per worker (0: off)|
| CODESEARCH_CACHE_MAX_AGE    | 300                             | Cache-Control max-age of GET replies (s) |
| CODESEARCH_JSON_LOGS        | false                           | access log as one JSON object per line   |
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"

DEFAULTS = {
    "INDEX_DIR": str(ROOT / "var" / "index"),
    "CORPUS_DIR": str(ROOT / "corpus"),
    "DATA_DIR": str(ROOT.parent / "shared" / "data"),
    "HOST": "127.0.0.1",
    "PORT": 8000,
    "WORKERS": 2,
    "CORS_ORIGINS": "*",
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "MAX_QUERY_LENGTH": 512,
    "SEARCH_CACHE": 4096,
    "CACHE_MAX_AGE": 300,
    "JSON_LOGS": False,
}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def _parse(value: str, default):
    """An environment value as the default's type (booleans: 1/true/yes/on)."""
    if isinstance(default, bool):
        return value.strip().lower() in TRUE_WORDS
    return type(default)(value)


def from_environment() -> dict:
    """The defaults overlaid with every ``CODESEARCH_*`` variable that is set."""
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        value = os.environ.get(f"CODESEARCH_{key}")
        if value is not None:
            settings[key] = _parse(value, default)
    return settings
