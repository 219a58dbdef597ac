"""Slide decks for a tumor-board session, from the command line.

    python -m components.exports.deck PATH... --out DIR [--deidentify] [--pdf] [--axis relative]
        [--combined session.pptx] [--force]

PATH is a case file or a folder of case files. Writes ``DIR/<case-id>.pptx`` (and ``.pdf`` with ``--pdf``) per
case, and with ``--combined`` one deck of every case (a session slide, then each case from its title slide).
Prints one line per file written; a case file that cannot be loaded is reported with its problems and the other
cases go on; the cases of one run are a session, so each therapy has one colour in all of their decks (one case file
alone keeps its own choice, as a case drawn alone does); the exit status is 1 when any case failed. Case files are named and listed as `python -m timelines`
names and lists them (timelines.cli.case_files). Files are written as every command writes into --out
(timelines.saving.outputs): never through a link, never over a file it did not write unless --force.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from components import exports
from components.charts.theme import shared_colors
from timelines.cli import FORCE_HELP, NO_CASE_FILES, case_files, missing_message, run, say
from timelines.cohort import therapy_agents
from timelines.errors import CaseFileError
from timelines.reading.loading import load_case
from timelines.saving.outputs import OutputFolder, OutputRefused, output_folder

SESSION_TITLE = "Tumor board session"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.exports.deck", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="case files, or folders of case files")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the decks to (created)")
    parser.add_argument("--deidentify", action="store_true",
                        help="months since day 0 only; no calendar date, source, quote or note")
    parser.add_argument("--pdf", action="store_true", help="also write a PDF handout per deck")
    parser.add_argument("--axis", choices=("calendar", "relative"), default="calendar",
                        help="time axis (cases without calendar dates are always relative)")
    parser.add_argument("--combined", metavar="FILE.pptx",
                        help="also write one deck of every case (inside --out unless a folder is given)")
    parser.add_argument("--force", action="store_true", help=FORCE_HELP)
    args = parser.parse_args(argv)

    try:
        out = output_folder(args.out)
    except OutputRefused as error:
        say(error, sys.stderr)
        return 1
    args.folders = {}  # folder -> OutputFolder: what was written there, so that only those files are replaced
    files, missing = case_files(args.paths)
    for name in missing:
        say(missing_message(name), sys.stderr)
    if not files and not missing:
        say(NO_CASE_FILES, sys.stderr)
        return 1
    started, failed, session = time.perf_counter(), len(missing), []
    loaded = [(path, _loaded(path)) for path in files]
    cases = [therapy_agents([t])[t.case.id] for _, t in loaded if not isinstance(t, CaseFileError)]
    colors = shared_colors(cases) if len(cases) > 1 else ()  # one colour per therapy of the session
    try:
        for path, timeline in loaded:
            slides = _case(path, timeline, out, args, colors)
            if slides is None:
                failed += 1
            else:
                session.append(slides)
        if args.combined and session and not _combined(session, out, args):
            failed += 1
    finally:
        for folder in args.folders.values():
            folder.save_list()
    done = len(files) - (failed - len(missing))
    print(f"{done} of {len(files) + len(missing)} case{'s' * (len(files) + len(missing) != 1)} written "
          f"in {time.perf_counter() - started:.1f} s" + (f"; {failed} failed" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def _loaded(path: Path):
    """The case of a file, or why it cannot be loaded (said when its turn comes, in the order of the files)."""
    try:
        return load_case(path)
    except CaseFileError as error:
        return error


def _case(path: Path, timeline, out: Path, args, colors: tuple = ()) -> list[exports.Slide] | None:
    """Write the deck (and handout) of one case file (its loaded ``timeline``, or the error that refused it; then
    None), each therapy in its colour of the session (``colors``)."""
    if isinstance(timeline, CaseFileError):
        say(timeline, sys.stderr)
        return None
    case = exports.prepare_case(timeline, deidentify=args.deidentify, axis=args.axis, colors=colors)
    slides = exports.case_slides(case)
    written = _write(out / f"{case.case_id}.pptx", exports.pptx_bytes([slides]), f"{len(slides)} slides", args)
    if args.pdf:
        written &= _write(out / f"{case.case_id}.pdf", exports.pdf_bytes([slides]), f"{len(slides)} pages", args)
    return slides if written else None


def _combined(session: list[list[exports.Slide]], out: Path, args) -> bool:
    """Write the session's deck (and handout); False when a file was refused."""
    target = Path(args.combined)
    target = out / target if target.parent == Path(".") else target
    title = SESSION_TITLE + (" (de-identified)" if args.deidentify else "")
    count = 1 + sum(len(slides) for slides in session)
    written = _write(target.with_suffix(".pptx"), exports.pptx_bytes(session, session_title=title),
                     f"{len(session)} cases, {count} slides", args)
    if args.pdf:
        written &= _write(target.with_suffix(".pdf"), exports.pdf_bytes(session, session_title=title),
                          f"{len(session)} cases, {count} pages", args)
    return written


def _write(path: Path, data: bytes, what: str, args) -> bool:
    """Write one file through timelines.saving.outputs (atomic, never through a link, never over a file it did not
    write unless --force); False, with the reason on standard error, when it is refused."""
    try:
        folder = args.folders.get(path.parent)
        if folder is None:
            folder = args.folders[path.parent] = OutputFolder(output_folder(path.parent), force=args.force)
        folder.write(path.name, data)
    except OutputRefused as error:
        say(error, sys.stderr)
        return False
    say(f"wrote {path} ({what})")
    return True


if __name__ == "__main__":
    sys.exit(run(main))
