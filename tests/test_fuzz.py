"""Fuzzing the loader and the date grammar: whatever the input, a CaseFileError or a Timeline (a DateProblem or a
date), never another exception; resolved bounds are ordered and relative offsets monotonic.

Every test is derandomized (the same examples on every run) and draws its example count from EXAMPLES:
10,500 in all, about a minute on a two-core machine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timelines import CaseFileError, Timeline, load_text
from timelines.endpoints.clinical import outcomes, recist
from timelines.errors import DateProblem
from timelines.reading.yaml_source import MAX_PROBLEMS
from timelines.schema import EVENT_KINDS
from timelines.tables import event_table, marker_table, measurement_table
from timelines.time.dates import DateExpr, Resolver, Spec, date_text, parse_date, parse_offset

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = [p.read_bytes() for p in sorted((ROOT / "cases").glob("*.yaml")) if not p.name.startswith("_")]

EXAMPLES = {"documents": 1500, "mutations": 2500, "date_text": 4000, "date_values": 1000, "calendar": 1000,
            "offsets": 500}
settings.register_profile("fuzz", derandomize=True, deadline=None, database=None, print_blob=True)
FUZZ = settings.get_profile("fuzz")


def fuzz(name: str, **extra) -> settings:
    return settings(FUZZ, max_examples=EXAMPLES[name], **extra)


def load_or_explain(text: str | bytes, path: str) -> Timeline | CaseFileError:
    """The property every input must keep: a Timeline, or a CaseFileError that a clinician can read."""
    try:
        timeline = load_text(text, path)
    except CaseFileError as error:
        assert 1 <= len(error.problems) <= MAX_PROBLEMS
        assert error.first.message and error.first.hint
        assert "Traceback" not in str(error)
        return error
    assert isinstance(timeline, Timeline)
    # What the dashboard does next must hold too.
    event_table(timeline), measurement_table(timeline), marker_table(timeline), outcomes(timeline), recist(timeline)
    return timeline


# ---------------------------------------------------------------- (a) generated case documents

IDS = ["dx", "dx2", "tki", "ct", "surgery", "missing", "Tki", "t-1", "a.b", "", "1st"]
calendar_dates = st.builds(
    lambda year, month, day, precision: f"{year:04d}" + (f"-{month:02d}" if precision > 0 else "")
    + (f"-{day:02d}" if precision > 1 else ""),
    st.integers(1790, 2210), st.integers(0, 13), st.integers(0, 32), st.integers(0, 2))
units = st.sampled_from(["day", "days", "week", "weeks", "month", "months", "year", "years", "fortnight", ""])
offsets = st.builds(lambda approx, n, unit: f"{'~' if approx else ''}{n} {unit}".strip(),
                    st.booleans(), st.integers(0, 20_000), units)
references = st.builds(lambda i, side: i + side, st.sampled_from(IDS), st.sampled_from(["", ".start", ".end", ".middle"]))
points = st.one_of(calendar_dates, references,
                   st.builds(lambda base, op, off: f"{base} {op} {off}", st.one_of(calendar_dates, references),
                             st.sampled_from(["+", "-", "plus"]), offsets))
date_strings = st.one_of(
    calendar_dates, points,
    st.builds(lambda p: "~" + p, points),
    st.builds(lambda word, p: f"{word} {p}", st.sampled_from(["after", "before", "~after"]), points),
    st.builds(lambda a, b: f"between {a} and {b}", points, points),
    st.just("origin"), st.just("between dx"), st.just("after"), st.text(max_size=30),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(), st.floats(),
                    st.text(max_size=40), st.sampled_from(["19 mm", "1.2 x 0.7 cm", "absent", "0 mm", "-3 mm"]))
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(st.sampled_from(["kind", "date", "id", "a", ""]), scalars, max_size=2))
dates = st.one_of(date_strings, date_strings, date_strings, scalars, st.integers(1700, 2300))
FIELDS = ["id", "label", "quote", "note", "drug", "dose", "regimen", "agents", "line", "cycles", "intent",
          "modality", "region", "trend", "category", "therapy", "status", "term", "grade", "attribution",
          "primary", "site", "procedure", "dose_gy", "fractions", "description", "duration", "ongoing",
          "measurements", "values", "findings", "dose_changes", "dosee", "kind2"]


@st.composite
def field_values(draw, name: str):
    if name == "id":
        return draw(st.sampled_from(IDS))
    if name in ("therapy", "attribution", "primary"):
        return draw(st.one_of(st.sampled_from(IDS), values))
    if name == "measurements":
        return draw(st.lists(st.fixed_dictionaries(
            {"lesion": st.sampled_from(["primary", "node", "liver"]), "size": st.one_of(scalars, scalars)}), max_size=3))
    if name == "values":
        return draw(st.lists(st.fixed_dictionaries(
            {"marker": st.sampled_from(["CEA", "CA 19-9", ""])},
            optional={"value": st.one_of(st.floats(), st.integers(), st.text(max_size=8)),
                      "unit": st.text(max_size=5), "ref_low": st.floats(), "ref_high": st.floats(),
                      "finding": st.text(max_size=10), "flag": st.sampled_from(["high", "low", "odd"])}), max_size=3))
    if name == "dose_changes":
        return draw(st.lists(st.fixed_dictionaries({"date": dates, "dose": st.text(max_size=10)}), max_size=2))
    if name == "duration":
        return draw(st.one_of(offsets, scalars))
    if name == "ongoing":
        return draw(st.one_of(st.booleans(), scalars))
    return draw(st.one_of(st.text(max_size=20), values))


@st.composite
def events(draw):
    kind = draw(st.one_of(st.sampled_from(EVENT_KINDS), st.sampled_from(EVENT_KINDS), values))
    event = {"kind": kind}
    when = draw(st.sampled_from(["date", "start", "start+end", "both", "none"]))
    if when in ("date", "both"):
        event["date"] = draw(dates)
    if when in ("start", "start+end", "both"):
        event["start"] = draw(dates)
    if when == "start+end":
        event["end"] = draw(dates)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        event[name] = draw(field_values(name))
    return event


@st.composite
def case_documents(draw):
    document = {
        "schema": draw(st.sampled_from([1, 1, 1, 2, "1", None])),
        "id": "fuzz",
        "title": draw(st.one_of(st.just("Fuzz"), values)),
        "source": draw(st.one_of(st.just({"citation": "Fuzz"}), values)),
        "patient": draw(st.fixed_dictionaries({}, optional={
            "sex": st.sampled_from(["female", "male", "femal", False]), "age": st.one_of(st.integers(-5, 200), scalars),
            "age_at": st.sampled_from(IDS), "smoking": st.sampled_from(["never", "no", True])})),
        "diagnoses": draw(st.lists(st.fixed_dictionaries(
            {"id": st.sampled_from(["dx", "dx2", "dx"]), "label": st.just("Adenocarcinoma"), "date": dates}),
            min_size=0, max_size=2)),
        "lesions": draw(st.lists(st.fixed_dictionaries(
            {"id": st.sampled_from(["primary", "node"]), "label": st.just("Lesion")},
            optional={"nodal": st.booleans(), "target": st.one_of(st.booleans(), scalars)}), max_size=2)),
        "events": draw(st.lists(events(), max_size=5)),
    }
    if draw(st.booleans()):
        document["reported"] = draw(st.lists(st.fixed_dictionaries(
            {"name": st.sampled_from(["pfs", "os", "dfs", "time_on_treatment", "orr"]),
             "months": st.one_of(st.floats(), st.lists(st.floats(), max_size=2), scalars)},
            optional={"therapy": st.sampled_from(IDS), "censored": st.booleans()}), max_size=2))
    for name in draw(st.lists(st.sampled_from(["origin", "notes", "extra", "title", "patient"]), max_size=2)):
        document[name] = draw(st.one_of(st.sampled_from(IDS), values))
    return document


@fuzz("documents", suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case_documents(), st.booleans())
def test_any_generated_case_document_loads_or_gives_a_case_file_error(document, flow_style):
    # Generating documents of this size is slow by design, and a few draw much: both health checks are about the
    # strategy, not about the code under test.
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=flow_style)
    load_or_explain(text, "fuzz.yaml")


# ---------------------------------------------------------------- (b) mutated bundled cases

TOKENS = [b":", b": ", b"-", b"- ", b"\t", b"&a ", b"*a", b"!!", b"!!python/object/apply:os.system ", b"'", b'"',
          b"\n", b"\r", b"\r\n", b"[", b"]", b"{", b"}", b"? ", b"|", b">", b"#", b"%", b"~", b",", b"\x00",
          b"\xff", b"\xef\xbb\xbf", b"  ", b"\\", b"---\n", b"...\n", b"<<: ", b"1e400", b".nan"]


@st.composite
def mutated_cases(draw):
    data = bytearray(draw(st.sampled_from(BUNDLED)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["flip", "insert", "insert", "delete", "truncate", "duplicate-line"]))
        if how == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif how == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif how == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif how == "truncate":
            del data[at:]
        elif how == "duplicate-line":
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            line = data[start:end + 1] if end >= 0 else data[start:]
            data[start:start] = line
    return bytes(data)


@fuzz("mutations")
@given(mutated_cases())
def test_a_mutated_bundled_case_loads_or_gives_a_case_file_error(data):
    load_or_explain(data, "mutated.yaml")


# ---------------------------------------------------------------- (c) the date grammar on arbitrary text

GRAMMAR = ["~", "after", "before", "between", "and", "origin", "+", "-", " ", "  ", ".start", ".end", "dx", "2021",
           "-09", "-31", "-13", "3", "months", "day", "weeks", "year", "0000", "9" * 12, "\t", "\u00a0", "٢٠٢١"]
date_texts = st.one_of(st.text(max_size=60),
                       st.lists(st.sampled_from(GRAMMAR), max_size=10).map("".join),
                       st.lists(st.sampled_from(GRAMMAR), max_size=8).map(" ".join),
                       date_strings)


@fuzz("date_text")
@given(date_texts)
def test_parse_date_returns_a_date_or_raises_a_date_problem_for_any_text(text):
    try:
        expr = parse_date(text)
    except DateProblem as problem:
        assert problem.message and problem.hint
        return
    assert isinstance(expr, DateExpr)
    for value in (text, text.strip()):
        try:
            parse_offset(value)
        except DateProblem:
            pass


@fuzz("date_values")
@given(st.one_of(scalars, values, date_texts))
def test_date_text_accepts_text_and_whole_numbers_and_explains_anything_else(value):
    try:
        assert isinstance(date_text(value), str)
    except DateProblem as problem:
        assert problem.message.startswith("Expected a date")


# ---------------------------------------------------------------- (d) bounds of valid calendar dates

valid_days = st.dates(dt.date(1800, 1, 1), dt.date(2200, 12, 31))
written_dates = st.builds(
    lambda day, precision, approximate: ("~" if approximate else "")
    + day.isoformat()[:{"day": 10, "month": 7, "year": 4}[precision]],
    valid_days, st.sampled_from(["day", "month", "year"]), st.booleans())


def resolved(specs: dict) -> dict:
    ids = {key[0]: key[0] for key in specs}
    return Resolver(specs, ids, labels=str).resolve_all()


@fuzz("calendar")
@given(written_dates, st.integers(-2000, 2000), st.sampled_from(["day", "week", "month", "year"]))
def test_the_bounds_of_a_valid_calendar_date_are_ordered_and_contain_it(text, amount, unit):
    bounds = resolved({("a", "start"): Spec("expr", parse_date(text))})[("a", "start")]
    assert bounds.earliest <= bounds.latest
    written = text.lstrip("~")
    first = dt.date.fromisoformat(written + {4: "-01-01", 7: "-01", 10: ""}[len(written)]).toordinal()
    assert bounds.earliest <= first <= bounds.latest


@fuzz("offsets")
@given(written_dates, st.lists(st.integers(-150, 150), min_size=2, max_size=5),
       st.sampled_from(["day", "week", "month", "year"]), st.booleans())
def test_relative_offsets_are_monotonic(text, amounts, unit, approximate):
    amounts = sorted(set(amounts))
    specs = {("a", "start"): Spec("expr", parse_date(text))}
    for i, amount in enumerate(amounts):
        sign = "+" if amount >= 0 else "-"
        specs[(f"b{i}", "start")] = Spec("expr", parse_date(f"a {sign} {'~' if approximate else ''}{abs(amount)} {unit}"))
    try:
        result = resolved(specs)
    except DateProblem as problem:  # the offset carried a date outside the calendar: said, not crashed
        assert "outside" in problem.message
        return
    shifted = [result[(f"b{i}", "start")] for i in range(len(amounts))]
    for bounds in shifted:
        assert bounds.earliest <= bounds.latest
    for before, after in zip(shifted, shifted[1:]):
        assert before.earliest <= after.earliest and before.latest <= after.latest
    if 0 in amounts:
        assert shifted[amounts.index(0)] == result[("a", "start")] or approximate


def test_the_fuzz_budget_is_at_least_ten_thousand_examples():
    assert sum(EXAMPLES.values()) >= 10_000
