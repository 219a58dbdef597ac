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
from .tables import day_zero_of
from .text import is_missing, shorten
from .time.dates import Calendar
from .time.when import anchor_name, is_dated, say_days, say_months, say_written

HEADER_CALENDAR = ("Date", "Event", "Dose / finding")
HEADER_RELATIVE = ("When", "Event", "Dose / finding")
WORDS_COLUMNS = ("start_words", "end_words")  # the dates as the case file states them, in words
ANCHOR_CHARS = 48  # an event named inside a date in words is shortened to this


class KeyEvent(NamedTuple):
    when: str
    event: str
    detail: str


def key_events(events: pd.DataFrame, relative: bool) -> list[KeyEvent]:
    """Every key event of an event table (timelines.tables.event_table, re-anchored or de-identified as shown), in
    its order: on the calendar axis the dates as written, on the relative axis months since day 0 from the bounds."""
    rows = with_date_words(events, relative)
    rows = rows[rows["kind"].isin(KEY_KINDS) | workup(rows)]
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
    """The start or the end of an event as the case file states it: in words where it is written relative to other
    events ('after mastectomy (2007-07)', a `*_words` column of `with_date_words`), else as precisely as it is
    known: the table's date on the calendar axis (a relative-only date is said in months), months from its bounds
    on the relative axis; '' for an end not reported."""
    if side == "end" and is_missing(row.get("day_end")):
        return ""
    words = row.get(f"{side}_words")
    if not is_missing(words):
        return str(words)
    if not relative and _on_calendar(row, side):
        return str(row.get(side))
    low, high = row.get(f"day_{side}_earliest"), row.get(f"day_{side}_latest")
    return say_months(low, high)


def detail_text(row: dict) -> str:
    """A therapy's dose, its dose changes and its line; for any other event what its fields say (key_details)."""
    if row.get("category") == SYSTEMIC or row.get("kind") == "radiotherapy":
        bits = [str(row.get("dose") or "")]
        if row.get("dose_changes"):
            bits.append("dose changes: " + str(row["dose_changes"]))
        if not is_missing(row.get("line")):
            bits.append(f"line {int(row['line'])}")
        return "; ".join(b for b in bits if b)
    return str(row.get("key_details") or "")


def _on_calendar(row: dict, side: str) -> bool:
    """Whether the table says this side as a calendar date (`start_is_calendar`, `end_is_calendar`)."""
    flag = row.get(f"{side}_is_calendar")
    return not is_missing(flag) and bool(flag)


def with_date_words(events: pd.DataFrame, relative: bool, in_months: bool = False) -> pd.DataFrame:
    """The event table with its dates as the case file states them, in words (`WORDS_COLUMNS`): each event a date
    names is said with that event's own date, calendar on the calendar axis ('after mastectomy (2007-07), before
    breast remission (~2011)'), days since the table's day 0 otherwise ('4 months after crizotinib started (day
    213)'); '' where the date is written as a calendar date. `in_months`: those dates in months since day 0 at
    the precision of their statements ('after mastectomy (months −170 to −169)', `say_months`), as a de-identified
    table says every date. A table that has them (de-identified: made before its ids and dates as written were
    replaced) is returned as it is."""
    if all(c in events for c in WORDS_COLUMNS) or events.empty or "date_text" not in events:
        return events
    rows = {str(row["event_id"]): row for row in events.to_dict("records")}

    def anchor(event_id: str, side: str, own: str = ""):
        row = rows.get(event_id)
        if row is None:
            return None
        if event_id == own:  # an end written from its own start: 'between chemo and remission'
            return "it", True, ""
        interval = row.get("shape") == "interval"
        side = side if interval else "start"
        if side == "end" and is_missing(row.get("day_end")):
            return None if not interval else (_anchor_label(row), True, "end not reported")
        low, high = row.get(f"day_{side}_earliest"), row.get(f"day_{side}_latest")
        date = str(row.get(side)) if not relative and _on_calendar(row, side) else \
            say_offset(low, high) if is_dated(low, high) else ""
        return _anchor_label(row), interval, date

    say_offset = say_months if in_months else say_days
    zero = day_zero_of(events)
    zero = zero.date.toordinal() if zero is not None and zero.date is not None else None

    def in_days(date: Calendar) -> str:  # a calendar date named on the relative axis: days since day 0
        if zero is None:
            return "a calendar date"
        first, last = date.bounds()
        return say_offset(first - zero, last - zero)

    calendar_date = in_days if relative else None
    words = events.copy()
    words["start_words"] = [say_written(text, anchor, calendar_date) for text in events["date_text"]]
    words["end_words"] = [say_written(text, lambda i, side, own=own: anchor(i, side, own), calendar_date)
                          if text and text != "ongoing" else ""
                          for text, own in zip(events["end_text"].fillna(""), events["event_id"].astype(str))]
    return words


def _anchor_label(row: dict) -> str:
    return shorten(anchor_name(row.get("short") or row.get("label") or row.get("event_id")), ANCHOR_CHARS)
