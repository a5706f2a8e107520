"""Synthetic customer tables and price histories with a known price response (PH-sBG).

:func:`generate_price_history` writes what a firm's billing extract would hold after it raised
prices: a customer table (id, segment, start date, end date or empty) and a price history (one
row per customer and price period: id, effective date, monthly price). The truth behind it is
the model of :mod:`simulator.data.price_response` (model.md 2.3 and 6.7): customer i churns at
each monthly renewal with a personal probability theta_i ~ Beta(alpha, beta), and a renewal with
hazard multiplier c keeps the customer with probability (1 - theta_i) ** c, where

    c_ik = exp(eta * ln(P_ik / P_i0) + kappa * [first renewal at a raised price]
               + calendar shift * [renewal month >= the first change month]).

Three roll-out designs (``design``), all with one planned change month D
(``change_months_before_as_of`` before the as-of month):

* ``"staggered"``: a share ``control_share`` of the customers who joined before D keep their
  price (grandfathered: the control group); the others get the rise on the first day of a month
  drawn uniformly from D to D + ``rollout_months`` - 1;
* ``"uniform"``: every customer who joined before D gets the rise on the first day of D (no
  control group);
* ``"targeted"``: only customers with at least ``targeted_min_tenure`` months of tenure at D get
  it (a rise aimed at long-standing customers), the others keep their price.

Customers who join in month D or later pay the new price from the start (nothing changes for
them). Each customer's rise is drawn from ``rises`` and applied to a plan price drawn from
``plan_prices`` (rounded to cents). Start days are 1-28, so every monthly anniversary exists and
a customer who stops renewing at renewal T leaves on ``start + T months``.

Nothing here reads the clock or a file: the as-of date and the random generator are arguments.

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

RolloutDesign = Literal["staggered", "uniform", "targeted"]

DESIGNS: tuple[str, ...] = ("staggered", "uniform", "targeted")
"""The roll-out designs :func:`generate_price_history` draws."""

GENERATED_AS_OF = datetime.date(2026, 9, 30)
"""Default as-of date of the generated tables (a month end)."""


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _dates(month_index: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] of day ``day`` (1-28) of calendar month ``month_index`` (year*12+month-1)."""
    first = (np.asarray(month_index) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    return first + (np.asarray(day) - 1).astype("timedelta64[D]")


def generate_price_history(
    customers: int,
    *,
    design: RolloutDesign,
    rng: np.random.Generator,
    alpha: float = 1.0,
    beta: float = 10.0,
    eta: float = 2.0,
    kappa: float = 0.7,
    calendar_shift: float = 0.0,
    as_of: datetime.date = GENERATED_AS_OF,
    history_months: int = 60,
    change_months_before_as_of: int = 18,
    rollout_months: int = 12,
    control_share: float = 0.3,
    targeted_min_tenure: int = 24,
    rises: Sequence[float] = (0.05, 0.10, 0.15),
    plan_prices: Sequence[float] = (19.99, 29.99, 44.99),
    segment: str = "all",
    id_prefix: str = "C",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A customer table and its price history drawn from a known PH-sBG price response.

    Parameters
    ----------
    customers
        Customers acquired over the history (start months uniform over its ``history_months``
        months up to the as-of month).
    design
        Roll-out design (module docstring).
    rng
        Random generator (seed it for reproducible tables).
    alpha, beta
        sBG parameters of the per-renewal churn probability theta ~ Beta(alpha, beta).
    eta
        Lasting log-hazard elasticity: a price P against the customer's first price P0
        multiplies the hazard by (P / P0) ** eta (hazard ratio per +10 %: 1.1 ** eta).
    kappa
        Extra log hazard at the first renewal at a raised price (first-month hazard ratio
        exp(kappa)).
    calendar_shift
        Log-hazard shift of every customer's renewals from the change month D on (something
        else happening at the time of the rise, e.g. a competitor's offer); 0 for none.
    as_of
        Date of the extract (renewals up to it are observed).
    history_months
        Months of acquisitions before and including the as-of month.
    change_months_before_as_of
        Months from the planned change month D to the as-of month.
    rollout_months
        Months over which a staggered roll-out spreads the change dates.
    control_share
        Share of the customers who joined before D kept on their price (``"staggered"``).
    targeted_min_tenure
        Least tenure at D (months) of the customers raised (``"targeted"``).
    rises
        Relative price rises drawn per customer (0.10 = +10 %).
    plan_prices
        Monthly prices before the rise, drawn per customer.
    segment
        Value of the ``segment`` column.
    id_prefix
        Prefix of the customer ids (``C000001``, ...); distinct prefixes let tables be stacked.

    Returns
    -------
    customers, prices
        ``customers``: ``customer_id``, ``segment``, ``start_date``, ``end_date`` (NaT while
        active), dates as datetime64. ``prices``: ``customer_id``, ``effective_date``,
        ``monthly_price``, one row for the first price (at the start date) and one per change.
    """
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {', '.join(DESIGNS)}; got {design!r}")
    if customers < 1 or history_months < 1:
        raise ValueError("customers and history_months must be at least 1")
    n = int(customers)
    last = _month_index(as_of)
    change = last - int(change_months_before_as_of)
    start_month = last - rng.integers(0, history_months, n)
    start_day = rng.integers(1, 29, n)
    theta = rng.beta(alpha, beta, n)
    old_price = rng.choice(np.asarray(plan_prices, dtype=float), n)
    new_price = np.round(old_price * (1.0 + rng.choice(np.asarray(rises, dtype=float), n)), 2)

    before = start_month < change
    if design == "uniform":
        raised = before.copy()
        change_month = np.full(n, change)
    elif design == "staggered":
        raised = before & (rng.random(n) >= control_share)
        change_month = change + rng.integers(0, max(int(rollout_months), 1), n)
    else:
        raised = before & (change - start_month >= targeted_min_tenure)
        change_month = np.full(n, change)
    first_price = np.where(before, old_price, new_price)
    log_ratio = np.log(new_price / old_price)

    renewals = np.zeros(n, dtype=np.int64)  # renewals survived so far
    churned = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    for k in range(1, int(history_months) + 1):
        month = start_month + k
        at_risk = alive & (month <= last)
        if not at_risk.any():
            break
        exposed = raised & (month >= change_month)
        log_c = (
            eta * np.where(exposed, log_ratio, 0.0)
            + kappa * (raised & (month == change_month))
            + calendar_shift * (month >= change)
        )
        keep = np.exp(np.exp(log_c) * np.log1p(-theta))
        leaves = at_risk & (rng.random(n) >= keep)
        churned |= leaves
        alive &= ~leaves
        renewals += at_risk & ~leaves
    leave_at = renewals + 1  # the renewal a churner did not make

    ids = np.char.add(id_prefix, np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    start = _dates(start_month, start_day)
    end = np.where(churned, _dates(start_month + leave_at, start_day), np.datetime64("NaT"))
    table = pd.DataFrame(
        {
            "customer_id": ids,
            "segment": segment,
            "start_date": pd.to_datetime(start),
            "end_date": pd.to_datetime(end),
        }
    )
    # A change is in the history when it was dated before the customer left (or the as-of).
    changed = raised & (change_month <= np.where(churned, start_month + leave_at, last))
    rows = pd.DataFrame(
        {
            "customer_id": np.concatenate((ids, ids[changed])),
            "effective_date": pd.to_datetime(
                np.concatenate((start, _dates(change_month[changed], np.ones(changed.sum()))))
            ),
            "monthly_price": np.concatenate((first_price, new_price[changed])),
        }
    )
    prices = rows.sort_values(["customer_id", "effective_date"], kind="stable")
    return table, prices.reset_index(drop=True)


__all__ = ["DESIGNS", "GENERATED_AS_OF", "RolloutDesign", "generate_price_history"]
