"""Explore grids: the NPV and probability heatmaps, the break-even frontier, and their agreement
with the engine and with goal seek."""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd
import pytest

from simulator import LEVERS, example_scenario
from simulator.decisions.explore import (
    breakeven_frontier,
    budget_shares,
    default_budgets,
    default_price_changes,
    grid_settings,
    npv_grid,
    probability_grid,
)
from simulator.decisions.goal_seek import (
    largest_price_increase,
    price_increase_for_core_loss,
    smallest_service_budget,
)
from simulator.model.engine import simulate, simulate_draws

from .conftest import APP_BUSINESS, two_segment_business

SCENARIO = example_scenario()
SHORT = SCENARIO.with_changes(horizon_months=36)
# Over three years the NPV difference on the app's business rises with price, peaks and falls
# below 0 again between +25 % and +40 % at every budget up to 75,000 a month (a larger budget
# costs more than any price recovers): a break-even frontier of several points.


def _cell_scenario(scenario, price_change: float, budget: float):
    shares = budget_shares(scenario)
    return scenario.with_changes(
        price_change=price_change,
        **{f"{lever}_spend_per_month": budget * shares[lever] for lever in LEVERS},
    )


def _engine_delta(business, scenario) -> float:
    run = simulate(business, scenario, terminal_value=False).npv
    return run - simulate(business, scenario.without_changes(), terminal_value=False).npv


# --- axes and budget split -------------------------------------------------------------------


def test_default_axes_span_the_documented_ranges():
    prices = default_price_changes()  # -10 % to +100 %: where value has turned (issue 20)
    assert prices.size == 23 and prices[0] == pytest.approx(-0.10) and prices[-1] == 1.0
    assert np.diff(prices) == pytest.approx(np.full(22, 0.05))
    budgets = default_budgets(SCENARIO)  # 2 x 45,000 = 90,000, rounded up to 100,000
    assert budgets.size == 21 and budgets[0] == 0 and budgets[-1] == 100_000
    assert SCENARIO.service_spend_per_month in budgets  # the scenario's budget is a grid point
    nothing = SCENARIO.with_changes(**{f"{lever}_spend_per_month": 0.0 for lever in LEVERS})
    assert default_budgets(nothing)[-1] == 10_000  # the minimum
    assert default_budgets(nothing, steps=11, minimum=70_000)[-1] == 100_000


def test_bad_axes_are_refused():
    with pytest.raises(ValueError, match="steps"):
        default_price_changes(1)
    with pytest.raises(ValueError, match="increasing"):
        npv_grid(APP_BUSINESS, SCENARIO, price_changes=[0.1, 0.0], budgets=[0.0])
    with pytest.raises(ValueError, match="direction"):
        breakeven_frontier(pd.DataFrame(), direction="sideways")


def test_budget_is_split_in_the_scenarios_proportions_or_equally():
    shares = budget_shares(SCENARIO)
    assert shares == pytest.approx(
        {"tools": 10 / 45, "training": 15 / 45, "incentives": 5 / 45, "people": 15 / 45}
    )
    nothing = SCENARIO.with_changes(**{f"{lever}_spend_per_month": 0.0 for lever in LEVERS})
    assert budget_shares(nothing) == pytest.approx(dict.fromkeys(LEVERS, 0.25))
    settings = grid_settings(
        SCENARIO, np.array([0.05]), np.array([SCENARIO.service_spend_per_month])
    )
    for lever in LEVERS:  # the scenario's own budget reproduces its lever budgets
        assert settings[f"scenario.{lever}_spend_per_month"][0] == pytest.approx(
            SCENARIO.spend_per_month(lever)
        )


# --- the NPV grid ------------------------------------------------------------------------------


def test_npv_grid_is_tidy_price_major_and_budget_minor():
    prices, budgets = [-0.05, 0.0, 0.05], [0.0, 20_000.0]
    grid = npv_grid(APP_BUSINESS, SCENARIO, price_changes=prices, budgets=budgets)
    assert list(grid.columns) == ["price_change", "service_budget", "delta_npv", "npv"]
    assert len(grid) == 6
    assert grid["price_change"].tolist() == [-0.05, -0.05, 0.0, 0.0, 0.05, 0.05]
    assert grid["service_budget"].tolist() == budgets * 3
    # No price change and no budget is the baseline itself.
    assert grid.loc[2, "delta_npv"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("business", "scenario"),
    [(APP_BUSINESS, SCENARIO), (two_segment_business(), SHORT.with_changes(monthly_fee=1.5))],
    ids=["sample", "tiny-with-fee"],
)
def test_npv_grid_equals_the_engine_cell_by_cell(business, scenario):
    prices = default_price_changes(5)
    budgets = default_budgets(scenario, 4)
    grid = npv_grid(business, scenario, price_changes=prices, budgets=budgets)
    baseline = simulate(business, scenario.without_changes(), terminal_value=False).npv
    for i, j in [(0, 0), (1, 3), (2, 1), (4, 2), (4, 3)]:
        row = grid.iloc[i * budgets.size + j]
        cell = _cell_scenario(scenario, prices[i], budgets[j])
        expected = simulate(business, cell, terminal_value=False).npv
        assert row["npv"] == pytest.approx(expected, rel=1e-6)
        assert abs(row["delta_npv"] - (expected - baseline)) <= 1e-6 * abs(baseline)


@pytest.mark.slow
def test_a_21_by_21_grid_takes_at_most_two_seconds():
    prices, budgets = default_price_changes(21), default_budgets(SCENARIO)
    npv_grid(APP_BUSINESS, SCENARIO, price_changes=prices, budgets=budgets)  # warm up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        grid = npv_grid(APP_BUSINESS, SCENARIO, price_changes=prices, budgets=budgets)
        times.append(time.perf_counter() - start)
    assert len(grid) == 441
    assert statistics.median(times) <= 2.0, times


# --- the break-even frontier -------------------------------------------------------------------


def _toy_grid(delta_of_price) -> pd.DataFrame:
    prices = np.linspace(-0.1, 0.5, 13)
    rows = [(p, b, delta_of_price(p, b), 0.0) for p in prices for b in (0.0, 10_000.0, 20_000.0)]
    return pd.DataFrame(rows, columns=["price_change", "service_budget", "delta_npv", "npv"])


def test_frontier_interpolates_the_largest_falling_and_smallest_rising_crossing():
    # A hump: below 0 until 0.02 + b/1e6, above 0 until 0.30 - b/1e6 (roots between grid points).
    grid = _toy_grid(lambda p, b: -(p - 0.02 - b / 1e6) * (p - 0.30 + b / 1e6))
    falls = breakeven_frontier(grid)
    rises = breakeven_frontier(grid, direction="rises")
    assert falls["service_budget"].tolist() == [0.0, 10_000.0, 20_000.0]
    # Linear interpolation of a parabola: close to the root, exact only at grid points.
    assert falls["price_change"].to_numpy() == pytest.approx([0.30, 0.29, 0.28], abs=4e-3)
    assert rises["price_change"].to_numpy() == pytest.approx([0.02, 0.03, 0.04], abs=4e-3)
    # Linear in price: the interpolation is exact.
    linear = breakeven_frontier(_toy_grid(lambda p, b: 0.17 - p))
    assert linear["price_change"].to_numpy() == pytest.approx([0.17] * 3)


def test_frontier_is_nan_where_the_grid_never_crosses():
    always = breakeven_frontier(_toy_grid(lambda p, b: 1.0 + p))
    assert always["price_change"].isna().all()
    assert len(always) == 3


@pytest.mark.slow
def test_frontier_points_are_break_even_in_the_engine():
    prices = np.linspace(0.0, 0.6, 21)
    budgets = default_budgets(SHORT, 5)
    grid = npv_grid(APP_BUSINESS, SHORT, price_changes=prices, budgets=budgets)
    frontier = breakeven_frontier(grid).dropna()
    assert len(frontier) >= 3
    for budget, price in frontier.itertuples(index=False):
        cells = grid[grid["service_budget"] == budget].sort_values("price_change")
        # On the grid's own interpolation the difference is 0 ...
        interpolated = np.interp(price, cells["price_change"], cells["delta_npv"])
        assert interpolated == pytest.approx(0.0, abs=1e-6 * cells["npv"].abs().max())
        # ... and in the engine it is 0 up to the curvature between two grid points.
        step_change = np.abs(np.diff(cells["delta_npv"])).max()
        assert abs(_engine_delta(APP_BUSINESS, _cell_scenario(SHORT, price, budget))) < step_change


# --- goal seek on the heatmap ------------------------------------------------------------------


@pytest.mark.slow
def test_largest_price_increase_lies_on_the_frontier_at_the_scenarios_budget():
    prices = np.linspace(0.0, 0.6, 21)
    budgets = default_budgets(SHORT)
    grid = npv_grid(APP_BUSINESS, SHORT, price_changes=prices, budgets=budgets)
    frontier = breakeven_frontier(grid).set_index("service_budget")["price_change"]
    answer = largest_price_increase(APP_BUSINESS, SHORT, max_price_change=0.6, tolerance=1e-6)
    assert answer.status == "found"
    on_map = frontier.loc[SHORT.service_spend_per_month]
    assert abs(on_map - answer.value) <= prices[1] - prices[0]  # within one grid step
    # Fed back through the grid's own engine run: NPV equals the baseline's.
    point = npv_grid(
        APP_BUSINESS,
        SHORT,
        price_changes=[answer.value],
        budgets=[SHORT.service_spend_per_month],
    )
    slope = np.abs(np.diff(grid[grid["service_budget"] == 45_000.0]["delta_npv"])).max() / 0.03
    assert abs(point.loc[0, "delta_npv"]) <= 2 * slope * 1e-6 + 1e-6 * abs(point.loc[0, "npv"])


@pytest.mark.slow
def test_smallest_budget_fed_back_through_the_grid_split_keeps_the_customers():
    scenario = SHORT.with_changes(price_change=0.02)
    answer = smallest_service_budget(
        APP_BUSINESS, scenario, max_budget_per_month=100_000.0, tolerance=0.5
    )
    assert answer.status == "found"
    settings = grid_settings(scenario, np.array([0.02]), np.array([answer.value]))
    run = simulate_draws(APP_BUSINESS, scenario, settings)
    baseline = simulate_draws(APP_BUSINESS, scenario.without_changes(), draws=1)
    kept = run.total_customers[0, -1] - baseline.total_customers[0, -1]
    assert kept == pytest.approx(0.0, abs=0.5)


@pytest.mark.slow
def test_core_loss_answer_fed_back_through_the_grid_engine_lands_on_the_limit():
    answer = price_increase_for_core_loss(APP_BUSINESS, SHORT, max_core_loss=0.002)
    assert answer.status == "found"
    settings = grid_settings(
        SHORT, np.array([answer.value]), np.array([SHORT.service_spend_per_month])
    )
    run = simulate_draws(APP_BUSINESS, SHORT, settings)
    baseline = simulate_draws(APP_BUSINESS, SHORT.without_changes(), draws=1)
    core = run.segments.index(APP_BUSINESS.core)
    ends = run.customers[0, core, -1], baseline.customers[0, core, -1]
    loss = (ends[1] - ends[0]) / ends[1]
    assert loss == pytest.approx(0.002, abs=1e-5)


# --- the probability grid ----------------------------------------------------------------------


@pytest.mark.slow
def test_probability_grid_is_a_reproducible_share_and_zero_where_nothing_changes():
    kwargs = {"price_changes": [0.0, 0.1], "budgets": [0.0, 30_000.0], "draws": 24, "seed": 7}
    done: list[float] = []
    first = probability_grid(APP_BUSINESS, SHORT, on_progress=done.append, **kwargs)
    assert list(first.columns) == ["price_change", "service_budget", "probability_beats_baseline"]
    assert first["probability_beats_baseline"].between(0, 1).all()
    # Multiples of 1 / draws: a share of draws.
    assert np.allclose(first["probability_beats_baseline"] * 24 % 1, 0)
    assert done == [0.5, 1.0]
    again = probability_grid(APP_BUSINESS, SHORT, cells_per_block=1, **kwargs)
    pd.testing.assert_frame_equal(first, again)
    # Common random numbers: the no-change cell is the baseline in every draw, so never beats it.
    assert first.loc[0, "probability_beats_baseline"] == 0.0
    other = probability_grid(APP_BUSINESS, SHORT, **(kwargs | {"seed": 8}))
    assert not first.equals(other) or first["probability_beats_baseline"].isin([0, 1]).all()
