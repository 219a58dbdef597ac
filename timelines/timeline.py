"""A validated case with every date resolved: the input of tables and clinical computations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterator

from .kinds import CONTINUOUS_KINDS, THERAPY_KINDS  # continuous: taken until stopped, not in cycles
from .schema import Case, Diagnosis, EventBase, field_value
from .time.dates import DAYS_PER_MONTH, Bounds, DateProblem, Resolver, Spec, parse_date, parse_offset, precision_of
from .time.resolution import FOLLOW_UP, CaseFacts, Resolution, Statement, resolve_dates
from .time.when import say

EventKey = tuple[str, int]  # ("diagnoses", 0) or ("events", 3)


@dataclass(frozen=True)
class Dated:
    """One event of the timeline: its start and end bounds, and the days it is drawn at.

    `end` is None when the source does not report it; `end_window` then holds how early and how late it
    can be (from what the case ties to the therapy, to the next line or the last follow-up). The drawn days
    come from the case's drawing, computed when a view first asks for one."""

    key: EventKey
    kind: str
    event: EventBase | Diagnosis
    start: Bounds
    end: Bounds | None
    ongoing: bool = False
    end_window: Bounds | None = None
    about_start: str = ""
    about_end: str = ""
    points: tuple = (None, None)  # its start and end points in the case's temporal network
    resolution: Resolution | None = field(default=None, repr=False, compare=False)

    @property
    def event_id(self) -> str | None:
        return self.event.id

    @property
    def shape(self) -> str:
        return "point" if isinstance(self.event, Diagnosis) else self.event.shape

    @property
    def day_start(self) -> int:
        """Where the start is drawn: ordinal days on a calendar case, days since day 0 otherwise."""
        return self.resolution.drawing.drawn[self.points[0]]

    @property
    def day_end(self) -> int | None:
        """Where the end is drawn; None for an end not reported."""
        if self.end is None:
            return None
        return self.resolution.drawing.drawn[self.points[1]]

    @property
    def reach_start(self) -> Bounds:
        """Where the drawing lets the start move: its bounds, an open side closed by its drawn neighbours."""
        return self.resolution.drawing.reach[self.points[0]]

    @property
    def reach_end(self) -> Bounds:
        return self.resolution.drawing.reach[self.points[1]]

    @property
    def least_days(self) -> int:
        """How long an interval certainly lasted, from its start (what is drawn solid); 0 for a point."""
        if self.shape != "interval":
            return 0
        return self.resolution.drawing.least_lengths.get(self.points[0], 0)


@dataclass
class Timeline:
    """A case whose dates are resolved: on a calendar (ordinal days) or relative to day 0."""

    case: Case
    path: str = ""
    on_calendar: bool = True
    follow_up: Bounds = Bounds(0, 0)
    items: list[Dated] = field(default_factory=list)
    dose_dates: dict[tuple[EventKey, int], Bounds] = field(default_factory=dict)
    dose_about: dict[tuple[EventKey, int], str] = field(default_factory=dict)
    resolution: Resolution | None = None
    origin_key: EventKey | None = None  # the day-0 event: the case's `origin`, else the earliest diagnosis
    # The date written 'origin' ((event key, side), e.g. a therapy's end written `end: origin`): day 0 when the case
    # names no `origin:` event at its top level.
    origin_point: tuple | None = None

    @cached_property
    def origin_event(self) -> Dated:
        """The event whose start (or, for `end: origin`, whose end: `origin_side`) is day 0."""
        if self.origin_key is not None:
            return next(d for d in self.items if d.key == self.origin_key)
        if self.origin_point is not None:
            return next(d for d in self.items if d.key == self.origin_point[0])
        return min((d for d in self.items if d.kind == "diagnosis"), key=lambda d: d.day_start)

    @property
    def origin_side(self) -> str:
        """start; end when day 0 is the end of an interval written `end: origin`; dose change for a dose change's."""
        if self.origin_key is not None or self.origin_point is None or self.origin_point[1] == "start":
            return "start"
        return "end" if self.origin_point[1] == "end" else "dose change"

    @property
    def origin(self) -> Bounds:
        if self.origin_key is None and self.origin_point is not None:
            return self.resolution.bounds[self.resolution.point(self.origin_point)]
        return self.origin_event.start

    @property
    def origin_day(self) -> int:
        if self.origin_key is None and self.origin_point is not None:
            return self.resolution.drawing.drawn[self.resolution.point(self.origin_point)]
        return self.origin_event.day_start

    @property
    def follow_up_day(self) -> int:
        return self.resolution.drawing.drawn[FOLLOW_UP]

    def dose_day(self, key: EventKey, j: int) -> int:
        return self.resolution.drawing.drawn[self.resolution.point((key, ("dose", j)))]

    @property
    def day_zero(self) -> int:
        return self.origin_day

    def day(self, value: int | None) -> int | None:
        """Days since day 0 for a resolved day value."""
        return None if value is None else value - self.day_zero

    def months(self, days: float) -> float:
        return days / DAYS_PER_MONTH

    def by_id(self, event_id: str) -> Dated | None:
        """The first event with this id (looked up in an index kept with the items, rebuilt if they change)."""
        known = self.__dict__.get("_by_id")
        stamp = (id(self.items), len(self.items))
        if known is None or known[0] != stamp:
            index: dict = {}
            for dated in self.items:
                index.setdefault(dated.event_id, dated)
            known = self.__dict__["_by_id"] = (stamp, index)
        return known[1].get(event_id)

    def of_kind(self, *kinds: str) -> Iterator[Dated]:
        return (d for d in self.items if d.kind in kinds)

    def say(self, bounds: Bounds | None, about: str = "") -> str:
        """The date as precisely as it is known: '2022-09', '~2007-07', '2021-10 – 2021-12', 'day 91–121'."""
        return say(bounds, self.on_calendar, about, self.day_zero)

    def say_dated(self, dated: "Dated", side: str = "start") -> str:
        """An event's start or end as ``say`` gives it, each bound at the precision of the statement that sets it
        ('between 2007 and mastectomy' reads '2007 – 2007-07'), as the tables say it."""
        n = 0 if side == "start" else 1
        bounds, about = (dated.start, dated.about_start) if n == 0 else (dated.end, dated.about_end)
        precision = self.resolution.precisions.get(dated.points[n], ("day", "day"))
        return say(bounds, self.on_calendar, about, self.day_zero, precision)

    def precision(self, bounds: Bounds | None) -> str:
        """day, month, year, range or open (a side nothing bounds)."""
        if bounds is None:
            return ""
        if not self.on_calendar:
            return "open" if not bounds.closed else "day" if bounds.exact else "range"
        return precision_of(bounds)

    def iso_day(self, value: int | None) -> str:
        return dt.date.fromordinal(value).isoformat() if value is not None and self.on_calendar else ""

    def distance(self, a: tuple, b: tuple) -> Bounds:
        """Least and greatest days from date a to date b, each (event key, side) or FOLLOW_UP."""
        return self.resolution.distance(a, b)

    def distances(self, pairs: list[tuple[tuple, tuple]]) -> list[Bounds]:
        return self.resolution.distances(pairs)


def resolve(case: Case, path: str = "") -> Timeline:
    """Resolve every date of a case. Raises DateProblem with `.field` set to the offending field path, or
    with `.statements` (each with its field) when statements clash."""
    specs = _specs(case)
    ids = {d.id: ("diagnoses", i) for i, d in enumerate(case.diagnoses)}
    ids.update({e.id: ("events", i) for i, e in enumerate(case.events) if e.id})
    label = _labeller(case)
    resolver = Resolver({k: s for k, (s, _) in specs.items()}, ids, label)
    try:
        written = resolver.resolve_all()
        _check_ends(case, specs, written, resolver.on_calendar)
        resolution = resolve_dates(specs, written, ids, resolver.on_calendar, _facts(case, specs, written, ids), label)
    except DateProblem as problem:
        if getattr(problem, "key", None) in specs:
            problem.field = specs[problem.key][1]
        elif not hasattr(problem, "field"):
            problem.field = ()
        raise
    timeline = _timeline(case, path, resolution, ids)
    timeline.origin_point = next(iter(resolver.origin_keys), None)
    return timeline


def _labeller(case: Case):
    names = {("diagnoses", i): d.id for i, d in enumerate(case.diagnoses)}
    names.update({("events", i): e.id or f"events[{i}]" for i, e in enumerate(case.events)})

    def label(key) -> str:
        event_key, side = key
        name = names.get(event_key, str(event_key))
        if isinstance(side, str):
            return f"{name}.{side}"
        if side[0] == "hold":
            return f"{name} hold {side[1] + 1} {side[2]}"
        return f"{name} dose change {side[1] + 1}"
    return label


def _check_ends(case: Case, specs: dict, written: dict, on_calendar: bool) -> None:
    """An end written before its start, said in the words of the two dates."""
    for i, event in enumerate(case.events):
        key = ("events", i)
        start, end = written.get((key, "start")), written.get((key, "end"))
        if start is None or end is None or end.latest is None or start.earliest is None:
            continue
        if end.latest < start.earliest:
            problem = DateProblem(
                f"The end ({say(end, on_calendar)}) is before the start ({say(start, on_calendar)})",
                "check the two dates; an end can be no earlier than its start")
            problem.key = (key, "end")
            raise problem


def _timeline(case: Case, path: str, resolution: Resolution, ids: dict) -> Timeline:
    point = resolution.point

    def bounds(key) -> Bounds:
        return resolution.bounds[point(key)]

    timeline = Timeline(case=case, path=path, on_calendar=resolution.on_calendar, resolution=resolution,
                        follow_up=resolution.bounds[FOLLOW_UP],
                        origin_key=ids[case.origin] if case.origin else None)
    for i, diagnosis in enumerate(case.diagnoses):
        key = ("diagnoses", i)
        start = point((key, "start"))
        timeline.items.append(Dated(key, "diagnosis", diagnosis, bounds(start), bounds(start),
                                    about_start=resolution.about.get(start, ""), points=(start, start),
                                    resolution=resolution))
    for i, event in enumerate(case.events):
        key = ("events", i)
        start, end = point((key, "start")), point((key, "end"))
        reported = event.shape == "point" or bool(event.end or event.duration or event.ongoing)
        timeline.items.append(Dated(
            key, event.kind, event, bounds(start), bounds(end) if reported else None,
            ongoing=field_value(event, "ongoing", False), end_window=None if reported else bounds(end),
            about_start=resolution.about.get(start, ""),
            about_end=resolution.about.get(end, "") if reported else "",
            points=(start, end), resolution=resolution))
        for j, _ in enumerate(field_value(event, "dose_changes", [])):
            dose = (key, ("dose", j))
            timeline.dose_dates[(key, j)] = bounds(dose)
            timeline.dose_about[(key, j)] = resolution.about.get(point(dose), "")
    return timeline


def hold_keys(event, key: EventKey) -> list[tuple[tuple, tuple]]:
    """The start and end points of each treatment interruption (`holds:`) of a therapy, in the network."""
    return [((key, ("hold", j, "start")), (key, ("hold", j, "end")))
            for j, _ in enumerate(field_value(event, "holds", []))]


def _facts(case: Case, specs: dict, written: dict, ids: dict) -> CaseFacts:
    """Statuses, and what a therapy whose end is not reported is tied to (see timelines/time/resolution.py)."""
    facts = CaseFacts(statuses=[(("events", i), "start") for i, e in enumerate(case.events) if e.kind == "status"],
                      deaths=[(("events", i), "start") for i, e in enumerate(case.events)
                              if e.kind == "status" and e.status == "dead"])
    lines: dict[int, list[int]] = {}
    for i, event in enumerate(case.events):
        if event.kind in THERAPY_KINDS and event.line is not None:
            lines.setdefault(event.line, []).append(i)
    for i, event in enumerate(case.events):
        key = ("events", i)
        for j, _ in enumerate(field_value(event, "dose_changes", [])):
            where = ("events", i, "dose_changes", j, "date")
            facts.implied.append(((key, "start"), (key, ("dose", j)), 0, None,
                                  Statement(where, "a dose change falls within its therapy", soft=True)))
            if event.shape == "interval" and specs[(key, "end")][0].how != "unknown":
                facts.implied.append(((key, ("dose", j)), (key, "end"), 0, None,
                                      Statement(where, "a dose change falls within its therapy", soft=True)))
        for j, _ in enumerate(field_value(event, "holds", [])):
            where = ("events", i, "holds", j, "start")
            says = Statement(where, "a treatment interruption falls within its therapy", soft=True)
            facts.implied.append(((key, "start"), (key, ("hold", j, "start")), 0, None, says))
            facts.implied.append(((key, ("hold", j, "start")), (key, ("hold", j, "end")), 0, None,
                                  Statement(where, "a treatment interruption ends after it starts")))
            if specs[(key, "end")][0].how != "unknown":
                facts.implied.append(((key, ("hold", j, "end")), (key, "end"), 0, None, says))
        if event.shape != "interval" or specs[(key, "end")][0].how != "unknown":
            continue
        facts.implied += _ties(case, key, event, ids)
        facts.implied += _next_line(case, key, event, lines, written)
    return facts


def _ties(case: Case, key: EventKey, event, ids: dict) -> list:
    """A continuous therapy whose end is not reported ran at least until the events the case ties to it."""
    found = []
    for j, _ in enumerate(field_value(event, "dose_changes", [])):
        found.append(((key, ("dose", j)), (key, "end"), 0, None,
                      Statement(("events", key[1], "dose_changes", j), "the dose was changed while it ran",
                                soft=True)))
    if event.kind not in CONTINUOUS_KINDS or not event.id:
        return found
    for i, other in enumerate(case.events):
        tie = "therapy" if field_value(other, "therapy") == event.id else \
            "attribution" if field_value(other, "attribution") == event.id else None
        if tie and other.kind in ("response", "progression", "adverse_event"):
            found.append(((("events", i), "start"), (key, "end"), 0, None,
                          Statement(("events", i, tie), f"this {other.kind.replace('_', ' ')} happened on "
                                                        f"{event.id}, so {event.id} ran until then", soft=True)))
    return found


def _next_line(case: Case, key: EventKey, event, lines: dict, written: dict) -> list:
    """A line of therapy whose end is not reported ended by the start of the next line."""
    if event.kind not in THERAPY_KINDS or event.line is None:
        return []
    later = sorted(n for n in lines if n > event.line)
    if not later:
        return []
    found = []
    start = written.get((key, "start"))
    for i in lines[later[0]]:
        following = written.get((("events", i), "start"))
        if start is not None and following is not None and None not in (start.earliest, following.latest) \
                and following.latest < start.earliest:
            continue  # numbered lines out of date order: nothing to imply
        found.append(((key, "end"), (("events", i), "start"), 0, None,
                      Statement(("events", i, "line"), f"line {later[0]} follows line {event.line}", soft=True)))
    return found


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
        elif event.start is None:  # 'cough for 2 months' before an event: the duration counted back from the end
            specs[(key, "end")] = (Spec("expr", parse_date(event.end)), where + ("end",))
            back = parse_offset(event.duration)
            specs[(key, "start")] = (Spec("plus", other=(key, "end"), offset=replace(back, amount=-back.amount)),
                                     where + ("duration",))
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
        for j, hold in enumerate(field_value(event, "holds", [])):
            start, end = (key, ("hold", j, "start")), (key, ("hold", j, "end"))
            specs[start] = (Spec("expr", parse_date(hold.start)), where + ("holds", j, "start"))
            specs[end] = ((Spec("expr", parse_date(hold.end)), where + ("holds", j, "end")) if hold.end else
                          (Spec("plus", other=start, offset=parse_offset(hold.duration)), where + ("holds", j, "duration")))
    return specs
