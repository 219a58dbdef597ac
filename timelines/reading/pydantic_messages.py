"""pydantic's validation errors as problems of a case file: located, in words, each with how to fix it."""

from __future__ import annotations

import re
from typing import Any, Callable

from pydantic import ValidationError

from ..errors import Problem, ValueProblem, did_you_mean
from ..kinds import KIND_SYNONYMS
from ..schema import KIND_MODELS, Case
from ..time.dates import DateProblem, duration_months
from .yaml_messages import quote, yaml_type
from .yaml_source import MAX_PROBLEMS, SourceMap, located_problem


def validation_problems(error: ValidationError, data: Any, source: SourceMap) -> list[Problem]:
    """The problems of the data that failed validation, located through the source map, in the order of the file."""
    errors = _informative(error.errors(include_url=False), data)
    return _first_problems(errors, data, source)


def _first_problems(errors: list[dict], data: Any, source: SourceMap) -> list[Problem]:
    """The first MAX_PROBLEMS distinct problems in the order of the file. Only the problems shown get a
    message, which is the costly part (suggestions): a hostile file can hold tens of thousands of errors."""
    def position(error: dict) -> tuple[int, int]:
        loc, at, prefer_key = _where(error, data)
        return source.locate(at if at is not None else loc, prefer_key=prefer_key) or (0, 0)

    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for error in sorted(errors, key=position):
        problem = _pydantic_problem(error, data, source)
        if (problem.field, problem.message) not in seen:
            seen.add((problem.field, problem.message))
            problems.append(problem)
            if len(problems) == MAX_PROBLEMS:
                break
    return problems


_TYPE_MISMATCHES = ("float_type", "float_parsing", "int_type", "int_parsing", "string_type", "list_type",
                    "dict_type", "model_type", "bool_type", "bool_parsing")


def _informative(errors: list[dict], data: Any) -> list[dict]:
    """Errors without those of a union's branch that only rejected the value's type when another branch
    took the type and says what is wrong inside it (months: [1, .nan] is a list, so 'expected a number'
    helps nobody); when every branch rejected the type, the first one speaks for all."""
    unions: dict[tuple, list[tuple[dict, bool]]] = {}
    for error in errors:
        parts = _loc_parts(error["loc"], data)
        branch = next((i for i, (_, role) in enumerate(parts) if role == "branch"), None)
        if branch is not None:
            place = tuple(part for part, role in parts[:branch] if role == "kept")
            mismatch = error["type"] in _TYPE_MISMATCHES and branch == len(parts) - 1
            unions.setdefault(place, []).append((error, mismatch))
    dropped: set[int] = set()
    for group in unions.values():
        mismatches = [id(error) for error, mismatch in group if mismatch]
        dropped.update(mismatches[1:] if len(mismatches) == len(group) else mismatches)
    return [error for error in errors if id(error) not in dropped]


def _clean_loc(loc: tuple, data: Any) -> tuple:
    """Drop pydantic's discriminator tags and union branch names from an error location."""
    return tuple(part for part, role in _loc_parts(loc, data) if role == "kept")


def _loc_parts(loc: tuple, data: Any) -> list[tuple[Any, str]]:
    """Each part of a pydantic error location with its role: kept, tag (an event's kind, inserted by the
    discriminated union) or branch (the name of a union member). A key the author wrote is kept even when
    it is spelled like a branch name (a field named 'list' or 'str')."""
    parts: list[tuple[Any, str]] = []
    node = data
    for i, part in enumerate(loc):
        written = (isinstance(node, dict) and part in node
                   or isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if isinstance(part, str) and part in KIND_MODELS and i >= 2 and loc[i - 2] == "events" \
                and isinstance(loc[i - 1], int):
            parts.append((part, "tag"))
        elif not written and isinstance(part, str) and ("[" in part or part in _BRANCH_NAMES):
            parts.append((part, "branch"))
        else:
            parts.append((part, "kept"))
            node = node[part] if written else None
    return parts


_BRANCH_NAMES = ("float", "int", "str", "list", "constrained-float")


def _pydantic_problem(error: dict, data: Any, source: SourceMap) -> Problem:
    loc, at, prefer_key = _where(error, data)
    message, hint = _what(error, loc, data)
    return located_problem(source, loc, message, hint, prefer_key=prefer_key, at=at)


def _where(error: dict, data: Any) -> tuple[tuple, tuple | None, bool]:
    """The field path of an error; where else to look for its line (a missing field is found at its
    parent); and whether its key rather than its value is the place (an unknown field)."""
    loc = _clean_loc(error["loc"], data)
    if error["type"] == "union_tag_invalid":
        return loc + ("kind",), None, False
    if error["type"] == "missing" and loc:
        return loc, loc[:-1], False
    return loc, None, error["type"] == "extra_forbidden"


Message = tuple[str, str]  # the message and its hint


def _what(error: dict, loc: tuple, data: Any) -> Message:
    """The message and hint of a pydantic error: its type's entry of _MESSAGES, or what pydantic says."""
    explain = _MESSAGES.get(error["type"])
    said = explain(error, loc, data) if explain else None
    return said or _as_pydantic_says(error)


def _as_pydantic_says(error: dict) -> Message:
    message, value = error["msg"], error.get("input")
    if value is not None and not isinstance(value, (dict, list)):
        message = f"{message}. Value: {_short(value)}"
    return message, "check this value against cases/README.md"


# Each explains one pydantic error type from the error, its field path and the document; None leaves it to
# _as_pydantic_says (an unknown or missing field without a path, say).

def _unknown_field(error: dict, loc: tuple, data: Any) -> Message | None:
    if not loc:
        return None
    name, model = loc[-1], _model_at(loc[:-1], data)
    fields = [f.alias or n for n, f in model.model_fields.items()] if model else []
    hint = did_you_mean(name, fields) if fields else "remove it, or check its spelling in cases/README.md"
    return f"Unknown field {quote(name)}{_describe(model)}", hint


def _missing_field(error: dict, loc: tuple, data: Any) -> Message | None:
    if not loc:
        return None
    name = loc[-1]
    return f"Missing required field '{name}'{_describe(_model_at(loc[:-1], data))}", f"add '{name}: ...'"


def _unknown_kind(error: dict, loc: tuple, data: Any) -> Message:
    value = error.get("input")
    written = value.get("kind") if isinstance(value, dict) else None
    message = f"Unknown event kind {quote(written)}" if isinstance(written, str) \
        else f"The event kind must be a word, got {yaml_type(written, article=True)}"
    meant = KIND_SYNONYMS.get(str(written).strip().lower().replace(" ", "_").replace("-", "_"))
    hint = f"did you mean {meant}? Valid: " + ", ".join(sorted(KIND_MODELS)) if meant else \
        did_you_mean(str(written), KIND_MODELS)
    return message, hint


def _no_kind(error: dict, loc: tuple, data: Any) -> Message:
    return "The event has no kind", "add 'kind: ...', one of " + ", ".join(KIND_MODELS)


def _not_allowed(error: dict, loc: tuple, data: Any) -> Message:
    value = error.get("input")
    options = re.findall(r"'([^']*)'|(\d+)", str((error.get("ctx") or {}).get("expected", "")))
    options = [a or b for a, b in options]
    hint = did_you_mean(value, options)
    if isinstance(value, bool):  # the Norway problem: YAML 1.1 reads no, yes, off and on as false and true
        hint = "YAML reads yes, no, on and off as true or false; put the word in quotes. " + hint[:1].upper() + hint[1:]
    elif isinstance(value, str) and value in options:
        hint = f"write {value} without quotes: it is a number"
    return f"{quote(_yaml_scalar(value))} is not one of the allowed values", hint


def _model_says(error: dict, loc: tuple, data: Any) -> Message:
    """A validator's own message: a ValueProblem's message and hint (a DateProblem's too), else its text."""
    said = (error.get("ctx") or {}).get("error", error["msg"])
    if isinstance(said, ValueProblem):
        return said.message, said.hint
    return str(said), ""


def _not_an_id(error: dict, loc: tuple, data: Any) -> Message:
    hint = ("a case id uses lowercase letters, digits and hyphens, e.g. 'lcnec-alk-lorlatinib'" if loc == ("id",)
            else "an id starts with a letter and uses letters, digits, '-' and '_' (no spaces or dots)")
    return f"{quote(error.get('input'))} is not a valid id", hint


def _wrong_type(error: dict, loc: tuple, data: Any) -> Message:
    kind, value = error["type"], error.get("input")
    if kind.startswith("float_") and isinstance(value, int) and not isinstance(value, bool):
        return f"The number {_short(value)} is too large", "check the value"  # an int beyond a float's range
    expected, hint = _TYPE_MESSAGES[kind]
    if loc[:1] == ("reported",) and "months" in loc and isinstance(value, str):
        hint = _months_hint(value)
    return f"Expected {expected}, got {yaml_type(value)}. Value: {_short(value)}", hint


def _empty_list(error: dict, loc: tuple, data: Any) -> Message | None:
    if not isinstance(error.get("input"), list):
        return None
    return "The list is empty", "add at least one entry"


def _out_of_bounds(error: dict, loc: tuple, data: Any) -> Message:
    bound, what, advice = _LIMITS[error["type"]]
    limit = (error.get("ctx") or {}).get(bound)
    limit = f"{limit:g}" if isinstance(limit, float) else str(limit)
    return f"{_short(error.get('input'))} {what} {limit}", f"{advice} {limit}"


def _text_too_long(error: dict, loc: tuple, data: Any) -> Message:
    limit = (error.get("ctx") or {}).get("max_length")
    hint = "shorten it" + ("; a case file holds summaries and quotes, not whole documents" if limit >= 1000 else "")
    return f"The text is {len(error.get('input')):,} characters long; at most {limit:,} are allowed", hint


def _months_hint(value: str) -> str:
    """For `months: 8 weeks`: keep the paper's unit (length:), never drop it, which would change the figure."""
    if value.strip().endswith("+") and value.strip()[:-1].strip().replace(".", "", 1).isdigit():
        return (f"a figure still running at the last follow-up ('{value.strip()}') is months: "
                f"{value.strip()[:-1].strip()} with censored: true")
    try:
        months = duration_months(value)
    except DateProblem:
        return "write the number of months, e.g. months: 25; or, when the paper gives another unit, " \
               "length: '8 weeks' in place of months:"
    return (f"the paper gives it in another unit: write length: {value.strip()} in place of months: "
            f"(it is compared as {months:.1f} months); do not drop the unit")


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


_LIMITS = {  # pydantic error type: the bound's name in ctx, what the value is, the advice
    "greater_than_equal": ("ge", "is below the smallest allowed value,", "write a value of at least"),
    "greater_than": ("gt", "is not above", "write a value above"),
    "less_than_equal": ("le", "is above the largest allowed value,", "write a value of at most"),
    "less_than": ("lt", "is not below", "write a value below"),
}


_MESSAGES: dict[str, Callable[[dict, tuple, Any], Message | None]] = {
    "extra_forbidden": _unknown_field,
    "missing": _missing_field,
    "union_tag_invalid": _unknown_kind,
    "union_tag_not_found": _no_kind,
    "literal_error": _not_allowed,
    "value_error": _model_says,
    "string_pattern_mismatch": _not_an_id,
    **dict.fromkeys(_TYPE_MESSAGES, _wrong_type),
    "too_short": _empty_list,
    **dict.fromkeys(_LIMITS, _out_of_bounds),
    "string_too_long": _text_too_long,
}


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, list, dict)) else _yaml_scalar(value)
    if len(text) <= 60:
        return text
    return text[:57] + ("...'" if isinstance(value, str) else "...") + f" ({len(text):,} characters)"


def _yaml_scalar(value: Any) -> str:
    """A scalar as YAML writes it: true, false and null rather than Python's True, False and None."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


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
    import typing

    from pydantic import BaseModel

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


def _describe(model) -> str:
    """' in a surgery event' for the model of an event kind, else nothing."""
    import typing

    kinds = typing.get_args(getattr(model.model_fields.get("kind"), "annotation", None)) if model else ()
    return f" in a {kinds[0]} event" if kinds else ""

