"""The cohort swimmer plot alone, for the benchmark: every case of BENCH_COHORT, loaded and drawn by the cohort
page's own code through the app's cache layer (components.pages.cache: cases, the cohort's tables and the swimmer's spec
cached on the files' paths and stamps, as the page caches them), with the page's default choices and no filter."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.charts.theme import enable_theme  # noqa: E402
from components.pages.cohort import cohort_frames, matching_cases, swimmer_section  # noqa: E402
from timelines.reading.catalog import case_paths  # noqa: E402
from timelines.reading.files import stamp  # noqa: E402

enable_theme()
files = tuple((str(p), s) for p in case_paths(os.environ["BENCH_COHORT"]) if (s := stamp(p)) is not None)
frames = cohort_frames(files)
swimmer_section(frames, matching_cases(frames["cohort"], frames["agents"]), "diagnosis", "duration")
