"""The JSON access log (CODESEARCH_JSON_LOGS): one JSON object per request on stderr, with method, path,
endpoint, status, duration and size, never the query string (queries may hold patient details)."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from flask import Response, request

ACCESS = logging.getLogger("codesearch.access")


def _handler() -> logging.Handler:
    """A stderr handler that writes each message as it is: one JSON object per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def record(response: Response, elapsed_ms: float) -> dict:
    """The fields of one access-log line."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "event": "request",
        "method": request.method,
        "path": request.path,
        "endpoint": request.url_rule.rule if request.url_rule is not None else None,
        "status": response.status_code,
        "duration_ms": round(elapsed_ms, 2),
        "bytes": response.calculate_content_length(),
        "pid": os.getpid(),
    }


def write(response: Response, elapsed_ms: float) -> None:
    """Log one request as a JSON line (the handler is set up on first use, in the worker)."""
    if not ACCESS.handlers:
        ACCESS.addHandler(_handler())
        ACCESS.setLevel(logging.INFO)
        ACCESS.propagate = False  # not also through gunicorn's plain-text error log
    ACCESS.info(json.dumps(record(response, elapsed_ms), separators=(",", ":")))
