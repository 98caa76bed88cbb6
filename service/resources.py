"""The index handle and answerer a worker uses, created lazily on first use after fork."""

from __future__ import annotations

from flask import Flask, current_app

from index.answer import Answerer
from index.search import CodeIndex


def init_resources(app: Flask) -> None:
    """Attach the (not yet opened) index handle to the app; it opens on the first request."""
    index = CodeIndex(app.config["INDEX_DIR"], cache_size=int(app.config["SEARCH_CACHE"]))
    app.extensions["codesearch.index"] = index
    app.extensions["codesearch.answerer"] = Answerer(index, app.config["PUBLIC_URL"])


def get_index() -> CodeIndex:
    """This app's index handle."""
    return current_app.extensions["codesearch.index"]


def get_answerer() -> Answerer:
    """This app's answerer."""
    return current_app.extensions["codesearch.answerer"]
