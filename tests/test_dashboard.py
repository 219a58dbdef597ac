"""The dashboard, headless (Streamlit AppTest): every case opens; broken files and bad links are explained."""

import json
import re
import shutil

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from conftest import CASE_FILES, CASES, ROOT

APP = str(ROOT / "dashboard.py")


pytestmark = pytest.mark.usefixtures("fresh_cache")


def open_app(case: str | None = None, cases_dir=None, view: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if cases_dir is not None:
        at.secrets["cases_dir"] = str(cases_dir)
    if case:
        at.query_params["case"] = case
    if view:
        at.query_params["view"] = view
    return at.run()


def event_rows(at: AppTest) -> pd.DataFrame:
    """The event table the page shows (its reading table, every cell in full), by its column titles."""
    import io

    body = next(h.proto.body for h in at.get("html") if 'class="event-table"' in h.proto.body)
    return pd.read_html(io.StringIO(body), flavor="lxml", keep_default_na=False)[0].astype(str)


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def every_page(at: AppTest, view: str) -> list:
    """The charts of every page of a Lesions or Markers tab (a page holds the panels a 1280x720 screen fits)."""
    key = {"lesions": "lesion_panels", "markers": "marker_panels"}[view]
    if key not in at.session_state:  # one page
        return charts(at)
    found = []
    for page in range(len(at.segmented_control(key=key).options)):
        at.segmented_control(key=key).set_value(page).run()
        found += charts(at)
    return found


def chart_data(element) -> pd.DataFrame:
    """Every row a chart ships to the browser (its datasets travel as Arrow IPC beside the spec)."""
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def spec(element) -> dict:
    return json.loads(element.proto.spec)


@pytest.mark.parametrize("view", ["timeline", "lesions", "markers"])
@pytest.mark.parametrize("case_id", [p.stem for p in CASE_FILES])
def test_every_view_of_every_case_draws_its_chart(case_id, view):
    at = open_app(case_id, view=view)
    assert not at.exception
    assert charts(at), "a chart, or one per panel of a stack"
    assert all(not chart_data(c).empty for c in charts(at))


def datasets(element) -> list[pd.DataFrame]:
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets]


def test_the_lorlatinib_bar_is_ongoing():
    element = charts(open_app("lcnec-alk-lorlatinib", view="timeline"))[0]
    arrows = [d for d in datasets(element) if "x_end" in d.columns and "x" not in d.columns]
    assert len(arrows) == 1 and arrows[0]["lane"].tolist() == ["lorlatinib"]


def test_the_lesion_chart_holds_the_measured_sizes():
    rows = pd.concat([chart_data(c) for c in charts(open_app("lcnec-alk-lorlatinib", view="lesions"))])
    frontal = rows[rows["lesion_label"].fillna("").str.startswith("Left frontal")]
    assert sorted(frontal["recist_mm"]) == [6.0, 11.0, 12.0]


def test_the_marker_chart_flags_amylase_above_its_range():
    rows = pd.concat([chart_data(c) for c in every_page(open_app("adeno-alk-miliary-alectinib", view="markers"),
                                                         "markers")])
    amylase = rows[(rows["marker"] == "Total amylase (serum)") & (rows["value"] == 584.0)]
    assert len(amylase) == 1 and "high" in amylase["flag_text"].iloc[0]


def test_switching_to_the_relative_axis_changes_the_x_encoding():
    at = open_app("lcnec-alk-lorlatinib", view="timeline")
    before = json.dumps(spec(charts(at)[0]))
    at.sidebar.radio(key="axis").set_value("relative").run()
    after = json.dumps(spec(charts(at)[0]))
    assert not at.exception and before != after and "Months since" in after


def test_stacked_panels_are_drawn_one_chart_each_fitted_to_the_page_with_one_left_edge():
    """Vega cannot fit a stack of panels to the page (they kept about half of a 1920-px screen): each panel is
    its own chart fitted to the page's width, every y axis as wide as the others so the plots line up."""
    from components.charts.display import Y_AXIS_PX

    panels = [spec(c) for c in every_page(open_app("lcnec-alk-lorlatinib", view="lesions"), "lesions")]
    assert len(panels) == 4  # one per lesion (two), sum of targets with RECIST lines, imaging without sizes
    assert all(p["autosize"]["type"] == "fit-x" and "width" not in p and "vconcat" not in p for p in panels)
    assert all(p["config"]["axisY"]["minExtent"] == p["config"]["axisY"]["maxExtent"] == Y_AXIS_PX for p in panels)
    # The imaging panel has no y axis: it is padded by the axis's width instead.
    assert [p["padding"]["left"] - panels[0]["padding"]["left"] for p in panels] == [0, 0, 0, Y_AXIS_PX]
    timeline = spec(charts(open_app("ppamn-hmbox1-alk-ensartinib", view="timeline"))[0])
    assert timeline["autosize"]["type"] == "fit-x"
    # The timeline's legends sit beside the plot (stacked under it, they fell below a 1280x720 screen).
    assert timeline["config"]["legend"]["orient"] == "right"
    assert all(len(line) <= 80 for line in timeline["title"]["text"])  # the key wraps instead of being cut


def test_a_case_without_calendar_offers_only_the_relative_axis():
    at = open_app("adeno-alk-leptomeningeal-alectinib", view="timeline")
    assert at.sidebar.radio(key="axis").options == ["Relative"]


def test_day_zero_can_be_the_start_of_a_therapy():
    at = open_app("ppamn-hmbox1-alk-ensartinib", view="timeline")
    at.sidebar.radio(key="axis").set_value("relative").run()
    at.sidebar.selectbox(key="day_zero").set_value("start:ensartinib-1l").run()
    assert not at.exception
    assert "Months since start of ensartinib" in json.dumps(spec(charts(at)[0]))


def x_domains(node) -> list:
    """Every explicit x-scale domain in a spec."""
    found = []
    if isinstance(node, dict):
        x = node.get("encoding", {}).get("x", {}) if isinstance(node.get("encoding"), dict) else {}
        if isinstance(x, dict) and isinstance(x.get("scale"), dict) and "domain" in x["scale"]:
            found.append(x["scale"]["domain"])
        for value in node.values():
            found += x_domains(value)
    elif isinstance(node, list):
        for value in node:
            found += x_domains(value)
    return found


def first_year(domains: list) -> int | None:
    starts = [d[0] for d in domains if isinstance(d, list) and d]
    years = [int(str(v.get("year", v) if isinstance(v, dict) else v)[:4]) for v in starts]
    return min(years) if years else None


def test_a_long_history_opens_focused_and_can_show_everything():
    at = open_app("lcnec-alk-lorlatinib", view="timeline")
    assert first_year(x_domains(spec(charts(at)[0]))) >= 2021  # the 2007 breast cancer is out of view
    at.toggle(key="whole_history").set_value(True).run()
    whole = first_year(x_domains(spec(charts(at)[0])))
    assert whole is None or whole <= 2007


@pytest.mark.parametrize("case_id", [p.stem for p in CASE_FILES])
def test_every_case_opens_by_deep_link_without_exception(case_id):
    at = open_app(case_id)
    assert not at.exception
    assert not at.error
    assert at.query_params["case"] == [case_id] or at.query_params["case"] == case_id


def test_the_case_header_shows_patient_diagnoses_lines_and_outcomes():
    at = open_app("lcnec-alk-lorlatinib")
    text = " ".join(m.value for m in at.markdown)
    assert "55 years" in text and "pT2aN2M0" in text and "Line 1" in text and "lorlatinib" in text
    assert "paper 25\\+ ✓" in text
    assert not at.dataframe, "the details are drawn when opened"
    at.session_state["case_details"] = True
    at.run()
    outcomes = at.dataframe[0].value
    pfs = outcomes[outcomes["Outcome"].str.startswith("PFS")].iloc[0]
    assert pfs["Paper (months)"] == "25+" and pfs[""] == "✓ consistent"


def test_the_picker_moves_the_deep_link():
    at = open_app("lcnec-alk-lorlatinib")
    at.sidebar.selectbox(key="case_picker").set_value("adeno-alk-miliary-alectinib").run()
    assert not at.exception
    assert at.query_params["case"] in (["adeno-alk-miliary-alectinib"], "adeno-alk-miliary-alectinib")
    assert "miliary" in at.header[0].value.lower()


def test_an_unknown_case_id_gives_a_friendly_message():
    at = open_app("no-such-case")
    assert not at.exception
    assert "There is no case with the id" in at.warning[0].value


def test_a_broken_file_shows_its_problems_and_the_other_cases_keep_working(tmp_path):
    for path in CASE_FILES[:2]:
        shutil.copy(path, tmp_path / path.name)
    broken = (CASES / CASE_FILES[0].name).read_text(encoding="utf-8").replace("kind: imaging", "kind: imagin", 1)
    (tmp_path / "zz-broken.yaml").write_text(broken.replace(f"id: {CASE_FILES[0].stem}", "id: zz-broken", 1))
    at = open_app("zz-broken", cases_dir=tmp_path)
    assert not at.exception
    assert "cannot be shown" in at.error[0].value
    assert "zz-broken.yaml:" in at.code[0].value and "Unknown event kind 'imagin'" in at.code[0].value
    at.sidebar.selectbox(key="case_picker").set_value(CASE_FILES[1].stem).run()
    assert not at.exception and not at.error


def test_an_edited_file_shows_up_on_the_next_rerun(tmp_path):
    target = tmp_path / CASE_FILES[0].name
    shutil.copy(CASE_FILES[0], target)
    at = open_app(CASE_FILES[0].stem, cases_dir=tmp_path)
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("title: ", "title: EDITED ", 1), encoding="utf-8")
    at.run()
    assert at.header[0].value.startswith("EDITED")


def test_the_event_table_filters_by_kind_and_offers_a_csv():
    at = open_app("ppamn-hmbox1-alk-ensartinib", view="events")
    at.multiselect(key="event_kinds").set_value(["targeted"]).run()
    table = event_rows(at)
    assert set(table["Kind"]) == {"targeted"} and len(table) == 2
    assert "Source quote" in table.columns
    at.toggle(key="event_grid").set_value(True).run()  # the sortable grid: the same rows and columns
    grid = next(d.value for d in at.dataframe if "kind_text" in d.value.columns)  # not the molecular results
    assert set(grid["kind_text"]) == {"targeted"} and len(grid) == 2 and "quote" in grid.columns



def screen_text(at: AppTest) -> str:
    """Everything the page shows or ships: texts, chart specs and data, tables."""
    texts = [h.value for h in at.header] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    charts_ = [e.proto.spec for e in at.get("vega_lite_chart")] + [chart_data(e).to_csv() for e in at.get("vega_lite_chart")]
    tables_ = [df.value.to_csv() for df in at.dataframe] + [h.proto.body for h in at.get("html")]
    return " ".join(texts + charts_ + tables_)


@pytest.mark.parametrize("view", ["timeline", "lesions", "markers", "events"])
def test_a_deidentified_screen_shows_no_calendar_date_or_source(view):
    import re

    at = open_app("lcnec-alk-lorlatinib", view=view)
    at.session_state["case_details"] = True  # the details box too (outcomes, notes)
    at.run()
    assert re.search(r"\b20\d\d\b", screen_text(at)), "the identified screen has dates (control)"
    at.sidebar.toggle(key="deidentify").set_value(True).run()
    assert at.dataframe, "the details box stays open"
    shown = screen_text(at)
    assert not at.exception
    assert not re.search(r"\b(?:19|20)\d\d\b", shown), "a year or date is on the de-identified screen"
    assert "yaml" not in shown.lower() and "Tianjin" not in shown
    assert at.sidebar.radio(key="axis").options == ["Relative"]


def test_the_cohort_page_draws_the_swimmer_spider_and_waterfall():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "cohort"
    at.run()
    assert not at.exception and len(charts(at)) == 3


def test_the_case_page_offers_its_exports():
    at = open_app("lcnec-eml4-alk-alectinib-case2")
    assert not at.get("download_button"), "the buttons are made when the export box is opened"
    at.session_state["exports_open"] = True
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    # Each button names what it holds and its format in full, one to a row (three to a row cut them to 'Sli…').
    assert labels == ["Slides for the board (PPTX)", "Handout (PDF)", "Event table (CSV)", "FHIR bundle, mCODE (JSON)",
                      "Timeline chart, image (PNG)", "Timeline chart, drawing (SVG)", "Lesions chart, image (PNG)",
                      "Lesions chart, drawing (SVG)", "cBioPortal study (ZIP)"]
    assert not [c for c in at.sidebar.columns if c.get("download_button")], "no button shares a row"


def test_tumor_board_mode_steps_through_summary_charts_and_key_events_and_exits():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["case"] = "lcnec-alk-lorlatinib"
    at.query_params["page"] = "board"
    at.run()
    seen = []
    for _ in range(14):
        assert not at.exception
        step = at.query_params["step"]
        seen.append((step if isinstance(step, str) else step[0], len(charts(at)), len(at.table)))
        if at.button(key="board_next").disabled:
            break
        at.button(key="board_next").click().run()
    # This case reports no marker value: no Markers step (the summary says so). Its 18 key events take two pages
    # of a 1280x720 screen (the board's layout without a browser to say its size).
    # The endpoints (each with what ended or censored it, the best response per line, the definitions) take four.
    # The lesions take two: the two lesions' panels, then the RECIST sum and the imaging findings, each readable.
    assert [s[0] for s in seen] == ["summary"] + ["endpoints"] * 4 + ["timeline"] + ["lesions"] * 2 + ["events"] * 4
    assert [s[1] > 0 for s in seen] == [False] * 5 + [True] * 3 + [False] * 4 and seen[-1][2] == 1
    at.button(key="board_back").click().run()
    assert at.query_params["step"] in ("events", ["events"]) and len(at.table) == 1
    at.button(key="board_exit").click().run()
    assert not at.exception and at.query_params["page"] in ("case", ["case"]) and len(charts(at)) == 1


def test_the_board_summary_names_a_systemic_therapy_written_without_a_line():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(case="gist-duodenum-duodenectomy-imatinib", page="board", step="summary")
    text = " ".join(m.value for m in at.run().markdown)
    # The case has no calendar dates and imatinib no `line:`: it is named with when it started, in months.
    assert "**Systemic therapy outside the numbered lines** · imatinib \\(months 0–24\\)" in text


def test_the_board_switches_de_identification_itself_and_says_so():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(case="lcnec-alk-lorlatinib", page="board", step="summary")
    at.run()
    assert "De-identified**" not in at.markdown[0].value
    at.toggle(key="board_deidentify").set_value(True).run()
    assert not at.exception and at.session_state["deidentify"] is True
    assert "**De-identified**" in at.markdown[0].value and at.query_params["deid"] in ("1", ["1"])
    assert "2007" not in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("case_id", [p.stem for p in CASE_FILES])
def test_a_chart_the_case_has_no_data_for_is_neither_a_view_nor_a_board_step(case_id):
    from timelines.presentation import has_data
    from timelines.reading.loading import load_case
    from timelines.tables import event_table, marker_table, measurement_table

    timeline = load_case(ROOT / "cases" / f"{case_id}.yaml")
    tables = event_table(timeline), measurement_table(timeline), marker_table(timeline)
    expected = [v for v in ("timeline", "lesions", "markers", "events") if has_data(v, *tables)]
    at = open_app(case_id)
    assert at.segmented_control(key="view").options == [v.capitalize() for v in expected]
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(case=case_id, page="board", step="markers")
    at.run()
    assert not at.exception
    step = at.query_params["step"]
    assert (step if isinstance(step, str) else step[0]) == ("markers" if "markers" in expected else "summary")
    if "markers" not in expected:
        assert "No tumor marker or lab value in this case" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("case_id", [p.stem for p in CASE_FILES])
def test_the_case_header_and_the_board_summary_list_the_same_outcomes(case_id):
    # The header says each outcome on one line as '_what_ **figure**' (cut in its words on a narrow screen), at most
    # a few of them, then how many more its Details list.
    header = "\n".join(m.value for m in open_app(case_id).markdown).split("\n")
    shown = [re.sub(r"^- _(.+)_ \*\*(.+)\*\*$", r"\1\\: \2", line) for line in header if line.startswith("- _")]
    more = [int(m.group(1)) for line in header if (m := re.match(r"- … (\d+) more outcomes in Details", line))]
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(case=case_id, page="board", step="summary")
    board = "  \n".join(m.value for m in at.run().markdown)  # each markdown block starts a line
    lines = board.split("  \n")
    outcomes = [line for line in lines if ": " in line and "months" in line and not line.startswith(":gray[")]
    listed = [line for line in shown if line in outcomes]
    assert outcomes and listed == outcomes[:len(listed)] and len(listed) + sum(more) == len(outcomes)
    # the board's Endpoints step says what ended or censored each figure, and how each endpoint is defined
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(case=case_id, page="board", step="endpoints")
    table = at.run().table[0].value
    assert list(table.columns) == ["From the dates · the paper", "Ended or censored by"]
    assert table["Ended or censored by"].str.contains("censored|recorded|death|progression").any()


@pytest.mark.parametrize("case_id", [p.stem for p in CASE_FILES])
def test_the_event_table_says_when_first_in_words_and_never_none(case_id):
    at = open_app(case_id, view="events")
    assert not at.exception
    table = event_rows(at)
    assert list(table.columns[:3]) == ["When", "Event", "Dates"]  # in words and what, then the dates they allow
    assert "As written in the case file" in table.columns and "start" not in table.columns
    assert not table.isin(["None", "nan", "<NA>"]).any().any()
    assert table["When"].str.len().gt(0).all()


def test_a_fusion_abundance_is_listed_with_the_molecular_results_not_drawn_as_a_marker():
    at = open_app("ppamn-hmbox1-alk-ensartinib", view="events")
    assert not at.exception
    assert "markers" not in [o.lower() for o in at.segmented_control(key="view").options]  # no lab value left
    molecular = [d.value for d in at.dataframe if list(d.value.columns) == ["When", "Test", "Findings"]]
    assert len(molecular) == 1
    assert molecular[0]["Test"].tolist()[-1] == "NGS at progression: HMBOX1::ALK 31%, NF2 variant 84%"
    assert "HMBOX1::ALK fusion 31%" in molecular[0]["Findings"].tolist()[-1]
    gist = open_app("gist-duodenum-duodenectomy-imatinib", view="markers")  # a case with lab values: in Markers
    assert [d.value["Test"].tolist() for d in gist.dataframe] == [["IHC: CD117 strongly positive, CD34 focal"]]


def test_day_0_choices_are_named_in_words_not_in_the_files_syntax():
    """'start of imatinib · after final diagnosis (day 0–731)', not '· after gist-final'."""
    from components.pages.pickers import day_zero_labels
    from timelines import load_case
    from timelines.tables import day_zero_choices, event_table

    events = event_table(load_case(ROOT / "cases" / "gist-duodenum-duodenectomy-imatinib.yaml"))
    labels = day_zero_labels(day_zero_choices(events), events)
    assert labels["start:imatinib"] == "start of imatinib · after final diagnosis (day 0–731)"
    assert not any("gist-final" in label or "ct-abdomen" in label for label in labels.values())


def test_the_event_table_shows_every_when_and_every_window_whole():
    """The grid cut a long when at its cell's edge ('after day −5359 to −4995, before modified radical mastect'):
    the reading table says each in full, wrapped, and folds only a long detail, quote or note (whole when opened)."""
    at = open_app("lcnec-alk-lorlatinib", view="events")
    table = event_rows(at)
    assert table["When"].iloc[0] == "after 2007, before modified radical mastectomy (2007-07)"
    assert table["Dates"].iloc[0] == "2007 – 2007-07"
    assert table["When"].str.len().max() == 155  # the longest when, whole
    body = next(h.proto.body for h in at.get("html") if 'class="event-table"' in h.proto.body)
    assert body.count("<details>") > 0 and body.count('<col style="width: 230px">') == 2  # when and event


def test_a_long_quote_is_folded_to_its_first_words_and_whole_when_opened():
    from components.pages.event_table import cell_html

    quote = "word " * 60 + "<b>end</b>"
    folded = cell_html(quote.strip(), foldable=True)
    assert folded.startswith('<details><summary><span class="head">word word')
    assert folded.endswith("word &lt;b&gt;end&lt;/b&gt;</details>") and "<b>" not in folded
    assert cell_html("after surgery (2021-09) <i>", foldable=True) == "after surgery (2021-09) &lt;i&gt;"
    assert cell_html("x " * 200) == escape_html("x " * 200)  # a when is never folded


def escape_html(text: str) -> str:
    import html

    return html.escape(text)


def plot_heights(at: AppTest) -> list:
    return [spec(c)["height"] for c in charts(at)]


def test_the_lesions_tab_shows_the_panels_a_screen_holds_each_plot_at_least_90_px():
    """At 1280x720 the two lesions, the RECIST sum and the imaging findings ran to 1,041 px: a page holds the
    panels the screen leaves room for, each plot at least 90 px tall; a 1920x1080 screen holds all four."""
    at = open_app("lcnec-alk-lorlatinib", view="lesions")
    assert at.segmented_control(key="lesion_panels").options == ["Panels 1–2", "3–4"]
    first = plot_heights(at)
    assert len(first) == 2 and min(first) >= 90
    at.segmented_control(key="lesion_panels").set_value(1).run()
    second = [spec(c) for c in charts(at)]
    assert "Sum of target lesion diameters" in json.dumps(second[0]["title"]) and len(second) == 2
    assert second[0]["height"] >= 90
    big = AppTest.from_file(APP, default_timeout=60)
    big.query_params.update(case="lcnec-alk-lorlatinib", view="lesions", screen="1920x1080")
    big.run()
    assert "lesion_panels" not in big.session_state and len(charts(big)) == 4
    assert min(h for h in plot_heights(big) if isinstance(h, int)) >= 90


def test_the_markers_tab_pages_its_panels_and_lists_results_in_words_under_the_last():
    at = open_app("mtc-pseudocirrhosis-sunitinib-sorafenib", view="markers")
    assert at.segmented_control(key="marker_panels").options == ["Panels 1–2", "3–4", "5"]
    assert min(plot_heights(at)) >= 90 and not any("Results in words" in m.value for m in at.markdown)
    at.segmented_control(key="marker_panels").set_value(2).run()
    assert len(charts(at)) == 1
    words = next(m.value for m in at.markdown if m.value.startswith("**Results in words only**"))
    assert "**within normal limits** (2008\\-01): Complete blood count, Comprehensive metabolic panel" in words
