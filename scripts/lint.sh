#!/usr/bin/env bash
# Lint, format check and type check of index/ and service/ (settings in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
.venv/bin/ruff check index service
.venv/bin/ruff format --check index service
.venv/bin/mypy
