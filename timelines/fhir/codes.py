"""The codes the FHIR export gives (SNOMED CT, LOINC, RxNorm, HGNC): only those read in a published source, with it.

A concept this table does not know goes as text only (CodeableConcept.text): a wrong code is worse than none. Keys
are names as case files write them, lower-cased; a name is coded only when it is exactly a key.
"""

from __future__ import annotations

import re

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# HGNC gene ids: the system of HGNCVS, the gene binding of the Genomics Reporting IG 2.0.0 that mCODE STU3 builds on.
HGNC = "http://www.genenames.org/geneId"

# Sources, as read (the mCODE implementation guide is github.com/HL7/fhir-mCODE-ig, tag STU3, input/fsh/):
MCODE_GENOMEX = "mCODE IG STU3 input/fsh/EX_GenomeX.fsh (medication-assessed examples)"
MCODE_EXTENDED = "mCODE IG STU3 input/fsh/EX_ExtendedExample.fsh (medication administrations)"
MCODE_STATUS = "mCODE IG STU3 input/fsh/SD_DiseaseStatus.fsh and VS_Other.fsh (ConditionStatusTrendVS)"
MCODE_TUMOR_SIZE = "mCODE IG STU3 input/fsh/SD_TumorSize.fsh (TumorSize profile)"
MCODE_RADIOTHERAPY = "mCODE IG STU3 input/fsh/SD_Radiotherapy.fsh (RadiotherapyCourseSummary.code)"
MCODE_GENOMICS = "mCODE IG STU3 input/fsh/EX_Genomics.fsh and EX_GenomeX.fsh (genomics reports and variants)"
MCODE_TERMINATION = "mCODE IG STU3 input/fsh/VS_Other.fsh (TreatmentTerminationReasonVS)"
MCODE_EVIDENCE = "mCODE IG STU3 input/fsh/VS_Other.fsh (CancerDiseaseStatusEvidenceTypeVS)"
CPIC_DRUGS = "github.com/cpicpgx/cpic-data db/drug.sql (CPIC drug table: RxNorm ingredient ids)"
LOINC_CEA = ("LOINC 2039-6 'Carcinoembryonic Ag [Mass/volume] in Serum or Plasma' (several FHIR ConceptMaps and lab "
             "tables)")
GENOMICS_REPORTING = ("HL7 Genomics Reporting IG (github.com/HL7/genomics-reporting) input/fsh/examples: "
                      "gene-studied HGNC ids")
MII_PANEL = ("MII Kerndatensatz-Modul Molekulares Tumorboard, ValueSet mii-vs-mtb-panel-dhs-3501z (HGNC ids, "
             "system genenames.org/geneId)")
LOINC_INDETERMINATE = ("LOINC answer LA11884-6 'Indeterminate' of LL1971-2, the Variant value set (Genomics Reporting "
                       "IG 2.0.0 input/fsh/CGFindings.fsh binds it; the answer read in variant-mapping tables)")
BEVACIZUMAB = "a public oncology knowledge graph (drug:rxnorm:253337 bevacizumab)"
NMDP_RXNORM = ("NMDP/CIBMTR reporting IG (github.com/nmdp-ig/cibmtr-reporting-ig) build/input/fsh/terminology/"
               "medications/med-form2400-post-hct-disease-therapy-valueset.fsh (RxNorm ingredient codes)")
MCODE_TUMOR_MARKERS = ("mCODE IG 4.0.0 npm package hl7.fhir.us.mcode, ValueSet-mcode-tumor-marker-test-vs.json "
                       "(TumorMarkerTestVS, LOINC codes and displays)")
CYFRA_SOURCES = ("ARUP Laboratories test 0081344 'Cytokeratin 19 Fragment (CYFRA 21-1), Serum': component LOINC "
                 "25390-6; the same code for cytokeratin 19 mass concentration in the Onconova FHIR mapping "
                 "(TumorMarkerProfile); mCODE STU3's TumorMarkerTestVS includes LOINC part LP19423-0 Cytokeratin 19")


# Drugs, by the ingredient name a case writes: (RxNorm code, display, source).
DRUGS: dict[str, tuple[str, str, str]] = {
    "alectinib": ("1727455", "alectinib", MCODE_GENOMEX),
    "crizotinib": ("1148495", "crizotinib", MCODE_GENOMEX),
    "lorlatinib": ("2103164", "lorlatinib", MCODE_GENOMEX),
    "paclitaxel": ("56946", "PACLitaxel", MCODE_EXTENDED),
    "carboplatin": ("40048", "carboplatin", CPIC_DRUGS),
    "cisplatin": ("2555", "cisplatin", CPIC_DRUGS),
    "etoposide": ("4179", "etoposide", CPIC_DRUGS),
    "bevacizumab": ("253337", "bevacizumab", BEVACIZUMAB),
    "fluorouracil": ("4492", "fluorouracil", CPIC_DRUGS),
    "5-fluorouracil": ("4492", "fluorouracil", CPIC_DRUGS),
    "leucovorin": ("6313", "leucovorin", CPIC_DRUGS),
    "oxaliplatin": ("32592", "oxaliplatin", CPIC_DRUGS),
    "tamoxifen": ("10324", "tamoxifen", CPIC_DRUGS),
    "sunitinib": ("357977", "sunitinib", f"{CPIC_DRUGS}; {NMDP_RXNORM}"),
    "sorafenib": ("495881", "sorafenib", NMDP_RXNORM),
    "imatinib": ("282388", "imatinib", NMDP_RXNORM),
}

# Drugs a case names that have no RxNorm code here, and why (said in the export's report and the README).
NOT_IN_RXNORM_TABLE: dict[str, str] = {
    "ensartinib": "no RxNorm code for it was found in any source read (approved by the FDA in December 2024, after "
                  "the drug tables read here); RxNorm itself cannot be queried from where the table is kept",
    "pemetrexed": "no RxNorm code for it was found in any source read",
    "zoledronic acid": "no RxNorm code for it was found in any source read",
    "denosumab": "no RxNorm code for it was found in any source read",
    "atezolizumab": "no RxNorm code for it was found in any source read",
}

# Serum tumour markers, by name as written: (LOINC code, display, source). Each the serum or plasma test without a
# method (the papers name none); a mass concentration where LOINC has several properties (CEA, PSA, NSE, CYFRA).
_CEA = ("2039-6", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma", f"{LOINC_CEA}; {MCODE_TUMOR_MARKERS}")
_NSE = ("15060-7", "Enolase.neuron specific [Mass/volume] in Serum or Plasma", MCODE_TUMOR_MARKERS)
_CYFRA = ("25390-6", "Cytokeratin 19 [Mass/volume] in Serum or Plasma", CYFRA_SOURCES)
_PSA = ("2857-1", "Prostate specific Ag [Mass/volume] in Serum or Plasma", MCODE_TUMOR_MARKERS)
_CA125 = ("10334-1", "Cancer Ag 125 [Units/volume] in Serum or Plasma", MCODE_TUMOR_MARKERS)
_CA153 = ("6875-9", "Cancer Ag 15-3 [Units/volume] in Serum or Plasma", MCODE_TUMOR_MARKERS)
_CA199 = ("24108-3", "Cancer Ag 19-9 [Units/volume] in Serum or Plasma", MCODE_TUMOR_MARKERS)
_CALCITONIN = ("1992-7", "Calcitonin [Mass/volume] in Serum or Plasma", MCODE_TUMOR_MARKERS)
_CHROMOGRANIN = ("9811-1", "Chromogranin A [Mass/volume] in Serum or Plasma", MCODE_TUMOR_MARKERS)
MARKERS: dict[str, tuple[str, str, str]] = {
    "cea": _CEA, "carcinoembryonic antigen": _CEA,
    "nse": _NSE, "neuron-specific enolase": _NSE, "neuron specific enolase": _NSE,
    "cyfra": _CYFRA, "cyfra 21-1": _CYFRA, "cyfra21-1": _CYFRA,
    "psa": _PSA, "prostate-specific antigen": _PSA, "prostate specific antigen": _PSA,
    "ca-125": _CA125, "ca 125": _CA125, "ca125": _CA125,
    "ca 15-3": _CA153, "ca15-3": _CA153, "ca-15-3": _CA153,
    "ca 19-9": _CA199, "ca19-9": _CA199, "ca-19-9": _CA199,
    "calcitonin": _CALCITONIN, "serum calcitonin": _CALCITONIN,
    "chromogranin a": _CHROMOGRANIN, "cga": _CHROMOGRANIN,
    # Not coded: ProGRP (the one code seen, 96461-9, is an immunoassay-specific test read in a single source, and
    # mCODE's TumorMarkerTestVS has no ProGRP test), and a panel written "Tumor markers".
}

# Genes, by the symbol a case writes: (HGNC id, symbol, source). Each id read in both sources where two are named.
GENES: dict[str, tuple[str, str, str]] = {
    "alk": ("HGNC:427", "ALK", f"{GENOMICS_REPORTING}; {MII_PANEL}"),
    "egfr": ("HGNC:3236", "EGFR", f"{GENOMICS_REPORTING}; {MII_PANEL}"),
    "braf": ("HGNC:1097", "BRAF", f"{GENOMICS_REPORTING}; {MII_PANEL}"),
    "ros1": ("HGNC:10261", "ROS1", f"{GENOMICS_REPORTING}; {MII_PANEL}"),
    "kras": ("HGNC:6407", "KRAS", MII_PANEL),
    "tp53": ("HGNC:11998", "TP53", f"{MII_PANEL}; mCODE IG STU3 input/fsh/EX_ExtendedExample.fsh (HGNC#11998)"),
    "nf2": ("HGNC:7773", "NF2", MII_PANEL),
    # Not coded: fusion partners (EML4, HMBOX1), which the cases write only inside the alteration's text.
}

# Fixed codes of the mCODE profiles and value sets: (system, code, display, source).
TUMOR_SIZE = (LOINC, "21889-1", "Size Tumor", MCODE_TUMOR_SIZE)
TUMOR_LONGEST_DIMENSION = (LOINC, "33728-7", "Size.maximum dimension in Tumor", MCODE_TUMOR_SIZE)
TUMOR_OTHER_DIMENSION = (LOINC, "33729-5", "Size additional dimension in Tumor", MCODE_TUMOR_SIZE)
DISEASE_STATUS = (LOINC, "97509-4", "Cancer Disease Progression", MCODE_STATUS)
RADIOTHERAPY_COURSE = (SNOMED, "1217123003", "Radiotherapy course of treatment (regime/therapy)", MCODE_RADIOTHERAPY)
IMAGING_EVIDENCE = (SNOMED, "363679005", "Imaging (procedure)", MCODE_EVIDENCE)
GENETIC_REPORT = (LOINC, "51969-4", "Genetic analysis report", MCODE_GENOMICS)
VARIANT_ASSESSMENT = (LOINC, "69548-6", "Genetic variant assessment", MCODE_GENOMICS)
GENE_STUDIED = (LOINC, "48018-6", "Gene studied [ID]", MCODE_GENOMICS)
LOST_TO_FOLLOW_UP = (SNOMED, "399307001", "Lost to follow-up (finding)", MCODE_TERMINATION)

# Cancer disease status (ConditionStatusTrendVS) of a response category or a progression.
IMPROVED = (SNOMED, "268910001", "Patient's condition improved (finding)", MCODE_STATUS)
STABLE = (SNOMED, "359746009", "Patient's condition stable (finding)", MCODE_STATUS)
WORSENED = (SNOMED, "271299001", "Patient's condition worsened (finding)", MCODE_STATUS)
UNDETERMINED = (SNOMED, "709137006", "Patient condition undetermined (finding)", MCODE_STATUS)
TREND_OF_CATEGORY = {"CR": IMPROVED, "PR": IMPROVED, "SD": STABLE, "PD": WORSENED, "NE": UNDETERMINED}
# ConditionStatusTrendMaxVS, the largest set a CancerDiseaseStatus value may be coded from (its binding's maxValueSet).
STATUS_TREND_CODES = ("268910001", "359746009", "271299001", "709137006", "103338009", "103337004", "399409002",
                      "550991000124107", "551001000124108")

# Condition.clinicalStatus and verificationStatus (FHIR R4's code systems, required by US Core Condition).
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

FIXED = (TUMOR_SIZE, TUMOR_LONGEST_DIMENSION, TUMOR_OTHER_DIMENSION, DISEASE_STATUS, RADIOTHERAPY_COURSE,
         IMAGING_EVIDENCE, IMPROVED, STABLE, WORSENED, UNDETERMINED, GENETIC_REPORT, VARIANT_ASSESSMENT, GENE_STUDIED,
         LOST_TO_FOLLOW_UP)

# LOINC answers (LL1971-2, required for a Variant's value) and the genetic testing method (LL4048-6).
SEQUENCING = (LOINC, "LA26398-0", "Sequencing", MCODE_GENOMICS)
PRESENT = (LOINC, "LA9633-4", "Present", MCODE_GENOMICS)
ABSENT = (LOINC, "LA9634-2", "Absent", MCODE_GENOMICS)
INDETERMINATE = (LOINC, "LA11884-6", "Indeterminate", LOINC_INDETERMINATE)
ANSWERS = (SEQUENCING, PRESENT, ABSENT, INDETERMINATE)
# A finding's result as a case writes it, exactly (lower-cased), when it says only whether the variant is there.
VARIANT_RESULTS = {"detected": PRESENT, "positive": PRESENT, "present": PRESENT, "not detected": ABSENT,
                   "negative": ABSENT, "absent": ABSENT, "inconclusive": INDETERMINATE, "indeterminate": INDETERMINATE}


# The property of a marker's LOINC test ("[Mass/volume]", "[Units/volume]") and the units a value in it is written in:
# a value in other units is another test (CEA in U/mL), so it keeps its name only.
_UNITS_OF = {"Mass/volume": re.compile(r"^(p|n|µ|u|m)?g/(d|m)?l$"), "Units/volume": re.compile(r"^(k|m)?(i)?u/(m)?l$")}


def marker_concept(name: str, unit: str | None) -> dict:
    """A tumour marker's CodeableConcept: its LOINC test when the table knows the name and the unit (if written)
    fits the test's property; the name as written otherwise."""
    found = MARKERS.get(" ".join(name.lower().split()))
    prop = re.search(r"\[([^\]]+)\]", found[1]).group(1) if found else None
    if found is None or (unit and prop in _UNITS_OF and not _UNITS_OF[prop].match(unit.strip().lower())):
        return {"text": name}
    return {"coding": [{"system": LOINC, "code": found[0], "display": found[1]}], "text": name}


def coding(code: tuple) -> dict:
    """A FHIR Coding of one of the fixed codes above."""
    system, value, display = code[:3]
    return {"system": system, "code": value, "display": display}


def concept(text: str, table: dict[str, tuple[str, str, str]], system: str) -> dict:
    """A CodeableConcept: the text as written, with the table's code when it knows the name exactly."""
    found = table.get(" ".join(text.lower().split()))
    if found is None:
        return {"text": text}
    return {"coding": [{"system": system, "code": found[0], "display": found[1]}], "text": text}
