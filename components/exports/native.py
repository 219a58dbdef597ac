"""The timeline, lesion and marker slides drawn as native PowerPoint objects (python-pptx), so that a board can
read every label crisply and edit it: the swimlane as shapes (a rectangle per therapy interval in its drug's
colour, a small shape per point event, text boxes for the lane labels and the time axis), lesion sizes and marker
values as XY scatter charts with axis titles and units.

Everything is placed from the tables the screen's charts draw (``timelines.tables``) through the screen's own
timeline frame (``components.charts.timeline``: drawn days, bounds, solid and faded parts, slots), and coloured
with the chart palette (``components.charts.theme``): no date is derived here. As on screen, a mark is solid
where the case makes it certain and lighter where it is not (a date known within a range, an end that may lie
anywhere in a window).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from timelines.text import shorten, wrap

from .. import charts
from ..charts import theme
from ..charts.axis import DAYS_PER_MONTH, SPAN_OPACITY
from ..charts.lanes import BAR_PX, SLOT_PX, STUB_OPACITIES, hex_color, lane_layout
from ..charts.lesions import PD_LINE_COLOR, PR_LINE_COLOR
from ..charts.markers import FLAG_COLORS, marker_groups
from ..charts.timeline import HOLLOW_EDGE_PX, key_lines, timeline_marks
from .case import CaseExport
from .shapes import FONT
from .shapes import rgb as _rgb
from .shapes import shape as _shape
from .shapes import text_box as _text_box

TEXT_PT = 14  # every text on a drawn slide: legible from the back of the room
TEXT_RGB, MUTED_RGB, SHADE_RGB, GRID_RGB = "222222", "555555", "F2F2F2", "BBBBBB"
LABEL_W_IN = 2.45  # lane labels, left of the plot
AXIS_H_IN = 0.72  # tick labels and the axis title under the plot
KEY_LINE_IN = 0.27  # one line of the key under the axis
POINT_IN = 0.2  # a point event's symbol
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of a spreadsheet date serial (what a chart's date axis counts)


# ---------------------------------------------------------------------------------------------------------------
# The swimlane, as the screen draws it
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Drawn:
    """The screen's timeline frame of a case (one row per mark, with slots), its lanes and window (days)."""

    frame: pd.DataFrame
    lanes: list[str]
    window: tuple[float, float]
    tax: charts.TimeAxis
    changes: pd.DataFrame
    note: str


def timeline_frame(case: CaseExport, domain=None) -> Drawn:
    """The marks the screen's timeline draws (``components.charts.timeline.timeline_marks``), with
    every axis position also in days: ``lo``/``hi`` (start bounds), ``end_lo``/``end_hi`` (end bounds)."""
    tax = charts.time_axis(case.axis, "months", case.day_zero_label, case.events)
    marks = timeline_marks(case.events, tax, dose_changes=case.dose_changes, domain=domain, colors=case.colors)
    frame = marks.frame
    for name, column in (("lo", "x_lo"), ("hi", "x_hi"), ("end_lo", "x_end_lo"), ("end_hi", "x_end_hi"),
                         ("solid_x", "x_solid")):
        frame[name] = _days(tax, frame[column])
    return Drawn(frame, marks.lanes, marks.window, tax, marks.changes, marks.note)


def _days(tax: charts.TimeAxis, values: pd.Series) -> pd.Series:
    """Day offsets of axis positions (the inverse of ``TimeAxis.at``)."""
    if tax.calendar:
        return (pd.to_datetime(values, utc=True) - tax.origin) / pd.Timedelta(days=1)
    return pd.to_numeric(values, errors="coerce") * (DAYS_PER_MONTH if tax.unit == "months" else 1)


def shown_event_ids(drawn: Drawn) -> list[str]:
    """The events a timeline slide shows (a mark of several events counts each)."""
    ids = []
    for value in drawn.frame["event_id"]:
        ids += [part.split(") ", 1)[-1] for part in str(value).split("  ")] if ") " in str(value) else [str(value)]
    return list(dict.fromkeys(ids))


# Point symbols as PowerPoint shapes, one per kind (the screen's symbols: theme.KIND_SHAPES), with a rotation.
def _symbols():
    from pptx.enum.shapes import MSO_SHAPE as S

    return {"symptom": (S.REGULAR_PENTAGON, 0), "diagnosis": (S.STAR_5_POINT, 0), "biopsy": (S.ISOSCELES_TRIANGLE, 180),
            "molecular": (S.HEXAGON, 0), "surgery": (S.RECTANGLE, 0), "radiotherapy": (S.DIAMOND, 0),
            "supportive": (S.ISOSCELES_TRIANGLE, 270), "imaging": (S.OVAL, 0), "lab": (S.CROSS, 0),
            "response": (S.ISOSCELES_TRIANGLE, 0), "progression": (S.OCTAGON, 0),
            "adverse_event": (S.FLOWCHART_COLLATE, 90), "status": (S.RECTANGLE, 0), "other": (S.STAR_4_POINT, 0),
            "death": (S.MATH_MULTIPLY, 0)}


def _hex(color: str) -> str:
    return color.lstrip("#").upper()


def lighter(color: str, opacity: float) -> str:
    """The colour as drawn at this opacity on white (a faded span, a hollow symbol): no transparency needed."""
    return _hex(theme.tint(color, opacity))


def text_box(page, left, top, width, height, lines, *, pt=TEXT_PT, rgb=TEXT_RGB, bold=False, align="left",
             anchor="middle"):
    """A text box of one paragraph per line, all alike, that never resizes."""
    paragraphs = [(text, pt, bold, rgb, None) for text in ([lines] if isinstance(lines, str) else lines)]
    return _text_box(page, left, top, width, height, paragraphs, anchor=anchor, align=align, margins=(0.03, 0))


@dataclass
class _Plot:
    """Where a timeline slide's marks go: inches from a day (x) and from a mark's lane and slot (y). A lane with
    dose changes has ``DOSE_LABEL_IN`` more at its top for their labels (``room``), its marks below it."""

    x0: float
    x1: float
    window: tuple[float, float]
    top: float
    layout: dict
    scale: float  # inches per screen px
    bar: float  # a bar's thickness, inches
    room: dict = field(default_factory=dict)  # inches above a lane's marks for dose-change labels, by lane

    def x(self, day) -> float:
        w0, w1 = self.window
        return self.x0 + (min(max(float(day), w0), w1) - w0) / (w1 - w0) * (self.x1 - self.x0)

    def lane_box(self, lane: str) -> tuple[float, float]:
        """Top and height of a lane, inches."""
        above = sum(self.room.get(other, 0.0) for other, (top, _) in self.layout.items() if top < self.layout[lane][0])
        lane_top, lane_h = self.layout[lane]
        return self.top + lane_top * self.scale + above, lane_h * self.scale + self.room.get(lane, 0.0)

    @property
    def bottom(self) -> float:
        return max(top + height for top, height in map(self.lane_box, self.layout))

    def y(self, row) -> float:
        top, height = self.lane_box(row.lane)
        room = self.room.get(row.lane, 0.0)
        return top + room + (height - room) / 2 + (row.slot - (row.lane_slots - 1) / 2) * SLOT_PX * self.scale


def draw_timeline(page, drawn: Drawn, box: tuple[float, float, float, float]) -> None:
    """The swimlane of ``timeline_frame`` in ``box`` (left, top, width, height in inches): lanes, bars, symbols,
    axis and key."""
    df = drawn.frame
    left, top, width, height = box
    key = key_lines(df, not drawn.changes.empty)
    layout = lane_layout(df, drawn.lanes)
    total = sum(h for _, h in layout.values()) or 1
    changes = _placed_changes(drawn)
    room = {lane: DOSE_LABEL_IN for lane in changes["lane"]}
    free = height - AXIS_H_IN - KEY_LINE_IN * len(key) - sum(room.values())
    scale = min(free / total, 0.6 / 42)  # a lane never over 0.6 in
    plot = _Plot(left + LABEL_W_IN + 0.1, left + width - 0.15, drawn.window, top, layout, scale,
                 min(BAR_PX * scale, 0.24), room)
    _draw_lanes(page, df, drawn.lanes, plot, left, width)
    _draw_axis(page, drawn, plot, plot.bottom, key)
    rows = list(df.assign(hex=hex_color(df)).itertuples())
    for r in rows:
        _draw_spans(page, r, plot)
    for r in rows:
        if r.shape == "interval":
            _draw_interval(page, r, plot)
    _draw_dose_changes(page, changes, plot)
    symbols = _symbols()
    for r in rows:
        if r.shape == "point":
            _draw_point(page, r, plot, symbols)


DOSE_LABEL_IN = 0.26  # room above a therapy's bar for its dose-change labels (14 pt bold)
DOSE_CHAR_IN = 0.105  # average width of a character of 14 pt bold Arial


def _placed_changes(drawn: Drawn) -> pd.DataFrame:
    """The dose changes drawn (a day, on a bar of the slide), each with the row of its bar (``on``)."""
    changes = drawn.changes[drawn.changes["day"].notna()]
    first = drawn.frame.drop_duplicates("event_id").set_index("event_id")
    changes = changes[changes["event_id"].isin(first.index)]
    return changes.assign(lane=changes["event_id"].map(first["lane"]),
                          on=[next(drawn.frame[drawn.frame["event_id"].eq(e)].itertuples()) for e in changes["event_id"]])


def _draw_dose_changes(page, changes: pd.DataFrame, plot: _Plot) -> None:
    """As on screen: a black tick across the bar at each dose change, and the new dose above the bar, right of the
    tick, or left of it where it would run past the plot or into the label before it in its lane."""
    reach: dict[str, float] = {}  # the right end of the last label of each lane, inches
    for change in changes.sort_values("day", kind="stable").itertuples():
        x, y = plot.x(change.day), plot.y(change.on)
        _shape(page, _autoshapes().RECTANGLE, x - 0.02, y - plot.bar / 2 - 0.05, 0.04, plot.bar + 0.1, "000000",
               name=f"dose change: {change.dose}")
        text = str(change.dose)
        wide = len(text) * DOSE_CHAR_IN + 0.1
        left_of = x + 0.04 + wide > plot.x1 and x - 0.04 - wide >= reach.get(change.lane, plot.x0)
        start = x - 0.04 - wide if left_of else max(x + 0.04, reach.get(change.lane, plot.x0))
        box = text_box(page, start, y - plot.bar / 2 - 0.05 - DOSE_LABEL_IN, wide, DOSE_LABEL_IN, text, bold=True,
                       align="right" if left_of else "left", anchor="bottom")
        box.name = shorten(f"dose change label: {text}", 120)
        reach[change.lane] = start + wide


def _autoshapes():
    """python-pptx's autoshape kinds (imported when a slide is drawn, not with the module)."""
    from pptx.enum.shapes import MSO_SHAPE

    return MSO_SHAPE


def _draw_lanes(page, df: pd.DataFrame, lanes: list[str], plot: _Plot, left: float, width: float) -> None:
    """Alternate categories shaded, a label per lane (wrapped at words, two lines at most)."""
    categories = df.drop_duplicates("lane").set_index("lane")["category"].reindex(lanes)
    order = list(dict.fromkeys(categories))
    for lane in lanes:
        lane_top, lane_h = plot.lane_box(lane)
        if order.index(categories[lane]) % 2 == 1:
            _shape(page, _autoshapes().RECTANGLE, left, lane_top, width, lane_h, SHADE_RGB)
        room = plot.room.get(lane, 0.0)  # the label level with the marks, under the dose-change labels' room
        lines = lane_label(lane, 2 if lane_h - room >= 0.44 else 1)
        text_box(page, left, lane_top + room, LABEL_W_IN, lane_h - room, lines, align="right")


def _rule(page, plot: _Plot, day: float, bottom: float, color: str, pt: float):
    """A vertical line across the plot at a day."""
    from pptx.enum.shapes import MSO_CONNECTOR
    from pptx.util import Emu, Pt

    x = Emu(int(plot.x(day) * 914400))
    line = page.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, x, Emu(int(plot.top * 914400)), x,
                                     Emu(int(bottom * 914400)))
    line.line.color.rgb, line.line.width = _rgb(color), Pt(pt)
    return line


def _draw_axis(page, drawn: Drawn, plot: _Plot, axis_top: float, key: list[str]) -> None:
    """A grid line and a label per tick, the axis title under them, day 0 dashed, the key under the axis."""
    from pptx.enum.dml import MSO_LINE

    w0, w1 = drawn.window
    for day, label in _ticks(drawn.tax, w0, w1):
        _rule(page, plot, day, axis_top, GRID_RGB, 0.75)
        text_box(page, plot.x(day) - 0.6, axis_top + 0.02, 1.2, 0.3, label, align="center")
    title = drawn.tax.title + (f"  ·  {drawn.note}" if drawn.note else "")
    text_box(page, plot.x0, axis_top + 0.34, plot.x1 - plot.x0, 0.34, shorten(title, 110), align="center", bold=True)
    if not drawn.tax.calendar and w0 <= 0 <= w1:
        _rule(page, plot, 0, axis_top, MUTED_RGB, 1.5).line.dash_style = MSO_LINE.DASH
    for i, line in enumerate(key):
        text_box(page, plot.x0, axis_top + AXIS_H_IN + i * KEY_LINE_IN, plot.x1 - plot.x0, KEY_LINE_IN, line,
                 rgb=MUTED_RGB)


def _draw_spans(page, r, plot: _Plot) -> None:
    """Where a date is known only within a range: a light span from its earliest to its latest possible day (an
    interval's as thick as its bar: it may have run anywhere in it)."""
    if r.window_only:
        return
    thick = (plot.bar + 0.1) if r.shape == "interval" else 0.1
    spans = []
    if pd.notna(r.lo) and (r.uncertain or r.open_before or r.open_after) and r.hi > r.lo:
        spans.append((r.lo, r.hi))
    if r.end_uncertain and not r.faded_end and pd.notna(r.end_lo) and r.end_hi > r.end_lo:
        spans.append((r.end_lo, r.end_hi))
    for lo, hi in spans:
        _shape(page, _autoshapes().RECTANGLE, plot.x(lo), plot.y(r) - thick / 2, plot.x(hi) - plot.x(lo), thick,
               lighter(r.hex, SPAN_OPACITY))


def _draw_interval(page, r, plot: _Plot) -> None:
    """A therapy or other interval: solid only where the statements make it certain that it ran (from the latest
    possible start), lighter where it may have ended; one light window when no day is certainly on it; hollow
    parts, and an arrow when it is ongoing."""
    name = f"{r.label}: {r.when}"
    start = r.solid_x if pd.notna(r.solid_x) else r.day_start  # where the bar is drawn from
    bar, y = plot.bar, plot.y(r)
    rectangle = _autoshapes().RECTANGLE
    if r.window_only:
        _shape(page, rectangle, plot.x(r.lo), y - bar / 2, max(plot.x(r.hi) - plot.x(r.lo), 0.03), bar,
               lighter(r.hex, SPAN_OPACITY), name=name)
    elif r.has_end and not r.faded_end:
        _shape(page, rectangle, plot.x(start), y - bar / 2, max(plot.x(r.day_end) - plot.x(start), 0.03), bar,
               r.hex, name=name)
    elif r.faded_end or r.open_end:
        _draw_fading(page, r, plot, start, name)
    for lo, hi in _hollow(r):  # a planned course, a treatment hold: white inside, the colour at the edges
        edge = bar * HOLLOW_EDGE_PX / BAR_PX
        _shape(page, rectangle, plot.x(lo), y - bar / 2 + edge, max(plot.x(hi) - plot.x(lo), 0.02), bar - 2 * edge,
               "FFFFFF", name=f"{r.label}: not given")
    if r.ongoing and r.has_end:
        _shape(page, _autoshapes().ISOSCELES_TRIANGLE, plot.x(r.day_end) + 0.01, y - 0.1, 0.2, 0.2, r.hex, "FFFFFF",
               rotation=90, line_pt=0.75, name="ongoing at last follow-up")


def _draw_fading(page, r, plot: _Plot, start: float, name: str) -> None:
    """A bar whose end may lie anywhere in a window (solid up to it, then fading), or whose end is not reported
    (a fading stub, and a start tick where the start has a day)."""
    rectangle, bar, y = _autoshapes().RECTANGLE, plot.bar, plot.y(r)
    solid_from = r.solid_from if pd.notna(r.solid_from) else r.day_start
    lo, hi = (r.fade_lo, r.fade_hi) if r.faded_end else (solid_from, solid_from + r.stub_days)
    if r.faded_end and lo > solid_from:
        _shape(page, rectangle, plot.x(start), y - bar / 2, plot.x(lo) - plot.x(start), bar, r.hex, name=name)
    share = (hi - lo) / len(STUB_OPACITIES)
    for i, opacity in enumerate(STUB_OPACITIES):
        a, b = plot.x(lo + i * share), plot.x(lo + (i + 1) * share)
        if b > a:
            _shape(page, rectangle, a, y - bar / 2, b - a, bar, lighter(r.hex, opacity), name=name)
    if r.open_end and not r.faded_end and not r.start_window:
        _shape(page, rectangle, plot.x(start) - 0.025, y - bar / 2 - 0.05, 0.05, bar + 0.1, r.hex)


def _draw_point(page, r, plot: _Plot, symbols: dict) -> None:
    """A point event: the kind's symbol in its colour, hollow (a light fill) where the date is uncertain, and its
    response or count beside it."""
    kind, rotation = symbols.get(r.mark_kind, (_autoshapes().OVAL, 0))
    size = POINT_IN * (1.3 if r.mark_kind == "death" else 1)
    w = size * (0.45 if r.mark_kind == "status" else 1)
    color = theme.kind_color(r.mark_kind)
    _shape(page, kind, plot.x(r.day_start) - w / 2, plot.y(r) - size / 2, w, size,
           lighter(color, 0.15) if r.uncertain else color, color, rotation=rotation, name=f"{r.label}: {r.when}")
    _point_tag(page, r, plot.x(r.day_start) + w / 2 + 0.03, plot.x(r.day_start) - w / 2 - 0.03, plot.y(r))


CHIP_IN = 0.12  # the square in an assessed therapy's colour between a response and its tag
TAG_IN = 2.4  # the text box of a tag: 'SD · carboplatin/…' at 14 pt


def _point_tag(page, r, right: float, left: float, mid: float) -> None:
    """The screen's tag beside a symbol (`timeline._with_tags`): a response's category and the therapy it assesses,
    after a square in that therapy's colour; ×n; what a status states ('alive at last follow-up'). On the side the
    screen draws it: left of the symbol at the right edge."""
    chip, tag = bool(getattr(r, "chip", False)), str(getattr(r, "tag", "") or "")
    sign = -1 if getattr(r, "tag_side", "right") == "left" else 1
    edge = right if sign > 0 else left
    if chip:
        _shape(page, _autoshapes().RECTANGLE, edge if sign > 0 else edge - CHIP_IN, mid - CHIP_IN / 2, CHIP_IN,
               CHIP_IN, getattr(r, "tied_fill", r.tied_hex), r.tied_hex, line_pt=1, name=f"assesses {r.tied}")
        edge += sign * (CHIP_IN + 0.03)
    if tag:
        text_box(page, edge if sign > 0 else edge - TAG_IN, mid - 0.16, TAG_IN, 0.32, tag, bold=True,
                 align="left" if sign > 0 else "right")


def _hollow(row) -> list[tuple[float, float]]:
    """The parts of an interval drawn hollow on screen (``timeline._hollow_parts``), in days: a planned course
    not given, and each hold of a therapy."""
    parts = []
    if bool(getattr(row, "planned", False) or False) and row.has_end:
        parts.append((row.day_start, row.day_end))
    holds = getattr(row, "holds", None)
    if isinstance(holds, list):
        parts += [(row.day_start + start, row.day_start + end) for start, end in holds]
    return parts


def lane_label(lane: str, max_lines: int) -> list[str]:
    """A lane's name in lines of at most LANE_CHARS, broken between words or after a '/' of a regimen
    ('carboplatin/paclitaxel/' then 'bevacizumab'), never inside a drug's name."""
    lines = wrap(lane.replace("/", "/ "), LANE_CHARS, max_lines=max_lines)
    return [line.replace("/ ", "/") for line in lines]


LANE_CHARS = 24  # characters of 14 pt text in the lane label column


def _ticks(tax: charts.TimeAxis, lo: float, hi: float) -> list[tuple[float, str]]:
    """Axis ticks (day, label): whole years or months on the calendar, round months on the relative axis; at
    most about nine, so their labels never touch."""
    span = hi - lo
    if tax.calendar:
        first, last = tax.origin + pd.Timedelta(days=lo), tax.origin + pd.Timedelta(days=hi)
        for months in (1, 2, 3, 6, 12, 24, 36, 60, 120):
            if span / (months * DAYS_PER_MONTH) <= 9:
                break
        stamps = pd.date_range(pd.Timestamp(first.year, 1, 1, tz="UTC"), last, freq=f"{months}MS")
        return [((s - tax.origin) / pd.Timedelta(days=1), str(s.year) if months >= 12 else f"{s.year}-{s.month:02d}")
                for s in stamps if s >= first and (months < 12 or s.month == 1) and
                (months < 12 or (s.year - first.year) % (months // 12) == 0)]
    unit = DAYS_PER_MONTH if tax.unit == "months" else 1
    for step in (1, 2, 3, 6, 12, 24, 36, 60, 120, 240):
        if span / (step * unit) <= 9:
            break
    return [(k * step * unit, f"{k * step:g}".replace("-", "−"))
            for k in range(math.ceil(lo / (step * unit)), math.floor(hi / (step * unit)) + 1)]


# ---------------------------------------------------------------------------------------------------------------
# Lesion sizes and marker values: XY scatter charts
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    days: list[float]
    values: list[float]
    color: str
    uncertain: list[bool]
    labels: list[str] | None = None  # a label per point (a RECIST category, a value)
    dashed: bool = False
    markers: bool = True
    point_colors: list[str] | None = None  # a colour per point (a marker value's flag), else the series colour


@dataclass
class Panel:
    """One XY chart: its title, y axis title (with the unit) and series."""

    title: str
    y_title: str
    series: list[Series]


def lesion_panels(case: CaseExport) -> list[Panel]:
    """Sizes per lesion, lesions of a like scale on one chart (a 141 mm primary never squashes a 20 mm node),
    and the sum of target diameters with each scan's RECIST 1.1 category."""
    sizes = case.measurements[pd.to_numeric(case.measurements["recist_mm"], errors="coerce").notna()]
    if sizes.empty:
        return []
    peaks = sizes.groupby("lesion_label", sort=False)["recist_mm"].max().sort_values(ascending=False, kind="stable")
    groups: list[list[str]] = []
    for label, peak in peaks.items():
        if groups and peak * 4 >= peaks[groups[-1][0]]:
            groups[-1].append(label)
        else:
            groups.append([label])
    labels = dict.fromkeys(sizes["lesion_label"])
    colors = {label: theme.LESION_COLORS[i % len(theme.LESION_COLORS)] for i, label in enumerate(labels)}
    panels = []
    for group in groups:
        series = []
        for label in group:
            rows = sizes[sizes["lesion_label"].eq(label)].sort_values("day_start", kind="stable")
            target = bool(rows["target"].iloc[0])
            series.append(Series(label + ("" if target else " (non-target)"), rows["day_start"].astype(float).tolist(),
                                 rows["recist_mm"].astype(float).tolist(), colors[label], _uncertain(rows),
                                 [f"{v:g}" for v in rows["recist_mm"]], dashed=not target))
        # A lesion alone on its chart is named in the title (a chart of one series has no legend).
        title = series[0].name if len(series) == 1 else "Lesion size: longest diameter, short axis for lymph nodes"
        panels.append(Panel(title, "Size (mm)", series))
    a = case.assessments
    a = a[pd.to_numeric(a["sum_mm"], errors="coerce").notna()] if not a.empty else a
    if len(a) >= 1:
        days = a["day"].astype(float).tolist()
        series = [Series("Sum of target diameters", days, a["sum_mm"].astype(float).tolist(), "#222222",
                         [False] * len(a), [str(c or "") for c in a["category"]])]
        for column, name, color in (("pr_threshold_mm", "PR line (−30 % from baseline)", PR_LINE_COLOR),
                                    ("pd_threshold_mm", "PD line (+20 % and +5 mm from nadir)", PD_LINE_COLOR)):
            values = pd.to_numeric(a[column], errors="coerce")
            if values.notna().any():
                series.append(Series(name, days, values.tolist(), color, [False] * len(a), dashed=True, markers=False))
        panels.append(Panel("Sum of target diameters, RECIST 1.1", "Sum of diameters (mm)", series))
    return panels


def _uncertain(rows: pd.DataFrame) -> list[bool]:
    lo = pd.to_numeric(rows["day_start_earliest"], errors="coerce")
    hi = pd.to_numeric(rows["day_start_latest"], errors="coerce")
    return ((hi > lo) | lo.isna() | hi.isna()).tolist()


def marker_panels(markers: pd.DataFrame) -> list[Panel]:
    """One chart per marker with a number (its own y axis and unit), in the screen's order; values coloured by
    flag, the reference range as dashed lines."""
    if markers.empty:
        return []
    ordered = screen_marker_order(markers)
    panels = []
    for marker in ordered:
        rows = markers[markers["marker"].eq(marker)].sort_values("day_start", kind="stable")
        values = pd.to_numeric(rows["value"], errors="coerce")
        rows, values = rows[values.notna()], values[values.notna()]
        if rows.empty:
            continue
        unit = next((u for u in rows["unit"] if u), "")
        days = rows["day_start"].astype(float).tolist()
        arrows = {"high": " ↑", "low": " ↓"}
        flags = rows["flag"].fillna("")
        series = [Series(marker, days, values.tolist(), "#333333", _uncertain(rows),
                         [f"{v:g}{arrows.get(f, '')}" for v, f in zip(values, flags)],
                         point_colors=[FLAG_COLORS.get(f or "not stated", FLAG_COLORS["not stated"]) for f in flags])]
        for column, name in (("ref_low", "reference low"), ("ref_high", "reference high")):
            limit = pd.to_numeric(rows[column], errors="coerce").dropna()
            if not limit.empty:
                series.append(Series(name, days, [float(limit.iloc[0])] * len(days), "#009E73", [False] * len(days),
                                     dashed=True, markers=False))
        panels.append(Panel(marker, f"{marker} ({unit})" if unit else marker, series))
    return panels


def screen_marker_order(markers: pd.DataFrame) -> list[str]:
    """Markers in the screen's panel order (tumour markers, molecular, other labs; each by first date)."""
    frame = markers.assign(day_start=pd.to_numeric(markers["day_start"], errors="coerce"))
    return [name for name, _ in marker_groups(frame)]


def draw_panels(page, case: CaseExport, panels: list[Panel], box, window: tuple[float, float]) -> None:
    """The panels on a grid in ``box``: one fills it, two are stacked, three or four share it two by two."""
    left, top, width, height = box
    columns = 1 if len(panels) == 1 else 2
    rows = -(-len(panels) // columns)
    gap = 0.15
    w, h = (width - gap * (columns - 1)) / columns, (height - gap * (rows - 1)) / rows
    tax = charts.time_axis(case.axis, "months", case.day_zero_label, case.events)
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        _xy_chart(page, panel, tax, window, (left + c * (w + gap), top + r * (h + gap), w, h))


def _x_value(tax: charts.TimeAxis, day: float) -> float:
    """A day offset as the chart's x: a spreadsheet date serial on the calendar axis, else months since day 0."""
    if tax.calendar:
        return float((tax.origin.date() - EXCEL_EPOCH).days + day)
    return day / (DAYS_PER_MONTH if tax.unit == "months" else 1)


def _xy_chart(page, panel: Panel, tax: charts.TimeAxis, window: tuple[float, float], box) -> None:
    from pptx.chart.data import XyChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    # The longest series first: LibreOffice leaves out a first series shorter than a later one.
    panel = Panel(panel.title, panel.y_title, sorted(panel.series, key=lambda s: -len(s.days)))
    data = XyChartData()
    for s in panel.series:
        series = data.add_series(s.name)
        # A series of one point is written twice (the same point): LibreOffice draws no series of a single point.
        for day, value in list(zip(s.days, s.values)) * (2 if len(s.days) == 1 else 1):
            series.add_data_point(_x_value(tax, day), value)
    left, top, width, height = box
    frame = page.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER_LINES, Inches(left), Inches(top), Inches(width),
                                  Inches(height), data)
    frame.name = shorten(panel.title, 120)
    chart = frame.chart
    chart.font.size, chart.font.name = Pt(TEXT_PT), FONT
    chart.has_title = True
    chart.chart_title.text_frame.text = panel.title
    _font(chart.chart_title.text_frame, bold=True)
    chart.has_legend = len(panel.series) > 1
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        chart.legend.font.size = Pt(TEXT_PT)
    _xy_axes(chart, panel, tax, window)
    for s, series in zip(panel.series, chart.plots[0].series):
        _xy_series(s, series)


def _xy_axes(chart, panel: Panel, tax: charts.TimeAxis, window: tuple[float, float]) -> None:
    """The time axis over the window (dates or months, round steps), the value axis from 0; both titled."""
    from pptx.enum.chart import XL_AXIS_CROSSES
    from pptx.util import Pt

    x_axis, y_axis = chart.category_axis, chart.value_axis
    x_axis.minimum_scale, x_axis.maximum_scale = (_x_value(tax, d) for d in window)
    x_axis.tick_labels.number_format = "yyyy-mm" if tax.calendar else "0"
    x_axis.tick_labels.number_format_is_linked = False
    x_axis.has_major_gridlines = False
    x_axis.crosses = y_axis.crosses = XL_AXIS_CROSSES.MINIMUM  # the axes meet at the lower left, not at 0
    span = window[1] - window[0]
    if tax.calendar:  # round steps, at most about eight labels
        x_axis.major_unit = next(m for m in (1, 2, 3, 6, 12, 24, 60, 120) if span / (m * DAYS_PER_MONTH) <= 8) \
            * DAYS_PER_MONTH
    for axis, title in ((x_axis, tax.title), (y_axis, panel.y_title)):
        axis.has_title = True
        axis.axis_title.text_frame.text = title
        _font(axis.axis_title.text_frame)
        axis.tick_labels.font.size = Pt(TEXT_PT)
    y_axis.minimum_scale = 0
    y_axis.major_gridlines.format.line.color.rgb = _rgb("E3E3E3")


def _xy_series(s: Series, series) -> None:
    """A series' line (dashed for a threshold or a non-target lesion) and its points."""
    from pptx.enum.chart import XL_MARKER_STYLE
    from pptx.enum.dml import MSO_LINE
    from pptx.util import Pt

    series.smooth = False
    series.format.line.color.rgb, series.format.line.width = _rgb(s.color), Pt(2.5 if s.markers else 1.5)
    if s.dashed:
        series.format.line.dash_style = MSO_LINE.DASH
    if not s.markers:
        series.marker.style = XL_MARKER_STYLE.NONE
        return
    series.marker.style, series.marker.size = XL_MARKER_STYLE.CIRCLE, 9
    colors = s.point_colors or [s.color] * len(s.days)
    for i, (uncertain, color) in enumerate(zip(s.uncertain, colors)):
        _xy_point(s, series.points[i], uncertain, color, s.labels[i] if s.labels and len(s.days) <= 14 else "")


def _xy_point(s: Series, point, uncertain: bool, color: str, label: str) -> None:
    """A point in its colour (lighter where its date is uncertain, as the segment reaching it), with its label."""
    from pptx.enum.chart import XL_LABEL_POSITION, XL_MARKER_STYLE
    from pptx.enum.dml import MSO_LINE
    from pptx.util import Pt

    point.marker.style, point.marker.size = XL_MARKER_STYLE.CIRCLE, 9
    point.marker.format.fill.solid()
    point.marker.format.fill.fore_color.rgb = _rgb(lighter(color, 0.2) if uncertain else color)
    point.marker.format.line.color.rgb = _rgb(color)
    if uncertain:
        point.format.line.color.rgb = _rgb(lighter(s.color, 0.45))
        point.format.line.width = Pt(2.5)
        if s.dashed:
            point.format.line.dash_style = MSO_LINE.DASH
    if label:
        data_label = point.data_label
        data_label.position = XL_LABEL_POSITION.ABOVE
        data_label.text_frame.text = label
        _font(data_label.text_frame, bold=True, rgb=color)


def _font(text_frame, *, bold=False, rgb=TEXT_RGB, pt=TEXT_PT) -> None:
    from pptx.util import Pt

    for paragraph in text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.name = Pt(pt), bold, FONT
            run.font.color.rgb = _rgb(rgb)
