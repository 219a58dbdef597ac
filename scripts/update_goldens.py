"""Rewrite tests/golden/*.csv from the bundled cases; review the diff before committing it."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timelines.reading.catalog import case_paths  # noqa: E402
from timelines.reading.loading import load_case  # noqa: E402
from timelines.tables import golden_tables  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for path in case_paths(ROOT / "cases"):
        timeline = load_case(path)
        for name, table in golden_tables(timeline).items():
            target = GOLDEN / f"{timeline.case.id}.{name}.csv"
            target.write_text(table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)} ({len(table)} rows)")


if __name__ == "__main__":
    main()
