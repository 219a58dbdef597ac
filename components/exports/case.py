"""A case prepared for export: its tables and summary on the chosen axis and day 0, de-identified when asked."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from timelines.deidentify import REMOVED_COLUMNS, scrub_text
from timelines.endpoints.clinical import recist
from timelines.errors import CaseFileError
from timelines.presentation import View, present
from timelines.summary import case_summary
from timelines.tables import day_zero_of, dose_change_table, event_table, marker_table, measurement_table
from timelines.timeline import Timeline

from .. import charts

EXPORT_WIDTH = 1200  # plot width of the chart files (PNG, SVG); the image adds lane labels and legends
PNG_SCALE = 2  # pixels per CSS pixel: sharp on a projector and in print
CHART_NAMES = ("timeline", "lesions", "markers")
CHART_TITLES = {"timeline": "Timeline", "lesions": "Lesions and imaging", "markers": "Tumor markers and labs"}
MISSING = {"lesions": "No lesion slide: this case reports no lesion measurement and no imaging.",
           "markers": "No marker slide: this case reports no tumor marker or lab value."}

# ---------------------------------------------------------------------------------------------------------------
# The case, prepared for export
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class CaseExport:
    """A case's tables and summary as every export draws them (de-identified when asked)."""

    case_id: str
    title: str
    summary: dict
    events: pd.DataFrame
    measurements: pd.DataFrame
    markers: pd.DataFrame
    assessments: pd.DataFrame
    axis: str
    day_zero_label: str
    deidentified: bool
    source_name: str = ""
    dose_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    event_lines: dict[str, int] = field(default_factory=dict)  # the case-file line of each event (identified only)
    colors: tuple = ()  # the therapy colours of the cases shown with it (charts.Display.colors); () alone

    @property
    def calendar(self) -> bool:
        return self.axis == "calendar"

    @cached_property
    def events_by_id(self) -> dict[str, pd.Series]:
        """Each event's row (its first, for an event drawn in parts), by event id: what speaker notes look up."""
        return dict(self.events.drop_duplicates("event_id").set_index("event_id").iterrows())

    def axis_options(self) -> dict:
        return {"axis": self.axis, "unit": "months", "day_zero_label": self.day_zero_label}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables as CSV files carry them: de-identified ones without quote and note columns."""
        frames = {"events": self.events, "measurements": self.measurements, "markers": self.markers,
                  "dose_changes": self.dose_changes}
        if self.deidentified:
            frames = {name: f.drop(columns=[c for c in REMOVED_COLUMNS if c in f]) for name, f in frames.items()}
        return frames


def prepare_case(timeline: Timeline, *, deidentify: bool = False, axis: str = "calendar",
                 day_zero: tuple[int, str] | None = None, view: View | None = None,
                 colors: tuple = ()) -> CaseExport:
    """Tables, summary and RECIST assessments of a case, de-identified when asked.

    Parameters
    ----------
    timeline
        The loaded case (``timelines.load_case``).
    deidentify
        Relative axis only, no calendar date, no source, no quotes or notes, free text scrubbed
        (``timelines.deidentify``).
    axis
        ``"calendar"`` or ``"relative"``. A case without calendar dates, and any de-identified case, is drawn on
        the relative axis (months since day 0) whatever is asked.
    day_zero
        On the relative axis, the day 0 chosen on screen: ``(days since the case's origin, label)``, one of
        ``timelines.tables.day_zero_choices``. By default the case's own day 0.
    view
        The display choice of the screen (``timelines.presentation.View``), in place of the three above.
    colors
        The therapy colours of the cases the case is shown with (``charts.theme.shared_colors`` of its folder), so
        that the slides colour each therapy as the screen does; empty for a case exported alone.
    """
    if view is None:
        if axis not in charts.AXES:
            raise ValueError(f"Unknown axis {axis!r}. Hint: use one of {', '.join(map(repr, charts.AXES))}")
        view = View(axis=axis, day_zero=None if day_zero is None else day_zero[0],
                    day_zero_label="" if day_zero is None else day_zero[1], deidentified=deidentify)
    view = _drawn(timeline, view)
    deidentify = view.deidentified
    tables = {"events": event_table(timeline), "measurements": measurement_table(timeline),
              "markers": marker_table(timeline), "dose_changes": dose_change_table(timeline)}
    summary = case_summary(timeline)
    tables, summary = present(tables, summary, view)
    events, measurements, markers = tables["events"], tables["measurements"], tables["markers"]
    zero = day_zero_of(events).label
    assessments = charts.assessment_frame(recist(timeline, measurements))
    source = Path(timeline.path).name if timeline.path else ""
    return CaseExport(case_id=summary["id"], title=summary["title"], summary=summary, events=events,
                      measurements=measurements, markers=markers, assessments=assessments, axis=view.axis,
                      day_zero_label=zero, deidentified=deidentify,
                      source_name="" if deidentify else source, dose_changes=tables["dose_changes"],
                      event_lines={} if deidentify else event_lines(timeline), colors=tuple(colors))


def _drawn(timeline: Timeline, view: View) -> View:
    """The view as an export draws it: on the relative axis unless the case has a calendar and is not de-identified;
    a de-identified view's day 0 named without identifying words."""
    relative = not (view.axis == "calendar" and timeline.on_calendar and not view.deidentified)
    label = scrub_text(view.day_zero_label) if view.deidentified else view.day_zero_label
    return replace(view, axis="relative" if relative else "calendar", day_zero_label=label)


def event_lines(timeline: Timeline) -> dict[str, int]:
    """The line each event starts on in its case file, by event id (as the tables name events); empty when the
    case was not loaded from a file or the file cannot be read again."""
    from timelines.reading.yaml_source import parse_read
    from timelines.tables import event_key_id

    try:
        _, source = parse_read(Path(timeline.path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, CaseFileError):  # moved or changed since it was loaded: no lines
        return {}
    lines = {}
    for dated in timeline.items:
        position = source.locate(dated.key)
        if position:
            lines[event_key_id(dated)] = position[0]
    return lines


