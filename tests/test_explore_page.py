"""The Explore page: AppTest on the sample and on a calibrated business, the heatmap as a
figure object, and the goal-seek sentences for every status."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.decisions.explore import npv_grid, probability_grid
from simulator.decisions.goal_seek import (
    GoalSeek,
    largest_price_increase,
    price_increase_for_core_loss,
    smallest_service_budget,
)
from ui import explore, text

from .conftest import APP_BUSINESS, uploaded_firm
from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EXPLORE = "pages/5_Explore.py"
SCENARIO = simulator.example_scenario()


def _explore(business: simulator.Business | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if business is not None:
        at.session_state["business"] = business
    at.run()
    at.switch_page(EXPLORE).run()
    assert not at.exception
    return at


def _answers_shown(at: AppTest) -> list[str]:
    questions = {text.t(f"explore.q.{key}") for key in ("price", "budget", "core")}
    shown = [m.value for m in at.markdown]
    return [shown[i + 1] for i, value in enumerate(shown) if value in questions]


def _expected_sentences(
    business: simulator.Business,
    scenario: simulator.Scenario,
    *,
    max_price=explore.MAX_PRICE_PCT[3] / 100,
    limit=0.05,
) -> list[str]:
    grid = explore.axes(scenario, max_price)
    answers = explore.Answers(
        price=largest_price_increase(business, scenario, max_price_change=grid.max_price_change),
        budget=smallest_service_budget(business, scenario, max_budget_per_month=grid.max_budget),
        core=price_increase_for_core_loss(
            business, scenario, max_core_loss=limit, max_price_change=grid.max_price_change
        ),
    )
    sentences = explore.answer_sentences(
        answers, scenario, currency=business.currency, max_core_loss=limit
    )
    return [sentences[key] for key in ("price", "budget", "core")]


@cache
def calibrated_business() -> simulator.Business:
    """An uploaded table of a firm unlike the sample (twice its ARPU), calibrated as the Data
    page does it and applied to the app's business."""
    _, business = uploaded_firm()
    return dataclasses.replace(business, name=text.t("data.business_name", name="firm.csv"))


# --- AppTest -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_page_answers_the_three_questions_on_the_sample():
    at = _explore()
    assert at.title[0].value == text.t("explore.title")
    assert not at.error
    assert APP_BUSINESS.name in at.caption[0].value
    assert text.describe_scenario(SCENARIO, "EUR") in at.caption[0].value
    assert _answers_shown(at) == _expected_sentences(APP_BUSINESS, SCENARIO)
    assert len(at.get("plotly_chart")) == 1
    heatmap_caption = text.t("explore.heatmap_caption", period=text.period(60))
    assert heatmap_caption in [c.value for c in at.caption]


@pytest.mark.slow
def test_core_limit_and_price_range_reach_the_answers():
    at = _explore()
    at.slider(key="explore_core_limit_pct").set_value(0.5 * 2).run()  # 1 %
    at.slider(key="explore_max_price_pct").set_value(60).run()
    assert not at.exception
    assert _answers_shown(at) == _expected_sentences(
        APP_BUSINESS, SCENARIO, max_price=0.60, limit=0.01
    )


@pytest.mark.slow
def test_probability_toggle_shows_the_chance_of_beating_doing_nothing():
    at = _explore()
    assert at.select_slider(key="explore_draws").disabled
    at.session_state["explore_draws"] = 25  # a quick run (the widget is disabled until on)
    at.toggle(key="explore_probability").set_value(True).run()
    assert not at.exception
    assert not at.select_slider(key="explore_draws").disabled
    expected = text.t("explore.probability_caption", period=text.period(60), draws=25)
    assert expected in [c.value for c in at.caption]
    assert len(at.get("plotly_chart")) == 1
    at.toggle(key="explore_probability").set_value(False).run()  # and back
    assert not at.exception


@pytest.mark.slow
def test_page_works_on_a_calibrated_business_and_follows_the_scenario():
    business = calibrated_business()
    scenario = SCENARIO.with_changes(price_change=0.12, monthly_fee=1.0)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["business"] = business
    at.session_state["scenario"] = scenario
    at.run()
    at.switch_page(EXPLORE).run()
    assert not at.exception
    assert not at.error
    assert business.name in shown(at.caption[0].value)
    assert _answers_shown(at) == _expected_sentences(business, scenario)
    assert _answers_shown(at) != _expected_sentences(APP_BUSINESS, scenario)


# --- the heatmap as an object ------------------------------------------------------------------


def _points():
    return {"price": (0.3, 45_000.0), "budget": (0.05, 19_000.0), "core": (0.3, 45_000.0)}


def test_heatmap_has_cells_frontier_plan_and_answers():
    grid = explore.axes(SCENARIO, 0.30)
    npv = npv_grid(APP_BUSINESS, SCENARIO, price_changes=grid.price_changes, budgets=grid.budgets)
    fig = explore.heatmap_figure(npv, scenario=SCENARIO, currency="EUR", points=_points())
    heat = fig.data[0]
    assert heat.type == "heatmap"
    assert np.asarray(heat.z).shape == (21, 21)
    # Gains and losses each reach their own extreme; 0 is white (test_the_value_colours_...).
    assert heat.zmin < 0 < heat.zmax
    assert (heat.zmin, heat.zmax) == (np.min(heat.z), np.max(heat.z))
    # z[budget, price]: the no-change corner (price 0, budget 0) is 0.
    assert heat.z[0][list(heat.x).index(0.0)] == pytest.approx(0.0, abs=1e-3)
    assert "€" in heat.text[0][0] and "%" in heat.text[0][0]
    names = [trace.name for trace in fig.data[1:]]
    # On the sample the plan pays in a band of price changes: below it the service budget
    # costs more than the rise brings, above it the rise turns too many customers away.
    assert names.count(text.t("chart.explore.frontier")) == 2
    assert text.t("chart.explore.plan") in names
    for key in ("price", "budget", "core"):
        assert text.t(explore.MARKS[key][0]) in names
    plan = next(t for t in fig.data if t.name == text.t("chart.explore.plan"))
    assert (plan.x[0], plan.y[0]) == (0.05, 45_000.0)
    assert fig.layout.xaxis.title.text == text.t("chart.explore.price")
    assert fig.layout.yaxis.tickprefix == "€"


def test_probability_heatmap_is_centred_on_a_coin_toss():
    grid = explore.axes(SCENARIO, 0.30, steps=3)
    npv = npv_grid(APP_BUSINESS, SCENARIO, price_changes=grid.price_changes, budgets=grid.budgets)
    chance = probability_grid(
        APP_BUSINESS,
        SCENARIO,
        price_changes=grid.price_changes,
        budgets=grid.budgets,
        draws=8,
        seed=1,
    )
    fig = explore.heatmap_figure(
        npv, scenario=SCENARIO, currency="EUR", points={}, probability=chance, draws=8
    )
    heat = fig.data[0]
    assert (heat.zmin, heat.zmid, heat.zmax) == (0.0, 0.5, 1.0)
    assert np.asarray(heat.z).shape == (3, 3)
    assert fig.layout.title.text == text.t("chart.explore.title_probability")


def test_the_price_axis_opens_at_plus_100_percent_in_round_steps():
    grid = explore.axes(SCENARIO, explore.MAX_PRICE_PCT[3] / 100)
    assert grid.price_changes[0] == pytest.approx(-0.10)
    assert grid.max_price_change == pytest.approx(1.0)
    assert np.diff(grid.price_changes) == pytest.approx(0.05)  # 23 points
    assert len(grid.budgets) == explore.STEPS
    assert explore.MAX_PRICE_PCT[1] >= 200  # the slider reaches +200 %
    assert explore.price_points(-0.10, 0.30) == 21  # 2-point steps, as before issue 20
    assert explore.price_points(-0.10, 2.0) == 22  # 10-point steps
    assert explore.price_points(-0.13, 0.30) <= explore.MAX_PRICE_POINTS
    coarse = explore.axes(SCENARIO, 1.0, explore.PROBABILITY_STEPS)
    assert len(coarse.price_changes) == len(coarse.budgets) == explore.PROBABILITY_STEPS


@pytest.mark.slow
def test_goal_seek_searches_up_to_plus_100_percent_and_finds_where_value_turns():
    at = _explore()
    assert at.slider(key="explore_max_price_pct").value == 100
    price = largest_price_increase(APP_BUSINESS, SCENARIO, max_price_change=1.0)
    assert price.searched == (0.0, 1.0) and price.status == "found"
    assert 0.0 < price.value < 0.30  # the rise stops paying well inside the range
    assert _answers_shown(at)[0] == _expected_sentences(APP_BUSINESS, SCENARIO)[0]


def test_axes_always_contain_the_plan():
    wild = SCENARIO.with_changes(price_change=-0.2, people_spend_per_month=200_000.0)
    grid = explore.axes(wild, 0.30)
    assert grid.price_changes[0] == -0.2 and grid.price_changes[-1] == pytest.approx(0.30)
    assert grid.max_budget >= wild.service_spend_per_month
    assert explore.axes(SCENARIO.with_changes(price_change=0.5), 0.3).max_price_change == 0.5


# --- sentences for every status ----------------------------------------------------------------


def _seek(status: str, value, achieved, searched) -> GoalSeek:
    return GoalSeek(status=status, value=value, achieved=achieved, searched=searched)


@pytest.mark.parametrize("status", ["found", "at_limit", "never"])
def test_every_status_reads_as_a_sentence(status):
    value = {"found": 0.123, "at_limit": 0.3, "never": None}[status]
    budget = {"found": 19_003.2, "at_limit": 0.0, "never": None}[status]
    answers = explore.Answers(
        price=_seek(status, value, 0.0 if value else None, (0.0, 0.3)),
        budget=_seek(status, budget, 0.0 if budget is not None else None, (0.0, 100_000.0)),
        core=_seek(status, value, 0.004 if value else None, (0.0, 0.3)),
    )
    sentences = explore.answer_sentences(answers, SCENARIO, currency="EUR", max_core_loss=0.05)
    assert set(sentences) == {"price", "budget", "core"}
    for sentence in sentences.values():
        assert "{" not in sentence and sentence.endswith(".")
        assert "5 years" in sentence
    if status == "found":
        assert "+12.3%" in sentences["price"] and "€45,000" in sentences["price"]
        assert "€19,003 a month" in sentences["budget"] and "+5.0%" in sentences["budget"]
        assert "+12.3%" in sentences["core"] and "5.0%" in sentences["core"]
    if status == "never":
        assert "+30.0%" in sentences["price"]
        assert "€100,000" in sentences["budget"]
    points = explore.answer_points(answers, SCENARIO)
    assert set(points) == ({"price", "budget", "core"} if status != "never" else set())


def test_a_failed_question_says_why_instead_of_a_traceback():
    answers = explore.Answers(
        price=None, budget=None, core=None, errors=(("core", "max_core_loss must be a share"),)
    )
    sentences = explore.answer_sentences(answers, SCENARIO, currency="EUR", max_core_loss=1.5)
    assert sentences == {"core": text.t("explore.error", message="max_core_loss must be a share")}


def test_the_value_colours_are_white_at_zero_and_each_side_reaches_its_own_extreme():
    mixed = explore.value_scale(np.array([[-15e6, -1e6], [0.0, 3e5]]))
    assert (mixed["zmin"], mixed["zmax"]) == (-15e6, 3e5)
    stops = {round(position, 9): colour for position, colour in mixed["colorscale"]}
    white = 15e6 / (15e6 + 3e5)
    assert stops[round(white, 9)] == explore.COLORSCALE[2][1]  # 0 is white
    assert stops[1.0] == explore.COLORSCALE[-1][1] and stops[0.0] == explore.COLORSCALE[0][1]
    losses = explore.value_scale(np.array([[-2.0, -1.0]]))
    assert (losses["zmin"], losses["zmid"], losses["zmax"]) == (-2.0, 0.0, 2.0)
    assert "colorscale" not in losses  # the page's palette, centred on 0
