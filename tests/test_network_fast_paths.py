"""The small-network paths (plain-Python searches, exact dates taken as they are) give what the full solve gives."""

import pytest

import timelines.time.network as network
from timelines import load_case
from timelines.time.network import ZERO, Inconsistent, Network, Range

from conftest import CASE_FILES

FULL = 0  # PLAIN_EDGES for the full solve: every network through scipy (or networkx), as larger cases are


def everything(solution, order=(), gap=14) -> dict:
    """What a solved network answers: bounds, every pairwise distance, least distances, the drawing and its reach."""
    keys = list(solution.index)
    return {"bounds": solution.all_bounds(),
            "distances": solution.distances([(a, b) for a in keys for b in keys]),
            "least": solution.least_distances([(a, b) for a in keys for b in keys]),
            "drawn": solution.schedule(list(order), gap), "reach": solution.drawn_bounds}


def exact_case() -> Network:
    """Every date exact: a diagnosis, a therapy and a scan on their days."""
    net = Network()
    for point, day in (("dx", 0), ("start", 21), ("end", 200), ("scan", 90)):
        net.require(ZERO, point, day, day, f"{point} on day {day}")
    net.require("start", "end", 0, None, "ends no earlier than its start")
    return net


def relative_case() -> Network:
    """Every date exact in days from the diagnosis, the diagnosis day 0 (a registry's 'dx + 21 days')."""
    net = Network()
    net.require(ZERO, "dx", 0, 0, "origin")
    for point, day in (("start", 21), ("end", 200), ("scan", 90), ("biopsy", -8)):
        net.require("dx", point, day, day, f"dx + {day} days")
    net.require("start", "end", 0, None, "ends no earlier than its start")
    net.require("biopsy", "scan", 0, None, "the scan after the biopsy")
    return net


def chain_case() -> Network:
    """A chain written in order: each point a few days after the one before, the first open before."""
    net = Network()
    net.require(ZERO, "p0", 0, 30, "p0 within a month")
    for i in range(1, 30):
        net.require(f"p{i - 1}", f"p{i}", 28, 31, f"p{i} a month after p{i - 1}")
    net.require("p29", "after", 0, None, "after p29")
    return net


def test_a_network_of_exact_dates_is_solved_without_a_search(monkeypatch):
    def no_search(*args, **kwargs):
        raise AssertionError("searched")

    monkeypatch.setattr(network, "_queue_search", no_search)
    solution = exact_case().solve()
    assert solution.bounds("start") == Range(21, 21)
    assert solution.bounds("end") == Range(200, 200)
    assert solution.distance("start", "scan") == Range(69, 69)


def test_dates_exact_from_day_0_are_solved_without_a_search(monkeypatch):
    def no_search(*args, **kwargs):
        raise AssertionError("searched")

    monkeypatch.setattr(network, "_queue_search", no_search)
    monkeypatch.setattr(network, "bellman_ford", no_search)
    solution = relative_case().solve()
    assert solution.bounds("biopsy") == Range(-8, -8)
    assert solution.distance("biopsy", "end") == Range(208, 208)
    assert solution.schedule([("start", "end")], 14) == {ZERO: 0, "dx": 0, "start": 21, "end": 200, "scan": 90,
                                                         "biopsy": -8}


def test_exact_dates_that_break_an_order_are_still_a_clash():
    net = exact_case()
    net.require("scan", "start", 0, None, "the scan before the therapy")
    with pytest.raises(Inconsistent) as raised:
        net.solve()
    assert sorted(raised.value.statements) == ["scan on day 90", "start on day 21", "the scan before the therapy"]


def test_a_chain_is_bounded_by_one_pass():
    solution = chain_case().solve()
    assert solution.bounds("p29") == Range(29 * 28, 30 + 29 * 31)
    assert solution.bounds("after") == Range(29 * 28, None)
    assert solution.distance("p3", "p5") == Range(56, 62)


@pytest.mark.parametrize("make", [exact_case, relative_case, chain_case], ids=["exact", "relative", "chain"])
def test_the_small_paths_answer_as_the_full_solve(monkeypatch, make):
    fast = everything(make().solve(), order=[("p29", "after")] if make is chain_case else ())
    monkeypatch.setattr(network, "PLAIN_EDGES", FULL)
    monkeypatch.setattr(network._Graph, "_pinned", lambda graph: None)  # searched, even where days fix every point
    full = everything(make().solve(), order=[("p29", "after")] if make is chain_case else ())
    assert fast == full


def test_a_clash_is_named_the_same_on_both_paths(monkeypatch):
    def clash():
        net = chain_case()
        net.require("p10", "p2", 0, None, "p2 after p10")
        with pytest.raises(Inconsistent) as raised:
            net.solve()
        return raised.value.statements

    fast = clash()
    monkeypatch.setattr(network, "PLAIN_EDGES", FULL)
    assert fast == clash()
    assert "p2 after p10" in fast


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_every_bundled_case_has_the_same_dates_on_both_paths(monkeypatch, path):
    timeline = load_case(path)
    resolution = timeline.resolution
    assert resolution.solution._graph.plain  # a case file of this size takes the small path
    fast = (resolution.bounds, resolution.drawing, [d.start for d in timeline.items])
    monkeypatch.setattr(network, "PLAIN_EDGES", FULL)
    timeline = load_case(path)
    assert not timeline.resolution.solution._graph.plain
    full = (timeline.resolution.bounds, timeline.resolution.drawing, [d.start for d in timeline.items])
    assert fast == full
