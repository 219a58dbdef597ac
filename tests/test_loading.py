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


# A valid file is built straight from the parser's events (no line numbers); anything unusual is left to the
# located parse, which gives every message above. These guard that split.

CASE_FILES = sorted((ROOT / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_the_fast_parse_of_a_case_file_is_the_located_parse(path):
    from timelines.yaml_events import plain_data
    from timelines.yaml_source import parse_yaml

    text = path.read_text(encoding="utf-8")
    fast, (located, _) = plain_data(text), parse_yaml(text)
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
    "a: " + "[" * 200 + "]" * 200 + "\n",  # nested deeper than MAX_DEPTH
])
def test_the_fast_parse_leaves_anything_unusual_to_the_located_parse(text):
    from timelines.yaml_events import Irregular, plain_data

    with pytest.raises((Irregular, yaml.YAMLError)):
        plain_data(text)


def test_the_fast_parse_stops_at_the_node_limit_before_building_more(monkeypatch):
    from timelines import yaml_events

    monkeypatch.setattr(yaml_events, "MAX_NODES", 1_000)
    text = "items:\n" + "".join(f"- {i}\n" for i in range(5_000))
    with pytest.raises(yaml_events.Irregular):
        yaml_events.plain_data(text)
    with pytest.raises(CaseFileError, match="more than 1,000 values"):
        load_text(text)


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
