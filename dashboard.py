"""The Streamlit app: pick a case, see its timeline, lesions, markers and events."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from components.charts.theme import enable_theme
from components.pages import cache, header, pickers
from components.pages.access import access_gate
from components.pages.board import board_screen
from components.pages.case import case_page
from components.pages.cohort import cohort_page
from components.pages.editor import editor_page
from components.pages.study import study_screen
from timelines.deidentify import neutral_file_stem, scrub_text
from timelines.reading.catalog import case_paths, draft_paths, folder_problem
from timelines.reading.files import stamp as file_stamp
from timelines.text import escape_markdown
from timelines.warehouse.store import is_study

DEFAULT_CASES = Path(__file__).resolve().parent / "cases"


def setting(name: str, default=None):
    """A deployment setting from .streamlit/secrets.toml (cases_dir, read_only), else the default."""
    try:
        return st.secrets.get(name, default)
    except Exception:  # no secrets file at all
        return default


def cases_folder() -> Path:
    """The cases folder: `cases_dir` in .streamlit/secrets.toml, else the bundled cases."""
    configured = setting("cases_dir")
    return Path(configured) if configured else DEFAULT_CASES


def warehouse_folder() -> Path:
    """Where the Parquet tables of a study folder are kept: `warehouse_dir` in .streamlit/secrets.toml, else a
    folder in the system's temporary folder."""
    configured = setting("warehouse_dir")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "timelines-warehouse"


def main() -> None:
    st.set_page_config(page_title="Oncology timelines", page_icon="🩺", layout="wide")
    enable_theme()
    header.page_style()
    access = access_gate()  # with sign-in on (an [auth] section): nobody signed in sees the sign-in screen only
    if access is None:
        return
    folder = cases_folder()
    study = is_study(folder)  # a cBioPortal study folder: its cohort from the warehouse, its cases read-only
    requested_page = st.query_params.get("page") or ("cohort" if study else None)  # a study opens on its cohort
    page = pickers.page_picker(requested_page, read_only=study or not access.can_edit)
    st.query_params["page"] = page
    if study:
        study_screen(folder, page, warehouse_folder())
        return
    if page == "editor":
        editor_page(folder, saved_by=access.email)
        return
    stamps = {str(p): s for p in case_paths(folder) if (s := file_stamp(p)) is not None}  # a vanished file is gone
    if not stamps and (problem := folder_problem(folder)):
        st.sidebar.error(escape_markdown(problem) + ". Check the cases_dir setting.")
    entries = [cache.entry(path, stamp) for path, stamp in stamps.items()]
    colors = cache.folder_colors(stamps)  # one colour per therapy of the folder: the cohort's, on every case's views
    if page == "cohort":
        cohort_page(stamps, colors)
        return
    # A de-identified view's address names the case by its neutral id ('case-4b2d78'), never by the file's id.
    by_address = {neutral_file_stem(e.case_id): e.case_id for e in entries} | {e.case_id: e.case_id for e in entries}
    requested = st.query_params.get("case")
    if requested and requested not in by_address:
        st.warning(f"There is no case with the id “{escape_markdown(requested)}”. Choose one from the list.")
        requested = None
    # The switch comes first: with it on, the case list itself is de-identified.
    deidentified = pickers.deidentify_switch(st.query_params.get("deid"))
    entry = pickers.case_picker(entries, by_address.get(requested) or st.session_state.get("case_picker"), deidentified)
    pickers.drafts_list(draft_paths(folder), deidentified)
    if entry is None:
        return
    st.query_params["case"] = neutral_file_stem(entry.case_id) if deidentified else entry.case_id
    if not entry.ok:
        st.header(escape_markdown(scrub_text(entry.path.name) if deidentified else entry.path.name), anchor=False)
        header.problems_view(entry)
        return
    if page == "board":
        board_screen(entry, stamps[str(entry.path)], deidentified, colors)
    else:
        case_page(entry, stamps[str(entry.path)], deidentified, colors)


main()
