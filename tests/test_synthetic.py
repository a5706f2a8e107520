"""The synthetic customer table: its shape, its process, and the bundled sample file.

Statistical checks use a tolerance of 3 standard errors of the quantity (stated per test); every
draw is seeded, so the outcomes are reproducible.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import sample_business
from simulator.data.synthetic import (
    CUSTOMER_COLUMNS,
    SAMPLE_AS_OF,
    completed_months,
    customers_to_csv,
    expected_customer_history,
    generate_customers,
    read_customer_table,
    sample_customers,
)
from simulator.model.sample import HISTORY_MONTHS

from .conftest import one_segment_business

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CSV = ROOT / "sample_data" / "customers.csv"
AS_OF = datetime.date(2026, 9, 30)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Three years of the sample business."""
    return generate_customers(
        sample_business(), as_of=AS_OF, history_months=36, rng=np.random.default_rng(7)
    )


def test_table_has_the_documented_columns_and_types(table):
    assert tuple(table.columns) == CUSTOMER_COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(table["start_date"])
    assert pd.api.types.is_datetime64_any_dtype(table["end_date"])
    assert table["customer_id"].is_unique
    assert table["customer_id"].iloc[0] == "C0000001"
    assert table["customer_id"].str.fullmatch(r"C\d{7}").all()
    assert set(table["segment"]) == {"core", "price-sensitive"}
    assert set(table["acquisition_channel"]) == {"paid", "referral"}
    assert table["satisfaction"].between(1, 5).all()
    assert (table["contacts_last_12_months"] >= 0).all()
    assert (table["monthly_revenue"] > 0).all()
    assert np.allclose(table["monthly_revenue"], table["monthly_revenue"].round(2), atol=1e-9)


def test_dates_follow_the_calendar_of_the_history(table):
    start, end = table["start_date"], table["end_date"]
    assert start.is_monotonic_increasing
    assert start.min() >= pd.Timestamp("2023-10-01")  # 36 months up to September 2026
    assert start.max() <= pd.Timestamp(AS_OF)
    churned = end.notna()
    assert churned.any() and (~churned).any()
    assert (end[churned] <= pd.Timestamp(AS_OF)).all()
    # A customer leaves after a whole number (>= 1) of paid months: same day of month, or the
    # month's last day when the start day does not exist in the end month.
    s, e = start[churned], end[churned]
    months = (e.dt.year - s.dt.year) * 12 + e.dt.month - s.dt.month
    assert (months >= 1).all()
    clipped = e.dt.day < s.dt.day
    assert ((e.dt.day == s.dt.day) | (clipped & e.dt.is_month_end)).all()


def test_same_seed_gives_the_same_table_and_another_seed_another():
    business = sample_business()

    def draw(seed: int) -> pd.DataFrame:
        return generate_customers(
            business, as_of=AS_OF, history_months=12, rng=np.random.default_rng(seed)
        )

    pd.testing.assert_frame_equal(draw(1), draw(1))
    assert not draw(1).equals(draw(2))


def test_mid_month_as_of_never_produces_future_starts():
    as_of = datetime.date(2026, 2, 10)
    table = generate_customers(
        sample_business(), as_of=as_of, history_months=3, rng=np.random.default_rng(3)
    )
    assert table["start_date"].max() <= pd.Timestamp(as_of)
    assert table["start_date"].min() >= pd.Timestamp("2025-12-01")


def test_active_customers_match_the_expected_history():
    # Tolerance: 3 standard errors, the count being close to Poisson (sqrt(expected)).
    business = sample_business()
    table = generate_customers(
        business, as_of=AS_OF, history_months=60, rng=np.random.default_rng(11)
    )
    active = table[table["end_date"].isna()]
    for seg in business.segments:
        expected = expected_customer_history(seg, 60)
        count = int((active["segment"] == seg.name).sum())
        mean = expected["active"].iloc[-1]
        assert abs(count - mean) <= 3 * np.sqrt(mean), seg.name
        assert np.isclose(expected.attrs["active_by_tenure"].sum(), mean, rtol=1e-12)


def test_expected_history_without_referrals_is_acquisition_times_survival():
    from simulator import sbg_survival

    seg = one_segment_business(paid_acquisitions_per_month=100.0).segments[0]
    expected = expected_customer_history(seg, 24)
    survival = sbg_survival(seg.sbg_alpha, seg.sbg_beta, np.arange(24))
    assert np.allclose(expected["active"], 100.0 * np.cumsum(survival), rtol=1e-12)
    assert np.allclose(expected.attrs["active_by_tenure"], 100.0 * survival, rtol=1e-12)
    assert (expected["referred"] == 0).all()


def test_referred_customers_stay_longer_as_the_engine_assumes():
    # phi_ref = 0.5 with u = 0 halves the hazard exponent: referred churn is clearly lower.
    business = one_segment_business(
        paid_acquisitions_per_month=400.0,
        referral_rate_per_month=0.05,
        referred_churn_multiplier=0.5,
        sbg_alpha=1.0,
        sbg_beta=4.0,
    )
    table = generate_customers(
        business, as_of=AS_OF, history_months=24, rng=np.random.default_rng(5)
    )
    churned = table["end_date"].notna()
    share = churned.groupby(table["acquisition_channel"]).mean()
    assert share["referral"] < share["paid"] - 0.05


def test_constant_churn_segments_are_supported():
    business = one_segment_business(constant_monthly_churn=0.1, paid_acquisitions_per_month=500.0)
    table = generate_customers(
        business, as_of=AS_OF, history_months=1, rng=np.random.default_rng(2)
    )
    # One month of history: nobody has had a renewal yet, so everyone is active.
    assert table["end_date"].isna().all()
    assert table["acquisition_channel"].eq("paid").all()


def test_satisfaction_is_informative_about_churn_and_contacts(table):
    by_score = table.assign(churned=table["end_date"].notna()).groupby("satisfaction")
    churn = by_score["churned"].mean()
    contacts = by_score["contacts_last_12_months"].mean()
    assert churn[1] > churn[3] > churn[5]
    assert contacts[1] > contacts[3] > contacts[5]


def test_share_of_satisfied_customers_is_the_business_csat():
    # Tolerance: 3 standard errors of a proportion, sqrt(p (1 - p) / n).
    business = sample_business()
    business = replace(business, service=replace(business.service, csat=0.6))
    table = generate_customers(
        business, as_of=AS_OF, history_months=24, rng=np.random.default_rng(9)
    )
    share = (table["satisfaction"] >= 4).mean()
    assert abs(share - 0.6) <= 3 * np.sqrt(0.6 * 0.4 / len(table))


def test_completed_months_clip_to_the_month_end():
    month = np.array([2026 * 12 + 7, 2026 * 12 + 7, 2026 * 12 + 8, 2025 * 12 + 8])
    day = np.array([31, 15, 30, 30])
    # 31 Aug + 1 month = 30 Sep; 15 Aug -> 1; 30 Sep -> 0; 30 Sep 2025 -> 12.
    assert completed_months(month, day, datetime.date(2026, 9, 30)).tolist() == [1, 1, 0, 12]
    # Mid-month as-of: 15 Aug -> 0 on 14 Sep, 1 on 15 Sep.
    assert completed_months(month[1:2], day[1:2], datetime.date(2026, 9, 14)).tolist() == [0]
    assert completed_months(month[1:2], day[1:2], datetime.date(2026, 9, 15)).tolist() == [1]


def test_history_months_must_be_positive():
    with pytest.raises(ValueError, match="history_months"):
        generate_customers(
            sample_business(), as_of=AS_OF, history_months=0, rng=np.random.default_rng(1)
        )


# The bundled file ------------------------------------------------------------------------------


def test_committed_sample_matches_a_fresh_generation():
    fresh = customers_to_csv(sample_customers()).encode()
    committed = SAMPLE_CSV.read_bytes()
    assert hashlib.sha256(committed).hexdigest() == hashlib.sha256(fresh).hexdigest(), (
        "sample_data/customers.csv is stale: run `.venv/bin/python sample_data/generate.py`"
    )


def test_committed_sample_has_the_documented_size_and_aggregates():
    table = read_customer_table(SAMPLE_CSV.read_bytes())
    assert SAMPLE_CSV.stat().st_size < 8_000_000
    assert len(table) == 114_326
    assert tuple(table.columns) == CUSTOMER_COLUMNS
    active = table["end_date"].isna()
    assert int(active.sum()) == 25_690
    assert int((~active).sum()) == 88_636
    assert table["start_date"].min() == pd.Timestamp("2018-10-01")
    assert table["start_date"].max() <= pd.Timestamp(SAMPLE_AS_OF)
    assert table["end_date"].max() <= pd.Timestamp(SAMPLE_AS_OF)
    assert HISTORY_MONTHS == 96


def test_csv_round_trip_is_lossless(table):
    text = customers_to_csv(table)
    back = read_customer_table(text.encode())
    assert customers_to_csv(back) == text
    assert back["end_date"].isna().sum() == table["end_date"].isna().sum()
