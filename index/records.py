"""The marshmallow schema every corpus record must pass before it is indexed."""

from __future__ import annotations

import json
from pathlib import Path

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

CODE_PATTERN = r"^([A-CE-V][0-9]{4}|[A-Z0-9]{2})$"
FAQ_INTENTS = [
    "what_is",
    "who_uses",
    "when_used",
    "status",
    "rvu",
    "modifiers_for_code",
    "payment",
    "coverage",
    "units",
    "mue",
    "billed_together",
]


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

    intent = fields.String(required=True, validate=validate.OneOf(FAQ_INTENTS))
    question = fields.String(required=True, validate=validate.Length(min=1))
    answer = fields.String(required=True, validate=validate.Length(min=1))


class Fact(Schema):
    """One stated fact and the key of the source it comes from (index.facts.SOURCES)."""

    text = fields.String(required=True, validate=validate.Length(min=1))
    source = fields.String(required=True)


class ModifierRule(Schema):
    """A modifier that applies to a code and the CMS field that makes it apply."""

    modifier = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9]{2}$"))
    reason = fields.String(required=True)


class Mue(Schema):
    """A medically unlikely edit: most units per patient per day in one setting."""

    setting = fields.String(required=True)
    units = fields.Integer(required=True, validate=validate.Range(min=0))
    mai = fields.String(required=True)
    mai_description = fields.String(required=True)
    rationale = fields.String(required=True)
    effective = fields.String(required=True)


class Pair(Schema):
    """An NCCI procedure-to-procedure edit seen from one code: the other code, and which one is denied."""

    code = fields.String(required=True)
    denied = fields.String(required=True)
    setting = fields.String(required=True)
    modifier_indicator = fields.String(required=True, validate=validate.OneOf(["0", "1"]))
    rationale = fields.String(required=True)
    effective = fields.String(required=True)


class Ndc(Schema):
    """A National Drug Code billed with a drug code, and how many billing units one item and one package hold."""

    ndc = fields.String(required=True, validate=validate.Regexp(r"^\d{5}-\d{4}-\d{2}$"))
    drug_name = fields.String(required=True)
    labeler = fields.String(required=True)
    item_size = fields.Float(allow_none=True)
    items_per_package = fields.Float(allow_none=True)
    billing_units_per_item = fields.Float(allow_none=True)
    billing_units_per_package = fields.Float(allow_none=True)


class Similar(Schema):
    """A sibling code and the words that set the two apart."""

    code = fields.String(required=True)
    short_description = fields.String(required=True)
    status = fields.String(required=True)
    this_code_says = fields.String(required=True)
    other_says = fields.String(required=True)


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
    statute = fields.String(allow_none=True, load_default=None)
    manual_references = fields.List(fields.String(), load_default=list)
    rbcs = fields.Dict(allow_none=True, load_default=None)
    history = fields.Dict(load_default=dict)
    payment = fields.Dict(load_default=dict)
    modifiers = fields.List(fields.Nested(ModifierRule), load_default=list)
    mue = fields.List(fields.Nested(Mue), load_default=list)
    ncci_pairs = fields.List(fields.Nested(Pair), load_default=list)
    who = fields.Dict(load_default=dict)
    add_on = fields.Dict(allow_none=True, load_default=None)
    similar = fields.List(fields.Nested(Similar), load_default=list)
    comparison = fields.Dict(allow_none=True, load_default=None)
    context = fields.List(fields.Nested(Fact), load_default=list)
    modifier_usage = fields.Dict(allow_none=True, load_default=None)
    ndcs = fields.List(fields.Nested(Ndc), load_default=list)
    index_terms = fields.List(fields.String(), load_default=list)


RECORD_SCHEMA = CodeRecord()


def checked_line(
    path: Path, number: int, line: str, schema: Schema, error: type[Exception], noun: str
) -> tuple[dict, dict]:
    """(the object as written, as loaded) of one JSON line checked against a schema; ``error`` is raised
    with ``file:line: reason`` (and the field, and the record's code when it has one)."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as err:
        raise error(f"{path}:{number}: invalid JSON: {err.msg} (column {err.colno})") from err
    if not isinstance(raw, dict):
        raise error(f"{path}:{number}: {noun} must be a JSON object")
    try:
        loaded = schema.load(raw)
    except ValidationError as err:
        field, message = first_error(err.messages)
        code = f" (code {raw.get('code')!r})" if schema is RECORD_SCHEMA else ""
        raise error(f"{path}:{number}: field '{field}': {message}{code}") from err
    return raw, loaded


def first_error(messages: dict | list, prefix: str = "") -> tuple[str, str]:
    """(dotted field path, message) of the first error in a marshmallow error dict (a list: no field)."""
    if not isinstance(messages, dict):
        return prefix or "_schema", str(messages[0]) if messages else "invalid"
    key, value = next(iter(messages.items()))
    path = f"{prefix}.{key}" if prefix else str(key)
    if isinstance(value, dict):
        return first_error(value, path)
    return path, value[0] if isinstance(value, list) else str(value)
