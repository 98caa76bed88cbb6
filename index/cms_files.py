"""Readers for the CMS data files in ``../shared/data`` (see its SOURCES.md).

Each reader returns plain dicts keyed by HCPCS code; nothing here composes text.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

ENRICHED = "hcpcs_level2_2026q1_enriched.csv"
DRUG_NAMES = "asp_hcpcs_drug_names_2024q1_2026q1.csv"
CROSSWALK = "asp_ndc_hcpcs_crosswalk_2026q1.csv"
PAYMENT_LIMIT = "asp_payment_limit_2026q1.csv"
SPECIALTY = "hcpcs_specialty_usage_2023_partial.csv"
ABBREVIATIONS = "medical_abbreviations_wikipedia.csv"
SECTIONS = "lookup_hcpcs_letter_sections.csv"
TOS = "lookup_type_of_service.csv"
OPPS_SI = "docs/opps_addendum_d1_cy2025_status_indicators.tsv"
RAW_2019 = "raw/cms_hcpcs_2019/HCPC2019_CONTR_ANWEB.txt.gz"


def read_csv(path: Path) -> list[dict]:
    """Every row of a UTF-8 CSV file as a dict."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_codes(data: Path) -> list[dict]:
    """The 9,006 rows of the enriched January 2026 file, in code order."""
    return read_csv(data / ENRICHED)


def read_lookup(data: Path, name: str) -> dict[str, str]:
    """A two-column CMS lookup table as {code: description}."""
    rows = read_csv(data / name)
    key, value = list(rows[0].keys())[:2]
    return {row[key].strip(): row[value].strip() for row in rows}


def read_sections(data: Path) -> list[tuple[str, str, str]]:
    """(range_start, range_end, section name) rows of the letter-range table."""
    return [(r["range_start"], r["range_end"], r["section"]) for r in read_csv(data / SECTIONS)]


def read_drug_names(data: Path) -> dict[str, list[dict]]:
    """Drug product names seen for each code in nine quarters of the ASP crosswalk."""
    names: dict[str, list[dict]] = defaultdict(list)
    for row in read_csv(data / DRUG_NAMES):
        names[row["HCPCS_CODE"]].append(
            {
                "name": row["DRUG_NAME"].strip(),
                "labelers": [x.strip() for x in row["LABELER_NAMES"].split("|") if x.strip()],
                "first_quarter": row["FIRST_QUARTER"],
                "last_quarter": row["LAST_QUARTER"],
                "current": row["IN_2026Q1"] == "Y",
            }
        )
    for rows in names.values():
        rows.sort(key=lambda d: (not d["current"], d["name"].lower()))
    return dict(names)


def read_drug_dosage(data: Path) -> dict[str, dict]:
    """Billing unit and Q1 2026 payment limit for ASP-priced drug codes."""
    dosage: dict[str, dict] = {}
    for row in read_csv(data / CROSSWALK):
        dosage.setdefault(row["HCPCS_CODE"], {"billing_unit": row["HCPCS_DOSAGE"].strip()})
    for row in read_csv(data / PAYMENT_LIMIT):
        entry = dosage.setdefault(row["HCPCS_CODE"], {"billing_unit": row["HCPCS_CODE_DOSAGE"].strip()})
        entry["payment_limit_usd"] = row["PAYMENT_LIMIT"].strip()
    return dosage


NDC_542 = re.compile(r"^\d{5}-\d{4}-\d{2}$")


def read_ndcs(data: Path) -> dict[str, list[dict]]:
    """The NDCs (11-digit, 5-4-2) the January 2026 ASP crosswalk maps to each code, with package billing units."""
    ndcs: dict[str, list[dict]] = defaultdict(list)
    for row in read_csv(data / CROSSWALK):
        if not NDC_542.match(row["NDC2"].strip()):  # one row (J7331) holds 12 digits: not an NDC
            continue
        ndcs[row["HCPCS_CODE"]].append(
            {
                "ndc": row["NDC2"].strip(),
                "drug_name": row["DRUG_NAME"].strip(),
                "labeler": row["LABELER_NAME"].strip(),
                "item_size": _number(row["PKG_SIZE"]),
                "items_per_package": _number(row["PKG_QTY"]),
                "billing_units_per_item": _number(row["BILLUNITS"]),
                "billing_units_per_package": _number(row["BILLUNITSPKG"]),
            }
        )
    for rows in ndcs.values():
        rows.sort(key=lambda d: (d["drug_name"].lower(), d["ndc"]))
    return dict(ndcs)


def _number(text: str) -> float | None:
    """A CSV number as an int when whole, a float otherwise, None when blank or not a number."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def read_specialties(data: Path) -> dict[str, list[dict]]:
    """Top billing specialties per code from the partial 2023 usage file."""
    usage: dict[str, list[dict]] = defaultdict(list)
    for row in read_csv(data / SPECIALTY):
        usage[row["HCPCS_CODE"]].append(
            {
                "specialty": row["SPECIALTY"].strip(),
                "medicare_specialty_code": row["MEDICARE_SPECIALTY_CODE"].strip(),
                "share": float(row["SHARE"]),
                "rank": int(row["RANK"]),
                "rank_exact": row["RANK_EXACT"] == "Y",
            }
        )
    for rows in usage.values():
        rows.sort(key=lambda d: d["rank"])
    return dict(usage)


def read_abbreviations(data: Path) -> list[tuple[str, str]]:
    """(abbreviation, long form) pairs of the Wikipedia medical abbreviation list."""
    return [(r["abr"].strip(), r["long_form"].strip()) for r in read_csv(data / ABBREVIATIONS)]


def read_opps_indicators(data: Path) -> dict[str, str]:
    """OPPS status indicator -> short meaning, from CMS Addendum D1."""
    meanings: dict[str, str] = {}
    with open(data / OPPS_SI, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            cells = [c.strip().strip('"') for c in line.rstrip("\n").split("\t")]
            if len(cells) >= 3 and 1 <= len(cells[0]) <= 2 and cells[0][0].isupper():
                meaning = cells[2].split(".")[0].replace("?", "'").strip()
                if meaning and cells[0] not in meanings:
                    meanings[cells[0]] = meaning
    return meanings


def read_termination_dates_2019(data: Path) -> dict[str, str]:
    """TERM_DT (YYYY-MM-DD) of codes terminated by the 2019 CMS file."""
    dates: dict[str, str] = {}
    path = data / RAW_2019
    if not path.exists():
        return dates
    with gzip.open(path, "rt", encoding="latin-1") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if len(line) < 293 or line[10] not in "37":
                continue
            term = line[284:292]
            if term.isdigit():
                dates[line[:5].strip()] = f"{term[:4]}-{term[4:6]}-{term[6:]}"
    return dates


# Files added for the per-code facts (SOURCES.md sections 4, 17-19), with the edition each answer names.
PFS_RVU = "pprrvu_2025_oct_rvu25d_hcpcs_level2.csv"
MUE = "ncci_mue_2024q3_hcpcs_level2.csv"
PTP = {
    "practitioner": "ncci_ptp_practitioner_2024q3_level2_pairs.csv",
    "outpatient hospital": "ncci_ptp_outpatient_hospital_2024q3_level2_pairs.csv",
}
RECORD_2024 = "hcpcs_2024jul_record.csv"
RBCS = "rbcs_hcpcs_level2.csv"
ACTION = "lookup_action_code.csv"
PTP_IN_FORCE = "9999-12-31"


def read_pfs_indicators(data: Path) -> dict[str, dict]:
    """PFS payment policy indicators per code (the row without a modifier) and the modifiers it has rows for."""
    indicators: dict[str, dict] = {}
    modifier_rows: dict[str, list[str]] = defaultdict(list)
    for row in read_csv(data / PFS_RVU):
        if row["MOD"].strip():
            modifier_rows[row["HCPCS"]].append(row["MOD"].strip())
            continue
        indicators[row["HCPCS"]] = {
            "pctc": row["PCTC_IND"].strip(),
            "bilateral": row["BILAT_SURG"].strip(),
            "assistant": row["ASST_SURG"].strip(),
            "co_surgery": row["CO_SURG"].strip(),
            "team": row["TEAM_SURG"].strip(),
            "multiple_procedure": row["MULT_PROC"].strip(),
            "non_facility_na": row["NON_FAC_NA_INDICATOR"].strip() == "NA",
            "facility_na": row["FACILITY_NA_INDICATOR"].strip() == "NA",
            "conversion_factor": float(row["CONV_FACTOR"]),
            "not_used_for_medicare_payment": row["NOT_USED_FOR_MEDICARE_PAYMENT"].strip() == "+",
            "global_days": row["GLOB_DAYS"].strip(),
        }
    for code, mods in modifier_rows.items():
        if code in indicators:
            indicators[code]["modifier_rows"] = mods
    return indicators


def read_mue(data: Path) -> dict[str, list[dict]]:
    """NCCI medically unlikely edits (July 2024) per code, one entry per setting."""
    mue: dict[str, list[dict]] = defaultdict(list)
    for row in read_csv(data / MUE):
        mue[row["hcpcs"]].append(
            {
                "setting": row["service_type"].strip().lower(),
                "units": int(row["mue_units"]),
                "mai": row["mai"].strip(),
                "mai_description": row["mai_desc"].strip(),
                "rationale": row["mue_rationale"].strip(),
                "effective": row["effective"].strip(),
            }
        )
    return dict(mue)


def read_ptp_pairs(data: Path) -> dict[str, list[dict]]:
    """NCCI procedure-to-procedure edits in force (July 2024) per code, seen from that code's side."""
    pairs: dict[str, list[dict]] = defaultdict(list)
    for setting, name in PTP.items():
        for row in read_csv(data / name):
            if row["deletion_date"].strip() != PTP_IN_FORCE or row["modifier_indicator"].strip() == "9":
                continue
            common = {
                "setting": setting,
                "modifier_indicator": row["modifier_indicator"].strip(),
                "rationale": row["ptp_rationale"].strip(),
                "effective": row["file_effective"].strip(),
            }
            pairs[row["column1"]].append({"code": row["column2"], "denied": row["column2"], **common})
            pairs[row["column2"]].append({"code": row["column1"], "denied": row["column2"], **common})
    for rows in pairs.values():
        rows.sort(key=lambda p: (p["code"], p["setting"]))
    return dict(pairs)


def read_record_2024(data: Path) -> dict[str, dict]:
    """Termination date, cross-references and action code per code in the July 2024 HCPCS record."""
    actions = read_lookup(data, ACTION)
    record: dict[str, dict] = {}
    for row in read_csv(data / RECORD_2024):
        action = row["action"].strip()
        record[row["hcpcs_code"]] = {
            "terminated_date": row["date_term"].strip() or None,
            "xref": row["xref"].split(),
            "action": {"code": action, "description": actions.get(action, "")} if action else None,
            "added_date": row["date_added"].strip() or None,
        }
    return record


def read_rbcs(data: Path) -> dict[str, dict]:
    """CMS RBCS category, subcategory and family per code (a code's latest row; a named family wins a tie)."""
    rows: dict[str, tuple] = {}
    for row in read_csv(data / RBCS):
        family = row["rbcs_family"].strip()
        key = (row["rbcs_date_effective"], family != "No RBCS Family")
        if row["hcpcs_code"] not in rows or key > rows[row["hcpcs_code"]][0]:
            rows[row["hcpcs_code"]] = (
                key,
                {
                    "category": row["rbcs_category"].strip(),
                    "subcategory": row["rbcs_subcategory"].strip(),
                    "family": family if family != "No RBCS Family" else None,
                    "procedure": row["rbcs_procedure"].strip() == "Procedure",
                },
            )
    return {code: value for code, (_, value) in rows.items()}


TYPICAL_MATCHES = {"range", "rbcs_family", "rbcs_subcategory", "section"}
TYPICAL_PROVIDERS_NAME = "typical_providers.csv"
CODE_RANGE = re.compile(r"^([A-V])\d{4}-\1\d{4}$")


def read_cms_index_terms(vocab_dir: Path) -> dict[str, list[str]]:
    """Code -> CMS's own names for it: the HCPCS Alpha-Numeric Index terms that point at it (as CMS writes
    them, "Walker, folding") and the Table of Drugs names; empty when the extracted CSVs are missing."""
    terms: dict[str, list[str]] = defaultdict(list)
    index_file, drugs_file = vocab_dir / "cms_alpha_index.csv", vocab_dir / "cms_table_of_drugs.csv"
    if index_file.is_file():
        for row in read_csv(index_file):
            for code in row["codes"].split():
                terms[code].append(row["term"].strip())
    if drugs_file.is_file():
        for row in read_csv(drugs_file):
            terms[row["code"].strip()].append(row["drug"].strip())
    return {code: list(dict.fromkeys(names)) for code, names in terms.items()}


def read_typical_providers(path: Path) -> list[dict]:
    """The curated who-typically-orders/provides table (corpus/vocab/typical_providers.csv), checked row by row."""
    if not path.exists():
        return []
    rows = []
    for line, r in enumerate(read_csv(path), start=2):
        row: dict[str, Any] = {
            "match": (r.get("match") or "").strip(),
            "key": (r.get("key") or "").strip(),
            "orders": (r.get("orders") or "").strip(),
            "provides": (r.get("provides") or "").strip(),
            "line": line,
        }
        problem = (
            "match must be one of " + ", ".join(sorted(TYPICAL_MATCHES))
            if row["match"] not in TYPICAL_MATCHES
            else "a range is written A0425-A0436 (one letter, start <= end)"
            if row["match"] == "range" and (not CODE_RANGE.match(row["key"]) or row["key"][:5] > row["key"][6:])
            else "key is empty"
            if not row["key"]
            else "orders or provides must say who"
            if not (row["orders"] or row["provides"])
            else ""
        )
        if problem:
            raise ValueError(f"{path}:{line}: {problem}")
        rows.append(row)
    return rows


def read_typical_use(path: Path, providers: list[dict]) -> dict[tuple[str, str], str]:
    """The curated typical-use table (corpus/vocab/typical_use.csv): (match, key) of a typical-provider row
    -> what the codes of that row are typically used for, checked row by row."""
    if not path.exists():
        return {}
    known = {(r["match"], r["key"]) for r in providers}
    out: dict[tuple[str, str], str] = {}
    for line, r in enumerate(read_csv(path), start=2):
        key = ((r.get("match") or "").strip(), (r.get("key") or "").strip())
        used_for = (r.get("used_for") or "").strip().rstrip(".")
        problem = (
            f"no row of {TYPICAL_PROVIDERS_NAME} has match {key[0]!r} and key {key[1]!r}"
            if key not in known
            else "used_for must say what the codes are used for (20-300 characters)"
            if not 20 <= len(used_for) <= 300
            else "this match and key already have a row"
            if key in out
            else ""
        )
        if problem:
            raise ValueError(f"{path}:{line}: {problem}")
        out[key] = used_for
    return out
