"""Chart builders: spec fragments of chart.to_dict() (marks, encodings, lane order, RECIST lines, colours)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
import yaml

from components import charts
from components.charts import cohort as cohort_charts
from components.charts import lanes, theme
from timelines import load_case, load_text
from timelines.endpoints.clinical import recist
from timelines.tables import (
    MARKER_COLUMNS,
    MARKER_EXTRA_COLUMNS,
    MEASUREMENT_COLUMNS,
    MEASUREMENT_EXTRA_COLUMNS,
    dose_change_table,
    event_table,
    lane_order,
    marker_table,
    measurement_table,
)

from conftest import make_case, make_event
from specs import find, mark_type, scale_map, units
from specs import rows as values

CASES = Path(__file__).resolve().parent.parent / "cases"
CASE_IDS = sorted(p.stem for p in CASES.glob("*.yaml") if not p.name.startswith("_"))


# --- helpers ----------------------------------------------------------------------------------------------------


def tables(case_id: str):
    timeline = load_case(CASES / f"{case_id}.yaml")
    return timeline, event_table(timeline), measurement_table(timeline), marker_table(timeline)


def make_measurement(**overrides) -> dict:
    """A measurement-table row for a target lesion (a hand-made table for RECIST tests)."""
    row = {c: "" for c in MEASUREMENT_COLUMNS + MEASUREMENT_EXTRA_COLUMNS}
    row.update({"case_id": "hand-made", "lesion_label": "Lesion", "nodal": False, "target": True,
                "day_start_earliest": None, "day_start_latest": None})
    row.update(overrides)
    for side in ("day_start_earliest", "day_start_latest"):
        row[side] = row["day_start"] if row[side] is None else row[side]
    return row


def recist_table() -> pd.DataFrame:
    """Two target lesions: sums 40 (baseline), 30 (SD), 20 (PR), 26 (PD: +6 mm and +30 % over the nadir 20)."""
    sizes = [(0, 25, 15), (60, 18, 12), (120, 12, 8), (180, 16, 10)]
    rows = []
    for day, a, b in sizes:
        rows.append(make_measurement(event_id=f"ct-{day}", lesion_id="a", recist_mm=a, day_start=day))
        rows.append(make_measurement(event_id=f"ct-{day}", lesion_id="b", recist_mm=b, day_start=day))
    return pd.DataFrame(rows)


# --- timeline ---------------------------------------------------------------------------------------------------


def test_timeline_lanes_run_top_to_bottom_in_lane_order():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    tops = {}
    for unit in units(spec):
        for row in values(spec, unit):
            if "lane" in row and "y" in row:
                tops[row["lane"]] = min(tops.get(row["lane"], 1e9), row["y"])
    assert sorted(tops, key=tops.get) == lane_order(events)
    axis = find(spec, "rule", color="bar_key")[0]["encoding"]["y"]["axis"]
    assert axis["values"] == sorted(axis["values"])
    assert len(axis["values"]) == len(lane_order(events))


def test_timeline_draws_bars_by_drug_and_point_events_by_kind_with_a_shape_each():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    bars = find(spec, "rule", color="bar_key")[0]
    assert bars["encoding"]["x"]["type"] == "quantitative"
    assert bars["encoding"]["x2"] == {"field": "x_end"}
    assert scale_map(bars["encoding"]["color"])["lorlatinib"] == "#882255"
    points = find(spec, "point", shape="mark_kind")[0]
    assert points["encoding"]["shape"]["type"] == "nominal"
    assert scale_map(points["encoding"]["shape"])["imaging"] == "circle"
    assert scale_map(points["encoding"]["color"])["progression"] == theme.KIND_COLORS["progression"]
    tooltip_titles = [t["title"] for t in points["encoding"]["tooltip"]]
    assert {"Event", "Kind", "When", "Source"} <= set(tooltip_titles)


def test_calendar_axis_encodes_utc_dates_and_relative_axis_encodes_months_since_diagnosis():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    calendar = charts.timeline_chart(events, axis="calendar").to_dict()
    relative = charts.timeline_chart(events, axis="relative").to_dict()
    cal_bars, rel_bars = find(calendar, "rule", color="bar_key")[0], find(relative, "rule", color="bar_key")[0]
    assert cal_bars["encoding"]["x"]["type"] == "temporal"
    assert cal_bars["encoding"]["x"]["timeUnit"] == "utcyearmonthdate"
    assert rel_bars["encoding"]["x"]["axis"]["title"] == "Months since first diagnosis"
    # Lorlatinib started between 2022-09-08 and 2022-09-24: its bar is solid from the latest possible start.
    lorlatinib = [r for r in values(calendar, cal_bars) if r["lane"] == "lorlatinib"][0]
    assert lorlatinib["x"].startswith("2022-09-24T00:00:00")
    assert lorlatinib["x"].endswith("+00:00")
    months = [r for r in values(relative, rel_bars) if r["lane"] == "lorlatinib"][0]
    assert months["x"] == pytest.approx(386 / 30.4375)


def test_relative_axis_in_days_is_titled_in_days():
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.timeline_chart(events, axis="relative", unit="days", day_zero_label="diagnosis").to_dict()
    assert find(spec, "rule", color="bar_key")[0]["encoding"]["x"]["axis"]["title"] == "Days since diagnosis"


def test_calendar_axis_on_a_case_without_calendar_raises_a_clear_error():
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    with pytest.raises(ValueError, match="no calendar dates .* Hint: use axis='relative'"):
        charts.timeline_chart(events, axis="calendar")


def test_unknown_axis_lists_the_valid_ones():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    with pytest.raises(ValueError, match="Unknown axis 'weeks'. Hint: use one of 'calendar', 'relative'"):
        charts.timeline_chart(events, axis="weeks")


def test_ongoing_lorlatinib_ends_with_an_arrow_at_the_last_follow_up():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="calendar").to_dict()
    arrows = [u for u in units(spec) if mark_type(u) == "point" and u["mark"].get("shape") == "triangle-right"]
    assert len(arrows) == 1
    rows = values(spec, arrows[0])
    assert [r["lane"] for r in rows] == ["lorlatinib"]
    assert arrows[0]["encoding"]["x"]["field"] == "x_end"


def test_a_drug_has_the_same_colour_in_every_case():
    colours = set()
    for case_id in ("lcnec-eml4-alk-alectinib-case1", "lcnec-eml4-alk-alectinib-case2"):
        _, events, _, _ = tables(case_id)
        spec = charts.timeline_chart(events, axis="relative").to_dict()
        bars = find(spec, "rule", color="bar_key")[0]
        colours.add(scale_map(bars["encoding"]["color"])["alectinib"])
    assert colours == {"#0072B2"}


@pytest.mark.parametrize("a, b", [("alectinib", "ALECTINIB"), ("Alectinib 600 mg BID", "alectinib"),
                                  ("Alecensa", "alectinib"),
                                  ("EP (etoposide plus cisplatin)", "cisplatin/etoposide"),
                                  ("carboplatin/paclitaxel/bevacizumab", "Bevacizumab + Carboplatin + Paclitaxel"),
                                  ("Some new drug", "some   NEW drug")])
def test_drug_colour_ignores_case_order_and_separators(a, b):
    assert theme.drug_color(a) == theme.drug_color(b)


def test_unknown_drug_gets_a_stable_colour_of_the_one_therapy_palette():
    colour = theme.drug_color("Chemotherapy in conjunction with anti-angiogenic therapy")
    assert colour == theme.drug_color("chemotherapy in conjunction with anti-angiogenic therapy")
    assert colour in theme.THERAPY_PALETTE
    assert set(theme.DRUG_COLORS.values()) <= set(theme.THERAPY_PALETTE)


def test_two_therapies_of_a_chart_never_share_a_colour():
    # Before: alectinib (#0072B2) and imatinib (#004488) were two dark blues; an unnamed regimen could hash onto
    # a named drug's colour.
    assert theme.therapy_colors(["alectinib", "imatinib", "Chemo + anti-angiogenic", "ensartinib"]) == {
        "alectinib": "#0072B2", "imatinib": "#CC79A7", "Chemo + anti-angiogenic": "#E69F00",
        "ensartinib": "#009E73"}
    assert theme.therapy_colors(["EP (etoposide plus cisplatin)", "Etoposide + cisplatin"]) == {
        "EP (etoposide plus cisplatin)": "#332288", "Etoposide + cisplatin": "#332288"}  # one regimen, one colour


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_no_two_therapy_lanes_of_a_case_share_a_colour_and_legend_swatches_are_the_bar_colours(case_id):
    _, events, _, _ = tables(case_id)
    spec = charts.timeline_chart(events, axis="relative", domain=None).to_dict()
    lanes = set(events.loc[events["category"].eq("Systemic therapy"), "lane"])
    legend_colours = {}
    for unit in units(spec):
        colour = unit.get("encoding", {}).get("color", {})
        if colour.get("field") == "bar_key":
            legend_colours.update({k: v for k, v in scale_map(colour).items() if k in lanes})
    assert set(legend_colours) == lanes
    assert len(set(legend_colours.values())) == len(lanes)  # distinct
    # Every other mark of a therapy lane (fading stub ticks, uncertainty spans, ongoing arrows) has the very colour
    # its legend swatch has.
    for unit in units(spec):
        if unit.get("encoding", {}).get("color", {}).get("field") == "hex":
            for row in values(spec, unit):
                if row.get("lane") in lanes:
                    assert row["hex"] == legend_colours[row["lane"]], (row["lane"], unit["mark"])


def test_every_point_kind_has_its_own_symbol():
    shapes = list(theme.KIND_SHAPES.values()) + [theme.ARROW_SHAPE]
    assert len(shapes) == len(set(shapes))


def test_uncertain_dates_are_drawn_as_a_span_behind_a_hollow_symbol():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="calendar").to_dict()
    spans = [u for u in units(spec) if mark_type(u) == "rule" and u["encoding"]["x"]["field"] == "span_lo"][0]
    ngs = [r for r in values(spec, spans) if r["label"] == "NGS, ALK-positive"][0]
    assert ngs["span_lo"].startswith("2021-09-03") and ngs["span_hi"].startswith("2022-09-24")
    points = find(spec, "point", shape="mark_kind")[0]
    assert points["encoding"]["fillOpacity"]["scale"] == {"domain": ["exact", "uncertain"], "range": [1, 0.15]}
    certainty = {r["label"]: r["certainty"] for r in values(spec, points)}
    assert certainty["NGS, ALK-positive"] == "uncertain"


def test_therapy_with_unreported_end_is_solid_while_it_ran_and_fades_to_its_latest_end_never_a_stub():
    # Regression (issue: unreported ends drawn as a one-month stub read as a one-month course). The response on
    # the therapy at 6 months says it ran until then; the next line at 12 months is the latest it can have ended.
    case = make_case(make_event(id="tki", start="2021-01-04", ongoing=None, line=1),
                     {"kind": "response", "date": "tki + 6 months", "category": "PR", "therapy": "tki"},
                     make_event(id="chemo", kind="chemotherapy", drug=None, dose=None, regimen="carboplatin/pemetrexed",
                                start="tki + 12 months", ongoing=None, duration="3 months", line=2))
    events = event_table(load_text(yaml.safe_dump(case)))
    spec = charts.timeline_chart(events, axis="calendar").to_dict()
    bars, fading = find(spec, "rule", color="bar_key")
    assert "alectinib" not in [r["lane"] for r in values(spec, bars)]
    segments = sorted((r for r in values(spec, fading) if r["lane"] == "alectinib"), key=lambda r: r["seg_lo"])
    assert [r["opacity"] for r in segments] == [1.0, 0.55, 0.3, 0.12]
    assert segments[0]["seg_lo"].startswith("2021-01-04") and segments[0]["seg_hi"].startswith("2021-07-04")
    assert segments[-1]["seg_hi"].startswith("2022-01-04")


def test_an_interval_other_than_a_therapy_with_unreported_end_is_a_short_stub():
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    fading = find(spec, "rule", color="bar_key")[-1]
    cough = [r for r in values(spec, fading) if r["label"].startswith("Cough")]
    assert cough and {r["opacity"] for r in cough} == {0.55, 0.3, 0.12}
    assert max(r["seg_hi"] for r in cough) - min(r["seg_lo"] for r in cough) < 3  # months: a stub


def test_death_is_a_black_cross():
    _, events, _, _ = tables("ppamn-hmbox1-alk-ensartinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    points = find(spec, "point", shape="mark_kind")[0]
    assert "death" in [r["mark_kind"] for r in values(spec, points)]
    assert scale_map(points["encoding"]["color"])["death"] == "#000000"
    assert scale_map(points["encoding"]["shape"])["death"] == theme.DEATH_SHAPE


def test_dose_change_is_a_tick_on_the_bar_labelled_with_the_new_dose():
    timeline, events, _, _ = tables("lcnec-eml4-alk-alectinib-case2")
    spec = charts.timeline_chart(events, axis="calendar", dose_changes=dose_change_table(timeline)).to_dict()
    label = find(spec, "text", text="short")[0]
    rows = values(spec, label)
    assert [r["short"] for r in rows] == ["halved"]
    assert rows[0]["x"].startswith("2021-10-16")  # '~alectinib + 12 months' from 2020-10: the middle of 2021-09..11
    assert rows[0]["when_text"] == "~2021-10: halved (abnormal liver function)"


def _timeline_of(*events: dict):
    return load_text(yaml.safe_dump(make_case(*events)))


def test_a_dose_change_reason_with_a_semicolon_is_one_dated_tick():
    # Regression: the dose change text was split at '; ', so 'liver toxicity; grade 3' became a second, undated
    # change (the reason was read back from the events table's text).
    timeline = _timeline_of(make_event(start="2021-01-01", dose_changes=[
        {"date": "2021-06-01", "dose": "300 mg", "reason": "liver toxicity; grade 3"}]))
    events, changes = event_table(timeline), dose_change_table(timeline)
    for axis, when in (("calendar", "2021-06-01"), ("relative", "day −70")):  # day 0: the diagnosis, 2021-08-10
        spec = charts.timeline_chart(events, axis=axis, dose_changes=changes).to_dict()
        said = f"{when}: 300 mg (liver toxicity; grade 3)"
        ticks = values(spec, find(spec, "text", text="short")[0])
        assert [(r["short"], r["when_text"]) for r in ticks] == [("300 mg", said)]
        assert {r["dose_changes_text"] for u in units(spec) for r in values(spec, u)
                if r.get("dose_changes_text")} == {said}


def test_an_imaging_finding_that_says_trend_keeps_its_finding_and_its_own_trend():
    # Regression: trend and finding were read back from the details text, so the finding was cut at '; ' and
    # 'trend: decreased elsewhere' inside it was taken for the trend.
    timeline = _timeline_of(make_event(kind="imaging", id="ct", date="2021-03-01", modality="CT", drug=None,
                                       dose=None, start=None, ongoing=None,
                                       finding="new nodule; trend: decreased elsewhere", trend="new"))
    events = event_table(timeline)
    spec = charts.lesion_chart(measurement_table(timeline), imaging=events[events["kind"].eq("imaging")],
                               axis="calendar").to_dict()
    rows = [r for u in units(spec) for r in values(spec, u) if "trend" in r]
    assert {(r["finding"], r["trend"]) for r in rows} == {("new nodule; trend: decreased elsewhere", "new")}


def test_focus_domain_starts_a_quarter_before_the_latest_diagnosis_of_a_long_history():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    lo, hi = charts.focus_domain(events, axis="calendar")
    assert lo == pd.Timestamp("2021-06-03", tz="UTC")
    assert hi > pd.Timestamp("2024-10-24", tz="UTC")
    spec = charts.timeline_chart(events, axis="calendar", domain=(lo, hi)).to_dict()
    x = find(spec, "rule", color="bar_key")[0]["encoding"]["x"]
    assert x["scale"]["domain"][0] == {"year": 2021, "month": 6, "date": 3, "utc": True}
    assert "earlier events (2007–2011) and 2 lanes outside this window" in x["axis"]["title"]


def test_a_focused_timeline_hides_the_lanes_with_nothing_in_its_window_and_says_so():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="calendar", domain=charts.focus_domain(events, axis="calendar"))
    whole = charts.timeline_chart(events, axis="calendar").to_dict()

    def lanes(s):
        return set(pd.concat([pd.DataFrame(rows) for rows in s["datasets"].values()])["lane"].dropna())

    focused = spec.to_dict()
    assert "Endocrine therapy" in lanes(whole) and "Endocrine therapy" not in lanes(focused)
    x = find(focused, "rule", color="bar_key")[0]["encoding"]["x"]
    assert "earlier events (2007–2011) and 2 lanes outside this window" in x["axis"]["title"]


def test_focus_domain_is_none_when_the_whole_history_reads_well():
    _, events, _, _ = tables("ppamn-hmbox1-alk-ensartinib")
    assert charts.focus_domain(events, axis="relative") is None


def test_timeline_zooms_and_pans_on_x_only():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    params = [p for p in spec.get("params", []) + [p for u in units(spec) for p in u.get("params", [])]]
    assert [(p["select"]["type"], p["select"]["encodings"], p["bind"]) for p in params] == [
        ("interval", ["x"], "scales")]


# --- lesions and RECIST 1.1 -------------------------------------------------------------------------------------


def test_recist_reference_lines_follow_the_baseline_and_the_running_nadir():
    frame = charts.assessment_frame(recist(None, recist_table()))
    assert frame["category"].tolist() == ["baseline", "SD", "PR", "PD"]
    assert frame["pr_threshold_mm"].tolist() == pytest.approx([28, 28, 28, 28])
    # PD for each scan from the nadir before it: 40 -> 48 (+20 %), 30 -> 36 (+20 %), 20 -> 25 (+5 mm > +20 %).
    assert frame["pd_threshold_mm"].tolist() == pytest.approx([48, 48, 36, 25])
    assert frame["next_pd_threshold_mm"].tolist() == pytest.approx([48, 36, 25, 25])


def test_lesion_chart_draws_pr_at_70_percent_of_baseline_and_pd_as_a_step_from_the_nadir():
    table = recist_table()
    spec = charts.lesion_chart(table, charts.assessment_frame(recist(None, table)), axis="relative").to_dict()
    lines = [u for u in units(spec) if mark_type(u) == "line" and u["encoding"]["y"]["field"] == "mm"]
    pr_line, pd_line = lines
    assert [r["mm"] for r in values(spec, pr_line)] == pytest.approx([28, 28])
    # PR applies until the first response (the third scan); after it, only the PD threshold is drawn.
    pr_days, scan_days = [r["x"] for r in values(spec, pr_line)], [r["x"] for r in values(spec, pd_line)]
    assert pr_days == [scan_days[0], scan_days[2]]
    assert pd_line["mark"]["interpolate"] == "step-after"
    assert [r["mm"] for r in values(spec, pd_line)] == pytest.approx([48, 36, 25, 25, 25])
    tags = [r["tag"] for r in values(spec, find(spec, "point", color="category")[0])]
    assert tags == ["baseline", "SD −25%", "PR −50%", "PD −35%"]


def test_each_lesion_has_its_own_panel_and_y_scale_titled_with_the_lesion():
    # Before: one shared y scale, where the 141 mm primary squashed the 26 -> 12 mm node into the floor.
    timeline, events, measurements, _ = tables("ppamn-hmbox1-alk-ensartinib")
    spec = charts.lesion_chart(measurements, charts.assessment_frame(recist(timeline, measurements)),
                               therapy_bands=charts.therapy_bands(events), axis="calendar").to_dict()
    lines = find(spec, "line", color="lesion_label")
    assert [sorted({r["lesion_label"] for r in values(spec, u)}) for u in lines] == [
        ["Left lung mass (primary)"], ["Enlarged lymph node at recurrence (station not stated)"]]
    assert [u["encoding"]["y"]["scale"]["domain"][1] for u in lines] == [pytest.approx(141 * 1.35),
                                                                         pytest.approx(26 * 1.35)]
    titles = [p["title"]["text"] for p in spec["vconcat"] if isinstance(p.get("title"), dict)]
    assert titles[:2] == ["Left lung mass (primary)  ·  longest diameter, mm · non-target lesion",
                          "Enlarged lymph node at recurrence (station not stated)  ·  short axis, mm · non-target lesion"]
    assert spec["resolve"]["scale"]["y"] == "independent"


def test_lesion_chart_has_one_colour_per_lesion_and_sizes_in_mm():
    table = recist_table()
    spec = charts.lesion_chart(table, None, axis="relative").to_dict()
    line = find(spec, "line", color="lesion_label")[0]
    assert line["encoding"]["y"] == {**line["encoding"]["y"], "field": "recist_mm", "type": "quantitative",
                                     "title": "Size (mm)"}
    assert line["encoding"]["strokeDash"]["field"] == "target_text"


def test_case_without_sizes_still_shows_its_imaging_findings():
    timeline, events, measurements, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.lesion_chart(measurements, charts.assessment_frame(recist(timeline, measurements)),
                               therapy_bands=charts.therapy_bands(events),
                               imaging=events[events["kind"].eq("imaging")], axis="relative").to_dict()
    labels = [r["label"] for u in find(spec, "text", text="label") for r in values(spec, u)]
    assert "Brain MRI, leptomeningeal carcinomatosis" in labels
    points = find(spec, "point", shape="trend")[0]
    assert scale_map(points["encoding"]["shape"])["decreased"] == "triangle-down"
    assert len(set(charts.TREND_SHAPES.values())) == len(charts.TREND_SHAPES)


def test_therapy_bands_are_the_systemic_therapy_rows():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    assert set(charts.therapy_bands(events)["kind"]) == {"chemotherapy", "endocrine", "targeted"}


# --- markers ----------------------------------------------------------------------------------------------------


def test_out_of_range_marker_is_flagged_red_with_its_value_and_reference_band():
    _, events, _, markers = tables("lcnec-eml4-alk-alectinib-case1")
    spec = charts.marker_chart(markers, therapy_bands=charts.therapy_bands(events), axis="relative").to_dict()
    points = find(spec, "point", color="flag_text")[0]
    assert scale_map(points["encoding"]["color"])["high"] == "#D55E00"
    assert [r["label_text"] for r in values(spec, find(spec, "text", text="label_text")[0])] == ["23.79 ↑"]
    band = [u for u in units(spec) if mark_type(u) == "rect" and u["encoding"].get("y2") == {"field": "ref_high"}][0]
    assert values(spec, band)[0]["value"] == 5 and values(spec, band)[0]["ref_high"] == 15


def test_a_value_reported_only_in_words_is_a_rule_with_the_word_not_a_point():
    _, _, _, markers = tables("adeno-alk-miliary-alectinib")
    spec = charts.marker_chart(markers, axis="relative").to_dict()
    words = [r["finding"] for u in find(spec, "text", text="finding") for r in values(spec, u)]
    assert "decreased" in words
    rules = [u for u in units(spec) if mark_type(u) == "rule" and "y" not in u["encoding"]
             and u["mark"].get("strokeDash")]
    assert [r["finding"] for r in values(spec, rules[0])] == ["decreased"]


def test_a_fusion_abundance_is_not_drawn_as_a_marker_line():
    # Before: case ppamn's Markers tab drew 'HMBOX1::ALK fusion abundance (%)' as a tumour-marker line over two years.
    _, _, _, markers = tables("ppamn-hmbox1-alk-ensartinib")
    assert markers.empty
    spec = charts.marker_chart(markers, axis="calendar").to_dict()
    assert "HMBOX1" not in str(spec)


def test_the_markers_chart_prints_a_value_as_the_file_writes_it_and_plots_the_number():
    # Before: the GIST's hemoglobin 'value: 7.0' read '7 g/dL' in the tooltip and on the point.
    _, _, _, markers = tables("gist-duodenum-duodenectomy-imatinib")
    spec = charts.marker_chart(markers, axis="relative").to_dict()
    points = [r for u in find(spec, "point") for r in values(spec, u)]
    assert [(r["value"], r["value_text"], r["label_text"]) for r in points] == [(7.0, "7.0 g/dL", "7.0")]


# --- every case, every chart ------------------------------------------------------------------------------------


@pytest.mark.parametrize("builder", ["timeline", "lesions", "markers"])
def test_empty_tables_give_a_chart_that_says_so(builder):
    empty = pd.DataFrame(columns=list(MARKER_COLUMNS + MARKER_EXTRA_COLUMNS))
    chart = {"timeline": lambda: charts.timeline_chart(pd.DataFrame()),
             "lesions": lambda: charts.lesion_chart(pd.DataFrame(), None),
             "markers": lambda: charts.marker_chart(empty)}[builder]()
    spec = chart.to_dict()
    texts = [r["message"] for u in units(spec) for r in values(spec, u)]
    assert texts == [{"timeline": "No events in this case", "lesions": "No measurements in this case",
                      "markers": "No marker values in this case"}[builder]]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_builds_and_serialises_every_chart_on_every_axis(case_id):
    timeline, events, measurements, markers = tables(case_id)
    assessments = charts.assessment_frame(recist(timeline, measurements))
    bands, imaging = charts.therapy_bands(events), events[events["kind"].eq("imaging")]
    axes = ["relative"] + (["calendar"] if timeline.on_calendar else [])
    for axis in axes:
        for unit in ("months", "days") if axis == "relative" else ("months",):
            built = [charts.timeline_chart(events, axis=axis, unit=unit),
                     charts.lesion_chart(measurements, assessments, therapy_bands=bands, imaging=imaging, axis=axis,
                                         unit=unit),
                     charts.marker_chart(markers, therapy_bands=bands, axis=axis, unit=unit)]
            focus = charts.focus_domain(events, axis=axis, unit=unit)
            if focus is not None:
                built.append(charts.timeline_chart(events, axis=axis, unit=unit, domain=focus))
            for chart in built:
                assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_chart_fits_a_1280_px_wide_slide(case_id):
    # Regression: labels drawn outside the plot for therapies outside the window once widened a chart to 3925 px.
    vl_convert = pytest.importorskip("vl_convert")
    timeline, events, measurements, markers = tables(case_id)
    axis = "calendar" if timeline.on_calendar else "relative"
    bands, imaging = charts.therapy_bands(events), events[events["kind"].eq("imaging")]
    built = [charts.timeline_chart(events, axis=axis),
             charts.lesion_chart(measurements, charts.assessment_frame(recist(timeline, measurements)),
                                 therapy_bands=bands, imaging=imaging, axis=axis),
             charts.marker_chart(markers, therapy_bands=bands, axis=axis)]
    for chart in built:
        svg = vl_convert.vegalite_to_svg(chart.to_dict())
        width = float(svg.split('width="', 1)[1].split('"', 1)[0])
        assert width <= 1280


def test_theme_sets_large_type_for_the_projector():
    config = theme.tumor_board_theme()["config"]
    assert config["axis"]["labelFontSize"] >= 14 and config["axis"]["titleFontSize"] >= 16
    assert config["legend"]["labelFontSize"] >= 14 and config["legend"]["titleFontSize"] >= 16
    import altair as alt
    assert alt.theme.active == theme.THEME_NAME


# --- size ---------------------------------------------------------------------------------------------------------


def test_every_chart_of_a_long_case_builds_with_a_plain_to_dict(tmp_path):
    """Altair refuses more than 5,000 rows by default; a case with more measurements, values and events than that
    is drawn whole (every row stays traceable), so a plain to_dict() of each chart must not raise MaxRowsError."""
    from bench.synth import synthetic_text

    path = tmp_path / "long-case.yaml"
    path.write_text(synthetic_text("long-case", 9_000, seed=3))
    timeline = load_case(path)
    events, measurements, markers = event_table(timeline), measurement_table(timeline), marker_table(timeline)
    bands = charts.therapy_bands(events)
    built = [charts.timeline_chart(events),
             charts.lesion_chart(measurements, charts.assessment_frame(recist(timeline)), therapy_bands=bands,
                                 imaging=events[events["kind"] == "imaging"]),
             charts.marker_chart(markers, therapy_bands=bands)]
    largest = [max(len(rows) for rows in chart.to_dict()["datasets"].values()) for chart in built]
    assert max(largest) > 5_000, largest  # the guard would have refused at least one of them


def test_the_theme_lifts_altairs_row_guard_for_any_chart():
    import altair as alt

    theme.enable_theme()
    spec = alt.Chart(pd.DataFrame({"day": range(6_000)})).mark_tick().encode(x="day:Q").to_dict()
    assert len(next(iter(spec["datasets"].values()))) == 6_000


def test_a_therapy_whose_start_is_only_ordered_is_one_faded_window_up_to_its_drawn_neighbour():
    # 002: crizotinib started 'after brain-pd' (no latest start) and ended 'between crizotinib + 4 months and
    # alectinib': it lasted at least 4 months, but no day is certainly on it, so nothing is solid and there is no
    # start tick: one faded window from its earliest start to where alectinib (itself open) is drawn to start.
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.timeline_chart(events, axis="relative", unit="days").to_dict()
    layers = [u for u in units(spec) if u["encoding"]["x"].get("field")  # not the lane shading
              and any(r.get("lane") == "crizotinib" for r in values(spec, u))]
    window = [u for u in layers if u["encoding"]["x"]["field"] == "x_lo"][0]
    (row,) = [r for r in values(spec, window) if r["lane"] == "crizotinib"]
    alectinib = events.set_index("event_id").loc["alectinib"]
    assert row["x_lo"] == 89 and row["x_hi"] <= alectinib["day_start"]  # the brain progression, 3 months in
    assert window["encoding"]["opacity"]["value"] < 1
    assert {u["encoding"]["x"]["field"] for u in layers} == {"x_lo"}  # no bar, no fade, no tick


# --- the package: pure builders, one copy of the lane layers --------------------------------------------------

CHART_MODULES = sorted(Path(charts.__file__).parent.glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every module a file imports (read from its syntax tree, not by importing it)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", CHART_MODULES, ids=lambda p: p.name)
def test_chart_modules_never_import_streamlit(path):
    assert "streamlit" not in imported_modules(path)


SHARED_LAYERS = ("_with_slots", "_therapy_bars", "_fading_ends", "_ongoing_arrows", "_uncertainty_spans",
                 "_day_zero_rule", "_tooltip", "_empty_chart")


def test_cohort_draws_the_shared_lane_layers_and_defines_none_of_them():
    tree = ast.parse(Path(cohort_charts.__file__).read_text())
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert defined.isdisjoint(SHARED_LAYERS)
    for layer in (lanes._day_zero_rule, lanes._therapy_bars, lanes._fading_ends, lanes._ongoing_arrows):
        assert layer in cohort_charts._SWIMMER_LAYERS
        assert layer in charts.timeline._TIMELINE_LAYERS


# --- drawn certainty: solid only where the statements make it certain ----------------------------------------------


def _drawn(*events: dict, lane: str = "alectinib") -> dict:
    """What the timeline draws of one lane, in days since the diagnosis (2021-08-10): solid pieces (bars and the
    solid part of fading bars), faded pieces, start ticks and faded start windows."""
    spec = charts.timeline_chart(event_table(_timeline_of(*events)), axis="relative", unit="days").to_dict()
    solid, faded, ticks, windows = [], [], [], []
    for unit in units(spec):
        enc = unit.get("encoding", {})
        rows = [r for r in values(spec, unit) if r.get("lane") == lane]
        if mark_type(unit) == "rule" and enc.get("color", {}).get("field") == "bar_key" and "x_end" in str(enc):
            solid += [(r["x"], r["x_end"]) for r in rows]
        elif mark_type(unit) == "rule" and enc.get("x", {}).get("field") == "seg_lo":
            solid += [(r["seg_lo"], r["seg_hi"]) for r in rows if r["opacity"] == 1.0]
            faded += [(r["seg_lo"], r["seg_hi"]) for r in rows if r["opacity"] < 1.0]
        elif mark_type(unit) == "tick" and enc.get("color", {}).get("field") == "hex":
            ticks += [r["x"] for r in rows]
        elif mark_type(unit) == "rule" and enc.get("x", {}).get("field") in ("span_lo", "x_lo"):
            lo = enc["x"]["field"]
            windows += [(r[lo], r["span_hi" if lo == "span_lo" else "x_hi"]) for r in rows]
    return {"solid": sorted(solid), "faded": sorted(faded), "ticks": ticks, "windows": sorted(windows)}


def test_an_exactly_dated_therapy_is_one_solid_bar_from_its_start_to_its_end():
    drawn = _drawn(make_event(start="2021-09-01", end="2021-12-01", ongoing=None))
    assert drawn == {"solid": [(22, 113)], "faded": [], "ticks": [], "windows": []}


def test_an_exact_start_with_an_unreported_end_has_a_tick_and_no_solid_part():
    drawn = _drawn(make_event(start="2021-09-01", ongoing=None))
    assert drawn["ticks"] == [22]
    assert drawn["solid"] == []  # the end is not reported: nothing says it ran past its first day
    assert drawn["faded"][0][0] == 22


def test_a_start_known_only_by_its_order_is_drawn_as_its_window_with_no_tick_and_nothing_solid():
    # As 'imatinib start: after laparotomy' with no end: nothing puts the therapy at any one time after the
    # diagnosis, up to the last event the case ties it to (the CT on 2022-08-10, day 365).
    drawn = _drawn(make_event(start="after dx", ongoing=None),
                   make_event(id="ct", kind="imaging", date="2022-08-10", modality="CT", drug=None, dose=None,
                              start=None, ongoing=None))
    assert drawn["ticks"] == []
    assert drawn["solid"] == []
    assert drawn["windows"] == [(0, 365)]


def test_a_start_known_to_the_month_is_solid_from_the_last_day_of_that_month():
    drawn = _drawn(make_event(start="2021-09", end="2021-12-01", ongoing=None))
    assert drawn["solid"] == [(51, 113)]  # 2021-09-30 to 2021-12-01
    assert drawn["windows"] == [(22, 51)]  # the start: some day of September
    assert drawn["ticks"] == []


def test_an_end_known_to_the_month_is_solid_to_the_first_day_of_that_month_and_faded_over_it():
    drawn = _drawn(make_event(start="2021-09-01", end="2021-12", ongoing=None))
    assert drawn["solid"] == [(22, 113)]  # to 2021-12-01
    assert (drawn["faded"][0][0], drawn["faded"][-1][1]) == (113, 143)  # over December


def test_an_ongoing_therapy_with_a_start_window_is_solid_from_its_latest_start_to_the_last_follow_up():
    drawn = _drawn(make_event(start="between dx and ct"),
                   make_event(id="ct", kind="imaging", date="2021-10-10", modality="CT", drug=None, dose=None,
                              start=None, ongoing=None),
                   make_event(id="ct2", kind="imaging", date="2022-02-07", modality="CT", drug=None, dose=None,
                              start=None, ongoing=None))
    assert drawn["solid"] == [(61, 181)]  # from the CT of 2021-10-10 to the last follow-up
    assert drawn["windows"][0] == (0, 61)
    assert drawn["ticks"] == []


def test_a_tooltip_keeps_the_day_bounds_of_a_date_said_in_months():
    # Oophorectomy: between two events dated to the month and to the year, said '2007-07 – 2012' (each bound at its statement's precision).
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="calendar").to_dict()
    shown = {(r["when"], r.get("day_bounds")) for u in units(spec) for r in values(spec, u)
             if r.get("label") == "Oophorectomy (estrogen suppression)"}
    assert shown == {("2007-07 – 2012", "2007-07-01 to 2012-03-03")}


def test_a_long_lane_label_wraps_at_a_word_boundary_or_after_a_slash_never_inside_a_word():
    # Before: "carboplatin/paclitaxel/bevaciz" | "umab".
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    expr = next(u["encoding"]["y"]["axis"]["labelExpr"] for u in units(spec)
                if "labelExpr" in u.get("encoding", {}).get("y", {}).get("axis", {}) or {})
    assert '["carboplatin/paclitaxel/", "bevacizumab"]' in expr
    assert "bevaciz\"" not in expr


def test_a_status_mark_says_what_it_states_and_each_response_is_tied_to_the_therapy_it_assesses():
    # Before: a bare glyph for 'alive'; responses of three therapies in one lane with nothing tying them to one.
    # Each response and progression has a square in its therapy's colour; the therapy is named at its first mark
    # in the lane; a progression with no `therapy:` is tied, as the best response counts it, to the line running
    # on its date (the spinal metastases, before alectinib started: crizotinib, line 2).
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    tags = {r["tag"] for u in find(spec, "text", text="tag") for r in values(spec, u)}
    assert {"alive at last follow-up", "SD · carboplatin/…", "crizotinib", "PR", "alectinib"} <= tags
    assert "PR · crizotinib" not in tags
    squares = [u for u in units(spec) if mark_type(u) == "square"]
    assert {(u["encoding"]["fill"]["field"], u["encoding"]["stroke"]["field"]) for u in squares} == {
        ("tied_fill", "tied_hex")}
    tied = {r["label"]: (r["tied_fill"], r["on_therapy"]) for u in squares for r in values(spec, u)}
    assert {r["tied_hex"] for u in squares for r in values(spec, u)} == {"#999933", "#E69F00", "#0072B2"}  # outlines
    # Each square filled with the shade its therapy is drawn in: on this axis all three are drawn only as the window
    # they may have run in (at 0.28), as are their legend swatches. Before: full colours no bar of theirs had.
    olive, orange, blue = theme.tint("#999933", 0.28), theme.tint("#E69F00", 0.28), theme.tint("#0072B2", 0.28)
    assert (olive, orange, blue) == ("#E2E2C6", "#F8E4B8", "#B8D8E9")
    assert tied == {
        "Stable disease after 4 cycles": (olive, "carboplatin/paclitaxel/bevacizumab"),
        "Intracranial progression on first-line chemotherapy": (olive, "carboplatin/paclitaxel/bevacizumab"),
        "Leptomeningeal progression on crizotinib": (orange, "crizotinib"),
        "Extracranial partial response": (orange, "crizotinib"),
        "Cervical spinal cord metastases": (orange, "crizotinib (line 2, by its date)"),
        "Marked response in the CNS on alectinib": (blue, "alectinib")}


def _rows_per_lane(spec: dict) -> dict:
    """How many sub-rows each lane's symbols take (distinct y of the point marks, by lane)."""
    (points,) = find(spec, "point", color="mark_kind")
    rows: dict = {}
    for r in values(spec, points):
        rows.setdefault(r["lane"], set()).add(r["y"])
    return {lane: len(ys) for lane, ys in rows.items()}


def test_marks_take_a_sub_row_only_where_a_symbol_or_its_label_would_collide_never_for_a_faded_span():
    # Before: the case without calendar dates drew Imaging in three sub-rows (the miliary case's imaging in six,
    # its diagnosis lane in five), one per overlapping faded span ('between X and the diagnosis'), so that
    # nothing showed which marks really collided. Now, with room kept for each label at the narrowest the page
    # draws the plot (640 px): imaging two sub-rows (the baseline MRI on the presenting CT's day 0, and two MRIs
    # two days apart at month 8.7), response three (each label runs into the next mark); the miliary case's five
    # work-up studies one, its diagnosis lane three (the biopsies' ×2 reaches the diagnosis star, and a molecular
    # result shares the star's day 0).
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    rows = _rows_per_lane(charts.timeline_chart(events, axis="relative", width=900).to_dict())
    assert (rows["Imaging"], rows["Response & progression"]) == (2, 3)
    _, events, _, _ = tables("adeno-alk-miliary-alectinib")
    spec = charts.timeline_chart(events, axis="relative", width=900).to_dict()
    assert (_rows_per_lane(spec)["Imaging"], _rows_per_lane(spec)["Diagnosis & pathology"]) == (1, 3)
    # Spans that share a sub-row overlap, so a symbol's span is an opaque tint: a stack of translucent spans
    # darkened into what read as a solid bar.
    (spans,) = find(spec, "rule", x="span_lo")
    imaging = [r for r in values(spec, spans) if r["lane"] == "Imaging"]
    assert {(r["hex"], r["span_opacity"]) for r in imaging} == {(theme.tint("#A088C8", 0.28), 1.0)}
    assert theme.tint("#A088C8", 0.28) == "#E4DEF0"  # imaging's lavender grey


def test_a_label_that_would_run_past_the_right_edge_is_drawn_left_of_its_symbol():
    # The alectinib response sits at the last follow-up: its name was cut by the edge of the plot.
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.timeline_chart(events, axis="relative", width=900).to_dict()
    left = {r["tag"] for u in find(spec, "text", text="tag") if u["mark"]["align"] == "right"
            for r in values(spec, u)}
    assert left == {"alectinib", "×2", "alive at last follow-up"}


def test_a_therapy_drawn_only_faded_has_a_faded_legend_swatch():
    # Before: every therapy of the case without calendar dates is drawn as a faded window (no day certainly on
    # it), yet its legend swatch was in full colour. A swatch is as opaque as its therapy is drawn at its most
    # certain: in the lorlatinib case lorlatinib and the endocrine therapy have solid parts, the adjuvant
    # chemotherapy (its end anywhere up to the remission) and etoposide + cisplatin have no day certainly on them.
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    (legend,) = [u["encoding"]["color"]["legend"] for u in units(spec)
                 if (u["encoding"].get("color") or {}).get("legend", {}) and
                 u["encoding"]["color"]["legend"].get("title") == "Therapy"]
    expr = legend["symbolOpacity"]["expr"]
    for name in ("carboplatin/paclitaxel/bevacizumab", "crizotinib", "alectinib"):
        assert f'datum.value === "{name}" ? 0.28' in expr
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    (legend,) = [u["encoding"]["color"]["legend"] for u in units(spec)
                 if ((u["encoding"].get("color") or {}).get("legend") or {}).get("title") == "Therapy"]
    assert legend["symbolOpacity"]["expr"] == ('datum.value === "Etoposide + cisplatin" ? 0.28 : '
                                               'datum.value === "Adjuvant chemotherapy" ? 0.28 : 1')


def test_the_timeline_takes_the_height_it_is_given_its_lanes_in_proportion():
    _, events, _, _ = tables("lcnec-alk-lorlatinib")
    natural = charts.timeline_chart(events).to_dict(validate=False)
    given = charts.timeline_chart(events, height=700).to_dict(validate=False)
    assert given["height"] == 700 and natural["height"] != 700


def test_a_stack_of_panels_shares_the_height_of_its_screen():
    """Lesion sizes and the RECIST sum (the lorlatinib case) on a 1080-px board and a 720-px one: the plots share
    what titles, legends and the axis leave, in proportion; fitted, the imaging findings' one row is raised to the
    least height of a plot (48 px) like every other panel (at 28 px it was a sliver on the board)."""
    timeline, events, measurements, _ = tables("lcnec-alk-lorlatinib")
    assessments = charts.assessment_frame(recist(timeline))

    def heights(fit):
        chart = charts.lesion_chart(measurements, assessments, therapy_bands=charts.therapy_bands(events),
                                    imaging=events[events["kind"] == "imaging"], fit=fit)
        return [panel.height if isinstance(panel.height, int) else panel.height.step for panel in chart.vconcat]

    # One panel a lesion (80 px each, the breast primary and the lung nodule), the RECIST sum (190), imaging (28):
    # a taller screen shares its height in the same proportion, a short one keeps each plot at 48 px at least.
    assert heights(None) == [80, 80, 190, 28]
    assert heights(charts.StackFit(900, legends_in_a_row=True)) == [86, 86, 206, 48]
    assert heights(charts.StackFit(500, legends_in_a_row=True)) == [48, 48, 78, 48]


def test_a_dose_change_label_at_the_right_edge_is_drawn_left_of_its_tick():
    # Before: sorafenib's '400 mg twice daily', near the end of the history, was cut at the plot's edge.
    timeline, events, _, _ = tables("mtc-pseudocirrhosis-sunitinib-sorafenib")
    spec = charts.timeline_chart(events, axis="relative", width=900,
                                 dose_changes=dose_change_table(timeline)).to_dict()
    aligned = {(u["mark"]["align"], r["short"]) for u in find(spec, "text", text="short") for r in values(spec, u)}
    assert aligned == {("right", "400 mg twice daily")}


def test_labels_drawn_larger_on_a_projector_are_given_more_room():
    # The tumor board draws every text 1.3 times larger: the response lane's labels of the case without calendar
    # dates then need a fourth sub-row, where they ran into the next mark.
    _, events, _, _ = tables("adeno-alk-leptomeningeal-alectinib")
    rows = []
    for scale in (1.0, 1.3):  # the type scale a chart is built in (charts.Display's font_scale)
        with charts.theme.type_scale(scale):
            rows.append(_rows_per_lane(charts.timeline_chart(events, axis="relative", width=1100).to_dict()))
    assert [r["Response & progression"] for r in rows] == [3, 4]
