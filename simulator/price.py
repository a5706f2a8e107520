"""How a price or fee change enters churn (model.md section 2.5).

The log-hazard contribution of price for a segment in month t is

    eta * (m_t [ln pi_t - tau]^+ + a [ln pi_t]^-)  +  kappa m_t g_t,   m_t = exp(-psi dQ_t)

* the lasting term uses the price index pi_t = P_t / P_0 (the threshold tau is the latitude of
  acceptance: increases inside it provoke no lasting response either);
* the transient "jump-ship" term uses the gap g_t = max(0, ln(P_ann,t / R_t) - tau) between the
  announced price and a reference price that adapts by exponential smoothing,
  R_t+1 = lambda R_t + (1 - lambda) P_ann,t, lambda = 0.5 ** (1 / h) (Briesch et al. 1997);
* m_t is the satisfaction moderation of model.md 2.5 item 5, applied to increases and shocks;
* kappa comes from the executive-facing "extra churn in the notice month per +10 % increase"
  by root finding (model.md sections 2.3 and 2.7).

References
----------
Kalyanaram, G., Winer, R. (1995); Tversky, A., Kahneman, D. (1991); Homburg, C. et al. (2005).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from simulator.params import Segment
from simulator.sbg import log_survival_ratio


def reference_price_gaps(
    announced_index: ArrayLike, half_life_months: float, threshold: float = 0.0
) -> np.ndarray:
    """Shock gaps g_t for a customer whose reference price starts at today's price (index 1).

    Parameters
    ----------
    announced_index
        Price index the customer knows of in each month (1 = today's price).
    half_life_months
        Half-life h of the reference-price adaptation.
    threshold
        tau, in log-price units.
    """
    announced = np.asarray(announced_index, dtype=float)
    lam = 0.5 ** (1.0 / half_life_months)
    gaps = np.empty_like(announced)
    ref = 1.0
    for t, price in enumerate(announced):
        gaps[t] = max(0.0, math.log(price / ref) - threshold)
        ref = lam * ref + (1.0 - lam) * price
    return gaps


def lasting_price_term(
    index: ArrayLike,
    decrease_response_ratio: float,
    threshold: float,
    moderation: ArrayLike = 1.0,
) -> np.ndarray:
    """Lasting log-price response per unit of elasticity: m [ln pi - tau]^+ + a [ln pi]^-.

    ``moderation`` m = exp(-psi dQ) weakens the response to increases only: satisfaction
    softens the blow of a price increase (Homburg et al. 2005) but does not make a price cut
    less welcome, so more service never raises churn.
    """
    log_pi = np.log(np.asarray(index, dtype=float))
    rise = np.maximum(log_pi - threshold, 0.0)
    return np.asarray(moderation) * rise + decrease_response_ratio * np.minimum(log_pi, 0.0)


def shock_multiplier_for_extra_churn(
    segment: Segment, extra_churn: float, exposures: ArrayLike, weights: ArrayLike
) -> float:
    """Hazard multiplier c for one month that loses ``extra_churn`` more of a customer base.

    Solves sum_j w_j S_j(c) = (1 - s) sum_j w_j S_j(1), where S_j(c) is the one-month survival of
    customers with accumulated exposure C_j under multiplier c (model.md section 2.3). For a
    homogeneous base with churn p this is c = 1 + ln(1 - s) / ln(1 - p).
    """
    if extra_churn <= 0:
        return 1.0
    exposures = np.asarray(exposures, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if exposures.size == 0 or weights.sum() <= 0:
        exposures, weights = np.zeros(1), np.ones(1)

    def kept(c: float) -> float:
        return float(np.sum(weights * np.exp(one_month_log_survival(segment, exposures, c))))

    target = (1.0 - extra_churn) * kept(1.0)
    hi = 2.0
    while kept(hi) > target:
        hi *= 2.0
        if hi > 1e9:
            raise ValueError(f"no finite shock reproduces extra churn {extra_churn}")
    return float(brentq(lambda c: kept(c) - target, 1.0, hi, xtol=1e-12, rtol=1e-12))


def one_month_log_survival(
    segment: Segment, exposure: ArrayLike, multiplier: ArrayLike
) -> np.ndarray:
    """ln of the share surviving one month with hazard multiplier c, after exposure C."""
    exposure = np.asarray(exposure, dtype=float)
    multiplier = np.asarray(multiplier, dtype=float)
    if segment.constant_monthly_churn is not None:
        return multiplier * math.log1p(-segment.constant_monthly_churn) + 0.0 * exposure
    return log_survival_ratio(segment.sbg_alpha, segment.sbg_beta + exposure, multiplier)


def shock_coefficient(segment: Segment) -> float:
    """kappa: log-hazard response to the reference-price gap, from the notice-month extra churn.

    The stated extra churn applies to the segment's existing base (weighted by tenure) facing a
    +10 % increase; kappa = ln((c - u) / (1 - u)) / g_1 with g_1 = ln 1.1 - tau (model.md 2.7).
    """
    if segment.notice_shock_churn_per_10pct <= 0:
        return 0.0
    return _shock_coefficient(
        segment.sbg_alpha,
        segment.sbg_beta,
        segment.constant_monthly_churn,
        segment.base_customers_by_tenure,
        segment.notice_shock_churn_per_10pct,
        segment.uncontrollable_churn_share,
        segment.price_threshold,
    )


@lru_cache(maxsize=256)
def _shock_coefficient(
    alpha: float,
    beta: float,
    constant_monthly_churn: float | None,
    base: tuple[float, ...],
    extra_churn: float,
    uncontrollable: float,
    threshold: float,
) -> float:
    """The root finding behind :func:`shock_coefficient`, memoised on what kappa depends on
    (the break-even search re-simulates with other elasticities but the same kappa)."""
    segment = Segment(
        name="shock",
        arpu_per_month=1.0,
        variable_cost_per_month=0.0,
        sbg_alpha=alpha,
        sbg_beta=beta,
        constant_monthly_churn=constant_monthly_churn,
    )
    counts = np.asarray(base, dtype=float)
    c = shock_multiplier_for_extra_churn(segment, extra_churn, np.arange(counts.size), counts)
    return math.log((c - uncontrollable) / (1.0 - uncontrollable)) / (math.log(1.1) - threshold)
