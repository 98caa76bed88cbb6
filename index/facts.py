"""Facts per code, composed at import time from the CMS files: who bills it, when it is used, which
modifiers apply, what it pays, limits and NCCI pairs, history, similar codes and how it compares.

Every fact carries the file and edition it comes from (``SOURCES``). Nothing here invents a fact:
where the data is silent, the fact is left out and the answer says so. This module holds history,
payment and when a code is used; ``index.modifier_facts``, ``index.providers`` and ``index.families``
hold the rest, and their names are importable from here.
"""

from __future__ import annotations

import re

from .cms_terms import (  # noqa: F401
    ADD_ON,
    CPT_SHAPED,
    DMEPOS_PRICING,
    GENERIC,
    PFS_PAID,
    PFS_STATUS_PLAIN,
    PTP_MODIFIERS,
    SOURCES,
    STOP,
    WORD,
    fact,
    is_quality,
    money,
)
from .families import Families, difference, words  # noqa: F401
from .modifier_facts import modifier_usage, modifiers, usage_facts  # noqa: F401
from .providers import billing_channel, typical_row, who  # noqa: F401

# ---------------------------------------------------------------- history


def history(
    code: str,
    status: dict,
    admin_added: str | None,
    record_2024: dict | None,
    active_codes: set[str],
    sources: list[str] | None = None,
) -> dict:
    """Added, terminated (exact or heuristic, and which) and the codes CMS cross-references."""
    xrefs = [x for x in (record_2024 or {}).get("xref", []) if x != code]
    exact = bool(
        record_2024
        and record_2024.get("terminated_date")
        and record_2024["terminated_date"] == status.get("terminated_date")
    ) or status.get("status_basis", "").startswith("TERM_DT")
    terminated = status["status"] == "terminated"
    return {
        "added_date": admin_added or (record_2024 or {}).get("added_date"),
        "terminated_date": status.get("terminated_date"),
        "termination_basis": None if not terminated else ("exact" if exact else "heuristic"),
        "action": (record_2024 or {}).get("action"),
        "cross_references": xrefs,
        "replaced_by": [x for x in xrefs if x in active_codes or CPT_SHAPED.match(x)] if terminated else [],
        "sources": sources or (["record_2024", "hcpcs_admin"] if record_2024 else ["hcpcs_admin"]),
    }


# ---------------------------------------------------------------- payment


def _pfs_dollars(pfs: dict | None, indicators: dict | None) -> dict | None:
    """PFS national amounts, non-facility and facility, from total RVUs and the file's conversion factor."""
    if not pfs or not indicators:
        return None
    factor = indicators["conversion_factor"]
    non_facility = round((pfs.get("non_facility_total_rvu") or 0) * factor + 1e-9, 2)
    facility = round((pfs.get("facility_total_rvu") or 0) * factor + 1e-9, 2)
    return {
        "status_code": pfs["status_code"],
        "paid": pfs["status_code"] in PFS_PAID and (non_facility or facility) > 0,
        "non_facility_usd": non_facility,
        "facility_usd": facility,
        "conversion_factor": factor,
        "non_facility_na": indicators["non_facility_na"],
        "facility_na": indicators["facility_na"],
    }


def _opps_payment(opps: dict | None) -> dict | None:
    """OPPS status, APC and national rate."""
    if not opps:
        return None
    return {
        "status_indicator": opps["status_indicator"],
        "description": opps["description"],
        "apc": opps.get("apc"),
        "rate_usd": opps.get("payment_rate_usd"),
    }


def _asp(drug_billing: dict | None) -> dict | None:
    """ASP payment limit per billing unit (January 2026)."""
    if not drug_billing or not re.fullmatch(r"\d+(\.\d+)?", drug_billing.get("payment_limit_usd") or ""):
        return None
    return {
        "billing_unit": drug_billing["billing_unit"],
        "limit_usd": float(drug_billing["payment_limit_usd"]),
        "limit_text": drug_billing["payment_limit_usd"],
    }


def _other_payer(record: dict) -> str | None:
    """Which Medicare payment system pays a code the PFS does not price, where we can tell."""
    pricing = (record.get("pricing_indicator") or {}).get("code", "")
    coverage = (record.get("coverage") or {}).get("code", "")
    if coverage in {"I", "M", "S"}:
        return None
    if pricing in DMEPOS_PRICING:
        return (
            "the DMEPOS fee schedule (paid by the DME MACs; its amounts are not among the files here, "
            "see the CMS DMEPOS fee schedule for the state amounts)"
        )
    if pricing in {"21", "22"}:
        return "the Clinical Laboratory Fee Schedule (its amounts are not among the files here)"
    if record["code"].startswith("A0") and record["code"] >= "A0425":
        return "the Ambulance Fee Schedule (its amounts are not among the files here)"
    if pricing == "51":
        return "the ASP drug payment method"
    return None


def payment(record: dict, indicators: dict | None) -> dict:
    """Medicare payment facts: PFS dollars, OPPS rate, ASP limit, and what pays a code the PFS excludes."""
    return {
        "pfs": _pfs_dollars(record.get("pfs"), indicators),
        "opps": _opps_payment(record.get("opps")),
        "asp": _asp(record.get("drug_billing")),
        "other": _other_payer(record),
    }


# ---------------------------------------------------------------- when it is used


QUALITY_PARTS = [
    (
        re.compile(
            r"\breason not (given|otherwise specified)\b|\bnot (performed|done|received|documented|ordered|"
            r"prescribed|administered|given|assessed|screened)\b.*\breason not\b",
            re.I,
        ),
        "performance not met: the action was not done and no reason was given",
    ),
    (
        re.compile(r"\b(medical|patient|system) reasons?\b", re.I),
        "a denominator exception: the action was not done for a documented medical, patient or system reason",
    ),
    (
        re.compile(r"\b(not eligible|exclu\w+|hospice|palliative|does not apply|not applicable)\b", re.I),
        "a denominator exclusion: the patient falls outside the measure",
    ),
    (
        re.compile(
            r"\bnot (performed|done|received|documented|ordered|prescribed|administered|given|assessed|"
            r"screened|met|achieved)\b|\bno documentation\b|\bwas not\b|\bnot\b",
            re.I,
        ),
        "performance not met",
    ),
]


def quality_meaning(description: str) -> str:
    """What a quality-data code reports, read from its descriptor."""
    for pattern, meaning in QUALITY_PARTS:
        if pattern.search(description):
            return meaning
    return "performance met: the measured action was done or the outcome was documented"


def _coverage_fact(record: dict) -> dict | None:
    """Medicare coverage in plain words, from the coverage code, statute and manual references."""
    cov = (record.get("coverage") or {}).get("code", "")
    refs = record.get("manual_references") or []
    statute = record.get("statute")
    if cov == "I":
        text = "Medicare does not pay for it (coverage code I: not payable by Medicare); Medicaid or other payers may."
    elif cov == "M":
        text = "Medicare does not cover it (coverage code M: non-covered by Medicare)."
    elif cov == "S":
        law = f", Social Security Act {statute}" if statute else ""
        text = f"Medicare does not cover it: it is excluded by statute (coverage code S{law})."
    elif cov == "D":
        text = "Medicare covers it only under special coverage instructions (coverage code D)"
        text += f"; see {', '.join(refs)}." if refs else "."
    elif cov == "C":
        text = "Medicare coverage is left to the contractor's judgment (coverage code C): the MAC decides."
    else:
        return None
    return fact(text, "hcpcs_admin")


def _setting_fact(record: dict, pay: dict) -> dict | None:
    """Where it is done: PFS facility/non-facility availability and OPPS treatment."""
    pfs, opps = pay.get("pfs"), pay.get("opps")
    if pfs and pfs["paid"]:
        if pfs["non_facility_na"] and not pfs["facility_na"]:
            return fact(
                "The PFS pays it only in a facility setting (hospital, ASC, SNF): no non-facility (office) amount.",
                "pfs",
            )
        if pfs["facility_na"] and not pfs["non_facility_na"]:
            return fact("The PFS pays it only in a non-facility setting such as the office: no facility amount.", "pfs")
        return fact("The PFS pays it both in the office and in a facility.", "pfs")
    if opps and opps["status_indicator"] not in {"B", "E1", "E2", "M", "D"}:
        si = opps["status_indicator"]
        if opps.get("rate_usd"):
            return fact(
                f"Hospital outpatient departments are paid {money(opps['rate_usd'])} under APC "
                f"{opps['apc']} (OPPS status {si}).",
                "opps",
            )
        if si == "N":
            return fact(
                "In a hospital outpatient department its payment is packaged into the payment for the "
                "service it goes with (OPPS status N).",
                "opps",
            )
        if si in {"A", "Y"}:
            return fact(
                f"Hospital outpatient departments bill it but are paid outside OPPS, "
                f"{'on another fee schedule' if si == 'A' else 'on the DMEPOS fee schedule'} "
                f"(OPPS status {si}).",
                "opps",
            )
    return None


def add_on(record: dict, indicators: dict | None, similar: list[dict]) -> dict | None:
    """Whether a code is an add-on and the primary codes it goes with."""
    text = record["long_description"]
    global_zzz = bool(indicators and indicators.get("global_days") == "ZZZ")
    if not (ADD_ON.search(text) or global_zzz):
        return None
    named = [c for c in re.findall(r"\b[A-V]\d{4}\b", text) if c != record["code"]]
    primaries = (
        named
        or [
            s["code"]
            for s in similar
            if not ADD_ON.search(s["short_description"])
            and "each additional" not in s["other_says"]
            and "additional" in s["this_code_says"]
        ][:3]
    )
    return {"primary_codes": primaries, "basis": "PFS global days ZZZ" if global_zzz else "descriptor"}


def sibling_sentence(s: dict) -> str:
    """How a code differs from one sibling, in the words of their descriptors."""
    head = f"Compared with {s['code']} ({s['short_description']})"
    if s["this_code_says"] and s["other_says"]:
        return f"{head}, this code says “{s['this_code_says']}” where {s['code']} says “{s['other_says']}”."
    if s["this_code_says"]:
        return f"{head}, this code adds “{s['this_code_says']}”."
    return f"{head}, {s['code']} adds “{s['other_says']}”."


def mue_sentence(mue: list[dict]) -> str:
    """The MUE limits by setting, or '' when none allows a unit."""
    daily = [m for m in mue if m["units"] > 0]
    if not daily:
        return ""
    listed = ", ".join(
        f"{m['units']} unit{'s' if m['units'] != 1 else ''} from {SETTING_NAMES.get(m['setting'], m['setting'])}"
        for m in daily
    )
    return f"Medically unlikely edits (NCCI, July 2024) allow at most {listed} per patient per day."


SETTING_NAMES = {
    "practitioner": "practitioners",
    "outpatient hospital": "outpatient hospitals",
    "dme supplier": "DME suppliers",
}


def context(
    record: dict,
    pay: dict,
    addon: dict | None,
    similar: list[dict],
    mue: list[dict],
    history_facts: dict,
    used_for: str | None = None,
    everyday: list[str] | None = None,
) -> list[dict]:
    """Facts about when a code is used, beyond its descriptor, each with its source."""
    out = []
    if used_for and record["status"] == "active":
        out.append(fact(f"Typical use of codes in its group: {used_for} (curated, not CMS text).", "typical_use"))
    rbcs = record.get("rbcs")
    if rbcs:
        path = " › ".join(x for x in (rbcs["category"], rbcs["subcategory"], rbcs["family"]) if x)
        out.append(fact(f"CMS classifies it as {path} (RBCS).", "rbcs"))
    if is_quality(record):
        out.append(
            fact(
                "It is a quality-data code reported for a quality measure "
                f"({quality_meaning(record['long_description'])}); "
                "it carries no payment of its own.",
                "hcpcs",
            )
        )
    if addon:
        with_codes = f" (for example {', '.join(addon['primary_codes'])})" if addon["primary_codes"] else ""
        out.append(
            fact(
                f"It is an add-on code: report it only with the primary service{with_codes}.",
                "pfs" if addon["basis"].startswith("PFS") else "hcpcs",
            )
        )
    close = [s for s in similar if s["this_code_says"] or s["other_says"]][:2]
    for s in close:
        out.append(fact(sibling_sentence(s), "hcpcs"))
    setting = _setting_fact(record, pay)
    if setting:
        out.append(setting)
    coverage = _coverage_fact(record)
    if coverage:
        out.append(coverage)
    billing = record.get("drug_billing")
    if billing and billing.get("billing_unit"):
        out.append(
            fact(
                f"One billing unit is {billing['billing_unit'].lower()}: bill the dose given divided by "
                f"{billing['billing_unit'].lower()}, rounded up.",
                "asp",
            )
        )
    limits = mue_sentence(mue)
    if limits:
        out.append(fact(limits, "mue"))
    names = record.get("lay_terms", []) if everyday is None else everyday
    if names:
        out.append(fact("People also call it: " + "; ".join(names[:4]) + ".", "glossary"))
    if history_facts.get("replaced_by"):
        out.append(
            fact(f"It is terminated; CMS cross-references {', '.join(history_facts['replaced_by'])}.", "record_2024")
        )
    return out


SHARED_NAME = 100  # an everyday name more codes than this carry ("shot", "per item") says nothing of one code


def everyday_names(record: dict, shared: dict[str, int]) -> list[str]:
    """A code's everyday names that say something of it: those few codes share, the rarest first."""
    names = [t for t in record.get("lay_terms", []) if shared.get(t, 0) <= SHARED_NAME]
    return sorted(names, key=lambda t: shared.get(t, 0))
