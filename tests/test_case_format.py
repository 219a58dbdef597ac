"""What real case reports say, and the format now lets an author write as the paper does: a response or an
adverse event in the paper's words, a surgical outcome, pack-years, a figure in weeks or in words, and any other
interval the paper states, compared with what the dates give. Each with its located message when it is wrong."""

from __future__ import annotations

import json

import pytest

from timelines import CaseFileError, load_case, load_text
from timelines.cohort import best_response, swimmer_table
from timelines.endpoints.clinical import outcomes
from timelines.reading.catalog import patient_line
from timelines.summary import case_summary, outcome_text, patient_text, summary_text
from timelines.tables import event_table

from conftest import ROOT

EXAMPLE = ROOT / "tests" / "examples" / "egfr-described-findings.yaml"


@pytest.fixture(scope="module")
def timeline():
    return load_case(EXAMPLE)


def test_a_response_in_the_papers_words_is_labelled_with_them_and_never_counted_as_recist(timeline):
    events = event_table(timeline)
    response = events[events["kind"] == "response"].iloc[0]
    assert response["label"] == "responded dramatically"
    assert "description: responded dramatically" in response["details"]
    assert best_response(timeline) == ""  # no category is invented
    swimmer = swimmer_table([timeline])
    assert swimmer.loc[swimmer["category"] == "response", "detail"].tolist() == ["responded dramatically"]


def test_an_adverse_event_without_a_term_and_a_surgical_outcome_are_shown_as_written(timeline):
    events = event_table(timeline)
    assert "could not tolerate the fourth cycle" in events["label"].tolist()
    surgery = events[events["kind"] == "surgery"].iloc[0]
    assert "outcome: without causing morbidity" in surgery["details"]


def test_pack_years_are_part_of_the_patient_line(timeline):
    assert patient_line(timeline).startswith("M 67 y, former smoker, 40 pack-years")
    assert patient_text(case_summary(timeline)["patient"]) == "Male · 67 years · former smoker, 40 pack-years"


def test_figures_in_weeks_in_words_and_other_intervals_are_compared_as_the_paper_gives_them(timeline):
    found = {o.label: o for o in outcomes(timeline)}
    interval = found["No recurrence after stopping gefitinib"]
    assert (interval.text, interval.reported_text, interval.consistent) == ("13–15+ months", "14+ months", True)
    words = found["Long-term survival"]
    assert (words.reported_text, words.reported_readings, words.consistent) == ("long-term", [], None)
    weeks = found["Time to first response assessment"]
    assert weeks.reported_text == "8 weeks" and weeks.reported_months == pytest.approx(1.84, abs=0.01)
    text = summary_text(case_summary(timeline))
    assert "No recurrence after stopping gefitinib: 13–15+ months; paper: 14+ months (consistent)" in text
    assert "Long-term survival: 47–49+ months; paper: long-term (in words, not compared)" in text
    assert outcome_text(interval.as_dict()) == ("No recurrence after stopping gefitinib: 13–15+ months · "
                                                "paper 14+ (consistent)")
    # gefitinib has no `line:`: it is line 1 by inference (the chemotherapy after the lobectomy is adjuvant), so
    # the 8 weeks meet a PFS computed from the dates
    assert outcome_text(weeks.as_dict()) == "Time to first response assessment: 2+ months · paper 8 weeks (consistent)"


def problem(text_changes: list[tuple[str, str]]) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in text_changes:
        assert old in text
        text = text.replace(old, new, 1)
    with pytest.raises(CaseFileError) as raised:
        load_text(text, "x/egfr-described-findings.yaml")
    return raised.value.first.format()


@pytest.mark.parametrize("changes, expected", [
    ([("description: responded dramatically, ", "")],
     "x/egfr-described-findings.yaml:21:5: events[11]: A response needs category: (CR, PR, SD, PD or NE, as the paper states it) or "
     "description: (its words when it gives none, e.g. 'responded dramatically'). Hint: Never choose a category "
     "the paper does not give; write description: instead."),
    ([("description: could not tolerate the fourth cycle, ", "")],
     "x/egfr-described-findings.yaml:11:5: events[2]: An adverse event needs term: (e.g. 'rash', a CTCAE term) or description: (the "
     "paper's words when it names none, e.g. 'could not tolerate'). Hint: Add the one the paper gives."),
    ([("length: 8 weeks", "months: 8 weeks")],
     "x/egfr-described-findings.yaml:24:39: reported[0].months: Expected a number, got text. Value: '8 weeks'. Hint: The paper gives it "
     "in another unit: write length: 8 weeks in place of months: (it is compared as 1.8 months); do not drop "
     "the unit."),
    ([("length: 8 weeks", "length: 8 weeks, months: 2")],
     "x/egfr-described-findings.yaml:24:5: reported[0]: This figure has both months and length. Hint: Keep the one the paper uses."),
    ([("description: long-term, ", "")],
     "x/egfr-described-findings.yaml:25:5: reported[1]: A reported figure needs months: (a number), length: (with its unit, e.g. "
     "'8 weeks') or description: (the paper's words when it gives no number, e.g. 'long-term'). Hint: Add the "
     "one the paper gives."),
    ([("from: gef.end", "from: gefitnib.end")],
     "x/egfr-described-findings.yaml:26:75: reported[2].from: 'gefitnib' is not the id of any event or diagnosis. "
     "Hint: Valid: adj, ct-suspicion, dx, ebus, gef, lobectomy, pleural-biopsy, recurrence."),
    ([("from: gef.end, ", "")],
     "x/egfr-described-findings.yaml:26:5: reported[2]: An interval needs from:, to: and label:. Hint: E.g. name: interval, label: "
     "Recurrence-free after stopping gefitinib, from: gefitinib.end, to: last follow-up."),
    ([("to: last follow-up", "to: the last visit")],
     "x/egfr-described-findings.yaml:26:88: reported[2].to: Expected an event id, 'id.end' or 'last follow-up', got 'the last visit'. "
     "Hint: An interval runs between two points of the case, e.g. from: gefitinib.end, to: recurrence."),
    ([("kind: surgery", "kind: surgical")],
     "x/egfr-described-findings.yaml:9:27: events[0].kind: Unknown event kind 'surgical'. Hint: Did you mean 'surgery'? Valid: "
     "adverse_event, biopsy, chemotherapy, diagnosis, endocrine, imaging, immunotherapy, lab, molecular, "
     "other, progression, radiotherapy, response, status, supportive, surgery, symptom, targeted."),
    ([("pack_years: 40", "pack_years: forty")],
     "x/egfr-described-findings.yaml:5:60: patient.pack_years: Expected a number, got text. Value: 'forty'. Hint: Write "
     "the number alone, without its unit (a lab value's unit goes in unit:)."),
    ([("certainty: refuted, settled_by: ebus", "settled_by: ebus")],
     "x/egfr-described-findings.yaml:12:95: events[3].settled_by: This names the event that confirmed or refuted it "
     "(settled_by:), but its certainty is not confirmed or refuted. Hint: Add certainty: confirmed (or refuted)."),
    ([("specimen_of: pleural-biopsy", "specimen_of: gef")],
     "x/egfr-described-findings.yaml:16:64: events[7].specimen_of: 'gef' is a targeted event, not a biopsy or "
     "surgery. Hint: Valid: ebus, lobectomy, pleural-biopsy."),
    ([("certainty: refuted", "certainty: ruled out")],
     "x/egfr-described-findings.yaml:12:94: events[3].certainty: 'ruled out' is not one of the allowed values. "
     "Hint: Valid: confirmed, refuted, suspected."),
])
def test_each_new_form_when_wrong_gets_one_located_message(changes, expected):
    assert problem(changes) == expected


def test_a_refuted_suspicion_is_labelled_so_and_never_ends_a_pfs_or_a_dfs(timeline):
    events = event_table(timeline).set_index("event_id")
    assert events.loc["ct-suspicion", "label"] == "Progression (mediastinal nodes) (refuted)"
    assert "refuted by: EBUS-TBNA biopsy (2019-05)" in events.loc["ct-suspicion", "details"]
    assert "confirmed by: thoracoscopic pleural biopsy (2019-06)" in events.loc["recurrence", "details"]
    dfs = next(o for o in outcomes(timeline) if o.name == "dfs")
    assert dfs.text == "13–15 months"  # to the confirmed recurrence (2019-06), not the refuted CT (2019-04)
    swimmer = swimmer_table([timeline])
    assert swimmer.loc[swimmer["category"] == "progression", "detail"].tolist() == ["pleura"]


def test_a_molecular_test_and_its_specimen_are_shown_together(timeline):
    events = event_table(timeline).set_index("event_id")
    assert "specimen tested: EGFR (L858R) (2019-06)" in events.loc["pleural-biopsy", "details"]
    molecular = events[events["kind"] == "molecular"].iloc[0]
    assert "tested on the specimen of: thoracoscopic pleural biopsy (2019-06)" in molecular["details"]


def test_a_transformation_is_a_diagnosis_linked_to_the_original(timeline):
    events = event_table(timeline)
    transformed = events[events["label"].str.startswith("Transformation")].iloc[0]
    assert transformed["label"] == "Transformation to small-cell carcinoma (from adenocarcinoma)"
    assert "primary: dx" in transformed["details"]


def test_tumour_markers_and_other_labs_are_told_apart_by_name_or_by_the_authors_group(timeline):
    from timelines.tables import marker_table

    groups = marker_table(timeline).set_index("marker")["group"].to_dict()
    assert groups == {"CEA": "marker", "WBC": "lab", "Krebs von den Lungen-6": "marker"}


@pytest.mark.parametrize("name, marker", [("CEA", True), ("CYFRA 21-1", True), ("ProGRP", True), ("NSE", True),
                                          ("CA 19-9", True), ("Tumor markers", True), ("Serum CEA", True),
                                          ("WBC", False), ("Total amylase (serum)", False), ("ALT", False),
                                          ("LDH", False), ("Neutrophils", False)])
def test_common_names_have_a_sensible_default_group(name, marker):
    from timelines.schema import is_tumour_marker

    assert is_tumour_marker(name) is marker


COUNTED_BACK = """schema: 1
id: counted-back
title: Spans the paper counts back from an event
source: {citation: Fictional example built like a published case report}
patient: {sex: female, age: 50, smoking: never, presentation: symptoms,
          presentation_note: presented with a cough for 4 months and dyspnea for 3 weeks}
diagnoses:
  - {id: dx, label: Lung adenocarcinoma, date: 2021-03-10}
events:
  - {id: visit, kind: symptom, description: first visit, date: 2021-03-01}
  - {kind: symptom, description: cough, end: visit, duration: 4 months}
  - {kind: symptom, description: dyspnea, end: visit, duration: ~3 weeks}
  - {id: gef, kind: targeted, drug: gefitinib, end: progression, duration: 14 months, line: 1}
  - {id: progression, kind: progression, date: 2022-06, therapy: gef}
  - {kind: status, status: alive, date: 2023-01}
"""


def test_a_span_counted_back_from_an_event_starts_exactly_that_far_before_it():
    timeline = load_text(COUNTED_BACK, "counted-back.yaml")
    events = event_table(timeline).set_index("label")
    assert events.loc["cough", ["start", "end", "date_text"]].tolist() == ["2020-11-01", "2021-03-01",
                                                                          "4 months before visit"]
    assert events.loc["dyspnea", "start"] == "2021-02-01 – 2021-02-15" and events.loc["dyspnea", "approximate"]
    assert events.loc["gefitinib", "start"] == "2021-04"  # 14 months before a progression known to the month
    pfs = next(o for o in outcomes(timeline) if o.name == "pfs")
    assert pfs.text == "14 months"
    summary = case_summary(timeline)
    assert "Presentation: symptoms (presented with a cough for 4 months and dyspnea for 3 weeks)" in \
        summary_text(summary)
    assert patient_text(summary["patient"]).endswith("presented with symptoms")


@pytest.mark.parametrize("event, expected", [
    ("{kind: symptom, description: cough, end: visit}",
     "Give either date (a single day) or start (a span), not both and not neither."),
    ("{kind: targeted, drug: gefitinib, end: visit}",
     "Missing required field 'start'. Hint: Add 'start: ...'; when the paper does not say when it started, bound "
     "it: 'start: after X' or 'start: between A and B'; or, for a span the paper counts back ('cough for "
     "2 months before presentation'), end: with duration:."),
])
def test_an_interval_without_a_start_needs_both_an_end_and_a_duration(event, expected):
    text = COUNTED_BACK.replace("  - {kind: symptom, description: cough, end: visit, duration: 4 months}", "  - " + event)
    with pytest.raises(CaseFileError) as raised:
        load_text(text, "counted-back.yaml")
    assert expected in raised.value.first.format()


QUALITATIVE = """schema: 1
id: lesion-changes
title: A lesion change the paper gives in words
source: {citation: Fictional example built like a published case report}
diagnoses:
  - {id: dx, label: Lung adenocarcinoma, date: 2021-03-10}
lesions:
  - {id: lll, label: Left lower lobe lesion, site: lung}
  - {id: rul, label: Right upper lobe nodule, site: lung}
events:
  - {id: gef, kind: targeted, drug: gefitinib, start: 2021-04-01, ongoing: true}
  - {kind: imaging, modality: CT, date: 2021-03-20, measurements: [{lesion: lll, size: 32 mm}, {lesion: rul, size: 12 mm}]}
  - {kind: imaging, modality: CT, date: 2021-06-01, measurements: [{lesion: lll, change: decreased}, {lesion: rul, change: stable}]}
  - {kind: imaging, modality: CT, date: 2021-09-01, measurements: [{lesion: lll, size: 20 mm}]}
  - {kind: status, status: alive, date: 2022-01}
"""


def test_a_lesion_change_in_words_is_kept_per_lesion_never_as_a_size_and_shown_on_the_lesion_chart():
    from components import charts
    from timelines.endpoints.clinical import recist
    from timelines.tables import measurement_table

    timeline = load_text(QUALITATIVE, "lesion-changes.yaml")
    table = measurement_table(timeline)
    words = table[table["size_status"] == "qualitative"]
    assert words[["lesion_id", "change"]].values.tolist() == [["lll", "decreased"], ["rul", "stable"]]
    assert words["recist_mm"].isna().all()
    assert [a.day for a in recist(timeline)] == [10, 175]  # the scan in words is no RECIST time point
    events = event_table(timeline)
    chart = charts.lesion_chart(table, charts.assessment_frame(recist(timeline)),
                                imaging=events[events["kind"] == "imaging"], therapy_bands=charts.therapy_bands(events))
    shown = json.dumps(chart.to_dict())
    assert "CT: Left lower lobe lesion decreased; Right upper lobe nodule stable" in shown


def test_a_measurement_needs_a_size_or_a_change():
    text = QUALITATIVE.replace("{lesion: rul, change: stable}", "{lesion: rul}")
    with pytest.raises(CaseFileError) as raised:
        load_text(text, "lesion-changes.yaml")
    assert raised.value.first.format() == (
        "lesion-changes.yaml:13:102: events[2].measurements[1]: The lesion rul has no size and no change. Hint: Give "
        "size: as written ('19 mm') or, when the paper gives none, change: decreased, stable, increased, new or "
        "resolved.")


def test_the_markers_view_keeps_tumour_markers_and_other_labs_apart_and_says_which_is_which(timeline):
    import re

    from components import charts
    from timelines.tables import marker_table

    events = event_table(timeline)
    shown = json.dumps(charts.marker_chart(marker_table(timeline), therapy_bands=charts.therapy_bands(events))
                       .to_dict())
    titles = re.findall(r'"(Tumor marker|Molecular|Other lab): ([^"(·]+?) [(·]', shown)
    assert [t for t, _ in titles] == ["Tumor marker", "Tumor marker", "Other lab"]
    assert {name for _, name in titles} == {"CEA", "Krebs von den Lungen-6", "WBC"}
