"""One pass over the YAML parser's events: the size and depth limits, and plain data of a regular file, fast."""

from __future__ import annotations

from typing import Any

import yaml

from .errors import CaseFileError, Problem
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
    except yaml.MarkedYAMLError as error:
        raise CaseFileError([yaml_problem(error, text)]) from None
    except yaml.YAMLError as error:
        raise CaseFileError([Problem(f"The file is not valid YAML: {error}", "check the indentation and quotes")]) from None
    finally:
        loader.dispose()


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def check_events(loader) -> None:
    nodes = depth = 0
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, _NODE_EVENTS):
            nodes += 1
            if nodes > MAX_NODES:
                raise CaseFileError([at_mark(event.start_mark, f"The file holds more than {MAX_NODES:,} values",
                                             "a case needs far fewer; split it, or check that this is a case file")])
            if depth > MAX_DEPTH:
                raise CaseFileError([at_mark(event.start_mark, TOO_DEEP, TOO_DEEP_HINT)])
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


TOO_DEEP = f"The document is nested more than {MAX_DEPTH} levels deep"
TOO_DEEP_HINT = "case files need only a few levels; check the indentation"


# ---------------------------------------------------------------- valid files, fast

class Irregular(Exception):
    """The text holds something the fast path leaves to the located path."""


_SCALAR_RESOLVERS = {first: tuple(resolvers) for first, resolvers in CaseLoader.yaml_implicit_resolvers.items()}
_PLAIN_TAGS = (None, "!")  # no tag written: the tag comes from the value (plain) or is text (quoted)
_STR = TAG + "str"


def plain_data(text: str) -> Any:
    """Plain data of a single-document YAML text, built from the parser's events; Irregular for anything
    that the located path would report or handle (aliases, anchors, tags, keys that are not unique text)."""
    loader = CaseLoader(text)
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
                raise Irregular
            nodes += 1
            stack.append([{}, _NO_KEY] if kind is yaml.MappingStartEvent else [[], None])
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value = stack.pop()[0]
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise Irregular
            continue
        elif kind is yaml.AliasEvent:
            raise Irregular
        else:  # stream start and end, document end
            continue
        nodes += kind is yaml.ScalarEvent
        if nodes > MAX_NODES:
            raise Irregular
        _add(stack[-1] if stack else root, value, kind is yaml.ScalarEvent)
    if len(root[0]) != 1:
        raise Irregular
    return root[0][0]


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


def _fast_scalar(loader, event) -> Any:
    if event.anchor is not None or event.tag not in _PLAIN_TAGS:
        raise Irregular
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
    if tag not in SCALAR_NAMES:
        raise Irregular  # merge keys ('<<') and any other implicit tag
    if tag in NUMBER_TAGS and yaml11_number(value):
        raise Irregular  # a number YAML 1.1 reads otherwise: the located path says so
    return loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
