"""Observed survival from customer-level data: Kaplan-Meier and the life table, and the checks
of the customer rows that every survival estimate starts from (here and in
:mod:`simulator.data.sbg_fit`, the sBG fits).

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
Cutler, S., Ederer, F. (1958). Maximum utilization of the life table method in analyzing
survival. J. Chronic Diseases 8, 699-712.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "CustomerRows",
    "check_customers",
    "check_interval",
    "check_weights",
    "kaplan_meier",
    "life_table",
]


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
    c = check_customers(
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


def life_table(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    interval_months: int,
    weights: ArrayLike | None = None,
) -> pd.DataFrame:
    """Actuarial (life-table) survival at whole intervals, in the convention of
    :func:`simulator.data.sbg_fit.customer_intervals`: the observed curve an interval-censored
    sBG fit is compared with.

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
        As for :func:`simulator.data.sbg_fit.fit_sbg_customers` (whole periods).
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
    k = check_interval(interval_months)
    c = check_customers(durations, churned, entry, whole_periods=True, weights=weights)
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


_FAST_KM_MAX_DURATION = 100_000
"""Largest whole-number duration (periods) for which :func:`kaplan_meier` counts by bincount."""


_JOINT_TABLE_MAX_BINS = 1 << 18
"""Largest (entry, duration, churned) table :func:`kaplan_meier` counts in one bincount."""


def _km_counts_whole(c: CustomerRows) -> tuple[np.ndarray, ...]:
    """Kaplan-Meier counts for whole-number durations by bincount: (time, at risk, events,
    leaving) at the times where positive weight leaves. Checks the entry order (left to the
    caller by ``check_customers(..., entry_order=False)``)."""
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


def _km_counts_general(c: CustomerRows) -> tuple[np.ndarray, ...]:
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


class CustomerRows(NamedTuple):
    """Validated customer rows (see :func:`check_customers`)."""

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


def check_customers(
    durations: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike | None,
    *,
    whole_periods: bool,
    weights: ArrayLike | None = None,
    entry_order: bool = True,
) -> CustomerRows:
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
    w = None if weights is None else check_weights(weights, t.size, "durations")
    return CustomerRows(
        t=t,
        event=event,
        e=e,
        w=w,
        whole=whole,
        max_duration=top,
        max_entry=0.0 if e is None else top_entry,
    )


def check_interval(interval_months: int) -> int:
    """``interval_months`` (the tenure resolution in periods) as an int, or a ValueError unless
    it is a whole number of at least 1."""
    if (
        not isinstance(interval_months, int | np.integer)
        or isinstance(interval_months, bool)
        or interval_months < 1
    ):
        raise ValueError(
            f"interval_months must be a whole number of at least 1; got {interval_months!r}"
        )
    return int(interval_months)


def check_weights(weights: ArrayLike, size: int, against: str) -> np.ndarray:
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
