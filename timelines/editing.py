"""The case editor's text work, no page: check, explain, set a key, insert an event, diff; YAML kept as written."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass, field

from .errors import CaseFileError, Problem
from .kinds import THERAPY_KINDS
from .reading.loading import load_text
from .reading.placeholders import PLACEHOLDER
from .reading.text_checks import decode, editor_lines
from .reading.yaml_events import read_events
from .saving import storage
from .timeline import Timeline

MAX_UPLOAD_BYTES = 1024 * 1024  # 1 MB, as server.maxUploadSize in .streamlit/config.toml
UPLOAD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Check:
    """What the current text loads to: a timeline, or the problems that stop it."""

    timeline: Timeline | None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.timeline is not None


def check_text(text: str, case_id: str | None) -> Check:
    """Load the text as the file <case_id>.yaml would be loaded; problems explained, tabs included."""
    try:
        return Check(load_text(text, f"{case_id}.yaml" if case_id else "<case>"))
    except CaseFileError as error:
        return Check(None, tuple(with_tabs_explained(text, error.problems)))


def with_tabs_explained(text: str, problems: list[Problem]) -> list[Problem]:
    """A YAML error on a line holding a tab character is the tab's fault: say so, and how to fix it."""
    lines = editor_lines(text)
    explained = []
    for problem in problems:
        line = lines[problem.line - 1] if problem.line and problem.line <= len(lines) else ""
        if "\t" in line and ("not valid YAML" in problem.message or "tab character" in problem.message):
            problem = dataclasses.replace(
                problem, column=line.index("\t") + 1,
                message=f"Line {problem.line} contains a tab character; YAML indents with spaces only",
                hint="replace the tab with spaces (the button 'Replace tabs with spaces' does it for the whole text)")
        explained.append(problem)
    return explained


def problem_text(problem: Problem) -> str:
    """`line:col: field: message. Hint: ...` (the file name left out: it is the one being edited)."""
    return dataclasses.replace(problem, path="@").format()[1:].lstrip(":").lstrip()


def problem_excerpt(problem: Problem, text: str) -> str:
    """The line a problem is on, numbered, with a caret under its column."""
    lines = editor_lines(text)
    if not problem.line or problem.line > len(lines):
        return ""
    gutter = f"{problem.line:>5} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * max((problem.column or 1) - 1, 0) + "^"
    return gutter + lines[problem.line - 1].replace("\t", "→") + "\n" + caret


def new_case_text(skeleton: str, case_id: str, title: str) -> str:
    """The skeleton with its id and title set (the title quoted as YAML text; FILL-IN while none is given)."""
    text = with_top_level(skeleton, "id", case_id)
    return with_top_level(text, "title", json.dumps(title.strip() or PLACEHOLDER, ensure_ascii=False))


def with_top_level(text: str, key: str, value: str) -> str:
    """The text with the top-level `key:` line set to value (added after `schema:` or at the top if missing)."""
    line = f"{key}: {value}"
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: line, text, count=1)
    schema = re.search(r"^schema:.*$", text, re.M)
    if schema:
        return text[: schema.end()] + "\n" + line + text[schema.end():]
    return line + "\n" + text


def written_id(text: str) -> str | None:
    """The top-level id the text gives itself, if it is a usable case id."""
    match = re.search(r"^id:[ \t]*['\"]?([^'\"#\s]+)['\"]?[ \t]*(#.*)?$", text, re.M)
    if not match:
        return None
    try:
        return storage.check_case_id(match.group(1))
    except storage.UnsafeCaseName:
        return None


def with_event(text: str, event_yaml: str) -> str:
    """The text with one more item at the end of its top-level `events:` list (added if there is none).

    The item is indented like the list's first item; comments and the rest of the text are left as written.
    """
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if re.match(r"^events:\s*(\[\s*\])?\s*(#.*)?$", line)), None)
    # Comments only (the origin form's explanation) leave an empty list empty: a bare `events:` would be null.
    comments_only = all(not line.strip() or line.lstrip().startswith("#") for line in event_yaml.splitlines())
    if start is None:
        body = text if text.endswith("\n") or not text else text + "\n"
        return body + ("events: []\n" if comments_only else "events:\n") + _indented(event_yaml, 2)
    if not comments_only:
        lines[start] = re.sub(r"\[\s*\]", "", lines[start]).rstrip()
    end, indent = start + 1, None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#") and not line.startswith(" "):
            continue
        if not line.startswith((" ", "-")):
            break
        if indent is None and line.lstrip().startswith("-"):
            indent = len(line) - len(line.lstrip())
        end = i + 1
    block = _indented(event_yaml, 2 if indent is None else indent).rstrip("\n").split("\n")
    return "\n".join(lines[:end] + block + lines[end:])


def _indented(block: str, indent: int) -> str:
    return "".join(" " * indent + line if line.strip() else line for line in block.splitlines(True))


def snippet_ids(text: str) -> dict[str, str | None]:
    """The ids of the text being edited that snippets refer to: its first diagnosis, a therapy, an interval with an
    end, a lesion; None for one it does not hold. Read from the text as it is (it need not be a valid case yet)."""
    try:
        data = read_events(decode(text))
    except CaseFileError:
        data = None
    data = data if isinstance(data, dict) else {}

    def ids(items: object, wanted=lambda item: True) -> list[str]:
        return [item["id"] for item in items if isinstance(item, dict) and _usable_id(item.get("id")) and wanted(item)] \
            if isinstance(items, list) else []

    events = data.get("events")
    diagnoses = ids(data.get("diagnoses"))
    therapies = ids(events, lambda e: e.get("kind") in THERAPY_KINDS)
    intervals = ids(events, lambda e: e.get("start") and (e.get("end") or e.get("duration")))
    lesions = ids(data.get("lesions"))
    first = diagnoses[0] if diagnoses else None
    return {"diagnosis": first, "therapy": therapies[0] if therapies else None,
            "interval": intervals[0] if intervals else first,  # a point's end is its own date
            "lesion": lesions[0] if lesions else None}


def _usable_id(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z][\w-]*", value) is not None and PLACEHOLDER not in value


def with_unique_ids(event_yaml: str, text: str) -> str:
    """The snippet with `id:` values renamed (name-2, name-3...) where the text already uses them."""
    used = set(re.findall(r"^\s*(?:-\s+)?id:\s*['\"]?([A-Za-z][\w-]*)", text, re.M))
    for name in re.findall(r"^\s*(?:-\s+)?id:\s*([A-Za-z][\w-]*)", event_yaml, re.M):
        if name not in used:
            continue
        number = 2
        while f"{name}-{number}" in used:
            number += 1
        new = f"{name}-{number}"
        event_yaml = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", new, event_yaml)
        used.add(new)
    return event_yaml


def text_diff(mine: str, theirs: str, mine_name: str = "your version", theirs_name: str = "on disk") -> str:
    """A unified diff between two texts ('' when they are equal)."""
    return "".join(difflib.unified_diff(theirs.splitlines(True), mine.splitlines(True),
                                        fromfile=theirs_name, tofile=mine_name))


def upload_text(name: str, data: bytes) -> tuple[str | None, str, str]:
    """Check an uploaded file before anything else: (text or None, message, hint); message '' when fine."""
    if len(data) > MAX_UPLOAD_BYTES:
        return None, (f"{name} is {len(data) / (1024 * 1024):.1f} MB; uploads are limited to 1 MB"), \
            "a case file is usually well under 100 KB: check that this is the right file"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return None, f"{name} is not a YAML file", "upload a case file ending in .yaml or .yml"
    try:
        text = data.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None, f"{name} is not text in UTF-8", "open it in a text editor and save it as UTF-8 text"
    return text, "", ""
