"""Clinical computations: lines of therapy, time on treatment, PFS, DFS, OS (as month ranges), RECIST per case."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from .dates import DAYS_PER_MONTH, Bounds
from .measures import Assessment, assess
from .resolution import FOLLOW_UP
from .kinds import THERAPY_KINDS
from .schema import field_value
from .tables import agent_name, event_key_id, therapy_name, event_label, measurement_table
from .timeline import Dated, Timeline

ROUNDING_MONTHS = 0.5  # papers round durations to whole months


@dataclass
class TherapyLine:
    """One line of systemic therapy: the therapies sharing a `line` number."""

    number: int
    therapies: list[Dated]
    start: Dated  # the therapy that starts first
    end: Dated | None  # the therapy that ends last, None when an end is not reported
    ongoing: bool

    @property
    def agents(self) -> list[str]:
        return [therapy_name(d.event, d.kind) for d in self.therapies]  # the names the lanes show

    @property
    def event_ids(self) -> list[str]:
        return [d.event_id for d in self.therapies if d.event_id]

    @property
    def start_key(self) -> tuple:
        return (self.start.key, "start")

    @property
    def end_key(self) -> tuple | None:
        if self.ongoing:
            return FOLLOW_UP
        return None if self.end is None else (self.end.key, "end")


@dataclass
class Outcome:
    """A duration computed from the dates, as a range in months, beside the paper's figure."""

    name: str  # pfs | os | dfs | time_on_treatment | interval (another interval the paper states)
    label: str
    months_min: float | None
    months_max: float | None  # None where nothing bounds it: at least months_min
    censored: bool
    reported_months: float | None = None
    reported_readings: list[float] = field(default_factory=list)
    reported_censored: bool | None = None
    reported_text: str = ""  # the paper's figure as it gives it: '8 weeks', '21 or 22 months', 'long-term'
    consistent: bool | None = None  # does the computed range hold every reported reading?
    therapy: str | None = None
    primary: str | None = None
    note: str = ""

    @property
    def text(self) -> str:
        """'21–22 months', '25+ months', 'at least 9 months', or 'not computable from the dates'."""
        if self.months_min is None:
            return "not computable from the dates"
        return months_text(self.months_min, self.months_max, self.censored)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["text"] = self.text
        return data


def months_text(low: float, high: float | None, censored: bool = False) -> str:
    """A duration range in whole months, as papers give them: '4 months', '21–22 months', '25+ months'
    (still without the event at the last follow-up), 'at least 9 months' (nothing bounds it above), 'up to
    12 months' (nothing states how short it was)."""
    first = round(low)
    if high is None:
        if not censored and first == 0:
            return "length not stated"
        return f"{first}+ months" if censored else f"at least {_count(first)}"
    last = round(high)
    if first == 0 and last > 0 and not censored:
        return f"up to {_count(last)}"
    if first == last and not censored:
        return _count(first)
    span = f"{first}" if first == last else f"{first}–{last}"
    return f"{span}{'+' if censored else ''} months"


def _count(months: int) -> str:
    return "1 month" if months == 1 else f"{months} months"


def month_range(days: Bounds) -> tuple[float, float | None]:
    """A distance in days as months (shortest never below zero; longest None when open)."""
    low = 0.0 if days.earliest is None else max(0, days.earliest) / DAYS_PER_MONTH
    high = None if days.latest is None else max(0, days.latest) / DAYS_PER_MONTH
    return round(low, 1), None if high is None else round(high, 1)


def lines_of_therapy(timeline: Timeline) -> list[TherapyLine]:
    """Systemic therapies grouped by their `line` number, in line order."""
    groups: dict[int, list[Dated]] = {}
    for dated in timeline.of_kind(*THERAPY_KINDS):
        if dated.event.line is not None:
            groups.setdefault(dated.event.line, []).append(dated)
    lines = []
    for number in sorted(groups):
        therapies = sorted(groups[number], key=lambda d: d.day_start)
        ongoing = any(d.ongoing for d in therapies)
        end = None if any(d.end is None for d in therapies) else max(therapies, key=lambda d: d.day_end)
        lines.append(TherapyLine(number, therapies, therapies[0], end, ongoing))
    return lines


def _progressions(timeline: Timeline) -> list[Dated]:
    events = [d for d in timeline.items if d.kind == "progression" and d.event.certainty != "refuted"
              or d.kind == "response" and d.event.category == "PD" and d.event.certainty != "refuted"
              or d.kind == "status" and d.event.status == "dead"]
    return sorted(events, key=lambda d: d.day_start)


def _primary_of(timeline: Timeline, dated: Dated) -> str | None:
    """The diagnosis an event belongs to: its `primary`, else the latest diagnosis drawn before it."""
    if field_value(dated.event, "primary"):
        return dated.event.primary
    before = [d for d in timeline.of_kind("diagnosis") if d.day_start <= dated.day_start and d.key[0] == "diagnoses"]
    if before:
        return max(before, key=lambda d: d.day_start).event_id
    return timeline.case.diagnoses[0].id


def last_follow_up(timeline: Timeline) -> Dated:
    """The event that dates the last follow-up: the latest status event, else the latest drawn event."""
    statuses = list(timeline.of_kind("status"))
    pool = statuses or timeline.items
    return max(pool, key=lambda d: (d.day_end if d.day_end is not None else d.day_start, d.day_start))


def censoring_note(timeline: Timeline, what: str) -> str:
    """'no progression recorded: censored at the last follow-up, Alive (2024-10-08 or later)'."""
    last = last_follow_up(timeline)
    when = timeline.say(timeline.follow_up)
    return f"{what}: censored at the last follow-up, {event_label(last.event, last.kind)} ({when})"


@dataclass
class _Pending:
    """An outcome waiting for its distance: from one date to another, both (event key, side) or FOLLOW_UP."""

    outcome: Outcome
    since: tuple
    until: tuple


def outcomes(timeline: Timeline) -> list[Outcome]:
    """PFS per line, time on each therapy, DFS after each surgery, OS per diagnosis; each beside the
    paper's figure where the case's `reported` block gives one. Every duration is a distance in the case's
    temporal network, so "crizotinib + 4 months" gives 4 months however uncertain crizotinib's start is."""
    pending = _pfs(timeline) + _time_on_treatment(timeline) + _dfs(timeline) + _os(timeline) + _intervals(timeline)
    for item, days in zip(pending, timeline.distances([(p.since, p.until) for p in pending])):
        item.outcome.months_min, item.outcome.months_max = month_range(days)
    return _attach_reported(timeline, [p.outcome for p in pending])


def _outcome(name: str, label: str, since: tuple, until: tuple, censored: bool, **fields) -> _Pending:
    return _Pending(Outcome(name, label, None, None, censored, **fields), since, until)


def _pfs(timeline: Timeline) -> list[_Pending]:
    results = []
    lines = lines_of_therapy(timeline)
    events = _progressions(timeline)
    for i, line in enumerate(lines):
        next_start = lines[i + 1].start.day_start if i + 1 < len(lines) else None
        ids = set(line.event_ids)
        candidates = [p for p in events if field_value(p.event, "therapy") in ids or field_value(p.event, "therapy")
                      is None and p.day_start >= line.start.day_start and (next_start is None or p.day_start <= next_start)]
        found = next((p for p in candidates if field_value(p.event, "therapy") in ids
                      or _certainly_after(timeline, line.start_key, (p.key, "start"))), None)
        label = f"PFS on line {line.number} ({' + '.join(line.agents)})"
        if found is not None:
            results.append(_outcome("pfs", label, line.start_key, (found.key, "start"), False,
                                    therapy=_first(line.event_ids), note=f"to {found.kind} {event_key_id(found)}"))
        elif line.end_key is None or line.end_key == FOLLOW_UP:
            results.append(_outcome("pfs", label, line.start_key, FOLLOW_UP, True, therapy=_first(line.event_ids),
                                    note=censoring_note(timeline, "no progression recorded")))
        else:
            results.append(_outcome("pfs", label, line.start_key, line.end_key, True, therapy=_first(line.event_ids),
                                    note="no progression recorded: censored at the end of the line"))
    return results


def _certainly_after(timeline: Timeline, first: tuple, then: tuple) -> bool:
    """Whether the case's dates put `then` at or after `first` (drawn order alone can guess)."""
    least = timeline.distance(first, then).earliest
    return least is not None and least >= 0


def _first(ids: list[str]) -> str | None:
    return ids[0] if ids else None


def _time_on_treatment(timeline: Timeline) -> list[_Pending]:
    results = []
    for dated in timeline.of_kind(*THERAPY_KINDS):
        if dated.end is None:
            continue
        name = therapy_name(dated.event, dated.kind)
        intent = f", {dated.event.intent}" if dated.event.intent else ""
        until = FOLLOW_UP if dated.ongoing else (dated.key, "end")
        results.append(_outcome("time_on_treatment", f"Time on {name}{intent}", (dated.key, "start"), until,
                                bool(dated.ongoing), therapy=dated.event_id,
                                note=censoring_note(timeline, "still taken") if dated.ongoing else ""))
    return results


def _dfs(timeline: Timeline) -> list[_Pending]:
    results = []
    events = [p for p in _progressions(timeline) if p.kind != "status"]
    for surgery in _definitive_surgeries(timeline):
        primary = _primary_of(timeline, surgery)
        later = [p for p in events if p.day_start > surgery.day_start]
        recurrence = next((p for p in later if _primary_of(timeline, p) == primary), None)
        label = f"DFS after {surgery.event.procedure or 'surgery'} ({primary})"
        deaths = [d for d in _progressions(timeline) if d.kind == "status" and d.day_start > surgery.day_start]
        if recurrence is None and deaths:
            recurrence = deaths[0]
        if recurrence is not None:
            results.append(_outcome("dfs", label, (surgery.key, "start"), (recurrence.key, "start"), False,
                                    primary=primary, note=f"to {recurrence.kind} {event_key_id(recurrence)}"))
        else:
            results.append(_outcome("dfs", label, (surgery.key, "start"), FOLLOW_UP, True, primary=primary,
                                    note=censoring_note(timeline, "no recurrence recorded")))
    return results


def _definitive_surgeries(timeline: Timeline) -> list[Dated]:
    """The first surgery after each diagnosis (its resection): DFS runs from there, not from later
    procedures such as a preventive oophorectomy."""
    chosen: dict[str, Dated] = {}
    for surgery in sorted(timeline.of_kind("surgery"), key=lambda d: d.day_start):
        chosen.setdefault(_primary_of(timeline, surgery), surgery)
    return list(chosen.values())


def _os(timeline: Timeline) -> list[_Pending]:
    results = []
    deaths = sorted((d for d in timeline.of_kind("status") if d.event.status == "dead"), key=lambda d: d.day_start)
    for diagnosis in (d for d in timeline.items if d.key[0] == "diagnoses"):
        label = f"OS from diagnosis of {diagnosis.event.label}"
        if deaths:
            results.append(_outcome("os", label, (diagnosis.key, "start"), (deaths[0].key, "start"), False,
                                    primary=diagnosis.event_id))
        else:
            results.append(_outcome("os", label, (diagnosis.key, "start"), FOLLOW_UP, True,
                                    primary=diagnosis.event_id, note=censoring_note(timeline, "alive")))
    return results


def _intervals(timeline: Timeline) -> list[_Pending]:
    """The other intervals the paper states ('no recurrence 14 months after stopping gefitinib'), between the
    two points it names, so that each is compared with what the dates give."""
    return [_outcome("interval", reported.label, _point(timeline, reported.from_), _point(timeline, reported.to),
                     reported.censored)
            for reported in timeline.case.reported if reported.name == "interval"]


def _point(timeline: Timeline, reference: str) -> tuple:
    """'gefitinib' or 'gefitinib.end' as the point it names; 'last follow-up' as the follow-up."""
    if reference == "last follow-up":
        return FOLLOW_UP
    event_id, _, side = reference.partition(".")
    return (timeline.by_id(event_id).key, side or "start")


def _matches(outcome: Outcome, reported, lines: list[TherapyLine]) -> bool:
    if outcome.name != reported.name:
        return False
    if reported.name == "interval":
        return outcome.label == reported.label
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
        match = next((o for o in computed if _matches(o, reported, lines) and not o.reported_text), None)
        if match is None:
            match = next((o for o in computed if _matches(o, reported, lines)), None)
        if match is None or match.reported_text:
            match = Outcome(reported.name, reported.label or reported.name.upper(), None, None, reported.censored,
                            therapy=reported.therapy, primary=reported.primary,
                            note="the dates of the case do not allow computing this figure"
                            if match is None else "a further reading of the same figure")
            computed.append(match)
        match.reported_readings = reported.readings
        match.reported_months = reported.readings[0] if reported.readings else None
        match.reported_censored = reported.censored
        match.reported_text = reported.as_written
        if reported.label:
            match.label = reported.label
        if match.months_min is not None and reported.readings:  # a figure in words alone is shown, not compared
            match.consistent = all(_holds(match, r, reported.censored) for r in reported.readings)
    return computed


def _holds(outcome: Outcome, months: float, censored: bool) -> bool:
    high = math.inf if outcome.months_max is None else outcome.months_max + ROUNDING_MONTHS
    if censored or outcome.censored:
        return months <= high
    return outcome.months_min - ROUNDING_MONTHS <= months <= high


def recist(timeline: Timeline, measurements: pd.DataFrame | None = None) -> list[Assessment]:
    """RECIST 1.1 at each imaging time point of the case's target lesions."""
    table = measurement_table(timeline) if measurements is None else measurements
    targets = table[table["target"] & table["size_status"].ne("qualitative")]  # a change in words is no size
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
