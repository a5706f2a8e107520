"""Reading out a randomised price test (simulator.decisions.price_test_readout)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.data.price_histories import generate_price_history
from simulator.data.price_tables import PriceColumns
from simulator.data.tables import DataError
from simulator.decisions.price_test_readout import check_arms, read_test, read_test_files
from simulator.decisions.price_test_rise import elasticity_path

from .conftest import APP_BUSINESS

EXAMPLE = simulator.example_scenario()
SEGMENT = "price-sensitive"
TRUE_WHOLE_HAZARD = 2.0
"""The generated customers' log hazard per unit of log price (hazard ratio per +10 %: 1.21)."""


def _test_tables(*, share: float = 0.5, months: int = 12, rise: float = 0.10, seed: int = 2026):
    """A randomised test on the price-sensitive segment, with an arm column."""
    customers, prices = generate_price_history(
        40_000,
        design="staggered",
        rng=np.random.default_rng(seed),
        control_share=1 - share,
        rollout_months=1,
        change_months_before_as_of=months - 1,
        rises=(rise,),
        alpha=1.6,
        beta=12.3,
        eta=TRUE_WHOLE_HAZARD,
        kappa=0.5,
        plan_prices=(32.0,),
        segment=SEGMENT,
    )
    changed = prices["customer_id"][prices["customer_id"].duplicated()]
    customers["arm"] = np.where(customers["customer_id"].isin(changed), "test", "control")
    return customers, prices


@pytest.fixture(scope="module")
def readout():
    customers, prices = _test_tables()
    return read_test(APP_BUSINESS, EXAMPLE, customers, prices, draws=400)


@pytest.mark.slow
def test_the_readout_recovers_a_known_response_from_a_generated_test(readout):
    (measured,) = readout.segments
    assert measured.segment == SEGMENT
    low, high = measured.estimate.hazard_ratio_per_10pct_interval
    assert low < 1.1**TRUE_WHOLE_HAZARD < high
    assert measured.price_ratio == pytest.approx(1.10, abs=0.001)
    # the engine's eta acts on the controllable share above the latitude: at +10 %
    segment = APP_BUSINESS.segment(SEGMENT)
    u, tau = segment.uncontrollable_churn_share, segment.price_threshold
    truth = math.log((1.1**TRUE_WHOLE_HAZARD - u) / (1 - u)) / (math.log(1.1) - tau)
    eta_low, eta_high = measured.elasticity_interval
    assert eta_low < truth < eta_high
    assert measured.elasticity == pytest.approx(truth, rel=0.25)
    assert measured.grade == "randomised_test"
    assert readout.applied == (SEGMENT,)
    assert readout.warnings == ()  # the arm column agrees with the price history


@pytest.mark.slow
def test_the_scenario_then_uses_the_tests_estimate_marked_as_data(readout):
    business = readout.business
    (measured,) = readout.segments
    path = elasticity_path(SEGMENT)
    assert business.segment(SEGMENT).lasting_price_elasticity == measured.elasticity
    assert business.source(path) == "data"
    (evidence,) = [e for e in business.evidence if e.path == path]
    assert evidence.grade == "randomised_test"
    assert (evidence.low, evidence.high) == measured.elasticity_interval
    assert business.segment("core") == APP_BUSINESS.segment("core")  # not tested: unchanged
    # the chance the rise pays, before and after; the recommendation follows the value after
    assert readout.probability_before == pytest.approx(0.56, abs=0.05)
    assert 0.0 <= readout.probability_after <= 1.0
    assert readout.raise_price == (readout.value_after > 0)
    data = readout.to_dict()
    assert data["segments"][SEGMENT]["grade"] == "randomised_test"
    assert set(data) >= {"value_before", "value_after", "raise", "warnings"}


def test_an_arm_column_that_disagrees_with_the_price_history_is_reported_by_rows():
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "start_date": ["2024-01-05"] * 4,
            "end_date": [None] * 4,
            "Group": ["Test", "control", "control", "test"],
        }
    )
    prices = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C", "C", "D"],
            "effective_date": ["2024-01-05", "2025-01-01", "2024-01-05", "2024-01-05"]
            + ["2025-01-01", "2024-01-05"],
            "monthly_price": [30, 33, 30, 30, 33, 30],
        }
    )
    columns = PriceColumns(
        id="customer_id",
        start="start_date",
        end="end_date",
        price_id="customer_id",
        price_date="effective_date",
        price="monthly_price",
    )
    lines = check_arms(customers, prices, columns, customers_name="test.csv")
    assert lines == [
        "test.csv: 1 customers (rows 4) are marked control but their price history shows a rise: "
        "they are read as tested.",
        "test.csv: 1 customers (rows 5) are marked test but their price history shows no rise: "
        "they are read as control (or they left before the rise).",
    ]
    customers.loc[2, "Group"] = "maybe"
    with pytest.raises(DataError) as error:
        check_arms(customers, prices, columns, customers_name="test.csv")
    assert error.value.name == "test.csv"
    (problem,) = error.value.problems
    assert problem.column == "Group" and problem.rows == (4,)
    assert "neither a test nor a control value" in problem.message
    assert check_arms(customers.drop(columns="Group"), prices, columns) == []


def test_a_readout_of_segments_the_business_lacks_names_them():
    customers, prices = _test_tables(share=0.3, months=3, seed=1)
    customers = customers.head(3000)
    customers["segment"] = "gold"
    raw_customers = customers.to_csv(index=False, date_format="%Y-%m-%d").encode()
    raw_prices = prices.to_csv(index=False, date_format="%Y-%m-%d").encode()
    with pytest.raises(DataError, match="no segment of the test is a segment of the business"):
        read_test_files(
            APP_BUSINESS,
            EXAMPLE,
            raw_customers,
            raw_prices,
            customers_name="test.csv",
            prices_name="prices.csv",
            draws=50,
        )


@pytest.mark.slow
def test_a_rise_to_everybody_is_not_graded_a_randomised_test():
    customers, prices = generate_price_history(
        20_000,
        design="uniform",
        rng=np.random.default_rng(4),
        change_months_before_as_of=8,
        rises=(0.10,),
        alpha=1.6,
        beta=12.3,
        eta=TRUE_WHOLE_HAZARD,
        segment=SEGMENT,
    )
    result = read_test(APP_BUSINESS, EXAMPLE, customers, prices, draws=100)
    (measured,) = result.segments
    assert measured.estimate.control_customers == 0
    assert measured.grade == "history_without_control"
