"""Versioned JSON scenario files: round trips, and errors that name the JSON path to fix."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from simulator import (
    Scenario,
    ScenarioFileError,
    example_scenario,
    sample_business,
    scenario_from_json,
    scenario_to_json,
)
from simulator.decisions.scenario_file import FORMAT, VERSION, scenario_to_dict

from .conftest import one_segment_business, two_segment_business


def document(business=None, scenario=None) -> dict:
    return scenario_to_dict(business or two_segment_business(), scenario or example_scenario())


def read(data: dict | str) -> tuple:
    return scenario_from_json(data if isinstance(data, str) else json.dumps(data))


def names_path(path: str):
    """Match a message that names ``path`` exactly (not as a prefix of a longer name)."""
    return re.escape(path) + r"(?![\w\[])"


# round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("business", "scenario"),
    [
        (sample_business(), example_scenario()),
        (
            two_segment_business(),
            Scenario(
                price_change=-0.1,
                grandfather_existing=True,
                price_change_month=5,
                notice_months=4,
                phase_in_months=3,
                monthly_fee=1.5,
            ),
        ),
        (one_segment_business(constant_monthly_churn=0.05), Scenario()),
    ],
    ids=["sample", "two-segment", "constant-churn"],
)
def test_to_json_then_from_json_gives_back_equal_objects(business, scenario):
    assert scenario_from_json(scenario_to_json(business, scenario)) == (business, scenario)


def test_round_trip_keeps_provenance_fields(tiny_business):
    business = dataclasses.replace(
        tiny_business,
        data_fields=("segments.loyal.arpu_per_month",),
        user_fields=("service.csat",),
    )
    got, _ = scenario_from_json(scenario_to_json(business, Scenario()))
    assert got == business
    assert got.source("segments.loyal.arpu_per_month") == "data"
    assert got.source("service.csat") == "user"


def test_round_trip_is_stable_text():
    text = scenario_to_json(two_segment_business(), example_scenario())
    assert scenario_to_json(*scenario_from_json(text)) == text


def test_json_text_declares_format_and_version():
    data = json.loads(scenario_to_json(two_segment_business(), Scenario()))
    assert data["format"] == FORMAT == "service-gap-simulator/scenario"
    assert data["version"] == VERSION == 1
    assert set(data) == {"format", "version", "business", "scenario"}


def test_bytes_are_accepted():
    text = scenario_to_json(two_segment_business(), Scenario())
    assert scenario_from_json(text.encode("utf-8")) == (two_segment_business(), Scenario())


def test_missing_scenario_settings_take_their_defaults():
    data = document()
    data["scenario"] = {"price_change": 0.07}
    _, scenario = read(data)
    assert scenario == Scenario(price_change=0.07)


def test_a_file_without_business_describes_the_sample_business():
    data = document()
    del data["business"]
    business, _ = read(data)
    assert business == sample_business()


# errors name the JSON path ----------------------------------------------------------------------


def test_an_unknown_segment_field_is_named_with_its_path():
    data = document()
    data["business"]["segments"][1]["arpu_per_mnth"] = 30.0
    with pytest.raises(ScenarioFileError, match=r"business\.segments\[1\].*arpu_per_mnth"):
        read(data)


@pytest.mark.parametrize(
    ("where", "key"),
    [
        ((), "extras"),
        (("business",), "colour"),
        (("business", "service"), "nps"),
        (("business", "service", "tools"), "delay"),
        (("scenario",), "price_increase"),
    ],
)
def test_an_unknown_field_anywhere_is_an_error_naming_it(where, key):
    data = document()
    target = data
    for part in where:
        target = target[part]
    target[key] = 1
    with pytest.raises(ScenarioFileError) as info:
        read(data)
    message = str(info.value)
    assert key in message
    if where:
        assert ".".join(where) in message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("business.segments[0].arpu_per_month", "forty"),
        ("business.segments[0].arpu_per_month", True),
        ("business.segments[1].base_customers_by_tenure", 12.0),
        ("business.segments[1].base_customers_by_tenure[1]", "many"),
        ("business.service.csat", [0.7]),
        ("business.service.people.weight", None),
        ("business.fee_salience", "high"),
        ("business.data_fields", "segments.core.arpu_per_month"),
        ("scenario.horizon_months", 36.0),
        ("scenario.horizon_months", "36"),
        ("scenario.grandfather_existing", "yes"),
        ("scenario.price_change", None),
        ("business.name", 7),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error_naming_its_path(path, value):
    data = document()
    _set(data, path, value)
    with pytest.raises(ScenarioFileError, match=names_path(path)):
        read(data)


@pytest.mark.parametrize(
    "path",
    [
        "business.segments[0].arpu_per_month",
        "business.segments[1].variable_cost_per_month",
        "business.service.tools.ramp_half_life_months",
        "business.service.tools",
        "business.service",
        "business.segments",
        "business.name",
        "business.currency",
    ],
)
def test_a_missing_required_business_field_is_an_error_naming_its_path(path):
    data = document()
    _delete(data, path)
    with pytest.raises(ScenarioFileError, match=names_path(path)):
        read(data)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("scenario.price_change", 10.0),
        ("scenario.notice_months", 3),  # the example changes price in month 3
        ("scenario.horizon_months", 6),
        ("business.fee_salience", 9.0),
        ("business.currency", "EURO"),
        ("business.segments[0].arpu_per_month", -5.0),
        ("business.segments[1].uncontrollable_churn_share", 1.5),
        ("business.service.csat", 1.4),
        ("business.service.people.weight", 2.0),
        ("scenario.monthly_fee", 1e12),
        ("scenario.tools_spend_per_month", 1e300),
        ("scenario.annual_discount_rate", 1e-17),
    ],
)
def test_an_invalid_value_is_an_error_naming_its_path(path, value):
    data = document()
    _set(data, path, value)
    with pytest.raises(ScenarioFileError, match=names_path(path)):
        read(data)


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (
            "scenario.monthly_fee",
            1e12,
            "from 0 to 1,000,000,000 currency units per customer-month",
        ),
        ("scenario.people_spend_per_month", 2e9, "from 0 to 1,000,000,000 currency units a month"),
        ("scenario.annual_discount_rate", 1e-9, "from 0.000001 to 1 a year"),
    ],
)
def test_an_absurd_amount_or_rate_is_refused_with_its_range_and_unit(path, value, rule):
    data = document()
    _set(data, path, value)
    with pytest.raises(ScenarioFileError) as refused:
        read(data)
    assert str(refused.value).startswith(f"{path}: must be {rule}")


def test_a_non_finite_number_is_rejected():
    text = scenario_to_json(two_segment_business(), Scenario()).replace(
        '"price_change": 0.0', '"price_change": NaN'
    )
    with pytest.raises(ScenarioFileError, match=names_path("scenario.price_change")):
        scenario_from_json(text)


def test_an_empty_segment_list_is_an_error_naming_it():
    data = document()
    data["business"]["segments"] = []
    with pytest.raises(ScenarioFileError, match=names_path("business.segments")):
        read(data)


@pytest.mark.parametrize(
    ("field", "value"),
    [("format", "something-else/scenario"), ("format", None), ("version", 2), ("version", "1")],
)
def test_a_wrong_format_or_version_is_an_error_naming_it(field, value):
    data = document()
    if value is None:
        del data[field]
    else:
        data[field] = value
    with pytest.raises(ScenarioFileError, match=rf"^{field}\b"):
        read(data)


@pytest.mark.parametrize("text", ["", "{", "not json at all", b"\x80\x81 binary"])
def test_text_that_is_not_json_is_a_scenario_file_error(text):
    with pytest.raises(ScenarioFileError, match="not a JSON scenario file"):
        scenario_from_json(text)


@pytest.mark.parametrize("text", ["[]", "42", '"scenario"', "null"])
def test_json_that_is_not_an_object_is_an_error_about_the_top_level(text):
    with pytest.raises(ScenarioFileError, match=r"\(top level\)"):
        scenario_from_json(text)


def test_scenario_file_error_is_a_value_error():
    assert issubclass(ScenarioFileError, ValueError)


# helpers ----------------------------------------------------------------------------------------


def _steps(path: str) -> list:
    steps: list = []
    for part in path.split("."):
        name, *indices = re.split(r"\[(\d+)\]", part)
        steps.append(name)
        steps.extend(int(i) for i in indices if i)
    return steps


def _set(data: dict, path: str, value: object) -> None:
    *parents, last = _steps(path)
    for step in parents:
        data = data[step]
    data[last] = value


def _delete(data: dict, path: str) -> None:
    *parents, last = _steps(path)
    for step in parents:
        data = data[step]
    del data[last]
