"""The simple temporal network on hand-made networks: bounds, distances, clashes, drawn schedules, 10,000 points."""

import time

import pytest

from timelines.time.network import ZERO, Inconsistent, Network, Range


def chain(*steps):
    """A network dx(day 0) -> a -> b ... each step (low, high) after the previous point."""
    network = Network()
    network.require(ZERO, "p0", 0, 0, "p0 is day 0")
    for i, (low, high) in enumerate(steps, 1):
        network.require(f"p{i - 1}", f"p{i}", low, high, f"p{i} after p{i - 1}")
    return network


def test_point_bounds_are_the_shortest_paths_from_and_to_zero():
    solution = chain((10, 20), (5, 5)).solve()
    assert solution.bounds("p1") == Range(10, 20)
    assert solution.bounds("p2") == Range(15, 25)


def test_a_distance_stays_exact_however_uncertain_its_ends_are():
    network = Network()
    network.require(ZERO, "start", 0, 30, "start within a month")  # 'start: 2021-09'
    network.require("start", "end", 181, 184, "end: start + 6 months")
    solution = network.solve()
    assert solution.bounds("end") == Range(181, 214)  # the end is as uncertain as the start...
    assert solution.distance("start", "end") == Range(181, 184)  # ...but the interval is 6 months, not 5 to 7
    assert solution.distance("end", "start") == Range(-184, -181)


def test_an_order_alone_leaves_a_side_open_and_another_statement_closes_it():
    network = Network()
    network.require(ZERO, "dx", 0, 0, "dx")
    network.require("dx", "x", 0, None, "x after dx")
    solution = network.solve()
    assert solution.bounds("x") == Range(0, None)
    network.require("x", "status", 0, None, "status after x")
    network.require(ZERO, "status", 100, 100, "status on day 100")
    assert network.solve().bounds("x") == Range(0, 100)


def test_two_statements_on_one_pair_keep_the_tighter():
    network = Network()
    network.require(ZERO, "a", 0, 100, "a in the first 100 days")
    network.require(ZERO, "a", 50, 60, "a in days 50-60")
    assert network.solve().bounds("a") == Range(50, 60)


def test_a_clash_names_the_statements_of_its_negative_cycle_once_each_in_order():
    network = Network()
    network.require(ZERO, "start", 0, 0, "start: day 0")
    network.require("start", "end", 60, 61, "duration: 2 months")
    network.require("start", "scan", 150, 153, "scan: start + 5 months")
    network.require("scan", "end", 0, None, "end: after scan")
    with pytest.raises(Inconsistent) as raised:
        network.solve()
    assert sorted(raised.value.statements) == ["duration: 2 months", "end: after scan", "scan: start + 5 months"]


def test_a_clash_far_from_day_0_is_found_too():
    network = chain(*[(1, 2)] * 50)
    network.require("p40", "p10", 0, None, "p10 after p40")  # p10 is 30 to 60 days before p40
    with pytest.raises(Inconsistent) as raised:
        network.solve()
    assert "p10 after p40" in raised.value.statements


def test_the_drawn_schedule_spreads_a_chain_across_its_window():
    network = Network()
    network.require(ZERO, "A", 0, 0, "A")
    network.require(ZERO, "B", 100, 100, "B")
    for before, point in (("A", "p1"), ("p1", "p2"), ("p2", "p3")):
        network.require(before, point, 0, None, f"{point} after {before}")
        network.require(point, "B", 0, None, f"{point} before B")
    order = [("A", "p1"), ("p1", "p2"), ("p2", "p3"), ("p3", "B")]
    drawn = network.solve().schedule(order, gap=14)
    assert [drawn[p] for p in ("A", "p1", "p2", "p3", "B")] == [0, 25, 50, 75, 100]


def test_an_open_chain_is_drawn_a_gap_per_step_from_its_bounded_end():
    network = Network()
    network.require(ZERO, "dx", 0, 0, "dx")
    network.require("dx", "a", 0, None, "a after dx")
    network.require("a", "b", 0, None, "b after a")
    network.require("c", "dx", 0, None, "c before dx")
    drawn = network.solve().schedule([("dx", "a"), ("a", "b"), ("c", "dx")], gap=14)
    assert (drawn["c"], drawn["dx"], drawn["a"], drawn["b"]) == (-14, 0, 14, 28)


def test_a_drawn_schedule_satisfies_every_constraint_even_when_windows_are_too_tight_to_spread():
    network = Network()
    network.require(ZERO, "A", 0, 0, "A")
    network.require(ZERO, "B", 2, 2, "B")
    points = [f"p{i}" for i in range(5)]
    order = []
    for before, point in zip(["A"] + points, points):
        network.require(before, point, 0, None, point)
        network.require(point, "B", 0, None, point)
        order.append((before, point))
    drawn = network.solve().schedule(order, gap=14)
    values = [drawn[p] for p in ["A"] + points + ["B"]]
    assert values == sorted(values) and values[0] == 0 and values[-1] == 2


def test_ten_thousand_points_solve_in_linear_memory_and_well_under_a_second_each_step():
    network = chain(*[(28, 31)] * 10_000)
    started = time.perf_counter()
    solution = network.solve()
    assert solution.bounds("p10000") == Range(280_000, 310_000)
    assert solution.distance("p5000", "p5001") == Range(28, 31)
    drawn = solution.schedule([], gap=14)
    assert 280_000 <= drawn["p10000"] <= 310_000
    assert time.perf_counter() - started < 10  # seconds, on a shared two-core machine; about 1 s alone


@pytest.mark.parametrize("small", [0, 10**9], ids=["networkx queue-based", "scipy"])
def test_both_bellman_ford_paths_give_the_same_bounds_and_find_the_same_clash(monkeypatch, small):
    import timelines.time.network as network

    monkeypatch.setattr(network, "SMALL_NETWORK", small)
    test_a_distance_stays_exact_however_uncertain_its_ends_are()
    test_the_drawn_schedule_spreads_a_chain_across_its_window()
    test_an_open_chain_is_drawn_a_gap_per_step_from_its_bounded_end()
    test_a_clash_names_the_statements_of_its_negative_cycle_once_each_in_order()
