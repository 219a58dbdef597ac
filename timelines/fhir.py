"""A case as a FHIR R4 Bundle (type collection) following mCODE STU3 where a profile fits.

Built and validated with fhir.resources' R4B models (FHIR 4.3.0, the release closest to R4 4.0.1 it ships; every
element used here has the same shape in R4). Profiles: http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-*,
read from the mCODE IG source (github.com/HL7/fhir-mCODE-ig, tag STU3); `meta.profile` is set only where the
resource has what the profile requires.

Dates are never more precise than the case wrote them:

- A calendar date known to a day, a month or a year is that partial dateTime ('2022-09-08', '2022-09', '2022').
- A date known only within bounds (approximate, relative to another event, 'after X', 'between A and B') is a
  Period of its bounds where the element takes one, else the finest year, month or day that holds both bounds
  (none when they straddle a year). The text as written is kept on the element in the core extension
  `originalText`.
- A case without a calendar (`origin`) has no calendar date at all: each date element carries, instead of a value,
  the core extension `cqf-relativeDateTime` (its offset in days, or a range of days, from the start of the day-0
  event's resource), and the case's List says "Dates are offsets in days from day 0 (...)". A Period carries it on
  itself where its resource requires the element, and the date of diagnosis on the Condition itself (an extension's
  value, `assertedDate`, cannot carry extensions in the library's models).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cached_property

from fhir.resources.R4B.bundle import Bundle

from . import codes
from .codes import DRUGS, MARKERS, RXNORM, LOINC, coding, concept
from .kinds import kind_named
from .measures import parse_size
from .schema import Diagnosis, field_value
from .fhir_dates import UCUM, Dates, When, enclosing, when_of
from .tables import day_zero, event_label
from .timeline import Dated, Timeline

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILES = {name: MCODE + name for name in (
    "mcode-cancer-patient", "mcode-primary-cancer-condition", "mcode-cancer-related-surgical-procedure",
    "mcode-radiotherapy-course-summary", "mcode-cancer-related-medication-administration", "mcode-tumor",
    "mcode-tumor-size", "mcode-tumor-marker-test", "mcode-cancer-disease-status")}
ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
INTENT = MCODE + "mcode-procedure-intent"
LAB = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
IMAGING = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "imaging"}]}
# mCODE STU3's USCoreCondition is US Core 5.0.1's problems and health concerns profile: a problem-list item.
PROBLEM = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                       "code": "problem-list-item"}]}
MEDICATION_KINDS = ("chemotherapy", "targeted", "immunotherapy", "endocrine", "supportive")
# Kinds whose event is one resource keyed by the event itself (a therapy's first agent; a scan's sizes are members).
OWN_RESOURCE_KINDS = ("surgery", "biopsy", "radiotherapy", "response", "progression", "adverse_event") + MEDICATION_KINDS
# What has no resource here; listed by `not_carried` so nothing vanishes silently.
NOT_EXPORTED = {"symptom": "symptoms", "molecular": "molecular tests and their findings"}


@dataclass
class _Export:
    timeline: Timeline
    entries: list[dict] = field(default_factory=list)
    urls: dict = field(default_factory=dict)  # event key (or ('lesion', id)) -> fullUrl
    left: list[str] = field(default_factory=list)

    @property
    def case(self):
        return self.timeline.case

    @cached_property
    def dates(self) -> Dates:
        return Dates(self.timeline, *_day_zero_target(self))

    def url(self, *key) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"timelines:{self.case.id}:{key!r}"))

    def add(self, resource: dict, key: tuple, profile: str | None = None) -> str:
        if profile:
            resource["meta"] = {"profile": [PROFILES[profile]]}
        full = self.url(*key)
        self.urls.setdefault(key, full)
        self.entries.append({"fullUrl": full, "resource": resource})
        return full

    def patient(self) -> dict:
        return {"reference": self.url("patient")}

    def primary(self, event=None) -> dict:
        """The primary cancer condition an event names (`primary:`), else the case's first diagnosis."""
        wanted = field_value(event, "primary") if event is not None else None
        index = next((i for i, d in enumerate(self.case.diagnoses) if d.id == wanted), 0)
        return {"reference": self.url("diagnoses", index)}


def case_bundle(timeline: Timeline) -> dict:
    """The case as a FHIR Bundle of type collection, JSON-ready (validated by fhir.resources on the way).

    Parameters
    ----------
    timeline
        A loaded case (`timelines.loading.load_case`).

    Returns
    -------
    dict
        The Bundle: Patient, a primary cancer Condition per diagnosis, surgical Procedures, radiotherapy courses,
        a MedicationAdministration per therapy (per agent of a regimen) and per dose change, a Tumor BodyStructure
        per lesion, a tumour-size Observation per lesion per scan, an Observation per lab value, a cancer disease
        status Observation per response and progression, an AdverseEvent per adverse event, and a List of the case
        (its title, source, notes, reported outcomes, and how its dates are given).
    """
    return export_bundle(timeline)[0]


def not_carried(timeline: Timeline) -> list[str]:
    """What of the case the bundle does not carry, one line each ('events[2] (symptom 'Cough'): symptoms ...')."""
    return export_bundle(timeline)[1]


def export_bundle(timeline: Timeline) -> tuple[dict, list[str]]:
    """The bundle (`case_bundle`) and what it does not carry (`not_carried`), built once."""
    ex = _Export(timeline)
    ex.add(_patient(ex), ("patient",), "mcode-cancer-patient")
    for dated in timeline.of_kind("diagnosis"):
        if dated.key[0] == "diagnoses":
            ex.add(_condition(ex, dated, dated.event), dated.key, "mcode-primary-cancer-condition")
    for lesion in ex.case.lesions:
        ex.add(_tumor(ex, lesion), ("lesion", lesion.id), "mcode-tumor")
    for dated in timeline.items:
        if dated.key[0] == "events":
            _event(ex, dated)
    ex.add(_case_list(ex), ("list",))
    data = {"resourceType": "Bundle", "type": "collection", "entry": ex.entries}
    return Bundle.model_validate(data).model_dump(mode="json", by_alias=True, exclude_none=True), ex.left


def _day_zero_target(ex: _Export) -> tuple[str, str]:
    """The resource of the day-0 event and the path of its date; the case's List (whose note says what day 0 is)
    when that event has no resource of its own."""
    origin = ex.timeline.origin_event
    kind, event = origin.kind, origin.event
    if origin.key[0] == "diagnoses":
        return ex.url(*origin.key), "extension('" + ASSERTED_DATE + "')"
    if kind in OWN_RESOURCE_KINDS:
        path = {"surgery": "performed", "biopsy": "performed", "radiotherapy": "performed", "adverse_event": "date"}
        return ex.url(*origin.key), path.get(kind, "effective")
    if kind == "imaging" and (event.finding or event.trend):
        return ex.url(*origin.key), "effective"
    if kind == "imaging" and event.measurements or kind == "lab":
        return ex.url(*origin.key, 0), "effective"
    return ex.url("list"), "note"


def _is_day(ex: _Export, dated: Dated) -> bool:
    return ex.timeline.on_calendar and dated.start.exact


# ---------------------------------------------------------------- resources

def _notes(*texts: tuple[str, str | None]) -> dict:
    found = [{"text": f"{label}: {text}" if label else text} for label, text in texts if text]
    return {"note": found} if found else {}


def _said(event) -> tuple:
    return ("Quote", event.quote), ("Note", event.note)


def _patient(ex: _Export) -> dict:
    """CancerPatient (on US Core Patient: an identifier, a name, a gender). The identifier is the record's own URI
    (stable: derived from the case id), plus the patient within its paper ('Case 2' of the DOI) when the case gives
    a DOI; a published case has no name: it is absent for privacy (data-absent-reason 'masked', as US Core allows)."""
    case, patient = ex.case, ex.case.patient
    identifiers = [{"system": "urn:ietf:rfc:3986", "value": ex.url("patient")}]
    if case.source.doi and case.source.case:
        identifiers.append({"system": f"https://doi.org/{case.source.doi}", "value": case.source.case})
    resource = {"resourceType": "Patient", "identifier": identifiers, "gender": patient.sex,
                "name": [{"extension": [{"url": DATA_ABSENT, "valueCode": "masked"}]}]}
    for dated in ex.timeline.of_kind("status"):
        if dated.event.status == "dead":
            when = when_of(ex.timeline, dated)
            dead = ex.dates.date_time("deceasedDateTime", when)
            known = dead.get("deceasedDateTime") or not ex.timeline.on_calendar
            resource |= dead if known else {"deceasedBoolean": True}  # a date straddling a year: that it happened
    return resource


def _condition(ex: _Export, dated: Dated, diagnosis: Diagnosis) -> dict:
    when = when_of(ex.timeline, dated)
    resource = {"resourceType": "Condition", "category": [PROBLEM], "code": {"text": diagnosis.label},
                "subject": ex.patient()}
    extensions = []
    if diagnosis.histology:
        extensions.append({"url": HISTOLOGY, "valueCodeableConcept": {"text": diagnosis.histology}})
    if ex.timeline.on_calendar:
        value = enclosing(when.bounds)
        if value:
            extensions.append({"url": ASSERTED_DATE, "valueDateTime": value})
    else:
        extensions.append(ex.dates.relative(when))  # the date of diagnosis, as days from day 0
    if extensions:
        resource["extension"] = extensions
    if diagnosis.site:
        resource["bodySite"] = [{"text": diagnosis.site}]
    if diagnosis.stage:
        resource["stage"] = [{"summary": {"text": diagnosis.stage}}]
    markers = "; ".join(f"{b.name}: {b.result}" for b in diagnosis.biomarkers)
    dated_as = None if when.written == when.said or not ex.timeline.on_calendar else f"{when.written} ({when.said})"
    return resource | _notes(("Biomarkers", markers), ("Date of diagnosis as written", dated_as), *_said(diagnosis))


def _tumor(ex: _Export, lesion) -> dict:
    return {"resourceType": "BodyStructure", "patient": ex.patient(), "description": lesion.label,
            "location": {"text": lesion.site or lesion.label},
            "identifier": [{"use": "usual", "value": lesion.id, "type": {"coding": [
                {"system": "http://hl7.org/fhir/resource-types", "code": "BodyStructure"}]}}]}


def _event(ex: _Export, dated: Dated) -> None:
    kind, event = dated.kind, dated.event
    where = f"events[{dated.key[1]}] ({kind} '{event_label(event, kind)}')"
    export = _EXPORTERS.get("medication" if kind in MEDICATION_KINDS else kind)
    if export is not None:
        export(ex, dated, where)
    elif kind in NOT_EXPORTED:
        ex.left.append(f"{where}: {NOT_EXPORTED[kind]} are not exported")
    elif kind == "status":
        if event.status != "dead":
            ex.left.append(f"{where}: a status other than death is not exported ({event.status})")
        elif event.cause:
            ex.left.append(f"{where}: the cause of death is not exported ({event.cause})")
    elif kind == "diagnosis":
        ex.left.append(f"{where}: a diagnosis among the events (a later specimen) is not exported")
    else:
        ex.left.append(f"{where}: events of this kind are not exported")


def _intent(event) -> dict:
    intent = field_value(event, "intent")
    return {"extension": [{"url": INTENT, "valueCodeableConcept": {"text": intent}}]} if intent else {}


def _surgery(ex: _Export, dated: Dated, where: str = "") -> None:
    event = dated.event
    resource = {"resourceType": "Procedure", "status": "completed",
                "code": {"text": event.procedure or event.label or "Surgery"}, "subject": ex.patient(),
                **ex.dates.point("performed", when_of(ex.timeline, dated)), "reasonReference": [ex.primary(event)]}
    if event.site:
        resource["bodySite"] = [{"text": event.site}]
    if event.outcome:
        resource["outcome"] = {"text": event.outcome}
    if event.complications:
        resource["complication"] = [{"text": event.complications}]
    resource |= _notes(("Margin", event.margin), *_said(event))
    ex.add(resource, dated.key, "mcode-cancer-related-surgical-procedure")


def _biopsy(ex: _Export, dated: Dated, where: str = "") -> None:
    """A plain Procedure: a biopsy is not a cancer-related surgical procedure (mCODE points it to US Core)."""
    event = dated.event
    name = event.label or (f"{event.method} biopsy" if event.method else "Biopsy")
    resource = {"resourceType": "Procedure", "status": "completed", "code": {"text": name},
                "subject": ex.patient(), **ex.dates.point("performed", when_of(ex.timeline, dated))}
    if event.site:
        resource["bodySite"] = [{"text": event.site}]
    resource |= _notes(("Method", event.method), ("Result", event.result), *_said(event))
    ex.add(resource, dated.key)


def _radiotherapy(ex: _Export, dated: Dated, where: str = "") -> None:
    event = dated.event
    date = ex.dates.span("performed", dated) if event.shape == "interval" else \
        ex.dates.point("performed", when_of(ex.timeline, dated), period_only=True)
    dose = " in ".join(part for part in (f"{event.dose_gy:g} Gy" if event.dose_gy else "",
                                         f"{event.fractions} fractions" if event.fractions else "") if part)
    resource = {"resourceType": "Procedure", "status": "in-progress" if dated.ongoing else "completed",
                "code": {"coding": [coding(codes.RADIOTHERAPY_COURSE)], "text": event.technique or event.label
                         or "Radiotherapy"},
                "subject": ex.patient(), **date, "reasonReference": [ex.primary()], **_intent(event)}
    if event.site:
        resource["bodySite"] = [{"text": event.site}]
    resource |= _notes(("Dose", dose), *_said(event))
    ex.add(resource, dated.key, "mcode-radiotherapy-course-summary")


def _agents(dated: Dated) -> list[str]:
    event = dated.event
    agents = field_value(event, "agents") or []
    if agents:
        return list(agents)
    name = field_value(event, "drug") or field_value(event, "regimen") or event.label
    return [name or kind_named(dated.kind).label]


def _medication(ex: _Export, dated: Dated, where: str = "") -> None:
    """One MedicationAdministration per agent for the course as given ("was given X from A to B"), and one per
    dose change, part of the course, from the change to the next change (or the course's end)."""
    event, kind = dated.event, dated.kind
    cancer = kind != "supportive"
    reason = field_value(event, "reason_stopped")
    status = "in-progress" if dated.ongoing else "stopped" if reason else "completed" if dated.end else "unknown"
    agents = _agents(dated)
    regimen = field_value(event, "regimen")
    date = ex.dates.span("effective", dated) if event.shape == "interval" else \
        ex.dates.point("effective", when_of(ex.timeline, dated))
    for n, agent in enumerate(agents):
        dose = field_value(event, "dose")
        resource = {"resourceType": "MedicationAdministration", "status": status,
                    "medicationCodeableConcept": concept(agent, DRUGS, RXNORM), "subject": ex.patient(),
                    **date, **_intent(event)}
        if cancer:
            resource["reasonReference"] = [ex.primary()]
        if reason:
            resource["statusReason"] = [{"text": reason}]
        if dose and len(agents) == 1:
            resource["dosage"] = {"text": dose}
        cycles = field_value(event, "cycles")
        resource |= _notes(("Regimen", regimen if len(agents) > 1 or regimen != agent else None),
                           ("Dose of the regimen", dose if len(agents) > 1 else None),
                           ("Cycles", str(cycles) if cycles else None),
                           ("Purpose", field_value(event, "purpose")), *_said(event))
        ex.add(resource, dated.key + (n,) if n else dated.key,
               "mcode-cancer-related-medication-administration" if cancer else None)
    changes = field_value(event, "dose_changes", [])
    for j, change in enumerate(changes):
        start = When(ex.timeline.dose_dates[(dated.key, j)], change.date,
                      ex.timeline.say(ex.timeline.dose_dates[(dated.key, j)], ex.timeline.dose_about[(dated.key, j)]))
        if j + 1 < len(changes):
            nxt = ex.timeline.dose_dates[(dated.key, j + 1)]
            end = When(nxt, changes[j + 1].date, ex.timeline.say(nxt, ex.timeline.dose_about[(dated.key, j + 1)]))
        else:
            end = None if dated.ongoing else when_of(ex.timeline, dated, "end")
        resource = {"resourceType": "MedicationAdministration", "status": status,
                    "partOf": [{"reference": ex.url(*dated.key)}],
                    "medicationCodeableConcept": concept(agents[0], DRUGS, RXNORM), "subject": ex.patient(),
                    "effectivePeriod": ex.dates.period_side("start", start, False)
                    | ex.dates.period_side("end", end, True),
                    "reasonReference": [ex.primary()], "dosage": {"text": change.dose}}
        resource |= _notes(("Reason for the dose change", change.reason), ("Quote", change.quote))
        ex.add(resource, ("dose", dated.key, j), "mcode-cancer-related-medication-administration")


def _imaging(ex: _Export, dated: Dated, where: str) -> None:
    """The scan: an imaging Observation of its finding as written (and trend), whose members are a tumour-size
    Observation per lesion measured on it; the quote and note go with the finding, or with each size when the
    case gives no finding."""
    event = dated.event
    when = when_of(ex.timeline, dated)
    sizes = [ex.url(*dated.key, j) for j in range(len(event.measurements))]
    grouped = bool(event.finding or event.trend)
    if grouped:
        _imaging_finding(ex, dated, when, sizes)
    elif not event.measurements:
        ex.left.append(f"{where}: an imaging event without a finding, a trend or measurements is not exported")
    for j, measurement in enumerate(event.measurements):
        resource, profile = _tumor_size(ex, dated, when, measurement)
        resource |= _notes(*[(label, text) for label, text in [*resource.pop("note", []), *_said(event)]
                             if not grouped or label not in ("Quote", "Note")])
        ex.add(resource, dated.key + (j,), profile)


def _tumor_size(ex: _Export, dated: Dated, when: When, measurement) -> tuple[dict, str | None]:
    """TumorSize when the size reads as numbers with a unit (each dimension, largest first, in the unit written);
    a plain Observation with the words as written otherwise ('too small to measure', 'decreased'), never RECIST's
    5 mm for a lesion too small to measure. Its notes come back as (label, text) pairs."""
    m, event = measurement, dated.event
    resource = {"resourceType": "Observation", "status": "final", "category": [IMAGING],
                "code": {"coding": [coding(codes.TUMOR_SIZE)], "text": "Tumor size"}, "subject": ex.patient(),
                "focus": [{"reference": ex.url("lesion", m.lesion)}], **ex.dates.point("effective", when)}
    if event.modality:
        resource["method"] = {"text": event.modality}
    size = parse_size(m.size) if m.size is not None else None
    profile = None
    if size is not None and size.status == "measured":
        unit = m.size.strip()[-2:].lower()
        dims = [round(d / 10, 4) if unit == "cm" else d for d in sorted(size.dims_mm, reverse=True)]
        resource["component"] = [
            {"code": {"coding": [coding(codes.TUMOR_LONGEST_DIMENSION if k == 0 else codes.TUMOR_OTHER_DIMENSION)]},
             "valueQuantity": {"value": d, "unit": unit, "system": UCUM, "code": unit}} for k, d in enumerate(dims)]
        profile = "mcode-tumor-size"
    else:
        resource["valueString"] = m.size or m.change
    resource["note"] = [("Size as written", m.size if profile else None), ("Change", m.change if m.size else None),
                        ("Note", m.note)]
    return resource, profile


def _imaging_finding(ex: _Export, dated: Dated, when: When, members: list[str]) -> None:
    event = dated.event
    what = " ".join(part for part in (event.modality, event.region) if part)
    resource = {"resourceType": "Observation", "status": "final", "category": [IMAGING],
                "code": {"text": f"Imaging finding ({what})" if what else "Imaging finding"}, "subject": ex.patient(),
                **ex.dates.point("effective", when), "valueString": event.finding or event.trend}
    if event.modality:
        resource["method"] = {"text": event.modality}
    if members:
        resource["hasMember"] = [{"reference": url} for url in members]
    resource |= _notes(("Trend", event.trend if event.finding else None), *_said(event))
    ex.add(resource, dated.key)


def _lab(ex: _Export, dated: Dated, where: str = "") -> None:
    """An Observation per lab value: TumorMarkerTest for a tumour marker dated to the day (US Core lab results are)."""
    event = dated.event
    when = when_of(ex.timeline, dated)
    for j, v in enumerate(event.values):
        resource = {"resourceType": "Observation", "status": "final", "category": [LAB],
                    "code": concept(v.marker, MARKERS, LOINC), "subject": ex.patient(),
                    **ex.dates.point("effective", when)}
        unit = {"unit": v.unit} if v.unit else {}
        if v.value is not None:
            resource["valueQuantity"] = {"value": v.value, **unit}
        else:
            resource["valueString"] = v.finding
        limits = {k: {"value": x, **unit} for k, x in (("low", v.ref_low), ("high", v.ref_high)) if x is not None}
        if limits:
            resource["referenceRange"] = [limits]
        if v.flag:
            resource["interpretation"] = [{"text": v.flag}]
        resource |= _notes(("Finding", v.finding if v.value is not None else None), *_said(event))
        profile = "mcode-tumor-marker-test" if v.is_marker and _is_day(ex, dated) else None
        ex.add(resource, dated.key + (j,), profile)


def _status(ex: _Export, dated: Dated, where: str = "") -> None:
    """CancerDiseaseStatus: improved (CR, PR), stable (SD), worsened (PD, progression), undetermined (NE); the
    category and the paper's words as the value's text."""
    event, kind = dated.event, dated.kind
    if kind == "response":
        trend = codes.TREND_OF_CATEGORY.get(event.category) if event.category else None
        text = " - ".join(t for t in (event.category and f"{event.category} ({_CATEGORY_WORDS[event.category]})",
                                      event.description) if t)
    else:
        trend = codes.WORSENED
        text = "Progression" + (f": {event.site}" if event.site else "")
    value = {"text": text} | ({"coding": [coding(trend)]} if trend else {})
    when = ex.dates.date_time("effectiveDateTime", when_of(ex.timeline, dated))
    resource = {"resourceType": "Observation", "status": "final", "code": {"coding": [coding(codes.DISEASE_STATUS)]},
                "subject": ex.patient(), "focus": [ex.primary(event)], **when, "valueCodeableConcept": value}
    resource |= _notes(("On therapy", field_value(event, "therapy")), ("Scope", field_value(event, "scope")),
                       ("Criteria", field_value(event, "criteria")),
                       ("Confirmed by", field_value(event, "confirmed_by")), *_said(event))
    # The profile's effective[x] is a dateTime: without one (a span straddling a year) the resource stays plain.
    profile = "mcode-cancer-disease-status" if ("effectiveDateTime" in when or not ex.timeline.on_calendar) else None
    ex.add(resource, dated.key, profile)


_CATEGORY_WORDS = {"CR": "complete response", "PR": "partial response", "SD": "stable disease",
                   "PD": "progressive disease", "NE": "not evaluable"}


def _adverse_event(ex: _Export, dated: Dated, where: str) -> None:
    event = dated.event
    words = event.term or event.description
    if event.grade:
        words += f" (grade {event.grade}" + (f", CTCAE {event.ctcae_version})" if event.ctcae_version else ")")
    resource = {"resourceType": "AdverseEvent", "actuality": "actual", "subject": ex.patient(),
                "event": {"text": words}, **ex.dates.date_time("date", when_of(ex.timeline, dated))}
    attributed = ex.timeline.by_id(event.attribution) if event.attribution else None
    if attributed is not None and attributed.kind in OWN_RESOURCE_KINDS:  # its resource, before or after this one
        resource["suspectEntity"] = [{"instance": {"reference": ex.url(*attributed.key)}}]
    ex.add(resource, dated.key)
    dropped = [name for name in ("description", "action", "quote", "note") if field_value(event, name)
               and not (name == "description" and not event.term)]
    if dropped:
        ex.left.append(f"{where}: AdverseEvent has no notes; not exported: {', '.join(dropped)}")


# The resources of each kind of event (the patient's death is on the Patient; see _event for the others).
_EXPORTERS = {"surgery": _surgery, "biopsy": _biopsy, "radiotherapy": _radiotherapy, "medication": _medication,
              "imaging": _imaging, "lab": _lab, "response": _status, "progression": _status,
              "adverse_event": _adverse_event}


def _case_list(ex: _Export) -> dict:
    """The case as a List of its resources, with what belongs to none of them: title, source, notes, reported
    outcomes, and how the dates are given."""
    case = ex.case
    link = f" doi:{case.source.doi}" if case.source.doi else f" {case.source.url}" if case.source.url else ""
    notes = [f"Source: {case.source.citation}{link}"]
    if not ex.timeline.on_calendar:
        notes.append(f"Dates are offsets in days from day 0 ({day_zero(ex.timeline).label}): the source gives no "
                     "calendar date. Each date element carries the extension cqf-relativeDateTime (days after the "
                     "start of the day-0 event) instead of a value.")
    notes += [f"Reported {r.name.replace('_', ' ')}"
              + (f" ({r.label})" if r.label else "") + f": {r.as_written}" for r in case.reported]
    notes += list(case.notes)
    if case.patient.age is not None:
        notes.append(f"Age: {case.patient.age}" + (f" ({case.patient.age_note})" if case.patient.age_note else ""))
    for name in ("smoking", "presentation"):
        value = getattr(case.patient, name)
        if value != "unknown":
            notes.append(f"{name.capitalize()}: {value}")
    if case.patient.context:
        notes.append(f"Context: {case.patient.context}")
    return {"resourceType": "List", "status": "current", "mode": "snapshot", "title": case.title,
            "code": {"text": "Case report"}, "subject": ex.patient(),
            "entry": [{"item": {"reference": e["fullUrl"]}} for e in ex.entries],
            "note": [{"text": text} for text in notes]}
