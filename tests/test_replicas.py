"""The production server under operations: SIGTERM lets in-flight requests finish under load; URLs up to
8 KB reach the app and longer ones get the JSON error shape; and three replicas behind Debian's HAProxy
(deploy/haproxy.cfg, scripts/replicas.py) take a new index artifact one at a time under load with no
failed request, every replica serving the new build at the end."""
from __future__ import annotations

import http.client
import importlib.util
import json
import signal
import socket
import time
from pathlib import Path

import pytest

from index.artifact import read_header, write_artifact
from index.build import build_index, live_build

from live_server import ROOT, LiveServer

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")]

NEW_WORD = "zanzibarite"  # only in the second artifact's corpus


def _replicas_module():
    """scripts/replicas.py as a module."""
    spec = importlib.util.spec_from_file_location("replicas", ROOT / "scripts" / "replicas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


replicas = _replicas_module()


def _raw_get(port: int, target: str, headers: str = "") -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET written byte for byte (no client-side URL checks)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode("latin-1"))
        reply = http.client.HTTPResponse(sock)
        reply.begin()
        return reply.status, reply.getheader("Content-Type", ""), reply.read()


def _modified_corpus(tmp_path: Path) -> Path:
    """The fixture corpus with a new word in E0601's long descriptor."""
    lines = []
    for line in (ROOT / "tests" / "data" / "codes.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["code"] == "E0601":
            record["long_description"] += f" ({NEW_WORD})"
        lines.append(json.dumps(record))
    target = tmp_path / "codes.jsonl"
    target.write_text("\n".join(lines) + "\n")
    return target


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> tuple[Path, Path]:
    """Two artifacts: the fixture corpus, then the same with a new word."""
    folder = tmp_path_factory.mktemp("artifacts")
    made = []
    for name, corpus in (("v1", ROOT / "tests" / "data" / "codes.jsonl"), ("v2", _modified_corpus(folder))):
        build_index(corpus, folder / name, progress=False)
        write_artifact(live_build(folder / name), folder / f"{name}.tar.gz")
        made.append(folder / f"{name}.tar.gz")
    return made[0], made[1]


# -- one server: long URLs and a graceful stop -------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_server(tmp_path_factory):
    """gunicorn (production config, one worker) on the fixture index."""
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ROOT / "tests" / "data" / "codes.jsonl", index_dir, progress=False)
    with LiveServer(index_dir, workers=1) as server:
        yield server


@pytest.mark.parametrize("length", [6000, 8000])
def test_a_long_query_reaches_the_app_and_gets_the_json_400(fixture_server, length):
    status, kind, body = _raw_get(fixture_server.port, "/v1/search?q=" + "a" * length)
    assert status == 400 and kind == "application/json"
    assert json.loads(body)["error"]["fields"]["q"] == ["must be at most 512 characters"]


@pytest.mark.parametrize("target, headers, status, code", [
    ("/v1/search?q=" + "a" * 20000, "", 414, "uri_too_long"),
    ("/v1/search?q=cpap", "Bad Header: x\r\n", 400, "bad_request"),
])
def test_what_gunicorn_refuses_itself_is_json_too(fixture_server, target, headers, status, code):
    got, kind, body = _raw_get(fixture_server.port, target, headers)
    assert (got, kind) == (status, "application/json")
    error = json.loads(body)["error"]
    assert error["status"] == status and error["code"] == code and error["message"]


def _held_by_a_worker(server: LiveServer, client: socket.socket) -> bool:
    """True when a worker has accepted ``client``'s connection (owns the server-side socket)."""
    local_port = client.getsockname()[1]
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":"), fields[2].split(":")
        if int(local[1], 16) == server.port and int(remote[1], 16) == local_port:
            inodes.add(fields[9])
    for pid in server.worker_pids():
        try:
            links = {p.readlink().name for p in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes if inode != "0"):
            return True
    return False


def test_sigterm_lets_in_flight_requests_finish_under_load(tmp_path):
    build_index(ROOT / "tests" / "data" / "codes.jsonl", tmp_path, progress=False)
    with LiveServer(tmp_path, workers=3) as server:
        # Two requests in flight: each worker holding one has read half of it when SIGTERM comes.
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
        for sock in held:
            sock.sendall(b"GET /v1/search?q=cpap HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        replicas.wait_for(lambda: all(_held_by_a_worker(server, s) for s in held), "requests accepted", 10)
        with replicas.Load(server.url, threads=2, limit=5000) as load:  # the third worker serves this
            replicas.wait_for(lambda: len(load.outcomes) >= 30, "load running", 20)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert server.process.poll() is None, "the master must wait for the requests in flight"
            replies = []
            for sock in held:
                sock.sendall(b"\r\n")
                reply = http.client.HTTPResponse(sock)
                reply.begin()
                replies.append((reply.status, json.loads(reply.read())))
                sock.close()
            exit_code = server.process.wait(timeout=15)
        outcomes = list(load.outcomes)
    assert exit_code == 0
    for status, body in replies:
        assert status == 200 and body["results"][0]["code"] == "E0601"
    answered = [o for _, o in outcomes if isinstance(o, int)]
    assert answered.count(200) >= 30 and set(answered) == {200}, outcomes[-10:]
    # Requests sent after the stop began are refused or reset before any reply; none is cut midway.
    assert not [o for _, o in outcomes if "IncompleteRead" in str(o)]


# -- three replicas behind HAProxy --------------------------------------------------------------------
def _found_new_word(url: str) -> bool:
    status, body, _ = replicas.get(f"{url}/v1/search?q={NEW_WORD}")
    return status == 200 and [r["code"] for r in json.loads(body)["results"]][:1] == ["E0601"]


def _build_id(url: str) -> str:
    """The build id a server's /metrics reports."""
    from prometheus_client.parser import text_string_to_metric_families
    text = replicas.get(url + "/metrics")[1].decode()
    family = next(f for f in text_string_to_metric_families(text) if f.name == "codesearch_index_build_info")
    return family.samples[0].labels["build_id"]


def test_rolling_a_new_artifact_across_three_replicas_under_load_fails_no_request(tmp_path, artifacts):
    if replicas.haproxy_binary() is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy; scripts/test.sh installs it as root)")
    old, new = artifacts
    with replicas.Cluster(tmp_path) as cluster:
        cluster.start(old)
        balancer = cluster.balancer.url
        assert not _found_new_word(balancer)
        old_tag = replicas.get(balancer + "/v1/search?q=cpap")[2]["ETag"]
        with replicas.Load(balancer, threads=4, limit=50000) as load:
            replicas.wait_for(lambda: len(load.outcomes) >= 50, "load running", 20)
            cluster.roll(new)
            time.sleep(0.5)
        failures = load.failures()
        assert len(load.outcomes) > 300 and not failures, (failures[:5], cluster.log)
        header = read_header(new)
        for replica in cluster.replicas:
            assert replica.serves(header) and _build_id(replica.url) == header["build_id"]
            assert cluster.balancer.status(replica.name) == "UP"
        assert all(_found_new_word(balancer) for _ in range(6))
        tags = {replicas.get(balancer + "/v1/search?q=cpap")[2]["ETag"] for _ in range(6)}
        assert len(tags) == 1 and old_tag not in tags  # one build, one URL: one ETag on every replica
        status, kind, body = _raw_get(cluster.balancer.port, "/v1/search?q=" + "a" * 6000)
        assert (status, kind) == (400, "application/json") and json.loads(body)["error"]["fields"]["q"]
        status, kind, body = _raw_get(cluster.balancer.port, "/v1/search?q=" + "a" * 20000)
        assert (status, kind) == (414, "application/json") and json.loads(body)["error"]["code"] == "uri_too_long"
    assert all("old server exited 0" in line for line in cluster.log), cluster.log
    print("\n".join(cluster.log), f"\n{len(load.outcomes)} requests")
