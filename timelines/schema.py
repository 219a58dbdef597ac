"""Typed models of a case file: one model per event kind, discriminated on `kind`."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .errors import ValueProblem
from .time.dates import ID_PATTERN, MAX_DATE_CHARS, date_text, duration_months, kind_of, parse_date, parse_offset

CASE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
MAX_TEXT_CHARS = 20_000  # any text of a case: a long quote fits, a pasted document does not
SHORT_NAME_CHARS = 32  # one line of a lane label, a legend entry or an axis title's name


def _date(value: object) -> str:
    text = date_text(value)
    parse_date(text)
    return text


def _duration(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueProblem(f"Expected a duration, got {kind_of(value)}.", "write e.g. '5 months' or '~2 weeks'")
    text = str(value).strip()
    offset = parse_offset(text)
    if offset.amount <= 0:
        raise ValueProblem("A duration must be longer than zero.", "write e.g. '5 months'")
    return text


def _number(value: object) -> object:
    """A number field refuses true and false, which pydantic would otherwise read as 1 and 0 ('value: on')."""
    if isinstance(value, bool):
        raise ValueProblem(f"Expected a number, got {kind_of(value)}.", "write the number itself")
    return value


Number = Annotated[float, BeforeValidator(_number)]
Months = Annotated[float, Field(ge=0, le=1200), BeforeValidator(_number)]

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
    age: Annotated[int, Field(ge=0, le=130), BeforeValidator(_number)] | None = None
    age_at: EventId | None = None
    age_note: Text | None = None
    smoking: Literal["never", "former", "current", "unknown"] = "unknown"
    pack_years: Annotated[float, Field(ge=0, le=300), BeforeValidator(_number)] | None = None
    # How the patient came to care: with symptoms, an incidental finding (a check-up, imaging for something
    # else), screening, or the follow-up of an earlier cancer; presentation_note says it in the paper's words.
    presentation: Literal["symptoms", "incidental", "screening", "follow_up", "unknown"] = "unknown"
    presentation_note: Text | None = None
    context: Text | None = None
    # Other facts as the source names them (an imported study's columns no field holds): name -> value as text.
    attributes: dict[str, Text] | None = None


class Biomarker(Strict):
    name: str
    result: str


class Diagnosis(Strict):
    id: EventId
    label: str
    short: Annotated[str, Field(min_length=1, max_length=SHORT_NAME_CHARS)] | None = None  # for axis titles
    date: DateText
    histology: str | None = None
    site: str | None = None
    stage: str | None = None
    biomarkers: list[Biomarker] = []
    quote: Text | None = None
    note: Text | None = None
    provenance: Text | None = None  # where an imported diagnosis was read: 'data_timeline_diagnosis.txt:3'
    attributes: dict[str, Text] | None = None  # other facts as the source names them


class Lesion(Strict):
    id: EventId
    label: str
    site: str | None = None
    nodal: bool = False
    target: bool = True
    note: Text | None = None


def _point_reference(value: object) -> str:
    """'lorlatinib', 'lorlatinib.end' or 'last follow-up': a point an interval the paper states runs from or to."""
    text = date_text(value).strip()
    if text.lower() in ("last follow-up", "last follow up", "follow-up"):
        return "last follow-up"
    if not re.fullmatch(rf"{ID_PATTERN}(\.(start|end))?", text):
        raise ValueProblem(f"Expected an event id, 'id.end' or 'last follow-up', got '{text[:60]}'.",
                           "an interval runs between two points of the case, e.g. from: gefitinib.end, "
                           "to: recurrence")
    return text


PointReference = Annotated[str, BeforeValidator(_point_reference)]


class Reported(Strict):
    """A figure the paper states: PFS, OS, DFS, time on treatment, or any other interval (`from`, `to`)."""

    name: Literal["pfs", "os", "dfs", "time_on_treatment", "interval"]
    months: Months | list[Months] | None = None
    length: Duration | None = None  # as the paper says it when not in months: '8 weeks', '240 days', '5 years'
    description: Text | None = None  # a figure without a number: 'long-term', 'more than a year'
    therapy: EventId | None = None
    primary: EventId | None = None
    from_: PointReference | None = Field(None, alias="from")
    to: PointReference | None = None
    censored: bool = False
    label: str | None = None
    quote: Text | None = None
    note: Text | None = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _one_figure(self):
        if self.months is not None and self.length is not None:
            raise ValueProblem("This figure has both months and length.", "keep the one the paper uses")
        if self.months is None and self.length is None and not self.description:
            raise ValueProblem("A reported figure needs months: (a number), length: (with its unit, e.g. '8 weeks') "
                               "or description: (the paper's words when it gives no number, e.g. 'long-term').",
                               "add the one the paper gives")
        if self.name == "interval" and (self.from_ is None or self.to is None or not self.label):
            raise ValueProblem("An interval needs from:, to: and label:.", "e.g. name: interval, label: "
                               "Recurrence-free after stopping gefitinib, from: gefitinib.end, to: last follow-up")
        return self

    @property
    def readings(self) -> list[float]:
        """The figure in months, each reading the paper gives (none for a figure given only in words)."""
        if self.length is not None:
            return [duration_months(self.length)]
        if self.months is None:
            return []
        return list(self.months) if isinstance(self.months, list) else [self.months]

    @property
    def as_written(self) -> str:
        """The figure as the paper gives it: '8 weeks', '21 or 22 months', 'long-term'."""
        plus = "+" if self.censored else ""
        if self.length is not None:
            return f"{self.length}{plus}"
        if self.months is not None:
            return " or ".join(f"{r:g}{plus}" for r in self.readings) + " months"
        return self.description or ""


# ---------------------------------------------------------------- event shapes



class EventBase(Strict):
    id: EventId | None = None
    label: str | None = None
    # What lanes, legends and axis titles call a therapy whose name is long ("EC (etoposide + cisplatin)"); the
    # full regimen or drug and the label stay in tooltips, tables and exports.
    short: Annotated[str, Field(min_length=1, max_length=SHORT_NAME_CHARS)] | None = None
    quote: Text | None = None
    note: Text | None = None
    certainty: Literal["suspected", "confirmed", "refuted"] | None = None  # as stated, when not given
    settled_by: EventId | None = None  # the event that confirmed or refuted a suspected one
    provenance: Text | None = None  # where an imported event was read: 'data_timeline_treatment.txt:14'
    # Other facts as the source names them (an imported study's columns no field holds): name -> value as text.
    attributes: dict[str, Text] | None = None

    @property
    def shape(self) -> str:
        """point (one date) or interval (a start, or an end with a duration counted back from it)."""
        fields = self.__dict__
        return "interval" if fields.get("start") is not None or fields.get("end") is not None else "point"


class PointEvent(EventBase):
    date: DateText


class IntervalEvent(EventBase):
    start: DateText | None = None  # absent only when the duration is counted back from the end
    end: DateText | None = None
    duration: Duration | None = None
    ongoing: bool = False

    @field_validator("start", mode="before")
    @classmethod
    def _start_written_empty(cls, value):
        return _date(value) if value is None else value  # 'start:' with nothing after it is an empty date

    @model_validator(mode="after")
    def _one_ending(self):
        if self.start is None:
            if self.end is None or self.duration is None or self.ongoing:
                raise ValueProblem("Missing required field 'start'.", "add 'start: ...'; when the paper does not "
                                   "say when it started, bound it: 'start: after X' or 'start: between A and B'; or, "
                                   "for a span the paper counts back ('cough for 2 months before presentation'), "
                                   "end: with duration:")
            return self
        given = [name for name in ("end", "duration") if getattr(self, name)] + (["ongoing"] if self.ongoing else [])
        if len(given) > 1:
            raise ValueProblem(f"This event has {' and '.join(given)}.", "keep only one of end, duration and ongoing "
                               "(end: with duration: and no start: counts the duration back from the end)")
        return self


class PointOrIntervalEvent(EventBase):
    date: DateText | None = None
    start: DateText | None = None
    end: DateText | None = None
    duration: Duration | None = None
    ongoing: bool = False

    @model_validator(mode="after")
    def _date_or_start(self):
        counted_back = self.start is None and self.end is not None and self.duration is not None
        if (self.date is None) == (self.start is None and not counted_back):
            raise ValueProblem("Give either date (a single day) or start (a span), not both and not neither.",
                               "a single treatment or finding takes date:, a course over time takes start:")
        if self.date is not None and (self.end or self.duration or self.ongoing):
            raise ValueProblem("end, duration and ongoing go with start, not with date.", "rename date: to start:")
        if self.date is not None:
            return self
        return IntervalEvent._one_ending(self)  # type: ignore[arg-type]


# ---------------------------------------------------------------- parts of events

class Finding(Strict):
    gene: str
    alteration: str | None = None
    variant: str | None = None
    abundance_pct: Annotated[float, Field(ge=0, le=100), BeforeValidator(_number)] | None = None
    result: str | None = None
    note: Text | None = None


class DoseChange(Strict):
    date: DateText
    dose: str
    reason: str | None = None
    quote: Text | None = None


class Measurement(Strict):
    """A lesion on one scan: its size as written, or, when the paper gives none, how it changed in words."""

    lesion: EventId
    size: str | None = None
    change: Literal["decreased", "stable", "increased", "new", "resolved"] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _size_or_change(self):
        if self.size is None and self.change is None:
            raise ValueProblem(f"The lesion {self.lesion} has no size and no change.", "give size: as written "
                               "('19 mm') or, when the paper gives none, change: decreased, stable, increased, new or "
                               "resolved")
        return self


# Serum tumour markers by the names papers use; any other lab value (blood counts, liver enzymes, amylase...)
# is charted apart from them. `group:` on a value overrides the name.
TUMOUR_MARKERS = ("cea", "nse", "cyfra", "cyfra 21-1", "cyfra21-1", "progrp", "pro-grp", "scc", "scc-ag", "ca 19-9",
                  "ca19-9", "ca 125", "ca125", "ca-125", "ca 15-3", "ca15-3", "ca 72-4", "afp", "psa", "hcg", "beta-hcg",
                  "chromogranin a", "cga", "tpa", "tps", "slx", "sialyl lewis x", "he4")


@lru_cache(maxsize=4096)  # a case names a few markers, each many times
def is_tumour_marker(name: str) -> bool:
    text = " ".join(name.lower().replace("(", " ").replace(")", " ").split())
    if "tumor marker" in text or "tumour marker" in text:
        return True
    return any(text == m or text.startswith(m + " ") or text.endswith(" " + m) for m in TUMOUR_MARKERS)


class LabValue(Strict):
    marker: str
    group: Literal["marker", "lab"] | None = None  # tumour marker or other lab; by default from the name
    value: Number | None = None
    unit: str | None = None
    ref_low: Number | None = None
    ref_high: Number | None = None
    flag: Literal["high", "low", "normal"] | None = None
    finding: str | None = None

    @field_validator("finding", mode="before")
    @classmethod
    def _empty_finding_is_none(cls, value):
        """An empty finding says nothing (an imported row with a flag and no result gives one)."""
        return None if isinstance(value, str) and not value.strip() else value

    _written: str | None = PrivateAttr(default=None)  # the value as the file writes it ('7.0', not 7)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_written(cls, data, handler):
        """Keep the value as written for display: '7.0' stays '7.0' (YAML reads it as a float), '7' stays '7', a
        quoted '7.50' stays '7.50'; the number itself is what charts plot."""
        model = handler(data)
        raw = data.get("value") if isinstance(data, dict) else None
        if isinstance(raw, (int, float, str)) and not isinstance(raw, bool) and model.value is not None:
            model._written = raw.strip() if isinstance(raw, str) else repr(raw)
        return model

    @property
    def value_text(self) -> str:
        """The value as the file writes it ('7.0'), '' when only a finding is given."""
        if self.value is None:
            return ""
        return self._written or f"{self.value:g}"

    @property
    def is_marker(self) -> bool:
        """Whether this is a tumour marker (CEA, NSE, CYFRA 21-1, ProGRP...) rather than another lab value."""
        return self.group == "marker" if self.group else is_tumour_marker(self.marker)

    @model_validator(mode="after")
    def _something_measured(self):
        if self.value is None and not self.finding and self.flag is None:  # 'LDH was normal': flag: normal alone
            raise ValueProblem(f"The value of {self.marker} is missing.",
                               "give value: (a number), flag: (high, low or normal, when the paper says only "
                               "that) or finding: (what the paper says, e.g. 'decreased')")
        if self.ref_low is not None and self.ref_high is not None and self.ref_low > self.ref_high:
            raise ValueProblem(f"ref_low {self.ref_low} is above ref_high {self.ref_high}.", "swap the two values")
        return self


Line = Annotated[int, Field(ge=1, le=20), BeforeValidator(_number)]
Drugs = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class Agents(Strict):
    """`drug:` (one agent) or `drugs:` (a combination given together: dabrafenib + trametinib), exactly one of them;
    `agents` is what every consumer reads. `drugs` comes first so that `drug`'s check sees it."""

    @field_validator("drug", mode="before", check_fields=False)
    @classmethod
    def _drug_or_drugs(cls, value, info):
        drugs = info.data.get("drugs")
        if value is None and not drugs and "drugs" not in info.data:
            return value  # drugs: was written but refused; its own message says why
        if value is None and not drugs:
            raise ValueProblem(f"Missing required field 'drug' in {'an' if cls.__name__[0] in 'AEIOU' else 'a'} "
                               f"{cls.model_fields['kind'].annotation.__args__[0]} event.", "add 'drug: ...' for one "
                               "agent, or 'drugs: [dabrafenib, trametinib]' for agents given together")
        if value is not None and drugs:
            raise ValueProblem("This event has both drug and drugs.", "keep drugs: [...] for agents given together, "
                               "or drug: for one agent")
        return value

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["drug"]}, {"required": ["drugs"]}]})

    @property
    def agents(self) -> list[str]:
        """Every agent of the therapy, in the order written: the one `drug`, or each of `drugs`."""
        fields = self.__dict__
        return list(fields.get("drugs") or []) or ([fields["drug"]] if fields.get("drug") else [])


class Hold(Strict):
    """A treatment interruption ("stopped for 3 weeks", "interrupted for 12 days"): a start, and an end or a
    duration. Time on treatment subtracts it; the timeline draws it as a gap in the therapy's bar."""

    start: DateText
    end: DateText | None = None
    duration: Duration | None = None
    reason: str | None = None
    quote: Text | None = None

    @model_validator(mode="after")
    def _end_or_duration(self):
        if (self.end is None) == (self.duration is None):
            raise ValueProblem("A hold needs end: (a date) or duration: (e.g. '3 weeks'), one of the two.",
                               "write {start: 2021-03-02, duration: 3 weeks} or {start: ..., end: ...}")
        return self


class SystemicTherapy(IntervalEvent):
    """What every systemic therapy may say besides its drug: the family its lines are numbered in (a paper that
    numbers chemotherapy lines and endocrine lines apart), whether it was only planned, and its interruptions."""

    line_family: Annotated[str, Field(min_length=1, max_length=SHORT_NAME_CHARS)] | None = None
    planned: bool = False  # planned, not given (or not known to be given): drawn hollow, never counted
    holds: list[Hold] = []


# ---------------------------------------------------------------- the event kinds

class DiagnosisEvent(PointEvent):
    kind: Literal["diagnosis"]
    primary: EventId | None = None
    histology: str | None = None
    stage: str | None = None
    transformed_from: str | None = None  # the earlier histology, when a later specimen shows a transformation


class Symptom(PointOrIntervalEvent):
    kind: Literal["symptom"]
    description: str | None = None
    # Sizes found at a physical examination ('a palpable 3 x 2 x 2 cm mass'): a sign, in the clinic's "signs and
    # symptoms", measured by hand or calliper rather than on a scan.
    measurements: list[Measurement] = []


class Surgery(PointEvent):
    kind: Literal["surgery"]
    procedure: str | None = None
    site: str | None = None
    margin: str | None = None
    primary: EventId | None = None
    outcome: Text | None = None  # 'without morbidity', 'uneventful recovery'
    # curative: a resection disease-free survival runs from; unrelated: an operation for another illness (a
    # cholecystectomy), kept out of every cancer endpoint. Not given: as cases/README.md says (Endpoints).
    intent: Literal["curative", "palliative", "diagnostic", "preventive", "reconstructive", "unrelated"] | None = None
    complications: Text | None = None
    measurements: list[Measurement] = []  # sizes found at the operation or on the resected specimen (gross)


class Biopsy(PointEvent):
    kind: Literal["biopsy"]
    method: str | None = None
    site: str | None = None
    result: str | None = None


class Molecular(PointEvent):
    kind: Literal["molecular"]
    method: str | None = None
    specimen: str | None = None
    specimen_of: EventId | None = None  # the biopsy or surgery whose specimen was tested
    findings: list[Finding] = []


class Chemotherapy(SystemicTherapy):
    kind: Literal["chemotherapy"]
    regimen: str | None = None
    agents: list[str] = []
    dose: str | None = None
    cycles: Annotated[int, Field(ge=1, le=200), BeforeValidator(_number)] | None = None
    intent: str | None = None
    line: Line | None = None
    reason_stopped: str | None = None


class Targeted(Agents, SystemicTherapy):
    kind: Literal["targeted"]
    drugs: Drugs | None = None  # a combination given together: [dabrafenib, trametinib]
    drug: Annotated[str | None, Field(validate_default=True)] = None  # one agent; required unless drugs: is given
    dose: str | None = None
    dose_changes: list[DoseChange] = []
    intent: str | None = None
    line: Line | None = None
    reason_stopped: str | None = None


class Immunotherapy(Agents, SystemicTherapy):
    kind: Literal["immunotherapy"]
    drugs: Drugs | None = None  # a combination given together: [dabrafenib, trametinib]
    drug: Annotated[str | None, Field(validate_default=True)] = None  # one agent; required unless drugs: is given
    dose: str | None = None
    intent: str | None = None
    line: Line | None = None
    reason_stopped: str | None = None


class Endocrine(SystemicTherapy):
    kind: Literal["endocrine"]
    drug: str | None = None
    dose: str | None = None
    intent: str | None = None
    line: Line | None = None


class Radiotherapy(PointOrIntervalEvent):
    kind: Literal["radiotherapy"]
    technique: str | None = None
    site: str | None = None
    dose_gy: Annotated[float, Field(gt=0, le=200), BeforeValidator(_number)] | None = None
    fractions: Annotated[int, Field(ge=1, le=100), BeforeValidator(_number)] | None = None
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
    category: Literal["CR", "PR", "SD", "PD", "NE"] | None = None
    description: Text | None = None  # the paper's words when it gives no category: 'favorable response'
    scope: str | None = None
    criteria: str | None = None
    therapy: EventId | None = None

    @model_validator(mode="after")
    def _category_or_description(self):
        if self.category is None and not self.description:
            raise ValueProblem("A response needs category: (CR, PR, SD, PD or NE, as the paper states it) or "
                               "description: (its words when it gives none, e.g. 'responded dramatically').",
                               "never choose a category the paper does not give; write description: instead")
        return self


class Progression(PointEvent):
    kind: Literal["progression"]
    site: str | None = None
    confirmed_by: str | None = None
    therapy: EventId | None = None
    primary: EventId | None = None


class AdverseEvent(PointOrIntervalEvent):
    kind: Literal["adverse_event"]
    term: str | None = None
    description: Text | None = None  # the paper's words when it names no term: 'could not tolerate'
    grade: Annotated[int, Field(ge=1, le=5), BeforeValidator(_number)] | None = None
    ctcae_version: str | None = None
    attribution: EventId | None = None
    action: str | None = None

    @model_validator(mode="after")
    def _term_or_description(self):
        if not self.term and not self.description:
            raise ValueProblem("An adverse event needs term: (e.g. 'rash', a CTCAE term) or description: (the "
                               "paper's words when it names none, e.g. 'could not tolerate').", "add the one "
                               "the paper gives")
        return PointOrIntervalEvent._date_or_start(self)  # type: ignore[arg-type]


class Status(PointEvent):
    kind: Literal["status"]
    status: Literal["alive", "dead", "remission", "no_evidence_of_disease", "lost_to_follow_up"]
    cause: str | None = None


class Other(PointOrIntervalEvent):
    """An event of a type no other kind holds, named as its source names it (an imported study's own types)."""

    kind: Literal["other"]
    type: Annotated[str, Field(min_length=1)]
    description: Text | None = None


EVENT_MODELS = (DiagnosisEvent, Symptom, Surgery, Biopsy, Molecular, Chemotherapy, Targeted, Immunotherapy,
                Endocrine, Radiotherapy, Supportive, Imaging, Lab, Response, Progression, AdverseEvent, Status, Other)
KIND_MODELS = {m.model_fields["kind"].annotation.__args__[0]: m for m in EVENT_MODELS}
EVENT_KINDS = tuple(KIND_MODELS)


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
