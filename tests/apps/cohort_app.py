"""The cohort page on its own, for AppTest and browser tests: cases from st.secrets["cases_dir"], else the bundled.

As in the dashboard, a sidebar picker keyed "page" keeps the page (and follows ?page= when it starts); the case page
(`?page=case&case=<id>`, where a click on a patient leads) is a stand-in that names the case.
"""

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from components.charts.theme import enable_theme  # noqa: E402
from components.pages.cohort import cohort_page  # noqa: E402
from timelines.reading.catalog import case_paths  # noqa: E402
from timelines.reading.files import stamp  # noqa: E402

PAGES = {"cohort": "Cohort", "case": "Case"}


def cases_dir() -> Path:
    try:
        configured = st.secrets.get("cases_dir")
    except Exception:  # no secrets file at all
        configured = None
    return Path(configured) if configured else ROOT / "cases"


def back_to_cohort() -> None:
    st.session_state["page"] = "cohort"


st.set_page_config(page_title="Cohort", layout="wide")
enable_theme()
if "page" not in st.session_state:
    st.session_state["page"] = st.query_params.get("page") if st.query_params.get("page") in PAGES else "cohort"
page = st.sidebar.segmented_control("Page", list(PAGES), format_func=PAGES.get, key="page", required=True)
st.query_params["page"] = page
if page == "case":
    st.header(f"Case page: {st.query_params.get('case', '')}", anchor=False)
    st.button("Back to the cohort", on_click=back_to_cohort)
else:
    cohort_page({str(p): s for p in case_paths(cases_dir()) if (s := stamp(p)) is not None})
