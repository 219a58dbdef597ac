"""Codes of the bundled cases' diagnoses, sites and histologies for mCODE's PrimaryCancerCondition: a small curated
table, each entry with the public source it was read in.

mCODE STU3 binds `Condition.code` to PrimaryCancerDisorderVS (SNOMED CT disorders or ICD-10-CM codes), `bodySite`
to CancerBodyLocationVS (SNOMED CT body structures, with its laterality and location qualifier extensions) and the
histology extension to HistologyMorphologyBehaviorVS (SNOMED CT morphologies or ICD-O-3). A code here is never more
specific than the words it codes: "Left hilum (lung)" is the left lung, "Poorly differentiated adenocarcinoma" is an
adenocarcinoma; the words always go with the code as its text.

A text is looked up as written (lower-cased, spaces collapsed), then by its head: the words before its first
parenthesis, semicolon, colon or comma ("Left upper lobe (cavitary nodule)" -> "left upper lobe"), unless the rest
says the text is in doubt ("suspected", "probable", "?"). Whatever is not here goes as text only, and the export
names it as not coded (`timelines.fhir.bundle.export_report`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .codes import SNOMED

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"  # mCODE's alias ICDO3

# Sources, as read (the mCODE implementation guide is github.com/HL7/fhir-mCODE-ig, tag STU3, input/fsh/):
MCODE_BASIC = "mCODE IG STU3 input/fsh/EX_Basic.fsh (primary-cancer-condition-nsclc)"
MCODE_EXTENDED = "mCODE IG STU3 input/fsh/EX_ExtendedExample.fsh (primary-cancer-condition-jenny-m)"
MCODE_TG263 = "mCODE IG STU3 input/fsh/CM_TG263.fsh (TG263 structure names to SNOMED CT, with qualifiers)"
MCODE_PRIMARY_VS = ("mCODE IG 4.0.0 npm package hl7.fhir.us.mcode, ValueSet-mcode-primary-malignant-neoplasm-disorder-"
                    "vs.json (the ICD-10-CM part of PrimaryCancerDisorderVS)")
MCODE_TRIAL_CODES = ("github.com/mcode/clinical-trial-matching-service-trialjectory data/profile-system-codes.json "
                     "(the mCODE team's SNOMED CT codes by display name)")
MCODE_TRIAL_TESTS = ("github.com/mcode/clinical-trial-matching-service-trialjectory data/profile-system-codes.json "
                     "(Cancer-Invasive-Breast) and the display in the mCODE team's clinical-trial-matching tests")
ICDO3_TERMS = "ICD-O-3 morphology codes and terms (WHO/IARC), as read in a public ICD-O-3 label table"

# Qualifiers of a body site (mCODE's LateralityQualifier and BodyLocationQualifier extensions), as TG263 maps them.
LATERALITY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
LOCATION = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-body-location-qualifier"
LEFT = (SNOMED, "7771000", "Left (qualifier value)")
RIGHT = (SNOMED, "24028007", "Right (qualifier value)")
UPPER = (SNOMED, "261183002", "Upper (qualifier value)")


@dataclass(frozen=True)
class Coded:
    """A code for a text as a case writes it; a body site may carry a laterality and a location qualifier."""

    system: str
    code: str
    display: str
    source: str
    laterality: tuple | None = None
    location: tuple | None = None

    @property
    def coding(self) -> dict:
        return {"system": self.system, "code": self.code, "display": self.display}


def _lung_adenocarcinoma() -> Coded:
    return Coded(SNOMED, "707451005", "Primary adenocarcinoma of lung (disorder)", MCODE_TRIAL_CODES)


def _lung_neuroendocrine() -> Coded:
    # LCNEC is a neuroendocrine carcinoma (WHO 2015 on), not a "large cell carcinoma of lung": the parent concept.
    return Coded(SNOMED, "722528008", "Primary malignant neuroendocrine neoplasm of lung (disorder)", MCODE_TRIAL_CODES)


# No SNOMED CT code for these two was read in a source: ICD-10-CM, which PrimaryCancerDisorderVS also allows.
def _duodenal_gist() -> Coded:
    return Coded(ICD10CM, "C49.A3", "Gastrointestinal stromal tumor of small intestine", MCODE_PRIMARY_VS)


def _thyroid_cancer() -> Coded:
    return Coded(ICD10CM, "C73", "Malignant neoplasm of thyroid gland", MCODE_PRIMARY_VS)


# Diagnoses (Condition.code), by the label a case writes.
DIAGNOSES: dict[str, Coded] = {
    "alk-positive lung adenocarcinoma": _lung_adenocarcinoma(),
    "alk-rearranged lung adenocarcinoma with miliary pulmonary metastasis": _lung_adenocarcinoma(),
    "lung adenocarcinoma": _lung_adenocarcinoma(),
    "invasive ductal carcinoma of the left breast": Coded(
        SNOMED, "408643008", "Infiltrating duct carcinoma of breast (disorder)", MCODE_TRIAL_TESTS),
    "combined large cell neuroendocrine carcinoma of the lung": _lung_neuroendocrine(),
    "metastatic large cell neuroendocrine carcinoma of the lung": _lung_neuroendocrine(),
    "large cell neuroendocrine carcinoma of the lung": _lung_neuroendocrine(),
    # A GIST coded as of the small intestine only where the case says the duodenum.
    "gastrointestinal stromal tumor (gist) of the duodenum": _duodenal_gist(),
    "gastrointestinal stromal tumor of the duodenum": _duodenal_gist(),
    "duodenal gastrointestinal stromal tumor": _duodenal_gist(),
    "medullary thyroid carcinoma": _thyroid_cancer(),
    "medullary thyroid cancer": _thyroid_cancer(),
    "medullary thyroid carcinoma metastatic to the liver": _thyroid_cancer(),
    # Not coded: "Primary pulmonary ALK-rearranged mesenchymal neoplasm" (a newly described entity: no concept read).
}


def _lobe(side: tuple, where: tuple) -> Coded:
    return Coded(SNOMED, "31094006", "Structure of lobe of lung (body structure)", MCODE_TG263, side, where)


def _lung(side: tuple) -> Coded:
    # TG263's Lung_L; its Lung_R names the lobe concept, a slip: both sides are the lung itself.
    return Coded(SNOMED, "39607008", "Lung structure (body structure)", f"{MCODE_TG263}; {MCODE_BASIC}", side)


def _thyroid(side: tuple | None = None) -> Coded:
    return Coded(SNOMED, "69748006", "Thyroid structure (body structure)", MCODE_TG263, side)


# Sites (Condition.bodySite), by the site a case writes.
SITES: dict[str, Coded] = {
    "left upper lobe": _lobe(LEFT, UPPER),
    "left upper lobe of the lung": _lobe(LEFT, UPPER),
    "right upper lobe": _lobe(RIGHT, UPPER),
    "right upper lobe of the lung": _lobe(RIGHT, UPPER),
    "left lung": _lung(LEFT),
    "right lung": _lung(RIGHT),
    "left hilum (lung)": _lung(LEFT),  # the hilum of the left lung: the lung, the words say where
    "right upper lung field": _lung(RIGHT),  # a radiographic zone, not a lobe: the right lung
    "left breast": Coded(SNOMED, "76752008", "Breast structure (body structure)", MCODE_TG263, LEFT),
    "duodenum": Coded(SNOMED, "38848004", "Duodenal structure (body structure)", MCODE_TG263),
    "thyroid": _thyroid(),
    "thyroid gland": _thyroid(),
    "left thyroid lobe": _thyroid(LEFT),
    "left lobe of the thyroid": _thyroid(LEFT),
    "left lobe of the thyroid gland": _thyroid(LEFT),
    "right thyroid lobe": _thyroid(RIGHT),
}

ADENOCARCINOMA = Coded(SNOMED, "1187332001", "Adenocarcinoma (morphologic abnormality)", MCODE_BASIC)
LCNEC = Coded(SNOMED, "128628002", "Large cell neuroendocrine carcinoma (morphologic abnormality)", MCODE_TRIAL_CODES)
COMBINED_LCNEC = Coded(SNOMED, "448546006", "Combined large cell neuroendocrine carcinoma (morphologic abnormality)",
                       MCODE_TRIAL_CODES)
MTC = Coded(ICDO3, "8345/3", "Medullary carcinoma with amyloid stroma", ICDO3_TERMS)

# Histologies (the histologyMorphologyBehavior extension), by the histology a case writes.
HISTOLOGIES: dict[str, Coded] = {
    "adenocarcinoma": ADENOCARCINOMA,
    "poorly differentiated adenocarcinoma": ADENOCARCINOMA,  # the grade stays in the words
    "invasive ductal carcinoma": Coded(
        SNOMED, "82711006", "Infiltrating duct carcinoma (morphologic abnormality)", MCODE_EXTENDED),
    "large cell neuroendocrine carcinoma": LCNEC,
    "metastatic large-cell neuroendocrine carcinoma in the biopsied node": LCNEC,
    "complex (combined) lcnec": COMBINED_LCNEC,
    "combined lcnec": COMBINED_LCNEC,
    "combined large cell neuroendocrine carcinoma": COMBINED_LCNEC,
    # ICD-O-3, which HistologyMorphologyBehaviorVS allows; malignant behaviour (/3), as the bundled GIST's "high-grade
    # malignancy" says (a GIST "of uncertain malignant potential" is in doubt by its words: not coded).
    "gist": Coded(ICDO3, "8936/3", "Gastrointestinal stromal sarcoma", ICDO3_TERMS),
    "gastrointestinal stromal tumor": Coded(ICDO3, "8936/3", "Gastrointestinal stromal sarcoma", ICDO3_TERMS),
    "medullary thyroid carcinoma": MTC,  # not "medullary carcinoma" alone: of the breast, that is 8510/3
    "medullary carcinoma of the thyroid": MTC,
}

TABLES = {"diagnosis": DIAGNOSES, "site": SITES, "histology": HISTOLOGIES}
_HEAD = re.compile(r"[(;:,]")
_DOUBT = re.compile(r"\b(suspect\w*|possibl\w*|probabl\w*|presum\w*|rule out|not confirmed|uncertain)\b|\?")


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("\u2013", "-").split()).strip(" .")


def lookup(text: str | None, table: dict[str, Coded]) -> Coded | None:
    """The table's code for a text as written, or for its head; None when neither is in the table or the text
    says it is in doubt."""
    if not text:
        return None
    normal = _normal(text)
    if _DOUBT.search(normal):
        return None
    if normal in table:
        return table[normal]
    cuts = sorted({m.start() for m in _HEAD.finditer(normal)}, reverse=True)
    for cut in cuts:  # the longest head first: "left hilum (lung)" before "left hilum"
        head = normal[:cut].strip(" .")
        if head in table:
            return table[head]
    return None


def concept(text: str, table: dict[str, Coded]) -> dict:
    """A CodeableConcept: the words as written, with the table's code when it knows them."""
    found = lookup(text, table)
    return {"coding": [found.coding], "text": text} if found else {"text": text}


def body_site(text: str) -> dict:
    """Condition.bodySite: the site as written, with its code and mCODE's laterality and location qualifiers."""
    found = lookup(text, SITES)
    if found is None:
        return {"text": text}
    extensions = [{"url": url, "valueCodeableConcept": {"coding": [dict(zip(("system", "code", "display"), q))]}}
                  for url, q in ((LOCATION, found.location), (LATERALITY, found.laterality)) if q]
    return ({"extension": extensions} if extensions else {}) | {"coding": [found.coding], "text": text}
