"""Sign-in in Chromium against a real OpenID Connect provider on 127.0.0.1: an anonymous visitor is refused, a
viewer cannot reach the Editor, an editor saves, and the history names the editor."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import ROOT, free_port, screenshot, streamlit_server

pytestmark = pytest.mark.browser

ALICE = "alice@hospital.org"  # listed as an editor
BOB = "bob@hospital.org"      # signed in, not listed: a viewer


@contextlib.contextmanager
def oidc_provider(*users: dict, timeout: float = 30):
    """oidc-provider-mock on a free port of 127.0.0.1 only, with these users (claims with a "sub") predefined."""
    port = free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in users:
        command += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError("the OpenID provider exited: " + process.stderr.read().decode(errors="replace"))
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the OpenID provider did not answer within {timeout} s") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signed-in-cases")
    for path in (ROOT / "cases").iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def app_url(cases_dir):
    users = [{"sub": email, "email": email, "email_verified": True, "name": name}
             for email, name in ((ALICE, "Alice Editor"), (BOB, "Bob Viewer"))]
    with oidc_provider(*users) as provider:
        settings = f"""editors = ["{ALICE}"]

[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "oncology-timelines"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"
"""
        with streamlit_server(cases_dir=cases_dir, secrets=settings) as url:
            yield url


def case_picker(page):
    return page.locator(".st-key-case_picker")  # the sidebar's searchable list of cases


def page_choice(page, name: str):
    """A page of the sidebar's page picker (Case, Tumor board, Cohort, Editor)."""
    return page.get_by_role("radiogroup", name="Page").get_by_role("radio", name=name)


def on_screen(email: str) -> str:
    """A regular expression of an address as the page shows it: a word joiner after '@' keeps it from becoming
    a link (timelines.text.escape_markdown)."""
    return re.escape(email).replace("@", "@\u2060?")


def sign_in(page, url: str, who: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=who).click()  # the provider's form: one button per predefined user
    expect(page.get_by_text(re.compile(f"Signed in as {on_screen(who)}"))).to_be_visible(timeout=30_000)


def test_an_anonymous_visitor_sees_the_sign_in_screen_and_no_case(page, app_url, cases_dir):
    case_id = sorted(p.stem for p in cases_dir.glob("*.yaml") if not p.name.startswith("_"))[0]
    for address in (app_url, f"{app_url}/?case={case_id}", f"{app_url}/?page=editor", f"{app_url}/?page=cohort"):
        page.goto(address)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("sign in with your hospital account to see the cases")).to_be_visible()
        # must NOT happen: a case, the case list, the page picker or the editor shown to nobody in particular
        expect(case_picker(page)).to_have_count(0)
        expect(page.get_by_role("radiogroup", name="Page")).to_have_count(0)
        expect(page.get_by_role("heading", name="Case editor")).to_have_count(0)
        expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(0)
        assert "case_id" not in page.content() and case_id not in page.inner_text("body")
    screenshot(page, "sign-in-screen")


def test_a_viewer_sees_the_cases_but_cannot_reach_the_editor(page, app_url):
    sign_in(page, app_url, BOB)
    expect(case_picker(page)).to_be_visible()
    expect(page.get_by_text(re.compile("viewer: sees the cases"))).to_be_visible()
    expect(page_choice(page, "Case")).to_be_visible()
    page.goto(f"{app_url}/?page=editor")
    expect(case_picker(page)).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(timeout=30_000)
    # must NOT happen: the editor, or a way to it, for a viewer
    expect(page.get_by_role("heading", name="Case editor")).to_have_count(0)
    expect(page_choice(page, "Tumor board")).to_be_visible()
    expect(page_choice(page, "Editor")).to_have_count(0)
    assert "page=case" in page.url
    screenshot(page, "sign-in-viewer")


def test_an_editor_saves_and_the_history_names_them(page, app_url, cases_dir):
    sign_in(page, app_url, ALICE)
    expect(page.get_by_text(re.compile("editor: may edit and save cases"))).to_be_visible()
    page_choice(page, "Editor").click()
    page.get_by_role("tab", name="New case").click()
    page.get_by_role("textbox", name="Title").fill("Signed case")
    page.get_by_role("textbox", name="Case id (the file name)").fill("signed-case")
    page.get_by_role("button", name="Create the new case").click()
    box = page.get_by_role("textbox", name="Case file (YAML)")
    expect(box).to_be_visible(timeout=30_000)
    template = (ROOT / "cases" / "_template.yaml").read_text(encoding="utf-8")  # a new case's FILL-INs filled in
    box.fill(template.replace("\nid: example-case\n", "\nid: signed-case\n", 1))
    box.press("Control+Enter")
    expect(page.get_by_text("No problems: this text is a valid case.")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile(f"Saved signed-case.yaml as {on_screen(ALICE)}."))).to_be_visible(timeout=30_000)
    box = page.get_by_role("textbox", name="Case file (YAML)")
    box.fill(box.input_value() + "# reviewed at the board\n")
    box.press("Control+Enter")
    expect(page.get_by_text("unsaved changes", exact=False)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("The previous version is kept in the history"))).to_be_visible(timeout=30_000)
    history = page.get_by_role("tab", name="History")
    expect(history).to_have_count(1, timeout=30_000)  # the rerun after saving has replaced the page's elements
    history.click()
    saves = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Saves of this case")
    expect(saves).to_contain_text(re.compile(f"saved by {on_screen(ALICE)}"), timeout=30_000)
    expect(saves.locator("li")).to_have_count(2)
    log = (cases_dir / ".history" / "signed-case" / "saves.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(row)["by"] for row in log] == [ALICE, ALICE]
    assert (cases_dir / "signed-case.yaml").read_text(encoding="utf-8").endswith("# reviewed at the board\n")
    saves.scroll_into_view_if_needed()
    screenshot(page, "sign-in-editor-history")
