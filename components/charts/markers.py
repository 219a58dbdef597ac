"""Markers (tumour markers and other lab values) as small multiples: one panel per marker on one time axis,
values in words as marks of their own.
"""

from __future__ import annotations

from functools import partial

import altair as alt
import pandas as pd

from . import theme
from .axis import (
    POINT_SIZE,
    SPAN_OPACITY,
    TimeAxis,
    _as_objects,
    _axis_domain,
    _check_width,
    _day_columns,
    _domain_days,
    _empty_chart,
    _extent_days,
    _tooltip,
    layered,
    time_axis,
)
from .bands import _band_layers, _has_bands
from .panels import (
    BAND_LABEL_ROOM,
    StackFit,
    _certainty_opacity,
    _outline,
    _PanelAxis,
    _spans,
    _stack,
    _when_measured,
    _with_current_therapy,
)
from .rows import inline

FLAG_COLORS = {"high": "#D55E00", "low": "#0072B2", "normal": "#009E73", "not stated": "#555555"}


FLAG_ARROWS = {"high": " ↑", "low": " ↓"}


_MARKER_TOOLTIP = (("marker", "Marker"), ("value_text", "Value"), ("flag_text", "Flag"), ("ref_text", "Reference"),
                   ("finding", "Finding"), ("when", "When"), ("source", "Source table"), ("quote", "Source"))


MARKER_PANEL_HEIGHT = 72


FINDING_PANEL_HEIGHT = 28


REFERENCE_COLOR = "#009E73"


def marker_chart(markers: pd.DataFrame, *, therapy_bands: pd.DataFrame | None = None, axis: str = "calendar",
                 unit: str = "months", day_zero_label: str = "first diagnosis", width: int | None = None,
                 domain=None, fit: StackFit | None = None, split: bool = False) -> alt.VConcatChart | alt.Chart | list:
    """Marker values over time as small multiples: one panel per marker, each with its own y scale.

    Parameters
    ----------
    markers
        The marker table (``timelines.tables.marker_table``): lab values, ``value_text`` as written.
    therapy_bands
        ``therapy_bands(events)``: systemic therapy periods drawn as light bands behind every panel.
    axis, unit, day_zero_label, width, domain
        As for ``timeline_chart``.
    fit
        ``StackFit``: the height the panels are to take as drawn (the tumor board's screen); by default each
        panel keeps its own height.
    split
        The panels as a list of charts, one under the other, each titled without a y axis title (the page fits
        each to its width; Vega-Lite fits only a single or layered view); by default one stacked chart.

    Returns
    -------
    alt.VConcatChart
        Per marker: the reference range as a green band where ``ref_low``/``ref_high`` exist, values as a line
        and points labelled with the value, coloured by ``flag`` (high: vermillion ↑, low: blue ↓, normal: green,
        not stated: grey), hollow with a faded span when the date is uncertain. A value reported only in words
        (``finding``, e.g. "decreased") beside numbers is a dashed vertical rule with the word, never a point at
        a made-up height; a marker with no number at all gets a one-line panel of labelled marks. Therapy bands
        behind every panel. A chart that says "No marker values in this case" when the table is empty.
    """
    width = _check_width(width)
    if markers is None or markers.empty:
        return _empty_chart("No marker values in this case", width)
    tax = time_axis(axis, unit, day_zero_label, therapy_bands, markers)
    df = _marker_frame(markers, tax)
    extent = _extent_days(df["day_start"], df["day_start_earliest"], df["day_start_latest"])
    window = _domain_days(tax, domain, _with_current_therapy(extent, therapy_bands))
    panels = _PanelAxis(tax, _axis_domain(tax, window), window)
    df = _spans(df, tax.at, window)
    flags = set(df.loc[df["value"].notna(), "flag_text"])
    builders = []
    for i, (_, rows) in enumerate(marker_groups(df)):
        if rows["value"].notna().any():
            builders.append(partial(_marker_panel, rows, therapy_bands, width=width, top=i == 0, flags=flags))
        else:
            builders.append(partial(_finding_panel, rows, therapy_bands, width=width, top=i == 0))
    return _stack(builders, panels, colors="shared", fit=fit, split=split)


def _marker_frame(markers: pd.DataFrame, tax: TimeAxis) -> pd.DataFrame:
    df = _as_objects(markers.reset_index(drop=True))
    df[_day_columns(df).columns] = _day_columns(df)
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    for limit in ("ref_low", "ref_high"):
        df[limit] = pd.to_numeric(df[limit], errors="coerce")
    df["x"] = tax.at(df["day_start"])

    # The number as the file writes it ('7.0'), kept apart before value_text becomes '7.0 g/dL'.
    df["written"] = df["value_text"].fillna("").astype(str) if "value_text" in df else ""
    df["flag_text"] = df["flag"].fillna("").replace("", "not stated")
    df["value_text"] = [_value_text(r) for r in df.itertuples()]
    df["label_text"] = [f"{_written(r)}{FLAG_ARROWS.get(r.flag, '')}" if pd.notna(r.value) else ""
                        for r in df.itertuples()]
    df["ref_text"] = [_ref_text(r) for r in df.itertuples()]
    df["when"] = _when_measured(df, tax)
    return df


def _written(row) -> str:
    """The number as the case file writes it ('7.0 g/dL', not '7'); the plotted number where it is not given."""
    written = getattr(row, "written", "")
    return written if isinstance(written, str) and written else f"{row.value:g}"


def _value_text(row) -> str:
    if pd.isna(row.value):
        return row.finding or ""
    return f"{_written(row)} {row.unit}".strip() + (f" ({row.finding})" if row.finding else "")


def _ref_text(row) -> str:
    if pd.isna(row.ref_low) and pd.isna(row.ref_high):
        return ""
    low = "" if pd.isna(row.ref_low) else f"{row.ref_low:g}"
    high = "" if pd.isna(row.ref_high) else f"{row.ref_high:g}"
    return f"{low}–{high} {row.unit}".strip()


MARKER_SECTIONS = {"marker": "Tumor marker", "molecular": "Molecular", "lab": "Other lab"}


def marker_groups(df: pd.DataFrame):
    """Markers in panel order, kept apart by what they are: tumour markers, molecular abundances, then other
    labs (blood counts, enzymes...), each by first date."""
    first = df.groupby("marker")["day_start"].transform("min")
    kind = df["group"] if "group" in df else df["source"].map({"lab": "marker", "molecular": "molecular"})
    source = kind.map({name: i for i, name in enumerate(MARKER_SECTIONS)}).fillna(len(MARKER_SECTIONS))
    ordered = df.assign(_source=source, _first=first).sort_values(["_source", "_first", "marker", "day_start"],
                                                                  kind="stable")
    return ordered.groupby("marker", sort=False)


def _flag_color(present: set[str], legend: bool = True) -> alt.Color:
    """Flag colours, one scale for every panel; the legend lists the flags this case has."""
    flags = [f for f in FLAG_COLORS if f in present]
    return alt.Color("flag_text:N", scale=alt.Scale(domain=flags, range=[FLAG_COLORS[f] for f in flags]),
                     legend=alt.Legend(title="Flag", orient="bottom") if legend else None)


def _marker_title(rows: pd.DataFrame, numeric: bool = True, band_labels: bool = False) -> alt.TitleParams:
    """'NSE (ng/ml) · reference 5–15 ng/ml' on one line: seven markers must fit on a screen."""
    name, unit = rows["marker"].iloc[0], rows["unit"].iloc[0]
    section = MARKER_SECTIONS.get(rows["group"].iloc[0], "") if "group" in rows else ""
    refs = rows["ref_text"][rows["ref_text"].ne("")]
    note = (f"reference {refs.iloc[0]}" if not refs.empty else "no reference range given") if numeric \
        else "reported in words only"
    return alt.TitleParams(text=(f"{section}: " if section else "") + f"{name}" + (f" ({unit})" if unit else "")
                           + f"  ·  {note}", fontSize=theme.font(15),
                           anchor="start", frame="group", font=theme.FONT,
                           offset=6 + (BAND_LABEL_ROOM if band_labels else 0))


def _marker_panel(rows: pd.DataFrame, bands, panels: _PanelAxis, *, width: int, top: bool,
                  flags: set[str]) -> alt.LayerChart:
    """One marker: reference band, values as a line and labelled points, word-only values as hollow marks."""
    data = rows[["x", "x_lo", "x_hi", "value", "certainty", "label_text", "ref_low", "ref_high"]
                + [f for f, _ in _MARKER_TOOLTIP]]
    tooltip = _tooltip(data, _MARKER_TOOLTIP)
    values = data[data["value"].notna()]
    color = _flag_color(flags, panels.legends)
    # Headroom above the largest value (or reference limit), so a point and its label are never cut at the top.
    ceiling = max(values["value"].max(), values["ref_high"].max() if values["ref_high"].notna().any() else 0) * 1.3
    y = alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, ceiling or 1], nice=True),
              axis=alt.Axis(tickCount=2))
    base = alt.Chart(inline(values)).encode(x=panels.x("x"), y=y)
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=top, window=panels.window,
                          width=width)
    layers += _reference_band(values, y)
    layers += [
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi"), color=color).transform_filter(
            "datum.certainty === 'uncertain'"),
        base.mark_line(strokeWidth=2.5, color=theme.MUTED_COLOR, clip=True),
        base.mark_point(filled=True, size=POINT_SIZE, strokeWidth=3, opacity=1, clip=True).encode(
            color=color, stroke=_outline(color), fillOpacity=_certainty_opacity(), tooltip=tooltip),
        base.mark_text(align="left", dx=10, dy=-8, fontSize=theme.font(14), fontWeight="bold", clip=False).encode(
            text=alt.Text("label_text:N"), color=color),
    ]
    words = data[data["value"].isna() & data["finding"].ne("")]
    if not words.empty:
        layers += _word_rules(words, panels, tooltip)
    return layered(*layers, width=width, height=MARKER_PANEL_HEIGHT,
                     title=_marker_title(rows, band_labels=top and _has_bands(bands)))


def _reference_band(values: pd.DataFrame, y: alt.Y) -> list[alt.Chart]:
    """The reference range as a band across the panel (from 0 when only an upper limit is given)."""
    refs = values[values["ref_low"].notna() | values["ref_high"].notna()]
    if refs.empty:
        return []
    low = refs["ref_low"].dropna().min() if refs["ref_low"].notna().any() else 0.0
    high = refs["ref_high"].dropna().max() if refs["ref_high"].notna().any() else float(values["value"].max())
    band = pd.DataFrame({"value": [low], "ref_high": [high], "ref_text": [refs["ref_text"].iloc[0]]})
    return [alt.Chart(inline(band)).mark_rect(color=REFERENCE_COLOR, opacity=0.15).encode(
        x=alt.XValue(0), x2=alt.X2Value("width"), y=y, y2=alt.Y2("ref_high:Q"),
        tooltip=alt.Tooltip("ref_text:N", title="Reference range"))]


def _word_rules(words: pd.DataFrame, panels: _PanelAxis, tooltip) -> list[alt.Chart]:
    """A value given only in words ('decreased') beside numbers: a dashed rule across the panel with the word on
    top. A symbol would sit at some height and read as a value it does not have."""
    base = alt.Chart(inline(words)).encode(x=panels.x("x"))
    return [
        base.mark_rect(opacity=SPAN_OPACITY / 2, color=theme.MUTED_COLOR, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi")).transform_filter("datum.certainty === 'uncertain'"),
        base.mark_rule(strokeDash=[5, 4], strokeWidth=2, color=theme.TEXT_COLOR, clip=True).encode(tooltip=tooltip),
        base.mark_text(align="left", baseline="top", dx=5, y=3, fontSize=theme.font(14), fontStyle="italic",
                       fontWeight="bold", clip=False).encode(text=alt.Text("finding:N"), tooltip=tooltip),
    ]


def _word_marks(words: pd.DataFrame, panels: _PanelAxis, tooltip, y_px: float) -> list[alt.Chart]:
    """Values in words on a marker with no number at all: a hollow diamond and the word, on one line."""
    base = alt.Chart(inline(words)).encode(x=panels.x("x"), y=alt.YValue(y_px))
    return [
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, color=theme.MUTED_COLOR, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi")).transform_filter("datum.certainty === 'uncertain'"),
        base.mark_point(shape="diamond", size=POINT_SIZE, strokeWidth=2, filled=False, opacity=1,
                        color=theme.TEXT_COLOR, clip=True).encode(tooltip=tooltip),
        base.mark_text(align="left", dx=12, fontSize=theme.font(14), fontStyle="italic", clip=False).encode(
            text=alt.Text("finding:N"), tooltip=tooltip),
    ]


def _finding_panel(rows: pd.DataFrame, bands, panels: _PanelAxis, *, width: int, top: bool) -> alt.LayerChart:
    """A marker reported only in words ('negative', 'not elevated'): a one-line panel of labelled marks."""
    data = rows[["x", "x_lo", "x_hi", "certainty"] + [f for f, _ in _MARKER_TOOLTIP]]
    tooltip = _tooltip(data, _MARKER_TOOLTIP)
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=top, window=panels.window,
                          width=width)
    layers += _word_marks(data, panels, tooltip, FINDING_PANEL_HEIGHT / 2)
    return layered(*layers, width=width, height=FINDING_PANEL_HEIGHT,
                     title=_marker_title(rows, numeric=False, band_labels=top and _has_bands(bands)))
