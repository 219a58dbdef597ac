"""cBioPortal study files: the one reader of a study's layout (meta files and the data files they name), tab-separated
data files read with their line numbers, and the checks of cBioPortal's validator (cbioportal-core
scripts/importer/validateData.py) on a timeline file's rows.

A study folder is untrusted input, read like the cases folder (timelines.reading.files): every file is opened from inside
the folder one name at a time without following links; a link, a named pipe, a device or a folder where a data file
is expected is refused by name, and never opened (a pipe would block the reader forever). Files and patients are
held to the limits below, each refused with a located message.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

import pandas as pd

from ..saving.spreadsheet import formula_unescape, formula_unescape_cells
from ..text import visible
from .rows import ATTRIBUTES_COLUMN, CASE_COLUMNS, ORDER_COLUMN, load_json, unescape

REQUIRED_COLUMNS = ("PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE")
STYLE_SHAPES = ("circle", "square", "triangle", "diamond", "star", "camera")  # the validator's list
COLOR_PATTERN = r"#[0-9A-Fa-f]{6}"
PATIENT_ID_PATTERN = r"[A-Za-z0-9._-]+"  # "only numbers, letters, points, underscores and hyphens"
WHOLE_DAYS = r"-?[0-9]+"  # ASCII digits only: '²' and '٣' are digits to str.isdigit, not to cBioPortal
# Limits of a study's files (the case files' own are in timelines.reading.files and timelines.reading.yaml_events).
MAX_STUDY_FILE_BYTES = 512 * 1024 * 1024  # a data or meta file: a 25,000-patient registry's largest is ~100 MB
MAX_ROWS_PER_PATIENT = 10_000  # timeline rows of one patient: a case of 10,000 events is the loader's design size
MAX_DAYS = 400 * 366  # START_DATE/STOP_DATE: no date of a case lies further than 400 years from day 0
MAX_LISTED = 20  # messages said in full per check of a file; the other rows are counted
META_STUDY = "meta_study.txt"
PATIENT_FILE, SAMPLE_FILE = "data_clinical_patient.txt", "data_clinical_sample.txt"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # belt and braces: a pipe is refused before it is opened
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_WALKS = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and bool(_NOFOLLOW)
_COPY_HINT = "copy the file into the study folder; a study's files are read only from inside its folder"


# ---------------------------------------------------------------- reading one file safely

class StudyFileRefused(Exception):
    """A file of the study that is not read: what it is and how to fix it (the message names the file only)."""


def read_study_file(folder: Path, name: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file `name` (a path relative to the study folder, '/'-separated) of at most
    MAX_STUDY_FILE_BYTES, opened from `folder` one name at a time; StudyFileRefused for a name that leaves the
    folder, a link, a pipe, a device, a folder, or a file over the limit. OSError when it cannot be opened."""
    limit = MAX_STUDY_FILE_BYTES if limit is None else limit
    parts = _parts(name)
    if not _WALKS:  # pragma: no cover - platforms without openat and O_NOFOLLOW
        path = Path(folder, *parts)
        _check_kind(name, os.lstat(path), last=True, limit=limit)
        descriptor = os.open(path, os.O_RDONLY | _NONBLOCK)
    else:
        descriptor = os.open(folder, os.O_RDONLY | _DIRECTORY)
        try:
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                _check_kind(name, os.stat(part, dir_fd=descriptor, follow_symlinks=False), last, limit)
                try:  # checked before it is opened: opening a pipe waits for a writer
                    opened = os.open(part, os.O_RDONLY | _NOFOLLOW | (_NONBLOCK if last else _DIRECTORY),
                                     dir_fd=descriptor)
                except OSError as error:
                    if error.errno in (errno.ELOOP, errno.ENOTDIR):  # swapped for a link since it was looked at
                        raise StudyFileRefused(f"{name}: it was replaced by a link while it was being opened. "
                                               f"Hint: {_COPY_HINT}") from None
                    raise
                os.close(descriptor)
                descriptor = opened
        except BaseException:
            os.close(descriptor)
            raise
    with os.fdopen(descriptor, "rb") as handle:
        _check_kind(name, os.fstat(handle.fileno()), True, limit)  # what was opened is what was checked
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise StudyFileRefused(_too_large(name, len(data), limit))
    return data


def _parts(name: str) -> tuple[str, ...]:
    """The names of a path inside the study folder; StudyFileRefused for one that leaves it or names no file."""
    text = name.replace("\\", "/")
    path = PurePosixPath(text)
    if not text.strip() or path.is_absolute() or re.match(r"^[A-Za-z]:", text) or text.startswith("~"):
        raise StudyFileRefused(f"'{visible(name)}' is not a file name inside the study folder. Hint: name a file of "
                               "the study folder, e.g. data_timeline_treatment.txt")
    if ".." in path.parts:
        raise StudyFileRefused(f"'{visible(name)}' leads outside the study folder, so it is not read. Hint: "
                               f"{_COPY_HINT}")
    if visible(text) != text:  # a NUL, an escape sequence, a bidi control: not a name to print or to open
        raise StudyFileRefused(f"'{visible(name)}' has a control character in its name, so it is not read. Hint: "
                               "rename the file with letters, digits, '.', '_' and '-'")
    return tuple(p for p in path.parts if p != ".")


def _check_kind(name: str, info: os.stat_result, last: bool, limit: int) -> None:
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        raise StudyFileRefused(f"{name}: a symbolic link, so it is not read. Hint: {_COPY_HINT}")
    if not last:
        if not stat.S_ISDIR(mode):
            raise StudyFileRefused(f"{name}: not a file of the study folder. Hint: name a file of the folder")
        return
    if stat.S_ISDIR(mode):
        raise StudyFileRefused(f"{name}: a folder, not a data file. Hint: name a tab-separated file, or rename the "
                               "folder so that it does not look like a data file")
    if not stat.S_ISREG(mode):
        raise StudyFileRefused(f"{name}: not a regular file (a named pipe, a device or a socket), so it is not "
                               "read. Hint: put the data in a plain file")
    if info.st_size > limit:
        raise StudyFileRefused(_too_large(name, info.st_size, limit))


def _too_large(name: str, size: int, limit: int) -> str:
    mb = 1024 * 1024  # the README's and the limit's megabytes
    return (f"{name}: {size / mb:,.1f} MB; a study's file may be at most {limit / mb:,.0f} MB. Hint: split the "
            "timeline into several data_timeline_*.txt files, or check that this is the right file")


def read_text_inside(folder: Path, name: str) -> str:
    """A file of the study as text (UTF-8, a leading byte order mark dropped); StudyFileRefused also for bytes
    that are not UTF-8."""
    data = read_study_file(folder, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise StudyFileRefused(f"{name}:{line}: byte {error.start} is not UTF-8 text. Hint: save the file as "
                               "UTF-8") from None


# ---------------------------------------------------------------- the layout of a study

def _meta_lines(text: str) -> dict[str, tuple[str, int]]:
    """The 'key: value' lines of a meta file's text, each value with its line."""
    meta: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith("#"):
            meta[key.strip()] = (value.strip(), number)
    return meta


@dataclass
class StudyLayout:
    """The files of a study, by their names inside its folder: what meta_study.txt says, the clinical patient and
    sample files, every timeline file; and the located messages of the files refused on the way."""

    folder: Path
    study: dict = field(default_factory=dict)
    patient_file: str | None = None
    sample_file: str | None = None
    timeline_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_study(folder) -> bool:
    """Whether a folder is a cBioPortal study (it holds meta_study.txt or a timeline file), not YAML cases."""
    folder = Path(folder)
    return folder.is_dir() and (os.path.lexists(folder / META_STUDY) or any(folder.glob("data_timeline*.txt")))


def study_layout(folder) -> StudyLayout:
    """The one reader of a study's layout: every meta_*.txt, the files they name (data_filename), and the files
    named by the format's conventions (data_timeline*.txt, data_clinical_patient.txt, data_clinical_sample.txt).

    Every name is held inside the folder; a name that leaves it, a link, a pipe or a folder is a problem, named
    at the meta file's line that gave it, and left out.
    """
    folder = Path(folder)
    layout = StudyLayout(folder)
    named: dict[str, list[str]] = {}
    for path in sorted(folder.glob("meta_*.txt")):
        try:
            meta = _meta_lines(read_text_inside(folder, path.name))
        except (StudyFileRefused, OSError) as error:
            layout.problems.append(_refusal(path.name, error))
            continue
        if path.name == META_STUDY:
            layout.study = {key: value for key, (value, _) in meta.items()}
        datatype = meta.get("datatype", ("", 0))[0].upper()
        data_file, line = meta.get("data_filename", ("", 0))
        if data_file and datatype in ("TIMELINE", "PATIENT_ATTRIBUTES", "SAMPLE_ATTRIBUTES"):
            problem = _named_problem(folder, data_file)
            if problem:
                layout.problems.append(f"{path.name}:{line}: data_filename: {problem}")
            else:
                named.setdefault(datatype, []).append(data_file)
    timelines = {p.name: p.name for p in folder.glob("data_timeline*.txt")}
    timelines.update({name: name for name in named.get("TIMELINE", [])})
    layout.timeline_files = [timelines[name] for name in sorted(timelines)]
    layout.patient_file = _first_present(folder, named.get("PATIENT_ATTRIBUTES", []), PATIENT_FILE)
    layout.sample_file = _first_present(folder, named.get("SAMPLE_ATTRIBUTES", []), SAMPLE_FILE)
    return layout


def _named_problem(folder: Path, name: str) -> str:
    """Why a file named by a meta file cannot be read ('' when it can be): outside the folder, or not there."""
    try:
        parts = _parts(name)
    except StudyFileRefused as refused:
        return str(refused)
    if not os.path.lexists(Path(folder, *parts)):
        return f"'{visible(name)}' is not in the study folder. Hint: name a file of the folder, or add the file"
    return ""


def _first_present(folder: Path, named: list[str], default: str) -> str | None:
    return next((name for name in named + [default] if os.path.lexists(Path(folder, *_parts(name)))), None)


def _refusal(name: str, error: Exception) -> str:
    if isinstance(error, StudyFileRefused):
        return str(error)
    return f"{name}: cannot be read: {getattr(error, 'strerror', None) or error}. Hint: check that it can be read"


@dataclass
class Table:
    """The rows of one TSV file that can be read: cells as text, and `_line` the line each came from."""

    name: str
    columns: list[str]
    rows: pd.DataFrame
    problems: list[tuple[str, str]]  # (patient id or '', located message)


def read_tsv(folder: Path, name: str, comment_lines: bool = True, rows_per_patient: int | None = None) -> Table:
    """The tab-separated file `name` of the study folder, its leading '#' lines skipped; lines the cBioPortal
    validator rejects (blank, a '#' in the data, a column count unlike the header's, the header repeated) are
    problems, the rest rows. A file that is refused (read_study_file) or not UTF-8 is one problem and no rows.
    With `rows_per_patient`, the lines of a patient who has more are one problem, and are not parsed."""
    try:
        data = read_study_file(Path(folder), name)
    except (StudyFileRefused, OSError) as error:
        return Table(name, [], pd.DataFrame(), [("", _refusal(name, error))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Table(name, [], pd.DataFrame(), [("", f"{name}: byte {error.start} is not UTF-8 text. "
                                                     "Hint: save the file as UTF-8")])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    del data
    problems: list[tuple[str, str]] = []
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()  # the newline that ends the last line
    numbers: Iterable[int] = range(1, len(raw) + 1)
    over = _over_limit(text, name, rows_per_patient, problems) if rows_per_patient else None
    if over:  # the lines of a patient over the limit are not parsed: two million rows would take minutes to build
        firsts, too_many = over
        numbers = [i for i, first in enumerate(firsts[:len(raw)], start=1) if first not in too_many]
        raw = [raw[i - 1] for i in numbers]
    lines = pd.Series(raw, index=numbers)
    del raw
    top = int(lines.str.startswith("#").cummin().sum()) if comment_lines else 0
    if top >= len(lines):
        return Table(name, [], pd.DataFrame(), problems + [("", f"{name}: no column header or data found. Hint: "
                                                                "the first line not starting with '#' names the "
                                                                "columns")])
    header_line = int(lines.index[top])
    columns = [formula_unescape(c.strip()) for c in lines.iloc[top].split("\t")]  # a name our export quoted
    body = lines.iloc[top + 1:]
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
    problems += _lines_said(name, body.index[blank], lambda line: "blank line. Hint: delete it")
    problems += _lines_said(name, body.index[hashed], lambda line: "a data line starts with '#'. Hint: only the "
                            "lines above the header may be comments; delete the '#' or the line")
    problems += _lines_said(name, body.index[repeated_header], lambda line: "the header is repeated. Hint: delete "
                            "this line")
    problems += _lines_said(name, body.index[wrong], lambda line: f"expected {len(columns)} columns as the header "
                            f"(line {header_line}) has, found {found[line]}. Hint: separate the cells with one tab "
                            "each and leave an empty cell empty, not out", first)
    keep = ~(blank | hashed | repeated_header | wrong)
    good = body[keep]
    # Every line good (the usual case): the text after the header is parsed as it is, without joining lines again.
    data = text.split("\n", top + 1)[-1] if keep.all() and not over \
        else "\n".join(good)
    rows = pd.read_csv(io.StringIO(data), sep="\t", header=None, names=columns, dtype=str, keep_default_na=False,
                       quoting=csv.QUOTE_NONE, skip_blank_lines=False) if len(good) else \
        pd.DataFrame(columns=columns, dtype=str)
    rows = rows.apply(lambda column: formula_unescape_cells(column.str.strip()))  # the quote our export adds
    rows["_line"] = good.index.to_numpy()
    return Table(name, columns, rows, problems)


def _lines_said(name: str, lines, say, patients: pd.Series | None = None) -> list[tuple[str, str]]:
    """A located problem for each of the lines (the first MAX_LISTED said, the rest counted), charged to the
    patient of each line when `patients` names them."""
    def of(line) -> str:
        return "" if patients is None else patients[line]
    said = [(of(line), f"{name}:{line}: {say(line)}") for line in lines[:MAX_LISTED]]
    if len(lines) > MAX_LISTED:
        said.append(("", f"{name}:{lines[MAX_LISTED]}: {say(lines[MAX_LISTED]).split('. Hint')[0]}; and so on for "
                         f"{len(lines) - MAX_LISTED:,} more lines. Hint: correct every such line"))
        said += [(of(line), "") for line in lines[MAX_LISTED:]]
    return said


def _over_limit(text: str, name: str, limit: int, said: list) -> tuple[list[str], set[str]] | None:
    """When some patient (the first cell of a line) has more than `limit` lines in the text: the first cell of
    every line and the cells of those patients, each said at the line past the limit. Counted on the text itself,
    before any line is parsed; None for a file where no patient has that many."""
    from collections import Counter

    if text.count("\n") <= limit:
        return None
    firsts = re.findall(r"^([^\t\n]*)", text, flags=re.M)
    counts = Counter(firsts)
    over = {first: count for first, count in counts.items() if count > limit and not first.startswith("#")}
    if not over:
        return None
    seen: Counter = Counter()
    problems = []
    for number, first in enumerate(firsts, start=1):
        if first in over:
            seen[first] += 1
            if seen[first] == limit + 1:
                patient = first.strip()
                problems.append((patient, f"{name}:{number}: PATIENT_ID: '{_short(patient)}' has {over[first]:,} "
                                          f"timeline rows; a patient may have at most {limit:,}. Hint: check that "
                                          "the rows are this patient's, or split the history"))
                if len(problems) == len(over):
                    break
    said += problems
    return firsts, set(over)


def _whole_file(body: pd.Series, message: str) -> list[tuple[str, str]]:
    """A problem of the whole file, charged to every patient its lines name (their rows cannot be read)."""
    patients = set(body.str.split("\t", n=1).str[0].str.strip()) - {""}
    return [("", message)] + [(patient, "") for patient in sorted(patients)]


# ---------------------------------------------------------------- timeline rows

def row_problems(table: Table) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The rows whose required cells are well formed, and a located problem for every cell that is not."""
    rows, name, problems = table.rows, table.name, []
    if "_line" not in rows:  # the file could not be read at all: read_tsv said why
        return rows, []
    if not _header_ok(table.columns):
        message = (f"{name}: the header must begin PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE in this order; "
                   f"it begins {', '.join(table.columns[:4])}. Hint: put the four required columns first")
        patients = set(rows.get("PATIENT_ID", pd.Series(dtype=str))) - {""}
        return pd.DataFrame(), [("", message)] + [(p, "") for p in sorted(patients)]  # no row to read
    if "STOP_DATE" not in rows:
        rows["STOP_DATE"] = ""  # the importer's short form (PATIENT_ID, START_DATE, EVENT_TYPE): points only
    bad = pd.Series(False, index=rows.index)
    for column, mask, say in _cell_checks(rows):
        mask = mask.fillna(True).astype(bool)
        problems += _located(rows, mask, name, lambda r, column=column, say=say: f"{column}: {say(r)}")
        bad |= mask
    return rows[~bad], problems


def _located(rows: pd.DataFrame, mask: pd.Series, name: str, say) -> list[tuple[str, str]]:
    """The located messages of the rows of `mask`, the first MAX_LISTED of them said in full and the rest counted
    (a file of 2 million bad rows is not 2 million lines of messages); every patient of the rows is charged."""
    chosen = rows.index[mask]
    listed = [(rows.at[i, "PATIENT_ID"], f"{name}:{rows.at[i, '_line']}: {say(rows.loc[i])}")
              for i in chosen[:MAX_LISTED]]
    if len(chosen) > MAX_LISTED:
        first = rows.at[chosen[MAX_LISTED], "_line"]
        listed.append(("", f"{name}:{first}: {say(rows.loc[chosen[MAX_LISTED]]).split('. Hint')[0]}; and so on "
                           f"for {len(chosen) - MAX_LISTED:,} more rows. Hint: correct the column in every row"))
        listed += [(patient, "") for patient in rows.loc[chosen[MAX_LISTED:], "PATIENT_ID"].unique()]
    return listed


def _header_ok(columns: list[str]) -> bool:
    return columns[:4] == list(REQUIRED_COLUMNS) or columns[:3] == ["PATIENT_ID", "START_DATE", "EVENT_TYPE"]


def _cell_checks(rows: pd.DataFrame):
    """(column, rows that break its rule, what to say of a row): the rules of the cBioPortal validator and of its
    importer (which reads STOP_DATE as a whole number), and of the columns our export writes."""
    start, stop = rows["START_DATE"], rows["STOP_DATE"]
    start_ok, stop_ok = _days_ok(start), (stop == "") | _days_ok(stop)
    days = "Hint: write days since the diagnosis as a whole number (negative before it), e.g. 14 or -30"
    yield "PATIENT_ID", rows["PATIENT_ID"] == "", lambda r: "empty. Hint: every row names its patient"
    yield "PATIENT_ID", (rows["PATIENT_ID"] != "") & ~rows["PATIENT_ID"].str.fullmatch(PATIENT_ID_PATTERN), \
        lambda r: f"'{visible(r['PATIENT_ID'])}' has a character other than letters, digits, '.', '_' and '-'. " \
                  "Hint: write the id as the clinical file does"
    far_start, far_stop = _far(start, start_ok), _far(stop, stop_ok)
    for column, far in (("START_DATE", far_start), ("STOP_DATE", far_stop)):
        yield column, far, lambda r, column=column: f"{_short(r[column])} days is more than {MAX_DAYS:,} days " \
                                                     f"(400 years) from day 0. {days}"
    start_ok, stop_ok = start_ok & ~far_start, stop_ok & ~far_stop
    yield "START_DATE", ~start_ok & ~far_start, \
        lambda r: f"'{_short(r['START_DATE'])}' is not a whole number of days. {days}"
    yield "STOP_DATE", ~stop_ok & ~far_stop, \
        lambda r: f"'{_short(r['STOP_DATE'])}' is not a whole number of days. {days}, or leave it empty for an " \
                  "event on one day"
    both = start_ok & stop_ok & (stop != "")
    before = pd.Series(False, index=rows.index)
    before[both] = rows.loc[both, "STOP_DATE"].astype(int) < rows.loc[both, "START_DATE"].astype(int)
    yield "STOP_DATE", before, lambda r: f"{r['STOP_DATE']} is before START_DATE {r['START_DATE']}. Hint: swap " \
                                         "the two, or correct the one that is wrong"
    yield from _our_cell_checks(rows)
    yield "EVENT_TYPE", rows["EVENT_TYPE"] == "", lambda r: "empty. Hint: name the type, e.g. TREATMENT, STATUS"
    if "STYLE_COLOR" in rows:
        color = rows["STYLE_COLOR"]  # the validator refuses an empty cell too: the column styles every row
        yield "STYLE_COLOR", ~color.str.fullmatch(COLOR_PATTERN), \
            lambda r: f"'{visible(r['STYLE_COLOR'])}' is not a colour like #1f77b4. Hint: write '#' and six hex " \
                      "digits on every row, or leave the column out"
    if "STYLE_SHAPE" in rows:
        shape = rows["STYLE_SHAPE"]
        yield "STYLE_SHAPE", ~shape.str.lower().isin(STYLE_SHAPES), \
            lambda r: f"'{visible(r['STYLE_SHAPE'])}' is not a shape cBioPortal draws. Hint: give one on every " \
                      f"row, or leave the column out. Valid: {', '.join(STYLE_SHAPES)}"


def _days_ok(cells: pd.Series) -> pd.Series:
    return cells.str.fullmatch(WHOLE_DAYS).fillna(False).astype(bool)


def _far(cells: pd.Series, ok: pd.Series) -> pd.Series:
    """Whole numbers of days further than MAX_DAYS from day 0 (a 20-digit number is no date, and no 64-bit one)."""
    far = pd.Series(False, index=cells.index)
    long = ok & (cells.str.len() >= len(str(MAX_DAYS)))  # a candidate: '-14640' is one too
    far[long] = cells[long].map(lambda text: abs(int(text)) > MAX_DAYS).astype(bool)
    return far


def _short(text: str) -> str:
    return visible(text if len(text) <= 40 else text[:37] + "...")


def _our_cell_checks(rows: pd.DataFrame):
    """The columns our export writes, checked before they are read: EVENT_SEQ a whole number, ATTRIBUTE_COLUMNS a
    JSON object naming columns, DOSE_CHANGES a JSON list of changes."""
    if ORDER_COLUMN in rows:
        order = rows[ORDER_COLUMN]
        yield ORDER_COLUMN, (order != "") & ~order.str.fullmatch(r"[0-9]{1,9}").fillna(False).astype(bool), \
            lambda r: f"'{_short(r[ORDER_COLUMN])}' is not the place of an event (a whole number such as 3). " \
                      "Hint: write digits 0-9, or leave the cell empty"
    for column, check in ((ATTRIBUTES_COLUMN, attribute_map_problem), ("DOSE_CHANGES", _dose_changes_problem)):
        if column in rows:
            said = {text: check(text) for text in rows[column].unique() if text}
            yield column, rows[column].map(lambda text: bool(said.get(text))), \
                lambda r, column=column, said=said: said[r[column]]


def attribute_map_problem(text: str) -> str:
    """What is wrong with an ATTRIBUTE_COLUMNS cell ('' when nothing): it must be a JSON object of column names."""
    try:
        value = load_json(unescape(text))
    except ValueError as error:
        return f"{error}. Hint: write a JSON object of attribute names and their columns, e.g. " \
               '{"Site": "ATTR_SITE"}, or leave the cell empty'
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return 'not a JSON object of attribute names and their columns. Hint: write e.g. {"Site": "ATTR_SITE"}, ' \
               "or leave the cell empty"
    return ""


def _dose_changes_problem(text: str) -> str:
    try:
        value = load_json(unescape(text))
    except ValueError as error:
        return f"{error}. Hint: write the dose changes as our export does, a JSON list such as " \
               '[{"day": 90, "dose": "80 mg"}]'
    if not isinstance(value, list) or not all(isinstance(c, dict) and (type(c.get("day", 0)) is int) for c in value):
        return 'not a JSON list of dose changes with whole days. Hint: write e.g. [{"day": 90, "dose": "80 mg"}]'
    if not all(_dose_window_ok(c) for c in value):
        return ('a dose change whose window (earliest, latest) is not whole days around its day. Hint: write e.g. '
                '[{"day": 90, "earliest": 80, "latest": 100, "dose": "80 mg"}], null for a side left open')
    return ""


def _dose_window_ok(change: dict) -> bool:
    """An uncertain dose change's window as our export writes it: whole days (null: open) around its day."""
    sides = [change.get(side) for side in ("earliest", "latest")]
    if any(side is not None and type(side) is not int for side in sides) or "day" not in change and any(sides):
        return False
    low, high = sides
    return (low is None or low <= change.get("day", low)) and (high is None or change.get("day", high) <= high)


# ---------------------------------------------------------------- clinical rows

def clinical_problems(table: Table) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The rows of a clinical patient file that can be read, and the located problems of the others, as
    cBioPortal's validator says them: an empty or malformed PATIENT_ID, a patient given twice; and a JSON cell of
    our export that cannot be read. A patient of a refused row is charged (and so left out) under its id as
    written and without its control characters, so that 'P1\\x00' cannot import as 'P1' without its row."""
    rows, name = table.rows, table.name
    ids = rows["PATIENT_ID"]
    bad_id = (ids == "") | ~ids.str.fullmatch(PATIENT_ID_PATTERN).fillna(False).astype(bool)
    repeated = ids.duplicated(keep="first") & ~bad_id
    first_line = rows[~bad_id].drop_duplicates("PATIENT_ID").set_index("PATIENT_ID")["_line"]
    problems = _located(rows, bad_id, name, lambda r: "PATIENT_ID: empty. Hint: every row names its patient"
                        if r["PATIENT_ID"] == "" else f"PATIENT_ID: '{_short(r['PATIENT_ID'])}' has a character "
                        "other than letters, digits, '.', '_' and '-'. Hint: write the id as the timeline files do")
    problems += [(_printable(p), "") for p in ids[bad_id]]
    problems += _located(rows, repeated, name, lambda r: f"PATIENT_ID: '{r['PATIENT_ID']}' is given again (first on "
                         f"line {first_line[r['PATIENT_ID']]}). Hint: give each patient one row; cBioPortal's "
                         "validator refuses a patient defined twice")
    bad = bad_id | repeated
    if "CASE_ID" in rows:  # our export: JSON cells
        for column, check in [(ATTRIBUTES_COLUMN, attribute_map_problem)] + \
                [(c, _json_problem) for c in CASE_COLUMNS if c not in ("CASE_ID", "CASE_TITLE")]:
            if column in rows:
                said = {text: check(text) for text in rows.loc[~bad, column].unique() if text and text != "NA"}
                mask = ~bad & rows[column].map(lambda text: bool(said.get(text)))
                problems += _located(rows, mask, name, lambda r, c=column, s=said: f"{c}: {s[r[c]]}")
                bad |= mask
    return rows[~bad], problems


def _printable(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf")).strip()


def _json_problem(text: str) -> str:
    """A case cell our export writes as JSON: one nested too deep to read is refused (others are kept as text)."""
    try:
        load_json(unescape(text))
    except ValueError as error:
        return f"{error}. Hint: check the cell" if "nested" in str(error) else ""
    return ""
