"""The parameter table: every parameter in use, with a unit and where it came from."""

from __future__ import annotations

import dataclasses

import pytest

from simulator import Business, LeverResponse, Scenario, Segment, ServiceOperations
from simulator.model.assumptions import TABLE_COLUMNS, parameter_table, with_parameter
from simulator.model.params import LEVERS
from simulator.model.sample import sample_business

from .conftest import APP_BUSINESS, two_segment_business

SOURCES = {"data", "assumption", "user", "setting"}
# labels, and the uncertainty of an estimate (shown with the Monte Carlo priors, not as a value)
NOT_PARAMETERS = {"name", "sbg_log_covariance"}


def field_names(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def rows(table, group: str, owner: str = "") -> dict:
    part = table[(table["group"] == group) & (table["segment"] == owner)]
    return {row.parameter: row for row in part.itertuples(index=False)}


def test_table_has_the_documented_columns(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    assert tuple(table.columns) == TABLE_COLUMNS


def test_every_segment_field_appears_for_every_segment_with_unit_and_source(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    for seg in tiny_business.segments:
        listed = rows(table, "segment", seg.name)
        expected = field_names(Segment) - NOT_PARAMETERS
        # "one row per parameter in use": an optional mechanism (a geometric churn rate,
        # reservation prices, a bound on the notice shock) only when it is set
        expected -= {name for name in expected if getattr(seg, name) is None}
        assert set(listed) == expected, seg.name
        for name, row in listed.items():
            assert row.unit, name
            assert row.source in SOURCES
            assert row.reference, name
            assert row.path == f"segments.{seg.name}.{name}"


def test_reservation_prices_and_the_shock_bound_are_listed_when_set():
    table = parameter_table(sample_business(), Scenario())
    listed = rows(table, "segment", "core")
    assert listed["wtp_median"].value == 2.0
    assert listed["notice_multiplier_cap"].value == 3.0


def test_constant_monthly_churn_is_listed_when_a_segment_uses_it(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    listed = rows(table, "segment", "switchers")
    assert listed["constant_monthly_churn"].value == 0.05


def test_base_customers_are_summarised_as_their_total(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    listed = rows(table, "segment", "loyal")
    assert listed["base_customers_by_tenure"].value == tiny_business.segment("loyal").base_customers


def test_every_service_field_appears_with_unit_and_source(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    listed = rows(table, "service")
    unset = {"agents"} if tiny_business.service.agents is None else set()  # only when entered
    assert set(listed) == field_names(ServiceOperations) - set(LEVERS) - unset
    for name, row in listed.items():
        assert row.unit and row.reference and row.source in SOURCES, name
        assert row.value == getattr(tiny_business.service, name)
        assert row.path == f"service.{name}"


def test_every_lever_field_appears_for_every_lever_with_unit_and_source(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    for lever in LEVERS:
        listed = rows(table, "lever", lever)
        assert set(listed) == field_names(LeverResponse), lever
        for name, row in listed.items():
            assert row.unit and row.reference and row.source in SOURCES, name
            assert row.path == f"service.{lever}.{name}"


def test_every_business_parameter_appears_with_unit_and_source(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    listed = rows(table, "business")
    non_parameters = {
        "name",
        "currency",
        "segments",
        "service",
        "core_segment",
        "data_fields",
        "user_fields",
        "evidence",
    }
    assert set(listed) == field_names(Business) - non_parameters
    assert listed["fee_salience"].unit and listed["fee_salience"].source in SOURCES


def test_every_scenario_field_appears_as_a_setting_with_a_unit(tiny_business):
    scenario = Scenario(price_change=0.05, horizon_months=48)
    table = parameter_table(tiny_business, scenario)
    listed = rows(table, "scenario")
    assert set(listed) == field_names(Scenario)
    for name, row in listed.items():
        assert row.unit, name
        assert row.source == "setting"
        assert row.value == getattr(scenario, name)


def test_without_provenance_every_parameter_is_an_assumption(tiny_business):
    table = parameter_table(tiny_business, Scenario())
    assert set(table.loc[table["group"] != "scenario", "source"]) == {"assumption"}


@pytest.mark.parametrize(
    ("path", "group", "owner", "parameter"),
    [
        ("segments.loyal.arpu_per_month", "segment", "loyal", "arpu_per_month"),
        (
            "segments.switchers.constant_monthly_churn",
            "segment",
            "switchers",
            "constant_monthly_churn",
        ),
        ("service.csat", "service", "", "csat"),
        ("service.tools.weight", "lever", "tools", "weight"),
        ("fee_salience", "business", "", "fee_salience"),
    ],
)
def test_data_and_user_fields_change_the_source_label(tiny_business, path, group, owner, parameter):
    as_data = dataclasses.replace(tiny_business, data_fields=(path,))
    as_user = dataclasses.replace(tiny_business, user_fields=(path,))
    both = dataclasses.replace(tiny_business, data_fields=(path,), user_fields=(path,))
    for business, expected in ((as_data, "data"), (as_user, "user"), (both, "user")):
        table = parameter_table(business, Scenario())
        assert rows(table, group, owner)[parameter].source == expected
        others = table[(table["path"] != path) & (table["group"] != "scenario")]
        assert set(others["source"]) == {"assumption"}


def test_provenance_is_per_segment():
    business = dataclasses.replace(
        two_segment_business(), data_fields=("segments.loyal.sbg_alpha",)
    )
    table = parameter_table(business, Scenario())
    assert rows(table, "segment", "loyal")["sbg_alpha"].source == "data"
    assert rows(table, "segment", "switchers")["sbg_alpha"].source == "assumption"


def test_with_parameter_rebuilds_every_kind_of_path():
    business = APP_BUSINESS
    edited = with_parameter(business, "service.csat", 0.75)
    edited = with_parameter(edited, "service.tools.weight", 0.4)
    edited = with_parameter(edited, "fee_salience", 2.0)
    edited = with_parameter(edited, "segments.core.base_customers_by_tenure", 10_000.0)
    assert edited.service.csat == 0.75
    assert edited.service.tools.weight == 0.4
    assert edited.fee_salience == 2.0
    core = edited.segment("core")
    assert core.base_customers == pytest.approx(10_000.0)
    scale = 10_000.0 / business.segment("core").base_customers
    assert core.base_customers_by_tenure[5] == pytest.approx(
        business.segment("core").base_customers_by_tenure[5] * scale
    )
    assert edited.user_fields == (
        "service.csat",
        "service.tools.weight",
        "fee_salience",
        "segments.core.base_customers_by_tenure",
    )
    assert with_parameter(edited, "service.csat", 0.8).user_fields == edited.user_fields


def test_with_parameter_keeps_a_whole_month_whole_and_names_a_fraction_of_one():
    edited = with_parameter(APP_BUSINESS, "market_price_change_month", 13.0)
    assert edited.market_price_change_month == 13
    assert isinstance(edited.market_price_change_month, int)
    with pytest.raises(ValueError, match="market_price_change_month"):
        with_parameter(APP_BUSINESS, "market_price_change_month", 2.5)
    moved = with_parameter(edited, "market_price_change", 0.05)
    assert moved.market_price_change == 0.05


@pytest.mark.parametrize("value", [float("nan"), None, -5.0])
def test_with_parameter_rejects_empty_and_invalid_values(value):
    with pytest.raises(ValueError, match="arpu_per_month"):
        with_parameter(APP_BUSINESS, "segments.core.arpu_per_month", value)


def test_every_row_has_a_grade_from_its_source_and_evidence():
    from simulator.model.assumptions import GRADES, PUBLISHED
    from simulator.model.evidence import Evidence

    path = "segments.core.lasting_price_elasticity"
    measured = dataclasses.replace(
        sample_business(),
        data_fields=("segments.core.arpu_per_month", path),
        user_fields=("segments.core.wtp_log_sd",),
        evidence=(Evidence(path=path, grade="history_with_control", low=0.3, high=0.8, note="n"),),
    )
    table = parameter_table(measured, Scenario()).set_index("path")
    assert set(table["grade"]) <= set(GRADES)
    assert table.loc[path, "grade"] == "history_with_control"
    assert table.loc[path, "reference"] == "n"  # how it was measured
    assert table.loc["segments.core.arpu_per_month", "grade"] == "customer_data"
    assert table.loc["segments.core.wtp_log_sd", "grade"] == "setting"
    assert table.loc["segments.core.wtp_median", "grade"] == "published"
    assert table.loc["segments.core.acquisition_share", "grade"] == "assumption"
    assert table.loc["scenario.price_change", "grade"] == "setting"
    assert {"lasting_price_elasticity", "acquisition_price_elasticity"} <= PUBLISHED
