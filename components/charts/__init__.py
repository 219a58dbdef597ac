"""Pure chart builders (no Streamlit, no I/O): one module per chart, plus the shared time axis and lane layers.

Every builder takes the tables of ``timelines.tables`` (and the RECIST assessments of ``timelines.endpoints.clinical``) and
returns an Altair chart; the look (fonts, colours per kind and per drug) lives in ``components.charts.theme``.

- ``axis``: the time axis (calendar or relative) and the helpers every chart uses;
- ``lanes``: lane packing, the lane axis and the layers the case timeline and the cohort swimmer both draw;
- ``timeline``: the swimlane timeline of one case;
- ``bands`` and ``panels``: therapy bands and the stacked panels of the lesion and marker charts;
- ``lesions``: lesion sizes and RECIST 1.1; ``markers``: lab values (molecular results are listed, not drawn);
- ``cohort``: swimmer, spider and waterfall plots of many cases;
- ``display``: the display choices (``Display``) and the one function that picks and builds a case's charts for
  them (``case_chart``), and ``chart_spec``, the one place a chart becomes its (validated) spec.
"""

from __future__ import annotations

from . import theme  # registers and enables the shared theme
from .axis import AXES, PAD_FRACTION, UNITS, TimeAxis, time_axis
from .bands import therapy_bands
from .display import CASE_CHARTS, Display, case_chart, case_chart_specs, chart_spec
from .lanes import STUB_OPACITIES
from .lesions import CATEGORY_COLORS, TREND_SHAPES, assessment_frame, lesion_chart
from .markers import marker_chart
from .panels import StackFit
from .timeline import focus_domain, timeline_chart

__all__ = ["AXES", "CASE_CHARTS", "CATEGORY_COLORS", "Display", "PAD_FRACTION", "STUB_OPACITIES", "StackFit",
           "TREND_SHAPES", "UNITS", "TimeAxis", "assessment_frame", "case_chart", "case_chart_specs", "chart_spec",
           "focus_domain", "lesion_chart", "marker_chart", "theme", "therapy_bands", "time_axis", "timeline_chart"]
