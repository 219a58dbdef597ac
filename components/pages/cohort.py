"""The cohort page: every case at once (swimmer plot, spider plot, waterfall, summary table), filters, click-through."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.charts import cohort as cohort_charts
from components.charts.cohort import only_cases
from timelines.reading.files import Stamp

from . import cache

ALIGN_LABELS = {"diagnosis": "Diagnosis", "targeted": "First targeted therapy"}
SORT_LABELS = {"duration": "By follow-up", "case_id": "By case id"}
TABLE_COLUMNS = {  # the cohort_table columns shown, in order, with their headers
    "case_id": "Case", "age": "Age", "sex": "Sex", "histology": "Histology", "alteration": "Alteration",
    "fusion_partner": "Partner", "lines": "Lines", "first_line": "First line", "best_response": "Best response",
    "pfs_first_line": "PFS, first line", "os": "OS", "ongoing": "Ongoing", "smoking": "Smoking",
}
PAGE_STYLE = """<style>
.block-container {padding-top: 3rem; padding-bottom: 1rem;}
h2 {font-size: 1.45rem !important; line-height: 1.2 !important; padding-top: 0 !important;}
</style>"""
TABLE_KEY = "cohort_table"
# Widgets of the dashboard's frame that keep their own state (the page and the case picker): opening a case drops
# it, so that they start again from the URL rather than take the reader back to the cohort.
URL_WIDGETS = ("page", "case_picker")


def cohort_page(stamps: dict[str, Stamp], colors: tuple = ()) -> None:
    """Every loaded case of the files ``stamps`` (path: stamp) side by side; a click on a table row opens that case
    (``?case=<id>``). ``colors``: the folder's therapy colours (``cache.folder_colors``), as its case pages have them.

    Files that cannot be loaded are named, not drawn. The filters (drug, histology, alteration) narrow the
    plots and the table alike; the alignment (diagnosis or first targeted therapy) applies to the swimmer and
    spider plots, the lane order to the swimmer plot and the table.
    """
    st.html(PAGE_STYLE)
    entries = [cache.entry(path, stamp) for path, stamp in stamps.items()]
    loaded = [e for e in entries if e.ok]
    broken = [e.path.name for e in entries if not e.ok]
    if not loaded:
        st.header("Cohort", anchor=False)
        st.info("No case can be shown: the cases folder holds no loadable case file.")
        _broken_note(broken)
        return
    frames = {**cohort_frames(tuple((str(e.path), stamps[str(e.path)]) for e in loaded)), "colors": colors}
    table, agents = frames["cohort"], frames["agents"]
    title = st.empty()
    choice = _controls(table, agents, st.columns([1.25, 1.25, 1.25, 1, 1], vertical_alignment="bottom"))
    chosen = matching_cases(table, agents, choice["drugs"], choice["histologies"], choice["alterations"])
    title.subheader(f"Cohort · {len(chosen)} of {len(table)} cases", anchor=False)
    if not chosen:
        st.info("No case matches the filters. Clear a filter to see more cases.")
        return
    rows = swimmer_section(frames, chosen, choice["align"], choice["sort"])
    table_section(only_cases(table, chosen), rows, choice["sort"])
    response_section(frames, chosen, choice["align"])
    _broken_note(broken)


def cohort_frames(files: cache.Stamps) -> dict:
    """The cohort tables of the case files `files` ((path, stamp) pairs), with the version of the cohort they were
    made from under "version" and the files under "files" (what its charts are cached on)."""
    version = cache.cohort_version(files)
    return {**cache.cohort_frames(version, files), "version": version, "files": files}


def _controls(table: pd.DataFrame, agents: dict[str, list[str]], slots) -> dict:
    """Filters (empty = every case) and the swimmer's alignment and lane order, in one row above the plot."""
    drugs = sorted({a for names in agents.values() for a in names}, key=str.lower)
    histologies = sorted(set(table["histology"]) - {""})
    alterations = sorted(set(table["alteration"]) - {""})
    return {
        "drugs": slots[0].multiselect("Drug", drugs, key="cohort_drugs", placeholder="All drugs"),
        "histologies": slots[1].multiselect("Histology", histologies, key="cohort_histologies",
                                            placeholder="All histologies"),
        "alterations": slots[2].multiselect("Alteration", alterations, key="cohort_alterations",
                                            placeholder="All alterations"),
        "align": slots[3].selectbox("Align on (day 0)", list(ALIGN_LABELS), format_func=ALIGN_LABELS.get,
                                    key="cohort_align"),
        "sort": slots[4].selectbox("Lanes", list(SORT_LABELS), format_func=SORT_LABELS.get, key="cohort_sort"),
    }


def matching_cases(table: pd.DataFrame, agents: dict[str, list[str]], drugs=(), histologies=(),
                   alterations=()) -> list[str]:
    """Case ids, in table order, that received any chosen drug and have a chosen histology and alteration
    (an empty choice does not filter)."""
    keep = pd.Series(True, index=table.index)
    if drugs:
        keep &= table["case_id"].map(lambda case: bool(set(agents.get(case, ())) & set(drugs)))
    if histologies:
        keep &= table["histology"].isin(histologies)
    if alterations:
        keep &= table["alteration"].isin(alterations)
    return table.loc[keep, "case_id"].tolist()


def swimmer_section(frames: dict, case_ids: list[str], align: str, sort: str) -> pd.DataFrame:
    """The swimmer plot of the cases ``case_ids`` of the cohort's ``frames``, and the cases it cannot align
    named under it; returns its rows."""
    aligned = only_cases(frames[f"swimmer:{align}"], case_ids)
    rows, left_over = cohort_charts.drawable_lanes(aligned, sort)
    if left_over:
        st.caption(f"The swimmer plot shows the first {cohort_charts.MAX_LANES:,} patients in lane order; "
                   f"{left_over:,} more are in the table below. Narrow the cohort with the filters to see them.")
    show_chart(frames, "swimmer", case_ids, align, sort)
    drawn = set(aligned["case_id"])
    left_out = [case for case in case_ids if case not in drawn]
    if left_out:
        st.caption(f"Not in the swimmer plot (no {ALIGN_LABELS[align].lower()} to align on): " + ", ".join(left_out))
    return rows


def table_section(table: pd.DataFrame, swimmer_rows: pd.DataFrame, sort: str) -> None:
    """The summary table in the swimmer's lane order (cases it leaves out last); selecting a row opens that case."""
    case_of = swimmer_rows.drop_duplicates("patient").set_index("patient")["case_id"]
    lanes = cohort_charts.patient_order(swimmer_rows, sort) if len(swimmer_rows) else []
    order = {case_of[patient]: i for i, patient in enumerate(lanes)}
    shown = table.assign(_order=table["case_id"].map(order).fillna(len(order))).sort_values(
        ["_order", "case_id"], kind="stable")[list(TABLE_COLUMNS)].reset_index(drop=True)
    st.caption("Select a row to open the case.")
    event = st.dataframe(shown.rename(columns=TABLE_COLUMNS), key=TABLE_KEY, on_select="rerun",
                         selection_mode="single-row", hide_index=True, width="stretch",
                         column_config=_COLUMN_CONFIG)
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(shown):
        open_case(shown.loc[rows[0], "case_id"])


_COLUMN_CONFIG = {
    # Not pinned: Streamlit greys a pinned column like an index, which read as disabled; a row opens its case.
    "Case": st.column_config.TextColumn(width=260, help="Select the row to open the case"),
    "Age": st.column_config.NumberColumn(width=40), "Sex": st.column_config.TextColumn(width=60),
    "Histology": st.column_config.TextColumn(width=210), "Alteration": st.column_config.TextColumn(width=200),
    "Partner": st.column_config.TextColumn(width=70), "Lines": st.column_config.NumberColumn(width=45),
    "First line": st.column_config.TextColumn(width=150),
    "Best response": st.column_config.TextColumn(width=60, help="Best response from response events and RECIST"),
    "PFS, first line": st.column_config.TextColumn(width=110), "OS": st.column_config.TextColumn(width=100),
    "Ongoing": st.column_config.CheckboxColumn(width=70, help="A therapy is ongoing at the last follow-up"),
}


def open_case(case_id: str) -> None:
    """Go to the case page of one case (the URL says ``?case=<id>&page=case``)."""
    st.query_params["case"] = case_id
    st.query_params["page"] = "case"
    for key in URL_WIDGETS:
        st.session_state.pop(key, None)
    st.rerun()


def response_section(frames: dict, case_ids: list[str], align: str) -> None:
    """Spider plot and waterfall side by side, for the cases ``case_ids`` of the cohort's ``frames`` with a scan
    after baseline; the rest are named."""
    spider, waterfall = only_cases(frames[f"spider:{align}"], case_ids), only_cases(frames["waterfall"], case_ids)
    left, right = st.columns(2, gap="medium")
    with left:
        show_chart(frames, "spider", case_ids, align)
    with right:
        show_chart(frames, "waterfall", case_ids)
    note = unmeasured_note(case_ids, only_cases(frames["spider:diagnosis"], case_ids), waterfall, spider)
    if note:
        st.caption(note)


def unmeasured_note(case_ids: list[str], scans: pd.DataFrame, waterfall: pd.DataFrame, spider: pd.DataFrame) -> str:
    """Who is missing from the spider plot or the waterfall, and why.

    ``scans`` is the spider table aligned on diagnosis (every case has one), ``spider`` the one drawn.
    """
    measured, scanned, drawn = set(waterfall["case_id"]), set(scans["case_id"]), set(spider["case_id"])
    groups = (("baseline scan only", [c for c in case_ids if c in scanned - measured]),
              ("no target-lesion measurements", [c for c in case_ids if c not in scanned]))
    parts = [f"{why}: {', '.join(cases)}" for why, cases in groups if cases]
    notes = ["Not in the spider plot and waterfall · " + " · ".join(parts)] if parts else []
    unaligned = [c for c in case_ids if c in measured and c not in drawn]
    if unaligned:
        notes.append("Not in the spider plot (no first targeted therapy to align on): " + ", ".join(unaligned))
    return ". ".join(notes)


def _broken_note(broken: list[str]) -> None:
    if broken:
        st.caption("Not included (the file cannot be loaded; open it on the case page to see why): "
                   + ", ".join(broken))


def show_chart(frames: dict, name: str, case_ids: list[str], align: str = "diagnosis", sort: str = "duration") -> None:
    """Draw the cohort chart `name` of the cases `case_ids` as wide as its column and as tall as its builder made it,
    in the shared theme (as the case views do: Streamlit's default autosize would squeeze the lanes into the
    builder's height), each therapy in the folder's colour for it (`frames["colors"]`). The spec is kept per version
    of the cohort's files, cases shown and choice (`cache.cohort_chart`)."""
    spec = cache.cohort_chart(frames["version"], tuple(case_ids), name, align, sort, frames["files"],
                              frames.get("colors", ()))
    st.vega_lite_chart(spec, theme=None, width="stretch", key=f"cohort_{name}")
