"""Customers most at risk from a rise: each one's chance of leaving, from the engine's own terms."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator import Scenario, sample_business, simulate
from simulator.data.counts import count_records
from simulator.decisions.at_risk import AT_RISK_COLUMNS, _leave_chance, at_risk, at_risk_csv, window
from ui import at_risk as view
from ui import text

from .conftest import one_segment_business
from .test_data_page import APP, DATA, customers_csv

RISE = Scenario(price_change=0.3, price_change_month=2, notice_months=1, horizon_months=24)


def _customers(segment: str, tenures, prices, ids=None) -> pd.DataFrame:
    tenures, prices = np.asarray(tenures, float), np.asarray(prices, float)
    return pd.DataFrame(
        {
            "customer_id": ids if ids is not None else [f"c{i}" for i in range(tenures.size)],
            "segment": segment,
            "tenure_months": tenures,
            "monthly_revenue": prices,
        }
    )


def _no_acquisitions(business):
    return replace(
        business,
        segments=tuple(
            replace(s, paid_acquisitions_per_month=0.0, referral_rate_per_month=0.0)
            for s in business.segments
        ),
    )


@pytest.mark.parametrize("grandfather", [False, True])
def test_the_chances_add_up_to_the_engines_existing_base(grandfather):
    """Summed over today's base at the segment's own price, the survival behind each customer's
    chance is the engine's: the same multipliers, reservation exits and posterior."""
    business = _no_acquisitions(sample_business())
    scenario = RISE.with_changes(
        notice_months=0,
        price_change_month=1,
        grandfather_existing=grandfather,
        people_spend_per_month=20_000.0,
    )
    projected = simulate(business, scenario).monthly
    for seg in business.segments:
        tenure = np.arange(len(seg.base_customers_by_tenure), dtype=float)
        weights = np.asarray(seg.base_customers_by_tenure)
        position = np.full(tenure.size, seg.market_price_ratio)
        for last in (1, 6, 12):
            leave = _leave_chance(business, scenario, seg.name, tenure, position, 1, last)
            engine = projected[(projected["segment"] == seg.name) & (projected["month"] == last)]
            expected = float(engine["customers"].iloc[0])
            assert float(weights @ (1.0 - leave)) == pytest.approx(expected, rel=1e-9)


def test_no_change_adds_no_risk_and_a_rise_adds_some_to_everyone():
    business = sample_business()
    customers = _customers("core", [0, 3, 12, 48], [48.0, 48.0, 60.0, 40.0])
    none = at_risk(business, RISE.with_changes(price_change=0.0), customers)
    assert (none["added_risk"] == 0).all()
    assert np.allclose(none["leave_12m_with_rise"], none["leave_12m_without_rise"])
    rise = at_risk(business, RISE, customers)
    assert (rise["added_risk"] > 0).all()
    assert ((rise["leave_12m_with_rise"] > 0) & (rise["leave_12m_with_rise"] < 1)).all()
    assert list(rise.columns) == list(AT_RISK_COLUMNS)
    assert rise["added_risk"].is_monotonic_decreasing


def test_paying_more_than_the_market_and_a_larger_rise_mean_more_risk():
    business = sample_business()
    core = business.segment("core")
    prices = core.arpu_per_month * np.array([0.8, 1.0, 1.25, 1.5])
    customers = _customers("core", [24] * 4, prices, ids=["a", "b", "c", "d"])
    table = at_risk(business, RISE, customers).set_index("customer_id").loc[["a", "b", "c", "d"]]
    assert table["added_risk"].is_monotonic_increasing
    assert table["price_vs_market"].tolist() == pytest.approx([0.8, 1.0, 1.25, 1.5])
    bigger = at_risk(business, RISE.with_changes(price_change=0.6), customers).set_index(
        "customer_id"
    )
    assert (bigger.loc[table.index, "added_risk"] > table["added_risk"]).all()


def test_longer_tenure_means_less_churn_with_and_without_the_rise():
    business = sample_business()
    customers = _customers("price-sensitive", [1, 6, 24, 96], [32.0] * 4, ids=list("abcd"))
    table = at_risk(business, RISE, customers).set_index("customer_id").loc[list("abcd")]
    assert table["leave_12m_without_rise"].is_monotonic_decreasing
    assert table["leave_12m_with_rise"].is_monotonic_decreasing


def test_grandfathered_customers_without_a_service_change_face_no_added_risk():
    table = at_risk(
        sample_business(),
        RISE.with_changes(grandfather_existing=True),
        _customers("core", [2, 30], [48.0, 70.0]),
    )
    assert table["added_risk"].abs().max() < 1e-12


def test_unknown_segments_are_left_out_and_a_missing_price_is_the_segments_arpu():
    business = sample_business()
    customers = pd.concat(
        [
            _customers("core", [5], [np.nan], ids=["x"]),
            _customers("gold", [5, 7], [50.0, 50.0], ids=["y", "z"]),
        ]
    )
    table = at_risk(business, RISE, customers)
    assert table["customer_id"].tolist() == ["x"]
    assert table.attrs["unknown_segment"] == 2
    assert table["monthly_price"].iloc[0] == business.segment("core").arpu_per_month
    assert table["price_vs_market"].iloc[0] == pytest.approx(1.0)


def test_the_window_starts_at_the_notice_and_a_late_rise_changes_nothing_before():
    late = Scenario(price_change=0.3, price_change_month=30, notice_months=3, horizon_months=36)
    assert window(late) == (27, 38)
    assert window(Scenario(price_change_month=120, horizon_months=120)) == (120, 120)
    table = at_risk(sample_business(), late, _customers("core", [10], [48.0]))
    assert table["added_risk"].iloc[0] > 0


def test_a_constant_churn_segment_has_the_geometric_chance():
    business = one_segment_business(constant_monthly_churn=0.02)
    name = business.segments[0].name
    table = at_risk(business, Scenario(horizon_months=24), _customers(name, [0, 50], [np.nan] * 2))
    assert table["leave_12m_without_rise"].tolist() == pytest.approx([1 - 0.98**12] * 2)


def test_the_csv_neutralises_formula_like_ids_and_segments():
    business = sample_business()
    hostile = replace(
        business,
        segments=tuple(
            replace(s, name="=HYPERLINK(1)" if s.name == "core" else s.name)
            for s in business.segments
        ),
        core_segment="=HYPERLINK(1)",
    )
    customers = _customers("=HYPERLINK(1)", [3, 4], [48.0, 48.0], ids=["+cmd|' /C calc'!A0", "ok"])
    raw = at_risk_csv(at_risk(hostile, RISE, customers))
    assert raw.startswith(b"\xef\xbb\xbf")
    read = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert list(read.columns) == list(AT_RISK_COLUMNS)
    assert set(read["segment"]) == {"'=HYPERLINK(1)"}
    assert "'+cmd|' /C calc'!A0" in set(read["customer_id"])
    assert float(read["added_risk"].iloc[0]) > 0


# --- the Data page ---------------------------------------------------------------------------


def _calibrated_data_page(scenario: Scenario | None = None):
    at = AppTest.from_file(APP, default_timeout=120)
    if scenario is not None:
        at.session_state["scenario"] = scenario
    at.run()
    at.switch_page(DATA).run()
    at.file_uploader(key="data_upload").upload("customers.csv", customers_csv(), "text/csv").run()
    at.button(key="data_calibrate").click().run()
    assert not at.exception
    return at


@pytest.mark.slow  # AppTest runs the real page script
def test_the_data_page_lists_the_customers_most_at_risk_and_offers_the_csv():
    at = _calibrated_data_page()
    assert text.t("data.risk.header") in [h.value for h in at.subheader]
    # What the page lists is the core's answer for the upload's active customers, on the
    # calibration applied to the business in use, for the plan on the Scenario page.
    table = simulator.read_table(customers_csv(), name="customers.csv")
    mapping = simulator.propose_mapping(table)
    records = simulator.customer_records(table, mapping, name="customers.csv")
    calibration = simulator.calibrate(count_records(records))  # as the page calibrates it
    business = simulator.apply_calibration(at.session_state["business"], calibration)
    expected = at_risk(business, simulator.example_scenario(), records[~records["churned"]])
    assert view.summary(expected) in [m.value for m in at.markdown]
    shown = [d.value for d in at.dataframe if text.t("data.risk.column.added") in d.value.columns]
    assert shown[0].equals(view.top_frame(expected, "EUR"))
    assert len(shown[0]) == view.SHOWN
    assert "data_risk_download" in {b.key for b in at.download_button}
    assert expected["added_risk"].iloc[0] >= expected["added_risk"].iloc[-1]
    assert len(expected) == int((~records["churned"]).sum())


@pytest.mark.slow  # AppTest runs the real page script
def test_without_a_rise_the_data_page_says_how_to_get_the_list():
    at = _calibrated_data_page(Scenario(price_change=-0.1))
    assert text.t("data.risk.no_rise") in [i.value for i in at.info]
    assert "data_risk_download" not in {b.key for b in at.download_button}
