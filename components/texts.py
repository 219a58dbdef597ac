"""Plain-text pieces of a case summary, shared by the screen, the tumor board and the exports (no Streamlit)."""

from __future__ import annotations

from timelines.clinical import months_text
from timelines.kinds import KEY_KINDS  # the events a tumor board discusses: the board's step and the slides
from timelines.summary import line_span_unreported


# What a view without data is replaced by: the case page and the board leave the view out and say why.
MISSING_VIEWS = {"lesions": "No lesion measurement or imaging in this case.",
                 "markers": "No tumor marker or lab value in this case."}


def has_data(name: str, events, measurements, markers) -> bool:
    """Whether a case has anything to draw in a chart: every case has a timeline; lesions need a measurement or
    an imaging event; markers need a value."""
    if name == "lesions":
        return not measurements.empty or bool(events["kind"].eq("imaging").any())
    if name == "markers":
        return not markers.empty
    return True


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


def shorten(text: str, limit: int) -> str:
    """Text cut at a word boundary with an ellipsis, never mid-word."""
    text = str(text or "")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
