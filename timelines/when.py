"""Dates said as precisely as they are known, never more: the one formatter of every view and export.

    2022-09-08 · 2022-09 · 2007 · ~2007-07 · 2021-10 – 2021-12 · 2021-10-05 – 2021-12-31 · 2021-10-05 or later
    day 0 · day 91–121 · day −153 to −91 · day 213 or later

A date is printed at the precision of its bounds: a day only when the bounds are that day. A range of whole
months (or years) is said in months (or years). An approximate date that nothing narrowed keeps its '~' form.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .dates import DAYS_PER_MONTH, Bounds

DASH = "–"  # en dash between the two ends of a range
MINUS = "−"


def say(bounds: Bounds | None, on_calendar: bool, about: str = "", zero: int = 0) -> str:
    """The date as text. `about` is its approximate form ('~2007-07') when it has one; `zero` is the day
    counted as day 0 on a case without a calendar."""
    if bounds is None or bounds.earliest is None and bounds.latest is None:
        return "not dated"
    if about:
        return about
    if not on_calendar:
        return _days(bounds, zero)
    if bounds.latest is None:
        return f"{dt.date.fromordinal(bounds.earliest).isoformat()} or later"
    if bounds.earliest is None:
        return f"{dt.date.fromordinal(bounds.latest).isoformat()} or earlier"
    return calendar_range(bounds.earliest, bounds.latest)


def calendar_range(first: int, last: int) -> str:
    """'2022-09-08', '2022-09', '2007', '2021-10 – 2021-12', '2006 – 2008' or '2021-10-05 – 2021-12-31'."""
    a, b = dt.date.fromordinal(first), dt.date.fromordinal(last)
    if a == b:
        return a.isoformat()
    whole_months = a.day == 1 and b.day == calendar.monthrange(b.year, b.month)[1]
    if whole_months and (a.month, b.month) == (1, 12):
        return f"{a.year}" if a.year == b.year else f"{a.year} {DASH} {b.year}"
    if whole_months:
        return f"{a:%Y-%m}" if (a.year, a.month) == (b.year, b.month) else f"{a:%Y-%m} {DASH} {b:%Y-%m}"
    return f"{a.isoformat()} {DASH} {b.isoformat()}"


def _days(bounds: Bounds, zero: int) -> str:
    low = None if bounds.earliest is None else bounds.earliest - zero
    high = None if bounds.latest is None else bounds.latest - zero
    if high is None:
        return f"day {_number(low)} or later"
    if low is None:
        return f"day {_number(high)} or earlier"
    if low == high:
        return f"day {_number(low)}"
    if low < 0:
        return f"day {_number(low)} to {_number(high)}"
    return f"day {low}{DASH}{high}"


def _number(day: int) -> str:
    return f"{MINUS}{-day}" if day < 0 else str(day)


def say_days(earliest: object, latest: object) -> str:
    """Day-offset bounds from a table ('day 380–410', 'day 213 or later'); NA or None is an open side."""
    low, high = (None if _missing(v) else int(v) for v in (earliest, latest))
    return say(Bounds(low, high), on_calendar=False)


def _missing(value: object) -> bool:
    try:
        return value is None or value != value or str(value) in ("", "<NA>", "nan")
    except (TypeError, ValueError):  # pandas.NA refuses comparison
        return True


def is_calendar_text(text: object) -> bool:
    """Whether a `say` text is a calendar date (a case with a calendar) rather than a day offset."""
    return bool(re.match(r"^~?\d{4}", str(text)))


def say_months(earliest: object, latest: object) -> str:
    """Day-offset bounds in months since day 0, for slides and the tumor board: 'month 12.4', 'months 12.1–12.6',
    'month 12.4 or later'; never a single month for a date known only within a wider span."""
    low, high = (None if _missing(v) else int(v) / DAYS_PER_MONTH for v in (earliest, latest))
    return say_month_span(low, high)


def say_month_span(low: float | None, high: float | None) -> str:
    """Bounds already in months ('months 1.0–1.5'); None or NaN is an open side."""
    low, high = (None if _missing(v) else float(v) for v in (low, high))
    if low is None and high is None:
        return "not dated"
    if high is None:
        return f"month {low:.1f} or later"
    if low is None:
        return f"month {high:.1f} or earlier"
    if f"{low:.1f}" == f"{high:.1f}":
        return f"month {low:.1f}"
    return f"months {low:.1f}{DASH}{high:.1f}"
