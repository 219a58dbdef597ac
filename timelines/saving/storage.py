"""Saving case files safely: checked names, atomic writes, kept backups, who saved what, refused conflicts, drafts."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import CaseFileError, Problem
from ..reading.catalog import CASE_SUFFIXES, DRAFT_SUFFIX, draft_paths
from ..reading.files import is_inside, read_inside
from ..reading.loading import load_text
from ..schema import CASE_ID_PATTERN

try:  # advisory locking keeps two editor sessions from saving the same folder at once (POSIX only)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MAX_ID_LENGTH = 80  # the {0,79} of CASE_ID_PATTERN, plus its first character
HISTORY_DIR = ".history"
HISTORY_KEPT = 20
SAVES_LOG = "saves.jsonl"  # in .history/<case-id>/: one line per save, saying when, by whom, and what was written
SAVES_KEPT = 200
STALE_TEMP_SECONDS = 3600  # a temporary file older than this is left over from a crashed save
WINDOWS_RESERVED = frozenset(["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)]
                             + [f"lpt{i}" for i in range(1, 10)])
ID_EXAMPLE = "lcnec-alk-lorlatinib"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")
_STAMP = "%Y%m%dT%H%M%S.%fZ"


# ---------------------------------------------------------------- errors

class StorageError(Exception):
    """A save or a file name that was refused, with what is wrong and how to fix it."""

    def __init__(self, message: str, hint: str = ""):
        self.message = message
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        """`Message. Hint: hint.`, as the problems of a case file are written."""
        return _sentence(self.message) + (f" Hint: {_sentence(self.hint)}" if self.hint else "")


def _sentence(text: str) -> str:
    text = text.strip()
    text = text if not text or text[-1] in ".?!" else text + "."
    return text[:1].upper() + text[1:]


class UnsafeCaseName(StorageError):
    """A case id that cannot be used as a file name in the cases folder."""


class SaveRefused(StorageError):
    """A save that would overwrite another case, or write a case that does not exist or does not load."""

    def __init__(self, message: str, hint: str = "", problems: tuple[Problem, ...] = ()):
        super().__init__(message, hint)
        self.problems = tuple(problems)


class SaveConflict(StorageError):
    """The file changed on disk since it was opened; nothing was written.

    Attributes
    ----------
    path : Path
        The file that changed.
    disk_text : str or None
        What the file holds now (None when it was deleted).
    disk_fingerprint : str or None
        The fingerprint of the bytes on disk now (None when it was deleted).
    """

    def __init__(self, path: Path, disk_text: str | None, disk_fingerprint: str | None, message: str = ""):
        self.path = path
        self.disk_text = disk_text
        self.disk_fingerprint = disk_fingerprint
        if message:
            hint = "compare the two versions, then keep editing, load the one on disk, or save yours under a new id"
        elif disk_text is None:
            message = f"The file {path.name} was deleted or renamed since you opened it"
            hint = "save your text as a new case (the same id is free again), or under another id"
        else:
            message = f"The file {path.name} changed on disk since you opened it (someone or something else saved it)"
            hint = "compare the two versions, then keep editing, reload the file from disk, or save yours under a new id"
        super().__init__(message, hint)


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class SaveResult:
    """What a save did: the file written, its new fingerprint, and the backup of the version it replaced."""

    path: Path
    fingerprint: str
    draft: bool = False
    created: bool = False
    backup: Path | None = None
    retired_draft: Path | None = None  # a draft of this case moved into the history by a complete save


@dataclass(frozen=True)
class Backup:
    """One earlier version of a case kept in `.history/<case-id>/`."""

    path: Path
    saved_at: dt.datetime  # when it was replaced (UTC)
    draft: bool

    def read_text(self) -> str:
        """The text of this version; StorageError when it is gone (pruned by another save) or leaves the folder."""
        return _read(self.path, self.path.parents[2]).decode("utf-8", errors="replace")


@dataclass(frozen=True)
class SaveRecord:
    """One save of a case, as `.history/<case-id>/saves.jsonl` records it."""

    saved_at: dt.datetime  # UTC
    saved_by: str | None   # the signed-in user's verified email; None where the dashboard has no sign-in
    draft: bool
    fingerprint: str       # of the bytes written: names the version this save made


@dataclass(frozen=True)
class Draft:
    """A case saved with problems, as `<case-id>.draft.yaml`: not a case until it is fixed and saved."""

    case_id: str
    path: Path
    modified: dt.datetime
    has_case: bool  # whether `<case-id>.yaml` exists beside it


# ---------------------------------------------------------------- names

def safe_case_path(folder: str | os.PathLike, case_id: object, *, draft: bool = False) -> Path:
    """The file of a case id in the cases folder, after checking the id is a safe, portable file name.

    Parameters
    ----------
    folder
        The cases folder.
    case_id
        The case id: lowercase letters, digits and hyphens (``CASE_ID_PATTERN``), at most 80 characters,
        not a Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9).
    draft
        Give the draft's file (``<case-id>.draft.yaml``) instead of the case's.

    Returns
    -------
    Path
        ``folder/<case-id>.yaml`` (or the existing ``.yml`` file of that id), never outside ``folder``.

    Raises
    ------
    UnsafeCaseName
        Saying what is wrong with the id and suggesting one that works.
    """
    check_case_id(case_id)
    folder = Path(folder)
    if draft:
        path = folder / f"{case_id}{DRAFT_SUFFIX}"
    else:
        path = next((folder / f"{case_id}{s}" for s in CASE_SUFFIXES if (folder / f"{case_id}{s}").is_file()),
                    folder / f"{case_id}.yaml")
    if path.parent.resolve() != folder.resolve():  # the id checks make this impossible; kept as the invariant
        raise UnsafeCaseName(f"The case id '{case_id}' points outside the cases folder", _ID_RULE)
    return path


def check_case_id(case_id: object) -> str:
    """The case id itself, when it is a usable file name; otherwise raise UnsafeCaseName explaining why.

    Parameters
    ----------
    case_id
        What the author typed as the id.

    Returns
    -------
    str
        The id, unchanged.
    """
    if not isinstance(case_id, str):
        raise UnsafeCaseName(f"The case id must be text, not {type(case_id).__name__}", _ID_RULE)
    problem = _id_problem(case_id)
    if problem:
        raise UnsafeCaseName(*problem)
    return case_id


_ID_RULE = f"an id uses lowercase letters a-z, digits and hyphens, e.g. '{ID_EXAMPLE}'"
_CHARACTER_NAMES = {" ": "a space", "\t": "a tab", "_": "'_' (use '-' instead)"}


def _id_problem(case_id: str) -> tuple[str, str] | None:
    """(message, hint) for an unusable id, None for a good one."""
    shown = case_id if len(case_id) <= 40 else case_id[:37] + "..."
    suggestion = suggest_case_id(case_id)
    instead = f"write '{suggestion}'" if suggestion and len(suggestion) <= 40 else _ID_RULE
    if not case_id.strip():
        return "The case id is empty", f"type a short name for the case; {_ID_RULE}"
    if len(case_id) > MAX_ID_LENGTH:
        return (f"The case id is {len(case_id)} characters long; at most {MAX_ID_LENGTH} are allowed",
                f"shorten it: an id is a short name such as '{ID_EXAMPLE}'")
    if case_id.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", case_id):
        return f"The case id '{shown}' is a path; an id names one file inside the cases folder", instead
    if "/" in case_id or "\\" in case_id:
        return (f"The case id '{shown}' contains '/' or '\\'; an id names one file inside the cases folder, "
                "not a path", instead)
    if "." in case_id:
        return (f"The case id '{shown}' contains a dot; an id has no dots and no file extension",
                f"{instead} (the editor adds .yaml itself)")
    if case_id.lower() in WINDOWS_RESERVED:
        return (f"'{case_id}' is a reserved device name on Windows and cannot name a file there",
                f"add a word, e.g. '{case_id.lower()}-case'")
    if re.fullmatch(CASE_ID_PATTERN, case_id):
        return None
    odd = list(dict.fromkeys(c for c in case_id if not re.fullmatch(r"[a-z0-9-]", c)))
    if odd:
        names = ", ".join(_CHARACTER_NAMES.get(c, repr(c)) for c in odd[:6])
        return (f"The case id '{shown}' contains {names}; only lowercase letters a-z, digits and hyphens are allowed",
                instead)
    return f"The case id '{shown}' must start with a letter or a digit", instead


def suggest_case_id(text: str, limit: int = MAX_ID_LENGTH) -> str:
    """A valid case id made from any text (a title, a mistyped id): 'Ünïcode Case' -> 'unicode-case'.

    Parameters
    ----------
    text
        Any text.
    limit
        The longest id wanted (at most MAX_ID_LENGTH): words that do not fit are left out whole, never cut; only a
        first word longer than the limit is cut.

    Returns
    -------
    str
        Lowercase ASCII letters, digits and single hyphens, at most `limit` characters; '' when nothing is left.
    """
    limit = min(limit, MAX_ID_LENGTH)
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = re.sub(r"\.(ya?ml)$", "", ascii_text)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        cut = slug.rfind("-", 0, limit + 1)
        slug = slug[:cut] if cut > 0 else slug[:limit]
    if slug in WINDOWS_RESERVED:
        slug = f"{slug}-case"
    return slug


# ---------------------------------------------------------------- reading

def fingerprint(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as hex: equal fingerprints mean the file did not change.

    Parameters
    ----------
    data
        The bytes read from the file.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    return hashlib.sha256(data).hexdigest()


def read_for_edit(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> tuple[str, str]:
    """The text of a case file for the editor, and the fingerprint of the bytes read.

    Parameters
    ----------
    path
        The case file.
    folder
        The cases folder (by default the file's own folder): a file whose real path leaves it, such as a link
        to a file of the server, is refused and never read.

    Returns
    -------
    tuple of (str, str)
        The text (UTF-8, Windows line ends turned into ``\\n``) and the fingerprint of the bytes on disk, to
        pass back to `save_case` as ``expected_fingerprint``.

    Raises
    ------
    StorageError
        When the file cannot be read, leaves the folder, or is not UTF-8 text.
    """
    path = Path(path)
    data = _read(path, folder)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise StorageError(f"{path.name} is not UTF-8 text (line {line} holds byte 0x{data[error.start]:02x})",
                           "open it in a text editor and save it with the encoding UTF-8") from None
    return text.replace("\r\n", "\n"), fingerprint(data)


def _read(path: Path, folder: str | os.PathLike | None) -> bytes:
    """The bytes of a file inside the folder; StorageError (naming the file only) for anything else."""
    try:
        return read_inside(path, folder)
    except CaseFileError as error:
        message = error.first.message
        raise StorageError(f"Cannot open {path.name}: {message[:1].lower()}{message[1:]}", error.first.hint) from None
    except OSError as error:
        raise StorageError(f"Cannot read {path.name}: {error.strerror or error}",
                           "check that the file exists and can be read") from None


def _disk_state(path: Path) -> tuple[bytes | None, str | None]:
    """What the file holds now and its fingerprint; (None, None) when there is no file (a link that leads
    nowhere counts as a file: saving must not replace it unseen)."""
    if not os.path.lexists(path):
        return None, None
    try:
        data = _read(path, path.parent)
    except StorageError as error:
        if not os.path.lexists(path):  # deleted meanwhile
            return None, None
        raise SaveRefused(error.message, error.hint) from None
    return data, fingerprint(data)


# ---------------------------------------------------------------- saving

def save_case(folder: str | os.PathLike, case_id: str, text: str, *, expected_fingerprint: str | None,
              allow_new: bool = False, draft: bool = False, saved_by: str | None = None) -> SaveResult:
    """Write a case file atomically, keeping the version it replaces, unless it changed since it was read.

    Parameters
    ----------
    folder
        The cases folder; nothing is ever written outside it (backups go to ``folder/.history/<case-id>/``).
    case_id
        The id, which names the file ``<case-id>.yaml``.
    text
        The whole file. A complete save must load without problems and its ``id:`` must be ``case_id``.
    expected_fingerprint
        The fingerprint of the file as it was read for editing (`read_for_edit`), or None when it did not
        exist then. If the file on disk differs, nothing is written.
    allow_new
        Whether the file may be created when it does not exist (a new case, an upload, a new id).
    draft
        Save as ``<case-id>.draft.yaml``, even when the text has problems (drafts may always be created).
    saved_by
        Who saves (the signed-in user's verified email), recorded with the time in
        ``folder/.history/<case-id>/saves.jsonl`` (`saves`); None where the dashboard has no sign-in.

    Returns
    -------
    SaveResult
        The file written, its new fingerprint, and the backup of the previous version (if any).

    Raises
    ------
    UnsafeCaseName
        For an id that is not a safe file name.
    SaveRefused
        When the text does not load (complete saves), its id differs from ``case_id``, the file exists
        although it was not opened (it would overwrite another case), or it does not exist and
        ``allow_new`` is false.
    SaveConflict
        When the file on disk is not the one that was opened; it carries the text on disk.
    """
    path = safe_case_path(folder, case_id, draft=draft)
    folder = path.parent
    if not folder.is_dir():
        raise SaveRefused(f"The cases folder {folder.name}/ does not exist", "check the cases_dir setting")
    data = text.encode("utf-8")
    _check_text(case_id, text, draft)
    with _folder_lock(folder):
        on_disk, disk_fingerprint = _disk_state(path)
        _check_disk(path, case_id, on_disk, disk_fingerprint, expected_fingerprint, allow_new or draft, draft)
        _remove_stale_temporaries(folder)
        _remove_stale_history_temporaries(folder)
        backup = _keep_backup(folder, case_id, on_disk, draft) if on_disk is not None else None
        if on_disk is None:
            _create_atomically(path, data)
        else:
            _replace_atomically(path, data)
        retired = None if draft else _retire_draft(folder, case_id)
        _record_save(folder, case_id, SaveRecord(_now(), saved_by, draft, fingerprint(data)))
    return SaveResult(path, fingerprint(data), draft=draft, created=on_disk is None, backup=backup,
                      retired_draft=retired)


def _check_text(case_id: str, text: str, draft: bool) -> None:
    if draft:
        written = _written_id(text)
        if written is not None and written != case_id:
            raise SaveRefused(f"The text says id: {written}, but it is being saved as '{case_id}'",
                              f"set id: {case_id}, or save it under the id '{written}'")
        return
    try:
        load_text(text, f"{case_id}.yaml")
    except CaseFileError as error:
        count = len(error.problems)
        raise SaveRefused(f"The text has {count} problem{'s' * (count != 1)}, so it cannot be saved as the case "
                          f"'{case_id}'", "fix them, or save the text as a draft", tuple(error.problems)) from None


def _written_id(text: str) -> str | None:
    """The top-level `id:` of a text that may not parse; None when there is none to read."""
    match = re.search(r"^id:[ \t]*['\"]?([^'\"#\s]+)['\"]?[ \t]*(#.*)?$", text, re.M)
    return match.group(1) if match else None


def _check_disk(path: Path, case_id: str, on_disk: bytes | None, disk_fingerprint: str | None,
                expected: str | None, allow_new: bool, draft: bool) -> None:
    what = "draft" if draft else "case"
    if on_disk is None:
        if expected is not None and not draft:
            raise SaveConflict(path, None, None)
        if not allow_new:
            raise SaveRefused(f"There is no case '{case_id}' to save over",
                              "open an existing case, or create the file as a new case")
        return
    if expected is None:
        disk_text = on_disk.decode("utf-8", errors="replace")
        if draft:
            raise SaveConflict(path, disk_text, disk_fingerprint,
                               f"A draft of '{case_id}' ({path.name}) already exists, saved in another session")
        raise SaveRefused(f"A {what} with the id '{case_id}' already exists ({path.name}); saving would overwrite it",
                          f"choose another id, or open '{case_id}' to edit it")
    if expected != disk_fingerprint:
        raise SaveConflict(path, on_disk.decode("utf-8", errors="replace"), disk_fingerprint)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    history = _history_root(folder)
    history.mkdir(exist_ok=True)
    try:
        lock = os.open(history / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as error:  # a link planted as .history/.lock is not followed
        raise StorageError(f"{HISTORY_DIR}/.lock in the cases folder cannot be opened: {error.strerror or error}",
                           f"delete {HISTORY_DIR}/.lock if it is a link; it is made again at the next save") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    finally:
        os.close(lock)


def _write_temporary(folder: Path, name: str, data: bytes, mode: int = 0o644) -> Path:
    """Write data to a hidden temporary file in `folder`, flushed and synced; never a case (it starts with '.')."""
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.{os.getpid()}.", suffix=".tmp")
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        if hasattr(os, "fchmod"):  # mkstemp makes the file private; a case file is as readable as before
            os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        _unlink_quietly(Path(temporary))
        raise
    os.close(fd)
    return Path(temporary)


def _replace_atomically(path: Path, data: bytes) -> None:
    temporary = _write_temporary(path.parent, path.name, data, path.stat().st_mode & 0o777)
    try:
        os.replace(temporary, path)
    except BaseException:
        _unlink_quietly(temporary)
        raise
    _sync_folder(path.parent)


def _create_atomically(path: Path, data: bytes) -> None:
    """Like _replace_atomically, but refuses (FileExistsError) if the file appeared meanwhile."""
    temporary = _write_temporary(path.parent, path.name, data)
    try:
        try:
            os.link(temporary, path)  # atomic, and never replaces an existing file
        except FileExistsError:
            raise SaveRefused(f"The file {path.name} was created by someone else while saving",
                              "open it to see what it holds, or save under another id") from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise SaveRefused(f"The file {path.name} was created by someone else while saving",
                                  "open it to see what it holds, or save under another id") from None
            os.replace(temporary, path)
    finally:
        _unlink_quietly(temporary)
    _sync_folder(path.parent)


def create_atomically(path: Path, data: bytes) -> None:
    """Create a file with `data` in one step (a synced hidden temporary file, then linked into place); refused
    (SaveRefused) when a file, or a link, appeared at `path` meanwhile: nothing is ever written through a link."""
    _create_atomically(path, data)


def replace_atomically(path: Path, data: bytes) -> None:
    """Replace a regular file with `data` in one step (a synced hidden temporary file renamed over it): a link put
    in its place meanwhile is itself replaced, never followed."""
    _replace_atomically(path, data)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a directory fsync); not possible on every platform."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of saves that crashed (their process is gone, or they are old) are removed."""
    now = time.time()
    for path in folder.iterdir():
        match = _TEMP.match(path.name)
        if not match or not path.is_file():
            continue
        with contextlib.suppress(OSError):
            if not _process_alive(int(match["pid"])) or now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                path.unlink()


def _remove_stale_history_temporaries(folder: Path) -> None:
    """A save killed while keeping a backup leaves its temporary file in `.history/<case-id>/`: remove those of
    every case, not only of the case being saved, which may never be saved again."""
    with contextlib.suppress(OSError):
        for history in _history_root(folder).iterdir():
            if history.is_dir() and not history.is_symlink():
                _remove_stale_temporaries(history)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


# ---------------------------------------------------------------- history

def _history_root(folder: Path) -> Path:
    """`folder/.history`, refused when it is a link: backups are never written or read outside the folder."""
    root = folder / HISTORY_DIR
    _refuse_link(root, folder)
    return root


def _history_folder(folder: Path, case_id: str) -> Path:
    path = _history_root(folder) / check_case_id(case_id)
    _refuse_link(path, folder)
    return path


def _refuse_link(path: Path, folder: Path) -> None:
    if os.path.islink(path) or os.path.lexists(path) and not is_inside(path, folder):
        shown = path.relative_to(folder).as_posix()
        raise StorageError(f"{shown} in the cases folder is a link, so earlier versions are neither kept nor read "
                           "through it", f"delete the link {shown}; it is made again as a folder at the next save")


def _keep_backup(folder: Path, case_id: str, data: bytes, draft: bool) -> Path:
    """Keep the version about to be replaced in .history/<case-id>/, then drop all but the newest HISTORY_KEPT."""
    history = _history_folder(folder, case_id)
    history.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(history)
    stamp = _now().strftime(_STAMP)
    suffix = DRAFT_SUFFIX if draft else ".yaml"
    path = history / f"{stamp}{suffix}"
    counter = 1
    while path.exists():
        path = history / f"{stamp}-{counter}{suffix}"
        counter += 1
    _create_atomically(path, data)
    for old in _versions(history)[HISTORY_KEPT:]:
        _unlink_quietly(old.path)
    return path


def _retire_draft(folder: Path, case_id: str) -> Path | None:
    """Once the case is saved complete, its draft is out of date: keep it in the history, off the case list."""
    path = safe_case_path(folder, case_id, draft=True)
    data, _ = _disk_state(path)
    if data is None:
        return None
    backup = _keep_backup(folder, case_id, data, draft=True)
    _unlink_quietly(path)
    _sync_folder(folder)
    return backup


def history(folder: str | os.PathLike, case_id: str) -> list[Backup]:
    """The earlier versions of a case kept by `save_case`, newest first.

    Parameters
    ----------
    folder
        The cases folder.
    case_id
        The case id.

    Returns
    -------
    list of Backup
        At most ``HISTORY_KEPT`` versions, each with the time it was replaced and whether it was a draft.
    """
    return _versions(_history_folder(Path(folder), case_id))


def _versions(history_folder: Path) -> list[Backup]:
    if not history_folder.is_dir():
        return []
    found = []
    for path in history_folder.iterdir():
        match = re.match(r"^(\d{8}T\d{6}\.\d{6}Z)(?:-(\d+))?(\.draft)?\.yaml$", path.name)
        if match and path.is_file():
            saved_at = dt.datetime.strptime(match[1], _STAMP).replace(tzinfo=dt.timezone.utc)
            found.append((saved_at, int(match[2] or 0), Backup(path, saved_at, bool(match[3]))))
    return [backup for *_, backup in sorted(found, key=lambda item: item[:2], reverse=True)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _record_save(folder: Path, case_id: str, record: SaveRecord) -> None:
    """Add a save to the case's log, keeping the newest SAVES_KEPT; written whole and atomically, under the
    folder lock of the save, so a crash leaves the previous log."""
    history = _history_folder(folder, case_id)
    history.mkdir(parents=True, exist_ok=True)
    try:
        earlier = _saves(history)[:SAVES_KEPT - 1]
    except StorageError:  # a log that is not a readable file inside the folder (a planted link) starts afresh
        earlier = []
    rows = [json.dumps(_as_json(r), ensure_ascii=False) + "\n" for r in [*reversed(earlier), record]]
    path = history / SAVES_LOG
    temporary = _write_temporary(history, SAVES_LOG, "".join(rows).encode("utf-8"))
    try:
        os.replace(temporary, path)  # replaces a link planted there, never writes through it
    except BaseException:
        _unlink_quietly(temporary)
        raise


def _as_json(record: SaveRecord) -> dict:
    return {"at": record.saved_at.strftime(_STAMP), "by": record.saved_by, "draft": record.draft,
            "fingerprint": record.fingerprint}


def saves(folder: str | os.PathLike, case_id: str) -> list[SaveRecord]:
    """Who saved a case when, newest first, as `save_case` recorded it (at most ``SAVES_KEPT`` saves).

    Parameters
    ----------
    folder
        The cases folder.
    case_id
        The case id.

    Returns
    -------
    list of SaveRecord
        Empty for a case saved before saves were recorded. Unreadable lines are skipped.
    """
    return _saves(_history_folder(Path(folder), case_id))


def _saves(history_folder: Path) -> list[SaveRecord]:
    path = history_folder / SAVES_LOG
    if not os.path.lexists(path):
        return []
    records = []
    for row in _read(path, history_folder.parents[1]).decode("utf-8", errors="replace").splitlines():
        try:
            item = json.loads(row)
            by = item.get("by")
            records.append(SaveRecord(dt.datetime.strptime(item["at"], _STAMP).replace(tzinfo=dt.timezone.utc),
                                      by if isinstance(by, str) else None, bool(item.get("draft")),
                                      str(item["fingerprint"])))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return sorted(records, key=lambda r: r.saved_at, reverse=True)


def author_of(records: list[SaveRecord], backup: Backup) -> SaveRecord | None:
    """The save that wrote an earlier version: the newest save of the same bytes before it was replaced.

    Parameters
    ----------
    records
        The saves of the case (`saves`).
    backup
        An earlier version (`history`).

    Returns
    -------
    SaveRecord or None
        None when the version was written before saves were recorded, or by hand outside the dashboard.
    """
    try:
        written = fingerprint(_read(backup.path, backup.path.parents[2]))
    except StorageError:
        return None
    return next((r for r in records if r.fingerprint == written and r.saved_at <= backup.saved_at), None)


# ---------------------------------------------------------------- drafts

def list_drafts(folder: str | os.PathLike) -> list[Draft]:
    """The drafts of a cases folder (texts saved with problems), sorted by case id.

    Parameters
    ----------
    folder
        The cases folder.

    Returns
    -------
    list of Draft
        Each with its case id, file, modification time and whether the case itself exists.
    """
    folder = Path(folder)
    drafts = []
    for path in draft_paths(folder):
        case_id = path.name[: -len(DRAFT_SUFFIX)]
        try:
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
        except OSError:  # deleted since the folder was listed, or a link that leads nowhere
            continue
        has_case = any((folder / f"{case_id}{s}").is_file() for s in CASE_SUFFIXES)
        drafts.append(Draft(case_id, path, modified, has_case))
    return drafts
