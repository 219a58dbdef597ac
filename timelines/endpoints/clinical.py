"""Clinical computations: endpoints per line, regimen, surgery and diagnosis (as month ranges), RECIST per case.

Every endpoint is a distance in the case's temporal network between its start and its event, or the point that
censors it, and says its definition, its event and its censoring in words. Definitions:

- FDA, *Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics*, Guidance for Industry (2018):
  OS, PFS, TTP, DoR and their censoring (PFS without an event is censored at the last adequate disease
  assessment, before any new anticancer therapy; never at the end of a therapy).
- STEEP 2.0, Tolaney SM et al., J Clin Oncol 2021;39:2720-2731: the events of invasive disease-free survival
  (local, regional and distant recurrence, a second primary invasive cancer, death from any cause).
- DATECAN (Bellera CA et al., Ann Oncol 2015; Gourgou-Bourgade S et al., Ann Oncol 2015): time-to-event
  endpoints said with their start, events and censoring.
- RECIST 1.1, Eisenhauer EA et al., Eur J Cancer 2009;45:228-247: response categories and best overall response.

In a case report the "start" is the start of the line, regimen or surgery, or the diagnosis, where a trial would
use randomization.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from ..kinds import THERAPY_KINDS
from ..measures import Assessment, assess
from ..schema import field_value
from ..tables import event_label, measurement_table, therapy_name
from ..text import shorten
from ..time.dates import DAYS_PER_MONTH, Bounds, parse_date
from ..time.resolution import FOLLOW_UP
from ..timeline import Dated, Timeline, hold_keys
from .best_response import same_visit
from .lines import TherapyLine, lines_of_therapy, next_line

ROUNDING_MONTHS = 0.5  # papers round durations to whole months
NOT_REPORTED = "not reported"

# Each endpoint in words, as the summary, the tumor board and the deck say it (cases/README.md, Endpoints).
DEFINITIONS = {
    "pfs": "PFS: from the start of the line (or regimen) to progression or death from any cause; without either, "
           "censored at the last disease assessment (imaging or response), or at the last one before the next "
           "anticancer therapy; never at the end of the therapy (FDA endpoints guidance)",
    "pfs2": "PFS2: from the start of the line to progression on the next line, or death (FDA endpoints guidance)",
    "ttnt": "TTNT: from the start of the line to the start of the next line, or death; without either, censored "
            "at the last follow-up",
    "time_on_treatment": "Time on treatment: from the first to the last dose, less the interruptions the case "
                         "records; a therapy given until progression ends at that progression; an end the paper "
                         "does not give is 'not reported'",
    "dor": "DoR: from the first documented CR or PR to progression or death; censored as PFS (FDA endpoints guidance, RECIST 1.1)",
    "time_to_response": "Time to response: from the start of the line to the first documented CR or PR",
    "dfs": "DFS: from each curative-intent surgery to recurrence (local, regional, distant), a second primary "
           "invasive cancer or death from any cause; without one, censored at the last follow-up (STEEP 2.0)",
    "os": "OS: from each diagnosis to death from any cause; censored at the last date known alive (FDA endpoints guidance)",
    "interval": "An interval the paper states, between the two points it names",
}


@dataclass
class Outcome:
    """A duration computed from the dates, as a range in months, beside the paper's figure."""

    name: str  # pfs | pfs2 | ttnt | dor | time_to_response | os | dfs | time_on_treatment | interval
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
    note: str = ""  # what ended it, or what censored it, in words
    line: int | None = None
    line_inferred: bool = False
    unreported: bool = False  # an end the paper does not give: said 'not reported', never as a duration
    definition: str = ""

    @property
    def text(self) -> str:
        """'21–22 months', '25+ months', 'at least 9 months', 'not reported' or 'not computable from the dates'."""
        if self.unreported:
            return NOT_REPORTED
        if self.months_min is None:
            return "not computable from the dates"
        return months_text(self.months_min, self.months_max, self.censored)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["text"] = self.text
        return data


def months_text(low: float, high: float | None, censored: bool = False) -> str:
    """A duration range in whole months, as papers give them: '4 months', '21–22 months', '25+ months'
    (still without the event at the last follow-up), 'at least 9 months' (nothing bounds it above), '0–12
    months' (a range the dates allow; an end the paper does not give is 'not reported', never a range)."""
    first = round(low)
    if high is None:
        if not censored and first == 0:
            return "length not stated"
        return f"{first}+ months" if censored else f"at least {_count(first)}"
    last = round(high)
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


def _progressions(timeline: Timeline) -> list[Dated]:
    """Progressions (a progression event or a PD response, not refuted) and deaths, in drawn order."""
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


def _said(timeline: Timeline, dated: Dated) -> str:
    """'Brain metastases after adjuvant chemoradiotherapy (progression, 2022-09-08)': an event that ends or
    censors an endpoint, in words."""
    label = shorten(event_label(dated.event, dated.kind), 80)
    return f"{label} ({dated.kind.replace('_', ' ')}, {timeline.say_dated(dated)})"


@dataclass
class _Pending:
    """An outcome waiting for its distance: from one date to another, both (event key, side) or FOLLOW_UP."""

    outcome: Outcome
    since: tuple
    until: tuple | None  # None: nothing to measure (an end not reported)
    less: list[tuple[tuple, tuple]] = field(default_factory=list)  # intervals to subtract (treatment holds)


def outcomes(timeline: Timeline) -> list[Outcome]:
    """Every endpoint the case's dates allow, each beside the paper's figure where the case's `reported` block
    gives one: PFS, PFS2, TTNT, time to response and DoR per line (PFS also per regimen), time on each therapy,
    DFS after each curative-intent surgery, OS from each diagnosis. Every duration is a distance in the case's
    temporal network, so "crizotinib + 4 months" gives 4 months however uncertain crizotinib's start is."""
    lines = lines_of_therapy(timeline)
    pending = (_line_endpoints(timeline, lines) + _time_on_treatment(timeline) + _dfs(timeline) + _os(timeline)
               + _intervals(timeline))
    return _attach_reported(timeline, _measured(timeline, pending))


def summary_outcomes(timeline: Timeline) -> list[Outcome]:
    """What a cohort's summary row says of a case, as `outcomes` finds it: the first line's PFS, then OS from each
    diagnosis (every endpoint, with `outcomes`, for a case whose `reported` block may give one the dates do not
    allow). A registry's summary table asks this of every patient: the other endpoints are left uncomputed."""
    if timeline.case.reported:
        return outcomes(timeline)
    lines = lines_of_therapy(timeline)
    first = []
    if lines:
        following, event, where, common = _line_start(timeline, lines, lines[0])
        first.append(_pfs(timeline, f"PFS on {where}", lines[0], lines[0].start_key, following, event, common))
    return _measured(timeline, first + _os(timeline))


def _measured(timeline: Timeline, pending: list[_Pending]) -> list[Outcome]:
    """The outcomes with their distances measured in the case's network, together."""
    pairs = [(p.since, p.until) for p in pending if p.until is not None]
    pairs += [pair for p in pending for pair in p.less]
    found = iter(timeline.distances(pairs))
    measured = {id(p): next(found) for p in pending if p.until is not None}
    for item in pending:
        days = measured.get(id(item))
        if days is None:
            continue
        for _ in item.less:
            held = next(found)
            days = Bounds(None if days.earliest is None else days.earliest - (held.latest or 0),
                          None if days.latest is None else days.latest - max(0, held.earliest or 0))
        item.outcome.months_min, item.outcome.months_max = month_range(days)
        if item.outcome.definition == "" and item.outcome.name in DEFINITIONS:
            item.outcome.definition = DEFINITIONS[item.outcome.name]
    for item in pending:
        item.outcome.definition = item.outcome.definition or DEFINITIONS.get(item.outcome.name, "")
    return [p.outcome for p in pending]


def _outcome(name: str, label: str, since: tuple, until: tuple | None, censored: bool, **fields) -> _Pending:
    less = fields.pop("less", [])
    return _Pending(Outcome(name, label, None, None, censored, **fields), since, until, less)


# ---------------------------------------------------------------- per line and per regimen

def _line_endpoints(timeline: Timeline, lines: list[TherapyLine]) -> list[_Pending]:
    """PFS (per line, then per regimen where a line has more than one), PFS2, TTNT, time to response and DoR."""
    results = []
    for line in lines:
        following, event, where, common = _line_start(timeline, lines, line)
        results.append(_pfs(timeline, f"PFS on {where}", line, line.start_key, following, event, common))
        if len(line.regimens) > 1:
            for regimen in line.regimens:
                since = (regimen.start.key, "start")
                found = _line_event(timeline, line, since, following, after=regimen.start)
                role = "maintenance" if regimen.setting == "maintenance" else \
                    "first regimen" if regimen is line.regimens[0] else "added regimen"
                label = f"PFS on {' + '.join(regimen.agents)} ({role}, {line.name})"
                results.append(_pfs(timeline, label, line, since, following, found,
                                    {**common, "therapy": regimen.start.event_id}))
        if following is not None:
            second = _line_event(timeline, following, following.start_key, next_line(lines, following))
            if second is not None:
                results.append(_outcome("pfs2", f"PFS2 from {where}", line.start_key, (second.key, "start"), False,
                                        note=f"to {_said(timeline, second)} on {following.name}", **common))
        results.append(_ttnt(timeline, line, following, where, common))
        results += _response_endpoints(timeline, line, following, event, where, common)
    return results


def _line_start(timeline: Timeline, lines: list[TherapyLine], line: TherapyLine) -> tuple:
    """What a line's endpoints start from: the next line of its family, its first progression or death, the line
    in words, and the fields its outcomes share."""
    following = next_line(lines, line)
    event = _line_event(timeline, line, line.start_key, following)
    where = f"{line.name} ({' + '.join(line.agents)})"
    common = {"therapy": _first(line.event_ids), "line": line.number, "line_inferred": line.inferred}
    return following, event, where, common


def _line_event(timeline: Timeline, line: TherapyLine, since: tuple, following: TherapyLine | None,
                after: Dated | None = None) -> Dated | None:
    """The first progression or death of a line: one the case ties to a therapy of the line (`therapy:`), or an
    untied one drawn between the start and the next line of its family and certainly after the start."""
    ids = set(line.event_ids)
    next_start = following.start.day_start if following is not None else None
    first_day = (after or line.start).day_start
    for p in _progressions(timeline):
        tied = field_value(p.event, "therapy")
        if tied in ids and p.day_start >= first_day:
            return p
        if tied is None and p.day_start >= first_day and (next_start is None or p.day_start <= next_start) \
                and _certainly_after(timeline, since, (p.key, "start")):
            return p
    return None


def _assessments(timeline: Timeline) -> list[Dated]:
    """Disease assessments: imaging, responses (any category or words), and remission or no evidence of disease."""
    return sorted((d for d in timeline.items if field_value(d.event, "certainty") != "refuted" and (
        d.kind in ("imaging", "response") or d.kind == "status" and d.event.status in ("remission",
                                                                                      "no_evidence_of_disease"))),
                  key=lambda d: d.day_start)


def _censoring_point(timeline: Timeline, line: TherapyLine, since: tuple, following: TherapyLine | None,
                     first_day: int) -> tuple[tuple, str]:
    """Where an endpoint without progression or death is censored (FDA 2018): the last disease assessment from
    the start, or the last one before the next line; where the paper states the line's PFS as censored at the
    last follow-up (no progression then), the last follow-up; with no assessment at all, the start."""
    cutoff = following.start.day_start if following is not None else None
    seen = [a for a in _assessments(timeline) if a.day_start >= first_day and (cutoff is None or a.day_start <= cutoff)]
    ids = set(line.event_ids)
    vouched = following is None and any(r.name == "pfs" and r.censored and r.therapy in ids
                                        for r in timeline.case.reported)
    if vouched:
        return FOLLOW_UP, censoring_note(timeline, "no progression recorded, and the paper gives this PFS as "
                                                   "still without progression then")
    before = f", the last before {following.name}" if following is not None else ""
    if seen:
        last = seen[-1]
        return (last.key, "start"), f"no progression recorded: censored at the last disease assessment{before}, " \
                                    f"{_said(timeline, last)}"
    return since, "no progression recorded and no disease assessment after the start: censored at the start"


def _pfs(timeline: Timeline, label: str, line: TherapyLine, since: tuple, following: TherapyLine | None,
         event: Dated | None, common: dict) -> _Pending:
    if event is not None:
        return _outcome("pfs", label, since, (event.key, "start"), False, note=f"to {_said(timeline, event)}",
                        **common)
    first_day = timeline.resolution.drawing.drawn[timeline.resolution.point(since)]
    point, note = _censoring_point(timeline, line, since, following, first_day)
    return _outcome("pfs", label, since, point, True, note=note, **common)


def _ttnt(timeline: Timeline, line: TherapyLine, following: TherapyLine | None, where: str, common: dict) -> _Pending:
    deaths = [d for d in _progressions(timeline) if d.kind == "status" and d.day_start >= line.start.day_start]
    if following is not None and (not deaths or following.start.day_start <= deaths[0].day_start):
        return _outcome("ttnt", f"TTNT from {where}", line.start_key, following.start_key, False,
                        note=f"to the start of {following.name} ({' + '.join(following.agents)})", **common)
    if deaths:
        return _outcome("ttnt", f"TTNT from {where}", line.start_key, (deaths[0].key, "start"), False,
                        note=f"to {_said(timeline, deaths[0])}", **common)
    return _outcome("ttnt", f"TTNT from {where}", line.start_key, FOLLOW_UP, True,
                    note=censoring_note(timeline, "no next line recorded"), **common)


def _response_endpoints(timeline: Timeline, line: TherapyLine, following: TherapyLine | None, event: Dated | None,
                        where: str, common: dict) -> list[_Pending]:
    """Time to response and DoR, from the first CR or PR of the line (RECIST 1.1 categories as the case gives
    them; a response in words is no category and starts neither)."""
    ids = set(line.event_ids)
    cutoff = following.start.day_start if following is not None else None
    progressed = [p for p in _progressions(timeline) if p.kind != "status"]
    responses = [r for r in timeline.of_kind("response") if r.event.category in ("CR", "PR")
                 and r.event.certainty != "refuted" and (r.event.therapy in ids or r.event.therapy is None
                 and r.day_start >= line.start.day_start and (cutoff is None or r.day_start <= cutoff))
                 and not (r.event.scope not in (None, "", "overall")
                          and any(same_visit(timeline, r, p) for p in progressed))]
    # a response scoped to part of the disease, at a visit where progression was found, is no overall response
    if not responses:
        return []
    first = min(responses, key=lambda d: d.day_start)
    scope = f" {first.event.scope}" if first.event.scope else ""
    results = [_outcome("time_to_response", f"Time to response on {where}", line.start_key, (first.key, "start"),
                        False, note=f"to the{scope} {first.event.category}, {_said(timeline, first)}", **common)]
    label = f"DoR on {where}, from the{scope} {first.event.category}"
    since = (first.key, "start")
    if event is not None and event.day_start >= first.day_start:
        results.append(_outcome("dor", label, since, (event.key, "start"), False, note=f"to {_said(timeline, event)}",
                                **common))
    else:
        point, note = _censoring_point(timeline, line, since, following, first.day_start)
        results.append(_outcome("dor", label, since, point, True, note=note, **common))
    return results


def _certainly_after(timeline: Timeline, first: tuple, then: tuple) -> bool:
    """Whether the case's dates put `then` at or after `first` (drawn order alone can guess)."""
    least = timeline.distance(first, then).earliest
    return least is not None and least >= 0


def _first(ids: list[str]) -> str | None:
    return ids[0] if ids else None


# ---------------------------------------------------------------- per therapy

def _end_only_ordered(event) -> bool:
    """An end written only by its order ('between X and Y', 'after X', 'before Y'): a length the paper never gives."""
    end = field_value(event, "end")
    return bool(end) and field_value(event, "start") is not None and parse_date(end).form in ("after", "before",
                                                                                            "between", "unknown")


def _time_on_treatment(timeline: Timeline) -> list[_Pending]:
    """Time on each therapy given (FDA 2018 lists it among the endpoints a trial may describe): first to last dose
    less the holds; a therapy given until progression (its end not reported, a progression tied to it with
    `therapy:`) ends at the last such progression; an end the paper does not give is 'not reported'."""
    results = []
    tied: dict[str, list[Dated]] = {}
    for p in _progressions(timeline):
        if field_value(p.event, "therapy"):
            tied.setdefault(p.event.therapy, []).append(p)
    for dated in timeline.of_kind(*THERAPY_KINDS):
        if field_value(dated.event, "planned", False):
            continue
        name = therapy_name(dated.event, dated.kind)
        intent = f", {dated.event.intent}" if dated.event.intent else ""
        label = f"Time on {name}{intent}"
        holds = hold_keys(dated.event, dated.key)
        held = f"; less {len(holds)} interruption{'s' if len(holds) > 1 else ''}" if holds else ""
        since = (dated.key, "start")
        if dated.ongoing:
            results.append(_outcome("time_on_treatment", label, since, FOLLOW_UP, True, therapy=dated.event_id,
                                    note=censoring_note(timeline, "still taken") + held, less=holds))
        elif dated.end is None and dated.event_id in tied:
            until = max(tied[dated.event_id], key=lambda d: d.day_start)
            results.append(_outcome("time_on_treatment", f"{label}, given until progression", since,
                                    (until.key, "start"), False, therapy=dated.event_id, less=holds,
                                    note=f"end not reported; given until {_said(timeline, until)}{held}"))
        elif dated.end is None or _end_only_ordered(dated.event) and _least_days(timeline, dated) < 15:
            window = "" if dated.end is None else _allowed(timeline, dated)
            results.append(_outcome("time_on_treatment", label, since, None, False, therapy=dated.event_id,
                                    unreported=True, note=f"the paper does not give its end{window}"))
        else:
            results.append(_outcome("time_on_treatment", label, since, (dated.key, "end"), False,
                                    therapy=dated.event_id, note=held.removeprefix("; "), less=holds))
    return results


def _least_days(timeline: Timeline, dated: Dated) -> int:
    return timeline.distance((dated.key, "start"), (dated.key, "end")).earliest or 0


def _allowed(timeline: Timeline, dated: Dated) -> str:
    """'; the dates allow 0 to 62 months' for an end written only by its order, '' when nothing bounds it."""
    low, high = month_range(timeline.distance((dated.key, "start"), (dated.key, "end")))
    return "" if high is None else f"; the dates allow {round(low)} to {round(high)} months"


# ---------------------------------------------------------------- per surgery and per diagnosis

def _dfs(timeline: Timeline) -> list[_Pending]:
    """DFS after each curative-intent surgery (STEEP 2.0): to the first recurrence of its primary, a second
    primary invasive cancer diagnosed after it, or death from any cause; else censored at the last follow-up."""
    results = []
    events = [p for p in _progressions(timeline) if p.kind != "status"]
    deaths = [d for d in _progressions(timeline) if d.kind == "status"]
    primaries = [d for d in timeline.items if d.key[0] == "diagnoses"]
    for surgery in curative_surgeries(timeline):
        primary = _primary_of(timeline, surgery)
        since = (surgery.key, "start")
        candidates = [p for p in events if p.day_start > surgery.day_start and _primary_of(timeline, p) == primary]
        candidates += [d for d in primaries if d.event_id != primary and d.day_start > surgery.day_start
                       and _certainly_after(timeline, since, (d.key, "start"))]
        candidates += [d for d in deaths if d.day_start > surgery.day_start]
        label = f"DFS after {surgery.event.procedure or 'surgery'} ({primary})"
        if candidates:
            first = min(candidates, key=lambda d: d.day_start)
            what = f"second primary: {shorten(first.event.label, 80)} ({timeline.say_dated(first)})" \
                if first.key[0] == "diagnoses" else _said(timeline, first)
            results.append(_outcome("dfs", label, since, (first.key, "start"), False, primary=primary,
                                    note=f"to {what}"))
        else:
            results.append(_outcome("dfs", label, since, FOLLOW_UP, True, primary=primary,
                                    note=censoring_note(timeline, "no recurrence, second primary or death recorded")))
    return results


def curative_surgeries(timeline: Timeline) -> list[Dated]:
    """The surgeries DFS runs from: those with `intent: curative`, and where no intent is given, the first
    surgery after each diagnosis (its resection) and the first after each recurrence of it (a re-resection).
    Palliative, diagnostic, preventive, reconstructive and unrelated operations start no DFS."""
    chosen: list[Dated] = []
    seen: set = set()
    recurrences = [p for p in _progressions(timeline) if p.kind != "status"]
    for surgery in sorted(timeline.of_kind("surgery"), key=lambda d: d.day_start):
        intent = field_value(surgery.event, "intent")
        if intent not in (None, "curative"):
            continue
        primary = _primary_of(timeline, surgery)
        last = max((p.day_start for p in recurrences if _primary_of(timeline, p) == primary
                    and p.day_start < surgery.day_start), default=None)
        mark = (primary, last)
        if intent == "curative" or mark not in seen:
            chosen.append(surgery)
        seen.add(mark)
    return chosen


def _os(timeline: Timeline) -> list[_Pending]:
    results = []
    deaths = sorted((d for d in timeline.of_kind("status") if d.event.status == "dead"), key=lambda d: d.day_start)
    for diagnosis in (d for d in timeline.items if d.key[0] == "diagnoses"):
        label = f"OS from diagnosis of {diagnosis.event.label}"
        if deaths:
            results.append(_outcome("os", label, (diagnosis.key, "start"), (deaths[0].key, "start"), False,
                                    primary=diagnosis.event_id, note=f"to {_said(timeline, deaths[0])}"))
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
            line = next((t for t in lines if reported.therapy in t.event_ids), None)
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
