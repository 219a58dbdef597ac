"""Therapy bands: the systemic therapy periods drawn as light bands (and labelled with the drug) behind the
lesion and marker charts.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from timelines.tables import SYSTEMIC
from timelines.text import cut_chars

from . import theme
from .axis import DEFAULT_WIDTH, TimeAxis, _as_objects, _day_columns
from .rows import inline


def therapy_bands(events: pd.DataFrame, colors: theme.SharedColors = ()) -> pd.DataFrame:
    """The systemic therapy rows of an event table (chemotherapy, targeted, immunotherapy, endocrine), each with
    ``therapy_hex``, its colour as its timeline bar has it (``theme.therapy_colors`` of every systemic lane of the
    case, in table order, with ``colors``: the mapping of the cases shown together).

    These are drawn as light background bands behind the lesion and marker charts.
    """
    if events is None or events.empty:
        return pd.DataFrame(columns=events.columns if events is not None else [])
    rows = events[events["category"].eq(SYSTEMIC)].reset_index(drop=True)
    return rows.assign(therapy_hex=rows["lane"].map(theme.therapy_colors(rows["lane"], colors)))


def _band_colors(df: pd.DataFrame) -> dict[str, str]:
    """Each therapy's colour as its timeline bar has it (``therapy_bands``)."""
    if "therapy_hex" in df:
        return dict(zip(df["lane"], df["therapy_hex"]))
    return theme.therapy_colors(df["lane"])


def _band_layers(bands: pd.DataFrame | None, tax: TimeAxis, x, x2, *, labels: bool,
                 window: tuple[float, float] | None = None, width: int = DEFAULT_WIDTH) -> list[alt.Chart]:
    """Light bands over each systemic therapy period, labelled with the drug in the top panel.

    A therapy whose end is not reported, or known only within a window, is solid while it certainly ran and
    fades out over when it may have ended, as its bar does on the timeline.
    """
    if bands is None or bands.empty:
        return []
    df, data = _band_data(bands, tax)
    tooltip = [alt.Tooltip("label:N", title="Therapy"), alt.Tooltip("date_text:N", title="Start"),
               alt.Tooltip("end_text:N", title="End")]
    if not tax.calendar:
        tooltip = tooltip[:1]
    layers = [alt.Chart(data).mark_rect(clip=True).encode(
        x=x("band_lo"), x2=x2("band_hi"), color=alt.Color("hex:N", scale=None),
        opacity=alt.Opacity("opacity:Q", scale=None), tooltip=tooltip)]
    if labels and window is not None:
        layers += _band_labels(df, tax, x, window, width)
    return layers


_BAND_COLUMNS = ("lane", "label", "date_text", "end_text", "ongoing", "therapy_hex")


_LAST_BANDS: tuple = ()  # (bands, tax, result) of the last call: the panels of one stack share their bands


def _band_data(bands: pd.DataFrame, tax: TimeAxis) -> tuple[pd.DataFrame, alt.InlineData]:
    """The therapy rows with their day columns, and the rows of the bands drawn (``rows.inline``): computed once
    for every panel of a stack (the same rows on the same axis), not once per panel."""
    global _LAST_BANDS
    last = _LAST_BANDS
    if last and last[0] is bands and last[1] == tax:
        return last[2]
    # Only the columns a band draws or says: taking rows of the event table's every column costs far more.
    df = _as_objects(bands[[c for c in bands.columns if c.startswith("day_") or c in _BAND_COLUMNS]].reset_index(drop=True))
    days = _day_columns(df)
    df[days.columns] = days
    ongoing = df["ongoing"].fillna(False).astype(bool)
    exact_end = df["day_end"].notna() & (ongoing | df["day_end_earliest"].eq(df["day_end_latest"]).fillna(False))
    # Solid from the latest possible start (a start known only within a window is a faint band over it).
    solid_from = df["day_start_latest"].astype("float64")
    df = df.assign(solid_from=solid_from)
    known = df[exact_end & solid_from.notna()]
    known = known.assign(band_lo=tax.at(known["solid_from"]), band_hi=tax.at(known["day_end"]), opacity=0.14)
    stubs = _band_stubs(df[~exact_end], tax)
    data = pd.concat([_start_windows(df, tax), known, stubs], ignore_index=True)
    data = data.assign(hex=data["lane"].map(_band_colors(df)))
    result = df, inline(data[["band_lo", "band_hi", "hex", "opacity", "label", "date_text", "end_text"]])
    _LAST_BANDS = (bands, tax, result)
    return result


def _band_labels(df: pd.DataFrame, tax: TimeAxis, x, window: tuple[float, float], width: int) -> list[alt.Chart]:
    """The drug over each band in view, from the band's start or the window's left edge, cut to the room before
    the next label (labels sit outside the plot, so one outside the window would widen the chart)."""
    end = df["day_end"].fillna(df["day_end_latest"]).fillna(df["day_end_earliest"]).fillna(df["day_start"])
    first = df[(end >= window[0]) & (df["day_start"] <= window[1])].copy()
    if first.empty:
        return []
    first["at"] = first["day_start"].clip(lower=window[0])
    first = first.sort_values("at").drop_duplicates("at", keep="last")
    room_until = first["at"].shift(-1)
    first = first.assign(short=_fit_labels(first["lane"], first["at"], window, width, room_until),
                         band_lo=tax.at(first["at"]), hex=first["lane"].map(_band_colors(df)))
    first = first[first["short"].ne("")][["band_lo", "short", "hex"]]
    # In a strip above the plot (the panel title is raised to make room), where no value can sit.
    return [alt.Chart(inline(first)).mark_text(align="left", baseline="bottom", dx=2, y=-4, fontSize=theme.font(13),
                                       fontWeight="bold").encode(
        x=x("band_lo"), text=alt.Text("short:N"), color=alt.Color("hex:N", scale=None))]


def _has_bands(bands: pd.DataFrame | None) -> bool:
    return bands is not None and not bands.empty


def _fit_labels(texts: pd.Series, days: pd.Series, window: tuple[float, float] | None, width: int,
                until: pd.Series | None = None, px_per_char: float = 7.6) -> pd.Series:
    """Shorten labels to the room before the next label (or the right edge), with an ellipsis; '' if no room."""
    if window is None:
        return texts
    end = window[1] if until is None else until.fillna(window[1]).clip(upper=window[1])
    room = ((end - days) / (window[1] - window[0]) * width).clip(lower=0) // px_per_char - 1
    def fit(text: str, chars: float) -> str:
        if len(text) <= chars:
            return text
        return cut_chars(text, int(chars)) if chars >= 5 else ""  # its brackets closed: 'Etoposide (E…)'
    return pd.Series([fit(t, c) for t, c in zip(texts, room)], index=texts.index)


def _start_windows(df: pd.DataFrame, tax: TimeAxis) -> pd.DataFrame:
    """A faint band over each start known only within a window (to the last day drawn where it is open)."""
    lo, hi = df["day_start_earliest"].astype("float64"), df["day_start_latest"].astype("float64")
    windows = df[lo.isna() | hi.isna() | (hi > lo)]
    lo = lo[windows.index].fillna(windows["day_start"].astype("float64"))
    hi = hi[windows.index].fillna(windows["day_end_latest"].astype("float64")).fillna(lo)
    return windows.assign(band_lo=tax.at(lo), band_hi=tax.at(hi), opacity=0.06)


def _band_stubs(open_: pd.DataFrame, tax: TimeAxis, days: float = 60) -> pd.DataFrame:
    """Bands of therapies whose end is not reported or uncertain: solid from the latest possible start to the
    earliest possible end, then fading out to the latest (or for `days` where nothing bounds it), as the timeline
    draws them; nothing solid where no day is certainly on the therapy."""
    start = open_["solid_from"].fillna(open_["day_start_earliest"].astype("float64")).fillna(open_["day_start"])
    solid_until = open_["day_end_earliest"].astype("float64").fillna(start).clip(lower=start)
    fade_until = open_["day_end_latest"].astype("float64").fillna(solid_until + days).clip(lower=solid_until)
    solid = open_[open_["solid_from"].notna()]
    pieces = [solid.assign(band_lo=tax.at(solid["solid_from"]), band_hi=tax.at(solid_until[solid.index]),
                           opacity=0.14)]
    share = (fade_until - solid_until) / 3
    for i, opacity in enumerate((0.1, 0.06, 0.03)):
        pieces.append(open_.assign(band_lo=tax.at(solid_until + i * share),
                                   band_hi=tax.at(solid_until + (i + 1) * share), opacity=opacity))
    return pd.concat(pieces, ignore_index=True)
