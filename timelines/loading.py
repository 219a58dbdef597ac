"""Case files from YAML text to a resolved Timeline, with every problem located by file, line and field."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .dates import DateProblem
from .errors import CaseFileError, Problem, did_you_mean
from .schema import KIND_MODELS, Case
from .timeline import Timeline, resolve
from . import validation

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ALIAS_NODES = 10_000  # values reached through aliases: stops "billion laughs" expansions early
MAX_DEPTH = 64
MAX_PROBLEMS = 50

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_TIMESTAMP = _TAG + "timestamp"


class _CaseLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML that keeps dates as the text the author wrote (no timestamp conversion)."""


_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

Position = tuple[int, int]  # 1-based line and column


class SourceMap:
    """Where each field path of a document was written: keys and values, 1-based."""

    def __init__(self) -> None:
        self.keys: dict[tuple, Position] = {}
        self.values: dict[tuple, Position] = {}

    def locate(self, path: tuple, prefer_key: bool = False) -> Position | None:
        """The position of a field path, or of its nearest written parent."""
        path = tuple(path)
        while True:
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            if path in first:
                return first[path]
            if path in second:
                return second[path]
            if not path:
                return None
            path = path[:-1]


def load_case(path: str | os.PathLike) -> Timeline:
    """Read, validate and resolve a case file.

    Raises
    ------
    CaseFileError
        With every problem found, each located by file, line, column and field path.
    """
    path = Path(path)
    shown = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CaseFileError([Problem(
                f"The file is {size / 1e6:.1f} MB; case files may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB",
                "split the history into smaller cases, or check that this is the right file", path=shown)])
        data = path.read_bytes()
    except OSError as error:
        raise CaseFileError([Problem(f"Cannot read the file: {error.strerror or error}",
                                     "check the path and the file's permissions", path=shown)]) from None
    return load_text(data, shown)


def load_text(text: str | bytes, path: str = "<case>") -> Timeline:
    """Validate and resolve case-file text (str or bytes); raise CaseFileError naming `path`."""
    try:
        return _load(text, path)
    except CaseFileError as error:
        raise error.with_path(path) from None


def _load(text: str | bytes, path: str) -> Timeline:
    text = _decode(text)
    data, source = parse_yaml(text)
    case = validate(data, source)
    stem = Path(path).stem if path.endswith((".yaml", ".yml")) else None
    problems = [_problem(source, f, m, h) for f, m, h in validation.check_case(case, stem)]
    if problems:
        raise CaseFileError(problems[:MAX_PROBLEMS])
    try:
        timeline = resolve(case, path)
    except DateProblem as problem:
        field = getattr(problem, "field", ())
        raise CaseFileError([_problem(source, field, problem.message, problem.hint)]) from None
    problems = [_problem(source, field, message, hint) for field, message, hint in validation.check_timeline(timeline)]
    if problems:
        raise CaseFileError(problems[:MAX_PROBLEMS])
    return timeline


def _decode(text: str | bytes) -> str:
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise CaseFileError([Problem(f"The text is {len(text) / 1e6:.1f} MB; case files may be at most "
                                         f"{MAX_FILE_BYTES // (1024 * 1024)} MB", "check that this is the right file")])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            line = text.count(b"\n", 0, error.start) + 1
            column = error.start - (text.rfind(b"\n", 0, error.start) + 1) + 1
            raise CaseFileError([Problem(
                f"Byte 0x{text[error.start]:02x} is not UTF-8 text",
                "save the file as UTF-8 (in most editors: Save with encoding, UTF-8)", line=line, column=column)]) from None
    if len(text) > MAX_FILE_BYTES:
        raise CaseFileError([Problem("The text is too large for a case file",
                                     f"case files may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB")])
    return text.lstrip("\ufeff")


# ---------------------------------------------------------------- YAML

def parse_yaml(text: str) -> tuple[Any, SourceMap]:
    """Parse YAML safely into plain data and a SourceMap; duplicate keys, tags and bombs are errors."""
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise CaseFileError([Problem("The file is empty", "start from cases/_template.yaml", line=1, column=1)])
    loader = _CaseLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise CaseFileError([_yaml_problem(error, text)]) from None
    except yaml.YAMLError as error:
        raise CaseFileError([Problem(f"The file is not valid YAML: {error}", "check the indentation and quotes")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise CaseFileError([Problem("The file is empty", "start from cases/_template.yaml", line=1, column=1)])
    source = SourceMap()
    builder = _Builder(loader, source)
    data = builder.build(node, (), 0)
    if builder.problems:
        raise CaseFileError(builder.problems[:MAX_PROBLEMS])
    if not isinstance(data, dict):
        raise CaseFileError([Problem("The file must be a mapping of fields (schema:, id:, title:, ...), "
                                     f"not a {_yaml_type(data)}", "start from cases/_template.yaml",
                                     line=node.start_mark.line + 1, column=node.start_mark.column + 1)])
    return data, source


class _Builder:
    """Turn a composed YAML node tree into plain data, recording where every key and value was written."""

    def __init__(self, loader, source: SourceMap):
        self.loader = loader
        self.source = source
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.alias_nodes = 0

    def build(self, node, path: tuple, depth: int, via_alias: bool = False):
        if id(node) in self.seen:
            via_alias = True
        self.seen.add(id(node))
        if via_alias:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise CaseFileError([self._at(node, "Anchors and aliases (& and *) expand to more than "
                                             f"{MAX_ALIAS_NODES:,} values",
                                             "write the values out instead of repeating an alias")])
        if depth > MAX_DEPTH:
            raise CaseFileError([self._at(node, f"The document is nested more than {MAX_DEPTH} levels deep",
                                          "case files need only a few levels; check the indentation")])
        self.source.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth, via_alias)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                return self._bad_tag(node)
            return [self.build(child, path + (i,), depth + 1, via_alias) for i, child in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node, path, depth, via_alias):
        if node.tag != _TAG + "map":
            return self._bad_tag(node)
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.problems.append(self._at(key_node, "Merge keys (<<) are not supported",
                                              "write the fields out in full"))
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _TAG + "str":
                self.problems.append(self._at(key_node, f"A field name must be text, got {key_node.value!r}",
                                              "field names are words such as 'date' or 'label'; quote it if it must be a number"))
                continue
            key = key_node.value
            if key in result:
                first = self.source.keys.get(path + (key,))
                where = f" (first written on line {first[0]})" if first else ""
                self.problems.append(self._at(key_node, f"Duplicate key '{key}'{where}",
                                              "a field may appear only once in a mapping; keep one and delete the other"))
                continue
            self.source.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, path + (key,), depth + 1, via_alias)
        return result

    def _scalar(self, node):
        tag = node.tag
        if tag == _TAG + "str":
            return node.value
        if tag in (_TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"):
            return self.loader.construct_object(node)
        if tag == _TIMESTAMP:
            return node.value
        return self._bad_tag(node)

    def _bad_tag(self, node):
        tag = node.tag.replace(_TAG, "!!")
        self.problems.append(self._at(node, f"The YAML tag '{tag}' is not allowed in a case file",
                                      "case files hold plain text, numbers, lists and mappings; remove the tag"))
        return None

    @staticmethod
    def _at(node, message: str, hint: str) -> Problem:
        return Problem(message, hint, line=node.start_mark.line + 1, column=node.start_mark.column + 1)


_YAML_HINTS = (
    (r"found character '\\t'|'\t'|tab character", "A tab character is used where YAML expects spaces",
     "indent with spaces only; most editors can convert tabs to spaces"),
    (r"mapping values are not allowed", "A colon followed by a space appears inside a value",
     "put text that contains ': ' in quotes, or check the indentation of this line"),
    (r"could not find expected ':'", "A line is not of the form 'field: value'",
     "check this line and the one before it for a missing ':' or an unclosed quote"),
    (r"found undefined alias", "An alias (*name) refers to an anchor (&name) that is not defined",
     "define the anchor first, or write the value out"),
    (r"expected a single document", "The file holds more than one YAML document (a second '---')",
     "keep one case per file; remove the extra '---' line"),
    (r"while scanning a quoted scalar|found unexpected end of stream", "A quote is opened but never closed",
     "close the quote, or remove it"),
    (r"did not find expected key|expected <block end>", "The indentation of this line does not match the lines around it",
     "line up fields of the same mapping at the same column, using spaces"),
    (r"did not find expected '-' indicator", "A list item is not indented like the items before it",
     "start every item of a list with '- ' at the same column"),
)


def _yaml_problem(error: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    described = f"{error.context or ''} {error.problem or ''}"
    for pattern, message, hint in _YAML_HINTS:
        if re.search(pattern, described):
            return Problem(message, hint, line=line, column=column)
    return Problem(f"The file is not valid YAML: {(error.problem or error.context or 'syntax error').strip()}",
                   "check the indentation and quotes on this line and the one before", line=line, column=column)


def _yaml_type(value: Any) -> str:
    return {list: "list", dict: "mapping", str: "text", int: "number", float: "number",
            bool: "true/false"}.get(type(value), "value")


# ---------------------------------------------------------------- validation

def validate(data: Any, source: SourceMap) -> Case:
    """The Case model of parsed data; pydantic's errors become located Problems."""
    try:
        return Case.model_validate(data)
    except ValidationError as error:
        problems = [_pydantic_problem(e, data, source) for e in error.errors(include_url=False)]
        raise CaseFileError(_unique(problems)[:MAX_PROBLEMS]) from None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, result = set(), []
    for p in problems:
        if (p.field, p.message) not in seen:
            seen.add((p.field, p.message))
            result.append(p)
    return sorted(result, key=lambda p: (p.line or 0, p.column or 0))


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's discriminator tags and union branch names from an error location."""
    clean: list = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in KIND_MODELS and i >= 2 and loc[i - 2] == "events":
            continue
        if isinstance(part, str) and ("[" in part or part in ("float", "int", "str", "list", "constrained-float")):
            continue
        clean.append(part)
    return tuple(clean)


def field_path(loc: tuple) -> str:
    """events[3].end from ('events', 3, 'end')."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pydantic_problem(error: dict, data: Any, source: SourceMap) -> Problem:
    loc = _clean_loc(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    message, hint = error["msg"], ""
    prefer_key = False
    if kind == "extra_forbidden":
        name = loc[-1]
        model = _model_at(loc[:-1], data)
        fields = [f.alias or n for n, f in model.model_fields.items()] if model else []
        what = f"{_describe(model, loc[:-1], data)}"
        message, hint = f"Unknown field '{name}'{what}", did_you_mean(name, fields) if fields else ""
        prefer_key = True
    elif kind == "missing":
        name = loc[-1]
        model = _model_at(loc[:-1], data)
        message = f"Missing required field '{name}'{_describe(model, loc[:-1], data)}"
        hint = f"add '{name}: ...'"
        loc_for_line = loc[:-1]
        return _problem(source, loc, message, hint, at=loc_for_line)
    elif kind == "union_tag_invalid":
        message = f"Unknown event kind '{ctx.get('tag')}'"
        hint = did_you_mean(ctx.get("tag"), KIND_MODELS)
        loc = loc + ("kind",)
    elif kind == "union_tag_not_found":
        message = "The event has no kind"
        hint = "add 'kind: ...', one of " + ", ".join(KIND_MODELS)
    elif kind == "literal_error":
        options = re.findall(r"'([^']*)'|(\d+)", str(ctx.get("expected", "")))
        options = [a or b for a, b in options]
        message = f"'{value}' is not one of the allowed values"
        hint = did_you_mean(value, options)
    elif kind == "value_error" and isinstance(ctx.get("error"), DateProblem):
        problem = ctx["error"]
        message, hint = problem.message, problem.hint
    elif kind == "value_error":
        message, _, hint = str(ctx.get("error", message)).partition(" Hint: ")
    elif kind == "string_pattern_mismatch":
        message = f"'{value}' is not a valid id"
        hint = ("a case id uses lowercase letters, digits and hyphens, e.g. 'lcnec-alk-lorlatinib'" if loc == ("id",)
                else "an id starts with a letter and uses letters, digits, '-' and '_' (no spaces or dots)")
    elif kind in _TYPE_MESSAGES:
        expected, hint = _TYPE_MESSAGES[kind]
        message = f"Expected {expected}, got {_yaml_type(value)}. Value: {_short(value)}"
    elif kind in ("too_short",) and isinstance(value, list):
        message = "The list is empty"
        hint = "add at least one entry"
    else:
        message = f"{message}. Value: {_short(value)}" if value is not None and not isinstance(value, (dict, list)) else message
    return _problem(source, loc, message, hint, prefer_key=prefer_key)


_TYPE_MESSAGES = {
    "int_parsing": ("a whole number", "write digits only, e.g. 6"),
    "int_type": ("a whole number", "write digits only, e.g. 6"),
    "int_from_float": ("a whole number", "write a whole number, e.g. 6"),
    "float_parsing": ("a number", "write the number alone, without its unit (a lab value's unit goes in unit:)"),
    "float_type": ("a number", "write the number alone, without its unit"),
    "finite_number": ("a finite number", "NaN and infinity are not values a case can hold"),
    "string_type": ("text", "put the value in quotes"),
    "bool_parsing": ("true or false", "write true or false"),
    "bool_type": ("true or false", "write true or false"),
    "list_type": ("a list", "write each item on its own line starting with '- '"),
    "model_type": ("a mapping of fields", "write 'field: value' lines, indented under this one"),
    "dict_type": ("a mapping of fields", "write 'field: value' lines, indented under this one"),
    "model_attributes_type": ("a mapping of fields", "write 'field: value' lines, indented under this one"),
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _model_at(loc: tuple, data: Any):
    """The pydantic model class that validates the mapping at loc (None when unknown)."""
    from pydantic import BaseModel

    model: Any = Case
    pending = None  # the annotation of the field just entered
    node = data
    for part in loc:
        if isinstance(part, int):
            pending = _item_type(pending)
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if pending is not None:
            model, pending = _inner_model(pending, node), None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return None
        pending = field.annotation
        node = node.get(part) if isinstance(node, dict) else None
    if pending is not None:
        model = _inner_model(pending, node)
    return model if isinstance(model, type) else None


def _item_type(annotation):
    import typing

    if annotation is None:
        return None
    if typing.get_origin(annotation) is typing.Annotated:
        return _item_type(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    for arg in typing.get_args(annotation):
        item = _item_type(arg) if arg is not type(None) else None
        if item is not None:
            return item
    return None


def _inner_model(annotation, node):
    from pydantic import BaseModel
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and typing.get_origin(annotation) is typing.Annotated:
        return _inner_model(args[0], node)
    models = [found for found in (_inner_model(arg, node) for arg in args) if found is not None]
    if len(models) == 1:
        return models[0]
    if models and isinstance(node, dict) and node.get("kind") in KIND_MODELS:
        return KIND_MODELS[node["kind"]]
    return None


def _describe(model, loc: tuple, data: Any) -> str:
    if model is None:
        return ""
    kind = getattr(model.model_fields.get("kind"), "annotation", None)
    if kind is not None and typing_args(kind):
        return f" in a {typing_args(kind)[0]} event"
    return ""


def typing_args(annotation) -> tuple:
    import typing

    return typing.get_args(annotation)


def _problem(source: SourceMap, loc: tuple, message: str, hint: str, prefer_key: bool = False,
             at: tuple | None = None) -> Problem:
    position = source.locate(at if at is not None else loc, prefer_key=prefer_key)
    line, column = position if position else (None, None)
    return Problem(message, hint, field=field_path(loc), line=line, column=column)
