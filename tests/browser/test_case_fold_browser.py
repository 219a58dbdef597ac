"""The essentials of a case above the fold: on a laptop (1280x720) and a projector (1920x1080), every bundled case's
page shows its timeline's date axis and its legends without scrolling, and on the projector the timeline uses the
height it is given; the Lesions and Markers tabs show their date axis on the screen, every page of panels, each plot
at least 90 px tall; the Day 0 control is on the screen; the event table shows every cell's text whole."""

from __future__ import annotations

import re
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


def opened(page, url: str, width: int, height: int, drawn: str = CHART) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_function(LAID_OUT, arg=[width, height], timeout=60_000)
    page.wait_for_selector(drawn, timeout=60_000)
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(1000)
    assert page.locator('[data-testid="stException"]').count() == 0


# Each panel of a tab: the bottom of its x axis's labels (the last panel's), and its plot's height (its root frame).
PANELS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')].map(svg => {
  const xs = [...svg.querySelectorAll('g.role-axis')]
    .filter(a => (a.getAttribute('aria-label') || '').startsWith('X-axis'))
    .map(a => a.querySelector('g.role-axis-label')).filter(Boolean).map(e => e.getBoundingClientRect().bottom);
  const plots = [...svg.querySelectorAll('g.mark-group.role-frame.root > g > path.background')]
    .map(p => p.getBoundingClientRect().height);
  return {axis: xs.length ? Math.max(...xs) : null, plot: Math.max(0, ...plots)};
})"""
PAGER = '.st-key-{key} [data-testid="stButtonGroup"] button'


def tab_pages(page, view: str) -> list[list[dict]]:
    """The panels of every page of a Lesions or Markers tab, as drawn."""
    key = {"lesions": "lesion_panels", "markers": "marker_panels"}[view]
    buttons = page.locator(PAGER.format(key=key)).filter(has_text=re.compile("[0-9]"))
    pages = [page.evaluate(PANELS)]
    for i in range(1, buttons.count()):
        buttons.nth(i).click()
        page.wait_for_timeout(500)
        page.wait_for_function(SETTLED, timeout=60_000)
        page.wait_for_timeout(1000)
        pages.append(page.evaluate(PANELS))
    return pages


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("view", ["lesions", "markers"])
def test_every_page_of_lesions_and_markers_shows_its_date_axis_and_readable_plots(page, app_url, view, width,
                                                                                    height):
    """At 1280x720 the date axis of two lesions' panels was at 936 px and of fifteen labs' at 1,800 px."""
    problems, drawn = [], 0
    for path in CASE_FILES:
        opened(page, f"{app_url}/?case={path.stem}&view={view}", width, height)
        if f"view={view}" not in page.url:
            continue  # the case has no such tab: the page shows its timeline (and says so in the address)
        for number, panels in enumerate(tab_pages(page, view), 1):
            drawn += 1
            axes = [p["axis"] for p in panels if p["axis"] is not None]
            where = f"{path.stem} {view} page {number} at {width}x{height}"
            if not axes or max(axes) > height:
                problems.append(f"{where}: date axis at {max(axes, default=None)} px")
            problems += [f"{where}: a plot {p['plot']:.0f} px tall" for p in panels if 0 < p["plot"] < 89.5]
    assert drawn >= 6 and not problems, "\n".join(problems)


def test_the_day_0_control_and_the_exports_are_on_a_laptops_screen(page, app_url):
    """A radio of the lung LCNEC's day 0 choices ended at 1,007 px on a 1280x720 screen."""
    problems = []
    for path in CASE_FILES:
        opened(page, f"{app_url}/?case={path.stem}&view=timeline", 1280, 720)
        relative = page.locator('[data-testid="stSidebar"] label:has-text("Relative")')
        if page.locator(".st-key-day_zero").count() == 0:
            relative.first.click()
            page.wait_for_selector(".st-key-day_zero", timeout=60_000)
        for what in (".st-key-day_zero", '[data-testid="stSidebar"] [data-testid="stExpander"]'):
            bottom = page.locator(what).first.bounding_box()
            if bottom["y"] + bottom["height"] > 720:
                problems.append(f"{path.stem}: {what} ends at {bottom['y'] + bottom['height']:.0f} px")
    assert not problems, "\n".join(problems)


# Every cell of the event table whose text is wider than the cell (cut, or running into the next).
CUT_CELLS = """() => [...document.querySelectorAll('.st-key-event_table td, .st-key-event_table th')]
  .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 60))"""
WHENS = """() => [...document.querySelectorAll('.st-key-event_table tbody tr')].map(r => r.cells[0].innerText)"""


@pytest.mark.parametrize("width, height", SIZES)
def test_the_event_table_shows_every_when_and_window_whole(page, app_url, width, height):
    """The grid cut a long when at its cell's edge ('after day −5359 to −4995, before modified radical mastect')."""
    problems = []
    for path in CASE_FILES:
        opened(page, f"{app_url}/?case={path.stem}&view=events", width, height, ".st-key-event_table table")
        problems += [f"{path.stem}: {text}" for text in page.evaluate(CUT_CELLS)]
        whens = page.evaluate(WHENS)
        assert whens and all(whens), path.stem
    assert not problems, "\n".join(problems)
    opened(page, f"{app_url}/?case=lcnec-alk-lorlatinib&view=events", width, height, ".st-key-event_table table")
    whens = page.evaluate(WHENS)
    assert "after 2007, before modified radical mastectomy (2007-07)" in whens
    assert max(map(len, whens)) == 155  # the longest when, whole, on several lines
    tall = page.evaluate("() => Math.max(...[...document.querySelectorAll('.st-key-event_table tbody td:first-child')]"
                         ".map(c => c.getBoundingClientRect().height))")
    assert tall > 60
