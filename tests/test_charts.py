"""Figures as objects: traces, axis titles, markers (AppTest cannot see inside charts)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import simulator
from ui import charts, text
from ui.literal import PLOTLY


@pytest.fixture(scope="module")
def evaluation() -> simulator.Evaluation:
    return simulator.evaluate(simulator.sample_business(), simulator.example_scenario())


def _names(fig: go.Figure) -> list[str]:
    return [trace.name for trace in fig.data if trace.name]


def _series(what: str, case: str) -> str:
    return text.t("chart.series", markup=PLOTLY, what=what, case=text.t(f"case.{case}.short"))


def test_customers_figure_has_scenario_solid_and_baseline_dashed_per_segment(evaluation):
    fig = charts.customers_figure(
        evaluation.monthly, core="core", price_change_month=3, notice_month=2
    )
    assert _names(fig) == [
        _series("core", "scenario"),
        _series("core", "baseline"),
        _series("price-sensitive", "scenario"),
        _series("price-sensitive", "baseline"),
    ]
    dashes = {trace.name: trace.line.dash for trace in fig.data}
    assert dashes[_series("core", "scenario")] == "solid"
    assert dashes[_series("core", "baseline")] == "dash"
    core, other = fig.data[0], fig.data[2]
    assert core.line.width > other.line.width, "the core segment is emphasised"
    assert core.line.color == charts.CORE_COLOR
    # The traces carry the core's numbers, month by month.
    rows = evaluation.monthly.query("case == 'scenario' and segment == 'core'")
    np.testing.assert_allclose(np.asarray(core.y, dtype=float), rows["customers"].to_numpy())
    assert fig.layout.xaxis.title.text == text.t("chart.month")
    assert fig.layout.yaxis.title.text == text.t("chart.customers.y")
    assert fig.layout.title.text == text.t("chart.customers.title")
    marks = [a.text for a in fig.layout.annotations]
    assert text.t("chart.new_price") in marks and text.t("chart.notice") in marks


def test_customers_figure_without_price_change_has_no_month_marks(evaluation):
    fig = charts.customers_figure(evaluation.monthly, core="core")
    assert not fig.layout.shapes


def test_revenue_figure_sums_segments_and_names_the_currency(evaluation):
    fig = charts.revenue_figure(evaluation.monthly, currency="EUR", price_change_month=3)
    revenue = text.t("chart.revenue.revenue")
    contribution = text.t("chart.revenue.contribution")
    assert _names(fig) == [
        _series(revenue, "scenario"),
        _series(revenue, "baseline"),
        _series(contribution, "scenario"),
        _series(contribution, "baseline"),
    ]
    np.testing.assert_allclose(
        np.asarray(fig.data[0].y, dtype=float), evaluation.scenario.total("revenue").to_numpy()
    )
    np.testing.assert_allclose(
        np.asarray(fig.data[3].y, dtype=float),
        evaluation.baseline.total("contribution").to_numpy(),
    )
    assert "€" in fig.layout.yaxis.title.text
    assert fig.data[0].hovertemplate.startswith("€")


def test_cash_flow_figure_marks_payback_and_zero(evaluation):
    cumulative = evaluation.cumulative_cash_flow_difference
    fig = charts.cash_flow_figure(
        cumulative, payback_month=evaluation.payback_month, currency="EUR"
    )
    label = text.t("chart.cash.payback", month=evaluation.payback_month)
    markers = [trace for trace in fig.data if trace.name == label]
    assert len(markers) == 1
    assert list(markers[0].x) == [evaluation.payback_month]
    assert markers[0].y[0] == pytest.approx(cumulative.loc[evaluation.payback_month])
    shapes = fig.layout.shapes
    assert any(s.y0 == s.y1 == 0 and s.yref == "y" for s in shapes), "zero line"
    assert any(s.x0 == s.x1 == evaluation.payback_month for s in shapes), "payback line"
    assert label in [a.text for a in fig.layout.annotations]
    line = next(trace for trace in fig.data if trace.name == text.t("chart.cash.line"))
    np.testing.assert_allclose(np.asarray(line.y, dtype=float), cumulative.to_numpy())
    assert "€" in fig.layout.yaxis.title.text


def test_cash_flow_figure_says_when_there_is_no_payback():
    cumulative = pd.Series(-np.linspace(1.0, 60.0, 60) * 1_000, index=np.arange(1, 61))
    fig = charts.cash_flow_figure(cumulative, payback_month=None, currency="EUR")
    expected = text.t("chart.cash.no_payback", period=text.period(60))
    assert expected in [a.text for a in fig.layout.annotations]
    assert not [t for t in fig.data if t.mode == "markers"]


def test_who_leaves_figure_shows_customers_and_value_and_calls_out_core(evaluation):
    segments = evaluation.segments
    fig = charts.who_leaves_figure(segments, core="core", currency="EUR")
    customers, value = fig.data
    np.testing.assert_allclose(np.asarray(customers.y, dtype=float), segments["extra_churned"])
    np.testing.assert_allclose(np.asarray(value.y, dtype=float), segments["value_lost"])
    assert customers.x[0] == "<b>core</b>", "the core segment is called out in bold"
    assert customers.x[1] == "price-<br>sensitive"  # long names wrap instead of tilting
    assert customers.marker.color[0] == charts.CORE_COLOR
    assert customers.marker.line.width[0] > customers.marker.line.width[1]
    # Bar labels read as words, not signs: the sample plan keeps core customers.
    assert customers.text[0] == text.t(
        "chart.who.fewer", count=text.number(abs(segments["extra_churned"].iloc[0]))
    )
    assert value.text[1] == text.t(
        "chart.who.lost", amount=text.money(segments["value_lost"].iloc[1], "EUR", compact=True)
    )
    titles = [a.text for a in fig.layout.annotations]
    assert text.t("chart.who.customers") in titles and text.t("chart.who.value") in titles
    assert "€" in fig.layout.yaxis2.title.text
    assert fig.layout.yaxis.title.text == text.t("chart.who.customers_axis")
    # Each panel leaves room beyond its longest bar for the label outside it.
    for trace, axis in ((customers, fig.layout.yaxis), (value, fig.layout.yaxis2)):
        low, high = axis.range
        assert all(low < v < high for v in trace.y)


def test_service_figure_has_three_kpis_with_units(evaluation):
    fig = charts.service_figure(evaluation.scenario.service, evaluation.baseline.service)
    assert len(fig.data) == 6  # three KPIs x (scenario, no change)
    titles = [a.text for a in fig.layout.annotations]
    for key in ("chart.service.csat", "chart.service.fcr", "chart.service.aht"):
        assert text.t(key) in titles
    assert fig.layout.yaxis.tickformat.endswith("%")
    assert fig.layout.yaxis3.tickformat == ".1f"
    shown = [trace.name for trace in fig.data if trace.showlegend]
    assert shown == [text.t("case.scenario"), text.t("case.baseline")]
    np.testing.assert_allclose(
        np.asarray(fig.data[0].y, dtype=float), evaluation.scenario.service["csat"]
    )


def test_segment_colours_keep_core_blue_for_any_order():
    colors = charts.segment_colors(["small", "core", "mid"], core="core")
    assert colors["core"] == charts.CORE_COLOR
    assert len(set(colors.values())) == 3


def test_figures_handle_a_scenario_that_changes_nothing():
    scenario = replace(
        simulator.example_scenario(),
        price_change=0.0,
        tools_spend_per_month=0.0,
        training_spend_per_month=0.0,
        incentives_spend_per_month=0.0,
        people_spend_per_month=0.0,
    )
    ev = simulator.evaluate(simulator.sample_business(), scenario)
    figures = [
        charts.customers_figure(ev.monthly, core="core"),
        charts.revenue_figure(ev.monthly, currency="EUR"),
        charts.cash_flow_figure(
            ev.cumulative_cash_flow_difference, payback_month=ev.payback_month, currency="EUR"
        ),
        charts.who_leaves_figure(ev.segments, core="core", currency="EUR"),
        charts.service_figure(ev.scenario.service, ev.baseline.service),
    ]
    for fig in figures:
        fig.to_dict()  # serialisable, as st.plotly_chart needs
    notes = [a.text for a in figures[2].layout.annotations]
    assert notes == [text.t("chart.cash.nothing")]


def test_gain_and_loss_areas_meet_exactly_where_the_line_crosses_zero():
    gain, loss = charts.gain_loss_fills(np.array([0, 1, 2, 3]), np.array([-1.0, 1.0, 3.0, -3.0]))
    np.testing.assert_allclose(gain["x"], [0, 0.5, 1, 2, 2.5, 3])
    np.testing.assert_allclose(gain["y"], [0, 0, 1, 3, 0, 0])
    np.testing.assert_allclose(loss["y"], [-1, 0, 0, 0, 0, -3])
    assert (gain["fillcolor"], loss["fillcolor"]) == (charts.GAIN_FILL, charts.LOSS_FILL)
