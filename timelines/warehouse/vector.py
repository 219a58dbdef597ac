"""The event table of an imported study's exact patients made column-wise, for the whole share at once.

A cBioPortal study dates every row in whole days since the diagnosis. A patient whose every date is such a day
(``dx + 30 days``: no window, no approximate or calendar date, no hold, no dose change, no link to another event)
needs no date network to place its events: each event is drawn on its own day (the window of an end not reported,
up to the next line or the last follow-up, is read from the patient's resolved Timeline). Its event rows are
then the same as ``timelines.tables.event_tables`` gives from its resolved Timeline, made here from the case
document's dates and the event's fields:

- what an event says (label, lane, agent, details, key details...) is computed by the functions of
  ``timelines.tables`` once per distinct event (the study repeats its treatments, statuses, scans), on the event
  validated by the case model;
- its days, their texts and bounds are arrays, and the rows of all patients are one frame.

A patient with anything else keeps the resolved Timeline's event table (``exact_days`` says which). The events'
fields are read from the case model the import validated (the Timeline's), so nothing is validated twice.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..kinds import SPECIMEN_KINDS, SYSTEMIC, category_of
from ..schema import Diagnosis
from ..tables import (
    _WHOLE_DAYS,
    EVENT_COLUMNS,
    EVENT_EXTRA_COLUMNS,
    _joined,
    _radiation_dose,
    agent_name,
    detail_parts,
    event_label,
    key_details,
    therapy_name,
)
from ..time.dates import ORIGIN
from ..time.when import say_days
from ..timeline import Timeline

DATE_KEYS = ("date", "start", "end")
# Fields that tie an event to another event or to more dates than its own: their columns need the resolved Timeline.
NEEDS_TIMELINE = frozenset({"duration", "ongoing", "dose_changes", "holds", "certainty", "therapy", "specimen_of",
                            "settled_by", "age_at"})
_PROVENANCE = "\x00provenance\x00"  # stands for each row's own provenance in the details of a shared event
_PER_ROW = frozenset({*DATE_KEYS, "provenance"})  # a row's own: which of them it has is shared


class Fixed(NamedTuple):
    """The columns of an event that do not depend on its days: the same for every event of the same fields."""

    kind: str
    shape: str
    lane: str
    label: str
    category: str
    agent: str
    dose: str
    quote: str
    note: str
    intent: str
    short: str
    response_category: str
    status: str
    trend: str
    finding: str
    planned: bool
    line: int | None
    details: tuple[str, str]  # before and after the provenance
    key_details: str
    has_id: bool


def exact_days(document: dict) -> bool:
    """Whether every date of a case document is a whole number of days from its day-0 diagnosis, and nothing else
    of it needs the date network (see the module's docstring)."""
    origin = document.get("origin")
    diagnoses = document.get("diagnoses") or []
    if not isinstance(origin, str) or not diagnoses or diagnoses[0].get("id") != origin \
            or diagnoses[0].get("date") != ORIGIN:
        return False
    for event in [*diagnoses[1:], *document.get("events", [])]:
        if not NEEDS_TIMELINE.isdisjoint(event) or (event.get("id") and event.get("kind") in SPECIMEN_KINDS):
            return False
        if "date" not in event and "start" not in event:  # an end counted back by a duration: excluded above
            return False
        if any(_day(origin, event[key]) is None for key in DATE_KEYS if key in event):
            return False
    return True


@lru_cache(maxsize=65_536)
def _day(anchor: str, text) -> int | None:
    """The day of 'dx', 'dx + 1 day', 'dx - 30 days' (as timelines.cbioportal.study.relative_day writes them)."""
    if not isinstance(text, str):
        return None
    if text == anchor or text == ORIGIN:
        return 0
    match = _RELATIVE.fullmatch(text)
    if match is None or match.group(1) != anchor or (match.group(3) == "1") != (match.group(4) == "day"):
        return None
    return int(match.group(3)) * (1 if match.group(2) == "+" else -1)


_RELATIVE = re.compile(r"(\S+) ([+-]) ([1-9][0-9]{0,8}) (days?)")


def _fixed(kind: str, model) -> Fixed:
    """The day-free columns of one validated event (a diagnosis when `kind` is '', else an event of the case's
    list), its provenance standing for each row's own."""
    if model.__dict__.get("provenance") is not None:
        model = model.model_copy(update={"provenance": _PROVENANCE})
    kind = kind or "diagnosis"
    fields = model.__dict__
    category, agent = category_of(kind), agent_name(model, kind)
    parts = detail_parts(model)
    said = _joined(parts)
    before, _, after = said.partition(_PROVENANCE) if fields.get("provenance") == _PROVENANCE else (said, "", None)
    return Fixed(
        kind=kind, shape="point" if kind == "diagnosis" and isinstance(model, Diagnosis) else model.shape,
        lane=therapy_name(model, kind) if category == SYSTEMIC and agent else category,
        label=event_label(model, kind), category=category, agent=agent,
        dose=fields.get("dose") or _radiation_dose(model) or "", quote=model.quote or "", note=model.note or "",
        intent=fields.get("intent") or "", short=fields.get("short") or "",
        response_category=(fields.get("category") or "") if kind == "response" else "",
        status=fields.get("status") or "", trend=fields.get("trend") or "", finding=fields.get("finding") or "",
        planned=bool(fields.get("planned", False)), line=fields.get("line"),
        details=(before, after) if after is not None else (said, None),
        key_details=key_details([p for p in parts if p[0] != "provenance"]), has_id=bool(model.id))


class EventRows:
    """The event rows of many patients, gathered as lists before they are made arrays."""

    def __init__(self):
        self.patient, self.case, self.event_id = [], [], []
        self.fixed, self.start, self.end, self.date_text, self.end_text = [], [], [], [], []
        self.provenance, self.origin = [], []
        self.open: dict[int, tuple] = {}  # row -> the bounds, reach and least length of an end not reported
        self.cache: dict = {}
        self.documents: list[dict] = []  # held while the cache keys name their values

    def add(self, pid: str, document: dict, timeline: Timeline) -> None:
        """The rows of one patient: its case document, and its timeline (the case model validated from the document,
        and what the network says of an end not reported)."""
        self.documents.append(document)
        case, first = timeline.case, len(self.start)
        anchor, case_id = document["origin"], document["id"]
        items = [("diagnoses", i, "", d, m) for i, (d, m) in enumerate(zip(document["diagnoses"], case.diagnoses))]
        items += [("events", i, e["kind"], e, m) for i, (e, m) in enumerate(zip(document.get("events", ()),
                                                                                  case.events))]
        fixed = [self._fixed(kind, event, model) for _, _, kind, event, model in items]
        n = len(items)
        self.patient += [pid] * n
        self.case += [case_id] * n
        self.event_id += [event["id"] if f.has_id else f"{section}[{i}]"
                          for (section, i, _, event, _), f in zip(items, fixed)]
        self.fixed += fixed
        starts = [event.get("date") or event.get("start") for _, _, _, event, _ in items]
        self.start += [_day(anchor, text) for text in starts]
        self.date_text += starts
        ends = [event.get("end") if f.shape == "interval" else None for (_, _, _, event, _), f in zip(items, fixed)]
        self.end += [None if end is None else _day(anchor, end) for end in ends]
        self.end_text += ["" if end is None or section == "diagnoses" else end
                          for (section, _, _, _, _), end in zip(items, ends)]
        self.provenance += [event.get("provenance") for _, _, _, event, _ in items]
        self.origin += [section == "diagnoses" and event.get("id") == anchor for section, _, _, event, _ in items]
        for n, (end, f) in enumerate(zip(ends, fixed)):
            if end is None and f.shape == "interval":
                self.open[first + n] = _open_end(timeline, timeline.items[n])

    def _fixed(self, kind: str, event: dict, model) -> Fixed:
        # Events read from rows of the same cells share their values (timelines.cbioportal.rows): a text is its own
        # key, a list or a mapping its object (held with the documents for as long as this cache is).
        key = (kind, *((k, 0 if k in _PER_ROW else v if isinstance(v, (str, int, float)) else id(v))
                       for k, v in event.items()))
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = _fixed(kind, model)
        return found

    def __len__(self) -> int:
        return len(self.documents)

    def frame(self, order: dict[str, int], key: str = "patient_id") -> pd.DataFrame:
        """The rows of every patient added, each patient's in date order (as event_tables sorts them), the patients
        in `order` (patient id -> place)."""
        fixed = dict(zip(Fixed._fields, map(list, zip(*self.fixed))))
        start = np.array(self.start, dtype=np.int64)
        interval = np.array([shape == "interval" for shape in fixed["shape"]], dtype=bool)
        end = pd.array(self.end, dtype="Int64")
        starts, ends = _said(start), _said(end)
        details = [d[0] if after is None else f"{d[0]}{p}{after}" for d, p, after in
                   zip(fixed["details"], self.provenance, (d[1] for d in fixed["details"]))]
        end_columns = self._end_columns(start, end, interval)
        columns = {
            **end_columns, key: self.patient, "case_id": self.case, "event_id": self.event_id, "kind": fixed["kind"],
            "lane": fixed["lane"], "label": fixed["label"], "start": starts, "end": ends,
            "start_earliest": "", "start_latest": "", "end_earliest": "", "end_latest": "",
            "day_start": start, "day_end": end, "precision": "day", "ongoing": False, "line": fixed["line"],
            "agent": fixed["agent"], "dose": fixed["dose"], "details": details, "quote": fixed["quote"],
            "category": fixed["category"], "shape": fixed["shape"], "day_start_earliest": start,
            "day_start_latest": start, "approximate": False, "date_text": self.date_text,
            "end_text": self.end_text, "intent": fixed["intent"], "note": fixed["note"], "dose_changes": "",
            "day_start_reach_earliest": start, "day_start_reach_latest": start,
            "short": fixed["short"], "response_category": fixed["response_category"], "status": fixed["status"],
            "trend": fixed["trend"], "finding": fixed["finding"], "key_details": fixed["key_details"],
            "planned": fixed["planned"], "default_origin": self.origin, "on_therapy": "",
            "start_is_calendar": False, "end_is_calendar": False, "_case_order": [order[p] for p in self.patient],
        }
        names = [key, *EVENT_COLUMNS, *(c for c in EVENT_EXTRA_COLUMNS if c != "holds"), "_case_order"]
        frame = pd.DataFrame({name: _column(columns[name], len(start)) for name in names})
        frame = frame.sort_values(["_case_order", "day_start", "day_end"], kind="stable", na_position="last")
        return frame.drop(columns="_case_order").reset_index(drop=True).astype(_WHOLE_DAYS)


    def _end_columns(self, start, end, interval) -> dict:
        """The bounds of each end, where the drawing lets it move and how long the event certainly lasted: the end
        day itself for a reported end, the network's for one not reported."""
        least = [e - s if i and e is not None else None for s, e, i in zip(self.start, self.end, interval.tolist())]
        columns = {"day_end_earliest": list(self.end), "day_end_latest": list(self.end),
                   "day_end_reach_earliest": list(self.end), "day_end_reach_latest": list(self.end),
                   "least_days": least}
        precision = ["day" if i else "" for i in interval.tolist()]
        for row, said in self.open.items():
            for name, value in zip(columns, said):
                columns[name][row] = value
            precision[row] = "not reported"
        return {**{name: pd.array(values, dtype="Int64") for name, values in columns.items()},
                "end_precision": precision}


def _open_end(timeline: Timeline, dated) -> tuple:
    """What the network says of an end not reported: its window, where the drawing lets it move, and how long the
    event certainly lasted (days since day 0, None for an open side)."""
    zero, window, reach = timeline.day_zero, dated.end_window, dated.reach_end

    def since(day):
        return None if day is None else day - zero
    return (since(window and window.earliest), since(window and window.latest), since(reach.earliest),
            since(reach.latest), dated.least_days)


def _column(value, length: int):
    if isinstance(value, (str, bool)):
        return [value] * length
    return value


def _said(days) -> list[str]:
    """Each day said as the event table says an exact day offset ('day −13'); '' for none. Said once per day."""
    said = {}
    out = []
    for day in days.tolist() if isinstance(days, np.ndarray) else list(days):
        if day is None or day is pd.NA:
            out.append("")
            continue
        text = said.get(day)
        if text is None:
            text = said[day] = say_days(day, day)
        out.append(text)
    return out
