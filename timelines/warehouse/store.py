"""A study's cohort tables kept as Parquet files and queried with DuckDB (embedded): registry-sized cohorts.

    study folder --import_study--> per patient: case document --case_timeline--> Timeline
        --cohort_table, event_table, swimmer_table--> patients / events / therapies / swimmer .parquet
    Warehouse(folder): filters, a page of the summary table, the swimmer rows of the selected patients, one case

The tables are those of the YAML cohort (timelines.cohort, timelines.tables), written in batches so that memory
stays bounded however many patients the study has; the Parquet files are plain and self-describing, so a
distributed SQL engine (Trino, Spark) reads the same folder when one machine is not enough.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from ..cohort import COHORT_COLUMNS, SWIMMER_COLUMNS, cohort_table, swimmer_table
from ..errors import CaseFileError
from ..gc_pause import gc_paused
from ..kinds import THERAPY_KINDS
from ..tables import event_tables
from ..text import visible
from ..time.dates import DAYS_PER_MONTH
from ..timeline import Timeline

TABLES = ("patients", "events", "therapies", "swimmer", "documents")
PATIENT_COLUMNS = ("patient_id", *COHORT_COLUMNS, "follow_up_months", "status", "events")
THERAPY_COLUMNS = ("patient_id", "kind", "agent", "line", "start_month", "end_month")
DOCUMENT_COLUMNS = ("patient_id", "case_id", "document")
PROBLEMS_FILE = "problems.txt"
META_FILE = "study.json"
MEMORY_LIMIT = "512MB"  # DuckDB's own limit: it spills to disk past it rather than grow the process
BATCH_PATIENTS = 250  # patients per Parquet row group (and per task of a worker process)
TABULATE_PATIENTS = 50  # timelines tabulated at once, then let go: memory and garbage collection stay small
STUDY_READ_PATIENTS = 1_000  # patients a worker reads from the study files at once
SMALLEST_SHARE = 25  # patients of the smallest task sent to a worker process
SWIMMER_PATIENTS = 40  # the swimmer of the selected patients shows at most this many, first by the sort: legible
# from the back of a room (200 lanes of a registry were a wall of marks)
# A registry's patients have a response at nearly every scan: a swimmer of dozens of them drawn with every response
# label is unreadable. Its swimmer draws therapies, progressions and deaths; each patient's best response is in the
# summary table.
SWIMMER_KINDS_LEFT_OUT = ("response",)
SORTS = {  # summary order: SQL ORDER BY, ties always by patient id
    "follow_up": "follow_up_months DESC NULLS LAST, patient_id",
    "patient_id": "patient_id",
    "lines": "lines DESC, patient_id",
}

Progress = Callable[[int, int], None]


@dataclass
class BuildReport:
    """What a build wrote: patients imported, patients refused (with their located messages)."""

    folder: Path
    patients: int = 0
    refused: int = 0
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ build

def _batch_tables(batch: list[tuple[str, Timeline, dict | None]], exact=None) -> dict[str, pd.DataFrame]:
    """The tables of a batch of timelines. With `exact` (timelines.warehouse.vector.EventRows), the event rows of the
    patients whose case document has exact days are added to it rather than tabulated here: they are made
    column-wise for the whole share (``_with_exact_events``)."""
    ids = [pid for pid, _, _ in batch]
    timelines = [t for _, t, _ in batch]
    summary = cohort_table(timelines)
    summary.insert(0, "patient_id", ids)
    summary["follow_up_months"] = [round(t.day(t.follow_up_day) / DAYS_PER_MONTH, 2) for t in timelines]
    summary["status"] = [_last_status(t) for t in timelines]
    summary["events"] = [len(t.items) for t in timelines]
    # holds (a list per row, drawn on a case's own timeline) stay out: Parquet batches need one column type
    tabulated = [(pid, t) for pid, t, doc in batch if exact is None or not _exact_added(exact, pid, t, doc)]
    events_frame = event_tables([t for _, t in tabulated], [pid for pid, _ in tabulated]).drop(columns=["holds"])
    swimmer = swimmer_table(timelines)
    swimmer.insert(0, "patient_id", swimmer["case_id"].map(dict(zip(summary["case_id"], ids))))
    documents = pd.DataFrame([(pid, t.case.id, json.dumps(doc if doc is not None else _document_of(t)))
                              for pid, t, doc in batch], columns=list(DOCUMENT_COLUMNS))
    return {"patients": summary[list(PATIENT_COLUMNS)], "events": events_frame,
            "therapies": _therapies(events_frame), "swimmer": swimmer, "documents": documents}


def _exact_added(exact, pid: str, timeline: Timeline, document: dict | None) -> bool:
    from .vector import exact_days

    if document is None or not exact_days(document):
        return False
    exact.add(pid, document, timeline)
    return True


def _with_exact_events(frames: dict[str, pd.DataFrame], parts: list[dict[str, pd.DataFrame]],
                       exact) -> dict[str, pd.DataFrame]:
    """The share's frames with the event rows of its exact patients (made at once, column-wise) put among those of
    the others, each patient's rows where its timeline's would be (in the order of the patients table); the
    therapies table made again from them."""
    order = {pid: n for n, pid in enumerate(frames["patients"]["patient_id"].tolist())}
    pieces = [part["events"] for part in parts if len(part["events"])]
    pieces.append(exact.frame(order))
    events = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    if len(pieces) > 1:
        place = events["patient_id"].map(order).to_numpy()
        events = events.iloc[np.argsort(place, kind="stable")].reset_index(drop=True)
    return {**frames, "events": events, "therapies": _therapies(events)}


def _last_status(timeline: Timeline) -> str:
    statuses = sorted(timeline.of_kind("status"), key=lambda d: d.day_start)
    return statuses[-1].event.status if statuses else ""


def _therapies(events: pd.DataFrame) -> pd.DataFrame:
    """Systemic therapies from the event rows (agent, line, start and end in months since day 0): what the
    agent, line and date-window filters ask about."""
    rows = events[events["kind"].isin(THERAPY_KINDS)]
    return pd.DataFrame({"patient_id": rows["patient_id"], "kind": rows["kind"], "agent": rows["agent"],
                         "line": rows["line"].astype("Int64"),
                         "start_month": (rows["day_start"] / DAYS_PER_MONTH).round(2).astype("Float64"),
                         "end_month": (rows["day_end"].astype("Float64") / DAYS_PER_MONTH).round(2)},
                        columns=list(THERAPY_COLUMNS)).reset_index(drop=True)


def _document_of(timeline: Timeline) -> dict:
    """The case document of a Timeline built without one: its validated model, as written (aliases, unset
    fields left out)."""
    return timeline.case.model_dump(mode="json", by_alias=True, exclude_unset=True)


def build(timelines: Iterable[Timeline | tuple[str, Timeline]], out_dir: str | os.PathLike,
          progress: Progress | None = None, total: int | None = None) -> BuildReport:
    """Write the warehouse of resolved cases into `out_dir` (created; earlier tables are replaced).

    Parameters
    ----------
    timelines
        Timelines, or (patient id, Timeline) pairs; a bare Timeline's patient id is its case id.
    out_dir
        The folder of the Parquet files (``TABLES``, one ``<table>.parquet`` each).
    progress
        Called as ``progress(done, total)`` after each batch (``total`` may be None when not given).
    total
        How many patients to expect, for ``progress``.

    Returns
    -------
    BuildReport
        The folder and the number of patients written.
    """
    def batches() -> Iterator[dict[str, pd.DataFrame]]:
        batch = []
        for item in timelines:
            pid, timeline = (item.case.id, item) if isinstance(item, Timeline) else item
            batch.append((pid, timeline, None))
            if len(batch) == BATCH_PATIENTS:
                yield _batch_tables(batch)
                batch = []
        if batch:
            yield _batch_tables(batch)

    return _write(((frames, [], 0) for frames in batches()), Path(out_dir), progress, total)


def build_documents(documents: Iterable[tuple[str, dict]], out_dir: str | os.PathLike,
                    load: Callable[[dict, str], Timeline] | None = None, progress: Progress | None = None,
                    total: int | None = None, workers: int = 1) -> BuildReport:
    """Validate case documents and write the warehouse of those that load; the others are counted and their
    messages kept (``problems.txt``).

    Parameters
    ----------
    documents
        (patient id, case document) pairs: what a YAML case file holds, as plain data.
    load
        ``load(document, path) -> Timeline``, raising CaseFileError; by default ``document_timeline``. With
        ``workers > 1`` it must be a module-level function (it is sent to worker processes by name).
    workers
        Worker processes validating and tabulating batches in parallel (1: in this process).
    """
    load = load or document_timeline
    tasks = ((load, chunk) for chunk in _chunks(documents, BATCH_PATIENTS))
    with _pool(workers) as pool:
        return _write(_run(_documents_task, tasks, pool, workers), Path(out_dir), progress, total)


def document_timeline(document: dict, path: str) -> Timeline:
    """A case document validated and resolved as the loader does a case file; CaseFileError when it fails."""
    from ..reading.loading import load_document

    return load_document(document, path)


def import_study(study_folder: str | os.PathLike, out_dir: str | os.PathLike, progress: Progress | None = None,
                 workers: int | None = None, vector: bool | None = None) -> BuildReport:
    """Import a cBioPortal study folder into a warehouse: every patient's timeline read and validated
    (timelines.cbioportal.study), its tables written; patients with problems are counted and their messages kept.

    The study's files are read once (``read_study_rows``: the one reader of the study layout, the same as
    ``import-cbioportal``'s); case documents are made a share of patients at a time, so those of the whole study
    are never held at once. With ``workers > 1`` worker processes are sent the rows of a share and make and
    tabulate its cases in parallel. The problems of whole files (a file refused, a header) are reported once.

    With `vector` (by default unless the environment sets ``TIMELINES_IMPORT_VECTOR=0``), the event rows of the
    patients whose dates are all exact days are made column-wise (timelines.warehouse.vector); the tables are the
    same either way.
    """
    from ..cbioportal.study import read_study_rows

    folder = Path(study_folder)
    check_out(out_dir)  # before the study is read: a refused output folder is said in a moment
    workers = workers or 1  # one process by default: the dashboard's server shares its cores between sessions
    with _pool(workers) as pool:  # started first: the workers import while this process reads the study
        read = read_study_rows(folder)
        ids = read.patients
        vector = vectorised() if vector is None else vector
        tasks = ((folder.name, read.share(chunk), chunk, vector)
                 for chunk in _chunks(ids, _share_size(len(ids), workers)))
        whole = [message for patient, message in read.charged if not patient and message]
        report = _write(_run(_study_task, tasks, pool, workers), Path(out_dir), progress, len(ids), whole)
    _write_meta(Path(out_dir), folder, read.study, report)
    return report


VECTOR_SWITCH = "TIMELINES_IMPORT_VECTOR"  # '0': every patient's tables made from its resolved Timeline


def vectorised() -> bool:
    """Whether imports make the exact patients' event rows column-wise (``TIMELINES_IMPORT_VECTOR``, default on)."""
    return os.environ.get(VECTOR_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def _share_size(patients: int, workers: int) -> int:
    """Patients per task: in one process, a share of at most STUDY_READ_PATIENTS; with workers, small enough that
    each has four tasks (a worker idle while another finishes the last large share wastes its core)."""
    if workers <= 1:
        return max(BATCH_PATIENTS, min(STUDY_READ_PATIENTS, -(-patients // 2)))
    return max(SMALLEST_SHARE, min(STUDY_READ_PATIENTS, -(-patients // (workers * 4))))


def is_study(folder: str | os.PathLike) -> bool:
    """Whether a folder is a cBioPortal study (it holds meta_study.txt or a timeline file), not YAML cases."""
    from ..cbioportal.files import is_study as study

    return study(folder)


def study_version(folder: str | os.PathLike) -> str:
    """A digest of the study's files (names, sizes, modification times): a changed file makes a new version."""
    import hashlib

    from ..cbioportal.files import study_layout

    layout = study_layout(folder)
    names = {p.name for p in Path(folder).glob("*.txt")} | set(layout.timeline_files) \
        | {n for n in (layout.patient_file, layout.sample_file) if n}
    found = []
    for name in sorted(names):
        try:
            info = os.lstat(Path(folder) / name)  # a link is not followed, only noticed
        except OSError:
            continue
        found.append((name, info.st_size, info.st_mtime_ns))
    return hashlib.sha256(repr(found).encode()).hexdigest()[:16]


def study_warehouse(study_folder: str | os.PathLike, cache_root: str | os.PathLike,
                    progress: Progress | None = None, workers: int | None = None) -> Path:
    """The warehouse folder of a study under `cache_root`, named by the study and its version; imported on
    first use (``import_study``, into a temporary folder renamed when complete, so that a reader never opens
    half a warehouse and an import that was stopped is simply done again)."""
    study = Path(study_folder)
    out = Path(cache_root) / f"{study.name}-{study_version(study)}"
    if is_built(out):
        return out
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    import_study(study, partial, progress, workers)
    try:
        os.rename(partial, out)
    except OSError:  # another process finished the same import first: keep theirs
        import shutil

        shutil.rmtree(partial, ignore_errors=True)
    return out


def is_built(folder: str | os.PathLike) -> bool:
    """Whether a folder holds a finished import (its record is written last; a study none of whose patients
    could be imported is finished too, with its problems)."""
    folder = Path(folder)
    return (folder / META_FILE).exists() and (folder / PROBLEMS_FILE).exists()


def study_patients(folder: str | os.PathLike) -> list[str]:
    """The patient ids of a study, in the order of its patient file, then of its timeline files (as
    ``import_study`` reads them)."""
    from ..cbioportal.study import read_study_rows

    return read_study_rows(folder).patients


def _study_task(task) -> tuple[dict[str, pd.DataFrame] | None, list[str], int]:
    from ..cbioportal.study import case_timeline, study_cases

    where, rows, ids, vector = task
    imported = study_cases(rows, ids, file_problems=False)
    frames, problems, refused = _tabulate(imported.cases.items(), case_timeline, where, list(imported.problems),
                                          vector)
    return frames, problems, refused + len(set(ids) - set(imported.cases))  # left out by the reader itself


def _documents_task(task) -> tuple[dict[str, pd.DataFrame] | None, list[str], int]:
    load, chunk = task
    return _tabulate(chunk, load, "", [])


def _tabulate(documents, load, where: str, problems: list[str], vector: bool = False):
    """Frames of the documents that load, the messages of those that do not, and how many did not.

    The timelines are tabulated TABULATE_PATIENTS at a time and let go: a timeline (its model, its network) is many
    times the size of its rows, and the longer they are all kept, the longer each garbage collection walks them.
    With `vector`, the event rows of the patients with exact days are made column-wise, all at once."""
    parts, batch, refused = [], [], 0
    exact = None
    if vector:
        from .vector import EventRows

        exact = EventRows()
    with gc_paused():  # the young objects are collected after each batch instead (below)
        for pid, document in documents:
            try:
                batch.append((pid, load(document, f"{where}/{pid}" if where else pid), document))
            except CaseFileError as error:
                problems.extend(p.format() for p in error.problems)
                refused += 1
            if len(batch) == TABULATE_PATIENTS:
                parts.append(_batch_tables(batch, exact))
                batch = []
                gc.collect(0)
        if batch:
            parts.append(_batch_tables(batch, exact))
    frames = _joined(parts)
    if exact:
        frames = _with_exact_events(frames, parts, exact)
    return frames, problems, refused


def _joined(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame] | None:
    """The frames of consecutive batches as one frame per table (one Parquet row group)."""
    if len(parts) <= 1:
        return parts[0] if parts else None
    return {name: pd.concat([part[name] for part in parts], ignore_index=True) for name in parts[0]}


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def _pool(workers: int) -> Iterator:
    """`workers` worker processes (None for one: this process), their imports begun at once (`_warm`).

    Spawned, not forked: the dashboard's server has threads, and a forked child inherits their locks as held."""
    if workers <= 1:
        yield None
        return
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_warm) as pool:
        yield pool


def _warm() -> None:
    """A worker's imports (seconds of pandas, pydantic and the case model), done while its parent reads."""
    from .. import tables  # noqa: F401
    from ..cbioportal import study  # noqa: F401
    from ..reading import loading  # noqa: F401


def _run(task: Callable, tasks: Iterable, pool, workers: int) -> Iterator:
    """The results of `task` over `tasks`, in order: in this process (no pool), or in the pool's `workers`."""
    if pool is None:
        yield from map(task, tasks)
        return
    # At most two tasks per worker are in flight (Pool.imap would read every task ahead, documents and all).
    from collections import deque

    pending: deque = deque()
    for item in tasks:
        pending.append(pool.apply_async(task, (item,)))
        if len(pending) >= 2 * workers:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _write(results: Iterable[tuple[dict[str, pd.DataFrame] | None, list[str], int]], out_dir: Path,
           progress: Progress | None, total: int | None, problems: list[str] = ()) -> BuildReport:
    """Append each batch's frames to its Parquet file (one row group per batch), as they come."""
    from ..saving.outputs import output_folder

    output_folder(out_dir)  # OutputRefused for a file where the folder should be
    report = BuildReport(out_dir, problems=list(problems))
    with _Writers(out_dir) as writers:
        for frames, problems, refused in results:
            if frames is not None:
                writers.append(frames)
                report.patients += len(frames["patients"])
            report.problems += problems
            report.refused += refused
            if progress:
                progress(report.patients + report.refused, total)
    _write_text(out_dir, PROBLEMS_FILE, "".join(visible(p) + "\n" for p in report.problems))
    return report


def check_out(out_dir: str | os.PathLike) -> None:
    """Whether the warehouse's text files may be written into `out_dir` (created when missing); OutputRefused
    (timelines.saving.outputs) for a link, a folder or a file this product did not write in their place."""
    from ..saving.outputs import OutputFolder, output_folder

    folder = OutputFolder(output_folder(out_dir))
    for name in (PROBLEMS_FILE, META_FILE):
        folder.check(name)


def _write_text(out_dir: Path, name: str, text: str) -> None:
    """A text file of the warehouse, written as every command writes into its --out folder (timelines.saving.outputs):
    atomically, never through a link, never over a file this product did not write (OutputRefused)."""
    from ..saving.outputs import OutputFolder

    folder = OutputFolder(out_dir)
    try:
        folder.write(name, text.encode("utf-8"))
    finally:
        folder.save_list()


class _Writers:
    """One pyarrow ParquetWriter per table, its schema fixed by the first batch (columns that batch left
    empty typed as text). Written to temporary names and renamed at the end, so a reader never sees half a
    warehouse."""

    def __init__(self, folder: Path):
        self.folder, self.writers, self.schemas = folder, {}, {}

    def __enter__(self) -> "_Writers":
        return self

    def append(self, frames: dict[str, pd.DataFrame]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for name, frame in frames.items():
            if name not in self.writers:
                schema = pa.Schema.from_pandas(frame, preserve_index=False)
                schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                                    for f in schema]).remove_metadata()
                self.schemas[name] = schema
                self.writers[name] = pq.ParquetWriter(self._partial(name), schema, compression="zstd")
            table = pa.Table.from_pandas(frame, schema=self.schemas[name], preserve_index=False)
            self.writers[name].write_table(table)

    def _partial(self, name: str) -> Path:
        return self.folder / f".{name}.parquet.partial"

    def __exit__(self, kind, error, trace) -> None:
        for writer in self.writers.values():
            writer.close()
        for name in self.writers:
            if error is None:
                os.replace(self._partial(name), self.folder / f"{name}.parquet")
            else:
                self._partial(name).unlink(missing_ok=True)


def _write_meta(out_dir: Path, folder: Path, study: dict, report: BuildReport) -> None:
    meta = {"study_folder": str(folder), "patients": report.patients,
            "refused": report.refused, "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    if study:
        meta["study"] = study
    _write_text(out_dir, META_FILE, json.dumps(meta, indent=2) + "\n")


# ------------------------------------------------------------------------------------------------ query

@dataclass(frozen=True)
class Filter:
    """Which patients: empty means any. Agents, lines and the window apply to one same therapy (a patient
    who started osimertinib in line 2 within months 6-12), the diagnoses and responses to the patient."""

    diagnoses: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    responses: tuple[str, ...] = ()
    window: tuple[float, float] | None = None  # months since day 0 in which the therapy started

    def where(self) -> tuple[str, list]:
        """The SQL condition on the ``patients`` view (alias p) and its parameters (values are never spliced
        into the text)."""
        conditions, parameters = ["TRUE"], []
        for column, values in (("histology", self.diagnoses), ("best_response", self.responses)):
            if values:
                conditions.append(f"list_contains(?, p.{column})")
                parameters.append(list(values))
        therapy, therapy_parameters = ["t.patient_id = p.patient_id"], []
        if self.agents:
            therapy.append("list_contains(?, t.agent)")
            therapy_parameters.append(list(self.agents))
        if self.lines:
            therapy.append("list_contains(?, t.line)")
            therapy_parameters.append([int(n) for n in self.lines])
        if self.window is not None:
            therapy.append("t.start_month BETWEEN ? AND ?")
            therapy_parameters += [float(self.window[0]), float(self.window[1])]
        if therapy_parameters:
            conditions.append(f"EXISTS (SELECT 1 FROM therapies t WHERE {' AND '.join(therapy)})")
            parameters += therapy_parameters
        return " AND ".join(conditions), parameters


@dataclass(frozen=True)
class Choices:
    """What the filters offer: every value present in the study."""

    diagnoses: tuple[str, ...]
    agents: tuple[str, ...]
    lines: tuple[int, ...]
    responses: tuple[str, ...]
    months: tuple[float, float]  # the earliest and latest therapy start, months since day 0
    patients: int


class Warehouse:
    """The Parquet tables of one study, queried with an in-process DuckDB (no server).

    Parameters
    ----------
    folder
        A folder written by ``build``, ``build_documents`` or ``import_study``.
    memory_limit
        DuckDB's memory limit (it spills to disk past it).
    threads
        DuckDB's worker threads.
    """

    def __init__(self, folder: str | os.PathLike, memory_limit: str = MEMORY_LIMIT, threads: int = 2):
        import duckdb

        self.folder = Path(folder)
        missing = [t for t in TABLES if not (self.folder / f"{t}.parquet").exists()]
        if missing:
            msg = (f"{self.folder.name}: no {', '.join(missing)} table. Hint: no patient could be imported; "
                   f"see {PROBLEMS_FILE} in that folder.")
            raise FileNotFoundError(msg)
        self.db = duckdb.connect(":memory:", config={"memory_limit": memory_limit, "threads": threads})
        for table in TABLES:
            path = str(self.folder / f"{table}.parquet").replace("'", "''")
            self.db.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
        # The small tables every filter reads are kept in memory: a filter change then reads no file.
        self.db.execute("CREATE TABLE patients_mem AS SELECT * FROM patients")
        self.db.execute("CREATE OR REPLACE VIEW patients AS SELECT * FROM patients_mem")
        self.db.execute("CREATE TABLE therapies_mem AS SELECT * FROM therapies")
        self.db.execute("CREATE OR REPLACE VIEW therapies AS SELECT * FROM therapies_mem")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def problems(self) -> list[str]:
        """The located messages of the patients that could not be imported."""
        path = self.folder / PROBLEMS_FILE
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    @property
    def meta(self) -> dict:
        """The study's meta_study.txt fields and the build's counts (empty for a build without a study)."""
        path = self.folder / META_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    # A DuckDB connection serves one thread at a time; the dashboard's sessions share one Warehouse, so every
    # query runs on its own cursor (a cursor of the same in-memory database: its tables are shared).
    def _rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with self.db.cursor() as cursor:
            return cursor.execute(sql, parameters or []).fetchall()

    def _frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        with self.db.cursor() as cursor:
            return cursor.execute(sql, parameters or []).df()

    def choices(self) -> Choices:
        """Every diagnosis, agent, line number and best response of the study, and its therapy-start span."""
        def values(sql: str) -> tuple:
            return tuple(row[0] for row in self._rows(sql))

        low, high = self._rows("SELECT min(start_month), max(start_month) FROM therapies")[0]
        return Choices(
            diagnoses=values("SELECT DISTINCT histology FROM patients WHERE histology <> '' ORDER BY 1"),
            agents=values("SELECT DISTINCT agent FROM therapies WHERE agent <> '' ORDER BY lower(agent)"),
            lines=values("SELECT DISTINCT line FROM therapies WHERE line IS NOT NULL ORDER BY 1"),
            responses=values("SELECT DISTINCT best_response FROM patients WHERE best_response <> '' "
                             "ORDER BY list_position(['CR', 'PR', 'SD', 'PD', 'NE'], best_response), 1"),
            months=(float(low or 0.0), float(high or 0.0)), patients=self.count(Filter()))

    def count(self, chosen: Filter) -> int:
        where, parameters = chosen.where()
        return self._rows(f"SELECT count(*) FROM patients p WHERE {where}", parameters)[0][0]

    def patient_ids(self, chosen: Filter, sort: str = "patient_id", limit: int | None = None) -> list[str]:
        """The ids of the patients the filter selects, in the order of `sort` (a key of SORTS)."""
        where, parameters = chosen.where()
        sql = f"SELECT patient_id FROM patients p WHERE {where} ORDER BY {SORTS[sort]}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [row[0] for row in self._rows(sql, parameters)]

    def summary_page(self, chosen: Filter, sort: str = "follow_up", page: int = 0, size: int = 50) -> pd.DataFrame:
        """One page (0-based) of the summary table of the selected patients, in the order of `sort`: a
        25,000-row table is never handed out whole."""
        where, parameters = chosen.where()
        sql = (f"SELECT * FROM patients p WHERE {where} ORDER BY {SORTS[sort]} "
               f"LIMIT {int(size)} OFFSET {int(page) * int(size)}")
        return self._frame(sql, parameters)

    def swimmer_rows(self, chosen: Filter, sort: str = "follow_up",
                     limit: int = SWIMMER_PATIENTS) -> tuple[pd.DataFrame, int]:
        """The swimmer rows (SWIMMER_COLUMNS) of the first `limit` selected patients in the order of `sort`,
        without the kinds of SWIMMER_KINDS_LEFT_OUT, and how many patients the filter selects in all."""
        where, parameters = chosen.where()
        left_out = ", ".join("?" for _ in SWIMMER_KINDS_LEFT_OUT)
        sql = (f"WITH chosen AS (SELECT patient_id, row_number() OVER (ORDER BY {SORTS[sort]}) AS n "
               f"FROM patients p WHERE {where} ORDER BY n LIMIT {int(limit)}) "
               f"SELECT s.* EXCLUDE (patient_id) FROM swimmer s JOIN chosen USING (patient_id) "
               f"WHERE s.kind NOT IN ({left_out}) ORDER BY chosen.n")
        rows = self._frame(sql, [*parameters, *SWIMMER_KINDS_LEFT_OUT])
        # A warehouse imported before the swimmer carried sex and age gives them empty: lane labels on one line
        return rows.reindex(columns=list(SWIMMER_COLUMNS)), self.count(chosen)

    def therapy_names(self) -> dict[str, list[str]]:
        """The systemic therapies of each patient, by the names the swimmer and the case pages give them (the
        swimmer's agents), in order of first start."""
        rows = self._rows("SELECT patient_id, coalesce(nullif(agent, ''), label) FROM swimmer "
                          "WHERE category = 'therapy' ORDER BY patient_id, start_month")
        names: dict[str, list[str]] = {}
        for patient, agent in rows:
            if agent not in names.setdefault(patient, []):
                names[patient].append(agent)
        return names

    def case_document(self, patient_id: str) -> dict | None:
        """The case document of one patient (what a YAML case file holds), or None for an unknown id."""
        found = next(iter(self._rows("SELECT document FROM documents WHERE patient_id = ?", [patient_id])), None)
        return json.loads(found[0]) if found else None

    def case_file(self, patient_id: str) -> Path | None:
        """One patient's case written as a YAML case file under ``cases/`` of the warehouse (once), for the
        case view and the exports, which read case files; None for an unknown id."""
        document = self.case_document(patient_id)
        if document is None:
            return None
        import yaml

        path = self.folder / "cases" / f"{document['id']}.yaml"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
            os.replace(partial, path)
        return path


# ------------------------------------------------------------------------------------------------ command line

def main(argv: list[str] | None = None) -> int:
    """``python -m timelines.warehouse STUDY --out FOLDER``: import a cBioPortal study with a progress bar."""
    import argparse
    import sys
    import time

    from tqdm import tqdm

    from ..saving.outputs import OutputRefused

    parser = argparse.ArgumentParser(prog="python -m timelines.warehouse",
                                     description="Import a cBioPortal study folder into Parquet tables.")
    parser.add_argument("study", help="the study folder (meta_study.txt, data_timeline_*.txt, ...)")
    parser.add_argument("--out", required=True, help="the folder of the Parquet tables (created)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: 1)")
    args = parser.parse_args(argv)
    if not is_study(args.study):
        parser.error(f"{args.study}: not a cBioPortal study folder. Hint: the folder holds meta_study.txt "
                     "or data_timeline_*.txt files.")
    try:
        check_out(args.out)  # before the import, not after it: a link planted as problems.txt is said at once
    except OutputRefused as error:
        print(visible(error.format()), file=sys.stderr)
        return 1
    start = time.perf_counter()
    with tqdm(unit=" patients", desc="Importing") as bar:
        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = import_study(args.study, args.out, progress, args.workers)
    for problem in report.problems:  # as import-cbioportal prints them: control characters as visible escapes
        print(visible(problem), file=sys.stderr)
    print(f"{report.patients:,} patients imported into {args.out} in {time.perf_counter() - start:.0f} s; "
          f"{report.refused:,} not imported, {len(report.problems):,} problem{'s' * (len(report.problems) != 1)}"
          + (f" (see {Path(args.out) / PROBLEMS_FILE})" if report.problems else ""))
    return 1 if report.problems or report.refused or not report.patients else 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
