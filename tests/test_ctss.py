"""GET /api/hcpcs/v3/search (the NLM CTSS protocol), the demo page and CORS, on the fixture corpus."""
import pytest

from service import create_app

URL = "/api/hcpcs/v3/search"


def ctss(client, query: str):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_reply_is_the_ctss_array(client):
    total, codes, extra, display = ctss(client, "terms=cpap")
    assert codes[0] == "E0601"
    assert total == len(codes)
    assert extra is None
    assert display[0] == ["E0601", "Continuous positive airway pressure (cpap) device"]


def test_order_is_the_order_of_v1_search(client):
    for terms in ("walker", "E014", "leak anastomosis", "ct radiation dose"):
        v1 = [r["code"] for r in client.get(f"/v1/search?q={terms}&limit=7").get_json()["results"]]
        assert ctss(client, f"terms={terms}")[1] == v1


def test_last_word_is_a_prefix(client):
    assert ctss(client, "terms=anastom")[1][0] == "G9306"


def test_count_and_offset_page_through_results(client):
    total, first, _, _ = ctss(client, "terms=E014&count=1")
    _, second, _, _ = ctss(client, "terms=E014&count=1&offset=1")
    assert total == 2 and first + second == ["E0140", "E0141"]


def test_max_list_sets_the_list_size_and_empty_means_500(client):
    assert len(ctss(client, "terms=walker&maxList=1")[1]) == 1
    assert len(ctss(client, "terms=walker&maxList=")[1]) == 2


def test_display_and_extra_fields_with_aliases(client):
    _, codes, extra, display = ctss(
        client, "terms=G9327&df=code,short_desc,obsolete&ef=term_dt,obsolete:inactive,add_dt,act_eff_dt,is_noc,long_desc")
    assert codes == ["G9327"]
    assert display[0][0] == "G9327" and display[0][2] == "true"
    assert extra["inactive"] == [True]
    assert extra["add_dt"] == ["2014-01-01"] and extra["act_eff_dt"] == ["2021"]
    assert extra["term_dt"] == ["2020-12-31"]  # exact, from the July 2024 CMS HCPCS record
    assert set(extra) == {"term_dt", "inactive", "add_dt", "act_eff_dt", "is_noc", "long_desc"}


def test_code_field_can_be_changed(client):
    assert ctss(client, "terms=cpap&cf=short_desc")[1][0] == "Cont airway pressure device"


@pytest.mark.parametrize("q, expected", [
    ("code:E*", ["E0140", "E0141"]),
    ("code:e0141", ["E0141"]),
    ("obsolete:true", []),
    ("code:E* AND obsolete:false", ["E0140", "E0141"]),
    ("is_noc:true", []),
])
def test_q_filters_the_ranked_list(client, q, expected):
    total, codes, _, _ = ctss(client, f"terms=walker&q={q}")
    assert codes == expected and total == len(expected)


def test_obsolete_filter_keeps_terminated_codes(client):
    assert ctss(client, "terms=ct radiation dose&q=obsolete:true")[1] == ["G9327"]
    assert "G9327" not in ctss(client, "terms=ct radiation dose&q=obsolete:false")[1]


def test_search_fields_choose_code_or_text_matches(client):
    assert ctss(client, "terms=E0601&sf=display")[1] == []
    assert ctss(client, "terms=E0601&sf=code")[1] == ["E0601"]
    assert ctss(client, "terms=cpap&sf=code")[1] == []


def test_suggest_offers_codes_for_a_misspelling(client):
    codes, display, extra = ctss(client, "suggest=1&field_val=anastomossis")
    assert codes[0] == "G9306"
    assert display[0][0] == "G9306" and extra is None


def test_widget_authenticity_token_is_ignored(client):
    assert ctss(client, "terms=cpap&authenticity_token=abc")[1][0] == "E0601"


@pytest.mark.parametrize("query, field", [
    ("", "terms"),
    ("terms=", "terms"),
    ("terms=cpap&count=0", "count"),
    ("terms=cpap&count=501", "count"),
    ("terms=cpap&count=x", "count"),
    ("terms=cpap&offset=-1", "offset"),
    ("terms=cpap&count=500&offset=7001", "offset"),
    ("terms=cpap&maxList=501", "maxList"),
    ("terms=cpap&df=code,colour", "df"),
    ("terms=cpap&sf=add_dt", "sf"),
    ("terms=cpap&ef=nope:x", "ef"),
    ("terms=cpap&cf=nope", "cf"),
    ("terms=cpap&q=obsolete:maybe", "q"),
    ("terms=cpap&q=code:E0(", "q"),
    ("terms=cpap&q=cpap", "q"),
    ("terms=cpap&suggest=2", "suggest"),
    ("suggest=1", "field_val"),
])
def test_bad_parameters_are_json_400(client, query, field):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_request" and field in error["fields"]


def test_demo_page_is_served(client):
    page = client.get("/")
    assert page.status_code == 200 and b'role="combobox"' in page.data
    for asset in ("/static/demo.js", "/static/demo.css"):
        assert client.get(asset).status_code == 200


def test_cors_allows_every_origin_by_default(client):
    for path in ("/v1/search?q=cpap", f"{URL}?terms=cpap"):
        response = client.get(path, headers={"Origin": "https://ehr.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": "https://ehr.example"}).headers


def test_cors_origins_come_from_config(fixture_index):
    app = create_app({"INDEX_DIR": str(fixture_index), "TESTING": True,
                      "CORS_ORIGINS": "https://ehr.example, https://forms.example"})
    client = app.test_client()
    allowed = client.get("/v1/search?q=cpap", headers={"Origin": "https://forms.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://forms.example"
    refused = client.get("/v1/search?q=cpap", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = client.options("/v1/answer", headers={
        "Origin": "https://ehr.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://ehr.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_real_corpus_filters(real_client):
    total, codes, _, _ = real_client.get(f"{URL}?terms=wheelchair&q=is_noc:true&count=20").get_json()
    assert codes and total == len(codes)
    assert all(c.startswith(("E", "K")) for c in codes)
    _, codes, _, _ = real_client.get(f"{URL}?terms=wheelchair&q=code:K*&count=50").get_json()
    assert codes and all(c.startswith("K") for c in codes)


@pytest.mark.parametrize("query", [
    "terms=cpap*", "terms=cpap&_=1701234567890", "terms=cpap&callback=jQuery123", "terms=cpap&colour=red",
    "terms=cpap&q=status:active", "terms=Continuous+(cpap)+device",
])
def test_what_widgets_send_is_read_not_refused(client, query):
    """jQuery's cache-buster, JSONP's callback, unknown filters and pasted punctuation: ignored or read as spaces."""
    response = client.get(f"/api/hcpcs/v3/search?{query}")
    assert response.status_code == 200, response.get_json()
    assert "E0601" in response.get_json()[1]


def test_terms_are_anded_as_nlm_does(real_client):
    """Every word must match (the last as a prefix); the total counts only those codes."""
    both = real_client.get("/api/hcpcs/v3/search?terms=knee+brace&count=50").get_json()
    assert 0 < both[0] < 200 and all("knee" in d[1].lower() for d in both[3][:10])
    assert real_client.get("/api/hcpcs/v3/search?terms=knee+bra").get_json()[0] > 0


def test_a_single_letter_lists_codes(real_client):
    reply = real_client.get("/api/hcpcs/v3/search?terms=w").get_json()
    assert reply[0] > 20 and all(len(code) == 5 for code in reply[1])
