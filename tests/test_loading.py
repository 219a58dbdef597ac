"""Loading case files: every kind of mistake gives one clear, located message and never a traceback."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from timelines import CaseFileError, load_case, load_text

from conftest import ROOT, make_case, make_event

BAD_CASES = sorted((ROOT / "tests" / "bad_cases").glob("*.yaml"))


def test_the_bad_case_corpus_covers_every_error_class():
    assert len(BAD_CASES) >= 25


@pytest.mark.parametrize("path", BAD_CASES, ids=lambda p: p.stem)
def test_a_bad_case_gives_its_exact_message_and_line(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT)
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").strip()
    with pytest.raises(CaseFileError) as raised:
        load_case(relative)
    assert str(raised.value) == expected
    first = raised.value.first
    assert first.line is not None and first.hint, "every problem names its line and how to fix it"


@pytest.mark.slow
def test_validate_prints_messages_not_tracebacks():
    run = subprocess.run([sys.executable, "-m", "timelines", "validate", "tests/bad_cases"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert f"{len(BAD_CASES)} case files: 0 valid, {len(BAD_CASES)} with errors" in run.stdout


def test_an_alias_bomb_fails_fast():
    started = time.perf_counter()
    with pytest.raises(CaseFileError, match="expand to more than 10,000 values"):
        load_case(ROOT / "tests" / "bad_cases" / "alias-bomb.yaml")
    assert time.perf_counter() - started < 2


def test_python_tags_never_execute(tmp_path):
    marker = tmp_path / "executed"
    text = f"schema: 1\nid: x\ntitle: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(CaseFileError, match="is not allowed in a case file"):
        load_text(text)
    assert not marker.exists()


def test_dates_stay_as_written_not_converted_to_datetimes():
    timeline = load_text(yaml.safe_dump(make_case(make_event(start="2021-09-01"))))
    assert timeline.by_id("tki").event.start == "2021-09-01"


def test_a_bare_year_is_a_date():
    case = make_case(make_event(start="2021"))
    text = yaml.safe_dump(case).replace("'2021'", "2021")
    assert load_text(text).say(load_text(text).by_id("tki").start) == "2021"


def test_a_byte_order_mark_is_accepted():
    text = "\ufeff" + yaml.safe_dump(make_case(make_event()))
    assert load_text(text.encode("utf-8")).case.id == "example"


def test_windows_line_endings_are_accepted():
    text = yaml.safe_dump(make_case(make_event())).replace("\n", "\r\n")
    assert load_text(text).case.id == "example"


def test_several_problems_are_all_reported_in_line_order():
    case = make_case(make_event(dosee="1"), {"kind": "imagin", "date": "2021-10-01"})
    with pytest.raises(CaseFileError) as raised:
        load_text(yaml.safe_dump(case, sort_keys=False))
    messages = [p.message for p in raised.value.problems]
    assert messages == ["Unknown field 'dosee' in a targeted event", "Unknown event kind 'imagin'"]


def test_an_unreadable_file_is_a_case_file_error(tmp_path):
    with pytest.raises(CaseFileError, match="Cannot read the file"):
        load_case(tmp_path / "missing.yaml")


def test_an_oversized_file_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(CaseFileError, match="case files may be at most 16 MB"):
        load_case(big)
    assert time.perf_counter() - started < 1


# Every file gets one pass over the parser's events, which refuses a malformed file or one over the limits and
# builds a regular file's data without line numbers; anything unusual, and any file with a problem, is parsed a
# second time by the located parser, which gives every message above. These guard that split.

CASE_FILES = sorted((ROOT / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_the_fast_parse_of_a_case_file_is_the_located_parse(path):
    from timelines.reading.yaml_events import read_events
    from timelines.reading.yaml_source import parse_yaml

    text = path.read_text(encoding="utf-8")
    fast, (located, _) = read_events(text), parse_yaml(text)
    assert fast == located
    assert repr(fast) == repr(located)  # the same types too: 1 is not 1.0 or True


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",  # anchors and aliases (and so every alias bomb)
    "a: 1\na: 2\n",  # a duplicate key
    "1: one\n",  # a key that is not text
    "yes: true\n",
    "<<: {a: 1}\n",  # a merge key
    "a: !!str 5\n",  # a tag
    "a: !custom x\n",
    "a: 1\n---\nb: 2\n",  # two documents
    "a: 010\n",  # a number YAML 1.1 reads as octal
    "a: " + "9" * 5_000 + "\n",  # more digits than Python reads
])
def test_the_fast_parse_leaves_anything_unusual_to_the_located_parse(text):
    from timelines.reading.yaml_events import IRREGULAR, read_events

    assert read_events(text) is IRREGULAR


def test_the_fast_parse_refuses_a_document_nested_deeper_than_the_limit_at_its_line():
    from timelines.reading.yaml_events import read_events

    with pytest.raises(CaseFileError, match="nested more than 64 levels deep") as raised:
        read_events("a: " + "[" * 200 + "]" * 200 + "\n")
    assert (raised.value.first.line, raised.value.first.column) == (1, 68)


def test_a_value_nested_too_deep_through_an_alias_is_refused_where_the_anchored_value_goes_too_deep():
    # Each part is 50 and 30 levels deep, within the limit; the alias puts the anchored list 30 levels down.
    text = "a: &x " + "[" * 50 + "1" + "]" * 50 + "\nb: " + "[" * 30 + "*x" + "]" * 30 + "\n"
    with pytest.raises(CaseFileError) as raised:
        load_text(text)
    assert str(raised.value) == ("<case>:1:41: The document is nested more than 64 levels deep. "
                                 "Hint: Case files need only a few levels; check the indentation.")


def test_the_fast_parse_stops_at_the_node_limit_before_building_more(monkeypatch):
    from timelines.reading import yaml_events

    monkeypatch.setattr(yaml_events, "MAX_NODES", 1_000)
    text = "items:\n" + "".join(f"- {i}\n" for i in range(5_000))
    with pytest.raises(CaseFileError, match="more than 1,000 values") as raised:
        yaml_events.read_events(text)
    assert (raised.value.first.line, raised.value.first.column) == (999, 3)  # the 1,001st: mapping, key, list, 998 items
    with pytest.raises(CaseFileError, match="more than 1,000 values"):
        load_text(text)


def test_the_node_limit_counts_the_values_after_an_irregular_one(monkeypatch):
    from timelines.reading import yaml_events

    monkeypatch.setattr(yaml_events, "MAX_NODES", 1_000)
    text = "a: &x 1\nb: *x\nitems:\n" + "".join(f"- {i}\n" for i in range(5_000))
    with pytest.raises(CaseFileError, match="more than 1,000 values"):
        yaml_events.read_events(text)


PARSES = [  # (file, times its text is parsed): once when the one pass settles it, twice when a line is needed
    ("cases/adeno-alk-leptomeningeal-alectinib.yaml", 1),  # valid
    ("tests/bad_cases/unclosed-quote.yaml", 1),  # not YAML
    ("tests/hostile/nesting-deep-mapping.yaml", 1),  # over the depth limit
    ("tests/bad_cases/empty.yaml", 0),
    ("tests/bad_cases/unknown-field.yaml", 2),  # a problem found by validation, located by the second parse
    ("tests/bad_cases/end-before-start.yaml", 2),  # a problem found when the dates are resolved
    ("tests/bad_cases/alias-bomb.yaml", 2),  # aliases: only the located parser reads them
]


@pytest.mark.parametrize("name, parses", PARSES, ids=[Path(n).stem for n, _ in PARSES])
def test_a_file_is_parsed_once_unless_a_problem_needs_its_line(name, parses, monkeypatch):
    """A broken file used to be parsed three times (the fast pass, a pass checking the limits, the located
    parse); the fast pass now checks the limits, and the located parser runs only for a problem to locate."""
    from timelines.reading.yaml_events import CaseLoader

    made = []
    init = CaseLoader.__init__
    monkeypatch.setattr(CaseLoader, "__init__", lambda loader, text: made.append(1) or init(loader, text))
    try:
        load_case(ROOT / name)
    except CaseFileError:
        pass
    assert len(made) == parses


def test_a_hint_names_the_nearest_ids_of_a_long_list_not_all_of_them():
    from timelines.errors import MAX_LISTED, did_you_mean

    ids = [f"scan-{i:05d}" for i in range(10_000)]
    hint = did_you_mean("scan-0042", ids)
    suggested = hint.split("'")[1]
    listed = hint.split("Valid: ")[1].split(" and ")[0].split(", ")
    assert suggested in ids and suggested in listed and all(i.endswith("42") for i in listed)
    assert len(listed) == MAX_LISTED and hint.endswith(f"and {10_000 - MAX_LISTED:,} more")
    assert did_you_mean("lorlatinb", ["lorlatinib", "alectinib"]) == \
        "did you mean 'lorlatinib'? Valid: alectinib, lorlatinib"


# ---------------------------------------------------------------- escapes that decode to hidden characters

ESCAPED = 'schema: 1\nid: x\ntitle: "{title}"\nsource: {{citation: c}}\npatient: {{sex: female}}\n' \
          'diagnoses: [{{id: dx, label: L, date: 2020}}]\nevents:\n  - kind: "{kind}"\n    date: 2020\n'


def test_an_escaped_bidi_control_is_refused_like_a_written_one():
    """Regression: "\\u202e" in double quotes loaded, although bidi controls are refused wherever they are."""
    with pytest.raises(CaseFileError) as caught:
        load_text(ESCAPED.format(title="Partial \\u202eDP", kind="status"), "x.yaml")
    assert str(caught.value) == (
        "x.yaml:3:8: The text holds U+202E (right-to-left override), a bidirectional control, which reorders the "
        "text around it on screen; it is written as an escape (\\u202e) in double quotes. Hint: Delete the escape; "
        "invisible characters change what a reader sees.")


@pytest.mark.slow
def test_validate_prints_no_terminal_command_from_an_escaped_kind():
    """Regression: validate printed a raw ESC[2J and an OSC title sequence from "\\e" in a kind."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.yaml"
        path.write_text(ESCAPED.format(title="T", kind="\\e[2J\\e]0;pwned\\a"), encoding="utf-8")
        result = subprocess.run([sys.executable, "-m", "timelines", "validate", str(path)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout == (
        f"{path}:8:11: The text holds the control character U+001B (ESC, which starts terminal commands), written "
        "as an escape (\\e) in double quotes. Hint: Delete the escape; a control character acts on the terminal or "
        "the screen that shows it, and is not text a reader can see.\n1 case file: 0 valid, 1 with errors\n")


def test_a_document_holding_a_control_character_is_refused_where_its_text_would_be():
    from timelines.reading.loading import load_document

    document = make_case(make_event(note="\x1b]52;c;cHduZWQ=\x07"))
    document["id"] = "x"
    with pytest.raises(CaseFileError) as caught:
        load_document(document, "x.yaml")
    assert str(caught.value).startswith("x.yaml:")
    assert "The text holds the control character U+001B (ESC, which starts terminal commands)" in str(caught.value)


@pytest.mark.parametrize(("text", "clean"), [
    ("Carboplatin AUC 5", True),
    ("two lines\nand a tab\tand a return\r", True),  # allowed text, though JSON escapes them
    ("a quote \" and a backslash \\ before b", True),
    ("Ünïcödé, 5 × 10⁹/L, ≥ 2 cm, 中文", True),
    ("bell \x07", False), ("backspace \x08", False), ("form feed \x0c", False), ("ESC \x1b[2J", False),
    ("delete \x7f", False), ("Ünïcödé and delete \x7f", False), ("C1 control \x9b", False), ("zero width \u200b", False),
    ("bidi override \u202e", False), ("byte order mark \ufeff", False), ("FILL-IN", False),
])
def test_a_document_is_plainly_clean_only_when_no_value_holds_a_hidden_character_or_a_placeholder(text, clean):
    from timelines.reading.loading import _holds_hidden, _plainly_clean

    for document in (make_case(make_event(note=text)), {**make_case(make_event()), "attributes": {text: 1}}):
        assert _plainly_clean(document) is clean
        if clean:  # what the one pass says, the walks say too
            assert not _holds_hidden(document)


def test_data_that_is_not_plain_is_left_to_the_walks():
    from timelines.reading.loading import _plainly_clean

    assert _plainly_clean({"id": "x", ("a", "tuple"): "key"}) is False


# ---------------------------------------------------------------- lines as an editor numbers them

BREAKS = 'schema: 1\nid: x\ntitle: "T"\nsource: {{citation: "{citation}"{more}}}\npatient: {{sex: female}}\n' \
         'diagnoses: [{{id: dx, label: L, date: 2020}}]\nevents:\n  - kind: bogus\n    date: 2020\n'


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_unicode_line_separator_does_not_shift_the_lines_reported(separator):
    """Regression: PyYAML counts U+2028, U+2029 and U+0085 as line breaks; editors do not, so every line after one
    was reported one too far."""
    text = BREAKS.format(citation=f"a{separator}b{separator}c", more="")
    with pytest.raises(CaseFileError) as caught:
        load_text(text, "x.yaml")
    assert str(caught.value).startswith("x.yaml:8:11: events[0].kind: Unknown event kind 'bogus'.")


def test_a_problem_after_a_line_separator_on_its_own_line_has_the_editors_column():
    text = BREAKS.format(citation="a\u2028b", more=", citation: c")
    with pytest.raises(CaseFileError) as caught:
        load_text(text, "x.yaml")
    assert str(caught.value) == ("x.yaml:4:27: Duplicate key 'citation' (first written on line 4). Hint: A field "
                                 "may appear only once in a mapping; keep one and delete the other.")


def test_a_raw_check_after_a_line_separator_reports_the_editors_line():
    text = BREAKS.format(citation="a\u2028b", more="").replace("kind: bogus", "kind: bo\u202egus")
    with pytest.raises(CaseFileError) as caught:
        load_text(text, "x.yaml")
    assert str(caught.value).startswith("x.yaml:8:13: The file contains U+202E (right-to-left override)")


def test_an_alias_used_as_a_key_is_reported_at_the_alias():
    """Regression: the duplicate key written as *t was reported at the anchor &t (line 3)."""
    with pytest.raises(CaseFileError) as caught:
        load_text("schema: 1\nid: x\ntitle: &t title\nsource: {citation: c}\n*t : again\n", "x.yaml")
    assert str(caught.value) == ("x.yaml:5:1: Duplicate key 'title' (first written on line 3). Hint: A field may "
                                 "appear only once in a mapping; keep one and delete the other.")
# ---------------------------------------------------------------- placeholders left to fill

@pytest.mark.parametrize("where, field, document", [
    ("the title", "title", lambda: make_case(make_event(), title="FILL-IN")),
    ("a finding nested in an event", "events[0].findings[0].gene", lambda: make_case(
        {"kind": "molecular", "date": "2021-08-20", "findings": [{"gene": "FILL-IN", "result": "detected"}]})),
    ("part of a relative date", "events[0].start", lambda: make_case(make_event(start="dx + FILL-IN"))),
])
def test_a_placeholder_is_refused_wherever_it_is_with_its_field_and_line(where, field, document):
    text = yaml.safe_dump(document(), sort_keys=False)
    with pytest.raises(CaseFileError) as raised:
        load_text(text, "p.yaml")
    [problem] = raised.value.problems
    assert (problem.field, problem.message) == (field, "FILL-IN is a placeholder")
    assert problem.line is not None and problem.hint.startswith("replace it with")


def test_a_placeholder_written_as_an_escape_is_refused_too():
    """The text never writes FILL-IN; its double-quoted escape means it."""
    text = yaml.safe_dump(make_case(make_event(), title="TITLE"), sort_keys=False).replace("TITLE", '"FILL\\x2DIN"')
    with pytest.raises(CaseFileError) as raised:
        load_text(text, "example.yaml")
    [problem] = raised.value.problems
    assert (problem.field, problem.message) == ("title", "FILL-IN is a placeholder")


def test_a_placeholder_in_an_imported_document_is_refused_too():
    from timelines.reading.loading import load_document
    with pytest.raises(CaseFileError) as raised:
        load_document(make_case(make_event(drug="FILL-IN")), "imported")
    assert str(raised.value).startswith("imported:")
    assert "events[0].drug: FILL-IN is a placeholder. Hint: Replace it with what the source states" in str(raised.value)
