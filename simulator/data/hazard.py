"""Discrete-time complementary log-log (cloglog) hazard model for one customer covariate.

Estimates how one customer-level covariate shifts the monthly churn hazard (model.md sections
6.6 and 6.7):

* **satisfaction -> churn** (gamma): the covariate is the customer's last CSAT/NPS score
  *before* the month at risk (lagged), e.g. 1-5;
* **contacts -> churn**: the number of support contacts (or a rate) before the month;
* **price elasticity of churn** (eta): the covariate is ln(P_new / P_old), the log of the
  customer's own price ratio (0 for customers whose price did not change).

Model. For a customer with covariate x at risk in month t of tenure,

    h(t, x) = 1 - exp(-exp(a_{bin(t)} + beta x)),

with a piecewise-constant baseline a over tenure bins (:data:`DEFAULT_TENURE_BINS`). The cloglog
link is the grouped-time version of the proportional-hazards model (Prentice & Gloeckler 1978):
if churn happens in continuous time with hazard lambda_0(u) exp(beta x) and is only recorded by
month, the monthly hazard is exactly of this form, so exp(beta) is the **hazard ratio per unit
of x**. The likelihood is the binomial one over person-period counts (Allison 1982), which
handles right censoring and left truncation (delayed entry) through the risk sets built by
:func:`person_period` (same convention as :mod:`simulator.data.survival`: a customer with entry
tenure e and duration m is at risk in months t with e < t <= m).

Interpretation and biases (state them next to any estimate):

* Non-response and rating bias (model.md 6.6; Mittal & Kamakura 2001): customers who answer
  surveys differ from those who do not, and equal scores need not mean equal satisfaction
  across customers. Groups with an unknown covariate (NaN) are left out, so the estimate
  describes respondents only.
* Confounding (model.md 6.6): satisfaction and contacts go with usage, plan and tenure, which
  drive churn by themselves. The tenure baseline removes tenure effects only. Unless x was set
  by an intervention (an experiment), treat the coefficient as an **upper bound** on the causal
  effect.
* Price changes (model.md 6.7): when increases were targeted by risk, usage or plan, the
  customers who got them differ from those who did not, and the estimate is confounded (use a
  control group / difference-in-differences or a randomised holdout). Concurrent events, the
  churn caused by the notification itself (Ascarza et al. 2016) and regression to the mean in
  targeted groups bias it further. This single-covariate fit has no month or notice-window
  effects: it is a first look, not the event-study of model.md 6.7 step 1.

References
----------
Prentice, R., Gloeckler, L. (1978). Regression analysis of grouped survival data with
application to breast cancer data. Biometrics 34, 57-67.
Allison, P. (1982). Discrete-time methods for the analysis of event histories. Sociological
Methodology 13, 61-98.
model.md sections 6.6 (satisfaction -> churn) and 6.7 (price elasticity from price-change
history).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri

__all__ = [
    "DEFAULT_TENURE_BINS",
    "HazardFit",
    "fit_cloglog_customers",
    "fit_cloglog_hazard",
    "person_period",
]

DEFAULT_TENURE_BINS: tuple[int, ...] = (1, 4, 7, 13, 25, 37, 61)
"""Lower edges (months) of the baseline's tenure bins: months 1-3, 4-6, 7-12, 13-24, 25-36,
37-60 and 61+. Churn hazards fall fastest early in tenure, hence the narrow early bins."""

_SEPARATION_LIMIT = 15.0
"""Largest |beta| x (range of x) accepted: a hazard ratio above e^15 (3e6) across the observed
covariate range means the fit ran off towards infinity (quasi-complete separation: e.g. no
churn at all at some covariate values), not an estimate."""

_BLOCK_CELLS = 1 << 24
"""Cells (covariate values x tenures) :func:`person_period` builds at once (memory bound)."""


@dataclass(frozen=True, kw_only=True)
class HazardFit:
    """A maximum-likelihood cloglog hazard fit with one covariate.

    Attributes
    ----------
    coefficient
        beta: the log hazard ratio per unit of the covariate (per point of a 1-5 score; per
        unit of ln price ratio, i.e. the price elasticity of the churn hazard).
    standard_error
        Standard error of ``coefficient`` from the inverse observed information (the Hessian
        of the log-likelihood in all parameters at the optimum). It treats person-periods as
        independent; it does not cluster by customer.
    hazard_ratio
        exp(coefficient): the factor on the monthly churn hazard per unit of the covariate.
    customers
        Customers with a known covariate (sum of the weights used) when known: set by
        :func:`fit_cloglog_customers`, NaN from :func:`fit_cloglog_hazard` unless passed in
        (person-period counts do not determine it under left truncation).
    events
        Churns in the data used.
    log_likelihood
        Maximised log-likelihood (natural log). Bins where nobody or everybody churned
        contribute their supremum, 0.
    likelihood_ratio
        2 (log_likelihood - log-likelihood of the same model without the covariate), >= 0;
        asymptotically chi-squared with 1 degree of freedom when beta = 0 (3.84: 5 % level).
    tenure_bins
        Lower edges (months) of the baseline's tenure bins that had customers at risk.
    baseline_hazard
        Fitted monthly churn hazard per bin in ``tenure_bins`` at covariate = ``covariate_mean``
        (0.0 or 1.0 in bins where nobody or everybody churned).
    covariate_mean
        At-risk-weighted mean of the covariate over the person-periods (the centring point).
    """

    coefficient: float
    standard_error: float
    hazard_ratio: float
    customers: float
    events: float
    log_likelihood: float
    likelihood_ratio: float
    tenure_bins: tuple[int, ...]
    baseline_hazard: tuple[float, ...] = ()
    covariate_mean: float = float("nan")

    @property
    def z(self) -> float:
        """Wald statistic coefficient / standard_error."""
        return self.coefficient / self.standard_error

    @property
    def p_value(self) -> float:
        """Two-sided p-value of the Wald test of beta = 0 (normal reference)."""
        return float(2.0 * ndtr(-abs(self.z)))  # the normal's upper tail

    def confidence_interval(self, level: float = 0.9) -> tuple[float, float]:
        """Wald confidence interval for the hazard ratio per unit, exp(beta -/+ z se).

        Parameters
        ----------
        level
            Coverage in (0, 1); 0.9 gives the 5 % and 95 % bounds.
        """
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
        half = float(ndtri(0.5 + level / 2.0)) * self.standard_error
        return float(np.exp(self.coefficient - half)), float(np.exp(self.coefficient + half))

    def significant(self, level: float = 0.9) -> bool:
        """Whether the ``level`` confidence interval excludes a hazard ratio of 1."""
        lo, hi = self.confidence_interval(level)
        return bool(lo > 1.0 or hi < 1.0)


def person_period(
    months: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike,
    covariate: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Expand grouped customers into person-period counts by (tenure, covariate value).

    Parameters
    ----------
    months
        Whole-month duration per group (>= 0; >= 1 for churners): the months paid for a churner,
        the tenure reached when the data ended for a censored group.
    churned
        Per group, true (or 1) if churn was observed at ``months``, false (0) if censored.
    entry
        Whole-month tenure per group at which it entered the data (0 <= entry <= months, and
        entry < months for churners). The group is at risk in months t with entry < t <= months.
    covariate
        Covariate value per group (any real units; NaN = unknown: such groups are left out).
    weights
        Customers per group (>= 0). ``None``: 1 each (one row per customer).

    Returns
    -------
    tenure, x, at_risk, events
        One element per distinct (tenure t >= 1, covariate value) with customers at risk,
        sorted by covariate value then tenure: ``tenure`` (int64 months), ``x`` (the covariate
        value), ``at_risk`` (customers at risk in month t, float) and ``events`` (of them,
        customers who churned in month t, float).

    Notes
    -----
    Vectorised: covariate values are coded with ``np.unique``; per code the at-risk count is the
    cumulative sum over tenure of +weight at entry + 1 and -weight at months + 1 (bincount),
    so the cost is O(groups + distinct values x longest tenure). Round a continuous covariate
    first (e.g. to 3 decimals) when it has very many distinct values.

    Examples
    --------
    >>> t, x, n, d = person_period([2, 1], [True, False], [0, 0], [1.0, 1.0])
    >>> t.tolist(), x.tolist(), n.tolist(), d.tolist()
    ([1, 2], [1.0, 1.0], [2.0, 1.0], [0.0, 1.0])
    """
    m, d, e, x, w = _check_groups(months, churned, entry, covariate, weights)
    use = ~np.isnan(x) & (w > 0)
    m, d, e, x, w = m[use], d[use], e[use], x[use], w[use]
    if m.size == 0:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0)
    values, codes = np.unique(x, return_inverse=True)
    width = int(m.max()) + 2  # tenures 0 .. max months, plus the slot for months + 1
    per_block = max(1, _BLOCK_CELLS // width)
    order = np.argsort(codes, kind="stable") if values.size > per_block else None
    sorted_codes = codes if order is None else codes[order]
    tol = 1e-9 * float(w.max())
    out_t, out_x, out_n, out_d = [], [], [], []
    for first in range(0, values.size, per_block):
        last = min(first + per_block, values.size)
        if order is None:
            idx = slice(None)
        else:
            lo, hi = np.searchsorted(sorted_codes, [first, last])
            idx = order[lo:hi]
        c = codes[idx] - first
        k = last - first
        cells = k * width
        base = c * width
        change = np.bincount(base + e[idx] + 1, weights=w[idx], minlength=cells)
        change -= np.bincount(base + m[idx] + 1, weights=w[idx], minlength=cells)
        at_risk = np.cumsum(change.reshape(k, width), axis=1)
        churn = np.bincount(base + m[idx], weights=w[idx] * d[idx], minlength=cells)
        churn = churn.reshape(k, width)
        rows, tenures = np.nonzero(at_risk > tol)  # row-major: by value, then tenure
        n = at_risk[rows, tenures]
        out_t.append(tenures.astype(np.int64))
        out_x.append(values[rows + first])
        out_n.append(n)
        out_d.append(np.minimum(churn[rows, tenures], n))  # rounding with fractional weights
    return (
        np.concatenate(out_t),
        np.concatenate(out_x),
        np.concatenate(out_n),
        np.concatenate(out_d),
    )


def fit_cloglog_hazard(
    tenure: ArrayLike,
    x: ArrayLike,
    at_risk: ArrayLike,
    events: ArrayLike,
    *,
    tenure_bins: tuple[int, ...] = DEFAULT_TENURE_BINS,
    customers: float | None = None,
) -> HazardFit:
    """Maximum-likelihood discrete-time cloglog hazard fit with one covariate.

    Model h(t, x) = 1 - exp(-exp(a_{bin(t)} + beta x)) with the binomial log-likelihood
    sum events ln h + (at_risk - events) ln(1 - h) over person-period rows.

    Parameters
    ----------
    tenure
        Month of tenure per row (whole months >= 1), as from :func:`person_period`.
    x
        Covariate value per row (finite).
    at_risk
        Customers at risk per row (>= 0; fractional weights allowed).
    events
        Churns per row (0 <= events <= at_risk).
    tenure_bins
        Strictly increasing lower edges (months, >= 1) of the piecewise-constant baseline.
        Tenures below the first edge join the first bin. Bins without rows are dropped.
    customers
        Customers behind the rows, reported as :attr:`HazardFit.customers` (NaN if None).

    Returns
    -------
    HazardFit
        beta with its standard error, hazard ratio, likelihood-ratio statistic against the
        model without x, and the baseline by bin.

    Raises
    ------
    ValueError
        Mismatched lengths, fewer than 2 rows, negative or non-finite counts, events above
        at_risk, no events, a covariate that does not vary (within some tenure bin with both
        churners and stayers: otherwise beta is not identified), or separation (beta runs off
        to infinity).

    Notes
    -----
    * x is centred at its at-risk-weighted mean before fitting (conditioning); beta is
      unchanged by centring.
    * Newton-Raphson in (a, beta) with the analytic gradient and Hessian and step halving,
      started at the model without x (whose MLE is closed-form: h_k = events_k / at_risk_k per
      bin), until the largest gradient component is below 1e-8 x total events.
    * A bin where nobody churns (or everybody does) has its intercept's MLE at -inf (+inf) for
      every beta, where its rows contribute exactly 0 to the log-likelihood and carry no
      information about beta. Such bins are therefore left out of the Newton iterations (an
      exact profile likelihood, not an approximation); their baseline hazard is reported as
      0 (1). Nothing diverges.
    * The standard error is from the inverse observed information in all parameters; it
      treats person-periods as independent (no clustering by customer).

    References
    ----------
    Prentice & Gloeckler (1978); Allison (1982); model.md sections 6.6 and 6.7.
    """
    t, xv, n, d = _check_rows(tenure, x, at_risk, events)
    edges = _check_bins(tenure_bins)
    bin_all = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, None)
    size = edges.size
    n_bin = np.bincount(bin_all, weights=n, minlength=size)
    d_bin = np.bincount(bin_all, weights=d, minlength=size)
    present = n_bin > 0
    informative = present & (d_bin > 0) & (d_bin < n_bin)
    if not informative.any():
        raise ValueError(
            "events: every tenure bin has no churn or only churn; the hazard model needs a "
            "bin with both churners and stayers"
        )
    keep = informative[bin_all] & (n > 0)
    # Renumber the informative bins 0 .. K-1.
    new_index = np.cumsum(informative) - 1
    b = new_index[bin_all[keep]]
    xk, nk, dk = xv[keep], n[keep], d[keep]
    n_k, d_k = n_bin[informative], d_bin[informative]
    k = int(informative.sum())
    lo_x = np.full(k, np.inf)
    hi_x = np.full(k, -np.inf)
    np.minimum.at(lo_x, b, xk)
    np.maximum.at(hi_x, b, xk)
    if not np.any(hi_x > lo_x):
        raise ValueError(
            "x does not vary within any tenure bin with both churners and stayers: the "
            "coefficient is not identified separately from the tenure baseline"
        )
    x_mean = float(np.sum(nk * xk) / np.sum(nk))
    xc = xk - x_mean

    # Model without x: closed form per bin.
    h0 = d_k / n_k
    a0 = np.log(-np.log1p(-h0))
    ll_null = float(np.sum(d_k * np.log(h0) + (n_k - d_k) * np.log1p(-h0)))

    theta = np.append(a0, 0.0)
    total_events = float(d.sum())
    tol = 1e-8 * max(1.0, total_events)
    ll, grad, hess = _derivatives(theta, b, xc, nk, dk, k)
    for _ in range(200):
        if np.max(np.abs(grad)) <= tol:
            break
        try:
            step = np.linalg.solve(-hess, grad)
        except np.linalg.LinAlgError:
            step = grad / max(1.0, float(np.max(np.abs(np.diag(hess)))))
        scale = 1.0
        while scale > 1e-12:
            trial = theta + scale * step
            ll_trial = _log_likelihood(trial, b, xc, nk, dk)
            if np.isfinite(ll_trial) and ll_trial >= ll - 1e-12 * abs(ll):
                break
            scale /= 2.0
        else:
            break  # no ascent possible: at the optimum to rounding
        theta = trial
        ll, grad, hess = _derivatives(theta, b, xc, nk, dk, k)
    beta = float(theta[-1])
    if not np.isfinite(beta) or abs(beta) * float(np.ptp(xc)) > _SEPARATION_LIMIT:
        raise ValueError(
            "x separates churners from stayers (e.g. no churn at some covariate values): the "
            "coefficient runs off to infinity and is not estimable"
        )
    if np.max(np.abs(grad)) > 1e3 * tol:
        raise RuntimeError("the cloglog hazard fit did not converge")
    try:
        covariance = np.linalg.inv(-hess)
        se = float(np.sqrt(covariance[-1, -1]))
    except np.linalg.LinAlgError:
        se = float("nan")

    baseline = np.where(d_bin >= n_bin, 1.0, 0.0)
    baseline[informative] = -np.expm1(-np.exp(theta[:-1]))
    return HazardFit(
        coefficient=beta,
        standard_error=se,
        hazard_ratio=float(np.exp(beta)),
        customers=float("nan") if customers is None else float(customers),
        events=total_events,
        log_likelihood=float(ll),
        likelihood_ratio=max(0.0, 2.0 * (float(ll) - ll_null)),
        tenure_bins=tuple(int(v) for v in edges[present]),
        baseline_hazard=tuple(float(v) for v in baseline[present]),
        covariate_mean=x_mean,
    )


def fit_cloglog_customers(
    months: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike,
    covariate: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    tenure_bins: tuple[int, ...] = DEFAULT_TENURE_BINS,
) -> HazardFit:
    """:func:`fit_cloglog_hazard` on :func:`person_period` of grouped customers.

    Parameters are those of :func:`person_period` (groups with an unknown covariate are left
    out) plus ``tenure_bins``; ``customers`` in the result is the sum of the weights of the
    groups used.
    """
    m, d, e, x, w = _check_groups(months, churned, entry, covariate, weights)
    used = float(w[~np.isnan(x)].sum())
    rows = person_period(m, d, e, x, w)
    return fit_cloglog_hazard(*rows, tenure_bins=tenure_bins, customers=used)


def _log_likelihood(
    theta: np.ndarray, b: np.ndarray, xc: np.ndarray, n: np.ndarray, d: np.ndarray
) -> float:
    eta = theta[b] + theta[-1] * xc
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        m = np.exp(eta)
        log_h = np.log(-np.expm1(-m))
        terms = np.where(d > 0, d * log_h, 0.0) - (n - d) * m
    return float(np.sum(terms))


def _derivatives(
    theta: np.ndarray, b: np.ndarray, xc: np.ndarray, n: np.ndarray, d: np.ndarray, k: int
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, gradient and Hessian in (a_0 .. a_{k-1}, beta)."""
    eta = theta[b] + theta[-1] * xc
    m = np.exp(eta)
    q = -np.expm1(-m)  # h
    em = np.exp(-m)  # 1 - h
    ll = float(np.sum(np.where(d > 0, d * np.log(q), 0.0) - (n - d) * m))
    # dl/deta = d m (1-h)/h - (n-d) m
    score = d * m * em / q - (n - d) * m
    # d2l/deta2 = d m (1-h) (h - m) / h^2 - (n-d) m, with h - m by series for small m.
    small = m < 1e-2
    q_minus_m = np.where(small, m * m * (-0.5 + m / 6.0 - m * m / 24.0 + m**3 / 120.0), q - m)
    curv = d * m * em * q_minus_m / (q * q) - (n - d) * m
    grad = np.empty(k + 1)
    grad[:k] = np.bincount(b, weights=score, minlength=k)
    grad[k] = np.sum(score * xc)
    hess = np.zeros((k + 1, k + 1))
    hess[np.arange(k), np.arange(k)] = np.bincount(b, weights=curv, minlength=k)
    cross = np.bincount(b, weights=curv * xc, minlength=k)
    hess[:k, k] = cross
    hess[k, :k] = cross
    hess[k, k] = np.sum(curv * xc * xc)
    return ll, grad, hess


def _as_1d(name: str, values: ArrayLike, size: int | None = None) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if size is not None and arr.size != size:
        raise ValueError(f"{name} has {arr.size} values but months has {size}; they must match")
    return arr


def _check_groups(
    months: ArrayLike,
    churned: ArrayLike,
    entry: ArrayLike,
    covariate: ArrayLike,
    weights: ArrayLike | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    m = _as_1d("months", months)
    size = m.size
    raw = np.asarray(churned)
    if raw.ndim != 1:
        raise ValueError("churned must be one-dimensional")
    if raw.size != size:
        raise ValueError(f"churned has {raw.size} values but months has {size}; they must match")
    e = _as_1d("entry", entry, size)
    x = _as_1d("covariate", covariate, size)
    w = np.ones(size) if weights is None else _as_1d("weights", weights, size)
    if not np.all(np.isfinite(m)) or np.any(m < 0) or np.any(m != np.round(m)):
        raise ValueError("months must be whole months, at least 0")
    d = raw.astype(float)
    if not np.all((d == 0) | (d == 1)):
        raise ValueError("churned must be true/false (or 1/0) per group")
    if np.any((d == 1) & (m < 1)):
        raise ValueError("months of churned groups must be at least 1")
    if not np.all(np.isfinite(e)) or np.any(e < 0) or np.any(e != np.round(e)):
        raise ValueError("entry must be whole months, at least 0")
    if np.any(e > m):
        raise ValueError("entry must not exceed months (a customer enters before leaving)")
    if np.any((d == 1) & (e >= m)):
        raise ValueError("entry must be below months for churned groups")
    if np.any(np.isinf(x)):
        raise ValueError("covariate must be finite or NaN (unknown)")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and at least 0")
    return m.astype(np.int64), d, e.astype(np.int64), x, w


def _check_rows(
    tenure: ArrayLike, x: ArrayLike, at_risk: ArrayLike, events: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    arrays = {}
    for name, values in (("tenure", tenure), ("x", x), ("at_risk", at_risk), ("events", events)):
        arr = np.asarray(values, dtype=float)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional")
        arrays[name] = arr
    size = arrays["tenure"].size
    for name, arr in arrays.items():
        if arr.size != size:
            raise ValueError(f"{name} has {arr.size} values but tenure has {size}; they must match")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    if size < 2:
        raise ValueError(f"tenure must list at least 2 person-period rows, got {size}")
    t, xv, n, d = arrays["tenure"], arrays["x"], arrays["at_risk"], arrays["events"]
    if np.any(t < 1) or np.any(t != np.round(t)):
        raise ValueError("tenure must be whole months, at least 1")
    if np.any(n < 0):
        raise ValueError("at_risk must be at least 0 (negative counts)")
    if np.any(d < 0):
        raise ValueError("events must be at least 0 (negative counts)")
    if np.any(d > n * (1.0 + 1e-12)):
        raise ValueError("events must not exceed at_risk in any row")
    d = np.minimum(d, n)
    if not np.sum(d) > 0:
        raise ValueError("events: there are no churn events; the hazard model needs some")
    if np.unique(xv[n > 0]).size < 2:
        raise ValueError(
            "x takes a single value among rows at risk: the coefficient is not identified"
        )
    return t.astype(np.int64), xv, n, d


def _check_bins(tenure_bins: tuple[int, ...]) -> np.ndarray:
    edges = np.asarray(tenure_bins, dtype=float)
    if edges.ndim != 1 or edges.size < 1:
        raise ValueError("tenure_bins must list at least one lower edge")
    if not np.all(np.isfinite(edges)) or np.any(edges != np.round(edges)) or edges[0] < 1:
        raise ValueError("tenure_bins must be whole months, at least 1")
    if np.any(np.diff(edges) <= 0):
        raise ValueError("tenure_bins must be strictly increasing")
    return edges.astype(np.int64)
