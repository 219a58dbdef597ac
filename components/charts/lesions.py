"""Lesions and RECIST 1.1: the lesion chart (size per lesion, the sum of target diameters against the RECIST
lines, imaging findings without a size) and ``assessment_frame``, the assessments with their reference lines.
"""

from __future__ import annotations

from functools import partial

import altair as alt
import pandas as pd

from timelines.kinds import kind_named
from timelines.measures import PD_MIN_MM, PD_THRESHOLD, PR_THRESHOLD, pd_threshold, pr_threshold
from timelines.text import signed_percent
from timelines.time.when import say_days

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
    _when_of,
    layered,
    time_axis,
)
from .bands import _band_layers, _has_bands
from .panels import (
    BAND_LABEL_ROOM,
    StackFit,
    _certainty_opacity,
    _outline,
    _panel_title,
    _PanelAxis,
    _spans,
    _stack,
    _when_measured,
    _with_current_therapy,
)
from .rows import inline

# In the kinds' colours, apart from every drug colour (theme.KIND_COLORS): better in a response's teal, worse in
# progression's red. Before: alectinib's blue, osimertinib's vermillion and gefitinib's pink, over the therapy bands.
TREND_COLORS = {"decreased": "#00A0A8", "resolved": "#00A0A8", "stable": "#555555", "mixed": "#A088C8",
                "increased": "#CC0000", "new": "#CC0000", "not stated": "#777777"}


# Better (teal), worse (red), neither (grey, lavender): colour for the gist, a shape of its own for each trend.
TREND_SHAPES = {"decreased": "triangle-down", "resolved": "diamond", "stable": "circle", "mixed": "square",
                "increased": "triangle-up", "new": "cross", "not stated": "stroke"}


ASSESSMENT_COLUMNS = ("day", "event_id", "sum_mm", "baseline_mm", "nadir_mm", "change_from_baseline_pct",
                      "change_from_nadir_pct", "category", "reason", "pr_threshold_mm", "pd_threshold_mm",
                      "nadir_after_mm", "next_pd_threshold_mm")


def assessment_frame(assessments) -> pd.DataFrame:
    """RECIST 1.1 assessments (``timelines.endpoints.clinical.recist``) as a table, with the reference lines of each scan.

    Columns are those of ``Assessment`` plus:

    - ``pr_threshold_mm``: 0.7 x baseline, the sum at or below which a scan is a partial response;
    - ``pd_threshold_mm``: the sum at or above which this scan is progression, from the nadir before it:
      max(1.2 x nadir, nadir + 5 mm) (so a nadir of 20 mm gives 25 mm, of 30 mm gives 36 mm);
    - ``nadir_after_mm`` and ``next_pd_threshold_mm``: the nadir once this scan counts, and the threshold the
      next scan is held to (the running nadir drawn as a step line).
    """
    rows = [dict(vars(a)) if not isinstance(a, dict) else dict(a) for a in assessments or []]
    frame = pd.DataFrame(rows, columns=list(ASSESSMENT_COLUMNS[:9]))
    if frame.empty:
        return pd.DataFrame(columns=list(ASSESSMENT_COLUMNS))
    frame["pr_threshold_mm"] = frame["baseline_mm"].astype(float).map(pr_threshold)
    frame["pd_threshold_mm"] = frame["nadir_mm"].astype(float).map(pd_threshold)
    sums = pd.to_numeric(frame["sum_mm"], errors="coerce")
    frame["nadir_after_mm"] = pd.concat([frame["nadir_mm"].astype(float), sums], axis=1).min(axis=1)
    frame["next_pd_threshold_mm"] = frame["nadir_after_mm"].map(pd_threshold)
    return frame[list(ASSESSMENT_COLUMNS)]


_LESION_TOOLTIP = (("lesion_label", "Lesion"), ("target_text", "RECIST"), ("size_text", "Size as written"),
                   ("recist_text", "Size used"), ("when", "When"), ("measured_on", "Measured on"), ("quote", "Source"))


_SUM_TOOLTIP = (("category", "RECIST 1.1"), ("sum_text", "Sum of target diameters"), ("change_text", "Change"),
                ("threshold_text", "Reference lines"), ("reason", "Why"), ("when", "When"))


def lesion_chart(measurements: pd.DataFrame, assessments: pd.DataFrame | None = None, *,
                 therapy_bands: pd.DataFrame | None = None, imaging: pd.DataFrame | None = None,
                 axis: str = "calendar", unit: str = "months", day_zero_label: str = "first diagnosis",
                 width: int | None = None, domain=None, fit: StackFit | None = None,
                 split: bool = False, lesions: tuple[str, ...] | None = None) -> alt.VConcatChart | alt.Chart | list:
    """Lesion sizes over time, the sum of target diameters against the RECIST 1.1 lines, and imaging findings.

    Parameters
    ----------
    measurements
        The measurement table (``timelines.tables.measurement_table``).
    assessments
        ``assessment_frame(recist(timeline))``; without it the sum panel is left out.
    therapy_bands
        ``therapy_bands(events)``: systemic therapy periods, drawn as light bands behind every panel.
    imaging
        The imaging rows of the event table. Those without a measurement are shown in a panel of their own, as
        a symbol (by the trend stated: decreased, stable, increased/new) with the finding as written, so a case
        without sizes still shows what imaging found.
    axis, unit, day_zero_label, width, domain
        As for ``timeline_chart``.
    fit
        ``StackFit``: the height the panels are to take as drawn (the tumor board's screen); by default each
        panel keeps its own height.
    split
        The panels as a list of charts, one under the other, each titled without a y axis title (the page fits
        each to its width; Vega-Lite fits only a single or layered view); by default one stacked chart.
    lesions
        The lesions (``lesion_label``) whose panels are drawn (a tumor board's page of them); None: every one. The
        sum panel, the imaging findings and the time axis are those of every measurement whatever is drawn, so
        the pages of a board share one axis and a measured scan is never taken for one without a size.

    Returns
    -------
    alt.VConcatChart
        Panels on one time axis:

        1. one panel per lesion, each with its own y scale and titled with the lesion: size (mm; longest
           diameter, short axis for nodes), dashed for non-target lesions, each value labelled;
        2. the sum of target diameters with the RECIST 1.1 lines: partial response at 0.7 x baseline
           (horizontal) and progression at max(1.2 x nadir, nadir + 5 mm) from the running nadir (a step line
           that drops with the nadir); each scan labelled with its category and its change from baseline;
        3. imaging findings reported without a size.

        A chart that says "No measurements in this case" when there is nothing to draw.
    """
    width = _check_width(width)
    measurements = measurements if measurements is not None else pd.DataFrame()
    assessments = assessments if assessments is not None else pd.DataFrame(columns=list(ASSESSMENT_COLUMNS))
    changes = measurements["size_status"].eq("qualitative") if "size_status" in measurements else None
    if changes is not None and changes.any():  # a lesion's change in words has no size: shown with the findings
        changes, measurements = measurements[changes], measurements[~changes].reset_index(drop=True)
    else:
        changes = None
    findings = _qualitative_imaging(imaging, measurements, changes)
    drawn = measurements if lesions is None or measurements.empty else \
        measurements[measurements["lesion_label"].isin(lesions)]
    if drawn.empty and findings.empty and assessments.empty:
        return _empty_chart("No measurements in this case", width)
    tax = time_axis(axis, unit, day_zero_label, therapy_bands, imaging, measurements)
    extent = _extent_days(measurements.get("day_start"), measurements.get("day_start_earliest"),
                          measurements.get("day_start_latest"), findings.get("day_start"),
                          findings.get("day_start_earliest"), findings.get("day_start_latest"),
                          pd.Series(assessments["day"], dtype="float64"))
    window = _domain_days(tax, domain, _with_current_therapy(extent, therapy_bands))
    panels = _PanelAxis(tax, _axis_domain(tax, window), window)
    builders = []  # each takes the shared x axis, told whether it is the bottom panel
    if not drawn.empty:
        builders += _lesion_builders(drawn, therapy_bands, width)
    if not assessments.empty:
        builders.append(partial(_sum_panel, assessments, measurements, therapy_bands, width=width))
    if not findings.empty:
        alone = not builders
        builders.append(partial(_findings_panel, findings, therapy_bands, width=width, top=alone,
                                note="No lesion sizes are reported in this case" if alone else ""))
    return _stack(builders, panels, fit=fit, split=split)


def _qualitative_imaging(imaging: pd.DataFrame | None, measurements: pd.DataFrame,
                         changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Imaging events that measured nothing, with the trend the case states (decreased, new...); a lesion's
    change given in words ('significant reduction in the left lower lobe lesion') is one of these, named."""
    if imaging is None or imaging.empty:
        return pd.DataFrame(columns=["event_id", "label", "trend", "day_start"])
    measured = set(measurements["event_id"]) if not measurements.empty else set()
    worded = set(changes["event_id"]) if changes is not None else set()
    found = imaging[~imaging["event_id"].isin(measured) | imaging["event_id"].isin(worded)]
    found = found.reset_index(drop=True).copy()
    found[_day_columns(found).columns] = _day_columns(found)
    found["trend"] = found["trend"].fillna("")
    found["finding"] = found["finding"].fillna("")
    if changes is not None:
        said = {event: "; ".join(f"{label} {change}" for label, change in zip(g["lesion_label"], g["change"]))
                for event, g in changes.groupby("event_id", sort=False)}
        alike = {event: c.iloc[0] if c.nunique() == 1 else "mixed"
                 for event, c in changes.groupby("event_id", sort=False)["change"]}
        found["label"] = [f"{label}: {said[e]}" if e in said else label
                          for e, label in zip(found["event_id"], found["label"])]
        found["trend"] = [trend or alike.get(e, "") for e, trend in zip(found["event_id"], found["trend"])]
    found["trend"] = found["trend"].replace("", "not stated")
    return found.sort_values(["day_start", "day_start_earliest"], kind="stable").reset_index(drop=True)


def _lesion_frame(measurements: pd.DataFrame, panels: _PanelAxis) -> pd.DataFrame:
    df = _as_objects(measurements.reset_index(drop=True))
    df[_day_columns(df).columns] = _day_columns(df)
    df["x"] = panels.at(df["day_start"])
    df = _spans(df, panels.at, panels.window)
    df["target_text"] = df["target"].map({True: "target lesion", False: "non-target lesion"})
    df["recist_text"] = df["recist_mm"].map(lambda v: f"{v:g} mm") + df["nodal"].map(
        {True: " (short axis: lymph node)", False: " (longest diameter)"})
    df["value_text"] = df["recist_mm"].map(lambda v: f"{v:g}")
    df["when"] = _when_measured(df, panels.tax)
    df["measured_on"] = _measured_on(df)
    return df


def _lesion_builders(measurements: pd.DataFrame, bands, width: int) -> list:
    """One panel per lesion, each with its own y scale: a 141 mm primary would squash a 26 -> 12 mm node into
    the floor of a shared one. Lesions in order of first measurement, each in its own colour."""
    lesions = list(dict.fromkeys(measurements.sort_values("day_start", kind="stable")["lesion_label"]))
    return [partial(_lesion_panel, measurements[measurements["lesion_label"].eq(lesion)], bands, width=width,
                    top=i == 0, color=theme.LESION_COLORS[i % len(theme.LESION_COLORS)]) for i, lesion in enumerate(lesions)]


LESION_PANEL_HEIGHT = 80


def _lesion_panel(measurements: pd.DataFrame, bands, panels: _PanelAxis, *, width: int, top: bool = True,
                  color: str = theme.LESION_COLORS[0]) -> alt.LayerChart:
    """One lesion's size: a line and labelled points, dashed when not a RECIST target, titled with the lesion."""
    df = _lesion_frame(measurements, panels)
    lesion = df["lesion_label"].iloc[0]
    color_enc = alt.Color("lesion_label:N", scale=alt.Scale(domain=[lesion], range=[color]), legend=None)
    dash = alt.StrokeDash("target_text:N", scale=alt.Scale(domain=["target lesion", "non-target lesion"],
                                                             range=[[1, 0], [6, 4]]), legend=None)
    data = df[["x", "x_lo", "x_hi", "lesion_label", "certainty", "value_text", "recist_mm"]
              + [f for f, _ in _LESION_TOOLTIP if f not in ("lesion_label",)]]
    tooltip = _tooltip(data, _LESION_TOOLTIP)
    # Headroom above the largest size, so its value label stays inside the panel.
    ceiling = float(pd.to_numeric(df["recist_mm"], errors="coerce").max()) * 1.35 or 10
    y = alt.Y("recist_mm:Q", title=panels.y_title("Size (mm)"), scale=alt.Scale(domain=[0, ceiling], nice=True),
              axis=alt.Axis(tickCount=3))
    base = alt.Chart(inline(data)).encode(x=panels.x("x"), y=y)
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=top, window=panels.window,
                          width=width) + [
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, clip=True).encode(
            x2=panels.x2("x_hi"), x=panels.x("x_lo"), color=color_enc).transform_filter(
            "datum.certainty === 'uncertain'"),
        base.mark_line(strokeWidth=3, clip=True).encode(color=color_enc, strokeDash=dash),
        base.mark_point(filled=True, size=POINT_SIZE, strokeWidth=3, opacity=1, clip=True).encode(
            color=color_enc, stroke=_outline(color_enc), fillOpacity=_certainty_opacity(), tooltip=tooltip),
        base.mark_text(dy=-14, fontSize=theme.font(13), fontWeight="bold", clip=False).encode(
            text=alt.Text("value_text:N"), color=color_enc),
    ]
    nodal = bool(df["nodal"].iloc[0])
    what = ("short axis, mm" if nodal else "longest diameter, mm") + " · " + df["target_text"].iloc[0]
    return layered(*layers, width=width, height=LESION_PANEL_HEIGHT, title=alt.TitleParams(
        text=f"{lesion}  ·  {what}", fontSize=theme.font(15), anchor="start", frame="group", font=theme.FONT,
        color=color,
        offset=6 + (BAND_LABEL_ROOM if top and _has_bands(bands) else 0)))


def _measured_on(df: pd.DataFrame) -> list[str]:
    """What measured each size: the scan's modality ('CT'), or the event and how ('Palpable mass (physical
    examination)') for a size found without a scan."""
    kinds = df["source_kind"] if "source_kind" in df else pd.Series("imaging", index=df.index)
    labels = df["source_label"] if "source_label" in df else pd.Series("", index=df.index)
    modality = df["modality"] if "modality" in df else pd.Series("", index=df.index)
    how = kinds.fillna("").map(_measured_how)  # the registry's word for a size found without a scan
    return [f"{label} ({said})" if said else str(scan or "")
            for said, label, scan in zip(how, labels.fillna(""), modality.fillna(""))]


def _measured_how(kind: str) -> str:
    known = kind_named(kind)
    return known.measured_how if known is not None else ""


# RECIST categories in the event kinds' colours (theme.KIND_COLORS), apart from every drug colour, as they are drawn
# over the therapy bands and beside the swimmer's bars: a response's teal (CR darker), progression's red, greys.
# Before: CR in ensartinib's green, PR in alectinib's blue, PD in osimertinib's vermillion.
CATEGORY_COLORS = {"baseline": "#333333", "CR": "#006860", "PR": "#00A0A8", "SD": "#666666", "PD": "#CC0000",
                   "NE": "#999999"}


PR_LINE_COLOR, PD_LINE_COLOR = CATEGORY_COLORS["PR"], CATEGORY_COLORS["PD"]


def _sum_panel(assessments: pd.DataFrame, measurements: pd.DataFrame, bands, panels: _PanelAxis, *,
               width: int) -> alt.LayerChart:
    """Sum of target diameters per scan, its RECIST category, and the PR and PD reference lines."""
    a = _sum_points(assessments, measurements, panels)
    scans = a[a["sum_mm"].notna()]
    categories = [c for c in CATEGORY_COLORS if c in set(a["category"])]
    color = alt.Color("category:N", scale=alt.Scale(domain=categories,
                                                    range=[CATEGORY_COLORS[c] for c in categories]), legend=None)
    scans = scans.assign(order=range(len(scans)))
    data = scans[["x", "sum_mm", "category", "tag", "order"] + [f for f, _ in _SUM_TOOLTIP if f != "category"]]
    # Room above the highest of the sums and both reference lines, for their labels.
    ceiling = a[["sum_mm", "pr_threshold_mm", "next_pd_threshold_mm"]].astype(float).max().max() * 1.45
    scale = alt.Scale(domain=[0, ceiling], nice=True)
    rows = inline(data)  # one conversion for both
    base = alt.Chart(rows).encode(x=panels.x("x"), y=alt.Y("sum_mm:Q", title=panels.y_title("Sum (mm)"), scale=scale))
    top = alt.Chart(rows).encode(x=panels.x("x"), tooltip=_tooltip(data, _SUM_TOOLTIP))  # no y: rows in px
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=False)
    layers += _reference_lines(a, panels, scale)
    layers += [base.mark_line(strokeWidth=3, color=theme.TEXT_COLOR, clip=True),
               base.mark_point(filled=True, size=POINT_SIZE * 1.2, opacity=1, clip=True).encode(
                   color=color, tooltip=_tooltip(data, _SUM_TOOLTIP)),
               # Category labels in two rows along the top, above their scan: never on a line, and labels of
               # scans close in time sit on different rows.
               top.mark_text(y=12, fontSize=theme.font(14), fontWeight="bold", clip=False).encode(
                   text=alt.Text("tag:N"), color=color).transform_filter("datum.order % 2 === 0"),
               top.mark_text(y=31, fontSize=theme.font(14), fontWeight="bold", clip=False).encode(
                   text=alt.Text("tag:N"), color=color).transform_filter("datum.order % 2 === 1")]
    unmeasured = a[a["sum_mm"].isna()]
    if not unmeasured.empty:  # NE: not every target measured, so there is no sum to place on the y axis
        layers.append(alt.Chart(inline(unmeasured[["x", "tag", "reason"]])).mark_text(
            y=12, fontSize=theme.font(14), fontWeight="bold", color=CATEGORY_COLORS["NE"]).encode(
            x=panels.x("x"), text=alt.Text("tag:N"), tooltip=alt.Tooltip("reason:N", title="Why")))
    notes = [f"Dashed: PR at {signed_percent(PR_THRESHOLD)} from baseline, until the first response; PD at "
             f"{signed_percent(PD_THRESHOLD)} and ≥ +{PD_MIN_MM:g} mm over the nadir",
             _single_target_note(measurements)]
    return layered(*layers, width=width, height=190, title=_panel_title(
        "Sum of target lesion diameters (mm), RECIST 1.1", [n for n in notes if n]))


def _sum_points(assessments: pd.DataFrame, measurements: pd.DataFrame, panels: _PanelAxis) -> pd.DataFrame:
    a = assessments.reset_index(drop=True).copy()
    scans = measurements.drop_duplicates("event_id").set_index("event_id") if not measurements.empty else None
    if scans is not None:  # a scan sits where its measurements do, even when the caller re-based day 0
        a["day"] = a["event_id"].map(pd.to_numeric(scans["day_start"], errors="coerce")).fillna(a["day"])
    a["x"] = panels.at(a["day"])
    said = _when_of(scans, panels.tax) if scans is not None else pd.Series(dtype=str)
    a["when"] = a["event_id"].map(said).fillna(a["day"].map(lambda d: say_days(d, d)))
    a["sum_text"] = a["sum_mm"].map(lambda v: "not measured" if pd.isna(v) else f"{v:g} mm")
    a["change_text"] = [_change_text(r) for r in a.itertuples()]
    a["threshold_text"] = [f"PR at or below {r.pr_threshold_mm:g} mm; PD at or above {r.pd_threshold_mm:g} mm "
                           f"(nadir {r.nadir_mm:g} mm)" for r in a.itertuples()]
    a["tag"] = [("baseline" if r.category == "baseline" else
                 r.category if pd.isna(r.change_from_baseline_pct) else
                 f"{r.category} {r.change_from_baseline_pct:+.0f}%".replace("-", "−")) for r in a.itertuples()]
    return a


def _change_text(row) -> str:
    if pd.isna(row.change_from_baseline_pct):
        return ""
    return (f"{row.change_from_baseline_pct:+.0f} % from baseline ({row.baseline_mm:g} mm), "
            f"{row.change_from_nadir_pct:+.0f} % from nadir ({row.nadir_mm:g} mm)")


def _reference_lines(a: pd.DataFrame, panels: _PanelAxis, scale: alt.Scale) -> list[alt.Chart]:
    """The RECIST 1.1 threshold that applies at each time, each labelled once, inside the plot.

    PR: a horizontal line at 0.7 x baseline, from the baseline scan to the first scan that reached PR or CR (after
    it, the question is progression). PD: a step line at max(1.2 x nadir, nadir + 5 mm) that follows the running
    nadir, each step starting at the scan that set the new nadir, on to the right edge. Drawn in full, the two
    crossed after a deep response (PR at 18.2 mm under PD at 17 mm) and read as a tangle."""
    end = panels.at([panels.window[1]]).iloc[0]
    first, last = a.iloc[0], a.iloc[-1]
    responded = a.index[a["category"].isin(["PR", "CR"])]
    pr_end = a.loc[responded[0], "x"] if len(responded) else end
    pr = pd.DataFrame({"x": [first["x"], pr_end], "mm": [first["pr_threshold_mm"]] * 2, "line": ["PR ≤"] * 2})
    pd_steps = pd.DataFrame({"x": list(a["x"]) + [end], "mm": list(a["next_pd_threshold_mm"])
                             + [last["next_pd_threshold_mm"]], "line": ["PD ≥"] * (len(a) + 1)})
    tooltip = [alt.Tooltip("line:N", title="RECIST 1.1"), alt.Tooltip("mm:Q", title="mm", format=".1f")]
    layers = []
    for data, color, interpolate in ((pr, PR_LINE_COLOR, "linear"), (pd_steps, PD_LINE_COLOR, "step-after")):
        base = alt.Chart(inline(data)).encode(x=panels.x("x"), y=alt.Y("mm:Q", title=panels.y_title("Sum (mm)"), scale=scale))
        layers.append(base.mark_line(color=color, strokeDash=[7, 4], strokeWidth=2, interpolate=interpolate,
                                     clip=True).encode(tooltip=tooltip))
        # Once, inside the plot: PR under the start of its line (the sums lie above it until a response, PD
        # above them), PD above the end of its own.
        below = data is pr
        end_row = (data.head(1) if below else data.tail(1)).assign(
            text=lambda d: d["line"] + " " + d["mm"].map(lambda v: f"{v:.3g}") + " mm")
        layers.append(alt.Chart(inline(end_row)).mark_text(align="left" if below else "right",
                                                   baseline="top" if below else "bottom", dx=14 if below else -4,
                                                   dy=3 if below else -3, fontSize=theme.font(14), color=color,
                                                   fontWeight="bold").encode(
            x=panels.x("x"), y=alt.Y("mm:Q", scale=scale, title=panels.y_title(alt.Undefined)), text=alt.Text("text:N")))
    return layers


def _single_target_note(measurements: pd.DataFrame) -> str:
    targets = measurements.loc[measurements["target"].astype(bool), "lesion_id"].nunique() if len(measurements) else 0
    if targets == 1:
        return ("One target lesion only: categories apply the RECIST 1.1 thresholds to that lesion, "
                "not a full RECIST read")
    return ""


def _findings_panel(findings: pd.DataFrame, bands, panels: _PanelAxis, *, width: int, top: bool,
                    note: str = "") -> alt.LayerChart:
    """Imaging reported without a size: one row per study, a symbol by the stated trend and the finding as text."""
    f = findings.copy()
    f["row"] = range(len(f))
    f["x"] = panels.at(f["day_start"])
    f = _spans(f, panels.at, panels.window)
    # The label goes where its span leaves more room (late studies leftwards), so none runs off an edge; a date
    # open on both sides spans the whole view and takes its label over the symbol.
    lo, hi = panels.window
    room_right = hi - f["day_start_latest"].fillna(hi)
    room_left = f["day_start_earliest"].fillna(lo) - lo
    f["side"] = room_right.ge(room_left).map({True: "right", False: "left"}).where(
        f["day_start_latest"].notna() | f["day_start_earliest"].notna(), "over")
    # A span across most of the view leaves no room on either side: the label is written inside the plot, from
    # its left edge, over the faint span (past the left edge it pushed the plot off the axis of the panels above;
    # above the span it ran into the row above).
    f["side"] = f["side"].where(f["side"].eq("over") | (pd.concat([room_left, room_right], axis=1).max(axis=1)
                                                        >= EDGE_ROOM * (hi - lo)), "edge")
    f["x_edge"] = panels.at(pd.Series(lo, index=f.index)).to_numpy()
    f["when"] = _event_when(f, panels.tax)
    trends = [t for t in TREND_COLORS if t in set(f["trend"])]
    trend_scale = alt.Scale(domain=trends, range=[TREND_COLORS[t] for t in trends])
    color = alt.Color("trend:N", scale=trend_scale, legend=alt.Legend(title="Imaging trend", orient="bottom"))
    shape = alt.Shape("trend:N", scale=alt.Scale(domain=trends, range=[TREND_SHAPES[t] for t in trends]),
                      legend=alt.Legend(title="Imaging trend", orient="bottom"))
    fields = (("label", "Imaging"), ("finding", "Finding"), ("trend", "Trend"), ("when", "When"), ("note", "Note"),
              ("quote", "Source"))
    data = f[["row", "x", "x_lo", "x_hi", "x_edge", "certainty", "side"] + [c for c, _ in fields]]
    base = alt.Chart(inline(data)).encode(x=panels.x("x"), y=alt.Y("row:O", axis=None))
    layers = _band_layers(bands, panels.tax, panels.x, panels.x2, labels=top, window=panels.window,
                          width=width) + [
        # The span has no legend of its own: the symbols' legend (colour and shape) explains both.
        base.mark_rule(strokeWidth=4, opacity=SPAN_OPACITY, clip=True).encode(
            x=panels.x("x_lo"), x2=panels.x2("x_hi"), color=alt.Color("trend:N", scale=trend_scale, legend=None))
        .transform_filter("datum.certainty === 'uncertain'"),
        base.mark_point(filled=True, size=POINT_SIZE, strokeWidth=2, opacity=1, clip=True).encode(
            color=color, stroke=_outline(color), shape=shape, fillOpacity=_certainty_opacity(),
            tooltip=_tooltip(data, fields)),
    ]
    # The text starts past the date span (not over it): right of the latest date, or left of the earliest.
    for side, align, dx, anchor in (("right", "left", 12, "x_hi"), ("left", "right", -12, "x_lo"),
                                    ("over", "left", 12, "x"), ("edge", "left", 4, "x_edge")):
        layers.append(base.transform_filter(f"datum.side === '{side}'").mark_text(
            align=align, dx=dx, fontSize=theme.font(14), clip=False).encode(
            x=panels.x(anchor), text=alt.Text("label:N"), tooltip=_tooltip(data, fields)))
    return layered(*layers, width=width, height=alt.Step(28), title=_panel_title(
        "Imaging findings in words, without a size (as written)", note, band_labels=top and _has_bands(bands)))


EDGE_ROOM = 0.3  # the share of the view a finding's label needs beside its span, else it is written over it


def _event_when(frame: pd.DataFrame, tax: TimeAxis) -> pd.Series:
    """The date as written on the calendar axis (or for a case without calendar), else the day offset."""
    return _when_of(frame, tax)
