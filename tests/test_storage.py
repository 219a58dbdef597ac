"""Saving case files: safe names, atomic writes that survive crashes, backups, conflicts, drafts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from timelines.reading import catalog
from timelines.reading.loading import load_case
from timelines.saving import storage

from conftest import CASE_FILES, CASES, ROOT, make_case, make_event


def case_text(case_id: str, title: str = "Example") -> str:
    return yaml.safe_dump(make_case(make_event(), id=case_id, title=title), sort_keys=False)


@pytest.fixture
def folder(tmp_path) -> Path:
    """A cases folder holding a copy of every bundled case and the template."""
    for path in CASES.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    return tmp_path


def visible_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("case_id, words", [
    ("../x", "contains '/' or '\\'"),
    ("/etc/passwd", "is a path"),
    ("a/b", "contains '/' or '\\'"),
    ("a\\b", "contains '/' or '\\'"),
    (".hidden", "contains a dot"),
    ("x.yaml", "contains a dot"),
    ("Ünïcode", "contains 'Ü', 'ï'"),
    ("CON", "reserved device name on Windows"),
    ("nul", "reserved device name on Windows"),
    ("com1", "reserved device name on Windows"),
    ("lpt9", "reserved device name on Windows"),
    ("", "The case id is empty"),
    ("x" * 300, "300 characters long; at most 80"),
    ("-x", "must start with a letter or a digit"),
    ("My Case", "contains 'M', a space, 'C'"),
])
def test_unsafe_case_ids_are_refused_with_a_message_and_a_hint(tmp_path, case_id, words):
    with pytest.raises(storage.UnsafeCaseName) as caught:
        storage.safe_case_path(tmp_path, case_id)
    assert words in caught.value.message
    assert caught.value.hint
    assert "Hint: " in caught.value.format()


def test_the_hint_for_an_odd_id_suggests_one_that_works():
    with pytest.raises(storage.UnsafeCaseName) as caught:
        storage.check_case_id("Ünïcode")
    assert caught.value.hint == "write 'unicode'"
    with pytest.raises(storage.UnsafeCaseName) as caught:
        storage.check_case_id("x.yaml")
    assert caught.value.hint.startswith("write 'x'")


def test_unsafe_ids_are_refused_by_save_before_anything_is_written(folder):
    before = visible_files(folder)
    for case_id in ("../escaped", "/tmp/escaped", "sub/escaped", "CON"):
        with pytest.raises(storage.UnsafeCaseName):
            storage.save_case(folder, case_id, case_text("escaped"), expected_fingerprint=None, allow_new=True)
    assert visible_files(folder) == before
    assert not (folder.parent / "escaped.yaml").exists()


@pytest.mark.parametrize("case_id", ["a", "lcnec-alk-lorlatinib", "case-2", "x" * 80, "con-case", "com10"])
def test_good_ids_name_a_yaml_file_inside_the_folder(tmp_path, case_id):
    path = storage.safe_case_path(tmp_path, case_id)
    assert path == tmp_path / f"{case_id}.yaml"
    assert storage.safe_case_path(tmp_path, case_id, draft=True) == tmp_path / f"{case_id}.draft.yaml"


def test_an_existing_yml_file_is_the_file_of_its_id(tmp_path):
    (tmp_path / "old-style.yml").write_text(case_text("old-style"))
    assert storage.safe_case_path(tmp_path, "old-style") == tmp_path / "old-style.yml"


@pytest.mark.parametrize("text, expected", [
    ("Ünïcode Case", "unicode-case"), ("ALK+ LCNEC, 1st line!", "alk-lcnec-1st-line"), ("x.yaml", "x"),
    ("CON", "con-case"), ("  ", ""), ("a" * 100, "a" * 80),
])
def test_suggested_ids_are_valid_ids(text, expected):
    suggestion = storage.suggest_case_id(text)
    assert suggestion == expected
    if suggestion:
        storage.check_case_id(suggestion)


@pytest.mark.parametrize("limit, expected", [
    (47, "duodenal-gastrointestinal-stromal-tumour"),  # '-treated' would end at 48: left out whole, not cut
    (80, "duodenal-gastrointestinal-stromal-tumour-treated-with-pancreas-preserving"),  # not '...-duoden'
])
def test_an_id_suggested_from_a_long_title_keeps_whole_words(limit, expected):
    title = "Duodenal gastrointestinal stromal tumour treated with pancreas-preserving duodenectomy and imatinib"
    assert storage.suggest_case_id(title, limit) == expected


# ---------------------------------------------------------------- reading and saving

def test_read_for_edit_gives_the_text_and_the_fingerprint_of_the_bytes(folder):
    path = folder / CASE_FILES[0].name
    text, print_ = storage.read_for_edit(path)
    assert text == path.read_text(encoding="utf-8")
    assert print_ == storage.fingerprint(path.read_bytes()) and len(print_) == 64


def test_a_file_that_is_not_utf8_is_explained(tmp_path):
    (tmp_path / "latin.yaml").write_bytes("id: caf\xe9\n".encode("latin-1"))
    with pytest.raises(storage.StorageError, match="not UTF-8 text") as caught:
        storage.read_for_edit(tmp_path / "latin.yaml")
    assert "UTF-8" in caught.value.hint


def test_saving_an_opened_case_replaces_it_and_keeps_the_old_version(folder):
    path = folder / CASE_FILES[0].name
    old_bytes = path.read_bytes()
    text, print_ = storage.read_for_edit(path)
    edited = text.replace("title: ", "title: EDITED ", 1)
    result = storage.save_case(folder, path.stem, edited, expected_fingerprint=print_)
    assert path.read_text(encoding="utf-8") == edited
    assert result.fingerprint == storage.fingerprint(edited.encode("utf-8")) and not result.created
    assert result.backup.read_bytes() == old_bytes
    assert result.backup.parent == folder / ".history" / path.stem
    assert load_case(path).case.title.startswith("EDITED")


def test_a_new_case_is_created_only_when_asked_and_only_where_nothing_exists(folder):
    with pytest.raises(storage.SaveRefused, match="There is no case 'brand-new'"):
        storage.save_case(folder, "brand-new", case_text("brand-new"), expected_fingerprint=None)
    result = storage.save_case(folder, "brand-new", case_text("brand-new"), expected_fingerprint=None, allow_new=True)
    assert result.created and result.backup is None
    assert folder / "brand-new.yaml" in catalog.case_paths(folder)


def test_a_new_case_never_overwrites_an_existing_one(folder):
    existing = CASE_FILES[0].stem
    before = (folder / f"{existing}.yaml").read_bytes()
    with pytest.raises(storage.SaveRefused, match="already exists") as caught:
        storage.save_case(folder, existing, case_text(existing), expected_fingerprint=None, allow_new=True)
    assert "choose another id" in caught.value.hint
    assert (folder / f"{existing}.yaml").read_bytes() == before


def test_a_text_with_problems_is_refused_as_a_case_and_its_problems_travel_with_the_refusal(folder):
    path = folder / CASE_FILES[0].name
    text, print_ = storage.read_for_edit(path)
    before = path.read_bytes()
    broken = text.replace("kind: imaging", "kind: imagin", 1)
    with pytest.raises(storage.SaveRefused, match="problem") as caught:
        storage.save_case(folder, path.stem, broken, expected_fingerprint=print_)
    assert "draft" in caught.value.hint
    assert any("Unknown event kind 'imagin'" in p.message for p in caught.value.problems)
    assert path.read_bytes() == before


def test_the_text_must_carry_the_id_it_is_saved_under(folder):
    with pytest.raises(storage.SaveRefused) as caught:
        storage.save_case(folder, "one-id", case_text("another-id"), expected_fingerprint=None, allow_new=True)
    assert any("does not match the file name 'one-id.yaml'" in p.message for p in caught.value.problems)
    assert not (folder / "one-id.yaml").exists()


# ---------------------------------------------------------------- conflicts

def test_a_file_changed_on_disk_since_it_was_opened_is_not_overwritten(folder):
    path = folder / CASE_FILES[0].name
    text, print_ = storage.read_for_edit(path)
    theirs = text.replace("title: ", "title: THEIRS ", 1)
    path.write_text(theirs, encoding="utf-8")
    mine = text.replace("title: ", "title: MINE ", 1)
    with pytest.raises(storage.SaveConflict) as caught:
        storage.save_case(folder, path.stem, mine, expected_fingerprint=print_)
    assert caught.value.disk_text == theirs
    assert caught.value.disk_fingerprint == storage.fingerprint(theirs.encode("utf-8"))
    assert "changed on disk since you opened it" in caught.value.message
    assert path.read_text(encoding="utf-8") == theirs
    assert storage.history(folder, path.stem) == []


def test_a_file_deleted_since_it_was_opened_is_a_conflict_not_a_silent_recreation(folder):
    path = folder / CASE_FILES[0].name
    text, print_ = storage.read_for_edit(path)
    path.unlink()
    with pytest.raises(storage.SaveConflict, match="deleted or renamed") as caught:
        storage.save_case(folder, path.stem, text, expected_fingerprint=print_)
    assert caught.value.disk_text is None
    assert not path.exists()


# ---------------------------------------------------------------- drafts

def test_a_text_with_problems_can_be_saved_as_a_draft_that_is_not_a_case(folder):
    broken = case_text("work-in-progress").replace("kind: targeted", "kind: targetted")
    result = storage.save_case(folder, "work-in-progress", broken, expected_fingerprint=None, draft=True)
    assert result.path == folder / "work-in-progress.draft.yaml" and result.draft
    assert result.path.read_text(encoding="utf-8") == broken
    assert result.path not in catalog.case_paths(folder)
    assert catalog.draft_paths(folder) == [result.path]
    [draft] = storage.list_drafts(folder)
    assert (draft.case_id, draft.path, draft.has_case) == ("work-in-progress", result.path, False)


def test_a_draft_is_refused_when_its_text_names_another_id(folder):
    with pytest.raises(storage.SaveRefused, match="id: other"):
        storage.save_case(folder, "mine", "id: other\ntitle: [unclosed\n", expected_fingerprint=None, draft=True)


def test_saving_the_case_complete_retires_its_draft_into_the_history(folder):
    broken = case_text("growing").replace("kind: targeted", "kind: targetted")
    draft = storage.save_case(folder, "growing", broken, expected_fingerprint=None, draft=True)
    result = storage.save_case(folder, "growing", case_text("growing"), expected_fingerprint=None, allow_new=True)
    assert not draft.path.exists()
    assert result.retired_draft is not None and result.retired_draft.read_text(encoding="utf-8") == broken
    [kept] = storage.history(folder, "growing")
    assert kept.draft and kept.path == result.retired_draft


def test_a_draft_saved_elsewhere_meanwhile_is_a_conflict(folder):
    storage.save_case(folder, "shared", "id: shared\n# theirs\n", expected_fingerprint=None, draft=True)
    with pytest.raises(storage.SaveConflict) as caught:
        storage.save_case(folder, "shared", "id: shared\n# mine\n", expected_fingerprint=None, draft=True)
    assert caught.value.disk_text == "id: shared\n# theirs\n"


# ---------------------------------------------------------------- backups

def test_after_25_saves_the_20_newest_previous_versions_are_kept_newest_first(folder):
    result = storage.save_case(folder, "often-saved", case_text("often-saved", "Version 0"),
                               expected_fingerprint=None, allow_new=True)
    for number in range(1, 26):
        result = storage.save_case(folder, "often-saved", case_text("often-saved", f"Version {number}"),
                                   expected_fingerprint=result.fingerprint)
    versions = storage.history(folder, "often-saved")
    assert len(versions) == storage.HISTORY_KEPT == 20
    titles = [yaml.safe_load(v.read_text())["title"] for v in versions]
    assert titles == [f"Version {n}" for n in range(24, 4, -1)]  # each a previous version, newest first
    assert [v.saved_at for v in versions] == sorted((v.saved_at for v in versions), reverse=True)
    assert yaml.safe_load((folder / "often-saved.yaml").read_text())["title"] == "Version 25"
    assert len(list((folder / ".history" / "often-saved").glob("*.yaml"))) == 20


def test_the_history_of_a_case_never_saved_is_empty(folder):
    assert storage.history(folder, "never-saved") == []


# ---------------------------------------------------------------- atomicity

def test_a_failure_between_write_and_rename_leaves_the_old_file_and_no_partial_case(folder, monkeypatch):
    path = folder / CASE_FILES[0].name
    before, cases_before = path.read_bytes(), catalog.case_paths(folder)
    text, print_ = storage.read_for_edit(path)

    def broken_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        storage.save_case(folder, path.stem, text.replace("title: ", "title: NEW ", 1), expected_fingerprint=print_)
    assert path.read_bytes() == before
    assert catalog.case_paths(folder) == cases_before
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_failing_fsync_leaves_the_old_file_and_no_partial_case(folder, monkeypatch):
    path = folder / CASE_FILES[1].name
    before = path.read_bytes()
    text, print_ = storage.read_for_edit(path)

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        storage.save_case(folder, path.stem, text + "\n# more\n", expected_fingerprint=print_)
    assert path.read_bytes() == before
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_new_case_is_not_created_when_the_write_fails(folder, monkeypatch):
    monkeypatch.setattr(storage.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    with pytest.raises(OSError):
        storage.save_case(folder, "never-born", case_text("never-born"), expected_fingerprint=None, allow_new=True)
    assert not (folder / "never-born.yaml").exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


SLOW_SAVER = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from timelines.saving import storage

    real_write = os.write

    def slow_write(fd, data):  # a slow disk: small pieces, and a pause after each
        written = real_write(fd, bytes(data[:4096]))
        print("wrote", written, flush=True)
        time.sleep(0.02)
        return written

    storage.os.write = slow_write
    folder, case_id, expected = sys.argv[2], sys.argv[3], sys.argv[4]
    text, _ = storage.read_for_edit(os.path.join(folder, case_id + ".yaml"))
    big = text + "notes:\\n" + "".join(f"  - 'padding line {i} " + "x" * 60 + "'\\n" for i in range(20000))
    storage.save_case(folder, case_id, big, expected_fingerprint=expected)
    print("finished", flush=True)
""")


@pytest.mark.slow
def test_a_save_killed_midway_leaves_the_old_file_intact_and_no_partial_case(folder, tmp_path):
    source = CASE_FILES[0]
    # a case without notes, so the padding can be its notes
    text = (folder / source.name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data.pop("notes", None)
    plain = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    (folder / source.name).write_text(plain, encoding="utf-8")
    before = (folder / source.name).read_bytes()
    cases_before = catalog.case_paths(folder)
    script = tmp_path / "slow_saver.py"
    script.write_text(SLOW_SAVER)
    child = subprocess.Popen([sys.executable, str(script), str(ROOT), str(folder), source.stem,
                              storage.fingerprint(before)], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(20):  # let it write a good part of the temporary file
            assert "wrote" in child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert (folder / source.name).read_bytes() == before
    assert load_case(folder / source.name).case.id == source.stem
    assert catalog.case_paths(folder) == cases_before
    leftovers = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert leftovers and all(p.name.startswith(".") for p in leftovers)  # hidden: never listed as a case
    # the next save clears what the killed save left behind
    text, print_ = storage.read_for_edit(folder / source.name)
    storage.save_case(folder, source.stem, text.replace("title: ", "title: AFTER ", 1), expected_fingerprint=print_)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_saved_file_is_as_readable_as_the_one_it_replaced(folder):
    path = folder / CASE_FILES[0].name
    path.chmod(0o640)
    text, print_ = storage.read_for_edit(path)
    storage.save_case(folder, path.stem, text + "\n", expected_fingerprint=print_)
    assert path.stat().st_mode & 0o777 == 0o640
    created = storage.save_case(folder, "fresh", case_text("fresh"), expected_fingerprint=None, allow_new=True)
    assert created.path.stat().st_mode & 0o777 == 0o644


def test_case_paths_lists_cases_and_draft_paths_lists_drafts(folder):
    (folder / "a-case.draft.yaml").write_text("id: a-case\n")
    names = [p.name for p in catalog.case_paths(folder)]
    assert "a-case.draft.yaml" not in names and "_template.yaml" not in names
    assert names == sorted(p.name for p in CASE_FILES)
    assert [p.name for p in catalog.draft_paths(folder)] == ["a-case.draft.yaml"]
    assert catalog.draft_paths(folder / "missing") == []


def test_of_two_saves_from_the_same_opened_version_the_second_is_refused(folder):
    text, print_ = storage.read_for_edit(folder / CASE_FILES[0].name)
    storage.save_case(folder, CASE_FILES[0].stem, text + "\n# first\n", expected_fingerprint=print_)
    with pytest.raises(storage.SaveConflict):
        storage.save_case(folder, CASE_FILES[0].stem, text + "\n# second\n", expected_fingerprint=print_)
    assert (folder / CASE_FILES[0].name).read_text(encoding="utf-8").endswith("# first\n")
