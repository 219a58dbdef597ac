"""The display choices are built into a case's charts (components.charts.display): one function picks and builds
them, a spec is validated once, and no page edits a finished spec."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from components import charts
from components.charts.display import Y_AXIS_PX
from components.pages.board import (
    DEFAULT_SCREEN,
    LesionPage,
    Screen,
    board_display,
    key_figures,
    lesion_pages,
    marker_names,
    marker_pages,
    summary_content,
    summary_fit,
    summary_height,
    unnumbered_therapies,
    word_results,
)
from timelines.endpoints.clinical import recist
from timelines.reading.loading import load_case
from timelines.tables import dose_change_table, event_table, marker_table, measurement_table

CASES = Path(__file__).resolve().parents[1] / "cases"


def frames_of(stem: str) -> dict:
    timeline = load_case(CASES / f"{stem}.yaml")
    return {"events": event_table(timeline), "measurements": measurement_table(timeline),
            "markers": marker_table(timeline), "dose_changes": dose_change_table(timeline),
            "assessments": charts.assessment_frame(recist(timeline))}


def font_sizes(node) -> list[float]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k.lower().endswith("fontsize") and isinstance(v, (int, float))] + \
            [size for k, v in node.items() if k != "datasets" for size in font_sizes(v)]
    if isinstance(node, list):
        return [size for v in node for size in font_sizes(v)]
    return []


def test_the_board_type_scale_is_built_into_every_text_of_the_spec():
    axis = {"axis": "calendar", "unit": "months", "day_zero_label": "first diagnosis"}
    [spec] = charts.case_chart_specs("timeline", frames_of("lcnec-alk-lorlatinib"),
                                     board_display("timeline", axis, DEFAULT_SCREEN))
    sizes = font_sizes(spec)
    assert sizes and min(sizes) >= 18  # the page's 13 px mark labels and 14 px axis labels, 1.3 times larger
    assert spec["config"]["axis"]["labelFontSize"] == 18 and spec["config"]["title"]["fontSize"] == 26
    # Legends beside the plot, one column of labels cut at 190 px times the type scale.
    assert spec["config"]["legend"]["orient"] == "right"
    legends = [e[c]["legend"] for e in (layer.get("encoding", {}) for layer in spec["layer"])
               for c in ("color", "shape") if isinstance(e.get(c, {}).get("legend"), dict)]
    assert legends and all(lg["columns"] == 1 and lg["labelLimit"] == 247 for lg in legends)


def test_the_page_draws_a_stack_as_one_spec_per_panel_without_y_titles():
    page = charts.Display(legends="stacked", split_panels=True, fit_width=True)
    specs = charts.case_chart_specs("lesions", frames_of("lcnec-alk-lorlatinib"), page)
    assert len(specs) == 4 and not any("vconcat" in s for s in specs)
    text = json.dumps(specs)
    assert '"Size (mm)"' not in text and '"Sum (mm)"' not in text  # each panel's own title names what it shows
    assert [s["padding"]["left"] for s in specs] == [10, 10, 10, 10 + Y_AXIS_PX]
    stacked = charts.case_chart_specs("lesions", frames_of("lcnec-alk-lorlatinib"), charts.Display())
    assert len(stacked) == 1 and len(stacked[0]["vconcat"]) == 4 and '"Size (mm)"' in json.dumps(stacked)


def test_a_spec_is_validated_once_and_a_bad_one_says_what_is_wrong():
    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_point().encode(x="a:Q")
    assert charts.chart_spec(chart)["mark"]["type"] == "point"
    chart.width = "as wide as it likes"  # no check while building: the spec is checked once, when it is made
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="width"):
        charts.chart_spec(chart)


def test_the_board_pages_lesions_so_that_each_panel_can_be_read():
    data = frames_of("lcnec-alk-lorlatinib")
    pages = lesion_pages(data, DEFAULT_SCREEN)
    assert [(len(p.lesions), p.recist, p.findings) for p in pages] == [(2, False, False), (0, True, True)]
    assert [(len(p.lesions), p.recist, p.findings) for p in lesion_pages(data, Screen(1920, 1080))] == \
        [(2, True, True)]


def lane_centres(spec: dict) -> list[float]:
    """The y of each lane label of a timeline spec (its y axis's values), top to bottom."""
    return next(layer["encoding"]["y"]["axis"]["values"] for layer in spec["layer"]
                if isinstance(layer.get("encoding", {}).get("y", {}).get("axis"), dict))


@pytest.mark.parametrize("stem", ["lcnec-alk-lorlatinib", "mtc-pseudocirrhosis-sunitinib-sorafenib"])
def test_a_page_timeline_is_fitted_to_the_room_its_screen_leaves_with_its_lanes_apart(stem):
    """The case page gives the timeline the px its window leaves under the header: its plot takes what the x axis,
    the key and the legends (beside it) leave, each lane keeping room for its label and sub-rows."""
    frames = frames_of(stem)
    natural = charts.case_chart_specs("timeline", frames, charts.Display(legends="beside"))[0]["height"]
    heights = {}
    for room in (300, 480, 800, 2000):
        [spec] = charts.case_chart_specs("timeline", frames, charts.Display(legends="beside", room=room))
        centres = lane_centres(spec)
        heights[room] = spec["height"]
        # every lane label (17 px a line) clear of its neighbours', at any room
        assert min(b - a for a, b in zip(centres, centres[1:])) >= 21
        assert 0 < centres[0] and centres[-1] < spec["height"]
    key_lines = len(spec["title"]["text"])
    assert heights[800] == 800 - 20 - 14 - 20 * key_lines - 58  # the room less padding, key and x axis
    assert heights[300] >= 26 * len(centres) and heights[300] <= heights[480]  # never less than the lanes' least
    assert heights[480] < natural < heights[800] < heights[2000] == 2 * natural  # at most twice its lanes' need


def _titles(specs: list[dict]) -> list[str]:
    return [str((spec.get("title") or {}).get("text", "")) for spec in specs]


def test_a_page_of_the_lesions_without_lesion_panels_draws_the_recist_sum_and_only_the_scans_without_a_size():
    data = frames_of("lcnec-alk-lorlatinib")
    axis = {"axis": "calendar", "unit": "months", "day_zero_label": "first diagnosis"}
    page = LesionPage((), True, True)
    specs = charts.case_chart_specs("lesions", data, board_display("lesions", axis, DEFAULT_SCREEN, lesions=page))
    assert _titles(specs) == ["Sum of target lesion diameters (mm), RECIST 1.1",
                              "Imaging findings in words, without a size (as written)"]
    findings = next(d for d in specs[1]["datasets"].values() if d and "label" in d[0] and "trend" in d[0])
    assert [row["label"] for row in findings] == ["Brain MRI, further improvement"]  # the measured scans are not


def test_markers_reported_only_in_words_are_listed_on_the_board_not_drawn():
    markers = frames_of("mtc-pseudocirrhosis-sunitinib-sorafenib")["markers"]
    numbered, words = marker_names(markers)
    assert numbered == ["ALP", "ALT", "AST", "Albumin", "INR"]
    assert [w.text for w in word_results(markers, relative=False)] == [
        "within normal limits (2008-01): Complete blood count, Comprehensive metabolic panel, Free T4, "
        "Thyroid-stimulating hormone",
        "negative or normal (2009-11 – 2009-12): Alpha-1-antitrypsin, Autoimmune serologies, Hepatitis B "
        "serology, Hepatitis C serology, Iron studies",
        "progressively worsening liver status (2010-02 – 2010-07): Liver tests (AST, ALT, ALP; Figure 3)"]
    # de-identified (the relative axis), the dates in months since day 0
    assert [w.when for w in word_results(markers, relative=True)] == ["months −1 to 0", "months 21–23", "months 25–30"]
    # A page of two panels (each plot 90 px at least) at 1280x720, the words under the last; four and one at 1080.
    assert marker_pages(numbered, word_results(markers, False), DEFAULT_SCREEN) == [
        (("ALP", "ALT"), False), (("AST", "Albumin"), False), (("INR",), True)]
    assert marker_pages(numbered, word_results(markers, False), Screen(1920, 1080)) == [
        (("ALP", "ALT", "AST", "Albumin"), False), (("INR",), True)]
    axis = {"axis": "calendar", "unit": "months", "day_zero_label": "first diagnosis"}
    specs = charts.case_chart_specs("markers", frames_of("mtc-pseudocirrhosis-sunitinib-sorafenib"),
                                    board_display("markers", axis, DEFAULT_SCREEN, series=("INR",)))
    assert not [t for t in _titles(specs) if "words only" in t]


def test_the_board_summary_gives_each_key_figure_its_censoring_and_definition_where_they_fit():
    data = frames_of("lcnec-alk-lorlatinib")
    from timelines.summary import case_summary

    summary = case_summary(load_case(CASES / "lcnec-alk-lorlatinib.yaml"))
    figures = key_figures(summary)
    assert [f.title for f in figures] == [
        "PFS on first-line lorlatinib (over 25 months, ongoing): 25+ months · paper 25+ ✓",
        "Endocrine therapy after oophorectomy (5 years): 60 months · paper 60 ✓",
        "Time on lorlatinib (over 25 months, ongoing): 25+ months · paper 25+ ✓"]
    assert figures[0].definition.startswith("PFS: from the start of the line")
    assert figures[2].definition == ""  # said once, under the first time on treatment
    assert figures[2].ended.startswith("still taken: censored at the last follow-up")
    lines = ["**Patient** · Female · 55 years"] * 6
    laptop, projector = summary_fit(lines, figures, DEFAULT_SCREEN), summary_fit(lines, figures, Screen(1920, 1080))
    assert (laptop.definitions, laptop.notes, projector.definitions, projector.notes) == (False, True, True, True)
    assert projector.px > laptop.px >= 18
    assert data["markers"].empty


@pytest.mark.parametrize(("stem", "projector", "laptop"), [
    ("gist-duodenum-duodenectomy-imatinib", 56, 32),  # before: 43 and 29, the type capped at the height over 25
    ("adeno-alk-miliary-alectinib", 56, 35),
    ("lcnec-alk-lorlatinib", 35, 25),
])
def test_a_short_case_fills_the_board_summary_in_type_fitted_to_the_height(stem, projector, laptop):
    """At 1920x1080 the GIST's summary was six lines at 43 px over the top half of the screen."""
    from timelines.summary import case_summary

    data = {**frames_of(stem), "summary": case_summary(load_case(CASES / f"{stem}.yaml"))}
    lines, figures, _ = summary_content(data, {"axis": "relative"})
    for screen, px in ((Screen(1920, 1080), projector), (DEFAULT_SCREEN, laptop)):
        fit = summary_fit(lines, figures, screen)
        room = screen.room - 40 - 24  # under the caption, less what the estimate of wrapped lines may miss
        assert fit.px == px and fit.notes
        assert 0.8 * room < summary_height(lines, figures, screen, fit) <= room
        larger = fit._replace(px=px + 1, note_px=max(18, round((px + 1) * 0.72)))
        assert summary_height(lines, figures, screen, larger) > room  # one px more would not fit


@pytest.mark.parametrize("screen", [DEFAULT_SCREEN, Screen(1920, 1080)])
def test_the_panels_of_a_board_step_share_one_time_scale_when_each_is_fitted_to_the_width(screen):
    """The medullary thyroid case's Markers: the bottom panel's last tick label ('2010') ran past the plot's end, and
    fitting that panel to the width, label included, drew its plot 13 px narrower than the ones above it."""
    import re

    import vl_convert as vlc

    frames = frames_of("mtc-pseudocirrhosis-sunitinib-sorafenib")
    pages = marker_pages(marker_names(frames["markers"])[0], [], screen)
    widths, domains = [], set()
    for page in pages:
        display = board_display("markers", {"axis": "calendar", "unit": "months"}, screen, series=page.markers)
        for spec in charts.case_chart_specs("markers", frames, display):
            svg = vlc.vegalite_to_svg({**spec, "width": 1200})
            widths.append(re.findall(r'class="background"[^>]*d="M[\d.]+,[\d.]+h([\d.]+)', svg)[0])
            domains.add(json.dumps([layer["encoding"]["x"]["scale"]["domain"] for layer in spec["layer"]
                                    if "scale" in layer.get("encoding", {}).get("x", {})][0]))
    assert len(widths) == 5 and set(widths) == {"1116"} and len(domains) == 1


def test_a_finding_spanning_most_of_the_view_is_labelled_inside_the_plot():
    """Left of a span from the view's edge, the label ran out of the plot and pushed it off the shared axis."""
    specs = charts.case_chart_specs("lesions", frames_of("gist-duodenum-duodenectomy-imatinib"),
                                    charts.Display(axis="relative", split_panels=True))
    rows = next(d for spec in specs for d in spec["datasets"].values() if d and "side" in d[0])
    assert {row["label"]: row["side"] for row in rows} == {
        "Esophagogastroduodenoscopy: submucosal tumor at D2 and D3": "right",
        "Postoperative digestive opacification: no fistula": "edge"}


def test_the_board_names_a_therapy_outside_the_lines_by_its_one_short_name():
    """The board's summary said "Etoposide plus cisplatin ('EC regimen'…" where the lanes, the legend and the cohort
    say "Etoposide + cisplatin"."""
    from timelines.summary import case_summary

    timeline = load_case(CASES / "lcnec-alk-lorlatinib.yaml")
    said = unnumbered_therapies(event_table(timeline), case_summary(timeline), relative=False)
    assert said == ["Adjuvant chemotherapy (~2007-08)", "Endocrine therapy (2007-07 – 2012)",
                    "Etoposide + cisplatin (~2021-10)"]
