"""Tumor-board mode: one case as a presentation (summary, timeline, lesions, markers, key events)."""

from __future__ import annotations

import dataclasses
import math
import textwrap
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
from .panel_pages import finding_rows, paged
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
.st-key-board_words p {font-size: %(table_px)dpx !important; line-height: 1.3 !important;}
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
    return tuple(name for name in STEPS if _has_step(name, data))


def _has_step(name: str, data: dict) -> bool:
    """Whether the case has this step: the endpoints a figure, the markers a value with a number (results given
    only in words are listed on the Summary step: a step of them alone would be rows of words on an empty plot)."""
    if name == "endpoints":
        return bool(endpoint_table(data["summary"]).shape[0])
    if name == "markers":
        return bool(marker_names(data["markers"])[0])
    return has_data(name, data["events"], data["measurements"], data["markers"])


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
        words = word_results(data["markers"], axis["axis"] == "relative")
        return marker_pages(marker_names(data["markers"])[0], words, screen)
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
        panels.append(("findings", "", FINDINGS_PANEL_PX + max(FINDING_ROW_PX * findings, LEAST_PANEL_PX)))
    pages = paged(panels, screen.room - STACK_AXIS_PX - CAPTION_PX, reserved=0)
    return [LesionPage(tuple(name for kind, name, _ in page if kind == "lesion"),
                       any(kind == "recist" for kind, _, _ in page), any(kind == "findings" for kind, _, _ in page))
            for page in pages]


def marker_names(markers: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The markers in order of first date: those with a number (a panel each) and those reported only in words
    ('within normal limits'), which the board lists as text instead of a panel of rows on an empty plot."""
    if markers is None or markers.empty:
        return [], []
    ordered = markers.sort_values("day_start", kind="stable")
    numbered = pd.to_numeric(ordered["value"], errors="coerce").notna().groupby(ordered["marker"]).any()
    names = list(dict.fromkeys(ordered["marker"]))
    return [n for n in names if numbered[n]], [n for n in names if not numbered[n]]


class WordResult(NamedTuple):
    """Results reported only in words, one finding at one date, and the tests it covers."""

    finding: str
    when: str
    tests: str

    @property
    def text(self) -> str:
        """'within normal limits (2008-01): Complete blood count, Free T4'."""
        return f"{self.finding}" + (f" ({self.when})" if self.when else "") + f": {self.tests}"

    @property
    def markdown(self) -> str:
        return f"**{escape_markdown(self.finding)}**" + (f" ({escape_markdown(self.when)})" if self.when else "") \
            + f": {escape_markdown(self.tests)}"


def word_results(markers: pd.DataFrame, relative: bool) -> list[WordResult]:
    """The results reported only in words, one per finding and date, in date order, the date as the tables say
    it: ('within normal limits', '2008-01', 'Complete blood count, Free T4')."""
    words = marker_names(markers)[1]
    if not words:
        return []
    rows = markers[markers["marker"].isin(words)].sort_values("day_start", kind="stable")
    said: dict[tuple[str, str], list[str]] = {}
    for row in rows.to_dict("records"):
        key = (str(row.get("finding") or "reported"), side_text(row, "start", relative))
        said.setdefault(key, []).append(str(row["marker"]))
    return [WordResult(finding, when, ", ".join(dict.fromkeys(names))) for (finding, when), names in said.items()]


class MarkerPage(NamedTuple):
    """One screen of the Markers step: these markers' panels, and whether the results in words are under them."""

    markers: tuple[str, ...]
    words: bool


def marker_pages(names: list[str], words: list[WordResult], screen: Screen) -> list[MarkerPage]:
    """The marker panels a few a screen, each plot at least LEAST_PANEL_PX tall; the results in words under the
    last page's panels (never a page of their own: the last page gives up panels to make room for them)."""
    room = screen.room - STACK_AXIS_PX - MARKER_PAGE_PX
    per_page = max(1, room // MARKER_PANEL_PX)
    pages = [names[i:i + per_page] for i in range(0, len(names), per_page)] or [[]]
    if words:
        with_words = max(1, (room - words_px(words, screen)) // MARKER_PANEL_PX)
        if len(pages[-1]) > with_words:
            last = pages.pop()
            pages += [last[:-with_words], last[-with_words:]]
    return [MarkerPage(tuple(page), bool(words) and i == len(pages) - 1) for i, page in enumerate(pages)]


def words_px(lines: list[WordResult], screen: Screen, width_share: float = 1.0) -> int:
    """The height the results in words take on the board (a heading, each line wrapped), at the table's size."""
    chars = max(20, int(width_share * (screen.width - 100) / (CHAR_EM * screen.table_px)))
    wrapped = 1 + sum(math.ceil(len(line.text) / chars) for line in lines)
    return int(wrapped * screen.table_px * LINE_EM) + WORDS_GAP_PX


def exit_board() -> None:
    """Back to the case page. A callback: the page picker's state may change only before it is drawn."""
    st.session_state["page"] = "case"
    st.session_state.pop("board_step", None)
    st.session_state.pop("board_part", None)
    st.query_params.pop("step", None)


def _summary(data: dict, axis: dict, screen: Screen, part=None) -> None:
    """The case in two columns: what it is (patient, diagnoses, lines of therapy, therapy outside the lines, the
    results in words when there is no Markers step) and its key figures, each with what ended or censored it and
    its definition in words, as the case page states them; the type as large as lets both fit the screen."""
    steps = case_steps(data)
    lines, figures, words = summary_content(data, axis)
    missing = [MISSING_VIEWS[name] for name in STEPS if name in MISSING_VIEWS and name not in steps
               and not (name == "markers" and words)]
    fit = summary_fit(lines, figures, screen, caption=bool(missing))
    st.html(SUMMARY_STYLE % {"px": fit.px, "note_px": fit.note_px})
    left, right = st.columns([SUMMARY_LEFT_SHARE, 1 - SUMMARY_LEFT_SHARE], gap="large")
    with left, st.container(key="board_summary"):
        st.markdown("  \n".join(lines))
    with right, st.container(key="board_figures"):
        st.markdown("**Key figures** (from the dates · the paper)" if figures else "No outcome can be computed.")
        for i, figure in enumerate(figures):
            st.markdown(escape_markdown(figure.title))
            notes = figure_notes(figure, fit.definitions) if fit.notes else []
            if notes:
                with st.container(key=f"board_note_{i}"):
                    st.markdown("  \n".join(notes))
        if figures and not fit.definitions:
            with st.container(key="board_note_definitions"):
                st.markdown(":gray[" + ("The definitions are" if fit.notes else "What ended or censored each figure, "
                                        "and the definitions, are") + " on the Endpoints step.]")
    if missing:
        st.caption(" ".join(missing) + " Those steps are left out.")


def summary_content(data: dict, axis: dict) -> tuple[list[str], list["KeyFigure"], list[WordResult]]:
    """What the Summary step says: its lines (Markdown), its key figures, and the results in words it lists (when
    the case has no Markers step)."""
    summary = data["summary"]
    lines = header_lines(summary, data.get("day_zero", 0))
    others = unnumbered_therapies(data["events"], summary, axis["axis"] == "relative")
    if others:
        lines.append("**Systemic therapy outside the numbered lines** · " + escape_markdown("; ".join(others)))
    words = [] if "markers" in case_steps(data) else word_results(data["markers"], axis["axis"] == "relative")
    if words:
        lines.append("**Results in words only** · " + "  \n".join(w.markdown for w in words))
    return lines, key_figures(summary), words


class KeyFigure(NamedTuple):
    """A key figure of the Summary step: 'PFS on first-line lorlatinib: 25+ months · paper 25+ ✓', what ended or
    censored it, and the endpoint's definition ('' when said by a figure above it)."""

    title: str
    ended: str
    definition: str


def key_figures(summary: dict) -> list[KeyFigure]:
    """The outcomes the case page lists (``key_outcomes``), each with its censoring and definition in words."""
    defined: set[str] = set()
    figures = []
    for outcome in key_outcomes(summary):
        name = outcome.get("name", "")
        definition = summary.get("definitions", {}).get(name, "") if name not in defined else ""
        defined.add(name)
        figures.append(KeyFigure(outcome_text(outcome), str(outcome.get("note") or ""), definition))
    return figures


def figure_notes(figure: KeyFigure, definitions: bool = True) -> list[str]:
    """A key figure's lines in small type, grey: what ended or censored it, and its definition."""
    notes = [f"Ended or censored by: {figure.ended}"] if figure.ended else []
    notes += [f"Definition · {figure.definition}"] if definitions and figure.definition else []
    return [f":gray[{escape_markdown(note)}]" for note in notes]


class SummaryFit(NamedTuple):
    px: int  # the summary's and the figures' type size
    note_px: int  # the censoring and definitions under each figure
    definitions: bool  # whether the definitions fit beside the figures (else the Endpoints step says them)
    notes: bool = True  # whether what ended or censored each figure fits beside it (else the Endpoints step)


SUMMARY_STYLE = """<style>
.st-key-board_summary p, .st-key-board_figures p {font-size: %(px)dpx !important; line-height: 1.4 !important;}
[class*="st-key-board_note"] p {font-size: %(note_px)dpx !important; line-height: 1.3 !important;}
</style>"""
SUMMARY_LEFT_SHARE = 0.5
SUMMARY_GAP_PX = 48  # between the two columns ('large')
SUMMARY_LINE_EM, NOTE_LINE_EM = 1.4, 1.3  # as SUMMARY_STYLE sets them
BLOCK_GAP_PX = 16  # between two blocks of text
SUMMARY_SLACK_PX = 24  # what the estimate of wrapped lines may miss
NOTE_SCALE = 0.72  # the notes' size to the figures'
# The largest type: the screen's height over this many lines (68 px at 1080 px, 45 px at 720 px), so a short case
# fills the screen in large type rather than leaving its lower part empty; a long one takes the largest that fits.
SUMMARY_LARGEST_LINES = 16
SUMMARY_CHAR_EM = 0.44  # the mean width of a character of the summary's regular type (Source Sans), in type sizes
BOLD_WIDER = 1.1  # its bold type's, to the regular's


def summary_fit(lines: list[str], figures: list[KeyFigure], screen: Screen, caption: bool = True) -> SummaryFit:
    """The largest type (from the screen's height over SUMMARY_LARGEST_LINES, so a short case fills the screen,
    down to the screen's text size) at which both columns fit the screen under the top bar and the caption; the
    definitions are left to the Endpoints step when they do not, and then what ended or censored each figure (and
    the type goes down to BOARD_MIN_FONT). ``caption``: a line under the columns says which steps are left out."""
    room = screen.room - CAPTION_PX * caption - SUMMARY_SLACK_PX
    largest = max(BOARD_MIN_FONT, round(screen.height / SUMMARY_LARGEST_LINES))
    for definitions, with_notes in ((True, True), (False, True), (False, False)):
        # The notes are said in no smaller type than the screen's text size; without them, down to the least.
        least = screen.text_px if with_notes else BOARD_MIN_FONT
        for px in range(largest, least - 1, -1):
            fit = SummaryFit(px, max(BOARD_MIN_FONT, round(px * NOTE_SCALE)), definitions, with_notes)
            if summary_height(lines, figures, screen, fit) <= room:
                return fit
    return SummaryFit(BOARD_MIN_FONT, BOARD_MIN_FONT, False, False)


def summary_height(lines: list[str], figures: list[KeyFigure], screen: Screen, fit: SummaryFit) -> int:
    """How tall the Summary step's taller column is, in px, at the type sizes and with the notes of ``fit``."""
    width = (screen.width - 100 - SUMMARY_GAP_PX)
    left = text_px([line for block in lines for line in block.split("  \n")],
                   width * SUMMARY_LEFT_SHARE, fit.px, SUMMARY_LINE_EM) + BLOCK_GAP_PX
    right = text_px(["Key figures (from the dates · the paper)"] + [f.title for f in figures],
                    width * (1 - SUMMARY_LEFT_SHARE), fit.px, SUMMARY_LINE_EM) + BLOCK_GAP_PX * (1 + len(figures))
    said = [figure_notes(f, fit.definitions) if fit.notes else [] for f in figures]
    said.append([":gray[The definitions are on the Endpoints step.]"] if not fit.definitions else [])
    right += text_px([n for notes in said for n in notes], width * (1 - SUMMARY_LEFT_SHARE), fit.note_px,
                     NOTE_LINE_EM) + BLOCK_GAP_PX * sum(bool(notes) for notes in said)
    return max(left, right)


def text_px(lines: list[str], width: float, px: int, line_em: float) -> int:
    """How tall these lines are at `px` in a column `width` px wide, each wrapped between words as the browser
    wraps it (markdown marks not counted; a line with bold words holds fewer characters)."""
    height = 0
    for line in lines:
        bold = sum(len(part) for part in line.split("**")[1::2])
        plain = line.replace("**", "").replace(":gray[", "").replace("\\", "")
        stretch = 1 + (BOLD_WIDER - 1) * bold / max(len(plain), 1)
        chars = max(8, int(width / (SUMMARY_CHAR_EM * stretch * px)))
        height += max(1, len(textwrap.wrap(plain, chars, break_on_hyphens=False)))
    return int(height * px * line_em)


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
        shown = str(row.get("lane") or name)  # its one short name, as its lane and the legend name it
        said.append(shorten(shown, HEADER_AGENT_CHARS) + (f" ({start})" if start else ""))
    return said


# What a chart spends besides its plot on the board (at FONT_SCALE): the timeline's x axis, its title and the key
# under it; each panel of a stack its title, legends, padding and the gap to the next; the bottom x axis.
TIMELINE_CHROME_PX = 175
PANEL_CHROME_PX = 52
STACK_AXIS_PX = 76
CAPTION_PX = 40  # a caption under the lesions (how RECIST was applied)
# A marker's panel on the board: its title, padding and a plot of LEAST_PANEL_PX; a page of them adds the therapy
# labels over the first and the flag legend under the last.
MARKER_PANEL_PX = 172
MARKER_PAGE_PX = 90
WORDS_GAP_PX = 24  # between the charts and the results in words under them
# A lesion's panel on the board (its title, band labels and a plot of about 90 px), the RECIST sum's (a title and two
# lines of subtitle), the imaging findings' (a few rows and the trend legend): a page holds what fits these.
LESION_PANEL_PX = 180
SUM_PANEL_PX = 270
FINDINGS_PANEL_PX = 130
FINDING_ROW_PX = 36
LEAST_PANEL_PX = 90  # the least plot height a panel is given: 28 px showed a 26 -> 12 mm trend as a flat line, and
# under 90 px a panel's value labels and the RECIST sum's category labels ran into each other


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


def _markers(data: dict, axis: dict, screen: Screen, part: MarkerPage | None = None) -> None:
    names = marker_names(data["markers"])[0]
    part = part if part is not None else MarkerPage(tuple(names), True)
    words = word_results(data["markers"], axis["axis"] == "relative") if part.words else []
    data["draw"]("markers", board_display("markers", axis, screen, series=part.markers,
                                          below=words_px(words, screen) if words else 0))
    if words:
        _words_list(words)


def _words_list(words: list[WordResult]) -> None:
    with st.container(key="board_words"):
        st.markdown("**Results in words only**  \n" + "  \n".join(w.markdown for w in words))


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
