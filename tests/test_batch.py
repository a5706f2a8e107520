"""The engine vectorised over draws equals the exact engine, draw by draw.

:func:`simulator.model.batch.simulate_draws` sums the sBG survival on quadrature nodes instead of
the closed form; everything else (price paths, multipliers, referrals, money) is the same model.
These tests hold it to :func:`simulator.model.engine.simulate` within the quadrature tolerance, for
the parameter paths the Monte Carlo draws, the scenario settings a grid varies, and awkward
segments (constant churn, small alpha, an empty base).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator.decisions.priors import draw_parameters
from simulator.model import batch
from simulator.model.batch import QUADRATURE_TOLERANCE, beats, simulate_draws
from simulator.model.engine import simulate
from simulator.model.params import LEVERS, Scenario
from simulator.model.sample import example_scenario, sample_business

RTOL = 1e-6  # the quadrature is checked to 1e-6; the flows sum a few of its survival ratios


def exact_arrays(business, scenario):
    p = simulate(business, scenario, terminal_value=False)
    customers = np.stack(
        [
            p.monthly.loc[p.monthly.segment == s.name, "customers"].to_numpy()
            for s in business.segments
        ]
    )
    return {
        "customers": customers,
        "revenue": p.total("revenue").to_numpy(),
        "contribution": p.total("contribution").to_numpy(),
        "cash_flow": p.total("cash_flow").to_numpy(),
        "npv": p.npv,
    }


def assert_draw_matches(result, i, business, scenario):
    exact = exact_arrays(business, scenario)
    np.testing.assert_allclose(result.customers[i], exact["customers"], rtol=RTOL)
    for name in ("revenue", "contribution", "cash_flow"):
        scale = np.abs(exact[name]).max()
        np.testing.assert_allclose(
            getattr(result, name)[i], exact[name], rtol=RTOL, atol=RTOL * scale, err_msg=name
        )
    assert result.npv[i] == pytest.approx(exact["npv"], rel=RTOL)


SCENARIOS = {
    "example": example_scenario(),
    "no change": Scenario(),
    "grandfathered": replace(example_scenario(), grandfather_existing=True),
    "fee, notice, phase-in": replace(
        example_scenario(), monthly_fee=3.0, notice_months=2, phase_in_months=3
    ),
    "price cut": replace(example_scenario(), price_change=-0.1),
    "service only, 120 months": Scenario(tools_spend_per_month=20_000.0, horizon_months=120),
    "big increase": replace(example_scenario(), price_change=0.6, horizon_months=36),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_one_draw_at_the_business_values_is_the_exact_engine(name):
    business, scenario = sample_business(), SCENARIOS[name]
    result = simulate_draws(business, scenario, draws=1)
    assert result.quadrature_error <= QUADRATURE_TOLERANCE
    assert_draw_matches(result, 0, business, scenario)


def awkward_business():
    base = sample_business()
    core, sensitive = base.segments
    return replace(
        base,
        segments=(
            replace(core, constant_monthly_churn=0.015),
            replace(sensitive, sbg_alpha=0.35, sbg_beta=3.0, base_customers_by_tenure=()),
        ),
    )


@pytest.mark.parametrize("name", ["example", "grandfathered", "service only, 120 months"])
def test_constant_churn_small_alpha_and_an_empty_base(name):
    business, scenario = awkward_business(), SCENARIOS[name]
    result = simulate_draws(business, scenario, draws=2)
    assert_draw_matches(result, 1, business, scenario)


def with_covariance(business):
    segments = tuple(replace(s, sbg_log_covariance=(0.02, 0.018, 0.025)) for s in business.segments)
    return replace(business, segments=segments)


def test_every_drawn_parameter_reaches_the_engine_as_it_would_one_business():
    business = with_covariance(sample_business())
    scenario = replace(example_scenario(), horizon_months=36)
    draws = draw_parameters(business, 8, seed=11)
    result = simulate_draws(business, scenario, draws.values, service_works=draws.service_works)
    assert not draws.service_works.all()  # a failed programme is among the draws
    for i in range(draws.draws):
        assert_draw_matches(result, i, draws.business(business, i), scenario)


def test_scenario_settings_vary_by_draw_as_a_grid_needs():
    business = sample_business()
    scenario = replace(example_scenario(), horizon_months=36)
    changes = np.array([-0.05, 0.0, 0.12])
    budgets = np.array([0.0, 30_000.0, 80_000.0])
    values = {"scenario.price_change": changes, "scenario.monthly_fee": np.array([0, 2.0, 0])}
    for lever in LEVERS:
        values[f"scenario.{lever}_spend_per_month"] = budgets / len(LEVERS)
    result = simulate_draws(business, scenario, values)
    for i in range(3):
        cell = scenario.with_changes(
            price_change=float(changes[i]),
            monthly_fee=float(values["scenario.monthly_fee"][i]),
            **{f"{lever}_spend_per_month": float(budgets[i] / 4) for lever in LEVERS},
        )
        assert_draw_matches(result, i, business, cell)


def test_chunks_and_threads_do_not_change_the_answer(monkeypatch):
    business = with_covariance(sample_business())
    scenario = replace(example_scenario(), horizon_months=24)
    draws = draw_parameters(business, 7, seed=3)
    whole = simulate_draws(business, scenario, draws.values, service_works=draws.service_works)
    monkeypatch.setattr(batch, "DRAW_CHUNK", 3)
    chunked = simulate_draws(business, scenario, draws.values, service_works=draws.service_works)
    np.testing.assert_allclose(chunked.npv, whole.npv, rtol=1e-13)
    np.testing.assert_allclose(chunked.customers, whole.customers, rtol=1e-13)


def test_a_draw_gives_the_same_answer_whatever_runs_beside_it():
    """A grid runs every cell on the same draws as its baseline: the no-change cell must equal
    the baseline to rounding, though its rows sit in other chunks beside other cells."""
    business = with_covariance(sample_business())
    scenario = replace(example_scenario(), horizon_months=24)
    draws = draw_parameters(business, 5, seed=9)
    alone = simulate_draws(business, scenario, draws.values, service_works=draws.service_works)
    tiled = simulate_draws(
        business,
        scenario,
        {k: np.tile(v, 3) for k, v in draws.values.items()},
        service_works=np.tile(draws.service_works, 3),
    )
    for copy in range(3):
        same = tiled.npv[copy * 5 : (copy + 1) * 5]
        np.testing.assert_allclose(same, alone.npv, rtol=1e-13)
        assert not beats(same - alone.npv, alone.npv).any()
        assert not beats(alone.npv - same, same).any()


def test_a_scenario_without_changes_repeats_its_baseline_exactly():
    business = with_covariance(sample_business())
    scenario = Scenario(horizon_months=24)
    draws = draw_parameters(business, 50, seed=5)
    a = simulate_draws(business, scenario, draws.values, service_works=draws.service_works)
    b = simulate_draws(
        business, scenario.without_changes(), draws.values, service_works=draws.service_works
    )
    assert np.array_equal(a.npv, b.npv)


def test_constant_churn_is_exact():
    business = awkward_business()
    only_core = replace(business, segments=business.segments[:1])
    assert simulate_draws(only_core, example_scenario(), draws=1).quadrature_error == 0.0


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="one entry per draw"):
        simulate_draws(
            sample_business(),
            Scenario(),
            {"segments.core.arpu_per_month": np.ones(3)},
            service_works=np.ones(2, bool),
        )
