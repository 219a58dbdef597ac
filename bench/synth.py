"""Deterministic synthetic case files for benchmarks: realistic mixes of kinds, partial and relative dates."""

from __future__ import annotations

import random

import yaml

DRUGS = ("alectinib", "lorlatinib", "crizotinib", "brigatinib", "ensartinib", "osimertinib", "pembrolizumab")
MARKERS = (("CEA", "ng/mL", 0.0, 5.0), ("NSE", "ng/mL", 5.0, 15.0), ("CYFRA 21-1", "ng/mL", 0.0, 3.3))


def synthetic_case(case_id: str, events: int, seed: int = 0, calendar: bool = True) -> dict:
    """A valid case document with about `events` events (therapies, scans with measurements, labs,
    responses), dated with exact, month, approximate and relative forms."""
    rng = random.Random(seed)
    diagnosis = {"id": "dx", "label": "Lung adenocarcinoma", "date": "2015-03-10" if calendar else "origin",
                 "stage": "IV"}
    lesions = [{"id": f"l{i}", "label": f"Lesion {i}", "site": "lung", "nodal": i % 3 == 0} for i in range(3)]
    items: list[dict] = []
    day, line = 0, 0
    while len(items) < events:
        line += 1
        drug = DRUGS[line % len(DRUGS)]
        therapy_id = f"t{line}"
        months = rng.randint(3, 14)
        items.append({"id": therapy_id, "kind": "targeted", "drug": drug, "dose": "600 mg BID", **({"line": line} if line <= 20 else {}),
                      "start": f"dx + {day} days", "duration": f"{months} months"})
        for scan in range(months // 2):
            scan_id = f"s{line}-{scan}"
            items.append({"id": scan_id, "kind": "imaging", "modality": "CT", "region": "chest",
                          "date": f"{therapy_id} + {2 * (scan + 1)} months",
                          "measurements": [{"lesion": f"l{i}", "size": f"{rng.uniform(0.5, 4):.1f} x "
                                            f"{rng.uniform(0.3, 2):.1f} cm"} for i in range(3)]})
            marker, unit, low, high = MARKERS[scan % len(MARKERS)]
            items.append({"kind": "lab", "date": f"~{scan_id} + 1 week",
                          "values": [{"marker": marker, "value": round(rng.uniform(0.5, 40), 2), "unit": unit,
                                      "ref_low": low, "ref_high": high}]})
            items.append({"kind": "response", "date": scan_id, "category": rng.choice(["PR", "SD", "PD"]),
                          "therapy": therapy_id})
        items.append({"kind": "progression", "date": f"{therapy_id}.end", "site": "lung", "therapy": therapy_id})
        day += months * 30 + 7
    items = items[:events]
    items.append({"kind": "status", "status": "alive", "date": f"after t{line}.start + 1 month"})
    return {"schema": 1, "id": case_id, "title": f"Synthetic case {case_id}",
            "source": {"citation": "Synthetic benchmark case"},
            "patient": {"sex": "female", "age": 50, "smoking": "never"},
            "diagnoses": [diagnosis], "lesions": lesions, "events": items}


def synthetic_text(case_id: str, events: int, seed: int = 0, calendar: bool = True) -> str:
    return yaml.safe_dump(synthetic_case(case_id, events, seed, calendar), sort_keys=False, width=120)
