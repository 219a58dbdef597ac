#!/usr/bin/env bash
# Set up (once) and open the dashboard on the bundled cases.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m streamlit run dashboard.py --browser.gatherUsageStats false "$@"
