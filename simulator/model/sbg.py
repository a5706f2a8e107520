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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, gammaln, hyp2f1

LOG_PARAMETER_BOUND: tuple[float, float] = (-12.0, 15.0)
"""Bounds of ln(alpha) and ln(beta) in every sBG fit (alpha, beta in [6e-6, 3.3e6]).

Without an upper bound the optimiser runs off towards the homogeneous limit (alpha, beta -> inf
with alpha / (alpha + beta) fixed: everybody has the same churn probability) whenever the data
show no heterogeneity, and stops at arbitrary values like 1e8. A fit at the bound is such a
limit (see :func:`simulator.data.sbg_fit.sbg_at_bound`)."""


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

    Notes
    -----
    The cohort is counts by tenure (churners after t periods, the survivors censored at the last
    period), fitted as :func:`simulator.data.sbg_fit.fit_sbg_counts` does: projected Newton over
    (ln alpha, ln beta) within :data:`LOG_PARAMETER_BOUND` (:func:`_fit`).
    """
    counts = _check_alive(alive)
    churn = np.concatenate(([0.0], counts[:-1] - counts[1:]))
    censored = np.zeros(counts.size)
    censored[-1] = counts[-1]
    entered = np.zeros(counts.size)
    entered[0] = counts[0]
    return _fit(_counts_objective(churn, censored, entered), float(counts[0]))


_LogLikelihood = Callable[[float, float, bool], tuple[float, np.ndarray | None, np.ndarray | None]]
"""``(alpha, beta, derivatives) -> (l, gradient, Hessian)``: an sBG log-likelihood and, when
``derivatives`` is true, its gradient (2,) and Hessian (2, 2) in (alpha, beta) (else None)."""

_START_GRID = np.stack(
    np.meshgrid(np.arange(-4.0, 4.1, 2.0), np.arange(-2.0, 8.1, 2.0), indexing="ij"), axis=-1
).reshape(-1, 2)
"""Starting candidates for :func:`_fit`, (ln alpha, ln beta): alpha in e^-4 .. e^4, beta in
e^-2 .. e^8 (mean churn from 0.02 % to 99.7 % a period), on a grid of step 2."""

_MAX_NEWTON_STEP = 3.0
"""Largest Newton step in (ln alpha, ln beta) per iteration: a trust limit far from the optimum."""

_NEWTON_TOLERANCE = 1e-10
""":func:`_fit` stops once a step moves (ln alpha, ln beta) by less than this."""


def _fit(log_likelihood: _LogLikelihood, customers: float) -> SBGFit:
    """Maximum-likelihood sBG fit over z = (ln alpha, ln beta) in :data:`LOG_PARAMETER_BOUND`.

    Starts from the best point of :data:`_START_GRID` and takes projected Newton steps with the
    analytic Hessian (its eigenvalues made positive where it is not positive definite, e.g.
    along the ridge towards the homogeneous limit), each capped at :data:`_MAX_NEWTON_STEP` and
    backtracked until the likelihood rises (Armijo); a parameter at a bound with the gradient
    pointing out of the box stays there (Bertsekas 1982, projected Newton methods). Newton
    converges quadratically, so the result is at the maximum to rounding.

    The covariance of z is the inverse of the negative Hessian of l in z at the estimate (the
    observed information); NaN when that Hessian is singular.

    References
    ----------
    Bertsekas, D. (1982). Projected Newton methods for optimization problems with simple
    constraints. SIAM J. Control and Optimization 20(2), 221-246.
    Nocedal, J., Wright, S. (2006). Numerical Optimization, 2nd ed., sections 3.1 and 3.4.
    """
    lo, hi = LOG_PARAMETER_BOUND

    def negll(z: np.ndarray, derivatives: bool = True) -> tuple[float, np.ndarray, np.ndarray]:
        """-l and its gradient and Hessian in z, by the chain rule from (alpha, beta)."""
        theta = np.exp(z)
        value, grad, hess = log_likelihood(float(theta[0]), float(theta[1]), derivatives)
        if grad is None or hess is None:
            return -value, np.empty(0), np.empty(0)
        grad_z = -grad * theta
        return -value, grad_z, -hess * np.outer(theta, theta) + np.diag(grad_z)

    values = [negll(z, False)[0] for z in _START_GRID]
    z = _START_GRID[int(np.nanargmin(values))].copy()
    f, g, h = negll(z)
    for _ in range(100):
        # Parameters at a bound whose gradient points out of the box stay where they are.
        free = ~(((z <= lo) & (g > 0)) | ((z >= hi) & (g < 0)))
        if not free.any():
            break
        step = np.zeros(2)
        step[free] = _newton_direction(h[np.ix_(free, free)], g[free])
        # Rounding in f (about 1e-16 |f|) must not stop the last, tiny steps near the optimum.
        slack = 1e-13 * (1.0 + abs(f))
        t = 1.0
        while True:
            z_new = np.clip(z + t * step, lo, hi)
            f_new = negll(z_new, False)[0]
            if f_new <= f + 1e-4 * float(g @ (z_new - z)) + slack or t < 1e-10:
                break
            t *= 0.5
        moved = float(np.max(np.abs(z_new - z)))
        if not f_new <= f + slack or moved == 0.0:
            break
        z = z_new
        f, g, h = negll(z)
        if moved < _NEWTON_TOLERANCE:
            break
    try:
        cov = np.linalg.inv(h)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    return SBGFit(
        alpha=float(np.exp(z[0])),
        beta=float(np.exp(z[1])),
        log_likelihood=-float(f),
        customers=customers,
        covariance_log=tuple(tuple(float(v) for v in row) for row in cov),
    )


def _newton_direction(hess: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Newton step -H^-1 g for a 1x1 or 2x2 Hessian, with H's eigenvalues replaced by their
    absolute values (at least 1e-8 of the largest) so it is a descent direction, and scaled to
    at most :data:`_MAX_NEWTON_STEP` in each coordinate (Nocedal & Wright 2006, section 3.4)."""
    eigenvalues, vectors = np.linalg.eigh(hess)
    size = np.abs(eigenvalues)
    size = np.maximum(size, 1e-8 * max(float(size.max()), 1e-300))
    step = -vectors @ ((vectors.T @ grad) / size)
    longest = float(np.max(np.abs(step)))
    return step * (_MAX_NEWTON_STEP / longest) if longest > _MAX_NEWTON_STEP else step


def _counts_objective(churn: np.ndarray, cens: np.ndarray, enter: np.ndarray) -> _LogLikelihood:
    """The censored, left-truncated sBG log-likelihood on counts by tenure, in risk-set form.

    With r_u customers at risk in period u (entered at a tenure below u and not yet gone) and
    e_u churning in it, each period is a binomial draw with the aggregate hazard
    h_u = alpha / (alpha + beta + u - 1) (model.md section 2.2; Fader & Hardie 2007):

    l = sum_u [e_u ln h_u + (r_u - e_u) ln(1 - h_u)]
      = E ln alpha - sum_u r_u ln x_u + sum_u (r_u - e_u) ln b_u,

    b_u = beta + u - 1, x_u = alpha + b_u, E = sum e_u. This equals the sum over customers of
    ln P(T = t) or ln S(t), minus ln S(entry) (the product S(t) = prod_u (1 - h_u)
    telescopes), with no special function. Derivatives:

    dl/d alpha = E / alpha - sum r / x,  dl/d beta = sum [alpha r / (b x) - e / b],
    d2l/d alpha2 = -E / alpha^2 + sum r / x^2,  d2l/d alpha d beta = sum r / x^2,
    d2l/d beta2 = sum [e / b^2 - alpha r (b + x) / (b^2 x^2)],

    each written without differences of nearly equal terms (stable as alpha -> 0 or beta -> inf).
    """
    # At risk in period u = 1, 2, ...: entered at tenure <= u - 1 minus left at tenure <= u - 1.
    at_risk = np.cumsum(enter)[:-1] - np.cumsum(churn + cens)[:-1]
    periods = np.flatnonzero(at_risk > 0)
    r = at_risk[periods]
    e = churn[1:][periods]
    m = periods.astype(float)  # u - 1
    events = float(e.sum())

    def log_likelihood(
        alpha: float, beta: float, derivatives: bool
    ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        b = beta + m
        value = float(
            events * np.log(alpha) - e @ np.log(alpha + b) - (r - e) @ np.log1p(alpha / b)
        )
        if not derivatives:
            return value, None, None
        inv_b = 1.0 / b
        inv_x = 1.0 / (alpha + b)
        r_x2 = r @ (inv_x * inv_x)
        grad = np.array([events / alpha - r @ inv_x, alpha * (r @ (inv_b * inv_x)) - e @ inv_b])
        hess_bb = e @ (inv_b * inv_b) - alpha * (r @ ((b + alpha + b) * (inv_b * inv_x) ** 2))
        hess = np.array([[r_x2 - events / alpha**2, r_x2], [r_x2, hess_bb]])
        return value, grad, hess

    return log_likelihood


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
