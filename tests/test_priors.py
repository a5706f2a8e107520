"""Priors of the uncertain parameters and their Latin-hypercube draws (model.md 2.7, 3, 5.1-5.3)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import betainc, gammainc

from simulator.decisions.priors import (
    ETA_SHOCK_CORRELATION,
    FAILURE_PATH,
    FAILURE_PROBABILITY,
    ParameterDraws,
    Prior,
    draw_parameters,
    percentile_draws,
    uncertain_parameters,
)
from simulator.model.params import LEVERS, Business
from simulator.model.sample import example_scenario, sample_business
from simulator.model.service import quality_index

SEED = 20240601
COVARIANCE = (0.04, 0.034, 0.035)
"""(var ln alpha, cov, var ln beta): strongly correlated, as a fitted sBG usually is."""


def sbg_business(covariance: tuple[float, ...] = COVARIANCE) -> Business:
    """The sample business with the core segment's sBG fit uncertain."""
    business = sample_business()
    core, other = business.segments
    core = dataclasses.replace(core, sbg_log_covariance=covariance)
    return dataclasses.replace(business, segments=(core, other))


def priors_by_path(business: Business) -> dict[str, Prior]:
    return {p.path: p for p in uncertain_parameters(business)}


def current_value(business: Business, path: str) -> float:
    """The business's value at an ordinary dotted path or at a ``.sbg_alpha``/``.sbg_beta`` key."""
    if "." not in path:
        return getattr(business, path)
    if path.startswith("segments."):
        name, field = path.removeprefix("segments.").rsplit(".", 1)
        return getattr(business.segment(name), field)
    parts = path.removeprefix("service.").split(".")
    if len(parts) == 2:
        return getattr(business.service.lever(parts[0]), parts[1])
    return getattr(business.service, parts[0])


# --- the priors ------------------------------------------------------------------------------


def test_priors_are_in_a_stable_order_segments_then_service_then_levers_then_failure():
    business = sbg_business()
    paths = [p.path for p in uncertain_parameters(business)]
    assert paths == [p.path for p in uncertain_parameters(business)]
    assert paths[0] == "segments.core.arpu_per_month"
    assert paths[-1] == FAILURE_PATH
    core_end = paths.index("segments.core.sbg")
    assert all(p.startswith("segments.core.") for p in paths[: core_end + 1])
    first_service = next(i for i, p in enumerate(paths) if p.startswith("service."))
    assert all(
        p.startswith("segments.price-sensitive.") for p in paths[core_end + 1 : first_service]
    )
    lever_order = [p.split(".")[1] for p in paths if p.count(".") == 2 and p.startswith("service.")]
    assert lever_order == sorted(lever_order, key=LEVERS.index)
    assert "segments.price-sensitive.sbg" not in paths  # no covariance, no prior
    assert not any(p.endswith(".weight") for p in paths)  # weights stay fixed


def test_each_prior_is_centred_on_the_current_value_with_its_source():
    business = dataclasses.replace(
        sample_business(),
        data_fields=("segments.core.arpu_per_month",),
        user_fields=("service.max_fcr_gain",),
    )
    priors = priors_by_path(business)
    for path, prior in priors.items():
        if prior.family in {"lognormal", "beta", "gamma", "uniform"}:
            assert prior.median == current_value(business, path), path
            if prior.family == "uniform":
                lower, upper = prior.parameters
                assert lower <= prior.median <= upper, path
            else:
                assert prior.low < prior.median < prior.high, path
    assert priors["segments.core.arpu_per_month"].source == "data"
    assert priors["service.max_fcr_gain"].source == "user"
    assert priors["segments.core.lasting_price_elasticity"].source == "assumption"
    assert priors[FAILURE_PATH].source == "assumption"
    assert priors_by_path(sbg_business())["segments.core.sbg"].source == "data"


def test_lognormal_priors_have_the_model_md_ranges():
    priors = priors_by_path(sample_business())
    eta = priors["segments.core.lasting_price_elasticity"]
    assert eta.family == "lognormal"
    assert eta.median == 0.5
    assert eta.ppf(0.5) == 0.5
    assert eta.low == pytest.approx(0.5 * math.exp(-1.644854 * 0.80), rel=1e-6)
    # widened beyond model.md 2.7 (docs/model.md): 90 % 0.13-1.9 around 0.5
    assert 0.12 < eta.low < 0.14 and 1.8 < eta.high < 1.95
    sensitive = priors["segments.price-sensitive.lasting_price_elasticity"]
    assert 0.38 < sensitive.low < 0.42 and 5.5 < sensitive.high < 5.65  # 0.4-5.6 around 1.5
    shock = priors["segments.core.notice_shock_churn_per_10pct"]
    assert 0.0009 < shock.low < 0.0013 and 0.018 < shock.high < 0.025  # 0.1-2 % around 0.5 %
    shock = priors["segments.price-sensitive.notice_shock_churn_per_10pct"]
    assert 0.009 < shock.low < 0.012 and 0.075 < shock.high < 0.09  # 1-8 % around 3 %
    half_life = priors["segments.core.shock_half_life_months"]
    assert half_life.high / half_life.median == pytest.approx(math.exp(1.644854 * 0.545), 1e-6)
    x50 = priors["service.tools.half_effect_cost_share"]  # 0.5-2 x the share (0.10)
    assert x50.low == pytest.approx(0.05, rel=0.01) and x50.high == pytest.approx(0.20, rel=0.01)
    # lognormal CDF check at an interior quantile
    q = np.array([0.1, 0.3, 0.7, 0.9])
    assert stats.lognorm(s=0.80, scale=0.5).cdf(eta.ppf(q)) == pytest.approx(q, abs=1e-12)


def test_beta_priors_have_the_current_value_as_their_mean():
    priors = priors_by_path(sample_business())
    u = priors["segments.core.uncontrollable_churn_share"]
    a, b = u.parameters
    assert u.family == "beta"
    assert a / (a + b) == pytest.approx(0.35, abs=1e-15) and a + b == pytest.approx(27.0)
    assert 0.19 < u.low < 0.23 and 0.48 < u.high < 0.52  # 0.2-0.5 around 0.35
    q = np.array([0.05, 0.5, 0.95])
    assert betainc(a, b, u.ppf(q)) == pytest.approx(q, abs=1e-10)
    asym = priors["segments.core.decrease_response_ratio"]
    assert asym.parameters == pytest.approx((5.0, 5.0))  # Beta(5, 5) around 0.5
    m_max = priors["segments.core.max_service_churn_reduction"]
    a, b = m_max.parameters
    assert a / (a + b) == pytest.approx(0.10) and a + b == pytest.approx(12.0)
    assert m_max.low < 0.02 and 0.2 < m_max.high < 0.3  # roughly 1-25 % around 10 %


def test_gamma_and_uniform_priors():
    priors = priors_by_path(sample_business())
    psi = priors["segments.core.satisfaction_moderation"]
    assert psi.family == "gamma" and psi.ppf(0.5) == 0.5
    assert gammainc(2.0, psi.ppf(0.95) / 0.5 * 1.678347) == pytest.approx(0.95, abs=1e-6)
    assert 0.09 < psi.low < 0.12 and 1.3 < psi.high < 1.5  # 0.1-1.4 around 0.5
    uplift = priors["service.max_arpu_uplift"]
    assert uplift.family == "gamma" and uplift.median == 0.02 and uplift.cap == 1.0
    tau = priors["segments.core.price_threshold"]
    assert tau.family == "uniform" and tau.parameters == pytest.approx((0.0, 0.05))
    assert tau.low == pytest.approx(0.0025) and tau.high == pytest.approx(0.0475)
    tau0 = priors["segments.price-sensitive.price_threshold"]
    assert tau0.parameters == pytest.approx((0.0, 0.03))
    phi = priors["segments.core.referred_churn_multiplier"]
    assert phi.parameters == pytest.approx((0.70, 1.0))
    hill = priors["service.incentives.hill_exponent"]
    assert hill.parameters == pytest.approx((0.45, 1.95))


def test_failure_prior_is_a_bernoulli_with_p_fail():
    failure = priors_by_path(sample_business())[FAILURE_PATH]
    assert failure.family == "bernoulli" and FAILURE_PROBABILITY == 0.2
    assert failure.median == 0.0
    assert list(failure.ppf([0.1, 0.5, 0.79, 0.81, 0.9])) == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_zero_and_boundary_values_stay_fixed_and_the_threshold_stays_below_ln_1_1():
    business = sample_business()
    core, other = business.segments
    core = dataclasses.replace(
        core,
        variable_cost_per_month=0.0,
        notice_shock_churn_per_10pct=0.0,
        decrease_response_ratio=1.0,
        uncontrollable_churn_share=0.0,
        max_service_churn_reduction=0.0,
        referral_rate_per_month=0.0,
        price_threshold=0.09,
        referred_churn_multiplier=0.4,
    )
    service = dataclasses.replace(business.service, max_arpu_uplift=0.0)
    business = dataclasses.replace(business, segments=(core, other), service=service)
    priors = priors_by_path(business)
    for field in (
        "variable_cost_per_month",
        "notice_shock_churn_per_10pct",
        "decrease_response_ratio",
        "uncontrollable_churn_share",
        "max_service_churn_reduction",
        "referral_rate_per_month",
    ):
        assert f"segments.core.{field}" not in priors
    assert "service.max_arpu_uplift" not in priors
    assert priors["segments.core.price_threshold"].parameters == pytest.approx((0.07, 0.095))
    assert priors["segments.core.price_threshold"].parameters[1] < math.log(1.1)
    # the interval always contains the current value
    assert priors["segments.core.referred_churn_multiplier"].parameters == pytest.approx(
        (0.4, 0.55)
    )
    draws = draw_parameters(business, 200, seed=SEED)
    for i in range(draws.draws):
        draws.business(business, i)


def test_a_constant_churn_segment_has_no_sbg_prior():
    business = sbg_business()
    core = dataclasses.replace(business.segments[0], constant_monthly_churn=0.02)
    business = dataclasses.replace(business, segments=(core, business.segments[1]))
    assert "segments.core.sbg" not in priors_by_path(business)


def test_sbg_prior_moves_along_the_principal_axis():
    prior = priors_by_path(sbg_business())["segments.core.sbg"]
    core = sbg_business().segments[0]
    assert prior.family == "sbg" and prior.median == core.sbg_alpha
    assert prior.ppf(0.95) == pytest.approx(1.644854, abs=1e-6)
    eigenvalues, vectors = np.linalg.eigh(np.array([[0.04, 0.034], [0.034, 0.035]]))
    axis = vectors[:, 1] * math.sqrt(eigenvalues[1]) * np.sign(vectors[0, 1])
    assert prior.low == pytest.approx(core.sbg_alpha * math.exp(-1.644854 * axis[0]), rel=1e-6)
    assert prior.high == pytest.approx(core.sbg_alpha * math.exp(1.644854 * axis[0]), rel=1e-6)
    assert prior.low < core.sbg_alpha < prior.high
    alpha, beta = prior.sbg_point(1.0)
    assert math.log(alpha / core.sbg_alpha) == pytest.approx(axis[0])
    assert math.log(beta / core.sbg_beta) == pytest.approx(axis[1])


# --- Monte Carlo draws -----------------------------------------------------------------------


def test_draws_have_every_ordinary_path_and_the_sbg_pair():
    business = sbg_business()
    draws = draw_parameters(business, 50, seed=SEED)
    ordinary = [
        p.path for p in uncertain_parameters(business) if p.family not in {"sbg", "bernoulli"}
    ]
    assert set(draws.values) == {*ordinary, "segments.core.sbg_alpha", "segments.core.sbg_beta"}
    assert draws.draws == 50
    assert all(v.shape == (50,) and v.dtype == float for v in draws.values.values())
    assert draws.service_works.shape == (50,) and draws.service_works.dtype == bool


def test_the_same_seed_gives_identical_draws_and_another_seed_differs():
    business = sbg_business()
    a = draw_parameters(business, 100, seed=SEED)
    b = draw_parameters(business, 100, seed=SEED)
    c = draw_parameters(business, 100, seed=SEED + 1)
    for path in a.values:
        assert np.array_equal(a.values[path], b.values[path])
        assert not np.array_equal(a.values[path], c.values[path])
    assert np.array_equal(a.service_works, b.service_works)


@pytest.mark.parametrize(
    ("path", "cdf"),
    [
        (
            "segments.core.arpu_per_month",
            lambda x: stats.norm.cdf(np.log(x / 48.0) / 0.03),
        ),
        (
            "segments.price-sensitive.lasting_price_elasticity",
            lambda x: stats.norm.cdf(np.log(x / 1.5) / 0.80),
        ),
        ("segments.core.uncontrollable_churn_share", lambda x: betainc(9.45, 17.55, x)),
        ("segments.core.satisfaction_moderation", lambda x: gammainc(2.0, x / 0.5 * 1.6783469900)),
        ("service.tools.hill_exponent", lambda x: (x - 0.75) / 1.5),
    ],
)
def test_latin_hypercube_puts_one_draw_in_each_equal_probability_stratum(path, cdf):
    n = 500
    draws = draw_parameters(sample_business(), n, seed=SEED)
    strata = np.floor(cdf(draws.values[path]) * n).astype(int)
    assert sorted(strata) == list(range(n))


def test_elasticity_and_notice_shock_scores_are_correlated_by_the_copula():
    business = sample_business()
    draws = draw_parameters(business, 4000, seed=SEED)
    for name, sd_eta, sd_shock in (("core", 0.70, 0.91), ("price-sensitive", 0.63, 0.63)):
        segment = business.segment(name)
        eta = draws.values[f"segments.{name}.lasting_price_elasticity"]
        shock = draws.values[f"segments.{name}.notice_shock_churn_per_10pct"]
        z_eta = np.log(eta / segment.lasting_price_elasticity) / sd_eta
        z_shock = np.log(shock / segment.notice_shock_churn_per_10pct) / sd_shock
        assert np.corrcoef(z_eta, z_shock)[0, 1] == pytest.approx(ETA_SHOCK_CORRELATION, abs=0.05)
        assert np.std(z_shock) == pytest.approx(1.0, abs=0.05)  # the marginal is unchanged
        spearman = stats.spearmanr(eta, shock).statistic
        assert spearman == pytest.approx(6 / math.pi * math.asin(0.25), abs=0.05)
    # the two segments are independent of each other
    a = draws.values["segments.core.lasting_price_elasticity"]
    b = draws.values["segments.price-sensitive.lasting_price_elasticity"]
    assert abs(stats.spearmanr(a, b).statistic) < 0.05


def test_sbg_draws_have_the_fitted_log_covariance():
    business = sbg_business()
    draws = draw_parameters(business, 4000, seed=SEED)
    core = business.segments[0]
    logs = np.log(
        [
            draws.values["segments.core.sbg_alpha"] / core.sbg_alpha,
            draws.values["segments.core.sbg_beta"] / core.sbg_beta,
        ]
    )
    cov = np.cov(logs)
    expected = np.array([[COVARIANCE[0], COVARIANCE[1]], [COVARIANCE[1], COVARIANCE[2]]])
    assert cov == pytest.approx(expected, rel=0.10)
    assert np.abs(logs.mean(axis=1)).max() < 0.01


def test_a_semi_definite_sbg_covariance_draws_on_a_line():
    business = sbg_business((0.04, 0.02, 0.01))  # perfectly correlated: ln beta = ln alpha / 2
    draws = draw_parameters(business, 300, seed=SEED)
    core = business.segments[0]
    log_alpha = np.log(draws.values["segments.core.sbg_alpha"] / core.sbg_alpha)
    log_beta = np.log(draws.values["segments.core.sbg_beta"] / core.sbg_beta)
    assert log_beta == pytest.approx(log_alpha / 2, abs=1e-12)
    assert np.var(log_alpha) == pytest.approx(0.04, rel=0.1)


def test_lhs_gives_exactly_p_fail_failures():
    draws = draw_parameters(sample_business(), 1000, seed=SEED)
    assert int((~draws.service_works).sum()) == 200


def test_spread_zero_gives_the_current_values_exactly():
    business = sbg_business()
    draws = draw_parameters(business, 64, seed=SEED, spread=0.0)
    for path, column in draws.values.items():
        assert np.all(column == current_value(business, path)), path
    assert draws.service_works.all()
    assert draws.business(business, 17) == business


def test_spread_narrows_every_prior():
    business = sbg_business()
    full = draw_parameters(business, 400, seed=SEED)
    half = draw_parameters(business, 400, seed=SEED, spread=0.5)
    for path in full.values:
        centre = current_value(business, path)
        narrow = np.abs(half.values[path] - centre).max()
        assert narrow < np.abs(full.values[path] - centre).max(), path
    assert (~half.service_works).mean() == pytest.approx(FAILURE_PROBABILITY / 2, abs=0.01)


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError, match="spread"):
        draw_parameters(sample_business(), 10, seed=1, spread=1.5)
    with pytest.raises(ValueError, match="draws"):
        draw_parameters(sample_business(), 0, seed=1)
    with pytest.raises(ValueError, match="low"):
        percentile_draws(sample_business(), low=0.9, high=0.1)


# --- businesses of a draw --------------------------------------------------------------------


def test_every_drawn_business_is_valid():
    business = sbg_business()
    draws = draw_parameters(business, 500, seed=SEED)
    for i in range(draws.draws):
        drawn = draws.business(business, i)
        assert drawn.service.max_fcr_gain < 1 - drawn.service.first_contact_resolution
        for segment in drawn.segments:
            assert segment.notice_shock_churn_per_10pct <= 0.5
            assert segment.max_service_churn_reduction <= 0.95


def test_business_round_trips_values_and_keeps_everything_else():
    business = sbg_business()
    draws = draw_parameters(business, 30, seed=SEED)
    i = int(np.flatnonzero(draws.service_works)[0])
    drawn = draws.business(business, i)
    for path, column in draws.values.items():
        assert current_value(drawn, path) == column[i], path
    assert drawn.user_fields == business.user_fields and drawn.data_fields == business.data_fields
    for segment, original in zip(drawn.segments, business.segments, strict=True):
        assert segment.base_customers_by_tenure == original.base_customers_by_tenure
        assert segment.sbg_log_covariance == original.sbg_log_covariance
    for lever in LEVERS:
        assert drawn.service.lever(lever).weight == business.service.lever(lever).weight
    assert drawn.service.csat == business.service.csat


def test_a_failed_draw_has_zero_lever_weights_and_no_service_effect():
    business = sample_business()
    draws = draw_parameters(business, 30, seed=SEED)
    i = int(np.flatnonzero(~draws.service_works)[0])
    failed = draws.business(business, i)
    assert all(failed.service.lever(lever).weight == 0.0 for lever in LEVERS)
    frame = quality_index(failed, example_scenario())
    assert (frame["quality_index"] == 0).all()
    assert (frame["arpu_uplift"] == 0).all() and (frame["attrition_reduction"] == 0).all()
    assert (frame["first_contact_resolution"] == business.service.first_contact_resolution).all()


# --- tornado design --------------------------------------------------------------------------


def test_percentile_rows_move_one_prior_to_its_p10_and_p90():
    business = sbg_business()
    priors = uncertain_parameters(business)
    draws, design = percentile_draws(business)
    assert isinstance(draws, ParameterDraws)
    assert draws.draws == 1 + 2 * len(priors)
    assert [d[0] for d in design] == [p.path for p in priors]
    median = {path: current_value(business, path) for path in draws.values}
    assert draws.business(business, 0) == business
    assert draws.service_works[0]
    for prior, (path, low_row, high_row) in zip(priors, design, strict=True):
        assert (low_row, high_row) == (design.index((path, low_row, high_row)) * 2 + 1, low_row + 1)
        moved = set()
        if prior.family == "sbg":
            alpha, beta = prior.sbg_point(stats.norm.ppf([0.1, 0.9]))
            base = path.removesuffix(".sbg")
            for row, a, b in ((low_row, alpha[0], beta[0]), (high_row, alpha[1], beta[1])):
                assert draws.values[base + ".sbg_alpha"][row] == pytest.approx(a, rel=1e-14)
                assert draws.values[base + ".sbg_beta"][row] == pytest.approx(b, rel=1e-14)
            moved = {base + ".sbg_alpha", base + ".sbg_beta"}
        elif prior.family == "bernoulli":
            assert draws.service_works[low_row] and not draws.service_works[high_row]
        else:
            assert draws.values[path][low_row] == prior.ppf(0.1)
            assert draws.values[path][high_row] == prior.ppf(0.9)
            moved = {path}
        for other, column in draws.values.items():
            if other not in moved:
                assert column[low_row] == median[other] and column[high_row] == median[other]
        if prior.family != "bernoulli":
            assert draws.service_works[low_row] and draws.service_works[high_row]


def test_percentile_values_are_the_exact_p10_and_p90():
    draws, design = percentile_draws(sample_business())
    rows = {path: (lo, hi) for path, lo, hi in design}
    lo, hi = rows["segments.core.lasting_price_elasticity"]
    eta = draws.values["segments.core.lasting_price_elasticity"]
    assert eta[lo] == pytest.approx(0.5 * math.exp(0.80 * stats.norm.ppf(0.1)), rel=1e-14)
    assert eta[hi] == pytest.approx(0.5 * math.exp(0.80 * stats.norm.ppf(0.9)), rel=1e-14)
    lo, hi = rows["segments.core.price_threshold"]
    tau = draws.values["segments.core.price_threshold"]
    assert (tau[lo], tau[hi]) == pytest.approx((0.005, 0.045), abs=1e-15)
    lo, hi = rows["segments.core.uncontrollable_churn_share"]
    u = draws.values["segments.core.uncontrollable_churn_share"]
    assert betainc(9.45, 17.55, u[[lo, hi]]) == pytest.approx([0.1, 0.9], abs=1e-12)
    for i in range(draws.draws):
        draws.business(sample_business(), i)
