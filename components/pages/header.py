"""The case header: patient, diagnoses, lines of therapy and the paper's outcomes beside the computed ones; the page's
margins; the problems of a file that cannot be loaded."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from timelines.reading.catalog import Entry
from timelines.summary import (
    SCREEN_VERDICTS,
    key_outcomes,
    line_name,
    line_text,
    outcome_value,
    paper_figure,
    patient_text,
)
from timelines.summary import outcome_text as _outcome_text
from timelines.text import escape_markdown, shorten
from timelines.time.when import say_months

# A choice of a sidebar list (day 0, the case) is said in full in the open list, on as many lines as it takes: the
# sidebar's width cut "diagnosis (Breast cancer (IDC)) · after 2007, before modified radical mastectomy" to its
# first 30 characters.
# The page picker wraps after its second page in the sidebar; Streamlit clears the right border of a button whose
# neighbour is selected (joined segments), which left "Tumor board" open on the right when Cohort or Editor was.
# The header of the page is compact, so that the timeline's axis and legends are on a 1280x720 screen: Streamlit's
# top bar is lower and see-through (its menu sits right of the page's column), the title takes one line (in full on
# hover and in Details), each fact one line: what a line cannot hold is cut with "…" from its name (a diagnosis'
# label, an outcome's description) first, and only then from what follows it (what follows never shrinks by a
# fraction of a pixel, which showed a false "…"); Details says every fact in full.
PAGE_STYLE = """<style>
header[data-testid="stHeader"] {height: 2.5rem; background: transparent;}
.block-container {padding-top: 2.5rem; padding-bottom: 1rem;}
h2 {font-size: 1.45rem !important; line-height: 1.2 !important; padding-top: 0 !important;}
.st-key-case_head {gap: 0.5rem;}
.st-key-case_head h2 {padding-bottom: 0 !important;}
.st-key-case_head [data-testid="stHeading"] {margin-bottom: 0.3rem;}
.st-key-case_facts ul {margin: 0; padding: 0;}
.st-key-case_facts li {list-style: none; margin: 0; padding: 0; font-size: 0.9rem; line-height: 1.4; display: flex;
  gap: 0.3em; white-space: nowrap; overflow: hidden;}
.st-key-case_facts li > * {min-width: 0; overflow: hidden; text-overflow: ellipsis; flex: 0 1 auto;}
.st-key-case_facts li > strong {flex-shrink: 0;}
.st-key-case_facts li > em {font-style: normal;}
.st-key-case_facts li > em:first-child {font-weight: 600; min-width: 4em;}
.st-key-case_facts li > em:first-child + em {flex-shrink: 0; max-width: calc(100% - 4.5em);}
.st-key-case_outcomes li > em:first-child {font-weight: normal; min-width: 3em;}
.st-key-case_outcomes li > strong {flex-shrink: 0; max-width: calc(100% - 3.5em);}
.st-key-case_facts [data-testid="stMarkdownContainer"] {margin-bottom: 0;}
[data-testid="stSelectboxVirtualDropdown"] [role="option"] {height: auto; min-height: 40px;}
[data-testid="stSelectboxVirtualDropdown"] [role="option"] > div {white-space: normal; height: auto; line-height: 1.3;
  padding: 4px 0;}
[data-testid="stSidebar"] [data-testid="stButtonGroup"] button:nth-of-type(2) {border-right-color: rgb(215, 211, 207) !important;}
</style>"""
# What the compact header takes on screen (PAGE_STYLE), measured in Chromium: the page's top padding, the title's
# line and the gap under it, a line of the facts (0.9 rem x 1.4), the row of views (views, their switch, Details)
# with the gaps around it. Each column of facts shows at most FACT_LINES lines (the rest: "… n more" and Details).
HEADER_TOP_PX = 40
TITLE_PX = 40
FACT_LINE_PX = 20.2
FACT_LINES = 5
VIEW_ROW_PX = 72
PAGE_BOTTOM_PX = 16
SIDEBAR_PX = 300
COLUMN_MARGINS_PX = 160
TITLE_CHAR_PX = 12.5  # a character of the 1.45 rem title, on average


def page_style() -> None:
    """Tighter margins so the header and the chart share one projected screen (static CSS, no case text)."""
    st.html(PAGE_STYLE)


def case_header(summary: dict, day_zero: int = 0, window_width: int = 1280) -> None:
    """The case's title on one line (in full on hover when it is cut), then the facts, one line each: the patient,
    each diagnosis with its date and stage, each line of therapy with its length (left), each outcome's figure from
    the dates beside the paper's (right)."""
    title = escape_markdown(summary["title"])
    cut = len(summary["title"]) * TITLE_CHAR_PX > column_px(window_width)
    with st.container(key="case_head"):
        st.header(title, anchor=False, wrap=False, help=title if cut else None)
        left, right = st.container(key="case_facts").columns([3, 2], gap="medium")
        left.markdown(fact_list(fact_lines(summary, day_zero), "facts"))
        right.container(key="case_outcomes").markdown(fact_list(outcome_lines(summary), "outcomes"))


def fact_lines(summary: dict, day_zero: int = 0) -> list[str]:
    """The header's facts (markdown, escaped), one line each, marked for PAGE_STYLE: what is never cut in bold (a
    line's name), what is cut first in italics first (a diagnosis' label), the rest in italics after it."""
    lines = [f"**Patient** _{escape_markdown(patient_text(summary['patient']))}_"]
    for d in summary["diagnoses"]:
        stage = f" · {escape_markdown(shorten(d['stage'], HEADER_STAGE_CHARS))}" if d.get("stage") else ""
        lines.append(f"_{escape_markdown(d['label'])}_ _· {diagnosis_when(d, day_zero)}{stage}_")
    for line in summary["lines"]:
        named = {**line, "therapies": [{**t, "agent": shorten(t["agent"], HEADER_AGENT_CHARS)}
                                       for t in line["therapies"]]}
        lines.append(f"**{escape_markdown(line_name(line))}** _{escape_markdown(line_text(named))}_")
    return lines


def outcome_lines(summary: dict) -> list[str]:
    """The header's outcomes (markdown, escaped): what each is, then its figure from the dates beside the paper's,
    in bold ('PFS on first-line lorlatinib **25+ months · paper 25+ ✓**'): a line too long is cut in its words."""
    return [f"_{escape_markdown(o['label'])}_ **{escape_markdown(outcome_value(o, SCREEN_VERDICTS))}**"
            for o in key_outcomes(summary)] or ["No outcome can be computed."]


def column_px(window_width: int) -> int:
    """The width of the page's column in a window `window_width` px wide, with the sidebar open."""
    return window_width - SIDEBAR_PX - COLUMN_MARGINS_PX


def header_px(summary: dict) -> int:
    """px the header of ``case_header`` and the row of views under it take (PAGE_STYLE: one line a fact)."""
    rows = min(FACT_LINES, max(len(fact_lines(summary)), len(outcome_lines(summary))))
    return round(HEADER_TOP_PX + TITLE_PX + FACT_LINE_PX * rows + VIEW_ROW_PX)


def fact_list(lines: list[str], what: str = "facts") -> str:
    """Markdown lines as a list, one item a line (PAGE_STYLE: close, without bullets), at most FACT_LINES: the
    last says how many more `what` Details lists."""
    if len(lines) > FACT_LINES:
        lines = lines[:FACT_LINES - 1] + [f"… {len(lines) - FACT_LINES + 1} more {what} in Details"]
    return "\n".join(f"- {line}" for line in lines)


def case_details(summary: dict, slot, day_zero: int = 0) -> None:
    """The title and every fact in full (the header cuts a long title, a stage, a regimen, a line too long), the
    age as written, biomarkers, every outcome beside the paper's and the notes, in a popover of the view's row,
    drawn when it is opened (the first screen of a case loads no table component)."""
    details = slot.popover("Details", key="case_details", on_change="rerun", icon=":material/info:",
                           help="Every fact in full, biomarkers, age, every outcome, notes")
    if not details.open:
        return
    with details:
        st.markdown(f"**{escape_markdown(summary['title'])}**")
        st.markdown("  \n".join(header_lines(summary, day_zero, shorten_to=None)))
        if summary["patient"].get("age_note"):
            st.markdown("**Age** · " + escape_markdown(summary["patient"]["age_note"]))
        for d in summary["diagnoses"]:
            markers = "; ".join(f"{b['name']} {b['result']}" for b in d["biomarkers"])
            if markers:
                st.markdown(f"**{escape_markdown(d['label'])}** · " + escape_markdown(markers))
        st.dataframe(outcomes_frame(summary), hide_index=True, width="stretch")
        for note in summary["notes"]:
            st.markdown("- " + escape_markdown(note))


# The header keeps one line per diagnosis and per line of therapy; the stage and the regimen in full are in the
# details (and the regimen in the event table and the tooltips).
HEADER_STAGE_CHARS = 48
HEADER_AGENT_CHARS = 40


def header_lines(summary: dict, day_zero: int = 0,
                 shorten_to: tuple[int, int] | None = (HEADER_STAGE_CHARS, HEADER_AGENT_CHARS)) -> list[str]:
    """Markdown lines (case text escaped): the patient, each diagnosis with date and stage, each line of therapy.
    A diagnosis without a calendar date (or de-identified) is placed in months since the day 0 on screen.
    `shorten_to`: the characters a stage and an agent keep (HEADER_STAGE_CHARS, HEADER_AGENT_CHARS); None: all."""
    stage_chars, agent_chars = shorten_to or (None, None)

    def cut(text: str, chars: int | None) -> str:
        return shorten(text, chars) if chars else text

    lines = [f"**Patient** · {escape_markdown(patient_text(summary['patient']))}"]
    for d in summary["diagnoses"]:
        stage = f" · {escape_markdown(cut(d['stage'], stage_chars))}" if d.get("stage") else ""
        lines.append(f"**{escape_markdown(d['label'])}** · {diagnosis_when(d, day_zero)}{stage}")
    for line in summary["lines"]:
        named = {**line, "therapies": [{**t, "agent": cut(t["agent"], agent_chars)} for t in line["therapies"]]}
        lines.append(f"**{escape_markdown(line_name(line))}** · " + escape_markdown(line_text(named)))
    return lines



def diagnosis_when(diagnosis: dict, day_zero: int = 0) -> str:
    """'2021-10', or without a calendar date 'day 0' / 'month −169.6' / 'months 2.0–3.0' counted from day 0."""
    if diagnosis["date"]:
        return diagnosis["date"]
    low, high = (None if v is None else v - day_zero
                 for v in (diagnosis.get("day_earliest", diagnosis["day"]), diagnosis.get("day_latest", diagnosis["day"])))
    return "day 0" if low == high == 0 else say_months(low, high).replace("-", "−")


def outcome_text(outcome: dict) -> str:
    """'PFS on first-line lorlatinib: 24–26+ months · paper 25+ ✓'."""
    return _outcome_text(outcome, SCREEN_VERDICTS)


def outcomes_frame(summary: dict) -> pd.DataFrame:
    """Computed outcome ranges beside the paper's figures."""
    rows = []
    for o in summary["outcomes"]:
        agree = {True: "✓ consistent", False: "✗ differs", None: ""}[o["consistent"]]
        rows.append({"Outcome": o["label"], "From the dates": o["text"],
                     "Paper (months)": paper_figure(o), "": agree, "Event or censoring": o.get("note", "")})
    return pd.DataFrame(rows, columns=["Outcome", "From the dates", "Paper (months)", "", "Event or censoring"])


def problems_view(entry: Entry) -> None:
    """The problems of a file that cannot be loaded, shown as inert text."""
    count = len(entry.problems)
    st.error(f"This case file cannot be shown: {count} problem{'s' * (count != 1)}. "
             "Fix them in the file; the dashboard picks up the change on the next rerun.")
    st.code("\n".join(p.format() for p in entry.problems), language=None, wrap_lines=True)
