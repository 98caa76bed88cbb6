"""Vocabulary mined from data."""
from index.vocab import PhraseMatcher, mine_descriptor_abbreviations, record_abbreviations

ROWS = [
    {"short_description": "Interv req for leak", "long_description": "Intervention for leak required"},
    {"short_description": "Interv req other", "long_description": "Intervention required, other"},
    {"short_description": "Afo pre ots", "long_description": "Ankle foot orthosis, prefabricated, off-the-shelf"},
    {"short_description": "Kafo pre ots", "long_description": "Knee ankle foot orthosis, prefabricated, off-the-shelf"},
]


def test_abbreviations_are_mined_from_short_long_pairs():
    mined = mine_descriptor_abbreviations(ROWS)
    assert mined["interv"] == "intervention"
    assert mined["req"] == "required"
    assert mined["ots"] == "off the shelf"


def test_a_record_lists_its_own_abbreviations():
    mined = mine_descriptor_abbreviations(ROWS)
    assert record_abbreviations(ROWS[0], mined) == ["interv = intervention", "req = required"]


def test_phrase_matcher_finds_whole_word_phrases_only():
    matcher = PhraseMatcher({"positive airway pressure": ["x"], "air": ["y"]})
    assert matcher.find("Continuous positive airway pressure device") == ["positive airway pressure"]
