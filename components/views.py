"""Small Streamlit views: case picker, case header, outcomes, event table, problems of a broken file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from timelines.catalog import Entry

EVENT_TABLE_COLUMNS = {
    "date_text": "Date (as written)", "start": "Start", "end": "End", "precision": "Precision", "kind": "Kind",
    "label": "Event", "agent": "Agent", "dose": "Dose", "line": "Line", "details": "Details",
    "quote": "Source quote", "note": "Note", "day_start": "Day", "event_id": "Id",
}


def case_picker(entries: list[Entry], selected: str | None) -> Entry | None:
    """Sidebar list of cases (title and patient one-liner); returns the chosen entry."""
    if not entries:
        st.sidebar.info("No case files in the cases folder.")
        return None
    ids = [e.case_id for e in entries]
    index = ids.index(selected) if selected in ids else 0
    labels = {e.case_id: ("⚠ " if not e.ok else "") + e.title for e in entries}
    chosen = st.sidebar.radio("Case", ids, index=index, format_func=labels.get, key="case_picker",
                              captions=[e.one_liner for e in entries])
    return entries[ids.index(chosen)]


def case_header(summary: dict) -> None:
    """Patient, diagnoses with stage and molecular findings, lines of therapy, outcomes."""
    st.title(summary["title"])
    patient = summary["patient"]
    bits = [patient.get("sex", "").capitalize(),
            f"{patient['age']} years" if patient.get("age") is not None else "",
            f"smoking: {patient['smoking']}" if patient.get("smoking") else ""]
    st.markdown("**Patient** · " + _escape(" · ".join(b for b in bits if b)))
    if patient.get("age_note"):
        st.caption("Age: " + _escape(patient["age_note"]))
    left, right = st.columns([3, 2])
    with left:
        for d in summary["diagnoses"]:
            when = d["date"] or f"day {d['day']}"
            text = f"**{_escape(d['label'])}** ({when})"
            if d.get("stage"):
                text += f" · {_escape(d['stage'])}"
            markers = "; ".join(f"{b['name']} {b['result']}" for b in d["biomarkers"])
            st.markdown(text)
            if markers:
                st.caption(_escape(markers))
        for line in summary["lines"]:
            st.markdown(f"**Line {line['line']}** · " + _escape(line_text(line)))
    with right:
        st.dataframe(outcomes_frame(summary), hide_index=True, width="stretch")


def line_text(line: dict) -> str:
    """'alectinib 600 mg BID, 32+ months' for one line of therapy."""
    agents = ", ".join(f"{t['agent']} {t['dose']}" if t.get("dose") else t["agent"] for t in line["therapies"])
    if line["months_min"] is None:
        return f"{agents}, end not reported"
    low, high = round(line["months_min"]), round(line["months_max"])
    span = f"{low}" if low == high else f"{low}–{high}"
    return f"{agents}, {span}{'+' if line['ongoing'] else ''} months"


def outcomes_frame(summary: dict) -> pd.DataFrame:
    """Computed outcome ranges beside the paper's figures."""
    rows = []
    for o in summary["outcomes"]:
        paper = " or ".join(f"{r:g}{'+' if o['reported_censored'] else ''}" for r in o["reported_readings"])
        agree = {True: "✓ consistent", False: "✗ differs", None: ""}[o["consistent"]]
        rows.append({"Outcome": o["label"], "From the dates": o["text"],
                     "Paper (months)": paper, "": agree})
    return pd.DataFrame(rows, columns=["Outcome", "From the dates", "Paper (months)", ""])


def event_table_view(events: pd.DataFrame, case_id: str) -> None:
    """Sortable, filterable event table with quotes; download as CSV."""
    kinds = list(dict.fromkeys(events["kind"]))
    chosen = st.multiselect("Kinds", kinds, default=kinds, key="event_kinds")
    search = st.text_input("Search", key="event_search", placeholder="drug, finding, quote…")
    shown = events[events["kind"].isin(chosen)]
    if search:
        haystack = shown[["label", "details", "quote", "agent", "note"]].astype(str).agg(" ".join, axis=1)
        shown = shown[haystack.str.contains(search, case=False, regex=False)]
    columns = [c for c in EVENT_TABLE_COLUMNS if c in shown.columns]
    st.dataframe(shown[columns].rename(columns=EVENT_TABLE_COLUMNS), hide_index=True, width="stretch")
    st.download_button("Download events (CSV)", events.to_csv(index=False).encode("utf-8"),
                       file_name=f"{case_id}.events.csv", mime="text/csv")


def problems_view(entry: Entry) -> None:
    """The problems of a file that cannot be loaded, shown as inert text."""
    count = len(entry.problems)
    st.error(f"This case file cannot be shown: {count} problem{'s' * (count != 1)}. "
             "Fix them in the file; the dashboard picks up the change on the next rerun.")
    st.code("\n".join(p.format() for p in entry.problems), language=None, wrap_lines=True)


def _escape(text: str) -> str:
    """Case text is shown as text: Markdown and HTML characters are escaped."""
    for char in "\\`*_{}[]()#+-.!|<>~$":
        text = text.replace(char, "\\" + char)
    return text
