"""The forms case reports need beyond the basics: 'upon X', drugs given together, an approximate offset in years,
day 0 on an interval's end, sizes found without a scan, and a lab value given only as normal."""

import json

import pytest
import yaml

from timelines import CaseFileError, load_text
from timelines.tables import day_zero, event_table, marker_table, measurement_table
from timelines.time.dates import DateProblem, parse_date

from conftest import make_case, make_event


def load(*events, **overrides):
    return load_text(yaml.safe_dump(make_case(*events, **overrides), allow_unicode=True))


def window(timeline, event_id: str, side: str = "start") -> tuple[str, str]:
    """(earliest, latest) of an event's start or end, as ISO days, or as days since day 0 without a calendar."""
    dated = timeline.by_id(event_id)
    bounds = dated.start if side == "start" else dated.end
    if timeline.on_calendar:
        return timeline.iso_day(bounds.earliest), timeline.iso_day(bounds.latest)
    return timeline.day(bounds.earliest), timeline.day(bounds.latest)


PROGRESSION = {"id": "pd", "kind": "progression", "date": "2022-06-15", "therapy": "tki"}


# ---------------------------------------------------------------- upon X

@pytest.mark.parametrize("text, earliest, latest", [
    ("upon pd", "2022-06-15", "2022-07-15"),  # at the progression or within a month after it
    ("upon pd within 2 weeks", "2022-06-15", "2022-06-29"),
    ("upon pd within 3 months", "2022-06-15", "2022-09-15"),
    ("upon pd within 10 days", "2022-06-15", "2022-06-25"),
    ("upon 2022-06", "2022-06-01", "2022-07-31"),  # a month-precise anchor: any day of it, plus a month
    ("upon tki.end", "2022-06-20", "2022-07-20"),
])
def test_upon_is_at_its_event_or_within_a_short_window_after_it(text, earliest, latest):
    first = make_event(ongoing=None, end="pd + 5 days")
    second = make_event(id="second", drug="lorlatinib", start=text)
    timeline = load(first, PROGRESSION, second)
    assert window(timeline, "second") == (earliest, latest)


def test_upon_is_a_distance_so_it_stays_tight_however_vague_its_event():
    vague = {"id": "pd", "kind": "progression", "date": "2022", "therapy": "tki"}
    second = make_event(id="second", drug="lorlatinib", start="upon pd")
    timeline = load(make_event(ongoing=None, end="pd"), vague, second)
    gap = timeline.distance((timeline.by_id("pd").key, "start"), (timeline.by_id("second").key, "start"))
    assert (gap.earliest, gap.latest) == (0, 31)
    assert window(timeline, "second") == ("2022-01-01", "2023-01-31")


def test_upon_on_a_case_without_calendar_is_counted_in_days():
    events = [{"id": "pd", "kind": "progression", "date": "dx + 5 months"},
              make_event(id="second", drug="lorlatinib", start="upon pd")]
    timeline = load(*events, diagnoses=[{"id": "dx", "label": "Adenocarcinoma", "date": "origin"}])
    assert window(timeline, "pd") == (150, 153)
    assert window(timeline, "second") == (150, 184)


def test_after_stays_open_where_upon_is_tight():
    timeline = load(make_event(ongoing=None, end="pd"), PROGRESSION,
                    make_event(id="later", drug="lorlatinib", start="after pd"))
    assert window(timeline, "later") == ("2022-06-15", "")


@pytest.mark.parametrize("text, message", [
    ("upon", "'upon' says upon what?"),
    ("~upon pd", "'upon' is already uncertain; drop the '~'"),
    ("upon pd within", "'upon pd within' says within what?"),
    ("upon pd within ~2 weeks", "marks the window of 'upon' as approximate"),
    ("upon pd within 0 days", "write 'pd' for the same day"),
    ("upon pd within soon", "Cannot read the offset 'soon' in 'upon pd within soon'"),
])
def test_an_unreadable_upon_says_how_to_write_it(text, message):
    with pytest.raises(DateProblem) as raised:
        parse_date(text)
    assert message in str(raised.value)


# ---------------------------------------------------------------- drugs given together

COMBINATION = make_event(id="dabtram", drug=None, drugs=["dabrafenib", "trametinib"],
                         dose="dabrafenib 150 mg twice daily, trametinib 2 mg daily", line=1)


def test_a_combination_names_every_agent_in_the_tables_lanes_and_labels():
    timeline = load(COMBINATION)
    assert timeline.by_id("dabtram").event.agents == ["dabrafenib", "trametinib"]
    row = event_table(timeline).set_index("event_id").loc["dabtram"]
    assert (row["agent"], row["lane"]) == ("dabrafenib + trametinib", "dabrafenib + trametinib")
    assert row["label"] == "dabrafenib + trametinib dabrafenib 150 mg twice daily, trametinib 2 mg daily"
    assert "drugs" not in row["details"]  # said by the agent column, not repeated as a list


def test_one_drug_is_still_written_drug_and_its_agents_are_that_drug():
    timeline = load(make_event(), {"id": "pembro", "kind": "immunotherapy", "drug": "pembrolizumab",
                                   "start": "2022-01", "ongoing": True})
    assert timeline.by_id("tki").event.agents == ["alectinib"]
    assert timeline.by_id("pembro").event.agents == ["pembrolizumab"]


def test_every_agent_of_a_combination_goes_out_in_fhir_and_cbioportal(tmp_path):
    from timelines.cbioportal.write import write_study
    from timelines.fhir.bundle import case_bundle

    timeline = load(COMBINATION)
    medications = [e["resource"]["medicationCodeableConcept"]["text"] for e in case_bundle(timeline)["entry"]
                   if e["resource"]["resourceType"] == "MedicationAdministration"]
    assert medications == ["dabrafenib", "trametinib"]
    write_study([timeline], tmp_path)
    treatments = next(tmp_path.glob("*treatment*.txt")).read_text(encoding="utf-8")
    assert "\tdabrafenib + trametinib\t" in treatments


@pytest.mark.parametrize("fields, message", [
    ({"drug": None}, "Missing required field 'drug' in a targeted event"),
    ({"drugs": ["dabrafenib", "trametinib"]}, "This event has both drug and drugs"),
    ({"drug": None, "drugs": []}, "events[0].drugs"),
])
def test_a_therapy_needs_drug_or_drugs_and_not_both(fields, message):
    with pytest.raises(CaseFileError) as raised:
        load(make_event(**fields))
    assert message in str(raised.value)


# ---------------------------------------------------------------- approximate offsets in years

@pytest.mark.parametrize("text, earliest, latest", [
    ("tki + 4 years", "2025-09-01", "2025-09-01"),  # as written: exactly four years
    ("~tki + 4 years", "2025-03-01", "2026-03-01"),  # 'four years later': 3.5 to 4.5 years
    ("tki + ~4 years", "2025-03-01", "2026-03-01"),
    ("~tki - 1 year", "2020-03-01", "2021-03-01"),
    ("between tki + 3 years and tki + 5 years", "2024-09-01", "2026-09-01"),  # the wider reading, when meant
    ("~tki + 3 months", "2021-11-01", "2022-01-01"),  # months keep one unit either side
    ("~tki + 2 weeks", "2021-09-08", "2021-09-22"),
])
def test_an_approximate_offset_widens_by_the_precision_of_its_unit(text, earliest, latest):
    probe = {"id": "probe", "kind": "imaging", "date": text}
    assert window(load(make_event(), probe), "probe") == (earliest, latest)


def test_an_approximate_duration_in_years_is_half_a_year_either_side():
    timeline = load(make_event(ongoing=None, duration="~2 years"))
    assert window(timeline, "tki", "end") == ("2023-03-01", "2024-03-01")


def test_an_approximate_year_offset_without_calendar_is_half_a_year_of_days_either_side():
    probe = {"id": "probe", "kind": "imaging", "date": "~dx + 4 years"}
    timeline = load(probe, diagnoses=[{"id": "dx", "label": "Adenocarcinoma", "date": "origin"}])
    assert window(timeline, "probe") == (1278, 1644)  # the fewest days 42 months span, the most 54 months span


# ---------------------------------------------------------------- origin on an interval's end

def test_origin_on_an_intervals_end_makes_that_end_day_0():
    chemo = {"id": "chemo", "kind": "chemotherapy", "regimen": "EP", "start": "chemo.end - 3 months",
             "end": "origin"}
    status = {"kind": "status", "status": "alive", "date": "chemo.end + 6 months"}
    timeline = load(chemo, status, diagnoses=[{"id": "dx", "label": "SCLC", "date": "chemo - 1 month"}])
    events = event_table(timeline).set_index("event_id")
    assert events.loc["chemo", "day_end"] == 0
    assert (events.loc["chemo", "day_start_earliest"], events.loc["chemo", "day_start_latest"]) == (-92, -89)
    assert (events.loc["dx", "day_start_earliest"], events.loc["dx", "day_start_latest"]) == (-123, -117)
    assert day_zero(timeline).label == "end of chemotherapy"


def test_a_top_level_origin_still_names_the_day_0_event():
    chemo = {"id": "chemo", "kind": "chemotherapy", "regimen": "EP", "start": "chemo.end - 3 months",
             "end": "origin"}
    timeline = load(chemo, origin="dx", diagnoses=[{"id": "dx", "label": "SCLC", "date": "chemo - 1 month"}])
    events = event_table(timeline).set_index("event_id")
    assert events.loc["dx", "day_start"] == 0
    assert day_zero(timeline).label == "diagnosis"


def test_origin_on_a_point_event_other_than_a_diagnosis_is_day_0():
    scan = {"id": "scan", "kind": "imaging", "date": "origin", "modality": "CT"}
    timeline = load(scan, diagnoses=[{"id": "dx", "label": "Adenocarcinoma", "date": "scan + 2 weeks"}])
    events = event_table(timeline).set_index("event_id")
    assert (events.loc["scan", "day_start"], events.loc["dx", "day_start"]) == (0, 14)
    assert day_zero(timeline).label == "imaging"


# ---------------------------------------------------------------- sizes found without a scan

EXAM = {"id": "exam", "kind": "symptom", "date": "2021-08-01", "description": "Palpable left breast mass",
        "measurements": [{"lesion": "primary", "size": "3 × 2 × 2 cm"}],
        "quote": "On examination, a 3 × 2 × 2 cm mass was palpable."}
OPERATION = {"id": "op", "kind": "surgery", "date": "2021-10-01", "procedure": "Mastectomy",
             "measurements": [{"lesion": "primary", "size": "2.5 cm"}]}
SCAN = {"id": "us", "kind": "imaging", "date": "2021-08-05", "modality": "US",
        "measurements": [{"lesion": "primary", "size": "28 mm"}]}


def test_sizes_from_an_examination_and_an_operation_are_measurements_with_their_source():
    table = measurement_table(load(EXAM, SCAN, OPERATION))
    rows = table[["event_id", "lesion_id", "dims_mm", "longest_mm", "source_kind", "source_label", "modality"]]
    assert rows.values.tolist() == [
        ["exam", "primary", "30 x 20 x 20", 30.0, "symptom", "Palpable left breast mass", ""],
        ["us", "primary", "28", 28.0, "imaging", "US", "US"],
        ["op", "primary", "25", 25.0, "surgery", "Mastectomy", ""],
    ]


def test_the_lesion_chart_says_what_measured_each_size():
    from components.charts.lesions import lesion_chart

    spec = json.dumps(lesion_chart(measurement_table(load(EXAM, SCAN, OPERATION))).to_dict())
    for said in ("Palpable left breast mass (physical examination)", "Mastectomy (at surgery)", '"US"'):
        assert said in spec
    assert '"Measured on"' in spec


def test_an_examination_measuring_an_undeclared_lesion_is_located():
    exam = {**EXAM, "measurements": [{"lesion": "breast-mass", "size": "3 cm"}]}
    with pytest.raises(CaseFileError) as raised:
        load(exam)
    assert "events[0].measurements[0].lesion: Measures the lesion 'breast-mass', which is not declared" \
        in str(raised.value)


# ---------------------------------------------------------------- a lab value given only as normal

def test_a_lab_value_may_be_only_a_flag():
    lab = {"kind": "lab", "date": "2021-08-10", "values": [{"marker": "LDH", "flag": "normal"},
                                                           {"marker": "CEA", "flag": "high"}]}
    timeline = load(lab)
    markers = marker_table(timeline)
    assert markers[["marker", "flag", "finding"]].values.tolist() == [["CEA", "high", ""], ["LDH", "normal", ""]]
    assert markers["value"].isna().all()
    assert event_table(timeline).set_index("kind").loc["lab", "details"] == "LDH [normal]; CEA [high]"


def test_a_lab_value_with_nothing_measured_is_still_refused():
    lab = {"kind": "lab", "date": "2021-08-10", "values": [{"marker": "LDH", "unit": "U/L"}]}
    with pytest.raises(CaseFileError) as raised:
        load(lab)
    assert "The value of LDH is missing" in str(raised.value)
    assert "flag: (high, low or normal" in str(raised.value)

