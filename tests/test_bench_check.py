"""bench/run.py --check: when a figure passes or fails (the decision alone, from given run times; nothing timed)."""

from __future__ import annotations

import pytest

from bench.run import ONE_RUN_NOISE, Row, check, run_noise, verdict


@pytest.mark.parametrize("samples, floors, expected", [
    ([1.0, 1.0, 1.0], [0.5, 0.5, 0.5], 0.05),  # runs that agree: the least room, MIN_NOISE
    ([2.0, 3.0, 4.0], [1.0, 1.0, 1.0], 1 / 3),  # ratios 2, 3, 4: half the spread over the median
    ([2.0, 3.0, 4.0], [1.0, 1.5, 2.0], 0.05),  # a busy spell slowed both alike: the ratio did not move
    ([0.1, 0.3], [], 0.5),  # seconds alone, when a figure has no floor
    ([5.0], [1.0], ONE_RUN_NOISE),  # one run says nothing of its spread
])
def test_the_noise_is_half_the_spread_of_the_runs_ratios_to_the_floor_beside_them(samples, floors, expected):
    assert run_noise(samples, floors) == pytest.approx(expected)


def test_a_ratio_over_its_target_by_less_than_the_noise_passes_and_by_more_fails():
    # Ratios 3.0, 3.3, 3.6: median 3.3, noise ±9 %; against 3x the room is 3.27.
    over = verdict("specs", [3.0, 3.3, 3.6], [1.0, 1.0, 1.0], 3.0)
    assert (over.value, round(over.noise, 3), over.passed) == (pytest.approx(3.3), 0.091, False)
    assert verdict("specs", [3.0, 3.1, 3.2], [1.0, 1.0, 1.0], 3.0).passed  # 3.1 <= 3 x 1.05
    assert not verdict("specs", [3.3, 3.4, 3.5], [1.0, 1.0, 1.0], 3.0).passed  # 3.4 > 3 x 1.05


def test_a_target_in_seconds_is_judged_on_the_median_seconds_not_on_a_ratio():
    passed = verdict("deck", [1.9, 2.05, 2.2], [0.1, 0.1, 0.1], 2.0, per="s")
    assert (passed.value, passed.passed) == (2.05, True)  # ±7 %: 2.05 <= 2.15
    assert not verdict("deck", [2.4, 2.5, 2.6], [0.5, 0.5, 0.5], 2.0, per="s").passed


def test_on_a_busy_machine_seconds_are_not_judged_but_ratios_still_are():
    busy = verdict("deck", [2.4, 2.5, 2.6], [0.5, 0.5, 0.5], 2.0, per="s", load=3.5)
    assert (busy.judged, busy.passed) == (False, True)
    assert not verdict("deck", [2.4, 2.5, 2.6], [0.5, 0.5, 0.5], 2.0, per="s", load=0.9).passed  # quiet enough
    ratio = verdict("specs", [3.3, 3.4, 3.5], [1.0, 1.0, 1.0], 3.0, load=3.5)
    assert (ratio.judged, ratio.passed) == (True, False)


def test_only_rows_with_a_numeric_target_and_runs_are_checked():
    rows = [Row("load", 1.2, floor_s=1.0, limit=1.5, samples=[1.2, 1.2, 1.2], floor_samples=[1.0, 1.0, 1.0]),
            Row("load alone", 1.0, floor_s=1.0, samples=[1.0], floor_samples=[1.0]),  # no target
            Row("switch", 0.2, limit=0.15, per="s", samples=[0.2, 0.2, 0.2]),
            Row("specs", None, note="skipped", limit=3.0)]  # skipped: nothing to judge
    assert [(v.figure, v.passed) for v in check(rows)] == [("load", True), ("switch", False)]
