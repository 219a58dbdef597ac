"""One measurement of a registry-sized study, in a process of its own (so that its peak memory is its own).

    python bench/registry_probe.py import STUDY OUT PATIENTS   # generate, import, floors; prints JSON
    python bench/registry_probe.py page OUT RUNS                # first cohort page, filter changes; prints JSON

bench/run.py (section `registry`) calls it; its figures are described there.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILTERS = (  # the filter changes timed on the cohort page, one after the other; "agent" etc.: the study's first
    {"agents": "agent"},
    {"agents": "agent", "lines": (2,)},
    {"responses": "response"},
    {"window": (6.0, 24.0)},
    {"diagnoses": "diagnosis"},
    {},
)


def status_mb(field: str) -> float:
    """VmHWM (peak) or VmRSS of this process, in MB (unlike ru_maxrss, not carried over from the parent)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field)) / 1024


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def import_probe(study: Path, out: Path, patients: int) -> dict:
    """Generate the study, import it (through the study reader when it is installed, else the same patients'
    synthetic cases of bench/synth.py, 40-200 events each as in the study), and time pandas reading the TSV
    files bare (the floor)."""
    import pandas as pd

    from bench.registry import write_study
    from timelines.warehouse import store as warehouse

    start = time.perf_counter()
    write_study(study, patients)
    generate_s = time.perf_counter() - start
    files = sorted(study.glob("data_timeline_*.txt")) + [study / "data_clinical_patient.txt"]
    gc.collect()
    start = time.perf_counter()
    rows = sum(len(pd.read_csv(p, sep="\t", comment="#", dtype=str)) for p in files)
    floor_s = time.perf_counter() - start
    before = status_mb("VmRSS")
    start = time.perf_counter()
    try:
        report = warehouse.import_study(study, out)
        source = "study reader (timelines.cbioportal.study)"
    except ImportError:
        report = warehouse.build_documents(synthetic_documents(study), out, total=patients, workers=2)
        source = "bench/synth.py cases of the study's patients (no study reader on this branch)"
    import_s = time.perf_counter() - start
    size_mb = sum(p.stat().st_size for p in out.glob("*.parquet")) / 2**20
    return {"patients": patients, "rows": rows, "generate_s": generate_s, "tsv_floor_s": floor_s,
            "import_s": import_s, "imported": report.patients, "refused": report.refused, "source": source,
            "parquet_mb": size_mb, "peak_mb": status_mb("VmHWM"), "rss_before_mb": before,
            "workers_peak_mb": children_peak_mb()}


def synthetic_documents(study: Path):
    """(patient id, case document) of every patient of the study: a relative-only synthetic case with as many
    events as the patient has timeline rows (what the study reader would make of them)."""
    import pandas as pd

    from bench.synth import synthetic_case
    from timelines.warehouse import store as warehouse

    counts = pd.concat(pd.read_csv(p, sep="\t", usecols=["PATIENT_ID"], dtype=str)
                       for p in study.glob("data_timeline_*.txt"))["PATIENT_ID"].value_counts()
    for i, pid in enumerate(warehouse.study_patients(study)):
        yield pid, synthetic_case(f"case-{pid}", int(counts.get(pid, 40)), seed=i, calendar=False)


def page_probe(out: Path, runs: int) -> dict:
    """The first cohort page (open, choices, count, first page of the table, swimmer rows and chart spec), each
    filter change (count, first page, swimmer rows and spec) warm, and the floors: DuckDB reading the same
    Parquet bare (first page of patients and their swimmer rows, no filter, no chart)."""
    import duckdb

    from components.charts.cohort import swimmer_chart
    from timelines.warehouse.store import Filter, Warehouse

    def page(store: Warehouse, chosen: Filter) -> int:
        count = store.count(chosen)
        store.summary_page(chosen, "follow_up", 0, 50)
        rows, _ = store.swimmer_rows(chosen, "follow_up")
        if len(rows):
            swimmer_chart(rows, align="diagnosis", sort="duration").to_dict()
        return count

    def floor() -> None:
        db = duckdb.connect(":memory:")
        patients, swimmer = (str(out / f"{t}.parquet") for t in ("patients", "swimmer"))
        db.execute(f"SELECT * FROM read_parquet('{patients}') ORDER BY patient_id LIMIT 50").df()
        db.execute(f"SELECT * FROM read_parquet('{swimmer}') WHERE patient_id IN (SELECT patient_id FROM "
                   f"read_parquet('{patients}') ORDER BY patient_id LIMIT 200)").df()
        db.close()

    import altair  # noqa: F401  (imported before the clock starts, as in the running dashboard)

    start = time.perf_counter()
    store = Warehouse(out)
    choices = store.choices()
    page(store, Filter())
    first_s = time.perf_counter() - start
    first = {"agent": choices.agents[:1], "response": choices.responses[:1], "diagnosis": choices.diagnoses[:1]}
    filters = [Filter(**{k: first.get(v, v) if isinstance(v, str) else v for k, v in f.items()}) for f in FILTERS]
    changes, floors, counts = [], [], []
    for _ in range(runs):
        for chosen in filters:
            gc.collect()
            start = time.perf_counter()
            floor()
            floors.append(time.perf_counter() - start)
            start = time.perf_counter()
            counts.append(page(store, chosen))
            changes.append(time.perf_counter() - start)
    return {"first_page_s": first_s, "filter_median_s": statistics.median(changes), "filter_max_s": max(changes),
            "floor_median_s": statistics.median(floors), "changes": len(changes),
            "counts": counts[:len(filters)], "peak_mb": status_mb("VmHWM")}


if __name__ == "__main__":
    what, *args = sys.argv[1:]
    if what == "import":
        result = import_probe(Path(args[0]), Path(args[1]), int(args[2]))
    else:
        result = page_probe(Path(args[0]), int(args[1]))
    print(json.dumps(result))
