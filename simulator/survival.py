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

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize

from simulator.sbg import SBGFit, _inverse_hessian, log_survival_ratio

__all__ = [
    "fit_sbg_counts",
    "fit_sbg_customers",
    "kaplan_meier",
    "sbg_counts",
    "sbg_log_likelihood_counts",
]


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
    Optimises (ln alpha, ln beta) with L-BFGS-B from (0, 0) and two further starts, then
    refines the best with Nelder-Mead (model.md section 6.2).
    """
    churn, cens, enter = _check_counts(churned_at, censored_at, entered_at)

    def negll(z: np.ndarray) -> float:
        return -_log_likelihood(float(np.exp(z[0])), float(np.exp(z[1])), churn, cens, enter)

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
        customers=float(enter.sum()),
        covariance_log=tuple(tuple(float(v) for v in row) for row in cov),
    )


def fit_sbg_customers(
    durations: ArrayLike, churned: ArrayLike, entry: ArrayLike | None = None
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

    Returns
    -------
    SBGFit
        As :func:`fit_sbg_counts` on the counts of :func:`sbg_counts`.

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
    return fit_sbg_counts(*sbg_counts(durations, churned, entry))


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
