"""Service investment chain: oracle O10 (Hill and ramp) and the FCR identity of model.md 3.4."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.model.params import LEVERS, LeverResponse, Scenario
from simulator.model.service import hill, quality_index, ramp

from .conftest import service_operations

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


def test_quality_index_is_zero_and_kpis_are_today_s_without_spend():
    ops = service_operations()
    frame = quality_index(ops, Scenario(horizon_months=24))
    assert list(frame["month"]) == list(range(1, 25))
    assert np.all(frame["quality_index"] == 0.0)
    assert np.all(frame["csat"] == ops.csat)
    assert np.all(frame["first_contact_resolution"] == ops.first_contact_resolution)
    assert np.all(frame["handling_time_minutes"] == ops.handling_time_minutes)
    assert np.all(frame["service_spend"] == 0.0)


def test_quality_index_combines_levers_as_one_minus_the_product_of_shortfalls():
    ops = service_operations(
        tools=LeverResponse(
            ramp_half_life_months=1.0, half_effect_spend_per_month=1_000.0, weight=0.3
        ),
        training=LeverResponse(
            ramp_half_life_months=3.0,
            half_effect_spend_per_month=2_000.0,
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
    frame = quality_index(ops, scenario)
    shortfall = np.ones(36)
    for lever in LEVERS:
        r = ops.lever(lever)
        stock = ramp(np.full(36, scenario.spend_per_month(lever)), r.ramp_half_life_months)
        q = hill(stock, r.half_effect_spend_per_month, r.hill_exponent)
        np.testing.assert_allclose(frame[f"response_{lever}"], q, rtol=EXACT)
        shortfall *= 1 - r.weight * q
    np.testing.assert_allclose(frame["quality_index"], 1 - shortfall, rtol=EXACT)
    assert np.all(frame["service_spend"] == 4_500.0)


def test_quality_index_stays_below_one_at_a_hundred_times_the_half_effect_spend():
    ops = service_operations(
        **{
            lever: LeverResponse(
                ramp_half_life_months=1.0, half_effect_spend_per_month=1.0, weight=1.0
            )
            for lever in LEVERS
        }
    )
    scenario = Scenario(**{f"{lever}_spend_per_month": 100.0 for lever in LEVERS})
    dq = quality_index(ops, scenario)["quality_index"].to_numpy()
    assert np.all((dq > 0) & (dq < 1))


def test_quality_index_never_exceeds_one_even_with_absurd_spend():
    # In floating point dQ may round to exactly 1; every use of dQ is safe there (M_max < 1,
    # FCR + gain < 1, CSAT + gain <= 1 are validated).
    ops = service_operations(
        **{
            lever: LeverResponse(
                ramp_half_life_months=1.0, half_effect_spend_per_month=1.0, weight=1.0
            )
            for lever in LEVERS
        }
    )
    scenario = Scenario(**{f"{lever}_spend_per_month": 1e9 for lever in LEVERS})
    frame = quality_index(ops, scenario)
    assert np.all((frame["quality_index"] >= 0) & (frame["quality_index"] <= 1))
    assert np.all(frame["first_contact_resolution"] < 1)
    assert np.all(frame["csat"] <= 1)


def test_kpis_move_by_their_maximum_gain_times_the_quality_index():
    ops = service_operations(
        csat=0.7, max_csat_gain=0.2, max_fcr_gain=0.1, max_handling_time_reduction=0.25
    )
    frame = quality_index(ops, Scenario(people_spend_per_month=20_000.0, horizon_months=12))
    dq = frame["quality_index"].to_numpy()
    assert dq[-1] > 0
    np.testing.assert_allclose(frame["csat"], 0.7 + 0.2 * dq, rtol=EXACT)
    np.testing.assert_allclose(frame["first_contact_resolution"], 0.7 + 0.1 * dq, rtol=EXACT)
    np.testing.assert_allclose(frame["handling_time_minutes"], 8.0 * (1 - 0.25 * dq), rtol=EXACT)
    np.testing.assert_allclose(frame["cost_per_contact"], 8.0 * (1 - 0.25 * dq) * 1.0, rtol=EXACT)


# FCR identity -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fcr", "expected"), [(0.70, 1.4285714), (0.75, 1.3333333)])
def test_contacts_per_issue_are_one_over_first_contact_resolution(fcr, expected):
    ops = service_operations(issues_per_customer_month=1.0, first_contact_resolution=fcr)
    contacts = quality_index(ops, Scenario(horizon_months=12))["contacts_per_customer"]
    np.testing.assert_allclose(contacts, 1.0 / fcr, rtol=EXACT)
    assert contacts.iloc[0] == pytest.approx(expected, abs=5e-8)


def test_raising_fcr_from_70_to_75_percent_cuts_contacts_by_6_67_percent():
    def contacts(fcr: float) -> float:
        ops = service_operations(issues_per_customer_month=1.0, first_contact_resolution=fcr)
        return float(quality_index(ops, Scenario(horizon_months=12))["contacts_per_customer"][0])

    assert contacts(0.75) / contacts(0.70) - 1 == pytest.approx(-1 / 15, rel=EXACT)


def test_contacts_follow_issues_over_the_improved_fcr_when_service_improves():
    ops = service_operations(issues_per_customer_month=0.25, max_fcr_gain=0.1)
    frame = quality_index(ops, Scenario(training_spend_per_month=30_000.0, horizon_months=24))
    np.testing.assert_allclose(
        frame["contacts_per_customer"], 0.25 / frame["first_contact_resolution"], rtol=EXACT
    )
    assert math.isclose(
        frame["contacts_per_customer"].iloc[0],
        0.25 / (0.7 + 0.1 * frame["quality_index"].iloc[0]),
        rel_tol=EXACT,
    )
    assert frame["contacts_per_customer"].is_monotonic_decreasing
