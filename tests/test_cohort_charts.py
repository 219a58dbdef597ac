"""Cohort tables (spider, waterfall) and chart builders: spec fragments of chart.to_dict() (marks, encodings,
drug colours shared with the case view, RECIST reference lines)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import vl_convert as vlc
import yaml

from components import charts
from components.charts import cohort as cohort_charts
from components.charts import theme
from timelines import load_text
from timelines.cohort import (
    SPIDER_COLUMNS,
    SWIMMER_COLUMNS,
    WATERFALL_COLUMNS,
    patient_words,
    spider_table,
    swimmer_table,
    therapy_agents,
    waterfall_table,
)
from timelines.reading.catalog import case_paths, load_entry
from timelines.tables import event_table

from conftest import CASE_FILES, CASES, measured_case
from specs import find, mark_prop, mark_type, rows, scale_map, units

ONGOING = {"adeno-alk-miliary-alectinib", "lcnec-alk-lorlatinib", "lcnec-eml4-alk-alectinib-case1",
           "lcnec-eml4-alk-alectinib-case2"}


@pytest.fixture(scope="module")
def timelines():
    return [load_entry(p).timeline for p in case_paths(CASES)]


@pytest.fixture(scope="module")
def measured(timelines):
    """The bundled cases, and one with two measured target lesions (the papers designate targets in one case)."""
    return timelines + [load_text(yaml.safe_dump(measured_case()), "measured-two-targets.yaml")]


@pytest.fixture(scope="module")
def swimmer(timelines):
    return cohort_charts.swimmer_chart(swimmer_table(timelines, "diagnosis")).to_dict()


# --- helpers ----------------------------------------------------------------------------------------------------


def arrows(spec: dict) -> list[dict]:
    return [u for u in units(spec) if mark_type(u) == "point" and mark_prop(u, "shape") == theme.ARROW_SHAPE]


def lane_axis(spec: dict) -> dict:
    """The swimmer's one lane axis (the other layers share its scale and draw no axis of their own)."""
    (axis,) = [u["encoding"]["y"]["axis"] for u in units(spec) if "axis" in u.get("encoding", {}).get("y", {})]
    return axis


def lane_labels(spec: dict) -> list:
    """The lane labels, top to bottom, that the lane axis looks up."""
    (labels,) = [p["value"] for p in spec["params"] if p["name"] == cohort_charts.LANE_LABELS]
    assert cohort_charts.LANE_LABELS in lane_axis(spec)["labelExpr"]
    return labels


def case_of(row: dict) -> str:
    """The bundled case a drawn swimmer row is of: its tooltip's patient is the case's lane ('case-id (F, 53)')."""
    return next(path.stem for path in case_paths(CASES) if row["patient"].startswith(f"{path.stem} ("))


def make_row(case_id: str = "p1", **overrides) -> dict:
    """A swimmer-table row: a therapy bar from month 0 to 6, unless overridden."""
    row = {"case_id": case_id, "patient": f"{case_id} (F, 50)", "sex": "female", "age": 50, "row": "therapy",
           "kind": "targeted",
           "label": "Alectinib", "agent": "alectinib", "start_month": 0.0, "end_month": 6.0,
           "start_month_earliest": None, "start_month_latest": None, "ongoing": False, "end_reported": True,
           "category": "therapy", "detail": "600 mg BID"}
    row.update(overrides)
    for side in ("start_month_earliest", "start_month_latest"):
        row[side] = row["start_month"] if row[side] is None else row[side]
    return row


def follow_up(case_id: str, month: float) -> dict:
    return make_row(case_id, row="follow-up", kind="follow_up", label="Last follow-up", agent="",
                    start_month=month, end_month=None, category="follow-up", detail="")


# --- tables -----------------------------------------------------------------------------------------------------


def test_the_spider_table_holds_every_scan_with_a_complete_sum_and_its_change_from_baseline(measured):
    table = spider_table(measured)
    assert tuple(table.columns) == SPIDER_COLUMNS
    lorlatinib = table[table["case_id"] == "lcnec-alk-lorlatinib"]
    assert lorlatinib["change_pct"].tolist() == [0.0, -8.3, -50.0]
    assert lorlatinib["category"].tolist() == ["baseline", "SD", "PR"]
    assert set(table["case_id"]) == {"lcnec-alk-lorlatinib", "measured-two-targets"}
    measured = table[table["case_id"] == "measured-two-targets"]
    assert measured["change_pct"].tolist() == [0.0, -41.7, -20.0]  # 60 -> 35 -> 48 mm (the nadir 35: +37 %, PD)
    assert measured["category"].tolist() == ["baseline", "PR", "PD"]


def test_the_spider_table_counts_months_from_the_day_0_of_the_alignment(timelines):
    by_diagnosis = spider_table(timelines, "diagnosis").query("case_id == 'lcnec-alk-lorlatinib'")
    by_tki = spider_table(timelines, "targeted").query("case_id == 'lcnec-alk-lorlatinib'")
    assert by_diagnosis["month"].round(1).tolist() == [12.2, 13.7, 27.7]
    # lorlatinib started 12.4 months after diagnosis: the baseline scan is a week before it
    assert by_tki["month"].round(2).tolist() == [-0.26, 1.25, 15.28]
    assert by_diagnosis["day"].tolist() == by_tki["day"].tolist()


def test_the_waterfall_table_has_one_row_per_case_with_a_scan_after_baseline_sorted_for_a_waterfall(measured):
    table = waterfall_table(measured)
    assert tuple(table.columns) == WATERFALL_COLUMNS
    assert table["case_id"].tolist() == ["measured-two-targets", "lcnec-alk-lorlatinib"]
    assert table["best_change_pct"].tolist() == [-41.7, -50.0]
    assert table["category"].tolist() == ["PR", "PR"]
    assert table["assessments"].tolist() == [2, 2]


def test_therapy_agents_are_the_names_the_bars_and_the_legend_use(timelines):
    agents = therapy_agents(timelines)
    assert agents["adeno-alk-leptomeningeal-alectinib"] == ["carboplatin/paclitaxel/bevacizumab", "crizotinib",
                                                            "alectinib"]
    assert agents["lcnec-eml4-alk-alectinib-case1"] == ["alectinib"]


# --- swimmer ----------------------------------------------------------------------------------------------------


def test_the_swimmer_has_one_lane_per_patient_labelled_with_case_id_sex_and_age(swimmer, timelines):
    patients = swimmer["usermeta"]["patients"]
    assert len(patients) == len(CASE_FILES)
    assert "ppamn-hmbox1-alk-ensartinib (M, 29)" in patients
    assert len(lane_axis(swimmer)["values"]) == len(CASE_FILES)
    # a label on one line ('case-id (F, 53)') or, in a tall lane, the case id over the patient's sex and age
    shown = [f"{label[0]} ({label[1]})" if isinstance(label, list) else label for label in lane_labels(swimmer)]
    assert shown == patients
    assert set(patients) == {f"{t.case.id} ({patient_words(t.case.patient.sex, t.case.patient.age)})"
                             for t in timelines}


def test_swimmer_bars_use_the_drug_colours_of_the_case_view(swimmer, timelines):
    bars = find(swimmer, "bar", color="agent")[0]
    colours = scale_map(bars["encoding"]["color"])
    # no two drugs of the cohort alike while the palette lasts (theme.THERAPY_PALETTE; past it colours repeat)
    assert len(set(colours.values())) == min(len(colours), len(theme.THERAPY_PALETTE))
    assert colours["alectinib"] == theme.DRUG_COLORS["alectinib"]
    for timeline in timelines:  # the very colour each case's own timeline gives the drug
        case_spec = charts.timeline_chart(event_table(timeline), axis="relative").to_dict()
        case_colours = {}
        for unit in units(case_spec):
            if unit.get("encoding", {}).get("color", {}).get("field") == "bar_key":
                case_colours.update(scale_map(unit["encoding"]["color"]))
        shared = set(colours) & set(case_colours)
        assert shared, timeline.case.id
        # Named drugs keep their colour; an unnamed regimen may take another free one among more drugs.
        named = {d for d in shared if theme.drug_key(d) in theme.DRUG_COLORS}
        assert {d: colours[d] for d in named} == {d: case_colours[d] for d in named}


def test_swimmer_bars_are_horizontal_from_start_to_end_in_months_with_tooltips(swimmer):
    bars = find(swimmer, "bar", color="agent")[0]
    assert bars["encoding"]["x"] == {**bars["encoding"]["x"], "field": "x", "type": "quantitative"}
    assert bars["encoding"]["x2"] == {"field": "x_end"}
    assert mark_prop(bars, "orient") == "horizontal"
    assert bars["encoding"]["x"]["axis"]["title"] == "Months since diagnosis"
    titles = [t["title"] for t in bars["encoding"]["tooltip"]]
    assert titles == ["Patient", "Therapy", "Agent", "Dose", "Months"]


def test_ongoing_arrows_are_drawn_exactly_where_therapy_is_ongoing(swimmer):
    (layer,) = arrows(swimmer)
    assert {case_of(r) for r in rows(swimmer, layer)} == ONGOING


def test_a_therapy_without_a_reported_end_is_solid_while_it_ran_then_fades_never_a_stub(swimmer):
    # Regression: first-line ensartinib (PFS 11 months) was drawn as a one-month stub that a tumor board reads as a
    # one-month course. It ran through the July 2023 progression until the one of March-August 2024.
    bars = rows(swimmer, find(swimmer, "bar", color="agent")[0])
    fading = find(swimmer, "bar", x="seg_lo")[0]
    ensartinib = sorted((r for r in rows(swimmer, fading) if case_of(r) == "ppamn-hmbox1-alk-ensartinib"
                         and r["label"].startswith("Ensartinib, first line")), key=lambda r: r["seg_lo"])
    assert [r["opacity"] for r in ensartinib] == [1.0] + list(charts.STUB_OPACITIES)
    assert ensartinib[0]["seg_hi"] - ensartinib[0]["seg_lo"] > 18  # months solid, not a stub
    assert not any(case_of(r) == "ppamn-hmbox1-alk-ensartinib" and r["label"].startswith("Ensartinib, first line")
                   for r in bars)


def test_responses_are_letters_and_progression_death_and_follow_up_are_the_case_view_symbols(swimmer):
    letters = find(swimmer, "text", text="category")[0]
    assert {r["category"] for r in rows(swimmer, letters)} == {"PR", "SD", "R"}  # R: 002's response in words
    assert "R: a response in the paper's words" in json.dumps(swimmer)
    assert scale_map(letters["encoding"]["color"])["PR"] == charts.CATEGORY_COLORS["PR"]
    symbols = find(swimmer, "point", shape="mark")[0]
    shapes = scale_map(symbols["encoding"]["shape"])
    assert shapes == {"Progression": theme.KIND_SHAPES["progression"], "Death": theme.DEATH_SHAPE,
                      "Last follow-up": theme.KIND_SHAPES["status"]}
    deaths = [case_of(r) for r in rows(swimmer, symbols) if r["mark"] == "Death"]
    assert sorted(deaths) == ["mtc-pseudocirrhosis-sunitinib-sorafenib", "ppamn-hmbox1-alk-ensartinib"]
    ticks = [case_of(r) for r in rows(swimmer, symbols) if r["mark"] == "Last follow-up"]
    assert sorted(ticks) == sorted(p.stem for p in CASE_FILES if p.stem not in deaths)  # a death ends the others


def test_alignment_moves_the_bars_and_retitles_the_axis(timelines):
    diagnosis = cohort_charts.swimmer_chart(swimmer_table(timelines, "diagnosis"), align="diagnosis").to_dict()
    targeted = cohort_charts.swimmer_chart(swimmer_table(timelines, "targeted"), align="targeted").to_dict()
    def starts(spec):
        bars = find(spec, "bar", color="agent")[0]
        return {(case_of(r), r["label"]): r["x"] for r in rows(spec, bars)}
    assert starts(diagnosis) != starts(targeted)
    assert starts(targeted)[("lcnec-alk-lorlatinib", "Lorlatinib, first line")] == 0
    title = find(targeted, "bar", color="agent")[0]["encoding"]["x"]["axis"]["title"]
    assert title == "Months since first targeted therapy"


def test_lanes_sort_by_longest_follow_up_or_by_case_id(timelines):
    table = swimmer_table(timelines)
    by_duration = cohort_charts.patient_order(table, "duration")
    by_id = cohort_charts.patient_order(table, "case_id")
    assert by_duration[0].startswith("lcnec-alk-lorlatinib") and by_duration[-1].startswith("adeno-alk-miliary")
    assert by_id == sorted(by_id)
    spec = cohort_charts.swimmer_chart(table, sort="case_id").to_dict()
    assert spec["usermeta"]["patients"] == by_id


def test_therapy_for_a_cancer_years_earlier_is_counted_at_the_left_edge_not_squashing_the_lanes(swimmer):
    x = find(swimmer, "bar", color="agent")[0]["encoding"]["x"]["scale"]["domain"]
    assert x[0] >= -cohort_charts.PRIOR_MONTHS - 2
    edge = [u for u in units(swimmer) if mark_type(u) == "point" and mark_prop(u, "shape") == "triangle-left"][0]
    (earlier,) = rows(swimmer, edge)
    lane = swimmer["usermeta"]["patients"].index("lcnec-alk-lorlatinib (F, 55)")
    assert earlier["y"] == lane_axis(swimmer)["values"][lane]  # in that patient's lane
    assert earlier["what"].startswith("2 earlier therapies")


def test_lane_labels_never_overlap_two_lines_in_tall_lanes_one_line_when_many_patients():
    few = pd.DataFrame([make_row(f"p{i}") for i in range(6)] + [follow_up(f"p{i}", 8) for i in range(6)])
    many = pd.DataFrame([make_row(f"p{i:02}") for i in range(21)] + [follow_up(f"p{i:02}", 8) for i in range(21)])
    for table, lines in ((few, 2), (many, 1)):
        spec = cohort_charts.swimmer_chart(table).to_dict()
        axis = lane_axis(spec)
        gaps = {round(b - a, 3) for a, b in zip(axis["values"], axis["values"][1:])}
        assert min(gaps) >= lines * axis["labelLineHeight"]
        expected = ["p00 (F, 50)", "p01 (F, 50)"] if lines == 1 else [["p0", "F, 50"], ["p1", "F, 50"]]
        assert lane_labels(spec)[:2] == expected
    assert cohort_charts.lane_px(21) == cohort_charts.LANE_PX_MIN


def test_a_thousand_lane_labels_are_one_parameter_the_lane_axis_looks_up_in_constant_time():
    """Streamlit's Vega interprets expressions: a label list written into labelExpr was rebuilt for every label."""
    table = pd.DataFrame([make_row(f"p{i:04}") for i in range(1000)] + [follow_up(f"p{i:04}", 8) for i in range(1000)])
    spec = cohort_charts.swimmer_chart(table).to_dict()
    assert len(lane_labels(spec)) == 1000
    assert lane_axis(spec)["labelExpr"] == "lane_labels[round(datum.value / 30 - 0.5)]"


def fields(encoding: dict) -> set[str]:
    """Every field an encoding names (channels, tooltip lists included)."""
    found = set()
    for channel in encoding.values():
        for definition in channel if isinstance(channel, list) else [channel]:
            found |= {definition["field"]} if "field" in definition else set()
    return found


def test_each_swimmer_layer_sends_only_the_columns_its_marks_and_tooltips_use(swimmer):
    """Every column goes to the browser, which converts it cell by cell (1,000 patients: ~100,000 cells)."""
    for unit in units(swimmer):
        data = rows(swimmer, unit)
        if data:
            assert set(data[0]) == fields(unit["encoding"]), unit["mark"]


def test_therapies_overlapping_in_time_get_their_own_row_in_the_lane():
    table = pd.DataFrame([make_row(), make_row(label="Pembrolizumab", agent="pembrolizumab", start_month=2.0,
                                               end_month=9.0), follow_up("p1", 10)])
    spec = cohort_charts.swimmer_chart(table).to_dict()
    bars = rows(spec, find(spec, "bar", color="agent")[0])
    assert len({r["y"] for r in bars}) == 2
    switch = pd.DataFrame([make_row(), make_row(label="Lorlatinib", agent="lorlatinib", start_month=6.0,
                                                end_month=9.0), follow_up("p1", 10)])
    spec = cohort_charts.swimmer_chart(switch).to_dict()
    assert len({r["y"] for r in rows(spec, find(spec, "bar", color="agent")[0])}) == 1


def test_swimmer_options_are_checked_with_a_hint(timelines):
    table = swimmer_table(timelines)
    with pytest.raises(ValueError, match="Unknown sort 'age'. Hint: use one of 'duration', 'case_id'"):
        cohort_charts.swimmer_chart(table, sort="age")
    with pytest.raises(ValueError, match="Unknown alignment 'surgery'. Hint"):
        cohort_charts.swimmer_chart(table, align="surgery")


def test_an_empty_cohort_says_so_instead_of_drawing_an_empty_frame():
    spec = cohort_charts.swimmer_chart(pd.DataFrame(columns=list(SWIMMER_COLUMNS))).to_dict()
    assert mark_type(spec) == "text"
    assert spec["datasets"][spec["data"]["name"]][0]["message"] == "No patient to show"


# --- spider and waterfall ---------------------------------------------------------------------------------------


def reference_values(spec: dict) -> set[float]:
    rules = [u for u in find(spec, "rule", y="pct") if u["encoding"].get("color", {}).get("field") == "hex"]
    return {r["pct"] for r in rows(spec, rules[0])}


def test_the_spider_plot_draws_one_line_per_patient_with_reference_lines_at_minus_30_and_plus_20(measured):
    table = spider_table(measured)
    spec = cohort_charts.spider_chart(table[table["case_id"].isin({"lcnec-alk-lorlatinib",
                                                                   "measured-two-targets"})]).to_dict()
    line = find(spec, "line", x="month", y="change_pct")[0]
    assert line["encoding"]["detail"]["field"] == "case_id"
    assert line["encoding"]["color"]["field"] == "patient"
    assert len({r["case_id"] for r in rows(spec, line)}) == 2
    assert reference_values(spec) == {-30.0, 20.0}
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"][0] <= -100


def test_the_waterfall_keeps_the_row_order_and_colours_bars_by_best_response(measured):
    table = waterfall_table(measured)
    spec = cohort_charts.waterfall_chart(table).to_dict()
    bars = find(spec, "bar", x="case", y="best_change_pct")[0]
    assert bars["encoding"]["x"]["sort"] == table["case_id"].tolist()
    assert scale_map(bars["encoding"]["color"]) == {"PR": charts.CATEGORY_COLORS["PR"]}
    assert reference_values(spec) == {-30.0, 20.0}


def test_a_waterfall_of_mixed_responses_sorts_increase_first_and_colours_each_category():
    table = pd.DataFrame({"case_id": ["a", "b", "c"], "patient": ["a (F, 1)", "b (F, 2)", "c (M, 3)"],
                          "best_change_pct": [25.0, -10.0, -100.0], "category": ["PD", "SD", "CR"],
                          "best_response": ["PD", "SD", "CR"], "month": [1.0, 2.0, 3.0], "assessments": [1, 1, 1]})
    spec = cohort_charts.waterfall_chart(table).to_dict()
    bars = find(spec, "bar", x="case", y="best_change_pct")[0]
    assert scale_map(bars["encoding"]["color"]) == {c: charts.CATEGORY_COLORS[c] for c in ("CR", "SD", "PD")}
    assert bars["encoding"]["x"]["sort"] == ["a", "b", "c"]


# --- rendering --------------------------------------------------------------------------------------------------


def test_every_cohort_chart_renders_to_svg(timelines):
    """Vega-Lite compiles and Vega draws each chart (a spec can validate and still fail to render)."""
    table = spider_table(timelines)
    built = [cohort_charts.swimmer_chart(swimmer_table(timelines, align), align=align)
             for align in ("diagnosis", "targeted")]
    built += [cohort_charts.spider_chart(table), cohort_charts.waterfall_chart(waterfall_table(timelines))]
    for chart in built:
        svg = vlc.vegalite_to_svg(chart.to_dict())
        assert svg.startswith("<svg") and "NaN" not in svg


def test_response_letters_close_in_time_go_above_and_below_the_bar_instead_of_overprinting():
    response = dict(row="event", kind="response", agent="", end_month=None, category="response")
    table = pd.DataFrame([make_row(end_month=30.0), make_row(label="PR", start_month=2.0, detail="PR", **response),
                          make_row(label="SD", start_month=2.5, detail="SD", **response),
                          make_row(label="PD", start_month=20.0, detail="PD", **response), follow_up("p1", 30)])
    spec = cohort_charts.swimmer_chart(table).to_dict()
    letters = {r["category"]: r["y"] for r in rows(spec, find(spec, "text", text="category")[0])}
    centre = cohort_charts.lane_px(1) / 2
    assert letters["PR"] < centre < letters["SD"]
    assert letters["PD"] == letters["PR"]


def test_a_cohort_too_large_for_one_canvas_draws_its_first_lanes_and_counts_the_rest():
    """Chromium draws no canvas taller than 32,767 px: past MAX_LANES patients the plot would be blank."""
    n = cohort_charts.MAX_LANES + 5
    rows = pd.DataFrame({"case_id": [f"case-{i:04d}" for i in range(n)], "patient": [f"p{i:04d}" for i in range(n)],
                         "start_month": 0.0, "end_month": [float(i) for i in range(n)]})
    drawn, left_over = cohort_charts.drawable_lanes(rows, "duration")
    assert left_over == 5 and drawn["patient"].nunique() == cohort_charts.MAX_LANES
    assert "p0004" not in set(drawn["patient"]) and f"p{n - 1:04d}" in set(drawn["patient"])  # longest first
    assert cohort_charts.lane_px(cohort_charts.MAX_LANES) * cohort_charts.MAX_LANES <= 32_767 - 500
    small = rows.head(10)
    same, none_left = cohort_charts.drawable_lanes(small, "duration")
    assert same is small and none_left == 0


def test_a_two_line_lane_label_is_made_from_the_case_id_sex_and_age_columns_not_read_back_from_the_patient():
    table = pd.DataFrame([make_row("p0", patient="p0 (the first)", sex="male", age=None), follow_up("p0", 8)])
    table.loc[1, ["patient", "sex", "age"]] = ["p0 (the first)", "male", None]
    assert lane_labels(cohort_charts.swimmer_chart(table).to_dict()) == [["p0", "M, ?"]]


def test_the_swimmer_table_carries_each_patients_sex_and_age_typed():
    from timelines import load_case

    table = swimmer_table([load_case(CASES / "lcnec-alk-lorlatinib.yaml")])
    assert table[["patient", "sex", "age"]].drop_duplicates().values.tolist() == [
        ["lcnec-alk-lorlatinib (F, 55)", "female", 55]]
    assert str(table["age"].dtype) == "Int64"
