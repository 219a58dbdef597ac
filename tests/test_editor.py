"""The case editor, headless (Streamlit AppTest) and its pure helpers: nothing typed or on disk is ever lost."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from components.pages import editor
from components.pages.snippets import DATES, KIND_EXAMPLES, KINDS, SKELETON, SNIPPETS, Example, fill, kind_snippet
from timelines import CaseFileError, editing, load_text
from timelines.kinds import KIND_BY_NAME
from timelines.reading import catalog
from timelines.saving import storage
from timelines.schema import EVENT_KINDS

from conftest import CASE_FILES, CASES, ROOT

APP = str(ROOT / "tests" / "apps" / "editor_app.py")
TEMPLATE = (CASES / "_template.yaml").read_text(encoding="utf-8")
EXISTING = CASE_FILES[0].stem


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def cases_dir(tmp_path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for path in CASES.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    return folder


def open_editor(cases_dir: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["cases_dir"] = str(cases_dir)
    return at.run()


def plain(markdown: str) -> str:
    """What a reader sees of escaped Markdown."""
    return re.sub(r"\\(.)", r"\1", markdown)


def messages(elements) -> str:
    return "\n".join(plain(e.value) for e in elements)


def text_of(at: AppTest) -> str:
    return at.text_area(key=editor.TEXT).value


def type_text(at: AppTest, text: str) -> AppTest:
    return at.text_area(key=editor.TEXT).set_value(text).run()


def problems_shown(at: AppTest) -> str:
    return "\n".join(c.value for c in at.code if re.match(r"^\d+:\d+: ", c.value))


def new_case(at: AppTest, case_id: str, title: str = "My case") -> AppTest:
    at.text_input(key="editor_new_title").set_value(title).run()
    at.text_input(key="editor_new_id").set_value(case_id)
    return at.button(key="editor_new").click().run()


def template_case(at: AppTest, case_id: str) -> AppTest:
    """A new case whose author pasted the full template over the skeleton (a long valid text to edit)."""
    at = new_case(at, case_id)
    return type_text(at, editing.with_top_level(TEMPLATE, "id", case_id))


def open_case(at: AppTest, name: str) -> AppTest:
    at.selectbox(key="editor_open_choice").set_value(name).run()
    return at.button(key="editor_open").click().run()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- new case: the whole journey

SKELETON_PROBLEMS = [
    '9:13: source.citation: FILL-IN is a placeholder. Hint: Replace it with the source\'s citation: '
    '"Authors. Title. Journal. Year;volume:pages".',
    "11:8: patient.sex: FILL-IN is a placeholder. Hint: Replace it with female, male, other or unknown.",
    "12:8: patient.age: FILL-IN is a placeholder. Hint: Replace it with the age in whole years the source gives, "
    "or delete the line.",
    "13:12: patient.smoking: FILL-IN is a placeholder. Hint: Replace it with never, former, current or unknown.",
    "16:12: diagnoses[0].label: FILL-IN is a placeholder. Hint: Replace it with a short name for it, in the "
    "source's words.",
    '17:11: diagnoses[0].date: FILL-IN is a placeholder. Hint: Replace it with the date as the source gives it: a '
    'day "2022-09-08", a month "2022-09", a year "2022", approximate "~2022-09", or relative to an event of this '
    'case ("<id> + 3 months", "after <id>").',
    "18:12: diagnoses[0].quote: FILL-IN is a placeholder. Hint: Replace it with the sentence of the source that "
    "supports it, word for word, or delete the line.",
]

# The skeleton as an author fills it from a paper.
FILLED = {'citation: "FILL-IN"': 'citation: "Fictional citation for the test suite"',
          "sex: FILL-IN": "sex: female", "age: FILL-IN": "age: 61", "smoking: FILL-IN": "smoking: never",
          "label: FILL-IN": "label: Lung adenocarcinoma", 'date: "FILL-IN"': 'date: "2022-09-08"',
          'quote: "FILL-IN"': 'quote: "In September 2022 she was diagnosed with adenocarcinoma."'}


def filled_skeleton(case_id: str = "skeleton", title: str = "My case") -> str:
    text = editing.new_case_text(SKELETON, case_id, title)
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value, 1)
    return text


def test_a_new_case_starts_small_is_refused_until_its_placeholders_are_filled_then_saved_and_listed(cases_dir):
    at = open_editor(cases_dir)
    assert not at.exception and "Open a case" in messages(at.info)
    at = new_case(at, "my-first-case", "ALK-positive LCNEC")
    assert not at.exception
    assert "New case my-first-case. Replace every FILL-IN" in messages(at.success)
    text = text_of(at)
    assert "\nid: my-first-case\n" in text and '\ntitle: "ALK-positive LCNEC"\n' in text
    assert len(text.splitlines()) == 19 and "\nevents: []\n" in text
    # regression: a new case was the 426-line fictional template, valid, and kept its tamoxifen and alectinib
    assert "tamoxifen" not in text and "alectinib" not in text and "EXAMPLE" not in text
    assert "7 problems in this text" in messages(at.error)
    assert problems_shown(at).split("\n\n")[0].startswith(SKELETON_PROBLEMS[0])
    assert [block.split("\n")[0] for block in problems_shown(at).split("\n\n")] == SKELETON_PROBLEMS

    at.button(key="editor_save").click().run()
    assert "cannot be saved as the case" in messages(at.error)
    assert not (cases_dir / "my-first-case.yaml").exists()

    filled = filled_skeleton("my-first-case", "ALK-positive LCNEC")
    at = type_text(at, filled)
    assert "No problems" in messages(at.success)
    at.button(key="editor_save").click().run()
    assert not at.exception
    assert "Saved my-first-case.yaml" in messages(at.success)
    assert cases_dir / "my-first-case.yaml" in catalog.case_paths(cases_dir)
    saved = load_text((cases_dir / "my-first-case.yaml").read_bytes(), "my-first-case.yaml").case
    assert (saved.title, saved.events, [d.id for d in saved.diagnoses]) == ("ALK-positive LCNEC", [], ["dx"])


def test_the_guide_and_the_full_template_are_one_click_away_not_the_starting_text(cases_dir):
    at = new_case(open_editor(cases_dir), "guided")
    assert not any(c.value == TEMPLATE.rstrip("\n") for c in at.code)
    assert not any("Editing in the dashboard" in m.value for m in at.markdown)
    at.toggle(key="editor_show_guide").set_value(True).run()
    assert any("## Editing in the dashboard" in m.value for m in at.markdown)
    at.toggle(key="editor_show_template").set_value(True).run()
    assert any(c.value == TEMPLATE.rstrip("\n") for c in at.code if c.language == "yaml")
    assert "EXAMPLE" not in text_of(at) and not at.exception


def test_the_title_suggests_an_id_and_a_taken_or_unsafe_id_is_refused(cases_dir):
    at = open_editor(cases_dir)
    at.text_input(key="editor_new_title").set_value("Ünïcode case, 2nd line").run()
    assert at.text_input(key="editor_new_id").value == "unicode-case-2nd-line"
    at.text_input(key="editor_new_id").set_value("")
    at.text_input(key="editor_new_title").set_value(
        "Duodenal gastrointestinal stromal tumour treated with pancreas-preserving duodenectomy and imatinib").run()
    assert at.text_input(key="editor_new_id").value == "duodenal-gastrointestinal-stromal-tumour-treated"  # whole words
    for bad, words in [("../x", "contains '/' or '\\'"), (EXISTING, "already used by"), ("CON", "reserved"),
                       ("x.yaml", "contains a dot")]:
        at.text_input(key="editor_new_id").set_value(bad)
        at.button(key="editor_new").click().run()
        assert not at.exception
        assert "Cannot create the case" in messages(at.error) and words in messages(at.error)
    assert editor.DOC not in at.session_state


# ---------------------------------------------------------------- the usual mistakes, each explained

MISTAKES = [
    ("a tab", lambda t: t.replace("\n  - id: mastectomy", "\n\t- id: mastectomy", 1), "- id: mastectomy",
     "tab character", "spaces"),
    ("a misspelled kind", lambda t: t.replace("kind: biopsy", "kind: biospy", 1), "kind: biospy",
     "Unknown event kind 'biospy'", "Did you mean 'biopsy'?"),
    ("a date without leading zeros", lambda t: t.replace('date: "2022-09-05"', "date: 2022-9-5", 1), "2022-9-5",
     "Cannot read the date '2022-9-5'", "two digits: '2022-09-05'"),
    ("a reference to a missing event", lambda t: t.replace('"srs + 3 months"', '"sr + 3 months"', 1),
     "sr + 3 months", "'sr', which is not the id of any event", "Did you mean 'srs'?"),
    ("a misspelled field", lambda t: t.replace("    procedure: Left", "    procedur: Left", 1), "procedur:",
     "Unknown field 'procedur'", "Did you mean 'procedure'?"),
]


@pytest.mark.parametrize("name, mistake, needle, message, hint", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_usual_mistake_is_explained_at_its_line_with_how_to_fix_it(cases_dir, name, mistake, needle, message, hint):
    at = template_case(open_editor(cases_dir), "mistakes")
    good = text_of(at)
    broken = mistake(good)
    assert broken != good
    at = type_text(at, broken)
    assert not at.exception
    shown = problems_shown(at)
    assert shown.startswith(f"{line_of(broken, needle)}:"), shown
    assert message in shown and hint.lower() in shown.split("Hint: ", 1)[1].lower()
    at = type_text(at, good)
    assert "No problems" in messages(at.success) and not problems_shown(at)


def test_tabs_are_replaced_by_spaces_with_one_click(cases_dir):
    at = template_case(open_editor(cases_dir), "tabbed")
    at = type_text(at, text_of(at).replace("\n  - id: mastectomy", "\n\t- id: mastectomy", 1))
    at.button(key="editor_untab").click().run()
    assert "\t" not in text_of(at)
    assert "No problems" in messages(at.success)


def test_the_preview_follows_the_text_and_keeps_the_last_valid_state(cases_dir):
    at = template_case(open_editor(cases_dir), "previewed")
    text = text_of(at)

    def preview_labels() -> set[str]:
        chart = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
        assert chart, "the timeline chart is shown"
        import pyarrow as pa
        frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart[0].proto.datasets]
        return {label for frame in frames if "label" in frame for label in frame["label"]}

    assert "Left mastectomy" in preview_labels()
    at = type_text(at, text.replace("label: Left mastectomy", "label: Modified radical mastectomy", 1))
    assert "Modified radical mastectomy" in preview_labels()
    at = type_text(at, text.replace("label: Left mastectomy", "label: Broken one", 1).replace(
        "kind: surgery", "kind: surgeyr", 1))
    assert "Modified radical mastectomy" in preview_labels()  # the last valid state, not the broken one
    resolved = at.dataframe[-1].value
    assert {"Written", "Earliest start", "Latest start", "Earliest end", "Latest end"} <= set(resolved.columns)
    mastectomy = resolved[resolved["Event"] == "mastectomy"].iloc[0]
    assert (mastectomy["Written"], mastectomy["Earliest start"], mastectomy["Latest start"]) == \
        ("2012-03", "2012-03-01", "2012-03-31")


def test_the_text_is_shown_with_line_numbers_and_yaml_highlighting(cases_dir):
    at = template_case(open_editor(cases_dir), "numbered")
    numbered = [c for c in at.code if c.language == "yaml" and c.value == text_of(at).rstrip("\n")]
    assert numbered and numbered[0].proto.show_line_numbers


# ---------------------------------------------------------------- typed text is never lost

def test_typed_text_survives_reruns_and_a_page_switch(cases_dir):
    at = template_case(open_editor(cases_dir), "kept")
    typed = text_of(at).replace("title: ", "title: TYPED ", 1)
    at = type_text(at, typed)
    at.run()
    assert text_of(at) == typed
    at.query_params["page"] = "other"
    at.run()
    assert not at.text_area and "Another page" in messages(at.markdown)
    at.query_params["page"] = "editor"
    at.run()
    assert text_of(at) == typed


def test_opening_another_case_keeps_unsaved_text_for_recovery_with_its_file(cases_dir):
    at = open_case(open_editor(cases_dir), f"case:{EXISTING}.yaml")
    typed = text_of(at).replace("title: ", "title: UNSAVED ", 1)
    at = type_text(at, typed)
    at = open_case(at, f"case:{CASE_FILES[1].name}")
    assert text_of(at).startswith(CASE_FILES[1].read_text(encoding="utf-8")[:40])
    at.button(key="editor_recover_0").click().run()
    assert text_of(at) == typed
    assert f"Editing {EXISTING}.yaml" in plain(at.subheader[0].value)
    at.button(key="editor_save").click().run()
    assert "UNSAVED" in (cases_dir / f"{EXISTING}.yaml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- a file changed on disk

def test_a_file_changed_on_disk_is_not_overwritten_and_both_versions_are_shown(cases_dir):
    path = cases_dir / f"{EXISTING}.yaml"
    at = open_case(open_editor(cases_dir), f"case:{path.name}")
    original = text_of(at)
    mine = original.replace("title: ", "title: MINE ", 1)
    at = type_text(at, mine)
    theirs = original.replace("title: ", "title: THEIRS ", 1)
    path.write_text(theirs, encoding="utf-8")

    at.button(key="editor_save").click().run()
    assert not at.exception
    assert path.read_text(encoding="utf-8") == theirs
    assert "nothing was overwritten" in messages(at.error)
    codes = {c.value for c in at.code if c.language == "yaml"}
    assert mine.rstrip("\n") in codes and theirs.rstrip("\n") in codes  # side by side
    diff = next(c.value for c in at.code if c.language == "diff")
    assert "-title: THEIRS" in diff and "+title: MINE" in diff
    assert text_of(at) == mine

    at.button(key="editor_conflict_keep").click().run()
    assert text_of(at) == mine and path.read_text(encoding="utf-8") == theirs
    at.button(key="editor_save").click().run()  # still refused: the disk version was never looked at
    assert path.read_text(encoding="utf-8") == theirs and "nothing was overwritten" in messages(at.error)

    at.button(key="editor_conflict_reload").click().run()
    assert text_of(at) == theirs
    at.button(key="editor_recover_0").click().run()  # mine is not lost
    assert text_of(at) == mine


def test_after_a_conflict_my_version_can_be_saved_under_a_new_id(cases_dir):
    path = cases_dir / f"{EXISTING}.yaml"
    at = open_case(open_editor(cases_dir), f"case:{path.name}")
    mine = text_of(at).replace("title: ", "title: MINE ", 1)
    at = type_text(at, mine)
    theirs = mine.replace("MINE", "THEIRS")
    path.write_text(theirs, encoding="utf-8")
    at.button(key="editor_save").click().run()
    at.text_input(key="editor_conflict_id").set_value(EXISTING + "-mine")
    at.button(key="editor_conflict_save_as").click().run()
    assert not at.exception and f"Saved {EXISTING}-mine.yaml" in messages(at.success)
    saved = (cases_dir / f"{EXISTING}-mine.yaml").read_text(encoding="utf-8")
    assert f"\nid: {EXISTING}-mine\n" in saved and "title: MINE" in saved
    assert path.read_text(encoding="utf-8") == theirs


def test_an_existing_case_is_saved_with_its_previous_version_in_the_history(cases_dir):
    path = cases_dir / f"{EXISTING}.yaml"
    before = path.read_text(encoding="utf-8")
    at = open_case(open_editor(cases_dir), f"case:{path.name}")
    at = type_text(at, before.replace("title: ", "title: SECOND ", 1))
    at.button(key="editor_save").click().run()
    assert "previous version is kept in the history" in messages(at.success)
    [kept] = storage.history(cases_dir, EXISTING)
    assert kept.read_text() == before
    at.button(key="editor_history_open").click().run()
    assert text_of(at) == before
    at.button(key="editor_save").click().run()
    assert path.read_text(encoding="utf-8") == before


# ---------------------------------------------------------------- drafts

def test_a_text_with_problems_is_saved_only_as_a_draft_listed_as_such(cases_dir):
    at = template_case(open_editor(cases_dir), "half-done")
    broken = text_of(at).replace("kind: biopsy", "kind: biospy", 1)
    at = type_text(at, broken)
    at.button(key="editor_save_draft").click().run()
    assert "Saved as the draft half-done.draft.yaml" in messages(at.success)
    assert (cases_dir / "half-done.draft.yaml").read_text(encoding="utf-8") == broken
    assert not (cases_dir / "half-done.yaml").exists()
    assert cases_dir / "half-done.draft.yaml" not in catalog.case_paths(cases_dir)
    at = open_editor(cases_dir)  # a new session: the draft is offered as a draft
    choices = at.selectbox(key="editor_open_choice")
    assert "draft:half-done" in choices.options or any("DRAFT" in o for o in choices.options)
    at = open_case(at, "draft:half-done")
    assert text_of(at) == broken
    at = type_text(at, broken.replace("kind: biospy", "kind: biopsy"))
    at.button(key="editor_save").click().run()
    assert "draft of this case was moved to the history" in messages(at.success)
    assert (cases_dir / "half-done.yaml").exists() and not (cases_dir / "half-done.draft.yaml").exists()


def test_the_current_text_can_always_be_downloaded(cases_dir):
    at = template_case(open_editor(cases_dir), "downloadable")
    at = type_text(at, text_of(at).replace("kind: biopsy", "kind: biospy", 1))
    button = at.get("download_button")[0]
    assert button.proto.label == "Download this text"


# ---------------------------------------------------------------- upload

def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="editor_upload").set_value((name, data, "application/x-yaml")).run()


def test_a_valid_upload_is_loaded_and_nothing_is_written_until_save(cases_dir):
    text = CASE_FILES[0].read_text(encoding="utf-8").replace(f"id: {EXISTING}", "id: uploaded-case", 1)
    before = sorted(p.name for p in cases_dir.iterdir())
    at = upload(open_editor(cases_dir), "uploaded-case.yaml", text.encode("utf-8"))
    assert not at.exception
    assert "a valid case" in messages(at.success)
    assert text_of(at) == text
    assert sorted(p.name for p in cases_dir.iterdir()) == before
    at.button(key="editor_save").click().run()
    assert (cases_dir / "uploaded-case.yaml").read_text(encoding="utf-8") == text


def test_an_upload_with_problems_is_loaded_with_its_problems_shown(cases_dir):
    text = CASE_FILES[0].read_text(encoding="utf-8").replace(f"id: {EXISTING}", "id: uploaded-case", 1)
    at = upload(open_editor(cases_dir), "u.yml", text.replace("kind: imaging", "kind: imagin", 1).encode())
    assert "it has problems" in messages(at.warning)
    assert "Unknown event kind 'imagin'" in problems_shown(at)


def test_an_upload_of_an_existing_case_id_cannot_overwrite_it(cases_dir):
    path = cases_dir / f"{EXISTING}.yaml"
    before = path.read_bytes()
    at = upload(open_editor(cases_dir), "copy.yaml", before.replace(b"title: ", b"title: UPLOADED ", 1))
    assert "already exists" in messages(at.warning)
    at.button(key="editor_save").click().run()
    assert "already exists" in messages(at.error)
    at.button(key="editor_save_draft").click().run()
    assert "not the one you are editing" in messages(at.error)
    assert path.read_bytes() == before and not (cases_dir / f"{EXISTING}.draft.yaml").exists()


@pytest.mark.parametrize("name, data, words", [
    ("big.yaml", b"# " + b"x" * (1024 * 1024) + b"\n", "uploads are limited to 1 MB"),
    ("notes.txt", b"schema: 1\n", "is not a YAML file"),
    ("report.pdf", b"%PDF-1.7 binary", "is not a YAML file"),
    ("latin.yaml", "title: café".encode("latin-1"), "is not text in UTF-8"),
    ("broken.yaml", b"id: x\ntitle: [unclosed\n", "cannot be read as YAML"),
    ("tabbed.yaml", b"id: x\n\ttitle: y\n", "cannot be read as YAML"),
    ("colon.yaml", b"id: x\ntitle: a: b\n", "cannot be read as YAML"),
    ("empty.yaml", b"\n# nothing\n", "cannot be read as YAML"),
    ("list.yaml", b"- a\n- b\n", "cannot be read as YAML"),
])
def test_an_unusable_upload_is_refused_with_a_clear_message_and_changes_nothing(cases_dir, name, data, words):
    before = {p.name: p.read_bytes() for p in cases_dir.iterdir() if p.is_file()}
    at = upload(open_editor(cases_dir), name, data)
    assert not at.exception
    assert "Upload refused" in messages(at.error) and words in messages(at.error)
    assert editor.DOC not in at.session_state
    assert {p.name: p.read_bytes() for p in cases_dir.iterdir() if p.is_file()} == before


def test_an_upload_that_is_not_yaml_can_still_be_opened_to_fix_it(cases_dir):
    at = upload(open_editor(cases_dir), "broken.yaml", b"id: fixme\ntitle: [unclosed\n")
    at.button(key="editor_upload_anyway").click().run()
    assert text_of(at) == "id: fixme\ntitle: [unclosed\n"
    assert problems_shown(at)


def test_an_uploaded_file_name_is_shown_as_text_not_markdown(cases_dir):
    at = upload(open_editor(cases_dir), "**bold** [link](http://x).txt", b"x")
    shown = at.error[0].value
    assert "\\*\\*bold\\*\\*" in shown and "\\[link\\]\\(http" in shown


# ---------------------------------------------------------------- snippets

def filled_in(text: str, ids: dict) -> str:
    """Each FILL-IN of a text replaced as an author would (a value of the right form for its field; a reference to
    an id the ids hold, or its line deleted when there is none): only placeholders stand between a snippet and a
    valid case, and it names no id the case lacks."""
    values = {"therapy": ids["therapy"], "attribution": ids["therapy"], "primary": ids["diagnosis"],
              "grade": "2", "cycles": "4", "line": "1", "dose_gy": "24", "fractions": "1", "value": "12.4",
              "category": "PR", "trend": "decreased", "status": "alive", "result": "detected", "modality": "CT",
              "duration": "2 months"}

    def value(key: str, before: str) -> str | None:
        if key in ("date", "start", "end"):
            if before.endswith(("+ ", "- ")):
                return "1 month"
            if before.endswith("and "):
                return f"{ids['diagnosis']} + 1 year"
            return f"{ids['diagnosis']} + {'2 months' if key == 'end' else '1 month'}"
        return values.get(key, "Filled in")

    lines = []
    for line in text.split("\n"):
        if line.lstrip().startswith("#") or "FILL-IN" not in line:
            lines.append(line)
            continue
        body, mark, comment = line.partition("  # ")
        parts, rest = [], body
        while "FILL-IN" in rest:
            before, _, rest = rest.partition("FILL-IN")
            parts.append(before)
            replacement = value(re.findall(r"(\w+):", "".join(parts))[-1], "".join(parts))
            if replacement is None:
                break
            parts.append(replacement)
        else:
            lines.append("".join(parts) + rest + mark + comment)
    return "\n".join(lines)


def skeleton_with(snippet) -> str:
    text = filled_skeleton()
    return editing.with_event(text, fill(snippet, editing.snippet_ids(text)))


def test_there_is_a_snippet_for_every_event_kind_and_every_date_form():
    kinds = {s.key for s in SNIPPETS if s.group == KINDS}
    assert kinds == set(EVENT_KINDS) == set(KIND_BY_NAME)
    dates = {s.key for s in SNIPPETS if s.group == DATES}
    assert {"date-day", "date-month", "date-year", "date-approximate", "date-relative", "date-relative-before",
            "date-relative-end", "date-approximate-relative", "date-after", "date-before", "date-upon", "date-between",
            "date-origin", "ending-end", "ending-duration", "ending-ongoing"} == dates


@pytest.mark.parametrize("name, example", KIND_EXAMPLES.items(), ids=list(KIND_EXAMPLES))
def test_a_kinds_example_writes_only_fields_of_its_model_and_every_required_one(name, example):
    model = KIND_BY_NAME[name].model
    written = set(yaml.safe_load(example.values))
    fields = {field.alias or n for n, field in model.model_fields.items()}
    required = {field.alias or n for n, field in model.model_fields.items() if field.is_required()} - {"kind"}
    assert written <= fields and required <= written


def test_a_kinds_snippet_has_its_kind_after_its_id_and_the_title_begins_with_the_kinds_label():
    chemo = kind_snippet("chemotherapy", Example(" (a course)", "", "id: chemo\nregimen: EP\n"))
    assert chemo.text == "- id: chemo\n  kind: chemotherapy\n  regimen: EP\n"
    assert (chemo.key, chemo.group, chemo.title) == ("chemotherapy", KINDS, "Chemotherapy (a course)")
    assert kind_snippet("status", Example("", "", "status: alive\n")).text == "- kind: status\n  status: alive\n"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.key)
def test_an_inserted_snippet_is_refused_for_its_placeholders_only_and_loads_once_they_are_filled(snippet):
    text = skeleton_with(snippet)
    if snippet.text.startswith("- "):  # an event (the origin form is an explanation in comments)
        with pytest.raises(CaseFileError) as raised:
            load_text(text, "skeleton.yaml")
        assert {p.message for p in raised.value.problems} == {"FILL-IN is a placeholder"}
        assert all(p.field.startswith("events[0].") for p in raised.value.problems)
    timeline = load_text(filled_in(text, editing.snippet_ids(text)), "skeleton.yaml")
    assert len(timeline.case.events) == (1 if snippet.text.startswith("- ") else 0)  # origin: comments only


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.key)
def test_a_snippet_gives_placeholders_not_plausible_values(snippet):
    """Every value a source must give is FILL-IN: an inserted event holds nothing nobody read in a source."""
    data = yaml.safe_load(fill(snippet, {"diagnosis": "dx", "therapy": "tki", "interval": "tki", "lesion": "primary"}))
    for event in data or []:
        for key, value in event.items():
            if key in ("kind", "id", "ongoing"):
                continue
            assert "FILL-IN" in str(value) or key in ("date", "start") and str(value).split()[0] in ("after", "before",
                                                                                                     "upon"), (key, value)


def test_the_origin_form_is_explained_in_comments_because_no_case_can_take_a_second_day_zero():
    origin = next(s for s in SNIPPETS if s.key == "date-origin")
    assert all(line.startswith("#") for line in origin.text.splitlines())
    assert "date: origin" in origin.text


def test_calendar_date_snippets_are_marked_so_a_case_without_calendar_is_not_offered_them():
    marked = {s.key for s in SNIPPETS if s.calendar_only}
    assert marked == {"date-day", "date-month", "date-year", "date-approximate"}


def test_a_snippet_inserted_into_a_bundled_case_names_only_ids_of_that_case():
    for path in CASE_FILES:
        text = path.read_text(encoding="utf-8")
        timeline = load_text(text, path.name)
        ids = editing.snippet_ids(text)
        for snippet in SNIPPETS:
            if snippet.calendar_only and not timeline.on_calendar:
                continue
            event = editing.with_unique_ids(fill(snippet, ids), text)
            load_text(filled_in(editing.with_event(text, event), ids), path.name)


def test_snippets_refer_to_ids_of_the_text_as_it_is_even_before_it_is_valid():
    text = editing.new_case_text(SKELETON, "x", "X").replace("- id: dx", "- id: lung")
    assert editing.snippet_ids(text) == {"diagnosis": "lung", "therapy": None, "interval": "lung", "lesion": None}
    symptom = fill(next(s for s in SNIPPETS if s.key == "symptom"), editing.snippet_ids(text))
    assert 'relative: "lung + 1 month"' in symptom
    # regression: the first snippet inserted into a new case named '~breast-cancer - 3 months' from the template
    assert "breast-cancer" not in symptom and "lung-adeno" not in symptom
    assert editing.snippet_ids("not: [valid") == {"diagnosis": None, "therapy": None, "interval": None, "lesion": None}


def test_inserting_a_snippet_from_the_page_adds_an_event_to_fill_in(cases_dir):
    at = new_case(open_editor(cases_dir), "with-snippets")
    at = type_text(at, filled_skeleton("with-snippets"))
    assert "No problems" in messages(at.success)
    at.selectbox(key="editor_snippet").set_value("targeted").run()
    at.button(key="editor_insert").click().run()
    at.button(key="editor_insert").click().run()  # twice: the second gets its own id
    text = text_of(at)
    assert text.startswith(filled_skeleton("with-snippets").split("\nevents:")[0])
    assert re.findall(r"^  - id: (\S+)", text, re.M) == ["dx", "targeted", "targeted-2"]
    assert "    drug: FILL-IN" in text
    assert "problems in this text" in messages(at.error)
    assert "events[0].drug: FILL-IN is a placeholder" in problems_shown(at)
    at.radio(key="editor_snippet_group").set_value(DATES).run()
    at.selectbox(key="editor_snippet").set_value("date-between").run()
    at.button(key="editor_insert").click().run()
    assert 'date: "between dx and FILL-IN"' in text_of(at)
    at.button(key="editor_save").click().run()  # a placeholder never reaches a saved case
    assert "cannot be saved as the case" in messages(at.error)
    assert not (cases_dir / "with-snippets.yaml").exists()


def test_a_case_without_calendar_dates_is_not_given_a_calendar_date_snippet(cases_dir):
    calendar_free = next(p for p in CASE_FILES if not load_text(p.read_bytes(), p.name).on_calendar)
    at = open_case(open_editor(cases_dir), f"case:{calendar_free.name}")
    before = text_of(at)
    at.radio(key="editor_snippet_group").set_value(DATES).run()
    at.selectbox(key="editor_snippet").set_value("date-day").run()
    at.button(key="editor_insert").click().run()
    assert "has no calendar dates" in messages(at.warning)
    assert text_of(at) == before


# ---------------------------------------------------------------- snippets and the skeleton

def test_an_id_the_text_lacks_is_a_placeholder_and_a_comment_says_what_it_is_for():
    between = fill(next(s for s in SNIPPETS if s.key == "date-between"), {"diagnosis": None})
    assert 'date: "between FILL-IN and FILL-IN"' in between
    response = fill(next(s for s in SNIPPETS if s.key == "response"), {"diagnosis": "dx", "therapy": None})
    assert "therapy: FILL-IN                  # the therapy event's id: <therapy id>" in response
    assert 'relative: "dx + 3 months"' in response


def test_the_skeleton_filled_in_is_a_valid_case_with_one_diagnosis_and_no_event():
    timeline = load_text(filled_skeleton(), "skeleton.yaml")
    assert ([d.id for d in timeline.case.diagnoses], timeline.case.events) == (["dx"], [])


def test_the_authoring_guide_names_the_editors_real_buttons_and_tabs():
    guide = (CASES / "README.md").read_text(encoding="utf-8")
    section = " ".join(guide.split("## Editing in the dashboard", 1)[1].split("\n## ", 1)[0].split())
    source = Path(editor.__file__).read_text(encoding="utf-8")
    for label in ("New case", "Create the new case", "Authoring guide", "Full template", "Text with line numbers",
                  "Insert this event", "What the dates resolve to", "Save as draft",
                  "Download this text", "Keep editing", "Reload from disk", "Texts you replaced"):
        assert label in section and f'"{label}' in source, label
