"""cBioPortal studies in: a study's clinical and timeline files as case documents, every row traced to its line.

The format is cBioPortal's (docs.cbioportal.org/file-formats, "Clinical Data" and "Timeline Data"): tab-separated
files, a timeline file's first columns PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE, days counted from the
diagnosis. Writing a study is timelines.cbioportal_write; the columns both sides share are declared here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from .errors import CaseFileError
from .kinds import KIND_BY_NAME
from .schema import CASE_ID_PATTERN, Diagnosis, Patient

REQUIRED_COLUMNS = ("PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE")
STYLE_SHAPES = ("circle", "square", "triangle", "diamond", "star", "camera")  # the validator's list
COLOR_PATTERN = r"#[0-9A-Fa-f]{6}"
PATIENT_ID_PATTERN = r"[A-Za-z0-9._-]+"  # "only numbers, letters, points, underscores and hyphens"
WHOLE_DAYS = r"-?\d+"

# What day 0 of a cBioPortal timeline is, in the words of its file-format documentation (Timeline Data).
DAY_ZERO_NOTE = ("Day 0 of the study's timeline. cBioPortal counts START_DATE 'in days from the date of diagnosis "
                 "(which will act as point zero on the timeline scale)' (cBioPortal file formats, Timeline Data).")
UNNAMED_CANCER = "Cancer (type not given in the study)"

# Columns our export writes besides the fields of an event (a field is written as its name in capitals, DOSE for
# dose): what our kind is, its place in the case, its shape, and the day bounds of an uncertain date.
KIND_COLUMN, ORDER_COLUMN, SHAPE_COLUMN, SECTION_COLUMN = "KIND", "EVENT_SEQ", "SHAPE", "SECTION"
BOUND_COLUMNS = ("START_DATE_EARLIEST", "START_DATE_LATEST", "STOP_DATE_EARLIEST", "STOP_DATE_LATEST")
# Columns the export derives from fields for cBioPortal's own tracks; read back from the fields, not from these.
DERIVED_COLUMNS = {"TREATMENT_TYPE", "SUBTYPE", "AGENT", "TEST", "RESULT", "DIAGNOSTIC_TYPE", "SPECIMEN_SITE",
                   "UNIT", "REF_LOW", "REF_HIGH", "FLAG", "GROUP", "VALUE_FINDING"}
# Case-level columns of our export's clinical patient file.
CASE_COLUMNS = ("CASE_ID", "CASE_TITLE", "SOURCE", "LESIONS", "REPORTED", "NOTES")
JSON_FIELDS = {"agents", "findings", "measurements", "dose_changes", "biomarkers", "values"}

THERAPY_TYPES = ("chemotherapy", "targeted", "immunotherapy", "endocrine", "radiotherapy", "supportive")
POINT_KINDS = {name for name, k in KIND_BY_NAME.items() if "date" in k.model.model_fields
               and "start" not in k.model.model_fields}
INTERVAL_KINDS = {name for name, k in KIND_BY_NAME.items() if "date" not in k.model.model_fields}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class StudyImport:
    """What a study holds: its meta_study fields, one case document per patient, and its problems located.

    A patient with a problem row is left out of `cases` (an incomplete history could mislead) and named in
    `patients_with_problems`; `problems` also holds problems of whole files and of rows naming no patient."""

    study: dict
    cases: dict[str, dict]
    problems: list[str] = field(default_factory=list)
    patients_with_problems: set[str] = field(default_factory=set)
    rows: int = 0  # timeline rows read


# ---------------------------------------------------------------- files

def read_meta(path: Path) -> dict:
    """The 'key: value' lines of a meta file."""
    meta = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith("#"):
            meta[key.strip()] = value.strip()
    return meta


def _metas(folder: Path) -> list[dict]:
    return [read_meta(p) for p in sorted(folder.glob("meta_*.txt"))]


def timeline_files(folder: Path) -> list[Path]:
    """The timeline data files of a study: every data_timeline*.txt and any file a TIMELINE meta file names."""
    named = [m.get("data_filename", "") for m in _metas(folder) if m.get("datatype", "").upper() == "TIMELINE"]
    files = {p.name: p for p in folder.glob("data_timeline*.txt")}
    files.update({name: folder / name for name in named if name and (folder / name).is_file()})
    return [files[name] for name in sorted(files)]


def _clinical_file(folder: Path, datatype: str, default: str) -> Path | None:
    named = [m.get("data_filename", "") for m in _metas(folder) if m.get("datatype", "").upper() == datatype]
    for name in named + [default]:
        if name and (folder / name).is_file():
            return folder / name
    return None


@dataclass
class Table:
    """The rows of one TSV file that can be read: cells as text, and `_line` the line each came from."""

    name: str
    columns: list[str]
    rows: pd.DataFrame
    problems: list[tuple[str, str]]  # (patient id or '', located message)


def read_tsv(path: Path, comment_lines: bool = True) -> Table:
    """A tab-separated file, its leading '#' lines skipped; lines the cBioPortal validator rejects (blank, a '#' in
    the data, a column count unlike the header's, the header repeated) are problems, the rest rows."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Table(name, [], pd.DataFrame(), [("", f"{name}: byte {error.start} is not UTF-8 text. "
                                                     "Hint: save the file as UTF-8")])
    lines = pd.Series(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    if len(lines) and lines.iloc[-1] == "":
        lines = lines.iloc[:-1]  # the newline that ends the last line
    lines.index = range(1, len(lines) + 1)
    top = int(lines.str.startswith("#").cummin().sum()) if comment_lines else 0
    if top >= len(lines):
        return Table(name, [], pd.DataFrame(), [("", f"{name}: no column header or data found. "
                                                     "Hint: the first line not starting with '#' names the columns")])
    header_line = top + 1
    columns = [c.strip() for c in lines.iloc[top].split("\t")]
    body = lines.iloc[top + 1:]
    problems: list[tuple[str, str]] = []
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        return Table(name, columns, pd.DataFrame(), _whole_file(body, f"{name}:{header_line}: column "
                     f"{', '.join(repeated)} is repeated in the header. Hint: give each column once"))
    blank = body.str.strip() == ""
    hashed = ~blank & body.str.startswith("#")
    repeated_header = body.str.rstrip() == lines.iloc[top].rstrip()
    found = body.str.count("\t") + 1
    wrong = ~blank & ~hashed & ~repeated_header & (found != len(columns))
    first = body[wrong].str.split("\t", n=1).str[0].str.strip()  # the patient of a bad line
    for line in body.index[blank]:
        problems.append(("", f"{name}:{line}: blank line. Hint: delete it"))
    for line in body.index[hashed]:
        problems.append(("", f"{name}:{line}: a data line starts with '#'. Hint: only the lines above the "
                                      "header may be comments; delete the '#' or the line"))
    for line in body.index[repeated_header]:
        problems.append(("", f"{name}:{line}: the header is repeated. Hint: delete this line"))
    for line in body.index[wrong]:
        problems.append((first[line], f"{name}:{line}: expected {len(columns)} columns as the header (line "
                                      f"{header_line}) has, found {found[line]}. Hint: separate the cells with one "
                                      "tab each and leave an empty cell empty, not out"))
    keep = ~(blank | hashed | repeated_header | wrong)
    good = body[keep]
    # Every line good (the usual case): the text after the header is parsed as it is, without joining lines again.
    data = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", top + 1)[-1] if keep.all() \
        else "\n".join(good)
    rows = pd.read_csv(io.StringIO(data), sep="\t", header=None, names=columns, dtype=str, keep_default_na=False,
                       quoting=csv.QUOTE_NONE, skip_blank_lines=False) if len(good) else \
        pd.DataFrame(columns=columns, dtype=str)
    rows = rows.apply(lambda column: column.str.strip())
    rows["_line"] = good.index.to_numpy()
    return Table(name, columns, rows, problems)


def _whole_file(body: pd.Series, message: str) -> list[tuple[str, str]]:
    """A problem of the whole file, charged to every patient its lines name (their rows cannot be read)."""
    patients = set(body.str.split("\t", n=1).str[0].str.strip()) - {""}
    return [("", message)] + [(patient, "") for patient in sorted(patients)]


# ---------------------------------------------------------------- timeline rows

def _row_problems(table: Table) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The rows whose required cells are well formed, and a located problem for every cell that is not."""
    rows, name, problems = table.rows, table.name, []
    if "_line" not in rows:  # the file could not be read at all: read_tsv said why
        return rows, []
    if not _header_ok(table.columns):
        message = (f"{name}: the header must begin PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE in this order; "
                   f"it begins {', '.join(table.columns[:4])}. Hint: put the four required columns first")
        patients = set(rows.get("PATIENT_ID", pd.Series(dtype=str))) - {""}
        return rows.iloc[0:0], [("", message)] + [(p, "") for p in sorted(patients)]
    if "STOP_DATE" not in rows:
        rows["STOP_DATE"] = ""  # the importer's short form (PATIENT_ID, START_DATE, EVENT_TYPE): points only
    bad = pd.Series(False, index=rows.index)
    for column, mask, say in _cell_checks(rows):
        for i in rows.index[mask]:
            problems.append((rows.at[i, "PATIENT_ID"], f"{name}:{rows.at[i, '_line']}: {column}: {say(rows.loc[i])}"))
        bad |= mask
    return rows[~bad], problems


def _header_ok(columns: list[str]) -> bool:
    return columns[:4] == list(REQUIRED_COLUMNS) or columns[:3] == ["PATIENT_ID", "START_DATE", "EVENT_TYPE"]


def _cell_checks(rows: pd.DataFrame):
    """(column, rows that break its rule, what to say of a row): the rules of the cBioPortal validator and of its
    importer (which reads STOP_DATE as a whole number)."""
    start_ok = rows["START_DATE"].str.fullmatch(WHOLE_DAYS)
    stop = rows["STOP_DATE"]
    stop_ok = (stop == "") | stop.str.fullmatch(WHOLE_DAYS)
    days = "Hint: write days since the diagnosis as a whole number (negative before it), e.g. 14 or -30"
    yield "PATIENT_ID", rows["PATIENT_ID"] == "", lambda r: "empty. Hint: every row names its patient"
    yield "PATIENT_ID", (rows["PATIENT_ID"] != "") & ~rows["PATIENT_ID"].str.fullmatch(PATIENT_ID_PATTERN), \
        lambda r: f"'{r['PATIENT_ID']}' has a character other than letters, digits, '.', '_' and '-'. Hint: " \
                  "write the id as the clinical file does"
    yield "START_DATE", ~start_ok, lambda r: f"'{r['START_DATE']}' is not a whole number of days. {days}"
    yield "STOP_DATE", ~stop_ok, lambda r: f"'{r['STOP_DATE']}' is not a whole number of days. {days}, or leave " \
                                           "it empty for an event on one day"
    both = start_ok & stop_ok & (stop != "")
    before = pd.Series(False, index=rows.index)
    before[both] = rows.loc[both, "STOP_DATE"].astype(int) < rows.loc[both, "START_DATE"].astype(int)
    yield "STOP_DATE", before, lambda r: f"{r['STOP_DATE']} is before START_DATE {r['START_DATE']}. Hint: swap " \
                                         "the two, or correct the one that is wrong"
    yield "EVENT_TYPE", rows["EVENT_TYPE"] == "", lambda r: "empty. Hint: name the type, e.g. TREATMENT, STATUS"
    if "STYLE_COLOR" in rows:
        color = rows["STYLE_COLOR"]  # the validator refuses an empty cell too: the column styles every row
        yield "STYLE_COLOR", ~color.str.fullmatch(COLOR_PATTERN), \
            lambda r: f"'{r['STYLE_COLOR']}' is not a colour like #1f77b4. Hint: write '#' and six hex digits on " \
                      "every row, or leave the column out"
    if "STYLE_SHAPE" in rows:
        shape = rows["STYLE_SHAPE"]
        yield "STYLE_SHAPE", ~shape.str.lower().isin(STYLE_SHAPES), \
            lambda r: f"'{r['STYLE_SHAPE']}' is not a shape cBioPortal draws. Hint: give one on every row, or leave " \
                      f"the column out. Valid: {', '.join(STYLE_SHAPES)}"


# ---------------------------------------------------------------- a row as an event

@lru_cache(maxsize=None)
def _adapter(kind: str, name: str) -> TypeAdapter | None:
    model = Diagnosis if kind == "" else Patient if kind == "patient" else KIND_BY_NAME[kind].model
    info = model.model_fields.get(name)
    return None if info is None else TypeAdapter(info.annotation)


NOT_FROM_COLUMNS = {"kind", "date", "start", "end", "duration", "ongoing", "provenance", "attributes"}


def put_field(target: dict, kind: str, name: str, text: str, attributes: dict, column: str) -> None:
    """The field `name` of the model of `kind` set from a cell, when the cell is a valid value for it; otherwise the
    cell is kept, as written, among the attributes under its column's name."""
    adapter = None if name in NOT_FROM_COLUMNS else _adapter(kind, name)
    if adapter is None:
        attributes[column] = text
        return
    try:
        value = json.loads(text) if name in JSON_FIELDS and text[:1] in "[{" else text
        checked = adapter.validate_python(value)
        target[name] = value if name in JSON_FIELDS else _plain(checked, text)
    except (ValidationError, ValueError):
        attributes[column] = text


ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))  # a cell holds no tab or line break


def escape(text: str) -> str:
    for plain, escaped in ESCAPES:
        text = text.replace(plain, escaped)
    return text


def unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def _plain(value, text: str):
    """A checked cell as a case file writes it: numbers as numbers, the rest as written."""
    if isinstance(value, bool):
        return text
    return value if isinstance(value, (int, float)) else text


def split_agents(text: str) -> list[str]:
    """'TMZ + thalidomide', 'carboplatin, pemetrexed' -> the agents of one regimen."""
    return [a.strip() for a in AGENT_SEPARATORS.split(text) if a.strip()]


AGENT_SEPARATORS = re.compile(r"\s*\+\s*|\s*,\s*|\s*/\s*|\s+and\s+")
WORDS = re.compile(r"[a-z]+")
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
WHOLE = re.compile(r"[-+]?\d+")


def _treatment(row: dict) -> tuple[str, dict, set[str]]:
    kind_text = f"{row.get('TREATMENT_TYPE', '')} {row.get('SUBTYPE', '')}".lower()
    agent = row.get("AGENT", "")
    if "radiation" in kind_text or "radiotherapy" in kind_text:
        fields = {"technique": row["SUBTYPE"]} if row.get("SUBTYPE") else {}
        return "radiotherapy", fields, {"SUBTYPE"} if fields else set()
    if "chemo" in kind_text:
        agents = split_agents(agent)
        fields = {"regimen": agent, **({"agents": agents} if len(agents) > 1 else {})} if agent else {}
        return "chemotherapy", fields, {"AGENT"}
    for words, kind in ((("target",), "targeted"), (("immuno",), "immunotherapy"),
                        (("hormone", "endocrine"), "endocrine")):
        if any(w in kind_text for w in words) and (agent or kind == "endocrine"):
            return kind, {"drug": agent} if agent else {}, {"AGENT"}
    # A therapy of a type no kind names for sure ('Investigational', 'Medical Therapy' alone): kept as written.
    return "other", {"type": row["EVENT_TYPE"], **({"description": agent} if agent else {})}, {"AGENT"}


STATUS_WORDS = (  # words of a STATUS cell -> (kind, fields): the first that the lower-case text contains
    (("deceased", "dead", "died", "death", "expired"), "status", {"status": "dead"}),
    (("lost to follow",), "status", {"status": "lost_to_follow_up"}),
    (("no evidence of disease", "ned"), "status", {"status": "no_evidence_of_disease"}),
    (("progressive disease", "progression", "progressed", "recurrence", "recurred", "relapse"), "progression", {}),
    (("complete response",), "response", {"category": "CR"}),
    (("partial response",), "response", {"category": "PR"}),
    (("stable disease",), "response", {"category": "SD"}),
    (("remission",), "status", {"status": "remission"}),
    (("alive", "living"), "status", {"status": "alive"}),
)


def _status(row: dict) -> tuple[str, dict, set[str]]:
    text = row.get("STATUS", "")
    found = WORDS.findall(text.lower())
    words, lower = set(found), " ".join(found)
    for said, kind, fields in STATUS_WORDS:
        if any((w in words) if " " not in w else (w in lower) for w in said):
            fields = dict(fields)
            if kind == "response":
                fields["description"] = text
            return kind, fields, {"STATUS"} if kind == "response" else set()  # STATUS kept when reworded
    if text:
        return "other", {"type": row["EVENT_TYPE"], "description": text}, {"STATUS"}
    return "other", {"type": row["EVENT_TYPE"]}, set()


def _lab(row: dict) -> tuple[str, dict, set[str]]:
    test, result = row.get("TEST", ""), row.get("RESULT", "")
    if not test or not result:
        return "other", {"type": row["EVENT_TYPE"], **({"description": test} if test else {})}, {"TEST"}
    return "lab", {"values": [lab_value(row)]}, {"TEST", "RESULT", "UNIT", "REF_LOW", "REF_HIGH", "FLAG", "GROUP",
                                                 "VALUE_FINDING"}


def lab_value(row: dict) -> dict:
    """One lab value of a LAB_TEST row: TEST, RESULT (a number, else a finding in words), and, as our export writes
    them, UNIT, REF_LOW, REF_HIGH, FLAG, GROUP and VALUE_FINDING."""
    value: dict = {"marker": row["TEST"]}
    result = row.get("RESULT", "")
    number = _number(result)
    if number is None:
        value["finding"] = result
    else:
        value["value"] = number
        if row.get("VALUE_FINDING"):
            value["finding"] = row["VALUE_FINDING"]
    for column, name in (("UNIT", "unit"), ("FLAG", "flag"), ("GROUP", "group")):
        if row.get(column):
            value[name] = row[column]
    for column, name in (("REF_LOW", "ref_low"), ("REF_HIGH", "ref_high")):
        if _number(row.get(column, "")) is not None:
            value[name] = _number(row[column])
    return value


def _number(text: str) -> float | int | None:
    if not text or not NUMBER.fullmatch(text):
        return None
    number = float(text)
    return int(number) if number.is_integer() and WHOLE.fullmatch(text) else number


def _first(row: dict, *columns: str) -> tuple[str, str]:
    return next(((c, row[c]) for c in columns if row.get(c)), ("", ""))


MAPPED_BY = {"TREATMENT": ("EVENT_TYPE", "TREATMENT_TYPE", "SUBTYPE", "AGENT"), "STATUS": ("EVENT_TYPE", "STATUS")}


@lru_cache(maxsize=65_536)
def _mapped(event_type: str, cells: tuple[str, ...]) -> tuple[str, dict, set[str]]:
    """The kind of a TREATMENT or STATUS row: the same for every row with the same cells (a study repeats them)."""
    row = dict(zip(MAPPED_BY[event_type], cells))
    return (_treatment if event_type == "TREATMENT" else _status)(row)


def _typed(row: dict) -> tuple[str, dict, set[str]]:
    """Our kind for a row of another source, by its EVENT_TYPE and the columns cBioPortal suggests for it."""
    event_type = row["EVENT_TYPE"].strip().upper().replace(" ", "_")
    if event_type in MAPPED_BY:
        kind, fields, used = _mapped(event_type, tuple(row.get(c, "") for c in MAPPED_BY[event_type]))
        return kind, {k: list(v) if isinstance(v, list) else v for k, v in fields.items()}, used  # no shared lists
    if event_type == "LAB_TEST":
        return _lab(row)
    if event_type == "SURGERY":
        column, procedure = _first(row, "PROCEDURE", "SUBTYPE", "SURGERY_TYPE", "EVENT_TYPE_DETAILED")
        return "surgery", {"procedure": procedure} if procedure else {}, {column}
    if event_type in ("SPECIMEN", "SAMPLE_ACQUISITION"):
        return "biopsy", {"site": row["SPECIMEN_SITE"]} if row.get("SPECIMEN_SITE") else {}, {"SPECIMEN_SITE"}
    if event_type == "SEQUENCING":
        return "molecular", {}, set()
    if event_type == "IMAGING":
        fields = {name: row[c] for c, name in (("DIAGNOSTIC_TYPE", "modality"), ("RESULT", "finding")) if row.get(c)}
        return "imaging", fields, {"DIAGNOSTIC_TYPE", "RESULT"}
    if event_type in ("DIAGNOSIS", "DIAGNOSTIC", "DIAGNOSTICS"):
        column, label = _first(row, "DIAGNOSIS", "CANCER_TYPE_DETAILED", "CANCER_TYPE", "SUBTYPE",
                               "EVENT_TYPE_DETAILED")
        return "diagnosis", {"label": label} if label else {}, {column}
    return "other", {"type": row["EVENT_TYPE"]}, set()


OUR_COLUMNS = {KIND_COLUMN, ORDER_COLUMN, SHAPE_COLUMN, SECTION_COLUMN, "ONGOING", *BOUND_COLUMNS}
FIXED_COLUMNS = {"PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE", "_line"}


class Where(NamedTuple):
    """Where and how a row places its event, kept apart from the event's fields until day 0 has its id."""

    start: int
    stop: int | None
    shape: str  # our export's SHAPE: point or interval ('' from another source)
    ongoing: bool
    order: int | None  # our export's EVENT_SEQ: the event's place in its case
    section: str  # 'diagnoses': one of the case's diagnoses (our export)
    therapy: bool  # a TREATMENT row: an empty STOP_DATE is an end not reported


@lru_cache(maxsize=None)
def _skipped(kind: str, ours: bool, used: frozenset) -> frozenset:
    """The columns of a row that are not read into fields or attributes (said by the kind, or by the row's place)."""
    if not ours:
        return frozenset(FIXED_COLUMNS | used)
    fields = KIND_BY_NAME[kind].model.model_fields  # a derived column that is also a field (a biopsy's RESULT) is read
    derived = {c for c in DERIVED_COLUMNS if c.lower() not in fields}
    if kind in ("response", "progression", "lab"):
        derived.add("STATUS")  # the words cBioPortal's STATUS track shows; the fields say them
    return frozenset(FIXED_COLUMNS | OUR_COLUMNS | derived)


def event_of_row(row: dict, file: str) -> dict:
    """The event a timeline row describes; its days are kept apart (under '_', a Where) until day 0 has its id."""
    fields, place = row_template(row)
    stop = row["STOP_DATE"]
    return _as_event(((fields, place, (), ()), int(row["START_DATE"]), int(stop) if stop else None,
                      f"{file}:{row['_line']}"))


def row_template(row: dict) -> tuple[dict, tuple]:
    """What a row says besides its patient, days and line: the event's fields, and how it is placed (the rest of a
    Where). Rows with the same cells share it (a study repeats its treatments and statuses)."""
    kind = row.get(KIND_COLUMN, "")
    ours = kind in KIND_BY_NAME
    if ours:
        fields, used = ({"values": [lab_value(row)]} if kind == "lab" and row.get("TEST") else {}), frozenset()
    else:
        kind, fields, used = _typed(row)
        used = frozenset(used)
    event: dict = {"kind": kind, **fields}
    attributes: dict = {}
    skip = _skipped(kind, ours, used)
    model = "" if row.get(SECTION_COLUMN) == "diagnoses" else kind  # a diagnosis of the case's list
    for column, text in row.items():
        if not text or column in skip:
            continue
        if ours:
            text = unescape(text)
            if column == "DOSE_CHANGES":  # days since diagnosis: dated once day 0 has its id (_dose_days)
                event["dose_changes"] = json.loads(text)
                continue
        if _adapter(model, column.lower()) is None:
            attributes[column] = text
        else:
            put_field(event, model, column.lower(), text, attributes, column)
    if ours:
        for column in BOUND_COLUMNS:  # the bounds of an uncertain date: kept, in days, as the export gave them
            if row.get(column):
                attributes[column] = row[column]
    if attributes:
        event["attributes"] = attributes
    order = row.get(ORDER_COLUMN, "")
    return event, (row.get(SHAPE_COLUMN, ""), row.get("ONGOING", "") == "true", int(order) if order.isdigit() else None,
                   row.get(SECTION_COLUMN, ""), kind in THERAPY_TYPES or row["EVENT_TYPE"] == "TREATMENT")


# A row as read: ((fields, place, keys before the dates, keys after them), start, stop, provenance). The first part
# is shared by the rows of identical cells; `_as_event` makes an event dict of it where one is changed.
Read = tuple


def events_of_rows(rows: pd.DataFrame, file: str, progress: Callable[[int], None] | None = None) \
        -> Iterator[tuple[str, Read]]:
    """(patient id, row as read) of every row; the cells besides the patient, days and line are read once per
    distinct combination (so events of identical cells share their unchanged values: treat them as read-only)."""
    varying = ("PATIENT_ID", "START_DATE", "STOP_DATE", "_line")
    columns = [c for c in rows.columns if c not in varying]
    patients, starts = rows["PATIENT_ID"].tolist(), rows["START_DATE"].astype(int).tolist()
    stops, lines = rows["STOP_DATE"].tolist(), rows["_line"].tolist()
    templates: dict[tuple, tuple] = {}
    for i, cells in enumerate(zip(*(rows[c].tolist() for c in columns))):
        made = templates.get(cells)
        if made is None:
            fields, place = row_template(dict(zip(columns, cells)))
            made = templates[cells] = (fields, place, *_layout(tuple(fields) + ("provenance",)))
        stop = stops[i]
        yield patients[i], (made, starts[i], int(stop) if stop else None, f"{file}:{lines[i]}")
        if progress and i % 50_000 == 0:
            progress(i)


# ---------------------------------------------------------------- a patient's case

def relative_day(anchor: str, days: int) -> str:
    """A day as a case file writes it relative to the day-0 event: 'dx', 'dx + 1 day', 'dx - 30 days'."""
    if days == 0:
        return anchor
    unit = "day" if abs(days) == 1 else "days"
    return f"{anchor} {'+' if days > 0 else '-'} {abs(days)} {unit}"


def _place(event: dict, anchor: str) -> dict:
    """The event with its dates written relative to the day-0 diagnosis, in the shape its kind takes, its fields in
    the order case files write them."""
    where, kind = event["_"], event["kind"]
    start, stop = where.start, where.stop
    point = kind in POINT_KINDS or (kind not in INTERVAL_KINDS and stop is None and not where.ongoing
                                    and (where.shape == "point" or not (where.therapy or where.shape == "interval")))
    head, tail = _layout(tuple(event))
    placed = {key: event[key] for key in head}
    if point:
        placed["date"] = relative_day(anchor, start)
    else:
        placed["start"] = relative_day(anchor, start)
        if where.ongoing:  # our export: STOP_DATE is where the bar is drawn to, the last follow-up
            placed["ongoing"] = True
        elif stop is not None:
            placed["end"] = relative_day(anchor, stop)
        # else a therapy whose STOP_DATE is empty: an end not reported (no end, no duration, not ongoing)
    for key in tail:
        placed[key] = event[key]
    if point and stop is not None and stop != start:  # a point kind cannot hold an end: kept as the source gave it
        placed["attributes"] = {**event.get("attributes", {}), "STOP_DATE": str(stop)}  # a copy: it may be shared
    return placed


HEAD_KEYS, TAIL_KEYS = ("id", "kind", "label", "type"), ("quote", "note", "provenance", "attributes")


@lru_cache(maxsize=4096)
def _layout(keys: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys of an event before its dates (id, kind, label, type) and after them (the other fields, then quote,
    note, provenance, attributes)."""
    head = tuple(k for k in HEAD_KEYS if k in keys)
    body = tuple(k for k in keys if k not in HEAD_KEYS and k not in TAIL_KEYS and k != "_")
    return head, body + tuple(k for k in TAIL_KEYS if k in keys)


DIAGNOSIS_FIELDS = set(Diagnosis.model_fields)


def _diagnosis(event: dict, anchor: str, day_zero: bool, fallback_label: str) -> dict:
    """A diagnosis of the case's list from a DIAGNOSIS row; what the list's model has no field for is kept among
    its attributes."""
    where = event["_"]
    start = where.start
    attributes = dict(event.get("attributes", {}))
    fields = {k: v for k, v in event.items() if k in DIAGNOSIS_FIELDS and k != "attributes"}
    for k, v in event.items():
        if k not in DIAGNOSIS_FIELDS and k not in ("kind", "attributes", "_"):
            attributes[k.upper()] = v if isinstance(v, str) else json.dumps(v)
    if where.stop is not None and where.stop != start:
        attributes["STOP_DATE"] = str(where.stop)
    diagnosis = {"id": fields.pop("id", anchor), "label": fields.pop("label", fallback_label),
                 "date": "origin" if day_zero else relative_day(anchor, start), **fields}
    if day_zero and not diagnosis.get("note") and where.order is None:
        diagnosis["note"] = DAY_ZERO_NOTE
    if attributes:
        diagnosis["attributes"] = attributes
    return diagnosis


def _as_event(read: Read) -> dict:
    (fields, place, _, _), start, stop, provenance = read
    event = {**fields, "provenance": provenance}
    if "attributes" in fields:  # after the provenance, as case files write them
        event["attributes"] = event.pop("attributes")
    event["_"] = Where(start, stop, *place)
    return event


def _changed(read: Read) -> bool:
    """Whether the case is made with this row's event changed (a diagnosis, a lab value of a multi-row lab event,
    dose changes dated once day 0 has its id), rather than placed as it is."""
    fields, place = read[0][0], read[0][1]
    kind = fields["kind"]
    return kind == "diagnosis" or place[3] == "diagnoses" or (kind == "lab" and place[2] is not None) \
        or "dose_changes" in fields


def _placed(read: Read, anchor: str) -> dict:
    """A row's event as the case file writes it (the fast way of _place, for an event read and not changed)."""
    (fields, place, head, tail), start, stop, provenance = read
    kind = fields["kind"]
    shape, ongoing, _, _, therapy = place
    point = kind in POINT_KINDS or (kind not in INTERVAL_KINDS and stop is None and not ongoing
                                    and (shape == "point" or not (therapy or shape == "interval")))
    placed = {key: fields[key] for key in head}
    if point:
        placed["date"] = relative_day(anchor, start)
    else:
        placed["start"] = relative_day(anchor, start)
        if ongoing:
            placed["ongoing"] = True
        elif stop is not None:
            placed["end"] = relative_day(anchor, stop)
    for key in tail:
        placed[key] = provenance if key == "provenance" else fields[key]
    if point and stop is not None and stop != start:  # a point kind cannot hold an end: kept as the source gave it
        placed["attributes"] = {**fields.get("attributes", {}), "STOP_DATE": str(stop)}  # a copy: it may be shared
    return placed


def _merged_labs(events: list[dict]) -> list[dict]:
    """Our export writes a lab event as one LAB_TEST row per value, all with the event's EVENT_SEQ: one event again."""
    merged: list[dict] = []
    for event in events:
        last = merged[-1] if merged else None
        if (isinstance(event, dict) and isinstance(last, dict) and event["kind"] == "lab" == last["kind"]
                and event["_"].order is not None and event["_"].order == last["_"].order):
            last["values"] = last.get("values", []) + event.get("values", [])
        else:
            merged.append(event)
    return merged


def case_document(patient_id: str, reads: list[Read], clinical: dict, cancer_type: str, study: dict) -> dict:
    """The case document of one patient: day 0 is the diagnosis (cBioPortal's point zero), every event dated in
    whole days from it."""
    reads = sorted(reads, key=lambda r: (r[0][1][2] is None, r[0][1][2] or 0, r[1]))  # EVENT_SEQ, else the day
    events = _merged_labs([_as_event(r) if _changed(r) else r for r in reads])
    changed = [e for e in events if isinstance(e, dict)]
    listed = [e for e in changed if e["_"].section == "diagnoses"]
    first = next((e for e in listed if e["_"].start == 0), None) or \
        next((e for e in changed if e["kind"] == "diagnosis" and e["_"].start == 0 and not listed), None)
    ids = {e.get("id") if isinstance(e, dict) else e[0][0].get("id") for e in events}
    anchor = first.get("id") if first and first.get("id") else _free_id("dx", ids)
    label = cancer_type or UNNAMED_CANCER
    if first is None:
        diagnoses = [{"id": anchor, "label": label, "date": "origin", "note": DAY_ZERO_NOTE}]
    else:
        diagnoses = [_diagnosis({**first, "id": anchor}, anchor, True, label)]
    diagnoses += [_diagnosis(e, anchor, False, label) for e in listed if e is not first]
    rest = [_placed(e, anchor) if isinstance(e, tuple) else _place(e, anchor) for e in events
            if e is not first and not (isinstance(e, dict) and e["_"].section == "diagnoses")]
    patient, case = patient_fields(clinical)
    document = {
        "schema": 1,
        "id": case.get("id") or case_id(patient_id),
        "title": case.get("title") or f"Patient {patient_id}" + (f", {study['name']}" if study.get("name") else ""),
        "source": case.get("source") or {"citation": study.get("citation") or study.get("name")
                                         or study.get("cancer_study_identifier") or "cBioPortal study",
                                         "case": patient_id},
        "patient": patient,
        "origin": anchor,
        "diagnoses": diagnoses,
        "lesions": case.get("lesions", []),
        "events": [_dose_days(e, anchor) for e in rest],
        "reported": case.get("reported", []),
        "notes": case.get("notes", []),
    }
    return {k: v for k, v in document.items() if v != [] and v != {}}


def _dose_days(event: dict, anchor: str) -> dict:
    """Dose changes our export wrote with days ({"day": 90, ...}): their dates relative to day 0 again."""
    changes = event.get("dose_changes")
    if changes:
        event["dose_changes"] = [{"date": relative_day(anchor, int(c["day"])),
                                  **{k: v for k, v in c.items() if k != "day"}} if "day" in c else c for c in changes]
    return event


def _free_id(wanted: str, taken: set) -> str:
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted}-{n}"
    return name


def case_id(patient_id: str) -> str:
    """A case id (lower-case letters, digits, hyphens) for a patient id: 'P-0001_A' -> 'p-0001-a'."""
    text = re.sub(r"[^a-z0-9-]+", "-", patient_id.lower()).strip("-")[:80]
    return text if re.fullmatch(CASE_ID_PATTERN, text) else f"patient-{text}"[:80].rstrip("-") or "patient"


SEX_WORDS = {"female": "female", "f": "female", "woman": "female", "male": "male", "m": "male", "man": "male",
             "other": "other", "unknown": "unknown"}


def patient_fields(clinical: dict) -> tuple[dict, dict]:
    """The patient fields of a clinical row, and the case-level fields our export writes there (CASE_ID...)."""
    patient: dict = {}
    attributes: dict = {}
    case: dict = {}
    for column, text in clinical.items():
        if not text or text == "NA" or column in ("PATIENT_ID", "_line"):  # NA: cBioPortal's word for no value
            continue
        if column in CASE_COLUMNS:
            try:
                case[{"CASE_ID": "id", "CASE_TITLE": "title"}.get(column, column.lower())] = \
                    text if column in ("CASE_ID", "CASE_TITLE") else json.loads(text)
            except ValueError:
                attributes[column] = text
        elif column in ("SEX", "GENDER") and text.lower() in SEX_WORDS and "sex" not in patient:
            patient["sex"] = SEX_WORDS[text.lower()]
            if text.lower() != patient["sex"]:
                attributes[column] = text
        else:
            put_field(patient, "patient", column.lower(), text, attributes, column)
    if attributes:
        patient["attributes"] = attributes
    return patient, case


# ---------------------------------------------------------------- a study

def _clinical_rows(path: Path | None) -> tuple[dict[str, dict], list[tuple[str, str]]]:
    if path is None:
        return {}, []
    table = read_tsv(path)
    problems = list(table.problems)
    if "PATIENT_ID" not in table.columns:
        return {}, problems + [("", f"{table.name}: no PATIENT_ID column. Hint: the line after the four '#' lines "
                                    "names the columns, PATIENT_ID among them")]
    rows: dict[str, dict] = {}
    for row in table.rows.to_dict("records"):
        rows.setdefault(row["PATIENT_ID"], row)
    return rows, problems


def _cancer_types(folder: Path, patients: dict[str, dict]) -> dict[str, str]:
    """The cancer type of each patient as the study names it: CANCER_TYPE_DETAILED, else CANCER_TYPE, of the patient
    or of their samples."""
    types: dict[str, list[str]] = {}
    path = _clinical_file(folder, "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt")
    rows = list(patients.values()) + (read_tsv(path).rows.to_dict("records") if path else [])
    for row in rows:
        said = row.get("CANCER_TYPE_DETAILED") or row.get("CANCER_TYPE")
        if said and row.get("PATIENT_ID"):
            types.setdefault(row["PATIENT_ID"], [])
            if said not in types[row["PATIENT_ID"]]:
                types[row["PATIENT_ID"]].append(said)
    return {patient: " / ".join(said) for patient, said in types.items()}


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
    folder = Path(folder)
    study = read_meta(folder / "meta_study.txt") if (folder / "meta_study.txt").is_file() else {}
    wanted = None if patients is None else set(patients)
    clinical, charged = _clinical_rows(_clinical_file(folder, "PATIENT_ATTRIBUTES", "data_clinical_patient.txt"))
    tables = [read_tsv(path) for path in timeline_files(folder)]
    total, done = sum(len(t.rows) for t in tables), 0
    events: dict[str, list[dict]] = {}
    for table in tables:
        rows, problems = _row_problems(table)
        charged += table.problems + problems
        if "_line" not in rows:  # a file that cannot be read: read_tsv said why
            continue
        if wanted is not None:
            rows = rows[rows["PATIENT_ID"].isin(wanted)]
        tell = (lambda i, done=done: progress(done + i, total)) if progress else None
        for patient, event in events_of_rows(rows, table.name, tell):
            events.setdefault(patient, []).append(event)
        done += len(table.rows)
    if progress:
        progress(total, total)
    ids = [p for p in dict.fromkeys([*clinical, *events]) if wanted is None or p in wanted]
    bad = {patient for patient, _ in charged if patient and (wanted is None or patient in wanted)}
    types = _cancer_types(folder, clinical)
    cases = {p: case_document(p, events.get(p, []), clinical.get(p, {}), types.get(p, ""), study)
             for p in ids if p not in bad}
    _unique_case_ids(cases)
    return StudyImport(study, cases, [m for _, m in charged if m], bad, total)


def _unique_case_ids(cases: dict[str, dict]) -> None:
    """Two patient ids that read as one case id ('P_1', 'p-1') get '-2', '-3'... in the order of the study."""
    taken: set[str] = set()
    for document in cases.values():
        document["id"] = _free_id(document["id"], taken)
        taken.add(document["id"])


def case_yaml(document: dict) -> str:
    """A case document as the text of its case file."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data) -> bool:  # values shared by events are written out in each
            return True

    header = "# yaml-language-server: $schema=case.schema.json\n"
    return header + yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120)


def case_timeline(document: dict, path: str):
    """Validate and resolve a case document as the loader does a case file (raises CaseFileError, located in the
    text case_yaml writes for it)."""
    from .loading import load_text

    return load_text(case_yaml(document), path)


__all__ = ["StudyImport", "read_study", "case_timeline", "case_yaml", "CaseFileError", "write_study"]


def write_study(timelines, out_dir) -> list[str]:
    """Write cases as one cBioPortal study (see timelines.cbioportal_write.write_study)."""
    from .cbioportal_write import write_study as write

    return write(timelines, out_dir)
