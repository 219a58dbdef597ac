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
        self.codes, self.start, self.end, self.date_text, self.end_text = [], [], [], [], []
        self.templates: list[Fixed] = []  # the distinct events, by code
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
        codes = [self._code(kind, event, model) for _, _, kind, event, model in items]
        fixed = [self.templates[code] for code in codes]
        n = len(items)
        self.patient += [pid] * n
        self.case += [case_id] * n
        self.event_id += [event["id"] if f.has_id else f"{section}[{i}]"
                          for (section, i, _, event, _), f in zip(items, fixed)]
        self.codes += codes
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

    def _code(self, kind: str, event: dict, model) -> int:
        # Events read from rows of the same cells share their values (timelines.cbioportal.rows): a text is its own
        # key, a list or a mapping its object (held with the documents for as long as this cache is).
        key = (kind, *((k, 0 if k in _PER_ROW else v if isinstance(v, (str, int, float)) else id(v))
                       for k, v in event.items()))
        code = self.cache.get(key)
        if code is None:
            code = self.cache[key] = len(self.templates)
            self.templates.append(_fixed(kind, model))
        return code

    def __len__(self) -> int:
        return len(self.documents)

    def frame(self, order: dict[str, int], key: str = "patient_id") -> pd.DataFrame:
        """The rows of every patient added, each patient's in date order (as event_tables sorts them: by start, then
        end, an end not reported last, ties in the case's order), the patients in `order` (patient id -> place).
        Texts shared by many rows are made once and taken by index."""
        start = np.array(self.start, dtype=np.int64)
        ends = np.array([np.inf if e is None else e for e in self.end], dtype=float)
        rows = np.lexsort((ends, start, np.array([order[p] for p in self.patient], dtype=np.int64)))  # stable
        codes = np.array(self.codes, dtype=np.int64)[rows]
        interval = np.array([t.shape == "interval" for t in self.templates], dtype=bool)[codes]
        columns = {name: _taken([getattr(t, name) for t in self.templates], codes) for name in _SHARED}
        columns.update({name: _taken([value], np.zeros(len(rows), dtype=np.int64)) for name, value in _SAME.items()})
        columns.update({name: _in_order(getattr(self, name), rows) for name in ("event_id", "date_text", "end_text")})
        columns.update(self._end_columns(rows, interval))
        details = [t.details for t in self.templates]
        columns.update({
            key: _in_order(self.patient, rows), "case_id": _in_order(self.case, rows),
            "start": _said_days(start[rows]), "end": _said_days(ends[rows]), "day_start": start[rows],
            "day_start_earliest": start[rows], "day_start_latest": start[rows],
            "day_start_reach_earliest": start[rows], "day_start_reach_latest": start[rows],
            "details": pd.array([before if after is None else f"{before}{provenance}{after}" for (before, after),
                                 provenance in zip((details[c] for c in codes.tolist()),
                                                   (self.provenance[r] for r in rows.tolist()))], dtype="str"),
            "planned": np.array([t.planned for t in self.templates], dtype=bool)[codes],
            "default_origin": np.array(self.origin, dtype=bool)[rows],
            "line": pd.array([t.line for t in self.templates], dtype="Int64").take(codes),
        })
        names = [key, *EVENT_COLUMNS, *(c for c in EVENT_EXTRA_COLUMNS if c != "holds")]
        return pd.DataFrame({name: columns[name] for name in names}).astype(_WHOLE_DAYS)

    def _end_columns(self, rows: np.ndarray, interval: np.ndarray) -> dict:
        """The bounds of each end, where the drawing lets it move and how long the event certainly lasted: the end
        day itself for a reported end, the network's for one not reported (`rows`: the frame's order)."""
        least = [None if e is None else e - s for s, e in zip(self.start, self.end)]
        columns = {"day_end_earliest": list(self.end), "day_end_latest": list(self.end),
                   "day_end_reach_earliest": list(self.end), "day_end_reach_latest": list(self.end),
                   "least_days": least}
        for row, said in self.open.items():
            for name, value in zip(columns, said):
                columns[name][row] = value
        unreported = np.zeros(len(rows), dtype=bool)
        unreported[list(self.open)] = True
        precision = np.where(interval, 1, 0)
        precision[unreported[rows]] = 2
        return {**{name: pd.array(values, dtype="Int64").take(rows) for name, values in columns.items()},
                "day_end": pd.array(self.end, dtype="Int64").take(rows),
                "end_precision": _taken(["", "day", "not reported"], precision)}


def _open_end(timeline: Timeline, dated) -> tuple:
    """What the network says of an end not reported: its window, where the drawing lets it move, and how long the
    event certainly lasted (days since day 0, None for an open side)."""
    zero, window, reach = timeline.day_zero, dated.end_window, dated.reach_end

    def since(day):
        return None if day is None else day - zero
    return (since(window and window.earliest), since(window and window.latest), since(reach.earliest),
            since(reach.latest), dated.least_days)


# Columns said by the event's fields alone (Fixed), and those the same for every exact row.
_SHARED = ("kind", "lane", "label", "agent", "dose", "quote", "category", "shape", "intent", "note", "short",
           "response_category", "status", "trend", "finding", "key_details")
_SAME = {"start_earliest": "", "start_latest": "", "end_earliest": "", "end_latest": "", "precision": "day",
         "ongoing": False, "approximate": False, "dose_changes": "", "on_therapy": "", "start_is_calendar": False,
         "end_is_calendar": False}


def _taken(values: list, codes: np.ndarray):
    """values[code] for each code, as a column: texts as the tables' text type, the rest as numpy."""
    if values and isinstance(values[0], str):
        return pd.array(values, dtype="str").take(codes)
    return np.array(values)[codes]


def _in_order(values: list, rows: np.ndarray):
    return pd.array(np.array(values, dtype=object)[rows], dtype="str")


def _said_days(days: np.ndarray):
    """Each day said as the event table says an exact day offset ('day −13'); '' for none (inf). Said once per
    distinct day."""
    distinct, codes = np.unique(days, return_inverse=True)
    return _taken([say_days(int(d), int(d)) if np.isfinite(d) else "" for d in distinct.tolist()],
                  codes.reshape(-1))
