"""The Uncertainty page's "Test first" section (ui.price_test): designs, EVPI, the
recommendation in words, and the readout of an uploaded test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.data.price_histories import generate_price_history
from simulator.decisions.price_test import design_test
from simulator.decisions.price_test_rise import elasticity_path
from ui import price_test as view
from ui import text

from .conftest import APP_BUSINESS
from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/4_Uncertainty.py"
SHORT = simulator.example_scenario().with_changes(horizon_months=24)


def _on_page(scenario: simulator.Scenario = SHORT) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.session_state["scenario"] = scenario
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _metric(at: AppTest, label: str):
    (match,) = [m for m in at.metric if m.label == label]
    return match


@pytest.fixture(scope="module")
def plan():
    """What the page computes with its defaults (2,000 draws, seed 0)."""
    return design_test(
        APP_BUSINESS, SHORT, shares=view.DEFAULT_SHARES, months=view.DEFAULT_MONTHS, draws=2000
    )


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_section_shows_the_designs_the_evpi_and_the_recommendation(plan):
    at = _on_page()
    assert text.t("test.header") in [h.value for h in at.subheader]
    evpi = _metric(at, text.t("test.kpi.evpi"))
    assert evpi.value == text.money(plan.evpi, "EUR", compact=True)
    pays = _metric(at, text.t("test.kpi.pays"))
    assert pays.value == text.percent(plan.probability_pays, 0)
    (advice,) = [i.value for i in at.info]
    assert advice == view.recommendation(plan)
    assert shown(advice).startswith(("**Test first.**", "**Decide now"))
    (table,) = at.table
    assert list(table.value.columns) == list(view.design_table(plan).columns)
    assert len(table.value) == 6
    assert list(table.value[text.t("test.table.net")]) == [
        text.signed_money(d.net_value, "EUR", compact=True) for d in plan.designs
    ]
    assert any(c.value == text.t("test.readout.waiting") for c in at.caption)
    # the page memoises the plan: a rerun computes nothing
    assert len(at.session_state["price_test_runs"]) == 1
    at.run()
    assert len(at.session_state["price_test_runs"]) == 1


@pytest.mark.slow  # AppTest runs the real page scripts
def test_fewer_choices_give_fewer_designs_and_none_asks_for_one():
    at = _on_page()
    at.multiselect(key="test_shares").set_value([0.1]).run()
    at.multiselect(key="test_months").set_value([4]).run()
    assert not at.exception
    (table,) = at.table
    assert len(table.value) == 1
    at.multiselect(key="test_segments").set_value([]).run()
    assert text.t("test.choose") in [i.value for i in at.info]


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_plan_without_a_rise_has_nothing_to_test():
    at = _on_page(SHORT.with_changes(price_change=0.0, price_change_month=1, notice_months=0))
    assert text.t("test.no_rise") in [i.value for i in at.info]
    assert not at.table


def _csv(frame) -> bytes:
    return frame.to_csv(index=False, date_format="%Y-%m-%d").encode()


@pytest.mark.slow  # AppTest runs the real page scripts
def test_an_uploaded_test_is_read_out_and_its_estimate_used():
    customers, prices = generate_price_history(
        8000,
        design="staggered",
        rng=np.random.default_rng(3),
        control_share=0.7,
        rollout_months=1,
        change_months_before_as_of=5,
        rises=(0.10,),
        alpha=1.6,
        beta=12.3,
        eta=2.0,
        segment="price-sensitive",
    )
    at = _on_page()
    at.file_uploader(key="test_customers").upload("test.csv", _csv(customers), "text/csv").run()
    at.file_uploader(key="test_prices").upload("prices.csv", _csv(prices), "text/csv").run()
    assert not at.exception
    readout = at.table[1].value
    assert list(readout[text.t("test.readout.segment")]) == ["price-sensitive"]
    assert list(readout[text.t("test.readout.grade")]) == [
        text.t("test.readout.grade.randomised_test")
    ]
    assert any(
        text.t("test.readout.raise") in m.value or text.t("test.readout.keep") in m.value
        for m in at.markdown
    )
    at.button(key="test_use").click().run()
    business = at.session_state["business"]
    path = elasticity_path("price-sensitive")
    (evidence,) = [e for e in business.evidence if e.path == path]
    assert evidence.grade == "randomised_test"
    assert business.source(path) == "data"
    assert any(c.value == text.t("test.readout.in_use") for c in at.caption)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_an_unreadable_test_file_says_which_file_and_column():
    customers, prices = generate_price_history(
        300, design="staggered", rng=np.random.default_rng(1), segment="price-sensitive"
    )
    prices["monthly_price"] = prices["monthly_price"].astype(object)
    prices.loc[3, "monthly_price"] = "abc"
    at = _on_page()
    at.file_uploader(key="test_customers").upload("test.csv", _csv(customers), "text/csv").run()
    at.file_uploader(key="test_prices").upload("prices.csv", _csv(prices), "text/csv").run()
    assert not at.exception
    (error,) = [e.value for e in at.error if e.icon == ":material/error:"]
    assert "prices" in error
    problems = at.dataframe[-1].value
    assert "monthly_price" in problems.to_string() and "5" in problems.to_string()


# --- the views, as objects --------------------------------------------------------------------


def test_the_chart_draws_value_and_net_value_per_length_and_marks_the_evpi(plan):
    fig = view.value_figure(plan)
    names = [t.name for t in fig.data]
    assert names == [
        text.t(key, months=m) for m in (3, 6) for key in ("test.chart.evsi", "test.chart.net")
    ]
    assert list(fig.data[0].x) == [5.0, 10.0, 20.0]
    assert any(s.y0 == plan.evpi for s in fig.layout.shapes)
    assert "€" in fig.layout.yaxis.title.text


def test_the_recommendation_names_the_best_design_or_says_to_decide_now(plan):
    best = plan.best
    sentence = view.recommendation(plan)
    if best is not None:
        assert text.percent(best.share, 0) in sentence and f"{best.months} months" in sentence
    import dataclasses

    worthless = dataclasses.replace(
        plan,
        designs=tuple(dataclasses.replace(d, net_value=-1.0) for d in plan.designs),
        evpi=0.0,
    )
    said = view.recommendation(worthless)
    assert said.startswith("**Decide now")
    assert text.t("test.sentence.known") in said
    # the prospects' response is named when it is the larger doubt
    assert (text.t("test.sentence.acquisition", amount="X")[:40] in said) == (
        plan.evpi_acquisition > 0
    )
