"""The dashboard in Chromium: cases open by deep link and draw, with no exception on the page."""

import pytest
from playwright.sync_api import expect

from conftest import screenshot

CHART = '[data-testid="stVegaLiteChart"] svg.marks'


def open_case(page, app_url, case_id, view="timeline"):
    page.goto(f"{app_url}/?case={case_id}&view={view}")
    ready = page.locator(CHART).first if view != "events" else page.locator('[data-testid="stDataFrame"]').last
    ready.wait_for(timeout=30_000)


def test_a_case_opens_by_deep_link_with_its_header(page, app_url):
    open_case(page, app_url, "lcnec-eml4-alk-alectinib-case2")
    expect(page.get_by_role("heading", level=2)).to_contain_text("Case 2")
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "case-header")


def test_an_unknown_case_in_the_link_is_explained(page, app_url):
    page.goto(f"{app_url}/?case=does-not-exist")
    expect(page.get_by_text("There is no case with the id")).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


CASE_IDS = ["adeno-alk-leptomeningeal-alectinib", "adeno-alk-miliary-alectinib", "lcnec-alk-lorlatinib",
            "lcnec-eml4-alk-alectinib-case1", "lcnec-eml4-alk-alectinib-case2", "ppamn-hmbox1-alk-ensartinib"]


def mark_count(page) -> int:
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    return chart.locator("g.mark-rect path, g.mark-symbol path, g.mark-line path, g.mark-rule line").count()


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_draws_its_timeline_by_deep_link(page, app_url, case_id):
    open_case(page, app_url, case_id)
    assert mark_count(page) >= 5, "the timeline has its bars and symbols"
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"timeline-{case_id}")


def test_switching_view_draws_the_lesion_chart(page, app_url):
    open_case(page, app_url, "ppamn-hmbox1-alk-ensartinib")
    page.locator('[data-testid="stButtonGroup"]').get_by_text("Lesions", exact=True).click()
    expect(page.get_by_text("longest diameter, mm").first).to_be_visible(timeout=30_000)
    page.wait_for_selector(CHART, timeout=30_000)
    assert mark_count(page) >= 3
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "lesions-ppamn")


def test_switching_to_the_relative_axis_relabels_the_time_axis(page, app_url):
    open_case(page, app_url, "lcnec-eml4-alk-alectinib-case2")
    page.locator('[data-testid="stSidebar"]').get_by_text("Relative", exact=True).click()
    expect(page.locator('[data-testid="stVegaLiteChart"]').get_by_text("Months since", exact=False).first) \
        .to_be_visible(timeout=30_000)
    assert mark_count(page) >= 5


def test_the_tumor_board_steps_with_the_arrow_keys(page, app_url):
    page.goto(f"{app_url}/?case=lcnec-alk-lorlatinib&page=board&step=summary")
    expect(page.get_by_text("1/5 · Summary")).to_be_visible(timeout=30_000)  # no marker values: no Markers step
    page.wait_for_timeout(500)
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("2/5 · Endpoints").first).to_be_visible(timeout=30_000)
    for _ in range(6):  # the endpoints' pages, then the timeline
        if page.get_by_text("3/5 · Timeline").count():
            break
        page.wait_for_timeout(800)
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(800)
    expect(page.get_by_text("3/5 · Timeline")).to_be_visible(timeout=30_000)
    page.wait_for_selector(CHART, timeout=30_000)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "board-timeline")
