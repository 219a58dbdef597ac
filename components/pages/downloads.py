"""Download buttons for the exports of the case on screen: slides, handout, chart images, the events table and the
case as a FHIR bundle (identified views only: a bundle carries calendar dates, the source and its quotes).

Each file is made when its button is clicked (Streamlit runs the callable then) by `cache.export_file`, once per
version of the case file and display choice: a rerun of the page costs nothing, a second click of the same button
is instant, and the deck and the handout share their pages.
"""

from __future__ import annotations

import streamlit as st

from components import exports
from timelines.deidentify import neutral_file_stem
from timelines.presentation import View
from timelines.reading.files import Stamp

from . import cache

MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml", "csv": "text/csv",
        "json": "application/fhir+json", "zip": "application/zip"}
CHART_LABELS = {"timeline": "Timeline", "lesions": "Lesions", "markers": "Markers"}


def export_files(case: exports.CaseExport) -> list[tuple[str, str]]:
    """(button label, file suffix) of every export of the case: slides, handout, events, the FHIR bundle and the
    cBioPortal study (not when de-identified: they keep the case's dates, source and quotes), each chart it has."""
    files = [("Slides for the board (PPTX)", "pptx"), ("Handout (PDF)", "pdf"), ("Event table (CSV)", "events.csv")]
    if not case.deidentified:
        files.append(("FHIR bundle, mCODE (JSON)", "fhir.json"))
    for chart in (name for name in exports.CHART_NAMES if exports.has_chart(case, name)):
        files += [(f"{CHART_LABELS[chart]} chart, image (PNG)", f"{chart}.png"),
                  (f"{CHART_LABELS[chart]} chart, drawing (SVG)", f"{chart}.svg")]
    if not case.deidentified:
        files.append(("cBioPortal study (ZIP)", "cbioportal.zip"))
    return files


def export_buttons(path: str, stamp: Stamp, view: View, colors: tuple = ()) -> None:
    """Download buttons: slides (PPTX), handout (PDF), events (CSV), FHIR bundle (JSON) and cBioPortal study (ZIP)
    for identified views only, and each chart as PNG and SVG, of the case file `path` (at version `stamp`) as `view`
    shows it (de-identified exports: relative axis, no dates, source, quotes or notes), each therapy in the colour
    the screen gives it (``colors``, the folder's)."""
    case = cache.export_case(path, stamp, view, colors)
    stem = neutral_file_stem(cache.entry(path, stamp).case_id) if view.deidentified else case.case_id
    # One full-width button a row: each says what it holds and its format in full (three to a row cut them to
    # 'Sli…', 'Ha…' in the sidebar).
    for label, what in export_files(case):
        st.download_button(label, data=_later(path, stamp, view, what, colors), file_name=f"{stem}.{what}",
                           mime=MIME[what.rsplit(".", 1)[-1]], on_click="ignore", key=f"export-{case.case_id}-{what}",
                           width="stretch", icon=":material/download:")
    if case.deidentified:
        st.caption("De-identified exports: months since day 0, no calendar dates, source, quotes or notes. The FHIR "
                   "bundle is offered only with identified views.")


def _later(path: str, stamp: Stamp, view: View, what: str, colors: tuple = ()):
    """A callable for st.download_button: the file is made when the button is clicked."""
    return lambda: cache.export_file(path, stamp, view, what, colors)
