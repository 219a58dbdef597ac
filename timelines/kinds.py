"""The event kinds: one row per kind (its model, lane, role in the clinic, words, how each export writes it), from
which every list of kinds is derived."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

from pydantic import BaseModel

from . import labels
from .schema import (
    AdverseEvent,
    Biopsy,
    Chemotherapy,
    DiagnosisEvent,
    Endocrine,
    Imaging,
    Immunotherapy,
    Lab,
    Molecular,
    Other,
    Progression,
    Radiotherapy,
    Response,
    Status,
    Supportive,
    Surgery,
    Symptom,
    Targeted,
    field_value,
)

SYSTEMIC = "Systemic therapy"  # the category drawn one lane per drug, coloured by drug


def _said(*words: str, add: str = "") -> tuple[tuple[str, str], ...]:
    return tuple((word, add) for word in words)


class Study(NamedTuple):
    """How a kind is written in a cBioPortal study's timeline files (timelines.cbioportal.write).

    Attributes
    ----------
    event_type : its EVENT_TYPE, one of cBioPortal's suggested types where one fits; '' for the event's own
        ``type:`` (an event of kind 'other'), else the kind's name in capitals.
    treatment_type, subtype : a TREATMENT row's TREATMENT_TYPE and SUBTYPE, its agent in AGENT; a treatment
        without a subtype says its agent in SUBTYPE (a radiotherapy's technique).
    """

    event_type: str = ""
    treatment_type: str = ""
    subtype: str = ""


TREATMENT = "TREATMENT"  # cBioPortal's event type of every therapy: an empty STOP_DATE is an end not reported
MEDICAL = Study(TREATMENT, "Medical Therapy")


@dataclass(frozen=True)
class Kind:
    """What the product knows about one event kind besides its model's fields.

    Attributes
    ----------
    name : the word written after ``kind:``.
    model : the pydantic model of the discriminated union (``timelines.schema.Event``).
    category : the lane group of the swimlane and the ``category`` column of the event table.
    label : the kind in words ('Targeted therapy'): the title of its snippet, the name of an unnamed agent.
    agent_fields : the fields naming the drug, regimen or technique, first given wins (a list is joined by ' + ').
    agent_or_label : an event naming no agent is called by its label (its lane says 'Chemotherapy').
    is_treatment : a response's ``therapy:`` or an adverse event's ``attribution:`` may name it.
    is_continuous : taken until stopped rather than in a set of cycles (tied to the responses it had).
    is_key_event : shown among the key events of the tumor board and the exports.
    is_workup : the presentation or the work-up of a diagnosis (symptoms, examination, labs, imaging, biopsy):
        a key event when it comes before a diagnosis (timelines.key_events), left to the charts after it.
    gives_specimen : a molecular test's ``specimen_of:`` may name it.
    synonyms : words authors write for this kind, from the papers' vocabulary, that spelling alone does not lead
        to (the did-you-mean of an unknown kind), each with what else to write.
    labelled : the name of an event its author gives no label, made from its fields (a function of
        ``timelines.labels``: event, kind -> text); by default its agent and dose, else the kind's name.
    fhir : the FHIR resource the export writes for it, a key of ``timelines.fhir.bundle.RESOURCES``; '' for a kind the
        bundle does not carry (the export says so, naming the event and its kind).
    cbioportal : how a cBioPortal study writes it (``Study``).
    measured_how : for a kind other than a scan whose events may give lesion sizes, how those were measured, said
        beside the size ('physical examination'); a scan says it by its modality.
    """

    name: str
    model: type[BaseModel]
    category: str
    label: str
    agent_fields: tuple[str, ...] = ()
    agent_or_label: bool = False
    is_treatment: bool = False
    is_continuous: bool = False
    is_key_event: bool = False
    is_workup: bool = False
    gives_specimen: bool = False
    synonyms: tuple[tuple[str, str], ...] = ()
    labelled: Callable[[BaseModel, "Kind"], str] | None = None
    fhir: str = ""
    cbioportal: Study = Study()
    measured_how: str = ""

    @property
    def is_systemic(self) -> bool:
        """A line of systemic therapy: its own lane per drug, counted in lines of therapy and PFS."""
        return self.category == SYSTEMIC

    def agent_of(self, event) -> str:
        """The drug, regimen or technique the event names, or ''."""
        for name in self.agent_fields:
            value = field_value(event, name)
            text = " + ".join(value) if isinstance(value, list) else (value or "").strip()
            if text:
                return text
        return self.label if self.agent_or_label else ""

    def label_of(self, event) -> str:
        """The name of an event its author gives no label (``labelled``)."""
        if self.labelled is not None:
            return self.labelled(event, self)
        return " ".join(filter(None, [self.agent_of(event), field_value(event, "dose")])) or self.name

    @property
    def measures_lesions(self) -> bool:
        """Its events may give lesion sizes (a ``measurements:`` field): rows of the measurement table."""
        return "measurements" in self.model.model_fields


# In lane order, top to bottom of the swimlane; kinds of one category follow each other. A new kind takes its model
# (timelines/schema.py, in EVENT_MODELS), a row here (its label function in timelines/labels.py, its FHIR resource in
# timelines/fhir/bundle.py RESOURCES, its cBioPortal event type), a colour and a shape (components/charts/theme.py, unless
# systemic; components/exports/native.py), an example (components/pages/snippets.py), a row in the guide
# (cases/README.md) and an event in cases/_template.yaml; the tests (tests/test_kinds.py, test_docs.py,
# test_editor.py) name whatever is missing.
KINDS: tuple[Kind, ...] = (
    Kind("symptom", Symptom, "Symptoms", "Symptom", is_workup=True, synonyms=_said("presentation"),
         labelled=labels.symptom, fhir="condition", cbioportal=Study("SYMPTOM"), measured_how="physical examination"),
    Kind("diagnosis", DiagnosisEvent, "Diagnosis & pathology", "Diagnosis", is_key_event=True,
         labelled=labels.diagnosis, fhir="restaging", cbioportal=Study("DIAGNOSIS")),
    Kind("biopsy", Biopsy, "Diagnosis & pathology", "Biopsy", is_workup=True, gives_specimen=True,
         synonyms=_said("pathology", "histology"), labelled=labels.biopsy, fhir="procedure",
         cbioportal=Study("SPECIMEN")),
    Kind("molecular", Molecular, "Diagnosis & pathology", "Molecular test", is_key_event=True,
         synonyms=_said("ngs", "sequencing", "genetic_test"), labelled=labels.molecular, fhir="genomics-report",
         cbioportal=Study("MOLECULAR_TEST")),
    Kind("surgery", Surgery, "Surgery", "Surgery", is_treatment=True, is_key_event=True, gives_specimen=True,
         synonyms=_said("operation", "resection", "lobectomy", "mastectomy"), labelled=labels.surgery,
         fhir="surgical-procedure", cbioportal=Study("SURGERY"), measured_how="at surgery"),
    Kind("radiotherapy", Radiotherapy, "Radiotherapy", "Radiotherapy", agent_fields=("technique",),
         is_treatment=True, is_key_event=True, synonyms=_said("radiation", "rt", "sbrt", "srs"),
         labelled=labels.radiotherapy, fhir="radiotherapy-course", cbioportal=Study(TREATMENT, "Radiation Therapy")),
    Kind("chemotherapy", Chemotherapy, SYSTEMIC, "Chemotherapy", agent_fields=("regimen", "agents"),
         agent_or_label=True, is_treatment=True, is_key_event=True, synonyms=_said("chemo"), labelled=labels.agent,
         fhir="medication", cbioportal=MEDICAL._replace(subtype="Chemotherapy")),
    Kind("targeted", Targeted, SYSTEMIC, "Targeted therapy", agent_fields=("drugs", "drug"), is_treatment=True,
         is_continuous=True, is_key_event=True, synonyms=_said("tki", "targeted_therapy"), fhir="medication",
         cbioportal=MEDICAL._replace(subtype="Targeted Therapy")),
    Kind("immunotherapy", Immunotherapy, SYSTEMIC, "Immunotherapy", agent_fields=("drugs", "drug"), is_treatment=True,
         is_continuous=True, is_key_event=True, synonyms=_said("ici"), fhir="medication",
         cbioportal=MEDICAL._replace(subtype="Immunotherapy")),
    Kind("endocrine", Endocrine, SYSTEMIC, "Endocrine therapy", agent_fields=("drug",), agent_or_label=True,
         is_treatment=True, is_continuous=True, is_key_event=True,
         synonyms=_said("hormone", "hormonal", "hormone_therapy"), fhir="medication",
         cbioportal=MEDICAL._replace(subtype="Hormone Therapy")),
    Kind("supportive", Supportive, "Supportive care", "Supportive care", agent_fields=("drug",), is_treatment=True,
         fhir="medication", cbioportal=MEDICAL._replace(subtype="Supportive Care")),
    Kind("imaging", Imaging, "Imaging", "Imaging", is_workup=True, synonyms=_said("scan", "ct", "mri", "pet", "pet_ct"),
         labelled=labels.imaging, fhir="tumor-size", cbioportal=Study("IMAGING")),
    Kind("lab", Lab, "Labs", "Lab values", is_workup=True,
         synonyms=_said("blood_test", "labs", "laboratory", "marker", "tumor_marker"), labelled=labels.lab,
         fhir="lab-result", cbioportal=Study("LAB_TEST")),
    Kind("response", Response, "Response & progression", "Response", is_key_event=True, labelled=labels.response,
         fhir="disease-status", cbioportal=Study("STATUS")),
    Kind("progression", Progression, "Response & progression", "Progression", is_key_event=True,
         synonyms=_said("recurrence", "relapse", "pd"), labelled=labels.progression, fhir="disease-status",
         cbioportal=Study("STATUS")),
    Kind("adverse_event", AdverseEvent, "Adverse events", "Adverse event", is_key_event=True,
         synonyms=_said("toxicity", "side_effect", "ae", "complication"), labelled=labels.adverse_event,
         fhir="adverse-event", cbioportal=Study("ADVERSE_EVENT")),
    Kind("status", Status, "Status", "Status", is_key_event=True,
         synonyms=_said("follow_up") + _said("death", "died", add="status: dead"), labelled=labels.status,
         fhir="status", cbioportal=Study("STATUS")),
    # Any other type of event, named as its source names it (a cBioPortal study's own EVENT_TYPE): its own lane,
    # last, as cBioPortal draws custom tracks after its known ones.
    Kind("other", Other, "Other events", "Other event", is_workup=True, synonyms=_said("custom", "event"),
         labelled=labels.other, fhir="observation"),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_named(name: str) -> Kind | None:
    """The registry's row of a kind, or None for a word that names no kind."""
    return KIND_BY_NAME.get(name)


def category_of(name: str) -> str:
    """The lane group of a kind; a kind the registry does not know is a lane group of its own."""
    known = kind_named(name)
    return known.category if known is not None else name


def kind_names(**facts: bool) -> tuple[str, ...]:
    """The kinds, in lane order, whose facts are as given: ``kind_names(is_treatment=True)``."""
    return tuple(k.name for k in KINDS if all(getattr(k, fact) == value for fact, value in facts.items()))


# Lanes and categories (timelines.tables): each category once, in the order of its first kind.
CATEGORIES = tuple((category, tuple(k.name for k in KINDS if k.category == category))
                   for category in dict.fromkeys(k.category for k in KINDS))
CATEGORY_OF_KIND = {k.name: k.category for k in KINDS}
LANE_ORDER = tuple(category for category, _ in CATEGORIES)

THERAPY_KINDS = kind_names(is_systemic=True)  # lines of systemic therapy
TREATMENT_KINDS = kind_names(is_treatment=True)
CONTINUOUS_KINDS = kind_names(is_continuous=True)
KEY_KINDS = kind_names(is_key_event=True)
WORKUP_KINDS = kind_names(is_workup=True)
SPECIMEN_KINDS = kind_names(gives_specimen=True)
MEASURING_KINDS = kind_names(measures_lesions=True)  # rows of the measurement table

# The did-you-mean of an unknown kind: word -> what to write instead ("'status' (with status: dead)").
KIND_SYNONYMS = {word: f"'{k.name}'" + (f" (with {add})" if add else "") for k in KINDS for word, add in k.synonyms}
