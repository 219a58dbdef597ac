"""The cohort page, headless (Streamlit AppTest through tests/apps/cohort_app.py): every patient is drawn, the
controls change the plots, and selecting a patient leads to its case."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from components.charts import theme

from conftest import CASE_FILES, ROOT, make_case, make_event

APP = str(ROOT / "tests" / "apps" / "cohort_app.py")
ALL = {p.stem for p in CASE_FILES}
ONGOING = {"adeno-alk-miliary-alectinib", "lcnec-alk-lorlatinib", "lcnec-eml4-alk-alectinib-case1",
           "lcnec-eml4-alk-alectinib-case2"}


pytestmark = pytest.mark.usefixtures("fresh_cache")


def open_page(cases_dir=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if cases_dir is not None:
        at.secrets["cases_dir"] = str(cases_dir)
    return at.run()


def chart(at: AppTest, name: str):
    """The chart element whose spec says it is the `name` chart (swimmer, spider, waterfall)."""
    found = [el for el in at.get("vega_lite_chart") if json.loads(el.proto.spec).get("usermeta", {}).get("chart")
             == name]
    assert len(found) == 1, f"{len(found)} {name} charts"
    return found[0]


def spec(element) -> dict:
    return json.loads(element.proto.spec)


def layers(element, predicate) -> list[pd.DataFrame]:
    """The rows of each layer for which predicate(layer spec) holds (rows travel as Arrow beside the spec)."""
    data = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets}
    return [data[layer["data"]["name"]] for layer in spec(element)["layer"] if predicate(layer)]


def mark(layer: dict) -> dict:
    return layer["mark"] if isinstance(layer["mark"], dict) else {"type": layer["mark"]}


def is_bar(layer: dict) -> bool:
    return mark(layer)["type"] == "bar" and layer["encoding"].get("color", {}).get("field") == "agent" \
        and layer["encoding"]["x"]["field"] == "x"


def is_arrow(layer: dict) -> bool:
    return mark(layer)["type"] == "point" and mark(layer).get("shape") == theme.ARROW_SHAPE


def cases_of(frame: pd.DataFrame) -> set[str]:
    """The case ids of a swimmer layer's rows: each lane's patient is 'case-id (F, 53)'."""
    return {patient.rpartition(" (")[0] for patient in frame["patient"]}


def drawn_cases(element) -> set[str]:
    return {case for frame in layers(element, lambda layer: True) if "patient" in frame for case in cases_of(frame)}


def test_the_swimmer_draws_every_patient_with_no_exception():
    at = open_page()
    assert not at.exception
    swimmer = chart(at, "swimmer")
    assert len(spec(swimmer)["usermeta"]["patients"]) == len(ALL)
    assert drawn_cases(swimmer) == ALL
    assert at.subheader[0].value == f"Cohort · {len(ALL)} of {len(ALL)} cases"


def test_ongoing_arrows_are_exactly_where_therapy_is_ongoing():
    (arrows,) = layers(chart(open_page(), "swimmer"), is_arrow)
    assert cases_of(arrows) == ONGOING


def test_aligning_on_the_first_targeted_therapy_moves_the_bars():
    at = open_page()
    (before,) = layers(chart(at, "swimmer"), is_bar)
    at.selectbox(key="cohort_align").select("targeted").run()
    assert not at.exception
    (after,) = layers(chart(at, "swimmer"), is_bar)
    assert before["x"].tolist() != after["x"].tolist()
    first_tki = after[after["label"] == "Lorlatinib, first line"]
    assert first_tki["x"].tolist() == [0.0]
    assert spec(chart(at, "swimmer"))["usermeta"]["align"] == "targeted"


def test_sorting_by_case_id_reorders_the_lanes_and_the_table():
    at = open_page()
    at.selectbox(key="cohort_sort").select("case_id").run()
    patients = spec(chart(at, "swimmer"))["usermeta"]["patients"]
    assert patients == sorted(patients)
    assert at.dataframe[0].value["Case"].tolist() == sorted(ALL)


def test_a_drug_filter_narrows_the_plots_and_the_table():
    at = open_page()
    at.multiselect(key="cohort_drugs").select("lorlatinib").run()
    assert not at.exception
    assert drawn_cases(chart(at, "swimmer")) == {"lcnec-alk-lorlatinib"}
    assert at.dataframe[0].value["Case"].tolist() == ["lcnec-alk-lorlatinib"]
    assert spec(chart(at, "waterfall"))["usermeta"]["patients"] == ["lcnec-alk-lorlatinib"]
    assert at.subheader[0].value == f"Cohort · 1 of {len(ALL)} cases"


def test_histology_and_alteration_filters_combine():
    at = open_page()
    histologies = at.multiselect(key="cohort_histologies").options
    lcnec = [h for h in histologies if "neuroendocrine" in h.lower()]
    at.multiselect(key="cohort_histologies").set_value(lcnec).run()
    assert drawn_cases(chart(at, "swimmer")) == {"lcnec-alk-lorlatinib", "lcnec-eml4-alk-alectinib-case1",
                                                 "lcnec-eml4-alk-alectinib-case2"}
    at.multiselect(key="cohort_alterations").select("EML4-ALK rearrangement (E6:A20)").run()
    assert drawn_cases(chart(at, "swimmer")) == {"lcnec-eml4-alk-alectinib-case1"}


def test_filters_that_match_no_case_say_so():
    at = open_page()
    at.multiselect(key="cohort_drugs").select("ensartinib").run()
    at.multiselect(key="cohort_alterations").select("ALK protein expression").run()
    assert not at.exception
    assert "No case matches the filters" in at.info[0].value
    assert not list(at.get("vega_lite_chart"))


def test_selecting_a_patient_in_the_table_opens_its_case():
    at = open_page()
    first = at.dataframe[0].value["Case"].iloc[1]
    at.session_state["cohort_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params["case"] == first
    assert at.query_params["page"] == "case"
    assert at.header[0].value == f"Case page: {first}"


def test_the_spider_plot_and_waterfall_name_the_patients_they_cannot_show():
    at = open_page()
    assert spec(chart(at, "waterfall"))["usermeta"]["patients"] == ["lcnec-alk-lorlatinib"]
    assert set(spec(chart(at, "spider"))["usermeta"]["patients"]) == {"lcnec-alk-lorlatinib (F, 55)"}
    note = next(c.value for c in at.caption if c.value.startswith("Not in the spider plot"))
    # The other papers designate no RECIST target lesion: their lesions are tracked, never summed
    assert note == ("Not in the spider plot and waterfall · no target-lesion measurements: "
                    "adeno-alk-leptomeningeal-alectinib, adeno-alk-miliary-alectinib, "
                    "gist-duodenum-duodenectomy-imatinib, lcnec-eml4-alk-alectinib-case1, "
                    "lcnec-eml4-alk-alectinib-case2, mtc-pseudocirrhosis-sunitinib-sorafenib, "
                    "ppamn-hmbox1-alk-ensartinib")


def test_the_note_separates_baseline_only_unmeasured_and_unaligned_cases():
    from components.pages.cohort import unmeasured_note

    cases = ["a", "b", "c", "d"]
    scans = pd.DataFrame({"case_id": ["a", "a", "b", "d", "d"]})
    waterfall = pd.DataFrame({"case_id": ["a", "d"]})
    spider = pd.DataFrame({"case_id": ["a", "a"]})
    assert unmeasured_note(cases, scans, waterfall, spider) == (
        "Not in the spider plot and waterfall · baseline scan only: b · no target-lesion measurements: c. "
        "Not in the spider plot (no first targeted therapy to align on): d")


@pytest.fixture
def mixed_folder(tmp_path):
    """Two bundled cases, a case treated with chemotherapy only, and a file that cannot be loaded."""
    for name in ("lcnec-alk-lorlatinib.yaml", "ppamn-hmbox1-alk-ensartinib.yaml"):
        shutil.copy(ROOT / "cases" / name, tmp_path / name)
    chemo = make_event(id="chemo", kind="chemotherapy", drug=None, regimen="carboplatin + pemetrexed",
                       start="2021-09-01", end="2022-01-15", ongoing=None, dose=None, line=1)
    (tmp_path / "chemo-only.yaml").write_text(yaml.safe_dump(make_case(chemo, id="chemo-only")))
    (tmp_path / "broken.yaml").write_text("schema: 1\nid: broken\n")
    return tmp_path


def test_cases_without_targeted_therapy_are_listed_as_excluded_under_that_alignment(mixed_folder):
    at = open_page(mixed_folder)
    assert not at.exception
    assert "chemo-only" in drawn_cases(chart(at, "swimmer"))
    at.selectbox(key="cohort_align").select("targeted").run()
    assert not at.exception
    assert drawn_cases(chart(at, "swimmer")) == {"lcnec-alk-lorlatinib", "ppamn-hmbox1-alk-ensartinib"}
    excluded = [c.value for c in at.caption if c.value.startswith("Not in the swimmer plot")]
    assert excluded == ["Not in the swimmer plot (no first targeted therapy to align on): chemo-only"]
    assert at.dataframe[0].value["Case"].tolist().count("chemo-only") == 1  # still in the table


def test_a_file_that_cannot_be_loaded_is_named_not_drawn(mixed_folder):
    at = open_page(mixed_folder)
    assert not at.exception
    assert any("broken.yaml" in c.value for c in at.caption if c.value.startswith("Not included"))
    assert "broken" not in drawn_cases(chart(at, "swimmer"))


def test_a_folder_without_cases_says_so(tmp_path):
    at = open_page(tmp_path)
    assert not at.exception
    assert "No case can be shown" in at.info[0].value


def test_an_edited_case_file_shows_up_on_the_next_rerun(tmp_path):
    """The per-case tables are cached on path and modification time, never on the case id alone."""
    path = tmp_path / "lcnec-eml4-alk-alectinib-case1.yaml"
    shutil.copy(ROOT / "cases" / path.name, path)
    at = open_page(tmp_path)
    assert spec(chart(at, "swimmer"))["usermeta"]["patients"] == ["lcnec-eml4-alk-alectinib-case1 (F, 53)"]
    path.write_text(path.read_text().replace("age: 53", "age: 54", 1))
    at.run()
    assert spec(chart(at, "swimmer"))["usermeta"]["patients"] == ["lcnec-eml4-alk-alectinib-case1 (F, 54)"]


def test_a_rerun_with_the_same_files_and_choices_draws_the_kept_swimmer_without_building_it(monkeypatch):
    """The swimmer of a thousand patients takes half a second to build: it is built once per version of the files
    and choice of cases, alignment and lane order, as the case page keeps its charts."""
    from components.charts import cohort as cohort_charts

    built = []
    build = cohort_charts.swimmer_chart
    monkeypatch.setattr(cohort_charts, "swimmer_chart", lambda *a, **k: built.append(k) or build(*a, **k))
    at = open_page()
    before = spec(chart(at, "swimmer"))
    at.run()
    assert len(built) == 1 and spec(chart(at, "swimmer")) == before
    at.selectbox(key="cohort_sort").select("case_id").run()
    at.selectbox(key="cohort_sort").select("duration").run()
    assert [k["sort"] for k in built] == ["duration", "case_id"]
    assert spec(chart(at, "swimmer")) == before
    assert not at.exception
