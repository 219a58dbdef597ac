"""Every bundled case, every view: dates drawn in their stated order, windows that are real, no invented day."""

import re

import pandas as pd
import pytest

from components import charts, exports
from components.pages.board import key_events
from timelines import load_case
from timelines.summary import case_summary, summary_text
from timelines.tables import event_table
from timelines.time.dates import Ref, offset_range, parse_date

from conftest import CASE_FILES
from specs import rows as values
from specs import units

ISO_DAY = re.compile(r"\b(\d{4}-\d\d-\d\d)\b")


@pytest.fixture(scope="module", params=CASE_FILES, ids=lambda p: p.stem)
def case(request):
    timeline = load_case(request.param)
    return timeline, event_table(timeline)


def _days_of(events: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Drawn day of each event's start and end, from the exported table."""
    found = {}
    for row in events.itertuples():
        found[(row.event_id, "start")] = float(row.day_start)
        found[(row.event_id, "end")] = float(row.day_end) if pd.notna(row.day_end) else float(row.day_start)
    return found


def _least_days(point) -> float:
    """The least days an offset can span (0 without one), on any calendar."""
    return offset_range(point.offset, None, False)[0] if point.offset else 0


def _most_days(point) -> float:
    return offset_range(point.offset, None, False)[1] if point.offset else 0


def test_no_date_is_drawn_out_of_its_stated_order(case):
    # Regression: 001 case 1's work-up drawn before the symptoms that led to it; 003's recurrence drawn in the
    # middle of the response it ended; 000's oophorectomy drawn after the remission it preceded.
    timeline, events = case
    drawn = _days_of(events)
    checked = 0
    for row in events.itertuples():
        for side, text in (("start", row.date_text), ("end", row.end_text)):
            if side == "end" and (row.shape != "interval" or pd.isna(row.day_end)):
                continue
            expr = parse_date(str(text)) if text and not re.match(r"^~?\d+ \w+$", str(text)) else None
            if expr is None or expr.form not in ("after", "before", "between"):
                continue
            day = drawn[(row.event_id, side)]
            after, before = (expr.points[0], None) if expr.form == "after" else \
                (None, expr.points[0]) if expr.form == "before" else expr.points
            for point, later in ((after, True), (before, False)):
                if point is None or not isinstance(point.base, Ref):
                    continue
                other = drawn[(point.base.event_id, point.base.side)]
                if later:
                    assert day >= other + _least_days(point), f"{row.event_id}.{side} '{text}' drawn too early"
                else:
                    assert day <= other + _most_days(point), f"{row.event_id}.{side} '{text}' drawn too late"
                checked += 1
    assert checked or not events["date_text"].str.contains(r"^(after|before|between) ").any()


def test_no_order_only_date_is_squeezed_to_one_day_unless_its_statements_force_it(case):
    # Regression: 25 of the 66 after/before/between dates of the bundled cases resolved to a single day.
    _, events = case
    relational = events[events["date_text"].str.match(r"^(after|before|between) ")]
    one_day = relational[relational["day_start_earliest"].notna()
                         & relational["day_start_earliest"].eq(relational["day_start_latest"])]
    assert one_day.empty, one_day[["event_id", "date_text"]].to_string()


def _known_days(timeline, events) -> set[str]:
    """Every ISO day that is a bound of some date of the case (a date may be printed at a bound, never elsewhere)."""
    days = set()
    for column in ("start_earliest", "start_latest", "end_earliest", "end_latest"):
        days |= set(events[column].dropna()) - {""}
    for bounds in list(timeline.dose_dates.values()) + [timeline.follow_up]:
        days |= {timeline.iso_day(d) for d in (bounds.earliest, bounds.latest) if d is not None}
    return days


def _shown_days(texts) -> set[str]:
    return {day for text in texts for day in ISO_DAY.findall(str(text))}


def test_no_view_prints_a_day_that_is_not_a_bound_of_a_date(case):
    # Regression: the header said 2007-07-16 for '~2007-07' and 2021-11-15 for a diagnosis known to Oct-Dec 2021.
    timeline, events = case
    known = _known_days(timeline, events)
    summary = case_summary(timeline)
    views = {
        "events table": events[["start", "end", "dose_changes"]].to_numpy().ravel(),
        "summary": [summary_text(summary)],
        "tumor board": key_events(events, relative=False).to_numpy().ravel(),
    }
    axis = "calendar" if timeline.on_calendar else "relative"
    prepared = exports.prepare_case(timeline, axis=axis)
    views["deck"] = [line for slide in exports.case_slides(prepared) for line in _slide_texts(slide)]
    spec = charts.timeline_chart(events, axis=axis).to_dict()
    views["timeline tooltips"] = [r.get(k) for u in units(spec) for r in values(spec, u)
                                  for k in ("when", "dose_changes_text", "when_text")]
    for view, texts in views.items():
        invented = _shown_days(texts) - known
        assert not invented, f"{view} prints {sorted(invented)}, which no date of the case has as a bound"


def _slide_texts(slide) -> list[str]:
    texts = [slide.title]
    texts += [text for _, text in getattr(slide, "lines", [])]
    texts += [text for _, text in getattr(slide, "side", [])]
    texts += [cell for row in getattr(slide, "rows", []) or [] for cell in row]
    return texts
