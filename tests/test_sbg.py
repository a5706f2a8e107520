"""Shifted-beta-geometric retention: oracles O4, O5, O6 and O7 of model.md section 7.

Tolerances (model.md section 7): exact rationals to 1e-12 relative, special-function values to
1e-9, MLE fits to 1e-3 on the parameters. Published values printed with fewer digits are checked
to half a unit of their last printed digit, and also against an independent exact expression.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.special import betaln

from simulator.model.sbg import (
    discounted_expected_lifetime,
    discounted_expected_residual_lifetime,
    fit_sbg,
    log_survival_ratio,
    residual_discounted_exposure,
    sbg_expected_lifetime,
    sbg_log_likelihood,
    sbg_retention_rate,
    sbg_survival,
)

EXACT = 1e-12
SPECIAL = 1e-9
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def direct_discounted_sum(alpha: float, beta: float, x: float, start: int = 0) -> float:
    """sum over t >= start of x**(t - start) * S(t) / S(start), by brute force (tail < 1e-25)."""
    terms = int(60.0 / -math.log(x)) + 10
    t = np.arange(start, start + terms, dtype=float)
    log_s = betaln(alpha, beta + t) - betaln(alpha, beta + start)
    return math.fsum(np.exp((t - start) * math.log(x) + log_s))


# O4 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alpha", "beta", "t", "expected"),
    [
        (1.0, 1.0, 1, Fraction(1, 2)),
        (1.0, 1.0, 3, Fraction(1, 4)),
        (1.0, 1.0, 7, Fraction(1, 8)),
        (2.0, 3.0, 1, Fraction(3, 5)),
        (2.0, 3.0, 2, Fraction(2, 5)),
        (2.0, 3.0, 3, Fraction(2, 7)),
    ],
)
def test_survival_matches_the_exact_rational_cases(alpha, beta, t, expected):
    assert sbg_survival(alpha, beta, t) == pytest.approx(float(expected), rel=EXACT)


def test_survival_at_alpha_2_beta_3_is_12_over_t_plus_3_times_t_plus_4_for_many_periods():
    t = np.arange(0, 200)
    expected = 12.0 / ((t + 3.0) * (t + 4.0))
    np.testing.assert_allclose(sbg_survival(2.0, 3.0, t), expected, rtol=EXACT)


def test_survival_at_time_zero_is_one_and_negative_time_is_rejected():
    assert sbg_survival(0.668, 3.806, 0) == 1.0
    with pytest.raises(ValueError, match="t must be at least 0"):
        sbg_survival(2.0, 3.0, -1)


@pytest.mark.parametrize(
    ("t", "expected"), [(1, Fraction(3, 5)), (2, Fraction(2, 3)), (3, Fraction(5, 7))]
)
def test_retention_rates_at_alpha_2_beta_3_are_the_exact_rationals(t, expected):
    assert sbg_retention_rate(2.0, 3.0, t) == pytest.approx(float(expected), rel=EXACT)


def test_retention_rate_is_the_ratio_of_consecutive_survivals():
    t = np.arange(1, 50)
    ratio = sbg_survival(0.668, 3.806, t) / sbg_survival(0.668, 3.806, t - 1)
    np.testing.assert_allclose(sbg_retention_rate(0.668, 3.806, t), ratio, rtol=EXACT)


def test_expected_lifetime_at_alpha_2_beta_3_is_4_not_the_naive_2_point_5():
    assert sbg_expected_lifetime(2.0, 3.0) == pytest.approx(4.0, rel=EXACT)
    naive = (2.0 + 3.0) / 2.0
    assert sbg_expected_lifetime(2.0, 3.0) > naive


def test_expected_lifetime_equals_the_sum_of_survivals():
    # sum_{t >= 0} 12 / ((t + 3)(t + 4)) telescopes to 12 / 3 = 4
    assert sbg_expected_lifetime(2.0, 3.0) == pytest.approx(float(Fraction(12, 3)), rel=EXACT)
    assert sbg_expected_lifetime(3.0, 5.0) == pytest.approx(7.0 / 2.0, rel=EXACT)


@pytest.mark.parametrize("alpha", [0.2, 0.668, 0.999, 1.0])
def test_expected_lifetime_is_infinite_whenever_alpha_is_at_most_one(alpha):
    assert sbg_expected_lifetime(alpha, 3.806) == math.inf


@pytest.mark.parametrize(("alpha", "beta"), [(0.0, 1.0), (1.0, 0.0), (-1.0, 2.0), (math.nan, 1.0)])
def test_invalid_alpha_or_beta_is_rejected(alpha, beta):
    with pytest.raises(ValueError, match="alpha and beta"):
        sbg_survival(alpha, beta, 1)


# O5 -------------------------------------------------------------------------------------------


def test_fit_on_the_high_end_data_recovers_the_published_alpha_and_beta():
    fit = fit_sbg(HIGH_END)
    assert fit.alpha == pytest.approx(0.668, abs=1e-3)
    assert fit.beta == pytest.approx(3.806, abs=1e-3)
    assert fit.customers == 1000.0


def test_fit_on_the_high_end_data_reaches_the_published_log_likelihood():
    fit = fit_sbg(HIGH_END)
    assert fit.log_likelihood / 1000 == pytest.approx(-1.6112, abs=5e-5)
    assert sbg_log_likelihood(1.0, 1.0, HIGH_END) / 1000 == pytest.approx(-2.1155, abs=5e-5)


def test_fit_is_a_maximum_of_the_log_likelihood():
    fit = fit_sbg(HIGH_END)
    best = sbg_log_likelihood(fit.alpha, fit.beta, HIGH_END)
    assert best == pytest.approx(fit.log_likelihood, rel=EXACT)
    for da, db in itertools.product((-0.01, 0.0, 0.01), repeat=2):
        if da or db:
            assert sbg_log_likelihood(fit.alpha + da, fit.beta + db, HIGH_END) < best


def test_fit_returns_a_positive_definite_covariance_of_the_log_parameters():
    cov = np.array(fit_sbg(HIGH_END).covariance_log)
    np.testing.assert_allclose(cov, cov.T, rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(cov) > 0)


def test_log_likelihood_at_alpha_beta_1_matches_a_hand_computation():
    # alpha = beta = 1: P(T = t) = 1 / (t (t + 1)), S(t) = 1 / (t + 1)
    counts = HIGH_END
    lost = [counts[t - 1] - counts[t] for t in range(1, len(counts))]
    expected = sum(n * -math.log(t * (t + 1)) for t, n in enumerate(lost, start=1))
    expected += counts[-1] * -math.log(len(counts))
    assert sbg_log_likelihood(1.0, 1.0, counts) == pytest.approx(expected, rel=EXACT)


@pytest.mark.parametrize(("t", "expected"), [(1, 0.8506929), (7, 0.4889446), (12, 0.3780404)])
def test_survival_at_the_published_fit_matches_the_paper(t, expected):
    assert sbg_survival(0.668, 3.806, t) == pytest.approx(expected, abs=5e-8)
    product = math.prod((3.806 + u - 1) / (0.668 + 3.806 + u - 1) for u in range(1, t + 1))
    assert sbg_survival(0.668, 3.806, t) == pytest.approx(product, rel=EXACT)


@pytest.mark.parametrize(("t", "expected"), [(1, 0.8506929), (7, 0.9362230)])
def test_retention_rates_at_the_published_fit_match_the_paper(t, expected):
    assert sbg_retention_rate(0.668, 3.806, t) == pytest.approx(expected, abs=5e-8)


def test_fit_recovers_known_parameters_from_a_simulated_cohort(rng):
    alpha, beta, n = 1.2, 6.0, 200_000
    theta = rng.beta(alpha, beta, size=n)
    lifetimes = rng.geometric(theta)  # periods until churn, at least 1
    alive = [int(np.sum(lifetimes > t)) for t in range(13)]
    fit = fit_sbg(alive)
    assert fit.alpha == pytest.approx(alpha, rel=0.1)
    assert fit.beta == pytest.approx(beta, rel=0.1)


@pytest.mark.parametrize(
    ("alive", "message"),
    [
        ([1000], "at least two periods"),
        ([1000, 1100], "must not increase"),
        ([0, 0], "cohort size"),
        ([1000, -1], "finite and at least 0"),
        ([1000, math.nan], "finite and at least 0"),
    ],
)
def test_fit_rejects_impossible_counts(alive, message):
    with pytest.raises(ValueError, match=message):
        fit_sbg(alive)


# O6 -------------------------------------------------------------------------------------------


def test_discounted_expected_lifetime_at_alpha_beta_1_is_minus_log_1_minus_x_over_x():
    x = 1 / 1.1
    assert discounted_expected_lifetime(1.0, 1.0, 0.10) == pytest.approx(2.6376848001, rel=SPECIAL)
    assert discounted_expected_lifetime(1.0, 1.0, 0.10) == pytest.approx(
        -math.log1p(-x) / x, rel=SPECIAL
    )


def test_discounted_expected_lifetime_at_alpha_2_beta_3_matches_the_oracle():
    assert discounted_expected_lifetime(2.0, 3.0, 0.10) == pytest.approx(2.6820816703, rel=SPECIAL)


@pytest.mark.parametrize(
    ("renewals", "expected"), [(0, 1.8502898373), (1, 2.2921980351), (4, 3.3446969705)]
)
def test_discounted_expected_residual_lifetime_matches_the_oracle(renewals, expected):
    got = discounted_expected_residual_lifetime(2.0, 3.0, 0.10, renewals)
    assert got == pytest.approx(expected, rel=SPECIAL)


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (2.0, 3.0), (0.668, 3.806), (5.0, 40.0)])
def test_discounted_lifetime_is_one_plus_x_times_the_residual_lifetime_at_zero(alpha, beta):
    x = 1 / 1.1
    del_ = discounted_expected_lifetime(alpha, beta, 0.10)
    derl0 = discounted_expected_residual_lifetime(alpha, beta, 0.10, 0)
    assert del_ == pytest.approx(1.0 + x * derl0, rel=SPECIAL)


@pytest.mark.parametrize(
    ("alpha", "beta", "d"),
    [(1.0, 1.0, 0.10), (2.0, 3.0, 0.10), (0.668, 3.806, 0.10), (2.2, 60.0, 0.008), (0.5, 2.0, 0.2)],
)
def test_discounted_expected_lifetime_equals_direct_summation(alpha, beta, d):
    x = 1 / (1 + d)
    assert discounted_expected_lifetime(alpha, beta, d) == pytest.approx(
        direct_discounted_sum(alpha, beta, x), rel=SPECIAL
    )


@pytest.mark.parametrize(
    ("alpha", "beta", "d", "renewals"),
    [
        (2.0, 3.0, 0.10, 0),
        (2.0, 3.0, 0.10, 1),
        (2.0, 3.0, 0.10, 4),
        (0.668, 3.806, 0.10, 7),
        (2.2, 60.0, 0.008, 36),
        (1.0, 1.0, 0.10, 10),
    ],
)
def test_discounted_expected_residual_lifetime_equals_direct_summation(alpha, beta, d, renewals):
    # valued at the next renewal point: sum over t > n of x**(t - n - 1) S(t) / S(n)
    x = 1 / (1 + d)
    direct = (direct_discounted_sum(alpha, beta, x, start=renewals) - 1.0) / x
    got = discounted_expected_residual_lifetime(alpha, beta, d, renewals)
    assert got == pytest.approx(direct, rel=SPECIAL)


def test_discounted_lifetimes_reject_a_zero_discount_rate_and_negative_renewals():
    with pytest.raises(ValueError, match="discount_rate"):
        discounted_expected_lifetime(2.0, 3.0, 0.0)
    with pytest.raises(ValueError, match="renewals"):
        discounted_expected_residual_lifetime(2.0, 3.0, 0.1, -1)


# residual_discounted_exposure: the terminal-value kernel -------------------------------------

ALPHAS = (0.3, 0.5, 0.668, 1.0, 2.2, 5.0, 20.0)
BS = (1.0, 3.0, 12.0, 60.0, 300.0, 3000.0)
MONTHLY_X = 1 / 1.1 ** (1 / 12)


def direct_residual(alpha: float, b: float, c: float, x: float) -> float:
    """sum over k >= 1 of x**k B(alpha, b + k c) / B(alpha, b), by brute force."""
    terms = int(70.0 / -math.log(x)) + 10
    k = np.arange(1, terms + 1, dtype=float)
    return math.fsum(np.exp(k * math.log(x) + betaln(alpha, b + k * c) - betaln(alpha, b)))


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("x", [MONTHLY_X, 1 / 1.1], ids=["monthly", "annual"])
def test_residual_exposure_with_multiplier_one_is_the_residual_lifetime_over_1_plus_d(alpha, x):
    d = 1 / x - 1
    for beta, renewals in itertools.product((1.0, 3.806, 60.0), (0, 1, 12)):
        got = residual_discounted_exposure(alpha, beta + renewals, 1.0, x)[0]
        derl = discounted_expected_residual_lifetime(alpha, beta, d, renewals)
        assert got == pytest.approx(derl / (1 + d), rel=SPECIAL), (beta, renewals)


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("x", [MONTHLY_X, 1 / 1.1], ids=["monthly", "annual"])
def test_residual_exposure_equals_direct_summation_over_typical_parameters(alpha, x):
    bs = np.array(BS)
    for c in (0.5, 0.8, 1.3, 2.0):
        got = residual_discounted_exposure(alpha, bs, c, x)
        want = np.array([direct_residual(alpha, b, c, x) for b in bs])
        np.testing.assert_allclose(got, want, rtol=SPECIAL, err_msg=f"alpha={alpha}, c={c}")


def test_residual_exposure_handles_a_different_multiplier_per_row():
    bs = np.array([3.0, 12.0, 60.0])
    cs = np.array([0.7, 1.0, 1.6])
    got = residual_discounted_exposure(2.2, bs, cs, MONTHLY_X)
    want = [direct_residual(2.2, b, c, MONTHLY_X) for b, c in zip(bs, cs, strict=True)]
    np.testing.assert_allclose(got, want, rtol=SPECIAL)


def test_residual_exposure_rejects_a_discount_factor_outside_zero_and_one():
    for x in (0.0, 1.0, 1.2):
        with pytest.raises(ValueError, match="discount_factor"):
            residual_discounted_exposure(2.0, 3.0, 1.0, x)


# O7 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"), [(1, Fraction(1, 3)), (2, Fraction(1, 5)), (3, Fraction(1, 7))]
)
def test_constant_multiplier_2_at_alpha_beta_1_gives_1_over_1_plus_2t(t, expected):
    assert math.exp(log_survival_ratio(1.0, 1.0, 2.0 * t)) == pytest.approx(
        float(expected), rel=EXACT
    )
    assert sbg_survival(1.0, 1.0, 2.0 * t) == pytest.approx(float(expected), rel=EXACT)


def test_one_off_shock_of_2_then_1_shifts_the_alpha_2_beta_3_curve_by_one_period():
    multipliers = np.array([2.0, 1.0, 1.0, 1.0])
    survival = np.exp(log_survival_ratio(2.0, 3.0, np.cumsum(multipliers)))
    expected = [Fraction(2, 5), Fraction(2, 7), Fraction(3, 14), Fraction(1, 6)]
    np.testing.assert_allclose(survival, [float(v) for v in expected], rtol=EXACT)
    np.testing.assert_allclose(survival, sbg_survival(2.0, 3.0, np.arange(2, 6)), rtol=EXACT)


def test_multiplier_one_reproduces_the_plain_sbg_survival():
    t = np.arange(0, 30, dtype=float)
    np.testing.assert_allclose(
        np.exp(log_survival_ratio(2.0, 3.0, t)), 12.0 / ((t + 3.0) * (t + 4.0)), rtol=EXACT
    )


def test_survival_of_an_existing_cohort_is_the_ratio_of_survivals_from_its_exposure():
    # B(a, b + C0 + dC) / B(a, b + C0) = S(C0 + dC) / S(C0)
    c0, dc = 5.0, np.array([0.5, 1.0, 3.7])
    got = np.exp(log_survival_ratio(0.668, 3.806 + c0, dc))
    want = sbg_survival(0.668, 3.806, c0 + dc) / sbg_survival(0.668, 3.806, c0)
    np.testing.assert_allclose(got, want, rtol=EXACT)


@pytest.mark.parametrize("b", [1e3, 1e4, 1e5, 1e6])
def test_log_survival_ratio_stays_accurate_for_large_beta(b):
    # B(.) itself would underflow; the log-gamma difference must not. For alpha = 2,
    # B(2, b + e) / B(2, b) = b (b + 1) / ((b + e)(b + e + 1)) exactly.
    for e in (1.0, 10.0, 100.0):
        exact = b * (b + 1) / ((b + e) * (b + e + 1))
        assert math.exp(log_survival_ratio(2.0, b, e)) == pytest.approx(exact, rel=SPECIAL)


@pytest.mark.parametrize("t", [1e8, 1e12, 1e16, 1e20])
def test_survival_stays_accurate_and_below_one_for_huge_exposures(t):
    # Huge exposures come from extreme shock multipliers; S must still be B(a, b + t) / B(a, b)
    # (model.md section 8: use betaln differences), never above 1.
    assert sbg_survival(2.0, 3.0, t) == pytest.approx(12.0 / ((t + 3.0) * (t + 4.0)), rel=SPECIAL)
    assert sbg_survival(1.0, 5.0, t) == pytest.approx(5.0 / (5.0 + t), rel=SPECIAL)


def test_log_survival_ratio_stays_finite_for_absurdly_large_beta():
    assert math.exp(log_survival_ratio(2.0, 1e12, 10.0)) == pytest.approx(1.0, abs=1e-6)
