"""Panels stacked on one time axis (lesion and marker charts): the shared x axis, the stacking, panel titles
with room for the band labels, and the look of uncertain dates (outlines, hollow symbols, spans).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import altair as alt
import pandas as pd

from . import theme
from .axis import TimeAxis, _day_columns, _reach, _when_of, _x, _x2
from .rows import distinct


@dataclass(frozen=True)
class _PanelAxis:
    """The x axis shared by stacked panels (only the bottom one shows tick labels), and how a panel is drawn:
    in a stack, or `split` from it as a chart of its own (the page fits each to its width), without a y axis
    title (its own title names what it shows and its unit) and with its legends only where `legends` says."""

    tax: TimeAxis
    x_domain: tuple
    window: tuple[float, float]
    labels: bool = True
    split: bool = False
    legends: bool = True

    def y_title(self, title: str | None) -> str | None:
        return None if self.split else title

    def x(self, field: str) -> alt.X:
        return _x(self.tax, field, domain=self.x_domain, labels=self.labels,
                  title=self.tax.title if self.labels else "")

    def x2(self, field: str) -> alt.X2:
        return _x2(self.tax, field)

    def at(self, days) -> pd.Series:
        return self.tax.at(days)


@dataclass(frozen=True)
class StackFit:
    """The height a stack of panels is to take as drawn (a tumor board's screen), and what its text takes at the
    size it is drawn: the plots share what the titles, legends and axis leave, in proportion to the heights their
    builders gave them. A panel of rows (``alt.Step``) keeps its rows' height.

    height : px the whole stack may take.
    panel_px : px each panel takes besides its plot, titles and legends (padding, the gap to the next).
    line_px : one line of a panel's title or subtitle; legend_px : a legend's title and margin; entry_px : one
        entry of a legend (legends are stacked under their panel, one entry a line).
    legends_in_a_row : the legends under a panel are drawn side by side (the tallest counts), not stacked.
    axis_px : px of the x axis and its title under the bottom panel.
    least_px : the least plot height of a panel, whatever the screen.
    """

    height: int
    panel_px: int = 40
    line_px: int = 24
    legend_px: int = 36
    entry_px: int = 24
    legends_in_a_row: bool = False
    axis_px: int = 60
    least_px: int = 48


def _stack(builders: list, panels: _PanelAxis, colors: str = "independent", fit: StackFit | None = None,
           split: bool = False):
    """Panels one above the other on one x scale; the x axis is labelled under the bottom panel only. With a
    `fit`, the panels' plot heights are scaled so that the stack takes `fit.height` as drawn. `split`: the panels
    as a list of charts, to be drawn one under the other (Vega-Lite fits only a single or layered view to its
    container's width); the legends of a colour scale they share are drawn under the last one only."""
    last = len(builders) - 1
    shared = split and colors == "shared"
    charts = [build(replace(panels, labels=i == last, split=split, legends=not shared or i == last))
              for i, build in enumerate(builders)]
    if fit is not None:
        charts = _fitted(charts, fit, shared_legends=colors == "shared")
    if split:
        return charts
    if len(charts) == 1:
        return charts[0]
    # Each panel colours its own thing (lesions, RECIST categories, imaging trends), outlines included.
    return alt.vconcat(*charts, spacing=22, resolve=alt.Resolve(scale=alt.ScaleResolveMap(
        x="shared", y="independent", color=colors, stroke=colors, shape=colors, strokeDash="independent",
        fill=colors)))


def _fitted(charts: list, fit: StackFit, shared_legends: bool = False) -> list:
    """The panels with their plot heights scaled to share what `fit` leaves for plots. Legends of a shared colour
    scale are counted once (they are drawn under the last panel). A stack of panels of rows only grows its rows,
    to three times their height at most."""
    chrome = [_chrome_px(c, fit, legends=not shared_legends or i == len(charts) - 1) for i, c in enumerate(charts)]
    charts = [c if isinstance(c.height, int) else _rows_at_least(c, fit.least_px) for c in charts]
    fixed = sum(_rows_px(c) for c in charts if not isinstance(c.height, int))
    heights = [c.height for c in charts if isinstance(c.height, int)]
    room = fit.height - fit.axis_px - sum(chrome)
    if not heights:
        grow = min(3.0, room / fixed) if fixed else 1.0
        return [_with_height(c, alt.Step(int(c.height.step * grow))) if grow > 1 else c for c in charts]
    scale = max(room - fixed, fit.least_px * len(heights)) / sum(heights)
    return [_with_height(c, max(fit.least_px, int(c.height * scale))) if isinstance(c.height, int) else c
            for c in charts]


def _rows_at_least(chart, least_px: int):
    """A panel of rows given rows tall enough that it takes `least_px` (two imaging findings took 56 px)."""
    rows = max(1, _rows_px(chart) // max(1, int(getattr(chart.height, "step", 0) or 1)))
    step = int(getattr(chart.height, "step", 0) or 0)
    return _with_height(chart, alt.Step(-(-least_px // rows))) if step * rows < least_px else chart


def _with_height(chart, height):
    """The panel (built for this stack, owned by it) given its height: `properties` would copy it whole first."""
    chart.height = height
    return chart


LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "strokeDash")


def _chrome_px(chart, fit: StackFit, legends: bool = True) -> int:
    """What a panel takes besides its plot: padding, its title and subtitle lines (and the room for therapy
    labels under them), and its legends, an entry a line."""
    title = chart.title if isinstance(chart.title, alt.TitleParams) else None
    subtitle = getattr(title, "subtitle", alt.Undefined) if title is not None else alt.Undefined
    lines = (1 if title is not None else 0) + (len(subtitle) if isinstance(subtitle, list)
                                               else int(isinstance(subtitle, str) and bool(subtitle)))
    offset = getattr(title, "offset", 0) if title is not None else 0
    shown: dict[str, int] = {}
    for layer in getattr(chart, "layer", None) or [chart]:
        channels, data = getattr(layer.encoding, "_kwds", {}), getattr(layer, "data", None)
        for channel in LEGEND_CHANNELS:
            kwds = getattr(channels.get(channel), "_kwds", None)
            if not kwds or kwds.get("legend") is None or kwds.get("scale") is None:
                continue  # no such channel, or drawn without a legend (a colour given as is)
            field = kwds.get("field") if isinstance(kwds.get("field"), str) else kwds.get("shorthand")
            if not isinstance(field, str):
                continue
            name = field.split(":")[0]
            entries = distinct(data, name)
            entries = 1 if entries is None else entries
            legend = kwds.get("legend")
            key = str(getattr(legend, "_kwds", {}).get("title", name))
            shown[key] = max(shown.get(key, 0), int(entries))
    heights = [fit.legend_px + entries * fit.entry_px for entries in shown.values()] if legends else []
    legend_px = (max(heights, default=0) if fit.legends_in_a_row else sum(heights))
    return fit.panel_px + lines * fit.line_px + (offset if isinstance(offset, int) else 0) + legend_px


def _rows_px(chart) -> int:
    """The height of a panel of rows (``height=alt.Step(px)``): px per row times the rows its y field has."""
    step = getattr(chart.height, "step", 0) or 0
    rows = 1
    for layer in getattr(chart, "layer", None) or [chart]:
        y = getattr(getattr(layer, "encoding", None), "y", None)
        field = getattr(y, "field", None)
        field = field if isinstance(field, str) else getattr(y, "shorthand", None)
        data = getattr(layer, "data", None)
        if isinstance(field, str):
            rows = max(rows, distinct(data, field.split(":")[0]) or 0)
    return int(step * rows)


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
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, fontSize=theme.font(16), anchor="start",
                           frame="group", font=theme.FONT, subtitleFont=theme.FONT, subtitleFontSize=theme.font(14),
                           offset=8 + (BAND_LABEL_ROOM if band_labels else 0))
