"""Tables of every bundled case match their reviewed golden CSVs; the column contract holds."""

import datetime as dt

import pandas as pd
import pytest
import yaml

from timelines import load_case, load_text
from timelines.tables import (
    EVENT_COLUMNS,
    LANE_ORDER,
    MARKER_COLUMNS,
    MEASUREMENT_COLUMNS,
    DayZero,
    day_zero_of,
    dose_change_table,
    event_table,
    golden_tables,
    lane_order,
    marker_table,
    measurement_table,
    molecular_table,
    rebase_days,
)

from conftest import CASE_FILES, ROOT, make_case, make_event

GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_every_case_matches_its_golden_tables(path):
    timeline = load_case(path)
    for name, table in golden_tables(timeline).items():
        golden = GOLDEN / f"{timeline.case.id}.{name}.csv"
        assert golden.exists(), f"missing {golden.name}: run python scripts/update_goldens.py and review it"
        actual = table.to_csv(index=False, lineterminator="\n")
        assert actual == golden.read_text(encoding="utf-8"), \
            f"{golden.name} differs: run python scripts/update_goldens.py and review the diff"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_tables_start_with_the_contract_columns(path):
    timeline = load_case(path)
    assert tuple(event_table(timeline).columns[:len(EVENT_COLUMNS)]) == EVENT_COLUMNS
    assert tuple(measurement_table(timeline).columns[:len(MEASUREMENT_COLUMNS)]) == MEASUREMENT_COLUMNS
    assert tuple(marker_table(timeline).columns[:len(MARKER_COLUMNS)]) == MARKER_COLUMNS


def test_every_dated_event_has_days_since_origin():
    for path in CASE_FILES:
        events = event_table(load_case(path))
        assert events["day_start"].notna().all(), path.stem


def test_cases_without_a_calendar_leave_calendar_columns_empty_and_say_days():
    timeline = load_case(ROOT / "cases" / "adeno-alk-miliary-alectinib.yaml")
    events = event_table(timeline)
    assert not timeline.on_calendar
    assert (events["start_earliest"] == "").all() and (events["start_latest"] == "").all()
    assert events["start"].str.match(r"^(day |not dated)").all()


def test_a_therapy_short_name_is_its_lane_and_the_full_name_stays_its_agent():
    regimen = "Chemotherapy in conjunction with anti-angiogenic therapy (agents not named in the paper)"
    case = make_case(make_event(kind="chemotherapy", drug=None, dose=None, regimen=regimen,
                                short="Chemo + anti-angiogenic"))
    row = event_table(load_text(yaml.safe_dump(case))).iloc[-1]
    assert (row["lane"], row["agent"]) == ("Chemo + anti-angiogenic", regimen)


def test_a_short_name_longer_than_a_lane_label_is_refused():
    from timelines.errors import CaseFileError

    with pytest.raises(CaseFileError, match="short"):
        load_text(yaml.safe_dump(make_case(make_event(short="x" * 33))))


@pytest.mark.parametrize("size, dims, longest, short, recist", [
    ("1.2 x 0.7 cm", "12 x 7", 12.0, 7.0, 12.0),
    ("19 mm", "19", 19.0, 19.0, 19.0),
    ("4.9 × 2.6 cm", "49 x 26", 49.0, 26.0, 26.0),  # nodal: short axis
    ("14.1*10.5 cm", "141 x 105", 141.0, 105.0, 141.0),
    ("1.1 cm × 0.8 cm", "11 x 8", 11.0, 8.0, 11.0),
    ("too small to measure", "5", 5.0, 5.0, 5.0),
    ("absent", "", 0.0, 0.0, 0.0),
])
def test_lesion_sizes_are_parsed_to_millimetres(size, dims, longest, short, recist):
    nodal = size.startswith("4.9")
    case = make_case({"kind": "imaging", "date": "2021-10-01", "measurements": [{"lesion": "primary", "size": size}]},
                     lesions=[{"id": "primary", "label": "Lesion", "nodal": nodal}])
    row = measurement_table(load_text(yaml.safe_dump(case))).iloc[0]
    assert (row["dims_mm"], row["longest_mm"], row["short_axis_mm"], row["recist_mm"]) == (dims, longest, short, recist)


def test_lanes_follow_the_configured_order_with_one_lane_per_agent():
    case = make_case(make_event(id="a", drug="crizotinib", start="2021-09-01", ongoing=None, end="2022-01-01"),
                     make_event(id="b", drug="alectinib", start="2022-01-02"),
                     {"kind": "imaging", "date": "2021-12-01"},
                     {"kind": "radiotherapy", "date": "2021-11-01", "technique": "SRS"})
    lanes = lane_order(event_table(load_text(yaml.safe_dump(case))))
    assert lanes == ["Diagnosis & pathology", "Radiotherapy", "crizotinib", "alectinib", "Imaging"]
    assert LANE_ORDER[0] == "Symptoms" and LANE_ORDER[-1] == "Other events"


def test_unknown_categories_are_appended_in_first_seen_order():
    events = pd.DataFrame({"category": ["Imaging", "Zeta", "Surgery", "Alpha"], "lane": ["Imaging", "z", "Surgery", "a"]})
    assert lane_order(events) == ["Surgery", "Imaging", "z", "a"]


def test_markers_flag_values_outside_their_reference_range():
    timeline = load_case(ROOT / "cases" / "lcnec-eml4-alk-alectinib-case1.yaml")
    nse = marker_table(timeline).query("marker.str.startswith('NSE')", engine="python").iloc[0]
    assert (nse["value"], nse["ref_low"], nse["ref_high"], nse["flag"]) == (23.79, 5.0, 15.0, "high")


def test_molecular_abundances_are_molecular_results_not_marker_rows():
    timeline = load_case(ROOT / "cases" / "ppamn-hmbox1-alk-ensartinib.yaml")
    assert not marker_table(timeline)["marker"].str.contains("HMBOX1").any()
    results = molecular_table(timeline)
    fusion = results[results["finding"].eq("HMBOX1::ALK fusion")]
    assert fusion[["event_id", "start", "abundance_pct"]].to_dict("records") == [
        {"event_id": "ngs-1", "start": "2021-10", "abundance_pct": 20.0},
        {"event_id": "ngs-2", "start": "2023-07 – 2024-01", "abundance_pct": 31.0}]


@pytest.mark.parametrize("written, shown", [("7.0", "7.0"), ("7", "7"), ("'7.50'", "7.50"), ("0.25", "0.25")])
def test_a_lab_value_keeps_the_number_as_written_beside_the_number(written, shown):
    timeline = load_text(_lab_case(written))
    row = marker_table(timeline).iloc[0]
    assert (row["value_text"], row["value"]) == (shown, float(shown))
    assert event_table(timeline).set_index("event_id").loc["hb", "details"] == f"Hemoglobin {shown} g/dL"


def _lab_case(written: str) -> str:
    lab = make_event(id="hb", kind="lab", date="2021-01-01", drug=None, dose=None, start=None, ongoing=None,
                     values=[{"marker": "Hemoglobin", "value": 1.5, "unit": "g/dL"}])
    text = yaml.safe_dump(make_case(lab))
    assert "value: 1.5" in text
    return text.replace("value: 1.5", f"value: {written}")


def test_a_dose_change_is_one_row_with_its_date_bounds_dose_and_reason():
    # Regression: 'liver toxicity; grade 3' was read back from the events' text as two changes, one undated.
    timeline = load_text(yaml.safe_dump(make_case(make_event(start="2021-01-01", dose_changes=[
        {"date": "2021-06", "dose": "300 mg", "reason": "liver toxicity; grade 3"}]))))
    table = dose_change_table(timeline)
    assert table[["event_id", "start", "day_start_earliest", "day_start_latest", "dose", "reason",
                  "start_earliest", "start_latest"]].to_dict("records") == [
        {"event_id": "tki", "start": "2021-06", "day_start_earliest": -70, "day_start_latest": -41, "dose": "300 mg",
         "reason": "liver toxicity; grade 3", "start_earliest": "2021-06-01", "start_latest": "2021-06-30"}]
    assert event_table(timeline).set_index("event_id").loc["tki", "dose_changes"] == \
        "2021-06: 300 mg (liver toxicity; grade 3)"  # for display; the table is what layers read


def test_what_later_layers_read_of_an_event_is_a_column_of_its_own():
    timeline = load_text(yaml.safe_dump(make_case(
        make_event(kind="imaging", id="ct", date="2021-09-01", drug=None, dose=None, start=None, ongoing=None,
                   finding="new nodule; trend: decreased elsewhere", trend="new"),
        make_event(kind="response", id="resp", date="2021-10-01", drug=None, dose=None, start=None, ongoing=None,
                   category="PR", description="shrinkage; status: dead"),
        make_event(kind="status", id="last", date="2021-11-01", drug=None, dose=None, start=None, ongoing=None,
                   status="no_evidence_of_disease"))))
    events = event_table(timeline).set_index("event_id")
    assert events.loc["ct", ["finding", "trend"]].tolist() == ["new nodule; trend: decreased elsewhere", "new"]
    assert events.loc["resp", ["response_category", "status", "key_details"]].tolist() == \
        ["PR", "", "PR; shrinkage; status: dead"]
    assert events.loc["last", ["status", "key_details"]].tolist() == \
        ["no_evidence_of_disease", "no evidence of disease"]


def test_day_0_travels_with_the_tables_and_moves_with_rebase_days():
    timeline = load_text(yaml.safe_dump(make_case(make_event())))
    zero = DayZero(dt.date(2021, 8, 10), "diagnosis")
    tables = [event_table(timeline), measurement_table(timeline), marker_table(timeline), dose_change_table(timeline)]
    assert [day_zero_of(t) for t in tables] == [zero] * 4
    assert day_zero_of(tables[0][tables[0]["kind"].eq("targeted")].reset_index(drop=True)) == zero
    moved = rebase_days(tables[0], 22, "start of alectinib")
    assert day_zero_of(moved) == DayZero(dt.date(2021, 9, 1), "start of alectinib")
    assert day_zero_of(tables[0]) == zero  # the table re-based is a copy


@pytest.mark.parametrize("finding, said", [
    ({"gene": "ALK", "alteration": "EML4-ALK rearrangement", "result": "detected"}, "EML4-ALK rearrangement detected"),
    ({"gene": "ALK", "alteration": "ALK protein expression", "result": "positive"}, "ALK protein expression positive"),
    ({"gene": "EGFR", "alteration": "L858R", "abundance_pct": 12, "result": "detected"}, "EGFR L858R 12% detected"),
    ({"gene": "KRAS", "alteration": "G12C", "variant": "c.34G>T"}, "KRAS G12C (c.34G>T)"),
    ({"gene": "MET", "alteration": "METex14 skipping"}, "MET METex14 skipping"),  # a longer word, not the gene
])
def test_a_molecular_finding_says_its_gene_once(finding, said):
    event = make_event(id="ngs", kind="molecular", date="2021-09-01", method="NGS", findings=[finding],
                       drug=None, dose=None, start=None, ongoing=None)
    events = event_table(load_text(yaml.safe_dump(make_case(event)))).set_index("event_id")
    assert events.loc["ngs", "details"] == f"method: NGS; {said}"


def test_event_tables_of_many_cases_are_their_event_tables_one_after_another():
    from pathlib import Path

    from timelines.reading.loading import load_case
    from timelines.tables import event_table, event_tables

    timelines = [load_case(p) for p in sorted(Path("cases").glob("[!_]*.yaml"))]
    keys = [f"P-{i}" for i in range(len(timelines))]
    expected = pd.concat([event_table(t).assign(patient_id=k) for k, t in zip(keys, timelines)], ignore_index=True)
    expected = expected[["patient_id", *[c for c in expected.columns if c != "patient_id"]]]
    pd.testing.assert_frame_equal(event_tables(timelines, keys), expected)


def test_the_day_zero_choices_list_a_diagnosis_that_is_day_zero_once():
    from pathlib import Path

    from timelines.reading.loading import load_case
    from timelines.tables import day_zero_choices, event_table

    seen = 0
    for path in sorted(Path("cases").glob("[!_]*.yaml")):
        events = event_table(load_case(path))
        choices = day_zero_choices(events)
        assert any(choice.day == 0 for choice in choices.values())  # day 0 itself is always a choice
        if events[events["day_start"] == 0].iloc[0]["kind"] != "diagnosis":
            continue
        seen += 1
        assert "origin" not in choices, path.name  # not again as "<its name> · day 0"
        assert sum(key.startswith("diagnosis:") for key in choices) == (events["kind"] == "diagnosis").sum()
    assert seen >= 3


@pytest.mark.parametrize("case_id, default", [
    # The GIST case counts from its `origin` (the operation), not from the final diagnosis dated only after it.
    ("gist-duodenum-duodenectomy-imatinib", ("origin", 0)),
    ("ppamn-hmbox1-alk-ensartinib", ("origin", 0)),
    ("lcnec-alk-lorlatinib", ("diagnosis:lcnec", 0)),  # origin: lcnec, the second of its two diagnoses
])
def test_the_default_day_zero_is_the_case_origin(case_id, default):
    from components.pages.pickers import default_day_zero
    from timelines.reading.loading import load_case
    from timelines.tables import day_zero_choices, event_table

    choices = day_zero_choices(event_table(load_case(f"cases/{case_id}.yaml")))
    key = default_day_zero(choices)
    assert (key, choices[key][0]) == default


def test_without_origin_the_default_day_zero_is_the_first_listed_diagnosis_not_a_later_diagnosis_event():
    import yaml

    from components.pages.pickers import default_day_zero
    from timelines.reading.loading import load_text
    from timelines.tables import day_zero_choices, event_table

    from conftest import make_case, make_event

    final = make_event(id="final-dx", kind="diagnosis", label="Final diagnosis on the specimen",
                       date="after dx + 1 month", drug=None, dose=None, start=None, ongoing=None)
    case = make_case(final, make_event())
    case["diagnoses"].append({"id": "second", "label": "Second primary", "date": "2022-02-01"})
    choices = day_zero_choices(event_table(load_text(yaml.safe_dump(case))))
    assert default_day_zero(choices) == "diagnosis:dx"
    assert list(choices)[:3] == ["diagnosis:dx", "diagnosis:final-dx", "diagnosis:second"]  # before: the last


def test_a_day_zero_choice_carries_its_events_id_so_its_key_is_only_a_name_for_the_control():
    from components.pages.pickers import day_zero_labels
    from timelines.reading.loading import load_case
    from timelines.tables import DayZeroChoice, day_zero_choices, event_table

    events = event_table(load_case("cases/gist-duodenum-duodenectomy-imatinib.yaml"))
    choices = day_zero_choices(events)
    assert choices["start:imatinib"] == DayZeroChoice(choices["start:imatinib"].day, "start of imatinib", "imatinib")
    assert choices["origin"].event_id == ""
    assert day_zero_labels({"any name": choices["start:imatinib"]}, events) == {
        "any name": "start of imatinib · after final diagnosis (day 0–731)"}


def _scan(event_id: str, date: str) -> dict:
    return {"id": event_id, "kind": "imaging", "date": date, "modality": "CT"}


@pytest.mark.parametrize("events, event_id, start, end", [
    # Bounds of one precision: said as before
    ([_scan("a", "2021-08"), _scan("b", "2021-10"), _scan("x", "between a and b")], "x", "2021-08 – 2021-10", ""),
    ([_scan("a", "2021-08-05"), _scan("b", "2021-09-03"), _scan("x", "between a and b")], "x",
     "2021-08-05 – 2021-09-03", ""),
    # After a month, before a day: each bound at the precision of the statement that sets it
    ([_scan("a", "2021-08"), _scan("b", "2021-09-03"), _scan("x", "between a and b")], "x", "2021-08 – 2021-09-03", ""),
    ([_scan("a", "2021-08-05"), _scan("b", "2021-10"), _scan("x", "between a and b")], "x", "2021-08-05 – 2021-10", ""),
    # A year and a month; the year's own date ends where the month's does (a <= x <= b)
    ([_scan("a", "2007"), _scan("b", "2007-07"), _scan("x", "between a and b")], "x", "2007 – 2007-07", ""),
    ([_scan("a", "2007"), _scan("b", "2007-07"), _scan("x", "between a and b")], "a", "2007 – 2007-07", ""),
    # Approximate: the start keeps its '~'; the end's earliest bound is the start's, an approximate month
    ([_scan("a", "2021-09-03"), {"id": "chemo", "kind": "chemotherapy", "regimen": "EP", "start": "~a + 1 month",
                                 "end": "between chemo and 2022-09-08"}], "chemo", "~2021-10", "2021-09 – 2022-09-08"),
    # A bound the text does not name: the last follow-up, a day, is the latest any date of the case can be
    ([_scan("a", "2021-08"), _scan("x", "after a"), {"id": "fu", "kind": "status", "date": "2023-05-12",
                                                      "status": "alive"}], "x", "2021-08 – 2023-05-12", ""),
    ([_scan("a", "2021-08"), _scan("x", "after a"), {"id": "fu", "kind": "status", "date": "2023-05",
                                                      "status": "alive"}], "x", "2021-08 – 2023-05", ""),
    ([_scan("a", "2021-08"), _scan("x", "after a")], "x", "2021-08 or later", ""),
])
def test_each_bound_of_a_window_is_said_at_the_precision_of_the_statement_that_sets_it(events, event_id, start, end):
    table = event_table(load_text(yaml.safe_dump(make_case(*events))))
    row = table.set_index("event_id").loc[event_id]
    assert (row["start"], row["end"]) == (start, end)


def test_a_measurement_is_dated_as_its_event_each_bound_at_its_precision():
    case = make_case(_scan("a", "2021-08"), _scan("b", "2021-09-03"),
                     {**_scan("x", "between a and b"), "measurements": [{"lesion": "primary", "size": "33 mm"}]})
    assert measurement_table(load_text(yaml.safe_dump(case)))["start"].tolist() == ["2021-08 – 2021-09-03"]
