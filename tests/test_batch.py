"""Many draws at once: the engine's batch path against the single scenario.

The engine is one implementation of the accounting, vectorised over draws
(:mod:`simulator.model.engine`); the sum over cohorts is done exactly (closed form) or on
quadrature nodes (:mod:`simulator.model.cohorts`). These tests hold the quadrature path to the
single scenario within the quadrature tolerance, for the parameter paths the Monte Carlo draws,
the scenario settings a grid varies, and awkward segments (constant churn, small alpha, an empty
base); and the batch path with exact survival to the single scenario within rounding, on random
businesses.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator.decisions.priors import draw_parameters
from simulator.model import engine
from simulator.model.engine import beats, simulate, simulate_draws
from simulator.model.params import LEVERS, Scenario
from simulator.model.quadrature import QUADRATURE_TOLERANCE
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
    monkeypatch.setattr(engine, "DRAW_CHUNK", 3)
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


# --- One implementation: the single scenario is the engine for one draw ---------------------

ONE_PATH = 1e-9
"""Largest relative difference between a draw of the batch path and the single scenario, both
summing survival exactly: rounding only (the same code on arrays of other shapes)."""


def random_business(rng: np.random.Generator):
    """A business with random segments, service and fee salience (seeded)."""
    base = sample_business()
    segments = []
    for seg in base.segments:
        tenures = int(rng.integers(0, 40))
        segments.append(
            replace(
                seg,
                arpu_per_month=float(rng.uniform(5, 120)),
                variable_cost_per_month=float(rng.uniform(0, 20)),
                sbg_alpha=float(rng.uniform(0.3, 5)),
                sbg_beta=float(rng.uniform(1, 40)),
                constant_monthly_churn=float(rng.uniform(0.005, 0.1))
                if rng.random() < 0.3
                else None,
                base_customers_by_tenure=tuple(rng.uniform(0, 500, tenures)),
                paid_acquisitions_per_month=float(rng.uniform(0, 300)),
                acquisition_cost_per_customer=float(rng.uniform(0, 400)),
                referral_rate_per_month=float(rng.uniform(0, 0.01)),
                referral_reward_per_customer=float(rng.uniform(0, 50)),
                referred_churn_multiplier=float(rng.uniform(0.6, 1.0)),
                lasting_price_elasticity=float(rng.uniform(0, 4)),
                notice_shock_churn_per_10pct=float(rng.uniform(0, 0.1)),
                shock_half_life_months=float(rng.uniform(0.3, 4)),
                decrease_response_ratio=float(rng.uniform(0.2, 1)),
                price_threshold=float(rng.uniform(0, 0.05)),
                uncontrollable_churn_share=float(rng.uniform(0.05, 0.6)),
                satisfaction_moderation=float(rng.uniform(0, 1.5)),
                max_service_churn_reduction=float(rng.uniform(0, 0.4)),
                acquisition_price_elasticity=float(rng.uniform(-4, 0)),
                acquisition_share=float(rng.uniform(0.05, 0.6)),
                market_price_ratio=float(rng.uniform(0.7, 1.3)),
                wtp_median=float(rng.uniform(1.2, 3)) if rng.random() < 0.8 else None,
                wtp_log_sd=float(rng.uniform(0.1, 0.6)),
                wtp_exit_half_life_months=float(rng.uniform(0.3, 4)),
                negative_wom_per_defector=float(rng.uniform(0, 0.5)),
                negative_wom_half_life_months=float(rng.uniform(0.5, 8)),
                notice_multiplier_cap=float(rng.uniform(1.5, 6)) if rng.random() < 0.7 else None,
            )
        )
    service = replace(
        base.service,
        rise_contacts_per_100=float(rng.uniform(0, 20)),
        cancellation_contacts_per_defector=float(rng.uniform(0, 2)),
        wave_handling_time_factor=float(rng.uniform(1, 3)),
        overload_churn_increase=float(rng.uniform(0, 0.4)),
    )
    return replace(
        base,
        segments=tuple(segments),
        service=service,
        fee_salience=float(rng.uniform(1, 3)),
        market_price_change=float(rng.uniform(-0.1, 0.2)) if rng.random() < 0.5 else 0.0,
        market_price_change_month=int(rng.integers(1, 12)),
    )


def random_scenario(rng: np.random.Generator) -> Scenario:
    month = int(rng.integers(1, 6))
    return Scenario(
        price_change=float(rng.uniform(-0.3, 1.0)),
        monthly_fee=float(rng.uniform(0, 10)) if rng.random() < 0.5 else 0.0,
        price_change_month=month,
        notice_months=int(rng.integers(0, month)),
        phase_in_months=int(rng.integers(1, 4)),
        grandfather_existing=bool(rng.random() < 0.4),
        **{f"{lever}_spend_per_month": float(rng.uniform(0, 60_000)) for lever in LEVERS},
        horizon_months=int(rng.integers(12, 61)),
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_batch_path_with_exact_survival_is_the_single_scenario_draw_by_draw(seed):
    rng = np.random.default_rng(seed)
    business = with_covariance(random_business(rng))
    scenario = random_scenario(rng)
    draws = draw_parameters(business, 5, seed=seed)
    result = simulate_draws(
        business, scenario, draws.values, service_works=draws.service_works, survival="exact"
    )
    assert result.quadrature_error == 0.0
    for i in range(draws.draws):
        exact = exact_arrays(draws.business(business, i), scenario)
        np.testing.assert_allclose(result.customers[i], exact["customers"], rtol=ONE_PATH)
        for name in ("revenue", "contribution", "cash_flow"):
            scale = np.abs(exact[name]).max()
            np.testing.assert_allclose(
                getattr(result, name)[i],
                exact[name],
                rtol=ONE_PATH,
                atol=ONE_PATH * scale,
                err_msg=name,
            )
        assert result.npv[i] == pytest.approx(exact["npv"], rel=ONE_PATH, abs=ONE_PATH)


@pytest.mark.parametrize("seed", range(3))
def test_the_quadrature_matches_the_exact_survival_on_random_businesses(seed):
    rng = np.random.default_rng(100 + seed)
    business = with_covariance(random_business(rng))
    scenario = random_scenario(rng)
    draws = draw_parameters(business, 6, seed=seed)
    args = (business, scenario, draws.values)
    quadrature = simulate_draws(*args, service_works=draws.service_works)
    exact = simulate_draws(*args, service_works=draws.service_works, survival="exact")
    assert quadrature.quadrature_error <= QUADRATURE_TOLERANCE
    np.testing.assert_allclose(quadrature.customers, exact.customers, rtol=RTOL)
    scale = np.abs(exact.cash_flow).max()
    np.testing.assert_allclose(quadrature.cash_flow, exact.cash_flow, rtol=RTOL, atol=RTOL * scale)
