"""HTTP views: each turns a request into one call on index/ and shapes the reply."""

from __future__ import annotations

import logging
from dataclasses import asdict

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema

from index.facts import SOURCES
from index.search import Hit, IndexUnavailable

from . import schemas
from .errors import NotFound, respond
from .openapi import openapi_json
from .resources import get_answerer, get_index

bp = Blueprint("api", __name__)
HIT_FIELDS = (
    "code",
    "short_description",
    "long_description",
    "status",
    "kind",
    "score",
    "highlight",
    "matched",
    "also_called",
)
bp.add_url_rule("/openapi.json", "openapi", openapi_json)


def _args(schema: Schema) -> dict:
    """Validated query-string arguments (marshmallow raises on anything wrong)."""
    return schema.load(request.args.to_dict(flat=True))


@bp.get("/v1/search")
def search() -> Response:
    """Ranked codes for what the user typed."""
    args = _args(schemas.search_args)
    result = get_index().search(
        args["q"],
        limit=args["limit"],
        offset=args["offset"],
        status=args["status"],
        max_length=current_app.config["MAX_QUERY_LENGTH"],
    )
    if result.shaped is None:  # a cached result keeps its shaped body: repeated queries skip the dump
        body = {
            "query": result.query,
            "interpretation": result.interpretation,
            "total": result.total,
            "limit": args["limit"],
            "offset": args["offset"],
            "did_you_mean": result.did_you_mean,
            "note": result.note,
            "results": [_hit_fields(h) for h in result.hits],
        }
        result.shaped = schemas.search_response.dump(body)
    return jsonify(result.shaped)


def _hit_fields(hit: Hit) -> dict:
    """A Hit as a plain dict."""
    return {name: getattr(hit, name) for name in HIT_FIELDS}


@bp.get("/v1/codes/<path:code>")
def code_page(code: str) -> Response:
    """The whole record of one code."""
    schemas.code_path.load({"code": code})
    record = get_index().get(code)
    if record is None:
        near = get_index().suggest_codes(code)
        raise NotFound(f"{code.strip().upper()} is not a HCPCS Level II code or modifier", near)
    record["url"] = request.base_url
    record["page"] = f"{request.host_url}codes/{record['code']}"
    record["sources"] = SOURCES
    return jsonify(schemas.code_response.dump(record))


def _answer(question: str, limit: int) -> Response:
    """The JSON answer to a question."""
    answer = get_answerer().answer(question, limit=limit, base_url=request.host_url)
    body = asdict(answer)
    body["results"] = [asdict(h) if not isinstance(h, dict) else h for h in answer.results]
    return jsonify(schemas.answer_response.dump(body))


@bp.get("/v1/answer")
def answer_get() -> Response:
    """Answer a question given as ?q=."""
    args = _args(schemas.answer_args)
    return _answer(args["q"], args["limit"])


@bp.post("/v1/answer")
def answer_post() -> Response | tuple[Response, int]:
    """Answer a question given as a JSON body {"question": ...}."""
    if not request.is_json:
        return respond(415, "unsupported_media_type", "send the question as application/json")
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # JSON nested thousands deep: json.loads gives up, not a bug of ours
        payload = None
    if not isinstance(payload, dict):
        return respond(400, "invalid_body", 'expected a JSON object like {"question": "what is E0601"}')
    args = schemas.answer_body.load(payload)
    return _answer(args["question"], args["limit"])


@bp.get("/v1/faq")
def faq() -> Response:
    """General questions about HCPCS and Medicare billing: the entries matching ?q=, or all of them."""
    args = _args(schemas.faq_args)
    guide = get_index().open().guide
    if args["q"] is None:
        results = guide.entries()
    else:
        found = {h.id: h.coverage for h in guide.search(args["q"], limit=args["limit"])}
        by_id = {e["id"]: e for e in guide.entries()}
        results = [{**by_id[i], "coverage": coverage} for i, coverage in found.items()]
    body = {"query": args["q"], "total": len(results), "results": results}
    return jsonify(schemas.faq_response.dump(body))


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive."""
    return jsonify(schemas.health_response.dump({"status": "ok"}))


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    """The index is loaded: its record count and build time; 503 when not."""
    try:
        manifest = get_index().manifest()
    except IndexUnavailable as err:
        logging.getLogger("codesearch").warning("not ready: %s", err)
        return respond(503, "not_ready", "no search index is loaded yet")
    return jsonify(
        schemas.ready_response.dump(
            {
                "status": "ready",
                **{
                    k: manifest.get(k)
                    for k in ("record_count", "built_at", "schema_version", "corpus_sha256", "faq_count")
                },
            }
        )
    )
