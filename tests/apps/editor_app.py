"""The editor page on its own, for AppTest and browser tests: `cases_dir` (and who saves, `saved_by`) come from
st.secrets.

`?page=other` renders a different page, so tests can switch away from the editor and back.
"""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from components.pages.editor import editor_page  # noqa: E402

st.set_page_config(page_title="Case editor", layout="wide")
if st.query_params.get("page", "editor") == "editor":
    editor_page(Path(st.secrets["cases_dir"]), saved_by=st.secrets.get("saved_by"))
else:
    st.write("Another page")
