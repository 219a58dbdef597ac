"""Many cases side by side: the cohort summary table and swimmer-plot rows, aligned on a chosen day 0."""

from __future__ import annotations

import re

import pandas as pd

from .endpoints.best_response import best_responses
from .endpoints.clinical import lines_of_therapy, recist, summary_outcomes
from .kinds import THERAPY_KINDS
from .schema import field_value
from .tables import event_label, finding_name, therapy_name
from .time.dates import DAYS_PER_MONTH
from .timeline import Dated, Timeline

ALIGNMENTS = {"diagnosis": "Months since diagnosis", "targeted": "Months since first targeted therapy"}
RESPONSE_RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 3, "NE": 4}
COHORT_COLUMNS = ("case_id", "title", "age", "sex", "smoking", "histology", "stage", "alteration", "fusion_partner",
                  "drugs", "lines", "best_response", "first_line", "pfs_first_line", "os", "ongoing", "calendar")
SWIMMER_COLUMNS = ("case_id", "patient", "row", "kind", "label", "agent", "start_month", "end_month",
                   "start_month_earliest", "start_month_latest", "ongoing", "end_reported", "category", "detail",
                   "end_month_earliest", "end_month_latest", "solid_until_month", "fade_until_month", "sex", "age")


def anchor_day(timeline: Timeline, align: str) -> int | None:
    """Day 0 of the alignment: the case's origin (its diagnosis), or the start of its first targeted therapy."""
    if align == "diagnosis":
        return timeline.day_zero
    if align == "targeted":
        starts = [d.day_start for d in timeline.of_kind("targeted")]
        return min(starts) if starts else None
    raise ValueError(f"Unknown alignment '{align}'. Valid: {', '.join(ALIGNMENTS)}")


def cohort_table(timelines: list[Timeline]) -> pd.DataFrame:
    """One row per case: age, sex, smoking, histology, alteration and fusion partner, lines, best response,
    first-line PFS and OS (as range texts)."""
    rows = [_cohort_row(t) for t in timelines]
    return pd.DataFrame(rows, columns=list(COHORT_COLUMNS))


def _cohort_row(timeline: Timeline) -> dict:
    case = timeline.case
    diagnosis = case.diagnoses[-1] if not case.origin else next(
        (d for d in case.diagnoses if d.id == case.origin), case.diagnoses[-1])
    alteration = driver_alteration(timeline)
    lines = lines_of_therapy(timeline)
    found = summary_outcomes(timeline)
    pfs = next((o for o in found if o.name == "pfs"), None)
    os_ = next((o for o in found if o.name == "os" and o.primary == diagnosis.id), None) \
        or next((o for o in found if o.name == "os"), None)
    return {
        "case_id": case.id, "title": case.title, "age": case.patient.age, "sex": case.patient.sex,
        "smoking": case.patient.smoking, "histology": diagnosis.label, "stage": diagnosis.stage or "",
        "alteration": alteration, "fusion_partner": fusion_partner(alteration),
        "drugs": ", ".join(dict.fromkeys(therapy_name(d.event, d.kind) for d in timeline.of_kind(*THERAPY_KINDS))),
        "lines": len(lines), "best_response": best_response(timeline),
        "first_line": " + ".join(lines[0].agents) if lines else "",
        "pfs_first_line": pfs.text if pfs else "", "os": os_.text if os_ else "",
        "ongoing": any(d.ongoing for d in timeline.of_kind(*THERAPY_KINDS)), "calendar": timeline.on_calendar,
    }


def driver_alteration(timeline: Timeline) -> str:
    """The most specific molecular finding of the case: a named fusion with its variant
    ('EML4-ALK rearrangement (E6:A20)') before a bare gene or a protein stain; else an ALK biomarker."""
    candidates = []
    for dated in timeline.of_kind("molecular"):
        for finding in dated.event.findings:
            if finding.gene.upper() in ("PD-L1", "PDL1"):
                continue
            name = finding_name(finding)
            if finding.variant and finding.variant not in name:
                name += f" ({finding.variant})"
            specificity = (bool(fusion_partner(name)), bool(finding.variant), bool(finding.alteration))
            candidates.append((specificity, name))
    if candidates:
        return max(candidates, key=lambda c: c[0])[1]
    for diagnosis in timeline.case.diagnoses:
        for marker in diagnosis.biomarkers:
            if "ALK" in marker.name.upper():
                return f"{marker.name} {marker.result}"
    return ""


def fusion_partner(alteration: str) -> str:
    """'EML4' from 'EML4-ALK fusion' or 'HMBOX1::ALK'; '' when no partner is named."""
    match = re.search(r"\b([A-Z0-9]{2,})\s*(?:::|-)\s*ALK\b", alteration)
    return match.group(1) if match else ""


def best_response(timeline: Timeline) -> str:
    """Best overall response recorded (CR > PR > SD > PD): the best of each line's RECIST 1.1 best overall response
    (timelines/endpoints/best_response.py: a response scoped to part of the disease is not an overall one); a case without
    lines of therapy, from its unscoped response events and the RECIST of its measurements."""
    categories = [b.category for b in best_responses(timeline) if b.category in RESPONSE_RANK]
    if not lines_of_therapy(timeline):
        categories = [d.event.category for d in timeline.of_kind("response") if d.event.category in RESPONSE_RANK
                      and d.event.scope in (None, "", "overall")]
        categories += [a.category for a in recist(timeline) if a.category in RESPONSE_RANK]
    return min(categories, key=RESPONSE_RANK.get) if categories else ""


def swimmer_table(timelines: list[Timeline], align: str = "diagnosis") -> pd.DataFrame:
    """Rows for a swimmer plot: therapy bars and response, progression and death marks, in months from each
    case's day 0 of the alignment. Cases without the anchor (no targeted therapy) are left out."""
    rows: list[dict] = []
    for timeline in timelines:
        anchor = anchor_day(timeline, align)
        if anchor is None:
            continue
        patient = _patient_label(timeline)
        who = {"sex": timeline.case.patient.sex, "age": timeline.case.patient.age}  # typed: the label's parts
        for dated in timeline.items:
            row = _swimmer_row(timeline, dated, anchor, patient)
            if row is not None:
                rows.append(row | who)
        rows.append({"case_id": timeline.case.id, "patient": patient, "row": "follow-up", "kind": "follow_up",
                     "label": "Last follow-up", "agent": "", "start_month": _months(timeline.follow_up_day - anchor),
                     "end_month": None, "start_month_earliest": _months(timeline.follow_up.earliest, anchor),
                     "start_month_latest": _months(timeline.follow_up.latest, anchor), "ongoing": False,
                     "end_reported": True, "category": "follow-up", "detail": "",
                     "end_month_earliest": None, "end_month_latest": None, "solid_until_month": None,
                     "fade_until_month": None, **who})
    frame = pd.DataFrame(rows, columns=list(SWIMMER_COLUMNS))
    return frame.astype({"age": "Int64"})  # typed, for the lane label (patient_words) and the warehouse


def _swimmer_row(timeline: Timeline, dated: Dated, anchor: int, patient: str) -> dict | None:
    kind, event = dated.kind, dated.event
    if field_value(event, "certainty") == "refuted":  # a suspicion that was ruled out is no mark on the swimmer
        return None
    if kind in THERAPY_KINDS:
        category, detail = "therapy", getattr(event, "dose", "") or ""
    elif kind == "response":
        category, detail = "response", event.category or event.description
    elif kind == "progression" or kind == "status" and event.status == "dead":
        category, detail = ("death", "") if kind == "status" else ("progression", event.site or "")
    else:
        return None
    therapy = category == "therapy"
    window = (dated.end or dated.end_window) if therapy else None  # the end's bounds, reported or not
    return {"case_id": timeline.case.id, "patient": patient, "row": "therapy" if therapy else "event",
            "kind": kind, "label": event_label(event, kind), "agent": therapy_name(event, kind),
            "start_month": _months(dated.day_start - anchor),
            "end_month": _months(dated.day_end - anchor) if therapy and dated.day_end is not None else None,
            "start_month_earliest": _months(dated.start.earliest, anchor),
            "start_month_latest": _months(dated.start.latest, anchor), "ongoing": bool(dated.ongoing),
            "end_reported": not therapy or dated.end is not None, "category": category, "detail": detail,
            "end_month_earliest": _months(window.earliest, anchor) if window else None,
            "end_month_latest": _months(window.latest, anchor) if window else None,
            # Drawing: solid for as long as it certainly lasted, faded to its latest end (or its drawn neighbour)
            "solid_until_month": _months(dated.day_start + dated.least_days, anchor) if therapy else None,
            "fade_until_month": _months(window.latest if window and window.latest is not None
                                        else dated.reach_end.latest, anchor) if therapy else None}


def _patient_label(timeline: Timeline) -> str:
    patient = timeline.case.patient
    return f"{timeline.case.id} ({patient_words(patient.sex, patient.age)})"


def patient_words(sex: str, age) -> str:
    """'F, 53': a patient's sex and age as a lane label says them, '?' for one not given."""
    letter = {"female": "F", "male": "M"}.get(sex, "?")
    return f"{letter}, {'?' if age is None or pd.isna(age) else int(age)}"


def _months(days: float | None, anchor: int = 0) -> float | None:
    """Months from the anchor; None for a bound the case leaves open."""
    return None if days is None else round((days - anchor) / DAYS_PER_MONTH, 2)


SPIDER_COLUMNS = ("case_id", "patient", "event_id", "day", "month", "sum_mm", "baseline_mm", "change_pct",
                  "category")
WATERFALL_COLUMNS = ("case_id", "patient", "best_change_pct", "category", "best_response", "month", "assessments")


def spider_table(timelines: list[Timeline], align: str = "diagnosis") -> pd.DataFrame:
    """Percent change of the sum of target diameters from baseline at each scan, one line per case.

    Parameters
    ----------
    timelines
        The cases of the cohort.
    align
        ``"diagnosis"`` or ``"targeted"``: the day 0 of ``month`` (as in ``swimmer_table``).

    Returns
    -------
    pandas.DataFrame
        Columns ``SPIDER_COLUMNS``: one row per RECIST time point with a complete sum (the baseline at 0 %).
        ``day`` counts from the case's origin, ``month`` from the day 0 of the alignment. Cases without target
        lesion measurements, or without the anchor of the alignment, have no rows.
    """
    rows: list[dict] = []
    for timeline in timelines:
        anchor = anchor_day(timeline, align)
        if anchor is None:
            continue
        shift = timeline.day_zero - anchor  # assessment days count from the origin, months from the anchor
        for a in recist(timeline):
            if a.sum_mm is None or a.change_from_baseline_pct is None:
                continue  # a scan missing a target lesion has no sum to compare
            rows.append({"case_id": timeline.case.id, "patient": _patient_label(timeline), "event_id": a.event_id,
                         "day": a.day, "month": _months(a.day + shift), "sum_mm": a.sum_mm,
                         "baseline_mm": a.baseline_mm, "change_pct": round(a.change_from_baseline_pct, 1),
                         "category": a.category})
    return pd.DataFrame(rows, columns=list(SPIDER_COLUMNS))


def waterfall_table(timelines: list[Timeline]) -> pd.DataFrame:
    """Best (most negative) percent change of the target-lesion sum from baseline, one row per case.

    Returns
    -------
    pandas.DataFrame
        Columns ``WATERFALL_COLUMNS``, sorted from the largest increase to the deepest decrease (the order of
        a waterfall plot). ``category`` is the best RECIST 1.1 category of the case's scans (CR > PR > SD > PD),
        ``best_response`` the case's best response from every source (``best_response``), ``month`` the months
        from the origin to the scan with the best change, and ``assessments`` the number of scans after
        baseline. Only cases with at least one scan after baseline have a row.
    """
    rows: list[dict] = []
    for timeline in timelines:
        later = [a for a in recist(timeline) if a.category != "baseline" and a.change_from_baseline_pct is not None]
        if not later:
            continue
        best = min(later, key=lambda a: a.change_from_baseline_pct)
        ranked = [a.category for a in later if a.category in RESPONSE_RANK]
        rows.append({"case_id": timeline.case.id, "patient": _patient_label(timeline),
                     "best_change_pct": round(best.change_from_baseline_pct, 1),
                     "category": min(ranked, key=RESPONSE_RANK.get) if ranked else "NE",
                     "best_response": best_response(timeline), "month": _months(best.day),
                     "assessments": len(later)})
    return sort_waterfall(pd.DataFrame(rows, columns=list(WATERFALL_COLUMNS)))


def sort_waterfall(frame: pd.DataFrame) -> pd.DataFrame:
    """Waterfall rows from the largest increase to the deepest decrease (ties by case id)."""
    return frame.sort_values(["best_change_pct", "case_id"], ascending=[False, True], kind="stable",
                             ignore_index=True)


def therapy_agents(timelines: list[Timeline]) -> dict[str, list[str]]:
    """The systemic therapies of each case by agent name (the names bars and legends use), in order given."""
    return {t.case.id: list(dict.fromkeys(therapy_name(d.event, d.kind) for d in t.of_kind(*THERAPY_KINDS)))
            for t in timelines}
