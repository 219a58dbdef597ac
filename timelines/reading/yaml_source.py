"""The located YAML parser: plain data of a case file, and where each of its keys and values was written."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import CaseFileError, Problem
from .text_checks import EditorPositions, Position, hidden_in_value
from .yaml_events import CaseLoader, check_depth, read_events, run
from .yaml_messages import NUMBER_TAGS, SCALAR_NAMES, TAG, key_text, quote, scalar_hint, yaml11_number, yaml_type

MAX_ALIAS_NODES = 10_000  # values reached through aliases: stops "billion laughs" expansions early
MAX_PROBLEMS = 50


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


def field_path(loc: tuple) -> str:
    """events[3].end from ('events', 3, 'end')."""
    text = ""
    for part in loc:
        part = part if isinstance(part, int) or len(str(part)) <= 60 else f"{str(part)[:57]}..."
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def located_problem(source: SourceMap, loc: tuple, message: str, hint: str, prefer_key: bool = False,
                    at: tuple | None = None) -> Problem:
    """A problem of the field at `loc`, on the line where it (or `at`, or its nearest written parent) was written."""
    position = source.locate(at if at is not None else loc, prefer_key=prefer_key)
    line, column = position if position else (None, None)
    return Problem(message, hint, field=field_path(loc), line=line, column=column)


def parse_yaml(text: str) -> tuple[Any, SourceMap]:
    """Parse YAML safely into plain data and a SourceMap; duplicate keys, tags and bombs are errors."""
    read_events(text)  # refuses an empty or malformed text, and one too large or deep to compose
    return parse_read(text)


def parse_read(text: str) -> tuple[Any, SourceMap]:
    """parse_yaml of a text that read_events has accepted: composed into nodes (a second parse, now within the
    limits) and built into plain data, recording where every key and value was written."""
    node, loader = run(text, CaseLoader.get_single_node)
    if node is None or isinstance(node, yaml.ScalarNode) and node.tag == TAG + "null" and not node.value:  # '---'
        raise CaseFileError([Problem("The file is empty", "start from cases/_template.yaml", line=1, column=1)])
    source = SourceMap()
    positions = EditorPositions(text)
    builder = _Builder(loader, source, positions, text)
    data = builder.build(node, (), 0)
    if builder.problems:
        raise CaseFileError(builder.problems[:MAX_PROBLEMS])
    if not isinstance(data, dict):
        line, column = positions.of_mark(node.start_mark)
        raise CaseFileError([Problem("The file must be a mapping of fields (schema:, id:, title:, ...), "
                                     f"not {yaml_type(data, article=True)}", "start from cases/_template.yaml",
                                     line=line, column=column)])
    return data, source


class _Builder:
    """Turn a composed YAML node tree into plain data, recording where every key and value was written."""

    def __init__(self, loader, source: SourceMap, positions: EditorPositions, text: str):
        self.loader = loader
        self.source = source
        self.positions = positions  # every position recorded or reported is the editor's
        self.text = text
        self.alias_keys: dict[str, list] | None = None  # where each anchor is used as a key (aliases), in order
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
        try:
            check_depth(depth, node.start_mark)  # aliases nest a value deeper than the parser saw it
        except CaseFileError as error:
            raise self.positions.error(error) from None
        self.source.values.setdefault(path, self.positions.of_mark(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self.inside.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth, via_alias)
            if node.tag != TAG + "seq":
                return self._bad_tag(node)
            return [self.build(child, path + (i,), depth + 1, via_alias) for i, child in enumerate(node.value)]
        finally:
            self.inside.discard(id(node))

    def _mapping(self, node, path, depth, via_alias):
        if node.tag != TAG + "map":
            return self._bad_tag(node)
        result: dict = {}
        for key_node, value_node in node.value:
            # A key written as an alias (*name) is the anchored node itself: say where the alias is, not the anchor.
            mark = self._alias_key_mark(key_node) if id(key_node) in self.seen and not via_alias else None
            mark = mark or key_node.start_mark
            self.seen.add(id(key_node))
            if key_node.tag == TAG + "merge":
                self._report(mark, "Merge keys (<<) are not supported", "write the fields out in full")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != TAG + "str":
                self._report(mark, f"A field name must be text, got {key_text(key_node)}",
                             "field names are words such as 'date' or 'label'; quote it if it must be a number")
                continue
            key = key_node.value
            self._check_decoded(key_node)
            if key in result:
                first = self.source.keys.get(path + (key,))
                where = f" (first written on line {first[0]})" if first else ""
                self._report(mark, f"Duplicate key {quote(key)}{where}",
                             "a field may appear only once in a mapping; keep one and delete the other")
                continue
            self.source.keys[path + (key,)] = self.positions.of_mark(mark)
            result[key] = self.build(value_node, path + (key,), depth + 1, via_alias)
        return result

    def _scalar(self, node):
        tag = node.tag
        if tag == TAG + "str":
            self._check_decoded(node)
            return node.value
        if tag in NUMBER_TAGS and not node.style and (problem := yaml11_number(node.value)):
            self._report(node.start_mark, *problem)
            return None
        if tag in (TAG + "int", TAG + "float", TAG + "bool", TAG + "null"):
            try:
                return self.loader.construct_object(node)
            except (ValueError, KeyError, ArithmeticError):  # an explicit !!int on text; more digits than Python reads
                self._report(node.start_mark, f"The value {quote(node.value)} cannot be read as {SCALAR_NAMES[tag]}",
                             scalar_hint(node))
                return None
        if tag == TAG + "timestamp":
            return node.value
        return self._bad_tag(node)

    def _alias_key_mark(self, node):
        """The mark of the alias (*name) written as this key: the next use of its anchor as a key, in the order
        of the file (nodes do not keep where an alias was written, so the parser's events are read again)."""
        if self.alias_keys is None:
            self.alias_keys, self.anchors = run(self.text, _alias_keys)[0]
        name = self.anchors.get((node.start_mark.line, node.start_mark.column))
        uses = self.alias_keys.get(name, [])
        return uses.pop(0) if uses else None

    def _check_decoded(self, node) -> None:
        """The text checks of the raw file, on what the escapes of a double-quoted string decode to ("\\e")."""
        if node.style == '"' and (problem := hidden_in_value(node.value)):
            self._report(node.start_mark, *problem)

    def _bad_tag(self, node):
        tag = node.tag.replace(TAG, "!!")
        self._report(node.start_mark, f"The YAML tag {quote(tag)} is not allowed in a case file",
                     "case files hold plain text, numbers, lists and mappings; remove the tag")
        return None

    def _report(self, mark, message: str, hint: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:  # a file of a hundred thousand duplicate keys shows the first few
            self.problems.append(self._at_mark(mark, message, hint))

    def _at(self, node, message: str, hint: str) -> Problem:
        return self._at_mark(node.start_mark, message, hint)

    def _at_mark(self, mark, message: str, hint: str) -> Problem:
        line, column = self.positions.of_mark(mark)
        return Problem(message, hint, line=line, column=column)


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _alias_keys(loader) -> tuple[dict[str, list], dict[tuple[int, int], str]]:
    """Where each anchor is used as a key (the marks of those aliases, in order), and the anchor at each mark."""
    uses: dict[str, list] = {}
    anchors: dict[tuple[int, int], str] = {}
    stack: list[list] = []  # per open collection: [is a mapping, how many nodes it holds so far]
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, _NODE_EVENTS):
            is_key = bool(stack) and stack[-1][0] and stack[-1][1] % 2 == 0
            if stack:
                stack[-1][1] += 1
            if isinstance(event, yaml.AliasEvent):
                if is_key:
                    uses.setdefault(event.anchor, []).append(event.start_mark)
            elif event.anchor is not None:
                anchors[(event.start_mark.line, event.start_mark.column)] = event.anchor
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([isinstance(event, yaml.MappingStartEvent), 0])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
    return uses, anchors
