"""Faults: a build killed midway, a missing index, a corrupt index, a corpus that cannot be read."""
from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.build import MANIFEST, BuildError, _swap, build_index, index_exists, live_build
from index.search import CodeIndex
from service import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "codes.jsonl"
REAL_CORPUS = ROOT / "corpus" / "codes.jsonl.gz"


def _build_command(corpus: Path, index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "service", "build-index", "--corpus", str(corpus), "--index", str(index_dir),
            "--quiet"]


def _wait_for(predicate, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _half_written(index_dir: Path, live: Path) -> list[Path]:
    return [f for f in (index_dir / "builds").iterdir() if f != live and not (f / MANIFEST).exists()]


@pytest.mark.skipif(not REAL_CORPUS.is_file(), reason="needs the real corpus")
def test_build_killed_midway_leaves_live_index_and_next_build_cleans_up(tmp_path):
    index_dir = tmp_path / "index"
    good = build_index(FIXTURE, index_dir, progress=False)
    build = subprocess.Popen(_build_command(REAL_CORPUS, index_dir), cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: any(f.iterdir() for f in _half_written(index_dir, live_build(index_dir))))
        time.sleep(0.5)  # well into indexing 9,006 records
        assert build.poll() is None, "the build finished before it could be killed"
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=10)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    half = _half_written(index_dir, live_build(index_dir))
    assert half, "the killed build left nothing behind to clean"
    assert str(live_build(index_dir)) == good["path"]
    assert CodeIndex(index_dir).get("E0601")["code"] == "E0601"
    # The lock died with the process; the next build removes the half-written folder and goes live.
    rebuilt = subprocess.run(_build_command(FIXTURE, index_dir), cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert not any(folder.exists() for folder in half)
    assert live_build(index_dir) != Path(good["path"]) and index_exists(index_dir)
    assert CodeIndex(index_dir).search("cpap").total >= 1


def test_missing_index_is_503_until_one_exists_then_200_without_restart(tmp_path):
    index_dir = tmp_path / "index"
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    for url in ("/readyz", "/v1/search?q=cpap", "/v1/codes/E0601", "/v1/answer?q=what+is+E0601"):
        response = client.get(url)
        assert response.status_code == 503 and response.is_json, url
        assert response.get_json()["error"]["status"] == 503
    build_index(FIXTURE, index_dir, progress=False)
    assert client.get("/readyz").get_json()["record_count"] == 12
    assert client.get("/v1/search?q=cpap").status_code == 200


def _corrupt_copy(live: Path, how: str) -> Path:
    """A copy of a build, manifest and all, whose segment file is damaged."""
    folder = live.parent / f"corrupt-{how}"
    shutil.copytree(live, folder)
    segment = next(folder.glob("*.seg"))
    if how == "truncated":
        segment.write_bytes(segment.read_bytes()[:100])
    elif how == "garbage":
        segment.write_bytes(os.urandom(segment.stat().st_size))
    elif how == "no-toc":
        for toc in folder.glob("*.toc"):
            toc.unlink()
    return folder


@pytest.mark.parametrize("how", ["truncated", "garbage", "no-toc"])
def test_corrupt_index_is_refused_and_the_open_one_kept(tmp_path, caplog, how):
    index_dir = tmp_path / "index"
    build_index(FIXTURE, index_dir, progress=False)
    serving = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    before = serving.get("/readyz").get_json()
    assert serving.get("/v1/search?q=cpap").status_code == 200
    corrupt = _corrupt_copy(live_build(index_dir), how)
    _swap(index_dir, corrupt)
    # A worker that has an index open keeps serving it.
    assert serving.get("/readyz").get_json() == before
    body = serving.get("/v1/search?q=E0601").get_json()
    assert body["results"][0]["code"] == "E0601"
    # A worker with nothing open refuses the corrupt one: JSON 503, and the log names the folder.
    caplog.set_level("WARNING", logger="codesearch")
    fresh = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    response = fresh.get("/v1/search?q=cpap")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "index_unavailable"
    assert fresh.get("/readyz").status_code == 503
    assert any(str(corrupt) in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    # The next good build replaces it; both workers pick it up without a restart.
    build_index(FIXTURE, index_dir, progress=False)
    for client in (serving, fresh):
        assert client.get("/readyz").status_code == 200
        assert client.get("/v1/search?q=E0601").get_json()["results"][0]["code"] == "E0601"


def _bad_corpus(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_cli_build_with_bad_record_exits_nonzero_naming_file_line_field(tmp_path):
    index_dir = tmp_path / "index"
    good = build_index(FIXTURE, index_dir, progress=False)
    lines = FIXTURE.read_text().splitlines()
    record = json.loads(lines[2])
    record["kind"] = "surgery"
    lines[2] = json.dumps(record)
    corpus = _bad_corpus(tmp_path, "codes.jsonl", ("\n".join(lines) + "\n").encode())
    result = subprocess.run(_build_command(corpus, index_dir), cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert f"{corpus}:3: field 'kind'" in result.stderr
    assert "Traceback" not in result.stderr
    assert str(live_build(index_dir)) == good["path"]
    assert _half_written(index_dir, live_build(index_dir)) == []


@pytest.mark.parametrize("name, content, message", [
    ("codes.jsonl.gz", gzip.compress(FIXTURE.read_bytes())[:-200], "corrupt corpus file"),
    ("codes.jsonl.gz", b"not gzip at all", "codes.jsonl.gz: c"),  # "corrupt corpus file" or "cannot read corpus"
    ("codes.jsonl", b"\xff\xfe\x00garbage\n", "corrupt corpus file"),
    ("codes.jsonl", b"[1, 2]\n", "codes.jsonl:1: a record must be a JSON object"),
    ("codes.jsonl", b"\n\n", "holds no records"),
])
def test_unreadable_corpus_fails_the_build_and_keeps_live_index(tmp_path, name, content, message):
    index_dir = tmp_path / "index"
    good = build_index(FIXTURE, index_dir, progress=False)
    corpus = _bad_corpus(tmp_path, name, content)
    with pytest.raises(BuildError, match=re.escape(message)):
        build_index(corpus, index_dir, progress=False)
    assert str(live_build(index_dir)) == good["path"]
    assert _half_written(index_dir, live_build(index_dir)) == []
