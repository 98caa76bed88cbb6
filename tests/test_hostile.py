"""Hostile input: every endpoint refuses with a JSON 4xx what it cannot use, and never answers 5xx."""
from __future__ import annotations

import json
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.query import QueryError, parse
from service.schemas import SYNTAX_CHARACTERS

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _is_json_error(response, status=None) -> bool:
    """A 4xx (or the given status) in the one error shape."""
    if not response.is_json:
        return False
    error = response.get_json().get("error", {})
    wanted = status is None and 400 <= response.status_code < 500 or response.status_code == status
    return wanted and error.get("status") == response.status_code and {"code", "message"} <= set(error)


UNUSABLE_TEXT = ["", " ", "\t\t", "a" * 513, "ab\x00cd", "line\nbreak", "bell\x07", "esc\x1b[31m", "del\x7f"]
QUERY_SYNTAX = [
    "code:E0601", "desc:cpap", "cpap~2", "cpap^3", '"positive airway"', "[a TO z]", "{a TO z}",
    "c?ap", "cp*", "(cpap OR bipap)", "a\\b", "*", "?", "~", ":",
] + [f"cpap {ch}" for ch in sorted(SYNTAX_CHARACTERS)]
BAD_QUERIES = UNUSABLE_TEXT + QUERY_SYNTAX


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_unusable_search_queries_are_json_400(client, q):
    response = client.get("/v1/search", query_string={"q": q})
    assert _is_json_error(response, 400), response.get_data(as_text=True)
    assert "q" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("q", UNUSABLE_TEXT)
def test_unusable_questions_are_json_400(client, q):
    response = client.get("/v1/answer", query_string={"q": q})
    assert _is_json_error(response, 400), response.get_data(as_text=True)
    assert "q" in response.get_json()["error"]["fields"]
    assert _is_json_error(client.post("/v1/answer", json={"question": q}), 400)


@pytest.mark.parametrize("q", QUERY_SYNTAX)
def test_questions_may_hold_query_syntax(client, q):
    # A question's punctuation never reaches a query parser: it is answered, never a 5xx.
    for response in (client.get("/v1/answer", query_string={"q": q}),
                     client.post("/v1/answer", json={"question": q})):
        assert response.status_code == 200 and response.is_json, response.get_data(as_text=True)


@pytest.mark.parametrize("params", [
    {"limit": "99999999999999999999999999"}, {"limit": "-1"}, {"limit": "1e3"}, {"limit": "0x10"},
    {"limit": "NaN"}, {"limit": "inf"}, {"limit": ""}, {"limit": "2.5"}, {"offset": "1001"},
    {"offset": "-0.5"}, {"offset": str(10 ** 100)}, {"status": "ACTIVE "}, {"status": ""},
    {"debug": "1"}, {"Q": "cpap"}, {"q[]": "cpap"}, {"callback": "alert"},
])
def test_absurd_or_unknown_parameters_are_json_400(client, params):
    response = client.get("/v1/search", query_string={"q": "cpap", **params})
    assert _is_json_error(response, 400), response.get_data(as_text=True)


@pytest.mark.parametrize("params", [{"limit": "21"}, {"offset": "0"}, {"status": "active"}, {"x": "1"}])
def test_answer_refuses_parameters_it_does_not_take(client, params):
    assert _is_json_error(client.get("/v1/answer", query_string={"q": "what is E0601", **params}), 400)


@pytest.mark.parametrize("path", [
    "/v1/codes/..", "/v1/codes/../../etc/passwd", "/v1/codes/..%2F..%2Fetc%2Fpasswd", "/v1/codes/%2e%2e",
    "/v1/codes/E0601%00", "/v1/codes/%00", "/v1/codes/E0601%2F", "/v1/codes/E06%2501", "/v1/codes/%C3%890601",
    "/v1/codes/%EF%BC%A5%EF%BC%90%EF%BC%96%EF%BC%90%EF%BC%91", "/v1/codes/E0601;drop", "/v1/codes/E0601.json",
    "/v1/codes/%20", "/v1/codes/" + "E" * 10000, "/v1/codes/*", "/v1/codes/E0601%0D%0ASet-Cookie:x",
])
def test_code_path_tricks_are_json_4xx(client, path):
    response = client.get(path)
    assert _is_json_error(response), (path, response.status_code, response.get_data(as_text=True)[:200])


def test_code_path_unknown_code_is_404_not_a_file(client):
    assert _is_json_error(client.get("/v1/codes/Z9999"), 404)


def test_oversized_answer_body_is_json_413(client):
    body = json.dumps({"question": "what is E0601", "padding": "x" * 17000})
    response = client.post("/v1/answer", data=body, content_type="application/json")
    assert _is_json_error(response, 413)


@pytest.mark.parametrize("content_type, body", [
    ("text/plain", "what is E0601"),
    ("application/x-www-form-urlencoded", "question=what+is+E0601"),
    ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=question\r\n\r\nE0601\r\n--x--"),
    ("application/xml", "<question>E0601</question>"),
    ("", '{"question": "what is E0601"}'),
])
def test_answer_body_of_another_type_is_json_415(client, content_type, body):
    response = client.post("/v1/answer", data=body, headers={"Content-Type": content_type} if content_type else {})
    assert _is_json_error(response, 415), response.get_data(as_text=True)


@pytest.mark.parametrize("body", [
    b'{"question": "what is E0601"', b"\xff\xfe{}", b'"what is E0601"', b"null", b"12", b'{"question": null}',
    b'{"question": ["E0601"]}', b'{"question": {"$gt": ""}}', b'{"question": "E0601", "limit": "lots"}',
    b'{"question": "E0601", "limit": true}', b'{"question": "E0601", "limit": 1e400}', b'{"question": "E0601", "x": 1}',
    b'{"question": "' + b"[" * 3000 + b'"}', b"[" * 5000 + b"]" * 5000,
])
def test_malformed_answer_bodies_are_json_400(client, body):
    response = client.post("/v1/answer", data=body, content_type="application/json")
    assert _is_json_error(response, 400), response.get_data(as_text=True)


@pytest.mark.parametrize("method, path", [
    ("PUT", "/v1/search"), ("DELETE", "/v1/codes/E0601"), ("PATCH", "/v1/answer"), ("POST", "/v1/search"),
    ("POST", "/healthz"), ("DELETE", "/readyz"), ("POST", "/openapi.json"),
])
def test_wrong_method_is_json_405_with_allow(client, method, path):
    response = client.open(path, method=method)
    assert _is_json_error(response, 405) and "GET" in response.headers["Allow"]


# -- property-based: whatever the text, the answer is JSON and never a server error --------------------

TEXT = st.one_of(
    st.text(max_size=600),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.text(alphabet=st.sampled_from(sorted(SYNTAX_CHARACTERS) + list("aeE0601 -'’.,;/&%+#")), max_size=40),
    st.from_regex(r"[a-vA-V] ?-?\d{1,4}[ a-z]{0,10}", fullmatch=True),
)


def _never_a_server_error(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
    if response.status_code >= 400:
        assert _is_json_error(response)


@EXAMPLES
@given(q=TEXT)
def test_any_search_text_is_json_and_never_5xx(client, q):
    _never_a_server_error(client.get("/v1/search", query_string={"q": q}))


@EXAMPLES
@given(q=TEXT)
def test_any_question_is_json_and_never_5xx(client, q):
    _never_a_server_error(client.get("/v1/answer", query_string={"q": q}))
    _never_a_server_error(client.post("/v1/answer", json={"question": q}))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@EXAMPLES
@given(body=st.one_of(JSON_VALUES, st.fixed_dictionaries({"question": TEXT}, optional={"limit": JSON_VALUES})))
def test_any_json_body_is_json_and_never_5xx(client, body):
    _never_a_server_error(client.post("/v1/answer", json=body))


@EXAMPLES
@given(code=st.text(max_size=30))
def test_any_code_path_is_json_and_never_5xx(client, code):
    for path in ("/v1/codes/" + urllib.parse.quote(code, safe=""), "/v1/codes/" + code):
        response = client.get(path)
        if response.status_code == 308:  # Werkzeug merges "//" (even %2F%2F) with a redirect
            assert response.headers["Location"].startswith("/v1/codes/") or "/v1/codes/" in response.location
            continue
        _never_a_server_error(response)


@settings(max_examples=500, deadline=None)
@given(raw=TEXT)
def test_parse_returns_or_raises_query_error(raw):
    try:
        parsed = parse(raw, frozenset({"RT", "LT", "KX"}), 512)
    except QueryError as err:
        assert str(err)
    else:
        assert parsed.text and parsed.kind in {"code", "prefix", "modifier", "text"}
