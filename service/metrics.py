"""Prometheus metrics at ``GET /metrics``: requests and latency by endpoint and status, search-cache hits
and misses, and the index build this worker serves (id, age, record count).

Under gunicorn every worker is its own process: prometheus_client's multiprocess mode has each worker
write its counters to files in ``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py sets it before the app
loads) and sums them when scraped. Without that variable (the Flask test client) the metrics live in
this process. The index figures are read at scrape time from the build the scraped worker serves.
"""

from __future__ import annotations

import os
import time
import weakref
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

from index.artifact import build_id, code_version
from index.search import IndexUnavailable

from .resources import get_index

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# The classic text format, which every Prometheus version reads (generate_latest writes it for our names).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})  # others: "other"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "codesearch_http_requests",
    "HTTP requests answered, by endpoint (URL rule), method and status",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "codesearch_http_request_duration_seconds",
    "Time to answer an HTTP request, in seconds",
    ["endpoint", "status"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_CACHE = Counter(
    "codesearch_search_cache", "Searches answered from a worker's result cache (hit) or computed (miss)", ["result"]
)


@lru_cache(maxsize=4096)
def _request_series(endpoint: str, method: str, status: str) -> tuple:
    """The request counter and latency histogram of one (endpoint, method, status), looked up once."""
    return REQUESTS.labels(endpoint, method, status), LATENCY.labels(endpoint, status)


@lru_cache(maxsize=2)
def _cache_series(result: str):
    """The cache counter of 'hit' or 'miss', looked up once."""
    return SEARCH_CACHE.labels(result)


def _endpoint() -> str:
    """The URL rule that matched (bounded label values: never the raw path)."""
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def _built_age(manifest: dict) -> float:
    """Seconds since the build was made."""
    built = datetime.fromisoformat(str(manifest["built_at"]))
    if built.tzinfo is None:
        built = built.replace(tzinfo=UTC)
    return max(0.0, time.time() - built.timestamp())


class IndexCollector:
    """The index figures of the worker that is scraped, read when scraped."""

    def collect(self):
        """Loaded (0/1), and with an index: its build, age and record count."""
        try:
            manifest = get_index().manifest()
        except IndexUnavailable:
            yield GaugeMetricFamily("codesearch_index_loaded", "1 when an index is loaded", value=0)
            return
        yield GaugeMetricFamily("codesearch_index_loaded", "1 when an index is loaded", value=1)
        info = InfoMetricFamily("codesearch_index_build", "The index build served and the code serving it")
        info.add_metric(
            [],
            {
                "build_id": build_id(manifest),
                "built_at": str(manifest.get("built_at")),
                "corpus_sha256": str(manifest.get("corpus_sha256")),
                "schema_version": str(manifest.get("schema_version")),
                "code_version": code_version(),
            },
        )
        yield info
        yield GaugeMetricFamily(
            "codesearch_index_records", "Code records in the index served", value=manifest.get("record_count", 0)
        )
        yield GaugeMetricFamily(
            "codesearch_index_age_seconds", "Seconds since the index served was built", value=_built_age(manifest)
        )


def exposition() -> bytes:
    """Every metric in the Prometheus text format: all workers' counters, this worker's index."""
    if os.environ.get(MULTIPROCESS_DIR):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    index = CollectorRegistry(auto_describe=False)
    index.register(IndexCollector())
    return generate_latest(counters) + generate_latest(index)


def count_cache(index) -> None:
    """Count the result-cache hits and misses of ``index.search``: a cached result is the very object
    an earlier call returned; a computed one is new."""
    search = index.search
    returned: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

    def counted(*args, **kwargs):
        result = search(*args, **kwargs)
        try:
            hit = returned.get(id(result)) is result
            if not hit:
                returned[id(result)] = result
        except TypeError:  # a result without weak references is not counted; the search still answers
            return result
        _cache_series("hit" if hit else "miss").inc()
        return result

    index.search = counted


def clear_stale_files() -> None:
    """Remove the metric files of earlier servers from the multiprocess folder (gunicorn start)."""
    folder = os.environ.get(MULTIPROCESS_DIR)
    if folder and Path(folder).is_dir():
        for stale in Path(folder).glob("*.db"):
            stale.unlink(missing_ok=True)


def mark_process_dead(pid: int) -> None:
    """Forget a dead worker's live gauges (gunicorn child_exit)."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)


def init_app(app: Flask) -> None:
    """Time and count every request, count the search cache, serve ``GET /metrics``."""
    count_cache(app.extensions["codesearch.index"])

    @app.before_request
    def _start():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("metrics_started", time.perf_counter())
        method = request.method if request.method in METHODS else "other"  # label values stay bounded
        requests, latency = _request_series(_endpoint(), method, str(response.status_code))
        requests.inc()
        latency.observe(elapsed)
        return response

    app.add_url_rule("/metrics", "metrics", metrics)


def metrics() -> Response:
    """The Prometheus scrape."""
    return Response(exposition(), content_type=CONTENT_TYPE)
