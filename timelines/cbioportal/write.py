"""Cases out as a cBioPortal study: meta files, clinical files, one timeline file per event type.

Days count from each case's first diagnosis, cBioPortal's point zero. Every field of an event is a column of its
own (DOSE, LINE, QUOTE...), with KIND, EVENT_SEQ and SHAPE, so that timelines.cbioportal.study reads the same events back.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel

from ..kinds import Study, kind_named
from ..saving.outputs import OutputFolder, output_folder
from ..saving.spreadsheet import formula_escape, safe_header
from ..schema import Diagnosis, field_value
from ..tables import agent_name, event_label
from ..text import CONTROL_NAMES, shown_text
from ..timeline import Dated, Timeline
from .files import REQUIRED_COLUMNS
from .rows import (
    ATTRIBUTES_COLUMN,
    CASE_COLUMNS,
    DERIVED_COLUMNS,
    KIND_COLUMN,
    OPEN_SIDE,
    ORDER_COLUMN,
    SECTION_COLUMN,
    SHAPE_COLUMN,
    escape,
    unescape,
)

NOT_COLUMNS = {"kind", "date", "start", "end", "duration", "ongoing", "attributes", "values"}  # said otherwise
PATIENT_NUMBERS = {"AGE", "PACK_YEARS"}
STUDY_ID = "timelines_export"


def _cell(value) -> str:
    if value is None or value == [] or value is False:
        return ""
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_none=True, by_alias=True)
    if isinstance(value, (list, dict)):
        value = json.dumps([v.model_dump(exclude_none=True, by_alias=True) if isinstance(v, BaseModel) else v
                            for v in value] if isinstance(value, list) else value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return escape(str(value))


def _field_cells(model: BaseModel) -> dict[str, str]:
    return {name.upper(): _cell(value) for name, value in model.__dict__.items()
            if name not in NOT_COLUMNS and _cell(value) != ""}


def first_diagnosis_day(timeline: Timeline) -> int:
    """Where the case's first diagnosis is drawn, in days since the case's day 0: cBioPortal's point zero."""
    return min(timeline.day(d.day_start) for d in timeline.items if isinstance(d.event, Diagnosis))


def _days(timeline: Timeline, zero: int, value: int | None) -> str:
    return "" if value is None else str(timeline.day(value) - zero)


def _rows_of(timeline: Timeline, dated: Dated, order: int, zero: int, lost: list[str]) -> list[dict]:
    """The rows of one event (a lab event: one per value, each with the event's EVENT_SEQ)."""
    event, kind = dated.event, dated.kind
    interval = dated.shape == "interval"
    row = {"PATIENT_ID": timeline.case.id,
           "START_DATE": _days(timeline, zero, dated.day_start),
           "STOP_DATE": _days(timeline, zero, dated.day_end) if interval else "",
           "EVENT_TYPE": event_type(event, kind),
           **_derived(event, kind),
           KIND_COLUMN: kind, ORDER_COLUMN: str(order), SHAPE_COLUMN: dated.shape,
           **_field_cells(event)}
    if isinstance(event, Diagnosis):
        row[SECTION_COLUMN] = "diagnoses"
    if dated.ongoing:
        row["ONGOING"] = "true"
    row.update(_bounds(timeline, dated, zero))
    carried = {}
    for name, value in (event.attributes or {}).items():
        # The source's own words win over a derived column (its AGENT, TREATMENT_TYPE...); a name a field's column
        # has (a STATUS in words beside the status field) gets a column of its own.
        column = name if name not in row or name in DERIVED_COLUMNS else f"{name}_AS_READ"
        row[column] = escape(value)
        carried[name] = column
    if carried:
        row[ATTRIBUTES_COLUMN] = _cell(carried)
    if kind == "lab":
        return [{**row, **_lab_cells(value)} for value in event.values]
    if field_value_list(event, "dose_changes"):
        row["DOSE_CHANGES"] = _cell([{"day": int(_days(timeline, zero, timeline.dose_day(dated.key, j))),
                                      **_dose_window(timeline, (dated.key, j), zero),
                                      **c.model_dump(exclude_none=True, exclude={"date"})}
                                     for j, c in enumerate(event.dose_changes)])
    return [row]


def _dose_window(timeline: Timeline, key: tuple, zero: int) -> dict:
    """The earliest and latest day of an uncertain dose change (null for a side left open), beside its drawn day."""
    bounds = timeline.dose_dates.get(key)
    if bounds is None or bounds.earliest == bounds.latest is not None:
        return {}
    return {side: None if day is None else timeline.day(day) - zero
            for side, day in (("earliest", bounds.earliest), ("latest", bounds.latest))}


def field_value_list(event, name: str) -> list:
    return event.__dict__.get(name) or []


def _bounds(timeline: Timeline, dated: Dated, zero: int) -> dict[str, str]:
    """The earliest and latest day of an uncertain start or end (NA, cBioPortal's word for no value, for a side left
    open; NA in both for a day nothing bounds)."""
    cells = {}
    sides = [("START_DATE", dated.start)] + ([("STOP_DATE", dated.end)] if dated.end is not None else [])
    for column, bounds in sides:
        if bounds.earliest != bounds.latest or bounds.earliest is None:
            cells[f"{column}_EARLIEST"] = _days(timeline, zero, bounds.earliest) or OPEN_SIDE
            cells[f"{column}_LATEST"] = _days(timeline, zero, bounds.latest) or OPEN_SIDE
    return cells


def event_type(event, kind: str) -> str:
    """The row's EVENT_TYPE: the registry's (timelines.kinds.Study), else the event's own type (an event of kind
    'other'), else the kind's name in capitals (a custom track of its own)."""
    known = kind_named(kind)
    given = known.cbioportal.event_type if known is not None else ""
    return given or escape(field_value(event, "type") or kind.upper())


def _derived(event, kind: str) -> dict[str, str]:
    """The columns cBioPortal's patient view draws tracks from (TREATMENT_TYPE, SUBTYPE, AGENT, STATUS...)."""
    known = kind_named(kind)
    study = known.cbioportal if known is not None else Study()
    if study.treatment_type and not study.subtype:  # radiotherapy: its technique
        return {"TREATMENT_TYPE": study.treatment_type, "SUBTYPE": escape(agent_name(event, kind)), "AGENT": ""}
    if study.treatment_type:
        return {"TREATMENT_TYPE": study.treatment_type, "SUBTYPE": study.subtype,
                "AGENT": escape(agent_name(event, kind))}
    if kind in ("response", "progression"):
        return {"STATUS": escape(event_label(event, kind))}
    if kind == "imaging":
        return {"DIAGNOSTIC_TYPE": escape(event.modality or ""), "RESULT": escape(event.finding or "")}
    if kind == "biopsy":
        return {"SPECIMEN_SITE": escape(event.site or "")}
    return {}


def _lab_cells(value) -> dict[str, str]:
    cells = {"TEST": escape(value.marker),
             "RESULT": _cell(value.value) if value.value is not None else escape(value.finding or ""),
             "UNIT": escape(value.unit or ""), "REF_LOW": _cell(value.ref_low), "REF_HIGH": _cell(value.ref_high),
             "FLAG": value.flag or "", "GROUP": value.group or ""}
    if value.value is not None and value.finding:
        cells["VALUE_FINDING"] = escape(value.finding)
    return cells


def _what_is_lost(timeline: Timeline, zero: int) -> list[str]:
    """What of a case the format cannot hold, said once per case."""
    case, lost = timeline.case, []
    if timeline.on_calendar:
        lost.append(f"calendar dates: a study counts days from the diagnosis (the case's first, on "
                    f"{timeline.iso_day(timeline.day_zero + zero)}); each date goes out as the day it is drawn on, "
                    "with the bounds of an uncertain one in START_DATE_EARLIEST/_LATEST, STOP_DATE_EARLIEST/_LATEST")
    elif any(d.start.earliest != d.start.latest for d in timeline.items):
        lost.append("dates as written: each goes out as the drawn day, with its bounds in START_DATE_EARLIEST/_LATEST")
    if zero != 0:
        lost.append(f"day 0: the case counts from its origin ({timeline.origin_event.event_id}); the study counts "
                    f"from the first diagnosis, {abs(zero)} days {'later' if zero > 0 else 'earlier'}")
    if any("\n" in (e.quote or "") + (e.note or "") for e in [d.event for d in timeline.items]):
        lost.append("line breaks in quotes and notes are written as \\n")
    return [f"{case.id}: {text}" for text in lost]


# ---------------------------------------------------------------- files

def _tsv(rows: list[dict], head: tuple[str, ...] = REQUIRED_COLUMNS, top: list[str] = ()) -> bytes:
    """A data file: every cell safe to open in a spreadsheet (timelines.saving.spreadsheet; the reader takes the quote off)."""
    columns = list(head) + [c for c in dict.fromkeys(k for r in rows for k in r) if c not in head]
    header = "\t".join(safe_header(columns))  # a column named after an attribute ('=cmd') is quoted like a cell
    lines = [*top, header, *("\t".join(formula_escape(r.get(c, "")) for c in columns) for r in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _meta(fields: dict[str, str]) -> bytes:
    """A meta file: one 'key: value' line each; a value's line breaks and control characters become spaces, so that
    a case title cannot add a line (a data_filename of its own) to the file."""
    return "".join(f"{k}: {_CONTROLS.sub(' ', v)}\n" for k, v in fields.items()).encode("utf-8")


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class StudyRefused(ValueError):
    """Cases that cannot be written as a study as they are (an attribute name no column can have); one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _column_problems(timeline: Timeline) -> list[str]:
    """The attribute names that cannot be a column name: a tab, a line break or another control character in a
    header would break the file (its own import refuses it), and an escape would change the name."""
    found = [("patient.attributes", name) for name in (timeline.case.patient.attributes or {})]
    found += [(f"{dated.key[0]}[{dated.key[1]}].attributes", name) for dated in timeline.items
              for name in (dated.event.attributes or {})]
    problems = []
    for where, name in found:
        bad = _CONTROLS.search(name)
        if bad:
            what = CONTROL_NAMES.get(bad.group(), f"the control character U+{ord(bad.group()):04X}")
            problems.append(f"{timeline.path or timeline.case.id}: {where}: The attribute name {shown_text(name)} "
                            f"holds {what}, which a cBioPortal column name cannot hold. Hint: rename the attribute "
                            "without it")
    return problems


def _clinical_header(columns: list[str], numbers: set[str]) -> list[str]:
    """The four '#' lines above a clinical file's header: display names, descriptions, datatypes, priorities."""
    names = safe_header(c.replace("_", " ").title() for c in columns)
    return ["#" + "\t".join(names), "#" + "\t".join(names),
            "#" + "\t".join("NUMBER" if c in numbers else "STRING" for c in columns),
            "#" + "\t".join("1" for _ in columns)]


def _patient_row(timeline: Timeline) -> dict[str, str]:
    case = timeline.case
    row = {"PATIENT_ID": case.id}
    for name, value in case.patient.__dict__.items():
        if name != "attributes" and _cell(value):
            row[name.upper()] = _cell(value)
    carried = {}
    for name, value in (case.patient.attributes or {}).items():  # SEX as the source wrote it beside the sex field
        column = f"{name}_AS_READ" if name in row or name in CASE_COLUMNS else name
        row[column] = escape(value)
        carried[name] = column
    if carried:
        row[ATTRIBUTES_COLUMN] = _cell(carried)
    row.update({"CASE_ID": case.id, "CASE_TITLE": escape(case.title),
                "SOURCE": _cell(case.source.model_dump(exclude_none=True)),
                "LESIONS": _cell(list(case.lesions)),
                "REPORTED": _cell([r.model_dump(exclude_none=True, by_alias=True) for r in case.reported]),
                "NOTES": _cell(list(case.notes))})
    return row


def _file_stem(event_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", event_type.lower()).strip("_") or "other"


def write_study(timelines, out_dir, study_id: str = STUDY_ID, name: str = "Exported case timelines",
                force: bool = False) -> list[str]:
    """Write resolved cases as one cBioPortal study in `out_dir`, through timelines.saving.outputs: atomically, never
    through a link, never over a file this export did not write there (unless `force`).

    Parameters
    ----------
    timelines
        Resolved cases (timelines.reading.loading.load_case), each a patient of the study.
    out_dir
        The study folder (created).
    force
        Replace files of the folder that this export did not write (links are refused all the same).

    Returns
    -------
    list[str]
        What the format could not carry as the case says it, one line per case and fact, for standard error.

    Raises
    ------
    StudyRefused
        For a case the format cannot hold as it is (nothing is written).
    timelines.saving.outputs.OutputRefused, timelines.saving.outputs.OutputsRefused
        For an --out that is a file, or files of the folder that may not be replaced (nothing is written).
    """
    files, lost = study_files(timelines, study_id, name)
    OutputFolder(output_folder(out_dir), force=force).write_all(files)
    return lost


def study_files(timelines, study_id: str = STUDY_ID, name: str = "Exported case timelines") \
        -> tuple[dict[str, bytes], list[str]]:
    """The files of a study of resolved cases, by name, and what the format could not carry (as `write_study`).

    Raises
    ------
    StudyRefused
        For an attribute name that holds a tab, a line break or another control character.
    """
    problems = [problem for timeline in timelines for problem in _column_problems(timeline)]
    if problems:
        raise StudyRefused(problems)
    files: dict[str, bytes] = {}
    lost: list[str] = []
    by_type: dict[str, list[dict]] = {}
    patients, samples = [], []
    for timeline in timelines:
        zero = first_diagnosis_day(timeline)
        lost += _what_is_lost(timeline, zero)
        for order, dated in enumerate(timeline.items):
            for row in _rows_of(timeline, dated, order, zero, lost):
                by_type.setdefault(row["EVENT_TYPE"], []).append(row)
        patients.append(_patient_row(timeline))
        first = min((d for d in timeline.items if isinstance(d.event, Diagnosis)), key=lambda d: d.day_start)
        samples.append({"PATIENT_ID": timeline.case.id, "SAMPLE_ID": timeline.case.id,
                        "CANCER_TYPE_DETAILED": escape(first.event.label)})
    if samples:
        lost.append("every patient has one sample, named as its case, since cBioPortal loads no patient without one")
    files["meta_study.txt"] = _meta({"type_of_cancer": "mixed", "cancer_study_identifier": study_id,
                                     "name": name, "description": f"{name}: {len(patients)} case timelines.",
                                     "add_global_case_list": "true"})
    files.update(_clinical("patient", patients, "PATIENT_ATTRIBUTES", study_id))
    files.update(_clinical("sample", samples, "SAMPLE_ATTRIBUTES", study_id))
    for event_type, rows in sorted(by_type.items()):
        lost += _partial_styles(event_type, rows)
        stem = _file_stem(event_type)
        files[f"data_timeline_{stem}.txt"] = _tsv(rows)
        files[f"meta_timeline_{stem}.txt"] = _meta({
            "cancer_study_identifier": study_id, "genetic_alteration_type": "CLINICAL", "datatype": "TIMELINE",
            "data_filename": f"data_timeline_{stem}.txt"})
    return files, lost


def _partial_styles(event_type: str, rows: list[dict]) -> list[str]:
    """cBioPortal refuses a STYLE_COLOR or STYLE_SHAPE column with an empty cell: when only some events of a type
    have one, the column is renamed (STYLE_COLOR_GIVEN), kept but not drawn."""
    said = []
    for column in ("STYLE_COLOR", "STYLE_SHAPE"):
        having = [r for r in rows if r.get(column)]
        if having and len(having) < len(rows):
            for row in having:
                row[f"{column}_GIVEN"] = row.pop(column)
                if ATTRIBUTES_COLUMN in row:  # the attribute is read back from its new column
                    placed = json.loads(unescape(row[ATTRIBUTES_COLUMN]))
                    row[ATTRIBUTES_COLUMN] = _cell({k: f"{column}_GIVEN" if v == column else v
                                                    for k, v in placed.items()})
            said.append(f"{event_type}: {column} is given for {len(having)} of {len(rows)} events; cBioPortal needs it "
                        f"on every row, so it is written as {column}_GIVEN and not drawn")
    return said


def _clinical(which: str, rows: list[dict], datatype: str, study_id: str) -> dict[str, bytes]:
    head = ("PATIENT_ID",) if which == "patient" else ("PATIENT_ID", "SAMPLE_ID")
    columns = list(head) + [c for c in dict.fromkeys(k for r in rows for k in r) if c not in head]
    filled = [{c: r.get(c) or "NA" for c in columns} for r in rows]  # NA: cBioPortal's word for no value
    return {f"data_clinical_{which}.txt": _tsv(filled, head, _clinical_header(columns, PATIENT_NUMBERS)),
            f"meta_clinical_{which}.txt": _meta({
                "cancer_study_identifier": study_id, "genetic_alteration_type": "CLINICAL", "datatype": datatype,
                "data_filename": f"data_clinical_{which}.txt"})}
