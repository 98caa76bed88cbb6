"""Answers beyond one code's page: units for a dose, MUEs, NCCI pairs, two codes compared, replacements, NDCs.

Hand-made records pin the arithmetic; real records (codes in no eval file) pin the CMS facts."""
import pytest

from index import questions
from index.query import ndc_candidates, parse
from service.resources import get_answerer


def _drug(description="Injection, something, 50 mg", billing_unit="50 MG", mue=(), kind="procedure"):
    return {"code": "J9999", "kind": kind, "long_description": description,
            "drug_billing": {"billing_unit": billing_unit} if billing_unit else None, "mue": list(mue), "payment": {}}


def _units(question, **record):
    return questions.units_answer(_drug(**record), question)


@pytest.fixture(scope="module")
def answerer(real_app):
    with real_app.app_context():
        return get_answerer()


@pytest.fixture(scope="module")
def record(answerer):
    return answerer.index.get


# ------------------------------------------------------------------ units: the arithmetic


@pytest.mark.parametrize("question, units", [
    ("how many units of J9999 for 200 mg", 4),
    ("J9999 50 mg", 1),
    ("J9999 1,000 mg", 20),
    ("J9999 0.2 g", 4),
    ("J9999 1 gram", 20),
    ("J9999 150000 mcg", 3),
    ("J9999 100 milligrams", 2),
])
def test_exact_multiples_and_mass_conversions(question, units):
    text, facts = _units(question)
    assert facts["units"] == units
    assert text.startswith(f"Bill {units} unit{'s' if units != 1 else ''} of J9999:")
    assert "rounded up" not in text


def test_grams_are_converted_to_milligrams_in_the_arithmetic():
    text, _ = _units("J9999 0.2 g")
    assert "0.2 g = 200 mg ÷ 50 mg per unit = 4" in text


def test_micrograms_are_converted_to_milligrams_in_the_arithmetic():
    text, facts = _units("J9999 250000 mcg")
    assert facts["units"] == 5 and "= 250 mg ÷ 50 mg per unit = 5" in text


def test_a_partial_unit_is_rounded_up_and_says_so():
    text, facts = _units("J9999 120 mg")
    assert facts["units"] == 3
    assert "= 2.4" in text and "rounded up" in text


def test_a_dose_below_one_unit_is_one_unit():
    text, facts = _units("J9999 10 mg")
    assert facts["units"] == 1
    assert text.startswith("Bill 1 unit of J9999:") and "= 0.2" in text


def test_a_dose_in_ml_for_a_mg_unit_does_not_convert():
    text, facts = _units("J9999 5 ml")
    assert facts["units"] is None and facts["dose"]["measure"] == "volume"
    assert "does not convert" in text and "convert the dose to mg first" in text


def test_no_dose_says_how_the_unit_is_billed():
    text, facts = _units("how many units of J9999")
    assert facts["units"] is None and facts["dose"] is None
    assert "billed per 50 MG" in text and "one unit for each 50 mg" in text


def test_asp_billing_unit_wins_over_the_descriptor():
    unit = questions.billing_unit(_drug("Injection, something, 10 mg", "25 MG"))
    assert (unit["amount"], unit["unit"], unit["source"]) == (25.0, "mg", "asp")


def test_up_to_units_count_each_started_unit():
    text, facts = _units("J9999 600 mg", description="Injection, something, up to 250 mg", billing_unit=None)
    assert facts["billing_unit"]["up_to"] is True and facts["billing_unit"]["source"] == "hcpcs"
    assert facts["units"] == 3 and "rounded up" in text


def test_up_to_unit_without_dose_names_the_amount():
    text, _ = _units("units of J9999", description="Injection, something, up to 250 mg", billing_unit=None)
    assert "one unit for each 250 mg" in text


@pytest.mark.parametrize("question, units", [("J9999 60 minutes", 4), ("J9999 1 hour", 4), ("J9999 90 min", 6)])
def test_time_units(question, units):
    text, facts = _units(question, description="Therapy session; per 15 minutes", billing_unit=None)
    assert facts["billing_unit"]["measure"] == "time" and facts["billing_unit"]["amount"] == 15
    assert facts["units"] == units and text.startswith(f"Bill {units} units of J9999")


def test_a_partial_time_unit_is_not_rounded_blindly():
    text, _ = _units("J9999 50 minutes", description="Therapy session; per 15 minutes", billing_unit=None)
    assert "is 3.3333 units" in text and "check the code's instructions before rounding" in text
    assert "rounded up" not in text


def test_a_code_without_a_quantity_is_one_item_per_unit():
    text, facts = _units("units of J9999", description="Walker, folding", billing_unit=None)
    assert facts["billing_unit"] is None
    assert "states no dose or quantity per unit" in text


def test_a_dose_above_the_mue_is_flagged():
    mue = [{"setting": "practitioner", "units": 4, "mai": "3", "mai_description": "x", "rationale": "y"}]
    text, facts = _units("J9999 500 mg", mue=mue)
    assert facts["units"] == 10 and "above the MUE of 4 units per day for practitioners" in text


def test_the_code_digits_are_not_read_as_a_dose():
    assert questions.dose_in("J1100 how many units", "J1100") is None
    assert questions.dose_in("j1100 12 mg", "J1100")["amount"] == 12


# ------------------------------------------------------------------ units: real records


@pytest.mark.parametrize("question, code, units", [
    ("J1100 8 mg how many units", "J1100", 8),
    ("how many units of J0129 for 750 mg", "J0129", 75),
    ("units of J0133 for 1 g", "J0133", 200),
    ("how many units J0207 910 mg", "J0207", 2),
    ("J0171 0.3 mg", "J0171", 3),
    ("how many units of T2041 for 45 minutes", "T2041", 3),
])
def test_units_on_real_records(answerer, question, code, units):
    answer = answerer.answer(question)
    assert (answer.intent, answer.code) == ("units", code)
    assert answer.facts["units"] == units


def test_units_on_a_real_drug_give_dollars_and_the_mue_ceiling(record):
    text, _ = questions.units_answer(record("J0133"), "J0133 1 g")
    assert "1 g = 1,000 mg ÷ 5 mg per unit = 200" in text
    assert "$0.119 per unit, 200 units come to $23.80" in text
    assert "1200 units from practitioners" in text and "3600 units from DME suppliers" in text


def test_units_partial_on_a_real_drug_is_rounded_up(record):
    text, facts = questions.units_answer(record("J0207"), "J0207 910 mg")
    assert facts["units"] == 2 and "910 mg ÷ 500 mg per unit = 1.82" in text and "rounded up" in text


def test_units_above_a_real_mue(record):
    text, facts = questions.units_answer(record("J0120"), "J0120 500 mg")
    assert facts["units"] == 2 and "above the MUE of 1 unit" in text and "practitioners" in text


def test_units_dollars_round_half_up(record):
    text, _ = questions.units_answer(record("J0129"), "J0129 750 mg")
    assert "75 units come to $3,357.68" in text


def test_a_drug_name_is_not_a_billing_unit(record):
    assert questions.billing_unit(record("S9537")) is None


def test_a_flow_rate_is_not_a_billing_unit(record):
    assert (questions.billing_unit(record("E0447")) or {}).get("measure") != "time"


# ------------------------------------------------------------------ MUE


@pytest.mark.parametrize("question, setting", [
    ("MUE of A4265 for a DME supplier", "dme supplier"),
    ("A4265 mue billed by the physician office", "practitioner"),
    ("A4265 mue on a UB-04 hospital outpatient claim", "outpatient hospital"),
    ("A4265 medically unlikely edit", None),
])
def test_asked_setting(question, setting):
    assert questions.asked_setting(question) == setting


@pytest.mark.parametrize("question, setting", [
    ("E0601 mue for practitioners", "practitioner"), ("mue of J1100 in hospitals", "outpatient hospital"),
])
def test_asked_setting_in_the_plural(question, setting):
    assert questions.asked_setting(question) == setting


@pytest.mark.parametrize("question, lead", [
    ("what is the MUE of A4265 for a DME supplier",
     "For DME suppliers the MUE of A4265 is 6 units per patient per day"),
    ("A4265 mue for the physician office", "For practitioners the MUE of A4265 is 0 units: the code is not payable"),
    ("max units per day of A4265 in the hospital outpatient department",
     "For outpatient hospitals the MUE of A4265 is 1 unit per patient per day"),
    ("A4265 medically unlikely edit", "For outpatient hospitals the MUE of A4265 is 1 unit"),  # one that pays
])
def test_the_asked_setting_leads_the_mue_answer(answerer, question, lead):
    answer = answerer.answer(question)
    assert (answer.intent, answer.code) == ("mue", "A4265")
    assert answer.answer.startswith("Medically unlikely edit (MUE): " + lead)
    assert answer.answer.count("the MUE of A4265") == 3


def test_zero_unit_mue_is_explained_as_not_payable(record):
    text, _ = questions.mue_answer(record("E0601"), "E0601 mue for a practitioner")
    assert text.startswith("Medically unlikely edit (MUE): For practitioners the MUE of E0601 is 0 units: the code is "
                           "not payable in that setting")
    assert "1 unit per patient per day" in text  # the DME supplier MUE follows


@pytest.mark.parametrize("code, question, meaning", [
    ("A4265", "A4265 mue dme", "MAI 3 means a date-of-service edit based on clinical judgement"),
    ("A4224", "A4224 mue dme", "MAI 2 means a date-of-service edit based on policy"),
    ("B4164", "B4164 mue dme", "MAI 1 means a claim-line edit"),
])
def test_mai_meaning_is_stated(record, code, question, meaning):
    assert meaning in questions.mue_answer(record(code), question)[0]


def test_a_setting_without_an_mue_says_so_and_gives_the_others(record):
    text, facts = questions.mue_answer(record("J0137"), "J0137 mue for DME suppliers")
    assert facts["setting"] == "dme supplier"
    assert text.startswith("The NCCI MUE files hold no medically unlikely edit (MUE) of J0137 for DME suppliers")
    assert "for practitioners the MUE of J0137 is 400 units" in text


def test_a_code_without_mue_says_so(answerer):
    answer = answerer.answer("what is the MUE for A2001")
    assert (answer.intent, answer.code) == ("mue", "A2001") and answer.facts["mue"] == []
    assert answer.answer.startswith("No medically unlikely edit (MUE) is published for A2001")


# ------------------------------------------------------------------ NCCI PTP: billed together


@pytest.mark.parametrize("question", [
    "can G0339 and G6002 be billed together",
    "is it ok to bill G6002 with G0339 on the same day",
    "G6002 and G0339 bundled?",
])
def test_indicator_0_pair_cannot_be_billed_and_names_the_denied_code(answerer, question):
    answer = answerer.answer(question)
    assert answer.intent == "billed_together"
    assert answer.answer.startswith("No: ") and "cannot be billed together" in answer.answer
    assert "G6002 (column 2) is denied and G0339 (column 1) is paid" in answer.answer
    assert {(p["column1"], p["column2"], p["modifier_indicator"]) for p in answer.facts["ncci_pairs"]} == \
        {("G0339", "G6002", "0")}
    assert {p["setting"] for p in answer.facts["ncci_pairs"]} == {"practitioner", "outpatient hospital"}


@pytest.mark.parametrize("question", [
    "G0105 and G0382 same date of service", "can G0382 be billed with G0105 same day",
])
def test_indicator_1_pair_needs_a_distinct_service_modifier(answerer, question):
    answer = answerer.answer(question)
    assert answer.intent == "billed_together"
    assert "Only with a modifier" in answer.answer and "modifier indicator 1" in answer.answer
    assert "G0382 (column 2) is denied when billed with G0105" in answer.answer
    assert all(m in answer.answer for m in ("59", "XE", "XP", "XS", "XU"))


def test_column_2_can_be_the_lower_code(record):
    for pair in ((record("G6009"), record("G6010")), (record("G6010"), record("G6009"))):
        text, facts = questions.billed_together_answer(*pair)
        assert "G6009 (column 2) is denied when billed with G6010" in text
        assert {p["column2"] for p in facts["ncci_pairs"]} == {"G6009"}


def test_a_pair_with_indicators_0_and_1_gives_both_settings(record):
    text, _ = questions.billed_together_answer(record("G0339"), record("G0471"))
    assert text.startswith("No: G0339 and G0471 cannot be billed together") and "on practitioner claims" in text
    assert "On outpatient hospital claims" in text and "modifier indicator 1" in text


def test_a_pair_without_an_edit_says_no_ncci_edit(answerer):
    answer = answerer.answer("can E0601 and J1100 go on one claim")
    assert answer.intent == "billed_together" and answer.facts["ncci_pairs"] == []
    assert "There is no NCCI procedure-to-procedure (PTP) edit between E0601 and J1100" in answer.answer


@pytest.mark.parametrize("question", ["can 99213 and G0108 be billed together", "G0108 with 99213 on the same day"])
def test_a_cpt_code_with_a_level_ii_code_says_only_level_ii_pairs_are_held(answerer, question):
    answer = answerer.answer(question)
    assert answer.intent == "billed_together" and answer.code == "G0108"
    assert "99213 looks like a CPT code" in answer.answer and "HCPCS Level II codes only" in answer.answer
    assert answer.facts["ncci_pairs"] == [] and answer.codes == ["G0108", "99213"]


def test_not_level_two_pair_composer(record):
    text, facts = questions.not_level_two_pair(record("E0601"), "94660")
    assert facts == {"codes": ["E0601", "94660"], "ncci_pairs": []}
    assert "whether E0601 and 94660 may be billed together" in text


# ------------------------------------------------------------------ compare


def test_compare_names_the_differing_words_and_each_status(answerer):
    answer = answerer.answer("difference between A4466 and A4467")
    assert answer.intent == "compare" and answer.codes == ["A4466", "A4467"]
    assert answer.facts["only_in"]["A4467"] == ["Belt strap sleeve"]
    assert "elastic or similar stretchable material" in answer.facts["only_in"]["A4466"]
    assert "“Belt strap sleeve”" in answer.answer
    assert answer.facts["status"] == {"A4466": "terminated", "A4467": "active"}
    assert "A4466: terminated 2016-12-31" in answer.answer and "A4467: active" in answer.answer


def test_compare_of_same_words_says_so_and_differs_by_status(record):
    text, facts = questions.compare_answer(record("C9014"), record("J0567"))
    assert "Their descriptors use the same words." in text
    assert "C9014: terminated 2018-12-31" in text and "J0567: active" in text


def test_compare_mentions_an_ncci_pair(answerer):
    answer = answerer.answer("G6009 versus G6010")
    assert answer.intent == "compare"
    assert answer.facts["only_in"] == {"G6009": ["11-19"], "G6010": ["20", "or greater"]}
    assert "NCCI pairs them (modifier indicator 1): G6009 is denied when billed with G6010" in answer.answer


def test_compare_sees_a_differing_number(record):
    _, facts = questions.compare_answer(record("G0381"), record("G0383"))
    assert facts["only_in"]["G0381"] == ["2"]


def test_compare_with_an_unknown_code_names_it(real_client):
    response = real_client.get("/v1/answer", query_string={"q": "compare E0601 and E0699"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["intent"] == "compare" and body["code"] == "E0601"
    assert body["answer"].startswith("E0699 is not in the HCPCS Level II code set")
    assert body["facts"]["unknown"] == ["E0699"]


# ------------------------------------------------------------------ replaced by


@pytest.mark.parametrize("question, code, expected", [
    ("what replaced C9016", "C9016", "C9016 was replaced by J3316."),
    ("which code do I use now instead of C8904", "C8904",
     "C8904 was replaced by CPT code 77046 (AMA; not covered here)."),
    ("what code replaces E0601", "E0601", "E0601 is active in the January 2026 HCPCS file, so nothing replaces it"),
    ("replacement code for J0135", "J0135", "CMS names no replacement code for it"),
])
def test_replaced_by(answerer, question, code, expected):
    answer = answerer.answer(question)
    assert (answer.intent, answer.code) == ("replaced_by", code)
    assert expected in answer.answer


def test_replaced_by_facts(record):
    _, facts = questions.replaced_by_answer(record("C9016"))
    assert facts["replaced_by"] == ["J3316"] and facts["terminated_date"] == "2018-12-31"


# ------------------------------------------------------------------ NDC


@pytest.mark.parametrize("text, candidates", [
    ("50242-0051-21", ["50242005121"]),  # 5-4-2
    ("0003-0371-13", ["00003037113"]),  # 4-4-2
    ("66658-113-03", ["66658011303"]),  # 5-3-2
    ("70121-1744-2", ["70121174402"]),  # 5-4-1
    ("0003 0371 13", ["00003037113"]),
    ("50242005121", ["50242005121"]),  # 11 digits
    ("6665811303", ["06665811303", "66658011303", "66658113003"]),  # 10 digits: 4-4-2, 5-3-2, 5-4-1
    ("1234-567-89", []),  # 4-3-2 is no NDC layout
    ("call 555-1234", []),
    ("E0601", []),
])
def test_ndc_candidates(text, candidates):
    assert ndc_candidates(text)[0] == candidates


def test_ndc_candidates_remove_the_ndc_from_the_text():
    assert ndc_candidates("ndc 66658-113-03 please")[1].split() == ["ndc", "please"]


def test_parsed_query_of_an_ndc():
    query = parse("ndc 6665811303")
    assert query.kind == "ndc" and query.words == [] and len(query.ndcs) == 3
    assert parse("J1100 8 mg").ndcs == []


def test_format_ndc():
    assert questions.format_ndc("00003037113") == "00003-0371-13"


@pytest.mark.parametrize("ndc, code", [
    ("50242-0051-21", "J9312"), ("50242005121", "J9312"), ("0003-0371-13", "J0485"), ("0003037113", "J0485"),
    ("66658-113-03", "J2425"), ("6665811303", "J2425"), ("70121-1744-2", "J1455"), ("7012117442", "J1455"),
])
def test_search_finds_the_code_of_an_ndc(real_client, ndc, code):
    body = real_client.get("/v1/search", query_string={"q": ndc}).get_json()
    assert body["interpretation"] == "ndc"
    assert body["results"][0]["code"] == code and body["results"][0]["matched"] == "ndc"


@pytest.mark.parametrize("ndc, code", [("66658-0113-03", "J2425"), ("50242005121", "J9312"), ("0003037113", "J0485")])
def test_ctss_finds_the_code_of_an_ndc(real_client, ndc, code):
    total, codes, _, _ = real_client.get("/api/hcpcs/v3/search", query_string={"terms": ndc}).get_json()
    assert codes[0] == code and total >= 1


def test_ndc_answer_names_product_and_package(answerer):
    answer = answerer.answer("what code is ndc 0003-0371-13")
    assert (answer.intent, answer.code, answer.codes) == ("ndc", "J0485", ["J0485"])
    assert answer.answer.startswith("NDC 00003-0371-13 (Nulojix, E.R. Squibb & Sons, L.L.C.) is billed with J0485")
    assert "250 billing units of J0485 per package" in answer.answer


def test_an_unknown_ndc_is_not_in_the_crosswalk(answerer):
    answer = answerer.answer("which hcpcs code is ndc 12345-6789-01")
    assert (answer.intent, answer.code, answer.codes) == ("ndc", None, [])
    assert "NDC 12345-6789-01 (read as 12345-6789-01) is not in the CMS ASP NDC–HCPCS crosswalk" in answer.answer


def test_an_unknown_ten_digit_ndc_lists_every_reading():
    text, facts = questions.ndc_answer("1234567890", [], ["01234567890", "12345067890", "12345678090"])
    assert facts["tried"] == ["01234-5678-90", "12345-0678-90", "12345-6780-90"] and facts["matches"] == []
    assert "read as 01234-5678-90, 12345-0678-90, 12345-6780-90" in text


def test_ndcs_of_a_code(record):
    text, facts = questions.ndcs_of_code(record("J0485"))
    assert any(n["ndc"] == "00003-0371-13" for n in facts["ndcs"])
    assert "00003-0371-13 Nulojix" in text


def test_ndcs_of_a_code_without_ndcs(record):
    text, facts = questions.ndcs_of_code(record("E0601"))
    assert facts["ndcs"] == [] and "lists no NDC for E0601" in text


# ------------------------------------------------------------------ the API: every code an answer is about


@pytest.mark.parametrize("question, codes", [
    ("can G0339 and G6002 be billed together", ["G0339", "G6002"]),
    ("compare A4467 and A4466", ["A4467", "A4466"]),
])
def test_answer_api_lists_both_codes_for_get_and_post(real_client, question, codes):
    got = real_client.get("/v1/answer", query_string={"q": question}).get_json()
    posted = real_client.post("/v1/answer", json={"question": question}).get_json()
    assert got["codes"] == posted["codes"] == codes
    assert got["facts"]["codes"] == codes and got["code"] == codes[0]


def test_answer_api_lists_the_one_code(real_client):
    assert real_client.get("/v1/answer", query_string={"q": "MUE for A4265"}).get_json()["codes"] == ["A4265"]
