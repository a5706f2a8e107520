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
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from simulator.model.cohorts import ExactCohorts, mixture_log_kept, shock_multipliers
from simulator.model.params import Scenario, Segment


def reference_price_gaps(
    announced_index: ArrayLike, half_life_months: ArrayLike, threshold: ArrayLike = 0.0
) -> np.ndarray:
    """Shock gaps g_t for a customer whose reference price starts at today's price (index 1).

    Parameters
    ----------
    announced_index
        Price index the customer knows of in each month (1 = today's price), months on the last
        axis; leading axes (e.g. Monte Carlo draws) are computed side by side.
    half_life_months
        Half-life h of the reference-price adaptation: a number, or one per leading index
        (shape ``announced_index.shape[:-1] + (1,)``).
    threshold
        tau, in log-price units; a number or shaped like ``half_life_months``.
    """
    announced = np.asarray(announced_index, dtype=float)
    lam = 0.5 ** (1.0 / np.asarray(half_life_months, dtype=float))
    lam = np.broadcast_to(lam, announced.shape[:-1] + (1,))[..., 0]
    tau = np.broadcast_to(np.asarray(threshold, dtype=float), announced.shape[:-1] + (1,))[..., 0]
    gaps = np.empty_like(announced)
    ref = np.ones(announced.shape[:-1])
    for t in range(announced.shape[-1]):
        price = announced[..., t]
        gaps[..., t] = np.maximum(0.0, np.log(price / ref) - tau)
        ref = lam * ref + (1.0 - lam) * price
    return gaps


SEGMENT_HAZARD_FIELDS: tuple[str, ...] = (
    "arpu_per_month",
    "lasting_price_elasticity",
    "shock_half_life_months",
    "decrease_response_ratio",
    "price_threshold",
    "satisfaction_moderation",
    "max_service_churn_reduction",
    "uncontrollable_churn_share",
    "referred_churn_multiplier",
)
"""The :class:`simulator.model.params.Segment` fields :func:`hazard_paths` takes, by name."""


@dataclass(frozen=True)
class HazardPaths:
    """Month-by-month ingredients of a segment's hazard multipliers (model.md 2.4-2.5, 3.4).

    Arrays have months on the last axis; leading axes (draws) broadcast. ``factor`` and ``fee``
    are what a customer on the new price pays (list-price factor, currency a month);
    ``lasting``, ``shock`` (per unit of kappa) and ``service`` are log-hazard terms; ``u`` and
    ``log_phi`` the uncontrollable churn share and ln phi_ref.
    """

    factor: np.ndarray
    fee: np.ndarray
    lasting: np.ndarray
    shock_per_kappa: np.ndarray
    service: np.ndarray
    u: ArrayLike
    log_phi: ArrayLike

    def multiplier(
        self, kappa: ArrayLike, *, grandfathered: bool, shocked: bool, referred: bool
    ) -> np.ndarray:
        """c_t = u + (1 - u) exp(service + [lasting + [kappa shock]] + [ln phi_ref]).

        Grandfathered customers keep today's price (no price terms); ``shocked`` customers
        knew today's price, so the notice shock reaches them.
        """
        log_c = np.array(self.service, dtype=float, copy=True)
        if not grandfathered:
            log_c = log_c + self.lasting
            if shocked:
                log_c = log_c + np.asarray(kappa) * self.shock_per_kappa
        if referred:
            log_c = log_c + self.log_phi
        return self.u + (1.0 - np.asarray(self.u)) * np.exp(log_c)

    def multipliers(
        self, kappa: ArrayLike, keys: Iterable[tuple[bool, bool, bool]]
    ) -> dict[tuple[bool, bool, bool], np.ndarray]:
        """:meth:`multiplier` for several (grandfathered, shocked, referred) keys at once.

        The same values to rounding (exp(a + b) taken as exp(a) exp(b)), with one exponential
        per log-hazard term instead of one per key: what the Monte Carlo engine needs for its
        many draws x months.
        """
        keys = sorted(set(keys))
        u = np.asarray(self.u)
        service = np.exp(self.service)
        relative: dict[tuple[bool, bool], np.ndarray] = {(True, False): service}
        if any(not g for g, _, _ in keys):
            relative[(False, False)] = service * np.exp(self.lasting)
        if any(not g and s for g, s, _ in keys):
            shock = np.exp(np.asarray(kappa) * self.shock_per_kappa)
            relative[(False, True)] = relative[(False, False)] * shock
        phi = np.exp(np.asarray(self.log_phi))
        out = {}
        for key in keys:
            grandfathered, shocked, referred = key
            rel = relative[(grandfathered, shocked and not grandfathered)]
            out[key] = u + (1.0 - u) * (rel * phi if referred else rel)
        return out


def hazard_paths(
    scenario: Scenario,
    dq: np.ndarray,
    *,
    price_change: ArrayLike,
    monthly_fee: ArrayLike,
    fee_salience: ArrayLike,
    arpu_per_month: ArrayLike,
    lasting_price_elasticity: ArrayLike,
    shock_half_life_months: ArrayLike,
    decrease_response_ratio: ArrayLike,
    price_threshold: ArrayLike,
    satisfaction_moderation: ArrayLike,
    max_service_churn_reduction: ArrayLike,
    uncontrollable_churn_share: ArrayLike,
    referred_churn_multiplier: ArrayLike,
) -> HazardPaths:
    """Price paths and log-hazard terms of one segment under ``scenario``.

    The timing settings (change month, notice, phase-in) come from ``scenario``; the price
    change, fee and every segment parameter are given explicitly so that they may be numbers
    (one run) or (draws, 1) columns (many runs at once). ``dq`` is the quality index by month.
    The notice shock enters per unit of kappa and only when the price or fee changes.
    """
    months = np.arange(1, scenario.horizon_months + 1)
    m = scenario.price_change_month
    phase = np.clip((months - m + 1) / scenario.phase_in_months, 0.0, 1.0)
    factor = 1.0 + np.asarray(price_change) * phase
    fee = np.where(months >= m, monthly_fee, 0.0)
    changes = (np.asarray(price_change) != 0) | (np.asarray(monthly_fee) != 0)
    service = np.log1p(-np.asarray(max_service_churn_reduction)) * dq
    if not np.any(changes):
        # Today's price throughout (a baseline): no lasting response, no shock; the terms
        # below would be exactly 0 too (ln 1 = 0), at the cost of many logarithms.
        none = np.zeros(np.broadcast(service, np.asarray(lasting_price_elasticity)).shape)
        return HazardPaths(
            factor=factor,
            fee=fee,
            lasting=none,
            shock_per_kappa=none,
            service=service,
            u=uncontrollable_churn_share,
            log_phi=np.log(referred_churn_multiplier),
        )
    index = factor + np.asarray(fee_salience) * fee / arpu_per_month
    final_index = (
        1.0 + np.asarray(price_change) + np.asarray(fee_salience) * monthly_fee / arpu_per_month
    )
    announced = np.where(months >= scenario.notice_month, final_index, 1.0)
    gaps = reference_price_gaps(announced, shock_half_life_months, price_threshold)
    moderation = np.exp(-np.asarray(satisfaction_moderation) * dq)
    lasting = np.asarray(lasting_price_elasticity) * lasting_price_term(
        index, decrease_response_ratio, price_threshold, moderation
    )
    return HazardPaths(
        factor=factor,
        fee=fee,
        lasting=lasting,
        shock_per_kappa=changes * moderation * gaps,
        service=service,
        u=uncontrollable_churn_share,
        log_phi=np.log(referred_churn_multiplier),
    )


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


REFERENCE_PRICE_RISE = math.log(1.1)
"""The log price rise (+10 %) for which the notice-month extra churn is stated."""


def shock_coefficients(
    log_kept, extra_churn: ArrayLike, uncontrollable: ArrayLike, threshold: ArrayLike
) -> np.ndarray:
    """kappa per draw: log-hazard response to the reference-price gap (model.md 2.3 and 2.7).

    The stated extra churn ``extra_churn`` applies to the segment's existing base facing a +10 %
    increase: the one-month multiplier c that loses it (:func:`simulator.model.cohorts.
    shock_multipliers`, with ``log_kept`` the base's one-month survival) gives
    kappa = ln((c - u) / (1 - u)) / (ln 1.1 - tau); 0 where no extra churn is stated.
    """
    extra_churn = np.asarray(extra_churn, dtype=float).reshape(-1)
    u = np.broadcast_to(np.asarray(uncontrollable, dtype=float), extra_churn.shape)
    tau = np.broadcast_to(np.asarray(threshold, dtype=float), extra_churn.shape)
    kappa = np.zeros(extra_churn.size)
    rows = np.flatnonzero(extra_churn > 0)
    if rows.size:
        c = shock_multipliers(log_kept, extra_churn, rows)[rows]
        kappa[rows] = np.log((c - u[rows]) / (1.0 - u[rows])) / (REFERENCE_PRICE_RISE - tau[rows])
    return kappa


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

    def log_kept(c: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ones = np.ones(c.size)
        return mixture_log_kept(
            segment.sbg_alpha * ones,
            segment.sbg_beta * ones,
            segment.constant_monthly_churn,
            np.asarray(exposures, dtype=float),
            np.asarray(weights, dtype=float),
            c,
        )

    return float(shock_multipliers(log_kept, np.array([extra_churn]))[0])


def shock_coefficient(segment: Segment) -> float:
    """kappa of ``segment`` at its own values (:func:`shock_coefficients` for one draw, with
    the segment's base by tenure)."""
    cohorts = ExactCohorts(
        np.array([segment.sbg_alpha]),
        np.array([segment.sbg_beta]),
        segment.constant_monthly_churn,
        segment.base_customers_by_tenure,
    )
    return float(
        shock_coefficients(
            cohorts.base_log_kept,
            segment.notice_shock_churn_per_10pct,
            segment.uncontrollable_churn_share,
            segment.price_threshold,
        )[0]
    )
