"""The CMS release reader on CMS's own 2017-2019 release zips (../shared/data/raw, SOURCES.md §6 and §20),
and what it says about files it cannot read."""
from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from pathlib import Path

import pytest

from index import cms_tables
from index.cms_release import LAYOUT_320, ReleaseError, read_release, read_transactions
from index.release_import import pfs_columns
from service.cli import main

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
RELEASES = RAW / "cms_hcpcs_releases"
ZIPS = {year: RELEASES / f"{year}-Alpha-Numeric-HCPCS-File.zip" for year in (2017, 2018, 2019)}
TXT_2019 = "HCPC2019_CONTR_ANWEB.txt"
pytestmark = pytest.mark.skipif(not RELEASES.is_dir(), reason=f"{RELEASES} is missing")


@pytest.fixture(scope="session")
def releases():
    """The three releases, parsed once."""
    return {year: read_release(path) for year, path in ZIPS.items()}


@pytest.fixture(scope="session")
def lines_2019() -> list[bytes]:
    """The raw CR/LF lines of the 2019 fixed-width file, as CMS wrote them."""
    with zipfile.ZipFile(ZIPS[2019]) as archive:
        return archive.read(TXT_2019).split(b"\r\n")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip holding ``members``."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _first_line_at(lines: list[bytes], start: int) -> int:
    """The index of the first code's first line (record identifier 3) at or after ``start``."""
    return next(i for i in range(start, len(lines)) if lines[i][10:11] == b"3")


def _release_from_lines(tmp_path: Path, lines: list[bytes], name: str = "HCPC2019_CONTR_ANWEB") -> Path:
    """A release zip whose HCPCS file holds ``lines``."""
    return _zip(tmp_path / f"{name}.zip", {f"{name}.txt": b"\r\n".join(lines)})


# ------------------------------------------------------------------ real releases


@pytest.mark.parametrize("year, codes, modifiers, terminated", [
    (2017, 6155, 343, 530), (2018, 6205, 354, 466), (2019, 6440, 360, 515)])
def test_record_counts(releases, year, codes, modifiers, terminated):
    """Every code of each release, each once, and as many as CMS's transaction report lists."""
    records = releases[year].records
    assert sum(r["kind"] == "procedure" for r in records) == codes
    assert sum(r["kind"] == "modifier" for r in records) == modifiers
    assert sum(1 for r in records if r["termination_date"]) == terminated
    assert len({r["code"] for r in records}) == len(records)
    report = read_transactions(ZIPS[year])
    assert set(report) <= {r["code"] for r in records}
    assert len(records) - len(report) <= 1  # 2018's report leaves out modifier L1


def test_effective_date_and_source(releases):
    """The release's date comes from CMS's file name; the source names the zip and the file read."""
    assert releases[2019].effective_date == "2019-01-01"
    assert releases[2019].source == f"2019-Alpha-Numeric-HCPCS-File.zip!{TXT_2019}"
    assert releases[2017].source.endswith("!HCPC17_CONTR_ANWEB.txt") and releases[2017].effective_date == "2017-01-01"
    assert releases[2018].source.endswith("!HCPC2018_CONTR_ANWEB_disc.txt")


def test_continuation_lines_joined(releases):
    """A code's continuation lines (record identifier 4/8) join its long description with one space."""
    codes = releases[2019].by_code()
    assert codes["AD"]["long_description"] == ("Medical supervision by a physician: more than four concurrent "
                                               "anesthesia procedures")
    assert codes["AD"]["kind"] == "modifier"
    g0502 = codes["G0502"]["long_description"]  # 14 lines in the fixed-width file
    assert g0502.startswith("Initial psychiatric collaborative care management, first 70 minutes in the first")
    assert g0502.endswith("motivational interviewing, and other focused treatment strategies")
    assert "treatment plan;  review by the psychiatric" in g0502  # CMS's double spaces inside a line are kept


def test_a_known_code_has_every_field(releases):
    """E0601 (CPAP) and J1100 (dexamethasone) field by field, as the 2019 record has them."""
    codes = releases[2019].by_code()
    e0601 = codes["E0601"]
    assert e0601["short_description"] == "Cont airway pressure device"
    assert (e0601["pricing"], e0601["multiple_pricing"]) == (["36"], "A")
    assert (e0601["cim"], e0601["coverage"]) == (["60-17"], "D")
    assert (e0601["betos"], e0601["type_of_service"], e0601["anesthesia_units"]) == ("D1E", ["R"], "0")
    assert (e0601["added_date"], e0601["action_effective_date"], e0601["termination_date"]) == (
        "1988-01-01", "2014-01-01", None)
    assert e0601["action_code"] == "N"
    j1100 = codes["J1100"]
    assert (j1100["mcm"], j1100["type_of_service"], j1100["pricing"]) == (["2049"], ["1", "P"], ["51"])
    c9488 = codes["C9488"]
    assert (c9488["statute"], c9488["asc_group"], c9488["asc_date"]) == ("1833(t)", "YY", "2017-04-01")


def test_termination_dates(releases):
    """TERM_DT as dates; none on or after the release's date; codes discontinued for 2019 end 2018-12-31."""
    codes = releases[2019].by_code()
    assert codes["C9030"]["termination_date"] == "2018-12-31"
    assert codes["C9030"]["action_code"] == "D" and codes["C9030"]["cross_references"] == ["J9057"]
    assert codes["G9327"]["termination_date"] is None  # ended 2020-12-31 (July 2024 record), still active in 2019
    dates = [r["termination_date"] for r in releases[2019].records if r["termination_date"]]
    assert max(dates) < "2019-01-01"
    assert sum(d == "2018-12-31" for d in dates) == 44


def test_shifted_asc_date_of_2018_is_put_back(releases):
    """Five 2018 records hold ASC_DT two columns early; the date is read where CMS meant it."""
    c9488 = releases[2018].by_code()["C9488"]
    assert (c9488["asc_group"], c9488["asc_date"]) == ("", "2017-04-01")


def test_layout_table_is_cms_record_layout():
    """Every field position of CMS's 2019 record layout document is a field of the layout table."""
    with zipfile.ZipFile(RELEASES / "2019-HCPCS-Record-Layout.zip") as archive:
        text = archive.read("HCPCS2019_recordlayout.txt").decode("latin-1")
    documented = {(int(b), int(e)) for _, b, e in re.findall(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:CHAR|NUM)\s*$",
                                                             text, re.M)}
    fillers_and_redefinitions = {(1, 3), (4, 5), (260, 260), (294, 320)}
    ours = {(first, last) for _, first, last in LAYOUT_320}
    assert (documented - fillers_and_redefinitions) <= ours
    assert "320      1    320" in text


def test_the_xlsx_edition_is_read_where_no_txt_is(tmp_path, releases):
    """A zip holding only CMS's xlsx gives the same records, but for the fields where CMS's two editions differ."""
    with zipfile.ZipFile(ZIPS[2019]) as archive:
        xlsx = archive.read("HCPC2019_CONTR_ANWEB.xlsx")
    release = read_release(_zip(tmp_path / "HCPC2019_CONTR_ANWEB.zip", {"HCPC2019_CONTR_ANWEB.xlsx": xlsx}))
    assert release.source.endswith("!HCPC2019_CONTR_ANWEB.xlsx")
    txt, xl = releases[2019].by_code(), release.by_code()
    assert set(txt) == set(xl)
    differing = {(code, field) for code in txt for field in txt[code] if field != "line"
                 and (" ".join(str(txt[code][field]).split()) != " ".join(str(xl[code][field]).split()))}
    # CMS's xlsx leaves out ACT_EFF_DT for 115 codes and lists one type of service fewer for two
    assert {field for _, field in differing} == {"action_effective_date", "type_of_service"}
    assert {code for code, field in differing if field == "type_of_service"} == {"E0210", "E0776"}
    assert all(xl[code]["action_effective_date"] is None for code, field in differing
               if field == "action_effective_date")


def test_a_bare_gzipped_file_reads_the_same(releases):
    """raw/cms_hcpcs_2019 holds the 2019 file gzipped: the same records as the zip."""
    release = read_release(RAW / "cms_hcpcs_2019" / "HCPC2019_CONTR_ANWEB.txt.gz")
    assert release.effective_date == "2019-01-01"
    assert release.records == releases[2019].records


def test_a_quarterly_file_name_gives_its_quarter(tmp_path, lines_2019):
    """HCPC2026_APR_ANWEB is effective 2026-04-01."""
    release = read_release(_release_from_lines(tmp_path, lines_2019[:40], "HCPC2026_APR_ANWEB"))
    assert release.effective_date == "2026-04-01"
    assert release.label == "CMS HCPCS release HCPC2026_APR_ANWEB, effective 2026-04-01"


# ------------------------------------------------------------------ bad input


def _error(path: Path) -> str:
    """The message of the ReleaseError reading ``path`` raises."""
    with pytest.raises(ReleaseError) as caught:
        read_release(path)
    return str(caught.value)


def test_a_zip_without_a_hcpcs_file(tmp_path):
    """A zip of other files: the error names the zip and what it holds."""
    with zipfile.ZipFile(ZIPS[2019]) as archive:
        readme = archive.read("HCPC2019_README.txt")
    message = _error(_zip(tmp_path / "HCPC2019_CONTR_ANWEB.zip", {"HCPC2019_README.txt": readme}))
    assert message.startswith("HCPC2019_CONTR_ANWEB.zip: file: no HCPCS file")
    assert "HCPC2019_README.txt" in message


def test_a_truncated_zip(tmp_path):
    """The zip cut short, as an interrupted download leaves it."""
    cut = tmp_path / "HCPC2019_CONTR_ANWEB.zip"
    cut.write_bytes(ZIPS[2019].read_bytes()[:500_000])
    assert _error(cut).startswith("HCPC2019_CONTR_ANWEB.zip: zip: ")
    assert "truncated or damaged" in _error(cut)


def test_a_truncated_file(tmp_path, lines_2019):
    """The fixed-width file cut inside a record: the last line's number and the field it cuts."""
    cut = _first_line_at(lines_2019, 5000)
    lines = lines_2019[:cut] + [lines_2019[cut][:200]]
    message = _error(_release_from_lines(tmp_path, lines))
    assert message.startswith(f"HCPC2019_CONTR_ANWEB.zip!{TXT_2019}:{cut + 1}: LABCERT7: record is 200 characters "
                              "long")
    assert "truncated" in message


def test_a_record_of_the_wrong_length(tmp_path, lines_2019):
    """One character lost in the middle of a record: its line and the first field it no longer reaches."""
    lines = list(lines_2019[:100])
    lines[60] = lines[60][:150] + lines[60][151:]
    assert _error(_release_from_lines(tmp_path, lines)).startswith(
        f"HCPC2019_CONTR_ANWEB.zip!{TXT_2019}:61: FILLER: record is 319 characters long, the layout's records are 320")


def test_a_bad_date(tmp_path, lines_2019):
    """A TERM_DT that is no date: line and field."""
    lines = list(lines_2019[:100])
    lines[60] = lines[60][:284] + b"20181399" + lines[60][292:]
    assert _error(_release_from_lines(tmp_path, lines)).endswith(":61: TERM_DT: '20181399' is not a date (YYYYMMDD)")


def test_an_unknown_layout(tmp_path, lines_2019):
    """Records of another length than any layout known."""
    lines = [line + b" " * 10 if len(line) == 320 else line for line in lines_2019[:100]]
    message = _error(_release_from_lines(tmp_path, lines))
    assert re.search(r":9: layout: unknown layout: records of 330 characters \(known layouts: 320\)$", message)


def test_an_unknown_xlsx_layout(tmp_path):
    """An xlsx whose header row lacks a column of the layout."""
    from openpyxl import Workbook

    book = Workbook()
    names = [name for name, _, _ in LAYOUT_320 if name != "TERM_DT"]
    book.active.append(names)
    book.active.append(["E0601", "00100", "3"] + [""] * (len(names) - 3))
    path = tmp_path / "HCPC2019_CONTR_ANWEB.xlsx"
    book.save(path)
    assert _error(path) == ("HCPC2019_CONTR_ANWEB.xlsx:1: TERM_DT: unknown layout: the header row lacks this "
                            "column")


def test_a_file_of_no_records(tmp_path):
    """A text file holding no HCPCS record at all."""
    message = _error(_release_from_lines(tmp_path, [b"HCPCS,SHORT", b"E0601,Cpap"]))
    assert message.endswith(":1: layout: unknown layout: no line in the first 40 holds a HCPCS record "
                            "(code, sequence number, record identifier 3/4/7/8)")


def test_the_cli_exits_2_and_writes_nothing(tmp_path, capsys, lines_2019):
    """codesearch import-cms --hcpcs on a bad release: exit 2, the error on stderr, the corpus folder untouched."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "codes.jsonl.gz").write_bytes(gzip.compress(b"{}\n"))
    before = sorted((p.name, p.read_bytes()) for p in corpus.iterdir())
    cut = _first_line_at(lines_2019, 5000)
    bad = _release_from_lines(tmp_path, lines_2019[:cut] + [lines_2019[cut][:200]])
    assert main(["import-cms", "--hcpcs", str(bad), "--corpus", str(corpus)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: HCPC2019_CONTR_ANWEB.zip!{TXT_2019}:{cut + 1}: LABCERT7: ")
    assert sorted((p.name, p.read_bytes()) for p in corpus.iterdir()) == before


# ------------------------------------------------------------------ CMS payment tables (index/cms_tables.py)

DATA = RAW.parent


def _csv_rows(name: str) -> list[dict]:
    """The rows of a CSV in the data folder."""
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _pfs_as_cms_publishes_it(tmp_path: Path, rows: list[dict]) -> Path:
    """RVU25D.zip holding PPRRVU25_OCT.csv: CMS's ten heading lines, then the rows (and a CPT-shaped row)."""
    heading = (DATA / "docs" / "PPRRVU2025_Oct_header_lines.txt").read_text(encoding="utf-8")
    body = io.StringIO()
    writer = csv.writer(body, lineterminator="\r\n")
    writer.writerow(["99999", "", "", "A"] + ["0.00"] * 27)
    for row in rows:
        writer.writerow(row.values())
    return _zip(tmp_path / "RVU25D.zip", {"PPRRVU25_OCT.csv": (heading + body.getvalue()).encode("cp1252")})


def test_a_pfs_file_as_cms_publishes_it(tmp_path):
    """The PFS file with CMS's five-line column headings: the Level II rows, the same as the data folder's."""
    rows = _csv_rows(cms_tables.cms.PFS_RVU)
    path = _pfs_as_cms_publishes_it(tmp_path, rows)
    with cms_tables.overlay(DATA, {"pfs": path}) as folder:
        assert folder != DATA and (folder / "lookup_betos.csv").is_file()
        with open(folder / cms_tables.cms.PFS_RVU, newline="", encoding="utf-8") as handle:
            assert list(csv.DictReader(handle)) == rows
        assert pfs_columns(folder)["G0438"]["work_rvu"] == "2.60"


def test_opps_and_asp_files_as_cms_publishes_them(tmp_path):
    """OPPS Addendum B as CMS's Windows-1252 tab-separated text under banner lines; the ASP crosswalk with
    CMS's yearly code column name (_2026_CODE)."""
    opps = _csv_rows(cms_tables.OPPS_B)
    text = "Addendum B.-Final OPPS Payment by HCPCS Code for CY 2025\n\n" + "\n".join(
        "\t".join(row) for row in [list(opps[0])] + [list(r.values()) for r in opps])
    (tmp_path / "2025 NFRM Addendum B.txt").write_bytes(text.encode("cp1252"))
    columns = list(opps[0])
    assert cms_tables.read_table("opps", tmp_path / "2025 NFRM Addendum B.txt", columns) == opps
    crosswalk = _csv_rows(cms_tables.cms.CROSSWALK)
    heading = ["_2026_CODE", "Short Description", "LABELER NAME", "NDC2", "Drug Name", "HCPCS dosage", "PKG SIZE",
               "PKG QTY", "BILLUNITS", "BILLUNITSPKG"]
    lines = ["January 2026 ASP NDC - HCPCS Crosswalk", "", ",".join(heading)]
    lines += [",".join(f'"{v}"' for v in row.values()) for row in crosswalk]
    path = tmp_path / "January 2026 ASP NDC-HCPCS Crosswalk.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    assert cms_tables.read_table("asp_crosswalk", path, list(crosswalk[0])) == crosswalk
    assert cms_tables._quarter(path) == "2026Q1"


def test_a_bad_payment_table_names_file_line_and_field(tmp_path):
    """A PFS row whose work RVU is no number, and a file with no header row."""
    rows = _csv_rows(cms_tables.cms.PFS_RVU)
    rows[3] = {**rows[3], "WORK_RVU": "n/a"}
    path = _pfs_as_cms_publishes_it(tmp_path, rows)
    with pytest.raises(ReleaseError) as caught:
        cms_tables.read_table("pfs", path, list(rows[0]))
    assert str(caught.value) == "RVU25D.zip!PPRRVU25_OCT.csv:15: WORK_RVU: 'n/a' is not a number"
    (tmp_path / "limits.csv").write_text("HCPCS,Price\nJ9271,59.726\n")
    with pytest.raises(ReleaseError) as caught:
        cms_tables.read_table("asp", tmp_path / "limits.csv", ["HCPCS_CODE", "PAYMENT_LIMIT"])
    assert str(caught.value).startswith("limits.csv: header: unknown layout: no header row with HCPCS_CODE, "
                                        "PAYMENT_LIMIT")
