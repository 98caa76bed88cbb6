"""Building the index: atomic swap, manifest, bad input refused with file, line and field."""
import json

import pytest

from index.build import BuildError, _positive, build_index, index_exists, live_build
from index.search import CodeIndex


def test_build_writes_manifest_and_swaps_current(tmp_path, copy_fixture_corpus):
    manifest = build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    assert manifest["record_count"] == 12
    assert len(manifest["corpus_sha256"]) == 64
    assert index_exists(tmp_path)
    assert json.loads((live_build(tmp_path) / "manifest.json").read_text())["record_count"] == 12


def test_second_build_replaces_the_first(tmp_path, copy_fixture_corpus):
    first = build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)["path"]
    second = build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)["path"]
    assert first != second and str(live_build(tmp_path)) == second


def _break_line(corpus, number, change):
    path = corpus / "codes.jsonl"
    lines = path.read_text().splitlines()
    record = json.loads(lines[number - 1])
    change(record)
    lines[number - 1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("change, field", [
    (lambda r: r.pop("long_description"), "long_description"),
    (lambda r: r.update(status="maybe"), "status"),
    (lambda r: r.update(code="12345"), "code"),
    (lambda r: r["faq"][0].update(intent="gossip"), "faq.0.intent"),
])
def test_bad_record_names_file_line_and_field_and_keeps_live_index(tmp_path, copy_fixture_corpus, change, field):
    good = build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    path = _break_line(copy_fixture_corpus, 5, change)
    with pytest.raises(BuildError) as err:
        build_index(path, tmp_path, progress=False)
    assert f"codes.jsonl:5: field '{field}'" in str(err.value)
    assert str(live_build(tmp_path)) == good["path"]
    assert CodeIndex(tmp_path).get("E0601")["code"] == "E0601"


def test_invalid_json_line_is_refused(tmp_path, copy_fixture_corpus):
    path = copy_fixture_corpus / "codes.jsonl"
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(BuildError, match=r"codes.jsonl:13: invalid JSON"):
        build_index(path, tmp_path, progress=False)
    assert not index_exists(tmp_path)


def test_missing_corpus_is_refused(tmp_path):
    with pytest.raises(BuildError, match="not found"):
        build_index(tmp_path / "nothing.jsonl", tmp_path / "ix", progress=False)


def test_search_cache_is_per_build(tmp_path, copy_fixture_corpus):
    build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    index = CodeIndex(tmp_path, cache_size=8)
    first = index.search("cpap")
    assert index.search("cpap") is first  # served from this worker's cache
    build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    again = index.search("cpap")
    assert again is not first and [h.code for h in again.hits] == [h.code for h in first.hits]
    assert CodeIndex(tmp_path).search("cpap") is not CodeIndex(tmp_path).search("cpap")  # off by default


def test_exclusions_are_not_indexed_as_what_a_code_is():
    assert _positive("Continuous passive motion exercise device for use other than knee").split() == \
        "Continuous passive motion exercise device for use".split()
    assert _positive("Gauze, impregnated, other than water, sterile, each").split(",") == \
        ["Gauze", " impregnated", "  ", " sterile", " each"]
    assert _positive("Walker, folding") == "Walker, folding"


@pytest.mark.parametrize("descriptor, accessory", [
    ("Full face mask used with positive airway pressure device, each", True),
    ("Respiratory assist device, bi-level pressure capability, without backup rate feature, used with "
     "noninvasive interface, e.g., nasal or facial mask", False),
    ("Nebulizer, durable, glass or autoclavable plastic, bottle type, not used with oxygen", False),
    ("Replacement battery for patient-owned ear pulse generator, each", True),
])
def test_accessory_flag_reads_used_with_as_another_item_only(descriptor, accessory):
    from index.build import flags
    record = {"code": "E0001", "kind": "procedure", "long_description": descriptor, "short_description": "x"}
    assert ("accessory" in flags(record).split()) is accessory


def test_an_addition_does_not_take_the_everyday_names_of_the_item_it_is_added_to():
    from index.importer import PARENT_ITEM
    assert PARENT_ITEM.sub("", "Addition to tlso, (low profile), lateral thoracic extension") == (
        " (low profile), lateral thoracic extension"
    )
    assert PARENT_ITEM.sub("", "Thoracic-lumbar-sacral orthosis (tlso), flexible") == (
        "Thoracic-lumbar-sacral orthosis (tlso), flexible"
    )
