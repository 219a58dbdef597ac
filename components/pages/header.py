"""The case header: patient, diagnoses, lines of therapy and the paper's outcomes beside the computed ones; the page's
margins; the problems of a file that cannot be loaded."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from timelines.reading.catalog import Entry
from timelines.summary import SCREEN_VERDICTS, key_outcomes, line_name, line_text, paper_figure, patient_text
from timelines.summary import outcome_text as _outcome_text
from timelines.text import escape_markdown, shorten
from timelines.time.when import say_months

# The page picker wraps after its second page in the sidebar; Streamlit clears the right border of a button whose
# neighbour is selected (joined segments), which left "Tumor board" open on the right when Cohort or Editor was.
PAGE_STYLE = """<style>
.block-container {padding-top: 4rem; padding-bottom: 1rem;}
h2 {font-size: 1.45rem !important; line-height: 1.2 !important; padding-top: 0 !important;}
[data-testid="stSidebar"] [data-testid="stButtonGroup"] button:nth-of-type(2) {border-right-color: rgb(215, 211, 207) !important;}
</style>"""


def page_style() -> None:
    """Tighter margins so the header and the chart share one projected screen (static CSS, no case text)."""
    st.html(PAGE_STYLE)


def case_header(summary: dict, day_zero: int = 0) -> None:
    """Patient, diagnoses with stage and driver, lines of therapy with durations, and the paper's outcomes
    beside the ranges computed from the dates; details in an expander."""
    st.header(escape_markdown(summary["title"]), anchor=False)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.markdown("  \n".join(header_lines(summary, day_zero)))
    with right:
        st.markdown("  \n".join(escape_markdown(outcome_text(o)) for o in key_outcomes(summary))
                    or "No outcome can be computed.")
    details = st.expander("Details: biomarkers, age, every outcome, notes", key="case_details", on_change="rerun")
    if not details.open:  # drawn when opened: the first screen of a case loads no table component
        return
    with details:
        if summary["patient"].get("age_note"):
            st.markdown("**Age** · " + escape_markdown(summary["patient"]["age_note"]))
        for d in summary["diagnoses"]:
            markers = "; ".join(f"{b['name']} {b['result']}" for b in d["biomarkers"])
            if markers or len(d.get("stage") or "") > HEADER_STAGE_CHARS:
                stage = f"Stage: {d['stage']}" if len(d.get("stage") or "") > HEADER_STAGE_CHARS else ""
                details = " · ".join(x for x in (stage, markers) if x)
                st.markdown(f"**{escape_markdown(d['label'])}** · " + escape_markdown(details))
        st.dataframe(outcomes_frame(summary), hide_index=True, width="stretch")
        for note in summary["notes"]:
            st.markdown("- " + escape_markdown(note))


def header_lines(summary: dict, day_zero: int = 0) -> list[str]:
    """Markdown lines (case text escaped): the patient, each diagnosis with date and stage, each line of therapy.
    A diagnosis without a calendar date (or de-identified) is placed in months since the day 0 on screen."""
    lines = [f"**Patient** · {escape_markdown(patient_text(summary['patient']))}"]
    for d in summary["diagnoses"]:
        stage = f" · {escape_markdown(shorten(d['stage'], HEADER_STAGE_CHARS))}" if d.get("stage") else ""
        lines.append(f"**{escape_markdown(d['label'])}** · {diagnosis_when(d, day_zero)}{stage}")
    for line in summary["lines"]:
        named = {**line, "therapies": [{**t, "agent": shorten(t["agent"], HEADER_AGENT_CHARS)}
                                       for t in line["therapies"]]}
        lines.append(f"**{escape_markdown(line_name(line))}** · " + escape_markdown(line_text(named)))
    return lines


# The header keeps about one line per diagnosis and per line of therapy; the stage in full is in the details, the
# regimen in full in the event table and the tooltips.
HEADER_STAGE_CHARS = 48
HEADER_AGENT_CHARS = 40


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
