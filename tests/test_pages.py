"""The code pages for people (GET /codes/<code>): HTML, every section, escaping, 404 and 503 pages."""
import gzip
import json
import re
from pathlib import Path

import pytest

from index.build import build_index
from service import create_app
from service.pages import SECTION_IDS, percent, usd

REAL_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
HOSTILE = '<script>alert("x")</script>'


def _section(body: str, section_id: str) -> str:
    """The HTML of one <section> of a page."""
    start = body.index(f'<section id="{section_id}">')
    return body[start:body.index("</section>", start)]


def _missing_sections(body: str) -> list[str]:
    return [s for s in SECTION_IDS if f'<section id="{s}">' not in body]


# -- the fixture corpus ---------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["E0601", "G0438", "G9327", "J1100", "RT", "GA"])
def test_a_code_page_has_every_section(client, code):
    response = client.get(f"/codes/{code}")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert not _missing_sections(body)
    assert all(len(re.findall(rf'<section id="{s}">\s*<h2>', body)) == 1 for s in SECTION_IDS)
    assert f'<h1><span class="code">{code}</span>' in body


def test_a_code_page_is_for_phones_and_runs_no_script(client):
    response = client.get("/codes/E0601")
    body = response.get_data(as_text=True)
    assert "<title>E0601: Cont airway pressure device | HCPCS Level II</title>" in body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert "/static/page.css" in body and client.get("/static/page.css").status_code == 200
    assert "<script" not in body.lower() and not re.search(r"<[^>]+\son\w+=", body)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]  # and so no script-src
    assert body.count("<table") == body.count('<div class="table-wrap">')  # every table scrolls on its own


def test_the_header_links_to_the_json_record_and_back_to_search(client):
    body = client.get("/codes/G9327").get_data(as_text=True)
    assert 'href="/v1/codes/G9327"' in body and 'href="/"' in body
    assert '<span class="badge inactive">terminated' in body


def test_sections_show_the_record(client):
    body = client.get("/codes/G0438").get_data(as_text=True)
    who = _section(body, "who-bills-it")
    assert "Medicare Part B claims, CY2023 (partial extract)" in who and "Family Practice" in who
    assert "40.4%" in who
    assert "NCCI edits, July 2024 edition" in _section(body, "limits-and-pairs")
    assert 'href="/codes/59"' in _section(body, "modifiers")
    assert body.count("<h3>") >= len(client.get("/v1/codes/G0438").get_json()["faq"])


def test_a_modifier_page_shows_where_it_applies(client):
    body = client.get("/codes/RT").get_data(as_text=True)
    modifiers = _section(body, "modifiers")
    assert "Where this modifier applies" in modifiers and 'href="/codes/' in modifiers


def test_a_code_without_other_names_says_so(client):
    assert "No other names on record." in _section(client.get("/codes/G9327").get_data(as_text=True),
                                                   "also-known-as")
    names = _section(client.get("/codes/J1100").get_data(as_text=True), "also-known-as")
    assert "<li>Dexamethasone Sodium Phosphate</li>" in names and "No other names" not in names


def test_a_lower_case_code_renders_its_page(client):
    response = client.get("/codes/e0601")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<h1><span class="code">E0601</span>' in body
    assert '<link rel="canonical" href="/codes/E0601">' in body


def test_an_unknown_code_is_an_html_404_with_close_codes(client):
    response = client.get("/codes/E0602")
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert "E0602" in body and '<a class="code" href="/codes/E0601">E0601</a>' in body


@pytest.mark.parametrize("path", [
    "/codes/%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    "/codes/" + "A" * 5000,
    "/codes/E-0601",
    "/codes/%00%01",
    "/codes/a/b",
    "/codes/%E2%80%AE0601",
    "/codes/%3Cimg%20src=x%20onerror=alert(1)%3E",
])
def test_bad_input_is_an_html_404_never_a_500(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert "<script" not in body and "<img" not in body and "\x00" not in body
    assert len(body) < 5000  # an overlong code is cut before it is shown back


def test_a_malformed_code_still_suggests_the_code_it_spells(client):
    body = client.get("/codes/E-0601").get_data(as_text=True)
    assert 'href="/codes/E0601"' in body


def test_record_values_are_escaped(tmp_path, copy_fixture_corpus):
    corpus = copy_fixture_corpus / "codes.jsonl"
    records = [json.loads(line) for line in corpus.read_text().splitlines()]
    for record in records:
        if record["code"] == "E0601":
            record["short_description"] = f"CPAP {HOSTILE}"
            record["lay_terms"].append(HOSTILE)
            record["context"].append({"text": '"><img src=x onerror=alert(1)>', "source": "glossary"})
            record["faq"][0]["answer"] += HOSTILE
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
    build_index(corpus, tmp_path / "index", progress=False)
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    body = client.get("/codes/E0601").get_data(as_text=True)
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    assert "<title>E0601: CPAP &lt;script&gt;" in body


def test_without_an_index_the_page_is_an_html_503(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path), "TESTING": True}).test_client()
    response = client.get("/codes/E0601")
    assert response.status_code == 503
    assert response.content_type == "text/html; charset=utf-8"
    assert "Not available yet" in response.get_data(as_text=True)
    assert client.get("/v1/codes/E0601").get_json()["error"]["code"] == "index_unavailable"  # the API stays JSON


@pytest.mark.parametrize("value, text", [(95.75, "$95.75"), (81.815, "$81.815"), (86.27, "$86.27"),
                                         (0.002, "$0.002"), (1234.5, "$1,234.50"), (0.0, "$0.00")])
def test_dollars_keep_the_cms_files_precision(value, text):
    assert usd(value) == text


def test_percentages():
    assert [percent(x) for x in (0.4118, 0.85, 1.0, 0.0076)] == ["41.2%", "85%", "100%", "0.8%"]


# -- the real corpus -------------------------------------------------------------------------------
def test_every_record_of_the_real_corpus_has_a_page(real_client):
    with gzip.open(REAL_CORPUS / "codes.jsonl.gz", "rt", encoding="utf-8") as lines:
        codes = [json.loads(line)["code"] for line in lines]
    assert len(codes) == 9006
    failures = []
    for code in codes:
        response = real_client.get(f"/codes/{code}")
        body = response.get_data(as_text=True)
        if response.status_code != 200 or _missing_sections(body):
            failures.append((code, response.status_code, _missing_sections(body)))
    assert not failures, failures[:20]


def test_g0168_shows_its_pfs_dollars(real_client):
    payment = _section(real_client.get("/codes/G0168").get_data(as_text=True), "payment")
    assert "<td>$95.75</td>" in payment and "<td>$13.91</td>" in payment


def test_c9166_shows_its_termination_and_replacement(real_client):
    body = real_client.get("/codes/C9166").get_data(as_text=True)
    assert "2024-06-30" in _section(body, "history") and "terminated 2024-06-30" in body
    assert "exact: from the July 2024 CMS HCPCS record" in _section(body, "history")
    assert 'href="/codes/J3247"' in _section(body, "history")


def test_e0601_lists_its_rental_modifiers(real_client):
    modifiers = _section(real_client.get("/codes/E0601").get_data(as_text=True), "modifiers")
    assert '<a class="code" href="/codes/RR">RR</a>' in modifiers
    assert '<a class="code" href="/codes/KH">KH</a>' in modifiers


def test_g0439_shows_claims_shares_and_a_heuristic_termination_says_estimated(real_client):
    who = _section(real_client.get("/codes/G0439").get_data(as_text=True), "who-bills-it")
    assert "Family Practice" in who and "41.2%" in who
    history = _section(real_client.get("/codes/C7558").get_data(as_text=True), "history")
    assert "estimated" in history


def test_a_drug_page_shows_opps_and_asp_amounts(real_client):
    payment = _section(real_client.get("/codes/J9173").get_data(as_text=True), "payment")
    assert "APC 9492: $81.815" in payment and "$86.27 per 10 MG" in payment
