"""Contract: schemathesis against the real server (gunicorn, fixture index) using /openapi.json.

Every check of schemathesis (no 5xx, documented status codes, content types and bodies, valid input
accepted, invalid input refused, 405 with Allow) over a bounded number of generated requests per
operation. scripts/fuzz_api.sh runs the same with far more examples.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from index.build import build_index
from live_server import ROOT, LiveServer, fetch

pytest.importorskip("schemathesis")

CONFIG = ROOT / "tests" / "schemathesis.toml"


def schemathesis_command(url: str, max_examples: int, *extra: str) -> list[str]:
    """The schemathesis CLI run against a server's own OpenAPI document."""
    return [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color", "run",
            f"{url}/openapi.json", "--max-examples", str(max_examples), "--request-timeout", "10", *extra]


def test_openapi_document_describes_every_route(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    rules = {r.rule for r in client.application.url_map.iter_rules() if not r.rule.startswith("/static")}
    described = {p.replace("{code}", "<path:code>") for p in spec["paths"]}
    assert rules <= described, rules - described
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            errors = {s for s in operation["responses"] if s.startswith(("4", "5"))}
            for status in errors:
                content = operation["responses"][status]["content"]
                if path.startswith("/codes/"):  # the code page is for people: its errors are HTML pages
                    assert set(content) == {"text/html"}, (path, method, status)
                    continue
                schema = content["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, method, status)
    assert {"400", "503"} <= set(spec["paths"]["/v1/search"]["get"]["responses"])
    assert "413" in spec["paths"]["/v1/answer"]["post"]["responses"]


def test_schemathesis_finds_no_server_error_and_no_spec_violation(tmp_path):
    index_dir = tmp_path / "index"
    build_index(ROOT / "tests" / "data" / "codes.jsonl", index_dir, progress=False)
    with LiveServer(index_dir, workers=2) as server:
        assert fetch(server.url + "/openapi.json")[0] == 200
        run = subprocess.run(schemathesis_command(server.url, 25, "--generation-deterministic"), cwd=tmp_path,
                             capture_output=True, text=True, timeout=110)
        log = server.stderr()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "unhandled error" not in log and "Traceback" not in log, log[-4000:]
