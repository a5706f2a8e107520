"""A customer table through the planner's path: exact on a hand-made table, close on the sample.

The hand-made table checks what calibration measures directly (base, ARPU, acquisitions,
referrals); on the bundled sample the calibrated values are compared with the true parameters
behind it with a tolerance of 3 standard errors of each measurement (stated in each test).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import ColumnMapping, apply_calibration, calibrate, customer_records, sample_business
from simulator.data.customers import (
    SUMMARY_COLUMNS,
    calibrate_sample,
    sample_business_from_table,
    summarize_calibration,
)
from simulator.data.synthetic import REVENUE_SPREAD, expected_customer_history
from simulator.data.tables import read_table
from simulator.model.sample import HISTORY_MONTHS

ROOT = Path(__file__).resolve().parents[1]
AS_OF = datetime.date(2026, 9, 30)

# as_of = 30 Sep 2026 (month m). Trailing window of starts: Oct 2025 (m-11) .. Sep 2026 (m);
# customer-months for referrals: Sep 2025 (m-12) .. Aug 2026 (m-1).
HAND_MADE = [
    # id, segment, channel, start, end, revenue   | tenure, in window?, customer-months m-12..m-1
    ("A", "core", "paid", "2026-09-10", "", 50.0),  # active, 0, yes, 0
    ("B", "core", "referral", "2026-08-31", "", 40.0),  # active, 1 (31 Aug + 1 month = 30 Sep), 1
    ("C", "core", "paid", "2025-09-15", "", 60.0),  # active, 12, no (m-12), 12
    ("D", "core", "paid", "2025-10-01", "2026-03-01", 45.0),  # churned, yes, 5 (Oct..Feb)
    ("E", "core", "referral", "2026-01-20", "2026-10-15", 30.0),  # active (ends later), 8, 8
    ("F", "core", "paid", "2026-10-05", "", 99.0),  # starts after as_of: ignored
    ("G", "core", "paid", "2024-05-05", "2026-09-30", 70.0),  # churned on as_of, no, 12
    ("H", "price-sensitive", "paid", "2020-01-01", "2021-01-01", 20.0),  # churned long ago
]

MAPPING = ColumnMapping(
    id="customer_id",
    start="start_date",
    end="end_date",
    revenue="monthly_revenue",
    segment="segment",
    channel="acquisition_channel",
    kind="dated",
)


def hand_made(with_channel: bool = True) -> pd.DataFrame:
    table = pd.DataFrame(
        HAND_MADE,
        columns=[
            "customer_id",
            "segment",
            "acquisition_channel",
            "start_date",
            "end_date",
            "monthly_revenue",
        ],
    )
    return table if with_channel else table.drop(columns="acquisition_channel")


def calibrated(table: pd.DataFrame, mapping: ColumnMapping = MAPPING):
    records = customer_records(table, mapping, as_of=AS_OF)
    return calibrate(records, min_customers=1)


def test_hand_made_table_gives_exact_base_arpu_and_rates():
    template = sample_business()
    business = apply_calibration(template, calibrated(hand_made()))
    core = business.segment("core")
    assert core.base_customers_by_tenure == (1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1)
    assert core.arpu_per_month == pytest.approx((50 + 40 + 60 + 30) / 4, rel=1e-15)
    assert core.paid_acquisitions_per_month == pytest.approx(2 / 12, rel=1e-15)  # A, D
    assert core.referral_rate_per_month == pytest.approx(2 / (0 + 1 + 12 + 5 + 8 + 12), rel=1e-15)
    # What the data cannot say comes from the template.
    assert core.variable_cost_per_month == template.segment("core").variable_cost_per_month
    assert business.source("segments.core.arpu_per_month") == "data"
    assert business.source("segments.core.variable_cost_per_month") == "assumption"
    assert template.data_fields == ()  # the template is untouched


def test_segment_without_active_customers_keeps_the_unmeasurable_fields():
    template = sample_business()
    business = apply_calibration(template, calibrated(hand_made()))
    sensitive, before = business.segment("price-sensitive"), template.segment("price-sensitive")
    assert sensitive.base_customers_by_tenure == ()
    assert sensitive.arpu_per_month == before.arpu_per_month
    assert sensitive.paid_acquisitions_per_month == 0.0  # measured: no starts in the window
    # No customer-months in the window: the referral rate cannot be measured.
    assert sensitive.referral_rate_per_month == before.referral_rate_per_month
    assert "segments.price-sensitive.arpu_per_month" not in business.data_fields


def test_without_channel_column_every_start_counts_as_paid():
    template = sample_business()
    mapping = ColumnMapping(**{**MAPPING.__dict__, "channel": None})
    business = apply_calibration(template, calibrated(hand_made(False), mapping))
    core = business.segment("core")
    assert core.paid_acquisitions_per_month == pytest.approx(4 / 12, rel=1e-15)  # A, B, D, E
    assert core.referral_rate_per_month == template.segment("core").referral_rate_per_month
    assert "segments.core.referral_rate_per_month" not in business.data_fields


def test_dates_may_be_text_datetimes_or_date_objects():
    text = hand_made()
    parsed = text.assign(
        start_date=pd.to_datetime(text["start_date"]),
        end_date=pd.to_datetime(text["end_date"].replace("", None)),
    )
    objects = parsed.assign(
        start_date=[d.date() for d in parsed["start_date"]],
        end_date=[None if pd.isna(d) else d.date() for d in parsed["end_date"]],
    )
    results = [calibrated(t).to_dict() for t in (text, parsed, objects)]
    assert results[0] == results[1] == results[2]


def test_summary_of_the_hand_made_table():
    summary = summarize_calibration(calibrated(hand_made()))
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    core = summary.set_index("segment").loc["core"]
    assert (core["customers"], core["active"], core["churned"]) == (6, 4, 2)
    assert core["churn_share"] == pytest.approx(2 / 6)
    assert core["mean_tenure_months"] == pytest.approx((0 + 1 + 12 + 8) / 4)
    assert core["arpu_per_month"] == pytest.approx(45.0)
    sensitive = summary.set_index("segment").loc["price-sensitive"]
    assert (sensitive["customers"], sensitive["active"], sensitive["churned"]) == (1, 0, 1)
    assert np.isnan(sensitive["mean_tenure_months"])
    assert np.isnan(sensitive["arpu_per_month"])


# The bundled sample against the true parameters behind it -------------------------------------


@pytest.fixture(scope="module")
def sample_table() -> pd.DataFrame:
    return read_table((ROOT / "sample_data" / "customers.csv").read_bytes(), name="customers.csv")


@pytest.fixture(scope="module")
def measured(sample_table):
    return sample_business_from_table(sample_table)


def test_sample_arpu_is_the_true_arpu(measured):
    # Tolerance: 3 standard errors of a mean of n lognormal revenues (sd ARPU * sqrt(e^s^2 - 1)).
    truth = sample_business()
    for seg in truth.segments:
        got = measured.segment(seg.name)
        sd = seg.arpu_per_month * np.sqrt(np.expm1(REVENUE_SPREAD**2))
        assert abs(got.arpu_per_month - seg.arpu_per_month) <= 3 * sd / np.sqrt(got.base_customers)


def test_sample_acquisition_and_referrals_are_the_true_rates(measured):
    # Tolerance: 3 standard errors of a Poisson count over 12 months (paid) and of the referral
    # count given the customer-months (referral rate).
    truth = sample_business()
    for seg in truth.segments:
        got = measured.segment(seg.name)
        paid = seg.paid_acquisitions_per_month
        assert abs(got.paid_acquisitions_per_month - paid) <= 3 * np.sqrt(12 * paid) / 12
        expected = expected_customer_history(seg, HISTORY_MONTHS)
        referrals = expected["referred"].iloc[-12:].sum()
        nu = seg.referral_rate_per_month
        assert abs(got.referral_rate_per_month - nu) <= 3 * nu / np.sqrt(referrals)


def test_sample_active_base_is_the_expected_base(measured):
    # Tolerance: 3 standard errors of a near-Poisson count, in total and over the first year of
    # tenure.
    truth = sample_business()
    for seg in truth.segments:
        base = np.asarray(measured.segment(seg.name).base_customers_by_tenure)
        assert base.size == HISTORY_MONTHS
        expected = expected_customer_history(seg, HISTORY_MONTHS).attrs["active_by_tenure"]
        assert abs(base.sum() - expected.sum()) <= 3 * np.sqrt(expected.sum())
        assert abs(base[:12].sum() - expected[:12].sum()) <= 3 * np.sqrt(expected[:12].sum())


def test_sample_retention_is_fitted_near_the_true_parameters(measured):
    # The sBG fit on 8 years of the sample's own customers: the mean churn probability
    # alpha / (alpha + beta) within 10 % of the truth, and every measured field labelled data.
    truth = sample_business()
    for seg in truth.segments:
        got = measured.segment(seg.name)
        true_mean = seg.sbg_alpha / (seg.sbg_alpha + seg.sbg_beta)
        assert got.sbg_alpha / (got.sbg_alpha + got.sbg_beta) == pytest.approx(true_mean, rel=0.1)
        for name in ("sbg_alpha", "sbg_beta", "arpu_per_month", "referral_rate_per_month"):
            assert measured.source(f"segments.{seg.name}.{name}") == "data"
    assert measured.source("service.csat") == "data"
    assert measured.service.csat == pytest.approx(truth.service.csat, abs=0.01)


def test_sample_summary_counts_every_customer(sample_table, measured):
    summary = summarize_calibration(calibrate_sample(sample_table))
    assert summary["customers"].sum() == len(sample_table)
    assert summary["active"].sum() == sample_table["end_date"].isna().sum()
    assert list(summary["segment"]) == ["core", "price-sensitive"]
    for row in summary.itertuples():
        assert row.active == measured.segment(row.segment).base_customers
