"""Tumor-board mode: one case as a presentation (summary, timeline, lesions, markers, key events)."""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import pandas as pd
import streamlit as st

from components import charts
from timelines.key_events import HEADER_CALENDAR, HEADER_RELATIVE, side_text
from timelines.key_events import key_events as key_event_rows
from timelines.kinds import SYSTEMIC
from timelines.presentation import MISSING_VIEWS, has_data
from timelines.reading.catalog import Entry
from timelines.reading.files import Stamp
from timelines.summary import SCREEN_VERDICTS, key_outcomes, outcome_value
from timelines.text import escape_markdown, shorten

from . import cache
from .case import view_of
from .chart_views import show_specs
from .header import HEADER_AGENT_CHARS, header_lines, outcome_text
from .screen import DEFAULT_WINDOW, learn_window, window_size

STEPS = ("summary", "endpoints", "timeline", "lesions", "markers", "events")
STEP_TITLES = {"summary": "Summary", "endpoints": "Endpoints", "timeline": "Timeline", "lesions": "Lesions",
               "markers": "Markers", "events": "Key events"}
# The element toolbar (fullscreen, download) and Vega's action menu sit over the top right of a chart: on the board,
# whose charts start under the Exit button, they covered it ("Fxit"). Nothing is downloaded from the board.
BOARD_STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
[data-testid="stElementToolbar"], .vega-embed details, .vega-embed .vega-actions {display: none !important;}
.block-container {padding-top: 0.8rem; padding-bottom: 0; max-width: 100%%;}
.block-container p, .block-container li {font-size: 1.35rem; line-height: 1.45;}
.st-key-board_top p {font-size: 1.2rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}
.st-key-board_summary p {font-size: %(summary_px)dpx; line-height: 1.45;}
h2 {font-size: 1.9rem !important;}
[data-testid="stTable"] td, [data-testid="stTable"] th, [data-testid="stTable"] td *, [data-testid="stTable"] th * {
  font-size: %(table_px)dpx !important; line-height: 1.3 !important; max-width: none !important;
  white-space: normal !important;}
[data-testid="stTable"] td, [data-testid="stTable"] th {padding: 4px 8px !important;}
[data-testid="stTable"] td > div, [data-testid="stTable"] th > div {width: 100%% !important;}
[data-testid="stTable"] table {table-layout: fixed; width: 100%%;}
[data-testid="stTable"] tr > :nth-child(1) {width: 22%%;}
[data-testid="stTable"] tr > :nth-child(2) {width: 38%%;}
[data-testid="stTable"] tr > :nth-child(3) {width: 40%%;}
</style>"""
# The charts are fitted to the screen's width; these widths are what their label layout assumes (therapy names
# over the panels are cut to fit). Text is 1.3 times larger on the board, so the panels assume less room: a
# 1280-px screen gives a panel about 1,050 px, which holds what 800 px holds at the page's type size.
BOARD_WIDTH = 1100
BOARD_PANEL_WIDTH = 760
FONT_SCALE = 1.3  # chart text 14 px -> 18 px, titles 16 -> 21 px (never under BOARD_MIN_FONT)
BOARD_MIN_FONT = 18  # px: the least text size on the tumor board, read from 6 m off a 1920x1080 projector


def case_steps(data: dict) -> tuple[str, ...]:
    """The steps of this case: a chart it has no data for is left out (the summary says so)."""
    return tuple(name for name in STEPS
                 if (bool(endpoint_table(data["summary"]).shape[0]) if name == "endpoints"
                     else has_data(name, data["events"], data["measurements"], data["markers"])))


def current_step(requested: str | None, steps: tuple[str, ...] = STEPS) -> str:
    """The step in the URL (?step=timeline) if this case has it, else the first."""
    return requested if requested in steps else steps[0]


class Screen(NamedTuple):
    """The screen the board is drawn for, in CSS px (the browser's window: a laptop, a projector), and the room
    each step has under the board's top bar."""

    width: int
    height: int

    @property
    def room(self) -> int:
        """px under the top bar (one line of title and buttons) down to the bottom of the screen."""
        return self.height - TOP_BAR_PX - BOTTOM_PX

    @property
    def text_px(self) -> int:
        """The summary's type size: 22 px on a 720-px laptop, 34 px on a 1080-px projector."""
        return max(20, min(36, round(self.height / 32)))

    @property
    def table_px(self) -> int:
        """The key events' type size: 18 px at 720 px, 26 px at 1080 px (BOARD_MIN_FONT at the least)."""
        return max(BOARD_MIN_FONT, min(30, round(self.height / 41)))


DEFAULT_SCREEN = Screen(*DEFAULT_WINDOW)
TOP_BAR_PX = 80  # the top bar: padding, one line of title and buttons, the gap under it
BOTTOM_PX = 24


def board_screen_size(asked: str | None = None, cookie: str | None = None) -> Screen:
    """The screen to lay the board out for (``screen.window_size``): the address's ?screen=, else the window's
    size in the browser's cookie, else a laptop's 1280x720."""
    return Screen(*window_size(asked, cookie))


def board_page(data: dict, case_id: str, step: str, axis: dict, screen: Screen = DEFAULT_SCREEN,
               part: int = 0, deidentified: bool = False) -> tuple[str, int]:
    """Show one step of the presentation (`part`: the page of a step that takes more than one screen, the key
    events); returns the step and part to show next (after Back/Next)."""
    st.html(BOARD_STYLE % {"summary_px": screen.text_px, "table_px": screen.table_px})
    steps = case_steps(data)
    step = current_step(step, steps)
    at = steps.index(step)
    parts = step_parts(data, step, axis, screen)
    part = min(max(part, 0), len(parts) - 1)
    with st.container(key="board_top"):
        top = st.columns([6, 2.2, 1.3, 1.3, 1], vertical_alignment="center")
    title = shorten(data["summary"]["title"], title_chars(screen) - 30 * deidentified)
    where = f"{at + 1}/{len(steps)} · {STEP_TITLES[step]}" + (f" {part + 1}/{len(parts)}" if len(parts) > 1 else "")
    top[0].markdown(f"{where} · " + ("**De-identified** · " if deidentified else "") + f"**{escape_markdown(title)}**",
                    help=escape_markdown(data["summary"]["title"]))
    st.session_state["board_deidentify"] = deidentified
    top[1].toggle("De-identified", key="board_deidentify", on_change=_switch_deidentified,
                  help="Months since day 0 only; no calendar dates, source, quotes or notes.")
    first, last = at == 0 and part == 0, at == len(steps) - 1 and part == len(parts) - 1
    back = top[2].button("◀ Back", key="board_back", shortcut="Left", disabled=first, width="stretch")
    forward = top[3].button("Next ▶", key="board_next", shortcut="Right", disabled=last, width="stretch",
                            type="primary")
    top[4].button("Exit", key="board_exit", width="stretch", help="Back to the case page", on_click=exit_board)
    if back:
        if part > 0:
            return step, part - 1
        before = steps[at - 1]
        return before, len(step_parts(data, before, axis, screen)) - 1
    if forward:
        return (step, part + 1) if part < len(parts) - 1 else (steps[at + 1], 0)
    _STEP_VIEWS[step](data, axis, screen, parts[part])
    return step, part


def title_chars(screen: Screen) -> int:
    """How much of the case's title the top bar holds on one line beside its buttons (in full on hover)."""
    return max(40, int(screen.width * 0.5 / 10.5))


def _switch_deidentified() -> None:
    """The board's own switch, kept with the sidebar's (the one the rest of the dashboard reads)."""
    st.session_state["deidentify"] = st.session_state["board_deidentify"]


def step_parts(data: dict, step: str, axis: dict, screen: Screen) -> list:
    """What each screen of a step shows: the key events in pages that fit the screen, the lesions and the markers a
    few panels a screen (each panel tall enough to read), any other step in one."""
    if step == "markers":
        names = list(dict.fromkeys(data["markers"].sort_values("day_start", kind="stable")["marker"]))
        per_page = max(1, (screen.room - STACK_AXIS_PX) // MARKER_PANEL_PX)
        return [names[i:i + per_page] for i in range(0, len(names), per_page)] or [None]
    if step == "lesions":
        return lesion_pages(data, screen)
    if step == "endpoints":
        table = endpoint_table(data["summary"])
        return event_pages(table, screen) or [table]
    if step != "events":
        return [None]
    table = key_events(data["events"], axis["axis"] == "relative")
    return event_pages(table, screen) or [table]


class LesionPage(NamedTuple):
    """One screen of the Lesions step: these lesions' panels, and whether the RECIST sum and the imaging findings
    without a size are on it."""

    lesions: tuple[str, ...]
    recist: bool
    findings: bool


def finding_rows(events: pd.DataFrame, measurements: pd.DataFrame) -> int:
    """How many rows the imaging findings without a size take: the imaging events that measured nothing, and those
    whose change the case gives in words (as ``charts.lesion_chart`` draws them)."""
    imaging = events[events["kind"].eq("imaging")]
    if measurements.empty:
        return len(imaging)
    worded = measurements["size_status"].eq("qualitative") if "size_status" in measurements \
        else pd.Series(False, index=measurements.index)
    sized, said = measurements.loc[~worded, "event_id"], measurements.loc[worded, "event_id"]
    return int((~imaging["event_id"].isin(sized) | imaging["event_id"].isin(said)).sum())


def lesion_pages(data: dict, screen: Screen) -> list[LesionPage]:
    """The lesion panels in order (each lesion by first measurement, the RECIST sum, the imaging findings), as
    many a screen as leave each panel readable (LESION_PANEL_PX, SUM_PANEL_PX, FINDINGS_PANEL_PX)."""
    measured = data["measurements"]
    lesions = list(dict.fromkeys(measured.sort_values("day_start", kind="stable")["lesion_label"])) \
        if not measured.empty else []
    panels = [("lesion", name, LESION_PANEL_PX) for name in lesions]
    if data["assessments"] is not None and len(data["assessments"]):
        panels.append(("recist", "", SUM_PANEL_PX))
    findings = finding_rows(data["events"], measured)
    if findings:
        panels.append(("findings", "", FINDINGS_PANEL_PX + FINDING_ROW_PX * findings))
    room = screen.room - STACK_AXIS_PX - CAPTION_PX
    pages: list[list] = [[]]
    for panel in panels:
        if pages[-1] and sum(p[2] for p in pages[-1]) + panel[2] > room:
            pages.append([])
        pages[-1].append(panel)
    return [LesionPage(tuple(name for kind, name, _ in page if kind == "lesion"),
                       any(kind == "recist" for kind, _, _ in page), any(kind == "findings" for kind, _, _ in page))
            for page in pages]


def exit_board() -> None:
    """Back to the case page. A callback: the page picker's state may change only before it is drawn."""
    st.session_state["page"] = "case"
    st.session_state.pop("board_step", None)
    st.session_state.pop("board_part", None)
    st.query_params.pop("step", None)


def _summary(data: dict, axis: dict, screen: Screen, part=None) -> None:
    summary = data["summary"]
    with st.container(key="board_summary"):
        lines = header_lines(summary, data.get("day_zero", 0))
        others = unnumbered_therapies(data["events"], summary, axis["axis"] == "relative")
        if others:
            lines.append("**Systemic therapy outside the numbered lines** · " + escape_markdown("; ".join(others)))
        st.markdown("  \n".join(lines))
        reported = key_outcomes(summary)
        if reported:
            st.markdown("**Outcomes** (from the dates · the paper)  \n" +
                        "  \n".join(escape_markdown(outcome_text(o)) for o in reported))
    missing = [MISSING_VIEWS[name] for name in STEPS if name in MISSING_VIEWS and name not in case_steps(data)]
    if missing:
        st.caption(" ".join(missing) + " Those steps are left out.")


# The endpoints the Endpoints step lists besides the paper's figures (time on each therapy is in the case's details).
BOARD_ENDPOINTS = ("pfs", "pfs2", "ttnt", "time_to_response", "dor", "dfs", "os")
ENDPOINT_COLUMNS = ("Endpoint", "From the dates · the paper", "Ended or censored by")


def endpoint_table(summary: dict) -> pd.DataFrame:
    """The endpoints as the board says them: each figure from the dates beside the paper's, what ended or censored
    it, the best overall response per line, then the definitions of the endpoints shown (FDA endpoints guidance,
    STEEP 2.0, RECIST 1.1), one row each, so that a long list is paged like the key events."""
    reported = key_outcomes(summary)
    others = [o for o in summary.get("outcomes", []) if o not in reported and o.get("name") in BOARD_ENDPOINTS]
    rows = [(o["label"], outcome_value(o, SCREEN_VERDICTS), o.get("note", "")) for o in reported + others]
    rows += [(f"Best overall response, {b['line_name']}", b["text"], "RECIST 1.1")
             for b in summary.get("best_response", [])]
    shown = {o["name"] for o in reported + others}
    rows += [("Definition", "", text) for name, text in summary.get("definitions", {}).items() if name in shown]
    return pd.DataFrame(rows, columns=list(ENDPOINT_COLUMNS))


def _endpoints(data: dict, axis: dict, screen: Screen, part: pd.DataFrame | None = None) -> None:
    table = part if part is not None else endpoint_table(data["summary"])
    st.table(table.set_index(table.columns[0]))


def unnumbered_therapies(events: pd.DataFrame, summary: dict, relative: bool) -> list[str]:
    """Every systemic therapy of the event table that no line of the summary holds (one written without `line:`,
    or adjuvant), with its start: 'imatinib (after laparotomy)'. The summary's lines are the home of lines of
    therapy; a therapy they come to hold (an inferred line) is no longer listed here."""
    in_lines = [t for line in summary.get("lines", []) for t in line.get("therapies", [])]
    ids = {str(t.get("id")) for t in in_lines}
    agents = {str(t.get("agent", "")).casefold() for t in in_lines}
    said = []
    for row in events[events["category"] == SYSTEMIC].to_dict("records"):
        name = str(row.get("agent") or row.get("label") or "")
        if str(row.get("event_id")) in ids or name.casefold() in agents:
            continue
        start = side_text(row, "start", relative)
        said.append(shorten(name, HEADER_AGENT_CHARS) + (f" ({start})" if start else ""))
    return said


# What a chart spends besides its plot on the board (at FONT_SCALE): the timeline's x axis, its title and the key
# under it; each panel of a stack its title, legends, padding and the gap to the next; the bottom x axis.
TIMELINE_CHROME_PX = 175
PANEL_CHROME_PX = 52
STACK_AXIS_PX = 76
CAPTION_PX = 40  # a caption under the lesions (how RECIST was applied)
MARKER_PANEL_PX = 160  # a marker's panel on the board: its title, legend and a plot that still shows a trend
# A lesion's panel on the board (its title, band labels and a plot of about 90 px), the RECIST sum's (a title and two
# lines of subtitle), the imaging findings' (a few rows and the trend legend): a page holds what fits these.
LESION_PANEL_PX = 190
SUM_PANEL_PX = 290
FINDINGS_PANEL_PX = 130
FINDING_ROW_PX = 36
LEAST_PANEL_PX = 64  # the least plot height a panel is given: 28 px showed a 26 -> 12 mm trend as a flat line


def board_display(name: str, axis: dict, screen: Screen, *, below: int = 0, domain=None,
                  series: tuple[str, ...] | None = None, lesions: LesionPage | None = None) -> charts.Display:
    """The board's choices for its chart `name` on `screen`: text FONT_SCALE larger (never under BOARD_MIN_FONT);
    the timeline as tall as the screen leaves, its legends beside it (under it, the event legend fell below a
    1280x720 screen); a stack of panels fitted to the screen (`below` px left for what follows it), its legends
    side by side under each panel (one under the other, a lesion panel's two took a third of the screen)."""
    common = {"width": BOARD_WIDTH, "panel_width": BOARD_PANEL_WIDTH, "font_scale": FONT_SCALE,
              "least_font": BOARD_MIN_FONT, "split_panels": True, "fit_width": True, "domain": domain,
              "series": series, **axis}
    if name == "timeline":
        return charts.Display(height=screen.room - TIMELINE_CHROME_PX, legends="beside", **common)
    if lesions is not None:
        common.update(series=lesions.lesions, recist_panel=lesions.recist, findings_panel=lesions.findings)
    return charts.Display(fit=stack_fit(screen, below), legends="row", **common)


def stack_fit(screen: Screen, below: int = 0) -> charts.StackFit:
    """The room a stack of panels has on this screen, `below` px left for what follows it."""
    return charts.StackFit(height=screen.room - below, panel_px=PANEL_CHROME_PX, axis_px=STACK_AXIS_PX,
                           legends_in_a_row=True, least_px=LEAST_PANEL_PX)


def _timeline(data: dict, axis: dict, screen: Screen, part=None) -> None:
    domain = charts.focus_domain(data["events"], axis=axis["axis"], unit=axis["unit"])
    data["draw"]("timeline", board_display("timeline", axis, screen, domain=domain))


def _lesions(data: dict, axis: dict, screen: Screen, part: LesionPage | None = None) -> None:
    # The sum panel's subtitle says how RECIST was applied; the note is said under the chart only without it.
    note = data["recist_note"] if data["assessments"] is None or len(data["assessments"]) == 0 else ""
    data["draw"]("lesions", board_display("lesions", axis, screen, below=CAPTION_PX if note else 0, lesions=part))
    if note:
        st.caption(note)


def _markers(data: dict, axis: dict, screen: Screen, part: list | None = None) -> None:
    data["draw"]("markers", board_display("markers", axis, screen, series=None if part is None else tuple(part)))


DETAIL_CHARS = 90  # a dose or finding longer than this is shortened on the board (the slides wrap it)


def key_events(events: pd.DataFrame, relative: bool) -> pd.DataFrame:
    """The events a tumor board discusses, one line each, as the deck's event slides say them
    (timelines.key_events): when (with its uncertainty and its end), what, dose or finding."""
    header = HEADER_RELATIVE if relative else HEADER_CALENDAR
    rows = [(row.when, row.event, shorten(row.detail, DETAIL_CHARS)) for row in key_event_rows(events, relative)]
    return pd.DataFrame(rows, columns=list(header))


# The key events' table on the board: the share of the width each column takes, and what a line of text and a row
# take (in units of the type size), from which the rows a screen holds are counted.
EVENT_COLUMN_SHARES = (0.22, 0.38, 0.40)  # as BOARD_STYLE sets them
CHAR_EM = 0.5  # the mean width of a character, in type sizes (Source Sans)
LINE_EM = 1.3  # as BOARD_STYLE sets it
ROW_PAD_PX = 9  # padding and border of a row
TABLE_HEAD_LINES = 1.6
TABLE_SLACK_PX = 40  # what the estimate of wrapped lines may miss


def row_lines(row, screen: Screen) -> int:
    """How many lines a row of the key events takes on this screen (its longest cell, wrapped)."""
    usable = screen.width - 100 - 16 * len(EVENT_COLUMN_SHARES)  # the page's margins, each cell's padding
    chars = [max(8, int(share * usable / (CHAR_EM * screen.table_px))) for share in EVENT_COLUMN_SHARES]
    return max(max(1, math.ceil(len(str(cell)) / n)) for cell, n in zip(row, chars))


def event_pages(table: pd.DataFrame, screen: Screen) -> list[pd.DataFrame]:
    """The key events in pages that each fit the screen under the top bar (a long list is paged, not scrolled)."""
    line_px = screen.table_px * LINE_EM
    room = screen.room - TABLE_HEAD_LINES * line_px - ROW_PAD_PX - TABLE_SLACK_PX
    pages, start, used = [], 0, 0.0
    for i, row in enumerate(table.itertuples(index=False)):
        px = row_lines(row, screen) * line_px + ROW_PAD_PX
        if used + px > room and i > start:
            pages.append(table.iloc[start:i])
            start, used = i, 0.0
        used += px
    if start < len(table):
        pages.append(table.iloc[start:])
    return pages


def _events(data: dict, axis: dict, screen: Screen, part: pd.DataFrame | None = None) -> None:
    table = part if part is not None else key_events(data["events"], axis["axis"] == "relative")
    st.table(table.set_index(table.columns[0]))


_STEP_VIEWS = {"summary": _summary, "endpoints": _endpoints, "timeline": _timeline, "lesions": _lesions,
               "markers": _markers, "events": _events}


def board_screen(entry: Entry, stamp: Stamp, deidentified: bool, colors: tuple = ()) -> None:
    """Tumor-board mode: the case as a presentation, stepped with buttons or the arrow keys; ``colors``: the therapy
    colours of the cases it is shown with (``cache.folder_colors``)."""
    path = str(entry.path)
    data = cache.case_tables(path, stamp)
    view = view_of(data, deidentified)
    if "board_step" not in st.session_state:
        st.session_state["board_step"] = current_step(st.query_params.get("step"))
    screen = Screen(*learn_window())
    frames, summary = cache.presented(path, stamp, view)

    def draw(name: str, display: charts.Display) -> None:  # each therapy in its colour among the cases shown with it
        show_specs(cache.case_chart(path, stamp, view, name, dataclasses.replace(display, colors=colors)))

    shown = (st.session_state["board_step"], st.session_state.get("board_part", 0))
    step, part = board_page({**data, **frames, "summary": summary, "day_zero": view.day_zero, "draw": draw},
                            entry.case_id,
                            shown[0], view.axis_options(), screen, shown[1], deidentified)
    if (step, part) != shown:
        st.session_state["board_step"], st.session_state["board_part"] = step, part
        st.rerun()
    st.query_params["step"] = step
