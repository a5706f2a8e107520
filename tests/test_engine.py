"""The cohort engine: invariants, accounting identities and oracles checked through simulate().

Every expected value is computed independently of the engine (from sbg_survival, closed forms or
exact rationals). Tolerances: 1e-12 relative for pure accounting identities, 1e-9 relative where
the engine goes through special functions or a root finder.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from simulator import Business, Scenario, simulate
from simulator.model.engine import MONTHLY_COLUMNS
from simulator.model.finance import geometric_clv, monthly_discount_rate
from simulator.model.params import MAX_MONTHLY_AMOUNT, MIN_ANNUAL_DISCOUNT_RATE
from simulator.model.sbg import (
    discounted_expected_lifetime,
    discounted_expected_residual_lifetime,
    sbg_survival,
)

from .conftest import one_segment_business, segment, service_operations

EXACT = 1e-12
SPECIAL = 1e-9


def customers(projection, name: str | None = None) -> np.ndarray:
    frame = projection.monthly
    if name is not None:
        frame = frame[frame["segment"] == name]
        return frame["customers"].to_numpy()
    return projection.total("customers").to_numpy()


def column(projection, name: str, column_name: str) -> np.ndarray:
    frame = projection.monthly
    return frame.loc[frame["segment"] == name, column_name].to_numpy()


def without_acquisition(business: Business) -> Business:
    return replace(
        business,
        segments=tuple(
            replace(s, paid_acquisitions_per_month=0.0, referral_rate_per_month=0.0)
            for s in business.segments
        ),
    )


def monthly_churn_rate(values: np.ndarray, start: float) -> np.ndarray:
    previous = np.concatenate(([start], values[:-1]))
    return 1.0 - values / previous


# the frame --------------------------------------------------------------------------------------


def test_monthly_frame_has_one_row_per_segment_and_month_and_the_documented_columns(
    tiny_business,
):
    projection = simulate(tiny_business, Scenario(horizon_months=18))
    assert tuple(projection.monthly.columns) == MONTHLY_COLUMNS
    assert len(projection.monthly) == 2 * 18
    assert list(column(projection, "loyal", "month")) == list(range(1, 19))
    assert list(projection.segments["segment"]) == ["loyal", "switchers"]
    assert len(projection.service) == 18


# baseline reproduces plain sBG ------------------------------------------------------------------


def test_no_change_scenario_reproduces_an_independent_sbg_projection():
    alpha, beta = 1.2, 6.0
    base = np.array([300.0, 200.0, 150.0, 100.0, 80.0, 60.0])
    paid = 25.0
    business = one_segment_business(
        sbg_alpha=alpha,
        sbg_beta=beta,
        base_customers_by_tenure=tuple(base),
        paid_acquisitions_per_month=paid,
        referral_rate_per_month=0.0,
        lasting_price_elasticity=1.3,
        notice_shock_churn_per_10pct=0.02,
        uncontrollable_churn_share=0.3,
    )
    horizon = 36
    projection = simulate(business, Scenario(horizon_months=horizon))
    n = np.arange(base.size)
    expected = []
    for t in range(1, horizon + 1):
        existing = np.sum(base * sbg_survival(alpha, beta, n + t) / sbg_survival(alpha, beta, n))
        new = paid * np.sum(sbg_survival(alpha, beta, t - np.arange(1, t + 1)))
        expected.append(existing + new)
    np.testing.assert_allclose(customers(projection), expected, rtol=SPECIAL)


def test_constant_churn_segments_behave_geometrically():
    churn, paid, horizon = 0.04, 30.0, 48
    business = one_segment_business(
        constant_monthly_churn=churn,
        base_customers_by_tenure=(500.0, 300.0, 200.0),
        paid_acquisitions_per_month=paid,
    )
    projection = simulate(business, Scenario(horizon_months=horizon))
    t = np.arange(1, horizon + 1)
    r = 1 - churn
    expected = 1000.0 * r**t + paid * (1 - r**t) / (1 - r)
    np.testing.assert_allclose(customers(projection), expected, rtol=SPECIAL)


def test_two_percent_constant_churn_keeps_0_7847167237_of_the_base_after_twelve_months():
    business = one_segment_business(constant_monthly_churn=0.02)
    kept = customers(simulate(business, Scenario(horizon_months=12)))[11] / 1000.0
    assert kept == pytest.approx(0.98**12, rel=SPECIAL)
    assert kept == pytest.approx(0.7847167237, abs=5e-11)


# customers never rise without acquisition --------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        Scenario(price_change=0.1, price_change_month=3, notice_months=2),
        Scenario(price_change=-0.3),
        Scenario(monthly_fee=5.0, phase_in_months=4, price_change_month=6),
        Scenario(people_spend_per_month=500_000.0, training_spend_per_month=500_000.0),
        Scenario(
            price_change=0.2,
            grandfather_existing=True,
            price_change_month=4,
            tools_spend_per_month=20_000.0,
        ),
    ],
    ids=["no-change", "increase-with-notice", "cut", "fee-phased", "big-service", "grandfathered"],
)
def test_without_acquisition_or_referrals_customers_never_rise(tiny_business, scenario):
    projection = simulate(without_acquisition(tiny_business), scenario)
    for seg in tiny_business.segments:
        values = customers(projection, seg.name)
        assert values[0] <= seg.base_customers
        assert np.all(np.diff(values) <= 0), seg.name
        assert np.all(column(projection, seg.name, "churned") >= 0)


# money identities -------------------------------------------------------------------------------


def test_revenue_is_customers_times_arpu_when_nothing_changes(tiny_business):
    business = replace(tiny_business, service=service_operations(max_arpu_uplift=0.5))
    projection = simulate(business, Scenario(horizon_months=30))
    for seg in business.segments:
        revenue = column(projection, seg.name, "revenue")
        np.testing.assert_allclose(
            revenue, customers(projection, seg.name) * seg.arpu_per_month, rtol=EXACT
        )
        np.testing.assert_allclose(
            column(projection, seg.name, "revenue_per_customer"), seg.arpu_per_month, rtol=EXACT
        )


def test_grand_total_is_the_column_over_every_month_and_segment(tiny_business):
    projection = simulate(tiny_business, Scenario(horizon_months=30, price_change=0.05))
    for name in ("revenue", "contribution", "cash_flow"):
        by_segment = sum(column(projection, seg.name, name).sum() for seg in tiny_business.segments)
        assert projection.grand_total(name) == pytest.approx(by_segment, rel=EXACT)
        assert projection.grand_total(name) == pytest.approx(
            projection.total(name).sum(), rel=EXACT
        )


def test_contribution_is_revenue_less_variable_and_contact_costs(tiny_business):
    projection = simulate(tiny_business, Scenario(horizon_months=24))
    ops = tiny_business.service
    contact = (
        ops.issues_per_customer_month
        / ops.first_contact_resolution
        * (ops.handling_time_minutes * ops.cost_per_handling_minute)
    )
    for seg in tiny_business.segments:
        n = customers(projection, seg.name)
        np.testing.assert_allclose(
            column(projection, seg.name, "variable_cost"),
            n * seg.variable_cost_per_month,
            rtol=EXACT,
        )
        np.testing.assert_allclose(
            column(projection, seg.name, "contact_cost"), n * contact, rtol=EXACT
        )
        np.testing.assert_allclose(
            column(projection, seg.name, "contribution"),
            column(projection, seg.name, "revenue") - n * (seg.variable_cost_per_month + contact),
            rtol=EXACT,
        )


def test_cash_flow_is_contribution_less_acquisition_and_the_service_budget(tiny_business):
    scenario = Scenario(
        price_change=0.05,
        price_change_month=2,
        notice_months=1,
        tools_spend_per_month=3_000.0,
        people_spend_per_month=4_000.0,
        horizon_months=24,
    )
    projection = simulate(tiny_business, scenario)
    for seg in tiny_business.segments:
        acquisition = (
            column(projection, seg.name, "paid_acquisitions") * seg.acquisition_cost_per_customer
            + column(projection, seg.name, "referral_acquisitions")
            * seg.referral_reward_per_customer
        )
        np.testing.assert_allclose(
            column(projection, seg.name, "acquisition_cost"), acquisition, rtol=EXACT
        )
        np.testing.assert_allclose(
            column(projection, seg.name, "cash_flow"),
            column(projection, seg.name, "contribution")
            - acquisition
            - column(projection, seg.name, "service_spend"),
            rtol=EXACT,
        )
    np.testing.assert_allclose(projection.total("service_spend"), 7_000.0, rtol=EXACT)


def test_npv_is_the_cash_flow_discounted_from_month_one(tiny_business):
    scenario = Scenario(
        price_change=0.08,
        price_change_month=4,
        notice_months=2,
        training_spend_per_month=5_000.0,
        horizon_months=36,
        annual_discount_rate=0.12,
    )
    projection = simulate(tiny_business, scenario)
    d_m = monthly_discount_rate(0.12)
    t = np.arange(1, 37)
    flows = projection.total("cash_flow").to_numpy()
    assert projection.npv == pytest.approx(math.fsum(flows * (1 + d_m) ** -(t - 1)), rel=EXACT)
    np.testing.assert_allclose(
        column(projection, "loyal", "discount_factor"), (1 + d_m) ** -(t - 1), rtol=EXACT
    )
    assert projection.segments["npv"].sum() == pytest.approx(projection.npv, rel=EXACT)


def test_churned_is_previous_customers_plus_acquisitions_less_customers(tiny_business):
    scenario = Scenario(
        price_change=0.1,
        price_change_month=3,
        notice_months=1,
        people_spend_per_month=8_000.0,
        horizon_months=30,
    )
    projection = simulate(tiny_business, scenario)
    for seg in tiny_business.segments:
        n = customers(projection, seg.name)
        previous = np.concatenate(([seg.base_customers], n[:-1]))
        acquisitions = column(projection, seg.name, "paid_acquisitions") + column(
            projection, seg.name, "referral_acquisitions"
        )
        np.testing.assert_allclose(
            column(projection, seg.name, "churned"),
            previous + acquisitions - n,
            rtol=EXACT,
            atol=1e-9,
        )
        assert np.all(column(projection, seg.name, "churned") > 0)


def test_referrals_are_the_referral_rate_times_last_month_s_customers(tiny_business):
    projection = simulate(tiny_business, Scenario(horizon_months=12))
    for seg in tiny_business.segments:
        n = customers(projection, seg.name)
        previous = np.concatenate(([seg.base_customers], n[:-1]))
        np.testing.assert_allclose(
            column(projection, seg.name, "referral_acquisitions"),
            seg.referral_rate_per_month * previous,
            rtol=EXACT,
        )


# price paths ------------------------------------------------------------------------------------


def test_customers_pay_the_new_price_and_fee_from_the_price_change_month():
    business = one_segment_business(constant_monthly_churn=0.03)
    scenario = Scenario(price_change=0.1, monthly_fee=2.0, price_change_month=4, horizon_months=12)
    paid = column(simulate(business, scenario), "only", "revenue_per_customer")
    np.testing.assert_allclose(paid[:3], 50.0, rtol=EXACT)
    np.testing.assert_allclose(paid[3:], 50.0 * 1.1 + 2.0, rtol=EXACT)


def test_phase_in_reaches_the_new_price_in_equal_monthly_steps():
    business = one_segment_business(constant_monthly_churn=0.03)
    scenario = Scenario(
        price_change=0.12, price_change_month=3, phase_in_months=4, horizon_months=12
    )
    paid = column(simulate(business, scenario), "only", "revenue_per_customer")
    expected = 50.0 * np.array([1, 1, 1.03, 1.06, 1.09, 1.12, 1.12, 1.12, 1.12, 1.12, 1.12, 1.12])
    np.testing.assert_allclose(paid, expected, rtol=EXACT)


def test_grandfathering_leaves_the_existing_base_untouched_by_a_price_increase(tiny_business):
    business = replace(
        without_acquisition(tiny_business),
        segments=tuple(
            replace(
                s,
                paid_acquisitions_per_month=0.0,
                referral_rate_per_month=0.0,
                lasting_price_elasticity=2.0,
                notice_shock_churn_per_10pct=0.05,
            )
            for s in tiny_business.segments
        ),
    )
    increase = Scenario(price_change=0.15, price_change_month=3, notice_months=2, horizon_months=24)
    baseline = simulate(business, increase.without_changes())
    grandfathered = simulate(business, increase.with_changes(grandfather_existing=True))
    not_grandfathered = simulate(business, increase)
    for seg in business.segments:
        np.testing.assert_allclose(
            customers(grandfathered, seg.name), customers(baseline, seg.name), rtol=EXACT
        )
        np.testing.assert_allclose(
            column(grandfathered, seg.name, "revenue"),
            column(baseline, seg.name, "revenue"),
            rtol=EXACT,
        )
        assert customers(not_grandfathered, seg.name)[-1] < customers(baseline, seg.name)[-1]


def test_grandfathering_applies_the_new_price_to_customers_who_join_after_the_change():
    business = one_segment_business(
        constant_monthly_churn=0.03, base_customers_by_tenure=(), paid_acquisitions_per_month=10.0
    )
    scenario = Scenario(
        price_change=0.2, price_change_month=5, grandfather_existing=True, horizon_months=12
    )
    projection = simulate(business, scenario)
    revenue = column(projection, "only", "revenue")
    t = np.arange(1, 13)
    r = 0.97
    # cohorts a < 5 pay 50, cohorts a >= 5 pay 60
    old = np.array([sum(10.0 * r ** (m - a) for a in range(1, min(m, 4) + 1)) for m in t])
    new = np.array([sum(10.0 * r ** (m - a) for a in range(5, m + 1)) for m in t])
    np.testing.assert_allclose(revenue, 50.0 * old + 60.0 * new, rtol=EXACT)


# the shock --------------------------------------------------------------------------------------


def test_notice_month_shock_loses_exactly_the_stated_share_of_the_existing_base():
    stated = 0.04
    business = one_segment_business(
        sbg_alpha=0.668,
        sbg_beta=3.806,
        base_customers_by_tenure=(100.0, 90.0, 70.0, 60.0, 55.0, 50.0, 45.0),
        notice_shock_churn_per_10pct=stated,
        uncontrollable_churn_share=0.3,
        price_threshold=0.01,
        lasting_price_elasticity=0.0,
    )
    scenario = Scenario(price_change=0.10, price_change_month=1, horizon_months=12)
    shocked = customers(simulate(business, scenario))[0]
    baseline = customers(simulate(business, scenario.without_changes()))[0]
    assert shocked == pytest.approx((1 - stated) * baseline, rel=SPECIAL)


def test_pure_notice_shock_loses_customers_only_in_the_notice_month_when_memory_is_short():
    business = one_segment_business(
        constant_monthly_churn=0.03,
        notice_shock_churn_per_10pct=0.05,
        shock_half_life_months=0.05,
        uncontrollable_churn_share=0.3,
    )
    scenario = Scenario(price_change=0.10, price_change_month=6, notice_months=2, horizon_months=24)
    ratio = customers(simulate(business, scenario)) / customers(
        simulate(business, scenario.without_changes())
    )
    notice = scenario.notice_month - 1  # zero-based
    np.testing.assert_allclose(ratio[:notice], 1.0, rtol=EXACT)
    assert ratio[notice] == pytest.approx(0.95, rel=SPECIAL)
    np.testing.assert_allclose(ratio[notice:], ratio[notice], rtol=1e-6)


def test_pure_notice_shock_with_memory_fades_within_a_few_months():
    business = one_segment_business(
        sbg_alpha=1.2,
        sbg_beta=6.0,
        base_customers_by_tenure=(300.0, 200.0, 150.0, 100.0, 80.0, 60.0),
        notice_shock_churn_per_10pct=0.05,
        shock_half_life_months=1.0,
        uncontrollable_churn_share=0.3,
    )
    scenario = Scenario(price_change=0.10, price_change_month=6, notice_months=2, horizon_months=24)
    shocked = customers(simulate(business, scenario))
    baseline = customers(simulate(business, scenario.without_changes()))
    extra = monthly_churn_rate(shocked, 940.0) - monthly_churn_rate(baseline, 940.0)
    notice = scenario.notice_month - 1
    np.testing.assert_allclose(extra[:notice], 0.0, atol=1e-15)
    assert np.argmax(extra) == notice
    assert np.all(np.diff(extra[notice : notice + 3]) < 0)
    # The shocked survivors are the loyal ones: once the shock fades they churn no more than
    # the baseline, so the customers lost stop growing within two months of the notice.
    lost = baseline - shocked
    assert np.argmax(lost) <= notice + 2
    assert np.all(np.diff(lost[notice + 2 :]) <= 0)


def test_customers_who_join_after_the_notice_feel_no_shock():
    business = one_segment_business(
        constant_monthly_churn=0.03,
        base_customers_by_tenure=(),
        paid_acquisitions_per_month=10.0,
        notice_shock_churn_per_10pct=0.05,
        shock_half_life_months=0.01,
        lasting_price_elasticity=0.0,
    )
    scenario = Scenario(price_change=0.10, price_change_month=6, notice_months=2, horizon_months=12)
    shocked = customers(simulate(business, scenario))
    baseline = customers(simulate(business, scenario.without_changes()))
    np.testing.assert_allclose(shocked[:3], baseline[:3], rtol=EXACT)
    # Only the cohorts of months 1-3 lose extra customers, once, in the notice month (4); the
    # customers they lost would have churned at 3 % a month, so the gap then decays at 0.97.
    gap = baseline - shocked
    shocked_before = sum(10.0 * 0.97 ** (3 - a) for a in range(1, 4))
    assert gap[3] == pytest.approx(0.05 * 0.97 * shocked_before, rel=SPECIAL)
    np.testing.assert_allclose(gap[4:] / gap[3:-1], 0.97, rtol=1e-9)


# asymmetry, threshold and uncontrollable churn ---------------------------------------------------


def test_a_price_decrease_helps_less_than_an_equal_increase_hurts():
    business = one_segment_business(
        sbg_alpha=1.5,
        sbg_beta=10.0,
        base_customers_by_tenure=(200.0, 150.0, 120.0, 100.0),
        lasting_price_elasticity=1.5,
        decrease_response_ratio=0.5,
        uncontrollable_churn_share=0.2,
    )
    baseline = customers(simulate(business, Scenario(horizon_months=36)))
    up = customers(simulate(business, Scenario(price_change=0.10, horizon_months=36)))
    down = customers(simulate(business, Scenario(price_change=-0.10, horizon_months=36)))
    gained = down - baseline
    lost = baseline - up
    assert np.all(gained > 0) and np.all(lost > 0)
    assert np.all(gained < lost)


def test_a_price_increase_inside_the_threshold_has_no_effect_on_churn():
    business = one_segment_business(
        sbg_alpha=1.5,
        sbg_beta=10.0,
        base_customers_by_tenure=(200.0, 150.0, 120.0),
        paid_acquisitions_per_month=20.0,
        lasting_price_elasticity=3.0,
        notice_shock_churn_per_10pct=0.05,
        price_threshold=0.03,
    )
    increase = 0.025
    assert math.log1p(increase) < 0.03
    scenario = Scenario(
        price_change=increase, price_change_month=3, notice_months=2, horizon_months=24
    )
    np.testing.assert_array_equal(
        customers(simulate(business, scenario)),
        customers(simulate(business, scenario.without_changes())),
    )
    paid = column(simulate(business, scenario), "only", "revenue_per_customer")
    np.testing.assert_allclose(paid[2:], 50.0 * 1.025, rtol=EXACT)


def test_uncontrollable_churn_caps_what_service_can_do_for_a_constant_churn_segment():
    churn, u = 0.05, 0.4
    business = one_segment_business(
        service=service_operations(),
        constant_monthly_churn=churn,
        uncontrollable_churn_share=u,
        max_service_churn_reduction=0.999,
    )
    huge = Scenario(
        **{
            f"{lever}_spend_per_month": 1e9
            for lever in ("tools", "training", "incentives", "people")
        },
        horizon_months=24,
    )
    projection = simulate(business, huge)
    rate = monthly_churn_rate(customers(projection), 1000.0)
    floor = 1 - (1 - churn) ** u
    assert np.all(rate >= floor * (1 - 1e-12))
    assert np.all(rate >= u * churn)
    dq = projection.service["quality_index"].to_numpy()
    multiplier = u + (1 - u) * 0.001**dq
    np.testing.assert_allclose(rate, 1 - (1 - churn) ** multiplier, rtol=SPECIAL)


def test_uncontrollable_churn_caps_what_service_can_do_for_an_sbg_segment():
    alpha, beta, u = 1.2, 6.0, 0.35
    base = np.array([300.0, 200.0, 150.0, 100.0])
    business = one_segment_business(
        sbg_alpha=alpha,
        sbg_beta=beta,
        base_customers_by_tenure=tuple(base),
        uncontrollable_churn_share=u,
        max_service_churn_reduction=0.999,
    )
    huge = Scenario(
        **{
            f"{lever}_spend_per_month": 1e9
            for lever in ("tools", "training", "incentives", "people")
        },
        horizon_months=24,
    )
    got = customers(simulate(business, huge))
    n = np.arange(base.size)
    # every month's hazard multiplier is at least u, so exposure after t months is at least u t
    ceiling = [
        np.sum(base * sbg_survival(alpha, beta, n + u * t) / sbg_survival(alpha, beta, n))
        for t in range(1, 25)
    ]
    assert np.all(got <= np.array(ceiling) * (1 + 1e-12))
    baseline = customers(simulate(business, Scenario(horizon_months=24)))
    assert np.all(got > baseline)


# O7 through the engine --------------------------------------------------------------------------


def test_engine_with_multiplier_2_every_month_gives_1_over_1_plus_2t():
    # c = pi ** eta = 2 ** 1 with no uncontrollable share, alpha = beta = 1, a new base
    business = one_segment_business(
        sbg_alpha=1.0, sbg_beta=1.0, lasting_price_elasticity=1.0, uncontrollable_churn_share=0.0
    )
    kept = customers(simulate(business, Scenario(price_change=1.0, horizon_months=12))) / 1000.0
    expected = [float(Fraction(1, 1 + 2 * t)) for t in range(1, 13)]
    np.testing.assert_allclose(kept, expected, rtol=EXACT)


def test_engine_one_off_shock_of_2_then_1_gives_0_4_then_2_7_then_3_14_then_1_6():
    # A new alpha = 2, beta = 3 base; losing a third more in the notice month needs c = 2
    # (12 / (5 * 6) = 2/3 * 12 / (4 * 5)); a tiny half-life makes the shock last one month.
    business = one_segment_business(
        sbg_alpha=2.0,
        sbg_beta=3.0,
        notice_shock_churn_per_10pct=1.0 / 3.0,
        shock_half_life_months=0.01,
        uncontrollable_churn_share=0.0,
        lasting_price_elasticity=0.0,
    )
    kept = customers(simulate(business, Scenario(price_change=0.10, horizon_months=12))) / 1000.0
    expected = [Fraction(2, 5), Fraction(2, 7), Fraction(3, 14), Fraction(1, 6)]
    np.testing.assert_allclose(kept[:4], [float(v) for v in expected], rtol=SPECIAL)
    np.testing.assert_allclose(kept, sbg_survival(2.0, 3.0, np.arange(2, 14)), rtol=SPECIAL)


def test_engine_maps_a_ten_percent_rise_at_elasticity_1_5_to_churn_0_0230381307():
    business = one_segment_business(
        constant_monthly_churn=0.02, lasting_price_elasticity=1.5, uncontrollable_churn_share=0.0
    )
    first = customers(simulate(business, Scenario(price_change=0.10, horizon_months=12)))[0]
    churn = 1 - first / 1000.0
    assert churn == pytest.approx(1 - 0.98 ** (1.1**1.5), rel=SPECIAL)
    assert churn == pytest.approx(0.0230381307, abs=5e-11)


def test_engine_with_no_change_reproduces_the_exact_rational_sbg_curve():
    business = one_segment_business(sbg_alpha=2.0, sbg_beta=3.0)
    kept = customers(simulate(business, Scenario(horizon_months=12))) / 1000.0
    t = np.arange(1, 13)
    np.testing.assert_allclose(kept, 12.0 / ((t + 3.0) * (t + 4.0)), rtol=SPECIAL)


# terminal value and CLV -------------------------------------------------------------------------


def test_terminal_value_is_zero_when_disabled_and_positive_otherwise(sample):
    scenario = Scenario(horizon_months=36)
    off = simulate(sample, scenario, terminal_value=False)
    on = simulate(sample, scenario)
    assert off.terminal_value == 0.0
    assert np.all(off.segments["terminal_value"] == 0.0)
    assert on.terminal_value > 0
    assert on.npv == pytest.approx(off.npv, rel=EXACT)
    assert on.npv_with_terminal_value == pytest.approx(on.npv + on.terminal_value, rel=EXACT)
    assert on.segments["terminal_value"].sum() == pytest.approx(on.terminal_value, rel=EXACT)


def test_terminal_value_of_a_constant_churn_base_is_the_geometric_residual():
    churn, horizon = 0.03, 24
    business = one_segment_business(
        service=service_operations(issues_per_customer_month=0.0), constant_monthly_churn=churn
    )
    projection = simulate(business, Scenario(horizon_months=horizon))
    x = 1 / (1 + monthly_discount_rate(0.10))
    r = 1 - churn
    alive = 1000.0 * r**horizon
    margin = 50.0 - 20.0
    expected = alive * margin * x ** (horizon - 1) * x * r / (1 - x * r)
    assert projection.terminal_value == pytest.approx(expected, rel=SPECIAL)


def test_terminal_value_of_an_sbg_base_is_its_discounted_residual_lifetime():
    alpha, beta, horizon = 2.0, 3.0, 24
    business = one_segment_business(
        service=service_operations(issues_per_customer_month=0.0), sbg_alpha=alpha, sbg_beta=beta
    )
    projection = simulate(business, Scenario(horizon_months=horizon))
    d_m = monthly_discount_rate(0.10)
    x = 1 / (1 + d_m)
    alive = 1000.0 * sbg_survival(alpha, beta, horizon)
    derl = discounted_expected_residual_lifetime(alpha, beta, d_m, horizon)
    expected = alive * 30.0 * x ** (horizon - 1) * x * derl
    assert projection.terminal_value == pytest.approx(expected, rel=SPECIAL)


def test_new_customer_clv_of_an_sbg_segment_is_margin_times_the_discounted_lifetime():
    alpha, beta = 2.2, 20.0
    business = one_segment_business(
        service=service_operations(issues_per_customer_month=0.0), sbg_alpha=alpha, sbg_beta=beta
    )
    clv = simulate(business, Scenario(horizon_months=36)).segments["clv_new_customer"].iloc[0]
    d_m = monthly_discount_rate(0.10)
    assert clv == pytest.approx(30.0 * discounted_expected_lifetime(alpha, beta, d_m), rel=SPECIAL)


def test_new_customer_clv_of_a_constant_churn_segment_is_the_geometric_clv_with_first_margin():
    # Constant margins: the engine does not silently assume tenure-growing margins (O9).
    business = one_segment_business(
        service=service_operations(issues_per_customer_month=0.0), constant_monthly_churn=0.05
    )
    clv = simulate(business, Scenario(horizon_months=24)).segments["clv_new_customer"].iloc[0]
    d_m = monthly_discount_rate(0.10)
    assert clv == pytest.approx(geometric_clv(30.0, 0.95, d_m, include_first=True), rel=SPECIAL)


def test_engine_clv_gain_from_five_points_less_churn_matches_the_geometric_arithmetic():
    def clv(churn: float) -> float:
        business = one_segment_business(
            service=service_operations(issues_per_customer_month=0.0),
            constant_monthly_churn=churn,
        )
        projection = simulate(business, Scenario(horizon_months=24))
        return float(projection.segments["clv_new_customer"].iloc[0])

    d_m = monthly_discount_rate(0.10)
    expected = geometric_clv(1.0, 0.85, d_m, include_first=True) / geometric_clv(
        1.0, 0.80, d_m, include_first=True
    )
    assert clv(0.15) / clv(0.20) == pytest.approx(expected, rel=SPECIAL)


def test_service_budget_is_shared_over_segments_by_customers(tiny_business):
    scenario = Scenario(people_spend_per_month=10_000.0, horizon_months=12)
    projection = simulate(tiny_business, scenario)
    total = projection.total("customers").to_numpy()
    for seg in tiny_business.segments:
        np.testing.assert_allclose(
            column(projection, seg.name, "service_spend"),
            10_000.0 * customers(projection, seg.name) / total,
            rtol=EXACT,
        )


def test_arpu_uplift_follows_the_cross_sell_levers_when_service_improves():
    business = one_segment_business(
        service=service_operations(max_arpu_uplift=0.04), constant_monthly_churn=0.03
    )
    run = Scenario(incentives_spend_per_month=1_000.0, horizon_months=12)
    projection = simulate(business, run)
    uplift = projection.service["arpu_uplift"].to_numpy()
    assert uplift[-1] > 0
    np.testing.assert_allclose(
        column(projection, "only", "revenue_per_customer"), 50.0 * (1 + uplift), rtol=EXACT
    )


def test_segment_validation_reaches_the_engine_inputs():
    with pytest.raises(ValueError, match="constant_monthly_churn"):
        segment(constant_monthly_churn=1.0)


def test_a_new_fee_weighs_on_churn_as_fee_salience_times_its_share_of_the_price():
    business = replace(
        one_segment_business(
            constant_monthly_churn=0.02,
            lasting_price_elasticity=1.5,
            uncontrollable_churn_share=0.0,
        ),
        fee_salience=1.5,
    )
    projection = simulate(business, Scenario(monthly_fee=5.0, horizon_months=12))
    churn = monthly_churn_rate(customers(projection), 1000.0)
    np.testing.assert_allclose(churn, 1 - 0.98 ** ((1 + 1.5 * 5.0 / 50.0) ** 1.5), rtol=SPECIAL)
    np.testing.assert_allclose(column(projection, "only", "revenue_per_customer"), 55.0, rtol=EXACT)


def test_hazard_multiplier_combines_price_service_and_moderation_as_specified():
    # c_t = u + (1 - u) exp(eta m_t ln(1.1) - gamma dQ_t), m_t = exp(-psi dQ_t)
    u, eta, psi, m_max = 0.25, 1.2, 0.8, 0.3
    business = one_segment_business(
        constant_monthly_churn=0.04,
        lasting_price_elasticity=eta,
        uncontrollable_churn_share=u,
        satisfaction_moderation=psi,
        max_service_churn_reduction=m_max,
    )
    scenario = Scenario(price_change=0.10, training_spend_per_month=15_000.0, horizon_months=24)
    projection = simulate(business, scenario)
    dq = projection.service["quality_index"].to_numpy()
    gamma = -math.log(1 - m_max)
    c = u + (1 - u) * np.exp(eta * np.exp(-psi * dq) * math.log(1.1) - gamma * dq)
    churn = monthly_churn_rate(customers(projection), 1000.0)
    np.testing.assert_allclose(churn, 1 - 0.96**c, rtol=SPECIAL)


def test_referred_customers_churn_with_the_referred_multiplier_on_controllable_churn():
    u, phi = 0.3, 0.85
    business = one_segment_business(
        constant_monthly_churn=0.04,
        base_customers_by_tenure=(1000.0,),
        referral_rate_per_month=0.01,
        referred_churn_multiplier=phi,
        uncontrollable_churn_share=u,
    )
    projection = simulate(business, Scenario(horizon_months=12))
    n = customers(projection)
    referred = column(projection, "only", "referral_acquisitions")
    base = 1000.0 * 0.96 ** np.arange(1, 13)
    keep = 0.96 ** (u + (1 - u) * phi)
    expected_referred = [
        sum(referred[a] * keep ** (t - a) for a in range(t + 1)) for t in range(12)
    ]
    np.testing.assert_allclose(n, base + np.array(expected_referred), rtol=SPECIAL)


def test_a_zero_discount_rate_is_rejected_because_the_terminal_value_needs_discounting():
    # With alpha <= 1 the undiscounted residual lifetime is infinite (model.md section 8).
    with pytest.raises(ValueError, match="annual_discount_rate"):
        Scenario(annual_discount_rate=0.0)


def test_a_tiny_discount_rate_still_gives_a_finite_terminal_value(sample):
    projection = simulate(sample, Scenario(annual_discount_rate=1e-4, horizon_months=24))
    x = 1 / (1 + monthly_discount_rate(1e-4))
    flows = projection.total("cash_flow").to_numpy()
    assert projection.npv == pytest.approx(math.fsum(flows * x ** np.arange(24)), rel=EXACT)
    assert math.isfinite(projection.terminal_value) and projection.terminal_value > 0


@pytest.mark.parametrize("constant_monthly_churn", [None, 0.05], ids=["sbg", "constant"])
def test_a_prohibitive_fee_leaves_only_each_months_new_customers_and_no_nan(
    constant_monthly_churn,
):
    # ln(price index) = ln(1 + 1.5 * 1e9 / 50) ~ 17, times elasticity 100: the hazard multiplier
    # overflows to infinity from month 4, so nobody renews on the new price from then on.
    business = one_segment_business(
        constant_monthly_churn=constant_monthly_churn,
        paid_acquisitions_per_month=5.0,
        lasting_price_elasticity=100.0,
    )
    scenario = Scenario(
        monthly_fee=MAX_MONTHLY_AMOUNT,
        price_change_month=4,
        horizon_months=24,
        annual_discount_rate=MIN_ANNUAL_DISCOUNT_RATE,
    )
    projection = simulate(business, scenario)
    numeric = projection.monthly.drop(columns=["segment"]).to_numpy(dtype=float)
    assert np.all(np.isfinite(numeric))
    got = customers(projection)
    assert got[2] > 5.0
    np.testing.assert_array_equal(got[3:], 5.0)  # the month's cohort pays once, then leaves
    assert projection.terminal_value == 0.0
    assert np.all(np.isfinite(projection.segments["clv_new_customer"]))


def test_a_vanishingly_small_base_gives_no_nan():
    # Valid input (counts must only be finite and >= 0); the service-budget share must not
    # turn 0 * inf into NaN when total customers are subnormal.
    business = one_segment_business(base_customers_by_tenure=(1e-310,))
    projection = simulate(business, Scenario(horizon_months=12))
    numeric = projection.monthly.drop(columns=["segment"]).to_numpy(dtype=float)
    assert np.all(np.isfinite(numeric))
    assert math.isfinite(projection.npv) and math.isfinite(projection.terminal_value)


def test_an_extreme_notice_shock_never_creates_customers():
    # A threshold close to ln 1.1 makes kappa large, so a +100 % step gives a multiplier near
    # e^40 in the notice month. Survival must then be about 0, not above 1.
    business = one_segment_business(
        sbg_alpha=1.0,
        sbg_beta=5.0,
        base_customers_by_tenure=(),
        paid_acquisitions_per_month=1.0,
        notice_shock_churn_per_10pct=0.125,
        price_threshold=0.0859375,
    )
    scenario = Scenario(price_change=1.0, price_change_month=2, horizon_months=12)
    got = customers(simulate(business, scenario))
    acquired = np.arange(1, 13, dtype=float)
    assert np.all(got <= acquired)
    assert got[1] == pytest.approx(1.0, abs=1e-9)  # month 1's cohort is all but wiped out
