"""The benchmark's floor page: one bare Altair chart of the rows the benchmark saved, and nothing else.

`streamlit run bench/bare_page.py` with BENCH_DATA naming a folder of `<name>.pkl` DataFrames; `?rows=<name>`
picks one. A frame with `start_month` (swimmer rows) is drawn as bars per patient, any other as bars per lane.
"""

import os
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

DATA = Path(os.environ.get("BENCH_DATA", "."))


def bare_chart(rows: pd.DataFrame) -> alt.Chart:
    """Bars from start to end, one row of the chart per lane (or patient): the least a timeline can draw."""
    if "start_month" in rows:
        return alt.Chart(rows).mark_bar().encode(x="start_month:Q", x2="end_month:Q", y="patient:N")
    return alt.Chart(rows).mark_bar().encode(x="day_start:Q", x2="day_end:Q", y="lane:N")


if __name__ == "__main__":  # as `streamlit run` executes it; bench/run.py imports bare_chart
    name = st.query_params.get("rows", "events")
    st.altair_chart(bare_chart(pd.read_pickle(DATA / f"{name}.pkl")), theme=None)
