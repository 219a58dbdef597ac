"""A cBioPortal study on a laptop (1280x720): the cohort's filters can be read, every label and chosen value whole
(six boxes in a row beside the swimmer cut 'By follow-up' to 'By follo')."""

from __future__ import annotations

import json
import sys

import pytest

from timelines.warehouse import store as warehouse

from conftest import ROOT, streamlit_server

sys.path.insert(0, str(ROOT))
from bench.registry import write_study  # noqa: E402
from bench.synth import synthetic_case  # noqa: E402

PATIENTS = 20
# Every text of a select box, a multiselect (its chosen values too) and a slider that is wider than its box (cut
# with "…" or clipped), and every label that wraps.
CUT = """() => {
  const found = [];
  for (const w of document.querySelectorAll('[data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stSlider"]')) {
    const label = w.querySelector('[data-testid="stWidgetLabel"]');
    for (const e of w.querySelectorAll('input, span, div, p')) {
      const own = e.tagName === 'INPUT' ? e.value : [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
      if (own.trim() && e.scrollWidth > e.clientWidth + 1) found.push(`${label?.innerText}: '${own.trim()}' cut`);
    }
    const text = label?.querySelector('p');
    if (text && text.getBoundingClientRect().height > 1.6 * parseFloat(getComputedStyle(text).lineHeight))
      found.push(`label '${text.innerText}' wraps`);
  }
  return found;
}"""


@pytest.fixture(scope="module")
def study_url(tmp_path_factory):
    """The dashboard on a generated study whose warehouse is already built (as tests/test_study_view.py builds it)."""
    root = tmp_path_factory.mktemp("study")
    folder = write_study(root / "registry", PATIENTS)
    target = root / "warehouse" / f"registry-{warehouse.study_version(folder)}"
    documents = [(pid, synthetic_case(f"case-{pid}", 40, seed=i, calendar=False))
                 for i, pid in enumerate(warehouse.study_patients(folder))]
    warehouse.build_documents(documents, target)
    (target / warehouse.META_FILE).write_text(json.dumps({"study": {"name": "Synthetic registry"}}))
    with streamlit_server(cases_dir=folder, secrets=f'warehouse_dir = "{root / "warehouse"}"\n') as url:
        yield url


def test_the_study_filters_are_read_whole_on_a_laptop(page, study_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{study_url}/?page=cohort")
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg.marks', timeout=60_000)
    lines = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Line")
    for line in ("1", "2"):  # two chosen lines, each a chip in the box
        lines.locator("input").click()
        page.get_by_role("option", name=line, exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")
    page.wait_for_timeout(800)
    assert lines.get_by_text("2", exact=True).count() == 1
    order = page.locator('[data-testid="stSelectbox"]').filter(has_text="Order").locator("input")
    assert order.input_value() == "By follow-up"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.evaluate(CUT)
