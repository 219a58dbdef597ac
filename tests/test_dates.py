"""Dates as written: every form, their bounds, chains, cycles and month arithmetic."""

import datetime as dt

import pytest
import yaml

from timelines import CaseFileError, load_text
from timelines.time.dates import Bounds, DateProblem, add_months, parse_date, precision_of

from conftest import make_case, make_event


def d(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def resolve_one(date: str, *events: dict):
    """Bounds (ISO earliest, ISO latest) of an imaging event dated `date` among `events`."""
    probe = {"id": "probe", "kind": "imaging", "date": date}
    timeline = load_text(yaml.safe_dump(make_case(*events, probe)))
    item = timeline.by_id("probe")
    return timeline.iso_day(item.start.earliest), timeline.iso_day(item.start.latest)


@pytest.mark.parametrize("text, earliest, latest", [
    ("2022-09-08", "2022-09-08", "2022-09-08"),
    ("2022-09", "2022-09-01", "2022-09-30"),
    ("2024-02", "2024-02-01", "2024-02-29"),
    ("2007", "2007-01-01", "2007-12-31"),
    ("~2021-10", "2021-09-01", "2021-11-30"),
    ("~2022-09-24", "2022-09-17", "2022-10-01"),
    ("~2007", "2006-01-01", "2008-12-31"),
])
def test_calendar_dates_resolve_to_their_bounds(text, earliest, latest):
    assert resolve_one(text) == (earliest, latest)


@pytest.mark.parametrize("text, earliest, latest", [
    ("tki + 3 months", "2021-12-01", "2021-12-01"),
    ("tki - 2 weeks", "2021-08-18", "2021-08-18"),
    ("tki + 10 days", "2021-09-11", "2021-09-11"),
    ("tki + 1 year", "2022-09-01", "2022-09-01"),
    ("tki.start + 1 month", "2021-10-01", "2021-10-01"),
    ("tki.end + 1 month", "2022-04-01", "2022-04-01"),
    ("~tki + 3 months", "2021-11-01", "2022-01-01"),
    ("tki + ~3 months", "2021-11-01", "2022-01-01"),
    ("dx + 1 month", "2021-09-10", "2021-09-10"),
])
def test_relative_dates_follow_their_reference(text, earliest, latest):
    therapy = make_event(ongoing=None, end="2022-03-01")
    assert resolve_one(text, therapy) == (earliest, latest)


def test_a_month_precise_reference_keeps_month_bounds_through_an_offset():
    therapy = make_event(start="2021-09")
    assert resolve_one("tki + 3 months", therapy) == ("2021-12-01", "2021-12-31")


@pytest.mark.parametrize("text, earliest, latest", [
    ("between dx and 2021-12", "2021-08-10", "2021-12-31"),
    ("after dx", "2021-08-10", ""),  # nothing in the case is later than 'after dx' could be: open
    ("before tki", "", "2021-09-01"),  # nothing bounds how early: open
    ("after tki + 1 month", "2021-10-01", ""),
    ("between tki and tki.end", "2021-09-01", "2022-03-01"),
])
def test_order_only_dates_are_open_where_nothing_bounds_them(text, earliest, latest):
    therapy = make_event(ongoing=None, end="2022-03-01")
    assert resolve_one(text, therapy) == (earliest, latest)


def test_after_a_date_is_bounded_by_the_last_follow_up_a_status_event_gives():
    therapy = make_event(ongoing=None, end="2022-03-01")
    status = {"kind": "status", "status": "alive", "date": "2022-06"}
    assert resolve_one("after dx", therapy, status) == ("2021-08-10", "2022-06-30")


def test_chains_of_relative_dates_resolve():
    a = make_event(id="a", start="2021-09-01", ongoing=None, duration="2 months")
    b = make_event(id="b", start="a.end + 1 month", ongoing=None, duration="1 month")
    c = make_event(id="c", start="b.end + 2 weeks", ongoing=None, end="c + 1 month")
    assert resolve_one("c.end", a, b, c) == ("2022-02-15", "2022-02-15")


@pytest.mark.parametrize("start, months, expected", [
    ("2023-01-31", 1, "2023-02-28"),
    ("2024-01-31", 1, "2024-02-29"),
    ("2023-03-31", -1, "2023-02-28"),
    ("2022-12-15", 1, "2023-01-15"),
    ("2023-01-15", -13, "2021-12-15"),
    ("2021-08-31", 6, "2022-02-28"),
])
def test_month_arithmetic_clamps_at_month_ends(start, months, expected):
    assert dt.date.fromordinal(add_months(d(start), months)).isoformat() == expected


@pytest.mark.parametrize("earliest, latest, precision", [
    ("2022-09-08", "2022-09-08", "day"),
    ("2022-09-01", "2022-09-30", "month"),
    ("2007-01-01", "2007-12-31", "year"),
    ("2022-09-01", "2022-10-31", "range"),
])
def test_precision_is_what_the_bounds_support(earliest, latest, precision):
    assert precision_of(Bounds(d(earliest), d(latest))) == precision


@pytest.mark.parametrize("text, message", [
    ("2022-9-8", "write months and days with two digits: '2022-09-08'"),
    ("14/9/2020", "write dates year first, as YYYY-MM-DD: '2020-09-14' if 14 is the day"),
    ("2022-13-01", "Month 13 does not exist in '2022-13-01'"),
    ("2023-02-30", "Day 30 does not exist in 2023-02 in '2023-02-30'"),
    ("tki+3 months", "put spaces on both sides of + and -"),
    ("tki + 3 monts", "Cannot read the offset '3 monts' in 'tki + 3 monts'"),
    ("tki.middle", "use 'tki.start' or 'tki.end'"),
    ("~after tki", "drop the '~'"),
    ("between tki", "write 'between X and Y'"),
    ("", "The date is empty"),
])
def test_unreadable_dates_say_how_to_write_them(text, message):
    with pytest.raises(DateProblem) as raised:
        parse_date(text)
    assert message in str(raised.value)


def test_a_cycle_names_every_event_in_it():
    a = make_event(id="a", start="b + 1 month")
    b = make_event(id="b", start="a + 1 month")
    with pytest.raises(CaseFileError) as raised:
        load_text(yaml.safe_dump(make_case(a, b)))
    assert "Dates refer to each other in a cycle: a.start -> b.start -> a.start" in str(raised.value) \
        or "Dates refer to each other in a cycle: b.start -> a.start -> b.start" in str(raised.value)


def test_a_missing_reference_suggests_the_closest_id():
    event = make_event(id="alectinib")
    with pytest.raises(CaseFileError) as raised:
        load_text(yaml.safe_dump(make_case(event, {"kind": "imaging", "date": "alectnib + 3 months"})))
    assert "Refers to 'alectnib', which is not the id of any event or diagnosis. Hint: Did you mean 'alectinib'?" \
        in str(raised.value)


def test_a_case_without_calendar_dates_is_measured_in_days_since_origin():
    case = make_case(make_event(start="dx + 1 month", ongoing=None, duration="3 months"),
                     diagnoses=[{"id": "dx", "label": "NSCLC", "date": "origin"}])
    timeline = load_text(yaml.safe_dump(case))
    therapy = timeline.by_id("tki")
    assert not timeline.on_calendar
    # Without a calendar a month is 28 to 31 days, so "dx + 1 month" is day 28-31, and 3 months on is 89-92 days later
    assert (therapy.start.earliest, therapy.start.latest, therapy.end.earliest, therapy.end.latest) == (28, 31, 117, 123)
    assert timeline.distance((therapy.key, "start"), (therapy.key, "end")) == Bounds(89, 92)
    assert timeline.say(therapy.start) == "day 28–31"


def test_origin_cannot_be_mixed_with_calendar_dates():
    case = make_case(make_event(start="2021-09-01"), diagnoses=[{"id": "dx", "label": "NSCLC", "date": "origin"}])
    with pytest.raises(CaseFileError, match="'origin' is for cases with no calendar date"):
        load_text(yaml.safe_dump(case))


def test_an_ongoing_therapy_ends_at_the_last_follow_up():
    case = make_case(make_event(start="2021-09-01"),
                     {"kind": "status", "status": "alive", "date": "tki + 25 months"})
    timeline = load_text(yaml.safe_dump(case))
    assert timeline.say(timeline.by_id("tki").end) == "2023-10-01"
