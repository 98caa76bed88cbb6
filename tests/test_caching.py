"""Cacheable GETs: Cache-Control and an ETag from the index build and the URL; 304 on a matching
If-None-Match without running the search; errors and other endpoints carry no caching headers."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.artifact import install_artifact, write_artifact
from index.build import build_index, live_build
from service import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "codes.jsonl"
CACHEABLE = ["/v1/search?q=cpap", "/v1/codes/E0601", "/v1/answer?q=what+is+E0601",
             "/api/hcpcs/v3/search?terms=cpap"]


@pytest.mark.parametrize("url", CACHEABLE)
def test_second_get_with_if_none_match_is_304_with_the_same_etag(client, url):
    first = client.get(url)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('"') and len(tag) == 34
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag and again.headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("header", ['W/"{}"', '"other", "{}"', "*"])
def test_weak_listed_and_star_validators_match(client, header):
    tag = client.get("/v1/search?q=cpap").headers["ETag"].strip('"')
    assert client.get("/v1/search?q=cpap", headers={"If-None-Match": header.format(tag)}).status_code == 304


def test_a_stale_validator_gets_the_full_reply(client):
    reply = client.get("/v1/search?q=cpap", headers={"If-None-Match": '"0123456789abcdef0123456789abcdef"'})
    assert reply.status_code == 200 and reply.get_json()["results"][0]["code"] == "E0601"


def test_each_url_and_host_has_its_own_etag(client):
    tags = {client.get(url).headers["ETag"] for url in CACHEABLE + ["/v1/search?q=cpap&limit=5"]}
    assert len(tags) == len(CACHEABLE) + 1
    other_host = client.get("/v1/search?q=cpap", base_url="http://codes.example.org").headers["ETag"]
    assert other_host not in tags


def test_304_answers_before_the_search_runs(app, client):
    index = app.extensions["codesearch.index"]
    calls = []
    search = index.search
    index.search = lambda *a, **k: calls.append(a) or search(*a, **k)
    tag = client.get("/v1/search?q=wheelchair").headers["ETag"]
    assert len(calls) == 1
    assert client.get("/v1/search?q=wheelchair", headers={"If-None-Match": tag}).status_code == 304
    assert len(calls) == 1


@pytest.mark.parametrize("url, status", [("/v1/search?q=cpap*", 400), ("/v1/codes/E9999", 404),
                                         ("/v1/search?q=", 400), ("/v1/answer?limit=0&q=x", 400)])
def test_errors_carry_no_caching_headers(client, url, status):
    reply = client.get(url)
    assert reply.status_code == status
    assert "ETag" not in reply.headers and "Cache-Control" not in reply.headers


@pytest.mark.parametrize("url", ["/healthz", "/readyz", "/metrics", "/v1/faq?q=modifier", "/openapi.json"])
def test_other_endpoints_are_not_tagged(client, url):
    reply = client.get(url)
    assert reply.status_code == 200 and "ETag" not in reply.headers


def test_post_answer_is_not_tagged(client):
    reply = client.post("/v1/answer", json={"question": "what is E0601"})
    assert reply.status_code == 200 and "ETag" not in reply.headers and "Cache-Control" not in reply.headers


def test_max_age_follows_the_setting(fixture_index):
    client = create_app({"INDEX_DIR": str(fixture_index), "TESTING": True, "CACHE_MAX_AGE": 60}).test_client()
    assert client.get("/v1/codes/E0601").headers["Cache-Control"] == "public, max-age=60"


def test_a_new_build_changes_the_etag_and_the_old_one_no_longer_matches(tmp_path):
    build_index(FIXTURE, tmp_path, progress=False)
    client = create_app({"INDEX_DIR": str(tmp_path), "TESTING": True}).test_client()
    old = client.get("/v1/search?q=cpap").headers["ETag"]
    build_index(FIXTURE, tmp_path, progress=False)
    reply = client.get("/v1/search?q=cpap", headers={"If-None-Match": old})
    assert reply.status_code == 200 and reply.headers["ETag"] != old


def test_replicas_of_one_artifact_give_one_url_the_same_etag(tmp_path):
    build_index(FIXTURE, tmp_path / "built", progress=False)
    packed = tmp_path / "index.tar.gz"
    write_artifact(live_build(tmp_path / "built"), packed)
    tags = set()
    for replica in ("a", "b"):
        install_artifact(packed, tmp_path / replica)
        client = create_app({"INDEX_DIR": str(tmp_path / replica), "TESTING": True}).test_client()
        tags.add(client.get("/v1/answer?q=what+is+E0601").headers["ETag"])
    assert len(tags) == 1
