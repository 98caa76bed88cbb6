"""Answers to the questions coders ask beyond one code's page: two codes billed together (NCCI PTP),
two codes compared, units for a dose, the MUE ceiling, the code that replaced another, the code of an NDC.

Composed only from the records' facts (which name their CMS files); where the files are silent, the
answer says so.
"""
from __future__ import annotations

import difflib
import math
import re
from decimal import Decimal

from .facts import CPT_SHAPED, PTP_MODIFIERS, SETTING_NAMES, money
from .faq import kind_phrase, replacement_sentence, status_sentence

PTP_EDITION = "CMS NCCI procedure-to-procedure edits, July 2024"
MUE_EDITION = "CMS NCCI medically unlikely edits, July 2024"
NDC_EDITION = "CMS ASP NDC–HCPCS crosswalk, January 2026"
MAI_MEANING = {
    "1": "a claim-line edit: units above it on one line are denied, and the same code on another line with an "
         "appropriate modifier (such as 76, 91, RT/LT or anatomic modifiers) may be paid",
    "2": "a date-of-service edit based on policy: units above it on one date are denied and CMS does not pay them "
         "on appeal",
    "3": "a date-of-service edit based on clinical judgement: units above it on one date are denied, and may be "
         "paid on appeal when the medical record shows they were medically necessary",
}

# ------------------------------------------------------------------ units for a dose

MASS = {"mcg": 0.001, "microgram": 0.001, "mg": 1.0, "milligram": 1.0, "g": 1000.0, "gm": 1000.0, "gram": 1000.0}
VOLUME = {"ml": 1.0, "cc": 1.0, "milliliter": 1.0, "millilitre": 1.0, "l": 1000.0, "liter": 1000.0, "litre": 1000.0}
UNITS = {"unit": 1.0, "iu": 1.0, "international unit": 1.0, "usp unit": 1.0, "million unit": 1e6}
TIME = {"minute": 1.0, "min": 1.0, "hour": 60.0, "hr": 60.0}
MEASURES = {"mass": MASS, "volume": VOLUME, "units": UNITS, "time": TIME, "miles": {"mile": 1.0}}
UNIT_WORD = (r"(mcg|micrograms?|mg|milligrams?|gm|grams?|g|ml|milliliters?|millilitres?|cc|liters?|litres?|l|"
             r"million units?|international units?|usp units?|units?|iu|minutes?|mins?|hours?|hrs?|miles?)")
AMOUNT = r"(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
DOSE = re.compile(AMOUNT + r"\s*-?\s*" + UNIT_WORD + r"(?![\w-])", re.I)
BILLING_UNIT = re.compile(r"^(?:(up to|per)\s+)?" + AMOUNT + r"\s*" + UNIT_WORD + r"$", re.I)
DESCRIPTOR_UNIT = re.compile(r"(?:,|\bper\b|\beach\b)\s*(up to\s+)?" + AMOUNT + r"?\s*" + UNIT_WORD
                             + r"(?![\w-])", re.I)
# "4 liters per minute", "50 ml or greater per hour": a rate, not what one unit of the code is.
RATE_BEFORE = re.compile(r"\d\s*(mcg|mg|gm?|grams?|ml|cc|l|liters?|litres?|units?|iu)\b[^,;]*$", re.I)


def _unit_name(word: str) -> tuple[str, str] | None:
    """(measure, canonical unit) of a unit word: ("mass", "mg") for "milligrams"."""
    word = word.lower().replace("  ", " ")
    for measure, table in MEASURES.items():
        for name in sorted(table, key=len, reverse=True):
            if word == name or word.rstrip("s") == name or word == name + "s":
                return measure, name
    return None


def _amount(text: str) -> float:
    """A written number ("1,000", ".5") as a float."""
    return float(text.replace(",", ""))


def billing_unit(record: dict) -> dict | None:
    """The amount one unit of a code stands for: {amount, unit, measure, text, up_to, source}, or None.

    From the ASP file's dosage where it has one, else from the descriptor's last "..., 50 mg" or
    "per 15 minutes"."""
    asp = (record.get("drug_billing") or {}).get("billing_unit")
    if asp:
        match = BILLING_UNIT.match(asp.strip())
        if match and (unit := _unit_name(match.group(3))):
            return {"amount": _amount(match.group(2)), "unit": unit[1], "measure": unit[0], "text": asp.strip(),
                    "up_to": (match.group(1) or "").lower() == "up to", "source": "asp"}
    if asp:  # the ASP file's unit, when it is not one amount ("2.5 MG/0.5 MG", "PER VIAL"), is not a mass to divide by
        return {"amount": None, "unit": None, "measure": None, "text": asp.strip(), "up_to": False, "source": "asp"}
    match = _descriptor_unit(record["long_description"])
    if match and (unit := _unit_name(match.group(3))):
        amount = _amount(match.group(2)) if match.group(2) else 1.0
        text = match.group(0).lstrip(",").strip()
        return {"amount": amount, "unit": unit[1], "measure": unit[0], "text": text,
                "up_to": bool(match.group(1)), "source": "hcpcs"}
    return None


def _descriptor_unit(text: str) -> re.Match | None:
    """The last "..., 50 mg" or "per 15 minutes" of a descriptor that is not part of a rate."""
    found = None
    for match in DESCRIPTOR_UNIT.finditer(text):
        rate = match.group(0).lstrip(",").strip().lower().startswith("per") and \
            RATE_BEFORE.search(text[max(0, match.start() - 40):match.start()])
        if not rate:
            found = match
    return found


def dose_in(question: str, code: str) -> dict | None:
    """The dose a question states ("450 mg", "2 gram"), not counting the code's own digits."""
    text = question.replace(code, " ").replace(code.lower(), " ")
    for match in DOSE.finditer(text):
        unit = _unit_name(match.group(2))
        if unit:
            return {"amount": _amount(match.group(1)), "unit": unit[1], "measure": unit[0],
                    "text": f"{match.group(1)} {match.group(2)}"}
    return None


def _number(value: float) -> str:
    """A quantity without a trailing .0 ("8", "0.5", "1,000")."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")


UNIT_LEAD = re.compile(r"^(per|each)\s+", re.I)


def _unit_phrase(unit: dict) -> str:
    """'50 MG', 'unit of up to 250 mg', '15 minutes': what one billing unit is."""
    text = UNIT_LEAD.sub("", unit["text"])
    return f"unit of {text.lower()}" if text.lower().startswith("up to") else text


def _quantity(amount: float, unit: str) -> str:
    """'60 minutes', '1 mg', '2 units': a word unit in the plural when the amount is not one."""
    plural = amount != 1 and unit.isalpha() and len(unit) > 3 and unit not in MASS
    return f"{_number(amount)} {unit}{'s' if plural else ''}"


def _mue_ceiling(record: dict) -> str:
    """One sentence with the MUE per setting, or ''."""
    mue = [m for m in record.get("mue") or [] if m["units"] > 0]
    if not mue:
        return ""
    listed = "; ".join(f"{m['units']} unit{'s' if m['units'] != 1 else ''} from "
                       f"{SETTING_NAMES.get(m['setting'], m['setting'])}" for m in mue)
    return f"Ceiling: the MUE allows at most {listed} per patient per day ({MUE_EDITION})."


def units_answer(record: dict, question: str) -> tuple[str, dict]:
    """How many units of a code a stated dose is, with the arithmetic, the rounding rule and the MUE ceiling."""
    code = record["code"]
    unit = billing_unit(record)
    dose = dose_in(question, code)
    facts = {"billing_unit": unit, "dose": dose, "units": None, "mue": record.get("mue") or []}
    if unit is None:
        text = (f"{code} ({record['long_description']}) states no dose or quantity per unit, so one unit is one "
                f"{'item or service' if record['kind'] == 'procedure' else 'use'} unless the payer says otherwise.")
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    per = f"{code} is billed per {_unit_phrase(unit)}" + (" (the ASP file's billing unit)" if unit["source"] == "asp" else "")
    if unit["amount"] is None:
        text = (f"{per}: one unit is one such dose, package or item, not a single amount a dose can be divided by, so "
                f"bill one unit for each {unit['text'].lower()} given.")
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    if dose is None:
        each = re.sub(r"^(up to|per|each)\s+", "", unit["text"].lower())
        text = f"{per}: one unit for each {each}; for example, {_quantity(unit['amount'] * 4, unit['unit'])} is 4 units."
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    if dose["measure"] != unit["measure"]:
        text = (f"{per}, and a dose in {dose['unit']} does not convert to {unit['unit']} without the product's "
                f"concentration: convert the dose to {unit['unit']} first.")
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    table = MEASURES[dose["measure"]]
    in_units = dose["amount"] * table[dose["unit"]] / table[unit["unit"]]
    exact = in_units / unit["amount"]
    count = max(1, math.ceil(round(exact, 6)))
    facts["units"] = count
    converted = "" if dose["unit"] == unit["unit"] else f" = {_quantity(in_units, unit['unit'])}"
    arithmetic = (f"{dose['text']}{converted} ÷ {_quantity(unit['amount'], unit['unit'])} per unit = "
                  f"{_number(exact)}")
    if abs(exact - round(exact)) < 1e-6 and exact >= 1:
        text = f"Bill {count} unit{'s' if count != 1 else ''} of {code}: {arithmetic}. {per}."
    elif dose["measure"] == "time":
        text = (f"{dose['text']} of {code} is {_number(exact)} units ({arithmetic}); rules for a partial time unit "
                f"differ by service, so check the code's instructions before rounding. {per}.")
    else:
        text = (f"Bill {count} unit{'s' if count != 1 else ''} of {code}: {arithmetic}, and CMS has a partial unit "
                f"rounded up to the next whole unit (a dose below one unit is billed as 1). {per}.")
    asp = (record.get("payment") or {}).get("asp") or {}
    if asp.get("limit_usd") and unit["source"] == "asp":
        total = Decimal(str(asp.get("limit_text") or asp["limit_usd"])) * count  # exact: money() rounds half-up
        text += (f" At the January 2026 ASP payment limit of ${asp['limit_text']} per unit, {count} units come to "
                 f"{money(float(total))}.")
    over = [m for m in record.get("mue") or [] if 0 < m["units"] < count]
    if over:
        text += (f" That is above the MUE of {over[0]['units']} units per day for "
                 f"{SETTING_NAMES.get(over[0]['setting'], over[0]['setting'])}: check the dose and document it.")
    return " ".join(filter(None, [text, _mue_ceiling(record) if not over else ""])), facts


# ------------------------------------------------------------------ medically unlikely edits

SETTING_WORDS = [
    ("dme supplier", re.compile(r"\b(dme|dmepos|suppliers?|equipment compan\w*)\b", re.I)),
    ("outpatient hospital", re.compile(r"\b(hospitals?|outpatient|opps|facility|facilities|hopds?|ub-?04)\b", re.I)),
    ("practitioner", re.compile(r"\b(physicians?|practitioners?|professionals?|doctors?|offices?|clinics?|providers?|"
                                r"cms-?1500|1500)\b", re.I)),
]


def asked_setting(question: str) -> str | None:
    """The MUE setting a question names: practitioner, outpatient hospital or DME supplier."""
    for setting, pattern in SETTING_WORDS:
        if pattern.search(question):
            return setting
    return None


def _mue_line(code: str, m: dict) -> str:
    """One setting's MUE in words."""
    who = SETTING_NAMES.get(m["setting"], m["setting"])
    if m["units"] == 0:
        return (f"for {who} the MUE of {code} is 0 units: the code is not payable in that setting "
                f"(rationale: {m['rationale']})")
    return (f"for {who} the MUE of {code} is {m['units']} unit{'s' if m['units'] != 1 else ''} per patient per "
            f"day (MAI {m['mai']}, {m['mai_description']}; rationale: {m['rationale']})")


def mue_answer(record: dict, question: str) -> tuple[str, dict]:
    """The most units per patient per day by setting, the setting asked for first, with what the MAI means."""
    code = record["code"]
    mue = list(record.get("mue") or [])
    facts = {"mue": mue, "setting": asked_setting(question)}
    if not mue:
        return (f"No medically unlikely edit (MUE) is published for {code} in the NCCI MUE files for practitioners, "
                f"outpatient hospitals or DME suppliers (July 2024). No MUE does not mean no limit: payers may still "
                f"question units that are not medically reasonable."), facts
    asked = facts["setting"]
    mue.sort(key=lambda m: (m["setting"] != asked, m["units"] == 0))  # the setting asked, else one that pays
    lead = mue[0]
    lines = [_mue_line(code, m) for m in mue]
    text = (f"Medically unlikely edit (MUE): {lines[0][0].upper()}{lines[0][1:]}."
            if asked in (None, lead["setting"]) else
            f"The NCCI MUE files hold no medically unlikely edit (MUE) of {code} for "
            f"{SETTING_NAMES.get(asked, asked)}; {lines[0]}.")
    if len(lines) > 1:
        text += " Also " + "; ".join(lines[1:]) + "."
    meaning = MAI_MEANING.get(lead["mai"])
    if meaning:
        text += f" MAI {lead['mai']} means {meaning}."
    return text + f" ({MUE_EDITION}.)", facts


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
                "column1": column1, "column2": column2, "setting": pair["setting"],
                "modifier_indicator": pair["modifier_indicator"], "rationale": pair["rationale"],
                "effective": pair["effective"]}
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
        text = (f"There is no NCCI procedure-to-procedure (PTP) edit between {a} and {b} in the practitioner or "
                f"outpatient hospital files ({PTP_EDITION}): NCCI does not stop them being billed together for the "
                f"same patient on the same date. Each code's own limits still apply (MUEs, coverage, payer policy).")
        return text, facts
    never = [p for p in pairs if p["modifier_indicator"] == "0"]
    allowed = [p for p in pairs if p["modifier_indicator"] == "1"]
    parts = []
    if never:
        p = never[0]
        parts.append(f"No: {a} and {b} cannot be billed together for the same patient on the same date on "
                     f"{_settings(never)} claims. An NCCI procedure-to-procedure (PTP) edit pairs them with modifier "
                     f"indicator 0, so no modifier bypasses it: {p['column2']} (column 2) is denied and {p['column1']} "
                     f"(column 1) is paid. Reason: {p['rationale']}.")
    if allowed:
        p = allowed[0]
        lead = "On " if never else "Only with a modifier, when the services are truly distinct. On "
        parts.append(f"{lead}{_settings(allowed)} claims an NCCI procedure-to-procedure (PTP) edit pairs them with "
                     f"modifier indicator 1: {p['column2']} (column 2) is denied when billed with {p['column1']} "
                     f"unless a modifier such as {PTP_MODIFIERS} shows a separate encounter, anatomic site, "
                     f"practitioner or service, and the record supports it. Reason: {p['rationale']}.")
    return " ".join(parts) + f" ({PTP_EDITION}.)", facts


def not_level_two_pair(known: dict, other: str) -> tuple[str, dict]:
    """Two codes where one is CPT-shaped: our NCCI extract pairs Level II codes only."""
    text = (f"{other} looks like a CPT code (AMA), and the NCCI edits held here pair HCPCS Level II codes only, so "
            f"this service cannot say whether {known['code']} and {other} may be billed together: check the full NCCI "
            f"PTP tables on cms.gov.")
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
        parts.append(f"The difference: {a} says “{_clip(' … '.join(mine))}” where {b} says "
                     f"“{_clip(' … '.join(theirs))}”.")
    elif mine or theirs:
        extra, holder = (mine, a) if mine else (theirs, b)
        parts.append(f"The difference: {holder} adds “{_clip(' … '.join(extra))}”.")
    else:
        parts.append("Their descriptors use the same words.")
    for record in (first, second):
        status = "active" if record["status"] == "active" else f"terminated{' ' + record['terminated_date'] if record.get('terminated_date') else ''}"
        parts.append(f"{record['code']}: {status}; Medicare payment: {_pay_brief(record)}; billed by "
                     f"{_who_brief(record)}.")
    pairs = _pairs_between(first, second)
    if pairs:
        parts.append(f"NCCI pairs them (modifier indicator {pairs[0]['modifier_indicator']}): {pairs[0]['column2']} "
                     f"is denied when billed with {pairs[0]['column1']} on the same date.")
    facts = {"codes": [a, b], "only_in": {a: mine, b: theirs},
             "status": {a: first["status"], b: second["status"]},
             "payment": {a: _pay_brief(first), b: _pay_brief(second)},
             "who": {a: _who_brief(first), b: _who_brief(second)}, "ncci_pairs": pairs}
    return " ".join(parts), facts


# ------------------------------------------------------------------ replacement


def replaced_by_answer(record: dict) -> tuple[str, dict]:
    """The code that replaced a terminated one, or that the code is still in use."""
    code = record["code"]
    history = record.get("history") or {}
    replaced = history.get("replaced_by") or []
    facts = {"replaced_by": replaced, "cross_references": history.get("cross_references") or [],
             "terminated_date": record.get("terminated_date")}
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
    per_package, per_item, items = n.get("billing_units_per_package"), n.get("billing_units_per_item"), n.get("items_per_package")
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
                lines.append(f"NDC {n['ndc']} ({n['drug_name']}, {n['labeler']}) is billed with {record['code']}: "
                             f"{record['long_description']}" + (f"; {package}" if package else "") + ".")
    facts = {"ndc": written, "tried": [format_ndc(n) for n in ndcs], "matches": found}
    if not lines:
        tried = ", ".join(facts["tried"])
        return (f"NDC {written} (read as {tried}) is not in the {NDC_EDITION}, which lists only the Part B drugs "
                f"Medicare pays at ASP. Search the drug's name instead to find its code."), facts
    return " ".join(lines) + f" ({NDC_EDITION}.)", facts


def ndcs_of_code(record: dict, most: int = 8) -> tuple[str, dict]:
    """The NDCs billed with a drug code, from the ASP crosswalk."""
    code, ndcs = record["code"], record.get("ndcs") or []
    facts = {"ndcs": ndcs}
    if not ndcs:
        return (f"The {NDC_EDITION} lists no NDC for {code} ({record['long_description']}): it covers only Part B "
                f"drugs paid at ASP."), facts
    listed = "; ".join(f"{n['ndc']} {n['drug_name']} ({n['labeler']})" for n in ndcs[:most])
    more = f", and {len(ndcs) - most} more" if len(ndcs) > most else ""
    return (f"{len(ndcs)} NDC{'s' if len(ndcs) != 1 else ''} are billed with {code} in the {NDC_EDITION}: "
            f"{listed}{more}."), facts


def unknown_codes_answer(codes: list[str], known: list[dict]) -> str:
    """Two codes where some do not exist: name them."""
    missing = [c for c in codes if c not in {r["code"] for r in known}]
    names = " and ".join(missing)
    have = "; ".join(f"{r['code']} is a {kind_phrase(r)}: {r['long_description']}" for r in known)
    return (f"{names} {'is' if len(missing) == 1 else 'are'} not in the HCPCS Level II code set (January 2026), so "
            f"this cannot be answered for both codes." + (f" {have}." if have else ""))
