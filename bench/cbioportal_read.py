"""Time read_study on a synthetic study: python bench/cbioportal_read.py [PATIENTS] [ROWS_PER_PATIENT].

Writes a study of treatment, status and lab rows (every patient in the clinical file) to a temporary folder and
reports the seconds read_study takes. Defaults: 25,000 patients x 120 rows (3 million rows)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timelines.cbioportal.study import read_study  # noqa: E402

TAB = "\t"


def write_study(folder: Path, patients: int, per_patient: int) -> int:
    third = per_patient // 3
    files = {
        "data_timeline_treatment.txt": ("TREATMENT_TYPE\tSUBTYPE\tAGENT",
                                        lambda d: f"{d}{TAB}{d + 20}{TAB}TREATMENT{TAB}Medical Therapy{TAB}Chemotherapy"
                                                  f"{TAB}Carboplatin + Pemetrexed"),
        "data_timeline_status.txt": ("STATUS", lambda d: f"{d}{TAB}{TAB}STATUS{TAB}Stable disease"),
        "data_timeline_labs.txt": ("TEST\tRESULT", lambda d: f"{d}{TAB}{TAB}LAB_TEST{TAB}CEA{TAB}{d % 17 + 0.5}"),
    }
    for name, (columns, cells) in files.items():
        with open(folder / name, "w") as out:
            out.write(f"PATIENT_ID\tSTART_DATE\tSTOP_DATE\tEVENT_TYPE\t{columns}\n")
            for p in range(patients):
                out.write("".join(f"P-{p:06d}{TAB}{cells(d * 7)}\n" for d in range(third)))
    header = "#Patient Identifier\tSex\n#Patient Identifier\tSex\n#STRING\tSTRING\n#1\t1\nPATIENT_ID\tSEX\n"
    (folder / "data_clinical_patient.txt").write_text(header + "".join(f"P-{p:06d}\tFemale\n" for p in range(patients)))
    return patients * third * len(files)


def main() -> None:
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 25_000
    per_patient = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    with tempfile.TemporaryDirectory() as folder:
        rows = write_study(Path(folder), patients, per_patient)
        started, cpu = time.perf_counter(), time.process_time()
        study = read_study(folder)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{rows:,} rows of {patients:,} patients: {len(study.cases):,} cases in {seconds:.1f} s "
          f"({cpu:.1f} s of CPU time, {rows / cpu:,.0f} rows/s); {len(study.problems)} problems")


if __name__ == "__main__":
    main()
