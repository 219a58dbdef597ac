"""Dates as written in case files (exact, partial, approximate, relative, bounded) and their resolution to bounds."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Hashable, Iterator, Mapping

from .errors import DateProblem, did_you_mean

UNITS = ("days", "weeks", "months", "years")
DAYS_PER_MONTH = 365.25 / 12  # used only on cases without a calendar, where a month has no fixed length
APPROXIMATE_DAY_MARGIN = 7  # "~2022-09-24": within a week either side
MIN_YEAR, MAX_YEAR = 1800, 2200  # written calendar dates; resolved dates may reach one year beyond (approximate)
MAX_OFFSET_YEARS = MAX_YEAR - MIN_YEAR  # no offset or duration spans more than the calendar itself
MAX_DATE_CHARS = 200  # "between lorlatinib.end + 3 months and crizotinib.end - 2 weeks" is 60
CYCLE_LINKS_SHOWN = 12
ID_PATTERN = r"[A-Za-z][A-Za-z0-9_-]*"
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
    """A parsed date: `form` is point, after, before, between or origin."""

    form: str
    points: tuple[Point, ...] = ()
    approximate: bool = False
    text: str = ""

    def refs(self) -> list[Ref]:
        return [p.base for p in self.points if isinstance(p.base, Ref)]

    def has_calendar(self) -> bool:
        return any(isinstance(p.base, Calendar) for p in self.points)


@dataclass(frozen=True)
class Bounds:
    """Earliest and latest day: ordinal days on a calendar case, days since day 0 otherwise."""

    earliest: int
    latest: int

    @property
    def mid(self) -> int:
        return (self.earliest + self.latest) // 2


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
    approximate = raw.startswith("~")
    body = raw[1:].strip() if approximate else raw
    words = body.split(None, 1)
    head = words[0].lower() if words else ""
    if head in ("after", "before", "between"):
        if approximate:
            raise DateProblem(f"'{raw}' marks a span as approximate",
                              "'after', 'before' and 'between' are already uncertain; drop the '~'")
        rest = words[1] if len(words) > 1 else ""
        if head == "between":
            parts = re.split(r"\s+and\s+", rest)
            if len(parts) != 2:
                raise DateProblem(f"Cannot read '{raw}'", "write 'between X and Y', e.g. 'between surgery and 2022-03'")
            return DateExpr("between", (parse_point(parts[0], raw), parse_point(parts[1], raw)), text=raw)
        if not rest:
            raise DateProblem(f"'{raw}' says {head} what?", f"write '{head} surgery' or '{head} 2022-03'")
        return DateExpr(head, (parse_point(rest, raw),), text=raw)
    point = parse_point(body, raw)
    if point.offset and point.offset.approximate:
        approximate = True
    return DateExpr("point", (point,), approximate=approximate, text=raw)


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
        return Bounds(bounds.earliest - APPROXIMATE_DAY_MARGIN, bounds.latest + APPROXIMATE_DAY_MARGIN)
    return Bounds(shift(bounds.earliest, -1, unit, on_calendar), shift(bounds.latest, 1, unit, on_calendar, True))


def precision_of(bounds: Bounds) -> str:
    """day, month or year when the bounds are exactly that calendar period, else range."""
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
    """The date as ISO 8601 at the precision its bounds support: 2022-09-08, 2022-09 or 2022."""
    kind = precision_of(bounds)
    first = dt.date.fromordinal(bounds.earliest)
    if kind == "month":
        return f"{first.year:04d}-{first.month:02d}"
    if kind == "year":
        return f"{first.year:04d}"
    return dt.date.fromordinal(bounds.mid).isoformat()


def iso_day(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


# ---------------------------------------------------------------- resolution

Key = Hashable  # (event key, side)


@dataclass(frozen=True)
class Spec:
    """How one date of a case is defined: an expression, or derived from another date."""

    how: str  # expr | same | plus | ongoing | unknown
    expr: DateExpr | None = None
    other: Key | None = None
    offset: Offset | None = None


class Resolver:
    """Resolve every date of a case to bounds, following references between events.

    `specs` maps (event key, side) to a Spec; `ids` maps an event id to its event key;
    `labels` names a key for messages. Raise DateProblem (with `.key` set) on the first
    missing reference, cycle, or impossible date found.
    """

    def __init__(self, specs: Mapping[Key, Spec], ids: Mapping[str, Hashable],
                 labels: Callable[[Key], str], follow_up_keys: tuple[Key, ...] = ()):
        self.specs = specs
        self.ids = ids
        self.labels = labels
        self.on_calendar = any(s.expr is not None and s.expr.has_calendar() for s in specs.values())
        self.origin_keys = [k for k, s in specs.items() if s.expr is not None and s.expr.form == "origin"]
        self.follow_up_keys = follow_up_keys
        self._memo: dict[Key, Bounds | None] = {}
        self._stack: list[Key] = []  # the dates being resolved, each needing the next
        self._on_stack: set[Key] = set()
        self._open = False  # while measuring the case's extent, open spans are not resolvable yet
        self.first = self.last = 0
        self.follow_up: Bounds | None = None

    def resolve_all(self) -> dict[Key, Bounds | None]:
        self._check_anchor()
        closed: dict[Key, Bounds | None] = {}
        for key in self.specs:
            try:
                closed[key] = self._resolve(key)
            except _NeedsExtent:
                self._stack.clear()
                self._on_stack.clear()
        known = [b for b in closed.values() if b is not None]
        self.first = min((b.earliest for b in known), default=0)
        self.last = max((b.latest for b in known), default=0)
        self._open = True
        ups = [b for b in (self._resolve(k) for k in self.follow_up_keys) if b is not None]
        self.follow_up = max(ups, key=lambda b: b.latest) if ups else Bounds(self.last, self.last)
        return {key: self._resolve(key) for key in self.specs}

    def _check_anchor(self) -> None:
        if self.on_calendar and self.origin_keys:
            raise _located(self.origin_keys[0], DateProblem(
                "'origin' is for cases with no calendar date, but this case has calendar dates",
                "date this event with a calendar date, or make the calendar dates relative to it"))
        if len(self.origin_keys) > 1:
            raise _located(self.origin_keys[1], DateProblem(
                f"'origin' is used more than once (first on {self.labels(self.origin_keys[0])})",
                "use 'origin' once and date the other events relative to it"))
        if not self.on_calendar and not self.origin_keys and self.specs:
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
        computing can go ahead (every date it needs is known, or it is about to report a problem)."""
        for needed, is_reference in self._dependencies(self.specs[key]):
            if needed not in self._memo:
                return needed
            if is_reference and self._memo[needed] is None:  # computing reports the missing end date
                return None
        return None

    def _dependencies(self, spec: Spec) -> Iterator[tuple[Key, bool]]:
        """The dates that computing a spec resolves, in the order it resolves them."""
        if spec.how in ("same", "plus") or spec.how == "ongoing" and self._open:
            yield spec.other, False
        if spec.how != "expr" or spec.expr.form in ("after", "before") and not self._open:
            return
        for ref in spec.expr.refs():
            if ref.event_id not in self.ids:  # computing reports the unknown id
                return
            yield (self.ids[ref.event_id], ref.side), True

    def _computed(self, key: Key) -> Bounds | None:
        try:
            result = self._compute(key, self.specs[key])
            if result is not None:
                self._check_range(result)
        except DateProblem as problem:
            raise _located(key, problem)
        return result

    def _check_range(self, bounds: Bounds) -> None:
        """Offsets can carry a date beyond the calendar that written dates are held to."""
        if self.on_calendar:
            low, high = _FIRST_DAY, _LAST_DAY
            for day in (bounds.earliest, bounds.latest):
                if not low <= day <= high:
                    year = dt.date.fromordinal(day).year
                    raise DateProblem(f"This date falls in the year {year}, outside {MIN_YEAR}-{MAX_YEAR}",
                                      "check the offsets and the date they count from")
        elif max(-bounds.earliest, bounds.latest) > _MAX_RELATIVE_DAY:
            raise DateProblem(f"This date is more than {MAX_OFFSET_YEARS} years from day 0",
                              "check the offsets and the date they count from")

    def _compute(self, key: Key, spec: Spec) -> Bounds | None:
        if spec.how == "unknown":
            return None
        if spec.how == "same":
            return self._resolve(spec.other)
        if spec.how == "plus":
            start = self._resolve(spec.other)
            return self._offset(start, spec.offset)
        if spec.how == "ongoing":
            if not self._open:
                raise _NeedsExtent
            start = self._resolve(spec.other)
            if self.follow_up is None:  # the last follow-up itself depends on this therapy's end
                return Bounds(max(self.last, start.earliest), max(self.last, start.latest))
            return Bounds(max(self.follow_up.earliest, start.earliest), max(self.follow_up.latest, start.latest))
        return self._expr(spec.expr)

    def _expr(self, expr: DateExpr) -> Bounds:
        if expr.form == "origin":
            return Bounds(0, 0)
        if expr.form == "point":
            bounds = self._point(expr.points[0])
            point = expr.points[0]
            if expr.approximate and not (point.offset and point.offset.approximate):  # widen once
                unit = point.offset.unit if point.offset else point.base.precision
                bounds = widen(bounds, unit, self.on_calendar)
            return bounds
        if expr.form == "between":
            low, high = self._point(expr.points[0]), self._point(expr.points[1])
            if high.latest < low.earliest:
                raise DateProblem(f"In '{expr.text}' the second date is before the first",
                                  "write the earlier date first: 'between A and B'")
            return Bounds(low.earliest, high.latest)
        if not self._open:
            raise _NeedsExtent
        point = self._point(expr.points[0])
        if expr.form == "after":
            return Bounds(point.earliest, max(point.latest, self.last))
        return Bounds(min(point.earliest, self.first), point.latest)

    def _point(self, point: Point) -> Bounds:
        if isinstance(point.base, Calendar):
            bounds = Bounds(*point.base.bounds())
        else:
            bounds = self._reference(point.base)
        return self._offset(bounds, point.offset) if point.offset else bounds

    def _reference(self, ref: Ref) -> Bounds:
        if ref.event_id not in self.ids:
            raise DateProblem(f"Refers to '{ref.event_id}', which is not the id of any event or diagnosis",
                              did_you_mean(ref.event_id, self.ids) if self.ids else "give the event an id")
        target = (self.ids[ref.event_id], ref.side)
        bounds = self._resolve(target)
        if bounds is None:
            raise DateProblem(f"Refers to the end of '{ref.event_id}', which has no end date",
                              f"give '{ref.event_id}' an end:, a duration: or ongoing: true")
        return bounds

    def _offset(self, bounds: Bounds | None, offset: Offset) -> Bounds | None:
        if bounds is None:
            return None
        moved = Bounds(shift(bounds.earliest, offset.amount, offset.unit, self.on_calendar),
                       shift(bounds.latest, offset.amount, offset.unit, self.on_calendar, True))
        return widen(moved, offset.unit, self.on_calendar) if offset.approximate else moved


_FIRST_DAY = dt.date(MIN_YEAR - 1, 1, 1).toordinal()
_LAST_DAY = dt.date(MAX_YEAR + 1, 12, 31).toordinal()
_MAX_RELATIVE_DAY = MAX_OFFSET_YEARS * 366


class _NeedsExtent(Exception):
    """Raised while the case's first and last dates are still being measured."""


def _located(key: Key, problem: DateProblem) -> DateProblem:
    if getattr(problem, "key", None) is None:
        problem.key = key
    return problem
