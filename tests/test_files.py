"""No byte from outside the cases folder: links, '..', mounts and links swapped in while a file is opened are
refused by the one reader (`timelines.reading.files`), for every way in (loader, catalog, editor storage, history, CLI);
and a folder that changes while it is listed or read never stops the other cases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from timelines import CaseFileError, load_case
from timelines.cli import main as cli_main
from timelines.reading import catalog, files
from timelines.saving import storage

from conftest import CASE_FILES, ROOT

SECRET = "root:x:0:0:SECRET-PASSWORD-LINE"
CASE = CASE_FILES[0]


@pytest.fixture
def cases(tmp_path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(CASE, folder / CASE.name)
    return folder


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file of the server outside the cases folder; its text must never be shown."""
    outside = tmp_path / "server" / "passwd.yaml"
    outside.parent.mkdir()
    outside.write_text(SECRET + "\n", encoding="utf-8")
    return outside


def refusal(call) -> str:
    with pytest.raises(CaseFileError) as raised:
        call()
    text = str(raised.value)
    assert SECRET not in text
    return text


# ---------------------------------------------------------------- links and '..'

def test_a_link_to_a_file_outside_the_folder_is_refused_without_naming_its_target(cases, secret):
    (cases / "x.yaml").symlink_to(secret)
    text = refusal(lambda: files.read_inside(cases / "x.yaml", cases))
    assert "symbolic link to a file outside the folder cases/" in text
    assert str(secret.parent) not in text and "passwd" not in text


def test_the_loader_refuses_the_link_whether_or_not_it_is_told_the_folder(cases, secret):
    (cases / "x.yaml").symlink_to(secret)
    assert refusal(lambda: load_case(cases / "x.yaml")).startswith(f"{cases / 'x.yaml'}: This is a symbolic link")
    assert refusal(lambda: load_case(cases / "x.yaml", cases)).startswith("x.yaml: This is a symbolic link")


def test_a_relative_link_out_and_a_link_to_a_folder_outside_are_refused(cases, secret):
    (cases / "up.yaml").symlink_to(Path("..") / "server" / "passwd.yaml")
    (cases / "sub").symlink_to(secret.parent, target_is_directory=True)
    refusal(lambda: load_case(cases / "up.yaml", cases))
    assert "leads outside" in refusal(lambda: files.read_inside(cases / "sub" / "passwd.yaml", cases))


def test_a_dotdot_path_out_of_the_folder_is_refused(cases, secret):
    sneaky = cases / ".." / "server" / "passwd.yaml"
    assert "leads outside the folder cases/" in refusal(lambda: files.read_inside(sneaky, cases))


def test_a_link_to_another_case_inside_the_folder_is_read(cases):
    (cases / "alias.yaml").symlink_to(CASE.name)
    assert files.read_inside(cases / "alias.yaml", cases) == CASE.read_bytes()


def test_a_link_swapped_in_between_the_check_and_the_open_is_refused(cases, secret, monkeypatch):
    target = cases / CASE.name
    checked = files._mounted_inside  # the last look before the file is opened

    def check_then_swap(real, real_folder):
        mounted = checked(real, real_folder)
        target.unlink()
        target.symlink_to(secret)  # what a racing `git checkout` or attacker would do
        return mounted

    monkeypatch.setattr(files, "_mounted_inside", check_then_swap)
    assert "replaced by a link" in refusal(lambda: files.read_inside(target, cases))


@pytest.mark.slow
def test_a_file_bind_mounted_into_the_folder_is_refused(cases, secret):
    mounted = cases / "mounted.yaml"
    mounted.touch()
    if subprocess.run(["mount", "--bind", str(secret), str(mounted)], capture_output=True).returncode != 0:
        pytest.skip("bind mounts need privileges this machine does not give")
    try:
        assert "mounted into the cases folder" in refusal(lambda: load_case(mounted, cases))
    finally:
        subprocess.run(["umount", str(mounted)], check=False)


def test_the_mount_table_is_read_with_escaped_spaces(monkeypatch, tmp_path):
    table = tmp_path / "mountinfo"
    table.write_text("36 35 98:0 /x /srv/my\\040cases/x.yaml rw - ext4 /dev/root rw\n")
    monkeypatch.setattr(files, "MOUNT_TABLE", str(table))
    assert files._mount_points() == ["/srv/my cases/x.yaml"]


# ---------------------------------------------------------------- the editor's storage and history

def test_the_editor_never_reads_a_link_out_and_saving_over_it_is_refused(cases, secret):
    (cases / "x.yaml").symlink_to(secret)
    with pytest.raises(storage.StorageError) as raised:
        storage.read_for_edit(cases / "x.yaml", cases)
    assert SECRET not in raised.value.format() and "symbolic link" in raised.value.format()
    text = CASE.read_text(encoding="utf-8").replace(f"id: {CASE.stem}", "id: x", 1)
    with pytest.raises(storage.SaveRefused) as refused:
        storage.save_case(cases, "x", text, expected_fingerprint=None, allow_new=True)
    assert SECRET not in refused.value.format()
    assert secret.read_text(encoding="utf-8") == SECRET + "\n" and (cases / "x.yaml").is_symlink()


def test_a_history_folder_linked_outside_is_neither_written_nor_read(cases, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (cases / ".history").symlink_to(elsewhere, target_is_directory=True)
    text = CASE.read_text(encoding="utf-8")
    _, fingerprint = storage.read_for_edit(cases / CASE.name, cases)
    with pytest.raises(storage.StorageError, match="is a link"):
        storage.save_case(cases, CASE.stem, text + "\n", expected_fingerprint=fingerprint)
    with pytest.raises(storage.StorageError, match="is a link"):
        storage.history(cases, CASE.stem)
    assert list(elsewhere.iterdir()) == [] and (cases / CASE.name).read_text(encoding="utf-8") == text


def test_a_lock_file_planted_as_a_link_is_not_followed(cases, tmp_path):
    target = tmp_path / "victim"
    (cases / ".history").mkdir()
    (cases / ".history" / ".lock").symlink_to(target)
    _, fingerprint = storage.read_for_edit(cases / CASE.name, cases)
    with pytest.raises(storage.StorageError, match="lock"):
        storage.save_case(cases, CASE.stem, CASE.read_text(encoding="utf-8") + "\n", expected_fingerprint=fingerprint)
    assert not target.exists()


def test_temporary_files_left_in_the_history_by_a_killed_save_are_removed_by_the_next_save(cases):
    other = cases / ".history" / "another-case"
    other.mkdir(parents=True)
    stray = other / ".20260101T000000.000000Z.yaml.999999999.abc123.tmp"  # pid 999999999 is not running
    stray.write_text("half a backup")
    _, fingerprint = storage.read_for_edit(cases / CASE.name, cases)
    storage.save_case(cases, CASE.stem, CASE.read_text(encoding="utf-8") + "\n", expected_fingerprint=fingerprint)
    assert not stray.exists()
    assert len(storage.history(cases, CASE.stem)) == 1


@pytest.mark.slow
def test_backups_are_kept_out_of_version_control():
    ignored = subprocess.run(["git", "check-ignore", "-q", "cases/.history/some-case/x.yaml"], cwd=ROOT)
    assert ignored.returncode == 0


def test_a_backup_pruned_meanwhile_says_so_instead_of_raising_an_os_error(cases):
    _, fingerprint = storage.read_for_edit(cases / CASE.name, cases)
    storage.save_case(cases, CASE.stem, CASE.read_text(encoding="utf-8") + "\n", expected_fingerprint=fingerprint)
    version = storage.history(cases, CASE.stem)[0]
    version.path.unlink()
    with pytest.raises(storage.StorageError, match="Cannot read"):
        version.read_text()


# ---------------------------------------------------------------- the catalog while the folder changes

def test_the_catalog_lists_a_link_out_and_marks_it_with_a_message_naming_the_file_only(cases, secret):
    (cases / "x.yaml").symlink_to(secret)
    assert [p.name for p in catalog.case_paths(cases)] == [CASE.name, "x.yaml"]
    entry = catalog.load_entry(cases / "x.yaml", cases)
    assert not entry.ok and entry.problems[0].path == "x.yaml"
    assert str(cases) not in entry.problems[0].format()


def test_a_file_that_vanishes_after_listing_is_marked_not_raised(cases, monkeypatch):
    listed = catalog.case_paths(cases)
    (cases / CASE.name).unlink()
    assert files.stamp(listed[0]) is None
    entry = catalog.load_entry(listed[0], cases)
    assert not entry.ok and "Cannot read the file" in entry.problems[0].message


def test_a_file_replaced_by_a_folder_and_a_link_leading_nowhere_are_marked(cases):
    (cases / "folder.yaml").mkdir()
    (cases / "nowhere.yaml").symlink_to(cases / "missing.yaml")
    paths = catalog.case_paths(cases)
    assert [p.name for p in paths] == [CASE.name, "nowhere.yaml"]  # a folder is not a case file
    assert "Cannot read" in catalog.load_entry(cases / "nowhere.yaml", cases).problems[0].message
    assert "folder, not a case file" in catalog.load_entry(cases / "folder.yaml", cases).problems[0].message


def test_a_folder_that_cannot_be_listed_lists_nothing_and_says_why(tmp_path):
    assert catalog.case_paths(tmp_path / "gone") == [] and catalog.draft_paths(tmp_path / "gone") == []
    assert catalog.folder_problem(tmp_path / "gone") == "The cases folder gone/ does not exist"
    (tmp_path / "file").write_text("")
    assert "is a file" in catalog.folder_problem(tmp_path / "file")


def test_a_permission_change_changes_the_stamp_so_the_case_is_read_again(cases):
    path = cases / CASE.name
    before = files.stamp(path)
    os.chmod(path, 0o600)
    assert files.stamp(path) != before  # the change time moves; the modification time does not


def test_an_unreadable_file_is_marked_with_its_reason(cases, monkeypatch):
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if str(path).endswith(CASE.name):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", refuse)
    entry = catalog.load_entry(cases / CASE.name, cases)
    assert entry.problems[0].format() == (f"{CASE.name}: Cannot read the file: Permission denied. "
                                          "Hint: Check the path and the file's permissions.")


def test_drafts_that_vanish_while_listed_are_skipped(cases, monkeypatch):
    (cases / "gone.draft.yaml").write_text("id: gone\n")
    listed = catalog.draft_paths(cases)
    (cases / "gone.draft.yaml").unlink()
    monkeypatch.setattr(storage, "draft_paths", lambda folder: listed)
    assert storage.list_drafts(cases) == []


# ---------------------------------------------------------------- the command line

@pytest.mark.parametrize("argv", [["validate", "{link}"], ["export", "{link}"], ["summary", "{link}"],
                                  ["validate", "{folder}"]])
def test_every_command_refuses_a_link_out(argv, cases, secret, capsys):
    (cases / "x.yaml").symlink_to(secret)
    status = cli_main([a.format(link=cases / "x.yaml", folder=cases) for a in argv])
    out, err = capsys.readouterr()
    assert status == 1
    assert "symbolic link to a file outside the folder cases/" in out + err
    assert SECRET not in out + err


@pytest.mark.slow
def test_the_deck_command_refuses_a_link_out(cases, secret, tmp_path):
    (cases / "x.yaml").symlink_to(secret)
    result = subprocess.run([sys.executable, "-m", "components.exports.deck", str(cases / "x.yaml"), "--out",
                             str(tmp_path / "decks")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "symbolic link" in result.stdout + result.stderr and SECRET not in result.stdout + result.stderr


@pytest.mark.slow
def test_a_command_whose_reader_closes_the_pipe_exits_quietly(tmp_path):
    from hostile.generate import many_events_text

    big = tmp_path / "big.yaml"
    big.write_text(many_events_text("big", 3000), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "timelines", "export", str(big)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()  # `| head -1`
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0
    assert stderr == ""
