"""The price and fee response holds up at every size (docs/model.md, price and fee response).

Properties over businesses drawn from the priors (seeded), then the default scenario's
acceptance figures and the plausibility checks against published magnitudes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator import evaluate, sample_business, simulate
from simulator.decisions.priors import draw_parameters
from simulator.model.params import LEVERS, MAX_PRICE_CHANGE, Scenario
from simulator.model.sample import example_scenario

NO_SERVICE = {f"{lever}_spend_per_month": 0.0 for lever in LEVERS}
DEFAULT = example_scenario().with_changes(price_change=0.0, **NO_SERVICE)
"""The example scenario's timing (notice a month before the price month 3), no price change and
no service budget: each test sets the price change or fee it tries."""

DRAWS = draw_parameters(sample_business(), 6, seed=20)
BUSINESSES = [DRAWS.business(sample_business(), i) for i in range(DRAWS.draws)]
"""Businesses whose every uncertain parameter is drawn from its prior (the service programme
plays no part here: no budget)."""


def delta_npv(business, scenario: Scenario) -> float:
    """NPV over the horizon against doing nothing (no terminal value)."""
    run = simulate(business, scenario, terminal_value=False).npv
    return run - simulate(business, scenario.without_changes(), terminal_value=False).npv


def month_totals(business, scenario: Scenario, column: str) -> np.ndarray:
    return simulate(business, scenario, terminal_value=False).total(column).to_numpy()


PRICES = np.concatenate((np.linspace(-0.5, 1.0, 31), [1.5, 2.0, 3.0, 5.0, MAX_PRICE_CHANGE]))


def alone(business, segment):
    """``business`` with only ``segment``: one market, one reservation-price distribution."""
    return replace(business, segments=(segment,), core_segment=segment.name)


SEGMENTS = [alone(b, s) for b in BUSINESSES for s in b.segments]
"""Every drawn segment as a business of its own. Two segments whose reservation prices lie far
apart can give the whole business two peaks (a price for everyone, a higher one for the core
alone), as in any two-segment market; one segment has one."""


@pytest.mark.parametrize(
    "business", [sample_business(), *SEGMENTS], ids=["sample", *map(str, range(len(SEGMENTS)))]
)
def test_value_against_price_is_single_peaked_with_ten_times_the_price_below_doing_nothing(
    business,
):
    values = np.array([delta_npv(business, DEFAULT.with_changes(price_change=p)) for p in PRICES])
    scale = abs(simulate(business, DEFAULT.without_changes(), terminal_value=False).npv)
    steps = np.diff(values)
    moves = np.sign(steps[np.abs(steps) > 1e-7 * scale])
    # up, then down: the sign of the change flips once at most, from rising to falling
    assert np.count_nonzero(np.diff(moves) != 0) <= 1
    assert moves[-1] < 0
    assert values[-1] < 0  # ten times the price loses against doing nothing
    assert PRICES[np.argmax(values)] < 1.0  # a finite best price, well inside the range


@pytest.mark.parametrize("index", range(len(BUSINESSES)))
def test_churn_rises_and_acquisitions_fall_with_price_and_a_cut_raises_acquisitions(index):
    business = BUSINESSES[index]
    paid = {}
    churned = {}
    for p in (-0.2, 0.0, 0.1, 0.3, 1.0):
        run = simulate(business, DEFAULT.with_changes(price_change=p), terminal_value=False)
        paid[p] = run.total("paid_acquisitions").to_numpy()[-1]
        base = run.monthly[run.monthly.month <= 6]
        churned[p] = base.churned.sum() / base.customers.sum()  # the first six months' churn rate
    assert paid[-0.2] > paid[0.0] > paid[0.1] > paid[0.3] > paid[1.0]
    assert churned[0.0] <= churned[0.1] < churned[0.3] < churned[1.0]


@pytest.mark.parametrize("index", range(len(BUSINESSES)))
def test_a_price_decrease_never_adds_churn(index):
    business = BUSINESSES[index]
    without_acquisition = replace(
        business,
        segments=tuple(
            replace(s, paid_acquisitions_per_month=0.0, referral_rate_per_month=0.0)
            for s in business.segments
        ),
    )
    base = month_totals(without_acquisition, DEFAULT.without_changes(), "customers")
    for cut in (-0.05, -0.3, -0.85):
        for grandfather in (False, True):
            scenario = DEFAULT.with_changes(price_change=cut, grandfather_existing=grandfather)
            kept = month_totals(without_acquisition, scenario, "customers")
            assert np.all(kept >= base * (1 - 1e-12))
            defectors = month_totals(without_acquisition, scenario, "price_driven_defectors")
            assert np.all(defectors <= 1e-12 * base)  # rounding of two survival ratios only


@pytest.mark.parametrize("index", range(len(SEGMENTS)))
@pytest.mark.parametrize("share_of_arpu", [0.05, 0.1, 0.25])
def test_a_fee_does_at_least_as_much_damage_as_a_rise_of_the_same_money(index, share_of_arpu):
    # One segment, so that the same money is the same money from every customer (across
    # segments a flat fee shifts the burden towards the cheaper plans).
    business = SEGMENTS[index]
    fee = share_of_arpu * business.segments[0].arpu_per_month
    as_fee = delta_npv(business, DEFAULT.with_changes(monthly_fee=fee))
    as_price = delta_npv(business, DEFAULT.with_changes(price_change=share_of_arpu))
    assert as_fee <= as_price


def test_no_word_of_mouth_is_the_model_without_it_and_more_of_it_lowers_value():
    business = sample_business()

    def with_word_of_mouth(omega: float, half_life: float = 3.0):
        return replace(
            business,
            segments=tuple(
                replace(
                    s,
                    negative_wom_per_defector=omega,
                    negative_wom_half_life_months=half_life,
                )
                for s in business.segments
            ),
        )

    scenario = DEFAULT.with_changes(price_change=0.25)
    silent = simulate(with_word_of_mouth(0.0), scenario, terminal_value=False)
    other_half_life = simulate(with_word_of_mouth(0.0, 9.0), scenario, terminal_value=False)
    # omega = 0: acquisitions are the planned conversions whatever the half-life, bitwise
    assert silent.npv == other_half_life.npv
    assert np.array_equal(
        silent.monthly.paid_acquisitions, other_half_life.monthly.paid_acquisitions
    )
    values = [delta_npv(with_word_of_mouth(w), scenario) for w in (0.0, 0.05, 0.1, 0.2, 0.4)]
    assert all(later < earlier for earlier, later in zip(values, values[1:], strict=False))


@pytest.mark.parametrize("index", range(3))
@pytest.mark.parametrize("change", [-0.03, -0.01, 0.01, 0.03])
def test_small_changes_pay_exactly_when_the_static_break_even_says_so(index, change):
    """Nagle & Holden: a change pays iff the volume change beats -dP / (CM + dP); here the volume
    is discounted customer-months weighted by each segment's margin, and dP counts for the
    discounted share of months at the new price."""
    business = BUSINESSES[index]
    scenario = DEFAULT.with_changes(price_change=change)
    base = simulate(business, scenario.without_changes(), terminal_value=False).monthly
    run = simulate(business, scenario, terminal_value=False).monthly
    discount = base.loc[base.segment == business.segments[0].name, "discount_factor"].to_numpy()
    at_new_price = discount[scenario.price_change_month - 1 :].sum() / discount.sum()
    dp = change * at_new_price
    weighted = {"before": 0.0, "after": 0.0}
    contribution = revenue = 0.0
    for seg in business.segments:
        b = base[base.segment == seg.name]
        s = run[run.segment == seg.name]
        q0 = float((b.customers * b.discount_factor).sum())
        q1 = float((s.customers * s.discount_factor).sum())
        c = float((b.contribution * b.discount_factor).sum())
        weighted["before"] += c
        weighted["after"] += c * q1 / q0
        contribution += c
        revenue += float((b.revenue * b.discount_factor).sum())
    volume = weighted["after"] / weighted["before"] - 1
    breakeven = -dp / (contribution / revenue + dp)
    assert (volume > breakeven) == (delta_npv(business, scenario) > 0)


# --- the default scenario ----------------------------------------------------------------------


def test_the_default_scenario_peaks_at_a_modest_rise_and_loses_at_large_ones():
    business = sample_business()
    grid = np.round(np.arange(0.0, 0.41, 0.01), 2)
    values = [delta_npv(business, DEFAULT.with_changes(price_change=p)) for p in grid]
    best = grid[int(np.argmax(values))]
    assert 0.0 < best <= 0.30
    for big in (1.0, 2.0):
        assert delta_npv(business, DEFAULT.with_changes(price_change=big)) < 0
    ten_fee = delta_npv(business, DEFAULT.with_changes(monthly_fee=10.0))
    assert ten_fee < delta_npv(business, DEFAULT.with_changes(price_change=0.25))
    paid = [
        month_totals(business, DEFAULT.with_changes(price_change=p), "paid_acquisitions")[-1]
        for p in (0.0, 0.1, 1.0, 2.0)
    ]
    assert paid == sorted(paid, reverse=True) and paid[-1] < 0.01 * paid[0]


def test_the_core_segment_loses_what_netflix_s_long_term_members_lost_after_plus_60_percent():
    """Netflix 2011: +60 % on the DVD+streaming plan with about two months' notice; the affected,
    long-tenure members' DVD subscriptions fell 19.8 % in the quarter (13.93 M -> 11.17 M) and
    the hybrid plan about 28 %. The sample's core segment, existing base only, loses that share
    beyond its normal churn within the quarter from notice."""
    business = sample_business()
    closed = replace(
        business,
        segments=tuple(
            replace(s, paid_acquisitions_per_month=0.0, referral_rate_per_month=0.0)
            for s in business.segments
        ),
    )
    scenario = DEFAULT.with_changes(price_change=0.6, price_change_month=3, notice_months=2)
    run = simulate(closed, scenario, terminal_value=False).monthly
    base = simulate(closed, scenario.without_changes(), terminal_value=False).monthly
    core = business.core
    three_months_on = scenario.notice_month + 2
    kept = run[(run.segment == core) & (run.month == three_months_on)].customers.iloc[0]
    normal = base[(base.segment == core) & (base.month == three_months_on)].customers.iloc[0]
    assert 0.198 <= 1 - kept / normal <= 0.28


def test_a_rise_the_whole_market_makes_leaves_churn_where_it_was():
    """UK broadband 2023: list prices up about 14 % across the market while yearly switching
    stayed at 9-10 %. A rise matched by the market (known the same day) changes no churn."""
    market = replace(sample_business(), market_price_change=0.14, market_price_change_month=3)
    scenario = DEFAULT.with_changes(price_change=0.14, notice_months=0)
    matched = simulate(market, scenario, terminal_value=False).monthly
    by_itself = simulate(sample_business(), scenario, terminal_value=False).monthly
    as_today = simulate(sample_business(), scenario.without_changes(), terminal_value=False).monthly
    np.testing.assert_allclose(matched.churned, as_today.churned, rtol=1e-12)
    np.testing.assert_allclose(matched.paid_acquisitions, as_today.paid_acquisitions, rtol=1e-12)
    first_year = by_itself.month.between(3, 14)
    assert by_itself.churned[first_year].sum() > 1.05 * matched.churned[first_year].sum()


def test_the_evaluation_reports_price_driven_defectors_and_the_wave():
    evaluation = evaluate(sample_business(), DEFAULT.with_changes(price_change=0.2))
    monthly = evaluation.scenario.monthly
    assert monthly.price_driven_defectors.sum() > 0
    notice = DEFAULT.notice_month
    wave = monthly.groupby("month").wave_contacts.sum()
    assert wave.idxmax() == notice
    baseline = evaluation.baseline.monthly
    assert not baseline.price_driven_defectors.any() and not baseline.wave_contacts.any()
