"""The case's charts for export, and their rendering offline by vl-convert: PNG and SVG.

A chart is rendered once: vl-convert runs Vega once per spec (the SVG), the PNG is that SVG rasterised (the same
bytes ``vegalite_to_png`` gives), and both are kept by the spec's digest for the last RENDERED_CHARTS charts, so
the handout, the chart files and a second click of a download share one rendering. The pinned vl-convert (1.x)
converts one chart at a time in a process (one converter, the interpreter lock held: two threads take as long as
one), so charts are rendered one after the other.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
from collections import OrderedDict

import altair as alt
import pandas as pd
import vl_convert as vlc

from timelines.presentation import has_data

from .. import charts
from .case import CHART_NAMES, EXPORT_WIDTH, PNG_SCALE, CaseExport


def has_chart(case: CaseExport, name: str) -> bool:
    """Whether the case has data for a chart (timelines.presentation.has_data, as the screen decides)."""
    return has_data(name, case.events, case.measurements, case.markers)


def case_charts(case: CaseExport, *, width: int = EXPORT_WIDTH) -> dict[str, alt.TopLevelMixin]:
    """The charts of a case that has data for them (``has_chart``), by name, each ``width`` px wide (plot)."""
    return {name: case_chart(case, name, width=width) for name in CHART_NAMES if has_chart(case, name)}


def case_chart(case: CaseExport, name: str, *, width: int = EXPORT_WIDTH) -> alt.TopLevelMixin:
    """One chart of a case ("timeline", "lesions", "markers"), ``width`` px wide (plot), built alone."""
    return charts.case_chart(name, case_frames(case), export_display(case, width))


def export_display(case: CaseExport, width: int, domain=None) -> charts.Display:
    """The display choices of an exported chart: ``width`` px for the timeline and for each panel, legends in a
    row under the plot (a slide is wide enough), on the case's axis and day 0, each therapy in the colour of the cases
    shown with it."""
    return charts.Display(width=width, panel_width=width, domain=domain, colors=case.colors, **case.axis_options())


def case_frames(case: CaseExport, **overrides) -> dict:
    """The frames ``charts.case_chart`` draws from, some replaced (a slide's lesions or markers)."""
    frames = {"events": case.events, "measurements": case.measurements, "markers": case.markers,
              "dose_changes": case.dose_changes, "assessments": case.assessments}
    return {**frames, **{name: frame for name, frame in overrides.items() if frame is not None}}


def _timeline(case: CaseExport, width: int, domain=None):
    return charts.case_chart("timeline", case_frames(case), export_display(case, width, domain))


def _lesions(case: CaseExport, width: int, *, measurements=None, imaging=None, assessments=None, domain=None):
    frames = case_frames(case, measurements=measurements, imaging=imaging, assessments=assessments)
    return charts.case_chart("lesions", frames, export_display(case, width, domain))


def _markers(case: CaseExport, width: int, markers: pd.DataFrame | None = None, domain=None):
    return charts.case_chart("markers", case_frames(case, markers=markers), export_display(case, width, domain))


chart_spec = charts.chart_spec  # the one place a chart becomes its validated spec, in the shared theme


def chart_png(chart: alt.TopLevelMixin | dict, *, scale: int = PNG_SCALE) -> bytes:
    """The chart as PNG, ``scale`` pixels per CSS pixel. A chart's width is set when it is built
    (``case_charts(..., width=...)``): concatenated panels each carry their own."""
    spec = chart if isinstance(chart, dict) else chart_spec(chart)
    key = (_digest(spec), scale)
    return _rendered(key, lambda: vlc.svg_to_png(_svg(spec, key[0]), scale=scale))


def chart_svg(chart: alt.TopLevelMixin | dict) -> bytes:
    """The chart as SVG (UTF-8), text as text."""
    spec = chart if isinstance(chart, dict) else chart_spec(chart)
    return _svg(spec, _digest(spec)).encode("utf-8")


RENDERED_CHARTS = 24  # renderings kept (PNG and SVG each count): a few cases' handouts and chart files
_RENDERED: OrderedDict = OrderedDict()
_RENDERED_LOCK = threading.Lock()  # Streamlit serves each session from a thread of its own


def _digest(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def _svg(spec: dict, digest: str) -> str:
    return _rendered((digest, "svg"), lambda: vlc.vegalite_to_svg(spec))


def _rendered(key: tuple, render):
    """``render()``, or what it gave last time for this key (least recently used dropped first)."""
    with _RENDERED_LOCK:
        if key in _RENDERED:
            _RENDERED.move_to_end(key)
            return _RENDERED[key]
    value = render()
    with _RENDERED_LOCK:
        _RENDERED[key] = value
        while len(_RENDERED) > RENDERED_CHARTS:
            _RENDERED.popitem(last=False)
    return value


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("Not a PNG file")
    return struct.unpack(">II", png[16:24])


