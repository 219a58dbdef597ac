"""The codes the FHIR export gives (SNOMED CT, LOINC, RxNorm): only those read in a published source, each with it.

A concept this table does not know goes as text only (CodeableConcept.text): a wrong code is worse than none. Keys
are names as case files write them, lower-cased; a name is coded only when it is exactly a key.
"""

from __future__ import annotations

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

# Sources, as read (the mCODE implementation guide is github.com/HL7/fhir-mCODE-ig, tag STU3, input/fsh/):
MCODE_GENOMEX = "mCODE IG STU3 input/fsh/EX_GenomeX.fsh (medication-assessed examples)"
MCODE_EXTENDED = "mCODE IG STU3 input/fsh/EX_ExtendedExample.fsh (medication administrations)"
MCODE_STATUS = "mCODE IG STU3 input/fsh/SD_DiseaseStatus.fsh and VS_Other.fsh (ConditionStatusTrendVS)"
MCODE_TUMOR_SIZE = "mCODE IG STU3 input/fsh/SD_TumorSize.fsh (TumorSize profile)"
MCODE_RADIOTHERAPY = "mCODE IG STU3 input/fsh/SD_Radiotherapy.fsh (RadiotherapyCourseSummary.code)"
MCODE_EVIDENCE = "mCODE IG STU3 input/fsh/VS_Other.fsh (CancerDiseaseStatusEvidenceTypeVS)"
CPIC_DRUGS = "github.com/cpicpgx/cpic-schema drug.sql (RxNorm ingredient list)"
LOINC_CEA = ("LOINC 2039-6 'Carcinoembryonic Ag [Mass/volume] in Serum or Plasma' (several FHIR ConceptMaps and lab "
             "tables)")
BEVACIZUMAB = "a public oncology knowledge graph (drug:rxnorm:253337 bevacizumab)"


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
    # Not coded, for want of a source read: ensartinib, pemetrexed, zoledronic acid. NSE, CYFRA 21-1 and ProGRP
    # below: the sources seen disagree on their LOINC codes.
}

# Serum tumour markers, by name as written: (LOINC code, display, source).
MARKERS: dict[str, tuple[str, str, str]] = {
    "cea": ("2039-6", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma", LOINC_CEA),
    "carcinoembryonic antigen": ("2039-6", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma", LOINC_CEA),
}

# Fixed codes of the mCODE profiles and value sets: (system, code, display, source).
TUMOR_SIZE = (LOINC, "21889-1", "Size Tumor", MCODE_TUMOR_SIZE)
TUMOR_LONGEST_DIMENSION = (LOINC, "33728-7", "Size.maximum dimension in Tumor", MCODE_TUMOR_SIZE)
TUMOR_OTHER_DIMENSION = (LOINC, "33729-5", "Size additional dimension in Tumor", MCODE_TUMOR_SIZE)
DISEASE_STATUS = (LOINC, "97509-4", "Cancer Disease Progression", MCODE_STATUS)
RADIOTHERAPY_COURSE = (SNOMED, "1217123003", "Radiotherapy course of treatment (regime/therapy)", MCODE_RADIOTHERAPY)
IMAGING_EVIDENCE = (SNOMED, "363679005", "Imaging (procedure)", MCODE_EVIDENCE)

# Cancer disease status (ConditionStatusTrendVS) of a response category or a progression.
IMPROVED = (SNOMED, "268910001", "Patient's condition improved (finding)", MCODE_STATUS)
STABLE = (SNOMED, "359746009", "Patient's condition stable (finding)", MCODE_STATUS)
WORSENED = (SNOMED, "271299001", "Patient's condition worsened (finding)", MCODE_STATUS)
UNDETERMINED = (SNOMED, "709137006", "Patient condition undetermined (finding)", MCODE_STATUS)
TREND_OF_CATEGORY = {"CR": IMPROVED, "PR": IMPROVED, "SD": STABLE, "PD": WORSENED, "NE": UNDETERMINED}

FIXED = (TUMOR_SIZE, TUMOR_LONGEST_DIMENSION, TUMOR_OTHER_DIMENSION, DISEASE_STATUS, RADIOTHERAPY_COURSE,
         IMAGING_EVIDENCE, IMPROVED, STABLE, WORSENED, UNDETERMINED)


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
