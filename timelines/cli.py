"""Command line: python -m timelines {validate,export,export-fhir,summary,schema,import-cbioportal,export-cbioportal}.

Slide decks and handouts have their own command in the same family (the same way of naming case files, the same
messages and exit statuses), since they need the chart renderer: python -m components.exports.deck PATH... --out DIR."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

from .errors import CaseFileError
from .reading.catalog import case_paths
from .reading.loading import load_case
from .saving.outputs import OutputFolder, OutputRefused, OutputsRefused, output_folder
from .saving.spreadsheet import csv_text
from .schema import Case
from .summary import case_summary, summary_text
from .tables import dose_change_table, event_table, marker_table, measurement_table
from .text import visible

TABLES = {"events": event_table, "measurements": measurement_table, "markers": marker_table,
          "dose_changes": dose_change_table}


def case_files(paths: list[str]) -> tuple[list[Path], list[str]]:
    """The files named, and the cases inside the folders named (sorted), listed as the dashboard lists them (the
    template, drafts and hidden files are not cases); and the names that are neither a file nor a folder."""
    files: list[Path] = []
    missing: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(case_paths(path))
        elif path.exists() or path.is_symlink():  # a link that leads nowhere is reported by the loader
            files.append(path)
        else:
            missing.append(name)
    return files, missing


def missing_message(name: str) -> str:
    return f"{name}: no such file or folder. Hint: give case files (*.yaml) or folders of them"


FORCE_HELP = ("replace files in --out that this command did not write (by default they are left as they are and "
              "named); links are never written through")


def say(text: object, file=None) -> None:
    """Print a message, line by line, every control or invisible character shown as its escape (timelines.text.visible):
    the one printer of the command line, so that a value read from a file cannot act on the terminal."""
    print("\n".join(visible(line) for line in str(text).split("\n")), file=file if file is not None else sys.stdout)


NO_CASE_FILES = "No case files found (looked for *.yaml). Hint: give case files or a folder of them"


def run(command: Callable[[], int]) -> int:
    """A command's exit status; when its reader closes the pipe (`... | head`), it stops quietly with 0, as
    other command-line tools do, instead of printing a BrokenPipeError."""
    try:
        status = command()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout again at exit
        return 0
    return status


def json_records(table) -> str:
    """A table as a JSON list of records, every number exact: Python's shortest repr of a double reads back as the
    same double (pandas' to_json rounds to 10 significant digits: 1.5e-10 went out as 2e-10, and the largest double
    as a number too large to read, infinity). Blank cells are null."""
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    return json.dumps(records, indent=2, ensure_ascii=False, default=_json_value)


def _json_value(value):
    """A cell json cannot write as it is: numpy numbers as Python numbers, anything else as its text."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def json_schema() -> dict:
    """The JSON Schema of a case file, for editors."""
    schema = Case.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Oncology case file"
    return schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m timelines", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check case files; exit 1 on any error")
    validate.add_argument("paths", nargs="+", metavar="PATH")
    export = commands.add_parser("export", help="write a table of one case to standard output")
    export.add_argument("path", metavar="PATH")
    export.add_argument("--table", choices=sorted(TABLES), default="events")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    fhir = commands.add_parser("export-fhir", help="write a case as a FHIR R4 Bundle (mCODE) in JSON")
    fhir.add_argument("path", metavar="PATH", help="a case file, or a folder of them (then --out names a folder)")
    fhir.add_argument("--out", metavar="FILE", help="write to this file (a folder for a folder of cases) instead "
                                                    "of standard output")
    fhir.add_argument("--force", action="store_true", help=FORCE_HELP)
    summary = commands.add_parser("summary", help="patient, diagnoses, lines of therapy and outcomes")
    summary.add_argument("path", metavar="PATH")
    summary.add_argument("--format", choices=("text", "json"), default="text")
    commands.add_parser("schema", help="write the JSON Schema of the case file")
    study_in = commands.add_parser("import-cbioportal", help="a cBioPortal study's timelines as case files; exit 1 "
                                   "on any bad row")
    study_in.add_argument("study", metavar="STUDY_DIR")
    study_in.add_argument("--out", required=True, metavar="DIR", help="the folder the case files are written to")
    study_in.add_argument("--force", action="store_true", help=FORCE_HELP)
    study_out = commands.add_parser("export-cbioportal", help="cases as a cBioPortal study")
    study_out.add_argument("paths", nargs="+", metavar="PATH")
    study_out.add_argument("--out", required=True, metavar="DIR", help="the study folder to write")
    study_out.add_argument("--force", action="store_true", help=FORCE_HELP)
    args = parser.parse_args(argv)
    return {"validate": _validate, "export": _export, "export-fhir": _export_fhir, "summary": _summary,
            "schema": _schema, "import-cbioportal": _import_cbioportal,
            "export-cbioportal": _export_cbioportal}[args.command](args)


def _validate(args) -> int:
    files, missing = case_files(args.paths)
    for name in missing:
        say(missing_message(name))
    bad = len(missing)
    for path in files:
        try:
            load_case(path)
        except CaseFileError as error:
            bad += 1
            say(error)
    if not files and not missing:
        say(NO_CASE_FILES)
        return 1
    count = len(files) + len(missing)
    print(f"{count} case file{'s' * (count != 1)}: {count - bad} valid, {bad} with errors")
    return 1 if bad else 0


def _load_or_report(path: str):
    try:
        return load_case(path)
    except CaseFileError as error:
        say(error, sys.stderr)
        return None


def _export(args) -> int:
    timeline = _load_or_report(args.path)
    if timeline is None:
        return 1
    table = TABLES[args.table](timeline)
    if args.format == "csv":
        sys.stdout.write(csv_text(table))
    else:
        sys.stdout.write(json_records(table) + "\n")
    return 0


def _export_fhir(args) -> int:
    """One bundle to standard output or --out FILE; a folder writes <case-id>.fhir.json per case into --out DIR.
    What a bundle does not carry, and what it carries as text only where mCODE wants a code, are listed on standard
    error, one line each, after the case file's name."""
    from .fhir.bundle import export_report  # fhir.resources takes half a second to import: only for this command

    files, missing = case_files([args.path])
    for name in missing:
        say(missing_message(name), sys.stderr)
    folder = Path(args.path).is_dir()
    if folder and not args.out:
        say(f"{args.path}: a folder of cases needs --out DIR. Hint: add e.g. --out bundles", sys.stderr)
        return 1
    if folder and not files:
        say(NO_CASE_FILES, sys.stderr)
        return 1
    try:
        out = _fhir_out(args, folder)
    except OutputRefused as error:
        say(error, sys.stderr)
        return 1
    status = 1 if missing else 0
    file_name = Path(args.out).name if out is not None and not folder else None
    try:
        for path in files:
            if not _export_one_fhir(path, export_report, out, file_name):
                status = 1
    finally:
        if out is not None:
            out.save_list()
    return status


def _export_one_fhir(path: Path, export_report, out: OutputFolder | None, file_name: str | None) -> bool:
    """The bundle of one case file to standard output (`out` None) or into `out`, named `file_name` or, for a
    folder of cases (`file_name` None), after the case; False when the case or the file was refused."""
    timeline = _load_or_report(str(path))
    if timeline is None:
        return False
    report = export_report(timeline)
    text = json.dumps(report.bundle, indent=2, ensure_ascii=False) + "\n"
    for line in report.left:
        say(f"{path}: not carried: {line}", sys.stderr)
    for line in report.not_coded:
        say(f"{path}: not coded: {line}", sys.stderr)
    if out is None:
        sys.stdout.write(text)
        return True
    try:
        target = out.write(file_name or f"{timeline.case.id}.fhir.json", text.encode("utf-8"))
    except OutputRefused as error:
        say(error, sys.stderr)
        return False
    if file_name is None:
        say(target)
    return True


def _fhir_out(args, folder: bool) -> OutputFolder | None:
    """Where export-fhir writes: None for standard output; the folder of --out FILE, or --out DIR itself."""
    if not args.out:
        return None
    if folder:
        return OutputFolder(output_folder(args.out), force=args.force)
    target = Path(args.out)
    if target.is_dir() and not target.is_symlink():
        raise OutputRefused(args.out, "This is a folder; for one case file --out names the bundle's file",
                            f"give a file name, e.g. {target / 'bundle.fhir.json'}, or a folder of cases to write "
                            "one bundle per case into it")
    return OutputFolder(output_folder(target.parent), force=args.force)


def _summary(args) -> int:
    files, missing = case_files([args.path])
    for name in missing:
        say(missing_message(name), sys.stderr)
    results, status = [], 1 if missing else 0
    for path in files:
        timeline = _load_or_report(str(path))
        if timeline is None:
            status = 1
            continue
        results.append(case_summary(timeline))
    if args.format == "json":
        data = results[0] if Path(args.path).is_file() and results else results
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        say("\n\n".join(summary_text(s) for s in results))
    return status


def _schema(args) -> int:
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


def _progress_bar(total_hint: str):
    """A progress bar on standard error for a large study (tqdm; silent when stderr is not a terminal)."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit=" rows", desc=total_hint, file=sys.stderr, leave=False,
                       disable=total < 100_000 or not sys.stderr.isatty())
        bar.update(done - bar.n)

    return update


def _import_cbioportal(args) -> int:
    from .cbioportal.study import case_timeline, case_yaml, read_study

    folder = Path(args.study)
    if not folder.is_dir():
        say(f"{args.study}: no such folder. Hint: give the folder of a cBioPortal study (meta_study.txt, "
            "data_timeline_*.txt)", sys.stderr)
        return 1
    try:
        out = OutputFolder(output_folder(args.out), force=args.force)
    except OutputRefused as error:
        say(error, sys.stderr)
        return 1
    study = read_study(folder, progress=_progress_bar("reading"))
    problems = list(study.problems)
    written = 0
    try:
        for document in study.cases.values():
            name = f"{document['id']}.yaml"
            try:
                case_timeline(document, str(out.folder / name))
                out.write(name, case_yaml(document).encode("utf-8"))
            except (CaseFileError, OutputRefused) as error:
                problems.append(str(error))
                continue
            written += 1
    finally:
        out.save_list()
    for problem in problems:
        say(problem, sys.stderr)
    left_out = len(study.cases) - written + len(study.patients_with_problems)
    say(f"{written} case file{'s' * (written != 1)} written to {out.folder}; {len(problems)} problem"
        f"{'s' * (len(problems) != 1)}, {left_out} patient{'s' * (left_out != 1)} left out", sys.stderr)
    return 1 if problems else 0


def _export_cbioportal(args) -> int:
    from .cbioportal.write import StudyRefused, write_study

    files, missing = case_files(args.paths)
    for name in missing:
        say(missing_message(name), sys.stderr)
    timelines = [t for t in (_load_or_report(str(path)) for path in files) if t is not None]
    bad = len(files) - len(timelines) + len(missing)
    if not timelines:
        say(NO_CASE_FILES if not files else "No valid case to export.", sys.stderr)
        return 1
    try:
        lost = write_study(timelines, args.out, force=args.force)
    except (StudyRefused, OutputRefused, OutputsRefused) as error:
        say(error, sys.stderr)
        say(f"Nothing was written to {args.out}.", sys.stderr)
        return 1
    for line in lost:
        say(f"not carried: {line}", sys.stderr)
    print(f"{len(timelines)} case{'s' * (len(timelines) != 1)} written to {args.out} as a cBioPortal study"
          + (f"; {bad} with errors" if bad else ""), file=sys.stderr)
    return 1 if bad else 0
