"""cBioPortal study files: meta files, tab-separated data files read with their line numbers, and the checks of
cBioPortal's validator (cbioportal-core scripts/importer/validateData.py) on a timeline file's rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .spreadsheet import formula_unescape_cells

REQUIRED_COLUMNS = ("PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE")
STYLE_SHAPES = ("circle", "square", "triangle", "diamond", "star", "camera")  # the validator's list
COLOR_PATTERN = r"#[0-9A-Fa-f]{6}"
PATIENT_ID_PATTERN = r"[A-Za-z0-9._-]+"  # "only numbers, letters, points, underscores and hyphens"
WHOLE_DAYS = r"-?\d+"


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


def clinical_file(folder: Path, datatype: str, default: str) -> Path | None:
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
    rows = rows.apply(lambda column: formula_unescape_cells(column.str.strip()))  # the quote our export adds
    rows["_line"] = good.index.to_numpy()
    return Table(name, columns, rows, problems)


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
