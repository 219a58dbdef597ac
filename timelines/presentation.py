"""How a case is shown: the display choice as one frozen value, the step that puts a case's tables on it, and which
views a case has data for.

The screen, the tumor board and the exports draw the same tables; `present` is the one place that re-anchors them on
the chosen day 0 and de-identifies them, in that order (a de-identified label of day 0 is scrubbed like the rest).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .deidentify import deidentify_tables
from .tables import rebase_days

AXES = ("calendar", "relative")
UNITS = ("months", "days")
FRAMES = ("events", "measurements", "markers", "dose_changes")


@dataclass(frozen=True)
class View:
    """The display choice: the time axis and its unit, the day 0 of the relative axis (days since the case's origin,
    and what it is, as an axis title says it), and whether the case is shown de-identified.

    Frozen and hashable, so that it can key a cache: two equal choices show the same pictures."""

    axis: str = "relative"
    unit: str = "months"
    day_zero: int | None = None
    day_zero_label: str = ""
    deidentified: bool = False

    def __post_init__(self) -> None:
        if self.axis not in AXES:
            raise ValueError(f"Unknown axis {self.axis!r}. Hint: use one of {', '.join(map(repr, AXES))}")
        if self.unit not in UNITS:
            raise ValueError(f"Unknown unit {self.unit!r}. Hint: use one of {', '.join(map(repr, UNITS))}")

    @property
    def rebased(self) -> bool:
        """Whether the tables are counted from a chosen day 0 (on the relative axis)."""
        return self.axis == "relative" and self.day_zero is not None

    def axis_options(self) -> dict:
        """What every chart builder takes about the axis."""
        return {"axis": self.axis, "unit": self.unit, "day_zero_label": self.day_zero_label}


def present(tables: dict[str, pd.DataFrame], summary: dict, view: View) -> tuple[dict[str, pd.DataFrame], dict]:
    """The event, measurement, marker and dose-change tables and the summary as `view` shows them: re-anchored on
    its day 0 (on the relative axis; the tables' day 0 moves there and takes its label), then de-identified when
    asked (no calendar date, no source, no quotes, neutral ids; the columns are kept, emptied, so that every view
    draws from the same shape)."""
    frames = {name: tables[name] for name in FRAMES}
    if view.rebased:
        frames = {name: rebase_days(frame, view.day_zero, view.day_zero_label or None)
                  for name, frame in frames.items()}
    if view.deidentified:
        clean = deidentify_tables(frames["events"], frames["measurements"], frames["markers"], summary,
                                  keep_columns=True, dose_changes=frames["dose_changes"])
        frames, summary = {name: clean[name] for name in FRAMES}, clean["summary"]
    return frames, summary


# What a view without data is replaced by: the case page and the board leave the view out and say why.
MISSING_VIEWS = {"lesions": "No lesion measurement or imaging in this case.",
                 "markers": "No tumor marker or lab value in this case."}


def has_data(name: str, events: pd.DataFrame, measurements: pd.DataFrame, markers: pd.DataFrame) -> bool:
    """Whether a case has anything to draw in a chart: every case has a timeline; lesions need a measurement or
    an imaging event; markers need a value."""
    if name == "lesions":
        return not measurements.empty or bool(events["kind"].eq("imaging").any())
    if name == "markers":
        return not markers.empty
    return True
