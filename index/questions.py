"""Answers to the questions coders ask beyond one code's page: two codes billed together (NCCI PTP),
two codes compared, units for a dose, the MUE ceiling, the code that replaced another, the code of an NDC.

Composed only from the records' facts (which name their CMS files); where the files are silent, the
answer says so.
"""

from __future__ import annotations

import difflib
import re

from .facts import CPT_SHAPED, PTP_MODIFIERS, money
from .faq import kind_phrase, replacement_sentence, status_sentence
from .units import (  # noqa: F401
    DOSE,
    MAI_MEANING,
    MUE_EDITION,
    _number,
    asked_setting,
    billing_unit,
    dose_in,
    mue_answer,
    units_answer,
)

PTP_EDITION = "CMS NCCI procedure-to-procedure edits, July 2024"
NDC_EDITION = "CMS ASP NDC–HCPCS crosswalk, January 2026"


# ------------------------------------------------------------------ two codes on one claim


def _pairs_between(first: dict, second: dict) -> list[dict]:
    """The NCCI PTP edits between two records, each as {column1, column2, setting, modifier_indicator, rationale}."""
    found = {}
    for record, other in ((first, second), (second, first)):
        for pair in record.get("ncci_pairs") or []:
            if pair["code"] != other["code"]:
                continue
            column2 = pair["denied"]
            column1 = record["code"] if column2 == other["code"] else other["code"]
            found[(pair["setting"], column1, column2)] = {
                "column1": column1,
                "column2": column2,
                "setting": pair["setting"],
                "modifier_indicator": pair["modifier_indicator"],
                "rationale": pair["rationale"],
                "effective": pair["effective"],
            }
    return sorted(found.values(), key=lambda p: (p["setting"] != "practitioner", p["setting"]))


def _settings(pairs: list[dict]) -> str:
    """'practitioner and outpatient hospital' claims."""
    names = list(dict.fromkeys(p["setting"] for p in pairs))
    return " and ".join(names)


def billed_together_answer(first: dict, second: dict) -> tuple[str, dict]:
    """Whether two codes can be billed for one patient on one date under NCCI PTP edits, and which one is denied."""
    a, b = first["code"], second["code"]
    pairs = _pairs_between(first, second)
    facts = {"codes": [a, b], "ncci_pairs": pairs}
    if not pairs:
        text = (
            f"There is no NCCI procedure-to-procedure (PTP) edit between {a} and {b} in the practitioner or "
            f"outpatient hospital files ({PTP_EDITION}): NCCI does not stop them being billed together for the "
            f"same patient on the same date. Each code's own limits still apply (MUEs, coverage, payer policy)."
        )
        return text, facts
    never = [p for p in pairs if p["modifier_indicator"] == "0"]
    allowed = [p for p in pairs if p["modifier_indicator"] == "1"]
    parts = []
    if never:
        p = never[0]
        parts.append(
            f"No: {a} and {b} cannot be billed together for the same patient on the same date on "
            f"{_settings(never)} claims. An NCCI procedure-to-procedure (PTP) edit pairs them with modifier "
            f"indicator 0, so no modifier bypasses it: {p['column2']} (column 2) is denied and {p['column1']} "
            f"(column 1) is paid. Reason: {p['rationale']}."
        )
    if allowed:
        p = allowed[0]
        lead = "On " if never else "Only with a modifier, when the services are truly distinct. On "
        parts.append(
            f"{lead}{_settings(allowed)} claims an NCCI procedure-to-procedure (PTP) edit pairs them with "
            f"modifier indicator 1: {p['column2']} (column 2) is denied when billed with {p['column1']} "
            f"unless a modifier such as {PTP_MODIFIERS} shows a separate encounter, anatomic site, "
            f"practitioner or service, and the record supports it. Reason: {p['rationale']}."
        )
    return " ".join(parts) + f" ({PTP_EDITION}.)", facts


def not_level_two_pair(known: dict, other: str) -> tuple[str, dict]:
    """Two codes where one is CPT-shaped: our NCCI extract pairs Level II codes only."""
    text = (
        f"{other} looks like a CPT code (AMA), and the NCCI edits held here pair HCPCS Level II codes only, so "
        f"this service cannot say whether {known['code']} and {other} may be billed together: check the full NCCI "
        f"PTP tables on cms.gov."
    )
    return text, {"codes": [known["code"], other], "ncci_pairs": []}


# ------------------------------------------------------------------ two codes side by side


def _pay_brief(record: dict) -> str:
    """What Medicare pays for a code, in a few words."""
    pay = record.get("payment") or {}
    pfs, opps, asp = pay.get("pfs") or {}, pay.get("opps") or {}, pay.get("asp")
    if pfs.get("paid") and not pfs.get("non_facility_na"):
        return f"{money(pfs['non_facility_usd'])} non-facility under the PFS"
    if pfs.get("paid") and not pfs.get("facility_na"):
        return f"{money(pfs['facility_usd'])} facility under the PFS"
    if asp:
        return f"${asp['limit_text']} per {asp['billing_unit']} (ASP)"
    if opps.get("rate_usd"):
        return f"{money(opps['rate_usd'])} under the OPPS"
    if pay.get("other"):
        return f"paid under {pay['other'].split(' (')[0]}"
    if (record.get("coverage") or {}).get("code") in {"I", "M", "S"}:
        return "not payable by Medicare"
    return "no amount in the payment files here"


def _who_brief(record: dict) -> str:
    """Who bills a code, in a few words."""
    who = record.get("who") or {}
    if who.get("claims"):
        top = who["claims"][0]
        return f"{top['specialty']} ({round(top['share'] * 100)}% of 2023 Medicare services)"
    types = who.get("provider_types") or []
    return types[0] if types else "not stated in the CMS files here"


DIFF_WORD = re.compile(r"[\w.'/-]+")


def _clip(text: str, most: int = 160) -> str:
    """A long descriptor cut at a word, with an ellipsis."""
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0] + " …"


def word_diff(mine: str, theirs: str) -> tuple[list[str], list[str]]:
    """(phrases only in mine, phrases only in theirs), each in descriptor order, aligned word by word
    ("level 2" and "level 4" differ in "2" and "4", though "2" occurs elsewhere in both)."""
    a, b = DIFF_WORD.findall(mine), DIFF_WORD.findall(theirs)
    matcher = difflib.SequenceMatcher(a=[w.lower() for w in a], b=[w.lower() for w in b], autojunk=False)
    only_a, only_b = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete") and i2 > i1:
            only_a.append(" ".join(a[i1:i2]))
        if tag in ("replace", "insert") and j2 > j1:
            only_b.append(" ".join(b[j1:j2]))
    return only_a, only_b


def compare_answer(first: dict, second: dict) -> tuple[str, dict]:
    """Two codes side by side: the words that differ, status, payment and who bills each."""
    a, b = first["code"], second["code"]
    mine, theirs = word_diff(first["long_description"], second["long_description"])
    parts = [f"{a} is “{_clip(first['long_description'])}”; {b} is “{_clip(second['long_description'])}”."]
    if mine and theirs:
        parts.append(
            f"The difference: {a} says “{_clip(' … '.join(mine))}” where {b} says “{_clip(' … '.join(theirs))}”."
        )
    elif mine or theirs:
        extra, holder = (mine, a) if mine else (theirs, b)
        parts.append(f"The difference: {holder} adds “{_clip(' … '.join(extra))}”.")
    else:
        parts.append("Their descriptors use the same words.")
    for record in (first, second):
        status = (
            "active"
            if record["status"] == "active"
            else f"terminated{' ' + record['terminated_date'] if record.get('terminated_date') else ''}"
        )
        parts.append(
            f"{record['code']}: {status}; Medicare payment: {_pay_brief(record)}; billed by {_who_brief(record)}."
        )
    pairs = _pairs_between(first, second)
    if pairs:
        parts.append(
            f"NCCI pairs them (modifier indicator {pairs[0]['modifier_indicator']}): {pairs[0]['column2']} "
            f"is denied when billed with {pairs[0]['column1']} on the same date."
        )
    facts = {
        "codes": [a, b],
        "only_in": {a: mine, b: theirs},
        "status": {a: first["status"], b: second["status"]},
        "payment": {a: _pay_brief(first), b: _pay_brief(second)},
        "who": {a: _who_brief(first), b: _who_brief(second)},
        "ncci_pairs": pairs,
    }
    return " ".join(parts), facts


# ------------------------------------------------------------------ replacement


def replaced_by_answer(record: dict) -> tuple[str, dict]:
    """The code that replaced a terminated one, or that the code is still in use."""
    code = record["code"]
    history = record.get("history") or {}
    replaced = history.get("replaced_by") or []
    facts = {
        "replaced_by": replaced,
        "cross_references": history.get("cross_references") or [],
        "terminated_date": record.get("terminated_date"),
    }
    if record["status"] == "active":
        return f"{code} is active in the January 2026 HCPCS file, so nothing replaces it: keep using {code}.", facts
    if replaced:
        listed = ", ".join(f"CPT code {c} (AMA; not covered here)" if CPT_SHAPED.match(c) else c for c in replaced)
        status = status_sentence(record).replace(replacement_sentence(record), "").strip()
        return f"{code} was replaced by {listed}. {status}", facts
    return status_sentence(record) + " CMS names no replacement code for it in the HCPCS files here.", facts


# ------------------------------------------------------------------ NDC


def format_ndc(ndc11: str) -> str:
    """An 11-digit NDC in its 5-4-2 written form."""
    return f"{ndc11[:5]}-{ndc11[5:9]}-{ndc11[9:]}"


def _package(code: str, n: dict) -> str:
    """'100 billing units of J9271 per package (1 item of 100 units)'."""
    per_package, per_item, items = (
        n.get("billing_units_per_package"),
        n.get("billing_units_per_item"),
        n.get("items_per_package"),
    )
    if per_package is None:
        return ""
    detail = f" ({_number(items)} × {_number(per_item)} units)" if items and per_item and items != 1 else ""
    return f"{_number(per_package)} billing units of {code} per package{detail}"


def ndc_answer(written: str, records: list[dict], ndcs: list[str]) -> tuple[str, dict]:
    """The code(s) an NDC is billed with, from the ASP crosswalk, with the product and the units per package."""
    wanted = set(ndcs)
    lines, found = [], []
    for record in records:
        for n in record.get("ndcs") or []:
            if n["ndc"].replace("-", "") in wanted:
                found.append({"code": record["code"], **n})
                package = _package(record["code"], n)
                lines.append(
                    f"NDC {n['ndc']} ({n['drug_name']}, {n['labeler']}) is billed with {record['code']}: "
                    f"{record['long_description']}" + (f"; {package}" if package else "") + "."
                )
    tried_forms = [format_ndc(n) for n in ndcs]
    facts = {"ndc": written, "tried": tried_forms, "matches": found}
    if not lines:
        tried = ", ".join(tried_forms)
        return (
            f"NDC {written} (read as {tried}) is not in the {NDC_EDITION}, which lists only the Part B drugs "
            f"Medicare pays at ASP. Search the drug's name instead to find its code."
        ), facts
    return " ".join(lines) + f" ({NDC_EDITION}.)", facts


def ndcs_of_code(record: dict, most: int = 8) -> tuple[str, dict]:
    """The NDCs billed with a drug code, from the ASP crosswalk."""
    code, ndcs = record["code"], record.get("ndcs") or []
    facts = {"ndcs": ndcs}
    if not ndcs:
        return (
            f"The {NDC_EDITION} lists no NDC for {code} ({record['long_description']}): it covers only Part B "
            f"drugs paid at ASP."
        ), facts
    listed = "; ".join(f"{n['ndc']} {n['drug_name']} ({n['labeler']})" for n in ndcs[:most])
    more = f", and {len(ndcs) - most} more" if len(ndcs) > most else ""
    return (
        f"{len(ndcs)} NDC{'s' if len(ndcs) != 1 else ''} are billed with {code} in the {NDC_EDITION}: {listed}{more}."
    ), facts


def unknown_codes_answer(codes: list[str], known: list[dict]) -> str:
    """Two codes where some do not exist: name them."""
    missing = [c for c in codes if c not in {r["code"] for r in known}]
    names = " and ".join(missing)
    have = "; ".join(f"{r['code']} is a {kind_phrase(r)}: {r['long_description']}" for r in known)
    return (
        f"{names} {'is' if len(missing) == 1 else 'are'} not in the HCPCS Level II code set (January 2026), so "
        f"this cannot be answered for both codes." + (f" {have}." if have else "")
    )
