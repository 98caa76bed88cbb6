"""Settings, each overridable by an environment variable.

| variable                    | default                         | meaning                                  |
|-----------------------------|---------------------------------|------------------------------------------|
| CODESEARCH_INDEX_DIR        | <checkout>/var/index            | where the live index (``current``) lives |
| CODESEARCH_CORPUS_DIR       | <checkout>/corpus               | the corpus the index is built from       |
| CODESEARCH_DATA_DIR         | <checkout>/../shared/data       | CMS files read by ``import-cms``         |
| CODESEARCH_HOST             | 127.0.0.1                       | bind address of ``serve``                |
| CODESEARCH_PORT             | 8000                            | port of ``serve``                        |
| CODESEARCH_WORKERS          | 2 (1 on a one-core machine)     | gunicorn worker processes                |
| CODESEARCH_CORS_ORIGINS     | *                               | comma-separated origins allowed by CORS  |
| CODESEARCH_PUBLIC_URL       | http://127.0.0.1:8000           | base of the code-page URLs in answers    |
| CODESEARCH_MAX_QUERY_LENGTH | 512                             | longest query accepted                   |
| CODESEARCH_SEARCH_CACHE     | 4096                            | search results cached per worker (0: off)|
| CODESEARCH_CACHE_MAX_AGE    | 300                             | Cache-Control max-age of GET replies (s) |
| CODESEARCH_JSON_LOGS        | false                           | access log as one JSON object per line   |
| CODESEARCH_LOG_LEVEL        | info                            | gunicorn's and the app's log level       |
| CODESEARCH_BENCH_ROUTES     | false                           | true: serve /bench/hello (bench_http.py) |

Every setting of the service is here; gunicorn.conf.py, the CLI and the app read them from here.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"

DEFAULTS: dict[str, str | int | bool] = {
    "INDEX_DIR": str(ROOT / "var" / "index"),
    "CORPUS_DIR": str(ROOT / "corpus"),
    "DATA_DIR": str(ROOT.parent / "shared" / "data"),
    "HOST": "127.0.0.1",
    "PORT": 8000,
    "WORKERS": min(2, os.cpu_count() or 1),
    "CORS_ORIGINS": "*",
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "MAX_QUERY_LENGTH": 512,
    "SEARCH_CACHE": 4096,
    "CACHE_MAX_AGE": 300,
    "JSON_LOGS": False,
    "LOG_LEVEL": "info",
    "BENCH_ROUTES": False,
}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def _parse(value: str, default: str | int | bool) -> str | int | bool:
    """An environment value as the default's type (booleans: 1/true/yes/on)."""
    if isinstance(default, bool):
        return value.strip().lower() in TRUE_WORDS
    return int(value) if isinstance(default, int) else value


def from_environment() -> dict:
    """The defaults overlaid with every ``CODESEARCH_*`` variable that is set."""
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        value = os.environ.get(f"CODESEARCH_{key}")
        if value is not None:
            settings[key] = _parse(value, default)
    return settings
