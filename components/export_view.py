"""Download buttons for the exports of the case on screen: slides, handout, chart images and the events table.

Each file is made when its button is clicked (Streamlit runs the callable then), and kept for the session under
the caller's key, so a rerun of the page costs nothing and a second click of the same button is instant.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import streamlit as st

from timelines.deidentify import neutral_file_stem
from timelines.timeline import Timeline

from . import exports

MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml", "csv": "text/csv"}
CHART_LABELS = {"timeline": "Timeline", "lesions": "Lesions", "markers": "Markers"}
CACHE_KEY = "_case_exports"
MAX_CASES = 4  # exports of this many (case, options) pairs kept per session


class LazyExports:
    """The exports of one case with one set of options, each computed on first use and kept."""

    def __init__(self, timeline: Timeline, *, deidentify: bool, axis: str, day_zero: tuple[int, str] | None = None,
                 width: int = exports.EXPORT_WIDTH):
        self.case = exports.prepare_case(timeline, deidentify=deidentify, axis=axis, day_zero=day_zero)
        self.stem = neutral_file_stem(timeline.case.id) if deidentify else self.case.case_id
        self.width = width
        self._done: dict[str, bytes] = {}
        self._slides: list | None = None
        self._lock = threading.Lock()  # download callables run on their own thread

    def charts(self) -> list[str]:
        """The charts this case has data for."""
        return [name for name in exports.CHART_NAMES if exports.has_chart(self.case, name)]

    def file_name(self, what: str) -> str:
        return f"{self.stem}.{what}"

    def get(self, what: str) -> bytes:
        """'pptx', 'pdf', 'events.csv', 'timeline.png', 'lesions.svg'..."""
        with self._lock:
            if what not in self._done:
                self._done[what] = self._make(what)
            return self._done[what]

    def _make(self, what: str) -> bytes:
        if what in ("pptx", "pdf"):
            if self._slides is None:
                self._slides = exports.case_slides(self.case)
            return exports.pptx_bytes([self._slides]) if what == "pptx" else exports.pdf_bytes([self._slides])
        name, kind = what.rsplit(".", 1)
        if kind == "csv":
            return exports.csv_bytes(self.case.tables()[name])
        chart = exports.case_charts(self.case, width=self.width)[name]
        return exports.chart_png(chart) if kind == "png" else exports.chart_svg(chart)


def case_key(timeline: Timeline) -> str:
    """A key that changes when the case changes: its id, file and a digest of its content."""
    digest = hashlib.sha1(timeline.case.model_dump_json().encode("utf-8")).hexdigest()[:12]
    return f"{timeline.case.id}:{timeline.path}:{digest}"


def lazy_exports(timeline: Timeline, *, deidentify: bool, axis: str, day_zero: tuple[int, str] | None = None,
                 key: str | None = None) -> LazyExports:
    """The session's LazyExports for this case and these options (the last MAX_CASES are kept)."""
    store: OrderedDict = st.session_state.setdefault(CACHE_KEY, OrderedDict())
    full_key = (key or case_key(timeline), bool(deidentify), axis, day_zero)
    if full_key not in store:
        store[full_key] = LazyExports(timeline, deidentify=deidentify, axis=axis, day_zero=day_zero)
        while len(store) > MAX_CASES:
            store.popitem(last=False)
    store.move_to_end(full_key)
    return store[full_key]


def export_buttons(timeline: Timeline, *, deidentify: bool, axis: str, day_zero: tuple[int, str] | None = None,
                   key: str | None = None) -> None:
    """Download buttons: slides (PPTX), handout (PDF), events (CSV), and each chart as PNG and SVG.

    Parameters
    ----------
    timeline
        The case on screen.
    deidentify
        Export the de-identified case (relative axis, no dates, source, quotes or notes).
    axis
        ``"calendar"`` or ``"relative"``, as on screen (de-identified exports are always relative).
    day_zero
        The day 0 chosen on screen for the relative axis, ``(days since the case's origin, label)``.
    key
        What identifies this version of the case for the session, e.g. ``f"{path}:{mtime_ns}"``; by default a
        digest of the case.
    """
    lazy = lazy_exports(timeline, deidentify=deidentify, axis=axis, day_zero=day_zero, key=key)
    prefix = f"export-{lazy.case.case_id}"
    files = [("Slides (PPTX)", "pptx"), ("Handout (PDF)", "pdf"), ("Events (CSV)", "events.csv")]
    for chart in lazy.charts():
        files += [(f"{CHART_LABELS[chart]} (PNG)", f"{chart}.png"), (f"{CHART_LABELS[chart]} (SVG)", f"{chart}.svg")]
    columns = st.columns(3)
    for i, (label, what) in enumerate(files):
        columns[i % 3].download_button(label, data=_later(lazy, what), file_name=lazy.file_name(what),
                                       mime=MIME[what.rsplit(".", 1)[-1]], on_click="ignore",
                                       key=f"{prefix}-{what}", width="stretch")
    if lazy.case.deidentified:
        st.caption("De-identified exports: months since day 0, no calendar dates, source, quotes or notes.")


def _later(lazy: LazyExports, what: str):
    """A callable for st.download_button: the file is made when the button is clicked."""
    return lambda: lazy.get(what)
