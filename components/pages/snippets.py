"""What the case editor writes for the author: the skeleton of a new case, and ready-to-insert events, one per event
kind and one per date form (declarative data).

Every value the source must give is the placeholder FILL-IN, which the validator refuses until it is replaced: a
case started or extended here cannot be saved as valid with a value nobody read in the source. Each snippet is one
item of the `events:` list, written at column 0 (the editor indents it to match the file). `$diagnosis`, `$therapy`,
`$interval` and `$lesion` are filled with ids the text being edited holds (`fill`); where it holds none, a value
gets FILL-IN and a comment says what the id is for.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from timelines.kinds import KIND_BY_NAME
from timelines.reading.placeholders import PLACEHOLDER

KINDS = "Event kinds"
DATES = "Date forms"

# A new case: what every case needs, nothing more. `id` and `title` are set from the form (new_case_text).
SKELETON = """\
# yaml-language-server: $schema=case.schema.json
schema: 1
id: new-case
title: FILL-IN
# A new case. Replace every FILL-IN with what your source says: the case is valid once none is left.
# Never invent a value: delete a line the source does not give. Add events with "Insert an event".
# The authoring guide and the full template (a fictional example of every field) are under the text.
source:
  citation: "FILL-IN"          # Authors. Title. Journal. Year;volume:pages
patient:
  sex: FILL-IN                 # female | male | other | unknown
  age: FILL-IN                 # whole years, as the source gives them
  smoking: FILL-IN             # never | former | current | unknown
diagnoses:
  - id: dx                     # the name other dates use: "dx + 3 months"
    label: FILL-IN             # the diagnosis as the source names it
    date: "FILL-IN"            # "2022-09-08", "2022-09", "2022", "~2022-09"; origin if no calendar date at all
    quote: "FILL-IN"           # the sentence of the source that states it, word for word
events: []
"""


@dataclass(frozen=True)
class Snippet:
    """One insertable event: where it is listed, what it shows, and its YAML."""

    key: str
    group: str  # KINDS or DATES
    title: str
    help: str
    text: str
    calendar_only: bool = False  # uses a calendar date: not for a case whose dates all count from day 0


# What each id stands for, in a comment, when the text holds no such id.
PLACEHOLDERS = {
    "diagnosis": "<diagnosis id>",  # a diagnosis: dates count from it, `primary:` names it
    "therapy": "<therapy id>",  # a therapy event with an id: `therapy:`, `attribution:`
    "interval": "<interval id>",  # an interval event with a known end: `.end` dates count from its end
    "lesion": "<lesion id>",  # a lesion declared under `lesions:`
}


@dataclass(frozen=True)
class Example:
    """The hand-written part of a kind's snippet. Its key, its `kind:` line and the start of its title come from the
    kinds registry (timelines/kinds.py); tests hold its fields to the kind's model (tests/test_editor.py)."""

    more: str  # what the title adds to the kind's label: " (with lesion sizes)"
    help: str
    values: str  # the event's fields but `kind:`, at column 0; an `id:` line comes first


def kind_snippet(name: str, example: Example) -> Snippet:
    """The snippet of a kind: its example's values as one item of `events:`, with `kind:` after the id, if any."""
    kind = KIND_BY_NAME[name]
    lines = example.values.splitlines()
    first = 1 if lines[0].startswith("id:") else 0
    lines = lines[:first] + [f"kind: {kind.name}"] + lines[first:]
    text = "".join(("  " if i else "- ") + line + "\n" for i, line in enumerate(lines))
    return Snippet(kind.name, KINDS, kind.label + example.more, example.help, text)


# One per event kind, in the order the editor lists them. Values are FILL-IN; comments show the choices.
KIND_EXAMPLES = {
    "diagnosis": Example(" (restaging, a new finding about a primary)",
                         "A later statement (restaging, new histology) about a primary listed under diagnoses.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
primary: FILL-IN                  # which diagnosis it is about: $diagnosis
stage: FILL-IN                    # as the source writes it, e.g. cT2aN2M1b, stage IVA (AJCC 8th edition)
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "symptom": Example("", "A symptom: a single day (date:) or a span (start: and end:).", """\
label: FILL-IN
start: "FILL-IN"                  # "2022-09-08", "2022-09", or relative: "$diagnosis + 1 month"
end: "FILL-IN"                    # or delete it: the end is then not reported
description: FILL-IN
# measurements: [{lesion: $lesion, size: FILL-IN}]   # a size found on examination (a palpable mass)
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "surgery": Example("", "An operation on one day: procedure, site, margin.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
procedure: FILL-IN
site: FILL-IN
margin: FILL-IN                   # R0 | R1 | R2, as the source gives it
primary: FILL-IN                  # the diagnosis it treats: $diagnosis
# measurements: [{lesion: $lesion, size: FILL-IN}]   # a size found at the operation or on the specimen
# intent: curative               # curative | palliative | diagnostic | preventive | reconstructive | unrelated
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "biopsy": Example("", "A biopsy: method, site and result.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
method: FILL-IN                   # CT-guided, EBUS-TBNA, TBLB, ultrasound-guided ...
site: FILL-IN
result: FILL-IN
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "molecular": Example(" (NGS, FISH, IHC, PCR)", "Genes and alterations found.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
method: FILL-IN                   # NGS, FISH, IHC, PCR ...
specimen: FILL-IN
findings:
  - {gene: FILL-IN, alteration: FILL-IN, result: FILL-IN}   # result: detected | not detected
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "chemotherapy": Example("", "A course of chemotherapy: regimen, agents, cycles, line.", """\
id: chemotherapy                  # a short name other events refer to, e.g. the regimen
label: FILL-IN
regimen: FILL-IN
agents: [FILL-IN, FILL-IN]
cycles: FILL-IN
intent: FILL-IN                   # first line, adjuvant, neoadjuvant ...
line: FILL-IN                     # line of therapy: 1 for first line; delete it when the paper does not
                                  #   number the line (then inferred, and shown as such)
# line_family: chemotherapy       # lines of a family numbered apart from the others' (overlapping)
# planned: true                   # planned, not (known to be) given: drawn hollow, never counted
start: "FILL-IN"                  # "2022-09-08", "2022-09", or relative: "$diagnosis + 1 month"
end: "FILL-IN"                    # or duration: 12 weeks, or ongoing: true
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "targeted": Example("", "A targeted drug: dose, line, why it stopped.", """\
id: targeted                      # a short name other events refer to, e.g. the drug
label: FILL-IN
drug: FILL-IN                     # agents given together: drugs: [FILL-IN, FILL-IN] instead
dose: FILL-IN
line: FILL-IN                     # line of therapy: 1 for first line
start: "FILL-IN"                  # "2022-09-08", "2022-09", or relative: "$diagnosis + 1 month"
end: "FILL-IN"                    # or duration: 10 months, or ongoing: true
# dose_changes:
#   - {date: "targeted + FILL-IN", dose: FILL-IN, reason: FILL-IN}
# holds:                          # interruptions: time on treatment subtracts them
#   - {start: "targeted + FILL-IN", duration: FILL-IN, reason: FILL-IN}   # or end: "..."
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "immunotherapy": Example("", "An immune checkpoint inhibitor or other immunotherapy.", """\
id: immunotherapy                 # a short name other events refer to, e.g. the drug
label: FILL-IN
drug: FILL-IN                     # agents given together: drugs: [FILL-IN, FILL-IN] instead
dose: FILL-IN
line: FILL-IN
start: "FILL-IN"                  # "2022-09-08", "2022-09", or relative: "$diagnosis + 1 month"
end: "FILL-IN"                    # or duration: 6 months, or ongoing: true
reason_stopped: FILL-IN           # progression, toxicity ...; delete it if the source does not say
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "endocrine": Example("", "Tamoxifen, an aromatase inhibitor ... (oophorectomy is a surgery).", """\
label: FILL-IN
drug: FILL-IN
dose: FILL-IN
intent: FILL-IN                   # adjuvant, first line ...
start: "FILL-IN"                  # "2022-09-08", "2022-09", or relative: "$diagnosis + 1 month"
duration: FILL-IN                 # e.g. 5 years; or end: "...", or ongoing: true
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "radiotherapy": Example("", "SRS, WBRT, conventional ...: total dose in Gy and fractions.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
technique: FILL-IN                # SRS, gamma knife, WBRT, conventional ...
site: FILL-IN
dose_gy: FILL-IN                  # total dose in Gy (2,400 cGy -> 24)
fractions: FILL-IN
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "supportive": Example("", "Bone protection, antiemetics, transfusions ...", """\
label: FILL-IN
drug: FILL-IN
purpose: FILL-IN
start: "FILL-IN"                  # "2022-09-08", "2022-09", or relative: "$diagnosis + 1 month"
end: "FILL-IN"                    # or duration: ..., or ongoing: true; a single dose takes date: instead
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "imaging": Example(" (with lesion sizes)", "CT, MRI, PET ...: finding, trend, lesion measurements.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
modality: FILL-IN                 # CT, MRI, PET, X-ray, US, bone scan
region: FILL-IN
finding: FILL-IN
trend: FILL-IN                    # decreased | increased | stable | new | resolved | mixed
# measurements: [{lesion: $lesion, size: FILL-IN}]   # lesions are declared under lesions:
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "lab": Example("", "Tumour markers and other values, with a reference range when the paper gives one.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
values:
  - {marker: FILL-IN, value: FILL-IN, unit: FILL-IN}   # ref_low: and ref_high: when the source gives the range
  # - {marker: FILL-IN, flag: FILL-IN}                 # no number in the source: flag high | low | normal
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "response": Example(" (CR, PR, SD, PD)", "A response assessment to a therapy.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
category: FILL-IN                 # CR | PR | SD | PD | NE
scope: FILL-IN                    # overall, intracranial, extracranial ...
criteria: FILL-IN                 # RECIST 1.1, RANO ...; delete it if the source names none
therapy: FILL-IN                  # the therapy event's id: $therapy
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "progression": Example(" or recurrence", "Where the disease progressed and how it was confirmed.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
site: FILL-IN
confirmed_by: FILL-IN
therapy: FILL-IN                  # the therapy it progressed on: $therapy
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "adverse_event": Example("", "A side effect: CTCAE term and grade, the drug it is attributed to.", """\
label: FILL-IN
term: FILL-IN                     # the CTCAE term
grade: FILL-IN                    # CTCAE grade 1-5, only when the paper gives it
attribution: FILL-IN              # the therapy event's id: $therapy
action: FILL-IN                   # dose held, dose reduced ...
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "status": Example(" at last follow-up", "Alive, dead, remission, no evidence of disease, lost to follow-up.", """\
label: FILL-IN
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
status: FILL-IN                   # alive | dead | remission | no_evidence_of_disease | lost_to_follow_up
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
    "other": Example(" (a type of its own)", "Any other event, named as its source names it (a study's own type).",
                     """\
date: "FILL-IN"                   # "2022-09-08", "2022-09", or relative: "$diagnosis + 3 months"
type: FILL-IN                     # the event's type as the source writes it
description: FILL-IN
quote: "FILL-IN"                  # the sentence of the source, word for word
"""),
}

DATE_SNIPPETS: tuple[Snippet, ...] = (
    # ---------------------------------------------------------------- one per date form
    Snippet("date-day", DATES, "Day: 2022-09-08", "The paper gives the day.", """\
- kind: imaging
  label: FILL-IN
  date: "FILL-IN"                   # DATE FORM: day, year-month-day with two digits each: "2022-09-08"
  modality: FILL-IN
""", calendar_only=True),
    Snippet("date-month", DATES, "Month: 2022-09", "The paper gives only the month: any day of it.", """\
- kind: imaging
  label: FILL-IN
  date: "FILL-IN"                   # DATE FORM: month, "2022-09" (any day of September 2022)
  modality: FILL-IN
""", calendar_only=True),
    Snippet("date-year", DATES, "Year: 2022", "The paper gives only the year.", """\
- kind: imaging
  label: FILL-IN
  date: "FILL-IN"                   # DATE FORM: year, "2022" (any day of 2022)
  modality: FILL-IN
""", calendar_only=True),
    Snippet("date-approximate", DATES, "Approximate: ~2022-09", "Implied by the paper but not stated; a note says why.", """\
- kind: imaging
  label: FILL-IN
  date: "~FILL-IN"                  # DATE FORM: approximate, "~2022-09" (bounds widen by a month; ~2022-09-08: by 7 days)
  modality: FILL-IN
  note: "FILL-IN"                   # why the date is approximate
""", calendar_only=True),
    Snippet("date-relative", DATES, "Relative: <id> + 3 months", "Counted from the START of another event.", """\
- kind: imaging
  label: FILL-IN
  date: "$diagnosis + FILL-IN"       # DATE FORM: relative, e.g. "$diagnosis + 3 months" (days, weeks, months, years)
  modality: FILL-IN
"""),
    Snippet("date-relative-before", DATES, "Relative, before: <id> - 2 weeks", "Counted back from another event.", """\
- kind: imaging
  label: FILL-IN
  date: "$diagnosis - FILL-IN"       # DATE FORM: relative, minus, e.g. "$diagnosis - 2 weeks"
  modality: FILL-IN
"""),
    Snippet("date-relative-end", DATES, "Relative to an end: <id>.end + 2 weeks", "Counted from the END of an interval.", """\
- kind: imaging
  label: FILL-IN
  date: "$interval.end + FILL-IN"    # DATE FORM: relative to the END of an interval event, e.g. "+ 2 weeks"
  modality: FILL-IN
"""),
    Snippet("date-approximate-relative", DATES, "Approximate relative: ~<id> + 1 month",
            "'About a month later': the bounds widen by one unit of the offset (half a year for years: "
            "'~<id> + 4 years' is 3.5 to 4.5 years).", """\
- kind: imaging
  label: FILL-IN
  date: "~$diagnosis + FILL-IN"      # DATE FORM: approximate relative, e.g. "~$diagnosis + 1 month" (+/- 1 month)
  modality: FILL-IN
"""),
    Snippet("date-after", DATES, "After: after <id>", "Only the order is known: later than that event.", """\
- kind: imaging
  label: FILL-IN
  date: "after $diagnosis"           # DATE FORM: after (open: how long after is not said); check the id
  modality: FILL-IN
"""),
    Snippet("date-before", DATES, "Before: before <id>", "Only the order is known: earlier than that event.", """\
- kind: imaging
  label: FILL-IN
  date: "before $diagnosis"          # DATE FORM: before (open: how long before is not said); check the id
  modality: FILL-IN
"""),
    Snippet("date-upon", DATES, "Upon: upon <id>",
            "'Upon progression, X was started': at that event or within a month after it.", """\
- kind: supportive
  label: FILL-IN
  drug: FILL-IN
  start: "upon $diagnosis"           # DATE FORM: upon (within 1 month after; 'upon X within 3 months' widens it)
  duration: FILL-IN
"""),
    Snippet("date-between", DATES, "Between: between <id> and <id or date>", "Somewhere in a span.", """\
- kind: imaging
  label: FILL-IN
  date: "between $diagnosis and FILL-IN"   # DATE FORM: between (each side a date or an event)
  modality: FILL-IN
"""),
    # An origin event cannot be inserted into a valid case: a case either has calendar dates (and no day 0)
    # or already has its one day 0. So this form is inserted as the explanation of how to use it.
    Snippet("date-origin", DATES, "Origin: day 0 of a case without calendar dates (how to)",
            "For a paper that gives no calendar date at all: inserts, as comments, how to set day 0.", """\
# DATE FORM: origin = day 0 of a case whose paper gives NO calendar date at all.
# Write it once, as the date of the first diagnosis:
#     diagnoses:
#       - id: $diagnosis
#         date: origin
# and date every other event relative to it, e.g.  date: "$diagnosis + 3 months".
# Any event's date, start or end may be day 0 instead: "end: origin" on a therapy
# makes the day it ended day 0 (then date the rest from that therapy's end: "<its id>.end + 3 months").
# A case with origin cannot also hold calendar dates such as "2022-09-08".
"""),
    Snippet("ending-end", DATES, "Interval ending: end", "A span with a known end.", """\
- kind: symptom
  label: FILL-IN
  start: "FILL-IN"
  end: "FILL-IN"                    # ENDING: end (a date in any form)
  description: FILL-IN
"""),
    Snippet("ending-duration", DATES, "Interval ending: duration", "A span given as its length.", """\
- kind: symptom
  label: FILL-IN
  start: "FILL-IN"
  duration: "FILL-IN"               # ENDING: duration, e.g. "2 months" or "~2 months" when approximate
  description: FILL-IN
"""),
    Snippet("ending-ongoing", DATES, "Interval ending: ongoing", "Still going at the last follow-up.", """\
- kind: supportive
  label: FILL-IN
  drug: FILL-IN
  start: "FILL-IN"
  ongoing: true                     # ENDING: ongoing (the bar ends at the last follow-up with an arrow)
"""),
)

SNIPPETS: tuple[Snippet, ...] = tuple(kind_snippet(name, example) for name, example in KIND_EXAMPLES.items()) + \
    DATE_SNIPPETS
SNIPPETS_BY_KEY = {snippet.key: snippet for snippet in SNIPPETS}


def fill(snippet: Snippet, ids: dict[str, str | None]) -> str:
    """The snippet's YAML with ids the text holds: where it holds none, a value gets FILL-IN (refused until the
    author writes an id) and a comment names what the id is for, so no snippet refers to an id that is not there."""
    lines = []
    for line in snippet.text.splitlines():
        value, mark, comment = line.partition("  # ") if not line.lstrip().startswith("#") else ("", "", line)
        value = string.Template(value).safe_substitute({n: ids.get(n) or PLACEHOLDER for n in _names(value)})
        comment = string.Template(comment).safe_substitute(
            {n: ids.get(n) or PLACEHOLDERS.get(n, n) for n in _names(comment)})
        lines.append(value + mark + comment)
    return "\n".join(lines) + "\n"


def _names(text: str) -> list[str]:
    return re.findall(r"\$(\w+)", text)
