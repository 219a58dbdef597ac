"""Render every chart of every case to PNG (test-artifacts/charts/) so they can be looked at.

    .venv/bin/python scripts/render_charts.py [CASE_ID ...]

For each case: the timeline on the relative axis (months and days), on the calendar axis when the case has
dates, focused on the recent disease when ``focus_domain`` proposes a window, and the lesion and marker charts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import vl_convert as vlc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components import charts  # noqa: E402  (after the path set-up above)
from timelines import load_case  # noqa: E402
from timelines.endpoints.clinical import recist  # noqa: E402
from timelines.tables import event_table, marker_table, measurement_table  # noqa: E402

OUT = ROOT / "test-artifacts" / "charts"
WIDTH = 900  # plot width; with lane labels and legends the image is about 1280 px wide


def case_charts(path: Path) -> dict:
    """Every chart of one case, by file name."""
    timeline = load_case(path)
    events, measurements, markers = event_table(timeline), measurement_table(timeline), marker_table(timeline)
    axes = ["relative"] + (["calendar"] if timeline.on_calendar else [])
    bands, imaging = charts.therapy_bands(events), events[events["kind"].eq("imaging")]
    assessments = charts.assessment_frame(recist(timeline, measurements))
    out = {"timeline-relative-days": charts.timeline_chart(events, axis="relative", unit="days", width=WIDTH)}
    for axis in axes:
        out[f"timeline-{axis}"] = charts.timeline_chart(events, axis=axis, width=WIDTH)
        focus = charts.focus_domain(events, axis=axis)
        if focus is not None:
            out[f"timeline-{axis}-focus"] = charts.timeline_chart(events, axis=axis, width=WIDTH, domain=focus)
        out[f"lesions-{axis}"] = charts.lesion_chart(measurements, assessments, therapy_bands=bands,
                                                     imaging=imaging, axis=axis, width=WIDTH)
        out[f"markers-{axis}"] = charts.marker_chart(markers, therapy_bands=bands, axis=axis, width=WIDTH)
    return out


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    paths = sorted(p for p in (ROOT / "cases").glob("*.yaml") if not p.name.startswith("_"))
    if argv:
        paths = [p for p in paths if p.stem in argv]
    for path in paths:
        for name, chart in case_charts(path).items():
            target = OUT / f"{path.stem}--{name}.png"
            target.write_bytes(vlc.vegalite_to_png(chart.to_dict(), scale=1))
            print(target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
