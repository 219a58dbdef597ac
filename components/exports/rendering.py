"""The case's charts for export, and their rendering offline by vl-convert: PNG and SVG."""

from __future__ import annotations

import struct

import altair as alt
import pandas as pd
import vl_convert as vlc

from timelines.presentation import has_data

from .. import charts
from ..charts import theme
from .case import CHART_NAMES, CaseExport, EXPORT_WIDTH, PNG_SCALE


def has_chart(case: CaseExport, name: str) -> bool:
    """Whether the case has data for a chart (timelines.presentation.has_data, as the screen decides)."""
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


