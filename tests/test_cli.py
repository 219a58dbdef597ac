"""The command line: validate, export, summary, schema."""

import csv
import io
import json
import subprocess
import sys

import pytest

from timelines.cli import json_schema, main
from timelines.tables import DOSE_CHANGE_COLUMNS, EVENT_COLUMNS, MARKER_COLUMNS, MEASUREMENT_COLUMNS

from conftest import CASES, ROOT

LORLATINIB = str(CASES / "lcnec-alk-lorlatinib.yaml")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "timelines", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_validate_is_clean_on_the_bundled_cases():
    result = run("validate", "cases")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("with errors") and ", 0 with errors" in result.stdout
    # The template and drafts are not cases: the count is the dashboard's
    cases = len([p for p in (ROOT / "cases").glob("*.yaml") if not p.name.startswith("_")])
    assert result.stdout.strip() == f"{cases} case files: {cases} valid, 0 with errors"


def test_validate_and_deck_name_case_files_alike(tmp_path, capsys):
    """One family of commands: a name that is neither a file nor a folder gets the same message from validate,
    summary and the deck command, and counts as a failure; a folder lists the cases the dashboard lists."""
    from components.exports import deck

    missing = str(tmp_path / "nope.yaml")
    expected = f"{missing}: no such file or folder. Hint: give case files (*.yaml) or folders of them"
    assert main(["validate", LORLATINIB, missing]) == 1
    out = capsys.readouterr().out
    assert expected in out and out.strip().endswith("2 case files: 1 valid, 1 with errors")
    assert main(["summary", missing]) == 1
    assert expected in capsys.readouterr().err
    assert deck.main([missing, "--out", str(tmp_path / "out")]) == 1
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("table, columns", [("events", EVENT_COLUMNS), ("measurements", MEASUREMENT_COLUMNS),
                                            ("markers", MARKER_COLUMNS), ("dose_changes", DOSE_CHANGE_COLUMNS)])
def test_export_csv_starts_with_the_contract_columns(table, columns, capsys):
    assert main(["export", LORLATINIB, "--table", table, "--format", "csv"]) == 0
    header = next(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert tuple(header[:len(columns)]) == columns


def test_export_json_is_a_list_of_records(capsys):
    assert main(["export", LORLATINIB, "--table", "measurements", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    brain = [r["recist_mm"] for r in rows if r["site"].lower().startswith("brain")]
    assert brain == [12.0, 11.0, 6.0]


def test_summary_json_lists_outcomes_with_the_contract_fields(capsys):
    assert main(["summary", LORLATINIB, "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    pfs = next(o for o in summary["outcomes"] if o["name"] == "pfs")
    assert {"name", "label", "months_min", "months_max", "censored", "reported_months"} <= set(pfs)
    assert (pfs["censored"], pfs["reported_months"]) == (True, 25)
    # lorlatinib to the last follow-up, 'after lorlatinib + 25 months': at least 25 months, no upper bound
    assert (round(pfs["months_min"]), pfs["months_max"], pfs["text"]) == (25, None, "25+ months")


def test_summary_text_reads_as_a_case_summary(capsys):
    assert main(["summary", LORLATINIB]) == 0
    text = capsys.readouterr().out
    assert "Line 1: lorlatinib" in text and "paper: 25+ months (consistent)" in text


def test_a_broken_file_exits_1_with_its_message_on_stderr():
    result = run("export", "tests/bad_cases/unknown-kind.yaml")
    assert result.returncode == 1
    assert result.stderr.startswith("tests/bad_cases/unknown-kind.yaml:18:11: events[1].kind: Unknown event kind")


def test_the_committed_schema_is_in_sync():
    committed = json.loads((CASES / "case.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: python -m timelines schema > cases/case.schema.json"


def test_schema_command_writes_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Oncology case file" and "events" in schema["properties"]
