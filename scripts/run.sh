#!/usr/bin/env bash
# Set up and serve codesearch on 127.0.0.1:8000 (builds the index first when none exists).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/codesearch serve "$@"
