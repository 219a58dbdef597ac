"""FHIR R4 / mCODE bundles of a case (`bundle`), with their dates (`dates`) and codes (`codes`, `condition_codes`).

`bundle` imports fhir.resources, which takes half a second: it is imported only where a bundle is made."""
