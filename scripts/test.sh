#!/usr/bin/env bash
# Set up (once), lint with ruff, and run every test: domain, dashboard (AppTest) and real-browser tests in Chromium.
# --fast: the fast lane only, the tests pytest's marker `fast` selects (the domain's, in-process; tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
FAST=0
if [ "${1:-}" = "--fast" ]; then
  FAST=1
  shift
fi
REQUIREMENTS=requirements-dev.txt
. scripts/setup.sh
echo "Linting with ruff (configured in pyproject.toml)..."
.venv/bin/python -m ruff check .
if [ "$FAST" = 1 ]; then
  exec .venv/bin/python -m pytest -m fast "$@"
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is not installed: the browser tests will be skipped (sudo apt-get install chromium)."
  fi
fi
exec .venv/bin/python -m pytest "$@"
