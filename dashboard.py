"""The Streamlit app: pick a case, see its timeline, lesions, markers and events."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import views
from timelines.catalog import Entry, case_paths, load_entry
from timelines.summary import case_summary
from timelines.tables import event_table

DEFAULT_CASES = Path(__file__).resolve().parent / "cases"
VIEWS = ("Events",)


def cases_folder() -> Path:
    """The cases folder: `cases_dir` in .streamlit/secrets.toml, else the bundled cases."""
    try:
        configured = st.secrets.get("cases_dir")
    except FileNotFoundError:
        configured = None
    except Exception:  # no secrets file at all
        configured = None
    return Path(configured) if configured else DEFAULT_CASES


@st.cache_data(show_spinner=False, max_entries=2000)
def load(path: str, modified_ns: int) -> Entry:
    """One case file; the modification time is part of the key, so an edited file reloads."""
    return load_entry(path)


@st.cache_data(show_spinner=False, max_entries=200)
def tables(path: str, modified_ns: int) -> dict:
    timeline = load(path, modified_ns).timeline
    return {"summary": case_summary(timeline), "events": event_table(timeline)}


def main() -> None:
    st.set_page_config(page_title="Oncology timelines", page_icon="🩺", layout="wide")
    paths = case_paths(cases_folder())
    stamps = {str(p): p.stat().st_mtime_ns for p in paths}
    entries = [load(path, stamp) for path, stamp in stamps.items()]
    requested = st.query_params.get("case")
    if requested and requested not in [e.case_id for e in entries]:
        st.warning(f"There is no case with the id “{requested}”. Choose one from the list.")
        requested = None
    entry = views.case_picker(entries, requested or st.session_state.get("case_picker"))
    if entry is None:
        return
    st.query_params["case"] = entry.case_id
    if not entry.ok:
        st.title(entry.path.name)
        views.problems_view(entry)
        return
    data = tables(str(entry.path), stamps[str(entry.path)])
    views.case_header(data["summary"])
    views.event_table_view(data["events"], entry.case_id)


main()
