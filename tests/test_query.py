"""Query understanding: code shapes, prefixes, modifiers, bad input."""
import pytest

from index.query import QueryError, parse

MODIFIERS = frozenset({"GA", "LT", "RT", "TC", "XE", "XP", "XS", "XU"})


@pytest.mark.parametrize("raw, code", [
    ("E0601", "E0601"), (" e0601 ", "E0601"), ("j 1100", "J1100"), ("J-1100", "J1100"), ("g9306 leak", "G9306"),
])
def test_exact_codes_in_any_case_and_spacing(raw, code):
    assert parse(raw, MODIFIERS).codes == [code]


@pytest.mark.parametrize("raw, prefix", [("E014", "E014"), ("g93", "G93"), ("b 403", "B403"), ("e0", "E0")])
def test_code_prefixes(raw, prefix):
    parsed = parse(raw, MODIFIERS)
    assert parsed.prefix == prefix and parsed.kind == "prefix"


@pytest.mark.parametrize("raw, modifiers", [
    ("modifier LT", ["LT"]), ("rt modifier", ["RT"]), ("GA", ["GA"]), ("59", ["XE", "XP", "XS", "XU"]),
    ("modifier 59", ["XE", "XP", "XS", "XU"]),
])
def test_modifiers(raw, modifiers):
    assert parse(raw, MODIFIERS).modifiers == modifiers


def test_a_possessive_is_the_word_the_index_holds():
    # the index splits "patient's" into "patient" and "s"; the query word must be "patient"
    assert parse("the patient's own home").words == ["the", "patient", "own", "home"]
    assert parse("adult’s cast").words == ["adult", "cast"]


def test_two_letter_word_inside_a_phrase_is_not_a_modifier():
    assert parse("rt knee brace", MODIFIERS).modifiers == []


def test_words_are_kept_for_text_search():
    assert parse("sleep apnea machine", MODIFIERS).words == ["sleep", "apnea", "machine"]


@pytest.mark.parametrize("raw", ["", "   ", "a" * 513, "bad\x00byte"])
def test_unusable_queries_raise(raw):
    with pytest.raises(QueryError):
        parse(raw, MODIFIERS)
