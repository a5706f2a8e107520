"""Speed of Monte Carlo, the Explore heatmap and the Uncertainty page (issue 4).

Called by ``benchmarks/bench.py`` (which writes ``docs/benchmarks.md``); each function returns
:class:`benchmarks.common.Result` rows. The business is the one the app opens with: the sample
business calibrated from ``sample_data/customers.csv`` (two segments, 96 tenures of existing
customers each, the sBG fit's covariance for the joint draws of alpha and beta).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from benchmarks.common import (
    PRICE_SLIDER,
    ROOT,
    SCENARIO_PAGE,
    UNCERTAINTY_PAGE,
    Result,
    result,
    time_calls,
)
from simulator import example_scenario
from simulator.data.customers import sample_business_from_table
from simulator.data.synthetic import sample_customers
from simulator.decisions.explore import default_budgets, default_price_changes, npv_grid
from simulator.decisions.priors import draw_parameters
from simulator.decisions.uncertainty import monte_carlo
from simulator.model.engine import simulate_draws


def bench_monte_carlo(runs: int = 3) -> list[Result]:
    """10,000 draws x 2 segments x 120 months, full tenure distribution; and the 21 x 21 grid."""
    business = sample_business_from_table(sample_customers())
    scenario = replace(example_scenario(), horizon_months=120)
    tenures = len(business.segments[0].base_customers_by_tenure)
    shape = f"{len(business.segments)} segments x 120 months, {tenures} tenures per segment"
    draws = draw_parameters(business, 10_000, seed=0)
    one_run = time_calls(
        lambda: simulate_draws(business, scenario, draws.values, service_works=draws.service_works),
        runs=runs,
        warmup=1,
    )
    mc = monte_carlo(business, scenario, draws=10_000, seed=0)
    full = time_calls(
        lambda: monte_carlo(business, scenario, draws=10_000, seed=0), runs=runs, warmup=1
    )
    grid_scenario = example_scenario()
    prices, budgets = default_price_changes(21), default_budgets(grid_scenario)
    grid = time_calls(
        lambda: npv_grid(business, grid_scenario, price_changes=prices, budgets=budgets),
        runs=5,
        warmup=1,
    )
    return [
        result(
            "Monte Carlo: 10,000 draws, scenario and its baseline",
            full,
            target_ms=1000.0,
            note=f"`monte_carlo(draws=10_000)`, {shape}; LHS draws included; "
            f"quadrature error {mc.scenario.quadrature_error:.1e}; {runs} runs",
        ),
        result(
            "... one batch projection of 10,000 draws (the scenario alone)",
            one_run,
            note=f"`simulate_draws` on drawn parameters, {shape}; {runs} runs",
        ),
        result(
            "Explore: 21 x 21 heatmap of the NPV difference",
            grid,
            target_ms=2000.0,
            note=f"`npv_grid`, {prices.size} price changes x {budgets.size} budgets, "
            "60 months (as the app opens); 5 runs",
        ),
    ]


def bench_uncertainty_page(reruns: int = 8) -> list[Result]:
    """The Uncertainty page rerun after the price slider moved, at 2,000 draws (AppTest)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    values = np.linspace(-6.0, 14.0, reruns + 2)
    wall, cpu = [], []
    for i, value in enumerate(values):
        at.switch_page(SCENARIO_PAGE).run()
        at.slider(key=PRICE_SLIDER).set_value(float(round(value))).run()
        at.switch_page(UNCERTAINTY_PAGE)
        w, c = time.perf_counter(), time.process_time()
        at.run()
        if i >= 2:  # two warm-up moves
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
        if at.exception:
            raise SystemExit(f"the Uncertainty page failed: {at.exception[0].message}")
    return [
        result(
            "Uncertainty page rerun after a price-slider move, 2,000 draws",
            (np.array(wall), np.array(cpu)),
            target_ms=1500.0,
            note=f"AppTest: move `{PRICE_SLIDER}` on the Scenario page, then time the "
            f"Uncertainty page's run (the scenario's Monte Carlo, its baseline taken over from "
            f"the previous move as the page does; fan charts, tornado, histogram); {reruns} "
            f"distinct values, 60 months",
        )
    ]
