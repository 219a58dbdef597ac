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


# The fast lane (`bash scripts/test.sh --fast`, pytest's marker `fast`): the tests of the domain's modules
# (timelines/), which run in-process, less those marked `slow` (a process started, a large or generated input, every
# bundled case through a round trip). test_fuzz.py and test_fhir_conformance.py (an external schema's check of every
# bundle) run in the whole suite only, as do the pages' and the browser's tests.
FAST_MODULES = frozenset(f"test_{name}.py" for name in (
    "case_format", "case_forms", "cbioportal", "cbioportal_windows", "cli", "clinical", "cohort", "dates",
    "deidentify", "docs", "editing", "endpoints", "fhir", "fhir_events", "files", "gc_pause", "hostile", "kinds", "layers",
    "loading", "network", "network_fast_paths", "pydantic_messages", "resolution", "storage", "study_read", "tables",
    "text", "warehouse", "bench_check"))


def pytest_ignore_collect(collection_path, config):
    """With `-m fast`, the other test modules and folders are not even imported (Streamlit's and Playwright's imports
    take seconds)."""
    if config.getoption("markexpr") != "fast" or collection_path == ROOT / "tests":
        return None
    if collection_path.is_dir():
        return True
    return collection_path.suffix == ".py" and collection_path.name not in FAST_MODULES or None


def pytest_collection_modifyitems(items):
    for item in items:
        in_lane = item.path.parent == ROOT / "tests" and item.path.name in FAST_MODULES
        if in_lane and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.fast)


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
