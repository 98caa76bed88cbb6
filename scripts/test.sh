#!/usr/bin/env bash
# Set up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# The browser tests (tests/test_browser.py) need Debian's Chromium and the autocomplete-lhc widget and
# skip without them: install both when missing (quiet, and a no-op once they are there).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test.sh: installing chromium for the browser tests" >&2
  { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium; } >/dev/null 2>&1 ||
    echo "test.sh: could not install chromium; the browser tests will skip" >&2
fi
# The replica test (tests/test_replicas.py) runs three servers behind Debian's HAProxy and skips without it.
if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test.sh: installing haproxy for the replica test" >&2
  { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq haproxy; } >/dev/null 2>&1 ||
    echo "test.sh: could not install haproxy; the replica test will skip" >&2
fi
if [ ! -d tests/browser/node_modules/autocomplete-lhc ] && command -v npm >/dev/null; then
  npm install --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null 2>&1 ||
    echo "test.sh: npm install --prefix tests/browser failed; the widget tests will skip" >&2
fi
exec .venv/bin/python -m pytest "$@"
