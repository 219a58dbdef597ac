"""Typed models of a case file: one model per event kind, discriminated on `kind`."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .dates import ID_PATTERN, MAX_DATE_CHARS, date_text, kind_of, parse_date, parse_offset

SCHEMA_VERSION = 1
CASE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
MAX_TEXT_CHARS = 20_000  # any text of a case: a long quote fits, a pasted document does not


def _date(value: object) -> str:
    text = date_text(value)
    parse_date(text)
    return text


def _duration(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"Expected a duration, got {kind_of(value)}. Hint: write e.g. '5 months' or '~2 weeks'")
    text = str(value).strip()
    offset = parse_offset(text)
    if offset.amount <= 0:
        raise ValueError("A duration must be longer than zero. Hint: write e.g. '5 months'")
    return text


DateText = Annotated[
    str, BeforeValidator(_date),
    Field(json_schema_extra={
        "type": ["string", "integer"],
        "maxLength": MAX_DATE_CHARS,
        "description": "2022-09-08 | 2022-09 | 2022 | ~2021-10 | 'event + 3 months' | 'event.end - 2 weeks' | "
                       "'after event' | 'before event' | 'between A and B' | origin",
    }),
]
Duration = Annotated[str, BeforeValidator(_duration),
                     Field(json_schema_extra={"description": "'5 months', '~1 month', '10 days', '2 years'"})]
EventId = Annotated[str, Field(pattern=f"^{ID_PATTERN}$", max_length=80)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


def field_value(model: BaseModel, name: str, default=None):
    """The value of a field the model may not have (`dose` of any event): `default` when it has none.

    Like getattr(model, name, default) without pydantic's __getattr__, which raises and catches an
    AttributeError for every name a model lacks: per event of a long case, most of the cost of its tables."""
    return model.__dict__.get(name, default)


class Strict(BaseModel):
    """Unknown fields are errors: a misspelled field must never vanish silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, allow_inf_nan=False,
                              str_max_length=MAX_TEXT_CHARS)


# ---------------------------------------------------------------- case header

class Source(Strict):
    citation: Text
    doi: str | None = None
    url: str | None = None
    seed: str | None = None
    case: str | None = None


class Patient(Strict):
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    age: Annotated[int, Field(ge=0, le=130)] | None = None
    age_at: EventId | None = None
    age_note: Text | None = None
    smoking: Literal["never", "former", "current", "unknown"] = "unknown"
    context: Text | None = None


class Biomarker(Strict):
    name: str
    result: str


class Diagnosis(Strict):
    id: EventId
    label: str
    date: DateText
    histology: str | None = None
    site: str | None = None
    stage: str | None = None
    biomarkers: list[Biomarker] = []
    quote: Text | None = None
    note: Text | None = None


class Lesion(Strict):
    id: EventId
    label: str
    site: str | None = None
    nodal: bool = False
    target: bool = True
    note: Text | None = None


class Reported(Strict):
    name: Literal["pfs", "os", "dfs", "time_on_treatment"]
    months: Annotated[float, Field(ge=0, le=1200)] | list[Annotated[float, Field(ge=0, le=1200)]]
    therapy: EventId | None = None
    primary: EventId | None = None
    censored: bool = False
    label: str | None = None
    quote: Text | None = None
    note: Text | None = None

    @property
    def readings(self) -> list[float]:
        return list(self.months) if isinstance(self.months, list) else [self.months]


# ---------------------------------------------------------------- event shapes

SHORT_NAME_CHARS = 32  # one line of a lane label or a legend entry


class EventBase(Strict):
    id: EventId | None = None
    label: str | None = None
    # What lanes, legends and axis titles call a therapy whose name is long ("EC (etoposide + cisplatin)"); the
    # full regimen or drug and the label stay in tooltips, tables and exports.
    short: Annotated[str, Field(min_length=1, max_length=SHORT_NAME_CHARS)] | None = None
    quote: Text | None = None
    note: Text | None = None

    @property
    def shape(self) -> str:
        """point (one date) or interval (start, and maybe an end)."""
        return "interval" if self.__dict__.get("start") is not None else "point"


class PointEvent(EventBase):
    date: DateText


class IntervalEvent(EventBase):
    start: DateText
    end: DateText | None = None
    duration: Duration | None = None
    ongoing: bool = False

    @model_validator(mode="after")
    def _one_ending(self):
        given = [name for name in ("end", "duration") if getattr(self, name)] + (["ongoing"] if self.ongoing else [])
        if len(given) > 1:
            raise ValueError(f"This event has {' and '.join(given)}. Hint: keep only one of end, duration and ongoing")
        return self


class PointOrIntervalEvent(EventBase):
    date: DateText | None = None
    start: DateText | None = None
    end: DateText | None = None
    duration: Duration | None = None
    ongoing: bool = False

    @model_validator(mode="after")
    def _date_or_start(self):
        if (self.date is None) == (self.start is None):
            raise ValueError("Give either date (a single day) or start (a span), not both and not neither. "
                             "Hint: a single treatment or finding takes date:, a course over time takes start:")
        if self.date is not None and (self.end or self.duration or self.ongoing):
            raise ValueError("end, duration and ongoing go with start, not with date. Hint: rename date: to start:")
        return IntervalEvent._one_ending(self)  # type: ignore[arg-type]


# ---------------------------------------------------------------- parts of events

class Finding(Strict):
    gene: str
    alteration: str | None = None
    variant: str | None = None
    abundance_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    result: str | None = None
    note: Text | None = None


class DoseChange(Strict):
    date: DateText
    dose: str
    reason: str | None = None
    quote: Text | None = None


class Measurement(Strict):
    lesion: EventId
    size: str
    note: Text | None = None


class LabValue(Strict):
    marker: str
    value: float | None = None
    unit: str | None = None
    ref_low: float | None = None
    ref_high: float | None = None
    flag: Literal["high", "low", "normal"] | None = None
    finding: str | None = None

    @model_validator(mode="after")
    def _something_measured(self):
        if self.value is None and not self.finding:
            raise ValueError(f"The value of {self.marker} is missing. "
                             "Hint: give value: (a number) or finding: (what the paper says, e.g. 'decreased')")
        if self.ref_low is not None and self.ref_high is not None and self.ref_low > self.ref_high:
            raise ValueError(f"ref_low {self.ref_low} is above ref_high {self.ref_high}. Hint: swap the two values")
        return self


Line = Annotated[int, Field(ge=1, le=20)]


# ---------------------------------------------------------------- the event kinds

class DiagnosisEvent(PointEvent):
    kind: Literal["diagnosis"]
    primary: EventId | None = None
    histology: str | None = None
    stage: str | None = None


class Symptom(PointOrIntervalEvent):
    kind: Literal["symptom"]
    description: str | None = None


class Surgery(PointEvent):
    kind: Literal["surgery"]
    procedure: str | None = None
    site: str | None = None
    margin: str | None = None
    primary: EventId | None = None


class Biopsy(PointEvent):
    kind: Literal["biopsy"]
    method: str | None = None
    site: str | None = None
    result: str | None = None


class Molecular(PointEvent):
    kind: Literal["molecular"]
    method: str | None = None
    specimen: str | None = None
    findings: list[Finding] = []


class Chemotherapy(IntervalEvent):
    kind: Literal["chemotherapy"]
    regimen: str | None = None
    agents: list[str] = []
    dose: str | None = None
    cycles: Annotated[int, Field(ge=1, le=200)] | None = None
    intent: str | None = None
    line: Line | None = None
    reason_stopped: str | None = None


class Targeted(IntervalEvent):
    kind: Literal["targeted"]
    drug: str
    dose: str | None = None
    dose_changes: list[DoseChange] = []
    intent: str | None = None
    line: Line | None = None
    reason_stopped: str | None = None


class Immunotherapy(IntervalEvent):
    kind: Literal["immunotherapy"]
    drug: str
    dose: str | None = None
    intent: str | None = None
    line: Line | None = None
    reason_stopped: str | None = None


class Endocrine(IntervalEvent):
    kind: Literal["endocrine"]
    drug: str | None = None
    dose: str | None = None
    intent: str | None = None
    line: Line | None = None


class Radiotherapy(PointOrIntervalEvent):
    kind: Literal["radiotherapy"]
    technique: str | None = None
    site: str | None = None
    dose_gy: Annotated[float, Field(gt=0, le=200)] | None = None
    fractions: Annotated[int, Field(ge=1, le=100)] | None = None
    intent: str | None = None


class Supportive(PointOrIntervalEvent):
    kind: Literal["supportive"]
    drug: str | None = None
    purpose: str | None = None


class Imaging(PointEvent):
    kind: Literal["imaging"]
    modality: str | None = None
    region: str | None = None
    finding: Text | None = None
    trend: Literal["decreased", "increased", "stable", "new", "resolved", "mixed"] | None = None
    measurements: list[Measurement] = []


class Lab(PointEvent):
    kind: Literal["lab"]
    values: Annotated[list[LabValue], Field(min_length=1)]


class Response(PointEvent):
    kind: Literal["response"]
    category: Literal["CR", "PR", "SD", "PD", "NE"]
    scope: str | None = None
    criteria: str | None = None
    therapy: EventId | None = None


class Progression(PointEvent):
    kind: Literal["progression"]
    site: str | None = None
    confirmed_by: str | None = None
    therapy: EventId | None = None
    primary: EventId | None = None


class AdverseEvent(PointOrIntervalEvent):
    kind: Literal["adverse_event"]
    term: str
    grade: Annotated[int, Field(ge=1, le=5)] | None = None
    ctcae_version: str | None = None
    attribution: EventId | None = None
    action: str | None = None


class Status(PointEvent):
    kind: Literal["status"]
    status: Literal["alive", "dead", "remission", "no_evidence_of_disease", "lost_to_follow_up"]
    cause: str | None = None


EVENT_MODELS = (DiagnosisEvent, Symptom, Surgery, Biopsy, Molecular, Chemotherapy, Targeted, Immunotherapy,
                Endocrine, Radiotherapy, Supportive, Imaging, Lab, Response, Progression, AdverseEvent, Status)
KIND_MODELS = {m.model_fields["kind"].annotation.__args__[0]: m for m in EVENT_MODELS}
EVENT_KINDS = tuple(KIND_MODELS)
THERAPY_KINDS = ("chemotherapy", "targeted", "immunotherapy", "endocrine")

Event = Annotated[Union[EVENT_MODELS], Field(discriminator="kind")]  # type: ignore[valid-type]


class Case(Strict):
    """One patient's history, as written in a case file."""

    schema_: Literal[1] = Field(alias="schema")
    id: Annotated[str, Field(pattern=CASE_ID_PATTERN)]
    title: str
    source: Source
    patient: Patient = Patient()
    origin: EventId | None = None
    diagnoses: Annotated[list[Diagnosis], Field(min_length=1)]
    lesions: list[Lesion] = []
    events: list[Event] = []
    reported: list[Reported] = []
    notes: list[Text] = []

    model_config = ConfigDict(populate_by_name=True)
