"""The deck a board can edit: timeline, lesion and marker slides drawn as native PowerPoint shapes and charts (no
picture), every text at least 14 pt, each slide's sources in its speaker notes (none when de-identified), and no
slide that holds a single finding in words."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from test_deidentify import leaks

from components import exports
from components.exports import native, rendering
from components.exports import slides as slide_model
from timelines import load_case
from timelines.tables import event_table

from conftest import CASE_FILES, CASES, SEED_IDS

LORLATINIB = CASES / "lcnec-alk-lorlatinib.yaml"  # the largest seed case: two timeline slides, lesion sizes
MILIARY = CASES / "adeno-alk-miliary-alectinib.yaml"  # lesion sizes and marker values, on the relative axis
EMU_PER_PT = 12700


@pytest.fixture(scope="module")
def decks() -> dict[str, Presentation]:
    made = {}
    for path in (LORLATINIB, MILIARY):
        for deidentify in (False, True):
            data = exports.deck_bytes(load_case(path), deidentify=deidentify)
            made[(path.stem, deidentify)] = Presentation(io.BytesIO(data))
    return made


def _title(slide) -> str:
    return next(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def _notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def test_timeline_lesion_and_marker_slides_are_native_shapes_and_charts_without_a_picture(decks):
    for deck in decks.values():
        for slide in deck.slides:
            assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE], _title(slide)
    titles = {_title(s): s for key in ((MILIARY.stem, False), (LORLATINIB.stem, False)) for s in decks[key].slides}
    timeline = titles["Timeline: whole history"]
    bars = [s for s in timeline.shapes if s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE]
    labels = {s.text_frame.text for s in timeline.shapes if s.shape_type == MSO_SHAPE_TYPE.TEXT_BOX}
    assert len(bars) >= 30 and {"lorlatinib", "Imaging", "Endocrine therapy", "2009", "2024", "Date"} <= labels
    # A bar is a rectangle in its drug's colour (the screen's palette), named for the selection pane.
    lorlatinib = [s for s in bars if s.name.startswith("Lorlatinib")]
    assert lorlatinib and {str(s.fill.fore_color.rgb) for s in lorlatinib} == {"882255"}
    for title, y_title in (("Lesion sizes and RECIST 1.1", "Size (mm)"),
                           ("Tumor markers and labs (1/2)", "CEA (ng/mL)")):
        charts_ = [s.chart for s in titles[title].shapes if s.has_chart]
        assert charts_ and {c.chart_type for c in charts_} == {XL_CHART_TYPE.XY_SCATTER_LINES}
        assert charts_[0].value_axis.axis_title.text_frame.text == y_title
    x_titles = {c.category_axis.axis_title.text_frame.text for s in decks[(MILIARY.stem, True)].slides
                for c in [sh.chart for sh in s.shapes if sh.has_chart]}
    assert x_titles == {"Months since diagnosis"}


def _chart_sizes(chart) -> list[float]:
    """Every text size a chart sets: its default, titles, tick labels, legend and data labels (points)."""
    sizes = [chart.font.size.pt]
    frames = [chart.chart_title.text_frame] if chart.has_title else []
    for axis in (chart.category_axis, chart.value_axis):
        sizes.append(axis.tick_labels.font.size.pt)
        frames += [axis.axis_title.text_frame] if axis.has_title else []
    if chart.has_legend:
        sizes.append(chart.legend.font.size.pt)
    for series in chart.plots[0].series:
        for label in series._element.xpath("./c:dLbls/c:dLbl//a:rPr"):
            sizes.append(int(label.get("sz")) / 100)
    sizes += [run.font.size.pt for frame in frames for p in frame.paragraphs for run in p.runs]
    return sizes


def test_every_text_on_a_slide_is_at_least_14_pt_charts_included(decks):
    for deck in decks.values():
        footer_top = deck.slide_height - int(exports.FOOTER_H_IN * 914400) - 10
        for slide in deck.slides:
            for shape in slide.shapes:
                if shape.has_chart:
                    assert min(_chart_sizes(shape.chart)) >= 14, (_title(slide), shape.name)
                elif shape.has_text_frame and shape.text_frame.text.strip() and shape.top < footer_top:
                    sizes = [r.font.size.pt for p in shape.text_frame.paragraphs for r in p.runs if r.text.strip()]
                    assert min(sizes) >= 14, (_title(slide), shape.text_frame.text)


def test_every_slide_has_notes_naming_the_sources_of_what_it_shows(decks):
    deck = decks[(LORLATINIB.stem, False)]
    notes = {_title(s): _notes(s) for s in deck.slides}
    assert all(notes.values()), [t for t, n in notes.items() if not n]
    whole = notes["Timeline: whole history"]
    # The breast cancer of 2007: its date as written, its line in the case file, its quote; then the citation.
    assert ("Invasive ductal carcinoma of the left breast (2007 – 2007-07; lcnec-alk-lorlatinib.yaml, line 23): "
            "“The 55-year-old female patient underwent a modified") in whole
    assert whole.splitlines()[-1].startswith("Source: Case report: heterochronous double primary malignancy")
    recent = notes["Timeline: recent disease (whole history on the next slide)"]
    assert "Invasive ductal carcinoma" not in recent and "lcnec-alk-lorlatinib.yaml, line 143" in recent
    assert "Chest CT, solid nodule left upper lobe (2021-08 – 2021-09-03; lcnec-alk-lorlatinib.yaml, line 150)" \
        in notes["Lesion sizes and RECIST 1.1"]
    assert notes["Source"].startswith("Case file: lcnec-alk-lorlatinib.yaml.")


def test_deidentified_notes_hold_no_quote_date_or_source(decks):
    for path in (LORLATINIB, MILIARY):
        quotes = [q for q in event_table(load_case(path))["quote"] if len(q) > 20]
        for slide in decks[(path.stem, True)].slides:
            notes = _notes(slide)
            assert notes.startswith(slide_model.DEIDENTIFIED_NOTE), _title(slide)
            assert leaks(notes, path) == [], _title(slide)
            assert not any(q[:20] in notes for q in quotes) and ".yaml" not in notes and "line " not in notes


def test_a_single_finding_in_words_is_written_under_the_chart_before_it(decks):
    lesions = next(s for s in decks[(LORLATINIB.stem, False)].slides if _title(s) == "Lesion sizes and RECIST 1.1")
    texts = [s.text_frame.text for s in lesions.shapes if s.has_text_frame]
    assert any(t.startswith("In words: 2023-08-03 · Brain MRI, further improvement: ") for t in texts)
    assert "Brain MRI, further improvement (2023-08-03; lcnec-alk-lorlatinib.yaml, line 285): “(C) Further" in \
        _notes(lesions)
    assert not any("Findings in words" in _title(s) for s in decks[(LORLATINIB.stem, False)].slides)


@pytest.mark.parametrize("path", CASE_FILES, ids=SEED_IDS)
def test_no_slide_holds_a_single_finding_in_words(path):
    case = exports.prepare_case(load_case(path), deidentify=True)
    pages = [s for s in exports.case_slides(case) if s.kind == "findings"]
    assert all(len(s.lines) >= 2 for s in pages), [s.title for s in pages]
    charts_ = [s for s in exports.case_slides(case) if s.kind == "chart"]
    assert all(s.draw is not None and s.picture is None for s in charts_)  # nothing rendered for the deck


def test_the_deck_renders_no_chart_image(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the deck rendered a chart image")

    monkeypatch.setattr(rendering, "chart_png", refuse)
    monkeypatch.setattr(slide_model, "chart_png", refuse)
    deck = Presentation(io.BytesIO(exports.deck_bytes(load_case(MILIARY))))
    titles = [_title(s) for s in deck.slides]
    assert titles[1:5] == ["Timeline", "Lesion sizes and RECIST 1.1", "Tumor markers and labs (1/2)",
                           "Tumor markers and labs (2/2)"]
    with pytest.raises(AssertionError, match="rendered a chart image"):  # the handout still pictures its charts
        exports.pdf_bytes([exports.case_slides(exports.prepare_case(load_case(MILIARY)))])


@pytest.mark.parametrize("opacity, expected", [(1.0, "882255"), (0.28, "DEC1CF"), (0.0, "FFFFFF")])
def test_lighter_is_the_colour_drawn_at_that_opacity_on_white(opacity, expected):
    assert native.lighter("#882255", opacity) == expected


def test_the_session_slide_notes_name_each_case_file_and_citation():
    cases = [exports.case_slides(exports.prepare_case(load_case(path))) for path in (LORLATINIB, MILIARY)]
    notes = _notes(Presentation(io.BytesIO(exports.pptx_bytes(cases, session_title="Board"))).slides[0])
    assert notes.splitlines()[0] == "Case file: lcnec-alk-lorlatinib.yaml."
    assert "Case file: adeno-alk-miliary-alectinib.yaml." in notes and notes.count("Source: ") == 2
    hidden = [exports.case_slides(exports.prepare_case(load_case(path), deidentify=True)) for path in (LORLATINIB,)]
    session = Presentation(io.BytesIO(exports.pptx_bytes(hidden, session_title="Board")))
    assert _notes(session.slides[0]) == slide_model.DEIDENTIFIED_NOTE


@pytest.mark.parametrize("lane, lines", [
    ("carboplatin/paclitaxel/bevacizumab", ["carboplatin/paclitaxel/", "bevacizumab"]),
    ("Etoposide + cisplatin", ["Etoposide + cisplatin"])])
def test_a_lane_label_wraps_between_words_never_inside_a_drug_name(lane, lines):
    assert native.lane_label(lane, 2) == lines


def test_a_large_primary_and_a_small_node_get_a_chart_each_named_by_the_lesion():
    panels = native.lesion_panels(exports.prepare_case(load_case(CASES / "ppamn-hmbox1-alk-ensartinib.yaml")))
    assert [(p.title, [s.values for s in p.series]) for p in panels] == [
        ("Left lung mass (primary) (non-target)", [[141.0]]),
        ("Enlarged lymph node at recurrence (station not stated) (non-target)", [[26.0, 12.0]])]


def test_molecular_abundances_are_molecular_results_not_a_tumor_marker_chart():
    # A fusion's abundance is a molecular result: said with its test in the key events, never drawn as a marker.
    case = exports.prepare_case(load_case(CASES / "ppamn-hmbox1-alk-ensartinib.yaml"))
    assert [s.title for s in exports.case_slides(case) if s.kind == "chart"] == [
        "Timeline", "Lesion sizes and RECIST 1.1"]
    deck = Presentation(io.BytesIO(exports.deck_bytes(load_case(CASES / "ppamn-hmbox1-alk-ensartinib.yaml"))))
    cells = " ".join(c.text for s in deck.slides for sh in s.shapes if sh.has_table for r in sh.table.rows
                     for c in r.cells)
    assert "HMBOX1" in cells and "20%" in cells


def test_a_therapy_known_only_to_follow_the_operation_is_one_light_window_without_a_tick_or_a_solid_bar():
    # 'imatinib start: after laparotomy', no end: nothing makes any day of it certain, as on screen.
    deck = Presentation(io.BytesIO(exports.deck_bytes(load_case(CASES / "gist-duodenum-duodenectomy-imatinib.yaml"))))
    timeline = next(s for s in deck.slides if _title(s) == "Timeline")
    imatinib = [s for s in timeline.shapes if s.name.startswith("Imatinib")]
    from components.charts import theme

    colour = theme.therapy_colors(["Imatinib"])["Imatinib"]  # the case's one therapy: the screen's colour
    solid = native.lighter(colour, 1.0)
    assert [str(s.fill.fore_color.rgb) for s in imatinib] == [native.lighter(colour, 0.28)] != [solid]
    lane = [s for s in timeline.shapes if s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE and s.fill.type == 1
            and str(s.fill.fore_color.rgb) == solid]
    assert lane == []  # no tick, no bar in the drug's full colour


def test_the_timeline_slide_says_what_a_status_states_and_ties_each_response_to_its_therapy(decks):
    # Before: a bare glyph for 'alive' and 'PR' with nothing saying which therapy it assessed, as on the screen then.
    slide = next(s for s in decks[(LORLATINIB.stem, False)].slides if _title(s) == "Timeline: whole history")
    texts = {s.text_frame.text for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.TEXT_BOX}
    assert {"alive at last follow-up", "in remission", "PR · lorlatinib"} <= texts
    squares = {(s.name, str(s.fill.fore_color.rgb), str(s.line.color.rgb)) for s in slide.shapes
               if s.name.startswith("assesses ")}
    # Filled with the shade the therapy is drawn in (Etoposide + cisplatin only as its light window), outlined in
    # its colour.
    assert squares == {("assesses lorlatinib", "882255", "882255"),
                       ("assesses Etoposide + cisplatin", "C6C1DE", "332288")}


@pytest.mark.parametrize(("path", "drug", "labels"), [
    (CASES / "lcnec-eml4-alk-alectinib-case2.yaml", "Alectinib", ["halved"]),
    (CASES / "mtc-pseudocirrhosis-sunitinib-sorafenib.yaml", "Sorafenib", ["400 mg twice daily"])])
def test_the_timeline_slide_labels_each_dose_change_as_the_screen_does_above_its_bar_at_14_pt(path, drug, labels):
    # Before: a bare tick on the bar; the screen's label ('halved') was missing from the slide.
    slide = next(s for s in Presentation(io.BytesIO(exports.deck_bytes(load_case(path)))).slides
                 if _title(s) == "Timeline")
    texts = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.TEXT_BOX and s.text_frame.text.strip()]
    found = [s for s in texts if s.name.startswith("dose change label")]
    assert [s.text_frame.text for s in found] == labels
    bar = next(s for s in slide.shapes if s.name.startswith(drug) and s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE)
    (tick,) = [s for s in slide.shapes if s.name == f"dose change: {labels[0]}"]
    for label in found:
        assert {r.font.size.pt for p in label.text_frame.paragraphs for r in p.runs} == {14.0}
        assert label.top + label.height <= tick.top <= bar.top  # above the bar and its tick
        beside = min(abs(label.left - (tick.left + tick.width)), abs(label.left + label.width - tick.left))
        assert beside < 0.05 * 914400  # right of its tick, or left of it near the plot's right edge (sorafenib)
        others = [s for s in texts if s is not label]
        assert not [s.text_frame.text for s in others if _overlap(s, label)]  # no other text under it


def _overlap(a, b) -> bool:
    return a.left < b.left + b.width and b.left < a.left + a.width and a.top < b.top + b.height and \
        b.top < a.top + a.height


def test_a_deck_of_a_case_of_a_folder_draws_each_therapy_in_the_folder_colour_a_case_alone_in_its_own():
    from components.charts import theme

    timeline = load_case(CASES / "ppamn-hmbox1-alk-ensartinib.yaml")
    folder = (("alectinib", "#0072B2"), ("chemo + anti-angiogenic", "#E69F00"), ("ensartinib", "#009E73"))
    fills = {}
    for shown_with in ((), folder):
        case = exports.prepare_case(timeline, colors=shown_with)
        deck = Presentation(io.BytesIO(exports.pptx_bytes([exports.case_slides(case)])))
        fills[shown_with] = {str(s.fill.fore_color.rgb) for slide in deck.slides for s in slide.shapes
                             if s.name.startswith("Chemotherapy + anti-angiogenic") and s.fill.type == 1}
    # The regimen is known only within a window: its light shade of the colour (the screen's 28 % over white).
    assert fills[folder] == {native.lighter("#E69F00", 0.28)} == {"F8E4B8"}
    assert fills[()] == {native.lighter(theme.drug_color("Chemo + anti-angiogenic"), 0.28)} == {"B8D8E9"}


def _regimen_fills(path) -> set[str]:
    deck = Presentation(str(path))
    return {str(s.fill.fore_color.rgb) for slide in deck.slides for s in slide.shapes
            if s.name.startswith("Chemotherapy + anti-angiogenic") and s.fill.type == 1}


def test_the_decks_of_one_command_line_session_share_each_therapy_colour(tmp_path):
    from components.exports import deck

    regimen = CASES / "ppamn-hmbox1-alk-ensartinib.yaml"
    assert deck.main([str(regimen), str(CASES / "adeno-alk-leptomeningeal-alectinib.yaml"),
                      "--out", str(tmp_path / "session")]) == 0
    assert deck.main([str(regimen), "--out", str(tmp_path / "alone")]) == 0
    # With the leptomeningeal case's alectinib holding blue, the unnamed regimen takes the first colour free in the
    # session (pink); one file alone keeps the colour its name prefers (blue). Both drawn at 28 % (a window only).
    assert _regimen_fills(tmp_path / "session" / f"{regimen.stem}.pptx") == {"F1D9E6"}
    assert _regimen_fills(tmp_path / "alone" / f"{regimen.stem}.pptx") == {"B8D8E9"}


def test_the_native_timeline_draws_no_kind_in_a_colour_near_a_drug_of_the_slide():
    """A symbol's outline is its kind's colour, an assessed therapy's square its drug's: radiotherapy's diamond and
    crizotinib's square were one orange."""
    from components.charts import palette

    deck = Presentation(io.BytesIO(exports.deck_bytes(load_case(CASES / "adeno-alk-leptomeningeal-alectinib.yaml"))))
    (slide,) = [s for s in deck.slides if _title(s) == "Timeline"]
    outlined = [(s.name, str(s.line.color.rgb)) for s in slide.shapes
                if s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE and s.line.fill.type == 1]
    drugs = {color for name, color in outlined if name.startswith("assesses ")}
    kinds = {name.split(":")[0]: color for name, color in outlined if not name.startswith("assesses ")}
    assert drugs == {"999933", "E69F00", "0072B2"}
    assert kinds["Whole brain radiotherapy"] == kinds["Gamma knife radiosurgery"] == "B08858"
    assert set(kinds.values()) == {"A088C8", "302040", "00A0A8", "CC0000", "B08858", "583000", "555555", "585898"}
    assert min(palette.delta_e(f"#{k}", f"#{d}") for k in kinds.values() for d in drugs) >= palette.KIND_MIN_DELTA_E
