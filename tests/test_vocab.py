"""Vocabulary mined from data."""
from index.vocab import PhraseMatcher, english_words, load_lay_terms, mine_acronyms, mine_descriptor_abbreviations, record_abbreviations

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


def test_exact_initials_of_three_words_need_one_pair_only():
    rows = ROWS + [{"short_description": "Cpm device, knee", "long_description": "Continuous passive motion device, knee"}]
    assert mine_descriptor_abbreviations(rows)["cpm"] == "continuous passive motion"
    assert "pre" in mine_descriptor_abbreviations(ROWS)  # two pairs, as before
    assert "kn" not in mine_descriptor_abbreviations(rows)


def test_initials_long_descriptors_also_write_are_mined_when_short_ones_use_them_far_more():
    ak = [{"short_description": f"Ak socket {i}", "long_description": f"Above knee, socket type {i}"} for i in range(4)]
    quoted = [{"short_description": "Kafo double bar", "long_description": "Knee orthosis, double bar 'ak' orthosis"}]
    assert mine_descriptor_abbreviations(ak + quoted)["ak"] == "above knee"  # 4 pairs, 1 long descriptor
    assert "ak" not in mine_descriptor_abbreviations(ak[:2] + quoted)  # 2 pairs: not enough
    # an English word stays a word however often the short descriptors use its letters
    pad = [{"short_description": f"Pad {i}", "long_description": f"Protective absorbent dressing {i}"} for i in range(4)]
    pad.append({"short_description": "Heel pad", "long_description": "Heel pad, foam"})
    assert "pad" not in mine_descriptor_abbreviations(pad, english=frozenset({"pad"}))
    assert mine_descriptor_abbreviations(pad)["pad"] == "protective absorbent dressing"


def test_acronyms_are_initials_of_descriptor_phrases_most_frequent_first():
    texts = ["Negative pressure wound therapy electrical pump, stationary",
             "Dressing set for negative pressure wound therapy pump",
             "Non-powered wound treatment, each",  # "npwt" too, once
             "Patient has prior wound treatment"]  # generic words end a run: no "phpwt"
    acronyms = mine_acronyms(texts)
    assert acronyms["npwt"] == ["negative pressure wound therapy", "non powered wound treatment"]
    assert acronyms["pwt"][0] == "pressure wound therapy"
    assert "hpwt" not in acronyms and "ds" not in acronyms  # too short


def test_acronyms_skip_function_words_and_stop_at_numbers():
    acronyms = mine_acronyms(["Knee ankle and foot orthosis, 2 straps", "Stocking of the leg 30 mm hg"])
    assert "knee ankle foot orthosis" in acronyms["kafo"]
    assert "sl" not in acronyms and not any("30" in p or "mm" in p for ps in acronyms.values() for p in ps)


def test_english_words_are_lower_case_entries_of_the_list(tmp_path):
    listing = tmp_path / "words"
    listing.write_text("cab\nPHP\nfare\n", encoding="utf-8")
    assert english_words(listing) == {"cab", "fare"}
    assert english_words(tmp_path / "missing") == frozenset()


def test_a_record_lists_its_own_abbreviations():
    mined = mine_descriptor_abbreviations(ROWS)
    assert record_abbreviations(ROWS[0], mined) == ["interv = intervention", "req = required"]


def test_phrase_matcher_finds_whole_word_phrases_only():
    matcher = PhraseMatcher({"positive airway pressure": ["x"], "air": ["y"]})
    assert matcher.find("Continuous positive airway pressure device") == ["positive airway pressure"]


def test_glossaries_merge_phrase_by_phrase(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("term,lay\nPatient lift,hoyer lift;Transfer lift\n", encoding="utf-8")
    second.write_text('term,lay\npatient-lift,"hoyer lift; lift to move someone from bed to chair"\nwalker,\n', encoding="utf-8")
    assert load_lay_terms(first, second) == {
        "patient lift": ["hoyer lift", "transfer lift", "lift to move someone from bed to chair"]}


def test_phrase_matcher_skips_excluded_mentions():
    matcher = PhraseMatcher({"electric": ["powered"], "mask": ["face mask"], "knee": ["leg"], "physician": ["doctor"]})
    assert matcher.find("Commode chair with seat lift mechanism, non-electric") == []
    assert matcher.find("Exercise device for use other than knee") == []
    assert matcher.find("Classes, non-physician provider") == []
    assert matcher.find("Spacer, with or without mask") == ["mask"]  # optional, not excluded
    assert matcher.find("Seat lift mechanism, electric, knee") == ["electric", "knee"]
