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

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from fhir.resources.R4B.bundle import Bundle

from ..kinds import kind_named
from ..measures import parse_size
from ..schema import Diagnosis, field_value
from ..tables import day_zero, event_label
from ..timeline import Dated, Timeline
from . import codes, condition_codes
from .codes import DRUGS, GENES, HGNC, RXNORM, coding, concept, marker_concept
from .dates import UCUM, Dates, When, enclosing, when_of

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILES = {name: MCODE + name for name in (
    "mcode-cancer-patient", "mcode-primary-cancer-condition", "mcode-cancer-related-surgical-procedure",
    "mcode-radiotherapy-course-summary", "mcode-cancer-related-medication-administration", "mcode-tumor",
    "mcode-tumor-size", "mcode-tumor-marker-test", "mcode-cancer-disease-status", "mcode-genomics-report",
    "mcode-genomic-variant", "mcode-human-specimen")}
ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
# The Genomics Reporting IG's note on a report (DiagnosticReport has no `note` in R4), allowed by GenomicsReport.
REPORT_NOTE = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genomic-report-note"
# Core extension: other records relevant to a resource (a report's specimen-taking procedure).
SUPPORTING_INFO = "http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo"
# R5's AdverseEvent.note for R4 (HL7 cross-version extensions, xver-r5.r4): R4's AdverseEvent has no note.
ADVERSE_EVENT_NOTE = "http://hl7.org/fhir/5.0/StructureDefinition/extension-AdverseEvent.note"
GENETICS = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE"}]}
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
INTENT = MCODE + "mcode-procedure-intent"
LAB = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
IMAGING = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "imaging"}]}
# mCODE STU3's USCoreCondition is US Core 5.0.1's problems and health concerns profile: a problem-list item.
PROBLEM = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                       "code": "problem-list-item"}]}


@dataclass
class _Export:
    timeline: Timeline
    entries: list[dict] = field(default_factory=list)
    urls: dict = field(default_factory=dict)  # event key (or ('lesion', id)) -> fullUrl
    left: list[str] = field(default_factory=list)
    uncoded: list[str] = field(default_factory=list)

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

    def primary(self, dated: Dated | None = None) -> dict:
        """The primary cancer condition of an event (`diagnosis_of`)."""
        return {"reference": self.url("diagnoses", diagnosis_of(self.timeline, dated))}


def diagnosis_of(timeline: Timeline, dated: Dated | None) -> int:
    """The index of the diagnosis an event is about: the one it names (`primary:`), else the latest diagnosed at
    or before it (a case of two cancers: what follows the second is about the second), else the first."""
    if dated is None:
        return 0
    wanted = field_value(dated.event, "primary")
    diagnoses = timeline.case.diagnoses
    named = next((i for i, d in enumerate(diagnoses) if wanted and d.id == wanted), None)
    if named is not None or len(diagnoses) == 1:
        return named or 0
    before = [(d.day_start, d.key[1]) for d in timeline.of_kind("diagnosis")
              if d.key[0] == "diagnoses" and d.day_start <= dated.day_start]
    return max(before)[1] if before else 0


def case_bundle(timeline: Timeline) -> dict:
    """The case as a FHIR Bundle of type collection, JSON-ready (validated by fhir.resources on the way).

    Parameters
    ----------
    timeline
        A loaded case (`timelines.reading.loading.load_case`).

    Returns
    -------
    dict
        The Bundle: Patient, a primary cancer Condition per diagnosis, surgical Procedures, radiotherapy courses,
        a MedicationAdministration per therapy (per agent of a regimen) and per dose change, a Tumor BodyStructure
        per lesion, a tumour-size Observation per lesion per scan, an Observation per lab value, a cancer disease
        status Observation per response and progression, an AdverseEvent per adverse event, a DiagnosticReport per
        molecular test with an Observation per finding (and a Specimen where the test names one), a Condition per
        symptom, an Observation per status and per diagnosis among the events, and a List of the case (its title,
        source, notes, reported outcomes, and how its dates are given).
    """
    return export_bundle(timeline)[0]


def not_carried(timeline: Timeline) -> list[str]:
    """What of the case the bundle does not carry, one line each ("events[4] (<kind> '<label>'): events of this kind
    are not exported"); empty for every kind of event the case format has today."""
    return export_bundle(timeline)[1]


def export_bundle(timeline: Timeline) -> tuple[dict, list[str]]:
    """The bundle (`case_bundle`) and what it does not carry (`not_carried`), built once."""
    report = export_report(timeline)
    return report.bundle, report.left


@dataclass(frozen=True)
class ExportReport:
    """A case's bundle, what it does not carry, and what it carries as text only where mCODE wants a code (one line
    each: "<where>: <what> '<text>' has no <code system> code: <why>")."""

    bundle: dict
    left: list[str]
    not_coded: list[str]


def export_report(timeline: Timeline) -> ExportReport:
    """The bundle with what it leaves out and what it could not code, built once (`export-fhir` prints both)."""
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
    bundle = Bundle.model_validate(data).model_dump(mode="json", by_alias=True, exclude_none=True)
    return ExportReport(bundle, ex.left, ex.uncoded)


def _day_zero_target(ex: _Export) -> tuple[str, str]:
    """The resource of the day-0 event and the path of its date; the case's List (whose note says what day 0 is)
    when that event has no resource of its own."""
    origin = ex.timeline.origin_event
    kind, event = origin.kind, origin.event
    if origin.key[0] == "diagnoses":
        return ex.url(*origin.key), "extension('" + ASSERTED_DATE + "')"
    resource = resource_of(kind)
    if resource is None:
        return ex.url("list"), "note"
    if resource.keyed_by_event:
        return ex.url(*origin.key), resource.date_element
    if kind == "imaging" and (event.finding or event.trend):
        return ex.url(*origin.key), "effective"
    if kind == "imaging" and not event.measurements:  # the scan's Procedure
        return ex.url(*origin.key), "performed"
    return ex.url(*origin.key, 0), "effective"  # a scan's first size, a lab's first value


# ---------------------------------------------------------------- resources

def _notes(*texts: tuple[str, str | None]) -> dict:
    found = [{"text": f"{label}: {text}" if label else text} for label, text in texts if text]
    return {"note": found} if found else {}


def _said(event) -> tuple:
    """What the case says of an event besides its fields: its quote and note, the source row it was read from and
    the source's other columns (an imported study's), each as its own note."""
    attributes = getattr(event, "attributes", None) or {}
    return (("Quote", event.quote), ("Note", event.note), ("Source row", getattr(event, "provenance", None)),
            ("Source columns", "; ".join(f"{name}: {value}" for name, value in attributes.items()) or None))


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
    """PrimaryCancerCondition: the diagnosis, its site and histology as written, each with its code where
    `timelines/fhir/condition_codes.py` knows the words; its clinical status at the last report (`_clinical_status`), and
    confirmed when the case gives its histology (a pathological diagnosis)."""
    when = when_of(ex.timeline, dated)
    where = f"diagnoses[{dated.key[1]}] '{diagnosis.label}'"
    resource = {"resourceType": "Condition", "clinicalStatus": _clinical_status(ex, dated), "category": [PROBLEM],
                "code": _coded(ex, where, "diagnosis", diagnosis.label), "subject": ex.patient()}
    extensions = []
    if diagnosis.histology:
        resource["verificationStatus"] = {"coding": [{"system": codes.VERIFICATION_STATUS, "code": "confirmed"}]}
        extensions.append({"url": HISTOLOGY,
                           "valueCodeableConcept": _coded(ex, where, "histology", diagnosis.histology)})
    if ex.timeline.on_calendar:
        value = enclosing(when.bounds)
        if value:
            extensions.append({"url": ASSERTED_DATE, "valueDateTime": value})
    else:
        extensions.append(ex.dates.relative(when))  # the date of diagnosis, as days from day 0
    if extensions:
        resource["extension"] = extensions
    if diagnosis.site:
        resource["bodySite"] = [condition_codes.body_site(diagnosis.site)]
        if "coding" not in resource["bodySite"][0]:
            ex.uncoded.append(f"{where}: site '{diagnosis.site}' has no SNOMED CT code: {_NOT_IN_TABLE}")
    if diagnosis.stage:
        resource["stage"] = [{"summary": {"text": diagnosis.stage}}]
    markers = "; ".join(f"{b.name}: {b.result}" for b in diagnosis.biomarkers)
    dated_as = None if when.written == when.said or not ex.timeline.on_calendar else f"{when.written} ({when.said})"
    return resource | _notes(("Biomarkers", markers), ("Date of diagnosis as written", dated_as), *_said(diagnosis))


_NOT_IN_TABLE = "not in the table of coded diagnoses, sites and histologies (timelines/fhir/condition_codes.py)"


def _coded(ex: _Export, where: str, what: str, text: str) -> dict:
    """The words with their code from the table, or the words alone, listed as not coded."""
    value = condition_codes.concept(text, condition_codes.TABLES[what])
    if "coding" not in value:
        system = {"diagnosis": "SNOMED CT or ICD-10-CM", "site": "SNOMED CT", "histology": "SNOMED CT or ICD-O-3"}[what]
        ex.uncoded.append(f"{where}: {what} '{text}' has no {system} code: {_NOT_IN_TABLE}")
    return value


def _clinical_status(ex: _Export, dated: Dated) -> dict:
    """Condition.clinicalStatus at the last report the case gives of this cancer: remission when that is a status
    `remission` or `no_evidence_of_disease`; recurrence when it is a progression after such a status; active
    otherwise (a progression or a response, or nothing reported since the diagnosis). Events count for the diagnosis
    they are about (`diagnosis_of`)."""
    index = dated.key[1]
    reports = sorted((d.day_start, d.kind, field_value(d.event, "status")) for d in ex.timeline.items
                     if d.key[0] == "events" and d.kind in ("response", "progression", "status")
                     and (d.kind != "status" or d.event.status in _REMISSION)
                     and diagnosis_of(ex.timeline, d) == index)
    code = "active"
    if reports and reports[-1][1] == "status":
        code = "remission"
    elif reports and reports[-1][1] == "progression" and any(kind == "status" for _, kind, _ in reports):
        code = "recurrence"
    return {"coding": [{"system": codes.CLINICAL_STATUS, "code": code}]}


_REMISSION = ("remission", "no_evidence_of_disease")


def _tumor(ex: _Export, lesion) -> dict:
    return {"resourceType": "BodyStructure", "patient": ex.patient(), "description": lesion.label,
            "location": {"text": lesion.site or lesion.label},
            "identifier": [{"use": "usual", "value": lesion.id, "type": {"coding": [
                {"system": "http://hl7.org/fhir/resource-types", "code": "BodyStructure"}]}}]}


def _event(ex: _Export, dated: Dated) -> None:
    kind, event = dated.kind, dated.event
    where = f"events[{dated.key[1]}] ({kind} '{event_label(event, kind)}')"
    resource = resource_of(kind)
    if resource is not None:
        first = len(ex.entries)
        resource.write(ex, dated, where)
        _keep_label(ex.entries[first:], event.label)
    else:
        ex.left.append(f"{where}: events of this kind are not exported")


def _keep_label(entries: list[dict], label: str | None) -> None:
    """The event's label (the case's one-line summary of it), as the first note of its first resource, unless that
    resource already says it."""
    if not label or not entries:
        return
    resource = entries[0]["resource"]
    if json.dumps(label)[1:-1] in json.dumps(resource):
        return
    note = {"text": f"Label: {label}"}
    extension = {"AdverseEvent": ADVERSE_EVENT_NOTE, "DiagnosticReport": REPORT_NOTE}.get(resource["resourceType"])
    if extension:  # no note element in R4
        resource["extension"] = [{"url": extension, "valueAnnotation": note}] + resource.get("extension", [])
    else:
        resource["note"] = [note] + resource.get("note", [])


def _intent(event) -> dict:
    intent = field_value(event, "intent")
    return {"extension": [{"url": INTENT, "valueCodeableConcept": {"text": intent}}]} if intent else {}


def _surgery(ex: _Export, dated: Dated, where: str = "") -> None:
    """CancerRelatedSurgicalProcedure, for the cancer it treats (`diagnosis_of`); an operation the case marks
    `intent: unrelated` (not for the cancer) is a plain Procedure that names no cancer."""
    event = dated.event
    unrelated = getattr(event, "intent", None) == "unrelated"
    resource = {"resourceType": "Procedure", "status": "completed",
                "code": {"text": event.procedure or event.label or "Surgery"}, "subject": ex.patient(),
                **ex.dates.point("performed", when_of(ex.timeline, dated))}
    if not unrelated:
        resource |= {"reasonReference": [ex.primary(dated)], **_intent(event)}
    if event.site:
        resource["bodySite"] = [{"text": event.site}]
    if event.outcome:
        resource["outcome"] = {"text": event.outcome}
    if event.complications:
        resource["complication"] = [{"text": event.complications}]
    resource |= _notes(("Intent", "unrelated to the cancer" if unrelated else None), ("Margin", event.margin),
                       *_said(event))
    ex.add(resource, dated.key, None if unrelated else "mcode-cancer-related-surgical-procedure")


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
                "subject": ex.patient(), **date, "reasonReference": [ex.primary(dated)], **_intent(event)}
    if event.site:
        resource["bodySite"] = [{"text": event.site}]
    resource |= _notes(("Dose", dose), *_said(event))
    ex.add(resource, dated.key, "mcode-radiotherapy-course-summary")


def _agents(dated: Dated) -> list[str]:
    event = dated.event
    agents = getattr(event, "agents", None) or []  # a regimen's agents, or a targeted or immune combination's
    if agents:
        return list(agents)
    known = kind_named(dated.kind)  # the drug or regimen as the registry names it, else the label, else the kind's
    named = next((value for value in (field_value(event, name) for name in known.agent_fields)
                  if isinstance(value, str) and value), None)
    return [named or event.label or known.label]


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
                    "medicationCodeableConcept": _medication_code(ex, dated, where, agent), "subject": ex.patient(),
                    **date, **_intent(event)}
        if cancer:
            resource["reasonReference"] = [ex.primary(dated)]
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
                    "reasonReference": [ex.primary(dated)], "dosage": {"text": change.dose}}
        resource |= _notes(("Reason for the dose change", change.reason), ("Quote", change.quote))
        ex.add(resource, ("dose", dated.key, j), "mcode-cancer-related-medication-administration")


def _medication_code(ex: _Export, dated: Dated, where: str, agent: str) -> dict:
    """The agent as written with its RxNorm ingredient code (`timelines/fhir/codes.py`); else the words, listed as not
    coded with why: a drug no source read gave a code for, a course that names no agent, a name not in the table."""
    value = concept(agent, DRUGS, RXNORM)
    if "coding" not in value:
        named = field_value(dated.event, "agents") or field_value(dated.event, "drug")
        why = codes.NOT_IN_RXNORM_TABLE.get(" ".join(agent.lower().split())) or (
            "the case names no agent" if not named else "not an ingredient in the RxNorm table (timelines/fhir/codes.py)")
        ex.uncoded.append(f"{where}: medication '{agent}' has no RxNorm code: {why}")
    return value


def _imaging(ex: _Export, dated: Dated, where: str) -> None:
    """The scan: an imaging Observation of its finding as written (and trend), whose members are a tumour-size
    Observation per lesion measured on it; the quote and note go with the finding, or with each size when the
    case gives no finding. A scan the case gives no result of is the Procedure that took place."""
    event = dated.event
    when = when_of(ex.timeline, dated)
    sizes = [ex.url(*dated.key, j) for j in range(len(event.measurements))]
    grouped = bool(event.finding or event.trend)
    if grouped:
        _imaging_finding(ex, dated, when, sizes)
    elif not event.measurements:
        what = " ".join(part for part in (event.modality, event.region) if part)
        resource = {"resourceType": "Procedure", "status": "completed",
                    "code": {"text": what or event.label or "Imaging"}, "subject": ex.patient(),
                    **ex.dates.point("performed", when)}
        if event.region:
            resource["bodySite"] = [{"text": event.region}]
        ex.add(resource | _notes(*_said(event)), dated.key)
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
    """An Observation per lab value; TumorMarkerTest for every tumour marker (CEA, NSE, CYFRA 21-1...), with its LOINC
    test where `timelines/fhir/codes.py` knows it, at whatever precision its date is known (`_marker_date`)."""
    event = dated.event
    when = when_of(ex.timeline, dated)
    for j, v in enumerate(event.values):
        resource = {"resourceType": "Observation", "status": "final", "category": [LAB],
                    "code": marker_concept(v.marker, v.unit) if v.is_marker else {"text": v.marker},
                    "subject": ex.patient(),
                    **(_marker_date(ex, when) if v.is_marker else ex.dates.point("effective", when))}
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
        if v.is_marker and "coding" not in resource["code"]:
            ex.uncoded.append(f"{where}: tumour marker '{v.marker}' has no LOINC code: not in the table of LOINC "
                              "tests (timelines/fhir/codes.py), or its unit is not the test's")
        ex.add(resource, dated.key + (j,), "mcode-tumor-marker-test" if v.is_marker else None)


def _marker_date(ex: _Export, when: When) -> dict:
    """A tumour marker's date: TumorMarkerTest takes a dateTime or a Period, and US Core lab results hold a dateTime
    to the day (us-core-1): a day is effectiveDateTime, a month or a year the Period of that month or year, a date
    known within bounds the Period of its bounds (or, without a calendar, the offset from day 0)."""
    day = ex.timeline.on_calendar and when.bounds.closed and when.bounds.earliest == when.bounds.latest
    return ex.dates.point("effective", when, period_only=not day)


def _status(ex: _Export, dated: Dated, where: str = "") -> None:
    """CancerDiseaseStatus (LOINC 97509-4), its value coded from ConditionStatusTrendVS, as the profile's binding
    requires: improved (CR, PR), stable (SD), worsened (PD, progression), undetermined (NE); the category and the
    paper's words as the value's text. A response the paper gives only in words has no code of the value set: an
    Observation of the words, without the LOINC code or the profile. Its date is a dateTime (all the profile takes):
    a date straddling a year has no value, only its text as written."""
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
    resource = {"resourceType": "Observation", "status": "final", "code": _disease_status_code(trend),
                "subject": ex.patient(), "focus": [ex.primary(dated)], **when, "valueCodeableConcept": value}
    resource |= _notes(("On therapy", field_value(event, "therapy")), ("Scope", field_value(event, "scope")),
                       ("Criteria", field_value(event, "criteria")),
                       ("Confirmed by", field_value(event, "confirmed_by")), *_said(event))
    ex.add(resource, dated.key, "mcode-cancer-disease-status" if trend else None)


def _disease_status_code(trend: tuple | None) -> dict:
    """LOINC 97509-4 for a status coded from the value set (a CancerDiseaseStatus), words otherwise: an Observation
    with that code and a value in words would look like the profile without meeting it."""
    return {"coding": [coding(codes.DISEASE_STATUS)]} if trend else {"text": "Cancer disease status (in words)"}


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
    if attributed is not None and getattr(resource_of(attributed.kind), "keyed_by_event", False):  # its resource, before or after this one
        resource["suspectEntity"] = [{"instance": {"reference": ex.url(*attributed.key)}}]
    # R4's AdverseEvent has no note: R5's, through its cross-version extension (an Annotation each).
    end = when_of(ex.timeline, dated, "end") if event.shape == "interval" else None
    lasted = "ongoing" if dated.ongoing else end and (end.written if end.written == end.said or not
                                                        ex.timeline.on_calendar else f"{end.written} ({end.said})")
    notes = _notes(("Description", event.description if event.term else None), ("Until", lasted),
                   ("Action taken", event.action), *_said(event)).get("note", [])
    if notes:
        resource["extension"] = [{"url": ADVERSE_EVENT_NOTE, "valueAnnotation": note} for note in notes]
    ex.add(resource, dated.key)


def _symptom(ex: _Export, dated: Dated, where: str = "") -> None:
    """A Condition of category 'Symptom' (text), in the paper's words; from its onset to its end (abatement) when
    the case gives one, each a dateTime at the precision written or a Period of its bounds."""
    event = dated.event
    resource = {"resourceType": "Condition", "category": [{"text": "Symptom"}],
                "code": {"text": event.description or event.label or "Symptom"}, "subject": ex.patient(),
                **ex.dates.point("onset", when_of(ex.timeline, dated))}
    end = when_of(ex.timeline, dated, "end") if event.shape == "interval" and not dated.ongoing else None
    if end is not None:  # an abated condition is inactive (FHIR's con-4): the case gives its end
        resource |= ex.dates.point("abatement", end)
    if dated.ongoing or end is not None:
        resource["clinicalStatus"] = {"coding": [{"system": CLINICAL, "code": "active" if dated.ongoing
                                                  else "inactive"}]}
    resource |= _notes(*_said(event))
    ex.add(resource, dated.key)


def _other(ex: _Export, dated: Dated, where: str = "") -> None:
    """An event of a type the case format has no kind for (kind `other`, e.g. an imported study's custom type): an
    Observation whose code is that type as written and whose value is its description, dated like any event."""
    event = dated.event
    resource = {"resourceType": "Observation", "status": "final", "code": {"text": event.type},
                "subject": ex.patient(),
                **(ex.dates.span("effective", dated) if event.shape == "interval"
                   else ex.dates.point("effective", when_of(ex.timeline, dated)))}
    if event.description:
        resource["valueString"] = event.description
    resource |= _notes(("Label", event.label if event.label not in (None, event.type) else None), *_said(event))
    ex.add(resource, dated.key)


_STATUS_WORDS = {"alive": "Alive", "dead": "Dead", "remission": "Remission",
                 "no_evidence_of_disease": "No evidence of disease", "lost_to_follow_up": "Lost to follow-up"}


def _patient_status(ex: _Export, dated: Dated, where: str = "") -> None:
    """Remission and no evidence of disease: an Observation of the cancer's status in words (the mCODE value set's
    remission codes say full or partial, which `status: remission` does not: no CancerDiseaseStatus). Alive, dead,
    lost to follow-up: an Observation of the patient's status in words (lost to follow-up coded as mCODE's SNOMED CT finding); the cause of death in a note."""
    event = dated.event
    words = _STATUS_WORDS[event.status]
    if event.label and event.label.lower() not in (words.lower(), "death"):
        words += f" ({event.label})"
    when = when_of(ex.timeline, dated)
    notes = _notes(("Cause of death", event.cause), *_said(event))
    if event.status in _REMISSION:
        # Words, not CancerDiseaseStatus: its value set's remission codes say full or partial, which the status does
        # not. No focus: a status names no diagnosis (a remission may be of an earlier cancer than the case's).
        date = ex.dates.date_time("effectiveDateTime", when)
        resource = {"resourceType": "Observation", "status": "final", "code": _disease_status_code(None),
                    "subject": ex.patient(), **date, "valueCodeableConcept": {"text": words}} | notes
        ex.add(resource, dated.key)
        return
    value = {"text": words}
    if event.status == "lost_to_follow_up":
        value["coding"] = [coding(codes.LOST_TO_FOLLOW_UP)]
    resource = {"resourceType": "Observation", "status": "final",
                "code": {"text": "Follow-up status" if event.status == "lost_to_follow_up" else "Vital status"},
                "subject": ex.patient(), **ex.dates.point("effective", when), "valueCodeableConcept": value} | notes
    ex.add(resource, dated.key)


def _restaging(ex: _Export, dated: Dated, where: str = "") -> None:
    """A diagnosis among the events (a restaging, a later specimen, a transformation): an Observation on the primary
    cancer Condition (focus) of its stage group as written (else its histology), the rest as components. Not
    TNMStageGroup: that profile requires the staging system (method), which the case does not give apart from the
    stage's words; the Condition keeps the stage at diagnosis, as an update would lose it."""
    event = dated.event
    parts = [("Cancer stage group", event.stage), ("Histology", event.histology),
             ("Transformed from", event.transformed_from)]
    given = [(name, text) for name, text in parts if text]
    resource = {"resourceType": "Observation", "status": "final", "subject": ex.patient(), "focus": [ex.primary(dated)],
                **ex.dates.point("effective", when_of(ex.timeline, dated))}
    if given:
        (name, text), rest = given[0], given[1:]
        resource |= {"code": {"text": name}, "valueCodeableConcept": {"text": text}}
        if rest:
            resource["component"] = [{"code": {"text": n}, "valueCodeableConcept": {"text": t}} for n, t in rest]
    else:
        resource["code"] = {"text": event.label or "Diagnosis"}
    resource |= _notes(*_said(event))
    ex.add(resource, dated.key)


def _is_protein_test(event) -> bool:
    """Whether a molecular test is immunohistochemistry, a protein stain rather than a genetic test."""
    words = " ".join([event.method or ""] + [f.alteration or "" for f in event.findings])
    return re.search(r"\bihc\b|immunohisto|immunostain|protein expression", words, re.IGNORECASE) is not None


def _molecular(ex: _Export, dated: Dated, where: str = "") -> None:
    """A report per molecular test (GenomicsReport for a genetic test, a plain DiagnosticReport for a protein stain)
    whose results are an Observation per finding, on the specimen it names (a Specimen, taken at the biopsy or
    surgery of `specimen_of`)."""
    event = dated.event
    when = when_of(ex.timeline, dated)
    protein = _is_protein_test(event)
    specimen = _specimen(ex, dated)
    results = [ex.url(*dated.key, j) for j in range(len(event.findings))]
    report = {"resourceType": "DiagnosticReport", "status": "final", "subject": ex.patient(),
              "code": {"text": event.label or event.method or "Molecular test"}}
    if protein:
        report |= ex.dates.point("effective", when)
    else:  # GenomicsReport: the category Genetics; effective only a dateTime
        report |= {"category": [GENETICS], **ex.dates.date_time("effectiveDateTime", when)}
        report["code"]["coding"] = [coding(codes.GENETIC_REPORT)]
    if specimen:
        report["specimen"] = [{"reference": specimen}]
    if results:
        report["result"] = [{"reference": url} for url in results]
    source = _specimen_source(ex, dated)
    notes = _notes(("Method", event.method if not event.findings else None), *_said(event)).get("note", [])
    extensions = [{"url": REPORT_NOTE, "valueAnnotation": note} for note in notes]
    if source is not None:
        extensions.append({"url": SUPPORTING_INFO, "valueReference": {"reference": ex.url(*source.key)}})
    if extensions:
        report["extension"] = extensions
    ex.add(report, dated.key, None if protein else "mcode-genomics-report")
    for j, finding in enumerate(event.findings):
        make = _protein_finding if protein else _variant
        resource, profile = make(ex, dated, when, finding)
        if specimen:
            resource["specimen"] = {"reference": specimen}
        ex.add(resource, dated.key + (j,), profile)


def _specimen_source(ex: _Export, dated: Dated) -> Dated | None:
    source = ex.timeline.by_id(dated.event.specimen_of) if dated.event.specimen_of else None
    return source if source is not None and source.kind in ("biopsy", "surgery") else None


def _specimen(ex: _Export, dated: Dated) -> str | None:
    """HumanSpecimen of the specimen a test names, collected when and where its biopsy or surgery was; None when the
    case names neither a specimen nor where it came from."""
    event, source = dated.event, _specimen_source(ex, dated)
    if not event.specimen and source is None:
        return None
    name = event.specimen or f"Specimen of {event_label(source.event, source.kind)}"
    resource = {"resourceType": "Specimen", "subject": ex.patient(), "type": {"text": name}}
    if source is not None:
        collection = ex.dates.point("collected", when_of(ex.timeline, source))
        if field_value(source.event, "site"):
            collection["bodySite"] = {"text": source.event.site}
        resource["collection"] = collection
        resource["note"] = [{"text": f"Taken at: {event_label(source.event, source.kind)}"}]
    return ex.add(resource, ("specimen",) + dated.key, "mcode-human-specimen")


def _method(event) -> dict:
    if not event.method:
        return {}
    method = {"text": event.method}
    if re.search(r"\b(ngs|sequencing)\b", event.method, re.IGNORECASE):
        method["coding"] = [coding(codes.SEQUENCING)]
    return {"method": method}


def _variant(ex: _Export, dated: Dated, when: When, finding) -> tuple[dict, str | None]:
    """GenomicVariant: the gene studied (HGNC where the table knows it), the alteration, variant and abundance as
    written, and whether the variant was found (Present, Absent, Indeterminate: LOINC LL1971-2, which the profile
    requires) with the result as written. The abundance is not the profile's sample allelic frequency: papers give
    a fusion's share of reads or of RNA as 'abundance' too. A result in other words ('increased from 20%
    abundance') stays words, on a plain Observation."""
    components = [{"code": {"coding": [coding(codes.GENE_STUDIED)]},
                   "valueCodeableConcept": concept(finding.gene, GENES, HGNC)}]
    components += [{"code": {"text": name}, "valueString": text}
                   for name, text in (("Alteration", finding.alteration), ("Variant", finding.variant)) if text]
    if finding.abundance_pct is not None:
        components.append({"code": {"text": "Abundance (as reported)"},
                           "valueQuantity": {"value": finding.abundance_pct, "unit": "%", "system": UCUM,
                                             "code": "%"}})
    resource = {"resourceType": "Observation", "status": "final", "category": [LAB],
                "code": {"coding": [coding(codes.VARIANT_ASSESSMENT)]}, "subject": ex.patient(),
                **ex.dates.point("effective", when), **_method(dated.event), "component": components}
    answer = codes.VARIANT_RESULTS.get(" ".join(finding.result.lower().split())) if finding.result else None
    if finding.result:
        resource["valueCodeableConcept"] = {"text": finding.result} | ({"coding": [coding(answer)]} if answer else {})
    resource |= _notes(("Note", finding.note))
    return resource, "mcode-genomic-variant" if answer or not finding.result else None


def _protein_finding(ex: _Export, dated: Dated, when: When, finding) -> tuple[dict, str | None]:
    """A stain's finding (ALK protein expression by IHC): a lab Observation of the result as written; TumorMarkerTest,
    as mCODE gives immunostains, when it has a result (the profile requires a value), dated as a marker is."""
    alteration = finding.alteration or "protein expression"
    name = alteration if finding.gene.lower() in alteration.lower() else f"{finding.gene} {alteration}"
    date = _marker_date(ex, when) if finding.result else ex.dates.point("effective", when)
    resource = {"resourceType": "Observation", "status": "final", "category": [LAB], "code": {"text": name},
                "subject": ex.patient(), **date, **_method(dated.event)}
    if finding.result:
        resource["valueCodeableConcept"] = {"text": finding.result}
    resource |= _notes(("Variant", finding.variant), ("Note", finding.note))
    return resource, "mcode-tumor-marker-test" if finding.result else None


@dataclass(frozen=True)
class Resource:
    """How the events of a kind become resources: `write` adds them; `keyed_by_event`: one resource keyed by the
    event itself (a therapy's first agent, a molecular test's report), not by the event and a part of it (a scan's
    sizes, a lab's values); `date_element`: the element holding its date (the day-0 target of a case without
    calendar)."""

    write: Callable[[_Export, Dated, str], None]
    keyed_by_event: bool = True
    date_element: str = "effective"


# The resources of each kind of event, by the name the kinds registry gives (timelines.kinds.Kind.fhir); the patient's
# death is on the Patient.
RESOURCES = {"surgical-procedure": Resource(_surgery, date_element="performed"),
             "procedure": Resource(_biopsy, date_element="performed"),
             "radiotherapy-course": Resource(_radiotherapy, date_element="performed"),
             "medication": Resource(_medication), "tumor-size": Resource(_imaging, keyed_by_event=False),
             "lab-result": Resource(_lab, keyed_by_event=False), "disease-status": Resource(_status),
             "adverse-event": Resource(_adverse_event, date_element="date"),
             "condition": Resource(_symptom, date_element="onset"),
             "observation": Resource(_other, keyed_by_event=False), "status": Resource(_patient_status),
             "restaging": Resource(_restaging), "genomics-report": Resource(_molecular)}


def resource_of(kind: str) -> Resource | None:
    """The resources of a kind's events; None for a kind the bundle does not carry (not_carried says so)."""
    known = kind_named(kind)
    return RESOURCES.get(known.fhir) if known is not None else None


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
    for r in case.reported:
        therapy = ex.timeline.by_id(r.therapy) if r.therapy else None
        said = "".join(f"; {label}: {text}" for label, text in (
            ("Therapy", therapy and event_label(therapy.event, therapy.kind)), ("Quote", r.quote), ("Note", r.note))
            if text)
        notes.append(f"Reported {r.name.replace('_', ' ')}" + (f" ({r.label})" if r.label else "")
                     + f": {r.as_written}" + said)
    notes += [f"Lesion {lesion.label}: {lesion.note}" for lesion in case.lesions if lesion.note]  # no note in R4
    notes += list(case.notes)
    if case.patient.age is not None:
        at = ex.timeline.by_id(case.patient.age_at) if case.patient.age_at else None
        notes.append(f"Age: {case.patient.age}" + (f" at {event_label(at.event, at.kind)}" if at else "")
                     + (f" ({case.patient.age_note})" if case.patient.age_note else ""))
    patient = case.patient
    if patient.smoking != "unknown" or patient.pack_years is not None:
        years = f"{patient.pack_years:g} pack-years" if patient.pack_years is not None else ""
        notes.append("Smoking: " + ", ".join(t for t in (patient.smoking if patient.smoking != "unknown" else "",
                                                          years) if t))
    if patient.presentation != "unknown" or patient.presentation_note:
        notes.append("Presentation: " + " - ".join(t for t in (
            patient.presentation.replace("_", " ") if patient.presentation != "unknown" else "",
            patient.presentation_note) if t))
    if case.patient.context:
        notes.append(f"Context: {case.patient.context}")
    return {"resourceType": "List", "status": "current", "mode": "snapshot", "title": case.title,
            "code": {"text": "Case report"}, "subject": ex.patient(),
            "entry": [{"item": {"reference": e["fullUrl"]}} for e in ex.entries],
            "note": [{"text": text} for text in notes]}
