"""The editor's text work: insert an event where the list ends, number taken ids, say a problem, start a case."""

import yaml

from components.pages.snippets import SKELETON
from timelines import editing
from timelines.errors import Problem


def test_an_inserted_event_goes_at_the_end_of_the_events_list_before_the_next_section():
    text = "schema: 1\nevents:\n  - kind: x\n    date: 2020\n\n# outcomes\nreported: []\n"
    assert editing.with_event(text, "- kind: y\n  date: 2021\n") == \
        "schema: 1\nevents:\n  - kind: x\n    date: 2020\n  - kind: y\n    date: 2021\n\n# outcomes\nreported: []\n"


def test_an_inserted_event_follows_the_lists_indentation_and_fills_an_empty_list():
    assert editing.with_event("events:\n- kind: x\n", "- kind: y\n") == "events:\n- kind: x\n- kind: y\n"
    assert editing.with_event("id: a\nevents: []\nnotes: []\n", "- kind: y\n") == \
        "id: a\nevents:\n  - kind: y\nnotes: []\n"
    assert editing.with_event("id: a\n", "- kind: y\n") == "id: a\nevents:\n  - kind: y\n"
    # comments only (the origin form's explanation) keep an empty list a list
    assert editing.with_event("id: a\nevents: []\n", "# how to\n") == "id: a\nevents: []\n  # how to\n"


def test_snippet_ids_that_are_taken_are_numbered():
    assert editing.with_unique_ids("- id: chemo\n  end: \"chemo + 1 week\"\n", "  - id: chemo\n") == \
        "- id: chemo-2\n  end: \"chemo-2 + 1 week\"\n"


def test_problems_are_written_line_col_field_message_hint():
    problem = Problem("Unknown event kind 'x'", "did you mean 'lab'?", field="events[2].kind", line=7, column=11,
                      path="whatever.yaml")
    assert editing.problem_text(problem) == "7:11: events[2].kind: Unknown event kind 'x'. Hint: Did you mean 'lab'?"
    assert editing.problem_text(Problem("The file is empty", "start from the template")) == \
        "The file is empty. Hint: Start from the template."


def test_a_new_case_text_has_the_id_and_a_quoted_title():
    text = editing.new_case_text(SKELETON, "abc", 'Title: with "quotes" and # hash')
    data = yaml.safe_load(text)
    assert (data["id"], data["title"]) == ("abc", 'Title: with "quotes" and # hash')
    assert text.splitlines()[0] == "# yaml-language-server: $schema=case.schema.json"
    assert yaml.safe_load(editing.new_case_text(SKELETON, "abc", "  "))["title"] == "FILL-IN"
