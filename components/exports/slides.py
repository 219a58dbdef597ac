"""What the deck and the handout show, page by page: the slide model (title, charts, key events, source)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable

import pandas as pd

from timelines.key_events import HEADER_CALENDAR as EVENT_HEADER_CALENDAR
from timelines.key_events import HEADER_RELATIVE as EVENT_HEADER_RELATIVE
from timelines.key_events import key_events, side_text
from timelines.kinds import KEY_KINDS
from timelines.summary import key_outcomes, line_name, line_text, outcome_value, patient_text
from timelines.text import cut_chars, ellipsized, shorten, wrap

from .. import charts
from .case import CHART_NAMES, CHART_TITLES, MISSING, CaseExport
from .native import draw_panels, draw_timeline, lesion_panels, marker_panels, shown_event_ids, timeline_frame
from .rendering import _lesions, _markers, _timeline, chart_png, has_chart

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
EVENT_ROWS = 12  # at most this many events per table slide
TEXT_RGB, MUTED_RGB = "222222", "555555"
HEADER_RGB, BAND_RGB = "2F3E4E", "F0F3F6"


# ---------------------------------------------------------------------------------------------------------------
# Slides: what the deck and the handout show, page by page
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Slide:
    """One page of the deck and of the handout.

    A chart slide is drawn twice: in the deck as native PowerPoint shapes and charts (``draw(page, box)``), in the
    handout as a picture (``picture``, or ``make_picture()`` rendered when the handout asks for it, so that a deck
    alone renders no chart). ``notes`` are the slide's speaker notes: the sources of what it shows."""

    kind: str  # title | chart | events | findings | endpoints | source | session
    title: str
    footer: str = ""
    picture: bytes | None = None  # PNG at PNG_SCALE
    lines: list[tuple[str, str]] = field(default_factory=list)  # (style, text); styles: see _style
    side: list[tuple[str, str]] = field(default_factory=list)  # right-hand column of the title slide
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # events: when, event, dose / finding
    header: tuple[str, str, str] = ()
    notes: list[str] = field(default_factory=list)  # speaker notes, one paragraph each
    draw: Callable | None = None  # draw(page, box): the chart as native shapes (powerpoint.py)
    make_picture: Callable | None = None  # () -> PNG: the chart as a picture, for the handout
    caption: list[str] = field(default_factory=list)  # lines under a chart (a finding in words merged here)

    def png(self) -> bytes | None:
        """The chart as a picture (the handout's): rendered on first use."""
        if self.picture is None and self.make_picture is not None:
            self.picture = self.make_picture()
        return self.picture


def case_slides(case: CaseExport) -> list[Slide]:
    """Every page of the case's deck and handout (charts are drawn or rendered only when a file is written)."""
    footer = shorten(case.title, 110) + ("  ·  de-identified" if case.deidentified else "")
    chart_slides, missing = [], []
    for name in CHART_NAMES:
        if has_chart(case, name):
            chart_slides += _chart_slides(case, name)
        else:
            missing.append(MISSING[name])
    chart_slides = _findings_slides(case, chart_slides)
    endpoints = [replace(s, notes=source_notes(case)) for s in endpoint_slides(case.summary)]
    slides = [_title_slide(case, missing)] + chart_slides + _event_slides(case) + endpoints
    if not case.deidentified:
        slides.append(_source_slide(case))
    return [replace(s, footer=s.footer or footer) for s in slides]


# Speaker notes ----------------------------------------------------------------------------------------------------

DEIDENTIFIED_NOTE = ("De-identified deck: the sources of this slide (quotes, case-file lines, citation) and every "
                     "calendar date are left out.")


def source_notes(case: CaseExport, event_ids=(), *, citation: bool = True) -> list[str]:
    """Speaker notes naming the sources of what a slide shows: each event's date as written, its case-file line
    and its quote, then the case's citation. De-identified: what it shows by name only (no quote, no date, no
    source)."""
    events = case.events_by_id
    shown = [i for i in dict.fromkeys(event_ids) if i in events]
    if case.deidentified:
        labels = [str(events[i]["label"]) for i in shown]
        return [DEIDENTIFIED_NOTE] + ([f"Shows: {'; '.join(labels)}."] if labels else [])
    notes = []
    for event_id in shown:
        row = events[event_id]
        when = str(row["start"]) + (f" to {row['end']}" if row.get("end") else "")
        line = case.event_lines.get(event_id)
        where = f"{case.source_name}, line {line}" if case.source_name and line else case.source_name
        quote = str(row.get("quote") or "")
        notes.append(f"{row['label']} ({when}; {where or 'case file'}): "
                     + (f"“{quote}”" if quote else "no quote recorded"))
    if citation:
        notes.append("Source: " + str(case.summary.get("source", {}).get("citation") or "no citation recorded"))
    return notes


def _chart_slides(case: CaseExport, name: str) -> list[Slide]:
    """The slides of one chart (its axis title says calendar or months since day 0): the timeline, lesion sizes
    and marker values, at most PANELS_PER_SLIDE charts a slide."""
    width = SLIDE_CHART_WIDTHS[name]
    if name == "timeline":
        return _timeline_slides(case, width)
    if name == "lesions":
        measured = case.measurements[pd.to_numeric(case.measurements["recist_mm"], errors="coerce").notna()]
        panels = lesion_panels(case)
        window = _window_days(case, case.measurements if not measured.empty else case.events.iloc[0:0])
        ids = list(measured["event_id"])
        parts = _even(panels, PANELS_PER_SLIDE)
        return [Slide("chart", "Lesion sizes and RECIST 1.1" + _part(i, len(parts)),
                      draw=partial(_draw_panels, case=case, panels=part, window=window),
                      make_picture=partial(_lesion_png, case, width, [p.series for p in part], window),
                      notes=source_notes(case, ids)) for i, part in enumerate(parts, 1)] if panels else []
    panels = marker_panels(case.markers)
    numeric = case.markers[pd.to_numeric(case.markers["value"], errors="coerce").notna()]
    window = _window_days(case, numeric if not numeric.empty else case.markers)
    molecular = set(case.markers.loc[case.markers["group"].eq("molecular"), "marker"]) if "group" in case.markers \
        else set()
    slides = []
    # Molecular results (a variant's abundance, %) on slides of their own, after the tumor markers and labs.
    for title, section in ((CHART_TITLES["markers"], [p for p in panels if p.title not in molecular]),
                           (MOLECULAR_TITLE, [p for p in panels if p.title in molecular])):
        parts = _even(section, PANELS_PER_SLIDE)
        for i, part in enumerate(parts, 1):
            names = [p.title for p in part]
            rows = case.markers[case.markers["marker"].isin(names)]
            slides.append(Slide("chart", title + _part(i, len(parts)),
                                draw=partial(_draw_panels, case=case, panels=part, window=window),
                                make_picture=partial(_marker_png, case, width, names, window),
                                notes=source_notes(case, rows["event_id"])))
    return slides


MOLECULAR_TITLE = "Molecular results over time"


PANELS_PER_SLIDE = 4  # charts on one slide (two by two): each keeps 14 pt text legible


def _part(i: int, n: int) -> str:
    return f" ({i}/{n})" if n > 1 else ""


def _even(items: list, cap: int) -> list[list]:
    """Items in order on as few pages as ``cap`` a page allows, spread evenly (no lone item on the last page)."""
    if not items:
        return []
    pages = math.ceil(len(items) / cap)
    size = math.ceil(len(items) / pages)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _draw_panels(page, box, *, case: CaseExport, panels, window) -> None:
    draw_panels(page, case, panels, box, window)


def _lesion_png(case: CaseExport, width: int, series, window) -> bytes:
    labels = {s.name.removesuffix(" (non-target)") for group in series for s in group}
    sums = any(s.name == "Sum of target diameters" for group in series for s in group)
    measured = case.measurements[case.measurements["lesion_label"].isin(labels)]
    return chart_png(_lesions(case, width, measurements=measured, imaging=case.events.iloc[0:0],
                              assessments=case.assessments if sums else case.assessments.iloc[0:0],
                              domain=_domain_of(case, window)))


def _marker_png(case: CaseExport, width: int, names: list[str], window) -> bytes:
    return chart_png(_markers(case, width, case.markers[case.markers["marker"].isin(names)], _domain_of(case, window)))


def _timeline_png(case: CaseExport, width: int, focus) -> bytes:
    return chart_png(_timeline(case, width, focus))


def _draw_timeline(page, box, *, drawn) -> None:
    draw_timeline(page, drawn, box)


def _timeline_slides(case: CaseExport, width: int) -> list[Slide]:
    """The timeline; when a long quiet history would squash the recent disease, the recent years first and the
    whole history on the next slide (as the dashboard opens focused, with a switch)."""
    focus = charts.focus_domain(case.events, axis=case.axis, unit="months")
    slides = []
    for title, domain in (("Timeline", None),) if focus is None else (
            ("Timeline: recent disease (whole history on the next slide)", focus), ("Timeline: whole history", None)):
        drawn = timeline_frame(case, domain)
        slides.append(Slide("chart", title, draw=partial(_draw_timeline, drawn=drawn),
                            make_picture=partial(_timeline_png, case, width, domain),
                            notes=source_notes(case, shown_event_ids(drawn))))
    return slides


# Findings in words ------------------------------------------------------------------------------------------------

FINDINGS_PER_SLIDE = 8


def _findings_slides(case: CaseExport, chart_slides: list[Slide]) -> list[Slide]:
    """Imaging reported without a size and marker results in words, as lines (date, study, finding), after the
    charts. A single finding never gets a slide of its own: it is written under the last chart (or left to the
    timeline and the key events when there is no chart)."""
    relative = not case.calendar
    measured = set(case.measurements.loc[pd.to_numeric(case.measurements["recist_mm"], errors="coerce").notna(),
                                         "event_id"])
    imaging = case.events[case.events["kind"].eq("imaging") & ~case.events["event_id"].isin(measured)]
    found = [(row["event_id"], f"{side_text(row, 'start', relative)} · {row['label']}: "
                               f"{row.get('finding') or row.get('key_details') or 'reported without a size'}")
             for row in imaging.to_dict("records")]
    words = case.markers[pd.to_numeric(case.markers["value"], errors="coerce").isna()]
    found += [(row["event_id"],
               f"{side_text(row, 'start', relative)} · {row['marker']}: {row['finding'] or 'no value'}")
              for row in words.to_dict("records")]
    if not found:
        return chart_slides
    if len(found) == 1:
        if chart_slides:
            last = chart_slides[-1]
            notes = last.notes if case.deidentified else last.notes[:-1] + source_notes(case, [found[0][0]])
            chart_slides[-1] = replace(last, caption=[f"In words: {found[0][1]}"], notes=notes)
        return chart_slides
    pages = _even(found, FINDINGS_PER_SLIDE)
    return chart_slides + [Slide("findings", "Findings in words, without a size or value" + _part(i, len(pages)),
                                 lines=[("item", text) for _, text in page],
                                 notes=source_notes(case, [event_id for event_id, _ in page]))
                           for i, page in enumerate(pages, 1)]


def _window_days(case: CaseExport, frame: pd.DataFrame) -> tuple[float, float]:
    """The window (days) a chart of the whole table shows: its dates, stretched to the end of a therapy still
    running at the last one, with a margin (3 %, at least a week)."""
    days = pd.concat([pd.to_numeric(frame[c], errors="coerce")
                      for c in ("day_start", "day_start_earliest", "day_start_latest")])
    if days.dropna().empty:
        days = pd.to_numeric(case.events["day_start"], errors="coerce")
    lo, hi = float(days.min()), float(days.max())
    bands = charts.therapy_bands(case.events)
    if not bands.empty:
        start, end = (pd.to_numeric(bands[c], errors="coerce") for c in ("day_start", "day_end"))
        running = end[(start <= hi) & (end > hi)]
        hi = max(hi, float(running.max())) if not running.empty else hi
    pad = max((hi - lo) * charts.PAD_FRACTION, 7)
    lo, hi = lo - pad, hi + pad
    if hi - lo < MIN_WINDOW_DAYS:  # values of one day: a quarter around them, not a week
        middle = (lo + hi) / 2
        lo, hi = middle - MIN_WINDOW_DAYS / 2, middle + MIN_WINDOW_DAYS / 2
    return lo, hi


MIN_WINDOW_DAYS = 91


def _domain_of(case: CaseExport, window: tuple[float, float]) -> tuple:
    """A window in days as the screen's charts take a domain (axis units)."""
    tax = charts.time_axis(case.axis, "months", case.day_zero_label, case.events)
    return tuple(tax.at([day]).iloc[0] for day in window)


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
    ids = case.events.loc[case.events["kind"].eq("diagnosis"), "event_id"]
    return Slide("title", summary["title"], lines=lines, side=side, notes=source_notes(case, ids))


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
    ids = list(case.events.loc[case.events["kind"].isin(KEY_KINDS), "event_id"])  # the rows' events, in order
    firsts = [sum(len(p) for p in pages[:i]) for i in range(len(pages))]
    return [Slide("events", title + (f" ({i}/{len(pages)})" if len(pages) > 1 else ""), rows=p, header=header,
                  notes=source_notes(case, ids[first:first + len(p)]))
            for i, (p, first) in enumerate(zip(pages, firsts), 1)]


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
    """The text cut with an ellipsis so that it wraps onto at most ``max_lines`` lines, closing every bracket the
    cut leaves open."""
    if len(wrap(text, chars)) <= max_lines:
        return text
    words, kept = str(text).split(), ""
    for word in words:
        candidate = f"{kept} {word}".strip()
        if len(wrap(ellipsized(candidate), chars)) > max_lines:
            break
        kept = candidate
    return ellipsized(kept) if kept else cut_chars(text, chars)


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
    # As few slides as ENDPOINTS_PER_SLIDE allows, shared evenly (13 endpoints: 5, 4, 4, not 6, 6 and a slide of 1).
    per_slide = -(-len(items) // -(-len(items) // ENDPOINTS_PER_SLIDE)) if items else ENDPOINTS_PER_SLIDE
    pages = [sum(items[i:i + per_slide], []) for i in range(0, len(items), per_slide)]
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
    notes = [f"Case file: {case.source_name}." if case.source_name else "No case file named.",
             "Source: " + str(source.get("citation") or "no citation recorded")]
    return Slide("source", "Source", lines=lines, notes=notes)
