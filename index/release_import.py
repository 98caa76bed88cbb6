"""A CMS release zip -> corpus, through the same Importer as the January 2026 files.

The release's records become rows with the columns of the enriched January 2026 file (admin fields
described from the CMS lookup tables, PFS and OPPS columns from the payment files), so every record
is composed by the same code; status comes from each code's own TERM_DT. The parsed release is kept
beside the records (``release.json.gz``) and the changes from the corpus it replaces are written to
``changes.json``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from . import changes as cms_changes
from . import cms_files as cms
from . import cms_tables
from .cms_release import Release, read_release
from .importer import CORPUS_FILE, _short_status, importer_for, write_corpus

OPPS_B = "opps_addendum_b_cy2025_final_hcpcs_level2.csv"
PRICING = "lookup_pricing_indicator.csv"
COVERAGE = "lookup_coverage_code.csv"
BETOS = "lookup_betos.csv"
PFS_STATUS = "lookup_pfs_status_code.csv"
NO_PFS = {
    "pfs_status_code": "",
    "pfs_status_desc": "",
    "work_rvu": "",
    "non_fac_pe_rvu": "",
    "facility_pe_rvu": "",
    "mp_rvu": "",
    "non_facility_total_rvu": "",
    "facility_total_rvu": "",
    "pctc_ind": "",
    "glob_days": "",
    "pfs_rows_with_modifier": "",
    "in_pfs_rvu_2025q4": "N",
}
NO_OPPS = {"opps_si": "", "opps_apc": "", "opps_payment_rate": ""}


@dataclass
class Lookups:
    """The CMS code tables that describe the release's coded fields."""

    pricing: dict[str, str]
    coverage: dict[str, str]
    betos: dict[str, str]
    tos: dict[str, str]

    @classmethod
    def read(cls, data: Path) -> Lookups:
        """The tables of a data folder."""
        return cls(*(cms.read_lookup(data, name) for name in (PRICING, COVERAGE, BETOS, cms.TOS)))


def admin_columns(record: dict, lookups: Lookups) -> dict:
    """A release record's HCPCS fields in the enriched file's columns, each code described."""
    prices, tos = record["pricing"], record["type_of_service"]
    act = record["action_effective_date"]
    return {
        "code": record["code"],
        "code_type": record["kind"],
        "first_letter": record["code"][0],
        "short_description": record["short_description"],
        "long_description": record["long_description"],
        "add_date": record["added_date"] or "",
        "action_effective_year": act[:4] if act else "",
        "pricing_indicators": " ".join(prices),
        "pricing_indicator_desc": " | ".join(lookups.pricing.get(p, "") for p in prices),
        "mult_pi": record["multiple_pricing"],
        "coverage_code": record["coverage"],
        "coverage_desc": lookups.coverage.get(record["coverage"], ""),
        "betos": record["betos"],
        "betos_desc": lookups.betos.get(record["betos"], ""),
        "type_of_service": "".join(tos),
        "type_of_service_desc": " | ".join(lookups.tos.get(t, "") for t in tos),
        "procnote": record["processing_note"],
        "cim_refs": " ".join(record["cim"]),
        "mcm_refs": " ".join(record["mcm"]),
        "statute": record["statute"],
        "labcert": " ".join(record["lab_certification"]),
        "xref": " ".join(record["cross_references"]),
        "anest_base_units": record["anesthesia_units"],
    }


def pfs_columns(data: Path) -> dict[str, dict]:
    """The PFS columns of the enriched file, per code (the row without a modifier)."""
    status = cms.read_lookup(data, PFS_STATUS)
    columns: dict[str, dict] = {}
    modifiers: dict[str, list[str]] = defaultdict(list)
    for row in cms.read_csv(data / cms.PFS_RVU):
        if row["MOD"].strip():
            modifiers[row["HCPCS"]].append(row["MOD"].strip())
            continue
        columns[row["HCPCS"]] = {
            "pfs_status_code": row["STATUS_CODE"],
            "pfs_status_desc": _short_status(status.get(row["STATUS_CODE"], "")),
            "work_rvu": row["WORK_RVU"],
            "non_fac_pe_rvu": row["NON_FAC_PE_RVU"],
            "facility_pe_rvu": row["FACILITY_PE_RVU"],
            "mp_rvu": row["MP_RVU"],
            "non_facility_total_rvu": row["NON_FACILITY_TOTAL"],
            "facility_total_rvu": row["FACILITY_TOTAL"],
            "pctc_ind": row["PCTC_IND"],
            "glob_days": row["GLOB_DAYS"],
            "in_pfs_rvu_2025q4": "Y",
        }
    for code, row in columns.items():
        row["pfs_rows_with_modifier"] = " ".join(modifiers.get(code, []))
    return columns


def opps_columns(data: Path) -> dict[str, dict]:
    """The OPPS columns of the enriched file, per code."""
    return {
        row["HCPCS Code"]: {"opps_si": row["SI"], "opps_apc": row["APC"], "opps_payment_rate": row["Payment Rate"]}
        for row in cms.read_csv(data / OPPS_B)
    }


def release_rows(release: Release, data: Path) -> list[dict]:
    """The release's records as rows the Importer reads, in code order, each saying which release it is from."""
    lookups, pfs, opps = Lookups.read(data), pfs_columns(data), opps_columns(data)
    rows = []
    for record in sorted(release.records, key=lambda r: r["code"]):
        code = record["code"]
        rows.append(
            {
                **admin_columns(record, lookups),
                **pfs.get(code, NO_PFS),
                **opps.get(code, NO_OPPS),
                "in_2025q4_file": "Y",
                "likely_terminated_before_2025": "",
                "termination_date": record["termination_date"],
                "effective_date": release.effective_date,
                "release": release.label,
                "release_name": release.name,
            }
        )
    return rows


def release_history(release: Release, data: Path) -> dict[str, dict]:
    """Termination date, cross-references, action and added date per code, from the release's own records."""
    actions = cms.read_lookup(data, cms.ACTION)
    return {
        r["code"]: {
            "terminated_date": r["termination_date"],
            "xref": r["cross_references"],
            "action": {"code": r["action_code"], "description": actions.get(r["action_code"], "")}
            if r["action_code"]
            else None,
            "added_date": r["added_date"],
        }
        for r in release.records
    }


def _bar(total: int):
    """A progress bar over the records being composed."""
    from tqdm import tqdm

    return lambda records: tqdm(records, total=total, desc="importing", unit="rec", file=sys.stderr)


def import_release(
    hcpcs: Path,
    data: Path,
    corpus: Path,
    tables: dict[str, Path] | None = None,
    effective_date: str | None = None,
    progress: bool = False,
) -> dict:
    """Write the corpus from a CMS release zip (and CMS payment files in ``tables``); return the record count,
    the release and the changes from the corpus it replaces (None when the folder held none)."""
    release = read_release(hcpcs, effective_date)
    with cms_tables.overlay(data, tables or {}) as folder:
        importer = importer_for(
            folder, corpus, {"rows": release_rows(release, folder), "history": release_history(release, folder)}
        )
        old = cms_changes.load_side(corpus) if (corpus / CORPUS_FILE).is_file() else None
        count = write_corpus(importer, corpus, _bar(len(release.records)) if progress else None)
    cms_changes.write_release(release, corpus)
    changes = cms_changes.compare(old, cms_changes.release_side(release)) if old else None
    if changes:
        cms_changes.write_changes(changes, corpus)
    else:
        (corpus / cms_changes.CHANGES_FILE).unlink(missing_ok=True)
    return {"count": count, "release": release, "changes": changes}
