"""A case's dates as one temporal network: durations a reader computes by hand, open sides, clashes, drawn days."""

import pytest
import yaml

from timelines import CaseFileError, load_text
from timelines.endpoints.clinical import outcomes
from timelines.tables import event_table
from timelines.time.dates import Bounds
from timelines.time.resolution import FOLLOW_UP
from timelines.time.when import say

from conftest import make_case, make_event


def load(*events, **overrides):
    return load_text(yaml.safe_dump(make_case(*events, **overrides)))


def outcome(timeline, name, **fields):
    return next(o for o in outcomes(timeline) if o.name == name
                and all(getattr(o, k) == v for k, v in fields.items()))


def test_an_offset_is_a_distance_so_pfs_is_what_the_paper_says_however_vague_the_start():
    # 'crizotinib + 6 months' gave 'PFS 1-11 months' when each date was resolved on its own.
    timeline = load(make_event(id="tki", start="after dx", ongoing=None, line=1),
                    {"kind": "progression", "date": "tki + 6 months", "therapy": "tki"})
    pfs = outcome(timeline, "pfs")
    assert pfs.text == "6 months" and not pfs.censored


def test_a_duration_of_five_years_is_sixty_months_wherever_the_interval_lies():
    # 'duration: 5 years' on a therapy known only to lie between two dates gave 'time on treatment 0-170 months'.
    timeline = load(make_event(id="tki", kind="endocrine", drug="tamoxifen", dose=None,
                               start="between dx and 2025", ongoing=None, duration="5 years"))
    assert outcome(timeline, "time_on_treatment").text == "60 months"
    therapy = timeline.by_id("tki")
    assert timeline.distance((therapy.key, "start"), (therapy.key, "end")) == Bounds(1826, 1827)


def test_a_month_precise_start_and_an_offset_give_an_end_that_is_a_month_too():
    timeline = load(make_event(id="tki", start="2021-09", ongoing=None, duration="3 months"))
    therapy = timeline.by_id("tki")
    assert (timeline.say(therapy.start), timeline.say(therapy.end)) == ("2021-09", "2021-12")
    assert outcome(timeline, "time_on_treatment").text == "3 months"


def test_the_last_follow_up_is_the_latest_status_and_censoring_says_so():
    timeline = load(make_event(id="tki", start="2021-09-01", line=1),
                    {"id": "last", "kind": "status", "status": "alive", "date": "tki + 25 months"})
    ttnt = outcome(timeline, "ttnt")
    assert (ttnt.text, ttnt.censored) == ("25+ months", True)
    assert ttnt.note == "no next line recorded: censored at the last follow-up, Alive (2023-10-01)"
    pfs = outcome(timeline, "pfs")  # no disease assessment at all: PFS is censored at its start (FDA 2018)
    assert (pfs.text, pfs.censored) == ("0+ months", True)


def test_a_status_dated_only_after_an_event_leaves_the_follow_up_open_and_os_a_lower_bound():
    timeline = load(make_event(id="tki", start="2021-09-01", ongoing=None, duration="4 months"),
                    {"kind": "status", "status": "alive", "date": "after tki.end"})
    assert timeline.follow_up == Bounds(timeline.by_id("tki").end.earliest, None)
    os_ = outcome(timeline, "os")
    assert (os_.months_max, os_.text) == (None, "5+ months")  # 2021-08-10 to 2022-01-01 at least


def test_after_and_before_are_open_where_nothing_else_bounds_them():
    timeline = load(make_event(id="tki", start="2021-09-01", ongoing=None, end="2022-03-01"),
                    {"id": "late", "kind": "imaging", "date": "after tki.end"},
                    {"id": "early", "kind": "imaging", "date": "before dx"})
    assert timeline.say(timeline.by_id("late").start) == "2022-03-01 or later"
    assert timeline.say(timeline.by_id("early").start) == "2021-08-10 or earlier"


def test_a_chain_of_order_only_dates_is_drawn_in_its_order_across_its_window():
    events = [make_event(id="tki", start="2021-12-01", ongoing=True)]
    previous = "dx"
    for name in ("xray", "ct", "biopsy", "ngs"):
        events.append({"id": name, "kind": "imaging", "date": f"between {previous} and tki"})
        previous = name
    timeline = load(*events)
    days = [timeline.by_id(name).day_start for name in ("dx", "xray", "ct", "biopsy", "ngs", "tki")]
    assert days == sorted(days) and len(set(days)) == len(days)  # in order, none stacked on another
    assert all(timeline.by_id(n).start == timeline.by_id("xray").start for n in ("ct", "biopsy", "ngs"))


def test_an_unreported_therapy_end_lies_between_what_ran_on_it_and_the_next_line():
    timeline = load(make_event(id="tki", start="2021-01-04", ongoing=None, line=1),
                    {"kind": "response", "date": "tki + 6 months", "category": "PR", "therapy": "tki"},
                    make_event(id="chemo", kind="chemotherapy", drug=None, dose=None, regimen="carboplatin",
                               start="tki + 12 months", ongoing=None, duration="3 months", line=2))
    therapy = timeline.by_id("tki")
    assert therapy.end is None and timeline.say(therapy.end_window) == "2021-07-04 – 2022-01-04"
    assert event_table(timeline).set_index("event_id").loc["tki", ["end", "end_precision"]].tolist() == \
        ["", "not reported"]


def test_an_implied_tie_gives_way_to_what_the_file_states():
    # A response tied to the first line but dated after the second line started: the tie is dropped, not an error.
    timeline = load(make_event(id="tki", start="2021-01-04", ongoing=None, line=1),
                    make_event(id="chemo", kind="chemotherapy", drug=None, dose=None, regimen="carboplatin",
                               start="2021-06-01", ongoing=None, duration="3 months", line=2),
                    {"kind": "response", "date": "2021-09-01", "category": "PR", "therapy": "tki"})
    assert sorted(s.says.split(",")[0] for s in timeline.resolution.dropped) == \
        ["line 2 follows line 1", "this response happened on tki"]


def test_statements_that_cannot_all_hold_are_one_located_error_naming_each():
    text = yaml.safe_dump(make_case(
        {"id": "scan", "kind": "imaging", "date": "tki + 5 months"},
        make_event(id="tki", start="after dx", ongoing=None, end="between dx and scan - 6 months")), sort_keys=False)
    with pytest.raises(CaseFileError) as raised:
        load_text(text, "cases/example.yaml")
    message = str(raised.value)
    assert message.startswith("cases/example.yaml:")
    assert "These dates cannot all hold together: " in message
    assert "events[0].date 'tki + 5 months' (line " in message
    assert "events[1].end 'between dx and scan - 6 months' (line " in message
    assert "Hint: Check these dates against the source; if it gives 'tki + 5 months' only roughly, " \
           "write '~tki + 5 months'" in message


def test_an_approximate_date_that_nothing_narrows_is_shown_as_written():
    timeline = load({"id": "ct", "kind": "imaging", "date": "~2021-07"},
                    {"id": "mri", "kind": "imaging", "date": "~dx + 2 months"})
    assert timeline.say(timeline.by_id("ct").start, timeline.by_id("ct").about_start) == "~2021-07"
    assert timeline.say(timeline.by_id("mri").start, timeline.by_id("mri").about_start) == "~2021-10"


def test_an_approximate_reference_without_offset_is_a_week_either_side():
    # Regression: '~dx' crashed the resolver (AttributeError) instead of resolving.
    timeline = load({"id": "ct", "kind": "imaging", "date": "~dx"})
    assert timeline.say(timeline.by_id("ct").start) == "2021-08-03 – 2021-08-17"


@pytest.mark.parametrize("bounds, text", [
    (Bounds(738041, 738041), "2021-09-08"), (Bounds(738034, 738063), "2021-09"),
    (Bounds(738034, 738155), "2021-09 – 2021-12"), (Bounds(738038, 738155), "2021-09-05 – 2021-12-31"),
    (Bounds(732677, 733772), "2007 – 2009"), (Bounds(738041, None), "2021-09-08 or later"),
    (Bounds(None, 738041), "2021-09-08 or earlier"), (None, "not dated"),
])
def test_a_date_is_said_as_precisely_as_its_bounds_and_never_more(bounds, text):
    assert say(bounds, on_calendar=True) == text


@pytest.mark.parametrize("bounds, text", [
    (Bounds(0, 0), "day 0"), (Bounds(91, 121), "day 91–121"), (Bounds(-153, -91), "day −153 to −91"),
    (Bounds(213, None), "day 213 or later"), (Bounds(None, 0), "day 0 or earlier"),
])
def test_a_day_offset_is_said_with_its_bounds(bounds, text):
    assert say(bounds, on_calendar=False) == text


def test_the_follow_up_is_a_point_of_the_network_and_ongoing_ends_there():
    timeline = load(make_event(id="tki", start="2021-09-01"),
                    {"kind": "status", "status": "alive", "date": "2023-10"})
    assert timeline.by_id("tki").end == timeline.follow_up == Bounds(*[
        timeline.resolution.bounds[FOLLOW_UP].earliest, timeline.resolution.bounds[FOLLOW_UP].latest])
    assert timeline.say(timeline.follow_up) == "2023-10"


def test_dates_that_only_state_an_order_may_refer_to_each_other():
    timeline = load({"id": "lm", "kind": "progression", "date": "2022-01-10"},
                    {"id": "wbrt", "kind": "radiotherapy", "technique": "WBRT", "date": "between lm and pain"},
                    {"id": "pain", "kind": "symptom", "description": "pain", "date": "between wbrt and mri"},
                    {"id": "mri", "kind": "imaging", "date": "between pain and tki"},
                    make_event(id="tki", start="after mri"),
                    {"kind": "status", "status": "alive", "date": "2022-06-01"})
    days = [timeline.by_id(name).day_start for name in ("lm", "wbrt", "pain", "mri", "tki")]
    assert days == sorted(days) and len(set(days)) == 5
    assert timeline.say(timeline.by_id("pain").start) == "2022-01-10 – 2022-06-01"


def test_a_cycle_through_an_offset_is_still_an_error():
    with pytest.raises(CaseFileError, match="Dates refer to each other in a cycle"):
        load({"id": "a", "kind": "imaging", "date": "after b"}, {"id": "b", "kind": "imaging", "date": "a + 1 month"})


def test_an_unreported_end_without_a_next_line_is_not_ended_by_the_last_follow_up_but_by_death():
    alive = load(make_event(id="tki", start="2021-01-04", ongoing=None, line=1),
                 {"kind": "status", "status": "alive", "date": "2022-01"})
    assert alive.by_id("tki").end_window.latest is None  # may still be taken after the last follow-up
    dead = load(make_event(id="tki", start="2021-01-04", ongoing=None, line=1),
                {"kind": "status", "status": "dead", "date": "2022-01"})
    assert dead.say(dead.by_id("tki").end_window) == "2021-01-04 – 2022-01-31"


def test_a_date_after_an_unreported_end_is_honest_rather_than_refused():
    # "Crizotinib after pemetrexed/cisplatin" with no end of the chemotherapy: the end is a point of the
    # network, between the chemotherapy's start and the next line, so nothing is invented to anchor the next.
    timeline = load(make_event(id="pem", kind="chemotherapy", drug=None, dose=None, regimen="pemetrexed/cisplatin",
                               start="2020-02-03", ongoing=None, line=1),
                    make_event(id="criz", drug="crizotinib", start="after pem.end", ongoing=None, line=2),
                    {"kind": "progression", "date": "criz + 4 months", "therapy": "criz"},
                    {"kind": "status", "status": "alive", "date": "2022-01"})
    pem, criz = timeline.by_id("pem"), timeline.by_id("criz")
    assert pem.end is None
    assert timeline.say(criz.start) == "2020-02-03 – 2021-10-03"  # at least 4 months before the last follow-up
    gap = timeline.distance((pem.key, "end"), (criz.key, "start"))
    assert gap.earliest == 0 and pem.end_window.latest == criz.start.latest
    pfs = next(o for o in outcomes(timeline) if o.name == "pfs" and o.therapy == "criz")
    assert pfs.text == "4 months"
