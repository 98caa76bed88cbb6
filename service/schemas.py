"""Every marshmallow schema of the HTTP API: request arguments and response bodies."""

from __future__ import annotations

import re

from flask import current_app
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

from index.intents import INTENTS
from index.records import CodeRecord  # the corpus record, shaped the same

from .config import DEFAULTS

SYNTAX_CHARACTERS = set('"*:()[]{}^~?\\')


def query_max() -> int:
    """The longest query accepted: the app's MAX_QUERY_LENGTH (service.config), the default outside an app."""
    try:
        return int(current_app.config["MAX_QUERY_LENGTH"])
    except (RuntimeError, KeyError):
        return int(str(DEFAULTS["MAX_QUERY_LENGTH"]))


class QueryText(fields.String):
    """A user query: 1 to MAX_QUERY_LENGTH characters, no query-syntax characters or control characters."""

    banned = frozenset(SYNTAX_CHARACTERS)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            raise ValidationError("must not be empty")
        if len(text) > query_max():
            raise ValidationError(f"must be at most {query_max()} characters")
        if any(ord(ch) < 32 and ch not in "\t" or ord(ch) == 127 for ch in text):
            raise ValidationError("must not contain control characters")
        bad = sorted(self.banned & set(text))
        if bad:
            raise ValidationError(f"must not contain query-syntax characters: {' '.join(bad)}")
        return text


class QuestionText(QueryText):
    """A question in plain words: 1 to MAX_QUERY_LENGTH characters, no control characters. Its punctuation
    ("what is q0092?") never reaches a query parser: the answerer reads codes and words itself."""

    banned = frozenset()


class SearchArgs(Schema):
    """Query string of GET /v1/search."""

    class Meta:
        unknown = RAISE

    q = QueryText(required=True, metadata={"description": "what the user typed"})
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1000))
    status = fields.String(load_default=None, validate=validate.OneOf(["active", "terminated"]))


class AnswerArgs(Schema):
    """Query string of GET /v1/answer."""

    class Meta:
        unknown = RAISE

    q = QuestionText(required=True, metadata={"description": "the question"})
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 20))


class AnswerBody(Schema):
    """JSON body of POST /v1/answer."""

    class Meta:
        unknown = RAISE

    question = QuestionText(required=True)
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 20))


class CodePath(Schema):
    """The code in /v1/codes/<code>."""

    code = fields.String(required=True)

    @validates("code")
    def _code_shape(self, value, **kwargs):
        """A HCPCS code or two-character modifier, any case."""
        cleaned = value.strip()
        if not (1 <= len(cleaned) <= 5 and cleaned.isalnum() and cleaned.isascii()):
            raise ValidationError("must be a HCPCS Level II code (like E0601) or a two-character modifier (like RT)")


class SearchHit(Schema):
    """One ranked code."""

    code = fields.String(required=True)
    short_description = fields.String(required=True)
    long_description = fields.String(required=True)
    status = fields.String(required=True)
    kind = fields.String(required=True)
    score = fields.Float(required=True)
    highlight = fields.String(
        required=True, metadata={"description": "long descriptor, HTML-escaped, matches in <mark>"}
    )
    matched = fields.String(required=True, metadata={"description": "code, prefix, modifier, ndc or text"})
    also_called = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "everyday or drug names of the code that hold a query word its descriptor lacks "
            "(at most 3; empty for code matches)"
        },
    )


class SearchResponse(Schema):
    """Body of GET /v1/search."""

    query = fields.String(required=True)
    interpretation = fields.String(required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    did_you_mean = fields.String(allow_none=True)
    note = fields.String(
        allow_none=True,
        metadata={"description": "input shaped like a CPT or ICD-10-CM code: this service carries HCPCS Level II only"},
    )
    results = fields.List(fields.Nested(SearchHit), required=True)


class CodeRecordResponse(CodeRecord):
    """Body of GET /v1/codes/<code>: the whole corpus record (``index.records.CodeRecord``) with its dates
    as written, the sources and editions behind it, and its page's URL."""

    terminated_date = fields.String(allow_none=True)  # type: ignore[assignment]  # ISO text, as stored
    added_date = fields.String(allow_none=True)  # type: ignore[assignment]
    sources = fields.Dict(metadata={"description": "source key -> file and edition"})
    page = fields.String(metadata={"description": "the human-readable code page"})
    url = fields.String()


class AnswerResponse(Schema):
    """Body of /v1/answer."""

    question = fields.String(required=True)
    intent = fields.String(required=True, metadata={"description": ", ".join(INTENTS)})
    code = fields.String(allow_none=True)
    answer = fields.String(required=True)
    facts = fields.Dict(required=True)
    source = fields.String(allow_none=True)
    confidence = fields.Float(required=True)
    results = fields.List(fields.Nested(SearchHit), required=True)
    codes = fields.List(fields.String(), metadata={"description": "every code the answer is about, in order"})


class FaqArgs(AnswerArgs):
    """Query string of GET /v1/faq: a question as for /v1/answer, but optional, and more entries."""

    q = QuestionText(load_default=None, metadata={"description": "a general question; omitted: every entry"})
    limit = fields.Integer(load_default=3, validate=validate.Range(1, 100))


class FaqEntryResponse(Schema):
    """One general FAQ entry, with how well it matches the question asked."""

    id = fields.String(required=True)
    question = fields.String(required=True)
    answer = fields.String(required=True)
    source = fields.String(required=True)
    alternatives = fields.List(fields.String())
    topics = fields.List(fields.String())
    coverage = fields.Float(metadata={"description": "share of the question's words the entry holds (0..1)"})


class FaqResponse(Schema):
    """Body of GET /v1/faq."""

    query = fields.String(allow_none=True)
    total = fields.Integer(required=True)
    results = fields.List(fields.Nested(FaqEntryResponse), required=True)


class ErrorDetail(Schema):
    """What went wrong."""

    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "machine-readable reason"})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()))
    suggestions = fields.List(
        fields.String(), metadata={"description": "404: the existing codes nearest the one asked"}
    )


class ErrorResponse(Schema):
    """The one error shape of every endpoint."""

    error = fields.Nested(ErrorDetail, required=True)


class Health(Schema):
    """Body of /healthz."""

    status = fields.String(required=True)


class Ready(Schema):
    """Body of /readyz."""

    status = fields.String(required=True)
    record_count = fields.Integer()
    built_at = fields.String()
    schema_version = fields.Integer()
    corpus_sha256 = fields.String()
    faq_count = fields.Integer()


search_args = SearchArgs()
answer_args = AnswerArgs()
answer_body = AnswerBody()
code_path = CodePath()
search_response = SearchResponse()
code_response = CodeRecordResponse()
answer_response = AnswerResponse()
faq_args = FaqArgs()
faq_response = FaqResponse()
error_response = ErrorResponse()
health_response = Health()
ready_response = Ready()


# -- the NLM Clinical Table Search Service (CTSS) protocol: GET /api/hcpcs/v3/search ----------------

CTSS_FIELDS = ("code", "display", "short_desc", "long_desc", "add_dt", "act_eff_dt", "term_dt", "obsolete", "is_noc")
CTSS_SEARCH_FIELDS = ("code", "display", "short_desc", "long_desc")
CTSS_MAX_LIST = 500
CTSS_MAX_RESULTS = 7500  # count + offset, as on clinicaltables.nlm.nih.gov
CTSS_FILTER_CLAUSE = re.compile(r"^(?P<field>[a-z_]+):(?P<value>\S+)$")
CTSS_CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{1,5}\*?$")


class CtssFieldList(fields.String):
    """Comma-separated CTSS field names; with ``aliases``, each may be ``field:alias``."""

    def __init__(self, allowed: tuple[str, ...] = CTSS_FIELDS, aliases: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.allowed = allowed
        self.aliases = aliases

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        names = [part.strip() for part in text.split(",") if part.strip()]
        if not names:
            raise ValidationError("must name at least one field")
        out = []
        for name in names:
            field_name, _, alias = name.partition(":") if self.aliases else (name, "", "")
            if field_name not in self.allowed:
                raise ValidationError(f"unknown field {field_name!r}; fields: {', '.join(self.allowed)}")
            out.append((field_name, alias or field_name) if self.aliases else field_name)
        return out


class CtssFilter(fields.String):
    """``q``: space-separated ``field:value`` clauses, all of which must hold (``AND`` is optional).

    ``code:E*`` (a code prefix) or ``code:E0601``; ``obsolete:true|false``; ``is_noc:true|false``; other
    fields are kept as ("ignored", field). Loads as a list of (field, value), booleans as bool, codes upper-cased.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > query_max():
            raise ValidationError(f"must be at most {query_max()} characters")
        clauses = []
        for token in text.split():
            if token.upper() == "AND":
                continue
            match = CTSS_FILTER_CLAUSE.match(token)
            if not match:
                raise ValidationError(f"{token!r} is not a field:value clause (like code:E* or obsolete:false)")
            field_name, raw = match.group("field"), match.group("value")
            if field_name == "code":
                if not CTSS_CODE_PATTERN.match(raw):
                    raise ValidationError("code: must be a code or a code prefix followed by * (like E06*)")
                clauses.append(("code", raw.upper()))
            elif field_name in ("obsolete", "is_noc"):
                if raw.lower() not in ("true", "false"):
                    raise ValidationError(f"{field_name}: must be true or false")
                clauses.append((field_name, raw.lower() == "true"))
            else:  # a field we hold no filter for: ignored, as an unknown parameter is
                clauses.append(("ignored", field_name))
        return clauses


class CtssTerms(QuestionText):
    """CTSS ``terms``: what a search box sends, punctuation and all ("Ambulance (als or bls)"); query-syntax
    characters are read as spaces, as NLM reads them."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        words = "".join(" " if ch in SYNTAX_CHARACTERS else ch for ch in text)
        if not words.strip():
            raise ValidationError("must contain a word or a code")
        return words if not text.endswith(" ") else words.rstrip() + " "


class CtssSearchArgs(Schema):
    """Query string of GET /api/hcpcs/v3/search (the CTSS protocol). Parameters CTSS clients add that we do
    not use (jQuery's ``_`` cache-buster, JSONP's ``callback``, ...) are ignored."""

    class Meta:
        unknown = EXCLUDE

    terms = CtssTerms(load_default=None, metadata={"description": "what the user typed; the last word may be partial"})
    maxList = fields.Integer(load_default=None, validate=validate.Range(1, CTSS_MAX_LIST))
    count = fields.Integer(load_default=7, validate=validate.Range(1, CTSS_MAX_LIST))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, CTSS_MAX_RESULTS - 1))
    q = CtssFilter(load_default=list)
    df = CtssFieldList(load_default=lambda: ["code", "display"])
    sf = CtssFieldList(allowed=CTSS_SEARCH_FIELDS, load_default=lambda: list(CTSS_SEARCH_FIELDS))
    cf = fields.String(load_default="code", validate=validate.OneOf(CTSS_FIELDS))
    ef = CtssFieldList(aliases=True, load_default=None)
    suggest = fields.Integer(load_default=0, validate=validate.OneOf([0, 1]))
    field_val = QueryText(load_default=None, metadata={"description": "with suggest=1: the value to correct"})
    authenticity_token = fields.String(load_default=None, metadata={"description": "sent by autocomplete-lhc; ignored"})

    @pre_load
    def _empty_max_list(self, data, **kwargs):
        """CTSS: ``maxList`` present but empty means the largest list (500)."""
        if data.get("maxList") == "":
            data = {**data, "maxList": str(CTSS_MAX_LIST)}
        return data

    @validates_schema
    def _required_text(self, data, **kwargs):
        """``terms`` for a search, ``field_val`` for suggestions; the page within the first 7,500 results."""
        if data["suggest"] and not data.get("field_val"):
            raise ValidationError("is required when suggest=1", "field_val")
        if not data["suggest"] and not data.get("terms"):
            raise ValidationError("is required", "terms")
        if data["maxList"] is None and data["count"] + data["offset"] > CTSS_MAX_RESULTS:
            raise ValidationError(f"count + offset must be at most {CTSS_MAX_RESULTS}", "offset")


class CtssResult(Schema):
    """A CTSS search reply, sent as the array ``[total, codes, extra or null, display]``."""

    total = fields.Integer(required=True)
    codes = fields.List(fields.String(allow_none=True), required=True)
    extra = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)), allow_none=True)
    display = fields.List(fields.List(fields.String()), required=True)

    ORDER = ("total", "codes", "extra", "display")


class CtssSuggestions(Schema):
    """A CTSS suggestion reply (suggest=1), sent as the array ``[codes, display, extra or null]``."""

    codes = fields.List(fields.String(allow_none=True), required=True)
    display = fields.List(fields.List(fields.String()), required=True)
    extra = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)), allow_none=True)

    ORDER = ("codes", "display", "extra")


ctss_search_args = CtssSearchArgs()
ctss_result = CtssResult()
ctss_suggestions = CtssSuggestions()
