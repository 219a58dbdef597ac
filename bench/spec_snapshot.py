"""Every case chart spec, and the cohort swimmer spec, written as JSON files: a snapshot to compare a change of the
chart builders against, byte for byte (a change that makes them faster must not change what they draw).

    python bench/spec_snapshot.py /tmp/spec-before          # write the snapshot
    python bench/spec_snapshot.py /tmp/spec-after --compare /tmp/spec-before

Cases: every bundled case, and the benchmark's synthetic 500- and 2,000-event cases (``bench/synth.py``, the seeds
of ``bench/run.py``), on each axis the case can be drawn on (calendar and relative; and relative de-identified),
for the page's, a focused page's, a fitted page's, an export's and the tumor board's display choices; and the
swimmer of the benchmark's 200-patient cohort.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synth import synthetic_text  # noqa: E402

SYNTHETIC = (("synthetic-mid", 500, 11), ("synthetic-big", 2_000, 10))
COHORT = 200


def case_files(folder: Path) -> list[Path]:
    paths = sorted((ROOT / "cases").glob("*.yaml"))
    paths = [p for p in paths if not p.name.startswith("_")]
    for case_id, events, seed in SYNTHETIC:
        path = folder / f"{case_id}.yaml"
        path.write_text(synthetic_text(case_id, events, seed=seed))
        paths.append(path)
    return paths


def displays(case, name: str):
    """(label, display) pairs of the chart `name` of a prepared case."""
    from components import charts
    from components.exports.rendering import export_display
    from components.pages.board import DEFAULT_SCREEN, board_display
    from components.pages.chart_views import page_display, timeline_display
    from timelines.presentation import View

    view = View(axis=case.axis, day_zero_label=case.day_zero_label)
    axis = view.axis_options()
    yield "page", page_display(view)
    yield "export", export_display(case, 900)
    yield "board", board_display(name, axis, DEFAULT_SCREEN)
    if name == "timeline":
        focus = charts.focus_domain(case.events, axis=case.axis)
        yield "focus", page_display(view, focus)
        yield "fitted", timeline_display(view, focus, room=560)
        yield "export-focus", export_display(case, 900, focus)


def case_specs(path: Path):
    from components import charts
    from components.exports.case import prepare_case
    from components.exports.rendering import case_frames, has_chart
    from timelines.reading.loading import load_case

    timeline = load_case(path)
    views = [("calendar", False)] if timeline.on_calendar else []
    views += [("relative", False), ("relative", True)]
    for axis, deidentify in views:
        case = prepare_case(timeline, axis=axis, deidentify=deidentify)
        frames = case_frames(case)
        for name in charts.CASE_CHARTS:
            if not has_chart(case, name):
                continue
            for label, display in displays(case, name):
                specs = charts.case_chart_specs(name, frames, display)
                yield f"{path.stem}__{axis}{'-deid' if deidentify else ''}__{name}__{label}", specs


def swimmer_specs(folder: Path):
    import altair as alt

    from components.charts.cohort import swimmer_chart
    from components.charts.display import Display, chart_spec
    from timelines.cohort import swimmer_table
    from timelines.reading.catalog import case_paths, load_entry

    cohort = folder / "cohort"
    cohort.mkdir()
    for i in range(COHORT):  # as bench/run.py's Inputs.cohort
        case_id = f"patient-{i:05d}"
        (cohort / f"{case_id}.yaml").write_text(synthetic_text(case_id, 40, seed=1000 + i, calendar=i % 5 != 0))
    frame = swimmer_table([e.timeline for e in map(load_entry, case_paths(cohort)) if e.ok])
    with alt.data_transformers.disable_max_rows():  # as bench/run.py times it
        yield "swimmer__default", [swimmer_chart(frame).to_dict()]
    page = Display(legends="stacked", fit_width=True)  # as the cohort page draws it
    yield "swimmer__page", [chart_spec(swimmer_chart(frame, sort="case_id"), page)]


def write(out: Path, only: str = "") -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    names = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        specs = [spec for path in case_files(folder) if only in path.stem for spec in case_specs(path)]
        specs += list(swimmer_specs(folder)) if only in "swimmer" else []
    for name, parts in specs:
        for i, spec in enumerate(parts):
            file = f"{name}__{i}.json"
            (out / file).write_text(json.dumps(spec))
            names.append(file)
    return names


def compare(out: Path, before: Path, only: str = "") -> int:
    old = {p.name for p in before.glob("*.json") if only in p.name.split("__")[0]}
    new = {p.name for p in out.glob("*.json")}
    differ = sorted(n for n in old & new if (out / n).read_bytes() != (before / n).read_bytes())
    for name in sorted(old - new):
        print(f"missing: {name}")
    for name in sorted(new - old):
        print(f"new: {name}")
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(old & new) - len(differ)} of {len(old | new)} specs identical")
    return 1 if differ or old != new else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="a snapshot to compare with, byte for byte")
    parser.add_argument("--only", default="", help="only the cases whose name holds this text ('swimmer': the swimmer)")
    args = parser.parse_args(argv)
    names = write(args.out, args.only)
    print(f"{len(names)} specs written to {args.out}")
    return compare(args.out, args.compare, args.only) if args.compare else 0


if __name__ == "__main__":
    sys.exit(main())
