"""Closed-form money arithmetic: oracles O1, O2, O3, O7 (homogeneous mapping), O8 and O9.

Tolerances (model.md section 7): exact rationals to 1e-12 relative; irrational values printed to
ten decimals are checked to 1e-9 relative (or half a unit of the tenth decimal, whichever is
larger, since a printed value cannot be closer than that) and against their defining expression
to 1e-12.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from simulator.model.finance import (
    breakeven_retention,
    breakeven_volume_change,
    churn_after_hazard_ratio,
    geometric_clv,
    median_lifetime_months,
    monthly_churn_from_annual,
    monthly_discount_rate,
    retention_elasticity_of_clv,
)

EXACT = 1e-12
SPECIAL = 1e-9
PRINTED = 5e-11  # half a unit in the tenth decimal: the oracle values are printed to ten decimals

# O1 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price_change", "margin", "expected"),
    [
        (0.05, 0.30, Fraction(-1, 7)),
        (-0.05, 0.30, Fraction(1, 5)),
        (0.10, 0.40, Fraction(-1, 5)),
        (0.03, 0.60, Fraction(-1, 21)),
    ],
)
def test_static_breakeven_volume_matches_nagle_and_holden(price_change, margin, expected):
    assert breakeven_volume_change(price_change, margin) == pytest.approx(
        float(expected), rel=EXACT
    )


def test_static_breakeven_volume_matches_the_printed_decimals():
    assert breakeven_volume_change(0.05, 0.30) == pytest.approx(-0.142857142857, abs=5e-13)
    assert breakeven_volume_change(0.03, 0.60) == pytest.approx(-0.047619047619, abs=5e-13)


@pytest.mark.parametrize("price_change", [-0.2, -0.05, 0.0, 0.01, 0.05, 0.1, 0.5])
@pytest.mark.parametrize("margin", [0.25, 0.3, 0.6, 1.0])
def test_breakeven_volume_keeps_contribution_unchanged(price_change, margin):
    volume = breakeven_volume_change(price_change, margin)
    assert (margin + price_change) * (1 + volume) == pytest.approx(margin, rel=EXACT)


def test_revenue_only_one_off_shock_breakeven_loss_for_10_percent_is_one_eleventh():
    loss = -breakeven_volume_change(0.10, 1.0)
    assert loss == pytest.approx(float(Fraction(1, 11)), rel=EXACT)
    assert loss == pytest.approx(0.0909090909, abs=5e-11)


def test_breakeven_volume_rejects_a_price_cut_that_wipes_out_the_margin():
    with pytest.raises(ValueError, match="contribution_margin"):
        breakeven_volume_change(-0.3, 0.3)


# O2 -------------------------------------------------------------------------------------------


def test_geometric_clv_in_the_gupta_lehmann_convention_is_250():
    assert geometric_clv(100.0, 0.8, 0.12) == pytest.approx(250.0, rel=EXACT)


def test_geometric_clv_including_the_first_margin_is_350():
    assert geometric_clv(100.0, 0.8, 0.12, include_first=True) == pytest.approx(350.0, rel=EXACT)


def test_geometric_clv_including_the_first_margin_is_one_margin_more():
    gl = geometric_clv(100.0, 0.8, 0.12)
    assert geometric_clv(100.0, 0.8, 0.12, include_first=True) == pytest.approx(
        100.0 + gl, rel=EXACT
    )


def test_five_period_geometric_clv_is_3420500_over_16807():
    got = geometric_clv(100.0, 0.8, 0.12, periods=5)
    assert got == pytest.approx(float(Fraction(3420500, 16807)), rel=EXACT)
    assert got == pytest.approx(203.5163919795, abs=5e-11)
    x = 0.8 / 1.12
    assert got == pytest.approx(math.fsum(100.0 * x**t for t in range(1, 6)), rel=EXACT)


def test_finite_horizon_is_only_defined_for_the_gupta_lehmann_convention():
    with pytest.raises(ValueError, match="Gupta-Lehmann"):
        geometric_clv(100.0, 0.8, 0.12, include_first=True, periods=5)


def test_retention_elasticity_of_clv_is_3_point_5():
    assert retention_elasticity_of_clv(0.8, 0.12) == pytest.approx(3.5, rel=EXACT)


def test_retention_elasticity_of_clv_agrees_with_a_finite_difference_of_clv():
    r, d, h = 0.8, 0.12, 1e-6
    up = math.log(geometric_clv(100.0, r * math.exp(h), d))
    down = math.log(geometric_clv(100.0, r * math.exp(-h), d))
    assert (up - down) / (2 * h) == pytest.approx(3.5, rel=1e-8)


def test_geometric_clv_falls_as_the_discount_rate_rises():
    values = [geometric_clv(100.0, 0.8, d) for d in (0.0, 0.05, 0.12, 0.3)]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("retention", [-0.1, 1.0, 1.5])
def test_geometric_clv_rejects_retention_outside_zero_to_one(retention):
    with pytest.raises(ValueError, match="retention"):
        geometric_clv(100.0, retention, 0.1)


# O3 -------------------------------------------------------------------------------------------


def test_two_percent_monthly_churn_keeps_0_7847167237_of_customers_after_a_year():
    assert pytest.approx(0.7847167237, rel=SPECIAL, abs=PRINTED) == (1 - 0.02) ** 12
    # The same through the hazard-ratio helper: twelve months of hazard are one HR of 12.
    assert 1 - churn_after_hazard_ratio(0.02, 12.0) == pytest.approx(
        0.7847167237, rel=SPECIAL, abs=PRINTED
    )


def test_two_percent_monthly_churn_gives_50_expected_paid_periods():
    # Undiscounted CLV of one unit of margin, first period included, is the expected lifetime 1/c.
    assert geometric_clv(1.0, 0.98, 0.0, include_first=True) == pytest.approx(50.0, rel=EXACT)


def test_median_lifetime_at_two_percent_monthly_churn_is_34_point_31_months():
    assert median_lifetime_months(0.02) == pytest.approx(34.3096184915, rel=SPECIAL, abs=PRINTED)
    assert median_lifetime_months(0.02) == pytest.approx(math.log(0.5) / math.log(0.98), rel=EXACT)
    assert 0.98 ** median_lifetime_months(0.02) == pytest.approx(0.5, rel=EXACT)


def test_continuous_hazard_of_two_percent_monthly_churn_is_0_0202027073():
    hazard = -math.log1p(-0.02)
    assert hazard == pytest.approx(0.0202027073, rel=SPECIAL, abs=PRINTED)
    assert median_lifetime_months(0.02) == pytest.approx(math.log(2) / hazard, rel=EXACT)


def test_twenty_percent_annual_churn_is_0_0184234701_a_month():
    assert monthly_churn_from_annual(0.20) == pytest.approx(0.0184234701, rel=SPECIAL, abs=PRINTED)
    assert (1 - monthly_churn_from_annual(0.20)) ** 12 == pytest.approx(0.8, rel=EXACT)


def test_ten_percent_annual_discount_is_0_0079741404_a_month():
    assert monthly_discount_rate(0.10) == pytest.approx(0.0079741404, rel=SPECIAL, abs=PRINTED)
    assert (1 + monthly_discount_rate(0.10)) ** 12 == pytest.approx(1.1, rel=EXACT)


def test_rates_reject_values_outside_their_range():
    with pytest.raises(ValueError, match="annual_rate"):
        monthly_discount_rate(-1.0)
    with pytest.raises(ValueError, match="annual_churn"):
        monthly_churn_from_annual(1.0)
    with pytest.raises(ValueError, match="monthly_churn"):
        median_lifetime_months(-0.01)
    with pytest.raises(ValueError, match="hazard_ratio"):
        churn_after_hazard_ratio(0.02, -1.0)


# O7, homogeneous mapping -----------------------------------------------------------------------


def test_ten_percent_price_rise_at_elasticity_1_5_multiplies_the_hazard_by_1_1536897330():
    hazard_ratio = 1.1**1.5
    assert hazard_ratio == pytest.approx(1.1536897330, rel=SPECIAL, abs=PRINTED)
    new_churn = churn_after_hazard_ratio(0.02, hazard_ratio)
    assert new_churn == pytest.approx(0.0230381307, rel=SPECIAL, abs=PRINTED)
    assert new_churn / 0.02 - 1 == pytest.approx(0.1519, abs=5e-5)


def test_hazard_ratio_one_leaves_churn_unchanged():
    assert churn_after_hazard_ratio(0.02, 1.0) == pytest.approx(0.02, rel=EXACT)


# O8 -------------------------------------------------------------------------------------------


def test_breakeven_lasting_retention_in_the_gupta_lehmann_convention_is_297_over_340():
    r_new = breakeven_retention(30.0, 5.0, 0.9, 0.10)
    assert r_new == pytest.approx(float(Fraction(297, 340)), rel=EXACT)
    assert r_new == pytest.approx(0.8735294118, abs=5e-11)
    # churn 10 % -> 12.647 %, +26.47 % relative
    assert (1 - r_new) / 0.1 - 1 == pytest.approx(0.2647, abs=5e-5)


def test_breakeven_lasting_retention_keeps_customer_value_at_135():
    r_new = breakeven_retention(30.0, 5.0, 0.9, 0.10)
    assert geometric_clv(35.0, r_new, 0.10) == pytest.approx(135.0, rel=EXACT)
    assert geometric_clv(30.0, 0.9, 0.10) == pytest.approx(135.0, rel=EXACT)


def test_breakeven_lasting_retention_including_the_first_margin_is_13_over_15():
    r_new = breakeven_retention(30.0, 5.0, 0.9, 0.10, include_first=True)
    assert r_new == pytest.approx(float(Fraction(13, 15)), rel=EXACT)
    assert geometric_clv(35.0, r_new, 0.10, include_first=True) == pytest.approx(
        geometric_clv(30.0, 0.9, 0.10, include_first=True), rel=EXACT
    )


def test_breakeven_retention_rejects_a_margin_that_is_not_positive():
    with pytest.raises(ValueError, match="margin"):
        breakeven_retention(30.0, -30.0, 0.9, 0.10)


# O9 -------------------------------------------------------------------------------------------


def test_reichheld_sasser_five_points_less_defection_is_plus_27_5_percent_gupta_lehmann():
    before = geometric_clv(1.0, 0.80, 0.10)
    after = geometric_clv(1.0, 0.85, 0.10)
    assert before == pytest.approx(float(Fraction(8, 3)), rel=EXACT)
    assert after == pytest.approx(3.4, rel=EXACT)
    assert after / before - 1 == pytest.approx(0.275, rel=EXACT)


def test_reichheld_sasser_five_points_less_defection_is_plus_20_percent_with_first_margin():
    before = geometric_clv(1.0, 0.80, 0.10, include_first=True)
    after = geometric_clv(1.0, 0.85, 0.10, include_first=True)
    assert before == pytest.approx(float(Fraction(11, 3)), rel=EXACT)
    assert after == pytest.approx(4.4, rel=EXACT)
    assert after / before - 1 == pytest.approx(0.20, rel=EXACT)
