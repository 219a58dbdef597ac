"""The one Altair theme of the dashboard and its exports: large type, colour-blind-safe colours per kind
and per drug (the palette and the drug colours: palette.py).

Importing this module registers and enables the theme ``THEME_NAME``, so a chart renders the same in
Streamlit (``st.altair_chart(chart, theme=None)``) and in a static export (``vl_convert``), and lifts Altair's
5,000-row guard (``every_row``), so a chart of a long case or a large cohort is never refused.
"""

from __future__ import annotations

import contextlib
import contextvars

import altair as alt

# The one palette and the one drug-to-colour mapping (palette.py), here too for the builders that read the theme.
from .palette import (  # noqa: F401
    DRUG_COLORS,
    PALETTE,
    THERAPY_PALETTE,
    SharedColors,
    drug_agents,
    drug_color,
    drug_key,
    shared_colors,
    therapy_colors,
    tint,
)

THEME_NAME = "tumor_board"

# Liberation Sans has Arial's metrics: the browser (Arial/Helvetica) and vl-convert (Liberation) lay text out alike.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
TEXT_COLOR = "#222222"
MUTED_COLOR = "#555555"
GRID_COLOR = "#e3e3e3"
LABEL_SIZE = 14  # axis labels, legend labels, mark labels: legible from the back of the room at 1280x720
TITLE_SIZE = 16
CHART_TITLE_SIZE = 20

# One colour per event kind of the registry (timelines/kinds.py), and "death", drawn apart from other status events.
# Kinds sit in their own lanes and have their own symbol, so colour is a second cue there, not the only one.
# Systemic therapies have neither colour nor symbol of their kind: they are bars in their drug's colour (drug_color).
# The kinds' colours are a set of their own, muted (CIELAB chroma 40 or less) but progression's red and death's black,
# and held apart from the drugs: every kind colour is at least palette.KIND_MIN_DELTA_E (CIEDE2000) from every
# palette colour, as far as two drugs are from each other, so a radiotherapy is never read as a drug's bar (a test
# measures every pair); the kinds are about 20 apart from each other.
KIND_COLORS = {
    "symptom": "#583000",  # dark brown
    "diagnosis": "#302040",  # aubergine
    "biopsy": "#006860",  # dark teal
    "molecular": "#585898",  # slate violet
    "surgery": "#003800",  # dark green
    "radiotherapy": "#B08858",  # tan
    "supportive": "#808880",  # warm grey
    "imaging": "#A088C8",  # lavender grey
    "lab": "#687030",  # olive
    "response": "#00A0A8",  # muted teal
    "progression": "#CC0000",  # red
    "adverse_event": "#C07070",  # dusty rose
    "status": "#555555",
    "other": "#580018",  # maroon
    "death": "#000000",
}
UNKNOWN_KIND_COLOR = "#777777"
# One colour per lesion of a lesion chart, in order: muted, from the kinds' set, apart from every drug colour (their
# therapy bands run behind the lesions) and from the RECIST categories' teal and red. Before: the drug palette, so
# the first lesion was alectinib's blue under alectinib's band.
LESION_COLORS = ("#585898", "#583000", "#006860", "#687030", "#C07070", "#B08858", "#A088C8", "#580018")

# Symbols for point events (systemic therapies are always intervals: bars or stubs). Vega symbols accept SVG paths
# on a [-1, 1] square. The right-pointing triangle is kept for the "ongoing" arrow and the diagonal cross for
# death, so neither can be mistaken for an event kind.
_STAR = ("M0,-1L0.235,-0.324L0.951,-0.309L0.38,0.124L0.588,0.809L0,0.4L-0.588,0.809L-0.38,0.124L-0.951,-0.309"
         "L-0.235,-0.324Z")
_SPARK = "M0,-1L0.25,-0.25L1,0L0.25,0.25L0,1L-0.25,0.25L-1,0L-0.25,-0.25Z"  # a four-pointed star
_PENTAGON = "M0,-1L0.951,-0.309L0.588,0.809L-0.588,0.809L-0.951,-0.309Z"
_HEXAGON = "M0,-1L0.866,-0.5L0.866,0.5L0,1L-0.866,0.5L-0.866,-0.5Z"
_OCTAGON = "M-0.414,-1L0.414,-1L1,-0.414L1,0.414L0.414,1L-0.414,1L-1,0.414L-1,-0.414Z"
_BOWTIE = "M-1,-0.8L0,-0.15L1,-0.8L1,0.8L0,0.15L-1,0.8Z"
_BAR = "M-0.4,-1L0.4,-1L0.4,1L-0.4,1Z"
DEATH_SHAPE = "M-1,-0.75L-0.75,-1L0,-0.25L0.75,-1L1,-0.75L0.25,0L1,0.75L0.75,1L0,0.25L-0.75,1L-1,0.75L-0.25,0Z"
ARROW_SHAPE = "triangle-right"
KIND_SHAPES = {
    "symptom": _PENTAGON,
    "diagnosis": _STAR,
    "biopsy": "triangle-down",
    "molecular": _HEXAGON,
    "surgery": "square",
    "radiotherapy": "diamond",
    "supportive": "triangle-left",
    "imaging": "circle",
    "lab": "cross",
    "response": "triangle-up",
    "progression": _OCTAGON,
    "adverse_event": _BOWTIE,
    "status": _BAR,
    "other": _SPARK,
    "death": DEATH_SHAPE,
}
UNKNOWN_KIND_SHAPE = "circle"

def kind_color(kind: str) -> str:
    return KIND_COLORS.get(kind, UNKNOWN_KIND_COLOR)


def kind_shape(kind: str) -> str:
    return KIND_SHAPES.get(kind, UNKNOWN_KIND_SHAPE)


# The type scale a chart is being built for (components.charts.display.Display: font_scale, least_font): every font
# size of the theme and of the marks goes through `font`, every room for text (label limits) through `room`, so a
# tumor board's larger type is built into the chart, never patched into its spec afterwards.
_TYPE_SCALE: contextvars.ContextVar[tuple[float, int]] = contextvars.ContextVar("type_scale", default=(1.0, 0))


@contextlib.contextmanager
def type_scale(scale: float = 1.0, least: int = 0):
    """Build (and serialise) charts with every font size times `scale`, at least `least` px."""
    token = _TYPE_SCALE.set((scale, least))
    try:
        yield
    finally:
        _TYPE_SCALE.reset(token)


def font(px: float) -> float:
    """A font size in the type scale being built for."""
    scale, least = _TYPE_SCALE.get()
    return px if scale == 1.0 and not least else max(least, round(px * scale))


def text_scale() -> float:
    """How much larger than its own sizes the type scale being built for draws text."""
    return _TYPE_SCALE.get()[0]


def room(px: float) -> float:
    """Room for text (a label limit) in the type scale being built for: the same words in larger type."""
    scale, _ = _TYPE_SCALE.get()
    return px if scale == 1.0 else round(px * scale)


# Where legends go (Display.legends): the theme's row under the plot (slides and images), stacked one under the
# other (the page: the plot fits the page's width, and two legends in a row ran past its right edge), side by side
# under each panel (a board's stack, one screen high), or in one column beside the plot (a board's timeline).
LEGEND_LAYOUTS = {
    "bottom": {},
    "stacked": {"layout": {"bottom": {"direction": "vertical", "anchor": "start", "margin": 10}}},
    "row": {"layout": {"bottom": {"direction": "horizontal", "anchor": "start", "margin": 10}}},
    "beside": {"orient": "right", "layout": {}},
}
LEGEND_BESIDE_LABEL_PX = 190  # a legend beside the plot: labels cut here (full in the tooltips)


def legend(where: str = "bottom", **kwds) -> alt.Legend:
    """A legend laid out for `where` (LEGEND_LAYOUTS): beside the plot, one column of cut labels."""
    if where == "beside":
        kwds.update(columns=1, labelLimit=room(LEGEND_BESIDE_LABEL_PX), orient="right")
    elif "labelLimit" in kwds:
        kwds["labelLimit"] = room(kwds["labelLimit"])
    return alt.Legend(**kwds)


def tumor_board_theme() -> alt.theme.ThemeConfig:
    """Large type for a projected 1280x720 screen, light grid, no frame around the plot (in the type scale being
    built for: `type_scale`)."""
    label = {"labelFontSize": font(LABEL_SIZE), "labelColor": TEXT_COLOR, "labelFont": FONT}
    title = {"titleFontSize": font(TITLE_SIZE), "titleColor": TEXT_COLOR, "titleFont": FONT,
             "titleFontWeight": "bold"}
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": 10,
            "view": {"stroke": None, "continuousHeight": 300},
            "axis": {**label, **title, "gridColor": GRID_COLOR, "domainColor": MUTED_COLOR,
                     "tickColor": MUTED_COLOR, "titlePadding": 10, "labelPadding": 6},
            # Point marks default to 0.7 opacity and their legend symbols inherit it: solid symbols read better.
            "legend": {**label, **title, "symbolSize": 180, "symbolStrokeWidth": 2, "symbolOpacity": 1,
                       "rowPadding": 6, "columnPadding": 18, "titlePadding": 8, "labelLimit": room(320), "padding": 5,
                       "orient": "bottom"},
            "header": {"labelFontSize": font(TITLE_SIZE), "titleFontSize": font(TITLE_SIZE), "labelFont": FONT,
                       "titleFont": FONT, "labelColor": TEXT_COLOR},
            "title": {"fontSize": font(CHART_TITLE_SIZE), "subtitleFontSize": font(LABEL_SIZE), "anchor": "start",
                      "font": FONT, "subtitleFont": FONT, "color": TEXT_COLOR, "subtitleColor": MUTED_COLOR,
                      "offset": 10},
            "text": {"fontSize": font(LABEL_SIZE), "font": FONT, "color": TEXT_COLOR},
            "range": {"category": list(PALETTE)},
            "concat": {"spacing": 18},
        }
    }


alt.theme.register(THEME_NAME, enable=True)(tumor_board_theme)


def every_row() -> None:
    """Let a chart carry every row it draws: Altair's default data transformer without its 5,000-row guard.

    The guard keeps a notebook from embedding a large frame by accident; the chart builders here are handed
    exactly the rows they draw (a 10,000-event case has ~7,000 lesion measurements, a cohort of 1,000 patients
    ~10,000 swimmer rows), and thinning them would hide values a reader must be able to hover and trace to the
    source. What bounds a chart is the loader's limits on a case file (cases/README.md, "Limits")."""
    alt.data_transformers.enable("default", max_rows=None)


def enable_theme() -> None:
    """Make the tumor-board theme the active Altair theme, with every row kept (both are already so after
    import; idempotent)."""
    alt.theme.enable(THEME_NAME)
    every_row()


every_row()
