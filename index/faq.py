"""Sentences composed from a record's CMS fields: plain language, context, FAQ.

Nothing here may add a fact that the record's fields do not hold.
"""

from __future__ import annotations

import re

from .facts import CPT_SHAPED, PFS_STATUS_PLAIN, money


def _percent(share: float) -> str:
    """A share 0..1 as a whole percentage."""
    return f"{round(share * 100)}%"


def kind_phrase(record: dict) -> str:
    """'HCPCS Level II modifier' or 'HCPCS Level II code'."""
    return "HCPCS Level II modifier" if record["kind"] == "modifier" else "HCPCS Level II code"


def replacement_sentence(record: dict) -> str:
    """'CMS cross-references J3247 (active): use that code instead.' or ''."""
    history = record.get("history") or {}
    if history.get("replaced_by"):
        codes = ", ".join(
            f"CPT code {c} (AMA; not covered here)" if CPT_SHAPED.match(c) else c for c in history["replaced_by"]
        )
        return f"CMS cross-references it to {codes}, the active code to use instead."
    if record["status"] == "terminated" and history.get("cross_references"):
        return f"CMS cross-references it to {', '.join(history['cross_references'])} (not active either)."
    return ""


def status_sentence(record: dict) -> str:
    """Whether the code is active or terminated, with the date, how the date is known, and the replacement."""
    code = record["code"]
    history = record.get("history") or {}
    if record["status"] == "terminated":
        date = record.get("terminated_date")
        if history.get("termination_basis") == "exact":
            text = (
                f"{code} is terminated: it was deleted effective {date} ({record['status_basis']}) and is no "
                f"longer valid for services after that date."
            )
        else:
            when = f" (end date about {date})" if date else ""
            text = (
                f"{code} is terminated{when}: it is no longer valid for new claims. The exact date is not on "
                f"record here; this is a heuristic ({record['status_basis'].removeprefix('heuristic: ')})."
            )
        replacement = replacement_sentence(record)
        return f"{text} {replacement}".strip()
    added = f" It was added on {history['added_date']}." if history.get("added_date") else ""
    release = record.get("release")
    where = (
        f"the CMS HCPCS release {release['name']} (effective {release['effective_date']})"
        if release
        else "the January 2026 HCPCS file"
    )
    return f"{code} is active in {where}.{added}"


RVU_COMPONENTS = [
    ("facility_pe_rvu", "facility practice expense RVU", ("facility pe", "facility practice")),
    (
        "non_facility_pe_rvu",
        "non-facility practice expense RVU",
        (
            "non-facility pe",
            "nonfacility pe",
            "non facility pe",
            "office pe",
            "non-facility practice",
            "practice expense",
        ),
    ),
    ("malpractice_rvu", "malpractice RVU", ("malpractice", "mp rvu", "liability")),
    ("facility_total_rvu", "facility total RVU", ("facility total",)),
    ("non_facility_total_rvu", "non-facility total RVU", ("non-facility total", "nonfacility total", "total rvu")),
]


def _asked_component(question: str) -> tuple[str, str] | None:
    """The RVU component a question names, as (field, label)."""
    lowered = question.lower()
    for name, label, phrases in RVU_COMPONENTS:
        if any(p in lowered for p in phrases):
            return name, label
    return None


GLOBAL_WORDS = re.compile(r"\bglobal\b|\bpost-?op(erative)? (period|days?)\b")
GLOBAL_DAYS = {
    "000": "0 days: no postoperative period; only same-day care is included",
    "010": "10 days: a minor procedure; care on the day and the 10 days after is included",
    "090": "90 days: a major procedure; the day before, the day of and the 90 days after are included",
    "XXX": "the global surgery concept does not apply to this code",
    "YYY": "the Medicare contractor sets the global period",
    "ZZZ": "an add-on code: it falls within the global period of the primary service",
    "MMM": "maternity care: the usual global surgery rules do not apply",
}


def global_days_sentence(record: dict) -> str:
    """The PFS global surgery period of a code, in plain words."""
    code, pfs = record["code"], record.get("pfs") or {}
    days = pfs.get("global_days")
    if not days:
        return f"The October 2025 PFS file gives {code} no global surgery period."
    meaning = GLOBAL_DAYS.get(days, "see the PFS file's documentation")
    return f"{code}'s global surgery period (PFS, October 2025) is {days}: {meaning}."


def rvu_sentence(record: dict, question: str = "") -> str:
    """The PFS RVUs of a code (the component asked for first), in dollars too, or what is known without them."""
    code, pfs = record["code"], record.get("pfs")
    if not pfs:
        return (
            f"{code} is not in the October 2025 Medicare Physician Fee Schedule relative value file, "
            f"so CMS publishes no RVUs for it. " + _non_pfs_payment(record)
        ).strip()
    asked = _asked_component(question)
    lead = global_days_sentence(record) + " " if GLOBAL_WORDS.search(question.lower()) else ""
    if asked and pfs.get(asked[0]) is not None:
        lead = f"{code} has a {asked[1]} of {pfs[asked[0]]:.2f} (October 2025 PFS). "
    if pfs["work_rvu"]:
        body = (
            f"{code} has a work RVU of {pfs['work_rvu']:.2f} in the October 2025 Medicare Physician Fee "
            f"Schedule (practice expense {pfs['non_facility_pe_rvu']:.2f} non-facility, "
            f"{pfs['facility_pe_rvu']:.2f} facility; malpractice {pfs['malpractice_rvu']:.2f}; "
            f"total {pfs['non_facility_total_rvu']:.2f} non-facility, {pfs['facility_total_rvu']:.2f} facility; "
            f"PFS status {pfs['status_code']}: {pfs['status_description']})."
        )
    else:
        body = (
            f"{code} has no physician work RVU (0.00) in the October 2025 Medicare Physician Fee Schedule; "
            f"its PFS status is {pfs['status_code']} ({pfs['status_description']}): {pfs_status_plain(pfs, record)}."
        )
        if pfs["status_code"] not in {"A", "R", "T"}:
            body += " " + _non_pfs_payment(record)
    return f"{lead}{body} {pfs_dollars_sentence(record)}".strip()


def pfs_status_plain(pfs: dict, record: dict | None = None) -> str:
    """What a PFS status code means for payment, in plain words (never 'may pay' for a code Medicare excludes)."""
    if record and (record.get("coverage") or {}).get("code") in {"I", "M", "S"} and pfs["status_code"] in {"E", "X"}:
        return "not paid under the PFS"
    return PFS_STATUS_PLAIN.get(pfs["status_code"], pfs["status_description"].lower())


def pfs_dollars_sentence(record: dict) -> str:
    """The PFS national amounts in dollars, or ''."""
    pfs = ((record.get("payment") or {}).get("pfs")) or {}
    if not pfs.get("paid"):
        return ""
    parts = []
    if not pfs["non_facility_na"]:
        parts.append(f"{money(pfs['non_facility_usd'])} non-facility (office)")
    if not pfs["facility_na"]:
        parts.append(f"{money(pfs['facility_usd'])} facility")
    elif parts:
        parts[-1] += ", with no facility amount"
    if not parts:
        return ""
    return (
        f"National PFS payment: {' and '.join(parts)} (total RVUs × conversion factor "
        f"{pfs['conversion_factor']}, October 2025 PFS, before geographic adjustment)."
    )


def _non_pfs_payment(record: dict) -> str:
    """What pays a code the PFS does not price, from the payment facts."""
    pay = record.get("payment") or {}
    parts = []
    if pay.get("asp"):
        asp = pay["asp"]
        parts.append(
            f"As a Part B drug it is paid at the ASP payment limit: ${asp['limit_text']} per "
            f"{asp['billing_unit']} billing unit (January 2026 ASP file)."
        )
    if pay.get("other") and not pay.get("asp"):
        parts.append(f"Medicare pays {record['code']} under {pay['other']}.")
    return " ".join(parts)


def payment_answer(record: dict) -> str:
    """What Medicare pays for a code, in dollars, by payment system, with editions: the paying system first."""
    code = record["code"]
    pay = record.get("payment") or {}
    cov = (record.get("coverage") or {}).get("code", "")
    first, then = [], []
    if record["status"] == "terminated":
        first.append(status_sentence(record))
    if cov in {"I", "M", "S"}:
        first.append(coverage_sentence(record))
    dollars = pfs_dollars_sentence(record)
    if dollars:
        first.append(dollars.replace("National PFS payment:", f"Medicare's national PFS payment for {code} is", 1))
    elif record.get("pfs"):
        p = record["pfs"]
        then.append(f"PFS status {p['status_code']} ({p['status_description']}): {pfs_status_plain(p, record)}.")
    other = _non_pfs_payment(record)
    if other:
        first.append(other)
    opps = pay.get("opps") or {}
    if opps.get("rate_usd"):
        first.append(
            f"Hospital outpatient (OPPS) payment rate: {money(opps['rate_usd'])}, APC {opps['apc']}, "
            f"status indicator {opps['status_indicator']} (CY2025 OPPS Addendum B)."
        )
    elif opps:
        then.append(
            f"Under the hospital OPPS its status indicator is {opps['status_indicator']}: "
            f"{_lower_first(opps['description'])} (CY2025)."
        )
    if not first and not then:
        first.append(
            f"The payment files here (PFS October 2025, OPPS CY2025, ASP January 2026) hold no amount for {code}."
        )
    return " ".join(first + then)


def coverage_sentence(record: dict) -> str:
    """Medicare coverage in plain words from the coverage code, or ''."""
    for item in record.get("context", []):
        if item["source"] == "hcpcs_admin" and ("cover" in item["text"] or "pay for it" in item["text"]):
            return item["text"]
    return ""


def coverage_answer(record: dict) -> str:
    """Does Medicare cover a code: coverage code, PFS status, and where a coder checks local policy."""
    code = record["code"]
    parts = []
    sentence = coverage_sentence(record)
    parts.append(f"{code}: {sentence}" if sentence else f"The HCPCS file gives {code} no Medicare coverage code.")
    if record["status"] == "terminated":
        parts.append(status_sentence(record))
    pfs = record.get("pfs")
    if pfs and pfs["status_code"] in {"N", "X", "I", "B", "P", "E"}:
        parts.append(
            f"Physician Fee Schedule status {pfs['status_code']} ({pfs['status_description']}): "
            f"{pfs_status_plain(pfs, record)}."
        )
    other = _non_pfs_payment(record)
    if other and (record.get("coverage") or {}).get("code") not in {"I", "M", "S"}:
        parts.append(other)
    parts.append(
        "Local and national coverage determinations (LCDs, NCDs) are not among the files here: "
        "check your MAC's LCDs and the CMS Medicare Coverage Database for the conditions of coverage."
    )
    return " ".join(parts)


def modifiers_answer(record: dict) -> str:
    """The modifiers that apply to a code, each with the CMS field behind it."""
    code = record["code"]
    mods = record.get("modifiers") or []
    if record["kind"] == "modifier":
        return what_is_answer(record)
    if not mods:
        return (
            f"No CMS field we hold calls for a particular modifier on {code} (its PFS indicators, DMEPOS "
            f"pricing indicator and NCCI pairs do not). Payer-specific modifiers (for example GA or GZ for an "
            f"advance beneficiary notice, KX when policy requirements are met) depend on the claim."
        )
    groups: dict[str, list[str]] = {}
    for m in mods:
        groups.setdefault(m["reason"], []).append(m["modifier"])
    listed = "; ".join(f"{', '.join(names)} ({reason})" for reason, names in groups.items())
    return f"Modifiers for {code}: {listed}."


def _lower_first(text: str) -> str:
    """Text with its first letter lower-cased (CMS descriptors are sentence case)."""
    return text[:1].lower() + text[1:] if text else text


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
        bits.append(
            "type of service "
            + ", ".join(f"{t['code']} ({_lower_first(t['description'])})" for t in record["type_of_service"])
        )
    pricing = record.get("pricing_indicator")
    if pricing and pricing.get("description"):
        bits.append(f"pricing indicator {pricing['code']} ({_lower_first(pricing['description'])})")
    opps = record.get("opps")
    if opps and opps.get("description"):
        bits.append(f"hospital outpatient status {opps['status_indicator']} ({_lower_first(opps['description'])})")
    return ("CMS lists " + "; ".join(bits) + ".") if bits else ""


def compose_clinical_context(record: dict) -> str:
    """Where the code sits in HCPCS and the facts about when it is used."""
    parts = [f"Section: {record['section']}."]
    parts += [item["text"] for item in record.get("context", [])]
    if len(parts) == 1:
        setting = _setting_sentence(record)
        parts += [setting] if setting else []
    return " ".join(parts)


# Medicare specialty names as the claims file writes them -> the short name people also use
SPECIALTY_SHORT = {
    "Ambulatory Surgical Center": "ASC",
    "Nurse Practitioner": "NP",
    "Physician Assistant": "PA",
    "Licensed Clinical Social Worker": "LCSW",
    "Certified Nurse Midwife": "CNM",
    "Physical Medicine and Rehabilitation": "PM&R",
    "Otolaryngology": "ENT",
    "Physical Therapist in Private Practice": "PT",
    "Occupational Therapist in Private Practice": "OT",
}


def _specialty(name: str) -> str:
    """A specialty name with the short name people also use, e.g. 'Ambulatory Surgical Center (ASC)'."""
    short = SPECIALTY_SHORT.get(name)
    return f"{name} ({short})" if short else name


def _claims_sentence(code: str, claims: list[dict]) -> str:
    """Specialties from 2023 claims, ranked only as far as the data ranks them."""
    exact = [c for c in claims if c["rank_exact"]]
    rest = [c for c in claims if not c["rank_exact"]]
    lead = exact or claims[:1]
    text = (
        f"In 2023 Medicare Part B claims, {code} was billed mostly by "
        + ", ".join(f"{_specialty(c['specialty'])}, {_percent(c['share'])}" for c in lead)
        + " of services"
    )
    tail = rest if exact else rest[1:]
    if tail:
        text += "; also among its billers, in an order the data does not fix: " + ", ".join(
            _specialty(c["specialty"]) for c in tail
        )
    return text + " (CMS Physician & Other Practitioners data, partial extract)."


def who_uses_answer(record: dict) -> str:
    """Who bills the code: claims by specialty where held, the billing channel from CMS fields, typical practice."""
    code, who = record["code"], record.get("who") or {}
    if record["kind"] == "modifier":
        return f"Modifier {code} is appended by whoever bills the code it modifies. " + what_is_answer(record)
    parts = []
    if who.get("claims"):
        parts.append(_claims_sentence(code, who["claims"]))
    if who.get("provider_types"):
        verb = "It is billed" if parts else f"{code} is billed"
        parts.append(f"{verb} by {', '.join(who['provider_types'])} — {who['channel_basis']}.")
    elif who.get("channel_basis"):
        parts.append(f"{code} is {who['channel_basis']}.")
    if who.get("not_payable_by_medicare") and code[0] not in "ST":
        parts.append("Medicare does not pay for it; Medicaid or other payers may.")
    typical = who.get("typical")
    if typical:
        bits = []
        if typical["orders"]:
            bits.append(f"ordered by {typical['orders']}")
        if typical["provides"]:
            bits.append(f"provided by {typical['provides']}")
        lead = "Typically" if parts else f"{code} is typically"
        parts.append(f"{lead} " + " and ".join(bits) + " (typical practice, not claims data).")
    if not who.get("claims"):
        parts.append(f"No specialty breakdown of claims is held for {code}.")
    return " ".join(parts)


def when_used_answer(record: dict) -> str:
    """When the code is reported: the descriptor, then the facts beyond it (family, siblings, setting, coverage)."""
    code = record["code"]
    verb = "Append" if record["kind"] == "modifier" else "Use"
    parts = [f"{verb} {code} for {_lower_first(record['long_description']).rstrip('.')}."]
    if record["status"] == "terminated":
        parts.append(status_sentence(record))
    parts += [item["text"] for item in record.get("context", []) if "cross-references" not in item["text"]]
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
    guidance = [c["text"] for c in record.get("context", []) if c["source"] == "guide"]
    answer += "".join(f" In practice: {text}" for text in guidance[:1])
    usage = record.get("modifier_usage")
    if usage:
        sections = "; ".join(f"{x['section']} ({x['codes']})" for x in usage["sections"])
        answer += (
            f" In the CMS fields held here it applies to {usage['codes']} active codes "
            f"({', '.join(usage['reasons'])}), mostly in: {sections}; for example "
            f"{', '.join(usage['examples'][:4])}."
        )
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
        faq += [
            {
                "intent": "modifiers_for_code",
                "question": f"Which modifiers go with {code}?",
                "answer": modifiers_answer(record),
            },
            {
                "intent": "payment",
                "question": f"How much does Medicare pay for {code}?",
                "answer": payment_answer(record),
            },
            {"intent": "coverage", "question": f"Does Medicare cover {code}?", "answer": coverage_answer(record)},
            {"intent": "rvu", "question": f"What is the work RVU of {code}?", "answer": rvu_sentence(record)},
        ]
        faq += _limit_questions(record)
    return faq


def _limit_questions(record: dict) -> list[dict]:
    """Units, MUE and NCCI-pair questions for a code whose records hold the facts to answer them."""
    from . import questions  # composes with the sentences above

    code, faq = record["code"], []
    unit = questions.billing_unit(record)
    if unit and unit["amount"] is not None and record["code"][0] in "JQA" and record.get("drug_billing"):
        faq.append(
            {
                "intent": "units",
                "question": f"How many units of {code} do I bill?",
                "answer": questions.units_answer(record, "")[0],
            }
        )
    if record.get("mue"):
        faq.append(
            {"intent": "mue", "question": f"What is the MUE for {code}?", "answer": questions.mue_answer(record, "")[0]}
        )
    pairs = [p for p in record.get("ncci_pairs") or [] if p["code"] != code]
    if pairs:
        other = pairs[0]["code"]
        stub = {"code": other, "ncci_pairs": []}
        faq.append(
            {
                "intent": "billed_together",
                "question": f"Can {code} and {other} be billed together?",
                "answer": questions.billed_together_answer(record, stub)[0],
            }
        )
    return faq
