"""mCODE conformance of the FHIR export: every bundle against the official FHIR R4 JSON Schema (tests/fhir/), and
each mCODE profile claimed only with the elements and bindings it requires (mCODE STU3: PrimaryCancerCondition,
TumorMarkerTest, CancerDiseaseStatus, CancerRelatedMedicationAdministration, CancerRelatedSurgicalProcedure)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from timelines.cli import main
from timelines.fhir import codes, condition_codes
from timelines.fhir.bundle import PROFILES, export_report
from timelines.reading.loading import load_case, load_text

from conftest import CASES, make_case, make_event

SCHEMA = Path(__file__).parent / "fhir" / "fhir.schema.json"
ALL_CASES = sorted(CASES.glob("*.yaml"))  # the template too, and any case added later
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MEDICATION_KINDS = ("chemotherapy", "targeted", "immunotherapy", "endocrine", "supportive")


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema)


@pytest.fixture(scope="module", params=ALL_CASES, ids=[p.stem for p in ALL_CASES])
def exported(request):
    timeline = load_case(request.param)
    return timeline, export_report(timeline)


def claiming(bundle: dict, profile: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if PROFILES[profile] in e["resource"].get("meta", {}).get("profile", [])]


def of_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codings(concept: dict) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in concept.get("coding", [])]


def report_of(name: str):
    return export_report(load_case(CASES / f"{name}.yaml"))


# ---------------------------------------------------------------- the official R4 JSON Schema

def test_every_bundle_validates_against_the_official_r4_json_schema(exported, validator):
    _, report = exported
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(report.bundle)]
    assert errors == []


def test_the_schema_check_refuses_what_r4_refuses(validator):
    """The check is no formality: a status outside the value set, an element R4 does not have and a number as text
    are each refused."""
    bundle = report_of("lcnec-eml4-alk-alectinib-case2").bundle
    assert list(validator.iter_errors(bundle)) == []
    observation = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    for change in ({"status": "done"}, {"note": "a string, not a list of Annotations"}, {"bogusElement": 1}):
        broken = copy.deepcopy(bundle)
        target = next(e["resource"] for e in broken["entry"] if e["resource"] == observation)
        target.update(change)
        assert list(validator.iter_errors(broken)), change


# ---------------------------------------------------------------- PrimaryCancerCondition

def test_a_primary_cancer_condition_has_what_the_profile_requires(exported):
    timeline, report = exported
    conditions = claiming(report.bundle, "mcode-primary-cancer-condition")
    assert len(conditions) == len(timeline.case.diagnoses)
    allowed = {(c.system, c.code) for table in condition_codes.TABLES.values() for c in table.values()}
    for condition, diagnosis in zip(conditions, timeline.case.diagnoses):
        # US Core Condition: a problem-list item needs its clinical status (con-3)
        assert condition["category"][0]["coding"][0]["code"] == "problem-list-item"
        status = condition["clinicalStatus"]["coding"]
        assert [c["system"] for c in status] == [codes.CLINICAL_STATUS]
        assert status[0]["code"] in ("active", "recurrence", "remission")
        assert condition["subject"]["reference"].startswith("urn:uuid:")
        assert condition["code"]["text"] == diagnosis.label  # the words stay
        assert set(codings(condition["code"])) <= allowed
        assert all(s in (codes.SNOMED, condition_codes.ICD10CM) for s, _ in codings(condition["code"]))
        for site in condition.get("bodySite", []):
            assert site["text"] == diagnosis.site and all(s == codes.SNOMED for s, _ in codings(site))
            for extension in site.get("extension", []):
                assert extension["url"] in (condition_codes.LATERALITY, condition_codes.LOCATION)
        histology = [x["valueCodeableConcept"] for x in condition.get("extension", [])
                     if x["url"].endswith("mcode-histology-morphology-behavior")]
        assert [h["text"] for h in histology] == ([diagnosis.histology] if diagnosis.histology else [])
        for h in histology:
            assert all(s in (codes.SNOMED, condition_codes.ICDO3) for s, _ in codings(h))
        if diagnosis.histology:
            assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"


DIAGNOSIS_CODES = {
    "adeno-alk-leptomeningeal-alectinib": [("707451005", "31094006", "1187332001", "active")],
    "adeno-alk-miliary-alectinib": [("707451005", "31094006", "1187332001", "active")],
    "lcnec-alk-lorlatinib": [("408643008", "76752008", "82711006", "remission"),
                             ("722528008", "31094006", "448546006", "active")],
    "lcnec-eml4-alk-alectinib-case1": [("722528008", "39607008", "128628002", "active")],
    "lcnec-eml4-alk-alectinib-case2": [("722528008", "39607008", "128628002", "active")],
    # a newly described entity without a concept: the words alone (and listed as not coded); NED, then progression
    "ppamn-hmbox1-alk-ensartinib": [(None, "39607008", None, "recurrence")],
}


@pytest.mark.parametrize("name", sorted(DIAGNOSIS_CODES))
def test_the_bundled_diagnoses_sites_and_histologies_are_coded(name):
    report = report_of(name)
    found = []
    for condition in claiming(report.bundle, "mcode-primary-cancer-condition"):
        histology = next(x["valueCodeableConcept"] for x in condition["extension"]
                         if x["url"].endswith("mcode-histology-morphology-behavior"))
        coded = tuple(c["coding"][0]["code"] if "coding" in c else None
                      for c in (condition["code"], condition["bodySite"][0], histology))
        found.append(coded + (condition["clinicalStatus"]["coding"][0]["code"],))
    assert found == DIAGNOSIS_CODES[name]


def test_a_site_carries_mcode_laterality_and_location_qualifiers():
    condition = claiming(report_of("adeno-alk-leptomeningeal-alectinib").bundle, "mcode-primary-cancer-condition")[0]
    assert condition["bodySite"] == [{
        "extension": [
            {"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-body-location-qualifier",
             "valueCodeableConcept": {"coding": [{"system": codes.SNOMED, "code": "261183002",
                                                  "display": "Upper (qualifier value)"}]}},
            {"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier",
             "valueCodeableConcept": {"coding": [{"system": codes.SNOMED, "code": "7771000",
                                                  "display": "Left (qualifier value)"}]}}],
        "coding": [{"system": codes.SNOMED, "code": "31094006",
                    "display": "Structure of lobe of lung (body structure)"}],
        "text": "Left upper lobe"}]


@pytest.mark.parametrize("text, table, expected", [
    ("Left upper lobe (cavitary nodule)", "site", "31094006"),  # the head before the parenthesis
    ("Duodenum, second and third portion (D2–D3); retroperitoneal mass", "site", "38848004"),
    ("Gastrointestinal stromal tumor (GIST) of the duodenum, second and third portion", "diagnosis", "C49.A3"),
    ("Complex (combined) LCNEC: 97% LCNEC and 3% invasive adenocarcinoma", "histology", "448546006"),
    ("GIST: spindle-shaped and epithelioid cells", "histology", "8936/3"),
    ("Medullary thyroid carcinoma", "diagnosis", "C73"),
    ("Adenocarcinoma, suspected", "histology", None),  # a text in doubt is not coded
    ("Gastrointestinal stromal tumor of the stomach", "diagnosis", None),  # C49.A3 says the small intestine
    ("Primary pulmonary ALK-rearranged mesenchymal neoplasm", "diagnosis", None),
    ("Gastrointestinal stromal tumor, uncertain malignant potential", "histology", None),  # not /3
    ("Medullary carcinoma", "histology", None),  # of the breast it is another code: only the thyroid's is here
])
def test_a_text_is_coded_as_written_or_by_its_head(text, table, expected):
    found = condition_codes.lookup(text, condition_codes.TABLES[table])
    assert (found.code if found else None) == expected


def test_condition_codes_are_well_formed_and_sourced():
    from test_fhir import _verhoeff_ok

    for table in condition_codes.TABLES.values():
        for key, coded in table.items():
            assert key == " ".join(key.lower().split()) and coded.display and coded.source
            if coded.system == codes.SNOMED:
                assert _verhoeff_ok(coded.code), coded
            elif coded.system == condition_codes.ICD10CM:
                assert re.fullmatch(r"C\d{2}(\.[0-9A-Z]{1,4})?", coded.code), coded
            else:
                assert coded.system == condition_codes.ICDO3 and re.fullmatch(r"\d{4}/3", coded.code), coded
            for qualifier in (coded.laterality, coded.location):
                assert qualifier is None or _verhoeff_ok(qualifier[1])


def test_what_follows_a_second_cancer_is_about_the_second():
    report = report_of("lcnec-alk-lorlatinib")
    urls = {e["fullUrl"]: e["resource"] for e in report.bundle["entry"]}
    reasons = {r["medicationCodeableConcept"]["text"]: urls[r["reasonReference"][0]["reference"]]["code"]["text"]
               for r in of_type(report.bundle, "MedicationAdministration") if "partOf" not in r}
    assert reasons["lorlatinib"] == "Combined large cell neuroendocrine carcinoma of the lung, ALK-positive"
    assert reasons["Endocrine therapy, 5 years (agent not reported)"] == "Invasive ductal carcinoma of the left breast"


# ---------------------------------------------------------------- TumorMarkerTest

def test_every_tumour_marker_is_a_tumor_marker_test_with_what_it_requires(exported):
    timeline, report = exported
    markers = [v for e in timeline.case.events if e.kind == "lab" for v in e.values if v.is_marker]
    tests = claiming(report.bundle, "mcode-tumor-marker-test")
    serum = [r for r in tests if r["code"]["text"] in {v.marker for v in markers}]
    assert len(serum) == len(markers)
    for r in tests:
        assert r["category"][0]["coding"][0]["code"] == "laboratory" and r["subject"]
        assert any(k in r for k in ("valueQuantity", "valueString", "valueCodeableConcept")), "value[x] 1..1"
        # dateTime or Period only; a dateTime to the day at least (US Core lab, us-core-1)
        assert not {"effectiveInstant", "effectiveTiming"} & set(r)
        assert "effectiveDateTime" not in r or DAY.match(r["effectiveDateTime"])
        for system, code in codings(r["code"]):
            assert system == codes.LOINC and code in {c for c, _, _ in codes.MARKERS.values()}


def test_the_bundled_markers_carry_their_loinc_tests():
    found = {}
    for name in ("adeno-alk-miliary-alectinib", "lcnec-eml4-alk-alectinib-case1"):
        for r in claiming(report_of(name).bundle, "mcode-tumor-marker-test"):
            found[r["code"]["text"]] = [code for _, code in codings(r["code"])]
    assert found == {"Tumor markers": [], "CEA": ["2039-6"], "CYFRA": ["25390-6"], "ProGRP": [],
                     "ALK protein expression": [], "NSE": ["15060-7"]}


@pytest.mark.parametrize("date, expected", [
    ("2021-09-14", {"effectiveDateTime": "2021-09-14"}),
    ("2021-09", {"effectivePeriod": {"start": "2021-09", "end": "2021-09"}}),
    ("2021", {"effectivePeriod": {"start": "2021", "end": "2021"}}),
])
def test_a_marker_goes_out_at_the_precision_of_its_date(date, expected):
    report = export_report(load_text(yaml.safe_dump(make_case(
        make_event(), {"kind": "lab", "date": date, "values": [
            {"marker": "CA 15-3", "value": 41, "unit": "U/mL"}, {"marker": "CEA", "value": 3, "unit": "U/mL"}]}))))
    ca153, cea = claiming(report.bundle, "mcode-tumor-marker-test")
    assert {k: v for k, v in ca153.items() if k.startswith("effective")} == expected
    assert codings(ca153["code"]) == [(codes.LOINC, "6875-9")]
    # CEA in U/mL is not the mass-concentration test 2039-6: its name only, and the report says so
    assert cea["code"] == {"text": "CEA"}
    assert any("tumour marker 'CEA' has no LOINC code" in line for line in report.not_coded)


# ---------------------------------------------------------------- CancerDiseaseStatus

def test_a_cancer_disease_status_is_coded_from_its_value_set_or_is_no_such_status(exported):
    timeline, report = exported
    claimed = claiming(report.bundle, "mcode-cancer-disease-status")
    for r in of_type(report.bundle, "Observation"):
        if (codes.LOINC, "97509-4") in codings(r["code"]):
            assert r in claimed, "LOINC 97509-4 only on a CancerDiseaseStatus"
    for r in claimed:
        assert codings(r["code"]) == [(codes.LOINC, "97509-4")] and r["subject"]
        value = codings(r["valueCodeableConcept"])
        assert value and all(s == codes.SNOMED and c in codes.STATUS_TREND_CODES for s, c in value)
        assert not {"effectivePeriod", "component", "hasMember", "referenceRange", "specimen", "device"} & set(r)
    events = timeline.case.events
    assert len(claimed) == sum(e.kind == "progression" or (e.kind == "response" and e.category is not None)
                               for e in events)


def test_a_response_in_words_and_a_remission_stay_words_and_a_span_straddling_a_year_keeps_the_profile():
    lepto = report_of("adeno-alk-leptomeningeal-alectinib").bundle
    words = next(r for r in of_type(lepto, "Observation")
                 if r.get("valueCodeableConcept", {}).get("text", "").startswith("Marked tumor responses"))
    assert words["code"] == {"text": "Cancer disease status (in words)"} and "meta" not in words
    ppamn = report_of("ppamn-hmbox1-alk-ensartinib").bundle
    stable = next(r for r in claiming(ppamn, "mcode-cancer-disease-status")
                  if r["valueCodeableConcept"]["text"] == "SD (stable disease)")
    # 'between radiotherapy.end and progression-2' straddles a year: no dateTime value, the words as written
    assert "effectiveDateTime" not in stable
    assert stable["_effectiveDateTime"]["extension"][0]["valueString"].startswith("between radiotherapy.end")


# ---------------------------------------------------------------- medications

def _reasons_are_cancers(bundle: dict, resource: dict) -> bool:
    """mcode-reason-required: a cancer-related procedure or administration names its cancer."""
    cancers = {e["fullUrl"] for e in bundle["entry"]
               if PROFILES["mcode-primary-cancer-condition"] in e["resource"].get("meta", {}).get("profile", [])}
    reasons = [r["reference"] for r in resource.get("reasonReference", [])]
    return bool(reasons) and set(reasons) <= cancers


def test_a_cancer_medication_has_what_the_profile_requires_and_every_uncoded_agent_is_reported(exported):
    timeline, report = exported
    for r in claiming(report.bundle, "mcode-cancer-related-medication-administration"):
        assert r["status"] and r["subject"] and r["medicationCodeableConcept"]["text"]
        assert "effectivePeriod" in r or "effectiveDateTime" in r
        assert all(s == codes.RXNORM for s, _ in codings(r["medicationCodeableConcept"]))
        assert _reasons_are_cancers(report.bundle, r)
    courses = [r for r in of_type(report.bundle, "MedicationAdministration") if "partOf" not in r]
    uncoded = [r["medicationCodeableConcept"]["text"] for r in courses
               if "coding" not in r["medicationCodeableConcept"]]
    reported = [line for line in report.not_coded if ": medication '" in line]
    assert len(reported) == len(uncoded)
    for text, line in zip(uncoded, reported):
        assert f"medication '{text}' has no RxNorm code: " in line


def test_ensartinib_and_unnamed_agents_are_reported_with_why():
    lines = [line for line in report_of("ppamn-hmbox1-alk-ensartinib").not_coded if ": medication '" in line]
    assert [line.split(": ", 1)[1].split(": ")[0] for line in lines] == [
        "medication 'ensartinib' has no RxNorm code", "medication 'ensartinib' has no RxNorm code",
        "medication 'anti-infective therapy (agents not named)' has no RxNorm code",
        "medication 'Chemotherapy in conjunction with anti-angiogenic therapy (agents not named in the paper)' has "
        "no RxNorm code"]
    assert lines[0].endswith(codes.NOT_IN_RXNORM_TABLE["ensartinib"])
    assert lines[3].endswith("the case names no agent")


def test_the_new_drug_codes_are_given():
    report = export_report(load_text(yaml.safe_dump(make_case(
        make_event(drug="imatinib"),
        {"id": "folfox", "kind": "chemotherapy", "agents": ["5-fluorouracil", "leucovorin", "oxaliplatin"],
         "start": "2008-03", "end": "2008-07"},
        {"kind": "targeted", "drug": "sorafenib", "start": "2010-02", "end": "2010-07"}))))
    found = [codings(r["medicationCodeableConcept"]) for r in of_type(report.bundle, "MedicationAdministration")]
    assert found == [[(codes.RXNORM, "282388")], [(codes.RXNORM, "4492")], [(codes.RXNORM, "6313")],
                     [(codes.RXNORM, "32592")], [(codes.RXNORM, "495881")]]
    assert not [line for line in report.not_coded if "medication" in line]


def test_export_fhir_lists_what_is_not_coded_on_stderr(capsys):
    path = CASES / "ppamn-hmbox1-alk-ensartinib.yaml"
    assert main(["export-fhir", str(path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["resourceType"] == "Bundle"
    lines = [line for line in captured.err.splitlines() if line.startswith(f"{path}: not coded: ")]
    assert f"{path}: not coded: events[5] (targeted 'Ensartinib 225 mg/day, adjuvant (5 months)'): medication " \
           f"'ensartinib' has no RxNorm code: {codes.NOT_IN_RXNORM_TABLE['ensartinib']}" in lines
    assert f"{path}: not coded: diagnoses[0] 'Primary pulmonary ALK-rearranged mesenchymal neoplasm': diagnosis " \
           "'Primary pulmonary ALK-rearranged mesenchymal neoplasm' has no SNOMED CT or ICD-10-CM code: " \
           "not in the table of coded diagnoses, sites and histologies (timelines/fhir/condition_codes.py)" in lines


# ---------------------------------------------------------------- surgery

def _with_intent(timeline, event_id: str, intent: str):
    """Sets a surgery's intent on the loaded event (the field may not be in the case format yet)."""
    event = timeline.by_id(event_id).event
    object.__setattr__(event, "intent", intent)
    return timeline


def test_a_cancer_surgery_names_its_cancer(exported):
    timeline, report = exported
    surgeries = claiming(report.bundle, "mcode-cancer-related-surgical-procedure")
    assert len(surgeries) == sum(e.kind == "surgery" and getattr(e, "intent", None) != "unrelated"
                                 for e in timeline.case.events)
    for r in surgeries:
        assert r["status"] == "completed" and r["code"]["text"] and _reasons_are_cancers(report.bundle, r)


def test_an_operation_unrelated_to_the_cancer_is_a_plain_procedure():
    case = make_case(make_event(),
                     {"id": "chole", "kind": "surgery", "date": "2022-01-10", "procedure": "Cholecystectomy"},
                     {"id": "lobe", "kind": "surgery", "date": "2021-08-20", "procedure": "Left upper lobectomy"})
    timeline = _with_intent(load_text(yaml.safe_dump(case)), "chole", "unrelated")
    bundle = export_report(timeline).bundle
    procedures = {r["code"]["text"]: r for r in of_type(bundle, "Procedure")}
    chole, lobe = procedures["Cholecystectomy"], procedures["Left upper lobectomy"]
    assert "meta" not in chole and "reasonReference" not in chole and "extension" not in chole
    assert {"text": "Intent: unrelated to the cancer"} in chole["note"]
    assert lobe["meta"]["profile"] == [PROFILES["mcode-cancer-related-surgical-procedure"]] and lobe["reasonReference"]
