"""Exports of a case: chart files, the slide deck, the PDF handout, CSV tables, the deck command line and the
download buttons; de-identified exports searched for every date, the source and the institutions of the case."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import struct
import time
import xml.etree.ElementTree as ET
import zipfile

import altair as alt
import pandas as pd
import pytest
import yaml
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Emu
from pypdf import PdfReader
from test_deidentify import leaks, table_text

from components import exports
from components.exports import deck
from components.pages.downloads import export_files
from timelines import load_case, load_text
from timelines.deidentify import neutral_file_stem
from timelines.key_events import key_events
from timelines.presentation import View
from timelines.reading.files import stamp
from timelines.tables import (
    DOSE_CHANGE_COLUMNS,
    DOSE_CHANGE_EXTRA_COLUMNS,
    EVENT_COLUMNS,
    EVENT_EXTRA_COLUMNS,
    event_table,
)
from timelines.text import wrap

from conftest import CASE_FILES, CASES, ROOT, SEED_IDS, make_case, make_event

CASE2 = CASES / "lcnec-eml4-alk-alectinib-case2.yaml"  # calendar dates, measurements, no marker values
CALENDAR_CASES = [p for p in CASE_FILES if load_case(p).on_calendar]
BROKEN = ROOT / "tests" / "bad_cases" / "bad-sex.yaml"
CLI_SECONDS = 300  # every bundled case, deck and handout each, plus the session deck, on a 2-core machine


# ---------------------------------------------------------------------------------------------------------------
# Reading the files back
# ---------------------------------------------------------------------------------------------------------------


def png_chunks(png: bytes) -> dict[bytes, list[bytes]]:
    chunks: dict[bytes, list[bytes]] = {}
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        chunks.setdefault(png[pos + 4:pos + 8], []).append(png[pos + 8:pos + 8 + length])
        pos += 12 + length
    return chunks


def png_metadata(png: bytes) -> str:
    """The text chunks of a PNG (tEXt, zTXt, iTXt), where a program would write a date or a description."""
    chunks = png_chunks(png)
    return "\n".join(c.decode("latin-1") for kind in (b"tEXt", b"zTXt", b"iTXt") for c in chunks.get(kind, []))


GEOMETRY = {"d", "transform", "x", "y", "x1", "x2", "y1", "y2", "width", "height", "viewBox", "points", "cx", "cy",
            "r", "rx", "ry", "dx", "dy", "stroke-width", "stroke-dasharray", "stroke-miterlimit", "font-size",
            "opacity", "fill-opacity", "stroke-opacity", "stroke-dashoffset", "clip-path"}


def svg_text(svg: bytes) -> str:
    """Every text of an SVG: text nodes and every attribute but the geometry (aria-labels hold tooltip data)."""
    root = ET.fromstring(svg)
    texts = []
    for element in root.iter():
        texts += [element.text or "", element.tail or ""]
        texts += [v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] not in GEOMETRY]
    return "\n".join(t for t in texts if t.strip())


def pptx_text(pptx: bytes) -> str:
    """Every text of a PPTX: the text nodes of every XML part, the names and descriptions of shapes, the
    document properties (sizes and offsets, numbers that are not dates, left out)."""
    texts = []
    with zipfile.ZipFile(io.BytesIO(pptx)) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            root = ET.fromstring(archive.read(name))
            for element in root.iter():
                texts += [element.text or "", element.tail or ""]
                texts += [v for k, v in element.attrib.items() if k in ("descr", "name", "title", "Target")]
    return "\n".join(t for t in texts if t.strip())


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    metadata = [str(value) for value in (reader.metadata or {}).values()]
    return "\n".join([page.extract_text() for page in reader.pages] + metadata)


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def svg_size(svg: bytes) -> tuple[float, float]:
    root = ET.fromstring(svg)
    return float(root.attrib["width"]), float(root.attrib["height"])


# ---------------------------------------------------------------------------------------------------------------
# One identified case, every file
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case2_files() -> dict[str, bytes]:
    return exports.case_exports(load_case(CASE2))


def test_case_exports_names_every_file(case2_files):
    stem = "lcnec-eml4-alk-alectinib-case2"
    assert set(case2_files) == {f"{stem}.{what}" for what in (
        "pptx", "pdf", "timeline.png", "timeline.svg", "lesions.png", "lesions.svg", "events.csv",
        "measurements.csv", "markers.csv", "dose_changes.csv")}  # no marker chart: the case has no marker value


@pytest.mark.parametrize("chart", ["timeline", "lesions"])
def test_chart_files_are_png_at_scale_2_and_svg_of_the_export_width(case2_files, chart):
    png = case2_files[f"lcnec-eml4-alk-alectinib-case2.{chart}.png"]
    svg = case2_files[f"lcnec-eml4-alk-alectinib-case2.{chart}.svg"]
    width, height = exports.png_size(png)
    svg_width, svg_height = svg_size(svg)
    assert abs(width - 2 * svg_width) <= 2 and abs(height - 2 * svg_height) <= 2
    # The plot is EXPORT_WIDTH px wide; lane labels, axis titles and the RECIST labels add at most a few hundred.
    assert exports.EXPORT_WIDTH <= svg_width <= exports.EXPORT_WIDTH + 400
    assert ET.fromstring(svg).tag.endswith("svg") and "<text" in svg.decode()
    assert b"IDAT" in png_chunks(png)


def test_csv_files_hold_the_tables(case2_files):
    events = pd.read_csv(io.BytesIO(case2_files["lcnec-eml4-alk-alectinib-case2.events.csv"]))
    assert list(events.columns) == list(EVENT_COLUMNS + EVENT_EXTRA_COLUMNS)
    assert len(events) == 14 and events["quote"].notna().all()
    sizes = pd.read_csv(io.BytesIO(case2_files["lcnec-eml4-alk-alectinib-case2.measurements.csv"]))
    assert sizes["recist_mm"].tolist() == [40.0]
    changes = pd.read_csv(io.BytesIO(case2_files["lcnec-eml4-alk-alectinib-case2.dose_changes.csv"]))
    assert list(changes.columns) == list(DOSE_CHANGE_COLUMNS + DOSE_CHANGE_EXTRA_COLUMNS)
    assert changes[["event_id", "start", "day_start_earliest", "day_start_latest", "dose"]].values.tolist() == \
        [["alectinib", "~2021-10", 352, 442, "halved"]]


@pytest.fixture(scope="module")
def case2_deck(case2_files):
    return Presentation(io.BytesIO(case2_files["lcnec-eml4-alk-alectinib-case2.pptx"]))


def _title(slide) -> str:
    return next(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def _pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == 13]


def _tables(slide) -> list:
    return [s.table for s in slide.shapes if s.has_table]


def _drawn(slide) -> bool:
    """A chart drawn as native PowerPoint objects: a chart, or shapes other than text boxes and tables."""
    return any(s.has_chart or s.shape_type in (MSO_SHAPE_TYPE.AUTO_SHAPE, MSO_SHAPE_TYPE.LINE) for s in slide.shapes)


def test_the_deck_is_16_9_with_a_title_slide_charts_events_and_source(case2_deck, case2_files):
    slides = list(case2_deck.slides)
    assert (case2_deck.slide_width, case2_deck.slide_height) == (Emu(12_192_000), Emu(6_858_000))
    kinds = ["chart" if _drawn(s) else "events" if _tables(s) else "text" for s in slides]
    # Title; the timeline and the lesion sizes, drawn natively; imaging reported in words; the 11 key events
    # (the presentation and work-up, diagnosis, molecular tests, therapy, response, toxicity, status) on two
    # slides; the endpoints; the source.
    endpoints = sum(1 for s in slides if _title(s).startswith("Endpoints"))
    assert kinds == ["text", "chart", "chart", "text", "events", "events"] + ["text"] * endpoints + ["text"]
    assert endpoints >= 1 and not any(_pictures(s) for s in slides)
    titles = [_title(s) for s in slides]
    assert titles[1] == "Timeline" and titles[2] == "Lesion sizes and RECIST 1.1"
    assert titles[3] == "Findings in words, without a size or value"
    assert not any("marker" in t.lower() for t in titles[1:])
    assert "No marker slide: this case reports no tumor marker or lab value." in \
        "\n".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    endpoint_text = "\n".join(sh.text_frame.text for s in slides if _title(s).startswith("Endpoints")
                              for sh in s.shapes if sh.has_text_frame)
    assert "PFS on first-line alectinib (abstract), until the last follow-up: 32+ months" in endpoint_text
    assert "censored at the last follow-up" in endpoint_text and "STEEP 2.0" not in endpoint_text  # no DFS here
    assert "Line 1: PR (stated by the paper)" in endpoint_text
    assert titles[-1] == "Source" and "10.3389/fonc.2023.1227980" in pptx_text(case2_files[
        "lcnec-eml4-alk-alectinib-case2.pptx"])
    assert pdf_pages(case2_files["lcnec-eml4-alk-alectinib-case2.pdf"]) == len(slides)


def test_the_event_slides_hold_every_key_event_once_at_most_12_a_slide(case2_deck):
    tables = [t for s in case2_deck.slides for t in _tables(s)]
    rows = [[t.cell(r, c).text for c in range(3)] for t in tables for r in range(1, len(t.rows))]
    assert all(len(t.rows) - 1 <= exports.EVENT_ROWS for t in tables)
    assert [t.cell(0, 0).text for t in tables] == ["Date"] * len(tables)
    assert len(rows) == 11  # the presentation and the work-up before the diagnosis first
    assert rows[0][:2] == ["before ultrasound-guided node biopsy (2020-09-14)", "Palpable right supraclavicular mass"]
    assert ["2020-09-14", "Large cell neuroendocrine carcinoma of the lung (LCNEC)"] in [r[:2] for r in rows]
    alectinib = next(r for r in rows if r[1] == "Alectinib (first line)")
    assert alectinib[0] == "2020-10 → 2023-06, ongoing"
    assert alectinib[2].startswith("600 mg b.i.d.; dose changes: ~2021-10: halved")


def test_body_text_is_at_least_14_pt_and_only_the_footer_is_smaller(case2_deck):
    footer_top = Emu(int((exports.SLIDE_H_IN - exports.FOOTER_H_IN) * 914400)) - 10
    for slide in case2_deck.slides:
        frames = [(s, s.text_frame) for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]
        frames += [(s, t.cell(r, c).text_frame) for s in slide.shapes if s.has_table
                   for t in [s.table] for r in range(len(t.rows)) for c in range(len(t.columns))]
        for shape, frame in frames:
            sizes = [run.font.size.pt for p in frame.paragraphs for run in p.runs if run.text.strip()]
            assert sizes and min(sizes) >= (12 if shape.top >= footer_top else 14), (frame.text, sizes)


def test_drawn_charts_stay_on_the_slide(case2_deck):
    for slide in case2_deck.slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.left + shape.width <= case2_deck.slide_width, shape.name
            assert shape.top >= 0 and shape.top + shape.height <= case2_deck.slide_height, shape.name


def test_identified_exports_show_the_dates_and_the_source(case2_files):
    """Positive control for the de-identification search below: the same search finds them here."""
    found = leaks(pptx_text(case2_files["lcnec-eml4-alk-alectinib-case2.pptx"]), CASE2)
    assert {"2020-09-14", "2020", "10.3389/fonc.2023.1227980"} <= set(found)
    assert "2020-09-14" in pdf_text(case2_files["lcnec-eml4-alk-alectinib-case2.pdf"])


# ---------------------------------------------------------------------------------------------------------------
# De-identified exports: searched for every date string of the case, its source and its institutions
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=CALENDAR_CASES, ids=[p.stem for p in CALENDAR_CASES])
def deidentified(request):
    return request.param, exports.case_exports(load_case(request.param), deidentify=True)


def test_deidentified_files_hold_no_date_source_or_institution(deidentified):
    path, files = deidentified
    for name, data in files.items():
        assert leaks(name, path) == [], name
        if name.endswith(".csv"):
            text = table_text(pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False))
            assert "quote" not in text.split("\n")[0].split() and "note" not in text.split("\n")[0].split()
        elif name.endswith(".svg"):
            text = svg_text(data)
        elif name.endswith(".png"):
            text = png_metadata(data)
        elif name.endswith(".pptx"):
            text = pptx_text(data)
        else:
            text = pdf_text(data)
        assert leaks(text, path) == [], name


def test_deidentified_deck_has_no_source_slide_and_says_it_is_deidentified(deidentified):
    path, files = deidentified
    stem = neutral_file_stem(path.stem)  # the files are named by the neutral id, as the dashboard's downloads
    assert all(name.startswith(stem + ".") for name in files)
    slides = Presentation(io.BytesIO(files[f"{stem}.pptx"])).slides
    assert all(_title(s) != "Source" for s in slides)
    assert "De-identified: months since day 0 only" in pptx_text(files[f"{stem}.pptx"])
    assert pdf_pages(files[f"{stem}.pdf"]) == len(slides)


# ---------------------------------------------------------------------------------------------------------------
# Small behaviours
# ---------------------------------------------------------------------------------------------------------------


def test_exports_count_from_the_day_0_chosen_on_screen():
    from timelines.tables import day_zero_choices

    timeline = load_case(CASES / "ppamn-hmbox1-alk-ensartinib.yaml")
    start = day_zero_choices(event_table(timeline))["start:ensartinib-1l"]
    case = exports.prepare_case(timeline, axis="relative", day_zero=start)
    events = case.events.set_index("event_id")
    assert events.loc["ensartinib-1l", "day_start"] == 0 and case.day_zero_label == "start of ensartinib"
    assert (case.measurements["day_start"] == exports.prepare_case(timeline, axis="relative")
            .measurements["day_start"] - start[0]).all()
    assert '"title": "Months since start of ensartinib"' in json.dumps(exports.case_charts(case)["timeline"].to_dict())
    calendar = exports.prepare_case(timeline, axis="calendar", day_zero=start)  # no day 0 on a calendar
    assert calendar.events.set_index("event_id").loc["ensartinib-1l", "day_start"] == start[0]


def test_an_export_of_the_screens_view_is_the_export_of_its_axis_day_0_and_de_identification():
    from timelines.presentation import View
    from timelines.tables import day_zero_choices

    timeline = load_case(CASES / "ppamn-hmbox1-alk-ensartinib.yaml")
    start = day_zero_choices(event_table(timeline))["start:ensartinib-1l"]
    shown = View(axis="relative", unit="days", day_zero=start.day, day_zero_label=start.label, deidentified=True)
    by_view = exports.prepare_case(timeline, view=shown)
    by_choice = exports.prepare_case(timeline, axis="relative", day_zero=start, deidentify=True)
    assert (by_view.axis, by_view.day_zero_label, by_view.deidentified) == ("relative", "start of ensartinib", True)
    pd.testing.assert_frame_equal(by_view.events, by_choice.events)
    assert exports.prepare_case(timeline, view=View(axis="calendar", deidentified=True)).axis == "relative"


def test_the_axis_is_relative_when_deidentified_or_without_calendar_dates():
    assert exports.prepare_case(load_case(CASE2), axis="relative").axis == "relative"
    assert exports.prepare_case(load_case(CASE2), deidentify=True).axis == "relative"
    assert exports.prepare_case(load_case(CASES / "adeno-alk-miliary-alectinib.yaml")).axis == "relative"
    with pytest.raises(ValueError, match="Unknown axis 'sideways'"):
        exports.prepare_case(load_case(CASE2), axis="sideways")


@pytest.mark.parametrize("case_id, expected", [
    ("lcnec-alk-lorlatinib", "latest diagnosis"), ("ppamn-hmbox1-alk-ensartinib", "surgery"),
    ("adeno-alk-miliary-alectinib", "diagnosis")])
def test_day_zero_is_named_by_the_origin_event(case_id, expected):
    assert exports.prepare_case(load_case(CASES / f"{case_id}.yaml")).day_zero_label == expected


def _timeline_of(*events: dict):
    return load_text(yaml.safe_dump(make_case(*events)))


@pytest.mark.parametrize("deidentify, when", [(False, "2021-06-01"), (True, "day −70")])
def test_a_dose_change_reason_with_a_semicolon_stays_one_dated_change_in_the_deck(deidentify, when):
    # Regression: the de-identified text was split at '; ', so 'grade 3' became a second change, 'date removed'.
    timeline = _timeline_of(make_event(start="2021-01-01", dose_changes=[
        {"date": "2021-06-01", "dose": "300 mg", "reason": "liver toxicity; grade 3"}]))
    case = exports.prepare_case(timeline, deidentify=deidentify)
    rows = {event: text for _, event, text in exports.event_rows(case)}
    assert rows["alectinib 600 mg BID"] == f"600 mg BID; dose changes: {when}: 300 mg (liver toxicity; grade 3)"
    assert case.tables()["dose_changes"][["day_start_earliest", "day_start_latest", "dose", "reason"]].values.tolist() \
        == [[-70, -70, "300 mg", "liver toxicity; grade 3"]]


def test_an_imaging_finding_that_says_trend_keeps_its_finding_and_trend_in_the_exported_events():
    # Regression: trend and finding were read back from the details text ('trend: decreased elsewhere').
    timeline = _timeline_of(make_event(kind="imaging", id="ct", date="2021-03-01", modality="CT", drug=None,
                                       dose=None, start=None, ongoing=None,
                                       finding="new nodule; trend: decreased elsewhere", trend="new"))
    events = exports.prepare_case(timeline).tables()["events"].set_index("event_id")
    assert events.loc["ct", ["finding", "trend"]].tolist() == ["new nodule; trend: decreased elsewhere", "new"]


def test_key_events_say_a_field_with_a_semicolon_whole():
    # Regression: the deck's 'Dose / finding' split the details text at '; ', so a cause written with one
    # came out in two pieces, in the wrong order.
    timeline = _timeline_of(make_event(kind="status", id="death", date="2022-01-01", status="dead", drug=None,
                                       dose=None, start=None, ongoing=None, cause="progression; pneumonia"))
    rows = {event: text for _, event, text in exports.event_rows(exports.prepare_case(timeline))}
    assert rows["Dead"] == "dead; cause: progression; pneumonia"


def test_the_export_path_draws_every_row_even_when_altairs_guard_is_back_on():
    chart = alt.Chart(pd.DataFrame({"x": range(6000)})).mark_point().encode(x="x:Q")
    with alt.data_transformers.enable("default", max_rows=5000):  # what a host application might set
        assert len(exports.chart_spec(chart)["datasets"].popitem()[1]) == 6000
        with pytest.raises(alt.MaxRowsError):
            chart.to_dict()
    assert len(chart.to_dict()["datasets"].popitem()[1]) == 6000  # the theme's setting is back


def test_a_chart_is_rendered_once_for_its_png_and_its_svg_and_the_png_is_vl_converts_own(monkeypatch):
    import vl_convert as vlc

    from components.exports import rendering

    spec = exports.chart_spec(alt.Chart(pd.DataFrame({"x": [3, 1, 4]})).mark_point().encode(x="x:Q"))
    expected = vlc.vegalite_to_png(spec, scale=exports.PNG_SCALE)
    runs = []
    real = vlc.vegalite_to_svg
    monkeypatch.setattr(rendering, "_RENDERED", type(rendering._RENDERED)())
    monkeypatch.setattr(vlc, "vegalite_to_svg", lambda spec: runs.append(1) or real(spec))
    assert exports.chart_png(spec) == expected
    assert exports.chart_svg(spec).startswith(b"<svg") and exports.chart_png(dict(spec)) == expected
    assert len(runs) == 1, "Vega ran once for the PNG, the SVG and the same chart again"
    exports.chart_png({**spec, "width": 120})
    assert len(runs) == 2  # another chart is rendered


def _tiny_slides() -> list[exports.Slide]:
    png = exports.chart_png(alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q"))
    return [exports.Slide("title", "A case", lines=[("big", "Female · 50 years"), ("item", "Line 1 · drug")],
                          side=[("heading", "Outcomes"), ("item", "PFS"), ("value", "3 months")]),
            exports.Slide("chart", "Timeline", picture=png),
            exports.Slide("events", "Key events", rows=[("0.0", "Diagnosis", "stage IV")] * 3,
                          header=exports.EVENT_HEADER_RELATIVE)]


def test_the_same_slides_give_the_same_bytes_and_carry_no_export_date():
    slides = _tiny_slides()
    deck_a, deck_b = exports.pptx_bytes([slides]), exports.pptx_bytes([slides])
    assert deck_a == deck_b and exports.pdf_bytes([slides]) == exports.pdf_bytes([slides])
    with zipfile.ZipFile(io.BytesIO(deck_a)) as archive:
        assert {info.date_time for info in archive.infolist()} == {exports.ZIP_EPOCH}
        core = archive.read("docProps/core.xml").decode()
    assert "created" not in core and "modified" not in core
    assert not re.search(rb"/(CreationDate|ModDate)", exports.pdf_bytes([slides]))


def test_a_title_slide_with_too_much_to_say_keeps_every_section_and_counts_what_it_leaves_out():
    items = [("heading", "Diagnoses")] + [("item", f"Diagnosis {i} with a long description " * 2) for i in range(30)]
    items += [("heading", "Lines of therapy"), ("item", "Line 1 · drug, 3 months")]
    slide = exports.Slide("title", "A case", lines=[("big", "Female · 50 years")] + items,
                          side=[("heading", "Outcomes"), ("item", "PFS"), ("value", "3 months")])
    deck_ = Presentation(io.BytesIO(exports.pptx_bytes([[slide]])))
    text = "\n".join(s.text_frame.text for s in deck_.slides[0].shapes if s.has_text_frame)
    assert "Line 1 · drug, 3 months" in text and "Diagnosis 0 " in text and "Diagnosis 29 " not in text
    assert re.search(r"\+\d+ more not shown here", text)
    assert pdf_pages(exports.pdf_bytes([[slide]])) == 1


def test_the_pdf_spells_out_what_its_font_cannot_show():
    assert exports.pdf_text("IFN-γ ≥ 5 → −30 %") == "IFN-gamma >= 5 -> -30 %"
    assert exports.pdf_text("café – “quoted” …") == "café – “quoted” …"


@pytest.mark.parametrize("text, lines", [("short", 1), ("word " * 30, 4)])
def test_fit_text_cuts_to_the_lines_allowed(text, lines):
    fitted = exports.fit_text(text, 40, 3)
    assert len(wrap(fitted, 40)) == min(lines, 3)
    assert fitted.endswith("…") == (lines > 3)


# ---------------------------------------------------------------------------------------------------------------
# The command line: a whole session, a broken file among the cases
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("session")
    for path in CASE_FILES:
        shutil.copy(path, folder / path.name)
    shutil.copy(BROKEN, folder / "zz-broken.yaml")
    out = tmp_path_factory.mktemp("decks")
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = deck.main([str(folder), "--out", str(out), "--pdf", "--deidentify",
                            "--combined", "session.pptx"])
    seconds = time.perf_counter() - started
    print(f"\ndeck CLI: {len(CASE_FILES)} cases, deck + handout + session deck, de-identified: {seconds:.1f} s")
    return {"status": status, "out": out, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "seconds": seconds}


def test_the_cli_writes_a_deck_and_a_handout_per_case_and_reports_the_broken_file(cli_run):
    out, lines = cli_run["out"], cli_run["stdout"].splitlines()
    assert cli_run["status"] == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{neutral_file_stem(stem)}.{ext}" for stem in SEED_IDS for ext in ("pptx", "pdf")] +
        ["session.pptx", "session.pdf"]  # de-identified decks are named by the neutral id
        + [".timelines-written.json"])  # the list of what it wrote: the next run may replace those files
    assert len(lines) == 2 * len(SEED_IDS) + 2 and all(line.startswith("wrote ") for line in lines)
    assert re.search(r"zz-broken\.yaml:\d+:\d+: patient\.sex: ", cli_run["stderr"])
    assert f"{len(SEED_IDS)} of {len(SEED_IDS) + 1} cases written" in cli_run["stderr"]


def test_the_cli_runs_every_bundled_case_in_reasonable_time(cli_run):
    assert cli_run["seconds"] < CLI_SECONDS


@pytest.mark.parametrize("path", CASE_FILES, ids=SEED_IDS)
def test_deidentified_decks_of_every_case_hold_no_date_source_or_institution(cli_run, path):
    deck_bytes = (cli_run["out"] / f"{neutral_file_stem(path.stem)}.pptx").read_bytes()
    handout = (cli_run["out"] / f"{neutral_file_stem(path.stem)}.pdf").read_bytes()
    assert leaks(pptx_text(deck_bytes), path) == []
    assert leaks(pdf_text(handout), path) == []
    assert pdf_pages(handout) == len(Presentation(io.BytesIO(deck_bytes)).slides)


@pytest.mark.parametrize("path", CASE_FILES, ids=SEED_IDS)
def test_every_deck_lists_each_key_event_once_at_most_12_a_slide(cli_run, path):
    events = event_table(load_case(path))
    tables = [t for s in Presentation(str(cli_run["out"] / f"{neutral_file_stem(path.stem)}.pptx")).slides
              for t in _tables(s)]
    assert all(len(t.rows) - 1 <= exports.EVENT_ROWS for t in tables)
    assert sum(len(t.rows) - 1 for t in tables) == len(key_events(events, relative=True))


def test_the_session_deck_holds_every_case_after_a_session_slide(cli_run):
    counts = [len(Presentation(str(cli_run["out"] / f"{neutral_file_stem(stem)}.pptx")).slides) for stem in SEED_IDS]
    session = Presentation(str(cli_run["out"] / "session.pptx"))
    assert len(session.slides) == 1 + sum(counts)
    assert _title(session.slides[0]) == "Tumor board session (de-identified)"
    starts = [1 + sum(counts[:i]) for i in range(len(counts))]
    assert all(not _pictures(session.slides[i]) and not _tables(session.slides[i]) for i in starts)
    assert pdf_pages((cli_run["out"] / "session.pdf").read_bytes()) == len(session.slides)


def test_the_cli_names_a_path_that_does_not_exist(tmp_path, capsys):
    assert deck.main([str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out")]) == 1
    assert "nope.yaml: no such file or folder" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# Download buttons
# ---------------------------------------------------------------------------------------------------------------

EXPORT_APP = """
from components.pages.downloads import export_buttons
from timelines.reading.files import stamp
from timelines.presentation import View
path = {path!r}
export_buttons(path, stamp(path), View(axis="relative", deidentified={deidentify}))
"""


@pytest.mark.parametrize("case_id, deidentify, buttons", [
    ("lcnec-eml4-alk-alectinib-case2", True, 3 + 2 * 2),
    ("adeno-alk-miliary-alectinib", False, 3 + 1 + 2 * 3 + 1)])  # + the FHIR bundle and the cBioPortal study,
    # offered for identified views only
def test_export_buttons_offer_slides_handout_events_and_each_chart(case_id, deidentify, buttons):
    from streamlit.testing.v1 import AppTest

    script = EXPORT_APP.format(path=str(CASES / f"{case_id}.yaml"), deidentify=deidentify)
    at = AppTest.from_string(script, default_timeout=60)
    at.run()
    assert not at.exception
    assert len(at.get("download_button")) == buttons
    assert bool(at.caption) == deidentify


def test_each_export_file_is_made_once_per_version_and_choice(monkeypatch):
    from components.pages import cache

    cache.export_file.clear()
    cache.export_slides.clear()
    path = str(CASE2)
    view = View(axis="relative", deidentified=True)
    made = []
    real = exports.case_slides
    monkeypatch.setattr(exports, "case_slides", lambda case: made.append(case.case_id) or real(case))
    events = cache.export_file(path, stamp(path), view, "events.csv")
    assert cache.export_file(path, stamp(path), view, "events.csv") == events
    frame = pd.read_csv(io.BytesIO(events))
    assert "quote" not in frame.columns and frame["start"].isna().all()
    assert [name for _, name in export_files(cache.export_case(path, stamp(path), view))][3:] == [
        "timeline.png", "timeline.svg", "lesions.png", "lesions.svg"]
    deck, handout = cache.export_file(path, stamp(path), view, "pptx"), cache.export_file(path, stamp(path), view, "pdf")
    assert deck[:2] == b"PK" and handout[:5] == b"%PDF-"
    assert len(made) == 1, "the deck and the handout share their pages"
    assert cache.export_file(path, stamp(path), View(axis="relative"), "events.csv") != events  # another choice


def test_charts_and_key_events_never_read_the_details_text():
    # The details column is for display: what a chart or a slide needs is a column of its own. Text that looks
    # like other fields, put in every row's details, changes nothing but the details shown.
    from dataclasses import replace

    case = exports.prepare_case(load_case(CASE2))
    poisoned = replace(case, events=case.events.assign(
        details="category: PD; status: dead; trend: increased; finding: none; stage: IV"))

    def shown(export) -> tuple:
        specs = [exports.chart_spec(chart) for chart in exports.case_charts(export).values()]
        rows = [{k: v for k, v in row.items() if k != "details"}
                for spec in specs for rows in spec.get("datasets", {}).values() for row in rows]
        return rows, exports.event_rows(export)

    assert shown(poisoned) == shown(case)


def test_the_events_csv_download_writes_no_live_formula():
    """OWASP CSV injection: the dashboard's events CSV (Downloads: 'Events (CSV)') quotes a label, quote or note
    that a spreadsheet would run; numbers stay numbers."""
    import csv

    document = make_case(make_event(label="=HYPERLINK(\"http://x.example\")", quote="-1 dose level", note="@x"))
    case = exports.prepare_case(load_text(yaml.safe_dump(document), "example.yaml"))
    rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(case.tables()["events"]).decode())))
    tki = next(r for r in rows if r["event_id"] == "tki")
    assert (tki["label"], tki["quote"], tki["note"], tki["day_start"]) == (
        "'=HYPERLINK(\"http://x.example\")", "'-1 dose level", "'@x", "22")


def test_the_deck_command_does_not_write_through_a_link_planted_in_out(tmp_path, capsys):
    out, outside = tmp_path / "out", tmp_path / "outside.txt"
    out.mkdir()
    outside.write_text("keep\n")
    (out / "lcnec-alk-lorlatinib.pptx").symlink_to(outside)
    assert deck.main([str(CASES / "lcnec-alk-lorlatinib.yaml"), "--out", str(out), "--force"]) == 1
    assert outside.read_text() == "keep\n"
    assert capsys.readouterr().err.startswith(
        f"{out}/lcnec-alk-lorlatinib.pptx: This is a symbolic link; nothing is written through a link. Hint: Delete "
        "the link, or choose another --out folder.\n")


@pytest.mark.parametrize("count, sizes", [(1, [1]), (6, [6]), (7, [4, 3]), (13, [5, 5, 3]), (19, [5, 5, 5, 4])])
def test_endpoints_are_shared_evenly_between_as_few_slides_as_hold_them(count, sizes):
    """Thirteen endpoints (the thyroid case) went 6, 6 and 1: a slide holding a single line. They go 5, 5, 3."""
    from components.exports.slides import endpoint_slides

    summary = {"outcomes": [{"label": f"Endpoint {i}", "text": "4 months", "note": "censored"} for i in range(count)]}
    slides = endpoint_slides(summary)
    assert [sum(1 for kind, _ in s.lines if kind == "item") for s in slides] == sizes
    assert [s.title for s in slides][-1] == ("Endpoints" if len(sizes) == 1 else f"Endpoints ({len(sizes)}/{len(sizes)})")
