"""A deterministic N-patient cBioPortal study folder: clinical files and seven timeline files, 40-200 rows a patient.

    .venv/bin/python bench/registry.py /tmp/study --patients 25000

The files follow cBioPortal's file formats (docs.cbioportal.org/file-formats): `meta_study.txt`, the patient and
sample clinical files with their four '#' header lines, and `data_timeline_<kind>.txt` files (PATIENT_ID,
START_DATE, STOP_DATE, EVENT_TYPE, then the columns of the kind) each beside its `meta_timeline_<kind>.txt`.
Dates are whole days since each patient's diagnosis (day 0), as cBioPortal counts them. The mix: lung, colorectal,
ovarian and breast cancers; lines of chemotherapy, targeted therapy and immunotherapy, radiation, surgery, CEA or
CA-125 (or CA 15-3) labs, scans, responses, progressions and deaths.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

STUDY_ID = "registry_synthetic"
MIN_ROWS, MAX_ROWS = 40, 200


@dataclass(frozen=True)
class Cancer:
    code: str  # OncoTree code
    type: str  # CANCER_TYPE
    detailed: str  # CANCER_TYPE_DETAILED
    marker: str  # the lab followed at every visit
    lines: tuple[tuple[str, tuple[str, ...]], ...]  # (SUBTYPE, agents), in the order lines are usually given
    surgery: str


CANCERS = (
    Cancer("LUAD", "Non-Small Cell Lung Cancer", "Lung Adenocarcinoma", "CEA", (
        ("Targeted", ("Osimertinib",)), ("Chemo", ("Carboplatin", "Pemetrexed")), ("Immuno", ("Pembrolizumab",)),
        ("Targeted", ("Alectinib",)), ("Chemo", ("Docetaxel",)), ("Targeted", ("Lorlatinib",))), "Lobectomy"),
    Cancer("COAD", "Colorectal Cancer", "Colon Adenocarcinoma", "CEA", (
        ("Chemo", ("Oxaliplatin", "Fluorouracil", "Leucovorin")), ("Chemo", ("Irinotecan", "Fluorouracil")),
        ("Targeted", ("Bevacizumab",)), ("Targeted", ("Cetuximab",)), ("Chemo", ("Trifluridine/Tipiracil",)),
        ("Targeted", ("Regorafenib",))), "Hemicolectomy"),
    Cancer("HGSOC", "Ovarian Cancer", "High-Grade Serous Ovarian Cancer", "CA-125", (
        ("Chemo", ("Carboplatin", "Paclitaxel")), ("Targeted", ("Olaparib",)), ("Chemo", ("Pegylated Liposomal Doxorubicin",)),
        ("Targeted", ("Bevacizumab",)), ("Chemo", ("Gemcitabine",)), ("Immuno", ("Pembrolizumab",))),
     "Debulking Surgery"),
    Cancer("IDC", "Breast Cancer", "Breast Invasive Ductal Carcinoma", "CA 15-3", (
        ("Hormone", ("Letrozole",)), ("Targeted", ("Palbociclib",)), ("Chemo", ("Paclitaxel",)),
        ("Targeted", ("Trastuzumab", "Pertuzumab")), ("Chemo", ("Capecitabine",)), ("Immuno", ("Atezolizumab",))),
     "Mastectomy"),
)
CANCER_WEIGHTS = (4, 3, 2, 3)
RESPONSES = (("Complete Response", 1), ("Partial Response", 4), ("Stable Disease", 5), ("Progressive Disease", 2))
IMAGING = (("CT", "CT Chest Abdomen Pelvis"), ("PET", "PET-CT"), ("MRI", "MRI Brain"))
MARKER_RANGE = {"CEA": (1.0, 80.0), "CA-125": (8.0, 900.0), "CA 15-3": (10.0, 150.0)}

# One timeline file per kind: its EVENT_TYPE and the columns after the four common ones.
TIMELINES = {
    "treatment": ("TREATMENT", ("TREATMENT_TYPE", "SUBTYPE", "AGENT")),
    "surgery": ("SURGERY", ("SUBTYPE", "SOURCE")),
    "status": ("STATUS", ("STATUS", "SOURCE")),
    "specimen": ("SPECIMEN", ("SAMPLE_ID", "SPECIMEN_SITE", "SPECIMEN_TYPE", "SOURCE")),
    "labs": ("LAB_TEST", ("TEST", "RESULT", "UNIT")),
    "imaging": ("IMAGING", ("DIAGNOSTIC_TYPE", "DIAGNOSTIC_TYPE_DETAILED", "SOURCE")),
    "diagnosis": ("DIAGNOSIS", ("SUBTYPE", "DIAGNOSIS", "STAGE")),
}
COMMON = ("PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE")
PATIENT_ATTRIBUTES = (  # (column, display name, description, datatype, priority)
    ("PATIENT_ID", "Patient Identifier", "Identifier to uniquely specify a patient.", "STRING", "1"),
    ("SEX", "Sex", "Sex", "STRING", "1"),
    ("AGE", "Diagnosis Age", "Age at which the condition was first diagnosed.", "NUMBER", "1"),
    ("SMOKING_HISTORY", "Smoking History", "Smoking history of the patient.", "STRING", "1"),
    ("OS_STATUS", "Overall Survival Status", "Overall patient survival status.", "STRING", "1"),
    ("OS_MONTHS", "Overall Survival (Months)", "Overall survival in months since initial diagnosis.", "NUMBER", "1"),
)
SAMPLE_ATTRIBUTES = (
    ("PATIENT_ID", "Patient Identifier", "Identifier to uniquely specify a patient.", "STRING", "1"),
    ("SAMPLE_ID", "Sample Identifier", "A unique sample identifier.", "STRING", "1"),
    ("CANCER_TYPE", "Cancer Type", "Cancer type.", "STRING", "1"),
    ("CANCER_TYPE_DETAILED", "Cancer Type Detailed", "Cancer type detailed.", "STRING", "1"),
    ("ONCOTREE_CODE", "Oncotree Code", "OncoTree code.", "STRING", "1"),
)


def write_study(folder: str | Path, patients: int, seed: int = 0) -> Path:
    """Write an N-patient study into `folder` (created); the same files for the same `patients` and `seed`.

    Parameters
    ----------
    folder
        Where the study's files go.
    patients
        How many patients (ids ``p-000001`` ...).
    seed
        The random seed: each patient draws from ``Random((seed, i))``, so the first 1,000 patients of a
        25,000-patient study are those of the 1,000-patient study.

    Returns
    -------
    Path
        The study folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_meta(folder, patients)
    files = {kind: open(folder / f"data_timeline_{kind}.txt", "w", encoding="utf-8") for kind in TIMELINES}
    clinical = open(folder / "data_clinical_patient.txt", "w", encoding="utf-8")
    samples = open(folder / "data_clinical_sample.txt", "w", encoding="utf-8")
    try:
        for kind, (_, columns) in TIMELINES.items():
            files[kind].write("\t".join(COMMON + columns) + "\n")
        clinical.write(_header(PATIENT_ATTRIBUTES))
        samples.write(_header(SAMPLE_ATTRIBUTES))
        for i in range(1, patients + 1):
            patient = _Patient(f"p-{i:06d}", random.Random(f"{seed}:{i}"))
            for kind, lines in patient.rows().items():
                files[kind].write("".join(lines))
            clinical.write(patient.clinical_line())
            samples.write(patient.sample_line())
    finally:
        for handle in (*files.values(), clinical, samples):
            handle.close()
    return folder


def _header(attributes: tuple) -> str:
    lines = ["#" + "\t".join(a[i] for a in attributes) for i in (1, 2, 3, 4)]
    return "\n".join(lines) + "\n" + "\t".join(a[0] for a in attributes) + "\n"


def _write_meta(folder: Path, patients: int) -> None:
    (folder / "meta_study.txt").write_text(
        "type_of_cancer: mixed\n"
        f"cancer_study_identifier: {STUDY_ID}\n"
        f"name: Synthetic registry ({patients:,} patients)\n"
        "description: Synthetic treatment timelines for benchmarks; no real patient.\n"
        "short_name: Registry (synthetic)\n"
        "add_global_case_list: true\n")
    for name, datatype in (("patient", "PATIENT_ATTRIBUTES"), ("sample", "SAMPLE_ATTRIBUTES")):
        (folder / f"meta_clinical_{name}.txt").write_text(
            f"cancer_study_identifier: {STUDY_ID}\ngenetic_alteration_type: CLINICAL\ndatatype: {datatype}\n"
            f"data_filename: data_clinical_{name}.txt\n")
    for kind in TIMELINES:
        (folder / f"meta_timeline_{kind}.txt").write_text(
            f"cancer_study_identifier: {STUDY_ID}\ngenetic_alteration_type: CLINICAL\ndatatype: TIMELINE\n"
            f"data_filename: data_timeline_{kind}.txt\n")


class _Patient:
    """One patient's rows, drawn in day order from the diagnosis (day 0)."""

    def __init__(self, patient_id: str, rng: random.Random):
        self.id, self.rng = patient_id, rng
        self.cancer = rng.choices(CANCERS, CANCER_WEIGHTS)[0]
        self.target = rng.randint(MIN_ROWS, MAX_ROWS)
        self.sex = "Female" if self.cancer.code in ("HGSOC", "IDC") else rng.choice(("Female", "Male"))
        self.age = rng.randint(28, 88)
        self.smoking = rng.choice(("Never", "Former", "Current")) if self.cancer.code == "LUAD" else "Unknown"
        self.rows_by_kind: dict[str, list[str]] = {kind: [] for kind in TIMELINES}
        self.count = 0
        self.death: int | None = None
        self.last_day = 0

    def add(self, kind: str, start: int, stop: int | None, *values) -> None:
        event_type = TIMELINES[kind][0]
        stop_text = "" if stop is None else str(stop)
        self.rows_by_kind[kind].append("\t".join((self.id, str(start), stop_text, event_type,
                                                  *map(str, values))) + "\n")
        self.count += 1
        self.last_day = max(self.last_day, start if stop is None else stop)

    def rows(self) -> dict[str, list[str]]:
        rng, cancer = self.rng, self.cancer
        stage = rng.choice(("II", "III", "IIIB", "IV", "IV", "IV"))
        self.add("diagnosis", 0, None, "Primary", cancer.detailed, stage)
        self.add("specimen", rng.randint(-14, 0), None, f"{self.id}-t1", "Primary", "Biopsy", "Pathology")
        day = rng.randint(14, 45)
        if stage in ("II", "III") or rng.random() < 0.25:
            self.add("surgery", day, None, cancer.surgery, "Operative report")
            day += rng.randint(28, 60)
        # Lines of therapy until the patient's rows are spent; each line's visits are labs and scans.
        budget = self.target - 1  # room for the last status (alive, or the death)
        for line, (subtype, agents) in enumerate(cancer.lines, start=1):
            if self.count >= budget:
                break
            day = self._line(line, subtype, agents, day, budget)
        if self.count < budget:  # surveillance after the last line: labs and scans at a slower pace
            day = self._visits(day, day + 20 * 365, budget, every=(60, 120))
        if rng.random() < 0.35:
            self.death = self.last_day + rng.randint(14, 180)
            self.add("status", self.death, None, "Deceased", "Death record")
        else:
            self.add("status", self.last_day + rng.randint(7, 60), None, "Alive", "Last contact")
        return self.rows_by_kind

    def _line(self, line: int, subtype: str, agents: tuple[str, ...], day: int, budget: int) -> int:
        rng = self.rng
        length = rng.randint(60, 540)
        ongoing = line > 1 and rng.random() < 0.1  # no STOP_DATE: still on it at the last contact
        for agent in agents:
            self.add("treatment", day, None if ongoing else day + length, "Medical Therapy", subtype, agent)
        if rng.random() < 0.2:
            start = day + rng.randint(14, 60)
            self.add("treatment", start, start + rng.randint(5, 35), "Radiation Therapy", "IMRT", "")
        end = self._visits(day + 21, day + length, budget, every=(21, 42))
        if not ongoing and self.count < budget:
            self.add("status", day + length, None, "Progression", "Imaging")
        return max(end, day + length) + rng.randint(14, 42)

    def _visits(self, day: int, until: int, budget: int, every: tuple[int, int]) -> int:
        """Labs at every visit, a scan (with a response) at every third; returns the day after the last."""
        rng, low, high = self.rng, *MARKER_RANGE[self.cancer.marker]
        visit = 0
        while day < until and self.count < budget:
            self.add("labs", day, None, self.cancer.marker, f"{rng.uniform(low, high):.1f}",
                     "U/mL" if self.cancer.marker != "CEA" else "ng/mL")
            if visit % 3 == 2 and self.count + 2 <= budget:
                modality, detailed = rng.choice(IMAGING)
                self.add("imaging", day, None, modality, detailed, "Radiology report")
                response = rng.choices([r for r, _ in RESPONSES], [w for _, w in RESPONSES])[0]
                self.add("status", day, None, response, "Radiology report")
            day += rng.randint(*every)
            visit += 1
        return day

    def clinical_line(self) -> str:
        status = "1:DECEASED" if self.death is not None else "0:LIVING"
        months = (self.death if self.death is not None else self.last_day) / 30.4375
        return "\t".join((self.id, self.sex, str(self.age), self.smoking, status, f"{months:.1f}")) + "\n"

    def sample_line(self) -> str:
        c = self.cancer
        return "\t".join((self.id, f"{self.id}-t1", c.type, c.detailed, c.code)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where to write the study (created)")
    parser.add_argument("--patients", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    write_study(args.folder, args.patients, args.seed)
    print(f"{args.patients:,} patients written to {args.folder} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
