"""Units for a dose and the ceiling on them: the billing unit of a code (ASP file or descriptor), a
dose converted into it with the arithmetic shown, partial units rounded as CMS instructs, and the
medically unlikely edit (MUE) of each setting with what its adjudication indicator means.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from .cms_terms import money
from .facts import SETTING_NAMES

MUE_EDITION = "CMS NCCI medically unlikely edits, July 2024"
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
UNIT_WORD = (
    r"(mcg|micrograms?|mg|milligrams?|gm|grams?|g|ml|milliliters?|millilitres?|cc|liters?|litres?|l|"
    r"million units?|international units?|usp units?|units?|iu|minutes?|mins?|hours?|hrs?|miles?)"
)
AMOUNT = r"(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
DOSE = re.compile(AMOUNT + r"\s*-?\s*" + UNIT_WORD + r"(?![\w-])", re.I)
BILLING_UNIT = re.compile(r"^(?:(up to|per)\s+)?" + AMOUNT + r"\s*" + UNIT_WORD + r"$", re.I)
DESCRIPTOR_UNIT = re.compile(
    r"(?:,|\bper\b|\beach\b)\s*(up to\s+)?" + AMOUNT + r"?\s*" + UNIT_WORD + r"(?![\w-])", re.I
)
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
            return {
                "amount": _amount(match.group(2)),
                "unit": unit[1],
                "measure": unit[0],
                "text": asp.strip(),
                "up_to": (match.group(1) or "").lower() == "up to",
                "source": "asp",
            }
    if asp:  # the ASP file's unit, when it is not one amount ("2.5 MG/0.5 MG", "PER VIAL"), is not a mass to divide by
        return {"amount": None, "unit": None, "measure": None, "text": asp.strip(), "up_to": False, "source": "asp"}
    match = _descriptor_unit(record["long_description"])
    if match and (unit := _unit_name(match.group(3))):
        amount = _amount(match.group(2)) if match.group(2) else 1.0
        text = match.group(0).lstrip(",").strip()
        return {
            "amount": amount,
            "unit": unit[1],
            "measure": unit[0],
            "text": text,
            "up_to": bool(match.group(1)),
            "source": "hcpcs",
        }
    return None


def _descriptor_unit(text: str) -> re.Match | None:
    """The last "..., 50 mg" or "per 15 minutes" of a descriptor that is not part of a rate."""
    found = None
    for match in DESCRIPTOR_UNIT.finditer(text):
        rate = match.group(0).lstrip(",").strip().lower().startswith("per") and RATE_BEFORE.search(
            text[max(0, match.start() - 40) : match.start()]
        )
        if not rate:
            found = match
    return found


def dose_in(question: str, code: str) -> dict | None:
    """The dose a question states ("450 mg", "2 gram"), not counting the code's own digits."""
    text = question.replace(code, " ").replace(code.lower(), " ")
    for match in DOSE.finditer(text):
        unit = _unit_name(match.group(2))
        if unit:
            return {
                "amount": _amount(match.group(1)),
                "unit": unit[1],
                "measure": unit[0],
                "text": f"{match.group(1)} {match.group(2)}",
            }
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
    listed = "; ".join(
        f"{m['units']} unit{'s' if m['units'] != 1 else ''} from {SETTING_NAMES.get(m['setting'], m['setting'])}"
        for m in mue
    )
    return f"Ceiling: the MUE allows at most {listed} per patient per day ({MUE_EDITION})."


def units_answer(record: dict, question: str) -> tuple[str, dict]:
    """How many units of a code a stated dose is, with the arithmetic, the rounding rule and the MUE ceiling."""
    code = record["code"]
    unit = billing_unit(record)
    dose = dose_in(question, code)
    facts = {"billing_unit": unit, "dose": dose, "units": None, "mue": record.get("mue") or []}
    if unit is None:
        text = (
            f"{code} ({record['long_description']}) states no dose or quantity per unit, so one unit is one "
            f"{'item or service' if record['kind'] == 'procedure' else 'use'} unless the payer says otherwise."
        )
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    per = f"{code} is billed per {_unit_phrase(unit)}" + (
        " (the ASP file's billing unit)" if unit["source"] == "asp" else ""
    )
    if unit["amount"] is None:
        text = (
            f"{per}: one unit is one such dose, package or item, not a single amount a dose can be divided by, so "
            f"bill one unit for each {unit['text'].lower()} given."
        )
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    if dose is None:
        each = re.sub(r"^(up to|per|each)\s+", "", unit["text"].lower())
        text = (
            f"{per}: one unit for each {each}; for example, {_quantity(unit['amount'] * 4, unit['unit'])} is 4 units."
        )
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    if dose["measure"] != unit["measure"]:
        text = (
            f"{per}, and a dose in {dose['unit']} does not convert to {unit['unit']} without the product's "
            f"concentration: convert the dose to {unit['unit']} first."
        )
        return " ".join(filter(None, [text, _mue_ceiling(record)])), facts
    table = MEASURES[dose["measure"]]
    in_units = dose["amount"] * table[dose["unit"]] / table[unit["unit"]]
    exact = in_units / unit["amount"]
    count = max(1, math.ceil(round(exact, 6)))
    facts["units"] = count
    converted = "" if dose["unit"] == unit["unit"] else f" = {_quantity(in_units, unit['unit'])}"
    arithmetic = f"{dose['text']}{converted} ÷ {_quantity(unit['amount'], unit['unit'])} per unit = {_number(exact)}"
    if abs(exact - round(exact)) < 1e-6 and exact >= 1:
        text = f"Bill {count} unit{'s' if count != 1 else ''} of {code}: {arithmetic}. {per}."
    elif dose["measure"] == "time":
        text = (
            f"{dose['text']} of {code} is {_number(exact)} units ({arithmetic}); rules for a partial time unit "
            f"differ by service, so check the code's instructions before rounding. {per}."
        )
    else:
        text = (
            f"Bill {count} unit{'s' if count != 1 else ''} of {code}: {arithmetic}, and CMS has a partial unit "
            f"rounded up to the next whole unit (a dose below one unit is billed as 1). {per}."
        )
    asp = (record.get("payment") or {}).get("asp") or {}
    if asp.get("limit_usd") and unit["source"] == "asp":
        total = Decimal(str(asp.get("limit_text") or asp["limit_usd"])) * count  # exact: money() rounds half-up
        text += (
            f" At the January 2026 ASP payment limit of ${asp['limit_text']} per unit, {count} units come to "
            f"{money(float(total))}."
        )
    over = [m for m in record.get("mue") or [] if 0 < m["units"] < count]
    if over:
        text += (
            f" That is above the MUE of {over[0]['units']} units per day for "
            f"{SETTING_NAMES.get(over[0]['setting'], over[0]['setting'])}: check the dose and document it."
        )
    return " ".join(filter(None, [text, _mue_ceiling(record) if not over else ""])), facts


# ------------------------------------------------------------------ medically unlikely edits

SETTING_WORDS = [
    ("dme supplier", re.compile(r"\b(dme|dmepos|suppliers?|equipment compan\w*)\b", re.I)),
    ("outpatient hospital", re.compile(r"\b(hospitals?|outpatient|opps|facility|facilities|hopds?|ub-?04)\b", re.I)),
    (
        "practitioner",
        re.compile(
            r"\b(physicians?|practitioners?|professionals?|doctors?|offices?|clinics?|providers?|"
            r"cms-?1500|1500)\b",
            re.I,
        ),
    ),
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
        return (
            f"for {who} the MUE of {code} is 0 units: the code is not payable in that setting "
            f"(rationale: {m['rationale']})"
        )
    return (
        f"for {who} the MUE of {code} is {m['units']} unit{'s' if m['units'] != 1 else ''} per patient per "
        f"day (MAI {m['mai']}, {m['mai_description']}; rationale: {m['rationale']})"
    )


def mue_answer(record: dict, question: str) -> tuple[str, dict]:
    """The most units per patient per day by setting, the setting asked for first, with what the MAI means."""
    code = record["code"]
    mue = list(record.get("mue") or [])
    facts = {"mue": mue, "setting": asked_setting(question)}
    if not mue:
        return (
            f"No medically unlikely edit (MUE) is published for {code} in the NCCI MUE files for practitioners, "
            f"outpatient hospitals or DME suppliers (July 2024). No MUE does not mean no limit: payers may still "
            f"question units that are not medically reasonable."
        ), facts
    asked = asked_setting(question)
    mue.sort(key=lambda m: (m["setting"] != asked, m["units"] == 0))  # the setting asked, else one that pays
    lead = mue[0]
    lines = [_mue_line(code, m) for m in mue]
    text = (
        f"Medically unlikely edit (MUE): {lines[0][0].upper()}{lines[0][1:]}."
        if asked in (None, lead["setting"])
        else f"The NCCI MUE files hold no medically unlikely edit (MUE) of {code} for "
        f"{SETTING_NAMES.get(asked, asked)}; {lines[0]}."
    )
    if len(lines) > 1:
        text += " Also " + "; ".join(lines[1:]) + "."
    meaning = MAI_MEANING.get(lead["mai"])
    if meaning:
        text += f" MAI {lead['mai']} means {meaning}."
    return text + f" ({MUE_EDITION}.)", facts
