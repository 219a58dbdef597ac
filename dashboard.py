"""The Streamlit app: pick a case, see its timeline, lesions, markers and events."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import board, cache, views
from components.cohort_view import cohort_page
from components.editor import editor_page
from components.export_view import export_buttons
from components.texts import has_data
from components.charts.theme import enable_theme
from timelines.catalog import Entry, case_paths, draft_paths, folder_problem
from timelines.deidentify import neutral_file_stem, scrub_text
from timelines.files import Stamp, stamp as file_stamp
from timelines.presentation import View
from timelines.tables import day_zero_choices
from timelines.text import escape_markdown

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


def case_page(entry: Entry, stamp: Stamp, deidentified: bool) -> None:
    path = str(entry.path)
    data = cache.case_tables(path, stamp)
    view = _view(data, deidentified)
    frames, summary = cache.presented(path, stamp, view)
    views.case_header(summary, view.day_zero)
    available = tuple(v for v in views.VIEWS if has_data(v, data["events"], data["measurements"], data["markers"]))
    chosen, slot = views.view_picker(st.query_params.get("view"), available)
    st.query_params["view"] = chosen

    def draw(name: str, domain: tuple | None = None) -> None:
        views.show_spec(cache.case_chart(path, stamp, view, name, domain))

    axis = view.axis_options()
    if chosen == "timeline":
        views.timeline_view(frames["events"], axis, slot, draw)
    elif chosen == "lesions":
        views.lesion_view(data["recist_note"], draw)
    elif chosen == "markers":
        views.marker_view(draw)
    else:
        views.event_table_view(frames["events"], neutral_file_stem(entry.case_id) if deidentified else entry.case_id,
                               relative=view.axis == "relative")
    exports_box = st.sidebar.expander("Export: slides, handout, images, tables", key="exports_open",
                                      on_change="rerun")
    if exports_box.open:  # made when opened: the first screen of a case needs no download button
        with exports_box:
            export_buttons(path, stamp, view)


def board_page(entry: Entry, stamp: Stamp, deidentified: bool) -> None:
    """Tumor-board mode: the case as a presentation, stepped with buttons or the arrow keys."""
    path = str(entry.path)
    data = cache.case_tables(path, stamp)
    view = _view(data, deidentified)
    if "board_step" not in st.session_state:
        st.session_state["board_step"] = board.current_step(st.query_params.get("step"))
    frames, summary = cache.presented(path, stamp, view)
    step = board.board_page({**data, **frames, "summary": summary, "day_zero": view.day_zero}, entry.case_id,
                            st.session_state["board_step"], view.axis_options())
    if step != st.session_state["board_step"]:
        st.session_state["board_step"] = step
        st.rerun()
    st.query_params["step"] = step


def _view(data: dict, deidentified: bool) -> View:
    """The display choice of the sidebar's time-axis controls."""
    options = views.display_options(data["events"], data["on_calendar"] and not deidentified,
                                    day_zero_choices(data["events"]), deidentified)
    return View(deidentified=deidentified, **options)


def main() -> None:
    st.set_page_config(page_title="Oncology timelines", page_icon="🩺", layout="wide")
    enable_theme()
    views.page_style()
    folder = cases_folder()
    page = views.page_picker(st.query_params.get("page"), read_only=bool(setting("read_only", False)))
    st.query_params["page"] = page
    if page == "editor":
        editor_page(folder)
        return
    stamps = {str(p): s for p in case_paths(folder) if (s := file_stamp(p)) is not None}  # a vanished file is gone
    if not stamps and (problem := folder_problem(folder)):
        st.sidebar.error(escape_markdown(problem) + ". Check the cases_dir setting.")
    entries = [cache.entry(path, stamp) for path, stamp in stamps.items()]
    if page == "cohort":
        cohort_page(stamps)
        return
    requested = st.query_params.get("case")
    if requested and requested not in [e.case_id for e in entries]:
        st.warning(f"There is no case with the id “{escape_markdown(requested)}”. Choose one from the list.")
        requested = None
    # The switch comes first: with it on, the case list itself is de-identified.
    deidentified = views.deidentify_switch(st.query_params.get("deid"))
    entry = views.case_picker(entries, requested or st.session_state.get("case_picker"), deidentified)
    views.drafts_list(draft_paths(folder), deidentified)
    if entry is None:
        return
    st.query_params["case"] = entry.case_id
    if not entry.ok:
        st.header(escape_markdown(scrub_text(entry.path.name) if deidentified else entry.path.name), anchor=False)
        views.problems_view(entry)
        return
    if page == "board":
        board_page(entry, stamps[str(entry.path)], deidentified)
    else:
        case_page(entry, stamps[str(entry.path)], deidentified)


main()
