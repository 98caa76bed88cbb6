"""A worker releases the old index when a new one is open: after any number of rebuilds it holds no
deleted index file open and stays near the memory it had after a fresh start."""

from __future__ import annotations

import gzip
import itertools
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from index.build import build_index
from tests.conftest import REAL_CORPUS
from tests.live_server import LiveServer, fetch

QUERIES = [
    "wheelchair",
    "oxygen concentrator",
    "walker",
    "knee brace",
    "insulin",
    "cpap mask",
    "catheter",
    "dressing",
    "glucose",
    "ambulance",
    "j1100",
    "E01",
    "hospital bed",
    "nebulizer",
    "brace",
]
RECORDS = 2500  # a corpus large enough for leaks to show, small enough to rebuild quickly


def _corpus(tmp_path: Path) -> Path:
    """The first RECORDS records of the real corpus, with its vocabulary."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    with gzip.open(REAL_CORPUS / "codes.jsonl.gz", "rt", encoding="utf-8") as source:
        (folder / "codes.jsonl").write_text("".join(itertools.islice(source, RECORDS)), encoding="utf-8")
    (folder / "vocabulary.json").write_bytes((REAL_CORPUS / "vocabulary.json").read_bytes())
    return folder / "codes.jsonl"


def _rss_kb(pid: int) -> int:
    """Resident memory of a process (VmRSS, kB)."""
    return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))


def _deleted_index_files(pid: int) -> list[str]:
    """Index files the process still holds open after they were deleted."""
    found = []
    for link in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(link.readlink())
        except OSError:
            continue
        if "(deleted)" in target and "builds" in target:
            found.append(target)
    return found


def _run_queries(server: LiveServer) -> None:
    """The same queries every time (uncached: the worker ranks each)."""
    for query in QUERIES:
        assert fetch(f"{server.url}/v1/search?q={quote(query)}&limit=10")[0] == 200


def test_five_swaps_keep_a_worker_near_its_fresh_size(tmp_path):
    corpus, index_dir = _corpus(tmp_path), tmp_path / "index"
    build_index(corpus, index_dir, progress=False)
    with LiveServer(index_dir, workers=1, env={"CODESEARCH_SEARCH_CACHE": "0"}) as server:
        (pid,) = server.worker_pids()
        _run_queries(server)
        _run_queries(server)
        fresh = _rss_kb(pid)
        sizes = []
        for _ in range(5):
            build_index(corpus, index_dir, progress=False)
            _run_queries(server)
            sizes.append(_rss_kb(pid))
        assert server.worker_pids() == [pid]  # the same worker served every build
        assert not _deleted_index_files(pid), "an old index is still open after the swaps"
    assert max(sizes) <= fresh * 1.10, f"fresh {fresh} kB, after each swap {sizes} kB"


pytestmark = pytest.mark.server
