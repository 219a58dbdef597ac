"""cBioPortal studies in: a study's clinical and timeline files as case documents, every row traced to its line.

The format is cBioPortal's (docs.cbioportal.org/file-formats, "Clinical Data" and "Timeline Data"): tab-separated
files, a timeline file's first columns PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE, days counted from the
diagnosis. Its steps have their modules: `cbioportal_files` (files, lines and the validator's checks),
`cbioportal_rows` (a row as an event); writing a study is `cbioportal_write`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from ..saving.storage import MAX_ID_LENGTH, suggest_case_id
from ..schema import Diagnosis
from ..time.dates import ORIGIN
from .files import MAX_ROWS_PER_PATIENT, StudyLayout, clinical_problems, read_tsv, row_problems, study_layout
from .rows import (
    ATTRIBUTES_COLUMN,
    CASE_COLUMNS,
    INTERVAL_KINDS,
    POINT_KINDS,
    Read,
    as_event,
    bound_problems,
    events_of_rows,
    layout,
    load_json,
    put_field,
    unescape,
)

if TYPE_CHECKING:
    from ..timeline import Timeline

# What day 0 of a cBioPortal timeline is, in the words of its file-format documentation (Timeline Data).
DAY_ZERO_NOTE = ("Day 0 of the study's timeline. cBioPortal counts START_DATE 'in days from the date of diagnosis "
                 "(which will act as point zero on the timeline scale)' (cBioPortal file formats, Timeline Data).")
UNNAMED_CANCER = "Cancer (type not given in the study)"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class StudyImport:
    """What a study holds: its meta_study fields, one case document per patient, and its problems located.

    A patient with a problem row is left out of `cases` (an incomplete history could mislead) and named in
    `patients_with_problems`; `problems` also holds problems of whole files and of rows naming no patient. Events
    read from rows of identical cells share their unchanged values: treat the documents as read-only (copy one
    before changing it)."""

    study: dict
    cases: dict[str, dict]
    problems: list[str] = field(default_factory=list)
    patients_with_problems: set[str] = field(default_factory=set)
    rows: int = 0  # timeline rows read

# ---------------------------------------------------------------- a patient's case

def relative_day(anchor: str, days: int) -> str:
    """A day as a case file writes it relative to the day-0 event: 'dx', 'dx + 1 day', 'dx - 30 days'."""
    if days == 0:
        return anchor
    unit = "day" if abs(days) == 1 else "days"
    return f"{anchor} {'+' if days > 0 else '-'} {abs(days)} {unit}"


def window_day(anchor: str, day: int, window: tuple[int | None, int | None] | None) -> str:
    """A day as a case file writes it relative to the day-0 event, with the window the study gives for it
    (START_DATE_EARLIEST/_LATEST...) and the day the study draws it on: 'between dx + 30 days and dx + 60 days, drawn
    at dx + 45 days', 'after dx + 59 days, drawn at dx + 70 days', 'unknown, drawn at dx - 3 days' (open on both
    sides); 'dx + 45 days' for a day given exactly (no window), as cBioPortal's START_DATE gives it."""
    if window is None or window[0] == window[1] is not None:
        return relative_day(anchor, day)
    earliest, latest = window
    if earliest is None and latest is None:
        said = "unknown"  # a study's window open on both sides: nothing bounds the day
    elif latest is None:
        said = f"after {relative_day(anchor, earliest)}"
    elif earliest is None:
        said = f"before {relative_day(anchor, latest)}"
    else:
        said = f"between {relative_day(anchor, earliest)} and {relative_day(anchor, latest)}"
    return f"{said}, drawn at {relative_day(anchor, day)}"  # START_DATE: where cBioPortal draws it, and so do we


def window_cells(day: str, window: tuple[int | None, int | None] | None) -> dict[str, str]:
    """A window no date of the case can hold, kept as the study gave it: {'START_DATE_EARLIEST': '-105', ...}."""
    if window is None:
        return {}
    return {f"{day}_{side}": str(value) for side, value in zip(("EARLIEST", "LATEST"), window) if value is not None}


def _place(event: dict, anchor: str) -> dict:
    """The event with its dates written relative to the day-0 diagnosis, in the shape its kind takes, its fields in
    the order case files write them."""
    where, kind = event["_"], event["kind"]
    start, stop = where.start, where.stop
    point = kind in POINT_KINDS or (kind not in INTERVAL_KINDS and stop is None and not where.ongoing
                                    and (where.shape == "point" or not (where.therapy or where.shape == "interval")))
    head, tail = layout(tuple(event))
    placed = {key: event[key] for key in head}
    start_window, stop_window = where.windows
    if point:
        placed["date"] = window_day(anchor, start, start_window)
    else:
        placed["start"] = window_day(anchor, start, start_window)
        if where.ongoing:  # our export: STOP_DATE is where the bar is drawn to, the last follow-up
            placed["ongoing"] = True
        elif stop is not None:
            placed["end"] = window_day(anchor, stop, stop_window)
        # else a therapy whose STOP_DATE is empty: an end not reported (no end, no duration, not ongoing)
    for key in tail:
        placed[key] = event[key]
    if point and stop is not None and stop != start:  # a point kind cannot hold an end: kept as the source gave it
        placed["attributes"] = {**event.get("attributes", {}), "STOP_DATE": str(stop),  # a copy: it may be shared
                                **window_cells("STOP_DATE", stop_window)}
    return placed

DIAGNOSIS_FIELDS = set(Diagnosis.model_fields)


def _diagnosis(event: dict, anchor: str, day_zero: bool, fallback_label: str, counts_from: str) -> dict:
    """A diagnosis of the case's list from a DIAGNOSIS row; what the list's model has no field for is kept among
    its attributes. `counts_from` is what its date counts from: the day-0 diagnosis (`anchor`), or day 0 itself
    ('origin') when the study gives a window around the day-0 diagnosis."""
    where = event["_"]
    start = where.start
    attributes = dict(event.get("attributes", {}))
    fields = {k: v for k, v in event.items() if k in DIAGNOSIS_FIELDS and k != "attributes"}
    for k, v in event.items():
        if k not in DIAGNOSIS_FIELDS and k not in ("kind", "attributes", "_"):
            attributes[k.upper()] = v if isinstance(v, str) else json.dumps(v)
    if where.stop is not None and where.stop != start:
        attributes["STOP_DATE"] = str(where.stop)
        attributes.update(window_cells("STOP_DATE", where.windows[1]))
    exact_zero = day_zero and counts_from == anchor  # day 0 is this diagnosis, with no window around it
    if exact_zero:  # (an event with the id 'origin' leaves no other way): kept as the study gave it
        attributes.update(window_cells("START_DATE", where.windows[0]))
    diagnosis = {"id": fields.pop("id", anchor), "label": fields.pop("label", fallback_label),
                 "date": ORIGIN if exact_zero else window_day(counts_from, start, where.windows[0]), **fields}
    if day_zero and not diagnosis.get("note") and where.order is None:
        diagnosis["note"] = DAY_ZERO_NOTE
    if attributes:
        diagnosis["attributes"] = attributes
    return diagnosis


def _changed(read: Read) -> bool:
    """Whether the case is made with this row's event changed (a diagnosis, a lab value of a multi-row lab event,
    dose changes dated once day 0 has its id), rather than placed as it is."""
    fields, place = read.template.fields, read.template.place
    kind = fields["kind"]
    return kind == "diagnosis" or place.section == "diagnoses" or (kind == "lab" and place.order is not None) \
        or "dose_changes" in fields


def _placed(read: Read, anchor: str) -> dict:
    """A row's event as the case file writes it (the fast way of _place, for an event read and not changed)."""
    (fields, place, head, tail), start, stop, provenance = read
    kind = fields["kind"]
    shape, ongoing, _, _, therapy, (start_window, stop_window) = place
    point = kind in POINT_KINDS or (kind not in INTERVAL_KINDS and stop is None and not ongoing
                                    and (shape == "point" or not (therapy or shape == "interval")))
    placed = {key: fields[key] for key in head}
    if point:
        placed["date"] = window_day(anchor, start, start_window)
    else:
        placed["start"] = window_day(anchor, start, start_window)
        if ongoing:
            placed["ongoing"] = True
        elif stop is not None:
            placed["end"] = window_day(anchor, stop, stop_window)
    for key in tail:
        placed[key] = provenance if key == "provenance" else fields[key]
    if point and stop is not None and stop != start:  # a point kind cannot hold an end: kept as the source gave it
        placed["attributes"] = {**fields.get("attributes", {}), "STOP_DATE": str(stop),  # a copy: it may be shared
                                **window_cells("STOP_DATE", stop_window)}
    return placed


def _merged_labs(events: list[dict]) -> list[dict]:
    """Our export writes a lab event as one LAB_TEST row per value, all with the event's EVENT_SEQ: one event again."""
    merged: list[dict] = []
    for event in events:
        last = merged[-1] if merged else None
        if (isinstance(event, dict) and isinstance(last, dict) and event["kind"] == "lab" == last["kind"]
                and event["_"].order is not None and event["_"].order == last["_"].order):
            last["values"] = last.get("values", []) + event.get("values", [])
            last["provenance"] += f", {event['provenance']}"  # every row of the event
        else:
            merged.append(event)
    return merged


def _read_order(read: Read) -> tuple:
    """Our export's EVENT_SEQ, else the day."""
    order = read.template.place.order
    return order is None, order or 0, read.start


def case_document(patient_id: str, reads: list[Read], clinical: dict, cancer_type: str, study: dict) -> dict:
    """The case document of one patient: day 0 is the diagnosis (cBioPortal's point zero), every event dated in
    whole days from it."""
    reads = sorted(reads, key=_read_order)
    events = _merged_labs([as_event(r) if _changed(r) else r for r in reads])
    changed = [e for e in events if isinstance(e, dict)]
    listed = [e for e in changed if e["_"].section == "diagnoses"]
    first = next((e for e in listed if e["_"].start == 0), None) or \
        next((e for e in changed if e["kind"] == "diagnosis" and e["_"].start == 0 and not listed), None)
    ids = {e.get("id") if isinstance(e, dict) else e.template.fields.get("id") for e in events}
    anchor = first.get("id") if first and first.get("id") else _free_id("dx", ids)
    label = cancer_type or UNNAMED_CANCER
    counts_from = ORIGIN if (first is not None and _uncertain(first["_"].windows[0]) or len(anchor) > LONGEST_ANCHOR) \
        and ORIGIN not in ids else anchor
    if first is None:
        diagnoses = [{"id": anchor, "label": label, "date": ORIGIN, "note": DAY_ZERO_NOTE}]
    else:
        diagnoses = [_diagnosis({**first, "id": anchor}, anchor, True, label, counts_from)]
    diagnoses += [_diagnosis(e, anchor, False, label, counts_from) for e in listed if e is not first]
    rest = [_placed(e, counts_from) if isinstance(e, tuple) else _place(e, counts_from) for e in events
            if e is not first and not (isinstance(e, dict) and e["_"].section == "diagnoses")]
    patient, case = patient_fields(clinical)
    document = {
        "schema": 1,
        "id": case.get("id") or suggest_case_id(patient_id) or "patient",  # the id the editor would suggest
        "title": case.get("title") or f"Patient {patient_id}" + (f", {study['name']}" if study.get("name") else ""),
        "source": case.get("source") or {"citation": study.get("citation") or study.get("name")
                                         or study.get("cancer_study_identifier") or "cBioPortal study",
                                         "case": patient_id},
        "patient": patient,
        "origin": anchor,
        "diagnoses": diagnoses,
        "lesions": case.get("lesions", []),
        "events": [_dose_days(e, counts_from) for e in rest],
        "reported": case.get("reported", []),
        "notes": case.get("notes", []),
    }
    return {k: v for k, v in document.items() if v != [] and v != {}}


# Dates count from day 0 itself ('origin + 30 days') rather than from a diagnosis id longer than this: a date names
# its anchor three times ('between A + 1 day and A + 9 days, drawn at A + 5 days') and may be 200 characters long.
LONGEST_ANCHOR = 32


def _uncertain(window: tuple[int | None, int | None] | None) -> bool:
    """Whether a study's window leaves the day uncertain (not absent, not one day)."""
    return window is not None and not (window[0] == window[1] is not None)


def _dose_days(event: dict, anchor: str) -> dict:
    """Dose changes our export wrote with days ({"day": 90, ...}): their dates relative to day 0 again."""
    changes = event.get("dose_changes")
    if changes:
        event["dose_changes"] = [{"date": _dose_date(anchor, c), **{k: v for k, v in c.items() if k not in DOSE_DAYS}}
                                 if "day" in c else c for c in changes]
    return event


DOSE_DAYS = ("day", "earliest", "latest")  # a dose change's drawn day, and the window of an uncertain one


def _dose_date(anchor: str, change: dict) -> str:
    window = (change.get("earliest"), change.get("latest")) if "earliest" in change or "latest" in change else None
    return window_day(anchor, int(change["day"]), window)


def _free_id(wanted: str, taken: set, longest: int | None = None) -> str:
    name, n = wanted, 1
    while name in taken:
        n += 1
        suffix = f"-{n}"
        stem = wanted if longest is None else wanted[:longest - len(suffix)].rstrip("-")
        name = f"{stem}{suffix}"
    return name


SEX_WORDS = {"female": "female", "f": "female", "woman": "female", "male": "male", "m": "male", "man": "male",
             "other": "other", "unknown": "unknown"}


def patient_fields(clinical: dict) -> tuple[dict, dict]:
    """The patient fields of a clinical row, and the case-level fields our export writes there (CASE_ID...)."""
    patient: dict = {}
    attributes: dict = {}
    case: dict = {}
    ours = "CASE_ID" in clinical  # our export: cells escaped, attributes where ATTRIBUTE_COLUMNS says
    if ours:
        clinical = {column: unescape(text) for column, text in clinical.items() if isinstance(text, str)}
    placed = load_json(clinical[ATTRIBUTES_COLUMN]) if ours and clinical.get(ATTRIBUTES_COLUMN, "NA") != "NA" else {}
    for name, column in placed.items():
        if clinical.get(column, "NA") != "NA":
            attributes[name] = clinical[column]
    for column, text in clinical.items():
        if not text or text == "NA" or column in ("PATIENT_ID", "_line", ATTRIBUTES_COLUMN) \
                or column in placed.values():  # NA: cBioPortal's word for no value
            continue
        _clinical_cell(column, text, patient, case, attributes)
    if attributes:
        patient["attributes"] = attributes
    return patient, case


def _clinical_cell(column: str, text: str, patient: dict, case: dict, attributes: dict) -> None:
    """One cell of a clinical row put where it belongs: a case-level field, a patient field, or an attribute."""
    if column in CASE_COLUMNS:
        _case_field(case, column, text, attributes)
    elif column in ("SEX", "GENDER") and text.lower() in SEX_WORDS and "sex" not in patient:
        patient["sex"] = SEX_WORDS[text.lower()]
        if text.lower() != patient["sex"]:
            attributes[column] = text
    else:
        put_field(patient, "patient", column.lower(), text, attributes, column)


def _case_field(case: dict, column: str, text: str, attributes: dict) -> None:
    """A case-level column of our export's clinical file (CASE_ID, CASE_TITLE, SOURCE...) as the case's field; a cell
    that is not the JSON it should be is kept among the attributes."""
    try:
        case[{"CASE_ID": "id", "CASE_TITLE": "title"}.get(column, column.lower())] = \
            text if column in ("CASE_ID", "CASE_TITLE") else load_json(text)
    except ValueError:
        attributes[column] = text


# ---------------------------------------------------------------- a study

@dataclass
class StudyRows:
    """A study's files read once: the layout, the clinical rows by patient, the cancer type of each patient, the
    good rows of each timeline file with the positions of each patient's rows, and the problems charged to
    patients ('' for a problem of a whole file). Cases are made from it a share of patients at a time
    (`study_cases`), so a large study's files are read once and its case documents never held at once."""

    layout: StudyLayout
    clinical: dict[str, dict]
    types: dict[str, str]
    tables: list[tuple[str, pd.DataFrame]]  # (file, good rows)
    charged: list[tuple[str, str]]
    total: int  # timeline rows read
    _positions: list[dict] | None = field(default=None, repr=False)  # per table: patient -> positions of its rows

    @property
    def study(self) -> dict:
        return self.layout.study

    @property
    def patients(self) -> list[str]:
        """Every patient the study names: in the order of its patient file, then of its timeline files."""
        named = [*self.clinical, *(p for _, rows in self.tables for p in rows["PATIENT_ID"].unique()),
                 *(p for p, _ in self.charged if p)]
        return list(dict.fromkeys(named))

    def share(self, patients: list[str]) -> "StudyRows":
        """The rows of these patients only (what a worker process is sent)."""
        wanted = set(patients)
        if self._positions is None:  # grouped once, on the first share
            self._positions = [rows.groupby("PATIENT_ID", sort=False).indices if len(rows) else {}
                               for _, rows in self.tables]
        tables = []
        for (name, rows), positions in zip(self.tables, self._positions):
            found = [positions[p] for p in patients if p in positions]
            tables.append((name, rows.iloc[np.sort(np.concatenate(found))] if found else rows.iloc[0:0]))
        return StudyRows(self.layout, {p: r for p, r in self.clinical.items() if p in wanted},
                         {p: t for p, t in self.types.items() if p in wanted}, tables,
                         [(p, m) for p, m in self.charged if p in wanted], sum(len(t[1]) for t in tables))


def _clinical_rows(folder: Path, name: str | None) -> tuple[dict[str, dict], list[tuple[str, str]]]:
    if name is None:
        return {}, []
    table = read_tsv(folder, name)
    problems = list(table.problems)
    if "_line" not in table.rows:  # not read at all: read_tsv said why
        return {}, problems
    if "PATIENT_ID" not in table.columns:
        return {}, problems + [("", f"{table.name}: no PATIENT_ID column. Hint: the line after the four '#' lines "
                                    "names the columns, PATIENT_ID among them")]
    rows, found = clinical_problems(table)
    return {row["PATIENT_ID"]: row for row in rows.to_dict("records")}, problems + found


def _cancer_types(patients: dict[str, dict], samples: pd.DataFrame) -> dict[str, str]:
    """The cancer type of each patient as the study names it: CANCER_TYPE_DETAILED, else CANCER_TYPE, of the patient
    or of their samples."""
    types: dict[str, list[str]] = {}
    rows = list(patients.values()) + samples.to_dict("records")
    for row in rows:
        said = row.get("CANCER_TYPE_DETAILED") or row.get("CANCER_TYPE")
        if said and row.get("PATIENT_ID"):
            types.setdefault(row["PATIENT_ID"], [])
            if said not in types[row["PATIENT_ID"]]:
                types[row["PATIENT_ID"]].append(said)
    return {patient: " / ".join(said) for patient, said in types.items()}


def read_study_rows(folder) -> StudyRows:
    """Read every file of a study once (timelines.cbioportal.files.study_layout names them): the rows that can be
    read, and a located problem for each file, row or patient that cannot."""
    folder = Path(folder)
    layout = study_layout(folder)
    charged: list[tuple[str, str]] = [("", message) for message in layout.problems]
    clinical, found = _clinical_rows(folder, layout.patient_file)
    charged += found
    tables, total = [], 0
    for name in layout.timeline_files:
        table = read_tsv(folder, name, rows_per_patient=MAX_ROWS_PER_PATIENT)
        rows, problems = row_problems(table)
        rows, window_problems = bound_problems(rows, name)  # START_DATE_EARLIEST...: windows of the days
        charged += table.problems + problems + window_problems
        total += len(table.rows)
        if "_line" in rows:  # else a file that cannot be read: read_tsv said why
            tables.append((name, rows))
    charged += _too_many_rows(tables, {patient for patient, _ in charged})
    samples = read_tsv(folder, layout.sample_file) if layout.sample_file else None
    # The sample file gives only cancer types: its problems are said, charged to no patient (its first column is
    # a sample's id).
    charged += [("", message) for _, message in samples.problems if message] if samples else []
    types = _cancer_types(clinical, samples.rows if samples else pd.DataFrame())
    return StudyRows(layout, clinical, types, tables, charged, total)


def _too_many_rows(tables: list[tuple[str, pd.DataFrame]], charged: set[str]) -> list[tuple[str, str]]:
    """Patients with more than MAX_ROWS_PER_PATIENT timeline rows in all files (read_tsv refuses those with more in
    one file), named at the row past the limit: a history that long is not a case to read, and building it would
    take minutes."""
    if not tables:
        return []
    counts = pd.concat([rows["PATIENT_ID"] for _, rows in tables]).value_counts()
    over = counts[(counts > MAX_ROWS_PER_PATIENT) & ~counts.index.isin(charged)]
    problems = []
    for patient, count in over.items():
        seen = 0
        for name, rows in tables:
            lines = rows.loc[rows["PATIENT_ID"] == patient, "_line"]
            if seen + len(lines) > MAX_ROWS_PER_PATIENT:
                line = lines.iloc[MAX_ROWS_PER_PATIENT - seen]
                problems.append((patient, f"{name}:{line}: PATIENT_ID: '{patient}' has {count:,} timeline "
                                          f"rows; a patient may have at most {MAX_ROWS_PER_PATIENT:,}. "
                                          "Hint: check that the rows are this patient's, or split the history"))
                break
            seen += len(lines)
    return problems


def study_cases(read: StudyRows, patients=None, progress: Progress | None = None,
                file_problems: bool = True) -> StudyImport:
    """The case documents of a study read by `read_study_rows` (of these patients only, by default all), and the
    problems: those of the patients made, and with `file_problems` those of whole files too."""
    wanted = None if patients is None else set(patients)
    charged = [(p, m) for p, m in read.charged if (wanted is None or p in wanted) or (file_problems and not p)]
    bad = {patient for patient, _ in charged if patient}
    events: dict[str, list[Read]] = {}
    done = 0
    for name, rows in read.tables:
        if wanted is not None:
            rows = rows[rows["PATIENT_ID"].isin(wanted)]
        rows = rows[~rows["PATIENT_ID"].isin(bad)] if bad else rows  # a patient refused is not built
        tell = (lambda i, done=done: progress(done + i, read.total)) if progress else None
        for patient, event in events_of_rows(rows, name, tell):
            events.setdefault(patient, []).append(event)
        done += len(rows)
    if progress:
        progress(read.total, read.total)
    ids = [p for p in dict.fromkeys([*read.clinical, *events]) if wanted is None or p in wanted]
    cases = {p: case_document(p, events.get(p, []), read.clinical.get(p, {}), read.types.get(p, ""), read.study)
             for p in ids if p not in bad}
    _unique_case_ids(cases)
    return StudyImport(read.study, cases, [m for _, m in charged if m], bad, read.total)


def read_study(folder, patients=None, progress: Progress | None = None) -> StudyImport:
    """Read a cBioPortal study folder: meta_study.txt, the clinical patient file, every timeline file.

    Parameters
    ----------
    folder
        The study folder.
    patients
        Only these patient ids (default: every patient of the clinical and timeline files).
    progress
        Called as progress(rows done, rows in all) while the timeline rows are read.

    Returns
    -------
    StudyImport
        One case document per patient; a patient with any problem row is left out and named.
    """
    return study_cases(read_study_rows(folder), patients, progress)


def _unique_case_ids(cases: dict[str, dict]) -> None:
    """Two patient ids that read as one case id ('P_1', 'p-1', or two ids alike in their first 80 characters) get
    '-2', '-3'... in the order of the study, the id shortened to leave room: a case id stays at most 80 characters,
    so each case is written under the name its messages give."""
    taken: set[str] = set()
    for document in cases.values():
        document["id"] = _free_id(str(document["id"]), taken, MAX_ID_LENGTH)
        taken.add(document["id"])


def case_yaml(document: dict) -> str:
    """A case document as the text of its case file."""
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's when PyYAML has it: 10 times faster
        def ignore_aliases(self, data) -> bool:  # values shared by events are written out in each
            return True

    header = "# yaml-language-server: $schema=case.schema.json\n"
    return header + yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120)


def case_timeline(document: dict, path: str) -> "Timeline":
    """Validate and resolve a case document as the loader does a case file: `path` names it in messages, and its
    stem must be the document's id ('lung-001.yaml'). Raises CaseFileError, located in the text case_yaml writes."""
    from ..reading.loading import load_document

    return load_document(document, path, case_yaml)


__all__ = ["StudyImport", "read_study", "case_timeline", "case_yaml"]
