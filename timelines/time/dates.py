"""Dates as written in case files (exact, partial, approximate, relative, bounded) and their resolution to bounds."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Hashable, Iterator, Mapping

from ..errors import DateProblem, did_you_mean

UNITS = ("days", "weeks", "months", "years")
DAYS_PER_MONTH = 365.25 / 12  # an average calendar month: durations in months, and offsets without a calendar
APPROXIMATE_DAY_MARGIN = 7  # "~2022-09-24": within a week either side
# "~X + 4 years", "four years later": a figure in years is the paper's rounding to the year, so half a year either
# side (3.5 to 4.5 years), not a whole year (3 to 5). Months, weeks and days keep one unit (a week for days).
APPROXIMATE_YEAR_OFFSET_MONTHS = 6
MIN_YEAR, MAX_YEAR = 1800, 2200  # written calendar dates; resolved dates may reach one year beyond (approximate)
MAX_OFFSET_YEARS = MAX_YEAR - MIN_YEAR  # no offset or duration spans more than the calendar itself
MAX_DATE_CHARS = 200  # "between lorlatinib.end + 3 months and crizotinib.end - 2 weeks" is 60
CYCLE_LINKS_SHOWN = 12
UPON_WINDOW = "1 month"  # 'upon progression': at the progression or within a month after it, unless 'within' says
ID_PATTERN = r"[A-Za-z][A-Za-z0-9_-]*"
ORIGIN = "origin"  # day 0 of a case without a calendar: 'date: origin', and 'origin + 30 days' counts from it
UNKNOWN_WORDS = ("unknown", "unclear", "na", "n/a", "none", "tbd", "not_reported", "not-reported", "unreported")
DATE_FORMS_HINT = (
    "write a date as 2022-09-08, 2022-09 or 2022; ~2021-10 when approximate; "
    "'lorlatinib + 3 months' or 'surgery.end - 2 weeks' relative to an event; "
    "'after surgery', 'before surgery' or 'between surgery and 2022-03' when only the order is known"
)

_CALENDAR = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_OFFSET = re.compile(r"^(~)?(\d+)\s*(day|week|month|year)s?$")
_POINT = re.compile(r"^(?P<base>\S+)(?:\s+(?P<op>[+-])\s+(?P<offset>.+))?$")
_REF = re.compile(rf"^(?P<id>{ID_PATTERN})(?:\.(?P<side>start|end))?$")


@dataclass(frozen=True)
class Calendar:
    """A calendar date written to day, month or year precision."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def bounds(self) -> tuple[int, int]:
        if self.day:
            d = dt.date(self.year, self.month, self.day).toordinal()
            return d, d
        if self.month:
            last = calendar.monthrange(self.year, self.month)[1]
            return (dt.date(self.year, self.month, 1).toordinal(),
                    dt.date(self.year, self.month, last).toordinal())
        return dt.date(self.year, 1, 1).toordinal(), dt.date(self.year, 12, 31).toordinal()


@dataclass(frozen=True)
class Ref:
    """The start or end of the event with this id."""

    event_id: str
    side: str = "start"


@dataclass(frozen=True)
class Offset:
    """A signed whole number of days, weeks, months or years."""

    amount: int
    unit: str  # singular: day, week, month, year
    approximate: bool = False


@dataclass(frozen=True)
class Point:
    base: Calendar | Ref
    offset: Offset | None = None


@dataclass(frozen=True)
class DateExpr:
    """A parsed date: `form` is point, after, before, between, upon, origin or unknown (only with a drawn day).
    `window` is how long after its point an 'upon' date can be (UPON_WINDOW unless written 'upon X within 3
    months'). `drawn` is the day a chart draws the date on, where the text says it ('..., drawn at dx + 41 days'):
    it places the drawing only, never the bounds."""

    form: str
    points: tuple[Point, ...] = ()
    approximate: bool = False
    text: str = ""
    window: Offset | None = None
    drawn: Point | None = None

    def refs(self, drawn: bool = False) -> list[Ref]:
        """The events the date counts from (and the one it is drawn at, with `drawn`)."""
        points = (*self.points, self.drawn) if drawn and self.drawn is not None else self.points
        return [p.base for p in points if isinstance(p.base, Ref)]

    def has_calendar(self) -> bool:
        return any(isinstance(p.base, Calendar) for p in (*self.points, *((self.drawn,) if self.drawn else ())))


@dataclass(frozen=True)
class Bounds:
    """Earliest and latest day: ordinal days on a calendar case, days since day 0 otherwise.

    None on a side that nothing in the case bounds: 'after X' with nothing later in the case is open."""

    earliest: int | None
    latest: int | None

    @property
    def closed(self) -> bool:
        return self.earliest is not None and self.latest is not None

    @property
    def exact(self) -> bool:
        return self.earliest is not None and self.earliest == self.latest


# ---------------------------------------------------------------- parsing

def date_text(value: object) -> str:
    """The date as text: YAML gives a bare year such as 2007 as a number."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DateProblem(f"Expected a date, got {kind_of(value)}", DATE_FORMS_HINT)
    return str(value).strip()


def kind_of(value: object) -> str:
    """What a value that is not a date is, in the words of a YAML author."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes, no, on and off as true or false)"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"the number {value}" if isinstance(value, (int, float)) else "a value of another kind"


@lru_cache(maxsize=65536)
def parse_date(text: str) -> DateExpr:
    """Parse a date as written in a case file; raise DateProblem with a hint when it cannot be read."""
    raw = text.strip()
    if not raw:
        raise DateProblem("The date is empty", DATE_FORMS_HINT)
    if len(raw) > MAX_DATE_CHARS:  # also keeps hostile text out of the cache above
        raise DateProblem(f"The date '{raw[:40].rstrip()}...' is {len(raw):,} characters long",
                          f"a date is at most {MAX_DATE_CHARS} characters; " + DATE_FORMS_HINT)
    if raw == "origin":
        return DateExpr("origin", text=raw)
    _refuse_look_alikes(raw)
    drawn = _DRAWN_AT.match(raw)
    if drawn:
        return _drawn_at(drawn["date"].strip(), (drawn["point"] or "").strip(), raw)
    approximate = raw.startswith("~")
    body = raw[1:].strip() if approximate else raw
    words = body.split(None, 1)
    head = words[0].lower() if words else ""
    if head in ("after", "before", "between", "upon"):
        if approximate:
            raise DateProblem(f"'{raw}' marks a span as approximate",
                              f"'{head}' is already uncertain; drop the '~'" if head == "upon" else
                              "'after', 'before' and 'between' are already uncertain; drop the '~'")
        return _span(head, words[1] if len(words) > 1 else "", raw)
    point = parse_point(body, raw)
    if point.offset and point.offset.approximate:
        approximate = True
    return DateExpr("point", (point,), approximate=approximate, text=raw)


def _span(head: str, rest: str, raw: str) -> DateExpr:
    """'after X', 'before X', 'between X and Y', 'upon X': `rest` is what follows the first word."""
    if head == "upon":
        return _upon(rest, raw)
    if head == "between":
        parts = re.split(r"\s+and\s+", rest)
        if len(parts) != 2:
            raise DateProblem(f"Cannot read '{raw}'", "write 'between X and Y', e.g. 'between surgery and 2022-03'")
        return DateExpr("between", (parse_point(parts[0], raw), parse_point(parts[1], raw)), text=raw)
    if not rest:
        raise DateProblem(f"'{raw}' says {head} what?", f"write '{head} surgery' or '{head} 2022-03'")
    return DateExpr(head, (parse_point(rest, raw),), text=raw)


_DRAWN_AT = re.compile(r"^(?P<date>.*?),\s*drawn at(?:\s+(?P<point>.*))?$", re.IGNORECASE)


def _drawn_at(date: str, point: str | None, raw: str) -> DateExpr:
    """'between dx + 30 days and dx + 60 days, drawn at dx + 41 days': the date, and the day a chart draws it on
    (a cBioPortal study gives both, the window and START_DATE). 'unknown, drawn at dx + 41 days': a date nothing
    bounds, drawn there."""
    if not point:
        raise DateProblem(f"'{raw}' says drawn at what?", "write e.g. 'between dx + 30 days and dx + 60 days, drawn "
                          "at dx + 41 days'")
    at = parse_point(point, raw)
    if date.lower() == "unknown":
        return DateExpr("unknown", text=raw, drawn=at)
    expr = parse_date(date)
    if expr.form == "origin" or expr.drawn is not None:
        raise DateProblem(f"'{raw}' gives a drawn day to {'day 0' if expr.form == 'origin' else 'a drawn day'}",
                          "a date takes one 'drawn at', and 'origin' is drawn at day 0")
    return replace(expr, text=raw, drawn=at)


def _upon(rest: str, raw: str) -> DateExpr:
    """'upon X' ("upon progression, X was started"): at X or shortly after it, by default within UPON_WINDOW;
    'upon X within 3 months' says how long after."""
    parts = re.split(r"\s+within(?:\s+|$)", rest, maxsplit=1)
    point_text = parts[0].strip()
    if not point_text or point_text == "within":
        raise DateProblem(f"'{raw}' says upon what?",
                          "write 'upon progression' (at the progression or within a month after it) or "
                          "'upon progression within 3 months'")
    if len(parts) == 1:
        return DateExpr("upon", (parse_point(point_text, raw),), text=raw, window=parse_offset(UPON_WINDOW))
    window_text = parts[1].strip()
    if not window_text:
        raise DateProblem(f"'{raw}' says within what?", f"write 'upon {point_text} within 3 months', or "
                          f"'upon {point_text}' for the default (within {UPON_WINDOW})")
    if window_text.startswith("~"):
        raise DateProblem(f"'{raw}' marks the window of 'upon' as approximate",
                          "the window is already a span (at the event or up to that long after it); drop the '~'")
    try:
        window = parse_offset(window_text, raw)
    except DateProblem as problem:
        raise DateProblem(problem.message, f"write the window as a whole number and a unit: 'upon {point_text} "
                          "within 2 weeks', 'within 3 months'") from None
    if window.amount <= 0:
        raise DateProblem(f"The window in '{raw}' is not longer than zero",
                          f"write '{point_text}' for the same day, or a window such as 'within 2 weeks'")
    return DateExpr("upon", (parse_point(point_text, raw),), text=raw, window=window)


# Characters that look like the ones a date is written with, but are others: pasted from a word processor or a PDF.
_LOOK_ALIKES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d\uff0b\u02dc\u223c\uff5e\u301c]|(?![0-9])\d")


def _refuse_look_alikes(raw: str) -> None:
    found = _LOOK_ALIKES.search(raw)
    if found is None:
        return
    char = found.group()
    name = unicodedata.name(char, "a character").lower()
    meant = "a digit 0-9" if char.isdigit() else {"\uff0b": "'+'"}.get(char) or (
        "'~'" if char in "\u02dc\u223c\uff5e\u301c" else "'-'")
    raise DateProblem(f"The date '{raw}' holds '{char}' (U+{ord(char):04X}, {name}), which looks like {meant} but is "
                      "another character", f"type {meant} in its place; such characters come with text pasted from a "
                      "word processor or a PDF")


def parse_point(text: str, whole: str | None = None) -> Point:
    whole = whole or text
    if re.search(r"\S\+|\+\S|\s-\S|\S-\s", text):  # '-' inside ids and dates is fine
        raise DateProblem(f"Cannot read the date '{whole}'", "put spaces on both sides of + and -: 'lorlatinib + 1 month'")
    m = _POINT.match(text.strip())
    if not m:
        raise DateProblem(f"Cannot read the date '{whole}'", DATE_FORMS_HINT)
    base = _parse_base(m["base"], whole)
    if not m["op"]:
        return Point(base)
    return Point(base, parse_offset(m["offset"], whole, sign=-1 if m["op"] == "-" else 1))


def parse_offset(text: str, whole: str | None = None, sign: int = 1) -> Offset:
    """An offset or a duration such as '3 months', '~2 weeks' or '1 year'."""
    m = _OFFSET.match(str(text).strip().lower())
    where = f" in '{whole}'" if whole and whole != text else ""
    if not m:
        raise DateProblem(f"Cannot read the offset '{text}'{where}",
                          "write a whole number and a unit: '3 months', '10 days', '2 weeks', '1 year' (add ~ when approximate: '~3 months')")
    if len(m[2]) > 7 or int(m[2]) * _UNIT_DAYS[m[3]] > MAX_OFFSET_YEARS * 366:
        raise DateProblem(f"The offset '{text}'{where} is longer than {MAX_OFFSET_YEARS} years",
                          "check the number and the unit (days, weeks, months, years)")
    return Offset(sign * int(m[2]), m[3], approximate=bool(m[1]))


_UNIT_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}
_UNIT_MONTHS = {"day": 1 / DAYS_PER_MONTH, "week": 7 / DAYS_PER_MONTH, "month": 1, "year": 12}


def duration_months(text: str) -> float:
    """A duration as the paper gives it ('8 weeks', '240 days', '5 years'), in months of 365.25/12 days."""
    offset = parse_offset(text)
    return abs(offset.amount) * _UNIT_MONTHS[offset.unit]


def _parse_base(text: str, whole: str) -> Calendar | Ref:
    m = _CALENDAR.match(text)
    if m:
        return _calendar(m, whole)
    m = _REF.match(text)
    if m:
        return Ref(m["id"], m["side"] or "start")
    if re.match(rf"^{ID_PATTERN}\.\w+$", text):
        event_id, side = text.split(".", 1)
        raise DateProblem(f"'{text}' in '{whole}' names the side '{side}' of '{event_id}'",
                          f"use '{event_id}.start' or '{event_id}.end'")
    raise DateProblem(f"Cannot read the date '{whole}'", _date_hint(text))


def _calendar(m: re.Match, whole: str) -> Calendar:
    year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
    if month is not None and not 1 <= month <= 12:
        raise DateProblem(f"Month {month} does not exist in '{whole}'", "months run from 01 to 12")
    if day is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateProblem(f"Day {day} does not exist in {year}-{month:02d} in '{whole}'",
                              f"{calendar.month_name[month]} {year} has {last} days")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateProblem(f"The year {year} in '{whole}' is outside {MIN_YEAR}-{MAX_YEAR}",
                          "check for a typing mistake in the year")
    return Calendar(year, month or None, day or None)


def _date_hint(text: str) -> str:
    m = re.match(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$", text)
    if m:
        fixed = f"{m[1]}-{int(m[2]):02d}" + (f"-{int(m[3]):02d}" if m[3] else "")
        return f"write months and days with two digits: '{fixed}'"
    m = re.match(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$", text)
    if m:
        return f"write dates year first, as YYYY-MM-DD: '{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}' if {m[1]} is the day"
    if re.match(r"^\d", text):
        return DATE_FORMS_HINT
    return f"'{text}' is neither a date nor an event id; " + DATE_FORMS_HINT


# ---------------------------------------------------------------- arithmetic

def add_months(ordinal: int, months: int) -> int:
    """Calendar month arithmetic that clamps at month ends (Jan 31 + 1 month = Feb 28 or 29)."""
    d = dt.date.fromordinal(ordinal)
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day).toordinal()


def shift(day: int, amount: int, unit: str, on_calendar: bool, month_end: bool = False) -> int:
    """Move a day by an offset. With month_end, a last day of a month stays the last day of a month,
    so that the latest bound of "2021-09 + 3 months" is 31 December, not the 30th."""
    if unit == "day":
        return day + amount
    if unit == "week":
        return day + 7 * amount
    months = amount * (12 if unit == "year" else 1)
    if on_calendar:
        moved = add_months(day, months)
        if month_end and _is_month_end(day):
            d = dt.date.fromordinal(moved)
            moved = dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1]).toordinal()
        return moved
    return day + round(months * DAYS_PER_MONTH)


def _is_month_end(ordinal: int) -> bool:
    d = dt.date.fromordinal(ordinal)
    return d.day == calendar.monthrange(d.year, d.month)[1]


def widen(bounds: Bounds, unit: str, on_calendar: bool) -> Bounds:
    """Bounds widened by one unit either side, for approximate dates."""
    if unit == "day":
        return Bounds(_plus(bounds.earliest, -APPROXIMATE_DAY_MARGIN), _plus(bounds.latest, APPROXIMATE_DAY_MARGIN))
    return Bounds(_shifted(bounds.earliest, -1, unit, on_calendar),
                  _shifted(bounds.latest, 1, unit, on_calendar, True))


def widen_offset(bounds: Bounds, unit: str, on_calendar: bool) -> Bounds:
    """Bounds of a date written with an approximate offset ('~X + 4 years'), widened as the offset's figure is
    uncertain: half a year either side for years, one unit otherwise (see offset_range)."""
    if unit != "year":
        return widen(bounds, unit, on_calendar)
    margin = APPROXIMATE_YEAR_OFFSET_MONTHS
    return Bounds(_shifted(bounds.earliest, -margin, "month", on_calendar),
                  _shifted(bounds.latest, margin, "month", on_calendar, True))


def precision_of(bounds: Bounds) -> str:
    """day, month or year when the bounds are exactly that calendar period; range or open otherwise."""
    if not bounds.closed:
        return "open"
    if bounds.earliest == bounds.latest:
        return "day"
    first, last = dt.date.fromordinal(bounds.earliest), dt.date.fromordinal(bounds.latest)
    if first.day == 1 and (first.year, first.month) == (last.year, last.month) \
            and last.day == calendar.monthrange(last.year, last.month)[1]:
        return "month"
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return "year"
    return "range"


def iso(bounds: Bounds) -> str:
    """The date as ISO 8601 when its bounds are one day, month or year (2022-09-08, 2022-09, 2022), else ''."""
    kind = precision_of(bounds)
    if kind not in ("day", "month", "year"):
        return ""
    first = dt.date.fromordinal(bounds.earliest)
    if kind == "month":
        return f"{first.year:04d}-{first.month:02d}"
    if kind == "year":
        return f"{first.year:04d}"
    return first.isoformat()


def iso_day(ordinal: int | None) -> str:
    return "" if ordinal is None else dt.date.fromordinal(ordinal).isoformat()


# ---------------------------------------------------------------- offsets as distances

def offset_range(offset: Offset, base: Bounds | None, on_calendar: bool) -> tuple[int, int]:
    """The least and greatest number of days an offset can span, counted from a day within `base`.

    Days and weeks are exact. "3 months" after a known day is exact too (calendar arithmetic), and after a day
    known to the month it is the range of what the month's days give; where the base is wide, open, or the case
    has no calendar, it is the range over every start day (a month is 28 to 31 days). "~" widens by one unit:
    "~3 months" spans 2 to 4 months, "~10 days" 3 to 17 days (a week either side); a figure in years by half a
    year: "~4 years" spans 3.5 to 4.5 years (42 to 54 months)."""
    if offset.approximate:
        if offset.unit == "day":
            return offset.amount - APPROXIMATE_DAY_MARGIN, offset.amount + APPROXIMATE_DAY_MARGIN
        if offset.unit == "year":
            sign, months = (-1 if offset.amount < 0 else 1), abs(offset.amount) * 12
            ranges = [offset_range(Offset(sign * n, "month"), base, on_calendar)
                      for n in (months - APPROXIMATE_YEAR_OFFSET_MONTHS, months + APPROXIMATE_YEAR_OFFSET_MONTHS)]
            return min(r[0] for r in ranges), max(r[1] for r in ranges)
        wider = abs(offset.amount) + 1
        sign = -1 if offset.amount < 0 else 1
        ranges = [offset_range(Offset(sign * n, offset.unit), base, on_calendar)
                  for n in (abs(offset.amount) - 1, wider)]
        return min(r[0] for r in ranges), max(r[1] for r in ranges)
    if offset.unit in ("day", "week"):
        days = offset.amount * (7 if offset.unit == "week" else 1)
        return days, days
    months = offset.amount * (12 if offset.unit == "year" else 1)
    if on_calendar and base is not None and base.earliest is not None and base.latest is not None \
            and base.latest - base.earliest <= _SPAN_COUNTED_BY_MONTH:
        return _month_steps(base.earliest, base.latest, months)
    return _any_month_steps(months)


_SPAN_COUNTED_BY_MONTH = 2 * 366  # a base known to two years or better is counted month by month


def _month_steps(first: int, last: int, months: int) -> tuple[int, int]:
    """Least and greatest `add_months(x, months) - x` for x in [first, last], a month-end staying a month-end."""
    low, high = None, None
    day = first
    while day <= last:
        d = dt.date.fromordinal(day)
        month_last = dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1]).toordinal()
        end = min(last, month_last)
        steps = (add_months(end, months) - end, add_months(day, months) - day,
                 shift(end, months, "month", True, month_end=True) - end)
        low = min(steps) if low is None else min(low, *steps)
        high = max(steps) if high is None else max(high, *steps)
        day = end + 1
    return low, high


@lru_cache(maxsize=4096)
def _any_month_steps(months: int) -> tuple[int, int]:
    """`_month_steps` over every day of 32 years: every pattern of month lengths and leap years."""
    return _month_steps(dt.date(2000, 1, 1).toordinal(), dt.date(2031, 12, 31).toordinal(), months)


# ---------------------------------------------------------------- written bounds

Key = Hashable  # (event key, side)
OPEN = Bounds(None, None)


@dataclass(frozen=True)
class Spec:
    """How one date of a case is defined: an expression, or derived from another date."""

    how: str  # expr | same | plus | ongoing | unknown
    expr: DateExpr | None = None
    other: Key | None = None
    offset: Offset | None = None


class Resolver:
    """Each date's bounds from its own statement and the dates it refers to, one date at a time.

    These written bounds hold the truth but are loose: relations between dates (an interval's length, the
    order of two uncertain dates) are the temporal network's work (timelines/time/resolution.py), which starts from
    them. Here references are followed deepest first, so a missing reference or a cycle is reported on the
    date that has it. `specs` maps (event key, side) to a Spec; `ids` maps an event id to its event key;
    `labels` names a key for messages. 'after X' has no latest bound here and 'before X' no earliest; an
    ongoing end and an end not reported have none at all (OPEN, None)."""

    def __init__(self, specs: Mapping[Key, Spec], ids: Mapping[str, Hashable],
                 labels: Callable[[Key], str]):
        self.specs = specs
        self.ids = ids
        self.labels = labels
        self.on_calendar = any(s.expr is not None and s.expr.has_calendar() for s in specs.values())
        self.origin_keys = [k for k, s in specs.items() if s.expr is not None and s.expr.form == "origin"]
        # Dates that count from day 0 itself ('origin + 30 days'; an event with the id 'origin' is that event).
        self.day_zero_keys = [k for k, s in specs.items() if s.expr is not None and ORIGIN not in ids
                              and any(r.event_id == ORIGIN for r in s.expr.refs(drawn=True))]
        self._memo: dict[Key, Bounds | None] = {}
        self._stack: list[Key] = []  # the dates being resolved, each needing the next
        self._on_stack: set[Key] = set()
        self._cut: set[tuple[Key, Key]] = set()  # references that close a cycle of order statements
        self._current: Key | None = None

    def resolve_all(self) -> dict[Key, Bounds | None]:
        self._check_anchor()
        return {key: self._resolve(key) for key in self.specs}

    def _check_anchor(self) -> None:
        if self.on_calendar and (self.origin_keys or self.day_zero_keys):
            raise _located((self.origin_keys or self.day_zero_keys)[0], DateProblem(
                "'origin' is for cases with no calendar date, but this case has calendar dates",
                "date this event with a calendar date, or make the calendar dates relative to it"))
        if len(self.origin_keys) > 1:
            raise _located(self.origin_keys[1], DateProblem(
                f"'origin' is used more than once (first on {self.labels(self.origin_keys[0])})",
                "use 'origin' once and date the other events relative to it"))
        if not self.on_calendar and not self.origin_keys and not self.day_zero_keys and self.specs:
            key = next(iter(self.specs))
            raise _located(key, DateProblem(
                "The case has no calendar date and no 'origin', so nothing anchors its dates",
                "date one event (usually the diagnosis) 'origin', or give it a calendar date"))

    def _resolve(self, key: Key) -> Bounds | None:
        """The bounds of one date. The dates it refers to are resolved first, deepest first, on an
        explicit stack: a chain of thousands of relative dates never deepens the Python call stack."""
        if key in self._memo:
            return self._memo[key]
        base = len(self._stack)
        self._push(key)
        while len(self._stack) > base:
            current = self._stack[-1]
            needed = self._next_dependency(current)
            if needed is not None:
                self._push(needed)
                continue
            self._memo[current] = self._computed(current)
            self._stack.pop()
            self._on_stack.discard(current)
        return self._memo[key]

    def _push(self, key: Key) -> None:
        if key in self._on_stack:
            loop = [self.labels(k) for k in self._stack[self._stack.index(key):] + [key]]
            if len(loop) > CYCLE_LINKS_SHOWN + 1:
                loop = loop[:CYCLE_LINKS_SHOWN] + [f"... ({len(loop) - CYCLE_LINKS_SHOWN - 1:,} more)", loop[-1]]
            raise _located(key, DateProblem(
                "Dates refer to each other in a cycle: " + " -> ".join(loop),
                "date one of these events with a calendar date or relative to an event outside the cycle"))
        self._stack.append(key)
        self._on_stack.add(key)

    def _next_dependency(self, key: Key) -> Key | None:
        """The first date that computing `key` will ask for and that is not resolved yet; None when
        computing can go ahead (every date it needs is known, or it is about to report a problem).

        A reference back into the dates being resolved closes a cycle. When every date of the cycle only
        states an order ('pain between wbrt and mri', 'mri after pain'), the cycle is fine: that reference
        is read as open here, and the temporal network orders them. Through an offset it is an error."""
        for needed, is_reference in self._dependencies(self.specs[key]):
            if (key, needed) in self._cut:
                continue
            if needed in self._on_stack and self._orders_only(self._stack[self._stack.index(needed):]):
                self._cut.add((key, needed))
                continue
            if needed not in self._memo:
                return needed
            if is_reference and self._memo[needed] is None:  # computing reports the missing end date
                return None
        return None

    def _dependencies(self, spec: Spec) -> Iterator[tuple[Key, bool]]:
        """The dates that computing a spec resolves, in the order it resolves them."""
        if spec.how in ("same", "plus"):
            yield spec.other, False
        if spec.how != "expr":
            return
        for ref in spec.expr.refs():
            if ref.event_id == ORIGIN and ORIGIN not in self.ids:  # day 0 itself
                continue
            if ref.event_id not in self.ids:  # computing reports the unknown id
                return
            yield (self.ids[ref.event_id], ref.side), True

    def _orders_only(self, keys: list[Key]) -> bool:
        return all(self.specs[k].how == "expr" and self.specs[k].expr.form in ("after", "before", "between")
                   for k in keys)

    def _computed(self, key: Key) -> Bounds | None:
        self._current = key
        try:
            result = self._compute(self.specs[key])
            if result is not None:
                self._check_range(result)
        except DateProblem as problem:
            raise _located(key, problem)
        return result

    def _check_range(self, bounds: Bounds) -> None:
        """Offsets can carry a date beyond the calendar that written dates are held to."""
        for day in (bounds.earliest, bounds.latest):
            if day is None:
                continue
            if self.on_calendar and not _FIRST_DAY <= day <= _LAST_DAY:
                year = dt.date.fromordinal(min(max(day, 1), _MAX_ORDINAL)).year
                raise DateProblem(f"This date falls in the year {year}, outside {MIN_YEAR}-{MAX_YEAR}",
                                  "check the offsets and the date they count from")
            if not self.on_calendar and abs(day) > _MAX_RELATIVE_DAY:
                raise DateProblem(f"This date is more than {MAX_OFFSET_YEARS} years from day 0",
                                  "check the offsets and the date they count from")

    def _compute(self, spec: Spec) -> Bounds | None:
        if spec.how == "unknown":
            return None
        if spec.how == "ongoing":
            return OPEN
        if spec.how == "same":
            return self._resolve(spec.other)
        if spec.how == "plus":
            return self._offset(self._resolve(spec.other), spec.offset)
        return self._expr(spec.expr)

    def _expr(self, expr: DateExpr) -> Bounds:
        if expr.drawn is not None and isinstance(expr.drawn.base, Ref) \
                and expr.drawn.base.event_id not in (*self.ids, ORIGIN):
            raise DateProblem(f"'{expr.text}' is drawn at '{expr.drawn.base.event_id}', which is not the id of any "
                              "event or diagnosis", did_you_mean(expr.drawn.base.event_id, self.ids) if self.ids
                              else "give the event an id")
        if expr.form == "origin":
            return Bounds(0, 0)
        if expr.form == "unknown":  # nothing bounds it but the case (the last follow-up): the network says
            return OPEN
        if expr.form == "point":
            point = expr.points[0]
            bounds = self._point(point)
            if expr.approximate and not (point.offset and point.offset.approximate):  # widen once
                if point.offset:
                    bounds = widen_offset(bounds, point.offset.unit, self.on_calendar)
                else:
                    bounds = widen(bounds, getattr(point.base, "precision", "day"), self.on_calendar)
            return bounds
        if expr.form == "upon":  # at the point, or up to its window after it
            point = self._point(expr.points[0])
            return Bounds(point.earliest, _plus(point.latest, offset_range(expr.window, point, self.on_calendar)[1]))
        if expr.form == "between":
            low, high = self._point(expr.points[0]), self._point(expr.points[1])
            if None not in (high.latest, low.earliest) and high.latest < low.earliest:
                raise DateProblem(f"In '{expr.text}' the second date is before the first",
                                  "write the earlier date first: 'between A and B'")
            return Bounds(low.earliest, high.latest)
        point = self._point(expr.points[0])
        return Bounds(point.earliest, None) if expr.form == "after" else Bounds(None, point.latest)

    def _point(self, point: Point) -> Bounds:
        if isinstance(point.base, Calendar):
            bounds = Bounds(*point.base.bounds())
        else:
            bounds = self._reference(point.base)
        return self._offset(bounds, point.offset) if point.offset else bounds

    def _reference(self, ref: Ref) -> Bounds:
        if ref.event_id == ORIGIN and ORIGIN not in self.ids:  # 'origin + 30 days': from day 0 itself
            return Bounds(0, 0)
        if ref.event_id not in self.ids and ref.event_id.lower() in UNKNOWN_WORDS:
            side = self._current[1] if self._current else None
            raise DateProblem(f"'{ref.event_id}' is not a date: the paper does not say when", {
                "end": "for an end the paper does not report, leave end: out (the bar then runs, faded, to the next "
                       "event it is tied to); or bound it: 'end: before X' or 'end: between A and B'",
            }.get(side, "when the paper does not say when, bound it by the events it lies between: 'after X', "
                        "'before X' or 'between A and B'"))
        if ref.event_id not in self.ids:
            raise DateProblem(f"Refers to '{ref.event_id}', which is not the id of any event or diagnosis",
                              did_you_mean(ref.event_id, self.ids) if self.ids else "give the event an id")
        target = (self.ids[ref.event_id], ref.side)
        if (self._current, target) in self._cut:  # a cycle of order statements: the network orders them
            return OPEN
        bounds = self._resolve(target)
        if bounds is None:  # an end that is not reported: a point of the network, bounded only by what it ties to
            return OPEN
        return bounds

    def _offset(self, bounds: Bounds | None, offset: Offset) -> Bounds | None:
        if bounds is None:
            return None
        if not self.on_calendar and offset.unit in ("month", "year"):
            low, high = offset_range(offset, None, False)
            return Bounds(_plus(bounds.earliest, low), _plus(bounds.latest, high))
        moved = Bounds(_shifted(bounds.earliest, offset.amount, offset.unit, self.on_calendar),
                       _shifted(bounds.latest, offset.amount, offset.unit, self.on_calendar, True))
        return widen_offset(moved, offset.unit, self.on_calendar) if offset.approximate else moved


def _plus(day: int | None, days: int) -> int | None:
    return None if day is None else day + days


def _shifted(day: int | None, amount: int, unit: str, on_calendar: bool, month_end: bool = False) -> int | None:
    if day is None:
        return None
    if on_calendar and not 1 <= day <= _MAX_ORDINAL:  # already outside the calendar: _check_range says so
        return day
    try:
        return shift(day, amount, unit, on_calendar, month_end)
    except (ValueError, OverflowError):  # past year 1 or 9999: far outside the calendar, said by _check_range
        return day + amount * _UNIT_DAYS[unit]


_FIRST_DAY = dt.date(MIN_YEAR - 1, 1, 1).toordinal()
_LAST_DAY = dt.date(MAX_YEAR + 1, 12, 31).toordinal()
_MAX_ORDINAL = dt.date.max.toordinal()
_MAX_RELATIVE_DAY = MAX_OFFSET_YEARS * 366


def _located(key: Key, problem: DateProblem) -> DateProblem:
    if getattr(problem, "key", None) is None:
        problem.key = key
    return problem
