"""The OpenAPI 3 description of the HTTP API, generated from service/schemas.py: ``GET /openapi.json``.

Each operation is listed once below (its parameters, body and responses, by marshmallow schema);
apispec's MarshmallowPlugin turns the schemas into JSON Schema. Only routes the app really has are
described, so a route added elsewhere needs one entry in ``OPERATIONS`` to be documented.
"""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify

from . import schemas
from .changes import ChangesResponse

TITLE = "codesearch"
VERSION = "1"

ERROR_MEANINGS = {
    400: "invalid parameters or query (the fields say which)",
    404: "no such code or route",
    405: "method not allowed",
    413: "request body over 16 KiB",
    415: "body is not JSON",
    503: "the search index is not loaded yet",
}


def _query_pattern(banned_characters=schemas.SYNTAX_CHARACTERS) -> str:
    """The regular expression of a usable query: none of ``banned_characters``, no control characters,
    not blank."""
    # Escaped for a character class only: valid in both Python and ECMA-262 (JSON Schema) regexes.
    syntax = "".join("\\" + ch if ch in "\\]^-[" else ch for ch in sorted(banned_characters))
    banned = syntax + r"\x00-\x08\x0a-\x1f\x7f"
    return rf"^[^{banned}]*[^\s{banned}][^{banned}]*$"


def _field_attributes(self, field, **kwargs) -> dict:
    """Length and pattern of the query-text fields, so generated clients and fuzzers know the rules."""
    if isinstance(field, schemas.QueryText):
        return {"minLength": 1, "maxLength": schemas.query_max(), "pattern": _query_pattern(field.banned)}
    return {}


def _errors(*statuses: int) -> dict:
    """Responses in the one error shape, by status."""
    return {
        str(status): {
            "description": ERROR_MEANINGS[status],
            "content": {"application/json": {"schema": "ErrorResponse"}},
        }
        for status in statuses
    }


def _ok(schema: str | type, description: str) -> dict:
    """A 200 JSON response of a schema."""
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


CODE_PARAMETER = {
    "in": "path",
    "name": "code",
    "required": True,
    "description": "a HCPCS Level II code (E0601) or modifier (RT), any case",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{1,5}$"},
    "examples": {"code": {"value": "E0601"}, "lower case": {"value": "g9306"}, "modifier": {"value": "RT"}},
}

# (flask rule, method) -> OpenAPI operation; schema names refer to classes in service/schemas.py.
OPERATIONS: dict[tuple[str, str], dict] = {
    ("/v1/search", "get"): {
        "summary": "Ranked codes for what the user typed",
        "parameters": [{"in": "query", "schema": "SearchArgs"}],
        "responses": {**_ok("SearchResponse", "a page of ranked codes"), **_errors(400, 503)},
    },
    ("/v1/codes/<path:code>", "get"): {
        "summary": "The whole record of one code",
        "parameters": [CODE_PARAMETER],
        "responses": {**_ok("CodeRecordResponse", "the code's record"), **_errors(400, 404, 503)},
    },
    ("/v1/answer", "get"): {
        "summary": "Answer a question given as ?q=",
        "parameters": [{"in": "query", "schema": "AnswerArgs"}],
        "responses": {**_ok("AnswerResponse", "the answer"), **_errors(400, 503)},
    },
    ("/v1/answer", "post"): {
        "summary": 'Answer a question given as a JSON body {"question": ...}',
        "requestBody": {"required": True, "content": {"application/json": {"schema": "AnswerBody"}}},
        "responses": {**_ok("AnswerResponse", "the answer"), **_errors(400, 413, 415, 503)},
    },
    ("/v1/faq", "get"): {
        "summary": "General questions about HCPCS and Medicare billing: the entries matching ?q=, or all",
        "parameters": [{"in": "query", "schema": "FaqArgs"}],
        "responses": {**_ok("FaqResponse", "FAQ entries, best match first"), **_errors(400, 503)},
    },
    ("/v1/changes", "get"): {
        "summary": "What changed in the CMS release behind the live index (empty lists and a note when none)",
        "responses": {
            **_ok(ChangesResponse, "added, terminated, reactivated, removed and changed codes"),
            **_errors(400),
        },
    },
    ("/healthz", "get"): {
        "summary": "The process is alive",
        "responses": _ok("Health", "alive"),
    },
    ("/readyz", "get"): {
        "summary": "The index is loaded: its record count and build time",
        "responses": {**_ok("Ready", "ready"), **_errors(503)},
    },
    ("/api/hcpcs/v3/search", "get"): {
        "summary": "Ranked codes in the NLM Clinical Table Search Service (CTSS) shape",
        "description": "The reply is the array [total, [codes], {extra field: [values]} or null, "
        "[[display strings]]]; with suggest=1 it is [[codes], [[display strings]], extra or null].",
        "parameters": [{"in": "query", "schema": "CtssSearchArgs"}],
        "responses": {
            "200": {
                "description": "a CTSS array",
                "content": {
                    "application/json": {
                        "schema": {"type": "array", "minItems": 3, "maxItems": 4, "items": {"nullable": True}}
                    }
                },
            },
            **_errors(400, 503),
        },
    },
    ("/", "get"): {
        "summary": "The demo page: a search box with type-ahead",
        "responses": {"200": {"description": "an HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}},
    },
    ("/codes/<path:code>", "get"): {
        "summary": "A code's page for people: the record as HTML (no JavaScript)",
        "parameters": [CODE_PARAMETER],
        "responses": {
            "200": {"description": "an HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
            "404": {
                "description": "an HTML page: no such code, with the nearest codes",
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
            "503": {
                "description": "an HTML page: " + ERROR_MEANINGS[503],
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
        },
    },
    ("/metrics", "get"): {
        "summary": "Prometheus metrics: requests and latency, search cache, the index build served",
        "responses": {
            "200": {
                "description": "the Prometheus text format",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    },
    ("/openapi.json", "get"): {
        "summary": "This description",
        "responses": {
            "200": {
                "description": "the OpenAPI document",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    },
}

SCHEMAS = [
    "SearchArgs",
    "AnswerArgs",
    "AnswerBody",
    "SearchResponse",
    "CodeRecordResponse",
    "AnswerResponse",
    "FaqArgs",
    "FaqResponse",
    "Health",
    "Ready",
    "ErrorResponse",
    "CtssSearchArgs",
]


def _openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``<path:code>`` -> ``{code}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def build_spec(app: Flask) -> dict:
    """The OpenAPI document of the routes ``app`` serves."""
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)  # type: ignore[arg-type,return-value]
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Search and answers for US HCPCS Level II billing codes."},
    )
    assert plugin.converter is not None  # set by APISpec(plugins=[plugin])
    plugin.converter.add_attribute_function(_field_attributes)
    for name in SCHEMAS:
        if hasattr(schemas, name):
            spec.components.schema(name, schema=getattr(schemas, name))
    served = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() for method in rule.methods or ()}
    by_path: dict[str, dict] = {}
    for (rule, method), operation in OPERATIONS.items():
        if (rule, method) in served:
            by_path.setdefault(rule, {})[method] = operation
    for rule, operations in by_path.items():
        spec.path(path=_openapi_path(rule), operations=_copy(operations))
    document = spec.to_dict()
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _not_null(parameter["schema"])
    return document


def _not_null(schema: dict) -> None:
    """An optional query parameter is left out, never null: drop the null default marshmallow implies."""
    if "default" in schema and schema["default"] is None:
        del schema["default"]
        schema.pop("nullable", None)
        if "enum" in schema:
            schema["enum"] = [value for value in schema["enum"] if value is not None]


def _copy(value):
    """A deep copy of plain dicts and lists (apispec rewrites operations in place)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def openapi_json():
    """The OpenAPI document of this service."""
    spec = current_app.extensions.get("codesearch.openapi")
    if spec is None:
        spec = current_app.extensions["codesearch.openapi"] = build_spec(current_app)
    return jsonify(spec)
