"""The PH-sBG likelihood with time-varying exposure, on grouped price histories.

Customer i churns at each monthly renewal with a personal probability theta_i ~ Beta(alpha,
beta); a renewal with hazard multiplier c keeps it with probability (1 - theta_i) ** c, so with
the accumulated exposure C_ik = c_i1 + ... + c_ik its survival to renewal k is

    S(C) = B(alpha, beta + C) / B(alpha, beta)                   (model.md 2.3)

and, with covariates z_ik (log price ratio, first month at a raised price, calendar levels) and
coefficients b, c_ik = exp(z_ik . b). A customer observed from entry tenure e to renewal T
contributes (model.md 6.7 step 2; 2.2 for censoring and truncation)

    ln[S(C_{T-1}) - S(C_T)] - ln S(C_e)     if it churned at renewal T,
    ln S(C_T) - ln S(C_e)                   if it was still a customer after renewal T.

The churn term is computed as ln S(C_{T-1}) + ln(1 - exp(D)) with D = ln[S(C_T) / S(C_{T-1})]
from log-gamma differences (:func:`simulator.model.sbg.log_survival_ratio`), so it keeps its
precision when the month's churn is small. Customers of one cohort (same start month and price
path: :mod:`simulator.data.price_counts`) share C_ik; a group of n identical customers adds n
times its term. Gradients are analytic: with psi the digamma function,

    d ln S / d ln alpha = alpha [psi(alpha + beta) - psi(alpha + beta + C)],
    d ln S / d ln beta  = beta [psi(beta + C) - psi(alpha + beta + C) - psi(beta)
                                + psi(alpha + beta)],
    d ln S / d b        = [psi(beta + C) - psi(alpha + beta + C)] * sum_{j<=k} c_ij z_ij.

With alpha, beta -> infinity at fixed alpha / (alpha + beta) the model is the proportional-
hazards model without heterogeneity (grouped-time PH: Prentice & Gloeckler 1978).

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
Prentice, R., Gloeckler, L. (1978). Regression analysis of grouped survival data with
application to breast cancer data. Biometrics 34, 57-67.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma

from simulator.data.price_counts import SegmentCounts
from simulator.data.sbg_fit import fit_sbg_counts
from simulator.model.sbg import LOG_PARAMETER_BOUND, log_survival_ratio

COEFFICIENT_BOUND = 30.0
"""Largest |coefficient| on the log hazard searched (a hazard ratio of e^30 per unit): a fit
at it is not an estimate (e.g. no churn at all after the change)."""


GRADIENT_TOLERANCE = 1e-5
"""Largest gradient component (of the mean log-likelihood per customer) at a free parameter
accepted as converged."""


@dataclass(frozen=True)
class Design:
    """Cells (one per cohort and renewal k = 0..K, cohort by cohort) and the groups on them.

    ``zt`` (q x cells) holds the covariates of each renewal (0 on the k = 0 cells, which are
    no renewal), ``names`` their names; ``renewal`` is k per cell and ``cell_first`` the first
    cell of the cell's cohort; group arrays give the cells of the entry tenure and of the last
    renewal observed, the churn flag and the number of customers.
    """

    zt: np.ndarray
    names: tuple[str, ...]
    renewal: np.ndarray
    cell_first: np.ndarray
    entry_cell: np.ndarray
    exit_cell: np.ndarray
    churned: np.ndarray
    customers: np.ndarray


def cells(counts: SegmentCounts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell cohort, renewal k, first cell of each cohort) of the cohorts' cells k = 0..K."""
    sizes = counts.cohort_length + 1
    first = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    cohort = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
    renewal = np.arange(int(sizes.sum()), dtype=np.int64) - first[cohort]
    return cohort, renewal, first


def price_levels(counts: SegmentCounts) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: ln(P / P0) in force, and 1.0 at the first renewal at a raised price (a change
    to a higher price than the one before), else 0.0."""
    cohort, _, first = cells(counts)
    ch_cohort, ch_k, ch_x = counts.change_cohort, counts.change_renewal, counts.change_log_ratio
    last = np.full(cohort.size, -1, dtype=np.int64)
    last[first[ch_cohort] + ch_k] = np.arange(ch_k.size)
    last = np.maximum.accumulate(last)
    own = (last >= 0) & (ch_cohort[np.maximum(last, 0)] == cohort)
    level = np.where(own, ch_x[np.maximum(last, 0)], 0.0)
    before = np.where(
        np.concatenate(([False], ch_cohort[1:] == ch_cohort[:-1])),
        np.concatenate(([0.0], ch_x[:-1])),
        0.0,
    )
    rise = np.zeros(cohort.size)
    rise[first[ch_cohort] + ch_k] = (ch_x > before).astype(float)
    return level, rise


def design(
    counts: SegmentCounts,
    *,
    cut: bool,
    first_month: bool,
    calendar_block: np.ndarray | None,
) -> Design:
    """The covariates of every renewal: ``rise`` = max(ln(P / P0), 0) (coefficient eta),
    ``cut`` = min(ln(P / P0), 0) when ``cut``, ``first_month`` (coefficient kappa) when asked,
    and one indicator per calendar level 1, 2, ... of ``calendar_block`` (a level per calendar
    month index, offset by the earliest start month; level 0 is the reference)."""
    cohort, renewal, first = cells(counts)
    level, rise = price_levels(counts)
    columns = [np.maximum(level, 0.0)]
    names = ["rise"]
    if cut:
        columns.append(np.minimum(level, 0.0))
        names.append("cut")
    if first_month:
        columns.append(rise)
        names.append("first_month")
    if calendar_block is not None:
        month = counts.cohort_start_month[cohort] + renewal
        block = calendar_block[month - counts.cohort_start_month.min()]
        for b in range(1, int(calendar_block.max()) + 1):
            columns.append((block == b).astype(float))
            names.append(f"calendar_{b}")
    zt = np.vstack(columns) * (renewal > 0)
    base = first[counts.group_cohort]
    return Design(
        zt=np.ascontiguousarray(zt),
        names=tuple(names),
        renewal=renewal,
        cell_first=first[cohort],
        entry_cell=base + counts.group_entry,
        exit_cell=base + counts.group_renewals,
        churned=counts.group_churned,
        customers=counts.group_customers,
    )


def _log_survival(alpha: float, beta: float, exposure: np.ndarray, d_exposure: np.ndarray):
    """ln S(C) and its gradient in (ln alpha, ln beta, b), rows per point."""
    log_s = log_survival_ratio(alpha, beta, exposure)
    psi_ab = digamma(alpha + beta)
    psi_abc = digamma(alpha + beta + exposure)
    psi_bc = digamma(beta + exposure)
    grad = np.empty((exposure.size, 2 + d_exposure.shape[1]))
    grad[:, 0] = alpha * (psi_ab - psi_abc)
    grad[:, 1] = beta * (psi_bc - psi_abc - digamma(beta) + psi_ab)
    grad[:, 2:] = (psi_bc - psi_abc)[:, None] * d_exposure
    return log_s, grad


def group_terms(params: np.ndarray, d: Design, gradient: bool = True):
    """Each group's log-likelihood term per customer, and (``gradient``) its gradient rows in
    (ln alpha, ln beta, coefficients)."""
    alpha, beta = np.exp(params[:2])
    lin = params[2:] @ d.zt
    c = np.where(d.renewal > 0, np.exp(np.minimum(lin, 700.0)), 0.0)
    churn = d.churned
    stay_cells = np.where(churn, d.exit_cell - 1, d.exit_cell)
    points = np.concatenate((d.entry_cell, stay_cells, d.exit_cell[churn]))
    base = d.cell_first[points]
    # Running sums over all cells, differenced at the points needed: C at cell k of a cohort
    # is the sum from the cohort's first cell (whose c is 0) to k.
    total = np.cumsum(c)
    exposure = total[points] - total[base]
    if gradient:
        cz = np.cumsum(d.zt * c, axis=1)
        d_exposure = (cz[:, points] - cz[:, base]).T
    else:
        d_exposure = np.zeros((points.size, d.zt.shape[0]))
    log_s, grad = _log_survival(alpha, beta, exposure, d_exposure)
    n = d.entry_cell.size
    value = log_s[n : 2 * n] - log_s[:n]
    g = grad[n : 2 * n] - grad[:n]
    if churn.any():
        c_exit = c[d.exit_cell[churn]]
        step = log_survival_ratio(alpha, beta + exposure[2 * n :] - c_exit, c_exit)
        lost = -np.expm1(step)  # share of the month's survivors who churn
        value[churn] += np.log(np.maximum(lost, 1e-300))
        ratio = np.exp(step) / np.maximum(lost, 1e-300)
        g[churn] -= ratio[:, None] * (grad[2 * n :] - grad[n : 2 * n][churn])
    return value, (g if gradient else None)


def log_likelihood(params: np.ndarray, d: Design) -> float:
    """The PH-sBG log-likelihood of the groups (natural log, summed over customers)."""
    value, _ = group_terms(np.asarray(params, dtype=float), d, gradient=False)
    return float(d.customers @ value)


@dataclass(frozen=True)
class LikelihoodFit:
    """Maximum-likelihood estimates, in the parameter order (ln alpha, ln beta, coefficients
    in ``names``), with two covariances over the free parameters (``free``: those not at a
    bound; NaN rows and columns for the others): the inverse observed information and the
    sandwich (robust, customers as the independent units)."""

    params: np.ndarray
    names: tuple[str, ...]
    log_likelihood: float
    free: np.ndarray
    covariance: np.ndarray
    robust_covariance: np.ndarray
    converged: bool

    def standard_error(self, name: str) -> float:
        """The larger of the model-based and the robust standard error of ``name``."""
        i = 2 + self.names.index(name)
        return float(np.sqrt(max(self.covariance[i, i], self.robust_covariance[i, i])))

    def coefficient(self, name: str) -> float:
        """The estimate of coefficient ``name``."""
        return float(self.params[2 + self.names.index(name)])


def _start(counts: SegmentCounts) -> tuple[float, float]:
    """(ln alpha, ln beta) of the sBG fitted without covariates: the optimiser's start."""
    size = int(counts.group_renewals.max()) + 1
    w = counts.group_customers
    churn = np.bincount(counts.group_renewals, np.where(counts.group_churned, w, 0.0), size)
    cens = np.bincount(counts.group_renewals, np.where(counts.group_churned, 0.0, w), size)
    enter = np.bincount(counts.group_entry, w, size)
    try:
        fit = fit_sbg_counts(churn, cens, enter)
        return float(np.log(fit.alpha)), float(np.log(fit.beta))
    except ValueError:
        return 0.0, 1.0


def _hessian(objective, params: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Central differences of the analytic gradient, symmetrised, over the free parameters."""
    index = np.flatnonzero(free)
    h = np.zeros((index.size, index.size))
    for col, i in enumerate(index):
        step = 1e-5 * max(1.0, abs(params[i]))
        up, down = params.copy(), params.copy()
        up[i] += step
        down[i] -= step
        h[:, col] = (objective(up)[1][index] - objective(down)[1][index]) / (2 * step)
    return (h + h.T) / 2


def fit_likelihood(counts: SegmentCounts, d: Design) -> LikelihoodFit:
    """Maximise the PH-sBG log-likelihood over (ln alpha, ln beta, coefficients).

    L-BFGS-B with the analytic gradient, from the sBG fitted without covariates and zero
    coefficients; ln alpha and ln beta within :data:`~simulator.model.sbg.LOG_PARAMETER_BOUND`,
    coefficients within +-:data:`COEFFICIENT_BOUND`. The Hessian is central differences of the
    gradient; the robust covariance is H^-1 (sum_g n_g s_g s_g') H^-1 with s_g a customer's
    score in group g.
    """
    weight = d.customers
    total = float(weight.sum())

    def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
        value, g = group_terms(params, d)
        return -float(weight @ value) / total, -(weight @ g) / total

    q = d.zt.shape[0]
    start = np.array([*_start(counts), *np.zeros(q)])
    bounds = [LOG_PARAMETER_BOUND] * 2 + [(-COEFFICIENT_BOUND, COEFFICIENT_BOUND)] * q
    start[:2] = np.clip(start[:2], LOG_PARAMETER_BOUND[0] + 1, LOG_PARAMETER_BOUND[1] - 1)
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10},
    )
    params = result.x
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    free = (params > low + 1e-6) & (params < high - 1e-6)
    p = params.size
    covariance = np.full((p, p), np.nan)
    robust = np.full((p, p), np.nan)
    # L-BFGS-B may stop in its line search once the gradient is at rounding level.
    converged = (
        bool(result.success) or float(np.max(np.abs(result.jac * free))) < GRADIENT_TOLERANCE
    )
    index = np.flatnonzero(free)
    hessian = _hessian(objective, params, free) * total
    try:
        inverse = np.linalg.inv(hessian)
        if np.any(np.diag(inverse) <= 0):
            raise np.linalg.LinAlgError("not positive definite")
    except np.linalg.LinAlgError:
        converged = False
    else:
        _, scores = group_terms(params, d)
        scores = scores[:, index]
        meat = scores.T @ (weight[:, None] * scores)
        covariance[np.ix_(index, index)] = inverse
        robust[np.ix_(index, index)] = inverse @ meat @ inverse
    return LikelihoodFit(
        params=params,
        names=d.names,
        log_likelihood=-float(result.fun) * total,
        free=free,
        covariance=covariance,
        robust_covariance=robust,
        converged=converged,
    )


def person_months(counts: SegmentCounts) -> tuple[np.ndarray, ...]:
    """Customers at risk and churns per cohort and renewal, for population-level fits.

    Returns (renewal k, ln(P / P0) in force, customers at risk, churns), one entry per cell with
    customers at risk: the person-period data of a discrete-time hazard model (Allison 1982),
    e.g. :func:`simulator.data.hazard.fit_cloglog_hazard`.
    """
    cohort, renewal, first = cells(counts)
    level, _ = price_levels(counts)
    base = first[counts.group_cohort]
    w = counts.group_customers
    change = np.zeros(cohort.size + 1)
    np.add.at(change, base + counts.group_entry + 1, w)
    np.add.at(change, base + counts.group_renewals + 1, -w)
    at_risk = np.cumsum(change)[:-1]
    churns = np.zeros(cohort.size)
    np.add.at(churns, (base + counts.group_renewals)[counts.group_churned], w[counts.group_churned])
    keep = (at_risk > 1e-9) & (renewal > 0)
    return renewal[keep], level[keep], at_risk[keep], churns[keep]


__all__ = [
    "COEFFICIENT_BOUND",
    "Design",
    "LikelihoodFit",
    "design",
    "fit_likelihood",
    "group_terms",
    "log_likelihood",
    "person_months",
    "price_levels",
]
