"""Each search stage alone, on a five-document index built here: every expander, every factor,
the weights object, the pure ranking and the presentation."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from index.build import build_index
from index.expand import (
    WordContext,
    expand,
    expand_word,
    glossary,
    join_pairs,
    letters_digits,
    litres,
    neighbours,
    roman_numerals,
    run_together,
    spelled_out,
    stem_terms,
    typo_fixes,
)
from index.factors import (
    Context,
    descriptor_head,
    names_the_item,
    other_qualifier,
    part_by_head,
    phrase_bonus,
    prior,
    rarest_word,
    says_its_name,
    what_the_code_is,
)
from index.present import highlight, page
from index.query import parse
from index.rank import merged_fragments, rank
from index.retrieve import spec_vector
from index.snapshot import Snapshot
from index.text import STOP_WORDS, is_noc, says_not_done, singulars, stem
from index.weights import DEFAULT, Weights
from tests.conftest import FIXTURE_CORPUS

# Five records, descriptors rewritten so each stage has something to find.
DESCRIPTORS = {
    "E0140": ("Walker, with trunk support, adjustable or fixed height, any type", "active"),
    "E0141": ("Walker, rigid, wheeled, adjustable height, lightbox holder, type iii frame", "active"),
    "E0601": ("Continuous positive airway pressure (cpap) device, behind the ear (bte) mask, per 15 minutes",
              "active"),
    "G9306": ("Sodium chloride solution, 1000 cc, not otherwise classified, per hour", "active"),
    "J1100": ("Injection, dexamethasone sodium phosphate, 1 mg, group session", "terminated"),
}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Snapshot:
    """A Snapshot of a five-record index."""
    folder = tmp_path_factory.mktemp("five")
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = []
    for line in (FIXTURE_CORPUS / "codes.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["code"] in DESCRIPTORS:
            record["long_description"], record["status"] = DESCRIPTORS[record["code"]]
            record["lay_terms"], record["drug_names"], record["synonyms"] = [], [], []
            lines.append(json.dumps(record))
    (corpus / "codes.jsonl").write_text("\n".join(lines) + "\n")
    (corpus / "vocabulary.json").write_text(json.dumps({"cms_abbreviations": {"cpap": "continuous positive airway pressure"}}))
    build_index(corpus / "codes.jsonl", folder / "index", progress=False)
    opened = Snapshot((folder / "index" / "current").resolve())
    yield opened
    opened.close()


def context(snapshot: Snapshot, word: str, last: bool = False, typing: bool = False) -> WordContext:
    """The expanders' view of one word."""
    return WordContext(word, last, typing, False, 1, snapshot.document_frequency(word))


def spec_of(snapshot: Snapshot, word: str, **kwargs):
    """The WordSpec of one word, all expanders applied."""
    return expand_word(context(snapshot, word, **kwargs), snapshot, DEFAULT)


def codes_matching(snapshot: Snapshot, spec) -> set[str]:
    """The codes a spec's score vector is positive for."""
    return {snapshot.code_of[d] for d in np.flatnonzero(spec_vector(spec, snapshot) > 0)}


# -- text -----------------------------------------------------------------------------------

def test_text_analysis():
    assert singulars("feet") == ("foot",) and singulars("diagnoses") == ("diagnosis",) and singulars("walkers") == ()
    assert says_not_done("Patient did not receive the vaccine") and not says_not_done("Drug, not otherwise classified")
    assert is_noc("Noc for enteral supplies") and is_noc("Unlisted procedure") and not is_noc("Walker, rigid")


# -- word expanders -------------------------------------------------------------------------

def test_stem_terms_match_every_weighted_field(snapshot):
    spec = spec_of(snapshot, "walkers")
    assert {name for name, term, _b in spec.terms if term == stem("walkers")} == {"descriptor", "short", "terms"}
    assert codes_matching(snapshot, spec) == {"E0140", "E0141"}


def test_letters_digits_split_side_by_side(snapshot):
    ctx = context(snapshot, "iii2")
    spec = expand_word(ctx, snapshot, DEFAULT)
    letters_digits(spec, ctx, snapshot, DEFAULT)
    assert (stem("iii"), "2") in spec.adjacent


def test_glossary_expansion_needs_all_its_words(snapshot):
    ctx = context(snapshot, "cpap")
    spec = spec_of(snapshot, "cpap")
    assert any(stems == [stem(w) for w in "continuous positive airway pressure".split()] for stems, _b in spec.groups)
    bare = replace(spec, groups=[], terms=[])
    glossary(bare, ctx, snapshot, DEFAULT)
    assert codes_matching(snapshot, bare) == {"E0601"}


def test_run_together_word_splits_into_index_words(snapshot):
    ctx = context(snapshot, "adjustableheight")
    spec = expand_word(ctx, snapshot, DEFAULT)
    assert (stem("adjustable"), stem("height")) in spec.spread
    assert codes_matching(snapshot, spec) == {"E0140", "E0141"}
    known = context(snapshot, "walker")
    spec = expand_word(known, snapshot, DEFAULT)
    run_together(spec, known, snapshot, DEFAULT)
    assert not spec.spread  # a word the index holds is not split


def test_typo_fixes_an_unknown_word_but_not_one_being_typed(snapshot):
    ctx = context(snapshot, "dexamethasine")
    spec = expand_word(ctx, snapshot, DEFAULT)
    assert ctx.corrected and stem("dexamethasone") in spec.stems
    typing = context(snapshot, "dexameth", last=True, typing=True)
    spec = expand_word(typing, snapshot, DEFAULT)
    assert not typing.corrected and spec.prefix == "dexameth"


def test_neighbours_earn_partial_credit(snapshot, monkeypatch):
    monkeypatch.setattr(snapshot, "neighbors", {"zimmer": [("walker", 0.8)]})
    ctx = context(snapshot, "zimmer")
    spec = expand_word(ctx, snapshot, DEFAULT)
    assert spec.soft == {stem("walker"): 0.8}
    spec.soft = {}
    neighbours(spec, replace(ctx, frequency=DEFAULT.neighbor_max_frequency + 1), snapshot, DEFAULT)
    assert spec.soft == {}  # a common word needs no neighbours


def test_neighbours_of_other_forms_of_the_word(snapshot, monkeypatch):
    monkeypatch.setattr(snapshot, "neighbors", {})
    monkeypatch.setattr(snapshot, "neighbors_by_stem", {stem("zimmers"): [("walker", 0.8), ("cane", 0.7)]})
    assert spec_of(snapshot, "zimmers").soft == {stem("walker"): 0.8, stem("cane"): 0.7}
    capped = expand_word(context(snapshot, "zimmers"), snapshot, DEFAULT.with_values(["neighbors_per_word=1"]))
    assert capped.soft == {stem("walker"): 0.8}


def test_completion_of_the_last_word(snapshot):
    assert spec_of(snapshot, "wal", last=True, typing=True).prefix == "wal"
    assert spec_of(snapshot, "wal", last=True, typing=False).prefix is None
    assert spec_of(snapshot, "wa", last=True, typing=True).prefix is None  # too short alone


def test_stem_terms_add_singulars(snapshot):
    ctx = context(snapshot, "feet")
    spec = expand_word(ctx, snapshot, DEFAULT)
    spec.stems, spec.terms = set(), []
    stem_terms(spec, ctx, snapshot, DEFAULT)
    assert stem("foot") in spec.stems


def test_typo_fixes_leave_a_known_word_alone(snapshot):
    ctx = context(snapshot, "walker")
    spec = expand_word(ctx, snapshot, DEFAULT)
    typo_fixes(spec, ctx, snapshot, DEFAULT)
    assert not ctx.corrected


# -- query expanders ------------------------------------------------------------------------

def specs_for(snapshot: Snapshot, text: str):
    """The specs of every word of a query, before the cross-word expanders."""
    words = parse(text + " ").words
    return [spec_of(snapshot, w) for w in words], words


def test_join_pairs(snapshot):
    specs, words = specs_for(snapshot, "light box")
    join_pairs(specs, words, list(range(len(words))), snapshot, DEFAULT)
    assert all(stem("lightbox") in s.stems for s in specs)


def test_spelled_out_phrases_match_the_abbreviation(snapshot, monkeypatch):
    monkeypatch.setattr(snapshot, "spelled_out", {(stem("behind"), stem("the"), stem("ear")): {"bte"}})
    specs, words = specs_for(snapshot, "behind the ear")
    spelled_out(specs, words, list(range(len(words))), snapshot, DEFAULT)
    assert all(stem("bte") in s.stems for s in specs)


def test_roman_numerals_and_litres(snapshot):
    specs, words = specs_for(snapshot, "type 3")
    roman_numerals(specs, words, [0, 1], snapshot, DEFAULT)
    assert "iii" in specs[1].stems and ("type", "iii") in specs[1].adjacent
    specs, words = specs_for(snapshot, "1 liter")
    litres(specs, words, [0, 1], snapshot, DEFAULT)
    assert "1000" in specs[0].stems and {"cc", "ml"} <= specs[1].stems


def test_expand_marks_a_correction(snapshot):
    parsed = parse("dexamethasine ")
    assert expand(parsed, [0], snapshot, DEFAULT).corrected


# -- factors ------------------------------------------------------------------------------------

def test_prior_table():
    assert prior("terminated", set(), False, False, DEFAULT) == DEFAULT.terminated
    assert prior("active", {"negated"}, False, False, DEFAULT) == dict(DEFAULT.priors)["negated"]
    assert prior("active", {"negated"}, True, False, DEFAULT) == 1.0  # the query says "not" too
    assert prior("active", {"accessory"}, False, True, DEFAULT) == 1.0  # the query asks for a part
    assert prior("active", {"noc", "measure"}, False, False, DEFAULT) == pytest.approx(0.9 * 0.9)


def ranking_context(snapshot: Snapshot, text: str, weights: Weights = DEFAULT) -> Context:
    """The factors' view of a query."""
    parsed = parse(text + " ")
    specs = expand(parsed, list(range(len(parsed.words))), snapshot, weights).specs
    for s in specs:
        s.weight = s.weight or 1.0
    return Context(snapshot, weights, parsed.text, parsed.words, parsed.words, specs,
                   [spec_vector(s, snapshot) for s in specs])


def test_what_the_code_is_ranks_terminated_lower(snapshot):
    ctx = ranking_context(snapshot, "injection")
    every = np.arange(snapshot.size)
    factors = dict(zip((snapshot.code_of[d] for d in every), what_the_code_is(ctx, every)))
    assert factors["J1100"] == pytest.approx(DEFAULT.terminated) and factors["E0141"] == 1.0


def test_rarest_word_ranks_codes_without_it_lower(snapshot):
    ctx = ranking_context(snapshot, "dexamethasone adjustable height")
    every = np.arange(snapshot.size)
    factors = dict(zip((snapshot.code_of[d] for d in every), rarest_word(ctx, every)))
    assert factors["J1100"] == 1.0 and factors["E0140"] == DEFAULT.rarest_factor


def test_other_qualifier_ranks_a_conflicting_code_lower(snapshot):
    ctx = ranking_context(snapshot, "solution 15 minutes")
    every = np.arange(snapshot.size)
    factors = dict(zip((snapshot.code_of[d] for d in every), other_qualifier(ctx, every)))
    assert factors["G9306"] == DEFAULT.qualifier_conflict and factors["E0140"] == 1.0


def test_phrase_bonus_for_words_side_by_side(snapshot):
    ctx = ranking_context(snapshot, "fixed height")
    bonus = phrase_bonus(ctx, {snapshot.docnum("E0140"), snapshot.docnum("E0141")})
    assert bonus == {snapshot.docnum("E0140"): pytest.approx((1 + DEFAULT.pair_bonus) * DEFAULT.phrase_bonus)}


def test_descriptor_head_is_the_leading_phrase_head_noun():
    assert descriptor_head("Hearing aid, digital, monaural, cic") == ("aid",)
    assert descriptor_head("Assessment for hearing aid") == ("assessment",)
    assert descriptor_head("Fitting/orientation/checking of hearing aid") == ("checking",)
    assert descriptor_head("Ambulance service, basic life support") == ("ambulance",)  # "service" is generic
    assert descriptor_head("Ambulance (als or bls) oxygen and oxygen supplies, life sustaining") == ("supplies",)
    assert descriptor_head("Transcutaneous electrical nerve stimulation (tens) device, two lead") == ("stimulation",)
    assert descriptor_head("Injection, dexamethasone sodium phosphate, 1 mg") == ("dexamethasone", "sodium", "phosphate")
    assert descriptor_head("walker with wheels") == ("walker",)


def factors_for(snapshot: Snapshot, factor, text: str) -> dict[str, float]:
    """code -> a factor's multiplier for a query (its stop words not counted), over the whole small index."""
    parsed = parse(text + " ")
    counted = [w for w in parsed.words if w not in STOP_WORDS]
    specs = expand(replace(parsed, words=counted), list(range(len(counted))), snapshot, DEFAULT).specs
    ctx = Context(snapshot, DEFAULT, parsed.text, parsed.words, counted, specs, [spec_vector(s, snapshot) for s in specs])
    every = np.arange(snapshot.size)
    return dict(zip((snapshot.code_of[d] for d in every), factor(ctx, every)))


def test_names_the_item_ranks_the_code_the_query_names_up(snapshot):
    factors = factors_for(snapshot, names_the_item, "walker")
    assert factors["E0140"] == factors["E0141"] == DEFAULT.head_match and factors["E0601"] == 1.0
    # the query's head noun is "walker", not its last word; the code must hold the other words too
    factors = factors_for(snapshot, names_the_item, "walker with wheels")
    assert factors["E0141"] == DEFAULT.head_match and factors["E0140"] == 1.0
    assert factors_for(snapshot, names_the_item, "cpap")["E0601"] == DEFAULT.head_match  # through its expansion
    assert factors_for(snapshot, names_the_item, "mask")["E0601"] == 1.0  # a word of the code, not its head
    assert factors_for(snapshot, names_the_item, "dexamethasone")["J1100"] == DEFAULT.head_match  # "Injection, ..."
    long = "walker with trunk support and fixed height and wheels and more"
    assert set(factors_for(snapshot, names_the_item, long).values()) == {1.0}  # not a short query


def test_names_the_item_reads_everyday_names(snapshot, monkeypatch):
    glossary = [[] for _ in snapshot.code_of]
    glossary[snapshot.docnum("E0601")] = ["bte mask for sleep apnea", "mask"]
    monkeypatch.setattr(snapshot, "glossary_of", glossary)
    monkeypatch.setitem(snapshot.memo, "name_heads", {})
    factors = factors_for(snapshot, names_the_item, "bte mask")
    assert factors["E0601"] == DEFAULT.name_match and factors["E0141"] == 1.0


def test_says_its_name_ranks_a_code_whose_everyday_name_the_query_says_up(snapshot, monkeypatch):
    glossary = [[] for _ in snapshot.code_of]
    glossary[snapshot.docnum("E0601")] = ["sleep apnea machine", "positive airway pressure device"]
    monkeypatch.setattr(snapshot, "glossary_of", glossary)
    monkeypatch.setitem(snapshot.memo, "name_runs", {})
    scored = snapshot.scored

    def terms_from_glossary(name, text):  # the glossary field indexes the everyday names
        if name != "terms":
            return scored(name, text)
        ids = [d for d, names in enumerate(glossary) if any(stem(w) == text for n in names for w in n.split())]
        return np.array(ids, dtype=np.int64), np.ones(len(ids))

    monkeypatch.setattr(snapshot, "scored", terms_from_glossary)
    assert factors_for(snapshot, says_its_name, "machine for sleep apnea")["E0601"] == 1.0  # not in its order
    factors = factors_for(snapshot, says_its_name, "the sleep apnea machine at night")
    assert factors["E0601"] == DEFAULT.name_said and factors["E0141"] == 1.0
    assert factors_for(snapshot, says_its_name, "sleep apnea breathing machine")["E0601"] == DEFAULT.name_said  # one word between
    # a name that only repeats the descriptor's words says nothing more
    assert factors_for(snapshot, says_its_name, "positive airway pressure device")["E0601"] == 1.0


def test_part_by_head_ranks_parts_as_accessories(snapshot, monkeypatch):
    long_of = list(snapshot.long_of)
    long_of[snapshot.docnum("E0140")] = "Addition to walker, trunk support"
    monkeypatch.setitem(snapshot.memo, "head_nouns", [tuple((w, stem(w)) for w in descriptor_head(t)) for t in long_of])
    factors = factors_for(snapshot, part_by_head, "walker")
    assert factors["E0140"] == dict(DEFAULT.priors)["accessory"] and factors["E0141"] == 1.0
    assert factors_for(snapshot, part_by_head, "walker replacement part")["E0140"] == 1.0  # asked for a part


# -- weights, ranking, presentation -----------------------------------------------------------

def test_weights_are_frozen_and_overridable():
    with pytest.raises(Exception):
        DEFAULT.k1 = 2.0  # type: ignore[misc]
    changed = DEFAULT.with_values(["terminated=1", "candidates=50"])
    assert changed.terminated == 1.0 and changed.candidates == 50 and DEFAULT.terminated == 0.4
    with pytest.raises(ValueError, match="unknown weight"):
        DEFAULT.with_values(["nope=1"])


def test_rank_is_pure_and_follows_the_weights(snapshot):
    parsed = parse("injection walker ")
    first = rank(parsed, snapshot, DEFAULT)
    again = rank(parsed, snapshot, DEFAULT)
    assert [c for _s, _d, c in first.text] == [c for _s, _d, c in again.text]
    neutral = rank(parsed, snapshot, replace(DEFAULT, terminated=1.0))
    score = {c: s for s, _d, c in first.text}
    neutral_score = {c: s for s, _d, c in neutral.text}
    assert score["J1100"] < neutral_score["J1100"]


def test_direct_codes_come_first_and_page_cuts(snapshot):
    ranking = rank(parse("E0141 walker"), snapshot, DEFAULT)
    result = page(ranking, snapshot, DEFAULT, limit=1, offset=0)
    assert [h.code for h in result.hits] == ["E0141"] and result.hits[0].matched == "code"
    assert result.total >= 2 and result.interpretation == "code"
    second = page(ranking, snapshot, DEFAULT, limit=1, offset=1)
    assert second.hits[0].code == "E0140" and second.hits[0].matched == "text"


def test_highlight_marks_stems_and_prefixes():
    marked = highlight("Walker, rigid <wheeled>", {stem("walkers")}, ["whe"])
    assert marked == "<mark>Walker</mark>, rigid &lt;<mark>wheeled</mark>&gt;"


def test_stop_words_are_not_joined_into_abbreviations(snapshot, monkeypatch):
    monkeypatch.setattr(snapshot, "clinical", {"toa": [["x"]], "apap": [["x"]], "afib": [["x"]]})
    assert merged_fragments(["to", "a", "walker"], snapshot) == ["to", "a", "walker"]  # not TOA
    assert merged_fragments(["a", "walker"], snapshot) == ["a", "walker"]
    assert merged_fragments(["a", "fib"], snapshot) == ["afib"]  # "fib" means nothing alone
    assert merged_fragments(["c", "pap"], snapshot) == ["cpap"]

