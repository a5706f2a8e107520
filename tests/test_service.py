"""Service investment chain: oracle O10 (Hill and ramp) and the FCR identity of model.md 3.4."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from simulator.model.params import LEVERS, LeverResponse, Scenario
from simulator.model.service import LOADINGS, hill, quality_index, ramp

from .conftest import one_segment_business, service_operations

EXACT = 1e-12
SPECIAL = 1e-9

# O10: Hill --------------------------------------------------------------------------------------


@pytest.mark.parametrize("exponent", [0.5, 1.0, 1.5, 2.0, 7.0])
@pytest.mark.parametrize("half_effect", [1.0, 37.5, 15_000.0])
def test_hill_is_exactly_one_half_at_the_half_effect_spend(exponent, half_effect):
    assert hill(half_effect, half_effect, exponent) == 0.5


@pytest.mark.parametrize(
    ("x_over_x50", "exponent", "expected"),
    [(3.0, 1.0, 0.75), (3.0, 2.0, 0.9), (1.0 / 3.0, 2.0, 0.1)],
)
def test_hill_matches_the_oracle_values(x_over_x50, exponent, expected):
    x50 = 12_000.0
    assert hill(x_over_x50 * x50, x50, exponent) == pytest.approx(expected, rel=EXACT)


def test_hill_is_zero_without_spend_increasing_and_below_one():
    x = np.linspace(0.0, 1e6, 1001)
    q = hill(x, 10_000.0, 1.5)
    assert q[0] == 0.0
    assert np.all(np.diff(q) > 0)
    assert np.all(q < 1.0)


def test_hill_treats_negative_spend_as_none():
    assert hill(-5.0, 10.0, 1.0) == 0.0


# O10: ramp --------------------------------------------------------------------------------------


@pytest.mark.parametrize("half_life", [1, 2, 4, 9])
def test_ramp_reaches_half_after_h_and_three_quarters_after_2h_months(half_life):
    effect = ramp(np.full(2 * half_life, 1.0), float(half_life))
    assert effect[half_life - 1] == pytest.approx(0.5, rel=EXACT)
    assert effect[2 * half_life - 1] == pytest.approx(0.75, rel=EXACT)


def test_ramp_after_half_a_half_life_is_1_minus_2_to_the_minus_one_half():
    effect = ramp(np.full(3, 1.0), 2.0)
    assert effect[0] == pytest.approx(1 - 2**-0.5, rel=EXACT)
    assert effect[0] == pytest.approx(0.2928932188, rel=SPECIAL)


def test_ramp_scales_with_spend_and_tends_to_the_sustained_spend():
    effect = ramp(np.full(200, 4_000.0), 4.0)
    np.testing.assert_allclose(effect, 4_000.0 * (1 - 0.5 ** (np.arange(1, 201) / 4.0)), rtol=EXACT)
    assert effect[-1] == pytest.approx(4_000.0, rel=1e-12)


def test_ramp_decays_at_the_same_rate_once_spending_stops():
    spend = np.concatenate((np.full(400, 1.0), np.zeros(4)))
    effect = ramp(spend, 2.0)
    assert effect[399] == pytest.approx(1.0, rel=EXACT)
    assert effect[401] == pytest.approx(0.5, rel=EXACT)
    assert effect[403] == pytest.approx(0.25, rel=EXACT)


def test_ramp_rejects_a_half_life_that_is_not_positive():
    with pytest.raises(ValueError, match="half_life_months"):
        ramp([1.0], 0.0)


# quality index ----------------------------------------------------------------------------------

CUSTOMERS = 1000.0
"""The business of :func:`business`: 1,000 customers today."""


def business(service=None):
    """One segment of :data:`CUSTOMERS` customers on ``service`` (conftest's by default)."""
    return one_segment_business(service=service)


def handling_cost(ops) -> float:
    """The desk's monthly handling cost today: contacts x minutes x cost per minute. With agents
    derived from handling minutes, every lever's volume x unit cost is this amount."""
    contacts = CUSTOMERS * ops.issues_per_customer_month / ops.first_contact_resolution
    return contacts * ops.handling_time_minutes * ops.cost_per_handling_minute


def test_quality_index_is_zero_and_kpis_are_today_s_without_spend():
    ops = service_operations()
    frame = quality_index(business(ops), Scenario(horizon_months=24))
    assert list(frame["month"]) == list(range(1, 25))
    assert np.all(frame["quality_index"] == 0.0)
    assert np.all(frame["csat"] == ops.csat)
    assert np.all(frame["first_contact_resolution"] == ops.first_contact_resolution)
    assert np.all(frame["handling_time_minutes"] == ops.handling_time_minutes)
    assert np.all(frame["service_spend"] == 0.0)
    assert np.all(frame["arpu_uplift"] == 0.0) and np.all(frame["attrition_reduction"] == 0.0)


def test_a_lever_responds_to_its_budget_per_unit_against_a_share_of_the_unit_cost():
    """Tools are read per contact, the other levers per agent-month; the half effect is the
    cost share times the unit cost, so the Hill argument is the budget over the share of the
    desk's monthly handling cost."""
    ops = service_operations(
        tools=LeverResponse(ramp_half_life_months=1.0, half_effect_cost_share=0.5, weight=0.3),
        training=LeverResponse(
            ramp_half_life_months=3.0,
            half_effect_cost_share=1.5,
            hill_exponent=2.0,
            weight=0.6,
        ),
    )
    scenario = Scenario(
        tools_spend_per_month=1_500.0,
        training_spend_per_month=2_500.0,
        incentives_spend_per_month=500.0,
        people_spend_per_month=0.0,
        horizon_months=36,
    )
    frame = quality_index(business(ops), scenario)
    shortfall = np.ones(36)
    cost = handling_cost(ops)
    for lever in LEVERS:
        r = ops.lever(lever)
        stock = ramp(np.full(36, scenario.spend_per_month(lever)), r.ramp_half_life_months)
        q = hill(stock, r.half_effect_cost_share * cost, r.hill_exponent)
        np.testing.assert_allclose(frame[f"response_{lever}"], q, rtol=EXACT)
        shortfall *= 1 - r.weight * q
    np.testing.assert_allclose(frame["quality_index"], 1 - shortfall, rtol=EXACT)
    assert np.all(frame["service_spend"] == 4_500.0)


def test_quality_index_stays_below_one_at_a_hundred_times_the_half_effect_spend():
    ops = service_operations(
        **{
            lever: LeverResponse(ramp_half_life_months=1.0, half_effect_cost_share=0.01, weight=1.0)
            for lever in LEVERS
        }
    )
    budget = 100 * 0.01 * handling_cost(ops)
    scenario = Scenario(**{f"{lever}_spend_per_month": budget for lever in LEVERS})
    dq = quality_index(business(ops), scenario)["quality_index"].to_numpy()
    assert np.all((dq > 0) & (dq < 1))


def test_quality_index_never_exceeds_one_even_with_absurd_spend():
    # In floating point dQ may round to exactly 1; every use of dQ is safe there (M_max < 1,
    # FCR + gain < 1, CSAT + gain <= 1 are validated).
    ops = service_operations(
        **{
            lever: LeverResponse(ramp_half_life_months=1.0, half_effect_cost_share=0.01, weight=1.0)
            for lever in LEVERS
        }
    )
    scenario = Scenario(**{f"{lever}_spend_per_month": 1e9 for lever in LEVERS})
    frame = quality_index(business(ops), scenario)
    assert np.all((frame["quality_index"] >= 0) & (frame["quality_index"] <= 1))
    assert np.all(frame["first_contact_resolution"] < 1)
    assert np.all(frame["csat"] <= 1)


def test_each_kpi_moves_by_its_maximum_gain_times_its_own_levers_index():
    ops = service_operations(
        csat=0.7,
        max_csat_gain=0.2,
        max_fcr_gain=0.1,
        max_handling_time_reduction=0.25,
        max_arpu_uplift=0.03,
        max_attrition_reduction=0.1,
    )
    frame = quality_index(
        business(ops), Scenario(people_spend_per_month=2_000.0, horizon_months=12)
    )
    dq = frame["quality_index"].to_numpy()
    q = frame["response_people"].to_numpy()
    assert dq[-1] > 0
    # only people spend: each KPI's index is its people loading times the response
    load = LOADINGS
    np.testing.assert_allclose(dq, ops.people.weight * q, rtol=EXACT)
    np.testing.assert_allclose(frame["csat"], 0.7 + 0.2 * dq, rtol=EXACT)
    fcr = 0.7 + 0.1 * load["resolution"]["people"] * q
    np.testing.assert_allclose(frame["first_contact_resolution"], fcr, rtol=EXACT)
    aht = 8.0 * (1 - 0.25 * load["handling_time"]["people"] * q)
    np.testing.assert_allclose(frame["handling_time_minutes"], aht, rtol=EXACT)
    np.testing.assert_allclose(frame["cost_per_contact"], aht * 1.0, rtol=EXACT)
    assert np.all(frame["arpu_uplift"] == 0.0)  # people do not cross-sell
    attrition = 0.1 * load["attrition"]["people"] * q
    np.testing.assert_allclose(frame["attrition_reduction"], attrition, rtol=EXACT)


def test_each_lever_moves_only_what_its_mechanism_moves():
    ops = service_operations(max_arpu_uplift=0.03, max_attrition_reduction=0.1)
    for lever, silent in (
        ("tools", ()),
        ("incentives", ("handling_time_minutes", "first_contact_resolution")),
        ("people", ("arpu_uplift",)),
    ):
        frame = quality_index(
            business(ops), Scenario(**{f"{lever}_spend_per_month": 2_000.0}, horizon_months=12)
        )
        for column in silent:
            assert frame[column].nunique() == 1, (lever, column)
        assert frame["quality_index"].iloc[-1] > 0


def test_a_business_already_spending_gets_only_the_rest_of_the_curve():
    """q = h(x_now + E) - h(x_now): with today's spend at the half effect (n = 1), the first
    euro does half what it does from nothing (h' = x50 / (x50 + x)^2)."""
    lever = LeverResponse(ramp_half_life_months=1e-6, half_effect_cost_share=1.0, weight=1.0)
    now = replace(lever, current_spend_per_month=handling_cost(service_operations()))
    small = 1.0
    fresh = quality_index(
        business(service_operations(tools=lever)), Scenario(tools_spend_per_month=small)
    )
    spending = quality_index(
        business(service_operations(tools=now)), Scenario(tools_spend_per_month=small)
    )
    ratio = spending["response_tools"].iloc[-1] / fresh["response_tools"].iloc[-1]
    assert ratio == pytest.approx(0.25, rel=1e-3)  # (x50 / (2 x50))^2 against 1


def test_diminishing_returns_beyond_the_inflection_of_each_lever():
    """Hill with n = 1.5 is S-shaped: returns grow up to x50 ((n - 1) / (n + 1)) ** (1 / n) and
    fall beyond it; each further thousand adds less to satisfaction than the one before."""
    ops = service_operations(
        **{
            lever: LeverResponse(
                ramp_half_life_months=1.0, half_effect_cost_share=1.0, hill_exponent=1.5
            )
            for lever in LEVERS
        }
    )
    inflection = handling_cost(ops) * (0.5 / 2.5) ** (1 / 1.5)
    for lever in LEVERS:
        budgets = inflection + np.arange(0, 10) * 1_000.0
        ends = [
            quality_index(
                business(ops), Scenario(**{f"{lever}_spend_per_month": b}, horizon_months=24)
            )["quality_index"].iloc[-1]
            for b in budgets
        ]
        gains = np.diff(ends)
        assert np.all(gains > 0) and np.all(np.diff(gains) < 0), lever


# FCR identity -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fcr", "expected"), [(0.70, 1.4285714), (0.75, 1.3333333)])
def test_contacts_per_issue_are_one_over_first_contact_resolution(fcr, expected):
    ops = service_operations(issues_per_customer_month=1.0, first_contact_resolution=fcr)
    contacts = quality_index(business(ops), Scenario(horizon_months=12))["contacts_per_customer"]
    np.testing.assert_allclose(contacts, 1.0 / fcr, rtol=EXACT)
    assert contacts.iloc[0] == pytest.approx(expected, abs=5e-8)


def test_raising_fcr_from_70_to_75_percent_cuts_contacts_by_6_67_percent():
    def contacts(fcr: float) -> float:
        ops = service_operations(issues_per_customer_month=1.0, first_contact_resolution=fcr)
        frame = quality_index(business(ops), Scenario(horizon_months=12))
        return float(frame["contacts_per_customer"][0])

    assert contacts(0.75) / contacts(0.70) - 1 == pytest.approx(-1 / 15, rel=EXACT)


def test_contacts_follow_issues_over_the_improved_fcr_when_service_improves():
    ops = service_operations(issues_per_customer_month=0.25, max_fcr_gain=0.1)
    scenario = Scenario(training_spend_per_month=3_000.0, horizon_months=24)
    frame = quality_index(business(ops), scenario)
    np.testing.assert_allclose(
        frame["contacts_per_customer"], 0.25 / frame["first_contact_resolution"], rtol=EXACT
    )
    resolution = LOADINGS["resolution"]["training"] * frame["response_training"].iloc[0]
    assert math.isclose(
        frame["contacts_per_customer"].iloc[0], 0.25 / (0.7 + 0.1 * resolution), rel_tol=EXACT
    )
    assert frame["contacts_per_customer"].is_monotonic_decreasing
