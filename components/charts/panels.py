"""Panels stacked on one time axis (lesion and marker charts): the shared x axis, the stacking, panel titles
with room for the band labels, and the look of uncertain dates (outlines, hollow symbols, spans).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import altair as alt
import pandas as pd

from . import theme
from .axis import TimeAxis, _day_columns, _reach, _when_of, _x, _x2


@dataclass(frozen=True)
class _PanelAxis:
    """The x axis shared by stacked panels (only the bottom one shows tick labels)."""

    tax: TimeAxis
    x_domain: tuple
    window: tuple[float, float]
    labels: bool = True

    def x(self, field: str) -> alt.X:
        return _x(self.tax, field, domain=self.x_domain, labels=self.labels,
                  title=self.tax.title if self.labels else "")

    def x2(self, field: str) -> alt.X2:
        return _x2(self.tax, field)

    def at(self, days) -> pd.Series:
        return self.tax.at(days)


def _stack(builders: list, panels: _PanelAxis, colors: str = "independent"):
    """Panels one above the other on one x scale; the x axis is labelled under the bottom panel only."""
    last = len(builders) - 1
    charts = [build(replace(panels, labels=i == last)) for i, build in enumerate(builders)]
    if len(charts) == 1:
        return charts[0]
    # Each panel colours its own thing (lesions, RECIST categories, imaging trends), outlines included.
    return alt.vconcat(*charts, spacing=22).resolve_scale(x="shared", y="independent", color=colors,
                                                           stroke=colors, shape=colors, strokeDash="independent",
                                                           fill=colors)


def _with_current_therapy(extent, bands) -> tuple[float, float]:
    """Stretch the window to the end of a therapy still running at the last finding (e.g. to the follow-up)."""
    if extent is None:
        extent = (0.0, 30.0)
    if bands is None or bands.empty:
        return extent
    days = _day_columns(bands)
    running = days[(days["day_start"] <= extent[1]) & (days["day_end"] > extent[1])]
    return extent[0], max(extent[1], float(running["day_end"].max()) if not running.empty else extent[1])


def _when_measured(frame: pd.DataFrame, tax: TimeAxis) -> pd.Series:
    """The measurement or marker date as written (calendar axis, or a case without calendar), else its offset."""
    return _when_of(frame, tax)


def _spans(frame: pd.DataFrame, at, window: tuple[float, float]) -> pd.DataFrame:
    """Each date's bounds on the axis (x_lo, x_hi), a side nothing bounds drawn to its drawn neighbours, and
    whether the date is known to the day ('exact') or only within that span ('uncertain')."""
    low, high = _reach(frame, "start_earliest", window), _reach(frame, "start_latest", window)
    certainty = (high > low).map({True: "uncertain", False: "exact"})
    return frame.assign(x_lo=at(low).to_numpy(), x_hi=at(high).to_numpy(), certainty=certainty)


def _outline(color: alt.Color) -> alt.Stroke:
    """The symbol's outline in its fill colour: a filled point mark has no stroke unless one is encoded, and a
    hollow (uncertain) symbol would otherwise vanish."""
    spec = {key: value for key, value in color.to_dict().items() if key != "legend"}
    return alt.Stroke(**spec, legend=None)


def _certainty_opacity() -> alt.FillOpacity:
    return alt.FillOpacity("certainty:N", scale=alt.Scale(domain=["exact", "uncertain"], range=[1, 0.15]),
                           legend=None)


BAND_LABEL_ROOM = 20  # px between a panel's title and its plot, for the therapy labels


def _panel_title(text: str, subtitle: str | list[str] = "", band_labels: bool = False) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, fontSize=16, anchor="start",
                           frame="group", font=theme.FONT, subtitleFont=theme.FONT, subtitleFontSize=14,
                           offset=8 + (BAND_LABEL_ROOM if band_labels else 0))
