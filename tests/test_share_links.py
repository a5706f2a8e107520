"""Share links: the scenario in the page URL round-trips exactly, bad links open safely."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import simulator
from simulator import Scenario, example_scenario
from simulator.decisions.scenario_file import QUERY_KEYS, scenario_from_query, scenario_to_query
from ui import text

from .conftest import APP_BUSINESS
from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SCENARIO = "pages/1_Scenario.py"
PRICE_SLIDER = "scenario_price_change_pct"
LINKED = Scenario(
    price_change=0.1,
    monthly_fee=1.5,
    price_change_month=4,
    notice_months=2,
    phase_in_months=3,
    grandfather_existing=True,
    tools_spend_per_month=20_000,
    training_spend_per_month=0,
    incentives_spend_per_month=5_000,
    people_spend_per_month=0,
    horizon_months=48,
    annual_discount_rate=0.08,
)


# --- pure conversion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        example_scenario(),
        LINKED,
        Scenario(price_change=-0.123456789012345, annual_discount_rate=1e-5, horizon_months=120),
        Scenario(
            price_change=1 / 3, monthly_fee=0.1 + 0.2, price_change_month=120, horizon_months=120
        ),
    ],
)
def test_a_scenario_round_trips_exactly(scenario):
    assert scenario_from_query(scenario_to_query(scenario)) == (scenario, ())


@settings(max_examples=200, deadline=None)
@given(
    price=st.floats(-0.89, 2),
    fee=st.floats(0, 1e6),
    month=st.integers(1, 120),
    notice=st.integers(0, 119),
    phase=st.integers(1, 24),
    grandfather=st.booleans(),
    spend=st.floats(0, 1e9),
    horizon=st.integers(12, 120),
    rate=st.floats(1e-6, 1),
)
def test_any_valid_scenario_round_trips(
    price, fee, month, notice, phase, grandfather, spend, horizon, rate
):
    month = min(month, horizon)
    scenario = Scenario(
        price_change=price,
        monthly_fee=fee,
        price_change_month=month,
        notice_months=min(notice, month - 1),
        phase_in_months=phase,
        grandfather_existing=grandfather,
        tools_spend_per_month=spend,
        people_spend_per_month=spend / 3,
        horizon_months=horizon,
        annual_discount_rate=rate,
    )
    assert scenario_from_query(scenario_to_query(scenario)) == (scenario, ())


def test_the_link_holds_only_short_scenario_keys():
    query = scenario_to_query(example_scenario())
    assert set(query) == set(QUERY_KEYS.values())
    assert len(QUERY_KEYS) == len(dataclasses.fields(Scenario)), "every setting is in the link"
    assert query["price"] == "0.05" and query["horizon"] == "60" and query["tools"] == "10000"


def _link(**changes: str | list[str]) -> dict[str, str | list[str]]:
    return {**scenario_to_query(LINKED), **changes}


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"price": "abc"}, "price_change", "price"),
        ({"price": "inf"}, "price_change", "price"),
        ({"price": "-0.95"}, "price_change", "price"),
        ({"horizon": "500"}, "horizon_months", "horizon"),
        ({"horizon": "24.5"}, "horizon_months", "horizon"),
        ({"grandfather": "maybe"}, "grandfather_existing", "grandfather"),
        ({"rate": "0"}, "annual_discount_rate", "rate"),
        ({"tools": "-5"}, "tools_spend_per_month", "tools"),
        ({"price": ["0.1", "0.2"]}, "price_change", "price"),
    ],
)
def test_a_bad_value_falls_back_to_the_default_and_says_so(changes, field, key):
    scenario, notices = scenario_from_query(_link(**changes))
    assert getattr(scenario, field) == getattr(Scenario(), field)
    assert len(notices) == 1 and notices[0].startswith(f"{key} (")
    assert "used" in notices[0]
    others = {f.name for f in dataclasses.fields(Scenario)} - {field}
    assert all(getattr(scenario, name) == getattr(LINKED, name) for name in others)


def test_notice_not_before_the_price_month_falls_back_field_by_field():
    scenario, notices = scenario_from_query(_link(notice="5", month="2"))
    assert (scenario.price_change_month, scenario.notice_months) == (2, 0)
    assert len(notices) == 1 and notices[0].startswith("notice (")


def test_a_price_month_beyond_the_horizon_falls_back_and_keeps_the_scenario_valid():
    scenario, notices = scenario_from_query(_link(month="100", horizon="24", notice="3"))
    assert scenario.horizon_months == 24 and scenario.price_change_month == 1
    assert scenario.notice_months == 0
    assert [n.split(" ")[0] for n in notices] == ["month", "notice"]


def test_missing_settings_take_defaults_and_are_listed_once():
    scenario, notices = scenario_from_query({"price": "0.07"})
    assert scenario == Scenario(price_change=0.07)
    assert len(notices) == 1 and "fee 0" in notices[0] and "horizon 60" in notices[0]


def test_unknown_keys_are_ignored_and_a_url_without_settings_is_not_a_link():
    assert scenario_from_query(_link(utm_source="mail", embed="true")) == (LINKED, ())
    assert scenario_from_query({"utm_source": "mail"}) == (Scenario(), ())
    assert scenario_from_query({}, default=LINKED) == (LINKED, ())


def test_repeated_identical_values_are_accepted():
    assert scenario_from_query(_link(price=["0.1", "0.1"])) == (LINKED, ())


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*QUERY_KEYS.values(), "x"]), st.text(max_size=8)))
def test_any_link_opens_as_a_valid_scenario(params):
    scenario, notices = scenario_from_query(params)
    assert isinstance(scenario, Scenario)
    assert all(isinstance(n, str) and n for n in notices)


# --- the app -------------------------------------------------------------------------------


def _notices(at: AppTest) -> list[str]:
    """The link notices as the reader sees them (the link's values are escaped Markdown)."""
    return [shown(w.value) for w in at.warning if w.icon == ":material/link_off:"]


def _open(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    return at.run()


def _npv_card(at: AppTest, scenario: Scenario):
    label = text.t("kpi.npv", period=text.period(scenario.horizon_months))
    (card,) = [m for m in at.metric if m.label == label]
    return card


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_link_opens_its_scenario_on_any_page_and_follows_the_sliders():
    at = _open(scenario_to_query(LINKED))
    assert not at.exception and not _notices(at)
    at.switch_page(SCENARIO).run()
    assert not at.exception and not _notices(at)
    assert at.slider(key=PRICE_SLIDER).value == pytest.approx(10.0)
    assert at.slider(key="scenario_horizon_months").value == 48
    assert at.toggle(key="scenario_grandfather_existing").value is True
    expected = simulator.evaluate(APP_BUSINESS, LINKED)
    assert _npv_card(at, LINKED).value == text.money(expected.scenario.npv, "EUR", compact=True)
    assert at.query_params == scenario_to_query(LINKED)
    (box,) = at.code
    assert box.value.endswith("?" + "&".join(f"{k}={v}" for k, v in at.query_params.items()))

    at.slider(key=PRICE_SLIDER).set_value(12.0).run()
    moved = LINKED.with_changes(price_change=0.12)
    assert at.query_params["price"] == "0.12"
    assert scenario_from_query(at.query_params) == (moved, ())
    assert "price=0.12&" in at.code[0].value
    at.switch_page("app.py").run()  # other pages keep the URL in step
    assert scenario_from_query(at.query_params) == (moved, ())


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_malformed_link_opens_with_a_notice_and_safe_values():
    at = _open({**scenario_to_query(LINKED), "price": "abc", "horizon": "500"})
    assert not at.exception
    (notice,) = _notices(at)
    assert "price (" in notice and "horizon (" in notice
    at.switch_page(SCENARIO).run()
    assert not at.exception and not _notices(at), "the notice is shown once"
    assert at.slider(key=PRICE_SLIDER).value == pytest.approx(0.0)
    assert at.slider(key="scenario_horizon_months").value == 60
    safe = LINKED.with_changes(price_change=0.0, horizon_months=60)
    assert scenario_from_query(at.query_params) == (safe, ())


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_valid_setting_beyond_the_sliders_is_adjusted_with_a_notice():
    at = _open({**scenario_to_query(LINKED), "price": "2.5"})  # the slider stops at +100 %
    (notice,) = _notices(at)
    assert "price: 2.5" in notice and "used 1" in notice
    at.switch_page(SCENARIO).run()
    assert at.slider(key=PRICE_SLIDER).value == pytest.approx(100.0)
    assert at.query_params["price"] == "1"


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_link_within_the_wider_ranges_opens_unchanged():
    """Issue 20: a +100 % price and a 30-a-month fee are on the sliders, so a link carrying
    them opens exactly as given (the old sliders stopped at +30 % and 10)."""
    wide = LINKED.with_changes(price_change=1.0, monthly_fee=30.0)
    at = _open(scenario_to_query(wide))
    assert _notices(at) == []
    at.switch_page(SCENARIO).run()
    assert at.slider(key=PRICE_SLIDER).value == pytest.approx(100.0)
    assert at.slider(key="scenario_monthly_fee").value == pytest.approx(30.0)
    assert at.session_state["scenario"] == wide
    low = LINKED.with_changes(price_change=-0.3)
    assert _notices(_open(scenario_to_query(low))) == []


@pytest.mark.slow  # AppTest runs the real page scripts
def test_no_link_means_the_example_scenario_written_into_the_url():
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not _notices(at)
    assert scenario_from_query(at.query_params) == (example_scenario(), ())
