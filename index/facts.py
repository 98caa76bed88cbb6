"""Facts per code, composed at import time from the CMS files: who bills it, when it is used, which
modifiers apply, what it pays, limits and NCCI pairs, history, similar codes and how it compares.

Every fact carries the file and edition it comes from (``SOURCES``). Nothing here invents a fact:
where the data is silent, the fact is left out and the answer says so.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from decimal import ROUND_HALF_UP, Decimal
from collections import defaultdict

SOURCES = {
    "hcpcs": "CMS HCPCS Level II file, January 2026",
    "hcpcs_admin": "CMS HCPCS file, administrative fields, October 2025",
    "record_2024": "CMS HCPCS quarterly record, July 2024",
    "pfs": "CMS Physician Fee Schedule relative value file RVU25D, October 2025",
    "opps": "CMS OPPS Addendum B, CY2025 final rule",
    "asp": "CMS ASP Medicare Part B drug payment limits, January 2026",
    "mue": "CMS NCCI medically unlikely edits, July 2024",
    "ptp": "CMS NCCI procedure-to-procedure edits, July 2024",
    "rbcs": "CMS Restructured BETOS Classification System (RBCS), 2024",
    "claims": "CMS Medicare Physician & Other Practitioners by Provider and Service, CY2023 (partial extract)",
    "typical": "codesearch typical-provider table: typical practice, not claims data",
    "glossary": "codesearch everyday-name glossaries",
    "ndc": "CMS ASP NDC-HCPCS crosswalk, January 2026",
}
PTP_MODIFIERS = "59, XE, XP, XS or XU"
DMEPOS_PRICING = {"31", "32", "33", "34", "35", "36", "37", "38", "39", "45", "46"}
PFS_PAID = {"A", "R", "T"}
CPT_SHAPED = re.compile(r"^\d{4}[0-9FTU]$")
PFS_STATUS_PLAIN = {
    "A": "paid under the PFS", "R": "paid under the PFS with restricted coverage",
    "T": "paid under the PFS only when no other PFS service is billed that day",
    "B": "bundled: the PFS pays no separate amount; its payment is in the services it goes with",
    "C": "priced by the Medicare contractor (MAC), not nationally",
    "E": "not paid under the PFS (excluded by regulation); that does not mean Medicare never pays it: "
         "other payment systems may",
    "X": "not paid under the PFS because the law keeps it out of the physician fee schedule; Medicare may pay it "
         "under another fee schedule",
    "I": "not valid for Medicare claims: Medicare uses another code for the service",
    "M": "a measurement code: reported for quality programs, no payment",
    "N": "not covered by Medicare", "P": "no separate PFS payment (bundled or excluded)",
}
ADD_ON = re.compile(r"\b(add-on|each additional|list separately|in addition to)\b", re.I)
WORD = re.compile(r"[a-z0-9]+(?:[.\-/][a-z0-9]+)*")
STOP = frozenset("a an and or of the for to in on with by per at as is be each".split())
GENERIC = frozenset("injection mg mcg ml gm g unit units dose per each supply supplies device item".split())


def fact(text: str, source: str) -> dict:
    """One stated fact and the source key it comes from."""
    return {"text": text, "source": source}


def money(value: float) -> str:
    """US dollars with cents, half-up as CMS rounds, e.g. $1,234.50 (81.815 -> $81.82)."""
    cents = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${cents:,.2f}"


# ---------------------------------------------------------------- history


def history(code: str, status: dict, admin_added: str | None, record_2024: dict | None,
            active_codes: set[str], sources: list[str] | None = None) -> dict:
    """Added, terminated (exact or heuristic, and which) and the codes CMS cross-references."""
    xrefs = [x for x in (record_2024 or {}).get("xref", []) if x != code]
    exact = bool(record_2024 and record_2024.get("terminated_date")
                 and record_2024["terminated_date"] == status.get("terminated_date")) or \
        status.get("status_basis", "").startswith("TERM_DT")
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
    return {"status_code": pfs["status_code"], "paid": pfs["status_code"] in PFS_PAID and (non_facility or facility) > 0,
            "non_facility_usd": non_facility, "facility_usd": facility, "conversion_factor": factor,
            "non_facility_na": indicators["non_facility_na"], "facility_na": indicators["facility_na"]}


def _opps_payment(opps: dict | None) -> dict | None:
    """OPPS status, APC and national rate."""
    if not opps:
        return None
    return {"status_indicator": opps["status_indicator"], "description": opps["description"],
            "apc": opps.get("apc"), "rate_usd": opps.get("payment_rate_usd")}


def _asp(drug_billing: dict | None) -> dict | None:
    """ASP payment limit per billing unit (January 2026)."""
    if not drug_billing or not re.fullmatch(r"\d+(\.\d+)?", drug_billing.get("payment_limit_usd") or ""):
        return None
    return {"billing_unit": drug_billing["billing_unit"], "limit_usd": float(drug_billing["payment_limit_usd"]),
            "limit_text": drug_billing["payment_limit_usd"]}


def _other_payer(record: dict) -> str | None:
    """Which Medicare payment system pays a code the PFS does not price, where we can tell."""
    pricing = (record.get("pricing_indicator") or {}).get("code", "")
    coverage = (record.get("coverage") or {}).get("code", "")
    if coverage in {"I", "M", "S"}:
        return None
    if pricing in DMEPOS_PRICING:
        return ("the DMEPOS fee schedule (paid by the DME MACs; its amounts are not among the files here, "
                "see the CMS DMEPOS fee schedule for the state amounts)")
    if pricing in {"21", "22"}:
        return "the Clinical Laboratory Fee Schedule (its amounts are not among the files here)"
    if record["code"].startswith("A0") and record["code"] >= "A0425":
        return "the Ambulance Fee Schedule (its amounts are not among the files here)"
    if pricing == "51":
        return "the ASP drug payment method"
    return None


def payment(record: dict, indicators: dict | None) -> dict:
    """Medicare payment facts: PFS dollars, OPPS rate, ASP limit, and what pays a code the PFS excludes."""
    return {"pfs": _pfs_dollars(record.get("pfs"), indicators), "opps": _opps_payment(record.get("opps")),
            "asp": _asp(record.get("drug_billing")), "other": _other_payer(record)}


# ---------------------------------------------------------------- modifiers


def _pfs_modifiers(ind: dict) -> list[dict]:
    """Modifiers implied by the PFS payment policy indicators."""
    out = []
    if ind["pctc"] == "1":
        out += [{"modifier": "26", "reason": "PFS PC/TC indicator 1: professional component billed alone"},
                {"modifier": "TC", "reason": "PFS PC/TC indicator 1: technical component billed alone"}]
    if ind["bilateral"] == "1":
        out.append({"modifier": "50", "reason": "PFS bilateral indicator 1: 150% payment when done on both sides"})
    elif ind["bilateral"] == "3":
        out += [{"modifier": "RT", "reason": "PFS bilateral indicator 3: each side paid at 100%"},
                {"modifier": "LT", "reason": "PFS bilateral indicator 3: each side paid at 100%"}]
    if ind["assistant"] == "2":
        out += [{"modifier": m, "reason": "PFS assistant-at-surgery indicator 2: an assistant may be paid"}
                for m in ("80", "82", "AS")]
    if ind["co_surgery"] in {"1", "2"}:
        out.append({"modifier": "62", "reason": f"PFS co-surgeon indicator {ind['co_surgery']}: co-surgeons allowed"})
    if ind["team"] in {"1", "2"}:
        out.append({"modifier": "66", "reason": f"PFS team-surgery indicator {ind['team']}: a team may be paid"})
    for mod in ind.get("modifier_rows", []):
        if not any(m["modifier"] == mod for m in out):
            out.append({"modifier": mod, "reason": f"the PFS file prices {mod} on its own row"})
    return out


DME_PRICING_NAMES = {"31": "frequently serviced", "32": "inexpensive or routinely purchased", "33": "oxygen",
                     "36": "capped rental", "38": "orthotics and prosthetics"}


def _dme_modifiers(pricing: str, record: dict) -> list[dict]:
    """Rental and purchase modifiers implied by a DMEPOS pricing indicator."""
    basis = f"DMEPOS pricing indicator {pricing} ({DME_PRICING_NAMES.get(pricing, '')})"
    if pricing == "36":
        return [{"modifier": "RR", "reason": f"{basis}: billed as a monthly rental"},
                {"modifier": "KH", "reason": f"{basis}: first rental month"},
                {"modifier": "KI", "reason": f"{basis}: second and third rental months"},
                {"modifier": "KJ", "reason": f"{basis}: rental months four to thirteen"}]
    if pricing == "32":
        return [{"modifier": "NU", "reason": f"{basis}: bought new"},
                {"modifier": "UE", "reason": f"{basis}: bought used"},
                {"modifier": "RR", "reason": f"{basis}: rented"}]
    if pricing in {"31", "33"}:
        return [{"modifier": "RR", "reason": f"{basis}: paid as a rental"}]
    if record["code"][0] == "L" and "L1000" <= record["code"] <= "L7999":
        return [{"modifier": m, "reason": "a limb orthosis or prosthesis: the side fitted (the DME MACs require RT or "
                                          "LT, both on separate lines for a pair)"} for m in ("RT", "LT")]
    return []


def modifiers(record: dict, indicators: dict | None, pairs: list[dict]) -> list[dict]:
    """Modifiers that apply to a code, each with the CMS field that makes it apply."""
    if record["kind"] == "modifier":
        return []
    pricing = (record.get("pricing_indicator") or {}).get("code", "")
    coverage = (record.get("coverage") or {}).get("code", "")
    out = _pfs_modifiers(indicators) if indicators else []
    out += _dme_modifiers(pricing, record)
    code = record["code"]
    if code.startswith("A04") or code == "A0888":
        out += [{"modifier": "QN", "reason": "ambulance code: furnished by a provider (hospital-based) service"},
                {"modifier": "QM", "reason": "ambulance code: furnished under arrangement by a provider"}]
    if pricing == "51" and record.get("drug_billing"):
        out += [{"modifier": "JZ", "reason": "Part B drug (pricing indicator 51): no amount discarded from a "
                                             "single-dose container"},
                {"modifier": "JW", "reason": "Part B drug (pricing indicator 51): amount discarded from a "
                                             "single-dose container, on its own line"}]
    if coverage in {"M", "S"}:
        out.append({"modifier": "GY", "reason": f"coverage code {coverage}: statutorily excluded or not a Medicare "
                                                "benefit, billed to get a denial"})
    if any(p["modifier_indicator"] == "1" for p in pairs):
        out += [{"modifier": m, "reason": "NCCI pair with modifier indicator 1: a distinct service"}
                for m in ("59", "XE", "XP", "XS", "XU")]
    seen: dict[str, dict] = {}
    for m in out:
        seen.setdefault(m["modifier"], m)
    return list(seen.values())


def modifier_usage(records: list[dict]) -> dict[str, dict]:
    """Per modifier: how many active codes CMS fields attach it to, the sections they are in, and examples."""
    codes: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        if record["status"] == "active":
            for rule in record.get("modifiers", []):
                codes[rule["modifier"]].append(record)
    usage = {}
    for modifier, rows in codes.items():
        sections: dict[str, int] = defaultdict(int)
        reasons: dict[str, int] = defaultdict(int)
        for row in rows:
            sections[row["section"]] += 1
        for row in rows:
            reason = next(m["reason"] for m in row["modifiers"] if m["modifier"] == modifier)
            reasons[reason.split(":")[0]] += 1
        usage[modifier] = {
            "codes": len(rows),
            "sections": [{"section": k, "codes": v} for k, v in sorted(sections.items(), key=lambda kv: -kv[1])[:4]],
            "reasons": [k for k, _ in sorted(reasons.items(), key=lambda kv: -kv[1])[:3]],
            "examples": [r["code"] for r in rows[:6]],
        }
    return usage


def usage_facts(usage: dict | None) -> list[dict]:
    """The codes a modifier goes with, as facts for its 'when is it used' answer."""
    if not usage:
        return []
    sections = "; ".join(f"{x['section']} ({x['codes']})" for x in usage["sections"][:3])
    return [fact(f"CMS fields call for it on {usage['codes']} active codes ({', '.join(usage['reasons'])}), "
                 f"for example {', '.join(usage['examples'][:4])}.", "hcpcs_admin"),
            fact(f"Those codes are mostly in: {sections}.", "hcpcs")]


# ---------------------------------------------------------------- who bills it


def billing_channel(record: dict) -> tuple[list[str], str] | None:
    """(provider types, why) from CMS fields: the channel a claim for this code goes through."""
    code, pricing = record["code"], (record.get("pricing_indicator") or {}).get("code", "")
    coverage = (record.get("coverage") or {}).get("code", "")
    pfs_status = (record.get("pfs") or {}).get("status_code", "")
    tos = {t["code"] for t in record.get("type_of_service", [])}
    if record["kind"] == "modifier":
        return ["whoever bills the code it is appended to"], "a modifier"
    letter = code[0]
    if letter == "S":
        return ["providers billing commercial insurers and some Medicaid programs"], \
            "an S-code: a temporary national code that Medicare does not use"
    if letter == "T":
        return ["providers enrolled with state Medicaid agencies"], \
            "a T-code: a national code for state Medicaid agencies, not payable by Medicare"
    if letter == "H":
        return ["behavioral health and substance use treatment providers billing Medicaid"], \
            "an H-code, used mainly by state Medicaid agencies"
    if letter == "C":
        return ["hospital outpatient departments (and ambulatory surgical centers) paid under OPPS"], \
            "a C-code: reported only under the hospital Outpatient Prospective Payment System"
    if "D" in tos or (letter == "A" and code < "A0999"):
        return ["ambulance suppliers and providers (ambulance services, Medicare specialty 59)"], \
            "an ambulance or transport code (type of service D)"
    if is_quality(record):
        return ["clinicians reporting quality measures (MIPS) on their claims"], \
            "a quality-data code (PFS status M)"
    if pricing in DMEPOS_PRICING:
        return ["DMEPOS suppliers, who bill the DME Medicare Administrative Contractors"], \
            f"DMEPOS pricing indicator {pricing}"
    if pricing == "51":
        if (record.get("rbcs") or {}).get("subcategory") == "Drugs Administered Through DME":
            return ["pharmacies and DME suppliers that supply the drug for use with equipment (nebulizer, pump)"], \
                "a Part B drug given through DME (pricing indicator 51; RBCS: drugs administered through DME)"
        return ["physician offices, infusion centers and hospital outpatient departments that administer the drug"], \
            "a Part B drug (pricing indicator 51)"
    if pricing in {"21", "22"} or letter in {"P", "U"}:
        return ["clinical laboratories"], "a laboratory code (Clinical Laboratory Fee Schedule)"
    if pfs_status in PFS_PAID or pricing in {"11", "12", "13"}:
        return ["physicians and non-physician practitioners, paid under the Physician Fee Schedule"], \
            f"PFS status {pfs_status or pricing}"
    return _channel_from_tos(record, tos, pricing)


TOS_CHANNELS = [  # (type-of-service letters, provider types, why), most specific first
    ("L", "ESRD facilities and home dialysis suppliers", "type of service L (ESRD supplies)"),
    ("E", "DMEPOS suppliers of enteral and parenteral nutrition", "type of service E (enteral/parenteral)"),
    ("K", "audiologists and hearing aid suppliers", "type of service K (hearing items and services)"),
    ("Q", "optometrists, ophthalmologists and optical suppliers", "type of service Q (vision items or services)"),
    ("J", "DMEPOS suppliers (therapeutic shoe fitters, pedorthists)", "type of service J (diabetic shoes)"),
    ("V", "physician offices, pharmacies, mass immunizers and hospitals that give it",
     "type of service V (vaccines), paid like a vaccine"),
    ("PRAS", "DMEPOS suppliers, who bill the DME Medicare Administrative Contractors",
     "type of service P, R, A or S (DME, prosthetics, orthotics, supplies)"),
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
        return ["physician offices, imaging centers and hospitals that supply the agent for an imaging study"], \
            "type of service 4 (diagnostic radiology), carrier-priced"
    opps = (record.get("opps") or {}).get("status_indicator", "")
    if opps in OPPS_PAID:
        return ["hospital outpatient departments, paid under OPPS"], f"OPPS status indicator {opps}"
    if code[0] == "J" or (code[0] == "Q" and code < "Q4100"):
        return ["physician offices, infusion centers and hospital outpatient departments that administer the drug"], \
            "a drug code"
    coverage = (record.get("coverage") or {}).get("code", "")
    if coverage == "I":
        return ["providers, to Medicaid or other payers"], "coverage code I: Medicare does not pay for it"
    if coverage in {"M", "S"}:
        return ["providers, to other insurers or to the patient"], f"coverage code {coverage}: Medicare does not cover it"
    return None
    if coverage == "I":
        return ["providers, to Medicaid or other payers"], "coverage code I: Medicare does not pay for it"
    if coverage in {"M", "S"}:
        return ["providers, to other insurers or to the patient"], \
            f"coverage code {coverage}: Medicare does not cover it"
    return None


def typical_row(code: str, rbcs: dict | None, section_start: str, table: list[dict]) -> dict | None:
    """The most specific row of the curated typical-provider table for a code."""
    ranges = [r for r in table if r["match"] == "range" and r["key"][:5] <= code <= r["key"][-5:]]
    if ranges:
        return min(ranges, key=lambda r: _span(r["key"]))
    for match, key in (("rbcs_family", (rbcs or {}).get("family")), ("rbcs_subcategory", (rbcs or {}).get("subcategory")),
                       ("section", section_start)):
        row = next((r for r in table if r["match"] == match and key and r["key"] == key), None)
        if row:
            return row
    return None


def _span(key: str) -> int:
    """How many numbers a code range spans (narrower ranges are more specific)."""
    start, end = key[:5], key[-5:]
    return int(end[1:]) - int(start[1:]) if start[0] == end[0] else 10 ** 6


def who(record: dict, typical: dict | None) -> dict:
    """Who bills a code: claims data where we have it, the billing channel from CMS fields, typical practice."""
    channel = billing_channel(record)
    claims = [{"specialty": s["specialty"], "share": s["share"], "rank_exact": s["rank_exact"]}
              for s in record.get("specialties", [])]
    typical_part = None
    if typical and (typical["orders"] or typical["provides"]):
        typical_part = {"orders": typical["orders"], "provides": typical["provides"],
                        "row": f"{typical['match']} {typical['key']}"}
    return {"claims": claims, "provider_types": channel[0] if channel else [],
            "channel_basis": channel[1] if channel else None, "typical": typical_part,
            "not_payable_by_medicare": (record.get("coverage") or {}).get("code") == "I"
            or record["code"][0] in "ST"}


# ---------------------------------------------------------------- similar codes and comparison


def words(text: str) -> list[str]:
    """Lower-case descriptor words without stop words, in order."""
    return [w for w in WORD.findall(text.lower()) if w not in STOP]


def difference(mine: str, theirs: str) -> tuple[list[str], list[str]]:
    """(words only in mine, words only in theirs), each in descriptor order."""
    a, b = words(mine), words(theirs)
    sa, sb = set(a), set(b)
    return list(dict.fromkeys(w for w in a if w not in sb)), list(dict.fromkeys(w for w in b if w not in sa))


def _jaccard(a: set[str], b: set[str]) -> float:
    """Word overlap of two descriptors."""
    return len(a & b) / len(a | b) if a and b else 0.0


class Families:
    """Code groups for similar codes and comparisons: the RBCS family, else the code's 4-character block."""

    def __init__(self, records: list[dict]):
        self.by_code = {r["code"]: r for r in records}
        self.groups: dict[str, list[str]] = defaultdict(list)
        self.sections: dict[str, list[dict]] = defaultdict(list)
        for r in records:
            if r["kind"] == "modifier":
                continue
            self.groups[self.group(r)].append(r["code"])
            self.sections[r["section"]].append(r)
        self.words = {r["code"]: {w for w in words(r["long_description"]) if w not in GENERIC and not any(
            ch.isdigit() for ch in w)} for r in records}
        self.work = {name: sorted(r["pfs"]["work_rvu"] for r in rows
                                  if r["status"] == "active" and r.get("pfs") and r["pfs"].get("work_rvu"))
                     for name, rows in self.sections.items()}
        self.active = {name: sum(r["status"] == "active" for r in rows) for name, rows in self.sections.items()}

    @staticmethod
    def group(record: dict) -> str:
        """The group key of a record."""
        family = (record.get("rbcs") or {}).get("family")
        return f"rbcs:{family}" if family else f"block:{record['code'][:4]}"

    def similar(self, record: dict, limit: int = 5) -> list[dict]:
        """Up to ``limit`` siblings, closest wording first, each with the words that set it apart."""
        code = record["code"]
        mine = self.words[code]
        pool = [c for c in self.groups.get(self.group(record), []) if c != code]
        if len(pool) < 2:
            pool += [c for key, codes in self.groups.items() if key == f"block:{code[:4]}" for c in codes if c != code]
        scored = []
        for other in dict.fromkeys(pool):
            sibling = self.by_code[other]
            if sibling["status"] == "terminated" and record["status"] == "active":
                continue
            score = _jaccard(mine, self.words[other])
            if score >= 0.3:
                distance = abs(int(other[1:]) - int(code[1:])) if other[0] == code[0] else 10 ** 5
                scored.append((other[0] != code[0], -score, distance, other))
        out = []
        for *_, other in sorted(scored)[:limit]:
            sibling = self.by_code[other]
            only_mine, only_theirs = difference(record["long_description"], sibling["long_description"])
            out.append({"code": other, "short_description": sibling["short_description"],
                        "status": sibling["status"], "this_code_says": " ".join(only_mine[:8]),
                        "other_says": " ".join(only_theirs[:8])})
        return out

    def comparison(self, record: dict) -> dict | None:
        """Where a code stands in its section: work RVU percentile, share of active codes without work RVUs."""
        if record["kind"] == "modifier":
            return None
        section = record["section"]
        with_work, active = self.work.get(section, []), self.active.get(section, 0)
        if not active:
            return None
        work = (record.get("pfs") or {}).get("work_rvu") or 0.0
        out = {"section": section, "active_codes": active,
               "share_without_work_rvu": round(1 - len(with_work) / active, 3), "work_rvu": work or None,
               "work_rvu_percentile": None, "codes_with_work_rvu": len(with_work)}
        if work and with_work:
            out["work_rvu_percentile"] = round(100 * bisect_left(with_work, work) / len(with_work))
        return out


# ---------------------------------------------------------------- when it is used


QUALITY_PARTS = [
    (re.compile(r"\breason not (given|otherwise specified)\b|\bnot (performed|done|received|documented|ordered|"
                r"prescribed|administered|given|assessed|screened)\b.*\breason not\b", re.I),
     "performance not met: the action was not done and no reason was given"),
    (re.compile(r"\b(medical|patient|system) reasons?\b", re.I),
     "a denominator exception: the action was not done for a documented medical, patient or system reason"),
    (re.compile(r"\b(not eligible|exclu\w+|hospice|palliative|does not apply|not applicable)\b", re.I),
     "a denominator exclusion: the patient falls outside the measure"),
    (re.compile(r"\bnot (performed|done|received|documented|ordered|prescribed|administered|given|assessed|"
                r"screened|met|achieved)\b|\bno documentation\b|\bwas not\b|\bnot\b", re.I),
     "performance not met"),
]


def is_quality(record: dict) -> bool:
    """A quality-data (MIPS measure) code: PFS status M, or in the G8000+ or M1000+ blocks."""
    code = record["code"]
    return (record.get("pfs") or {}).get("status_code") == "M" or (
        len(code) == 5 and ((code[0] == "G" and code >= "G8000") or (code[0] == "M" and code >= "M1000")))


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
            return fact("The PFS pays it only in a facility setting (hospital, ASC, SNF): "
                        "no non-facility (office) amount.", "pfs")
        if pfs["facility_na"] and not pfs["non_facility_na"]:
            return fact("The PFS pays it only in a non-facility setting such as the office: "
                        "no facility amount.", "pfs")
        return fact("The PFS pays it both in the office and in a facility.", "pfs")
    if opps and opps["status_indicator"] not in {"B", "E1", "E2", "M", "D"}:
        si = opps["status_indicator"]
        if opps.get("rate_usd"):
            return fact(f"Hospital outpatient departments are paid {money(opps['rate_usd'])} under APC "
                        f"{opps['apc']} (OPPS status {si}).", "opps")
        if si == "N":
            return fact("In a hospital outpatient department its payment is packaged into the payment for the "
                        "service it goes with (OPPS status N).", "opps")
        if si in {"A", "Y"}:
            return fact(f"Hospital outpatient departments bill it but are paid outside OPPS, "
                        f"{'on another fee schedule' if si == 'A' else 'on the DMEPOS fee schedule'} "
                        f"(OPPS status {si}).", "opps")
    return None


def add_on(record: dict, indicators: dict | None, similar: list[dict]) -> dict | None:
    """Whether a code is an add-on and the primary codes it goes with."""
    text = record["long_description"]
    global_zzz = bool(indicators and indicators.get("global_days") == "ZZZ")
    if not (ADD_ON.search(text) or global_zzz):
        return None
    named = [c for c in re.findall(r"\b[A-V]\d{4}\b", text) if c != record["code"]]
    primaries = named or [s["code"] for s in similar if not ADD_ON.search(s["short_description"])
                          and "each additional" not in s["other_says"] and "additional" in s["this_code_says"]][:3]
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
    listed = ", ".join(f"{m['units']} unit{'s' if m['units'] != 1 else ''} from "
                       f"{SETTING_NAMES.get(m['setting'], m['setting'])}" for m in daily)
    return f"Medically unlikely edits (NCCI, July 2024) allow at most {listed} per patient per day."


SETTING_NAMES = {"practitioner": "practitioners", "outpatient hospital": "outpatient hospitals",
                 "dme supplier": "DME suppliers"}


def context(record: dict, pay: dict, addon: dict | None, similar: list[dict], mue: list[dict],
            history_facts: dict) -> list[dict]:
    """Facts about when a code is used, beyond its descriptor, each with its source."""
    out = []
    rbcs = record.get("rbcs")
    if rbcs:
        path = " › ".join(x for x in (rbcs["category"], rbcs["subcategory"], rbcs["family"]) if x)
        out.append(fact(f"CMS classifies it as {path} (RBCS).", "rbcs"))
    if is_quality(record):
        out.append(fact(f"It is a quality-data code reported for a quality measure ({quality_meaning(record['long_description'])}); "
                        "it carries no payment of its own.", "hcpcs"))
    if addon:
        with_codes = f" (for example {', '.join(addon['primary_codes'])})" if addon["primary_codes"] else ""
        out.append(fact(f"It is an add-on code: report it only with the primary service{with_codes}.",
                        "pfs" if addon["basis"].startswith("PFS") else "hcpcs"))
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
        out.append(fact(f"One billing unit is {billing['billing_unit'].lower()}: bill the dose given divided by "
                        f"{billing['billing_unit'].lower()}, rounded up.", "asp"))
    limits = mue_sentence(mue)
    if limits:
        out.append(fact(limits, "mue"))
    if record.get("lay_terms"):
        out.append(fact("People also call it: " + "; ".join(record["lay_terms"][:4]) + ".", "glossary"))
    if history_facts.get("replaced_by"):
        out.append(fact(f"It is terminated; CMS cross-references {', '.join(history_facts['replaced_by'])}.",
                        "record_2024"))
    return out
