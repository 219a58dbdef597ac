"""A chart spec checked against Vega-Lite's schema, once: by a compiled validator (jsonschema-rs), and by Altair's own
(a hundred to a thousand times slower) only on a spec that fails, to say what is wrong as Altair would."""

from __future__ import annotations

import functools
import urllib.parse

import altair as alt
import jsonschema
from altair.utils import schemapi


def validate_spec(chart, spec: dict) -> None:
    """Validate a spec made by `chart` (its rows left out: Altair validates a spec before it adds them).

    Raises
    ------
    altair.utils.schemapi.SchemaValidationError
        As Altair's ``to_dict`` raises it, naming what is wrong.
    """
    shape = {key: value for key, value in spec.items() if key != "datasets"}
    fast = schema_validator()
    if fast is not None and fast.is_valid(shape):
        return
    try:
        chart.validate(shape)
    except jsonschema.ValidationError as error:
        raise schemapi.SchemaValidationError(chart, error) from None


@functools.cache
def schema_validator():
    """Vega-Lite's schema compiled by jsonschema-rs, or None without it. Its references name definitions such as
    'MarkPropDef<(Gradient|string|null)>', which are not valid URI references until percent-encoded."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - an install without it checks with Altair's validator
        return None
    return jsonschema_rs.Draft7Validator(encoded_refs(alt.Chart._rootschema), validate_formats=False)


def encoded_refs(node):
    """A schema whose ``$ref`` names are percent-encoded (``encoded_ref``)."""
    if isinstance(node, dict):
        return {key: encoded_ref(value) if key == "$ref" else encoded_refs(value) for key, value in node.items()}
    if isinstance(node, list):
        return [encoded_refs(value) for value in node]
    return node


def encoded_ref(ref: str) -> str:
    """'#/definitions/MarkPropDef<(Gradient|string|null)>' -> '#/definitions/MarkPropDef%3C%28Gradient...'."""
    head, _, name = ref.rpartition("/")
    return f"{head}/{urllib.parse.quote(name, safe='')}"
