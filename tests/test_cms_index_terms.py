"""The CMS Alpha-Numeric Index and Table of Drugs CSVs, as committed (scripts/extract_cms_index.py writes them)."""
from __future__ import annotations

import csv
import gzip
import json
import re
from functools import cache
from pathlib import Path

import pytest

VOCAB = Path(__file__).resolve().parent.parent / "corpus" / "vocab"
CORPUS = VOCAB.parent / "codes.jsonl.gz"
INDEX_CSV = VOCAB / "cms_alpha_index.csv"
DRUGS_CSV = VOCAB / "cms_table_of_drugs.csv"
CODE = re.compile(r"^[A-V]\d{4}$")


@cache
def read_rows(path: Path) -> tuple[tuple[str, ...], tuple[dict, ...]]:
    """(header, rows) of a CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return tuple(reader.fieldnames or ()), tuple(reader)


@cache
def corpus_codes() -> frozenset[str]:
    """Every code of the corpus."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        return frozenset(json.loads(line)["code"] for line in handle)


def index_terms() -> dict[str, list[str]]:
    """term -> codes of the index CSV."""
    return {row["term"]: row["codes"].split(" ") for row in read_rows(INDEX_CSV)[1]}


def drug_codes(drug: str) -> set[str]:
    """The codes the drug CSV gives a drug name."""
    return {row["code"] for row in read_rows(DRUGS_CSV)[1] if row["drug"] == drug}


def test_headers():
    assert read_rows(INDEX_CSV)[0] == ("term", "codes", "source")
    assert read_rows(DRUGS_CSV)[0] == ("drug", "unit", "route", "code", "source")


def test_every_index_code_is_a_level_two_code_of_the_corpus():
    codes = [code for row_codes in index_terms().values() for code in row_codes]
    assert codes
    assert [c for c in codes if not CODE.match(c)] == []
    assert sorted(set(codes) - corpus_codes()) == []


def test_every_drug_code_is_a_level_two_code_of_the_corpus():
    codes = [row["code"] for row in read_rows(DRUGS_CSV)[1]]
    assert codes
    assert [c for c in codes if not CODE.match(c)] == []
    assert sorted(set(codes) - corpus_codes()) == []


def test_index_rows_are_unique_terms_with_sorted_distinct_codes():
    rows = read_rows(INDEX_CSV)[1]
    assert len({row["term"] for row in rows}) == len(rows)
    for row in rows:
        codes = row["codes"].split(" ")
        assert row["term"] and codes == sorted(set(codes)), row
        assert row["source"] == "CMS HCPCS Index 2019"


def test_drug_rows_are_unique_per_name_and_code():
    rows = read_rows(DRUGS_CSV)[1]
    assert len({(row["drug"], row["code"]) for row in rows}) == len(rows)
    assert {row["source"] for row in rows} == {"CMS Table of Drugs 2019", "CMS Table of Drugs 2018"}
    assert all(row["drug"] and "IVection" not in row["drug"] for row in rows)


@pytest.mark.parametrize("path, key", [(INDEX_CSV, ("term",)), (DRUGS_CSV, ("drug", "code"))])
def test_rows_are_sorted(path, key):
    rows = read_rows(path)[1]
    keys = [(row[key[0]].casefold(), row[key[0]], *(row[k] for k in key[1:])) for row in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize("term, codes", [
    ("Folding walker", ["E0135", "E0143"]),  # "Folding walker, E0135, E0143"
    ("Amputee, stump sock", ["L8470", "L8485"]),  # "Amputee / stump sock, L8470-L8485": 16 codes, kept as written
    ("Walker, attachments", ["E0153", "E0154", "E0155", "E0156", "E0157", "E0158", "E0159"]),  # E0153-E0159
    ("Continuous positive airway pressure (CPAP) device", ["E0601"]),
    ("Corvert", ["J1742"]),  # "Corvert, see Ibutilide fumarate"
])
def test_known_index_entries(term, codes):
    assert index_terms()[term] == codes


@pytest.mark.parametrize("drug, code", [
    ("Herceptin", "J9355"),  # "Herceptin, see Trastuzumab"
    ("Narcan", "J2310"),  # "Narcan, see Naloxone HCl"
    ("Adriamycin PFS", "J9000"),  # "Adriamycin PFS, see Doxorubicin HCl"
    ("Toradol", "J1885"),  # "Toradol, see Ketorolac tromethamine"
    ("Naloxone HCl", "J2310"),
])
def test_known_drug_entries(drug, code):
    assert code in drug_codes(drug)


def test_misprinted_pairs_are_left_out():
    assert "J7620" not in drug_codes("Xopenex")  # Xopenex is levalbuterol, not albuterol with ipratropium
    assert "J0706" not in drug_codes("Ciprofloxacin")  # J0706 is caffeine citrate


def test_the_corpus_carries_cms_index_names_and_pages_show_them(real_client):
    record = real_client.get("/v1/codes/J9355").get_json()
    assert "Herceptin" in record["index_terms"]
    page = real_client.get("/codes/E0135").get_data(as_text=True)
    assert "HCPCS Index and Table of Drugs" in page and "Folding walker" in page
