"""The event table as a clinician reads it (when in words, what, dose, the quote), with its filters and download; and
the case's molecular results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from timelines.key_events import WORDS_COLUMNS, when_text, with_date_words
from timelines.saving.spreadsheet import csv_text
from timelines.text import is_missing

# The event table as a clinician reads it: when (in words, as precisely as known) and what first, both in view on a
# 1280-px screen (the event was off the screen behind a 640-px when); the dates the statements allow next; the dates
# as the case file writes them, the quote and the ids last, as detail.
EVENT_TABLE_COLUMNS = {
    "when": st.column_config.TextColumn("When", width=340,
                                        help="The date as the case file states it, in words, each event it names "
                                             "with that event's own date"),
    "label": st.column_config.TextColumn("Event", width=300),
    "window": st.column_config.TextColumn("Dates", width=200,
                                          help="The dates the statements allow, no finer than the statements"),
    "kind_text": st.column_config.TextColumn("Kind", width=120),  # "adverse event", "progression"
    "agent": st.column_config.TextColumn("Agent", width="medium"),
    "dose": st.column_config.TextColumn("Dose", width=130),
    "line_text": st.column_config.TextColumn("Line", width=60),
    "details": st.column_config.TextColumn("Details", width="large"),
    "written": st.column_config.TextColumn("As written in the case file", width="medium",
                                           help="The date as the case file states it, which may name other events"),
    "quote": st.column_config.TextColumn("Source quote", width="large"),
    "note": st.column_config.TextColumn("Note", width="medium"),
    "event_id": st.column_config.TextColumn("Id", width="small"),
}
TABLE_ROW_PX = 35  # Streamlit's data grid: one row; the table is as tall as its rows, up to TABLE_MAX_ROWS
TABLE_MAX_ROWS = 40


def event_table_view(events: pd.DataFrame, file_stem: str, relative: bool = False) -> None:
    """Sortable, filterable event table with quotes; download as CSV named `file_stem`.events.csv.
    `relative`: the screen is on the relative axis (or de-identified), so the when is said in months since day 0."""
    kinds = list(dict.fromkeys(events["kind"]))
    filters = st.columns([3, 2])
    chosen = filters[0].multiselect("Kinds", kinds, default=kinds, key="event_kinds")
    search = filters[1].text_input("Search", key="event_search", placeholder="drug, finding, quote…")
    shown = events[events["kind"].isin(chosen)]
    if search:
        haystack = shown[["label", "details", "quote", "agent", "note"]].astype(str).agg(" ".join, axis=1)
        shown = shown[haystack.str.contains(search, case=False, regex=False)]
    table = readable_events(shown, relative)
    table = table[[c for c in EVENT_TABLE_COLUMNS if c in table.columns]]
    st.dataframe(table, hide_index=True, width="stretch", column_config=EVENT_TABLE_COLUMNS,
                 height=TABLE_ROW_PX * (min(len(table), TABLE_MAX_ROWS) + 1) + 3)
    st.download_button("Download events (CSV)", csv_text(events).encode("utf-8"),
                       file_name=f"{file_stem}.events.csv", mime="text/csv")


def readable_events(events: pd.DataFrame, relative: bool = False) -> pd.DataFrame:
    """The event table in words: when as the case file states it and the dates it allows (timelines.key_events:
    never more precise than known), kind, line, and the dates as written in one detail column; no 'None' or 'nan'
    anywhere."""
    table = with_date_words(events, relative)
    records = table.to_dict("records")
    table["when"] = [when_text(row, relative) for row in records]
    table["window"] = [when_text({k: v for k, v in row.items() if k not in WORDS_COLUMNS}, relative)
                       for row in records]
    table["window"] = table["window"].where(table["window"] != table["when"], "")
    table["kind_text"] = table["kind"].astype(str).str.replace("_", " ")
    table["line_text"] = table["line"].map(lambda v: "" if is_missing(v) else f"{int(v)}")
    table["written"] = [_written(row) for row in records]
    text = [c for c in EVENT_TABLE_COLUMNS if c in table.columns]
    table[text] = table[text].map(lambda v: "" if is_missing(v) else str(v))
    return table


def _written(row: dict) -> str:
    start, end = str(row.get("date_text") or ""), str(row.get("end_text") or "")
    return f"{start} to {end}" if end and end != "ongoing" else start


def molecular_view(molecular: pd.DataFrame | None) -> None:
    """The case's molecular results, one row per test: in the Markers tab, or under the events without one."""
    if molecular is not None and not molecular.empty:
        st.markdown("**Molecular results**")
        st.dataframe(molecular, hide_index=True, width="stretch")


def molecular_results(events: pd.DataFrame) -> pd.DataFrame:
    """The molecular tests of a (presented) event table as the Markers tab lists them: when, test, findings."""
    rows = events[events["kind"].eq("molecular")]
    return pd.DataFrame({"When": rows["start"].fillna(""), "Test": rows["label"],
                         "Findings": rows["details"].fillna("")}).reset_index(drop=True)
