"""The windows of uncertain dates through a cBioPortal study and back: START_DATE_EARLIEST/_LATEST and
STOP_DATE_EARLIEST/_LATEST read as the bounds of each event's days, and bad window cells located."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from timelines import load_case
from timelines.cbioportal.study import case_timeline, read_study
from timelines.cbioportal.write import first_diagnosis_day, write_study
from timelines.warehouse.store import Warehouse, import_study

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
def test_every_event_of_the_bundled_cases_comes_back_with_its_windows_and_drawn_days(round_trip):
    """Every start and end of every event: its earliest and latest day (a side open where nothing bounds it) and the
    day a chart draws it on, in days since the study's day 0, the same before and after the round trip. Nothing is
    allowed to differ: the day-0 diagnosis's own window (the study counts from where it is drawn) and a date open on
    both sides come back as bounds too."""
    _, originals, _, again = round_trip
    events = differ = 0
    for original in originals:
        before, after = sides(original, first_diagnosis_day(original)), sides(again[original.case.id])
        assert [b[0] for b in before] == [a[0] for a in after]  # the same events, in the same order
        assert after == before, original.case.id
        events += len(before)
        differ += sum(b[1][0] != b[1][1] or b[2] is not None and b[2][0] != b[2][1] for b in before)
    assert (events, differ) == (170, 153)  # 153 events with an uncertain start or end


def test_the_windows_and_drawn_days_of_uncertain_dose_changes_come_back(round_trip):
    _, originals, _, again = round_trip
    found = {}
    for original in originals:
        zero, back = first_diagnosis_day(original), again[original.case.id]
        for key, bounds in original.dose_dates.items():
            assert back.dose_dates[key] == type(bounds)(*(None if d is None else back.day_zero + original.day(d) - zero
                                                         for d in (bounds.earliest, bounds.latest)))
            assert back.day(back.dose_day(*key)) == original.day(original.dose_day(*key)) - zero
            found[original.case.id] = back.case.events[key[0][1]].dose_changes[key[1]].date
    assert found == {"lcnec-eml4-alk-alectinib-case2": "between lcnec + 352 days and lcnec + 442 days, drawn at "
                                                       "lcnec + 398 days",
                     "mtc-pseudocirrhosis-sunitinib-sorafenib": "between origin + 746 days and origin + 926 days, "
                                                                "drawn at origin + 836 days"}


def test_the_dates_are_written_as_windows_with_their_drawn_day_and_the_columns_are_not_attributes(round_trip):
    _, _, study, _ = round_trip
    document = study.cases["ppamn-hmbox1-alk-ensartinib"]
    dates = [e.get("date") or e.get("start") for e in document["diagnoses"] + document["events"]]
    # The study draws the diagnosis at day 0 within a window of its own: the dates count from day 0 itself.
    assert dates[0] == "between origin - 16 days and origin + 14 days, drawn at origin"
    assert "between origin + 288 days and origin + 318 days, drawn at origin + 300 days" in dates
    lepto = [e.get("date") or e.get("start") for e in study.cases["adeno-alk-leptomeningeal-alectinib"]["events"]]
    assert {"after adeno + 209 days, drawn at adeno + 267 days", "between adeno - 7 days and adeno, drawn at adeno - 4 "
            "days", "between adeno - 153 days and adeno - 90 days, drawn at adeno - 122 days"} <= set(lepto)
    miliary = [e.get("date") or e.get("start") for e in study.cases["adeno-alk-miliary-alectinib"]["events"]]
    assert sum(d.startswith("before adeno, drawn at adeno - ") for d in miliary) == 12  # day 0 or earlier
    assert "unknown, drawn at adeno" in miliary  # open on both sides: between a test before and a therapy after
    kept = [(p, e.get("id")) for p, d in study.cases.items() for e in d["diagnoses"] + d["events"]
            if set(e.get("attributes", {})) & set(BOUND_COLUMNS)]
    assert kept == []
    assert [d["origin"] for d in study.cases.values()] == [d["diagnoses"][0]["id"] for d in study.cases.values()]


def test_a_window_open_on_both_sides_goes_out_as_NA_in_both_cells(round_trip):
    folder = round_trip[0]
    lines = (folder / "data_timeline_molecular_test.txt").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(TAB)
    rows = [dict(zip(header, line.split(TAB))) for line in lines[1:]]
    open_both = [r for r in rows if r["START_DATE_EARLIEST"] == r["START_DATE_LATEST"] == "NA"]
    assert [(r["PATIENT_ID"], r["START_DATE"]) for r in open_both] == [("adeno-alk-miliary-alectinib", "0")]
    assert {(r["START_DATE_EARLIEST"], r["START_DATE_LATEST"]) for r in rows
            if r["PATIENT_ID"] == "adeno-alk-leptomeningeal-alectinib"} == {("-7", "NA")}


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
        ("between dx + 30 days and dx + 60 days, drawn at dx + 45 days", "after dx + 180 days, drawn at dx + 200 days",
         {"TREATMENT_TYPE", "SUBTYPE"})
    assert tki["start"] == "before dx, drawn at dx - 3 days"
    timeline = case_timeline(study.cases["P1"], "p1.yaml")
    chemo = next(d for d in timeline.items if d.kind == "chemotherapy")
    assert (chemo.start.earliest, chemo.start.latest, chemo.end.earliest, chemo.end.latest) == (30, 60, 180, None)
    assert (chemo.day_start, chemo.day_end) == (45, 200)  # where cBioPortal draws it: START_DATE, STOP_DATE


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
    assert study.cases["GOOD"]["events"][0]["start"] == "between dx + 5 days and dx + 15 days, drawn at dx + 10 days"


# ---------------------------------------------------------------- the dates an import writes

def _therapy(start: str, end: str | None = None, dx: str = "origin", **case):
    from timelines.reading.loading import load_document

    from conftest import make_case, make_event

    document = make_case(make_event(start=start, **({"end": end, "ongoing": None} if end else {})), **case)
    document["diagnoses"][0]["date"] = dx
    timeline = load_document(document, "example.yaml")
    return next(d for d in timeline.items if d.kind == "targeted")


def test_a_date_drawn_at_a_day_keeps_its_window_and_is_drawn_on_that_day():
    drawn = _therapy("between dx + 30 days and dx + 60 days, drawn at dx + 41 days",
                     "between dx + 100 days and dx + 200 days, drawn at dx + 120 days")
    assert (drawn.start.earliest, drawn.start.latest, drawn.day_start) == (30, 60, 41)
    assert (drawn.end.earliest, drawn.end.latest, drawn.day_end) == (100, 200, 120)
    plain = _therapy("between dx + 30 days and dx + 60 days", "between dx + 100 days and dx + 200 days")
    assert (plain.start, plain.end) == (drawn.start, drawn.end) and (plain.day_start, plain.day_end) == (45, 150)


def test_a_date_open_on_both_sides_and_a_date_from_day_0_itself():
    unknown = _therapy("unknown, drawn at dx + 5 days", "dx + 100 days")
    assert (unknown.start.earliest, unknown.start.latest, unknown.day_start) == (None, 100, 5)
    # The diagnosis has a window around day 0; the therapy counts from day 0 itself, not from the diagnosis.
    therapy = _therapy("origin + 30 days", dx="between origin - 5 days and origin + 5 days, drawn at origin",
                       origin="dx")
    assert (therapy.start.earliest, therapy.start.latest, therapy.day_start) == (30, 30, 30)


@pytest.mark.parametrize("start, message", [
    ("between dx + 30 days and dx + 60 days, drawn at dx + 90 days",
     "example.yaml:23:10: events[0].start: The date is drawn at day 90, outside its own dates (day 30–60). Hint: "
     "Give a drawn day within the date's window, or leave ', drawn at ...' out."),
    ("between dx + 30 days and dx + 60 days, drawn at",
     "example.yaml:23:10: events[0].start: 'between dx + 30 days and dx + 60 days, drawn at' says drawn at what? "
     "Hint: Write e.g. 'between dx + 30 days and dx + 60 days, drawn at dx + 41 days'."),
    ("dx + 3 days, drawn at nowhere",
     "example.yaml:23:10: events[0].start: 'dx + 3 days, drawn at nowhere' is drawn at 'nowhere', which is not the "
     "id of any event or diagnosis. Hint: Valid: dx, tki."),
    ("origin, drawn at dx + 3 days",
     "example.yaml:23:10: events[0].start: 'origin, drawn at dx + 3 days' gives a drawn day to day 0. Hint: A date "
     "takes one 'drawn at', and 'origin' is drawn at day 0."),
])
def test_a_drawn_day_that_cannot_be_is_a_located_problem(start, message):
    from timelines.errors import CaseFileError

    with pytest.raises(CaseFileError) as raised:
        _therapy(start)
    assert str(raised.value) == message


def test_origin_in_a_date_of_a_case_with_a_calendar_is_a_located_problem():
    from timelines.errors import CaseFileError

    with pytest.raises(CaseFileError) as raised:
        _therapy("origin + 3 days", dx="2021-08-10")
    assert str(raised.value).startswith("example.yaml:23:10: events[0].start: 'origin' is for cases with no calendar "
                                        "date, but this case has calendar dates.")


def test_a_long_diagnosis_id_leaves_the_dates_short_enough_to_load(tmp_path):
    """A date names what it counts from three times ('between A + 30 days and A + 60 days, drawn at A + 45 days'):
    from an 80-character diagnosis id that is longer than a date may be (200 characters), so it counts from day 0."""
    from timelines.reading.loading import load_document

    from conftest import make_case, make_event

    long_id = "d" * 80
    document = make_case(make_event(start=f"between {long_id} + 30 days and {long_id} + 60 days", ongoing=None,
                                    end=f"{long_id} + 100000 days"), origin=long_id)
    document["diagnoses"][0].update(id=long_id, date="origin")
    original = load_document(document, "example.yaml")
    write_study([original], tmp_path)
    back = read_study(tmp_path)
    assert back.problems == []
    therapy = next(e for e in back.cases["example"]["events"] if e["kind"] == "targeted")
    assert therapy["start"] == "between origin + 30 days and origin + 60 days, drawn at origin + 45 days"
    assert sides(case_timeline(back.cases["example"], "example.yaml")) == sides(original)
