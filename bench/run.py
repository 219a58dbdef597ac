"""Benchmark: every figure beside its floor, measured in the same run, as medians and ratios.

    .venv/bin/python bench/run.py            # the default run (a few minutes on two cores)
    .venv/bin/python bench/run.py --quick    # smaller cases and cohorts, fewer runs
    .venv/bin/python bench/run.py --only load,cohort --out /tmp/results.json
    .venv/bin/python bench/run.py --check    # before submitting a change: targets met, beyond the noise?

Each figure is timed alternately with its floor (the least the same work can cost: a bare libyaml parse of the
same text, a bare Altair chart of the same rows, a bare Streamlit page), so a shared, noisy machine moves both
alike and the ratio stays meaningful. Synthetic cases come from bench/synth.py and are the same on every run.

``--check`` runs the quick load, specs, switch and deck figures (about a minute) and exits 1 when a figure misses
its target by more than the noise of its own runs (``check``): a speed check to run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from bench.synth import synthetic_text  # noqa: E402
from timelines.warehouse.store import SWIMMER_PATIENTS  # noqa: E402

SECTIONS = ("load", "cohort", "specs", "switch", "browser", "swimmer", "deck", "memory", "registry")
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(tempfile.gettempdir()) / "timelines-bench-failure.png"
# Streamlit draws a chart as SVG, or on a canvas when it has many marks (the cohort swimmer)
CHART_MARKS = ('[data-testid="stVegaLiteChart"] svg.marks g.mark-rect path, '
               '[data-testid="stVegaLiteChart"] canvas.marks')
NEXT_FRAME = "new Promise(done => requestAnimationFrame(() => done()))"  # the canvas is painted by then


@dataclass
class Size:
    """How big the benchmark's inputs are, and how often each figure is timed."""

    big_events: int = 10_000
    mid_events: int = 2_000
    cohort: int = 1_000
    cohort_events: int = 40
    memory_cohorts: tuple[int, ...] = (100, 1_000, 5_000)
    registry: tuple[int, ...] = (1_000, 5_000)  # patients of the generated cBioPortal studies (--registry-full: 25,000)
    runs: int = 5
    slow_runs: int = 3
    detail: bool = True  # figures that explain others (load alone, beside load and tabulate)


QUICK = Size(big_events=2_000, mid_events=500, cohort=200, memory_cohorts=(50, 200, 500), registry=(200, 1_000),
             runs=3, slow_runs=2)


CHECK = Size(big_events=2_000, mid_events=500, cohort=200, memory_cohorts=(), registry=(), runs=3, slow_runs=3,
             detail=False)
CHECK_SECTIONS = ("load", "specs", "switch", "deck")


@dataclass
class Row:
    name: str
    median_s: float | None
    floor_name: str = ""
    floor_s: float | None = None
    target: str = ""
    met: bool | None = None
    runs: int = 0
    note: str = ""
    extra: dict = field(default_factory=dict)
    limit: float | None = None  # the target as a number: a ratio to the floor, or seconds (per == "s")
    per: str = "floor"
    samples: list[float] = field(default_factory=list)  # each run, and the floor timed beside it
    floor_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.median_s is None or not self.floor_s:
            return None
        return self.median_s / self.floor_s


def timed(fn, runs: int, floor=None) -> tuple[list[float], list[float]]:
    """Seconds per call of fn (and of floor, alternated with it so that both see the same machine)."""
    measured, floors = [], []
    for _ in range(runs):
        for call, into in ((floor, floors), (fn, measured)):
            if call is None:
                continue
            gc.collect()
            start = time.perf_counter()
            call()
            into.append(time.perf_counter() - start)
    return measured, floors


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# ------------------------------------------------------------------------------------------------ --check

MIN_NOISE = 0.05  # a figure whose runs agree closely still gets this much room (5 %)
ONE_RUN_NOISE = 0.25  # a figure timed once says nothing of its spread: this much room
BUSY_LOAD = 1.0  # runnable processes per core above which a target in seconds is not judged


@dataclass(frozen=True)
class Verdict:
    figure: str
    value: float  # the ratio to the floor, or seconds
    limit: float
    per: str  # "floor" (a ratio) or "s"
    noise: float  # relative: half the spread of the figure's own runs
    busy: bool = False  # the machine was busier than BUSY_LOAD: a target in seconds says nothing then

    @property
    def judged(self) -> bool:
        """A ratio is judged on any machine (a busy one slows the floor beside it too); seconds on a quiet one."""
        return self.per == "floor" or not self.busy

    @property
    def passed(self) -> bool:
        """Met, or missed by no more than the noise, or not judged: only a miss the machine cannot explain fails."""
        return not self.judged or self.value <= self.limit * (1 + self.noise)


def run_noise(samples: list[float], floors: list[float] | None = None) -> float:
    """Half the spread of a figure's runs relative to their median: each run's ratio to the floor timed beside
    it when there is one (a busy spell slows both), else its seconds. At least MIN_NOISE; ONE_RUN_NOISE for one run."""
    values = [s / f for s, f in zip(samples, floors)] if floors else list(samples)
    if len(values) < 2:
        return ONE_RUN_NOISE
    middle = statistics.median(values)
    return max(MIN_NOISE, (max(values) - min(values)) / (2 * middle))


def verdict(figure: str, samples: list[float], floors: list[float], limit: float, per: str = "floor",
            load: float = 0.0) -> Verdict:
    """A figure against its target: the median ratio to the floor (``per="floor"``) or median seconds (``"s"``),
    ``load`` the machine's runnable processes per core while it ran."""
    if per == "floor":
        return Verdict(figure, statistics.median(samples) / statistics.median(floors), limit, per,
                       run_noise(samples, floors), load > BUSY_LOAD)
    return Verdict(figure, statistics.median(samples), limit, per, run_noise(samples), load > BUSY_LOAD)


def check(rows: list[Row], load: float = 0.0) -> list[Verdict]:
    """The verdict of every row with a numeric target and runs to judge."""
    return [verdict(r.name, r.samples, r.floor_samples, r.limit, r.per, load) for r in rows
            if r.limit is not None and r.samples and (r.per == "s" or r.floor_samples)]


def machine_load() -> float:
    """Runnable processes per core over the last minute (Linux and macOS; 0 where unknown)."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 0.0


def show_check(verdicts: list[Verdict]) -> str:
    def fmt(value: float, per: str) -> str:
        return f"{value:.2f}x" if per == "floor" else f"{value * 1000:,.0f} ms" if value < 10 else f"{value:.1f} s"

    lines = [(v.figure, fmt(v.value, v.per), "<= " + fmt(v.limit, v.per), f"±{v.noise:.0%}",
              "FAIL" if not v.passed else "pass" if v.judged else "not judged: machine busy") for v in verdicts]
    header = ("figure", "measured", "target", "noise", "check")
    widths = [max(len(x) for x in column) for column in zip(header, *lines)]
    return "\n".join(" | ".join(x.ljust(w) for x, w in zip(line, widths)) for line in [header, *lines])


def parse_floor(texts: list[str]):
    return lambda: [yaml.load(text, Loader=FAST_LOADER) for text in texts]


# ------------------------------------------------------------------------------------------------ inputs

class Inputs:
    """Synthetic case files written once per run into a temporary folder."""

    def __init__(self, size: Size, folder: Path):
        self.size, self.folder = size, folder
        self.big = self._case("synthetic-big", size.big_events, seed=10)
        self.mid = self._case("synthetic-mid", size.mid_events, seed=11)
        self.cases = folder / "cases"  # the seed cases and the mid-size case: what the dashboard lists
        self.cases.mkdir()
        for path in sorted((ROOT / "cases").glob("*.yaml")):
            shutil.copy(path, self.cases / path.name)
        shutil.copy(self.mid, self.cases / self.mid.name)
        self.cohort_root = folder / "cohort"
        self.cohort_root.mkdir()
        self._cohort_files = 0

    def _case(self, case_id: str, events: int, seed: int, calendar: bool = True) -> Path:
        path = self.folder / f"{case_id}.yaml"
        path.write_text(synthetic_text(case_id, events, seed=seed, calendar=calendar))
        return path

    def cohort(self, n: int) -> Path:
        """A folder of n case files of about `cohort_events` events each (a fifth without calendar dates)."""
        folder = self.folder / f"cohort-{n}"
        if folder.exists():
            return folder
        for i in range(self._cohort_files, n):
            case_id = f"patient-{i:05d}"
            text = synthetic_text(case_id, self.size.cohort_events, seed=1000 + i, calendar=i % 5 != 0)
            (self.cohort_root / f"{case_id}.yaml").write_text(text)
        self._cohort_files = max(self._cohort_files, n)
        folder.mkdir()
        for i in range(n):
            name = f"patient-{i:05d}.yaml"
            os.link(self.cohort_root / name, folder / name)
        return folder


def seed_cases() -> list[Path]:
    from timelines.reading.catalog import case_paths

    return case_paths(ROOT / "cases")


def largest_seed_case() -> Path:
    from timelines.reading.loading import load_case

    return max(seed_cases(), key=lambda p: len(load_case(p).items))


# ------------------------------------------------------------------------------------------------ sections

def bench_load(inputs: Inputs, size: Size) -> list[Row]:
    """Load, validate and tabulate one large case, against a bare libyaml parse of the same file."""
    from timelines.reading.loading import load_case
    from timelines.tables import event_table, marker_table, measurement_table

    def full():
        timeline = load_case(inputs.big)
        return event_table(timeline), measurement_table(timeline), marker_table(timeline)

    def load_only():
        return load_case(inputs.big)

    def floor():
        return yaml.load(inputs.big.read_text(), Loader=FAST_LOADER)

    rows = []
    measured, floors = timed(full, size.slow_runs, floor)
    rows.append(Row(f"load+validate+tabulate, {size.big_events:,} events", median(measured), "yaml.load CSafeLoader",
                    median(floors), "<= 1.5x floor", runs=len(measured), limit=1.5, samples=measured,
                    floor_samples=floors))
    rows[-1].met = rows[-1].ratio is not None and rows[-1].ratio <= 1.5
    if not size.detail:
        return rows
    measured, floors = timed(load_only, size.slow_runs, floor)
    rows.append(Row(f"  of which load+validate, {size.big_events:,} events", median(measured),
                    "yaml.load CSafeLoader", median(floors), runs=len(measured)))
    return rows


def quiet_streamlit() -> None:
    """Outside `streamlit run`, every cache call warns that there is no runtime: say nothing below errors."""
    import streamlit  # noqa: F401  (creates its loggers)

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def cached_loader():
    """The dashboard's cache of loaded cases (components.pages.cache.entry): st.cache_resource keyed on path and stamp,
    handing out the loaded entry itself."""
    quiet_streamlit()
    from components.pages import cache

    return cache.entry


def load_cohort(folder: Path, load) -> list:
    from timelines.reading.catalog import case_paths
    from timelines.reading.files import stamp

    return [load(str(p), s) for p in case_paths(folder) if (s := stamp(p)) is not None]


def bench_cohort(inputs: Inputs, size: Size) -> list[Row]:
    """A cohort of files loaded cold (empty cache) and warm, against a bare parse of the same files."""
    import streamlit as st

    from timelines.time.dates import parse_date

    folder = inputs.cohort(size.cohort)
    texts = [p.read_text() for p in sorted(folder.glob("*.yaml"))]
    load = cached_loader()

    def cold():
        st.cache_resource.clear()
        parse_date.cache_clear()
        return load_cohort(folder, load)

    cold_runs, floors = timed(cold, size.slow_runs, parse_floor(texts))
    entries = load_cohort(folder, load)
    broken = sum(not e.ok for e in entries)
    warm_runs, _ = timed(lambda: load_cohort(folder, load), size.runs)
    rows = [Row(f"cohort of {size.cohort:,} files, cold", median(cold_runs), "yaml.load CSafeLoader",
                median(floors), "<= 2x floor", runs=len(cold_runs),
                note=f"{broken} files failed to load" if broken else ""),
            Row(f"cohort of {size.cohort:,} files, warm (cached)", median(warm_runs), "yaml.load CSafeLoader",
                median(floors), runs=len(warm_runs))]
    rows[0].met = rows[0].ratio is not None and rows[0].ratio <= 2 and not broken
    st.cache_data.clear()
    st.cache_resource.clear()
    return rows


def bare_chart(rows: pd.DataFrame) -> alt.Chart:
    from bench.bare_page import bare_chart as chart

    return chart(rows)


def bare_spec(*frames: pd.DataFrame):
    """Bare charts of the same rows: bars for events and swimmer rows, points for sizes and values."""
    def chart(frame: pd.DataFrame) -> alt.Chart:
        if "lane" in frame or "start_month" in frame:
            return bare_chart(frame)
        return alt.Chart(frame).mark_point().encode(x="day_start:Q", y=f"{frame.columns[2]}:N")

    def build():
        with alt.data_transformers.disable_max_rows():
            return [chart(f).to_dict() for f in frames]
    return build


def case_tables(path: Path) -> dict:
    """What the dashboard's case page computes once per version of a file (components.pages.cache.case_tables)."""
    from components import charts
    from timelines.endpoints.clinical import recist
    from timelines.reading.loading import load_case
    from timelines.tables import dose_change_table, event_table, marker_table, measurement_table

    timeline = load_case(path)
    return {"timeline": timeline, "events": event_table(timeline), "measurements": measurement_table(timeline),
            "markers": marker_table(timeline), "dose_changes": dose_change_table(timeline),
            "assessments": charts.assessment_frame(recist(timeline))}


def case_chart_builders(data: dict) -> list:
    """The three charts of the case page as the page builds them: components.charts.case_chart_specs on the page's
    display choices (components.pages.chart_views.page_display), each a list of validated specs."""
    from components import charts
    from components.pages.chart_views import page_display
    from timelines.presentation import View

    events = data["events"]
    view = View(axis="calendar" if data["timeline"].on_calendar else "relative")
    frames = {name: data[name] for name in ("events", "measurements", "markers", "dose_changes", "assessments")}

    def timeline():
        focus = charts.focus_domain(events, axis=view.axis)
        return charts.case_chart_specs("timeline", frames, page_display(view, focus))
    return [timeline, lambda: charts.case_chart_specs("lesions", frames, page_display(view)),
            lambda: charts.case_chart_specs("markers", frames, page_display(view))]


def to_dicts(builders: list) -> tuple[list[dict], str]:
    """Every chart's spec; a MaxRowsError is noted and the spec built again with the limit lifted. A builder may
    return its specs already made (a list)."""
    specs, errors = [], []
    for build in builders:
        chart = build()
        if isinstance(chart, list):
            specs += chart
            continue
        try:
            specs.append(chart.to_dict())
        except alt.MaxRowsError:
            errors.append(chart.__class__.__name__)
            with alt.data_transformers.disable_max_rows():
                specs.append(chart.to_dict())
    return specs, (f"MaxRowsError in {len(errors)} chart(s)" if errors else "")


def bench_specs(inputs: Inputs, size: Size) -> list[Row]:
    """Every chart spec of a case, and the cohort swimmer, against bare charts of the same rows."""
    import components.charts.theme  # noqa: F401  (registers and enables the shared theme)

    rows = []
    for label, path, runs in (("largest seed case", largest_seed_case(), size.runs),
                              (f"{size.mid_events:,}-event case", inputs.mid, size.runs),
                              (f"{size.big_events:,}-event case", inputs.big, 1)):
        data = case_tables(path)
        builders = case_chart_builders(data)
        notes: list[str] = []
        measured, floors = timed(lambda: notes.append(to_dicts(builders)[1]), runs,
                                 bare_spec(data["events"], data["measurements"], data["markers"]))
        rows.append(Row(f"case chart specs (3 charts), {label}", median(measured), "bare charts, same rows",
                        median(floors), "<= 3x floor", runs=len(measured), note=notes[-1], limit=3.0,
                        samples=measured, floor_samples=floors))
        rows[-1].met = not notes[-1] and rows[-1].ratio <= 3
    rows.append(bench_swimmer_spec(inputs, size))
    return rows


def cohort_timelines(folder: Path) -> list:
    from timelines.reading.catalog import case_paths, load_entry

    return [e.timeline for e in map(load_entry, case_paths(folder)) if e.ok]


def swimmer_builder():
    """components.charts.cohort.swimmer_chart(rows, *, align, sort, width), or the reason it cannot be used."""
    import inspect

    try:
        from components.charts.cohort import swimmer_chart
    except ImportError as error:
        return None, f"skipped: components.charts.cohort.swimmer_chart cannot be imported ({error})"
    parameters = inspect.signature(swimmer_chart).parameters
    if list(parameters)[:1] != ["rows"]:
        return None, f"skipped: swimmer_chart{inspect.signature(swimmer_chart)} does not take swimmer rows first"
    return swimmer_chart, ""


def bench_swimmer_spec(inputs: Inputs, size: Size) -> Row:
    from timelines.cohort import swimmer_table

    name = f"cohort swimmer spec, {size.cohort:,} patients"
    swimmer_chart, reason = swimmer_builder()
    if swimmer_chart is None:
        print(f"{name}: {reason}")
        return Row(name, None, note=reason)
    timelines = cohort_timelines(inputs.cohort(size.cohort))
    table_runs, _ = timed(lambda: swimmer_table(timelines), size.slow_runs)
    frame = swimmer_table(timelines)
    notes: list[str] = []
    measured, floors = timed(lambda: notes.append(to_dicts([lambda: swimmer_chart(frame)])[1]), size.slow_runs,
                             bare_spec(frame))
    row = Row(name, median(measured), "bare chart, same rows", median(floors), "<= 3x floor",
              runs=len(measured), note=notes[-1], extra={"rows": len(frame), "swimmer_table_s": median(table_runs)},
              limit=3.0, samples=measured, floor_samples=floors)
    row.met = not notes[-1] and row.ratio <= 3
    return row


# ------------------------------------------------------------------------------------------------ Streamlit

def bench_switch(inputs: Inputs, size: Size) -> list[Row]:
    """The dashboard's case switch (AppTest rerun, caches warm), against a rerun of the bare page."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    quiet_streamlit()
    data = inputs.folder / "data"
    data.mkdir(exist_ok=True)
    targets = {"largest seed case": largest_seed_case().stem, f"{size.mid_events:,}-event case": inputs.mid.stem}
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.secrets["cases_dir"] = str(inputs.cases)
    at.query_params["case"] = seed_cases()[0].stem
    at.run()
    other = seed_cases()[0].stem
    rows = []
    for label, case_id in targets.items():
        case_tables(inputs.cases / f"{case_id}.yaml")["events"].to_pickle(data / "events.pkl")
        os.environ["BENCH_DATA"] = str(data)
        bare = AppTest.from_file(str(ROOT / "bench" / "bare_page.py"), default_timeout=300)
        bare.run()
        for case in (case_id, other):  # warm: each case drawn once
            at.sidebar.selectbox(key="case_picker").set_value(case).run()

        measured, floors = [], []
        for _ in range(size.runs):  # each switch beside a rerun of the bare page
            floors += timed(lambda: bare.run(), 1)[0]
            at.sidebar.selectbox(key="case_picker").set_value(other).run()
            gc.collect()
            start = time.perf_counter()
            at.sidebar.selectbox(key="case_picker").set_value(case_id).run()
            measured.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(f"the dashboard raised: {at.exception}")
        row = Row(f"case switch (AppTest, warm), {label}", median(measured), "bare page rerun, same rows",
                  median(floors), "<= 150 ms", runs=len(measured), limit=0.150, per="s", samples=measured,
                  floor_samples=floors)
        row.met = row.median_s <= 0.150
        rows.append(row)
    st.cache_data.clear()
    return rows


def without_chromium(section: str, name: str) -> list[Row] | None:
    """The row saying a browser figure is skipped, when Debian's chromium is not installed."""
    if os.path.exists(CHROMIUM):
        return None
    print(f"{section}: skipped: {CHROMIUM} is not installed (apt-get install chromium)")
    return [Row(name, None, note="skipped: no chromium")]


@contextlib.contextmanager
def chromium(inputs: Inputs):
    """Headless Chromium driven by Playwright, and the folder (BENCH_DATA) the bare page reads its rows from."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    data = inputs.folder / "data"
    data.mkdir(exist_ok=True)
    os.environ["BENCH_DATA"] = str(data)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser, data
        finally:
            browser.close()


def bench_browser(inputs: Inputs, size: Size) -> list[Row]:
    """Navigation to first chart drawn in headless Chromium: the dashboard against the bare page, same rows."""
    skipped = without_chromium("browser", "first chart in the browser")
    if skipped:
        return skipped
    from tests.browser.conftest import streamlit_server

    targets = {"largest seed case": largest_seed_case().stem, f"{size.mid_events:,}-event case": inputs.mid.stem}
    rows = []
    with chromium(inputs) as (browser, data), streamlit_server(cases_dir=inputs.cases) as app, \
            streamlit_server(ROOT / "bench" / "bare_page.py") as bare:
        for label, case_id in targets.items():
            events = case_tables(inputs.cases / f"{case_id}.yaml")["events"]
            events.to_pickle(data / f"{case_id}.pkl")
            page_url = f"{app}/?page=case&case={case_id}&view=timeline"
            bare_url = f"{bare}/?rows={case_id}"
            runs = size.runs if label.startswith("largest") else size.slow_runs
            first_chart(browser, page_url), first_chart(browser, bare_url)  # warm both servers
            measured, floors = timed(lambda: first_chart(browser, page_url), runs,
                                     lambda: first_chart(browser, bare_url))
            row = Row(f"navigation to first chart, {label}", median(measured), "bare page, same rows",
                      median(floors), "<= 1.2x floor", runs=len(measured))
            row.met = row.ratio is not None and row.ratio <= 1.2
            rows.append(row)
    return rows


def bench_browser_swimmer(inputs: Inputs, size: Size) -> list[Row]:
    """The cohort swimmer of `size.cohort` patients drawn in headless Chromium, against the bare page."""
    skipped = without_chromium("swimmer", "cohort swimmer drawn in the browser")
    if skipped:
        return skipped
    with chromium(inputs) as (browser, data):
        return [browser_swimmer(browser, inputs, size, data)]


def first_chart(browser, url: str, timeout_s: float = 120) -> float:
    """Seconds from navigation until the first chart has drawn its marks, in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        try:
            page.wait_for_selector(f'{CHART_MARKS}, [data-testid="stException"]', state="attached",
                                   timeout=timeout_s * 1000)
        except Exception:
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            raise RuntimeError(f"no chart drawn at {url} within {timeout_s:.0f} s (screenshot: {SCREENSHOT})")
        page.evaluate(NEXT_FRAME)
        seconds = time.perf_counter() - start
        if page.locator('[data-testid="stException"]').count():
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            raise RuntimeError(f"the page at {url} shows an exception (screenshot: {SCREENSHOT})")
        return seconds
    finally:
        context.close()


def browser_swimmer(browser, inputs: Inputs, size: Size, data: Path) -> Row:
    from tests.browser.conftest import streamlit_server

    name = f"cohort swimmer drawn in the browser, {size.cohort:,} patients"
    swimmer_chart, reason = swimmer_builder()
    if swimmer_chart is None:
        print(f"{name}: {reason}")
        return Row(name, None, note=reason)
    from timelines.cohort import swimmer_table

    folder = inputs.cohort(size.cohort)
    swimmer_table(cohort_timelines(folder)).to_pickle(data / "swimmer.pkl")
    os.environ["BENCH_COHORT"] = str(folder)
    with streamlit_server(ROOT / "bench" / "swimmer_page.py", timeout=120) as app, \
            streamlit_server(ROOT / "bench" / "bare_page.py") as bare:
        first_chart(browser, app, timeout_s=300), first_chart(browser, f"{bare}/?rows=swimmer")  # warm the caches
        measured, floors = timed(lambda: first_chart(browser, app), size.slow_runs,
                                 lambda: first_chart(browser, f"{bare}/?rows=swimmer"))
    row = Row(name, median(measured), "bare page, same rows", median(floors), "<= 3 s", runs=len(measured))
    row.met = row.median_s <= 3
    return row


# ------------------------------------------------------------------------------------------------ exports

def bench_deck(inputs: Inputs, size: Size) -> list[Row]:
    """The slide deck of one case, warm (vl-convert already loaded), against one bare chart as PNG on one slide."""
    try:
        from components.exports import deck_bytes
    except ImportError as error:
        reason = f"skipped: components.exports.deck_bytes cannot be imported ({error})"
        print(f"deck: {reason}")
        return [Row("deck export", None, note=reason)]
    import vl_convert as vlc
    from pptx import Presentation
    from pptx.util import Inches

    from timelines.reading.loading import load_case

    def floor_deck(events: pd.DataFrame):
        def build():
            with alt.data_transformers.disable_max_rows():
                png = vlc.vegalite_to_png(bare_chart(events).properties(width=960).to_dict(), scale=2)
            prs = Presentation()
            prs.slide_layouts[6] and prs.slides.add_slide(prs.slide_layouts[6]).shapes.add_picture(
                io.BytesIO(png), Inches(0.3), Inches(0.9), width=Inches(12))
            prs.save(io.BytesIO())
        return build

    rows = []
    for label, path, runs in (("largest seed case", largest_seed_case(), size.slow_runs),):
        timeline = load_case(path)
        events = case_tables(path)["events"]
        deck_bytes(timeline), floor_deck(events)()  # warm
        measured, floors = timed(lambda: deck_bytes(timeline), runs, floor_deck(events))
        row = Row(f"deck export (warm), {label}", median(measured), "one bare chart PNG on one slide",
                  median(floors), "<= 2 s" if label.startswith("largest") else "", runs=len(measured),
                  limit=2.0 if label.startswith("largest") else None, per="s", samples=measured, floor_samples=floors)
        row.met = row.median_s <= 2 if row.target else None
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------------------------ memory

MEMORY_PROBE = """
import sys, time
sys.path.insert(0, {root!r})
from timelines.reading.catalog import case_paths, load_entry
from timelines.tables import event_table
def status_mb(field):  # VmHWM, unlike ru_maxrss, does not carry the parent's peak over exec
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field)) / 1024
before = status_mb("VmRSS")
start = time.perf_counter()
entries = [load_entry(p) for p in case_paths({folder!r})]
seconds = time.perf_counter() - start
after = status_mb("VmRSS")
peak = status_mb("VmHWM")
print(before, after, peak, seconds, sum(e.ok for e in entries))
"""


def bench_memory(inputs: Inputs, size: Size) -> list[Row]:
    """Peak RSS of loading a cohort, each size in its own process (read from /proc, so Linux only)."""
    rows = []
    for n in size.memory_cohorts:
        folder = inputs.cohort(n)
        probe = MEMORY_PROBE.format(root=str(ROOT), folder=str(folder))
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        before, after, peak, seconds, ok = (float(x) for x in out.split())
        rows.append(Row(f"memory: cohort of {n:,} files loaded", seconds, runs=1,
                        note=f"peak RSS {peak:.0f} MB; {(after - before) * 1024 / n:.0f} kB per case held",
                        extra={"rss_before_mb": before, "rss_after_mb": after, "peak_rss_mb": peak,
                               "loaded": int(ok)}))
    return rows


# ------------------------------------------------------------------------------------------------ registry

def registry_probe(*args) -> dict:
    """bench/registry_probe.py in a process of its own (its peak memory is the figure's own)."""
    command = [sys.executable, str(ROOT / "bench" / "registry_probe.py"), *map(str, args)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_registry(inputs: Inputs, size: Size) -> list[Row]:
    """A generated cBioPortal study of each size (bench/registry.py) imported into the Parquet warehouse, then its
    cohort page: first page, warm filter changes, peak memory. Floors: pandas reading the TSV files bare (import),
    DuckDB reading the same Parquet bare (first page of patients and their swimmer rows)."""
    rows = []
    for n in size.registry:
        folder = inputs.folder / f"registry-{n}"
        made = registry_probe("import", folder / "study", folder / "warehouse", n)
        page = registry_probe("page", folder / "warehouse", size.slow_runs)
        note = f"{made['imported']:,} imported, {made['refused']:,} refused; {made['source']}"
        rows += [
            Row(f"registry import, {n:,} patients ({made['rows']:,} rows)", made["import_s"],
                "pandas read_csv of the TSVs", made["tsv_floor_s"], "minutes, not hours", made["import_s"] < 3600,
                runs=1, note=note, extra=made),
            Row(f"registry first cohort page, {n:,} patients", page["first_page_s"], "DuckDB reads the Parquet bare",
                page["floor_median_s"], runs=1, note=f"open, choices, count, first 50 rows, swimmer of {SWIMMER_PATIENTS}"),
            Row(f"registry filter change (warm), {n:,} patients", page["filter_median_s"],
                "DuckDB reads the Parquet bare", page["floor_median_s"], "<= 2 s", page["filter_max_s"] <= 2,
                runs=page["changes"], note=f"slowest {page['filter_max_s']:.2f} s", extra=page),
            Row(f"registry memory, {n:,} patients", None, target="<= 1 GB", met=page["peak_mb"] <= 1024,
                note=f"cohort page peak RSS {page['peak_mb']:.0f} MB; import peak {made['peak_mb']:.0f} MB "
                     f"(+ each worker {made['workers_peak_mb']:.0f} MB); Parquet {made['parquet_mb']:.0f} MB"),
        ]
        print(show(rows[-4:]), file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
    return rows


# ------------------------------------------------------------------------------------------------ report

BENCHES = {"load": bench_load, "cohort": bench_cohort, "specs": bench_specs, "switch": bench_switch,
           "browser": bench_browser, "swimmer": bench_browser_swimmer, "deck": bench_deck, "memory": bench_memory,
           "registry": bench_registry}


def show(rows: list[Row]) -> str:
    def ms(s):
        return "" if s is None else f"{s * 1000:,.0f} ms" if s < 10 else f"{s:,.1f} s"

    header = ("figure", "median", "floor", "x floor", "target", "met", "runs", "note")
    lines = [(r.name, ms(r.median_s), f"{ms(r.floor_s)} ({r.floor_name})" if r.floor_s else "",
              "" if r.ratio is None else f"{r.ratio:.2f}", r.target,
              {True: "yes", False: "NO", None: ""}[r.met], str(r.runs or ""), r.note) for r in rows]
    widths = [max(len(x) for x in column) for column in zip(header, *lines)]
    out = [" | ".join(x.ljust(w) for x, w in zip(header, widths)), "-+-".join("-" * w for w in widths)]
    out += [" | ".join(x.ljust(w) for x, w in zip(line, widths)) for line in lines]
    return "\n".join(out)


def chosen_size(args) -> Size:
    """The sizes of the run; with --check, its sections too."""
    if args.check:
        args.only = ",".join(CHECK_SECTIONS)
        return CHECK
    return QUICK if args.quick else Size()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller cases and cohorts, fewer runs")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"), help="where to write the JSON")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated, of: {', '.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, help="runs of each fast figure (slow ones take fewer)")
    parser.add_argument("--registry-full", action="store_true",
                        help="registry section: 25,000 patients as well (about half an hour on two cores)")
    parser.add_argument("--check", action="store_true",
                        help=f"the quick {', '.join(CHECK_SECTIONS)} figures only; exit 1 when a target is missed by "
                             "more than the noise of the figure's own runs")
    args = parser.parse_args(argv)
    size = chosen_size(args)
    if args.registry_full:
        size.registry = (*size.registry, 25_000)
    if args.runs:
        size.runs, size.slow_runs = args.runs, max(1, args.runs // 2)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="timelines-bench-") as tmp:
        inputs = Inputs(size, Path(tmp))
        for section in chosen:
            section_start = time.perf_counter()
            found = BENCHES[section](inputs, size)
            rows += found
            print(f"[{section}: {time.perf_counter() - section_start:.0f} s]", file=sys.stderr)
            print(show(found), file=sys.stderr)
    print(show(rows))
    result = {"quick": args.quick, "seconds": round(time.perf_counter() - started, 1), "size": size.__dict__,
              "python": sys.version.split()[0], "rows": [{**r.__dict__, "ratio": r.ratio} for r in rows]}
    Path(args.out).write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\n{len(rows)} figures in {result['seconds']:.0f} s; written to {args.out}")
    return report_check(rows) if args.check else 0


def report_check(rows: list[Row]) -> int:
    """Print the verdicts of ``check``; 1 when a figure missed its target by more than its noise."""
    load = machine_load()
    verdicts = check(rows, load)
    print(f"\nmachine load: {load:.1f} runnable processes per core" +
          (f" (over {BUSY_LOAD:g}: targets in seconds not judged)" if load > BUSY_LOAD else ""))
    print(show_check(verdicts))
    failed = [v.figure for v in verdicts if not v.passed]
    missed = f"; missed: {'; '.join(failed)}" if failed else ""
    print(f"\ncheck: {len(verdicts) - len(failed)} of {len(verdicts)} figures within target and noise{missed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
