"""A scenario against its baseline: deltas, payback, ROI and the two break-even measures."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from simulator import Business, Scenario, evaluate, simulate
from simulator.decisions.evaluate import BREAKEVEN_SCALE_MAX, breakeven_elasticity, payback_month
from simulator.model.finance import breakeven_volume_change, monthly_discount_rate
from simulator.model.params import MAX_MONTHLY_AMOUNT

from .conftest import one_segment_business

EXACT = 1e-12

PRICE_RISE = Scenario(price_change=0.05, price_change_month=3, notice_months=1)


def scaled_elasticities(business: Business, k: float) -> Business:
    return replace(
        business,
        segments=tuple(
            replace(s, lasting_price_elasticity=k * s.lasting_price_elasticity)
            for s in business.segments
        ),
    )


def horizon_delta(business: Business, scenario: Scenario, k: float) -> float:
    scaled = scaled_elasticities(business, k)
    return (
        simulate(scaled, scenario, terminal_value=False).npv
        - simulate(business, scenario.without_changes(), terminal_value=False).npv
    )


# deltas -----------------------------------------------------------------------------------------


def test_delta_npv_is_scenario_npv_minus_baseline_npv(sample):
    evaluation = evaluate(sample, PRICE_RISE, breakeven=False)
    assert evaluation.delta_npv == evaluation.scenario.npv - evaluation.baseline.npv
    assert evaluation.delta_npv_with_terminal_value == pytest.approx(
        evaluation.scenario.npv_with_terminal_value - evaluation.baseline.npv_with_terminal_value,
        rel=EXACT,
    )


def test_baseline_is_the_scenario_without_changes(sample):
    scenario = PRICE_RISE.with_changes(horizon_months=48, annual_discount_rate=0.08)
    evaluation = evaluate(sample, scenario, breakeven=False)
    reference = simulate(sample, Scenario(horizon_months=48, annual_discount_rate=0.08))
    assert evaluation.baseline.npv == reference.npv
    assert set(evaluation.monthly["case"]) == {"baseline", "scenario"}
    assert len(evaluation.monthly) == 2 * len(reference.monthly)


def test_delta_npv_is_the_discounted_sum_of_the_cash_flow_difference(sample):
    evaluation = evaluate(sample, PRICE_RISE, breakeven=False)
    x = 1 / (1 + monthly_discount_rate(0.10))
    difference = (
        evaluation.scenario.total("cash_flow") - evaluation.baseline.total("cash_flow")
    ).to_numpy()
    discounted = math.fsum(difference * x ** np.arange(difference.size))
    assert evaluation.delta_npv == pytest.approx(discounted, rel=1e-9)
    np.testing.assert_allclose(
        evaluation.cumulative_cash_flow_difference.to_numpy(), np.cumsum(difference), rtol=EXACT
    )


def test_a_no_change_scenario_gives_zero_delta_no_payback_and_no_increase(sample):
    evaluation = evaluate(sample, Scenario(notice_months=0, phase_in_months=3))
    assert evaluation.delta_npv == 0.0
    assert evaluation.delta_npv_with_terminal_value == 0.0
    assert evaluation.payback_month is None
    assert evaluation.roi is None
    assert evaluation.breakeven_volume is None
    assert evaluation.breakeven_elasticity.status == "no_increase"
    assert evaluation.breakeven_elasticity.scale is None
    assert np.all(evaluation.segments["customers_lost"] == 0.0)
    assert np.all(evaluation.segments["value_lost"] == 0.0)


def test_segment_summary_reports_customers_lost_and_npvs(tiny_business):
    evaluation = evaluate(
        tiny_business, PRICE_RISE.with_changes(horizon_months=24), breakeven=False
    )
    rows = evaluation.segments.set_index("segment")
    for seg in tiny_business.segments:
        base = evaluation.baseline.segments.set_index("segment").loc[seg.name]
        scn = evaluation.scenario.segments.set_index("segment").loc[seg.name]
        row = rows.loc[seg.name]
        assert row["customers_lost"] == base["customers_end"] - scn["customers_end"]
        assert row["customers_lost"] > 0
        assert row["npv_baseline"] == base["npv"] and row["npv_scenario"] == scn["npv"]
        assert row["extra_churned"] == scn["churned"] - base["churned"]


def test_roi_is_delta_npv_over_the_present_value_of_the_service_budget(sample):
    scenario = Scenario(training_spend_per_month=20_000.0, horizon_months=36)
    evaluation = evaluate(sample, scenario)
    x = 1 / (1 + monthly_discount_rate(0.10))
    spend_pv = math.fsum(20_000.0 * x**t for t in range(36))
    assert evaluation.roi == pytest.approx(evaluation.delta_npv / spend_pv, rel=1e-9)
    assert evaluation.breakeven_elasticity.status == "no_increase"


# payback ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cumulative", "expected"),
    [
        ([-5.0, -3.0, 1.0, 2.0], 3),
        ([1.0, 2.0, 3.0], 1),
        ([0.0, 0.0, 1.0], 1),
        ([-1.0, 2.0, -0.5, 1.0], 4),
        ([-1.0, -2.0, -0.5], None),
        ([3.0, 1.0, -0.1], None),
        ([0.0, 0.0, 0.0], None),
        ([], None),
        ([-10.0, 0.0, 0.0], 2),
        ([-100.0, -1e-12, 5.0], 2),
    ],
)
def test_payback_is_the_first_month_from_which_the_cumulative_difference_stays_non_negative(
    cumulative, expected
):
    assert payback_month(np.array(cumulative)) == expected


def test_payback_of_a_service_programme_matches_its_cumulative_cash_flow(sample):
    evaluation = evaluate(
        sample, PRICE_RISE.with_changes(training_spend_per_month=10_000.0), breakeven=False
    )
    cumulative = evaluation.cumulative_cash_flow_difference.to_numpy()
    month = evaluation.payback_month
    assert month is not None
    assert np.all(cumulative[month - 1 :] >= 0)
    if month > 1:
        assert cumulative[month - 2] < 0


# break-even elasticity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [
        PRICE_RISE,
        Scenario(monthly_fee=3.0),
        Scenario(
            price_change=0.08, grandfather_existing=True, price_change_month=4, notice_months=2
        ),
    ],
    ids=["price", "fee", "grandfathered"],
)
def test_breakeven_elasticity_fed_back_into_the_engine_gives_zero_delta_npv(sample, scenario):
    if scenario.grandfather_existing:
        # Under grandfathering only new customers pay more, and prospects are the price-elastic
        # ones: with acquisitions that respond to price the rise never pays (its own test below).
        sample = replace(
            sample,
            segments=tuple(replace(s, acquisition_price_elasticity=0.0) for s in sample.segments),
        )
    result = evaluate(sample, scenario).breakeven_elasticity
    assert result.status == "found"
    k = result.scale
    assert 0 < k < BREAKEVEN_SCALE_MAX
    names = [s.name for s in sample.segments]
    assert [name for name, _ in result.elasticities] == names
    for (_, eta_star), seg in zip(result.elasticities, sample.segments, strict=True):
        assert eta_star == pytest.approx(k * seg.lasting_price_elasticity, rel=EXACT)
    # Tolerance: the root finder stops within xtol + rtol k = 1e-4 + 1e-6 k of the root, so
    # |delta NPV(k*)| is at most that step times the slope of delta NPV in k (with a 2x margin).
    delta = horizon_delta(sample, scenario, k)
    slope = (
        horizon_delta(sample, scenario, k + 1e-3) - horizon_delta(sample, scenario, k - 1e-3)
    ) / 2e-3
    assert slope < 0
    assert abs(delta) <= 2 * abs(slope) * (1e-4 + 1e-6 * k)
    # and that is a negligible amount of money next to the business's NPV
    assert abs(delta) <= 1e-5 * abs(simulate(sample, scenario.without_changes()).npv)
    assert horizon_delta(sample, scenario, k - 1e-2) > 0 > horizon_delta(sample, scenario, k + 1e-2)


def test_breakeven_elasticity_is_never_pays_when_the_scenario_loses_even_without_reaction(sample):
    scenario = Scenario(price_change=0.01, people_spend_per_month=500_000.0)
    result = breakeven_elasticity(sample, scenario)
    assert result.status == "never_pays" and result.scale is None
    assert horizon_delta(sample, scenario, 0.0) <= 0


def test_a_grandfathered_rise_that_prospects_turn_away_from_never_pays(sample):
    scenario = Scenario(
        price_change=0.08, grandfather_existing=True, price_change_month=4, notice_months=2
    )
    result = breakeven_elasticity(sample, scenario)
    assert result.status == "never_pays"
    assert horizon_delta(sample, scenario, 0.0) <= 0


def test_breakeven_elasticity_is_always_pays_when_no_elasticity_in_range_breaks_even(sample):
    inert = scaled_elasticities(sample, 0.0)
    result = breakeven_elasticity(inert, Scenario(price_change=0.05))
    assert result.status == "always_pays" and result.scale is None
    assert horizon_delta(inert, Scenario(price_change=0.05), 0.0) > 0


def test_breakeven_search_at_the_largest_fee_copes_with_an_overflowing_hazard():
    # At 20 times elasticity 4, ln(1 + 1.5 * 1e9 / 50) ~ 17 overflows the hazard multiplier;
    # each new customer still pays the fee once, which outweighs every customer lost.
    business = one_segment_business(paid_acquisitions_per_month=5.0, lasting_price_elasticity=4.0)
    evaluation = evaluate(business, Scenario(monthly_fee=MAX_MONTHLY_AMOUNT, horizon_months=120))
    assert evaluation.breakeven_elasticity.status == "always_pays"
    assert math.isfinite(evaluation.delta_npv) and evaluation.delta_npv > 0
    assert math.isfinite(evaluation.delta_npv_with_terminal_value)


def test_breakeven_elasticity_reports_no_increase_for_a_price_cut(sample):
    assert breakeven_elasticity(sample, Scenario(price_change=-0.05)).status == "no_increase"


def test_breakeven_elasticity_can_be_skipped(sample):
    result = evaluate(sample, PRICE_RISE, breakeven=False).breakeven_elasticity
    assert result.status == "not_computed"


# static break-even volume -----------------------------------------------------------------------


def test_static_breakeven_volume_matches_the_nagle_holden_rule_for_one_segment():
    business = one_segment_business(arpu_per_month=50.0, variable_cost_per_month=20.0)
    ops = business.service
    contact = ops.issues_per_customer_month / ops.first_contact_resolution * 8.0 * 1.0
    margin = (50.0 - 20.0 - contact) / 50.0
    evaluation = evaluate(business, Scenario(price_change=0.05), breakeven=False)
    assert evaluation.breakeven_volume == pytest.approx(
        breakeven_volume_change(0.05, margin), rel=EXACT
    )
    with_fee = evaluate(business, Scenario(price_change=0.05, monthly_fee=2.5), breakeven=False)
    assert with_fee.breakeven_volume == pytest.approx(
        breakeven_volume_change(0.10, margin), rel=EXACT
    )


def test_static_breakeven_volume_of_a_price_cut_asks_for_more_customers():
    business = one_segment_business(arpu_per_month=50.0, variable_cost_per_month=20.0)
    evaluation = evaluate(business, Scenario(price_change=-0.05), breakeven=False)
    assert evaluation.breakeven_volume > 0


def test_value_lost_is_the_discounted_baseline_margin_of_the_customer_months_lost():
    business = one_segment_business(
        constant_monthly_churn=0.03, lasting_price_elasticity=2.0, uncontrollable_churn_share=0.0
    )
    evaluation = evaluate(business, Scenario(price_change=0.1, horizon_months=24), breakeven=False)
    base = evaluation.baseline.monthly
    scn = evaluation.scenario.monthly
    margin = (base["contribution"] / base["customers"]).to_numpy()
    lost = (base["customers"] - scn["customers"]).to_numpy()
    x = 1 / (1 + monthly_discount_rate(0.10))
    expected = math.fsum(lost * margin * x ** np.arange(24))
    assert evaluation.segments["value_lost"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert expected > 0
