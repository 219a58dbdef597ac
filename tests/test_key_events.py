"""One home for the key events: the tumor board's events step and the deck's event slides say the same lines."""

from __future__ import annotations

import re

import pytest

from components import exports
from components.pages.board import DETAIL_CHARS
from components.pages.board import key_events as board_table
from timelines import load_case
from timelines.key_events import HEADER_CALENDAR, HEADER_RELATIVE, key_events, when_text, workup
from timelines.kinds import KEY_KINDS
from timelines.tables import event_table
from timelines.text import shorten

from conftest import CASE_FILES, CASES, SEED_IDS

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
    ({"shape": "interval", "start": "2019-03", "start_is_calendar": True, "end": "", "day_end": None,
      "ongoing": False}, False, "2019-03 →, end not reported"),
    ({"shape": "interval", "start": "2019-03", "start_is_calendar": True, "end": "2020-01", "end_is_calendar": True,
      "day_end": 300, "ongoing": True}, False, "2019-03 → 2020-01, ongoing"),
    ({"shape": "point", "start": "2019-03-02", "start_is_calendar": True, "day_start_earliest": 61,
      "day_start_latest": 61}, True, "month 2.0"),
    ({"shape": "point", "start": "day -30", "start_is_calendar": False, "day_start_earliest": -30,
      "day_start_latest": -30}, False, "month −1.0"),
    # What the table says a calendar date is, not what the text looks like: a day offset on the calendar axis
    # (a case without calendar) is said in months, however its text reads.
    ({"shape": "point", "start": "2019", "start_is_calendar": False, "day_start_earliest": 61,
      "day_start_latest": 61}, False, "month 2.0"),
])
def test_when_is_said_as_precisely_as_written(row, relative, said):
    assert when_text(row, relative) == said


# --- dates in words, as the case file states them ----------------------------------------------------------------

LCNEC = CASES / "lcnec-alk-lorlatinib.yaml"
LEPTOMENINGEAL = CASES / "adeno-alk-leptomeningeal-alectinib.yaml"
GIST = CASES / "gist-duodenum-duodenectomy-imatinib.yaml"


def _whens(path, relative: bool, deidentify: bool = False) -> dict[str, str]:
    case = exports.prepare_case(load_case(path), axis="relative" if relative else "calendar", deidentify=deidentify)
    return {row.event: row.when for row in key_events(case.events, relative)}


@pytest.mark.parametrize("event, said", [
    ("Adjuvant chemotherapy for breast cancer (agents not reported)",
     "about 1 month after modified radical mastectomy (2007-07) → after it started, before breast cancer in complete "
     "remission (~2011)"),
    # Each bound at the precision of the statement that sets it: after the mastectomy (2007-07), before the
    # remission (~2011, a year): not '2007-07-01 – 2012-03-03', nor '2007-07 – 2012-03'.
    ("Endocrine therapy, 5 years (agent not reported)",
     "after oophorectomy (2007-07 – 2012), before breast cancer in complete remission (~2011) → 5 years after it "
     "started"),
    ("Lorlatinib, first line",
     "after brain MRI (2022-09-08), at least 1 month before brain MRI (2022-10-24) → 2024-10-08 or later, ongoing"),
    ("Modified radical mastectomy (left)", "2007-07"),  # a calendar date is said as written
])
def test_a_date_written_from_other_events_is_said_in_words_with_their_own_calendar_dates(event, said):
    assert _whens(LCNEC, relative=False)[event] == said


@pytest.mark.parametrize("path, event, said", [
    (LEPTOMENINGEAL, "Crizotinib (second line)",
     "after intracranial progression on first-line… (day 89 or later) → at least 4 months after it started, before "
     "alectinib started (day 209 or later)"),
    (LEPTOMENINGEAL, "Marked response in the CNS on alectinib", "3 months after alectinib started (day 209 or later)"),
    (GIST, "Imatinib (dates, dose and duration not reported)",
     "after final diagnosis (day 0–731) →, end not reported"),
])
def test_a_case_without_calendar_says_the_events_it_names_with_their_days(path, event, said):
    assert _whens(path, relative=True)[event] == said


@pytest.mark.parametrize("event, said", [
    # A window of months (the mastectomy is written 2007-07) in whole months, a year (2007) in the months it spans
    ("Invasive ductal carcinoma of the left breast",
     "after months −176 to −164, before modified radical mastectomy (months −170 to −169)"),
    ("Modified radical mastectomy (left)", "months −170 to −169"),
    ("Adjuvant chemotherapy for breast cancer (agents not reported)",
     "about 1 month after modified radical mastectomy (months −170 to −169) → after it started, before breast "
     "cancer in complete remission (months −126 to −114)"),
    # A day-exact date to a tenth of a month (about 3 days); a window of days in tenths
    ("Brain metastases after adjuvant chemoradiotherapy", "month 12.2"),
    ("Lorlatinib, first line",
     "after brain MRI (month 12.2), at least 1 month before brain MRI (month 13.7) → month 37.2 or later, ongoing"),
    ("Alive, still on lorlatinib, more than 25 months after its start",
     "at least 25 months after lorlatinib started (months 12.2–12.7)"),
])
def test_de_identified_key_events_say_every_date_in_months_at_the_precision_of_its_statements(event, said):
    assert _whens(LCNEC, relative=True, deidentify=True)[event] == said


@pytest.mark.parametrize("path", [LCNEC, LEPTOMENINGEAL, GIST, CASES / "mtc-pseudocirrhosis-sunitinib-sorafenib.yaml"])
def test_a_de_identified_key_events_table_says_one_unit_and_no_calendar_date(path):
    """Not 'months −0.5–0.5' beside 'day −16 to 14': every row in months since day 0."""
    whens = _whens(path, relative=True, deidentify=True)
    assert whens and not [w for w in whens.values() if re.search(r"\bdays?\b", w.replace("day 0", ""))]
    assert not any(re.search(r"\b(19|20)\d\d\b", when) for when in whens.values())


@pytest.mark.parametrize("earliest, latest, said", [
    (370, 370, "month 12.2"),
    (0, 0, "month 0.0"),
    (-30, -30, "month −1.0"),
    (370, 386, "months 12.2–12.7"),  # a window of days: tenths
    (-5178, -5148, "months −170 to −169"),  # a month (2007-07): whole months
    (91, 118, "months 3–4"),  # February: 28 days
    (-5359, -4995, "months −176 to −164"),  # a year
    (0, 731, "months 0–24"),
    (1131, None, "month 37.2 or later"),
    (None, -3, "month −0.1 or earlier"),
    (None, None, "not dated"),
])
def test_say_months_says_day_offsets_in_months_at_their_precision(earliest, latest, said):
    from timelines.time.when import say_months

    assert say_months(earliest, latest) == said


@pytest.mark.parametrize("written, said", [
    ("between surgery and ct", "after surgery (2021-03-02), before CT (day 5–9)"),
    ("~surgery + 3 weeks", "about 3 weeks after surgery (2021-03-02)"),
    ("chemo.end - 2 months", "2 months before chemo ended (2021-06)"),
    ("chemo", "when chemo started (2021-03)"),
    ("surgery", "at surgery (2021-03-02)"),
    ("after chemo + 4 months", "at least 4 months after chemo started (2021-03)"),
    ("before ct - 1 month", "at least 1 month before CT (day 5–9)"),
    ("2021-03", ""),  # a calendar date: the computed date says it
    ("origin", ""),
    ("5 years", "5 years after it started"),
])
def test_say_written_reads_each_form_of_date(written, said):
    from timelines.time.when import say_written

    anchors = {("surgery", "start"): ("surgery", False, "2021-03-02"), ("ct", "start"): ("CT", False, "day 5–9"),
               ("chemo", "start"): ("chemo", True, "2021-03"), ("chemo", "end"): ("chemo", True, "2021-06")}
    assert say_written(written, lambda event_id, side: anchors.get((event_id, side))) == said


@pytest.mark.parametrize("first, last, precision, said", [
    ("2007-07-01", "2012-09-03", "month", "2007-07 – 2012-09"),
    ("2007-07-01", "2012-09-03", "day", "2007-07-01 – 2012-09-03"),
    ("2007-07-01", "2012-09-03", "year", "2007 – 2012"),
    ("2022-09-08", "2022-09-24", "month", "2022-09"),
    ("2022-09-08", "2022-09-08", "month", "2022-09-08"),  # a date known to the day stays a day
    # Each bound at its own statement's precision: (the earliest's, the latest's)
    ("2021-08-01", "2021-09-03", ("day", "day"), "2021-08-01 – 2021-09-03"),
    ("2021-08-01", "2021-09-03", ("month", "month"), "2021-08 – 2021-09"),
    ("2021-08-01", "2021-09-03", ("month", "day"), "2021-08 – 2021-09-03"),
    ("2021-08-05", "2021-10-31", ("day", "month"), "2021-08-05 – 2021-10"),
    ("2007-01-01", "2007-07-31", ("year", "month"), "2007 – 2007-07"),
    ("2007-07-01", "2012-03-03", ("month", "year"), "2007-07 – 2012"),
    ("2021-08-01", "2021-09-30", ("month", "day"), "2021-08 – 2021-09"),  # a day at its month's end: no wider
    ("2021-09-03", "2021-09-03", ("month", "day"), "2021-09-03"),
])
def test_a_computed_window_is_said_no_finer_than_its_statements(first, last, precision, said):
    import datetime as dt

    from timelines.time.when import calendar_range

    ordinal = lambda text: dt.date.fromisoformat(text).toordinal()  # noqa: E731
    assert calendar_range(ordinal(first), ordinal(last), precision) == said


@pytest.mark.parametrize("earliest, latest, precision, about, said", [
    ("2021-08-01", None, ("month", None), "", "2021-08 or later"),
    (None, "2021-09-03", (None, "day"), "", "2021-09-03 or earlier"),
    ("2021-08-01", "2021-09-03", ("month", "day"), "", "2021-08 – 2021-09-03"),
    ("2021-09-08", "2021-11-08", ("month", "month"), "~2021-10", "~2021-10"),  # an approximate date as written
])
def test_say_gives_each_side_of_a_date_its_own_precision(earliest, latest, precision, about, said):
    import datetime as dt

    from timelines.time.dates import Bounds
    from timelines.time.when import say

    ordinal = lambda text: text and dt.date.fromisoformat(text).toordinal()  # noqa: E731
    assert say(Bounds(ordinal(earliest), ordinal(latest)), True, about, precision=precision) == said
