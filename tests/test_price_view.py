"""The Scenario page's price-response view: the curve it uses, its sentences for every case, its
three figures as objects, and the page itself through AppTest."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.decisions.price_curve import DRIVERS, PriceCurve, price_curve
from ui import price_view, text
from ui.literal import PLOTLY

from .conftest import APP_BUSINESS
from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SCENARIO_PAGE = "pages/1_Scenario.py"
PRICE_SLIDER = "scenario_price_change_pct"
PLAN = simulator.example_scenario()


@pytest.fixture(scope="module")
def curve() -> PriceCurve:
    return price_view.curve(APP_BUSINESS, PLAN)


@pytest.fixture(scope="module")
def evaluation() -> simulator.Evaluation:
    return simulator.evaluate(APP_BUSINESS, PLAN)


# --- the numbers the view shows ----------------------------------------------------------------


def test_the_curve_does_not_depend_on_the_plans_own_price(curve):
    other = price_view.curve(APP_BUSINESS, PLAN.with_changes(price_change=0.6))
    pd.testing.assert_frame_equal(other.points, curve.points)
    assert (other.best, other.breakeven) == (curve.best, curve.breakeven)
    assert (curve.current, other.current) == (0.05, 0.6)
    direct = price_curve(APP_BUSINESS, PLAN)  # the core's own curve of the plan as set
    pd.testing.assert_frame_equal(direct.points, curve.points)


def test_the_sample_peaks_at_a_moderate_rise_and_loses_at_plus_100_percent(curve):
    assert curve.best is not None and 0.0 < curve.best < 0.30
    assert curve.breakeven is not None and curve.best < curve.breakeven < 0.30
    last = curve.points.iloc[-1]
    assert last["price_change"] == 1.0 and last["delta_npv"] < 0


@pytest.mark.parametrize("change", [0.05, 0.07, 0.33, -0.13, 1.0])
def test_the_plan_point_is_exact_and_its_drivers_add_up(change, curve):
    scenario = PLAN.with_changes(price_change=change)
    point = price_view.plan_point(APP_BUSINESS, scenario)
    expected = simulator.evaluate(APP_BUSINESS, scenario, breakeven=False).delta_npv
    assert point["delta_npv"] == pytest.approx(expected, rel=1e-9, abs=1e-3)
    at_zero = float(curve.points.loc[curve.points["price_change"] == 0.0, "delta_npv"].iloc[0])
    assert sum(point[d] for d in DRIVERS) == pytest.approx(point["delta_npv"] - at_zero, abs=1e-3)
    if change > 0:  # a rise: customers pay more, customers and prospects are lost
        assert point["price_gain"] > 0 > point["lost_customers"]
        assert point["lost_acquisitions"] < 0 and point["word_of_mouth"] < 0


# --- sentences ----------------------------------------------------------------------------------


def test_the_headline_names_the_peak_the_breakeven_and_the_loss_at_the_top(curve):
    said = price_view.headline(curve, "EUR")
    best, breakeven = (text.signed_percent(x, 0) for x in (curve.best, curve.breakeven))
    assert f"**{best}**" in said and f"**{breakeven}**" in said
    loss = text.money(abs(curve.points["delta_npv"].iloc[-1]), "EUR", compact=True)
    assert text.t("price_view.top_loss", top="+100%", loss=loss) in said
    assert _read(said).startswith("Value peaks at a price change of about +")


def _read(markdown: str) -> str:
    """A sentence as the reader sees it: literal text, bold marks gone."""
    return shown(markdown).replace("**", "")


def _toy(values: list[float], best: float | None, breakeven: float | None) -> PriceCurve:
    changes = np.linspace(-0.2, 1.0, len(values))
    points = pd.DataFrame({"price_change": changes, "delta_npv": values})
    return PriceCurve(points=points, best=best, breakeven=breakeven, current=0.0)


@pytest.mark.parametrize(
    ("values", "best", "breakeven", "key"),
    [
        ([-1, 2, 3, 1, -4], 0.4, 0.85, "price_view.peak"),
        ([-1, 2, 3, 2, 1], 0.4, None, "price_view.above"),
        ([-5, -2, -1, -3, -6], 0.4, None, "price_view.never"),
        ([-5, -2, 1, 3, 6], None, None, "price_view.rising"),
        ([6, 3, 1, -2, -5], None, None, "price_view.falling"),
    ],
)
def test_every_shape_of_curve_reads_as_a_sentence(values, best, breakeven, key):
    said = price_view.headline(_toy(values, best, breakeven), "EUR")
    template = text.t(key).split("{")[0]
    assert said.startswith(template), said
    assert "{" not in said and "None" not in said and "nan" not in said


def test_the_plan_sentence_splits_a_rise_a_cut_and_says_when_the_price_stays():
    rise = price_view.plan_point(APP_BUSINESS, PLAN.with_changes(price_change=0.3))
    said = price_view.plan_sentence(rise, "EUR")
    for name in DRIVERS:
        assert text.money(abs(rise[name]), "EUR", compact=True) in said
    net = sum(rise[name] for name in DRIVERS)
    assert f"**{text.signed_money(net, 'EUR', compact=True)}** on balance" in said
    assert text.signed_money(rise["delta_npv"], "EUR", compact=True) in said  # with the rest
    assert _read(said).startswith("This plan's +30% rise brings")
    cut = price_view.plan_point(APP_BUSINESS, PLAN.with_changes(price_change=-0.1))
    assert _read(price_view.plan_sentence(cut, "EUR")).startswith("This plan's -10% cut gives")
    none = price_view.plan_point(APP_BUSINESS, PLAN.with_changes(price_change=0.0))
    assert price_view.plan_sentence(none, "EUR") == text.t("price_view.plan.none")


def test_without_a_rest_of_the_plan_the_sentence_stops_at_the_balance():
    bare = simulator.Scenario(price_change=0.1)  # no service budget, no fee
    said = price_view.plan_sentence(price_view.plan_point(APP_BUSINESS, bare), "EUR")
    assert said.endswith("on balance.")


# --- figures ------------------------------------------------------------------------------------


def test_the_value_figure_marks_the_plan_the_best_price_and_the_breakeven(curve, evaluation):
    fig = price_view.figures(curve, evaluation, APP_BUSINESS, PLAN)["value"]
    markers = {trace.name: trace for trace in fig.data if trace.mode == "markers"}
    best = text.t("chart.price.best", change=text.signed_percent(curve.best, 0))
    breakeven = text.t("chart.price.breakeven", change=text.signed_percent(curve.breakeven, 0))
    plan = text.t("chart.price.plan", change="+5%")
    assert set(markers) == {best, breakeven, plan}
    assert markers[plan].x == (0.05,) and markers[plan].y == (evaluation.delta_npv,)
    assert markers[breakeven].x == (curve.breakeven,) and markers[breakeven].y == (0.0,)
    assert markers[best].y[0] > 0
    line = next(t for t in fig.data if t.name == text.t("chart.price.value.line"))
    assert np.allclose(line.y, curve.points["delta_npv"])
    fills = [t for t in fig.data if t.fill == "tozeroy"]
    assert min(fills[0].y) == 0 and max(fills[1].y) == 0  # green above zero, red below
    assert 0.0 in fills[0].y  # the areas meet where the line crosses zero
    ticks = fig.layout.xaxis.ticktext
    assert ticks[0] == "-20%" and ticks[-1] == "+100%" and "0%" in ticks
    notes = [a.text for a in fig.layout.annotations]
    assert text.t("chart.price.nothing") in notes and f"<b>{best}</b>" in notes


def test_the_drivers_figure_stacks_the_four_drivers_and_draws_their_sum(curve, evaluation):
    fig = price_view.figures(curve, evaluation, APP_BUSINESS, PLAN)["drivers"]
    assert fig.layout.barmode == "relative"
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == [text.t(f"chart.price.driver.{d}") for d in DRIVERS]
    net = next(t for t in fig.data if t.name == text.t("chart.price.driver.net"))
    assert np.allclose(net.y, np.sum([b.y for b in bars], axis=0))
    top = curve.points.iloc[-1]
    assert bars[0].y[-1] == pytest.approx(top["price_gain"]) and bars[0].y[-1] > 0
    assert all(b.y[-1] < 0 for b in bars[1:])  # at +100 % every loss is a loss


def test_the_volume_figure_shows_revenue_and_each_segments_customers(curve, evaluation):
    fig = price_view.figures(curve, evaluation, APP_BUSINESS, PLAN)["volume"]
    names = [t.name for t in fig.data]
    assert text.t("chart.price.revenue") in names and "core" in names
    assert "price-sensitive" in names
    nothing = text.t("case.baseline.short")
    core_baseline = text.t("chart.series", markup=PLOTLY, what="core", case=nothing)
    dashed = next(t for t in fig.data if t.name == core_baseline)
    kept = evaluation.segments.set_index("segment").loc["core", "customers_end_baseline"]
    assert dashed.line.dash == "dash" and dashed.y == (kept, kept) and dashed.xaxis == "x2"
    core = next(t for t in fig.data if t.name == "core")
    assert np.allclose(core.y, curve.points["customers_end_core"])
    assert core.y[0] > core.y[-1]  # fewer core customers at +100 % than at -20 %
    revenue = next(t for t in fig.data if t.name == text.t("chart.price.revenue"))
    assert revenue.y[-1] < revenue.y[list(curve.points["price_change"]).index(0.0)]


def test_a_hostile_segment_name_is_literal_in_the_figures():
    business = replace(
        APP_BUSINESS,
        segments=tuple(
            replace(s, name="<b>x</b>" if s.name == "core" else s.name)
            for s in APP_BUSINESS.segments
        ),
        core_segment="<b>x</b>",
    )
    scenario = simulator.Scenario(price_change=0.1, horizon_months=24)
    fig = price_view.figures(
        price_view.curve(business, scenario),
        simulator.evaluate(business, scenario),
        business,
        scenario,
    )["volume"]
    assert "&lt;b&gt;x&lt;/b&gt;" in [t.name for t in fig.data]
    assert "<b>x</b>" not in [t.name for t in fig.data]


# --- the page -----------------------------------------------------------------------------------


def _scenario_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(SCENARIO_PAGE).run()
    assert not at.exception
    return at


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


@pytest.mark.slow  # AppTest runs the real page script
def test_the_scenario_page_shows_the_view_with_best_price_and_breakeven(curve):
    at = _scenario_page()
    assert text.t("price_view.header") in [h.value for h in at.subheader]
    assert price_view.headline(curve, "EUR") in _markdown(at)
    point = price_view.plan_point(APP_BUSINESS, PLAN)
    assert price_view.plan_sentence(point, "EUR") in _markdown(at)
    assert len(at.get("plotly_chart")) == 5 + len(price_view.FIGURES)
    caption = text.t("price_view.caption", period=text.period(60))
    assert caption in [c.value for c in at.caption]


@pytest.mark.slow  # AppTest runs the real page script
def test_moving_the_price_to_plus_100_percent_shows_its_loss_and_reuses_the_curve(monkeypatch):
    at = _scenario_page()
    calls = []
    real = price_view.price_curve

    def counting(business, scenario, changes=None, **options):
        calls.append(changes)
        if changes is None:
            return real(business, scenario, **options)
        return real(business, scenario, changes, **options)

    monkeypatch.setattr(price_view, "price_curve", counting)
    at.slider(key=PRICE_SLIDER).set_value(100.0).run()
    assert not at.exception
    assert calls == [(1.0,)], "only the plan's own point is computed: the curve is cached"
    monkeypatch.undo()
    scenario = PLAN.with_changes(price_change=1.0)
    point = price_view.plan_point(APP_BUSINESS, scenario)
    said = price_view.plan_sentence(point, "EUR")
    assert said in _markdown(at)
    assert point["delta_npv"] < 0 and "**-€" in said  # below doing nothing


def test_a_label_near_either_end_of_the_axis_stays_inside_the_plot():
    span = (-0.2, 1.0)
    anchors = [
        price_view._note("x", x, 0.0, above=True, color="black", span=span)["xanchor"]
        for x in (-0.19, 0.4, 0.96)
    ]
    assert anchors == ["left", "center", "right"]
