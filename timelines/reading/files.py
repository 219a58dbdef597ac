"""Case files on disk: the one place that opens them, so that nothing outside a cases folder is ever read.

A symbolic link in the cases folder may point anywhere (git stores links, so one merged change is enough to plant
`x.yaml -> /proc/self/environ`). Every read of a case, a draft or a backup goes through `read_inside`, which
refuses a file whose real path leaves its folder, and opens what it reads component by component from the folder
without following links, so a link swapped in between the check and the read is refused too.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import NamedTuple

from ..errors import CaseFileError, Problem

MAX_FILE_BYTES = 16 * 1024 * 1024
MOUNT_TABLE = "/proc/self/mountinfo"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a named pipe must not wait for a writer
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_WALKS = os.open in os.supports_dir_fd and bool(_NOFOLLOW)
_COPY_HINT = ("copy the file into the folder instead of linking to it; files outside the cases folder are never "
              "read, so that a link cannot show a file of the server")


class Stamp(NamedTuple):
    """What changes whenever a file's content may have: any save, a replacement, a permission change."""

    modified_ns: int
    changed_ns: int
    size: int
    inode: int


def stamp(path: str | os.PathLike) -> Stamp | None:
    """The file's stamp, or None when it cannot be looked at (it vanished, or its folder cannot be read)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return Stamp(status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)


def is_inside(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """Whether the real path of `path` (links and '..' followed) lies strictly inside the real path of `folder`."""
    return _contains(os.path.realpath(folder), os.path.realpath(path))


def _contains(real_folder: str, real: str) -> bool:
    return real != real_folder and os.path.commonpath([real_folder, real]) == real_folder


def read_inside(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES whose real path lies inside `folder`.

    Parameters
    ----------
    path
        The file.
    folder
        The folder it must not leave: the cases folder. By default, the folder the path names (for `cases/x.yaml`,
        `cases/`), so that a link given on the command line is held to the folder it sits in.

    Raises
    ------
    CaseFileError
        For a file outside the folder, a folder, a device, a pipe, a socket, or a file over the size limit; the
        problem names neither the link's target nor any path outside the folder.
    OSError
        When the file cannot be opened (it vanished, or may not be read).
    """
    path = Path(path)
    folder = Path(folder) if folder is not None else path.parent
    real_folder, real = os.path.realpath(folder), os.path.realpath(path)  # what is checked is what is opened
    if not _contains(real_folder, real):
        raise CaseFileError([_outside(path, folder)])
    if _mounted_inside(real, real_folder):
        raise CaseFileError([_MOUNTED])
    descriptor: int | None = _open_inside(real, real_folder)
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise CaseFileError([Problem("This is a folder, not a case file", "choose one of the .yaml files inside it")])
        if not stat.S_ISREG(status.st_mode):
            raise CaseFileError([Problem("This is not a regular file (it is a device, a pipe or a socket)",
                                         "choose a .yaml case file")])
        check_size(status.st_size)
        with os.fdopen(descriptor, "rb") as handle:
            descriptor = None  # closed with the handle
            data = handle.read(status.st_size + 1)
            if len(data) > status.st_size:  # the file grew since fstat: read on, up to one byte over the limit
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    finally:
        if descriptor is not None:
            os.close(descriptor)
    check_size(len(data))
    return data


def _open_inside(real: str, real_folder: str) -> int:
    """A descriptor of the file, opened one component at a time from the real folder, following no link; a device
    mounted over a name inside the folder (a bind mount) is refused as well."""
    if not _WALKS:  # pragma: no cover - platforms without openat and O_NOFOLLOW
        return os.open(real, os.O_RDONLY | _NONBLOCK)
    parts = Path(real).relative_to(real_folder).parts
    descriptor = os.open(real_folder, os.O_RDONLY | _DIRECTORY)
    try:
        device = os.fstat(descriptor).st_dev
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            flags = os.O_RDONLY | _NOFOLLOW | (_NONBLOCK if last else _DIRECTORY)
            try:
                opened = os.open(part, flags, dir_fd=descriptor)
            except OSError as error:
                link = os.path.islink(os.path.join(real_folder, *parts[:index + 1]))
                if link and error.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise CaseFileError([Problem("The file was replaced by a link while it was being opened",
                                                 "open it again; if a link stays, " + _COPY_HINT)]) from None
                raise
            os.close(descriptor)
            descriptor = opened
            if os.fstat(descriptor).st_dev != device:
                raise CaseFileError([_MOUNTED])
        return descriptor
    except BaseException:
        os.close(descriptor)
        raise


_MOUNTED = Problem("This file is mounted into the cases folder from elsewhere, so it is not read", _COPY_HINT)


def _mounted_inside(real: str, real_folder: str) -> bool:
    """Whether a mount point inside the folder leads to the file: a bind mount of a single file keeps the
    device of the folder when both are on one file system, so only the mount table tells."""
    for point in _mount_points():
        if point.startswith(real_folder + os.sep) and (real == point or real.startswith(point + os.sep)):
            return True
    return False


def _mount_points() -> list[str]:
    """The mount points of this process (Linux; elsewhere none are known)."""
    try:
        with open(MOUNT_TABLE, "rb") as table:
            lines = table.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    points = [line.split(" ")[4] for line in lines if line.count(" ") >= 4]
    return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), point) for point in points]


def _outside(path: Path, folder: Path) -> Problem:
    where = f"the folder {folder.name}/" if folder.name else "its folder"
    if os.path.islink(path):
        return Problem(f"This is a symbolic link to a file outside {where}, so it is not read", _COPY_HINT)
    return Problem(f"This path leads outside {where} (through a link or '..'), so it is not read", _COPY_HINT)


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise CaseFileError([Problem(
            f"The file is {size / 1e6:.1f} MB; case files may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB",
            "split the history into smaller cases, or check that this is the right file")])


def shown_path(path: str | os.PathLike, folder: str | os.PathLike | None) -> str:
    """How a viewer of the dashboard sees a file: relative to the cases folder, never the server's full path."""
    if folder is None:
        return str(path)
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(folder)).as_posix()
    except ValueError:
        return Path(path).name
