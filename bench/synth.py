"""Deterministic synthetic case files for benchmarks: realistic mixes of kinds, partial and relative dates."""

from __future__ import annotations

import datetime as dt
import random

import yaml

DRUGS = ("alectinib", "lorlatinib", "crizotinib", "brigatinib", "ensartinib", "osimertinib", "pembrolizumab")
CHEMO = (("carboplatin + pemetrexed", ["carboplatin", "pemetrexed"]), ("cisplatin + etoposide", ["cisplatin", "etoposide"]))
MARKERS = (("CEA", "ng/mL", 0.0, 5.0), ("NSE", "ng/mL", 5.0, 15.0), ("CYFRA 21-1", "ng/mL", 0.0, 3.3),
           ("LDH", "U/L", 120.0, 250.0))
ADVERSE = ("pneumonitis", "hepatotoxicity", "bradycardia", "oedema", "myalgia", "constipation")
SIZES = ("{a:.1f} x {b:.1f} cm", "{mm:.0f} mm", "{a:.1f} x {b:.1f} cm")
ORIGIN = dt.date(2015, 3, 10)
EVENTS_PER_MONTH = 4  # a case of n events spans about n / 4 months, between 2 and 20 years
MIN_MONTHS, MAX_MONTHS = 24, 240
PER_LINE, PER_VISIT = 2.25, 1.3  # events: a therapy and its progression (maybe radiotherapy); a visit


def synthetic_case(case_id: str, events: int, seed: int = 0, calendar: bool = True) -> dict:
    """A valid case document with exactly `events` events plus a closing status.

    Diagnostic work-up first (biopsy, molecular test with an abundance), then lines of therapy (targeted,
    chemotherapy, immunotherapy, radiotherapy) with scans measuring three lesions, responses, labs, adverse
    events and a progression at each line's end. Dates mix exact, month, approximate and relative forms
    ('t3 + 2 months', '~s3-1 + 1 week', 't2.end', 'after t4.start'); without `calendar` every date is relative
    to the diagnosis at 'origin'. Long cases fill the span with denser labs rather than reaching past
    MAX_MONTHS, so every date stays within the calendar's limits.
    """
    rng = random.Random(seed)
    maker = _Maker(rng, calendar, events)
    items = maker.work_up()
    while len(items) < events:
        items += maker.line_of_therapy()
    items = items[:events]
    last = next((e["id"] for e in reversed(items) if e.get("id", "").startswith("t")), "dx")
    dead = rng.random() < 0.3
    death = f"dx + {maker.months * 30 + 730} days"  # after every event, however the lines overlap
    items.append({"kind": "status", "status": "dead" if dead else "alive",
                  "date": death if dead else f"after {last}.start + 1 month"})
    diagnosis = {"id": "dx", "label": rng.choice(["Lung adenocarcinoma", "Large-cell neuroendocrine carcinoma"]),
                 "date": _iso(ORIGIN) if calendar else "origin", "stage": rng.choice(["IIIB", "IVA", "IVB"]),
                 "biomarkers": [{"name": "ALK IHC", "result": "positive"}]}
    lesions = [{"id": f"l{i}", "label": f"Lesion {i}", "site": ("lung", "liver", "mediastinal node")[i],
                "nodal": i == 2} for i in range(3)]
    return {"schema": 1, "id": case_id, "title": f"Synthetic case {case_id}",
            "source": {"citation": "Synthetic benchmark case"},
            "patient": {"sex": rng.choice(["female", "male"]), "age": rng.randint(30, 80),
                        "smoking": rng.choice(["never", "former", "current"])},
            "diagnoses": [diagnosis], "lesions": lesions, "events": items}


def synthetic_text(case_id: str, events: int, seed: int = 0, calendar: bool = True) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(synthetic_case(case_id, events, seed, calendar), Dumper=dumper, sort_keys=False, width=120)


def _iso(day: dt.date) -> str:
    return day.isoformat()


class _Maker:
    """Builds the events of one case in date order; `day` counts from the diagnosis."""

    def __init__(self, rng: random.Random, calendar: bool, events: int):
        self.rng, self.calendar = rng, calendar
        self.months = max(MIN_MONTHS, min(MAX_MONTHS, events // EVENTS_PER_MONTH))
        lines = self.months / 8.5
        visits = max(events - lines * PER_LINE, lines) / PER_VISIT
        self.every = self.months * 30 / visits  # days between visits, so that the case fills its span
        self.day, self.line = 30, 0

    def when(self, day: int, form: str | None = None) -> str:
        """A date `day` days after the diagnosis, in a form drawn at random (exact, month, approximate, relative)."""
        form = form or self.rng.choices(["exact", "month", "approx", "relative"], [5, 2, 1, 2])[0]
        if not self.calendar or form == "relative":
            return f"dx + {day} days"
        date = ORIGIN + dt.timedelta(days=day)
        return {"exact": _iso(date), "month": date.strftime("%Y-%m"), "approx": "~" + _iso(date)}[form]

    def work_up(self) -> list[dict]:
        return [
            {"id": "bx", "kind": "biopsy", "date": self.when(7, "exact"), "method": "CT-guided", "site": "lung",
             "result": "adenocarcinoma"},
            {"id": "ngs", "kind": "molecular", "date": "bx + 2 weeks", "method": "NGS", "findings": [
                {"gene": "ALK", "alteration": "EML4-ALK fusion", "variant": "E13:A20",
                 "abundance_pct": round(self.rng.uniform(5, 40), 1), "result": "detected"},
                {"gene": "TP53", "variant": "p.R273H", "result": "detected"}]},
        ]

    def line_of_therapy(self) -> list[dict]:
        """A therapy, maybe radiotherapy, visits during it (scans, labs, adverse events...), then progression."""
        rng = self.rng
        self.line += 1
        tid, months = f"t{self.line}", rng.randint(3, 14)
        start = self.when(self.day) if self.line == 1 or rng.random() < 0.7 else f"t{self.line - 1}.end + 2 weeks"
        items = [self._therapy(tid, start, months)]
        if rng.random() < 0.25:
            items.append({"kind": "radiotherapy", "start": f"{tid} + 1 month", "duration": "2 weeks",
                          "technique": "SBRT", "site": "brain", "dose_gy": 30, "fractions": 5})
        at, visit = self.every / 2, 0
        while at < months * 30:
            items += self._visit(tid, visit, int(at))
            at, visit = at + self.every, visit + 1
        items.append({"kind": "progression", "date": f"{tid}.end", "site": "lung", "therapy": tid})
        self.day += months * 30 + 14
        if self.day > self.months * 30:  # keep the span bounded: later lines overlap earlier ones
            self.day = 30 + rng.randint(0, 60)
        return items

    def _therapy(self, tid: str, start: str, months: int) -> dict:
        rng, line = self.rng, {"line": self.line} if self.line <= 20 else {}
        ending = {"duration": f"{months} months"} if rng.random() < 0.8 else {"end": f"{tid} + {months} months"}
        choice = rng.random()
        if choice < 0.12:
            regimen, agents = rng.choice(CHEMO)
            return {"id": tid, "kind": "chemotherapy", "regimen": regimen, "agents": list(agents), "cycles": 4,
                    **line, "start": start, **ending}
        if choice < 0.2:
            return {"id": tid, "kind": "immunotherapy", "drug": "pembrolizumab", "dose": "200 mg q3w", **line,
                    "start": start, **ending}
        event = {"id": tid, "kind": "targeted", "drug": DRUGS[self.line % (len(DRUGS) - 1)], "dose": "600 mg BID",
                 **line, "start": start, **ending}
        if rng.random() < 0.3:
            event["dose_changes"] = [{"date": f"{tid} + 2 months", "dose": "450 mg BID", "reason": "toxicity"}]
        return event

    def _visit(self, tid: str, visit: int, day: int) -> list[dict]:
        """What happened `day` days into therapy `tid`: a lab, a scan and its response, a symptom, a toxicity."""
        rng = self.rng
        kind = rng.choices(["lab", "scan", "adverse_event", "supportive", "symptom"], [55, 30, 6, 5, 4])[0]
        date = f"{tid} + {day} days" if rng.random() < 0.6 else self.when(self.day + day)
        if kind == "scan":
            sid = f"s{self.line}-{visit}"
            sizes = [rng.choice(SIZES).format(a=rng.uniform(0.5, 4), b=rng.uniform(0.3, 2), mm=rng.uniform(5, 40))
                     for _ in range(3)]
            return [{"id": sid, "kind": "imaging", "modality": rng.choice(["CT", "PET-CT", "MRI"]), "region": "chest",
                     "date": date, "measurements": [{"lesion": f"l{i}", "size": s} for i, s in enumerate(sizes)]},
                    {"kind": "response", "date": sid, "category": rng.choice(["PR", "SD", "PD"]), "therapy": tid}]
        if kind == "lab":
            values = []
            for marker, unit, low, high in rng.sample(MARKERS, rng.choice([1, 1, 2])):
                values.append({"marker": marker, "value": round(rng.uniform(0.5, 2 * high), 2), "unit": unit,
                               "ref_low": low, "ref_high": high})
            return [{"kind": "lab", "date": f"~{date}" if date.startswith("t") and visit % 5 == 0 else date,
                     "values": values}]
        if kind == "adverse_event":
            return [{"kind": "adverse_event", "date": date, "term": rng.choice(ADVERSE), "grade": rng.randint(1, 3),
                     "attribution": tid}]
        if kind == "supportive":
            return [{"kind": "supportive", "start": date, "duration": "2 weeks", "drug": "dexamethasone",
                     "purpose": "oedema"}]
        return [{"kind": "symptom", "date": date, "description": rng.choice(["cough", "headache", "fatigue"])}]
