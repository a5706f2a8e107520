"""Goal seek: each answer, fed back into the engine, lands on its target."""

from __future__ import annotations

import pytest

from simulator import evaluate, example_scenario
from simulator.decisions.goal_seek import (
    largest_price_increase,
    price_increase_for_core_loss,
    smallest_service_budget,
)

from .conftest import APP_BUSINESS

SCENARIO = example_scenario().with_changes(horizon_months=36)

# Without the service programme a price rise on the app's business first adds value over three
# years, peaks and loses against doing nothing beyond about +20 %: the NPV difference is 0 at no
# change and again at that rise, and the question asks for the larger root.
NO_SERVICE = SCENARIO.with_changes(
    tools_spend_per_month=0.0,
    training_spend_per_month=0.0,
    incentives_spend_per_month=0.0,
    people_spend_per_month=0.0,
)


def delta_npv(price_change: float) -> float:
    run = NO_SERVICE.with_changes(price_change=price_change)
    return evaluate(APP_BUSINESS, run, breakeven=False).delta_npv


def test_largest_price_increase_keeps_npv_exactly_at_the_baseline():
    result = largest_price_increase(APP_BUSINESS, NO_SERVICE, tolerance=1e-6)
    assert result.status == "found"
    assert 0.15 < result.value < 0.5
    # Fed back: the NPV difference is zero to the tolerance's worth of money ...
    slope = abs(delta_npv(result.value + 1e-3) - delta_npv(result.value)) / 1e-3
    assert abs(delta_npv(result.value)) <= 2 * slope * 1e-6
    assert result.achieved == pytest.approx(delta_npv(result.value))
    # ... and it is the largest: one point more loses against doing nothing.
    assert delta_npv(result.value + 0.01) < 0


def test_when_even_the_largest_increase_pays_the_answer_is_the_limit():
    result = largest_price_increase(APP_BUSINESS, NO_SERVICE, max_price_change=0.1)
    assert result.status == "at_limit" and result.value == 0.1
    assert result.achieved > 0


def test_a_range_that_never_pays_says_so():
    costly = SCENARIO.with_changes(people_spend_per_month=5_000_000.0)
    result = largest_price_increase(APP_BUSINESS, costly, max_price_change=0.1)
    assert result.status == "never" and result.value is None


def kept(budget: float, price_change: float = 0.02) -> float:
    total = SCENARIO.service_spend_per_month
    run = SCENARIO.with_changes(
        price_change=price_change,
        **{
            f"{lever}_spend_per_month": budget * SCENARIO.spend_per_month(lever) / total
            for lever in ("tools", "training", "incentives", "people")
        },
    )
    segments = evaluate(APP_BUSINESS, run, breakeven=False).segments
    return float(
        segments["customers_end_scenario"].sum() - segments["customers_end_baseline"].sum()
    )


def test_smallest_service_budget_offsets_the_customers_a_price_increase_loses():
    # The programme saturates: it can offset the customers a +2 % rise loses, not a +5 % one.
    scenario = SCENARIO.with_changes(price_change=0.02)
    result = smallest_service_budget(
        APP_BUSINESS, scenario, max_budget_per_month=2_000_000.0, tolerance=0.5
    )
    assert result.status == "found"
    assert result.value > 0
    assert kept(result.value) == pytest.approx(0.0, abs=0.5)
    assert kept(result.value * 0.95) < 0  # a smaller budget does not offset it
    # the same run up to rounding (shares multiplied in another order): customers, not relative
    assert result.achieved == pytest.approx(kept(result.value), abs=1e-6)


def test_no_budget_offsets_what_a_large_rise_loses_and_the_search_says_so():
    scenario = SCENARIO.with_changes(price_change=0.05)
    result = smallest_service_budget(
        APP_BUSINESS, scenario, max_budget_per_month=2_000_000.0, tolerance=0.5
    )
    assert result.status == "never" and result.value is None
    assert kept(2_000_000.0, 0.05) < 0


def test_no_budget_is_needed_when_nothing_is_lost():
    scenario = SCENARIO.with_changes(price_change=0.0)
    result = smallest_service_budget(APP_BUSINESS, scenario, max_budget_per_month=100_000.0)
    assert result.status == "at_limit" and result.value == 0.0


def test_price_increase_for_core_loss_lands_on_the_limit():
    result = price_increase_for_core_loss(APP_BUSINESS, SCENARIO, max_core_loss=0.02)
    assert result.status == "found"
    run = SCENARIO.with_changes(price_change=result.value)
    row = evaluate(APP_BUSINESS, run, breakeven=False).segments.set_index("segment").loc["core"]
    loss = row["customers_lost"] / row["customers_end_baseline"]
    assert loss == pytest.approx(0.02, abs=1e-5)
    assert result.achieved == pytest.approx(loss)


def test_invalid_targets_are_refused():
    with pytest.raises(ValueError, match="max_core_loss"):
        price_increase_for_core_loss(APP_BUSINESS, SCENARIO, max_core_loss=1.5)
    with pytest.raises(ValueError, match="max_budget_per_month"):
        smallest_service_budget(APP_BUSINESS, SCENARIO, max_budget_per_month=0.0)
