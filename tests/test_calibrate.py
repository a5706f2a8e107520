"""Per-segment calibration from the standard records form (simulator.calibrate)."""

from __future__ import annotations

import datetime
import json
import math

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.data.apply import apply_calibration
from simulator.data.calibrate import calibrate
from simulator.data.holdout import holdout_check
from simulator.data.synthetic import completed_months, generate_customers

from .conftest import CALIBRATION_KEYS as KEYS

AS_OF = datetime.date(2026, 9, 30)
SE_MULTIPLE = 4.0
"""Recovered ln(alpha), ln(beta) must lie within 4 standard errors (from the fit's inverse
Hessian) of the truth: a false failure has probability below 1e-4 per parameter."""


def records(
    segment: list[str],
    tenure: list[float],
    churned: list[bool],
    entry: list[float] | None = None,
    revenue: list[float] | None = None,
) -> pd.DataFrame:
    """A records frame in the standard form from lists."""
    n = len(segment)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "segment": segment,
            "tenure_months": np.asarray(tenure, dtype=float),
            "churned": np.asarray(churned, dtype=bool),
            "entry_months": np.zeros(n) if entry is None else np.asarray(entry, dtype=float),
            "monthly_revenue": np.full(n, np.nan) if revenue is None else revenue,
            "satisfaction": np.full(n, np.nan),
            "contacts": np.full(n, np.nan),
        }
    )


def sbg_records(
    alpha: float,
    beta: float,
    n: int,
    *,
    window: int,
    rng: np.random.Generator,
    segment: str = "s",
    entry: int = 0,
) -> pd.DataFrame:
    """Customers with theta ~ Beta(alpha, beta) and geometric months paid, observed in a window.

    ``entry`` 0: customers join uniformly over the last ``window`` months (age 0..window-1) and
    are censored at their age. ``entry`` e > 0: every customer joined e + window - 1 months
    before the as-of date, the data window opens at tenure e, so only those who paid more than e
    months appear (left truncation) and are followed to tenure e + window - 1.
    """
    theta = rng.beta(alpha, beta, size=n)
    paid = rng.geometric(theta).astype(float)
    if entry == 0:
        age = rng.integers(0, window, size=n).astype(float)
        enter = np.zeros(n)
    else:
        age = np.full(n, float(entry + window - 1))
        enter = np.full(n, float(entry))
    keep = paid > enter
    paid, age, enter = paid[keep], age[keep], enter[keep]
    churned = paid <= age
    tenure = np.where(churned, paid, age)
    return records([segment] * paid.size, list(tenure), list(churned), list(enter))


def assert_recovers(fit: simulator.SBGFit, alpha: float, beta: float) -> None:
    se = np.sqrt(np.diag(fit.covariance_log))
    assert np.all(se < 0.25), se  # the data pin the parameters down: the check is not vacuous
    assert abs(math.log(fit.alpha / alpha)) < SE_MULTIPLE * se[0], (fit.alpha, alpha, se)
    assert abs(math.log(fit.beta / beta)) < SE_MULTIPLE * se[1], (fit.beta, beta, se)


def customers_to_records(table: pd.DataFrame, as_of: datetime.date) -> pd.DataFrame:
    """Standard records from a generate_customers table: whole months to churn or to as-of."""
    start, end = table["start_date"], table["end_date"]
    month = (start.dt.year * 12 + start.dt.month - 1).to_numpy()
    day = start.dt.day.to_numpy()
    churned = end.notna().to_numpy()
    tenure = np.zeros(len(table))
    tenure[~churned] = completed_months(month[~churned], day[~churned], as_of)
    # completed_months takes one as-of date: group the churners by end date.
    gone = np.flatnonzero(churned)
    dates, inverse = np.unique(end.to_numpy()[gone].astype("datetime64[D]"), return_inverse=True)
    groups = np.split(
        gone[np.argsort(inverse, kind="stable")], np.cumsum(np.bincount(inverse))[:-1]
    )
    for date, rows in zip(dates.tolist(), groups, strict=True):
        tenure[rows] = completed_months(month[rows], day[rows], date)
    n = len(table)
    return pd.DataFrame(
        {
            "customer_id": table["customer_id"].astype(str),
            "segment": table["segment"].astype(str),
            "tenure_months": tenure,
            "churned": churned,
            "entry_months": np.zeros(n),
            "monthly_revenue": table["monthly_revenue"].astype(float),
            "satisfaction": table["satisfaction"].astype(float),
            "contacts": table["contacts_last_12_months"].astype(float),
        }
    )


@pytest.fixture(scope="module")
def sample_records() -> pd.DataFrame:
    table = generate_customers(
        simulator.sample_business(),
        as_of=AS_OF,
        history_months=96,
        rng=np.random.default_rng(7),
    )
    return customers_to_records(table, AS_OF)


@pytest.fixture(scope="module")
def sample_calibration(sample_records):
    return calibrate(sample_records)


# ---- parameter recovery ---------------------------------------------------------------------


def test_recovers_alpha_beta_per_segment_from_censored_records():
    rng = np.random.default_rng(20240601)
    truth = {"loyal": (2.0, 40.0), "fickle": (0.8, 4.0)}
    data = pd.concat(
        [sbg_records(a, b, 8000, window=60, rng=rng, segment=s) for s, (a, b) in truth.items()],
        ignore_index=True,
    )
    cal = calibrate(data)
    assert [s.name for s in cal.segments] == ["fickle", "loyal"]  # sorted by name
    for name, (alpha, beta) in truth.items():
        assert_recovers(cal.segment(name).fit, alpha, beta)


def test_recovers_alpha_beta_from_left_truncated_records_entering_at_12():
    rng = np.random.default_rng(11)
    alpha, beta = 1.2, 8.0
    data = sbg_records(alpha, beta, 30000, window=36, rng=rng, entry=12)
    assert (data["entry_months"] == 12).all()
    seg = calibrate(data).segment("s")
    assert_recovers(seg.fit, alpha, beta)
    # Ignoring the delayed entry would overstate survival: the naive fit is far off.
    naive = calibrate(data.assign(entry_months=0.0)).segment("s").fit
    assert abs(math.log(naive.beta / beta)) > 10 * math.sqrt(seg.fit.covariance_log[1][1])
    # Nobody is at risk before tenure 13, so the Kaplan-Meier curve does not reach 12 or 24.
    assert math.isnan(seg.km_survival_12) and math.isnan(seg.km_survival_24)
    assert seg.to_dict()["km_survival_12"] is None


def test_calibration_of_the_synthetic_sample_recovers_the_sample_business(sample_calibration):
    business = simulator.sample_business()
    assert {s.name for s in sample_calibration.segments} == {s.name for s in business.segments}
    for seg in business.segments:
        cal = sample_calibration.segment(seg.name)
        # Referred customers (about a fifth) churn at 0.85-0.9x the controllable hazard, which
        # the plain sBG does not model; the bias is well inside the statistical tolerance.
        assert_recovers(cal.fit, seg.sbg_alpha, seg.sbg_beta)
        assert cal.arpu == pytest.approx(seg.arpu_per_month, rel=0.01)
        assert cal.reason is None and cal.fitted


def test_sample_calibration_counts_shares_and_base(sample_records, sample_calibration):
    active = ~sample_records["churned"]
    assert sum(s.customers for s in sample_calibration.segments) == len(sample_records)
    assert sum(s.active_share for s in sample_calibration.segments) == pytest.approx(1.0)
    for seg in sample_calibration.segments:
        rows = sample_records[sample_records["segment"] == seg.name]
        assert seg.churned == int(rows["churned"].sum())
        assert seg.active == seg.customers - seg.churned
        assert seg.active_share == pytest.approx(seg.active / int(active.sum()))
        assert sum(seg.active_by_tenure) == seg.active
        assert (
            len(seg.active_by_tenure) == int(rows.loc[~rows["churned"], "tenure_months"].max()) + 1
        )
        assert list(seg.km.columns[:5]) == ["time", "at_risk", "events", "censored", "survival"]


# ---- hand-checked measures --------------------------------------------------------------------


def test_monthly_churn_is_churns_per_customer_month_at_risk():
    data = records(
        ["a"] * 4 + ["b"] * 2,
        tenure=[3, 5.5, 10, 2, 4, 6],
        churned=[True, False, True, False, True, False],
        entry=[0, 0, 4, 0, 1, 0],
        revenue=[10.0, 20.0, 99.0, 30.0, 50.0, np.nan],
    )
    cal = calibrate(data)
    a, b = cal.segment("a"), cal.segment("b")
    # a: 2 churns over 3 + 5.5 + (10 - 4) + 2 = 16.5 customer-months.
    assert a.monthly_churn == pytest.approx(2 / 16.5)
    # b: 1 churn over (4 - 1) + 6 = 9 customer-months.
    assert b.monthly_churn == pytest.approx(1 / 9)
    assert (a.customers, a.churned, b.customers, b.churned) == (4, 2, 2, 1)
    assert a.arpu == pytest.approx(25.0)  # active customers only: 20 and 30
    assert b.arpu is None  # its one active customer has no revenue
    assert a.active_share == pytest.approx(2 / 3) and b.active_share == pytest.approx(1 / 3)
    # Whole months (round half to even: 5.5 -> 6), active ones only.
    assert a.active_by_tenure == (0, 0, 1, 0, 0, 0, 1)
    # Too small for a fit, but measured and told why (not an exception).
    assert a.fit is None and "fewer than the 30" in a.reason
    assert cal.to_dict()["segments"]["a"]["sbg_alpha"] is None


def test_kaplan_meier_at_12_and_24_on_a_tiny_table():
    data = records(
        ["x"] * 5,
        tenure=[6, 12, 20, 30, 30],
        churned=[True, False, True, False, True],
    )
    seg = calibrate(data).segment("x")
    # Churn at 6 (5 at risk) -> 4/5; censored at 12; churn at 20 (3 at risk) -> 4/5 * 2/3;
    # churn and censoring at 30 (2 at risk) -> 4/5 * 2/3 * 1/2.
    assert seg.km_survival_12 == pytest.approx(0.8)
    assert seg.km_survival_24 == pytest.approx(0.8 * 2 / 3)
    short = calibrate(records(["y"] * 3, [3, 10, 18], [True, False, False])).segment("y")
    assert short.km_survival_12 == pytest.approx(2 / 3)
    assert math.isnan(short.km_survival_24)  # nobody observed for 24 months
    assert short.to_dict()["km_survival_24"] is None


def test_to_dict_has_exactly_the_specified_shape_and_is_json_safe(sample_calibration):
    tiny = calibrate(records(["t"], [0.0], [False]))  # no exposure: monthly churn undefined
    for cal in (sample_calibration, tiny):
        out = cal.to_dict()
        assert set(out) == {"segments"}
        assert set(out["segments"]) == {s.name for s in cal.segments}
        for values in out["segments"].values():
            assert set(values) == KEYS
            assert type(values["customers"]) is int and type(values["churned"]) is int
            for key in KEYS - {"customers", "churned"}:
                assert values[key] is None or type(values[key]) is float
        text = json.dumps(out, allow_nan=False)
        assert json.loads(text) == out
    assert tiny.to_dict()["segments"]["t"]["monthly_churn"] is None


def test_small_segments_are_reported_not_fitted():
    rng = np.random.default_rng(3)
    big = sbg_records(1.5, 10.0, 500, window=36, rng=rng, segment="big")
    small = sbg_records(1.5, 10.0, 500, window=36, rng=rng, segment="small").head(12)
    cal = calibrate(pd.concat([big, small], ignore_index=True), min_customers=50)
    assert cal.segment("big").fitted and cal.segment("big").reason is None
    s = cal.segment("small")
    assert not s.fitted and s.reason == "only 12 customers, fewer than the 50 needed for a fit"
    assert s.customers == 12 and s.to_dict()["sbg_beta"] is None
    no_churn = calibrate(records(["n"] * 40, [5.0] * 40, [False] * 40)).segment("n")
    assert not no_churn.fitted and "no churn" in no_churn.reason


def test_bad_records_raise_value_errors_naming_the_columns():
    good = records(["a", "a"], [3, 4], [True, False])
    with pytest.raises(ValueError, match="tenure_months, churned"):
        calibrate(good.drop(columns=["tenure_months", "churned"]))
    bad = good.assign(tenure_months=[-1.0, np.nan], entry_months=[0.0, 0.0])
    with pytest.raises(ValueError, match="tenure_months"):
        calibrate(bad)
    with pytest.raises(ValueError, match="entry_months"):
        calibrate(good.assign(entry_months=[5.0, 0.0]))
    with pytest.raises(ValueError, match="churned"):
        calibrate(good.assign(churned=["yes", None]))
    with pytest.raises(ValueError, match="segment"):
        calibrate(good.assign(segment=["a", ""]))
    with pytest.raises(ValueError, match="monthly_revenue"):
        calibrate(good.assign(monthly_revenue=["x", "y"]))
    with pytest.raises(ValueError, match="no customers"):
        calibrate(good.iloc[:0])
    with pytest.raises(ValueError, match="min_customers"):
        calibrate(good, min_customers=0)


# ---- holdout ----------------------------------------------------------------------------------


def test_holdout_check_is_small_for_sbg_data_and_large_for_a_misspecified_hazard():
    rng = np.random.default_rng(5)
    good = sbg_records(1.5, 10.0, 20000, window=48, rng=rng, segment="sbg")
    # Misspecified: everyone keeps 2 % monthly churn for 24 months, then 30 % (contracts end).
    n = 20000
    age = rng.integers(0, 48, size=n)
    early = rng.geometric(0.02, size=n)
    late = 24 + rng.geometric(0.30, size=n)
    paid = np.where(early <= 24, early, late)
    churned = paid <= age
    bad = records(["cliff"] * n, list(np.where(churned, paid, age)), list(churned))
    check = holdout_check(pd.concat([good, bad], ignore_index=True), holdout_months=12)
    assert list(check["segment"]) == ["cliff", "sbg"]  # sorted by name
    row = check.set_index("segment")
    assert row.loc["sbg", "fit_through_months"] == 47 - 12
    assert row.loc["sbg", "holdout_tenures"] == 12
    assert row.loc["sbg", "mean_abs_error"] < 0.01
    assert row.loc["cliff", "mean_abs_error"] > 0.05
    # The cliff's churn jumps after the fitted tenures: the early fit keeps too many customers.
    assert row.loc["cliff", "mean_error"] == pytest.approx(row.loc["cliff", "mean_abs_error"])
    assert abs(row.loc["sbg", "mean_error"]) <= row.loc["sbg", "mean_abs_error"]
    assert check["reason"].isna().all()


def test_holdout_check_of_yearly_tenure_fits_intervals_and_compares_whole_years():
    """Tenure known in whole years (12 ceil(m / 12) for churners, 12 floor(age / 12) for active
    customers): the early fit is interval-censored like the calibration's, and the curves meet
    only at whole years, where the data have steps."""
    rng = np.random.default_rng(7)
    monthly = sbg_records(1.5, 10.0, 40_000, window=120, rng=rng)
    m, churned = monthly["tenure_months"].to_numpy(), monthly["churned"].to_numpy()
    yearly = monthly.assign(tenure_months=np.where(churned, 12 * np.ceil(m / 12), 12 * (m // 12)))
    row = holdout_check(yearly, holdout_months=12, tenure_interval_months=12).iloc[0]
    assert (row["fit_through_months"], row["holdout_tenures"]) == (108, 1)
    assert row["mean_abs_error"] < 0.006
    assert row["sbg_alpha"] == pytest.approx(1.5, rel=0.2)
    # Read as whole months, yearly steps look like constant churn: the early fit runs to the
    # geometric bound, which is not the model the calibration uses for such a table.
    naive = holdout_check(yearly, holdout_months=12).iloc[0]
    assert naive["sbg_alpha"] > 1_000
    with pytest.raises(ValueError, match="tenure_interval_months"):
        holdout_check(yearly, tenure_interval_months=0)


def test_holdout_check_of_the_sample_is_within_two_points(sample_records):
    check = holdout_check(sample_records, holdout_months=12)
    assert (check["mean_abs_error"] < 0.02).all(), check


def test_holdout_check_reports_segments_it_cannot_check():
    check = holdout_check(records(["a"] * 3, [2, 3, 5], [True, False, True]), holdout_months=12)
    assert check.loc[0, "reason"].startswith("longest tenure 5 months")
    assert math.isnan(check.loc[0, "mean_abs_error"])
    with pytest.raises(ValueError, match="holdout_months"):
        holdout_check(records(["a"], [2], [True]), holdout_months=0)


# ---- applying a calibration -----------------------------------------------------------------


def test_apply_calibration_replaces_marks_and_simulates(sample_calibration):
    template = simulator.sample_business()
    business = apply_calibration(template, sample_calibration)
    assert [s.name for s in business.segments] == [s.name for s in template.segments]
    for seg in business.segments:
        cal = sample_calibration.segment(seg.name)
        assert (seg.sbg_alpha, seg.sbg_beta) == (cal.fit.alpha, cal.fit.beta)
        assert seg.arpu_per_month == cal.arpu
        assert seg.base_customers == cal.active
        # Priors not measured are kept from the template.
        assert seg.lasting_price_elasticity == template.segment(seg.name).lasting_price_elasticity
        for name in ("sbg_alpha", "sbg_beta", "arpu_per_month", "base_customers_by_tenure"):
            assert business.source(f"segments.{seg.name}.{name}") == "data"
        assert business.source(f"segments.{seg.name}.lasting_price_elasticity") == "assumption"
    projection = simulator.simulate(business, simulator.example_scenario())
    assert np.isfinite(projection.npv_with_terminal_value)
    assert business.core_segment == template.core_segment


def test_apply_calibration_adds_new_segments_and_drops_absent_ones():
    rng = np.random.default_rng(9)
    data = pd.concat(
        [
            sbg_records(2.0, 30.0, 2000, window=36, rng=rng, segment="core"),
            sbg_records(1.0, 5.0, 2000, window=36, rng=rng, segment="students"),
            sbg_records(1.0, 5.0, 2000, window=36, rng=rng, segment="tiny").head(5),
        ],
        ignore_index=True,
    )
    cal = calibrate(data)
    template = simulator.sample_business()
    business = apply_calibration(template, cal)
    assert [s.name for s in business.segments] == ["core", "students", "tiny"]
    first = template.segments[0]
    students = business.segment("students")
    assert students.sbg_alpha == cal.segment("students").fit.alpha
    assert students.arpu_per_month == first.arpu_per_month  # no revenue in the records
    assert students.variable_cost_per_month == first.variable_cost_per_month
    tiny = business.segment("tiny")  # not fitted: keeps the copied priors, gets its base
    assert (tiny.sbg_alpha, tiny.sbg_beta) == (first.sbg_alpha, first.sbg_beta)
    assert tiny.base_customers == cal.segment("tiny").active
    assert business.source("segments.tiny.sbg_alpha") == "assumption"
    assert business.source("segments.tiny.base_customers_by_tenure") == "data"
    assert business.source("segments.students.arpu_per_month") == "assumption"
    # Without start dates acquisitions are not measured: each segment keeps the template's
    # new customers per active customer, so five customers do not gain hundreds a month.
    for name in ("core", "students", "tiny"):
        template_segment = template.segment(name) if name == "core" else first
        per_customer = template_segment.paid_acquisitions_per_month / (
            template_segment.base_customers
        )
        segment = business.segment(name)
        assert segment.paid_acquisitions_per_month == pytest.approx(
            per_customer * segment.base_customers, rel=1e-12
        )
        assert business.source(f"segments.{name}.paid_acquisitions_per_month") == "assumption"
    assert tiny.paid_acquisitions_per_month < 1.0
    assert not any("price-sensitive" in p for p in business.data_fields)
    assert business.core == "core"
    simulator.simulate(business, simulator.example_scenario())


# --- Yearly tenure and the homogeneous (constant-churn) limit --------------------------------


def geometric_records(churn: float, n: int, rng: np.random.Generator) -> pd.DataFrame:
    paid = rng.geometric(churn, n).astype(float)
    age = rng.integers(0, 60, n).astype(float)
    gone = paid <= age
    return records(["s"] * n, list(np.where(gone, paid, age)), list(gone))


def test_constant_churn_population_is_flagged_with_its_monthly_churn():
    result = calibrate(geometric_records(0.02, 20_000, np.random.default_rng(7)))
    seg = result.segment("s")
    assert seg.constant_churn_fits
    assert seg.constant_churn == pytest.approx(0.02, abs=0.001)
    out = seg.to_dict()
    assert set(out) == KEYS and out["sbg_alpha"] is None and out["sbg_beta"] is None
    business = apply_calibration(simulator.sample_business(), result)
    assert business.segments[0].constant_monthly_churn == pytest.approx(seg.constant_churn)
    assert "segments.s.constant_monthly_churn" in business.data_fields


def test_heterogeneous_population_is_not_flagged():
    seg = calibrate(sbg_records(0.7, 3.0, 20_000, window=36, rng=np.random.default_rng(7)))
    s = seg.segments[0]
    assert not s.constant_churn_fits and s.heterogeneity_lr > 100
    assert s.to_dict()["sbg_alpha"] == pytest.approx(s.fit.alpha)


def test_tenure_interval_months_must_be_at_least_1():
    with pytest.raises(ValueError, match="tenure_interval_months"):
        calibrate(records(["s"], [3.0], [True]), tenure_interval_months=0)


def test_churn_modelling_geography_segments_are_moderate_or_constant():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "Churn_Modelling.csv"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    table = simulator.read_table(path.read_bytes(), name=path.name)
    mapping = simulator.propose_mapping(table)
    assert mapping.tenure_unit == "years"
    result = calibrate(
        simulator.customer_records(table, mapping, name=path.name), tenure_interval_months=12
    )
    for s in result.segments:
        assert s.constant_churn_fits or (s.fit.alpha < 1e4 and s.fit.beta < 1e4)
        assert 0.001 < s.monthly_churn < 0.02
        if s.constant_churn_fits:
            assert 0.001 < s.constant_churn < 0.02


def test_holdout_check_of_left_truncated_data_compares_curves_given_the_entry_tenure():
    # Nobody observed below tenure 12 (as in BankChurners): the check still runs, comparing
    # Kaplan-Meier from tenure 12 with S(t) / S(12) of the early fit.
    rng = np.random.default_rng(17)
    data = sbg_records(0.7, 3.8, 40_000, window=48, rng=rng, entry=12)
    row = holdout_check(data, holdout_months=12).iloc[0]
    assert row["reason"] is None
    assert row["fit_through_months"] == 12 + 47 - 12
    assert row["holdout_tenures"] == 12
    assert row["mean_abs_error"] < 0.01
