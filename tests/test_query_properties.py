"""Share-link parameters and scenario settings from anywhere, checked with Hypothesis.

* Any URL query (scenario keys and junk keys, any text as values, repeated keys, huge numbers,
  ``nan``, ``inf``) gives :func:`scenario_from_query` a valid Scenario without raising, with a
  notice naming every parameter whose value it did not use; and that scenario, run on the app's
  business, gives no NaN and no negative counts.
* Any scenario settings (in and far out of range, NaN, infinities, wrong types) either make a
  valid Scenario, agreeing with the documented rules, or are refused with a ParameterError whose
  message names the field; every valid scenario over the whole range of the settings (fees and
  budgets up to MAX_AMOUNT, discount rates down to MIN_RATE) runs without NaN or negative counts.

Derandomized and bounded as in tests/test_properties.py: reproducible, never flaky, a few seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

import simulator
from simulator import Scenario
from simulator.decisions.scenario_file import QUERY_KEYS, scenario_from_query, scenario_to_query
from simulator.model.validators import ParameterError
from ui.share import fit_to_sliders

from .conftest import APP_BUSINESS

pytestmark = pytest.mark.slow

FAST = settings(
    derandomize=True,
    max_examples=100,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
ENGINE = settings(FAST, max_examples=10)  # each example runs the engine (~0.2 s)

FIELD_OF = {key: name for name, key in QUERY_KEYS.items()}
INT_FIELDS = ("price_change_month", "notice_months", "phase_in_months", "horizon_months")
MAX_AMOUNT = 1e9
MAX_PRICE = simulator.model.params.MAX_PRICE_CHANGE  # ten times the price
"""The largest fee (currency per customer-month) and monthly lever budget Scenario accepts."""
MIN_RATE = 1e-6
"""The smallest annual discount rate Scenario accepts (a fraction a year)."""
JUST_ABOVE_MAX = math.nextafter(MAX_AMOUNT, math.inf)
JUST_BELOW_MIN = math.nextafter(MIN_RATE, 0.0)
AMOUNT_FIELDS = (
    "monthly_fee",
    *(f"{lever}_spend_per_month" for lever in simulator.model.params.LEVERS),
)
COUNT_COLUMNS = ("customers", "paid_acquisitions", "referral_acquisitions", "churned")

# --- strategies ---------------------------------------------------------------------------------

awkward_numbers = st.sampled_from(
    [
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-inf",
        "Infinity",
        "1e308",
        "1e309",
        "-1e309",
        "1e-320",
        "9" * 400,
        "-0",
        "0.0",
        " 5 ",
        "5.",
        ".5",
        "1_000",
        "0x10",
        "١٢",  # Arabic-Indic digits: float() reads them
        "２４",  # full-width digits
        "12.5",
        "",
        " ",
        "true",
        "yes",
        "off",
        "TRUE",
        "\x00",
        "€",
        "🙂",
    ]
)
numbers_as_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.integers(-5, 130).map(str),
    st.floats(-1.0, 2.5).map(lambda x: f"{x:.3g}"),
)
values = st.one_of(awkward_numbers, numbers_as_text, st.text(max_size=12))
query_keys = st.one_of(
    st.sampled_from(sorted(FIELD_OF)), st.sampled_from(["cal", "present", "x", ""]), st.text()
)
query_values = st.one_of(values, st.lists(values, min_size=0, max_size=3))  # lists: repeated keys
queries = st.dictionaries(query_keys, query_values, max_size=16)


def _interpreted(raw: str, name: str):
    """What a single given value means when it is used as given (None: not a value)."""
    text = raw.strip()
    if name == "grandfather_existing":
        return {"1": True, "true": True, "yes": True, "on": True}.get(
            text.lower(), {"0": False, "false": False, "no": False, "off": False}.get(text.lower())
        )
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _used_as_given(params, key: str, scenario: Scenario) -> bool:
    raw = params[key]
    given = [raw] if isinstance(raw, str) else [str(v) for v in raw]
    if len(set(given)) != 1:
        return False
    meant = _interpreted(given[0], FIELD_OF[key])
    got = getattr(scenario, FIELD_OF[key])
    if isinstance(got, bool):
        return meant is got
    return meant is not None and meant == got


def _assert_runs_cleanly(scenario: Scenario) -> None:
    evaluation = simulator.evaluate(APP_BUSINESS, scenario)
    monthly = evaluation.monthly
    numeric = monthly.drop(columns=["segment", "case"]).to_numpy(dtype=float)
    assert np.all(np.isfinite(numeric)), "NaN or infinity in the monthly projection"
    for column in COUNT_COLUMNS:
        assert (monthly[column] >= 0).all(), f"negative {column}"
    assert (monthly["revenue"] >= 0).all()
    segments = evaluation.segments
    assert np.all(np.isfinite(segments.drop(columns=["segment"]).to_numpy(dtype=float)))
    assert (segments[["customers_end_baseline", "customers_end_scenario"]] >= 0).all().all()
    assert math.isfinite(evaluation.delta_npv)
    assert math.isfinite(evaluation.delta_npv_with_terminal_value)


# --- share-link parameters ----------------------------------------------------------------------


@FAST
@given(params=queries)
@example(params={"price": "nan", "horizon": "inf", "month": "1e309", "notice": "-0"})
@example(params={"price": ["0.05", "0.1"], "fee": "9" * 400, "grandfather": "maybe"})
@example(params={"month": "60", "notice": "59", "horizon": "12"})
@example(params={"price": "١٢", "rate": "0", "phase": "25", "tools": "-1"})
@example(params={"price": []})
def test_any_query_gives_a_valid_scenario_and_a_notice_for_each_value_not_used(params):
    scenario, notices = scenario_from_query(params)
    assert isinstance(scenario, Scenario)
    assert isinstance(notices, tuple) and all(isinstance(n, str) and n for n in notices)
    Scenario(**{f: getattr(scenario, f) for f in scenario.__dataclass_fields__})  # still valid
    present = [key for key in FIELD_OF if key in params]
    if not present:
        assert (scenario, notices) == (Scenario(), ())
        return
    for key in present:
        if not _used_as_given(params, key, scenario):
            assert any(n.startswith(f"{key} (") for n in notices), (key, params[key], notices)
    missing = [key for key in FIELD_OF if key not in params]
    if missing:
        assert notices[0].startswith("not in the link"), notices
        for key in missing:
            assert f"{key} " in notices[0]


@FAST
@given(params=st.dictionaries(st.sampled_from(sorted(FIELD_OF)), values, min_size=12))
def test_a_full_query_of_junk_is_refused_value_by_value(params):
    scenario, notices = scenario_from_query(params)
    bad = [key for key in params if not _used_as_given(params, key, scenario)]
    for key in bad:
        assert any(n.startswith(f"{key} (") for n in notices), (key, params[key], notices)


@ENGINE
@given(params=queries)
@example(params={"price": "2", "month": "1", "horizon": "120", "rate": "1", "phase": "24"})
@example(params={"price": "-0.89", "fee": "1e300", "horizon": "12"})
@example(params={"tools": "1e300", "people": "1e300", "training": "1e300"})
def test_the_scenario_a_link_opens_runs_without_nan_or_negative_counts(params):
    # the app's path: the link's scenario, then fitted to the Scenario page's sliders
    scenario, adjusted = fit_to_sliders(scenario_from_query(params)[0])
    assert all(isinstance(line, str) for line in adjusted)
    _assert_runs_cleanly(scenario)


@FAST
@given(
    scenario=st.builds(
        Scenario,
        price_change=st.floats(-0.89, MAX_PRICE),
        monthly_fee=st.floats(0.0, MAX_AMOUNT),
        horizon_months=st.integers(12, 120),
        phase_in_months=st.integers(1, 24),
        grandfather_existing=st.booleans(),
        tools_spend_per_month=st.floats(0.0, MAX_AMOUNT),
        annual_discount_rate=st.floats(MIN_RATE, 1.0),
    )
)
def test_a_link_written_for_a_scenario_reads_back_without_notices(scenario):
    assert scenario_from_query(scenario_to_query(scenario)) == (scenario, ())


# --- scenario settings --------------------------------------------------------------------------

floats_anywhere = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2.0, 3.0),
    st.integers(-3, 3),
    # either side of the bounds on amounts and on the discount rate
    st.sampled_from([MAX_AMOUNT, JUST_ABOVE_MAX, MIN_RATE, JUST_BELOW_MIN]),
    st.floats(0.5 * MAX_AMOUNT, 2.0 * MAX_AMOUNT),
    st.floats(0.0, 2.0 * MIN_RATE),
)
ints_anywhere = st.one_of(
    st.integers(-5, 150), st.integers(), st.floats(-5, 150), st.booleans(), st.just(12)
)


@st.composite
def settings_anywhere(draw) -> dict:
    chosen = {}
    for name in Scenario.__dataclass_fields__:
        if not draw(st.booleans()):
            continue  # left at its default
        if name in INT_FIELDS:
            chosen[name] = draw(ints_anywhere)
        elif name == "grandfather_existing":
            chosen[name] = draw(st.one_of(st.booleans(), st.integers(0, 1), st.just("yes")))
        else:
            chosen[name] = draw(floats_anywhere)
    return chosen


def _breaks_a_rule(s: dict) -> bool:
    """The rules of Scenario, as its docstring states them, written out independently."""
    for name, value in s.items():
        if name in INT_FIELDS:
            if not isinstance(value, int) or isinstance(value, bool):
                return True
        elif name == "grandfather_existing":
            if not isinstance(value, bool):
                return True
        elif not math.isfinite(value):
            return True
    spends = [s[f"{lever}_spend_per_month"] for lever in simulator.model.params.LEVERS]
    return not (
        -0.9 < s["price_change"] <= MAX_PRICE
        and 0 <= s["monthly_fee"] <= MAX_AMOUNT
        and 12 <= s["horizon_months"] <= 120
        and 1 <= s["price_change_month"] <= s["horizon_months"]
        and 0 <= s["notice_months"] < s["price_change_month"]
        and 1 <= s["phase_in_months"] <= 24
        and all(0 <= spend <= MAX_AMOUNT for spend in spends)
        and MIN_RATE <= s["annual_discount_rate"] <= 1
    )


@FAST
@given(chosen=settings_anywhere())
@example(chosen={"price_change": float("nan")})
@example(chosen={"horizon_months": 12, "price_change_month": 13})
@example(chosen={"price_change_month": 3, "notice_months": 3})
@example(chosen={"horizon_months": True})
@example(chosen={"annual_discount_rate": 0})
@example(chosen={"annual_discount_rate": JUST_BELOW_MIN})
@example(chosen={"annual_discount_rate": MIN_RATE})
@example(chosen={"monthly_fee": JUST_ABOVE_MAX, "people_spend_per_month": MAX_AMOUNT})
@example(chosen={"training_spend_per_month": JUST_ABOVE_MAX})
def test_invalid_settings_are_refused_with_a_message_naming_the_field(chosen):
    everything = {**{f: getattr(Scenario(), f) for f in Scenario.__dataclass_fields__}, **chosen}
    try:
        Scenario(**chosen)
    except ParameterError as error:
        assert _breaks_a_rule(everything), f"refused a valid scenario: {error}"
        assert error.field in Scenario.__dataclass_fields__
        assert f"Scenario.{error.field} must be" in str(error)
        assert error.rule and error.rule in str(error)
    else:
        assert not _breaks_a_rule(everything), f"accepted an invalid scenario: {chosen}"


@st.composite
def valid_scenarios(draw) -> Scenario:
    horizon = draw(st.integers(12, 120))
    month = draw(st.integers(1, horizon))
    lever = st.one_of(
        st.just(0.0), st.floats(0.0, 1e5), st.floats(0.0, MAX_AMOUNT), st.just(MAX_AMOUNT)
    )
    return Scenario(
        price_change=draw(st.floats(-0.9, MAX_PRICE, exclude_min=True)),
        monthly_fee=draw(
            st.one_of(
                st.just(0.0),
                st.floats(0.0, 100.0),
                st.floats(0.0, MAX_AMOUNT),
                st.just(MAX_AMOUNT),
            )
        ),
        price_change_month=month,
        notice_months=draw(st.integers(0, month - 1)),
        phase_in_months=draw(st.integers(1, 24)),
        grandfather_existing=draw(st.booleans()),
        tools_spend_per_month=draw(lever),
        training_spend_per_month=draw(lever),
        incentives_spend_per_month=draw(lever),
        people_spend_per_month=draw(lever),
        horizon_months=horizon,
        annual_discount_rate=draw(st.one_of(st.floats(MIN_RATE, 1.0), st.just(MIN_RATE))),
    )


@ENGINE
@given(scenario=valid_scenarios())
@example(scenario=Scenario(price_change=MAX_PRICE, monthly_fee=MAX_AMOUNT, horizon_months=120))
@example(scenario=Scenario(price_change=-0.899999, annual_discount_rate=MIN_RATE))
@example(
    scenario=Scenario(
        price_change=MAX_PRICE,
        monthly_fee=MAX_AMOUNT,
        price_change_month=7,
        notice_months=6,
        **{f"{lever}_spend_per_month": MAX_AMOUNT for lever in simulator.model.params.LEVERS},
        annual_discount_rate=MIN_RATE,
    )
)
def test_every_valid_scenario_runs_without_nan_or_negative_counts(scenario):
    _assert_runs_cleanly(scenario)


FEE_RULE = "from 0 to 1,000,000,000 currency units per customer-month"
BUDGET_RULE = "from 0 to 1,000,000,000 currency units a month"
RATE_RULE = "from 0.000001 to 1 a year, as a fraction"


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"monthly_fee": 1e12}, "monthly_fee", FEE_RULE),
        ({"monthly_fee": JUST_ABOVE_MAX}, "monthly_fee", FEE_RULE),
        ({"tools_spend_per_month": 1e300}, "tools_spend_per_month", BUDGET_RULE),
        ({"people_spend_per_month": JUST_ABOVE_MAX}, "people_spend_per_month", BUDGET_RULE),
        ({"annual_discount_rate": 1e-17}, "annual_discount_rate", RATE_RULE),
        ({"annual_discount_rate": JUST_BELOW_MIN}, "annual_discount_rate", RATE_RULE),
    ],
    ids=[
        "fee-1e12",
        "fee-just-above",
        "budget-1e300",
        "budget-just-above",
        "rate-1e-17",
        "rate-just-below",
    ],
)
def test_absurd_amounts_and_rates_are_refused_naming_the_range_and_unit(changes, field, rule):
    # the engine fails on such values (a NaN in the break-even search at a fee of 1e12, an
    # overflow in the service response at 1e300, a discount factor of 1 at a rate of 1e-17)
    with pytest.raises(ParameterError) as refused:
        Scenario(**changes)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"Scenario.{field} must be {rule}")


@pytest.mark.parametrize(
    "changes",
    [
        {"monthly_fee": MAX_AMOUNT},
        {field: MAX_AMOUNT for field in AMOUNT_FIELDS},
        {"annual_discount_rate": MIN_RATE, "price_change": 0.05},
    ],
    ids=["fee-max", "everything-max", "rate-min"],
)
def test_amounts_and_rates_at_the_bounds_run_cleanly(changes):
    _assert_runs_cleanly(Scenario(**changes))


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("fee", "1e12", FEE_RULE),
        ("tools", "1e300", BUDGET_RULE),
        ("rate", "1e-17", RATE_RULE),
    ],
)
def test_a_link_with_an_absurd_amount_or_rate_says_so_and_uses_the_default(key, value, rule):
    scenario, notices = scenario_from_query({key: value})
    assert scenario == Scenario()
    assert any(n.startswith(f"{key} (") and f"'{value}' must be {rule}" in n for n in notices), (
        notices
    )
