"""The display choices a case's charts are built for (``Display``), and the one function that picks and builds the
charts of a view for them (``case_chart``): the case page, the tumor board and the exports all ask it, and nothing
edits a chart's spec afterwards.

Like Altair's own ``properties``/``configure`` and Streamlit's ``built_in_chart_utils``, every choice (width, the
height a screen leaves, the type scale, where legends go, panels stacked or one per chart, the axis and day 0) is
an argument of the builders; a chart is validated once, when it is turned into its spec (``case_chart_specs``).
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

import altair as alt
import pandas as pd
from altair.utils import schemapi
from altair.utils.data import to_values

from . import theme
from .bands import therapy_bands
from .lesions import lesion_chart
from .markers import marker_chart
from .panels import StackFit
from .rows import records
from .timeline import timeline_chart
from .validation import validate_spec

CASE_CHARTS = ("timeline", "lesions", "markers")
Y_AXIS_PX = 64  # a panel drawn on its own: its y axis takes this width, so the panels share their left edge
PADDING_PX = 10  # the theme's padding around a chart


@dataclass(frozen=True)
class Display:
    """What a case's chart is drawn for: a frozen, hashable key of every choice its spec depends on.

    axis, unit, day_zero_label : the time axis (as ``timeline_chart``).
    width : plot width of the timeline; panel_width : of each panel of the lesion and marker charts.
    height : px the timeline's plot may take (a board's screen); None: as tall as its lanes need.
    room : px the whole timeline may take, axis, key and legends included (what a page's screen leaves under its
        header): its plot takes the rest (``timeline.fitted_height``); None, or with `height`: not fitted.
    fit : the room a stack of panels has (``StackFit``, a board's screen); None: each panel its own height.
    font_scale, least_font : every text times ``font_scale``, at least ``least_font`` px (a board's projector).
    legends : where legends go, one of ``theme.LEGEND_LAYOUTS``.
    split_panels : the panels of a stack as one chart each (a page fits each to its width).
    fit_width : the chart fills its container's width (the screen); an export keeps its own.
    domain : ``(lo, hi)`` in axis units, the x window (``focus_domain``); None: the whole history.
    series : the markers, or the lesions, drawn (a board's page of them); None: all.
    recist_panel, findings_panel : the lesion chart's sum-of-targets panel and its panel of imaging findings
        without a size (a board's page of lesions may leave them to the next).
    colors : the colour of each therapy of the cases shown together (``theme.shared_colors`` of a case folder or
        a study), so that a therapy has the colour it has in the cohort; empty: chosen among the case's own (a
        case drawn alone).
    """

    axis: str = "calendar"
    unit: str = "months"
    day_zero_label: str = "first diagnosis"
    width: int = 900
    panel_width: int = 640
    height: int | None = None
    room: int | None = None
    fit: StackFit | None = None
    font_scale: float = 1.0
    least_font: int = 0
    legends: str = "bottom"
    split_panels: bool = False
    fit_width: bool = False
    domain: tuple | None = None
    series: tuple[str, ...] | None = None
    recist_panel: bool = True
    findings_panel: bool = True
    colors: theme.SharedColors = ()

    def axis_options(self) -> dict:
        return {"axis": self.axis, "unit": self.unit, "day_zero_label": self.day_zero_label}


def case_chart(name: str, frames: dict, display: Display = Display()):
    """The case's chart `name` ("timeline", "lesions", "markers") of `frames` (events, measurements, markers,
    dose_changes and assessments, as ``timelines.presentation.present`` and ``assessment_frame`` give them; an
    optional "imaging" overrides the imaging rows of the events), built for `display`: one Altair chart, or with
    ``display.split_panels`` a list of them, one per panel. ``chart_spec`` turns each into its spec."""
    build = _BUILDERS.get(name)
    if build is None:
        raise ValueError(f"Unknown chart {name!r}. Hint: use one of {', '.join(map(repr, CASE_CHARTS))}")
    # Altair validates every object it makes while debug mode is on; the finished spec is validated once instead.
    with schemapi.debug_mode(False), theme.type_scale(display.font_scale, display.least_font):
        return build(frames, display)


def case_chart_specs(name: str, frames: dict, display: Display = Display()) -> list[dict]:
    """The chart of ``case_chart`` as Vega-Lite specs: one, or one per panel when split."""
    with _rows_once():
        built = case_chart(name, frames, display)
        if isinstance(built, list):
            return [chart_spec(part, display, alone=True) for part in built]
        return [chart_spec(built, display)]


def chart_spec(chart, display: Display = Display(), alone: bool = False) -> dict:
    """The Vega-Lite spec of a chart built for `display` (its legends' layout, its width fitted to its container;
    `alone`: a panel drawn on its own), in the shared theme and type scale, every row kept. The one place a chart
    is validated (Altair's ``to_dict``)."""
    with theme.type_scale(display.font_scale, display.least_font), alt.theme.enable(theme.THEME_NAME), \
            alt.data_transformers.enable(ROWS), _rows_once(), schemapi.debug_mode(False):
        spec = _finished(chart, display, alone).to_dict(validate=False)
    validate_spec(chart, spec)
    # Vega lays legends out by `config.legend.layout` (an object), which Vega-Lite passes on to Vega but its schema
    # types as an expression only: it is the one part of the choices that cannot be validated, so it is made here.
    layout = theme.LEGEND_LAYOUTS[display.legends].get("layout")
    if layout is not None:
        spec.setdefault("config", {}).setdefault("legend", {})["layout"] = layout
    return spec


# Altair converts a frame to rows for each layer that draws it; the layers of a panel share theirs, and the panels
# of a stack their therapy bands. Within one spec (or the specs of one chart's panels) each frame is converted once.
ROWS = "tumor_board_rows"
_CONVERTED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("converted", default=None)


@contextlib.contextmanager
def _rows_once():
    token = _CONVERTED.set({}) if _CONVERTED.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _CONVERTED.reset(token)


def _rows(data, max_rows: int | None = None):
    """Altair's default data transformer (its rows made column by column: ``rows.records``), every row kept, each
    frame converted once while ``_rows_once`` holds."""
    if not isinstance(data, pd.DataFrame):
        return to_values(data)
    converted = _CONVERTED.get()
    if converted is None:
        return {"values": records(data)}
    kept = converted.get(id(data))
    if kept is None:  # the frame is kept with its rows, so its id is not reused while they are
        kept = converted[id(data)] = (data, {"values": records(data)})
    return kept[1]


alt.data_transformers.register(ROWS, _rows)


def _timeline(frames: dict, display: Display):
    return timeline_chart(frames["events"], domain=display.domain, width=display.width,
                          dose_changes=frames.get("dose_changes"), height=display.height, legends=display.legends,
                          room=display.room, colors=display.colors, **display.axis_options())


def _lesions(frames: dict, display: Display):
    events, measurements, assessments = frames["events"], frames["measurements"], frames.get("assessments")
    imaging = frames.get("imaging")
    imaging = events[events["kind"] == "imaging"] if imaging is None else imaging
    if not display.recist_panel and assessments is not None:
        assessments = assessments.iloc[0:0]
    return lesion_chart(measurements, assessments, therapy_bands=therapy_bands(events, display.colors),
                        imaging=imaging if display.findings_panel else imaging.iloc[0:0],
                        width=display.panel_width, domain=display.domain, fit=display.fit,
                        split=display.split_panels, lesions=display.series, **display.axis_options())


def _markers(frames: dict, display: Display):
    markers = frames["markers"]
    if display.series is not None:
        markers = markers[markers["marker"].isin(display.series)]
    return marker_chart(markers, therapy_bands=therapy_bands(frames["events"], display.colors),
                        width=display.panel_width,
                        domain=display.domain, fit=display.fit, split=display.split_panels,
                        **display.axis_options())


_BUILDERS = {"timeline": _timeline, "lesions": _lesions, "markers": _markers}


def _finished(chart, display: Display, alone: bool = False):
    """The chart as a top-level chart for `display`: its legends' layout, its width fitted to its container, and
    a panel drawn on its own given a y axis of Y_AXIS_PX (padded by as much when it has none)."""
    legends = {k: v for k, v in theme.LEGEND_LAYOUTS[display.legends].items() if k != "layout"}
    config: dict = {"legend": legends} if legends else {}
    if display.fit_width:
        # A single or layered view fits its container's width; a stack keeps the width it was built with.
        stack = isinstance(chart, (alt.VConcatChart, alt.HConcatChart, alt.ConcatChart))
        chart.autosize = alt.AutoSizeParams(type="pad" if stack else "fit-x", contains="padding")
    if alone:
        if display.fit_width:  # as wide as its container: the width it was built for only cut its labels
            chart.width = alt.Undefined
        config["axisY"] = {"minExtent": Y_AXIS_PX, "maxExtent": Y_AXIS_PX}
        chart.padding = {"left": PADDING_PX + (0 if _shows_y_axis(chart) else Y_AXIS_PX), "right": PADDING_PX,
                         "top": PADDING_PX, "bottom": PADDING_PX}
    if config:
        chart.config = alt.Config(**config)
    return chart


def _shows_y_axis(chart) -> bool:
    """Whether a layer of the chart draws a y axis (a field on y whose axis is not switched off)."""
    for layer in getattr(chart, "layer", None) or [chart]:
        y = getattr(getattr(layer, "encoding", None), "y", alt.Undefined)
        if isinstance(y, alt.Y) and y._kwds.get("axis", alt.Undefined) is not None:  # `y.axis` is a setter
            return True
    return False


def frames_of(events: pd.DataFrame, measurements: pd.DataFrame, markers: pd.DataFrame,
              dose_changes: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None) -> dict:
    """The frames ``case_chart`` draws from, by name."""
    return {"events": events, "measurements": measurements, "markers": markers, "dose_changes": dose_changes,
            "assessments": assessments}
