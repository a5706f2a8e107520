"""Survival estimates from customer-level data: Kaplan-Meier and the individual-level sBG fit.

Both handle the two features of a CRM extract (model.md sections 2.2 and 6.2):

* **right censoring**: customers still active when the data end (``churned`` false) have a
  known minimum tenure only;
* **left truncation (delayed entry)**: customers already active when the data window opened
  enter the risk set at their tenure then, ``entry``. They are in the data only because they
  survived to that tenure, so treating them as observed from tenure 0 overstates survival.

Risk-set convention. A customer with entry tenure e and duration t is at risk at every time u
with e < u <= t (the counting-process convention; tenure e is already survived, so the first
possible churn is after it). Without ``entry`` everyone is at risk from time 0 inclusive.
lifelines counts a customer entering at u as at risk at u (e <= u); the two agree whenever no
entry time equals an event time, and on whole-period data ``entry + 0.5`` in lifelines gives
exactly this module's convention.

Durations are tenures in whole periods (months) for the sBG fit, where a churner's duration t is
the number of periods paid (P(T = t), t >= 1) and a censored customer's is the number of periods
survived (S(t)). Kaplan-Meier accepts any non-negative reals.

References
----------
Kaplan, E., Meier, P. (1958). Nonparametric estimation from incomplete observations. JASA 53,
457-481.
Fader, P., Hardie, B. (2007). How to project customer retention. JIM 21(1), 76-90.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.special import psi, zeta

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
    "LOG_PARAMETER_BOUND",
    "fit_geometric_intervals",
    "fit_sbg_counts",
    "fit_sbg_customers",
    "fit_sbg_intervals",
    "customer_intervals",
    "sbg_at_bound",
    "kaplan_meier",
    "life_table",
    "sbg_counts",
    "sbg_log_likelihood_counts",
    "sbg_log_likelihood_intervals",
]

HOMOGENEITY_LR_THRESHOLD = 2.71
"""Likelihood-ratio statistic 2 (l_sBG - l_geometric) below which the sBG is said to fit no
better than constant churn. The geometric model is the sBG's boundary limit, so under it the
statistic is asymptotically 0.5 chi2(0) + 0.5 chi2(1) (Self & Liang 1987); 2.71 is its 5 %
critical value."""


def kaplan_meier(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    weights: ArrayLike | None = None,
) -> pd.DataFrame:
    """Product-limit (Kaplan-Meier) survival estimate with right censoring and delayed entry.

    Parameters
    ----------
    durations
        Tenure at churn or at censoring, per customer (or per group of customers), in periods
        (any non-negative reals).
    churned
        Per customer, true (or 1) if churn was observed at ``durations``, false (0) if censored.
    entry
        Optional tenure at which each customer entered the data (left truncation), in the same
        units; at most the duration, and below it for churners. The customer is at risk at
        times u with entry < u <= duration. ``None``: everyone at risk from time 0.
    weights
        Optional number of customers each row stands for (non-negative finite counts, whole or
        fractional), for grouped data: one row per distinct (duration, churned, entry) with its
        count. ``None``: one customer per row. Integer weights give exactly the estimate of the
        rows repeated ``weight`` times; rows of weight 0 count for nothing.

    Returns
    -------
    pandas.DataFrame
        One row per distinct duration (of rows with positive weight), ascending: ``time``
        (periods), ``at_risk`` (customers at risk just before ``time``), ``events`` (churns at
        ``time``), ``censored`` (censored at ``time``), ``survival`` (estimated S(time), the
        share still active after ``time``) and ``variance`` (Greenwood's variance of
        ``survival``, with the weighted counts; 0 once ``survival`` reaches 0). The count
        columns are int64 unless some weight is fractional (then float).

    Notes
    -----
    Whole-number durations up to 100,000 periods (the calibration's whole months) are counted
    with :func:`numpy.bincount` in O(n + max duration), with no sort; other durations go through
    a sort of the distinct times. Both give the same table.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3], [True, True, False, False])
    >>> km["survival"].tolist()
    [0.75, 0.5, 0.5]
    >>> kaplan_meier([1, 2, 3], [True, True, False], weights=[1, 2, 1])["survival"].tolist()
    [0.75, 0.25, 0.25]
    """
    c = _check_customers(
        durations, churned, entry, whole_periods=False, weights=weights, entry_order=False
    )
    if c.whole and c.max_duration <= _FAST_KM_MAX_DURATION:
        times, at_risk, events, leaving = _km_counts_whole(c)
    else:
        times, at_risk, events, leaving = _km_counts_general(c)
    integer = c.w is None or bool(np.all(c.w == np.floor(c.w)))
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
        survival = np.cumprod(1.0 - hazard)
        greenwood = np.cumsum(
            np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
        )
    variance = np.where(survival > 0, survival**2 * greenwood, 0.0)
    censored = leaving - events

    def count(a: np.ndarray) -> np.ndarray:
        return np.rint(a).astype(np.int64) if integer else a.astype(float)

    return pd.DataFrame(
        {
            "time": times,
            "at_risk": count(at_risk),
            "events": count(events),
            "censored": count(censored),
            "survival": survival,
            "variance": variance,
        }
    )


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
    c = _check_customers(durations, churned, entry, whole_periods=True, weights=weights)
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
    k = _check_interval(interval_months)
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
    k = _check_interval(interval_months)
    c = _check_customers(durations, churned, entry, whole_periods=True, weights=weights)
    t = c.t.astype(float)
    e = np.zeros(t.size) if c.e is None else c.e.astype(float)
    w = np.ones(t.size) if c.w is None else c.w.copy()
    top = np.maximum(k * np.ceil(t / k), k)
    upper = np.where(c.event, top, np.inf)
    lower = np.where(c.event, np.maximum(top - k, e), t + k // 2)
    return lower, upper, e, w


def life_table(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    interval_months: int,
    weights: ArrayLike | None = None,
) -> pd.DataFrame:
    """Actuarial (life-table) survival at whole intervals, in the convention of
    :func:`customer_intervals`: the observed curve an interval-censored sBG fit is compared with.

    On a grid of k = ``interval_months`` periods, interval j is (k (j - 1), k j]. A churner with
    duration t left in interval ceil(t / k) (at least 1); a customer censored at t (a whole
    number of intervals when tenure is known only to k periods) was at risk for the first
    k // 2 of the k periods of interval floor(t / k) + 1, so counts as 1 - (k // 2) / k less
    than a full customer at risk there (half, with whole years; with k = 1 not at all, which
    makes this the Kaplan-Meier estimate at whole periods). A customer who entered at tenure e
    is at risk from the first interval starting at or after e. S(k j) is the product over
    intervals i <= j of 1 - events_i / at_risk_i (the actuarial method: Cutler, S., Ederer, F.
    (1958), Maximum utilization of the life table method in analyzing survival, J. Chronic
    Diseases 8, 699-712). Kaplan-Meier on yearly tenures counts a customer censored at 12 y as
    not at risk in year y + 1 at all, which puts it below the curve the sBG fit describes.

    Parameters
    ----------
    durations, churned, entry, weights
        As for :func:`fit_sbg_customers` (whole periods).
    interval_months
        k (at least 1).

    Returns
    -------
    pandas.DataFrame
        One row per interval up to the last one anybody is at risk in: ``time`` (k j, periods),
        ``at_risk`` (customers at risk, the censored ones partly), ``events``, ``censored``
        (censored within the interval) and ``survival`` (S at ``time``).

    Examples
    --------
    >>> table = life_table([12, 24, 12, 24], [True, True, False, False], interval_months=12)
    >>> table["survival"].round(4).tolist()
    [0.75, 0.45, 0.45]
    """
    k = _check_interval(interval_months)
    c = _check_customers(durations, churned, entry, whole_periods=True, weights=weights)
    t = c.t.astype(np.int64)
    w = np.ones(t.size) if c.w is None else c.w
    first = np.zeros(t.size, dtype=np.int64) if c.e is None else -(-c.e.astype(np.int64) // k)
    last = np.where(c.event, np.maximum(-(-t // k), 1), t // k + 1) - 1  # 0-based intervals
    size = int(last.max()) + 1
    risk = first <= last
    starts = np.bincount(first[risk], w[risk], minlength=size + 1)
    stops = np.bincount(last[risk] + 1, w[risk], minlength=size + 1)
    full = np.cumsum(starts - stops)[:size]
    events = np.bincount(last[risk & c.event], w[risk & c.event], minlength=size)
    censored = np.bincount(last[risk & ~c.event], w[risk & ~c.event], minlength=size)
    at_risk = full - censored * (1.0 - (k // 2) / k)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
    return pd.DataFrame(
        {
            "time": k * np.arange(1, size + 1),
            "at_risk": at_risk,
            "events": events,
            "censored": censored,
            "survival": np.cumprod(1.0 - hazard),
        }
    )


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


_FAST_KM_MAX_DURATION = 100_000
"""Largest whole-number duration (periods) for which :func:`kaplan_meier` counts by bincount."""

_JOINT_TABLE_MAX_BINS = 1 << 18
"""Largest (entry, duration, churned) table :func:`kaplan_meier` counts in one bincount."""


class _Customers(NamedTuple):
    """Validated customer rows (see :func:`_check_customers`)."""

    t: np.ndarray
    """Durations: int64 when all are whole numbers, else float64."""
    event: np.ndarray
    """Churned, as bool."""
    e: np.ndarray | None
    """Entry tenures (int64 when whole, else float64), or None."""
    w: np.ndarray | None
    """Weights (float64), or None for one customer per row."""
    whole: bool
    """All durations are whole numbers (``t`` is int64)."""
    max_duration: float
    max_entry: float
    """Largest entry (0 without entry)."""


def _km_counts_whole(c: _Customers) -> tuple[np.ndarray, ...]:
    """Kaplan-Meier counts for whole-number durations by bincount: (time, at risk, events,
    leaving) at the times where positive weight leaves. Checks the entry order (left to the
    caller by ``_check_customers(..., entry_order=False)``)."""
    t, event, e, w = c.t, c.event, c.e, c.w
    size = int(c.max_duration) + 1
    entered = None
    if e is None:
        # One bincount over key 2 t + churned: censored (even) and events (odd) per time.
        if w is None:
            pairs = _chunked_bincount(t, event, None, 0, 2 * size).reshape(size, 2)
        else:
            key = np.left_shift(t, 1)
            key += event
            pairs = np.bincount(key, weights=w, minlength=2 * size).reshape(size, 2)
    else:
        size_e = int(c.max_entry) + 1
        bins = 2 * size * size_e
        if (
            w is None
            and e.dtype.kind == "i"
            and bins <= min(_JOINT_TABLE_MAX_BINS, max(4 * t.size, 1 << 12))
        ):
            # One bincount over (entry, duration, churned), which also checks the entry order.
            table = _chunked_bincount(t, event, e, 2 * size, bins).reshape(size_e, size, 2)
            # table[entry, duration]: entry > duration below the diagonal, and for churners
            # entry >= duration on or below it.
            if np.tril(table.sum(axis=2), -1).any():
                raise ValueError(_ENTRY_AFTER_DURATION)
            if np.tril(table[:, :, 1]).any():
                raise ValueError(_CHURN_AT_ENTRY)
            pairs = table.sum(axis=0)
            entered = table.sum(axis=(1, 2))
        else:
            _check_entry_order(t, event, e)
            key = np.left_shift(t, 1)
            key += event
            pairs = np.bincount(key, weights=w, minlength=2 * size).reshape(size, 2)
            # For whole u, entry >= u exactly when floor(entry) >= u.
            ei = e if e.dtype.kind == "i" else np.floor(e).astype(np.int64)
            entered = np.bincount(ei, weights=w, minlength=size)
    events_all = pairs[:, 1]
    leaving_all = pairs[:, 0] + events_all
    # At risk at u: customers with duration >= u, minus those with entry >= u (not yet in).
    at_risk_all = np.cumsum(leaving_all[::-1])[::-1]
    if entered is not None:
        # entry <= duration, so entered is at most size long.
        not_entered = np.cumsum(entered[::-1])[::-1]
        at_risk_all[: not_entered.size] -= not_entered
    rows = np.flatnonzero(leaving_all > 0)
    return (
        rows.astype(float),
        at_risk_all[rows].astype(float),
        events_all[rows].astype(float),
        leaving_all[rows].astype(float),
    )


_CHUNK = 1 << 16
"""Rows per block in :func:`_chunked_bincount` (a 512 kB key buffer stays in cache)."""


def _chunked_bincount(
    t: np.ndarray, event: np.ndarray, e: np.ndarray | None, stride: int, bins: int
) -> np.ndarray:
    """Counts of key ``stride`` e + 2 t + event (e taken as 0 when None), built block by block
    in one reused buffer: no large temporary array (whose page faults cost more than the
    counting on a million rows)."""
    n = t.size
    step = max(_CHUNK, 2 * bins)
    buffer = np.empty(min(n, step), dtype=np.int64)
    counts = np.zeros(bins, dtype=np.int64)
    for start in range(0, n, step):
        stop = min(start + step, n)
        key = buffer[: stop - start]
        np.left_shift(t[start:stop], 1, out=key)
        key += event[start:stop]
        if e is not None:
            key += e[start:stop] * stride
        counts += np.bincount(key, minlength=bins)
    return counts


def _km_counts_general(c: _Customers) -> tuple[np.ndarray, ...]:
    """Kaplan-Meier counts for any durations, by the sorted distinct times."""
    t, event, e, w = c.t.astype(float), c.event, c.e, c.w
    if e is not None:
        _check_entry_order(c.t, event, e)
    if w is not None and np.any(w == 0):
        keep = w > 0
        t, event, w = t[keep], event[keep], w[keep]
        e = None if e is None else e[keep]
    times, index = np.unique(t, return_inverse=True)
    leaving = np.bincount(index, weights=w, minlength=times.size).astype(float)
    events = np.bincount(
        index, weights=event if w is None else np.where(event, w, 0.0), minlength=times.size
    ).astype(float)
    at_risk = np.cumsum(leaving[::-1])[::-1]
    if e is not None:
        # Minus the weight of customers with entry >= time (not yet in the data).
        order = np.argsort(e, kind="stable")
        first = np.searchsorted(e[order], times, side="left")
        if w is None:
            at_risk = at_risk - (e.size - first)
        else:
            after = np.concatenate((np.cumsum(w[order][::-1])[::-1], [0.0]))
            at_risk = at_risk - after[first]
    return times, at_risk, events, leaving


_NARROW = 60
"""Intervals up to this many periods get the per-month hazard sum in the likelihood."""


def _check_interval(interval_months: int) -> int:
    if (
        not isinstance(interval_months, int | np.integer)
        or isinstance(interval_months, bool)
        or interval_months < 1
    ):
        raise ValueError(
            f"interval_months must be a whole number of at least 1; got {interval_months!r}"
        )
    return int(interval_months)


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
    w = np.ones(lo.size) if weights is None else _check_weights(weights, lo.size, "lower")
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


def _check_customers(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None,
    *,
    whole_periods: bool,
    weights: ArrayLike | None = None,
    entry_order: bool = True,
) -> _Customers:
    """Validate customer rows in few passes over the data (large tables are the common case).

    ``entry_order=False`` leaves the checks entry <= duration (< for churners) to the caller,
    which must run :func:`_check_entry_order` or an equivalent (see :func:`_km_counts_whole`).
    """
    t = _as_numbers(durations)
    raw = np.asarray(churned)
    if t.ndim != 1 or raw.ndim != 1:
        raise ValueError("durations and churned must be one-dimensional")
    if raw.size != t.size:
        raise ValueError(
            f"churned has {raw.size} values but durations has {t.size}; they must match"
        )
    if t.size == 0:
        raise ValueError("durations must hold at least one customer")
    top = _check_range(t, "durations")
    if raw.dtype == bool:
        event = raw
    else:
        d = raw if raw.dtype.kind in "iuf" else raw.astype(float)
        event = d == 1
        # Every non-zero must be a 1 (NaN is non-zero and not 1).
        if np.count_nonzero(event) != np.count_nonzero(d):
            raise ValueError("churned must be true/false (or 1/0) per customer")
    t, whole = _as_whole(t, top)
    if whole_periods:
        if not whole:
            raise ValueError("durations must be whole periods for the sBG fit")
        if np.any(event & (t < 1)):
            raise ValueError("durations of churned customers must be at least 1 period")
    e = None
    if entry is not None:
        e = _as_numbers(entry)
        if e.ndim != 1 or e.size != t.size:
            raise ValueError(
                f"entry has {e.size} values but durations has {t.size}; they must match"
            )
        top_entry = _check_range(e, "entry")
        e, entry_whole = _as_whole(e, top_entry)
        if whole_periods and not entry_whole:
            raise ValueError("entry must be whole periods for the sBG fit")
        if entry_order:
            _check_entry_order(t, event, e)
    w = None if weights is None else _check_weights(weights, t.size, "durations")
    return _Customers(
        t=t,
        event=event,
        e=e,
        w=w,
        whole=whole,
        max_duration=top,
        max_entry=0.0 if e is None else top_entry,
    )


_ENTRY_AFTER_DURATION = "entry must not exceed durations (a customer enters before leaving)"
_CHURN_AT_ENTRY = "entry must be below durations for churned customers"


def _check_entry_order(t: np.ndarray, event: np.ndarray, e: np.ndarray) -> None:
    if np.any(e > t):
        raise ValueError(_ENTRY_AFTER_DURATION)
    if np.any(event & (e >= t)):
        raise ValueError(_CHURN_AT_ENTRY)


def _as_numbers(values: ArrayLike) -> np.ndarray:
    """int64 for integer input (no copy when already int64), else float64."""
    a = np.asarray(values)
    if a.dtype.kind in "iu":
        return a.astype(np.int64, copy=False)
    return np.asarray(a, dtype=float)


def _check_range(a: np.ndarray, name: str) -> float:
    """Raise unless ``a`` is finite and non-negative (one min and one max pass); its maximum."""
    lo, hi = a.min(), a.max()
    if a.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} must be finite")
    if lo < 0:
        raise ValueError(f"{name} must be at least 0")
    return float(hi)


def _as_whole(a: np.ndarray, top: float) -> tuple[np.ndarray, bool]:
    """``a`` as int64 and True when all its (finite, non-negative) values are whole numbers."""
    if a.dtype.kind == "i":
        return a, True
    if top >= 2.0**53:  # beyond exact int64 conversion; whole but kept as float
        return a, False
    ai = a.astype(np.int64)
    if np.array_equal(ai, a):
        return ai, True
    return a, False


def _check_weights(weights: ArrayLike, size: int, against: str) -> np.ndarray:
    """Validate per-row customer counts: one-dimensional, ``size`` long, finite, at least 0,
    and not all 0."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size != size:
        raise ValueError(f"weights has {w.size} values but {against} has {size}; they must match")
    lo, hi = w.min(), w.max()
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0:
        raise ValueError("weights must be finite counts of at least 0")
    if hi <= 0:
        raise ValueError("weights must give at least one customer a positive weight")
    return w
