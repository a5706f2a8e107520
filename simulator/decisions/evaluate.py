"""A scenario against its no-change baseline: deltas, who leaves, payback and break-even.

Both runs use the same business and settings, so every difference is caused by the scenario's
price, fee and service decisions (model.md sections 4.1, 4.3 and 4.5).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from simulator.model.engine import Projection, simulate
from simulator.model.finance import breakeven_volume_change, monthly_discount_rate
from simulator.model.params import Business, Scenario

BREAKEVEN_SCALE_MAX = 20.0
"""Largest multiple of the assumed elasticities searched for the break-even elasticity."""


@dataclass(frozen=True, kw_only=True)
class BreakEvenElasticity:
    """The lasting price elasticity at which the scenario's NPV equals the baseline's.

    The search scales every segment's elasticity by one factor k (their ratio stays as assumed).

    Attributes
    ----------
    status
        ``"found"``; ``"never_pays"`` (worse than the baseline even if no customer reacts
        lastingly); ``"always_pays"`` (still better at ``BREAKEVEN_SCALE_MAX`` times the assumed
        elasticities); ``"no_increase"`` (the scenario does not raise what customers pay).
    scale
        k at break-even when found, else None.
    elasticities
        Segment name -> break-even elasticity k * eta_s, when found.
    """

    status: str
    scale: float | None
    elasticities: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """A scenario, its baseline and what separates them.

    Attributes
    ----------
    scenario, baseline
        The two projections (the baseline is ``scenario.without_changes()``).
    monthly
        Both monthly frames stacked, with a ``case`` column ("baseline" or "scenario").
    segments
        One row per segment: ``segment``, ``customers_end_baseline``, ``customers_end_scenario``,
        ``customers_lost`` (baseline minus scenario at the horizon), ``extra_churned`` (extra
        customers who left over the horizon), ``value_lost`` (present value, at baseline
        contribution per customer, of the customer-months lost; negative when customers are
        gained), ``clv_baseline``, ``clv_scenario`` (per new customer), ``npv_baseline``,
        ``npv_scenario``.
    delta_npv, delta_npv_with_terminal_value
        Scenario minus baseline NPV (currency).
    payback_month
        First month from which the cumulative cash-flow difference stays at or above zero until
        the horizon; None if it ends below zero or nothing changes.
    roi
        delta NPV over the present value of the service budget; None without a service budget.
    breakeven_volume
        Static break-even volume change for the average price change (Nagle & Holden); None if
        what customers pay is unchanged.
    breakeven_elasticity
        See :class:`BreakEvenElasticity`.
    """

    scenario: Projection
    baseline: Projection
    monthly: pd.DataFrame
    segments: pd.DataFrame
    delta_npv: float
    delta_npv_with_terminal_value: float
    payback_month: int | None
    roi: float | None
    breakeven_volume: float | None
    breakeven_elasticity: BreakEvenElasticity

    @property
    def cumulative_cash_flow_difference(self) -> pd.Series:
        """Cumulative scenario-minus-baseline cash flow by month (undiscounted)."""
        return (self.scenario.total("cash_flow") - self.baseline.total("cash_flow")).cumsum()


def evaluate(business: Business, scenario: Scenario, *, breakeven: bool = True) -> Evaluation:
    """Project ``scenario`` and its no-change baseline and compare them.

    Parameters
    ----------
    breakeven
        Also root-find the break-even elasticity (about ten further simulations).
    """
    base = simulate(business, scenario.without_changes())
    scn = simulate(business, scenario)
    monthly = pd.concat(
        [base.monthly.assign(case="baseline"), scn.monthly.assign(case="scenario")],
        ignore_index=True,
    )
    diff = scn.total("cash_flow") - base.total("cash_flow")
    x = 1.0 / (1.0 + monthly_discount_rate(scenario.annual_discount_rate))
    spend = scn.service["service_spend"].to_numpy()
    spend_pv = float(np.sum(spend * x ** np.arange(spend.size)))
    delta = scn.npv - base.npv
    return Evaluation(
        scenario=scn,
        baseline=base,
        monthly=monthly,
        segments=_segments(base, scn),
        delta_npv=delta,
        delta_npv_with_terminal_value=scn.npv_with_terminal_value - base.npv_with_terminal_value,
        payback_month=payback_month(diff.cumsum().to_numpy()),
        roi=delta / spend_pv if spend_pv > 0 else None,
        breakeven_volume=_breakeven_volume(business, scenario),
        breakeven_elasticity=(
            breakeven_elasticity(business, scenario, baseline_npv=base.npv, scenario_npv=scn.npv)
            if breakeven
            else BreakEvenElasticity(status="not_computed", scale=None)
        ),
    )


def payback_month(cumulative_difference: np.ndarray) -> int | None:
    """First month (1-based) from which the cumulative difference stays >= 0 to the end."""
    cum = np.asarray(cumulative_difference, dtype=float)
    scale = max(1.0, float(np.max(np.abs(cum), initial=0.0)))
    if cum.size == 0 or np.all(np.abs(cum) <= 1e-9 * scale) or cum[-1] < 0:
        return None
    below = np.flatnonzero(cum < -1e-9 * scale)
    return 1 if below.size == 0 else int(below[-1]) + 2


def breakeven_elasticity(
    business: Business,
    scenario: Scenario,
    *,
    baseline_npv: float | None = None,
    scenario_npv: float | None = None,
) -> BreakEvenElasticity:
    """Root-find the common scale k of the lasting elasticities at which delta NPV = 0.

    delta NPV (over the horizon, without terminal value) falls as k rises for a price increase,
    so the root is unique when it exists (model.md section 4.3). The scenario itself is k = 1,
    so its NPV (when given) brackets the root on one side without another simulation.
    """
    if scenario.price_change <= 0 and scenario.monthly_fee <= 0:
        return BreakEvenElasticity(status="no_increase", scale=None)
    if baseline_npv is None:
        baseline_npv = simulate(business, scenario.without_changes(), terminal_value=False).npv

    def delta(k: float) -> float:
        scaled = replace(
            business,
            segments=tuple(
                replace(s, lasting_price_elasticity=k * s.lasting_price_elasticity)
                for s in business.segments
            ),
        )
        return simulate(scaled, scenario, terminal_value=False).npv - baseline_npv

    at_one = delta(1.0) if scenario_npv is None else scenario_npv - baseline_npv
    if at_one > 0:
        if delta(BREAKEVEN_SCALE_MAX) >= 0:
            return BreakEvenElasticity(status="always_pays", scale=None)
        bracket = (1.0, BREAKEVEN_SCALE_MAX)
    else:
        if delta(0.0) <= 0:
            return BreakEvenElasticity(status="never_pays", scale=None)
        bracket = (0.0, 1.0)
    k = float(brentq(delta, *bracket, xtol=1e-4, rtol=1e-6))
    return BreakEvenElasticity(
        status="found",
        scale=k,
        elasticities=tuple((s.name, k * s.lasting_price_elasticity) for s in business.segments),
    )


def _breakeven_volume(business: Business, scenario: Scenario) -> float | None:
    if not scenario.changes_price:
        return None
    ops = business.service
    contact = (
        ops.issues_per_customer_month
        / ops.first_contact_resolution
        * ops.handling_time_minutes
        * ops.cost_per_handling_minute
    )
    weights = np.array([s.base_customers for s in business.segments])
    arpu = np.array([s.arpu_per_month for s in business.segments])
    margin = arpu - np.array([s.variable_cost_per_month for s in business.segments]) - contact
    revenue = float(weights @ arpu)
    if revenue <= 0:
        return None
    change = float(weights @ (scenario.price_change * arpu + scenario.monthly_fee)) / revenue
    cm = float(weights @ margin) / revenue
    if cm + change <= 0:
        return None
    return breakeven_volume_change(change, cm)


def _segments(base: Projection, scn: Projection) -> pd.DataFrame:
    rows = []
    for (name, b), (_, s) in zip(
        base.monthly.groupby("segment", sort=False),
        scn.monthly.groupby("segment", sort=False),
        strict=True,
    ):
        b_margin = np.divide(
            b["contribution"].to_numpy(),
            b["customers"].to_numpy(),
            out=np.zeros(len(b)),
            where=b["customers"].to_numpy() > 0,
        )
        lost = b["customers"].to_numpy() - s["customers"].to_numpy()
        bs = base.segments.set_index("segment").loc[name]
        ss = scn.segments.set_index("segment").loc[name]
        rows.append(
            {
                "segment": name,
                "customers_end_baseline": bs["customers_end"],
                "customers_end_scenario": ss["customers_end"],
                "customers_lost": bs["customers_end"] - ss["customers_end"],
                "extra_churned": ss["churned"] - bs["churned"],
                "value_lost": float(np.sum(lost * b_margin * b["discount_factor"].to_numpy())),
                "clv_baseline": bs["clv_new_customer"],
                "clv_scenario": ss["clv_new_customer"],
                "npv_baseline": bs["npv"],
                "npv_scenario": ss["npv"],
            }
        )
    return pd.DataFrame(rows)
