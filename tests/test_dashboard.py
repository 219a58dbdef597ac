"""The dashboard, headless (Streamlit AppTest): every case opens; broken files and bad links are explained."""

import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import CASE_FILES, CASES, ROOT

APP = str(ROOT / "dashboard.py")


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def open_app(case: str | None = None, cases_dir=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if cases_dir is not None:
        at.secrets["cases_dir"] = str(cases_dir)
    if case:
        at.query_params["case"] = case
    return at.run()


@pytest.mark.parametrize("case_id", [p.stem for p in CASE_FILES])
def test_every_case_opens_by_deep_link_without_exception(case_id):
    at = open_app(case_id)
    assert not at.exception
    assert not at.error
    assert at.query_params["case"] == [case_id] or at.query_params["case"] == case_id


def test_the_case_header_shows_patient_diagnoses_lines_and_outcomes():
    at = open_app("lcnec-alk-lorlatinib")
    text = " ".join(m.value for m in at.markdown)
    assert "55 years" in text and "pT2aN2M0" in text and "Line 1" in text and "lorlatinib" in text
    outcomes = at.dataframe[0].value
    pfs = outcomes[outcomes["Outcome"].str.startswith("PFS")].iloc[0]
    assert pfs["Paper (months)"] == "25+" and pfs[""] == "✓ consistent"


def test_the_picker_moves_the_deep_link():
    at = open_app("lcnec-alk-lorlatinib")
    at.sidebar.radio(key="case_picker").set_value("adeno-alk-miliary-alectinib").run()
    assert not at.exception
    assert at.query_params["case"] in (["adeno-alk-miliary-alectinib"], "adeno-alk-miliary-alectinib")
    assert "miliary" in at.title[0].value.lower()


def test_an_unknown_case_id_gives_a_friendly_message():
    at = open_app("no-such-case")
    assert not at.exception
    assert "There is no case with the id" in at.warning[0].value


def test_a_broken_file_shows_its_problems_and_the_other_cases_keep_working(tmp_path):
    for path in CASE_FILES[:2]:
        shutil.copy(path, tmp_path / path.name)
    broken = (CASES / CASE_FILES[0].name).read_text(encoding="utf-8").replace("kind: imaging", "kind: imagin", 1)
    (tmp_path / "zz-broken.yaml").write_text(broken.replace(f"id: {CASE_FILES[0].stem}", "id: zz-broken", 1))
    at = open_app("zz-broken", cases_dir=tmp_path)
    assert not at.exception
    assert "cannot be shown" in at.error[0].value
    assert "zz-broken.yaml:" in at.code[0].value and "Unknown event kind 'imagin'" in at.code[0].value
    at.sidebar.radio(key="case_picker").set_value(CASE_FILES[1].stem).run()
    assert not at.exception and not at.error


def test_an_edited_file_shows_up_on_the_next_rerun(tmp_path):
    target = tmp_path / CASE_FILES[0].name
    shutil.copy(CASE_FILES[0], target)
    at = open_app(CASE_FILES[0].stem, cases_dir=tmp_path)
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("title: ", "title: EDITED ", 1), encoding="utf-8")
    at.run()
    assert at.title[0].value.startswith("EDITED")


def test_the_event_table_filters_by_kind_and_offers_a_csv():
    at = open_app("ppamn-hmbox1-alk-ensartinib")
    at.multiselect(key="event_kinds").set_value(["targeted"]).run()
    table = at.dataframe[-1].value
    assert set(table["Kind"]) == {"targeted"} and len(table) == 2
    assert "Source quote" in table.columns
