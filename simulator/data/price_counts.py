"""Sufficient statistics of a price history, grouped in DuckDB.

The PH-sBG likelihood of :mod:`simulator.data.price_response` depends on a customer only
through its segment, its start month, its price path (the renewals at which its price changed
and the log ratio ln(P / P0) to its first price after each change), its entry tenure, the
renewals it was observed for and whether it churned. :func:`count_price_history` groups the
customers on exactly these, in SQL, so millions of price rows shrink to a few thousand groups:

* **cohorts**: customers of one segment with the same start month and price path (their
  accumulated exposure C_k is the same at every renewal k, since the calendar month of renewal k
  is start month + k);
* **groups**: customers of one cohort with the same entry, renewals observed and churn flag,
  with their number (the weight of the group's likelihood term).

A price row that repeats the price before it is not a change; of two rows applying from the
same renewal the later one counts; the customer's first row is its first price P0 (the price
from the start, whatever its date).

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.data.price_tables import PriceHistory

LOG_RATIO_DIGITS = 9
"""Decimals of ln(P / P0) kept in a price path: prices equal to the cent give equal paths."""

_GROUPS_SQL = f"""
WITH per_renewal AS (
    SELECT cid, k, arg_max(price, eff) AS price FROM rows GROUP BY cid, k
),
ordered AS (
    SELECT cid, k, price,
           first_value(price) OVER w AS p0,
           lag(price) OVER w AS previous,
           row_number() OVER w AS position
    FROM per_renewal
    WINDOW w AS (PARTITION BY cid ORDER BY k)
),
paths AS (
    SELECT cid,
           string_agg(
               CAST(k AS VARCHAR) || ':'
               || CAST(round(ln(price / p0), {LOG_RATIO_DIGITS}) AS VARCHAR),
               ';' ORDER BY k
           ) AS path
    FROM ordered
    WHERE position > 1 AND price <> previous
    GROUP BY cid
)
SELECT c.seg, c.start_month, coalesce(p.path, '') AS path, c.entry, c.renewals, c.churned,
       count(*) AS customers
FROM customers AS c LEFT JOIN paths AS p USING (cid)
GROUP BY ALL
ORDER BY ALL
"""


@dataclass(frozen=True)
class SegmentCounts:
    """The grouped price history of one segment (module docstring).

    Cohorts (one entry each): ``cohort_start_month`` (calendar month year * 12 + month - 1)
    and ``cohort_length`` (the most renewals any of its customers was observed for).
    Changes (sorted by cohort, then renewal): ``change_cohort``, ``change_renewal`` k (the
    first renewal at the new price, >= 1) and ``change_log_ratio`` ln(P / P0) from then on.
    Groups: ``group_cohort``, ``group_entry``, ``group_renewals``, ``group_churned`` and
    ``group_customers`` (how many customers share them).
    """

    segment: str
    cohort_start_month: np.ndarray
    cohort_length: np.ndarray
    change_cohort: np.ndarray
    change_renewal: np.ndarray
    change_log_ratio: np.ndarray
    group_cohort: np.ndarray
    group_entry: np.ndarray
    group_renewals: np.ndarray
    group_churned: np.ndarray
    group_customers: np.ndarray

    @property
    def customers(self) -> int:
        """Customers in the segment."""
        return int(self.group_customers.sum())


def _parse(path: str) -> tuple[list[int], list[float]]:
    if not path:
        return [], []
    steps = [step.split(":") for step in path.split(";")]
    return [int(k) for k, _ in steps], [float(x) for _, x in steps]


def _segment_counts(segment: str, groups: pd.DataFrame) -> SegmentCounts:
    cohort_key = groups["start_month"].astype(str) + "|" + groups["path"]
    cohort, keys = pd.factorize(cohort_key, sort=True)
    first = pd.Series(np.arange(len(groups))).groupby(cohort).first().to_numpy()
    start_month = groups["start_month"].to_numpy(dtype=np.int64)[first]
    renewals = groups["renewals"].to_numpy(dtype=np.int64)
    length = np.zeros(len(keys), dtype=np.int64)
    np.maximum.at(length, cohort, renewals)
    paths = groups["path"].to_numpy(dtype=object)[first]
    parsed = {p: _parse(p) for p in set(paths)}
    sizes = np.array([len(parsed[p][0]) for p in paths], dtype=np.int64)
    ks = [parsed[p][0] for p in paths]
    xs = [parsed[p][1] for p in paths]
    return SegmentCounts(
        segment=segment,
        cohort_start_month=start_month,
        cohort_length=length,
        change_cohort=np.repeat(np.arange(len(keys), dtype=np.int64), sizes),
        change_renewal=np.array([k for row in ks for k in row], dtype=np.int64),
        change_log_ratio=np.array([x for row in xs for x in row], dtype=float),
        group_cohort=cohort.astype(np.int64),
        group_entry=groups["entry"].to_numpy(dtype=np.int64),
        group_renewals=renewals,
        group_churned=groups["churned"].to_numpy(dtype=bool),
        group_customers=groups["customers"].to_numpy(dtype=float),
    )


def count_price_history(history: PriceHistory) -> tuple[SegmentCounts, ...]:
    """Group a checked price history into per-segment sufficient statistics, in DuckDB.

    Parameters
    ----------
    history
        The output of :func:`simulator.data.price_tables.price_history`.

    Returns
    -------
    tuple of SegmentCounts
        One per segment, sorted by segment name.
    """
    import duckdb

    customers = pd.DataFrame(
        {
            "cid": np.arange(history.renewals.size, dtype=np.int64),
            "seg": history.segment.astype(str),
            "start_month": history.start_month,
            "entry": history.entry,
            "renewals": history.renewals,
            "churned": history.churned,
        }
    )
    rows = pd.DataFrame(
        {
            "cid": history.row_customer,
            "k": history.row_renewal,
            "eff": history.row_order,
            "price": history.row_price,
        }
    )
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar=false")  # it would print to the terminal
        con.register("customers", customers)
        con.register("rows", rows)
        groups = con.execute(_GROUPS_SQL).df()
    finally:
        con.close()
    return tuple(
        _segment_counts(str(segment), part.reset_index(drop=True))
        for segment, part in groups.groupby("seg", sort=True)
    )


__all__ = ["LOG_RATIO_DIGITS", "SegmentCounts", "count_price_history"]
