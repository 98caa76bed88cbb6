"""Sentences composed from a record's CMS fields: plain language, context, FAQ.

Nothing here may add a fact that the record's fields do not hold.
"""
from __future__ import annotations

# Pricing indicators of the DMEPOS fee schedule group (CMS record layout, field 9).
DMEPOS_PRICING = {"31", "32", "33", "34", "35", "36", "37", "38", "39", "45", "46"}


def _lower_first(text: str) -> str:
    """Text with its first letter lower-cased (CMS descriptors are sentence case)."""
    return text[:1].lower() + text[1:] if text else text


def _percent(share: float) -> str:
    """A share 0..1 as a whole percentage."""
    return f"{round(share * 100)}%"


def kind_phrase(record: dict) -> str:
    """'HCPCS Level II modifier' or 'HCPCS Level II code'."""
    return "HCPCS Level II modifier" if record["kind"] == "modifier" else "HCPCS Level II code"


def status_sentence(record: dict) -> str:
    """Whether the code is active or terminated, with the date and basis."""
    code = record["code"]
    if record["status"] == "terminated":
        when = f" (terminated {record['terminated_date']})" if record.get("terminated_date") else ""
        return (f"{code} is a terminated code{when}: it is no longer valid for new claims. "
                f"Basis: {record['status_basis']}.")
    return f"{code} is active in the January 2026 HCPCS file."


def rvu_sentence(record: dict) -> str:
    """The PFS RVUs of a code, or what is known when it has none."""
    code, pfs = record["code"], record.get("pfs")
    if not pfs:
        return (f"{code} is not in the October 2025 Medicare Physician Fee Schedule relative value file, "
                f"so CMS publishes no RVUs for it.")
    if pfs["work_rvu"]:
        return (f"{code} has a work RVU of {pfs['work_rvu']:.2f} in the October 2025 Medicare Physician Fee "
                f"Schedule (total {pfs['non_facility_total_rvu']:.2f} non-facility, "
                f"{pfs['facility_total_rvu']:.2f} facility; PFS status {pfs['status_code']}: "
                f"{pfs['status_description']}).")
    return (f"{code} has no physician work RVU (0.00) in the October 2025 Medicare Physician Fee Schedule; "
            f"its PFS status is {pfs['status_code']}: {pfs['status_description']}.")


def compose_plain_language(record: dict) -> str:
    """The descriptor restated with its abbreviations and everyday terms."""
    parts = [f"{record['long_description']}."]
    if record.get("drug_names"):
        parts.append("Products billed with it include " + ", ".join(record["drug_names"][:6]) + ".")
    if record.get("lay_terms"):
        parts.append("In everyday words: " + "; ".join(record["lay_terms"][:6]) + ".")
    return " ".join(parts)


def _setting_sentence(record: dict) -> str:
    """Type of service, pricing group and hospital outpatient status, as facts."""
    bits = []
    if record["type_of_service"]:
        bits.append("type of service " + ", ".join(
            f"{t['code']} ({_lower_first(t['description'])})" for t in record["type_of_service"]))
    pricing = record.get("pricing_indicator")
    if pricing and pricing.get("description"):
        bits.append(f"pricing indicator {pricing['code']} ({_lower_first(pricing['description'])})")
    opps = record.get("opps")
    if opps and opps.get("description"):
        bits.append(f"hospital outpatient status {opps['status_indicator']} ({_lower_first(opps['description'])})")
    return ("CMS lists " + "; ".join(bits) + ".") if bits else ""


def compose_clinical_context(record: dict) -> str:
    """Where the code sits in HCPCS and how CMS classifies it."""
    parts = [f"Section: {record['section']}."]
    setting = _setting_sentence(record)
    if setting:
        parts.append(setting)
    coverage = record.get("coverage")
    if coverage and coverage.get("description"):
        parts.append(f"Medicare coverage code {coverage['code']}: {coverage['description']}.")
    billing = record.get("drug_billing")
    if billing and billing.get("billing_unit"):
        parts.append(f"Billed per {billing['billing_unit'].lower()} unit.")
    return " ".join(parts)


def who_uses_answer(record: dict) -> str:
    """Who bills the code, as far as the data says."""
    code, specialties = record["code"], record.get("specialties") or []
    if specialties:
        listed = ", ".join(f"{s['specialty']} ({_percent(s['share'])})" for s in specialties[:5])
        return (f"In 2023 Medicare Part B claims, {code} was billed mostly by: {listed} of services. "
                f"Source: CMS Medicare Physician & Other Practitioners data (partial extract).")
    parts = [f"The CMS files here do not say which specialties bill {code}."]
    pricing = record.get("pricing_indicator") or {}
    if record["kind"] == "modifier":
        parts.append("A modifier is appended to a procedure code by whoever bills that procedure.")
    elif pricing.get("code") in DMEPOS_PRICING:
        parts.append("It is priced as durable medical equipment, prosthetics, orthotics or supplies, "
                     "which suppliers bill to the DME contractors.")
    pfs = record.get("pfs") or {}
    if pfs.get("status_code") == "M":
        parts.append("It is a measurement (quality-data) code, reported by clinicians taking part in quality reporting.")
    setting = _setting_sentence(record)
    if setting:
        parts.append(setting)
    return " ".join(parts)


def when_used_answer(record: dict) -> str:
    """When the code is reported, from its descriptor, status and payment fields."""
    code = record["code"]
    verb = "Append" if record["kind"] == "modifier" else "Report"
    parts = [f"{verb} {code} for: {_lower_first(record['long_description'])}."]
    if record["status"] == "terminated":
        parts.append(status_sentence(record))
    pfs = record.get("pfs") or {}
    if pfs.get("status_code"):
        parts.append(f"Medicare physician fee schedule status {pfs['status_code']}: {pfs['status_description']}.")
    coverage = record.get("coverage")
    if coverage and coverage.get("description"):
        parts.append(f"Medicare coverage: {_lower_first(coverage['description'])}.")
    return " ".join(parts)


def what_is_answer(record: dict) -> str:
    """What the code means, in one or two sentences."""
    code = record["code"]
    answer = f"{code} is a {kind_phrase(record)}: {record['long_description']}"
    answer += "" if answer.endswith(".") else "."
    if record["kind"] != "modifier":
        answer += f" Section: {record['section']}."
    if record.get("drug_names"):
        answer += " Products: " + ", ".join(record["drug_names"][:4]) + "."
    if record["status"] == "terminated":
        answer += " " + status_sentence(record)
    return answer


def compose_faq(record: dict) -> list[dict]:
    """The questions users ask about a code, answered from its fields."""
    code = record["code"]
    label = f"modifier {code}" if record["kind"] == "modifier" else code
    faq = [
        {"intent": "what_is", "question": f"What is {label}?", "answer": what_is_answer(record)},
        {"intent": "who_uses", "question": f"Who uses {label}?", "answer": who_uses_answer(record)},
        {"intent": "when_used", "question": f"When is {label} used?", "answer": when_used_answer(record)},
        {"intent": "status", "question": f"Is {label} active?", "answer": status_sentence(record)},
    ]
    if record["kind"] != "modifier":
        faq.append({"intent": "rvu", "question": f"What is the work RVU of {code}?", "answer": rvu_sentence(record)})
    return faq
