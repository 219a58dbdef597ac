"""In Chromium: a link planted in the cases folder to a file of the server shows neither that file's text nor its
path, in the Editor or on the case page; everything the browser holds (text, markup, SVG, form values) is searched."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from conftest import ROOT, screenshot, streamlit_server

pytestmark = pytest.mark.browser
SECRET = "root:x:0:0:SECRET-PASSWORD-LINE"
EVERYTHING = """() => [document.documentElement.outerHTML, document.body.innerText,
    ...Array.from(document.querySelectorAll('textarea, input')).map(e => e.value)].join('\\n')"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    cases = root / "cases"
    cases.mkdir()
    for path in (ROOT / "cases").glob("*.yaml"):
        shutil.copy(path, cases / path.name)
    secret = root / "server-secrets" / "environ"
    secret.parent.mkdir()
    secret.write_text(f"{SECRET}\nAPI_TOKEN=abc123\n", encoding="utf-8")
    (cases / "aaa-leak.yaml").symlink_to(secret)  # first in the list, so it is what "Open" opens
    return cases, secret


@pytest.fixture(scope="module")
def planted_url(planted):
    with streamlit_server(ROOT / "dashboard.py", cases_dir=planted[0]) as url:
        yield url


def shown(page) -> str:
    return page.evaluate(EVERYTHING)


def assert_nothing_leaks(page, secret):
    text = shown(page)
    assert "aaa-leak.yaml" in text  # the control: the search does see what the page shows
    for needle in (SECRET, "API_TOKEN", "server-secrets", str(secret), str(secret.parent.parent)):
        assert needle not in text, f"{needle!r} is on the page"


def test_the_editor_opens_nothing_from_a_link_out(page, planted_url, planted):
    cases, secret = planted
    page.goto(f"{planted_url}/?page=editor")
    page.get_by_role("button", name="Open this case").click()
    expect(page.get_by_text("symbolic link to a file outside the folder cases/").first).to_be_visible(timeout=30_000)
    screenshot(page, "editor-link-refused")
    assert_nothing_leaks(page, secret)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_case_page_marks_the_link_and_shows_nothing_of_its_target(page, planted_url, planted):
    cases, secret = planted
    page.goto(f"{planted_url}/?case=aaa-leak")
    expect(page.get_by_text("symbolic link to a file outside the folder cases/").first).to_be_visible(timeout=30_000)
    assert_nothing_leaks(page, secret)
    assert str(cases) not in shown(page)
