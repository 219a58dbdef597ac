"""Pure chart builders for one case: swimlane timeline, lesion sizes with RECIST 1.1, markers (no Streamlit, no I/O).

Every builder takes the tables of ``timelines.tables`` (and the RECIST assessments of ``timelines.clinical``) and
returns an Altair chart; the look (fonts, colours per kind and per drug) lives in ``components.charts.theme``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import partial

import altair as alt
import pandas as pd

from timelines.dates import DAYS_PER_MONTH
from timelines.measures import PD_MIN_MM, PD_THRESHOLD, PR_THRESHOLD, pd_threshold, pr_threshold
from timelines.tables import SYSTEMIC, day_zero_of, dose_change_text, dose_changes_in_days, lane_order
from timelines.text import signed_percent, wrap
from timelines.when import is_calendar_text, say_days

from . import theme

AXES = ("calendar", "relative")
UNITS = ("months", "days")

AXIS_TITLE_LIMIT = 640  # px: longer x-axis titles end in an ellipsis
DEFAULT_WIDTH = 900  # plot width in px: with lane labels and padding a chart fits a 1280 px wide slide
LANE_STEP = 42  # px per lane: room for a two-line lane label (2 x 17 px)
SLOT_PX = 18  # vertical distance between marks that share a lane and overlap in time
BAR_PX = 18  # thickness of a therapy bar
POINT_SIZE = 200  # symbol area in px²: about 14 px across
LABEL_CHARS = 30  # a lane label wraps after this many characters, on at most two lines
PAD_FRACTION = 0.03  # room left and right of the data
STUB_FRACTION = 0.06  # length of the fading stub of a therapy whose end is not reported
STUB_OPACITIES = (0.55, 0.3, 0.12)
CLUSTER_FRACTION = 0.012  # marks closer than this share of the axis are stacked rather than overdrawn
SPAN_OPACITY = 0.28
SHADE_COLOR = "#f2f2f2"

TREND_COLORS = {"decreased": "#0072B2", "resolved": "#0072B2", "stable": "#555555", "mixed": "#CC79A7",
                "increased": "#D55E00", "new": "#D55E00", "not stated": "#777777"}
# Better (blue), worse (vermillion), neither (grey, purple): colour for the gist, a shape of its own for each trend.
TREND_SHAPES = {"decreased": "triangle-down", "resolved": "diamond", "stable": "circle", "mixed": "square",
                "increased": "triangle-up", "new": "cross", "not stated": "stroke"}
FLAG_COLORS = {"high": "#D55E00", "low": "#0072B2", "normal": "#009E73", "not stated": "#555555"}
FLAG_ARROWS = {"high": " ↑", "low": " ↓"}

# Calendar tick labels in UTC: the year at a January tick, the month elsewhere, the day when zoomed in to days.
# (A format object is ignored once the field has a time unit, so the choice is made in the label expression.)
_DATE_LABEL = ("utcdate(datum.value) !== 1 ? utcFormat(datum.value, '%d %b') : utcmonth(datum.value) === 0 "
               "? utcFormat(datum.value, '%Y') : utcFormat(datum.value, '%b')")


# ---------------------------------------------------------------------------------------------------------------
# Time axis: calendar (UTC dates) or relative (days or months since day 0)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeAxis:
    """Where a day offset lands on the x axis, and how the axis is titled."""

    axis: str
    unit: str
    day_zero_label: str
    origin: pd.Timestamp | None = None  # the calendar date of day 0 (calendar axis only)

    @property
    def calendar(self) -> bool:
        return self.axis == "calendar"

    @property
    def title(self) -> str:
        return "Date" if self.calendar else f"{self.unit.capitalize()} since {self.day_zero_label}"

    def at(self, days) -> pd.Series:
        """Axis positions of day offsets: UTC dates, or days / months as floats (missing stays missing)."""
        days = pd.to_numeric(pd.Series(days), errors="coerce").astype("float64")
        if self.calendar:
            return self.origin + pd.to_timedelta(days, unit="D")
        return days / DAYS_PER_MONTH if self.unit == "months" else days

    def scale_value(self, value):
        """A domain bound for the Vega-Lite scale: a UTC DateTime, or a number."""
        if self.calendar:
            stamp = _utc(value)
            return alt.DateTime(year=stamp.year, month=stamp.month, date=stamp.day, utc=True)
        return round(float(value), 3)

    def days_of(self, value) -> float:
        """The day offset of an axis value (inverse of `at`)."""
        if self.calendar:
            return (_utc(value) - self.origin) / pd.Timedelta(days=1)
        return float(value) * (DAYS_PER_MONTH if self.unit == "months" else 1)

    def describe_days(self, days: float) -> str:
        if self.unit == "months":
            return f"month {days / DAYS_PER_MONTH:.1f}"
        return f"day {days:.0f}"


def _utc(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _iso_dates(column: pd.Series) -> pd.Series:
    """ISO date texts (empty when unknown) as UTC midnights, so a date-only event never shifts a day."""
    return pd.to_datetime(column.replace("", None), utc=True, errors="coerce")


def time_axis(axis: str = "calendar", unit: str = "months", day_zero_label: str = "first diagnosis",
              *frames: pd.DataFrame) -> TimeAxis:
    """Check the axis options and take the calendar date of day 0 from the given tables (``DayZero``, which
    every table of ``timelines.tables`` carries).

    Raises
    ------
    ValueError
        For an unknown axis or unit, or for the calendar axis on a case without calendar dates.
    """
    if axis not in AXES:
        raise ValueError(f"Unknown axis {axis!r}. Hint: use one of {', '.join(map(repr, AXES))}")
    if unit not in UNITS:
        raise ValueError(f"Unknown unit {unit!r}. Hint: use one of {', '.join(map(repr, UNITS))}")
    if axis == "relative":
        return TimeAxis(axis, unit, day_zero_label)
    zeros = (day_zero_of(frame) for frame in frames)
    date = next((zero.date for zero in zeros if zero is not None and zero.date is not None), None)
    if date is None:
        raise ValueError("This case has no calendar dates (its start columns are empty), so it cannot be drawn on "
                         "the calendar axis. Hint: use axis='relative' (days or months since day 0)")
    return TimeAxis(axis, unit, day_zero_label, pd.Timestamp(date, tz="UTC"))


def _x(tax: TimeAxis, field: str, *, domain=None, labels: bool = True, title: str | None = None) -> alt.X:
    """The x encoding shared by every layer: utc time unit on the calendar axis (no shifted days)."""
    scale = alt.Scale(domain=[tax.scale_value(v) for v in domain]) if domain is not None else alt.Undefined
    # titleLimit: the title carries a user-chosen day-0 label; an unbounded one would squeeze the plot to nothing.
    axis = alt.Axis(title=title if title is not None else tax.title, labels=labels, ticks=labels, grid=True,
                    labelOverlap="greedy", labelSeparation=LABEL_SEPARATION,
                    labelExpr=_DATE_LABEL if tax.calendar else alt.Undefined, titleLimit=AXIS_TITLE_LIMIT,
                    **_round_ticks(tax, domain))
    if tax.calendar:
        return alt.X(f"{field}:T", timeUnit="utcyearmonthdate", scale=scale, axis=axis)
    return alt.X(f"{field}:Q", scale=scale, axis=axis)


LABEL_SEPARATION = 10  # px kept free between two tick labels; a label that would come closer is not drawn
# Round steps for the time axis, chosen by the span shown so that about a dozen ticks or fewer are drawn.
# About ten ticks at most, so that labels need not be dropped on a 500-px plot at the board's 18 px (a dropped
# January label would take its year with it).
CALENDAR_STEPS = ((10, "month", 1), (30, "month", 3), (60, "month", 6), (120, "year", 1), (240, "year", 2))
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
DAY_STEPS = (1, 2, 7, 14, 30, 60, 90, 180, 365, 730, 1826)
MAX_TICKS = 10


def _round_ticks(tax: TimeAxis, domain) -> dict:
    """Round ticks for the span shown: months, quarters, half-years or years on a calendar; whole months (1, 2,
    3, 6, 12...) or days (1, 7, 14, 30...) since day 0. Never tenths of a month."""
    if domain is None:
        return {"tickMinStep": 1} if not tax.calendar else {}
    days = abs(tax.days_of(domain[1]) - tax.days_of(domain[0]))
    if tax.calendar:
        months = days / DAYS_PER_MONTH
        interval, step = next(((i, n) for limit, i, n in CALENDAR_STEPS if months <= limit), ("year", 5))
        return {"tickCount": {"interval": interval, "step": step}}  # the scale is UTC: so are its ticks
    span = days / DAYS_PER_MONTH if tax.unit == "months" else days
    steps = MONTH_STEPS if tax.unit == "months" else DAY_STEPS
    step = next((n for n in steps if span / n <= MAX_TICKS), steps[-1])
    return {"tickMinStep": step, "tickCount": max(2, int(span // step)), "format": "d"}


def _x2(tax: TimeAxis, field: str) -> alt.X2:
    return alt.X2(field, timeUnit="utcyearmonthdate") if tax.calendar else alt.X2(field)


def _day_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Day offsets as floats (the nullable Int64 columns become NaN where unknown)."""
    names = [c for c in frame.columns if c.startswith("day_")]
    return frame[names].apply(lambda c: pd.to_numeric(c, errors="coerce").astype("float64"))


def _extent_days(*columns: pd.Series) -> tuple[float, float] | None:
    values = pd.concat([pd.Series(c, dtype="float64") for c in columns], ignore_index=True).dropna()
    return None if values.empty else (float(values.min()), float(values.max()))


def _padded(extent: tuple[float, float], fraction: float = PAD_FRACTION, minimum: float = 7) -> tuple[float, float]:
    lo, hi = extent
    pad = max((hi - lo) * fraction, minimum)
    return lo - pad, hi + pad


def _domain_days(tax: TimeAxis, domain, extent: tuple[float, float]) -> tuple[float, float]:
    """The visible window in days: the caller's domain, else the data extent with a margin."""
    if domain is not None:
        return tax.days_of(domain[0]), tax.days_of(domain[1])
    return _padded(extent)


def _axis_domain(tax: TimeAxis, days: tuple[float, float]) -> tuple:
    return tuple(tax.at([d]).iloc[0] for d in days)


def _empty_chart(message: str, width: int | None = None) -> alt.Chart:
    """A chart that says why it is empty, instead of a blank frame."""
    frame = pd.DataFrame({"message": [message]})
    return alt.Chart(frame).mark_text(fontSize=18, color=theme.MUTED_COLOR).encode(
        text="message:N").properties(width=width or DEFAULT_WIDTH, height=80)


def _check_width(width):
    return DEFAULT_WIDTH if width is None else width


# ---------------------------------------------------------------------------------------------------------------
# Swimlane timeline
# ---------------------------------------------------------------------------------------------------------------

_EVENT_TOOLTIP = (("label", "Event"), ("kind_text", "Kind"), ("when", "When"), ("bounds", "Written as"),
                  ("dose", "Dose"), ("dose_changes_text", "Dose changes"), ("line_text", "Line"),
                  ("intent", "Intent"),
                  ("details", "Details"), ("note", "Note"), ("quote", "Source"))


def therapy_bands(events: pd.DataFrame) -> pd.DataFrame:
    """The systemic therapy rows of an event table (chemotherapy, targeted, immunotherapy, endocrine).

    These are drawn as light background bands behind the lesion and marker charts.
    """
    if events is None or events.empty:
        return pd.DataFrame(columns=events.columns if events is not None else [])
    return events[events["category"].eq(SYSTEMIC)].reset_index(drop=True)


def focus_domain(events: pd.DataFrame, *, axis: str = "calendar", unit: str = "months",
                 margin_days: float = 92, min_hidden_share: float = 0.4):
    """A default window on the most recent disease, or None when the whole history already reads well.

    The window runs from ``margin_days`` before the most recent diagnosis (so the work-up that led to it stays
    in view) to just after the last event. A long earlier history (e.g. a breast cancer 14 years before the
    lung cancer being discussed) would otherwise squash the recent years into a sliver. When the window would
    hide less than ``min_hidden_share`` of the full span, focusing gains little and None is returned.

    Returns
    -------
    tuple or None
        ``(lo, hi)`` in axis units (UTC timestamps on the calendar axis, days or months on the relative axis),
        ready for ``timeline_chart(..., domain=...)``.
    """
    if events is None or events.empty or not events["kind"].eq("diagnosis").any():
        return None
    tax = time_axis(axis, unit, "", events)
    days = _day_columns(events)
    full = _extent_days(days["day_start"], days["day_end"], days["day_start_earliest"], days["day_start_latest"],
                        days["day_end_latest"])
    recent = float(days.loc[events["kind"].eq("diagnosis"), "day_start_earliest"].max())
    lo, hi = recent - margin_days, full[1]
    if lo <= full[0] or (hi - lo) >= (1 - min_hidden_share) * (full[1] - full[0]):
        return None
    return _axis_domain(tax, (lo, _padded((lo, hi))[1]))


def timeline_chart(events: pd.DataFrame, *, axis: str = "calendar", unit: str = "months",
                   day_zero_label: str = "first diagnosis", width: int | None = None,
                   domain=None, dose_changes: pd.DataFrame | None = None) -> alt.LayerChart | alt.Chart:
    """Swimlanes of one case: one lane per event group, therapies as bars, other events as symbols.

    Parameters
    ----------
    events
        The event table (``timelines.tables.event_table``). Lanes run top to bottom in ``lane_order(events)``,
        grouped by category (alternate categories are shaded).
    axis
        ``"calendar"`` (UTC dates) or ``"relative"`` (time since day 0; required for de-identified display
        and the only choice for a case without calendar dates).
    unit
        ``"months"`` (days / 30.4375) or ``"days"``, for the relative axis.
    day_zero_label
        What day 0 is, for the relative axis title ("Months since first diagnosis").
    width
        Plot width in px (default 900: fits a 1280 px slide with the lane labels).
    domain
        ``(lo, hi)`` in axis units to focus on a period, e.g. ``focus_domain(events)``. Marks outside are
        clipped, and the axis title says how many events lie before the window. Zoom and pan stay available.
    dose_changes
        The dose change table (``timelines.tables.dose_change_table``), drawn as ticks on the therapy bars.

    Returns
    -------
    alt.LayerChart
        Bars coloured by drug (``theme.drug_color``) or kind; symbols by kind (``theme.KIND_SHAPES``), hollow
        with a faded span from earliest to latest when the date is uncertain; an arrow at the end of an ongoing
        therapy; a fading stub where a therapy's end is not reported; ticks and labels at dose changes; a black
        cross for death. Tooltips give the dates as written, their bounds, dose, details, note and source quote.

    Raises
    ------
    ValueError
        On ``axis="calendar"`` for a case without calendar dates.
    """
    width = _check_width(width)
    if events is None or events.empty:
        return _empty_chart("No events in this case", width)
    tax = time_axis(axis, unit, day_zero_label, events)
    changes = _dose_change_frame(dose_changes, events)
    frame = _timeline_frame(events, tax, changes)
    # Drawn days and every bound: a side left open is drawn to the edge of this extent.
    extent = _extent_days(frame["day_start"], frame["day_end"], frame["day_start_earliest"],
                          frame["day_start_latest"], frame["day_end_latest"])
    window = _domain_days(tax, domain, extent)
    frame = _with_slots(_grouped_points(_closed_for_drawing(frame, tax, window)), window)
    lanes = lane_order(events)
    note = _hidden_note(frame, tax, window) if domain is not None else ""
    if domain is not None:  # a focused window shows the lanes it has marks in; the note counts the rest
        frame = frame[~_outside(frame, window)].reset_index(drop=True)
        shown = set(frame["lane"])
        if note and len(shown) < len(lanes):
            note = note.replace(" outside", f" and {_count(len(lanes) - len(shown), 'lane')} outside")
        lanes = [lane for lane in lanes if lane in shown]
    layout = _lane_layout(frame, lanes)
    frame["y"] = [layout[lane][0] + layout[lane][1] / 2 + (slot - (n - 1) / 2) * SLOT_PX
                  for lane, slot, n in zip(frame["lane"], frame["slot"], frame["lane_slots"])]
    x_domain = _axis_domain(tax, window)
    ctx = _Lanes(tax, lanes, layout, x_domain, note, changes[changes["event_id"].isin(frame["event_id"])])
    layers = [layer for build in _TIMELINE_LAYERS for layer in build(frame, ctx)]
    # Zoom and pan on x only: lanes stay put. The parameter sits on a layer that encodes x (Vega-Lite binds
    # scales through the view that owns the channel); the layers share the x scale, so all of them follow.
    first = next(i for i, layer in enumerate(layers) if isinstance(layer.encoding.x, alt.X))
    layers[first] = layers[first].add_params(alt.selection_interval(bind="scales", encodings=["x"]))
    # Bars are coloured by drug and symbols by kind: two colour scales, each with its own legend.
    return alt.layer(*layers).properties(width=width, height=ctx.height,
                                         title=_key_title(frame, not ctx.dose_changes.empty)).resolve_scale(
        color="independent", shape="independent", stroke="independent")


def _key_title(df: pd.DataFrame, dose_changes: bool) -> alt.TitleParams:
    """A one-line key under the chart, naming only the conventions this case uses."""
    items = [(df["uncertain"].any() or df["end_uncertain"].any(),
              "hollow symbol / faded span: date known only within that range"),
             (df["ongoing"].fillna(False).astype(bool).any(), "► ongoing at last follow-up"),
             (df["faded_end"].any(), "fading bar: solid while it certainly ran, faded where it may have ended"),
             ((df["open_end"] & ~df["faded_end"]).any(), "fading stub: end not reported"),
             (df["count"].gt(1).any(), "×n: n events on the same date"),
             (dose_changes, "tick on a bar: dose change")]
    # Lines of at most KEY_LINE_CHARS, so that the key is read whole on a narrow screen instead of cut at "…".
    lines: list[str] = []
    for text in (text for shown, text in items if shown):
        if lines and len(lines[-1]) + len(KEY_SEPARATOR) + len(text) <= KEY_LINE_CHARS:
            lines[-1] += KEY_SEPARATOR + text
        else:
            lines.append(text)
    # The font is named here: vl-convert falls back to a serif face for a bottom title that relies on config.
    return alt.TitleParams(text=lines or "", orient="bottom", anchor="start", fontSize=14, fontWeight="normal",
                           font=theme.FONT, color=theme.MUTED_COLOR, offset=14, lineHeight=20)


KEY_SEPARATOR = "   ·   "
KEY_LINE_CHARS = 80  # about 560 px of 14 px text: the plot's width beside an open sidebar at 1280 px


def _lane_layout(df: pd.DataFrame, lanes: list[str]) -> dict[str, tuple[int, int]]:
    """Top and height in px of each lane, top to bottom: a lane is as tall as its stacked marks need."""
    slots = df.groupby("lane")["lane_slots"].max()
    layout, top = {}, 0
    for lane in lanes:
        height = max(LANE_STEP, int(slots.get(lane, 1)) * SLOT_PX + 14)
        layout[lane] = (top, height)
        top += height
    return layout


@dataclass(frozen=True)
class _Lanes:
    """What every timeline layer shares: the time axis, the lanes and their place, the visible window.

    Lanes differ in height, so y is not a band scale but px from the top (a linear scale whose domain is the
    chart's height), and the axis puts each lane's label at its centre.
    """

    tax: TimeAxis
    lanes: list[str]
    layout: dict[str, tuple[int, int]]
    x_domain: tuple
    hidden_note: str = ""
    dose_changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # those of the events drawn (_dose_change_frame)

    @property
    def height(self) -> int:
        top, height = self.layout[self.lanes[-1]]
        return top + height

    def x(self, field: str) -> alt.X:
        title = self.tax.title + (f"  ·  {self.hidden_note}" if self.hidden_note else "")
        return _x(self.tax, field, domain=self.x_domain, title=title)

    def x2(self, field: str) -> alt.X2:
        return _x2(self.tax, field)

    def centres(self) -> list[float]:
        return [top + height / 2 for top, height in (self.layout[lane] for lane in self.lanes)]

    def y(self, field: str = "y") -> alt.Y:
        return alt.Y(f"{field}:Q", scale=alt.Scale(domain=[0, self.height], reverse=True, nice=False, zero=False),
                     axis=_lane_axis(self.lanes, self.centres()))


def _lane_axis(lanes: list[str], centres: list[float]) -> alt.Axis:
    """Lane names at lane centres, top to bottom in lane order; long ones wrap onto two lines (Vega draws a
    label given as an array as lines)."""
    expr = "''"
    for lane, centre in reversed(list(zip(lanes, centres))):
        lines = wrap(lane, LABEL_CHARS, max_lines=2)  # past the second line shortened: the tooltip has it all
        expr = f"datum.value === {centre:g} ? {json.dumps(lines if len(lines) > 1 else lane)} : {expr}"
    return alt.Axis(title=None, values=centres, labelExpr=expr, labelLimit=260, labelFontSize=theme.LABEL_SIZE,
                    domain=False, ticks=False, grid=False, labelPadding=10, labelLineHeight=17)


def _timeline_frame(events: pd.DataFrame, tax: TimeAxis, changes: pd.DataFrame) -> pd.DataFrame:
    """One row per event with axis positions, mark roles and tooltip texts."""
    df = events.reset_index(drop=True).copy()
    df[_day_columns(df).columns] = _day_columns(df)
    interval = df["shape"].eq("interval")
    df["has_end"] = interval & df["day_end"].notna()
    df["open_end"] = interval & df["day_end"].isna()
    df["therapy"] = df["category"].eq(SYSTEMIC)
    df["open_before"] = df["day_start_earliest"].isna()  # nothing in the case bounds how early it was
    df["open_after"] = df["day_start_latest"].isna()
    df["ongoing"] = df["ongoing"].fillna(False).astype(bool)
    df["mark_kind"] = df["kind"].where(~_is_death(df), "death")
    df["response"] = df["response_category"].fillna("").where(df["kind"].eq("response"), "")
    df["bar_key"] = df["lane"].where(df["therapy"], df["kind"])
    df["approximate"] = df["approximate"].fillna(False).astype(bool)
    df["uncertain"] = (df["day_start_latest"] > df["day_start_earliest"]) | df["approximate"] \
        | df["open_before"] | df["open_after"]
    df["end_uncertain"] = df["has_end"] & ((df["day_end_latest"] > df["day_end_earliest"])
                                           | df["day_end_earliest"].isna() | df["day_end_latest"].isna())
    # Solid while it certainly ran, faded over when it may have ended: a therapy whose end is not reported (to
    # the last point the case ties to it) and any interval whose end is known only within a window.
    df["faded_end"] = (df["open_end"] & df["therapy"]) | (df["has_end"] & ~df["ongoing"] & df["end_uncertain"])
    for name, days, iso in (("x", "day_start", None), ("x_lo", "day_start_earliest", "start_earliest"),
                            ("x_hi", "day_start_latest", "start_latest"), ("x_end", "day_end", None),
                            ("x_end_lo", "day_end_earliest", "end_earliest"),
                            ("x_end_hi", "day_end_latest", "end_latest")):
        df[name] = _iso_dates(df[iso]) if tax.calendar and iso else tax.at(df[days])
    return _with_tooltips(df, tax, changes)


def _closed_for_drawing(df: pd.DataFrame, tax: TimeAxis, window: tuple[float, float]) -> pd.DataFrame:
    """A side nothing bounds ('after surgery' with nothing later) is drawn as a span to the edge of the view,
    and an unreported therapy end fades out from its earliest to its latest possible end (or the edge)."""
    reach = {name: _reach(df, name, window) for name in ("start_earliest", "start_latest", "end_earliest",
                                                          "end_latest")}
    df["x_lo"] = df["x_lo"].where(~df["open_before"], tax.at(reach["start_earliest"]).to_numpy())
    df["x_hi"] = df["x_hi"].where(~df["open_after"], tax.at(reach["start_latest"]).to_numpy())
    ends = df["has_end"] | df["faded_end"]
    df["x_end_lo"] = df["x_end_lo"].where(~(ends & df["day_end_earliest"].isna()), df["x"])
    df["x_end_hi"] = df["x_end_hi"].where(~(ends & df["day_end_latest"].isna()), tax.at(reach["end_latest"]).to_numpy())
    # Solid for as long as it certainly lasted from where it is drawn to start; faded up to its latest end.
    least = pd.to_numeric(df.get("least_days", 0), errors="coerce").fillna(0)
    solid_until = (df["day_start"] + least).clip(upper=df["day_end_latest"].fillna(reach["end_latest"]))
    df["fade_lo"] = solid_until.where(df["faded_end"])
    df["fade_hi"] = df["day_end_latest"].fillna(reach["end_latest"]).clip(lower=solid_until).where(df["faded_end"])
    return df


def _reach(df: pd.DataFrame, bound: str, window: tuple[float, float]) -> pd.Series:
    """A day bound, or where the drawing lets the date reach on a side the case leaves open (its drawn
    neighbours), or the edge of the view for a table without those columns."""
    edge = window[0] if bound.endswith("earliest") else window[1]
    reach = df[f"day_{bound.replace('_', '_reach_', 1)}"] if f"day_{bound.replace('_', '_reach_', 1)}" in df \
        else pd.Series(float("nan"), index=df.index)
    return df[f"day_{bound}"].fillna(pd.to_numeric(reach, errors="coerce")).fillna(edge).astype("float64")


def _is_death(df: pd.DataFrame) -> pd.Series:
    """Status events stating death ('status: dead'); the label decides only when no status is given."""
    status = df["status"].fillna("")
    worded = df["label"].fillna("").str.contains(r"\b(?:death|died|dead)\b", case=False, regex=True)
    return df["kind"].eq("status") & (status.eq("dead") | status.eq("") & worded)


def _with_tooltips(df: pd.DataFrame, tax: TimeAxis, changes: pd.DataFrame) -> pd.DataFrame:
    df["kind_text"] = df["mark_kind"].str.replace("_", " ")
    df["line_text"] = df["line"].map(lambda v: "" if pd.isna(v) else f"line {int(v)}")
    # Dates as written are shown on the calendar axis, and on a case without calendar (where they are relative
    # anyway); a calendar case drawn on the relative axis is being de-identified, so it shows day offsets only.
    written = _shows_written(df, tax)
    start = df["start"] if written else [say_days(a, b) for a, b in zip(df["day_start_earliest"],
                                                                        df["day_start_latest"])]
    end = df["end"] if written else [say_days(a, b) for a, b in zip(df["day_end_earliest"], df["day_end_latest"])]
    end = pd.Series(end, index=df.index).where(df["has_end"], "")
    window = [say_days(a, b) for a, b in zip(df["day_end_earliest"], df["day_end_latest"])]
    unreported = pd.Series([f"end not reported ({w})" if w != "not dated" else "end not reported" for w in window],
                           index=df.index)
    end = end.where(df["has_end"] | ~df["shape"].eq("interval"), unreported)
    df["when"] = pd.Series(start, index=df.index).astype(str) + end.map(lambda e: f" to {e}" if e else "")
    df["when"] = df["when"] + df["ongoing"].map(lambda o: " (ongoing at last follow-up)" if o else "")
    df["bounds"] = [_written_text(row) for row in df.itertuples()] if written else ""
    in_days = {} if written else dose_changes_in_days(changes)
    df["dose_changes_text"] = df["dose_changes"] if written else [in_days.get(e, "") for e in df["event_id"]]
    return df


def _when_of(frame: pd.DataFrame, tax: TimeAxis) -> pd.Series:
    """Each row's date as precisely as known: as the table says it, or as day offsets from its bounds when a
    calendar case is drawn on the relative axis (de-identified: no calendar date in a tooltip)."""
    if _shows_written(frame, tax):
        return frame["start"]
    return pd.Series([say_days(a, b) for a, b in zip(frame["day_start_earliest"], frame["day_start_latest"])],
                     index=frame.index, dtype=object)


def _shows_written(frame: pd.DataFrame, tax: TimeAxis) -> bool:
    """Dates as the table says them: on the calendar axis, or when the case has no calendar at all."""
    return tax.calendar or not frame["start"].map(is_calendar_text).any()


def _written_text(row) -> str:
    """How the date was written in the case file, when that says more than the date itself ('after surgery')."""
    text = str(row.date_text)
    if row.shape == "interval" and row.end_text:
        text += f"; end: {row.end_text}"
    return "" if text == row.start else text


def _with_slots(df: pd.DataFrame, window: tuple[float, float]) -> pd.DataFrame:
    """Stack marks that would overdraw each other in a lane: a sub-row ('slot') per overlap, like track rows."""
    gap = max((window[1] - window[0]) * CLUSTER_FRACTION, 0.5)
    stub = (window[1] - window[0]) * STUB_FRACTION
    lo = df[["day_start_earliest", "day_start"]].min(axis=1)
    hi = df[["day_start_latest", "day_start"]].max(axis=1)
    hi = hi.where(~df["has_end"], df[["day_end_latest", "day_end"]].max(axis=1))
    hi = hi.where(~df["open_end"], df["day_start"] + stub)
    hi = hi.where(~df["faded_end"], df["fade_hi"].fillna(window[1]).clip(lower=df["day_start"]))
    df = df.assign(occ_lo=lo, occ_hi=hi, slot=0, stub_days=stub)
    order = df.sort_values(["occ_lo", "occ_hi"])
    ends: dict[str, list[float]] = {}  # per lane, where each of its slots is free again
    slots = {}
    for index, lane, start, end in zip(order.index, order["lane"], order["occ_lo"].to_numpy(),
                                       order["occ_hi"].to_numpy()):
        if pd.isna(lane):  # as groupby("lane") leaves such rows out: slot 0
            continue
        free = ends.setdefault(lane, [])
        slot = next((i for i, until in enumerate(free) if start > until + gap), len(free))
        if slot == len(free):
            free.append(end)
        free[slot] = end
        slots[index] = slot
    df["slot"] = df.index.map(lambda index: slots.get(index, 0)).astype("int64")
    df["lane_slots"] = df.groupby("lane")["slot"].transform("max") + 1
    return df


def _outside(df: pd.DataFrame, window: tuple[float, float]) -> pd.Series:
    """Rows drawn wholly before or after a window: every bound of the event lies outside it."""
    end = df["day_end_latest"].fillna(df["day_end"]).fillna(df["day_start_latest"]).fillna(df["day_start"])
    start = df["day_start_earliest"].fillna(df["day_start"])
    return (end < window[0]) | (start > window[1])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _hidden_note(df: pd.DataFrame, tax: TimeAxis, window: tuple[float, float]) -> str:
    """'7 earlier events (2007–2017) outside this window', so a focused view never hides history silently
    (on screen the chart pans and zooms; slides add the whole history)."""
    end = df["day_end_latest"].fillna(df["day_start_latest"])
    before = df[end < window[0]]
    if before.empty:
        return ""
    first, last = before["day_start"].min(), before["day_start"].max()
    if tax.calendar:
        years = sorted({tax.at([first]).iloc[0].year, tax.at([last]).iloc[0].year})
        span = "–".join(map(str, years))
    elif first <= -730:
        span = f"from {-first / 365.25:.0f} years before day 0"
    else:
        span = f"from {tax.describe_days(first)}"
    return f"{len(before)} earlier events ({span}) outside this window"


_GROUP_KEY = ("lane", "mark_kind", "day_start", "day_start_earliest", "day_start_latest")


def _grouped_points(df: pd.DataFrame) -> pd.DataFrame:
    """Point events of one kind in one lane with identical dates become one mark with a count and every label.

    (Five imaging studies on the day of diagnosis are one symbol marked ×5 whose tooltip lists all five, rather
    than five symbols drawn on top of each other, or a lane five rows tall.)
    """
    key = list(_GROUP_KEY)
    points = df["shape"].eq("point")
    size = df[points].groupby(key, dropna=False)["label"].transform("size").reindex(df.index, fill_value=1)
    single, many = df[size.eq(1)].assign(count=1), df[size.gt(1)]
    if many.empty:
        return single
    groups = many.groupby(key, dropna=False, sort=False)
    merged = groups.agg(_merge_rules(many)).reset_index().assign(count=groups.size().to_numpy())
    return pd.concat([single, merged[single.columns]], ignore_index=True)


def _merge_rules(df: pd.DataFrame) -> dict:
    """How columns of events drawn as one mark combine: texts are numbered and joined, the rest taken once."""
    def numbered(values: pd.Series) -> str:
        texts = [str(v) for v in values]
        if not any(texts):
            return ""
        return "  ".join(f"{i}) {t}" for i, t in enumerate(texts, 1) if t)
    def distinct(values: pd.Series) -> str:
        return "/".join(dict.fromkeys(v for v in values if v))
    joined = {"label", "details", "note", "quote", "when", "bounds", "dose", "event_id"}
    rules = {c: (numbered if c in joined else "first") for c in df.columns if c not in _GROUP_KEY}
    return {**rules, "response": distinct}


def _lane_chart(data: pd.DataFrame, ctx: _Lanes) -> alt.Chart:
    """A layer on the lanes: each mark at the y (px from the top) of its lane and slot."""
    return alt.Chart(data).encode(y=ctx.y())


def _tooltip(data: pd.DataFrame, fields=_EVENT_TOOLTIP) -> list[alt.Tooltip]:
    """Tooltip fields that say something for at least one mark of the layer."""
    present = [(f, t) for f, t in fields if f in data and data[f].fillna("").astype(str).str.strip().ne("").any()]
    return [alt.Tooltip(f"{f}:N", title=t) for f, t in present]


def _columns(data: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Only what a layer draws or shows, so the spec stays small."""
    wanted = list(dict.fromkeys(list(names) + [f for f, _ in _EVENT_TOOLTIP]))
    return data[[c for c in wanted if c in data]].reset_index(drop=True)


def _category_shading(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Alternate categories on a light grey ground, so lanes read as groups (Systemic therapy, Imaging...)."""
    categories = df.drop_duplicates("lane").set_index("lane")["category"]
    order = list(dict.fromkeys(categories.reindex(ctx.lanes)))
    shaded = [lane for lane in ctx.lanes if order.index(categories[lane]) % 2 == 1]
    if not shaded:
        return []
    data = pd.DataFrame({"lane": shaded, "top": [ctx.layout[lane][0] for lane in shaded],
                         "bottom": [sum(ctx.layout[lane]) for lane in shaded]})
    return [alt.Chart(data).mark_rect(color=SHADE_COLOR).encode(
        y=ctx.y("top"), y2="bottom:Q", x=alt.value(0), x2=alt.value("width"))]


def _day_zero_rule(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """A dashed line at day 0 on the relative axis: what 'since first diagnosis' counts from."""
    if ctx.tax.calendar:
        return []
    data = pd.DataFrame({"x": [0.0], "what": [f"day 0: {ctx.tax.day_zero_label}"]})
    return [alt.Chart(data).mark_rule(strokeDash=[6, 4], color=theme.MUTED_COLOR, strokeWidth=1.5).encode(
        x=ctx.x("x"), tooltip=alt.Tooltip("what:N", title="Day 0"))]


def _hex_color(df: pd.DataFrame) -> pd.Series:
    """The colour of each row's marks: its drug for systemic therapy, else its kind."""
    drug = df["lane"].map(theme.drug_color)
    kind = df["mark_kind"].map(theme.kind_color)
    return drug.where(df["therapy"], kind)


def _uncertainty_spans(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Faded spans from the earliest to the latest possible date, behind the mark (start, and end of bars)."""
    df = df.assign(hex=_hex_color(df))
    starts = df[df["x_lo"].notna() & ((df["day_start_latest"] > df["day_start_earliest"]) | df["open_before"]
                                      | df["open_after"])]
    starts = starts.assign(span_lo=starts["x_lo"], span_hi=starts["x_hi"])
    ends = df[df["end_uncertain"] & ~df["faded_end"]]  # a faded end shows its window itself
    ends = ends.assign(span_lo=ends["x_end_lo"], span_hi=ends["x_end_hi"])
    spans = pd.concat([starts, ends], ignore_index=True)
    if spans.empty:
        return []
    spans["thickness"] = spans["has_end"].map({True: BAR_PX + 10, False: 10})
    data = _columns(spans, "lane", "y", "span_lo", "span_hi", "hex", "thickness")
    return [_lane_chart(data, ctx).mark_rule(opacity=SPAN_OPACITY, strokeCap="butt", clip=True).encode(
        x=ctx.x("span_lo"), x2=ctx.x2("span_hi"), color=alt.Color("hex:N", scale=None),
        strokeWidth=alt.StrokeWidth("thickness:Q", scale=None), tooltip=_tooltip(data))]


def _therapy_bars(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Intervals with a known end as bars, filled by drug (systemic therapy) or by kind."""
    bars = df[df["has_end"] & ~df["faded_end"]]
    if bars.empty:
        return []
    data = _columns(bars, "lane", "y", "x", "x_end", "bar_key")
    # Thick rules rather than bars: Vega-Lite lays a bar with a time unit on x and a continuous y vertically.
    return [_lane_chart(data, ctx).mark_rule(strokeWidth=BAR_PX, strokeCap="butt", clip=True).encode(
        x=ctx.x("x"), x2=ctx.x2("x_end"), color=_bar_color(df), tooltip=_tooltip(data))]


def _bar_color(df: pd.DataFrame, legend: bool = True) -> alt.Color:
    """Fill of bars and stubs: the drug's colour for systemic therapy, the kind's for other intervals.

    The legend lists the drugs and regimens only; other intervals share their kind's colour with its symbol.
    """
    intervals = df[df["shape"].eq("interval")].sort_values("day_start")
    keys = list(dict.fromkeys(intervals["bar_key"]))
    drugs = list(dict.fromkeys(intervals.loc[intervals["therapy"], "bar_key"]))
    colors = [theme.drug_color(k) if k in drugs else theme.kind_color(k) for k in keys]
    # Labels capped at 300 px (the lane label carries the name too), so two columns stay within a 1280 px slide.
    shown = alt.Legend(title="Therapy", values=drugs, columns=2, symbolType="stroke", symbolStrokeWidth=10,
                       labelLimit=300)
    return alt.Color("bar_key:N", scale=alt.Scale(domain=keys, range=colors),
                     legend=shown if drugs and legend else None)


def _fading_ends(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Intervals never drawn as a course they did not have. A therapy whose end is not reported is solid up to
    the last point the case ties to it (a response, a progression, a dose change while it ran) and fades out
    from there to its latest possible end (the next line, death, the last follow-up); an interval whose end is
    known only within a window is solid to the earliest end and fades over the window; any other interval whose
    end is not reported (a symptom) is a start tick and a short stub that fades out."""
    open_ = df[df["faded_end"] | df["open_end"]].assign(hex=lambda d: _hex_color(d))
    if open_.empty:
        return []
    therapy, other = open_[open_["faded_end"]], open_[~open_["faded_end"]]
    fade_lo = pd.concat([therapy["fade_lo"], other["day_start"]])
    fade_hi = pd.concat([therapy["fade_hi"], other["day_start"] + other["stub_days"]])
    both = pd.concat([therapy, other]).assign(fade_lo=fade_lo, fade_hi=fade_hi)
    pieces = []
    for i, opacity in enumerate(STUB_OPACITIES):
        share = (both["fade_hi"] - both["fade_lo"]) / len(STUB_OPACITIES)
        pieces.append(both.assign(seg_lo=ctx.tax.at(both["fade_lo"] + i * share),
                                  seg_hi=ctx.tax.at(both["fade_lo"] + (i + 1) * share), opacity=opacity))
    solid = therapy[therapy["fade_lo"] > therapy["day_start"]]
    pieces.append(solid.assign(seg_lo=solid["x"], seg_hi=ctx.tax.at(solid["fade_lo"]), opacity=1.0))
    segments = _columns(pd.concat(pieces, ignore_index=True), "lane", "y", "seg_lo", "seg_hi", "bar_key",
                        "opacity")
    stub = _lane_chart(segments, ctx).mark_rule(strokeWidth=BAR_PX, strokeCap="butt", clip=True).encode(
        x=ctx.x("seg_lo"), x2=ctx.x2("seg_hi"), opacity=alt.Opacity("opacity:Q", scale=None),
        color=_bar_color(df, legend=not (df["has_end"] & ~df["faded_end"]).any()), tooltip=_tooltip(segments))
    ticks = _columns(open_[open_["open_end"]], "lane", "y", "x", "hex")
    if ticks.empty:
        return [stub]
    tick = _lane_chart(ticks, ctx).mark_tick(orient="vertical", thickness=4, size=BAR_PX + 8, clip=True).encode(
        x=ctx.x("x"), color=alt.Color("hex:N", scale=None), tooltip=_tooltip(ticks))
    return [stub, tick]


def _dose_change_frame(dose_changes: pd.DataFrame | None, events: pd.DataFrame) -> pd.DataFrame:
    """The dose changes of these events, each placed at the middle of its bounds (or at its one known bound): a
    tick never looks more exact than the date, and a date known to a month sits mid-month."""
    columns = ["event_id", "start", "dose", "reason", "day", "day_start_earliest", "day_start_latest"]
    if dose_changes is None or dose_changes.empty:
        return pd.DataFrame(columns=columns)
    changes = dose_changes[dose_changes["event_id"].isin(events["event_id"])].reset_index(drop=True)
    bounds = changes[["day_start_earliest", "day_start_latest"]].apply(pd.to_numeric, errors="coerce")
    return changes.assign(day=bounds.mean(axis=1).round())[columns]


def _dose_change_marks(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """A tick across the bar at each dose change, labelled with the new dose above the bar."""
    changes = ctx.dose_changes[ctx.dose_changes["day"].notna()]
    if changes.empty:
        return []
    where = df.drop_duplicates("event_id").set_index("event_id")[["lane", "y"]]
    changes = changes.join(where, on="event_id").assign(x=lambda d: ctx.tax.at(d["day"]))
    changes["short"] = changes["dose"]
    changes["label"] = "Dose change"
    written = _shows_written(df, ctx.tax)
    changes["when_text"] = [
        dose_change_text(c.start if written else say_days(c.day_start_earliest, c.day_start_latest), c.dose, c.reason)
        for c in changes.itertuples()]
    tooltip = [alt.Tooltip("label:N", title="Event"), alt.Tooltip("when_text:N", title="Dose change")]
    data = changes[["lane", "y", "x", "short", "label", "when_text"]].reset_index(drop=True)
    base = _lane_chart(data, ctx).encode(x=ctx.x("x"), tooltip=tooltip)
    tick = base.mark_tick(orient="vertical", thickness=3, size=BAR_PX + 10, color="black", clip=True)
    label = base.mark_text(align="left", baseline="bottom", dx=4, dy=-(BAR_PX / 2 + 2), fontSize=13,
                           fontWeight="bold", clip=True).encode(text="short:N")
    return [tick, label]


def _ongoing_arrows(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """An arrow at the last follow-up for a therapy still given then (the bar runs on past the picture)."""
    ongoing = df[df["ongoing"].fillna(False).astype(bool) & df["has_end"]].assign(hex=lambda d: _hex_color(d))
    if ongoing.empty:
        return []
    data = _columns(ongoing, "lane", "y", "x_end", "hex")
    return [_lane_chart(data, ctx).mark_point(shape=theme.ARROW_SHAPE, size=420, filled=True, opacity=1,
                                              xOffset=7, stroke="white", strokeWidth=1, clip=True).encode(
        x=ctx.x("x_end"), color=alt.Color("hex:N", scale=None), tooltip=_tooltip(data))]


def _event_points(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Point events as symbols, shape and colour by kind; hollow when the date is uncertain; death a black cross.

    (The response category and the ×n count are drawn by `_point_labels`.)
    """
    points = df[df["shape"].eq("point")]
    if points.empty:
        return []
    kinds = [k for k in list(theme.KIND_COLORS) + sorted(set(points["mark_kind"]) - set(theme.KIND_COLORS))
             if k in set(points["mark_kind"])]
    legend = alt.Legend(title="Event", columns=4, labelExpr="replace(datum.label, '_', ' ')", symbolStrokeWidth=2)
    color_scale = alt.Scale(domain=kinds, range=[theme.kind_color(k) for k in kinds])
    shape_scale = alt.Scale(domain=kinds, range=[theme.kind_shape(k) for k in kinds])
    points = points.assign(certainty=points["uncertain"].map({True: "uncertain", False: "exact"}))
    data = _columns(points, "lane", "y", "x", "mark_kind", "certainty")
    return [_lane_chart(data, ctx).mark_point(filled=True, strokeWidth=2, opacity=1, clip=True).encode(
        x=ctx.x("x"),
        color=alt.Color("mark_kind:N", scale=color_scale, legend=legend),
        shape=alt.Shape("mark_kind:N", scale=shape_scale, legend=legend),
        stroke=alt.Stroke("mark_kind:N", scale=color_scale, legend=None),
        # An uncertain date is drawn hollow (its span lies behind it): the mark never looks more exact than it is.
        # A field rather than a condition: a condition's value leaks into the legend symbols and fades them.
        fillOpacity=alt.FillOpacity("certainty:N", scale=alt.Scale(domain=["exact", "uncertain"], range=[1, 0.15]),
                                    legend=None),
        size=alt.condition("datum.mark_kind === 'death'", alt.value(POINT_SIZE * 1.6), alt.value(POINT_SIZE)),
        tooltip=_tooltip(data))]


def _point_labels(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Short labels right of a symbol: the response category (PR, SD...) and ×n for grouped events."""
    points = df[df["shape"].eq("point")].copy()
    count = points["count"].map(lambda n: f"×{n}" if n > 1 else "")
    points["tag"] = (points["response"] + " " + count).str.strip()
    points = points[points["tag"].ne("")]
    if points.empty:
        return []
    data = _columns(points, "lane", "y", "x", "tag")
    return [_lane_chart(data, ctx).mark_text(align="left", dx=11, fontSize=13, fontWeight="bold",
                                             color=theme.TEXT_COLOR, clip=True).encode(
        x=ctx.x("x"), text="tag:N", tooltip=_tooltip(data))]


_TIMELINE_LAYERS = (_category_shading, _day_zero_rule, _uncertainty_spans, _therapy_bars, _fading_ends,
                    _dose_change_marks, _ongoing_arrows, _event_points, _point_labels)


# ---------------------------------------------------------------------------------------------------------------
# Therapy bands (behind the lesion and marker charts)
# ---------------------------------------------------------------------------------------------------------------


def _band_layers(bands: pd.DataFrame | None, tax: TimeAxis, x, x2, *, labels: bool,
                 window: tuple[float, float] | None = None, width: int = DEFAULT_WIDTH) -> list[alt.Chart]:
    """Light bands over each systemic therapy period, labelled with the drug in the top panel.

    A therapy whose end is not reported, or known only within a window, is solid while it certainly ran and
    fades out over when it may have ended, as its bar does on the timeline.
    """
    if bands is None or bands.empty:
        return []
    df = bands.reset_index(drop=True).copy()
    df[_day_columns(df).columns] = _day_columns(df)
    ongoing = df["ongoing"].fillna(False).astype(bool)
    exact_end = df["day_end"].notna() & (ongoing | df["day_end_earliest"].eq(df["day_end_latest"]).fillna(False))
    known = df[exact_end].assign(band_lo=lambda d: tax.at(d["day_start"]), band_hi=lambda d: tax.at(d["day_end"]),
                                 opacity=0.14)
    stubs = _band_stubs(df[~exact_end], tax)
    data = pd.concat([known, stubs], ignore_index=True)
    data = data.assign(hex=data["lane"].map(theme.drug_color))
    data = data[["band_lo", "band_hi", "hex", "opacity", "label", "date_text", "end_text"]]
    tooltip = [alt.Tooltip("label:N", title="Therapy"), alt.Tooltip("date_text:N", title="Start"),
               alt.Tooltip("end_text:N", title="End")]
    if not tax.calendar:
        tooltip = tooltip[:1]
    layers = [alt.Chart(data).mark_rect(clip=True).encode(
        x=x("band_lo"), x2=x2("band_hi"), color=alt.Color("hex:N", scale=None),
        opacity=alt.Opacity("opacity:Q", scale=None), tooltip=tooltip)]
    if labels and window is not None:
        layers += _band_labels(df, tax, x, window, width)
    return layers


def _band_labels(df: pd.DataFrame, tax: TimeAxis, x, window: tuple[float, float], width: int) -> list[alt.Chart]:
    """The drug over each band in view, from the band's start or the window's left edge, cut to the room before
    the next label (labels sit outside the plot, so one outside the window would widen the chart)."""
    end = df["day_end"].fillna(df["day_end_latest"]).fillna(df["day_end_earliest"]).fillna(df["day_start"])
    first = df[(end >= window[0]) & (df["day_start"] <= window[1])].copy()
    if first.empty:
        return []
    first["at"] = first["day_start"].clip(lower=window[0])
    first = first.sort_values("at").drop_duplicates("at", keep="last")
    room_until = first["at"].shift(-1)
    first = first.assign(short=_fit_labels(first["lane"], first["at"], window, width, room_until),
                         band_lo=tax.at(first["at"]), hex=first["lane"].map(theme.drug_color))
    first = first[first["short"].ne("")][["band_lo", "short", "hex"]]
    # In a strip above the plot (the panel title is raised to make room), where no value can sit.
    return [alt.Chart(first).mark_text(align="left", baseline="bottom", dx=2, y=-4, fontSize=13,
                                       fontWeight="bold").encode(
        x=x("band_lo"), text="short:N", color=alt.Color("hex:N", scale=None))]


def _has_bands(bands: pd.DataFrame | None) -> bool:
    return bands is not None and not bands.empty


def _fit_labels(texts: pd.Series, days: pd.Series, window: tuple[float, float] | None, width: int,
                until: pd.Series | None = None, px_per_char: float = 7.6) -> pd.Series:
    """Shorten labels to the room before the next label (or the right edge), with an ellipsis; '' if no room."""
    if window is None:
        return texts
    end = window[1] if until is None else until.fillna(window[1]).clip(upper=window[1])
    room = ((end - days) / (window[1] - window[0]) * width).clip(lower=0) // px_per_char - 1
    def fit(text: str, chars: float) -> str:
        if len(text) <= chars:
            return text
        return text[: int(chars) - 1].rstrip() + "…" if chars >= 5 else ""
    return pd.Series([fit(t, c) for t, c in zip(texts, room)], index=texts.index)


def _band_stubs(open_: pd.DataFrame, tax: TimeAxis, days: float = 60) -> pd.DataFrame:
    """Bands of therapies whose end is not reported or uncertain: solid to the earliest possible end, then fading
    out to the latest (or for `days` where nothing bounds it), as the timeline draws them."""
    solid_until = open_["day_end_earliest"].fillna(open_["day_start"]).clip(lower=open_["day_start"])
    fade_until = open_["day_end_latest"].fillna(solid_until + days).clip(lower=solid_until)
    pieces = [open_.assign(band_lo=tax.at(open_["day_start"]), band_hi=tax.at(solid_until), opacity=0.14)]
    share = (fade_until - solid_until) / 3
    for i, opacity in enumerate((0.1, 0.06, 0.03)):
        pieces.append(open_.assign(band_lo=tax.at(solid_until + i * share),
                                   band_hi=tax.at(solid_until + (i + 1) * share), opacity=opacity))
    return pd.concat(pieces, ignore_index=True)


# ---------------------------------------------------------------------------------------------------------------
# Lesions and RECIST 1.1
# ---------------------------------------------------------------------------------------------------------------

ASSESSMENT_COLUMNS = ("day", "event_id", "sum_mm", "baseline_mm", "nadir_mm", "change_from_baseline_pct",
                      "change_from_nadir_pct", "category", "reason", "pr_threshold_mm", "pd_threshold_mm",
                      "nadir_after_mm", "next_pd_threshold_mm")


def assessment_frame(assessments) -> pd.DataFrame:
    """RECIST 1.1 assessments (``timelines.clinical.recist``) as a table, with the reference lines of each scan.

    Columns are those of ``Assessment`` plus:

    - ``pr_threshold_mm``: 0.7 x baseline, the sum at or below which a scan is a partial response;
    - ``pd_threshold_mm``: the sum at or above which this scan is progression, from the nadir before it:
      max(1.2 x nadir, nadir + 5 mm) (so a nadir of 20 mm gives 25 mm, of 30 mm gives 36 mm);
    - ``nadir_after_mm`` and ``next_pd_threshold_mm``: the nadir once this scan counts, and the threshold the
      next scan is held to (the running nadir drawn as a step line).
    """
    rows = [dict(vars(a)) if not isinstance(a, dict) else dict(a) for a in assessments or []]
    frame = pd.DataFrame(rows, columns=list(ASSESSMENT_COLUMNS[:9]))
    if frame.empty:
        return pd.DataFrame(columns=list(ASSESSMENT_COLUMNS))
    frame["pr_threshold_mm"] = frame["baseline_mm"].astype(float).map(pr_threshold)
    frame["pd_threshold_mm"] = frame["nadir_mm"].astype(float).map(pd_threshold)
    sums = pd.to_numeric(frame["sum_mm"], errors="coerce")
    frame["nadir_after_mm"] = pd.concat([frame["nadir_mm"].astype(float), sums], axis=1).min(axis=1)
    frame["next_pd_threshold_mm"] = frame["nadir_after_mm"].map(pd_threshold)
    return frame[list(ASSESSMENT_COLUMNS)]


_LESION_TOOLTIP = (("lesion_label", "Lesion"), ("target_text", "RECIST"), ("size_text", "Size as written"),
                   ("recist_text", "Size used"), ("when", "When"), ("modality", "Modality"), ("quote", "Source"))
_SUM_TOOLTIP = (("category", "RECIST 1.1"), ("sum_text", "Sum of target diameters"), ("change_text", "Change"),
                ("threshold_text", "Reference lines"), ("reason", "Why"), ("when", "When"))


def lesion_chart(measurements: pd.DataFrame, assessments: pd.DataFrame | None = None, *,
                 therapy_bands: pd.DataFrame | None = None, imaging: pd.DataFrame | None = None,
                 axis: str = "calendar", unit: str = "months", day_zero_label: str = "first diagnosis",
                 width: int | None = None, domain=None) -> alt.VConcatChart | alt.Chart:
    """Lesion sizes over time, the sum of target diameters against the RECIST 1.1 lines, and imaging findings.

    Parameters
    ----------
    measurements
        The measurement table (``timelines.tables.measurement_table``).
    assessments
        ``assessment_frame(recist(timeline))``; without it the sum panel is left out.
    therapy_bands
        ``therapy_bands(events)``: systemic therapy periods, drawn as light bands behind every panel.
    imaging
        The imaging rows of the event table. Those without a measurement are shown in a panel of their own, as
        a symbol (by the trend stated: decreased, stable, increased/new) with the finding as written, so a case
        without sizes still shows what imaging found.
    axis, unit, day_zero_label, width, domain
        As for ``timeline_chart``.

    Returns
    -------
    alt.VConcatChart
        Up to three panels on one time axis:

        1. size per lesion (mm; longest diameter, short axis for nodes), one colour per lesion, dashed for
           non-target lesions, each value labelled;
        2. the sum of target diameters with the RECIST 1.1 lines: partial response at 0.7 x baseline
           (horizontal) and progression at max(1.2 x nadir, nadir + 5 mm) from the running nadir (a step line
           that drops with the nadir); each scan labelled with its category and its change from baseline;
        3. imaging findings reported without a size.

        A chart that says "No measurements in this case" when there is nothing to draw.
    """
    width = _check_width(width)
    measurements = measurements if measurements is not None else pd.DataFrame()
    assessments = assessments if assessments is not None else pd.DataFrame(columns=list(ASSESSMENT_COLUMNS))
    changes = measurements["size_status"].eq("qualitative") if "size_status" in measurements else None
    if changes is not None and changes.any():  # a lesion's change in words has no size: shown with the findings
        changes, measurements = measurements[changes], measurements[~changes].reset_index(drop=True)
    else:
        changes = None
    findings = _qualitative_imaging(imaging, measurements, changes)
    if measurements.empty and findings.empty:
        return _empty_chart("No measurements in this case", width)
    tax = time_axis(axis, unit, day_zero_label, therapy_bands, imaging, measurements)
    extent = _extent_days(measurements.get("day_start"), measurements.get("day_start_earliest"),
                          measurements.get("day_start_latest"), findings.get("day_start"),
                          findings.get("day_start_earliest"), findings.get("day_start_latest"),
                          pd.Series(assessments["day"], dtype="float64"))
    window = _domain_days(tax, domain, _with_current_therapy(extent, therapy_bands))
    panels = _PanelAxis(tax, _axis_domain(tax, window), window)
    builders = []  # each takes the shared x axis, told whether it is the bottom panel
    if not measurements.empty:
        builders.append(partial(_lesion_panel, measurements, therapy_bands, width=width))
    if not assessments.empty:
        builders.append(partial(_sum_panel, assessments, measurements, therapy_bands, width=width))
    if not findings.empty:
        alone = not builders
        builders.append(partial(_findings_panel, findings, therapy_bands, width=width, top=alone,
                                note="No lesion sizes are reported in this case" if alone else ""))
    return _stack(builders, panels)


@dataclass(frozen=True)
class _PanelAxis:
    """The x axis shared by stacked panels (only the bottom one shows tick labels)."""

    tax: TimeAxis
    x_domain: tuple
    window: tuple[float, float]
    labels: bool = True

    def x(self, field: str) -> alt.X:
        return _x(self.tax, field, domain=self.x_domain, labels=self.labels,
                  title=self.tax.title if self.labels else "")

    def x2(self, field: str) -> alt.X2:
        return _x2(self.tax, field)

    def at(self, days) -> pd.Series:
        return self.tax.at(days)


def _stack(builders: list, panels: _PanelAxis, colors: str = "independent"):
    """Panels one above the other on one x scale; the x axis is labelled under the bottom panel only."""
    last = len(builders) - 1
    charts = [build(replace(panels, labels=i == last)) for i, build in enumerate(builders)]
    if len(charts) == 1:
        return charts[0]
    # Each panel colours its own thing (lesions, RECIST categories, imaging trends), outlines included.
    return alt.vconcat(*charts, spacing=22).resolve_scale(x="shared", y="independent", color=colors,
                                                           stroke=colors, shape=colors, strokeDash="independent",
                                                           fill=colors)


def _with_current_therapy(extent, bands) -> tuple[float, float]:
    """Stretch the window to the end of a therapy still running at the last finding (e.g. to the follow-up)."""
    if extent is None:
        extent = (0.0, 30.0)
    if bands is None or bands.empty:
        return extent
    days = _day_columns(bands)
    running = days[(days["day_start"] <= extent[1]) & (days["day_end"] > extent[1])]
    return extent[0], max(extent[1], float(running["day_end"].max()) if not running.empty else extent[1])


def _qualitative_imaging(imaging: pd.DataFrame | None, measurements: pd.DataFrame,
                         changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Imaging events that measured nothing, with the trend the case states (decreased, new...); a lesion's
    change given in words ('significant reduction in the left lower lobe lesion') is one of these, named."""
    if imaging is None or imaging.empty:
        return pd.DataFrame(columns=["event_id", "label", "trend", "day_start"])
    measured = set(measurements["event_id"]) if not measurements.empty else set()
    worded = set(changes["event_id"]) if changes is not None else set()
    found = imaging[~imaging["event_id"].isin(measured) | imaging["event_id"].isin(worded)]
    found = found.reset_index(drop=True).copy()
    found[_day_columns(found).columns] = _day_columns(found)
    found["trend"] = found["trend"].fillna("")
    found["finding"] = found["finding"].fillna("")
    if changes is not None:
        said = {event: "; ".join(f"{label} {change}" for label, change in zip(g["lesion_label"], g["change"]))
                for event, g in changes.groupby("event_id", sort=False)}
        alike = {event: c.iloc[0] if c.nunique() == 1 else "mixed"
                 for event, c in changes.groupby("event_id", sort=False)["change"]}
        found["label"] = [f"{label}: {said[e]}" if e in said else label
                          for e, label in zip(found["event_id"], found["label"])]
        found["trend"] = [trend or alike.get(e, "") for e, trend in zip(found["event_id"], found["trend"])]
    found["trend"] = found["trend"].replace("", "not stated")
    return found.sort_values(["day_start", "day_start_earliest"], kind="stable").reset_index(drop=True)


def _when_measured(frame: pd.DataFrame, tax: TimeAxis) -> pd.Series:
    """The measurement or marker date as written (calendar axis, or a case without calendar), else its offset."""
    return _when_of(frame, tax)


def _lesion_panel(measurements: pd.DataFrame, bands, panels: _PanelAxis, *, width: int) -> alt.LayerChart:
    """Size per lesion: lines and labelled points, one colour per lesion, dashed when not a RECIST target."""
    df = measurements.reset_index(drop=True).copy()
    df[_day_columns(df).columns] = _day_columns(df)
    df["x"] = panels.at(df["day_start"])
    df = _spans(df, panels.at, panels.window)
    df["target_text"] = df["target"].map({True: "target lesion", False: "non-target lesion"})
    df["recist_text"] = df["recist_mm"].map(lambda v: f"{v:g} mm") + df["nodal"].map(
        {True: " (short axis: lymph node)", False: " (longest diameter)"})
    df["value_text"] = df["recist_mm"].map(lambda v: f"{v:g}")
    df["when"] = _when_measured(df, panels.tax)
    lesions = list(dict.fromkeys(df["lesion_label"]))
    color = alt.Color("lesion_label:N", scale=alt.Scale(domain=lesions, range=list(theme.PALETTE[:len(lesions)])),
                      legend=alt.Legend(title="Lesion", columns=1, labelLimit=900, orient="bottom"))
    dash = alt.StrokeDash("target_text:N", scale=alt.Scale(domain=["target lesion", "non-target lesion"],
                                                             range=[[1, 0], [6, 4]]),
                          legend=alt.Legend(title="RECIST", orient="bottom", symbolType="stroke"))
    data = df[["x", "x_lo", "x_hi", "lesion_label", "certainty", "value_text", "recist_mm"]
              + [f for f, _ in _LESION_TOOLTIP if f not in ("lesion_label",)]]
    tooltip = _tooltip(data, _LESION_TOOLTIP)
    # Headroom above the largest lesion, so its value label stays below the therapy labels over the plot.
    ceiling = float(pd.to_numeric(df["recist_mm"], errors="coerce").max()) * 1.3 or 10
    y = alt.Y("recist_mm:Q", title="Size (mm)", scale=alt.Scale(domain=[0, ceiling], nice=True))
    base = alt.Chart(data).encode(x=panels.x("x"), y=y)
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=True, window=panels.window,
                          width=width) + [
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, clip=True).encode(
            x2=panels.x2("x_hi"), x=panels.x("x_lo"), color=color).transform_filter(
            "datum.certainty === 'uncertain'"),
        base.mark_line(strokeWidth=3, clip=True).encode(color=color, strokeDash=dash),
        base.mark_point(filled=True, size=POINT_SIZE, strokeWidth=3, opacity=1, clip=True).encode(
            color=color, stroke=_outline(color), fillOpacity=_certainty_opacity(), tooltip=tooltip),
        base.mark_text(dy=-14, fontSize=13, fontWeight="bold", clip=False).encode(
            text="value_text:N", color=color),
    ]
    return alt.layer(*layers).properties(width=width, height=130, title=_panel_title(
        "Lesion size (mm): longest diameter, short axis for lymph nodes", band_labels=_has_bands(bands)))


def _spans(frame: pd.DataFrame, at, window: tuple[float, float]) -> pd.DataFrame:
    """Each date's bounds on the axis (x_lo, x_hi), a side nothing bounds drawn to its drawn neighbours, and
    whether the date is known to the day ('exact') or only within that span ('uncertain')."""
    low, high = _reach(frame, "start_earliest", window), _reach(frame, "start_latest", window)
    certainty = (high > low).map({True: "uncertain", False: "exact"})
    return frame.assign(x_lo=at(low).to_numpy(), x_hi=at(high).to_numpy(), certainty=certainty)


def _outline(color: alt.Color) -> alt.Stroke:
    """The symbol's outline in its fill colour: a filled point mark has no stroke unless one is encoded, and a
    hollow (uncertain) symbol would otherwise vanish."""
    spec = {key: value for key, value in color.to_dict().items() if key != "legend"}
    return alt.Stroke(**spec, legend=None)


def _certainty_opacity() -> alt.FillOpacity:
    return alt.FillOpacity("certainty:N", scale=alt.Scale(domain=["exact", "uncertain"], range=[1, 0.15]),
                           legend=None)


BAND_LABEL_ROOM = 20  # px between a panel's title and its plot, for the therapy labels


def _panel_title(text: str, subtitle: str | list[str] = "", band_labels: bool = False) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, fontSize=16, anchor="start",
                           frame="group", font=theme.FONT, subtitleFont=theme.FONT, subtitleFontSize=14,
                           offset=8 + (BAND_LABEL_ROOM if band_labels else 0))


CATEGORY_COLORS = {"baseline": "#333333", "CR": "#009E73", "PR": "#0072B2", "SD": "#666666", "PD": "#D55E00",
                   "NE": "#999999"}
PR_LINE_COLOR, PD_LINE_COLOR = "#0072B2", "#D55E00"


def _sum_panel(assessments: pd.DataFrame, measurements: pd.DataFrame, bands, panels: _PanelAxis, *,
               width: int) -> alt.LayerChart:
    """Sum of target diameters per scan, its RECIST category, and the PR and PD reference lines."""
    a = _sum_points(assessments, measurements, panels)
    scans = a[a["sum_mm"].notna()]
    categories = [c for c in CATEGORY_COLORS if c in set(a["category"])]
    color = alt.Color("category:N", scale=alt.Scale(domain=categories,
                                                    range=[CATEGORY_COLORS[c] for c in categories]), legend=None)
    scans = scans.assign(order=range(len(scans)))
    data = scans[["x", "sum_mm", "category", "tag", "order"] + [f for f, _ in _SUM_TOOLTIP if f != "category"]]
    # Room above the highest of the sums and both reference lines, for their labels.
    ceiling = a[["sum_mm", "pr_threshold_mm", "next_pd_threshold_mm"]].astype(float).max().max() * 1.45
    scale = alt.Scale(domain=[0, ceiling], nice=True)
    base = alt.Chart(data).encode(x=panels.x("x"), y=alt.Y("sum_mm:Q", title="Sum (mm)", scale=scale))
    top = alt.Chart(data).encode(x=panels.x("x"), tooltip=_tooltip(data, _SUM_TOOLTIP))  # no y: rows in px
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=False)
    layers += _reference_lines(a, panels, scale)
    layers += [base.mark_line(strokeWidth=3, color=theme.TEXT_COLOR, clip=True),
               base.mark_point(filled=True, size=POINT_SIZE * 1.2, opacity=1, clip=True).encode(
                   color=color, tooltip=_tooltip(data, _SUM_TOOLTIP)),
               # Category labels in two rows along the top, above their scan: never on a line, and labels of
               # scans close in time sit on different rows.
               top.mark_text(y=12, fontSize=14, fontWeight="bold", clip=False).encode(
                   text="tag:N", color=color).transform_filter("datum.order % 2 === 0"),
               top.mark_text(y=31, fontSize=14, fontWeight="bold", clip=False).encode(
                   text="tag:N", color=color).transform_filter("datum.order % 2 === 1")]
    unmeasured = a[a["sum_mm"].isna()]
    if not unmeasured.empty:  # NE: not every target measured, so there is no sum to place on the y axis
        layers.append(alt.Chart(unmeasured[["x", "tag", "reason"]]).mark_text(
            y=12, fontSize=14, fontWeight="bold", color=CATEGORY_COLORS["NE"]).encode(
            x=panels.x("x"), text="tag:N", tooltip=alt.Tooltip("reason:N", title="Why")))
    notes = [f"Dashed: PR at {signed_percent(PR_THRESHOLD)} from baseline, until the first response; PD at "
             f"{signed_percent(PD_THRESHOLD)} and ≥ +{PD_MIN_MM:g} mm over the nadir",
             _single_target_note(measurements)]
    return alt.layer(*layers).properties(width=width, height=190, title=_panel_title(
        "Sum of target lesion diameters (mm), RECIST 1.1", [n for n in notes if n]))


def _sum_points(assessments: pd.DataFrame, measurements: pd.DataFrame, panels: _PanelAxis) -> pd.DataFrame:
    a = assessments.reset_index(drop=True).copy()
    scans = measurements.drop_duplicates("event_id").set_index("event_id") if not measurements.empty else None
    if scans is not None:  # a scan sits where its measurements do, even when the caller re-based day 0
        a["day"] = a["event_id"].map(pd.to_numeric(scans["day_start"], errors="coerce")).fillna(a["day"])
    a["x"] = panels.at(a["day"])
    said = _when_of(scans, panels.tax) if scans is not None else pd.Series(dtype=str)
    a["when"] = a["event_id"].map(said).fillna(a["day"].map(lambda d: say_days(d, d)))
    a["sum_text"] = a["sum_mm"].map(lambda v: "not measured" if pd.isna(v) else f"{v:g} mm")
    a["change_text"] = [_change_text(r) for r in a.itertuples()]
    a["threshold_text"] = [f"PR at or below {r.pr_threshold_mm:g} mm; PD at or above {r.pd_threshold_mm:g} mm "
                           f"(nadir {r.nadir_mm:g} mm)" for r in a.itertuples()]
    a["tag"] = [("baseline" if r.category == "baseline" else
                 r.category if pd.isna(r.change_from_baseline_pct) else
                 f"{r.category} {r.change_from_baseline_pct:+.0f}%".replace("-", "−")) for r in a.itertuples()]
    return a


def _change_text(row) -> str:
    if pd.isna(row.change_from_baseline_pct):
        return ""
    return (f"{row.change_from_baseline_pct:+.0f} % from baseline ({row.baseline_mm:g} mm), "
            f"{row.change_from_nadir_pct:+.0f} % from nadir ({row.nadir_mm:g} mm)")


def _reference_lines(a: pd.DataFrame, panels: _PanelAxis, scale: alt.Scale) -> list[alt.Chart]:
    """The RECIST 1.1 threshold that applies at each time, each labelled once, inside the plot.

    PR: a horizontal line at 0.7 x baseline, from the baseline scan to the first scan that reached PR or CR (after
    it, the question is progression). PD: a step line at max(1.2 x nadir, nadir + 5 mm) that follows the running
    nadir, each step starting at the scan that set the new nadir, on to the right edge. Drawn in full, the two
    crossed after a deep response (PR at 18.2 mm under PD at 17 mm) and read as a tangle."""
    end = panels.at([panels.window[1]]).iloc[0]
    first, last = a.iloc[0], a.iloc[-1]
    responded = a.index[a["category"].isin(["PR", "CR"])]
    pr_end = a.loc[responded[0], "x"] if len(responded) else end
    pr = pd.DataFrame({"x": [first["x"], pr_end], "mm": [first["pr_threshold_mm"]] * 2, "line": ["PR ≤"] * 2})
    pd_steps = pd.DataFrame({"x": list(a["x"]) + [end], "mm": list(a["next_pd_threshold_mm"])
                             + [last["next_pd_threshold_mm"]], "line": ["PD ≥"] * (len(a) + 1)})
    tooltip = [alt.Tooltip("line:N", title="RECIST 1.1"), alt.Tooltip("mm:Q", title="mm", format=".1f")]
    layers = []
    for data, color, interpolate in ((pr, PR_LINE_COLOR, "linear"), (pd_steps, PD_LINE_COLOR, "step-after")):
        base = alt.Chart(data).encode(x=panels.x("x"), y=alt.Y("mm:Q", title="Sum (mm)", scale=scale))
        layers.append(base.mark_line(color=color, strokeDash=[7, 4], strokeWidth=2, interpolate=interpolate,
                                     clip=True).encode(tooltip=tooltip))
        # Once, inside the plot: PR under the start of its line (the sums lie above it until a response, PD
        # above them), PD above the end of its own.
        below = data is pr
        end_row = (data.head(1) if below else data.tail(1)).assign(
            text=lambda d: d["line"] + " " + d["mm"].map(lambda v: f"{v:.3g}") + " mm")
        layers.append(alt.Chart(end_row).mark_text(align="left" if below else "right",
                                                   baseline="top" if below else "bottom", dx=14 if below else -4,
                                                   dy=3 if below else -3, fontSize=14, color=color,
                                                   fontWeight="bold").encode(
            x=panels.x("x"), y=alt.Y("mm:Q", scale=scale), text="text:N"))
    return layers


def _single_target_note(measurements: pd.DataFrame) -> str:
    targets = measurements.loc[measurements["target"].astype(bool), "lesion_id"].nunique() if len(measurements) else 0
    if targets == 1:
        return ("One target lesion only: categories apply the RECIST 1.1 thresholds to that lesion, "
                "not a full RECIST read")
    return ""


def _findings_panel(findings: pd.DataFrame, bands, panels: _PanelAxis, *, width: int, top: bool,
                    note: str = "") -> alt.LayerChart:
    """Imaging reported without a size: one row per study, a symbol by the stated trend and the finding as text."""
    f = findings.copy()
    f["row"] = range(len(f))
    f["x"] = panels.at(f["day_start"])
    f = _spans(f, panels.at, panels.window)
    # The label goes where its span leaves more room (late studies leftwards), so none runs off an edge; a date
    # open on both sides spans the whole view and takes its label over the symbol.
    lo, hi = panels.window
    room_right = hi - f["day_start_latest"].fillna(hi)
    room_left = f["day_start_earliest"].fillna(lo) - lo
    f["side"] = room_right.ge(room_left).map({True: "right", False: "left"}).where(
        f["day_start_latest"].notna() | f["day_start_earliest"].notna(), "over")
    f["when"] = _event_when(f, panels.tax)
    trends = [t for t in TREND_COLORS if t in set(f["trend"])]
    trend_scale = alt.Scale(domain=trends, range=[TREND_COLORS[t] for t in trends])
    color = alt.Color("trend:N", scale=trend_scale, legend=alt.Legend(title="Imaging trend", orient="bottom"))
    shape = alt.Shape("trend:N", scale=alt.Scale(domain=trends, range=[TREND_SHAPES[t] for t in trends]),
                      legend=alt.Legend(title="Imaging trend", orient="bottom"))
    fields = (("label", "Imaging"), ("finding", "Finding"), ("trend", "Trend"), ("when", "When"), ("note", "Note"),
              ("quote", "Source"))
    data = f[["row", "x", "x_lo", "x_hi", "certainty", "side"] + [c for c, _ in fields]]
    base = alt.Chart(data).encode(x=panels.x("x"), y=alt.Y("row:O", axis=None))
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=top, window=panels.window,
                          width=width) + [
        # The span has no legend of its own: the symbols' legend (colour and shape) explains both.
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi"), color=alt.Color("trend:N", scale=trend_scale, legend=None))
        .transform_filter("datum.certainty === 'uncertain'"),
        base.mark_point(filled=True, size=POINT_SIZE, strokeWidth=2, opacity=1, clip=True).encode(
            color=color, stroke=_outline(color), shape=shape, fillOpacity=_certainty_opacity(),
            tooltip=_tooltip(data, fields)),
    ]
    # The text starts past the date span (not over it): right of the latest date, or left of the earliest.
    for side, align, dx, anchor in (("right", "left", 12, "x_hi"), ("left", "right", -12, "x_lo"),
                                    ("over", "left", 12, "x")):
        layers.append(base.transform_filter(f"datum.side === '{side}'").mark_text(
            align=align, dx=dx, fontSize=14, clip=False).encode(x=panels.x(anchor), text="label:N",
                                                               tooltip=_tooltip(data, fields)))
    return alt.layer(*layers).properties(width=width, height=alt.Step(28), title=_panel_title(
        "Imaging findings in words, without a size (as written)", note, band_labels=top and _has_bands(bands)))


def _event_when(frame: pd.DataFrame, tax: TimeAxis) -> pd.Series:
    """The date as written on the calendar axis (or for a case without calendar), else the day offset."""
    return _when_of(frame, tax)


# ---------------------------------------------------------------------------------------------------------------
# Markers (lab values, molecular abundances)
# ---------------------------------------------------------------------------------------------------------------

_MARKER_TOOLTIP = (("marker", "Marker"), ("value_text", "Value"), ("flag_text", "Flag"), ("ref_text", "Reference"),
                   ("finding", "Finding"), ("when", "When"), ("source", "Source table"), ("quote", "Source"))
MARKER_PANEL_HEIGHT = 72
FINDING_PANEL_HEIGHT = 28
REFERENCE_COLOR = "#009E73"


def marker_chart(markers: pd.DataFrame, *, therapy_bands: pd.DataFrame | None = None, axis: str = "calendar",
                 unit: str = "months", day_zero_label: str = "first diagnosis", width: int | None = None,
                 domain=None) -> alt.VConcatChart | alt.Chart:
    """Marker values over time as small multiples: one panel per marker, each with its own y scale.

    Parameters
    ----------
    markers
        The marker table (``timelines.tables.marker_table``): lab values and molecular abundances (unit %).
    therapy_bands
        ``therapy_bands(events)``: systemic therapy periods drawn as light bands behind every panel.
    axis, unit, day_zero_label, width, domain
        As for ``timeline_chart``.

    Returns
    -------
    alt.VConcatChart
        Per marker: the reference range as a green band where ``ref_low``/``ref_high`` exist, values as a line
        and points labelled with the value, coloured by ``flag`` (high: vermillion ↑, low: blue ↓, normal: green,
        not stated: grey), hollow with a faded span when the date is uncertain. A value reported only in words
        (``finding``, e.g. "decreased") beside numbers is a dashed vertical rule with the word, never a point at
        a made-up height; a marker with no number at all gets a one-line panel of labelled marks. Therapy bands
        behind every panel. A chart that says "No marker values in this case" when the table is empty.
    """
    width = _check_width(width)
    if markers is None or markers.empty:
        return _empty_chart("No marker values in this case", width)
    tax = time_axis(axis, unit, day_zero_label, therapy_bands, markers)
    df = _marker_frame(markers, tax)
    extent = _extent_days(df["day_start"], df["day_start_earliest"], df["day_start_latest"])
    window = _domain_days(tax, domain, _with_current_therapy(extent, therapy_bands))
    panels = _PanelAxis(tax, _axis_domain(tax, window), window)
    df = _spans(df, tax.at, window)
    flags = set(df.loc[df["value"].notna(), "flag_text"])
    builders = []
    for i, (_, rows) in enumerate(_marker_groups(df)):
        if rows["value"].notna().any():
            builders.append(partial(_marker_panel, rows, therapy_bands, width=width, top=i == 0, flags=flags))
        else:
            builders.append(partial(_finding_panel, rows, therapy_bands, width=width, top=i == 0))
    return _stack(builders, panels, colors="shared")


def _marker_frame(markers: pd.DataFrame, tax: TimeAxis) -> pd.DataFrame:
    df = markers.reset_index(drop=True).copy()
    df[_day_columns(df).columns] = _day_columns(df)
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    for limit in ("ref_low", "ref_high"):
        df[limit] = pd.to_numeric(df[limit], errors="coerce")
    df["x"] = tax.at(df["day_start"])

    df["flag_text"] = df["flag"].fillna("").replace("", "not stated")
    df["value_text"] = [_value_text(r) for r in df.itertuples()]
    df["label_text"] = [f"{r.value:g}{FLAG_ARROWS.get(r.flag, '')}" if pd.notna(r.value) else ""
                        for r in df.itertuples()]
    df["ref_text"] = [_ref_text(r) for r in df.itertuples()]
    df["when"] = _when_measured(df, tax)
    return df


def _value_text(row) -> str:
    if pd.isna(row.value):
        return row.finding or ""
    return f"{row.value:g} {row.unit}".strip() + (f" ({row.finding})" if row.finding else "")


def _ref_text(row) -> str:
    if pd.isna(row.ref_low) and pd.isna(row.ref_high):
        return ""
    low = "" if pd.isna(row.ref_low) else f"{row.ref_low:g}"
    high = "" if pd.isna(row.ref_high) else f"{row.ref_high:g}"
    return f"{low}–{high} {row.unit}".strip()


MARKER_SECTIONS = {"marker": "Tumor marker", "molecular": "Molecular", "lab": "Other lab"}


def _marker_groups(df: pd.DataFrame):
    """Markers in panel order, kept apart by what they are: tumour markers, molecular abundances, then other
    labs (blood counts, enzymes...), each by first date."""
    first = df.groupby("marker")["day_start"].transform("min")
    kind = df["group"] if "group" in df else df["source"].map({"lab": "marker", "molecular": "molecular"})
    source = kind.map({name: i for i, name in enumerate(MARKER_SECTIONS)}).fillna(len(MARKER_SECTIONS))
    ordered = df.assign(_source=source, _first=first).sort_values(["_source", "_first", "marker", "day_start"],
                                                                  kind="stable")
    return ordered.groupby("marker", sort=False)


def _flag_color(present: set[str]) -> alt.Color:
    """Flag colours, one scale for every panel; the legend lists the flags this case has."""
    flags = [f for f in FLAG_COLORS if f in present]
    return alt.Color("flag_text:N", scale=alt.Scale(domain=flags, range=[FLAG_COLORS[f] for f in flags]),
                     legend=alt.Legend(title="Flag", orient="bottom"))


def _marker_title(rows: pd.DataFrame, numeric: bool = True, band_labels: bool = False) -> alt.TitleParams:
    """'NSE (ng/ml) · reference 5–15 ng/ml' on one line: seven markers must fit on a screen."""
    name, unit = rows["marker"].iloc[0], rows["unit"].iloc[0]
    section = MARKER_SECTIONS.get(rows["group"].iloc[0], "") if "group" in rows else ""
    refs = rows["ref_text"][rows["ref_text"].ne("")]
    note = (f"reference {refs.iloc[0]}" if not refs.empty else "no reference range given") if numeric \
        else "reported in words only"
    return alt.TitleParams(text=(f"{section}: " if section else "") + f"{name}" + (f" ({unit})" if unit else "")
                           + f"  ·  {note}", fontSize=15,
                           anchor="start", frame="group", font=theme.FONT,
                           offset=6 + (BAND_LABEL_ROOM if band_labels else 0))


def _marker_panel(rows: pd.DataFrame, bands, panels: _PanelAxis, *, width: int, top: bool,
                  flags: set[str]) -> alt.LayerChart:
    """One marker: reference band, values as a line and labelled points, word-only values as hollow marks."""
    data = rows[["x", "x_lo", "x_hi", "value", "certainty", "label_text", "ref_low", "ref_high"]
                + [f for f, _ in _MARKER_TOOLTIP]]
    tooltip = _tooltip(data, _MARKER_TOOLTIP)
    values = data[data["value"].notna()]
    color = _flag_color(flags)
    # Headroom above the largest value (or reference limit), so a point and its label are never cut at the top.
    ceiling = max(values["value"].max(), values["ref_high"].max() if values["ref_high"].notna().any() else 0) * 1.3
    y = alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, ceiling or 1], nice=True),
              axis=alt.Axis(tickCount=2))
    base = alt.Chart(values).encode(x=panels.x("x"), y=y)
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=top, window=panels.window,
                          width=width)
    layers += _reference_band(values, y)
    layers += [
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi"), color=color).transform_filter(
            "datum.certainty === 'uncertain'"),
        base.mark_line(strokeWidth=2.5, color=theme.MUTED_COLOR, clip=True),
        base.mark_point(filled=True, size=POINT_SIZE, strokeWidth=3, opacity=1, clip=True).encode(
            color=color, stroke=_outline(color), fillOpacity=_certainty_opacity(), tooltip=tooltip),
        base.mark_text(align="left", dx=10, dy=-8, fontSize=14, fontWeight="bold", clip=False).encode(
            text="label_text:N", color=color),
    ]
    words = data[data["value"].isna() & data["finding"].ne("")]
    if not words.empty:
        layers += _word_rules(words, panels, tooltip)
    return alt.layer(*layers).properties(width=width, height=MARKER_PANEL_HEIGHT,
                                         title=_marker_title(rows, band_labels=top and _has_bands(bands)))


def _reference_band(values: pd.DataFrame, y: alt.Y) -> list[alt.Chart]:
    """The reference range as a band across the panel (from 0 when only an upper limit is given)."""
    refs = values[values["ref_low"].notna() | values["ref_high"].notna()]
    if refs.empty:
        return []
    low = refs["ref_low"].dropna().min() if refs["ref_low"].notna().any() else 0.0
    high = refs["ref_high"].dropna().max() if refs["ref_high"].notna().any() else float(values["value"].max())
    band = pd.DataFrame({"value": [low], "ref_high": [high], "ref_text": [refs["ref_text"].iloc[0]]})
    return [alt.Chart(band).mark_rect(color=REFERENCE_COLOR, opacity=0.15).encode(
        x=alt.value(0), x2=alt.value("width"), y=y, y2="ref_high:Q",
        tooltip=alt.Tooltip("ref_text:N", title="Reference range"))]


def _word_rules(words: pd.DataFrame, panels: _PanelAxis, tooltip) -> list[alt.Chart]:
    """A value given only in words ('decreased') beside numbers: a dashed rule across the panel with the word on
    top. A symbol would sit at some height and read as a value it does not have."""
    base = alt.Chart(words).encode(x=panels.x("x"))
    return [
        base.mark_rect(opacity=SPAN_OPACITY / 2, color=theme.MUTED_COLOR, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi")).transform_filter("datum.certainty === 'uncertain'"),
        base.mark_rule(strokeDash=[5, 4], strokeWidth=2, color=theme.TEXT_COLOR, clip=True).encode(tooltip=tooltip),
        base.mark_text(align="left", baseline="top", dx=5, y=3, fontSize=14, fontStyle="italic",
                       fontWeight="bold", clip=False).encode(text="finding:N", tooltip=tooltip),
    ]


def _word_marks(words: pd.DataFrame, panels: _PanelAxis, tooltip, y_px: float) -> list[alt.Chart]:
    """Values in words on a marker with no number at all: a hollow diamond and the word, on one line."""
    base = alt.Chart(words).encode(x=panels.x("x"), y=alt.value(y_px))
    return [
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, color=theme.MUTED_COLOR, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi")).transform_filter("datum.certainty === 'uncertain'"),
        base.mark_point(shape="diamond", size=POINT_SIZE, strokeWidth=2, filled=False, opacity=1,
                        color=theme.TEXT_COLOR, clip=True).encode(tooltip=tooltip),
        base.mark_text(align="left", dx=12, fontSize=14, fontStyle="italic", clip=False).encode(
            text="finding:N", tooltip=tooltip),
    ]


def _finding_panel(rows: pd.DataFrame, bands, panels: _PanelAxis, *, width: int, top: bool) -> alt.LayerChart:
    """A marker reported only in words ('negative', 'not elevated'): a one-line panel of labelled marks."""
    data = rows[["x", "x_lo", "x_hi", "certainty"] + [f for f, _ in _MARKER_TOOLTIP]]
    tooltip = _tooltip(data, _MARKER_TOOLTIP)
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=top, window=panels.window,
                          width=width)
    layers += _word_marks(data, panels, tooltip, FINDING_PANEL_HEIGHT / 2)
    return alt.layer(*layers).properties(width=width, height=FINDING_PANEL_HEIGHT,
                                         title=_marker_title(rows, numeric=False,
                                                             band_labels=top and _has_bands(bands)))
