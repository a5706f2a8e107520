"""The rise under test: what a price test measures, and what the rise is worth per draw.

Helpers of :mod:`simulator.decisions.price_test` and :mod:`simulator.decisions.price_test_readout`:

* :class:`RiseUnderTest` maps the engine's lasting elasticity eta to what the PH-sBG estimator
  of a test reads (the log hazard per unit of log price, whole hazard) and back, at the size of
  the tested rise, with the segment's latitude tau and uncontrollable share u;
* :func:`rise_values` is the value of the rise per Monte Carlo draw, V = NPV(scenario) - NPV(the
  scenario without its price change and fee), with common random numbers;
* :func:`tested_customers` runs the engine on one segment's existing customers alone, for the
  money of the customers a test gives the new price;
* :func:`normal_score` standardises drawn values to the normal scores the preposterior uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import betainc, ndtri

from simulator.decisions.priors import ParameterDraws, Prior
from simulator.model.engine import quadrature_of, simulate_draws
from simulator.model.finance import monthly_discount_rate
from simulator.model.params import Business, Scenario, Segment


def elasticity_path(segment: str) -> str:
    """The dotted path of a segment's lasting price elasticity."""
    return f"segments.{segment}.lasting_price_elasticity"


@dataclass(frozen=True, kw_only=True)
class RiseUnderTest:
    """The rise a test gives one segment's customers.

    Attributes
    ----------
    log_price_ratio
        l = ln(new / old money paid a month): what the price history shows and the estimator
        divides by (a fee counted at face value).
    felt_log_price
        What the lasting churn term responds to: ln of the price index with the fee weighted by
        its fairness, less the latitude tau (0 when the rise is within it).
    uncontrollable_share
        u: the share of churn no price moves.
    """

    log_price_ratio: float
    felt_log_price: float
    uncontrollable_share: float

    def measured(self, elasticity: np.ndarray | float) -> np.ndarray:
        """b: the log hazard per unit of log price the estimator reads for the engine's eta,
        ln(u + (1 - u) exp(eta felt)) / l (no service moderation during the test)."""
        eta = np.asarray(elasticity, dtype=float)
        u = self.uncontrollable_share
        return np.log(u + (1.0 - u) * np.exp(eta * self.felt_log_price)) / self.log_price_ratio

    def elasticity(self, measured: np.ndarray | float) -> np.ndarray:
        """The engine's eta for a measured b (the inverse of :meth:`measured`; 0 where the
        measured response is no rise in churn, or the rise is within the latitude)."""
        b = np.asarray(measured, dtype=float)
        u = self.uncontrollable_share
        ratio = np.exp(b * self.log_price_ratio)
        if self.felt_log_price <= 0:
            return np.zeros_like(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.log(np.maximum((ratio - u) / (1.0 - u), 1.0)) / self.felt_log_price
        return np.where(ratio > 1.0, eta, 0.0)


def rise_under_test(business: Business, scenario: Scenario, segment: Segment) -> RiseUnderTest:
    """The rise ``scenario`` gives ``segment``'s existing customers (see :class:`RiseUnderTest`)."""
    fee_share = scenario.monthly_fee / segment.arpu_per_month
    face = 1.0 + scenario.price_change + fee_share
    felt = 1.0 + scenario.price_change + business.fee_salience * fee_share
    log_face = math.log(face) if face > 0 else -math.inf
    return RiseUnderTest(
        log_price_ratio=log_face,
        felt_log_price=max(0.0, math.log(felt) - segment.price_threshold) if felt > 0 else 0.0,
        uncontrollable_share=segment.uncontrollable_churn_share,
    )


def without_rise(scenario: Scenario) -> Scenario:
    """The scenario without its price change and fee (the service budget and settings kept):
    what the rise is compared with."""
    return scenario.with_changes(price_change=0.0, monthly_fee=0.0)


def rise_values(business: Business, scenario: Scenario, parameters: ParameterDraws) -> np.ndarray:
    """V per draw: NPV of ``scenario`` minus NPV of :func:`without_rise` (same draws: common
    random numbers; over the horizon, without terminal value), currency."""
    nodes = quadrature_of(business, scenario, parameters.values, draws=parameters.draws)

    def npv(s: Scenario) -> np.ndarray:
        return simulate_draws(
            business,
            s,
            parameters.values,
            service_works=parameters.service_works,
            quadrature=nodes,
        ).npv

    return npv(scenario) - npv(without_rise(scenario))


def normal_score(prior: Prior, values: np.ndarray) -> np.ndarray:
    """The normal score z of each drawn value under ``prior`` (the inverse of its
    :meth:`~simulator.decisions.priors.Prior.ppf` at full width): log-normal, normal and beta
    priors."""
    v = np.asarray(values, dtype=float)
    if prior.family == "lognormal":
        sd = prior.parameters[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log((v - prior.offset) / (prior.median - prior.offset)) / sd
    if prior.family == "normal":
        return (v - prior.median) / prior.parameters[0]
    if prior.family == "beta":
        q = np.clip(betainc(prior.parameters[0], prior.parameters[1], v), 1e-12, 1 - 1e-12)
        return ndtri(q)
    raise ValueError(f"no normal score for a {prior.family} prior ({prior.path})")


def tested_customers(
    business: Business,
    scenario: Scenario,
    no_rise: Scenario,
    parameters: ParameterDraws,
    name: str,
    months: Sequence[int],
) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """The rise on the existing customers of segment ``name`` alone, per draw, if every one of
    them were tested: its value when kept (W), and per test length its cost when withdrawn after
    the test (the extra churn valued at the margin the customers lost would have brought, less
    the extra margin the others paid) with the customers lost.

    The engine runs on the existing base alone: no acquisitions, no referrals, and no overload
    of the desk, which a small test does not cause."""
    segment = business.segment(name)
    alone = replace(business, segments=(segment,), core_segment=name)
    n = parameters.draws
    values = dict(parameters.values)
    for field in ("paid_acquisitions_per_month", "referral_rate_per_month"):
        values[f"segments.{name}.{field}"] = np.zeros(n)
    values["service.overload_churn_increase"] = np.zeros(n)
    nodes = quadrature_of(alone, scenario, values, draws=n)
    rise = simulate_draws(
        alone, scenario, values, service_works=parameters.service_works, quadrature=nodes
    )
    none = simulate_draws(
        alone, no_rise, values, service_works=parameters.service_works, quadrature=nodes
    )
    x = 1.0 / (1.0 + monthly_discount_rate(scenario.annual_discount_rate))
    discount = x ** np.arange(scenario.horizon_months)
    gained = (rise.contribution - none.contribution) * discount
    out = {}
    for m in months:
        end = scenario.price_change_month + int(m) - 1  # last month at the new price (1-based)
        alive = none.customers[:, 0, end - 1]
        lost = alive - rise.customers[:, 0, end - 1]
        later = (none.contribution[:, end:] * discount[end:]).sum(axis=1)
        per_customer = np.divide(later, alive, out=np.zeros(n), where=alive > 0)
        out[int(m)] = (lost * per_customer - gained[:, :end].sum(axis=1), lost)
    return gained.sum(axis=1), out


__all__ = [
    "RiseUnderTest",
    "elasticity_path",
    "normal_score",
    "rise_under_test",
    "rise_values",
    "tested_customers",
    "without_rise",
]
