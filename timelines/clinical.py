"""Clinical computations: lines of therapy, time on treatment, PFS, DFS, OS (as month ranges), RECIST per case."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from .dates import Bounds
from .measures import Assessment, assess
from .schema import THERAPY_KINDS, field_value
from .tables import agent_name, event_key_id, measurement_table
from .timeline import Dated, Timeline

DAYS_PER_MONTH = 365.25 / 12
ROUNDING_MONTHS = 0.5  # papers round durations to whole months


@dataclass
class TherapyLine:
    """One line of systemic therapy: the therapies sharing a `line` number."""

    number: int
    therapies: list[Dated]
    start: Bounds
    end: Bounds | None
    ongoing: bool

    @property
    def agents(self) -> list[str]:
        return [agent_name(d.event, d.kind) for d in self.therapies]

    @property
    def event_ids(self) -> list[str]:
        return [d.event_id for d in self.therapies if d.event_id]


@dataclass
class Outcome:
    """A duration computed from the dates, as a range in months, beside the paper's figure."""

    name: str  # pfs | os | dfs | time_on_treatment
    label: str
    months_min: float | None
    months_max: float | None
    censored: bool
    reported_months: float | None = None
    reported_readings: list[float] = field(default_factory=list)
    reported_censored: bool | None = None
    consistent: bool | None = None  # does the computed range hold every reported reading?
    therapy: str | None = None
    primary: str | None = None
    note: str = ""

    @property
    def text(self) -> str:
        """'21–22 months', '25+ months', or 'not computable'."""
        if self.months_min is None:
            return "not computable from the dates"
        low, high = round(self.months_min), round(self.months_max)
        span = f"{low}" if low == high else f"{low}–{high}"
        return f"{span}{'+' if self.censored else ''} months"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["text"] = self.text
        return data


def month_range(start: Bounds, end: Bounds) -> tuple[float, float]:
    """Shortest and longest possible months between two uncertain dates (never negative)."""
    shortest = max(0, end.earliest - start.latest) / DAYS_PER_MONTH
    longest = max(0, end.latest - start.earliest) / DAYS_PER_MONTH
    return round(shortest, 1), round(longest, 1)


def lines_of_therapy(timeline: Timeline) -> list[TherapyLine]:
    """Systemic therapies grouped by their `line` number, in line order."""
    groups: dict[int, list[Dated]] = {}
    for dated in timeline.of_kind(*THERAPY_KINDS):
        if dated.event.line is not None:
            groups.setdefault(dated.event.line, []).append(dated)
    lines = []
    for number in sorted(groups):
        therapies = sorted(groups[number], key=lambda d: d.start.mid)
        start = min((d.start for d in therapies), key=lambda b: b.mid)
        ends = [d.end for d in therapies]
        end = None if any(e is None for e in ends) else max(ends, key=lambda b: b.mid)
        lines.append(TherapyLine(number, therapies, start, end, any(d.ongoing for d in therapies)))
    return lines


def _progressions(timeline: Timeline) -> list[Dated]:
    events = [d for d in timeline.items if d.kind == "progression"
              or d.kind == "response" and d.event.category == "PD"
              or d.kind == "status" and d.event.status == "dead"]
    return sorted(events, key=lambda d: d.start.mid)


def _primary_of(timeline: Timeline, dated: Dated) -> str | None:
    """The diagnosis an event belongs to: its `primary`, else the latest diagnosis dated before it."""
    if field_value(dated.event, "primary"):
        return dated.event.primary
    before = [d for d in timeline.of_kind("diagnosis") if d.start.mid <= dated.start.mid and d.key[0] == "diagnoses"]
    if before:
        return max(before, key=lambda d: d.start.mid).event_id
    return timeline.case.diagnoses[0].id


def outcomes(timeline: Timeline) -> list[Outcome]:
    """PFS per line, time on each therapy, DFS after each surgery, OS per diagnosis; each beside the
    paper's figure where the case's `reported` block gives one."""
    computed = _pfs(timeline) + _time_on_treatment(timeline) + _dfs(timeline) + _os(timeline)
    return _attach_reported(timeline, computed)


def _pfs(timeline: Timeline) -> list[Outcome]:
    results = []
    lines = lines_of_therapy(timeline)
    events = _progressions(timeline)
    for i, line in enumerate(lines):
        next_start = lines[i + 1].start.mid if i + 1 < len(lines) else None
        ids = set(line.event_ids)
        found = None
        for p in events:
            therapy = field_value(p.event, "therapy")
            if p.start.mid <= line.start.mid:
                continue
            if therapy in ids or (therapy is None and (next_start is None or p.start.mid <= next_start)):
                found = p
                break
        label = f"PFS on line {line.number} ({' + '.join(line.agents)})"
        if found is not None:
            low, high = month_range(line.start, found.start)
            results.append(Outcome("pfs", label, low, high, False, therapy=_first(line.event_ids),
                                   note=f"to {found.kind} {event_key_id(found)}"))
        else:
            end = timeline.follow_up if line.ongoing or line.end is None else line.end
            low, high = month_range(line.start, end)
            results.append(Outcome("pfs", label, low, high, True, therapy=_first(line.event_ids),
                                   note="no progression recorded: censored at "
                                        + ("the last follow-up" if end is timeline.follow_up else "the end of the line")))
    return results


def _first(ids: list[str]) -> str | None:
    return ids[0] if ids else None


def _time_on_treatment(timeline: Timeline) -> list[Outcome]:
    results = []
    for dated in timeline.of_kind(*THERAPY_KINDS):
        if dated.end is None:
            continue
        low, high = month_range(dated.start, dated.end)
        name = agent_name(dated.event, dated.kind)
        intent = f", {dated.event.intent}" if dated.event.intent else ""
        results.append(Outcome("time_on_treatment", f"Time on {name}{intent}", low, high, bool(dated.ongoing),
                               therapy=dated.event_id))
    return results


def _dfs(timeline: Timeline) -> list[Outcome]:
    results = []
    events = [p for p in _progressions(timeline) if p.kind != "status"]
    for surgery in _definitive_surgeries(timeline):
        primary = _primary_of(timeline, surgery)
        later = [p for p in events if p.start.mid > surgery.start.mid]
        recurrence = next((p for p in later if _primary_of(timeline, p) == primary), None)
        label = f"DFS after {surgery.event.procedure or 'surgery'} ({primary})"
        deaths = [d for d in _progressions(timeline) if d.kind == "status" and d.start.mid > surgery.start.mid]
        if recurrence is None and deaths:
            recurrence = deaths[0]
        if recurrence is not None:
            low, high = month_range(surgery.start, recurrence.start)
            results.append(Outcome("dfs", label, low, high, False, primary=primary,
                                   note=f"to {recurrence.kind} {event_key_id(recurrence)}"))
        else:
            low, high = month_range(surgery.start, timeline.follow_up)
            results.append(Outcome("dfs", label, low, high, True, primary=primary,
                                   note="no recurrence recorded: censored at the last follow-up"))
    return results


def _definitive_surgeries(timeline: Timeline) -> list[Dated]:
    """The first surgery after each diagnosis (its resection): DFS runs from there, not from later
    procedures such as a preventive oophorectomy."""
    chosen: dict[str, Dated] = {}
    for surgery in sorted(timeline.of_kind("surgery"), key=lambda d: d.start.mid):
        chosen.setdefault(_primary_of(timeline, surgery), surgery)
    return list(chosen.values())


def _os(timeline: Timeline) -> list[Outcome]:
    results = []
    deaths = [d for d in timeline.of_kind("status") if d.event.status == "dead"]
    for diagnosis in (d for d in timeline.items if d.key[0] == "diagnoses"):
        label = f"OS from diagnosis of {diagnosis.event.label}"
        if deaths:
            low, high = month_range(diagnosis.start, deaths[0].start)
            results.append(Outcome("os", label, low, high, False, primary=diagnosis.event_id))
        else:
            low, high = month_range(diagnosis.start, timeline.follow_up)
            results.append(Outcome("os", label, low, high, True, primary=diagnosis.event_id,
                                   note="alive at the last follow-up"))
    return results


def _matches(outcome: Outcome, reported, lines: list[TherapyLine]) -> bool:
    if outcome.name != reported.name:
        return False
    if reported.therapy is not None:
        if outcome.name == "pfs":
            line = next((l for l in lines if reported.therapy in l.event_ids), None)
            return line is not None and outcome.therapy in line.event_ids
        return outcome.therapy == reported.therapy
    if reported.primary is not None:
        return outcome.primary == reported.primary
    return True


def _attach_reported(timeline: Timeline, computed: list[Outcome]) -> list[Outcome]:
    lines = lines_of_therapy(timeline)
    for reported in timeline.case.reported:
        match = next((o for o in computed if _matches(o, reported, lines) and not o.reported_readings), None)
        if match is None:
            match = next((o for o in computed if _matches(o, reported, lines)), None)
        if match is None or match.reported_readings:
            match = Outcome(reported.name, reported.label or reported.name.upper(), None, None, reported.censored,
                            therapy=reported.therapy, primary=reported.primary,
                            note="the dates of the case do not allow computing this figure"
                            if match is None else "a further reading of the same figure")
            computed.append(match)
        match.reported_readings = reported.readings
        match.reported_months = reported.readings[0]
        match.reported_censored = reported.censored
        if reported.label:
            match.label = reported.label
        if match.months_min is not None:
            match.consistent = all(_holds(match, r, reported.censored) for r in reported.readings)
    return computed


def _holds(outcome: Outcome, months: float, censored: bool) -> bool:
    if censored or outcome.censored:
        return months <= outcome.months_max + ROUNDING_MONTHS
    return outcome.months_min - ROUNDING_MONTHS <= months <= outcome.months_max + ROUNDING_MONTHS


def recist(timeline: Timeline, measurements: pd.DataFrame | None = None) -> list[Assessment]:
    """RECIST 1.1 at each imaging time point of the case's target lesions."""
    table = measurement_table(timeline) if measurements is None else measurements
    targets = table[table["target"]]
    if targets.empty:
        return []
    points = []
    for (day, event_id), group in targets.groupby(["day_start", "event_id"], sort=True):
        points.append({"day": int(day), "event_id": event_id,
                       "sizes": dict(zip(group["lesion_id"], group["recist_mm"]))})
    nodal = dict(zip(table["lesion_id"], table["nodal"]))
    return assess(points, sorted(targets["lesion_id"].unique()), nodal)


def recist_note(timeline: Timeline) -> str:
    """A caveat when the case does not support a full RECIST read."""
    targets = [lesion for lesion in timeline.case.lesions if lesion.target]
    if len(targets) == 1:
        return ("Only one target lesion is tracked in this case: the categories follow the RECIST 1.1 thresholds "
                "for that lesion, not a full RECIST read of all disease.")
    if not targets:
        return "No target lesion is measured in this case."
    return ""
