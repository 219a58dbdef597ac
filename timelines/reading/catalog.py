"""The case files of a folder: what the case picker lists, broken files included."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import CaseFileError, Problem
from ..timeline import Timeline
from .loading import load_case

CASE_SUFFIXES = (".yaml", ".yml")
DRAFT_SUFFIX = ".draft.yaml"  # a text saved with problems: listed as a draft, never as a case


@dataclass(frozen=True)
class Entry:
    """One case file: loaded, or with the problems that keep it from loading."""

    path: Path
    timeline: Timeline | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.timeline is not None

    @property
    def case_id(self) -> str:
        return self.timeline.case.id if self.timeline else self.path.stem

    @property
    def title(self) -> str:
        return self.timeline.case.title if self.timeline else f"{self.path.name} (cannot be loaded)"

    @property
    def one_liner(self) -> str:
        """'F, 55 y, never smoker · LCNEC' for the picker."""
        if not self.timeline:
            return f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)} in the file"
        return patient_line(self.timeline)


def case_paths(folder: str | Path) -> list[Path]:
    """Case files of a folder, sorted; the template, hidden files and drafts are not cases.

    The folder may change while it is listed (a checkout, an editor that saves by deleting and rewriting): a file
    that vanishes meanwhile is left out, and a folder that cannot be read lists nothing."""
    return sorted(p for p in _listed(folder) if p.suffix in CASE_SUFFIXES and not _is_draft(p))


def draft_paths(folder: str | Path) -> list[Path]:
    """Drafts of a folder (`<case-id>.draft.yaml`: saved with problems), sorted."""
    return sorted(p for p in _listed(folder) if _is_draft(p))


def _listed(folder: str | Path) -> list[Path]:
    """The visible files of a folder (links included: reading one that leaves the folder is refused, with a
    message, when it is loaded)."""
    try:
        with os.scandir(folder) as found:
            entries = [entry for entry in found if not entry.name.startswith(("_", "."))]
    except OSError:
        return []
    return [Path(folder) / entry.name for entry in entries if _is_file(entry)]


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file() or entry.is_symlink() and not entry.is_dir()
    except OSError:
        return False


def folder_problem(folder: str | Path) -> str | None:
    """Why a cases folder lists nothing, in words for the viewer (the folder's name only), or None."""
    folder = Path(folder)
    try:
        with os.scandir(folder):
            return None
    except FileNotFoundError:
        return f"The cases folder {folder.name}/ does not exist"
    except NotADirectoryError:
        return f"The cases folder {folder.name} is a file, not a folder"
    except OSError as error:
        return f"The cases folder {folder.name}/ cannot be read: {error.strerror or error}"


def _is_draft(path: Path) -> bool:
    return path.name.endswith(tuple(".draft" + suffix for suffix in CASE_SUFFIXES))


def load_entry(path: str | Path, folder: str | Path | None = None) -> Entry:
    """Load one case file into an Entry; never raises for a bad, vanished or refused file.

    With the cases `folder`, a file whose real path leaves it is refused, and problems name files relative to it."""
    path = Path(path)
    try:
        return Entry(path, load_case(path, folder))
    except CaseFileError as error:
        return Entry(path, problems=tuple(error.problems))


def patient_line(timeline: Timeline) -> str:
    patient = timeline.case.patient
    sex = {"female": "F", "male": "M"}.get(patient.sex, "")
    age = f"{patient.age} y" if patient.age is not None else ""
    smoking = {"never": "never smoker", "former": "former smoker", "current": "smoker"}.get(patient.smoking, "")
    if patient.pack_years is not None:
        smoking = ", ".join(filter(None, [smoking, f"{patient.pack_years:g} pack-years"]))
    who = ", ".join(x for x in (" ".join(filter(None, [sex, age])), smoking) if x)
    histology = timeline.case.diagnoses[-1].label
    return f"{who} · {histology}" if who else histology
