#!/usr/bin/env bash
# Set up (once) and open the dashboard on the bundled cases.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=requirements.txt
. scripts/setup.sh
echo "Starting the dashboard: it is ready when Streamlit prints its URL (http://localhost:8501). Ctrl+C stops it."
exec .venv/bin/python -m streamlit run dashboard.py --browser.gatherUsageStats false "$@"
