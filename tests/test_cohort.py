"""The cohort: one summary row per case, swimmer rows aligned on diagnosis or first targeted therapy."""

import pytest

from timelines.cohort import cohort_table, fusion_partner, swimmer_table
from timelines.reading.catalog import case_paths, load_entry

from conftest import CASE_FILES, CASES


@pytest.fixture(scope="module")
def timelines():
    return [load_entry(p).timeline for p in case_paths(CASES)]


def test_the_cohort_table_has_one_row_per_patient(timelines):
    table = cohort_table(timelines).set_index("case_id")
    assert len(table) == len(CASE_FILES)
    assert table.loc["ppamn-hmbox1-alk-ensartinib", ["sex", "age", "fusion_partner"]].tolist() == ["male", 29, "HMBOX1"]
    assert table.loc["lcnec-eml4-alk-alectinib-case1", "alteration"] == "EML4-ALK rearrangement (E6:A20)"
    assert table.loc["lcnec-alk-lorlatinib", "pfs_first_line"].endswith("+ months")


@pytest.mark.parametrize("text, partner", [("EML4-ALK fusion", "EML4"), ("HMBOX1::ALK fusion (H6::A20)", "HMBOX1"),
                                           ("ALK rearrangement", ""), ("ALK protein expression", "")])
def test_fusion_partners_are_read_from_the_alteration(text, partner):
    assert fusion_partner(text) == partner


def test_alignment_on_targeted_therapy_starts_every_first_tki_at_zero(timelines):
    rows = swimmer_table(timelines, "targeted")
    first = rows[rows["kind"] == "targeted"].groupby("case_id")["start_month"].min()
    assert (first == 0).all() and len(first) == len(CASE_FILES)  # every bundled case has one


def test_alignment_changes_the_month_values(timelines):
    by_diagnosis = swimmer_table(timelines, "diagnosis").query("case_id == 'ppamn-hmbox1-alk-ensartinib'")
    by_tki = swimmer_table(timelines, "targeted").query("case_id == 'ppamn-hmbox1-alk-ensartinib'")
    assert by_diagnosis["start_month"].tolist() != by_tki["start_month"].tolist()


def test_a_therapy_without_a_reported_end_is_kept_and_flagged_with_where_it_can_have_ended(timelines):
    rows = swimmer_table(timelines).query("case_id == 'ppamn-hmbox1-alk-ensartinib' and kind == 'targeted'")
    first_line = rows[rows["label"].str.contains("first", case=False)]
    assert first_line["end_reported"].tolist() == [False] and first_line["end_month"].isna().all()
    # tied to it: the progression of March-August 2024 it ran until; latest: the next line (same months)
    assert first_line["end_month_earliest"].notna().all() and first_line["end_month_latest"].notna().all()


def test_ongoing_therapies_and_death_are_marked(timelines):
    rows = swimmer_table(timelines)
    ongoing = set(rows[rows["ongoing"]]["case_id"])
    assert ongoing == {"adeno-alk-miliary-alectinib", "lcnec-alk-lorlatinib", "lcnec-eml4-alk-alectinib-case1",
                       "lcnec-eml4-alk-alectinib-case2"}
    assert set(rows[rows["category"] == "death"]["case_id"]) == {"mtc-pseudocirrhosis-sunitinib-sorafenib",
                                                                 "ppamn-hmbox1-alk-ensartinib"}
