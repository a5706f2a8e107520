"""Value across price changes: the curve, its best price and break-even, and why value falls."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator import evaluate, sample_business
from simulator.decisions.price_curve import DEFAULT_CHANGES, DRIVERS, price_curve
from simulator.model.params import LEVERS, Scenario
from simulator.model.sample import example_scenario

SCENARIO = example_scenario()
NO_SERVICE = SCENARIO.with_changes(**{f"{lever}_spend_per_month": 0.0 for lever in LEVERS})


@pytest.fixture(scope="module")
def curve():
    return price_curve(sample_business(), SCENARIO)


def test_every_point_is_the_engine_s_value_against_doing_nothing(curve):
    points = curve.points.set_index("price_change")
    assert list(points.index) == sorted({*DEFAULT_CHANGES, 0.0})
    for change in (-0.2, 0.0, 0.1, 0.5, 1.0):
        expected = evaluate(
            sample_business(), SCENARIO.with_changes(price_change=change), breakeven=False
        )
        assert points.loc[change, "delta_npv"] == pytest.approx(expected.delta_npv, rel=1e-9)
        kept = expected.scenario.segments.set_index("segment")["customers_end"]
        assert points.loc[change, "customers_end_core"] == pytest.approx(kept["core"], rel=1e-9)


def test_the_drivers_add_up_to_the_value_the_price_change_adds(curve):
    points = curve.points
    at_zero = points.loc[points.price_change == 0.0, "delta_npv"].iloc[0]
    np.testing.assert_allclose(
        points[list(DRIVERS)].sum(axis=1),
        points.delta_npv - at_zero,
        atol=1e-6 * abs(points.delta_npv).max(),
    )
    assert (points.loc[points.price_change == 0.0, list(DRIVERS)].to_numpy() == 0).all()


def test_a_rise_gains_on_price_and_loses_customers_acquisitions_and_word_of_mouth(curve):
    rises = curve.points[curve.points.price_change > 0]
    assert (rises.price_gain > 0).all()
    assert (rises.lost_customers < 0).all() and (rises.lost_acquisitions < 0).all()
    assert (rises.word_of_mouth <= 0).all()
    cuts = curve.points[curve.points.price_change < 0]
    assert (cuts.price_gain < 0).all() and (cuts.lost_acquisitions > 0).all()
    assert (cuts.word_of_mouth == 0).all()  # a cut makes no price-driven defector


def test_the_best_price_beats_its_neighbours_and_value_is_zero_at_the_break_even():
    business = sample_business()
    curve = price_curve(business, NO_SERVICE)
    assert 0.0 < curve.best < curve.breakeven < 0.3

    def value(change):
        return evaluate(business, NO_SERVICE.with_changes(price_change=change), breakeven=False)

    best = value(curve.best).delta_npv
    assert best >= value(curve.best - 0.02).delta_npv and best >= value(curve.best + 0.02).delta_npv
    at_breakeven = value(curve.breakeven).delta_npv
    slope = abs(value(curve.breakeven + 1e-3).delta_npv - at_breakeven) / 1e-3
    assert abs(at_breakeven) <= 5e-4 * slope * 2
    assert curve.current == 0.05


def test_a_curve_that_never_pays_has_no_break_even():
    costly = SCENARIO.with_changes(people_spend_per_month=2_000_000.0)
    curve = price_curve(sample_business(), costly)
    assert (curve.points.delta_npv < 0).all()
    assert curve.breakeven is None


def test_changes_outside_the_accepted_range_are_refused():
    with pytest.raises(ValueError, match="price changes must be in"):
        price_curve(sample_business(), SCENARIO, changes=[-0.95, 0.1])


def test_a_segment_named_with_dots_gets_its_curve():
    """Segment names come from uploaded files: "a.b" must not be read as a path of its own."""
    business = sample_business()
    renamed = replace(
        business,
        segments=tuple(replace(s, name=f"{s.name}.v2 (x.y)") for s in business.segments),
        core_segment=f"{business.core}.v2 (x.y)",
    )
    scenario = Scenario(price_change=0.1, horizon_months=24)
    dotted = price_curve(renamed, scenario, changes=(0.0, 0.1, 0.2)).points
    plain = price_curve(business, scenario, changes=(0.0, 0.1, 0.2)).points
    assert np.allclose(dotted["delta_npv"], plain["delta_npv"])
    assert f"customers_end_{business.core}.v2 (x.y)" in dotted.columns


def test_without_locating_the_points_are_the_same_and_nothing_is_located():
    changes = (0.0, 0.1, 0.3)
    located = price_curve(sample_business(), SCENARIO, changes)
    points = price_curve(sample_business(), SCENARIO, changes, locate=False)
    assert points.points.equals(located.points)
    assert (points.best, points.breakeven) == (None, None)
    assert located.breakeven is not None
