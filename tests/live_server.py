"""A real gunicorn server (the production gunicorn.conf.py) on a free local port, for tests and fuzzing."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 10):
    """(status, parsed JSON body or None) of one request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, kind = response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as err:
        status, raw, kind = err.code, err.read(), err.headers.get_content_type()
    return status, json.loads(raw) if kind == "application/json" else None


def _has_control_socket() -> bool:
    """True when this gunicorn has a control socket (and so the --no-control-socket option)."""
    from gunicorn.config import KNOWN_SETTINGS
    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


class LiveServer:
    """gunicorn serving ``index_dir``; use as a context manager so it is always stopped."""

    def __init__(self, index_dir: Path, workers: int = 2, env: dict | None = None):
        self.index_dir = Path(index_dir)
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self._stderr = tempfile.TemporaryFile()

    def __enter__(self) -> "LiveServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 20) -> None:
        """Start gunicorn and wait until every worker has booted and /healthz answers."""
        env = {**os.environ, "CODESEARCH_INDEX_DIR": str(self.index_dir), "CODESEARCH_LOG_LEVEL": "info",
               **self.extra_env}
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
        if _has_control_socket():  # gunicorn >= 24: one per user by default; test servers must not share it
            command.append("--no-control-socket")
        command.append("service.wsgi:app")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=self._stderr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.stderr()}")
            try:
                if fetch(self.url + "/healthz", timeout=1)[0] == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start in {timeout}s:\n{self.stderr()}")

    def worker_pids(self) -> list[int]:
        """Process ids of the master's workers (Linux /proc)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        """Stop gunicorn gracefully (SIGTERM), killing it if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def stderr(self) -> str:
        """Everything gunicorn and the app wrote to stderr so far."""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")
