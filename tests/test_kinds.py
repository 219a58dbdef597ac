"""The kinds registry: one row per event kind, in step with the schema, the tables, the theme and the hints."""

import pytest
import yaml

from components.charts import theme
from timelines import CaseFileError, load_case, load_text
from timelines.kinds import (CATEGORIES, CONTINUOUS_KINDS, KEY_KINDS, KIND_BY_NAME, KIND_SYNONYMS, KINDS,
                             LANE_ORDER, SPECIMEN_KINDS, SYSTEMIC, THERAPY_KINDS, TREATMENT_KINDS, kind_named,
                             kind_names)
from timelines.schema import EVENT_MODELS, Event
from timelines.tables import agent_name, event_table, lane_order

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
