"""Case files from YAML text to a resolved Timeline, with every problem located by file, line and field."""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .dates import DateProblem, duration_months
from .errors import CaseFileError, Problem, did_you_mean
from .files import MAX_FILE_BYTES, read_inside, shown_path
from .kinds import KIND_SYNONYMS
from .schema import KIND_MODELS, Case
from .timeline import Timeline, resolve
from . import validation

MAX_ALIAS_NODES = 10_000  # values reached through aliases: stops "billion laughs" expansions early
MAX_DEPTH = 64
MAX_NODES = 200_000  # keys, values and list items: a 10,000-event case holds 60,000 to 150,000
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


def load_text(text: str | bytes, path: str = "<case>") -> Timeline:
    """Validate and resolve case-file text (str or bytes); raise CaseFileError naming `path`."""
    try:
        return _load(text, path)
    except CaseFileError as error:
        raise error.with_path(path) from None


def _load(text: str | bytes, path: str) -> Timeline:
    text = _decode(text)
    timeline = _load_valid(text, path)
    if timeline is not None:
        return timeline
    # Something is wrong: parse again, recording where every value was written, so each problem has its line.
    try:
        return _load_located(text, path)
    except CaseFileError as error:
        raise _odd_indentation(text, error) or error from None


def _load_located(text: str, path: str) -> Timeline:
    data, source = parse_yaml(text)
    case = validate(data, source)
    stem = Path(path).stem if path.endswith((".yaml", ".yml")) else None
    problems = [_problem(source, f, m, h) for f, m, h in validation.check_case(case, stem)]
    if problems:
        raise CaseFileError(problems[:MAX_PROBLEMS])
    try:
        timeline = resolve(case, path)
    except DateProblem as problem:
        if getattr(problem, "statements", None):
            raise CaseFileError([_clash(source, problem)]) from None
        field = getattr(problem, "field", ())
        raise CaseFileError([_problem(source, field, problem.message, problem.hint)]) from None
    problems = [_problem(source, field, message, hint) for field, message, hint in validation.check_timeline(timeline)]
    if problems:
        raise CaseFileError(problems[:MAX_PROBLEMS])
    return timeline


# Spaces that YAML does not read as spaces: in the indentation they shift a line into another value.
_ODD_INDENT = re.compile(r"^[ \t]*([\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000])", re.M)


def _odd_indentation(text: str, error: CaseFileError) -> CaseFileError | None:
    """When a file with problems indents a line (up to the first problem's) with a no-break or other unusual
    space, that space is the cause to name: the problem YAML reports is only its consequence."""
    found = _ODD_INDENT.search(text)
    if found is None:
        return None
    line, column = _line_column(text[:found.start(1)])
    if error.first.line is not None and line > error.first.line:
        return None
    char = found.group(1)
    name = unicodedata.name(char, "an unusual space").lower()
    return CaseFileError([Problem(
        f"This line is indented with U+{ord(char):04X} ({name}), which looks like a space but is not one to YAML",
        "replace it with ordinary spaces; it comes with text pasted from a web page or a word processor",
        line=line, column=column)])


def _decode(text: str | bytes) -> str:
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise CaseFileError([Problem(f"The text is {len(text) / 1e6:.1f} MB; case files may be at most "
                                         f"{MAX_FILE_BYTES // (1024 * 1024)} MB", "check that this is the right file")])
        _refuse_wide_encodings(text)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            line, column = _line_column(text[:error.start].decode("utf-8"))
            raise CaseFileError([Problem(
                f"Byte 0x{text[error.start]:02x} is not UTF-8 text",
                "save the file as UTF-8 (in most editors: Save with encoding, UTF-8)", line=line, column=column)]) from None
    if len(text) > MAX_FILE_BYTES:
        raise CaseFileError([Problem("The text is too large for a case file",
                                     f"case files may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB")])
    text = text.lstrip("\ufeff")
    _refuse_unprintable(text)
    return text


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
_SAVE_AS_UTF8 = "save it again as UTF-8 (in most editors: Save with encoding, UTF-8)"


def _refuse_wide_encodings(data: bytes) -> None:
    """UTF-16 and UTF-32 files (Windows Notepad's "Unicode") are refused by name, not byte by byte."""
    encoding = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
    sample = data[:400]
    if encoding is None and len(sample) >= 4:
        # Without a byte order mark, ASCII saved as UTF-16 has a zero byte in every other position.
        if max(sample[0::2].count(0), sample[1::2].count(0)) >= 0.9 * (len(sample) // 2):
            encoding = "UTF-16"
    if encoding:
        raise CaseFileError([Problem(f"The file is saved as {encoding} text; case files must be UTF-8",
                                     _SAVE_AS_UTF8, line=1, column=1)])


# YAML allows tab, line breaks and printable characters only (YAML 1.1, section 5.1); libyaml refuses the
# others without saying where, and a lone surrogate cannot even be handed to it.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


# Characters that change what a reader sees without being seen: the bidirectional controls reorder text
# ("Response \u202eDP\u202c confirmed" shows as the reverse of what is stored), and zero-width ones make two
# different ids or words look the same.
_INVISIBLE = {
    **{chr(c): "a bidirectional control, which reorders the text around it on screen" for c in range(0x202A, 0x202F)},
    **{chr(c): "a bidirectional control, which reorders the text around it on screen" for c in range(0x2066, 0x206A)},
    **{c: "an invisible direction mark" for c in "\u200e\u200f\u061c"},
    **{c: "an invisible zero-width character" for c in "\u200b\u2060\ufeff\u180e"},
    "\u00ad": "an invisible hyphenation point",
}
_INVISIBLE_FOUND = re.compile("[" + "".join(_INVISIBLE) + "]")


def _refuse_unprintable(text: str) -> None:
    _refuse_invisible(text)
    found = _UNPRINTABLE.search(text)
    if found is None:
        return
    char = found.group()
    line, column = _line_column(text[:found.start()])
    if char == "\x00":
        message = "The file contains a NUL character (U+0000)"
        hint = "case files are plain text; NUL comes from a binary file or from text saved as UTF-16: " + _SAVE_AS_UTF8
    elif "\ud800" <= char <= "\udfff":
        message = f"The text contains U+{ord(char):04X}, half of a character (a lone surrogate)"
        hint = _SAVE_AS_UTF8
    elif char >= "\ufffe":
        message = f"The file contains U+{ord(char):04X}, which is not a character"
        hint = "delete it; it may come from a damaged file or a wrong conversion"
    else:
        message = f"The file contains the invisible control character U+{ord(char):04X}"
        hint = "delete it; such characters often come with text pasted from a PDF or a word processor"
    raise CaseFileError([Problem(message, hint, line=line, column=column)])


def _refuse_invisible(text: str) -> None:
    found = _INVISIBLE_FOUND.search(text)
    if found is None:
        return
    char = found.group()
    line, column = _line_column(text[:found.start()])
    name = unicodedata.name(char, "").lower()
    raise CaseFileError([Problem(
        f"The file contains U+{ord(char):04X}" + (f" ({name})" if name else "") + f", {_INVISIBLE[char]}",
        "delete it: it is at the column given, and most editors do not show it; such "
        "characters come with text pasted from a web page, a PDF or a word processor", line=line, column=column)])


def _line_column(before: str) -> Position:
    """1-based line and column of the character after `before`, counting line breaks as YAML does."""
    line, start = 1, 0
    for match in _LINE_BREAK.finditer(before):
        line, start = line + 1, match.end()
    return line, len(before) - start + 1


# ---------------------------------------------------------------- valid files, fast

def _load_valid(text: str, path: str) -> Timeline | None:
    """The timeline of a case file without a single problem, else None.

    Most files are valid, and for them the line of each value is never needed: one pass over the parser's
    events builds the data while keeping the first pass's bounds (nodes, depth), and anything out of the
    ordinary (an alias, a tag, a duplicate or non-text key, more than one document) gives up at once. Whatever
    went wrong, the located path (`parse_yaml`, `validate`, ...) then runs from the start and reports it."""
    try:
        data = _fast_data(text)
        if not isinstance(data, dict):
            return None
        case = Case.model_validate(data)
        stem = Path(path).stem if path.endswith((".yaml", ".yml")) else None
        if validation.check_case(case, stem):
            return None
        timeline = resolve(case, path)
        return None if validation.check_timeline(timeline) else timeline
    except Exception:  # noqa: BLE001 -- the located path reports it, or raises it again if it is a bug
        return None


class _Irregular(Exception):
    """The text holds something the fast path leaves to the located path."""


_SCALAR_RESOLVERS = {first: tuple(resolvers) for first, resolvers in _CaseLoader.yaml_implicit_resolvers.items()}
_PLAIN_TAGS = (None, "!")  # no tag written: the tag comes from the value (plain) or is text (quoted)
_STR = _TAG + "str"


def _fast_data(text: str) -> Any:
    """Plain data of a single-document YAML text, built from the parser's events; _Irregular for anything
    that the located path would report or handle (aliases, anchors, tags, keys that are not unique text)."""
    loader = _CaseLoader(text)
    try:
        return _from_events(loader)
    finally:
        loader.dispose()


def _from_events(loader) -> Any:
    # A stack of the collections being filled; a mapping's entry holds its pending key (or _NO_KEY).
    stack: list[list] = []
    root: list = [[], None]  # the document, as a list of one value
    nodes = documents = 0
    check, get = loader.check_event, loader.get_event
    while check():
        event = get()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value = _fast_scalar(loader, event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None or event.tag not in _PLAIN_TAGS or len(stack) >= MAX_DEPTH:
                raise _Irregular
            nodes += 1
            stack.append([{}, _NO_KEY] if kind is yaml.MappingStartEvent else [[], None])
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value = stack.pop()[0]
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Irregular
            continue
        elif kind is yaml.AliasEvent:
            raise _Irregular
        else:  # stream start and end, document end
            continue
        nodes += kind is yaml.ScalarEvent
        if nodes > MAX_NODES:
            raise _Irregular
        _add(stack[-1] if stack else root, value, kind is yaml.ScalarEvent)
    if len(root[0]) != 1:
        raise _Irregular
    return root[0][0]


_NO_KEY = object()


def _add(into: list, value: Any, scalar: bool) -> None:
    """Put a finished value into the collection being filled (a list, or a mapping as key then value)."""
    container, key = into
    if key is None:
        container.append(value)
    elif key is _NO_KEY:
        if not scalar or type(value) is not str or value in container:
            raise _Irregular  # a key that is not text, or written twice
        into[1] = value
    else:
        container[key] = value
        into[1] = _NO_KEY


def _fast_scalar(loader, event) -> Any:
    if event.anchor is not None or event.tag not in _PLAIN_TAGS:
        raise _Irregular
    value = event.value
    if not event.implicit[0]:  # quoted, or a block of text
        return value
    for tag, pattern in _SCALAR_RESOLVERS.get(value[:1], ()) + _SCALAR_RESOLVERS.get(None, ()):
        if pattern.match(value):
            break
    else:
        return value
    if tag == _STR:
        return value
    if tag not in _SCALAR_NAMES:
        raise _Irregular  # merge keys ('<<') and any other implicit tag
    if tag in _NUMBER_TAGS and _yaml11_number(value):
        raise _Irregular  # a number YAML 1.1 reads otherwise: the located path says so
    return loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))


# ---------------------------------------------------------------- YAML

def parse_yaml(text: str) -> tuple[Any, SourceMap]:
    """Parse YAML safely into plain data and a SourceMap; duplicate keys, tags and bombs are errors."""
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise CaseFileError([Problem("The file is empty", "start from cases/_template.yaml", line=1, column=1)])
    node, loader = _compose(text)
    if node is None or isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "null" and not node.value:  # '---'
        raise CaseFileError([Problem("The file is empty", "start from cases/_template.yaml", line=1, column=1)])
    source = SourceMap()
    builder = _Builder(loader, source)
    data = builder.build(node, (), 0)
    if builder.problems:
        raise CaseFileError(builder.problems[:MAX_PROBLEMS])
    if not isinstance(data, dict):
        raise CaseFileError([Problem("The file must be a mapping of fields (schema:, id:, title:, ...), "
                                     f"not {_yaml_type(data, article=True)}", "start from cases/_template.yaml",
                                     line=node.start_mark.line + 1, column=node.start_mark.column + 1)])
    return data, source


def _compose(text: str):
    """The node tree of a single-document YAML text, and the loader that composed it.

    A first pass over the parser's events checks that the document is small and shallow enough:
    composing is recursive (in C, where a deep document overflows the stack) and costs memory per node,
    so a deeply nested or huge document must be refused before it is composed."""
    _parse(text, _check_events)
    return _parse(text, _CaseLoader.get_single_node)


def _parse(text: str, step):
    loader = _CaseLoader(text)
    try:
        return step(loader), loader
    except yaml.MarkedYAMLError as error:
        raise CaseFileError([_yaml_problem(error, text)]) from None
    except yaml.YAMLError as error:
        raise CaseFileError([Problem(f"The file is not valid YAML: {error}", "check the indentation and quotes")]) from None
    finally:
        loader.dispose()


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def _check_events(loader) -> None:
    nodes = depth = 0
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, _NODE_EVENTS):
            nodes += 1
            if nodes > MAX_NODES:
                raise CaseFileError([_at_mark(event.start_mark, f"The file holds more than {MAX_NODES:,} values",
                                              "a case needs far fewer; split it, or check that this is a case file")])
            if depth > MAX_DEPTH:
                raise CaseFileError([_at_mark(event.start_mark, _TOO_DEEP, _TOO_DEEP_HINT)])
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


_TOO_DEEP = f"The document is nested more than {MAX_DEPTH} levels deep"
_TOO_DEEP_HINT = "case files need only a few levels; check the indentation"


def _at_mark(mark, message: str, hint: str) -> Problem:
    return Problem(message, hint, line=mark.line + 1, column=mark.column + 1)


class _Builder:
    """Turn a composed YAML node tree into plain data, recording where every key and value was written."""

    def __init__(self, loader, source: SourceMap):
        self.loader = loader
        self.source = source
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.inside: set[int] = set()  # the collections that contain the node being built
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
        if id(node) in self.inside:
            raise CaseFileError([self._at(node, "An alias (*) inside this value refers to the value's own anchor (&), "
                                                "so the value would contain itself",
                                          "write the inner value out instead of referring to the anchor")])
        if depth > MAX_DEPTH:
            raise CaseFileError([self._at(node, _TOO_DEEP, _TOO_DEEP_HINT)])
        self.source.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self.inside.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth, via_alias)
            if node.tag != _TAG + "seq":
                return self._bad_tag(node)
            return [self.build(child, path + (i,), depth + 1, via_alias) for i, child in enumerate(node.value)]
        finally:
            self.inside.discard(id(node))

    def _mapping(self, node, path, depth, via_alias):
        if node.tag != _TAG + "map":
            return self._bad_tag(node)
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self._report(key_node, "Merge keys (<<) are not supported", "write the fields out in full")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _TAG + "str":
                self._report(key_node, f"A field name must be text, got {_key_text(key_node)}",
                             "field names are words such as 'date' or 'label'; quote it if it must be a number")
                continue
            key = key_node.value
            if key in result:
                first = self.source.keys.get(path + (key,))
                where = f" (first written on line {first[0]})" if first else ""
                self._report(key_node, f"Duplicate key {_quote(key)}{where}",
                             "a field may appear only once in a mapping; keep one and delete the other")
                continue
            self.source.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, path + (key,), depth + 1, via_alias)
        return result

    def _scalar(self, node):
        tag = node.tag
        if tag == _TAG + "str":
            return node.value
        if tag in _NUMBER_TAGS and not node.style and (problem := _yaml11_number(node.value)):
            self._report(node, *problem)
            return None
        if tag in (_TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"):
            try:
                return self.loader.construct_object(node)
            except (ValueError, KeyError, ArithmeticError):  # an explicit !!int on text; more digits than Python reads
                self._report(node, f"The value {_quote(node.value)} cannot be read as {_SCALAR_NAMES[tag]}",
                             _scalar_hint(node))
                return None
        if tag == _TIMESTAMP:
            return node.value
        return self._bad_tag(node)

    def _bad_tag(self, node):
        tag = node.tag.replace(_TAG, "!!")
        self._report(node, f"The YAML tag {_quote(tag)} is not allowed in a case file",
                     "case files hold plain text, numbers, lists and mappings; remove the tag")
        return None

    def _report(self, node, message: str, hint: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:  # a file of a hundred thousand duplicate keys shows the first few
            self.problems.append(self._at(node, message, hint))

    @staticmethod
    def _at(node, message: str, hint: str) -> Problem:
        return _at_mark(node.start_mark, message, hint)


_SCALAR_NAMES = {_TAG + "int": "a whole number", _TAG + "float": "a number", _TAG + "bool": "true or false",
                 _TAG + "null": "null"}


_NUMBER_TAGS = (_TAG + "int", _TAG + "float")
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


def _yaml11_number(text: str) -> tuple[str, str] | None:
    """The message and hint for a plain number written in a form that YAML 1.1 reads unlike YAML 1.2, or None."""
    if ":" not in text and not text.lstrip("+-").startswith("0"):  # every such form has one: most numbers, fast
        return None
    for pattern, why, hint in _YAML11_NUMBERS:
        if pattern.fullmatch(text):
            value = _yaml11_value(text)
            plain = text.replace("_", "").lstrip("+-0") or "0"
            plain = ("-" if text.startswith("-") else "") + plain
            return (f"{_quote(text)} would be read as the number {value}: {why}",
                    hint.format(text=text, value=value, plain=plain))
    return None


def _yaml11_value(text: str) -> str:
    value = yaml.load(text, Loader=_BaseLoader)  # noqa: S506 -- the safe loader, on one short number
    return f"{value:g}" if isinstance(value, float) else str(value)


def _scalar_hint(node) -> str:
    if node.value.lstrip("+-").isdigit():
        return "a case holds no number that long; check the value, or quote it if it is text"
    return f"remove the tag {node.tag.replace(_TAG, '!!')}, or write a value of that type"


def _key_text(node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    kind = {_TAG + "int": "the number", _TAG + "float": "the number", _TAG + "bool": "the truth value",
            _TAG + "null": "null"}.get(node.tag, "the value")
    return kind if node.tag == _TAG + "null" and node.value in ("", "~", "null") else f"{kind} {_quote(node.value)}"


def _quote(text: object, limit: int = 60) -> str:
    """A value quoted for a message, cut short so that a hostile value cannot flood it."""
    text = str(text)
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit - 3]}...' ({len(text):,} characters)"


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


def _yaml_problem(error: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    described = f"{error.context or ''} {error.problem or ''}"
    if mark and "cannot start any token" in described and _char_at(text, mark.line, mark.column) == "\t":
        described = "tab character"  # libyaml does not say which character it found
    for pattern, message, hint in _YAML_HINTS:
        if re.search(pattern, described):
            return Problem(message, hint, line=line, column=column)
    return Problem(f"The file is not valid YAML: {(error.problem or error.context or 'syntax error').strip()}",
                   "check the indentation and quotes on this line and the one before", line=line, column=column)


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based YAML mark."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    index = starts[line] + column if line < len(starts) else len(text)
    return text[index] if index < len(text) else ""


def _yaml_type(value: Any, article: bool = False) -> str:
    name = {list: "list", dict: "mapping", str: "text", int: "number", float: "number", bool: "true/false",
            type(None): "null"}.get(type(value), "value")
    return f"a {name}" if article and name in ("list", "mapping", "number", "value") else name


# ---------------------------------------------------------------- validation

def validate(data: Any, source: SourceMap) -> Case:
    """The Case model of parsed data; pydantic's errors become located Problems."""
    try:
        return Case.model_validate(data)
    except ValidationError as error:
        errors = _informative(error.errors(include_url=False), data)
        raise CaseFileError(_first_problems(errors, data, source)) from None


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


def field_path(loc: tuple) -> str:
    """events[3].end from ('events', 3, 'end')."""
    text = ""
    for part in loc:
        part = part if isinstance(part, int) or len(str(part)) <= 60 else f"{str(part)[:57]}..."
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pydantic_problem(error: dict, data: Any, source: SourceMap) -> Problem:
    loc, at, prefer_key = _where(error, data)
    message, hint = _what(error, loc, data)
    return _problem(source, loc, message, hint, prefer_key=prefer_key, at=at)


def _where(error: dict, data: Any) -> tuple[tuple, tuple | None, bool]:
    """The field path of an error; where else to look for its line (a missing field is found at its
    parent); and whether its key rather than its value is the place (an unknown field)."""
    loc = _clean_loc(error["loc"], data)
    if error["type"] == "union_tag_invalid":
        return loc + ("kind",), None, False
    if error["type"] == "missing" and loc:
        return loc, loc[:-1], False
    return loc, None, error["type"] == "extra_forbidden"


def _what(error: dict, loc: tuple, data: Any) -> tuple[str, str]:
    """The message and hint of a pydantic error."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    message, hint = error["msg"], ""
    if kind == "extra_forbidden" and loc:
        name = loc[-1]
        model = _model_at(loc[:-1], data)
        fields = [f.alias or n for n, f in model.model_fields.items()] if model else []
        what = f"{_describe(model, loc[:-1], data)}"
        message = f"Unknown field {_quote(name)}{what}"
        hint = did_you_mean(name, fields) if fields else "remove it, or check its spelling in cases/README.md"
    elif kind == "missing" and loc:
        name = loc[-1]
        model = _model_at(loc[:-1], data)
        message = f"Missing required field '{name}'{_describe(model, loc[:-1], data)}"
        hint = f"add '{name}: ...'"
    elif kind == "union_tag_invalid":
        written = value.get("kind") if isinstance(value, dict) else None
        message = f"Unknown event kind {_quote(written)}" if isinstance(written, str) \
            else f"The event kind must be a word, got {_yaml_type(written, article=True)}"
        meant = KIND_SYNONYMS.get(str(written).strip().lower().replace(" ", "_").replace("-", "_"))
        hint = f"did you mean {meant}? Valid: " + ", ".join(sorted(KIND_MODELS)) if meant else \
            did_you_mean(str(written), KIND_MODELS)
    elif kind == "union_tag_not_found":
        message = "The event has no kind"
        hint = "add 'kind: ...', one of " + ", ".join(KIND_MODELS)
    elif kind == "literal_error":
        options = re.findall(r"'([^']*)'|(\d+)", str(ctx.get("expected", "")))
        options = [a or b for a, b in options]
        message = f"{_quote(_yaml_scalar(value))} is not one of the allowed values"
        hint = did_you_mean(value, options)
        if isinstance(value, bool):  # the Norway problem: YAML 1.1 reads no, yes, off and on as false and true
            hint = "YAML reads yes, no, on and off as true or false; put the word in quotes. " + hint[:1].upper() + hint[1:]
        elif isinstance(value, str) and value in options:
            hint = f"write {value} without quotes: it is a number"
    elif kind == "value_error" and isinstance(ctx.get("error"), DateProblem):
        problem = ctx["error"]
        message, hint = problem.message, problem.hint
    elif kind == "value_error":
        message, _, hint = str(ctx.get("error", message)).partition(" Hint: ")
    elif kind == "string_pattern_mismatch":
        message = f"{_quote(value)} is not a valid id"
        hint = ("a case id uses lowercase letters, digits and hyphens, e.g. 'lcnec-alk-lorlatinib'" if loc == ("id",)
                else "an id starts with a letter and uses letters, digits, '-' and '_' (no spaces or dots)")
    elif kind.startswith("float_") and isinstance(value, int) and not isinstance(value, bool):
        message, hint = f"The number {_short(value)} is too large", "check the value"
    elif kind in _TYPE_MESSAGES:
        expected, hint = _TYPE_MESSAGES[kind]
        message = f"Expected {expected}, got {_yaml_type(value)}. Value: {_short(value)}"
        if loc[:1] == ("reported",) and "months" in loc and isinstance(value, str):
            hint = _months_hint(value)
    elif kind in ("too_short",) and isinstance(value, list):
        message = "The list is empty"
        hint = "add at least one entry"
    elif kind in _LIMITS:
        bound, what, advice = _LIMITS[kind]
        limit = ctx.get(bound)
        limit = f"{limit:g}" if isinstance(limit, float) else str(limit)
        message, hint = f"{_short(value)} {what} {limit}", f"{advice} {limit}"
    elif kind == "string_too_long":
        limit = ctx.get("max_length")
        message = f"The text is {len(value):,} characters long; at most {limit:,} are allowed"
        hint = "shorten it" + ("; a case file holds summaries and quotes, not whole documents" if limit >= 1000 else "")
    else:
        message = f"{message}. Value: {_short(value)}" if value is not None and not isinstance(value, (dict, list)) else message
        hint = "check this value against cases/README.md"
    return message, hint


def _months_hint(value: str) -> str:
    """For `months: 8 weeks`: keep the paper's unit (length:), never drop it, which would change the figure."""
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


def _clash(source: SourceMap, problem: DateProblem) -> Problem:
    """Statements that cannot all hold, each named with the line it was written on; located at the first."""
    named = []
    for statement in problem.statements:
        position = source.locate(statement.field) if statement.field else None
        field = field_path(statement.field)
        where = f" (line {position[0]})" if position else ""
        named.append(f"{field + ' ' if field else ''}{statement.says}{where}")
    first = next((s.field for s in problem.statements if s.field), ())
    return _problem(source, first, problem.message.format(*named), problem.hint)


def _problem(source: SourceMap, loc: tuple, message: str, hint: str, prefer_key: bool = False,
             at: tuple | None = None) -> Problem:
    position = source.locate(at if at is not None else loc, prefer_key=prefer_key)
    line, column = position if position else (None, None)
    return Problem(message, hint, field=field_path(loc), line=line, column=column)
