"""Properties of the engine over the whole parameter space, checked with Hypothesis.

Hypothesis runs derandomized (a fixed sequence of examples), so these tests are reproducible and
never flaky; ``max_examples`` keeps the file well under ten seconds. Shrinking is switched off so
that a failure costs no more time than a pass: the failing example is reported as drawn, and known
failures have a minimal explicit test beside the module they concern.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from simulator import (
    Business,
    LeverResponse,
    Scenario,
    Segment,
    ServiceOperations,
    evaluate,
    simulate,
)
from simulator.model.params import (
    LEVERS,
    MAX_MONTHLY_AMOUNT,
    MAX_PRICE_CHANGE,
    MIN_ANNUAL_DISCOUNT_RATE,
    MIN_PRICE_CHANGE,
)

from .conftest import service_operations, two_segment_business

pytestmark = pytest.mark.slow

PROPERTY = settings(
    derandomize=True,
    max_examples=40,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)

OPS = service_operations()
CONTACT_COST = (
    OPS.issues_per_customer_month
    / OPS.first_contact_resolution
    * OPS.handling_time_minutes
    * OPS.cost_per_handling_minute
)
MONEY_COLUMNS = (
    "revenue",
    "variable_cost",
    "contact_cost",
    "contribution",
    "acquisition_cost",
    "service_spend",
    "cash_flow",
)


def unit(lo: float, hi: float) -> st.SearchStrategy[float]:
    # Subnormal customer counts (below 1e-308) are covered by an explicit test in test_engine.py.
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def segments(draw, name: str) -> Segment:
    arpu = draw(unit(10.0, 100.0))
    # keep the margin per customer-month positive (and well above referral rewards), as in any
    # business worth simulating; the monotonicity properties rely on it
    variable_cost = draw(unit(0.0, 0.8)) * (arpu - CONTACT_COST - 2.0)
    retention = draw(
        st.one_of(
            st.builds(
                lambda a, b: {"sbg_alpha": a, "sbg_beta": b}, unit(0.3, 5.0), unit(0.5, 80.0)
            ),
            st.builds(lambda p: {"constant_monthly_churn": p}, unit(0.005, 0.3)),
        )
    )
    return Segment(
        name=name,
        arpu_per_month=arpu,
        variable_cost_per_month=variable_cost,
        base_customers_by_tenure=tuple(draw(st.lists(unit(0.0, 500.0), min_size=0, max_size=12))),
        paid_acquisitions_per_month=draw(unit(0.0, 50.0)),
        acquisition_cost_per_customer=draw(unit(0.0, 300.0)),
        referral_rate_per_month=draw(unit(0.0, 0.02)),
        referral_reward_per_customer=draw(unit(0.0, 50.0)),
        referred_churn_multiplier=draw(unit(0.7, 1.0)),
        lasting_price_elasticity=draw(unit(0.0, 4.0)),
        notice_shock_churn_per_10pct=draw(unit(0.0, 0.2)),
        shock_half_life_months=draw(unit(0.3, 6.0)),
        decrease_response_ratio=draw(unit(0.0, 1.0)),
        price_threshold=draw(unit(0.0, 0.09)),
        uncontrollable_churn_share=draw(unit(0.0, 0.9)),
        satisfaction_moderation=draw(unit(0.0, 1.5)),
        max_service_churn_reduction=draw(unit(0.0, 0.5)),
        **retention,
    )


@st.composite
def businesses(draw) -> Business:
    count = draw(st.integers(1, 2))
    return Business(
        name="Drawn",
        currency="EUR",
        segments=tuple(draw(segments(f"s{i}")) for i in range(count)),
        service=OPS,
        fee_salience=draw(unit(0.0, 3.0)),
    )


spend = st.one_of(st.just(0.0), unit(0.0, 60_000.0))


@st.composite
def scenarios(
    draw, *, price_change=None, monthly_fee=None, spends=None, budget=spend, discount_rate=None
) -> Scenario:
    horizon = draw(st.integers(12, 36))
    month = draw(st.integers(1, min(horizon, 12)))
    spends = spends or {f"{lever}_spend_per_month": draw(budget) for lever in LEVERS}
    return Scenario(
        price_change=draw(price_change if price_change is not None else unit(-0.5, 1.0)),
        monthly_fee=draw(
            monthly_fee if monthly_fee is not None else st.one_of(st.just(0.0), unit(0.0, 10.0))
        ),
        price_change_month=month,
        notice_months=draw(st.integers(0, month - 1)),
        phase_in_months=draw(st.integers(1, 6)),
        grandfather_existing=draw(st.booleans()),
        horizon_months=horizon,
        annual_discount_rate=draw(discount_rate if discount_rate is not None else unit(0.01, 0.3)),
        **spends,
    )


no_spend = {f"{lever}_spend_per_month": 0.0 for lever in LEVERS}


# sanity -----------------------------------------------------------------------------------------


@PROPERTY
@given(business=businesses(), scenario=scenarios())
def test_projections_have_no_nan_and_no_negative_customers_or_revenue(business, scenario):
    projection = simulate(business, scenario)
    monthly = projection.monthly
    numeric = monthly.drop(columns=["segment"]).to_numpy(dtype=float)
    assert np.all(np.isfinite(numeric))
    assert np.all(monthly["customers"] >= 0)
    assert np.all(monthly["revenue"] >= 0)
    assert np.all(monthly["paid_acquisitions"] >= 0)
    assert np.all(monthly["referral_acquisitions"] >= 0)
    assert math.isfinite(projection.npv)
    assert math.isfinite(projection.terminal_value)
    assert np.all(np.isfinite(projection.segments["clv_new_customer"]))


def up_to_the_largest_amount() -> st.SearchStrategy[float]:
    return st.one_of(st.just(MAX_MONTHLY_AMOUNT), unit(0.0, MAX_MONTHLY_AMOUNT))


@PROPERTY
@given(
    business=businesses(),
    scenario=scenarios(
        price_change=unit(-0.89, 2.0),
        monthly_fee=up_to_the_largest_amount(),
        budget=up_to_the_largest_amount(),
        discount_rate=st.one_of(
            st.just(MIN_ANNUAL_DISCOUNT_RATE), unit(MIN_ANNUAL_DISCOUNT_RATE, 0.01)
        ),
    ),
)
def test_the_largest_fees_and_budgets_and_the_smallest_rate_evaluate_cleanly(business, scenario):
    # a fee that overflows the hazard (survival 0) included: the break-even search scales the
    # drawn elasticities (up to 4) by up to 20 against price indexes up to about 3e8
    evaluation = evaluate(business, scenario)
    monthly = evaluation.monthly
    assert np.all(np.isfinite(monthly.drop(columns=["segment", "case"]).to_numpy(dtype=float)))
    for column in ("customers", "paid_acquisitions", "referral_acquisitions", "churned"):
        assert np.all(monthly[column] >= 0)
    assert np.all(np.isfinite(evaluation.segments.drop(columns=["segment"]).to_numpy(dtype=float)))
    assert math.isfinite(evaluation.delta_npv_with_terminal_value)
    raises = scenario.price_change > 0 or scenario.monthly_fee > 0
    assert (evaluation.breakeven_elasticity.status == "no_increase") is not raises


# Found by Hypothesis: an extreme notice shock (threshold near ln 1.1, +100 % step) once made
# survival exceed 1 and created customers from nothing.
EXTREME_SHOCK = Business(
    name="Extreme shock",
    currency="EUR",
    segments=(
        Segment(
            name="s0",
            arpu_per_month=10.0,
            variable_cost_per_month=0.0,
            sbg_alpha=1.0,
            sbg_beta=5.0,
            paid_acquisitions_per_month=1.0,
            lasting_price_elasticity=0.0,
            notice_shock_churn_per_10pct=0.125,
            price_threshold=0.0859375,
            uncontrollable_churn_share=0.0,
        ),
    ),
    service=OPS,
)


@PROPERTY
@given(business=businesses(), scenario=scenarios())
@example(
    business=EXTREME_SHOCK,
    scenario=Scenario(price_change=1.0, price_change_month=2, horizon_months=12),
)
def test_customers_never_exceed_the_base_plus_everyone_acquired(business, scenario):
    projection = simulate(business, scenario)
    for seg in business.segments:
        frame = projection.monthly[projection.monthly["segment"] == seg.name]
        acquired = np.cumsum(frame["paid_acquisitions"] + frame["referral_acquisitions"])
        assert np.all(
            frame["customers"].to_numpy() <= (seg.base_customers + acquired) * (1 + 1e-12)
        )


# no change is the baseline -----------------------------------------------------------------------


@PROPERTY
@given(
    business=businesses(),
    scenario=scenarios(price_change=st.just(0.0), monthly_fee=st.just(0.0), spends=no_spend),
)
def test_a_scenario_without_changes_reproduces_the_baseline_exactly(business, scenario):
    got = simulate(business, scenario)
    baseline = simulate(business, scenario.without_changes())
    np.testing.assert_array_equal(got.monthly["customers"], baseline.monthly["customers"])
    np.testing.assert_array_equal(got.monthly["churned"], baseline.monthly["churned"])
    for name in MONEY_COLUMNS:
        # grandfathering splits revenue into old- and new-price parts, equal up to rounding
        np.testing.assert_allclose(got.monthly[name], baseline.monthly[name], rtol=1e-12, atol=1e-9)
    assert got.npv == pytest.approx(baseline.npv, rel=1e-12, abs=1e-6)


# monotonicity -----------------------------------------------------------------------------------


@PROPERTY
@given(
    business=businesses(),
    scenario=scenarios(price_change=unit(0.0, 1.0)),
    factor=unit(1.0, 4.0),
    bump=unit(0.0, 1.0),
)
def test_a_higher_lasting_elasticity_never_raises_npv_for_a_price_increase(
    business, scenario, factor, bump
):
    stiffer = replace(
        business,
        segments=tuple(
            replace(s, lasting_price_elasticity=factor * s.lasting_price_elasticity + bump)
            for s in business.segments
        ),
    )
    low = simulate(business, scenario, terminal_value=False)
    high = simulate(stiffer, scenario, terminal_value=False)
    assert high.npv <= low.npv + 1e-9 * max(1.0, abs(low.npv))
    assert np.all(
        high.monthly["customers"].to_numpy() <= low.monthly["customers"].to_numpy() * (1 + 1e-12)
    )


@PROPERTY
@given(
    business=businesses(),
    scenario=scenarios(),
    lever=st.sampled_from(LEVERS),
    extra=unit(1.0, 100_000.0),
)
def test_more_service_spend_on_any_lever_never_lowers_customers(business, scenario, lever, extra):
    field = f"{lever}_spend_per_month"
    more = scenario.with_changes(**{field: getattr(scenario, field) + extra})
    low = simulate(business, scenario).monthly["customers"].to_numpy()
    high = simulate(business, more).monthly["customers"].to_numpy()
    assert np.all(high >= low * (1 - 1e-12))


@PROPERTY
@given(business=businesses(), increase=unit(0.01, 0.5))
def test_a_bigger_price_increase_never_keeps_more_customers(business, increase):
    small = Scenario(price_change=increase, horizon_months=24)
    big = Scenario(price_change=increase * 1.5, horizon_months=24)
    low = simulate(business, big).monthly["customers"].to_numpy()
    high = simulate(business, small).monthly["customers"].to_numpy()
    assert np.all(low <= high * (1 + 1e-12))


# invalid parameters -----------------------------------------------------------------------------

NOT_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])


def below(limit: float) -> st.SearchStrategy[float]:
    return st.one_of(
        st.floats(
            max_value=limit, exclude_max=True, allow_nan=False, allow_infinity=False, min_value=-1e6
        ),
        NOT_FINITE,
    )


def above(limit: float, inclusive: bool = False) -> st.SearchStrategy[float]:
    return st.one_of(
        st.floats(
            min_value=limit,
            exclude_min=not inclusive,
            allow_nan=False,
            allow_infinity=False,
            max_value=1e6,
        ),
        NOT_FINITE,
    )


def beyond(limit: float) -> st.SearchStrategy[float]:
    """Above ``limit``: just above, anywhere up to the largest float, or not finite."""
    return st.one_of(
        st.just(math.nextafter(limit, math.inf)),
        st.floats(min_value=limit, exclude_min=True, allow_nan=False, allow_infinity=False),
        NOT_FINITE,
    )


SEGMENT_BAD: dict[str, st.SearchStrategy] = {
    "arpu_per_month": st.one_of(st.floats(-1e6, 0.0), NOT_FINITE),
    "variable_cost_per_month": below(0.0),
    "sbg_alpha": st.one_of(st.floats(-1e6, 0.0), NOT_FINITE),
    "sbg_beta": st.one_of(st.floats(-1e6, 0.0), NOT_FINITE),
    "constant_monthly_churn": st.one_of(st.floats(-1.0, 0.0), st.floats(1.0, 10.0), NOT_FINITE),
    "paid_acquisitions_per_month": below(0.0),
    "acquisition_cost_per_customer": below(0.0),
    "referral_rate_per_month": st.one_of(below(0.0), st.floats(1.0, 10.0)),
    "referral_reward_per_customer": below(0.0),
    "referred_churn_multiplier": st.one_of(st.floats(-1.0, 0.0), above(2.0)),
    "lasting_price_elasticity": below(0.0),
    "notice_shock_churn_per_10pct": st.one_of(below(0.0), st.floats(1.0, 10.0)),
    "shock_half_life_months": st.one_of(st.floats(-10.0, 0.0), NOT_FINITE),
    "decrease_response_ratio": st.one_of(below(0.0), above(1.0)),
    "price_threshold": st.one_of(below(0.0), st.floats(math.log(1.1), 1.0)),
    "uncontrollable_churn_share": st.one_of(below(0.0), st.floats(1.0, 10.0)),
    "satisfaction_moderation": below(0.0),
    "max_service_churn_reduction": st.one_of(below(0.0), st.floats(1.0, 10.0)),
    "base_customers_by_tenure": st.lists(below(0.0), min_size=1, max_size=3).map(tuple),
}

SCENARIO_BAD: dict[str, st.SearchStrategy] = {
    "price_change": st.one_of(st.floats(-10.0, MIN_PRICE_CHANGE), above(MAX_PRICE_CHANGE)),
    "monthly_fee": st.one_of(below(0.0), beyond(MAX_MONTHLY_AMOUNT)),
    "horizon_months": st.one_of(st.integers(-5, 11), st.integers(121, 1000)),
    "price_change_month": st.one_of(st.integers(-5, 0), st.integers(61, 1000)),
    "phase_in_months": st.one_of(st.integers(-5, 0), st.integers(25, 100)),
    "annual_discount_rate": st.one_of(
        st.just(math.nextafter(MIN_ANNUAL_DISCOUNT_RATE, 0.0)),
        st.floats(-1e6, MIN_ANNUAL_DISCOUNT_RATE, exclude_max=True),
        above(1.0),
        NOT_FINITE,
    ),
    **{
        f"{lever}_spend_per_month": st.one_of(below(0.0), beyond(MAX_MONTHLY_AMOUNT))
        for lever in LEVERS
    },
    "grandfather_existing": st.sampled_from([0, 1, "yes", None]),
    "notice_months": st.integers(-5, -1),
}

SERVICE_BAD: dict[str, st.SearchStrategy] = {
    "issues_per_customer_month": below(0.0),
    "handling_time_minutes": below(0.0),
    "cost_per_handling_minute": below(0.0),
    "first_contact_resolution": st.one_of(st.floats(-1.0, 0.0), st.floats(1.0, 2.0), NOT_FINITE),
    "csat": st.one_of(below(0.0), above(1.0)),
    "max_fcr_gain": st.one_of(below(0.0), st.floats(0.3001, 1.0)),  # FCR is 0.70
    "max_csat_gain": st.one_of(below(0.0), above(0.2801)),  # CSAT is 0.72
    "max_handling_time_reduction": st.one_of(below(0.0), st.floats(1.0, 5.0)),
    "max_arpu_uplift": st.one_of(below(0.0), above(1.0)),
    "max_referral_uplift": st.one_of(below(0.0), above(1.0)),
}

LEVER_BAD: dict[str, st.SearchStrategy] = {
    "ramp_half_life_months": st.one_of(st.floats(-10.0, 0.0), NOT_FINITE),
    "half_effect_cost_share": st.one_of(st.floats(-10.0, 0.0), NOT_FINITE),
    "hill_exponent": st.one_of(st.floats(-10.0, 0.0), above(10.0)),
    "weight": st.one_of(below(0.0), above(1.0)),
}


def _segment(**changes):
    settings_ = {"name": "core", "arpu_per_month": 40.0, "variable_cost_per_month": 10.0}
    settings_.update(changes)
    return Segment(**settings_)


def _lever(**changes):
    settings_ = {"ramp_half_life_months": 2.0, "half_effect_cost_share": 1.0}
    settings_.update(changes)
    return LeverResponse(**settings_)


CASES = (
    [("Segment", f, s, _segment) for f, s in SEGMENT_BAD.items()]
    + [("Scenario", f, s, Scenario) for f, s in SCENARIO_BAD.items()]
    + [("ServiceOperations", f, s, service_operations) for f, s in SERVICE_BAD.items()]
    + [("LeverResponse", f, s, _lever) for f, s in LEVER_BAD.items()]
)


@settings(
    derandomize=True, max_examples=300, deadline=None, phases=(Phase.explicit, Phase.generate)
)
@given(data=st.data(), case=st.sampled_from(CASES))
def test_an_invalid_parameter_raises_a_value_error_naming_the_field(data, case):
    owner, field, strategy, build = case
    value = data.draw(strategy, label=f"{owner}.{field}")
    with pytest.raises(ValueError, match=rf"\b{field}\b"):
        build(**{field: value})


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Scenario(price_change_month=3, notice_months=3), "notice_months"),
        (lambda: Scenario(horizon_months=24, price_change_month=25), "price_change_month"),
        (lambda: Scenario(horizon_months=24.0), "horizon_months"),
        (lambda: Scenario(notice_months=True), "notice_months"),
        (
            lambda: service_operations(first_contact_resolution=0.9, max_fcr_gain=0.1),
            "max_fcr_gain",
        ),
        (lambda: service_operations(csat=0.95, max_csat_gain=0.06), "max_csat_gain"),
        (lambda: _segment(name="  "), "name"),
        (lambda: Business(name="b", currency="EUR", segments=(), service=OPS), "segments"),
        (
            lambda: Business(
                name="b", currency="EUR", segments=(_segment(), _segment()), service=OPS
            ),
            "segments",
        ),
        (
            lambda: Business(name="b", currency="EURO", segments=(_segment(),), service=OPS),
            "currency",
        ),
        (
            lambda: Business(
                name="b", currency="EUR", segments=(_segment(),), service=OPS, fee_salience=6.0
            ),
            "fee_salience",
        ),
        (
            lambda: Business(
                name="b", currency="EUR", segments=(_segment(),), service=OPS, fee_salience=math.nan
            ),
            "fee_salience",
        ),
    ],
)
def test_invalid_combinations_raise_a_value_error_naming_the_field(build, field):
    with pytest.raises(ValueError, match=rf"\b{field}\b"):
        build()


def test_the_tiny_business_fixture_is_itself_valid():
    business = two_segment_business()
    assert isinstance(business.service, ServiceOperations)
    assert [s.name for s in business.segments] == ["loyal", "switchers"]
