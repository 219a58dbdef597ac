"""A validated case with every date resolved: the input of tables and clinical computations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterator

from .dates import Bounds, DateProblem, Resolver, Spec, iso, parse_date, parse_offset, precision_of
from .schema import Case, Diagnosis, EventBase, field_value

EventKey = tuple[str, int]  # ("diagnoses", 0) or ("events", 3)


@dataclass(frozen=True)
class Dated:
    """One event of the timeline with its resolved start and end."""

    key: EventKey
    kind: str
    event: EventBase | Diagnosis
    start: Bounds
    end: Bounds | None
    ongoing: bool = False

    @property
    def event_id(self) -> str | None:
        return self.event.id

    @property
    def shape(self) -> str:
        return "point" if isinstance(self.event, Diagnosis) else self.event.shape


@dataclass
class Timeline:
    """A case whose dates are resolved: on a calendar (ordinal days) or relative to day 0."""

    case: Case
    path: str = ""
    on_calendar: bool = True
    origin: Bounds = Bounds(0, 0)
    follow_up: Bounds = Bounds(0, 0)
    items: list[Dated] = field(default_factory=list)
    dose_dates: dict[tuple[EventKey, int], Bounds] = field(default_factory=dict)

    @property
    def day_zero(self) -> int:
        return self.origin.mid

    def day(self, value: int) -> int:
        """Days since day 0 for a resolved day value."""
        return value - self.day_zero

    def months(self, days: float) -> float:
        return days / (365.25 / 12)

    def by_id(self, event_id: str) -> Dated | None:
        return next((d for d in self.items if d.event_id == event_id), None)

    def of_kind(self, *kinds: str) -> Iterator[Dated]:
        return (d for d in self.items if d.kind in kinds)

    def calendar_text(self, bounds: Bounds | None) -> str:
        """ISO text at the precision the bounds support, or '' on a case without a calendar."""
        if bounds is None or not self.on_calendar:
            return ""
        return iso(bounds)

    def precision(self, bounds: Bounds | None) -> str:
        if bounds is None:
            return ""
        if not self.on_calendar:
            return "day" if bounds.earliest == bounds.latest else "range"
        return precision_of(bounds)

    def iso_day(self, value: int | None) -> str:
        return dt.date.fromordinal(value).isoformat() if value is not None and self.on_calendar else ""


def date_fields(case: Case) -> dict[tuple, tuple]:
    """Map each date key of the case to the field path it was written at (for error messages)."""
    return {key: path for key, (spec, path) in _specs(case).items()}


def resolve(case: Case, path: str = "") -> Timeline:
    """Resolve every date of a case. Raises DateProblem with `.field` set to the offending field path."""
    specs = _specs(case)
    ids = {d.id: ("diagnoses", i) for i, d in enumerate(case.diagnoses)}
    ids.update({e.id: ("events", i) for i, e in enumerate(case.events) if e.id})
    names = {("diagnoses", i): d.id for i, d in enumerate(case.diagnoses)}
    names.update({("events", i): e.id or f"events[{i}]" for i, e in enumerate(case.events)})

    def label(key) -> str:
        event_key, side = key
        name = names.get(event_key, str(event_key))
        return f"{name}.{side}" if isinstance(side, str) else f"{name} dose change {side[1] + 1}"

    follow_ups = tuple((("events", i), "start") for i, e in enumerate(case.events) if e.kind == "status")
    resolver = Resolver({k: s for k, (s, _) in specs.items()}, ids, label, follow_ups)
    try:
        resolved = resolver.resolve_all()
    except DateProblem as problem:
        problem.field = specs[problem.key][1] if getattr(problem, "key", None) in specs else ()
        raise

    timeline = Timeline(case=case, path=path, on_calendar=resolver.on_calendar, follow_up=resolver.follow_up)
    for i, diagnosis in enumerate(case.diagnoses):
        key = ("diagnoses", i)
        timeline.items.append(Dated(key, "diagnosis", diagnosis, resolved[(key, "start")], resolved[(key, "start")]))
    for i, event in enumerate(case.events):
        key = ("events", i)
        start, end = resolved[(key, "start")], resolved[(key, "end")]
        if end is not None and start is not None and end.latest < start.earliest:
            problem = DateProblem(
                f"The end ({_show(timeline, end)}) is before the start ({_show(timeline, start)})",
                "check the two dates; an end can be no earlier than its start")
            problem.field = specs[(key, "end")][1]
            raise problem
        timeline.items.append(Dated(key, event.kind, event, start, end, ongoing=field_value(event, "ongoing", False)))
        for j, _ in enumerate(field_value(event, "dose_changes", [])):
            timeline.dose_dates[(key, j)] = resolved[(key, ("dose", j))]
    timeline.origin = _origin(case, timeline, ids)
    return timeline


def _show(timeline: Timeline, bounds: Bounds) -> str:
    if timeline.on_calendar:
        return iso(bounds)
    return f"day {bounds.mid}"


def _origin(case: Case, timeline: Timeline, ids: dict) -> Bounds:
    if case.origin:
        key = ids[case.origin]
        return next(d.start for d in timeline.items if d.key == key)
    if not timeline.on_calendar:
        return Bounds(0, 0)
    first = min((d for d in timeline.items if d.kind == "diagnosis"), key=lambda d: d.start.mid)
    return first.start


def _specs(case: Case) -> dict[tuple, tuple[Spec, tuple]]:
    """Every date of the case as a Spec, keyed by (event key, side), with its field path."""
    specs: dict[tuple, tuple[Spec, tuple]] = {}
    for i, diagnosis in enumerate(case.diagnoses):
        key = ("diagnoses", i)
        specs[(key, "start")] = (Spec("expr", parse_date(diagnosis.date)), ("diagnoses", i, "date"))
        specs[(key, "end")] = (Spec("same", other=(key, "start")), ("diagnoses", i, "date"))
    for i, event in enumerate(case.events):
        key = ("events", i)
        where = ("events", i)
        if event.shape == "point":
            specs[(key, "start")] = (Spec("expr", parse_date(event.date)), where + ("date",))
            specs[(key, "end")] = (Spec("same", other=(key, "start")), where + ("date",))
        else:
            specs[(key, "start")] = (Spec("expr", parse_date(event.start)), where + ("start",))
            if event.end:
                specs[(key, "end")] = (Spec("expr", parse_date(event.end)), where + ("end",))
            elif event.duration:
                specs[(key, "end")] = (Spec("plus", other=(key, "start"), offset=parse_offset(event.duration)),
                                       where + ("duration",))
            elif event.ongoing:
                specs[(key, "end")] = (Spec("ongoing", other=(key, "start")), where + ("ongoing",))
            else:
                specs[(key, "end")] = (Spec("unknown"), where + ("start",))
        for j, change in enumerate(field_value(event, "dose_changes", [])):
            specs[(key, ("dose", j))] = (Spec("expr", parse_date(change.date)), where + ("dose_changes", j, "date"))
    return specs
