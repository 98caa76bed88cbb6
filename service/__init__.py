"""codesearch: a search-and-answer service for HCPCS Level II codes.

Environment variables (all optional; see service/config.py for defaults):
CODESEARCH_INDEX_DIR, CODESEARCH_CORPUS_DIR, CODESEARCH_DATA_DIR, CODESEARCH_HOST,
CODESEARCH_PORT, CODESEARCH_WORKERS, CODESEARCH_CORS_ORIGINS, CODESEARCH_PUBLIC_URL,
CODESEARCH_MAX_QUERY_LENGTH, CODESEARCH_SEARCH_CACHE, CODESEARCH_CACHE_MAX_AGE, CODESEARCH_JSON_LOGS.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from . import access_log, api, bench, caching, changes, cors, ctss, demo, errors, metrics, pages
from .config import from_environment
from .resources import init_resources

log = logging.getLogger("codesearch")


def _log_requests(app: Flask) -> None:
    """One structured line per request; never the query text (it may hold patient details)."""

    @app.before_request
    def _start():
        g.started = time.perf_counter()

    @app.after_request
    def _line(response):
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        if app.config["JSON_LOGS"]:
            access_log.write(response, elapsed)
            return response
        log.info(
            "request method=%s path=%s status=%s duration_ms=%.1f",
            request.method,
            request.path,
            response.status_code,
            elapsed,
        )
        return response


def create_app(config: dict | None = None) -> Flask:
    """The Flask application: settings from the environment, overlaid with ``config``."""
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider
    init_resources(app)
    errors.init_app(app)
    app.register_blueprint(api.bp)
    bench.init_app(app)
    app.register_blueprint(ctss.bp)
    app.register_blueprint(demo.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(changes.bp)
    cors.init_app(app)
    _log_requests(app)
    metrics.init_app(app)
    caching.init_app(app)
    return app
