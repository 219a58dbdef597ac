"""Files the command line writes into an output folder (--out): atomically, never through a link, and never over a
file it did not write itself.

Each command that writes into a folder keeps a list of what it wrote there, `.timelines-written.json`: every file's
name and the SHA-256 of its bytes. A file already in the folder is replaced only when it is listed there with the
bytes it has now, that is, when this product wrote it and nobody changed it since; any other file (a case written by
hand, an imported case edited afterwards, a file of another program) is left as it is and named, and `--force`
replaces it. A symbolic link, a folder, a pipe or a device in the place of a file is refused even with `--force`:
nothing is written through a link. Files are written as the editor saves cases (timelines.saving.storage): to a hidden
temporary file, synced, then renamed into place, so an interrupted command leaves the old file or the new one.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from ..errors import CaseFileError
from ..reading.files import read_inside
from .storage import StorageError, create_atomically, fingerprint, replace_atomically

WRITTEN_LIST = ".timelines-written.json"


class OutputRefused(StorageError):
    """A file, or an output folder, that a command will not write; nothing was written to it."""

    def __init__(self, where: str, message: str, hint: str = ""):
        self.where = where
        super().__init__(message, hint)

    def format(self) -> str:
        return f"{self.where}: {super().format()}"


class OutputsRefused(Exception):
    """Several files refused at once (`OutputFolder.write_all`), one line each."""

    def __init__(self, refused: list[OutputRefused]):
        self.refused = refused
        super().__init__("\n".join(error.format() for error in refused))


def output_folder(name: str | os.PathLike) -> Path:
    """The folder named by --out, created (with its parents) when missing.

    Raises
    ------
    OutputRefused
        When the name is a file, or the folder cannot be made.
    """
    folder = Path(name)
    if os.path.lexists(folder) and not folder.is_dir():
        raise OutputRefused(str(name), "This is a file, not a folder; --out names the folder the files are written "
                                       "to", "give a folder name (it is created when missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputRefused(str(name), f"The folder cannot be made: {error.strerror or error}",
                            "give a folder that can be written to") from None
    return folder


class OutputFolder:
    """An output folder and the files this product wrote into it (see the module's docstring).

    Parameters
    ----------
    folder
        The folder, which must exist (`output_folder`).
    force
        Replace regular files this product did not write (--force); links are refused all the same.
    """

    def __init__(self, folder: str | os.PathLike, force: bool = False):
        self.folder = Path(folder)
        self.force = force
        self._check_list()
        self.written = self._read_list()

    def _check_list(self) -> None:
        path = self.folder / WRITTEN_LIST
        if os.path.islink(path) or os.path.lexists(path) and not path.is_file():
            raise OutputRefused(str(path), "This is a link or a folder, so the list of the files written here is "
                                           "neither read nor kept", f"delete {WRITTEN_LIST}; it is made again")

    def _read_list(self) -> dict[str, str]:
        path = self.folder / WRITTEN_LIST
        if not os.path.lexists(path):
            return {}
        try:
            listed = json.loads(read_inside(path, self.folder)).get("files", {})
        except (CaseFileError, OSError, ValueError, AttributeError):  # a link, a folder, not our JSON: lists nothing
            return {}
        return {k: v for k, v in listed.items() if isinstance(k, str) and isinstance(v, str)} \
            if isinstance(listed, dict) else {}

    def _where(self, name: str) -> str:
        return str(self.folder / name)

    def check(self, name: str) -> bool:
        """Whether `name` may be written: False when it does not exist yet, True when it is one to replace.

        Raises
        ------
        OutputRefused
            For a link, anything but a regular file, or a file this product did not write (without --force).
        """
        path = self.folder / name
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            return False
        if stat.S_ISLNK(status.st_mode):
            raise OutputRefused(self._where(name), "This is a symbolic link; nothing is written through a link",
                                "delete the link, or choose another --out folder")
        if not stat.S_ISREG(status.st_mode):
            what = "a folder" if stat.S_ISDIR(status.st_mode) else "not a regular file (a pipe, a device or a socket)"
            raise OutputRefused(self._where(name), f"This is {what}, so it is not replaced by a file",
                                "move it away, or choose another --out folder")
        if self.force:
            return True
        try:
            data = read_inside(path, self.folder)
        except (CaseFileError, OSError):
            data = None
        if data is not None and self.written.get(name) == fingerprint(data):
            return True
        if name in self.written:
            raise OutputRefused(self._where(name), "This file was changed since python -m timelines wrote it, so it "
                                                   "is left as it is", "move it away to keep the changes, or add --force to "
                                                   "replace it")
        raise OutputRefused(self._where(name), "This file was not written by python -m timelines, so it is left as "
                                                "it is",
                            "move it away, choose another --out folder, or add --force to replace it")

    def write(self, name: str, data: bytes) -> Path:
        """Write one file atomically (after `check`); remembered in the folder's list once `save_list` is called."""
        path = self.folder / name
        try:
            if self.check(name):
                replace_atomically(path, data)
            else:
                create_atomically(path, data)
        except StorageError as error:
            if isinstance(error, OutputRefused):
                raise
            raise OutputRefused(self._where(name), error.message, error.hint) from None
        except OSError as error:
            raise OutputRefused(self._where(name), f"The file cannot be written: {error.strerror or error}",
                                "check that the folder can be written to") from None
        self.written[name] = fingerprint(data)
        return path

    def write_all(self, files: dict[str, bytes]) -> list[Path]:
        """Write several files, none of them unless every one may be written; the list is saved after them.

        Raises
        ------
        OutputsRefused
            Naming every file that may not be written (one line each); nothing was written then.
        """
        refused = []
        for name in files:
            try:
                self.check(name)
            except OutputRefused as error:
                refused.append(error)
        if refused:
            raise OutputsRefused(refused)
        try:
            return [self.write(name, data) for name, data in files.items()]
        finally:
            self.save_list()

    def save_list(self) -> None:
        """Record what was written (the list itself is written like any file, never through a link)."""
        data = (json.dumps({"written_by": "python -m timelines", "files": dict(sorted(self.written.items()))},
                           indent=1) + "\n").encode("utf-8")
        path = self.folder / WRITTEN_LIST
        self._check_list()
        (replace_atomically if os.path.lexists(path) else create_atomically)(path, data)
