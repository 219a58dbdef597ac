"""The pages (Streamlit AppTest) against a hostile or changing cases folder: a link to a server file shows
neither its text nor its path, and files that vanish, appear, turn into folders or are half-written while pages
load leave the other cases working and mark the one affected."""

from __future__ import annotations

import random
import re
import shutil
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from timelines import load_case
from timelines.reading import catalog

from conftest import CASE_FILES, CASES, ROOT

DASHBOARD = str(ROOT / "dashboard.py")
EDITOR = str(ROOT / "tests" / "apps" / "editor_app.py")
SECRET = "root:x:0:0:SECRET-PASSWORD-LINE"

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def cases(tmp_path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for path in CASE_FILES[:2]:
        shutil.copy(path, folder / path.name)
    shutil.copy(CASES / "_template.yaml", folder / "_template.yaml")
    return folder


@pytest.fixture
def secret(tmp_path) -> Path:
    outside = tmp_path / "server-secrets" / "environ"
    outside.parent.mkdir()
    outside.write_text(f"{SECRET}\nAPI_TOKEN=abc123\n", encoding="utf-8")
    return outside


def app(script: str, cases: Path, **params) -> AppTest:
    at = AppTest.from_file(script, default_timeout=60)
    at.secrets["cases_dir"] = str(cases)
    for name, value in params.items():
        at.query_params[name] = value
    return at


def everything_shown(at: AppTest) -> str:
    """Every text element of the page, however it is shown."""
    parts = []
    for kind in ("markdown", "caption", "code", "error", "warning", "info", "success", "text_area", "header",
                 "subheader", "title", "text"):
        for element in at.get(kind):
            parts.append(str(getattr(element, "value", "")))
    for element in at.get("radio") + at.get("selectbox"):
        parts.extend(str(option) for option in element.options)  # as labelled on screen
    return plain("\n".join(parts))


def plain(markdown: str) -> str:
    """What a reader sees of escaped Markdown."""
    return re.sub(r"\\(.)", r"\1", markdown)


# ---------------------------------------------------------------- links out

def test_the_case_page_marks_a_link_out_with_a_message_naming_the_file_only(cases, secret):
    (cases / "leak.yaml").symlink_to(secret)
    at = app(DASHBOARD, cases, case="leak").run()
    assert not at.exception
    shown = everything_shown(at)
    assert "leak.yaml: This is a symbolic link to a file outside the folder cases/" in shown
    assert SECRET not in shown and "server-secrets" not in shown and str(cases) not in shown
    at.sidebar.selectbox(key="case_picker").set_value(CASE_FILES[0].stem).run()
    assert not at.exception and not at.error


def test_the_editor_refuses_to_open_a_link_out(cases, secret):
    (cases / "leak.yaml").symlink_to(secret)
    at = app(EDITOR, cases).run()
    at.selectbox(key="editor_open_choice").set_value("case:leak.yaml").run()
    at.button(key="editor_open").click().run()
    assert not at.exception
    shown = everything_shown(at)
    assert "symbolic link to a file outside the folder cases/" in shown
    assert SECRET not in shown and "API_TOKEN" not in shown and "server-secrets" not in shown


def test_a_template_linked_out_is_not_used_for_a_new_case(cases, secret):
    (cases / "_template.yaml").unlink()
    (cases / "_template.yaml").symlink_to(secret)
    at = app(EDITOR, cases).run()
    at.text_input(key="editor_new_title").set_value("New case").run()
    at.text_input(key="editor_new_id").set_value("new-case")
    at.button(key="editor_new").click().run()
    at.toggle(key="editor_show_template").set_value(True).run()  # the full template, shown beside a new case
    assert not at.exception
    shown = everything_shown(at)
    assert SECRET not in shown and "The folder's template was not used" in shown
    assert "schema: 1" in at.text_area(key="editor_text").value


# ---------------------------------------------------------------- a folder that changes under the page

def test_a_file_that_vanishes_between_listing_and_reading_is_left_out(cases, monkeypatch):
    listed = catalog.case_paths

    def with_a_vanished_file(folder):
        return listed(folder) + [Path(folder) / "zz-vanished.yaml"]  # listed, then deleted by a checkout

    monkeypatch.setattr(catalog, "case_paths", with_a_vanished_file)
    at = app(DASHBOARD, cases).run()
    assert not at.exception
    assert len(at.sidebar.selectbox(key="case_picker").options) == 2


def test_a_missing_cases_folder_says_so_by_its_name(tmp_path):
    at = app(DASHBOARD, tmp_path / "no-such-folder").run()
    assert not at.exception
    assert "The cases folder no-such-folder/ does not exist" in plain(at.sidebar.error[0].value)
    assert str(tmp_path) not in at.sidebar.error[0].value


def flip(folder: Path, stop: threading.Event, seed: int) -> None:
    """What a `git pull`, a checkout or an editor saving by delete-and-rewrite does to a folder, over and over."""
    rng = random.Random(seed)
    text = CASE_FILES[2].read_text(encoding="utf-8")
    name = folder / CASE_FILES[2].name
    while not stop.is_set():
        action = rng.choice(["create", "delete", "folder", "half", "link", "rewrite"])
        try:
            if name.is_dir() and not name.is_symlink():
                name.rmdir()
            elif name.exists() or name.is_symlink():
                name.unlink()
            if action == "create" or action == "rewrite":
                name.write_text(text, encoding="utf-8")
            elif action == "folder":
                name.mkdir()
            elif action == "half":
                name.write_text(text[: rng.randrange(1, len(text))], encoding="utf-8")
            elif action == "link":
                name.symlink_to(CASE_FILES[0].name)
        except OSError:
            pass


def test_pages_keep_working_while_a_file_flips_under_them(cases):
    stable = [load_case(path).case.title[:40] for path in CASE_FILES[:2]]
    stop = threading.Event()
    flipper = threading.Thread(target=flip, args=(cases, stop, 7), daemon=True)
    flipper.start()
    try:
        for round_ in range(25):
            page = ("case", "cohort", "board")[round_ % 3]
            at = app(DASHBOARD, cases, page=page, case=CASE_FILES[1].stem).run()
            assert not at.exception, f"round {round_}, page {page}"
            if page != "cohort":
                listed = plain("\n".join(at.sidebar.selectbox(key="case_picker").options))
                assert all(title in listed for title in stable), f"round {round_}: a stable case is missing"
    finally:
        stop.set()
        flipper.join(timeout=10)
