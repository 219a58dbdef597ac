"""Tumor-board mode: one case as a presentation (summary, timeline, lesions, markers, key events)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts
from timelines.catalog import Entry
from timelines.files import Stamp
from timelines.key_events import HEADER_CALENDAR, HEADER_RELATIVE, key_events as key_event_rows
from timelines.presentation import MISSING_VIEWS, has_data
from timelines.summary import key_outcomes
from timelines.text import escape_markdown, shorten

from . import cache, views
from .case import view_of

STEPS = ("summary", "timeline", "lesions", "markers", "events")
STEP_TITLES = {"summary": "Summary", "timeline": "Timeline", "lesions": "Lesions", "markers": "Markers",
               "events": "Key events"}
BOARD_STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1.2rem; padding-bottom: 0.5rem; max-width: 100%;}
.block-container p, .block-container li {font-size: 1.35rem; line-height: 1.45;}
h2 {font-size: 1.9rem !important;}
[data-testid="stTable"] td, [data-testid="stTable"] th {font-size: 1.15rem;}
</style>"""
# The charts are fitted to the screen's width; these widths are what their label layout assumes (therapy names
# over the panels are cut to fit). Text is 1.3 times larger on the board, so the panels assume less room: a
# 1280-px screen gives a panel about 1,050 px, which holds what 800 px holds at the page's type size.
BOARD_WIDTH = 1100
BOARD_PANEL_WIDTH = 760
FONT_SCALE = 1.3  # chart text 14 px -> 18 px, titles 16 -> 21 px (views.scaled_fonts: never under 18 px)


def case_steps(data: dict) -> tuple[str, ...]:
    """The steps of this case: a chart it has no data for is left out (the summary says so)."""
    return tuple(name for name in STEPS
                 if has_data(name, data["events"], data["measurements"], data["markers"]))


def current_step(requested: str | None, steps: tuple[str, ...] = STEPS) -> str:
    """The step in the URL (?step=timeline) if this case has it, else the first."""
    return requested if requested in steps else steps[0]


def board_page(data: dict, case_id: str, step: str, axis: dict) -> str:
    """Show one step of the presentation; returns the step to show next (after Back/Next)."""
    st.html(BOARD_STYLE)
    steps = case_steps(data)
    step = current_step(step, steps)
    at = steps.index(step)
    top = st.columns([6, 1, 1, 1], vertical_alignment="center")
    top[0].markdown(f"**{escape_markdown(data['summary']['title'])}** · {at + 1}/{len(steps)} · {STEP_TITLES[step]}")
    back = top[1].button("◀ Back", key="board_back", shortcut="Left", disabled=at == 0, width="stretch")
    forward = top[2].button("Next ▶", key="board_next", shortcut="Right", disabled=at == len(steps) - 1,
                            width="stretch", type="primary")
    top[3].button("Exit", key="board_exit", width="stretch", help="Back to the case page", on_click=exit_board)
    if back:
        return steps[at - 1]
    if forward:
        return steps[at + 1]
    _STEP_VIEWS[step](data, axis)
    return step


def exit_board() -> None:
    """Back to the case page. A callback: the page picker's state may change only before it is drawn."""
    st.session_state["page"] = "case"
    st.session_state.pop("board_step", None)
    st.query_params.pop("step", None)


def _summary(data: dict, axis: dict) -> None:
    summary = data["summary"]
    st.markdown("  \n".join(views.header_lines(summary, data.get("day_zero", 0))))
    reported = key_outcomes(summary)
    if reported:
        st.markdown("**Outcomes** (from the dates · the paper)  \n" + "  \n".join(
            escape_markdown(views.outcome_text(o)) + (f"  \n:gray[{escape_markdown(o['note'])}]" if o.get("note") else "")
            for o in reported))
    if summary.get("best_response"):
        st.markdown("**Best overall response** (RECIST 1.1)  \n" + "  \n".join(
            escape_markdown(f"{b['line_name'][:1].upper()}{b['line_name'][1:]}: {b['text']}")
            for b in summary["best_response"]))
    others = [o for o in summary["outcomes"] if o not in reported and o["name"] in BOARD_ENDPOINTS]
    if others:
        st.markdown("**Endpoints from the dates**")
        st.table(pd.DataFrame([(o["label"], o["text"], o.get("note", "")) for o in others],
                              columns=["Endpoint", "From the dates", "Ended or censored by"]).set_index("Endpoint"))
    shown = {o["name"] for o in reported + others}
    definitions = [text for name, text in summary.get("definitions", {}).items() if name in shown]
    if definitions:
        st.caption("  \n".join(escape_markdown(text) for text in definitions))
    missing = [MISSING_VIEWS[name] for name in STEPS if name in MISSING_VIEWS and name not in case_steps(data)]
    if missing:
        st.caption(" ".join(missing) + " Those steps are left out.")


# The endpoints the summary step lists besides the paper's figures (time on each therapy is in the case's details).
BOARD_ENDPOINTS = ("pfs", "pfs2", "ttnt", "time_to_response", "dor", "dfs", "os")


def _timeline(data: dict, axis: dict) -> None:
    events = data["events"]
    domain = charts.focus_domain(events, axis=axis["axis"], unit=axis["unit"])
    chart = charts.timeline_chart(events, domain=domain, width=BOARD_WIDTH, dose_changes=data.get("dose_changes"),
                                  **axis)
    views.show_spec(legends_beside(views.chart_spec(chart)), FONT_SCALE)


LEGEND_LABEL_PX = 190  # a legend beside the plot: labels cut here (before the board's font scale), full in tooltips


def legends_beside(spec: dict) -> dict:
    """The spec with its legends in one column beside the plot, not under it: a board is one screen, and at
    1280x720 the event legend fell below it."""
    spec["config"]["legend"] = {**spec["config"].get("legend", {}), "orient": "right", "layout": {}}

    def one_column(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "legend" and isinstance(value, dict):
                    value.update(columns=1, labelLimit=LEGEND_LABEL_PX, orient="right")
                else:
                    one_column(value)
        elif isinstance(node, list):
            for value in node:
                one_column(value)
    one_column({k: v for k, v in spec.items() if k != "datasets"})
    return spec


def _lesions(data: dict, axis: dict) -> None:
    events = data["events"]
    views.show_chart(charts.lesion_chart(data["measurements"], data["assessments"],
                                         therapy_bands=charts.therapy_bands(events),
                                         imaging=events[events["kind"] == "imaging"], width=BOARD_PANEL_WIDTH,
                                         **axis), FONT_SCALE)
    if data["recist_note"]:
        st.caption(data["recist_note"])


def _markers(data: dict, axis: dict) -> None:
    views.show_chart(charts.marker_chart(data["markers"], therapy_bands=charts.therapy_bands(data["events"]),
                                         width=BOARD_PANEL_WIDTH, **axis), FONT_SCALE)


DETAIL_CHARS = 90  # a dose or finding longer than this is shortened on the board (the slides wrap it)


def key_events(events: pd.DataFrame, relative: bool) -> pd.DataFrame:
    """The events a tumor board discusses, one line each, as the deck's event slides say them
    (timelines.key_events): when (with its uncertainty and its end), what, dose or finding."""
    header = HEADER_RELATIVE if relative else HEADER_CALENDAR
    rows = [(row.when, row.event, shorten(row.detail, DETAIL_CHARS)) for row in key_event_rows(events, relative)]
    return pd.DataFrame(rows, columns=list(header))


def _events(data: dict, axis: dict) -> None:
    table = key_events(data["events"], axis["axis"] == "relative")
    st.table(table.set_index(table.columns[0]))


_STEP_VIEWS = {"summary": _summary, "timeline": _timeline, "lesions": _lesions, "markers": _markers,
               "events": _events}


def board_screen(entry: Entry, stamp: Stamp, deidentified: bool) -> None:
    """Tumor-board mode: the case as a presentation, stepped with buttons or the arrow keys."""
    path = str(entry.path)
    data = cache.case_tables(path, stamp)
    view = view_of(data, deidentified)
    if "board_step" not in st.session_state:
        st.session_state["board_step"] = current_step(st.query_params.get("step"))
    frames, summary = cache.presented(path, stamp, view)
    step = board_page({**data, **frames, "summary": summary, "day_zero": view.day_zero}, entry.case_id,
                      st.session_state["board_step"], view.axis_options())
    if step != st.session_state["board_step"]:
        st.session_state["board_step"] = step
        st.rerun()
    st.query_params["step"] = step
