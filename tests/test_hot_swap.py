"""Hot swap under load with the real server: `codesearch build-index` against the live index of a running
gunicorn (production config, 2 workers) makes every worker serve the new build, with no failed request,
and no query text reaches the server's log."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from index.build import build_index, live_build

from live_server import ROOT, LiveServer, fetch

pytestmark = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")

NEW_WORD = "zanzibarite"        # appears only in the rebuilt corpus
PATIENT = "Jaqueline Smithfield"  # stands for patient details typed into a query
QUERIES = ["cpap", "E014", "leak anastomosis", f"{PATIENT} diabetic cpap", "ambulance", "g9306"]


def _modified_corpus(tmp_path: Path) -> Path:
    """A copy of the fixture corpus where E0601's long descriptor gains a new word."""
    source = ROOT / "tests" / "data"
    target = tmp_path / "corpus-v2"
    target.mkdir()
    lines = []
    for line in (source / "codes.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["code"] == "E0601":
            record["long_description"] += f" ({NEW_WORD})"
        lines.append(json.dumps(record))
    (target / "codes.jsonl").write_text("\n".join(lines) + "\n")
    (target / "vocabulary.json").write_text((source / "vocabulary.json").read_text())
    return target / "codes.jsonl"


class Load:
    """Threads sending searches, answers and readiness probes until stopped; every answer is kept."""

    def __init__(self, url: str, threads: int = 4):
        self.url = url
        self.stop = threading.Event()
        self.outcomes: list[tuple[str, object]] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _one(self, n: int, i: int):
        query = QUERIES[(n + i) % len(QUERIES)]
        if i % 5 == 4:
            body = json.dumps({"question": f"what is E0601 for {PATIENT}"}).encode()
            return fetch(self.url + "/v1/answer", body, {"Content-Type": "application/json"})[0]
        if i % 7 == 6:
            return fetch(self.url + "/readyz")[0]
        return fetch(self.url + "/v1/search?" + urllib.parse.urlencode({"q": query}))[0]

    def _run(self, n: int) -> None:
        i = 0
        while not self.stop.is_set():
            try:
                outcome = self._one(n, i)
            except Exception as err:  # a refused or dropped connection is a failed request too
                outcome = repr(err)
            with self.lock:
                self.outcomes.append((QUERIES[(n + i) % len(QUERIES)], outcome))
            i += 1

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)


def _serves(server: LiveServer, folder: Path) -> list[int]:
    """Workers that have ``folder``'s segment files mapped (Whoosh memory-maps them)."""
    serving = []
    for pid in server.worker_pids():
        try:
            if str(folder) in Path(f"/proc/{pid}/maps").read_text():
                serving.append(pid)
        except OSError:
            pass
    return serving


def _new_word_found(server: LiveServer) -> bool:
    status, body = fetch(f"{server.url}/v1/search?q={NEW_WORD}")
    return status == 200 and [r["code"] for r in body["results"]][:1] == ["E0601"]


def test_rebuild_under_load_is_served_by_every_worker_without_a_failed_request(tmp_path):
    index_dir = tmp_path / "index"
    build_index(ROOT / "tests" / "data" / "codes.jsonl", index_dir, progress=False)
    old_build = live_build(index_dir)
    corpus_v2 = _modified_corpus(tmp_path)
    with LiveServer(index_dir, workers=2) as server:
        old_sha = fetch(server.url + "/readyz")[1]["corpus_sha256"]
        assert not _new_word_found(server)
        with Load(server.url) as load:
            time.sleep(1.0)
            rebuild = subprocess.run(
                [sys.executable, "-m", "service", "build-index", "--corpus", str(corpus_v2),
                 "--index", str(index_dir), "--quiet"],
                cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert rebuild.returncode == 0, rebuild.stderr
            swapped = time.monotonic()
            new_build = live_build(index_dir)
            assert new_build != old_build
            # Every worker serves the new build within a few seconds (the load keeps both busy).
            while len(_serves(server, new_build)) < 2 and time.monotonic() - swapped < 5:
                time.sleep(0.1)
            caught_up = time.monotonic() - swapped
            time.sleep(0.5)
        assert sorted(_serves(server, new_build)) == sorted(server.worker_pids()), f"after {caught_up:.1f}s"
        failures = [o for o in load.outcomes if o[1] != 200]
        assert len(load.outcomes) > 50 and not failures, (failures[:5], server.stderr()[-3000:])
        for _ in range(10):  # whichever worker answers, it is the new build
            assert fetch(server.url + "/readyz")[1]["corpus_sha256"] != old_sha
            assert _new_word_found(server)
        log = server.stderr()
    assert "path=/v1/search status=200" in log and "path=/v1/answer status=200" in log
    for secret in ("Jaqueline", "Smithfield", "diabetic", NEW_WORD, "leak", "anastomosis"):
        assert secret not in log, f"query text {secret!r} in the server log"


def test_readiness_turns_green_when_an_index_appears_without_restart(tmp_path):
    index_dir = tmp_path / "index"
    with LiveServer(index_dir, workers=2) as server:
        for _ in range(4):
            status, body = fetch(server.url + "/readyz")
            assert status == 503 and body["error"]["code"] == "not_ready"
        assert fetch(server.url + "/v1/search?q=cpap")[0] == 503
        build_index(ROOT / "tests" / "data" / "codes.jsonl", index_dir, progress=False)
        for _ in range(6):  # both workers, no restart
            status, body = fetch(server.url + "/readyz")
            assert status == 200 and body["record_count"] == 12, server.stderr()[-3000:]
