"""Legible from the back of the room: on the tumor board at 1920x1080 every chart text is at least 18 px and the
charts use the screen's width; on every page and screen, no two tick labels of an axis overlap."""

import pytest

CHART = '[data-testid="stVegaLiteChart"] svg.marks'
CASE_IDS = ["adeno-alk-leptomeningeal-alectinib", "adeno-alk-miliary-alectinib", "lcnec-alk-lorlatinib",
            "lcnec-eml4-alk-alectinib-case1", "lcnec-eml4-alk-alectinib-case2", "ppamn-hmbox1-alk-ensartinib"]
# Every drawn text of every chart: its font size, and the chart's width as a share of the window's.
MEASURE = """() => {
  const texts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg text')]
    .filter(t => t.textContent.trim() && t.getBBox().width > 0);
  const widths = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')]
    .map(s => s.getBoundingClientRect().width / window.innerWidth);
  return {sizes: texts.map(t => [parseFloat(getComputedStyle(t).fontSize), t.textContent]), widths};
}"""
# Pairs of tick labels of one axis whose boxes intersect.
OVERLAPS = """() => {
  const found = [];
  for (const axis of document.querySelectorAll('[data-testid="stVegaLiteChart"] g.role-axis-label')) {
    const boxes = [...axis.querySelectorAll('text')].filter(t => t.textContent.trim() && getComputedStyle(t).opacity !== '0'
      && t.getAttribute('opacity') !== '0').map(t => [t.textContent, t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, p] = boxes[i], [b, q] = boxes[j];
      if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) found.push(a + ' / ' + b);
    }
  }
  return found;
}"""


def drawn(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_timeout(1200)
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("step", ["timeline", "lesions"])
def test_board_charts_fill_the_projector_with_text_of_at_least_18_px(page, app_url, step):
    page.set_viewport_size({"width": 1920, "height": 1080})
    drawn(page, f"{app_url}/?case=lcnec-alk-lorlatinib&page=board&step={step}")
    measured = page.evaluate(MEASURE)
    small = [(size, text) for size, text in measured["sizes"] if size < 18]
    assert measured["sizes"] and not small, small[:10]
    assert min(measured["widths"]) >= 0.9, measured["widths"]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_no_two_tick_labels_overlap_and_months_are_whole(page, app_url, case_id):
    """On the laptop (calendar axis, and relative: de-identified) and on the projector's board."""
    for (width, height), query in (((1280, 720), f"case={case_id}&view=timeline"),
                                   ((1280, 720), f"case={case_id}&view=timeline&deid=1"),
                                   ((1920, 1080), f"case={case_id}&page=board&step=timeline")):
        page.set_viewport_size({"width": width, "height": height})
        drawn(page, f"{app_url}/?{query}")
        assert not page.evaluate(OVERLAPS), query
        if "deid" in query:  # months since day 0: whole numbers, never '0.1'
            ticks = page.locator('[data-testid="stVegaLiteChart"] g.role-axis-label text').all_text_contents()
            numbers = [t for t in ticks if t.replace("−", "").replace("-", "").replace(".", "").isdigit()]
            assert numbers and not any("." in t for t in numbers), ticks


# Pairs of mark labels (text marks in the plot: response tags, ×n, status words, dose changes) whose boxes intersect.
MARK_LABEL_OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] g.mark-text.role-mark text')]
    .filter(t => t.textContent.trim()).map(t => [t.textContent, t.getBoundingClientRect()]);
  const found = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
      found.push(a + ' / ' + b);
  }
  return [boxes.length, found];
}"""


@pytest.mark.parametrize("case_id", ["adeno-alk-leptomeningeal-alectinib", "adeno-alk-miliary-alectinib"])
def test_no_two_mark_labels_of_the_timeline_overlap(page, app_url, case_id):
    """The cases without calendar dates, on the laptop's case page (the chart fitted to its column) and on the
    board at both sizes (its text drawn 1.3 times larger). Before: 'crizotinib' ran into 'alectinib', and 'PR'
    into the next progression, where room was kept for a 900-px plot drawn 640 px wide."""
    for (width, height), query in (((1280, 720), f"case={case_id}&view=timeline"),
                                   ((1280, 720), f"case={case_id}&page=board&step=timeline"),
                                   ((1920, 1080), f"case={case_id}&page=board&step=timeline")):
        page.set_viewport_size({"width": width, "height": height})
        drawn(page, f"{app_url}/?{query}")
        count, overlaps = page.evaluate(MARK_LABEL_OVERLAPS)
        assert count >= 2 and not overlaps, (query, overlaps)
