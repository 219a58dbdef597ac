"""A cBioPortal timeline row as an event of ours: its kind by EVENT_TYPE and the suggested columns, every other
column kept (a field of the kind when it names one, else an attribute), its days and line kept apart until the
patient's day 0 is known. The columns our export adds (KIND, EVENT_SEQ, SHAPE...) are declared here."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Callable, Iterator, NamedTuple

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from ..kinds import KIND_BY_NAME, TREATMENT
from ..schema import Diagnosis, Patient
from ..time.dates import MAX_OFFSET_YEARS
from ..time.when import say_days

# Columns our export writes besides the fields of an event (a field is written as its name in capitals, DOSE for
# dose): what our kind is, its place in the case, its shape, and the day bounds of an uncertain date.
KIND_COLUMN, ORDER_COLUMN, SHAPE_COLUMN, SECTION_COLUMN = "KIND", "EVENT_SEQ", "SHAPE", "SECTION"
ATTRIBUTES_COLUMN = "ATTRIBUTE_COLUMNS"  # where the event's attributes are: JSON {attribute name: its column}
BOUND_COLUMNS = ("START_DATE_EARLIEST", "START_DATE_LATEST", "STOP_DATE_EARLIEST", "STOP_DATE_LATEST")
# Columns the export derives from fields for cBioPortal's own tracks; read back from the fields, not from these.
DERIVED_COLUMNS = {"TREATMENT_TYPE", "SUBTYPE", "AGENT", "TEST", "RESULT", "DIAGNOSTIC_TYPE", "SPECIMEN_SITE",
                   "UNIT", "REF_LOW", "REF_HIGH", "FLAG", "GROUP", "VALUE_FINDING"}
# Case-level columns of our export's clinical patient file.
CASE_COLUMNS = ("CASE_ID", "CASE_TITLE", "SOURCE", "LESIONS", "REPORTED", "NOTES")
JSON_FIELDS = {"agents", "drugs", "findings", "measurements", "dose_changes", "biomarkers", "values"}

POINT_KINDS = {name for name, k in KIND_BY_NAME.items() if "date" in k.model.model_fields
               and "start" not in k.model.model_fields}
INTERVAL_KINDS = {name for name, k in KIND_BY_NAME.items() if "date" not in k.model.model_fields}


@lru_cache(maxsize=None)
def _adapter(kind: str, name: str) -> TypeAdapter | None:
    model = Diagnosis if kind == "" else Patient if kind == "patient" else KIND_BY_NAME[kind].model
    info = model.model_fields.get(name)
    return None if info is None else TypeAdapter(info.annotation)


# Fields another source's columns never fill: the type is its EVENT_TYPE, and ids and references to ids are ours (a
# study's ID column need not be unique, nor name an event of the case).
NOT_FROM_OTHERS = {"type", "id", "settled_by", "therapy", "primary", "attribution", "specimen_of", "age_at"}
NOT_FROM_COLUMNS = {"kind", "date", "start", "end", "duration", "ongoing", "provenance", "attributes"}


def put_field(target: dict, kind: str, name: str, text: str, attributes: dict, column: str) -> None:
    """The field `name` of the model of `kind` set from a cell, when the cell is a valid value for it; otherwise the
    cell is kept, as written, among the attributes under its column's name."""
    adapter = None if name in NOT_FROM_COLUMNS else _adapter(kind, name)
    if adapter is None:
        attributes[column] = text
        return
    try:
        value = load_json(text) if name in JSON_FIELDS and text[:1] in "[{" else text
        checked = adapter.validate_python(value)
        target[name] = value if name in JSON_FIELDS else _plain(checked, text)
    except (ValidationError, ValueError):
        attributes[column] = text


MAX_JSON_DEPTH = 64  # nesting of a JSON cell our export writes: a case file's own limit (timelines.reading.yaml_events)


def load_json(text: str):
    """A JSON cell's value; ValueError also for nesting deeper than MAX_JSON_DEPTH (Python's parser would recurse
    out of its stack on a cell of 100,000 '['), found without parsing."""
    depth = deepest = 0
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', text):
            token = match.group()
            depth += 1 if token in "[{" else -1 if token in "]}" else 0
            deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested {deepest:,} levels deep; at most {MAX_JSON_DEPTH} are read")
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - the depth is checked above
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None


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


OUR_COLUMNS = {KIND_COLUMN, ORDER_COLUMN, SHAPE_COLUMN, SECTION_COLUMN, ATTRIBUTES_COLUMN, "ONGOING", *BOUND_COLUMNS}
FIXED_COLUMNS = {"PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE", "_line", *BOUND_COLUMNS}  # bounds: windows


class Place(NamedTuple):
    """How a row places its event besides its days: the fields of a Where after its start and stop, shared by the
    rows of the same cells."""

    shape: str
    ongoing: bool
    order: int | None
    section: str
    therapy: bool
    windows: tuple


class Where(NamedTuple):
    """Where and how a row places its event, kept apart from the event's fields until day 0 has its id."""

    start: int
    stop: int | None
    shape: str  # our export's SHAPE: point or interval ('' from another source)
    ongoing: bool
    order: int | None  # our export's EVENT_SEQ: the event's place in its case
    section: str  # 'diagnoses': one of the case's diagnoses (our export)
    therapy: bool  # a TREATMENT row: an empty STOP_DATE is an end not reported
    # The windows of an uncertain start and stop (START_DATE_EARLIEST/_LATEST, STOP_DATE_EARLIEST/_LATEST): each
    # (earliest, latest) in days since the diagnosis, a side None when open; None for a day given exactly.
    windows: tuple = (None, None)


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


def row_template(row: dict) -> tuple[dict, Place]:
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
    placed = load_json(unescape(row[ATTRIBUTES_COLUMN])) if ours and row.get(ATTRIBUTES_COLUMN) else {}
    for name, column in placed.items():  # attributes our export wrote, some in a column it also derives (AGENT)
        if row.get(column):
            attributes[name] = unescape(row[column])
    kept = set(placed.values())
    for column, text in row.items():
        if not text or column in skip or column in kept:
            continue
        if ours:
            text = unescape(text)
            if column == "DOSE_CHANGES":  # days since diagnosis: dated once day 0 has its id (_dose_days)
                event["dose_changes"] = load_json(text)
                continue
        if _adapter(model, column.lower()) is None or not ours and column.lower() in NOT_FROM_OTHERS:
            attributes[column] = text
        else:
            put_field(event, model, column.lower(), text, attributes, column)
    if attributes:
        event["attributes"] = attributes
    order = row.get(ORDER_COLUMN, "")
    order = int(order) if order.isascii() and order.isdigit() else None  # '²' is a digit to isdigit, not to int
    return event, Place(row.get(SHAPE_COLUMN, ""), row.get("ONGOING", "") == "true", order,
                        row.get(SECTION_COLUMN, ""), _is_therapy(kind, row["EVENT_TYPE"]),
                        (_window(row, "START_DATE"), _window(row, "STOP_DATE")))


def _is_therapy(kind: str, event_type: str) -> bool:
    """A TREATMENT row, or one of a kind a study writes as one (timelines.kinds.Study)."""
    known = KIND_BY_NAME.get(kind)
    return event_type == TREATMENT or known is not None and known.cbioportal.event_type == TREATMENT


def _window(row: dict, column: str) -> tuple[int | None, int | None] | None:
    """(earliest, latest) days of an uncertain START_DATE or STOP_DATE (a side None when open: empty or NA), as our
    export writes them in <column>_EARLIEST and <column>_LATEST; None when both are empty or absent (the day is
    exact; NA in both is a window open on both sides). The cells are checked by bound_problems before a row is
    read."""
    cells = (row.get(f"{column}_EARLIEST", ""), row.get(f"{column}_LATEST", ""))
    if not any(cells):
        return None
    earliest, latest = (int(cell) if cell and cell != OPEN_SIDE else None for cell in cells)
    return earliest, latest


OPEN_SIDE = "NA"  # cBioPortal's word for no value: a window's side that nothing bounds
# Days a window's cell may reach either side of the diagnosis: the longest offset a case file's date may hold.
MAX_WINDOW_DAYS = MAX_OFFSET_YEARS * 366
WINDOW_DAYS = r"-?[0-9]+"  # ASCII digits: what a case file's offset is written with


def bound_problems(rows: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The rows whose window cells (START_DATE_EARLIEST/_LATEST, STOP_DATE_EARLIEST/_LATEST) can be read as the
    bounds of their day, and a located problem for every row whose cells cannot: not a whole number of days, too far
    from the diagnosis, the earliest after the latest, the drawn day (START_DATE, STOP_DATE) outside its window, or a
    window for a day the row does not give. A study without these columns is returned as it is."""
    if "_line" not in rows or not any(column in rows for column in BOUND_COLUMNS):
        return rows, []
    problems: list[tuple[str, str]] = []
    bad = pd.Series(False, index=rows.index)
    hint = ("Hint: write the earliest and the latest day the date can be, in whole days since the diagnosis "
            "(negative before it), with the drawn day between them; leave a side empty when it is open")

    def say(mask: pd.Series, text: Callable[[object], str]) -> None:
        for i in rows.index[mask]:
            problems.append((rows.at[i, "PATIENT_ID"], f"{name}:{rows.at[i, '_line']}: {text(i)}"))

    windows = {}
    for day in ("START_DATE", "STOP_DATE"):
        sides = (f"{day}_EARLIEST", f"{day}_LATEST")
        numbers = []
        for column in sides:
            cell = rows[column] if column in rows else pd.Series("", index=rows.index, dtype=str)
            cell = cell.where(cell != OPEN_SIDE, "")  # an open side
            wrong = (cell != "") & ~cell.str.fullmatch(WINDOW_DAYS)
            number = _days(cell)
            far = (cell != "") & ~wrong & ~(number.abs() <= MAX_WINDOW_DAYS)
            say(wrong, lambda i, c=column, t=cell: f"{c}: '{t[i]}' is not a whole number of days. {hint}")
            say(far, lambda i, c=column, t=cell: f"{c}: {t[i][:12]}{'...' * (len(t[i]) > 12)} days is more than "
                f"{MAX_OFFSET_YEARS} years from the diagnosis. Hint: check the number")
            bad |= wrong | far
            numbers.append(number)
        low, high = windows[day] = numbers
        given = ~bad & (low.notna() | high.notna())
        if day == "STOP_DATE":  # our export gives a point's end, which is its start, the start's window
            start_low, start_high = windows["START_DATE"]
            given &= (rows["STOP_DATE"] != "") | ~(_same(low, start_low) & _same(high, start_high))
        drawn = _days(rows[day]) if day in rows else pd.Series(float("nan"), index=rows.index)
        inverted = given & (low > high)
        undrawn = given & ~inverted & drawn.isna()
        outside = given & ~inverted & ~undrawn & ((drawn < low) | (drawn > high))
        say(inverted, lambda i, a=low, b=high: f"{sides[0]}: {a[i]:.0f} is after {sides[1]} {b[i]:.0f}. {hint}")
        say(undrawn, lambda i: f"{sides[0] if low.notna()[i] else sides[1]}: a window for {day}, which is empty. "
            f"Hint: give {day}, the day the event is drawn on, or leave {sides[0]} and {sides[1]} empty")
        say(outside, lambda i: f"{day}: {rows.at[i, day]} is outside its window, {say_days(low[i], high[i])} "
            f"({sides[0]}, {sides[1]}). {hint}")
        bad |= inverted | undrawn | outside
    return rows[~bad], problems


def _days(cells: pd.Series) -> pd.Series:
    """Whole days as numbers (NaN for an empty cell, and for one that is not a whole number of at most 9 digits)."""
    whole = cells.str.fullmatch(WINDOW_DAYS) & (cells.str.len() <= 10)
    return pd.to_numeric(cells.where(whole), errors="coerce").astype(float)


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a == b) | (a.isna() & b.isna())


class Template(NamedTuple):
    """What the rows of identical cells share: the event's fields, its place, and its keys before the dates and
    after them (``layout``)."""

    fields: dict
    place: Place
    head: tuple[str, ...]
    tail: tuple[str, ...]


class Read(NamedTuple):
    """A row as read: its shared template, its days and its provenance ('file:line'). ``as_event`` makes an event
    dict of it where one is changed."""

    template: Template
    start: int
    stop: int | None
    provenance: str


def events_of_rows(rows: pd.DataFrame, file: str, progress: Callable[[int], None] | None = None) \
        -> Iterator[tuple[str, Read]]:
    """(patient id, row as read) of every row; the cells besides the patient, days and line are read once per
    distinct combination (so events of identical cells share their unchanged values: treat them as read-only)."""
    varying = ("PATIENT_ID", "START_DATE", "STOP_DATE", "_line")
    columns = [c for c in rows.columns if c not in varying]
    patients, starts = rows["PATIENT_ID"].tolist(), rows["START_DATE"].astype(int).tolist()
    stops, lines = rows["STOP_DATE"].tolist(), rows["_line"].tolist()
    templates: dict[tuple, Template] = {}
    for i, cells in enumerate(zip(*(rows[c].tolist() for c in columns))):
        made = templates.get(cells)
        if made is None:
            fields, place = row_template(dict(zip(columns, cells)))
            made = templates[cells] = Template(fields, place, *layout(tuple(fields) + ("provenance",)))
        stop = stops[i]
        yield patients[i], Read(made, starts[i], int(stop) if stop else None, f"{file}:{lines[i]}")
        if progress and i % 50_000 == 0:
            progress(i)


HEAD_KEYS, TAIL_KEYS = ("id", "kind", "label", "type"), ("quote", "note", "provenance", "attributes")


@lru_cache(maxsize=4096)
def layout(keys: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys of an event before its dates (id, kind, label, type) and after them (the other fields, then quote,
    note, provenance, attributes)."""
    head = tuple(k for k in HEAD_KEYS if k in keys)
    body = tuple(k for k in keys if k not in HEAD_KEYS and k not in TAIL_KEYS and k != "_")
    return head, body + tuple(k for k in TAIL_KEYS if k in keys)


def as_event(read: Read) -> dict:
    """A row as read as an event dict (its Where under '_'), to be changed before it is placed."""
    (fields, place, _, _), start, stop, provenance = read
    event = {**fields, "provenance": provenance}
    if "attributes" in fields:  # after the provenance, as case files write them
        event["attributes"] = event.pop("attributes")
    event["_"] = Where(start, stop, *place)
    return event
