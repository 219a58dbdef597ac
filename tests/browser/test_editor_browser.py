"""The case editor in Chromium: a mistake is explained at its line, the fix updates the preview, and saving works."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from timelines import load_case
from timelines.tables import event_table, lane_order

from conftest import ROOT, screenshot, streamlit_server

EDITOR_APP = ROOT / "tests" / "apps" / "editor_app.py"
TEMPLATE = (ROOT / "cases" / "_template.yaml").read_text(encoding="utf-8")
CHART = '[data-testid="stVegaLiteChart"]'
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor-cases")
    for path in (ROOT / "cases").iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def editor_url(cases_dir):
    with streamlit_server(EDITOR_APP, cases_dir=cases_dir) as url:
        yield url


def editor_box(page):
    return page.get_by_role("textbox", name="Case file (YAML)")


def commit(page, text: str) -> None:
    """Type the whole text into the editor and apply it (Ctrl+Enter, as the text area's own hint says)."""
    box = editor_box(page)
    box.fill(text)
    box.press("Control+Enter")


def preview_event(page, label: str):
    return page.locator(f'{CHART} [aria-label*="Event: {label};"]')


def test_a_new_case_starts_small_refused_until_filled_with_the_guide_one_click_away(page, editor_url, cases_dir):
    page.set_default_timeout(60_000)  # the file's first page: the server may still be warming up on a busy machine
    page.goto(editor_url)
    page.get_by_role("tab", name="New case").click()
    page.get_by_role("textbox", name="Title").fill("Duodenal gastrointestinal stromal tumour treated with "
                                                   "pancreas-preserving duodenectomy and imatinib")
    page.get_by_role("textbox", name="Title").press("Tab")
    expect(page.get_by_role("textbox", name="Case id (the file name)")).to_have_value(
        "duodenal-gastrointestinal-stromal-tumour-treated", timeout=30_000)  # whole words, never cut mid-word
    page.get_by_role("button", name="Create the new case").click()
    expect(page.get_by_text("7 problems in this text")).to_be_visible(timeout=30_000)
    expect(editor_box(page)).to_have_value(re.compile(r"FILL-IN"), timeout=30_000)  # the box filled in the browser
    text = editor_box(page).input_value()
    assert len(text.splitlines()) == 19 and "alectinib" not in text and "tamoxifen" not in text
    problems = page.locator('[data-testid="stCode"]').filter(has_text="is a placeholder")
    expect(problems).to_contain_text("9:13: source.citation: FILL-IN is a placeholder. Hint: Replace it with")
    expect(page.get_by_text("Authoring guide: how to write a case")).to_be_visible()
    expect(page.get_by_text("Full template: a fictional example of every field and date form")).to_be_visible()
    # must NOT happen: a text full of placeholders called valid
    expect(page.get_by_text("No problems: this text is a valid case.")).to_have_count(0)
    screenshot(page, "editor-new-case")


def test_the_preview_sits_beside_the_text_with_every_lane_labelled(page, editor_url, cases_dir):
    page.goto(editor_url)
    page.get_by_role("button", name="Open this case").click(timeout=60_000)
    labels = page.locator(f'{CHART} g.role-axis-label text')
    expect(page.locator(f"{CHART} svg.marks").first).to_be_visible(timeout=60_000)
    box, chart = editor_box(page).bounding_box(), page.locator(CHART).first.bounding_box()
    assert chart["x"] >= box["x"] + box["width"] and chart["y"] < box["y"] + box["height"], (box, chart)
    lanes = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] g.role-axis')]
        .filter(axis => axis.getAttribute('aria-label')?.startsWith('Y-axis'))
        .flatMap(axis => [...axis.querySelectorAll('g.role-axis-label text')])
        .map(t => [t.textContent, Number(t.getAttribute('opacity') ?? 1)])""")
    first = sorted(p for p in cases_dir.glob("*.yaml") if not p.name.startswith("_"))[0]
    expected = lane_order(event_table(load_case(first)))
    assert [label for label, _ in lanes] == list(expected)
    # regression: squeezed into the chart's height, lanes overlapped and Vega hid 4 of 8 labels (opacity 0)
    assert all(opacity > 0 for _, opacity in lanes), lanes
    assert labels.count() > len(lanes)
    screenshot(page, "editor-preview-beside-text")


# The preview's lane labels (its y axis) and the labels drawn beside its marks: text, opacity and box of each.
PREVIEW_TEXTS = """() => {
  const svg = document.querySelector('[data-testid="stVegaLiteChart"] svg.marks');
  const box = t => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const lanes = [...svg.querySelectorAll('g.role-axis')].filter(a => a.getAttribute('aria-label')?.startsWith('Y-axis'))
    .flatMap(a => [...a.querySelectorAll('g.role-axis-label text')])
    .map(t => [t.textContent, Number(t.getAttribute('opacity') ?? 1), box(t)]);
  const marks = [...svg.querySelectorAll('g.mark-text text')].filter(t => t.textContent.trim())
    .map(t => [t.textContent, 1, box(t)]);
  return {lanes, marks};
}"""


def overlapping(texts: list) -> list[str]:
    """Pairs of texts whose boxes intersect (by more than a pixel)."""
    found = []
    for i, (a, _, p) in enumerate(texts):
        for b, _, q in texts[i + 1:]:
            if p[0] < q[2] - 1 and q[0] < p[2] - 1 and p[1] < q[3] - 1 and q[1] < p[3] - 1:
                found.append(f"{a} / {b}")
    return found


def test_on_a_laptop_beside_the_sidebar_the_preview_is_wide_and_every_lane_labelled(page, app_url):
    """The dashboard's editor at 1280x720 (its sidebar open): the preview beside the text is at least 500 px wide,
    every lane labelled, no label drawn over another (it was 476 px, a 300-px plot, beside a 310-px text box)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/?page=editor")
    page.get_by_role("button", name="Open this case").click(timeout=60_000)
    expect(page.locator(f"{CHART} svg.marks").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(800)
    box, chart = editor_box(page).bounding_box(), page.locator(CHART).first.bounding_box()
    assert chart["x"] >= box["x"] + box["width"] and chart["y"] < box["y"] + box["height"], (box, chart)
    assert chart["width"] >= 500, chart
    texts = page.evaluate(PREVIEW_TEXTS)
    first = sorted(p for p in (ROOT / "cases").glob("*.yaml") if not p.name.startswith("_"))[0]
    assert [label for label, _, _ in texts["lanes"]] == list(lane_order(event_table(load_case(first))))
    assert all(opacity > 0 for _, opacity, _ in texts["lanes"]), texts["lanes"]
    assert not overlapping(texts["lanes"]) and not overlapping(texts["marks"])
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_mistake_is_shown_at_its_line_and_the_fix_updates_the_preview(page, editor_url, cases_dir):
    page.goto(editor_url)
    page.get_by_role("tab", name="New case").click()
    page.get_by_role("textbox", name="Title").fill("Browser case")
    page.get_by_role("textbox", name="Case id (the file name)").fill("browser-case")
    page.get_by_role("button", name="Create the new case").click()
    expect(page.get_by_text("problems in this text")).to_be_visible(timeout=30_000)
    commit(page, TEMPLATE.replace("\nid: example-case\n", "\nid: browser-case\n", 1))  # the full template pasted in
    expect(page.get_by_text("No problems: this text is a valid case.")).to_be_visible(timeout=30_000)
    expect(preview_event(page, "Left mastectomy").first).to_be_attached(timeout=30_000)
    text = editor_box(page).input_value()
    assert "id: browser-case" in text

    broken = text.replace("kind: surgery", "kind: surgeyr", 1)
    line = next(i for i, row in enumerate(broken.splitlines(), 1) if "kind: surgeyr" in row)
    commit(page, broken)
    expect(page.get_by_text("1 problem in this text")).to_be_visible(timeout=30_000)
    problem = page.locator('[data-testid="stCode"]').filter(has_text="Unknown event kind")
    expect(problem).to_contain_text(f"{line}:11: events[0].kind: Unknown event kind 'surgeyr'")
    expect(problem).to_contain_text("Did you mean 'surgery'?")
    expect(problem).to_contain_text(f"{line} |     kind: surgeyr")
    # must NOT happen: the preview vanishing, or an exception on the page
    expect(preview_event(page, "Left mastectomy").first).to_be_attached()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("1 problem in this text").scroll_into_view_if_needed()
    screenshot(page, "editor-mistake-explained")

    fixed = text.replace("label: Left mastectomy", "label: Modified radical mastectomy", 1)
    commit(page, fixed)
    expect(page.get_by_text("No problems: this text is a valid case.")).to_be_visible(timeout=30_000)
    expect(preview_event(page, "Modified radical mastectomy").first).to_be_attached(timeout=30_000)
    expect(preview_event(page, "Left mastectomy")).to_have_count(0)
    page.get_by_role("tab", name="Timeline preview").scroll_into_view_if_needed()
    screenshot(page, "editor-preview-updated")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("Saved browser-case.yaml"))).to_be_visible(timeout=30_000)
    assert (cases_dir / "browser-case.yaml").read_text(encoding="utf-8") == fixed


def test_a_file_changed_on_disk_is_shown_beside_mine_and_not_overwritten(page, editor_url, cases_dir):
    page.goto(editor_url)
    target = sorted(p for p in cases_dir.glob("*.yaml") if not p.name.startswith("_"))[0]
    page.get_by_role("button", name="Open this case").click()
    expect(editor_box(page)).to_have_value(target.read_text(encoding="utf-8"), timeout=30_000)
    original = target.read_text(encoding="utf-8")
    commit(page, original.replace("title: ", "title: MINE ", 1))
    expect(page.get_by_text("unsaved changes", exact=False)).to_be_visible(timeout=30_000)
    theirs = original.replace("title: ", "title: THEIRS ", 1)
    target.write_text(theirs, encoding="utf-8")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("nothing was overwritten"))).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Reload from disk")).to_be_visible()
    expect(page.locator('[data-testid="stCode"]').filter(has_text="+title: MINE")).to_have_count(1)
    assert target.read_text(encoding="utf-8") == theirs  # must NOT happen: my save replacing theirs
    page.get_by_text(re.compile("nothing was overwritten")).scroll_into_view_if_needed()
    screenshot(page, "editor-conflict")
    page.get_by_role("button", name="Reload from disk").scroll_into_view_if_needed()
    screenshot(page, "editor-conflict-choices")


def test_an_upload_over_1_mb_is_refused_in_the_browser_with_a_message(page, editor_url, cases_dir, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (1024 * 1024) + "\n")
    before = sorted(p.name for p in cases_dir.iterdir())
    page.goto(editor_url)
    upload = page.get_by_role("tab", name="Upload")
    expect(upload).to_be_visible(timeout=60_000)  # a cold page on a busy machine: CI once waited past 30 s
    upload.click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(big))
    uploader = page.locator('[data-testid="stFileUploader"]')
    expect(uploader).to_contain_text("File must be 1.0MB or smaller", timeout=30_000)
    assert page.get_by_role("textbox", name="Case file (YAML)").count() == 0  # must NOT happen: it being opened
    assert sorted(p.name for p in cases_dir.iterdir()) == before
    page.locator('[data-testid="stFileChip"]').hover()
    screenshot(page, "editor-upload-too-large")
