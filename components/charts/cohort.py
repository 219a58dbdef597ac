"""Pure chart builders for the cohort: swimmer plot, spider plot and waterfall (no Streamlit, no I/O).

They take the tables of ``timelines.cohort`` (``swimmer_table``, ``spider_table``, ``waterfall_table``) and
share the case view's look: the one theme, one colour per drug (``theme.drug_color``), the kind symbols
(``theme.KIND_SHAPES``) and the RECIST category colours of the lesion chart.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
from altair.utils import schemapi

from timelines.cohort import ALIGNMENTS, patient_words
from timelines.measures import PD_THRESHOLD, PR_THRESHOLD
from timelines.text import is_missing, signed_percent
from timelines.time.when import is_dated, say_month_span

from . import theme
from .axis import _as_objects, _empty_chart, _present, _tooltip, layered
from .lanes import (
    STUB_OPACITIES,
    _day_zero_rule,
    _fading_ends,
    _ongoing_arrows,
    _pack_slots,
    _therapy_bars,
    swatch_opacity,
)
from .lesions import CATEGORY_COLORS, PD_LINE_COLOR, PR_LINE_COLOR
from .rows import inline

SORTS = {"duration": "Longest follow-up first", "case_id": "Case id"}

SWIMMER_WIDTH = 900  # plot width in px: with lane labels it fits a 1280 px wide slide
LANE_PX_MAX = 54  # px per patient lane when there are few patients: room for a two-line label and marks above
LANE_PX_MIN = 30  # ... and when there are many (a one-line label); the chart then grows, the page scrolls
LANES_PX = 288  # the lanes share about this height, between those bounds
TWO_LINE_LANE_PX = 40  # below this, lane labels are one line ('case-id (F, 53)')
BAR_PX = 16  # thickness of a therapy bar
SLOT_PX = BAR_PX + 3  # vertical distance between therapies of one patient that overlap in time
PRIOR_MONTHS = 12  # the plot reaches this far before day 0; older therapy is counted at the left edge
PAD_FRACTION = 0.025
STUB_FRACTION = 0.045  # length of the fading stub of a therapy whose end is not reported, as a share of the axis
UNCERTAIN_MONTHS = 1.0  # a progression or death dated only within a wider range gets a whisker over that range
SPAN_OPACITY = 0.6
LANE_SHADE = "#f4f4f4"
FOLLOW_UP_COLOR = "#9a9a9a"
SYMBOL_SIZE = 190
LEGEND_LABEL_PX = 250
CHAR_PX = 6.4  # average width of a 14 px Liberation Sans / Arial character in a case id
EVENT_LEGEND_PX = 150  # width of the event legend ('Last follow-up' and its symbol)
AXIS_PX = 62  # x axis labels and title under the plot
SYMBOL_SIZES = {"death": SYMBOL_SIZE * 1.5, "follow-up": SYMBOL_SIZE * 1.3}
LETTER_PX = 26  # room for a bold two-letter response label
LANE_LABELS = "lane_labels"  # the parameter holding the lane labels, top to bottom

MARKS = {  # the symbols of the swimmer: same shapes and colours as the case view
    "progression": ("Progression", theme.kind_shape("progression"), theme.kind_color("progression")),
    "death": ("Death", theme.DEATH_SHAPE, theme.kind_color("death")),
    "follow-up": ("Last follow-up", theme.kind_shape("status"), theme.MUTED_COLOR),
}

SPIDER_WIDTH = 520
SPIDER_HEIGHT = 300
WATERFALL_WIDTH = 520
WATERFALL_HEIGHT = 300
BAR_MAX_PX = 64  # a waterfall of two patients keeps slim bars
REFERENCE_LINES = ((PR_THRESHOLD, signed_percent(PR_THRESHOLD), PR_LINE_COLOR),
                   (PD_THRESHOLD, signed_percent(PD_THRESHOLD), PD_LINE_COLOR))
MIN_PLOT_PX = 380  # the narrowest a spider or waterfall plot gets (half a page beside an open sidebar)


# ---------------------------------------------------------------------------------------------------------------
# Swimmer plot
# ---------------------------------------------------------------------------------------------------------------


def patient_order(rows: pd.DataFrame, sort: str = "duration") -> list[str]:
    """Lane order, top to bottom: longest follow-up first (ties by case id), or by case id.

    Raises
    ------
    ValueError
        For an unknown sort.
    """
    if sort not in SORTS:
        raise ValueError(f"Unknown sort {sort!r}. Hint: use one of {', '.join(map(repr, SORTS))}")
    lanes = rows.drop_duplicates("case_id")[["case_id", "patient"]]
    if sort == "case_id":
        return lanes.sort_values("case_id", kind="stable")["patient"].tolist()
    end = rows[["start_month", "end_month"]].max(axis=1).groupby(rows["case_id"]).max()
    lanes = lanes.assign(end=lanes["case_id"].map(end))
    return lanes.sort_values(["end", "case_id"], ascending=[False, True], kind="stable")["patient"].tolist()


# Chromium draws no canvas taller than 32,767 px: at LANE_PX_MIN a lane, this many lanes and the axis fit.
MAX_LANES = 1_000


def drawable_lanes(rows: pd.DataFrame, sort: str = "duration") -> tuple[pd.DataFrame, int]:
    """The swimmer rows of the first MAX_LANES patients in lane order, and how many patients are left out
    (a taller plot would not be drawn at all)."""
    order = patient_order(rows, sort) if len(rows) else []
    if len(order) <= MAX_LANES:
        return rows, 0
    return rows[rows["patient"].isin(set(order[:MAX_LANES]))].reset_index(drop=True), len(order) - MAX_LANES


def lane_px(patients: int) -> int:
    """Height of one patient lane: generous for a handful of patients, never below LANE_PX_MIN."""
    return int(max(LANE_PX_MIN, min(LANE_PX_MAX, LANES_PX // max(patients, 1))))


def swimmer_chart(rows: pd.DataFrame, *, align: str = "diagnosis", sort: str = "duration",
                  width: int | None = None, colors: theme.SharedColors = ()) -> alt.LayerChart | alt.Chart:
    """One lane per patient: therapy bars by drug, responses, progression, death, ongoing arrows, last follow-up.

    Parameters
    ----------
    rows
        ``timelines.cohort.swimmer_table(timelines, align)``.
    align
        The alignment the rows were made with; it titles the axis ("Months since diagnosis").
    sort
        ``"duration"`` (longest follow-up first) or ``"case_id"``.
    width
        Plot width in px (default 900).
    colors
        The colour of each therapy of the cases shown together (``theme.shared_colors`` of the case folder or the
        study), as their case views have it; empty: chosen among the therapies drawn.

    Returns
    -------
    alt.LayerChart
        x: months since day 0 of the alignment, from at most ``PRIOR_MONTHS`` before day 0 (older therapy is
        counted by a left-pointing mark at the edge, named in its tooltip). Bars coloured like the case view
        (``theme.drug_color``), solid while the therapy certainly ran and fading over when it may have ended (an
        end not reported, or known only within a window); an arrow after a therapy
        ongoing at the last follow-up; response categories as letters above the bar; progression and death
        with the case view's symbols; a bar tick at the last follow-up. Tooltips: patient, event, agent, dose,
        months.
    """
    width = width or SWIMMER_WIDTH
    if align not in ALIGNMENTS:
        raise ValueError(f"Unknown alignment {align!r}. Hint: use one of {', '.join(map(repr, ALIGNMENTS))}")
    if rows is None or rows.empty:
        return _empty_chart("No patient to show", width)
    # Altair validates every object it makes while debug mode is on; the spec is validated when it is made.
    with schemapi.debug_mode(False):
        return _swimmer(rows, align, sort, width, colors)


def _swimmer(rows: pd.DataFrame, align: str, sort: str, width: int, colors: theme.SharedColors) -> alt.LayerChart:
    order = patient_order(rows, sort)
    step = lane_px(len(order))
    frame = _swimmer_frame(rows, colors)
    window = _window(frame)
    frame = _with_therapy_slots(_clipped(frame, window), window)
    ctx = _Swim(order, step, window, ALIGNMENTS[align], width, _lane_lines(rows))
    layers = [layer for build in _SWIMMER_LAYERS for layer in build(frame, ctx)]
    # The lane labels' parameter on the first layer, as a layer chart's `add_params` puts it, and the chart made in
    # one go: Altair copies every layer each time `add_params`, `properties` or `resolve_scale` make a new one.
    layers[0] = layers[0].add_params(ctx.labels())
    return layered(*layers, width=width, height=ctx.height, title=_swimmer_key(frame),
                   resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent", shape="independent")),
                   description=f"Swimmer plot of {len(order)} patients, {ALIGNMENTS[align].lower()}",
                   usermeta={"chart": "swimmer", "align": align, "sort": sort, "patients": order})


class _Swim:
    """What the swimmer layers share: lane order and height, the visible window in months, the axis title.

    y is px from the top (a linear scale whose domain is the plot's height), not a band scale: each mark sits
    at its lane's centre plus its own offset, and the axis puts the lane labels at the centres (as the case
    view's swimlanes do). One layer (the lane shading) carries that axis; the others share its scale.
    """

    def __init__(self, order: list[str], step: int, window: tuple[float, float], title: str, width: int,
                 lines: dict[str, list[str]]):
        self.order, self.step, self.window, self.title, self.width = order, step, window, title, width
        self.centre = {patient: (i + 0.5) * step for i, patient in enumerate(order)}
        self.lane_labels = [_lane_label(lines[p], p, step) for p in order]
        self.label_px = min(300, max(len(label[0]) for label in self.lane_labels) * CHAR_PX) + 10  # + padding

    @property
    def height(self) -> int:
        return self.step * len(self.order)

    def x(self, field: str) -> alt.X:
        return alt.X(f"{field}:Q", scale=alt.Scale(domain=list(self.window), nice=False, zero=False),
                     axis=alt.Axis(title=self.title, grid=True, tickMinStep=1, labelOverlap=True))

    # What the layers shared with the case timeline ask of a lane geometry (see `lanes._Lanes`): x is in months
    # already, bars are Vega-Lite bars (no time unit on x here), a bar's colour is its agent's.
    bar_field, bar_px = "agent", BAR_PX
    arrow_size, arrow_offset = 330, 8  # a smaller arrow for the slimmer bar
    start_field = "x"  # where a bar starts, in the units of fade_lo and fade_hi (months)
    opaque_ticks = True

    @property
    def interval_tooltip(self) -> tuple:
        return _THERAPY_TOOLTIP

    @property
    def day_zero(self) -> str:
        return f"day 0: {self.title.replace('Months since ', '')}"

    def x2(self, field: str) -> str:
        return f"{field}:Q"

    def at(self, months):
        return months

    def intervals(self, df: pd.DataFrame) -> pd.DataFrame:
        """The rows drawn as bars: therapies within the window, each at its slot's offset in the lane."""
        return _visible(df, "therapy").assign(dy=lambda d: d["bar_dy"])

    def hex(self, df: pd.DataFrame) -> pd.Series:
        return df["agent_hex"]

    def bar(self, chart: alt.Chart, rounded: bool = False) -> alt.Chart:
        return chart.mark_bar(orient="horizontal", height=BAR_PX, clip=True, **({"cornerRadius": 2} if rounded else {}))

    def bar_color(self, df: pd.DataFrame, legend: bool = True) -> alt.Color:
        return _drug_color(df, legend)

    def y(self, field: str = "y", axis: bool = False) -> alt.Y:
        return alt.Y(f"{field}:Q", scale=alt.Scale(domain=[0, self.height], reverse=True, nice=False, zero=False),
                     axis=self._lane_axis() if axis else alt.Undefined)

    def labels(self) -> alt.Parameter:
        """The lane labels, top to bottom: 'case-id' over 'F, 53' (a list of two lines) when a lane has room for
        two lines, 'case-id (F, 53)' otherwise."""
        labels = [label if len(label) > 1 else label[0] for label in self.lane_labels]
        return alt.param(name=LANE_LABELS, value=labels)

    def _lane_axis(self) -> alt.Axis:
        # A lookup in the labels parameter, not the labels written into the expression: Streamlit's Vega
        # evaluates expressions with an interpreter, which would rebuild a list of every label for every label.
        expr = f"{LANE_LABELS}[round(datum.value / {self.step} - 0.5)]"
        two_lines = self.step >= TWO_LINE_LANE_PX
        # A two-line label starts at the lane's centre: half a line up centres it on the lane.
        return alt.Axis(title=None, values=list(self.centre.values()), labelExpr=expr, labelLimit=300,
                        labelPadding=10, labelLineHeight=17, labelOffset=-8 if two_lines else 0, domain=False,
                        ticks=False, grid=False)

    def lane(self, data: pd.DataFrame, *encoded: str, tooltip=()) -> alt.Chart:
        """A layer on the lanes: each mark at its lane's centre moved up (negative) or down by its ``dy`` px, with
        a tooltip of the ``tooltip`` fields (column, title) that hold some text.

        Its rows carry ``y``, the ``encoded`` columns and the tooltip's, nothing else: every column goes to the
        browser, which turns the rows into objects cell by cell (a hundred thousand cells for 1,000 patients)."""
        shown = _present(data, tooltip)
        columns = list(dict.fromkeys([*encoded, *(field for field, _ in shown)]))
        rows = data[columns].assign(y=data["patient"].map(self.centre) + data["dy"]).reset_index(drop=True)
        chart = alt.Chart(inline(rows)).encode(y=self.y())
        return chart.encode(tooltip=[alt.Tooltip(field=f, type="nominal", title=t) for f, t in shown]) if shown else chart


def _lane_lines(rows: pd.DataFrame) -> dict[str, list[str]]:
    """Each lane's label on two lines, by its patient: ['case-id', 'F, 53'] from the case id, sex and age; the
    patient ('case-id (F, 53)') on one line for rows without sex (a table of an older warehouse)."""
    lanes = rows.drop_duplicates("patient").reindex(columns=["patient", "case_id", "sex", "age"])
    return {patient: [patient] if is_missing(sex) else [case, patient_words(sex, age)]
            for patient, case, sex, age in zip(lanes["patient"], lanes["case_id"], lanes["sex"], lanes["age"])}


def _lane_label(lines: list[str], patient: str, step: int) -> list[str]:
    """The lane's two lines when it has room for them, else the patient on one line ('case-id (F, 53)')."""
    return lines if step >= TWO_LINE_LANE_PX else [patient]


def _swimmer_frame(rows: pd.DataFrame, colors: theme.SharedColors = ()) -> pd.DataFrame:
    df = _as_objects(rows.reset_index(drop=True))
    for name in ("start_month", "end_month", "start_month_earliest", "start_month_latest", "end_month_earliest",
                 "end_month_latest", "solid_until_month", "fade_until_month"):
        df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64") if name in df else float("nan")
    df["ongoing"] = df["ongoing"].fillna(False).astype(bool)
    therapy = df["category"].eq("therapy")
    df["has_end"] = therapy & df["end_month"].notna()
    df["open_end"] = therapy & df["end_month"].isna()
    # Solid while it certainly ran, faded over when it may have ended (as on the case timeline): an end not
    # reported, or known only within a window.
    width = df["end_month_latest"] - df["end_month_earliest"]
    uncertain = width.ge(0.05) | (df["end_month_earliest"].notna() & df["end_month_latest"].isna())
    df["faded_end"] = df["open_end"] | (df["has_end"] & ~df["ongoing"] & uncertain)
    df["agent"] = df["agent"].fillna("").where(df["agent"].fillna("").ne(""), df["label"])
    df["dose"] = df["detail"].fillna("").where(therapy, "")
    # One colour per drug across the cohort, no two drugs alike (theme.therapy_colors), as the case views have it
    # (colors: the mapping of the cases shown together); else in order of first start;
    # a therapy over before day 0 (drawn as a grey 'earlier therapy' mark) chooses last.
    rows = df.loc[therapy].assign(_earlier=lambda d: d["end_month"].lt(0))
    order = rows.sort_values(["_earlier", "start_month"], kind="stable")["agent"]
    df["agent_hex"] = df["agent"].map(theme.therapy_colors(order, colors))
    used = ["category", "end_month", "ongoing", "start_month_earliest", "start_month_latest", "end_month_earliest",
            "end_month_latest"]
    df["months"] = [_months_text(r) for r in df[used].itertuples(index=False)]
    return df


def _months_text(row) -> str:
    """The dates as precisely as they are known, in months since day 0: 'month 1.1 to 6.1', 'months 0.0–1.0 to
    month 6.1, ongoing at last follow-up', 'month 7.0, end not reported (months 11.0–19.5)'."""
    start = say_month_span(row.start_month_earliest, row.start_month_latest)
    if row.category != "therapy":
        return start
    end = say_month_span(row.end_month_earliest, row.end_month_latest)
    if pd.isna(row.end_month):
        return f"{start}, end not reported" + (f" ({end})" if is_dated(row.end_month_earliest, row.end_month_latest)
                                               else "")
    return f"{start} to {end}" + (", ongoing at last follow-up" if row.ongoing else "")


def _window(df: pd.DataFrame) -> tuple[float, float]:
    """The months shown: from day 0 (or the earliest event, at most PRIOR_MONTHS before) to the last one."""
    ends = pd.concat([df["start_month"], df["end_month"], df["start_month_latest"]]).dropna()
    # Only what reaches into the PRIOR_MONTHS before day 0 pulls the left edge back: a therapy for a cancer
    # years earlier would squash every lane into a sliver.
    reach = df["end_month"].where(df["has_end"], df["start_month"])
    recent = df.loc[reach >= -PRIOR_MONTHS, "start_month"]
    lo = max(min(0.0, float(recent.min()) if not recent.empty else 0.0), -PRIOR_MONTHS)
    hi = max(float(ends.max()), lo + 1)
    pad = (hi - lo) * PAD_FRACTION
    # Extra room on the right for an arrow or a stub reaching past the last follow-up.
    return round(lo - pad, 2), round(hi + pad + (hi - lo) * STUB_FRACTION, 2)


def _clipped(df: pd.DataFrame, window: tuple[float, float]) -> pd.DataFrame:
    """Therapy over before the window starts is flagged `before` (counted at the left edge); a bar that starts
    earlier and runs into the window starts at the edge."""
    lo = window[0]
    stub = (window[1] - window[0]) * STUB_FRACTION
    solid_until = df["solid_until_month"].fillna(df["end_month_earliest"]).fillna(df["start_month"]).clip(
        lower=df["start_month"])
    fade_until = df["fade_until_month"].fillna(df["end_month_latest"]).fillna(window[1]).clip(lower=solid_until)
    end = df["start_month"].where(~df["has_end"], df["end_month"]).where(~df["faded_end"], fade_until)
    df = df.assign(before=end < lo, stub=stub)
    df["x"] = df["start_month"].clip(lower=lo)
    df["x_end"] = df["end_month"].clip(lower=lo)
    df["fade_lo"] = solid_until.clip(lower=lo).where(df["faded_end"])
    df["fade_hi"] = fade_until.clip(lower=lo).where(df["faded_end"])
    return df


def _with_therapy_slots(df: pd.DataFrame, window: tuple[float, float]) -> pd.DataFrame:
    """Therapies of one patient that overlap in time get their own sub-row (slot) in the lane."""
    therapy = df[df["category"].eq("therapy") & ~df["before"]].sort_values(["case_id", "x", "start_month"])
    # A switch of therapy on the same day, or with dates that overlap by a few days, stays on one row.
    tolerance = max(0.25, (window[1] - window[0]) * 0.005)
    therapy_ends = therapy["x_end"].where(therapy["has_end"] & ~therapy["faded_end"], therapy["fade_hi"])
    # Unlike the case timeline's symbols (which keep a gap), bars may touch or overlap by the tolerance.
    slot_of = _pack_slots(therapy.index, therapy["case_id"], therapy["x"], therapy_ends,
                          lambda x, until: x >= until - tolerance)
    df = df.assign(slot=pd.Series(slot_of, dtype="int64").reindex(df.index, fill_value=0))
    slots = df.groupby("case_id")["slot"].transform("max") + 1
    df["bar_dy"] = (df["slot"] - (slots - 1) / 2) * SLOT_PX
    df["dy"] = 0.0
    return df


def _visible(df: pd.DataFrame, category: str) -> pd.DataFrame:
    return df[df["category"].eq(category) & ~df["before"]]


_THERAPY_TOOLTIP = (("patient", "Patient"), ("label", "Therapy"), ("agent", "Agent"), ("dose", "Dose"),
                    ("months", "Months"))
_EVENT_TOOLTIP = (("patient", "Patient"), ("label", "Event"), ("detail", "Detail"), ("months", "Months"))
_SPAN_TOOLTIP = (("patient", "Patient"), ("label", "Event"), ("months", "Months"))
_RESPONSE_TOOLTIP = (("patient", "Patient"), ("label", "Response"), ("category", "Category"), ("months", "Months"))
_EARLIER_TOOLTIP = (("what", "Not shown"), ("labels", "Therapy"))


def _lane_shading(df: pd.DataFrame, ctx: _Swim) -> list[alt.Chart]:
    """Every other lane on a light grey ground, so a patient's marks read along one line; this layer, drawn
    even when no lane is shaded (a single patient), carries the lane labels."""
    top = [ctx.centre[patient] - ctx.step / 2 for patient in ctx.order[1::2]]
    shaded = pd.DataFrame({"top": top, "bottom": [t + ctx.step for t in top]}, dtype="float64")
    # tooltip=None: Streamlit turns tooltips on for every mark, and the ground would show its pixel bounds.
    return [alt.Chart(inline(shaded)).mark_rect(color=LANE_SHADE, tooltip=None).encode(
        y=ctx.y("top", axis=True), y2=alt.Y2("bottom:Q"), x=alt.XValue(0), x2=alt.X2Value("width"))]


_FOLLOW_UP_TOOLTIP = (("patient", "Patient"), ("followed", "Followed up"))


def _follow_up_lines(df: pd.DataFrame, ctx: _Swim) -> list[alt.Chart]:
    """A thin line from the start of each lane to the last follow-up: the time observed, therapy or not."""
    starts = df.groupby("patient")["x"].min().clip(upper=0.0)
    ends = df[df["category"].eq("follow-up")].groupby("patient")["start_month"].max()
    data = pd.DataFrame({"patient": ends.index, "x": starts.reindex(ends.index).fillna(0.0).to_numpy(),
                         "x_end": ends.to_numpy(), "dy": 0.0})
    data["followed"] = [f"to {end:.1f} months" for end in data["x_end"]]
    line = ctx.lane(data, "x", "x_end", tooltip=_FOLLOW_UP_TOOLTIP)
    return [line.mark_rule(color=FOLLOW_UP_COLOR, strokeWidth=2).encode(
        x=ctx.x("x"), x2=alt.X2("x_end:Q"))]


def _drug_color(df: pd.DataFrame, legend: bool = True) -> alt.Color:
    """The case view's colour of each drug or regimen (``theme.drug_color``), listed in order of first use."""
    therapies = df[df["category"].eq("therapy") & ~df["before"]].sort_values("start_month")
    drugs = list(dict.fromkeys(therapies["agent"]))
    hexes = dict(zip(df["agent"], df["agent_hex"]))  # the colour the bars, stubs and arrows of each drug have
    # Two columns of at most LEGEND_LABEL_PX: the legend fits under the plot even beside an open sidebar. A swatch is
    # as opaque as its drug is drawn at its most certain: a drug drawn only fading has its first fade's shade.
    shown = alt.Legend(title="Therapy", columns=2, symbolType="square", symbolSize=220, labelLimit=LEGEND_LABEL_PX,
                       orient="bottom", direction="horizontal",
                       symbolOpacity=swatch_opacity(_drawn_opacity(therapies), drugs))
    return alt.Color("agent:N", scale=alt.Scale(domain=drugs, range=[hexes[d] for d in drugs]),
                     legend=shown if legend else None)


def _drawn_opacity(therapies: pd.DataFrame) -> dict[str, float]:
    """Each drug's opacity where it is drawn most certain: 1 for a bar with a solid part (a known end, or solid up
    to where it may have ended), the first fade's for a bar that only fades."""
    fade_only = therapies["faded_end"] & ~(therapies["fade_lo"] > therapies["x"])
    opacity = pd.Series(1.0, index=therapies.index).where(~fade_only, STUB_OPACITIES[0])
    return opacity.groupby(therapies["agent"]).max().to_dict()


def _earlier_therapy(df: pd.DataFrame, ctx: _Swim) -> list[alt.Chart]:
    """Therapy that ended before the window (e.g. for a cancer years earlier): a grey mark at the left edge."""
    before = df[df["before"] & df["category"].eq("therapy")]
    if before.empty:
        return []
    grouped = before.groupby("patient").agg(
        count=("label", "size"), first=("start_month", "min"),
        labels=("label", lambda s: " · ".join(s))).reset_index()
    grouped["what"] = [f"{n} earlier therap{'y' if n == 1 else 'ies'}, from month {first:.0f}"
                       for n, first in zip(grouped["count"], grouped["first"])]
    data = grouped.assign(x=ctx.window[0], dy=0.0)
    return [ctx.lane(data, "x", tooltip=_EARLIER_TOOLTIP).mark_point(
        shape="triangle-left", size=170, filled=True, opacity=1, xOffset=7, color=theme.MUTED_COLOR).encode(
        x=ctx.x("x"))]


def _grouped_events(df: pd.DataFrame, categories: tuple[str, ...]) -> pd.DataFrame:
    """Events of one patient, category and month drawn as one mark whose tooltip names them all."""
    events = df[df["category"].isin(categories) & ~df["before"]]
    if events.empty:
        return events
    grouped = events.groupby(["patient", "case_id", "category", "start_month"], sort=False)
    marks = grouped.agg(months=("months", "first"), x=("x", "first"), lo=("start_month_earliest", "min"),
                        hi=("start_month_latest", "max")).reset_index()
    # Each distinct label and detail once, in order: gathered in one pass, as a function per group is slow.
    labels, details = [{} for _ in range(len(marks))], [{} for _ in range(len(marks))]
    for group, label, detail in zip(grouped.ngroup(), events["label"], events["detail"]):
        if pd.isna(group):  # a row without a month is in no group
            continue
        labels[int(group)][label] = None
        if detail:
            details[int(group)][detail] = None
    return marks.assign(label=[" · ".join(texts) for texts in labels], detail=["/".join(texts) for texts in details])


def _letter_offsets(responses: pd.DataFrame, ctx: _Swim) -> pd.Series:
    """Letters sit above the bar; one that would overprint the letter before it in its lane goes below the bar."""
    above = -(BAR_PX / 2 + min(11, ctx.step / 5))
    gap = LETTER_PX * (ctx.window[1] - ctx.window[0]) / ctx.width  # months taken by a two-letter label
    ordered = responses.sort_values(["patient", "x"])
    offsets, lane, last = {}, None, {}
    for index, patient, x in zip(ordered.index, ordered["patient"], ordered["x"]):
        if patient != lane:
            lane, last = patient, {above: float("-inf"), -above: float("-inf")}
        row = above if x - last[above] >= gap or x - last[-above] < gap else -above
        offsets[index], last[row] = row, x
    return pd.Series(offsets, dtype="float64").reindex(responses.index)


def _date_whiskers(df: pd.DataFrame, ctx: _Swim) -> list[alt.Chart]:
    """A thin whisker from the earliest to the latest possible date of a progression or a death (a response's
    range is in its tooltip: a whisker at the height of the letters would run into the bar).

    Not the case timeline's `lanes._uncertainty_spans`, on purpose: with a thousand lanes only a range of a month
    or more is drawn, for progression and death only, and as a thin round whisker across the lane."""
    events = _grouped_events(df, ("progression", "death"))
    if events.empty:
        return []
    events = events[(events["hi"] - events["lo"]) >= UNCERTAIN_MONTHS]
    if events.empty:
        return []
    color = {"progression": theme.kind_color("progression"), "death": theme.kind_color("death")}
    data = events.assign(hex=events["category"].map(color), dy=0.0)
    return [ctx.lane(data, "lo", "hi", "hex", tooltip=_SPAN_TOOLTIP).mark_rule(
        strokeWidth=3, opacity=SPAN_OPACITY, strokeCap="round", clip=True).encode(
        x=ctx.x("lo"), x2=alt.X2("hi:Q"), color=alt.Color("hex:N", scale=None))]


def _event_symbols(df: pd.DataFrame, ctx: _Swim) -> list[alt.Chart]:
    """Progression and death with the case view's symbols, and a bar tick at the last follow-up."""
    events = _grouped_events(df, ("progression", "death", "follow-up"))
    if events.empty:
        return []
    # Follow-up ending in death: the death mark says it, a follow-up tick beneath it would only blur it.
    deaths = events[events["category"].eq("death")].groupby("patient")["start_month"].max()
    at_death = events["category"].eq("follow-up") & (
        (events["start_month"] - events["patient"].map(deaths)).abs() < 0.05)
    events = events[~at_death]
    kinds = [k for k in MARKS if k in set(events["category"])]
    events = events.assign(mark=events["category"].map(lambda k: MARKS[k][0]), dy=0.0,
                           size=events["category"].map(SYMBOL_SIZES).fillna(SYMBOL_SIZE))
    names = [MARKS[k][0] for k in kinds]
    # The event key sits under the lane labels, beside the therapy legend rather than past the right edge (when
    # the labels leave room for it).
    place = dict(orient="none", legendX=-EVENT_LEGEND_PX, legendY=ctx.height + AXIS_PX + 7) \
        if ctx.label_px >= EVENT_LEGEND_PX else dict(orient="bottom")
    legend = alt.Legend(title="Event", direction="vertical", symbolStrokeWidth=2, **place)
    return [ctx.lane(events, "x", "mark", "size", tooltip=_EVENT_TOOLTIP).mark_point(
        filled=True, opacity=1, stroke="white", strokeWidth=0.8, clip=True).encode(
        x=ctx.x("x"),
        shape=alt.Shape("mark:N", scale=alt.Scale(domain=names, range=[MARKS[k][1] for k in kinds]), legend=legend),
        color=alt.Color("mark:N", scale=alt.Scale(domain=names, range=[MARKS[k][2] for k in kinds]), legend=legend),
        size=alt.Size("size:Q", scale=None, legend=None))]


def _response_letters(df: pd.DataFrame, ctx: _Swim) -> list[alt.Chart]:
    """Response categories as bold letters above the bar (CR, PR, SD, PD), coloured as on the lesion chart."""
    responses = _grouped_events(df, ("response",))
    if responses.empty:
        return []
    # A response the paper gives only in words ('favorable response') is an R, its words in the tooltip.
    letters = [d if d in CATEGORY_COLORS else "R" if d else "NE" for d in responses["detail"]]
    data = responses.assign(dy=_letter_offsets(responses, ctx), category=letters)
    categories = [c for c in CATEGORY_COLORS if c in set(data["category"])]
    categories += sorted(set(data["category"]) - set(categories))
    color = alt.Color("category:N", legend=None, scale=alt.Scale(
        domain=categories, range=[CATEGORY_COLORS.get(c, theme.MUTED_COLOR) for c in categories]))
    return [ctx.lane(data, "x", "category", tooltip=_RESPONSE_TOOLTIP).mark_text(
        fontSize=14, fontWeight="bold", baseline="middle", clip=True).encode(
        x=ctx.x("x"), text=alt.Text("category:N"), color=color)]


def _swimmer_key(df: pd.DataFrame) -> alt.TitleParams:
    """A one-line key under the chart, naming only the conventions the plot uses."""
    described = df["category"].eq("response") & df["detail"].ne("") & ~df["detail"].isin(list(CATEGORY_COLORS))
    items = [(df["category"].eq("response").any(), "CR PR SD PD: response"),
             (described.any(), "R: a response in the paper's words"),
             ((df["ongoing"] & df["has_end"] & ~df["before"]).any(), "► ongoing"),
             ((df["faded_end"] & ~df["before"]).any(), "fading bar: solid while it certainly ran, faded where it "
                                                       "may have ended"),
             (df["before"].any(), "◄ earlier therapy")]
    text = "   ·   ".join(text for shown, text in items if shown)
    return alt.TitleParams(text=text, orient="bottom", anchor="start", fontSize=theme.LABEL_SIZE,
                           fontWeight="normal", font=theme.FONT, color=theme.MUTED_COLOR, offset=12)


_SWIMMER_LAYERS = (_lane_shading, _day_zero_rule, _follow_up_lines, _date_whiskers, _therapy_bars,
                   _fading_ends, _ongoing_arrows, _earlier_therapy, _event_symbols, _response_letters)


# ---------------------------------------------------------------------------------------------------------------
# Spider plot and waterfall: percent change of the sum of target diameters from baseline
# ---------------------------------------------------------------------------------------------------------------


def _reference_rules(scale: alt.Scale, title: str) -> list[alt.Chart]:
    """Dashed lines at −30 % (partial response) and +20 %, labelled in the right margin; 0 % solid."""
    data = pd.DataFrame([{"pct": pct, "text": text, "hex": color} for pct, text, color in REFERENCE_LINES])
    y = alt.Y("pct:Q", scale=scale, title=title)
    base = alt.Chart(data).encode(y=y)
    zero = alt.Chart(pd.DataFrame({"pct": [0.0]})).mark_rule(color=theme.MUTED_COLOR, strokeWidth=1).encode(y=y)
    rules = base.mark_rule(strokeDash=[7, 4], strokeWidth=2).encode(color=alt.Color("hex:N", scale=None),
                                                                   tooltip=alt.Tooltip("text:N", title="Reference"))
    # Labelled in the right margin, level with the line: inside the plot a bar or a line would run over them.
    labels = base.mark_text(align="left", baseline="middle", x="width", dx=6, fontSize=theme.LABEL_SIZE,
                            fontWeight="bold").encode(text=alt.Text("text:N"), color=alt.Color("hex:N", scale=None))
    return [zero, rules, labels]


def _pct_scale(values: pd.Series) -> alt.Scale:
    """−100 % (every target gone) to at least +40 %, so both reference lines always show."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    top = max(40.0, float(values.max()) + 15) if not values.empty else 40.0
    bottom = min(-100.0, float(values.min()) - 5) if not values.empty else -100.0
    return alt.Scale(domain=[bottom, top], nice=False, zero=False)


def spider_chart(rows: pd.DataFrame, *, align: str = "diagnosis", width: int | None = None,
                 height: int | None = None) -> alt.LayerChart | alt.Chart:
    """Percent change of the sum of target diameters from baseline over months, one line per patient.

    Parameters
    ----------
    rows
        ``timelines.cohort.spider_table(timelines, align)`` (pass only the patients to draw).
    align
        The alignment of the rows; it titles the x axis.

    Returns
    -------
    alt.LayerChart
        Lines and points per patient (colour per patient, with a legend), the RECIST category of each scan as
        a letter beside its point, and reference lines at −30 % and +20 %.
    """
    width, height = width or SPIDER_WIDTH, height or SPIDER_HEIGHT
    if rows is None or rows.empty:
        return _empty_chart("No target-lesion measurements to compare", width)
    df = _as_objects(rows.reset_index(drop=True))
    df["change_text"] = df["change_pct"].map(signed_percent)
    df["sum_text"] = df["sum_mm"].map(lambda v: f"{v:g} mm") + df["baseline_mm"].map(lambda v: f" (baseline {v:g} mm)")
    df["months"] = df["month"].map(lambda v: f"month {v:.1f}")
    df["tag"] = df["category"].where(df["category"].ne("baseline"), "")
    patients = list(dict.fromkeys(df["patient"]))
    scale, title = _pct_scale(df["change_pct"]), "Change from baseline (%)"
    y = alt.Y("change_pct:Q", title=title, scale=scale)
    x = alt.X("month:Q", title=ALIGNMENTS.get(align, "Months"), scale=alt.Scale(nice=True, zero=False),
              axis=alt.Axis(tickMinStep=1))
    color = alt.Color("patient:N", scale=alt.Scale(domain=patients, range=list(theme.PALETTE[:len(patients)])),
                      legend=alt.Legend(title="Patient", orient="bottom", columns=1, labelLimit=400))
    tooltip = _tooltip(df, (("patient", "Patient"), ("change_text", "Change from baseline"),
                            ("sum_text", "Sum of target diameters"), ("category", "RECIST 1.1"),
                            ("months", "When")))
    base = alt.Chart(df).encode(x=x, y=y, color=color, detail=alt.Detail("case_id:N"))
    layers = _reference_rules(scale, title) + [
        base.mark_line(strokeWidth=3, point=False),
        base.mark_point(filled=True, size=120, opacity=1).encode(tooltip=tooltip),
        base.mark_text(align="left", dx=8, dy=-8, fontSize=13, fontWeight="bold").encode(text=alt.Text("tag:N"))]
    return alt.layer(*layers).properties(
        width=width, height=height, title=alt.TitleParams("Spider plot: target lesions", fontSize=theme.TITLE_SIZE),
        description=f"Spider plot of {len(patients)} patients", usermeta={"chart": "spider", "patients": patients})


def waterfall_chart(rows: pd.DataFrame, *, width: int | None = None, height: int | None = None
                    ) -> alt.LayerChart | alt.Chart:
    """Best percent change of the sum of target diameters per patient, bars sorted, coloured by category.

    Parameters
    ----------
    rows
        ``timelines.cohort.waterfall_table(timelines)`` (already sorted, largest increase first).

    Returns
    -------
    alt.LayerChart
        One bar per patient in the order of the rows, coloured by the best RECIST 1.1 category (the lesion
        chart's colours), the value printed at the bar's end, reference lines at −30 % and +20 %.
    """
    width, height = width or WATERFALL_WIDTH, height or WATERFALL_HEIGHT
    if rows is None or rows.empty:
        return _empty_chart("No patient has a scan after baseline", width)
    df = _as_objects(rows.reset_index(drop=True))
    df["change_text"] = df["best_change_pct"].map(signed_percent)
    df["case"] = df["case_id"]
    order = df["case"].tolist()
    categories = [c for c in CATEGORY_COLORS if c in set(df["category"])]
    categories += sorted(set(df["category"]) - set(categories))
    color = alt.Color("category:N", title="Best RECIST 1.1", scale=alt.Scale(
        domain=categories, range=[CATEGORY_COLORS.get(c, theme.MUTED_COLOR) for c in categories]),
        legend=alt.Legend(orient="bottom", direction="horizontal"))
    # Level labels when each fits under its bar even in the narrowest layout, else slanted.
    longest = max(len(c) for c in order)
    angle = 0 if min(width, MIN_PLOT_PX) / len(order) >= longest * CHAR_PX * 1.25 else -30
    x = alt.X("case:N", sort=order, title=None, scale=alt.Scale(paddingInner=0.25),
              axis=alt.Axis(labelAngle=angle, labelLimit=220, labelAlign="center" if angle == 0 else "right"))
    scale, title = _pct_scale(df["best_change_pct"]), "Best change from baseline (%)"
    y = alt.Y("best_change_pct:Q", title=title, scale=scale)
    tooltip = _tooltip(df, (("patient", "Patient"), ("change_text", "Best change"), ("category", "Best RECIST 1.1"),
                            ("best_response", "Best response (any source)"), ("assessments", "Scans after baseline")))
    base = alt.Chart(df).encode(x=x, y=y)
    # The value sits beyond the bar's end: under a decrease, over an increase.
    labels = [base.mark_text(fontSize=theme.LABEL_SIZE, fontWeight="bold", color=theme.TEXT_COLOR,
                             baseline="top" if below else "bottom", dy=4 if below else -4).encode(
        text=alt.Text("change_text:N")).transform_filter(f"datum.best_change_pct {'<' if below else '>='} 0")
        for below in (True, False)]
    bar_px = min(BAR_MAX_PX, 0.7 * width / len(order))
    layers = [base.mark_bar(cornerRadius=2, width=bar_px).encode(color=color, tooltip=tooltip)]
    layers += _reference_rules(scale, title) + labels
    return alt.layer(*layers).properties(
        width=width, height=height, title=alt.TitleParams("Waterfall: best change", fontSize=theme.TITLE_SIZE),
        description=f"Waterfall of {len(order)} patients", usermeta={"chart": "waterfall", "patients": order})


COHORT_CHARTS = ("swimmer", "spider", "waterfall")


def cohort_chart(frames: dict, name: str, case_ids: list[str], align: str = "diagnosis",
                 sort: str = "duration", colors: theme.SharedColors = ()) -> alt.TopLevelMixin:
    """One chart of the cohort page for the cases `case_ids` of the cohort's `frames` (timelines.cohort tables, the
    swimmer and spider rows under "swimmer:<align>" and "spider:<align>"): the swimmer plot of its drawable lanes,
    the spider plot of the cases that have a waterfall bar, or the waterfall; ``colors``: the swimmer's therapy
    colours (``swimmer_chart``)."""
    if name not in COHORT_CHARTS:
        raise ValueError(f"Unknown cohort chart {name!r}. Hint: use one of {', '.join(map(repr, COHORT_CHARTS))}")
    waterfall = only_cases(frames["waterfall"], case_ids)
    if name == "waterfall":
        return waterfall_chart(waterfall)
    if name == "spider":
        spider = only_cases(frames[f"spider:{align}"], case_ids)
        return spider_chart(spider[spider["case_id"].isin(set(waterfall["case_id"]))], align=align)
    rows, _ = drawable_lanes(only_cases(frames[f"swimmer:{align}"], case_ids), sort)
    return swimmer_chart(rows, align=align, sort=sort, colors=colors)


def only_cases(frame: pd.DataFrame, case_ids: list[str]) -> pd.DataFrame:
    """The rows of the cases `case_ids`."""
    return frame[frame["case_id"].isin(case_ids)].reset_index(drop=True)
