"""The gunicorn worker: sync (search is CPU-bound), with the errors gunicorn answers by itself (a request
line over ``limit_request_line``, malformed headers) in the service's one JSON error shape instead of
gunicorn's HTML page."""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

from .errors import error_body


def write_json_error(sock, status: int, reason: str, message: str) -> None:
    """gunicorn's own error reply, written as our JSON error body."""
    code = reason.lower().replace(" ", "_") or "bad_request"
    body = json.dumps(error_body(status, code, message or reason), separators=(",", ":")).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrorWorker(SyncWorker):
    """gunicorn's sync worker whose protocol errors are JSON."""

    def init_process(self) -> None:
        """Swap gunicorn's HTML error writer for ours in this worker process, then serve."""
        util.write_error = write_json_error
        super().init_process()
