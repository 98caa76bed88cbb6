"""What changed between CMS releases, checked against CMS's own transaction reports; the corpus, index and
service built from a release zip; and ``codesearch update`` refusing a release that drops too much."""
from __future__ import annotations

import csv
import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from index.build import live_build
from index.changes import agreement, compare, load_side
from index.cms_release import read_transactions
from index.release_import import Lookups, admin_columns, import_release, opps_columns, pfs_columns
from index.search import CodeIndex
from index.update import UpdateError, update
from service import create_app
from service.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RELEASES = DATA / "raw" / "cms_hcpcs_releases"
ZIPS = {year: RELEASES / f"{year}-Alpha-Numeric-HCPCS-File.zip" for year in (2017, 2018, 2019)}
pytestmark = pytest.mark.skipif(not RELEASES.is_dir(), reason=f"{RELEASES} is missing")


def _empty_corpus(folder: Path) -> Path:
    """A corpus folder with our glossaries and FAQ but no records yet."""
    folder.mkdir(parents=True)
    for name in ("vocab", "faq"):
        shutil.copytree(ROOT / "corpus" / name, folder / name)
    return folder


def _records(corpus: Path) -> dict[str, dict]:
    """The records of a corpus folder by code."""
    with gzip.open(corpus / "codes.jsonl.gz", "rt", encoding="utf-8") as handle:
        return {r["code"]: r for r in map(json.loads, handle)}


@pytest.fixture(scope="session")
def sides():
    """The 2017, 2018 and 2019 releases as sides of a comparison."""
    return {year: load_side(path) for year, path in ZIPS.items()}


@pytest.fixture(scope="session")
def corpus_2018(tmp_path_factory) -> Path:
    """A corpus imported from the 2018 zip."""
    corpus = _empty_corpus(tmp_path_factory.mktemp("c2018") / "corpus")
    import_release(ZIPS[2018], DATA, corpus)
    return corpus


@pytest.fixture(scope="session")
def updated(tmp_path_factory, corpus_2018, fixture_index) -> dict:
    """``update`` with the 2019 zip on the 2018 corpus, over a live index of the 12-record fixture."""
    base = tmp_path_factory.mktemp("update")
    corpus, index = base / "corpus", base / "index"
    shutil.copytree(corpus_2018, corpus)
    shutil.copytree(fixture_index, index, symlinks=True)
    before = live_build(index)
    result = update(ZIPS[2019], DATA, corpus, index)
    return {"corpus": corpus, "index": index, "before": before, "result": result}


# ------------------------------------------------------------------ against CMS's transaction reports


def test_2018_to_2019_agrees_with_the_2019_transaction_report(sides):
    """6,772 of the 2019 file's 6,800 codes get the action CMS's report gives them; each of the 28 others is a
    change made by a 2018 quarterly update (CMS reports a code's last action, ours is the difference between
    the two annual files)."""
    changes = compare(sides[2018], sides[2019])
    assert {k: changes["counts"][k] for k in ("added", "terminated", "reactivated", "removed")} == {
        "added": 230, "terminated": 49, "reactivated": 0, "removed": 3}
    found = agreement(sides[2018], sides[2019], read_transactions(ZIPS[2019]))
    assert (found["codes"], found["agree"]) == (6800, 6772)
    assert found["by_action"]["D"] == {"ours": 49, "cms": 49}
    assert found["by_action"]["A"] == {"ours": 230, "cms": 228}
    assert found["by_action"]["S"] == {"ours": 8, "cms": 8}
    differences = {d["code"]: d for d in found["differences"]}
    assert {c for c, d in differences.items() if d["reason"].startswith("CMS reports the code's last action")} == {
        "C9488", "C9745", "C9746", "C9747", "G0279", "G8891", "G9367", "G9368", *(f"G94{n}" for n in range(81, 91)),
        "G9637", "G9638", "G9801", "G9868", "G9869", "G9870", "G9898", "QQ", "VM"}
    assert (differences["QQ"]["ours"], differences["QQ"]["cms"]) == ("N", "A")  # the 2018 file already lists QQ
    assert differences["Q2041"]["reason"].startswith("added by a quarterly update effective 2018-04-01")


def test_2017_to_2018_agrees_with_the_2018_transaction_report(sides):
    """The same check a year earlier: every difference has a reason."""
    found = agreement(sides[2017], sides[2018], read_transactions(ZIPS[2018]))
    assert (found["codes"], found["agree"]) == (6559, 6540)
    assert all(d["reason"] != "unexplained" for d in found["differences"])
    reasons = {d["code"]: d["reason"] for d in found["differences"]}
    assert reasons["L1"] == "not in CMS's transaction report"
    assert reasons["J7328"].startswith("it changed in several ways (C, P, S); CMS reports one action per code")


def test_descriptor_changes_carry_the_old_and_new_wording(sides):
    """A9273's descriptor as 2018 and 2019 write it."""
    changes = compare(sides[2018], sides[2019])
    a9273 = next(e for e in changes["descriptor_changed"] if e["code"] == "A9273")
    assert a9273["old"] == "Hot water bottle, ice cap or collar, heat and/or cold wrap, any type"
    assert a9273["new"] == "Cold or hot fluid bottle, ice cap or collar, heat and/or cold wrap, any type"
    fields = next(e for e in changes["fields_changed"] if e["code"] == "A5512")["fields"]
    assert fields["coverage"] == {"old": "C", "new": "D"}


def test_a_reused_code_number_is_added_with_what_it_replaces(sides):
    """CMS gave G9890 a new meaning in April 2018 (a later ADD_DT): added, as the report says, with the old text."""
    g9890 = next(e for e in compare(sides[2018], sides[2019])["added"] if e["code"] == "G9890")
    assert g9890["short_description"] == "Em bridge payment"
    assert g9890["replaces"]["short_description"] == "Mac exam perf"


def test_a_code_added_and_ended_between_releases_is_terminated(sides):
    """C9030 came with the July 2018 update and ended 2018-12-31: CMS reports it discontinued, and so do we."""
    c9030 = next(e for e in compare(sides[2018], sides[2019])["terminated"] if e["code"] == "C9030")
    assert c9030["termination_date"] == "2018-12-31" and c9030["cross_references"] == ["J9057"]
    assert c9030["note"] == "not in the old side: added and terminated between the two"


# ------------------------------------------------------------------ import, corpus, CLI


def test_importing_2018_then_2019_stores_the_changes(updated, sides):
    """The corpus updated from 2018 to 2019 holds the same changes as the two zips compared directly."""
    stored = json.loads((updated["corpus"] / "changes.json").read_text())
    direct = compare(sides[2018], sides[2019])
    assert stored["counts"] == direct["counts"]
    for name in ("added", "terminated", "descriptor_changed", "fields_changed", "removed"):
        assert stored[name] == direct[name]
    assert stored == updated["result"]["changes"]


def test_the_changes_command(updated, corpus_2018, capsys):
    """codesearch changes OLD NEW --json on two corpus folders: the object with at least added, terminated
    and descriptor_changed, each entry with its code."""
    assert main(["changes", str(corpus_2018), str(updated["corpus"]), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {"added", "terminated", "descriptor_changed", "fields_changed", "counts"} <= set(printed)
    assert all("code" in entry for name in ("added", "terminated", "descriptor_changed") for entry in printed[name])
    assert printed["counts"]["terminated"] == 49
    assert main(["changes", str(ZIPS[2018]), str(ZIPS[2019]), "--report", "--limit", "2"]) == 0
    text = capsys.readouterr().out
    assert "added 230, terminated 49" in text and "CMS transaction report: 6,772 of 6,800 codes agree" in text
    assert main(["changes", str(ZIPS[2018]), str(ROOT / "no-such.zip")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_records_from_the_release(updated):
    """Status from each code's own TERM_DT, the action code kept, every record saying its release."""
    records = _records(updated["corpus"])
    assert len(records) == 6800 and sum(r["status"] == "terminated" for r in records.values()) == 515
    c9030 = records["C9030"]
    assert (c9030["status"], c9030["terminated_date"]) == ("terminated", "2018-12-31")
    assert c9030["status_basis"] == "TERM_DT in the CMS HCPCS release HCPC2019_CONTR_ANWEB, effective 2019-01-01"
    assert c9030["history"]["termination_basis"] == "exact" and c9030["history"]["replaced_by"] == ["J9057"]
    assert c9030["history"]["action"] == {"code": "D", "description": "Discontinue procedure or modifier code"}
    assert records["G9327"]["status"] == "active"  # ended 2020-12-31: active in 2019
    e0601 = records["E0601"]
    assert e0601["release"] == {"name": "HCPC2019_CONTR_ANWEB", "effective_date": "2019-01-01"}
    assert (e0601["coverage"]["code"], e0601["pricing_indicator"]["code"], e0601["manual_references"]) == (
        "D", "36", ["CIM 60-17"])
    assert e0601["type_of_service"] == [{"code": "R", "description": "Rental of DME"}]
    status = next(f["answer"] for f in e0601["faq"] if f["intent"] == "status")
    assert status.startswith("E0601 is active in the CMS HCPCS release HCPC2019_CONTR_ANWEB (effective 2019-01-01).")


def test_release_rows_have_the_enriched_columns():
    """The same column code makes the January 2026 enriched file's HCPCS, PFS and OPPS columns from the
    October 2025 admin fields and the payment files: every code, every column."""
    with open(DATA / "hcpcs_level2_2026q1_enriched.csv", newline="", encoding="utf-8") as handle:
        enriched = {row["code"]: row for row in csv.DictReader(handle)}
    with open(DATA / "hcpcs_2025q4_oct_anweb_reconstructed.csv", newline="", encoding="utf-8") as handle:
        admin = list(csv.DictReader(handle))
    lookups, pfs, opps = Lookups.read(DATA), pfs_columns(DATA), opps_columns(DATA)
    checked = 0
    for row in admin:
        record = {"code": row["HCPC"], "kind": enriched[row["HCPC"]]["code_type"],
                  "short_description": row["SHORT_DESCRIPTION"], "long_description": row["LONG_DESCRIPTION"],
                  "pricing": [row[f"PRICE{i}"] for i in range(1, 5) if row[f"PRICE{i}"]],
                  "multiple_pricing": row["MULT_PI"], "coverage": row["COV"], "betos": row["BETOS"],
                  "type_of_service": list(row["TOS"]), "processing_note": row["PROCNOTE"],
                  "cim": [row[f"CIM{i}"] for i in range(1, 4) if row[f"CIM{i}"]],
                  "mcm": [row[f"MCM{i}"] for i in range(1, 4) if row[f"MCM{i}"]], "statute": row["STATUTE"],
                  "lab_certification": row["LABCERT"].split(), "cross_references": row["XREF"].split(),
                  "anesthesia_units": row["ANEST_BU"], "action_effective_date": f"{row['ACT_EFF_YEAR']}-01-01",
                  "added_date": f"{row['ADD_DT'][:4]}-{row['ADD_DT'][4:6]}-{row['ADD_DT'][6:]}"}
        made = {**admin_columns(record, lookups), **pfs.get(row["HCPC"], {}), **opps.get(row["HCPC"], {})}
        expected = enriched[row["HCPC"]]
        columns = [c for c in made if c not in ("short_description", "long_description")]  # Jan 2026 wording
        assert {c: made[c] for c in columns} == {c: expected[c] for c in columns}, row["HCPC"]
        checked += 1
    assert checked == 8846


def test_a_serving_index_from_the_2019_zip_alone(updated, tmp_path):
    """The 2019 zip alone gives the corpus ``update`` installed; its index is live, serves and searches."""
    alone = _empty_corpus(tmp_path / "corpus")
    import_release(ZIPS[2019], DATA, alone)
    assert (alone / "codes.jsonl.gz").read_bytes() == (updated["corpus"] / "codes.jsonl.gz").read_bytes()
    assert not (alone / "changes.json").exists()  # nothing to compare with
    assert live_build(updated["index"]) != updated["before"]
    assert updated["result"]["manifest"]["record_count"] == 6800
    index = CodeIndex(updated["index"])
    hits = index.search("wheelchair").hits
    assert hits[0].code.startswith("K000") and all(h.status == "active" for h in hits[:5])
    assert index.search("C9030").hits[0].status == "terminated"
    assert index.get("G9327")["status"] == "active"


def _cut_release(tmp_path: Path, lines: int) -> Path:
    """The 2019 release with only the whole records of its first ``lines`` lines."""
    with zipfile.ZipFile(ZIPS[2019]) as archive:
        text = archive.read("HCPC2019_CONTR_ANWEB.txt").split(b"\r\n")
    end = max(i for i in range(lines) if text[i][10:11] in (b"3", b"7"))  # the next record's first line
    path = tmp_path / "HCPC2019_CONTR_ANWEB.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("HCPC2019_CONTR_ANWEB.txt", b"\r\n".join(text[:end]))
    return path


def test_update_refuses_a_release_that_drops_too_many_codes(tmp_path, corpus_2018, fixture_index, capsys):
    """Half a release would leave most active codes inactive: refused, the corpus and the live index as they were."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus_2018, corpus)
    shutil.copytree(fixture_index, index, symlinks=True)
    before = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}
    live = live_build(index)
    half = _cut_release(tmp_path, 5000)
    with pytest.raises(UpdateError) as caught:
        update(half, DATA, corpus, index)
    assert "active codes inactive" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert main(["update", "--hcpcs", str(half), "--corpus", str(corpus), "--index", str(index), "--quiet"]) == 2
    assert capsys.readouterr().err.startswith("error: the release would leave ")
    assert live_build(index) == live
    assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging folder left


# ------------------------------------------------------------------ the service


def test_v1_changes_serves_the_live_release(updated):
    """GET /v1/changes on the index update built: both releases, the counts, every list with codes."""
    client = create_app({"INDEX_DIR": str(updated["index"]), "TESTING": True}).test_client()
    body = client.get("/v1/changes").get_json()
    assert body["release"]["label"] == "CMS HCPCS release HCPC2019_CONTR_ANWEB, effective 2019-01-01"
    assert body["previous"]["effective_date"] == "2018-01-01" and body["note"] is None
    assert body["counts"]["added"] == len(body["added"]) == 230
    assert {"code", "short_description", "long_description", "added_date"} <= set(body["added"][0])
    changed = next(e for e in body["descriptor_changed"] if e["code"] == "A9273")
    assert changed["old"].startswith("Hot water bottle") and changed["new"].startswith("Cold or hot fluid bottle")
    assert next(e for e in body["fields_changed"] if e["code"] == "A5512")["fields"]["coverage"]["new"] == "D"
    assert client.get("/v1/changes?code=E0601").status_code == 400


def test_v1_changes_without_a_release_is_empty(real_client):
    """An index not built from a release zip: 200, empty lists and a note saying why."""
    response = real_client.get("/v1/changes")
    body = response.get_json()
    assert response.status_code == 200 and body["release"] is None
    assert body["added"] == [] and body["terminated"] == [] and body["descriptor_changed"] == []
    assert body["note"].startswith("no changes are recorded for the live index")


def test_code_pages_mark_new_and_changed_codes(updated):
    """The code page of a code the live release added, ended or reworded says so."""
    client = create_app({"INDEX_DIR": str(updated["index"]), "TESTING": True}).test_client()
    new = client.get("/codes/A4563").get_data(as_text=True)
    assert '<span class="badge change">new in this release</span>' in new
    ended = client.get("/codes/C9030").get_data(as_text=True)
    assert "terminated in this release" in ended
    assert "exact: from the CMS HCPCS release HCPC2019_CONTR_ANWEB, effective 2019-01-01" in ended
    reworded = client.get("/codes/A9273").get_data(as_text=True)
    assert "changed in the CMS HCPCS release HCPC2019_CONTR_ANWEB, effective 2019-01-01: descriptor" in reworded
    assert "in this release" not in client.get("/codes/E0601").get_data(as_text=True)


def test_a_heuristic_status_is_flagged(real_client):
    """Where no CMS record gives a date, the corpus, the API and the code page say the status is a heuristic."""
    record = real_client.get("/v1/codes/C7558").get_json()
    assert record["status"] == "terminated" and record["status_basis"].startswith("heuristic: ")
    assert record["history"]["termination_basis"] == "heuristic"
    page = real_client.get("/codes/C7558").get_data(as_text=True)
    assert '<span class="badge estimated">status estimated</span>' in page
    assert "(a heuristic: no CMS record says)" in page
    exact = real_client.get("/codes/G9327").get_data(as_text=True)
    assert "status estimated" not in exact and "exact: from the July 2024 CMS HCPCS record" in exact
