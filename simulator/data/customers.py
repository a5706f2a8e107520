"""A customer table through the planner's path: map, check, count, calibrate, apply.

The app opens on the bundled ``sample_data/customers.csv`` calibrated exactly as a planner's
upload of that file would be: :func:`simulator.data.tables.read_table`,
:func:`simulator.data.mapping.propose_mapping`, :func:`simulator.data.records.customer_records`,
:func:`simulator.data.calibrate.calibrate` and :func:`simulator.data.apply.apply_calibration`
over the sample business's priors (:func:`simulator.model.sample.sample_business`).
:func:`summarize_calibration` is the per-segment overview the Home page shows. Everything takes
tables, never paths.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from simulator.data.apply import apply_calibration
from simulator.data.calibrate import Calibration, calibrate
from simulator.data.counts import CustomerCounts, count_records
from simulator.data.mapping import propose_mapping
from simulator.data.records import customer_records
from simulator.data.synthetic import SAMPLE_AS_OF
from simulator.model.params import Business
from simulator.model.sample import sample_business

__all__ = [
    "SUMMARY_COLUMNS",
    "calibrate_sample",
    "sample_counts",
    "sample_business_from_table",
    "summarize_calibration",
]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "segment",
    "customers",
    "active",
    "churned",
    "churn_share",
    "mean_tenure_months",
    "arpu_per_month",
)
"""Columns of :func:`summarize_calibration`."""


def sample_counts(table: pd.DataFrame, *, as_of: datetime.date = SAMPLE_AS_OF) -> CustomerCounts:
    """The bundled sample table counted with the mapping the app proposes for it.

    Parameters
    ----------
    table
        ``sample_data/customers.csv`` as read by :func:`simulator.data.tables.read_table`.
    as_of
        Date the table describes (default :data:`simulator.data.synthetic.SAMPLE_AS_OF`).

    Raises
    ------
    simulator.data.tables.DataError
        The table has errors (it is the bundled file, so this means it was damaged).
    """
    mapping = propose_mapping(table)
    records = customer_records(table, mapping, as_of=as_of, name="customers.csv")
    month = as_of.year * 12 + as_of.month - 1
    return count_records(records, as_of_month=month)


def calibrate_sample(table: pd.DataFrame, *, as_of: datetime.date = SAMPLE_AS_OF) -> Calibration:
    """:func:`simulator.data.calibrate.calibrate` of :func:`sample_counts`."""
    return calibrate(sample_counts(table, as_of=as_of))


def sample_business_from_table(table: pd.DataFrame) -> Business:
    """The business the app opens with: the sample business calibrated from the sample table.

    ``apply_calibration(sample_business(), calibrate_sample(table))``: retention (sBG per
    segment), ARPU, the active base, acquisitions, referrals and the data-driven links come from
    the table; costs, price and service responses stay the model.md priors.
    """
    return apply_calibration(sample_business(), calibrate_sample(table))


def summarize_calibration(calibration: Calibration) -> pd.DataFrame:
    """One row per segment: how many customers, how many left, tenure and ARPU of the active.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`, one row per segment of the calibration: ``customers``,
        ``active``, ``churned``, ``churn_share`` (churned / customers, fraction),
        ``mean_tenure_months`` (mean whole-month tenure of the active, months; NaN without
        active customers), ``arpu_per_month`` (mean monthly revenue of the active, currency;
        NaN without revenue).
    """
    rows = []
    for s in calibration.segments:
        base = np.asarray(s.active_by_tenure, dtype=float)
        rows.append(
            {
                "segment": s.name,
                "customers": s.customers,
                "active": s.active,
                "churned": s.churned,
                "churn_share": s.churned / s.customers if s.customers else np.nan,
                "mean_tenure_months": (
                    float(base @ np.arange(base.size) / base.sum()) if base.sum() > 0 else np.nan
                ),
                "arpu_per_month": s.arpu if s.arpu is not None else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
