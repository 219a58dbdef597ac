"""Oncology treatment timelines: case files, dates, tables and clinical computations (no UI)."""

from .errors import CaseFileError, Problem
from .reading.loading import load_case, load_text
from .timeline import Timeline

__all__ = ["CaseFileError", "Problem", "Timeline", "load_case", "load_text"]
