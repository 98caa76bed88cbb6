"""CMS payment tables as CMS publishes them, rewritten into the files the importer reads.

The Physician Fee Schedule relative value file (``PPRRVU*.csv`` in ``RVU25D.zip``), OPPS Addendum B, and
the ASP payment-limit and NDC-HCPCS crosswalk files come with banner lines above a header row, as CSV,
tab-separated text or xlsx, often inside a zip. ``overlay`` reads each file given, keeps its HCPCS Level II
rows (CPT and CDT rows are the AMA's and the ADA's), and writes it under the name the importer reads, in a
folder whose other entries link to the data folder. A file it cannot read raises ``ReleaseError``
(``file:line: field: reason``) before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import cms_files as cms
from .cms_release import ReleaseError, sheet_rows

LEVEL2 = re.compile(r"^[A-CE-V]\d{4}$")
HEADER_MAX = 40
OPPS_B = "opps_addendum_b_cy2025_final_hcpcs_level2.csv"
MONTHS = {"january": "Q1", "april": "Q2", "july": "Q3", "october": "Q4"}


@dataclass(frozen=True)
class Table:
    """One kind of CMS table: the data file it replaces, how its file is found in a zip, its header row,
    the columns that must hold numbers, and whether its columns are read by position (the PFS file's
    five-line header) or by name."""

    target: str
    member: str
    header: tuple[str, ...]
    numbers: tuple[str, ...] = ()
    positional: bool = False


TABLES = {
    "pfs": Table(
        cms.PFS_RVU,
        r"pprrvu.*\.(csv|txt|xlsx)$",
        ("HCPCS", "MOD"),
        (
            "WORK_RVU",
            "NON_FAC_PE_RVU",
            "FACILITY_PE_RVU",
            "MP_RVU",
            "NON_FACILITY_TOTAL",
            "FACILITY_TOTAL",
            "CONV_FACTOR",
        ),
        positional=True,
    ),
    "opps": Table(OPPS_B, r"addendum.?b.*\.(csv|txt|xlsx)$", ("HCPCS_CODE", "SI")),
    "asp": Table(
        cms.PAYMENT_LIMIT,
        r"(payment.?limit|pricing).*\.(csv|xlsx)$",
        ("HCPCS_CODE", "PAYMENT_LIMIT"),
        ("PAYMENT_LIMIT",),
    ),
    "asp_crosswalk": Table(cms.CROSSWALK, r"crosswalk.*\.(csv|xlsx)$", ("HCPCS_CODE", "NDC2")),
}


def _name(cell: str) -> str:
    """A column heading in one spelling: upper snake case; CMS's yearly ``_2026_CODE`` is ``HCPCS_CODE``."""
    name = re.sub(r"[^A-Z0-9]+", "_", cell.strip().upper()).strip("_")
    return "HCPCS_CODE" if re.fullmatch(r"\d{4}_CODE", name) else name


def _table_file(path: Path, table: Table) -> tuple[str, str, bytes]:
    """(source name, file name, bytes) of the table: the matching member of a zip, or the file itself."""
    try:
        if not zipfile.is_zipfile(path) or path.suffix.lower() == ".xlsx":
            return path.name, path.name, path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if re.search(table.member, n, re.I)]
            if not names:
                raise ReleaseError(path.name, None, "file", f"no file matching {table.member!r} in the zip")
            return f"{path.name}!{names[0]}", names[0], archive.read(names[0])
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise ReleaseError(path.name, None, "file", f"cannot be read ({err})") from err


def _raw_rows(source: str, name: str, data: bytes) -> list[list[str]]:
    """Every row of a CSV, tab-separated or xlsx table, as text cells."""
    if name.lower().endswith(".xlsx"):
        return list(sheet_rows(data, source))
    text = data.decode("cp1252", errors="replace")
    if text[:20000].count("\t") <= text[:20000].count(","):
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    # tab-separated text quotes nothing: a quote belongs to the value ('"y set" tubing') unless it wraps it
    return [[_unwrap(cell.strip()) for cell in line.split("\t")] for line in re.split(r"\r\n|\n", text)]


def _unwrap(cell: str) -> str:
    """A cell without the quotes wrapped around all of it."""
    return cell[1:-1] if len(cell) > 1 and cell[0] == cell[-1] == '"' else cell


def read_table(kind: str, path: Path, target_columns: list[str]) -> list[dict]:
    """The Level II rows of a CMS table, keyed by the importer's column names."""
    table = TABLES[kind]
    source, name, data = _table_file(Path(path), table)
    rows = _raw_rows(source, name, data)
    start = next((i for i, row in enumerate(rows[:HEADER_MAX]) if _is_header(row, table)), None)
    if start is None:
        raise ReleaseError(
            source,
            None,
            "header",
            f"unknown layout: no header row with {', '.join(table.header)} in the first {HEADER_MAX} rows",
        )
    columns = _columns(rows[start], target_columns, table, source, start + 1)
    out = []
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        code = row[columns[target_columns[0]]].strip() if len(row) > columns[target_columns[0]] else ""
        if LEVEL2.match(code):
            out.append(_row(row, columns, table, source, number))
    if not out:
        raise ReleaseError(source, None, target_columns[0], "no HCPCS Level II row in the file")
    return out


def _is_header(row: list[str], table: Table) -> bool:
    """The table's header row: its first columns (PFS: the last of the five heading lines), or all its names."""
    names = [_name(c) for c in row]
    return names[: len(table.header)] == list(table.header) if table.positional else set(table.header) <= set(names)


def _columns(header: list[str], target_columns: list[str], table: Table, source: str, line: int) -> dict[str, int]:
    """Position of each importer column in the file's rows."""
    if table.positional:
        if len(header) < len(target_columns):
            raise ReleaseError(
                source,
                line,
                "header",
                f"unknown layout: {len(header)} columns, the file read here has {len(target_columns)}",
            )
        return {name: i for i, name in enumerate(target_columns)}
    names = [_name(c) for c in header]
    return {name: names.index(_name(name)) for name in target_columns if _name(name) in names}


def _row(row: list[str], columns: dict[str, int], table: Table, source: str, number: int) -> dict:
    """One row in the importer's columns; a number column that holds no number stops the read."""
    values = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
    for name in table.numbers:
        text = values.get(name, "").replace(",", "").replace("$", "")
        if text and not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise ReleaseError(source, number, name, f"{values[name]!r} is not a number")
    return values


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """A UTF-8 CSV in the importer's columns."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in columns})


def _header(path: Path) -> list[str]:
    """The column names of a CSV in the data folder."""
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def _quarter(path: Path) -> str:
    """The quarter a crosswalk file's name states ("January 2026 ASP ..." -> 2026Q1), else "latest"."""
    match = re.search(r"(january|april|july|october)\D{0,3}(\d{4})", Path(path).name, re.I)
    return f"{match.group(2)}{MONTHS[match.group(1).lower()]}" if match else "latest"


def drug_names(data: Path, crosswalk: list[dict], quarter: str) -> list[dict]:
    """The drug-names table with a new crosswalk: its (code, name) pairs are current, earlier ones are kept."""
    current = {(r["HCPCS_CODE"], r["DRUG_NAME"].strip().lower()): r for r in crosswalk}
    rows = []
    for row in cms.read_csv(data / cms.DRUG_NAMES):
        key = (row["HCPCS_CODE"], row["DRUG_NAME"].strip().lower())
        rows.append(
            {
                **row,
                "IN_2026Q1": "Y" if key in current else "N",
                "LAST_QUARTER": quarter if key in current else row["LAST_QUARTER"],
            }
        )
        current.pop(key, None)
    for (code, _), row in current.items():
        rows.append(
            {
                "HCPCS_CODE": code,
                "DRUG_NAME": row["DRUG_NAME"].strip(),
                "SHORT_DESCRIPTION_LATEST": row.get("SHORT_DESCRIPTION", ""),
                "LABELER_NAMES": row.get("LABELER_NAME", ""),
                "NDC_COUNT": "1",
                "FIRST_QUARTER": quarter,
                "LAST_QUARTER": quarter,
                "N_QUARTERS": "1",
                "IN_2026Q1": "Y",
            }
        )
    return sorted(rows, key=lambda r: (r["HCPCS_CODE"], r["DRUG_NAME"].lower()))


@contextmanager
def overlay(data: Path, tables: dict[str, Path]):
    """A data folder where each given CMS table (by kind: pfs, opps, asp, asp_crosswalk) replaces the file the
    importer reads; every table is read before anything is written. No tables: the data folder itself."""
    if not tables:
        yield data
        return
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown CMS table kind(s): {', '.join(sorted(unknown))} (known: {', '.join(TABLES)})")
    written: dict[str, tuple[list[str], list[dict]]] = {}
    for kind, path in tables.items():
        columns = _header(data / TABLES[kind].target)
        written[TABLES[kind].target] = (columns, read_table(kind, Path(path), columns))
    if "asp_crosswalk" in tables:
        crosswalk = written[cms.CROSSWALK][1]
        written[cms.DRUG_NAMES] = (
            _header(data / cms.DRUG_NAMES),
            drug_names(data, crosswalk, _quarter(tables["asp_crosswalk"])),
        )
    with tempfile.TemporaryDirectory(prefix="codesearch-data-") as tmp:
        folder = Path(tmp)
        for entry in data.iterdir():
            if entry.name not in written:
                (folder / entry.name).symlink_to(entry.resolve())
        for name, (columns, rows) in written.items():
            _write_csv(folder / name, columns, rows)
        yield folder
