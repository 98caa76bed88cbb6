"""Pages for people: ``GET /codes/<code>``, one code's record as server-rendered HTML (no JavaScript).

The view fetches the record; ``shape`` turns it into the plain values the template prints (money,
percentages, table rows, labels), so the template only loops and escapes.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, make_response, render_template
from marshmallow import ValidationError

from index.facts import SOURCES
from index.search import IndexUnavailable

from . import schemas
from .changes import change_of
from .resources import get_index

log = logging.getLogger("codesearch")
bp = Blueprint("pages", __name__)

SECTION_IDS = (
    "also-known-as",
    "plain-language",
    "clinical-context",
    "who-bills-it",
    "payment",
    "modifiers",
    "limits-and-pairs",
    "similar-codes",
    "how-it-compares",
    "history",
    "faq",
    "sources",
)
# No script may run on these pages; styles only from our own static folder.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
ECHO_MAX = 40  # characters of an unknown code shown back on the 404 page
NAME_LISTS = (
    ("synonyms", "Abbreviations spelled out"),
    ("lay_terms", "Everyday names"),
    ("drug_names", "Drug names"),
    ("index_terms", "In CMS's HCPCS Index and Table of Drugs (2018-2019)"),
)
PAIR_RULES = {"0": "never together", "1": "allowed with 59 or XE/XP/XS/XU when distinct"}
DESCRIPTOR_SOURCE = "HCPCS descriptors: CMS, public domain"


@bp.get("/codes/<path:code>")
def code_page(code: str):
    """A code's page; an HTML 404 with the nearest codes when there is no such code."""
    record = _record(code)
    if record is None:
        return _page("code_not_found.html", 404, asked=_echo(code), suggestions=_suggestions(code))
    return _page("code.html", 200, page={**shape(record), "change": change_of(record["code"])})


@bp.errorhandler(IndexUnavailable)
def index_unavailable(err: IndexUnavailable):
    """An HTML 503 while no index is loaded."""
    log.warning("index unavailable: %s", err)
    response = _page("unavailable.html", 503)
    response.headers["Retry-After"] = "30"
    return response


def _record(code: str) -> dict | None:
    """The record of a well-formed code (any case), or None."""
    try:
        schemas.code_path.load({"code": code})
    except ValidationError:
        return None
    return get_index().get(code)


def _echo(code: str) -> str:
    """What was asked, fit to show back: printable characters only, at most ECHO_MAX of them."""
    shown = "".join(ch for ch in code if ch.isprintable())
    return shown if len(shown) <= ECHO_MAX else shown[:ECHO_MAX] + "…"


def _suggestions(code: str) -> list[str]:
    """Existing codes nearest to what was asked, when its letters and digits could be a code ("e-0601")."""
    cleaned = re.sub(r"[^A-Za-z0-9]", "", code)
    return get_index().suggest_codes(cleaned) if 1 <= len(cleaned) <= 5 else []


def _page(template: str, status: int, **context):
    """A rendered page with its status and a script-free content security policy."""
    response = make_response(render_template(template, **context), status)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


# ------------------------------------------------------------------ shaping a record for the template


def usd(value: float) -> str:
    """Dollars as the CMS files write them: cents, or a third decimal where the file has one ($81.815)."""
    text = f"{value:,.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)


def percent(share: float) -> str:
    """A 0-1 share as a percentage with at most one decimal (41.2%, 85%)."""
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def shape(record: dict) -> dict:
    """Everything the code page prints, in display order and display form."""
    faq = {entry["intent"]: entry["answer"] for entry in record["faq"]}
    history = record.get("history") or {}
    rbcs = record.get("rbcs") or {}
    return {
        "code": record["code"],
        "kind": record["kind"],
        "short": record["short_description"],
        "long": record["long_description"],
        "section": record["section"],
        "status": record["status"],
        "terminated_date": record.get("terminated_date"),
        "rbcs_path": [rbcs[k] for k in ("category", "subcategory", "family") if rbcs.get(k)],
        "names": [(label, record[key]) for key, label in NAME_LISTS if record.get(key)],
        "plain_language": record.get("plain_language"),
        "context": [
            {"text": f["text"], "source": SOURCES.get(f["source"], f["source"])} for f in record.get("context", [])
        ],
        "add_on": _add_on(record.get("add_on")),
        "who": _who(record.get("who") or {}, faq.get("who_uses")),
        "payment": {"answer": faq.get("payment"), "rows": _payment_rows(record)},
        "ndcs": _ndcs(record.get("ndcs") or []),
        "modifiers": record.get("modifiers", []),
        "usage": _usage(record.get("modifier_usage")),
        "mue": record.get("mue", []),
        "mue_source": SOURCES["mue"],
        "pairs": _pairs(record.get("ncci_pairs", []), record["code"]),
        "similar": record.get("similar", []),
        "comparison": _comparison(record.get("comparison")),
        "history": _history(record, history),
        "faq": record["faq"],
        "sources": [*SOURCES.values(), DESCRIPTOR_SOURCE],
    }


def _add_on(add_on: dict | None) -> dict | None:
    """An add-on code's primary codes and why we call it one."""
    if not add_on:
        return None
    basis = "the PFS global period ZZZ" if add_on.get("basis", "").startswith("PFS") else "its descriptor"
    return {"primary_codes": add_on.get("primary_codes") or [], "basis": basis}


def _usage(usage: dict | None) -> dict | None:
    """Where a modifier applies: how many active codes (as words), sections, reasons, examples."""
    if not usage:
        return None
    count = usage["codes"]
    return {**usage, "codes_text": f"{count:,} active code{'s' if count != 1 else ''}"}


def _who(who: dict, answer: str | None) -> dict:
    """The who-uses answer, the claims shares as percentages, and the typical-practice row."""
    claims = [
        {"specialty": c["specialty"], "share": percent(c["share"]), "rank_exact": c.get("rank_exact", True)}
        for c in who.get("claims") or []
    ]
    return {
        "answer": answer,
        "claims": claims,
        "claims_source": SOURCES["claims"],
        "typical": who.get("typical"),
        "typical_source": SOURCES["typical"],
    }


def _pfs_amount(pfs: dict, setting: str, status: str) -> str:
    """One PFS national amount, or why there is none."""
    if pfs.get(f"{setting}_na"):
        return "NA: no amount in this setting"
    if not pfs.get("paid"):
        return f"not paid separately ({status})"
    return usd(pfs[f"{setting}_usd"])


def _payment_rows(record: dict) -> list[dict]:
    """Payment table rows: PFS non-facility and facility, OPPS APC and rate, ASP limit, other fee schedules."""
    pay = record.get("payment") or {}
    rows = []
    pfs = pay.get("pfs")
    if pfs:
        described = (record.get("pfs") or {}).get("status_description")
        status = f"PFS status {pfs['status_code']}" + (f": {described}" if described else "")
        edition = f"{SOURCES['pfs']}; conversion factor {pfs['conversion_factor']}"
        rows.append(
            {
                "what": "Physician Fee Schedule, non-facility (office)",
                "amount": _pfs_amount(pfs, "non_facility", status),
                "edition": edition,
            }
        )
        rows.append(
            {
                "what": "Physician Fee Schedule, facility",
                "amount": _pfs_amount(pfs, "facility", status),
                "edition": edition,
            }
        )
    opps = pay.get("opps")
    if opps:
        rate = f"APC {opps['apc']}: {usd(opps['rate_usd'])}" if opps.get("rate_usd") is not None else "no OPPS rate"
        rows.append(
            {
                "what": "Hospital outpatient (OPPS)",
                "amount": f"{rate} (status {opps['status_indicator']}: {opps['description']})",
                "edition": SOURCES["opps"],
            }
        )
    asp = pay.get("asp")
    if asp:
        rows.append(
            {
                "what": "ASP payment limit per billing unit",
                "amount": f"{usd(asp['limit_usd'])} per {asp['billing_unit']}",
                "edition": SOURCES["asp"],
            }
        )
    if pay.get("other"):
        rows.append({"what": "Paid under", "amount": pay["other"], "edition": ""})
    return rows


NDC_ROWS = 25


def _ndcs(ndcs: list[dict]) -> dict:
    """The NDCs of a drug code for the page: the first rows, the count and the source."""
    rows = [
        {**n, "units": "" if n.get("billing_units_per_package") is None else f"{n['billing_units_per_package']:g}"}
        for n in ndcs[:NDC_ROWS]
    ]
    return {"rows": rows, "total": len(ndcs), "source": SOURCES["ndc"]}


def _pairs(pairs: list[dict], code: str) -> list[dict]:
    """NCCI procedure-to-procedure edits as table rows: one per other code and rule, its settings joined."""
    rows: dict[tuple, dict] = {}
    for pair in pairs:
        rule = PAIR_RULES.get(pair["modifier_indicator"], pair["modifier_indicator"])
        key = (pair["code"], rule, pair["denied"], pair["rationale"])
        if key in rows:
            rows[key]["setting"] += f", {pair['setting']}"
        else:
            rows[key] = {
                "code": pair["code"],
                "setting": pair["setting"],
                "rule": rule,
                "denied": pair["denied"],
                "denied_is_this": pair["denied"] == code,
                "rationale": pair["rationale"],
            }
    return list(rows.values())


def _comparison(comparison: dict | None) -> list[tuple[str, str]]:
    """How a code stands in its section, as (term, value) pairs."""
    if not comparison:
        return []
    active, with_work = comparison["active_codes"], comparison["codes_with_work_rvu"]
    rows = [("Section", comparison["section"]), ("Active codes in the section", f"{active:,}")]
    if comparison.get("work_rvu") is not None:
        rows.append(("Work RVU of this code", f"{comparison['work_rvu']:g}"))
    if comparison.get("work_rvu_percentile") is not None:
        rows.append(
            (
                "Work RVU percentile in the section",
                f"higher than {comparison['work_rvu_percentile']}% of the {with_work:,} active codes with a work RVU",
            )
        )
    rows.append(("Active codes without a work RVU", percent(comparison["share_without_work_rvu"])))
    return rows


def _history(record: dict, history: dict) -> dict:
    """Added and terminated dates, how the termination date is known, and the codes CMS points to."""
    basis = history.get("termination_basis")
    if basis == "exact":  # the record that gives the date: the July 2024 record, the 2019 file or a release
        basis_text = "exact: from " + record.get("status_basis", "").removeprefix("TERM_DT in ")
    elif basis == "heuristic":
        why = record.get("status_basis", "").removeprefix("heuristic: ")
        basis_text = f"estimated: the July 2024 CMS record does not confirm it (basis: {why})"
    else:
        basis_text = None
    action = history.get("action")
    return {
        "added_date": history.get("added_date") or record.get("added_date"),
        "terminated_date": history.get("terminated_date") or record.get("terminated_date"),
        "basis": basis_text,
        "replaced_by": history.get("replaced_by") or [],
        "cross_references": history.get("cross_references") or [],
        "action": f"{action['code']}: {action['description']}" if isinstance(action, dict) else action,
        "action_year": record.get("action_effective_year"),
        "status_basis": record.get("status_basis"),
        "heuristic": record.get("status_basis", "").startswith("heuristic"),
    }
