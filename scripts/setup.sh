# Sourced by dashboard.sh and test.sh: create .venv/ once and install REQUIREMENTS into it, saying what it does.
if [ ! -x .venv/bin/python ]; then
  echo "Setting up: a Python environment in .venv/ (once; the first install takes a few minutes)..."
  python3 -m venv .venv
fi
echo "Checking the Python packages of $REQUIREMENTS..."
# pip's own lines, less the ones that say nothing is to be done; pip's failure still stops the script (pipefail).
.venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -r "$REQUIREMENTS" \
  | awk '/^(Collecting|Installing collected|Successfully installed)/ {print "  " $0; fflush()}'
