"""HTTP caching of the read-only GETs (search, code, answer, CTSS): ``Cache-Control``, an ``ETag`` from
the index build and the URL, and ``304 Not Modified`` for a matching ``If-None-Match``.

A reply depends only on the index build, this code and the URL asked (host included: answers link to
pages on the host the request came to), so one build answers a URL the same way on every replica and a
CDN or browser may keep it until ``max-age`` runs out, then revalidate. Errors carry no caching headers.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, g, request

from index.artifact import build_id, code_version
from index.search import IndexUnavailable

from .resources import get_index

CACHEABLE = frozenset({"api.search", "api.code_page", "api.answer_get", "ctss.search"})


_build_key: tuple[dict, str] | None = None  # (manifest, its key): a build changes rarely, requests often


def build_key(manifest: dict) -> str:
    """What identifies the bytes a build serves: build id, corpus, build time, schema, code version."""
    global _build_key
    known = _build_key
    if known is None or known[0] is not manifest:
        parts = [
            build_id(manifest),
            manifest.get("corpus_sha256", ""),
            str(manifest.get("built_at", "")),
            str(manifest.get("schema_version", "")),
            code_version(),
        ]
        known = _build_key = (manifest, "\n".join(parts))
    return known[1]


def etag(manifest: dict, url: str) -> str:
    """The entity tag of ``url`` served from the build ``manifest`` describes, by this code."""
    return hashlib.sha256(f"{build_key(manifest)}\n{url}".encode()).hexdigest()[:32]


def _cacheable() -> bool:
    """True for a GET (or HEAD) of one of the cacheable endpoints."""
    return request.method in ("GET", "HEAD") and request.endpoint in CACHEABLE


def _request_etag() -> str | None:
    """This request's entity tag, from the build this worker serves now (None without an index)."""
    try:
        manifest = get_index().manifest()
    except IndexUnavailable:
        return None
    environ = request.environ  # the raw URL asked: cheaper than werkzeug's parsed properties
    url = (
        f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
    )
    return etag(manifest, url)


def _set_headers(response: Response, tag: str, cache_control: str) -> Response:
    """ETag and Cache-Control on a reply."""
    response.headers["ETag"] = f'"{tag}"'
    response.headers["Cache-Control"] = cache_control
    return response


def init_app(app: Flask) -> None:
    """Answer a matching If-None-Match with 304 before any work, and tag successful replies."""
    cache_control = f"public, max-age={int(app.config['CACHE_MAX_AGE'])}"

    @app.before_request
    def _not_modified():
        if not _cacheable():
            return None
        # Taken before the view: a swap mid-request may tag new bytes with the old build's tag (the next
        # revalidation then fetches them again), never old bytes with the new build's tag.
        g.etag = _request_etag()
        if (
            g.etag is not None
            and "HTTP_IF_NONE_MATCH" in request.environ
            and request.if_none_match.contains_weak(g.etag)
        ):
            return _set_headers(Response(status=304), g.etag, cache_control)
        return None

    @app.after_request
    def _tag(response: Response) -> Response:
        tag = g.get("etag")  # set only for a cacheable request
        if tag is not None and response.status_code == 200:
            _set_headers(response, tag, cache_control)
        return response
