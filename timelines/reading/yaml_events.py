"""One pass over the YAML parser's events: the size and depth limits, and plain data of a regular file, fast."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import CaseFileError, Problem
from .text_checks import EditorPositions, hidden_in_value
from .yaml_messages import NUMBER_TAGS, SCALAR_NAMES, TAG, at_mark, yaml11_number, yaml_problem

MAX_DEPTH = 64
MAX_NODES = 200_000  # keys, values and list items: a 10,000-event case holds 60,000 to 150,000

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = TAG + "timestamp"


class CaseLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML that keeps dates as the text the author wrote (no timestamp conversion)."""


CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def run(text: str, step):
    """What `step` makes of a loader of the text, and the loader; YAML's errors become located problems."""
    loader = CaseLoader(text)
    try:
        return step(loader), loader
    except CaseFileError as error:  # a limit, located by YAML's mark
        raise EditorPositions(text).error(error) from None
    except yaml.MarkedYAMLError as error:
        raise EditorPositions(text).error(CaseFileError([yaml_problem(error, text)])) from None
    except yaml.YAMLError as error:
        raise CaseFileError([Problem(f"The file is not valid YAML: {error}", "check the indentation and quotes")]) from None
    finally:
        loader.dispose()


def read_events(text: str) -> Any:
    """One pass over the parser's events of a case file: the plain data of a regular file, else IRREGULAR.

    Every file is read this way first. A file that is empty, is not valid YAML, holds more than MAX_NODES values
    or is nested deeper than MAX_DEPTH is refused here, with a located problem: composing a node tree is recursive
    (in C, where a deep document overflows the stack) and costs memory per node, so such a file must be refused
    before it is composed. Most files are regular, and for them the line of each value is never needed; anything
    out of the ordinary (an alias, a tag, a duplicate or non-text key, a second document) is IRREGULAR and left to
    the located parser, while the rest of the events are still counted against the limits."""
    _refuse_empty(text)
    return run(text, _read)[0]


IRREGULAR = object()  # what read_events gives for a text that only the located parser reads


def check_size(nodes: int, depth: int, mark) -> None:
    """Refuse a document at the value of `mark` when it is the MAX_NODES + 1st, or lies deeper than MAX_DEPTH."""
    if nodes > MAX_NODES:
        raise CaseFileError([at_mark(mark, f"The file holds more than {MAX_NODES:,} values",
                                     "a case needs far fewer; split it, or check that this is a case file")])
    check_depth(depth, mark)


def check_depth(depth: int, mark) -> None:
    """Refuse a value nested deeper than MAX_DEPTH: the one check of the depth limit, for the nesting the parser
    sees (read_events) and for the nesting that aliases build (the located parser)."""
    if depth > MAX_DEPTH:
        raise CaseFileError([at_mark(mark, f"The document is nested more than {MAX_DEPTH} levels deep",
                                     "case files need only a few levels; check the indentation")])


def _refuse_empty(text: str) -> None:
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise CaseFileError([Problem("The file is empty", "start from cases/_template.yaml", line=1, column=1)])


class Irregular(Exception):
    """The text holds something that only the located parser reads."""


_SCALAR_RESOLVERS = {first: tuple(resolvers) for first, resolvers in CaseLoader.yaml_implicit_resolvers.items()}
_PLAIN_TAGS = (None, "!")  # no tag written: the tag comes from the value (plain) or is text (quoted)
_STR = TAG + "str"


def _read(loader) -> Any:
    # A stack of the collections being filled, the last on top; an entry is [the collection, its pending key]: None
    # for a list, _NO_KEY for a mapping waiting for its next key.
    stack: list[list] = [[[], None]]  # at the bottom, the document, as a list of one value
    try:
        _fill(loader, stack)
    except Irregular as irregular:
        _count_rest(loader, *irregular.args)  # the values read, and the depth reached
        return IRREGULAR
    root = stack[0][0]
    return root[0] if len(root) == 1 else IRREGULAR


def _fill(loader, stack: list[list]) -> None:
    """Build the plain data of the parser's events into the stack's bottom entry; Irregular, with how many values
    were read and how deep the last one lay, where the located parser must read the file."""
    nodes = depth = documents = 0
    plain: dict[str, Any] = {}  # each plain scalar's text, resolved: keys, kinds and words repeat through a file
    top = stack[-1]
    check, get = loader.check_event, loader.get_event
    scalar, starts, ends = yaml.ScalarEvent, _COLLECTION_STARTS, _COLLECTION_ENDS
    try:
        while check():
            event = get()
            kind = type(event)
            if kind is scalar:
                nodes += 1
                if nodes > MAX_NODES or depth > MAX_DEPTH:
                    check_size(nodes, depth, event.start_mark)
                _add(top, _scalar_value(loader, event, plain), True)
            elif kind in starts:
                nodes += 1
                check_size(nodes, depth, event.start_mark)
                top = [{}, _NO_KEY] if kind is yaml.MappingStartEvent else [[], None]
                stack.append(top)
                depth += 1
                if event.anchor is not None or event.tag not in _PLAIN_TAGS:
                    raise Irregular
            elif kind in ends:
                value = stack.pop()[0]
                depth -= 1
                top = stack[-1]
                _add(top, value, False)
            else:
                nodes, documents = _other_event(event, kind, nodes, depth, documents)
    except Irregular:
        raise Irregular(nodes + (kind is yaml.AliasEvent), depth) from None  # an alias counts as a value


_COLLECTION_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_UNSEEN = object()


def _scalar_value(loader, event, plain: dict[str, Any]) -> Any:
    """The value of a scalar; a plain one's text resolved once per file (to a str, number, bool or None: values no
    one changes), as _plain_scalar resolves it."""
    if event.implicit[0] and event.anchor is None and event.tag is None:
        value = plain.get(event.value, _UNSEEN)
        if value is _UNSEEN:
            value = plain[event.value] = _plain_scalar(loader, event)
        return value
    return _plain_scalar(loader, event)


def _other_event(event, kind, nodes: int, depth: int, documents: int) -> tuple[int, int]:
    """An alias (irregular), the start of a document (a second one is irregular), or an event that builds nothing."""
    if kind is yaml.AliasEvent:
        check_size(nodes + 1, depth, event.start_mark)
        raise Irregular
    if kind is yaml.DocumentStartEvent:
        documents += 1
        if documents > 1:
            raise Irregular
    return nodes, documents


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def _count_rest(loader, nodes: int, depth: int) -> None:
    """Check the events after an irregular one against the limits, without building anything."""
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, _NODE_EVENTS):
            nodes += 1
            check_size(nodes, depth, event.start_mark)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


_NO_KEY = object()


def _add(into: list, value: Any, scalar: bool) -> None:
    """Put a finished value into the collection being filled (a list, or a mapping as key then value)."""
    container, key = into
    if key is None:
        container.append(value)
    elif key is _NO_KEY:
        if not scalar or type(value) is not str or value in container:
            raise Irregular  # a key that is not text, or written twice
        into[1] = value
    else:
        container[key] = value
        into[1] = _NO_KEY


def _plain_scalar(loader, event) -> Any:
    if event.anchor is not None or event.tag not in _PLAIN_TAGS:
        raise Irregular
    value = event.value
    if not event.implicit[0]:  # quoted, or a block of text
        if event.style == '"' and hidden_in_value(value):
            raise Irregular  # an escape that writes a control character: the located parser says where
        return value
    for tag, pattern in _SCALAR_RESOLVERS.get(value[:1], ()) + _SCALAR_RESOLVERS.get(None, ()):
        if pattern.match(value):
            break
    else:
        return value
    if tag == _STR:
        return value
    if tag not in SCALAR_NAMES:
        raise Irregular  # merge keys ('<<') and any other implicit tag
    try:
        if tag in NUMBER_TAGS and yaml11_number(value):
            raise Irregular  # a number YAML 1.1 reads otherwise: the located parser says so
        return loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
    except Exception as error:  # noqa: BLE001 -- a whole number of 5,000 digits, say: the located parser reports it
        raise Irregular from error
