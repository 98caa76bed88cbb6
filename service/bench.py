"""Benchmark-only routes, registered only when BENCH_ROUTES is set (CODESEARCH_BENCH_ROUTES=1).

``GET /bench/hello`` is the floor of the stack (gunicorn + Flask, no index, no marshmallow):
scripts/bench_http.py compares /v1/search against it.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

bp = Blueprint("bench", __name__)


@bp.get("/bench/hello")
def hello():
    """A tiny JSON reply."""
    return jsonify({"hello": "world"})


def enabled(app: Flask) -> bool:
    """True when the app's BENCH_ROUTES setting (CODESEARCH_BENCH_ROUTES) is on."""
    value = app.config.get("BENCH_ROUTES", False)
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def init_app(app: Flask) -> None:
    """Register the benchmark routes when enabled; otherwise do nothing."""
    if enabled(app):
        app.register_blueprint(bp)
