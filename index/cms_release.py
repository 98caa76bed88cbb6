"""CMS HCPCS Alpha-Numeric releases read as CMS publishes them.

A release is a zip (``2019-Alpha-Numeric-HCPCS-File.zip``, ``HCPC2026_APR_ANWEB.zip``) holding the
fixed-width ``*ANWEB*.txt`` (read by the record layout below: 320-character records, record
identifier 3/7 on a code's first line and 4/8 on its continuation lines, CR/LF, Windows-1252, a few
disclaimer lines at the top) or, where no txt is present, the same records as ``.xlsx``; a bare
``.txt``, ``.txt.gz`` or ``.xlsx`` is read the same way. Anything this reader cannot take raises
``ReleaseError`` naming the file, line and field; nothing is returned half-read.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import NoReturn


class ReleaseError(ValueError):
    """A release file that cannot be read: ``file:line: field: reason``."""

    def __init__(self, source: str, line: int | None, field: str, reason: str):
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {field}: {reason}")


def _repeat(name: str, start: int, width: int, count: int) -> tuple:
    """``count`` fields of ``width`` characters from ``start`` (1-based): PRICE1..PRICE4 and the like."""
    return tuple((f"{name}{i + 1}", start + i * width, start + (i + 1) * width - 1) for i in range(count))


# The CMS record layout (HCPCS2019_recordlayout.txt; the same positions in 2017-2026): name, first, last column.
LAYOUT_320 = (
    ("HCPC", 1, 5),
    ("SEQNUM", 6, 10),
    ("RECID", 11, 11),
    ("LONG_DESCRIPTION", 12, 91),
    ("SHORT_DESCRIPTION", 92, 119),
    *_repeat("PRICE", 120, 2, 4),
    ("MULT_PI", 128, 128),
    *_repeat("CIM", 129, 6, 3),
    *_repeat("MCM", 147, 8, 3),
    ("STATUTE", 171, 180),
    *_repeat("LABCERT", 181, 3, 8),
    *_repeat("XREF", 205, 5, 5),
    ("COV", 230, 230),
    ("ASC_GRP", 231, 232),
    ("ASC_DT", 233, 240),
    ("OPPS", 241, 243),
    ("OPPS_PI", 244, 244),
    ("OPPS_DT", 245, 252),
    ("PROCNOTE", 253, 256),
    ("BETOS", 257, 259),
    *_repeat("TOS", 261, 1, 5),
    ("ANEST_BU", 266, 268),
    ("ADD_DT", 269, 276),
    ("ACT_EFF_DT", 277, 284),
    ("TERM_DT", 285, 292),
    ("ACTION_CD", 293, 293),
)
LAYOUTS = {320: LAYOUT_320}
DESCRIPTION_END = 91  # a continuation line may stop after the long description
LISTS = {
    "pricing": "PRICE",
    "cim": "CIM",
    "mcm": "MCM",
    "lab_certification": "LABCERT",
    "cross_references": "XREF",
    "type_of_service": "TOS",
}
SINGLE = {
    "multiple_pricing": "MULT_PI",
    "statute": "STATUTE",
    "coverage": "COV",
    "asc_group": "ASC_GRP",
    "opps": "OPPS",
    "opps_indicator": "OPPS_PI",
    "processing_note": "PROCNOTE",
    "betos": "BETOS",
    "anesthesia_units": "ANEST_BU",
    "action_code": "ACTION_CD",
}
LIST_FIELDS = {
    key: [name for name, _, _ in LAYOUT_320 if re.fullmatch(prefix + r"\d", name)] for key, prefix in LISTS.items()
}
DATES = {
    "asc_date": "ASC_DT",
    "opps_date": "OPPS_DT",
    "added_date": "ADD_DT",
    "action_effective_date": "ACT_EFF_DT",
    "termination_date": "TERM_DT",
}
ACTION_CODES = "ABCDFNPRST"
FIRST, NEXT = {"3": "procedure", "7": "modifier"}, {"4": "procedure", "8": "modifier"}
CODE_SHAPE = {"procedure": re.compile(r"^[A-Z]\d{4}$"), "modifier": re.compile(r"^[A-Z0-9]{2}$")}
RECORD_START = re.compile(r"^(?:[A-Z]\d{4}|   [A-Z0-9]{2})\d{5}[3478]")
HEADER_MAX = 40  # disclaimer lines CMS puts above the first record
QUARTERS = {"JAN": "01", "APR": "04", "JUL": "07", "OCT": "10", "CONTR": "01"}
RELEASE_NAME = re.compile(r"HCPCS?[_ ]?(\d{4}|\d{2})[_ ]?(JAN|APR|JUL|OCT|CONTR)", re.I)


@dataclass
class Release:
    """One CMS HCPCS release: where it was read from, its effective date and its records in file order."""

    source: str
    effective_date: str
    records: list[dict]

    @property
    def name(self) -> str:
        """The HCPCS file's name without folder or extension (``HCPC2019_CONTR_ANWEB``)."""
        return PurePosixPath(self.source.split("!")[-1]).name.split(".")[0]

    @property
    def label(self) -> str:
        """How answers and reports name the release."""
        return f"CMS HCPCS release {self.name}, effective {self.effective_date}"

    def by_code(self) -> dict[str, dict]:
        """The records keyed by code."""
        return {record["code"]: record for record in self.records}


def terminated_by(termination_date: str | None, effective_date: str) -> bool:
    """A code is terminated in a release when its TERM_DT is on or before the release's effective date."""
    return termination_date is not None and termination_date != "" and termination_date <= effective_date


def read_release(path: Path, effective_date: str | None = None) -> Release:
    """A release zip (or a bare ``.txt``, ``.txt.gz``, ``.xlsx``) as a ``Release``."""
    path = Path(path)
    if not path.is_file():
        raise ReleaseError(str(path), None, "file", "not found")
    member, data = _hcpcs_file(path)
    source = f"{path.name}!{member}" if member != path.name else path.name
    effective = effective_date or _effective_date(member) or _effective_date(path.name)
    if not effective:
        raise ReleaseError(
            source,
            None,
            "effective date",
            "the name does not say the release (HCPC2026_APR_ANWEB...); give it as YYYY-MM-DD",
        )
    records = _read_xlsx(data, source) if member.lower().endswith(".xlsx") else _read_text(data, source)
    if not records:
        raise ReleaseError(source, None, "HCPC", "no HCPCS record in the file")
    return Release(source, effective, records)


def _effective_date(name: str) -> str | None:
    """YYYY-MM-01 of the quarter a CMS file name states (an annual ``CONTR`` file is January's)."""
    match = RELEASE_NAME.search(name)
    if not match:
        return None
    year = match.group(1) if len(match.group(1)) == 4 else f"20{match.group(1)}"
    return f"{year}-{QUARTERS[match.group(2).upper()]}-01"


def _hcpcs_file(path: Path) -> tuple[str, bytes]:
    """(member name, bytes) of the HCPCS file: a zip's ``*ANWEB*.txt``, else its ``.xlsx``, else the file itself."""
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return path.name.removesuffix(".gz"), handle.read()
        if name.endswith(".xlsx") or not zipfile.is_zipfile(path):
            if name.endswith(".zip"):
                raise ReleaseError(path.name, None, "zip", "not a readable zip (truncated or damaged)")
            return path.name, path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            member = _pick_member(path.name, archive.namelist())
            return member, archive.read(member)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as err:
        raise ReleaseError(path.name, None, "zip", f"cannot be read ({err}): truncated or damaged") from err


def _pick_member(zip_name: str, names: list[str]) -> str:
    """The HCPCS file inside a release zip: the ANWEB txt, or the ANWEB xlsx where no txt is present."""
    candidates = [n for n in names if "anweb" in n.lower() and not re.search(r"trans|note|read", n, re.I)]
    for suffix in (".txt", ".xlsx"):
        found = sorted(n for n in candidates if n.lower().endswith(suffix))
        if len(found) > 1:
            raise ReleaseError(zip_name, None, "file", f"several HCPCS files: {', '.join(found)}")
        if found:
            return found[0]
    raise ReleaseError(
        zip_name,
        None,
        "file",
        "no HCPCS file (*ANWEB*.txt or .xlsx) in the zip; it holds: " + (", ".join(names) or "nothing"),
    )


# ------------------------------------------------------------------ fixed width


def _lines(data: bytes) -> list[str]:
    """The file's lines, Windows-1252 decoded (one character per byte, so columns stay byte columns)."""
    text = data.decode("cp1252", errors="replace")
    return re.split(r"\r\n|\r|\n", text.removesuffix("\r\n").removesuffix("\n"))


def _read_text(data: bytes, source: str) -> list[dict]:
    """Every record of a fixed-width HCPCS file, continuation lines joined."""
    lines = _lines(data)
    start = next((i for i, line in enumerate(lines[:HEADER_MAX]) if RECORD_START.match(line)), None)
    if start is None:
        raise ReleaseError(
            source,
            1,
            "layout",
            "unknown layout: no line in the first "
            f"{HEADER_MAX} holds a HCPCS record (code, sequence number, record identifier 3/4/7/8)",
        )
    layout = _layout(lines, start, source)
    reader = _Records(source)
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.strip():
            reader.add(_slice(line, layout, number, source), number)
    return reader.records


def _layout(lines: list[str], start: int, source: str) -> tuple[int, tuple]:
    """(record length, layout) of the layout whose length the file's first-line records have."""
    first = [(n, len(line)) for n, line in enumerate(lines[start:], start=start + 1) if line[10:11] in FIRST]
    lengths = [length for _, length in first]
    common = max(set(lengths), key=lengths.count)
    if common not in LAYOUTS:
        line = next(n for n, length in first if length == common)
        known = ", ".join(str(k) for k in LAYOUTS)
        raise ReleaseError(
            source, line, "layout", f"unknown layout: records of {common} characters (known layouts: {known})"
        )
    return common, LAYOUTS[common]


def _slice(line: str, layout: tuple[int, tuple], number: int, source: str) -> dict[str, str]:
    """A fixed-width line cut into its fields; a line of the wrong length names the field it cuts."""
    length, fields = layout
    continuation = line[10:11] in NEXT and DESCRIPTION_END <= len(line) <= length
    if len(line) != length and not (continuation and not line[DESCRIPTION_END:].strip()):
        field = next((name for name, _, end in fields if end > len(line)), "FILLER")
        raise ReleaseError(
            source,
            number,
            field if len(line) < length else "record",
            f"record is {len(line)} characters long, the layout's records are {length}"
            + (" (truncated?)" if len(line) < length else ""),
        )
    return {name: line[first - 1 : last] for name, first, last in fields}


# ------------------------------------------------------------------ xlsx


def _read_xlsx(data: bytes, source: str) -> list[dict]:
    """Every record of the xlsx edition of a HCPCS file (one row per record, the layout's names as columns)."""
    columns, reader = None, _Records(source)
    for number, cells in enumerate(sheet_rows(data, source), start=1):
        if columns is None:
            columns = _xlsx_columns(cells, number, source)
        elif any(cell.strip() for cell in cells):
            reader.add({name: cells[i] if i < len(cells) else "" for name, i in columns.items()}, number)
    if columns is None:
        raise ReleaseError(source, 1, "layout", "unknown layout: no header row (HCPC, SEQNUM, RECID, ...)")
    return reader.records


def sheet_rows(data: bytes, source: str, sheet: str = ""):
    """The rows of a workbook's sheet (the first, or the first whose title holds ``sheet``) as text cells."""
    import warnings

    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CMS page headers and footers openpyxl cannot parse
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
            raise ReleaseError(source, None, "xlsx", f"cannot be read ({err})") from err
        found = next((s for s in book.worksheets if sheet and sheet in s.title.lower()), book.worksheets[0])
        for row in found.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
        book.close()


def _cell(value) -> str:
    """An xlsx cell as the text the fixed-width file would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_columns(cells: list[str], number: int, source: str) -> dict[str, int] | None:
    """Column positions of the layout's fields when this row is the header row; None for a row above it."""
    names = [re.sub(r"[^A-Z0-9]+", "_", cell.strip().upper()).strip("_") for cell in cells]
    if not names or names[0] not in {"HCPC", "HCPCS"}:
        if number >= HEADER_MAX:
            raise ReleaseError(source, number, "layout", "unknown layout: no header row (HCPC, SEQNUM, RECID, ...)")
        return None
    names[0] = "HCPC"
    missing = [name for name, _, _ in LAYOUT_320 if name not in names]
    if missing:
        raise ReleaseError(
            source,
            number,
            missing[0],
            "unknown layout: the header row lacks this column"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
        )
    return {name: names.index(name) for name, _, _ in LAYOUT_320}


# ------------------------------------------------------------------ records


def _shifted_asc_date(values: dict[str, str]) -> None:
    """Put back an ASC date CMS wrote two columns early, over the blank ASC group (five records of the
    2018 file: ``D20170401`` where ``D  20170401`` belongs)."""
    moved = values["ASC_GRP"] + values["ASC_DT"][:6]
    if values["ASC_GRP"].isdigit() and not values["ASC_DT"][6:].strip() and re.fullmatch(r"(19|20)\d{6}", moved):
        values["ASC_GRP"], values["ASC_DT"] = "", moved


class _Records:
    """Builds records from field values line by line, joining continuation lines and checking each field."""

    def __init__(self, source: str):
        self.source = source
        self.records: list[dict] = []
        self.lines: dict[str, int] = {}
        self.skipped: set[str] = set()

    def add(self, values: dict[str, str], number: int) -> None:
        """One line (or xlsx row) of the file."""
        recid = values["RECID"].strip()
        kind = FIRST.get(recid) or NEXT.get(recid)
        if kind is None:
            raise self._error(number, "RECID", f"{recid!r} is not a record identifier (3/4 code, 7/8 modifier)")
        code = values["HCPC"].strip()
        if not CODE_SHAPE[kind].match(code):
            self._fail(number, "HCPC", f"{code!r} is not a HCPCS {kind} code (record identifier {recid})")
        if not values["SEQNUM"].strip().isdigit():
            self._fail(number, "SEQNUM", f"{values['SEQNUM']!r} is not a sequence number")
        if recid in NEXT:
            self._continue(code, values, number)
        elif kind == "procedure" and code[0] == "D":  # CDT dental codes (ADA copyright) are never imported
            self.skipped.add(code)
        else:
            self._first(code, kind, values, number)

    def _error(self, number: int, field: str, reason: str) -> ReleaseError:
        """The error naming the file, line and field."""
        return ReleaseError(self.source, number, field, reason)

    def _fail(self, number: int, field: str, reason: str) -> NoReturn:
        """Stop with the file, line and field."""
        raise self._error(number, field, reason)

    def _first(self, code: str, kind: str, values: dict[str, str], number: int) -> None:
        """A code's first line: every field of the layout."""
        if code in self.lines:
            self._fail(number, "HCPC", f"{code} appears again (first on line {self.lines[code]})")
        self.lines[code] = number
        _shifted_asc_date(values)
        record = {
            "code": code,
            "kind": kind,
            "line": number,
            "long_description": values["LONG_DESCRIPTION"].strip(),
            "short_description": values["SHORT_DESCRIPTION"].strip(),
        }
        for key, names in LIST_FIELDS.items():
            record[key] = [values[name].strip() for name in names if values[name].strip()]
        for key, name in SINGLE.items():
            record[key] = values[name].strip()
        for key, name in DATES.items():
            record[key] = self._date(values[name], number, name)
        self._check(record, number)
        self.records.append(record)

    def _check(self, record: dict, number: int) -> None:
        """The coded fields a wrong layout would garble: action code and anesthesia units."""
        if record["action_code"] and record["action_code"] not in ACTION_CODES:
            self._fail(number, "ACTION_CD", f"{record['action_code']!r} is not a CMS action code ({ACTION_CODES})")
        if record["anesthesia_units"] and not record["anesthesia_units"].isdigit():
            self._fail(number, "ANEST_BU", f"{record['anesthesia_units']!r} is not a number of units")
        if not record["long_description"]:
            self._fail(number, "LONG_DESCRIPTION", "empty")

    def _date(self, text: str, number: int, field: str) -> str | None:
        """A CMS YYYYMMDD date as YYYY-MM-DD, None when blank."""
        text = text.strip()
        if not text:
            return None
        try:
            return datetime.strptime(text, "%Y%m%d").strftime("%Y-%m-%d")
        except ValueError:
            raise self._error(number, field, f"{text!r} is not a date (YYYYMMDD)") from None

    def _continue(self, code: str, values: dict[str, str], number: int) -> None:
        """A continuation line: its words join the long description with one space."""
        last = self.records[-1] if self.records else None
        if code in self.skipped:
            return
        if last is None or last["code"] != code:
            raise self._error(number, "RECID", f"continuation line of {code} follows no first line of {code}")
        piece = values["LONG_DESCRIPTION"].strip()
        if piece:
            last["long_description"] = f"{last['long_description']} {piece}"


# ------------------------------------------------------------------ the transaction report


def read_transactions(path: Path) -> dict[str, str]:
    """CMS's transaction report inside a release zip: {code: type of change as CMS writes it}."""
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if "trans" in n.lower() and n.lower().endswith(".xlsx")]
        if not names:
            raise ReleaseError(path.name, None, "file", "no transaction report (*Trans*.xlsx) in the zip")
        data = archive.read(names[0])
    changes: dict[str, str] = {}
    for cells in sheet_rows(data, f"{path.name}!{names[0]}", sheet="hcpc"):
        code, kind = (cells[0].strip(), cells[1].strip()) if len(cells) > 1 else ("", "")
        if re.fullmatch(r"[A-Z]\d{4}|[A-Z0-9]{2}", code) and kind:
            changes[code] = kind
    return changes
