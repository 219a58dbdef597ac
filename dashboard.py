"""The Streamlit app: pick a case, see its timeline, lesions, markers and events."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import board, charts, views
from components.cohort_view import cohort_page
from components.editor import editor_page
from components.export_view import export_buttons
from components.texts import has_data
from components.theme import enable_theme
from timelines.catalog import Entry, case_paths, draft_paths, folder_problem, load_entry
from timelines.clinical import recist, recist_note
from timelines.deidentify import deidentify_tables, neutral_file_stem, scrub_text
from timelines.files import Stamp, stamp as file_stamp
from timelines.summary import case_summary
from timelines.tables import (day_zero_choices, dose_change_table, event_table, marker_table, measurement_table,
                              rebase_days)

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


@st.cache_resource(show_spinner=False, max_entries=20_000)
def load(path: str, stamp: Stamp) -> Entry:
    """One case file; its stamp (modification and change times, size, inode) is part of the key, so a file that
    was edited, replaced or given other permissions reloads. A file that leaves the cases folder is refused.

    Every rerun asks for every case (the picker lists them), so the cache hands out the loaded entry itself,
    read-only (a frozen Entry), not a copy: a rerun of a 1,000-file folder costs ~80 ms, not ~1.5 s."""
    return load_entry(path, Path(path).parent)


@st.cache_data(show_spinner=False, max_entries=200)
def tables(path: str, stamp: Stamp) -> dict:
    """Everything the case page shows, computed once per version of the file."""
    timeline = load(path, stamp).timeline
    return {"summary": case_summary(timeline), "events": event_table(timeline),
            "measurements": measurement_table(timeline), "markers": marker_table(timeline),
            "dose_changes": dose_change_table(timeline),
            "assessments": charts.assessment_frame(recist(timeline)), "recist_note": recist_note(timeline),
            "on_calendar": timeline.on_calendar}


@st.cache_data(show_spinner=False, max_entries=100)
def chart_spec(path: str, stamp: Stamp, choice: tuple, _build) -> dict:
    """One chart of the case page as Streamlit sends it (spec, rows as Arrow), built once per version of the
    file and display choice (view, axis, day 0, focus, de-identification): `_build` makes it, unhashed.
    Building a long case's timeline takes far longer than a case switch may, so a switch back redraws this."""
    return views.chart_spec(_build())


def case_page(entry: Entry, stamp: Stamp, deidentified: bool) -> None:
    data = tables(str(entry.path), stamp)
    options = views.display_options(data["events"], data["on_calendar"] and not deidentified,
                                    day_zero_choices(data["events"]), deidentified)
    frames, axis, summary = _framed(data, options, deidentified)
    views.case_header(summary, options["day_zero"])
    available = tuple(v for v in views.VIEWS if has_data(v, data["events"], data["measurements"], data["markers"]))
    view, slot = views.view_picker(st.query_params.get("view"), available)
    st.query_params["view"] = view
    choice = (deidentified, options["day_zero"], *sorted(axis.items()))

    def draw(build, *key) -> None:
        views.show_spec(chart_spec(str(entry.path), stamp, choice + key, build))

    if view == "timeline":
        views.timeline_view(frames["events"], axis, slot, draw, frames["dose_changes"])
    elif view == "lesions":
        views.lesion_view(frames["measurements"], data["assessments"], frames["events"], axis, data["recist_note"],
                          draw)
    elif view == "markers":
        views.marker_view(frames["markers"], frames["events"], axis, draw)
    else:
        views.event_table_view(frames["events"], neutral_file_stem(entry.case_id) if deidentified else entry.case_id,
                               relative=axis["axis"] == "relative")
    exports_box = st.sidebar.expander("Export: slides, handout, images, tables", key="exports_open",
                                      on_change="rerun")
    if exports_box.open:  # made when opened: the first screen of a case needs no download button
        with exports_box:
            export_buttons(load(str(entry.path), stamp).timeline, deidentify=deidentified, axis=axis["axis"],
                           day_zero=(options["day_zero"], options["day_zero_label"]), key=f"{entry.path}:{stamp}")


def board_page(entry: Entry, stamp: Stamp, deidentified: bool) -> None:
    """Tumor-board mode: the case as a presentation, stepped with buttons or the arrow keys."""
    data = tables(str(entry.path), stamp)
    options = views.display_options(data["events"], data["on_calendar"] and not deidentified,
                                    day_zero_choices(data["events"]), deidentified)
    if "board_step" not in st.session_state:
        st.session_state["board_step"] = board.current_step(st.query_params.get("step"))
    frames, axis, summary = _framed(data, options, deidentified)
    step = board.board_page({**data, **frames, "summary": summary, "day_zero": options["day_zero"]}, entry.case_id,
                            st.session_state["board_step"], axis)
    if step != st.session_state["board_step"]:
        st.session_state["board_step"] = step
        st.rerun()
    st.query_params["step"] = step


def _framed(data: dict, options: dict, deidentified: bool) -> tuple[dict, dict, dict]:
    """The tables on the chosen time axis (re-anchored on the chosen day 0), the chart axis options, and the
    summary; de-identified (no calendar date, no source, no quotes, neutral ids) when asked."""
    frames = {name: data[name] for name in ("events", "measurements", "markers", "dose_changes")}
    if options["axis"] == "relative" and options["day_zero"]:
        frames = {name: rebase_days(frame, options["day_zero"], options["day_zero_label"])
                  for name, frame in frames.items()}
    axis = {"axis": options["axis"], "unit": options["unit"], "day_zero_label": options["day_zero_label"]}
    summary = data["summary"]
    if deidentified:
        clean = deidentify_tables(frames["events"], frames["measurements"], frames["markers"], summary,
                                  keep_columns=True, dose_changes=frames["dose_changes"])
        frames = {name: clean[name] for name in frames}
        summary = clean["summary"]
    return frames, axis, summary


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
        st.sidebar.error(views.escape(problem) + ". Check the cases_dir setting.")
    entries = [load(path, stamp) for path, stamp in stamps.items()]
    if page == "cohort":
        cohort_page(entries)
        return
    requested = st.query_params.get("case")
    if requested and requested not in [e.case_id for e in entries]:
        st.warning(f"There is no case with the id “{views.escape(requested)}”. Choose one from the list.")
        requested = None
    # The switch comes first: with it on, the case list itself is de-identified.
    deidentified = views.deidentify_switch(st.query_params.get("deid"))
    entry = views.case_picker(entries, requested or st.session_state.get("case_picker"), deidentified)
    views.drafts_list(draft_paths(folder), deidentified)
    if entry is None:
        return
    st.query_params["case"] = entry.case_id
    if not entry.ok:
        st.header(views.escape(scrub_text(entry.path.name) if deidentified else entry.path.name), anchor=False)
        views.problems_view(entry)
        return
    if page == "board":
        board_page(entry, stamps[str(entry.path)], deidentified)
    else:
        case_page(entry, stamps[str(entry.path)], deidentified)


main()
