"""How price enters churn: reference-price gaps, the lasting term and the shock mapping.

Oracles: the supplementary reference-price shock (+10 % step, lambda = 0.5) and the section 2.3
shock mapping (alpha = 2, beta = 3, C0 = 0, s = 10 % gives c = 1.2405; homogeneous theta = 0.4
gives 1.2063) of model.md.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from simulator.model.cohorts import mixture_log_kept
from simulator.model.price import (
    hazard_paths,
    lasting_price_term,
    reference_price_gaps,
    shock_coefficient,
    shock_multiplier_for_extra_churn,
)
from simulator.model.sample import example_scenario
from simulator.model.sbg import sbg_survival

from .conftest import segment

EXACT = 1e-12
SPECIAL = 1e-9

# reference-price gaps ---------------------------------------------------------------------------


def test_ten_percent_step_with_one_month_half_life_gives_the_oracle_gaps():
    gaps = reference_price_gaps(np.full(4, 1.1), half_life_months=1.0)
    np.testing.assert_allclose(gaps, [0.0953102, 0.0465200, 0.0229895, 0.0114287], atol=5e-8)


def test_ten_percent_step_gaps_are_the_logs_of_price_over_the_smoothed_reference():
    gaps = reference_price_gaps(np.full(4, 1.1), half_life_months=1.0)
    expected = [math.log(1.1 / r) for r in (1.0, 1.05, 1.075, 1.0875)]
    np.testing.assert_allclose(gaps, expected, rtol=EXACT)


def test_gaps_decay_roughly_geometrically_at_rate_lambda():
    half_life = 3.0
    lam = 0.5 ** (1 / half_life)
    gaps = reference_price_gaps(np.full(24, 1.1), half_life_months=half_life)
    references = 1.1 - 0.1 * lam ** np.arange(24)
    np.testing.assert_allclose(gaps, np.log(1.1 / references), rtol=EXACT)
    assert np.all(np.diff(gaps) < 0)


def test_threshold_lowers_every_gap_and_floors_it_at_zero():
    plain = reference_price_gaps(np.full(6, 1.1), 1.0)
    with_threshold = reference_price_gaps(np.full(6, 1.1), 1.0, threshold=0.03)
    np.testing.assert_allclose(with_threshold, np.maximum(plain - 0.03, 0.0), rtol=EXACT, atol=0)
    assert with_threshold[0] > 0 and with_threshold[-1] == 0.0


def test_a_price_cut_never_produces_a_shock_gap():
    assert np.all(reference_price_gaps(np.full(6, 0.9), 1.0) == 0.0)


def test_no_gap_before_the_announcement():
    announced = np.array([1.0, 1.0, 1.1, 1.1])
    gaps = reference_price_gaps(announced, 1.0)
    assert gaps[0] == gaps[1] == 0.0
    assert gaps[2] == pytest.approx(math.log(1.1), rel=EXACT)


# lasting term -----------------------------------------------------------------------------------


def test_lasting_term_of_an_increase_is_the_log_index_above_the_threshold():
    index = np.array([1.0, 1.01, 1.05, 1.1])
    got = lasting_price_term(index, decrease_response_ratio=0.5, threshold=0.02)
    np.testing.assert_allclose(got, np.maximum(np.log(index) - 0.02, 0.0), rtol=EXACT, atol=0)


def test_lasting_term_of_a_decrease_is_the_asymmetry_ratio_times_the_log_index():
    index = np.array([0.95, 0.9, 0.5])
    got = lasting_price_term(index, decrease_response_ratio=0.4, threshold=0.02)
    np.testing.assert_allclose(got, 0.4 * np.log(index), rtol=EXACT)


def test_moderation_softens_increases_but_not_decreases():
    moderation = np.exp(-0.5 * 0.6)
    up = lasting_price_term(1.1, 0.5, 0.0, moderation)
    down = lasting_price_term(0.9, 0.5, 0.0, moderation)
    assert up == pytest.approx(moderation * math.log(1.1), rel=EXACT)
    assert down == pytest.approx(0.5 * math.log(0.9), rel=EXACT)


# shock mapping (model.md 2.3) -------------------------------------------------------------------


def test_ten_percent_extra_churn_on_a_new_alpha_2_beta_3_cohort_needs_multiplier_1_2405():
    seg = segment(sbg_alpha=2.0, sbg_beta=3.0)
    c = shock_multiplier_for_extra_churn(seg, 0.10, exposures=[0.0], weights=[1.0])
    # 12 / ((3 + c)(4 + c)) = 0.9 * 0.6  =>  c = (-7 + sqrt(809) / 3) / 2
    assert c == pytest.approx((-7 + math.sqrt(809) / 3) / 2, rel=SPECIAL)
    assert c == pytest.approx(1.2405, abs=5e-5)
    assert sbg_survival(2.0, 3.0, c) == pytest.approx(0.9 * 0.6, rel=SPECIAL)


def test_ten_percent_extra_churn_on_a_homogeneous_40_percent_churn_base_needs_1_2063():
    seg = segment(constant_monthly_churn=0.4)
    c = shock_multiplier_for_extra_churn(seg, 0.10, exposures=[0.0], weights=[1.0])
    assert c == pytest.approx(1 + math.log(0.9) / math.log(0.6), rel=SPECIAL)
    assert c == pytest.approx(1.2063, abs=5e-5)


@pytest.mark.parametrize("churn", [0.01, 0.05, 0.2])
@pytest.mark.parametrize("extra", [0.005, 0.03, 0.3])
def test_homogeneous_shock_multiplier_is_1_plus_log_1_minus_s_over_log_1_minus_theta(churn, extra):
    seg = segment(constant_monthly_churn=churn, base_customers_by_tenure=(10.0, 5.0))
    c = shock_multiplier_for_extra_churn(seg, extra, exposures=[0.0, 1.0], weights=[10.0, 5.0])
    assert c == pytest.approx(1 + math.log1p(-extra) / math.log1p(-churn), rel=SPECIAL)


def test_shock_multiplier_loses_exactly_the_stated_share_of_a_mixed_tenure_base():
    seg = segment(sbg_alpha=0.668, sbg_beta=3.806)
    exposures = np.arange(6.0)
    weights = np.array([100.0, 80.0, 60.0, 50.0, 45.0, 40.0])
    c = shock_multiplier_for_extra_churn(seg, 0.05, exposures, weights)

    def kept(multiplier: float) -> float:
        s = sbg_survival(0.668, 3.806, exposures + multiplier) / sbg_survival(
            0.668, 3.806, exposures
        )
        return float(weights @ s)

    assert kept(c) == pytest.approx(0.95 * kept(1.0), rel=SPECIAL)


def test_no_extra_churn_means_multiplier_one():
    seg = segment()
    assert shock_multiplier_for_extra_churn(seg, 0.0, [0.0], [1.0]) == 1.0


def test_shock_multiplier_with_an_empty_base_uses_a_new_cohort():
    seg = segment(sbg_alpha=2.0, sbg_beta=3.0, base_customers_by_tenure=())
    c = shock_multiplier_for_extra_churn(seg, 0.10, exposures=[], weights=[])
    assert c == pytest.approx((-7 + math.sqrt(809) / 3) / 2, rel=SPECIAL)


def test_shock_coefficient_maps_the_multiplier_through_the_controllable_share_and_gap():
    seg = segment(
        sbg_alpha=2.0,
        sbg_beta=3.0,
        base_customers_by_tenure=(1000.0,),
        notice_shock_churn_per_10pct=0.10,
        uncontrollable_churn_share=0.3,
        price_threshold=0.02,
    )
    c = (-7 + math.sqrt(809) / 3) / 2
    expected = math.log((c - 0.3) / 0.7) / (math.log(1.1) - 0.02)
    assert shock_coefficient(seg) == pytest.approx(expected, rel=SPECIAL)


def test_shock_coefficient_reproduces_the_multiplier_for_a_ten_percent_gap():
    seg = segment(
        constant_monthly_churn=0.03,
        notice_shock_churn_per_10pct=0.05,
        uncontrollable_churn_share=0.25,
    )
    kappa = shock_coefficient(seg)
    c = 0.25 + 0.75 * math.exp(kappa * math.log(1.1))
    assert 1 - 0.97**c == pytest.approx(1 - 0.95 * 0.97, rel=SPECIAL)


def test_no_stated_shock_means_a_zero_shock_coefficient():
    assert shock_coefficient(segment(notice_shock_churn_per_10pct=0.0)) == 0.0


def test_one_month_survival_of_a_base_is_the_sbg_ratio_or_the_geometric_power():
    one = np.ones(1)
    got, slope = mixture_log_kept(2.0 * one, 3.0 * one, None, [0.0, 2.0], [1.0, 3.0], 1.5 * one)
    ratio = sbg_survival(2.0, 3.0, [1.5, 3.5]) / sbg_survival(2.0, 3.0, [0.0, 2.0])
    np.testing.assert_allclose(np.exp(got), (ratio @ [1.0, 3.0]) / 4.0, rtol=EXACT)
    h = 1e-6
    up, _ = mixture_log_kept(2.0 * one, 3.0 * one, None, [0.0, 2.0], [1.0, 3.0], (1.5 + h) * one)
    down, _ = mixture_log_kept(2.0 * one, 3.0 * one, None, [0.0, 2.0], [1.0, 3.0], (1.5 - h) * one)
    np.testing.assert_allclose(slope, (up - down) / (2 * h), rtol=1e-7)
    got, slope = mixture_log_kept(one, one, 0.02, [0.0, 7.0], [1.0, 1.0], 1.5 * one)
    np.testing.assert_allclose(np.exp(got), 0.98**1.5, rtol=EXACT)
    np.testing.assert_allclose(slope, math.log(0.98), rtol=EXACT)


def test_multipliers_of_every_pool_at_once_equal_each_pool_alone():
    """The Monte Carlo engine takes every pool's multiplier path from one call; each must be
    the per-pool formula, c = u + (1 - u) exp(service + lasting + kappa shock + ln phi)."""
    months = 24
    rng = np.random.default_rng(5)
    dq = np.minimum(1.0, rng.uniform(0, 0.1, (3, months)).cumsum(axis=1))
    paths = hazard_paths(
        replace(example_scenario(), monthly_fee=2.0, notice_months=2, horizon_months=months),
        dq,
        price_change=np.array([[0.05], [0.2], [-0.1]]),
        monthly_fee=2.0,
        fee_salience=1.2,
        arpu_per_month=30.0,
        lasting_price_elasticity=np.array([[0.5], [1.5], [0.8]]),
        shock_half_life_months=2.0,
        decrease_response_ratio=0.5,
        price_threshold=0.01,
        satisfaction_moderation=0.7,
        max_service_churn_reduction=0.2,
        uncontrollable_churn_share=np.array([[0.1], [0.3], [0.0]]),
        referred_churn_multiplier=0.8,
    )
    kappa = np.array([[0.9], [2.0], [0.4]])
    keys = [(g, s, r) for g in (False, True) for s in (False, True) for r in (False, True)]
    together = paths.multipliers(kappa, keys)
    assert set(together) == set(keys)
    for g, s, r in keys:
        alone = paths.multiplier(kappa, grandfathered=g, shocked=s, referred=r)
        np.testing.assert_allclose(together[(g, s, r)], alone, rtol=1e-14)
    assert np.ptp(together[(False, True, False)] - together[(False, False, False)]) > 0.01
