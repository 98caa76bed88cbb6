"""The benchmark helpers: the percentile used by scripts/bench_search.py, and the hello route's gating."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from service import create_app

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_search.py"


def _bench_search():
    """scripts/bench_search.py as a module."""
    spec = importlib.util.spec_from_file_location("bench_search", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("values, pct, expected", [
    ([5.0], 99, 5.0),
    ([1, 2, 3, 4], 0, 1),
    ([1, 2, 3, 4], 100, 4),
    ([1, 2, 3, 4], 50, 2.5),
    ([4, 1, 3, 2], 50, 2.5),  # order does not matter
    (list(range(1, 101)), 99, 99.01),
    (list(range(1, 101)), 95, 95.05),
])
def test_percentile_interpolates_between_closest_ranks(values, pct, expected):
    assert _bench_search().percentile(values, pct) == pytest.approx(expected)


def test_percentile_of_nothing_is_nan():
    assert _bench_search().percentile([], 50) != _bench_search().percentile([], 50)


def test_hello_route_absent_by_default(fixture_index, monkeypatch):
    monkeypatch.delenv("CODESEARCH_BENCH_ROUTES", raising=False)
    client = create_app({"INDEX_DIR": str(fixture_index), "TESTING": True}).test_client()
    reply = client.get("/bench/hello")
    assert reply.status_code == 404
    assert reply.get_json()["error"]["status"] == 404


@pytest.mark.parametrize("config, env", [({"BENCH_ROUTES": True}, None), ({}, "1")])
def test_hello_route_present_when_enabled(fixture_index, monkeypatch, config, env):
    if env is None:
        monkeypatch.delenv("CODESEARCH_BENCH_ROUTES", raising=False)
    else:
        monkeypatch.setenv("CODESEARCH_BENCH_ROUTES", env)
    client = create_app({"INDEX_DIR": str(fixture_index), "TESTING": True, **config}).test_client()
    reply = client.get("/bench/hello")
    assert reply.status_code == 200
    assert reply.get_json() == {"hello": "world"}


def test_bench_routes_false_in_config_wins_over_environment(fixture_index, monkeypatch):
    monkeypatch.setenv("CODESEARCH_BENCH_ROUTES", "1")
    client = create_app({"INDEX_DIR": str(fixture_index), "TESTING": True, "BENCH_ROUTES": False}).test_client()
    assert client.get("/bench/hello").status_code == 404


def test_eval_typing_cuts_the_last_word_and_skips_short_ones_and_codes():
    spec = importlib.util.spec_from_file_location("eval_search", SCRIPT.parent / "eval_search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = [{"query": "oxygen concentrator", "relevant": ["E1390"], "kind": "abbrev"},
            {"query": "cpap mask", "relevant": ["A7030"], "kind": "lay"},  # "mask": too short to cut to 3
            {"query": "j 1100", "relevant": ["J1100"], "kind": "code"}]
    cut = module.typed_so_far(rows, 3)
    assert cut == [{"query": "oxygen con", "relevant": ["E1390"], "kind": "abbrev"}]
