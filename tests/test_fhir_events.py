"""The FHIR export of molecular tests, symptoms, statuses, diagnoses among the events and adverse-event notes: each
bundled case's resources pinned to the case, with their dates, references and profiles."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle

from timelines.fhir import codes
from timelines.fhir.bundle import ADVERSE_EVENT_NOTE, PROFILES, REPORT_NOTE, SUPPORTING_INFO, export_bundle
from timelines.fhir.dates import ORIGINAL_TEXT, RELATIVE_DATE
from timelines.reading.loading import load_case, load_text

from conftest import CASE_FILES, CASES, SEED_IDS, make_case, make_event

CALENDAR_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@pytest.fixture(scope="module", params=CASE_FILES, ids=SEED_IDS)
def exported(request):
    timeline = load_case(request.param)
    bundle, left = export_bundle(timeline)
    return timeline, bundle, left


def bundle_of(name: str) -> tuple[dict, dict]:
    """The bundle of a bundled case and its resources by fullUrl."""
    bundle, left = export_bundle(load_case(CASES / f"{name}.yaml"))
    assert left == []
    return bundle, {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def of_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def profiled(resource: dict, name: str) -> bool:
    return PROFILES[name] in resource.get("meta", {}).get("profile", [])


def code_of(resource: dict) -> str | None:
    return resource.get("code", {}).get("coding", [{}])[0].get("code")


def report_of(bundle: dict, label: str) -> dict:
    return next(r for r in of_type(bundle, "DiagnosticReport") if r["code"]["text"] == label)


def results_of(report: dict, urls: dict) -> list[dict]:
    return [urls[ref["reference"]] for ref in report.get("result", [])]


def gene_of(finding: dict) -> dict:
    return next(c["valueCodeableConcept"] for c in finding["component"] if code_of(c) == "48018-6")


def component(finding: dict, name: str):
    return next((c for c in finding.get("component", []) if c["code"].get("text") == name), None)


def notes_of(resource: dict) -> list[str]:
    return [n["text"] for n in resource.get("note", [])]


# ---------------------------------------------------------------- every bundled case

def test_nothing_of_a_bundled_case_is_left_out(exported):
    _, bundle, left = exported
    assert left == []
    Bundle.model_validate_json(json.dumps(bundle))


def test_a_report_per_molecular_test_with_a_result_per_finding(exported):
    timeline, bundle, _ = exported
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    tests = [e for e in timeline.case.events if e.kind == "molecular"]
    reports = of_type(bundle, "DiagnosticReport")
    assert len(reports) == len(tests)
    for event, report in zip(tests, reports):
        assert report["code"]["text"] == (event.label or event.method)
        findings = results_of(report, urls)
        assert len(findings) == len(event.findings)
        genetic = profiled(report, "mcode-genomics-report")
        assert genetic == (code_of(report) == "51969-4") == ("GE" in json.dumps(report.get("category")))
        for finding, written in zip(findings, event.findings):
            assert finding["resourceType"] == "Observation" and finding["category"][0]["coding"][0]["code"] == \
                "laboratory"
            if genetic:
                assert code_of(finding) == "69548-6" and gene_of(finding)["text"] == written.gene
            else:  # a protein stain is no genetic variant
                assert "component" not in finding and not profiled(finding, "mcode-genomic-variant")
            assert finding.get("valueCodeableConcept", {}).get("text") == written.result
    assert len(of_type(bundle, "Specimen")) == sum(bool(e.specimen or e.specimen_of) for e in tests)


def test_a_genomic_variant_profile_only_with_a_value_the_profile_allows(exported):
    _, bundle, _ = exported
    answers = {code for _, code, _, _ in (codes.PRESENT, codes.ABSENT, codes.INDETERMINATE)}
    for r in of_type(bundle, "Observation"):
        if code_of(r) != "69548-6":
            continue
        value = r.get("valueCodeableConcept")
        if profiled(r, "mcode-genomic-variant"):  # LL1971-2 is a required binding: coded, or no value at all
            assert value is None or value["coding"][0]["code"] in answers
        else:
            assert value and "coding" not in value, "a result in other words stays words, without the profile"
        gene = gene_of(r)
        for c in gene.get("coding", []):
            assert c["system"] == codes.HGNC and (c["code"], c["display"]) == codes.GENES[gene["text"].lower()][:2]


def test_a_resource_per_symptom_status_and_diagnosis_among_the_events(exported):
    timeline, bundle, _ = exported
    events = timeline.case.events
    symptoms = [r for r in of_type(bundle, "Condition") if r["category"] == [{"text": "Symptom"}]]
    assert len(symptoms) == sum(e.kind == "symptom" for e in events)
    observations = of_type(bundle, "Observation")
    disease = [r for r in observations if r["code"] == {"text": "Cancer disease status (in words)"}
               and "focus" not in r]
    assert len(disease) == sum(e.kind == "status" and e.status in ("remission", "no_evidence_of_disease")
                               for e in events)
    vital = [r for r in observations if r["code"].get("text") in ("Vital status", "Follow-up status")]
    assert len(vital) == sum(e.kind == "status" and e.status in ("alive", "dead", "lost_to_follow_up")
                             for e in events)
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    later = [r for r in observations if r.get("focus") and urls[r["focus"][0]["reference"]]["resourceType"] ==
             "Condition" and code_of(r) != "97509-4" and r["code"] != {"text": "Cancer disease status (in words)"}]
    assert len(later) == sum(e.kind == "diagnosis" for e in events)
    for r in later:
        assert profiled(urls[r["focus"][0]["reference"]], "mcode-primary-cancer-condition")


def test_new_resources_keep_dates_no_finer_than_written(exported):
    timeline, bundle, _ = exported
    kinds = ("DiagnosticReport", "Specimen", "Condition", "Observation", "AdverseEvent")
    for r in (r for kind in kinds for r in of_type(bundle, kind)):
        for key in ("effectiveDateTime", "onsetDateTime", "abatementDateTime", "date"):
            if key in r:
                assert CALENDAR_DATE.match(r[key]) and timeline.on_calendar, (key, r[key])
        if not timeline.on_calendar:
            assert not re.search(r'"(start|end|collectedDateTime)": "\d', json.dumps(r))


# ---------------------------------------------------------------- pinned cases

def test_hmbox1_alk_tests_progression_ned_and_death():
    bundle, urls = bundle_of("ppamn-hmbox1-alk-ensartinib")
    fish = results_of(report_of(bundle, "ALK break-apart FISH positive (>20% of cells)"), urls)[0]
    assert fish["valueCodeableConcept"] == {"text": "positive red-green-yellow signal in over 20% of the tumor cells"}
    assert "meta" not in fish and fish["method"] == {"text": "FISH (ALK break-apart probe)"}
    assert gene_of(fish)["coding"][0]["code"] == "HGNC:427"

    first = results_of(report_of(bundle, "NGS: HMBOX1::ALK (H6::A20), 20% abundance"), urls)[0]
    assert profiled(first, "mcode-genomic-variant") and "valueCodeableConcept" not in first  # no result written
    assert component(first, "Alteration")["valueString"] == "HMBOX1::ALK fusion"
    assert component(first, "Variant")["valueString"] == "H6::A20"
    assert component(first, "Abundance (as reported)")["valueQuantity"] == {
        "value": 20.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
    assert not any(code_of(c) == "81258-6" for c in first["component"]), "an abundance is no allele frequency"
    assert first["method"]["coding"][0]["code"] == "LA26398-0"

    second = report_of(bundle, "NGS at progression: HMBOX1::ALK 31%, NF2 variant 84%")
    alk, nf2 = results_of(second, urls)
    assert component(alk, "Abundance (as reported)")["valueQuantity"]["value"] == 31.0
    assert gene_of(nf2) == {"coding": [{"system": codes.HGNC, "code": "HGNC:7773", "display": "NF2"}], "text": "NF2"}
    assert component(nf2, "Variant")["valueString"] == "p.G161*"
    assert nf2["valueCodeableConcept"] == {"text": "newly detected (secondary)"} and "meta" not in nf2
    specimen = urls[second["specimen"][0]["reference"]]
    assert specimen["type"] == {"text": "Mediastinal biopsy"} and profiled(specimen, "mcode-human-specimen")
    assert nf2["specimen"] == {"reference": second["specimen"][0]["reference"]}
    # 'after mediastinal-biopsy': a Period of its bounds, never a day the paper does not give
    assert nf2["effectivePeriod"]["extension"][0]["valueString"].startswith("after mediastinal-biopsy")
    assert "effectiveDateTime" not in second and second["_effectiveDateTime"]["extension"][0]["url"] == ORIGINAL_TEXT

    ned = next(r for r in of_type(bundle, "Observation")
               if r.get("valueCodeableConcept", {}).get("text", "").startswith("No evidence of disease"))
    assert ned["valueCodeableConcept"] == {"text": "No evidence of disease (No recurrence at the end of adjuvant "
                                                   "ensartinib)"}
    assert ned["code"] == {"text": "Cancer disease status (in words)"} and "meta" not in ned
    death = next(r for r in of_type(bundle, "Observation") if r["code"].get("text") == "Vital status")
    assert death["valueCodeableConcept"] == {"text": "Dead"} and death["effectiveDateTime"] == "2024-08"
    assert any(n.startswith("Cause of death: Not stated; disease 'continued its progression") for n in notes_of(death))
    assert of_type(bundle, "Patient")[0]["deceasedDateTime"] == "2024-08"


def test_oncomine_negatives_are_absent_and_the_stain_is_no_variant():
    bundle, urls = bundle_of("adeno-alk-miliary-alectinib")
    oncomine = results_of(report_of(bundle, "Oncomine Dx Target Test, no other driver"), urls)
    assert [gene_of(f)["text"] for f in oncomine] == ["EGFR", "ROS1", "KRAS", "BRAF", "other NSCLC driver genes"]
    assert [gene_of(f).get("coding", [{}])[0].get("code") for f in oncomine] == \
        ["HGNC:3236", "HGNC:10261", "HGNC:6407", "HGNC:1097", None]
    for f in oncomine:
        assert f["valueCodeableConcept"] == {"coding": [{"system": "http://loinc.org", "code": "LA9634-2",
                                                         "display": "Absent"}], "text": "not detected"}
        assert profiled(f, "mcode-genomic-variant")
        assert RELATIVE_DATE in json.dumps(f["effectivePeriod"])  # no calendar: days from day 0
    stain = report_of(bundle, "ALK IHC (D5F3) positive")
    assert "meta" not in stain and "category" not in stain
    (finding,) = results_of(stain, urls)
    assert finding["code"] == {"text": "ALK protein expression"}
    assert finding["valueCodeableConcept"] == {"text": "positive, diffuse cytoplasmic"}
    # a stain with a result is a TumorMarkerTest (as mCODE gives immunostains) whatever its date: here days from day 0
    assert profiled(finding, "mcode-tumor-marker-test") and RELATIVE_DATE in json.dumps(finding["effectivePeriod"])
    assert urls[stain["specimen"][0]["reference"]]["type"] == {"text": "TBLB, left upper lobe"}
    rash = of_type(bundle, "AdverseEvent")[0]
    notes = [x["valueAnnotation"]["text"] for x in rash["extension"] if x["url"] == ADVERSE_EVENT_NOTE]
    assert notes[0] == "Action taken: treated with an antihistaminic agent; rapidly responded"
    assert notes[1].startswith("Quote: A Grade 2 skin rash") and notes[2].startswith("Note: Onset during alectinib")


def test_an_inconclusive_fish_is_indeterminate():
    bundle, urls = bundle_of("adeno-alk-leptomeningeal-alectinib")
    (fish,) = results_of(report_of(bundle, "ALK FISH inconclusive"), urls)
    assert fish["valueCodeableConcept"]["coding"][0]["code"] == "LA11884-6"
    assert fish["valueCodeableConcept"]["text"] == "inconclusive" and profiled(fish, "mcode-genomic-variant")
    symptoms = [r["code"]["text"] for r in of_type(bundle, "Condition") if r["category"] == [{"text": "Symptom"}]]
    assert symptoms == ["Cough, present for 4 months at presentation", "Dyspnea, present for 3 weeks at presentation",
                        "Sharp pains in the arms and neck after WBRT", "Gradual improvement in arm and neck pain"]


def test_a_remission_names_no_diagnosis_and_takes_no_code_it_does_not_say():
    bundle, _ = bundle_of("lcnec-alk-lorlatinib")
    remission = next(r for r in of_type(bundle, "Observation")
                     if r["code"] == {"text": "Cancer disease status (in words)"})
    # full or partial remission (mCODE's two codes) is not what `status: remission` says: words only, and so no
    # LOINC 97509-4 and no CancerDiseaseStatus profile
    assert remission["valueCodeableConcept"] == {"text": "Remission (Breast cancer in complete remission)"}
    assert "focus" not in remission and "meta" not in remission
    # '~lcnec - 10 years' straddles a year: no value, the text as written
    assert "effectiveDateTime" not in remission
    assert remission["_effectiveDateTime"]["extension"][0]["valueString"].startswith("~lcnec - 10 years")
    presentation = next(r for r in of_type(bundle, "Condition") if r["category"] == [{"text": "Symptom"}])
    assert presentation["onsetDateTime"] == "2021-08"  # 'date: 2021-08' stays a month


def test_a_month_and_a_bounded_test_in_case2():
    bundle, urls = bundle_of("lcnec-eml4-alk-alectinib-case2")
    ngs = report_of(bundle, "NGS confirms EML4-ALK (E20:A20)")
    # between 2020-09-14 and the end of October 2020: the year holds both, in the dateTime GenomicsReport allows
    assert ngs["effectiveDateTime"] == "2020"
    (finding,) = results_of(ngs, urls)
    assert finding["effectivePeriod"]["start"] == "2020-09-14" and finding["effectivePeriod"]["end"] == "2020-10"
    assert component(finding, "Alteration")["valueString"] == "EML4-ALK rearrangement"
    mass = next(r for r in of_type(bundle, "Condition") if r["category"] == [{"text": "Symptom"}])
    assert mass["onsetPeriod"]["end"] == "2020-09-14" and "start" not in mass["onsetPeriod"]  # 'before node-biopsy'
    liver = of_type(bundle, "AdverseEvent")[0]
    notes = [x["valueAnnotation"]["text"] for x in liver["extension"]]
    assert "Action taken: alectinib dose halved; liver function promptly recovered" in notes


def test_the_template_specimen_restaging_symptom_and_ae_end():
    bundle, urls = bundle_of("_template")
    ngs = report_of(bundle, "Tissue NGS")
    biopsy_url = next(x["valueReference"]["reference"] for x in ngs["extension"] if x["url"] == SUPPORTING_INFO)
    biopsy = urls[biopsy_url]
    assert biopsy["resourceType"] == "Procedure"
    specimen = urls[ngs["specimen"][0]["reference"]]
    assert specimen["collection"]["collectedDateTime"] == biopsy["performedDateTime"]
    assert specimen["type"] == {"text": "EBUS-TBNA specimen (4R node)"}
    assert [x["valueAnnotation"]["text"] for x in ngs["extension"] if x["url"] == REPORT_NOTE][0].startswith("Quote:")
    alk, tp53 = results_of(ngs, urls)
    assert component(alk, "Abundance (as reported)")["valueQuantity"]["value"] == 12.5
    assert gene_of(tp53)["coding"][0]["code"] == "HGNC:11998"

    restaged = next(r for r in of_type(bundle, "Observation") if r["code"] == {"text": "Cancer stage group"})
    assert restaged["valueCodeableConcept"] == {"text": "cT2aN2M1b, stage IVA (AJCC 8th edition)"}
    assert component(restaged, "Histology")["valueCodeableConcept"] == {"text": "Adenocarcinoma"}
    assert "meta" not in restaged, "TNMStageGroup requires a staging method the case does not give"
    assert restaged["effectiveDateTime"] == "2022-09-18"

    cough = next(r for r in of_type(bundle, "Condition") if r["code"]["text"].startswith("Dry cough"))
    assert cough["abatementDateTime"] == "2022-11-01" and cough["clinicalStatus"]["coding"][0]["code"] == "inactive"
    assert cough["onsetPeriod"]["start"] == "2022-05-08"  # '~lung-adeno - 3 months': its bounds, not a day
    alt = next(r for r in of_type(bundle, "AdverseEvent") if r["event"]["text"].startswith("Alanine"))
    assert [x["valueAnnotation"]["text"] for x in alt["extension"]][:2] == [
        "Label: ALT increased, grade 2", "Until: start + ~3 weeks (2023-02-15 – 2023-03-01)"]


def test_lost_to_follow_up_is_the_snomed_finding_and_a_day_stain_a_tumour_marker():
    bundle, _ = export_bundle(load_text(yaml.safe_dump(make_case(
        make_event(),
        {"kind": "molecular", "date": "2021-09-02", "method": "IHC",
         "findings": [{"gene": "ALK", "result": "positive"}]},
        {"kind": "status", "date": "2023-05", "status": "lost_to_follow_up"}))))
    lost = next(r for r in of_type(bundle, "Observation") if r["code"] == {"text": "Follow-up status"})
    assert lost["valueCodeableConcept"]["coding"] == [{"system": codes.SNOMED, "code": "399307001",
                                                       "display": "Lost to follow-up (finding)"}]
    assert lost["effectiveDateTime"] == "2023-05"
    stain = next(r for r in of_type(bundle, "Observation") if r["code"] == {"text": "ALK protein expression"})
    assert profiled(stain, "mcode-tumor-marker-test") and stain["effectiveDateTime"] == "2021-09-02"


def test_a_molecular_test_on_day_zero_is_the_target_of_the_offsets():
    case = make_case(make_event(start="ngs + 1 month", ongoing=True),
                     {"id": "ngs", "kind": "molecular", "date": "origin", "method": "NGS",
                      "findings": [{"gene": "ALK", "alteration": "EML4-ALK fusion", "result": "detected"}]},
                     origin="ngs")
    case["diagnoses"][0]["date"] = "ngs + 1 week"
    bundle, _ = export_bundle(load_text(yaml.safe_dump(case)))
    report = of_type(bundle, "DiagnosticReport")[0]
    url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is report)
    targets = set(re.findall(r'"target", "valueReference": \{"reference": "([^"]+)"', json.dumps(bundle)))
    assert targets == {url}
    relative = report["_effectiveDateTime"]["extension"][0]
    assert relative["url"] == RELATIVE_DATE and relative["extension"][1]["valueString"] == "effective"


def test_an_unbounded_offset_has_no_empty_range():
    bundle, _ = bundle_of("adeno-alk-miliary-alectinib")
    assert '"valueRange": {}' not in json.dumps(bundle)


def test_gene_and_answer_codes_are_well_formed_and_sourced():
    for name, (code, symbol, source) in codes.GENES.items():
        assert re.fullmatch(r"HGNC:[1-9]\d*", code) and symbol.lower() == name and source
    for system, code, display, source in codes.ANSWERS:
        assert system == codes.LOINC and re.fullmatch(r"LA\d{4,5}-\d", code) and display and source
    assert set(codes.VARIANT_RESULTS.values()) <= set(codes.ANSWERS)


def test_the_patients_age_smoking_and_presentation_are_the_lists_notes():
    bundle, _ = bundle_of("adeno-alk-leptomeningeal-alectinib")
    notes = notes_of(of_type(bundle, "List")[0])
    assert "Age: 50 at ALK-positive lung adenocarcinoma, stage IV (50 years old at presentation with cough and " \
           "dyspnea, which led to the diagnosis.)" in notes
    assert "Presentation: symptoms - presented with a cough for 4 months and dyspnea for 3 weeks" in notes
    case = make_case(make_event())
    case["patient"] |= {"smoking": "former", "pack_years": 30}
    bundle, _ = export_bundle(load_text(yaml.safe_dump(case)))
    assert "Smoking: former, 30 pack-years" in notes_of(of_type(bundle, "List")[0])


def test_reported_figures_keep_their_therapy_and_quote_and_lesion_notes_go_to_the_list():
    bundle, _ = bundle_of("lcnec-alk-lorlatinib")
    notes = notes_of(of_type(bundle, "List")[0])
    pfs = next(n for n in notes if n.startswith("Reported pfs"))
    assert pfs.startswith("Reported pfs (PFS on first-line lorlatinib (over 25 months, ongoing)): 25+ months; "
                          "Therapy: Lorlatinib, first line; Quote: The patient, currently under active treatment")
    bundle, _ = bundle_of("adeno-alk-miliary-alectinib")
    noted = [x for x in load_case(CASES / "adeno-alk-miliary-alectinib.yaml").case.lesions if x.note]
    assert noted and all(f"Lesion {x.label}: {x.note}" in notes_of(of_type(bundle, "List")[0]) for x in noted)


def test_an_events_label_is_kept_once_where_its_resource_does_not_say_it():
    bundle, urls = bundle_of("_template")
    cea = next(r for r in of_type(bundle, "Observation") if r["code"].get("text") == "CEA")
    assert notes_of(cea)[0] == "Label: CEA elevated"
    ngs = report_of(bundle, "Tissue NGS")  # the report's name is the label: not said twice
    assert "Label: Tissue NGS" not in json.dumps(ngs)


OTHER_CASE = """
schema: 1
id: imported-other
title: An event of a type the format has no kind for
source: {citation: "cBioPortal study example_study, patient P-1"}
diagnoses:
  - {id: dx, label: Lung adenocarcinoma, date: origin}
events:
  - kind: other
    type: CLINICAL_TRIAL
    description: Enrolled in a phase 2 trial
    start: "dx + 30 days"
    end: "dx + 120 days"
    provenance: "data_timeline_trial.txt:4"
    attributes: {TRIAL_ID: NCT0000001, ARM: B}
"""


def test_an_other_event_is_an_observation_of_its_type_with_its_source_row_and_columns():
    from timelines.fhir.bundle import case_bundle, not_carried
    from timelines.reading.loading import load_text

    timeline = load_text(OTHER_CASE, "imported-other.yaml")
    assert not_carried(timeline) == []
    found = [e["resource"] for e in case_bundle(timeline)["entry"]
             if e["resource"]["resourceType"] == "Observation" and e["resource"]["code"].get("text") == "CLINICAL_TRIAL"]
    assert len(found) == 1
    observation = found[0]
    assert observation["valueString"] == "Enrolled in a phase 2 trial"
    notes = [n["text"] for n in observation["note"]]
    assert "Source row: data_timeline_trial.txt:4" in notes
    assert "Source columns: TRIAL_ID: NCT0000001; ARM: B" in notes
    assert "effectivePeriod" in observation and "effectiveDateTime" not in observation  # an interval, no calendar
