"""Shared fixtures: the bundled cases, and small factories for case documents."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
CASE_FILES = sorted(p for p in CASES.glob("*.yaml") if not p.name.startswith("_"))
SEED_IDS = [p.stem for p in CASE_FILES]

BASE_CASE = {
    "schema": 1,
    "id": "example",
    "title": "Example",
    "source": {"citation": "Example citation"},
    "patient": {"sex": "female", "age": 50, "smoking": "never"},
    "diagnoses": [{"id": "dx", "label": "Adenocarcinoma of the lung", "date": "2021-08-10"}],
    "lesions": [{"id": "primary", "label": "Primary tumour", "site": "lung"}],
    "events": [],
}


def make_event(**overrides) -> dict:
    """A valid targeted-therapy event, with any field replaced (cBioPortal's makeClinicalEvent)."""
    event = {"id": "tki", "kind": "targeted", "drug": "alectinib", "dose": "600 mg BID", "start": "2021-09-01",
             "ongoing": True}
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


def make_case(*events: dict, **overrides) -> dict:
    """A valid case document holding these events."""
    case = copy.deepcopy(BASE_CASE)
    case["events"] = list(events)
    case.update(overrides)
    return case


@pytest.fixture
def fresh_cache():
    """Streamlit's caches are process-global: a test of a page starts from files, not from another test's
    loaded cases, tables or chart specs. Pages' test modules use it with `pytestmark`."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def case_dict():
    return make_case(make_event())


def pytest_collectstart(collector):
    """Point `from conftest import ...` at the conftest.py of the test module's own folder.

    tests/ and tests/browser/ each have a conftest.py, and pytest keeps only the last one it loaded
    under the name `conftest`; without this, the modules of one folder import the other's helpers.
    """
    if not isinstance(collector, pytest.Module):
        return
    own = collector.path.parent / "conftest.py"
    for plugin in collector.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == str(own):
            sys.modules["conftest"] = plugin
            return
