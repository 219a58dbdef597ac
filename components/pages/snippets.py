"""Ready-to-insert events for the case editor: one per event kind and one per date form (declarative data).

Each snippet is one item of the `events:` list, written at column 0 (the editor indents it to match the
file). `$diagnosis`, `$therapy`, `$interval` and `$lesion` are filled with ids of the case being edited
(`fill`); a line whose id the case does not have is inserted commented out, so the snippet stays valid.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from timelines.kinds import KIND_BY_NAME

KINDS = "Event kinds"
DATES = "Date forms"


@dataclass(frozen=True)
class Snippet:
    """One insertable event: where it is listed, what it shows, and its YAML."""

    key: str
    group: str  # KINDS or DATES
    title: str
    help: str
    text: str
    calendar_only: bool = False  # uses a calendar date: not for a case whose dates all count from day 0


# What fills each placeholder, and what is shown when the case has no such id.
PLACEHOLDERS = {
    "diagnosis": "<diagnosis id>",  # a diagnosis: dates count from it, `primary:` names it
    "therapy": "<therapy id>",  # a therapy event with an id: `therapy:`, `attribution:`
    "interval": "<interval id>",  # an interval event with a known end: `.end` dates count from its end
    "lesion": "<lesion id>",  # a lesion declared under `lesions:`
}

# The ids of cases/_template.yaml, used when the text being edited cannot be read.
TEMPLATE_IDS = {"diagnosis": "lung-adeno", "therapy": "alectinib", "interval": "tamoxifen", "lesion": "lung-rul"}


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


# One per event kind, in the order the editor lists them.
KIND_EXAMPLES = {
    "diagnosis": Example(" (restaging, a new finding about a primary)",
                         "A later statement (restaging, new histology) about a primary listed under diagnoses.", """\
label: Restaged
date: "$diagnosis + 1 month"       # or a date: "2022-09-08"
primary: $diagnosis               # which diagnosis it is about
stage: cT2aN2M1b, stage IVA (AJCC 8th edition)
quote: "..."
"""),
    "symptom": Example("", "A symptom: a single day (date:) or a span (start: and end:).", """\
label: Cough
start: "~$diagnosis - 3 months"    # a span; a single day takes date: instead
end: "$diagnosis"
description: Dry cough
# measurements: [{lesion: $lesion, size: 3 x 2 x 2 cm}]   # a size found on examination (a palpable mass)
quote: "..."
"""),
    "surgery": Example("", "An operation on one day: procedure, site, margin.", """\
label: Lobectomy
date: "$diagnosis + 1 month"       # or a date: "2022-09-08"
procedure: Right upper lobectomy with lymph node dissection
site: Right upper lobe
margin: R0
primary: $diagnosis               # the diagnosis it treats
# measurements: [{lesion: $lesion, size: 4.5 cm}]   # a size found at the operation or on the specimen
intent: curative                  # curative | palliative | diagnostic | preventive | reconstructive | unrelated
quote: "..."
"""),
    "biopsy": Example("", "A biopsy: method, site and result.", """\
label: CT-guided biopsy
date: "$diagnosis"                 # or a date: "2022-09-08"
method: CT-guided                 # CT-guided, EBUS-TBNA, TBLB, ultrasound-guided ...
site: Right upper lobe
result: Adenocarcinoma
quote: "..."
"""),
    "molecular": Example(" (NGS, FISH, IHC, PCR)", "Genes and alterations found.", """\
label: Tissue NGS
date: "$diagnosis + 2 weeks"       # or a date: "2022-09-08"
method: NGS                       # NGS, FISH, IHC, PCR ...
specimen: Biopsy specimen
findings:
  - {gene: ALK, alteration: EML4-ALK fusion, variant: "E13:A20", abundance_pct: 12.5, result: detected}
quote: "..."
"""),
    "chemotherapy": Example("", "A course of chemotherapy: regimen, agents, cycles, line.", """\
id: chemo
label: Carboplatin/pemetrexed
regimen: carboplatin/pemetrexed
agents: [carboplatin, pemetrexed]
cycles: 4
intent: first line
line: 1                           # line of therapy: leave it out when the paper does not number it (inferred)
# line_family: chemotherapy       # lines of a family numbered apart from the others' (overlapping)
start: "$diagnosis + 1 month"      # or a date: "2022-09-08"
end: "chemo + 12 weeks"           # or duration: 12 weeks, or ongoing: true
# planned: true                   # planned, not (known to be) given: drawn hollow, never counted
quote: "..."
"""),
    "targeted": Example("", "A targeted drug: dose, line, why it stopped.", """\
id: osimertinib
label: Osimertinib
drug: osimertinib                 # agents given together: drugs: [dabrafenib, trametinib] instead
dose: 80 mg daily
line: 1
start: "$diagnosis + 1 month"      # or a date: "2022-09-08"
ongoing: true                     # or end: "..." or duration: 10 months
# dose_changes:
#   - {date: "osimertinib + 4 months", dose: 40 mg daily, reason: ...}
# holds:                          # interruptions: time on treatment subtracts them
#   - {start: "osimertinib + 6 months", duration: 3 weeks, reason: ...}   # or end: "..."
quote: "..."
"""),
    "immunotherapy": Example("", "An immune checkpoint inhibitor or other immunotherapy.", """\
id: pembrolizumab
label: Pembrolizumab
drug: pembrolizumab               # agents given together: drugs: [ipilimumab, nivolumab] instead
dose: 200 mg every 3 weeks
line: 2
start: "$diagnosis + 6 months"     # or a date: "2022-09-08"
duration: 6 months                # or end: "..." or ongoing: true
reason_stopped: progression
quote: "..."
"""),
    "endocrine": Example("", "Tamoxifen, an aromatase inhibitor ... (oophorectomy is a surgery).", """\
label: Letrozole
drug: letrozole
dose: 2.5 mg daily
intent: adjuvant
start: "$diagnosis + 2 months"     # or a date: "2022-09-08"
duration: 5 years                 # or end: "..." or ongoing: true
quote: "..."
"""),
    "radiotherapy": Example("", "SRS, WBRT, conventional ...: total dose in Gy and fractions.", """\
label: SRS to brain metastasis
date: "$diagnosis + 3 months"      # one day; a course takes start: and end: instead
technique: SRS                    # SRS, gamma knife, WBRT, conventional ...
site: left frontal metastasis
dose_gy: 24                       # total dose in Gy (2,400 cGy -> 24)
fractions: 1
quote: "..."
"""),
    "supportive": Example("", "Bone protection, antiemetics, transfusions ...", """\
label: Zoledronic acid
drug: zoledronic acid
purpose: bone metastases
start: "$diagnosis + 1 month"      # a span; a single dose takes date: instead
ongoing: true
quote: "..."
"""),
    "imaging": Example(" (with lesion sizes)", "CT, MRI, PET ...: finding, trend, lesion measurements.", """\
label: Chest CT
date: "$diagnosis + 3 months"      # or a date: "2022-09-08"
modality: CT                      # CT, MRI, PET, X-ray, US, bone scan
region: chest
finding: The primary tumour decreased in size
trend: decreased                  # decreased | increased | stable | new | resolved | mixed
measurements: [{lesion: $lesion, size: 1.9 x 1.4 cm}]
quote: "..."
"""),
    "lab": Example("", "Tumour markers and other values, with a reference range when the paper gives one.", """\
label: CEA
date: "$diagnosis"                 # or a date: "2022-09-08"
values:
  - {marker: CEA, value: 12.4, unit: ng/mL, ref_low: 0, ref_high: 5}
  - {marker: LDH, value: 310, unit: U/L, flag: high}     # no range in the paper: flag high | low | normal
  - {marker: ALP, flag: normal}                          # the paper says only that it was normal
quote: "..."
"""),
    "response": Example(" (CR, PR, SD, PD)", "A response assessment to a therapy.", """\
label: Partial response
date: "$diagnosis + 3 months"      # or a date: "2022-09-08"
category: PR                      # CR | PR | SD | PD | NE
scope: overall                    # overall, intracranial, extracranial ...
criteria: RECIST 1.1
therapy: $therapy                 # the therapy event's id
quote: "..."
"""),
    "progression": Example(" or recurrence", "Where the disease progressed and how it was confirmed.", """\
label: Intracranial progression
date: "~$diagnosis + 1 year"       # or a date: "2022-09-08"
site: brain
confirmed_by: brain MRI
therapy: $therapy                 # the therapy it progressed on
quote: "..."
"""),
    "adverse_event": Example("", "A side effect: CTCAE term and grade, the drug it is attributed to.", """\
label: Rash, grade 2
term: Rash acneiform
grade: 2                          # CTCAE grade 1-5, only when the paper gives it
attribution: $therapy             # the therapy event's id
action: dose held for one week
date: "$diagnosis + 2 months"      # one day; a span takes start: and end: instead
quote: "..."
"""),
    "status": Example(" at last follow-up", "Alive, dead, remission, no evidence of disease, lost to follow-up.", """\
label: Alive at last follow-up
date: "$diagnosis + 2 years"       # or a date: "2024-09"
status: alive                     # alive | dead | remission | no_evidence_of_disease | lost_to_follow_up
quote: "..."
"""),
    "other": Example(" (a type of its own)", "Any other event, named as its source names it (a study's own type).",
                     """\
date: "$diagnosis + 3 months"      # or start: and end: for a span
type: Tumor board                 # the event's type as the source writes it
description: Discussed at the multidisciplinary tumor board
quote: "..."
"""),
}

DATE_SNIPPETS: tuple[Snippet, ...] = (
    # ---------------------------------------------------------------- one per date form
    Snippet("date-day", DATES, "Day: 2022-09-08", "The paper gives the day.", """\
- kind: imaging
  label: CT on a known day
  date: "2022-09-08"                # DATE FORM: day (year-month-day, two digits each)
  modality: CT
""", calendar_only=True),
    Snippet("date-month", DATES, "Month: 2022-09", "The paper gives only the month: any day of it.", """\
- kind: imaging
  label: CT in a known month
  date: "2022-09"                   # DATE FORM: month (any day of September 2022)
  modality: CT
""", calendar_only=True),
    Snippet("date-year", DATES, "Year: 2022", "The paper gives only the year.", """\
- kind: imaging
  label: CT in a known year
  date: "2022"                      # DATE FORM: year (any day of 2022)
  modality: CT
""", calendar_only=True),
    Snippet("date-approximate", DATES, "Approximate: ~2022-09", "Implied by the paper but not stated; a note says why.", """\
- kind: imaging
  label: CT, approximate date
  date: "~2022-09"                  # DATE FORM: approximate (bounds widen by a month; ~2022-09-08: by 7 days)
  modality: CT
  note: "Why the date is approximate: ..."
""", calendar_only=True),
    Snippet("date-relative", DATES, "Relative: <id> + 3 months", "Counted from the START of another event.", """\
- kind: imaging
  label: CT 3 months later
  date: "$diagnosis + 3 months"      # DATE FORM: relative (days, weeks, months, years; spaces around +)
  modality: CT
"""),
    Snippet("date-relative-before", DATES, "Relative, before: <id> - 2 weeks", "Counted back from another event.", """\
- kind: imaging
  label: CT 2 weeks before
  date: "$diagnosis - 2 weeks"       # DATE FORM: relative, minus
  modality: CT
"""),
    Snippet("date-relative-end", DATES, "Relative to an end: <id>.end + 2 weeks", "Counted from the END of an interval.", """\
- kind: imaging
  label: CT after the end of a therapy
  date: "$interval.end + 2 weeks"    # DATE FORM: relative to the END of an interval event
  modality: CT
"""),
    Snippet("date-approximate-relative", DATES, "Approximate relative: ~<id> + 1 month",
            "'About a month later': the bounds widen by one unit of the offset (half a year for years: "
            "'~<id> + 4 years' is 3.5 to 4.5 years).", """\
- kind: imaging
  label: CT about a month later
  date: "~$diagnosis + 1 month"      # DATE FORM: approximate relative (+/- 1 month; ~4 years: +/- half a year)
  modality: CT
"""),
    Snippet("date-after", DATES, "After: after <id>", "Only the order is known: later than that event.", """\
- kind: imaging
  label: CT at some point after
  date: "after $diagnosis"           # DATE FORM: after (open: how long after is not said)
  modality: CT
"""),
    Snippet("date-before", DATES, "Before: before <id>", "Only the order is known: earlier than that event.", """\
- kind: imaging
  label: CT at some point before
  date: "before $diagnosis"          # DATE FORM: before (open: how long before is not said)
  modality: CT
"""),
    Snippet("date-upon", DATES, "Upon: upon <id>",
            "'Upon progression, X was started': at that event or within a month after it.", """\
- kind: supportive
  label: Started upon the diagnosis
  drug: dexamethasone
  start: "upon $diagnosis"           # DATE FORM: upon (within 1 month after; 'upon X within 3 months' widens it)
  duration: 2 weeks
"""),
    Snippet("date-between", DATES, "Between: between <id> and <id or date>", "Somewhere in a span.", """\
- kind: imaging
  label: CT in the first year
  date: "between $diagnosis and $diagnosis + 1 year"   # DATE FORM: between (each side a date or an event)
  modality: CT
"""),
    # An origin event cannot be inserted into a valid case: a case either has calendar dates (and no day 0)
    # or already has its one day 0. So this form is inserted as the explanation of how to use it.
    Snippet("date-origin", DATES, "Origin: day 0 of a case without calendar dates (how to)",
            "For a paper that gives no calendar date at all: inserts, as comments, how to set day 0.", """\
# DATE FORM: origin = day 0 of a case whose paper gives NO calendar date at all.
# Write it once, as the date of the first diagnosis:
#     diagnoses:
#       - id: dx
#         date: origin
# and date every other event relative to it, e.g.  date: "dx + 3 months".
# Any event's date, start or end may be day 0 instead: "end: origin" on a therapy
# makes the day it ended day 0 (then date the rest from it: "chemo.end + 3 months").
# A case with origin cannot also hold calendar dates such as "2022-09-08".
"""),
    Snippet("ending-end", DATES, "Interval ending: end", "A span with a known end.", """\
- kind: symptom
  label: Fatigue
  start: "$diagnosis + 1 month"      # ENDING: end (a date in any form)
  end: "$diagnosis + 3 months"
  description: Fatigue
"""),
    Snippet("ending-duration", DATES, "Interval ending: duration", "A span given as its length.", """\
- kind: symptom
  label: Fatigue
  start: "$diagnosis + 1 month"
  duration: "~2 months"             # ENDING: duration (days, weeks, months, years; ~ when approximate)
  description: Fatigue
"""),
    Snippet("ending-ongoing", DATES, "Interval ending: ongoing", "Still going at the last follow-up.", """\
- kind: supportive
  label: Denosumab
  drug: denosumab
  start: "$diagnosis + 1 month"
  ongoing: true                     # ENDING: ongoing (the bar ends at the last follow-up with an arrow)
"""),
)

SNIPPETS: tuple[Snippet, ...] = tuple(kind_snippet(name, example) for name, example in KIND_EXAMPLES.items()) + \
    DATE_SNIPPETS
SNIPPETS_BY_KEY = {snippet.key: snippet for snippet in SNIPPETS}


def fill(snippet: Snippet, ids: dict[str, str | None]) -> str:
    """The snippet's YAML with the case's ids; a line needing an id the case lacks is commented out."""
    lines = []
    for line in snippet.text.splitlines():
        names = re.findall(r"\$(\w+)", line)
        if any(not ids.get(name) for name in names):
            shown = string.Template(line).safe_substitute({n: ids.get(n) or PLACEHOLDERS.get(n, n) for n in names})
            body = shown.lstrip(" ")
            line = shown[: len(shown) - len(body)] + "# " + body
        else:
            line = string.Template(line).safe_substitute(ids)
        lines.append(line)
    return "\n".join(lines) + "\n"
