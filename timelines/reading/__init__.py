"""Reading a case file: from bytes on disk to a validated, resolved `Timeline`.

The stages, in order: `files` (the one place that opens a case file, inside its folder), `text_checks` (limits and
characters of the raw and decoded text), `yaml_source` / `yaml_events` / `yaml_messages` (YAML parsed with its
line numbers), `validation` and `pydantic_messages` (the schema's checks, said in the author's words),
`placeholders` (what a new case leaves to fill in), `loading` (all of it in one call) and `catalog` (the case
files of a folder, broken ones included).
"""

from .catalog import Entry, case_paths, load_entry
from .loading import load_case, load_document, load_text

__all__ = ["Entry", "case_paths", "load_case", "load_document", "load_entry", "load_text"]
