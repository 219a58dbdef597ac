"""What the screen, the tumor board and the exports decide alike: key events, and views without data (no Streamlit)."""

from __future__ import annotations

from timelines.kinds import KEY_KINDS  # the events a tumor board discusses: the board's step and the slides


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
