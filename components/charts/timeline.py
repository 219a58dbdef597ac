"""The swimlane timeline of one case: one lane per event group, therapies as bars, other events as symbols,
dose changes as ticks on the bars; and ``focus_domain``, a default window on the most recent disease.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import altair as alt
import pandas as pd

from timelines.tables import SYSTEMIC, dose_change_text, dose_changes_in_days, lane_order
from timelines.text import cut_chars, ellipsized
from timelines.time.when import calendar_range, is_dated, say_days

from . import theme
from .axis import (
    POINT_SIZE,
    TimeAxis,
    _as_objects,
    _axis_domain,
    _check_width,
    _compact,
    _day_columns,
    _domain_days,
    _empty_chart,
    _extent_days,
    _iso_dates,
    _padded,
    _reach,
    _shows_written,
    _tooltip,
    layered,
    time_axis,
)
from .lanes import (
    _EVENT_TOOLTIP,
    BAR_PX,
    SLOT_PX,
    TAG_CHAR_PX,
    _category_shading,
    _columns,
    _day_zero_rule,
    _drawn_opacity,
    _fading_ends,
    _lane_chart,
    _Lanes,
    _ongoing_arrows,
    _packing_width,
    _possible_windows,
    _therapy_bars,
    _uncertainty_spans,
    _with_slots,
    lane_layout,
    least_lane_px,
)
from .rows import inline


def focus_domain(events: pd.DataFrame, *, axis: str = "calendar", unit: str = "months",
                 margin_days: float = 92, min_hidden_share: float = 0.4):
    """A default window on the most recent disease, or None when the whole history already reads well.

    The window runs from ``margin_days`` before the most recent diagnosis (so the work-up that led to it stays
    in view) to just after the last event. A long earlier history (e.g. a breast cancer 14 years before the
    lung cancer being discussed) would otherwise squash the recent years into a sliver. When the window would
    hide less than ``min_hidden_share`` of the full span, focusing gains little and None is returned.

    Returns
    -------
    tuple or None
        ``(lo, hi)`` in axis units (UTC timestamps on the calendar axis, days or months on the relative axis),
        ready for ``timeline_chart(..., domain=...)``.
    """
    if events is None or events.empty or not events["kind"].eq("diagnosis").any():
        return None
    tax = time_axis(axis, unit, "", events)
    days = _day_columns(events)
    full = _extent_days(days["day_start"], days["day_end"], days["day_start_earliest"], days["day_start_latest"],
                        days["day_end_latest"])
    recent = float(days.loc[events["kind"].eq("diagnosis"), "day_start_earliest"].max())
    lo, hi = recent - margin_days, full[1]
    if lo <= full[0] or (hi - lo) >= (1 - min_hidden_share) * (full[1] - full[0]):
        return None
    return _axis_domain(tax, (lo, _padded((lo, hi))[1]))


def timeline_chart(events: pd.DataFrame, *, axis: str = "calendar", unit: str = "months",
                   day_zero_label: str = "first diagnosis", width: int | None = None,
                   domain=None, dose_changes: pd.DataFrame | None = None,
                   height: int | None = None, legends: str = "bottom",
                   room: int | None = None, colors: theme.SharedColors = ()) -> alt.LayerChart | alt.Chart:
    """Swimlanes of one case: one lane per event group, therapies as bars, other events as symbols.

    Parameters
    ----------
    events
        The event table (``timelines.tables.event_table``). Lanes run top to bottom in ``lane_order(events)``,
        grouped by category (alternate categories are shaded).
    axis
        ``"calendar"`` (UTC dates) or ``"relative"`` (time since day 0; required for de-identified display
        and the only choice for a case without calendar dates).
    unit
        ``"months"`` (days / 30.4375) or ``"days"``, for the relative axis.
    day_zero_label
        What day 0 is, for the relative axis title ("Months since first diagnosis").
    width
        Plot width in px (default 900: fits a 1280 px slide with the lane labels).
    domain
        ``(lo, hi)`` in axis units to focus on a period, e.g. ``focus_domain(events)``. Marks outside are
        clipped, and the axis title says how many events lie before the window. Zoom and pan stay available.
    dose_changes
        The dose change table (``timelines.tables.dose_change_table``), drawn as ticks on the therapy bars.
    height
        Plot height in px (a tumor board's screen): the lanes share it in proportion to the heights their marks
        need. By default each lane is as tall as its marks need.
    legends
        Where the legends go (``theme.LEGEND_LAYOUTS``): ``"beside"`` puts each in one column right of the plot
        (a board's screen); otherwise they go under it.
    room
        Without `height`: px the whole chart may take, its x axis, key and legends included (what a page's screen
        leaves under its header). The plot takes what they leave (``fitted_height``), never so little that a
        lane's sub-rows run into each other, nor more than twice what its lanes need.

    Returns
    -------
    alt.LayerChart
        Bars coloured by drug (``theme.drug_color``) or kind; symbols by kind (``theme.KIND_SHAPES``), hollow
        with a faded span from earliest to latest when the date is uncertain; an arrow at the end of an ongoing
        therapy; a fading stub where a therapy's end is not reported; ticks and labels at dose changes; a black
        cross for death. Tooltips give the dates as written, their bounds, dose, details, note and source quote.

    Raises
    ------
    ValueError
        On ``axis="calendar"`` for a case without calendar dates.
    """
    width = _check_width(width)
    if events is None or events.empty:
        return _empty_chart("No events in this case", width)
    tax = time_axis(axis, unit, day_zero_label, events)
    text_scale = theme.text_scale()  # the room kept for labels grows with the type the chart is built in
    marks = timeline_marks(events, tax, dose_changes=dose_changes, domain=domain, width=width, text_scale=text_scale,
                           colors=colors)
    frame, lanes, window = marks.frame, marks.lanes, marks.window
    slot_px = SLOT_PX * text_scale  # labels in neighbouring sub-rows, drawn larger, stay clear of each other
    layout = lane_layout(frame, lanes, slot_px)
    x_domain = _axis_domain(tax, window)
    drawn_changes = _dose_labels_inside(marks.changes, window, _packing_width(width) / text_scale)
    ctx = _Lanes(tax, lanes, layout, x_domain, marks.note, drawn_changes, legends)
    key = _key_title(frame, not ctx.dose_changes.empty)
    if height is None and room is not None:  # the lanes share the plot the room leaves
        height = fitted_height(frame, ctx, room, len(key.text) if isinstance(key.text, list) else 0)
        layout = lane_layout(frame, lanes, slot_px, height)
        ctx = dataclasses.replace(ctx, layout=layout)
    frame["y"] = [layout[lane][0] + layout[lane][1] / 2 + (slot - (n - 1) / 2) * slot_px
                  for lane, slot, n in zip(frame["lane"], frame["slot"], frame["lane_slots"])]
    frame = _compact(frame)  # every layer takes rows of it
    layers = [layer for build in _TIMELINE_LAYERS for layer in build(frame, ctx)]
    # Zoom and pan on x only: lanes stay put. The parameter sits on a layer that encodes x (Vega-Lite binds
    # scales through the view that owns the channel); the layers share the x scale, so all of them follow.
    first = next(i for i, layer in enumerate(layers) if isinstance(layer.encoding.x, alt.X))
    layers[first] = layers[first].add_params(alt.selection_interval(bind="scales", encodings=["x"]))
    layers = _with_rows(layers, keep=first)
    # Bars are coloured by drug and symbols by kind: two colour scales, each with its own legend.
    # Built in one go: Altair copies every layer each time a layer chart is made or `properties` or `resolve_scale`
    # make a new one.
    return layered(*layers, width=width, height=height or ctx.height, title=key,
                   resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent", shape="independent",
                                                                 stroke="independent")))


def _with_rows(layers: list[alt.Chart], keep: int) -> list[alt.Chart]:
    """The layers with their frames as rows (``rows.inline``), each frame converted once; but the layer `keep`,
    which carries the zoom: Altair names the view a selection binds by a hash of its layer, frame included."""
    converted: dict[int, alt.InlineData] = {}
    for i, layer in enumerate(layers):
        if i != keep and isinstance(layer.data, pd.DataFrame):
            if id(layer.data) not in converted:  # the frames are held by their layers: no id is reused
                converted[id(layer.data)] = inline(layer.data)
            layer.data = converted[id(layer.data)]
    return layers


# What the timeline spends besides its plot, at the page's type size (14 px labels, 16 px titles; times the type
# scale): the x axis (ticks, labels, its title), a line of the key under it and the key's offset, the padding
# around the chart; each legend's title and padding, and each of its rows (a 14 px label and the row's padding).
AXIS_PX = 58
KEY_LINE_PX = 20
KEY_OFFSET_PX = 14
CHART_PADDING_PX = 20
LEGEND_HEAD_PX = 38
LEGEND_ROW_PX = 23
LEGEND_GAP_PX = 10
MOST_LANE_SCALE = 2.0  # a fitted plot is at most this multiple of its lanes' height: a few lanes are not stripes


def fitted_height(frame: pd.DataFrame, ctx: _Lanes, room: int, key_lines: int) -> int:
    """The plot height that leaves the x axis, the key and the legends of the timeline inside `room` px: at least
    what its lanes need at their least (``lanes.least_lane_px``), at most MOST_LANE_SCALE times what they need
    (``ctx.height``)."""
    scale = theme.text_scale()
    chrome = CHART_PADDING_PX + (KEY_OFFSET_PX + KEY_LINE_PX * key_lines) * scale
    # Beside the plot the legends take no height of their own (unless taller than the plot and its axis).
    legends = 0 if ctx.legends == "beside" else legends_px(frame, ctx.legends, scale)
    plot = room - chrome - AXIS_PX * scale - legends
    slots = frame.groupby("lane")["lane_slots"].max()
    least = sum(least_lane_px(lane, int(slots.get(lane, 1)), SLOT_PX * scale) for lane in ctx.lanes)
    return round(min(max(plot, least), MOST_LANE_SCALE * ctx.height))


def legends_px(frame: pd.DataFrame, legends: str, scale: float = 1.0) -> float:
    """The height the timeline's two legends (therapies in two columns, events in four; one column each beside the
    plot) take where `legends` puts them (``theme.LEGEND_LAYOUTS``): one under the other, or side by side."""
    intervals = frame[frame["shape"].eq("interval")]
    drugs = intervals.loc[intervals["therapy"].astype(bool), "bar_key"].nunique()
    kinds = frame.loc[frame["shape"].eq("point"), "mark_kind"].nunique()
    columns = (1, 1) if legends == "beside" else (2, 4)
    heights = [(LEGEND_HEAD_PX + LEGEND_ROW_PX * -(-n // c)) * scale + LEGEND_GAP_PX
               for n, c in zip((drugs, kinds), columns) if n]
    if not heights:
        return 0
    return max(heights) if legends in ("row", "bottom") else sum(heights)


@dataclass(frozen=True)
class TimelineMarks:
    """What the swimlane draws of a case, wherever it is drawn (this chart, the deck's native slide).

    ``frame`` has one row per mark with its drawn days, bounds, role and slot; ``lanes`` run top to bottom;
    ``window`` is the (lo, hi) days shown; ``note`` says what a focused window leaves out; ``changes`` are the dose
    changes of the marks shown."""

    frame: pd.DataFrame
    lanes: list[str]
    window: tuple[float, float]
    note: str
    changes: pd.DataFrame


def timeline_marks(events: pd.DataFrame, tax: TimeAxis, *, dose_changes: pd.DataFrame | None = None,
                   domain=None, width: int | None = None, text_scale: float = 1.0,
                   colors: theme.SharedColors = ()) -> TimelineMarks:
    """The marks of ``timeline_chart`` (same arguments) before they become layers: see ``TimelineMarks``."""
    changes = _dose_change_frame(dose_changes, events)
    frame = _timeline_frame(events, tax, changes, colors)
    # Drawn days and every bound: a side left open is drawn to the edge of this extent.
    extent = _extent_days(frame["day_start"], frame["day_end"], frame["day_start_earliest"],
                          frame["day_start_latest"], frame["day_end_latest"])
    window = _domain_days(tax, domain, extent)
    frame = _with_slots(_grouped_points(_closed_for_drawing(frame, tax, window)), window, _check_width(width),
                        text_scale)
    frame = _chips_as_drawn(frame)
    lanes = lane_order(events)
    note = _hidden_note(frame, tax, window) if domain is not None else ""
    if domain is not None:  # a focused window shows the lanes it has marks in; the note counts the rest
        frame = frame[~_outside(frame, window)].reset_index(drop=True)
        shown = set(frame["lane"])
        if note and len(shown) < len(lanes):
            note = note.replace(" outside", f" and {_count(len(lanes) - len(shown), 'lane')} outside")
        lanes = [lane for lane in lanes if lane in shown]
    return TimelineMarks(frame, lanes, window, note, changes[changes["event_id"].isin(frame["event_id"])])


def _key_title(df: pd.DataFrame, dose_changes: bool) -> alt.TitleParams:
    """A one-line key under the chart, naming only the conventions this case uses."""
    # The font is named here: vl-convert falls back to a serif face for a bottom title that relies on config.
    return alt.TitleParams(text=key_lines(df, dose_changes) or "", orient="bottom", anchor="start", fontSize=theme.font(14),
                           fontWeight="normal", font=theme.FONT, color=theme.MUTED_COLOR, offset=14, lineHeight=20)


def key_lines(df: pd.DataFrame, dose_changes: bool) -> list[str]:
    """The key of the marks of ``timeline_marks``: the conventions this case uses, in lines of at most
    KEY_LINE_CHARS (read whole on a narrow screen instead of cut at "…")."""
    items = [(df["uncertain"].any() or df["end_uncertain"].any(),
              "hollow symbol / faded span: date known only within that range"),
             (df["ongoing"].fillna(False).astype(bool).any(), "► ongoing at last follow-up"),
             ((df["faded_end"] & ~df["window_only"] & (df["fade_hi"] > df["fade_lo"])).any(),
              "fading bar: solid while it certainly ran, faded where it may have ended"),
             ((df["open_end"] & ~df["faded_end"] & ~df["window_only"]).any(), "fading stub: end not reported"),
             (df["count"].gt(1).any(), "×n: n events on the same date"),
             (dose_changes, "tick on a bar: dose change")]
    lines: list[str] = []
    for text in (text for shown, text in items if shown):
        if lines and len(lines[-1]) + len(KEY_SEPARATOR) + len(text) <= KEY_LINE_CHARS:
            lines[-1] += KEY_SEPARATOR + text
        else:
            lines.append(text)
    return lines


KEY_SEPARATOR = "   ·   "


KEY_LINE_CHARS = 80  # about 560 px of 14 px text: the plot's width beside an open sidebar at 1280 px


def _timeline_frame(events: pd.DataFrame, tax: TimeAxis, changes: pd.DataFrame,
                    colors: theme.SharedColors = ()) -> pd.DataFrame:
    """One row per event with axis positions, mark roles and tooltip texts; each therapy in its colour among the
    case's therapies (``theme.therapy_colors``, with ``colors``: the mapping of the cases shown together)."""
    df = _as_objects(events.reset_index(drop=True))
    days = _day_columns(df)
    df[days.columns] = days
    interval = df["shape"].eq("interval")
    df["has_end"] = interval & df["day_end"].notna()
    df["open_end"] = interval & df["day_end"].isna()
    df["therapy"] = df["category"].eq(SYSTEMIC)
    df["open_before"] = df["day_start_earliest"].isna()  # nothing in the case bounds how early it was
    df["open_after"] = df["day_start_latest"].isna()
    df["ongoing"] = df["ongoing"].fillna(False).astype(bool)
    df["mark_kind"] = df["kind"].where(~_is_death(df), "death")
    df["response"] = df["response_category"].fillna("").where(df["kind"].eq("response"), "")
    df["bar_key"] = df["lane"].where(df["therapy"], df["kind"])
    colors = theme.therapy_colors(df.loc[df["therapy"], "lane"], colors)
    df["therapy_hex"] = df["lane"].map(colors)  # all lanes: any window
    df = _with_assessed_therapy(df)
    df["tied_hex"] = df["tied"].map(colors).fillna("")
    df["approximate"] = df["approximate"].fillna(False).astype(bool)
    df["uncertain"] = (df["day_start_latest"] > df["day_start_earliest"]) | df["approximate"] \
        | df["open_before"] | df["open_after"]
    # An interval whose start is known only within a window: drawn as that window, never as a start on one day.
    df["start_window"] = interval & ((df["day_start_latest"] > df["day_start_earliest"]).fillna(False)
                                     | df["open_before"] | df["open_after"])
    df["end_uncertain"] = df["has_end"] & ((df["day_end_latest"] > df["day_end_earliest"])
                                           | df["day_end_earliest"].isna() | df["day_end_latest"].isna())
    # Solid while it certainly ran, faded over when it may have ended: a therapy whose end is not reported (to
    # the last point the case ties to it) and any interval whose end is known only within a window.
    df["faded_end"] = (df["open_end"] & df["therapy"]) | (df["has_end"] & ~df["ongoing"] & df["end_uncertain"])
    for name, days, iso in (("x", "day_start", None), ("x_lo", "day_start_earliest", "start_earliest"),
                            ("x_hi", "day_start_latest", "start_latest"), ("x_end", "day_end", None),
                            ("x_end_lo", "day_end_earliest", "end_earliest"),
                            ("x_end_hi", "day_end_latest", "end_latest")):
        df[name] = _iso_dates(df[iso]) if tax.calendar and iso else tax.at(df[days])
    return _with_tooltips(df, tax, changes)


def _chips_as_drawn(frame: pd.DataFrame) -> pd.DataFrame:
    """``tied_fill``: the square between a response and its therapy's name filled with the shade that therapy's bar
    and legend swatch are drawn in at their most certain, outlined in its colour (``tied_hex``), so that a regimen
    drawn only within a window (light) has a light square, hollow like an uncertain symbol, yet visible; in its
    full colour alone it read as another drug."""
    opacity = _drawn_opacity(frame)
    shaded = [theme.tint(hex_, opacity.get(tied, 1.0)) if hex_ else "" for hex_, tied in
              zip(frame["tied_hex"].fillna(""), frame["tied"].fillna(""))]
    return frame.assign(tied_fill=shaded)


ASSESSED = ("response", "progression")  # kinds that assess a therapy: tied to it by `therapy:` or by the line


def _with_assessed_therapy(df: pd.DataFrame) -> pd.DataFrame:
    """``tied``: the therapy (its lane) a response or progression assesses. The one its ``therapy:`` names, else,
    as the best response of a line counts it (``timelines.endpoints.best_response``), the line running on its date: the
    latest stated line begun before it (a progression on the day the next line starts belongs to the line it
    ends), named by that line's regimen begun last before it. The tooltip says when the tie is read from the date.
    """
    stated = df["on_therapy"].fillna("") if "on_therapy" in df else pd.Series("", index=df.index)
    lines = df[df["therapy"] & df["line"].notna()].sort_values("day_start")
    inferred = pd.Series([_line_at(lines, day) if kind in ASSESSED and not name else ("", None)
                          for kind, day, name in zip(df["kind"], df["day_start"], stated)], index=df.index)
    by_date = inferred.map(lambda t: t[0] != "")
    df["tied"] = stated.where(df["kind"].isin(ASSESSED), "").where(~by_date, inferred.map(lambda t: t[0]))
    df["on_therapy"] = stated.where(~by_date, inferred.map(lambda t: f"{t[0]} (line {t[1]}, by its date)"))
    return df


def _line_at(lines: pd.DataFrame, day) -> tuple[str, int | None]:
    """The therapy (lane) and number of the stated line running on ``day``; ('', None) before the first."""
    if pd.isna(day):
        return "", None
    begun = lines[lines["day_start"] < day]
    if begun.empty:
        begun = lines[lines["day_start"] == day]
    if begun.empty:
        return "", None
    number = int(begun["line"].iloc[-1])
    return str(begun.loc[begun["line"].eq(number), "lane"].iloc[-1]), number


def _closed_for_drawing(df: pd.DataFrame, tax: TimeAxis, window: tuple[float, float]) -> pd.DataFrame:
    """A side nothing bounds ('after surgery' with nothing later) is drawn as a span to the edge of the view,
    and an unreported therapy end fades out from its earliest to its latest possible end (or the edge)."""
    reach = {name: _reach(df, name, window) for name in ("start_earliest", "start_latest", "end_earliest",
                                                          "end_latest")}
    df["x_lo"] = df["x_lo"].where(~df["open_before"], tax.at(reach["start_earliest"]).to_numpy())
    df["x_hi"] = df["x_hi"].where(~df["open_after"], tax.at(reach["start_latest"]).to_numpy())
    ends = df["has_end"] | df["faded_end"]
    df["x_end_lo"] = df["x_end_lo"].where(~(ends & df["day_end_earliest"].isna()), df["x"])
    df["x_end_hi"] = df["x_end_hi"].where(~(ends & df["day_end_latest"].isna()), tax.at(reach["end_latest"]).to_numpy())
    # Solid only where the statements make it certain that it ran: from its latest possible start to its
    # earliest possible end. Before that lies its start window (a faded span, `_uncertainty_spans`); after it, a
    # fade to its latest possible end. A start known only by its order ('after laparotomy') gets no tick and no
    # solid part where nothing makes one certain.
    latest_end = df["day_end_latest"].fillna(reach["end_latest"])
    df["solid_from"] = df["day_start_latest"].where(df["day_start_latest"].notna(), float("nan")).astype("float64")
    df["x_solid"] = df["x_hi"].where(df["start_window"], df["x"])
    solid_until = df["day_end_earliest"].astype("float64").clip(lower=df["solid_from"])
    df["fade_lo"] = solid_until.fillna(df["solid_from"]).where(df["faded_end"])
    df["fade_hi"] = latest_end.clip(lower=df["fade_lo"]).where(df["faded_end"])
    # No day certainly on it (a start only ordered, an end that may come before the latest start): the whole
    # interval is one faded window, from its earliest possible start to its latest possible end.
    solid = (df["faded_end"] & (df["fade_lo"] > df["solid_from"])) \
        | (df["has_end"] & ~df["faded_end"] & (df["day_end"] >= df["solid_from"]))
    # An interval other than a therapy whose end is not reported keeps its fading stub, from its latest start.
    stub = df["open_end"] & ~df["faded_end"] & df["solid_from"].notna()
    df["window_only"] = df["start_window"] & ~solid & ~stub
    last = pd.concat([reach["start_latest"], latest_end.where(df["faded_end"] | df["has_end"])], axis=1).max(axis=1)
    df["x_hi"] = df["x_hi"].where(~df["window_only"], tax.at(last).to_numpy())
    df["window_hi"] = last.where(df["window_only"])  # in days, for packing the lanes
    return df


def _is_death(df: pd.DataFrame) -> pd.Series:
    """Status events stating death ('status: dead'); the label decides only when no status is given."""
    status = df["status"].fillna("")
    worded = df["label"].fillna("").str.contains(r"\b(?:death|died|dead)\b", case=False, regex=True)
    return df["kind"].eq("status") & (status.eq("dead") | status.eq("") & worded)


def _with_tooltips(df: pd.DataFrame, tax: TimeAxis, changes: pd.DataFrame) -> pd.DataFrame:
    df["kind_text"] = df["mark_kind"].str.replace("_", " ")
    df["line_text"] = df["line"].map(lambda v: "" if pd.isna(v) else f"line {int(v)}")
    # Dates as written are shown on the calendar axis, and on a case without calendar (where they are relative
    # anyway); a calendar case drawn on the relative axis is being de-identified, so it shows day offsets only.
    written = _shows_written(df, tax)
    start = df["start"] if written else [say_days(a, b) for a, b in zip(df["day_start_earliest"],
                                                                        df["day_start_latest"])]
    end = df["end"] if written else [say_days(a, b) for a, b in zip(df["day_end_earliest"], df["day_end_latest"])]
    end = pd.Series(end, index=df.index).where(df["has_end"], "")
    unreported = pd.Series([f"end not reported ({say_days(a, b)})" if is_dated(a, b) else "end not reported"
                            for a, b in zip(df["day_end_earliest"], df["day_end_latest"])], index=df.index)
    end = end.where(df["has_end"] | ~df["shape"].eq("interval"), unreported)
    df["when"] = pd.Series(start, index=df.index).astype(str) + end.map(lambda e: f" to {e}" if e else "")
    df["when"] = df["when"] + df["ongoing"].map(lambda o: " (ongoing at last follow-up)" if o else "")
    # Rows of the few columns each text reads: a row of every column of the frame costs ten times as much.
    df["bounds"] = [_written_text(row) for row in df[list(_WRITTEN)].itertuples()] if written else ""
    df["day_bounds"] = ([_day_bounds(row) for row in df[list(_BOUNDS)].itertuples()] if written and tax.calendar
                        else "")
    in_days = {} if written else dose_changes_in_days(changes)
    df["dose_changes_text"] = df["dose_changes"] if written else [in_days.get(e, "") for e in df["event_id"]]
    return df


_WRITTEN = ("date_text", "shape", "end_text", "start")


_BOUNDS = ("start_earliest", "start_latest", "start", "end_earliest", "end_latest", "end")


def _written_text(row) -> str:
    """How the date was written in the case file, when that says more than the date itself ('after surgery')."""
    text = str(row.date_text)
    if row.shape == "interval" and row.end_text:
        text += f"; end: {row.end_text}"
    return "" if text == row.start else text


def _day_bounds(row) -> str:
    """The day bounds behind a date said in months or in words ('2007-07-01 to 2012-09-03; end 2012-06-30 to
    2017-09-03'), where they say more than the date as said."""
    texts = []
    for side, lo, hi, said in (("", row.start_earliest, row.start_latest, row.start),
                               ("end ", row.end_earliest, row.end_latest, row.end)):
        lo, hi = ("" if pd.isna(v) else str(v) for v in (lo, hi))
        if lo and hi and lo != hi and calendar_range(_ordinal(lo), _ordinal(hi)) != said:
            texts.append(f"{side}{lo} to {hi}")
    return "; ".join(texts)


def _ordinal(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


def _outside(df: pd.DataFrame, window: tuple[float, float]) -> pd.Series:
    """Rows drawn wholly before or after a window: every bound of the event lies outside it."""
    end = df["day_end_latest"].fillna(df["day_end"]).fillna(df["day_start_latest"]).fillna(df["day_start"])
    start = df["day_start_earliest"].fillna(df["day_start"])
    return (end < window[0]) | (start > window[1])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _hidden_note(df: pd.DataFrame, tax: TimeAxis, window: tuple[float, float]) -> str:
    """'7 earlier events (2007–2017) outside this window', so a focused view never hides history silently
    (on screen the chart pans and zooms; slides add the whole history)."""
    end = df["day_end_latest"].fillna(df["day_start_latest"])
    before = df[end < window[0]]
    if before.empty:
        return ""
    first, last = before["day_start"].min(), before["day_start"].max()
    if tax.calendar:
        years = sorted({tax.at([first]).iloc[0].year, tax.at([last]).iloc[0].year})
        span = "–".join(map(str, years))
    elif first <= -730:
        span = f"from {-first / 365.25:.0f} years before day 0"
    else:
        span = f"from {tax.describe_days(first)}"
    return f"{len(before)} earlier events ({span}) outside this window"


_GROUP_KEY = ("lane", "mark_kind", "day_start", "day_start_earliest", "day_start_latest")


def _grouped_points(df: pd.DataFrame) -> pd.DataFrame:
    """Point events of one kind in one lane with identical dates become one mark with a count and every label.

    (Five imaging studies on the day of diagnosis are one symbol marked ×5 whose tooltip lists all five, rather
    than five symbols drawn on top of each other, or a lane five rows tall.)
    """
    key = list(_GROUP_KEY)
    points = df["shape"].eq("point")
    size = df.loc[points, [*key, "label"]].groupby(key, dropna=False)["label"].transform("size").reindex(
        df.index, fill_value=1)
    single, many = df[size.eq(1)].assign(count=1), df[size.gt(1)]
    if many.empty:
        return _with_tags(single)
    groups = many.groupby(key, dropna=False, sort=False)
    merged = _merged(many, groups).reset_index().assign(count=groups.size().to_numpy())
    return _with_tags(pd.concat([single, merged[single.columns]], ignore_index=True))


_JOINED = ("label", "details", "note", "quote", "when", "bounds", "dose", "event_id")


def _merged(df: pd.DataFrame, groups) -> pd.DataFrame:
    """How columns of events drawn as one mark combine: texts are numbered and joined (`_numbered`), the responses
    named once each, the rest taken once (the first that is known), every column taken in one pass of its kind."""
    joined = [c for c in df.columns if c in _JOINED]
    first = [c for c in df.columns if c not in _GROUP_KEY and c not in _JOINED and c != "response"]
    parts = [groups[first].first(), groups[joined].agg(_numbered)]
    if "response" in df:
        parts.append(groups[["response"]].agg(_distinct))
    return pd.concat(parts, axis=1)


def _numbered(values: pd.Series) -> str:
    texts = [str(v) for v in values]
    if not any(texts):
        return ""
    return "  ".join(f"{i}) {t}" for i, t in enumerate(texts, 1) if t)


def _distinct(values: pd.Series) -> str:
    return "/".join(dict.fromkeys(v for v in values if v))


def _dose_change_frame(dose_changes: pd.DataFrame | None, events: pd.DataFrame) -> pd.DataFrame:
    """The dose changes of these events, each placed at the middle of its bounds (or at its one known bound): a
    tick never looks more exact than the date, and a date known to a month sits mid-month."""
    columns = ["event_id", "start", "dose", "reason", "day", "day_start_earliest", "day_start_latest"]
    if dose_changes is None or dose_changes.empty:
        return pd.DataFrame(columns=columns)
    changes = dose_changes[dose_changes["event_id"].isin(events["event_id"])].reset_index(drop=True)
    bounds = changes[["day_start_earliest", "day_start_latest"]].apply(pd.to_numeric, errors="coerce")
    return changes.assign(day=bounds.mean(axis=1).round())[columns]


def _dose_change_marks(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """A tick across the bar at each dose change, labelled with the new dose above the bar."""
    changes = ctx.dose_changes[ctx.dose_changes["day"].notna()]
    if changes.empty:
        return []
    where = df.drop_duplicates("event_id").set_index("event_id")[["lane", "y"]]
    changes = changes.join(where, on="event_id").assign(x=lambda d: ctx.tax.at(d["day"]))
    changes["short"] = changes["dose"]
    changes["label"] = "Dose change"
    written = _shows_written(df, ctx.tax)
    changes["when_text"] = [
        dose_change_text(c.start if written else say_days(c.day_start_earliest, c.day_start_latest), c.dose, c.reason)
        for c in changes.itertuples()]
    tooltip = [alt.Tooltip("label:N", title="Event"), alt.Tooltip("when_text:N", title="Dose change")]
    changes["left"] = changes["left"] if "left" in changes else False
    data = changes[["lane", "y", "x", "short", "label", "when_text", "left"]].reset_index(drop=True)
    base = _lane_chart(data, ctx).encode(x=ctx.x("x"), tooltip=tooltip)
    tick = base.mark_tick(orient="vertical", thickness=3, size=BAR_PX + 10, color="black", clip=True)
    labels = [_lane_chart(rows, ctx).encode(x=ctx.x("x"), tooltip=tooltip).mark_text(
        align="right" if left else "left", baseline="bottom", dx=-4 if left else 4, dy=-(BAR_PX / 2 + 2),
        fontSize=theme.font(13), fontWeight="bold", clip=True).encode(text=alt.Text("short:N")) for left, rows in data.groupby("left")]
    return [tick, *labels]


def _dose_labels_inside(changes: pd.DataFrame, window: tuple[float, float], width: int) -> pd.DataFrame:
    """``left``: a dose change whose label would run past the right edge of the plot is labelled left of its
    tick ('400 mg twice dai' was cut at the edge)."""
    days_per_px = (window[1] - window[0]) / max(width, 1)
    reach = changes["day"] + (4 + changes["dose"].fillna("").astype(str).str.len() * TAG_CHAR_PX) * days_per_px
    return changes.assign(left=(reach > window[1]).to_numpy(dtype=bool))


def _rows_of(df: pd.DataFrame, rows: pd.Series, *names: str) -> pd.DataFrame:
    """The `rows` of the timeline's frame with the columns a layer draws (its lane, y and x, `names`) and those of
    its tooltip: rows of every column of the frame cost several times as much."""
    wanted = dict.fromkeys(["lane", "y", "x", *names, *(field for field, _ in _EVENT_TOOLTIP)])
    return df.loc[rows, [name for name in wanted if name in df]]


def _event_points(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Point events as symbols, shape and colour by kind; hollow when the date is uncertain; death a black cross.

    (The response category and the ×n count are drawn by `_point_labels`.)
    """
    points = _rows_of(df, df["shape"].eq("point"), "mark_kind", "uncertain")
    if points.empty:
        return []
    kinds = [k for k in list(theme.KIND_COLORS) + sorted(set(points["mark_kind"]) - set(theme.KIND_COLORS))
             if k in set(points["mark_kind"])]
    legend = theme.legend(ctx.legends, title="Event", columns=4, labelExpr="replace(datum.label, '_', ' ')",
                          symbolStrokeWidth=2)
    color_scale = alt.Scale(domain=kinds, range=[theme.kind_color(k) for k in kinds])
    shape_scale = alt.Scale(domain=kinds, range=[theme.kind_shape(k) for k in kinds])
    points = points.assign(certainty=points["uncertain"].map({True: "uncertain", False: "exact"}))
    data = _columns(points, "lane", "y", "x", "mark_kind", "certainty")
    return [_lane_chart(data, ctx).mark_point(filled=True, strokeWidth=2, opacity=1, clip=True).encode(
        x=ctx.x("x"),
        color=alt.Color("mark_kind:N", scale=color_scale, legend=legend),
        shape=alt.Shape("mark_kind:N", scale=shape_scale, legend=legend),
        stroke=alt.Stroke("mark_kind:N", scale=color_scale, legend=None),
        # An uncertain date is drawn hollow (its span lies behind it): the mark never looks more exact than it is.
        # A field rather than a condition: a condition's value leaks into the legend symbols and fades them.
        fillOpacity=alt.FillOpacity("certainty:N", scale=alt.Scale(domain=["exact", "uncertain"], range=[1, 0.15]),
                                    legend=None),
        # As `alt.condition` makes it, without the parse of its dict that costs a tenth of the layer.
        size=alt.SizeValue(POINT_SIZE, condition=alt.ConditionalPredicateValueDefnumberExprRef(
            test=alt.Predicate("datum.mark_kind === 'death'"), value=POINT_SIZE * 1.6)),
        tooltip=_tooltip(data, _EVENT_TOOLTIP))]


# What a status mark says beside it: a bare glyph at the end of the axis explains nothing.
STATUS_WORDS = {"alive": "alive at last follow-up", "dead": "died", "remission": "in remission",
                "no_evidence_of_disease": "no evidence of disease", "lost_to_follow_up": "lost to follow-up"}


TAG_CHARS = 18  # a therapy named beside a response; the tooltip names it in full


def _tag_name(name: str) -> str:
    """A therapy's name cut after a whole word or a slash: 'carboplatin/…', never 'carboplatin/pacli…'."""
    if len(name) <= TAG_CHARS:
        return name
    cut = max(name.rfind(" ", 0, TAG_CHARS), name.rfind("/", 0, TAG_CHARS) + 1)
    return ellipsized(name[:cut].rstrip(" +,;")) if cut > 0 else cut_chars(name, TAG_CHARS)


def _with_tags(df: pd.DataFrame) -> pd.DataFrame:
    """``tag``: the short label beside a symbol. A response's category and the therapy it assesses ('PR ·
    crizotinib'; a progression names its therapy alone, its symbol says progression), ×n for grouped events, and
    what a status mark states ('alive at last follow-up', drawn left of the mark, which usually sits at the right
    edge, and right of one in the earlier half). ``tag_side``: where it is drawn. Computed before lanes are packed, which keeps room for it."""
    point = df["shape"].eq("point")
    count = df["count"].map(lambda n: f"×{n}" if n > 1 else "")
    tied = df["tied"].fillna("") if "tied" in df else pd.Series("", index=df.index)
    # The therapy is named at its first mark in a lane; the square in its colour ties the later ones.
    first = ~pd.DataFrame({"lane": df["lane"], "tied": tied, "day": df["day_start"]}).sort_values("day").duplicated(
        ["lane", "tied"]).reindex(df.index)
    named = tied.where(first, "").map(lambda name: _tag_name(name) if name else "")
    response = df["response"].fillna("")
    assessed = (response + " · " + named).where(response.ne("") & named.ne(""), response.where(response.ne(""), named))
    tag = (assessed + " " + count).str.strip()
    status = df["kind"].eq("status")
    words = df["status"].fillna("").map(STATUS_WORDS).fillna("")
    tag = tag.where(~status, (words + " " + count).str.strip())
    # Left of a status mark in the later half of the case (most sit at its right edge); right of one early on,
    # whose tag would otherwise run out of the plot under the lane names ('…ence of disease').
    days = pd.to_numeric(df["day_start"], errors="coerce")
    late = days.ge(days.min() + (days.max() - days.min()) / 2)
    return df.assign(tag=tag.where(point, ""), tag_side=(status & late).map({True: "left", False: "right"}),
                     chip=point & df["tied_hex"].fillna("").ne("") if "tied_hex" in df else False)


TAG_DX = 11  # px from a symbol's centre to its label


CHIP_PX = 10  # the square in a therapy's colour between a response and the therapy's name


def _point_labels(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """The tags (`_with_tags`) beside the symbols, on the side `lanes._with_slots` left them room; between an
    assessing mark and its tag, a square in the assessed therapy's colour, so that the mark reads as belonging to
    the bar of that colour (and its legend swatch) even where the tag does not repeat the therapy's name."""
    shown = df["shape"].eq("point") & (df["tag"].ne("") | df["chip"])
    points = _rows_of(df, shown, "tag", "chip", "tag_side", "tied_hex", "tied_fill")
    points = points.assign(sign=points["tag_side"].map({"right": 1, "left": -1}))
    layers = []
    for sign, rows in points[points["chip"]].groupby("sign"):
        rows = rows.assign(tied_fill=rows["tied_fill"] if "tied_fill" in rows else rows["tied_hex"])
        data = _columns(rows, "lane", "y", "x", "tied_hex", "tied_fill")
        layers.append(_lane_chart(data, ctx).mark_square(size=(CHIP_PX - 1.5) ** 2, opacity=1, strokeWidth=1.5,
                                                         clip=True, xOffset=int(sign) * (TAG_DX + CHIP_PX / 2)).encode(
            x=ctx.x("x"), fill=alt.Fill("tied_fill:N", scale=None), stroke=alt.Stroke("tied_hex:N", scale=None),
            tooltip=_tooltip(data, _EVENT_TOOLTIP)))
    for (sign, chip), rows in points[points["tag"].ne("")].groupby(["sign", "chip"]):
        data = _columns(rows, "lane", "y", "x", "tag")
        dx = int(sign) * (TAG_DX + (CHIP_PX + 4) * bool(chip))
        layers.append(_lane_chart(data, ctx).mark_text(align="left" if sign > 0 else "right", dx=dx, fontSize=theme.font(13),
                                                       fontWeight="bold", color=theme.TEXT_COLOR, clip=True).encode(
            x=ctx.x("x"), text=alt.Text("tag:N"), tooltip=_tooltip(data, _EVENT_TOOLTIP)))
    return layers


HOLLOW_EDGE_PX = 3  # a planned therapy's bar and a treatment hold keep this much of the bar's colour at each edge


def _hollow_parts(df: pd.DataFrame, ctx) -> list[alt.Chart]:
    """A planned therapy's whole bar, and each interruption (`holds:`) of a therapy, drawn hollow: the bar's
    colour only at its edges, so that a course not given never reads as treatment."""
    parts = []
    planned = df[df.get("planned", pd.Series(False, index=df.index)).fillna(False).astype(bool) & df["has_end"]]
    if not planned.empty:
        parts.append(planned.assign(x_gap=planned["x"], x_gap_end=planned["x_end"], gap="planned, not given"))
    held = df[df.get("holds", pd.Series([[]] * len(df), index=df.index)).map(lambda v: bool(v) if isinstance(v, list) else False)]
    for _, row in held.iterrows():
        for start, end in row["holds"]:
            days = pd.Series([row["day_start"] + start, row["day_start"] + end])
            at = ctx.at(days)
            parts.append(pd.DataFrame([{**row.to_dict(), "x_gap": at.iloc[0], "x_gap_end": at.iloc[1],
                                        "gap": "treatment interrupted"}]))
    if not parts:
        return []
    data = pd.concat(parts, ignore_index=True)
    layer = ctx.lane(data, "x_gap", "x_gap_end", "gap", tooltip=(("gap", "Drawn hollow"),) + tuple(_EVENT_TOOLTIP))
    return [layer.mark_rule(strokeWidth=BAR_PX - 2 * HOLLOW_EDGE_PX, strokeCap="butt", clip=True, color="white")
            .encode(x=ctx.x("x_gap"), x2=ctx.x2("x_gap_end"))]


_TIMELINE_LAYERS = (_category_shading, _uncertainty_spans, _day_zero_rule, _therapy_bars, _possible_windows,
                    _fading_ends, _hollow_parts, _dose_change_marks, _ongoing_arrows, _event_points, _point_labels)
