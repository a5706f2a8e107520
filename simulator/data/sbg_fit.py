"""The sBG fitted to customer-level data: right-censored and left-truncated customers, by the
month (counts by tenure) or interval-censored when tenure is known only in whole years; the
constant-churn (geometric) alternative, and whether the sBG fits better than it.

The customer rows, their conventions (censoring, delayed entry, the risk set) and their checks
are those of :mod:`simulator.data.survival`; the likelihood's closed forms and the optimiser are
:mod:`simulator.model.sbg`'s.

References
----------
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
Self, S., Liang, K.-Y. (1987). Asymptotic properties of maximum likelihood estimators and
likelihood ratio tests under nonstandard conditions. JASA 82, 605-610.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.special import psi, zeta

from simulator.data.survival import check_customers, check_interval, check_weights
from simulator.model.sbg import (
    LOG_PARAMETER_BOUND,
    SBGFit,
    _counts_objective,
    _fit,
    _LogLikelihood,
    log_survival_ratio,
)

__all__ = [
    "GeometricFit",
    "HOMOGENEITY_LR_THRESHOLD",
    "customer_intervals",
    "fit_geometric_intervals",
    "fit_sbg_counts",
    "fit_sbg_customers",
    "fit_sbg_intervals",
    "sbg_at_bound",
    "sbg_counts",
    "sbg_log_likelihood_counts",
    "sbg_log_likelihood_intervals",
]


HOMOGENEITY_LR_THRESHOLD = 2.71
"""Likelihood-ratio statistic 2 (l_sBG - l_geometric) below which the sBG is said to fit no
better than constant churn. The geometric model is the sBG's boundary limit, so under it the
statistic is asymptotically 0.5 chi2(0) + 0.5 chi2(1) (Self & Liang 1987); 2.71 is its 5 %
critical value."""


def sbg_counts(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    weights: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aggregate customers into the sufficient statistics of the sBG likelihood.

    Parameters
    ----------
    durations, churned, entry, weights
        As for :func:`fit_sbg_customers` (whole periods; ``weights`` customers per row).

    Returns
    -------
    churned_at, censored_at, entered_at
        Float arrays of equal length, indexed by tenure 0, 1, ..., max duration (periods):
        customers (summed weights) who churned after paying t periods, who were censored at
        tenure t, and who entered the data at tenure t (all at 0 when ``entry`` is None).
    """
    c = check_customers(durations, churned, entry, whole_periods=True, weights=weights)
    ti, event, w = c.t, c.event, c.w
    size = int(c.max_duration) + 1
    if w is None:
        churned_at = np.bincount(ti, weights=event, minlength=size)
        censored_at = np.bincount(ti, minlength=size) - churned_at
        total = float(ti.size)
    else:
        churned_at = np.bincount(ti, weights=np.where(event, w, 0.0), minlength=size)
        censored_at = np.bincount(ti, weights=np.where(event, 0.0, w), minlength=size)
        total = float(w.sum())
    if c.e is None:
        entered_at = np.zeros(size)
        entered_at[0] = total
    else:
        entered_at = np.bincount(c.e, weights=w, minlength=size).astype(float)
    return churned_at, censored_at, entered_at


def sbg_log_likelihood_counts(
    alpha: float,
    beta: float,
    churned_at: ArrayLike,
    censored_at: ArrayLike,
    entered_at: ArrayLike | None = None,
) -> float:
    """sBG log-likelihood with right censoring and left truncation, from counts by tenure.

    l = sum_t [ churned_at[t] ln P(T = t) + censored_at[t] ln S(t) - entered_at[t] ln S(t) ]
    (model.md section 2.2, grouped by tenure).

    Parameters
    ----------
    alpha, beta
        sBG parameters (both > 0).
    churned_at, censored_at, entered_at
        Counts indexed by tenure in periods, as returned by :func:`sbg_counts`;
        ``entered_at=None`` means every customer was observed from tenure 0.

    Returns
    -------
    float
        The log-likelihood (natural log, summed over customers).
    """
    churn, cens, enter = _check_counts(churned_at, censored_at, entered_at)
    return _counts_objective(churn, cens, enter)(alpha, beta, False)[0]


def fit_sbg_counts(
    churned_at: ArrayLike, censored_at: ArrayLike, entered_at: ArrayLike | None = None
) -> SBGFit:
    """Maximum-likelihood sBG fit to counts by tenure (censored and left-truncated).

    This is the entry point for counts aggregated elsewhere (e.g. by SQL): ``churned_at[t]``
    customers churned after paying t periods, ``censored_at[t]`` were still active at tenure t
    when the data ended and ``entered_at[t]`` entered the data at tenure t.

    Parameters
    ----------
    churned_at, censored_at, entered_at
        Non-negative counts indexed by tenure 0, 1, ... (periods). ``churned_at[0]`` must be 0
        (a churner has paid at least one period). Arrays may differ in length (missing tail
        entries are 0). ``entered_at=None``: every customer observed from tenure 0.

    Returns
    -------
    SBGFit
        ``alpha``, ``beta``, the maximised ``log_likelihood``, ``customers`` (total count) and
        the covariance of (ln alpha, ln beta) from the inverse Hessian.

    Notes
    -----
    Maximises over (ln alpha, ln beta) within :data:`LOG_PARAMETER_BOUND` by projected Newton
    steps with the analytic gradient and Hessian, from the best point of a coarse grid (model.md
    section 6.2; see :func:`simulator.model.sbg._fit`). The likelihood is evaluated in its risk-set
    form, one term per tenure, so an evaluation costs O(max tenure) whatever the number of
    customers. A fit at the upper bound is the homogeneous (constant-churn) limit: check it with
    :func:`sbg_at_bound` and :func:`fit_geometric_intervals`.
    """
    churn, cens, enter = _check_counts(churned_at, censored_at, entered_at)
    return _fit(_counts_objective(churn, cens, enter), float(enter.sum()))


def fit_sbg_customers(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    interval_months: int = 1,
    weights: ArrayLike | None = None,
) -> SBGFit:
    """Maximum-likelihood sBG fit to individual customers with censoring and left truncation.

    Parameters
    ----------
    durations
        Whole periods per customer: for a churner the periods paid (at least 1), for a
        censored customer the tenure reached when the data ended (at least 0).
    churned
        True (or 1) if the customer churned, false (0) if censored.
    entry
        Optional tenure in whole periods at which the customer entered the data (was known to
        be active); at most the duration, and below it for churners. ``None``: all from 0.
    interval_months
        Resolution of the durations in periods (at least 1): 1 when tenure is known to the
        month, 12 when it is known only in whole years (converted to months x 12). With k > 1
        the data are interval-censored (see :func:`customer_intervals`): a churner with duration
        t left somewhere in (u - k, u] with u = k ceil(t / k) (so a churner recorded at tenure
        0 or 1 left in the first k periods), the lower end raised to the entry tenure when
        that is later; a censored customer is taken as censored at t + k // 2 (the middle of
        [t, t + k - 1], where its true tenure lies). The fit is :func:`fit_sbg_intervals`.
    weights
        Optional number of customers each row stands for (non-negative finite counts, whole or
        fractional), for grouped data; ``None``: one customer per row. Integer weights give
        exactly the fit of the rows repeated ``weight`` times.

    Returns
    -------
    SBGFit
        As :func:`fit_sbg_counts` on the counts of :func:`sbg_counts` (``interval_months`` 1),
        or as :func:`fit_sbg_intervals`.

    Examples
    --------
    Fader & Hardie's (2007) "High End" customers, one row per customer:

    >>> alive = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> lost = [a - b for a, b in zip(alive[:-1], alive[1:], strict=True)]
    >>> durations = [t for t, n in enumerate(lost, start=1) for _ in range(n)] + [7] * 491
    >>> churned = [True] * (1000 - 491) + [False] * 491
    >>> fit = fit_sbg_customers(durations, churned)
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.668, 3.806)
    """
    k = check_interval(interval_months)
    if k == 1:
        return fit_sbg_counts(*sbg_counts(durations, churned, entry, weights=weights))
    return fit_sbg_intervals(
        *customer_intervals(durations, churned, entry, interval_months=k, weights=weights)
    )


def customer_intervals(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    interval_months: int = 1,
    weights: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Customers as interval-censored observations ``(lower, upper, entry, weights)``.

    A churner with duration t and entry e, on a grid of k = ``interval_months`` periods, left
    in (max(u - k, e), u] with u = k ceil(t / k), u >= k: it paid more than ``lower`` and at most
    ``upper`` periods. With k = 1 that is (t - 1, t], the exact event P(T = t). A censored
    customer gets ``upper`` = inf and ``lower`` = t + k // 2: with whole-year tenure t = 12 y
    the customer has survived somewhere in [12 y, 12 y + 11] months, and censoring at the
    middle (12 y + 6) removes most of the bias of censoring at the lower end 12 y (with k = 1,
    exactly t).

    Parameters
    ----------
    durations, churned, entry, interval_months, weights
        As for :func:`fit_sbg_customers` (whole periods).

    Returns
    -------
    lower, upper, entry, weights
        Float arrays, one value per row: ``lower`` and ``upper`` in periods (``upper`` inf for
        censored rows), ``entry`` in periods (0 when ``entry`` is None) and ``weights``, the
        customers per row (1 each when ``weights`` is None). They unpack straight into
        :func:`fit_sbg_intervals`, :func:`fit_geometric_intervals` and
        :func:`sbg_log_likelihood_intervals`.
    """
    k = check_interval(interval_months)
    c = check_customers(durations, churned, entry, whole_periods=True, weights=weights)
    t = c.t.astype(float)
    e = np.zeros(t.size) if c.e is None else c.e.astype(float)
    w = np.ones(t.size) if c.w is None else c.w.copy()
    top = np.maximum(k * np.ceil(t / k), k)
    upper = np.where(c.event, top, np.inf)
    lower = np.where(c.event, np.maximum(top - k, e), t + k // 2)
    return lower, upper, e, w


def sbg_log_likelihood_intervals(
    alpha: float,
    beta: float,
    lower: ArrayLike,
    upper: ArrayLike,
    entry: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> float:
    """sBG log-likelihood of interval-censored, right-censored and left-truncated customers.

    l = sum_i w_i [ ln(S(l_i) - S(u_i)) - ln S(e_i) ], with S(inf) = 0 (right-censored at l_i),
    evaluated as ln S(l) + ln(1 - exp(ln S(u) - ln S(l))) for numerical stability.

    Parameters
    ----------
    alpha, beta
        sBG parameters (both > 0).
    lower, upper, entry
        Per customer (whole periods): churn happened after ``lower`` and at most ``upper``
        periods paid (``upper`` = inf: still active at ``lower``); ``entry`` the tenure at
        which the customer entered the data (None: 0).
    weights
        Customers per row (non-negative finite counts; None: 1 each), as returned by
        :func:`customer_intervals`; may be passed positionally after ``entry``.

    Returns
    -------
    float
        The log-likelihood (natural log, summed over customers).
    """
    groups = _interval_groups(lower, upper, entry, weights)
    return _interval_objective(*groups)(alpha, beta, False)[0]


def fit_sbg_intervals(
    lower: ArrayLike,
    upper: ArrayLike,
    entry: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> SBGFit:
    """Maximum-likelihood sBG fit to interval-censored customers (with censoring and truncation).

    Parameters
    ----------
    lower, upper, entry
        As for :func:`sbg_log_likelihood_intervals`: per customer, churn in (``lower``,
        ``upper``] periods paid, ``upper`` = inf for a customer still active at ``lower``;
        ``entry`` at most ``lower``. Exact monthly data are (t - 1, t]; yearly data converted
        to months are (12 (y - 1), 12 y] (see :func:`customer_intervals`).
    weights
        Customers per row (non-negative finite counts; None: 1 each). Positional after
        ``entry``, so ``fit_sbg_intervals(*customer_intervals(...))`` works.

    Returns
    -------
    SBGFit
        As :func:`fit_sbg_counts`. The likelihood runs over the distinct (lower, upper, entry)
        triples with their summed weights (sufficient statistics), so large tables stay fast.
    """
    groups = _interval_groups(lower, upper, entry, weights)
    return _fit(_interval_objective(*groups), float(groups[-1].sum()))


@dataclass(frozen=True)
class GeometricFit:
    """Maximum-likelihood constant-churn (geometric) fit: every customer churns with
    probability ``churn`` per period. ``log_likelihood`` is comparable with the sBG's on the
    same data (it is the sBG's homogeneous limit)."""

    churn: float
    log_likelihood: float


def fit_geometric_intervals(
    lower: ArrayLike,
    upper: ArrayLike,
    entry: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> GeometricFit:
    """Constant-churn MLE on the data of :func:`fit_sbg_intervals`: S(t) = (1 - c)^t.

    With exact periods (upper = lower + 1 for churners) this is churners / periods at risk; with
    wider intervals it is found numerically (on logit c). ``weights`` (customers per row, None:
    1 each) is positional after ``entry``, so ``fit_geometric_intervals(*customer_intervals(
    ...))`` works.
    """
    lo, up, churn_w, cens_lo, cens_w, ent, ent_w = _interval_groups(lower, upper, entry, weights)
    width = up - lo

    def ll(c: float) -> float:
        log_keep = np.log1p(-c)
        event = churn_w @ (lo * log_keep + np.log(-np.expm1(width * log_keep)))
        return float(event + cens_w @ (cens_lo * log_keep) - ent_w @ (ent * log_keep))

    if churn_w.sum() == 0:
        return GeometricFit(churn=0.0, log_likelihood=0.0)
    res = minimize_scalar(
        lambda x: -ll(float(1.0 / (1.0 + np.exp(-x)))),
        bounds=(-25.0, 10.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    c = float(1.0 / (1.0 + np.exp(-res.x)))
    return GeometricFit(churn=c, log_likelihood=ll(c))


def sbg_at_bound(fit: SBGFit, *, tolerance: float = 0.05) -> bool:
    """True when ln(alpha) or ln(beta) of ``fit`` sits at the upper :data:`LOG_PARAMETER_BOUND`
    (within ``tolerance``): the optimiser ran to the homogeneous limit."""
    top = LOG_PARAMETER_BOUND[1] - tolerance
    return bool(np.log(fit.alpha) >= top or np.log(fit.beta) >= top)


def _check_counts(
    churned_at: ArrayLike, censored_at: ArrayLike, entered_at: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = {"churned_at": churned_at, "censored_at": censored_at}
    if entered_at is not None:
        arrays["entered_at"] = entered_at
    out = {}
    for name, value in arrays.items():
        arr = np.asarray(value, dtype=float)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional (counts indexed by tenure)")
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name} must hold finite counts of at least 0")
        out[name] = arr
    size = max(2, *(a.size for a in out.values()))

    def pad(a: np.ndarray) -> np.ndarray:
        return np.concatenate((a, np.zeros(size - a.size)))

    churn, cens = pad(out["churned_at"]), pad(out["censored_at"])
    if churn[0] > 0:
        raise ValueError("churned_at[0] must be 0: a churner has paid at least one period")
    total = churn.sum() + cens.sum()
    if total <= 0:
        raise ValueError("churned_at and censored_at must count at least one customer")
    if entered_at is None:
        enter = np.zeros(size)
        enter[0] = total
    else:
        enter = pad(out["entered_at"])
        if not np.isclose(enter.sum(), total, rtol=1e-12, atol=1e-9):
            raise ValueError(
                f"entered_at must count every customer once: it sums to {enter.sum():g}, "
                f"churned_at and censored_at to {total:g}"
            )
    # Churners at t need entries before t: churners at t <= entered before t - left before t.
    entered_before = np.concatenate(([0.0], np.cumsum(enter)[:-1]))
    left_before = np.concatenate(([0.0], np.cumsum(churn + cens)[:-1]))
    if np.any(churn > entered_before - left_before + 1e-9) or np.any(
        np.cumsum(churn + cens) > np.cumsum(enter) + 1e-9
    ):
        raise ValueError(
            "entered_at is inconsistent with churned_at and censored_at: more customers leave "
            "by some tenure than have entered before it"
        )
    return churn, cens, enter


_NARROW = 60
"""Intervals up to this many periods get the per-month hazard sum in the likelihood."""


def _interval_groups(
    lower: ArrayLike, upper: ArrayLike, entry: ArrayLike | None, weights: ArrayLike | None = None
) -> tuple[np.ndarray, ...]:
    """Validate interval data and group it: (event lower, event upper, event counts, censored
    tenures, censored counts, entry tenures, entry counts), counts being summed weights."""
    lo = np.asarray(lower, dtype=float)
    up = np.asarray(upper, dtype=float)
    if lo.ndim != 1 or up.ndim != 1 or lo.size != up.size:
        raise ValueError("lower and upper must be one-dimensional and of equal length")
    if lo.size == 0:
        raise ValueError("lower must hold at least one customer")
    en = np.zeros(lo.size) if entry is None else np.asarray(entry, dtype=float)
    if en.ndim != 1 or en.size != lo.size:
        raise ValueError(f"entry has {en.size} values but lower has {lo.size}; they must match")
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(en))):
        raise ValueError("lower and entry must be finite")
    if np.any(lo < 0) or np.any(en < 0):
        raise ValueError("lower and entry must be at least 0")
    if np.any(lo != np.round(lo)) or np.any(en != np.round(en)):
        raise ValueError("lower and entry must be whole periods for the sBG fit")
    finite = np.isfinite(up)
    if np.any(np.isnan(up)) or np.any(up[finite] != np.round(up[finite])):
        raise ValueError("upper must be whole periods or inf (still active)")
    if np.any(up <= lo):
        raise ValueError("upper must exceed lower (churn in (lower, upper])")
    if np.any(en > lo):
        raise ValueError("entry must not exceed lower (a customer enters before leaving)")
    w = np.ones(lo.size) if weights is None else check_weights(weights, lo.size, "lower")
    if weights is not None and np.any(w == 0):
        keep = w > 0
        lo, up, en, w, finite = lo[keep], up[keep], en[keep], w[keep], finite[keep]
    pairs, index = np.unique(np.stack([lo[finite], up[finite]]), axis=1, return_inverse=True)
    churn_w = np.bincount(index.ravel(), weights=w[finite], minlength=pairs.shape[1])
    cens_lo, index = np.unique(lo[~finite], return_inverse=True)
    cens_w = np.bincount(index, weights=w[~finite], minlength=cens_lo.size)
    ent, index = np.unique(en, return_inverse=True)
    ent_w = np.bincount(index, weights=w, minlength=ent.size)
    return pairs[0], pairs[1], churn_w, cens_lo, cens_w, ent, ent_w


def _interval_objective(
    lo: np.ndarray,
    up: np.ndarray,
    churn_w: np.ndarray,
    cens_lo: np.ndarray,
    cens_w: np.ndarray,
    ent: np.ndarray,
    ent_w: np.ndarray,
) -> _LogLikelihood:
    """The interval-censored log-likelihood on the groups of :func:`_interval_groups`.

    l = sum churn_w [ln S(lo) + ln(1 - exp(r))] + sum cens_w ln S(cens_lo) - sum ent_w ln S(ent),
    with r = ln S(up) - ln S(lo). Derivatives: each ln S ratio by :func:`_log_ratio_derivatives`,
    and with phi = 1 / (exp(-r) - 1), d ln(1 - e^r) = -phi dr and
    d2 ln(1 - e^r) = -phi d2r - phi (1 + phi) dr dr'.
    """
    width = up - lo
    narrow = width <= _NARROW
    j = np.arange(int(width[narrow].max())) if np.any(narrow) else np.zeros(0)
    inside = j[None, :] < width[narrow, None]

    def log_likelihood(
        alpha: float, beta: float, derivatives: bool
    ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        log_lo = log_survival_ratio(alpha, beta, lo)
        # ln S(u) - ln S(l) = sum over months m in (l, u] of ln(1 - alpha / (alpha + beta + m -
        # 1)): exact, and stable where the log-beta difference cancels (alpha -> 0 or beta ->
        # inf). Wide intervals (more than _NARROW periods) use the log-beta difference directly.
        log_ratio = log_survival_ratio(alpha, beta + lo, width)
        if inside.size:
            hazard = alpha / (alpha + beta + lo[narrow, None] + j[None, :])
            log_ratio[narrow] = np.where(inside, np.log1p(-hazard), 0.0).sum(axis=1)
        value = float(
            churn_w @ (log_lo + np.log(-np.expm1(log_ratio)))
            + cens_w @ log_survival_ratio(alpha, beta, cens_lo)
            - ent_w @ log_survival_ratio(alpha, beta, ent)
        )
        if not derivatives:
            return value, None, None
        with np.errstate(over="ignore"):
            phi = 1.0 / np.expm1(-log_ratio)
        g_r, h_r = _log_ratio_derivatives(alpha, beta, lo, width)
        grad = np.zeros(2)
        hess = np.zeros((2, 2))
        for weight, start, span in (
            (churn_w, 0.0, lo),
            (cens_w, 0.0, cens_lo),
            (-ent_w, 0.0, ent),
        ):
            g_s, h_s = _log_ratio_derivatives(alpha, beta, start, span)
            grad += g_s @ weight
            hess += h_s @ weight
        grad -= g_r @ (churn_w * phi)
        hess -= h_r @ (churn_w * phi)
        hess -= (g_r * (churn_w * phi * (1.0 + phi))) @ g_r.T
        return value, grad, hess

    return log_likelihood


def _log_ratio_derivatives(
    alpha: float, beta: float, start: ArrayLike, span: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian in (alpha, beta) of ln[S(start + span) / S(start)], elementwise.

    ln S(t) = ln B(alpha, beta + t) - ln B(alpha, beta), so with psi the digamma function and
    psi' = zeta(2, .) the trigamma (Abramowitz & Stegun 6.3, 6.4), b0 = beta + start,
    b1 = b0 + span:
    d/d alpha = psi(alpha + b0) - psi(alpha + b1), d/d beta = that + psi(b1) - psi(b0), and
    d2/d alpha2 = d2/d alpha d beta = psi'(alpha + b0) - psi'(alpha + b1),
    d2/d beta2 = that + psi'(b1) - psi'(b0).

    Returns
    -------
    gradient, hessian
        Arrays of shape (2, n) and (2, 2, n), n the broadcast size of ``start`` and ``span``.
    """
    b0 = beta + np.asarray(start, dtype=float)
    b1 = b0 + np.asarray(span, dtype=float)
    b0 = np.broadcast_to(b0, b1.shape)
    d_alpha = psi(alpha + b0) - psi(alpha + b1)
    d_beta = d_alpha + psi(b1) - psi(b0)
    dd_alpha = zeta(2.0, alpha + b0) - zeta(2.0, alpha + b1)
    dd_beta = dd_alpha + zeta(2.0, b1) - zeta(2.0, b0)
    return np.stack([d_alpha, d_beta]), np.stack(
        [np.stack([dd_alpha, dd_alpha]), np.stack([dd_alpha, dd_beta])]
    )
