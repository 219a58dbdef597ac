"""The app's one cache layer: one cached function per stage, each keyed by what its result depends on.

    case file --entry--> Entry --case_tables--> tables --presented--> tables on a View --case_chart--> chart specs
                                                                                     \\--export_case--> export_file
    case files --cohort_case_frames--> each case's cohort rows --cohort_frames--> cohort tables --cohort_chart--> spec
    case files --case_therapies--> each case's therapy names --folder_colors--> one colour per therapy of the folder
    study warehouse folder --study_store--> Warehouse (DuckDB) --study_choices, study_swimmer--> filters, swimmer spec

A case file is named by its path and its stamp (modification and change times, size, inode), so an edited,
replaced or re-permissioned file is read again; a display choice by a frozen `View` (what the tables show) and a
frozen `charts.Display` (what a chart is drawn for: a chart is keyed by the choices it depends on). A cohort is named by its
version, a digest of every (path, stamp) pair. Pages call these; nothing else in the app caches.

Arguments whose names start with an underscore are not hashed (Streamlit's rule): each one here is fully
determined by the hashed arguments before it (`_stamps` by the digest `version`), so the key still names the result.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from components import charts, exports
from components.charts import cohort as cohort_charts
from timelines.cohort import (
    ALIGNMENTS,
    cohort_table,
    sort_waterfall,
    spider_table,
    swimmer_table,
    therapy_agents,
    waterfall_table,
)
from timelines.endpoints.clinical import recist, recist_note
from timelines.presentation import View, present
from timelines.reading.catalog import Entry, load_entry
from timelines.reading.files import Stamp
from timelines.summary import case_summary
from timelines.tables import dose_change_table, event_table, marker_table, measurement_table
from timelines.warehouse.store import Choices, Filter, Warehouse

from .chart_views import page_display

Stamps = tuple[tuple[str, Stamp], ...]
SCREEN = charts.Display(legends="stacked", fit_width=True)  # a cohort chart on a page: as wide as the page
COHORT_FRAMES = ("cohort", "swimmer:diagnosis", "swimmer:targeted", "spider:diagnosis", "spider:targeted", "waterfall")


@st.cache_resource(show_spinner=False, max_entries=20_000)
def entry(path: str, stamp: Stamp) -> Entry:
    """One case file, loaded (or its problems). A file that leaves its folder is refused.

    Every rerun asks for every case (the picker lists them), so the cache hands out the loaded entry itself,
    read-only (a frozen Entry), not a copy: a rerun of a 1,000-file folder costs ~80 ms, not ~1.5 s."""
    return load_entry(path, Path(path).parent)


@st.cache_data(show_spinner=False, max_entries=200)
def case_tables(path: str, stamp: Stamp) -> dict:
    """Everything the case page draws from, computed once per version of the file."""
    timeline = entry(path, stamp).timeline
    return {"summary": case_summary(timeline), "events": event_table(timeline),
            "measurements": measurement_table(timeline), "markers": marker_table(timeline),
            "dose_changes": dose_change_table(timeline),
            "assessments": charts.assessment_frame(recist(timeline)), "recist_note": recist_note(timeline),
            "on_calendar": timeline.on_calendar}


@st.cache_data(show_spinner=False, max_entries=200)
def presented(path: str, stamp: Stamp, view: View) -> tuple[dict[str, pd.DataFrame], dict]:
    """The case's tables and summary as `view` shows them (re-anchored, de-identified)."""
    data = case_tables(path, stamp)
    return present(data, data["summary"], view)


@st.cache_data(show_spinner=False, max_entries=100)
def case_chart(path: str, stamp: Stamp, view: View, name: str, display: charts.Display | None = None) -> list[dict]:
    """One chart of the case ("timeline", "lesions", "markers") as Streamlit draws it, one spec per panel when it
    is drawn split: built once per version of the file, view (the tables it draws) and display choice (what it is
    drawn for: the page's, by default, or a board's screen). Building a long case's timeline takes far longer than
    a case switch may, so a switch back redraws this."""
    frames, _ = presented(path, stamp, view)
    frames = {**frames, "assessments": case_tables(path, stamp)["assessments"]}
    specs = charts.case_chart_specs(name, frames, display or page_display(view))
    return [as_sent(spec) for spec in specs]


def as_sent(spec: dict) -> dict:
    """A spec with its rows as frames, as Streamlit sends them (Arrow): converted once, here, not on every rerun
    (a frame converts at once, a list of records row by row)."""
    if "datasets" not in spec:
        return spec
    return {**spec, "datasets": {name: pd.DataFrame.from_records(rows) for name, rows in spec["datasets"].items()}}


@st.cache_data(show_spinner=False, max_entries=16)
def export_case(path: str, stamp: Stamp, view: View, colors: charts.theme.SharedColors = ()) -> exports.CaseExport:
    """The case as every export draws it, for this display choice, each therapy in its colour among the cases it is
    shown with (``folder_colors``)."""
    return exports.prepare_case(entry(path, stamp).timeline, view=view, colors=colors)


@st.cache_data(show_spinner=False, max_entries=16)
def export_slides(path: str, stamp: Stamp, view: View, colors: charts.theme.SharedColors = ()) -> list[exports.Slide]:
    """The pages of the deck and the handout (the slow part: about a second per chart), made once for both."""
    return exports.case_slides(export_case(path, stamp, view, colors))


@st.cache_data(show_spinner=False, max_entries=64)
def export_file(path: str, stamp: Stamp, view: View, what: str, colors: charts.theme.SharedColors = ()) -> bytes:
    """One export file: 'pptx', 'pdf', 'events.csv', 'fhir.json', 'cbioportal.zip', 'timeline.png'..."""
    if what in ("fhir.json", "cbioportal.zip") and view.deidentified:
        raise ValueError(f"The {'FHIR bundle' if what == 'fhir.json' else 'cBioPortal study'} keeps the case's dates, "
                         "the source and quotes: not for a de-identified view")
    if what == "cbioportal.zip":  # the case as written, whatever the axis
        return exports.cbioportal_zip(entry(path, stamp).timeline)
    if what == "fhir.json":  # the case as written, whatever the axis; never for a de-identified view
        from timelines.fhir.bundle import case_bundle  # half a second to import fhir.resources: on the first click only

        bundle = case_bundle(entry(path, stamp).timeline)
        return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode()
    if what in ("pptx", "pdf"):
        slides = export_slides(path, stamp, view, colors)
        return exports.pptx_bytes([slides]) if what == "pptx" else exports.pdf_bytes([slides])
    case = export_case(path, stamp, view, colors)
    name, kind = what.rsplit(".", 1)
    if kind == "csv":
        return exports.csv_bytes(case.tables()[name])
    spec = exports.chart_spec(exports.case_chart(case, name))  # PNG and SVG share one rendering (exports.rendering)
    return exports.chart_png(spec) if kind == "png" else exports.chart_svg(spec)


def folder_colors(stamps: dict[str, Stamp]) -> charts.theme.SharedColors:
    """The one colour of each therapy of the case files ``stamps`` (path: stamp), the cases a folder shows
    together: every view of them (case page, board, cohort, exports) draws each therapy in it."""
    files = tuple(stamps.items())
    return catalog_colors(cohort_version(files), files)


@st.cache_data(show_spinner=False, max_entries=4)
def catalog_colors(version: str, _stamps: Stamps) -> charts.theme.SharedColors:
    """``folder_colors`` of one version of the files (``cohort_version``), from each loadable case's therapies."""
    return charts.theme.shared_colors(case_therapies(path, stamp) for path, stamp in _stamps if entry(path, stamp).ok)


@st.cache_data(show_spinner=False, max_entries=20_000)
def case_therapies(path: str, stamp: Stamp) -> tuple[str, ...]:
    """The names of one case's systemic therapies, as its lanes and the cohort name them."""
    timeline = entry(path, stamp).timeline
    return tuple(therapy_agents([timeline])[timeline.case.id])


def cohort_version(stamps: Stamps) -> str:
    """The version of a cohort: a digest of its files' paths and stamps. A key of a thousand files' stamps costs
    Streamlit's hasher 25 ms a call, its digest nothing."""
    return hashlib.sha256(repr(stamps).encode()).hexdigest()


# One entry per version of the cohort: a thousand cases' tables unpickled one by one from cohort_case_frames take
# seconds on every rerun, the cohort's in one piece a fraction of that.
@st.cache_data(show_spinner=False, max_entries=4)
def cohort_frames(version: str, _stamps: Stamps) -> dict:
    """The cohort's tables (summary, swimmer and spider rows for both alignments, waterfall, agents per case) of
    the loadable cases among `_stamps`, put together from each case's own, cached on the file's stamp: a filter or
    a switch of alignment recomputes nothing, an edited file is picked up and only its case tabulated again."""
    loaded = [(path, stamp) for path, stamp in _stamps if entry(path, stamp).ok]
    parts = [cohort_case_frames(path, stamp) for path, stamp in loaded]
    frames = {name: pd.concat([p[name] for p in parts], ignore_index=True) if parts else pd.DataFrame()
              for name in COHORT_FRAMES}
    if parts:
        frames["waterfall"] = sort_waterfall(frames["waterfall"])
    frames["agents"] = {entry(path, stamp).case_id: p["agents"] for (path, stamp), p in zip(loaded, parts)}
    return frames


@st.cache_data(show_spinner=False, max_entries=20_000)
def cohort_case_frames(path: str, stamp: Stamp) -> dict:
    """One case's rows of every cohort table."""
    timeline = entry(path, stamp).timeline
    one = [timeline]
    frames = {"cohort": cohort_table(one), "waterfall": waterfall_table(one),
              "agents": therapy_agents(one)[timeline.case.id]}
    for align in ALIGNMENTS:
        frames[f"swimmer:{align}"] = swimmer_table(one, align)
        frames[f"spider:{align}"] = spider_table(one, align)
    return frames


@st.cache_data(show_spinner=False, max_entries=30)
def cohort_chart(version: str, case_ids: tuple[str, ...], name: str, align: str, sort: str,
                 _stamps: Stamps, colors: charts.theme.SharedColors = ()) -> dict:
    """One chart of the cohort page ("swimmer", "spider", "waterfall") for the cases shown, as Streamlit draws it:
    a rerun that changes neither the files, the cases shown nor the choice (a row selected, a filter set and
    cleared) sends it again without building it (the swimmer of a thousand patients takes about half a second).
    ``colors``: the folder's therapy colours (``folder_colors``)."""
    chart = cohort_charts.cohort_chart(cohort_frames(version, _stamps), name, list(case_ids), align, sort, colors)
    return as_sent(charts.chart_spec(chart, SCREEN))


# A study folder's cohort lives in its Parquet warehouse: one DuckDB over it per warehouse folder (whose name carries
# the study's version), shared by every session; its queries answer in milliseconds, so only what costs more is kept.
@st.cache_resource(show_spinner=False, max_entries=4)
def study_store(folder: str) -> Warehouse:
    """The warehouse of a study, open (a folder with no patient raises FileNotFoundError, not cached)."""
    return Warehouse(folder)


@st.cache_data(show_spinner=False, max_entries=8)
def study_choices(folder: str) -> Choices:
    """What the study's filters offer."""
    return study_store(folder).choices()


@st.cache_data(show_spinner=False, max_entries=8)
def study_colors(folder: str) -> charts.theme.SharedColors:
    """The one colour of each therapy of a study's patients (``charts.theme.shared_colors``): its swimmer and each
    patient's case page draw each therapy in it."""
    return charts.theme.shared_colors(study_store(folder).therapy_names().values())


@st.cache_data(show_spinner=False, max_entries=50)
def study_swimmer(folder: str, chosen: tuple, sort: str) -> dict | None:
    """The swimmer of the first selected patients of a study (``chosen``: a Filter's fields), as Streamlit draws it;
    None when no selected patient has a row."""
    rows, _ = study_store(folder).swimmer_rows(Filter(*chosen), sort)
    if rows.empty:
        return None
    chart = cohort_charts.swimmer_chart(rows, align="diagnosis", sort={"patient_id": "case_id"}.get(sort, "duration"),
                                        colors=study_colors(folder))
    return as_sent(charts.chart_spec(chart, SCREEN))
