"""The essentials of a case above the fold: on a laptop (1280x720) and a projector (1920x1080), every bundled case's
page shows its timeline's date axis and its legends without scrolling, and on the projector the timeline uses the
height it is given."""

from __future__ import annotations

from pathlib import Path

import pytest

CASE_FILES = sorted(p for p in (Path(__file__).resolve().parents[2] / "cases").glob("*.yaml")
                    if not p.name.startswith("_"))
SIZES = [(1280, 720), (1920, 1080)]
# The page is laid out for the window's size (a cookie the page sets, then reopens once): wait for it.
LAID_OUT = "([w, h]) => window.__boardDrawn && window.__boardDrawn[0] === w && window.__boardDrawn[1] === h"
CHART = '[data-testid="stVegaLiteChart"] svg.marks'
SETTLED = "() => !document.querySelector('[data-stale=\"true\"]')"
# The timeline is the page's first chart: the boxes of its x axis's labels and of each of its legends.
MEASURE = """() => {
  const svg = document.querySelector('[data-testid="stVegaLiteChart"] svg.marks');
  const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: r.height}; };
  const xAxis = [...svg.querySelectorAll('g.role-axis')]
    .filter(a => (a.getAttribute('aria-label') || '').startsWith('X-axis'))
    .map(a => a.querySelector('g.role-axis-label')).filter(Boolean).map(box);
  return {xAxis, legends: [...svg.querySelectorAll('g.role-legend')].map(box), plot: box(svg),
          scrolled: document.scrollingElement.scrollTop, screen: innerHeight};
}"""


def timeline_drawn(page, url: str, width: int, height: int) -> dict:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_function(LAID_OUT, arg=[width, height], timeout=60_000)
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(1000)  # Vega lays out after the element appears
    assert page.locator('[data-testid="stException"]').count() == 0
    return page.evaluate(MEASURE)


@pytest.mark.parametrize("width, height", SIZES)
def test_every_case_shows_its_timeline_axis_and_legends_without_scrolling(page, app_url, width, height):
    problems = []
    for path in CASE_FILES:
        measured = timeline_drawn(page, f"{app_url}/?case={path.stem}&view=timeline", width, height)
        assert measured["xAxis"] and measured["legends"], path.stem  # the timeline has both
        assert measured["scrolled"] == 0
        for what, box in [("date axis", b) for b in measured["xAxis"]] + [("legend", b) for b in measured["legends"]]:
            if box["top"] + box["height"] > height:
                problems.append(f"{path.stem} at {width}x{height}: {what} ends at {box['bottom']:.0f} px")
    assert not problems, "\n".join(problems)


def test_the_timeline_uses_a_projectors_height(page, app_url):
    """At 1920x1080 the timeline's date axis lies in the lower part of the screen, not half-way down it."""
    measured = timeline_drawn(page, f"{app_url}/?case=lcnec-alk-lorlatinib&view=timeline", 1920, 1080)
    assert measured["xAxis"][0]["bottom"] >= 0.7 * 1080, measured["xAxis"]
