"""Every text of the hostile corpus through timelines.text.escape_markdown and st.markdown, one container each,
for the browser test that reads back what Chromium shows."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timelines.text import escape_markdown  # noqa: E402

from poison import corpus_texts  # noqa: E402

for i, text in enumerate(corpus_texts()):
    with st.container(key=f"text-{i}"):
        st.markdown(escape_markdown(text))
