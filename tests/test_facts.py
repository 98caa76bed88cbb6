"""Facts per code: the rules read from CMS fields, then answers on the real corpus (codes in no eval file)."""
import pytest

from index import facts
from index.answer import Answerer
from index.importer import _statute
from index.search import CodeIndex


def _record(code="E0999", **fields):
    """A minimal record with the fields the fact rules read."""
    base = {"code": code, "kind": "procedure", "status": "active", "long_description": "Thing", "section": "S",
            "pricing_indicator": None, "coverage": None, "pfs": None, "opps": None, "type_of_service": [],
            "drug_billing": None, "specialties": [], "rbcs": None}
    return {**base, **fields}


def _mods(record, indicators=None, pairs=()):
    return [m["modifier"] for m in facts.modifiers(record, indicators, list(pairs))]


PFS_NONE = {"pctc": "9", "bilateral": "9", "assistant": "9", "co_surgery": "9", "team": "9"}


@pytest.mark.parametrize("pricing, expected", [
    ("36", ["RR", "KH", "KI", "KJ"]), ("32", ["NU", "UE", "RR"]), ("33", ["RR"]), ("34", []), ("51", []),
])
def test_dme_pricing_indicator_sets_rental_and_purchase_modifiers(pricing, expected):
    assert _mods(_record(pricing_indicator={"code": pricing, "description": ""})) == expected


def test_pfs_indicators_set_component_bilateral_and_surgery_modifiers():
    assert _mods(_record(), {**PFS_NONE, "pctc": "1"}) == ["26", "TC"]
    assert _mods(_record(), {**PFS_NONE, "bilateral": "1"}) == ["50"]
    assert _mods(_record(), {**PFS_NONE, "bilateral": "3"}) == ["RT", "LT"]
    assert _mods(_record(), {**PFS_NONE, "assistant": "2", "co_surgery": "1", "team": "2"}) == \
        ["80", "82", "AS", "62", "66"]
    assert _mods(_record(), {**PFS_NONE, "assistant": "0", "pctc": "0", "bilateral": "0"}) == []


def test_ncci_pairs_with_indicator_1_bring_the_distinct_service_modifiers():
    pair = {"code": "G0001", "denied": "G0001", "setting": "practitioner", "rationale": "", "effective": ""}
    assert _mods(_record(), pairs=[{**pair, "modifier_indicator": "0"}]) == []
    assert _mods(_record(), pairs=[{**pair, "modifier_indicator": "1"}]) == ["59", "XE", "XP", "XS", "XU"]


def test_statutory_exclusion_brings_gy_and_a_modifier_record_gets_none():
    assert _mods(_record(coverage={"code": "S", "description": ""})) == ["GY"]
    assert _mods(_record(code="RR", kind="modifier", pricing_indicator={"code": "36", "description": ""})) == []


@pytest.mark.parametrize("fields, expected", [
    ({"code": "S9088"}, "commercial insurers"),
    ({"code": "T1019"}, "state Medicaid"),
    ({"code": "C1776"}, "hospital outpatient"),
    ({"code": "A0426", "type_of_service": [{"code": "D", "description": ""}]}, "ambulance"),
    ({"code": "G9306", "pfs": {"status_code": "M"}}, "quality measures"),
    ({"pricing_indicator": {"code": "36", "description": ""}}, "DMEPOS suppliers"),
    ({"code": "J9999", "pricing_indicator": {"code": "51", "description": ""}}, "administer the drug"),
    ({"code": "G0999", "pfs": {"status_code": "A"}}, "Physician Fee Schedule"),
    ({"code": "V5999", "type_of_service": [{"code": "K", "description": ""}]}, "audiologists"),
])
def test_billing_channel_is_read_from_cms_fields(fields, expected):
    who_bills, _ = facts.billing_channel(_record(**fields))
    assert expected in who_bills[0]


def test_no_billing_channel_when_no_field_says():
    assert facts.billing_channel(_record(code="G0999")) is None


def test_typical_row_prefers_narrowest_range_then_family_subcategory_section():
    table = [{"match": "range", "key": "E0100-E0999", "orders": "wide", "provides": ""},
             {"match": "range", "key": "E0400-E0499", "orders": "narrow", "provides": ""},
             {"match": "rbcs_family", "key": "Fam", "orders": "family", "provides": ""},
             {"match": "rbcs_subcategory", "key": "Sub", "orders": "sub", "provides": ""},
             {"match": "section", "key": "A0000", "orders": "section", "provides": ""}]
    rbcs = {"family": "Fam", "subcategory": "Sub"}
    assert facts.typical_row("E0424", rbcs, "E0100", table)["orders"] == "narrow"
    assert facts.typical_row("E0124", rbcs, "E0100", table)["orders"] == "wide"
    assert facts.typical_row("A0424", rbcs, "A0000", table)["orders"] == "family"
    assert facts.typical_row("A0424", {"family": None, "subcategory": "Sub"}, "A0000", table)["orders"] == "sub"
    assert facts.typical_row("A0424", None, "A0000", table)["orders"] == "section"
    assert facts.typical_row("B0424", None, "B4000", table) is None


@pytest.mark.parametrize("descriptor, meaning", [
    ("Screening performed and documented", "performance met"),
    ("Screening not performed, reason not given", "performance not met: the action was not done and no reason"),
    ("Documentation of medical reason(s) for not performing screening", "a denominator exception"),
    ("Patient receiving hospice services", "a denominator exclusion"),
    ("Influenza immunization was not ordered", "performance not met"),
])
def test_quality_code_meaning_is_read_from_the_descriptor(descriptor, meaning):
    assert facts.quality_meaning(descriptor).startswith(meaning)


def test_history_calls_a_date_exact_only_when_the_record_gives_it_and_replacements_must_be_active():
    status = {"status": "terminated", "terminated_date": "2020-06-30"}
    record_2024 = {"terminated_date": "2020-06-30", "xref": ["Q5120", "X9999"], "action": None, "added_date": None}
    exact = facts.history("C9058", status, "2019-01-01", record_2024, {"Q5120"})
    assert exact["termination_basis"] == "exact" and exact["replaced_by"] == ["Q5120"]
    guessed = facts.history("C9058", {**status, "terminated_date": "2024-12-31"}, None, None, {"Q5120"})
    assert guessed["termination_basis"] == "heuristic" and guessed["replaced_by"] == []


def test_pfs_dollars_are_total_rvus_times_the_conversion_factor_rounded_to_cents():
    pfs = {"status_code": "A", "non_facility_total_rvu": 2.96, "facility_total_rvu": 0.43}
    ind = {"conversion_factor": 32.3465, "non_facility_na": False, "facility_na": False}
    dollars = facts.payment(_record(pfs=pfs), ind)["pfs"]
    assert (dollars["non_facility_usd"], dollars["facility_usd"], dollars["paid"]) == (95.75, 13.91, True)
    assert facts.payment(_record(pfs={**pfs, "status_code": "E"}), ind)["pfs"]["paid"] is False


def test_difference_names_the_words_each_descriptor_has_alone():
    mine, theirs = facts.difference("Annual wellness visit, initial visit", "Annual wellness visit, subsequent visit")
    assert (mine, theirs) == (["initial"], ["subsequent"])


@pytest.mark.parametrize("raw, cited", [("1862A7", "§1862(a)(7)"), ("1862a1", "§1862(a)(1)"), ("", None)])
def test_statute_cells_become_citations(raw, cited):
    assert _statute(raw) == cited


# ---- answers on the real corpus, with codes and wordings from no eval file


@pytest.fixture(scope="module")
def answerer(real_index):
    return Answerer(CodeIndex(real_index), "http://example.test")


@pytest.mark.parametrize("question, intent, must", [
    ("what replaced C9014?", "replaced_by", ["2018-12-31", "J0567", "July 2024"]),
    ("how much does medicare pay for G0439", "payment", ["$126.47", "no facility amount"]),
    ("which modifiers apply to G0130", "modifiers_for_code", ["26 (", "TC (", "PC/TC indicator 1"]),
    ("does L1906 need RT or LT?", "modifiers_for_code", ["RT, LT (", "side"]),
    ("modifier for g0186 when both sides are done", "modifiers_for_code", ["50 (", "150%"]),
    ("does medicare cover A4252", "coverage", ["excluded by statute", "LCD"]),
    ("who bills J9217", "who_uses", ["Urology, 68%", "2023", "administer the drug"]),
    ("what is the facility practice expense rvu of G0283", "rvu", ["facility practice expense RVU of 0.19"]),
    ("when is G0438 used", "when_used", ["G0439", "subsequent", "Annual Wellness Visits", "1 unit"]),
    ("ASP payment for J1750", "payment", ["18.081", "50 MG", "$17.67"]),
    ("what does modifier KH mean", "modifier", ["capped rental", "active codes"]),
    ("what should I use instead of C9741", "replaced_by", ["CPT code 33289", "terminated"]),
    ("work rvu of J0133", "rvu", ["status is E", "does not mean Medicare never pays", "ASP payment limit"]),
])
def test_answers_state_the_facts(answerer, question, intent, must):
    answer = answerer.answer(question)
    assert answer.intent == intent
    for text in must:
        assert text in answer.answer, (text, answer.answer)
    assert answer.facts["sources"] and all(s["source"] for s in answer.facts["sources"])


def test_who_uses_is_never_only_an_admission(answerer):
    for code in ("E0114", "A4296", "L3160", "J9256", "G0156", "Q4407", "V5010"):
        answer = answerer.answer(f"who uses {code}")
        assert " by " in answer.answer or "Typically" in answer.answer, (code, answer.answer)


@pytest.mark.parametrize("row, reason", [
    ("range,E0500-E0400,a,b", "start <= end"),
    ("range,E0400-K0500,a,b", "one letter"),
    ("family,Oxygen,a,b", "match must be one of"),
    ("section,E0100,,", "must say who"),
])
def test_a_bad_typical_provider_row_names_the_file_and_line(tmp_path, row, reason):
    from index.cms_files import read_typical_providers
    path = tmp_path / "typical_providers.csv"
    path.write_text("match,key,orders,provides\nsection,A0000,x,y\n" + row + "\n")
    with pytest.raises(ValueError, match=rf"typical_providers.csv:3: .*{reason}"):
        read_typical_providers(path)


def test_a_code_medicare_excludes_is_never_said_to_be_payable(answerer):
    for question in ("does medicare cover A0422", "how much does medicare pay for V5010"):
        text = answerer.answer(question).answer
        assert "may pay" not in text and ("does not pay" in text or "does not cover" in text), text


def test_the_json_record_serves_the_same_facts_as_the_page(real_client):
    body = real_client.get("/v1/codes/g0168").get_json()
    assert body["payment"]["pfs"]["non_facility_usd"] == 95.75 and body["page"].endswith("/codes/G0168")
    assert body["who"]["provider_types"] and body["context"] and body["sources"]["pfs"].startswith("CMS")
    assert {m["modifier"] for m in body["modifiers"]} >= {"59", "XU"}


def test_difference_keeps_the_differing_phrases_as_written():
    mine, theirs = facts.difference(
        "Electrical stimulation (unattended), to one or more areas for indication(s) other than wound care, "
        "as part of a therapy plan of care",
        "Electrical stimulation (unattended), to one or more areas, for wound care other than described in G0281",
    )
    assert mine == ["indication(s) other than wound care, as part of a therapy plan of care"]
    assert theirs == ["wound care other than described in G0281"]


def test_difference_skips_phrases_of_filler_words_only():
    assert facts.difference("Cane, adjustable, with tip", "Cane, adjustable, with a tip") == ([], [])


@pytest.mark.parametrize("row, reason", [
    ("range,E0100-E0199,patients who need help walking safely", "no row of typical_providers.csv"),
    ("section,A0000,short", "20-300 characters"),
    ("section,A0000,patients who need transport to care", "already have a row"),
])
def test_a_bad_typical_use_row_names_the_file_and_line(tmp_path, row, reason):
    from index.cms_files import read_typical_use
    path = tmp_path / "typical_use.csv"
    path.write_text("match,key,used_for\nsection,A0000,patients who need an ambulance to reach care\n" + row + "\n")
    providers = [{"match": "section", "key": "A0000"}]
    with pytest.raises(ValueError, match=rf"typical_use.csv:3: .*{reason}"):
        read_typical_use(path, providers)
