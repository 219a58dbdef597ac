"""Endpoints by their definitions (FDA 2018 endpoints guidance, STEEP 2.0, RECIST 1.1) on small hand-made cases."""

import pytest
import yaml

from timelines import load_text
from timelines.endpoints.best_response import best_responses
from timelines.endpoints.clinical import outcomes
from timelines.endpoints.lines import lines_of_therapy
from timelines.summary import case_summary, summary_text

from conftest import make_case


def chemo(id, start, end=None, **fields):
    event = {"id": id, "kind": "chemotherapy", "regimen": id, "start": start, **fields}
    if end:
        event["end"] = end
    return event


def scan(date, **fields):
    return {"kind": "imaging", "date": date, "modality": "CT", **fields}


def load(*events, **overrides):
    return load_text(yaml.safe_dump(make_case(*events, **overrides)))


def found(timeline, name, prefix=""):
    return [(o.label, o.text, o.censored) for o in outcomes(timeline) if o.name == name and o.label.startswith(prefix)]


def test_pfs_without_progression_runs_to_the_last_assessment_not_to_the_end_of_the_therapy():
    # Docetaxel stopped after 3 cycles, no progression for 18 months afterwards.
    timeline = load(chemo("docetaxel", "2022-01-01", "2022-03-01", cycles=3),
                    scan("2022-09-01"), scan("2023-09-01"),
                    {"kind": "status", "date": "2023-10-01", "status": "alive"})
    assert found(timeline, "pfs") == [("PFS on line 1, inferred (docetaxel)", "20+ months", True)]
    pfs = next(o for o in outcomes(timeline) if o.name == "pfs")
    assert pfs.note.startswith("no progression recorded: censored at the last disease assessment, CT")
    assert "(imaging, 2023-09-01)" in pfs.note


def test_pfs_is_censored_at_the_last_assessment_before_the_next_therapy():
    timeline = load(chemo("first", "2022-01-01", "2022-02-01", line=1),
                    scan("2022-04-01"), scan("2022-06-01"),
                    chemo("second", "2022-07-01", "2022-09-01", line=2),
                    scan("2022-10-01"))
    assert found(timeline, "pfs", "PFS on line 1") == [("PFS on line 1 (first)", "5+ months", True)]
    pfs = next(o for o in outcomes(timeline) if o.label.startswith("PFS on line 1"))
    assert "the last before line 2" in pfs.note and "2022-06-01" in pfs.note


def test_a_second_primary_ends_dfs():
    timeline = load({"id": "resection", "kind": "surgery", "date": "2008-01-15", "procedure": "Mastectomy"},
                    {"kind": "status", "date": "2024-01-15", "status": "alive"},
                    diagnoses=[{"id": "breast", "label": "Breast cancer", "date": "2008-01-01"},
                               {"id": "lung", "label": "Lung cancer", "date": "2022-01-15"}])
    dfs = next(o for o in outcomes(timeline) if o.name == "dfs")
    assert (dfs.text, dfs.censored) == ("168 months", False)  # not 192+ months to the last follow-up
    assert dfs.note == "to second primary: Lung cancer (2022-01-15)"


def test_a_re_resection_after_a_recurrence_starts_a_second_dfs():
    timeline = load({"kind": "surgery", "date": "2010-01-01", "procedure": "Resection"},
                    {"kind": "progression", "date": "2012-01-01", "site": "liver"},
                    {"kind": "surgery", "date": "2012-03-01", "procedure": "Re-resection"},
                    {"kind": "status", "date": "2024-03-01", "status": "alive"},
                    diagnoses=[{"id": "gist", "label": "GIST", "date": "2009-12-01"}])
    assert found(timeline, "dfs") == [("DFS after Resection (gist)", "24 months", False),
                                      ("DFS after Re-resection (gist)", "144+ months", True)]


def test_an_unrelated_operation_starts_no_dfs():
    timeline = load({"kind": "surgery", "date": "2022-01-01", "procedure": "Cholecystectomy", "intent": "unrelated"},
                    {"kind": "status", "date": "2023-01-01", "status": "alive"})
    assert found(timeline, "dfs") == []


def test_maintenance_keeps_the_line():
    timeline = load(chemo("induction", "2022-01-01", "2022-04-01"),
                    chemo("pemetrexed", "2022-04-15", "2022-12-01", intent="maintenance"),
                    scan("2022-11-01"))
    lines = lines_of_therapy(timeline)
    assert [(t.name, t.agents) for t in lines] == [("line 1, inferred", ["induction", "pemetrexed"])]
    assert [r.setting for r in lines[0].regimens] == ["advanced", "maintenance"]
    assert [label for label, _, _ in found(timeline, "pfs")] == [
        "PFS on line 1, inferred (induction + pemetrexed)", "PFS on induction (first regimen, line 1, inferred)",
        "PFS on pemetrexed (maintenance, line 1, inferred)"]


def test_a_drug_added_without_progression_keeps_the_line_and_one_after_progression_starts_the_next():
    timeline = load(chemo("carboplatin", "2022-01-01", "2022-06-01"),
                    chemo("bevacizumab", "2022-03-01", "2022-06-01"),
                    {"kind": "progression", "date": "2022-07-01"},
                    chemo("docetaxel", "2022-08-01", "2022-10-01"))
    assert [(t.name, t.agents) for t in lines_of_therapy(timeline)] == [
        ("line 1, inferred", ["carboplatin", "bevacizumab"]), ("line 2, inferred", ["docetaxel"])]


def test_intolerance_starts_a_new_line():
    timeline = load(chemo("cisplatin", "2022-01-01", "2022-02-01", reason_stopped="intolerable nausea"),
                    chemo("carboplatin", "2022-03-01", "2022-05-01"))
    assert [t.name for t in lines_of_therapy(timeline)] == ["line 1, inferred", "line 2, inferred"]


def test_inferred_lines_are_labelled_and_a_stated_line_wins():
    timeline = load(chemo("first", "2022-01-01", "2022-02-01"),
                    {"kind": "progression", "date": "2022-03-01"},
                    chemo("second", "2022-04-01", "2022-05-01", line=3))
    assert [(t.number, t.inferred, t.name) for t in lines_of_therapy(timeline)] == [
        (1, True, "line 1, inferred"), (3, False, "line 3")]
    text = summary_text(case_summary(timeline))
    assert "Line 1, inferred: first" in text and "\nLine 3: second" in text


def test_lines_of_different_families_are_numbered_apart_and_overlap():
    timeline = load(chemo("carboplatin", "2010-01-01", "2010-06-01", line=1, line_family="chemotherapy"),
                    {"kind": "endocrine", "id": "letrozole", "drug": "letrozole", "start": "2010-03-01",
                     "end": "2012-01-01", "line": 1, "line_family": "endocrine"},
                    {"kind": "progression", "date": "2011-01-01"},
                    chemo("paclitaxel", "2011-02-01", "2011-06-01", line_family="chemotherapy"))
    assert [(t.name, t.agents) for t in lines_of_therapy(timeline)] == [
        ("chemotherapy line 1", ["carboplatin"]), ("chemotherapy line 2, inferred", ["paclitaxel"]),
        ("endocrine line 1", ["letrozole"])]


def test_a_planned_therapy_is_never_counted():
    timeline = load(chemo("given", "2022-01-01", "2022-03-01"), scan("2022-05-01"),
                    chemo("planned-one", "2022-06-01", "2022-08-01", planned=True))
    assert [t.agents for t in lines_of_therapy(timeline)] == [["given"]]
    assert not any(o.therapy == "planned-one" for o in outcomes(timeline))


def test_holds_are_subtracted_from_time_on_treatment():
    timeline = load({"id": "tki", "kind": "targeted", "drug": "osimertinib", "start": "2022-01-01",
                     "end": "2022-12-31", "holds": [{"start": "2022-03-01", "duration": "3 weeks", "reason": "rash"},
                                                    {"start": "2022-06-01", "end": "2022-07-31"}]})
    tot = next(o for o in outcomes(timeline) if o.name == "time_on_treatment")
    # 364 days from the first to the last dose, less 21 and 60 days of interruption: 283 days
    assert (tot.text, tot.note) == ("9 months", "less 2 interruptions")
    assert (tot.months_min, tot.months_max) == pytest.approx((9.3, 9.3))


def test_a_therapy_given_until_progression_has_a_time_on_treatment():
    timeline = load({"id": "tki", "kind": "targeted", "drug": "imatinib", "start": "2015-01-01"},
                    {"kind": "progression", "date": "2017-01-01", "therapy": "tki"})
    assert found(timeline, "time_on_treatment") == [("Time on imatinib, given until progression", "24 months", False)]


def test_an_end_the_paper_does_not_give_is_said_not_reported():
    timeline = load(chemo("adjuvant", "2010-01-01", "between adjuvant and remission", intent="adjuvant"),
                    {"id": "remission", "kind": "status", "date": "2015-01-01", "status": "remission"})
    assert found(timeline, "time_on_treatment") == [("Time on adjuvant, adjuvant", "not reported", False)]
    text = summary_text(case_summary(timeline))
    assert "not reported" in text and "up to" not in text


def test_best_response_respects_scope():
    timeline = load({"id": "tki", "kind": "targeted", "drug": "crizotinib", "start": "2022-01-01", "line": 1},
                    {"kind": "response", "date": "2022-05-01", "category": "PR", "scope": "extracranial",
                     "therapy": "tki"},
                    {"kind": "progression", "date": "2022-05-01", "site": "leptomeninges", "therapy": "tki"},
                    {"kind": "response", "date": "2022-03-01", "description": "symptoms improved", "scope": "brain",
                     "therapy": "tki"})
    best = best_responses(timeline)
    assert [(b.category, b.scoped, b.in_words) for b in best] == [
        ("PD", ["extracranial PR (2022-05-01, at a visit where progression was found)"],
         ["symptoms improved (brain), 2022-03-01"])]
    assert [o.name for o in outcomes(timeline) if o.name in ("dor", "time_to_response")] == []  # no overall PR


def test_a_measured_non_target_lesion_is_shown_not_summed_and_the_computed_category_says_what_it_saw():
    lesions = [{"id": "node", "label": "Node", "nodal": True, "target": False},
               {"id": "liver", "label": "Liver", "target": True}, {"id": "bone", "label": "Bone", "target": True}]
    timeline = load(scan("2022-01-01", measurements=[{"lesion": "node", "size": "4.9 x 2.6 cm"},
                                                     {"lesion": "liver", "size": "40 mm"}]),
                    {"id": "tki", "kind": "targeted", "drug": "ensartinib", "start": "2022-01-05", "line": 1},
                    scan("2022-03-01", measurements=[{"lesion": "node", "size": "2.9 x 1.2 cm"},
                                                     {"lesion": "liver", "size": "30 mm"}]),
                    {"kind": "response", "date": "2022-03-01", "category": "PR", "therapy": "tki"},
                    lesions=lesions)
    [best] = best_responses(timeline)
    assert (best.category, best.stated, best.computed, best.target_lesions) == ("PR", "PR", "SD", 1)
    assert best.text == ("PR (stated by the paper); computed SD from 1 measured target lesion of 3 tracked; "
                         "non-target Node: 26 → 12 mm (-54 %), shown, not summed")


def test_the_timeline_draws_a_planned_therapy_and_each_hold_hollow():
    from components import charts
    from timelines.tables import event_table

    timeline = load({"id": "tki", "kind": "targeted", "drug": "osimertinib", "start": "2022-01-01",
                     "end": "2022-12-31", "holds": [{"start": "2022-03-01", "duration": "3 weeks", "reason": "rash"}]},
                    chemo("docetaxel", "2023-01-15", "2023-05-01", planned=True))
    events = event_table(timeline)
    rows = events.set_index("event_id")
    assert rows.loc["tki", "holds"] == [[59, 80]] and not rows.loc["tki", "planned"]
    assert rows.loc["docetaxel", "planned"] and "planned (not counted in any endpoint)" in rows.loc["docetaxel", "details"]
    assert "held: from 2022-03-01 for 3 weeks (rash)" in rows.loc["tki", "details"]
    spec = charts.timeline_chart(events).to_dict()
    gaps = [row for data in spec["datasets"].values() for row in data if "gap" in row]
    assert sorted(row["gap"] for row in gaps) == ["planned, not given", "treatment interrupted"]


def test_a_therapy_without_intent_soon_after_a_resection_is_adjuvant_and_not_a_line():
    timeline = load({"kind": "surgery", "date": "2018-04-02", "procedure": "Lobectomy"},
                    chemo("cis-vin", "2018-05-07", "2018-08-07"),
                    {"kind": "progression", "date": "2019-06-03"},
                    {"id": "gef", "kind": "targeted", "drug": "gefitinib", "start": "2019-07-01", "end": "2021-01-04"})
    summary = case_summary(timeline)
    assert [(t["name"], t["agents"]) for t in summary["lines"]] == [("line 1, inferred", ["gefitinib"])]
    assert [(r["setting"], r["setting_inferred"], r["agents"]) for r in summary["other_regimens"]] == [
        ("adjuvant", True, ["cis-vin"])]
    assert "Adjuvant (not a line, inferred from its start after a resection): cis-vin" in summary_text(summary)


def test_a_therapy_only_ordered_after_a_resection_with_no_recurrence_between_is_adjuvant_not_line_1():
    """'The patient was treated with imatinib' after the resection, with no date: by the statements it may start
    right after the operation and no recurrence precedes it, so it is adjuvant (inferred), whatever day it is drawn."""
    from timelines.endpoints.lines import regimens

    text = ("schema: 1\nid: ordered-adjuvant\ntitle: Ordered adjuvant\nsource: {citation: Test}\n"
            "diagnoses:\n  - {id: dx, label: GIST, date: origin}\nevents:\n"
            "  - {id: op, kind: surgery, procedure: Resection, date: dx + 1 month}\n"
            "  - {id: ima, kind: targeted, drug: imatinib, start: after op}\n"
            "  - {kind: status, status: alive, date: op + 24 months}\n")
    timeline = load_text(text, "ordered-adjuvant.yaml")
    assert lines_of_therapy(timeline) == []
    assert [(r.setting, r.setting_inferred) for r in regimens(timeline)] == [("adjuvant", True)]
    assert [o.name for o in outcomes(timeline) if o.name in ("pfs", "ttnt")] == []
