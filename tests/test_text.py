"""Formatting, the text catalogue, the verdict and validation messages (ui.text, ui.kpis)."""

from __future__ import annotations

import ast
import dataclasses
import datetime
import re
from pathlib import Path

import pytest

import simulator
from simulator.model.assumptions import parameter_table
from ui import kpis, text

ROOT = Path(__file__).resolve().parents[1]
PAGE_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
UI_FILES = sorted((ROOT / "ui").glob("*.py"))


# --- numbers and money: CLDR formats through Babel, in both languages and three currencies ------

NBSP = "\u00a0"


@pytest.fixture
def italian(monkeypatch):
    """The server's default language set to Italian (no session: tests call ui.text directly)."""
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, "it")
    assert text.language() == "it"


@pytest.mark.parametrize(
    ("language", "currency", "value", "expected"),
    [
        ("en", "EUR", 1_234_567, "€1,234,567"),
        ("en", "USD", 1_234_567.6, "$1,234,568"),
        ("en", "GBP", -1_500, "-£1,500"),
        ("en", "EUR", 0, "€0"),
        ("en", "EUR", -0.4, "€0"),  # no "-0": it rounds to nothing
        ("it", "EUR", 1_234_567, f"1.234.567{NBSP}€"),
        ("it", "USD", 1_234_567.6, f"1.234.568{NBSP}USD"),  # CLDR: Italian writes USD, not $
        ("it", "GBP", -1_500, f"-1.500{NBSP}£"),
        ("it", "EUR", -0.4, f"0{NBSP}€"),
    ],
)
def test_money_follows_the_language_and_the_currency(
    monkeypatch, language, currency, value, expected
):
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, language)
    assert text.money(value, currency) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_234_567, "€1.2M"),
        (32_033_926.77, "€32M"),
        (999_960, "€1M"),
        (850_000, "€850K"),
        (12_499, "€12K"),
        (4_321, "€4.3K"),
        (999, "€999"),
        (2_500_000_000, "€2.5B"),
        (-359_212, "-€359K"),
    ],
)
def test_compact_money_for_kpi_cards(value, expected):
    assert text.money(value, "EUR", compact=True) == expected


@pytest.mark.parametrize(
    ("currency", "value", "expected"),
    [
        ("EUR", 1_234_567, f"1,2{NBSP}Mln{NBSP}€"),
        ("USD", 2_500_000_000, f"2,5{NBSP}Mld{NBSP}USD"),
        ("GBP", 850_000, f"850K{NBSP}£"),
        ("EUR", -4_321, f"-4,3K{NBSP}€"),
    ],
)
def test_compact_money_in_italian(italian, currency, value, expected):
    assert text.money(value, currency, compact=True) == expected


def test_signed_money_marks_gains_and_losses():
    assert text.signed_money(2_722_456, "EUR", compact=True) == "+€2.7M"
    assert text.signed_money(-120_000, "EUR", compact=True) == "-€120K"
    assert text.signed_money(121.4, "EUR") == "+€121"
    assert text.signed_money(0.2, "EUR") == "€0"  # no sign on zero: st.metric shows it grey


def test_signed_money_in_italian_starts_with_an_ascii_sign(italian):
    # st.metric reads the colour and arrow of a delta from its first character
    assert text.signed_money(2_722_456, "EUR", compact=True) == f"+2,7{NBSP}Mln{NBSP}€"
    assert text.signed_money(-120_000, "GBP", compact=True) == f"-120K{NBSP}£"
    assert text.signed_money(0.2, "USD") == f"0{NBSP}USD"


def test_money_decimals_and_other_currencies():
    assert text.money(2.5, "EUR", decimals=2) == "€2.50"
    assert text.money(1_000, "USD") == "$1,000"
    assert text.money(1_000, "GBP") == "£1,000"
    assert text.money(1_000, "SEK") == f"SEK{NBSP}1,000"  # CLDR currency spacing


def test_money_decimals_in_italian(italian):
    assert text.money(2.5, "EUR", decimals=2) == f"2,50{NBSP}€"
    assert text.money(2.5, "GBP", decimals=2) == f"2,50{NBSP}£"


def test_numbers_and_percentages():
    assert text.number(17_355.6) == "17,356"
    assert text.number(8.2149, decimals=1) == "8.2"
    assert text.signed_number(533.9) == "+534"
    assert text.signed_number(-12.2) == "-12"
    assert text.signed_number(0.3) == "0"
    assert text.percent(0.125) == "12.5%"
    assert text.percent(1.2626, 0) == "126%"
    assert text.signed_percent(0.05) == "+5.0%"
    assert text.signed_percent(-0.0779) == "-7.8%"
    assert text.signed_points(0.0698) == "+7.0 pts"
    assert text.significant(0.0125) == "0.0125"
    assert text.significant(1_234_567.891) == "1,234,570"


def test_numbers_and_percentages_in_italian(italian):
    assert text.number(17_355.6) == "17.356"
    assert text.number(8.2149, decimals=1) == "8,2"
    assert text.signed_number(533.9) == "+534"
    assert text.signed_number(-12.2) == "-12"
    assert text.percent(0.125) == "12,5%"
    assert text.signed_percent(0.05) == "+5,0%"
    assert text.signed_percent(-0.0779) == "-7,8%"
    assert text.signed_points(0.0698) == "+7,0 p.p."
    assert text.significant(0.0125) == "0,0125"


def test_dates_and_times_in_each_language(monkeypatch):
    day, moment = datetime.date(2026, 9, 30), datetime.datetime(2026, 9, 30, 14, 5)
    assert text.date(day) == "September 30, 2026"
    assert text.time(moment) == "2:05\u202fPM"  # CLDR: a narrow no-break space
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, "it")
    assert text.date(day) == "30 settembre 2026"
    assert text.time(moment) == "14:05"


@pytest.mark.parametrize(
    ("language", "separators", "euro", "pound"),
    [
        ("en", ".,", ("€%{y:,.0f}", {"tickprefix": "€", "ticksuffix": ""}), "£%{x:,.0f}"),
        (
            "it",
            ",.",
            ("%{y:,.0f}" + NBSP + "€", {"tickprefix": "", "ticksuffix": NBSP + "€"}),
            "%{x:,.0f}" + NBSP + "£",
        ),
    ],
)
def test_plotly_uses_the_same_separators_and_symbol_place(
    monkeypatch, language, separators, euro, pound
):
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, language)
    assert text.plotly_separators() == separators
    assert (text.plotly_money("EUR"), text.plotly_money_axis("EUR")) == euro
    assert text.plotly_money("GBP", "x") == pound
    assert text.plotly_money("USD").startswith("$" if language == "en" else "%{y")


def test_no_hand_written_number_formatting_left():
    """Numbers reach the page through ui.text (Babel): no format spec that writes separators,
    symbols or a time of day by hand in the shell (Plotly's d3 formats take layout.separators)."""
    hand_made = re.compile(r"""f["'][^"']*\{[^}"']*:[,.][0-9]*[dfge%]|strftime\(|:,d\}""")
    found = [
        f"{path.name}: {line.strip()}"
        for path in UI_FILES + PAGE_FILES
        for line in path.read_text().splitlines()
        if hand_made.search(line)
    ]
    assert found == []


def test_missing_values_show_a_dash():
    assert text.money(float("nan"), "EUR") == text.t("value.none")
    assert text.percent(None) == text.t("value.none")


def test_periods_read_in_years_when_whole():
    assert text.period(60) == "5 years"
    assert text.period(12) == "1 year"
    assert text.period(18) == "18 months"


def test_periods_in_italian(italian):
    assert [text.period(m) for m in (60, 12, 18)] == ["5 anni", "1 anno", "18 mesi"]


# --- the catalogue -------------------------------------------------------------------------


def test_t_fills_placeholders_and_rejects_unknown_keys():
    assert text.t("kpi.payback.value", month=4) == "Month 4"
    with pytest.raises(KeyError):
        text.t("no.such.key")


def test_language_defaults_to_english_and_ignores_unknown_codes(monkeypatch):
    assert text.language() == "en"
    monkeypatch.setenv(text.LANGUAGE_VARIABLE, "xx")
    assert text.language() == "en"


def test_every_literal_text_key_in_the_code_exists():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")
    used = {key for path in PAGE_FILES + UI_FILES for key in pattern.findall(path.read_text())}
    assert used, "the pattern finds the t() calls"
    missing = sorted(key for key in used if not text.has(key))
    assert not missing


def test_every_generated_text_key_exists():
    business, scenario = simulator.sample_business(), simulator.example_scenario()
    table = parameter_table(business, scenario)
    keys = {f"group.{group}" for group in table["group"].unique()}
    keys |= {f"group.{group}.note" for group in ("segment", "service", "lever", "business")}
    keys |= {f"param.{name}" for name in table["parameter"].unique()}
    keys |= {f"lever.{lever}" for lever in simulator.LEVERS}
    keys |= {f"inputs.spend.{lever}" for lever in simulator.LEVERS}
    keys |= {text.SOURCE_KEYS[source] for source in table["source"].unique()}
    keys |= {f"breakeven.model.{s}" for s in ("found", "never_pays", "always_pays")}
    keys |= {f"breakeven.model.{s}" for s in ("no_increase", "not_computed")}
    keys |= {f"error.{field}" for field in ("notice_months", "price_change_month")}
    missing = sorted(key for key in keys if not text.has(key))
    assert not missing


def _user_facing_literals(path: Path) -> list[str]:
    """String constants with two words, docstrings excepted: page text belongs in ui.text."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"[A-Za-z]+\s+[A-Za-z]+", node.value)
    ]


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_pages_contain_no_literal_english(path):
    assert _user_facing_literals(path) == []


# --- sentences built from numbers ------------------------------------------------------------


def test_verdict_for_the_example_plan():
    business, scenario = simulator.sample_business(), simulator.example_scenario()
    evaluation = simulator.evaluate(business, scenario)
    sentence = kpis.verdict(evaluation, business, scenario)
    lost = evaluation.segments.set_index("segment").loc["core", "customers_lost"]
    # the example plan adds a little value but loses core customers: the rise turns some away
    assert evaluation.delta_npv > 0 and lost > 0
    assert sentence == (
        f"This plan adds {text.money(evaluation.delta_npv, 'EUR', compact=True)} of value over "
        f"5 years against doing nothing, but loses {text.number(lost)} core customers."
    )


@pytest.mark.parametrize(
    ("delta", "core", "expected"),
    [
        (
            -1_200_000,
            -300,
            "costs €1.2M of value over 3 years against doing nothing, and loses 300",
        ),
        (500_000, -40, "adds €500K of value over 3 years against doing nothing, but loses 40"),
        (-80_000, 25, "costs €80K of value over 3 years against doing nothing, but keeps 25 more"),
        (10, 0.2, "makes almost no difference to value over 3 years against doing nothing, and "),
    ],
)
def test_verdict_joins_good_and_bad_news_with_but(delta, core, expected):
    sentence = text.verdict(
        delta_npv=delta,
        baseline_npv=30_000_000,
        core_kept=core,
        core_segment="core",
        horizon_months=36,
        currency="EUR",
    )
    assert sentence.startswith("This plan " + expected)


def test_describe_scenario_in_one_line():
    scenario = simulator.example_scenario().with_changes(
        monthly_fee=2.5, phase_in_months=3, grandfather_existing=True
    )
    assert text.describe_scenario(scenario, "EUR") == (
        "+5.0% list price from month 3; a new €2.50 monthly fee; customers told 1 month "
        "before; phased in over 3 months; existing customers keep today's price; service "
        "budget €45,000 a month; over 5 years at 10.0% a year."
    )


def test_breakeven_lines_state_volume_scale_and_churn_per_ten_percent():
    business, scenario = simulator.sample_business(), simulator.example_scenario()
    evaluation = simulator.evaluate(business, scenario)
    lines = kpis.breakeven_lines(evaluation, business)
    assert text.percent(-evaluation.breakeven_volume) in lines[0]
    found = evaluation.breakeven_elasticity
    assert text.number(found.scale, decimals=1) in lines[1]
    core_eta = dict(found.elasticities)["core"]
    assert text.signed_percent(1.1**core_eta - 1) in lines[2]
    assert text.signed_percent(1.1**0.5 - 1) in lines[2]  # the assumed core elasticity


def test_breakeven_lines_without_a_price_increase():
    business = simulator.sample_business()
    scenario = simulator.example_scenario().with_changes(price_change=0.0)
    lines = kpis.breakeven_lines(simulator.evaluate(business, scenario), business)
    assert lines == [text.t("breakeven.static.none"), text.t("breakeven.model.no_increase")]


def test_kpi_with_zero_delta_is_grey_without_arrow():
    business = simulator.sample_business()
    scenario = dataclasses.replace(
        simulator.example_scenario(),
        price_change=0.0,
        **{f"{lever}_spend_per_month": 0.0 for lever in simulator.LEVERS},
    )
    evaluation = simulator.evaluate(business, scenario)
    cards = kpis.value_cards(evaluation, scenario, "EUR")
    assert cards[0].delta_color == "off" and cards[0].delta_arrow == "off"
    assert cards[2].value == text.t("kpi.payback.none")
    assert cards[3].value == text.t("kpi.roi.none")


# --- validation messages ---------------------------------------------------------------------


def test_scenario_errors_name_the_field_in_plain_words():
    with pytest.raises(ValueError) as caught:
        simulator.Scenario(price_change_month=2, notice_months=3)
    message = text.validation_message(caught.value)
    assert message.startswith(text.t("inputs.notice_months"))
    assert "(3)" in message


def test_business_errors_name_the_parameter_and_segment():
    segment = simulator.sample_business().segments[0]
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(segment, arpu_per_month=-1.0)
    message = text.validation_message(caught.value)
    assert message == "Revenue per customer (ARPU) (core) must be above 0 (got -1.0)."


def test_unknown_error_shapes_are_shown_as_they_are():
    assert text.validation_message(ValueError("something odd")) == "something odd"


def test_path_and_unit_labels():
    assert text.path_label("segments.core.arpu_per_month") == "Revenue per customer (ARPU) (core)"
    assert text.path_label("service.training.weight") == (
        "Weight in the service-quality index (Authority and training)"
    )
    assert text.unit_label("currency per customer-month", "EUR") == "€ per customer-month"


NO_SERVICE = {f"{lever}_spend_per_month": 0.0 for lever in simulator.LEVERS}


@pytest.mark.parametrize(
    ("sensitivity", "changes", "expected"),
    [
        (1.0, {"price_change": 0.02}, "good"),  # +2 % with the programme: value and core kept
        (1.0, {"price_change": 0.05, **NO_SERVICE}, "mixed"),  # adds value, loses core
        (1.0, {"price_change": -0.10}, "mixed"),  # keeps core, costs value
        (1.0, {"price_change": 0.30, **NO_SERVICE}, "bad"),  # costs value, loses core
        (12.0, {"price_change": 0.30, **NO_SERVICE}, "bad"),
    ],
)
def test_verdict_tone_never_calls_losing_core_customers_good(sensitivity, changes, expected):
    sample = simulator.sample_business()
    business = dataclasses.replace(
        sample,
        segments=tuple(
            dataclasses.replace(
                s, lasting_price_elasticity=sensitivity * s.lasting_price_elasticity
            )
            for s in sample.segments
        ),
    )
    scenario = simulator.example_scenario().with_changes(**changes)
    evaluation = simulator.evaluate(business, scenario)
    assert kpis.tone(evaluation, business) == expected
