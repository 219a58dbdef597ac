"""De-identified, no text of the rendered page says a year or a date of the case: not the case list, the header,
the chart axes and marks (their SVG text and accessible descriptions), the board, nor the browser tab's title."""

import re

import pytest
from playwright.sync_api import expect

from timelines.reading.loading import load_case
from timelines.tables import event_table

from conftest import ROOT

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


def download_text(name: str, data: bytes) -> str:
    """What a reader of a downloaded file can see: the text of a table, an SVG, a deck's XML or a handout."""
    import io
    import zipfile

    from pypdf import PdfReader

    if name.endswith((".csv", ".svg", ".json")):
        return data.decode("utf-8", errors="replace")
    if name.endswith(".pptx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist())
    if name.endswith(".pdf"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("latin-1")  # a PNG: its chunks, metadata included


def test_a_deidentified_case_keeps_its_id_out_of_the_address_and_every_download(deid_page):
    """A site may name case files by record number or initials: the address bar, the file names and the
    contents of every download of a de-identified view use the neutral id instead."""
    from timelines.deidentify import neutral_file_stem

    settle(deid_page, f"case={CASE}&deid=1&view=events")
    neutral = neutral_file_stem(CASE)
    deid_page.wait_for_function(f"() => window.location.search.includes('case={neutral}')", timeout=20_000)
    assert CASE not in deid_page.url
    deid_page.get_by_text("Export: slides, handout, images, tables").click()
    deid_page.get_by_role("button", name="Slides for the board (PPTX)").wait_for(timeout=60_000)
    deid_page.wait_for_timeout(1000)
    buttons = deid_page.locator('[data-testid="stDownloadButton"] button')  # the event table's own, and the box's
    assert buttons.count() >= 5  # slides, handout, events and the timeline as PNG and SVG at least
    for i in range(buttons.count()):
        with deid_page.expect_download(timeout=120_000) as info:
            buttons.nth(i).click()
        download = info.value
        data = open(download.path(), "rb").read()
        assert download.suggested_filename.startswith(neutral + "."), download.suggested_filename
        assert CASE not in download_text(download.suggested_filename, data), download.suggested_filename
    assert CASE not in deid_page.url
    # the neutral id in the address opens the same case
    text = settle(deid_page, f"case={neutral}&deid=1&view=timeline")
    assert "There is no case" not in text
