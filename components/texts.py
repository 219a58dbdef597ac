"""Plain-text pieces of a case summary, shared by the screen, the tumor board and the exports (no Streamlit)."""

from __future__ import annotations

# The events a tumor board discusses: the key-events step of the board and the key-events slides.
KEY_KINDS = ("diagnosis", "surgery", "chemotherapy", "targeted", "immunotherapy", "endocrine", "radiotherapy",
             "response", "progression", "adverse_event", "status", "molecular")


def patient_text(patient: dict) -> str:
    """'Female · 55 years · never smoker'."""
    bits = [str(patient.get("sex", "")).capitalize() if patient.get("sex") not in (None, "unknown") else "",
            f"{patient['age']} years" if patient.get("age") is not None else "",
            {"never": "never smoker", "former": "former smoker", "current": "smoker"}.get(patient.get("smoking"), "")]
    return " · ".join(b for b in bits if b) or "Patient details not reported"


def line_text(line: dict) -> str:
    """'alectinib 600 mg b.i.d., 31–33+ months' for one line of therapy."""
    agents = ", ".join(f"{t['agent']} {t['dose']}" if t.get("dose") else t["agent"] for t in line["therapies"])
    if line["months_min"] is None:
        return f"{agents}, end not reported"
    low, high = round(line["months_min"]), round(line["months_max"])
    span = f"{low}" if low == high else f"{low}–{high}"
    return f"{agents}, {span}{'+' if line['ongoing'] else ''} months"


def key_outcomes(summary: dict, fallback: int = 2) -> list[dict]:
    """The outcomes the paper reports, else the first computed PFS and OS."""
    return [o for o in summary["outcomes"] if o["reported_readings"]] or \
        [o for o in summary["outcomes"] if o["name"] in ("pfs", "os")][:fallback]
