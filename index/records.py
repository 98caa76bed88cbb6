"""The marshmallow schema every corpus record must pass before it is indexed."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

CODE_PATTERN = r"^([A-CE-V][0-9]{4}|[A-Z0-9]{2})$"


class Coded(Schema):
    """A CMS lookup-coded value: its code and its meaning."""

    code = fields.String(required=True)
    description = fields.String(required=True)


class Pfs(Schema):
    """Physician fee schedule status and RVUs."""

    status_code = fields.String(required=True)
    status_description = fields.String(required=True)
    work_rvu = fields.Float(allow_none=True)
    non_facility_pe_rvu = fields.Float(allow_none=True)
    facility_pe_rvu = fields.Float(allow_none=True)
    malpractice_rvu = fields.Float(allow_none=True)
    non_facility_total_rvu = fields.Float(allow_none=True)
    facility_total_rvu = fields.Float(allow_none=True)
    global_days = fields.String(allow_none=True)


class Opps(Schema):
    """Hospital outpatient payment status."""

    status_indicator = fields.String(required=True)
    description = fields.String(required=True)
    apc = fields.String(allow_none=True)
    payment_rate_usd = fields.Float(allow_none=True)


class Specialty(Schema):
    """One billing specialty of a code and its share of services."""

    specialty = fields.String(required=True)
    medicare_specialty_code = fields.String(required=True)
    share = fields.Float(required=True, validate=validate.Range(0, 1))
    rank = fields.Integer(required=True)
    rank_exact = fields.Boolean(required=True)


class Faq(Schema):
    """A question about a code and its answer."""

    intent = fields.String(required=True, validate=validate.OneOf(["what_is", "who_uses", "when_used", "status", "rvu"]))
    question = fields.String(required=True, validate=validate.Length(min=1))
    answer = fields.String(required=True, validate=validate.Length(min=1))


class CodeRecord(Schema):
    """One HCPCS Level II code or modifier, as the corpus holds it."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Regexp(CODE_PATTERN))
    kind = fields.String(required=True, validate=validate.OneOf(["procedure", "modifier"]))
    short_description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    long_description = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    section = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "terminated"]))
    terminated_date = fields.Date(allow_none=True)
    status_basis = fields.String(required=True)
    added_date = fields.Date(allow_none=True)
    action_effective_year = fields.Integer(allow_none=True)
    type_of_service = fields.List(fields.Nested(Coded), required=True)
    betos = fields.Nested(Coded, allow_none=True)
    coverage = fields.Nested(Coded, allow_none=True)
    pricing_indicator = fields.Nested(Coded, allow_none=True)
    pfs = fields.Nested(Pfs, allow_none=True)
    opps = fields.Nested(Opps, allow_none=True)
    cross_references = fields.List(fields.String(), required=True)
    drug_names = fields.List(fields.String(), required=True)
    drug_details = fields.List(fields.Dict(), required=True)
    drug_billing = fields.Dict(allow_none=True)
    specialties = fields.List(fields.Nested(Specialty), required=True)
    synonyms = fields.List(fields.String(), required=True)
    lay_terms = fields.List(fields.String(), required=True)
    plain_language = fields.String(required=True)
    clinical_context = fields.String(required=True)
    faq = fields.List(fields.Nested(Faq), required=True, validate=validate.Length(min=1))


RECORD_SCHEMA = CodeRecord()


def first_error(messages: dict, prefix: str = "") -> tuple[str, str]:
    """(dotted field path, message) of the first error in a marshmallow error dict."""
    key, value = next(iter(messages.items()))
    path = f"{prefix}.{key}" if prefix else str(key)
    if isinstance(value, dict):
        return first_error(value, path)
    return path, value[0] if isinstance(value, list) else str(value)
