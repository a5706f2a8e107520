"""AppTest: every page renders, and the Scenario and Assumptions pages drive the numbers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.model.assumptions import parameter_table, with_parameter
from ui import inputs, sections, text

from .conftest import APP_BUSINESS
from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")  # relative paths resolve oddly
HOME = "app.py"
SCENARIO = "pages/1_Scenario.py"
ASSUMPTIONS = "pages/2_Assumptions.py"
PRICE_SLIDER = "scenario_price_change_pct"


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30).run()


def _on(page: str) -> AppTest:
    at = _app()
    if page != HOME:
        at.switch_page(page).run()
    assert not at.exception
    return at


def _metric(at: AppTest, label: str):
    matches = [m for m in at.metric if m.label == label]
    assert len(matches) == 1, [m.label for m in at.metric]
    return matches[0]


def _npv_label(scenario: simulator.Scenario) -> str:
    return text.t("kpi.npv", period=text.period(scenario.horizon_months))


def _assert_npv_card(at: AppTest, business: simulator.Business, scenario: simulator.Scenario):
    expected = simulator.evaluate(business, scenario)
    card = _metric(at, _npv_label(scenario))
    currency = business.currency
    assert card.value == text.money(expected.scenario.npv, currency, compact=True)
    assert card.proto.delta == text.signed_money(expected.delta_npv, currency, compact=True)
    # The compact card rounds; the tooltip carries the exact value.
    assert text.money(expected.scenario.npv, currency) in card.proto.help


@pytest.mark.slow  # AppTest runs the real page scripts
@pytest.mark.parametrize("page", [HOME, SCENARIO, ASSUMPTIONS])
def test_page_renders_without_error(page):
    at = _on(page)
    assert at.title, "every page has a title"
    assert not at.error


@pytest.mark.slow  # AppTest runs the real page scripts
def test_home_shows_the_example_scenario_headline():
    at = _on(HOME)
    expected = simulator.evaluate(APP_BUSINESS, simulator.example_scenario())
    card = _metric(at, _npv_label(simulator.example_scenario()))
    assert card.proto.delta == text.signed_money(expected.delta_npv, "EUR", compact=True)
    payback = _metric(at, text.t("kpi.payback"))
    assert payback.value == text.t("kpi.payback.value", month=expected.payback_month)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_scenario_page_opens_with_the_example_scenario():
    at = _on(SCENARIO)
    assert at.slider(key=PRICE_SLIDER).value == pytest.approx(5.0)
    _assert_npv_card(at, APP_BUSINESS, simulator.example_scenario())


@pytest.mark.slow  # AppTest runs the real page scripts
def test_moving_the_price_slider_changes_npv_to_what_the_core_computes():
    at = _on(SCENARIO)
    before = _metric(at, _npv_label(simulator.example_scenario())).value
    at.slider(key=PRICE_SLIDER).set_value(30.0).run()
    assert not at.exception
    scenario = replace(simulator.example_scenario(), price_change=0.30)
    _assert_npv_card(at, APP_BUSINESS, scenario)
    assert _metric(at, _npv_label(scenario)).value != before


@pytest.mark.slow  # AppTest runs the real page scripts
def test_service_budget_and_horizon_reach_the_scenario():
    at = _on(SCENARIO)
    at.slider(key="scenario_people_spend").set_value(40_000)
    at.slider(key="scenario_horizon_months").set_value(84)
    at.toggle(key="scenario_grandfather_existing").set_value(True).run()
    scenario = replace(
        simulator.example_scenario(),
        people_spend_per_month=40_000.0,
        horizon_months=84,
        grandfather_existing=True,
    )
    _assert_npv_card(at, APP_BUSINESS, scenario)
    assert at.session_state["scenario"] == scenario


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_service_budget_is_also_shown_per_active_customer_per_month():
    at = _on(SCENARIO)
    at.slider(key="scenario_people_spend").set_value(40_000).run()
    scenario = at.session_state["scenario"]
    total = scenario.service_spend_per_month
    expected = text.t(
        "inputs.service_caption",
        total=text.money(total, APP_BUSINESS.currency),
        per_customer=text.money(
            total / APP_BUSINESS.base_customers, APP_BUSINESS.currency, decimals=2
        ),
    )
    assert expected in [c.value for c in at.sidebar.caption]
    assert APP_BUSINESS.base_customers == sum(s.base_customers for s in APP_BUSINESS.segments)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_scenario_survives_a_page_switch():
    at = _on(SCENARIO)
    at.slider(key=PRICE_SLIDER).set_value(10.0).run()
    at.slider(key="scenario_monthly_fee").set_value(2.5).run()
    at.switch_page(HOME).run()
    assert not at.exception
    scenario = replace(simulator.example_scenario(), price_change=0.10, monthly_fee=2.5)
    assert at.session_state["scenario"] == scenario
    expected = simulator.evaluate(APP_BUSINESS, scenario)
    card = _metric(at, _npv_label(scenario))
    assert card.proto.delta == text.signed_money(expected.delta_npv, "EUR", compact=True)

    at.switch_page(SCENARIO).run()
    assert at.slider(key=PRICE_SLIDER).value == pytest.approx(10.0)
    assert at.slider(key="scenario_monthly_fee").value == pytest.approx(2.5)
    _assert_npv_card(at, APP_BUSINESS, scenario)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_invalid_combination_shows_an_error_not_an_exception():
    at = _on(SCENARIO)
    at.slider(key="scenario_price_change_month").set_value(2)
    at.slider(key="scenario_notice_months").set_value(4).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert text.t("inputs.notice_months") in message
    # The page keeps showing the last valid scenario, and remembers it.
    assert at.session_state["scenario"] == simulator.example_scenario()
    _assert_npv_card(at, APP_BUSINESS, simulator.example_scenario())

    at.slider(key="scenario_notice_months").set_value(1).run()
    assert not at.error
    assert at.session_state["scenario"] == replace(
        simulator.example_scenario(), price_change_month=2, notice_months=1
    )


def _edit(at: AppTest, group: str, path: str, value: float) -> None:
    """Type ``value`` into the Value cell of ``path`` in one Assumptions editor."""
    key = f"assumptions_editor_{group}"
    paths = list(
        inputs.parameter_view(
            parameter_table(at.session_state["business"], at.session_state["scenario"]),
            group,
            "EUR",
        ).index
    )
    at.session_state[key] = {
        "edited_rows": {paths.index(path): {"value": value}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()


@pytest.mark.slow  # AppTest runs the real page scripts
def test_assumptions_edit_changes_the_scenario_numbers():
    at = _on(ASSUMPTIONS)
    _edit(at, "segment", "segments.core.arpu_per_month", 55.0)
    assert not at.exception
    assert not at.error
    business = at.session_state["business"]
    assert business.segment("core").arpu_per_month == 55.0
    assert business.user_fields == ("segments.core.arpu_per_month",)
    assert business.source("segments.core.arpu_per_month") == "user"
    edited = at.data_editor(key="assumptions_editor_segment").value
    assert text.source_label("user") in set(edited["source"])

    at.switch_page(SCENARIO).run()
    assert not at.exception
    expected_business = with_parameter(APP_BUSINESS, "segments.core.arpu_per_month", 55.0)
    _assert_npv_card(at, expected_business, simulator.example_scenario())
    default = simulator.evaluate(APP_BUSINESS, simulator.example_scenario())
    card = _metric(at, _npv_label(simulator.example_scenario()))
    assert card.value != text.money(default.scenario.npv, "EUR", compact=True)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_lever_and_base_size_edits_rebuild_the_business():
    at = _on(ASSUMPTIONS)
    _edit(at, "lever", "service.people.half_effect_cost_share", 0.3)
    _edit(at, "segment", "segments.price-sensitive.base_customers_by_tenure", 20_000.0)
    assert not at.exception
    business = at.session_state["business"]
    assert business.service.people.half_effect_cost_share == 0.3
    assert business.segment("price-sensitive").base_customers == pytest.approx(20_000.0)
    assert set(business.user_fields) == {
        "service.people.half_effect_cost_share",
        "segments.price-sensitive.base_customers_by_tenure",
    }


@pytest.mark.slow  # AppTest runs the real page scripts
def test_invalid_assumption_shows_an_error_and_keeps_the_business():
    at = _on(ASSUMPTIONS)
    _edit(at, "service", "service.csat", 1.4)
    assert not at.exception
    assert len(at.error) == 1
    assert text.parameter_label("csat") in at.error[0].value
    assert at.session_state["business"] == APP_BUSINESS


@pytest.mark.slow  # AppTest runs the real page scripts
def test_reset_restores_the_default_business():
    at = _on(ASSUMPTIONS)
    _edit(at, "segment", "segments.core.arpu_per_month", 55.0)
    assert at.session_state["business"] != APP_BUSINESS
    at.button(key="assumptions_reset").click().run()
    assert not at.exception
    assert at.session_state["business"] == APP_BUSINESS
    at.run()  # the cleared editor must not re-apply the old edit
    assert at.session_state["business"] == APP_BUSINESS


@pytest.mark.slow  # AppTest runs the real page scripts
def test_scenario_rerun_is_fast_once_cached():
    """A slider move re-renders well under a second (the target in product.md)."""
    at = _on(SCENARIO)
    slider = at.slider(key=PRICE_SLIDER)
    start = time.perf_counter()
    slider.set_value(7.5).run()
    first = time.perf_counter() - start
    start = time.perf_counter()
    at.slider(key=PRICE_SLIDER).set_value(5.0).run()  # cached
    cached = time.perf_counter() - start
    assert not at.exception
    assert first < 3.0 and cached < 1.5, (first, cached)


# --- widget values <-> parameter objects, without a page ---------------------------------


def test_widgets_show_percent_and_give_back_the_same_scenario():
    scenario = simulator.example_scenario()
    values = inputs.widget_values(scenario)
    assert values[PRICE_SLIDER] == 5.0
    assert values["scenario_annual_discount_rate_pct"] == 10.0
    assert values["scenario_tools_spend"] == 10_000
    assert inputs.scenario_from_widgets(values) == scenario


def test_table_edits_ignore_floating_point_noise():
    table = parameter_table(APP_BUSINESS, simulator.example_scenario())
    view = inputs.parameter_view(table, "segment", "EUR")
    edited = view.copy()
    path = "segments.core.base_customers_by_tenure"
    edited.loc[path, "value"] = view.at[path, "value"] * (1 + 1e-12)
    assert inputs.table_edits(view, edited) == {}
    edited.loc["segments.core.arpu_per_month", "value"] = 50.0
    assert inputs.table_edits(view, edited) == {"segments.core.arpu_per_month": 50.0}


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_app_opens_on_the_business_measured_from_the_bundled_table():
    at = _on(HOME)
    business = at.session_state["business"]
    assert business == APP_BUSINESS
    assert "segments.core.base_customers_by_tenure" in business.data_fields
    shown = at.dataframe[0].value
    assert list(shown.iloc[:, 0]) == [s.name for s in APP_BUSINESS.segments]
    active = shown[text.t("summary.active")].tolist()
    assert active == [text.number(s.base_customers) for s in APP_BUSINESS.segments]


OPEN_HOME_THEN_SCENARIO = textwrap.dedent(
    """
    import sys

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
    assert not at.exception, at.exception
    at.switch_page("pages/1_Scenario.py").run()
    assert not at.exception, at.exception
    print(sorted(m for m in ("sqlalchemy", "scipy.stats", "numba") if m in sys.modules))
    """
)


@pytest.mark.slow
def test_opening_the_app_loads_none_of_the_slow_libraries_it_does_not_use():
    """A meeting's first page load pays every import: SQLAlchemy (the saved-scenario store,
    most of a second here) waits for a page that opens the store, and scipy.stats and numba
    (the Monte Carlo, about three seconds) for the Uncertainty page."""
    result = subprocess.run(
        [sys.executable, "-c", OPEN_HOME_THEN_SCENARIO, APP],
        cwd=Path(APP).parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# --- Assumptions: the price and fee response, graded -------------------------------------


@pytest.mark.slow  # AppTest runs the real page scripts
def test_assumptions_list_the_price_response_together_with_each_grade_in_words():
    at = _on(ASSUMPTIONS)
    assert text.t("group.price") in [h.value for h in at.subheader]
    assert text.t("assumptions.grades") in [c.value for c in at.caption]
    price = at.data_editor(key="assumptions_editor_price").value
    labels = set(price["parameter"])
    for name in sorted(sections.PRICE_RESPONSE):
        assert text.parameter_label(name) in labels, name
    assert text.grade_label("published") in set(price["grade"])
    assert text.grade_label("assumption") in set(price["grade"])
    segment = at.data_editor(key="assumptions_editor_segment").value
    assert text.grade_label("customer_data") in set(segment["grade"])
    price_labels = {text.parameter_label(n) for n in sections.PRICE_RESPONSE}
    assert not set(segment["parameter"]) & price_labels
    assert text.grade_label("published") == "published figures"
    assert text.grade_label("history_without_control") == "your history, no control group"


@pytest.mark.slow  # AppTest runs the real page scripts
def test_price_response_edits_drive_the_scenario_and_keep_a_month_whole():
    at = _on(ASSUMPTIONS)
    _edit(at, "price", "segments.core.acquisition_price_elasticity", -3.0)
    _edit(at, "price", "market_price_change_month", 7.0)
    _edit(at, "price", "market_price_change", 0.05)
    assert not at.exception and not at.error
    business = at.session_state["business"]
    assert business.segment("core").acquisition_price_elasticity == -3.0
    assert business.market_price_change_month == 7 and business.market_price_change == 0.05
    price = at.data_editor(key="assumptions_editor_price").value
    assert text.grade_label("setting") in set(price["grade"])
    at.switch_page(SCENARIO).run()
    expected = APP_BUSINESS
    for path, value in (
        ("segments.core.acquisition_price_elasticity", -3.0),
        ("market_price_change_month", 7.0),
        ("market_price_change", 0.05),
    ):
        expected = with_parameter(expected, path, value)
    _assert_npv_card(at, expected, simulator.example_scenario())


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_positive_acquisition_elasticity_is_refused_in_plain_words():
    at = _on(ASSUMPTIONS)
    _edit(at, "price", "segments.core.acquisition_price_elasticity", 1.5)
    assert not at.exception
    assert len(at.error) == 1
    said = shown(at.error[0].value)  # the message is literal text in Markdown
    assert text.parameter_label("acquisition_price_elasticity") in said and "at most 0" in said
    assert at.session_state["business"] == APP_BUSINESS
