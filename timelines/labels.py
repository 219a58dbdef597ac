"""What an event is called when its author gives no label: one function per kind, named by the kinds registry."""

from __future__ import annotations

import re

from .text import shorten

NAME_CHARS = 40  # a name in an axis title or an event label: longer ones are shortened


def finding_text(finding) -> str:
    """'EGFR L858R (c.2573T>G) 12% detected'; the gene is not said twice when the alteration names it already
    ('EML4-ALK rearrangement', not 'ALK EML4-ALK rearrangement')."""
    named = finding.alteration and re.search(rf"(?<![A-Za-z0-9]){re.escape(finding.gene)}(?![A-Za-z0-9])",
                                             finding.alteration, re.I)
    bits = [None if named else finding.gene, finding.alteration, finding.variant and f"({finding.variant})",
            finding.abundance_pct is not None and f"{finding.abundance_pct:g}%", finding.result]
    return " ".join(str(b) for b in bits if b)


# Each takes the event and its row of the registry (timelines.kinds.Kind), and returns the event's name.

def diagnosis(event, kind) -> str:
    if event.transformed_from:
        return f"Transformation to {event.histology or 'another histology'} (from {event.transformed_from})"
    return event.histology or "Diagnosis"


def symptom(event, kind) -> str:
    return event.description or "Symptom"


def surgery(event, kind) -> str:
    return event.procedure or "Surgery"


def biopsy(event, kind) -> str:
    if "biopsy" in (event.method or "").lower():
        return event.method
    return " ".join(filter(None, [event.method, "biopsy"])) or "Biopsy"


def molecular(event, kind) -> str:
    return ", ".join(finding_text(f) for f in event.findings) or event.method or "Molecular test"


def agent(event, kind) -> str:
    """The regimen or agents alone (a course of chemotherapy: its lane says 'Chemotherapy')."""
    return kind.agent_of(event)


def radiotherapy(event, kind) -> str:
    return " ".join(filter(None, [event.technique or "Radiotherapy", event.site and f"({event.site})"]))


def imaging(event, kind) -> str:
    return " ".join(filter(None, [event.modality, event.region])) or "Imaging"


def lab(event, kind) -> str:
    return ", ".join(v.marker for v in event.values)


def response(event, kind) -> str:
    return " ".join(filter(None, [event.category or shorten(event.description, NAME_CHARS),
                                  event.scope and f"({event.scope})"]))


def progression(event, kind) -> str:
    return "Progression" + (f" ({event.site})" if event.site else "")


def adverse_event(event, kind) -> str:
    return (event.term or shorten(event.description, NAME_CHARS)) + (f" (grade {event.grade})" if event.grade else "")


def status(event, kind) -> str:
    return event.status.replace("_", " ").capitalize()


def other(event, kind) -> str:
    return event.description and shorten(event.description, NAME_CHARS) or event.type
