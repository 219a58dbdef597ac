"""The cohort swimmer plot alone, for the benchmark: every case of BENCH_COHORT, loaded through a cache keyed on
path and modification time, drawn by the cohort page's own code (components.cohort_view: the cohort's tables and
the swimmer's spec cached as the page caches them), with the page's default choices and no filter."""

import os
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.cohort_view import cohort_frames, matching_cases, swimmer_section  # noqa: E402
from components.theme import enable_theme  # noqa: E402
from timelines.catalog import case_paths, load_entry  # noqa: E402


@st.cache_resource(show_spinner=False, max_entries=20_000)
def load(path: str, modified_ns: int):
    return load_entry(path)


enable_theme()
entries = [load(str(p), p.stat().st_mtime_ns) for p in case_paths(os.environ["BENCH_COHORT"])]
frames = cohort_frames([e for e in entries if e.ok])
swimmer_section(frames, matching_cases(frames["cohort"], frames["agents"]), "diagnosis", "duration")
