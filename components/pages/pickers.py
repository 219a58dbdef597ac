"""The pickers: page, case, view, de-identification, and the time axis (calendar or relative, unit, day 0)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from timelines.deidentify import scrub_text
from timelines.key_events import with_date_words
from timelines.presentation import MISSING_VIEWS
from timelines.reading.catalog import Entry
from timelines.tables import DayZeroChoice
from timelines.text import escape_markdown
from timelines.time.when import say_months


def drafts_list(drafts: list, deidentified: bool = False) -> None:
    """Drafts are listed apart from the cases: saved with problems, they are not cases yet."""
    if drafts:
        names = ", ".join(escape_markdown(scrub_text(p.name) if deidentified else p.name) for p in drafts)
        st.sidebar.caption(f"Drafts (saved with problems, not shown as cases): {names}. Open them in the Editor.")


def case_picker(entries: list[Entry], selected: str | None, deidentified: bool = False) -> Entry | None:
    """Sidebar list of cases (title and patient one-liner); returns the chosen entry. De-identified, every title
    and one-liner is scrubbed (timelines.deidentify.scrub_text), as the case on screen is."""
    if not entries:
        st.sidebar.info("No case files in the cases folder.")
        return None
    ids = [e.case_id for e in entries]
    index = ids.index(selected) if selected in ids else 0
    said = scrub_text if deidentified else str
    # One searchable line, whatever the number of cases: a list of long titles pushed the time axis, day 0 and
    # export controls below the fold at 1280x720. The chosen case's one-liner is said under it.
    labels = {e.case_id: ("⚠ " if not e.ok else "") + said(e.title) for e in entries}
    chosen = st.sidebar.selectbox("Case", ids, index=index, format_func=labels.get, key="case_picker",
                                  help="Type to search the titles.")
    entry = entries[ids.index(chosen)]
    broken = sum(not e.ok for e in entries)
    st.sidebar.caption(escape_markdown(said(entry.one_liner)) + f" · {len(entries)} case file{'s' * (len(entries) != 1)}"
                       + (f", {broken} that cannot be loaded (⚠)" if broken else ""))
    return entry


VIEWS = {"timeline": "Timeline", "lesions": "Lesions", "markers": "Markers", "events": "Events"}


def view_picker(requested: str | None, available: tuple[str, ...] = tuple(VIEWS)):
    """The view of the case (timeline, lesions, markers, events), kept in the URL as ?view=; a chart the case has
    no data for is not offered (its help says why). Returns the view and two slots of the row beside it: one for
    the view's own switch, one at its right end (the case's details)."""
    if st.session_state.get("view") not in available:
        st.session_state["view"] = requested if requested in available else "timeline"
    missing = " ".join(MISSING_VIEWS[v] for v in VIEWS if v not in available and v in MISSING_VIEWS)
    left, middle, right = st.columns([3, 1.4, 0.8], vertical_alignment="center")
    chosen = left.segmented_control("View", list(available), format_func=VIEWS.get, key="view", required=True,
                                    label_visibility="collapsed", help=missing or None)
    return chosen or "timeline", middle, right


def display_options(events: pd.DataFrame, on_calendar: bool, day_zero_choices: dict[str, DayZeroChoice],
                    deidentified: bool = False) -> dict:
    """Sidebar controls for the time axis: calendar or relative, unit, and the event that is day 0 (by default
    the case's origin, else its first diagnosis: `default_day_zero`)."""
    # Compact, so that the time axis, its day 0 and the exports fit a 1280x720 screen's sidebar: the axis and its
    # unit side by side, the day 0 under them.
    st.sidebar.subheader("Time axis", anchor=False)
    axis_slot, unit_slot = st.sidebar.columns(2)
    axes = ["calendar", "relative"] if on_calendar else ["relative"]
    axis = axis_slot.radio("Axis", axes, key="axis", format_func=str.capitalize,
                           help=None if on_calendar else "This case has no calendar dates: relative axis only.")
    keys = list(day_zero_choices)
    default = default_day_zero(day_zero_choices)
    if deidentified:
        day_zero_choices = {k: c._replace(label=scrub_text(c.label)) for k, c in day_zero_choices.items()}
    chosen = day_zero_choices[default]
    options = {"axis": axis or "relative", "unit": "months", "day_zero": chosen.day, "day_zero_label": chosen.label}
    if options["axis"] == "relative":
        options["unit"] = unit_slot.radio("Unit", ["months", "days"], key="unit")
        labels = day_zero_labels(day_zero_choices, events, deidentified)
        if st.session_state.get("day_zero") not in keys:  # another case's choice: this case's default
            st.session_state["day_zero"] = default
        # One line, whatever the number of choices: a radio of two-line labels ran below a 1280x720 screen from
        # its third choice (the day 0 of the lung LCNEC's nine ended at 1,007 px). Type to search; the chosen
        # label wraps in full (SIDEBAR_STYLE), the list shows each choice in full.
        key = st.sidebar.selectbox("Day 0", keys, key="day_zero", format_func=labels.get,
                                   help="The event the relative axis counts from. Type to search.")
        chosen = day_zero_choices.get(key, chosen)
        options["day_zero"], options["day_zero_label"] = chosen.day, chosen.label
    return options



def default_day_zero(day_zero_choices: dict[str, DayZeroChoice]) -> str:
    """The day 0 a relative axis starts on: the case's `origin` when it has one, else the first diagnosis of its
    `diagnoses:` list; `timelines.tables.day_zero_choices` lists it first."""
    return next(iter(day_zero_choices))


def day_zero_labels(day_zero_choices: dict[str, DayZeroChoice], events: pd.DataFrame,
                    deidentified: bool = False) -> dict[str, str]:
    """What the Day 0 control lists: each choice's axis label and its date as written (or its day), so that two
    lines of the same drug are told apart ("start of ensartinib · 2021-08" and "· 2022-03"). De-identified, no
    date as written: the choice's month since the case's first day 0 instead."""
    # In words, as the case file states the date ('after laparotomy (day 0)'), not its syntax ('after gist-final').
    worded = with_date_words(events, relative=False)
    words = worded["start_words"] if "start_words" in worded else pd.Series("", index=worded.index)
    written = {event_id: str(said or text) for event_id, said, text in
               zip(worded["event_id"], words.fillna(""), worded["date_text"])}
    labels = {}
    for key, (day, label, event_id) in day_zero_choices.items():
        if deidentified:
            labels[key] = f"{label} · {say_months(day, day)}"
            continue
        when = written.get(event_id, "")
        labels[key] = f"{label} · {when if when and when != 'origin' else f'day {day}'}"
    return labels


PAGES = {"case": "Case", "board": "Tumor board", "cohort": "Cohort", "editor": "Editor"}


def page_picker(requested: str | None, read_only: bool = False) -> str:
    """Which page: the case, the tumor-board presentation, the cohort, the editor (kept in the URL as ?page=).
    A read-only dashboard has no editor page at all, whatever the URL asks for."""
    pages = {k: v for k, v in PAGES.items() if not (read_only and k == "editor")}
    if st.session_state.get("page") not in pages:
        st.session_state["page"] = requested if requested in pages else "case"
    chosen = st.sidebar.segmented_control("Page", list(pages), format_func=pages.get, key="page", required=True,
                                          label_visibility="collapsed")
    return chosen or "case"


def deidentify_switch(requested: str | None) -> bool:
    """De-identified presentation (kept in the URL as ?deid=1): months since day 0 only, no calendar date,
    no source, no quotes or notes, neutral event ids; applies to the screen and to every export."""
    if "deidentify" not in st.session_state:
        st.session_state["deidentify"] = requested == "1"
    on = st.sidebar.toggle("De-identify", key="deidentify",
                           help="Months since day 0 only; no calendar dates, source, quotes or notes, "
                                "on screen and in every export.")
    if on:
        st.query_params["deid"] = "1"
    else:
        st.query_params.pop("deid", None)
    return on
