"""Dates of a case as FHIR gives them, never more precise than written (see timelines/fhir/bundle.py).

A whole day, month or year is that partial dateTime; a date known within bounds is a Period of them (or the finest
day, month or year holding both, where only a dateTime fits), its written text in `originalText`; a case without a
calendar gives offsets in days from day 0 in `cqf-relativeDateTime` and no calendar date at all.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from ..schema import Diagnosis, field_value
from ..time.dates import Bounds
from ..timeline import Dated, Timeline

ORIGINAL_TEXT = "http://hl7.org/fhir/StructureDefinition/originalText"
RELATIVE_DATE = "http://hl7.org/fhir/StructureDefinition/cqf-relativeDateTime"
UCUM = "http://unitsofmeasure.org"


def partial(first: int, last: int) -> str | None:
    """'2022-09-08', '2022-09' or '2022' when the bounds are exactly that day, month or year; else None."""
    a, b = dt.date.fromordinal(first), dt.date.fromordinal(last)
    if a == b:
        return a.isoformat()
    if a.day == 1 and (b.year, b.month) == (a.year, a.month) and b.day == calendar.monthrange(b.year, b.month)[1]:
        return f"{a:%Y-%m}"
    if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
        return str(a.year)
    return None


def enclosing(bounds: Bounds) -> str | None:
    """The finest day, month or year holding both bounds ('2021' for 2021-10-05 – 2021-12-31); None when they
    straddle a year or a side is open."""
    if not bounds.closed:
        return None
    a, b = dt.date.fromordinal(bounds.earliest), dt.date.fromordinal(bounds.latest)
    if a == b:
        return a.isoformat()
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%Y-%m}"
    return str(a.year) if a.year == b.year else None


def period_sides(bounds: Bounds) -> tuple[str | None, str | None]:
    """The bounds as a Period's start and end (None for an open side), each in the coarsest form that names the
    same boundary: FHIR reads a start '2023-07' as from the first of July and an end '2024-01' as through the last
    of January, so a bound on a month's (or year's) first or last day never looks like a day the source gave."""
    start = end = None
    if bounds.earliest is not None:
        a = dt.date.fromordinal(bounds.earliest)
        start = str(a.year) if (a.month, a.day) == (1, 1) else f"{a:%Y-%m}" if a.day == 1 else a.isoformat()
    if bounds.latest is not None:
        b = dt.date.fromordinal(bounds.latest)
        last = b.day == calendar.monthrange(b.year, b.month)[1]
        end = str(b.year) if (b.month, b.day) == (12, 31) else f"{b:%Y-%m}" if last else b.isoformat()
    return start, end


def original_text(written: str, said: str) -> list[dict]:
    """The date as the case writes it, when it is not a plain calendar date (with what it resolved to)."""
    if written == said:
        return []
    text = written if not said else f"{written} (resolved: {said})"
    return [{"url": ORIGINAL_TEXT, "valueString": text}]


@dataclass(frozen=True)
class When:
    """One date of the case: its bounds, its text as written, and how the timeline says it."""

    bounds: Bounds
    written: str
    said: str

    @property
    def resolved(self) -> str:
        """How the timeline says it; '' when nothing dates it (both bounds open)."""
        return self.said if self.bounds.earliest is not None or self.bounds.latest is not None else ""


def when_of(timeline: Timeline, dated: Dated, side: str = "start") -> When | None:
    """The start (or end) of an event as a When; None for an end the case does not report."""
    event = dated.event
    if side == "start":
        bounds, about = dated.start, dated.about_start
        written = event.date if isinstance(event, Diagnosis) or field_value(event, "date") is not None \
            else field_value(event, "start") or f"{event.duration} before {event.end}"
    else:
        if dated.end is None:
            return None
        bounds, about = dated.end, dated.about_end
        written = field_value(event, "end") or field_value(event, "duration") or ("ongoing" if dated.ongoing else "")
        if field_value(event, "duration") and not field_value(event, "end"):
            written = f"start + {event.duration}"
    return When(bounds, str(written), timeline.say(bounds, about))


def _days(count: int) -> dict:
    return {"value": count, "unit": "d", "system": UCUM, "code": "d"}


@dataclass(frozen=True)
class Dates:
    """How one bundle says its dates: on the calendar, or as offsets from day 0 pointing at `target` (the fullUrl
    of the day-0 event's resource) and `target_path` (its date element)."""

    timeline: Timeline
    target: str
    target_path: str

    def relative(self, when: When) -> dict:
        """cqf-relativeDateTime: days from the start of the day-0 event, a Duration when known to the day, else a
        Range (a side nothing bounds left open). A date wholly before day 0 is 'before-start' with positive days."""
        zero = self.timeline.day_zero
        low, high = (None if d is None else d - zero for d in (when.bounds.earliest, when.bounds.latest))
        before = high is not None and high <= 0 and (low is None or low < 0)
        if before:
            low, high = -high, None if low is None else -low
        if low is not None and low == high:
            offset = [{"url": "offset", "valueDuration": _days(low)}]
        elif low is None and high is None:  # nothing bounds it: no offset (its text as written says what is known)
            offset = []
        else:
            offset = [{"url": "offset", "valueRange": {k: _days(v) for k, v in (("low", low), ("high", high))
                                                       if v is not None}}]
        return {"url": RELATIVE_DATE, "extension": [
            {"url": "target", "valueReference": {"reference": self.target}},
            {"url": "targetPath", "valueString": self.target_path},
            {"url": "relationship", "valueCode": "before-start" if before else "after-start"}, *offset]}

    def date_time(self, name: str, when: When | None) -> dict:
        """A dateTime element `name`: its value at the precision known (none when the bounds straddle a year)."""
        if when is None:
            return {}
        if not self.timeline.on_calendar:
            return {f"_{name}": {"extension": [self.relative(when)] + original_text(when.written, "")}}
        value = enclosing(when.bounds)
        extra = original_text(when.written, when.resolved)
        out = {name: value} if value else {}
        if extra:
            out[f"_{name}"] = {"extension": extra}
        return out

    def period_side(self, name: str, when: When | None, end: bool) -> dict:
        """One side of an interval's Period: the finest day, month or year holding its bounds, else its outer bound."""
        if when is None:
            return {}
        if not self.timeline.on_calendar:
            return {f"_{name}": {"extension": [self.relative(when)] + original_text(when.written, "")}}
        value = enclosing(when.bounds)
        if value is None:  # straddles a year: its outer bound (the written text says it is a bound)
            value = period_sides(when.bounds)[1 if end else 0]
        extra = original_text(when.written, when.resolved)
        return ({name: value} if value else {}) | ({f"_{name}": {"extension": extra}} if extra else {})

    def point(self, prefix: str, when: When, period_only: bool = False) -> dict:
        """A point event's date in an element that takes a dateTime or a Period: `<prefix>DateTime` when the date
        is a whole day, month or year, else (or when `period_only`) `<prefix>Period` of its bounds."""
        if not self.timeline.on_calendar:
            # A Period carrying only the offset: an element the resource requires (MedicationAdministration's
            # effective) is then present, which a dateTime without a value is not to every reader.
            return {f"{prefix}Period": {"extension": [self.relative(when)] + original_text(when.written, "")}}
        exact = partial(when.bounds.earliest, when.bounds.latest) if when.bounds.closed else None
        extra = original_text(when.written, when.resolved)
        if exact and not period_only:
            return {f"{prefix}DateTime": exact} | ({f"_{prefix}DateTime": {"extension": extra}} if extra else {})
        start, end = (exact, exact) if exact else period_sides(when.bounds)
        period = {name: value for name, value in (("start", start), ("end", end)) if value}
        if extra:
            period["extension"] = extra
        return {f"{prefix}Period": period}

    def span(self, prefix: str, dated: Dated) -> dict:
        """An interval event's date: `<prefix>Period` from its start to its end (no end when not reported)."""
        start = when_of(self.timeline, dated)
        end = None if dated.ongoing else when_of(self.timeline, dated, "end")  # still given at the last follow-up
        period = self.period_side("start", start, False) | self.period_side("end", end, True)
        return {f"{prefix}Period": period}
