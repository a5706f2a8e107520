"""Kaplan-Meier and the individual-level sBG fit with right censoring and left truncation.

lifelines is the reference for Kaplan-Meier (a test-only dependency); the sBG fit must agree with
:func:`simulator.model.sbg.fit_sbg` on the Fader & Hardie "High End" data and recover known
parameters from seeded synthetic customers, including a left-truncated table.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

import simulator.data.survival as survival
from simulator.data.sbg_fit import (
    HOMOGENEITY_LR_THRESHOLD,
    _check_counts,
    _interval_groups,
    _interval_objective,
    customer_intervals,
    fit_geometric_intervals,
    fit_sbg_counts,
    fit_sbg_customers,
    fit_sbg_intervals,
    sbg_counts,
    sbg_log_likelihood_counts,
    sbg_log_likelihood_intervals,
)
from simulator.data.survival import kaplan_meier, life_table
from simulator.model.sbg import (
    LOG_PARAMETER_BOUND,
    _counts_objective,
    fit_sbg,
    sbg_log_likelihood,
    sbg_survival,
)

SEED = 20240601
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def lifelines_km(durations, churned, entry=None, weights=None):
    """lifelines' KaplanMeierFitter, fitted (imported here: the import takes seconds)."""
    from lifelines import KaplanMeierFitter

    with warnings.catch_warnings():
        # lifelines warns that fractional weights bias its variance (not compared here).
        warnings.simplefilter("ignore")
        return KaplanMeierFitter().fit(
            durations, event_observed=churned, entry=entry, weights=weights
        )


def lifelines_survival(durations, churned, entry=None) -> pd.Series:
    return lifelines_km(durations, churned, entry).survival_function_.iloc[:, 0]


def continuous_customers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weibull lifetimes, uniform censoring, entry strictly inside (0, duration) for 40%."""
    rng = np.random.default_rng(seed)
    life = 20.0 * rng.weibull(0.8, n)
    end = rng.uniform(1.0, 40.0, n)
    churned = life <= end
    durations = np.minimum(life, end)
    entry = np.where(rng.random(n) < 0.4, durations * rng.uniform(0.0, 0.9, n), 0.0)
    return durations, churned, entry


def high_end_customers() -> tuple[np.ndarray, np.ndarray]:
    lost = -np.diff(HIGH_END)
    durations = np.concatenate((np.repeat(np.arange(1, 8), lost), np.full(HIGH_END[-1], 7)))
    churned = np.arange(durations.size) < HIGH_END[0] - HIGH_END[-1]
    return durations, churned


def sbg_customers(alpha, beta, n, seed, *, truncated):
    """Beta-distributed churn probabilities, geometric lifetimes (periods paid), censoring.

    Untruncated: everyone observed from tenure 0 for 1-36 periods. Truncated: a table of
    customers alive at tenure e in 12..60 when the data window opened (nobody younger), followed
    for 24 periods; customers who churned before e are not in it.
    """
    rng = np.random.default_rng(seed)
    draws = 8 * n if truncated else n
    lifetime = rng.geometric(rng.beta(alpha, beta, draws))
    if truncated:
        entry = rng.integers(12, 61, draws)
        alive = lifetime > entry
        lifetime, entry = lifetime[alive][:n], entry[alive][:n]
        assert lifetime.size == n
        end = entry + 24
    else:
        entry = np.zeros(n, dtype=np.int64)
        end = rng.integers(1, 37, n)
    churned = lifetime <= end
    return np.where(churned, lifetime, end), churned, entry


def distance(fit, alpha, beta) -> float:
    """Mahalanobis distance of (ln alpha, ln beta) from the truth, in the fit's covariance."""
    dz = np.log([fit.alpha, fit.beta]) - np.log([alpha, beta])
    return float(np.sqrt(dz @ np.linalg.solve(np.array(fit.covariance_log), dz)))


# --- Kaplan-Meier: hand-computed cases -------------------------------------------------------


def test_km_hand_computed_right_censoring_with_greenwood_variance():
    km = kaplan_meier([1, 2, 2, 3], [True, True, False, False])
    assert km["time"].tolist() == [1, 2, 3]
    assert km["at_risk"].tolist() == [4, 3, 1]
    assert km["events"].tolist() == [1, 1, 0]
    assert km["censored"].tolist() == [0, 1, 1]
    np.testing.assert_allclose(km["survival"], [0.75, 0.5, 0.5], rtol=0, atol=1e-15)
    # Greenwood: S^2 * sum d / (n (n - d)) = 0.75^2/12, then 0.5^2 (1/12 + 1/6)
    np.testing.assert_allclose(km["variance"], [0.046875, 0.0625, 0.0625], rtol=1e-14)


def test_km_hand_computed_delayed_entry_uses_entry_below_time():
    # at risk at u: entry < u <= duration
    km = kaplan_meier([2, 3, 4, 5], [1, 1, 0, 1], entry=[0, 2, 3, 0])
    assert km["at_risk"].tolist() == [2, 2, 2, 1]
    assert km["events"].tolist() == [1, 1, 0, 1]
    np.testing.assert_allclose(km["survival"], [0.5, 0.25, 0.25, 0.0], rtol=0, atol=1e-15)
    assert km["variance"].iloc[-1] == 0.0


def test_km_customer_censored_at_entry_is_never_at_risk():
    km = kaplan_meier([2, 1], [1, 0], entry=[0, 1])
    assert km["at_risk"].tolist() == [1, 1]
    assert km["censored"].tolist() == [1, 0]
    assert km["survival"].tolist() == [1.0, 0.0]


def test_km_without_entry_equals_zero_entry_when_no_event_at_zero():
    durations, churned, _ = continuous_customers(500, SEED)
    pd.testing.assert_frame_equal(
        kaplan_meier(durations, churned), kaplan_meier(durations, churned, np.zeros(500))
    )


# --- Kaplan-Meier against lifelines -----------------------------------------------------------


def test_km_matches_lifelines_with_right_censoring():
    durations, churned, _ = continuous_customers(3000, SEED)
    km = kaplan_meier(durations, churned)
    kmf = lifelines_km(durations, churned)
    ref = kmf.survival_function_.iloc[:, 0].loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["survival"], ref, rtol=0, atol=1e-9)
    table = kmf.event_table.loc[km["time"]]
    np.testing.assert_array_equal(km["at_risk"], table["at_risk"])
    np.testing.assert_array_equal(km["events"], table["observed"])
    np.testing.assert_array_equal(km["censored"], table["censored"])


def test_km_matches_lifelines_with_delayed_entry():
    durations, churned, entry = continuous_customers(3000, SEED + 1)
    km = kaplan_meier(durations, churned, entry)
    ref = lifelines_survival(durations, churned, entry).loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["survival"], ref, rtol=0, atol=1e-9)
    # delayed entry matters here: the naive estimate is different
    naive = kaplan_meier(durations, churned)["survival"].to_numpy()
    assert np.max(np.abs(naive - km["survival"].to_numpy())) > 0.01


def test_km_matches_lifelines_on_whole_periods_with_ties():
    # lifelines puts a customer entering at u in the risk set at u; entry + 0.5 gives our
    # entry < u convention on whole periods. Customers censored at entry never are at risk:
    # lifelines cannot take them (entry + 0.5 > duration) and they do not change the estimate.
    durations, churned, entry = sbg_customers(0.7, 3.0, 3000, SEED, truncated=True)
    entry = np.where(np.arange(entry.size) % 2 == 0, entry, 0)
    km = kaplan_meier(durations, churned, entry)
    usable = entry < durations
    ref = lifelines_survival(durations[usable], churned[usable], entry[usable] + 0.5)
    at_events = km[km["events"] > 0]
    np.testing.assert_allclose(
        at_events["survival"], ref.loc[at_events["time"]].to_numpy(), rtol=0, atol=1e-9
    )


# --- Kaplan-Meier validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("durations", "churned", "entry", "match"),
    [
        ([1, -1], [1, 0], None, "durations must be at least 0"),
        ([1, np.nan], [1, 0], None, "durations must be finite"),
        ([1, np.inf], [1, 0], None, "durations must be finite"),
        ([1, 2], [1, 0, 1], None, "churned has 3 values but durations has 2"),
        ([1, 2], [1, 2], None, "churned must be true/false"),
        ([1, 2], [1, 0], [0], "entry has 1 values but durations has 2"),
        ([1, 2], [1, 0], [0, -1], "entry must be at least 0"),
        ([1, 2], [1, 0], [0, np.nan], "entry must be finite"),
        ([1, 2], [1, 0], [0, 3], "entry must not exceed durations"),
        ([1, 2], [1, 0], [1, 0], "entry must be below durations for churned"),
        ([], [], None, "at least one customer"),
    ],
)
def test_km_rejects_invalid_input_naming_the_argument(durations, churned, entry, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier(durations, churned, entry)


# --- sBG from customers -----------------------------------------------------------------------


def test_fit_sbg_customers_reproduces_fit_sbg_on_high_end():
    durations, churned = high_end_customers()
    fit = fit_sbg_customers(durations, churned)
    reference = fit_sbg(HIGH_END)
    assert fit.alpha == pytest.approx(0.668, abs=1e-3)
    assert fit.beta == pytest.approx(3.806, abs=1e-3)
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood, abs=1e-6)
    assert fit.customers == 1000
    np.testing.assert_allclose(fit.covariance_log, reference.covariance_log, rtol=1e-6)


def test_counts_likelihood_equals_cohort_likelihood_and_per_customer_sum():
    durations, churned = high_end_customers()
    counts = sbg_counts(durations, churned)
    assert counts[0].tolist() == [0, 131, 126, 90, 60, 42, 34, 26]
    assert counts[1].tolist() == [0] * 7 + [491]
    assert counts[2].tolist() == [1000] + [0] * 7
    for alpha, beta in [(0.668, 3.806), (2.0, 7.5)]:
        assert sbg_log_likelihood_counts(alpha, beta, *counts) == pytest.approx(
            sbg_log_likelihood(alpha, beta, HIGH_END), rel=1e-12
        )


def test_truncated_likelihood_matches_direct_per_customer_formula():
    # l = sum d ln P(T = t) + (1 - d) ln S(t) - ln S(e), with P(T = t) = S(t-1) - S(t)
    durations, churned, entry = sbg_customers(0.9, 4.0, 200, SEED, truncated=True)
    alpha, beta = 0.8, 3.5

    def log_s(t):
        return betaln(alpha, beta + t) - betaln(alpha, beta)

    p = np.exp(log_s(durations - 1)) - np.exp(log_s(durations))
    direct = np.sum(
        np.where(churned, np.log(np.where(churned, p, 1.0)), log_s(durations)) - log_s(entry)
    )
    got = sbg_log_likelihood_counts(alpha, beta, *sbg_counts(durations, churned, entry))
    assert got == pytest.approx(direct, rel=1e-10)


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 3.0), (2.2, 60.0)])
def test_fit_recovers_parameters_from_censored_customers(alpha, beta):
    durations, churned, _ = sbg_customers(alpha, beta, 20_000, SEED, truncated=False)
    fit = fit_sbg_customers(durations, churned)
    assert fit.customers == 20_000
    assert distance(fit, alpha, beta) < 4.0


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 3.0), (2.2, 60.0)])
def test_fit_recovers_parameters_from_left_truncated_customers(alpha, beta):
    durations, churned, entry = sbg_customers(alpha, beta, 20_000, SEED, truncated=True)
    assert entry.min() >= 12
    fit = fit_sbg_customers(durations, churned, entry)
    assert distance(fit, alpha, beta) < 4.0
    # Ignoring the truncation (treating survivors of 12+ periods as observed from 0) is biased
    # far beyond the sampling error: it understates the churn of the whole population.
    naive = fit_sbg_customers(durations, churned)
    # Measured in the correct fit's covariance: the naive fit runs to the homogeneous limit
    # (the parameter bound), where its own Hessian is not positive definite.
    dz = np.log([naive.alpha, naive.beta]) - np.log([alpha, beta])
    naive_distance = float(np.sqrt(dz @ np.linalg.solve(np.array(fit.covariance_log), dz)))
    assert naive_distance > 10 * max(distance(fit, alpha, beta), 4.0)
    assert naive.alpha / (naive.alpha + naive.beta) < 0.5 * alpha / (alpha + beta)


def test_fit_sbg_counts_accepts_counts_of_unequal_length():
    lost = -np.diff(HIGH_END)
    fit = fit_sbg_counts(np.r_[0, lost], np.r_[np.zeros(7), 491], [1000])
    assert fit.alpha == pytest.approx(fit_sbg(HIGH_END).alpha, rel=1e-9)


@pytest.mark.parametrize(
    ("durations", "churned", "entry", "match"),
    [
        ([1.5, 2], [1, 0], None, "durations must be whole periods"),
        ([0, 2], [1, 0], None, "churned customers must be at least 1 period"),
        ([3, 2], [1, 0], [0.5, 0], "entry must be whole periods"),
    ],
)
def test_fit_sbg_customers_rejects_non_period_data(durations, churned, entry, match):
    with pytest.raises(ValueError, match=match):
        fit_sbg_customers(durations, churned, entry)


@pytest.mark.parametrize(
    ("churned_at", "censored_at", "entered_at", "match"),
    [
        ([1, 2], [0, 3], None, r"churned_at\[0\] must be 0"),
        ([0, 2], [0, -3], None, "censored_at must hold finite counts"),
        ([0, np.nan], [0, 3], None, "churned_at must hold finite counts"),
        ([0, 2], [0, 3], [4], "entered_at must count every customer once"),
        ([0, 2], [0, 3], [0, 5], "entered_at is inconsistent"),
        ([0, 0], [0, 0], None, "at least one customer"),
    ],
)
def test_fit_sbg_counts_rejects_invalid_counts(churned_at, censored_at, entered_at, match):
    with pytest.raises(ValueError, match=match):
        fit_sbg_counts(churned_at, censored_at, entered_at)


# --- Interval-censored (yearly) tenure and the homogeneous limit -----------------------------


def yearly_customers(alpha, beta, n, seed):
    """sBG customers joined uniformly over 10 years, tenure reported in whole years x 12: a
    churner who paid m months shows 12 ceil(m / 12), an active customer of age a months shows
    12 floor(a / 12) (a lower bound)."""
    rng = np.random.default_rng(seed)
    paid = rng.geometric(rng.beta(alpha, beta, n))
    age = rng.integers(0, 120, n)
    churned = paid <= age
    months = np.where(churned, 12 * np.ceil(paid / 12), 12 * np.floor(age / 12))
    return months, churned


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 3.0), (2.0, 40.0)])
def test_interval_fit_recovers_parameters_from_yearly_tenure(alpha, beta):
    months, churned = yearly_customers(alpha, beta, 20_000, SEED)
    fit = fit_sbg_customers(months, churned, interval_months=12)
    # Active customers are censored at the middle of their year (an approximation of "somewhere
    # in [12 y, 12 y + 11]"), which leaves a bias of up to ~6 SE at n = 20,000; hence 8, not 4.
    assert distance(fit, alpha, beta) < 8.0
    # Treating 12 k as an exact monthly churn time is far off, in the correct fit's covariance.
    naive = fit_sbg_customers(months, churned)
    dz = np.log([naive.alpha, naive.beta]) - np.log([alpha, beta])
    assert float(np.sqrt(dz @ np.linalg.solve(np.array(fit.covariance_log), dz))) > 10.0


def test_life_table_hand_computed_on_whole_years():
    # Year 1: 4 at risk, 1 churns. Year 2: 3 left, one of them censored at 12 months (half at
    # risk), 1 churns: 1 / 2.5. Year 3: the one censored at 24 months, half at risk, no churn.
    table = life_table([12, 24, 12, 24], [True, True, False, False], interval_months=12)
    assert table["time"].tolist() == [12, 24, 36]
    assert table["at_risk"].tolist() == [4.0, 2.5, 0.5]
    assert table["events"].tolist() == [1.0, 1.0, 0.0]
    assert table["censored"].tolist() == [0.0, 1.0, 1.0]
    assert table["survival"].tolist() == pytest.approx([0.75, 0.45, 0.45], abs=1e-15)


def test_life_table_with_monthly_intervals_is_kaplan_meier_at_whole_months():
    rng = np.random.default_rng(SEED)
    n = 3_000
    durations = rng.integers(0, 40, n)
    entry = np.minimum(rng.integers(0, 12, n), durations)
    churned = (rng.random(n) < 0.6) & (durations > entry)
    weights = rng.integers(1, 5, n)
    table = life_table(durations, churned, entry, interval_months=1, weights=weights)
    km = kaplan_meier(durations, churned, entry, weights=weights).set_index("time")["survival"]
    expected = [
        float(km[km.index <= t].iloc[-1]) if (km.index <= t).any() else 1.0 for t in table["time"]
    ]
    assert np.abs(table["survival"].to_numpy() - expected).max() < 1e-12


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 3.0), (2.0, 40.0)])
def test_life_table_of_yearly_tenure_follows_the_sbg_curve_kaplan_meier_falls_below(alpha, beta):
    months, churned = yearly_customers(alpha, beta, 20_000, SEED)
    years = np.arange(12, 109, 12)
    true = np.asarray(sbg_survival(alpha, beta, years.astype(float)))
    table = life_table(months, churned, interval_months=12)
    assert np.abs(table["survival"].to_numpy()[years // 12 - 1] - true).max() < 0.008
    km = kaplan_meier(months, churned).set_index("time")["survival"]
    assert (km.loc[years].to_numpy() - true).max() < -0.01  # every year below the true curve


def test_interval_likelihood_with_monthly_intervals_equals_exact_likelihood():
    durations, churned, entry = sbg_customers(0.7, 3.0, 2_000, SEED, truncated=True)
    lower, upper, e, w = customer_intervals(durations, churned, entry)
    np.testing.assert_array_equal(w, np.ones(durations.size))
    got = sbg_log_likelihood_intervals(0.7, 3.0, lower, upper, e)
    want = sbg_log_likelihood_counts(0.7, 3.0, *sbg_counts(durations, churned, entry))
    assert got == pytest.approx(want, rel=1e-10)
    assert fit_sbg_intervals(lower, upper, e).alpha == pytest.approx(
        fit_sbg_customers(durations, churned, entry).alpha, rel=1e-5
    )


def test_interval_likelihood_is_stable_near_the_homogeneous_limit():
    # alpha, beta ~ 1e6: S(l) - S(u) must not cancel to 0 or a negative number.
    ll = sbg_log_likelihood_intervals(2e4, 1e6, [0.0, 12.0, 24.0], [12.0, 24.0, np.inf])
    c = 2e4 / (2e4 + 1e6)
    geometric = (
        np.log1p(-((1 - c) ** 12)) + 12 * np.log1p(-c) + np.log1p(-((1 - c) ** 12))
    ) + 24 * np.log1p(-c)
    assert ll == pytest.approx(geometric, rel=1e-4)


def test_homogeneous_population_runs_to_the_bound_and_geometric_fits_as_well():
    rng = np.random.default_rng(SEED)
    paid = rng.geometric(0.02, 20_000)
    age = rng.integers(0, 60, 20_000)
    churned = paid <= age
    durations = np.where(churned, paid, age)
    fit = fit_sbg_customers(durations, churned)
    assert np.log(fit.alpha) <= LOG_PARAMETER_BOUND[1] + 1e-9
    assert np.log(fit.beta) <= LOG_PARAMETER_BOUND[1] + 1e-9
    geo = fit_geometric_intervals(*customer_intervals(durations, churned))
    assert geo.churn == pytest.approx(churned.sum() / durations.sum(), rel=1e-6)
    assert 2 * (fit.log_likelihood - geo.log_likelihood) < HOMOGENEITY_LR_THRESHOLD


@pytest.mark.parametrize(
    ("lower", "upper", "entry", "match"),
    [
        ([1.0], [1.0], None, "upper must exceed lower"),
        ([1.5], [3.0], None, "whole periods"),
        ([1.0], [2.0], [2.0], "entry must not exceed lower"),
        ([-1.0], [2.0], None, "at least 0"),
    ],
)
def test_fit_sbg_intervals_rejects_invalid_intervals(lower, upper, entry, match):
    with pytest.raises(ValueError, match=match):
        fit_sbg_intervals(lower, upper, entry)


def test_interval_months_must_be_a_whole_number_of_at_least_1():
    with pytest.raises(ValueError, match="interval_months"):
        fit_sbg_customers([1, 2], [True, False], interval_months=0)
    with pytest.raises(ValueError, match="interval_months"):
        life_table([1, 2], [True, False], interval_months=0)
    with pytest.raises(ValueError, match="whole periods"):
        life_table([1.5, 2], [True, False], interval_months=12)


# --- Customer weights (grouped rows) ----------------------------------------------------------


def whole_customers(n: int, seed: int, *, top: int = 60):
    """Whole-period durations 0..top, ~30 % churned, entry below the duration for 40 %, and
    integer weights 0..4 (some rows of weight 0)."""
    rng = np.random.default_rng(seed)
    durations = rng.integers(0, top + 1, n)
    churned = (rng.random(n) < 0.3) & (durations >= 1)
    late = rng.random(n) < 0.4
    entry = np.where(late, np.floor(durations * rng.uniform(0.0, 1.0, n)), 0).astype(np.int64)
    entry = np.where(churned, np.minimum(entry, durations - 1), entry)
    weights = rng.integers(0, 5, n)
    return durations, churned, entry, weights


def repeated(weights, *arrays):
    """Each array with row i repeated weights[i] times."""
    return tuple(None if a is None else np.repeat(np.asarray(a), weights) for a in arrays)


@pytest.mark.parametrize("with_entry", [False, True])
@pytest.mark.parametrize("fractional", [False, True])
def test_km_with_integer_weights_equals_repeated_rows(with_entry, fractional):
    durations, churned, entry, weights = whole_customers(2000, SEED, top=40)
    if fractional:  # the general (sorting) path
        durations = durations + 0.25
        entry = entry + 0.25 * (entry > 0)
    entry = entry if with_entry else None
    km = kaplan_meier(durations, churned, entry, weights=weights)
    ref = kaplan_meier(*repeated(weights, durations, churned, entry))
    pd.testing.assert_frame_equal(km, ref, check_exact=False, rtol=1e-12, atol=1e-12)
    assert km["at_risk"].dtype == np.int64
    # float weights that are whole numbers keep integer counts too
    km_float = kaplan_meier(durations, churned, entry, weights=weights.astype(float))
    pd.testing.assert_frame_equal(km_float, ref, check_exact=False, rtol=1e-12, atol=1e-12)


def test_km_drops_times_that_only_zero_weight_rows_have():
    for durations in ([1, 2, 3, 3], [1.5, 2.5, 3.5, 3.5]):
        km = kaplan_meier(durations, [1, 1, 0, 1], weights=[2, 0, 1, 1])
        assert km["time"].tolist() == [durations[0], durations[2]]
        assert km["at_risk"].tolist() == [4, 2]
        assert km["events"].tolist() == [2, 1]
        np.testing.assert_allclose(km["survival"], [0.5, 0.25], rtol=0, atol=1e-15)


def test_km_with_fractional_weights_has_float_counts_and_scales():
    durations, churned, entry, weights = whole_customers(500, SEED)
    km = kaplan_meier(durations, churned, entry, weights=weights * 0.5)
    ref = kaplan_meier(durations, churned, entry, weights=weights)
    assert km["at_risk"].dtype == np.float64
    np.testing.assert_allclose(km["at_risk"], ref["at_risk"] * 0.5, rtol=1e-12)
    np.testing.assert_allclose(km["survival"], ref["survival"], rtol=0, atol=1e-12)
    # Greenwood's variance with weighted counts scales as 1 / n
    np.testing.assert_allclose(km["variance"], ref["variance"] * 2.0, rtol=1e-9)


@pytest.mark.parametrize("with_entry", [False, True])
@pytest.mark.parametrize("weight_kind", ["integer", "fractional"])
def test_km_with_weights_matches_lifelines_on_whole_periods(with_entry, weight_kind):
    # The fast (bincount) path. lifelines counts entry <= u as at risk: entry + 0.5 gives our
    # entry < u on whole periods. Nobody is censored at entry (lifelines cannot take them).
    durations, churned, entry, weights = whole_customers(3000, SEED + 2)
    keep = (entry < durations) | ~with_entry
    durations, churned, entry, weights = durations[keep], churned[keep], entry[keep], weights[keep]
    if weight_kind == "fractional":
        # quarters: exact in binary, so lifelines' float sums stay exact (its variance casts the
        # risk set to uint64 and fails on a -1e-13)
        weights = weights * np.random.default_rng(SEED).integers(1, 9, weights.size) / 4
    km = kaplan_meier(durations, churned, entry if with_entry else None, weights=weights)
    kmf = lifelines_km(durations, churned, entry + 0.5 if with_entry else None, weights)
    ref = kmf.survival_function_.iloc[:, 0].loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["survival"], ref, rtol=0, atol=1e-9)
    at_risk = kmf.event_table["at_risk"].loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["at_risk"], at_risk, rtol=0, atol=1e-9)


@pytest.mark.parametrize("with_entry", [False, True])
@pytest.mark.parametrize("weight_kind", ["integer", "fractional"])
def test_km_with_weights_matches_lifelines_on_continuous_times(with_entry, weight_kind):
    # The general (sorting) path: no entry time equals an event time.
    durations, churned, entry = continuous_customers(3000, SEED + 3)
    rng = np.random.default_rng(SEED)
    weights = rng.integers(0, 5, durations.size).astype(float)
    if weight_kind == "fractional":
        weights = weights * rng.integers(1, 9, weights.size) / 4  # quarters, as above
    entry = entry if with_entry else None
    km = kaplan_meier(durations, churned, entry, weights=weights)
    kmf = lifelines_km(durations, churned, entry, weights)
    ref = kmf.survival_function_.iloc[:, 0].loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["survival"], ref, rtol=0, atol=1e-9)
    at_risk = kmf.event_table["at_risk"].loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["at_risk"], at_risk, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("entry_kind", "weighted"),
    [("none", False), ("none", True), ("whole", False), ("whole", True), ("fractional", False)],
)
def test_km_fast_path_equals_general_path(monkeypatch, entry_kind, weighted):
    durations, churned, entry, weights = whole_customers(3000, SEED + 4)
    if entry_kind == "none":
        entry = None
    elif entry_kind == "fractional":  # whole durations, fractional entry: floor(entry) counts
        entry = np.where(entry > 0, entry + 0.5, 0.0)
        entry = np.where(churned | (entry <= durations), entry, durations)
    weights = weights if weighted else None
    fast = kaplan_meier(durations, churned, entry, weights=weights)
    monkeypatch.setattr(survival, "_FAST_KM_MAX_DURATION", -1)
    general = kaplan_meier(durations, churned, entry, weights=weights)
    pd.testing.assert_frame_equal(fast, general, check_exact=False, rtol=1e-12, atol=1e-14)


def test_km_fast_path_without_joint_table_equals_joint_table(monkeypatch):
    durations, churned, entry, _ = whole_customers(3000, SEED + 5)
    joint = kaplan_meier(durations, churned, entry)
    monkeypatch.setattr(survival, "_JOINT_TABLE_MAX_BINS", 0)
    pd.testing.assert_frame_equal(joint, kaplan_meier(durations, churned, entry))


@pytest.mark.parametrize(
    ("durations", "entry", "match"),
    [
        ([3, 2], [0, 3], "entry must not exceed durations"),
        ([3.5, 2], [0, 3], "entry must not exceed durations"),
        ([3, 2.5], [3, 0], "entry must be below durations for churned"),
        ([3, 2], [0.0, 2.5], "entry must not exceed durations"),
    ],
)
@pytest.mark.parametrize("weights", [None, [1, 0], [0, 1]])
def test_km_checks_entry_order_on_every_path(durations, entry, match, weights):
    # rows of weight 0 are still checked
    with pytest.raises(ValueError, match=match):
        kaplan_meier(durations, [1, 0], entry, weights=weights)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1, 1, 1], "weights has 3 values but durations has 2"),
        ([1, -1], "weights must be finite counts of at least 0"),
        ([1, np.nan], "weights must be finite counts of at least 0"),
        ([1, np.inf], "weights must be finite counts of at least 0"),
        ([0, 0], "weights must give at least one customer a positive weight"),
        ([[1, 1]], "weights has 2 values but durations has 2"),
    ],
)
def test_weights_are_validated_naming_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier([1, 2], [1, 0], weights=weights)
    with pytest.raises(ValueError, match=match):
        fit_sbg_customers([1, 2], [1, 0], weights=weights)
    with pytest.raises(ValueError, match=match.replace("durations", "lower")):
        fit_sbg_intervals([0.0, 2.0], [1.0, np.inf], None, weights)


def test_sbg_counts_with_integer_weights_equal_repeated_rows():
    durations, churned, entry, weights = whole_customers(2000, SEED + 6)
    for e in (entry, None):
        got = sbg_counts(durations, churned, e, weights=weights)
        want = sbg_counts(*repeated(weights, durations, churned, e))
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g[: w.size], w)
            assert not np.any(g[w.size :])  # zero-weight rows may lengthen the arrays


@pytest.mark.parametrize("interval_months", [1, 12])
@pytest.mark.parametrize("with_entry", [False, True])
def test_fit_sbg_customers_with_integer_weights_equals_repeated_rows(interval_months, with_entry):
    durations, churned, entry = sbg_customers(0.7, 3.0, 3000, SEED, truncated=with_entry)
    if interval_months > 1:
        durations = np.where(churned, 12 * np.ceil(durations / 12), 12 * (durations // 12))
        entry = np.minimum(entry, np.where(churned, durations - 1, durations))
    weights = np.random.default_rng(SEED).integers(0, 4, durations.size)
    entry = entry if with_entry else None
    fit = fit_sbg_customers(
        durations, churned, entry, interval_months=interval_months, weights=weights
    )
    ref = fit_sbg_customers(
        *repeated(weights, durations, churned, entry), interval_months=interval_months
    )
    assert fit.customers == weights.sum() == ref.customers
    for got, want in [
        (fit.alpha, ref.alpha),
        (fit.beta, ref.beta),
        (fit.log_likelihood, ref.log_likelihood),
    ]:
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(fit.covariance_log, ref.covariance_log, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("interval_months", [1, 12])
def test_interval_functions_with_integer_weights_equal_repeated_rows(interval_months):
    durations, churned, entry, weights = whole_customers(2000, SEED + 7, top=48)
    got = customer_intervals(
        durations, churned, entry, interval_months=interval_months, weights=weights
    )
    lower, upper, e, w = got
    np.testing.assert_array_equal(w, weights)
    plain = customer_intervals(durations, churned, entry, interval_months=interval_months)
    for g, p in zip(got[:3], plain[:3], strict=True):
        np.testing.assert_array_equal(g, p)
    rep = repeated(weights, lower, upper, e)
    for alpha, beta in [(0.7, 3.0), (2.0, 40.0)]:
        assert sbg_log_likelihood_intervals(alpha, beta, *got) == pytest.approx(
            sbg_log_likelihood_intervals(alpha, beta, *rep), rel=1e-12
        )
        assert sbg_log_likelihood_intervals(
            alpha, beta, lower, upper, e, weights=weights
        ) == pytest.approx(sbg_log_likelihood_intervals(alpha, beta, *rep), rel=1e-12)
    fit, ref = fit_sbg_intervals(*got), fit_sbg_intervals(*rep)
    assert fit.alpha == pytest.approx(ref.alpha, rel=1e-12)
    assert fit.beta == pytest.approx(ref.beta, rel=1e-12)
    assert fit.log_likelihood == pytest.approx(ref.log_likelihood, rel=1e-12)
    assert fit.customers == ref.customers == weights.sum()
    geo, geo_ref = fit_geometric_intervals(*got), fit_geometric_intervals(*rep)
    assert geo.churn == pytest.approx(geo_ref.churn, rel=1e-12)
    assert geo.log_likelihood == pytest.approx(geo_ref.log_likelihood, rel=1e-12)
    assert fit_geometric_intervals(lower, upper, e, weights=weights) == geo


def test_geometric_with_weights_is_churners_over_periods_at_risk():
    durations, churned, entry, weights = whole_customers(2000, SEED + 8)
    geo = fit_geometric_intervals(*customer_intervals(durations, churned, entry, weights=weights))
    exposure = weights @ (durations - entry)
    assert geo.churn == pytest.approx(weights @ churned / exposure, rel=1e-6)


# --- analytic derivatives and the Newton fit ----------------------------------------------------


def _numeric_derivatives(log_likelihood, alpha, beta, h=1e-5):
    """Central differences of the value (gradient) and of the analytic gradient (Hessian)."""
    x = np.array([alpha, beta])
    grad = np.empty(2)
    hess = np.empty((2, 2))
    for i in range(2):
        dx = np.zeros(2)
        dx[i] = h * x[i]
        up, down = x + dx, x - dx
        grad[i] = (log_likelihood(*up, False)[0] - log_likelihood(*down, False)[0]) / (2 * dx[i])
        hess[:, i] = (log_likelihood(*up, True)[1] - log_likelihood(*down, True)[1]) / (2 * dx[i])
    return grad, hess


@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 3.0), (2.2, 60.0), (1e-3, 5.0), (3.0, 1e4)])
@pytest.mark.parametrize("interval_months", [1, 12])
def test_analytic_gradient_and_hessian_match_finite_differences(alpha, beta, interval_months):
    durations, churned, entry = sbg_customers(0.8, 4.0, 2000, SEED, truncated=True)
    if interval_months == 1:
        objective = _counts_objective(*sbg_counts(durations, churned, entry))
    else:
        durations = np.where(churned, 12 * np.ceil(durations / 12), 12 * (durations // 12))
        entry = np.minimum(entry, np.where(churned, durations - 1, durations))
        intervals = customer_intervals(durations, churned, entry, interval_months=12)
        objective = _interval_objective(*_interval_groups(*intervals))
    _, grad, hess = objective(alpha, beta, True)
    num_grad, num_hess = _numeric_derivatives(objective, alpha, beta)
    np.testing.assert_allclose(grad, num_grad, rtol=1e-5, atol=1e-6 * np.abs(num_grad).max())
    np.testing.assert_allclose(hess, num_hess, rtol=1e-5, atol=1e-6 * np.abs(num_hess).max())


@pytest.mark.parametrize("truncated", [False, True])
def test_fit_is_a_stationary_point_with_the_inverse_observed_information(truncated):
    durations, churned, entry = sbg_customers(1.5, 25.0, 5000, SEED, truncated=truncated)
    counts = sbg_counts(durations, churned, entry if truncated else None)
    fit = fit_sbg_counts(*counts)
    _, grad, hess = _counts_objective(*_check_counts(*counts))(fit.alpha, fit.beta, True)
    theta = np.array([fit.alpha, fit.beta])
    # Gradient in (ln alpha, ln beta) is zero to rounding, relative to the information.
    assert np.all(np.abs(grad * theta) < 1e-7 * np.abs(np.diag(hess) * theta**2))
    information = -(hess * np.outer(theta, theta) + np.diag(grad * theta))
    np.testing.assert_allclose(np.linalg.inv(fit.covariance_log), information, rtol=1e-9)
    # No point of a fine grid around the estimate is better.
    for dz in [(1e-3, 0), (0, 1e-3), (1e-3, 1e-3), (-1e-3, 1e-3)]:
        a, b = theta * np.exp(dz)
        assert sbg_log_likelihood_counts(a, b, *counts) < fit.log_likelihood
