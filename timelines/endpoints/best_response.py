"""Best overall response per line of therapy, by RECIST 1.1 (Eisenhauer EA et al., Eur J Cancer 2009;45:228-247).

The best overall response of a line is the best response recorded from its start until progression (or the
next line): CR > PR > SD > PD. A new lesion or unequivocal non-target progression (a progression event) makes PD
at its visit, whatever the measured lesions did. A response the paper limits to part of the disease (`scope:`
intracranial, extracranial...) is not an overall response: it is shown with its scope, and at a visit where
progression was found it is no response at all. A response the paper gives in words (`description:`, no
category) keeps its words and its scope and is never turned into a category. Measured target lesions give the
computed category (RECIST 1.1 sums, timelines/measures.py), shown beside the paper's with the number of lesions
it saw; a measured non-target lesion is shown with its change, never summed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from ..kinds import MEASURING_KINDS
from ..measures import assess
from ..schema import field_value
from ..tables import MEASUREMENT_COLUMNS, MEASUREMENT_EXTRA_COLUMNS, measurement_table
from ..timeline import Dated, Timeline
from .lines import TherapyLine, lines_of_therapy, next_line

RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 3}
OVERALL_SCOPES = (None, "", "overall")


@dataclass
class BestResponse:
    """The best overall response of one line, and what it rests on."""

    line: int
    line_name: str  # 'line 2, inferred'
    agents: list[str]
    category: str | None  # the best overall response: the paper's, else the computed one; None when neither
    stated: str | None  # the best overall category the paper states (progression events make PD)
    computed: str | None  # from the measured target lesions (RECIST 1.1 sums)
    target_lesions: int  # how many target lesions the computed category saw
    lesions_tracked: int  # how many lesions the case tracks
    scoped: list[str] = field(default_factory=list)  # 'intracranial PR (2022-10-24)'
    in_words: list[str] = field(default_factory=list)  # the paper's words, with their scope
    non_target: list[str] = field(default_factory=list)  # 'Cervical node: 26 → 12 mm (-54 %), not summed'

    @property
    def text(self) -> str:
        """'PR (the paper's); computed PR from 1 of 3 tracked lesions (1 target measured)' and the rest."""
        bits = []
        if self.stated:
            bits.append(f"{self.stated} (stated by the paper)")
        if self.computed:
            seen = f"{self.target_lesions} measured target lesion{'s' if self.target_lesions != 1 else ''}"
            tracked = f" of {self.lesions_tracked} tracked" if self.lesions_tracked > self.target_lesions else ""
            bits.append(f"computed {self.computed} from {seen}{tracked}")
        if not bits:
            bits.append("no category: none stated and no target lesion measured")
        bits += [f"{s} (scoped, not overall)" for s in self.scoped]
        bits += [f"in words: {w}" for w in self.in_words]
        bits += self.non_target
        return "; ".join(bits)

    def as_dict(self) -> dict:
        return {**asdict(self), "text": self.text}


def best_responses(timeline: Timeline, lines: list[TherapyLine] | None = None) -> list[BestResponse]:
    """The best overall response of every line of therapy (RECIST 1.1), in line order."""
    lines = lines_of_therapy(timeline) if lines is None else lines
    # A case without a measured lesion (every patient of a registry) has no sums to read: no table is made for it.
    table = measurement_table(timeline) if _measured(timeline) else _NO_MEASUREMENTS
    return [_line_response(timeline, table, line, next_line(lines, line)) for line in lines]


_NO_MEASUREMENTS = pd.DataFrame([], columns=list(MEASUREMENT_COLUMNS + MEASUREMENT_EXTRA_COLUMNS))


def _measured(timeline: Timeline) -> bool:
    """Whether any event of the case measures a lesion (what measurement_table has rows for)."""
    return any(field_value(d.event, "measurements") for d in timeline.of_kind(*MEASURING_KINDS))


def _in_line(dated: Dated, line: TherapyLine, cutoff: int | None) -> bool:
    tied = field_value(dated.event, "therapy")
    if tied is not None:
        return tied in line.event_ids
    return dated.day_start >= line.start.day_start and (cutoff is None or dated.day_start <= cutoff)


def _line_response(timeline: Timeline, table, line: TherapyLine, following: TherapyLine | None) -> BestResponse:
    cutoff = following.start.day_start if following is not None else None
    progressions = sorted((d for d in timeline.items
                           if (d.kind == "progression" or d.kind == "response" and d.event.category == "PD")
                           and field_value(d.event, "certainty") != "refuted" and _in_line(d, line, cutoff)),
                          key=lambda d: d.day_start)
    first_pd = progressions[0].day_start if progressions else None
    responses = sorted((d for d in timeline.of_kind("response") if d.event.certainty != "refuted"
                        and _in_line(d, line, cutoff)), key=lambda d: d.day_start)
    stated, scoped, in_words = [], [], []
    for r in responses:
        when = timeline.say_dated(r)
        scope = r.event.scope or ""
        if r.event.category is None:
            in_words.append(f"{r.event.description}" + (f" ({scope})" if scope else "") + f", {when}")
            continue
        if scope not in OVERALL_SCOPES:
            at_pd = any(same_visit(timeline, r, p) for p in progressions)
            scoped.append(f"{scope} {r.event.category} ({when}" +
                          (", at a visit where progression was found)" if at_pd else ")"))
            continue
        if r.event.category in RANK and (first_pd is None or r.day_start < first_pd):
            stated.append(r.event.category)
    if progressions:
        stated.append("PD")
    best_stated = min(stated, key=RANK.get) if stated else None
    start, end, pd_day = (timeline.day(v) for v in (line.start.day_start, cutoff, first_pd))
    computed, targets = _computed(table, start, end, pd_day)
    tracked = len(timeline.case.lesions)
    return BestResponse(line.number, line.name, line.agents, best_stated or computed, best_stated, computed,
                        targets, tracked, scoped, in_words, _non_target(table, start, end))


def same_visit(timeline: Timeline, a: Dated, b: Dated) -> bool:
    """Whether the case's dates let two events fall on the same day (two findings of one restaging)."""
    days = timeline.distance((a.key, "start"), (b.key, "start"))
    return (days.earliest is None or days.earliest <= 0) and (days.latest is None or days.latest >= 0)


def _window(table, start: int, cutoff: int | None):
    """The measurements of a line (days since day 0): from its baseline (the last scan at or before its start,
    else its first) to the next line."""
    if table.empty:  # a case without measured lesions (a registry's): nothing to select
        return table
    rows = table[table["size_status"].ne("qualitative") & table["recist_mm"].notna()]
    if rows.empty:
        return rows
    before = rows[rows["day_start"] <= start]
    baseline = before["day_start"].max() if not before.empty else rows[rows["day_start"] >= start]["day_start"].min()
    if baseline != baseline:  # NaN: nothing at or after the start either
        return rows.iloc[0:0]
    keep = rows["day_start"] >= baseline
    if cutoff is not None:
        keep &= rows["day_start"] <= cutoff
    return rows[keep]


def _computed(table, start: int, cutoff: int | None, first_pd: int | None) -> tuple[str | None, int]:
    """The best RECIST 1.1 category of the line's target-lesion sums, and how many target lesions it saw; a
    progression event (new lesion, non-target progression) makes PD at its visit."""
    rows = _window(table, start, cutoff)
    targets = rows[rows["target"]] if not rows.empty else rows
    if targets.empty:
        return None, 0
    points = [{"day": int(day), "event_id": event_id, "sizes": dict(zip(group["lesion_id"], group["recist_mm"]))}
              for (day, event_id), group in targets.groupby(["day_start", "event_id"], sort=True)]
    ids = sorted(targets["lesion_id"].unique())
    nodal = dict(zip(targets["lesion_id"], targets["nodal"]))
    found = []
    for a in assess(points, ids, nodal):
        if first_pd is not None and a.day >= first_pd:
            found.append("PD")
            break
        if a.category in RANK:
            found.append(a.category)
            if a.category == "PD":
                break
    if first_pd is not None and "PD" not in found:
        found.append("PD")
    return (min(found, key=RANK.get) if found else None), len(ids)


def _non_target(table, start: int, cutoff: int | None) -> list[str]:
    """Each measured non-target lesion of the line: its first and last size and the change, not summed."""
    rows = _window(table, start, cutoff)
    if rows.empty:
        return []
    said = []
    for lesion_id, group in rows[~rows["target"]].groupby("lesion_id", sort=True):
        group = group.sort_values("day_start")
        if len(group) < 2:
            continue
        first, last = float(group["recist_mm"].iloc[0]), float(group["recist_mm"].iloc[-1])
        change = f" ({(last - first) / first * 100:+.0f} %)" if first else ""
        label = group["lesion_label"].iloc[0] or lesion_id
        said.append(f"non-target {label}: {first:g} → {last:g} mm{change}, shown, not summed")
    return said
