"""Monte Carlo, tornado and rank correlations: the invariants of model.md section 7."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import simulator
from simulator.decisions import uncertainty
from simulator.decisions.evaluate import payback_month
from simulator.decisions.priors import FAILURE_PATH, uncertain_parameters
from simulator.model import engine
from simulator.model.params import Scenario

from .conftest import APP_BUSINESS

DRAWS = 300
SCENARIO = simulator.example_scenario().with_changes(horizon_months=36)
"""The app's example (+5 % price, a service programme), over three years to keep tests fast."""


@pytest.fixture(scope="module")
def mc() -> uncertainty.MonteCarlo:
    return uncertainty.monte_carlo(APP_BUSINESS, SCENARIO, draws=DRAWS, seed=7)


def _scaled(business: simulator.Business, field: str, factor: float) -> simulator.Business:
    return replace(
        business,
        segments=tuple(
            replace(s, **{field: getattr(s, field) * factor}) for s in business.segments
        ),
    )


# --- (i) degenerate priors give the deterministic run ------------------------------------------


def test_degenerate_priors_give_the_deterministic_run_in_every_quantile():
    mc = uncertainty.monte_carlo(APP_BUSINESS, SCENARIO, draws=40, seed=3, spread=0.0)
    evaluation = simulator.evaluate(APP_BUSINESS, SCENARIO, breakeven=False)
    expected = {
        ("customers", "scenario"): evaluation.scenario.total("customers"),
        ("customers", "baseline"): evaluation.baseline.total("customers"),
        ("revenue", "scenario"): evaluation.scenario.total("revenue"),
        ("revenue", "baseline"): evaluation.baseline.total("revenue"),
        ("cumulative_cash_flow", "scenario"): evaluation.scenario.total("cash_flow").cumsum(),
        ("cumulative_cash_flow", "baseline"): evaluation.baseline.total("cash_flow").cumsum(),
        ("cumulative_cash_flow", "difference"): evaluation.cumulative_cash_flow_difference,
    }
    fan = mc.fan()
    for (measure, case), series in expected.items():
        rows = fan[(fan["measure"] == measure) & (fan["case"] == case)]
        assert rows["month"].tolist() == series.index.tolist()
        scale = float(np.max(np.abs(series.to_numpy())))
        for column in ("p05", "p25", "p50", "p75", "p95"):
            np.testing.assert_allclose(
                rows[column].to_numpy(), series.to_numpy(), rtol=1e-6, atol=1e-7 * scale
            )
    np.testing.assert_allclose(mc.delta_npv, evaluation.delta_npv, rtol=1e-6)
    for q in (0.1, 0.5, 0.9):
        assert mc.delta_npv_quantile(q) == pytest.approx(evaluation.delta_npv, rel=1e-6)
    assert mc.probability_beats_baseline == float(evaluation.delta_npv > 0)
    assert set(mc.payback.tolist()) == {float(evaluation.payback_month)}


# --- (ii) a scenario identical to its baseline -------------------------------------------------


def test_a_scenario_identical_to_its_baseline_differs_by_exactly_zero_in_every_draw():
    mc = uncertainty.monte_carlo(APP_BUSINESS, SCENARIO.without_changes(), draws=DRAWS, seed=1)
    assert np.all(mc.delta_npv == 0.0)
    assert mc.probability_beats_baseline == 0.0
    assert mc.probability_of_loss(0.0) == 0.0
    assert np.all(np.isnan(mc.payback))
    assert mc.probability_payback_within_horizon == 0.0
    assert uncertainty.rank_correlations(mc).empty


# --- (iii) sampling error -----------------------------------------------------------------------


def test_standard_error_of_p_beat_is_within_the_bound_and_seeds_agree_within_it():
    n = 400
    scenario = SCENARIO.with_changes(price_change=0.10)  # a less certain plan than the example
    a = uncertainty.monte_carlo(APP_BUSINESS, scenario, draws=n, seed=11)
    b = uncertainty.monte_carlo(APP_BUSINESS, scenario, draws=n, seed=12)
    bound = math.sqrt(0.25 / n)
    for mc in (a, b):
        p = mc.probability_beats_baseline
        assert 0.0 < p < 1.0
        assert mc.standard_error == pytest.approx(math.sqrt(p * (1 - p) / n))
        assert mc.standard_error <= bound
    assert abs(a.probability_beats_baseline - b.probability_beats_baseline) <= 4 * bound


# --- (iv) monotonicity --------------------------------------------------------------------------


def test_a_higher_elasticity_never_raises_npv_of_a_price_increase():
    scenario = SCENARIO.with_changes(
        tools_spend_per_month=0.0,
        training_spend_per_month=0.0,
        incentives_spend_per_month=0.0,
        people_spend_per_month=0.0,
    )
    assumed = uncertainty.monte_carlo(APP_BUSINESS, scenario, draws=DRAWS, seed=5)
    doubled = _scaled(APP_BUSINESS, "lasting_price_elasticity", 2.0)
    more = uncertainty.monte_carlo(doubled, scenario, draws=DRAWS, seed=5)
    # Common random numbers: draw i of both runs differs only in eta (doubled).
    np.testing.assert_array_equal(more.baseline.npv, assumed.baseline.npv)
    tolerance = 1e-9 * np.abs(assumed.scenario.npv)
    assert np.all(more.scenario.npv <= assumed.scenario.npv + tolerance)
    assert np.mean(more.scenario.npv < assumed.scenario.npv) > 0.9
    # and at the degenerate prior, the deterministic answer
    flat = uncertainty.monte_carlo(APP_BUSINESS, scenario, draws=2, seed=0, spread=0.0)
    flat2 = uncertainty.monte_carlo(doubled, scenario, draws=2, seed=0, spread=0.0)
    assert np.all(flat2.delta_npv < flat.delta_npv)


def test_a_larger_service_churn_reduction_never_lowers_customers():
    assumed = uncertainty.monte_carlo(APP_BUSINESS, SCENARIO, draws=DRAWS, seed=9)
    stronger = _scaled(APP_BUSINESS, "max_service_churn_reduction", 1.5)
    more = uncertainty.monte_carlo(stronger, SCENARIO, draws=DRAWS, seed=9)
    base = assumed.scenario.total_customers
    assert np.all(more.scenario.total_customers >= base - 1e-9 * base)
    assert np.any(more.scenario.total_customers > base + 1e-6)


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(mc):
    again = uncertainty.monte_carlo(APP_BUSINESS, SCENARIO, draws=DRAWS, seed=7)
    assert again.summary() == mc.summary()
    np.testing.assert_array_equal(again.delta_npv, mc.delta_npv)
    other = uncertainty.monte_carlo(APP_BUSINESS, SCENARIO, draws=DRAWS, seed=8)
    assert other.summary()["delta_npv_p50"] != mc.summary()["delta_npv_p50"]


def test_progress_is_reported_per_chunk_and_chunks_do_not_change_the_answer(monkeypatch, mc):
    monkeypatch.setattr(engine, "DRAW_CHUNK", 128)
    seen: list[float] = []
    chunked = uncertainty.monte_carlo(
        APP_BUSINESS, SCENARIO, draws=DRAWS, seed=7, on_progress=seen.append
    )
    # the baseline's 300 draws in chunks of 128, then the scenario's: 600 draws of work
    assert seen == [128 / 600, 256 / 600, 300 / 600, 428 / 600, 556 / 600, 1.0]
    # one quadrature for the whole run: the chunks change nothing but the last bits
    scale = float(np.max(np.abs(mc.scenario.npv)))
    np.testing.assert_allclose(chunked.delta_npv, mc.delta_npv, rtol=0, atol=1e-12 * scale)


# --- what the page shows ------------------------------------------------------------------------


def test_summary_quantiles_and_probabilities(mc):
    summary = mc.summary()
    assert summary["draws"] == DRAWS and summary["seed"] == 7
    assert summary["horizon_months"] == 36
    assert summary["delta_npv_p10"] <= summary["delta_npv_p50"] <= summary["delta_npv_p90"]
    assert summary["delta_npv_p50"] == np.median(mc.delta_npv)
    assert summary["probability_beats_baseline"] == np.mean(mc.delta_npv > 0)
    assert summary["quadrature_error"] < 1e-6
    assert mc.probability_of_loss(0.0) == np.mean(mc.delta_npv < 0)
    assert mc.probability_of_loss(1e12) == 0.0
    losses = [mc.probability_of_loss(x) for x in (0.0, 1e5, 1e6)]
    assert losses == sorted(losses, reverse=True)


def test_fan_is_tidy_and_its_quantiles_are_ordered(mc):
    fan = mc.fan()
    assert list(fan.columns) == ["measure", "case", "month", "p05", "p25", "p50", "p75", "p95"]
    assert set(fan["measure"]) == set(uncertainty.FAN_MEASURES)
    assert set(fan["case"]) == set(uncertainty.FAN_CASES)
    assert len(fan) == 3 * 3 * 36
    q = fan[["p05", "p25", "p50", "p75", "p95"]].to_numpy()
    assert np.all(np.diff(q, axis=1) >= -1e-9 * np.abs(q[:, :-1]).clip(min=1))
    diff = fan[(fan["measure"] == "cumulative_cash_flow") & (fan["case"] == "difference")]
    final = np.cumsum(mc.scenario.cash_flow - mc.baseline.cash_flow, axis=1)[:, -1]
    assert diff["p50"].iloc[-1] == pytest.approx(np.median(final))


def test_payback_distribution_is_cumulative(mc):
    dist = mc.payback_distribution()
    assert dist["month"].tolist() == list(range(1, 37))
    assert np.all(np.diff(dist["share"]) >= 0)
    assert dist["share"].iloc[-1] == pytest.approx(mc.probability_payback_within_horizon)


@pytest.mark.parametrize(
    "cumulative",
    [
        [0.0, 0.0, 0.0],
        [-5.0, -1.0, 3.0, 4.0],
        [-5.0, 1.0, -1.0, 3.0],
        [1.0, 2.0, 3.0],
        [1.0, 2.0, -3.0],
        [-1.0, -2.0, -3.0],
        [0.0, -1e-12, 5.0],
    ],
)
def test_vectorised_payback_matches_the_deterministic_rule(cumulative):
    got = uncertainty.payback_months(np.array([cumulative]))[0]
    expected = payback_month(np.array(cumulative))
    assert (math.isnan(got) and expected is None) or got == expected


# --- tornado ------------------------------------------------------------------------------------


def test_tornado_on_a_linear_toy_model_gives_the_exact_swings():
    business = APP_BUSINESS
    priors = {p.path: p for p in uncertain_parameters(business)}
    coefficients = {
        "segments.core.arpu_per_month": 3.0,
        "segments.price-sensitive.lasting_price_elasticity": -2.5,
        "service.tools.half_effect_cost_share": 1_000.0,
    }
    a = 100.0

    def linear(scenario, draws):
        total = np.full(draws.draws, a)
        for path, b in coefficients.items():
            total = total + b * draws.values[path]
        return total

    frame = uncertainty.tornado(business, SCENARIO, evaluate_rows=linear).set_index("path")
    for path, b in coefficients.items():
        width = float(priors[path].ppf(0.9) - priors[path].ppf(0.1))
        assert frame.loc[path, "swing"] == pytest.approx(abs(b) * width, rel=1e-12)
        assert frame.loc[path, "low_value"] == pytest.approx(float(priors[path].ppf(0.1)))
        assert frame.loc[path, "high_value"] == pytest.approx(float(priors[path].ppf(0.9)))
    others = frame.drop(index=list(coefficients))
    assert np.all(others["swing"] == 0.0)
    central = a + sum(b * priors[p].median for p, b in coefficients.items())
    assert frame.attrs["delta_npv_central"] == pytest.approx(central, rel=1e-12)
    # sorted by swing: the three moved parameters first
    order = sorted(coefficients, key=lambda p: -frame.loc[p, "swing"])
    assert list(frame.index[:3]) == order


def test_tornado_on_the_sample_is_sorted_and_includes_the_settings():
    frame = uncertainty.tornado(APP_BUSINESS, SCENARIO)
    assert list(frame.columns) == [
        "path",
        "low_value",
        "high_value",
        "delta_npv_low",
        "delta_npv_high",
        "swing",
        "kind",
        "source",
    ]
    assert np.all(np.diff(frame["swing"]) <= 0)
    settings = frame[frame["kind"] == "setting"].set_index("path")
    assert set(settings.index) == {"annual_discount_rate", "horizon_months"}
    assert settings.loc["horizon_months", "low_value"] == 12
    assert settings.loc["horizon_months", "high_value"] == 60
    assert settings.loc["annual_discount_rate", "low_value"] == pytest.approx(0.05)
    assert len(frame) == len(uncertain_parameters(APP_BUSINESS)) + 2
    evaluation = simulator.evaluate(APP_BUSINESS, SCENARIO, breakeven=False)
    assert frame.attrs["delta_npv_central"] == pytest.approx(evaluation.delta_npv, rel=1e-6)
    failure = frame.set_index("path").loc[FAILURE_PATH]
    assert (failure["low_value"], failure["high_value"]) == (0.0, 1.0)
    assert failure["delta_npv_high"] < failure["delta_npv_low"]  # a failed programme is worse
    # a longer horizon at the central values is the deterministic run over that horizon
    longer = simulator.evaluate(APP_BUSINESS, SCENARIO.with_changes(horizon_months=60))
    assert settings.loc["horizon_months", "delta_npv_high"] == pytest.approx(
        longer.delta_npv, rel=1e-6
    )


# --- rank correlations and the break-even elasticity --------------------------------------------


def test_rank_correlations_are_spearman_sorted_by_size(mc):
    frame = uncertainty.rank_correlations(mc)
    assert list(frame.columns) == ["path", "spearman"]
    assert np.all(np.diff(frame["spearman"].abs()) <= 1e-15)
    assert frame["spearman"].between(-1, 1).all()
    for path in frame["path"].head(3):
        column = (
            (~mc.parameters.service_works).astype(float)
            if path == FAILURE_PATH
            else mc.parameters.values[path]
        )
        rho = spearmanr(column, mc.delta_npv).statistic
        assert frame.set_index("path").loc[path, "spearman"] == pytest.approx(rho, abs=1e-12)
    assert frame["path"].iloc[0] == FAILURE_PATH  # the programme failing matters most here


def test_elasticity_exceedance_for_a_price_increase():
    frame = uncertainty.elasticity_exceedance(APP_BUSINESS, SCENARIO)
    result = simulator.evaluate(APP_BUSINESS, SCENARIO).breakeven_elasticity
    assert frame.attrs["status"] == result.status == "found"
    priors = {p.path: p for p in uncertain_parameters(APP_BUSINESS)}
    for row in frame.itertuples():
        prior = priors[f"segments.{row.segment}.lasting_price_elasticity"]
        assert row.breakeven_elasticity == pytest.approx(result.scale * row.elasticity)
        # P(eta > eta*) from the prior's own CDF: the share of a fine grid of quantiles above it
        q = (np.arange(200_000) + 0.5) / 200_000
        share = np.mean(prior.ppf(q) > row.breakeven_elasticity)
        assert row.probability_exceeds == pytest.approx(share, abs=1e-5)


def test_elasticity_exceedance_is_empty_without_a_price_increase():
    scenario = SCENARIO.with_changes(price_change=-0.05)
    frame = uncertainty.elasticity_exceedance(APP_BUSINESS, scenario)
    assert frame.empty and frame.attrs["status"] == "no_increase"
    assert isinstance(frame, pd.DataFrame)


def test_a_later_run_reuses_the_baseline_only_when_it_is_the_same(monkeypatch):
    business, scenario = APP_BUSINESS, replace(simulator.example_scenario(), horizon_months=24)
    first = uncertainty.monte_carlo(business, scenario, draws=300, seed=4)
    other = scenario.with_changes(price_change=0.12, people_spend_per_month=0.0)
    fresh = uncertainty.monte_carlo(business, other, draws=300, seed=4)
    projected: list[Scenario] = []
    real = uncertainty.simulate_draws

    def counting(b, s, *args, **kwargs):
        projected.append(s)
        return real(b, s, *args, **kwargs)

    monkeypatch.setattr(uncertainty, "simulate_draws", counting)
    reused = uncertainty.monte_carlo(business, other, draws=300, seed=4, reuse=first)
    assert projected == [other]  # the baseline was taken over, not projected again
    np.testing.assert_array_equal(reused.delta_npv, fresh.delta_npv)
    assert reused.probability_beats_baseline == fresh.probability_beats_baseline
    # Another seed, horizon or business: the earlier run does not fit and is ignored.
    for kwargs, scn, biz in (
        ({"seed": 5}, other, business),
        ({"seed": 4}, other.with_changes(horizon_months=36), business),
        ({"seed": 4}, other, simulator.sample_business()),
    ):
        projected.clear()
        uncertainty.monte_carlo(biz, scn, draws=300, reuse=first, **kwargs)
        assert len(projected) == 2
