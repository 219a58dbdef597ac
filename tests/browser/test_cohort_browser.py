"""The cohort page in Chromium at 1280x720: the swimmer draws, a filter redraws the plots, a row opens its case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import ROOT, screenshot, streamlit_server

APP = ROOT / "tests" / "apps" / "cohort_app.py"
SWIMMER = '[data-testid="stVegaLiteChart"][aria-label^="Swimmer plot"] svg.marks'  # the label is the description
ROW_PX = 35  # height of a header or a row in Streamlit's dataframe


@pytest.fixture(scope="module")
def cohort_url():
    with streamlit_server(script=APP) as url:
        yield url


def open_cohort(page, url):
    page.goto(url)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg.marks', timeout=30_000)
    page.wait_for_selector(SWIMMER, timeout=30_000)


def bar_count(page) -> int:
    return page.locator(f"{SWIMMER} g.mark-rect path").count()


def test_the_swimmer_draws_every_patient_on_one_screen(page, cohort_url):
    open_cohort(page, cohort_url)
    swimmer = page.locator(SWIMMER)
    for case_id in ("lcnec-alk-lorlatinib", "ppamn-hmbox1-alk-ensartinib", "adeno-alk-miliary-alectinib"):
        expect(swimmer.locator("text", has_text=case_id)).to_have_count(1)
    assert bar_count(page) >= 10  # lane shading, therapy bars and the fading stubs
    assert page.locator(f"{SWIMMER} g.mark-symbol path").count() >= 10  # arrows, progression, death, follow-up
    box = swimmer.bounding_box()
    assert box["y"] + box["height"] <= 720 + 40, "the swimmer and its legend fit one projected screen"
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "cohort-swimmer")


def test_a_drug_filter_redraws_the_plots(page, cohort_url):
    open_cohort(page, cohort_url)
    before = bar_count(page)
    drug = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Drug")
    drug.locator("input").click()
    page.keyboard.type("lorlatinib")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    bundled = len(list((ROOT / "cases").glob("[!_]*.yaml")))
    expect(page.get_by_role("heading", name=f"Cohort · 1 of {bundled} cases")).to_be_visible(timeout=15_000)
    swimmer = page.locator(SWIMMER)
    expect(swimmer.locator("text", has_text="ppamn-hmbox1-alk-ensartinib")).to_have_count(0, timeout=15_000)
    expect(swimmer.locator("text", has_text="lcnec-alk-lorlatinib")).to_have_count(1)
    assert bar_count(page) < before
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "cohort-filtered")


def test_selecting_a_row_opens_the_case(page, cohort_url):
    open_cohort(page, cohort_url)
    table = page.locator('[data-testid="stDataFrame"]')
    table.scroll_into_view_if_needed()
    first = "lcnec-alk-lorlatinib"  # longest follow-up: the first lane and the first row
    box = table.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + ROW_PX + ROW_PX / 2)  # the row's selection box
    expect(page.get_by_role("heading", name=f"Case page: {first}")).to_be_visible(timeout=15_000)
    href = page.evaluate("location.href")  # page.url misses Streamlit's replaceState of the query string
    assert f"case={first}" in href and "page=case" in href
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "cohort-opened-case")
