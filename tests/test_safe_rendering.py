"""Case text is shown as text: HTML, Markdown, javascript: links and Vega expressions stay inert."""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from poison import LINK, poisoned_case

APP = str(ROOT / "dashboard.py")
STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'")


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def poisoned(tmp_path):
    return tmp_path, poisoned_case(tmp_path)


def open_app(folder, case_id, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["cases_dir"] = str(folder)
    at.query_params["case"] = case_id
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("view", ["timeline", "lesions", "markers", "events"])
def test_hostile_text_loads_and_every_view_draws(poisoned, view):
    folder, case_id = poisoned
    at = open_app(folder, case_id, view=view)
    assert not at.exception and not at.error


def test_markdown_and_html_in_case_text_are_escaped(poisoned):
    folder, case_id = poisoned
    at = open_app(folder, case_id)
    at.session_state["case_details"] = True  # the details box: biomarkers, age, notes
    at.run()
    texts = [at.header[0].value] + [m.value for m in at.markdown]
    for text in texts:
        assert "<img" not in text.replace("\\<img", ""), "raw HTML reaches Markdown"
        assert "](javascript:" not in text.replace("\\]\\(javascript:", ""), "a live link reaches Markdown"
    assert any("\\<img" in t for t in texts), "the hostile text is shown, escaped"


def test_the_event_tables_html_shows_case_text_as_text(poisoned):
    folder, case_id = poisoned
    at = open_app(folder, case_id, view="events")
    body = next(h.proto.body for h in at.get("html") if 'class="event-table"' in h.proto.body)
    assert "&lt;img src=x onerror=&quot;window.__owned=1&quot;&gt;" in body, "the hostile text is shown, escaped"
    assert "<img" not in body and "<script" not in body and "onerror=\"" not in body


def test_case_text_reaches_charts_only_as_data(poisoned):
    folder, case_id = poisoned
    at = open_app(folder, case_id, view="timeline")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    expressions = [v for k, v in _walk(spec) if k in ("expr", "labelExpr", "filter", "calculate") and isinstance(v, str)]
    assert any("window.__owned" in e for e in expressions), "the drug name is in the lane-label expression"
    for expression in expressions:
        code = STRING_LITERAL.sub("", expression)  # what remains is code, not data
        assert "window" not in code and "__owned" not in code


def test_the_unknown_id_message_does_not_render_the_url(tmp_path):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["case"] = LINK
    at.run()
    assert "\\[click me\\]" in at.warning[0].value


def test_a_read_only_dashboard_has_no_editor(tmp_path):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["read_only"] = True
    at.query_params["page"] = "editor"
    at.run()
    assert not at.exception
    assert "Editor" not in at.sidebar.get("button_group")[0].proto.options.__str__()
    assert not at.text_area and at.query_params["page"] in ("case", ["case"])


def _walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_a_folder_of_a_thousand_files_some_broken_opens_with_the_broken_ones_listed(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.synth import synthetic_text

    for i in range(1000):
        text = synthetic_text(f"case-{i:04d}", 12, seed=i)
        if i % 10 == 0:
            text += "title: a second title\n"  # a duplicate key: one located error
        (tmp_path / f"case-{i:04d}.yaml").write_text(text, encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=300)
    at.secrets["cases_dir"] = str(tmp_path)
    at.query_params["case"] = "case-0001"
    at.run()
    assert not at.exception
    picker = at.sidebar.selectbox(key="case_picker")
    assert len(picker.options) == 1000 and sum(o.startswith("⚠") for o in picker.options) == 100
    assert "1000 case files, 100 that cannot be loaded" in at.sidebar.caption[0].value
    picker.set_value("case-0010").run()
    assert not at.exception and "cannot be shown" in at.error[0].value
