"""Small Streamlit views: case picker, case header, outcomes, event table, problems of a broken file."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from timelines.presentation import MISSING_VIEWS
from timelines.catalog import Entry
from timelines.deidentify import scrub_text
from timelines.spreadsheet import csv_text
from timelines.summary import SCREEN_VERDICTS, key_outcomes, line_name, line_text, paper_figure, patient_text
from timelines.summary import outcome_text as _outcome_text
from timelines.text import escape_markdown, is_missing, shorten
from timelines.key_events import WORDS_COLUMNS, when_text, with_date_words
from timelines.when import say_months

# The event table as a clinician reads it: when (in words, as precisely as known) and what first, wide enough;
# the dates as the case file writes them, the quote and the ids last, as detail.
EVENT_TABLE_COLUMNS = {
    "when": st.column_config.TextColumn("When", width=640,
                                        help="The date as the case file states it, in words, each event it names "
                                             "with that event's own date"),
    "window": st.column_config.TextColumn("Dates", width=300,
                                          help="The dates the statements allow, no finer than the statements"),
    "label": st.column_config.TextColumn("Event", width="large"),
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


BOARD_MIN_FONT = 18  # px: the least text size on the tumor board, read from 6 m off a 1920x1080 projector


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


def problems_view(entry: Entry) -> None:
    """The problems of a file that cannot be loaded, shown as inert text."""
    count = len(entry.problems)
    st.error(f"This case file cannot be shown: {count} problem{'s' * (count != 1)}. "
             "Fix them in the file; the dashboard picks up the change on the next rerun.")
    st.code("\n".join(p.format() for p in entry.problems), language=None, wrap_lines=True)



VIEWS = {"timeline": "Timeline", "lesions": "Lesions", "markers": "Markers", "events": "Events"}


def view_picker(requested: str | None, available: tuple[str, ...] = tuple(VIEWS)):
    """The view of the case (timeline, lesions, markers, events), kept in the URL as ?view=; a chart the case has
    no data for is not offered (its help says why). The row beside it is left free for the view's own switch."""
    if st.session_state.get("view") not in available:
        st.session_state["view"] = requested if requested in available else "timeline"
    missing = " ".join(MISSING_VIEWS[v] for v in VIEWS if v not in available and v in MISSING_VIEWS)
    left, right = st.columns([3, 2], vertical_alignment="center")
    chosen = left.segmented_control("View", list(available), format_func=VIEWS.get, key="view", required=True,
                                    label_visibility="collapsed", help=missing or None)
    return chosen or "timeline", right


def display_options(events: pd.DataFrame, on_calendar: bool, day_zero_choices: dict[str, tuple[int, str]],
                    deidentified: bool = False) -> dict:
    """Sidebar controls for the time axis: calendar or relative, unit, and the event that is day 0 (by default
    the case's origin, else its first diagnosis: `default_day_zero`)."""
    st.sidebar.divider()
    st.sidebar.subheader("Time axis")
    axes = ["calendar", "relative"] if on_calendar else ["relative"]
    axis = st.sidebar.radio("Axis", axes, key="axis", horizontal=True, format_func=str.capitalize,
                            help=None if on_calendar else "This case has no calendar dates: relative axis only.")
    keys = list(day_zero_choices)
    default = default_day_zero(day_zero_choices)
    if deidentified:
        day_zero_choices = {k: c._replace(label=scrub_text(c.label)) for k, c in day_zero_choices.items()}
    chosen = day_zero_choices[default]
    options = {"axis": axis or "relative", "unit": "months", "day_zero": chosen.day, "day_zero_label": chosen.label}
    if options["axis"] == "relative":
        options["unit"] = st.sidebar.radio("Unit", ["months", "days"], key="unit", horizontal=True)
        labels = day_zero_labels(day_zero_choices, events, deidentified)
        if st.session_state.get("day_zero") not in keys:  # another case's choice: this case's default
            st.session_state["day_zero"] = default
        if len(keys) <= RADIO_LIMIT_DAY_ZERO:  # a few choices: all in view, one click
            key = st.sidebar.radio("Day 0", keys, key="day_zero", format_func=lambda k: escape_markdown(labels[k]))
        else:
            key = st.sidebar.selectbox("Day 0", keys, key="day_zero", format_func=labels.get)
        chosen = day_zero_choices.get(key, chosen)
        options["day_zero"], options["day_zero_label"] = chosen.day, chosen.label
    return options


RADIO_LIMIT_DAY_ZERO = 8


def default_day_zero(day_zero_choices: dict[str, tuple[int, str]]) -> str:
    """The day 0 a relative axis starts on: the case's `origin` when it has one, else the first diagnosis of its
    `diagnoses:` list; `timelines.tables.day_zero_choices` lists it first."""
    return next(iter(day_zero_choices))


def day_zero_labels(day_zero_choices: dict[str, tuple[int, str]], events: pd.DataFrame,
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


def timeline_view(events: pd.DataFrame, axis: dict, slot, draw) -> None:
    """The swimlane timeline, focused on the recent disease when the history is long.

    `draw(name, domain)` draws the case's chart `name` ("timeline", "lesions", "markers"; see `case_chart`) on
    the x `domain` (None: the whole history); every view takes one."""
    from components import charts

    domain = charts.focus_domain(events, axis=axis["axis"], unit=axis["unit"])
    if domain is not None:
        whole = slot.toggle("Whole history", key="whole_history",
                          help="Long quiet years are hidden by default so recent events are readable; "
                               "you can also drag and scroll on the chart to pan and zoom.")
        domain = None if whole else domain
    draw("timeline", domain)


def lesion_view(note: str, draw) -> None:
    draw("lesions")
    if note:
        st.caption(note)


def marker_view(draw, molecular: pd.DataFrame | None = None) -> None:
    """Lab values over time, then the molecular results (a fusion's abundance is a result of its test, read with
    the test's other findings, not a marker trend)."""
    draw("markers")
    molecular_view(molecular)


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


CASE_CHARTS = ("timeline", "lesions", "markers")


def case_chart(name: str, frames: dict[str, pd.DataFrame], assessments: pd.DataFrame, view, domain=None):
    """The case page's chart `name` of the tables `frames` (events, measurements, markers and dose changes, as
    `timelines.presentation.present` gives them) on the
    display choice `view` (a `timelines.presentation.View`); `domain` bounds the timeline's x axis."""
    from components import charts

    events, axis = frames["events"], view.axis_options()
    if name == "timeline":
        return charts.timeline_chart(events, domain=domain, width=CHART_WIDTH, dose_changes=frames["dose_changes"],
                                     **axis)
    if name == "lesions":
        return charts.lesion_chart(frames["measurements"], assessments, therapy_bands=charts.therapy_bands(events),
                                   imaging=events[events["kind"] == "imaging"], width=PANEL_WIDTH, **axis)
    if name == "markers":
        return charts.marker_chart(frames["markers"], therapy_bands=charts.therapy_bands(events), width=PANEL_WIDTH,
                                   **axis)
    raise ValueError(f"Unknown chart {name!r}. Hint: use one of {', '.join(map(repr, CASE_CHARTS))}")


CHART_WIDTH = 900
PANEL_WIDTH = 640  # plot width of each stacked panel: with its axis, fits the page beside the sidebar at 1280 px


def show_chart(chart, font_scale: float = 1.0) -> None:
    """Draw a chart as wide as the page and as tall as its builder made it, in the shared theme."""
    show_spec(chart_spec(chart), font_scale)


def chart_spec(chart) -> dict:
    """The Vega-Lite spec of a chart as Streamlit draws it, its rows as frames under "datasets" (sent as Arrow).

    The plot keeps the builder's height: Streamlit otherwise sets autosize "fit", which squeezes the plot,
    legends included, into that height, so lanes collapse and Vega hides every other lane label."""
    spec = chart.to_dict(validate=False)  # the builders' specs are validated by the chart tests
    # Rows as frames: Streamlit sends each dataset as Arrow; a frame converts at once, a list of records row by row.
    if "datasets" in spec:
        spec["datasets"] = {name: pd.DataFrame.from_records(rows) for name, rows in spec["datasets"].items()}
    # Vega can fit only a single or layered view to the page's width: a stack of panels (lesions, markers) keeps
    # the width it was built with (PANEL_WIDTH fits beside the sidebar at 1280 px), and is drawn at that width.
    spec["autosize"] = {"type": "pad" if is_stack(spec) else "fit-x", "contains": "padding"}
    # Legends under the plot are stacked, not set side by side: the plot fits the page's width, and two legends
    # in a row (drugs, event kinds) ran past its right edge and were cut. Slides are wide enough for a row.
    spec.setdefault("config", {}).setdefault("legend", {})["layout"] = STACKED_LEGENDS
    return spec


STACKED_LEGENDS = {"bottom": {"direction": "vertical", "anchor": "start", "margin": 10}}


def is_stack(spec: dict) -> bool:
    """A spec of panels side by side or one above the other (which Streamlit's "stretch" would widen each)."""
    return any(key in spec for key in ("vconcat", "hconcat", "concat"))


def show_spec(spec: dict, font_scale: float = 1.0) -> None:
    """Draw a spec of chart_spec as wide as the page (which gives up its "datasets" entry to Streamlit: pass a
    copy to keep it). A stack of panels one above the other is drawn as one chart per panel, each fitted to the
    page's width (`panel_specs`). `font_scale` enlarges every text (the tumor board's projector)."""
    for part in panel_specs(spec) if "vconcat" in spec else [spec]:
        if font_scale != 1.0:
            part = scaled_fonts(part, font_scale)
        st.vega_lite_chart(part, theme=None, width="content" if is_stack(part) else "stretch")


Y_AXIS_PX = 64  # every panel's y axis (ticks and labels) takes this width, so split panels share their left edge


def panel_specs(spec: dict) -> list[dict]:
    """A stack of panels (`vconcat`) as one spec per panel, each fitted to the page's width.

    Vega-Lite fits only a single or layered view to its container, so a stack kept the width it was built with
    (about half of a 1920-px projector). The panels keep their shared x domain (the builders set it explicitly);
    their left edges line up because every y axis takes Y_AXIS_PX (a panel without one is padded by as much), and
    the y axis titles go (each panel's title names what it shows and its unit). Legends of a colour scale the
    panels share are shown under the last panel only."""
    panels = spec["vconcat"]
    shared = spec.get("resolve", {}).get("scale", {}).get("color") == "shared"
    padding = spec.get("config", {}).get("padding", 10)
    parts = []
    for i, panel in enumerate(panels):
        part = {k: v for k, v in spec.items() if k not in ("vconcat", "resolve", "spacing", "datasets")}
        part.update({k: v for k, v in panel.items() if k != "width"})
        part = json.loads(json.dumps(part))  # the panels are edited below; the caller's spec is not
        part["config"] = {**part.get("config", {}),
                          "axisY": {**part.get("config", {}).get("axisY", {}), "minExtent": Y_AXIS_PX,
                                    "maxExtent": Y_AXIS_PX}}
        y_axes = _edit_encodings(part, legends=not shared or i == len(panels) - 1)
        part["padding"] = {"left": padding + (0 if y_axes else Y_AXIS_PX), "right": padding, "top": padding,
                           "bottom": padding}
        part["autosize"] = {"type": "fit-x", "contains": "padding"}
        names = set(_data_names(part))
        part["datasets"] = {name: rows for name, rows in spec.get("datasets", {}).items() if name in names}
        parts.append(part)
    return parts


def _edit_encodings(node, legends: bool) -> int:
    """Drop y axis titles (and legends unless `legends`) in a panel; returns how many y axes it shows."""
    shown = 0
    if isinstance(node, dict):
        encoding = node.get("encoding")
        if isinstance(encoding, dict):
            y = encoding.get("y")
            if isinstance(y, dict) and "field" in y and y.get("axis", {}) is not None:
                shown += 1
                y["title"] = None
                if isinstance(y.get("axis"), dict):
                    y["axis"]["title"] = None
            if not legends:
                for channel in ("color", "fill", "stroke", "shape", "strokeDash", "fillOpacity"):
                    if isinstance(encoding.get(channel), dict) and "field" in encoding[channel]:
                        encoding[channel]["legend"] = None
        shown += sum(_edit_encodings(v, legends) for k, v in node.items() if k != "encoding")
    elif isinstance(node, list):
        shown += sum(_edit_encodings(v, legends) for v in node)
    return shown


def _data_names(node):
    """The names of the datasets a spec refers to."""
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and "name" in data:
            yield data["name"]
        for value in node.values():
            yield from _data_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _data_names(value)


def scaled_fonts(spec: dict, factor: float, minimum: float = BOARD_MIN_FONT) -> dict:
    """The spec with every font size (config, axes, legends, titles, text marks) times `factor`, at least
    `minimum` px: text a tumor board reads from the back of the room."""
    def resize(key: str, value):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return scale(value)
        if key.lower().endswith("fontsize"):
            return max(minimum, round(value * factor))
        if key.lower().endswith("limit"):  # labelLimit, titleLimit: room for the same words in larger type
            return round(value * factor)
        return value

    def scale(node):
        if isinstance(node, dict):
            return {k: resize(k, v) for k, v in node.items()}
        if isinstance(node, list):
            return [scale(v) for v in node]
        return node
    datasets = spec.get("datasets")
    out = scale({k: v for k, v in spec.items() if k != "datasets"})
    if datasets is not None:
        out["datasets"] = datasets
    return out


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
