"""Service investment by intensity (docs/model.md, service investment): what the programme is
worth does not depend on the size of the firm, only on what it spends per customer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator import evaluate, sample_business, simulate
from simulator.decisions.uncertainty import monte_carlo
from simulator.model.engine import MONTHLY_COLUMNS
from simulator.model.params import LEVERS
from simulator.model.sample import example_scenario

PROGRAMME = example_scenario().with_changes(price_change=0.0)
"""The example's service programme (45,000 a month over the four levers), no price change."""


def scaled_business(k: float):
    """``k`` times the sample: every tenure's customers, acquisitions and current spends."""
    business = sample_business()
    segments = tuple(
        replace(
            s,
            base_customers_by_tenure=tuple(k * n for n in s.base_customers_by_tenure),
            paid_acquisitions_per_month=k * s.paid_acquisitions_per_month,
        )
        for s in business.segments
    )
    service = business.service
    levers = {
        lever: replace(
            service.lever(lever),
            current_spend_per_month=k * service.lever(lever).current_spend_per_month,
        )
        for lever in LEVERS
    }
    return replace(business, segments=segments, service=replace(service, **levers))


def budget(scenario, k: float):
    return scenario.with_changes(
        **{f"{lever}_spend_per_month": k * scenario.spend_per_month(lever) for lever in LEVERS}
    )


COUNTS_AND_MONEY = [
    c
    for c in MONTHLY_COLUMNS
    if c not in ("segment", "month", "revenue_per_customer", "discount_factor")
]
"""Every monthly column that is a number of customers, contacts or money: each scales with k."""


@pytest.mark.parametrize("price_change", [0.0, 0.1])
def test_ten_times_the_business_and_the_budget_gives_ten_times_every_flow(price_change):
    scenario = PROGRAMME.with_changes(price_change=price_change)
    one = simulate(sample_business(), scenario).monthly
    ten = simulate(scaled_business(10), budget(scenario, 10)).monthly
    for column in COUNTS_AND_MONEY:
        np.testing.assert_allclose(ten[column], 10 * one[column], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ten.revenue_per_customer, one.revenue_per_customer, rtol=1e-12)
    small = evaluate(sample_business(), scenario, breakeven=False).delta_npv
    large = evaluate(scaled_business(10), budget(scenario, 10), breakeven=False).delta_npv
    assert large == pytest.approx(10 * small, rel=1e-9)


def test_the_same_budget_on_a_firm_ten_times_larger_does_a_tenth_as_much_per_customer():
    small = simulate(sample_business(), PROGRAMME).service
    large = simulate(scaled_business(10), PROGRAMME).service
    assert large["quality_index"].iloc[-1] < small["quality_index"].iloc[-1] / 2


def test_no_budget_is_the_baseline_exactly():
    nothing = budget(PROGRAMME, 0.0)
    evaluation = evaluate(sample_business(), nothing, breakeven=False)
    assert evaluation.delta_npv == 0.0
    assert (evaluation.scenario.service["quality_index"] == 0).all()


def test_a_million_a_month_on_the_sample_business_loses_value():
    huge = PROGRAMME.with_changes(**{f"{lever}_spend_per_month": 250_000.0 for lever in LEVERS})
    assert evaluate(sample_business(), huge, breakeven=False).delta_npv < -20e6


def test_more_of_the_default_mix_pays_less_beyond_a_point():
    values = [
        evaluate(sample_business(), budget(PROGRAMME, k), breakeven=False).delta_npv
        for k in (0.25, 0.5, 1.0, 2.0, 4.0)
    ]
    best = int(np.argmax(values))
    assert 0 < best < len(values) - 1  # an interior best scale: it is possible to spend too much
    assert values[-1] < values[-2] < values[best]


def test_fewer_agents_leaving_saves_replacement_cost_in_proportion_to_the_desk():
    run = simulate(sample_business(), PROGRAMME).monthly
    assert (run.attrition_savings >= 0).all() and run.attrition_savings.iloc[-1] > 0
    ops = sample_business().service
    no_attrition = replace(sample_business(), service=replace(ops, max_attrition_reduction=0.0))
    assert (simulate(no_attrition, PROGRAMME).monthly.attrition_savings == 0).all()


@pytest.mark.slow
def test_the_programme_pays_in_some_futures_and_not_in_others():
    mc = monte_carlo(sample_business(), PROGRAMME, draws=500, seed=0)
    assert 0.2 < mc.probability_beats_baseline < 0.8
