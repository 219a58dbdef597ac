"""Every export of a case at once, by file name; tables as CSV."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from timelines.cbioportal.write import study_files
from timelines.saving.spreadsheet import csv_text
from timelines.timeline import Timeline

from .case import EXPORT_WIDTH, prepare_case
from .handout import pdf_bytes
from .powerpoint import ZIP_EPOCH, pptx_bytes
from .rendering import case_charts, chart_png, chart_spec, chart_svg
from .slides import case_slides


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV, its text cells safe to open in a spreadsheet (timelines.saving.spreadsheet)."""
    return csv_text(frame).encode("utf-8")


def case_exports(timeline: Timeline, *, deidentify: bool = False, axis: str = "calendar",
                 day_zero: tuple[int, str] | None = None, width: int = EXPORT_WIDTH) -> dict[str, bytes]:
    """Every export of a case, by file name (options as ``prepare_case``).

    Returns
    -------
    dict
        ``<id>.pptx``, ``<id>.pdf``, ``<id>.<chart>.png`` and ``.svg`` for each chart the case has data for
        (timeline, lesions, markers; plot ``width`` px wide, PNG at scale 2), and ``<id>.events.csv``,
        ``<id>.measurements.csv``, ``<id>.markers.csv``, ``<id>.dose_changes.csv``.
    """
    case = prepare_case(timeline, deidentify=deidentify, axis=axis, day_zero=day_zero)
    slides = case_slides(case)
    files = {f"{case.case_id}.pptx": pptx_bytes([slides]), f"{case.case_id}.pdf": pdf_bytes([slides])}
    for name, chart in case_charts(case, width=width).items():
        spec = chart_spec(chart)
        files[f"{case.case_id}.{name}.png"] = chart_png(spec)
        files[f"{case.case_id}.{name}.svg"] = chart_svg(spec)
    for name, frame in case.tables().items():
        files[f"{case.case_id}.{name}.csv"] = csv_bytes(frame)
    return files


def cbioportal_zip(timeline: Timeline) -> bytes:
    """The case as a cBioPortal study in one ZIP file (a folder named after the case), with NOT_CARRIED.txt saying
    what of the case the format cannot hold. Entries carry no export date."""
    folder_name = timeline.case.id.replace("-", "_")  # a study id: letters, digits and underscores
    buffer = io.BytesIO()
    files, lost = study_files([timeline], study_id=folder_name, name=timeline.case.title)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(f"{folder_name}/{name}", ZIP_EPOCH), files[name])
        archive.writestr(zipfile.ZipInfo(f"{folder_name}/NOT_CARRIED.txt", ZIP_EPOCH),
                         "".join(f"{line}\n" for line in lost))
    return buffer.getvalue()
