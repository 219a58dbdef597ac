"""Tidy tables of a resolved case: events, measurements, markers, dose changes (the contract of DESIGN.md section 3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import pandas as pd
from pydantic import BaseModel

from .gc_pause import gc_paused
from .kinds import LANE_ORDER, MEASURING_KINDS, SPECIMEN_KINDS, SYSTEMIC, category_of, kind_named
from .labels import NAME_CHARS
from .labels import finding_text as _finding_text
from .measures import parse_size
from .schema import Diagnosis, field_value
from .text import shorten
from .time.dates import Bounds, parse_date
from .time.when import iso_days, say_all, say_days, says_calendar
from .timeline import Dated, Timeline, hold_keys

EVENT_COLUMNS = ("case_id", "event_id", "kind", "lane", "label", "start", "end", "start_earliest", "start_latest",
                 "end_earliest", "end_latest", "day_start", "day_end", "precision", "ongoing", "line", "agent",
                 "dose", "details", "quote")
EVENT_EXTRA_COLUMNS = ("category", "shape", "day_start_earliest", "day_start_latest", "day_end_earliest",
                       "day_end_latest", "end_precision", "approximate", "date_text", "end_text", "intent", "note",
                       "dose_changes", "day_start_reach_earliest", "day_start_reach_latest", "day_end_reach_earliest",
                       "day_end_reach_latest", "least_days", "short", "response_category", "status", "trend",
                       "finding", "key_details", "planned", "holds", "default_origin", "on_therapy",
                       "start_is_calendar", "end_is_calendar")
MEASUREMENT_COLUMNS = ("case_id", "event_id", "lesion_id", "lesion_label", "site", "nodal", "target", "start",
                       "day_start", "dims_mm", "longest_mm", "short_axis_mm", "recist_mm", "quote")
MEASUREMENT_EXTRA_COLUMNS = ("size_text", "size_status", "change", "day_start_earliest", "day_start_latest", "modality",
                             "start_earliest", "start_latest", "day_start_reach_earliest", "day_start_reach_latest",
                             "source_kind", "source_label", "start_is_calendar")
MARKER_COLUMNS = ("case_id", "event_id", "marker", "value", "unit", "ref_low", "ref_high", "start", "day_start",
                  "quote")
MARKER_EXTRA_COLUMNS = ("value_text", "flag", "finding", "source", "group", "day_start_earliest", "day_start_latest", "start_earliest",
                        "start_latest", "day_start_reach_earliest", "day_start_reach_latest", "start_is_calendar")
DOSE_CHANGE_COLUMNS = ("case_id", "event_id", "start", "day_start", "day_start_earliest", "day_start_latest", "dose",
                       "reason", "quote")
DOSE_CHANGE_EXTRA_COLUMNS = ("start_earliest", "start_latest")

# What `key_details` says of an event (the deck's "Dose / finding"): these fields by value alone, in this order,
# then every other part as 'name: value'; the fields a label already says (modality, region, method...) left out.
KEY_DETAILS_FIRST = ("stage", "category", "finding", "result", "description", "term", "status", "histology")
KEY_DETAILS_QUIET = {"modality", "region", "method", "site", "specimen", "technique", "intent", "scope", "attribution",
                     "therapy", "primary", "biomarkers", "criteria", "procedure", "drug", "drugs", "regimen", "agents",
                     "purpose", "confirmed by", "ctcae version", "provenance"}

# Lane groups of the swimlane, top to bottom, are the categories of the kinds registry (timelines/kinds.py:
# LANE_ORDER, category_of, SYSTEMIC); kinds it does not list are appended in first-seen order.
_COMMON = {"id", "kind", "label", "quote", "note", "date", "start", "end", "duration", "ongoing", "line", "dose",
           "certainty", "settled_by", "specimen_of",  # said with what they link to (_links)
           "short",  # a display name, in its own column
           "drug", "drugs", "agents", "regimen", "measurements", "values", "findings", "dose_changes", "biomarkers",
           "attributes", "provenance",  # each of its names a part of its own; provenance last
           "planned", "holds"}  # in their own columns, and said below


_WHOLE_DAYS = {"line": "Int64", "day_end": "Int64", "day_start_earliest": "Int64", "day_start_latest": "Int64",
               "day_end_earliest": "Int64", "day_end_latest": "Int64", "day_end_reach_earliest": "Int64",
               "day_end_reach_latest": "Int64", "least_days": "Int64"}


@gc_paused()
def event_table(timeline: Timeline) -> pd.DataFrame:
    """One row per event (diagnoses included), in date order, with the columns of EVENT_COLUMNS first."""
    frame = pd.DataFrame(_event_columns(timeline), columns=list(EVENT_COLUMNS + EVENT_EXTRA_COLUMNS))
    frame = frame.sort_values(["day_start", "day_end"], kind="stable", na_position="last").reset_index(drop=True)
    frame = with_day_zero(frame, day_zero(timeline))
    return frame.astype(_WHOLE_DAYS)


@gc_paused()
def event_tables(timelines: list[Timeline], keys: list[str], key: str = "patient_id") -> pd.DataFrame:
    """The event tables of many cases as one frame, `key` (from `keys`, one per case) first: each case's rows in
    the order and with the values of its own event_table, made in one step rather than a frame per case (a
    registry of thousands of cases). It has no day 0 in its attrs: each case has its own."""
    names = list(EVENT_COLUMNS + EVENT_EXTRA_COLUMNS)
    columns: dict[str, list] = {name: [] for name in [key, *names, "_case_order"]}
    for number, (name, timeline) in enumerate(zip(keys, timelines)):
        for column, values in _event_columns(timeline).items():
            columns[column] += values
        columns[key] += [name] * len(timeline.items)
        columns["_case_order"] += [number] * len(timeline.items)
    frame = pd.DataFrame(columns, columns=list(columns))
    frame = frame.sort_values(["_case_order", "day_start", "day_end"], kind="stable", na_position="last")
    return frame.drop(columns="_case_order").reset_index(drop=True).astype(_WHOLE_DAYS)


def lane_order(events: pd.DataFrame) -> list[str]:
    """Lanes top to bottom: categories in LANE_ORDER, systemic therapy one lane per agent in start order."""
    lanes: list[str] = []
    for category in LANE_ORDER + tuple(c for c in events["category"].unique() if c not in LANE_ORDER):
        for lane in events.loc[events["category"] == category, "lane"]:
            if lane not in lanes:
                lanes.append(lane)
    return lanes


# The event table is built a column at a time, each column from the timeline's items in file order (diagnoses,
# then events); the dates of a column are said together (timelines/time/when.py: say_all, iso_days).

def _event_columns(timeline: Timeline) -> dict[str, list]:
    """Every column of the event table, unsorted."""
    items = timeline.items
    columns = {"case_id": [timeline.case.id] * len(items), "event_id": [event_key_id(d) for d in items],
               "kind": [d.kind for d in items], "shape": [d.shape for d in items]}
    columns.update(_start_columns(timeline, items))
    columns.update(_end_columns(timeline, items, [d.shape == "interval" for d in items]))
    columns.update(_name_columns(timeline, items))
    columns.update(_field_columns(timeline, items))
    return columns


def _start_columns(timeline: Timeline, items: list[Dated]) -> dict[str, list]:
    """The start: said, its bounds as dates and as days, where it is drawn and how far the drawing lets it move."""
    zero, starts = timeline.day_zero, [d.start for d in items]
    drawing = timeline.resolution.drawing
    reach = [drawing.reach[d.points[0]] for d in items]
    precisions = _stated_precisions(timeline, items, "start")
    return {
        "start": say_all(starts, timeline.on_calendar, [d.about_start for d in items], zero, precisions),
        "start_earliest": iso_days([b.earliest for b in starts], timeline.on_calendar),
        "start_latest": iso_days([b.latest for b in starts], timeline.on_calendar),
        "day_start": [drawing.drawn[d.points[0]] - zero for d in items],
        "precision": [timeline.precision(b) for b in starts],
        "day_start_earliest": _days_since(zero, [b.earliest for b in starts]),
        "day_start_latest": _days_since(zero, [b.latest for b in starts]),
        # Where the drawing lets the date move (a side the case leaves open, closed by the drawn neighbours):
        # how far a faded span is drawn. Not a bound of the date; the columns above are.
        "day_start_reach_earliest": _days_since(zero, [b.earliest for b in reach]),
        "day_start_reach_latest": _days_since(zero, [b.latest for b in reach]),
        # Whether `start` is a calendar date (not a day offset or 'not dated'), for the views
        "start_is_calendar": [says_calendar(b, timeline.on_calendar) for b in starts],
    }


def _end_columns(timeline: Timeline, items: list[Dated], interval: list[bool]) -> dict[str, list]:
    """The end of each interval ('' or None for a point): an end not reported is where it can be."""
    zero, drawing = timeline.day_zero, timeline.resolution.drawing
    ends = [(d.end or d.end_window) if i else None for d, i in zip(items, interval)]
    reported = [d.end if i else None for d, i in zip(items, interval)]
    reach = [drawing.reach[d.points[1]] if i else None for d, i in zip(items, interval)]
    said = _said_ends(timeline, items, reported)
    return {
        "end": said,
        "end_is_calendar": [e is not None and says_calendar(e, timeline.on_calendar) for e in reported],
        "end_earliest": iso_days([e and e.earliest for e in ends], timeline.on_calendar),
        "end_latest": iso_days([e and e.latest for e in ends], timeline.on_calendar),
        "day_end": [None if e is None else drawing.drawn[d.points[1]] - zero for d, e in zip(items, reported)],
        "day_end_earliest": _days_since(zero, [e and e.earliest for e in ends]),
        "day_end_latest": _days_since(zero, [e and e.latest for e in ends]),
        "end_precision": [(timeline.precision(e) if e else "not reported") if i else ""
                          for e, i in zip(reported, interval)],
        "day_end_reach_earliest": _days_since(zero, [r and r.earliest for r in reach]),
        "day_end_reach_latest": _days_since(zero, [r and r.latest for r in reach]),
        # how long it certainly lasted (drawn solid)
        "least_days": [d.least_days if i else None for d, i in zip(items, interval)],
        # Treatment interruptions as [from, to] days after the drawn start (so they move with it when re-anchored)
        "holds": [_hold_days(timeline, d) for d in items],
    }


def _said_ends(timeline: Timeline, items: list[Dated], reported: list[Bounds | None]) -> list[str]:
    """The reported end of each interval, said; '' for a point or an end not reported."""
    ended = [n for n, end in enumerate(reported) if end is not None]
    said = say_all([reported[n] for n in ended], timeline.on_calendar, [items[n].about_end for n in ended],
                   timeline.day_zero, _stated_precisions(timeline, [items[n] for n in ended], "end"))
    texts = [""] * len(items)
    for n, text in zip(ended, said):
        texts[n] = text
    return texts


def _days_since(zero: int, values: list[int | None]) -> list[int | None]:
    return [None if v is None else v - zero for v in values]


def _name_columns(timeline: Timeline, items: list[Dated]) -> dict[str, list]:
    """What the event is: its lane and category, label, drug or regimen, dose, details in words."""
    categories = [category_of(d.kind) for d in items]
    agents = [agent_name(d.event, d.kind) for d in items]
    parts = [detail_parts(d.event) + _links(timeline, d) for d in items]
    origin = timeline.origin_key or ("diagnoses", 0)
    return {
        "lane": [therapy_name(d.event, d.kind) if c == SYSTEMIC and a else c
                 for d, c, a in zip(items, categories, agents)],
        "label": [event_label(d.event, d.kind) for d in items],
        "category": categories,
        "agent": agents,
        "details": [_joined(p) for p in parts],
        "key_details": [key_details(p) for p in parts],
        "dose_changes": [_dose_changes(timeline, d) for d in items],
        "on_therapy": [_on_therapy(timeline, d.event) for d in items],  # a response's or progression's therapy
        # What a relative axis counts from unless the reader chooses: the case's `origin`, else its first diagnosis
        # (as listed under `diagnoses:`, whatever diagnosis event comes later or earlier).
        "default_origin": [d.key == origin for d in items],
    }


def _field_columns(timeline: Timeline, items: list[Dated]) -> dict[str, list]:
    """What the event's fields say, each in a column of its own (the details text is for display only)."""
    events = [d.event for d in items]
    fields = [e.__dict__ for e in events]  # a field the event's kind lacks is None (as field_value reads them)
    return {
        "ongoing": [bool(d.ongoing) for d in items],
        "line": [f.get("line") for f in fields],
        "dose": [f.get("dose") or _radiation_dose(e) or "" for e, f in zip(events, fields)],
        "quote": [e.quote or "" for e in events],
        "approximate": [_approximate(d) for d in items],
        "date_text": [_date_text(d) for d in items],
        "end_text": [_end_text(d) for d in items],
        "intent": _texts(fields, "intent"),
        "note": [e.note or "" for e in events],
        "short": _texts(fields, "short"),  # the author's short name for lanes and axis titles
        "response_category": [(f.get("category") or "") if d.kind == "response" else ""
                              for d, f in zip(items, fields)],
        "status": _texts(fields, "status"),
        "trend": _texts(fields, "trend"),
        "finding": _texts(fields, "finding"),  # an imaging finding as written
        "planned": [bool(f.get("planned", False)) for f in fields],  # planned, not given: drawn hollow
    }


def _texts(fields: list[dict], name: str) -> list[str]:
    return [f.get(name) or "" for f in fields]


def _written_start(dated: Dated):
    """The start as written; an interval counted back from its end is as approximate as the end."""
    fields = dated.event.__dict__
    date = fields.get("date")
    return date if date is not None else fields.get("start") or fields.get("end", "")


def _counted_back(dated: Dated) -> bool:
    """An interval written as its end and a duration before it (no start; an end, so not a point)."""
    fields = dated.event.__dict__
    return fields.get("start") is None and fields.get("end") is not None and not isinstance(dated.event, Diagnosis)


def _approximate(dated: Dated) -> bool:
    return parse_date(str(_written_start(dated))).approximate or \
        _counted_back(dated) and dated.event.duration.startswith("~")


def _date_text(dated: Dated) -> str:
    event = dated.event
    return f"{event.duration} before {event.end}" if _counted_back(dated) else str(_written_start(dated))


def _end_text(dated: Dated) -> str:
    event = dated.event
    if isinstance(event, Diagnosis):
        return ""
    return str(field_value(event, "end") or field_value(event, "duration") or ("ongoing" if dated.ongoing else ""))


def _stated_precisions(timeline: Timeline, items: list[Dated], side: str) -> list[tuple[str | None, str | None]]:
    """The precision of each item's date on `side`, per bound: that of the statement that sets its earliest and
    its latest (Resolution.precisions): 'after nodules found (2021-08), before VATS (2021-09-03)' is
    ('month', 'day'), said '2021-08 – 2021-09-03'."""
    precisions, n = timeline.resolution.precisions, 0 if side == "start" else 1
    return [precisions.get(d.points[n], ("day", "day")) for d in items]


def _hold_days(timeline: Timeline, dated: Dated) -> list[list[int]]:
    drawn, point = timeline.resolution.drawing.drawn, timeline.resolution.point
    return [[drawn[point(a)] - dated.day_start, drawn[point(b)] - dated.day_start]
            for a, b in hold_keys(dated.event, dated.key)]


def _links(timeline: Timeline, dated: Dated) -> list[tuple[str, str]]:
    """What ties this event to another, as (name, value) parts: the specimen a molecular test was run on, the tests
    run on a specimen, what settled a suspected event."""
    event = dated.event
    parts = []
    specimen = field_value(event, "specimen_of")
    if specimen and (source := timeline.by_id(specimen)) is not None:
        parts.append(("tested on the specimen of", _named(timeline, source)))
    if dated.kind in SPECIMEN_KINDS and event.id:
        tests = [d for d in timeline.of_kind("molecular") if d.event.specimen_of == event.id]
        parts += [("specimen tested", _named(timeline, d)) for d in tests]
    settled = field_value(event, "settled_by")
    if settled and (by := timeline.by_id(settled)) is not None:
        parts.append((f"{event.certainty} by", _named(timeline, by)))
    elif field_value(event, "certainty"):
        parts.append(("certainty", event.certainty))
    return parts


def _named(timeline: Timeline, dated: Dated) -> str:
    return f"{event_label(dated.event, dated.kind)} ({timeline.say_dated(dated)})"


def event_key_id(dated: Dated) -> str:
    """The event's id, or its place in the file (events[3]) when it has none."""
    return dated.event.id or f"{dated.key[0]}[{dated.key[1]}]"


def agent_name(event, kind: str) -> str:
    """The drug, regimen or technique an event names (its lane when systemic), as the kinds registry reads it."""
    known = kind_named(kind)
    return known.agent_of(event) if known else ""


def _on_therapy(timeline: Timeline, event) -> str:
    """The short name of the therapy an event says it belongs to (``therapy:``), else ''."""
    ref = field_value(event, "therapy")
    target = timeline.by_id(ref) if ref else None
    return therapy_name(target.event, target.kind) if target is not None else ""


def therapy_name(event, kind: str) -> str:
    """The one short name of a therapy on every screen (lane, header, legend, cohort, board, deck): the author's
    ``short:``, else the drug or regimen as the kinds registry reads it. Interchange files keep ``agent_name``."""
    return field_value(event, "short") or agent_name(event, kind)


def event_label(event, kind: str) -> str:
    """The author's label, or one made from the event's fields; a suspected or refuted event says so."""
    label = _own_label(event, kind)
    certainty = field_value(event, "certainty")
    if certainty in ("suspected", "refuted") and certainty not in label.lower():
        label += f" ({certainty})"
    return label


def _own_label(event, kind: str) -> str:
    if event.label:
        return event.label
    if isinstance(event, Diagnosis):
        return event.label
    known = kind_named(kind)  # the registry's label of its kind (timelines.labels)
    if known is not None:
        return known.label_of(event)
    return " ".join(filter(None, [agent_name(event, kind), field_value(event, "dose")])) or kind


def detail_parts(event) -> list[tuple[str, str]]:
    """Every kind-specific field as a (name, value) part, in declaration order; name is '' for a part said by its
    value alone (a molecular finding, a lab value)."""
    parts = []
    fields = event.__dict__  # the fields in declaration order, as model_dump gives them
    for name in _detail_fields(type(event)):
        value = fields[name]
        if value is None or value in ("", [], False):
            continue
        if isinstance(value, (list, BaseModel)):  # no kind has one outside _COMMON yet; shown as model_dump would
            value = event.model_dump(include={name}, exclude_none=True)[name]
        parts.append((name.replace("_", " "), str(value)))
    if isinstance(event, Diagnosis) and event.biomarkers:
        parts.append(("biomarkers", "; ".join(f"{b.name} {b.result}" for b in event.biomarkers)))
    if fields.get("agents"):
        parts.append(("agents", ", ".join(event.agents)))
    parts += [("", _finding_text(finding)) for finding in fields.get("findings") or ()]
    parts += [("", _value_text(value)) for value in fields.get("values") or ()]
    parts += [(m.lesion, str(m.size if m.size is not None else m.change)) for m in fields.get("measurements") or ()]
    if fields.get("planned", False):
        parts.append(("", "planned (not counted in any endpoint)"))
    for hold in fields.get("holds") or ():
        how = f"for {hold.duration}" if hold.duration else f"to {hold.end}"
        parts.append(("held", f"from {hold.start} {how}" + (f" ({hold.reason})" if hold.reason else "")))
    parts += list((fields.get("attributes") or {}).items())
    if fields.get("provenance"):
        parts.append(("provenance", event.provenance))
    return parts


@lru_cache(maxsize=None)
def _detail_fields(model: type) -> tuple[str, ...]:
    """The fields of a model that detail_parts says one by one, in declaration order."""
    return tuple(name for name in model.model_fields if name not in _COMMON)


def _joined(parts: list[tuple[str, str]]) -> str:
    return "; ".join(f"{name}: {value}" if name else value for name, value in parts)


def key_details(parts: list[tuple[str, str]]) -> str:
    """What a tumor board reads of an event besides its label (KEY_DETAILS_FIRST by value, then the rest by name,
    without KEY_DETAILS_QUIET): 'IV; grade 3', 'no evidence of disease'."""
    named, bare = {}, []
    for name, value in parts:
        if name:
            named.setdefault(name, value)
        else:
            bare.append(value)
    if "status" in named:
        named["status"] = named["status"].replace("_", " ")  # no_evidence_of_disease
    first = [named[name] for name in KEY_DETAILS_FIRST if name in named]
    rest = [f"{name}: {value}" for name, value in named.items()
            if name not in KEY_DETAILS_FIRST and name not in KEY_DETAILS_QUIET]
    return "; ".join(first + bare + rest)


def _value_text(value) -> str:
    text = value.marker
    if value.value is not None:
        text += f" {value.value_text}" + (f" {value.unit}" if value.unit else "")
    if value.ref_low is not None or value.ref_high is not None:
        text += f" (ref {_fmt(value.ref_low)}–{_fmt(value.ref_high)})"
    if value.finding:
        text += f" {value.finding}"
    if value.flag:
        text += f" [{value.flag}]"
    return text


def _fmt(number: float | None) -> str:
    return "" if number is None else f"{number:g}"


def _radiation_dose(event) -> str:
    gy, fractions = field_value(event, "dose_gy"), field_value(event, "fractions")
    if gy is None:
        return ""
    return f"{gy:g} Gy" + (f" / {fractions} fx" if fractions else "")


def _dose_changes(timeline: Timeline, dated: Dated) -> str:
    """The event's dose changes in words, for display ('2021-10-16: halved (reason)'); dose_change_table has them."""
    changes = field_value(dated.event, "dose_changes", [])
    texts = []
    for j, change in enumerate(changes):
        when = timeline.say(timeline.dose_dates[(dated.key, j)], timeline.dose_about[(dated.key, j)])
        texts.append(dose_change_text(when, change.dose, change.reason))
    return "; ".join(texts)


def dose_change_text(when: str, dose: str, reason: str | None = "") -> str:
    """One dose change in words: '2021-10-16: halved (abnormal liver function)'."""
    return f"{when}: {dose}" + (f" ({reason})" if reason else "")


def dose_changes_in_days(dose_changes: pd.DataFrame) -> dict[str, str]:
    """Each event's dose changes in words, dated by day offsets ('day 352–442: halved (reason)'), by event id."""
    texts: dict[str, list[str]] = {}
    for row in dose_changes.to_dict("records"):
        when = say_days(row["day_start_earliest"], row["day_start_latest"])
        texts.setdefault(row["event_id"], []).append(dose_change_text(when, row["dose"], row["reason"]))
    return {event_id: "; ".join(parts) for event_id, parts in texts.items()}


@gc_paused()
def dose_change_table(timeline: Timeline) -> pd.DataFrame:
    """One row per dose change of a therapy, in the order the case file gives them: its date as precisely as known
    and its bounds (days since day 0), the new dose and why."""
    owners, changes = _each(timeline.items, lambda d: field_value(d.event, "dose_changes", []))
    dates = [(owners[n].key, j) for n, j in _places(owners)]
    bounds = [timeline.dose_dates[key] for key in dates]
    zero = timeline.day_zero
    columns = {
        "case_id": [timeline.case.id] * len(changes), "event_id": [event_key_id(d) for d in owners],
        "start": say_all(bounds, timeline.on_calendar, [timeline.dose_about[key] for key in dates], zero),
        "day_start": [timeline.dose_day(*key) - zero for key in dates],
        "day_start_earliest": _days_since(zero, [b.earliest for b in bounds]),
        "day_start_latest": _days_since(zero, [b.latest for b in bounds]),
        "dose": [c.dose for c in changes], "reason": [c.reason or "" for c in changes],
        "quote": [c.quote or "" for c in changes],
        "start_earliest": iso_days([b.earliest for b in bounds], timeline.on_calendar),
        "start_latest": iso_days([b.latest for b in bounds], timeline.on_calendar),
    }
    frame = _frame(columns, DOSE_CHANGE_COLUMNS + DOSE_CHANGE_EXTRA_COLUMNS)
    frame = frame.astype({"day_start": "Int64", "day_start_earliest": "Int64", "day_start_latest": "Int64"})
    return with_day_zero(frame, day_zero(timeline))


def _each(items: list[Dated], parts) -> tuple[list[Dated], list]:
    """Every part of every item (its measurements, values, findings...), with the item it belongs to."""
    owners, found = [], []
    for dated in items:
        these = parts(dated)
        owners += [dated] * len(these)
        found += these
    return owners, found


def _places(owners: list[Dated]) -> list[tuple[int, int]]:
    """(row, j) for each row of `owners`: j the place of the row among its item's parts."""
    places, previous, j = [], None, 0
    for n, dated in enumerate(owners):
        j = j + 1 if dated is previous else 0
        places.append((n, j))
        previous = dated
    return places


def _frame(columns: dict[str, list], names: tuple[str, ...]) -> pd.DataFrame:
    """The table of these columns, in the order of `names`; with no rows, a frame of untyped empty columns."""
    if not columns[names[0]]:
        return pd.DataFrame([], columns=list(names))
    return pd.DataFrame(columns, columns=list(names))


@gc_paused()
def measurement_table(timeline: Timeline) -> pd.DataFrame:
    """One row per lesion per time point it was measured at (a scan, a physical examination, an operation), sizes
    in millimetres; `source_kind` and `source_label` say which event measured it."""
    lesions = {lesion.id: lesion for lesion in timeline.case.lesions}
    owners, measured = _each(list(timeline.of_kind(*MEASURING_KINDS)), lambda d: d.event.measurements)
    of = [lesions[m.lesion] for m in measured]
    columns = _dated_columns(timeline, owners)
    columns.update({
        "lesion_id": [lesion.id for lesion in of], "lesion_label": [lesion.label for lesion in of],
        "site": [lesion.site or "" for lesion in of], "nodal": [lesion.nodal for lesion in of],
        "target": [lesion.target for lesion in of],
        "modality": [field_value(d.event, "modality") or "" for d in owners],
        "source_kind": [d.kind for d in owners], "source_label": [event_label(d.event, d.kind) for d in owners],
    })
    columns.update(_size_columns(measured, of))
    frame = _frame(columns, MEASUREMENT_COLUMNS + MEASUREMENT_EXTRA_COLUMNS)
    frame = frame.sort_values(["day_start", "lesion_id"], kind="stable").reset_index(drop=True)
    return with_day_zero(frame, day_zero(timeline))


def _size_columns(measured: list, lesions: list) -> dict[str, list]:
    """Sizes in millimetres; a change in words has a row of the table, no number for charts or RECIST."""
    sizes = [parse_size(m.size) if m.size is not None else None for m in measured]
    return {
        "dims_mm": [s.dims_text if s else "" for s in sizes],
        "longest_mm": [s.longest_mm if s else None for s in sizes],
        "short_axis_mm": [s.short_axis_mm if s else None for s in sizes],
        "recist_mm": [s.recist_mm(lesion.nodal) if s else None for s, lesion in zip(sizes, lesions)],
        "size_text": [m.size if s else "" for m, s in zip(measured, sizes)],
        "size_status": [s.status if s else "qualitative" for s in sizes],
        "change": [(m.change or "") if s else m.change for m, s in zip(measured, sizes)],
    }


@gc_paused()
def marker_table(timeline: Timeline) -> pd.DataFrame:
    """One row per lab value: `value` the number charts plot, `value_text` the number as the file writes it
    ('7.0'). Molecular results (a fusion's abundance) are not markers: they are in `molecular_table`."""
    owners, values = _each(list(timeline.of_kind("lab")), lambda d: d.event.values)
    columns = _dated_columns(timeline, owners)
    columns.update({
        "marker": [v.marker for v in values], "value": [v.value for v in values],
        "value_text": [v.value_text for v in values], "unit": [v.unit or "" for v in values],
        "ref_low": [v.ref_low for v in values], "ref_high": [v.ref_high for v in values],
        "flag": [value_flag(v) for v in values], "finding": [v.finding or "" for v in values],
        "source": ["lab"] * len(values), "group": ["marker" if v.is_marker else "lab" for v in values],
    })
    frame = _frame(columns, MARKER_COLUMNS + MARKER_EXTRA_COLUMNS)
    frame = frame.sort_values(["marker", "day_start"], kind="stable").reset_index(drop=True)
    return with_day_zero(frame, day_zero(timeline))


MOLECULAR_COLUMNS = ("case_id", "event_id", "start", "day_start", "method", "finding", "gene", "alteration", "variant",
                     "abundance_pct", "result", "quote")


@gc_paused()
def molecular_table(timeline: Timeline) -> pd.DataFrame:
    """One row per finding of each molecular test (gene, alteration, abundance as reported), in date order: the
    molecular results, shown together rather than as a lab trend."""
    owners, findings = _each(list(timeline.of_kind("molecular")), lambda d: d.event.findings)
    columns = _dated_columns(timeline, owners)
    columns.update({
        "method": [d.event.method or "" for d in owners], "finding": [finding_name(f) for f in findings],
        "gene": [f.gene for f in findings], "alteration": [f.alteration or "" for f in findings],
        "variant": [f.variant or "" for f in findings], "abundance_pct": [f.abundance_pct for f in findings],
        "result": [f.result or "" for f in findings],
    })
    frame = _frame(columns, MOLECULAR_COLUMNS)
    return frame.sort_values(["day_start", "event_id"], kind="stable").reset_index(drop=True)


def _dated_columns(timeline: Timeline, owners: list[Dated]) -> dict[str, list]:
    """The columns every row takes from the event it belongs to (one row per part: `owners` repeats an event),
    each event's dates said once."""
    items = list({id(d): d for d in owners}.values())
    row = {id(d): n for n, d in enumerate(items)}
    rows = [row[id(d)] for d in owners]
    zero, drawing, starts = timeline.day_zero, timeline.resolution.drawing, [d.start for d in items]
    reach = [drawing.reach[d.points[0]] for d in items]
    said = say_all(starts, timeline.on_calendar, [d.about_start for d in items], zero,
                   _stated_precisions(timeline, items, "start"))
    columns = {
        "event_id": [event_key_id(d) for d in items], "start": said,
        "day_start": [drawing.drawn[d.points[0]] - zero for d in items],
        "quote": [d.event.quote or "" for d in items],
        "day_start_earliest": _days_since(zero, [b.earliest for b in starts]),
        "day_start_latest": _days_since(zero, [b.latest for b in starts]),
        "start_earliest": iso_days([b.earliest for b in starts], timeline.on_calendar),
        "start_latest": iso_days([b.latest for b in starts], timeline.on_calendar),
        "day_start_reach_earliest": _days_since(zero, [b.earliest for b in reach]),
        "day_start_reach_latest": _days_since(zero, [b.latest for b in reach]),
        "start_is_calendar": [says_calendar(b, timeline.on_calendar) for b in starts],
    }
    return {"case_id": [timeline.case.id] * len(owners), **{k: [v[n] for n in rows] for k, v in columns.items()}}


def finding_name(finding) -> str:
    """A short, stable name for a molecular finding: 'HMBOX1::ALK fusion', 'NF2 p.G161*'."""
    alteration = finding.alteration or ""
    if finding.gene in alteration and len(alteration) <= 30:
        return alteration
    if finding.variant:
        return f"{finding.gene} {finding.variant}"
    if alteration and len(alteration) <= 25:
        return f"{finding.gene} {alteration}"
    return finding.gene


def value_flag(value) -> str:
    """high/low/normal from the reference range when given, else what the paper states, else ''."""
    if value.value is not None and (value.ref_low is not None or value.ref_high is not None):
        if value.ref_high is not None and value.value > value.ref_high:
            return "high"
        if value.ref_low is not None and value.value < value.ref_low:
            return "low"
        return "normal"
    return value.flag or ""


def golden_tables(timeline: Timeline) -> dict[str, pd.DataFrame]:
    """The contract columns of every table, as reviewed golden files hold them (no long quotes)."""
    events = event_table(timeline)[[c for c in EVENT_COLUMNS if c != "quote"] + ["dose_changes"]]
    measurements = measurement_table(timeline)[[c for c in MEASUREMENT_COLUMNS if c != "quote"]]
    markers = marker_table(timeline)[[c for c in MARKER_COLUMNS if c != "quote"] + ["flag", "finding"]]
    dose_changes = dose_change_table(timeline)[[c for c in DOSE_CHANGE_COLUMNS if c != "quote"]]
    return {"events": events, "measurements": measurements, "markers": markers, "dose_changes": dose_changes}


@dataclass(frozen=True)
class DayZero:
    """Day 0 of a set of tables: its calendar date (None when the case has none, or the tables were
    de-identified) and what it is, for axis titles ('first diagnosis')."""

    date: dt.date | None
    label: str

    def moved(self, day: int, label: str | None = None) -> DayZero:
        """Day 0 moved `day` days later (as rebase_days moves the tables), with a new label when given."""
        date = None if self.date is None else self.date + dt.timedelta(days=int(day))
        return DayZero(date, self.label if label is None else label)


def day_zero(timeline: Timeline) -> DayZero:
    """The case's day 0: the calendar date of its origin event (None without calendar) and what that event is."""
    origin = timeline.origin_event
    date = dt.date.fromordinal(timeline.day_zero) if timeline.on_calendar else None
    return DayZero(date, _origin_label(timeline, origin))


def _origin_label(timeline: Timeline, origin: Dated) -> str:
    """What day 0 is, short enough for an axis title: the origin's kind, and for a diagnosis which one when the
    case has several ('first diagnosis', 'latest diagnosis')."""
    if origin.kind != "diagnosis":
        side = timeline.origin_side
        return ("" if side == "start" else f"{side} of ") + origin.kind.replace("_", " ")
    days = [d.day_start for d in timeline.of_kind("diagnosis")]
    if len(days) == 1:
        return "diagnosis"
    return "first diagnosis" if origin.day_start <= min(days) else \
        "latest diagnosis" if origin.day_start >= max(days) else "diagnosis"


# Day 0 travels with each table (pandas keeps `attrs` through copies, selections and sorts), so a chart on the
# calendar axis places day offsets without reading dates back from the tables' text. It is kept as plain data:
# Streamlit sends a table's attrs to the browser as JSON.
DAY_ZERO_ATTR = "day_zero"


def with_day_zero(table: pd.DataFrame, zero: DayZero) -> pd.DataFrame:
    """The table, told its day 0 (in place; returned for chaining)."""
    ordinal = None if zero.date is None else zero.date.toordinal()
    table.attrs[DAY_ZERO_ATTR] = {"ordinal": ordinal, "label": zero.label}
    return table


def day_zero_of(table: pd.DataFrame | None) -> DayZero | None:
    """The day 0 a table was built (or re-based) with; None for a table made by hand."""
    kept = None if table is None else table.attrs.get(DAY_ZERO_ATTR)
    if kept is None:
        return None
    return DayZero(None if kept["ordinal"] is None else dt.date.fromordinal(kept["ordinal"]), kept["label"])


def rebase_days(table: pd.DataFrame, day: int, label: str | None = None) -> pd.DataFrame:
    """The table with every day_* column counted from `day` instead of the case's origin (and its day 0 moved
    there, named `label` when given)."""
    shifted = table.copy()
    for column in (c for c in table.columns if c.startswith("day_")):
        shifted[column] = table[column] - day
    zero = day_zero_of(table)
    if zero is not None:
        with_day_zero(shifted, zero.moved(day, label))
    return shifted


class DayZeroChoice(NamedTuple):
    """A day 0 a relative axis may count from: its day since the case's origin, what an axis title calls it, and the
    event it is (its id; '' for the case's origin)."""

    day: int
    label: str
    event_id: str = ""


def day_zero_choices(events: pd.DataFrame) -> dict[str, DayZeroChoice]:
    """Candidate days 0 for a relative axis: each diagnosis and the start of each therapy.

    Returns {key: DayZeroChoice}, the default first: the case's `origin` when it has one, else the first diagnosis
    of its `diagnoses:` list (never a later diagnosis event, such as a final diagnosis on the resected specimen
    dated only 'after the operation'). An origin that is a diagnosis is listed once, as that diagnosis. A key names
    the choice for a control; what it is is in the value.
    """
    choices = {"origin": DayZeroChoice(0, "day 0 of the case")}
    origin = events[events["day_start"] == 0]
    ending = events[events["day_end"] == 0] if "day_end" in events else events.iloc[:0]
    if not origin.empty:
        choices["origin"] = DayZeroChoice(0, shorten(_name(origin.iloc[0]), NAME_CHARS))
    elif not ending.empty:  # day 0 is the end of an interval ('end: origin')
        choices["origin"] = DayZeroChoice(0, shorten("end of " + _name(ending.iloc[0]), NAME_CHARS))
    for _, row in events[events["kind"] == "diagnosis"].iterrows():
        name = shorten(_name(row), NAME_CHARS)
        choices[_diagnosis_key(row)] = DayZeroChoice(int(row["day_start"]), f"diagnosis ({name})", row["event_id"])
    if not origin.empty and origin.iloc[0]["kind"] == "diagnosis" and _diagnosis_key(origin.iloc[0]) in choices:
        del choices["origin"]  # day 0 is that diagnosis: listed once, as a diagnosis
    default = _default_choice(events, choices)
    if default is not None:  # the default first: what a relative axis counts from unless the reader chooses
        choices = {default: choices[default], **{k: v for k, v in choices.items() if k != default}}
    therapies = events[events["category"] == SYSTEMIC]
    for _, row in therapies.iterrows():
        name = row["lane"] if row["lane"] != SYSTEMIC else row["label"]  # the therapy's lane: its short name
        choices[f"start:{row['event_id']}"] = DayZeroChoice(int(row["day_start"]),
                                                            f"start of {shorten(name, NAME_CHARS)}", row["event_id"])
    return choices


def _diagnosis_key(row) -> str:
    return f"diagnosis:{row['event_id']}"


def _default_choice(events: pd.DataFrame, choices: dict) -> str | None:
    """The key of the default day 0 among `choices` (see day_zero_choices); None for a table without the column."""
    if "default_origin" not in events:
        return None
    rows = events[events["default_origin"].fillna(False).astype(bool)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    key = _diagnosis_key(row) if row["kind"] == "diagnosis" else "origin"
    return key if key in choices and (key != "origin" or int(row["day_start"]) == 0) else None


def _name(row) -> str:
    """The author's short name of an event (for axis titles), else its label."""
    return row.get("short") or row["label"]

