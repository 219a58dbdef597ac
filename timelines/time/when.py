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
from typing import Callable, Sequence

import numpy as np

from ..text import is_missing
from .dates import DAYS_PER_MONTH, Bounds, Calendar, DateProblem, Point, parse_date

DASH = "–"  # en dash between the two ends of a range
MINUS = "−"


PRECISIONS = ("day", "month", "year")  # finest first


Precision = str | tuple[str | None, str | None]  # one for both bounds, or (the earliest's, the latest's)


def say(bounds: Bounds | None, on_calendar: bool, about: str = "", zero: int = 0, precision: Precision = "day") -> str:
    """The date as text. `about` is its approximate form ('~2007-07') when it has one; `zero` is the day
    counted as day 0 on a case without a calendar; `precision` is that of the statements that date it, one for
    both bounds or a pair (the earliest bound's, the latest's): each bound is said no finer than the statement
    that sets it ('2021-08 – 2021-09-03' after a month and before a day)."""
    if bounds is None or bounds.earliest is None and bounds.latest is None:
        return "not dated"
    if about:
        return about
    if not on_calendar:
        return _days(bounds, zero)
    first, last = _pair(precision)
    if bounds.latest is None:
        return f"{_calendar_day(bounds.earliest, first)} or later"
    if bounds.earliest is None:
        return f"{_calendar_day(bounds.latest, last)} or earlier"
    return calendar_range(bounds.earliest, bounds.latest, precision)


def _pair(precision: Precision) -> tuple[str, str]:
    """The precision of the earliest and of the latest bound ('day' where not known)."""
    first, last = (precision, precision) if isinstance(precision, str) else precision
    return first or "day", last or "day"


_EPOCH = dt.date(1970, 1, 1).toordinal()  # numpy's day 0


def iso_days(ordinals: Sequence[int | None], on_calendar: bool = True) -> list[str]:
    """Ordinal days as ISO dates ('2022-09-08'), all at once; '' for None, and for every day of a case without
    a calendar (as `Timeline.iso_day`)."""
    if not on_calendar or not len(ordinals):
        return [""] * len(ordinals)
    known = np.array([-1 if v is None else v for v in ordinals], dtype=np.int64)
    texts = np.datetime_as_string((known - _EPOCH).astype("datetime64[D]"), unit="D").tolist()
    return [text if day >= 0 else "" for text, day in zip(texts, known.tolist())]


def say_all(bounds: Sequence[Bounds | None], on_calendar: bool, abouts: Sequence[str], zero: int = 0,
            precisions: Sequence[Precision] | None = None) -> list[str]:
    """`say` of many dates at once: the exact ones (most of a case) formatted together, the rest one by one."""
    precisions = precisions if precisions is not None else ["day"] * len(bounds)
    exact = [not about and b is not None and b.earliest is not None and b.earliest == b.latest
             for b, about in zip(bounds, abouts)]
    days = [b.earliest if e else None for b, e in zip(bounds, exact)]
    said = iso_days(days) if on_calendar else [None if d is None else _days(Bounds(d, d), zero) for d in days]
    return [text if e else say(b, on_calendar, about, zero, precision)
            for text, e, b, about, precision in zip(said, exact, bounds, abouts, precisions)]


def _calendar_day(ordinal: int, precision: str) -> str:
    day = dt.date.fromordinal(ordinal)
    return f"{day.year}" if precision == "year" else f"{day:%Y-%m}" if precision == "month" else day.isoformat()


def calendar_range(first: int, last: int, precision: Precision = "day") -> str:
    """'2022-09-08', '2022-09', '2007', '2021-10 – 2021-12', '2006 – 2008', '2021-10-05 – 2021-12-31' or
    '2021-08 – 2021-09-03'.

    A window dated by statements of months (or years) is said in months (or years), from the month of its first
    day to the month of its last: '2007-07 – 2012-09' for 2007-07-01 – 2012-09-03 (wider, never more precise).
    `precision` may be a pair, the earliest bound's and the latest's: each bound is said at its own
    ('2021-08 – 2021-09-03' for 2021-08-01 – 2021-09-03 after a month and before a day), a day at the edge of
    its month as that month (no wider: '2021-08 – 2021-09' for 2021-08-01 – 2021-09-30)."""
    a, b = dt.date.fromordinal(first), dt.date.fromordinal(last)
    if a == b:
        return a.isoformat()
    low, high = _pair(precision)
    if low != high:
        low = "month" if low == "day" and a.day == 1 else low
        high = "month" if high == "day" and b.day == calendar.monthrange(b.year, b.month)[1] else high
    if low != high or low in ("month", "year"):
        first_text, last_text = _calendar_day(first, low), _calendar_day(last, high)
        return first_text if first_text == last_text else f"{first_text} {DASH} {last_text}"
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
    low, high = (None if is_missing(v) else int(v) for v in (earliest, latest))
    return say(Bounds(low, high), on_calendar=False)


def is_dated(earliest: object, latest: object) -> bool:
    """Whether a table's day (or month) bounds date anything: what `say_days` and `say_month_span` say as other
    than 'not dated'."""
    return not (is_missing(earliest) and is_missing(latest))


def says_calendar(bounds: Bounds | None, on_calendar: bool) -> bool:
    """Whether `say` says these bounds as a calendar date (rather than a day offset or 'not dated'): the tables'
    `start_is_calendar` and `end_is_calendar`, so that no view reads it back from the text."""
    return on_calendar and bounds is not None and (bounds.earliest is not None or bounds.latest is not None)


def say_months(earliest: object, latest: object) -> str:
    """Day-offset bounds in months since day 0, for slides, the tumor board and de-identified views, at the
    precision the bounds carry: a day to a tenth of a month ('month 12.2'); a window of a month or more in whole
    months ('month 3', 'months 3–5', 'months −170 to −169': a statement of months is not made finer by its
    days); a narrower window to a tenth ('months 12.2–12.7'); an open side to a tenth ('month 37.2 or later').
    Never a single month for a date known only within a wider span."""
    low, high = (None if is_missing(v) else int(v) for v in (earliest, latest))
    if low is not None and high is not None and high - low >= WHOLE_MONTH_DAYS:
        first, last = (round(v / DAYS_PER_MONTH) for v in (low, high))
        if first == last:
            return f"month {_number(first)}"
        return f"months {_number(first)} to {_number(last)}" if first < 0 else f"months {first}{DASH}{last}"
    return say_month_span(*(None if v is None else v / DAYS_PER_MONTH for v in (low, high)))


WHOLE_MONTH_DAYS = 27  # a window this wide (February, from its first day to its last) or wider: said in whole months


def say_month_span(low: float | None, high: float | None) -> str:
    """Bounds already in months ('months 1.0–1.5', 'months −2.0 to −1.5'); None or NaN is an open side."""
    low, high = (None if is_missing(v) else float(v) for v in (low, high))
    if low is None and high is None:
        return "not dated"
    if high is None:
        return f"month {_tenths(low)} or later"
    if low is None:
        return f"month {_tenths(high)} or earlier"
    if f"{low:.1f}" == f"{high:.1f}":
        return f"month {_tenths(low)}"
    return f"months {_tenths(low)} to {_tenths(high)}" if low < 0 else f"months {low:.1f}{DASH}{high:.1f}"


def _tenths(months: float) -> str:
    text = f"{months:.1f}"
    return "0.0" if text == "-0.0" else text.replace("-", MINUS)


# ---------------------------------------------------------------------------------------------------------------
# Dates in words, as the case file states them
# ---------------------------------------------------------------------------------------------------------------

# What an anchor is called in words: its name, and whether it is an interval (said 'X started' / 'X ended') and
# its own date as said ('2007-07', 'day 213'), '' when not known. None for an anchor the table does not hold.
Anchor = Callable[[str, str], "tuple[str, bool, str] | None"]


def say_written(text: object, anchor: Anchor, calendar_date: Callable[[Calendar], str] | None = None) -> str:
    """A date as the case file states it, in words, each event it names with that event's own date:
    'after mastectomy (2007-07), before breast remission (~2011)', '4 months after crizotinib started (day 213)',
    'about 1 month after mastectomy (2007-07)'. '' for a date written as a calendar date or as day 0 (the
    computed date says it), and the text itself where it cannot be read. `calendar_date` says a calendar date
    the text names ('day −5178 to −5148' on a relative axis); as written by default."""
    written = str(text or "").strip()
    try:
        expr = parse_date(written)
    except (DateProblem, ValueError):
        return _duration_words(written)
    if expr.form in ("origin", "unknown") or expr.form == "point" and not expr.refs() and expr.points[0].offset is None:
        return ""
    first = expr.points[0]
    if expr.form == "point":
        said = _point_words(first, anchor, expr.approximate, calendar_date)
        if first.offset is None:  # the date of another event: 'at X', 'when X started'
            return f"when {said}" if said.endswith(_VERBS) or " ended (" in said or " started (" in said \
                else f"at {said}"
        return said
    if expr.form == "between":
        after = _bound_words("after", expr.points[0], anchor, calendar_date)
        return f"{after}, {_bound_words('before', expr.points[1], anchor, calendar_date)}"
    return _bound_words(expr.form, first, anchor, calendar_date)


_VERBS = (" started", " ended")


def _bound_words(side: str, point: Point, anchor: Anchor, calendar_date=None) -> str:
    """'after X (date)', and with an offset the way it is read: 'after X + 4 months' is 'at least 4 months after
    X', 'before X - 1 month' is 'at least 1 month before X'."""
    said = _point_words(point, anchor, False, calendar_date)
    if point.offset is None:
        return f"{side} {said}"
    forward = point.offset.amount >= 0
    if (side == "after") == forward:
        return f"at least {said}"
    return f"{side} {said}"  # 'after X - 1 month': as written


def _point_words(point: Point, anchor: Anchor, approximate: bool, calendar_date=None) -> str:
    if isinstance(point.base, Calendar):
        named = (calendar_date or _calendar_text)(point.base)
    else:
        known = anchor(point.base.event_id, point.base.side)
        name, interval, date = known if known is not None else \
            ("day 0" if point.base.event_id == "origin" else point.base.event_id, False, "")
        verb = ("started" if point.base.side == "start" else "ended") if interval or point.base.side == "end" else ""
        named = f"{name} {verb}".strip() + (f" ({date})" if date else "")
    if point.offset is None:
        return named
    about = "about " if approximate or point.offset.approximate else ""
    amount = abs(point.offset.amount)
    unit = point.offset.unit + ("s" if amount != 1 else "")
    return f"{about}{amount} {unit} {'after' if point.offset.amount >= 0 else 'before'} {named}"


def _calendar_text(base: Calendar) -> str:
    return "-".join(f"{v:02d}" if i else f"{v}" for i, v in enumerate(
        v for v in (base.year, base.month, base.day) if v is not None))


def _duration_words(text: str) -> str:
    """An end written as a duration ('5 years', '~6 months') in words: '5 years after it started'."""
    match = re.match(r"^(~)?\s*(\d+)\s*(day|week|month|year)s?$", text)
    if not match:
        return text
    amount = int(match.group(2))
    return f"{'about ' if match.group(1) else ''}{amount} {match.group(3)}{'s' * (amount != 1)} after it started"


def anchor_name(name: object) -> str:
    """An event's name inside a sentence: up to its first comma or colon, without parentheses ('Modified radical
    mastectomy (left)' -> 'modified radical mastectomy', 'Brain MRI, new metastases' -> 'brain MRI'), a capital
    that only starts the label lowered (an acronym such as 'MRI' kept)."""
    full = str(name or "")
    text = re.split(r"[,:;]\s", re.sub(r"\s*\([^()]*\)", "", full), maxsplit=1)[0].strip() or full
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text
