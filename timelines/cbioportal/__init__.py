"""cBioPortal studies in and out: one reader of a study folder's layout (`files`), one row <-> event mapping
(`rows`), reading a study into cases (`study`) and writing cases as a study (`write`)."""

from .files import study_layout
from .study import read_study, read_study_rows

__all__ = ["read_study", "read_study_rows", "study_layout"]
