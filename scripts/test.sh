#!/usr/bin/env bash
# Set up (once) and run every test: domain, dashboard (AppTest) and real-browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=requirements-dev.txt
. scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is not installed: the browser tests will be skipped (sudo apt-get install chromium)."
  fi
fi
exec .venv/bin/python -m pytest "$@"
