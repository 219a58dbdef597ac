"""A frame as the rows of a Vega-Lite spec (``data.values``), column by column.

The same rows as Altair's own ``to_values`` (``sanitize_pandas_dataframe`` then ``to_dict(orient="records")``),
value for value and type for type, so a spec and the name of its dataset (a hash of its rows) do not change; but
each column is converted once, as a whole, instead of cell by cell through pandas: missing values become None,
numbers and flags Python's own, dates ISO texts ('' when unknown).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

# Columns whose missing values Altair writes as None after making them objects (nullable numbers and flags,
# categories and texts).
_AS_OBJECTS = {"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64",
               "boolean", "category", "string", "str"}


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of `frame` as dicts of JSON-able values, as Altair's ``to_values`` gives them."""
    if isinstance(frame.index, pd.MultiIndex) or isinstance(frame.columns, pd.MultiIndex):
        raise ValueError("Hierarchical indices not supported")
    names = [str(name) for name in frame.columns] if isinstance(frame.columns, pd.RangeIndex) else list(frame.columns)
    if not all(isinstance(name, str) for name in names):
        raise ValueError(f"Dataframe contains invalid column name: {names!r}. Column names must be strings")
    columns = [_column(column) for _, column in frame.items()]
    if not names:
        return [{} for _ in range(len(frame))]
    return [dict(zip(names, row)) for row in zip(*columns)]


def _column(col: pd.Series) -> list:
    dtype = col.dtype
    name = str(dtype)
    if name in _AS_OBJECTS:
        return _nulled(col.astype(object).tolist(), col.isna().to_numpy())
    if name.startswith(("datetime", "timestamp")):
        return _iso(col)
    if name.startswith("timedelta"):
        raise ValueError(f'Field "{col.name}" has type "{dtype}" which is not supported by Altair. Please convert '
                         "to either a timestamp or a numerical value.")
    if name == "bool" or np.issubdtype(dtype, np.integer):
        return col.tolist()
    if np.issubdtype(dtype, np.floating):
        values = col.to_numpy()
        return _nulled(values.tolist(), ~np.isfinite(values))
    values = col.to_numpy(dtype=object)
    out = _nulled(values.tolist(), pd.isna(values))
    if any(issubclass(kind, (np.ndarray, np.generic)) for kind in set(map(type, out))):  # as to_dict boxes them
        out = [value.tolist() if isinstance(value, np.ndarray) else value.item() if isinstance(value, np.generic)
               else value for value in out]
    return out


def _nulled(values: list, null: np.ndarray) -> list:
    for i in np.flatnonzero(null).tolist():
        values[i] = None
    return values


def _iso(col: pd.Series) -> list:
    """``Timestamp.isoformat`` of each value ('' for NaT), as Altair writes dates; whole seconds vectorised."""
    tz = col.dt.tz
    if tz is not None and str(tz) != "UTC":
        return col.apply(lambda x: x.isoformat()).replace("NaT", "").tolist()
    values = (col.dt.tz_localize(None) if tz is not None else col).to_numpy()
    seconds = values.astype("datetime64[s]")
    suffix = "+00:00" if tz is not None else ""
    out = [text + suffix for text in np.datetime_as_string(seconds, unit="s").tolist()]
    null = np.isnat(values)
    for i in np.flatnonzero(~null & (values != seconds)).tolist():  # a fraction of a second: as pandas writes it
        out[i] = col.iloc[i].isoformat()
    for i in np.flatnonzero(null).tolist():
        out[i] = ""
    return out


def inline(frame: pd.DataFrame) -> alt.InlineData:
    """A layer's data as its rows (``records``), made as the layer is built: Altair names and hoists them into the
    spec's datasets as it does a frame's rows, without a data transformer (whose default converts a frame cell by
    cell), and a layer chart shares them between its copies of the layer instead of copying every row."""
    return _SharedRows(values=records(frame), columns=[str(name) for name in frame.columns])


class _SharedRows(alt.InlineData):
    """Inline rows that Altair's copies of a chart share (they are never changed once made), and the columns they
    were made of."""

    def __init__(self, values, columns=(), **kwds):
        super().__init__(values=values, **kwds)
        object.__setattr__(self, "columns", list(columns))  # not a property of the spec

    def __deepcopy__(self, memo=None):
        return self


def distinct(data, name: str) -> int | None:
    """How many distinct values a layer's data (a frame, or rows of ``inline``) has in its column `name`, missing
    ones not counted (``Series.nunique``); None when it has no such column."""
    if isinstance(data, pd.DataFrame):
        return int(data[name].nunique()) if name in data.columns else None
    if not isinstance(data, _SharedRows) or name not in data.columns:
        return None
    return len({row[name] for row in data.values} - {None})
