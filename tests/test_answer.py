"""Question answering: intents in many phrasings, honest answers, unknown codes."""
import pytest

from index.answer import Answerer
from index.search import CodeIndex


@pytest.fixture(scope="module")
def answerer(real_index):
    return Answerer(CodeIndex(real_index), "http://example.test")


@pytest.mark.parametrize("question, intent, code", [
    ("What does HCPCS code E0114 stand for?", "what_is", "E0114"),
    ("meaning of j3301", "what_is", "J3301"),
    ("e0601?", "what_is", "E0601"),
    ("Which providers use E0114", "who_uses", "E0114"),
    ("what specialty uses j9271", "who_uses", "J9271"),
    ("under what circumstances is G0283 used", "when_used", "G0283"),
    ("how do I use J1100", "when_used", "J1100"),
    ("how much is G0438 worth", "rvu", "G0438"),
    ("physician work value of g0442", "rvu", "G0442"),
    ("has j1100 been discontinued", "status", "J1100"),
    ("status of G0008", "status", "G0008"),
    ("meaning of modifier GY", "modifier", "GY"),
    ("What is the RT modifier?", "modifier", "RT"),
    ("I need the code for crutches", "find_code", None),
    ("hello", "unknown", None),
])
def test_intent_and_code(answerer, question, intent, code):
    answer = answerer.answer(question)
    assert answer.intent == intent
    if code:
        assert answer.code == code


def test_find_code_returns_ranked_results_and_top_code(answerer):
    answer = answerer.answer("looking for the hcpcs for a shower chair")
    assert answer.code == "E0240" and answer.results[0].code == "E0240"


def test_terminated_code_says_so_with_date(answerer):
    answer = answerer.answer("is J0135 terminated")
    assert "terminated" in answer.answer and "2024-12-31" in answer.answer
    assert answer.facts["status"] == "terminated"


def test_rvu_without_pfs_values_says_so(answerer):
    answer = answerer.answer("work rvu of E0601")
    assert "no RVUs" in answer.answer


def test_rvu_with_values_quotes_them(answerer):
    answer = answerer.answer("what's the rvu for G2211")
    assert "0.33" in answer.answer and answer.facts["pfs"]["work_rvu"] == 0.33


def test_who_uses_without_data_does_not_invent_specialties(answerer):
    answer = answerer.answer("who bills G9306")
    assert "No specialty breakdown of claims is held for G9306" in answer.answer
    assert "quality measures" in answer.answer and not answer.facts["specialties"]


def test_who_uses_with_data_lists_specialties(answerer):
    answer = answerer.answer("who bills G0439")
    assert "Family Practice" in answer.answer and answer.facts["specialties"]


def test_unknown_code_suggests_close_ones(answerer):
    answer = answerer.answer("what is E0609")
    assert answer.code == "E0609" and answer.facts["exists"] is False
    assert "does not exist" in answer.answer and "E0607" in answer.answer


def test_cpt_codes_and_modifiers_are_explained_not_invented(answerer):
    assert "CPT" in answerer.answer("what is 99213").answer
    assert "CPT" in answerer.answer("when do you use modifier 25").answer
    answer = answerer.answer("what is modifier 59")
    assert answer.intent == "modifier" and all(m in answer.answer for m in ("XE", "XP", "XS", "XU"))


def test_source_is_the_code_page(answerer):
    assert answerer.answer("define g0008").source == "http://example.test/codes/G0008"
    assert answerer.answer("define g0008", base_url="http://host.test:81/").source == "http://host.test:81/codes/G0008"


def test_who_uses_a_drug_does_not_call_it_equipment(answerer):
    answer = answerer.answer("who uses J1100")
    assert "durable medical equipment" not in answer.answer.lower()
    assert "No specialty breakdown" in answer.answer and "administer the drug" in answer.answer


def test_who_uses_a_dme_item_names_the_supplier_channel(answerer):
    assert "DMEPOS suppliers, who bill the DME Medicare Administrative Contractors" in \
        answerer.answer("who bills E0601").answer


@pytest.mark.parametrize("question, intent", [
    ("Can I still bill J0135?", "status"), ("is j0135 billable", "status"),
    ("what does G0438 pay", "payment"), ("reimbursement for G0438", "payment"),
    ("does medicare cover E0601", "coverage"), ("is A4261 payable by medicare", "coverage"),
    ("what modifiers go with E0601", "modifiers_for_code"), ("what replaced G0202", "replaced_by"),
    ("is A4261 billable to medicare", "coverage"), ("what is the new code for C9166", "replaced_by"),
    ("what do I bill instead of G0202", "replaced_by"), ("Is V5010 covered by Medicare?", "coverage"),
    ("what providers bill T1019", "who_uses"), ("which doctors bill A0426", "who_uses"),
    ("in what situations is S9088 billed", "when_used"), ("definition of T1019", "what_is"),
])
def test_more_phrasings(answerer, question, intent):
    assert answerer.answer(question).intent == intent


@pytest.mark.parametrize("question, topic", [
    ("what documentation do I need for L3960", "documentation requirements"),
    ("does K0856 need prior auth", "prior authorization rules"),
    ("how often can G0438 be billed", "frequency limits"),
    ("is E0601 subject to competitive bidding", "competitive bidding status"),
    ("which diagnosis codes support E0601", "covered diagnosis codes"),
    ("does E0601 need a face to face", "order and certificate requirements"),
])
def test_questions_the_files_cannot_answer_say_so_once_then_what_they_do_state(answerer, question, topic):
    answer = answerer.answer(question)
    code = answer.code
    assert (answer.intent, answer.facts["not_held"]) == ("unknown", topic)
    assert answer.confidence <= 0.3
    assert answer.answer.startswith(f"The CMS files held here do not state {topic} for {code}")
    assert answer.answer.count("do not state") == 1
    assert "What they do state:" in answer.answer and code in answer.answer


@pytest.mark.parametrize("question, intent", [
    ("can a nurse practitioner bill G0438", "who_uses"),
    ("can a physical therapist bill G0283", "who_uses"),
    ("is a hospital allowed to bill A0428", "who_uses"),
    ("can I bill E0601 to medicare", "coverage"),
    ("how many units of J1100 per day", "mue"),
])
def test_who_may_bill_and_code_inside_the_phrase(answerer, question, intent):
    assert answerer.answer(question).intent == intent


@pytest.mark.parametrize("question, words", [
    ("what does modifier KX mean", ["In practice:", "LCD"]),
    ("GA modifier", ["In practice:", "Advance Beneficiary Notice"]),
    ("what is the JZ modifier", ["In practice:", "discarded"]),
])
def test_a_modifier_the_faq_explains_is_answered_with_its_use(answerer, question, words):
    answer = answerer.answer(question)
    assert answer.intent == "modifier"
    for word in words:
        assert word in answer.answer


@pytest.mark.parametrize("question, named", [
    ("JW vs JZ modifier - when do I use each one?", ["JW", "JZ"]),
    ("difference between ga and gz modifiers", ["GA", "GZ"]),
])
def test_two_modifiers_compared_state_what_each_means(answerer, question, named):
    answer = answerer.answer(question)
    assert (answer.intent, answer.codes) == ("compare", named)
    for code in named:
        assert answer.answer.count(f"{code}: ") == 1


def test_reading_only_the_interpretation_is_a_question_about_26_and_tc(answerer):
    answer = answerer.answer("G0130 - we only do the interpretation, the hospital owns the machine. how do we bill it?")
    assert answer.intent == "modifiers_for_code"
    assert "26 (" in answer.answer and "TC (" in answer.answer


@pytest.mark.parametrize("question, starts", [
    ("what does NCCI stand for", "NCCI stands for National Correct Coding Initiative"),
    ("what is a dme mac", "DME MAC stands for Durable Medical Equipment Medicare Administrative Contractor"),
    ("gpci meaning", "GPCI stands for Geographic Practice Cost Index"),
])
def test_an_abbreviation_is_spelled_out(answerer, question, starts):
    answer = answerer.answer(question)
    assert (answer.intent, answer.answer.startswith(starts)) == ("faq", True)


def test_an_faq_answer_spells_out_the_abbreviations_it_uses(answerer):
    answer = answerer.answer("what are the cms asp pricing files")
    assert answer.intent == "faq"
    assert "ASP = average sales price" in answer.answer


@pytest.mark.parametrize("question, words", [
    ("are S codes something we can bill to Medicare, or who uses them?", "S codes are"),
    ("who uses t codes", "T codes"),
])
def test_a_question_about_a_letter_section_gets_its_entry(answerer, question, words):
    answer = answerer.answer(question)
    assert answer.intent == "faq" and answer.answer.startswith(words)


def test_the_letter_code_for_an_item_prefers_that_letter(answerer):
    answer = answerer.answer("what is the j code for zofran")
    assert (answer.intent, answer.code) == ("find_code", "J2405")


@pytest.mark.parametrize("question, intent, code, words", [
    ("prolia medicare payment limit per mg jan 2026", "payment", "J0897", "ASP payment limit"),
    ("darzalex faspro 1800 mg sq - how many units do we bill", "units", "J9144", "Bill 180 units"),
])
def test_a_drug_named_by_brand_with_payer_and_calendar_words(answerer, question, intent, code, words):
    answer = answerer.answer(question)
    assert (answer.intent, answer.code) == (intent, code)
    assert words in answer.answer


@pytest.mark.parametrize("question, intent", [
    ("r0075 and r0070 same trip ok?", "billed_together"),
    ("Can an outpatient rehab program bill Medicare for H0015?", "coverage"),
    ("G0186 performed on both eyes - how do I report it?", "modifiers_for_code"),
    ("bilateral L3960 how to bill", "modifiers_for_code"),
])
def test_more_ways_of_asking(answerer, question, intent):
    assert answerer.answer(question).intent == intent


@pytest.mark.parametrize("question, intent, words", [
    ("Avastin J9035 - which kind of physician is the biggest Medicare biller of it?", "who_uses", "Ophthalmology"),
    ("is the eye surgeon's office the main biller of J1097 or somebody else", "who_uses", "(ASC)"),
    ("our sleep center furnishes the device, an outside pulmonologist does the interpretation. "
     "What does each of us append to G0400?", "modifiers_for_code", "26 ("),
    ("hyperbaric oxygen, per 30 minutes - what's the hospital outpatient payment for G0277?", "payment", "APC"),
    ("New at a DME company. What does DMEPOS actually stand for?", "faq", "DMEPOS stands for"),
    ("Fasenra 30 mg subcutaneous in clinic, how many billing units?", "units", "Bill 30 units of J0517"),
])
def test_long_and_roundabout_questions(answerer, question, intent, words):
    answer = answerer.answer(question)
    assert answer.intent == intent and words in answer.answer


@pytest.mark.parametrize("question, words", [
    ("when do I use modifier GP", "physical therapy"),
    ("what does modifier QK mean", "anesthesia"),
])
def test_more_modifiers_are_explained_in_practice(answerer, question, words):
    answer = answerer.answer(question)
    assert answer.intent == "modifier" and "In practice:" in answer.answer and words in answer.answer


@pytest.mark.parametrize("question, topic", [
    ("what place of service do I use for G0438", "the place of service to report"),
    ("is J1100 on the 340b list", "340B status"),
    ("what revenue code goes with J1100", "revenue codes"),
    ("what is the copay for E0601", "what the patient pays"),
])
def test_more_things_the_files_do_not_hold(answerer, question, topic):
    answer = answerer.answer(question)
    assert (answer.intent, answer.facts["not_held"]) == ("unknown", topic)


def test_global_period_is_read_from_the_pfs(answerer):
    answer = answerer.answer("what's the global period for G0268")
    assert answer.intent == "rvu"
    assert answer.answer.startswith("G0268's global surgery period (PFS, October 2025) is 000: 0 days")


def test_who_makes_a_drug_names_its_labelers(answerer):
    answer = answerer.answer("who manufactures J9271")
    assert answer.intent == "ndc" and "Merck" in answer.answer
