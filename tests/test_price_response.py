"""Learning the price response from a price history (issue 20, item 4): recovery of a known
truth under three roll-out designs, the selection bias of a fit without heterogeneity, and the
likelihood on grouped data against the one written customer by customer."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from simulator.data.hazard import fit_cloglog_hazard
from simulator.data.price_counts import count_price_history
from simulator.data.price_histories import generate_price_history
from simulator.data.price_likelihood import design, group_terms, log_likelihood, person_months
from simulator.data.price_response import (
    calibrate_price_response,
    controllable_elasticity,
    segment_price_response,
)
from simulator.data.price_tables import PriceColumns, months_between, price_history

ETA, KAPPA = 2.0, 0.7
TRUE_HR10 = 1.1**ETA
TRUE_FIRST = math.exp(KAPPA)
SEED = 2026
JSON_KEYS = {
    "hazard_ratio_per_10pct",
    "hazard_ratio_per_10pct_interval",
    "first_month_hazard_ratio",
    "exposed_customers",
    "control_customers",
    "method",
    "warnings",
}
"""Per-segment keys of the JSON, as issue 20 writes them (not imported from the code)."""


def fitted(design_name: str, n: int = 30_000, **kwargs):
    customers, prices = generate_price_history(
        n, design=design_name, rng=np.random.default_rng(SEED), eta=ETA, kappa=KAPPA, **kwargs
    )
    result = calibrate_price_response(customers, prices)
    assert len(result.segments) == 1
    return result.segments[0]


def within(interval, value) -> bool:
    return interval[0] <= value <= interval[1]


@pytest.mark.slow
def test_staggered_roll_out_with_control_recovers_the_truth_despite_a_concurrent_shock():
    # Everybody's churn rises by 22 % from the first change on (a competitor's offer at the
    # same time); the control group takes it into the calendar levels, not the price response.
    got = fitted("staggered", calendar_shift=0.2)
    assert within(got.hazard_ratio_per_10pct_interval, TRUE_HR10)
    assert got.hazard_ratio_per_10pct == pytest.approx(TRUE_HR10, abs=0.05)
    assert within(got.first_month_hazard_ratio_interval, TRUE_FIRST)
    assert got.first_month_hazard_ratio == pytest.approx(TRUE_FIRST, rel=0.1)
    assert got.control_customers > 1000 and got.exposed_customers > 1000
    assert all(r == pytest.approx(math.exp(0.2), rel=0.05) for r in got.calendar_hazard_ratios)
    assert "control customers" in got.method
    assert got.warnings == ()
    assert got.sbg_alpha == pytest.approx(1.0, rel=0.1)


@pytest.mark.slow
def test_uniform_roll_out_recovers_the_truth_and_says_there_is_no_control_group():
    got = fitted("uniform")
    assert within(got.hazard_ratio_per_10pct_interval, TRUE_HR10)
    assert within(got.first_month_hazard_ratio_interval, TRUE_FIRST)
    assert got.control_customers == 0 and got.exposed_customers > 1000
    assert "before/after only" in got.method
    assert len(got.warnings) == 1
    assert "no control group" in got.warnings[0]
    assert "sBG projection" in got.warnings[0]
    assert got.calendar_hazard_ratios == ()


@pytest.mark.slow
def test_rises_targeted_at_long_tenure_customers_draw_the_targeting_warning():
    got = fitted("targeted")
    targeted = [w for w in got.warnings if "targeted" in w]
    assert len(targeted) == 1
    assert "longer tenure" in targeted[0]
    assert got.control_customers > 1000
    # Targeting on tenure alone is allowed for by the model: the estimate is still sound.
    assert within(got.hazard_ratio_per_10pct_interval, TRUE_HR10)


def test_a_random_staggered_roll_out_draws_no_targeting_warning():
    got = fitted("staggered", n=8000)
    assert not any("targeted" in w for w in got.warnings)


@pytest.mark.slow
def test_a_fit_without_heterogeneity_is_biased_by_selection_where_ph_sbg_is_not():
    """A population-level discrete-time hazard (cloglog with a tenure baseline, Allison 1982)
    sees the raised customers' churn fall back as the least loyal leave first, and reads it as
    a weaker response (Fader & Hardie 2010); the PH-sBG fit follows each customer's own
    propensity and does not."""
    eta = 4.0
    customers, prices = generate_price_history(
        30_000,
        design="staggered",
        rng=np.random.default_rng(SEED),
        eta=eta,
        kappa=0.0,
        alpha=0.5,
        beta=4.0,
        history_months=72,
        change_months_before_as_of=36,
        rises=(0.2, 0.3),
        rollout_months=6,
    )
    (counts,) = count_price_history(price_history(customers, prices, PriceColumns()))
    naive = fit_cloglog_hazard(*person_months(counts))
    naive_interval = tuple(hr ** math.log(1.1) for hr in naive.confidence_interval(0.9))
    ours = segment_price_response(counts)
    truth = 1.1**eta
    assert naive_interval[1] < truth - 0.1  # about 1.22 against 1.46
    assert within(ours.hazard_ratio_per_10pct_interval, truth)


def brute_force_log_likelihood(customers, prices, as_of, params, observed_from=None) -> float:
    """The PH-sBG log-likelihood written customer by customer from the raw dates, with none of
    the grouping: renewal k on start + k months (pandas' month offset clips to month ends); a
    churner fails the first renewal on or after its end date, an active customer makes every
    renewal up to the as-of date; the price in force at a renewal is the last one dated on or
    before it (rows after the end or the as-of date ignored), the first price the last one
    dated on or before the start (else the earliest); renewals before ``observed_from`` are
    left-truncated (divided out)."""
    ln_alpha, ln_beta, eta, kappa = params
    alpha, beta = math.exp(ln_alpha), math.exp(ln_beta)

    def log_s(exposure: float) -> float:
        return betaln(alpha, beta + exposure) - betaln(alpha, beta)

    stamp = pd.Timestamp(as_of)
    total = 0.0
    for row in customers.itertuples():
        churned = not pd.isna(row.end_date) and row.end_date <= stamp
        last_day = row.end_date if churned else stamp
        own = prices[(prices["customer_id"] == row.customer_id)]
        own = own[own["effective_date"] <= last_day].sort_values("effective_date")
        at_start = own[own["effective_date"] <= row.start_date]
        first = (at_start if len(at_start) else own)["monthly_price"].iloc[
            -1 if len(at_start) else 0
        ]

        def anniversary(k: int, row=row) -> pd.Timestamp:
            return row.start_date + pd.DateOffset(months=k)

        if churned:
            renewals = 1
            while anniversary(renewals) < row.end_date:
                renewals += 1
        else:
            renewals = 0
            while anniversary(renewals + 1) <= stamp:
                renewals += 1
        exposure, previous = [0.0], first
        for k in range(1, renewals + 1):
            in_force = own[own["effective_date"] <= anniversary(k)]
            price = in_force["monthly_price"].iloc[-1] if len(in_force) else first
            log_c = eta * max(math.log(price / first), 0.0) + kappa * (price > previous)
            exposure.append(exposure[-1] + math.exp(log_c))
            previous = price
        if churned:
            total += math.log(math.exp(log_s(exposure[-2])) - math.exp(log_s(exposure[-1])))
        else:
            total += log_s(exposure[-1])
        if observed_from is not None:
            entry = 0
            while anniversary(entry + 1) < pd.Timestamp(observed_from):
                entry += 1
            total -= log_s(exposure[entry])
    return total


def test_the_grouped_likelihood_equals_the_customer_by_customer_one():
    customers, prices = generate_price_history(
        250,
        design="staggered",
        rng=np.random.default_rng(3),
        history_months=24,
        change_months_before_as_of=10,
        rollout_months=6,
    )
    # Dates on the 29th-31st and rises mid-month exercise the month-end conventions.
    customers.loc[:40, "start_date"] += pd.Timedelta(days=2)
    later = prices.duplicated("customer_id", keep="first")
    prices.loc[later, "effective_date"] += pd.Timedelta(days=14)
    churned = customers["end_date"].notna()
    customers.loc[churned, "end_date"] += pd.Timedelta(days=5)
    history = price_history(customers, prices, PriceColumns())
    (counts,) = count_price_history(history)
    d = design(counts, cut=False, first_month=True, calendar_block=None)
    for params in ([0.1, 2.0, 1.5, 0.4], [-0.5, 1.0, 3.0, -0.2]):
        ours = log_likelihood(np.array(params), d)
        theirs = brute_force_log_likelihood(customers, prices, history.as_of, params)
        assert ours == pytest.approx(theirs, rel=1e-10)


def test_left_truncation_divides_by_the_survival_to_entry_and_recovers_the_truth():
    """A table holding only the customers active since a date (those who left earlier
    dropped): with ``observed_from`` the renewals before it are left-truncated."""
    customers, prices = generate_price_history(
        20_000, design="staggered", rng=np.random.default_rng(SEED), eta=ETA, kappa=KAPPA
    )
    since = datetime.date(2024, 1, 1)
    kept = customers["end_date"].isna() | (customers["end_date"] >= pd.Timestamp(since))
    customers = customers[kept].reset_index(drop=True)
    prices = prices[prices["customer_id"].isin(customers["customer_id"])]
    got = calibrate_price_response(customers, prices, observed_from=since).segments[0]
    assert within(got.hazard_ratio_per_10pct_interval, TRUE_HR10)
    assert got.sbg_alpha == pytest.approx(1.0, rel=0.15)
    assert got.sbg_beta == pytest.approx(10.0, rel=0.15)
    small = customers.iloc[:150]
    small_prices = prices[prices["customer_id"].isin(small["customer_id"])]
    history = price_history(small, small_prices, PriceColumns(), observed_from=since)
    assert history.entry.max() > 0
    (counts,) = count_price_history(history)
    d = design(counts, cut=False, first_month=True, calendar_block=None)
    params = [0.1, 2.0, 1.5, 0.4]
    assert log_likelihood(np.array(params), d) == pytest.approx(
        brute_force_log_likelihood(small, small_prices, history.as_of, params, since), rel=1e-10
    )


def test_the_gradient_is_the_derivative_of_the_likelihood():
    customers, prices = generate_price_history(
        3000, design="staggered", rng=np.random.default_rng(4), calendar_shift=0.1
    )
    (counts,) = count_price_history(price_history(customers, prices, PriceColumns()))
    block = np.zeros(200, dtype=np.int64)
    block[100:] = 1
    d = design(counts, cut=False, first_month=True, calendar_block=block)
    params = np.array([0.2, 2.1, 1.7, 0.5, 0.1])
    _, g = group_terms(params, d)
    gradient = d.customers @ g
    for i in range(params.size):
        up, down = params.copy(), params.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        numeric = (log_likelihood(up, d) - log_likelihood(down, d)) / 2e-6
        assert gradient[i] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_the_json_has_exactly_the_keys_of_the_issue():
    customers, prices = generate_price_history(
        4000, design="staggered", rng=np.random.default_rng(5)
    )
    result = calibrate_price_response(customers, prices)
    segment = result.to_dict()["segments"]["all"]
    assert set(segment) == JSON_KEYS
    low, high = segment["hazard_ratio_per_10pct_interval"]
    assert low < segment["hazard_ratio_per_10pct"] < high
    assert isinstance(segment["warnings"], list)
    assert result.to_json().endswith("\n")


def test_segments_are_fitted_separately():
    a = generate_price_history(
        5000, design="staggered", rng=np.random.default_rng(6), segment="core", eta=1.0
    )
    b = generate_price_history(
        5000,
        design="uniform",
        rng=np.random.default_rng(7),
        segment="price-sensitive",
        eta=4.0,
        id_prefix="P",
    )
    result = calibrate_price_response(pd.concat([a[0], b[0]]), pd.concat([a[1], b[1]]))
    core, sensitive = result.segments
    assert (core.segment, sensitive.segment) == ("core", "price-sensitive")
    assert core.hazard_ratio_per_10pct < sensitive.hazard_ratio_per_10pct
    assert core.control_customers > 0 and sensitive.control_customers == 0


def test_without_any_price_change_nothing_is_estimated_and_the_warning_says_why():
    customers, prices = generate_price_history(
        2000, design="staggered", rng=np.random.default_rng(8), control_share=1.0
    )
    got = calibrate_price_response(customers, prices).segments[0]
    assert got.hazard_ratio_per_10pct is None and got.method == "not estimated"
    assert got.exposed_customers == 0
    assert "No customer in this segment was observed after a price change" in got.warnings[0]


def test_few_exposed_customers_and_churns_draw_warnings():
    customers, prices = generate_price_history(
        3000, design="targeted", rng=np.random.default_rng(9), targeted_min_tenure=34
    )
    got = calibrate_price_response(customers, prices).segments[0]
    assert got.exposed_customers < 100 and got.churns_after_change < 30
    assert any(w.startswith(f"Only {got.exposed_customers} customers were") for w in got.warnings)
    assert any(w.startswith(f"Only {got.churns_after_change} customers left") for w in got.warnings)
    assert any("interval includes 1.0" in w for w in got.warnings)


def test_price_cuts_get_their_own_coefficient():
    customers, prices = generate_price_history(
        4000, design="staggered", rng=np.random.default_rng(10), rises=(0.1, -0.1)
    )
    got = calibrate_price_response(customers, prices).segments[0]
    assert any("price cut" in w for w in got.warnings)
    assert got.hazard_ratio_per_10pct is not None


def test_months_between_clips_to_month_ends():
    start = np.array(["2024-01-31", "2024-01-31", "2024-01-15", "2024-03-10"], "datetime64[D]")
    end = np.array(["2024-02-29", "2024-02-28", "2024-02-14", "2024-03-09"], "datetime64[D]")
    assert months_between(start, end).tolist() == [1, 0, 0, -1]


def test_a_price_applies_from_the_first_renewal_on_or_after_its_date():
    customers = pd.DataFrame(
        {"id": ["a", "b"], "start": ["2024-01-31", "2024-01-10"], "end": ["2024-06-20", None]}
    )
    prices = pd.DataFrame(
        {
            "id": ["a", "a", "b", "b"],
            "date": ["2024-01-31", "2024-03-01", "2024-01-05", "2024-02-10"],
            "price": ["10", "11", "20", "22"],
        }
    )
    columns = PriceColumns(id="id", start="start", end="end", price_date="date", price="price")
    h = price_history(customers, prices, columns, as_of=datetime.date(2024, 7, 1))
    # a: renewals on Feb 29, Mar 31, ...; the rise dated Mar 1 applies from renewal 2; a left on
    # June 20, so it failed the renewal of June 30 (renewal 5).
    # b: the price dated before the start is its first price; the rise on the anniversary
    # Feb 10 applies from renewal 1; b made the renewals up to July 1 (5).
    assert h.renewals.tolist() == [5, 5]
    assert h.churned.tolist() == [True, False]
    assert h.row_renewal.tolist() == [0, 2, 0, 1]


def test_the_engine_elasticity_counts_only_the_controllable_share():
    assert controllable_elasticity(1.1**2, 0.0) == pytest.approx(2.0)
    hr = 0.3 + 0.7 * 1.1**2.5
    assert controllable_elasticity(hr, 0.3) == pytest.approx(2.5)
    assert controllable_elasticity(0.95, 0.3) == 0.0
