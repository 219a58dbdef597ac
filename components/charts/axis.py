"""The time axis shared by every case chart: calendar (UTC dates) or relative (days or months since day 0).

``TimeAxis`` places day offsets on the x axis; ``time_axis`` checks the options; ``_x``/``_x2`` are the x encodings
with round ticks; the domain helpers turn a data extent or a chosen window into scale bounds. Also the small
helpers every chart uses: the chart that says why it is empty, the default width, tooltips of the fields present.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
from altair.vegalite.v6 import api as altair_api

from timelines.tables import day_zero_of
from timelines.time.dates import DAYS_PER_MONTH
from timelines.time.when import say_days

from . import theme
from .validation import validate_spec

AXES = ("calendar", "relative")


UNITS = ("months", "days")


AXIS_TITLE_LIMIT = 640  # px: longer x-axis titles end in an ellipsis


DEFAULT_WIDTH = 900  # plot width in px: with lane labels and padding a chart fits a 1280 px wide slide


POINT_SIZE = 200  # symbol area in px²: about 14 px across


PAD_FRACTION = 0.03  # room left and right of the data


SPAN_OPACITY = 0.28


# Calendar tick labels in UTC: the year at a January tick, the month elsewhere, the day when zoomed in to days.
# (A format object is ignored once the field has a time unit, so the choice is made in the label expression.)
_DATE_LABEL = ("utcdate(datum.value) !== 1 ? utcFormat(datum.value, '%d %b') : utcmonth(datum.value) === 0 "
               "? utcFormat(datum.value, '%Y') : utcFormat(datum.value, '%b')")


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
    # labelFlush: a label within a few characters of an end is aligned inside the plot, not centred over its tick:
    # one that ran past the right end ('2010' under the last of a stack of panels) narrowed that panel's plot, as
    # the page fits each chart, label included, to its width, so the panels of one step had different time scales.
    axis = alt.Axis(title=title if title is not None else tax.title, labels=labels, ticks=labels, grid=True,
                    labelOverlap="greedy", labelSeparation=LABEL_SEPARATION,
                    labelFlush=round(theme.font(theme.LABEL_SIZE) * FLUSH_CHARS),
                    labelExpr=_DATE_LABEL if tax.calendar else alt.Undefined, titleLimit=theme.room(AXIS_TITLE_LIMIT),
                    **_round_ticks(tax, domain))
    if tax.calendar:
        return alt.X(f"{field}:T", timeUnit="utcyearmonthdate", scale=scale, axis=axis)
    return alt.X(f"{field}:Q", scale=scale, axis=axis)


FLUSH_CHARS = 2  # labels this many characters (in type sizes) from an end of the time axis are aligned inside it
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
    return pd.DataFrame({name: _floats(frame[name]) for name in names}, index=frame.index, columns=names)


def _floats(column: pd.Series) -> pd.Series:
    """A column of numbers as floats, missing ones NaN; any other column read as numbers where it can be."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype("float64")
    return pd.to_numeric(column, errors="coerce").astype("float64")


def _as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with its text columns as Python objects in one block: a chart takes rows of it many
    times, which costs one array per block (a column of Arrow-backed text is a block of its own), and reads it row
    by row, which an object array serves far faster. Without the table's ``attrs`` (its day 0, which the charts
    read from the table itself): pandas deep-copies them into every frame an operation makes."""
    texts = [name for name, dtype in frame.dtypes.items() if str(dtype) in ("str", "string")]
    copy = frame.astype(dict.fromkeys(texts, object)) if texts else frame.copy()
    copy.attrs = {}
    return copy


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame in one block per type, its texts as Python objects (``_as_objects``): a frame built a column at a
    time holds a block per column, and every row taken of it (a mask, a layer's rows) costs an array per block."""
    return _as_objects(frame).copy()


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
    return alt.Chart(frame).mark_text(fontSize=theme.font(18), color=theme.MUTED_COLOR).encode(
        text=alt.Text("message:N")).properties(width=width or DEFAULT_WIDTH, height=80)


class _LayerChart(alt.LayerChart):
    """Altair's layer chart, made without copying every layer to lift the parameters of a few.

    Altair makes a layer chart each time one is built and again each time it becomes a spec, and each time copies
    every layer whole, twice, to lift the layers' parameters (a zoom) to the top; a panel of bands, points, labels
    and their tooltips has no parameter, and those copies were a sixth of what its spec cost. Here only the layers
    that carry a parameter go through Altair's lifting steps (in their places among stand-ins for the others, whose
    places name the views a selection binds); once lifted (the chart made again as it becomes a spec), the
    parameters stay where they are. The spec is the same either way (the pinned Altair's ``LayerChart.__init__``)."""

    def __init__(self, data=alt.Undefined, layer=(), **kwargs):
        layer = list(layer)
        for spec in layer:
            altair_api._check_if_valid_subspec(spec, "LayerChart")
            altair_api._check_if_can_be_layered(spec)
        super(alt.LayerChart, self).__init__(data=data, layer=layer, **kwargs)
        self.data, self.layer = altair_api._combine_subchart_data(self.data, self.layer)
        carrying = {i for i, chart in enumerate(self.layer) if getattr(chart, "params", alt.Undefined) is not alt.Undefined}
        if carrying:
            stand_in = alt.Chart()
            lifted = altair_api._remove_duplicate_params(
                [chart if i in carrying else stand_in for i, chart in enumerate(self.layer)])
            self.params, lifted = altair_api._combine_subchart_params(self.params, lifted)
            self.layer = [lifted[i] if i in carrying else chart for i, chart in enumerate(self.layer)]
        combined, self.layer = altair_api._remove_layer_props(self, self.layer, ("height", "width", "view"))
        for prop in combined:
            self[prop] = combined[prop]

    def to_dict(self, validate: bool = True, *, format: str = "vega-lite", ignore=None, context=None) -> dict:
        """Altair's spec of the chart, validated once by the compiled schema (``validation.validate_spec``) when it is
        asked for whole and validated; as Altair makes it otherwise (a layer chart within another, a Vega spec)."""
        if validate is not True or format != "vega-lite" or context is not None:
            return super().to_dict(validate, format=format, ignore=ignore, context=context)
        spec = super().to_dict(False, format=format, ignore=ignore)
        validate_spec(self, spec)
        return spec


def layered(*layers, **properties) -> alt.LayerChart:
    """``alt.layer(*layers, **properties)``, without the copies Altair makes of layers with no parameter."""
    return _LayerChart(layer=layers, **properties)


def _check_width(width):
    return DEFAULT_WIDTH if width is None else width


def _reach(df: pd.DataFrame, bound: str, window: tuple[float, float]) -> pd.Series:
    """A day bound, or where the drawing lets the date reach on a side the case leaves open (its drawn
    neighbours), or the edge of the view for a table without those columns."""
    edge = window[0] if bound.endswith("earliest") else window[1]
    reach = df[f"day_{bound.replace('_', '_reach_', 1)}"] if f"day_{bound.replace('_', '_reach_', 1)}" in df \
        else pd.Series(float("nan"), index=df.index)
    return df[f"day_{bound}"].fillna(pd.to_numeric(reach, errors="coerce")).fillna(edge).astype("float64")


def _when_of(frame: pd.DataFrame, tax: TimeAxis) -> pd.Series:
    """Each row's date as precisely as known: as the table says it, or as day offsets from its bounds when a
    calendar case is drawn on the relative axis (de-identified: no calendar date in a tooltip)."""
    if _shows_written(frame, tax):
        return frame["start"]
    return pd.Series([say_days(a, b) for a, b in zip(frame["day_start_earliest"], frame["day_start_latest"])],
                     index=frame.index, dtype=object)


def _shows_written(frame: pd.DataFrame, tax: TimeAxis) -> bool:
    """Dates as the table says them: on the calendar axis, or when the case has no calendar at all."""
    return tax.calendar or "start_is_calendar" not in frame or not frame["start_is_calendar"].fillna(False).any()


def _present(data: pd.DataFrame, fields) -> list[tuple[str, str]]:
    """The (field, title) pairs of `fields` that say something for at least one row of `data`."""
    return [(f, t) for f, t in fields if f in data and _says_something(data[f])]


def _says_something(column: pd.Series) -> bool:
    """Whether a value of the column, written out, is more than blanks (a missing one is blank). Each distinct
    value is looked at once: a column of empty texts is a set of one."""
    try:
        values = column.unique().tolist()
    except TypeError:  # unhashable values (lists): each is looked at
        values = column.tolist()
    return any(not _missing(value) and str(value).strip() != "" for value in values)


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _tooltip(data: pd.DataFrame, fields) -> list[alt.Tooltip]:
    """Tooltip fields that say something for at least one mark of the layer."""
    return [alt.Tooltip(f"{f}:N", title=t) for f, t in _present(data, fields)]
