"""The study warehouse (timelines/warehouse/store.py): Parquet tables written in batches, queried with DuckDB, and the
cBioPortal study generator of the benchmark (bench/registry.py)."""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd
import pytest

from timelines.cohort import cohort_table
from timelines.reading.loading import load_case
from timelines.tables import event_table
from timelines.warehouse import store as warehouse
from timelines.warehouse.store import Filter, Warehouse

from conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench.registry import write_study  # noqa: E402
from bench.synth import synthetic_case  # noqa: E402

PATIENTS = 12


def documents(n: int = PATIENTS) -> list[tuple[str, dict]]:
    """Relative-only synthetic cases, as the study importer makes them; patient ids differ from case ids."""
    return [(f"P{i:03d}", synthetic_case(f"p-{i:03d}", 40 + 7 * i, seed=i, calendar=False)) for i in range(n)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    docs = documents()
    broken = copy.deepcopy(docs[3][1])
    broken["events"][0]["date"] = "dx + banana"
    folder = tmp_path_factory.mktemp("warehouse")
    seen = []
    report = warehouse.build_documents(docs[:3] + [("P-BROKEN", broken)] + docs[3:], folder,
                                       progress=lambda done, total: seen.append((done, total)),
                                       total=PATIENTS + 1)
    store = Warehouse(folder)
    yield {"report": report, "store": store, "docs": dict(docs), "progress": seen, "folder": folder}
    store.close()


@pytest.fixture(scope="module")
def timelines(built):
    return {pid: warehouse.document_timeline(doc, pid) for pid, doc in built["docs"].items()}


@pytest.mark.slow
def test_every_table_is_written_and_a_broken_patient_is_counted_with_its_located_message(built):
    report = built["report"]
    assert (report.patients, report.refused) == (PATIENTS, 1)
    assert report.problems == ["P-BROKEN:34:9: events[0].date: Cannot read the offset 'banana' in 'dx + banana'. "
                               "Hint: Write a whole number and a unit: '3 months', '10 days', '2 weeks', '1 year' "
                               "(add ~ when approximate: '~3 months')."]
    assert sorted(p.name for p in built["folder"].glob("*.parquet")) == sorted(f"{t}.parquet"
                                                                               for t in warehouse.TABLES)
    assert built["store"].problems == report.problems
    assert built["progress"][-1] == (PATIENTS + 1, PATIENTS + 1)


def test_the_patients_table_is_the_cohort_table_with_the_patient_id(built, timelines):
    stored = built["store"].summary_page(Filter(), sort="patient_id", size=100)
    expected = cohort_table(list(timelines.values()))
    assert list(stored["patient_id"]) == list(timelines)
    for column in ("case_id", "histology", "drugs", "lines", "best_response", "first_line", "os"):
        assert list(stored[column]) == list(expected[column]), column


def test_a_filter_on_agent_and_line_selects_the_patients_who_had_that_agent_in_that_line(built, timelines):
    events = pd.concat([event_table(t).assign(pid=pid) for pid, t in timelines.items()])
    expected = sorted(set(events.loc[(events["agent"] == "crizotinib") & (events["line"] == 2), "pid"]))
    assert expected, "the synthetic cases have crizotinib in line 2"
    chosen = Filter(agents=("crizotinib",), lines=(2,))
    assert built["store"].patient_ids(chosen) == expected
    assert built["store"].count(chosen) == len(expected)


def test_the_window_counts_therapy_starts_in_months_since_day_zero(built, timelines):
    events = pd.concat([event_table(t).assign(pid=pid) for pid, t in timelines.items()])
    therapy = events[events["kind"].isin(warehouse.THERAPY_KINDS)]
    months = therapy["day_start"] / warehouse.DAYS_PER_MONTH
    expected = sorted(set(therapy.loc[(months >= 20) & (months <= 30), "pid"]))
    assert built["store"].patient_ids(Filter(window=(20, 30))) == expected
    assert 0 < len(expected) < PATIENTS


def test_the_choices_are_the_values_of_the_study(built):
    choices = built["store"].choices()
    assert choices.diagnoses == ("Large-cell neuroendocrine carcinoma", "Lung adenocarcinoma")
    assert "lorlatinib" in choices.agents and choices.lines[0] == 1
    assert choices.patients == PATIENTS and choices.months[0] < choices.months[1]


def test_values_with_quotes_are_parameters_not_sql(built):
    assert built["store"].count(Filter(diagnoses=("O'Brien'); DROP TABLE patients_mem; --",))) == 0
    assert built["store"].count(Filter()) == PATIENTS


def test_the_summary_is_handed_out_page_by_page_in_the_order_of_the_sort(built):
    store = built["store"]
    pages = [store.summary_page(Filter(), sort="follow_up", page=i, size=5) for i in range(3)]
    assert [len(p) for p in pages] == [5, 5, 2]
    whole = pd.concat(pages)
    assert list(whole["patient_id"]) == store.patient_ids(Filter(), sort="follow_up")
    follow_up = list(whole["follow_up_months"])
    assert follow_up == sorted(follow_up, reverse=True)


def test_the_swimmer_rows_are_capped_to_the_first_patients_by_the_sort(built):
    store = built["store"]
    rows, total = store.swimmer_rows(Filter(), sort="patient_id", limit=4)
    assert total == PATIENTS
    assert list(dict.fromkeys(rows["case_id"])) == ["p-000", "p-001", "p-002", "p-003"]
    assert list(rows.columns) == list(warehouse.SWIMMER_COLUMNS)
    assert set(rows["category"]) >= {"therapy", "follow-up"}


def test_the_swimmer_of_a_registry_leaves_responses_to_the_table_and_keeps_progressions(built):
    store = built["store"]
    rows, _ = store.swimmer_rows(Filter(), sort="patient_id")
    kept = store._frame("SELECT kind FROM swimmer")["kind"]
    assert "response" in set(kept) and "progression" in set(kept)  # the warehouse holds them all
    assert "response" not in set(rows["kind"])
    assert "progression" in set(rows["kind"])


def test_a_patient_reads_back_as_its_case_document_and_as_a_case_file_that_loads(built):
    store = built["store"]
    assert store.case_document("P004") == built["docs"]["P004"]
    assert store.case_document("nobody") is None
    path = store.case_file("P004")
    assert path.name == "p-004.yaml" and load_case(path).case.id == "p-004"


@pytest.mark.slow
def test_build_from_timelines_writes_the_same_patients_table(built, timelines, tmp_path):
    report = warehouse.build(timelines.items(), tmp_path)
    assert report.patients == PATIENTS
    with Warehouse(tmp_path) as store:
        again = store.summary_page(Filter(), sort="patient_id", size=100)
    first = built["store"].summary_page(Filter(), sort="patient_id", size=100)
    pd.testing.assert_frame_equal(again, first)


def test_a_warehouse_with_no_patient_says_where_the_problems_are(tmp_path):
    report = warehouse.build_documents([("P1", {"schema": 1, "id": "x"})], tmp_path)
    assert (report.patients, report.refused) == (0, 1)
    with pytest.raises(FileNotFoundError, match="no patient could be imported; see problems.txt"):
        Warehouse(tmp_path)


@pytest.mark.slow
def test_two_worker_processes_write_what_one_does(tmp_path):
    docs = documents(6)
    warehouse.build_documents(docs, tmp_path / "one", workers=1)
    warehouse.build_documents(docs, tmp_path / "two", workers=2)
    tables = [pd.read_parquet(tmp_path / name / "events.parquet") for name in ("one", "two")]
    pd.testing.assert_frame_equal(*tables)


# ------------------------------------------------------------------------------------------------ the study


@pytest.mark.slow
def test_study_import_goes_through_the_cbioportal_reader(tmp_path):
    pytest.importorskip("timelines.cbioportal.study")
    study = write_study(tmp_path / "study", 5)
    seen = []
    report = warehouse.import_study(study, tmp_path / "out", progress=lambda d, t: seen.append((d, t)), workers=1)
    assert report.patients + report.refused == 5 and seen[-1] == (5, 5)
    with Warehouse(tmp_path / "out") as store:
        assert store.count(Filter()) == report.patients
        assert store.meta["study"]["cancer_study_identifier"] == "registry_synthetic"


def test_the_study_patients_are_those_of_its_patient_file(tmp_path):
    study = write_study(tmp_path / "study", 7)
    assert warehouse.study_patients(study) == [f"p-{i:06d}" for i in range(1, 8)]
    assert warehouse.is_study(study) and not warehouse.is_study(ROOT / "cases")


def test_the_generated_study_has_cbioportal_headers_and_40_to_200_rows_a_patient(tmp_path):
    study = write_study(tmp_path / "study", 60, seed=3)
    clinical = (study / "data_clinical_patient.txt").read_text().splitlines()
    assert [line[0] for line in clinical[:4]] == ["#"] * 4 and clinical[4].startswith("PATIENT_ID\tSEX\tAGE")
    assert "cancer_study_identifier: registry_synthetic" in (study / "meta_study.txt").read_text()
    rows = pd.concat(pd.read_csv(p, sep="\t", dtype=str) for p in study.glob("data_timeline_*.txt"))
    per_patient = rows["PATIENT_ID"].value_counts()
    assert len(per_patient) == 60 and per_patient.between(40, 200).all()
    assert set(rows["EVENT_TYPE"]) == {"TREATMENT", "SURGERY", "STATUS", "SPECIMEN", "LAB_TEST", "IMAGING",
                                       "DIAGNOSIS"}
    treatment = pd.read_csv(study / "data_timeline_treatment.txt", sep="\t", dtype=str)
    assert list(treatment.columns) == ["PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE", "TREATMENT_TYPE",
                                       "SUBTYPE", "AGENT"]
    assert {"Deceased", "Progression", "Partial Response"} <= set(rows["STATUS"].dropna())


def test_the_generated_study_is_the_same_on_every_run_and_grows_by_appending_patients(tmp_path):
    small, again, large = (write_study(tmp_path / name, n) for name, n in (("a", 20), ("b", 20), ("c", 30)))
    for name in ("data_timeline_labs.txt", "data_clinical_sample.txt"):
        assert (small / name).read_bytes() == (again / name).read_bytes()
        assert (large / name).read_bytes().startswith((small / name).read_bytes())


class FakeReader:
    """Stands in for timelines.cbioportal.study (its API: read_study_rows, study_cases, case_timeline): the study's files
    are read once, the documents are synthetic cases of the study's patient ids made a share at a time, and one
    patient is refused by the reader."""

    def __init__(self):
        self.files_read = 0
        self.reads: list[list[str]] = []

    def read_study_rows(self, folder):
        from timelines.cbioportal.files import study_layout

        self.files_read += 1
        patients = [f"p-{i:06d}" for i in range(1, 11)]
        return FakeRows(study_layout(folder).study, patients, [("p-000002", PROBLEM)])

    def study_cases(self, rows, patients=None, progress=None, file_problems=True):
        self.reads.append(list(patients))
        cases = {pid: synthetic_case(f"case-{pid}", 40, seed=i, calendar=False)
                 for i, pid in enumerate(patients) if pid != "p-000002"}
        return SimpleNamespace(study=rows.study, cases=cases, problems=[m for p, m in rows.charged if p in patients])

    @staticmethod
    def case_timeline(document, path):
        return warehouse.document_timeline(document, path)


PROBLEM = "data_timeline_treatment.txt:14: START_DATE: 'NA' is not a whole number of days."


@dataclass
class FakeRows:
    study: dict
    patients: list[str]
    charged: list[tuple[str, str]]

    def share(self, patients):
        return FakeRows(self.study, list(patients), [(p, m) for p, m in self.charged if p in patients])


@pytest.mark.slow
def test_a_study_is_imported_through_the_reader_in_shares_of_patients(tmp_path, monkeypatch):
    reader = FakeReader()
    monkeypatch.setitem(sys.modules, "timelines.cbioportal.study", reader)
    monkeypatch.setattr(warehouse, "STUDY_READ_PATIENTS", 4)
    monkeypatch.setattr(warehouse, "BATCH_PATIENTS", 4)
    study = write_study(tmp_path / "study", 10)
    seen = []
    out = warehouse.study_warehouse(study, tmp_path / "cache", lambda d, t: seen.append((d, t)), workers=1)
    assert out.name == f"study-{warehouse.study_version(study)}" and warehouse.is_built(out)
    assert reader.reads == [[f"p-{i:06d}" for i in range(1, 11)][k:k + 4] for k in (0, 4, 8)]
    assert reader.files_read == 1  # the study's files are read once, not once per share
    assert seen[-1] == (10, 10)
    with Warehouse(out) as store:
        assert store.count(Filter()) == 9
        assert store.problems == ["data_timeline_treatment.txt:14: START_DATE: 'NA' is not a whole number of days."]
        assert store.meta["refused"] == 1
        assert store.meta["study"]["name"] == "Synthetic registry (10 patients)"
    assert warehouse.study_warehouse(study, tmp_path / "cache", workers=1) == out and len(reader.reads) == 3
    (study / "data_timeline_labs.txt").write_text((study / "data_timeline_labs.txt").read_text() + "\n")
    assert warehouse.study_warehouse(study, tmp_path / "cache", workers=1) != out  # a changed file: a new version


@pytest.mark.slow
def test_a_case_built_from_its_timeline_reads_back_as_a_case_that_loads_alike(tmp_path):
    from conftest import CASE_FILES

    timelines = [load_case(p) for p in CASE_FILES]
    warehouse.build(timelines, tmp_path)
    with Warehouse(tmp_path) as store:
        for timeline in timelines:
            again = load_case(store.case_file(timeline.case.id))
            assert [(d.kind, d.day_start) for d in again.items] == [(d.kind, d.day_start) for d in timeline.items]


# ------------------------------------------------------------------------------------------------ the files it writes


def test_problems_txt_shows_control_characters_as_visible_escapes(tmp_path):
    said = "data_timeline_x.txt:2: EVENT_TYPE: 'A\x1b[2J\u202eB' is odd. Hint: fix it"
    report = warehouse._write(iter([(None, [said], 1)]), tmp_path, None, None)
    assert report.problems == [said]  # the report keeps the text; the file shows it
    assert (tmp_path / "problems.txt").read_text(encoding="utf-8") == \
        "data_timeline_x.txt:2: EVENT_TYPE: 'A\\e[2J\\u202eB' is odd. Hint: fix it\n"


def test_a_link_planted_as_problems_txt_is_refused_and_the_file_outside_is_untouched(tmp_path, capsys):
    study = write_study(tmp_path / "study", 2)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "problems.txt").symlink_to(outside)
    assert warehouse.main([str(study), "--out", str(out)]) == 1
    assert outside.read_text() == "keep me\n"
    assert (out / "problems.txt").is_symlink()
    assert f"{out / 'problems.txt'}: This is a symbolic link; nothing is written through a link. Hint: Delete the " \
           "link, or choose another --out folder." in capsys.readouterr().err.splitlines()


def test_a_warehouse_built_again_replaces_the_files_it_wrote(tmp_path):
    study = write_study(tmp_path / "study", 2)
    for _ in range(2):
        report = warehouse.import_study(study, tmp_path / "out")
    assert (report.patients, report.refused) == (2, 0)
    assert (tmp_path / "out" / "problems.txt").read_text() == ""


def test_exact_days_measured_without_the_network_give_the_same_tables_as_searching_it(tmp_path, monkeypatch):
    """A study's days are exact: the distance between two of them is their difference, and every table of the
    warehouse is the one the network's own search gives (that search is what a date with a window still takes)."""
    from timelines.time.resolution import Resolution

    study = write_study(tmp_path / "study", 3, seed=5)
    warehouse.import_study(study, tmp_path / "fast")
    monkeypatch.setattr(Resolution, "_exact_distance", lambda self, a, b: None)
    warehouse.import_study(study, tmp_path / "searched")
    for table in warehouse.TABLES:
        fast, searched = (pd.read_parquet(tmp_path / name / f"{table}.parquet") for name in ("fast", "searched"))
        assert len(fast) > 0
        pd.testing.assert_frame_equal(fast, searched)


def test_the_import_writes_the_tables_of_its_patients_built_one_by_one(tmp_path, monkeypatch):
    """Tabulated a few timelines at a time and joined, the import's tables are those of the same patients read,
    validated and built one by one; a patient with a bad row is left out with its located message."""
    from timelines.cbioportal.study import case_timeline, read_study

    monkeypatch.setattr(warehouse, "TABULATE_PATIENTS", 3)  # three batches joined into one row group
    study = write_study(tmp_path / "study", 8, seed=7)
    labs = study / "data_timeline_labs.txt"
    lines = labs.read_text().splitlines(keepends=True)
    lines[5] = lines[5].split("\t", 1)[0] + "\tNA\t\tLAB_TEST\tCEA\t3.1\tng/mL\n"  # line 6: no day
    labs.write_text("".join(lines))
    report = warehouse.import_study(study, tmp_path / "imported")
    assert (report.patients, report.refused) == (7, 1)
    assert report.problems == ["data_timeline_labs.txt:6: START_DATE: 'NA' is not a whole number of days. Hint: "
                               "write days since the diagnosis as a whole number (negative before it), e.g. 14 or -30"]
    read = read_study(study)
    warehouse.build([(p, case_timeline(d, f"study/{p}")) for p, d in read.cases.items()], tmp_path / "alone")
    for table in ("patients", "events", "therapies", "swimmer"):
        imported, alone = (pd.read_parquet(tmp_path / name / f"{table}.parquet") for name in ("imported", "alone"))
        assert len(imported) > 0
        pd.testing.assert_frame_equal(imported, alone)
    documents = pd.read_parquet(tmp_path / "imported" / "documents.parquet")
    assert documents["document"].map(json.loads).tolist() == list(read.cases.values())


def test_the_therapy_names_of_each_patient_are_its_lanes_the_study_colours_are_shared_from(built, timelines):
    from timelines.cohort import therapy_agents

    names = built["store"].therapy_names()
    assert "P-BROKEN" not in names and set(names) == set(timelines)
    for pid, timeline in timelines.items():  # the names its case page draws its lanes with, in order of start
        assert set(names[pid]) == set(therapy_agents([timeline])[timeline.case.id]), pid
