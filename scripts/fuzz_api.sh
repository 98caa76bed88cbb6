#!/usr/bin/env bash
# Fuzz the HTTP API: schemathesis against a real gunicorn (fixture index, or --real for the real corpus).
#   scripts/fuzz_api.sh                 # 500 examples per operation, random seed
#   scripts/fuzz_api.sh 2000 --real     # more examples, the real corpus index (built if missing)
#   FUZZ_ARGS="--seed 42" scripts/fuzz_api.sh   # extra schemathesis options
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python - "$@" <<'PY'
import subprocess, sys, tempfile, os, shlex
from pathlib import Path
sys.path.insert(0, "tests")
from index.build import build_index, index_exists
from live_server import LiveServer
from test_contract import schemathesis_command

examples = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 500
real = "--real" in sys.argv[1:]
with tempfile.TemporaryDirectory() as tmp:
    if real:
        index_dir = Path(os.environ.get("CODESEARCH_INDEX_DIR", "var/index"))
        if not index_exists(index_dir):
            build_index(Path("corpus"), index_dir)
    else:
        index_dir = Path(tmp) / "index"
        build_index(Path("tests/data/codes.jsonl"), index_dir, progress=False)
    with LiveServer(index_dir.resolve(), workers=2) as server:
        print(f"fuzzing {server.url} ({'real' if real else 'fixture'} index), {examples} examples per operation",
              file=sys.stderr)
        command = schemathesis_command(server.url, examples, *shlex.split(os.environ.get("FUZZ_ARGS", "")))
        code = subprocess.run(command).returncode
        log = server.stderr()
    if "unhandled error" in log or "Traceback" in log:
        print(log[-8000:], file=sys.stderr)
        code = code or 1
sys.exit(code)
PY
