"""A simple temporal network: time points, difference constraints, tightest bounds, distances and a drawn schedule.

Every statement of a case file becomes a constraint `low <= t(b) - t(a) <= high` between two time points, or
between a point and ZERO, the calendar's zero (Dechter, Meiri & Pearl, "Temporal constraint networks", 1991).
The constraints are the edges of a graph (b - a <= high is an edge a -> b of weight high); shortest paths give

- each point's tightest bounds: t(p) <= d(ZERO, p) and t(p) >= -d(p, ZERO);
- the tightest bounds on the distance between two points: t(b) - t(a) lies in [-d(b, a), d(a, b)];
- inconsistency: a negative cycle, whose edges are the statements that cannot all hold.

Weights can be negative, so the first shortest paths are Bellman-Ford's, from a virtual source joined to every
point (Johnson): scipy's in C for a network of a few hundred dates, the queue-based variant in plain Python for a
larger one (about linear in time). The distances it gives are a potential that makes every weight non-negative, and
every later query is one of scipy's Dijkstra searches in C. A small network (a case file of a hundred dates or so)
needs no sparse matrix: its searches are all queue-based Bellman-Ford in plain Python. A network of any size whose
every point exact statements fix to one day (on a calendar, or days from day 0) takes those days without a search.
Memory is linear in the number of constraints: no all-pairs matrix is ever built.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator, Sequence

import networkx as nx
import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import NegativeCycleError, bellman_ford, dijkstra

ZERO = "zero"  # the reference point, t(ZERO) = 0
SMALL_NETWORK = 2_000_000  # points x edges: below, scipy's Bellman-Ford (C); above, the queue-based one (_queue_search)
SOURCES_PER_SEARCH = 64  # distance queries run this many Dijkstra sources at once (rows of n floats each)
# Up to this many edges (a case file of a hundred dates or so), every search is a queue-based Bellman-Ford in plain
# Python: a few hundred steps, well under scipy's fixed cost of building a sparse matrix for each search.
PLAIN_EDGES = 600


class Inconsistent(Exception):
    """Statements that cannot all hold: those along one negative cycle, in order, each named once."""

    def __init__(self, statements: Sequence[Hashable]):
        self.statements = list(statements)
        super().__init__(f"{len(self.statements)} statements cannot all hold")


@dataclass(frozen=True)
class Range:
    """Bounds of a time or a distance in days; None on a side nothing bounds (open)."""

    low: int | None
    high: int | None

    @property
    def exact(self) -> bool:
        return self.low is not None and self.low == self.high


class Network:
    """Time points and the difference constraints between them; `solve` gives a Solution."""

    def __init__(self) -> None:
        self._index: dict[Hashable, int] = {ZERO: 0}
        self._keys: list[Hashable] = [ZERO]
        self._edges: dict[tuple[int, int], tuple[int, Hashable]] = {}

    def __contains__(self, key: Hashable) -> bool:
        return key in self._index

    def point(self, key: Hashable) -> int:
        """The index of a time point, added on first use."""
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._keys)
            self._keys.append(key)
        return index

    def require(self, a: Hashable, b: Hashable, low: int | None = None, high: int | None = None,
                why: Hashable = None) -> None:
        """State low <= t(b) - t(a) <= high; None leaves that side free. `why` names the statement in messages."""
        i, j = self.point(a), self.point(b)
        edges = self._edges
        if high is not None:
            known = edges.get((i, j))
            if known is None or high < known[0]:  # two statements on one pair: the tighter one holds
                edges[(i, j)] = (int(high), why)
        if low is not None:
            known = edges.get((j, i))
            if known is None or -low < known[0]:
                edges[(j, i)] = (int(-low), why)

    def solve(self) -> "Solution":
        """Check the constraints can all hold and compute every point's bounds; raise Inconsistent if not."""
        return Solution(self._keys, self._index, self._edges)


class Solution:
    """The solved network: bounds of every point, distances between points, and a schedule to draw."""

    def __init__(self, keys: list[Hashable], index: dict[Hashable, int], edges: dict):
        self.keys, self.index, self.edges = keys, index, edges
        self._graph = _Graph(len(keys), edges)
        self.lower, self.upper = self._graph.bounds()
        self.drawn_bounds: dict[Hashable, Range] = {}

    def all_bounds(self) -> dict[Hashable, Range]:
        """`bounds` of every point at once."""
        lows = [None if math.isinf(v) else int(round(v)) for v in self.lower.tolist()]
        highs = [None if math.isinf(v) else int(round(v)) for v in self.upper.tolist()]
        return {key: Range(lows[i], highs[i]) for key, i in self.index.items()}

    def bounds(self, key: Hashable) -> Range:
        """The earliest and latest value of t(key)."""
        i = self.index[key]
        return Range(_finite(self.lower[i]), _finite(self.upper[i]))

    def tight_edges(self) -> tuple[list[tuple[int, int, Hashable]], list[tuple[int, int, Hashable]]]:
        """The statements that set the bounds: those that hold with equality at them, as (tail, head, why) of an
        edge t(head) - t(tail) <= w (point indices). First those that give the head's latest bound from the
        tail's (latest(head) = latest(tail) + w), then those that give the tail's earliest from the head's
        (earliest(tail) = earliest(head) - w). Following them from ZERO retraces the shortest paths."""
        graph, whys = self._graph, [why for _, why in self.edges.values()]
        tails, heads, weights = graph.tails, graph.heads, graph.weights
        up = np.isfinite(self.upper[tails]) & (self.upper[tails] + weights == self.upper[heads])
        down = np.isfinite(self.lower[heads]) & (self.lower[heads] - weights == self.lower[tails])
        tail, head = tails.tolist(), heads.tolist()
        return ([(tail[n], head[n], whys[n]) for n in np.flatnonzero(up).tolist()],
                [(tail[n], head[n], whys[n]) for n in np.flatnonzero(down).tolist()])

    def distance(self, a: Hashable, b: Hashable) -> Range:
        """The least and greatest possible t(b) - t(a)."""
        return self.distances([(a, b)])[0]

    def distances(self, pairs: Sequence[tuple[Hashable, Hashable]]) -> list[Range]:
        """`distance` for many pairs, with one Dijkstra search per distinct point involved."""
        wanted = [(self.index[a], self.index[b]) for a, b in pairs]
        found = self._graph.pair_distances(wanted + [(j, i) for i, j in wanted])
        return [Range(_finite(-back), _finite(ahead)) for ahead, back in zip(found, found[len(wanted):])]

    def least_distances(self, pairs: Sequence[tuple[Hashable, Hashable]]) -> list[int | None]:
        """The least possible t(b) - t(a) for many pairs: one Dijkstra search per distinct b."""
        wanted = [(self.index[a], self.index[b]) for a, b in pairs]
        return [_finite(-back) for back in self._graph.pair_distances([(j, i) for i, j in wanted])]

    def schedule(self, order: Iterable[tuple[Hashable, Hashable]], gap: int,
                 pins: Sequence[tuple[Hashable, Hashable, int, int]] = ()) -> dict[Hashable, int]:
        """One value per point that satisfies every constraint, for drawing (`drawn_bounds` then holds how far each
        point could move in that drawing: always closed, so an open side can be drawn up to its neighbours).

        `order` lists pairs (a, b) that a statement only orders (a <= b, how long after unknown). A chain of such
        statements sharing a window is spread across it: each step gets its share of the window, or `gap` days
        where the window is open. Where the case itself is open (nothing bounds how early its first point or how
        late its last point can be), the drawing closes it as tightly as those steps allow. The schedule is the
        middle of the earliest and the latest schedule of that network, which satisfies every constraint, as
        the solutions of a network are convex. If the windows are too tight for their chains, smaller shares
        are tried, down to none.

        `pins` (a, b, low, high) place the drawing only: low <= b - a <= high ('..., drawn at dx + 41 days', the day
        a cBioPortal study draws an uncertain date on). Pins that do not fit the network together are not used."""
        if self._graph.pinned is not None:  # every point on its day: drawn there, and it cannot move
            days = {key: int(self._graph.pinned[i]) for key, i in self.index.items()}
            self.drawn_bounds = {key: Range(day, day) for key, day in days.items()}
            return days
        if pins:
            try:
                drawing = Solution(self.keys, self.index, self._pinned(pins))
                drawn = drawing.schedule(order, gap)
                self.drawn_bounds = drawing.drawn_bounds
                return drawn
            except Inconsistent:
                pass
        pairs = [(self.index[a], self.index[b]) for a, b in order]
        shares = self._shares(pairs, gap)
        size = len(self.keys)
        first, last = size, size + 1  # every point but ZERO lies between these two
        base = self._graph
        for scale in (1.0, 0.25, 0.0):
            edges = dict(self.edges)
            for (a, b), share in zip(pairs, shares):
                known = edges.get((b, a), (0, None))[0]  # -(the least distance stated from a to b)
                edges[(b, a)] = (known - int(share * scale), None)
            for i in range(1, size):
                edges[(i, first)] = edges[(last, i)] = (0, None)
            for point in (first, last):  # placeholders that a pin gives a weight (see _Graph._matrix)
                edges[(0, point)] = edges[(point, 0)] = (math.inf, None)
            try:
                drawing = _Graph(size + 2, edges, explain=False, changed=base)
                drawn, lower, upper = drawing.drawn(first, last)
            except Inconsistent:
                continue
            # Where the drawing lets each point move: within its bounds, between its drawn neighbours.
            self.drawn_bounds = {key: Range(int(lower[i]), int(upper[i])) for key, i in self.index.items()}
            return {key: int(drawn[i]) for key, i in self.index.items()}
        raise AssertionError("a consistent network always has a schedule")

    def _pinned(self, pins: Sequence[tuple[Hashable, Hashable, int, int]]) -> dict:
        """The edges with each pin's bounds added (the tighter of a pin and a statement on one pair holds)."""
        edges = dict(self.edges)
        for a, b, low, high in pins:
            if a not in self.index or b not in self.index:
                continue
            i, j = self.index[a], self.index[b]
            for pair, weight in (((i, j), high), ((j, i), -low)):
                known = edges.get(pair)
                if known is None or weight < known[0]:
                    edges[pair] = (int(weight), None)
        return edges

    def _shares(self, pairs: list[tuple[int, int]], gap: int) -> list[float]:
        """Each ordering step's share of its window: the window over the number of steps in its chain."""
        before, after = _chain_lengths(pairs)
        shares = []
        for a, b in pairs:
            stated = self.edges.get((b, a), (0, None))[0]  # b - a >= -stated
            window = self.upper[b] - self.lower[a] + stated
            if math.isinf(window):
                shares.append(float(gap))
            else:
                steps = before.get(a, 0) + 1 + after.get(b, 0)
                shares.append(max(0.0, window) / max(steps, 2 if before.get(a) == before.get(b) else 1))
        return shares


def _chain_lengths(pairs: list[tuple[int, int]]) -> tuple[dict[int, int], dict[int, int]]:
    """For each point, the most ordering steps in a chain that ends at it, and in one that starts at it.

    Steps that order two points both ways ('between X + 1 month and X + 2 months') count within one
    strongly connected group, which the chains pass through as one step."""
    graph = nx.DiGraph(pairs)
    groups = nx.condensation(graph)
    member = groups.graph["mapping"]
    order = list(nx.topological_sort(groups))
    before: dict[int, int] = {}
    for group in order:
        before[group] = max((before[p] + 1 for p in groups.predecessors(group)), default=0)
    after: dict[int, int] = {}
    for group in reversed(order):
        after[group] = max((after[s] + 1 for s in groups.successors(group)), default=0)
    return ({node: before[member[node]] for node in graph}, {node: after[member[node]] for node in graph})


class _Graph:
    """The constraint graph as arrays, its potential, and Dijkstra searches on the reweighted edges."""

    def __init__(self, size: int, edges: dict, explain: bool = True, changed: "_Graph | None" = None):
        """`changed`: a graph this one extends (the drawing's network): its potential, extended, is tried first
        and needs no search when it holds here too."""
        self.size, self.edges, self.explain = size, edges, explain
        pairs = np.array(list(edges), dtype=np.int64).reshape(-1, 2)
        self.tails, self.heads = pairs[:, 0], pairs[:, 1]
        self.weights = np.array([w for w, _ in edges.values()], dtype=np.float64)
        self._layouts: dict[bool, tuple] = {}
        self._slot: dict[tuple[int, int], int] | None = None
        self._plain_bounds: tuple[np.ndarray, np.ndarray] | None = None
        self.plain = len(self.weights) <= PLAIN_EDGES  # searched in plain Python (see _plain_potential)
        self._succ: dict[bool, list] = {}
        self.pinned: list[float] | None = None  # each point's day, when exact dates pin them all (_plain_potential)
        guess = _extended(changed.potential, size) if changed is not None else None
        if guess is not None and np.all(self.weights + guess[self.tails] - guess[self.heads] >= 0):
            self.potential = guess  # the other graph's schedule holds here too: no search needed
        else:
            self.potential = self._potential()

    def _potential(self) -> np.ndarray:
        """Shortest distances from a virtual source joined to every point by a zero edge (Bellman-Ford):
        finite, and a feasible schedule, so w + h(tail) - h(head) >= 0 on every edge.

        scipy's Bellman-Ford runs in C but always makes points x edges steps: the quickest for a case file of a
        few hundred dates, hopeless for 10,000 (10 s). A small network (PLAIN_EDGES) and one past SMALL_NETWORK
        steps take the queue-based variant in plain Python instead, about linear in time."""
        pinned = self.pinned = self._pinned()
        if pinned is not None:  # every point on its day: no search
            values = np.array(pinned, dtype=np.float64)
            self._plain_bounds = (values, values)
            return values
        if self.plain:
            return self._plain_potential()
        if self.size * (len(self.weights) + self.size) <= SMALL_NETWORK:
            return self._small_potential()
        found = _queue_search(self._successors(), [0.0] * self.size)
        if found is None:
            raise Inconsistent(self._clash() if self.explain else [])
        return np.array(found, dtype=np.float64)

    def _small_potential(self) -> np.ndarray:
        """The potential, and on the way each point's bounds: Bellman-Ford from the virtual source and from ZERO
        in one search, and from ZERO on the reversed edges (no reweighting needed)."""
        finite = np.isfinite(self.weights)  # an infinite weight is a placeholder, not an edge (see _matrix)
        virtual = self.size
        tails = np.concatenate([self.tails[finite], np.full(self.size, virtual)])
        heads = np.concatenate([self.heads[finite], np.arange(self.size)])
        weights = np.concatenate([self.weights[finite], np.zeros(self.size)])  # explicit zeros stay edges
        shape = (self.size + 1, self.size + 1)
        try:
            found = bellman_ford(csr_array((weights, (tails, heads)), shape=shape), directed=True,
                                 indices=[virtual, 0])
            back = bellman_ford(csr_array((weights, (heads, tails)), shape=shape), directed=True, indices=0)
        except NegativeCycleError:
            raise Inconsistent(self._clash() if self.explain else []) from None
        self._plain_bounds = (-back[:self.size], found[1, :self.size])
        return found[0, :self.size]

    def _plain_potential(self) -> np.ndarray:
        """The potential and each point's bounds of a small network, without a sparse matrix: queue-based
        Bellman-Ford searches, which pass a chain written in order once."""
        potential = _queue_search(self._successors(), [0.0] * self.size)
        if potential is None:
            raise Inconsistent(self._clash() if self.explain else [])
        self._plain_bounds = self._plain_search(0, transpose=True, negate=True), self._plain_search(0)
        return np.array(potential, dtype=np.float64)

    def _pinned(self) -> list[float] | None:
        """Each point's exact day, when exact statements fix every point to ZERO and every edge holds with them.

        An exact statement (t(b) - t(a) = w: a pair of edges a -> b of weight w and b -> a of weight -w) fixes b
        once a is fixed; the days are carried from ZERO along them (a registry's 'dx + 41 days', dx at 'origin').
        Then the network has that one solution, each bound is that day and each distance the difference of two
        days, with no search. None when a point is left unfixed or an edge does not hold (the searches then
        decide, and name a clash)."""
        edges, size = self.edges, self.size
        exact: list[list[tuple[int, float]]] = [[] for _ in range(size)]
        for (tail, head), (weight, _) in edges.items():
            back = edges.get((head, tail))
            if back is not None and back[0] == -weight and not math.isinf(weight):
                exact[tail].append((head, weight))
        values: list[float | None] = [None] * size
        values[0], waiting = 0.0, [0]
        while waiting:
            point = waiting.pop()
            for head, weight in exact[point]:
                if values[head] is None:
                    values[head] = values[point] + weight
                    waiting.append(head)
        if None in values:
            return None
        days = np.array(values, dtype=np.float64)
        holds = self.weights + days[self.tails] - days[self.heads] >= 0
        return values if bool(holds.all()) else None

    def _successors(self, transpose: bool = False, weights: np.ndarray | None = None) -> list[list]:
        """Each point's outgoing edges as (head, weight), or its incoming ones as (tail, weight) with `transpose`;
        infinite weights (placeholders, see _matrix) left out. Those of the graph's own weights are kept."""
        if weights is None:
            if transpose not in self._succ:
                self._succ[transpose] = self._successors(transpose, self.weights)
            return self._succ[transpose]
        tails, heads = (self.heads, self.tails) if transpose else (self.tails, self.heads)
        succ: list[list] = [[] for _ in range(self.size)]
        for tail, head, weight in zip(tails.tolist(), heads.tolist(), weights.tolist()):
            if not math.isinf(weight):
                succ[tail].append((head, weight))
        return succ

    def _plain_search(self, source: int, transpose: bool = False, negate: bool = False,
                      weights: np.ndarray | None = None) -> np.ndarray:
        """d(source, p) for every p (d(p, source) with `transpose`; negated with `negate`), inf where no path."""
        start = [math.inf] * self.size
        start[source] = 0.0
        found = np.array(_queue_search(self._successors(transpose, weights), start, [source]), dtype=np.float64)
        return -found if negate else found

    def _clash(self) -> list[Hashable]:
        """The statements along one negative cycle, each once, in the cycle's order."""
        statements: list[Hashable] = []
        cycle = _negative_cycle(self.size, self.tails.tolist(), self.heads.tolist(), self.weights.tolist())
        for tail, head in zip(cycle, cycle[1:] + cycle[:1]):
            why = self.edges[(tail, head)][1]
            if why not in statements:
                statements.append(why)
        return statements

    def _matrix(self, transpose: bool = False, pins: dict[int, float] | None = None) -> csr_array:
        """The reweighted edges as a sparse matrix; `pins` fix points (t(i) = value) through their placeholder
        edges ZERO -> i and i -> ZERO, which the graph holds with an infinite weight until then."""
        weights = self._pinned_weights(pins)
        h = self.potential
        reduced = np.maximum(weights + h[self.tails] - h[self.heads], 0.0)  # >= 0 up to rounding
        order, indptr, indices = self._structure(transpose)
        return csr_array((reduced[order], indices, indptr), shape=(self.size, self.size))

    def _pinned_weights(self, pins: dict[int, float] | None) -> np.ndarray:
        """The weights with each pinned point's placeholder edges to and from ZERO set to its value."""
        weights = self.weights
        if pins:
            weights = weights.copy()
            slot = self._slots()
            for point, value in pins.items():
                weights[slot[(0, point)]], weights[slot[(point, 0)]] = value, -value
        return weights

    def _structure(self, transpose: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sparse layout of the edges, built once: every reweighting only fills in the values."""
        if transpose not in self._layouts:
            tails, heads = (self.heads, self.tails) if transpose else (self.tails, self.heads)
            order = np.lexsort((heads, tails))
            indptr = np.searchsorted(tails[order], np.arange(self.size + 1))
            self._layouts[transpose] = (order, indptr, heads[order])
        return self._layouts[transpose]

    def _slots(self) -> dict[tuple[int, int], int]:
        if self._slot is None:
            self._slot = {pair: i for i, pair in enumerate(self.edges)}
        return self._slot

    def pair_distances(self, pairs: list[tuple[int, int]]) -> list[float]:
        """d(s, t) for each pair (s, t) (inf where no path): one search per distinct source."""
        by_source: dict[int, list[tuple[int, int]]] = {}
        for n, (source, target) in enumerate(pairs):
            by_source.setdefault(source, []).append((n, target))
        found = [math.inf] * len(pairs)
        for source, row in self._search_rows(sorted(by_source)):
            for n, target in by_source[source]:
                found[n] = float(row[target])
        return found

    def _search_rows(self, sources: list[int]) -> Iterator[tuple[int, np.ndarray]]:
        """d(s, p) for every p, for each source s in turn: Dijkstra searches in C, SOURCES_PER_SEARCH at once."""
        if self.pinned is not None:  # every point on its day: a distance is their difference
            days = np.array(self.pinned, dtype=np.float64)
            yield from ((s, days - days[s]) for s in sources)
            return
        if self.plain:
            yield from ((s, self._plain_search(s)) for s in sources)
            return
        matrix, h = self._matrix(), self.potential
        for start in range(0, len(sources), SOURCES_PER_SEARCH):
            chunk = sources[start:start + SOURCES_PER_SEARCH]
            for source, row in zip(chunk, dijkstra(matrix, directed=True, indices=chunk)):
                yield source, row - h[source] + h

    def bounds(self, pins: dict[int, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest value of each point relative to ZERO (-inf / inf where open)."""
        if not pins and self._plain_bounds is not None:
            return self._plain_bounds
        if self.plain:
            weights = self._pinned_weights(pins)
            return (self._plain_search(0, transpose=True, negate=True, weights=weights),
                    self._plain_search(0, weights=weights))
        h = self.potential
        forward = dijkstra(self._matrix(pins=pins), directed=True, indices=0)
        backward = dijkstra(self._matrix(transpose=True, pins=pins), directed=True, indices=0)
        upper = forward - h[0] + h  # d(ZERO, i)
        lower = -(backward - h + h[0])  # -d(i, ZERO)
        return lower, upper

    def drawn(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The middle of the earliest and latest schedules, once `first` (before every point) and `last` (after
        every point) are fixed, so that an open case has an edge to draw to.

        Each is fixed as close to the points as it can be without narrowing the window of a point that has
        one: the points open on that side are then drawn a share of a step from their bounded neighbours,
        and the others keep the middle of their window. Fixing a point needs a potential that is a schedule of
        the network with the point fixed: the latest schedule (inf where open) and any schedule shifted later
        are schedules, and so is their pointwise minimum (the solutions of difference constraints form a
        lattice), which takes the latest value wherever that is finite; likewise with the earliest schedule."""
        pins: dict[int, float] = {}
        lower, upper = self.bounds()
        closed = np.isfinite(lower) & np.isfinite(upper)
        closed[[0, first, last]] = False
        points = np.arange(len(lower)) != 0
        points[[first, last]] = False
        if np.isfinite(upper[first]) and np.isneginf(lower[points]).any():  # some point is open before
            to_first = self._from(first, transpose=True)  # d(p, first): first <= p + d(p, first)
            candidates = (lower + to_first)[closed]
            pins[first] = min(upper[first], candidates.min()) if candidates.size else upper[first]
            self.potential = _blend(upper, self.potential, later=True)
            lower, upper = self.bounds(pins)
        if np.isfinite(lower[last]) and np.isposinf(upper[points]).any():  # some point is open after
            from_last = self._from(last, transpose=False)  # d(last, p): p <= last + d(last, p)
            candidates = (upper - from_last)[closed]
            pins[last] = max(lower[last], candidates.max()) if candidates.size else lower[last]
            self.potential = _blend(lower, self.potential, later=False)
            lower, upper = self.bounds(pins)
        lower = np.where(np.isfinite(lower), lower, np.where(np.isfinite(upper), upper, 0.0))
        upper = np.where(np.isfinite(upper), upper, lower)
        return np.floor((lower + upper) / 2), np.ceil(lower), np.floor(upper)

    def _from(self, source: int, transpose: bool) -> np.ndarray:
        """d(source, p) for every p, or d(p, source) with `transpose` (inf where no path)."""
        if self.plain:
            return self._plain_search(source, transpose=transpose)
        h = self.potential
        reduced = dijkstra(self._matrix(transpose=transpose), directed=True, indices=source)
        return reduced - h[source] + h if not transpose else reduced + h[source] - h


def _negative_cycle(size: int, tails: list[int], heads: list[int], weights: list[float]) -> list[int]:
    """The points of one negative cycle, in edge order, found by queue-based Bellman-Ford from a virtual source.

    networkx's find_negative_cycle can miss the cycle (it searches back from the node where it noticed it, which
    may lie downstream of the cycle), so this keeps one parent per point and, every `size` improvements, looks
    for a cycle among the parents: such a cycle is always negative, and one appears once a negative cycle has
    been walked round."""
    succ: list[list[tuple[int, float]]] = [[] for _ in range(size)]
    for tail, head, weight in zip(tails, heads, weights):
        succ[tail].append((head, weight))
    dist, parent = [0.0] * size, [-1] * size
    queue, queued = deque(range(size)), [True] * size
    improvements = 0
    while queue:
        u = queue.popleft()
        queued[u] = False
        for v, weight in succ[u]:
            if dist[u] + weight < dist[v]:
                dist[v], parent[v] = dist[u] + weight, u
                improvements += 1
                if improvements % size == 0:
                    cycle = _parent_cycle(parent)
                    if cycle:
                        return cycle
                if not queued[v]:
                    queue.append(v)
                    queued[v] = True
    return []


def _queue_search(succ: list[list[tuple[int, float]]], dist: list[float],
                  queue: Iterable[int] | None = None) -> list[float] | None:
    """Shortest distances from the starting `dist` (0 at the sources, inf elsewhere) by queue-based Bellman-Ford,
    relaxing from the points in `queue` (all by default); None when a negative cycle is reached (a point is
    queued as often as there are points).

    A point whose distance was last set from a point still queued is passed over (networkx's heuristic): it will
    be set again. Without that, a long chain stated both ways is walked once per point."""
    size = len(succ)
    waiting = deque(range(size) if queue is None else queue)
    queued, times, parent = [False] * size, [0] * size, [-1] * size
    for point in waiting:
        queued[point] = True
    while waiting:
        u = waiting.popleft()
        queued[u] = False
        if parent[u] >= 0 and queued[parent[u]]:
            continue
        for v, weight in succ[u]:
            if dist[u] + weight < dist[v]:
                dist[v], parent[v] = dist[u] + weight, u
                if not queued[v]:
                    times[v] += 1
                    if times[v] >= size:
                        return None
                    waiting.append(v)
                    queued[v] = True
    return dist


def _parent_cycle(parent: list[int]) -> list[int]:
    """A cycle among the parent links, as points in edge order (parent before child), or []."""
    state = [0] * len(parent)  # 0 unseen, 1 on the current walk, 2 done
    for start in range(len(parent)):
        walk, node = [], start
        while node != -1 and state[node] == 0:
            state[node] = 1
            walk.append(node)
            node = parent[node]
        if node != -1 and state[node] == 1:
            cycle = walk[walk.index(node):]  # child -> parent order
            return cycle[::-1]
        for visited in walk:
            state[visited] = 2
    return []


def _extended(potential: np.ndarray, size: int) -> np.ndarray:
    """A schedule of a graph with points added after the first ones (the drawing's first and last): each added
    point before or after every other, alternately (first, last)."""
    extra = [potential.min(), potential.max()] * ((size - len(potential) + 1) // 2)
    return np.concatenate([potential, np.array(extra[:size - len(potential)], dtype=np.float64)])


def _blend(bound: np.ndarray, schedule: np.ndarray, later: bool) -> np.ndarray:
    """A schedule equal to `bound` (the latest or earliest schedule) wherever it is finite: min(bound, schedule
    shifted later) or max(bound, schedule shifted earlier), shifted far enough to give way to the bound."""
    finite = np.isfinite(bound)
    if not finite.any():
        return schedule
    gap = schedule[finite] - bound[finite]
    shift = -float(gap.min()) if later else float(gap.max())
    return np.where(finite, bound, schedule + shift if later else schedule - shift)


def _finite(value: float) -> int | None:
    return None if math.isinf(value) else int(round(value))
