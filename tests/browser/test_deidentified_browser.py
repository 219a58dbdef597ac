"""De-identified, no text of the rendered page says a year or a date of the case: not the case list, the header,
the chart axes and marks (their SVG text and accessible descriptions), the board, nor the browser tab's title."""

import re

import pytest
from playwright.sync_api import expect

from conftest import ROOT
from timelines.loading import load_case
from timelines.tables import event_table

CHART = '[data-testid="stVegaLiteChart"] svg.marks'
# Every text a person or a screen reader gets: the page's text (hidden sidebar included), SVG text, accessible
# labels and descriptions of chart marks, titles and tooltips of elements, and the tab's title.
PAGE_TEXT = """() => {
  const bits = [document.title, document.body.textContent];
  for (const el of document.querySelectorAll('[aria-label], [title], [aria-description], [aria-roledescription]'))
    for (const name of ['aria-label', 'title', 'aria-description', 'aria-roledescription'])
      if (el.getAttribute(name)) bits.push(el.getAttribute(name));
  for (const t of document.querySelectorAll('svg text')) bits.push(t.textContent);
  return bits.join('\\n');
}"""
CASE = "lcnec-alk-lorlatinib"  # breast cancer in 2007, lung cancer in 2021: years in its title and labels
DATE_COLUMNS = ("start", "end", "start_earliest", "start_latest", "end_earliest", "end_latest")


def case_years(case_id: str) -> set[str]:
    """Every year of a case's resolved dates, e.g. {'2007', '2021', '2022'}."""
    events = event_table(load_case(ROOT / "cases" / f"{case_id}.yaml"))
    dates = {str(v) for column in DATE_COLUMNS for v in events[column] if str(v)[:2] in ("19", "20")}
    return {d[:4] for d in dates}


def leaked(text: str, years: set[str]) -> list[str]:
    """The years found in a text, each with a little context."""
    found = []
    for year in sorted(years):
        found += [text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
                  for m in re.finditer(rf"(?<![\d.]){year}(?![\d])", text)]
    return found


def settle(page, query: str) -> str:
    page.goto(f"{page.app_url}/?{query}")
    ready = "text=Patient" if "step=summary" in query else \
        f'{CHART}, [data-testid="stDataFrame"], [data-testid="stTable"]'
    page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_timeout(800)
    assert page.locator('[data-testid="stException"]').count() == 0
    return page.evaluate(PAGE_TEXT)


@pytest.fixture
def deid_page(page, app_url):
    page.app_url = app_url
    return page


def test_the_case_has_years_to_hide_and_they_show_when_not_deidentified(deid_page):
    years = case_years(CASE)
    assert {"2007", "2021"} <= years
    assert leaked(settle(deid_page, f"case={CASE}&view=timeline"), years), "positive control: the years are found"


@pytest.mark.parametrize("query", [f"view={v}" for v in ("timeline", "lesions", "markers", "events")] +
                         [f"page=board&step={s}" for s in ("summary", "timeline", "lesions", "events")])
def test_no_year_of_the_case_on_a_deidentified_page(deid_page, query):
    text = settle(deid_page, f"case={CASE}&deid=1&{query}")
    expect(deid_page.get_by_text("De-identify").first).to_be_attached()
    assert not leaked(text, case_years(CASE))
