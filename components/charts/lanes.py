"""Lanes: packing marks that overlap in time into slots of a lane, the lane axis, and the layers that the case
timeline and the cohort swimmer both draw (day-0 rule, therapy bars, fading ends, ongoing arrows, uncertainty spans).

The layers take a frame and a lane geometry (``_Lanes`` for the case timeline, ``cohort._Swim`` for the swimmer):
the geometry says where a lane is, how x is encoded and how a bar is drawn; the layer says what is drawn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from timelines.text import wrap

from . import theme
from .axis import DEFAULT_WIDTH, SPAN_OPACITY, TimeAxis, _tooltip, _x, _x2

LANE_STEP = 42  # px per lane: room for a two-line lane label (2 x 17 px)


SLOT_PX = 18  # vertical distance between marks that share a lane and overlap in time


BAR_PX = 18  # thickness of a therapy bar


LABEL_CHARS = 30  # a lane label wraps after this many characters, on at most two lines


STUB_FRACTION = 0.06  # length of the fading stub of a therapy whose end is not reported


STUB_OPACITIES = (0.55, 0.3, 0.12)


SHADE_COLOR = "#f2f2f2"


_EVENT_TOOLTIP = (("label", "Event"), ("kind_text", "Kind"), ("when", "When"), ("day_bounds", "Bounds"),
                  ("bounds", "Written as"),
                  ("dose", "Dose"), ("dose_changes_text", "Dose changes"), ("line_text", "Line"),
                  ("intent", "Intent"), ("on_therapy", "On therapy"),
                  ("details", "Details"), ("note", "Note"), ("quote", "Source"))


def lane_layout(df: pd.DataFrame, lanes: list[str], slot_px: float = SLOT_PX,
                height: float | None = None) -> dict[str, tuple[int, int]]:
    """Top and height in px of each lane, top to bottom: a lane is as tall as its stacked marks need, its sub-rows
    ``slot_px`` apart. Given a `height` (a page's screen), the lanes share it: below what they need, each gives up
    room down to its least (``least_lane_px``: its label and its sub-rows stay clear of the next), above it each
    grows in proportion."""
    slots = df.groupby("lane")["lane_slots"].max()
    needs = [max(LANE_STEP, round(int(slots.get(lane, 1)) * slot_px + 14)) for lane in lanes]
    if height is not None and needs:
        least = [least_lane_px(lane, int(slots.get(lane, 1)), slot_px) for lane in lanes]
        spare, room = sum(needs) - sum(least), max(height, sum(least)) - sum(least)
        needs = [lo + (need - lo) * room / spare if spare > 0 else lo + room / len(needs)
                 for lo, need in zip(least, needs)] if room < spare else \
            [need * max(height, 1) / sum(needs) for need in needs]
    layout, top = {}, 0
    for lane, need in zip(lanes, needs):
        layout[lane] = (round(top), round(top + need) - round(top))
        top += need
    return layout


LEAST_LANE_PX = 26  # a lane of one sub-row at its least: a bar (BAR_PX) and a one-line label, with a gap


def least_lane_px(lane: str, slots: int, slot_px: float = SLOT_PX) -> int:
    """The least height of a lane: room for its label's lines (17 px each) and its sub-rows, a gap around them."""
    lines = len(wrap(lane, LABEL_CHARS, max_lines=2))
    return max(LEAST_LANE_PX, 17 * lines + 8, round(slots * slot_px + 8))


@dataclass(frozen=True)
class _Lanes:
    """What every timeline layer shares: the time axis, the lanes and their place, the visible window.

    Lanes differ in height, so y is not a band scale but px from the top (a linear scale whose domain is the
    chart's height), and the axis puts each lane's label at its centre.
    """

    tax: TimeAxis
    lanes: list[str]
    layout: dict[str, tuple[int, int]]
    x_domain: tuple
    hidden_note: str = ""
    dose_changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # those of the events drawn (_dose_change_frame)
    legends: str = "bottom"  # where the legends go (theme.LEGEND_LAYOUTS)

    @property
    def height(self) -> int:
        top, height = self.layout[self.lanes[-1]]
        return top + height

    def x(self, field: str) -> alt.X:
        title = self.tax.title + (f"  ·  {self.hidden_note}" if self.hidden_note else "")
        return _x(self.tax, field, domain=self.x_domain, title=title)

    def x2(self, field: str) -> alt.X2:
        return _x2(self.tax, field)

    def centres(self) -> list[float]:
        return [top + height / 2 for top, height in (self.layout[lane] for lane in self.lanes)]

    def y(self, field: str = "y") -> alt.Y:
        return alt.Y(f"{field}:Q", scale=alt.Scale(domain=[0, self.height], reverse=True, nice=False, zero=False),
                     axis=_lane_axis(self.lanes, self.centres()))

    # What the layers shared with the cohort swimmer ask of a lane geometry (see `cohort._Swim`).
    bar_field = "bar_key"  # a bar's colour: its drug for systemic therapy, else its kind
    arrow_size, arrow_offset = 420, 7
    bar_px = BAR_PX

    @property
    def day_zero(self) -> str | None:
        """What the day-0 rule says; None on the calendar axis, which has no day 0."""
        return None if self.tax.calendar else f"day 0: {self.tax.day_zero_label}"

    def at(self, days) -> pd.Series:
        return self.tax.at(days)

    def intervals(self, df: pd.DataFrame) -> pd.DataFrame:
        """The rows drawn as bars: every interval (therapies and others, such as a symptom), each bar from where it
        certainly ran (its latest possible start: `timeline._closed_for_drawing`)."""
        return df.assign(x=df["x_solid"]) if "x_solid" in df else df

    def hex(self, df: pd.DataFrame) -> pd.Series:
        return hex_color(df)

    interval_tooltip = _EVENT_TOOLTIP
    start_field = "solid_from"  # where a bar can be solid from (its latest possible start), in days as fade_lo
    opaque_ticks = False

    def lane(self, data: pd.DataFrame, *encoded: str, tooltip=_EVENT_TOOLTIP) -> alt.Chart:
        """A layer on the lanes: each mark at the y (px from the top) of its lane and slot, with a tooltip of the
        ``tooltip`` fields that say something (the rows keep every tooltip column of the event table)."""
        data = _columns(data, "lane", "y", *encoded)
        return _lane_chart(data, self).encode(tooltip=_tooltip(data, tooltip))

    def bar(self, chart: alt.Chart, rounded: bool = False) -> alt.Chart:
        """Thick rules rather than bars (so no rounded corners): Vega-Lite lays a bar with a time unit on x and a
        continuous y vertically."""
        return chart.mark_rule(strokeWidth=BAR_PX, strokeCap="butt", clip=True)

    def bar_color(self, df: pd.DataFrame, legend: bool = True) -> alt.Color:
        return _bar_color(df, legend, self.legends)


def _lane_axis(lanes: list[str], centres: list[float]) -> alt.Axis:
    """Lane names at lane centres, top to bottom in lane order; long ones wrap onto two lines (Vega draws a
    label given as an array as lines)."""
    expr = "''"
    for lane, centre in reversed(list(zip(lanes, centres))):
        lines = wrap(lane, LABEL_CHARS, max_lines=2)  # past the second line shortened: the tooltip has it all
        expr = f"datum.value === {centre:g} ? {json.dumps(lines if len(lines) > 1 else lane)} : {expr}"
    return alt.Axis(title=None, values=centres, labelExpr=expr, labelLimit=theme.room(260), labelFontSize=theme.font(theme.LABEL_SIZE),
                    domain=False, ticks=False, grid=False, labelPadding=10, labelLineHeight=17)


def _pack_slots(index, lanes, starts, ends, fits) -> dict:
    """The slot (sub-row of its lane) of each row, rows taken in the order given: the first slot of the row's lane
    that ``fits(start, until)`` after the row that holds it until then, else a new slot. Rows without a lane get
    none (as groupby("lane") leaves them out)."""
    free: dict[str, list[float]] = {}  # per lane, where each of its slots is free again
    slots = {}
    for row, lane, start, end in zip(index, lanes, starts, ends):
        if pd.isna(lane):
            continue
        until = free.setdefault(lane, [])
        slot = next((i for i, held in enumerate(until) if fits(start, held)), len(until))
        if slot == len(until):
            until.append(end)
        until[slot] = end
        slots[row] = slot
    return slots


SYMBOL_PX = 16  # room a symbol takes across, with its outline (POINT_SIZE is about 14 px across)


TAG_CHAR_PX = 7.6  # mean width of a character of a mark's bold 13 px label


TAG_MARGIN_PX = 25  # from a symbol's centre to its label, with a therapy's colour square between


MARK_GAP_PX = 4  # the least free room between two marks that share a sub-row


def _footprints(df: pd.DataFrame, window: tuple[float, float], width: float) -> tuple[pd.Series, pd.Series]:
    """From where to where (days) each row's marks cover the lane. An interval: its drawn extent (a start window,
    the bar, its fade or stub). A point: its symbol and its label (`timeline._with_tags`), never its faded span,
    which may run behind other symbols: a span says 'known only within this range', and it is read so across a
    symbol as well, whereas a sub-row for each span (a lane 6 rows tall for 6 dates 'between X and Y') hides
    which marks really collide."""
    days_per_px = (window[1] - window[0]) / max(width, 1)
    stub = (window[1] - window[0]) * STUB_FRACTION
    lo = df[["day_start_earliest", "day_start"]].min(axis=1)
    hi = df[["day_start_latest", "day_start"]].max(axis=1)
    hi = hi.where(~df["has_end"], df[["day_end_latest", "day_end"]].max(axis=1))
    hi = hi.where(~df["open_end"], df["day_start"] + stub)
    hi = hi.where(~df["faded_end"], df["fade_hi"].fillna(window[1]).clip(lower=df["day_start"]))
    if "window_hi" in df:  # an interval drawn as one faded window, to its latest possible end
        hi = hi.where(df["window_hi"].isna(), df["window_hi"])
    point = df["shape"].eq("point")
    tag = df["tag"].fillna("") if "tag" in df else pd.Series("", index=df.index)
    chip = df["chip"].fillna(False).astype(bool) if "chip" in df else pd.Series(False, index=df.index)
    label_px = tag.str.len() * TAG_CHAR_PX + (tag.ne("") | chip) * TAG_MARGIN_PX
    left = df["tag_side"].eq("left") if "tag_side" in df else pd.Series(False, index=df.index)
    half = SYMBOL_PX / 2
    lo = lo.where(~point, df["day_start"] - (half + label_px.where(left, 0)) * days_per_px)
    hi = hi.where(~point, df["day_start"] + (half + label_px.where(~left, 0)) * days_per_px)
    return lo, hi


NARROWEST_PX = 640  # the narrowest a page draws a timeline's plot: beside the sidebar at 1280 px


def _packing_width(width: float) -> float:
    """The plot width marks are given room at. A page fits a chart to its column (Streamlit's "stretch"), so a
    900-px chart may be drawn 640 px wide while its labels keep their size in px: room is kept for the
    narrowest drawing, so that labels never run into each other there."""
    return min(width, NARROWEST_PX)


def _tags_inside(df: pd.DataFrame, window: tuple[float, float], width: float) -> pd.DataFrame:
    """A label that would run past the right edge of the plot is drawn left of its symbol instead."""
    if "tag" not in df:
        return df
    days_per_px = (window[1] - window[0]) / max(width, 1)
    reach = df["day_start"] + (SYMBOL_PX / 2 + df["tag"].str.len() * TAG_CHAR_PX + TAG_MARGIN_PX) * days_per_px
    past = df["tag_side"].eq("right") & (reach > window[1])
    return df.assign(tag_side=df["tag_side"].where(~past, "left"))


def _with_slots(df: pd.DataFrame, window: tuple[float, float], width: float = DEFAULT_WIDTH,
                text_scale: float = 1.0) -> pd.DataFrame:
    """Stack marks that would overdraw each other in a lane, a sub-row ('slot') per collision, like track rows.

    ``width`` is the plot's width in px over ``window`` (days), so a symbol and its label are given their room
    in px (at most `NARROWEST_PX`: `_packing_width`): marks take another sub-row only where they would really
    collide on the screen (`_footprints`). ``text_scale``: how much larger than drawn here a page will draw text
    (a tumor board's projector type), which asks as much more room of each label."""
    width = _packing_width(width) / text_scale
    df = _tags_inside(df, window, width)
    lo, hi = _footprints(df, window, width)
    gap = (window[1] - window[0]) / max(width, 1) * MARK_GAP_PX
    df = df.assign(occ_lo=lo, occ_hi=hi, slot=0, stub_days=(window[1] - window[0]) * STUB_FRACTION)
    order = df[["lane", "occ_lo", "occ_hi"]].sort_values(["occ_lo", "occ_hi"])  # the order, not every column
    slots = _pack_slots(order.index, order["lane"], order["occ_lo"].to_numpy(), order["occ_hi"].to_numpy(),
                        lambda start, until: start > until + gap)
    df["slot"] = df.index.map(lambda index: slots.get(index, 0)).astype("int64")
    df["lane_slots"] = df.groupby("lane")["slot"].transform("max") + 1
    return df


def _lane_chart(data: pd.DataFrame, ctx: _Lanes) -> alt.Chart:
    """A layer on the lanes: each mark at the y (px from the top) of its lane and slot."""
    return alt.Chart(data).encode(y=ctx.y())


def _columns(data: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Only what a layer draws or shows, so the spec stays small."""
    wanted = list(dict.fromkeys(list(names) + [f for f, _ in _EVENT_TOOLTIP]))
    return data[[c for c in wanted if c in data]].reset_index(drop=True)


def _category_shading(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Alternate categories on a light grey ground, so lanes read as groups (Systemic therapy, Imaging...)."""
    categories = df.drop_duplicates("lane").set_index("lane")["category"]
    order = list(dict.fromkeys(categories.reindex(ctx.lanes)))
    shaded = [lane for lane in ctx.lanes if order.index(categories[lane]) % 2 == 1]
    if not shaded:
        return []
    data = pd.DataFrame({"lane": shaded, "top": [ctx.layout[lane][0] for lane in shaded],
                         "bottom": [sum(ctx.layout[lane]) for lane in shaded]})
    return [alt.Chart(data).mark_rect(color=SHADE_COLOR).encode(
        y=ctx.y("top"), y2=alt.Y2("bottom:Q"), x=alt.XValue(0), x2=alt.X2Value("width"))]


def _day_zero_rule(df: pd.DataFrame, ctx) -> list[alt.Chart]:
    """A dashed line at day 0 on a relative axis: what 'since first diagnosis' counts from."""
    if ctx.day_zero is None:
        return []
    data = pd.DataFrame({"x": [0.0], "what": [ctx.day_zero]})
    return [alt.Chart(data).mark_rule(strokeDash=[6, 4], color=theme.MUTED_COLOR, strokeWidth=1.5).encode(
        x=ctx.x("x"), tooltip=alt.Tooltip("what:N", title="Day 0"))]


def hex_color(df: pd.DataFrame) -> pd.Series:
    """The colour of each row's marks: its drug for systemic therapy, else its kind."""
    drug = df["therapy_hex"] if "therapy_hex" in df else df["lane"].map(theme.drug_color)
    kind = df["mark_kind"].map(theme.kind_color)
    return drug.where(df["therapy"], kind)


def _uncertainty_spans(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Faded spans from the earliest to the latest possible date, behind the mark (start, and end of bars).

    The case timeline's only: the swimmer draws a thin whisker for a progression or death dated within a month
    or more (`cohort._date_whiskers`), as a span behind every uncertain mark of a thousand lanes would blur them."""
    df = df.assign(hex=hex_color(df))
    starts = df[df["x_lo"].notna() & ((df["day_start_latest"] > df["day_start_earliest"]) | df["open_before"]
                                      | df["open_after"]) & ~_window_only(df)]
    starts = starts.assign(span_lo=starts["x_lo"], span_hi=starts["x_hi"])
    ends = df[df["end_uncertain"] & ~df["faded_end"] & ~_window_only(df)]  # a faded end shows its window itself
    ends = ends.assign(span_lo=ends["x_end_lo"], span_hi=ends["x_end_hi"])
    spans = pd.concat([starts, ends], ignore_index=True)
    if spans.empty:
        return []
    # An interval's start window is as thick as its bar: the therapy may have run anywhere in it.
    interval = spans["shape"].eq("interval")
    spans["thickness"] = interval.map({True: BAR_PX + 10, False: 10})
    # A symbol's span in its tint, opaque: spans of marks sharing a sub-row may overlap, and translucent ones
    # would darken into what reads as a solid bar.
    spans["hex"] = spans["hex"].where(interval, spans["hex"].map(lambda c: theme.tint(c, SPAN_OPACITY)))
    spans["span_opacity"] = interval.map({True: SPAN_OPACITY, False: 1.0})
    data = _columns(spans, "lane", "y", "span_lo", "span_hi", "hex", "thickness", "span_opacity")
    return [_lane_chart(data, ctx).mark_rule(strokeCap="butt", clip=True).encode(
        x=ctx.x("span_lo"), x2=ctx.x2("span_hi"), color=alt.Color("hex:N", scale=None),
        opacity=alt.Opacity("span_opacity:Q", scale=None),
        strokeWidth=alt.StrokeWidth("thickness:Q", scale=None), tooltip=_tooltip(data, _EVENT_TOOLTIP))]


def _window_only(rows: pd.DataFrame) -> pd.Series:
    """Intervals with no day certainly on them, drawn as one faded window (`timeline._closed_for_drawing`); the
    swimmer has none."""
    return rows["window_only"] if "window_only" in rows else pd.Series(False, index=rows.index)


def _possible_windows(df: pd.DataFrame, ctx: _Lanes) -> list[alt.Chart]:
    """Intervals with no day certainly on them, as one faded bar from the earliest possible start to the latest
    possible end; the therapy legend is theirs when no bar or fading bar is drawn."""
    rows = df[_window_only(df)]
    if rows.empty:
        return []
    drawn = df[~_window_only(df) & (df["has_end"] | df["faded_end"] | df["open_end"])]
    layer = ctx.lane(rows, "x_lo", "x_hi", ctx.bar_field, tooltip=ctx.interval_tooltip)
    return [ctx.bar(layer).encode(x=ctx.x("x_lo"), x2=ctx.x2("x_hi"), color=ctx.bar_color(df, drawn.empty),
                                  opacity=alt.OpacityValue(SPAN_OPACITY))]


def _therapy_bars(df: pd.DataFrame, ctx) -> list[alt.Chart]:
    """Intervals with a known end as bars, coloured by drug (``ctx.bar_color``), at each lane's place."""
    rows = ctx.intervals(df)
    bars = rows[rows["has_end"] & ~rows["faded_end"] & ~_window_only(rows)]
    if bars.empty:
        return []
    layer = ctx.lane(bars, "x", "x_end", ctx.bar_field, tooltip=ctx.interval_tooltip)
    return [ctx.bar(layer, rounded=True).encode(x=ctx.x("x"), x2=ctx.x2("x_end"), color=ctx.bar_color(df))]


def _bar_color(df: pd.DataFrame, legend: bool = True, where: str = "bottom") -> alt.Color:
    """Fill of bars and stubs: the drug's colour for systemic therapy, the kind's for other intervals.

    The legend lists the drugs and regimens only; other intervals share their kind's colour with its symbol.
    """
    intervals = df.loc[df["shape"].eq("interval"), ["day_start", "bar_key", "therapy"]].sort_values("day_start")
    keys = list(dict.fromkeys(intervals["bar_key"]))
    drugs = list(dict.fromkeys(intervals.loc[intervals["therapy"], "bar_key"]))
    # The drug's colour as every other mark of its lane has it (the timeline frame's therapy_hex), so the legend
    # swatch, the bar, its fading stub, its uncertainty span and its arrow are one colour.
    hexes = dict(zip(df["bar_key"], hex_color(df)))
    colors = [hexes[k] if k in drugs else theme.kind_color(k) for k in keys]
    # Labels capped at 300 px (the lane label carries the name too), so two columns stay within a 1280 px slide.
    # A swatch is as opaque as its therapy is drawn at its most certain: faded for a therapy drawn only faded.
    shown = theme.legend(where, title="Therapy", values=drugs, columns=2, symbolType="stroke", symbolStrokeWidth=10,
                         symbolOpacity=swatch_opacity(_drawn_opacity(df), drugs), labelLimit=300)
    return alt.Color("bar_key:N", scale=alt.Scale(domain=keys, range=colors),
                     legend=shown if drugs and legend else None)


def swatch_opacity(opacity: dict[str, float], names: list[str]) -> alt.ExprRef | float:
    """A legend's symbol opacity: each name's swatch as opaque as its therapy is drawn at its most certain
    (``opacity``, 1 where not given), so a therapy drawn only faded has a faded swatch, not a darker colour its
    bar never shows."""
    faded = {name: opacity[name] for name in names if opacity.get(name, 1) < 1}
    expr = "1"
    for name, value in faded.items():
        expr = f"datum.value === {json.dumps(name)} ? {value:g} : {expr}"
    return alt.ExprRef(expr) if faded else 1


def _drawn_opacity(df: pd.DataFrame) -> dict[str, float]:
    """The opacity of each bar colour (``bar_key``) where it is drawn most certain: 1 for a solid bar or a fading bar
    with a solid part, the first fade's for a fade alone, the faded window's for an interval with no day certainly
    on it (`timeline._closed_for_drawing`). The swimmer's frames lack those columns: all solid."""
    if "solid_from" not in df:
        return {}
    fade_only = df["faded_end"] & ~(df["fade_lo"] > df["solid_from"])
    opacity = pd.Series(1.0, index=df.index).where(~fade_only, STUB_OPACITIES[0]).where(~_window_only(df),
                                                                                         SPAN_OPACITY)
    drawn = df["has_end"] | df["faded_end"] | df["open_end"] | _window_only(df)
    return opacity[drawn].groupby(df.loc[drawn, "bar_key"]).max().to_dict()


def _fading_ends(df: pd.DataFrame, ctx) -> list[alt.Chart]:
    """Intervals never drawn as a course they did not have. A therapy whose end is not reported is solid up to
    the last point the case ties to it (a response, a progression, a dose change while it ran) and fades out
    from there to its latest possible end (the next line, death, the last follow-up); an interval whose end is
    known only within a window is solid to the earliest end and fades over the window; any other interval whose
    end is not reported (a symptom, on the case timeline only) is a start tick and a short stub that fades out."""
    rows = ctx.intervals(df)
    open_ = rows[(rows["faded_end"] | rows["open_end"]) & ~_window_only(rows)]
    if open_.empty:
        return []
    open_ = open_.assign(hex=ctx.hex(open_))
    therapy, other = open_[open_["faded_end"]], open_[~open_["faded_end"]]
    if other.empty:
        both = therapy
    else:
        # From where it had certainly started (its latest possible start, on the case timeline).
        start = other["solid_from"].fillna(other["day_start"]) if "solid_from" in other else other["day_start"]
        fade_lo = pd.concat([therapy["fade_lo"], start])
        fade_hi = pd.concat([therapy["fade_hi"], start + other["stub_days"]])
        both = pd.concat([therapy, other]).assign(fade_lo=fade_lo, fade_hi=fade_hi)
    segments = _fade_segments(both[[c for c in both.columns if c in _fade_columns(ctx)]], ctx)
    legend = not (df["has_end"] & ~df["faded_end"] & ~_window_only(df)).any()
    layer = ctx.lane(segments, "seg_lo", "seg_hi", ctx.bar_field, "opacity", tooltip=ctx.interval_tooltip)
    stub = ctx.bar(layer).encode(x=ctx.x("seg_lo"), x2=ctx.x2("seg_hi"), color=ctx.bar_color(df, legend),
                                 opacity=alt.Opacity("opacity:Q", scale=None))
    ticks = open_[open_["open_end"]]
    if "start_window" in ticks:  # a start known only within a window has no day to tick
        ticks = ticks[~ticks["start_window"]]
    if ticks.empty:
        return [stub]
    opacity = {"opacity": 1} if ctx.opaque_ticks else {}
    tick = ctx.lane(ticks, "x", "hex", tooltip=ctx.interval_tooltip).mark_tick(
        orient="vertical", thickness=4, size=ctx.bar_px + 8, clip=True, **opacity).encode(
        x=ctx.x("x"), color=alt.Color("hex:N", scale=None))
    return [stub, tick]


def _fade_columns(ctx) -> set[str]:
    """What a fade's segments are made of and draw (its lane, its colour, its tooltip): four copies of the rows
    are made, and of every column they would cost as much again."""
    tooltips = (field for field, _ in (*_EVENT_TOOLTIP, *ctx.interval_tooltip))
    return {"lane", "y", "patient", "dy", "x", "fade_lo", "fade_hi", ctx.start_field, ctx.bar_field, *tooltips}


def _fade_segments(rows: pd.DataFrame, ctx) -> pd.DataFrame:
    """Each row's fade from ``fade_lo`` to ``fade_hi`` as len(STUB_OPACITIES) segments of falling opacity, and a
    solid segment from its start to ``fade_lo`` where it certainly ran (``seg_lo``, ``seg_hi`` on the x axis)."""
    share = (rows["fade_hi"] - rows["fade_lo"]) / len(STUB_OPACITIES)
    pieces = [rows.assign(seg_lo=ctx.at(rows["fade_lo"] + i * share), seg_hi=ctx.at(rows["fade_lo"] + (i + 1) * share),
                          opacity=opacity) for i, opacity in enumerate(STUB_OPACITIES)]
    solid = rows[rows["fade_lo"] > rows[ctx.start_field]]
    pieces.append(solid.assign(seg_lo=solid["x"], seg_hi=ctx.at(solid["fade_lo"]), opacity=1.0))
    return pd.concat(pieces, ignore_index=True)


def _ongoing_arrows(df: pd.DataFrame, ctx) -> list[alt.Chart]:
    """An arrow just past the end of a therapy still given at the last follow-up (the bar runs on past the
    picture)."""
    rows = ctx.intervals(df)
    ongoing = rows[rows["ongoing"].fillna(False).astype(bool) & rows["has_end"]]
    if ongoing.empty:
        return []
    data = ongoing.assign(hex=ctx.hex(ongoing))
    return [ctx.lane(data, "x_end", "hex", tooltip=ctx.interval_tooltip).mark_point(
        shape=theme.ARROW_SHAPE, size=ctx.arrow_size, filled=True, opacity=1, xOffset=ctx.arrow_offset,
        stroke="white", strokeWidth=1, clip=True).encode(x=ctx.x("x_end"), color=alt.Color("hex:N", scale=None))]
