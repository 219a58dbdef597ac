"""Exports of one case (no Streamlit): charts as PNG and SVG, a 16:9 slide deck, a PDF handout, tables as CSV.

Everything is drawn from the case's tables in the shared theme (``components.charts.theme``) and rendered offline by
vl-convert. With ``deidentify=True`` the tables and the summary are first passed through
``timelines.deidentify`` and the time axis is relative (months since day 0), so no export holds a calendar
date, the source, or the free text (quotes, notes, patient context) that could name a place or a person.

The deck and the handout share one list of ``Slide`` objects (``case_slides``): a title slide with the case
header, one slide per chart (split over several slides when a chart is too tall to stay legible), the key
events as tables of at most ``EVENT_ROWS`` rows, and the source unless de-identified.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert as vlc

from timelines.clinical import recist
from timelines.deidentify import REMOVED_COLUMNS, scrub_text
from timelines.summary import case_summary, key_outcomes, line_text, outcome_value, patient_text
from timelines.tables import day_zero_of, dose_change_table, event_table, marker_table, measurement_table
from timelines.text import ELLIPSIS, shorten, wrap
from timelines.presentation import View, present
from timelines.timeline import Timeline
from timelines.when import say_months
from components.texts import KEY_KINDS, has_data

from . import charts
from .charts import theme

EXPORT_WIDTH = 1200  # plot width of the chart files (PNG, SVG); the image adds lane labels and legends
PNG_SCALE = 2  # pixels per CSS pixel: sharp on a projector and in print
CHART_NAMES = ("timeline", "lesions", "markers")
CHART_TITLES = {"timeline": "Timeline", "lesions": "Lesions and imaging", "markers": "Tumor markers and labs"}
MISSING = {"lesions": "No lesion slide: this case reports no lesion measurement and no imaging.",
           "markers": "No marker slide: this case reports no tumor marker or lab value."}

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
# The case, prepared for export
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class CaseExport:
    """A case's tables and summary as every export draws them (de-identified when asked)."""

    case_id: str
    title: str
    summary: dict
    events: pd.DataFrame
    measurements: pd.DataFrame
    markers: pd.DataFrame
    assessments: pd.DataFrame
    axis: str
    day_zero_label: str
    deidentified: bool
    source_name: str = ""
    dose_changes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def calendar(self) -> bool:
        return self.axis == "calendar"

    def axis_options(self) -> dict:
        return {"axis": self.axis, "unit": "months", "day_zero_label": self.day_zero_label}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables as CSV files carry them: de-identified ones without quote and note columns."""
        frames = {"events": self.events, "measurements": self.measurements, "markers": self.markers,
                  "dose_changes": self.dose_changes}
        if self.deidentified:
            frames = {name: f.drop(columns=[c for c in REMOVED_COLUMNS if c in f]) for name, f in frames.items()}
        return frames


def prepare_case(timeline: Timeline, *, deidentify: bool = False, axis: str = "calendar",
                 day_zero: tuple[int, str] | None = None) -> CaseExport:
    """Tables, summary and RECIST assessments of a case, de-identified when asked.

    Parameters
    ----------
    timeline
        The loaded case (``timelines.load_case``).
    deidentify
        Relative axis only, no calendar date, no source, no quotes or notes, free text scrubbed
        (``timelines.deidentify``).
    axis
        ``"calendar"`` or ``"relative"``. A case without calendar dates, and any de-identified case, is drawn on
        the relative axis (months since day 0) whatever is asked.
    day_zero
        On the relative axis, the day 0 chosen on screen: ``(days since the case's origin, label)``, one of
        ``timelines.tables.day_zero_choices``. By default the case's own day 0.
    """
    if axis not in charts.AXES:
        raise ValueError(f"Unknown axis {axis!r}. Hint: use one of {', '.join(map(repr, charts.AXES))}")
    tables = {"events": event_table(timeline), "measurements": measurement_table(timeline),
              "markers": marker_table(timeline), "dose_changes": dose_change_table(timeline)}
    summary = case_summary(timeline)
    relative = not (axis == "calendar" and timeline.on_calendar and not deidentify)
    label = "" if day_zero is None else scrub_text(day_zero[1]) if deidentify else day_zero[1]
    view = View(axis="relative" if relative else "calendar", day_zero=None if day_zero is None else day_zero[0],
                day_zero_label=label, deidentified=deidentify)
    tables, summary = present(tables, summary, view)
    events, measurements, markers = tables["events"], tables["measurements"], tables["markers"]
    zero = day_zero_of(events).label
    axis = "relative" if relative else "calendar"
    assessments = charts.assessment_frame(recist(timeline, measurements))
    source = Path(timeline.path).name if timeline.path else ""
    return CaseExport(case_id=summary["id"], title=summary["title"], summary=summary, events=events,
                      measurements=measurements, markers=markers, assessments=assessments, axis=axis,
                      day_zero_label=zero, deidentified=deidentify,
                      source_name="" if deidentify else source, dose_changes=tables["dose_changes"])


# ---------------------------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------------------------


def has_chart(case: CaseExport, name: str) -> bool:
    """Whether the case has data for a chart (components.texts.has_data, as the screen decides)."""
    return has_data(name, case.events, case.measurements, case.markers)


def case_charts(case: CaseExport, *, width: int = EXPORT_WIDTH) -> dict[str, alt.TopLevelMixin]:
    """The charts of a case that has data for them (``has_chart``), by name, each ``width`` px wide (plot)."""
    builders = {"timeline": _timeline, "lesions": _lesions, "markers": _markers}
    return {name: builders[name](case, width) for name in CHART_NAMES if has_chart(case, name)}


def _timeline(case: CaseExport, width: int, domain=None):
    return charts.timeline_chart(case.events, width=width, domain=domain, dose_changes=case.dose_changes,
                                 **case.axis_options())


def _lesions(case: CaseExport, width: int, *, measurements=None, imaging=None, assessments=None, domain=None):
    events = case.events
    imaging = events[events["kind"].eq("imaging")] if imaging is None else imaging
    return charts.lesion_chart(case.measurements if measurements is None else measurements,
                               case.assessments if assessments is None else assessments,
                               therapy_bands=charts.therapy_bands(events), imaging=imaging, width=width,
                               domain=domain, **case.axis_options())


def _markers(case: CaseExport, width: int, markers: pd.DataFrame | None = None, domain=None):
    return charts.marker_chart(case.markers if markers is None else markers, domain=domain,
                               therapy_bands=charts.therapy_bands(case.events), width=width, **case.axis_options())


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec in the shared theme, every row kept (as theme.every_row does, whatever the host
    application has set since)."""
    with alt.data_transformers.disable_max_rows(), alt.theme.enable(theme.THEME_NAME):
        return chart.to_dict()


def chart_png(chart: alt.TopLevelMixin | dict, *, scale: int = PNG_SCALE) -> bytes:
    """The chart as PNG, ``scale`` pixels per CSS pixel. A chart's width is set when it is built
    (``case_charts(..., width=...)``): concatenated panels each carry their own."""
    spec = chart if isinstance(chart, dict) else chart_spec(chart)
    return vlc.vegalite_to_png(spec, scale=scale)


def chart_svg(chart: alt.TopLevelMixin | dict) -> bytes:
    """The chart as SVG (UTF-8), text as text."""
    spec = chart if isinstance(chart, dict) else chart_spec(chart)
    return vlc.vegalite_to_svg(spec).encode("utf-8")


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("Not a PNG file")
    return struct.unpack(">II", png[16:24])


# ---------------------------------------------------------------------------------------------------------------
# Slides: what the deck and the handout show, page by page
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Slide:
    """One page of the deck and of the handout."""

    kind: str  # title | chart | events | source | session
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
    slides = [_title_slide(case, missing)] + chart_slides + _event_slides(case)
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
        when = _side(case, row.iloc[0].to_dict(), "start") if not row.empty else ""
        left.append(("item", " · ".join(x for x in (d["label"], when, d.get("stage") or "") if x)))
    left.append(("heading", "Lines of therapy"))
    left += [("item", f"Line {line['line']} · {line_text(line)}") for line in summary["lines"]] or \
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

EVENT_HEADER_CALENDAR = ("Date", "Event", "Dose / finding")
EVENT_HEADER_RELATIVE = ("Month", "Event", "Dose / finding")
EVENT_COLUMNS_IN = (2.5, 4.4, 5.73)  # widths on the slide, inches (sum = picture box width)
EVENT_PT = 14
CELL_MARGIN_IN = 0.08


# What a tumor board discusses, as in the dashboard's tumor-board mode: imaging, labs, symptoms, biopsies and
# supportive care are left to the charts and the CSV.


def event_rows(case: CaseExport) -> list[tuple[str, str, str]]:
    """(when, event, dose / finding) for every key event (KEY_KINDS), in date order."""
    events = case.events[case.events["kind"].isin(KEY_KINDS)]
    return [(_when(case, row), str(row["label"]), _dose_or_finding(row)) for row in events.to_dict("records")]


def _when(case: CaseExport, row: dict) -> str:
    """'2022-09-16 → 2024-10-08 or later, ongoing', '2007-07 – 2011-09' (a date known within a range); in months
    since day 0 on the relative axis ('month 12.4 → month 37.4 or later, ongoing')."""
    start = _side(case, row, "start")
    if row.get("shape") != "interval":
        return start
    end = _side(case, row, "end")
    if row.get("ongoing"):
        return f"{start} → {end}, ongoing" if end else f"{start} →, ongoing"
    return f"{start} → {end}" if end else f"{start} →, end not reported"


def _side(case: CaseExport, row: dict, side: str) -> str:
    """The start or the end of an event as precisely as it is known (timelines.when): the table's date on the
    calendar axis, months since day 0 from its bounds on the relative axis; '' for an end not reported."""
    if side == "end" and _missing(row.get("day_end")):
        return ""
    if case.calendar:
        return str(row.get(side) or "")
    low, high = row.get(f"day_{side}_earliest"), row.get(f"day_{side}_latest")
    return say_months(low, high).replace("-", "−")


def _dose_or_finding(row: dict) -> str:
    if row.get("category") == "Systemic therapy" or row.get("kind") == "radiotherapy":
        bits = [str(row.get("dose") or "")]
        if row.get("dose_changes"):
            bits.append("dose changes: " + str(row["dose_changes"]))
        if not _missing(row.get("line")):
            bits.append(f"line {int(row['line'])}")
        return "; ".join(b for b in bits if b)
    return str(row.get("key_details") or "")  # timelines.tables.key_details


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


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------------------------------------------------------
# PPTX
# ---------------------------------------------------------------------------------------------------------------


def deck_bytes(timeline: Timeline, *, deidentify: bool = False, axis: str = "calendar") -> bytes:
    """The case as a 16:9 PowerPoint deck (see ``case_slides`` for its pages)."""
    return pptx_bytes([case_slides(prepare_case(timeline, deidentify=deidentify, axis=axis))])


def pptx_bytes(cases: list[list[Slide]], *, session_title: str | None = None) -> bytes:
    """A deck of the slides of one or more cases; with ``session_title``, a session slide listing them first."""
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12_192_000), Emu(6_858_000)
    _clear_metadata(prs, session_title or (cases[0][0].title if cases and cases[0] else ""))
    slides = (session_slides(cases, session_title) if session_title is not None else []) + \
        [slide for case in cases for slide in case]
    for number, slide in enumerate(slides, 1):
        page = prs.slides.add_slide(prs.slide_layouts[6])
        {"title": _pptx_title, "chart": _pptx_chart, "events": _pptx_events, "source": _pptx_text,
         "session": _pptx_text}[slide.kind](page, slide)
        _pptx_footer(page, slide.footer, f"{number} / {len(slides)}")
    out = io.BytesIO()
    prs.save(out)
    return _stable_zip(out.getvalue())


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry: no export date in the file


def _stable_zip(data: bytes) -> bytes:
    """The package with every entry dated ZIP_EPOCH (python-pptx stamps the time of export), so that the same
    case gives the same bytes; the template's 4:3 format name corrected."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            blob = source.read(info.filename)
            if info.filename == "docProps/app.xml":
                blob = blob.replace(b"On-screen Show (4:3)", b"Widescreen")
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(entry, blob)
    return out.getvalue()


SESSION_CASES = 8  # cases listed per session slide


def session_slides(cases: list[list[Slide]], title: str) -> list[Slide]:
    """The first slides of a session deck: one line per case (title and patient), SESSION_CASES a slide."""
    lines = [("item", f"{i}. {shorten(case[0].title, 150)} · {case[0].lines[0][1]}")
             for i, case in enumerate(cases, 1) if case]
    chunks = [lines[i:i + SESSION_CASES] for i in range(0, len(lines), SESSION_CASES)] or [[]]
    footer = f"{len(cases)} case{'s' * (len(cases) != 1)}"
    return [Slide("session", (title or "Tumor board") + (f" ({i}/{len(chunks)})" if len(chunks) > 1 else ""),
                  lines=chunk, footer=footer) for i, chunk in enumerate(chunks, 1)]


def _clear_metadata(prs, title: str) -> None:
    """Title set; author, description and every timestamp of the template removed (no date in any export)."""
    props = prs.core_properties
    props.title, props.author, props.last_modified_by, props.comments = shorten(title, 200), "", "", ""
    props.subject, props.keywords, props.category, props.revision = "", "", "", 1
    element = props._element  # python-pptx has no API to remove a date once set
    for child in list(element):
        if child.tag.rsplit("}", 1)[-1] in ("created", "modified", "lastPrinted"):
            element.remove(child)


def _rgb(hex_: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_)


def _textbox(page, left, top, width, height, paragraphs, *, anchor="top"):
    """A text box of (text, pt, bold, rgb, space_before_pt) paragraphs that wraps and never resizes."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    box = page.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap, frame.auto_size = True, MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[anchor]
    frame.margin_left = frame.margin_right = Inches(0.04)
    frame.margin_top = frame.margin_bottom = Inches(0.02)
    for i, (text, pt, bold, rgb, before) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_before = Pt(before)
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.name = Pt(pt), bold, FONT
        run.font.color.rgb = _rgb(rgb)
    return box


def _slide_title(page, text: str, pt: int = 26) -> None:
    chars = int((SLIDE_W_IN - 2 * MARGIN_IN) * 72 / (pt * 0.55))
    _textbox(page, MARGIN_IN, TITLE_TOP_IN, SLIDE_W_IN - 2 * MARGIN_IN, TITLE_H_IN,
             [(fit_text(text, chars, 1), pt, True, TEXT_RGB, 0)], anchor="middle")


def _pptx_footer(page, left_text: str, right_text: str) -> None:
    from pptx.enum.text import PP_ALIGN

    top = SLIDE_H_IN - FOOTER_H_IN
    _textbox(page, MARGIN_IN, top, SLIDE_W_IN - 2 * MARGIN_IN - 1.2, FOOTER_H_IN,
             [(fit_text(left_text, 150, 1), 12, False, MUTED_RGB, 0)], anchor="middle")
    number = _textbox(page, SLIDE_W_IN - MARGIN_IN - 1.2, top, 1.2, FOOTER_H_IN,
                      [(right_text, 12, False, MUTED_RGB, 0)], anchor="middle")
    number.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def picture_box(png: bytes) -> tuple[float, float, float, float]:
    """(left, top, width, height) in inches: the picture as large as the box allows, centred, aspect kept."""
    w, h = png_size(png)
    scale = min(BOX_W_IN / w, BOX_H_IN / h)
    width, height = w * scale, h * scale
    return MARGIN_IN + (BOX_W_IN - width) / 2, BOX_TOP_IN + (BOX_H_IN - height) / 2, width, height


def _pptx_chart(page, slide: Slide) -> None:
    from pptx.util import Inches

    _slide_title(page, slide.title)
    left, top, width, height = picture_box(slide.picture)
    picture = page.shapes.add_picture(io.BytesIO(slide.picture), Inches(left), Inches(top), Inches(width),
                                      Inches(height))
    picture.name = slide.title  # a readable name in the selection pane, for screen readers too


# Title slide: sizes tried from large to small until the text fits its column.
TITLE_SIZES = ((32, 24, 20), (30, 22, 19), (28, 20, 18), (28, 19, 17), (26, 18, 16), (24, 18, 15), (24, 17, 14))
LEFT_W_IN, SIDE_W_IN, GUTTER_IN = 7.05, 5.1, 0.45


def _pptx_title(page, slide: Slide) -> None:
    top = 0.35
    for title_pt, big_pt, body_pt in TITLE_SIZES:
        title_lines = len(wrap(slide.title, int(BOX_W_IN * 72 / (title_pt * 0.55))))
        left_h = _paragraphs_height(slide.lines, LEFT_W_IN, big_pt, body_pt)
        side_h = _paragraphs_height(slide.side, SIDE_W_IN, big_pt, body_pt)
        title_h = min(title_lines, 3) * title_pt * 1.2 / 72 + 0.15
        if top + title_h + max(left_h, side_h) <= SLIDE_H_IN - FOOTER_H_IN - 0.15:
            break
    chars = int(BOX_W_IN * 72 / (title_pt * 0.55))
    _textbox(page, MARGIN_IN, top, BOX_W_IN, title_h,
             [(fit_text(slide.title, chars, 3), title_pt, True, TEXT_RGB, 0)])
    body_top = top + title_h + 0.05
    body_h = SLIDE_H_IN - FOOTER_H_IN - 0.1 - body_top
    _textbox(page, MARGIN_IN, body_top, LEFT_W_IN, body_h,
             _styled(_fit_lines(slide.lines, LEFT_W_IN, big_pt, body_pt, body_h), big_pt, body_pt))
    _textbox(page, MARGIN_IN + LEFT_W_IN + GUTTER_IN, body_top, SIDE_W_IN, body_h,
             _styled(_fit_lines(slide.side, SIDE_W_IN, big_pt, body_pt, body_h), big_pt, body_pt))


def _style(style: str, big_pt: int, body_pt: int) -> tuple[int, bool, str, int]:
    """(pt, bold, colour, space before) of a paragraph style."""
    return {"big": (big_pt, True, TEXT_RGB, 0), "sub": (body_pt, False, MUTED_RGB, 2),
            "heading": (body_pt, True, HEADER_RGB, 12), "item": (body_pt, False, TEXT_RGB, 4),
            "value": (body_pt, True, TEXT_RGB, 0),
            "note": (max(14, body_pt - 1), False, MUTED_RGB, 10)}[style]


def _styled(lines, big_pt: int, body_pt: int):
    return [(text, *_style(style, big_pt, body_pt)) for style, text in lines]


def _paragraphs_height(lines, width_in: float, big_pt: int, body_pt: int) -> float:
    total = 0.0
    for style, text in lines:
        pt, _, _, before = _style(style, big_pt, body_pt)
        count = len(wrap(text, int((width_in - 0.1) * 72 / (pt * 0.53))))
        total += (count * pt * 1.2 + before) / 72
    return total + 0.1


def _fit_lines(lines, width_in: float, big_pt: int, body_pt: int, height_in: float):
    """Items cut to four lines each; while the text is too tall, the section (a heading's items) with the most
    items loses its last one, and a line under it counts what it left out."""
    chars = int((width_in - 0.1) * 72 / (body_pt * 0.53))
    lines = [(style, fit_text(text, chars, 4) if style in ("item", "value") else text) for style, text in lines]
    sections = _sections(lines)
    dropped = [0] * len(sections)
    fitted = lines
    while _paragraphs_height(fitted, width_in, big_pt, body_pt) > height_in:
        sizes = [sum(1 for entry in entries if entry[0][0] == "item") for _, entries in sections]
        if max(sizes) <= 1:
            break
        longest = sizes.index(max(sizes))
        entries = sections[longest][1]
        del entries[max(i for i, entry in enumerate(entries) if entry[0][0] == "item")]
        dropped[longest] += 1
        fitted = _joined(sections, dropped)
    return fitted


def _sections(lines) -> list[list]:
    """[[heading line or None, [entry, ...]], ...]; an entry is an item with its value line, or a note."""
    sections: list[list] = [[None, []]]
    for style, text in lines:
        if style == "heading":
            sections.append([(style, text), []])
        elif style == "value" and sections[-1][1]:
            sections[-1][1][-1].append((style, text))
        else:
            sections[-1][1].append([(style, text)])
    return sections


def _joined(sections, dropped: list[int]) -> list[tuple[str, str]]:
    lines = []
    for (heading, entries), count in zip(sections, dropped):
        lines += [heading] if heading else []
        last_item = max((i for i, entry in enumerate(entries) if entry[0][0] == "item"), default=-1)
        for i, entry in enumerate(entries):
            lines += entry
            if i == last_item and count:
                lines.append(("note", f"+{count} more not shown here (all are in the event table)"))
    return lines


def _pptx_text(page, slide: Slide) -> None:
    _slide_title(page, slide.title, 30)
    lines = _fit_lines(slide.lines, BOX_W_IN, 20, 18, BOX_H_IN - 0.2)
    _textbox(page, MARGIN_IN, BOX_TOP_IN + 0.2, BOX_W_IN, BOX_H_IN - 0.2, _styled(lines, 20, 18))


def _pptx_events(page, slide: Slide) -> None:
    from pptx.util import Inches, Pt

    _slide_title(page, slide.title)
    heights = [_row_height_pt(slide.header)] + [_row_height_pt(r) for r in slide.rows]
    shape = page.shapes.add_table(len(heights), 3, Inches(MARGIN_IN), Inches(BOX_TOP_IN), Inches(BOX_W_IN),
                                  Inches(sum(heights) / 72))
    table = shape.table
    table.first_row, table.horz_banding = True, False
    for column, width in zip(table.columns, EVENT_COLUMNS_IN):
        column.width = Inches(width)
    for r, (cells, height) in enumerate(zip([slide.header] + slide.rows, heights)):
        table.rows[r].height = Pt(height)
        for c, text in enumerate(cells):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_IN)
            cell.margin_top = cell.margin_bottom = Inches(0.05)
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(HEADER_RGB if r == 0 else (BAND_RGB if r % 2 == 0 else "FFFFFF"))
            frame = cell.text_frame
            frame.word_wrap = True
            frame.paragraphs[0].text = ""
            run = frame.paragraphs[0].add_run()
            run.text = text
            run.font.size, run.font.name, run.font.bold = Pt(EVENT_PT), FONT, r == 0
            run.font.color.rgb = _rgb("FFFFFF" if r == 0 else TEXT_RGB)


# ---------------------------------------------------------------------------------------------------------------
# PDF handout
# ---------------------------------------------------------------------------------------------------------------

# A4 landscape, one page per slide. fpdf2's built-in Helvetica needs no font file; it covers Windows-1252, so
# the few characters outside it are spelled out (PDF_TEXT) and any other is transliterated or replaced by '?'.
PDF_TEXT = {"−": "-", "≥": ">=", "≤": "<=", "→": "->", "←": "<-", "↑": "(high)", "↓": "(low)", "►": ">",
            "✓": "", "✗": "", "≈": "~", "′": "'", "″": '"', "α": "alpha", "β": "beta", "γ": "gamma",
            "δ": "delta", "ε": "epsilon", "κ": "kappa", "λ": "lambda", "μ": "micro", "σ": "sigma", "τ": "tau",
            "Δ": "Delta", "∶": ":", "⁺": "+", "⁻": "-", "₂": "2", "₃": "3", "²": "2", "³": "3"}
PAGE_W_MM, PAGE_H_MM, PDF_MARGIN_MM = 297.0, 210.0, 12.0


def handout_pdf(timeline: Timeline, *, deidentify: bool = False, axis: str = "calendar") -> bytes:
    """The case as a PDF handout: the pages of the deck on A4 landscape (see ``case_slides``)."""
    return pdf_bytes([case_slides(prepare_case(timeline, deidentify=deidentify, axis=axis))])


def pdf_text(text: object) -> str:
    """Text the PDF's built-in font can show (Windows-1252), the rest spelled out or transliterated."""
    out = []
    for char in str(text):
        if char in PDF_TEXT:
            out.append(PDF_TEXT[char])
            continue
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


def pdf_bytes(cases: list[list[Slide]], *, session_title: str | None = None) -> bytes:
    """A PDF of the slides of one or more cases (A4 landscape, one page per slide), without timestamps."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    pdf.set_margins(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM)
    pdf.set_title(pdf_text(session_title or (cases[0][0].title if cases and cases[0] else "")))
    pdf.set_author("")
    pdf.set_creator("")
    # A fixed date: fpdf2 derives the file's /ID from it (same case, same bytes); _without_dates drops it.
    pdf.set_creation_date(dt.datetime(*ZIP_EPOCH, tzinfo=dt.timezone.utc))
    slides = (session_slides(cases, session_title) if session_title is not None else []) + \
        [slide for case in cases for slide in case]
    for number, slide in enumerate(slides, 1):
        pdf.add_page()
        {"title": _pdf_title, "chart": _pdf_chart, "events": _pdf_events, "source": _pdf_text,
         "session": _pdf_text}[slide.kind](pdf, slide)
        _pdf_footer(pdf, slide.footer, f"{number} / {len(slides)}")
    return _without_dates(bytes(pdf.output()))


def _without_dates(pdf: bytes) -> bytes:
    """The PDF without the creation date fpdf2 always writes (pypdf rewrites the document information)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    info = {k: v for k, v in (reader.metadata or {}).items() if k not in ("/CreationDate", "/ModDate")}
    writer.metadata = None
    writer.add_metadata({**info, "/Producer": "fpdf2"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_heading(pdf, text: str, size: float = 18) -> None:
    pdf.set_xy(PDF_MARGIN_MM, PDF_MARGIN_MM)
    pdf.set_font("helvetica", "B", size)
    pdf.set_text_color(34, 34, 34)
    width = PAGE_W_MM - 2 * PDF_MARGIN_MM
    pdf.multi_cell(width, size * 0.45, pdf_text(text), new_x="LMARGIN", new_y="NEXT", align="L")


def _pdf_footer(pdf, left: str, right: str) -> None:
    pdf.set_font("helvetica", "", 9)
    pdf.set_text_color(85, 85, 85)
    y = PAGE_H_MM - PDF_MARGIN_MM + 2
    pdf.set_xy(PDF_MARGIN_MM, y)
    pdf.cell(PAGE_W_MM - 2 * PDF_MARGIN_MM - 30, 5, pdf_text(shorten(left, 170)))
    pdf.set_xy(PAGE_W_MM - PDF_MARGIN_MM - 30, y)
    pdf.cell(30, 5, right, align="R")


def _pdf_chart(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 16)
    top = pdf.get_y() + 2
    box_w, box_h = PAGE_W_MM - 2 * PDF_MARGIN_MM, PAGE_H_MM - top - PDF_MARGIN_MM - 2
    w, h = png_size(slide.picture)
    scale = min(box_w / w, box_h / h)
    pdf.image(io.BytesIO(slide.picture), x=PDF_MARGIN_MM + (box_w - w * scale) / 2, y=top, w=w * scale,
              h=h * scale)


_PDF_STYLE = {"big": (17, "B", (34, 34, 34), 1), "sub": (12, "", (85, 85, 85), 1),
              "heading": (14, "B", (47, 62, 78), 5), "item": (13, "", (34, 34, 34), 2),
              "value": (13, "B", (34, 34, 34), 0), "note": (11, "", (85, 85, 85), 4)}


def _pdf_lines(pdf, lines, x: float, width: float) -> None:
    """Paragraphs down the page, each cut to four lines; what does not fit above the footer is counted instead."""
    bottom = PAGE_H_MM - PDF_MARGIN_MM - 8
    for i, (style, text) in enumerate(lines):
        size, _, _, before = _PDF_STYLE[style]
        if pdf.get_y() + before + 2 * size * 0.48 > bottom:
            left_out = sum(1 for s, _ in lines[i:] if s == "item")
            _pdf_paragraph(pdf, "note", f"+{left_out} more not shown here (all are in the event table)", x, width)
            return
        _pdf_paragraph(pdf, style, text, x, width)


def _pdf_paragraph(pdf, style: str, text: str, x: float, width: float) -> None:
    size, weight, color, before = _PDF_STYLE[style]
    chars = int(width / (size * 0.3528 * 0.5))  # mm per character: half an em at this size
    pdf.set_y(pdf.get_y() + before)
    pdf.set_x(x)
    pdf.set_font("helvetica", weight, size)
    pdf.set_text_color(*color)
    pdf.multi_cell(width, size * 0.48, pdf_text(fit_text(text, chars, 4)), new_x="LEFT", new_y="NEXT", align="L")


def _pdf_title(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 20)
    top = pdf.get_y() + 3
    width = PAGE_W_MM - 2 * PDF_MARGIN_MM
    left_w = width * 0.58
    pdf.set_xy(PDF_MARGIN_MM, top)
    _pdf_lines(pdf, slide.lines, PDF_MARGIN_MM, left_w)
    pdf.set_xy(PDF_MARGIN_MM + left_w + 8, top)
    _pdf_lines(pdf, slide.side, PDF_MARGIN_MM + left_w + 8, width - left_w - 8)


def _pdf_text(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 20)
    pdf.set_y(pdf.get_y() + 4)
    _pdf_lines(pdf, slide.lines, PDF_MARGIN_MM, PAGE_W_MM - 2 * PDF_MARGIN_MM)


def _pdf_events(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 16)
    pdf.set_y(pdf.get_y() + 3)
    pdf.set_font("helvetica", "", 11)
    pdf.set_text_color(34, 34, 34)
    widths = tuple(w / sum(EVENT_COLUMNS_IN) * (PAGE_W_MM - 2 * PDF_MARGIN_MM) for w in EVENT_COLUMNS_IN)
    with pdf.table(col_widths=widths, line_height=5.2, padding=1.4, first_row_as_headings=True,
                   headings_style=_pdf_headings(), cell_fill_color=(240, 243, 246), cell_fill_mode="ROWS",
                   borders_layout="HORIZONTAL_LINES", text_align="LEFT", v_align="TOP") as table:
        for cells in [slide.header] + slide.rows:
            row = table.row()
            for text in cells:
                row.cell(pdf_text(text))


def _pdf_headings():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(47, 62, 78))


# ---------------------------------------------------------------------------------------------------------------
# Everything at once
# ---------------------------------------------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def case_exports(timeline: Timeline, *, deidentify: bool = False, axis: str = "calendar",
                 day_zero: tuple[int, str] | None = None, width: int = EXPORT_WIDTH) -> dict[str, bytes]:
    """Every export of a case, by file name (options as ``prepare_case``).

    Returns
    -------
    dict
        ``<id>.pptx``, ``<id>.pdf``, ``<id>.<chart>.png`` and ``.svg`` for each chart the case has data for
        (timeline, lesions, markers; plot ``width`` px wide, PNG at scale 2), and ``<id>.events.csv``,
        ``<id>.measurements.csv``, ``<id>.markers.csv``, ``<id>.dose_changes.csv``.
    """
    case = prepare_case(timeline, deidentify=deidentify, axis=axis, day_zero=day_zero)
    slides = case_slides(case)
    files = {f"{case.case_id}.pptx": pptx_bytes([slides]), f"{case.case_id}.pdf": pdf_bytes([slides])}
    for name, chart in case_charts(case, width=width).items():
        spec = chart_spec(chart)
        files[f"{case.case_id}.{name}.png"] = chart_png(spec)
        files[f"{case.case_id}.{name}.svg"] = chart_svg(spec)
    for name, frame in case.tables().items():
        files[f"{case.case_id}.{name}.csv"] = csv_bytes(frame)
    return files


def pptx_xml_text(pptx: bytes) -> str:
    """Every XML part of a PPTX as one text (what a search of the deck for a word has to look through)."""
    with zipfile.ZipFile(io.BytesIO(pptx)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                         if name.endswith((".xml", ".rels")))
