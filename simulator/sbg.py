"""Shifted-beta-geometric (sBG) retention, with proportional-hazard multipliers.

Each customer churns each period with a personal probability theta, theta ~ Beta(alpha, beta).
With a hazard multiplier c_t in period t, a customer is retained with probability
(1 - theta) ** c_t, so after an accumulated exposure C = sum(c_u) the survivor share is
S(C) = B(alpha, beta + C) / B(alpha, beta) (model.md section 2.3). With c = 1, C = t and this is
the sBG of Fader & Hardie (2007).

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
Fader, P., Hardie, B. (2010). Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity. Marketing Science 29(1), 85-93.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1


def log_survival_ratio(alpha: float, b: ArrayLike, exposure: ArrayLike) -> np.ndarray:
    """ln[B(alpha, b + exposure) / B(alpha, b)], elementwise (numerically stable).

    ``b`` is beta plus the exposure already accumulated, so this is the log share of customers
    alive at exposure ``b - beta`` who are still alive after ``exposure`` more.
    """
    b = np.asarray(b, dtype=float)
    z = b + np.asarray(exposure, dtype=float)
    if z.size and np.max(z) < 1e5:
        # Fast path: log-gamma differences lose under 1e-10 absolute while z < 1e5.
        return gammaln(z) - gammaln(z + alpha) - gammaln(b) + gammaln(b + alpha)
    return betaln(alpha, z) - betaln(alpha, b)


def sbg_survival(alpha: float, beta: float, t: ArrayLike) -> np.ndarray | float:
    """Survivor function S(t) = B(alpha, beta + t) / B(alpha, beta) of the sBG model.

    Parameters
    ----------
    alpha, beta
        Beta-distribution parameters of the per-period churn probability (both > 0).
    t
        Periods (renewal opportunities) elapsed; scalar or array, at least 0. Non-integer values
        are the accumulated exposure of the PH-sBG model.

    Examples
    --------
    >>> float(sbg_survival(2.0, 3.0, 1))
    0.6
    """
    _check_ab(alpha, beta)
    t_arr = np.asarray(t, dtype=float)
    if np.any(t_arr < 0):
        raise ValueError("t must be at least 0")
    out = np.exp(log_survival_ratio(alpha, beta, t_arr))
    return float(out) if out.ndim == 0 else out


def sbg_retention_rate(alpha: float, beta: float, t: ArrayLike) -> np.ndarray | float:
    """Aggregate retention r_t = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1."""
    _check_ab(alpha, beta)
    t_arr = np.asarray(t, dtype=float)
    out = (beta + t_arr - 1) / (alpha + beta + t_arr - 1)
    return float(out) if out.ndim == 0 else out


def sbg_expected_lifetime(alpha: float, beta: float) -> float:
    """Expected number of paid periods E[T] = (alpha + beta - 1) / (alpha - 1), inf if alpha <= 1.

    With alpha <= 1 the undiscounted lifetime is infinite; callers must cap it by a horizon or
    discount it (:func:`discounted_expected_lifetime`).
    """
    _check_ab(alpha, beta)
    return float("inf") if alpha <= 1 else (alpha + beta - 1) / (alpha - 1)


def discounted_expected_lifetime(alpha: float, beta: float, discount_rate: float) -> float:
    """DEL = 2F1(1, beta; alpha + beta; 1 / (1 + d)): discounted paid periods of a new customer.

    The first payment (t = 0) counts undiscounted (Fader & Hardie 2010, eq. 5).

    Parameters
    ----------
    discount_rate
        Discount rate d per period, above 0.
    """
    _check_ab(alpha, beta)
    _check_rate(discount_rate)
    return float(hyp2f1(1.0, beta, alpha + beta, 1.0 / (1.0 + discount_rate)))


def discounted_expected_residual_lifetime(
    alpha: float, beta: float, discount_rate: float, renewals: int
) -> float:
    """DERL of a customer who has renewed ``renewals`` times, valued at the next renewal point.

    DERL(d | n) = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1;
    1 / (1 + d)) (Fader & Hardie 2010); DEL = 1 + DERL(d | 0) / (1 + d).
    """
    _check_ab(alpha, beta)
    _check_rate(discount_rate)
    if renewals < 0:
        raise ValueError("renewals must be at least 0")
    b = beta + renewals
    return float(
        b / (alpha + b) * hyp2f1(1.0, b + 1.0, alpha + b + 1.0, 1.0 / (1.0 + discount_rate))
    )


@lru_cache(maxsize=32)
def _logit_grid(step: float, low: float, high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trapezoid nodes z in [low, high] with ln(theta) and ln(1 - theta), theta = expit(z)."""
    z = np.arange(low, high + 1e-9, step)
    return z, -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)


def residual_discounted_exposure(
    alpha: float, b: ArrayLike, multiplier: ArrayLike, discount_factor: float
) -> np.ndarray:
    """Sum over k >= 1 of x**k * B(alpha, b + k*c) / B(alpha, b), per element of ``b`` and ``c``.

    The expected discounted number of further paid periods of a customer alive now, whose churn
    probability is theta ~ Beta(alpha, b) and whose hazard multiplier stays at ``c`` forever,
    with per-period discount factor x < 1 (the first further period is discounted once).
    Equivalent to E[x (1-theta)^c / (1 - x (1-theta)^c)], computed by the trapezoid rule on
    logit(theta) (exponentially convergent for this analytic integrand) plus the exact
    contribution of theta outside the grid. With c = 1 and b = beta + n it equals
    DERL(d | n) / (1 + d), the closed form of :func:`discounted_expected_residual_lifetime`.
    """
    if not 0 < discount_factor < 1:
        raise ValueError("discount_factor must be in (0, 1)")
    b = np.atleast_1d(np.asarray(b, dtype=float))
    c = np.broadcast_to(np.asarray(multiplier, dtype=float), b.shape)
    x = discount_factor
    # The density of logit(theta) is a bump of width about 1 / sqrt(alpha); this step keeps the
    # trapezoid error below 1e-11 relative (checked against direct summation in the tests).
    step = min(0.3, 0.5 / math.sqrt(alpha))
    # The integrand decays like e^(alpha z) below and e^(-(b + c) z) above; the grid ends where
    # that is below e^-30, so the trapezoid's end error is negligible and the tails are exact.
    low = -min(700.0, max(36.0, 30.0 / alpha))
    high = min(700.0, max(36.0, 30.0 / float(np.min(b + c))))
    z, log_theta, log_1m_theta = _logit_grid(round(step, 4), math.floor(low), math.ceil(high))
    h = z[1] - z[0]
    # Only the stretch of the grid where some customer's density is within e^-45 of its peak
    # matters; cutting the rest changes the sum by less than that and saves most of the work.
    log_dens = alpha * log_theta[None, :] + b[:, None] * log_1m_theta[None, :]
    near = np.flatnonzero(np.any(log_dens >= log_dens.max(axis=1, keepdims=True) - 45.0, axis=0))
    first, last = int(near[0]), int(near[-1])
    log_dens = log_dens[:, first : last + 1]
    log_1m = log_1m_theta[first : last + 1]
    log_norm = betaln(alpha, b)
    # g depends on theta and c only; scenarios have few distinct multipliers.
    levels, which = np.unique(c, return_inverse=True)
    y = np.exp(levels[:, None] * log_1m[None, :])
    g = (x * y / (1.0 - x * y))[which.reshape(-1)]
    dens = np.exp(log_dens - log_norm[:, None])
    # d theta = theta (1 - theta) d z: the density times theta (1 - theta) is theta^a (1-theta)^b.
    total = np.sum(dens * g, axis=1) * h
    total -= 0.5 * h * (dens[:, 0] * g[:, 0] + dens[:, -1] * g[:, -1])
    # Beyond a grid end that was not cut: theta < e^low (where (1-theta)^b = 1 and
    # g = x / (1 - x) to double precision) and theta > 1 - e^-high (where theta^alpha = 1 and
    # g = x (1-theta)^c).
    if first == 0:
        total += x / (1.0 - x) * np.exp(alpha * z[0] - math.log(alpha) - log_norm)
    if last == z.size - 1:
        total += x * np.exp(-(b + c) * z[-1] - np.log(b + c) - log_norm)
    return total


@dataclass(frozen=True, kw_only=True)
class SBGFit:
    """A maximum-likelihood sBG fit.

    Attributes
    ----------
    alpha, beta
        The estimates.
    log_likelihood
        Maximised log-likelihood (natural log, summed over customers).
    customers
        Cohort size the fit used.
    covariance_log
        2x2 covariance of (ln alpha, ln beta) from the inverse Hessian, for Monte Carlo draws.
    """

    alpha: float
    beta: float
    log_likelihood: float
    customers: float
    covariance_log: tuple[tuple[float, float], tuple[float, float]]


def sbg_log_likelihood(alpha: float, beta: float, alive: ArrayLike) -> float:
    """Log-likelihood of one cohort's counts still active at periods 0, 1, 2, ...

    Churners in period t contribute ln P(T = t) = ln[S(t-1) - S(t)]; the last count is right
    censored and contributes ln S(T).
    """
    counts = _check_alive(alive)
    t = np.arange(counts.size, dtype=float)
    log_s = log_survival_ratio(alpha, beta, t)
    # ln P(T = t) = ln S(t-1) + ln(1 - r_t), with r_t = (beta + t - 1) / (alpha + beta + t - 1)
    log_churn = log_s[:-1] + np.log(alpha / (alpha + beta + t[1:] - 1))
    lost = counts[:-1] - counts[1:]
    return float(np.sum(lost * log_churn) + counts[-1] * log_s[-1])


def fit_sbg(alive: ArrayLike) -> SBGFit:
    """Fit the sBG model by maximum likelihood to one cohort's counts alive per period.

    Parameters
    ----------
    alive
        Customers still active at periods 0, 1, 2, ...; the first value is the cohort size and
        values must not increase. At least two periods.

    Returns
    -------
    SBGFit
        ``alpha``, ``beta``, ``log_likelihood`` and the covariance of (ln alpha, ln beta).

    Examples
    --------
    Fader & Hardie's (2007) "High End" customers (per 1,000):

    >>> fit = fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.668, 3.806)
    """
    counts = _check_alive(alive)

    def negll(z: np.ndarray) -> float:
        return -sbg_log_likelihood(float(np.exp(z[0])), float(np.exp(z[1])), counts)

    best = None
    for start in ((0.0, 0.0), (-1.0, 1.0), (1.0, 3.0)):
        res = minimize(negll, np.array(start), method="L-BFGS-B", bounds=[(-12, 12), (-12, 15)])
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    res = minimize(negll, best.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12})
    z = res.x if res.fun <= best.fun else best.x
    cov = _inverse_hessian(negll, z)
    return SBGFit(
        alpha=float(np.exp(z[0])),
        beta=float(np.exp(z[1])),
        log_likelihood=-float(negll(z)),
        customers=float(counts[0]),
        covariance_log=((cov[0, 0], cov[0, 1]), (cov[1, 0], cov[1, 1])),
    )


def _inverse_hessian(f, z: np.ndarray) -> np.ndarray:
    h = 1e-4
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei = np.eye(2)[i] * h
            ej = np.eye(2)[j] * h
            hess[i, j] = (f(z + ei + ej) - f(z + ei - ej) - f(z - ei + ej) + f(z - ei - ej)) / (
                4 * h * h
            )
    try:
        return np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.full((2, 2), np.nan)


def _check_alive(alive: ArrayLike) -> np.ndarray:
    counts = np.asarray(alive, dtype=float)
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError("alive must list counts for at least two periods (0 and 1)")
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError("alive counts must be finite and at least 0")
    if counts[0] <= 0:
        raise ValueError("the cohort size (first count) must be above 0")
    if np.any(np.diff(counts) > 0):
        raise ValueError("alive counts must not increase from one period to the next")
    return counts


def _check_ab(alpha: float, beta: float) -> None:
    if not (np.isfinite(alpha) and np.isfinite(beta) and alpha > 0 and beta > 0):
        raise ValueError(f"alpha and beta must be finite and above 0; got {alpha}, {beta}")


def _check_rate(rate: float) -> None:
    if not (np.isfinite(rate) and rate > 0):
        raise ValueError(f"discount_rate must be above 0 (the sum diverges at 0); got {rate}")
