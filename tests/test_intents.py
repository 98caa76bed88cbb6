"""Intents: what a question asks, from the codes, NDCs and words in it; off-topic, CPT and ICD-10 questions."""
import pytest

from index.intents import INTENTS, classify, parse_question
from service.resources import get_answerer

MODIFIERS = frozenset({"RT", "LT", "GA", "GY", "JW", "JZ", "KX", "NU", "RR", "TC", "XE", "XP", "XS", "XU"})


def _intent(question):
    return classify(question, parse_question(question, MODIFIERS))


@pytest.fixture(scope="module")
def answerer(real_app):
    with real_app.app_context():
        return get_answerer()


@pytest.mark.parametrize("question, intent", [
    # two codes on one claim
    ("is G0339 allowed on the same claim as G6002", "billed_together"),
    ("G0339 G6002 ptp", "billed_together"),
    ("are G0105 and G0382 mutually exclusive", "billed_together"),
    ("can I report G6015 with G6016 same session", "billed_together"),
    ("G6015 / G6016 column 1 column 2", "billed_together"),
    ("99215 and G0108 same day", "billed_together"),
    # units for a dose
    ("J0207 for a 910 mg dose", "units"),
    ("how many billing units is J0129 for 750 mg", "units"),
    ("what are the billing units for J1455", "units"),
    ("J1455 2 grams", "units"),
    ("T2041 60 minutes", "units"),
    # the MUE
    ("E0601 max units per day", "mue"),
    ("how many units per day of J0133 can we bill", "mue"),
    ("A4265 unit limit", "mue"),
    ("MUE of B4164 for dme", "mue"),
    # two codes side by side
    ("how does G6009 differ from G6010", "compare"),
    ("G6009 vs. G6010", "compare"),
    ("is G0381 the same as G0383", "compare"),
    ("which one should I use, G0381 or G0383", "compare"),
    # replacements
    ("what should I report now instead of C8904", "replaced_by"),
    ("has C9014 been superseded", "replaced_by"),
    ("what is the successor of C9026", "replaced_by"),
    # NDCs
    ("ndc for J9312", "ndc"),
    ("national drug codes for J1455", "ndc"),
    ("50242-0051-21", "ndc"),
    ("what is 6665811303", "ndc"),
])
def test_classify_new_intents(question, intent):
    found, confidence = _intent(question)
    assert found == intent and confidence >= 0.9


def test_every_intent_is_in_the_vocabulary():
    assert {"billed_together", "units", "mue", "compare", "replaced_by", "ndc", "faq", "unknown"} <= set(INTENTS)


def test_two_codes_with_no_two_code_words_are_a_weak_compare():
    assert _intent("G0381 G0383") == ("compare", 0.6)


def test_a_dose_does_not_make_a_modifier_question_a_units_question():
    assert _intent("what modifier for J1100 10 mg")[0] == "modifiers_for_code"


@pytest.mark.parametrize("question, codes, cpt", [
    ("99215 and G0108 same day", ["G0108"], ["99215"]),
    ("is 0075T covered", [], ["0075T"]),
    ("G0339 G6002", ["G0339", "G6002"], []),
])
def test_parse_codes_and_cpt(question, codes, cpt):
    found = parse_question(question, MODIFIERS)
    assert (found.codes, found.cpt) == (codes, cpt)


def test_parse_an_ndc_is_not_a_cpt_code():
    found = parse_question("what drug is 50242-0051-21", MODIFIERS)
    assert found.ndcs == ["50242005121"] and found.ndc_text == "50242-0051-21" and found.cpt == []


@pytest.mark.parametrize("question, icd", [
    ("what is M54.5", True), ("icd 10 code for asthma", True), ("K21.9 description", True),
    ("diagnosis code for migraine", True), ("what is E0601", False), ("J1100 0.5 mg", False),
])
def test_parse_icd(question, icd):
    assert parse_question(question, MODIFIERS).icd is icd


# ------------------------------------------------------------------ through the answerer (real corpus)


@pytest.mark.parametrize("question, intent, code", [
    ("is G0339 allowed on the same claim as G6002", "billed_together", "G0339"),
    ("J0207 for a 910 mg dose", "units", "J0207"),
    ("how many units per day of J0133 can we bill", "mue", "J0133"),
    ("how does G6009 differ from G6010", "compare", "G6009"),
    ("has C9014 been superseded", "replaced_by", "C9014"),
    ("national drug codes for J1455", "ndc", "J1455"),
    ("what does hcpcs stand for", "faq", None),
    ("how often are hcpcs codes updated", "faq", None),
    ("what is a medically unlikely edit", "faq", None),
    ("what is J1100", "what_is", "J1100"),
])
def test_answerer_intents(answerer, question, intent, code):
    answer = answerer.answer(question)
    assert (answer.intent, answer.code) == (intent, code)


@pytest.mark.parametrize("question, entry", [
    ("what does hcpcs stand for", "hcpcs-acronym"),
    ("how often are hcpcs codes updated", "quarterly-updates"),
    ("what are ncci edits", "ncci-ptp-edits"),
])
def test_faq_answers_name_their_entry_and_source(answerer, question, entry):
    answer = answerer.answer(question)
    assert answer.intent == "faq" and answer.facts["faq"][0]["id"] == entry
    assert answer.facts["sources"][0]["key"] == "faq" and answer.confidence >= 0.6


@pytest.mark.parametrize("question", [
    "what's the capital of peru", "how do you bake sourdough", "who painted the mona lisa",
    "can you recommend a good movie", "convert 10 miles to kilometers", "what year did the titanic sink",
    "give me a haiku about autumn", "is it safe to swim after eating",
])
def test_off_topic_questions_are_unknown_with_low_confidence(answerer, question):
    answer = answerer.answer(question)
    assert answer.intent == "unknown" and answer.confidence <= 0.3
    assert answer.code is None and "cannot answer" in answer.answer


@pytest.mark.parametrize("question", [
    pytest.param("what time is it", marks=pytest.mark.xfail(
        strict=True, reason="known: 'time' is one of G0514's everyday names, so the question reads as describing it")),
    "what is the meaning of life",
])
def test_one_word_off_topic_questions_are_unknown(answerer, question):
    answer = answerer.answer(question)
    assert answer.intent == "unknown" and answer.confidence <= 0.3


@pytest.mark.parametrize("question, cpt", [
    ("what is 97110", "97110"), ("describe CPT 71046", "71046"), ("how much does 80053 pay", "80053"),
    ("is 0075T covered by medicare", "0075T"), ("is 1036F a real code", "1036F"),
])
def test_cpt_shaped_codes_get_the_cpt_note(answerer, question, cpt):
    answer = answerer.answer(question)
    assert answer.intent == "unknown" and answer.confidence <= 0.3
    assert answer.facts["note"] == "cpt" and answer.codes == [cpt]
    assert f"{cpt} looks like CPT" in answer.answer


@pytest.mark.parametrize("question", [
    "what is M54.5", "icd 10 code for asthma", "K21.9 description", "diagnostic code for sinusitis",
    "icd-9 code for gout",
])
def test_icd10_questions_get_the_icd10_note(answerer, question):
    answer = answerer.answer(question)
    assert answer.intent == "unknown" and answer.confidence <= 0.3
    assert answer.facts["note"] == "icd10" and "ICD-10-CM diagnosis question" in answer.answer


@pytest.mark.parametrize("question, code", [
    ("E0601 lasagna recipe with garlic", "E0601"), ("J1100 soccer match results tonight", "J1100"),
])
def test_a_code_with_unrelated_words_is_not_a_confident_what_is(answerer, question, code):
    answer = answerer.answer(question)
    assert answer.intent == "unknown" and answer.confidence <= 0.3
    assert answer.code == code and f"The question mentions {code}" in answer.answer


@pytest.mark.parametrize("question", [
    "what is E0601 good for cooking pasta and baking bread", "what does E0601 mean for my fantasy football team",
])
def test_a_code_question_with_unrelated_words_and_a_question_word(answerer, question):
    answer = answerer.answer(question)
    assert not (answer.intent == "what_is" and answer.confidence >= 0.9)
