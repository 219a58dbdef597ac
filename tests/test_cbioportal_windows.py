"""The windows of uncertain dates through a cBioPortal study and back: START_DATE_EARLIEST/_LATEST and
STOP_DATE_EARLIEST/_LATEST read as the bounds of each event's days, and bad window cells located."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from timelines import load_case
from timelines.cbioportal import case_timeline, read_study
from timelines.cbioportal_write import first_diagnosis_day, write_study
from timelines.warehouse import Warehouse, import_study

from conftest import CASE_FILES, ROOT

TAB = "\t"
BOUND_COLUMNS = ("START_DATE_EARLIEST", "START_DATE_LATEST", "STOP_DATE_EARLIEST", "STOP_DATE_LATEST")


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    originals = [load_case(p) for p in CASE_FILES]
    write_study(originals, folder)
    study = read_study(folder)
    assert study.problems == []
    again = {t.case.id: case_timeline(study.cases[t.case.id], f"{t.case.id}.yaml") for t in originals}
    return folder, originals, study, again


def _days(timeline, bounds, zero):
    if bounds is None:
        return None
    return tuple(None if day is None else timeline.day(day) - zero for day in (bounds.earliest, bounds.latest))


def sides(timeline, zero: int = 0) -> list[tuple]:
    """Per event, in the case's order: kind, start (earliest, latest), end (earliest, latest) or None, and the
    drawn start and end; in days since the study's day 0 (the first diagnosis, where the export counts from)."""
    return [(d.kind, _days(timeline, d.start, zero), _days(timeline, d.end, zero), timeline.day(d.day_start) - zero,
             None if d.day_end is None else timeline.day(d.day_end) - zero) for d in timeline.items]


@pytest.mark.slow
def test_every_event_of_the_bundled_cases_comes_back_with_its_windows(round_trip):
    _, originals, _, again = round_trip
    events, differ = 0, []
    for original in originals:
        before, after = sides(original, first_diagnosis_day(original)), sides(again[original.case.id])
        assert [b[0] for b in before] == [a[0] for a in after]  # the same events, in the same order
        for b, a in zip(before, after):
            events += 1
            if (b[1], b[2]) != (a[1], a[2]):
                differ.append((original.case.id, b[0], b[1], a[1]))
    assert events == 170
    # What the study cannot say as bounds: the day-0 diagnosis is the study's point zero (its window around that
    # day is kept among its attributes, below), and a date open on both sides goes out with no window at all.
    assert differ == [("adeno-alk-miliary-alectinib", "molecular", (None, None), (0, 0)),
                      ("gist-duodenum-duodenectomy-imatinib", "diagnosis", (None, 7), (0, 0)),
                      ("lcnec-alk-lorlatinib", "diagnosis", (-105, 106), (0, 0)),
                      ("mtc-pseudocirrhosis-sunitinib-sorafenib", "diagnosis", (-16, 14), (0, 0)),
                      ("ppamn-hmbox1-alk-ensartinib", "diagnosis", (-16, 14), (0, 0))]


def test_each_event_is_drawn_within_its_window_and_on_its_day_when_the_day_is_known(round_trip):
    _, originals, _, again = round_trip
    exact = 0
    for original in originals:
        before, after = sides(original, first_diagnosis_day(original)), sides(again[original.case.id])
        for b, a in zip(before, after):
            for (low, high), drawn in ((a[1], a[3]), *([(a[2], a[4])] if a[2] is not None else [])):
                assert (low is None or low <= drawn) and (high is None or drawn <= high), (b, a)
            if a[1][0] == a[1][1] and (a[2] is None or a[2][0] == a[2][1]):
                exact += 1
                assert (a[3], a[4]) == (b[3], b[4])  # a day given exactly is drawn on it, as cBioPortal draws it
    assert exact == 21  # 16 exact in the cases, and the 5 above that come back exact


def test_the_dates_are_written_as_windows_from_the_diagnosis_and_the_columns_are_not_attributes(round_trip):
    _, _, study, _ = round_trip
    document = study.cases["ppamn-hmbox1-alk-ensartinib"]
    dates = [e.get("date") or e.get("start") for e in document["events"]]
    assert "between ppamn + 288 days and ppamn + 318 days" in dates
    lepto = [e.get("date") or e.get("start") for e in study.cases["adeno-alk-leptomeningeal-alectinib"]["events"]]
    assert {"after adeno + 209 days", "between adeno - 7 days and adeno",
            "between adeno - 153 days and adeno - 90 days"} <= set(lepto)
    miliary = [e.get("date") or e.get("start") for e in study.cases["adeno-alk-miliary-alectinib"]["events"]]
    assert miliary.count("before adeno") == 12  # day 0 or earlier
    kept = {(p, e.get("id")): {k: v for k, v in e["attributes"].items() if k in BOUND_COLUMNS}
            for p, d in study.cases.items() for e in d["diagnoses"] + d["events"]
            if set(e.get("attributes", {})) & set(BOUND_COLUMNS)}
    assert kept == {("gist-duodenum-duodenectomy-imatinib", "gist"): {"START_DATE_LATEST": "7"},
                    ("lcnec-alk-lorlatinib", "breast-cancer"): {"START_DATE_EARLIEST": "-105", "START_DATE_LATEST": "106"},
                    ("mtc-pseudocirrhosis-sunitinib-sorafenib", "mtc"): {"START_DATE_EARLIEST": "-16",
                                                                         "START_DATE_LATEST": "14"},
                    ("ppamn-hmbox1-alk-ensartinib", "ppamn"): {"START_DATE_EARLIEST": "-16", "START_DATE_LATEST": "14"}}


@pytest.mark.slow
def test_an_imported_case_exported_and_imported_again_keeps_its_windows_and_drawn_days(round_trip, tmp_path):
    _, _, _, again = round_trip
    write_study(list(again.values()), tmp_path)
    second = read_study(tmp_path)
    assert second.problems == []
    for case_id, timeline in again.items():
        back = case_timeline(second.cases[case_id], f"{case_id}.yaml")
        assert sides(back) == sides(timeline, first_diagnosis_day(timeline))


@pytest.mark.slow
def test_the_warehouse_builds_its_tables_from_a_study_with_windows(round_trip, tmp_path):
    folder, originals, study, _ = round_trip
    report = import_study(folder, tmp_path / "warehouse", workers=1)
    assert (report.patients, report.refused, report.problems) == (len(CASE_FILES), 0, [])
    with Warehouse(tmp_path / "warehouse") as store:
        document = store.case_document("ppamn-hmbox1-alk-ensartinib")
        assert document["events"] == study.cases["ppamn-hmbox1-alk-ensartinib"]["events"]
        events = store._frame("SELECT day_start_earliest, day_start_latest FROM events "
                              "WHERE patient_id = 'ppamn-hmbox1-alk-ensartinib'")
    assert (288, 318) in set(zip(events["day_start_earliest"], events["day_start_latest"]))


# ---------------------------------------------------------------- studies from elsewhere

def study_of(tmp_path: Path, header: str, *rows: str) -> Path:
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "data_timeline_treatment.txt").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


HEADER = TAB.join(["PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE", "TREATMENT_TYPE", "SUBTYPE", "AGENT",
                   *BOUND_COLUMNS])


def row(patient: str, *cells: str) -> str:
    return TAB.join([patient, *cells])


def test_a_study_without_window_columns_is_dated_in_exact_days_as_before():
    study = read_study(ROOT / "tests" / "cbioportal")
    dates = [e.get("date") or e.get("start") or "" for d in study.cases.values() for e in d["diagnoses"] + d["events"]]
    assert dates and all(re.fullmatch(r"origin|[a-z][a-z0-9-]*( [+-] \d+ days?)?", d) for d in dates)


def test_window_columns_of_another_study_are_read_as_bounds(tmp_path):
    folder = study_of(tmp_path, HEADER,
                      row("P1", "45", "200", "TREATMENT", "Medical Therapy", "Chemotherapy", "Cisplatin",
                          "30", "60", "180", ""),
                      row("P1", "-3", "", "TREATMENT", "Medical Therapy", "Targeted Therapy", "Alectinib",
                          "", "0", "", ""))
    study = read_study(folder)
    assert study.problems == []
    tki, chemo = study.cases["P1"]["events"]  # in the order of their days
    assert (chemo["start"], chemo["end"], set(chemo["attributes"])) == \
        ("between dx + 30 days and dx + 60 days", "after dx + 180 days", {"TREATMENT_TYPE", "SUBTYPE"})
    assert tki["start"] == "before dx"
    timeline = case_timeline(study.cases["P1"], "p1.yaml")
    chemo = next(d for d in timeline.items if d.kind == "chemotherapy")
    assert (chemo.start.earliest, chemo.start.latest, chemo.end.earliest, chemo.end.latest) == (30, 60, 180, None)


@pytest.mark.parametrize("cells, message", [
    (("45", "", "3.5", "60", "", ""),
     "data_timeline_treatment.txt:3: START_DATE_EARLIEST: '3.5' is not a whole number of days."),
    (("45", "", "thirty", "", "", ""),
     "data_timeline_treatment.txt:3: START_DATE_EARLIEST: 'thirty' is not a whole number of days."),
    (("45", "", "60", "30", "", ""),
     "data_timeline_treatment.txt:3: START_DATE_EARLIEST: 60 is after START_DATE_LATEST 30."),
    (("45", "", "50", "60", "", ""),
     "data_timeline_treatment.txt:3: START_DATE: 45 is outside its window, day 50–60 (START_DATE_EARLIEST, "
     "START_DATE_LATEST)."),
    (("45", "90", "", "", "", "80"),
     "data_timeline_treatment.txt:3: STOP_DATE: 90 is outside its window, day 80 or earlier (STOP_DATE_EARLIEST, "
     "STOP_DATE_LATEST)."),
    (("45", "", "40", "50", "", "80"),
     "data_timeline_treatment.txt:3: STOP_DATE_LATEST: a window for STOP_DATE, which is empty."),
    (("45", "", "12345678901234567890", "", "", ""),
     "data_timeline_treatment.txt:3: START_DATE_EARLIEST: 123456789012... days is more than 400 years from the "
     "diagnosis."),
])
def test_a_bad_window_cell_is_a_located_problem_and_leaves_out_only_its_patient(tmp_path, cells, message):
    start, stop, *bounds = cells
    folder = study_of(tmp_path, HEADER,
                      row("GOOD", "10", "40", "TREATMENT", "Medical Therapy", "Chemotherapy", "Cisplatin",
                          "5", "15", "", ""),
                      row("BAD", start, stop, "TREATMENT", "Medical Therapy", "Chemotherapy", "Cisplatin", *bounds))
    study = read_study(folder)
    assert len(study.problems) == 1 and study.problems[0].startswith(message + " Hint: ")
    assert study.patients_with_problems == {"BAD"} and list(study.cases) == ["GOOD"]
    assert study.cases["GOOD"]["events"][0]["start"] == "between dx + 5 days and dx + 15 days"
