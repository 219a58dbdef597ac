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


def measured_case(case_id: str = "measured-two-targets") -> dict:
    """A case on first-line crizotinib with two RECIST target lesions measured at baseline, a partial response
    and progression (the bundled papers designate target lesions in one case only)."""
    scans = [("2021-08-20", "40 mm", "20 mm"), ("crizotinib + 3 months", "25 mm", "10 mm"),
             ("crizotinib + 9 months", "34 mm", "14 mm")]
    events = [make_event(id="crizotinib", drug="crizotinib", dose="250 mg BID", start="2021-09-01", line=1,
                         ongoing=None, end="crizotinib + 9 months")]
    for i, (date, primary, node) in enumerate(scans):
        events.append({"id": f"ct{i}", "kind": "imaging", "date": date, "modality": "CT",
                       "measurements": [{"lesion": "primary", "size": primary}, {"lesion": "node", "size": node}]})
    events.append({"kind": "progression", "date": "crizotinib + 9 months", "therapy": "crizotinib"})
    lesions = [{"id": "primary", "label": "Primary tumour", "site": "lung", "target": True},
               {"id": "node", "label": "Right hilar node", "site": "hilum", "nodal": True, "target": True}]
    return make_case(*events, id=case_id, lesions=lesions, patient={"sex": "male", "age": 61, "smoking": "former"})
