"""The case page: one case's timeline, lesions, markers or event table on the chosen time axis, with its downloads."""

from __future__ import annotations

import streamlit as st

from timelines.deidentify import neutral_file_stem
from timelines.presentation import View, has_data
from timelines.reading.catalog import Entry
from timelines.reading.files import Stamp
from timelines.tables import day_zero_choices

from . import cache
from .chart_views import (
    lesion_view,
    marker_view,
    page_display,
    panel_display,
    panel_pager,
    show_specs,
    timeline_display,
    timeline_view,
)
from .downloads import export_buttons
from .event_table import event_table_view, molecular_results, molecular_view
from .header import PAGE_BOTTOM_PX, case_details, case_header, column_px, header_px
from .panel_pages import lesion_pages, marker_pages, word_lines, words_px
from .pickers import VIEWS, display_options, view_picker
from .screen import learn_window


def case_page(entry: Entry, stamp: Stamp, deidentified: bool, colors: tuple = ()) -> None:
    """One case's page; ``colors``: the therapy colours of the cases it is shown with (``cache.folder_colors``),
    so that each therapy has its cohort colour on every chart and export of the page."""
    path = str(entry.path)
    data = cache.case_tables(path, stamp)
    exports_slot = st.sidebar.container()  # above the time axis: in view whatever the number of day 0 choices
    view = view_of(data, deidentified)
    frames, summary = cache.presented(path, stamp, view)
    window_width, window_height = learn_window()
    case_header(summary, view.day_zero, window_width)
    molecular = molecular_results(frames["events"])
    available = tuple(v for v in VIEWS if has_data(v, data["events"], data["measurements"], data["markers"]))
    chosen, slot, details_slot = view_picker(st.query_params.get("view"), available)
    st.query_params["view"] = chosen
    case_details(summary, details_slot, view.day_zero)
    room = window_height - header_px(summary) - PAGE_BOTTOM_PX  # the timeline's axis and legends on the screen
    column = column_px(window_width)

    def draw(name: str, domain: tuple | None = None) -> None:
        display = (timeline_display(view, domain, room, column, colors) if name == "timeline"
                   else page_display(view, domain, colors))
        show_specs(cache.case_chart(path, stamp, view, name, display))

    def draw_panels(room: int):  # a page of lesion or marker panels, fitted to what the screen leaves them
        return lambda name, part: show_specs(cache.case_chart(path, stamp, view, name,
                                                              panel_display(view, part, room, colors)))

    axis = view.axis_options()
    if chosen == "timeline":
        timeline_view(frames["events"], axis, slot, draw)
    elif chosen == "lesions":
        pages = lesion_pages(frames["measurements"], data["assessments"], frames["events"], room)
        lesion_view(data["recist_note"], draw_panels(room), panel_pager(pages, slot, "lesion_panels"))
    elif chosen == "markers":
        relative = view.axis == "relative"
        part = panel_pager(marker_pages(frames["markers"], room, relative), slot, "marker_panels")
        words = word_lines(frames["markers"], relative, part.words) if part.words else []
        marker_view(draw_panels(room - words_px(words)), molecular, part, words)
    else:
        event_table_view(frames["events"], neutral_file_stem(entry.case_id) if deidentified else entry.case_id,
                         relative=view.axis == "relative")
        if "markers" not in available:  # else the Markers tab lists them
            molecular_view(molecular)
    exports_box = exports_slot.expander("Export: slides, handout, images, tables", key="exports_open",
                                      on_change="rerun")
    if exports_box.open:  # made when opened: the first screen of a case needs no download button
        with exports_box:
            export_buttons(path, stamp, view, colors)


def view_of(data: dict, deidentified: bool) -> View:
    """The display choice of the sidebar's time-axis controls."""
    options = display_options(data["events"], data["on_calendar"] and not deidentified,
                                    day_zero_choices(data["events"]), deidentified)
    return View(deidentified=deidentified, **options)
