"""Customers most at risk from a price rise: each active customer's chance of leaving within the
12 months from the notice, with the scenario's rise and without it.

For an active customer i of segment s who has renewed n_i times and pays p_i a month
(docs/model.md, retention and price and fee response):

* the churn propensity of a customer who has renewed n times is Beta(alpha, beta + n)
  distributed (the sBG posterior: the survivors are the loyal ones), so the chance of still
  being a customer after a further exposure C is B(alpha, beta + n + C) / B(alpha, beta + n),
  or (1 - p) ** C at a constant churn p;
* the exposure C_t = c_1 + ... + c_t sums the segment's hazard multipliers of its existing base
  under the scenario (the notice shock, the lasting response, service, the contact wave) and
  under doing nothing (:func:`simulator.model.engine.base_hazard`, the engine's own terms);
* reservation prices act on the customer's own price position r0_i = p_i / P_m, s, with the
  segment's market reference price P_m, s = ARPU_s / r0_s (``market_price_ratio``): a customer
  who already pays more than the typical one is nearer what they would pay at most;
* S_i(t) = G_t(r0_i) B(alpha, beta + n_i + C_t) / B(alpha, beta + n_i), and the chance of
  leaving in the 12 months from the notice month m0 is S_i(m0 - 1) - S_i(m0 + 11) (from today:
  a customer who would leave before the notice is not counted; the window ends at month 120).

Customers are ranked by the added chance (with the rise minus without). Pure: no clock, no
files; :func:`at_risk_csv` gives the spreadsheet-safe CSV bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.decisions.export import neutralise
from simulator.model.engine import base_hazard
from simulator.model.params import Business, Scenario
from simulator.model.sbg import log_survival_ratio

__all__ = ["AT_RISK_COLUMNS", "WINDOW_MONTHS", "at_risk", "at_risk_csv", "window"]

WINDOW_MONTHS = 12
"""Months from the notice over which the chance of leaving is counted."""

MAX_MONTHS = 120
"""The longest horizon the engine projects: a window beyond it is cut there."""

POSITION_DECIMALS = 4
"""Price positions are rounded to this many decimals (0.01 % of the market price) to share the
reservation-price paths of customers who pay the same."""

AT_RISK_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "segment",
    "tenure_months",
    "monthly_price",
    "price_vs_market",
    "leave_12m_with_rise",
    "leave_12m_without_rise",
    "added_risk",
)
"""Columns of :func:`at_risk`: the customer's id and segment, tenure (renewals made, months),
price paid a month (currency; the segment's ARPU where the table has none), price against the
market reference (r0_i, 1 = the market's price), the chance of leaving within the window with the
rise and without it (0-1) and their difference."""


def window(scenario: Scenario) -> tuple[int, int]:
    """The first and last month of the window: the notice month and 11 months after it (cut at
    :data:`MAX_MONTHS`)."""
    first = scenario.notice_month
    return first, min(first + WINDOW_MONTHS - 1, MAX_MONTHS)


def _leave_chance(
    business: Business,
    scenario: Scenario,
    segment: str,
    tenure: np.ndarray,
    positions: np.ndarray,
    first: int,
    last: int,
) -> np.ndarray:
    """S(first - 1) - S(last) for each customer of ``segment`` under ``scenario``."""
    seg = business.segment(segment)
    unique, which = np.unique(positions, return_inverse=True)
    hazard = base_hazard(business, scenario, segment, unique)
    exposure = np.concatenate(([0.0], np.cumsum(hazard.multiplier)))  # C_0 = 0, C_t
    kept = np.concatenate((np.ones((unique.size, 1)), hazard.reservation), axis=1)[which]

    def alive(month: int) -> np.ndarray:
        c = exposure[month]
        if seg.constant_monthly_churn is not None:
            hazard_part = np.exp(c * np.log1p(-seg.constant_monthly_churn)) * np.ones(tenure.size)
        else:
            hazard_part = np.exp(log_survival_ratio(seg.sbg_alpha, seg.sbg_beta + tenure, c))
        return kept[:, month] * hazard_part

    return np.clip(alive(first - 1) - alive(last), 0.0, 1.0)


def at_risk(business: Business, scenario: Scenario, customers: pd.DataFrame) -> pd.DataFrame:
    """Every active customer's chance of leaving within the window, with and without the rise.

    Parameters
    ----------
    business
        The business the customers belong to (segments by name).
    scenario
        The plan; doing nothing is ``scenario.without_changes()``.
    customers
        One row per active customer: ``customer_id``, ``segment`` (a segment of ``business``),
        ``tenure_months`` (renewals made, at least 0) and ``monthly_revenue`` (currency a month;
        NaN where unknown: the segment's ARPU). Customer records
        (:func:`simulator.data.records.customer_records`) of active customers have them.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AT_RISK_COLUMNS`, most added risk first (then the highest chance with
        the rise); customers of segments the business does not have are left out, and their
        number is in ``attrs["unknown_segment"]``.
    """
    known = customers["segment"].astype(str).isin([s.name for s in business.segments])
    rows = customers.loc[known]
    first, last = window(scenario)
    horizon = max(scenario.horizon_months, last)
    plan = scenario.with_changes(horizon_months=horizon)
    nothing = plan.without_changes()
    parts = []
    for seg in business.segments:
        mine = rows[rows["segment"].astype(str) == seg.name]
        if mine.empty:
            continue
        tenure = np.maximum(mine["tenure_months"].to_numpy(dtype=float), 0.0)
        revenue = mine["monthly_revenue"].to_numpy(dtype=float)
        price = np.where(np.isfinite(revenue) & (revenue > 0), revenue, seg.arpu_per_month)
        market = seg.arpu_per_month / seg.market_price_ratio
        positions = np.round(price / market, POSITION_DECIMALS)
        with_rise, without = (
            _leave_chance(business, case, seg.name, tenure, positions, first, last)
            for case in (plan, nothing)
        )
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": mine["customer_id"].to_numpy(),
                    "segment": seg.name,
                    "tenure_months": tenure,
                    "monthly_price": price,
                    "price_vs_market": price / market,
                    "leave_12m_with_rise": with_rise,
                    "leave_12m_without_rise": without,
                    "added_risk": with_rise - without,
                }
            )
        )
    if parts:
        table = pd.concat(parts, ignore_index=True)
    else:
        table = pd.DataFrame({name: [] for name in AT_RISK_COLUMNS})
    table = table.sort_values(
        ["added_risk", "leave_12m_with_rise"], ascending=False, kind="stable"
    ).reset_index(drop=True)
    table.attrs["unknown_segment"] = int((~known).sum())
    return table


def at_risk_csv(table: pd.DataFrame) -> bytes:
    """:func:`at_risk`'s table as CSV bytes for a spreadsheet: UTF-8 with a byte-order mark,
    ids and segment names that a spreadsheet could run as a formula neutralised
    (:func:`simulator.decisions.export.neutralise`), chances as fractions in full precision."""
    frame = neutralise(table.loc[:, list(AT_RISK_COLUMNS)], ("customer_id", "segment"))
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
