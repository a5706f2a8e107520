"""The cohort engine: PH-sBG retention by segment and cohort, month by month.

For every segment the engine follows

* the existing base, one cohort per tenure n with exposure n already accumulated (its churn
  probability is Beta(alpha, beta + n) distributed: the survivors are the loyal ones);
* one paid and one referred cohort acquired in each simulated month.

A cohort's hazard multiplier in month t is (model.md section 2.4)

    c_t = u + (1 - u) exp(price term_t - gamma dQ_t + [ln phi_ref if referred])

and its survivors after accumulated exposure C are B(alpha, beta + C0 + C) / B(alpha, beta + C0):
exact, closed form and vectorised over cohorts x months.

Timing: month 1 is the first simulated month. Existing customers renew (or leave) at the start of
every month; a cohort acquired in month a pays in month a and first renews in month a + 1. Cash
flows fall at the start of their month, so month t is discounted by (1 + d_m) ** -(t - 1)
(model.md section 4.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.model.finance import monthly_discount_rate
from simulator.model.params import Business, Scenario, Segment
from simulator.model.price import SEGMENT_HAZARD_FIELDS, hazard_paths, shock_coefficient
from simulator.model.sbg import log_survival_ratio, residual_discounted_exposure
from simulator.model.service import quality_index

MONTHLY_COLUMNS: tuple[str, ...] = (
    "segment",
    "month",
    "customers",
    "paid_acquisitions",
    "referral_acquisitions",
    "churned",
    "revenue_per_customer",
    "revenue",
    "variable_cost",
    "contact_cost",
    "contribution",
    "acquisition_cost",
    "service_spend",
    "cash_flow",
    "discount_factor",
)
"""Columns of :attr:`Projection.monthly`, one row per segment and month (money in currency)."""


@dataclass(frozen=True, kw_only=True)
class Projection:
    """One scenario projected month by month.

    Attributes
    ----------
    monthly
        Tidy frame, one row per segment and month, columns :data:`MONTHLY_COLUMNS`.
    service
        One row per month: spend, lever responses, quality index and service KPIs
        (:func:`simulator.model.service.quality_index`).
    segments
        One row per segment: ``segment``, ``customers_start``, ``customers_end``, ``churned``,
        ``revenue``, ``contribution``, ``cash_flow``, ``npv``, ``terminal_value`` (present value
        of the customers alive at the horizon, valued with their residual lifetime),
        ``clv_new_customer`` (discounted contribution of one paid customer acquired in month 1,
        horizon plus residual).
    npv
        Net present value of the cash flows over the horizon (currency, month 1 undiscounted).
    terminal_value
        Present value of the residual lifetime contribution of customers alive at the horizon,
        net of their share of the service budget; add it for NPV with terminal value.
    """

    monthly: pd.DataFrame
    service: pd.DataFrame
    segments: pd.DataFrame
    npv: float
    terminal_value: float

    @property
    def npv_with_terminal_value(self) -> float:
        """NPV over the horizon plus the terminal value."""
        return self.npv + self.terminal_value

    def total(self, column: str) -> pd.Series:
        """Monthly ``column`` summed over segments, indexed by month."""
        return self.monthly.groupby("month", sort=True)[column].sum()

    def grand_total(self, column: str) -> float:
        """``column`` summed over every month and segment (e.g. revenue over the horizon)."""
        return float(self.monthly[column].sum())


def simulate(business: Business, scenario: Scenario, *, terminal_value: bool = True) -> Projection:
    """Project customers, revenue, contribution and cash flow of ``scenario`` for ``business``.

    Parameters
    ----------
    business
        Segments, service operations and fee salience.
    scenario
        The decision: price change, fee, service budget, horizon and discount rate.
    terminal_value
        Compute the terminal value (the residual value of customers alive at the horizon);
        turning it off saves time in root finding, and reports 0.

    Returns
    -------
    Projection
        Monthly tidy frame by segment, service KPIs by month, per-segment summary and NPV.
    """
    service = quality_index(business.service, scenario)
    horizon = scenario.horizon_months
    x = 1.0 / (1.0 + monthly_discount_rate(scenario.annual_discount_rate))
    discount = x ** np.arange(horizon)
    flows = [_segment_flows(business, seg, scenario, service) for seg in business.segments]
    total_customers = np.sum([f.customers for f in flows], axis=0)
    spend = service["service_spend"].to_numpy()
    parts: dict[str, list[np.ndarray]] = {}
    rows = []
    npv = tv_total = 0.0
    for seg, f in zip(business.segments, flows, strict=True):
        # The service budget is shared by customers (the ratio, not 1 / total, cannot overflow).
        share = np.divide(
            f.customers, total_customers, out=np.zeros(horizon), where=total_customers > 0
        )
        seg_spend = spend * share
        cash_flow = f.contribution - f.acquisition_cost - seg_spend
        seg_npv = float(np.sum(cash_flow * discount))
        tv = 0.0
        clv_tail = 0.0
        if terminal_value:
            spend_per_customer = seg_spend[-1] / f.customers[-1] if f.customers[-1] > 0 else 0.0
            tv, clv_tail = _terminal_value(seg, f, spend_per_customer, x)
            tv *= discount[-1]
            clv_tail *= discount[-1]
        clv = float(np.sum(f.clv_margin * f.clv_survival * discount)) + clv_tail
        npv += seg_npv
        tv_total += tv
        columns = {
            "customers": f.customers,
            "paid_acquisitions": f.paid,
            "referral_acquisitions": f.referred,
            "churned": f.churned,
            "revenue_per_customer": np.divide(
                f.revenue, f.customers, out=np.zeros(horizon), where=f.customers > 0
            ),
            "revenue": f.revenue,
            "variable_cost": f.variable_cost,
            "contact_cost": f.contact_cost,
            "contribution": f.contribution,
            "acquisition_cost": f.acquisition_cost,
            "service_spend": seg_spend,
            "cash_flow": cash_flow,
            "discount_factor": discount,
        }
        for name, values in columns.items():
            parts.setdefault(name, []).append(values)
        rows.append(
            {
                "segment": seg.name,
                "customers_start": seg.base_customers,
                "customers_end": float(f.customers[-1]),
                "churned": float(f.churned.sum()),
                "revenue": float(f.revenue.sum()),
                "contribution": float(f.contribution.sum()),
                "cash_flow": float(cash_flow.sum()),
                "npv": seg_npv,
                "terminal_value": tv,
                "clv_new_customer": clv,
            }
        )
    # One frame from whole columns: far cheaper than a frame per segment and a concat.
    monthly = pd.DataFrame(
        {
            "segment": np.repeat([seg.name for seg in business.segments], horizon),
            "month": np.tile(np.arange(1, horizon + 1), len(business.segments)),
            **{name: np.concatenate(values) for name, values in parts.items()},
        }
    )
    return Projection(
        monthly=monthly,
        service=service,
        segments=pd.DataFrame(rows),
        npv=npv,
        terminal_value=tv_total,
    )


@dataclass(frozen=True)
class _Flows:
    customers: np.ndarray
    paid: np.ndarray
    referred: np.ndarray
    churned: np.ndarray
    revenue: np.ndarray
    variable_cost: np.ndarray
    contact_cost: np.ndarray
    contribution: np.ndarray
    acquisition_cost: np.ndarray
    # for the terminal value: per row (base tenures, paid cohorts, referred cohorts)
    alive_end: np.ndarray
    exposure_end: np.ndarray
    multiplier_end: np.ndarray
    margin_end: np.ndarray
    # for CLV: margin and survival of one paid customer acquired in month 1
    clv_margin: np.ndarray
    clv_survival: np.ndarray
    clv_row: int


def _segment_flows(
    business: Business, seg: Segment, scenario: Scenario, service: pd.DataFrame
) -> _Flows:
    horizon = scenario.horizon_months
    months = np.arange(1, horizon + 1)
    ops = business.service
    dq = service["quality_index"].to_numpy()
    m = scenario.price_change_month
    hazard = hazard_paths(
        scenario,
        dq,
        price_change=scenario.price_change,
        monthly_fee=scenario.monthly_fee,
        fee_salience=business.fee_salience,
        **{name: getattr(seg, name) for name in SEGMENT_HAZARD_FIELDS},
    )
    factor, fee = hazard.factor, hazard.fee
    kappa = shock_coefficient(seg)

    def multiplier(grandfathered: bool, shocked: bool, referred: bool, with_shock=True):
        # A prohibitive price overflows to an infinite multiplier: nobody stays (survival 0).
        with np.errstate(over="ignore"):
            return hazard.multiplier(
                kappa,
                grandfathered=grandfathered,
                shocked=shocked and with_shock,
                referred=referred,
            )

    # Existing base: all share one multiplier path; cohort n starts with exposure n.
    base_gf = scenario.grandfather_existing
    c_base = multiplier(base_gf, True, False)
    cum_base = np.cumsum(c_base)
    counts = np.asarray(seg.base_customers_by_tenure, dtype=float)
    tenure = np.arange(counts.size, dtype=float)
    base_surv = _survival(seg, tenure[:, None], cum_base[None, :])
    base_customers = counts @ base_surv if counts.size else np.zeros(horizon)

    # New cohorts: a cohort acquired in month a is grandfathered if a < m (and the option is on),
    # and has today's price as reference (so it is shocked at notice) if a < notice month.
    acquired = months
    gf_new = scenario.grandfather_existing & (acquired < m)
    shocked_new = acquired < scenario.notice_month
    surv, exposure_end, multiplier_end = {}, {}, {}
    for referred in (False, True):
        paths = {
            (gf, sh): multiplier(gf, sh, referred) for gf in (False, True) for sh in (False, True)
        }
        c_rows = np.stack(
            [paths[(bool(g), bool(s))] for g, s in zip(gf_new, shocked_new, strict=True)]
        )
        # A cohort acquired in month a accumulates the multipliers of months a + 1 on, summed
        # directly: as a difference of running totals, an infinite multiplier before it joins (a
        # prohibitive price overflows exp; survival is then 0) would give inf - inf = NaN.
        exposure = np.cumsum(np.where(months[None, :] > acquired[:, None], c_rows, 0.0), axis=1)
        active = months[None, :] >= acquired[:, None]
        alive = np.zeros_like(exposure)
        alive[active] = _survival(seg, 0.0, exposure[active])  # a cohort is 0 before it joins
        surv[referred] = alive
        exposure_end[referred] = exposure[:, -1]
        steady = {gf: multiplier(gf, False, referred, with_shock=False)[-1] for gf in (False, True)}
        multiplier_end[referred] = np.where(gf_new, steady[True], steady[False])

    paid = np.full(horizon, seg.paid_acquisitions_per_month)
    paid_customers = paid @ surv[False]
    customers = base_customers + paid_customers
    referral_rate = seg.referral_rate_per_month * (1.0 + ops.max_referral_uplift * dq)
    referred = np.zeros(horizon)
    previous = seg.base_customers
    for t in range(horizon):
        referred[t] = referral_rate[t] * previous
        customers[t:] += referred[t] * surv[True][t, t:]
        previous = customers[t]

    acquisitions = paid + referred
    before = np.concatenate(([seg.base_customers], customers[:-1]))
    churned = before + acquisitions - customers

    paid_counts = paid[:, None] * surv[False]
    ref_counts = referred[:, None] * surv[True]
    old_price = (base_customers if base_gf else 0.0) + (
        (paid_counts[gf_new] + ref_counts[gf_new]).sum(axis=0)
    )
    new_price = customers - old_price
    uplift = 1.0 + ops.max_arpu_uplift * dq
    rev_old = seg.arpu_per_month * uplift
    rev_new = seg.arpu_per_month * factor * uplift + fee
    revenue = old_price * rev_old + new_price * rev_new
    contact_per_customer = (
        service["contacts_per_customer"].to_numpy() * service["cost_per_contact"].to_numpy()
    )
    variable_cost = customers * seg.variable_cost_per_month
    contact_cost = customers * contact_per_customer
    contribution = revenue - variable_cost - contact_cost
    acquisition_cost = (
        paid * seg.acquisition_cost_per_customer + referred * seg.referral_reward_per_customer
    )

    margin_old = rev_old[-1] - seg.variable_cost_per_month - contact_per_customer[-1]
    margin_new = rev_new[-1] - seg.variable_cost_per_month - contact_per_customer[-1]
    c_base_end = multiplier(base_gf, True, False, with_shock=False)[-1]
    alive_end = np.concatenate((counts * base_surv[:, -1], paid_counts[:, -1], ref_counts[:, -1]))
    exposure_rows = np.concatenate((tenure + cum_base[-1], exposure_end[False], exposure_end[True]))
    multiplier_rows = np.concatenate(
        (np.full(counts.size, c_base_end), multiplier_end[False], multiplier_end[True])
    )
    margin_rows = np.where(gf_new, margin_old, margin_new)
    margin_end = np.concatenate(
        (np.full(counts.size, margin_old if base_gf else margin_new), margin_rows, margin_rows)
    )
    clv_margin = np.where(gf_new[0], rev_old, rev_new) - seg.variable_cost_per_month
    clv_margin = clv_margin - contact_per_customer
    return _Flows(
        customers=customers,
        paid=paid,
        referred=referred,
        churned=churned,
        revenue=revenue,
        variable_cost=variable_cost,
        contact_cost=contact_cost,
        contribution=contribution,
        acquisition_cost=acquisition_cost,
        alive_end=alive_end,
        exposure_end=exposure_rows,
        multiplier_end=multiplier_rows,
        margin_end=margin_end,
        clv_margin=clv_margin,
        clv_survival=surv[False][0],
        clv_row=counts.size,
    )


def _survival(seg: Segment, start_exposure, exposure) -> np.ndarray:
    """Share of a cohort with accumulated exposure ``start_exposure`` alive after ``exposure``."""
    if seg.constant_monthly_churn is not None:
        return np.exp(np.asarray(exposure) * math.log1p(-seg.constant_monthly_churn)) + 0.0 * (
            np.asarray(start_exposure)
        )
    return np.exp(log_survival_ratio(seg.sbg_alpha, seg.sbg_beta + start_exposure, exposure))


def _residual(seg: Segment, exposure: np.ndarray, multiplier: np.ndarray, x: float) -> np.ndarray:
    """Discounted further customer-months per customer alive at the horizon (after month H)."""
    if seg.constant_monthly_churn is not None:
        keep = np.exp(multiplier * math.log1p(-seg.constant_monthly_churn))
        return x * keep / (1.0 - x * keep)
    return residual_discounted_exposure(seg.sbg_alpha, seg.sbg_beta + exposure, multiplier, x)


def _terminal_value(
    seg: Segment, f: _Flows, spend_per_customer: float, x: float
) -> tuple[float, float]:
    """Residual value at month H of the customers alive then, and the residual of one CLV customer.

    Customers keep the hazard multiplier of month H without the price shock, their margin of
    month H less their share of the service budget (the programme continues); no new customers.
    """
    keep = f.alive_end > 1e-9 * max(1.0, float(f.alive_end.max(initial=0.0)))
    rows = np.flatnonzero(keep)
    # Rows nobody is left in (after a prohibitive price: infinite exposure) have no residual.
    clv_alive = f.clv_survival[-1] > 0
    if clv_alive and f.clv_row not in rows:
        rows = np.append(rows, f.clv_row)
    if rows.size == 0:
        return 0.0, 0.0
    residual = _residual(seg, f.exposure_end[rows], f.multiplier_end[rows], x)
    value = float(np.sum(f.alive_end[rows] * residual * (f.margin_end[rows] - spend_per_customer)))
    if not clv_alive:
        return value, 0.0
    clv_residual = residual[np.flatnonzero(rows == f.clv_row)[0]]
    clv_tail = float(f.clv_survival[-1] * clv_residual * f.clv_margin[-1])
    return value, clv_tail
