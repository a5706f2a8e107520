"""Validating a mapped customer table and turning it into the standard customer records.

:func:`validate` collects every problem before answering (house-style 5.6); :func:`customer_records`
returns the form calibration uses (:data:`RECORD_COLUMNS`) or raises :class:`DataError` listing
the errors. Tenure conventions are those of :mod:`simulator.data.mapping`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from simulator.data.mapping import ColumnMapping, normalise_values, to_date, to_number
from simulator.data.tables import DataError, Problem, file_rows

RECORD_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "segment",
    "tenure_months",
    "churned",
    "entry_months",
    "monthly_revenue",
    "satisfaction",
    "contacts",
    "price_change_log",
    "start_month",
    "end_month",
    "referred",
)
"""Columns of :func:`customer_records`. The last four are NaN when the table cannot say:
``price_change_log`` = ln(price after / price before); ``start_month`` and ``end_month``
(dated tables) the calendar months ``year * 12 + month - 1`` of the start and end dates (end NaN
while active); ``referred`` 1.0 when the acquisition channel names a referral
(:data:`REFERRAL_PATTERN`), 0.0 otherwise."""

REFERRAL_PATTERN = r"refer|word.?of.?mouth|\bwom\b"
"""Acquisition-channel values (case-insensitive regular expression) of referred customers."""

MIN_SEGMENT_CUSTOMERS = 30
"""Fewer customers than this in a segment draws a warning: too few to fit."""

MAX_TENURE_MONTHS = 1200
"""Longest tenure accepted (months): a longer one is an error in the data or in its unit."""

EVENT_LOG_SHARE = 0.5
"""When at least this share of the rows (and :data:`EVENT_LOG_ROWS` rows) repeat a customer id,
the table is taken for a log of purchases or events (one row per event, not per customer), and
the fix says how to summarise it."""

EVENT_LOG_ROWS = 100
"""Fewer repeated rows than this are taken for mistakes, however small the table."""


def duplicate_ids_fix(repeated_rows: int, rows: int) -> str:
    """How to fix ``repeated_rows`` rows (of ``rows``) whose customer id another row has too."""
    if repeated_rows >= max(EVENT_LOG_SHARE * rows, EVENT_LOG_ROWS):
        return (
            "This looks like one row per purchase or event, not one per customer: summarise it "
            "to one row per customer (the first date as the start date, and an end date or a "
            "churn flag) and upload that"
        )
    return "Keep one row per customer"


DATE_RANGE = (datetime.date(1900, 1, 1), datetime.date(2199, 12, 31))
"""Earliest and latest start or end date accepted: dates outside are errors (placeholders such
as 0001-01-01 or 9999-12-31, or a number read as a date) and do not set the as-of date."""

ALL_SEGMENTS = "all"
"""Segment of every customer when no segment column is mapped."""


def _rows(mask: pd.Series, table: pd.DataFrame) -> tuple[int, ...]:
    return file_rows(np.flatnonzero(mask.to_numpy(dtype=bool)), table)


def default_as_of(table: pd.DataFrame, mapping: ColumnMapping) -> datetime.date | None:
    """The latest start or end date in the table (the as-of date when none is given)."""
    latest = []
    for column in (mapping.start, mapping.end):
        if column is not None and column in table.columns:
            dates = to_date(table[column]).dropna()
            dates = dates[~_out_of_range(dates)]
            if len(dates):
                latest.append(dates.max())
    return max(latest).date() if latest else None


def _out_of_range(dates: pd.Series) -> pd.Series:
    """True where a date (NaT: False) lies outside :data:`DATE_RANGE`."""
    low, high = (pd.Timestamp(d) for d in DATE_RANGE)
    return (dates < low) | (dates > high)


def mapping_problems(columns: Iterable[str], mapping: ColumnMapping) -> list[Problem]:
    """The mapping's own problems, before any cell is looked at (errors, no rows).

    Mapped columns that are not among ``columns`` (the table's column names), one problem each
    naming the column; when every mapped column is there, the required roles left unmapped
    (``column`` None).
    """
    present = set(columns)
    missing = [
        Problem(column, (), f"column for {role} is not in the file", "Pick a column of the file")
        for role, column in mapping.columns().items()
        if column not in present
    ]
    if missing:
        return missing
    problems = []
    if mapping.id is None:
        problems.append(
            Problem(
                None, (), "Required column customer id is not mapped", "Map the customer id column"
            )
        )
    if mapping.kind == "snapshot":
        for role in ("tenure", "churned"):
            if getattr(mapping, role) is None:
                problems.append(
                    Problem(
                        None,
                        (),
                        f"Required column {role} is not mapped (a snapshot needs tenure and "
                        "churned)",
                        f"Map the {role} column, or map start and end dates for a dated table",
                    )
                )
    elif mapping.start is None:
        problems.append(
            Problem(
                None,
                (),
                "Required column start date is not mapped (a dated table needs it)",
                "Map the start date column, or map tenure and churned for a snapshot",
            )
        )
    return problems


def validate(
    table: pd.DataFrame,
    mapping: ColumnMapping,
    *,
    as_of: datetime.date | None = None,
) -> list[Problem]:
    """Every problem that stops (error) or weakens (warning) calibration from this table.

    Checks the mapping against the table, then each mapped column's cells. ``as_of`` defaults
    to the latest date in the table for a dated table.
    """
    problems = mapping_problems(table.columns, mapping)
    if any(p.column is not None for p in problems):  # mapped columns missing from the file
        return problems

    def add(column, mask_or_rows, message, fix, severity="error"):
        rows = _rows(mask_or_rows, table) if isinstance(mask_or_rows, pd.Series) else mask_or_rows
        problems.append(Problem(column, rows, message, fix, severity))

    if mapping.id is not None:
        ids = table[mapping.id]
        missing = ids.isna()
        if missing.any():
            add(mapping.id, missing, "customer id is empty", "Give every row a customer id")
        key = id_text(ids)
        dup = key.duplicated(keep=False) & ~missing
        if dup.any():
            add(
                mapping.id,
                dup,
                f"customer id appears more than once ({int(dup.sum())} rows)",
                duplicate_ids_fix(int(dup.sum()), len(table)),
            )

    churn_flag: pd.Series | None = None
    checked = pd.Series(False, index=table.index)
    if mapping.churned is not None:
        values = table[mapping.churned]
        norm = normalise_values(values)
        if values.isna().any():
            add(
                mapping.churned,
                values.isna(),
                "churned flag is empty",
                "Fill in whether each customer churned",
            )
        known = set(mapping.churned_values) | set(mapping.active_values)
        unknown = values.notna() & ~norm.isin(known)
        if unknown.any():
            spellings = sorted(set(norm[unknown]))[:5]
            add(
                mapping.churned,
                unknown,
                f"churned flag values {spellings} are not mapped to churned or active",
                "Say which of these values means churned",
            )
        churn_flag = norm.isin(mapping.churned_values)
        checked = values.notna() & ~unknown

    if mapping.tenure is not None and mapping.kind == "snapshot":
        raw = table[mapping.tenure]
        tenure = to_number(raw)
        bad = raw.notna() & tenure.isna()
        if bad.any():
            add(mapping.tenure, bad, "tenure is not a number", "Use numbers only, e.g. 12")
        if raw.isna().any():
            add(mapping.tenure, raw.isna(), "tenure is empty", "Fill in every customer's tenure")
        if (tenure < 0).any():
            add(mapping.tenure, tenure < 0, "tenure is negative", "Tenure must be 0 or more")
        months = tenure * (12.0 if mapping.tenure_unit == "years" else 1.0)
        huge = ~np.isfinite(months) & tenure.notna() | (months > MAX_TENURE_MONTHS)
        if huge.any():
            add(
                mapping.tenure,
                huge,
                f"tenure is infinite or above {MAX_TENURE_MONTHS} months (100 years)",
                "Check the tenure and its unit (months or years)",
            )

    if mapping.kind == "dated" and mapping.start is not None:
        start = to_date(table[mapping.start])
        bad = start.isna()
        if bad.any():
            add(
                mapping.start,
                bad,
                "start date is empty or not a date",
                "Use dates like 2024-03-31 in every row",
            )
        end = pd.Series(pd.NaT, index=table.index, dtype=start.dtype)
        if mapping.end is not None:
            end = to_date(table[mapping.end])
            filled = table[mapping.end].astype("string").str.strip().fillna("") != ""
            bad = filled & end.isna()
            if bad.any():
                add(
                    mapping.end,
                    bad,
                    "end date is not a date",
                    "Use dates like 2024-03-31, or leave it empty while the customer is active",
                )
        for column, dates in ((mapping.start, start), (mapping.end, end)):
            far = _out_of_range(dates)
            if far.any():
                add(
                    column,
                    far,
                    f"date outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year} (e.g. "
                    f"{dates[far].iloc[0].date()})",
                    "Use the real date; leave the end date empty while the customer is active",
                )
        if mapping.end is not None:
            before = end < start
            if before.any():
                add(mapping.end, before, "end date is before start date", "Check both dates")
        as_of = as_of or default_as_of(table, mapping)
        if as_of is not None:
            later = start > pd.Timestamp(as_of)
            if later.all():
                add(
                    mapping.start,
                    (),
                    f"no customer started on or before the as-of date {as_of}",
                    "Check the as-of date: it must come after the customers' start dates",
                )
            elif later.any():
                add(
                    mapping.start,
                    later,
                    f"start date after the as-of date {as_of}; these customers are left out",
                    "Check the dates or the as-of date",
                    "warning",
                )
            if churn_flag is None:
                churn_flag = end.notna() & (end <= pd.Timestamp(as_of))
                checked = start.notna() & ~later

    if churn_flag is not None and checked.any():
        if not churn_flag[checked].any():
            add(
                mapping.churned or mapping.end,
                (),
                "no customer churned, so churn cannot be estimated",
                "Include the customers who left (with their end date or churn flag)",
            )
        if churn_flag[checked].all():
            add(
                mapping.churned or mapping.end,
                (),
                "every customer churned: there are no active customers",
                "Include the customers who are still active",
            )

    for role, severity in (
        ("revenue", "warning"),
        ("satisfaction", "warning"),
        ("contacts", "warning"),
        ("price_before", "warning"),
        ("price_after", "warning"),
    ):
        column = getattr(mapping, role)
        if column is None:
            continue
        raw = table[column]
        number = to_number(raw)
        bad = raw.notna() & number.isna()
        if bad.any():
            add(
                column,
                bad,
                f"{role} is not a number; these cells are treated as missing",
                "Use numbers only, e.g. 29.90",
                severity,
            )
        if role == "revenue" and (number < 0).any():
            add(column, number < 0, "revenue is negative", "Revenue must be 0 or more")
        if np.isinf(number).any():
            add(
                column,
                pd.Series(np.isinf(number), index=number.index),
                f"{role.replace('_', ' ')} is infinite",
                "Use a finite number, or leave the cell empty",
            )
        if role.startswith("price") and (number <= 0).any():
            add(
                column,
                number <= 0,
                f"{role.replace('_', ' ')} is not above 0; these customers get no price change",
                "Prices must be above 0",
                "warning",
            )

    if mapping.segment is not None:
        counts = table[mapping.segment].astype("string").fillna("unknown").value_counts()
        small = counts[counts < MIN_SEGMENT_CUSTOMERS]
        for segment, n in small.items():
            add(
                mapping.segment,
                (),
                f"segment {segment!r} has only {n} customers, too few to fit (< "
                f"{MIN_SEGMENT_CUSTOMERS})",
                "Merge it with a similar segment, or accept a pooled estimate",
                "warning",
            )
    return problems


def id_text(column: pd.Series) -> pd.Series:
    """Customer ids as text; whole numbers stored as floats (Excel, Parquet) lose their ``.0``."""
    if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
        column = column.astype("Int64")
    return column.astype("string").str.strip()


def _months_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Whole months from start to end, end-of-month clipped (as ``completed_months``)."""
    start_month = (start.dt.year * 12 + start.dt.month - 1).to_numpy(dtype=np.int64)
    end_month = (end.dt.year * 12 + end.dt.month - 1).to_numpy(dtype=np.int64)
    end_month_days = end.dt.days_in_month.to_numpy(dtype=np.int64)
    anniversary = np.minimum(start.dt.day.to_numpy(dtype=np.int64), end_month_days)
    return end_month - start_month - (anniversary > end.dt.day.to_numpy(dtype=np.int64))


def _log_ratio(after: pd.Series, before: pd.Series) -> pd.Series:
    """ln(after / before) where both are positive, NaN elsewhere."""
    ok = (after > 0) & (before > 0)
    return pd.Series(np.log(after.where(ok) / before.where(ok)), index=after.index)


def customer_records(
    table: pd.DataFrame,
    mapping: ColumnMapping,
    *,
    as_of: datetime.date | None = None,
    left_truncated_at: float | None | Literal["auto"] = "auto",
    name: str = "table",
) -> pd.DataFrame:
    """The standard customer records calibration uses (:data:`RECORD_COLUMNS`).

    Parameters
    ----------
    table, mapping
        The uploaded table and the (checked) column mapping.
    as_of
        Observation date of a dated table; default the latest date in it.
    left_truncated_at
        Entry tenure in months (customers enter observation there, or at their tenure if less):
        ``"auto"`` for a snapshot whose shortest tenure m exceeds 1 month uses m - 1 (nobody
        shorter was kept, so the data are left-truncated), otherwise 0; None means 0.
    name
        File name for the error message.

    Raises
    ------
    DataError
        Lists the errors :func:`validate` finds (warnings do not stop it).
    """
    problems = validate(table, mapping, as_of=as_of)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(name, errors)

    keep = pd.Series(True, index=table.index)
    start_month = end_month = pd.Series(np.nan, index=table.index)
    if mapping.kind == "dated":
        as_of = as_of or default_as_of(table, mapping)
        stamp = pd.Timestamp(as_of)
        start = to_date(table[mapping.start])
        end = (
            to_date(table[mapping.end])
            if mapping.end is not None
            else pd.Series(pd.NaT, index=table.index, dtype=start.dtype)
        )
        keep = start <= stamp
        ended = end.notna() & (end <= stamp)
        if mapping.churned is not None:
            churned = normalise_values(table[mapping.churned]).isin(mapping.churned_values)
        else:
            churned = ended
        stop = end.where(ended, stamp)
        tenure = pd.Series(_months_between(start, stop), index=table.index).astype(float)
        start_month = start.dt.year * 12 + start.dt.month - 1.0
        end_month = (end.dt.year * 12 + end.dt.month - 1.0).where(ended)
    else:
        tenure = to_number(table[mapping.tenure]) * (12.0 if mapping.tenure_unit == "years" else 1)
        churned = normalise_values(table[mapping.churned]).isin(mapping.churned_values)

    if left_truncated_at == "auto":
        shortest = float(tenure[keep].min()) if keep.any() else 0.0
        entry_at = shortest - 1.0 if mapping.kind == "snapshot" and shortest > 1.0 else 0.0
    else:
        entry_at = float(left_truncated_at or 0.0)

    def numbers(column: str | None) -> pd.Series:
        if column is None:
            return pd.Series(np.nan, index=table.index)
        return to_number(table[column])

    segment = (
        table[mapping.segment].astype("string").fillna("unknown").astype(str)
        if mapping.segment is not None
        else pd.Series(ALL_SEGMENTS, index=table.index)
    )
    records = pd.DataFrame(
        {
            "customer_id": id_text(table[mapping.id]).astype(str),
            "segment": segment,
            "tenure_months": tenure.clip(lower=0.0),
            "churned": churned.astype(bool),
            "entry_months": np.minimum(entry_at, tenure.clip(lower=0.0)),
            "monthly_revenue": numbers(mapping.revenue),
            "satisfaction": numbers(mapping.satisfaction),
            "contacts": numbers(mapping.contacts),
            "price_change_log": _log_ratio(
                numbers(mapping.price_after), numbers(mapping.price_before)
            ),
            "start_month": start_month.astype(float),
            "end_month": end_month.astype(float),
            "referred": (
                table[mapping.channel]
                .astype("string")
                .str.contains(REFERRAL_PATTERN, case=False, regex=True)
                .astype(float)
                if mapping.channel is not None
                else pd.Series(np.nan, index=table.index)
            ),
        }
    )
    return records[keep.to_numpy()].reset_index(drop=True)


__all__ = [
    "ALL_SEGMENTS",
    "MIN_SEGMENT_CUSTOMERS",
    "RECORD_COLUMNS",
    "REFERRAL_PATTERN",
    "customer_records",
    "default_as_of",
    "validate",
]
