"""A chart's rows made column by column (components.charts.rows) are Altair's own rows, value for value and type for
type, and a panel layered without Altair's copies (components.charts.axis.layered) is the same spec."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils.data import to_values

from components.charts.axis import _LayerChart, _says_something, layered
from components.charts.rows import distinct, inline, records
from components.charts.timeline import _rows_of
from components.charts.validation import encoded_ref, encoded_refs


def every_kind_of_column() -> pd.DataFrame:
    day0 = pd.Timestamp("2020-01-01", tz="UTC")
    return pd.DataFrame({
        "utc": day0 + pd.to_timedelta(pd.Series([1.5, 2, np.nan, 1 / 3, -40_000]), unit="D"),
        "naive": (day0 + pd.to_timedelta(pd.Series([0, 1, np.nan, 0.25, 3]), unit="D")).dt.tz_localize(None),
        "dates": pd.to_datetime(["2020-01-01", None, "2021-03-04", None, "1900-02-03"], utc=True),
        "float": [1.0, np.nan, np.inf, 2.5, -0.0],
        "int": [1, 2, 3, 4, 5],
        "flag": [True, False, True, True, False],
        "text": pd.Series(["a", None, "c", "", "e"], dtype="str"),
        "object": pd.Series(["a", None, 1.5, np.nan, [1]], dtype=object),
        "numpy": pd.Series([np.int64(3), np.float64(2.0), np.bool_(True), None, "z"], dtype=object),
        "Int64": pd.array([1, None, 3, 4, 5], dtype="Int64"),
        "boolean": pd.array([True, None, False, True, True], dtype="boolean"),
        "category": pd.Categorical(["x", "y", None, "x", "y"]),
    })


def typed(rows: list[dict]) -> list[list[tuple[str, str, str]]]:
    return [[(key, type(value).__name__, repr(value)) for key, value in row.items()] for row in rows]


def test_rows_are_altairs_rows_value_for_value_and_type_for_type():
    frame = every_kind_of_column()
    assert typed(records(frame)) == typed(to_values(frame)["values"])
    assert records(frame)[0]["utc"] == "2020-01-02T12:00:00+00:00"
    assert records(frame)[3]["utc"] == "2020-01-01T07:59:59.999999997+00:00"  # a fraction of a second, as pandas
    assert records(frame)[1]["dates"] == "" and records(frame)[2]["utc"] == ""
    assert records(frame)[1]["float"] is None and records(frame)[2]["float"] is None
    assert records(frame)[0]["numpy"] == 3 and type(records(frame)[0]["numpy"]) is int


def test_rows_of_an_empty_frame_and_of_a_frame_without_columns():
    assert records(every_kind_of_column().iloc[0:0]) == []
    assert records(pd.DataFrame(index=range(2))) == [{}, {}]


def test_a_timedelta_column_is_refused_as_altair_refuses_it():
    with pytest.raises(ValueError, match="not supported by Altair"):
        records(pd.DataFrame({"gap": pd.to_timedelta([1, 2], unit="D")}))


@pytest.mark.parametrize(("values", "says"), [
    (["", " ", None], False), ([np.nan, None, pd.NA], False), (["", "x"], True), ([" ", "  x "], True),
    ([[1], []], True), ([None, "line 2"], True)])
def test_a_tooltip_field_says_something_when_a_value_written_out_is_more_than_blanks(values, says):
    column = pd.Series(values, dtype=object)
    assert _says_something(column) is says
    assert _says_something(column.astype("str") if not isinstance(values[0], list) else column) is says
    assert says == column.fillna("").astype(str).str.strip().ne("").any()  # the test it stands for


def test_layered_is_alt_layer_with_or_without_a_parameter():
    one = alt.Chart(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})).mark_point().encode(x="a:Q", y="b:N")
    two = alt.Chart(pd.DataFrame({"a": [3], "c": ["z"]})).mark_text().encode(x="a:Q", text="c:N")
    options = {"width": 300, "height": 200, "title": "t"}
    plain = layered(one, two, **options)
    assert type(plain) is _LayerChart and isinstance(plain, alt.LayerChart)
    assert json.dumps(plain.to_dict(), sort_keys=True) == json.dumps(alt.layer(one, two, **options).to_dict(),
                                                                     sort_keys=True)
    zoom = alt.selection_interval(bind="scales", encodings=["x"], name="zoom")
    with_param = layered(one.add_params(zoom), two, **options).to_dict()
    assert with_param["params"][0]["name"] == "zoom"
    assert json.dumps(with_param, sort_keys=True) == json.dumps(
        alt.layer(one.add_params(zoom), two, **options).to_dict(), sort_keys=True)


def test_inline_rows_are_the_frames_rows_named_and_hoisted_as_altair_does_a_frame():
    frame = pd.DataFrame({"a": [1.5, np.nan], "b": ["x", None]})
    data = inline(frame)
    assert data.values == [{"a": 1.5, "b": "x"}, {"a": None, "b": None}]
    assert data.copy(deep=True) is data  # a layer chart's copies share the rows
    inlined = alt.Chart(data).mark_point().encode(x="a:Q", y="b:N")
    framed = alt.Chart(frame).mark_point().encode(x="a:Q", y="b:N")
    spec = layered(inlined, inlined.mark_text()).to_dict()
    assert spec["datasets"] == {"data-18def8034cd8dd5f65551987f489cc79": [{"a": 1.5, "b": "x"}, {"a": None, "b": None}]}
    assert json.dumps(spec) == json.dumps(layered(framed, framed.mark_text()).to_dict())


def test_a_layer_chart_is_validated_once_by_the_compiled_schema_and_a_bad_one_says_what_is_wrong():
    one = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
    assert layered(one, one.mark_text()).to_dict()["layer"][0]["mark"] == {"type": "point"}
    with alt.utils.schemapi.debug_mode(False):  # built unchecked, as the charts are
        bad = layered(one.mark_point(size="big"), one.mark_text())
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="'big' is an invalid value for `size`"):
        bad.to_dict()
    assert bad.to_dict(validate=False)["layer"][0]["mark"] == {"type": "point", "size": "big"}


def test_a_schema_reference_is_percent_encoded_for_the_compiled_validator():
    assert encoded_ref("#/definitions/MarkPropDef<(Gradient|string|null)>") == \
        "#/definitions/MarkPropDef%3C%28Gradient%7Cstring%7Cnull%29%3E"
    assert encoded_refs({"a": [{"$ref": "#/definitions/A<B>"}], "b": 1}) == {"a": [{"$ref": "#/definitions/A%3CB%3E"}],
                                                                           "b": 1}


def test_distinct_values_of_a_layers_rows_are_counted_as_pandas_counts_them_in_its_frame():
    frame = pd.DataFrame({"kind": ["scan", "scan", None, "lab"], "row": [1, 2, 2, np.nan]})
    rows = inline(frame)
    assert rows.columns == ["kind", "row"]
    assert [distinct(frame, "kind"), distinct(rows, "kind"), distinct(frame, "row"), distinct(rows, "row")] == [2, 2, 2, 2]
    assert distinct(rows, "other") is None and distinct(frame, "other") is None and distinct(alt.Undefined, "kind") is None
    assert distinct(inline(frame.iloc[0:0]), "kind") == 0


def test_a_timeline_layer_takes_the_rows_it_draws_with_its_lane_place_and_tooltip_columns_only():
    frame = pd.DataFrame({"lane": ["A", "B"], "y": [10.0, 30.0], "x": [1.0, 2.0], "label": ["scan", "lab"],
                          "tag": ["PR", ""], "unused": [1, 2], "quote": ["q", ""]})
    rows = _rows_of(frame, frame["tag"].ne(""), "tag", "missing")
    assert rows.to_dict("records") == [{"lane": "A", "y": 10.0, "x": 1.0, "tag": "PR", "label": "scan", "quote": "q"}]
