"""Expectations pinned on the real corpus (9,006 records)."""
import pytest


def _codes(client, q, **params):
    body = client.get("/v1/search", query_string={"q": q, **params}).get_json()
    return [r["code"] for r in body["results"]]


def test_corpus_has_every_code_and_modifier(real_client):
    assert real_client.get("/readyz").get_json()["record_count"] == 9006


def test_g9306_by_code(real_client):
    assert _codes(real_client, "g9306")[0] == "G9306"


def test_g9306_by_words(real_client):
    assert "G9306" in _codes(real_client, "leak anastomosis intervention")[:3]
    assert "G9306" in _codes(real_client, "leak anastomosis")[:3]


def test_g9306_code_page(real_client):
    record = real_client.get("/v1/codes/G9306").get_json()
    assert record["short_description"] == "Interv req for leak"
    assert "interv = intervention" in record["synonyms"]
    assert record["pfs"]["status_code"] == "M"


def test_terminated_code_is_marked_and_ranked_below_active(real_client):
    record = real_client.get("/v1/codes/G9327").get_json()
    assert record["status"] == "terminated"
    codes = _codes(real_client, "adalimumab injection")
    assert codes.index("J0139") < codes.index("J0135")


@pytest.mark.parametrize("q, expected", [
    ("cpap", "E0601"), ("keytruda", "J9271"), ("venofer", "J1756"),
])
def test_common_queries(real_client, q, expected):
    assert _codes(real_client, q)[0] == expected
