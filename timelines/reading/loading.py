"""Case files from YAML text to a resolved Timeline, with every problem located by file, line and field.

Each step has its module: `text_checks` (bytes to text), `yaml_events` (the one pass every file gets: limits,
syntax, and the plain data of a regular file), `yaml_source` (the located parse, for a file with a problem),
`pydantic_messages` (validation errors in words).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import ValidationError

from ..errors import CaseFileError, Problem
from ..gc_pause import gc_paused
from ..schema import Case
from ..time.dates import DateProblem
from ..timeline import Timeline, resolve
from . import validation
from .files import read_inside, shown_path
from .placeholders import PLACEHOLDER, placeholder_fields
from .pydantic_messages import validation_problems
from .text_checks import decode, hidden_in_value, odd_indentation
from .yaml_events import read_events
from .yaml_source import MAX_PROBLEMS, SourceMap, field_path, located_problem, parse_read

__all__ = ["load_case", "load_document", "load_text", "validate"]


def load_case(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> Timeline:
    """Read, validate and resolve a case file.

    Parameters
    ----------
    path
        The case file.
    folder
        The cases folder the file must not leave (a link to a file elsewhere is refused); problems then name
        the file relative to it, never by the server's full path. By default the folder the path names, and
        problems name the path as given.

    Raises
    ------
    CaseFileError
        With every problem found, each located by file, line, column and field path.
    """
    path = Path(path)
    shown = shown_path(path, folder)
    try:
        data = read_inside(path, folder)
    except CaseFileError as error:
        raise error.with_path(shown) from None
    except OSError as error:
        raise CaseFileError([Problem(f"Cannot read the file: {error.strerror or error}",
                                     "check the path and the file's permissions", path=shown)]) from None
    return load_text(data, shown)


@gc_paused()
def load_text(text: str | bytes, path: str = "<case>") -> Timeline:
    """Validate and resolve case-file text (str or bytes); raise CaseFileError naming `path`."""
    try:
        return _load(text, path)
    except CaseFileError as error:
        raise error.with_path(path) from None


def _load(text: str | bytes, path: str) -> Timeline:
    text = decode(text)
    try:
        data = read_events(text)  # a malformed file, or one over the limits, is refused here, located
        timeline = _load_valid(data, path, _may_hold_placeholder(text)) if isinstance(data, dict) else None
        if timeline is None:  # something is wrong: parse again, recording where every value was written
            timeline = _load_located(text, path)
        return timeline
    except CaseFileError as error:
        raise odd_indentation(text, error) or error from None


@gc_paused()
def load_document(data: dict, path: str, as_text: Callable[[dict], str] | None = None) -> Timeline:
    """A case document (the plain data a case file holds: an imported study's patient) validated and resolved as
    `load_case` does a file; `path` names it in messages. A valid document needs no text; one with a problem is
    written as YAML (by `as_text`, else yaml.safe_dump) and loaded again, so that its messages have lines and hints.
    Raises CaseFileError."""
    clean = _plainly_clean(data)
    timeline = None if not clean and _holds_hidden(data) else _load_valid(data, path, not clean)
    if timeline is not None:
        return timeline
    return load_text(as_text(data) if as_text else yaml.safe_dump(data, sort_keys=False, allow_unicode=True), path)


def _holds_hidden(value: Any) -> bool:
    """Whether a document holds a control or invisible character in any text (a key included): written as YAML,
    it is refused at the line of that text, as the same character in a case file is."""
    if isinstance(value, str):
        return hidden_in_value(value) is not None
    if isinstance(value, dict):
        return any(_holds_hidden(k) or _holds_hidden(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_hidden(v) for v in value)
    return False


def _may_hold_placeholder(text: str) -> bool:
    """Whether the plain data of a text may hold the placeholder: only where the text writes it, or writes an escape
    (in double quotes, "FILL\\x2DIN" is FILL-IN too). A text without either needs no look through its values."""
    return PLACEHOLDER in text or "\\" in text


def _plainly_clean(data: dict) -> bool:
    """Whether plain data certainly holds no hidden character (`_holds_hidden`) and no placeholder, read from its
    JSON text in one pass rather than walking every value in Python (the walks cost a sixth of loading a registry
    patient). False when in doubt, and the walks then decide: JSON writes a control character below U+0020 as an
    escape (\\b, \\f, \\u00XX; tab, line feed and carriage return are allowed text), every other character as
    it is."""
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # not plain data (a tuple as a key...), or nested too deep
        return False
    if "\\u00" in text or "\\b" in text or "\\f" in text or PLACEHOLDER in text:
        return False
    if text.isascii():  # every control character below U+0020 is escaped: only DEL is left to find
        return "\x7f" not in text
    return hidden_in_value(text) is None


def _load_valid(data: dict, path: str, placeholders: bool = True) -> Timeline | None:
    """The timeline of plain data without a single problem, else None (the located path then reports them).
    `placeholders`: whether the data may hold a placeholder to look for."""
    try:
        if placeholders and next(placeholder_fields(data), None) is not None:
            return None
        case = Case.model_validate(data)
        stem = Path(path).stem if path.endswith((".yaml", ".yml")) else None
        if validation.check_case(case, stem):
            return None
        timeline = resolve(case, path)
        return None if validation.check_timeline(timeline) else timeline
    except Exception:  # noqa: BLE001 -- the located path reports it, or raises it again if it is a bug
        return None


def _load_located(text: str, path: str) -> Timeline:
    data, source = parse_read(text)
    # A placeholder left to fill is named first: the message about it says what to write there.
    unfilled = [located_problem(source, f, m, h) for f, m, h in placeholder_fields(data)]
    if unfilled:
        raise CaseFileError(unfilled[:MAX_PROBLEMS])
    case = validate(data, source)
    stem = Path(path).stem if path.endswith((".yaml", ".yml")) else None
    problems = [located_problem(source, f, m, h) for f, m, h in validation.check_case(case, stem)]
    if problems:
        raise CaseFileError(problems[:MAX_PROBLEMS])
    try:
        timeline = resolve(case, path)
    except DateProblem as problem:
        if getattr(problem, "statements", None):
            raise CaseFileError([_clash(source, problem)]) from None
        field = getattr(problem, "field", ())
        raise CaseFileError([located_problem(source, field, problem.message, problem.hint)]) from None
    problems = [located_problem(source, field, message, hint)
                for field, message, hint in validation.check_timeline(timeline)]
    if problems:
        raise CaseFileError(problems[:MAX_PROBLEMS])
    return timeline


def validate(data: Any, source: SourceMap) -> Case:
    """The Case model of parsed data; pydantic's errors become located Problems."""
    try:
        return Case.model_validate(data)
    except ValidationError as error:
        raise CaseFileError(validation_problems(error, data, source)) from None


def _clash(source: SourceMap, problem: DateProblem) -> Problem:
    """Statements that cannot all hold, each named with the line it was written on; located at the first."""
    named = []
    for statement in problem.statements:
        position = source.locate(statement.field) if statement.field else None
        field = field_path(statement.field)
        where = f" (line {position[0]})" if position else ""
        named.append(f"{field + ' ' if field else ''}{statement.says}{where}")
    first = next((s.field for s in problem.statements if s.field), ())
    return located_problem(source, first, problem.message.format(*named), problem.hint)
