"""The one error a case file can raise: problems located by file, line, column and field path."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Iterable, Sequence

from .text import visible


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case file, where it is and how to fix it."""

    message: str
    hint: str = ""
    field: str = ""
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    path: str = ""

    def format(self) -> str:
        """`path:line:col: field: message. Hint: hint` (parts that are unknown are left out), every control or
        invisible character shown as its escape (timelines.text.visible): a value quoted in a message cannot act on
        the terminal or the screen that shows it."""
        place = self.path or "<case>"
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        text = f"{place}: "
        if self.field:
            text += f"{self.field}: "
        text += _sentence(self.message)
        if self.hint:
            text += " Hint: " + _sentence(self.hint)
        return visible(text)


class CaseFileError(Exception):
    """A case file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]

    def with_path(self, path: str) -> "CaseFileError":
        from dataclasses import replace

        return CaseFileError([replace(p, path=p.path or path) for p in self.problems])


class ValueProblem(ValueError):
    """A value refused with what is wrong and how to fix it kept apart (a Problem's message and hint), for the
    loader to say; its text is `message Hint: hint`, for any other reader."""

    def __init__(self, message: str, hint: str = ""):
        self.message = message
        self.hint = hint
        super().__init__(message + (f" Hint: {hint}" if hint else ""))


class DateProblem(ValueProblem):
    """A date that cannot be read or resolved; turned into a Problem by the loader."""


LIST_ALL_UP_TO = 30  # a hint lists every valid option up to this many (the fields of any kind fit)...
MAX_LISTED = 12  # ...and else the nearest this many: a 10,000-event case has 10,000 ids


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A 'did you mean' hint for a misspelled word, and the valid options (the nearest MAX_LISTED of a long list)."""
    options = sorted(set(options))
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6) or _same_stem(str(word), options)
    listed = ", ".join(options)
    if len(options) > LIST_ALL_UP_TO:
        nearest = sorted(difflib.get_close_matches(str(word), options, n=MAX_LISTED, cutoff=0))
        listed = ", ".join(nearest) + f" and {len(options) - len(nearest):,} more"
    if close:
        return f"did you mean '{close[0]}'? Valid: {listed}"
    return f"valid: {listed}"


def _same_stem(word: str, options: list[str]) -> list[str]:
    """The option sharing the longest beginning with the word, at least five letters ('surgical' -> 'surgery',
    'radiation' -> 'radiotherapy' need four): spelling similarity misses words of another form."""
    def shared(option: str) -> int:
        return len(os.path.commonprefix([word.lower(), option.lower()]))
    best = max(options, key=shared, default=None)
    return [best] if best is not None and shared(best) >= min(5, max(4, len(word) - 4)) else []


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".?!":
        text += "."
    return text[:1].upper() + text[1:] if text else text
