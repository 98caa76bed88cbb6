"""Who bills a code: the billing channel from CMS fields (DMEPOS suppliers, ambulance suppliers,
hospital outpatient departments, practitioners, Medicaid-only codes...), and who typically orders and
provides it from our curated table.
"""

from __future__ import annotations

from .cms_terms import DMEPOS_PRICING, PFS_PAID, is_quality


def billing_channel(record: dict) -> tuple[list[str], str] | None:
    """(provider types, why) from CMS fields: the channel a claim for this code goes through."""
    code, pricing = record["code"], (record.get("pricing_indicator") or {}).get("code", "")
    pfs_status = (record.get("pfs") or {}).get("status_code", "")
    tos = {t["code"] for t in record.get("type_of_service", [])}
    if record["kind"] == "modifier":
        return ["whoever bills the code it is appended to"], "a modifier"
    letter = code[0]
    if letter == "S":
        return [
            "providers billing commercial insurers and some Medicaid programs"
        ], "an S-code: a temporary national code that Medicare does not use"
    if letter == "T":
        return [
            "providers enrolled with state Medicaid agencies"
        ], "a T-code: a national code for state Medicaid agencies, not payable by Medicare"
    if letter == "H":
        return [
            "behavioral health and substance use treatment providers billing Medicaid"
        ], "an H-code, used mainly by state Medicaid agencies"
    if letter == "C":
        return [
            "hospital outpatient departments (and ambulatory surgical centers) paid under OPPS"
        ], "a C-code: reported only under the hospital Outpatient Prospective Payment System"
    if "D" in tos or (letter == "A" and code < "A0999"):
        return [
            "ambulance suppliers and providers (ambulance services, Medicare specialty 59)"
        ], "an ambulance or transport code (type of service D)"
    if is_quality(record):
        return ["clinicians reporting quality measures (MIPS) on their claims"], "a quality-data code (PFS status M)"
    if pricing in DMEPOS_PRICING:
        return [
            "DMEPOS suppliers, who bill the DME Medicare Administrative Contractors"
        ], f"DMEPOS pricing indicator {pricing}"
    if pricing == "51":
        if (record.get("rbcs") or {}).get("subcategory") == "Drugs Administered Through DME":
            return [
                "pharmacies and DME suppliers that supply the drug for use with equipment (nebulizer, pump)"
            ], "a Part B drug given through DME (pricing indicator 51; RBCS: drugs administered through DME)"
        return [
            "physician offices, infusion centers and hospital outpatient departments that administer the drug"
        ], "a Part B drug (pricing indicator 51)"
    if pricing in {"21", "22"} or letter in {"P", "U"}:
        return ["clinical laboratories"], "a laboratory code (Clinical Laboratory Fee Schedule)"
    if pfs_status in PFS_PAID or pricing in {"11", "12", "13"}:
        return [
            "physicians and non-physician practitioners, paid under the Physician Fee Schedule"
        ], f"PFS status {pfs_status or pricing}"
    return _channel_from_tos(record, tos, pricing)


TOS_CHANNELS = [  # (type-of-service letters, provider types, why), most specific first
    ("L", "ESRD facilities and home dialysis suppliers", "type of service L (ESRD supplies)"),
    ("E", "DMEPOS suppliers of enteral and parenteral nutrition", "type of service E (enteral/parenteral)"),
    ("K", "audiologists and hearing aid suppliers", "type of service K (hearing items and services)"),
    ("Q", "optometrists, ophthalmologists and optical suppliers", "type of service Q (vision items or services)"),
    ("J", "DMEPOS suppliers (therapeutic shoe fitters, pedorthists)", "type of service J (diabetic shoes)"),
    (
        "V",
        "physician offices, pharmacies, mass immunizers and hospitals that give it",
        "type of service V (vaccines), paid like a vaccine",
    ),
    (
        "PRAS",
        "DMEPOS suppliers, who bill the DME Medicare Administrative Contractors",
        "type of service P, R, A or S (DME, prosthetics, orthotics, supplies)",
    ),
]
OPPS_PAID = {"G", "H", "J1", "J2", "K", "P", "Q1", "Q2", "Q3", "Q4", "R", "S", "T", "U", "V", "X"}


def _channel_from_tos(record: dict, tos: set[str], pricing: str) -> tuple[list[str], str] | None:
    """The billing channel from the type of service, the pricing indicator and the OPPS status."""
    code = record["code"]
    for letters, who_bills, why in TOS_CHANNELS:
        if tos & set(letters):
            return [who_bills], why
    if pricing == "55":
        return ["physicians and practitioners who apply casts and splints"], "pricing indicator 55 (splints and casts)"
    if pricing == "57" and "4" in tos:
        return [
            "physician offices, imaging centers and hospitals that supply the agent for an imaging study"
        ], "type of service 4 (diagnostic radiology), carrier-priced"
    opps = (record.get("opps") or {}).get("status_indicator", "")
    if opps in OPPS_PAID:
        return ["hospital outpatient departments, paid under OPPS"], f"OPPS status indicator {opps}"
    if code[0] == "J" or (code[0] == "Q" and code < "Q4100"):
        return [
            "physician offices, infusion centers and hospital outpatient departments that administer the drug"
        ], "a drug code"
    coverage = (record.get("coverage") or {}).get("code", "")
    if coverage == "I":
        return ["providers, to Medicaid or other payers"], "coverage code I: Medicare does not pay for it"
    if coverage in {"M", "S"}:
        return [
            "providers, to other insurers or to the patient"
        ], f"coverage code {coverage}: Medicare does not cover it"
    return None


def typical_row(code: str, rbcs: dict | None, section_start: str, table: list[dict]) -> dict | None:
    """The most specific row of the curated typical-provider table for a code."""
    ranges = [r for r in table if r["match"] == "range" and r["key"][:5] <= code <= r["key"][-5:]]
    if ranges:
        return min(ranges, key=lambda r: _span(r["key"]))
    for match, key in (
        ("rbcs_family", (rbcs or {}).get("family")),
        ("rbcs_subcategory", (rbcs or {}).get("subcategory")),
        ("section", section_start),
    ):
        row = next((r for r in table if r["match"] == match and key and r["key"] == key), None)
        if row:
            return row
    return None


def _span(key: str) -> int:
    """How many numbers a code range spans (narrower ranges are more specific)."""
    start, end = key[:5], key[-5:]
    return int(end[1:]) - int(start[1:]) if start[0] == end[0] else 10**6


def who(record: dict, typical: dict | None) -> dict:
    """Who bills a code: claims data where we have it, the billing channel from CMS fields, typical practice."""
    channel = billing_channel(record)
    claims = [
        {"specialty": s["specialty"], "share": s["share"], "rank_exact": s["rank_exact"]}
        for s in record.get("specialties", [])
    ]
    typical_part = None
    if typical and (typical["orders"] or typical["provides"]):
        typical_part = {
            "orders": typical["orders"],
            "provides": typical["provides"],
            "row": f"{typical['match']} {typical['key']}",
        }
    return {
        "claims": claims,
        "provider_types": channel[0] if channel else [],
        "channel_basis": channel[1] if channel else None,
        "typical": typical_part,
        "not_payable_by_medicare": (record.get("coverage") or {}).get("code") == "I" or record["code"][0] in "ST",
    }
