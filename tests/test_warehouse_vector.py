"""The import's column-wise path (timelines/warehouse/vector.py) writes what the per-patient path writes: every
Parquet table (values, types, row order) and every problem, on generated studies, on a study with uncertain windows
and bad rows, on the test study and on the bundled cases exported as a study."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from timelines import load_case
from timelines.cbioportal.study import read_study
from timelines.cbioportal.write import write_study as export_study
from timelines.warehouse import store as warehouse
from timelines.warehouse.vector import exact_days

from conftest import CASE_FILES, ROOT

sys.path.insert(0, str(ROOT))
from bench.registry import write_study  # noqa: E402

WINDOWS_FILE = "data_timeline_windows.txt"
WINDOWS = [  # (patient, start, stop, earliest, latest): a window, a window open on one side, bad rows
    ("p-000002", "40", "", "30", "50"),
    ("p-000003", "15", "", "", "20"),
    ("p-000004", "x", "", "", ""),  # no day
    ("p-000005", "90", "80", "", ""),  # the stop before the start
    ("p-000006", "10", "", "20", "30"),  # drawn outside its window
]


def both_paths(study: Path, out: Path, monkeypatch) -> dict[str, warehouse.BuildReport]:
    """The study imported column-wise (the default) and through every patient's Timeline (the switch off)."""
    reports = {"vector": warehouse.import_study(study, out / "vector")}
    monkeypatch.setenv(warehouse.VECTOR_SWITCH, "0")
    reports["timelines"] = warehouse.import_study(study, out / "timelines")
    return reports


def assert_same_tables(out: Path, reports: dict) -> None:
    for table in warehouse.TABLES:
        vector, timelines = (pq.read_table(out / path / f"{table}.parquet") for path in ("vector", "timelines"))
        assert vector.schema == timelines.schema, table
        assert vector.num_rows > 0, table
        assert vector.equals(timelines), table
    assert (out / "vector" / "problems.txt").read_bytes() == (out / "timelines" / "problems.txt").read_bytes()
    assert reports["vector"].problems == reports["timelines"].problems
    assert (reports["vector"].patients, reports["vector"].refused) == \
        (reports["timelines"].patients, reports["timelines"].refused)


def test_a_generated_study_gives_the_same_tables_both_ways(tmp_path, monkeypatch):
    study = write_study(tmp_path / "study", 12, seed=3)
    read = read_study(study)
    assert sum(exact_days(document) for document in read.cases.values()) == 12
    reports = both_paths(study, tmp_path, monkeypatch)
    assert (reports["vector"].patients, reports["vector"].refused) == (12, 0)
    assert_same_tables(tmp_path, reports)


def test_a_study_with_windows_and_bad_rows_gives_the_same_tables_and_problems_both_ways(tmp_path, monkeypatch):
    study = write_study(tmp_path / "study", 8, seed=11)
    header = "PATIENT_ID\tSTART_DATE\tSTOP_DATE\tEVENT_TYPE\tSTART_DATE_EARLIEST\tSTART_DATE_LATEST\tTEST\tRESULT\n"
    rows = "".join(f"{p}\t{start}\t{stop}\tLAB_TEST\t{low}\t{high}\tCEA\t4.2\n" for p, start, stop, low, high in WINDOWS)
    (study / WINDOWS_FILE).write_text(header + rows, encoding="utf-8")
    read = read_study(study)
    assert not exact_days(read.cases["p-000002"]) and not exact_days(read.cases["p-000003"])  # their windows
    reports = both_paths(study, tmp_path, monkeypatch)
    assert (reports["vector"].patients, reports["vector"].refused) == (5, 3)
    assert reports["vector"].problems == [
        f"{WINDOWS_FILE}:4: START_DATE: 'x' is not a whole number of days. Hint: write days since the diagnosis as "
        "a whole number (negative before it), e.g. 14 or -30",
        f"{WINDOWS_FILE}:5: STOP_DATE: 80 is before START_DATE 90. Hint: swap the two, or correct the one that is "
        "wrong",
        f"{WINDOWS_FILE}:6: START_DATE: 10 is outside its window, day 20–30 (START_DATE_EARLIEST, START_DATE_LATEST)."
        " Hint: write the earliest and the latest day the date can be, in whole days since the diagnosis (negative "
        "before it), with the drawn day between them; leave a side empty when it is open"]
    assert_same_tables(tmp_path, reports)


def test_the_test_study_gives_the_same_tables_both_ways(tmp_path, monkeypatch):
    reports = both_paths(ROOT / "tests" / "cbioportal", tmp_path, monkeypatch)
    assert_same_tables(tmp_path, reports)


@pytest.mark.slow
def test_the_bundled_cases_exported_as_a_study_give_the_same_tables_both_ways(tmp_path, monkeypatch):
    export_study([load_case(path) for path in CASE_FILES], tmp_path / "study")
    reports = both_paths(tmp_path / "study", tmp_path, monkeypatch)
    assert_same_tables(tmp_path, reports)


def test_exact_days_are_whole_days_from_the_day_zero_diagnosis_and_nothing_else_needs_the_network():
    def case(*events: dict, origin: str = "dx", date: str = "origin") -> dict:
        return {"origin": origin, "diagnoses": [{"id": "dx", "label": "NSCLC", "date": date}], "events": list(events)}

    scan = {"kind": "imaging", "date": "dx + 30 days"}
    assert exact_days(case(scan, {"kind": "lab", "date": "dx - 1 day"}, {"kind": "surgery", "date": "dx"}))
    assert exact_days(case({"kind": "chemotherapy", "start": "dx + 2 days", "end": "dx + 90 days"}))
    assert exact_days(case({"kind": "chemotherapy", "start": "dx + 2 days"}))  # an end not reported
    assert not exact_days(case({"kind": "lab", "date": "dx + 1 days"}))  # not as the study reader writes it
    assert not exact_days(case({"kind": "lab", "date": "between dx + 1 day and dx + 9 days, drawn at dx + 5 days"}))
    assert not exact_days(case({"kind": "lab", "date": "2021-03-04"}))
    assert not exact_days(case({"kind": "lab", "date": "~dx + 30 days"}))
    assert not exact_days(case({**scan, "certainty": "suspected"}))
    assert not exact_days(case({"kind": "chemotherapy", "start": "dx + 2 days", "end": "dx + 9 days",
                                "dose_changes": [{"date": "dx + 5 days", "dose": "half"}]}))
    assert not exact_days(case(scan, origin="origin"))
    assert not exact_days(case(scan, date="dx + 3 days"))


@pytest.mark.slow
def test_worker_processes_and_small_shares_give_the_same_tables_both_ways(tmp_path, monkeypatch):
    """Column-wise in two worker processes (three shares of 25 patients, a refused patient among them) and per
    patient in this process in batches of four: the same tables, each share's rows in the order of its patients."""
    monkeypatch.setattr(warehouse, "TABULATE_PATIENTS", 4)
    study = write_study(tmp_path / "study", 60, seed=2)
    lines = (study / "data_timeline_labs.txt").read_text().splitlines(keepends=True)
    lines[40] = lines[40].split("\t", 1)[0] + "\tNA\t\tLAB_TEST\tCEA\t3.1\tng/mL\n"  # a patient refused
    (study / "data_timeline_labs.txt").write_text("".join(lines))
    reports = {"vector": warehouse.import_study(study, tmp_path / "vector", workers=2)}
    monkeypatch.setenv(warehouse.VECTOR_SWITCH, "0")
    reports["timelines"] = warehouse.import_study(study, tmp_path / "timelines", workers=1)
    assert (reports["vector"].patients, reports["vector"].refused) == (59, 1)
    assert_same_tables(tmp_path, reports)
