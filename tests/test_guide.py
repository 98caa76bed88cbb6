"""The general FAQ: entries validated with file and line, indexed beside the codes, answered by coverage."""
import json
from pathlib import Path

import pytest

from index.answer import Answerer
from index.build import BuildError, build_index, live_build
from index.guide import Guide, GuideError, read_entries, write_index
from index.search import CodeIndex

FAQ = Path(__file__).resolve().parent / "data" / "faq"
ENTRY = json.loads((FAQ / "faq.jsonl").read_text().splitlines()[0])


def _folder(tmp_path, *lines):
    folder = tmp_path / "faq"
    folder.mkdir(parents=True)
    (folder / "extra.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def guide(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faq-index")
    write_index(folder, read_entries(FAQ))
    opened = Guide(folder)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def answerer(fixture_index):
    return Answerer(CodeIndex(fixture_index))


def test_read_entries_reads_every_entry_in_file_order():
    entries = read_entries(FAQ)
    assert [e["id"] for e in entries] == ["hcpcs-acronym", "hcpcs-level-1-vs-level-2", "modifier-jw-jz",
                                          "quarterly-updates", "mue", "ncci-ptp-edits"]


def test_blank_lines_are_skipped_but_counted(tmp_path):
    other = {**ENTRY, "id": "other"}
    folder = _folder(tmp_path, json.dumps(ENTRY), "", json.dumps(ENTRY))
    with pytest.raises(GuideError, match=r"extra\.jsonl:3: id 'hcpcs-acronym' already used on line 1"):
        read_entries(folder)
    assert len(read_entries(_folder(tmp_path / "b", "", json.dumps(ENTRY), "  ", json.dumps(other)))) == 2


@pytest.mark.parametrize("lines, message", [
    (['{"id": "x", '], r"extra\.jsonl:1: invalid JSON"),
    ([json.dumps(ENTRY), "[1, 2]"], r"extra\.jsonl:2: an FAQ entry must be a JSON object"),
    ([json.dumps({k: v for k, v in ENTRY.items() if k != "answer"})], r"extra\.jsonl:1: field 'answer'"),
    ([json.dumps({k: v for k, v in ENTRY.items() if k != "source"})], r"extra\.jsonl:1: field 'source'"),
    ([json.dumps({**ENTRY, "id": "Bad Id"})], r"extra\.jsonl:1: field 'id'"),
    ([json.dumps({**ENTRY, "answer": "too short"})], r"extra\.jsonl:1: field 'answer'"),
    ([json.dumps(ENTRY), json.dumps({**ENTRY, "question": "Another question?"})],
     r"extra\.jsonl:2: id 'hcpcs-acronym' already used on line 1"),
])
def test_a_bad_entry_names_file_and_line(tmp_path, lines, message):
    with pytest.raises(GuideError, match=message):
        read_entries(_folder(tmp_path, *lines))


def test_duplicate_ids_across_files_are_refused(tmp_path):
    folder = _folder(tmp_path, json.dumps(ENTRY))
    (folder / "more.jsonl").write_text(json.dumps(ENTRY) + "\n")
    with pytest.raises(GuideError, match=r"more\.jsonl:1: id 'hcpcs-acronym' already used"):
        read_entries(folder)


def test_build_indexes_the_faq_and_counts_it(tmp_path, copy_fixture_corpus):
    manifest = build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    assert manifest["faq_count"] == 6
    assert len(Guide(live_build(tmp_path))) == 6


def test_a_bad_faq_line_stops_the_build_and_keeps_the_live_index(tmp_path, copy_fixture_corpus):
    good = build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    faq = copy_fixture_corpus / "faq" / "faq.jsonl"
    lines = faq.read_text().splitlines()
    lines[3] = lines[3][:-1]  # line 4 loses its closing brace
    faq.write_text("\n".join(lines) + "\n")
    with pytest.raises(BuildError, match=r"faq\.jsonl:4: invalid JSON"):
        build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    assert str(live_build(tmp_path)) == good["path"]
    answer = Answerer(CodeIndex(tmp_path)).answer("what does HCPCS stand for")
    assert answer.intent == "faq" and answer.answer.startswith("HCPCS stands for")


def test_a_build_without_faq_folder_has_an_empty_guide(tmp_path, copy_fixture_corpus):
    (copy_fixture_corpus / "faq" / "faq.jsonl").unlink()
    (copy_fixture_corpus / "faq").rmdir()
    manifest = build_index(copy_fixture_corpus / "codes.jsonl", tmp_path, progress=False)
    guide = Guide(live_build(tmp_path))
    assert manifest["faq_count"] == 0 and len(guide) == 0 and guide.search("what does hcpcs stand for") == []


@pytest.mark.parametrize("question, entry", [
    ("what does hcpcs stand for", "hcpcs-acronym"),
    ("what is the difference between level 1 and level 2 hcpcs", "hcpcs-level-1-vs-level-2"),
    ("how often are codes updated", "quarterly-updates"),
    ("what is an mue", "mue"),
    ("when do I use JW", "modifier-jw-jz"),
])
def test_search_ranks_the_entry_first(guide, question, entry):
    top = guide.search(question)[0]
    assert top.id == entry and top.coverage == 1.0


def test_the_acronym_entry_is_asked_as_its_own_question(guide):
    hits = guide.search("what does hcpcs stand for")
    assert hits[0].asked_as == 1.0 and hits[0].question == "What does HCPCS stand for?"
    assert all(h.coverage < 0.5 for h in hits[1:])


def test_a_question_of_only_question_words_finds_nothing(guide):
    assert guide.search("what is it") == []


def test_fixture_index_answers_hcpcs_acronym_from_the_faq(answerer):
    answer = answerer.answer("what does HCPCS stand for")
    assert (answer.intent, answer.code, answer.codes) == ("faq", None, [])
    assert answer.answer == ENTRY["answer"]
    assert answer.facts["faq"][0]["id"] == "hcpcs-acronym"
    assert answer.facts["sources"] == [{"key": "faq", "source": ENTRY["source"]}]


@pytest.mark.parametrize("question, intent, code", [
    ("what is the MUE for E0601", "mue", "E0601"),
    ("who bills E0601", "who_uses", "E0601"),
    ("what is E0140", "what_is", "E0140"),
    ("can E0140 and E0141 be billed together", "billed_together", "E0140"),
    ("hcpcs code for a cpap machine", "find_code", "E0601"),
])
def test_a_code_question_is_never_answered_from_the_faq(answerer, question, intent, code):
    answer = answerer.answer(question)
    assert (answer.intent, answer.code) == (intent, code)
    assert "faq" not in answer.facts


def test_faq_endpoint_finds_the_entry(client):
    body = client.get("/v1/faq", query_string={"q": "what does hcpcs stand for"}).get_json()
    assert body["results"][0]["id"] == "hcpcs-acronym" and body["results"][0]["coverage"] == 1.0
    assert client.get("/v1/faq").get_json()["total"] == 6


@pytest.mark.parametrize("method", ["get", "post"])
def test_two_code_answer_lists_both_codes(client, method):
    question = "can E0140 and E0141 be billed together"
    response = client.get("/v1/answer", query_string={"q": question}) if method == "get" else \
        client.post("/v1/answer", json={"question": question})
    body = response.get_json()
    assert response.status_code == 200 and body["codes"] == ["E0140", "E0141"]
    assert body["intent"] == "billed_together" and body["facts"]["codes"] == ["E0140", "E0141"]
