"""Every table the tables module builds is byte-identical to the reviewed snapshot of its output.

The snapshot (tests/golden/tables_identity.json) holds, per case and table, a sha256 of the table's CSV text, its
dtypes, every value of every column with its Python type, its index and its attrs (day 0), plus the lane
order and day-0 choices read from the event table. The cases: every bundled case, the example and the hostile
files that load, and the benchmark's synthetic cases (bench/synth.py) at the sizes its figures use. A faster
way of building a table must give the same bytes.

Regenerate only for a reviewed change of output: `python tests/test_tables_identity.py` (it also writes the
full fingerprint texts to a folder given as its argument, for a diff).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synth import synthetic_text  # noqa: E402
from timelines import load_case, load_text  # noqa: E402
from timelines.errors import CaseFileError  # noqa: E402
from timelines.tables import (  # noqa: E402
    day_zero,
    day_zero_choices,
    dose_change_table,
    event_table,
    event_tables,
    golden_tables,
    lane_order,
    marker_table,
    measurement_table,
    molecular_table,
)

SNAPSHOT = ROOT / "tests" / "golden" / "tables_identity.json"
# (case id, events, seed, calendar): the benchmark's big and mid cases (quick and full sizes), a case without
# calendar dates, and cohort-sized files (every fifth without calendar dates, as the benchmark's cohort).
SYNTHETIC = [("synthetic-big", 2_000, 10, True), ("synthetic-mid", 500, 11, True),
             ("synthetic-mid-full", 2_000, 11, True), ("synthetic-relative", 2_000, 12, False),
             ("synthetic-big-full", 10_000, 10, True)]
COHORT = [(f"patient-{i:05d}", 40, 1000 + i, i % 5 != 0) for i in range(10)]


def file_cases() -> list[Path]:
    """The bundled cases (template included), the examples and the hostile files, sorted by folder and name."""
    return (sorted((ROOT / "cases").glob("*.yaml")) + sorted((ROOT / "tests" / "examples").glob("*.yaml"))
            + sorted((ROOT / "tests" / "hostile").glob("*.yaml")))


def fingerprint(frame: pd.DataFrame) -> str:
    """The table as text: its CSV, dtypes, the type of every object value, index and attrs."""
    parts = [frame.to_csv(index=False, lineterminator="\n"),
             "dtypes: " + json.dumps({str(c): str(t) for c, t in frame.dtypes.items()}),
             f"index: {type(frame.index).__name__} {list(frame.index) == list(range(len(frame)))} {len(frame)}",
             "attrs: " + json.dumps(frame.attrs, sort_keys=True, default=str)]
    for column in frame.columns:  # what CSV text blurs: None or NaN or '', 1 or 1.0, a str or a numpy str
        values = frame[column].tolist()
        parts.append(f"values {column}: {values!r}")
        parts.append(f"types {column}: " + ",".join(type(v).__name__ for v in values))
    return "\n".join(parts)


def timeline_texts(timeline) -> dict[str, str]:
    """Every table of one timeline, fingerprinted, by name."""
    events = event_table(timeline)
    texts = {name: fingerprint(build(timeline)) for name, build in
             (("events", lambda t: events), ("measurements", measurement_table), ("markers", marker_table),
              ("dose_changes", dose_change_table), ("molecular", molecular_table))}
    texts.update({f"golden.{name}": fingerprint(table) for name, table in golden_tables(timeline).items()})
    texts["lane_order"] = repr(lane_order(events))
    texts["day_zero"] = repr(day_zero(timeline))
    texts["day_zero_choices"] = repr(day_zero_choices(events))
    return texts


def synthetic_timeline(case_id: str, events: int, seed: int, calendar: bool):
    return load_text(synthetic_text(case_id, events, seed=seed, calendar=calendar), f"{case_id}.yaml")


def case_texts(name: str) -> dict[str, str]:
    """The fingerprints of one named case: a file's path relative to the repository, or a synthetic case id."""
    synthetic = {s[0]: s for s in SYNTHETIC}
    if name in synthetic:
        return timeline_texts(synthetic_timeline(*synthetic[name]))
    if name == "cohort":
        timelines = [synthetic_timeline(*c) for c in COHORT]
        keys = [c[0] for c in COHORT]
        return {"event_tables": fingerprint(event_tables(timelines, keys))}
    try:
        timeline = load_case(ROOT / name)
    except CaseFileError:  # a hostile file refused (its message is tested with the loading)
        return {"refused": ""}
    return timeline_texts(timeline)


def case_names() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in file_cases()] + [s[0] for s in SYNTHETIC] + ["cohort"]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("name", case_names())
def test_tables_are_byte_identical_to_the_snapshot(name):
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert name in expected, f"no snapshot of {name}: run python tests/test_tables_identity.py and review it"
    actual = {table: digest(text) for table, text in case_texts(name).items()}
    assert actual == expected[name]


def main(out: Path | None = None) -> None:
    snapshot = {}
    for name in case_names():
        texts = case_texts(name)
        snapshot[name] = {table: digest(text) for table, text in texts.items()}
        if out is not None:
            for table, text in texts.items():
                (out / f"{name.replace('/', '__')}.{table}.txt").write_text(text, encoding="utf-8")
        print(name, len(texts))
    SNAPSHOT.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
    main(target)
