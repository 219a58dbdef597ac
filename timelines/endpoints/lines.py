"""Regimens and lines of systemic therapy, numbered as oncologists number them where the paper does not.

A **regimen** is the systemic therapies started together, or added within REGIMEN_WINDOW_DAYS of the first
(one cycle of most regimens). Its **setting** is neoadjuvant, adjuvant, maintenance or advanced, read from the
therapy's `intent:`; a therapy stating neither `intent:` nor `line:` that starts within ADJUVANT_WINDOW_DAYS
after a resection, with no progression between, is adjuvant (inferred). Neoadjuvant and adjuvant treatment is
not a line.

A **line** (advanced disease) is a regimen given until progression, intolerance or a planned stop. Where the
case gives no `line:`, lines are numbered by the rules of real-world line-of-therapy algorithms (a new line
starts with a new regimen after progression or intolerance; maintenance, and a drug added or switched without
progression or intolerance, stay in the line) and marked inferred. A stated `line:` always wins. Lines of
different families (`line_family:`, e.g. chemotherapy and endocrine lines as an ovarian-cancer paper numbers
them) are numbered apart and may overlap. A planned therapy (`planned: true`) is in no regimen and no line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..kinds import THERAPY_KINDS
from ..schema import field_value
from ..tables import therapy_name
from ..time.resolution import FOLLOW_UP
from ..timeline import Dated, Timeline

REGIMEN_WINDOW_DAYS = 28  # therapies started within four weeks of each other are one regimen
ADJUVANT_WINDOW_DAYS = 120  # a therapy without intent started this soon after a resection, no recurrence between
INTOLERANCE_WORDS = ("intolera", "not tolerat", "toxicit", "adverse", "side effect", "side-effect")
STOP_WORDS = ("discontinu", "stop", "withdr", "switch", "ceased", "permanently")


@dataclass
class Regimen:
    """Systemic therapies started together, in one setting and one line family."""

    therapies: list[Dated]
    setting: str  # neoadjuvant | adjuvant | maintenance | advanced
    family: str | None
    line: int | None = None  # advanced and maintenance regimens only
    line_inferred: bool = False
    setting_inferred: bool = False  # adjuvant by its place after a resection, no `intent:` saying so

    @property
    def start(self) -> Dated:
        return self.therapies[0]

    @property
    def agents(self) -> list[str]:
        return [therapy_name(d.event, d.kind) for d in self.therapies]


@dataclass
class TherapyLine:
    """One line of systemic therapy: its regimens (the first, then maintenance or drugs added in the line)."""

    number: int
    therapies: list[Dated]
    start: Dated  # the therapy that starts first
    end: Dated | None  # the therapy that ends last, None when an end is not reported
    ongoing: bool
    inferred: bool = False  # numbered by the rules above, not by a stated `line:`
    family: str | None = None
    regimens: list[Regimen] = field(default_factory=list)

    @property
    def agents(self) -> list[str]:
        return [therapy_name(d.event, d.kind) for d in self.therapies]

    @property
    def event_ids(self) -> list[str]:
        return [d.event_id for d in self.therapies if d.event_id]

    @property
    def start_key(self) -> tuple:
        return (self.start.key, "start")

    @property
    def end_key(self) -> tuple | None:
        if self.ongoing:
            return FOLLOW_UP
        return None if self.end is None else (self.end.key, "end")

    @property
    def name(self) -> str:
        """'line 2', 'line 2, inferred', 'endocrine line 3'."""
        family = f"{self.family} " if self.family else ""
        return f"{family}line {self.number}{', inferred' if self.inferred else ''}"


def setting_of(event) -> str:
    """neoadjuvant, adjuvant, maintenance or advanced, from the therapy's `intent:` (a stated line: advanced)."""
    text = (field_value(event, "intent") or "").lower()
    if field_value(event, "line") is None:
        if "neoadjuvant" in text or "neo-adjuvant" in text or "preoperative" in text:
            return "neoadjuvant"
        if "adjuvant" in text or "postoperative" in text:
            return "adjuvant"
    if "maintenance" in text:
        return "maintenance"
    return "advanced"


def given_therapies(timeline: Timeline) -> list[Dated]:
    """The systemic therapies the patient received (planned ones left out), in drawn start order."""
    return sorted((d for d in timeline.of_kind(*THERAPY_KINDS) if not field_value(d.event, "planned", False)),
                  key=lambda d: (d.day_start, d.key))


def regimens(timeline: Timeline) -> list[Regimen]:
    """Every regimen of the case, in start order, with its line number where it is in a line."""
    found: list[Regimen] = []
    for dated in given_therapies(timeline):
        setting = setting_of(dated.event)
        inferred = setting == "advanced" and _after_resection(timeline, dated)
        setting = "adjuvant" if inferred else setting
        family = field_value(dated.event, "line_family")
        line = field_value(dated.event, "line")
        joined = next((r for r in reversed(found) if r.family == family and _same_setting(r.setting, setting)
                       and dated.day_start - r.start.day_start <= REGIMEN_WINDOW_DAYS
                       and line in (None, *(field_value(t.event, "line") for t in r.therapies))), None)
        if joined is None:
            found.append(Regimen([dated], setting, family, setting_inferred=inferred))
        else:
            joined.therapies.append(dated)
    _number(timeline, found)
    return found


def _after_resection(timeline: Timeline, dated: Dated) -> bool:
    """Whether a therapy that states neither `intent:` nor `line:` is adjuvant by its place: started within
    ADJUVANT_WINDOW_DAYS after a surgery that may be curative (no other `intent:`), with no progression between."""
    if field_value(dated.event, "intent") or field_value(dated.event, "line") is not None:
        return False
    start = (dated.key, "start")
    for surgery in timeline.of_kind("surgery"):
        if field_value(surgery.event, "intent") not in (None, "curative"):
            continue
        # By the statements, not the drawing: certainly after the surgery, and possibly within the window (a start
        # the paper only orders after the operation, as adjuvant imatinib often is, may well be adjuvant).
        since = timeline.distance((surgery.key, "start"), start)
        if since.earliest is None or not 0 <= since.earliest <= ADJUVANT_WINDOW_DAYS:
            continue
        if not any((d.kind == "progression" or d.kind == "response" and d.event.category == "PD")
                   and field_value(d.event, "certainty") != "refuted"
                   and _certainly_between(timeline, (surgery.key, "start"), (d.key, "start"), start)
                   for d in timeline.items):  # the distances, the dearest test, asked last
            return True
    return False


def _certainly_between(timeline: Timeline, first: tuple, point: tuple, last: tuple) -> bool:
    after, before = timeline.distance(first, point), timeline.distance(point, last)
    return after.earliest is not None and after.earliest >= 0 and before.earliest is not None and before.earliest >= 0


def _same_setting(a: str, b: str) -> bool:
    return a == b or {a, b} <= {"advanced", "maintenance"}


def _number(timeline: Timeline, found: list[Regimen]) -> None:
    """Line numbers: stated where any therapy of the regimen states one, else inferred from the one before."""
    previous: dict[str | None, Regimen] = {}
    for regimen in found:
        if regimen.setting not in ("advanced", "maintenance"):
            continue
        stated = [field_value(t.event, "line") for t in regimen.therapies if field_value(t.event, "line") is not None]
        before = previous.get(regimen.family)
        if stated:
            regimen.line, regimen.line_inferred = min(stated), False
        elif before is None:
            regimen.line, regimen.line_inferred = 1, True
        elif regimen.setting == "maintenance" or not new_line_reason(timeline, found, before, regimen):
            regimen.line, regimen.line_inferred = before.line, True
        else:
            regimen.line, regimen.line_inferred = before.line + 1, True
        previous[regimen.family] = regimen


def new_line_reason(timeline: Timeline, found: list[Regimen], before: Regimen, regimen: Regimen) -> str:
    """Why `regimen` starts a new line after `before` ('progression', 'intolerance'), or '' (same line)."""
    line_start = min(r.start.day_start for r in found if r.family == before.family and r.line == before.line)
    ids = {t.event_id for r in found if r.family == before.family and r.line == before.line for t in r.therapies}
    for dated in timeline.items:
        if field_value(dated.event, "certainty") == "refuted":
            continue
        tied = field_value(dated.event, "therapy") in ids
        between = line_start <= dated.day_start <= regimen.start.day_start
        if (dated.kind == "progression" or dated.kind == "response" and dated.event.category == "PD") \
                and (tied or between and field_value(dated.event, "therapy") is None):
            return "progression"
        if dated.kind == "adverse_event" and field_value(dated.event, "attribution") in ids \
                and any(w in (dated.event.action or "").lower() for w in STOP_WORDS):
            return "intolerance"
    for r in found:
        if r.family == before.family and r.line == before.line:
            for t in r.therapies:
                if any(w in (field_value(t.event, "reason_stopped") or "").lower() for w in INTOLERANCE_WORDS):
                    return "intolerance"
    return ""


def lines_of_therapy(timeline: Timeline) -> list[TherapyLine]:
    """The lines of therapy for advanced disease, each with its regimens, in start order (by family, then by
    number where two lines of one family start together). Found once per timeline (a cohort row, its outcomes and
    its best responses each ask): a new list of the same lines each call."""
    found = timeline.__dict__.get("_lines_of_therapy")
    if found is None:
        found = timeline.__dict__["_lines_of_therapy"] = _lines_of_therapy(timeline)
    return list(found)


def _lines_of_therapy(timeline: Timeline) -> list[TherapyLine]:
    groups: dict[tuple, list[Regimen]] = {}
    for regimen in regimens(timeline):
        if regimen.line is not None:
            groups.setdefault((regimen.family, regimen.line), []).append(regimen)
    lines = []
    for (family, number), members in groups.items():
        therapies = sorted((t for r in members for t in r.therapies), key=lambda d: (d.day_start, d.key))
        ongoing = any(d.ongoing for d in therapies)
        end = None if any(d.end is None for d in therapies) else max(therapies, key=lambda d: d.day_end)
        lines.append(TherapyLine(number, therapies, therapies[0], end, ongoing,
                                 inferred=all(r.line_inferred for r in members), family=family, regimens=members))
    return sorted(lines, key=lambda t: (t.family or "", t.number, t.start.day_start))


def next_line(lines: list[TherapyLine], line: TherapyLine) -> TherapyLine | None:
    """The line of the same family that starts after this one."""
    later = [other for other in lines if other.family == line.family and other is not line
             and (other.number > line.number
                  or other.start.day_start > line.start.day_start and other.number >= line.number)]
    return min(later, key=lambda other: (other.start.day_start, other.number)) if later else None
