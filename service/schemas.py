"""Every marshmallow schema of the HTTP API: request arguments and response bodies."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates

SYNTAX_CHARACTERS = set('"*:()[]{}^~?\\')
QUERY_MAX = 512


class QueryText(fields.String):
    """A user query: 1-512 characters, no query-syntax characters or control characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            raise ValidationError("must not be empty")
        if len(text) > QUERY_MAX:
            raise ValidationError(f"must be at most {QUERY_MAX} characters")
        if any(ord(ch) < 32 and ch not in "\t" or ord(ch) == 127 for ch in text):
            raise ValidationError("must not contain control characters")
        bad = sorted(SYNTAX_CHARACTERS & set(text))
        if bad:
            raise ValidationError(f"must not contain query-syntax characters: {' '.join(bad)}")
        return text


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

    q = QueryText(required=True, metadata={"description": "the question"})
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 20))


class AnswerBody(Schema):
    """JSON body of POST /v1/answer."""

    class Meta:
        unknown = RAISE

    question = QueryText(required=True)
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
    highlight = fields.String(required=True, metadata={"description": "long descriptor, HTML-escaped, matches in <mark>"})
    matched = fields.String(required=True, metadata={"description": "code, prefix, modifier or text"})


class SearchResponse(Schema):
    """Body of GET /v1/search."""

    query = fields.String(required=True)
    interpretation = fields.String(required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    did_you_mean = fields.String(allow_none=True)
    results = fields.List(fields.Nested(SearchHit), required=True)


class Coded(Schema):
    """A CMS lookup-coded value."""

    code = fields.String()
    description = fields.String()


class FaqEntry(Schema):
    """A question and its answer."""

    intent = fields.String()
    question = fields.String()
    answer = fields.String()


class CodeRecordResponse(Schema):
    """Body of GET /v1/codes/<code>: the whole record."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True)
    kind = fields.String(required=True)
    short_description = fields.String(required=True)
    long_description = fields.String(required=True)
    section = fields.String()
    status = fields.String(required=True)
    terminated_date = fields.String(allow_none=True)
    status_basis = fields.String()
    added_date = fields.String(allow_none=True)
    action_effective_year = fields.Integer(allow_none=True)
    type_of_service = fields.List(fields.Nested(Coded))
    betos = fields.Nested(Coded, allow_none=True)
    coverage = fields.Nested(Coded, allow_none=True)
    pricing_indicator = fields.Nested(Coded, allow_none=True)
    pfs = fields.Dict(allow_none=True)
    opps = fields.Dict(allow_none=True)
    cross_references = fields.List(fields.String())
    drug_names = fields.List(fields.String())
    drug_details = fields.List(fields.Dict())
    drug_billing = fields.Dict(allow_none=True)
    specialties = fields.List(fields.Dict())
    synonyms = fields.List(fields.String())
    lay_terms = fields.List(fields.String())
    plain_language = fields.String()
    clinical_context = fields.String()
    faq = fields.List(fields.Nested(FaqEntry))
    url = fields.String()


class AnswerResponse(Schema):
    """Body of /v1/answer."""

    question = fields.String(required=True)
    intent = fields.String(required=True)
    code = fields.String(allow_none=True)
    answer = fields.String(required=True)
    facts = fields.Dict(required=True)
    source = fields.String(allow_none=True)
    confidence = fields.Float(required=True)
    results = fields.List(fields.Nested(SearchHit), required=True)


class ErrorDetail(Schema):
    """What went wrong."""

    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "machine-readable reason"})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()))


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


search_args = SearchArgs()
answer_args = AnswerArgs()
answer_body = AnswerBody()
code_path = CodePath()
search_response = SearchResponse()
code_response = CodeRecordResponse()
answer_response = AnswerResponse()
error_response = ErrorResponse()
health_response = Health()
ready_response = Ready()
