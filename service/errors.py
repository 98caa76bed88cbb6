"""One JSON error shape for every error: ``{"error": {"status", "code", "message", "fields"?}}``."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from index.query import QueryError
from index.search import IndexUnavailable

log = logging.getLogger("codesearch")


class NotFound(Exception):
    """A code that is not in the HCPCS Level II set."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.suggestions = suggestions or []


def error_body(status: int, code: str, message: str, fields: dict | None = None, **extra) -> dict:
    """The canonical error body."""
    error = {"status": status, "code": code, "message": message}
    if fields:
        error["fields"] = {k: v if isinstance(v, list) else [str(v)] for k, v in _flatten(fields).items()}
    error.update(extra)
    return {"error": error}


def _flatten(messages: dict, prefix: str = "") -> dict:
    """Nested marshmallow messages as {dotted.field: [messages]}."""
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return flat


def respond(status: int, code: str, message: str, fields: dict | None = None, **extra) -> tuple[Response, int]:
    """A Flask JSON error response."""
    return jsonify(error_body(status, code, message, fields, **extra)), status


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into the one JSON shape."""

    @app.errorhandler(ValidationError)
    def _validation(err: ValidationError):
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return respond(400, "invalid_request", "the request has invalid parameters", messages)

    @app.errorhandler(QueryError)
    def _query(err: QueryError):
        return respond(400, "invalid_query", str(err), {"q": [str(err)]})

    @app.errorhandler(NotFound)
    def _not_found(err: NotFound):
        return respond(404, "not_found", str(err), suggestions=err.suggestions)

    @app.errorhandler(IndexUnavailable)
    def _unavailable(err: IndexUnavailable):
        log.warning("index unavailable: %s", err)
        return respond(503, "index_unavailable", "the search index is not available yet")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        name = (err.name or "error").lower().replace(" ", "_")
        body, status = respond(err.code or 500, name, err.description or err.name)
        # Keep the exception's own headers (Allow on 405, for one); the body is ours.
        headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        # HTTP errors are handled above; this is a bug: log it, never show the trace.
        log.exception("unhandled error")
        return respond(500, "internal_error", "an internal error occurred")
