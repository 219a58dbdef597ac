"""Placeholders a new case or an inserted event leaves for the author to fill: a case holding one is not valid."""

from __future__ import annotations

from typing import Any, Iterator

PLACEHOLDER = "FILL-IN"

# What to write instead, by field name; any other field gets the general hint.
_DATE = ("the date as the source gives it: a day \"2022-09-08\", a month \"2022-09\", a year \"2022\", approximate "
         "\"~2022-09\", or relative to an event of this case (\"<id> + 3 months\", \"after <id>\")")
_HINTS = {
    "date": _DATE, "start": _DATE, "end": _DATE,
    "duration": "the length the source gives (\"12 weeks\", \"~2 months\"), or delete the line",
    "quote": "the sentence of the source that supports it, word for word, or delete the line",
    "citation": "the source's citation: \"Authors. Title. Journal. Year;volume:pages\"",
    "label": "a short name for it, in the source's words",
    "age": "the age in whole years the source gives, or delete the line",
    "sex": "female, male, other or unknown",
    "smoking": "never, former, current or unknown",
}
_GENERAL = ("what the source states, or delete the line if the source does not give it (a field that is required "
            "is then named)")


def placeholder_fields(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str, str]]:
    """Every value of plain case data that still holds the placeholder FILL-IN: (field path, message, hint).

    Parameters
    ----------
    data
        A case file's plain data (mappings, lists and scalars, as read from YAML).

    Yields
    ------
    tuple
        The field path (``("events", 0, "drug")``), "FILL-IN is a placeholder", and a hint naming what to write.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            yield from placeholder_fields(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from placeholder_fields(value, path + (index,))
    elif isinstance(data, str) and PLACEHOLDER in data:
        name = next((part for part in reversed(path) if isinstance(part, str)), "")
        yield path, f"{PLACEHOLDER} is a placeholder", "replace it with " + _HINTS.get(name, _GENERAL)
