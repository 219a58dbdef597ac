"""Every date of a case resolved together: the statements of the case file as one temporal network.

Each date written in a case file states something about one or two time points (an event's start or end, a
dose change, the last follow-up); timelines/time/network.py solves them all at once. Here the statements are made:

| written                         | constraint                                                          |
|---------------------------------|---------------------------------------------------------------------|
| 2022-09-08, 2022-09, ~2021-10   | the point lies within that day, month or (widened) period           |
| X + 3 months, X.end - 2 weeks   | point - X lies within the calendar's range for 3 months from X      |
| after X / before X              | point >= X / point <= X (how long after or before: not stated)      |
| between X and Y                 | X <= point <= Y                                                     |
| upon X (within 1 month)         | X <= point <= X + 1 month (or the window written after 'within')    |
| duration: 5 years               | end - start lies within the calendar's range for 5 years            |
| ongoing: true                   | end = the last follow-up                                            |
| (any point but an unreported end) | point <= the last follow-up, the latest point of the case         |
| status events                   | the latest of them is the last follow-up                            |

Some statements are what a case implies rather than says, and they give way when they clash with what it says:
the last follow-up at the latest status event; a therapy whose end is not reported ran at least until the
responses, progressions, adverse events and dose changes tied to it, and ended by the start of the next line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable, Hashable, Iterable, Mapping

from .dates import ORIGIN, Bounds, Calendar, DateExpr, DateProblem, Offset, Point, Ref, Spec, offset_range
from .network import ZERO, Inconsistent, Network, Solution
from .when import PRECISIONS, say

FOLLOW_UP = "last follow-up"
DISPLAY_GAP_DAYS = (7, 30)  # an unstated gap is drawn as span / 30, within these bounds
STATEMENTS_SHOWN = 6
NEUTRAL = -1  # the rank of a statement that makes no bound coarser (an order, an exact offset): finer than a day

Key = Hashable  # (event key, side)


@dataclass(frozen=True)
class Statement:
    """What one written field says, for messages: the field path, the text as written, and its meaning."""

    field: tuple
    says: str
    soft: bool = False  # implied by the case, not written: gives way to what is written
    written: str = ""  # the date or duration as written, when the statement is one
    # What sets the precision of the bounds it gives (Resolution.precisions): the rank in PRECISIONS an approximate
    # offset makes them no finer than (NEUTRAL: none), or the key of the date whose written bounds a calendar
    # statement states. Not part of what the statement says.
    sides: "int | Key" = field(default=NEUTRAL, compare=False)


@dataclass(frozen=True)
class Drawing:
    """One drawn day per point, and what the drawing needs besides (computed when first drawn, not at load)."""

    drawn: dict[Key, int]
    reach: dict[Key, Bounds]  # where the drawing lets each point move: its bounds, closed by its drawn neighbours
    least_lengths: dict[Key, int]  # per interval (its start key): the least days from its start to its end


@dataclass
class Resolution:
    """Tightest bounds for every date of a case, distances between any two, and (on first use) a drawing."""

    on_calendar: bool
    bounds: dict[Key, Bounds]
    about: dict[Key, str]  # '~2007-07' where an approximate date was written and nothing narrows it
    aliases: dict[Key, Key]
    solution: Solution
    dropped: list[Statement] = field(default_factory=list)  # implied statements that gave way
    builder: "_Builder | None" = field(default=None, repr=False)
    _drawing: Drawing | None = field(default=None, repr=False)
    _precisions: "dict[Key, tuple[str | None, str | None]] | None" = field(default=None, repr=False)

    @property
    def precisions(self) -> dict[Key, tuple[str | None, str | None]]:
        """The precision ('day', 'month' or 'year') of each date's earliest and of its latest bound: that of the
        statement that sets the bound (`bound_precisions`); None on an open side. Computed on first use."""
        if self._precisions is None:
            specs, ids = (self.builder.specs, self.builder.ids) if self.builder is not None else ({}, {})
            self._precisions = bound_precisions(self.solution, _WrittenRanks(specs, ids))
        return self._precisions

    @property
    def drawing(self) -> Drawing:
        """The drawn schedule, computed once when a view first needs it: loading a folder of cases only checks
        and bounds their dates."""
        if self._drawing is None:
            drawn = self.solution.schedule(self.builder.order, _display_gap(self.bounds.values()), self.builder.pins)
            reach = {key: Bounds(r.low, r.high) for key, r in self.solution.drawn_bounds.items()}
            self._drawing = Drawing(drawn, reach, _least_lengths(self.builder, self.solution))
        return self._drawing

    @property
    def drawn(self) -> dict[Key, int]:
        return self.drawing.drawn

    def point(self, key: Key) -> Key:
        return self.aliases.get(key, key)

    def distance(self, a: Key, b: Key) -> Bounds:
        """Least and greatest days from date a to date b (None: open)."""
        return self.distances([(a, b)])[0]

    def distances(self, pairs: list[tuple[Key, Key]]) -> list[Bounds]:
        """`distance` of many pairs: two dates each fixed to one day are that many days apart, without a search
        (every date of a study's exact days is); the others are searched in the network together."""
        found: list[Bounds | None] = [self._exact_distance(a, b) for a, b in pairs]
        searched = [i for i, bounds in enumerate(found) if bounds is None]
        if searched:
            ranges = self.solution.distances([(self.point(pairs[i][0]), self.point(pairs[i][1])) for i in searched])
            for i, f in zip(searched, ranges):
                found[i] = Bounds(f.low, f.high)
        return found

    def _exact_distance(self, a: Key, b: Key) -> Bounds | None:
        """b - a when both dates are fixed to one day each (None otherwise)."""
        first, second = self.bounds.get(self.point(a)), self.bounds.get(self.point(b))
        if first is None or second is None or first.earliest is None or second.earliest is None \
                or first.earliest != first.latest or second.earliest != second.latest:
            return None
        days = second.earliest - first.earliest
        return Bounds(days, days)


@dataclass
class CaseFacts:
    """What the network needs besides the dates: statuses, and the ties of therapies whose end is not reported."""

    statuses: list[Key] = field(default_factory=list)  # the start key of each status event
    deaths: list[Key] = field(default_factory=list)  # the start key of each status event that records death
    implied: list[tuple[Key, Key, int | None, int | None, Statement]] = field(default_factory=list)


def resolve_dates(specs: Mapping[Key, tuple[Spec, tuple]], written: Mapping[Key, Bounds | None],
                  ids: Mapping[str, Hashable], on_calendar: bool, facts: CaseFacts,
                  labels: Callable[[Key], str]) -> Resolution:
    """Solve the network of a case's dates. `specs` maps each date key to its Spec and field path, `written`
    to its written bounds (dates.Resolver). Raise DateProblem (with `.statements`) when statements clash."""
    builder = _Builder(specs, written, ids, on_calendar, labels)
    statements = builder.statements(facts)
    dropped: list[Statement] = []
    while True:
        network = Network()
        for a, b, low, high, why in statements:
            network.require(a, b, low, high, why)
        try:
            solution = network.solve()
            break
        except Inconsistent as clash:
            implied = [s for s in clash.statements if s is not None and s.soft]
            if not implied:
                raise _clash_problem(clash.statements) from None
            dropped += implied
            statements = [s for s in statements if s[4] not in implied]
    bounds = {key: Bounds(r.low, r.high) for key, r in solution.all_bounds().items()}
    builder.check_pins(bounds, 0)
    about = {key: text for key, text in builder.about(bounds).items()}
    return Resolution(on_calendar, bounds, about, builder.aliases, solution, dropped, builder)


LENGTHS_SEARCHED = 300  # intervals whose least length is searched; past that, the direct statement gives it


def _least_lengths(builder: "_Builder", solution: Solution) -> dict[Key, int]:
    """How long each interval certainly lasted: the least distance from its start to its end, through every
    statement (to a progression tied to it 11 months after its start...). A very long case takes each interval's
    own statement alone (its duration, its end relative to its start), which is fast and still true."""
    pairs = [(builder.point((key[0], "start")), builder.point(key)) for key, (spec, _) in builder.specs.items()
             if key[1] == "end" and spec.how != "same"]
    if len(pairs) <= LENGTHS_SEARCHED:
        found = solution.least_distances(pairs)
    else:
        found = [-solution.edges[(solution.index[b], solution.index[a])][0]
                 if (solution.index[b], solution.index[a]) in solution.edges else 0 for a, b in pairs]
    return {start: max(0, least or 0) for (start, _), least in zip(pairs, found)}


# ---------------------------------------------------------------------------------------------------------------
# The precision of each bound: that of the statement that sets it
# ---------------------------------------------------------------------------------------------------------------

Ranks = tuple  # (rank of the earliest bound, rank of the latest bound), each an index in PRECISIONS or None


def bound_precisions(solution: Solution, written: Callable[[Key], Ranks]) -> dict[Key, tuple[str | None, str | None]]:
    """The precision of each point's earliest and latest bound: that of the statement that sets it.

    A bound is the length of a shortest path of statements from the calendar's zero (network.py): the latest
    bound of p is d(ZERO, p), the earliest -d(p, ZERO). Such a path starts at a calendar statement ('2021-08',
    'between 2021-08 and surgery'), which gives the bound its precision, and passes on through relations (an
    order, an offset), which keep it, or make it no finer than the unit of an approximate offset of months or
    years. The statements on it are those that hold with equality at the bounds (Solution.tight_edges). A path
    is as coarse as its coarsest statement; a bound that several paths set is as fine as the finest (a day a
    statement gives is known to that day). 'after nodules found (2021-08), before VATS (2021-09-03)' is at least
    the first day of the month the nodules were found in and at most the day of the operation: ('month', 'day').
    `written` ranks the sides of a date's written bounds (_WrittenRanks)."""
    up, down = solution.tight_edges()
    highs = _path_ranks(len(solution.keys), [(tail, head, _rank(why, written, 1)) for tail, head, why in up])
    lows = _path_ranks(len(solution.keys), [(head, tail, _rank(why, written, 0)) for tail, head, why in down])
    index, lower, upper = solution.index, solution.lower.tolist(), solution.upper.tolist()
    return {key: (_said(lows[i]) if lower[i] > -math.inf else None, _said(highs[i]) if upper[i] < math.inf else None)
            for key, i in index.items()}


def _rank(why: Statement | None, written: Callable[[Key], Ranks], side: int) -> int:
    """The rank a statement gives the bound it sets: a relation its own; a calendar statement that of the side
    of its date's written bounds it states (0 the earliest, 1 the latest; a day where nothing ranks it)."""
    sides = NEUTRAL if why is None else why.sides
    if isinstance(sides, int):
        return sides
    rank = written(sides)[side]
    return 0 if rank is None else rank


def _said(rank: int | None) -> str:
    """A rank as a precision: a bound no calendar statement reaches (day 0 of a case without a calendar) is a day."""
    return PRECISIONS[0 if rank is None else max(rank, 0)]


def _path_ranks(size: int, edges: list[tuple[int, int, int]]) -> list[int | None]:
    """The rank of each point reached from ZERO (point 0) along `edges` (from, to, rank): the least over the paths
    that reach it of the greatest rank on the path (a queue-based search: a rank only falls, and there are few
    ranks). None for a point no edge reaches."""
    succ: list[list] = [[] for _ in range(size)]
    for tail, head, rank in edges:
        succ[tail].append((head, rank))
    ranks: list[int | None] = [None] * size
    ranks[0] = NEUTRAL
    waiting = deque([0])
    while waiting:
        point = waiting.popleft()
        here = ranks[point]
        for head, rank in succ[point]:
            found = here if here > rank else rank
            if ranks[head] is None or found < ranks[head]:
                ranks[head] = found
                waiting.append(head)
    return ranks


def _coarsened(rank: int | None, offset: Offset | None, approximate: bool = False) -> int | None:
    """A rank passed through an offset: an approximate offset of months or years is no finer than its unit."""
    if rank is None or offset is None or not (offset.approximate or approximate) or offset.unit not in PRECISIONS:
        return rank
    return max(rank, PRECISIONS.index(offset.unit))


class _WrittenRanks:
    """The precision (rank in PRECISIONS) of each side of a date's written bounds (dates.Resolver): that of the
    calendar date, or of the side of the date it is written from, that gives the bound ('between 2021-08 and
    surgery': the month's for the earliest, the surgery's latest for the latest), no finer than an approximate
    offset of months or years. Ranked when first asked for, deepest first on an explicit stack (a chain of
    thousands of relative dates never deepens the call stack); a reference back into a cycle of order statements
    is open."""

    def __init__(self, specs: Mapping[Key, tuple[Spec, tuple]], ids: Mapping[str, Hashable]):
        self.specs, self.ids = specs, ids
        self.ranks: dict[Key, Ranks] = {}
        self._expanded: set[Key] = set()

    def __call__(self, root: Key) -> Ranks:
        ranks, specs = self.ranks, self.specs
        stack = [root] if root in specs else []
        while stack:
            key = stack[-1]
            if key in ranks:
                stack.pop()
            elif key not in self._expanded:
                self._expanded.add(key)
                stack += [k for k in _rank_dependencies(specs[key][0], self.ids)
                          if k in specs and k not in self._expanded]
            else:
                ranks[key] = _spec_ranks(specs[key][0], self.ids, ranks)
                stack.pop()
        return ranks.get(root, (None, None))


def _rank_dependencies(spec: Spec, ids: Mapping[str, Hashable]) -> list[Key]:
    if spec.how in ("same", "plus"):
        return [spec.other]
    if spec.how != "expr":
        return []
    return [(ids[r.event_id], r.side) for r in spec.expr.refs() if r.event_id in ids]


def _spec_ranks(spec: Spec, ids: Mapping[str, Hashable], ranks: Mapping[Key, Ranks]) -> Ranks:
    if spec.how == "same":
        return ranks.get(spec.other, (None, None))
    if spec.how == "plus":
        return tuple(_coarsened(r, spec.offset) for r in ranks.get(spec.other, (None, None)))
    if spec.how != "expr" or spec.expr.form == "unknown":
        return None, None
    expr = spec.expr
    if expr.form == "origin":
        return 0, 0
    first = _point_ranks(expr.points[0], expr.approximate, ids, ranks)
    if expr.form == "between":
        return first[0], _point_ranks(expr.points[1], False, ids, ranks)[1]
    return (first[0], None) if expr.form == "after" else (None, first[1]) if expr.form == "before" else first


def _point_ranks(point: Point, approximate: bool, ids: Mapping[str, Hashable], ranks: Mapping[Key, Ranks]) -> Ranks:
    if isinstance(point.base, Calendar):
        rank = PRECISIONS.index(point.base.precision)
        found: Ranks = (rank, rank)
    elif point.base.event_id not in ids:
        found = (0, 0) if point.base.event_id == ORIGIN else (None, None)  # day 0 itself, or an id not known
    else:
        found = ranks.get((ids[point.base.event_id], point.base.side), (None, None))
    return tuple(_coarsened(r, point.offset, approximate) for r in found)


def _display_gap(bounds: Iterable[Bounds]) -> int:
    """Days between two drawn steps whose gap nothing states: a thirtieth of the case's known span."""
    known = [d for b in bounds for d in (b.earliest, b.latest) if d is not None and d != 0]
    span = max(known) - min(known) if known else 0
    low, high = DISPLAY_GAP_DAYS
    return int(min(high, max(low, span / 30)))


class _Builder:
    """The statements of a case's dates, and the pairs whose order alone is known (spread when drawn)."""

    def __init__(self, specs, written, ids, on_calendar: bool, labels):
        self.specs, self.written, self.ids = specs, written, ids
        self.on_calendar, self.labels = on_calendar, labels
        self.aliases = {key: spec.other for key, (spec, _) in specs.items() if spec.how == "same"}
        self.order: list[tuple[Key, Key]] = []
        self.pins: list[tuple[Key, Key, int, int]] = []  # (anchor, point, low, high): where a date is drawn
        self.pin_paths: list[tuple] = []  # the field of each pin
        self._out: list = []

    def point(self, key: Key) -> Key:
        while key in self.aliases:
            key = self.aliases[key]
        return key

    def statements(self, facts: CaseFacts) -> list:
        for key, (spec, path) in self.specs.items():
            if spec.how != "same":
                self._spec(key, spec, path)
        self._intervals()
        # An end the source does not report is not a point the case saw: it may lie past the last follow-up
        # (a therapy still taken, or stopped later), so the follow-up does not bound it; the next line does.
        points = {self.point(key) for key, (spec, _) in self.specs.items() if spec.how != "unknown"}
        last = Statement((), "the last follow-up is the latest point of the case")
        for point in points:
            self._add(point, FOLLOW_UP, 0, None, last)
        died = Statement((), "nothing goes on after death", soft=True)
        for key, (spec, _) in self.specs.items():
            if spec.how == "unknown":
                for death in facts.deaths:
                    self._add(self.point(key), self.point(death), 0, None, died)
        self._follow_up_cap(facts.statuses)
        for a, b, low, high, why in facts.implied:
            self._add(self.point(a), self.point(b), low, high, why)
        return self._out

    def _add(self, a, b, low, high, why: Statement, offset: Offset | None = None, approximate: bool = False) -> None:
        """State low <= b - a <= high, `why`; its bounds no finer than the unit of an approximate `offset`."""
        rank = _coarsened(NEUTRAL, offset, approximate)
        self._out.append((a, b, low, high, why if rank == why.sides else replace(why, sides=rank)))

    def _spec(self, key: Key, spec: Spec, path: tuple) -> None:
        point = self.point(key)
        if spec.how == "plus":
            start = self.point(spec.other)
            low, high = offset_range(spec.offset, self.written.get(spec.other), self.on_calendar)
            text = _offset_text(spec.offset)
            self._add(start, point, low, high, Statement(path, f"'{text}' from start to end", written=text),
                      spec.offset)
        elif spec.how == "ongoing":
            self._add(point, FOLLOW_UP, 0, 0, Statement(path, "ongoing: the end is the last follow-up"))
        elif spec.how == "expr":
            self._expr(point, spec.expr, path)
        bounds = self.written.get(key)
        if bounds is not None and (bounds.earliest is not None or bounds.latest is not None) and _calendar_bound(spec):
            self._out.append((ZERO, point, bounds.earliest, bounds.latest,
                              Statement(path, f"'{_text(spec)}'", written=_text(spec), sides=key)))

    def _expr(self, point: Key, expr: DateExpr, path: tuple) -> None:
        says = Statement(path, f"'{expr.text}'", written=expr.text)
        if expr.drawn is not None:
            self._pin(point, expr.drawn, path)
        if expr.form == "origin":
            self._out.append((ZERO, point, 0, 0, replace(says, sides=PRECISIONS.index("day"))))
            return
        if expr.form == "unknown":  # 'unknown, drawn at X': bounded by the case only
            return
        if expr.form == "point":
            base = expr.points[0]
            if self._event(base.base):
                low, high = self._offset(base, widen=expr.approximate)
                self._add(self._ref(base.base), point, low, high, says, base.offset, expr.approximate)
            return
        if expr.form == "upon":  # at X or within the window after it: a distance, like an offset
            base = expr.points[0]
            if self._event(base.base):
                low, high = self._offset(base)
                reference = self.written.get((self.ids[base.base.event_id], base.base.side))
                self._add(self._ref(base.base), point, low, high + offset_range(expr.window, reference,
                                                                                 self.on_calendar)[1], says,
                          base.offset)
            return
        self._order(point, expr, says)

    def _order(self, point: Key, expr: DateExpr, says: Statement) -> None:
        """'after X', 'before X', 'between X and Y': the order, and how far from X when an offset says."""
        after, before = (expr.points[0], None) if expr.form == "after" else \
            (None, expr.points[0]) if expr.form == "before" else expr.points
        if after is not None:
            anchor = self._ref(after.base) if self._event(after.base) else ZERO
            if anchor is not ZERO:
                self._add(anchor, point, self._offset(after)[0], None, says, after.offset)
            self.order.append((anchor, point))
        if before is not None:
            anchor = self._ref(before.base) if self._event(before.base) else ZERO
            if anchor is not ZERO:
                self._add(point, anchor, -self._offset(before)[1], None, says, before.offset)
            self.order.append((point, anchor))

    def _pin(self, point: Key, drawn: Point, path: tuple) -> None:
        """'..., drawn at X': the drawing places the point at X (the bounds do not change)."""
        if self._event(drawn.base):
            low, high = self._offset(drawn)
            self.pins.append((self._ref(drawn.base), point, low, high))
        else:
            first, last = drawn.base.bounds() if isinstance(drawn.base, Calendar) else (0, 0)  # a date, or day 0
            low, high = offset_range(drawn.offset, Bounds(first, last), self.on_calendar) if drawn.offset else (0, 0)
            self.pins.append((ZERO, point, first + low, last + high))
        self.pin_paths.append(path)

    def check_pins(self, bounds: Mapping[Key, Bounds], zero: int) -> None:
        """Raise DateProblem (located at its field) for a drawn day outside the bounds of its date."""
        for (anchor, point, low, high), path in zip(self.pins, self.pin_paths):
            at = bounds.get(anchor, Bounds(0, 0)) if anchor != ZERO else Bounds(0, 0)
            drawn = Bounds(_plus(at.earliest, low), _plus(at.latest, high))
            own = bounds[point]
            if _apart(drawn, own):
                problem = DateProblem(f"The date is drawn at {say(drawn, self.on_calendar, zero=zero)}, outside its "
                                      f"own dates ({say(own, self.on_calendar, zero=zero)})",
                                      "give a drawn day within the date's window, or leave ', drawn at ...' out")
                problem.field = path
                raise problem

    def _event(self, base: Calendar | Ref) -> bool:
        """Whether a date counts from an event (not from a calendar date or from day 0 itself, 'origin + 30 days',
        which its written bounds say whole)."""
        return isinstance(base, Ref) and (base.event_id != ORIGIN or ORIGIN in self.ids)

    def _ref(self, ref: Ref) -> Key:
        return self.point((self.ids[ref.event_id], ref.side))

    def _offset(self, point: Point, widen: bool = False) -> tuple[int, int]:
        """Days from a reference to the point: the offset's range, widened by a unit when written with '~'."""
        base = self.written.get((self.ids[point.base.event_id], point.base.side))
        offset = point.offset or Offset(0, "day")
        if widen and not offset.approximate:
            offset = Offset(offset.amount, offset.unit, approximate=True)
        return offset_range(offset, base, self.on_calendar)

    def _intervals(self) -> None:
        """An interval never ends before it starts."""
        for key, (spec, path) in self.specs.items():
            event, side = key
            if side == "end" and spec.how != "same":
                self._add(self.point((event, "start")), self.point(key), 0, None,
                          Statement(path, "ends no earlier than its start"))

    def _follow_up_cap(self, statuses: list[Key]) -> None:
        """The latest status event dates the last follow-up: nothing in the case happens after it. Which one is
        latest is read from the written bounds (the latest earliest bound; the last written on a tie)."""
        if not statuses:
            return
        def earliest(key: Key) -> float:
            bounds = self.written.get(key)
            return float("-inf") if bounds is None or bounds.earliest is None else bounds.earliest
        last = max(reversed(statuses), key=earliest)
        self._add(FOLLOW_UP, self.point(last), 0, None,
                  Statement(self.specs[last][1], "the latest status event is the last follow-up", soft=True))

    def about(self, bounds: Mapping[Key, Bounds]) -> dict[Key, str]:
        """'~2007-07' for each approximate date that the network leaves as wide as written."""
        found = {}
        for key, (spec, _) in self.specs.items():
            expr = spec.expr
            if spec.how != "expr" or not expr.approximate or not self.on_calendar:
                continue
            point = expr.points[0]
            if bounds.get(self.point(key)) != self.written.get(key):
                continue
            nominal = self._nominal(point)
            unit = point.offset.unit if point.offset else getattr(point.base, "precision", "day")
            text = _about(nominal, unit)
            if text:
                found[self.point(key)] = text
        return found

    def _nominal(self, point: Point) -> Bounds | None:
        """The bounds of an approximate date before widening."""
        if isinstance(point.base, Calendar):
            first, last = point.base.bounds()
            base = Bounds(first, last)
        else:
            base = self.written.get((self.ids[point.base.event_id], point.base.side))
        if base is None or not base.closed:
            return None
        if point.offset is None:
            return base
        exact = Offset(point.offset.amount, point.offset.unit)
        low, high = offset_range(exact, base, True)
        return Bounds(base.earliest + low, base.latest + high)


def _plus(day: int | None, days: int) -> int | None:
    return None if day is None else day + days


def _apart(a: Bounds, b: Bounds) -> bool:
    """Whether two spans share no day (an open side reaches every day that way)."""
    return (a.latest is not None and b.earliest is not None and a.latest < b.earliest) or \
        (a.earliest is not None and b.latest is not None and b.latest < a.earliest)


def _calendar_bound(spec: Spec) -> bool:
    """Whether a date's written bounds say more than its relations do: a calendar date, or months and years
    from another date (a month-end stays a month-end: '2021-09 + 3 months' is all of December). Days and weeks
    from another date, and orders between dates, are said whole by their relations."""
    if spec.how == "plus":
        return spec.offset.unit in ("month", "year")
    if spec.how != "expr":
        return False
    if spec.expr.form == "upon":  # from an event, its distance says it whole; from a calendar date, its bounds
        return _fixed(spec.expr.points[0].base)
    return any(_fixed(p.base) or p.offset is not None and p.offset.unit in ("month", "year")
               for p in spec.expr.points) or spec.expr.form == "origin"


def _fixed(base: Calendar | Ref) -> bool:
    """A calendar date, or day 0 itself ('origin + 30 days'): bounds that no relation says (an event with the id
    'origin' is said by its relation too; its bounds then only repeat it)."""
    return isinstance(base, Calendar) or base.event_id == ORIGIN


def _about(nominal: Bounds | None, unit: str) -> str:
    """'~' and the nominal date at the precision of the unit it is approximate in, when that is one period."""
    if nominal is None:
        return ""
    first, last = dt.date.fromordinal(nominal.earliest), dt.date.fromordinal(nominal.latest)
    if unit in ("day", "week"):
        return f"~{first.isoformat()}" if first == last else ""
    if unit == "month":
        return f"~{first:%Y-%m}" if (first.year, first.month) == (last.year, last.month) else ""
    return f"~{first.year}" if first.year == last.year else ""


def _offset_text(offset: Offset) -> str:
    unit = offset.unit + ("s" if abs(offset.amount) != 1 else "")
    return f"{'~' if offset.approximate else ''}{abs(offset.amount)} {unit}"


def _text(spec: Spec) -> str:
    if spec.expr is not None:
        return spec.expr.text
    return _offset_text(spec.offset) if spec.offset else spec.how


def _clash_problem(statements: list) -> DateProblem:
    """One message naming every clashing statement; loading.py adds where each was written."""
    written = [s for s in statements if s is not None]
    shown = written[:STATEMENTS_SHOWN]
    more = f"; and {len(written) - len(shown)} more" if len(written) > len(shown) else ""
    problem = DateProblem("These dates cannot all hold together: "
                          + "; ".join("{%d}" % i for i in range(len(shown))) + more, _loosen_hint(shown))
    problem.statements = shown
    return problem


_STATED_INTERVAL = re.compile(r"^(?:\S+\s+[+-]\s+)?\d+\s+(?:day|week|month|year)s?$")


def _loosen_hint(statements: list[Statement]) -> str:
    """Which statement to loosen: an interval written exactly that the source may give roughly, else the order."""
    exact = next((s.written for s in statements if _STATED_INTERVAL.match(s.written)), "")
    if exact:
        return (f"check these dates against the source; if it gives '{exact}' only roughly, write '~{exact}'; "
                "where it gives only the order of two events, write 'after', 'before' or 'between'")
    return ("check these dates against the source and loosen the one it states least precisely: "
            "a day it does not give as a month ('2022-09'), an order it does not state as 'between A and B'")
