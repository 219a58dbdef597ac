"""The cohort page: every case at once (swimmer plot, spider plot, waterfall, summary table), filters, click-through."""

from __future__ import annotations

import hashlib
from functools import partial

import pandas as pd
import streamlit as st

from timelines.catalog import Entry
from timelines.cohort import (ALIGNMENTS, cohort_table, sort_waterfall, spider_table, swimmer_table,
                              therapy_agents, waterfall_table)
from timelines.timeline import Timeline

from . import cohort_charts, views

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


def cohort_page(entries: list[Entry]) -> None:
    """Every loaded case of ``entries`` side by side; a click on a table row opens that case (``?case=<id>``).

    Files that cannot be loaded are named, not drawn. The filters (drug, histology, alteration) narrow the
    plots and the table alike; the alignment (diagnosis or first targeted therapy) applies to the swimmer and
    spider plots, the lane order to the swimmer plot and the table.
    """
    st.html(PAGE_STYLE)
    loaded = [e for e in entries if e.ok]
    broken = [e.path.name for e in entries if not e.ok]
    if not loaded:
        st.header("Cohort", anchor=False)
        st.info("No case can be shown: the cases folder holds no loadable case file.")
        _broken_note(broken)
        return
    frames = cohort_frames(loaded)
    table, agents = frames["cohort"], frames["agents"]
    title = st.empty()
    choice = _controls(table, agents, st.columns([1.25, 1.25, 1.25, 1, 1], vertical_alignment="bottom"))
    chosen = matching_cases(table, agents, choice["drugs"], choice["histologies"], choice["alterations"])
    title.subheader(f"Cohort · {len(chosen)} of {len(table)} cases", anchor=False)
    if not chosen:
        st.info("No case matches the filters. Clear a filter to see more cases.")
        return
    rows = swimmer_section(frames, chosen, choice["align"], choice["sort"])
    table_section(_only(table, chosen), rows, choice["sort"])
    response_section(frames, chosen, choice["align"])
    _broken_note(broken)


def cohort_frames(entries: list[Entry]) -> dict:
    """The cohort's tables (summary, swimmer and spider rows for both alignments, waterfall, agents per case),
    and under "version" the version of the cohort they were made from: a digest of each file's path and
    modification time.

    Cached on that version, and put together from each case's own tables, cached on the file's: a filter or a
    switch of alignment recomputes nothing, an edited file is picked up and only its case is tabulated again.
    """
    stamps = tuple((str(e.path), _modified_ns(e)) for e in entries)
    version = _digest(stamps)
    return {**_cohort_frames(version, stamps, entries), "version": version}


def _digest(value) -> str:
    # A cache key of a thousand files' stamps costs Streamlit's hasher 25 ms a call, its digest nothing.
    return hashlib.sha256(repr(value).encode()).hexdigest()


_FRAMES = ("cohort", "swimmer:diagnosis", "swimmer:targeted", "spider:diagnosis", "spider:targeted", "waterfall")


# One entry per version of the cohort: a thousand cases' tables unpickled one by one from _case_frames take
# seconds on every rerun, the cohort's in one piece a fraction of that.
@st.cache_data(show_spinner=False, max_entries=4)
def _cohort_frames(version: str, _stamps: tuple, _entries: list[Entry]) -> dict:
    parts = [_case_frames(path, modified_ns, e.timeline) for (path, modified_ns), e in zip(_stamps, _entries)]
    frames = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in _FRAMES}
    frames["waterfall"] = sort_waterfall(frames["waterfall"])
    frames["agents"] = {e.case_id: p["agents"] for e, p in zip(_entries, parts)}
    return frames


@st.cache_data(show_spinner=False, max_entries=20_000)
def _case_frames(path: str, modified_ns: int, _timeline: Timeline) -> dict:
    one = [_timeline]
    frames = {"cohort": cohort_table(one), "waterfall": waterfall_table(one),
              "agents": therapy_agents(one)[_timeline.case.id]}
    for align in ALIGNMENTS:
        frames[f"swimmer:{align}"] = swimmer_table(one, align)
        frames[f"spider:{align}"] = spider_table(one, align)
    return frames


def _modified_ns(entry: Entry) -> int:
    try:
        return entry.path.stat().st_mtime_ns
    except OSError:  # an entry built in memory, or a file removed since it was listed
        return 0


def _only(frame: pd.DataFrame, case_ids: list[str]) -> pd.DataFrame:
    return frame[frame["case_id"].isin(case_ids)].reset_index(drop=True)


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
    aligned = _only(frames[f"swimmer:{align}"], case_ids)
    rows, left_over = cohort_charts.drawable_lanes(aligned, sort)
    if left_over:
        st.caption(f"The swimmer plot shows the first {cohort_charts.MAX_LANES:,} patients in lane order; "
                   f"{left_over:,} more are in the table below. Narrow the cohort with the filters to see them.")
    show_chart(partial(cohort_charts.swimmer_chart, rows, align=align, sort=sort), "cohort_swimmer",
               frames["version"], case_ids, align, sort)
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
    spider, waterfall = _only(frames[f"spider:{align}"], case_ids), _only(frames["waterfall"], case_ids)
    left, right = st.columns(2, gap="medium")
    with left:
        show_chart(partial(cohort_charts.spider_chart, spider[spider["case_id"].isin(set(waterfall["case_id"]))],
                           align=align), "cohort_spider", frames["version"], case_ids, align)
    with right:
        show_chart(partial(cohort_charts.waterfall_chart, waterfall), "cohort_waterfall", frames["version"],
                   case_ids)
    note = unmeasured_note(case_ids, _only(frames["spider:diagnosis"], case_ids), waterfall, spider)
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


def show_chart(build, key: str, version: str, case_ids: list[str], *choice) -> None:
    """Draw the chart ``build()`` makes as wide as its column and as tall as its builder made it, in the shared
    theme (as the case views do: Streamlit's default autosize would squeeze the lanes into the builder's height).

    The spec is kept per ``version`` of the cohort's files, cases shown and display ``choice``: a rerun that
    changes none of them (a row selected, a filter set and cleared) sends it again without building it.
    """
    spec = _chart_spec(key, _digest((version, case_ids)), choice, build)
    st.vega_lite_chart(spec, theme=None, width="stretch", key=key)


# The spec as Streamlit sends it (rows as Arrow), as dashboard.chart_spec keeps the case page's: building the
# swimmer of a thousand patients takes about half a second, which no rerun that changes nothing should pay.
@st.cache_data(show_spinner=False, max_entries=30)
def _chart_spec(key: str, shown: str, choice: tuple, _build) -> dict:
    return views.chart_spec(_build())
