"""One home for the key events: the tumor board's events step and the deck's event slides say the same lines."""

from __future__ import annotations

import pytest

from components import exports
from components.pages.board import DETAIL_CHARS, key_events as board_table
from conftest import CASE_FILES, CASES, SEED_IDS
from timelines import load_case
from timelines.key_events import HEADER_CALENDAR, HEADER_RELATIVE, key_events, when_text, workup
from timelines.kinds import KEY_KINDS
from timelines.tables import event_table
from timelines.text import shorten

CASE2 = CASES / "lcnec-eml4-alk-alectinib-case2.yaml"


@pytest.mark.parametrize("path", CASE_FILES, ids=SEED_IDS)
@pytest.mark.parametrize("relative", [False, True])
def test_the_board_and_the_slides_say_the_same_key_events(path, relative):
    timeline = load_case(path)
    if not relative and not timeline.on_calendar:
        pytest.skip("no calendar axis for this case")
    case = exports.prepare_case(timeline, axis="relative" if relative else "calendar")
    slides = exports.event_rows(case)
    board = board_table(case.events, relative)
    assert list(board.columns) == list(HEADER_RELATIVE if relative else HEADER_CALENDAR)
    assert [tuple(row) for row in board.to_numpy()] == [(when, event, shorten(detail, DETAIL_CHARS))
                                                        for when, event, detail in slides]
    assert len(slides) == (case.events["kind"].isin(KEY_KINDS) | workup(case.events)).sum()


GIST = CASES / "gist-duodenum-duodenectomy-imatinib.yaml"


def test_the_presentation_and_the_work_up_before_a_diagnosis_are_key_events():
    """The GIST: bleeding, examination, haemoglobin, CT, endoscopy and its biopsy led to the diagnosis; the
    transfusion (supportive care) and the contrast study after the operation did not."""
    events = event_table(load_case(GIST))
    assert list(events.loc[workup(events), "event_id"]) == [
        "presentation", "hb-admission", "ct-abdomen", "exam", "egd", "egd-biopsy", "intraop-finding"]
    said = [row.event for row in key_events(events, relative=False)]
    labels = dict(zip(events["event_id"], events["label"]))
    assert said[0] == labels["presentation"]
    assert labels["egd-biopsy"] in said and labels["opacification"] not in said and labels["transfusion"] not in said


def test_a_therapy_is_said_with_its_end_and_its_dose():
    rows = {row.event: row for row in key_events(event_table(load_case(CASE2)), relative=False)}
    alectinib = next(row for name, row in rows.items() if "alectinib" in name.lower())
    assert " → " in alectinib.when and alectinib.when.startswith("20")
    assert "mg" in alectinib.detail and "dose changes: ~2021-10: halved (abnormal liver function)" in alectinib.detail


@pytest.mark.parametrize("row, relative, said", [
    ({"shape": "interval", "start": "2019-03", "end": "", "day_end": None, "ongoing": False}, False,
     "2019-03 →, end not reported"),
    ({"shape": "interval", "start": "2019-03", "end": "2020-01", "day_end": 300, "ongoing": True}, False,
     "2019-03 → 2020-01, ongoing"),
    ({"shape": "point", "start": "2019-03-02", "day_start_earliest": 61, "day_start_latest": 61}, True, "month 2.0"),
    ({"shape": "point", "start": "day -30", "day_start_earliest": -30, "day_start_latest": -30}, False, "month −1.0"),
])
def test_when_is_said_as_precisely_as_written(row, relative, said):
    assert when_text(row, relative) == said
