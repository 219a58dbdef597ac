"""The cohort swimmer plot alone, for the benchmark: every case of BENCH_COHORT, loaded through a cache keyed on
path and modification time as the dashboard loads cases."""

import os
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.cohort_charts import swimmer_chart  # noqa: E402
from components.theme import enable_theme  # noqa: E402
from timelines.catalog import case_paths, load_entry  # noqa: E402
from timelines.cohort import swimmer_table  # noqa: E402


@st.cache_resource(show_spinner=False, max_entries=20_000)
def load(path: str, modified_ns: int):
    return load_entry(path)


@st.cache_resource(show_spinner=False)
def rows(stamps: tuple):
    return swimmer_table([e.timeline for e in (load(p, s) for p, s in stamps) if e.ok])


enable_theme()
paths = case_paths(os.environ["BENCH_COHORT"])
st.altair_chart(swimmer_chart(rows(tuple((str(p), p.stat().st_mtime_ns) for p in paths))), theme=None)
