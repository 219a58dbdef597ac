"""The case page's charts: the display choices of the page (``page_display``), and the timeline, lesion and marker
views that draw the specs ``components.charts.case_chart_specs`` builds for them (through ``cache.case_chart``)."""

from __future__ import annotations

import dataclasses
import itertools

import pandas as pd
import streamlit as st

from components import charts
from timelines.presentation import View

from .event_table import molecular_view
from .panel_pages import PanelPage, page_fit

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


def panel_display(view: View, part: PanelPage, room: int, colors: tuple = ()) -> charts.Display:
    """The page's choices for a page of lesion or marker panels (``panel_pages``): its panels only, sharing the
    `room` px the screen leaves under the header, each plot at least ``panel_pages.LEAST_PLOT_PX`` tall."""
    return dataclasses.replace(page_display(view, None, colors), fit=page_fit(room), series=part.series,
                               recist_panel=part.recist, findings_panel=part.findings)


def panel_pager(pages: list[PanelPage], slot, key: str) -> PanelPage:
    """The page of panels shown: the first, or the one chosen in the view's row when there are more than one
    ('Panels 1–2 · 3–4 · 5')."""
    if len(pages) < 2:
        return pages[0]
    if st.session_state.get(key) not in range(len(pages)):  # another case's, or another screen's, pages
        st.session_state[key] = 0
    ends = list(itertools.accumulate(len(p.series) + p.recist + p.findings for p in pages))
    starts = [1] + [end + 1 for end in ends[:-1]]
    said = [f"{a}" if a == b else f"{a}–{b}" for a, b in zip(starts, ends)]
    chosen = slot.segmented_control(
        "Panels", list(range(len(pages))), key=key, required=True, label_visibility="collapsed",
        format_func=lambda i: f"Panels {said[i]}" if i == 0 else said[i],
        help=f"{ends[-1]} panels, as many a page as the screen holds with each plot readable")
    return pages[chosen or 0]


def lesion_view(note: str, draw, part: PanelPage | None = None) -> None:
    draw("lesions", part)
    if note:
        st.caption(note)


def marker_view(draw, molecular: pd.DataFrame | None = None, part: PanelPage | None = None,
                words: list[str] | None = None) -> None:
    """Lab values over time (the page's panels), the results reported only in words, then the molecular results
    (a fusion's abundance is a result of its test, read with the test's other findings, not a marker trend)."""
    if part is None or part.series:
        draw("markers", part)
    if words:
        st.markdown("**Results in words only**  \n" + "  \n".join(words))
    molecular_view(molecular)
