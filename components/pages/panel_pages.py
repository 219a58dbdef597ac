"""The case page's lesion and marker panels, as many a screen as leave each plot readable: the panels of a page share
the height the screen leaves under the header (``StackFit``), so that their date axis is on the screen, and a case
with more panels than a screen holds shows them a page at a time (the Lesions tab of a case with two lesions, the
RECIST sum and its imaging findings ran to 1,041 px at 1280x720; the Markers tab of one with fifteen labs to 1,835).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from components import charts
from components.charts.markers import marker_groups
from timelines.key_events import side_text
from timelines.text import escape_markdown

# What a panel takes on the page besides its plot, measured in Chromium at the page's type size: the element's gap
# and padding (36 px) and a little slack, a line of title or subtitle, a legend's title and each of its entries
# (stacked under the panel), the date axis and its title under the last panel.
PANEL_CHROME_PX = 40
TITLE_LINE_PX = 22
LEGEND_PX = 30
LEGEND_ENTRY_PX = 20
AXIS_PX = 56
LEAST_PLOT_PX = 90  # the least plot height of a panel: under it a 26 -> 12 mm trend read as a flat line
# What each panel takes down to its date axis with its plot at LEAST_PLOT_PX, from which the panels a screen holds are
# counted (the legends under the last panel, and the caption under the chart, may fall under the screen's edge): a
# lesion's (a title), the RECIST sum's (a title, two subtitle lines and its category labels), the imaging findings
# without a size (a title and a subtitle, FINDING_ROW_PX a finding), a marker's (a title).
LESION_PANEL_PX = 172
SUM_PANEL_PX = 250
FINDINGS_PANEL_PX = 80
FINDING_ROW_PX = 28
MARKER_PANEL_PX = 155
BAND_LABELS_PX = 20  # the therapy labels over the first panel of a page
WORDS_LINE_PX = 24  # a line of the results in words under the marker panels
WORDS_CHARS = 95  # characters a line of them holds in the page's column at 1280 px


class PanelPage(NamedTuple):
    """One screen of a Lesions or Markers tab: these lesions' or markers' panels, whether the RECIST sum and the
    imaging findings without a size are on it (lesions), and the results reported only in words under it
    (markers)."""

    series: tuple[str, ...]
    recist: bool = False
    findings: bool = False
    words: tuple[str, ...] = ()


def page_fit(room: int) -> charts.StackFit:
    """The room the panels of a page share (the stack's plots are scaled to fill it, none under LEAST_PLOT_PX)."""
    return charts.StackFit(height=room, panel_px=PANEL_CHROME_PX, line_px=TITLE_LINE_PX, legend_px=LEGEND_PX,
                           entry_px=LEGEND_ENTRY_PX, axis_px=AXIS_PX, least_px=LEAST_PLOT_PX)


def paged(panels: list[tuple[str, str, int]], room: int,
          reserved: int = AXIS_PX + BAND_LABELS_PX) -> list[list[tuple[str, str, int]]]:
    """Panels (kind, name, px) in order, as many a page as `room` holds (at least one a page), each page keeping
    `reserved` px (by default the date axis under it and the therapy labels over its first panel)."""
    pages: list[list[tuple[str, str, int]]] = [[]]
    used = reserved
    for panel in panels:
        if pages[-1] and used + panel[2] > room:
            pages.append([])
            used = reserved
        pages[-1].append(panel)
        used += panel[2]
    return pages


def lesion_pages(measurements: pd.DataFrame, assessments: pd.DataFrame | None, events: pd.DataFrame,
                 room: int) -> list[PanelPage]:
    """The lesion panels in the chart's order (each lesion by first measurement, the RECIST sum, the imaging
    findings without a size), as many a page as `room` px hold with each plot LEAST_PLOT_PX tall."""
    lesions = list(dict.fromkeys(measurements.sort_values("day_start", kind="stable")["lesion_label"])) \
        if not measurements.empty else []
    panels = [("lesion", name, LESION_PANEL_PX) for name in lesions]
    if assessments is not None and len(assessments):
        panels.append(("recist", "", SUM_PANEL_PX))
    findings = finding_rows(events, measurements)
    if findings:
        panels.append(("findings", "", FINDINGS_PANEL_PX + FINDING_ROW_PX * findings))
    return [PanelPage(tuple(name for kind, name, _ in page if kind == "lesion"),
                      recist=any(kind == "recist" for kind, _, _ in page),
                      findings=any(kind == "findings" for kind, _, _ in page))
            for page in paged(panels, room)]


def finding_rows(events: pd.DataFrame, measurements: pd.DataFrame) -> int:
    """How many rows the imaging findings without a size take: the imaging events that measured nothing, and those
    whose change the case gives in words (as ``charts.lesion_chart`` draws them)."""
    imaging = events[events["kind"].eq("imaging")]
    if measurements.empty:
        return len(imaging)
    worded = measurements["size_status"].eq("qualitative") if "size_status" in measurements \
        else pd.Series(False, index=measurements.index)
    sized, said = measurements.loc[~worded, "event_id"], measurements.loc[worded, "event_id"]
    return int((~imaging["event_id"].isin(sized) | imaging["event_id"].isin(said)).sum())


def marker_pages(markers: pd.DataFrame, room: int, relative: bool = False) -> list[PanelPage]:
    """The panels of the markers with a number, in the chart's order, as many a page as `room` px hold with each
    plot LEAST_PLOT_PX tall; the markers reported only in words are listed under the last page's panels (a panel
    of one word at one date took 90 px; the last page gives up panels to make room for them)."""
    if markers is None or markers.empty:
        return [PanelPage(())]
    numbered, words = marker_names(markers)
    pages = paged([("marker", name, MARKER_PANEL_PX) for name in numbered], room)
    if words:  # the last page's panels share what the results in words leave
        pages += paged(pages.pop(), room - words_px(word_lines(markers, relative)))
    return [PanelPage(tuple(name for _, name, _ in page), words=tuple(words) if i == len(pages) - 1 else ())
            for i, page in enumerate(pages)]


def words_px(lines: list[str]) -> int:
    """The height of the results in words on the page: a heading, each line wrapped at WORDS_CHARS."""
    return WORDS_LINE_PX * (1 + sum(-(-len(line) // WORDS_CHARS) for line in lines)) if lines else 0


def marker_names(markers: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The markers in the chart's panel order (``charts.marker_groups``): those with a number, and those reported
    only in words ('within normal limits')."""
    names = [name for name, _ in marker_groups(markers)]
    numbered = pd.to_numeric(markers["value"], errors="coerce").notna().groupby(markers["marker"]).any()
    return [n for n in names if numbered[n]], [n for n in names if not numbered[n]]


def word_lines(markers: pd.DataFrame, relative: bool = False, names: tuple[str, ...] | None = None) -> list[str]:
    """The results reported only in words as markdown lines (case text escaped), one per finding and date, in date
    order: '**within normal limits** (2008-01): Complete blood count, Free T4'."""
    names = tuple(marker_names(markers)[1]) if names is None else names
    rows = markers[markers["marker"].isin(names)].sort_values("day_start", kind="stable")
    said: dict[tuple[str, str], list[str]] = {}
    for row in rows.to_dict("records"):
        key = (str(row.get("finding") or "reported"), side_text(row, "start", relative))
        said.setdefault(key, []).append(str(row["marker"]))
    lines = []
    for (finding, when), tests in said.items():
        text = f"**{escape_markdown(finding)}**" + (f" ({escape_markdown(when)})" if when else "")
        lines.append(text + ": " + escape_markdown(", ".join(dict.fromkeys(tests))))
    return lines
