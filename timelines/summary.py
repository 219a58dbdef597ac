"""A case summary as plain data: patient, diagnoses, lines of therapy, outcomes and RECIST."""

from __future__ import annotations

from .endpoints.best_response import best_responses
from .endpoints.clinical import (
    DEFINITIONS,
    TherapyLine,
    lines_of_therapy,
    month_range,
    months_text,
    outcomes,
    recist,
    recist_note,
)
from .endpoints.lines import regimens
from .schema import field_value
from .timeline import Timeline


def case_summary(timeline: Timeline) -> dict:
    """Everything the case header and `python -m timelines summary` show, as JSON-ready data."""
    case = timeline.case
    diagnoses = [d for d in timeline.items if d.key[0] == "diagnoses"]
    lines = lines_of_therapy(timeline)
    found = outcomes(timeline)
    return {
        "id": case.id,
        "title": case.title,
        "source": case.source.model_dump(exclude_none=True),
        "patient": case.patient.model_dump(exclude_none=True),
        "calendar": timeline.on_calendar,
        "diagnoses": [{
            "id": d.event.id, "label": d.event.label, "date": timeline.say_dated(d),
            "day": timeline.day(d.day_start), "day_earliest": timeline.day(d.start.earliest),
            "day_latest": timeline.day(d.start.latest), "histology": d.event.histology, "stage": d.event.stage,
            "site": d.event.site,
            "biomarkers": [b.model_dump() for b in d.event.biomarkers],
        } for d in diagnoses],
        "lines": [_line(timeline, line) for line in lines],
        "other_regimens": [{"setting": r.setting, "setting_inferred": r.setting_inferred, "agents": r.agents,
                            "therapies": [t.event_id for t in r.therapies],
                            "start": timeline.say_dated(r.start)}
                           for r in regimens(timeline) if r.line is None],
        "outcomes": [o.as_dict() for o in found],
        "best_response": [b.as_dict() for b in best_responses(timeline, lines)],
        "definitions": {name: DEFINITIONS[name] for name in DEFINITIONS if any(o.name == name for o in found)},
        "recist": [a.__dict__ for a in recist(timeline)],
        "recist_note": recist_note(timeline),
        "notes": list(case.notes),
    }


def _line(timeline: Timeline, line: TherapyLine) -> dict:
    end = line.end_key
    unreported = next((d for d in line.therapies if d.end is None and not d.ongoing), None)
    if end is None and unreported is not None:  # how long it can have run: to its tied events, to the next line
        end = (unreported.key, "end")
    low, high = month_range(timeline.distance(line.start_key, end)) if end is not None else (None, None)
    therapies = []
    for dated in line.therapies:
        event = dated.event
        therapies.append({"id": dated.event_id, "kind": dated.kind, "agent": line.agents[line.therapies.index(dated)],
                          "dose": field_value(event, "dose"), "intent": event.intent,
                          "dose_changes": [c.model_dump(exclude_none=True)
                                           for c in field_value(event, "dose_changes", [])]})
    if line.ongoing:
        end_text = timeline.say(timeline.follow_up)
    else:
        end_text = "" if line.end is None else timeline.say_dated(line.end, "end")
    return {"line": line.number, "name": line.name, "inferred": line.inferred, "family": line.family,
            "regimens": [{"setting": r.setting, "agents": r.agents, "therapies": [t.event_id for t in r.therapies]}
                         for r in line.regimens],
            "agents": line.agents, "therapies": therapies,
            "start": timeline.say_dated(line.start), "end": end_text,
            "day_start": timeline.day(line.start.day_start), "ongoing": line.ongoing,
            "months_min": low, "months_max": high, "end_reported": line.ongoing or line.end is not None}


# Plain-text pieces of a summary, for every screen, slide, handout and the command line

# How the computed range is said to agree with the paper's figure: a mark on screen, words on slides and paper.
SCREEN_VERDICTS = {True: " ✓", False: " ✗ differs", None: ""}
WORD_VERDICTS = {True: " (consistent)", False: " (differs)", None: ""}


def paper_figure(outcome: dict) -> str:
    """The paper's figure of an outcome as it gives it: '25+' (months, censored), '21 or 22' (two readings),
    '8 weeks', 'long-term' (in words); '' when it gives none."""
    text = outcome.get("reported_text", "")
    return text.removesuffix(" months") if outcome["reported_readings"] and text.endswith(" months") else text


def outcome_value(outcome: dict, verdicts: dict = WORD_VERDICTS) -> str:
    """'24–26+ months · paper 25+ (consistent)': the range from the dates beside the paper's figure."""
    if not outcome.get("reported_text"):
        return outcome["text"]
    return f"{outcome['text']} · paper {paper_figure(outcome)}{verdicts[outcome['consistent']]}"


def outcome_text(outcome: dict, verdicts: dict = WORD_VERDICTS) -> str:
    """'PFS on first-line lorlatinib: 24–26+ months · paper 25+ (consistent)'."""
    return f"{outcome['label']}: {outcome_value(outcome, verdicts)}"


def patient_text(patient: dict) -> str:
    """'Female · 55 years · never smoker'."""
    bits = [str(patient.get("sex", "")).capitalize() if patient.get("sex") not in (None, "unknown") else "",
            f"{patient['age']} years" if patient.get("age") is not None else "",
            smoking_text(patient), PRESENTATIONS.get(patient.get("presentation"), "")]
    return " · ".join(b for b in bits if b) or "Patient details not reported"


PRESENTATIONS = {"symptoms": "presented with symptoms", "incidental": "found incidentally",
                 "screening": "found on screening", "follow_up": "found on follow-up of an earlier cancer"}


def smoking_text(patient: dict) -> str:
    """'never smoker', 'former smoker, 30 pack-years', '30 pack-years' (status not given), or ''."""
    status = {"never": "never smoker", "former": "former smoker", "current": "smoker"}.get(patient.get("smoking"), "")
    years = patient.get("pack_years")
    return ", ".join(b for b in (status, years is not None and f"{years:g} pack-years") if b)


def line_name(line: dict) -> str:
    """'Line 2', 'Line 2, inferred', 'Endocrine line 3' (older summaries without a name: 'Line N')."""
    name = line.get("name") or f"line {line['line']}"
    return name[:1].upper() + name[1:]


def line_text(line: dict) -> str:
    """'alectinib 600 mg b.i.d., 31–33+ months' for one line of therapy."""
    agents = ", ".join(f"{t['agent']} {t['dose']}" if t.get("dose") else t["agent"] for t in line["therapies"])
    if line["months_min"] is None:
        return f"{agents}, end not reported"
    if not line.get("end_reported", True):
        return f"{agents}, {line_span_unreported(line['months_min'], line['months_max'])}"
    return f"{agents}, {months_text(line['months_min'], line['months_max'], line['ongoing'])}"


def key_outcomes(summary: dict) -> list[dict]:
    """The outcomes every view lists (case header, board summary, title slide): those the paper reports, else
    the first computed PFS and OS."""
    return [o for o in summary["outcomes"] if o.get("reported_text")] or \
        [o for o in summary["outcomes"] if o["name"] in ("pfs", "os")][:2]


def summary_text(summary: dict) -> str:
    """The summary as readable text for the command line."""
    lines = [f"{summary['title']} [{summary['id']}]"]
    lines += _patient_lines(summary["patient"])
    for d in summary["diagnoses"]:
        when = d["date"]
        lines.append(f"Diagnosis: {d['label']} ({when})" + (f", {d['stage']}" if d.get("stage") else ""))
    for line in summary["lines"]:
        lines.append(f"{line_name(line)}: {line_text(line)}")
    for regimen in summary.get("other_regimens", []):
        how = ", inferred from its start after a resection" if regimen.get("setting_inferred") else ""
        lines.append(f"{regimen['setting'].capitalize()} (not a line{how}): {' + '.join(regimen['agents'])}")
    lines += _outcome_lines(summary["outcomes"])
    if summary.get("best_response"):
        lines.append("Best overall response (RECIST 1.1), per line:")
        for b in summary["best_response"]:
            lines.append(f"  {b['line_name'].capitalize()} ({' + '.join(b['agents'])}): {b['text']}")
    if summary.get("definitions"):
        lines.append("Definitions (FDA endpoints guidance, STEEP 2.0, DATECAN, RECIST 1.1):")
        lines += [f"  {text}" for text in summary["definitions"].values()]
    lines += _recist_lines(summary)
    return "\n".join(lines)


def _patient_lines(patient: dict) -> list[str]:
    who = ", ".join(str(x) for x in (
        patient.get("sex"), patient.get("age") and f"{patient['age']} years",
        patient.get("smoking") and f"smoking: {patient['smoking']}",
        patient.get("pack_years") is not None and f"{patient['pack_years']:g} pack-years") if x)
    lines = [f"Patient: {who}"]
    if patient.get("age_note"):
        lines.append(f"  Age: {patient['age_note']}")
    if patient.get("presentation", "unknown") != "unknown" or patient.get("presentation_note"):
        how = str(patient.get("presentation", "unknown")).replace("_", " ")
        lines.append(f"  Presentation: {how}" + (f" ({patient['presentation_note']})"
                                                  if patient.get("presentation_note") else ""))
    return lines


def _outcome_lines(outcomes: list[dict]) -> list[str]:
    lines = ["Outcomes:"]
    for o in outcomes:
        reported = ""
        if o["reported_text"]:
            verdict = {True: "consistent", False: "NOT consistent", None: "not comparable"}[o["consistent"]]
            if not o["reported_readings"]:
                verdict = "in words, not compared"
            reported = f"; paper: {o['reported_text']} ({verdict})"
        lines.append(f"  {o['label']}: {o['text']}{reported}")
        if o.get("note"):
            lines.append(f"      {o['note']}")
    return lines


def _recist_lines(summary: dict) -> list[str]:
    if not summary["recist"]:
        return []
    lines = ["RECIST 1.1 (target lesions):"]
    for a in summary["recist"]:
        total = "NE" if a["sum_mm"] is None else f"{a['sum_mm']:g} mm"
        change = "" if a["change_from_baseline_pct"] is None else f" ({a['change_from_baseline_pct']:+.0f} %)"
        lines.append(f"  day {a['day']}: {total}{change} {a['category']}")
    if summary["recist_note"]:
        lines.append(f"  Note: {summary['recist_note']}")
    return lines


def line_span_unreported(low: float, high: float | None) -> str:
    """A line whose end is not reported: how long it certainly ran, and how long it can have run if anything
    bounds it ('at least 19 months, end not reported', '19–24 months, end not reported')."""
    if round(low) == 0:
        return "end not reported"
    span = months_text(low, high)  # 'at least 19 months' when nothing bounds it, else '19–24 months'
    return f"{span}, end not reported"
