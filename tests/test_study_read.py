"""Reading a cBioPortal study folder as untrusted input (timelines/cbioportal/files.py, timelines/cbioportal/study.py and
the warehouse's import): nothing outside the folder is read, links, pipes and folders are refused by name, limits
hold, malformed cells are located messages (never a traceback), and the importer and the warehouse read one same
layout. Every hostile study is built here, tiny, in tmp_path; imports that could hang run in a subprocess with a
timeout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from timelines.cbioportal import files as cbioportal_files
from timelines.cbioportal.files import MAX_ROWS_PER_PATIENT, MAX_STUDY_FILE_BYTES, study_layout
from timelines.cbioportal.study import read_study
from timelines.warehouse import store as warehouse

from conftest import ROOT

TAB = "\t"
HEADER = f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}STATUS"
CLINICAL_HEAD = "#Patient Identifier\tSex\n#Patient Identifier\tSex\n#STRING\tSTRING\n#1\t1\nPATIENT_ID\tSEX\n"
TIMEOUT = 20  # seconds: a hang is a failure, not a stuck test run


def timeline(*rows: str, header: str = HEADER) -> str:
    return header + "\n" + "".join(row + "\n" for row in rows)


def status_row(patient: str, day: int | str = 0, status: str = "Alive") -> str:
    return f"{patient}{TAB}{day}{TAB}{TAB}STATUS{TAB}{status}"


def make_study(root: Path, name: str = "study", **files: str) -> Path:
    """A study folder of the given files (name without .txt -> text); by default two good patients."""
    folder = root / name
    folder.mkdir(parents=True)
    files = {"meta_study": "cancer_study_identifier: hostile\nname: Hostile study\n",
             "data_timeline_status": timeline(status_row("P-1"), status_row("P-2", 30)), **files}
    for stem, text in files.items():
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
    return folder


def meta_naming(data_filename: str, datatype: str = "TIMELINE") -> str:
    return (f"cancer_study_identifier: hostile\ngenetic_alteration_type: CLINICAL\ndatatype: {datatype}\n"
            f"data_filename: {data_filename}\n")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A command of the product in a subprocess, killed (and the test failed) after TIMEOUT seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=TIMEOUT,
                          cwd=cwd or ROOT, env=env)


def import_cbioportal(folder: Path, out: Path) -> subprocess.CompletedProcess:
    return run("timelines", "import-cbioportal", str(folder), "--out", str(out))


def import_warehouse(folder: Path, out: Path) -> subprocess.CompletedProcess:
    return run("timelines.warehouse.store", str(folder), "--out", str(out))


def in_process(main, capsys):
    """A command run in this process (for inputs that cannot hang: a subprocess costs seconds of imports)."""
    def command(folder: Path, out: Path) -> subprocess.CompletedProcess:
        capsys.readouterr()
        try:
            status = main([str(folder), "--out", str(out)])
        except Exception as error:  # a traceback is what these tests are about: report it as one
            import traceback

            status, err = 99, "Traceback\n" + "".join(traceback.format_exception(error))
            return subprocess.CompletedProcess([], status, capsys.readouterr().out, err)
        captured = capsys.readouterr()
        return subprocess.CompletedProcess([], status, captured.out, captured.err)
    command.__name__ = main.__module__
    return command


@pytest.fixture
def importers(capsys):
    """import-cbioportal and the warehouse's command, run in this process."""
    from timelines.cli import main as cli

    return [in_process(lambda argv: cli(["import-cbioportal", *argv]), capsys), in_process(warehouse.main, capsys)]


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Error:" not in result.stderr.replace("CaseFileError", ""), result.stderr


# ---------------------------------------------------------------- nothing outside the study folder

@pytest.fixture
def secret(tmp_path) -> Path:
    """A timeline file outside the study folder, of a patient who must never be imported."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = elsewhere / "data_timeline_secret.txt"
    path.write_text(timeline(status_row("SECRET-1")))
    return path


def test_a_meta_file_naming_a_file_outside_the_folder_is_refused_at_its_line(tmp_path, secret, importers):
    folder = make_study(tmp_path, meta_timeline_secret=meta_naming("../elsewhere/data_timeline_secret.txt"))
    study = read_study(folder)
    assert "SECRET-1" not in study.cases and set(study.cases) == {"P-1", "P-2"}
    assert study.problems == ["meta_timeline_secret.txt:4: data_filename: '../elsewhere/data_timeline_secret.txt' "
                              "leads outside the study folder, so it is not read. Hint: copy the file into the study "
                              "folder; a study's files are read only from inside its folder"]
    result = importers[0](folder, tmp_path / "out")
    assert result.returncode == 1 and "meta_timeline_secret.txt:4: data_filename:" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.yaml")) == ["p-1.yaml", "p-2.yaml"]


def test_a_meta_file_naming_an_absolute_path_is_refused_and_nothing_is_read(tmp_path, importers):
    folder = make_study(tmp_path, meta_clinical_patient=meta_naming("/etc/passwd", "PATIENT_ATTRIBUTES"),
                        meta_timeline_passwd=meta_naming("/etc/passwd"))
    study = read_study(folder)
    assert set(study.cases) == {"P-1", "P-2"}
    assert study.problems == [
        "meta_clinical_patient.txt:4: data_filename: '/etc/passwd' is not a file name inside the study folder. Hint: "
        "name a file of the study folder, e.g. data_timeline_treatment.txt",
        "meta_timeline_passwd.txt:4: data_filename: '/etc/passwd' is not a file name inside the study folder. Hint: "
        "name a file of the study folder, e.g. data_timeline_treatment.txt"]
    result = importers[1](folder, tmp_path / "out")
    no_traceback(result)
    assert result.returncode == 1 and "meta_timeline_passwd.txt:4: data_filename:" in result.stderr


def test_a_timeline_file_that_is_a_symbolic_link_is_refused_by_name_and_not_followed(tmp_path, secret):
    folder = make_study(tmp_path)
    os.symlink(secret, folder / "data_timeline_link.txt")
    os.symlink(folder / "data_timeline_status.txt", folder / "data_timeline_inside_link.txt")  # even inside
    os.symlink("/etc/hostname", folder / "data_clinical_sample.txt")
    study = read_study(folder)
    assert "SECRET-1" not in study.cases
    assert study.problems == [
        "data_timeline_inside_link.txt: a symbolic link, so it is not read. Hint: copy the file into the study "
        "folder; a study's files are read only from inside its folder",
        "data_timeline_link.txt: a symbolic link, so it is not read. Hint: copy the file into the study folder; a "
        "study's files are read only from inside its folder",
        "data_clinical_sample.txt: a symbolic link, so it is not read. Hint: copy the file into the study folder; a "
        "study's files are read only from inside its folder"]
    assert set(study.cases) == {"P-1", "P-2"}


def test_the_warehouse_does_not_open_a_file_outside_the_folder(tmp_path, secret, importers):
    folder = make_study(tmp_path, meta_timeline_secret=meta_naming("../elsewhere/data_timeline_secret.txt"))
    os.symlink(secret, folder / "data_timeline_link.txt")
    result = importers[1](folder, tmp_path / "out")
    no_traceback(result)
    assert result.returncode == 1
    with warehouse.Warehouse(tmp_path / "out") as store:
        assert store.patient_ids(warehouse.Filter()) == ["P-1", "P-2"]
        assert [p.split(":")[0] for p in store.problems] == ["meta_timeline_secret.txt", "data_timeline_link.txt"]


@pytest.mark.slow
def test_a_fifo_posing_as_a_timeline_file_is_refused_without_being_opened(tmp_path):
    folder = make_study(tmp_path)
    os.mkfifo(folder / "data_timeline_pipe.txt")  # opening it to read would wait for a writer forever
    result = import_cbioportal(folder, tmp_path / "out")
    assert result.returncode == 1
    assert "data_timeline_pipe.txt: not a regular file (a named pipe, a device or a socket), so it is not read. " \
           "Hint: put the data in a plain file" in result.stderr
    assert "2 case files written" in result.stderr
    no_traceback(import_warehouse(folder, tmp_path / "warehouse"))


@pytest.mark.slow
def test_a_fifo_named_by_a_meta_file_as_the_clinical_file_is_refused(tmp_path):
    folder = make_study(tmp_path, meta_clinical_patient=meta_naming("clinical.txt", "PATIENT_ATTRIBUTES"))
    os.mkfifo(folder / "clinical.txt")
    result = import_warehouse(folder, tmp_path / "out")
    no_traceback(result)
    assert "clinical.txt: not a regular file" in result.stderr and result.returncode == 1


def test_a_folder_posing_as_a_data_file_is_refused_by_name(tmp_path, importers):
    folder = make_study(tmp_path)
    (folder / "data_timeline_folder.txt").mkdir()
    (folder / "data_clinical_patient.txt").mkdir()
    study = read_study(folder)
    assert study.problems == [
        "data_clinical_patient.txt: a folder, not a data file. Hint: name a tab-separated file, or rename the folder "
        "so that it does not look like a data file",
        "data_timeline_folder.txt: a folder, not a data file. Hint: name a tab-separated file, or rename the folder "
        "so that it does not look like a data file"]
    assert set(study.cases) == {"P-1", "P-2"}
    no_traceback(importers[1](folder, tmp_path / "out"))


def test_a_data_file_whose_name_holds_an_escape_sequence_is_refused_and_named_with_visible_escapes(tmp_path):
    folder = make_study(tmp_path)
    (folder / "data_timeline_\x1b[2J.txt").write_text(timeline(status_row("P-3")))
    study = read_study(folder)
    assert study.problems == ["'data_timeline_\\e[2J.txt' has a control character in its name, so it is not "
                              "read. Hint: rename the file with letters, digits, '.', '_' and '-'"]
    assert set(study.cases) == {"P-1", "P-2"}


def test_a_link_swapped_in_after_the_layout_was_read_is_still_not_followed(tmp_path, secret):
    folder = make_study(tmp_path)
    layout = study_layout(folder)
    (folder / "data_timeline_status.txt").unlink()
    os.symlink(secret, folder / "data_timeline_status.txt")
    with pytest.raises(cbioportal_files.StudyFileRefused, match="a symbolic link"):
        cbioportal_files.read_study_file(folder, layout.timeline_files[0])


# ---------------------------------------------------------------- limits, in seconds

def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    folder = make_study(tmp_path)
    with open(folder / "data_timeline_huge.txt", "wb") as huge:  # sparse: 600 MB that take no disk
        huge.truncate(MAX_STUDY_FILE_BYTES + 88 * 1024 * 1024)
    started = time.perf_counter()
    study = read_study(folder)
    assert time.perf_counter() - started < 5
    assert study.problems == ["data_timeline_huge.txt: 600.0 MB; a study's file may be at most 512 MB. Hint: split "
                              "the timeline into several data_timeline_*.txt files, or check that this is the right "
                              "file"]
    assert set(study.cases) == {"P-1", "P-2"}


@pytest.mark.slow
def test_two_million_short_rows_of_one_patient_are_refused_in_seconds_and_the_others_import(tmp_path):
    folder = make_study(tmp_path)
    rows = "".join(f"P-BIG{TAB}{day % 1000}{TAB}{TAB}STATUS{TAB}x\n" for day in range(2_000_000))
    (folder / "data_timeline_big.txt").write_text(HEADER + "\n" + rows)
    started = time.perf_counter()
    result = import_cbioportal(folder, tmp_path / "out")
    assert time.perf_counter() - started < TIMEOUT
    assert result.returncode == 1
    assert (f"data_timeline_big.txt:{MAX_ROWS_PER_PATIENT + 2}: PATIENT_ID: 'P-BIG' has 2,000,000 timeline rows; a "
            "patient may have at most 10,000. Hint: check that the rows are this patient's, or split the history"
            ) in result.stderr.splitlines()
    assert "2 case files written" in result.stderr


def test_the_rows_of_one_patient_are_counted_across_files(tmp_path, monkeypatch):
    monkeypatch.setattr(cbioportal_files, "MAX_ROWS_PER_PATIENT", 3)
    monkeypatch.setattr("timelines.cbioportal.study.MAX_ROWS_PER_PATIENT", 3)
    folder = make_study(tmp_path, data_timeline_more=timeline(*(status_row("P-1", d) for d in (1, 2, 3))))
    study = read_study(folder)
    assert study.problems == ["data_timeline_status.txt:2: PATIENT_ID: 'P-1' has 4 timeline rows; a patient may "
                              "have at most 3. Hint: check that the rows are this patient's, or split the history"]
    assert set(study.cases) == {"P-2"} and study.patients_with_problems == {"P-1"}


# ---------------------------------------------------------------- ids

def test_a_patient_given_twice_in_the_clinical_file_is_refused_as_the_validator_does(tmp_path):
    folder = make_study(tmp_path, data_clinical_patient=CLINICAL_HEAD + "P-1\tFemale\nP-1\tMale\nP-2\tMale\n")
    study = read_study(folder)
    assert study.problems == ["data_clinical_patient.txt:7: PATIENT_ID: 'P-1' is given again (first on line 6). "
                              "Hint: give each patient one row; cBioPortal's validator refuses a patient defined twice"]
    assert set(study.cases) == {"P-2"} and study.patients_with_problems == {"P-1"}


def test_a_nul_in_a_clinical_patient_id_is_refused_shown_as_an_escape_and_does_not_split_the_patient(tmp_path,
                                                                                                      importers):
    folder = make_study(tmp_path, data_clinical_patient=CLINICAL_HEAD + "P-1\x00\tFemale\nP-2\tMale\n")
    study = read_study(folder)
    assert study.problems == ["data_clinical_patient.txt:6: PATIENT_ID: 'P-1\\0' has a character other than "
                              "letters, digits, '.', '_' and '-'. Hint: write the id as the timeline files do"]
    assert set(study.cases) == {"P-2"}  # P-1 is not imported without its clinical row, nor twice
    result = importers[0](folder, tmp_path / "out")
    assert "\x00" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.yaml")) == ["p-2.yaml"]


def test_a_terminal_escape_in_a_timeline_patient_id_is_shown_escaped(tmp_path):
    folder = make_study(tmp_path, data_timeline_odd=timeline(status_row("P-3\x1b]52;c;ZWNobw==\x07")))
    study = read_study(folder)
    assert study.problems == ["data_timeline_odd.txt:2: PATIENT_ID: 'P-3\\e]52;c;ZWNobw==\\x07' has a character "
                              "other than letters, digits, '.', '_' and '-'. Hint: write the id as the clinical file "
                              "does"]


def test_two_long_ids_alike_in_their_first_80_characters_give_two_case_files_both_written(tmp_path, importers):
    first, second = "A" * 299 + "1", "A" * 299 + "2"
    folder = make_study(tmp_path, data_timeline_status=timeline(status_row(first), status_row(second, 5)))
    result = importers[0](folder, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").glob("*.yaml"))  # besides the list of what it wrote
    assert names == ["a" * 78 + "-2.yaml", "a" * 80 + ".yaml"]
    assert "2 case files written" in result.stderr


# ---------------------------------------------------------------- malformed cells: one located message each

OURS = f"{HEADER}{TAB}KIND{TAB}EVENT_SEQ{TAB}ATTRIBUTE_COLUMNS"


@pytest.mark.parametrize("text, message", [
    (f"PATIENT_ID{TAB}EVENT_TYPE\nP-1{TAB}STATUS\n",
     "data_timeline_odd.txt: the header must begin PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE in this order; it "
     "begins PATIENT_ID, EVENT_TYPE. Hint: put the four required columns first"),
    (f"START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE\n1{TAB}{TAB}STATUS\n",
     "data_timeline_odd.txt: the header must begin PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE in this order; it "
     "begins START_DATE, STOP_DATE, EVENT_TYPE. Hint: put the four required columns first"),
    (timeline(status_row("P-3", "12345678901234567890")),
     "data_timeline_odd.txt:2: START_DATE: 12345678901234567890 days is more than 146,400 days (400 years) from day "
     "0. Hint: write days since the diagnosis as a whole number (negative before it), e.g. 14 or -30"),
    (timeline(f"P-3{TAB}1{TAB}{TAB}STATUS{TAB}Alive{TAB}status{TAB}²{TAB}", header=OURS),
     "data_timeline_odd.txt:2: EVENT_SEQ: '²' is not the place of an event (a whole number such as 3). Hint: write "
     "digits 0-9, or leave the cell empty"),
    (timeline(f"P-3{TAB}1{TAB}{TAB}STATUS{TAB}Alive{TAB}status{TAB}1{TAB}{{not json", header=OURS),
     "data_timeline_odd.txt:2: ATTRIBUTE_COLUMNS: not JSON (Expecting property name enclosed in double quotes: line "
     "1 column 2 (char 1)). Hint: write a JSON object of attribute names and their columns, e.g. "
     '{"Site": "ATTR_SITE"}, or leave the cell empty'),
], ids=["no-start-date", "no-patient-id", "twenty-digits", "superscript-event-seq", "attribute-columns-not-json"])
def test_a_malformed_timeline_file_or_cell_is_one_located_message_in_both_readers(tmp_path, importers, text,
                                                                                   message):
    folder = make_study(tmp_path, data_timeline_odd=text)
    study = read_study(folder)
    assert study.problems == [message]
    assert "P-2" in study.cases  # P-1 is named by the bad file: left out, as an incomplete history could mislead
    for number, command in enumerate(importers):
        result = command(folder, tmp_path / f"out-{number}")
        no_traceback(result)
        assert result.returncode == 1 and message in result.stderr.splitlines()


def test_a_notes_cell_of_json_nested_100000_deep_is_a_located_message(tmp_path, importers):
    head = "#Patient\tSex\tCase\tNotes\n" * 2 + "#STRING\tSTRING\tSTRING\tSTRING\n#1\t1\t1\t1\n" \
        "PATIENT_ID\tSEX\tCASE_ID\tNOTES\n"
    deep = "[" * 100_000 + "]" * 100_000
    folder = make_study(tmp_path, data_clinical_patient=head + f"P-1\tFemale\tp-1\t{deep}\nP-2\tMale\tp-2\tNA\n")
    study = read_study(folder)
    assert study.problems == ["data_clinical_patient.txt:6: NOTES: JSON nested 100,000 levels deep; at most 64 are "
                              "read. Hint: check the cell"]
    assert set(study.cases) == {"P-2"}
    result = importers[0](folder, tmp_path / "out")
    no_traceback(result)
    assert result.returncode == 1


def test_a_clinical_file_without_patient_id_is_a_located_message_in_the_warehouse(tmp_path, importers):
    folder = make_study(tmp_path, data_clinical_patient="#a\n#b\n#c\n#d\nSEX\nFemale\n")
    result = importers[1](folder, tmp_path / "out")
    no_traceback(result)
    assert result.returncode == 1
    assert ("data_clinical_patient.txt: no PATIENT_ID column. Hint: the line after the four '#' lines names the "
            "columns, PATIENT_ID among them") in result.stderr.splitlines()


# ---------------------------------------------------------------- the warehouse's exit and its one reader

def test_the_warehouse_exits_1_and_prints_the_messages_when_every_patient_failed(tmp_path, importers):
    folder = make_study(tmp_path, data_timeline_status=timeline(status_row("P-1", "NA"), status_row("P-2", "x")))
    result = importers[1](folder, tmp_path / "out")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "data_timeline_status.txt:2: START_DATE: 'NA' is not a whole number of days. Hint: write days since the " \
           "diagnosis as a whole number (negative before it), e.g. 14 or -30" in lines
    assert any(line.startswith("data_timeline_status.txt:3: START_DATE: 'x'") for line in lines)


def test_the_importer_and_the_warehouse_read_the_same_patients_of_files_named_by_meta_files(tmp_path):
    clinical = CLINICAL_HEAD + "P-1\tFemale\nP-2\tMale\nP-3\tFemale\nP-4\tMale\nP-5\tFemale\n"
    folder = make_study(tmp_path, patients=clinical, events=timeline(*(status_row(f"P-{i}", i) for i in range(1, 6))),
                        meta_clinical_patient=meta_naming("patients.txt", "PATIENT_ATTRIBUTES"),
                        meta_timeline=meta_naming("events.txt"))
    (folder / "data_timeline_status.txt").unlink()
    assert sorted(read_study(folder).cases) == ["P-1", "P-2", "P-3", "P-4", "P-5"]
    assert warehouse.study_patients(folder) == ["P-1", "P-2", "P-3", "P-4", "P-5"]
    report = warehouse.import_study(folder, tmp_path / "out")
    assert (report.patients, report.refused, report.problems) == (5, 0, [])
