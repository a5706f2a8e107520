"""Discrete-time cloglog hazard fit (simulator/hazard.py; model.md 6.6 and 6.7)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest

from simulator.data import hazard
from simulator.data.hazard import (
    DEFAULT_TENURE_BINS,
    HazardFit,
    fit_cloglog_customers,
    fit_cloglog_hazard,
    person_period,
)

LOG_PRICES = np.log([1.0, 1.05, 1.10])


def simulate(rng, x, beta, intercept_by_month, max_months=60, truncated_share=0.3):
    """Customers with monthly hazard 1 - exp(-exp(a_t + beta x)), random right censoring at
    tenures 1..max_months and left truncation (entry > 0) for ``truncated_share`` of them."""
    size = x.size
    censor = rng.integers(1, max_months + 1, size)
    entry = np.where(rng.random(size) < truncated_share, rng.integers(0, 13, size), 0)
    entry = np.minimum(entry, censor - 1)
    months = censor.copy()
    churned = np.zeros(size, dtype=bool)
    alive = np.ones(size, dtype=bool)
    for t in range(1, max_months + 1):
        risk = np.flatnonzero(alive & (entry < t) & (t <= censor))
        hazard = -np.expm1(-np.exp(intercept_by_month(t) + beta * x[risk]))
        hit = risk[rng.random(risk.size) < hazard]
        months[hit] = t
        churned[hit] = True
        alive[hit] = False
    return months, churned, entry


def baseline(t):
    return -3.0 if t <= 3 else -3.4 if t <= 12 else -3.8


# --- person_period ---------------------------------------------------------------------------


def test_person_period_hand_checked_example():
    months = [3, 2, 4, 2, 1]
    churned = [True, False, True, False, True]
    entry = [0, 0, 2, 2, 0]
    covariate = [1.0, 1.0, 2.0, 2.0, np.nan]  # the last group is unknown: left out
    weights = [2, 1, 3, 5, 4]  # the fourth enters at its last month: never at risk
    tenure, x, at_risk, events = person_period(months, churned, entry, covariate, weights)
    np.testing.assert_array_equal(tenure, [1, 2, 3, 3, 4])
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0, 2.0, 2.0])
    np.testing.assert_array_equal(at_risk, [3.0, 3.0, 2.0, 3.0, 3.0])
    np.testing.assert_array_equal(events, [0.0, 0.0, 2.0, 0.0, 3.0])
    assert tenure.dtype == np.int64


@pytest.mark.parametrize("block_cells", [None, 64])
def test_person_period_matches_a_naive_expansion_customer_by_customer(monkeypatch, block_cells):
    if block_cells is not None:  # force the memory-bounded path (covariate values in blocks)
        monkeypatch.setattr(hazard, "_BLOCK_CELLS", block_cells)
    rng = np.random.default_rng(20240607)
    size = 500
    months = rng.integers(0, 25, size)
    churned = (rng.random(size) < 0.4) & (months >= 1)
    entry = np.where(rng.random(size) < 0.4, rng.integers(0, 10, size), 0)
    entry = np.minimum(entry, np.where(churned, months - 1, months))
    covariate = rng.choice([1.0, 2.5, 3.0, np.nan, -0.5], size)
    weights = rng.integers(0, 4, size).astype(float)

    at_risk = defaultdict(float)
    events = defaultdict(float)
    for m, d, e, x, w in zip(months, churned, entry, covariate, weights, strict=True):
        if np.isnan(x) or w == 0:
            continue
        for t in range(e + 1, m + 1):
            at_risk[(t, x)] += w
            if d and t == m:
                events[(t, x)] += w
    keys = sorted(at_risk, key=lambda k: (k[1], k[0]))
    tenure, x, n, d = person_period(months, churned, entry, covariate, weights)
    assert list(zip(tenure.tolist(), x.tolist(), strict=True)) == keys
    np.testing.assert_array_equal(n, [at_risk[k] for k in keys])
    np.testing.assert_array_equal(d, [events[k] for k in keys])


def test_person_period_defaults_to_one_customer_per_row_and_handles_a_million_groups():
    rng = np.random.default_rng(5)
    size = 1_000_000
    months = rng.integers(1, 61, size)
    churned = rng.random(size) < 0.3
    entry = np.zeros(size, dtype=np.int64)
    covariate = rng.integers(1, 6, size).astype(float)
    tenure, x, n, d = person_period(months, churned, entry, covariate)
    assert tenure.size == 5 * 60
    assert n[tenure == 1].sum() == size
    assert d.sum() == churned.sum()
    assert np.unique(x).tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_person_period_with_every_covariate_unknown_is_empty():
    tenure, x, n, d = person_period([2, 3], [True, False], [0, 0], [np.nan, np.nan])
    assert tenure.size == x.size == n.size == d.size == 0


# --- fit_cloglog_hazard: exactness and recovery ----------------------------------------------


def test_single_tenure_binary_covariate_has_the_closed_form_mle():
    # Everybody at risk in month 1 only: h_x = d_x / n_x exactly, so
    # beta = ln(-ln(1 - h_1)) - ln(-ln(1 - h_0)).
    n0, d0, n1, d1 = 1000, 100, 800, 200
    months = np.ones(n0 + n1, dtype=np.int64)
    churned = np.r_[np.arange(n0) < d0, np.arange(n1) < d1]
    x = np.r_[np.zeros(n0), np.ones(n1)]
    fit = fit_cloglog_customers(months, churned, np.zeros_like(months), x)
    h0, h1 = d0 / n0, d1 / n1
    expected = math.log(-math.log1p(-h1)) - math.log(-math.log1p(-h0))
    assert fit.coefficient == pytest.approx(expected, abs=1e-8)
    assert fit.tenure_bins == (1,)
    assert fit.customers == n0 + n1 and fit.events == d0 + d1

    def binomial(d, n):
        return d * math.log(d / n) + (n - d) * math.log1p(-d / n)

    saturated = binomial(d0, n0) + binomial(d1, n1)
    pooled = binomial(d0 + d1, n0 + n1)
    assert fit.log_likelihood == pytest.approx(saturated, abs=1e-8)
    assert fit.likelihood_ratio == pytest.approx(2 * (saturated - pooled), abs=1e-7)
    # Observed information of the saturated binary model: Var(beta) = sum over groups of
    # 1 / (n m^2 (1-h) / h) with m = -ln(1 - h) (delta method on the cloglog transform).
    var = sum(h / (n * math.log1p(-h) ** 2 * (1 - h)) for h, n in ((h0, n0), (h1, n1)))
    assert fit.standard_error == pytest.approx(math.sqrt(var), rel=1e-6)


def test_recovers_a_satisfaction_effect_per_point():
    rng = np.random.default_rng(11)
    x = rng.integers(1, 6, 200_000).astype(float)
    beta = -0.35
    rows = person_period(*simulate(rng, x, beta, baseline), x)
    fit = fit_cloglog_hazard(*rows)
    assert isinstance(fit, HazardFit)
    assert fit.standard_error < 0.05
    assert abs(fit.coefficient - beta) < 3 * fit.standard_error
    lo, hi = fit.confidence_interval(0.9)
    assert lo < math.exp(beta) < hi
    assert fit.hazard_ratio == pytest.approx(math.exp(fit.coefficient))
    assert fit.significant(0.9) and fit.p_value < 1e-6 and fit.z < 0
    assert fit.likelihood_ratio > 100
    # No one is at risk past month 60: the 61+ bin is dropped.
    assert fit.tenure_bins == DEFAULT_TENURE_BINS[:-1]
    assert len(fit.baseline_hazard) == len(fit.tenure_bins)


def test_recovers_the_price_elasticity_of_the_churn_hazard():
    rng = np.random.default_rng(12)
    x = rng.choice(LOG_PRICES, 300_000)
    eta = 2.0
    rows = person_period(*simulate(rng, x, eta, lambda t: baseline(t) + 0.8), x)
    fit = fit_cloglog_hazard(*rows)
    assert fit.standard_error < 0.1
    assert abs(fit.coefficient - eta) < 3 * fit.standard_error
    lo, hi = fit.confidence_interval(0.9)
    assert lo < math.exp(eta) < hi
    # Hazard ratio per +10 % price: 1.1 ** eta.
    assert 1.1**fit.coefficient == pytest.approx(math.exp(fit.coefficient * math.log(1.1)))


def test_no_effect_gives_a_small_likelihood_ratio_and_an_interval_covering_one():
    rng = np.random.default_rng(13)
    x = rng.integers(1, 6, 100_000).astype(float)
    fit = fit_cloglog_customers(*simulate(rng, x, 0.0, baseline), x)
    assert fit.likelihood_ratio < 6
    lo, hi = fit.confidence_interval(0.9)
    assert lo < 1.0 < hi
    assert fit.customers == 100_000


def test_the_coefficient_ignores_a_shift_of_the_covariate_and_the_standard_error_scales():
    rng = np.random.default_rng(14)
    x = rng.integers(1, 6, 30_000).astype(float)
    tenure, xs, n, d = person_period(*simulate(rng, x, -0.3, baseline), x)
    fit = fit_cloglog_hazard(tenure, xs, n, d)
    shifted = fit_cloglog_hazard(tenure, xs + 100.0, n, d)
    scaled = fit_cloglog_hazard(tenure, xs * 2.0, n, d)
    assert shifted.coefficient == pytest.approx(fit.coefficient, rel=1e-9)
    assert shifted.log_likelihood == pytest.approx(fit.log_likelihood, rel=1e-12)
    assert scaled.coefficient == pytest.approx(fit.coefficient / 2.0, rel=1e-9)
    assert scaled.standard_error == pytest.approx(fit.standard_error / 2.0, rel=1e-6)


def test_bins_with_no_churn_or_only_churn_do_not_diverge_and_drop_out_exactly():
    rng = np.random.default_rng(15)
    x = rng.integers(1, 6, 20_000).astype(float)
    tenure, xs, n, d = person_period(*simulate(rng, x, -0.3, baseline), x)
    base = fit_cloglog_hazard(tenure, xs, n, d)
    # Months 61-62 (bin 61+): many at risk, nobody churns; month 100 (its own bin): everybody
    # at risk churns. Each such bin's intercept MLE is infinite and it adds 0 to the
    # log-likelihood for every beta, so the fit must equal the fit without those rows.
    extra_t = np.array([61, 61, 62, 100, 100])
    extra_x = np.array([1.0, 5.0, 3.0, 2.0, 4.0])
    extra_n = np.array([500.0, 400.0, 300.0, 7.0, 3.0])
    extra_d = np.array([0.0, 0.0, 0.0, 7.0, 3.0])
    bins = (*DEFAULT_TENURE_BINS, 100)
    fit = fit_cloglog_hazard(
        np.r_[tenure, extra_t],
        np.r_[xs, extra_x],
        np.r_[n, extra_n],
        np.r_[d, extra_d],
        tenure_bins=bins,
    )
    assert fit.coefficient == pytest.approx(base.coefficient, rel=1e-10)
    assert fit.standard_error == pytest.approx(base.standard_error, rel=1e-8)
    assert fit.log_likelihood == pytest.approx(base.log_likelihood, rel=1e-12)
    assert fit.tenure_bins == bins
    assert fit.baseline_hazard[-2:] == (0.0, 1.0)


def test_complete_separation_is_reported_not_returned():
    months = np.array([1, 1, 2, 2, 3, 3])
    churned = np.array([True, False, True, False, True, False])
    x = churned.astype(float)  # churners and only churners have x = 1
    with pytest.raises(ValueError, match="separates"):
        fit_cloglog_customers(months, churned, np.zeros(6, dtype=np.int64), x, [5] * 6)


# --- validation ------------------------------------------------------------------------------

GOOD_ROWS = {
    "tenure": [1, 1, 2, 2],
    "x": [0.0, 1.0, 0.0, 1.0],
    "at_risk": [10.0, 10.0, 8.0, 9.0],
    "events": [2.0, 1.0, 1.0, 1.0],
}


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"x": [0.0, 1.0, 0.0]}, "x"),
        ({"at_risk": [10.0, -1.0, 8.0, 9.0]}, "at_risk"),
        ({"events": [2.0, -1.0, 1.0, 1.0]}, "events"),
        ({"events": [2.0, 11.0, 1.0, 1.0]}, "events"),
        ({"events": [0.0, 0.0, 0.0, 0.0]}, "events"),
        ({"x": [1.0, 1.0, 1.0, 1.0]}, "x"),
        ({"tenure": [0, 1, 2, 2]}, "tenure"),
        ({"tenure": [1.5, 1, 2, 2]}, "tenure"),
        ({"x": [0.0, np.nan, 0.0, 1.0]}, "x"),
        (
            {"tenure": [1], "x": [0.0], "at_risk": [10.0], "events": [2.0]},
            "tenure",
        ),
    ],
)
def test_fit_rejects_invalid_rows_naming_the_argument(change, name):
    with pytest.raises(ValueError, match=name):
        fit_cloglog_hazard(**{**GOOD_ROWS, **change})


def test_fit_rejects_a_covariate_constant_within_each_tenure_bin():
    # x differs only between bins: confounded with the baseline.
    with pytest.raises(ValueError, match="x does not vary"):
        fit_cloglog_hazard([1, 1, 5, 5], [0.0, 0.0, 1.0, 1.0], [10, 10, 10, 10], [1, 2, 1, 2])


def test_fit_rejects_bad_tenure_bins():
    for bins in [(), (0, 4), (4, 4), (1, 2.5)]:
        with pytest.raises(ValueError, match="tenure_bins"):
            fit_cloglog_hazard(**GOOD_ROWS, tenure_bins=bins)


GOOD_GROUPS = {
    "months": [3, 2, 4],
    "churned": [True, False, True],
    "entry": [0, 1, 2],
    "covariate": [1.0, 2.0, 3.0],
    "weights": [1.0, 2.0, 3.0],
}


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"churned": [True, False]}, "churned"),
        ({"entry": [0, 1]}, "entry"),
        ({"covariate": [1.0, 2.0]}, "covariate"),
        ({"weights": [1.0, 2.0]}, "weights"),
        ({"months": [3, -2, 4]}, "months"),
        ({"months": [3, 2.5, 4]}, "months"),
        ({"months": [0, 2, 4]}, "months"),  # a churner needs at least one month
        ({"churned": [2, 0, 1]}, "churned"),
        ({"entry": [0, 3, 2]}, "entry"),  # above months
        ({"entry": [3, 1, 2]}, "entry"),  # a churner entering at its churn month
        ({"entry": [-1, 1, 2]}, "entry"),
        ({"weights": [1.0, -2.0, 3.0]}, "weights"),
        ({"covariate": [1.0, np.inf, 3.0]}, "covariate"),
    ],
)
def test_person_period_rejects_invalid_groups_naming_the_argument(change, name):
    with pytest.raises(ValueError, match=name):
        person_period(**{**GOOD_GROUPS, **change})


def test_confidence_level_must_be_a_probability():
    fit = fit_cloglog_hazard(**GOOD_ROWS)
    with pytest.raises(ValueError, match="level"):
        fit.confidence_interval(1.0)
