"""A cBioPortal study folder on the dashboard (Streamlit AppTest): the cohort from its Parquet warehouse, filters,
the summary table page by page, and a patient's case read-only."""

from __future__ import annotations

import json
import sys

import pytest
from streamlit.testing.v1 import AppTest

from timelines.text import escape_markdown
from timelines.warehouse import store as warehouse

from conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench.registry import write_study  # noqa: E402
from bench.synth import synthetic_case  # noqa: E402

APP = str(ROOT / "dashboard.py")
PATIENTS = 60  # more than a page of the table (50 rows)

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A generated study folder whose warehouse is already in the cache folder, built from synthetic cases of the
    study's patient ids (the import itself is tested where the study reader is present)."""
    root = tmp_path_factory.mktemp("study")
    folder = write_study(root / "registry", PATIENTS)
    cache_root = root / "warehouse"
    target = cache_root / f"registry-{warehouse.study_version(folder)}"
    documents = [(pid, synthetic_case(f"case-{pid}", 40, seed=i, calendar=False))
                 for i, pid in enumerate(warehouse.study_patients(folder))]
    warehouse.build_documents(documents, target)
    (target / warehouse.META_FILE).write_text(json.dumps({"study": {"name": "Synthetic registry"}}))
    return folder, cache_root, target


def open_study(study, **query) -> AppTest:
    folder, cache_root, _ = study
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["cases_dir"] = str(folder)
    at.secrets["warehouse_dir"] = str(cache_root)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_a_study_folder_opens_on_its_cohort_with_the_swimmer_and_a_first_page_of_the_table(study):
    at = open_study(study)
    assert not at.exception
    assert at.subheader[0].value == f"Synthetic registry · {PATIENTS} of {PATIENTS} patients"
    assert len(at.get("vega_lite_chart")) == 1
    table = at.dataframe[0].value
    assert len(table) == 50 and table["Patient"].is_unique
    assert "editor" not in at.sidebar.segmented_control(key="page").options  # read-only: no editor page


def test_the_second_page_holds_the_remaining_patients(study):
    at = open_study(study)
    first = set(at.dataframe[0].value["Patient"])
    at.number_input(key="study_table_page").set_value(2).run()
    second = set(at.dataframe[0].value["Patient"])
    assert len(second) == PATIENTS - 50 and not first & second
    assert first | second == set(warehouse.study_patients(study[0]))


def test_a_filter_narrows_the_count_as_the_warehouse_does(study):
    at = open_study(study)
    at.multiselect(key="study_agents").select("crizotinib").run()
    at.multiselect(key="study_lines").select(2).run()
    with warehouse.Warehouse(study[2]) as store:
        expected = store.count(warehouse.Filter(agents=("crizotinib",), lines=(2,)))
    assert not at.exception
    assert 0 < expected < PATIENTS
    assert at.subheader[0].value == f"Synthetic registry · {expected} of {PATIENTS} patients"
    assert len(at.dataframe[0].value) == expected


def test_selecting_a_patient_opens_its_case_read_only(study):
    at = open_study(study)
    patient = at.dataframe[0].value["Patient"].iloc[2]
    at.session_state["study_table"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert (at.query_params["page"], at.query_params["case"]) == ("case", patient)
    assert (study[2] / "cases" / f"case-{patient}.yaml").exists()  # the case as imported, for the case page
    assert f"Patient {escape_markdown(patient)} of the study (read-only)." in [c.value for c in at.sidebar.caption]
    assert at.header[0].value == escape_markdown(f"Synthetic case case-{patient}")
    assert at.get("vega_lite_chart"), "the case's timeline is drawn"


def test_an_unknown_patient_is_named_and_nothing_breaks(study):
    at = open_study(study, page="case", case="p-999999")
    assert not at.exception
    assert at.warning[0].value == f"The study has no patient “{escape_markdown('p-999999')}”. Choose one in the cohort."


def test_a_narrower_filter_on_a_later_page_shows_the_last_page_it_has(study):
    at = open_study(study)
    at.number_input(key="study_table_page").set_value(2).run()
    at.multiselect(key="study_responses").select("PR").run()
    at.multiselect(key="study_diagnoses").select("Lung adenocarcinoma").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == int(at.subheader[0].value.split("·")[1].split()[0]) < 50
