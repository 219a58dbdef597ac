"""The kinds registry: one row per event kind, in step with the schema, the tables, the theme and the hints."""

import json
from dataclasses import replace
from typing import Literal

import pytest
import yaml

from components.charts import theme
from timelines import CaseFileError, kinds, load_case, load_text
from timelines.kinds import (
    CATEGORIES,
    CONTINUOUS_KINDS,
    KEY_KINDS,
    KIND_BY_NAME,
    KIND_SYNONYMS,
    KINDS,
    LANE_ORDER,
    SPECIMEN_KINDS,
    SYSTEMIC,
    THERAPY_KINDS,
    TREATMENT_KINDS,
    Kind,
    Study,
    kind_named,
    kind_names,
)
from timelines.schema import EVENT_MODELS, Event, PointOrIntervalEvent
from timelines.tables import agent_name, event_table, lane_order
from timelines.timeline import resolve

from conftest import CASES, make_case, make_event

SYMBOL_KINDS = [k.name for k in KINDS if not k.is_systemic]  # drawn as a symbol; systemic ones as drug bars


def test_every_member_of_the_schemas_union_is_in_the_registry_and_nothing_else():
    union = Event.__origin__.__args__  # Annotated[Union[...], Field(discriminator="kind")]
    assert set(union) == set(EVENT_MODELS) == {k.model for k in KINDS}
    assert len(KINDS) == len(KIND_BY_NAME)  # each kind once


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_kinds_name_is_the_one_its_model_accepts(kind):
    assert kind.model.model_fields["kind"].annotation.__args__ == (kind.name,)


def test_the_lanes_come_in_the_order_of_the_swimlane():
    assert LANE_ORDER == ("Symptoms", "Diagnosis & pathology", "Surgery", "Radiotherapy", "Systemic therapy",
                          "Supportive care", "Imaging", "Labs", "Response & progression", "Adverse events", "Status",
                          "Other events")
    assert dict(CATEGORIES)["Diagnosis & pathology"] == ("diagnosis", "biopsy", "molecular")
    assert dict(CATEGORIES)[SYSTEMIC] == ("chemotherapy", "targeted", "immunotherapy", "endocrine")


def test_the_kinds_of_one_category_follow_each_other_so_lanes_never_interleave():
    categories = [k.category for k in KINDS]
    assert [c for i, c in enumerate(categories) if i == 0 or c != categories[i - 1]] == list(LANE_ORDER)


@pytest.mark.parametrize("derived, expected", [
    (THERAPY_KINDS, ("chemotherapy", "targeted", "immunotherapy", "endocrine")),
    (TREATMENT_KINDS, ("surgery", "radiotherapy", "chemotherapy", "targeted", "immunotherapy", "endocrine",
                       "supportive")),
    (CONTINUOUS_KINDS, ("targeted", "immunotherapy", "endocrine")),
    (SPECIMEN_KINDS, ("biopsy", "surgery")),
    (KEY_KINDS, ("diagnosis", "molecular", "surgery", "radiotherapy", "chemotherapy", "targeted", "immunotherapy",
                 "endocrine", "response", "progression", "adverse_event", "status")),
])
def test_the_lists_derived_from_the_registry(derived, expected):
    assert derived == expected


def test_kind_names_selects_by_any_fact_and_kind_named_knows_no_stranger():
    assert kind_names(is_systemic=False, is_treatment=True) == ("surgery", "radiotherapy", "supportive")
    assert kind_named("targeted").label == "Targeted therapy"
    assert kind_named("surgical") is None


def test_every_kind_of_the_template_gets_its_registry_category_and_lane_order():
    timeline = load_case(CASES / "_template.yaml")
    events = event_table(timeline)
    assert set(events["kind"]) == set(KIND_BY_NAME)
    assert all(events["category"] == events["kind"].map(lambda k: KIND_BY_NAME[k].category))
    shown = list(dict.fromkeys(events.set_index("lane").loc[lane_order(events), "category"]))
    assert shown == [c for c in LANE_ORDER if c in shown]


def event_of(kind: str, **fields):
    model = KIND_BY_NAME[kind].model
    when = {"date": "2021-09-01"} if "date" in model.model_fields else {"start": "2021-09-01", "ongoing": True}
    return model.model_validate({"kind": kind, **when, **fields})


@pytest.mark.parametrize("kind, fields, agent", [
    ("chemotherapy", {"regimen": "EP", "agents": ["etoposide", "cisplatin"]}, "EP"),
    ("chemotherapy", {"agents": ["carboplatin", "pemetrexed"]}, "carboplatin + pemetrexed"),
    ("chemotherapy", {}, "Chemotherapy"),  # an unnamed regimen still has a lane of its own
    ("endocrine", {}, "Endocrine therapy"),
    ("endocrine", {"drug": "tamoxifen"}, "tamoxifen"),
    ("targeted", {"drug": "alectinib"}, "alectinib"),
    ("supportive", {}, ""),
    ("radiotherapy", {"technique": "SRS"}, "SRS"),
    ("imaging", {"modality": "CT"}, ""),
])
def test_the_agent_of_an_event_is_read_from_the_fields_the_registry_names(kind, fields, agent):
    assert agent_name(event_of(kind, **fields), kind) == agent


def test_no_synonym_is_a_kind_or_names_two_kinds():
    words = [word for k in KINDS for word, _ in k.synonyms]
    assert len(words) == len(set(words)) and not set(words) & set(KIND_BY_NAME)
    assert KIND_SYNONYMS["died"] == "'status' (with status: dead)" and KIND_SYNONYMS["tki"] == "'targeted'"


def test_an_unknown_kind_written_as_a_synonym_is_pointed_at_its_kind():
    text = yaml.safe_dump(make_case(make_event(kind="died")))
    with pytest.raises(CaseFileError) as caught:
        load_text(text, "example-case.yaml")
    assert str(caught.value) == (
        "example-case.yaml:9:9: events[0].kind: Unknown event kind 'died'. Hint: Did you mean 'status' (with status: "
        "dead)? Valid: adverse_event, biopsy, chemotherapy, diagnosis, endocrine, imaging, immunotherapy, lab, "
        "molecular, other, progression, radiotherapy, response, status, supportive, surgery, symptom, targeted.")


# ---------------------------------------------------------------- the theme, keyed by the registry

def test_every_kind_drawn_as_a_symbol_has_a_colour_no_other_kind_has():
    colors = [theme.KIND_COLORS.get(kind) for kind in SYMBOL_KINDS + ["death"]]
    assert None not in colors and len(colors) == len(set(colors))


def test_every_kind_drawn_as_a_symbol_has_a_shape_no_other_kind_has():
    shapes = [theme.KIND_SHAPES.get(kind) for kind in SYMBOL_KINDS + ["death"]]
    assert None not in shapes and len(shapes) == len(set(shapes))
    assert theme.ARROW_SHAPE not in shapes  # kept for an ongoing therapy


def test_the_theme_lists_no_unknown_kind_and_no_colour_a_systemic_therapy_would_never_show():
    """Systemic therapies are bars in their drug's colour (theme.drug_color): a kind colour would never be drawn."""
    assert list(theme.KIND_COLORS) == SYMBOL_KINDS + ["death"]  # in lane order: the legend lists them so
    assert list(theme.KIND_SHAPES) == SYMBOL_KINDS + ["death"]


# ---------------------------------------------------------------- what each export writes, by the registry

def test_every_kind_names_a_fhir_resource_the_export_writes_and_a_cbioportal_event_type():
    from timelines.fhir import bundle as fhir

    assert [k.name for k in KINDS if k.fhir not in fhir.RESOURCES] == []
    assert [k.name for k in KINDS if not k.cbioportal.event_type] == ["other"]  # its own type: (a study's EVENT_TYPE)
    assert [k.name for k in KINDS if k.cbioportal.event_type == "TREATMENT"] == [
        "radiotherapy", "chemotherapy", "targeted", "immunotherapy", "endocrine", "supportive"]


# ---------------------------------------------------------------- a kind added to the registry

class Vaccination(PointOrIntervalEvent):
    """A kind of no case file yet: a row of the registry, not (yet) of the schema's union."""

    kind: Literal["vaccination"]
    vaccine: str | None = None
    dose: str | None = None


@pytest.fixture
def vaccination(monkeypatch):
    """A made-up kind in the registry, and a resolved case with one event of it (put in past the schema, which does
    not know the kind): what every consumer of the registry meets the day a kind is added."""
    kind = Kind("vaccination", Vaccination, "Vaccinations", "Vaccination", agent_fields=("vaccine",))
    monkeypatch.setitem(kinds.KIND_BY_NAME, "vaccination", kind)
    monkeypatch.setattr(kinds, "KINDS", kinds.KINDS + (kind,))
    supportive = make_event(id="zol", kind="supportive", drug="zoledronic acid", dose=None, start=None, ongoing=None,
                            date="2021-10-01")
    case = load_text(yaml.safe_dump(make_case(make_event(), supportive)), "example.yaml").case
    case.events[1] = Vaccination(kind="vaccination", id="bcg", date="2021-10-01", vaccine="BCG", dose="1 vial")
    return resolve(case, "example.yaml")


def test_a_made_up_kind_gets_its_registry_lane_after_the_known_ones_and_is_named_by_its_agent(vaccination):
    events = event_table(vaccination)
    row = events.set_index("event_id").loc["bcg"]
    assert (row["kind"], row["category"], row["lane"], row["label"], row["agent"]) == (
        "vaccination", "Vaccinations", "Vaccinations", "BCG 1 vial", "BCG")
    assert lane_order(events) == ["Diagnosis & pathology", "alectinib", "Vaccinations"]


def test_a_made_up_kind_is_drawn_in_its_lane_and_de_identified_like_any_other(vaccination):
    from components.charts import timeline_chart
    from timelines.deidentify import deidentify_tables
    from timelines.tables import marker_table, measurement_table

    events = event_table(vaccination)
    assert "Vaccinations" in json.dumps(timeline_chart(events).to_dict())
    clean = deidentify_tables(events, measurement_table(vaccination), marker_table(vaccination))["events"]
    assert clean.loc[clean["kind"].eq("vaccination"), ["lane", "label"]].values.tolist() == [
        ["Vaccinations", "BCG 1 vial"]]


def test_a_made_up_kind_is_no_line_of_therapy_in_the_summary_and_is_named_by_its_label(vaccination):
    from timelines.summary import case_summary, summary_text

    summary = case_summary(vaccination)
    assert [line["agents"] for line in summary["lines"]] == [["alectinib"]]
    assert "still taken: censored at the last follow-up, BCG 1 vial (2021-10-01 or later)" in summary_text(summary)


def test_a_made_up_kind_without_a_fhir_resource_is_named_as_not_exported(vaccination, monkeypatch):
    from timelines.fhir import bundle as fhir

    expected = ["events[1] (vaccination 'BCG 1 vial'): events of this kind are not exported"]
    assert fhir.not_carried(vaccination) == expected
    monkeypatch.setitem(kinds.KIND_BY_NAME, "vaccination", replace(kinds.KIND_BY_NAME["vaccination"], fhir="vaccine"))
    assert fhir.not_carried(vaccination) == expected  # a resource the export does not have: the same


def test_a_made_up_kind_writes_the_fhir_resource_its_registry_row_names(vaccination, monkeypatch):
    from timelines.fhir import bundle as fhir

    monkeypatch.setitem(kinds.KIND_BY_NAME, "vaccination",
                        replace(kinds.KIND_BY_NAME["vaccination"], fhir="medication"))
    given = [e["resource"] for e in fhir.case_bundle(vaccination)["entry"]
             if e["resource"]["resourceType"] == "MedicationAdministration"]
    assert [r["medicationCodeableConcept"]["text"] for r in given] == ["alectinib", "BCG"]
    assert fhir.not_carried(vaccination) == []


def test_a_made_up_kind_goes_to_a_cbioportal_track_of_its_own_and_back_until_the_schema_refuses_it(vaccination,
                                                                                                   tmp_path):
    from timelines.cbioportal.study import case_timeline, read_study
    from timelines.cbioportal.write import study_files

    files, _ = study_files([vaccination])
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert files["data_timeline_vaccination.txt"].decode().splitlines() == [
        "PATIENT_ID\tSTART_DATE\tSTOP_DATE\tEVENT_TYPE\tKIND\tEVENT_SEQ\tSHAPE\tID\tVACCINE\tDOSE",
        "example\t52\t\tVACCINATION\tvaccination\t2\tpoint\tbcg\tBCG\t1 vial"]
    document = read_study(tmp_path).cases["example"]
    assert [{k: e[k] for k in ("kind", "vaccine", "dose")} for e in document["events"] if e["kind"] == "vaccination"] \
        == [{"kind": "vaccination", "vaccine": "BCG", "dose": "1 vial"}]
    with pytest.raises(CaseFileError, match=r"example.yaml:\d+:\d+: events\[1\]\.kind: Unknown event kind "
                                            r"'vaccination'\. Hint: Valid: adverse_event, "):
        case_timeline(document, "example.yaml")


def test_a_made_up_treatment_kind_is_written_with_the_treatment_type_and_subtype_of_its_registry_row(vaccination,
                                                                                                    monkeypatch):
    from timelines.cbioportal.write import study_files

    monkeypatch.setitem(kinds.KIND_BY_NAME, "vaccination", replace(
        kinds.KIND_BY_NAME["vaccination"], cbioportal=Study("TREATMENT", "Medical Therapy", "Vaccine")))
    rows = files_rows(study_files([vaccination])[0]["data_timeline_treatment.txt"])
    assert [(r["KIND"], r["TREATMENT_TYPE"], r["SUBTYPE"], r["AGENT"]) for r in rows] == [
        ("targeted", "Medical Therapy", "Targeted Therapy", "alectinib"),
        ("vaccination", "Medical Therapy", "Vaccine", "BCG")]


def files_rows(data: bytes) -> list[dict]:
    head, *lines = data.decode().splitlines()
    return [dict(zip(head.split("\t"), line.split("\t"))) for line in lines]
