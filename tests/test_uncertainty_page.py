"""AppTest: the Uncertainty page on the sample data and on an uploaded calibration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import simulator
from simulator.decisions.uncertainty import elasticity_exceedance, monte_carlo, tornado
from simulator.model.evidence import Evidence
from ui import text
from ui import uncertainty as view

from .conftest import APP_BUSINESS
from .test_data_page import customers_csv
from .user_text import shown

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/4_Uncertainty.py"
SHORT = simulator.example_scenario().with_changes(horizon_months=24)
"""The app's example over two years: the page's 2,000 draws take about a second."""


def _on_page(scenario: simulator.Scenario | None = SHORT) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if scenario is not None:
        at.session_state["scenario"] = scenario
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _failed(at: AppTest) -> list[str]:
    """Error boxes other than the red verdict sentence (which is an st.error too)."""
    return [shown(e.value) for e in at.error if e.icon != ":material/thumb_down:"]


def _metric(at: AppTest, label: str):
    matches = [m for m in at.metric if m.label == label]
    assert len(matches) == 1, [m.label for m in at.metric]
    return matches[0]


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_page_answers_on_the_sample_data():
    at = _on_page()
    assert at.title[0].value == text.t("unc.title")
    expected = monte_carlo(APP_BUSINESS, SHORT, draws=2000, seed=0)
    beat = _metric(at, text.t("unc.kpi.beat"))
    assert beat.value == text.percent(expected.probability_beats_baseline, 0)
    median = _metric(at, text.t("unc.kpi.median"))
    assert median.value == text.signed_money(expected.delta_npv_quantile(0.5), "EUR", compact=True)
    loss = at.select_slider(key="unc_loss").value
    assert loss == view.default_loss(expected)
    sentence = view.sentence(expected, loss=loss, currency="EUR")
    # the verdict is the page's only message (red when the plan loses in most futures)
    assert [s.value for s in [*at.success, *at.warning, *at.error]] == [sentence]
    chance = round(10 * expected.probability_beats_baseline)
    assert sentence.startswith(f"In about {chance} of 10 plausible futures")  # read aloud
    # the price-increase panel: break-even elasticity and the chance it is exceeded
    frame = elasticity_exceedance(APP_BUSINESS, SHORT)
    assert len(at.dataframe) == 1
    shown = at.dataframe[0].value
    assert list(shown[text.t("unc.elasticity.segment")]) == list(frame["segment"])
    assert any(c.value == view.precision(expected) for c in at.caption)
    assert any("assumptions, not data" in c.value for c in at.caption)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_changing_draws_seed_and_loss_reruns_and_memoises():
    at = _on_page()
    assert len(at.session_state["uncertainty_runs"]) == 1
    at.run()  # nothing changed: nothing recomputed
    assert len(at.session_state["uncertainty_runs"]) == 1
    at.selectbox(key="unc_draws").set_value(500).run()
    assert not at.exception
    assert len(at.session_state["uncertainty_runs"]) == 2
    expected = monte_carlo(APP_BUSINESS, SHORT, draws=500, seed=0)
    assert any(c.value == view.precision(expected) for c in at.caption)
    at.number_input(key="unc_seed").set_value(3).run()
    expected = monte_carlo(APP_BUSINESS, SHORT, draws=500, seed=3)
    beat = _metric(at, text.t("unc.kpi.beat"))
    assert beat.value == text.percent(expected.probability_beats_baseline, 0)
    at.select_slider(key="unc_loss").set_value(0.0).run()
    label = text.t("unc.kpi.loss", amount=text.money(0, "EUR", compact=True))
    assert _metric(at, label).value == text.percent(expected.probability_of_loss(0.0), 0)
    assert len(at.session_state["uncertainty_runs"]) == 3  # the loss needs no new run


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_scenario_that_changes_nothing_says_so():
    at = _on_page(simulator.Scenario(horizon_months=24))
    assert [i.value for i in at.info] == [text.t("unc.no_change")]
    assert not at.metric
    assert not at.error


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_service_only_plan_has_no_elasticity_panel():
    at = _on_page(SHORT.with_changes(price_change=0.0, price_change_month=1, notice_months=0))
    assert not _failed(at)
    assert not at.dataframe
    assert _metric(at, text.t("unc.kpi.beat")).value.endswith("%")


@pytest.mark.slow  # AppTest runs the real page scripts
def test_the_page_runs_on_an_uploaded_calibration():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/3_Data.py").run()
    at.file_uploader(key="data_upload").upload("customers.csv", customers_csv(), "text/csv").run()
    at.button(key="data_calibrate").click().run()
    at.button(key="data_use").click().run()
    assert not at.exception
    business = at.session_state["business"]
    assert "segments.core.sbg_alpha" in business.data_fields
    at.session_state["scenario"] = SHORT
    at.switch_page(PAGE).run()
    assert not at.exception
    assert not _failed(at)
    expected = monte_carlo(business, SHORT, draws=2000, seed=0)
    beat = _metric(at, text.t("unc.kpi.beat"))
    assert beat.value == text.percent(expected.probability_beats_baseline, 0)
    assert any("calibrated from data" in c.value for c in at.caption)


@pytest.mark.slow  # AppTest runs the real page scripts
def test_a_failing_run_shows_what_to_do_not_a_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("the prior of something is not valid.")

    monkeypatch.setattr("simulator.decisions.uncertainty.monte_carlo", broken)
    at = _on_page(SHORT.with_changes(price_change=0.07))
    assert not at.exception
    assert len(_failed(at)) == 1
    assert "the prior of something is not valid." in _failed(at)[0]
    assert not at.metric


# --- the figures and words, as objects (AppTest cannot see charts) ------------------------------


@pytest.fixture(scope="module")
def small():
    from simulator.decisions.uncertainty import rank_correlations, tornado

    mc = monte_carlo(APP_BUSINESS, SHORT, draws=300, seed=2)
    return mc, tornado(APP_BUSINESS, SHORT), rank_correlations(mc)


def test_fan_figures_draw_the_bands_and_medians(small):
    mc, _, _ = small
    fan = mc.fan()
    fig = view.fan_figure(fan, "revenue", currency="EUR")
    rows = fan[(fan["measure"] == "revenue") & (fan["case"] == "scenario")]
    names = [t.name for t in fig.data]
    assert text.t("unc.fan.band90") in names and text.t("unc.fan.band50") in names
    median = next(t for t in fig.data if t.name == text.t("unc.fan.median"))
    assert list(median.y) == list(rows["p50"])
    baseline = next(t for t in fig.data if t.name == text.t("unc.fan.baseline"))
    assert baseline.line.dash == "dash"
    assert "€" in fig.layout.yaxis.title.text
    diff = view.difference_figure(fan, "cumulative_cash_flow", currency="EUR")
    assert diff.layout.shapes[0].y0 == 0  # the zero line


def test_histogram_payback_tornado_and_rank_figures(small):
    mc, tornado, ranks = small
    hist = view.histogram_figure(mc, currency="EUR")
    assert sum(sum(t.y) for t in hist.data) == pytest.approx(1.0)
    assert any(s.x0 == 0 for s in hist.layout.shapes)  # zero is marked
    pay = view.payback_figure(mc)
    assert pay.data[0].y[-1] == pytest.approx(mc.probability_payback_within_horizon)
    fig = view.tornado_figure(tornado, currency="EUR")
    labels = list(fig.data[0].y)
    assert len(labels) == view.TOP_DRIVERS
    assert labels[-1] == view.label(tornado["path"].iloc[0], tornado["kind"].iloc[0])
    assert not [y for y in labels if "." in y.split(" (")[0]], "no dotted paths shown"
    assert fig.data[0].base == pytest.approx(tornado.attrs["delta_npv_central"])
    rank = view.rank_figure(ranks)
    shown = [y for t in rank.data for y in t.y]
    assert len(shown) == view.TOP_DRIVERS


def test_labels_name_segments_levers_settings_and_failure():
    assert view.label("segments.core.lasting_price_elasticity") == (
        text.t("param.lasting_price_elasticity") + " (core)"
    )
    assert view.label("segments.core.sbg") == text.t("unc.param.sbg", segment="core")
    assert view.label("service.people.hill_exponent").endswith("(People)")
    assert view.label("horizon_months", "setting") == text.t(
        "unc.param.setting", label=text.t("param.horizon_months")
    )
    assert view.label("service.implementation_failure") == text.t("unc.param.failure")


def _with_baseline_npv(mc, npv: float):
    baseline = dataclasses.replace(mc.baseline, npv=np.full_like(mc.baseline.npv, npv))
    return dataclasses.replace(mc, baseline=baseline)


@pytest.mark.parametrize(
    ("baseline_npv", "default"),
    [
        (22_000_000.0, 1_000_000.0),  # 5 % is 1.1M: nearest 1-2-5 amount
        (7_000_000.0, 500_000.0),  # 350k: 500k is nearer than 200k on a log scale
        (-3_000_000.0, 200_000.0),  # a losing business: the size of its NPV counts
        (100.0, 5.0),
        (10.0, 1.0),  # never below 1
        (0.0, 0.0),
    ],
)
def test_the_default_loss_is_a_round_step_near_five_percent_of_doing_nothing(
    small, baseline_npv, default
):
    mc, _, _ = small
    assert view.default_loss(_with_baseline_npv(mc, baseline_npv)) == default


def test_the_loss_slider_offers_1_2_5_steps_around_the_default():
    options = view.loss_options(1_000_000.0)
    assert options == [
        0.0,
        *(float(s * 10**p) for p in (4, 5, 6, 7) for s in (1, 2, 5)),
    ]
    assert [text.money(v, "EUR", compact=True) for v in options[6:9]] == [
        "€500K",
        "€1M",
        "€2M",
    ]
    assert view.loss_options(0.0)[:3] == [0.0, 10.0, 20.0]
    assert view.loss_options(5.0)[:4] == [0.0, 1.0, 2.0, 5.0]  # never below 1
    for default in (1.0, 5.0, 200_000.0, 5e9):
        assert default in view.loss_options(default)


@pytest.mark.parametrize(
    ("share", "opening"),
    [(1.0, "unc.sentence.all"), (0.0, "unc.sentence.none"), (0.71, "unc.sentence.some")],
)
def test_the_sentence_opens_with_how_often_the_plan_wins(small, share, opening):
    mc, _, _ = small
    n = mc.draws
    wins = round(share * n)
    delta = np.where(np.arange(n) < wins, 1e6, -1e6)
    fake = dataclasses.replace(mc, delta_npv=delta)
    sentence = view.sentence(fake, loss=5e5, currency="EUR")
    assert sentence.startswith(text.t(opening, n=7))
    assert "€500K" in sentence


def test_a_long_segment_name_is_cut_on_the_axis_so_the_chart_keeps_its_width():
    name = "A segment named at great length by whoever exported the file" * 2
    shown = view.label(f"segments.{name}.lasting_price_elasticity")
    assert shown.startswith(text.t("param.lasting_price_elasticity"))
    assert "…" in shown and len(shown) < len(text.t("param.lasting_price_elasticity")) + 30


PRICE_RESPONSE_PRIORS = (
    "acquisition_price_elasticity",
    "acquisition_share",
    "wtp_median",
    "wtp_log_sd",
    "wtp_exit_half_life_months",
    "negative_wom_per_defector",
    "negative_wom_half_life_months",
)
"""The segment priors of the price response beyond the hazard (docs/model.md), issue 20."""


def test_the_tornado_swings_the_price_response_priors_with_readable_labels(small):
    _, tornado, _ = small
    paths = set(tornado["path"])
    for segment in APP_BUSINESS.segments:
        for name in PRICE_RESPONSE_PRIORS:
            assert f"segments.{segment.name}.{name}" in paths, name
    assert {"fee_salience", "service.rise_contacts_per_100"} <= paths
    assert "service.overload_churn_increase" in paths
    rows = tornado.set_index("path")
    for name in PRICE_RESPONSE_PRIORS:
        label = view.label(f"segments.core.{name}")
        assert label.startswith(text.parameter_label(name)) and "_" not in label
    # On the app's example, what prospects do at a higher price is a leading driver.
    top = list(tornado["path"].head(view.TOP_DRIVERS))
    assert "segments.core.acquisition_price_elasticity" in top
    assert rows.loc["segments.core.acquisition_price_elasticity", "swing"] > 0
    fig = view.tornado_figure(tornado, currency="EUR")
    shown_labels = set(fig.data[0].y)
    assert view.label("segments.core.acquisition_price_elasticity") in shown_labels


def test_the_tornado_draws_a_measured_elasticity_from_its_own_interval():
    path = "segments.core.lasting_price_elasticity"
    value = APP_BUSINESS.segment("core").lasting_price_elasticity
    measured = dataclasses.replace(
        APP_BUSINESS,
        data_fields=(*APP_BUSINESS.data_fields, path),
        evidence=(
            Evidence(path=path, grade="history_with_control", low=0.9 * value, high=1.1 * value),
        ),
    )
    assumed = tornado(APP_BUSINESS, SHORT).set_index("path").loc[path]
    narrow = tornado(measured, SHORT).set_index("path").loc[path]
    assert narrow["high_value"] - narrow["low_value"] < assumed["high_value"] - assumed["low_value"]
    assert narrow["swing"] < assumed["swing"]
