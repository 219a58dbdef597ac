"""The case page's charts: the display choices of the page (``page_display``), and the timeline, lesion and marker
views that draw the specs ``components.charts.case_chart_specs`` builds for them (through ``cache.case_chart``)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from components import charts
from timelines.presentation import View

from .event_table import molecular_view

CHART_WIDTH = 900
BESIDE_PX = 420  # what the timeline's lane labels (about 170 px) and its legends beside the plot take of the page
LEAST_PLOT_PX = 360
PANEL_WIDTH = 640  # plot width of each panel: what its therapy labels are cut for (the page fits it to its width)


def page_display(view: View, domain: tuple | None = None, colors: tuple = ()) -> charts.Display:
    """The case page's choices: as wide as the page, legends stacked under the plot (two in a row ran past the
    page's right edge), a stack of panels drawn one chart per panel (each fitted to the page's width), each as tall
    as its builder makes it, each therapy in its colour among the cases shown together (``colors``)."""
    return charts.Display(width=CHART_WIDTH, panel_width=PANEL_WIDTH, legends="stacked", split_panels=True,
                          fit_width=True, domain=domain, colors=colors, **view.axis_options())


def timeline_display(view: View, domain: tuple | None, room: int, column: int = CHART_WIDTH + BESIDE_PX,
                     colors: tuple = ()) -> charts.Display:
    """The case page's timeline in a page column `column` px wide: fitted to the `room` px the screen leaves under
    the header (its axis, key and legends on a 1280x720 screen, its lanes using a 1920x1080 one), its legends
    beside the plot (a screen is wider than tall: stacked under it, they fell below a 1280x720 screen), its marks'
    labels laid out for the plot's width (what the lane labels and the legends leave of the column)."""
    return dataclasses.replace(page_display(view, domain, colors), legends="beside", room=room,
                               width=max(LEAST_PLOT_PX, column - BESIDE_PX))


def show_specs(specs: list[dict]) -> None:
    """Draw a chart's specs (one, or one per panel) one under the other as wide as the page, as tall as their
    builders made them (a stack, which Vega cannot fit, at the width it was built with)."""
    for spec in specs:
        st.vega_lite_chart(spec, theme=None, width="content" if is_stack(spec) else "stretch")


def is_stack(spec: dict) -> bool:
    """A spec of panels side by side or one above the other (which Streamlit's "stretch" would widen each)."""
    return any(key in spec for key in ("vconcat", "hconcat", "concat"))


def timeline_view(events: pd.DataFrame, axis: dict, slot, draw) -> None:
    """The swimlane timeline, focused on the recent disease when the history is long.

    `draw(name, domain)` draws the case's chart `name` ("timeline", "lesions", "markers") on the x `domain`
    (None: the whole history); every view takes one."""
    domain = charts.focus_domain(events, axis=axis["axis"], unit=axis["unit"])
    if domain is not None:
        whole = slot.toggle("Whole history", key="whole_history",
                            help="Long quiet years are hidden by default so recent events are readable; "
                                 "you can also drag and scroll on the chart to pan and zoom.")
        domain = None if whole else domain
    draw("timeline", domain)


def lesion_view(note: str, draw) -> None:
    draw("lesions")
    if note:
        st.caption(note)


def marker_view(draw, molecular: pd.DataFrame | None = None) -> None:
    """Lab values over time, then the molecular results (a fusion's abundance is a result of its test, read with
    the test's other findings, not a marker trend)."""
    draw("markers")
    molecular_view(molecular)
