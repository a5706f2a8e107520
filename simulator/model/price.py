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
    "market_price_ratio",
    "wtp_median",
    "wtp_log_sd",
    "wtp_exit_half_life_months",
)
"""The :class:`simulator.model.params.Segment` fields :func:`hazard_paths` takes, by name."""


@dataclass(frozen=True)
class HazardPaths:
    """Month-by-month ingredients of a segment's hazard multipliers (model.md 2.4-2.5, 3.4).

    Arrays have months on the last axis; leading axes (draws) broadcast. ``factor`` and ``fee``
    are what a customer on the new price pays (list-price factor, currency a month);
    ``lasting``, ``shock_per_kappa`` (the notice gap per unit of kappa), ``service`` and
    ``congestion`` (the contact wave's overload of the desk) are log-hazard terms; ``u`` and
    ``log_phi`` the uncontrollable churn share and ln phi_ref; ``shock_cap`` L = ln M_s bounds
    the notice shock (inf: unbounded). ``acquisition_index`` is the price prospects are told
    relative to the market (fee at face value); ``reservation_survival`` G_t the share of
    customers who knew today's price not yet gone because a rise crossed their reservation
    price (1 throughout without reservation prices or a rise).
    """

    factor: np.ndarray
    fee: np.ndarray
    lasting: np.ndarray
    shock_per_kappa: np.ndarray
    service: np.ndarray
    congestion: np.ndarray
    u: ArrayLike
    log_phi: ArrayLike
    shock_cap: ArrayLike
    acquisition_index: np.ndarray
    reservation_survival: np.ndarray

    def shock(self, kappa: ArrayLike) -> np.ndarray:
        """Log-hazard of the notice shock: L tanh(kappa g / L) (kappa g where L is infinite).

        The shock is a salience effect, a prompt to re-decide, and its measured size is bounded
        (x1.56 in Ascarza et al. 2016, about x2 in Einav et al. 2023); beyond it, the size of
        a rise acts through reservation prices."""
        x = np.asarray(kappa) * self.shock_per_kappa
        cap = np.asarray(self.shock_cap, dtype=float)
        if np.all(np.isinf(cap)):
            return x
        with np.errstate(invalid="ignore", divide="ignore"):
            bounded = cap * np.tanh(x / cap)
        return np.where(np.isinf(cap), x, bounded)

    def multiplier(
        self,
        kappa: ArrayLike,
        *,
        grandfathered: bool,
        shocked: bool,
        referred: bool,
        price: bool = True,
    ) -> np.ndarray:
        """c_t = u + (1 - u) exp(service + congestion + [lasting + [shock]] + [ln phi_ref]).

        Grandfathered customers keep today's price (no price terms); ``shocked`` customers
        knew today's price, so the notice shock reaches them. ``price=False`` gives the
        price-free counterfactual of the same customers (service and referral terms only): the
        churn above it is price-driven.
        """
        return self.multipliers(kappa, [(grandfathered, shocked, referred)], price=price)[
            (grandfathered, shocked, referred)
        ]

    def multipliers(
        self, kappa: ArrayLike, keys: Iterable[tuple[bool, bool, bool]], *, price: bool = True
    ) -> dict[tuple[bool, bool, bool], np.ndarray]:
        """:meth:`multiplier` for several (grandfathered, shocked, referred) keys at once, with
        one exponential per log-hazard term instead of one per key (what many draws x months
        need); the same values to rounding (exp(a + b) taken as exp(a) exp(b))."""
        keys = sorted(set(keys))
        u = np.asarray(self.u)
        service = np.exp(self.service)
        if not price:
            relative = {(g, s): service for g in (False, True) for s in (False, True)}
        else:
            today = service * np.exp(self.congestion) if self.congestion.any() else service
            relative = {(True, False): today, (True, True): today}
            if any(not g for g, _, _ in keys):
                relative[(False, False)] = today * np.exp(self.lasting)
            if any(not g and s for g, s, _ in keys):
                relative[(False, True)] = relative[(False, False)] * np.exp(self.shock(kappa))
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
    market_price_ratio: ArrayLike = 1.0,
    wtp_median: ArrayLike | None = None,
    wtp_log_sd: ArrayLike = 0.3,
    wtp_exit_half_life_months: ArrayLike = 1.2,
    market_price_change: ArrayLike = 0.0,
    market_price_change_month: int = 1,
    notice_multiplier_cap: ArrayLike | None = None,
    log_hazard_per_gap_overload: ArrayLike = 0.0,
    contacts_log_hazard: ArrayLike = 0.0,
) -> HazardPaths:
    """Price paths and log-hazard terms of one segment under ``scenario``.

    The timing settings (change month, notice, phase-in) come from ``scenario``; the price
    change, fee and every other parameter are given explicitly so that they may be numbers
    (one run) or (draws, 1) columns (many runs at once). ``dq`` is the quality index by month.

    Every price is relative to the market reference price M_t = 1 + mu [t >= m_M], which moves
    in doing nothing too. Existing customers weigh a fee ``fee_salience`` times its money
    (fairness); prospects see it at face value. The notice shock and the reservation-price
    exits reach only customers who knew today's price. ``log_hazard_per_gap_overload`` turns
    the notice gap into the desk's overload and its churn (0: no contact wave).
    ``notice_multiplier_cap`` is M_s (None, or inf, for an unbounded shock);
    ``contacts_log_hazard`` is gamma_K times the change in contacts per customer-month. The
    defaults of the reservation-price, market, cap, wave and contacts arguments switch those
    terms off.
    """
    months = np.arange(1, scenario.horizon_months + 1)
    m = scenario.price_change_month
    phase = np.clip((months - m + 1) / scenario.phase_in_months, 0.0, 1.0)
    factor = 1.0 + np.asarray(price_change) * phase
    fee = np.where(months >= m, monthly_fee, 0.0)
    market = 1.0 + np.asarray(market_price_change) * (months >= market_price_change_month)
    changes = (
        (np.asarray(price_change) != 0)
        | (np.asarray(monthly_fee) != 0)
        | (np.asarray(market_price_change) != 0)
    )
    # Service: satisfaction lowers controllable churn (gamma dQ), and fewer contacts per customer
    # lower it too where the planner's data measured a contacts-to-churn link.
    service = np.log1p(-np.asarray(max_service_churn_reduction)) * dq + contacts_log_hazard
    told = months >= scenario.notice_month
    face = 1.0 + np.asarray(price_change) + np.asarray(monthly_fee) / np.asarray(arpu_per_month)
    acquisition_index = np.where(told, face, 1.0) / market
    cap = notice_cap(notice_multiplier_cap)
    none = np.zeros(np.broadcast(service, np.asarray(lasting_price_elasticity)).shape)
    if not np.any(changes):
        # Today's price throughout (a baseline): no lasting response, no shock, no exits; the
        # terms below would be exactly 0 too (ln 1 = 0), at the cost of many logarithms.
        return HazardPaths(
            factor=factor,
            fee=fee,
            lasting=none,
            shock_per_kappa=none,
            service=service,
            congestion=none,
            u=uncontrollable_churn_share,
            log_phi=np.log(referred_churn_multiplier),
            shock_cap=cap,
            acquisition_index=np.broadcast_to(acquisition_index, none.shape),
            reservation_survival=none + 1.0,
        )
    index = (factor + np.asarray(fee_salience) * fee / arpu_per_month) / market
    final_index = (
        1.0 + np.asarray(price_change) + np.asarray(fee_salience) * monthly_fee / arpu_per_month
    )
    announced = np.where(told, final_index, 1.0) / market
    gaps = reference_price_gaps(announced, shock_half_life_months, price_threshold)
    moderation = np.exp(-np.asarray(satisfaction_moderation) * dq)
    lasting = np.asarray(lasting_price_elasticity) * lasting_price_term(
        index, decrease_response_ratio, price_threshold, moderation
    )
    shock_gap = changes * moderation * gaps
    if wtp_median is None:
        kept = none + 1.0
    else:
        kept = reservation_survival(
            announced,
            index,
            moderation,
            market_price_ratio,
            wtp_median,
            wtp_log_sd,
            wtp_exit_half_life_months,
        )
    return HazardPaths(
        factor=factor,
        fee=fee,
        lasting=lasting,
        shock_per_kappa=shock_gap,
        service=service,
        congestion=np.asarray(log_hazard_per_gap_overload) * shock_gap,
        u=uncontrollable_churn_share,
        log_phi=np.log(referred_churn_multiplier),
        shock_cap=cap,
        acquisition_index=np.broadcast_to(acquisition_index, none.shape),
        reservation_survival=np.broadcast_to(kept, none.shape),
    )


def conversion_factor(index: ArrayLike, elasticity: ArrayLike, share: ArrayLike) -> np.ndarray:
    """rho(x) = s(x) / s0: conversions at relative price x against today's (x = 1).

    A logit share against the market, s(x) = 1 / (1 + o exp(b (x - 1))) with o = (1 - s0) / s0
    and b = -epsilon_a / (1 - s0), so that d ln s / d ln x = epsilon_a at x = 1 (the published
    brand-choice elasticities: Tellis 1988; Bijmolt, van Heerde & Pieters 2005). rho(1) = 1
    exactly and epsilon_a = 0 gives 1; a deep cut can at most multiply conversions by 1 / s0,
    and a large rise removes them faster than any power of the price.
    """
    x = np.asarray(index, dtype=float)
    share = np.asarray(share, dtype=float)
    b = -np.asarray(elasticity, dtype=float) / (1.0 - share)
    odds = (1.0 - share) / share
    with np.errstate(over="ignore"):
        return (1.0 + odds) / (1.0 + odds * np.exp(b * (x - 1.0)))


def exceeded_share(
    index: ArrayLike, market_price_ratio: ArrayLike, median: ArrayLike, log_sd: ArrayLike
) -> np.ndarray:
    """X(pi): share of today's customers whose reservation price is below pi x today's price.

    Reservation prices W relative to the market reference price are LogNormal(ln median,
    log_sd); today's customers pay today's price, so their W is at least r0
    (``market_price_ratio``): X = [Phi(z(r0 pi)) - Phi(z(r0))]^+ / (1 - Phi(z(r0))) with
    z(v) = (ln v - ln median) / log_sd. X = 0 for pi <= 1: a decrease, or no change, crosses
    nobody's reservation price. 1 - X is taken as a ratio of upper tails, in logs, so it keeps
    its precision far above everyone's reservation price.
    """
    from scipy.special import log_ndtr

    r0 = np.log(np.asarray(market_price_ratio, dtype=float))
    mu, sd = np.log(np.asarray(median, dtype=float)), np.asarray(log_sd, dtype=float)
    z0 = (r0 - mu) / sd
    z = (r0 + np.maximum(np.log(np.asarray(index, dtype=float)), 0.0) - mu) / sd
    kept = np.exp(log_ndtr(-z) - log_ndtr(-z0))
    return np.where(z > z0, np.clip(1.0 - kept, 0.0, 1.0), 0.0)


def reservation_survival(
    announced: ArrayLike,
    charged: ArrayLike,
    moderation: ArrayLike,
    market_price_ratio: ArrayLike,
    median: ArrayLike,
    log_sd: ArrayLike,
    half_life_months: ArrayLike,
) -> np.ndarray:
    """G_t: share of customers who knew today's price not yet gone for their reservation price.

    ``announced`` and ``charged`` are the price indices told and paid (relative to the
    market). Rises are moderated like the other rise terms (pi ** m_t: satisfaction softens a
    rise), and exceeded shares taken at their running maximum (a customer who has left does not
    come back when satisfaction improves). From the notice, customers told of a price above
    their reservation price leave at 1 - lambda_w a month of those pending; nobody pays more
    than their reservation price, so whoever the charged price exceeds has left by then:
    E_t = max(E_t-1 + (1 - lambda_w)(Xbar_told,t - E_t-1), Xbar_charged,t), G_t = 1 - E_t,
    lambda_w = 0.5 ** (1 / h_w). Reservation prices are independent of the churn propensity
    theta, so the exits thin every tenure alike and the Beta mixture of the survivors is kept.
    """

    def exceeded(index: ArrayLike) -> np.ndarray:
        index = np.asarray(index, dtype=float)
        effective = np.exp(np.asarray(moderation) * np.maximum(np.log(index), 0.0))
        x = exceeded_share(effective, market_price_ratio, median, log_sd)
        shape = np.broadcast(x, index, np.asarray(moderation)).shape
        return np.maximum.accumulate(np.broadcast_to(x, shape), axis=-1)

    told = exceeded(announced)
    paid = np.broadcast_to(exceeded(charged), told.shape)
    lam = 0.5 ** (1.0 / np.asarray(half_life_months, dtype=float))
    lam = np.broadcast_to(lam, told.shape[:-1] + (1,))[..., 0]
    out = np.empty_like(told)
    gone = np.zeros(told.shape[:-1])
    for t in range(told.shape[-1]):
        gone = np.maximum(gone + (1.0 - lam) * (told[..., t] - gone), paid[..., t])
        out[..., t] = 1.0 - gone
    return out


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
    log_kept,
    extra_churn: ArrayLike,
    uncontrollable: ArrayLike,
    threshold: ArrayLike,
    cap: ArrayLike = np.inf,
) -> np.ndarray:
    """kappa per draw: log-hazard response to the reference-price gap (model.md 2.3 and 2.7).

    The stated extra churn ``extra_churn`` applies to the segment's existing base facing a +10 %
    increase: the one-month multiplier c that loses it (:func:`simulator.model.cohorts.
    shock_multipliers`, with ``log_kept`` the base's one-month survival) gives
    kappa = ln((c - u) / (1 - u)) / (ln 1.1 - tau); 0 where no extra churn is stated. With a
    bounded shock (``cap`` L = ln M_s finite) the log-multiplier y = ln((c - u) / (1 - u)) is
    L tanh(kappa g_1 / L), so kappa = L atanh(y / L) / g_1; a stated shock at or above the bound
    saturates it.
    """
    extra_churn = np.asarray(extra_churn, dtype=float).reshape(-1)
    u = np.broadcast_to(np.asarray(uncontrollable, dtype=float), extra_churn.shape)
    tau = np.broadcast_to(np.asarray(threshold, dtype=float), extra_churn.shape)
    kappa = np.zeros(extra_churn.size)
    rows = np.flatnonzero(extra_churn > 0)
    if rows.size:
        c = shock_multipliers(log_kept, extra_churn, rows)[rows]
        y = np.log((c - u[rows]) / (1.0 - u[rows]))
        bound = np.broadcast_to(np.asarray(cap, dtype=float), extra_churn.shape)[rows]
        finite = np.isfinite(bound)
        if finite.any():
            ratio = np.minimum(y[finite] / bound[finite], 1.0 - 1e-9)
            y[finite] = bound[finite] * np.arctanh(ratio)
        kappa[rows] = y / (REFERENCE_PRICE_RISE - tau[rows])
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
            notice_cap(segment.notice_multiplier_cap),
        )[0]
    )


def notice_cap(notice_multiplier_cap: ArrayLike | None) -> np.ndarray:
    """L = ln M_s, the bound of the notice shock's log-multiplier (inf when unbounded)."""
    if notice_multiplier_cap is None:
        return np.asarray(np.inf)
    return np.log(np.asarray(notice_multiplier_cap, dtype=float))
