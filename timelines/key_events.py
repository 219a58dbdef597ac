"""The key events of a case, one line each, as the tumor board's events step and the deck's event slides both say
them: when (as precisely as it is known, with its end), what, and the dose or finding.

Key events are the kinds a tumor board discusses (timelines.kinds.KEY_KINDS), and the presentation and work-up that
led to each diagnosis (timelines.kinds.WORKUP_KINDS: symptoms, examination, labs, imaging, biopsy in the months
before it); later imaging, labs and supportive care are left to the charts and the tables.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from .kinds import KEY_KINDS, SYSTEMIC, WORKUP_KINDS
from .when import is_calendar_text, say_months

HEADER_CALENDAR = ("Date", "Event", "Dose / finding")
HEADER_RELATIVE = ("Month", "Event", "Dose / finding")


class KeyEvent(NamedTuple):
    when: str
    event: str
    detail: str


def key_events(events: pd.DataFrame, relative: bool) -> list[KeyEvent]:
    """Every key event of an event table (timelines.tables.event_table, re-anchored or de-identified as shown), in
    its order: on the calendar axis the dates as written, on the relative axis months since day 0 from the bounds."""
    rows = events[events["kind"].isin(KEY_KINDS) | workup(events)]
    return [KeyEvent(when_text(row, relative), str(row["label"]), detail_text(row)) for row in rows.to_dict("records")]


WORKUP_DAYS = 183  # the work-up of a diagnosis: what came in the six months before it (or is only known before it)


def workup(events: pd.DataFrame) -> pd.Series:
    """Which events are the presentation or work-up of a diagnosis: a symptom, examination, lab, imaging or biopsy
    that came no later than a diagnosis was made (its latest start no later than the diagnosis's latest, and drawn
    no later than it) and not more than WORKUP_DAYS before it (an earliest start not known counts as close)."""
    def bound(frame: pd.DataFrame, side: str) -> pd.Series:
        return pd.to_numeric(frame[f"day_start_{side}"], errors="coerce").fillna(
            pd.to_numeric(frame["day_start"], errors="coerce"))

    candidate = events["kind"].isin(WORKUP_KINDS)
    diagnoses = events[events["kind"] == "diagnosis"]
    if diagnoses.empty or not candidate.any():
        return pd.Series(False, index=events.index)
    latest = pd.to_numeric(events["day_start_latest"], errors="coerce")  # unknown: maybe after the diagnosis
    earliest = pd.to_numeric(events["day_start_earliest"], errors="coerce")
    drawn = pd.to_numeric(events["day_start"], errors="coerce")
    found = pd.Series(False, index=events.index)
    for d_day, d_earliest, d_latest in zip(pd.to_numeric(diagnoses["day_start"], errors="coerce"),
                                           bound(diagnoses, "earliest"), bound(diagnoses, "latest")):
        if pd.isna(d_latest) or pd.isna(d_day):
            continue
        before = latest.le(d_latest) & drawn.le(d_day)
        close = earliest.isna() | earliest.ge(d_earliest - WORKUP_DAYS)
        found |= candidate & before & close
    return found


def when_text(row: dict, relative: bool) -> str:
    """'2022-09-16 → 2024-10-08, ongoing', '2007-07 – 2011-09' (a date known within a range), '2019-03 →, end not
    reported'; on the relative axis in months since day 0 ('month 12.4 → month 37.4, ongoing')."""
    start = side_text(row, "start", relative)
    if row.get("shape") != "interval":
        return start
    end = side_text(row, "end", relative)
    if row.get("ongoing"):
        return f"{start} → {end}, ongoing" if end else f"{start} →, ongoing"
    return f"{start} → {end}" if end else f"{start} →, end not reported"


def side_text(row: dict, side: str, relative: bool) -> str:
    """The start or the end of an event as precisely as it is known: the table's date as written on the calendar
    axis (a relative-only date is said in months), months from its bounds on the relative axis; '' for an end not
    reported."""
    if side == "end" and _missing(row.get("day_end")):
        return ""
    written = str(row.get(side) or "")
    if not relative and is_calendar_text(written):
        return written
    low, high = row.get(f"day_{side}_earliest"), row.get(f"day_{side}_latest")
    return say_months(low, high).replace("-", "−")


def detail_text(row: dict) -> str:
    """A therapy's dose, its dose changes and its line; for any other event what its fields say (key_details)."""
    if row.get("category") == SYSTEMIC or row.get("kind") == "radiotherapy":
        bits = [str(row.get("dose") or "")]
        if row.get("dose_changes"):
            bits.append("dose changes: " + str(row["dose_changes"]))
        if not _missing(row.get("line")):
            bits.append(f"line {int(row['line'])}")
        return "; ".join(b for b in bits if b)
    return str(row.get("key_details") or "")


def _missing(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and pd.isna(value))
