"""The event table as a clinician reads it (when in words, what, dose, the quote), with its filters and download; and
the case's molecular results."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from timelines.key_events import WORDS_COLUMNS, when_text, with_date_words
from timelines.saving.spreadsheet import csv_text
from timelines.text import is_missing

# The event table as a clinician reads it: when (in words, as precisely as known) and what first, the dates the
# statements allow next; the dates as the case file writes them, the quote and the ids last, as detail. Each column:
# its title, its width in the reading table (px: the when and the event side by side on a 1280-px screen, wrapped
# at word boundaries, never cut), what its header says on hover.
WHEN_HELP = "The date as the case file states it, in words, each event it names with that event's own date"
EVENT_COLUMNS = {
    "when": ("When", 230, WHEN_HELP),
    "label": ("Event", 230, ""),
    "window": ("Dates", 170, "The dates the statements allow, no finer than the statements"),
    "kind_text": ("Kind", 110, ""),  # "adverse event", "progression"
    "agent": ("Agent", 150, ""),
    "dose": ("Dose", 150, ""),
    "line_text": ("Line", 50, ""),
    "details": ("Details", 300, ""),
    "written": ("As written in the case file", 220,
                "The date as the case file states it, which may name other events"),
    "quote": ("Source quote", 380, ""),
    "note": ("Note", 240, ""),
    "event_id": ("Id", 170, ""),
}
# The sortable grid (Streamlit's data grid): one line a row, a cell cut at its edge; its columns as the table's.
EVENT_TABLE_COLUMNS = {key: st.column_config.TextColumn(title, width=px, help=help or None)
                       for key, (title, px, help) in EVENT_COLUMNS.items()}
TABLE_ROW_PX = 35  # Streamlit's data grid: one row; the grid is as tall as its rows, up to TABLE_MAX_ROWS
TABLE_MAX_ROWS = 40
# The reading table: every cell wrapped at word boundaries (a when of 70 characters was cut at the grid's cell edge,
# "after day −5359 to −4995, before modified radical mastect"), the header and the when kept in view while it is
# scrolled, in a box as tall as the screen less the page's top bar, so both its scroll bars are in view with it.
EVENT_TABLE_STYLE = """<style>
.st-key-event_table .event-table {overflow: auto; max-height: max(360px, calc(100vh - 96px));
  border: 1px solid rgba(49, 51, 63, 0.15); border-radius: 0.5rem;}
.st-key-event_table table {table-layout: fixed; border-collapse: separate; border-spacing: 0; width: max-content;
  font-size: 0.875rem; line-height: 1.35; margin: 0;}
.st-key-event_table th, .st-key-event_table td {padding: 6px 8px; vertical-align: top; text-align: left;
  white-space: pre-line; overflow-wrap: break-word; word-break: normal; hyphens: none;
  border: none; border-bottom: 1px solid rgba(49, 51, 63, 0.1); border-right: 1px solid rgba(49, 51, 63, 0.06);}
.st-key-event_table th {position: sticky; top: 0; z-index: 2; background: rgb(248, 248, 250); font-weight: 600;
  color: rgb(49, 51, 63);}
.st-key-event_table td:first-child, .st-key-event_table th:first-child {position: sticky; left: 0; z-index: 1;
  background: white; font-weight: 600;}
.st-key-event_table th:first-child {z-index: 3; background: rgb(248, 248, 250);}
.st-key-event_table tbody tr:hover td {background: rgb(245, 247, 252);}
.st-key-event_table summary {list-style: none; cursor: pointer;}
.st-key-event_table summary::-webkit-details-marker {display: none;}
.st-key-event_table summary .more::after {content: "more"; color: rgb(0, 104, 201); white-space: nowrap;}
.st-key-event_table details[open] summary .head {display: none;}
.st-key-event_table details[open] summary .more::after {content: "less";}
</style>"""


def event_table_view(events: pd.DataFrame, file_stem: str, relative: bool = False) -> None:
    """Filterable event table with quotes, every cell in full (or, switched, the sortable grid); download as CSV
    named `file_stem`.events.csv. `relative`: the screen is on the relative axis (or de-identified), so the when is
    said in months since day 0."""
    kinds = list(dict.fromkeys(events["kind"]))
    filters = st.columns([3, 2, 1.1], vertical_alignment="bottom")
    chosen = filters[0].multiselect("Kinds", kinds, default=kinds, key="event_kinds")
    search = filters[1].text_input("Search", key="event_search", placeholder="drug, finding, quote…")
    grid = filters[2].toggle("Sortable", key="event_grid",
                             help="The events as a grid: sort and resize its columns; a long cell is cut at its "
                                  "edge. Off: in date order, every cell in full.")
    shown = events[events["kind"].isin(chosen)]
    if search:
        haystack = shown[["label", "details", "quote", "agent", "note"]].astype(str).agg(" ".join, axis=1)
        shown = shown[haystack.str.contains(search, case=False, regex=False)]
    table = readable_events(shown, relative)
    table = table[[c for c in EVENT_COLUMNS if c in table.columns]]
    if grid:
        st.dataframe(table, hide_index=True, width="stretch", column_config=EVENT_TABLE_COLUMNS,
                     height=TABLE_ROW_PX * (min(len(table), TABLE_MAX_ROWS) + 1) + 3)
    else:
        with st.container(key="event_table"):
            st.html(EVENT_TABLE_STYLE + event_table_html(table))
    st.download_button("Download events (CSV)", csv_text(events).encode("utf-8"),
                       file_name=f"{file_stem}.events.csv", mime="text/csv")


# A long detail, quote or note shows its first FOLDED_CHARS (about four lines) and opens whole with a click (one
# note of 1,262 characters made its row 600 px tall); the when, the event and the dates are always whole.
FOLDED_COLUMNS = ("details", "quote", "note")
FOLDED_CHARS = 150


def cell_html(text: str, foldable: bool = False) -> str:
    """A cell's text, escaped; a long one folded (`foldable`) to its first words, whole when opened."""
    if not foldable or len(text) <= FOLDED_CHARS * 1.2:
        return escape(text)
    head = text[:FOLDED_CHARS].rsplit(" ", 1)[0]
    return (f'<details><summary><span class="head">{escape(head)} …</span> <span class="more"></span></summary>'
            f"{escape(text)}</details>")


def event_table_html(table: pd.DataFrame) -> str:
    """The reading table as HTML: every text escaped (case text is shown as text, never as markup), each column as
    wide as EVENT_COLUMNS says, its header's help on hover."""
    columns = [c for c in EVENT_COLUMNS if c in table.columns]
    widths = "".join(f'<col style="width: {EVENT_COLUMNS[c][1]}px">' for c in columns)
    head = "".join(f'<th title="{escape(EVENT_COLUMNS[c][2])}">{escape(EVENT_COLUMNS[c][0])}</th>' for c in columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell_html(str(value), column in FOLDED_COLUMNS)}</td>"
                                    for column, value in zip(columns, row)) + "</tr>"
                   for row in table[columns].itertuples(index=False))
    return (f'<div class="event-table"><table><colgroup>{widths}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


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
    text = [c for c in EVENT_COLUMNS if c in table.columns]
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
