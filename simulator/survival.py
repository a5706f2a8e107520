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

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize, minimize_scalar

from simulator.sbg import SBGFit, _inverse_hessian, log_survival_ratio

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
    "sbg_counts",
    "sbg_log_likelihood_counts",
    "sbg_log_likelihood_intervals",
]

LOG_PARAMETER_BOUND: tuple[float, float] = (-12.0, 15.0)
"""Bounds of ln(alpha) and ln(beta) in every sBG fit (alpha, beta in [6e-6, 3.3e6]).

Without an upper bound the optimiser runs off towards the homogeneous limit (alpha, beta -> inf
with alpha / (alpha + beta) fixed: everybody has the same churn probability) whenever the data
show no heterogeneity, and stops at arbitrary values like 1e8. A fit at the bound is such a
limit (see :func:`sbg_at_bound`)."""

HOMOGENEITY_LR_THRESHOLD = 2.71
"""Likelihood-ratio statistic 2 (l_sBG - l_geometric) below which the sBG is said to fit no
better than constant churn. The geometric model is the sBG's boundary limit, so under it the
statistic is asymptotically 0.5 chi2(0) + 0.5 chi2(1) (Self & Liang 1987); 2.71 is its 5 %
critical value."""


def kaplan_meier(
    durations: ArrayLike, churned: ArrayLike, entry: ArrayLike | None = None
) -> pd.DataFrame:
    """Product-limit (Kaplan-Meier) survival estimate with right censoring and delayed entry.

    Parameters
    ----------
    durations
        Tenure at churn or at censoring, per customer, in periods (any non-negative reals).
    churned
        Per customer, true (or 1) if churn was observed at ``durations``, false (0) if censored.
    entry
        Optional tenure at which each customer entered the data (left truncation), in the same
        units; at most the duration, and below it for churners. The customer is at risk at
        times u with entry < u <= duration. ``None``: everyone at risk from time 0.

    Returns
    -------
    pandas.DataFrame
        One row per distinct duration, ascending: ``time``, ``at_risk`` (customers at risk just
        before ``time``), ``events`` (churns at ``time``), ``censored`` (censored at ``time``),
        ``survival`` (estimated S(time), the share still active after ``time``) and
        ``variance`` (Greenwood's variance of ``survival``; 0 once ``survival`` reaches 0).

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3], [True, True, False, False])
    >>> km["survival"].tolist()
    [0.75, 0.5, 0.5]
    """
    t, d, e = _check_customers(durations, churned, entry, whole_periods=False)
    times, index = np.unique(t, return_inverse=True)
    leaving = np.bincount(index, minlength=times.size).astype(float)
    events = np.bincount(index, weights=d, minlength=times.size)
    # Customers whose duration is >= u: all minus those who left at an earlier time.
    staying = t.size - np.concatenate(([0.0], np.cumsum(leaving)[:-1]))
    if e is None:
        at_risk = staying
    else:
        # ... minus those who have not entered yet (entry >= u).
        at_risk = staying - (e.size - np.searchsorted(np.sort(e), times, side="left"))
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
        survival = np.cumprod(1.0 - hazard)
        greenwood = np.cumsum(
            np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
        )
    variance = np.where(survival > 0, survival**2 * greenwood, 0.0)
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(np.int64),
            "events": events.astype(np.int64),
            "censored": (leaving - events).astype(np.int64),
            "survival": survival,
            "variance": variance,
        }
    )


def sbg_counts(
    durations: ArrayLike, churned: ArrayLike, entry: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aggregate customers into the sufficient statistics of the sBG likelihood.

    Parameters
    ----------
    durations, churned, entry
        As for :func:`fit_sbg_customers` (whole periods).

    Returns
    -------
    churned_at, censored_at, entered_at
        Float arrays of equal length, indexed by tenure 0, 1, ..., max duration: customers who
        churned after paying t periods, who were censored at tenure t, and who entered the data
        at tenure t (all at 0 when ``entry`` is None).
    """
    t, d, e = _check_customers(durations, churned, entry, whole_periods=True)
    ti = t.astype(np.int64)
    size = int(ti.max()) + 1 if ti.size else 1
    churned_at = np.bincount(ti, weights=d, minlength=size)
    censored_at = np.bincount(ti, weights=1.0 - d, minlength=size)
    if e is None:
        entered_at = np.zeros(size)
        entered_at[0] = float(t.size)
    else:
        entered_at = np.bincount(e.astype(np.int64), minlength=size).astype(float)
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
    return _log_likelihood(alpha, beta, churn, cens, enter)


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
    Optimises (ln alpha, ln beta) within :data:`LOG_PARAMETER_BOUND` with L-BFGS-B from (0, 0)
    and two further starts, then refines the best with (bounded) Nelder-Mead (model.md section
    6.2). A fit at the upper bound is the homogeneous (constant-churn) limit: check it with
    :func:`sbg_at_bound` and :func:`fit_geometric_intervals`.
    """
    churn, cens, enter = _check_counts(churned_at, censored_at, entered_at)

    def negll(z: np.ndarray) -> float:
        return -_log_likelihood(float(np.exp(z[0])), float(np.exp(z[1])), churn, cens, enter)

    return _fit(negll, float(enter.sum()))


def fit_sbg_customers(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    interval_months: int = 1,
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
        return fit_sbg_counts(*sbg_counts(durations, churned, entry))
    return fit_sbg_intervals(*customer_intervals(durations, churned, entry, interval_months=k))


def customer_intervals(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    interval_months: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers as interval-censored observations ``(lower, upper, entry)`` (whole periods).

    A churner with duration t and entry e, on a grid of k = ``interval_months`` periods, left
    in (max(u - k, e), u] with u = k ceil(t / k), u >= k: it paid more than ``lower`` and at most
    ``upper`` periods. With k = 1 that is (t - 1, t], the exact event P(T = t). A censored
    customer gets ``upper`` = inf and ``lower`` = t + k // 2: with whole-year tenure t = 12 y
    the customer has survived somewhere in [12 y, 12 y + 11] months, and censoring at the
    middle (12 y + 6) removes most of the bias of censoring at the lower end 12 y (with k = 1,
    exactly t).
    """
    k = _check_interval(interval_months)
    t, d, e = _check_customers(durations, churned, entry, whole_periods=True)
    e = np.zeros(t.size) if e is None else e
    event = d == 1
    top = np.maximum(k * np.ceil(t / k), k)
    upper = np.where(event, top, np.inf)
    lower = np.where(event, np.maximum(top - k, e), t + k // 2)
    return lower, upper, e


def sbg_log_likelihood_intervals(
    alpha: float,
    beta: float,
    lower: ArrayLike,
    upper: ArrayLike,
    entry: ArrayLike | None = None,
) -> float:
    """sBG log-likelihood of interval-censored, right-censored and left-truncated customers.

    l = sum_i [ ln(S(l_i) - S(u_i)) - ln S(e_i) ], with S(inf) = 0 (right-censored at l_i),
    evaluated as ln S(l) + ln(1 - exp(ln S(u) - ln S(l))) for numerical stability.

    Parameters
    ----------
    alpha, beta
        sBG parameters (both > 0).
    lower, upper, entry
        Per customer (whole periods): churn happened after ``lower`` and at most ``upper``
        periods paid (``upper`` = inf: still active at ``lower``); ``entry`` the tenure at
        which the customer entered the data (None: 0).
    """
    groups = _interval_groups(lower, upper, entry)
    return _interval_log_likelihood(alpha, beta, *groups)


def fit_sbg_intervals(lower: ArrayLike, upper: ArrayLike, entry: ArrayLike | None = None) -> SBGFit:
    """Maximum-likelihood sBG fit to interval-censored customers (with censoring and truncation).

    Parameters
    ----------
    lower, upper, entry
        As for :func:`sbg_log_likelihood_intervals`: per customer, churn in (``lower``,
        ``upper``] periods paid, ``upper`` = inf for a customer still active at ``lower``;
        ``entry`` at most ``lower``. Exact monthly data are (t - 1, t]; yearly data converted
        to months are (12 (y - 1), 12 y] (see :func:`customer_intervals`).

    Returns
    -------
    SBGFit
        As :func:`fit_sbg_counts`. The likelihood runs over the distinct (lower, upper, entry)
        triples with their counts (sufficient statistics), so large tables stay fast.
    """
    groups = _interval_groups(lower, upper, entry)

    def negll(z: np.ndarray) -> float:
        return -_interval_log_likelihood(float(np.exp(z[0])), float(np.exp(z[1])), *groups)

    return _fit(negll, float(groups[-1].sum()))


@dataclass(frozen=True)
class GeometricFit:
    """Maximum-likelihood constant-churn (geometric) fit: every customer churns with
    probability ``churn`` per period. ``log_likelihood`` is comparable with the sBG's on the
    same data (it is the sBG's homogeneous limit)."""

    churn: float
    log_likelihood: float


def fit_geometric_intervals(
    lower: ArrayLike, upper: ArrayLike, entry: ArrayLike | None = None
) -> GeometricFit:
    """Constant-churn MLE on the data of :func:`fit_sbg_intervals`: S(t) = (1 - c)^t.

    With exact periods (upper = lower + 1 for churners) this is churners / periods at risk; with
    wider intervals it is found numerically (on logit c).
    """
    lo, up, churn_w, cens_lo, cens_w, ent, ent_w = _interval_groups(lower, upper, entry)
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


def _fit(negll, customers: float) -> SBGFit:  # type: ignore[no-untyped-def]
    bounds = [LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUND]
    best = None
    for start in ((0.0, 0.0), (-1.0, 1.0), (1.0, 3.0)):
        res = minimize(negll, np.array(start), method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    res = minimize(
        negll,
        best.x,
        method="Nelder-Mead",
        bounds=bounds,
        options={"xatol": 1e-10, "fatol": 1e-12},
    )
    z = res.x if res.fun <= best.fun else best.x
    cov = _inverse_hessian(negll, z)
    return SBGFit(
        alpha=float(np.exp(z[0])),
        beta=float(np.exp(z[1])),
        log_likelihood=-float(negll(z)),
        customers=customers,
        covariance_log=tuple(tuple(float(v) for v in row) for row in cov),
    )


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
    lower: ArrayLike, upper: ArrayLike, entry: ArrayLike | None
) -> tuple[np.ndarray, ...]:
    """Validate interval data and group it: (event lower, event upper, event counts, censored
    tenures, censored counts, entry tenures, entry counts)."""
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
    pairs, churn_w = np.unique(np.stack([lo[finite], up[finite]]), axis=1, return_counts=True)
    cens_lo, cens_w = np.unique(lo[~finite], return_counts=True)
    ent, ent_w = np.unique(en, return_counts=True)
    return (
        pairs[0],
        pairs[1],
        churn_w.astype(float),
        cens_lo,
        cens_w.astype(float),
        ent,
        ent_w.astype(float),
    )


def _interval_log_likelihood(
    alpha: float,
    beta: float,
    lo: np.ndarray,
    up: np.ndarray,
    churn_w: np.ndarray,
    cens_lo: np.ndarray,
    cens_w: np.ndarray,
    ent: np.ndarray,
    ent_w: np.ndarray,
) -> float:
    log_lo = log_survival_ratio(alpha, beta, lo)
    # ln S(u) - ln S(l) = sum over months m in (l, u] of ln(1 - alpha / (alpha + beta + m - 1)):
    # exact, and stable where the log-beta difference cancels (alpha -> 0 or beta -> inf).
    # Wide intervals (more than _NARROW periods) use the log-beta difference directly.
    width = up - lo
    log_ratio = log_survival_ratio(alpha, beta + lo, width)
    narrow = width <= _NARROW
    if np.any(narrow):
        j = np.arange(int(width[narrow].max()))
        hazard = alpha / (alpha + beta + lo[narrow, None] + j[None, :])
        inside = j[None, :] < width[narrow, None]
        log_ratio[narrow] = np.where(inside, np.log1p(-hazard), 0.0).sum(axis=1)
    event = log_lo + np.log(-np.expm1(log_ratio))
    return float(
        churn_w @ event
        + cens_w @ log_survival_ratio(alpha, beta, cens_lo)
        - ent_w @ log_survival_ratio(alpha, beta, ent)
    )


def _log_likelihood(
    alpha: float, beta: float, churn: np.ndarray, cens: np.ndarray, enter: np.ndarray
) -> float:
    t = np.arange(churn.size, dtype=float)
    log_s = log_survival_ratio(alpha, beta, t)
    # ln P(T = t) = ln S(t-1) + ln(alpha / (alpha + beta + t - 1)), t >= 1
    log_churn = log_s[:-1] + np.log(alpha / (alpha + beta + t[1:] - 1))
    return float(churn[1:] @ log_churn + (cens - enter) @ log_s)


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
    durations: ArrayLike, churned: ArrayLike, entry: ArrayLike | None, *, whole_periods: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    t = np.asarray(durations, dtype=float)
    raw = np.asarray(churned)
    if t.ndim != 1 or raw.ndim != 1:
        raise ValueError("durations and churned must be one-dimensional")
    if raw.size != t.size:
        raise ValueError(
            f"churned has {raw.size} values but durations has {t.size}; they must match"
        )
    if t.size == 0:
        raise ValueError("durations must hold at least one customer")
    if not np.all(np.isfinite(t)):
        raise ValueError("durations must be finite")
    if np.any(t < 0):
        raise ValueError("durations must be at least 0")
    d = raw.astype(float)
    if not np.all((d == 0) | (d == 1)):
        raise ValueError("churned must be true/false (or 1/0) per customer")
    if whole_periods:
        if np.any(t != np.round(t)):
            raise ValueError("durations must be whole periods for the sBG fit")
        if np.any((d == 1) & (t < 1)):
            raise ValueError("durations of churned customers must be at least 1 period")
    if entry is None:
        return t, d, None
    e = np.asarray(entry, dtype=float)
    if e.ndim != 1 or e.size != t.size:
        raise ValueError(f"entry has {e.size} values but durations has {t.size}; they must match")
    if not np.all(np.isfinite(e)):
        raise ValueError("entry must be finite")
    if np.any(e < 0):
        raise ValueError("entry must be at least 0")
    if whole_periods and np.any(e != np.round(e)):
        raise ValueError("entry must be whole periods for the sBG fit")
    if np.any(e > t):
        raise ValueError("entry must not exceed durations (a customer enters before leaving)")
    if np.any((d == 1) & (e >= t)):
        raise ValueError("entry must be below durations for churned customers")
    return t, d, e
