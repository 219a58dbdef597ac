"""The dashboard in Chromium: cases open by deep link and draw, with no exception on the page."""

import pytest
from playwright.sync_api import expect

from conftest import screenshot


def open_case(page, app_url, case_id):
    page.goto(f"{app_url}/?case={case_id}")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)


def test_a_case_opens_by_deep_link_with_its_header(page, app_url):
    open_case(page, app_url, "lcnec-eml4-alk-alectinib-case2")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case 2")
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "case-header")


def test_an_unknown_case_in_the_link_is_explained(page, app_url):
    page.goto(f"{app_url}/?case=does-not-exist")
    expect(page.get_by_text("There is no case with the id")).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
