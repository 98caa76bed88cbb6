"""The HTTP API on the fixture corpus: shapes, ranking basics, and every bad input as JSON 4xx."""
import pytest

from service import create_app


def test_exact_code_ranks_first(client):
    body = client.get("/v1/search?q=e0601").get_json()
    assert body["results"][0]["code"] == "E0601"
    assert body["interpretation"] == "code"


def test_prefix_lists_codes_in_code_order(client):
    body = client.get("/v1/search?q=E014").get_json()
    assert [r["code"] for r in body["results"]] == ["E0140", "E0141"]


def test_words_find_codes_with_highlight(client):
    body = client.get("/v1/search?q=leak anastomosis").get_json()
    top = body["results"][0]
    assert top["code"] == "G9306"
    assert "<mark>leak</mark>" in top["highlight"]


def test_a_hit_found_by_its_everyday_name_says_so(client):
    top = client.get("/v1/search?q=snoring machine").get_json()["results"][0]
    assert top["code"] == "E0601"
    assert top["also_called"] == ["snoring machine", "breathing machine for sleep apnea", "sleep apnea machine"]
    drug = client.get("/v1/search?q=dexamethasone").get_json()["results"][0]
    assert drug["code"] == "J1100" and drug["also_called"] == []  # the descriptor says it already
    assert client.get("/v1/search?q=e0601").get_json()["results"][0]["also_called"] == []


def test_terminated_codes_can_be_filtered(client):
    body = client.get("/v1/search?q=ct radiation dose&status=terminated").get_json()
    assert [r["code"] for r in body["results"]] == ["G9327"]
    active = client.get("/v1/search?q=ct radiation dose&status=active").get_json()
    assert "G9327" not in [r["code"] for r in active["results"]]


def test_limit_and_offset_page_through_results(client):
    first = client.get("/v1/search?q=E014&limit=1").get_json()
    second = client.get("/v1/search?q=E014&limit=1&offset=1").get_json()
    assert first["total"] == second["total"] == 2
    assert [first["results"][0]["code"], second["results"][0]["code"]] == ["E0140", "E0141"]


def test_code_page_returns_whole_record(client):
    body = client.get("/v1/codes/g9306").get_json()
    assert body["code"] == "G9306"
    assert body["status"] == "active"
    assert {"what_is", "who_uses", "when_used"} <= {f["intent"] for f in body["faq"]}


def test_unknown_code_is_json_404_with_suggestions(client):
    response = client.get("/v1/codes/E0602")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert "E0601" in response.get_json()["error"]["suggestions"]


@pytest.mark.parametrize("url", [
    "/v1/search", "/v1/search?q=", "/v1/search?q=%20%20", "/v1/search?q=" + "a" * 5000,
    '/v1/search?q="cpap"', "/v1/search?q=cp*", "/v1/search?q=code:E0601", "/v1/search?q=(cpap)",
    "/v1/search?q=cpap&limit=0", "/v1/search?q=cpap&limit=51", "/v1/search?q=cpap&limit=ten",
    "/v1/search?q=cpap&offset=-1", "/v1/search?q=cpap&status=maybe", "/v1/search?q=cpap&bogus=1",
    "/v1/search?q=a%00b", "/v1/codes/..%2Fetc", "/v1/codes/E0601;drop", "/v1/answer", "/v1/answer?q=",
    "/v1/answer?q=" + "b" * 600, "/v1/codes/" + "A" * 40,
])
def test_bad_input_is_a_json_4xx(client, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
    assert set(response.get_json()["error"]) >= {"status", "code", "message"}


def test_validation_error_lists_the_fields(client):
    error = client.get("/v1/search?q=&limit=99").get_json()["error"]
    assert set(error["fields"]) == {"q", "limit"}


def test_answer_post_and_get_agree(client):
    got = client.get("/v1/answer?q=what is E0601").get_json()
    posted = client.post("/v1/answer", json={"question": "what is E0601"}).get_json()
    assert got["intent"] == posted["intent"] == "what_is"
    assert got["code"] == posted["code"] == "E0601"
    assert "positive airway pressure" in got["answer"].lower()


@pytest.mark.parametrize("body", [None, "[]", '{"question": ""}', '{"q": "x"}', '{"question": 5}'])
def test_bad_answer_bodies_are_json_400(client, body):
    response = client.post("/v1/answer", data=body, content_type="application/json")
    assert response.status_code == 400 and response.is_json


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["record_count"] == 12


def test_readiness_is_503_json_without_index(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "not_ready"
    assert client.get("/v1/search?q=cpap").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_unknown_route_is_json_404(client):
    response = client.get("/v2/nothing")
    assert response.status_code == 404 and response.is_json


def test_query_text_is_not_logged(client, caplog):
    caplog.set_level("INFO", logger="codesearch")
    client.get("/v1/search?q=patient john smith diabetes")
    lines = [r.getMessage() for r in caplog.records if r.name == "codesearch"]
    assert any("path=/v1/search" in line and "status=200" in line for line in lines)
    assert not any("smith" in line for line in lines)


@pytest.mark.parametrize("question", ["what is E0601?", "What does E0601 mean?", "is E0601 (cpap) active?",
                                      'what is "E0601": the cpap?'])
def test_questions_keep_their_punctuation(client, question):
    got = client.get("/v1/answer", query_string={"q": question})
    posted = client.post("/v1/answer", json={"question": question})
    assert got.status_code == posted.status_code == 200
    assert got.get_json()["code"] == posted.get_json()["code"] == "E0601"
