#!/usr/bin/env python3
"""Replicas behind a real balancer: three codesearch servers on 127.0.0.1 behind Debian's HAProxy
(deploy/haproxy.cfg, health check GET /readyz), each serving its own copy of one index artifact, and a
rolling install of a new artifact, one replica at a time.

    python scripts/replicas.py ARTIFACT                       # serve on 127.0.0.1:8080 until Ctrl-C
    python scripts/replicas.py ARTIFACT --roll NEW_ARTIFACT   # roll NEW_ARTIFACT across under load, stop

Make an artifact with ``codesearch build-index --artifact FILE``. A roll takes each replica in turn out of
the balancer (drain: no new requests; wait until it holds none), stops it (SIGTERM: gunicorn finishes
what it holds), installs the artifact (as ``codesearch install-index`` does), starts it, waits until its own
/readyz reports the new build, and puts it back once the balancer's /readyz checks pass. Needs haproxy
(``apt-get install haproxy``; scripts/test.sh installs it). Everything listens on 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.artifact import install_artifact, read_header  # noqa: E402

HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
HOST = "127.0.0.1"
BACKEND = "replicas"
LOAD_PATHS = ("/v1/search?q=cpap", "/v1/codes/E0601", "/api/hcpcs/v3/search?terms=wheelch",
              "/v1/answer?q=what+is+E0601", "/v1/search?q=E014", "/readyz")


def haproxy_binary() -> str | None:
    """The haproxy executable (Debian puts it in /usr/sbin, which may not be on PATH), or None."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10) -> tuple[int, bytes, Message]:
    """(status, body, headers: any case) of one GET; HTTP errors are answers, not exceptions."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read(), reply.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def wait_for(check, what: str, timeout: float, interval: float = 0.1):
    """Poll ``check`` until it returns something true; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:.0f}s")


class Replica:
    """One gunicorn server (production config) on its own port with its own index directory."""

    def __init__(self, name: str, folder: Path, workers: int):
        self.name, self.folder, self.workers = name, folder, workers
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.index_dir = folder / "index"
        self.process: subprocess.Popen | None = None

    def install(self, artifact: Path) -> dict:
        """Install an artifact into this replica's index directory (what ``codesearch install-index`` does)."""
        return install_artifact(artifact, self.index_dir)

    def start(self) -> None:
        """Start gunicorn (its own metrics folder, its log in the replica's folder)."""
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(CODESEARCH_INDEX_DIR=str(self.index_dir), CODESEARCH_WORKERS=str(self.workers))
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                   "--bind", f"{HOST}:{self.port}", "service.wsgi:app"]
        with open(self.folder / "gunicorn.log", "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log,
                                            start_new_session=True)

    def ready(self) -> dict | None:
        """The body of this replica's own /readyz when it answers 200, else None."""
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"{self.name} is not running; see {self.folder / 'gunicorn.log'}")
        try:
            status, body, _ = get(self.url + "/readyz", timeout=2)
        except OSError:
            return None
        return json.loads(body) if status == 200 else None

    def serves(self, header: dict) -> bool:
        """True when /readyz reports the build an artifact holds."""
        body = self.ready()
        return bool(body) and (body["built_at"], body["corpus_sha256"]) == (header["built_at"],
                                                                             header["corpus_sha256"])

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM (gunicorn drains what it holds), SIGKILL if it lingers; the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=5)


class Balancer:
    """HAProxy with deploy/haproxy.cfg, driven through its runtime API socket."""

    def __init__(self, folder: Path, replicas: list[Replica], port: int | None = None):
        self.folder, self.replicas = folder, replicas
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.socket = folder / "haproxy.sock"
        if len(str(self.socket)) > 100:  # a Unix socket path holds at most 107 bytes
            self.socket = Path(tempfile.mkdtemp(prefix="codesearch-lb-")) / "haproxy.sock"
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        """The variables deploy/haproxy.cfg reads."""
        env = dict(os.environ, CODESEARCH_LB_BIND=f"{HOST}:{self.port}", CODESEARCH_LB_SOCKET=str(self.socket),
                   CODESEARCH_REPLICA_CONNS=str(self.replicas[0].workers))
        for number, replica in enumerate(self.replicas, start=1):
            env[f"CODESEARCH_REPLICA_{number}"] = f"{HOST}:{replica.port}"
        return env

    def start(self) -> None:
        """Start haproxy in the foreground (-db) and wait for its socket."""
        binary = haproxy_binary()
        if binary is None:
            raise RuntimeError("haproxy is not installed (apt-get install haproxy)")
        with open(self.folder / "haproxy.log", "ab") as log:
            self.process = subprocess.Popen([binary, "-f", str(HAPROXY_CONFIG), "-db"], env=self.environment(),
                                            stdout=log, stderr=log, start_new_session=True)
        wait_for(lambda: self.socket.exists() or self.process.poll() is not None, "haproxy socket", 10)
        if self.process.poll() is not None:
            raise RuntimeError(f"haproxy exited: {(self.folder / 'haproxy.log').read_text()[-2000:]}")

    def command(self, line: str) -> str:
        """One runtime API command and its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict]:
        """The backend's servers as HAProxy reports them (status, current and queued requests)."""
        lines = self.command("show stat").splitlines()
        fields = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(fields, line.split(","))) for line in lines[1:] if line]
        return {r["svname"]: r for r in rows if r["pxname"] == BACKEND and r["svname"] != "BACKEND"}

    def status(self, name: str) -> str:
        """UP, DOWN, DRAIN, MAINT, or a transition such as 'UP 1/2'."""
        return self.servers()[name]["status"]

    def drain(self, name: str, timeout: float = 20) -> None:
        """Send a replica no new requests, and wait until it holds none."""
        self.command(f"set server {BACKEND}/{name} state drain")
        wait_for(lambda: self.servers()[name]["scur"] == "0", f"{name} drained", timeout, 0.05)

    def enable(self, name: str, timeout: float = 20) -> None:
        """Put a replica back, and wait until HAProxy's health checks have it UP."""
        self.command(f"set server {BACKEND}/{name} state ready")
        wait_for(lambda: self.status(name) == "UP", f"{name} UP in haproxy", timeout, 0.05)

    def stop(self) -> None:
        """Stop haproxy (and remove a socket folder of its own)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.socket.parent.name.startswith("codesearch-lb-"):
            shutil.rmtree(self.socket.parent, ignore_errors=True)


class Cluster:
    """Replicas of one artifact behind HAProxy, in a work folder; a context manager that stops all."""

    def __init__(self, folder: Path, replicas: int = 3, workers: int = 1, port: int | None = None):
        if replicas != 3:
            raise ValueError("deploy/haproxy.cfg names three replicas")
        self.folder = folder
        self.replicas = [Replica(f"r{n}", folder / f"r{n}", workers) for n in range(1, replicas + 1)]
        self.balancer = Balancer(folder, self.replicas, port)
        self.log: list[str] = []

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, artifact: Path, timeout: float = 60) -> None:
        """Install ``artifact`` on every replica, start them and the balancer, wait until all are UP."""
        header = read_header(artifact)
        for replica in self.replicas:
            replica.folder.mkdir(parents=True, exist_ok=True)
            replica.install(artifact)
            replica.start()
        for replica in self.replicas:
            wait_for(lambda r=replica: r.serves(header), f"{replica.name} ready", timeout)
        self.balancer.start()
        for replica in self.replicas:
            wait_for(lambda r=replica: self.balancer.status(r.name) == "UP", f"{replica.name} UP", timeout, 0.05)

    def roll(self, artifact: Path, timeout: float = 60) -> None:
        """Install ``artifact`` on one replica at a time: drain, stop, install, start, ready, enable."""
        header = read_header(artifact)
        for replica in self.replicas:
            marks = [time.monotonic()]
            self.balancer.drain(replica.name)
            marks.append(time.monotonic())
            code = replica.stop()
            marks.append(time.monotonic())
            replica.install(artifact)
            marks.append(time.monotonic())
            replica.start()
            wait_for(lambda r=replica: r.serves(header), f"{replica.name} ready", timeout)
            marks.append(time.monotonic())
            self.balancer.enable(replica.name)
            marks.append(time.monotonic())
            steps = ", ".join(f"{step} {b - a:.1f}s" for step, a, b in
                              zip(("drain", "stop", "install", "start", "enable"), marks, marks[1:]))
            self.log.append(f"{replica.name}: build {header['build_id']} ({steps}; old server exited {code})")

    def stop(self) -> None:
        """Stop the balancer, then every replica."""
        self.balancer.stop()
        for replica in self.replicas:
            replica.stop()


class Load:
    """Threads sending GETs through the balancer until stopped or ``limit`` requests; every outcome kept."""

    def __init__(self, url: str, threads: int = 4, limit: int = 20000, paths: tuple[str, ...] = LOAD_PATHS):
        self.url, self.paths, self.limit = url, paths, limit
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.outcomes: list[tuple[str, object]] = []
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _one(self, path: str) -> object:
        """The status of one request, or the error that stopped it."""
        try:
            return get(self.url + path)[0]
        except Exception as err:  # a refused or dropped connection is a failed request too
            return repr(err)

    def _run(self, n: int) -> None:
        i = n
        while not self.stop_event.is_set():
            with self.lock:
                if len(self.outcomes) >= self.limit:
                    return
            path = self.paths[i % len(self.paths)]
            outcome = self._one(path)
            with self.lock:
                self.outcomes.append((path, outcome))
            i += 1

    def failures(self) -> list[tuple[str, object]]:
        """Every request that did not get a 200."""
        with self.lock:
            return [o for o in self.outcomes if o[1] != 200]

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)


def main(argv: list[str] | None = None) -> int:
    """Serve an artifact on three replicas behind HAProxy; optionally roll another across under load."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifact", type=Path)
    parser.add_argument("--roll", type=Path, metavar="NEW_ARTIFACT", help="roll this artifact across, then stop")
    parser.add_argument("--port", type=int, default=8080, help="the balancer's port on 127.0.0.1")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per replica")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the replicas and haproxy on the way out
    if haproxy_binary() is None:
        print("haproxy is not installed: apt-get install -y haproxy (scripts/test.sh does it)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="codesearch-replicas-") as tmp, \
            Cluster(Path(tmp), workers=args.workers, port=args.port) as cluster:
        cluster.start(args.artifact)
        print(f"balancer {cluster.balancer.url} -> " + ", ".join(r.url for r in cluster.replicas), flush=True)
        if args.roll is None:
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
            return 0
        with Load(cluster.balancer.url) as load:
            time.sleep(1.0)
            cluster.roll(args.roll)
            time.sleep(1.0)
        print("\n".join(cluster.log))
        failures = load.failures()
        print(f"{len(load.outcomes)} requests during the roll, {len(failures)} failed {failures[:5]}")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
