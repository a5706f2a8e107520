"""Test before you raise (issue 22): test designs, power, EVPI and EVSI, cost and delay.

The precision a design promises is checked against the real estimator on generated tests
(simulator.data.price_histories + simulator.data.price_response), and so is its power.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.special import ndtri

import simulator
from simulator.data.price_histories import generate_price_history
from simulator.data.price_response import calibrate_price_response
from simulator.decisions.preposterior import (
    ValuePolynomial,
    cell_likelihood,
    preposterior,
    score_grid,
)
from simulator.decisions.price_test import design_test
from simulator.decisions.price_test_information import segment_test_information
from simulator.decisions.price_test_rise import elasticity_path, rise_under_test, rise_values
from simulator.decisions.priors import draw_parameters
from simulator.model.engine import simulate
from simulator.model.finance import monthly_discount_rate
from simulator.model.params import Evidence, Segment
from simulator.model.sbg import sbg_survival

from .conftest import APP_BUSINESS, one_segment_business

EXAMPLE = simulator.example_scenario()


@pytest.fixture(scope="module")
def plan():
    """The default scenario's designs: shares 5 %, 10 %, 20 % x 3 and 6 months, 1,000 draws."""
    return design_test(APP_BUSINESS, EXAMPLE, draws=1000, seed=0)


# --- the designs on the default scenario --------------------------------------------------------


def test_evpi_bounds_every_designs_evsi_and_no_evsi_is_negative(plan):
    assert len(plan.designs) == 6
    assert plan.evpi > 0
    for design in plan.designs:
        assert 0.0 <= design.evsi <= plan.evpi
    # EVPI about the churn response is part of the EVPI about everything drawn
    assert plan.evpi <= plan.evpi_all
    assert 0.0 < plan.evpi_acquisition <= plan.evpi_all * 1.05


def test_power_and_evsi_rise_with_the_share_and_the_length_of_the_test(plan):
    by = {(d.share, d.months): d for d in plan.designs}
    for months in (3, 6):
        row = [by[share, months] for share in (0.05, 0.10, 0.20)]
        assert [d.evsi for d in row] == sorted(d.evsi for d in row)
        assert [d.power for d in row] == sorted(d.power for d in row)
        assert row[0].evsi < row[-1].evsi and row[0].power < row[-1].power
    for share in (0.05, 0.10, 0.20):
        assert by[share, 3].evsi < by[share, 6].evsi
        assert by[share, 3].power < by[share, 6].power
        widths = by[share, 3].interval_width_hr10, by[share, 6].interval_width_hr10
        assert widths[0] > widths[1] > 0


def test_net_value_is_evsi_less_the_cost_of_the_test_and_of_the_delay(plan):
    for d in plan.designs:
        assert d.cost == pytest.approx(d.test_cost + d.delay_cost)
        assert d.net_value == pytest.approx(d.evsi - d.cost)
        assert d.customers_lost > 0 and d.customers_tested > 0
    by = {(d.share, d.months): d for d in plan.designs}
    # the test's own cost is proportional to the share tested
    assert by[0.2, 3].test_cost == pytest.approx(4 * by[0.05, 3].test_cost)
    best = plan.best
    assert best is None or best.net_value == max(d.net_value for d in plan.designs)


def test_the_plan_is_reproducible_and_the_seed_matters():
    small = {"draws": 300, "shares": (0.1,), "months": (4,)}
    first = design_test(APP_BUSINESS, EXAMPLE, seed=5, **small).to_dict()
    assert design_test(APP_BUSINESS, EXAMPLE, seed=5, **small).to_dict() == first
    assert design_test(APP_BUSINESS, EXAMPLE, seed=6, **small).to_dict() != first


# --- when learning is worth nothing -------------------------------------------------------------


def test_evpi_and_evsi_are_zero_when_the_price_response_is_known():
    known = dataclasses.replace(
        APP_BUSINESS,
        evidence=tuple(
            Evidence(
                path=elasticity_path(s.name),
                grade="randomised_test",
                low=s.lasting_price_elasticity,
                high=s.lasting_price_elasticity,
            )
            for s in APP_BUSINESS.segments
        ),
    )
    plan = design_test(known, EXAMPLE, draws=400, seed=0)
    assert plan.learnable == ()
    assert plan.evpi == 0.0
    assert all(d.evsi == 0.0 for d in plan.designs)
    assert all(d.net_value <= 1e-9 for d in plan.designs)
    assert plan.best is None
    assert plan.evpi_all > 0  # the rest is still uncertain


def test_evpi_and_evsi_are_zero_when_the_decision_is_the_same_in_every_draw():
    # No acquisition response, reservation prices or word of mouth: +5 % pays in every draw,
    # whatever the (uncertain) lasting elasticity.
    business = one_segment_business(
        lasting_price_elasticity=0.3,
        sbg_alpha=2.0,
        sbg_beta=40.0,
        base_customers_by_tenure=(100.0,) * 48,
        uncontrollable_churn_share=0.3,
    )
    scenario = simulator.Scenario(price_change=0.05, price_change_month=2, horizon_months=36)
    parameters = draw_parameters(business, 400, seed=0)
    assert np.all(rise_values(business, scenario, parameters) > 0)
    plan = design_test(business, scenario, draws=400, seed=0)
    assert plan.learnable == ("only",)
    assert plan.evpi == 0.0 and plan.evpi_all == 0.0
    assert all(d.evsi == 0.0 for d in plan.designs)
    assert plan.raise_now and plan.best is None
    # Testing then only delays a rise that pays: for the customers not tested, by m months.
    factor = 1 / (1 + monthly_discount_rate(scenario.annual_discount_rate))
    for d in plan.designs:
        delay = (1 - factor**d.months) * (1 - d.share) * plan.value_now
        assert d.net_value == pytest.approx(-delay, rel=0.05)


# --- the cost of a test ------------------------------------------------------------------------


def test_a_test_on_customers_who_do_not_react_costs_minus_their_extra_revenue():
    business = one_segment_business(
        sbg_alpha=2.0, sbg_beta=30.0, base_customers_by_tenure=(50.0,) * 60
    )
    business = dataclasses.replace(
        business, service=dataclasses.replace(business.service, rise_contacts_per_100=0.0)
    )
    scenario = simulator.Scenario(price_change=0.08, price_change_month=3, horizon_months=36)
    plan = design_test(business, scenario, shares=(0.25,), months=(4,), draws=400, seed=1)
    (design,) = plan.designs
    # The segment has no acquisitions and no price response: the tested quarter pays 8 % more
    # in months 3-6 and nobody leaves because of it.
    base = simulate(business, scenario.with_changes(price_change=0.0)).monthly.set_index("month")
    x = 1 / (1 + monthly_discount_rate(scenario.annual_discount_rate))
    extra = sum(base.loc[t, "customers"] * 50.0 * 0.08 * x ** (t - 1) for t in range(3, 7))
    assert design.customers_lost == pytest.approx(0.0, abs=1e-6)
    assert design.test_cost == pytest.approx(-0.25 * extra, rel=0.01)  # ARPU is drawn (+-3 %)


# --- bad designs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"shares": (0.0,)}, "strictly between 0 and 1"),
        ({"shares": (1.0,)}, "strictly between 0 and 1"),
        ({"months": (1,)}, "at least 2 whole months"),
        ({"months": (58,)}, "beyond the 60-month horizon"),
        ({"segments": ("gold",)}, "no segment named 'gold'"),
        ({"segments": ()}, "at least one segment"),
    ],
)
def test_bad_designs_are_refused_in_plain_words(options, words):
    with pytest.raises(ValueError, match=words):
        design_test(APP_BUSINESS, EXAMPLE, draws=50, **options)


def test_a_scenario_without_a_rise_has_nothing_to_test():
    with pytest.raises(ValueError, match="does not raise what 'core' customers pay"):
        design_test(APP_BUSINESS, EXAMPLE.with_changes(price_change=-0.05), draws=50)


def test_the_tested_rise_counts_a_fee_at_face_value_and_feels_its_unfairness():
    segment = APP_BUSINESS.segment("core")
    rise = rise_under_test(
        APP_BUSINESS, EXAMPLE.with_changes(price_change=0.0, monthly_fee=5.0), segment
    )
    assert rise.log_price_ratio == pytest.approx(math.log(1 + 5.0 / segment.arpu_per_month))
    felt = math.log(1 + 1.5 * 5.0 / segment.arpu_per_month) - segment.price_threshold
    assert rise.felt_log_price == pytest.approx(felt)
    eta = np.array([0.2, 1.0, 3.0])
    assert np.allclose(rise.elasticity(rise.measured(eta)), eta)


# --- the precision of a test against the real estimator -------------------------------------------

GENERATED = {"alpha": 1.0, "beta": 8.0, "kappa": 0.4, "plan_prices": (30.0,)}


def _population(customers: int, months: int) -> Segment:
    """The existing customers at the change of a generated history: starts uniform over 60
    months, so customers / 60 joined n months before the change, S(n) of them still there."""
    a, b = GENERATED["alpha"], GENERATED["beta"]
    base = customers / 60 * sbg_survival(a, b, np.arange(60 - months))
    return Segment(
        name="all",
        arpu_per_month=30.0,
        variable_cost_per_month=10.0,
        sbg_alpha=a,
        sbg_beta=b,
        base_customers_by_tenure=tuple(base),
        uncontrollable_churn_share=0.0,
    )


def _generated_test(customers, months, share, rise, eta, seed):
    """A randomised test of ``months`` renewals at the new price, read by the real estimator."""
    table, prices = generate_price_history(
        customers,
        design="staggered",
        rng=np.random.default_rng(seed),
        control_share=1 - share,
        rollout_months=1,
        change_months_before_as_of=months - 1,
        rises=(rise,),
        eta=eta,
        **GENERATED,
    )
    return calibrate_price_response(table, prices).segments[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("customers", "months", "share", "rise", "eta"),
    [(6000, 6, 0.3, 0.10, 2.0), (12000, 3, 0.15, 0.10, 1.0)],
)
def test_the_information_predicts_the_estimators_standard_error(
    customers, months, share, rise, eta
):
    info = segment_test_information(
        _population(customers, months),
        months=months,
        log_price_ratio=math.log(1 + rise),
        elasticities=np.linspace(-1, 6, 29),
        first_month=GENERATED["kappa"],
        joining_per_month=customers / 60,
    )
    predicted = float(info.standard_deviation(share, eta))
    fits = [_generated_test(customers, months, share, rise, eta, 900 + r) for r in range(12)]
    reported = np.mean([f.elasticity_standard_error for f in fits])
    assert reported == pytest.approx(predicted, rel=0.08)
    spread = np.std([f.elasticity for f in fits], ddof=1)
    assert 0.55 * predicted < spread < 1.6 * predicted  # 12 fits: the sample sd is rough


def test_a_longer_or_larger_test_measures_more_precisely():
    segment = APP_BUSINESS.segment("price-sensitive")
    sds = {}
    for months in (2, 3, 6, 12):
        info = segment_test_information(
            segment,
            months=months,
            log_price_ratio=math.log(1.05),
            elasticities=np.linspace(0, 5, 11),
        )
        sds[months] = [float(info.standard_deviation(s, 1.2)) for s in (0.05, 0.1, 0.2, 0.5)]
    for months, row in sds.items():
        assert row == sorted(row, reverse=True), months
    assert sds[2][0] > sds[3][0] > sds[6][0] > sds[12][0]
    with pytest.raises(ValueError, match="at least 2 months"):
        segment_test_information(
            segment, months=1, log_price_ratio=math.log(1.05), elasticities=np.array([1.0])
        )


@pytest.mark.slow
def test_power_matches_a_brute_force_simulation_of_the_test_and_its_estimator():
    # One segment as the generator draws it, no uncontrollable churn and no latitude, so the
    # engine's eta is what the estimator measures. Prior: eta log-normal around 2 (log-sd 0.6);
    # the rise pays when eta is below 2 (V = -z). A +40 % test on half of 2,000 customers for
    # six months settles it correctly about 40 % of the time.
    customers, months, share, rise = 2000, 6, 0.5, 0.40
    median, log_sd = 2.0, 0.6
    grid = score_grid(201)
    measured = median * np.exp(log_sd * grid.nodes)
    info = segment_test_information(
        _population(customers, months),
        months=months,
        log_price_ratio=math.log(1 + rise),
        elasticities=np.linspace(measured.min(), measured.max(), 61),
        first_month=GENERATED["kappa"],
        joining_per_month=customers / 60,
    )
    value = ValuePolynomial(exponents=np.array([[0], [1]]), coefficients=np.array([[0.0, -1.0]]))
    mixed = np.array([[-1.0, 1.0]])

    def power(scale: float) -> float:
        sd = scale * info.standard_deviation(share, measured)
        cells = median * np.exp(log_sd * np.linspace(-4, 4, 121))
        likelihood, _ = cell_likelihood(measured, sd, cells)
        return preposterior(value, [grid], {0: likelihood}, mixed).power

    fast = power(1.0)
    # Brute force: stratified true elasticities, a generated test each, the real estimator, the
    # same verdict (the posterior chance the rise pays at least 95 % or at most 5 %).
    strata = 48
    settled_right, scores = [], []
    for r in range(strata):
        z = float(ndtri((r + 0.5) / strata))
        eta = median * math.exp(log_sd * z)
        fit = _generated_test(customers, months, share, rise, eta, 500 + r)
        weights = grid.weights * np.exp(
            -0.5 * ((fit.elasticity - measured) / fit.elasticity_standard_error) ** 2
        )
        weights /= weights.sum()
        mean = -(weights @ grid.nodes)
        sd = math.sqrt(max(weights @ grid.nodes**2 - (weights @ grid.nodes) ** 2, 0.0))
        settled_right.append(abs(mean) >= 1.6448536269514722 * sd and np.sign(mean) == -np.sign(z))
        scores.append((fit.elasticity - eta) / float(info.standard_deviation(share, eta)))
    brute = float(np.mean(settled_right))
    assert brute == pytest.approx(fast, abs=0.15)  # binomial sd of 48 strata: at most 0.07
    assert abs(np.mean(scores)) < 0.35 and 0.7 < np.std(scores, ddof=1) < 1.35
    # and the check can tell a wrong precision: half or twice the sd moves the power by > 0.25
    assert power(0.5) - fast > 0.25 and fast - power(2.0) > 0.25


def test_an_extreme_rise_still_gives_a_plan_in_valid_json():
    import json

    plan = design_test(APP_BUSINESS, EXAMPLE.with_changes(price_change=9.0), draws=300)
    text = json.dumps(plan.to_dict(), allow_nan=False)  # no NaN or infinity
    assert not plan.raise_now and plan.best is None
    assert '"designs"' in text
