"""De-identified copies of a case's tables and summary: day offsets only, no source, no identifying free text.

Switch it on for a tumor-board presentation: every view and every export is then drawn from these copies, on the
relative time axis (a de-identified event table has no calendar date to draw on any other axis).

What is removed
---------------
- **Calendar dates.** The columns ``start, end, start_earliest, start_latest, end_earliest, end_latest`` are
  blanked; ``date_text`` and ``end_text`` (the dates as written, which may name other events) become day
  offsets (``"day 397"``, ``"day 380–410"``: the exact bounds, the 'As written' detail); the dates in words
  (``start_words``, ``end_words``) name each event they refer to in months since day 0, at the precision of its
  statements (``"about 1 month after mastectomy (months −170 to −169)"``), the one unit the de-identified views
  say dates in (``timelines.time.when.say_months``); dose changes are dated by day offset (``"day 397: halved
  (...)"``), and day 0 keeps its label but loses its calendar date (``timelines.tables.DayZero``).
- **Provenance and notes.** The columns ``quote`` and ``note`` are dropped (blanked instead with
  ``keep_columns=True``, for chart builders that expect them). From the summary: ``source`` (citation, DOI,
  URL, seed file), ``notes``, ``patient.age_note``, ``patient.context``, and the quote and the date of every
  dose change. These fields are where papers name hospitals, cities and people, so they go whole.
- **Event ids.** Every event id becomes a neutral id in date order (``e01``, ``e02``...), the same in the
  events, measurements, markers and dose changes tables and in the summary (authors put dates in ids:
  ``mri-2022-09-08``); ids referred to in ``details`` (``attribution: ...``, ``therapy: ...``) follow.
- **Identifying phrases in every other text** (case id, title, labels, lanes, agents, doses, details,
  findings, lesion ids and labels, marker names, histology, stage, biomarker results, outcome labels...), by
  ``scrub_text``: dates in any common form (``2022-09-08``, ``2022-09``, ``14/9/2020``, ``3 September 2021``,
  ``September 2021``, ``Sept. 3``, a month name, any year 1900-2099 that is not a quantity such as
  ``2000 mg``) become ``[date]``; URLs, DOIs and e-mail addresses become ``[link]``; institution names (a
  capitalised phrase around Hospital, University, Center, Centre, Clinic, Institute, College, Infirmary...,
  with a following ", City") become ``[institution]``; a name after a title (Dr, Prof, Mr, Mrs, Ms) or before
  "et al." becomes ``[name]``; runs of six or more digits (record numbers) become ``[number]``.

What is kept: day offsets (``day_*`` columns), durations in months, event kinds, lanes, doses, sizes, marker
values, and the patient's sex, age and smoking status.

The scrub is rule-based: it cannot recognise every person or place a free text might name, which is why the
fields that tell the story of the case (quotes, notes, patient context) are dropped rather than scrubbed.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

from .key_events import with_date_words
from .tables import DayZero, day_zero_of, dose_changes_in_days, with_day_zero
from .time.when import say_days

CALENDAR_COLUMNS = ("start", "end", "start_earliest", "start_latest", "end_earliest", "end_latest")
CALENDAR_FLAGS = ("start_is_calendar", "end_is_calendar")  # whether start and end are calendar dates: no longer
REMOVED_COLUMNS = ("quote", "note")
# Columns holding a fixed vocabulary, left as they are; every other text column is scrubbed.
VOCABULARY_COLUMNS = ("kind", "category", "shape", "precision", "end_precision", "size_status", "change", "flag", "source",
                      "group", "response_category", "status", "trend")
ID_REFERENCES = ("attribution", "therapy", "primary")  # details parts whose value is an event id
PATIENT_FIELDS = ("sex", "age", "smoking")

DATE, LINK, INSTITUTION, NAME, NUMBER = "[date]", "[link]", "[institution]", "[name]", "[number]"

# ---------------------------------------------------------------------------------------------------------------
# Free text
# ---------------------------------------------------------------------------------------------------------------

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")
_FULL = "|".join(m for name in _MONTH_NAMES for m in (name, name.upper()))
_ABBR = "|".join(m for name in ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
                 for m in (name, name.upper()))
_MONTH = rf"(?:(?:{_FULL})\b|(?:{_ABBR})\b\.?)"
_YEAR = r"(?:19|20)\d\d"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
# A four-digit number followed by a unit is a quantity (2000 mg, 1950 mL), not a year.
_UNIT = r"(?i:\s*(?:mg|g|µg|mcg|ug|ng|pg|iu|u|units?|ml|l|cgy|gy|mm|cm|cells|copies|x|×)\b|\s*[%/])"

_DATE_PATTERNS = tuple(re.compile(p) for p in (
    rf"~?\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b",          # 3 September 2021, 3rd of Sept. 2021
    rf"~?\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b",                     # September 3, 2021
    rf"~?\b{_YEAR}[-/.](?:1[0-2]|0?[1-9])(?:[-/.](?:3[01]|[12]\d|0?[1-9]))?(?![\d])",  # 2021-09-03, 2021-09
    r"~?\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b",            # 14/9/2020, 09.14.20
    rf"~?\b{_MONTH},?\s+{_YEAR}\b",                              # September 2021
    rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}",                           # 3 September
    rf"\b{_MONTH}\s+{_DAY}\b(?![:.]\d)",                         # September 3
    rf"\b(?:{'|'.join(m for m in _FULL.split('|') if m not in ('May', 'MAY'))})\b",  # a month on its own
    rf"\b(?:{_ABBR})\.?\s*(?:'|’)\d\d\b",                        # Sep '21
    rf"~?(?<![\d.,])\b{_YEAR}s?\b(?![.,]?\d)(?!{_UNIT})",          # 2007, the 2010s
))
_LINK_PATTERNS = tuple(re.compile(p, re.I) for p in (
    r"\b(?:https?://|www\.)\S+",
    r"\b(?:doi:\s*)?10\.\d{4,9}/\S+",
    r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b",
))
_KEYWORDS = ("Hospitals?|Hôpital|Hospital|Universit(?:y|ies|ät|é|ad|à)|Cent(?:er|re)s?|Clinics?|Klinik(?:um)?|"
             "Institut(?:e|o)?s?|College|Infirmary|Foundation|Sanatorium|Polyclinic|School of Medicine|"
             "Medical School|Health System|Healthcare|Kaiser Permanente")
_CAP = r"(?:St\.|[A-Z][\w'’-]*)"
_JOIN = r"(?:of|the|and|for|de|di|du|da|del|della|des|la|le|&)"
_INSTITUTION = re.compile(
    rf"(?:{_CAP}\s+(?:{_JOIN}\s+)*)*\b(?:{_KEYWORDS})\b"   # capitalised words up to the keyword ...
    rf"(?:\s+(?:{_JOIN}\s+)*{_CAP})*"                        # ... and after it ('University of Tokyo')
    r"(?:,\s*[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)*"          # a city after a comma ('..., Tokyo')
    r"(?:\s*\([A-Z][^()]*\))?")                              # or in brackets ('(New York)')
_BARE_KEYWORD = re.compile(rf"^(?:{_KEYWORDS})$")
_NAME_PATTERNS = tuple(re.compile(p) for p in (
    r"\b(?:Dr|Prof|Professor|Mr|Mrs|Ms|Miss)\b\.?\s+(?:[A-Z][\w'’-]*\.?\s*){1,3}",
    r"\b[A-Z][\w'’-]+(?:\s+[A-Z]{1,3})?\s+et\s+al\b\.?",
))
_NUMBER = re.compile(r"(?<![\d.,])\d{6,}(?![\d])")
_TIDY = (
    (re.compile(r"\s*\(\s*(?:\[date\][\s,;–—-]*|and\s+|to\s+)+\)"), ""),   # "(2007)" -> ""
    (re.compile(r"\[date\](?:\s*(?:[–—-]|to|and|or)\s*\[date\])+"), DATE),  # "2007–2011" -> one [date]
    (re.compile(r"~\[date\]"), DATE),
    (re.compile(r",\s*\[date\](?=\s*[)\];])"), ""),                          # "edition, 2017)" -> "edition)"
    (re.compile(r"[ \t]{2,}"), " "),
    (re.compile(r"\s+([,;.)])"), r"\1"),
    (re.compile(r"\(\s+"), "("),
)


def scrub_text(text: object) -> str:
    """``text`` with dates, links, institution names, people's names and record numbers replaced.

    Parameters
    ----------
    text
        Any value; ``None`` and NaN give ``""``, other non-strings are converted with ``str``.

    Returns
    -------
    str
        The text with ``[date]``, ``[link]``, ``[institution]``, ``[name]`` and ``[number]`` in place of what
        they stand for, e.g. ``"Breast cancer (2007), treated at Tianjin Chest Hospital"`` ->
        ``"Breast cancer, treated at [institution]"``.
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    out = str(text)
    for pattern in _LINK_PATTERNS:
        out = pattern.sub(LINK, out)
    for pattern in _DATE_PATTERNS:
        out = pattern.sub(DATE, out)
    out = _INSTITUTION.sub(_institution, out)
    for pattern in _NAME_PATTERNS:
        out = pattern.sub(NAME + " ", out)
    out = _NUMBER.sub(NUMBER, out)
    for pattern, replacement in _TIDY:
        out = pattern.sub(replacement, out)
    return out.strip()


def _institution(match: re.Match) -> str:
    """A capitalised phrase around an institution keyword; the keyword alone ('Hospital stay') is kept."""
    phrase = match.group(0)
    return phrase if _BARE_KEYWORD.match(phrase.strip()) else INSTITUTION


# ---------------------------------------------------------------------------------------------------------------
# Ids
# ---------------------------------------------------------------------------------------------------------------


def neutral_ids(events: pd.DataFrame) -> dict[str, str]:
    """A neutral id for every event id of the event table, in its (date) order: {'mri-2022-09-08': 'e07', ...}."""
    ids = list(dict.fromkeys(str(i) for i in events["event_id"])) if "event_id" in events else []
    width = max(2, len(str(len(ids))))
    return {old: f"e{n:0{width}d}" for n, old in enumerate(ids, 1)}


def _map_id(ids: dict[str, str], value: object) -> str:
    """The neutral id of an event id; an id the event table does not hold gets the next free one."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return ""
    key = str(value)
    if key not in ids:
        ids[key] = f"e{len(ids) + 1:02d}"
    return ids[key]


# ---------------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------------


def deidentify_events(events: pd.DataFrame, ids: dict[str, str] | None = None, *,
                      keep_columns: bool = False, dose_changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """A de-identified copy of an event table (``timelines.tables.event_table``).

    Parameters
    ----------
    events
        The event table. Re-base its days first (``rebase_days``) if day 0 is not the case's origin: the
        relative texts written here count from the table's day 0.
    ids
        Neutral ids by event id, shared with the other tables; ``neutral_ids(events)`` when not given.
    keep_columns
        Blank the removed columns (quote, note) instead of dropping them, for builders that expect every column.
    dose_changes
        The dose change table (``timelines.tables.dose_change_table``, re-based as the events): the events'
        ``dose_changes`` texts are said again from it, by day offset. Without it they are blanked.

    Returns
    -------
    pandas.DataFrame
        Same rows and order; calendar columns blank, dates as written replaced by day offsets, neutral event
        ids, quotes and notes removed, every other text scrubbed (see the module docstring).
    """
    ids = neutral_ids(events) if ids is None else ids
    # The dates in words, made while the table still has the dates as written: every event they name said in
    # months since day 0 ('after surgery (month 0.0)'), never its calendar date, in the one unit the de-identified
    # views say every date in (the relative axis's); the names are scrubbed below.
    out = with_date_words(events, relative=True, in_months=True).copy() if "date_text" in events and "end_text" in events \
        else events.copy()
    if "dose_changes" in out:
        in_days = dose_changes_in_days(dose_changes) if dose_changes is not None else {}
        out["dose_changes"] = [in_days.get(event_id, "") for event_id in out["event_id"]]
    if "date_text" in out:
        out["date_text"] = [_when_text(row.get("day_start_earliest"), row.get("day_start_latest"))
                            for row in out.to_dict("records")]
    if "end_text" in out:
        out["end_text"] = [_end_text(row) for row in out.to_dict("records")]
    if "details" in out:
        out["details"] = out["details"].map(lambda text: _map_references(text, ids))
    return _common(out, ids, keep_columns)


def deidentify_measurements(measurements: pd.DataFrame, ids: dict[str, str], *,
                            keep_columns: bool = False) -> pd.DataFrame:
    """A de-identified copy of a measurement table: calendar dates blank, neutral ids, quotes removed, texts
    scrubbed; sizes and day offsets unchanged."""
    return _common(measurements.copy(), ids, keep_columns)


def deidentify_markers(markers: pd.DataFrame, ids: dict[str, str], *, keep_columns: bool = False) -> pd.DataFrame:
    """A de-identified copy of a marker table: calendar dates blank, neutral ids, quotes removed, texts scrubbed;
    values, units, reference ranges and day offsets unchanged."""
    return _common(markers.copy(), ids, keep_columns)


def deidentify_dose_changes(dose_changes: pd.DataFrame, ids: dict[str, str], *,
                            keep_columns: bool = False) -> pd.DataFrame:
    """A de-identified copy of a dose change table: calendar dates blank, neutral ids, quotes removed, dose and
    reason scrubbed; day offsets unchanged."""
    return _common(dose_changes.copy(), ids, keep_columns)


def deidentify_tables(events: pd.DataFrame, measurements: pd.DataFrame, markers: pd.DataFrame,
                      summary: dict | None = None, *, keep_columns: bool = False,
                      dose_changes: pd.DataFrame | None = None) -> dict:
    """De-identified copies of the tables (and of the summary, when given), with one set of neutral ids.

    Returns
    -------
    dict
        ``{"events", "measurements", "markers", "dose_changes", "summary", "ids"}``; ``dose_changes`` and
        ``summary`` are None when none was given, and ``ids`` maps each original event id to its neutral id (keep
        it private: it undoes the mapping).
    """
    ids = neutral_ids(events)
    return {
        "events": deidentify_events(events, ids, keep_columns=keep_columns, dose_changes=dose_changes),
        "measurements": deidentify_measurements(measurements, ids, keep_columns=keep_columns),
        "markers": deidentify_markers(markers, ids, keep_columns=keep_columns),
        "dose_changes": deidentify_dose_changes(dose_changes, ids, keep_columns=keep_columns)
        if dose_changes is not None else None,
        "summary": deidentify_summary(summary, ids) if summary is not None else None,
        "ids": ids,
    }


def _common(frame: pd.DataFrame, ids: dict[str, str], keep_columns: bool) -> pd.DataFrame:
    """What every table gets: calendar columns blank, neutral ids, removed columns gone, texts scrubbed, and a
    day 0 without calendar date."""
    zero = day_zero_of(frame)
    if zero is not None:
        with_day_zero(frame, DayZero(None, scrub_text(zero.label)))
    _blank_dates(frame)
    if "event_id" in frame:
        frame["event_id"] = frame["event_id"].map(lambda value: _map_id(ids, value))
    if "case_id" in frame:  # authors may name a case by a record number or initials: its digest stands in
        frame["case_id"] = frame["case_id"].map(lambda value: value if _blank(value) else neutral_file_stem(value))
    removed = [c for c in REMOVED_COLUMNS if c in frame]
    if keep_columns:
        for column in removed:
            frame[column] = ""
    else:
        frame = frame.drop(columns=removed)
    skip = set(CALENDAR_COLUMNS) | set(VOCABULARY_COLUMNS) | set(REMOVED_COLUMNS) | {"event_id", "case_id"}
    for column in frame.columns:
        if column not in skip and _is_text(frame[column]):
            frame[column] = frame[column].map(lambda value: value if _blank(value) else scrub_text(value))
    return frame


def _blank_dates(frame: pd.DataFrame) -> None:
    for column in CALENDAR_COLUMNS:
        if column in frame:
            frame[column] = ""
    for column in CALENDAR_FLAGS:
        if column in frame:
            frame[column] = False


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) or column.dtype == object


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value == ""


def _when_text(earliest: object, latest: object) -> str:
    """'day 397', 'day 380–410' or 'day 213 or later': the date's bounds as day offsets, never more precise."""
    return say_days(earliest, latest)


def _end_text(row: dict) -> str:
    if row.get("shape") != "interval":
        return ""
    if _blank(row.get("day_end")) or pd.isna(row.get("day_end")):
        return "ongoing" if row.get("ongoing") else "not reported"
    text = _when_text(row.get("day_end_earliest"), row.get("day_end_latest"))
    return f"{text}, ongoing" if row.get("ongoing") else text


def _map_references(details: object, ids: dict[str, str]) -> object:
    """'attribution: alectinib-2021' -> 'attribution: e07' where the value is an event id of the case."""
    if _blank(details):
        return details
    def replace(match: re.Match) -> str:
        value = match.group(3).strip()
        return f"{match.group(1)}{match.group(2)}: {ids[value]}" if value in ids else match.group(0)
    pattern = rf"(^|; )({'|'.join(ID_REFERENCES)}): ([^;]+)"
    return re.sub(pattern, replace, str(details))


# ---------------------------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------------------------


def deidentify_summary(summary: dict, ids: dict[str, str] | None = None) -> dict:
    """A de-identified copy of ``timelines.summary.case_summary``: only the fields listed here are kept.

    Kept (texts scrubbed, event ids neutral): id, title, patient sex/age/smoking (and ``age_at`` as a neutral
    id), diagnoses (label, day, histology, stage, site, biomarkers), lines of therapy (agents, doses, intent,
    dose changes without date or quote, start day, months), outcomes (label, months, reported months, note),
    RECIST assessments and note. Removed: source, notes, patient.age_note, patient.context, every calendar
    date (``calendar`` is False; ``date``, ``start`` and ``end`` are blank).
    """
    ids = {} if ids is None else ids
    patient = summary.get("patient", {})
    kept_patient = {k: patient[k] for k in PATIENT_FIELDS if k in patient}
    if patient.get("age_at"):
        kept_patient["age_at"] = _map_id(ids, patient["age_at"])
    return {
        "id": neutral_file_stem(summary["id"]) if summary.get("id") else "",
        "title": scrub_text(summary.get("title", "")),
        "source": {},
        "patient": kept_patient,
        "calendar": False,
        "diagnoses": [_diagnosis(d, ids) for d in summary.get("diagnoses", [])],
        "lines": [_line(line, ids) for line in summary.get("lines", [])],
        "outcomes": [_outcome(o, ids) for o in summary.get("outcomes", [])],
        "recist": [{**{k: v for k, v in a.items() if k not in ("event_id", "reason")},
                    "event_id": _map_id(ids, a.get("event_id")), "reason": scrub_text(a.get("reason"))}
                   for a in summary.get("recist", [])],
        "recist_note": scrub_text(summary.get("recist_note", "")),
        "notes": [],
        "other_regimens": [{"setting": r.get("setting"), "setting_inferred": r.get("setting_inferred", False),
                            "agents": [scrub_text(a) for a in r.get("agents", [])],
                            "therapies": [_map_id(ids, t) for t in r.get("therapies", [])], "start": ""}
                           for r in summary.get("other_regimens", [])],
        "best_response": [{**{k: b.get(k) for k in ("line", "line_name", "category", "stated", "computed",
                                                     "target_lesions", "lesions_tracked")},
                           "agents": [scrub_text(a) for a in b.get("agents", [])],
                           **{k: [scrub_text(x) for x in b.get(k, [])] for k in ("scoped", "in_words", "non_target")},
                           "text": scrub_text(b.get("text"))} for b in summary.get("best_response", [])],
        "definitions": dict(summary.get("definitions", {})),
    }


def _diagnosis(d: dict, ids: dict[str, str]) -> dict:
    return {"id": _map_id(ids, d.get("id")), "label": scrub_text(d.get("label")), "date": "", "day": d.get("day"),
            "day_earliest": d.get("day_earliest"), "day_latest": d.get("day_latest"),
            "histology": _scrub_or_none(d.get("histology")), "stage": _scrub_or_none(d.get("stage")),
            "site": _scrub_or_none(d.get("site")),
            "biomarkers": [{"name": scrub_text(b.get("name")), "result": scrub_text(b.get("result"))}
                           for b in d.get("biomarkers", [])]}


def _line(line: dict, ids: dict[str, str]) -> dict:
    therapies = [{"id": _map_id(ids, t.get("id")), "kind": t.get("kind"), "agent": scrub_text(t.get("agent")),
                  "dose": _scrub_or_none(t.get("dose")), "intent": _scrub_or_none(t.get("intent")),
                  "dose_changes": [{"dose": scrub_text(c.get("dose")), **({"reason": scrub_text(c["reason"])}
                                                                         if c.get("reason") else {})}
                                   for c in t.get("dose_changes", [])]}
                 for t in line.get("therapies", [])]
    return {"line": line.get("line"), "name": scrub_text(line.get("name")), "inferred": line.get("inferred", False),
            "family": _scrub_or_none(line.get("family")),
            "regimens": [{"setting": r.get("setting"), "agents": [scrub_text(a) for a in r.get("agents", [])],
                          "therapies": [_map_id(ids, t) for t in r.get("therapies", [])]}
                         for r in line.get("regimens", [])],
            "agents": [scrub_text(a) for a in line.get("agents", [])],
            "therapies": therapies, "start": "", "end": "", "day_start": line.get("day_start"),
            "ongoing": line.get("ongoing"), "months_min": line.get("months_min"),
            "months_max": line.get("months_max"), "end_reported": line.get("end_reported", True)}


def _outcome(outcome: dict, ids: dict[str, str]) -> dict:
    kept = {k: v for k, v in outcome.items() if k not in ("label", "note", "therapy", "primary", "text")}
    kept.update(label=scrub_text(outcome.get("label")), note=scrub_text(outcome.get("note")),
                therapy=_map_id(ids, outcome.get("therapy")) or None,
                primary=_map_id(ids, outcome.get("primary")) or None, text=scrub_text(outcome.get("text")))
    return kept


def _scrub_or_none(value: object) -> str | None:
    return None if value is None else scrub_text(value)


def neutral_file_stem(case_id: str) -> str:
    """A download's file name without the case id, which authors may write with a name or a year
    ('smith-2021'): 'case-' and six hex digits of its digest, so that two cases' files still differ."""
    return "case-" + hashlib.sha1(str(case_id).encode("utf-8")).hexdigest()[:6]
