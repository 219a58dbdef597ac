"""Lesion sizes as written in papers ("1.2 x 0.7 cm", "19 mm") and RECIST 1.1 assessment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import ValueProblem

TOO_SMALL_MM = 5.0  # RECIST 1.1: a target lesion too small to measure is recorded as 5 mm
NODE_NORMAL_MM = 10.0  # a node with short axis < 10 mm is non-pathological
PR_THRESHOLD = -30.0  # percent change from baseline
PD_THRESHOLD = 20.0  # percent increase over the nadir
PD_MIN_MM = 5.0  # ... and at least this absolute increase

_NUMBER = r"(\d+(?:\.\d+)?)"
_SIZE = re.compile(rf"^{_NUMBER}\s*(?:(?:cm|mm)\s*)?(?:[x×*]\s*{_NUMBER}\s*)?(?:[x×*]\s*{_NUMBER}\s*)?(cm|mm)$", re.I)
_ABSENT = ("absent", "not seen", "disappeared", "0")
_TOO_SMALL = ("too small to measure", "too small")


@dataclass(frozen=True)
class Size:
    """A lesion size in millimetres: every dimension, or a RECIST convention (absent, too small)."""

    dims_mm: tuple[float, ...]
    status: str = "measured"  # measured | absent | too_small

    @property
    def longest_mm(self) -> float:
        return max(self.dims_mm) if self.dims_mm else 0.0

    @property
    def short_axis_mm(self) -> float:
        return min(self.dims_mm) if self.dims_mm else 0.0

    def recist_mm(self, nodal: bool) -> float:
        """Longest diameter, or the short axis for a lymph node (RECIST 1.1)."""
        if self.status == "absent":
            return 0.0
        if self.status == "too_small":
            return TOO_SMALL_MM
        return self.short_axis_mm if nodal else self.longest_mm

    @property
    def dims_text(self) -> str:
        return " x ".join(f"{d:g}" for d in self.dims_mm)


@lru_cache(maxsize=4096)  # a Size is frozen: one per text, read once (sizes repeat through a case)
def parse_size(text: str) -> Size:
    """Millimetres from '1.2 x 0.7 cm', '12 × 7 mm', '14.1*10.5 cm', '19 mm', 'absent', 'too small to measure'.

    Raises ValueProblem (a ValueError) with its hint apart when the size cannot be read.
    """
    raw = str(text).strip()
    lowered = raw.lower()
    if lowered in _ABSENT:
        return Size((), "absent")
    if lowered in _TOO_SMALL:
        return Size((TOO_SMALL_MM,), "too_small")
    m = _SIZE.match(raw)
    if not m:
        raise ValueProblem(f"Cannot read the size {_shown(raw)}.", "write it as in the paper with a unit, "
                           "e.g. '1.2 x 0.7 cm', '19 mm' or '4.9 × 2.6 cm'; or 'absent', 'too small to measure'")
    factor = 10.0 if m[4].lower() == "cm" else 1.0
    dims = tuple(round(float(v) * factor, 3) for v in m.groups()[:3] if v is not None)
    if any(d <= 0 for d in dims):
        raise ValueProblem(f"The size {_shown(raw)} has a zero dimension.",
                           "write 'absent' when the lesion is no longer seen")
    if max(dims) > 1000:
        raise ValueProblem(f"The size {_shown(raw)} is over a metre.", "check the unit (mm or cm)")
    return Size(dims)


def _shown(raw: str, limit: int = 60) -> str:
    return f"'{raw}'" if len(raw) <= limit else f"'{raw[:limit - 3]}...' ({len(raw):,} characters)"


@dataclass(frozen=True)
class Assessment:
    """RECIST 1.1 at one imaging time point."""

    day: int
    event_id: str | None
    sum_mm: float | None
    baseline_mm: float
    nadir_mm: float  # smallest sum before this time point
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    category: str  # baseline, CR, PR, SD, PD, NE
    reason: str


def assess(points: list[dict], target_ids: list[str], nodal: dict[str, bool]) -> list[Assessment]:
    """RECIST 1.1 categories for time points in date order.

    Each point is {"day", "event_id", "sizes": {lesion_id: recist_mm}}; the first point holding every
    target lesion is the baseline. PR: sum <= -30 % from baseline; PD: sum >= +20 % and >= +5 mm over the
    nadir, or a lesion not seen at baseline; CR: every target gone and every node < 10 mm short axis.
    """
    results: list[Assessment] = []
    baseline = nadir = None
    baseline_ids: set[str] = set()
    for point in points:
        sizes = {k: v for k, v in point["sizes"].items() if k in target_ids}
        if baseline is None:
            if not sizes:
                continue
            baseline = nadir = sum(sizes.values())
            baseline_ids = set(sizes)
            results.append(Assessment(point["day"], point["event_id"], baseline, baseline, baseline, 0.0, 0.0,
                                      "baseline", "first measurement of the target lesions"))
            continue
        new = sorted(set(sizes) - baseline_ids)
        missing = sorted(baseline_ids - set(sizes))
        total = sum(sizes.values()) if not missing else None
        from_baseline = _pct(total, baseline)
        from_nadir = _pct(total, nadir)
        category, reason = _category(total, baseline, nadir, new, missing, sizes, nodal)
        results.append(Assessment(point["day"], point["event_id"], total, baseline, nadir, from_baseline,
                                  from_nadir, category, reason))
        if total is not None:
            nadir = min(nadir, total)
    return results


def _category(total, baseline, nadir, new, missing, sizes, nodal) -> tuple[str, str]:
    if new:
        return "PD", f"new lesion: {', '.join(new)}"
    if total is None:
        return "NE", f"not every target lesion was measured (missing: {', '.join(missing)})"
    increase = total - nadir
    if nadir > 0 and increase >= PD_MIN_MM and increase / nadir * 100 >= PD_THRESHOLD or nadir == 0 and increase >= PD_MIN_MM:
        return "PD", f"sum {total:g} mm is {increase:g} mm (+{_pct(total, nadir):.0f} %) over the nadir {nadir:g} mm"
    if all((v < NODE_NORMAL_MM if nodal.get(k) else v == 0) for k, v in sizes.items()):
        return "CR", "every target lesion has disappeared (nodes < 10 mm short axis)"
    change = _pct(total, baseline)
    if change is not None and change <= PR_THRESHOLD:
        return "PR", f"sum {total:g} mm is {change:.0f} % from the baseline {baseline:g} mm"
    return "SD", f"sum {total:g} mm: {change:+.0f} % from baseline, neither PR nor PD"


def pr_threshold(baseline_mm: float) -> float:
    """The largest sum that is a partial response from this baseline: -30 % (RECIST 1.1), 0.7 x baseline."""
    return (1 + PR_THRESHOLD / 100) * baseline_mm


def pd_threshold(nadir_mm: float) -> float:
    """The smallest sum that is progression over this nadir: +20 % and at least +5 mm (RECIST 1.1)."""
    return max((1 + PD_THRESHOLD / 100) * nadir_mm, nadir_mm + PD_MIN_MM)


def _pct(value: float | None, reference: float) -> float | None:
    if value is None or not reference:
        return None
    return (value - reference) / reference * 100
