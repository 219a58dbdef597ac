"""What the deck and the handout show, page by page: the slide model (title, charts, key events, source)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import altair as alt
import pandas as pd

from timelines.key_events import HEADER_CALENDAR as EVENT_HEADER_CALENDAR, HEADER_RELATIVE as EVENT_HEADER_RELATIVE
from timelines.key_events import key_events, side_text
from timelines.summary import key_outcomes, line_name, line_text, outcome_value, patient_text
from timelines.text import ELLIPSIS, shorten, wrap

from .. import charts
from .case import CHART_NAMES, CHART_TITLES, CaseExport, MISSING, PNG_SCALE
from .rendering import _lesions, _markers, _timeline, chart_png, has_chart, png_size


# Slides: 13.333 x 7.5 in (16:9). A picture is placed at 96 px per inch, so a chart whose plot is as wide as
# SLIDE_CHART_WIDTHS (lane labels and legends added) fills the picture box at about its own pixel size: the
# theme's 14 px labels stay 14 px of a 1280 x 720 projection.
SLIDE_W_IN, SLIDE_H_IN = 13.3333, 7.5  # 12,192,000 x 6,858,000 EMU: PowerPoint's widescreen
PX_PER_IN = 96
MARGIN_IN = 0.35
TITLE_TOP_IN, TITLE_H_IN = 0.18, 0.62
FOOTER_H_IN = 0.36
BOX_TOP_IN = TITLE_TOP_IN + TITLE_H_IN + 0.05
BOX_W_IN = SLIDE_W_IN - 2 * MARGIN_IN
BOX_H_IN = SLIDE_H_IN - BOX_TOP_IN - FOOTER_H_IN - 0.08
SLIDE_CHART_WIDTHS = {"timeline": 960, "lesions": 1120, "markers": 1120}
TOO_TALL = 1.12  # a chart more than this many times the box height (at 96 px/in) is split over slides
EVENT_ROWS = 12  # at most this many events per table slide
FONT = "Arial"  # metric-compatible with Liberation Sans, the charts' font
TEXT_RGB, MUTED_RGB = "222222", "555555"
HEADER_RGB, BAND_RGB = "2F3E4E", "F0F3F6"


# ---------------------------------------------------------------------------------------------------------------
# Slides: what the deck and the handout show, page by page
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Slide:
    """One page of the deck and of the handout."""

    kind: str  # title | chart | events | endpoints | source | session
    title: str
    footer: str = ""
    picture: bytes | None = None  # PNG at PNG_SCALE
    lines: list[tuple[str, str]] = field(default_factory=list)  # (style, text); styles: see _style
    side: list[tuple[str, str]] = field(default_factory=list)  # right-hand column of the title slide
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # events: when, event, dose / finding
    header: tuple[str, str, str] = ()


def case_slides(case: CaseExport) -> list[Slide]:
    """Every page of the case's deck and handout, charts rendered (the slow part: about a second per chart)."""
    footer = shorten(case.title, 110) + ("  ·  de-identified" if case.deidentified else "")
    chart_slides, missing = [], []
    for name in CHART_NAMES:
        if has_chart(case, name):
            chart_slides += _chart_slides(case, name)
        else:
            missing.append(MISSING[name])
    slides = [_title_slide(case, missing)] + chart_slides + _event_slides(case) + endpoint_slides(case.summary)
    if not case.deidentified:
        slides.append(_source_slide(case))
    return [replace(s, footer=s.footer or footer) for s in slides]


def _box_px() -> tuple[float, float]:
    return BOX_W_IN * PX_PER_IN, BOX_H_IN * PX_PER_IN


def _render(chart) -> tuple[bytes, tuple[float, float]]:
    png = chart_png(chart)
    w, h = png_size(png)
    return png, (w / PNG_SCALE, h / PNG_SCALE)


def _chart_slides(case: CaseExport, name: str) -> list[Slide]:
    """The slides of one chart (its axis title says calendar or months since day 0)."""
    width = SLIDE_CHART_WIDTHS[name]
    if name == "timeline":
        return _timeline_slides(case, width)
    png, size = _render(_lesions(case, width) if name == "lesions" else _markers(case, width))
    if size[1] <= _box_px()[1] * TOO_TALL:
        return [Slide("chart", CHART_TITLES[name], picture=png)]
    parts = _lesion_parts(case, width) if name == "lesions" else _marker_parts(case, width, size[1])
    if len(parts) <= 1:
        return [Slide("chart", CHART_TITLES[name], picture=png)]
    return [Slide("chart", title, picture=chart_png(chart)) for title, chart in parts]


def _timeline_slides(case: CaseExport, width: int) -> list[Slide]:
    """The timeline; when a long quiet history would squash the recent disease, the recent years first and the
    whole history on the next slide (as the dashboard opens focused, with a switch)."""
    focus = charts.focus_domain(case.events, axis=case.axis, unit="months")
    whole = Slide("chart", "Timeline", picture=chart_png(_timeline(case, width)))
    if focus is None:
        return [whole]
    recent = Slide("chart", "Timeline: recent disease (whole history on the next slide)",
                   picture=chart_png(_timeline(case, width, focus)))
    return [recent, replace(whole, title="Timeline: whole history")]


FINDING_ROWS = 12  # imaging studies per slide when the findings panel is split


def _lesion_parts(case: CaseExport, width: int) -> list[tuple[str, alt.TopLevelMixin]]:
    """Sizes and RECIST on one slide, imaging reported without sizes on the next ones (FINDING_ROWS a slide), all
    on one time axis."""
    measured = case.measurements
    imaging = case.events[case.events["kind"].eq("imaging")]
    unmeasured = imaging[~imaging["event_id"].isin(set(measured["event_id"]))]
    days = ["day_start_earliest", "day_start_latest"]
    domain = _shared_domain(case, pd.concat([measured[days], unmeasured[days]]))
    parts = []
    if not measured.empty:
        parts.append(("Lesion sizes and RECIST 1.1", _lesions(case, width, imaging=imaging.iloc[0:0], domain=domain)))
    chunks = [unmeasured.iloc[i:i + FINDING_ROWS] for i in range(0, len(unmeasured), FINDING_ROWS)]
    for i, chunk in enumerate(chunks, 1):
        chart = _lesions(case, width, measurements=measured.iloc[0:0], imaging=chunk, domain=domain,
                         assessments=case.assessments.iloc[0:0])
        if not measured.empty and isinstance(chart.title, alt.TitleParams):
            # Drawn alone, the panel notes that the case has no sizes; here the sizes are on another slide.
            chart = chart.properties(title=alt.TitleParams(
                **{k: v for k, v in chart.title.to_dict().items() if k != "subtitle"}))
        parts.append(("Imaging findings in words, without a size" + (f" ({i}/{len(chunks)})" if len(chunks) > 1 else ""),
                      chart))
    return parts


def _marker_parts(case: CaseExport, width: int, height: float) -> list[tuple[str, alt.TopLevelMixin]]:
    """Markers in the chart's order (lab values, then molecular, each by first date), a few panels per slide."""
    markers = case.markers
    first = markers.groupby("marker")["day_start"].transform("min")
    source = markers["source"].map({"lab": 0, "molecular": 1}).fillna(2) if "source" in markers else 0
    order = list(dict.fromkeys(markers.assign(_s=source, _f=first).sort_values(
        ["_s", "_f", "marker"], kind="stable")["marker"]))
    pages = max(2, math.ceil(height / (_box_px()[1] * 0.95)))
    per_page = math.ceil(len(order) / pages)
    groups = [order[i:i + per_page] for i in range(0, len(order), per_page)]
    domain = _shared_domain(case, markers)  # one time axis on every slide of the split chart
    return [(f"{CHART_TITLES['markers']} ({i}/{len(groups)})",
             _markers(case, width, markers[markers["marker"].isin(group)], domain))
            for i, group in enumerate(groups, 1)]


def _shared_domain(case: CaseExport, frame: pd.DataFrame) -> tuple:
    """The window a chart of the whole table would show: its dates, stretched to the end of a therapy still
    running at the last one, with a margin (3 %, at least a week)."""
    days = pd.concat([pd.to_numeric(frame[c], errors="coerce") for c in ("day_start_earliest", "day_start_latest")])
    lo, hi = float(days.min()), float(days.max())
    bands = charts.therapy_bands(case.events)
    if not bands.empty:
        start, end = (pd.to_numeric(bands[c], errors="coerce") for c in ("day_start", "day_end"))
        running = end[(start <= hi) & (end > hi)]
        hi = max(hi, float(running.max())) if not running.empty else hi
    pad = max((hi - lo) * charts.PAD_FRACTION, 7)
    tax = charts.time_axis(case.axis, "months", case.day_zero_label, case.events, frame)
    return tuple(tax.at([day]).iloc[0] for day in (lo - pad, hi + pad))


# Title slide ----------------------------------------------------------------------------------------------------


def _title_slide(case: CaseExport, missing: list[str]) -> Slide:
    summary = case.summary
    left: list[tuple[str, str]] = [("heading", "Diagnoses")]
    for d in summary["diagnoses"]:
        row = case.events[case.events["event_id"].eq(d["id"]) & case.events["kind"].eq("diagnosis")]
        when = side_text(row.iloc[0].to_dict(), "start", not case.calendar) if not row.empty else ""
        left.append(("item", " · ".join(x for x in (d["label"], when, d.get("stage") or "") if x)))
    left.append(("heading", "Lines of therapy"))
    left += [("item", f"{line_name(line)} · {line_text(line)}") for line in summary["lines"]] or \
        [("item", "No line of systemic therapy recorded")]
    side = [("heading", "Outcomes: from the dates · paper")]
    for outcome in key_outcomes(summary):
        side += [("item", outcome["label"]), ("value", outcome_value(outcome))]
    if len(side) == 1:
        side.append(("item", "No outcome can be computed from the dates"))
    notes = list(missing)
    if case.deidentified:
        notes.append("De-identified: months since day 0 only; no calendar dates, source, quotes or notes.")
    axis = "calendar dates" if case.calendar else f"months since {case.day_zero_label} (day 0)"
    lines = [("big", patient_text(summary["patient"])), ("sub", f"Time axis: {axis}")] + left
    lines += [("note", n) for n in notes]
    return Slide("title", summary["title"], lines=lines, side=side)


# Key events -----------------------------------------------------------------------------------------------------

EVENT_COLUMNS_IN = (2.5, 4.4, 5.73)  # widths on the slide, inches (sum = picture box width)
EVENT_PT = 14
CELL_MARGIN_IN = 0.08


def event_rows(case: CaseExport) -> list[tuple[str, str, str]]:
    """(when, event, dose / finding) for every key event, in date order (timelines.key_events)."""
    return [tuple(row) for row in key_events(case.events, relative=not case.calendar)]


def _event_slides(case: CaseExport) -> list[Slide]:
    """The key events as tables: at most EVENT_ROWS rows, and as many as fit the slide's height."""
    header = EVENT_HEADER_CALENDAR if case.calendar else EVENT_HEADER_RELATIVE
    rows = [fit_row(row) for row in event_rows(case)]
    pages = _paginate(rows, header, EVENT_ROWS)
    # As many pages, fuller at the start and no lone row at the end: the same rows with an even cap per page.
    even = _paginate(rows, header, math.ceil(len(rows) / len(pages))) if pages else []
    pages = even if len(even) == len(pages) else pages
    title = "Key events" + ("" if case.calendar else f" · months since {case.day_zero_label}")
    return [Slide("events", title + (f" ({i}/{len(pages)})" if len(pages) > 1 else ""), rows=p, header=header)
            for i, p in enumerate(pages, 1)]


def _paginate(rows: list, header: tuple, cap: int) -> list[list]:
    """Rows in order, at most ``cap`` per page, and no more than the table's height on the slide holds."""
    pages, page, used = [], [], _row_height_pt(header)
    for row in rows:
        height = _row_height_pt(row)
        if page and (len(page) == cap or used + height > BOX_H_IN * 72):
            pages.append(page)
            page, used = [], _row_height_pt(header)
        page.append(row)
        used += height
    return pages + [page] if page else pages


def _chars_per_line(width_in: float, pt: float) -> int:
    """Characters of ordinary text per line at this size (Arial's average advance is about 0.5 em)."""
    return max(8, int((width_in - 2 * CELL_MARGIN_IN) * 72 / (pt * 0.5)))


def fit_text(text: str, chars: int, max_lines: int) -> str:
    """The text cut with an ellipsis so that it wraps onto at most ``max_lines`` lines."""
    if len(wrap(text, chars)) <= max_lines:
        return text
    words, kept = str(text).split(), ""
    for word in words:
        candidate = f"{kept} {word}".strip()
        if len(wrap(candidate + ELLIPSIS, chars)) > max_lines:
            break
        kept = candidate
    return (kept.rstrip(" ,;:") + ELLIPSIS) if kept else str(text)[: chars - 1] + ELLIPSIS


def fit_row(row: tuple[str, str, str]) -> tuple[str, str, str]:
    limits = (3, 2, 3)
    return tuple(fit_text(text, _chars_per_line(w, EVENT_PT), n)
                 for text, w, n in zip(row, EVENT_COLUMNS_IN, limits))


def _row_height_pt(row) -> float:
    lines = max(len(wrap(text, _chars_per_line(w, EVENT_PT))) for text, w in zip(row, EVENT_COLUMNS_IN))
    return lines * EVENT_PT * 1.2 + 2 * 0.05 * 72 + 2


# Endpoints ------------------------------------------------------------------------------------------------------

ENDPOINTS_PER_SLIDE = 6  # each with what ended or censored it: about two lines each at 18 pt


def endpoint_slides(summary: dict) -> list[Slide]:
    """Every endpoint the dates give, with what ended or censored it, then the best overall response per line
    and the definitions used (FDA 2018, STEEP 2.0, DATECAN, RECIST 1.1)."""
    items = []
    for o in summary.get("outcomes", []):
        items.append([("item", f"{o['label']}: {outcome_value(o)}")] + ([("note", o["note"])] if o.get("note") else []))
    tail = [("heading", "Best overall response (RECIST 1.1)")] if summary.get("best_response") else []
    tail += [("item", f"{b['line_name'][:1].upper()}{b['line_name'][1:]}: {b['text']}")
             for b in summary.get("best_response", [])]
    tail += [("note", text) for text in summary.get("definitions", {}).values()]
    pages = [sum(items[i:i + ENDPOINTS_PER_SLIDE], []) for i in range(0, len(items), ENDPOINTS_PER_SLIDE)]
    pages = pages + [tail] if tail else pages
    return [Slide("endpoints", "Endpoints" + (f" ({i}/{len(pages)})" if len(pages) > 1 else ""), lines=lines)
            for i, lines in enumerate(pages, 1) if lines]


# Source ---------------------------------------------------------------------------------------------------------


def _source_slide(case: CaseExport) -> Slide:
    source = case.summary.get("source", {})
    lines = [("item", source.get("citation", "No citation recorded"))]
    for key, label in (("case", "Case in the paper"), ("doi", "DOI"), ("url", "URL")):
        if source.get(key):
            lines.append(("item", f"{label}: {source[key]}"))
    if case.source_name:
        lines.append(("note", f"Case file: {case.source_name}. Every event's supporting quote from the paper is "
                              "in the case file and in the events table (CSV)."))
    return Slide("source", "Source", lines=lines)
