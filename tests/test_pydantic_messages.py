"""pydantic's errors in words: one entry per error type, and pydantic's own message for any other."""

import pytest

from timelines.errors import ValueProblem
from timelines.reading.pydantic_messages import _MESSAGES, _what


@pytest.mark.parametrize("error, loc, expected", [
    ({"type": "too_short", "msg": "List should have at least 1 item after validation, not 0", "input": []},
     ("events",), ("The list is empty", "add at least one entry")),
    ({"type": "float_type", "msg": "Input should be a valid number", "input": 10 ** 400},
     ("age",), (f"The number {str(10 ** 400)[:57]}... (401 characters) is too large", "check the value")),
    ({"type": "float_type", "msg": "Input should be a valid number", "input": True},
     ("age",), ("Expected a number, got true/false. Value: true", "write the number alone, without its unit")),
    ({"type": "value_error", "msg": "Value error, x", "input": "x", "ctx": {"error": ValueProblem("Bad.", "fix it")}},
     ("date",), ("Bad.", "fix it")),
    # A plain ValueError's text is the message, whatever it says: a hint is a field of its own, never parsed out.
    ({"type": "value_error", "msg": "Value error, x", "input": "x", "ctx": {"error": ValueError("Bad. Hint: fix it")}},
     ("date",), ("Bad. Hint: fix it", "")),
    ({"type": "greater_than_equal", "msg": "Input should be >= 0", "input": -1.5, "ctx": {"ge": 0.0}},
     ("age",), ("-1.5 is below the smallest allowed value, 0", "write a value of at least 0")),
])
def test_an_error_type_with_an_entry_says_what_is_wrong_and_how_to_fix_it(error, loc, expected):
    assert _what(error, loc, {}) == expected


@pytest.mark.parametrize("error, loc", [
    ({"type": "uuid_parsing", "msg": "Input should be a valid UUID", "input": "x"}, ("id",)),  # no entry
    ({"type": "missing", "msg": "Input should be a valid UUID", "input": "x"}, ()),  # an entry that needs a field
    ({"type": "too_short", "msg": "Input should be a valid UUID", "input": "x"}, ("id",)),  # not a list
])
def test_any_other_error_says_what_pydantic_says_with_its_value(error, loc):
    assert "uuid_parsing" not in _MESSAGES
    assert _what(error, loc, {}) == ("Input should be a valid UUID. Value: 'x'", "check this value against cases/README.md")
