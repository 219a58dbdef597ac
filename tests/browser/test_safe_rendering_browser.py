"""Hostile case text in Chromium: nothing planted in a case file executes, in any view or tooltip."""

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import screenshot, streamlit_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from poison import poisoned_case  # noqa: E402

CHART = '[data-testid="stVegaLiteChart"] svg.marks'


@pytest.fixture(scope="module")
def poisoned_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("poisoned")
    case_id = poisoned_case(folder)
    with streamlit_server(cases_dir=folder) as url:
        yield url, case_id


def hover_marks(page, limit: int = 25) -> None:
    """Hover symbols and bars so their tooltips (which carry labels and quotes) are rendered."""
    marks = page.locator('[data-testid="stVegaLiteChart"]').first.locator("g.mark-symbol path, g.mark-rect path")
    for i in range(min(marks.count(), limit)):
        try:
            marks.nth(i).hover(timeout=1000, force=True)
            page.wait_for_timeout(60)
        except Exception:
            continue


@pytest.mark.parametrize("view", ["timeline", "lesions", "markers", "events"])
def test_planted_html_and_scripts_never_run(page, poisoned_url, view):
    url, case_id = poisoned_url
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{url}/?case={case_id}&view={view}")
    ready = page.locator(CHART).first if view != "events" else page.locator("div.event-table table").first
    ready.wait_for(timeout=30_000)
    if view != "events":
        hover_marks(page)
    page.get_by_text("Export: slides").first.click()  # drawn when opened
    page.locator('[data-testid="stDownloadButton"]').first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Details").click()  # the case's details: drawn when opened
    expect(page.locator('[data-testid="stPopoverBody"] [data-testid="stDataFrame"]').first).to_be_visible(
        timeout=30_000)  # outcomes
    page.wait_for_timeout(300)
    assert page.evaluate("window.__owned") is None, "planted code ran"
    assert page.locator('img[src="x"]').count() == 0, "planted HTML became an element"
    assert page.locator('a[href^="javascript:"]').count() == 0, "a planted javascript: link is live"
    assert not dialogs
    assert page.locator('[data-testid="stException"]').count() == 0
    expect(page.get_by_text("<img src=x", exact=False).first).to_be_visible()
    screenshot(page, f"poisoned-{view}")


def _seen(text: str) -> str:
    """Text as a reader compares it: whitespace runs as one space, word joiners unseen, a NUL shown as U+FFFD
    (CommonMark's rule) and a leading byte-order mark dropped (the browser's)."""
    text = text.replace("\u2060", "").replace("\x00", "\ufffd").removeprefix("\ufeff")
    return " ".join(text.split())


def test_every_hostile_text_escaped_for_markdown_is_shown_character_for_character(page):
    from poison import corpus_texts

    texts = corpus_texts()
    with streamlit_server(Path(__file__).resolve().parents[1] / "apps" / "markdown_app.py") as url:
        page.goto(url)
        page.locator(f'.st-key-text-{len(texts) - 1} [data-testid="stMarkdownContainer"]').wait_for(timeout=60_000)
        shown = page.evaluate(f"[...Array({len(texts)}).keys()].map(i => document.querySelector("
                              "`.st-key-text-${i} [data-testid=stMarkdownContainer]`).innerText)")
        elements = page.locator('[data-testid="stMarkdownContainer"] :is(a, img, strong, em, code, h1, h2, h3, '
                                'li, table, del, span.katex, span[class*=stMarkdownColored])').count()
    differ = [(i, _seen(t)[:80], _seen(s)[:80]) for i, (t, s) in enumerate(zip(texts, shown)) if _seen(t) != _seen(s)]
    assert differ == []
    assert elements == 0, "case text became a link, an image, formatting or LaTeX"
