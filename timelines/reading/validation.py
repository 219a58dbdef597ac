"""Checks that need the whole case: unique ids, references between events and lesions, sizes, dates in order."""

from __future__ import annotations

from typing import Iterator

from ..errors import ValueProblem, did_you_mean
from ..kinds import SPECIMEN_KINDS, THERAPY_KINDS, TREATMENT_KINDS
from ..measures import parse_size
from ..schema import Case, field_value
from ..time.dates import shift
from ..timeline import Timeline

Found = tuple[tuple, str, str]  # field path, message, hint


def check_case(case: Case, file_stem: str | None = None) -> list[Found]:
    """Problems found before dates are resolved (ids, references, sizes)."""
    return list(_ids(case, file_stem)) + list(_references(case)) + list(_sizes(case))


def check_timeline(timeline: Timeline) -> list[Found]:
    """Problems that need resolved dates."""
    return list(_after_death(timeline)) + list(_before_birth(timeline))


def _ids(case: Case, file_stem: str | None) -> Iterator[Found]:
    if file_stem and not file_stem.startswith("_") and file_stem != case.id:
        yield ("id",), f"The id '{case.id}' does not match the file name '{file_stem}.yaml'", \
            f"rename the file to '{case.id}.yaml' or set id: {file_stem}"
    first: dict[str, tuple] = {}
    places = [(("diagnoses", i, "id"), d.id) for i, d in enumerate(case.diagnoses)]
    places += [(("events", i, "id"), e.id) for i, e in enumerate(case.events) if e.id]
    for where, event_id in places:
        if event_id in first:
            yield where, f"The id '{event_id}' is already used by {_name(first[event_id])}", \
                "every event and diagnosis needs its own id; rename one of them"
        else:
            first[event_id] = where
    declared: set[str] = set()
    for i, lesion in enumerate(case.lesions):
        if lesion.id in declared:
            yield ("lesions", i, "id"), f"The lesion id '{lesion.id}' is used twice", "give each lesion its own id"
        declared.add(lesion.id)


def _name(where: tuple) -> str:
    return f"{where[0]}[{where[1]}]"


class _Ids:
    """The ids a reference of the case may name: events and diagnoses, with their kinds."""

    def __init__(self, case: Case):
        self.kinds = {d.id: "diagnosis" for d in case.diagnoses}
        self.kinds.update({e.id: e.kind for e in case.events if e.id})
        self.diagnoses = [d.id for d in case.diagnoses]

    def check(self, where: tuple, value: str | None, allowed: tuple[str, ...] | None, what: str) -> Iterator[Found]:
        """A problem if `value` names no event or diagnosis, or one not of the `allowed` kinds (None: any)."""
        kinds = self.kinds
        if value is None or value in kinds and (allowed is None or kinds[value] in allowed):
            return
        options = [k for k, kind in kinds.items() if allowed is None or kind in allowed]  # only on a problem
        if value not in kinds:
            yield where, f"'{value}' is not the id of any {what}", did_you_mean(value, options) if options else f"add a {what} with id: {value}"
        else:
            yield where, f"'{value}' is a {kinds[value]} event, not a {what}", did_you_mean(value, options) if options else ""

    def check_diagnosis(self, where: tuple, value: str | None) -> Iterator[Found]:
        if value is not None and value not in self.diagnoses:
            yield where, f"'{value}' is not the id of a diagnosis", did_you_mean(value, self.diagnoses)


def _references(case: Case) -> Iterator[Found]:
    ids = _Ids(case)
    yield from ids.check(("patient", "age_at"), case.patient.age_at, None, "event or diagnosis")
    yield from ids.check(("origin",), case.origin, None, "event or diagnosis")
    for i, event in enumerate(case.events):
        yield from _event_references(ids, ("events", i), event)
    for i, item in enumerate(case.reported):
        yield from _reported_references(ids, ("reported", i), item)
    yield from _lesion_references(case)


def _event_references(ids: _Ids, where: tuple, event) -> Iterator[Found]:
    fields = event.__dict__  # as field_value reads them; most events name no other event, and are passed at once
    for name, allowed, what in _EVENT_REFERENCES:
        if fields.get(name) is not None:
            yield from ids.check(where + (name,), fields[name], allowed, what)
    if event.settled_by and event.certainty not in ("confirmed", "refuted"):
        yield where + ("settled_by",), "This names the event that confirmed or refuted it (settled_by:), " \
            "but its certainty is not confirmed or refuted", "add certainty: confirmed (or refuted)"
    if fields.get("primary") is not None:
        yield from ids.check_diagnosis(where + ("primary",), fields["primary"])


# The fields of an event that name another event: (field, the kinds it may name (None: any), what it names).
_EVENT_REFERENCES = (("therapy", TREATMENT_KINDS, "therapy"), ("attribution", TREATMENT_KINDS, "therapy"),
                     ("specimen_of", SPECIMEN_KINDS, "biopsy or surgery"), ("settled_by", None, "event or diagnosis"))


def _reported_references(ids: _Ids, where: tuple, item) -> Iterator[Found]:
    yield from ids.check(where + ("therapy",), item.therapy, THERAPY_KINDS, "therapy")
    yield from ids.check_diagnosis(where + ("primary",), item.primary)
    for side, point in (("from", item.from_), ("to", item.to)):
        if point is not None and point != "last follow-up":
            yield from ids.check(where + (side,), point.split(".")[0], None, "event or diagnosis")
    if item.name in ("pfs", "time_on_treatment") and item.therapy is None:
        yield where + ("therapy",), f"A reported {item.name} needs the therapy it refers to", \
            "add 'therapy: <id of the therapy event>'"


def _lesion_references(case: Case) -> Iterator[Found]:
    lesions = [lesion.id for lesion in case.lesions]
    for i, event in enumerate(case.events):
        for j, measurement in enumerate(field_value(event, "measurements", [])):
            if measurement.lesion not in lesions:
                hint = did_you_mean(measurement.lesion, lesions) if lesions else \
                    f"declare it under lesions: (- id: {measurement.lesion}, label: ..., site: ...)"
                yield ("events", i, "measurements", j, "lesion"), \
                    f"Measures the lesion '{measurement.lesion}', which is not declared under lesions", hint


def _sizes(case: Case) -> Iterator[Found]:
    for i, event in enumerate(case.events):
        for j, measurement in enumerate(field_value(event, "measurements", [])):
            if measurement.size is None:  # a change in words only
                continue
            try:
                parse_size(measurement.size)
            except ValueProblem as error:
                yield ("events", i, "measurements", j, "size"), error.message, error.hint


def _after_death(timeline: Timeline) -> Iterator[Found]:
    deaths = [d for d in timeline.of_kind("status") if d.event.status == "dead"]
    if not deaths:
        return
    dated_deaths = [d for d in deaths if d.start.latest is not None]
    if not dated_deaths:
        return
    death = min(dated_deaths, key=lambda d: d.start.latest)
    for dated in timeline.items:
        if dated is death or dated.kind == "status" or dated.start.earliest is None:
            continue
        if dated.start.earliest > death.start.latest:
            field = "date" if dated.shape == "point" else "start"
            yield (dated.key + (field,)), f"This event is dated after the patient's death " \
                f"({timeline.say_dated(death)})", "check the date of this event and of the death"


def _before_birth(timeline: Timeline) -> Iterator[Found]:
    """Events that cannot have happened in the patient's lifetime, from `age` at the `age_at` event.

    Aged A at a date, the patient was born at the earliest A + 1 years less a day before it; only an event
    certainly earlier than that is reported, so a date known to the month or year is never a false alarm."""
    patient = timeline.case.patient
    anchor = timeline.by_id(patient.age_at) if patient.age is not None and patient.age_at else None
    if anchor is None or anchor.start.earliest is None:
        return
    born = shift(anchor.start.earliest, -(patient.age + 1), "year", timeline.on_calendar) + 1
    when = timeline.iso_day(born) or f"day {timeline.day(born)}"
    for dated in timeline.items:
        if dated.start.latest is not None and dated.start.latest < born:
            field = "date" if dated.shape == "point" else "start"
            yield dated.key + (field,), \
                f"This event is dated before the patient was born ({when} at the earliest, " \
                f"from age {patient.age} at {patient.age_at})", "check the date of this event, and the age and age_at of the patient"
