"""De-identification: the tables and the summary keep no calendar date, source, quote, note or institution."""

from __future__ import annotations

import calendar
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from timelines import load_case, load_text
from timelines.deidentify import (
    CALENDAR_COLUMNS,
    deidentify_events,
    deidentify_summary,
    deidentify_tables,
    neutral_file_stem,
    neutral_ids,
    scrub_text,
)
from timelines.summary import case_summary
from timelines.tables import day_zero_of, dose_change_table, event_table, marker_table, measurement_table

from conftest import CASE_FILES, ROOT, SEED_IDS, make_case, make_event

INSTITUTIONS = ("Tianjin", "Hospital", "National Cancer Center", "Tokyo")


# ---------------------------------------------------------------------------------------------------------------
# What a leak looks like: every way the case's dates could be written, its source, its institutions
# ---------------------------------------------------------------------------------------------------------------

_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?(?!\d)")


def case_dates(path: Path) -> dict[str, set[str]]:
    """Every date string of a case: its ISO dates (from the file and from the resolved table) in the forms a
    person or a program would write them, and every year 1900-2099 its dates and texts mention.

    Returns ``{"strings": {...}, "years": {...}}``: strings are searched as they are, years as whole numbers.
    """
    text = path.read_text(encoding="utf-8")
    events = event_table(load_case(path))
    isos = set(m.group(0) for m in _ISO.finditer(text))
    for column in CALENDAR_COLUMNS:
        isos |= {v for v in events[column].astype(str) if _ISO.fullmatch(v)}
    strings, years = set(), set(re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text))
    for iso in isos:
        year, month, day = _ISO.fullmatch(iso).groups()
        name = calendar.month_name[int(month)]
        years.add(year)
        strings |= {f"{year}-{month}", f"{name} {year}", f"{calendar.month_abbr[int(month)]} {year}"}
        if day:
            d, m = int(day), int(month)
            strings |= {iso, f"{day}/{month}/{year}", f"{d}/{m}/{year}", f"{month}/{day}/{year}",
                        f"{m}/{d}/{year}", f"{d} {name} {year}", f"{name} {d}, {year}", f"{year}/{month}/{day}"}
    return {"strings": strings, "years": years}


def source_strings(path: Path) -> set[str]:
    """The citation (its first words), DOI and URL of a case."""
    source = load_case(path).case.source
    found = {source.citation[:40]}
    found |= {value for value in (source.doi, source.url) if value}
    return found


def leaks(text: str, path: Path) -> list[str]:
    """Every date string, year, source text or institution name of the case found in ``text``."""
    dates = case_dates(path)
    found = [s for s in dates["strings"] | source_strings(path) | set(INSTITUTIONS) if s in text]
    found += [y for y in dates["years"] if re.search(rf"(?<![\d.]){y}(?!\d)", text)]
    return sorted(found)


def table_text(frame: pd.DataFrame) -> str:
    """The text a reader of the table sees: the header and every text cell (numbers such as day offsets are not
    dates, even when one happens to equal a year)."""
    texts = [" ".join(map(str, frame.columns))]
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
            texts.extend(frame[column].dropna().astype(str))
    return "\n".join(texts)


def test_the_leak_search_finds_the_dates_of_a_case_that_is_not_deidentified():
    """Positive control: without de-identification the same search finds the dates, the source and the hospital."""
    path = ROOT / "cases" / "lcnec-eml4-alk-alectinib-case2.yaml"
    timeline = load_case(path)
    text = table_text(event_table(timeline)) + json.dumps(case_summary(timeline), ensure_ascii=False)
    found = leaks(text, path)
    assert {"2020-09-14", "2020", "10.3389/fonc.2023.1227980", "Tianjin", "Hospital"} <= set(found)


# ---------------------------------------------------------------------------------------------------------------
# scrub_text
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Breast cancer (2007), then ALK-positive combined LCNEC (2021) with brain metastases",
     "Breast cancer, then ALK-positive combined LCNEC with brain metastases"),
    ("presented to Tianjin Cancer Hospital before the node biopsy of 14/9/2020.",
     "presented to [institution] before the node biopsy of [date]."),
    ("then at the National Cancer Center Hospital, Tokyo. Next", "then at the [institution]. Next"),
    ("Memorial Sloan Kettering Cancer Center (New York) in 2019", "[institution] in [date]"),
    ("University of Tokyo Hospital", "[institution]"),
    ("UICC stage IIIB (TNM 8th edition, 2017)", "UICC stage IIIB (TNM 8th edition)"),
    ("In August 2021, 14 years after", "In [date], 14 years after"),
    ("on 3 September 2021.", "on [date]."),
    ("September 3, 2021", "[date]"),
    ("2021-09-03 and ~2021-10", "[date]"),
    ("from January 2018 to December 2022", "from [date]"),
    ("Sep '21", "[date]"),
    ("the 2010s", "the [date]"),
    ("mri-2022-09-08", "mri-[date]"),
    ("see https://www.example.org/x and doi:10.3389/fonc.2023.1227980", "see [link] and [link]"),
    ("Dr. Wang Li said; Chen et al. reported", "[name] said; [name] reported"),
    ("MRN 12345678", "MRN [number]"),
])
def test_scrub_text_replaces_dates_links_institutions_names_and_record_numbers(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize("text", [
    "dose 2000 mg daily; 1950 mL", "Hospital stay was long", "May be related", "Stage IV, Grade II",
    "alectinib 600 mg b.i.d.", "pT2aN2M0, stage IIIA (AJCC 8th edition)", "Ki67 approximately 20% (IHC)",
    "EML4-ALK (E6:A20)", "22,400 patients", "3.3 × 2.4 cm", "group 5 (1/1), group 7 (1/1)",
])
def test_scrub_text_keeps_clinical_text_that_only_looks_like_a_date(text):
    assert scrub_text(text) == text


def test_scrub_text_of_missing_values_is_empty():
    assert scrub_text(None) == "" and scrub_text(float("nan")) == ""


# ---------------------------------------------------------------------------------------------------------------
# Tables and summary of every bundled case
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=CASE_FILES, ids=SEED_IDS)
def case(request):
    timeline = load_case(request.param)
    tables = {"events": event_table(timeline), "measurements": measurement_table(timeline),
              "markers": marker_table(timeline), "dose_changes": dose_change_table(timeline)}
    summary = case_summary(timeline)
    clean = deidentify_tables(tables["events"], tables["measurements"], tables["markers"], summary,
                              dose_changes=tables["dose_changes"])
    return {"path": request.param, "tables": tables, "summary": summary, "clean": clean}


def test_deidentified_tables_and_summary_hold_no_date_source_or_institution(case):
    clean = case["clean"]
    text = "\n".join(table_text(clean[name]) for name in ("events", "measurements", "markers", "dose_changes"))
    text += json.dumps(clean["summary"], ensure_ascii=False)
    assert leaks(text, case["path"]) == []


def test_calendar_columns_are_blank_and_quotes_and_notes_are_gone(case):
    for name in ("events", "measurements", "markers"):
        frame = case["clean"][name]
        for column in CALENDAR_COLUMNS:
            if column in frame:
                assert frame[column].eq("").all(), (name, column)
        assert not {"quote", "note"} & set(frame.columns), name
        assert len(frame) == len(case["tables"][name])


def test_day_offsets_and_values_are_kept(case):
    for name in ("events", "measurements", "markers"):
        before, after = case["tables"][name], case["clean"][name]
        for column in [c for c in before.columns if c.startswith("day_")] + \
                [c for c in ("value", "recist_mm", "ref_low", "ref_high") if c in before]:
            pd.testing.assert_series_equal(before[column], after[column], check_names=False)


def test_event_ids_are_neutral_and_the_same_in_every_table(case):
    ids, clean, tables = case["clean"]["ids"], case["clean"], case["tables"]
    assert clean["events"]["event_id"].str.fullmatch(r"e\d{2,}").all()
    assert clean["events"]["event_id"].is_unique == tables["events"]["event_id"].is_unique
    for name in ("measurements", "markers"):
        assert list(clean[name]["event_id"]) == [ids[i] for i in tables[name]["event_id"]]
    diagnosis_ids = [d["id"] for d in clean["summary"]["diagnoses"]]
    assert diagnosis_ids == [ids[d["id"]] for d in case["summary"]["diagnoses"]]
    for line, original in zip(clean["summary"]["lines"], case["summary"]["lines"]):
        assert [t["id"] for t in line["therapies"]] == [ids[t["id"]] for t in original["therapies"]]


def test_the_case_id_is_neutral_in_every_table_and_the_summary(case):
    """A site may name case files by record number or initials: none of it reaches a de-identified table."""
    real = case["tables"]["events"]["case_id"].iloc[0]
    neutral = neutral_file_stem(real)
    assert re.fullmatch(r"case-[0-9a-f]{6}", neutral)
    for name in ("events", "measurements", "markers", "dose_changes"):
        frame = case["clean"][name]
        if len(frame):
            assert frame["case_id"].eq(neutral).all(), name
        assert real not in table_text(frame), name
    assert case["clean"]["summary"]["id"] == neutral


def test_dates_as_written_become_day_offsets(case):
    events = case["clean"]["events"]
    said = r"(day −?\d+((–| to )−?\d+)?( or later| or earlier)?|not dated)"  # timelines.time.when: bounds, no more
    assert events["date_text"].str.fullmatch(said).all()
    assert events["dose_changes"].fillna("").map(lambda t: all(
        re.match(said + ": ", part) for part in t.split("; ") if part)).all()


def test_summary_keeps_only_the_listed_fields(case):
    summary = case["clean"]["summary"]
    assert summary["source"] == {} and summary["notes"] == [] and summary["calendar"] is False
    assert set(summary["patient"]) <= {"sex", "age", "smoking", "age_at"}
    assert all(d["date"] == "" for d in summary["diagnoses"])
    assert all(line["start"] == line["end"] == "" for line in summary["lines"])
    original = case["summary"]
    assert [o["months_min"] for o in summary["outcomes"]] == [o["months_min"] for o in original["outcomes"]]
    assert [line["months_max"] for line in summary["lines"]] == [line["months_max"] for line in original["lines"]]


# ---------------------------------------------------------------------------------------------------------------
# Details of particular cases
# ---------------------------------------------------------------------------------------------------------------


def _events(case_id: str):
    timeline = load_case(ROOT / "cases" / f"{case_id}.yaml")
    return event_table(timeline), timeline


def test_a_dose_change_on_a_calendar_date_is_dated_by_day_offset():
    events, timeline = _events("lcnec-eml4-alk-alectinib-case2")
    assert events.loc[events["event_id"].eq("alectinib"), "dose_changes"].item() == \
        "~2021-10: halved (abnormal liver function)"  # '~alectinib + 12 months', alectinib started 2020-10
    clean = deidentify_events(events, dose_changes=dose_change_table(timeline))
    assert clean.loc[events["event_id"].eq("alectinib"), "dose_changes"].item() == \
        "day 352–442: halved (abnormal liver function)"  # 2021-09-01 to 2021-11-30, from 2020-09-14


def test_a_dose_change_reason_with_a_semicolon_stays_one_change_dated_by_day_offset():
    # Regression: the events' dose change text was split at '; ' to re-date it, so 'liver toxicity; grade 3' became
    # two changes, the second one 'date removed'.
    timeline = load_text(yaml.safe_dump(make_case(make_event(start="2021-01-01", dose_changes=[
        {"date": "2021-06-01", "dose": "300 mg", "reason": "liver toxicity; grade 3 (Tianjin Chest Hospital)",
         "quote": "reduced on 1 June 2021"}]))))
    events, changes = event_table(timeline), dose_change_table(timeline)
    clean = deidentify_tables(events, measurement_table(timeline), marker_table(timeline), dose_changes=changes)
    assert clean["events"].set_index("event_id").loc[clean["ids"]["tki"], "dose_changes"] == \
        "day −70: 300 mg (liver toxicity; grade 3 ([institution]))"
    table = clean["dose_changes"]
    assert table.to_dict("records") == [{
        "case_id": "case-c3499c", "event_id": clean["ids"]["tki"], "start": "", "day_start": -70,
        "day_start_earliest": -70, "day_start_latest": -70, "dose": "300 mg",
        "reason": "liver toxicity; grade 3 ([institution])", "start_earliest": "", "start_latest": ""}]


def test_deidentified_tables_keep_day_0_without_its_calendar_date(case):
    for name, table in case["tables"].items():
        assert day_zero_of(table).date is not None or not load_case(case["path"]).on_calendar
        assert day_zero_of(case["clean"][name]).date is None
        assert day_zero_of(case["clean"][name]).label == day_zero_of(table).label


def test_ids_named_in_details_follow_the_neutral_ids():
    events, _ = _events("lcnec-eml4-alk-alectinib-case2")
    ids = neutral_ids(events)
    clean = deidentify_events(events, ids)
    toxicity = clean.loc[events["kind"].eq("adverse_event"), "details"].item()
    assert f"attribution: {ids['alectinib']}" in toxicity


def test_an_id_with_a_date_in_it_is_replaced():
    events, _ = _events("lcnec-alk-lorlatinib")
    clean = deidentify_events(events)
    assert "mri-2022-09-08" in set(events["event_id"])
    assert not clean["event_id"].str.contains(r"\d{4}").any()


def test_keep_columns_blanks_quotes_and_notes_for_the_chart_builders():
    events, _ = _events("lcnec-alk-lorlatinib")
    clean = deidentify_events(events, keep_columns=True)
    assert list(clean.columns) == list(events.columns) + ["start_words", "end_words"]  # the dates in words
    assert clean["quote"].eq("").all() and clean["note"].eq("").all()


def test_the_summary_drops_the_patient_context_and_the_age_note():
    _, timeline = _events("lcnec-eml4-alk-alectinib-case1")
    summary = case_summary(timeline)
    assert "Tianjin" in summary["patient"]["context"] and "Tianjin" in summary["patient"]["age_note"]
    clean = deidentify_summary(summary, neutral_ids(event_table(timeline)))
    assert clean["patient"] == {"sex": "female", "age": 53, "smoking": "never",
                                "age_at": neutral_ids(event_table(timeline))["lcnec"]}


@pytest.mark.slow
def test_the_domain_module_imports_neither_streamlit_nor_altair():
    code = "import sys, timelines.deidentify; print(sorted({'streamlit', 'altair'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
