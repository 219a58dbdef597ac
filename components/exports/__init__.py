"""Exports of one case (no Streamlit): charts as PNG and SVG, a 16:9 slide deck, a PDF handout, tables as CSV.

Everything is drawn from the case's tables in the shared theme (``components.charts.theme``) and rendered offline by
vl-convert. With ``deidentify=True`` the tables and the summary are first passed through
``timelines.deidentify`` and the time axis is relative (months since day 0), so no export holds a calendar
date, the source, or the free text (quotes, notes, patient context) that could name a place or a person.

The deck and the handout share one list of ``Slide`` objects (``case_slides``): a title slide with the case
header, the chart slides (the deck draws them as native PowerPoint shapes and charts, ``native.py``; the handout
as pictures rendered when it is written), findings reported only in words, the key events as tables of at most
``EVENT_ROWS`` rows, and the source unless de-identified. Each slide's speaker notes name its sources.

    case.py        the case prepared for export (prepare_case, CaseExport)
    rendering.py   its charts, rendered offline (PNG, SVG), each chart once
    slides.py      the slide model the deck and the handout share, and each slide's notes
    native.py      the timeline, lesion and marker slides as native PowerPoint shapes and charts
    shapes.py      the drawing helpers the deck and its native charts share (colour, text box, shape)
    powerpoint.py  the deck (python-pptx)
    handout.py     the handout (fpdf2)
    files.py       every export at once, by file name; the case as a cBioPortal study (ZIP)
    deck.py        the command line: decks for a tumor-board session
"""

from .case import CHART_NAMES, CHART_TITLES, EXPORT_WIDTH, PNG_SCALE, CaseExport, prepare_case
from .files import case_exports, cbioportal_zip, csv_bytes
from .handout import pdf_bytes, pdf_text
from .powerpoint import ZIP_EPOCH, deck_bytes, picture_box, pptx_bytes, session_slides
from .rendering import case_chart, case_charts, chart_png, chart_spec, chart_svg, has_chart, png_size
from .slides import (
                     BOX_H_IN,
                     BOX_W_IN,
                     EVENT_HEADER_CALENDAR,
                     EVENT_HEADER_RELATIVE,
                     EVENT_ROWS,
                     FOOTER_H_IN,
                     SLIDE_H_IN,
                     SLIDE_W_IN,
                     Slide,
                     case_slides,
                     event_rows,
                     fit_row,
                     fit_text,
)

__all__ = ["BOX_H_IN", "BOX_W_IN", "CHART_NAMES", "CHART_TITLES", "EVENT_HEADER_CALENDAR", "EVENT_HEADER_RELATIVE",
           "EVENT_ROWS", "EXPORT_WIDTH", "FOOTER_H_IN", "PNG_SCALE", "SLIDE_H_IN", "SLIDE_W_IN", "ZIP_EPOCH",
           "CaseExport", "Slide", "case_chart", "case_charts", "cbioportal_zip", "case_exports", "case_slides", "chart_png",
           "chart_spec", "chart_svg", "csv_bytes", "deck_bytes", "event_rows", "fit_row", "fit_text", "has_chart",
           "pdf_bytes", "pdf_text", "picture_box", "png_size", "pptx_bytes", "prepare_case", "session_slides"]
