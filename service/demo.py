"""The demo page at /: a search box with type-ahead, a code panel and a question mode (static files)."""

from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("demo", __name__)


@bp.get("/")
def index():
    """The single-page demo (service/static/index.html)."""
    return current_app.send_static_file("index.html")
