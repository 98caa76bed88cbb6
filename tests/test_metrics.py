"""Prometheus metrics at /metrics (parsed with prometheus_client's own text parser): requests and latency by
endpoint and status, search-cache hits and misses, the index build served; under gunicorn, every worker's
counts summed (multiprocess mode); and the JSON access log, one line per request, never the query text."""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from index.build import build_index, live_build
from service import create_app

from live_server import ROOT, LiveServer, fetch

FIXTURE = ROOT / "tests" / "data" / "codes.jsonl"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a scrape."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scrape: dict, name: str, **labels) -> float:
    """One sample's value (0 when absent)."""
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client) -> dict:
    """The app's /metrics, parsed."""
    reply = client.get("/metrics")
    assert reply.status_code == 200 and reply.content_type.startswith("text/plain; version=0.0.4")
    return samples(reply.get_data(as_text=True))


def test_requests_are_counted_and_timed_by_endpoint_and_status(client):
    before = scrape(client)
    for url in ("/v1/search?q=cpap", "/v1/search?q=wheelchair", "/v1/search?q=cpap*", "/v1/codes/E0601",
                "/v1/codes/E9999", "/no/such/page"):
        client.get(url)
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    total = "codesearch_http_requests_total"
    assert delta(total, endpoint="/v1/search", method="GET", status="200") == 2
    assert delta(total, endpoint="/v1/search", method="GET", status="400") == 1
    assert delta(total, endpoint="/v1/codes/<path:code>", method="GET", status="200") == 1
    assert delta(total, endpoint="/v1/codes/<path:code>", method="GET", status="404") == 1
    assert delta(total, endpoint="unmatched", method="GET", status="404") == 1
    latency = "codesearch_http_request_duration_seconds"
    assert delta(f"{latency}_count", endpoint="/v1/search", status="200") == 2
    assert delta(f"{latency}_bucket", endpoint="/v1/search", status="200", le="+Inf") == 2
    assert delta(f"{latency}_sum", endpoint="/v1/search", status="200") > 0


def test_label_values_stay_bounded_whatever_the_client_sends(client):
    for path in ("/v1/search/../../etc", "/a" * 50, "/v1/codes/E0601/x"):
        client.get(path)
    client.open("/v1/search?q=cpap", method="BREW")
    scraped = scrape(client)
    endpoints = {dict(labels).get("endpoint") for name, labels in scraped if name == "codesearch_http_requests_total"}
    methods = {dict(labels).get("method") for name, labels in scraped if name == "codesearch_http_requests_total"}
    assert not any(e.startswith("/a/a") or "etc" in e for e in endpoints)
    assert "BREW" not in methods and "other" in methods


def test_search_cache_hits_and_misses(fixture_index):
    for size, expected in ((4096, {"miss": 1, "hit": 2}), (0, {"miss": 3, "hit": 0})):
        client = create_app({"INDEX_DIR": str(fixture_index), "TESTING": True, "SEARCH_CACHE": size}).test_client()
        before = scrape(client)
        for _ in range(3):
            assert client.get("/v1/search?q=oxygen+concentrator").status_code == 200
        after = scrape(client)
        for result, count in expected.items():
            name = "codesearch_search_cache_total"
            assert value(after, name, result=result) - value(before, name, result=result) == count, (size, result)


def test_index_build_id_age_and_record_count(client, fixture_index):
    scraped = scrape(client)
    manifest = json.loads((live_build(fixture_index) / "manifest.json").read_text())
    info = next(labels for (name, labels), v in scraped.items() if name == "codesearch_index_build_info")
    info = dict(info)
    assert info["build_id"] == live_build(fixture_index).name
    assert info["corpus_sha256"] == manifest["corpus_sha256"] and info["schema_version"] == "6"
    assert value(scraped, "codesearch_index_loaded") == 1
    assert value(scraped, "codesearch_index_records") == 12
    assert 0 <= value(scraped, "codesearch_index_age_seconds") < 7 * 24 * 3600


def test_without_an_index_metrics_still_answer_and_say_not_loaded(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    scraped = scrape(client)
    assert value(scraped, "codesearch_index_loaded") == 0
    assert not any(name == "codesearch_index_records" for name, _ in scraped)


@pytest.mark.server
def test_gunicorn_workers_counts_are_summed_and_access_log_is_json_without_query_text(tmp_path):
    build_index(FIXTURE, tmp_path, progress=False)
    queries = ["cpap", "Jaqueline Smithfield oxygen", "wheelchair", "E0601"]
    with LiveServer(tmp_path, workers=2, env={"CODESEARCH_JSON_LOGS": "1"}) as server:
        for i in range(40):
            status, _ = fetch(f"{server.url}/v1/search?" + urllib.parse.urlencode({"q": queries[i % 4]}))
            assert status == 200
        scrapes = []
        for _ in range(6):  # whichever worker answers the scrape, it reports both workers' counts
            with urllib.request.urlopen(server.url + "/metrics", timeout=10) as reply:
                scrapes.append(samples(reply.read().decode()))
        time.sleep(0.2)
        log = server.stderr()
    for scraped in scrapes:
        assert value(scraped, "codesearch_http_requests_total", endpoint="/v1/search", method="GET",
                     status="200") == 40
        hits = value(scraped, "codesearch_search_cache_total", result="hit")
        misses = value(scraped, "codesearch_search_cache_total", result="miss")
        assert hits + misses == 40 and 4 <= misses <= 8  # each worker computes each query once at most
        assert value(scraped, "codesearch_index_records") == 12
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    searches = [line for line in lines if line["path"] == "/v1/search"]
    assert len(searches) == 40
    assert {line["status"] for line in searches} == {200}
    assert all(line["duration_ms"] >= 0 and line["bytes"] > 0 and line["endpoint"] == "/v1/search"
               for line in searches)
    for secret in ("Jaqueline", "Smithfield", "oxygen", "wheelchair", "q="):
        assert secret not in log
