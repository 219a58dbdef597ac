"""The cyclic garbage collector is held off while a case loads and tabulates, and is always given back."""

import gc
import threading

import pytest
import yaml

from timelines import load_text
from timelines import tables as tables_module
from timelines.gc_pause import gc_paused
from timelines.reading import loading

from conftest import make_case, make_event


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_after():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_nested_pause_leaves_the_collector_off_until_the_outer_one_ends():
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_given_back_when_the_block_raises():
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("bad case")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_pauses_of_two_threads_give_the_collector_back_once_both_end():
    first_in, second_done = threading.Event(), threading.Event()
    seen = []

    def first():
        with gc_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(("first, after the second ended", gc.isenabled()))

    def second():
        first_in.wait(5)
        with gc_paused():
            seen.append(("second", gc.isenabled()))
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert sorted(seen) == [("first, after the second ended", False), ("second", False)]
    assert gc.isenabled()


def test_loading_and_tabulating_run_with_the_collector_off(monkeypatch):
    seen = {}
    resolve, tabulate = loading.resolve, tables_module._event_columns

    def spy_resolve(*args, **kwargs):
        seen["load"] = gc.isenabled()
        return resolve(*args, **kwargs)

    def spy_columns(*args, **kwargs):
        seen["event table"] = gc.isenabled()
        return tabulate(*args, **kwargs)

    monkeypatch.setattr(loading, "resolve", spy_resolve)
    monkeypatch.setattr(tables_module, "_event_columns", spy_columns)
    timeline = load_text(yaml.safe_dump(make_case(make_event())), "example.yaml")
    tables_module.event_table(timeline)
    assert seen == {"load": False, "event table": False}
    assert gc.isenabled()


def test_a_case_file_with_a_problem_gives_the_collector_back():
    with pytest.raises(Exception, match="start"):
        load_text(yaml.safe_dump(make_case(make_event(start="2021-13-01"))), "example.yaml")
    assert gc.isenabled()
