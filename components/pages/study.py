"""The pages of a cBioPortal study folder: its cohort from the Parquet warehouse (filters, swimmer, summary table
page by page) and one patient's case, read-only."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import streamlit as st

from timelines.reading.files import stamp as file_stamp
from timelines.text import escape_markdown
from timelines.warehouse.store import SWIMMER_PATIENTS, Filter, Warehouse, is_built, study_version, study_warehouse

from . import cache
from .board import board_screen
from .case import case_page
from .cohort import PAGE_STYLE, URL_WIDGETS
from .header import problems_view
from .pickers import deidentify_switch

PAGE_ROWS = 50  # rows of the summary table sent to the browser at once
SORT_LABELS = {"follow_up": "By follow-up", "patient_id": "By patient id"}
TABLE_COLUMNS = {
    "patient_id": "Patient", "age": "Age", "sex": "Sex", "histology": "Diagnosis", "stage": "Stage",
    "lines": "Lines", "first_line": "First line", "drugs": "Agents", "best_response": "Best response",
    "pfs_first_line": "PFS, first line", "os": "OS", "follow_up_months": "Follow-up (months)", "status": "Status",
}
PROBLEMS_SHOWN = 50


def study_screen(folder: Path, page: str, cache_root: Path) -> None:
    """A study folder on the dashboard: the cohort page, or (``?page=case&case=<patient id>``) one patient's case.

    The warehouse is imported on first open into `cache_root`, with a progress bar, and reused until a file of
    the study changes."""
    store = open_store(folder, cache_root)
    if store is None:
        return
    requested = st.query_params.get("case")
    if page in ("case", "board") and requested:
        patient_screen(store, requested, page)
    else:
        study_cohort(store)


def open_store(folder: Path, cache_root: Path) -> Warehouse | None:
    """The study's warehouse, imported first if this version of the study has none yet."""
    target = Path(cache_root) / f"{folder.name}-{study_version(folder)}"
    if not is_built(target):
        bar = st.progress(0.0, text="Importing the study…")

        def progress(done: int, total: int | None) -> None:
            if total:
                bar.progress(min(1.0, done / total), text=f"Importing the study: {done:,} of {total:,} patients")

        try:
            target = study_warehouse(folder, cache_root, progress)
        except ImportError as error:
            bar.empty()
            st.error(f"This dashboard cannot read cBioPortal studies ({escape_markdown(str(error))}).")
            return None
        bar.empty()
    try:
        return cache.study_store(str(target))
    except FileNotFoundError as error:
        st.error(escape_markdown(str(error)))
        _problems(Path(target))
        return None


def study_cohort(store: Warehouse) -> None:
    """Filters, the swimmer of the first selected patients and the summary table page by page; selecting a row
    opens that patient's case."""
    st.html(PAGE_STYLE)
    choices = cache.study_choices(str(store.folder))
    title = st.empty()
    # The filters in the sidebar, one a row at its full width: six in a row beside the swimmer cut the Line and
    # Order boxes ('By follo…') on a 1280-px screen, and pushed the swimmer down.
    with st.sidebar:
        st.subheader("Filters", anchor=False)
        chosen, sort = _controls(choices)
    count = store.count(chosen)
    name = store.meta.get("study", {}).get("name") or store.folder.name
    title.subheader(f"{escape_markdown(name)} · {count:,} of {choices.patients:,} patients", anchor=False)
    if not count:
        st.info("No patient matches the filters. Clear a filter to see more patients.")
    else:
        _swimmer(store, chosen, sort, count)
        _table(store, chosen, sort, count)
    _problems(store.folder)


def _controls(choices) -> tuple[Filter, str]:
    low, high = choices.months
    low, high = math.floor(low), math.ceil(high)
    diagnoses = st.multiselect("Diagnosis", choices.diagnoses, key="study_diagnoses", placeholder="All diagnoses")
    agents = st.multiselect("Agent", choices.agents, key="study_agents", placeholder="All agents")
    lines = st.multiselect(
        "Line", choices.lines, key="study_lines", placeholder="All lines" if choices.lines else "Not given",
        disabled=not choices.lines,  # a line is never counted from the order of therapies: it is the study's
        help=None if choices.lines else "The study gives no line of therapy (a LINE column of its treatments)")
    responses = st.multiselect("Best response", choices.responses, key="study_responses", placeholder="All responses")
    window = st.slider("Therapy started (months since diagnosis)", low, max(high, low + 1),
                       (low, max(high, low + 1)), key="study_window")
    sort = st.selectbox("Order", list(SORT_LABELS), format_func=SORT_LABELS.get, key="study_sort")
    chosen = Filter(diagnoses=tuple(diagnoses), agents=tuple(agents), lines=tuple(lines), responses=tuple(responses),
                    window=None if tuple(window) == (low, max(high, low + 1)) else (float(window[0]), float(window[1])))
    return chosen, sort


def _swimmer(store: Warehouse, chosen: Filter, sort: str, count: int) -> None:
    spec = cache.study_swimmer(str(store.folder), dataclasses.astuple(chosen), sort)
    if count > SWIMMER_PATIENTS:
        st.caption(f"The swimmer plot shows the first {SWIMMER_PATIENTS:,} of the {count:,} selected patients "
                   f"({SORT_LABELS[sort].lower()}); every patient is in the table below. Narrow the selection "
                   f"with the filters to see others.")
    if spec is not None:
        st.vega_lite_chart(spec, theme=None, width="stretch", key="study_swimmer")
        st.caption("Therapies, progressions and deaths; each patient's best response is in the table below.")


def _table(store: Warehouse, chosen: Filter, sort: str, count: int) -> None:
    pages = max(1, math.ceil(count / PAGE_ROWS))
    if st.session_state.get("study_table_page", 1) > pages:  # a narrower filter: its last page, not an error
        st.session_state["study_table_page"] = pages
    left, right = st.columns([1, 4], vertical_alignment="bottom")
    page = left.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1,
                             key="study_table_page") if pages > 1 else 1
    first = (page - 1) * PAGE_ROWS
    right.caption(f"Patients {first + 1:,}–{min(first + PAGE_ROWS, count):,} of {count:,}. "
                  "Select a row to open the patient's case.")
    shown = store.summary_page(chosen, sort, page - 1, PAGE_ROWS)[list(TABLE_COLUMNS)]
    event = st.dataframe(shown.rename(columns=TABLE_COLUMNS), key="study_table", on_select="rerun",
                         selection_mode="single-row", hide_index=True, width="stretch")
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(shown):
        open_patient(shown.iloc[rows[0]]["patient_id"])


def open_patient(patient_id: str) -> None:
    """Go to the case page of one patient (``?page=case&case=<patient id>``)."""
    st.query_params["case"] = patient_id
    st.query_params["page"] = "case"
    for key in (*URL_WIDGETS, "study_table"):
        st.session_state.pop(key, None)
    st.rerun()


def back_to_cohort() -> None:
    st.session_state["page"] = "cohort"
    st.query_params.pop("case", None)


def _problems(folder: Path) -> None:
    problems = (folder / "problems.txt").read_text(encoding="utf-8").splitlines() \
        if (folder / "problems.txt").exists() else []
    if problems:
        with st.expander(f"Not imported: {len(problems):,} problem{'s' * (len(problems) != 1)} in the study's files"):
            st.code("\n".join(problems[:PROBLEMS_SHOWN]), language=None, wrap_lines=True)
            if len(problems) > PROBLEMS_SHOWN:
                st.caption(f"The first {PROBLEMS_SHOWN} of {len(problems):,}; every one is in problems.txt of "
                           "the study's warehouse folder (the warehouse_dir setting).")


def patient_screen(store: Warehouse, patient_id: str, page: str) -> None:
    """One patient of the study on the case (or tumor-board) page, read-only: the case as imported."""
    st.sidebar.button("Back to the cohort", on_click=back_to_cohort, key="study_back")
    path = store.case_file(patient_id)
    if path is None:
        st.warning(f"The study has no patient “{escape_markdown(patient_id)}”. Choose one in the cohort.")
        return
    stamp = file_stamp(path)
    deidentified = deidentify_switch(st.query_params.get("deid"))
    st.sidebar.caption(f"Patient {escape_markdown(patient_id)} of the study (read-only).")
    entry = cache.entry(str(path), stamp)
    colors = cache.study_colors(str(store.folder))  # each therapy as the study's swimmer colours it
    if not entry.ok:
        problems_view(entry)
    elif page == "board":
        board_screen(entry, stamp, deidentified, colors)
    else:
        case_page(entry, stamp, deidentified, colors)
