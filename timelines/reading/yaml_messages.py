"""What YAML got wrong, said for the author of a case file: syntax errors, YAML 1.1 numbers, odd keys."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import Problem
from .text_checks import char_at

TAG = "tag:yaml.org,2002:"
NUMBER_TAGS = (TAG + "int", TAG + "float")
SCALAR_NAMES = {TAG + "int": "a whole number", TAG + "float": "a number", TAG + "bool": "true or false",
                TAG + "null": "null"}
_NUMBER_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
    (r"unknown escape character", "A backslash in double quotes starts an escape that YAML does not know",
     "in double quotes write \\\\ for a backslash, or put the text in single quotes"),
    (r"while scanning an? (anchor|alias)", "An anchor (&) or alias (*) has no name",
     "write &name or *name, or put text that starts with & or * in quotes"),
    (r"while scanning a block scalar", "A block of text (| or >) is not written correctly",
     "after | or > put only an optional - or + and a digit, and start the text on the next line"),
    (r"incompatible YAML document", "The file declares a YAML version that this reader does not know",
     "remove the %YAML line"),
    (r"expected <document start>", "Text follows the end of the document (a '...' line)",
     "remove the '...' line, or the text after it"),
    (r"expected ',' or '[\]}]'", "A bracket ([ or {) is not closed, or two items have no comma between them",
     "close every [ with ] and every { with }, and separate the items with commas"),
    (r"expected node content", "A value starts with a bracket or comma that does not belong there",
     "check this line for a stray ], } or ','; put text that starts with one of them in quotes"),
)


def yaml_problem(error: yaml.MarkedYAMLError, text: str) -> Problem:
    """A YAML syntax error as a located problem in words, with how to fix it."""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    described = f"{error.context or ''} {error.problem or ''}"
    if mark and "cannot start any token" in described and char_at(text, mark.line, mark.column) == "\t":
        described = "tab character"  # libyaml does not say which character it found
    for pattern, message, hint in _YAML_HINTS:
        if re.search(pattern, described):
            return Problem(message, hint, line=line, column=column)
    return Problem(f"The file is not valid YAML: {(error.problem or error.context or 'syntax error').strip()}",
                   "check the indentation and quotes on this line and the one before", line=line, column=column)


def at_mark(mark, message: str, hint: str) -> Problem:
    """A problem located at a 0-based YAML mark."""
    return Problem(message, hint, line=mark.line + 1, column=mark.column + 1)


# Number forms of YAML 1.1 (which PyYAML follows) that YAML 1.2 reads as text: each silently gives a value other
# than the one written. A titre '1:40' would become 100, 'age: 050' would become 40.
_YAML11_NUMBERS = (
    (re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"),
     "YAML 1.1 reads numbers separated by colons in base 60, like a time",
     "quote it ('{text}') to keep it as written (a titre or a ratio of a lab value goes in finding: '{text}')"),
    (re.compile(r"[-+]?0[0-7_]+"), "YAML 1.1 reads a whole number with a leading zero as octal (base 8)",
     "write it without the leading zero ({plain}), or quote it ('{text}') if it is text"),
    (re.compile(r"[-+]?0x[0-9a-fA-F_]+"), "YAML 1.1 reads 0x as a hexadecimal number",
     "write the number in decimal ({value}), or quote it ('{text}') if it is text"),
    (re.compile(r"[-+]?0b[01_]+"), "YAML 1.1 reads 0b as a binary number",
     "write the number in decimal ({value}), or quote it ('{text}') if it is text"),
)


def yaml11_number(text: str) -> tuple[str, str] | None:
    """The message and hint for a plain number written in a form that YAML 1.1 reads unlike YAML 1.2, or None."""
    if ":" not in text and not text.lstrip("+-").startswith("0"):  # every such form has one: most numbers, fast
        return None
    for pattern, why, hint in _YAML11_NUMBERS:
        if pattern.fullmatch(text):
            try:
                value = _yaml11_value(text)
            except ValueError:  # '0x_': the form of a number without a digit, which YAML 1.1 cannot read
                return (f"{quote(text)} cannot be read: {why}, and it holds no digit",
                        f"quote it ('{text}') if it is text")
            plain = text.replace("_", "").lstrip("+-0") or "0"
            plain = ("-" if text.startswith("-") else "") + plain
            return (f"{quote(text)} would be read as the number {value}: {why}",
                    hint.format(text=text, value=value, plain=plain))
    return None


def _yaml11_value(text: str) -> str:
    value = yaml.load(text, Loader=_NUMBER_LOADER)  # noqa: S506 -- the safe loader, on one short number
    return f"{value:g}" if isinstance(value, float) else str(value)


def scalar_hint(node) -> str:
    """How to fix a tagged value that cannot be read as its tag's type."""
    if node.value.lstrip("+-").isdigit():
        return "a case holds no number that long; check the value, or quote it if it is text"
    return f"remove the tag {node.tag.replace(TAG, '!!')}, or write a value of that type"


def key_text(node) -> str:
    """A mapping key that is not text, in words: 'a list', 'the number '1''."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    kind = {TAG + "int": "the number", TAG + "float": "the number", TAG + "bool": "the truth value",
            TAG + "null": "null"}.get(node.tag, "the value")
    return kind if node.tag == TAG + "null" and node.value in ("", "~", "null") else f"{kind} {quote(node.value)}"


def quote(text: object, limit: int = 60) -> str:
    """A value quoted for a message, cut short so that a hostile value cannot flood it."""
    text = str(text)
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit - 3]}...' ({len(text):,} characters)"


def yaml_type(value: Any, article: bool = False) -> str:
    """The YAML name of a parsed value's type: text, number, list, mapping, true/false, null."""
    name = {list: "list", dict: "mapping", str: "text", int: "number", float: "number", bool: "true/false",
            type(None): "null"}.get(type(value), "value")
    return f"a {name}" if article and name in ("list", "mapping", "number", "value") else name
