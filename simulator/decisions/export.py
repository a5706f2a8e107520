"""Projections as spreadsheet files: CSV and Excel bytes, safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run
as a formula by Excel, LibreOffice or Google Sheets (CSV or formula injection). Segment names
come from uploaded data and scenario and business names from users, so every such cell that
starts with one of these characters is prefixed with a single quote ``'`` before it is written
(OWASP, "CSV Injection"). The exports name the columns that hold user data
(:data:`USER_COLUMNS`); the project's own cells (units such as ``+fraction``, labels) are
written as they are. Numbers are left as numbers, negative ones included.

The functions return bytes and never write to a path: the app hands the bytes to a download
button, tests read them back from memory.

References
----------
OWASP Foundation, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pandas as pd

from simulator.decisions.evaluate import Evaluation
from simulator.model.engine import MONTHLY_COLUMNS

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula."""

ESCAPE = "'"
"""Put before a dangerous text cell; spreadsheets then show the text as it is."""

EXPORT_MONTHLY_COLUMNS: tuple[str, ...] = ("case", *MONTHLY_COLUMNS)
"""Columns of the monthly export: ``case`` ("baseline" or "scenario"), then
:data:`simulator.model.engine.MONTHLY_COLUMNS` (money in the business's currency per month)."""

EXPORT_PARAMETER_COLUMNS: tuple[str, ...] = (
    "group",
    "segment",
    "parameter",
    "value",
    "unit",
    "source",
    "reference",
)
"""Columns of the Assumptions sheet, from :func:`simulator.model.assumptions.parameter_table`
(``group`` and ``segment`` tell apart the same field of different segments or levers)."""

SHEETS: tuple[str, ...] = ("Monthly", "Segments", "Assumptions")
"""Sheet names of :func:`projection_xlsx`, in order."""


def neutralise_cell(value: object) -> object:
    """``value`` with :data:`ESCAPE` in front if it is text starting with a formula prefix.

    Anything that is not a ``str`` (numbers, booleans, missing values) is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return ESCAPE + value
    return value


USER_COLUMNS: tuple[str, ...] = ("segment", "scenario", "value")
"""Columns of the exported tables that may hold text from users or their files: segment names
(projection and assumptions), the compared scenarios' names and the business names among the
comparison's values. :func:`neutralise` touches only these in an export."""


def neutralise(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` whose user text cannot run as a formula.

    Parameters
    ----------
    frame
        Any table. Numeric columns are left untouched (``-3.5`` stays the number -3.5); text
        cells of object, string or category columns that start with one of
        :data:`FORMULA_PREFIXES` get a leading :data:`ESCAPE`.
    columns
        The columns that may hold user text (those of them in ``frame``); the others, and the
        column names, are the caller's own and left as they are. None: every column, and the
        column names (a table of unknown origin).

    Returns
    -------
    pandas.DataFrame
        Same shape, index and column order; only text values (and names) change.

    Examples
    --------
    >>> neutralise(pd.DataFrame({"=a": ["=1+1", "ok"], "n": [-1, 2]})).to_dict("list")
    {"'=a": ["'=1+1", 'ok'], 'n': [-1, 2]}
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if columns is not None and out.columns[position] not in columns:
            continue
        if not (
            pd.api.types.is_object_dtype(column)
            or pd.api.types.is_string_dtype(column)
            or isinstance(column.dtype, pd.CategoricalDtype)
        ):
            continue
        out.isetitem(position, column.astype(object).map(neutralise_cell))
    if columns is None:
        out.columns = [neutralise_cell(name) for name in out.columns]
    return out


def monthly_table(evaluation: Evaluation) -> pd.DataFrame:
    """Both cases month by month: one row per case x segment x month.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EXPORT_MONTHLY_COLUMNS`, baseline rows first; customers are counts at the
        end of the month, money is per month in the business's currency (not discounted;
        ``discount_factor`` turns a month's cash flow into present value). Not neutralised.
    """
    return evaluation.monthly.loc[:, list(EXPORT_MONTHLY_COLUMNS)].reset_index(drop=True)


def parameter_rows(parameters: pd.DataFrame) -> pd.DataFrame:
    """The columns of a :func:`simulator.model.assumptions.parameter_table` that the export
    keeps."""
    return parameters.loc[:, list(EXPORT_PARAMETER_COLUMNS)].reset_index(drop=True)


def _headed(frame: pd.DataFrame, headers: Mapping[str, str] | None) -> pd.DataFrame:
    """``frame`` with its columns renamed as ``headers`` says (the reader's language); columns
    it does not name keep their names."""
    return frame if headers is None else frame.rename(columns=dict(headers))


def projection_csv(evaluation: Evaluation, *, headers: Mapping[str, str] | None = None) -> bytes:
    """The monthly projection of both cases as CSV bytes.

    Parameters
    ----------
    evaluation
        A scenario against its baseline (:func:`simulator.decisions.evaluate`).
    headers
        Column name -> header to write (the reader's language); None: the column names.

    Returns
    -------
    bytes
        UTF-8 with a byte-order mark (so Excel detects the encoding), comma-separated, one
        header row and one row per case x segment x month, columns
        :data:`EXPORT_MONTHLY_COLUMNS`, neutralised (:func:`neutralise`). Numbers are written
        in full precision with a ``.`` decimal point.
    """
    frame = _headed(neutralise(monthly_table(evaluation), USER_COLUMNS), headers)
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def projection_xlsx(
    evaluation: Evaluation,
    parameters: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    sheets: Sequence[str] = SHEETS,
) -> bytes:
    """The projection as an Excel workbook (``.xlsx`` bytes).

    Parameters
    ----------
    evaluation
        A scenario against its baseline (:func:`simulator.decisions.evaluate`).
    parameters
        :func:`simulator.model.assumptions.parameter_table` for the same business and scenario.
    headers
        Column name -> header to write (the reader's language); None: the column names.
    sheets
        The three sheets' names, in the order of :data:`SHEETS`.

    Returns
    -------
    bytes
        A workbook with the sheets :data:`SHEETS`:

        * "Monthly": the rows of :func:`projection_csv`;
        * "Segments": :attr:`Evaluation.segments`, one row per segment (customers at the
          horizon, customers lost, value lost, CLV per new customer and NPV, money in currency);
        * "Assumptions": every parameter in use, columns :data:`EXPORT_PARAMETER_COLUMNS`.

        Every sheet is neutralised (:func:`neutralise`), so no cell is a formula; numbers are
        numeric cells.
    """
    frames = (
        monthly_table(evaluation),
        evaluation.segments.reset_index(drop=True),
        parameter_rows(parameters),
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in zip(sheets, frames, strict=True):
            shown = _headed(neutralise(frame, USER_COLUMNS), headers)
            shown.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def comparison_csv(kpis: pd.DataFrame, *, headers: Mapping[str, str] | None = None) -> bytes:
    """CSV bytes (UTF-8) of a comparison's KPI table, formula-looking text neutralised.

    ``kpis`` has one row per KPI and scenario (the Compare page's ``ui.compare.kpi_frame``:
    ``kpi``, ``label``, ``scenario``, ``value``, ``difference``, ``unit``); money is in each
    scenario's business currency, fractions as fractions. Only the scenario names and text
    values (business names) are neutralised: the units (``+fraction``) stay as they are.
    ``headers`` renames the columns (the reader's language).
    """
    return _headed(neutralise(kpis, USER_COLUMNS), headers).to_csv(index=False).encode("utf-8")
