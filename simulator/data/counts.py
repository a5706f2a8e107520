"""Customer records aggregated to the sufficient statistics that calibration needs.

Calibration never needs one row per customer: every estimate it makes (Kaplan-Meier, the sBG
and geometric fits, the cloglog hazard links, ARPU, the active base, acquisitions and referrals)
is a function of how many customers share a few values. :func:`count_records` aggregates the
standard customer records (:data:`simulator.data.records.RECORD_COLUMNS`) in pandas;
:mod:`simulator.data.sql` computes the same :class:`CustomerCounts` with SQL, inside DuckDB
for large files or inside a database, so memory stays bounded by the number of distinct groups, not
customers. :func:`as_counts` gives calibration (:mod:`simulator.data.calibrate`) either.

Whole months. The sBG model counts renewals, so durations are whole months:
``months = round(tenure_months)`` (half to even), at least 1 for a churner (a churner paid at
least one month); ``entry = round(entry_months)``, lowered where needed so that it does not
exceed ``months`` and stays below it for churners, and at least 0. The monthly churn rate uses
the raw (fractional) exposure ``tenure_months - entry_months``, summed per group.

Calendar months (dated tables) are numbered ``year * 12 + month - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.data.records import RECORD_COLUMNS

__all__ = [
    "COUNT_COLUMNS",
    "COUNT_KEYS",
    "FLOW_COLUMNS",
    "no_flows",
    "CustomerCounts",
    "as_counts",
    "check_records",
    "count_records",
    "whole_months",
]

COUNT_KEYS: tuple[str, ...] = (
    "segment",
    "months",
    "entry",
    "churned",
    "satisfaction",
    "contacts",
    "price_change_log",
)
"""Grouping columns of :attr:`CustomerCounts.counts`: ``segment`` (str), ``months`` and
``entry`` (int64, whole months), ``churned`` (bool), and the covariates of the hazard links
(float, NaN when unknown): ``satisfaction`` (score, rounded to 0.01), ``contacts`` (contacts in
the last 12 months, rounded to 0.01) and ``price_change_log`` (ln(price after / price before),
rounded to 1e-4)."""

COUNT_COLUMNS: tuple[str, ...] = COUNT_KEYS + (
    "customers",
    "exposure_months",
    "revenue_sum",
    "revenue_customers",
)
"""Columns of :attr:`CustomerCounts.counts`: the keys, then per group ``customers`` (int64),
``exposure_months`` (float, sum of ``tenure_months - entry_months``), ``revenue_sum`` (float,
sum of ``monthly_revenue`` where known, currency per month) and ``revenue_customers`` (int64,
customers with a known revenue)."""

FLOW_COLUMNS: tuple[str, ...] = ("segment", "start_month", "end_month", "referred", "customers")
"""Columns of :attr:`CustomerCounts.flows` (dated tables): ``start_month`` (int64 calendar
month), ``end_month`` (float calendar month of the end date, NaN while active), ``referred``
(float 1/0, NaN without a channel column) and ``customers`` (int64)."""

_ROUNDING = {"satisfaction": 2, "contacts": 2, "price_change_log": 4}


@dataclass(frozen=True, kw_only=True)
class CustomerCounts:
    """Sufficient statistics of a customer table for
    :func:`simulator.data.calibrate.calibrate`.

    Attributes
    ----------
    counts
        One row per distinct :data:`COUNT_KEYS`, columns :data:`COUNT_COLUMNS`, sorted by the keys.
    flows
        Dated tables: customers by segment, start month, end month and referral flag
        (:data:`FLOW_COLUMNS`); empty for a snapshot.
    as_of_month
        Calendar month of the as-of date (dated tables), None for a snapshot.
    """

    counts: pd.DataFrame
    flows: pd.DataFrame
    as_of_month: int | None = None

    @property
    def segments(self) -> tuple[str, ...]:
        """Segment names in order of first appearance in :attr:`counts`."""
        return tuple(pd.unique(self.counts["segment"]))

    @property
    def customers(self) -> int:
        """All customers counted."""
        return int(self.counts["customers"].sum())


def no_flows() -> pd.DataFrame:
    """The flows of a snapshot table: no rows, the :data:`FLOW_COLUMNS` with their types."""
    return pd.DataFrame(
        {
            "segment": pd.Series(dtype=str),
            "start_month": pd.Series(dtype=np.int64),
            "end_month": pd.Series(dtype=float),
            "referred": pd.Series(dtype=float),
            "customers": pd.Series(dtype=np.int64),
        }
    )


def whole_months(
    tenure_months: np.ndarray, entry_months: np.ndarray, churned: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whole-month durations and entries (module docstring) from raw months, as int64 arrays."""
    months = np.rint(tenure_months).astype(np.int64)
    months = np.where(churned, np.maximum(months, 1), months)
    entry = np.minimum(np.rint(entry_months).astype(np.int64), months - churned.astype(np.int64))
    return months, np.maximum(entry, 0)


def count_records(records: pd.DataFrame, *, as_of_month: int | None = None) -> CustomerCounts:
    """Aggregate standard customer records (already checked) to :class:`CustomerCounts`.

    Parameters
    ----------
    records
        Records with at least ``segment``, ``tenure_months``, ``churned``, ``entry_months`` and
        ``monthly_revenue``; the optional columns ``satisfaction``, ``contacts``,
        ``price_change_log``, ``start_month``, ``end_month`` and ``referred`` are NaN (or
        absent) when unknown. Validation is :func:`check_records`' job.
    as_of_month
        Calendar month of the as-of date; default the latest start or end month in the
        records (None when they have no start months: a snapshot).

    Returns
    -------
    CustomerCounts
    """
    n = len(records)
    churned = records["churned"].to_numpy(dtype=bool)
    tenure = records["tenure_months"].to_numpy(dtype=float)
    entry_raw = records["entry_months"].to_numpy(dtype=float)
    months, entry = whole_months(tenure, entry_raw, churned)

    def optional(column: str) -> np.ndarray:
        if column not in records.columns:
            return np.full(n, np.nan)
        return records[column].to_numpy(dtype=float)

    revenue = optional("monthly_revenue")
    known = ~np.isnan(revenue)
    frame = pd.DataFrame(
        {
            "segment": records["segment"].astype(str).to_numpy(),
            "months": months,
            "entry": entry,
            "churned": churned,
            **{c: np.round(optional(c), _ROUNDING[c]) for c in _ROUNDING},
            "customers": np.ones(n, dtype=np.int64),
            "exposure_months": tenure - entry_raw,
            "revenue_sum": np.where(known, revenue, 0.0),
            "revenue_customers": known.astype(np.int64),
        }
    )
    counts = (
        frame.groupby(list(COUNT_KEYS), dropna=False, sort=True)
        .sum()
        .reset_index()
        .loc[:, list(COUNT_COLUMNS)]
    )
    start = optional("start_month")
    dated = "start_month" in records.columns and bool(np.isfinite(start).any())
    if dated:
        end = optional("end_month")
        flows_frame = pd.DataFrame(
            {
                "segment": frame["segment"],
                "start_month": start.astype(np.int64),
                "end_month": end,
                "referred": optional("referred"),
                "customers": frame["customers"],
            }
        )
        flows = (
            flows_frame.groupby(list(FLOW_COLUMNS[:-1]), dropna=False, sort=True)
            .sum()
            .reset_index()
        )
        if as_of_month is None:
            as_of_month = int(np.nanmax(np.concatenate((start, end))))
    else:
        flows = no_flows()
        as_of_month = None
    return CustomerCounts(counts=counts, flows=flows, as_of_month=as_of_month)


REQUIRED_COLUMNS: tuple[str, ...] = RECORD_COLUMNS[:6]
"""Columns the records must have; the others are optional (NaN when unknown)."""
OPTIONAL_COLUMNS: tuple[str, ...] = RECORD_COLUMNS[6:]
"""Record columns that may be absent or NaN (numbers); ``customer_id`` is not needed."""


def check_records(records: pd.DataFrame) -> pd.DataFrame:
    """Validate the standard records form; return its columns cleaned (floats, bool, str)."""
    if not isinstance(records, pd.DataFrame):
        raise ValueError(f"records must be a pandas DataFrame; got {type(records).__name__}")
    missing = [c for c in REQUIRED_COLUMNS[1:] if c not in records.columns]
    if missing:
        raise ValueError(f"records: required column(s) {', '.join(missing)} missing")
    if records.empty:
        raise ValueError("records: no customers")
    problems: list[str] = []

    segment = records["segment"]
    bad_segment = segment.isna() | (segment.astype(str).str.strip() == "")
    if bad_segment.any():
        problems.append(f"segment ({int(bad_segment.sum())} empty)")

    def numeric(column: str) -> np.ndarray:
        if column not in records.columns:
            return np.full(len(records), np.nan)
        try:
            return pd.to_numeric(records[column], errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError):
            problems.append(f"{column} (not numeric)")
            return np.zeros(len(records))

    tenure = numeric("tenure_months")
    entry = numeric("entry_months")
    revenue = numeric("monthly_revenue")
    optional = {c: numeric(c) for c in OPTIONAL_COLUMNS}
    bad_tenure = ~np.isfinite(tenure) | (tenure < 0)
    if bad_tenure.any():
        problems.append(f"tenure_months ({int(bad_tenure.sum())} missing, infinite or negative)")
    bad_entry = ~np.isfinite(entry) | (entry < 0) | (entry > tenure)
    if bad_entry.any():
        problems.append(
            f"entry_months ({int(bad_entry.sum())} missing, negative or above tenure_months)"
        )
    if np.any(np.isinf(revenue)):
        problems.append("monthly_revenue (infinite)")

    raw = records["churned"]
    if raw.dtype == bool:
        churned = raw.to_numpy(dtype=bool)
    else:
        values = raw.to_numpy(dtype=object)
        valid = np.array([v in (True, False) and not pd.isna(v) for v in values], dtype=bool)
        if not valid.all():
            problems.append(f"churned ({int((~valid).sum())} not true/false)")
        churned = np.array([bool(v) if ok else False for v, ok in zip(values, valid, strict=True)])
    if problems:
        raise ValueError("records: invalid values in " + "; ".join(problems))
    return pd.DataFrame(
        {
            "segment": segment.astype(str).to_numpy(),
            "churned": churned,
            "tenure_months": tenure,
            "entry_months": entry,
            "monthly_revenue": revenue,
            **{c: v for c, v in optional.items() if c in records.columns},
        },
        index=records.index,
    )


def as_counts(data: pd.DataFrame | CustomerCounts) -> CustomerCounts:
    """What calibration reads: ``data`` itself when it is counts, else the standard records
    checked (:func:`check_records`) and counted (:func:`count_records`). Raises ValueError for
    counts of no customers and for records :func:`check_records` refuses."""
    if isinstance(data, CustomerCounts):
        if data.counts.empty:
            raise ValueError("counts: no customers")
        return data
    return count_records(check_records(data))
