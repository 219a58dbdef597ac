"""The FHIR export: every bundled case as an R4 Bundle following mCODE, read back with fhir.resources."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle

from timelines.cli import main
from timelines.fhir import codes
from timelines.fhir.bundle import MCODE, PROFILES, case_bundle, export_bundle
from timelines.fhir.dates import ORIGINAL_TEXT, RELATIVE_DATE, enclosing, period_sides
from timelines.measures import parse_size
from timelines.reading.loading import load_case, load_text

from conftest import CASE_FILES, CASES, ROOT, SEED_IDS, make_case, make_event

ENSARTINIB = CASES / "ppamn-hmbox1-alk-ensartinib.yaml"
CASE2 = CASES / "lcnec-eml4-alk-alectinib-case2.yaml"
MILIARY = CASES / "adeno-alk-miliary-alectinib.yaml"
CALENDAR_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
DATE_KEYS = {"effectiveDateTime", "performedDateTime", "date", "start", "end", "deceasedDateTime", "valueDateTime"}


@pytest.fixture(scope="module", params=CASE_FILES, ids=SEED_IDS)
def exported(request):
    timeline = load_case(request.param)
    bundle, left = export_bundle(timeline)
    return timeline, bundle, left


def resources(bundle: dict, kind: str | None = None, profile: str | None = None) -> list[dict]:
    found = [e["resource"] for e in bundle["entry"]]
    if kind:
        found = [r for r in found if r["resourceType"] == kind]
    if profile:
        found = [r for r in found if PROFILES[profile] in r.get("meta", {}).get("profile", [])]
    return found


def walk(value, key=None):
    """Every (key, value) pair of a JSON document, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from walk(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, key)


def test_every_bundled_case_reads_back_as_an_r4_collection(exported):
    timeline, bundle, _ = exported
    parsed = Bundle.model_validate_json(json.dumps(bundle))
    assert parsed.type == "collection"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls)), "each resource once"
    references = {v for k, v in walk(bundle) if k == "reference"}
    assert references <= set(urls), "every reference resolves inside the bundle"


def test_counts_per_resource_follow_the_case(exported):
    timeline, bundle, _ = exported
    case = timeline.case
    events = case.events
    assert len(resources(bundle, "Patient", "mcode-cancer-patient")) == 1
    assert len(resources(bundle, "Condition", "mcode-primary-cancer-condition")) == len(case.diagnoses)
    assert len(resources(bundle, "Procedure", "mcode-cancer-related-surgical-procedure")) == \
        sum(e.kind == "surgery" and getattr(e, "intent", None) != "unrelated" for e in events)
    assert len(resources(bundle, "Procedure", "mcode-radiotherapy-course-summary")) == \
        sum(e.kind == "radiotherapy" for e in events)
    assert len(resources(bundle, "BodyStructure", "mcode-tumor")) == len(case.lesions)
    sizes = [r for r in resources(bundle, "Observation") if r["code"].get("coding", [{}])[0].get("code") == "21889-1"]
    assert len(sizes) == sum(len(e.measurements) for e in events if e.kind == "imaging")
    labs = [r for r in resources(bundle, "Observation") if r.get("category", [{}])[0].get("coding", [{}])[0]
            .get("code") == "laboratory"]
    assert len(labs) == sum(len(e.values) for e in events if e.kind == "lab") + \
        sum(len(e.findings) for e in events if e.kind == "molecular")  # a molecular finding is a lab result too
    statuses = [r for r in resources(bundle, "Observation") if r["code"].get("coding", [{}])[0].get("code") == "97509-4"]
    # a response in words only, and a remission, are words: no code of the value set, so no LOINC 97509-4
    assert len(statuses) == sum(e.kind == "progression" or (e.kind == "response" and e.category is not None)
                                for e in events)
    therapies = [e for e in events if e.kind in ("chemotherapy", "targeted", "immunotherapy", "endocrine", "supportive")]
    expected = sum(max(1, len(getattr(e, "agents", []) or [])) + len(getattr(e, "dose_changes", [])) for e in therapies)
    assert len(resources(bundle, "MedicationAdministration")) == expected
    assert len(resources(bundle, "AdverseEvent")) == sum(e.kind == "adverse_event" for e in events)
    assert len(resources(bundle, "List")) == 1


def test_profiles_used_are_mcode_ones(exported):
    _, bundle, _ = exported
    used = {p for r in resources(bundle) for p in r.get("meta", {}).get("profile", [])}
    assert used and all(p.startswith("http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-") for p in used)
    assert used <= set(PROFILES.values())


def test_a_tumour_size_profile_only_where_the_size_reads_as_numbers(exported):
    timeline, bundle, _ = exported
    for r in resources(bundle, "Observation", "mcode-tumor-size"):
        longest = r["component"][0]
        assert longest["code"]["coding"][0]["code"] == "33728-7"
        assert longest["valueQuantity"]["unit"] in ("mm", "cm") and "value" not in r and "valueString" not in r
        assert r["focus"], "the profile needs the tumour measured"
    for r in resources(bundle, "Observation"):
        if r["code"].get("coding", [{}])[0].get("code") == "21889-1" and "meta" not in r:
            assert r["valueString"], "a size in words stays words"


def test_calendar_dates_are_never_more_precise_than_written(exported):
    timeline, bundle, _ = exported
    for key, value in walk(bundle):
        if key in DATE_KEYS and isinstance(value, str):
            assert CALENDAR_DATE.match(value), (key, value)


def test_a_month_start_stays_a_month():
    bundle = case_bundle(load_case(CASE2))
    alectinib = resources(bundle, "MedicationAdministration")[0]
    assert alectinib["effectivePeriod"]["start"] == "2020-10"  # 'start: "2020-10"' in the case
    assert "end" not in alectinib["effectivePeriod"] and alectinib["status"] == "in-progress"  # ongoing
    assert alectinib["medicationCodeableConcept"]["coding"][0]["code"] == "1727455"
    assert alectinib["dosage"]["text"] == "600 mg b.i.d."
    change = resources(bundle, "MedicationAdministration")[1]
    assert change["partOf"] == [{"reference": next(e["fullUrl"] for e in bundle["entry"]
                                                   if e["resource"] is alectinib)}]
    assert change["dosage"]["text"] == "halved"
    # '~alectinib + 12 months' never becomes a day: the year that holds its bounds, and the text as written
    assert change["effectivePeriod"]["start"] == "2021"
    written = change["effectivePeriod"]["_start"]["extension"][0]
    assert written["url"] == ORIGINAL_TEXT and written["valueString"].startswith("~alectinib + 12 months")


def test_a_relational_point_date_is_a_period_of_its_bounds_with_the_text_as_written():
    timeline = load_text(yaml.safe_dump(make_case(
        make_event(start="2021-09-01", ongoing=None, end="2022-03"),
        {"kind": "imaging", "date": "between tki and 2021-10-20", "measurements": [{"lesion": "primary", "size": "18 mm"}]},
        {"kind": "lab", "date": "2021-09", "values": [{"marker": "CEA", "value": 12.5, "unit": "ng/mL", "ref_high": 5}]},
        {"kind": "response", "date": "2021-12-14", "category": "PR", "therapy": "tki"})))
    bundle = case_bundle(timeline)
    size = resources(bundle, "Observation", "mcode-tumor-size")[0]
    # its bounds: from the start of tki (2021-09-01, the same boundary as '2021-09') to 2021-10-20
    assert size["effectivePeriod"]["start"] == "2021-09" and size["effectivePeriod"]["end"] == "2021-10-20"
    assert size["effectivePeriod"]["extension"][0]["valueString"].startswith("between tki and 2021-10-20")
    assert size["component"][0]["valueQuantity"] == {"value": 18.0, "unit": "mm", "system": "http://unitsofmeasure.org",
                                                     "code": "mm"}
    cea = next(r for r in resources(bundle, "Observation") if r["code"]["text"] == "CEA")
    # a tumour marker is a TumorMarkerTest whatever its date; a month is the Period of that month (US Core lab
    # results take a dateTime only to the day)
    assert cea["effectivePeriod"] == {"start": "2021-09", "end": "2021-09"} and "effectiveDateTime" not in cea
    assert cea["meta"]["profile"] == [PROFILES["mcode-tumor-marker-test"]]
    assert cea["code"]["coding"][0] == {"system": "http://loinc.org", "code": "2039-6",
                                        "display": "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma"}
    assert cea["valueQuantity"] == {"value": 12.5, "unit": "ng/mL"}
    assert cea["referenceRange"] == [{"high": {"value": 5.0, "unit": "ng/mL"}}]
    status = resources(bundle, "Observation", "mcode-cancer-disease-status")[0]
    assert status["effectiveDateTime"] == "2021-12-14"
    assert status["valueCodeableConcept"]["coding"][0]["code"] == "268910001"
    assert status["valueCodeableConcept"]["text"] == "PR (partial response)"


def test_a_size_in_centimetres_keeps_its_unit_and_too_small_is_no_number():
    timeline = load_text(yaml.safe_dump(make_case(
        {"kind": "imaging", "date": "2021-08-12", "measurements": [{"lesion": "primary", "size": "3.2 x 2.5 cm"}]},
        {"kind": "imaging", "date": "2021-11-12", "measurements": [{"lesion": "primary", "size": "too small to measure"}]})))
    bundle = case_bundle(timeline)
    sized = resources(bundle, "Observation", "mcode-tumor-size")
    assert len(sized) == 1
    assert [c["valueQuantity"]["value"] for c in sized[0]["component"]] == [3.2, 2.5]
    assert [c["code"]["coding"][0]["code"] for c in sized[0]["component"]] == ["33728-7", "33729-5"]
    words = [r for r in resources(bundle, "Observation") if "meta" not in r]
    assert [r["valueString"] for r in words] == ["too small to measure"]  # not RECIST's 5 mm convention
    assert parse_size("too small to measure").dims_mm == (5.0,)  # ... which the tables use, the bundle not


def test_a_case_without_calendar_carries_offsets_and_the_note():
    timeline = load_case(MILIARY)
    assert not timeline.on_calendar
    bundle = case_bundle(timeline)
    strings = [v for k, v in walk(bundle) if k in DATE_KEYS and isinstance(v, str)]
    assert strings == [], "no calendar date at all"
    notes = [n["text"] for n in resources(bundle, "List")[0]["note"]]
    assert any(n.startswith("Dates are offsets in days from day 0 (diagnosis)") for n in notes)
    # the specimen the IHC names has no date (no specimen_of): the case does not say when it was taken
    dated = [r for r in resources(bundle) if r["resourceType"] not in ("Patient", "BodyStructure", "List", "Specimen")]
    # condition, 2 biopsies, 16 observations, 2 medications, 1 adverse event, a symptom, 2 molecular reports with
    # 6 findings, the status at the last report, the response in the paper's words ('significant response')
    assert len(dated) == 33
    for resource in dated:  # each dated resource says its date as days from day 0
        assert RELATIVE_DATE in json.dumps(resource), resource["resourceType"]
    condition = resources(bundle, "Condition")[0]
    relative = next(x for x in condition["extension"] if x["url"] == RELATIVE_DATE)
    parts = {x["url"]: x for x in relative["extension"]}
    assert parts["offset"]["valueDuration"]["value"] == 0 and parts["offset"]["valueDuration"]["code"] == "d"
    assert parts["relationship"]["valueCode"] == "after-start"


def test_a_death_is_the_patients_deceased():
    bundle = case_bundle(load_text(yaml.safe_dump(make_case(
        make_event(), {"kind": "status", "date": "2023-02", "status": "dead"}))))
    assert resources(bundle, "Patient")[0]["deceasedDateTime"] == "2023-02"


def test_what_is_not_carried_is_listed(monkeypatch):
    from timelines.fhir import bundle as fhir
    bundle, left = export_bundle(load_text(yaml.safe_dump(make_case(
        make_event(), {"kind": "imaging", "date": "2021-10", "modality": "CT", "region": "chest"}))))
    scan = resources(bundle, "Procedure")[0]  # a scan without a result: the procedure that took place
    assert left == [] and scan["code"] == {"text": "CT chest"} and scan["performedDateTime"] == "2021-10"
    monkeypatch.delitem(fhir.RESOURCES, "tumor-size")  # a kind without an exporter is named, never dropped silently
    _, left = export_bundle(load_text(yaml.safe_dump(make_case(make_event(), {"kind": "imaging", "date": "2021-10"}))))
    assert left == ["events[1] (imaging 'Imaging'): events of this kind are not exported"]


def test_codes_in_the_table_are_well_formed_and_sourced():
    for name, (code, display, source) in codes.DRUGS.items():
        assert re.fullmatch(r"[1-9]\d{1,7}", code) and display.lower() in name and source  # '5-fluorouracil'
    assert not set(codes.DRUGS) & set(codes.NOT_IN_RXNORM_TABLE)
    for name, (code, display, source) in codes.MARKERS.items():
        assert re.fullmatch(r"\d{1,6}-\d", code) and _loinc_check_digit(code) and source
    for system, code, display, source in codes.FIXED:
        assert display and source.startswith("mCODE IG STU3")
        if system == codes.LOINC:
            assert _loinc_check_digit(code), code
        else:
            assert system == codes.SNOMED and _verhoeff_ok(code), code
    assert MCODE == "http://hl7.org/fhir/us/mcode/StructureDefinition/"


def _loinc_check_digit(code: str) -> bool:
    """LOINC's mod-10 check digit."""
    body, check = code.split("-")
    digits = [int(d) for d in body.zfill(len(body))]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10 == int(check)


_V_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_V_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]


def _verhoeff_ok(code: str) -> bool:
    """SNOMED CT identifiers end in a Verhoeff check digit."""
    c = 0
    for i, d in enumerate(reversed(code)):
        p = _V_P[1]
        for _ in range(i % 8 - 1):
            p = [_V_P[1][x] for x in p]
        perm = list(range(10)) if i % 8 == 0 else p
        c = _V_D[c][perm[int(d)]]
    return c == 0


def test_export_fhir_writes_json_and_lists_what_is_left_on_stderr(capsys, tmp_path, monkeypatch):
    assert main(["export-fhir", str(CASE2)]) == 0
    captured = capsys.readouterr()
    bundle = json.loads(captured.out)
    assert bundle["resourceType"] == "Bundle" and "not carried" not in captured.err
    from timelines.fhir import bundle as fhir
    scanless = tmp_path / "example.yaml"
    scanless.write_text(yaml.safe_dump(make_case(make_event(), {"kind": "imaging", "date": "2021-10"})))
    monkeypatch.delitem(fhir.RESOURCES, "tumor-size")
    assert main(["export-fhir", str(scanless)]) == 0
    assert f"{scanless}: not carried: events[1] (imaging" in capsys.readouterr().err


@pytest.mark.slow
def test_export_fhir_writes_one_bundle_per_case_of_a_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "timelines", "export-fhir", "cases", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("*.fhir.json"))  # beside the list of what it wrote
    assert written == sorted(f"{p.stem}.fhir.json" for p in CASE_FILES)
    Bundle.model_validate_json((tmp_path / written[0]).read_text())


def test_export_fhir_of_a_folder_needs_out(capsys):
    assert main(["export-fhir", str(CASES)]) == 1
    assert "needs --out DIR" in capsys.readouterr().err


def _b(first: str, last: str | None):
    import datetime as dt

    from timelines.time.dates import Bounds
    day = lambda text: None if text is None else dt.date.fromisoformat(text).toordinal()  # noqa: E731
    return Bounds(day(first), day(last))


@pytest.mark.parametrize("first, last, expected_enclosing, sides", [
    ("2022-09-08", "2022-09-08", "2022-09-08", ("2022-09-08", "2022-09-08")),
    ("2022-09-01", "2022-09-30", "2022-09", ("2022-09", "2022-09")),
    ("2021-10-05", "2021-12-31", "2021", ("2021-10-05", "2021")),
    ("2020-11-01", "2021-02-28", None, ("2020-11", "2021-02")),
    ("2007-01-01", "2007-12-31", "2007", ("2007", "2007")),
    ("2021-08-01", None, None, ("2021-08", None)),
])
def test_bounds_as_fhir_dates_never_name_a_day_the_bounds_do_not(first, last, expected_enclosing, sides):
    assert enclosing(_b(first, last)) == expected_enclosing
    assert period_sides(_b(first, last)) == sides


def test_the_export_box_offers_the_bundle_for_identified_views_only():
    from components.pages import cache
    from components.pages.downloads import MIME, export_files
    from timelines.presentation import View
    from timelines.reading.files import stamp as read_stamp

    path = str(CASE2)
    stamp = read_stamp(path)
    identified = [name for _, name in export_files(cache.export_case(path, stamp, View()))]
    assert "fhir.json" in identified and MIME["json"] == "application/fhir+json"
    bundle = json.loads(cache.export_file(path, stamp, View(), "fhir.json"))
    assert bundle == case_bundle(load_case(CASE2))
    hidden = View(axis="relative", deidentified=True)
    assert "fhir.json" not in [name for _, name in export_files(cache.export_case(path, stamp, hidden))]
    with pytest.raises(ValueError):
        cache.export_file(path, stamp, hidden, "fhir.json")


def test_a_day_zero_without_a_resource_of_its_own_is_the_lists_note(monkeypatch):
    from timelines.fhir import bundle as fhir
    case = make_case(
        make_event(start="scan + 2 months", ongoing=True),
        {"id": "scan", "kind": "imaging", "date": "origin", "modality": "CT"},
        origin="scan")
    case["diagnoses"][0]["date"] = "scan + 1 month"
    timeline = load_text(yaml.safe_dump(case))
    assert not timeline.on_calendar
    scan = case_bundle(timeline)  # a scan without a result is its Procedure, the target of the offsets
    assert {v for k, v in walk(scan) if k == "valueString" and v in ("performed", "note")} == {"performed"}
    monkeypatch.delitem(fhir.RESOURCES, "tumor-size")  # an event of a kind the bundle does not carry
    bundle = case_bundle(timeline)
    urls = {e["fullUrl"]: e["resource"]["resourceType"] for e in bundle["entry"]}
    targets = {v["valueReference"]["reference"] for k, v in walk(bundle) if k == "extension"
               for v in ([v] if isinstance(v, dict) else v) if isinstance(v, dict) and v.get("url") == "target"}
    assert targets and all(urls[t] == "List" for t in targets)
    notes = [n["text"] for n in resources(bundle, "List")[0]["note"]]
    assert any(n.startswith("Dates are offsets in days from day 0 (imaging)") for n in notes)
    condition = resources(bundle, "Condition")[0]
    offset = next(x for x in condition["extension"] if x["url"] == RELATIVE_DATE)["extension"][-1]
    # a month after the scan: 28 to 31 days, never a calendar date
    assert {k: v["value"] for k, v in offset["valueRange"].items()} == {"low": 28, "high": 31}


def test_a_scan_is_its_finding_with_a_size_per_lesion_as_members_and_its_quote_once():
    timeline = load_text(yaml.safe_dump(make_case(
        {"id": "ct", "kind": "imaging", "date": "2021-08-12", "modality": "CT", "finding": "Mass in the left upper lobe",
         "quote": "CT showed a 3.2 x 2.5 cm mass.", "measurements": [{"lesion": "primary", "size": "3.2 x 2.5 cm"}]},
        {"kind": "biopsy", "date": "2021-08-20", "method": "CT-guided", "site": "left upper lobe",
         "result": "adenocarcinoma"})))
    bundle = case_bundle(timeline)
    finding = next(r for r in resources(bundle, "Observation") if r["code"]["text"] == "Imaging finding (CT)")
    size = resources(bundle, "Observation", "mcode-tumor-size")[0]
    size_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is size)
    assert finding["hasMember"] == [{"reference": size_url}] and finding["valueString"] == "Mass in the left upper lobe"
    assert json.dumps(bundle).count("CT showed a 3.2 x 2.5 cm mass.") == 1
    biopsy = next(r for r in resources(bundle, "Procedure") if "meta" not in r)
    assert biopsy["performedDateTime"] == "2021-08-20" and {"text": "Result: adenocarcinoma"} in biopsy["note"]


def test_an_adverse_event_names_its_therapy_wherever_the_file_lists_it():
    bundle = case_bundle(load_text(yaml.safe_dump(make_case(
        {"kind": "adverse_event", "date": "2021-10", "term": "rash", "grade": 2, "attribution": "tki"},
        make_event()))))
    therapy = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationAdministration")
    event = resources(bundle, "AdverseEvent")[0]
    assert event["suspectEntity"] == [{"instance": {"reference": therapy}}]
    assert event["event"] == {"text": "rash (grade 2)"} and event["date"] == "2021-10"


def test_export_fhir_of_a_bad_case_says_where_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(make_case(make_event(start="2021-13-01"))), encoding="utf-8")
    out = tmp_path / "bundle.json"
    assert main(["export-fhir", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:") and "events[0].start" in err and not out.exists()
